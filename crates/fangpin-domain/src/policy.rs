//! Policy settings as data: monitoring lines, the near-line band, the
//! income-drop ratio, medical-spending thresholds, the compulsory-education
//! age window and procedure time limits.
//!
//! A [`PolicyBook`] holds national defaults, monitoring lines keyed by
//! (area prefix, year), and overrides by area prefix (usually a province).
//! [`PolicyBook::resolve`] gives the [`ResolvedPolicy`] for one area and
//! year: the longest-prefix line for that year, and the defaults with every
//! matching override applied from the shortest prefix to the longest.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::area::{validate_area_prefix, AreaCode};
use crate::field_error::{ErrorCode, FieldError, FieldErrors};
use crate::money::{exceeds_ratio, BasisPoints, Fen};
use crate::procedure::ProcedureSettings;
use crate::rating::RatingSettings;
use crate::recheck::SampleSettings;

/// The compulsory-education age window, inclusive at both ends, in whole
/// years of age on the assessment date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AgeWindow {
    /// Youngest age inside the window.
    pub from: u32,
    /// Oldest age inside the window.
    pub to: u32,
}

impl AgeWindow {
    /// Whether `age` lies in the window.
    pub const fn contains(&self, age: u32) -> bool {
        self.from <= age && age <= self.to
    }
}

impl Default for AgeWindow {
    /// 6 to 15.
    fn default() -> Self {
        AgeWindow { from: 6, to: 15 }
    }
}

/// The base a ratio threshold is taken of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum RatioBase {
    /// A fixed published amount, e.g. last year's rural per-capita
    /// disposable income of the province.
    Fixed {
        /// The amount.
        base_fen: Fen,
    },
    /// The household's own net income this year.
    HouseholdNetIncome,
}

/// A medical-spending threshold: a fixed amount, or a ratio of a base.
/// Spending fires the rule when it is strictly above the threshold
/// ("超过").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum MedicalThreshold {
    /// A fixed amount.
    Amount {
        /// The amount.
        amount_fen: Fen,
    },
    /// A ratio of a base.
    Ratio {
        /// The ratio.
        ratio_bp: BasisPoints,
        /// What it is a ratio of.
        base: RatioBase,
    },
}

impl MedicalThreshold {
    /// The threshold in fen (for a ratio, rounded down; for display).
    pub fn amount(&self, household_net_income: Fen) -> Fen {
        match *self {
            MedicalThreshold::Amount { amount_fen } => amount_fen,
            MedicalThreshold::Ratio { ratio_bp, base } => {
                ratio_bp.of(self::base_amount(base, household_net_income))
            }
        }
    }

    /// Whether `spending` is above the threshold, exactly.
    pub fn is_exceeded_by(&self, spending: Fen, household_net_income: Fen) -> bool {
        match *self {
            MedicalThreshold::Amount { amount_fen } => spending > amount_fen,
            MedicalThreshold::Ratio { ratio_bp, base } => {
                exceeds_ratio(spending, base_amount(base, household_net_income), ratio_bp)
            }
        }
    }

    /// Chinese description: `10000.00元`, `基数20000.00元的50%` or
    /// `家庭纯收入的50%`.
    pub fn describe_zh(&self) -> String {
        match *self {
            MedicalThreshold::Amount { amount_fen } => format!("{}元", amount_fen.yuan()),
            MedicalThreshold::Ratio { ratio_bp, base } => match base {
                RatioBase::Fixed { base_fen } => {
                    format!("基数{}元的{}", base_fen.yuan(), ratio_bp.percent())
                }
                RatioBase::HouseholdNetIncome => {
                    format!("家庭纯收入的{}", ratio_bp.percent())
                }
            },
        }
    }
}

fn base_amount(base: RatioBase, household_net_income: Fen) -> Fen {
    match base {
        RatioBase::Fixed { base_fen } => base_fen,
        RatioBase::HouseholdNetIncome => household_net_income,
    }
}

/// A time limit in days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DayLimit {
    /// Number of days.
    pub days: u32,
    /// Counted in working days (工作日) rather than calendar days.
    #[serde(default)]
    pub working_days: bool,
}

