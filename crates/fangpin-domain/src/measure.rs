//! Assistance measures (帮扶措施).
//!
//! The two-digit codes are this project's own numbering, in the order the
//! measures are listed in the design notes; the national system's codes
//! are not public. Keep them stable: they are stored and synced.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Whether a measure develops the household's own earning (开发式帮扶),
/// is a safety net (兜底保障), or secures one specific need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum MeasureKind {
    /// 开发式帮扶: for households with labour capacity.
    Development,
    /// 兜底保障: for households without.
    SafetyNet,
    /// 专项保障: answers one need (health, schooling, housing, water, ...).
    Targeted,
}

/// An assistance measure; serialised as its code (`"01"` to `"14"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Measure {
    /// 01 产业帮扶.
    #[serde(rename = "01")]
    Industry,
    /// 02 就业帮扶.
    #[serde(rename = "02")]
    Employment,
    /// 03 金融帮扶（小额信贷）.
    #[serde(rename = "03")]
    Microcredit,
    /// 04 公益岗位.
    #[serde(rename = "04")]
    PublicWelfareJob,
    /// 05 健康帮扶.
    #[serde(rename = "05")]
    Health,
    /// 06 义务教育保障.
    #[serde(rename = "06")]
    CompulsoryEducation,
    /// 07 其他教育帮扶.
    #[serde(rename = "07")]
    OtherEducation,
    /// 08 综合保障（低保、特困）.
    #[serde(rename = "08")]
    ComprehensiveSecurity,
    /// 09 住房安全保障.
    #[serde(rename = "09")]
    HousingSafety,
    /// 10 饮水安全保障.
    #[serde(rename = "10")]
    DrinkingWaterSafety,
    /// 11 社会帮扶.
    #[serde(rename = "11")]
    SocialAssistance,
    /// 12 搬迁.
    #[serde(rename = "12")]
    Relocation,
    /// 13 生产生活条件改善.
    #[serde(rename = "13")]
    LivingConditions,
    /// 14 基础设施建设.
    #[serde(rename = "14")]
    Infrastructure,
}

impl Measure {
    /// Every measure, in code order.
    pub const ALL: [Measure; 14] = [
        Measure::Industry,
        Measure::Employment,
        Measure::Microcredit,
        Measure::PublicWelfareJob,
        Measure::Health,
        Measure::CompulsoryEducation,
        Measure::OtherEducation,
        Measure::ComprehensiveSecurity,
        Measure::HousingSafety,
        Measure::DrinkingWaterSafety,
        Measure::SocialAssistance,
        Measure::Relocation,
        Measure::LivingConditions,
        Measure::Infrastructure,
    ];

    /// The project's code.
    pub const fn code(self) -> &'static str {
        match self {
            Measure::Industry => "01",
            Measure::Employment => "02",
            Measure::Microcredit => "03",
            Measure::PublicWelfareJob => "04",
            Measure::Health => "05",
            Measure::CompulsoryEducation => "06",
            Measure::OtherEducation => "07",
            Measure::ComprehensiveSecurity => "08",
            Measure::HousingSafety => "09",
            Measure::DrinkingWaterSafety => "10",
            Measure::SocialAssistance => "11",
            Measure::Relocation => "12",
            Measure::LivingConditions => "13",
            Measure::Infrastructure => "14",
        }
    }

    /// The Chinese name.
    pub const fn name_zh(self) -> &'static str {
        match self {
            Measure::Industry => "产业帮扶",
            Measure::Employment => "就业帮扶",
            Measure::Microcredit => "金融帮扶（小额信贷）",
            Measure::PublicWelfareJob => "公益岗位",
            Measure::Health => "健康帮扶",
            Measure::CompulsoryEducation => "义务教育保障",
            Measure::OtherEducation => "其他教育帮扶",
            Measure::ComprehensiveSecurity => "综合保障（低保、特困）",
            Measure::HousingSafety => "住房安全保障",
            Measure::DrinkingWaterSafety => "饮水安全保障",
            Measure::SocialAssistance => "社会帮扶",
            Measure::Relocation => "搬迁",
            Measure::LivingConditions => "生产生活条件改善",
            Measure::Infrastructure => "基础设施建设",
        }
    }

    /// Development, safety net, or targeted.
    pub const fn kind(self) -> MeasureKind {
        match self {
            Measure::Industry
            | Measure::Employment
            | Measure::Microcredit
            | Measure::PublicWelfareJob => MeasureKind::Development,
            Measure::ComprehensiveSecurity => MeasureKind::SafetyNet,
            _ => MeasureKind::Targeted,
        }
    }

    /// Looks a code up.
    pub fn from_code(code: &str) -> Option<Measure> {
        Measure::ALL.into_iter().find(|m| m.code() == code)
    }
}

impl fmt::Display for Measure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code(), self.name_zh())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_and_in_listed_order() {
        let codes: Vec<&str> = Measure::ALL.iter().map(|m| m.code()).collect();
        let expected: Vec<String> = (1..=14).map(|n| format!("{n:02}")).collect();
        assert_eq!(codes, expected);
        for m in Measure::ALL {
            assert_eq!(Measure::from_code(m.code()), Some(m));
            let json = serde_json::to_string(&m).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", m.code()));
        }
        assert_eq!(
            Measure::ComprehensiveSecurity.kind(),
            MeasureKind::SafetyNet
        );
        assert_eq!(Measure::PublicWelfareJob.kind(), MeasureKind::Development);
        assert_eq!(Measure::Health.kind(), MeasureKind::Targeted);
    }
}
