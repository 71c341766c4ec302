//! My tasks: the current campaign's households to visit, procedures past their time limits,
//! ledger items due soon, verification tasks from warnings.
//!
//! The households to visit follow the township's campaign (排查整改行动): the assignments this
//! device holds that name the signed-in user (or, when none does, those of the user's villages),
//! of the campaign whose phases cover today (else the one whose 全面排查 starts latest). The
//! assignment's households are listed (the named ones, else every household of its villages),
//! the campaign's focus groups first, until each is screened on or after 全面排查 begins. With
//! no assignment on the device, every household not yet screened this year is listed.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;
use fangpin_catalogue::vocab::{DUTIES, FOCUS_GROUPS};
use fangpin_domain::campaign::{Phase, Phases};
use fangpin_store::{HouseholdSummary, RowView, Store};
use fangpin_sync::RowKey;
use serde_json::Value;
use uuid::Uuid;

use super::households::screened_this_year;
use super::procedures::PROCEDURE;
use super::{
    str_of, today, AppError, CampaignTaskView, FieldApp, HouseholdQuery, LedgerItemView,
    ProcedureView, Tasks,
};
use crate::rows::HOUSEHOLD;

/// The table of campaigns.
pub(super) const CAMPAIGN: &str = "campaign";

/// The most households a village or the device is read for, in one list.
const ALL: usize = 100_000;

/// The campaign the tasks follow, with the user's assignments in it.
struct Current {
    id: Uuid,
    name: String,
    phases: Option<Phases>,
    focus: Vec<String>,
    assignments: Vec<RowView>,
}

impl Current {
    fn screening_from(&self) -> Option<NaiveDate> {
        self.phases.as_ref().map(|p| p.dates(Phase::Screening).from)
    }

    /// Whether the campaign runs on `day` (from its plan's first day to its last day).
    fn covers(&self, day: NaiveDate) -> bool {
        self.phases.as_ref().is_some_and(|p| {
            p.dates(Phase::Plan).from <= day && day <= p.dates(Phase::Consolidation).to
        })
    }
}

impl FieldApp {
    /// My tasks: the current campaign with its households to visit, procedures overdue,
    /// ledger items due, verification tasks.
    pub fn tasks(&self) -> Result<Tasks, AppError> {
        let store = self.store()?;
        let names = store.area_names()?;
        let today = today();
        let current = self.current_campaign(store, today)?;
        let (candidates, since) = match &current {
            Some(c) => (self.assigned_households(store, c)?, c.screening_from()),
            None => (self.summaries(&HouseholdQuery::default(), ALL)?, None),
        };
        // Which households are not yet visited needs only their row; the list shows the first
        // 50 with their details.
        let mut to_visit = Vec::new();
        let mut to_visit_count = 0u32;
        for s in candidates {
            let visited = store
                .row(&RowKey::new(HOUSEHOLD, s.id))?
                .is_some_and(|r| match since {
                    Some(from) => screened_on(&r).is_some_and(|d| d >= from),
                    None => screened_this_year(&r),
                });
            if visited {
                continue;
            }
            to_visit_count += 1;
            if to_visit.len() < 50 {
                to_visit.push(self.list_item(store, &names, s)?);
            }
        }
        let soon = today + chrono::Days::new(7);
        let due_ledger: Vec<LedgerItemView> = self
            .ledger(None)?
            .into_iter()
            .filter(|l| {
                let open = l
                    .status
                    .as_ref()
                    .is_none_or(|s| s.state != "closed" && s.state != "rectified");
                let due =
                    NaiveDate::parse_from_str(&l.deadline, "%Y-%m-%d").is_ok_and(|d| d <= soon);
                open && due
            })
            .collect();
        let verification = store
            .open_tasks(&self.villages(), None)?
            .into_iter()
            .map(|r| Value::Object(r.data))
            .collect();
        let (overdue_procedures, procedure_heads) = self.overdue_procedures(store)?;
        Ok(Tasks {
            campaign: current.map(|c| campaign_view(&c, &names, today)),
            to_visit_count,
            to_visit,
            due_ledger,
            verification,
            overdue_procedures,
            procedure_heads,
        })
    }

