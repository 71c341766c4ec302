//! A campaign's figures from the read model, for the office: progress per 办事处, village and
//! person (households to visit, visited, screened, risks found by category, ledger items open,
//! closed and overdue, procedures by step and overdue), the re-check sample drawn per village
//! from a recorded seed, and each village's results with its star rating and the computation.
//! Pure: the backend gives the rows (`Backend::rows`), the caller gives the day.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;
use fangpin_domain::campaign::{Phase, Phases};
use fangpin_domain::ledger::{is_overdue, LedgerState, LedgerStatus};
use fangpin_domain::procedure::{standing, Procedure};
use fangpin_domain::rating::{rate, Rating, VillageFigures};
use fangpin_domain::recheck::{draw, Candidate, RecheckResult, SampleSettings};
use fangpin_domain::PolicyBook;
use fangpin_sync::RowKey;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::office::OfficeWrite;
use crate::state::RowRecord;

/// A campaign as its row says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Campaign {
    /// Its row id.
    pub id: Uuid,
    /// 行动名称.
    pub name: String,
    /// The township's 12-digit code.
    pub area_code: String,
    /// The four phases.
    pub phases: Phases,
    /// The household types visited first.
    pub focus: Vec<String>,
}

impl Campaign {
    /// The campaign of a `campaign` row, when it has a name and phases.
    pub fn of(r: &RowRecord) -> Option<Campaign> {
        Some(Campaign {
            id: r.key.id,
            name: text(&r.data, "name")?,
            area_code: text(&r.data, "area_code")?,
            phases: serde_json::from_value(r.data.get("phases")?.clone()).ok()?,
            focus: r
                .data
                .get("focus")
                .and_then(|v| serde_json::from_value(v.clone()).ok())
                .unwrap_or_default(),
        })
    }

    /// The first day a screening counts for this campaign.
    pub fn screening_from(&self) -> NaiveDate {
        self.phases.dates(Phase::Screening).from
    }

    /// The township prefix its rows live under (the code without its zero levels).
    pub fn prefix(&self) -> &str {
        self.area_code.trim_end_matches("000")
    }
}

fn text(m: &serde_json::Map<String, Value>, k: &str) -> Option<String> {
    m.get(k).and_then(Value::as_str).map(str::to_owned)
}

fn date(m: &serde_json::Map<String, Value>, k: &str) -> Option<NaiveDate> {
    m.get(k)
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
}

/// The rows a campaign's figures are computed from, each of the campaign's area.
#[derive(Debug, Clone, Default)]
pub struct Rows {
    /// `household` rows.
    pub households: Vec<RowRecord>,
    /// `visit` rows.
    pub visits: Vec<RowRecord>,
    /// `ledger_item` rows.
    pub ledger: Vec<RowRecord>,
    /// `procedure` rows.
    pub procedures: Vec<RowRecord>,
    /// `assignment` rows (of every campaign; the campaign's are picked).
    pub assignments: Vec<RowRecord>,
    /// `recheck` rows (of every campaign; the campaign's are picked).
    pub rechecks: Vec<RowRecord>,
}

/// One line of the progress table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgressLine {
    /// What it counts: a village code, a person's id, an office's name.
    pub key: String,
    /// Its name.
    pub label: String,
    /// Households to visit.
    pub to_visit: u32,
    /// Households visited or screened since the screening phase began.
    pub visited: u32,
    /// Households screened with a complete form since then (type, head, screening day).
    pub screened: u32,
    /// Households by monitoring category (监测对象类型).
    pub by_category: BTreeMap<String, u32>,
    /// Households by risk type (致贫返贫风险).
    pub by_risk: BTreeMap<String, u32>,
    /// Ledger items not closed.
    pub ledger_open: u32,
    /// Ledger items closed.
    pub ledger_closed: u32,
    /// Ledger items open past their deadline.
    pub ledger_overdue: u32,
    /// Open procedures by the next step (Chinese name), and decided ones under 已办结.
    pub procedures_by_step: BTreeMap<String, u32>,
    /// Procedures past their limit, or with a step past its own.
    pub procedures_overdue: u32,
}

