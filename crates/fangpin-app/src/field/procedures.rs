//! The household's 纳入监测 and 风险消除 procedures on the device: starting one, recording a
//! step after the same check the service runs (`fangpin_domain::procedure::check_step`, under
//! this device's policy), the 绿色通道, where each procedure stands, and the elimination
//! criteria checked from the household's data.
//!
//! When the county's decision approves an identification, the household's type, category,
//! 识别监测时间, risk types and the suggested measures are written in the same save, through
//! the household's ordinary synced fields; an approved elimination writes 消除监测时间 and the
//! method. Nothing is deleted: the household's data stays after elimination.

use chrono::NaiveDate;
use fangpin_domain::elimination::{
    check_elimination, EliminationCheck, EliminationFacts, IncomeObservation,
};
use fangpin_domain::member::LabourCapacity;
use fangpin_domain::procedure::{
    check_step, decision_effects, standing, Channel, Decision, GreenChannel, Outcome, Procedure,
    ProcedureKind, ProcedureSettings, Step,
};
use fangpin_domain::role::Role;
use fangpin_domain::{Assessment, Fen};
use fangpin_store::RowView;
use fangpin_sync::RowKey;
use serde_json::{json, Value};
use uuid::Uuid;

use super::views::{NewProcedure, ProcedureView, StepView};
use super::{now_ms, str_of, today, AppError, FieldApp};
use crate::rows::HOUSEHOLD;

/// The table of procedures.
pub const PROCEDURE: &str = "procedure";
/// The table of measures.
const MEASURE: &str = "measure";
/// The problem types whose open ledger items keep a risk from being eliminated.
const OPEN: &[&str] = &["closed"];

fn bad(code: &str, message: String, zh: impl Into<String>) -> AppError {
    AppError::new(code, message, zh)
}

impl FieldApp {
    pub(super) fn role(&self) -> Option<Role> {
        self.config.as_ref().and_then(|c| Role::parse(&c.user.role))
    }

    pub(super) fn procedure_settings(&self, village: &str) -> ProcedureSettings {
        self.policy.settings(village).procedure
    }

    /// The household's procedures, oldest first.
    pub fn procedures(&self, household_id: Uuid) -> Result<Vec<ProcedureView>, AppError> {
        let store = self.store()?;
        let d = store.household(household_id)?.ok_or_else(|| {
            bad(
                "not_found",
                format!("household {household_id}"),
                "未找到该农户。",
            )
        })?;
        let village = str_of(&d.household.data, "village_code");
        let settings = self.procedure_settings(&village);
        let conflicted: Vec<(Uuid, String)> = d
            .conflicts
            .iter()
            .filter(|c| c.row.table == PROCEDURE)
            .map(|c| (c.row.id, c.field.clone()))
            .collect();
        Ok(d.procedures
            .iter()
            .filter(|r| r.alive)
            .map(|r| self.procedure_view(r, &settings, &conflicted))
            .collect())
    }

    pub(super) fn procedure_view(
        &self,
        r: &RowView,
        settings: &ProcedureSettings,
        conflicted: &[(Uuid, String)],
    ) -> ProcedureView {
        let p = Procedure::from_fields(r.data.iter().map(|(k, v)| (k.as_str(), v)));
        let today = today();
        let st = standing(settings, &p, today);
        let role = self.role();
        let supervises = role.is_some_and(Role::supervises);
        let steps = settings
            .steps
            .iter()
            .map(|s| {
                let conflict = conflicted.contains(&(r.key.id, s.step.field().to_owned()));
                let own_due = st.overdue_steps.iter().find(|(o, _)| *o == s.step);
                StepView {
                    step: s.step,
                    label: s.step.label_zh().to_owned(),
                    recorded: r.data.get(s.step.field()).filter(|v| !v.is_null()).cloned(),
                    may_record: role.is_some_and(|ro| s.recorded_by.contains(&ro))
                        && (!conflict || supervises),
                    recorded_by_zh: s
                        .recorded_by
                        .iter()
                        .map(|ro| ro.label_zh())
                        .collect::<Vec<_>>()
                        .join("、"),
                    next: st.next.contains(&s.step),
                    due: own_due.map(|(_, d)| d.to_string()),
                    overdue: own_due.is_some(),
                    conflict,
                }
            })
            .collect();
        let kind = p.kind.unwrap_or(ProcedureKind::Identification);
        ProcedureView {
            id: r.key.id,
            household_id: r.household_id.unwrap_or_default(),
            kind,
            kind_label: kind.label_zh().to_owned(),
            channel: p.channel,
            channel_label: p.channel.map(channel_zh).unwrap_or_default().to_owned(),
            started_on: p.started_on.map(|d| d.to_string()),
            warning_id: p.warning_id.clone(),
            green_channel: p.green_channel.clone(),
            steps,
            outcome_zh: st.outcome.map(|o| outcome_zh(&o)),
            due: st.due.map(|d| d.to_string()),
            overdue: st.overdue,
        }
    }

