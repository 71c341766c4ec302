//! The 纳入监测 (identification) and 风险消除 (elimination) procedures: their steps, who may
//! record each, in what order, what each must carry and by when, as settings per area; and the
//! check a step must pass, which the device runs before it saves and the service runs again
//! before it accepts (one function, so the two never disagree).
//!
//! A procedure is one synced row of a household; each step is one field of it holding the
//! step's record ([`Verification`], [`Appraisal`], …). Two cadres recording the same step
//! offline write the same field: equal records merge, different ones are a conflict a
//! supervisor resolves, like any other field.
//! Default steps (domain.md): 入户核实 (核查表 and the signed 承诺授权书) → 民主评议 and
//! 信息比对 → 村级公示 (at least 5 days) → 乡镇审核 → 县级审定 (with its 文号), the whole within
//! 15 days of discovery. A 绿色通道 lets measures start before the procedure ends.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::calendar::WorkCalendar;
use crate::elimination::EliminationSettings;
use crate::field_error::{ErrorCode, FieldError, FieldErrors};
use crate::household::MonitoringType;
use crate::policy::DayLimit;
use crate::role::Role;

/// Which procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ProcedureKind {
    /// 纳入监测: a household becomes a monitoring object.
    Identification,
    /// 风险消除: a monitored household's risk is marked eliminated.
    Elimination,
}

impl ProcedureKind {
    /// The Chinese term.
    pub const fn label_zh(self) -> &'static str {
        match self {
            ProcedureKind::Identification => "纳入监测",
            ProcedureKind::Elimination => "风险消除",
        }
    }
}

/// How the case was found (发现渠道).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Channel {
    /// 农户自主申报.
    Application,
    /// 干部走访排查.
    CadreVisit,
    /// 部门筛查预警 (the procedure names its warning).
    DepartmentWarning,
    /// 其他.
    Other,
}

/// How a risk was eliminated (风险消除方式).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum EliminationMethod {
    /// 帮扶后消除.
    AfterAssistance,
    /// 自然消除.
    Natural,
}

/// A step of a procedure; its name is the procedure row's field that holds its record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Step {
    /// 入户核实.
    Verification,
    /// 民主评议.
    Appraisal,
    /// 信息比对.
    Comparison,
    /// 村级公示.
    Publicity,
    /// 乡镇审核.
    TownshipReview,
    /// 县级审定.
    CountyDecision,
}

impl Step {
    /// Every step, in the default order.
    pub const ALL: [Step; 6] = [
        Step::Verification,
        Step::Appraisal,
        Step::Comparison,
        Step::Publicity,
        Step::TownshipReview,
        Step::CountyDecision,
    ];

    /// The procedure row's field that holds the step.
    pub const fn field(self) -> &'static str {
        match self {
            Step::Verification => "verification",
            Step::Appraisal => "appraisal",
            Step::Comparison => "comparison",
            Step::Publicity => "publicity",
            Step::TownshipReview => "township_review",
            Step::CountyDecision => "county_decision",
        }
    }

    /// The step a field holds.
    pub fn of_field(field: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.field() == field)
    }

    /// The Chinese term.
    pub const fn label_zh(self) -> &'static str {
        match self {
            Step::Verification => "入户核实",
            Step::Appraisal => "民主评议",
            Step::Comparison => "信息比对",
            Step::Publicity => "村级公示",
            Step::TownshipReview => "乡镇审核",
            Step::CountyDecision => "县级审定",
        }
    }
}

/// One step's settings.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepSetting {
    /// The step.
    pub step: Step,
    /// The roles that may record it.
    pub recorded_by: Vec<Role>,
    /// The steps that must be recorded before it.
    #[serde(default)]
    pub after: Vec<Step>,
    /// Its time limit, counted from the procedure's start (e.g. 2 days to accept an
    /// application), where set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<DayLimit>,
}