    /// The campaign the tasks follow and the user's assignments in it: those naming the user,
    /// else those of the user's villages; of the campaign covering today, else the one whose
    /// 全面排查 starts latest.
    fn current_campaign(
        &self,
        store: &Store,
        today: NaiveDate,
    ) -> Result<Option<Current>, AppError> {
        let mine = match self.me() {
            Some((user, _)) => store.assignments(Some(user))?,
            None => Vec::new(),
        };
        let held = if mine.is_empty() {
            let scope: Vec<String> = self
                .config
                .as_ref()
                .map(|c| c.user.villages.clone())
                .unwrap_or_default();
            store
                .assignments(None)?
                .into_iter()
                .filter(|a| {
                    let village = str_of(&a.data, "village_code");
                    scope.is_empty() || scope.iter().any(|s| village.starts_with(s.as_str()))
                })
                .collect()
        } else {
            mine
        };
        let mut by_campaign: BTreeMap<Uuid, Vec<RowView>> = BTreeMap::new();
        for a in held {
            if let Ok(id) = Uuid::parse_str(&str_of(&a.data, "campaign_id")) {
                by_campaign.entry(id).or_default().push(a);
            }
        }
        let mut campaigns = Vec::new();
        for (id, assignments) in by_campaign {
            let row = store.row(&RowKey::new(CAMPAIGN, id))?.filter(|r| r.alive);
            // The assignment's copies first; the campaign's own row where a device holds it.
            let sources: Vec<&RowView> = assignments.iter().chain(row.as_ref()).collect();
            let pick = |copy: &str, own: &str| {
                sources.iter().find_map(|r| {
                    let key = if r.key.table == CAMPAIGN { own } else { copy };
                    r.data.get(key).filter(|v| !v.is_null()).cloned()
                })
            };
            let name = pick("campaign_name", "name")
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            let phases = sources.iter().find_map(|r| {
                r.data
                    .get("phases")
                    .and_then(|v| serde_json::from_value::<Phases>(v.clone()).ok())
            });
            let focus = pick("focus", "focus")
                .and_then(|v| serde_json::from_value::<Vec<String>>(v).ok())
                .unwrap_or_default();
            campaigns.push(Current {
                id,
                name,
                phases,
                focus,
                assignments,
            });
        }
        Ok(campaigns
            .into_iter()
            .max_by_key(|c| (c.covers(today), c.screening_from(), c.id)))
    }

    /// The households of a campaign's assignments, each once: the named ones, else every
    /// household of the assignment's village; the focus groups' first (in the focus's order),
    /// each group by village, group and 户编号.
    fn assigned_households(
        &self,
        store: &Store,
        c: &Current,
    ) -> Result<Vec<HouseholdSummary>, AppError> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for a in &c.assignments {
            let village = str_of(&a.data, "village_code");
            let named: Vec<Uuid> = a
                .data
                .get("households")
                .and_then(Value::as_array)
                .map(|ids| {
                    ids.iter()
                        .filter_map(Value::as_str)
                        .filter_map(|s| Uuid::parse_str(s).ok())
                        .collect()
                })
                .unwrap_or_default();
            let in_village = if village.is_empty() {
                Vec::new()
            } else {
                self.summaries(
                    &HouseholdQuery {
                        village: Some(village),
                        ..HouseholdQuery::default()
                    },
                    ALL,
                )?
            };
            if named.is_empty() {
                out.extend(in_village.into_iter().filter(|s| seen.insert(s.id)));
                continue;
            }
            let wanted: HashSet<Uuid> = named.iter().copied().collect();
            let mut found = HashSet::new();
            for s in in_village {
                if wanted.contains(&s.id) {
                    found.insert(s.id);
                    if seen.insert(s.id) {
                        out.push(s);
                    }
                }
            }
            // A named household the village's list did not give (it moved): by its own row.
            for id in named.into_iter().filter(|id| !found.contains(id)) {
                if let Some(r) = store.row(&RowKey::new(HOUSEHOLD, id))?.filter(|r| r.alive) {
                    if seen.insert(id) {
                        out.push(summary_of(&r));
                    }
                }
            }
        }
        let rank = |s: &HouseholdSummary| {
            s.household_type
                .as_deref()
                .and_then(|t| c.focus.iter().position(|f| f == t))
                .unwrap_or(usize::MAX)
        };
        out.sort_by_key(rank);
        Ok(out)
    }

    /// The procedures of the device's households still running and past their time limit or
    /// with a step past its own, the earliest due first; and each one's household head.
    fn overdue_procedures(
        &self,
        store: &Store,
    ) -> Result<(Vec<ProcedureView>, BTreeMap<Uuid, String>), AppError> {
        let mut households: HashMap<Uuid, Option<RowView>> = HashMap::new();
        let mut out = Vec::new();
        let mut heads = BTreeMap::new();
        for r in store.live_rows(PROCEDURE)? {
            let Some(hid) = r.household_id else {
                continue;
            };
            let household = match households.entry(hid) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(store.row(&RowKey::new(HOUSEHOLD, hid))?.filter(|h| h.alive))
                }
            };
            let Some(household) = household.as_ref() else {
                continue;
            };
            let settings = self.procedure_settings(&str_of(&household.data, "village_code"));
            // A procedure without a conflict needs none of its household's conflicts.
            let conflicted: Vec<(Uuid, String)> = if r.conflicted {
                store
                    .household(hid)?
                    .map(|d| {
                        d.conflicts
                            .iter()
                            .filter(|c| c.row.table == PROCEDURE)
                            .map(|c| (c.row.id, c.field.clone()))
                            .collect()
                    })
                    .unwrap_or_default()
            } else {
                Vec::new()
            };
            let v = self.procedure_view(&r, &settings, &conflicted);
            let late = v.overdue || v.steps.iter().any(|s| s.overdue);
            if v.outcome_zh.is_none() && late {
                heads.insert(hid, str_of(&household.data, "head_name"));
                out.push(v);
            }
        }
        out.sort_by(|a, b| {
            let first_due = |p: &ProcedureView| {
                p.steps
                    .iter()
                    .filter_map(|s| s.due.clone())
                    .chain(p.due.clone().filter(|_| p.overdue))
                    .min()
            };
            first_due(a)
                .cmp(&first_due(b))
                .then_with(|| a.started_on.cmp(&b.started_on))
                .then_with(|| a.id.cmp(&b.id))
        });
        Ok((out, heads))
    }
}