    /// Starts a procedure for a household: its kind, how it was found and the day.
    pub fn start_procedure(
        &mut self,
        household_id: Uuid,
        input: &NewProcedure,
    ) -> Result<ProcedureView, AppError> {
        let started: NaiveDate = input.started_on.parse().map_err(|_| {
            let mut e = bad(
                "bad_date",
                "started_on: expected YYYY-MM-DD".into(),
                "发现日期应为日期（年-月-日）。",
            );
            e.field = Some("started_on".into());
            e
        })?;
        if started > today() {
            let mut e = bad(
                "future_date",
                "started_on: after today".into(),
                "发现日期不能晚于今天。",
            );
            e.field = Some("started_on".into());
            return Err(e);
        }
        if input.channel == Channel::DepartmentWarning && input.warning_id.is_none() {
            let mut e = bad(
                "required",
                "warning_id: a department warning names its warning".into(),
                "部门筛查预警须关联预警。",
            );
            e.field = Some("warning_id".into());
            return Err(e);
        }
        let store = self.store_mut()?;
        let household = store
            .row(&RowKey::new(HOUSEHOLD, household_id))?
            .ok_or_else(|| {
                bad(
                    "not_found",
                    format!("household {household_id}"),
                    "未找到该农户。",
                )
            })?;
        if input.kind == ProcedureKind::Elimination
            && str_of(&household.data, "household_type") != "monitored"
        {
            return Err(bad(
                "not_monitored",
                "only a monitored household's risk can be eliminated".into(),
                "只有监测户才能发起风险消除。",
            ));
        }
        let key = RowKey::new(PROCEDURE, Uuid::now_v7());
        let fields = [
            ("household_id", json!(household_id.to_string())),
            ("kind", json!(input.kind)),
            ("channel", json!(input.channel)),
            ("started_on", json!(started)),
            ("warning_id", json!(input.warning_id)),
        ];
        store.edit(now_ms(), |e| e.create(&key, &fields))?;
        self.one_procedure(household_id, key.id)
    }

    fn one_procedure(&self, household_id: Uuid, id: Uuid) -> Result<ProcedureView, AppError> {
        self.procedures(household_id)?
            .into_iter()
            .find(|p| p.id == id)
            .ok_or_else(|| bad("not_found", format!("procedure {id}"), "未找到该程序。"))
    }

    fn procedure_row(&self, id: Uuid) -> Result<(RowView, Uuid, String), AppError> {
        let store = self.store()?;
        let row = store
            .row(&RowKey::new(PROCEDURE, id))?
            .filter(|r| r.alive)
            .ok_or_else(|| bad("not_found", format!("procedure {id}"), "未找到该程序。"))?;
        let household = row.household_id.ok_or_else(|| {
            bad(
                "not_found",
                format!("procedure {id} household"),
                "未找到该农户。",
            )
        })?;
        let village = store
            .row(&RowKey::new(HOUSEHOLD, household))?
            .map(|h| str_of(&h.data, "village_code"))
            .unwrap_or_default();
        Ok((row, household, village))
    }