/// Every setting except the monitoring line.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PolicySettings {
    /// Compulsory-education age window (default 6 to 15).
    pub school_age: AgeWindow,
    /// Upper edge of the near-line band as a ratio of the line (default
    /// 11000 = 110%).
    pub near_line_bp: BasisPoints,
    /// Drop of net income against last year that counts as sharp (default
    /// 3000 = 30%, a project default: provinces set their own).
    pub income_drop_bp: BasisPoints,
    /// Medical threshold for low-income households (脱贫户, 监测户, or with
    /// a 低保 or 特困 member); default more than 10,000 yuan.
    pub medical_low_income: MedicalThreshold,
    /// Medical threshold for other households; default more than 26,000
    /// yuan.
    pub medical_general: MedicalThreshold,
    /// Procedure time limits.
    pub procedure: ProcedureSettings,
    /// How the township's re-check sample is drawn per village.
    pub recheck: SampleSettings,
    /// The village star rating's weights and cut-offs.
    pub rating: RatingSettings,
}

impl Default for PolicySettings {
    fn default() -> Self {
        PolicySettings {
            school_age: AgeWindow::default(),
            near_line_bp: BasisPoints(11_000),
            income_drop_bp: BasisPoints(3_000),
            medical_low_income: MedicalThreshold::Amount {
                amount_fen: Fen::from_yuan(10_000),
            },
            medical_general: MedicalThreshold::Amount {
                amount_fen: Fen::from_yuan(26_000),
            },
            procedure: ProcedureSettings::default(),
            recheck: SampleSettings::default(),
            rating: RatingSettings::default(),
        }
    }
}

/// A monitoring line (防止返贫监测范围) for an area and a year.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonitoringLine {
    /// Significant digits of the area it covers (`""` for everywhere,
    /// `"53"` for a province, `"530325"` for a county).
    pub area_prefix: String,
    /// The year.
    pub year: i32,
    /// Per-capita annual net income.
    pub amount_fen: Fen,
    /// The authorising document number (文号).
    pub document: String,
}

/// Settings that replace the defaults inside an area.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyOverride {
    /// Significant digits of the area.
    pub area_prefix: String,
    /// Replaces the age window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub school_age: Option<AgeWindow>,
    /// Replaces the near-line band.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub near_line_bp: Option<BasisPoints>,
    /// Replaces the income-drop ratio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub income_drop_bp: Option<BasisPoints>,
    /// Replaces the low-income medical threshold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medical_low_income: Option<MedicalThreshold>,
    /// Replaces the general medical threshold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medical_general: Option<MedicalThreshold>,
    /// Replaces the procedure limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub procedure: Option<ProcedureSettings>,
    /// Replaces the re-check sample's settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recheck: Option<SampleSettings>,
    /// Replaces the star rating's settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<RatingSettings>,
}

impl PolicyOverride {
    fn apply(&self, settings: &mut PolicySettings) {
        if let Some(v) = self.school_age {
            settings.school_age = v;
        }
        if let Some(v) = self.near_line_bp {
            settings.near_line_bp = v;
        }
        if let Some(v) = self.income_drop_bp {
            settings.income_drop_bp = v;
        }
        if let Some(v) = self.medical_low_income {
            settings.medical_low_income = v;
        }
        if let Some(v) = self.medical_general {
            settings.medical_general = v;
        }
        if let Some(v) = &self.procedure {
            settings.procedure = v.clone();
        }
        if let Some(v) = self.recheck {
            settings.recheck = v;
        }
        if let Some(v) = self.rating {
            settings.rating = v;
        }
    }
}

/// Why no policy could be resolved.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PolicyError {
    /// No line covers the area in that year.
    #[error("no monitoring line covers area {area} in {year}")]
    NoMonitoringLine {
        /// The area code.
        area: String,
        /// The year.
        year: i32,
    },
    /// Two lines with the same prefix and year.
    #[error("two monitoring lines for area prefix {prefix:?} in {year}")]
    AmbiguousLine {
        /// The prefix.
        prefix: String,
        /// The year.
        year: i32,
    },
}

impl PolicyError {
    /// The message in Chinese.
    pub fn message_zh(&self) -> String {
        match self {
            PolicyError::NoMonitoringLine { area, year } => {
                format!("没有适用于区划{area}、{year}年的监测标准")
            }
            PolicyError::AmbiguousLine { prefix, year } => {
                format!("区划前缀“{prefix}”的{year}年监测标准重复")
            }
        }
    }
}

/// The policy in force for one area and year.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ResolvedPolicy {
    /// The area.
    pub area: AreaCode,
    /// The year.
    pub year: i32,
    /// The monitoring line that applies.
    pub line: MonitoringLine,
    /// The settings after overrides.
    pub settings: PolicySettings,
    /// Prefixes of the overrides applied, shortest first.
    pub overrides_applied: Vec<String>,
}

