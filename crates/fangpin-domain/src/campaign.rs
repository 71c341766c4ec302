//! The township's campaign (排查整改行动): its four phases with their dates, the groups it
//! visits first, and who answers for which villages and households.
//!
//! A campaign is a synced record of the township; each village's assignment (who visits, in
//! which duty, which households) is a synced record of the village, so a cadre's device holds
//! its own assignment and 我的任务 follows it.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::field_error::{ErrorCode, FieldError, FieldErrors};

/// A phase of the township's plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Phase {
    /// 制定方案.
    Plan,
    /// 全面排查.
    Screening,
    /// 回访核查.
    Recheck,
    /// 巩固提升.
    Consolidation,
}

impl Phase {
    /// The four phases in order.
    pub const ALL: [Phase; 4] = [
        Phase::Plan,
        Phase::Screening,
        Phase::Recheck,
        Phase::Consolidation,
    ];

    /// The Chinese term.
    pub const fn label_zh(self) -> &'static str {
        match self {
            Phase::Plan => "制定方案",
            Phase::Screening => "全面排查",
            Phase::Recheck => "回访核查",
            Phase::Consolidation => "巩固提升",
        }
    }
}

/// One phase's dates, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PhaseDates {
    /// The phase.
    pub phase: Phase,
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
}

/// A phase's first and last day, as the synced `phases` object holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DateSpan {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
}

/// The synced form of [`Phases`]: one span per phase, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PhaseSpans {
    /// 制定方案.
    pub plan: DateSpan,
    /// 全面排查.
    pub screening: DateSpan,
    /// 回访核查.
    pub recheck: DateSpan,
    /// 巩固提升.
    pub consolidation: DateSpan,
}

/// A campaign's four phases, in order; synced as [`PhaseSpans`] (an object keyed by phase).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "PhaseSpans", into = "PhaseSpans")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(as = "PhaseSpans"))]
pub struct Phases(Vec<PhaseDates>);

impl TryFrom<PhaseSpans> for Phases {
    type Error = String;

    fn try_from(v: PhaseSpans) -> Result<Self, String> {
        let at = |phase, s: DateSpan| PhaseDates {
            phase,
            from: s.from,
            to: s.to,
        };
        let p = Phases(vec![
            at(Phase::Plan, v.plan),
            at(Phase::Screening, v.screening),
            at(Phase::Recheck, v.recheck),
            at(Phase::Consolidation, v.consolidation),
        ]);
        p.validate().map_err(|e| {
            e.iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; ")
        })?;
        Ok(p)
    }
}

impl From<Phases> for PhaseSpans {
    fn from(p: Phases) -> Self {
        let span = |ph| {
            let d = p.dates(ph);
            DateSpan {
                from: d.from,
                to: d.to,
            }
        };
        PhaseSpans {
            plan: span(Phase::Plan),
            screening: span(Phase::Screening),
            recheck: span(Phase::Recheck),
            consolidation: span(Phase::Consolidation),
        }
    }
}

impl Phases {
    /// The phases, checked: all four, in order, each ending on or after it starts and none
    /// starting before the one before it ends.
    pub fn new(v: Vec<PhaseDates>) -> Result<Phases, FieldErrors> {
        let p = Phases(v);
        p.validate()?;
        Ok(p)
    }

    fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        if self.0.iter().map(|p| p.phase).collect::<Vec<_>>() != Phase::ALL {
            errors.push(FieldError::new(
                "phases",
                ErrorCode::Inconsistent,
                "needs the four phases 制定方案, 全面排查, 回访核查, 巩固提升 in order",
                "须依次填写制定方案、全面排查、回访核查、巩固提升四个阶段",
            ));
            return errors.into_result(());
        }
        for (i, p) in self.0.iter().enumerate() {
            if p.to < p.from {
                errors.push(FieldError::new(
                    format!("phases[{i}].to"),
                    ErrorCode::Inconsistent,
                    "ends before it starts",
                    format!("{}的结束日期早于开始日期", p.phase.label_zh()),
                ));
            }
            if let Some(prev) = i.checked_sub(1).map(|j| self.0[j]) {
                if p.from <= prev.to {
                    errors.push(FieldError::new(
                        format!("phases[{i}].from"),
                        ErrorCode::Inconsistent,
                        "starts before the phase before it ends",
                        format!(
                            "{}须在{}结束后开始",
                            p.phase.label_zh(),
                            prev.phase.label_zh()
                        ),
                    ));
                }
            }
        }
        errors.into_result(())
    }

    /// A phase's dates.
    pub fn dates(&self, phase: Phase) -> PhaseDates {
        self.0[phase as usize]
    }

    /// The phase a day falls in, if any.
    pub fn on(&self, day: NaiveDate) -> Option<Phase> {
        self.0
            .iter()
            .find(|p| p.from <= day && day <= p.to)
            .map(|p| p.phase)
    }
}

/// What a person answers for in a village (排查职责).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Duty {
    /// 办事处人员.
    OfficeStaff,
    /// 帮扶责任人.
    Helper,
    /// 村干部.
    VillageCadre,
}

/// A group a campaign visits first (重点排查对象): a household type.
pub type Focus = crate::household::HouseholdType;

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn plan() -> Vec<PhaseDates> {
        let p = |phase, from, to| PhaseDates {
            phase,
            from: d(from),
            to: d(to),
        };
        vec![
            p(Phase::Plan, "2026-03-01", "2026-03-05"),
            p(Phase::Screening, "2026-03-06", "2026-04-30"),
            p(Phase::Recheck, "2026-05-01", "2026-05-31"),
            p(Phase::Consolidation, "2026-06-01", "2026-06-30"),
        ]
    }

    #[test]
    fn the_phase_of_a_day_and_the_checks_of_the_dates() {
        let phases = Phases::new(plan()).unwrap();
        assert_eq!(phases.on(d("2026-03-06")), Some(Phase::Screening));
        assert_eq!(phases.on(d("2026-05-31")), Some(Phase::Recheck));
        assert_eq!(phases.on(d("2026-07-01")), None);
        let mut overlapping = plan();
        overlapping[2].from = d("2026-04-30");
        let e = Phases::new(overlapping).unwrap_err();
        assert!(e.has("phases[2].from"));
        let mut missing = plan();
        missing.pop();
        assert!(Phases::new(missing).is_err());
        assert!(serde_json::from_value::<Phases>(serde_json::json!([])).is_err());
        let synced = serde_json::to_value(&phases).unwrap();
        assert_eq!(synced["screening"]["from"], "2026-03-06");
        assert_eq!(serde_json::from_value::<Phases>(synced).unwrap(), phases);
        let mut bad = serde_json::to_value(&phases).unwrap();
        bad["recheck"]["from"] = serde_json::json!("2026-04-01");
        assert!(
            serde_json::from_value::<Phases>(bad).is_err(),
            "overlapping phases"
        );
    }
}