/// The procedures' settings for an area.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProcedureSettings {
    /// The steps in the order a screen shows them; a step left out is not part of the
    /// procedure.
    pub steps: Vec<StepSetting>,
    /// From discovery to the county's decision (default 15 calendar days; 20 working days
    /// where a province says so).
    pub whole: DayLimit,
    /// The shortest village notice (村级公示), counted with both ends (default 5 days).
    pub publicity_min: DayLimit,
    /// Whether 入户核实 needs the household's signed consent (承诺授权书); default yes.
    pub consent_required: bool,
    /// Days off and make-up working days, for limits in working days.
    pub calendar: WorkCalendar,
    /// The criteria of 风险消除.
    pub elimination: EliminationSettings,
}

impl Default for ProcedureSettings {
    fn default() -> Self {
        use Role::*;
        use Step::*;
        let s = |step, recorded_by: &[Role], after: &[Step]| StepSetting {
            step,
            recorded_by: recorded_by.to_vec(),
            after: after.to_vec(),
            limit: None,
        };
        ProcedureSettings {
            steps: vec![
                s(Verification, &[VillageCadre, Helper, Office], &[]),
                s(Appraisal, &[VillageCadre, Office], &[Verification]),
                s(
                    Comparison,
                    &[Office, TownshipSupervisor, CountyAdmin],
                    &[Verification],
                ),
                s(Publicity, &[VillageCadre, Office], &[Appraisal, Comparison]),
                s(TownshipReview, &[TownshipSupervisor], &[Publicity]),
                s(CountyDecision, &[CountyAdmin], &[TownshipReview]),
            ],
            whole: DayLimit {
                days: 15,
                working_days: false,
            },
            publicity_min: DayLimit {
                days: 5,
                working_days: false,
            },
            consent_required: true,
            calendar: WorkCalendar::default(),
            elimination: EliminationSettings::default(),
        }
    }
}

impl ProcedureSettings {
    /// Checks the steps (each once, recorded by someone, after steps that come before it) and
    /// the limits; adds every problem to `errors` under `path`.
    pub fn validate(&self, path: &str, errors: &mut FieldErrors) {
        let mut seen: Vec<Step> = Vec::new();
        for (i, s) in self.steps.iter().enumerate() {
            let at = format!("{path}.steps[{i}]");
            if seen.contains(&s.step) {
                errors.push(FieldError::new(
                    format!("{at}.step"),
                    ErrorCode::Duplicate,
                    format!("{} appears twice", s.step.field()),
                    format!("“{}”重复", s.step.label_zh()),
                ));
            }
            if s.recorded_by.is_empty() {
                errors.push(FieldError::new(
                    format!("{at}.recorded_by"),
                    ErrorCode::Required,
                    "names at least one role",
                    format!("“{}”须指定登记人角色", s.step.label_zh()),
                ));
            }
            for b in &s.after {
                if !seen.contains(b) {
                    errors.push(FieldError::new(
                        format!("{at}.after"),
                        ErrorCode::Inconsistent,
                        format!(
                            "{} must come after a step listed before it, not {}",
                            s.step.field(),
                            b.field()
                        ),
                        format!(
                            "“{}”只能排在前面的步骤之后，“{}”不在其前",
                            s.step.label_zh(),
                            b.label_zh()
                        ),
                    ));
                }
            }
            seen.push(s.step);
        }
        for (name, limit) in [("whole", self.whole), ("publicity_min", self.publicity_min)] {
            if limit.days == 0 || limit.days > 366 {
                errors.push(FieldError::new(
                    format!("{path}.{name}.days"),
                    ErrorCode::OutOfRange,
                    "must be between 1 and 366",
                    "天数须在1至366之间",
                ));
            }
        }
    }

    /// The settings of one step, when it is part of the procedure.
    pub fn step(&self, step: Step) -> Option<&StepSetting> {
        self.steps.iter().find(|s| s.step == step)
    }
}

/// 入户核实: the visit with the 核查表 and the household's signed consent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Verification {
    /// The day of the visit.
    pub on: NaiveDate,
    /// Who verified (names, as on the form).
    pub by: String,
    /// The 核查表 is filled in.
    pub checklist_done: bool,
    /// The household's signature on the 承诺授权书: the attachment's SHA-256.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub consent_signature: Option<String>,
    /// What was found.
    #[serde(default)]
    pub note: String,
}

