//! 两不愁三保障 and drinking water as indicators.
//!
//! 不愁吃 and 不愁穿 come from the cadre; 义务教育 is computed from the
//! members' ages and student status; 基本医疗 from insurance and family
//! doctors; 住房 from the house safety rating; 饮水 from its four aspects.
//! Each indicator has a status, a Chinese reason and structured issues.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::household::{HouseSafety, WaterAspect, WaterLevel};
use crate::member::{Education, StudentStatus};
use crate::policy::AgeWindow;
use crate::record::ValidRecord;

/// The six indicators, in the form's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Indicator {
    /// 不愁吃.
    Food,
    /// 不愁穿.
    Clothing,
    /// 义务教育有保障.
    CompulsoryEducation,
    /// 基本医疗有保障.
    BasicMedical,
    /// 住房安全有保障.
    Housing,
    /// 饮水安全有保障.
    DrinkingWater,
}

impl Indicator {
    /// All, in order.
    pub const ALL: [Indicator; 6] = [
        Indicator::Food,
        Indicator::Clothing,
        Indicator::CompulsoryEducation,
        Indicator::BasicMedical,
        Indicator::Housing,
        Indicator::DrinkingWater,
    ];

    /// The Chinese name.
    pub const fn name_zh(self) -> &'static str {
        match self {
            Indicator::Food => "不愁吃",
            Indicator::Clothing => "不愁穿",
            Indicator::CompulsoryEducation => "义务教育有保障",
            Indicator::BasicMedical => "基本医疗有保障",
            Indicator::Housing => "住房安全有保障",
            Indicator::DrinkingWater => "饮水安全有保障",
        }
    }
}

/// Secure or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum IndicatorStatus {
    /// 有保障 / 达标.
    Secure,
    /// 存在问题.
    Problem,
}

/// One structured reason an indicator is not secure.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "issue", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum IndicatorIssue {
    /// The cadre found food insufficient.
    FoodInsecure,
    /// The cadre found clothing or bedding insufficient.
    ClothingInsecure,
    /// A school-age child is out of school.
    OutOfSchool {
        /// Index into `members`.
        member_index: usize,
        /// Name.
        name: String,
        /// Age on the assessment date.
        age: u32,
        /// Student status.
        student_status: StudentStatus,
    },
    /// A member has no basic medical insurance.
    Uninsured {
        /// Index into `members`.
        member_index: usize,
        /// Name.
        name: String,
    },
    /// A chronic or serious patient without a family doctor.
    NoFamilyDoctor {
        /// Index into `members`.
        member_index: usize,
        /// Name.
        name: String,
    },
    /// The house is rated C or D.
    UnsafeHouse {
        /// The rating.
        rating: HouseSafety,
    },
    /// A drinking-water aspect is not met.
    WaterNotMet {
        /// The aspect.
        aspect: WaterAspect,
        /// Its level.
        level: WaterLevel,
    },
}

impl IndicatorIssue {
    /// One Chinese sentence.
    pub fn text_zh(&self) -> String {
        match self {
            IndicatorIssue::FoodInsecure => "经入户核实，家庭存在吃饭困难".to_owned(),
            IndicatorIssue::ClothingInsecure => "经入户核实，家庭缺少四季衣物或被褥".to_owned(),
            IndicatorIssue::OutOfSchool {
                name,
                age,
                student_status,
                ..
            } => format!(
                "{name}（{age}岁）处于义务教育年龄段，在校状况为“{}”",
                student_status.name_zh()
            ),
            IndicatorIssue::Uninsured { name, .. } => format!("{name}未参加基本医疗保险"),
            IndicatorIssue::NoFamilyDoctor { name, .. } => {
                format!("{name}患长期慢性病或大病，未签约家庭医生")
            }
            IndicatorIssue::UnsafeHouse { rating } => {
                format!("住房安全等级为{}级，属于危房", rating.letter())
            }
            IndicatorIssue::WaterNotMet { aspect, level } => {
                format!("饮水{}{}", aspect.name_zh(), level.name_zh())
            }
        }
    }
}

/// The result for one indicator.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct IndicatorResult {
    /// Which.
    pub indicator: Indicator,
    /// Secure or problem.
    pub status: IndicatorStatus,
    /// Why, in Chinese.
    pub reason_zh: String,
    /// Why, structured (empty when secure).
    pub issues: Vec<IndicatorIssue>,
}

impl IndicatorResult {
    fn from_issues(indicator: Indicator, issues: Vec<IndicatorIssue>, secure_zh: String) -> Self {
        if issues.is_empty() {
            IndicatorResult {
                indicator,
                status: IndicatorStatus::Secure,
                reason_zh: secure_zh,
                issues,
            }
        } else {
            let texts: Vec<String> = issues.iter().map(IndicatorIssue::text_zh).collect();
            IndicatorResult {
                indicator,
                status: IndicatorStatus::Problem,
                reason_zh: format!("{}。", texts.join("；")),
                issues,
            }
        }
    }