    /// Records a step after the service's own check; an approved decision also updates the
    /// household.
    pub fn record_step(
        &mut self,
        procedure_id: Uuid,
        step: Step,
        value: Value,
    ) -> Result<ProcedureView, AppError> {
        let (row, household_id, village) = self.procedure_row(procedure_id)?;
        let role = self
            .role()
            .ok_or_else(|| bad("not_signed_in", "no user is signed in".into(), "请先登录。"))?;
        let settings = self.procedure_settings(&village);
        let p = Procedure::from_fields(row.data.iter().map(|(k, v)| (k.as_str(), v)));
        check_step(&settings, role, &p, step, &value).map_err(|e| {
            let mut a = bad(e.code(), e.to_string(), format!("{}。", e.message_zh()));
            if let fangpin_domain::procedure::StepError::Missing { field, .. } = e {
                a.field = Some(field.into());
            }
            a
        })?;
        let mut household_fields: Vec<(&str, Value)> = Vec::new();
        let mut new_measures: Vec<String> = Vec::new();
        if step == Step::CountyDecision {
            let d: Decision = serde_json::from_value(value.clone())
                .map_err(|e| bad("malformed", e.to_string(), "县级审定的内容格式不正确。"))?;
            if let (true, Some(kind)) = (d.approved, p.kind) {
                household_fields = decision_effects(kind, &d);
                match kind {
                    ProcedureKind::Identification => {
                        let h = self.household(household_id)?;
                        let assessment = assessment_of(&h.assessment);
                        let have_risks = h
                            .form
                            .pointer("/household/risk_types")
                            .and_then(Value::as_array)
                            .is_some_and(|a| !a.is_empty());
                        if let Some(a) = &assessment {
                            if !have_risks {
                                household_fields.push((
                                    "risk_types",
                                    json!(a.risk_types.iter().map(|r| r.code).collect::<Vec<_>>()),
                                ));
                            }
                            new_measures =
                                suggested_measures(a, &self.measure_kinds(household_id)?);
                        }
                    }
                    ProcedureKind::Elimination => {
                        let check = self.elimination_check(household_id)?;
                        if check.safety_net {
                            return Err(bad(
                                "safety_net",
                                "no one in the household can work: it stays under the safety net and is not marked eliminated".into(),
                                "家中无劳动能力，纳入兜底保障继续跟踪，不标注风险消除。",
                            ));
                        }
                    }
                }
            }
        }
        let key = RowKey::new(PROCEDURE, procedure_id);
        let hkey = RowKey::new(HOUSEHOLD, household_id);
        let field = step.field();
        let store = self.store_mut()?;
        store.edit(now_ms(), |e| {
            e.save(&key, &[(field, value)])?;
            if !household_fields.is_empty() {
                e.save(&hkey, &household_fields)?;
            }
            for kind in &new_measures {
                e.create(
                    &RowKey::new(MEASURE, Uuid::now_v7()),
                    &[
                        ("household_id", json!(household_id.to_string())),
                        ("kind", json!(kind)),
                        ("status", json!("planned")),
                        ("note", json!("纳入监测时按研判建议登记")),
                    ],
                )?;
            }
            Ok(())
        })?;
        self.one_procedure(household_id, procedure_id)
    }