/// 民主评议: the village's appraisal meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Appraisal {
    /// The day of the meeting.
    pub on: NaiveDate,
    /// How many attended.
    pub attendance: u32,
    /// How many agreed.
    pub in_favour: u32,
    /// The result: agreed (通过) or not.
    pub passed: bool,
    /// Minutes.
    #[serde(default)]
    pub note: String,
}

/// 信息比对: the household compared with department data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Comparison {
    /// The day.
    pub on: NaiveDate,
    /// What was compared (车辆, 房产, 工商, 财政供养 …).
    pub items: Vec<String>,
    /// Whether the data agree with the household's declaration.
    pub consistent: bool,
    /// What differed.
    #[serde(default)]
    pub note: String,
}

/// 村级公示: the notice in the village.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Publicity {
    /// First day of the notice.
    pub from: NaiveDate,
    /// Last day of the notice.
    pub to: NaiveDate,
    /// Where it was posted and where to object.
    #[serde(default)]
    pub place: String,
    /// Objections received.
    #[serde(default)]
    pub objections: u32,
    /// The objections and how each was settled.
    #[serde(default)]
    pub objection_notes: String,
    /// Passed: no objection, or none upheld.
    pub passed: bool,
}

/// 乡镇审核 or any other yes/no review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Review {
    /// The day.
    pub on: NaiveDate,
    /// Who reviewed.
    pub by: String,
    /// Approved, or sent back.
    pub approved: bool,
    /// Remarks.
    #[serde(default)]
    pub note: String,
}

/// 县级审定: the decision, with its document number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Decision {
    /// The day.
    pub on: NaiveDate,
    /// Approved (纳入, or 消除) or not.
    pub approved: bool,
    /// The document number (文号).
    pub document: String,
    /// For an approved identification: the monitoring category.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub monitoring_type: Option<MonitoringType>,
    /// For an approved elimination: how the risk went.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub method: Option<EliminationMethod>,
    /// Remarks.
    #[serde(default)]
    pub note: String,
}

/// 绿色通道: help given before the procedure ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct GreenChannel {
    /// The day help started.
    pub on: NaiveDate,
    /// Why (灾害, 意外 …).
    pub reason: String,
}

/// A procedure as its row's current values say.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Procedure {
    /// Which procedure.
    pub kind: Option<ProcedureKind>,
    /// How it was found.
    pub channel: Option<Channel>,
    /// The warning that started it (部门筛查预警).
    pub warning_id: Option<String>,
    /// The day of discovery or application: time limits count from here.
    pub started_on: Option<NaiveDate>,
    /// 绿色通道.
    pub green_channel: Option<GreenChannel>,
    /// 入户核实.
    pub verification: Option<Verification>,
    /// 民主评议.
    pub appraisal: Option<Appraisal>,
    /// 信息比对.
    pub comparison: Option<Comparison>,
    /// 村级公示.
    pub publicity: Option<Publicity>,
    /// 乡镇审核.
    pub township_review: Option<Review>,
    /// 县级审定.
    pub county_decision: Option<Decision>,
}