/// A campaign's progress.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// Per 办事处 (from the assignments' office names).
    pub offices: Vec<ProgressLine>,
    /// Per village.
    pub villages: Vec<ProgressLine>,
    /// Per person responsible.
    pub people: Vec<ProgressLine>,
    /// The whole area.
    pub total: ProgressLine,
}

/// What one household contributes to the figures.
#[derive(Debug, Clone, Default)]
struct HouseholdFacts {
    village: String,
    visited: bool,
    screened: bool,
    category: Option<String>,
    risks: Vec<String>,
    ledger_open: u32,
    ledger_closed: u32,
    ledger_overdue: u32,
    procedures: Vec<(String, bool)>,
}

fn add(line: &mut ProgressLine, f: &HouseholdFacts) {
    line.to_visit += 1;
    line.visited += u32::from(f.visited);
    line.screened += u32::from(f.screened);
    if let Some(c) = &f.category {
        *line.by_category.entry(c.clone()).or_default() += 1;
    }
    for r in &f.risks {
        *line.by_risk.entry(r.clone()).or_default() += 1;
    }
    line.ledger_open += f.ledger_open;
    line.ledger_closed += f.ledger_closed;
    line.ledger_overdue += f.ledger_overdue;
    for (step, overdue) in &f.procedures {
        *line.procedures_by_step.entry(step.clone()).or_default() += 1;
        line.procedures_overdue += u32::from(*overdue);
    }
}

fn status_of(r: &RowRecord) -> Option<LedgerStatus> {
    r.data
        .get("status")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
}

