//! Risk types (致贫返贫风险) with the national system's codes.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A household carries at most this many risk types.
pub const MAX_RISKS: usize = 5;

/// A risk type; serialised as its code (`"01"`, `"0201"`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum RiskType {
    /// 01 因病.
    #[serde(rename = "01")]
    Illness,
    /// 02 因自然灾害 (sub-kind unknown).
    #[serde(rename = "02")]
    NaturalDisaster,
    /// 0201 洪涝.
    #[serde(rename = "0201")]
    Flood,
    /// 0202 地质.
    #[serde(rename = "0202")]
    Geological,
    /// 0203 旱灾.
    #[serde(rename = "0203")]
    Drought,
    /// 0204 生物.
    #[serde(rename = "0204")]
    Biological,
    /// 0205 气象.
    #[serde(rename = "0205")]
    Meteorological,
    /// 0206 地震.
    #[serde(rename = "0206")]
    Earthquake,
    /// 0299 其他自然灾害.
    #[serde(rename = "0299")]
    OtherDisaster,
    /// 03 因残.
    #[serde(rename = "03")]
    Disability,
    /// 04 因缺劳动力.
    #[serde(rename = "04")]
    LabourShortage,
    /// 05 因意外事故.
    #[serde(rename = "05")]
    Accident,
    /// 06 因产业项目失败.
    #[serde(rename = "06")]
    IndustryFailure,
    /// 07 因务工就业不稳.
    #[serde(rename = "07")]
    UnstableEmployment,
    /// 09 因学.
    #[serde(rename = "09")]
    Schooling,
    /// 99 其他.
    #[serde(rename = "99")]
    Other,
}

impl RiskType {
    /// Every risk type, in code order.
    pub const ALL: [RiskType; 16] = [
        RiskType::Illness,
        RiskType::NaturalDisaster,
        RiskType::Flood,
        RiskType::Geological,
        RiskType::Drought,
        RiskType::Biological,
        RiskType::Meteorological,
        RiskType::Earthquake,
        RiskType::OtherDisaster,
        RiskType::Disability,
        RiskType::LabourShortage,
        RiskType::Accident,
        RiskType::IndustryFailure,
        RiskType::UnstableEmployment,
        RiskType::Schooling,
        RiskType::Other,
    ];

    /// The national code.
    pub const fn code(self) -> &'static str {
        match self {
            RiskType::Illness => "01",
            RiskType::NaturalDisaster => "02",
            RiskType::Flood => "0201",
            RiskType::Geological => "0202",
            RiskType::Drought => "0203",
            RiskType::Biological => "0204",
            RiskType::Meteorological => "0205",
            RiskType::Earthquake => "0206",
            RiskType::OtherDisaster => "0299",
            RiskType::Disability => "03",
            RiskType::LabourShortage => "04",
            RiskType::Accident => "05",
            RiskType::IndustryFailure => "06",
            RiskType::UnstableEmployment => "07",
            RiskType::Schooling => "09",
            RiskType::Other => "99",
        }
    }

    /// The Chinese name.
    pub const fn name_zh(self) -> &'static str {
        match self {
            RiskType::Illness => "因病",
            RiskType::NaturalDisaster => "因自然灾害",
            RiskType::Flood => "因自然灾害（洪涝）",
            RiskType::Geological => "因自然灾害（地质）",
            RiskType::Drought => "因自然灾害（旱灾）",
            RiskType::Biological => "因自然灾害（生物）",
            RiskType::Meteorological => "因自然灾害（气象）",
            RiskType::Earthquake => "因自然灾害（地震）",
            RiskType::OtherDisaster => "因自然灾害（其他）",
            RiskType::Disability => "因残",
            RiskType::LabourShortage => "因缺劳动力",
            RiskType::Accident => "因意外事故",
            RiskType::IndustryFailure => "因产业项目失败",
            RiskType::UnstableEmployment => "因务工就业不稳",
            RiskType::Schooling => "因学",
            RiskType::Other => "其他",
        }
    }

    /// The two-digit top-level code (`02` for every disaster sub-kind).
    pub const fn top_level(self) -> RiskType {
        match self {
            RiskType::Flood
            | RiskType::Geological
            | RiskType::Drought
            | RiskType::Biological
            | RiskType::Meteorological
            | RiskType::Earthquake
            | RiskType::OtherDisaster => RiskType::NaturalDisaster,
            other => other,
        }
    }

    /// Looks a code up.
    pub fn from_code(code: &str) -> Option<RiskType> {
        RiskType::ALL.into_iter().find(|r| r.code() == code)
    }
}

impl fmt::Display for RiskType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code(), self.name_zh())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_through_serde_and_lookup() {
        for r in RiskType::ALL {
            assert_eq!(RiskType::from_code(r.code()), Some(r));
            let json = serde_json::to_string(&r).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", r.code()));
            assert_eq!(serde_json::from_str::<RiskType>(&json).ok(), Some(r));
        }
        assert_eq!(RiskType::from_code("08"), None);
        assert_eq!(RiskType::Drought.top_level(), RiskType::NaturalDisaster);
        assert_eq!(RiskType::Illness.to_string(), "01 因病");
        let mut sorted = RiskType::ALL;
        sorted.sort_by_key(|r| r.code());
        assert_eq!(sorted, RiskType::ALL, "declaration order is code order");
    }
}