/// Why a step cannot be recorded. Each has a stable code, an English message for logs and the
/// service's refusal, and a Chinese one for the screen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StepError {
    /// The role may not record the step.
    #[error("a {role} may not record {step} (allowed: {allowed})", role = .role.as_str(), step = .step.field())]
    WrongRole {
        /// The step.
        step: Step,
        /// The role that tried.
        role: Role,
        /// The roles that may, in Chinese, for the message.
        allowed: String,
    },
    /// An earlier step is not recorded yet.
    #[error("{step} needs {missing} first", step = .step.field(), missing = .missing.field())]
    OutOfOrder {
        /// The step.
        step: Step,
        /// The step missing.
        missing: Step,
    },
    /// An earlier step ended the procedure (not passed or not approved).
    #[error("the procedure ended at {at}, which did not pass: {step} cannot follow", at = .at.field(), step = .step.field())]
    Ended {
        /// The step.
        step: Step,
        /// The step that ended it.
        at: Step,
    },
    /// The step is not part of this area's procedure.
    #[error("{step} is not a step of this area's procedure", step = .step.field())]
    NotAStep {
        /// The step.
        step: Step,
    },
    /// The notice is shorter than the setting.
    #[error("the notice runs {days} days, the shortest allowed is {min}")]
    ShortNotice {
        /// Its length, both ends counted.
        days: u32,
        /// The shortest allowed.
        min: u32,
    },
    /// The step comes before the day it may: before the start, an earlier step, or the
    /// notice's end.
    #[error("{step} is dated {on}, before {after} ({what})", step = .step.field())]
    TooEarly {
        /// The step.
        step: Step,
        /// Its date.
        on: NaiveDate,
        /// The earliest date allowed.
        after: NaiveDate,
        /// What that date is.
        what: &'static str,
    },
    /// Something the step must carry is missing or wrong.
    #[error("{step}.{field}: {reason}", step = .step.field())]
    Missing {
        /// The step.
        step: Step,
        /// The field inside it.
        field: &'static str,
        /// English reason.
        reason: &'static str,
        /// Chinese reason.
        reason_zh: &'static str,
    },
    /// The step's record is not of its shape.
    #[error("{step} is not a valid record: {reason}", step = .step.field())]
    Malformed {
        /// The step.
        step: Step,
        /// The parser's words.
        reason: String,
    },
    /// The procedure has no kind or start day yet.
    #[error("the procedure needs its kind and start day before any step")]
    NotStarted,
}

impl StepError {
    /// A stable code for the UI and the service's refusal.
    pub const fn code(&self) -> &'static str {
        match self {
            StepError::WrongRole { .. } => "wrong_role",
            StepError::OutOfOrder { .. } => "out_of_order",
            StepError::Ended { .. } => "procedure_ended",
            StepError::NotAStep { .. } => "not_a_step",
            StepError::ShortNotice { .. } => "short_notice",
            StepError::TooEarly { .. } => "too_early",
            StepError::Missing { .. } => "missing",
            StepError::Malformed { .. } => "malformed",
            StepError::NotStarted => "not_started",
        }
    }

    /// The message in Chinese.
    pub fn message_zh(&self) -> String {
        match self {
            StepError::WrongRole {
                step,
                role,
                allowed,
            } => format!(
                "{}不能登记“{}”，应由{}登记",
                role.label_zh(),
                step.label_zh(),
                allowed
            ),
            StepError::OutOfOrder { step, missing } => format!(
                "请先完成“{}”，再登记“{}”",
                missing.label_zh(),
                step.label_zh()
            ),
            StepError::Ended { step, at } => format!(
                "“{}”未通过，程序已终止，不能再登记“{}”",
                at.label_zh(),
                step.label_zh()
            ),
            StepError::NotAStep { step } => {
                format!("本地区的程序不含“{}”", step.label_zh())
            }
            StepError::ShortNotice { days, min } => {
                format!("公示期只有{days}天，不得少于{min}天")
            }
            StepError::TooEarly {
                step, on, after, ..
            } => format!(
                "“{}”的日期{}早于允许的最早日期{}",
                step.label_zh(),
                on,
                after
            ),
            StepError::Missing {
                step, reason_zh, ..
            } => format!("“{}”：{}", step.label_zh(), reason_zh),
            StepError::Malformed { step, .. } => {
                format!("“{}”的内容格式不正确", step.label_zh())
            }
            StepError::NotStarted => "请先填写程序类型和发现日期".to_owned(),
        }
    }
}

fn parse<T: serde::de::DeserializeOwned>(step: Step, value: &Value) -> Result<T, StepError> {
    serde_json::from_value(value.clone()).map_err(|e| StepError::Malformed {
        step,
        reason: e.to_string(),
    })
}

fn missing(
    step: Step,
    field: &'static str,
    reason: &'static str,
    reason_zh: &'static str,
) -> StepError {
    StepError::Missing {
        step,
        field,
        reason,
        reason_zh,
    }
}

fn blank(s: &str) -> bool {
    s.trim().is_empty()
}