/// The campaign's progress on `today`; `names` gives village names by code.
pub fn progress(
    c: &Campaign,
    rows: &Rows,
    policy: &PolicyBook,
    names: &HashMap<String, String>,
    today: NaiveDate,
) -> Progress {
    let from = c.screening_from();
    let mut facts: BTreeMap<Uuid, HouseholdFacts> = BTreeMap::new();
    for h in rows
        .households
        .iter()
        .filter(|h| h.village.starts_with(c.prefix()))
    {
        let screened_on = date(&h.data, "screened_on");
        let screened = screened_on.is_some_and(|d| d >= from)
            && text(&h.data, "household_type").is_some()
            && text(&h.data, "head_name").is_some();
        facts.insert(
            h.key.id,
            HouseholdFacts {
                village: h.village.clone(),
                visited: screened_on.is_some_and(|d| d >= from),
                screened,
                category: text(&h.data, "monitoring_type"),
                risks: h
                    .data
                    .get("risk_types")
                    .and_then(|v| serde_json::from_value(v.clone()).ok())
                    .unwrap_or_default(),
                ..HouseholdFacts::default()
            },
        );
    }
    for v in &rows.visits {
        if let (Some(h), Some(on)) = (v.household_id, date(&v.data, "visited_on")) {
            if on >= from {
                if let Some(f) = facts.get_mut(&h) {
                    f.visited = true;
                }
            }
        }
    }
    for l in &rows.ledger {
        let Some(f) = l.household_id.and_then(|h| facts.get_mut(&h)) else {
            continue;
        };
        let status = status_of(l);
        if status.is_some_and(|s| s.state == LedgerState::Closed) {
            f.ledger_closed += 1;
        } else {
            f.ledger_open += 1;
        }
        if date(&l.data, "deadline").is_some_and(|d| is_overdue(status, d, today)) {
            f.ledger_overdue += 1;
        }
    }
    for p in &rows.procedures {
        let Some(f) = p.household_id.and_then(|h| facts.get_mut(&h)) else {
            continue;
        };
        let settings = policy.settings(&f.village).procedure;
        let proc_ = Procedure::from_fields(p.data.iter().map(|(k, v)| (k.as_str(), v)));
        let st = standing(&settings, &proc_, today);
        let step = match (&st.outcome, st.next.first()) {
            (Some(_), _) => "已办结".to_owned(),
            (None, Some(s)) => s.label_zh().to_owned(),
            (None, None) => "待发起".to_owned(),
        };
        f.procedures
            .push((step, st.overdue || !st.overdue_steps.is_empty()));
    }
    let mut out = Progress {
        total: ProgressLine {
            key: c.area_code.clone(),
            label: c.name.clone(),
            ..ProgressLine::default()
        },
        ..Progress::default()
    };
    let mut villages: BTreeMap<String, ProgressLine> = BTreeMap::new();
    for f in facts.values() {
        add(&mut out.total, f);
        let line = villages
            .entry(f.village.clone())
            .or_insert_with(|| ProgressLine {
                key: f.village.clone(),
                label: names
                    .get(&f.village)
                    .cloned()
                    .unwrap_or_else(|| f.village.clone()),
                ..ProgressLine::default()
            });
        add(line, f);
    }
    let mine: Vec<&RowRecord> = rows
        .assignments
        .iter()
        .filter(|a| text(&a.data, "campaign_id").as_deref() == Some(&c.id.to_string()))
        .collect();
    let mut offices: BTreeMap<String, (BTreeSet<String>, ProgressLine)> = BTreeMap::new();
    let mut people: BTreeMap<String, (BTreeSet<Uuid>, ProgressLine)> = BTreeMap::new();
    for a in &mine {
        let households: Vec<Uuid> = a
            .data
            .get("households")
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default();
        let theirs: Vec<Uuid> = if households.is_empty() {
            facts
                .iter()
                .filter(|(_, f)| f.village == a.village)
                .map(|(id, _)| *id)
                .collect()
        } else {
            households
        };
        if let Some(office) = text(&a.data, "office_name") {
            offices
                .entry(office.clone())
                .or_insert_with(|| {
                    (
                        BTreeSet::new(),
                        ProgressLine {
                            key: office.clone(),
                            label: office.clone(),
                            ..ProgressLine::default()
                        },
                    )
                })
                .0
                .insert(a.village.clone());
        }
        if let Some(person) = text(&a.data, "person_id") {
            let name = text(&a.data, "person_name").unwrap_or_else(|| person.clone());
            people
                .entry(person.clone())
                .or_insert_with(|| {
                    (
                        BTreeSet::new(),
                        ProgressLine {
                            key: person,
                            label: name,
                            ..ProgressLine::default()
                        },
                    )
                })
                .0
                .extend(theirs);
        }
    }
    for (_, (vs, mut line)) in offices {
        for f in facts.values().filter(|f| vs.contains(&f.village)) {
            add(&mut line, f);
        }
        out.offices.push(line);
    }
    for (_, (hs, mut line)) in people {
        for f in hs.iter().filter_map(|h| facts.get(h)) {
            add(&mut line, f);
        }
        out.people.push(line);
    }
    out.villages = villages.into_values().collect();
    out
}

/// Whether a household counts as a risk household for the re-check's weighting: monitored, in a
/// monitoring category, or carrying a risk type.
fn at_risk(h: &RowRecord) -> bool {
    text(&h.data, "household_type").as_deref() == Some("monitored")
        || text(&h.data, "monitoring_type").is_some()
        || h.data
            .get("risk_types")
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty())
}

/// Why a sample cannot be drawn.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SampleError {
    /// The campaign already has its sample.
    #[error("the campaign already has a re-check sample of {0} households")]
    AlreadyDrawn(usize),
}