/// Defaults, lines and overrides.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyBook {
    /// National defaults.
    #[serde(default)]
    pub defaults: PolicySettings,
    /// Monitoring lines.
    #[serde(default)]
    pub lines: Vec<MonitoringLine>,
    /// Overrides by area prefix.
    #[serde(default)]
    pub overrides: Vec<PolicyOverride>,
}

/// What the assessment names as the source of [`PolicyBook::seed`]'s line: the built-in
/// standard, used until the province's policy file (with its 文号) is loaded. Users read it
/// beside every line figure, so it says what it is rather than an internal name.
pub const SEED_DOCUMENT: &str = "系统内置标准，未导入本省政策文件";

impl PolicyBook {
    /// The defaults from the design notes and the seed plan's line: 6500
    /// yuan for 2025, everywhere. Real deployments load a policy file.
    pub fn seed() -> PolicyBook {
        PolicyBook {
            defaults: PolicySettings::default(),
            lines: vec![MonitoringLine {
                area_prefix: String::new(),
                year: 2025,
                amount_fen: Fen::from_yuan(6500),
                document: SEED_DOCUMENT.to_owned(),
            }],
            overrides: Vec::new(),
        }
    }

    /// Checks every prefix, amount and ratio; collects every problem.
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        validate_settings(&self.defaults, "defaults", &mut errors);
        for (i, line) in self.lines.iter().enumerate() {
            let path = format!("lines[{i}]");
            if let Err(e) = validate_area_prefix(&line.area_prefix) {
                errors.push(e.at(format!("{path}.area_prefix")));
            }
            if line.amount_fen <= Fen::ZERO || line.amount_fen > Fen::MAX_INPUT {
                errors.push(FieldError::new(
                    format!("{path}.amount_fen"),
                    ErrorCode::OutOfRange,
                    "must be more than 0",
                    "监测标准必须大于0",
                ));
            }
            if line.document.trim().is_empty() {
                errors.push(FieldError::new(
                    format!("{path}.document"),
                    ErrorCode::Required,
                    "the authorising document number is required",
                    "须填写文号",
                ));
            }
            if self.lines[..i]
                .iter()
                .any(|l| l.area_prefix == line.area_prefix && l.year == line.year)
            {
                errors.push(FieldError::new(
                    format!("{path}.area_prefix"),
                    ErrorCode::Duplicate,
                    format!(
                        "another line already covers prefix {:?} in {}",
                        line.area_prefix, line.year
                    ),
                    format!(
                        "区划前缀“{}”的{}年监测标准重复",
                        line.area_prefix, line.year
                    ),
                ));
            }
        }
        for (i, o) in self.overrides.iter().enumerate() {
            let path = format!("overrides[{i}]");
            if let Err(e) = validate_area_prefix(&o.area_prefix) {
                errors.push(e.at(format!("{path}.area_prefix")));
            }
            if self.overrides[..i]
                .iter()
                .any(|p| p.area_prefix == o.area_prefix)
            {
                errors.push(FieldError::new(
                    format!("{path}.area_prefix"),
                    ErrorCode::Duplicate,
                    format!("another override already has prefix {:?}", o.area_prefix),
                    format!("区划前缀“{}”的设置重复", o.area_prefix),
                ));
            }
            let mut settings = self.defaults.clone();
            o.apply(&mut settings);
            validate_settings(&settings, &path, &mut errors);
        }
        errors.into_result(())
    }

    /// The settings in force in `area` (an area code or a prefix of one), with every override
    /// that covers it applied from the shortest prefix to the longest; needs no monitoring line.
    pub fn settings(&self, area: &str) -> PolicySettings {
        let mut overrides: Vec<&PolicyOverride> = self
            .overrides
            .iter()
            .filter(|o| area.starts_with(o.area_prefix.as_str()))
            .collect();
        overrides.sort_by_key(|o| o.area_prefix.len());
        let mut settings = self.defaults.clone();
        for o in overrides {
            o.apply(&mut settings);
        }
        settings
    }

    /// The policy for `area` in `year`.
    pub fn resolve(&self, area: &AreaCode, year: i32) -> Result<ResolvedPolicy, PolicyError> {
        let mut candidates: Vec<&MonitoringLine> = self
            .lines
            .iter()
            .filter(|l| l.year == year && area.is_within(&l.area_prefix))
            .collect();
        candidates.sort_by_key(|l| std::cmp::Reverse(l.area_prefix.len()));
        let line = match candidates.as_slice() {
            [] => {
                return Err(PolicyError::NoMonitoringLine {
                    area: area.to_string(),
                    year,
                })
            }
            [first, second, ..] if first.area_prefix == second.area_prefix => {
                return Err(PolicyError::AmbiguousLine {
                    prefix: first.area_prefix.clone(),
                    year,
                })
            }
            [first, ..] => (*first).clone(),
        };
        let mut overrides: Vec<&PolicyOverride> = self
            .overrides
            .iter()
            .filter(|o| area.is_within(&o.area_prefix))
            .collect();
        overrides.sort_by_key(|o| o.area_prefix.len());
        let mut settings = self.defaults.clone();
        for o in &overrides {
            o.apply(&mut settings);
        }
        Ok(ResolvedPolicy {
            area: *area,
            year,
            line,
            settings,
            overrides_applied: overrides.iter().map(|o| o.area_prefix.clone()).collect(),
        })
    }
}