/// The day a household was last screened, if recorded.
fn screened_on(h: &RowView) -> Option<NaiveDate> {
    h.data
        .get("screened_on")
        .and_then(Value::as_str)
        .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
}

/// A household's row as a list's summary.
fn summary_of(r: &RowView) -> HouseholdSummary {
    let text = |k: &str| r.data.get(k).and_then(Value::as_str).map(str::to_owned);
    HouseholdSummary {
        id: r.key.id,
        village_code: text("village_code"),
        group: text("group"),
        hubianhao: text("hubianhao"),
        head_name: text("head_name"),
        head_id_number: text("head_id_number"),
        household_type: text("household_type"),
        conflicted: r.conflicted,
    }
}

/// The campaign's header: its name, the phase of today with its dates, the duties, the
/// villages and the focus groups, in Chinese.
fn campaign_view(
    c: &Current,
    names: &BTreeMap<String, String>,
    today: NaiveDate,
) -> CampaignTaskView {
    let (phase, phase_label, dates) = match &c.phases {
        None => (None, String::new(), None),
        Some(p) => match p.on(today) {
            Some(now) => (Some(now), now.label_zh().to_owned(), Some(p.dates(now))),
            None => match Phase::ALL
                .into_iter()
                .map(|x| p.dates(x))
                .find(|d| d.from > today)
            {
                Some(next) => (
                    None,
                    format!("{}（未开始）", next.phase.label_zh()),
                    Some(next),
                ),
                None => (
                    None,
                    "行动已结束".to_owned(),
                    Some(fangpin_domain::campaign::PhaseDates {
                        phase: Phase::Consolidation,
                        from: p.dates(Phase::Plan).from,
                        to: p.dates(Phase::Consolidation).to,
                    }),
                ),
            },
        },
    };
    let mut duties: Vec<&str> = Vec::new();
    let mut villages: Vec<String> = Vec::new();
    for a in &c.assignments {
        if let Some(d) = DUTIES.label(&str_of(&a.data, "duty")) {
            if !duties.contains(&d) {
                duties.push(d);
            }
        }
        let code = str_of(&a.data, "village_code");
        let name = names.get(&code).cloned().unwrap_or(code);
        if !name.is_empty() && !villages.contains(&name) {
            villages.push(name);
        }
    }
    CampaignTaskView {
        campaign_id: c.id,
        campaign_name: c.name.clone(),
        phase,
        phase_label,
        phase_from: dates.map(|d| d.from.to_string()),
        phase_to: dates.map(|d| d.to.to_string()),
        screening_from: c.screening_from().map(|d| d.to_string()),
        duty_label: duties.join("、"),
        villages,
        focus_labels: c
            .focus
            .iter()
            .filter_map(|f| FOCUS_GROUPS.label(f))
            .map(str::to_owned)
            .collect(),
    }
}