    fn measure_kinds(&self, household_id: Uuid) -> Result<Vec<String>, AppError> {
        let store = self.store()?;
        Ok(store
            .household(household_id)?
            .map(|d| {
                d.measures
                    .iter()
                    .filter(|m| m.alive)
                    .map(|m| str_of(&m.data, "kind"))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Records the 绿色通道: help started before the procedure ends.
    pub fn set_green_channel(
        &mut self,
        procedure_id: Uuid,
        channel: &GreenChannel,
    ) -> Result<ProcedureView, AppError> {
        if channel.reason.trim().is_empty() {
            let mut e = bad(
                "required",
                "reason: required".into(),
                "请填写启用绿色通道的原因。",
            );
            e.field = Some("reason".into());
            return Err(e);
        }
        let (_, household_id, _) = self.procedure_row(procedure_id)?;
        let key = RowKey::new(PROCEDURE, procedure_id);
        self.store_mut()?.edit(now_ms(), |e| {
            e.save(&key, &[("green_channel", json!(channel))])
        })?;
        self.one_procedure(household_id, procedure_id)
    }

    /// The elimination criteria checked from the household's data, each with what is missing.
    pub fn elimination_check(&self, household_id: Uuid) -> Result<EliminationCheck, AppError> {
        let h = self.household(household_id)?;
        let store = self.store()?;
        let d = store.household(household_id)?.ok_or_else(|| {
            bad(
                "not_found",
                format!("household {household_id}"),
                "未找到该农户。",
            )
        })?;
        let village = str_of(&d.household.data, "village_code");
        let settings = self.policy.settings(&village);
        let today = today();
        let (line, findings, income) = match &assessment_of(&h.assessment) {
            Some(a) => (
                a.policy.line_fen,
                a.findings.iter().map(|f| f.rule).collect::<Vec<_>>(),
                income_observations(a, &d.income_years, today),
            ),
            None => (Fen::ZERO, Vec::new(), Vec::new()),
        };
        let open: Vec<String> = d
            .ledger_items
            .iter()
            .filter(|r| r.alive)
            .filter(|r| {
                r.data
                    .get("status")
                    .and_then(|s| s.get("state"))
                    .and_then(Value::as_str)
                    .is_none_or(|s| !OPEN.contains(&s))
            })
            .map(|r| str_of(&r.data, "problem_type"))
            .collect();
        let open: Vec<&str> = open.iter().map(String::as_str).collect();
        let monitored_since = d
            .household
            .data
            .get("monitoring_since")
            .and_then(Value::as_str)
            .and_then(|s| s.parse().ok());
        let measures_in_place = d
            .measures
            .iter()
            .filter(|m| m.alive && str_of(&m.data, "status") == "in_place")
            .count() as u32;
        let anyone_can_work = d.members.iter().filter(|m| m.alive).any(|m| {
            m.data
                .get("labour_capacity")
                .and_then(|v| serde_json::from_value::<LabourCapacity>(v.clone()).ok())
                .is_some_and(|c| !matches!(c, LabourCapacity::Lost | LabourCapacity::None))
        });
        Ok(check_elimination(
            &settings.procedure.elimination,
            &EliminationFacts {
                today,
                line_fen: line,
                income: &income,
                findings: &findings,
                open_problems: &open,
                monitored_since,
                measures_in_place,
                anyone_can_work,
            },
        ))
    }
}

fn assessment_of(v: &Option<Value>) -> Option<Assessment> {
    v.as_ref()
        .and_then(|v| serde_json::from_value(v.clone()).ok())
}

/// The per-capita incomes the household's records give: the previous year's at its end, this
/// year's on the day it was assessed.
fn income_observations(
    a: &Assessment,
    years: &[RowView],
    today: NaiveDate,
) -> Vec<IncomeObservation> {
    let mut out = Vec::new();
    out.push(IncomeObservation {
        on: a.assessed_on.min(today),
        per_capita_fen: a.income.per_capita_net_income_fen,
    });
    if let Some(prev) = a
        .income
        .previous_net_income_fen
        .map(|net| fangpin_domain::income::per_capita(net, a.income.household_size))
    {
        if years
            .iter()
            .any(|y| str_of(&y.data, "period") == "previous")
        {
            if let Some(end) = NaiveDate::from_ymd_opt(a.year - 1, 12, 31) {
                out.push(IncomeObservation {
                    on: end,
                    per_capita_fen: prev,
                });
            }
        }
    }
    out
}

/// The measure codes the assessment suggests that the household does not have yet.
fn suggested_measures(a: &Assessment, have: &[String]) -> Vec<String> {
    a.measures
        .iter()
        .filter_map(|m| serde_json::to_value(m.code).ok())
        .filter_map(|v| v.as_str().map(str::to_owned))
        .filter(|code| !have.contains(code))
        .collect()
}

fn channel_zh(c: Channel) -> &'static str {
    match c {
        Channel::Application => "农户自主申报",
        Channel::CadreVisit => "干部走访排查",
        Channel::DepartmentWarning => "部门筛查预警",
        Channel::Other => "其他",
    }
}

fn outcome_zh(o: &Outcome) -> String {
    match o {
        Outcome::Included {
            monitoring_type,
            on,
        } => format!("{on} 审定纳入监测（{}）", monitoring_type.name_zh()),
        Outcome::Eliminated { method, on } => format!(
            "{on} 审定风险消除（{}）",
            match method {
                fangpin_domain::procedure::EliminationMethod::AfterAssistance => "帮扶后消除",
                fangpin_domain::procedure::EliminationMethod::Natural => "自然消除",
            }
        ),
        Outcome::Stopped { at } => format!("“{}”未通过，程序终止", at.label_zh()),
    }
}