fn validate_settings(s: &PolicySettings, path: &str, errors: &mut FieldErrors) {
    if s.school_age.from > s.school_age.to || s.school_age.to > 30 {
        errors.push(FieldError::new(
            format!("{path}.school_age"),
            ErrorCode::OutOfRange,
            format!(
                "age window {}..{} is empty or too wide",
                s.school_age.from, s.school_age.to
            ),
            "义务教育年龄段设置无效",
        ));
    }
    if s.near_line_bp < BasisPoints::ONE {
        errors.push(FieldError::new(
            format!("{path}.near_line_bp"),
            ErrorCode::OutOfRange,
            "must be at least 10000 (100% of the line)",
            "易返贫致贫范围不得低于监测标准的100%",
        ));
    }
    s.procedure.validate(&format!("{path}.procedure"), errors);
    for (name, result) in [
        ("recheck", s.recheck.validate()),
        ("rating", s.rating.validate()),
    ] {
        if let Err(e) = result {
            for mut fe in e.0 {
                fe.field = format!("{path}.{name}.{}", fe.field);
                errors.push(fe);
            }
        }
    }
    if s.income_drop_bp.0 == 0 || s.income_drop_bp > BasisPoints::ONE {
        errors.push(FieldError::new(
            format!("{path}.income_drop_bp"),
            ErrorCode::OutOfRange,
            "must be between 1 and 10000",
            "收入骤减比例须在1至10000个基点之间",
        ));
    }
    for (name, t) in [
        ("medical_low_income", s.medical_low_income),
        ("medical_general", s.medical_general),
    ] {
        let bad = match t {
            MedicalThreshold::Amount { amount_fen } => {
                amount_fen < Fen::ZERO || amount_fen > Fen::MAX_INPUT
            }
            MedicalThreshold::Ratio { base, .. } => match base {
                RatioBase::Fixed { base_fen } => base_fen <= Fen::ZERO || base_fen > Fen::MAX_INPUT,
                RatioBase::HouseholdNetIncome => false,
            },
        };
        if bad {
            errors.push(FieldError::new(
                format!("{path}.{name}"),
                ErrorCode::OutOfRange,
                "amounts must be between 0 and the input limit, bases above 0",
                "医疗支出标准金额无效",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn area(s: &str) -> AreaCode {
        AreaCode::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn line(prefix: &str, year: i32, yuan: i64) -> MonitoringLine {
        MonitoringLine {
            area_prefix: prefix.to_owned(),
            year,
            amount_fen: Fen::from_yuan(yuan),
            document: format!("doc {prefix} {year}"),
        }
    }

    #[test]
    fn longest_prefix_line_wins() {
        let book = PolicyBook {
            lines: vec![
                line("", 2025, 6500),
                line("53", 2025, 8700),
                line("530325", 2025, 9000),
                line("53", 2024, 8000),
            ],
            ..PolicyBook::default()
        };
        assert_eq!(book.validate(), Ok(()));
        let get = |code: &str, year| book.resolve(&area(code), year).map(|p| p.line.amount_fen);
        assert_eq!(get("530325101201", 2025), Ok(Fen::from_yuan(9000)));
        assert_eq!(get("530326101201", 2025), Ok(Fen::from_yuan(8700)));
        assert_eq!(get("610602001001", 2025), Ok(Fen::from_yuan(6500)));
        assert_eq!(get("530325101201", 2024), Ok(Fen::from_yuan(8000)));
        assert_eq!(
            get("610602001001", 2024),
            Err(PolicyError::NoMonitoringLine {
                area: "610602001001".to_owned(),
                year: 2024
            })
        );
    }

    #[test]
    fn overrides_apply_shortest_prefix_first() {
        let book = PolicyBook {
            lines: vec![line("", 2025, 6500)],
            overrides: vec![
                PolicyOverride {
                    area_prefix: "530325".to_owned(),
                    near_line_bp: Some(BasisPoints(12_000)),
                    ..PolicyOverride::default()
                },
                PolicyOverride {
                    area_prefix: "53".to_owned(),
                    near_line_bp: Some(BasisPoints(15_000)),
                    school_age: Some(AgeWindow { from: 6, to: 16 }),
                    ..PolicyOverride::default()
                },
            ],
            ..PolicyBook::default()
        };
        let p = book.resolve(&area("530325101201"), 2025);
        let Ok(p) = p else { panic!("not resolved") };
        assert_eq!(p.settings.near_line_bp, BasisPoints(12_000));
        assert_eq!(p.settings.school_age, AgeWindow { from: 6, to: 16 });
        assert_eq!(p.settings.income_drop_bp, BasisPoints(3_000));
        assert_eq!(p.overrides_applied, ["53", "530325"]);
        let q = book.resolve(&area("110101001001"), 2025);
        assert_eq!(q.map(|q| q.settings), Ok(PolicySettings::default()));
    }

    #[test]
    fn validation_collects_every_problem() {
        let book = PolicyBook {
            defaults: PolicySettings {
                near_line_bp: BasisPoints(9_000),
                ..PolicySettings::default()
            },
            lines: vec![line("5", 2025, 6500), line("", 2025, 0), line("", 2025, 1)],
            overrides: vec![PolicyOverride {
                area_prefix: "99".to_owned(),
                income_drop_bp: Some(BasisPoints(0)),
                ..PolicyOverride::default()
            }],
        };
        let Err(errors) = book.validate() else {
            panic!("accepted")
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "defaults.near_line_bp",
                "lines[0].area_prefix",
                "lines[1].amount_fen",
                "lines[2].area_prefix",
                "overrides[0].area_prefix",
                "overrides[0].near_line_bp",
                "overrides[0].income_drop_bp",
            ]
        );
    }

    #[test]
    fn medical_thresholds() {
        let amount = MedicalThreshold::Amount {
            amount_fen: Fen(1_000_000),
        };
        assert!(!amount.is_exceeded_by(Fen(1_000_000), Fen::ZERO));
        assert!(amount.is_exceeded_by(Fen(1_000_001), Fen::ZERO));
        let ratio = MedicalThreshold::Ratio {
            ratio_bp: BasisPoints(5_000),
            base: RatioBase::HouseholdNetIncome,
        };
        assert!(!ratio.is_exceeded_by(Fen(500_000), Fen(1_000_000)));
        assert!(ratio.is_exceeded_by(Fen(500_001), Fen(1_000_000)));
        assert_eq!(ratio.amount(Fen(1_000_001)), Fen(500_000));
        assert_eq!(ratio.describe_zh(), "家庭纯收入的50%");
    }

    #[test]
    fn serde_shapes() {
        let json = serde_json::to_value(PolicyBook::seed()).unwrap_or_default();
        assert_eq!(json["lines"][0]["amount_fen"], 650_000);
        assert_eq!(json["defaults"]["medical_general"]["kind"], "amount");
        assert_eq!(json["defaults"]["medical_general"]["amount_fen"], 2_600_000);
        let partial: Result<PolicyBook, _> = serde_json::from_str(
            r#"{"lines":[{"area_prefix":"53","year":2025,"amount_fen":870000,"document":"x"}],
                "overrides":[{"area_prefix":"53","medical_general":{"kind":"ratio","ratio_bp":5000,
                "base":{"kind":"fixed","base_fen":1500000}}}]}"#,
        );
        let Ok(partial) = partial else {
            panic!("{partial:?}")
        };
        assert_eq!(partial.defaults, PolicySettings::default());
        assert_eq!(partial.validate(), Ok(()));
        assert!(serde_json::from_str::<PolicyBook>(r#"{"linez":[]}"#).is_err());
    }
}