    /// Whether this indicator has a problem.
    pub fn is_problem(&self) -> bool {
        self.status == IndicatorStatus::Problem
    }
}

/// Whether a school-age child with this status and education is out of
/// compulsory education: dropped out, suspended for health without home
/// teaching, or not a student without having reached junior secondary.
pub fn is_out_of_school(status: StudentStatus, education: Education) -> bool {
    match status {
        StudentStatus::DroppedOut | StudentStatus::SuspendedForHealth => true,
        StudentStatus::NotStudent => education < Education::JuniorSecondary,
        other => !other.is_schooled(),
    }
}

/// Evaluates all six indicators, in [`Indicator::ALL`] order.
pub fn evaluate(
    valid: &ValidRecord<'_>,
    school_age: AgeWindow,
    today: NaiveDate,
) -> Vec<IndicatorResult> {
    let r = valid.record;
    let food = IndicatorResult::from_issues(
        Indicator::Food,
        if r.basic_needs.food_secure {
            vec![]
        } else {
            vec![IndicatorIssue::FoodInsecure]
        },
        "经入户核实，不愁吃。".to_owned(),
    );
    let clothing = IndicatorResult::from_issues(
        Indicator::Clothing,
        if r.basic_needs.clothing_secure {
            vec![]
        } else {
            vec![IndicatorIssue::ClothingInsecure]
        },
        "经入户核实，不愁穿。".to_owned(),
    );

    let mut school_issues = Vec::new();
    let mut in_window = 0usize;
    for (i, (m, id)) in r.members.iter().zip(&valid.ids).enumerate() {
        let age = id.age_on(today);
        if !school_age.contains(age) {
            continue;
        }
        in_window += 1;
        if is_out_of_school(m.student_status, m.education) {
            school_issues.push(IndicatorIssue::OutOfSchool {
                member_index: i,
                name: m.name.clone(),
                age,
                student_status: m.student_status,
            });
        }
    }
    let school_secure = if in_window == 0 {
        format!(
            "家中无{}至{}周岁义务教育阶段适龄人口。",
            school_age.from, school_age.to
        )
    } else {
        format!(
            "{}至{}周岁适龄人口{in_window}人，均在校就读或送教上门。",
            school_age.from, school_age.to
        )
    };
    let education =
        IndicatorResult::from_issues(Indicator::CompulsoryEducation, school_issues, school_secure);

    let mut medical_issues = Vec::new();
    for (i, m) in r.members.iter().enumerate() {
        if !m.is_insured() {
            medical_issues.push(IndicatorIssue::Uninsured {
                member_index: i,
                name: m.name.clone(),
            });
        }
    }
    for (i, m) in r.members.iter().enumerate() {
        if m.is_patient() && !m.family_doctor_signed {
            medical_issues.push(IndicatorIssue::NoFamilyDoctor {
                member_index: i,
                name: m.name.clone(),
            });
        }
    }
    let medical = IndicatorResult::from_issues(
        Indicator::BasicMedical,
        medical_issues,
        "全家参加基本医疗保险，慢性病、大病患者均已签约家庭医生。".to_owned(),
    );

    let rating = r.household.house_safety;
    let housing = IndicatorResult::from_issues(
        Indicator::Housing,
        if rating.is_safe() {
            vec![]
        } else {
            vec![IndicatorIssue::UnsafeHouse { rating }]
        },
        format!("住房安全等级为{}级，住房安全有保障。", rating.letter()),
    );

    let water_issues: Vec<IndicatorIssue> = r
        .household
        .drinking_water
        .aspects()
        .into_iter()
        .filter(|(_, level)| *level == WaterLevel::NotMet)
        .map(|(aspect, level)| IndicatorIssue::WaterNotMet { aspect, level })
        .collect();
    let water = IndicatorResult::from_issues(
        Indicator::DrinkingWater,
        water_issues,
        "水量、用水方便程度、供水保证率、水质均达标或基本达标。".to_owned(),
    );

    vec![food, clothing, education, medical, housing, water]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_school_table() {
        use Education as E;
        use StudentStatus as S;
        let cases = [
            (S::Primary, E::Primary, false),
            (S::JuniorSecondary, E::JuniorSecondary, false),
            (S::Preschool, E::PreschoolChild, false),
            (S::HomeTeaching, E::Illiterate, false),
            (S::SuspendedForHealth, E::Primary, true),
            (S::DroppedOut, E::JuniorSecondary, true),
            (S::NotStudent, E::Primary, true),
            (S::NotStudent, E::PreschoolChild, true),
            (S::NotStudent, E::JuniorSecondary, false),
            (S::NotStudent, E::SeniorSecondary, false),
            (S::SecondaryVocational, E::JuniorSecondary, false),
        ];
        for (status, education, expected) in cases {
            assert_eq!(
                is_out_of_school(status, education),
                expected,
                "{status:?} {education:?}"
            );
        }
    }
}