impl Procedure {
    /// The procedure from its row's current values (field name → value); fields of other
    /// shapes are left empty, so a damaged row still shows what it can.
    pub fn from_fields<'a>(fields: impl IntoIterator<Item = (&'a str, &'a Value)>) -> Procedure {
        let mut map = serde_json::Map::new();
        for (k, v) in fields {
            map.insert(k.to_owned(), v.clone());
        }
        let mut p = Procedure::default();
        let take = |k: &str| map.get(k).filter(|v| !v.is_null()).cloned();
        macro_rules! set {
            ($($f:ident),*) => {$(
                if let Some(v) = take(stringify!($f)) {
                    p.$f = serde_json::from_value(v).ok();
                }
            )*};
        }
        set!(
            kind,
            channel,
            warning_id,
            started_on,
            green_channel,
            verification,
            appraisal,
            comparison,
            publicity,
            township_review,
            county_decision
        );
        p
    }

    /// Whether a step is recorded.
    pub fn has(&self, step: Step) -> bool {
        match step {
            Step::Verification => self.verification.is_some(),
            Step::Appraisal => self.appraisal.is_some(),
            Step::Comparison => self.comparison.is_some(),
            Step::Publicity => self.publicity.is_some(),
            Step::TownshipReview => self.township_review.is_some(),
            Step::CountyDecision => self.county_decision.is_some(),
        }
    }

    /// The day a recorded step is dated (a notice: its last day).
    pub fn date(&self, step: Step) -> Option<NaiveDate> {
        match step {
            Step::Verification => self.verification.as_ref().map(|s| s.on),
            Step::Appraisal => self.appraisal.as_ref().map(|s| s.on),
            Step::Comparison => self.comparison.as_ref().map(|s| s.on),
            Step::Publicity => self.publicity.as_ref().map(|s| s.to),
            Step::TownshipReview => self.township_review.as_ref().map(|s| s.on),
            Step::CountyDecision => self.county_decision.as_ref().map(|s| s.on),
        }
    }

    /// Whether a recorded step let the procedure go on (false: it ended it).
    pub fn passed(&self, step: Step) -> Option<bool> {
        match step {
            Step::Verification => self.verification.as_ref().map(|_| true),
            Step::Appraisal => self.appraisal.as_ref().map(|s| s.passed),
            Step::Comparison => self.comparison.as_ref().map(|s| s.consistent),
            Step::Publicity => self.publicity.as_ref().map(|s| s.passed),
            Step::TownshipReview => self.township_review.as_ref().map(|s| s.approved),
            Step::CountyDecision => self.county_decision.as_ref().map(|s| s.approved),
        }
    }

    /// The outcome once decided.
    pub fn outcome(&self, settings: &ProcedureSettings) -> Option<Outcome> {
        if let Some(at) = settings
            .steps
            .iter()
            .map(|s| s.step)
            .find(|s| self.passed(*s) == Some(false))
        {
            return Some(Outcome::Stopped { at });
        }
        let d = self.county_decision.as_ref()?;
        match self.kind? {
            ProcedureKind::Identification => Some(Outcome::Included {
                monitoring_type: d.monitoring_type?,
                on: d.on,
            }),
            ProcedureKind::Elimination => Some(Outcome::Eliminated {
                method: d.method?,
                on: d.on,
            }),
        }
    }
}

/// How a procedure ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Outcome {
    /// 纳入监测, in a category.
    Included {
        /// The category.
        monitoring_type: MonitoringType,
        /// The decision's day (识别监测时间).
        on: NaiveDate,
    },
    /// 风险消除.
    Eliminated {
        /// How.
        method: EliminationMethod,
        /// The decision's day (消除监测时间).
        on: NaiveDate,
    },
    /// A step did not pass: the procedure ended there.
    Stopped {
        /// The step.
        at: Step,
    },
}

/// The household fields an approved 县级审定 changes, through the household's ordinary synced
/// fields: 纳入 makes it a 监测户 of the decided category from the decision's day (识别监测时间);
/// 消除 records the day (消除监测时间) and the method. A decision that does not approve changes
/// nothing. Wherever a decision is recorded (a device, the office), these are written with it.
pub fn decision_effects(kind: ProcedureKind, d: &Decision) -> Vec<(&'static str, Value)> {
    if !d.approved {
        return Vec::new();
    }
    match kind {
        ProcedureKind::Identification => vec![
            ("household_type", serde_json::json!("monitored")),
            ("monitoring_type", serde_json::json!(d.monitoring_type)),
            ("monitoring_since", serde_json::json!(d.on)),
            ("risk_eliminated_on", Value::Null),
            ("elimination_method", Value::Null),
        ],
        ProcedureKind::Elimination => vec![
            ("risk_eliminated_on", serde_json::json!(d.on)),
            ("elimination_method", serde_json::json!(d.method)),
        ],
    }
}