/// The re-check sample of every village of the campaign, drawn from screened households with
/// `seed`, as the writes that record it: the seed and settings on the campaign (so anyone can
/// draw it again and get the same households), and one `recheck` row per household in its draw
/// order.
pub fn sample_writes(
    c: &Campaign,
    rows: &Rows,
    settings: &SampleSettings,
    seed: u64,
) -> Result<Vec<OfficeWrite>, SampleError> {
    let existing = rows
        .rechecks
        .iter()
        .filter(|r| text(&r.data, "campaign_id").as_deref() == Some(&c.id.to_string()))
        .count();
    if existing > 0 {
        return Err(SampleError::AlreadyDrawn(existing));
    }
    let mut writes = vec![OfficeWrite {
        row: RowKey::new("campaign", c.id),
        create: false,
        fields: vec![
            ("recheck_sample".into(), json!(settings)),
            ("recheck_seed".into(), json!(seed)),
        ],
    }];
    for (village, households) in screened_by_village(c, rows) {
        let candidates: Vec<Candidate> = households
            .iter()
            .map(|h| Candidate {
                id: h.key.id.to_string(),
                at_risk: at_risk(h),
            })
            .collect();
        for (rank, id) in draw(seed, settings, &candidates).into_iter().enumerate() {
            writes.push(OfficeWrite {
                row: RowKey::new("recheck", Uuid::now_v7()),
                create: true,
                fields: vec![
                    ("household_id".into(), json!(id)),
                    ("village_code".into(), json!(village)),
                    ("campaign_id".into(), json!(c.id.to_string())),
                    ("rank".into(), json!(rank + 1)),
                ],
            });
        }
    }
    Ok(writes)
}

fn screened_by_village<'a>(c: &Campaign, rows: &'a Rows) -> BTreeMap<String, Vec<&'a RowRecord>> {
    let from = c.screening_from();
    let mut out: BTreeMap<String, Vec<&RowRecord>> = BTreeMap::new();
    for h in rows
        .households
        .iter()
        .filter(|h| h.village.starts_with(c.prefix()))
    {
        if date(&h.data, "screened_on").is_some_and(|d| d >= from) {
            out.entry(h.village.clone()).or_default().push(h);
        }
    }
    out
}

/// One village's results and star rating.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VillageResult {
    /// The village code.
    pub village: String,
    /// Its name.
    pub name: String,
    /// The counts the rating is computed from.
    pub figures: VillageFigures,
    /// The rating with its computation.
    pub rating: Rating,
}

/// Every village's results and rating in the campaign.
pub fn ratings(
    c: &Campaign,
    rows: &Rows,
    policy: &PolicyBook,
    names: &HashMap<String, String>,
    today: NaiveDate,
) -> Vec<VillageResult> {
    let from = c.screening_from();
    let mut figures: BTreeMap<String, VillageFigures> = BTreeMap::new();
    for h in rows
        .households
        .iter()
        .filter(|h| h.village.starts_with(c.prefix()))
    {
        let f = figures.entry(h.village.clone()).or_default();
        f.households += 1;
        if date(&h.data, "screened_on").is_some_and(|d| d >= from) {
            f.screened += 1;
        }
    }
    for r in rows
        .rechecks
        .iter()
        .filter(|r| text(&r.data, "campaign_id").as_deref() == Some(&c.id.to_string()))
    {
        let Some(result) = r
            .data
            .get("result")
            .and_then(|v| serde_json::from_value::<RecheckResult>(v.clone()).ok())
        else {
            continue;
        };
        if let Some(f) = figures.get_mut(&r.village) {
            f.rechecked += 1;
            f.rechecks_agreeing += u32::from(result.agrees);
        }
    }
    for l in rows.ledger.iter() {
        let Some(f) = figures.get_mut(&l.village) else {
            continue;
        };
        f.problems_found += 1;
        let status = status_of(l);
        let deadline = date(&l.data, "deadline");
        if status.is_some_and(|s| s.state == LedgerState::Closed) {
            f.problems_closed += 1;
            let closed_on = date(&l.data, "closed_on");
            if let (Some(c), Some(d)) = (closed_on, deadline) {
                f.closed_on_time += u32::from(c <= d);
            }
        }
        if deadline.is_some_and(|d| is_overdue(status, d, today)) {
            f.overdue += 1;
        }
    }
    figures
        .into_iter()
        .map(|(village, f)| {
            let settings = policy.settings(&village).rating;
            VillageResult {
                name: names
                    .get(&village)
                    .cloned()
                    .unwrap_or_else(|| village.clone()),
                rating: rate(&settings, &f),
                figures: f,
                village,
            }
        })
        .collect()
}
