//! Household members (家庭成员) as entered on the screening form.

use serde::{Deserialize, Serialize};

/// Sex (性别).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Sex {
    /// 男.
    Male,
    /// 女.
    Female,
}

impl Sex {
    /// 男 or 女.
    pub const fn name_zh(self) -> &'static str {
        match self {
            Sex::Male => "男",
            Sex::Female => "女",
        }
    }
}

/// Relation to the head of household (与户主关系).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Relation {
    /// 户主.
    Head,
    /// 配偶.
    Spouse,
    /// 之子.
    Son,
    /// 之女.
    Daughter,
    /// 之儿媳.
    DaughterInLaw,
    /// 之女婿.
    SonInLaw,
    /// 之孙子.
    Grandson,
    /// 之孙女.
    Granddaughter,
    /// 之外孙子女.
    MaternalGrandchild,
    /// 之父.
    Father,
    /// 之母.
    Mother,
    /// 之岳父/公公.
    FatherInLaw,
    /// 之岳母/婆婆.
    MotherInLaw,
    /// 之祖父.
    Grandfather,
    /// 之祖母.
    Grandmother,
    /// 之兄弟姐妹.
    Sibling,
    /// 其他.
    Other,
}

/// Education attained (文化程度), as in the national system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Education {
    /// 学龄前儿童.
    PreschoolChild,
    /// 文盲或半文盲.
    Illiterate,
    /// 小学.
    Primary,
    /// 初中.
    JuniorSecondary,
    /// 高中 (including 中专/中职).
    SeniorSecondary,
    /// 大专及以上.
    CollegeOrAbove,
}

/// Student status and stage (在校生状况).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum StudentStatus {
    /// 非在校生 (not in school: too young, finished, or working).
    NotStudent,
    /// 学前教育.
    Preschool,
    /// 小学.
    Primary,
    /// 七年级至九年级 (初中).
    JuniorSecondary,
    /// 普通高中.
    SeniorSecondary,
    /// 中职.
    SecondaryVocational,
    /// 高职高专.
    HigherVocational,
    /// 本科及以上.
    UndergraduateOrAbove,
    /// 送教上门 (taught at home for health reasons).
    HomeTeaching,
    /// 因病休学, without home teaching.
    SuspendedForHealth,
    /// 辍学.
    DroppedOut,
}

impl StudentStatus {
    /// Enrolled in a school stage, or taught at home: what compulsory
    /// education accepts.
    pub const fn is_schooled(self) -> bool {
        matches!(
            self,
            StudentStatus::Preschool
                | StudentStatus::Primary
                | StudentStatus::JuniorSecondary
                | StudentStatus::SeniorSecondary
                | StudentStatus::SecondaryVocational
                | StudentStatus::HigherVocational
                | StudentStatus::UndergraduateOrAbove
                | StudentStatus::HomeTeaching
        )
    }

    /// Beyond compulsory education (senior secondary, vocational, higher):
    /// the stages 其他教育帮扶 (e.g. 雨露计划) is for.
    pub const fn is_post_compulsory(self) -> bool {
        matches!(
            self,
            StudentStatus::SeniorSecondary
                | StudentStatus::SecondaryVocational
                | StudentStatus::HigherVocational
                | StudentStatus::UndergraduateOrAbove
        )
    }

    /// The Chinese term.
    pub const fn name_zh(self) -> &'static str {
        match self {
            StudentStatus::NotStudent => "非在校生",
            StudentStatus::Preschool => "学前教育",
            StudentStatus::Primary => "小学",
            StudentStatus::JuniorSecondary => "初中",
            StudentStatus::SeniorSecondary => "普通高中",
            StudentStatus::SecondaryVocational => "中职",
            StudentStatus::HigherVocational => "高职高专",
            StudentStatus::UndergraduateOrAbove => "本科及以上",
            StudentStatus::HomeTeaching => "送教上门",
            StudentStatus::SuspendedForHealth => "因病休学",
            StudentStatus::DroppedOut => "辍学",
        }
    }
}

/// Kind of disability (残疾类别).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum DisabilityKind {
    /// 视力残疾.
    Visual,
    /// 听力残疾.
    Hearing,
    /// 言语残疾.
    Speech,
    /// 肢体残疾.
    Physical,
    /// 智力残疾.
    Intellectual,
    /// 精神残疾.
    Mental,
    /// 多重残疾.
    Multiple,
}

impl DisabilityKind {
    /// The Chinese term.
    pub const fn name_zh(self) -> &'static str {
        match self {
            DisabilityKind::Visual => "视力残疾",
            DisabilityKind::Hearing => "听力残疾",
            DisabilityKind::Speech => "言语残疾",
            DisabilityKind::Physical => "肢体残疾",
            DisabilityKind::Intellectual => "智力残疾",
            DisabilityKind::Mental => "精神残疾",
            DisabilityKind::Multiple => "多重残疾",
        }
    }
}

