//! The household (户) as entered on the screening form.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::risk::RiskType;

/// 户类型.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum HouseholdType {
    /// 脱贫户 (both 享受政策 and 不享受政策).
    FormerlyPoor,
    /// 监测户 (already a monitoring object).
    Monitored,
    /// 一般农户.
    Ordinary,
}

impl HouseholdType {
    /// The Chinese term.
    pub const fn name_zh(self) -> &'static str {
        match self {
            HouseholdType::FormerlyPoor => "脱贫户",
            HouseholdType::Monitored => "监测户",
            HouseholdType::Ordinary => "一般农户",
        }
    }
}

/// 监测对象类型.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum MonitoringType {
    /// 脱贫不稳定户.
    UnstableFormerlyPoor,
    /// 边缘易致贫户.
    MarginalAtRisk,
    /// 突发严重困难户.
    SuddenHardship,
}

impl MonitoringType {
    /// The Chinese term.
    pub const fn name_zh(self) -> &'static str {
        match self {
            MonitoringType::UnstableFormerlyPoor => "脱贫不稳定户",
            MonitoringType::MarginalAtRisk => "边缘易致贫户",
            MonitoringType::SuddenHardship => "突发严重困难户",
        }
    }
}

/// House safety rating (房屋安全等级) by the housing authority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum HouseSafety {
    /// A级: safe.
    A,
    /// B级: safe with minor damage.
    B,
    /// C级: 局部危房.
    C,
    /// D级: 整栋危房.
    D,
}

impl HouseSafety {
    /// A or B.
    pub const fn is_safe(self) -> bool {
        matches!(self, HouseSafety::A | HouseSafety::B)
    }

    /// The letter.
    pub const fn letter(self) -> &'static str {
        match self {
            HouseSafety::A => "A",
            HouseSafety::B => "B",
            HouseSafety::C => "C",
            HouseSafety::D => "D",
        }
    }
}

/// Road access (入户路).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum RoadAccess {
    /// 硬化路通到户.
    HardenedToDoor,
    /// 硬化路通到组（自然村）, not to the door.
    HardenedToGroup,
    /// 只有未硬化的路.
    Unhardened,
    /// 不通路.
    None,
}

impl RoadAccess {
    /// Unhardened or no road.
    pub const fn is_lacking(self) -> bool {
        matches!(self, RoadAccess::Unhardened | RoadAccess::None)
    }

    /// The Chinese term.
    pub const fn name_zh(self) -> &'static str {
        match self {
            RoadAccess::HardenedToDoor => "硬化路通到户",
            RoadAccess::HardenedToGroup => "硬化路通到组",
            RoadAccess::Unhardened => "未通硬化路",
            RoadAccess::None => "不通路",
        }
    }
}

/// How well one drinking-water aspect is met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum WaterLevel {
    /// 达标.
    Met,
    /// 基本达标.
    BasicallyMet,
    /// 不达标.
    NotMet,
}

impl WaterLevel {
    /// The Chinese term.
    pub const fn name_zh(self) -> &'static str {
        match self {
            WaterLevel::Met => "达标",
            WaterLevel::BasicallyMet => "基本达标",
            WaterLevel::NotMet => "不达标",
        }
    }
}

/// The four aspects of drinking-water safety.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum WaterAspect {
    /// 水量.
    Quantity,
    /// 用水方便程度.
    Convenience,
    /// 供水保证率.
    Reliability,
    /// 水质.
    Quality,
}

impl WaterAspect {
    /// The Chinese term.
    pub const fn name_zh(self) -> &'static str {
        match self {
            WaterAspect::Quantity => "水量",
            WaterAspect::Convenience => "用水方便程度",
            WaterAspect::Reliability => "供水保证率",
            WaterAspect::Quality => "水质",
        }
    }
}

/// Drinking water (饮水安全): each aspect 达标, 基本达标 or 不达标.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DrinkingWater {
    /// 水量.
    pub quantity: WaterLevel,
    /// 用水方便程度.
    pub convenience: WaterLevel,
    /// 供水保证率.
    pub reliability: WaterLevel,
    /// 水质.
    pub quality: WaterLevel,
}

impl DrinkingWater {
    /// The four aspects with their levels, in a fixed order.
    pub const fn aspects(&self) -> [(WaterAspect, WaterLevel); 4] {
        [
            (WaterAspect::Quantity, self.quantity),
            (WaterAspect::Convenience, self.convenience),
            (WaterAspect::Reliability, self.reliability),
            (WaterAspect::Quality, self.quality),
        ]
    }
}

/// The 帮扶责任人 assigned to the household.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Helper {
    /// 姓名.
    pub name: String,
    /// 工作单位.
    pub unit: String,
    /// 联系电话.
    #[serde(default)]
    pub phone: Option<String>,
    /// 帮扶开始日期.
    pub start: NaiveDate,
    /// 帮扶结束日期, if ended.
    #[serde(default)]
    pub end: Option<NaiveDate>,
}

/// An area reference as typed: the code string and its code-table year.
/// Validated by [`crate::record::HouseholdRecord::validate`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AreaRef {
    /// The 12-digit village code.
    pub code: String,
    /// Year of the statistical code table.
    pub version_year: i32,
}

/// A household on the screening form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Household {
    /// 户编号: the national system's number, kept opaque.
    pub id: String,
    /// The village (village-level area code).
    pub area: AreaRef,
    /// 组 (村民小组) inside the village.
    #[serde(default)]
    pub group: Option<String>,
    /// 自然村.
    #[serde(default)]
    pub natural_village: Option<String>,
    /// 家庭住址.
    pub address: String,
    /// 户类型.
    pub household_type: HouseholdType,
    /// 监测对象类型: set exactly when `household_type` is `monitored`.
    #[serde(default)]
    pub monitoring_type: Option<MonitoringType>,
    /// 联系电话.
    #[serde(default)]
    pub phone: Option<String>,
    /// 房屋安全等级.
    pub house_safety: HouseSafety,
    /// 耕地面积 in hundredths of a mu (350 = 3.50 亩).
    pub cultivated_land_hundredths_mu: u32,
    /// 入户路.
    pub road_access: RoadAccess,
    /// 饮水安全.
    pub drinking_water: DrinkingWater,
    /// 帮扶责任人.
    #[serde(default)]
    pub helper: Option<Helper>,
    /// 致贫返贫风险 recorded by the cadre (at most five, no repeats).
    #[serde(default, deserialize_with = "crate::nullable::or_default")]
    pub risk_types: Vec<RiskType>,
}