/// Checks that `role` may record `step` with `value` on `procedure` as it stands: the role,
/// the order, the dates and what the step must carry. The device runs it before saving; the
/// service runs it before accepting.
pub fn check_step(
    settings: &ProcedureSettings,
    role: Role,
    procedure: &Procedure,
    step: Step,
    value: &Value,
) -> Result<(), StepError> {
    let setting = settings.step(step).ok_or(StepError::NotAStep { step })?;
    if !setting.recorded_by.contains(&role) {
        let allowed = setting
            .recorded_by
            .iter()
            .map(|r| r.label_zh())
            .collect::<Vec<_>>()
            .join("、");
        return Err(StepError::WrongRole {
            step,
            role,
            allowed,
        });
    }
    let (Some(kind), Some(started_on)) = (procedure.kind, procedure.started_on) else {
        return Err(StepError::NotStarted);
    };
    for before in &setting.after {
        if settings.step(*before).is_none() {
            continue;
        }
        match procedure.passed(*before) {
            None => {
                return Err(StepError::OutOfOrder {
                    step,
                    missing: *before,
                })
            }
            Some(false) => return Err(StepError::Ended { step, at: *before }),
            Some(true) => {}
        }
    }
    let on = check_value(settings, kind, step, value)?;
    let too_early = |after: NaiveDate, what| {
        if on < after {
            Err(StepError::TooEarly {
                step,
                on,
                after,
                what,
            })
        } else {
            Ok(())
        }
    };
    too_early(started_on, "the procedure's start")?;
    for before in &setting.after {
        if let Some(d) = procedure.date(*before) {
            // A review follows the whole notice; other steps follow the day of the step.
            let (after, what) = if *before == Step::Publicity {
                (
                    d.checked_add_days(Days::new(1)).unwrap_or(d),
                    "the day after the notice ends",
                )
            } else {
                (d, "an earlier step")
            };
            too_early(after, what)?;
        }
    }
    Ok(())
}

/// Parses and checks one step's record; returns the day it is dated (a notice: its first day).
fn check_value(
    settings: &ProcedureSettings,
    kind: ProcedureKind,
    step: Step,
    value: &Value,
) -> Result<NaiveDate, StepError> {
    match step {
        Step::Verification => {
            let v: Verification = parse(step, value)?;
            if blank(&v.by) {
                return Err(missing(step, "by", "names who verified", "请填写核实人"));
            }
            if !v.checklist_done {
                return Err(missing(
                    step,
                    "checklist_done",
                    "the checklist (核查表) must be filled in",
                    "请先填写核查表",
                ));
            }
            if settings.consent_required
                && kind == ProcedureKind::Identification
                && v.consent_signature.as_deref().is_none_or(blank)
            {
                return Err(missing(
                    step,
                    "consent_signature",
                    "needs the household's signed consent (承诺授权书)",
                    "缺少农户签字的承诺授权书",
                ));
            }
            Ok(v.on)
        }
        Step::Appraisal => {
            let v: Appraisal = parse(step, value)?;
            if v.attendance == 0 {
                return Err(missing(
                    step,
                    "attendance",
                    "the attendance must be more than 0",
                    "请填写参会人数",
                ));
            }
            if v.in_favour > v.attendance {
                return Err(missing(
                    step,
                    "in_favour",
                    "more in favour than attended",
                    "同意人数不能多于参会人数",
                ));
            }
            Ok(v.on)
        }
        Step::Comparison => {
            let v: Comparison = parse(step, value)?;
            if v.items.iter().all(|i| blank(i)) {
                return Err(missing(
                    step,
                    "items",
                    "names at least one item compared",
                    "请至少填写一项比对内容",
                ));
            }
            Ok(v.on)
        }
        Step::Publicity => {
            let v: Publicity = parse(step, value)?;
            if v.to < v.from {
                return Err(missing(
                    step,
                    "to",
                    "the notice ends before it starts",
                    "公示结束日期早于开始日期",
                ));
            }
            let days = notice_days(&settings.calendar, v.from, v.to, settings.publicity_min);
            if days < settings.publicity_min.days {
                return Err(StepError::ShortNotice {
                    days,
                    min: settings.publicity_min.days,
                });
            }
            Ok(v.from)
        }
        Step::TownshipReview => {
            let v: Review = parse(step, value)?;
            if blank(&v.by) {
                return Err(missing(step, "by", "names who reviewed", "请填写审核人"));
            }
            Ok(v.on)
        }
        Step::CountyDecision => {
            let v: Decision = parse(step, value)?;
            if v.approved {
                if blank(&v.document) {
                    return Err(missing(
                        step,
                        "document",
                        "an approval needs its document number (文号)",
                        "审定通过须填写文号",
                    ));
                }
                match kind {
                    ProcedureKind::Identification if v.monitoring_type.is_none() => {
                        return Err(missing(
                            step,
                            "monitoring_type",
                            "an approved identification needs the monitoring category",
                            "请选择监测对象类别",
                        ))
                    }
                    ProcedureKind::Elimination if v.method.is_none() => {
                        return Err(missing(
                            step,
                            "method",
                            "an approved elimination needs its method",
                            "请选择风险消除方式",
                        ))
                    }
                    _ => {}
                }
            }
            Ok(v.on)
        }
    }
}