/// A disability with its certificate grade (1 most severe to 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Disability {
    /// Kind.
    pub kind: DisabilityKind,
    /// Grade 1 to 4 (validated); 1 and 2 are severe (重度).
    pub grade: u8,
}

impl Disability {
    /// Grade 1 or 2.
    pub const fn is_severe(&self) -> bool {
        matches!(self.grade, 1 | 2)
    }
}

/// Health (健康状况): a member can be chronically ill, seriously ill and
/// disabled at once; none of these means 健康.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Health {
    /// 长期慢性病.
    #[serde(default, deserialize_with = "crate::nullable::or_default")]
    pub chronic_illness: bool,
    /// 大病.
    #[serde(default, deserialize_with = "crate::nullable::or_default")]
    pub serious_illness: bool,
    /// 残疾.
    #[serde(default)]
    pub disability: Option<Disability>,
}

impl Health {
    /// No illness and no disability.
    pub const fn is_healthy(&self) -> bool {
        !self.chronic_illness && !self.serious_illness && self.disability.is_none()
    }
}

/// Labour capacity (劳动技能), as in the national system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum LabourCapacity {
    /// 普通劳动力.
    Ordinary,
    /// 技能劳动力.
    Skilled,
    /// 弱劳动力或半劳动力.
    Weak,
    /// 丧失劳动力.
    Lost,
    /// 无劳动力 (children, students, the elderly).
    None,
}

impl LabourCapacity {
    /// Full labour capacity (ordinary or skilled).
    pub const fn is_full(self) -> bool {
        matches!(self, LabourCapacity::Ordinary | LabourCapacity::Skilled)
    }
}

/// Where a member works (务工地点).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum WorkPlace {
    /// 县内.
    WithinCounty,
    /// 县外省内.
    OutsideCountyInProvince,
    /// 省外.
    OutsideProvince,
    /// 境外.
    Abroad,
}

/// Work away from the farm this year (务工情况).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Work {
    /// Where.
    pub place: WorkPlace,
    /// Months worked this year, 0 to 12 (validated).
    pub months: u8,
}

/// Basic medical insurance (基本医疗保险).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum MedicalInsurance {
    /// 城乡居民基本医疗保险.
    Resident,
    /// 职工基本医疗保险.
    Employee,
    /// 未参保.
    None,
}

/// Basic pension insurance (基本养老保险).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum PensionInsurance {
    /// 城乡居民基本养老保险.
    Resident,
    /// 职工基本养老保险.
    Employee,
    /// 未参保.
    None,
}

/// One member of a household.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Member {
    /// 姓名.
    pub name: String,
    /// 性别; must agree with the identity number.
    pub sex: Sex,
    /// 身份证号码 as typed; validated and normalised by
    /// [`crate::record::HouseholdRecord::validate`].
    pub id_number: String,
    /// 与户主关系.
    pub relation: Relation,
    /// 民族, e.g. `汉族`, `彝族`.
    pub ethnicity: String,
    /// 文化程度.
    pub education: Education,
    /// 在校生状况.
    pub student_status: StudentStatus,
    /// 健康状况.
    #[serde(default, deserialize_with = "crate::nullable::or_default")]
    pub health: Health,
    /// 劳动技能.
    pub labour_capacity: LabourCapacity,
    /// A named skill (e.g. `厨师`, `电焊`), if any.
    #[serde(default)]
    pub skill: Option<String>,
    /// 务工情况, if the member worked away from the farm.
    #[serde(default)]
    pub work: Option<Work>,
    /// 基本医疗保险.
    pub medical_insurance: MedicalInsurance,
    /// 大病保险.
    pub serious_illness_insurance: bool,
    /// 基本养老保险.
    pub pension_insurance: PensionInsurance,
    /// 家庭医生签约.
    pub family_doctor_signed: bool,
    /// 享受低保.
    #[serde(default, deserialize_with = "crate::nullable::or_default")]
    pub dibao: bool,
    /// 特困供养.
    #[serde(default, deserialize_with = "crate::nullable::or_default")]
    pub tekun: bool,
    /// 易地扶贫搬迁.
    #[serde(default, deserialize_with = "crate::nullable::or_default")]
    pub relocated: bool,
    /// 公益岗位.
    #[serde(default, deserialize_with = "crate::nullable::or_default")]
    pub public_welfare_job: bool,
}

impl Member {
    /// Insured for basic medical care.
    pub const fn is_insured(&self) -> bool {
        !matches!(self.medical_insurance, MedicalInsurance::None)
    }

    /// Has a chronic or serious illness (needs a family doctor).
    pub const fn is_patient(&self) -> bool {
        self.health.chronic_illness || self.health.serious_illness
    }

    /// Has a severe disability (grade 1 or 2).
    pub fn is_severely_disabled(&self) -> bool {
        self.health.disability.is_some_and(|d| d.is_severe())
    }
}