/// The days a notice runs, both ends counted, in the limit's unit.
fn notice_days(calendar: &WorkCalendar, from: NaiveDate, to: NaiveDate, unit: DayLimit) -> u32 {
    if !unit.working_days {
        return u32::try_from((to - from).num_days() + 1).unwrap_or(u32::MAX);
    }
    from.iter_days()
        .take_while(|d| *d <= to)
        .take(3660)
        .filter(|d| calendar.is_working_day(*d))
        .count() as u32
}

/// Where a procedure stands on a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Standing {
    /// The steps that may be recorded now (their earlier steps are done and passed).
    pub next: Vec<Step>,
    /// How it ended, once it has.
    pub outcome: Option<Outcome>,
    /// The last day for the county's decision.
    pub due: Option<NaiveDate>,
    /// Not decided and past its due day, or decided late.
    pub overdue: bool,
    /// Steps not recorded and past their own limits, with the day each was due.
    pub overdue_steps: Vec<(Step, NaiveDate)>,
}

/// Where `procedure` stands on `today`.
pub fn standing(settings: &ProcedureSettings, procedure: &Procedure, today: NaiveDate) -> Standing {
    let outcome = procedure.outcome(settings);
    let ended = outcome.is_some();
    let next = if ended {
        Vec::new()
    } else {
        settings
            .steps
            .iter()
            .filter(|s| !procedure.has(s.step))
            .filter(|s| {
                s.after
                    .iter()
                    .all(|b| settings.step(*b).is_none() || procedure.passed(*b) == Some(true))
            })
            .map(|s| s.step)
            .collect()
    };
    let Some(start) = procedure.started_on else {
        return Standing {
            next,
            outcome,
            due: None,
            overdue: false,
            overdue_steps: Vec::new(),
        };
    };
    let cal = &settings.calendar;
    let due = cal.due(start, settings.whole);
    let decided_on = match outcome {
        Some(Outcome::Included { on, .. } | Outcome::Eliminated { on, .. }) => Some(on),
        Some(Outcome::Stopped { .. }) => procedure.date(Step::CountyDecision),
        None => None,
    };
    let overdue = match decided_on {
        Some(on) => on > due,
        None => !ended && today > due,
    };
    let overdue_steps = if ended {
        Vec::new()
    } else {
        settings
            .steps
            .iter()
            .filter(|s| !procedure.has(s.step))
            .filter_map(|s| s.limit.map(|l| (s.step, cal.due(start, l))))
            .filter(|(_, d)| today > *d)
            .collect()
    };
    Standing {
        next,
        outcome,
        due: Some(due),
        overdue,
        overdue_steps,
    }
}

#[cfg(test)]
mod tests;
