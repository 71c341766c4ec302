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

#[cfg(test)]
mod tests {
    use super::*;

    const V1: &str = "530325101201";
    const V2: &str = "530325101202";

    fn row(table: &str, n: u128, village: &str, household: Option<u128>, data: Value) -> RowRecord {
        RowRecord {
            key: RowKey::new(table, Uuid::from_u128(n)),
            village: village.into(),
            household_id: household.map(Uuid::from_u128),
            alive: true,
            conflicts: 0,
            updated_ms: 0,
            data: data.as_object().cloned().unwrap_or_default(),
            covered: Vec::new(),
        }
    }

    fn campaign() -> Campaign {
        let phases: Phases = serde_json::from_value(json!({
            "plan": {"from": "2026-03-01", "to": "2026-03-05"},
            "screening": {"from": "2026-03-06", "to": "2026-04-30"},
            "recheck": {"from": "2026-05-01", "to": "2026-05-31"},
            "consolidation": {"from": "2026-06-01", "to": "2026-06-30"}
        }))
        .unwrap();
        Campaign {
            id: Uuid::from_u128(100),
            name: "春季行动".into(),
            area_code: "530325101000".into(),
            phases,
            focus: Vec::new(),
        }
    }

    /// Three households in two villages, worked out by hand below.
    fn fixture() -> Rows {
        let cid = Uuid::from_u128(100).to_string();
        let hid = |n: u128| Uuid::from_u128(n).to_string();
        Rows {
            households: vec![
                // Screened in the campaign, monitored, one risk.
                row(
                    "household",
                    1,
                    V1,
                    Some(1),
                    json!({"screened_on": "2026-03-10", "household_type": "monitored", "head_name": "甲", "monitoring_type": "sudden_hardship", "risk_types": ["01"]}),
                ),
                // Screened before the campaign, visited in it.
                row(
                    "household",
                    2,
                    V1,
                    Some(2),
                    json!({"screened_on": "2026-02-01", "household_type": "ordinary", "head_name": "乙"}),
                ),
                // Not visited.
                row(
                    "household",
                    3,
                    V2,
                    Some(3),
                    json!({"household_type": "ordinary", "head_name": "丙"}),
                ),
            ],
            visits: vec![row(
                "visit",
                10,
                V1,
                Some(2),
                json!({"visited_on": "2026-03-08"}),
            )],
            ledger: vec![
                row(
                    "ledger_item",
                    20,
                    V1,
                    Some(1),
                    json!({"deadline": "2026-03-25", "closed_on": "2026-03-20", "status": {"round": 1, "state": "closed"}}),
                ),
                row(
                    "ledger_item",
                    21,
                    V2,
                    Some(3),
                    json!({"deadline": "2026-03-01", "status": {"round": 1, "state": "found"}}),
                ),
            ],
            procedures: vec![row(
                "procedure",
                30,
                V1,
                Some(1),
                json!({"kind": "identification", "started_on": "2026-03-02",
                       "verification": {"on": "2026-03-03", "by": "李", "checklist_done": true, "consent_signature": "ab"}}),
            )],
            assignments: vec![
                row(
                    "assignment",
                    40,
                    V1,
                    None,
                    json!({"campaign_id": cid, "person_id": "p1", "person_name": "张三", "office_name": "城关办事处"}),
                ),
                row(
                    "assignment",
                    41,
                    V2,
                    None,
                    json!({"campaign_id": cid, "person_id": "p2", "person_name": "李四", "office_name": "城关办事处", "households": [hid(3)]}),
                ),
                row(
                    "assignment",
                    42,
                    V2,
                    None,
                    json!({"campaign_id": Uuid::from_u128(999).to_string(), "person_id": "p3", "office_name": "别的行动"}),
                ),
            ],
            rechecks: vec![row(
                "recheck",
                50,
                V1,
                Some(1),
                json!({"campaign_id": cid, "result": {"checked_on": "2026-05-03", "checked_by": "王", "agrees": true}}),
            )],
        }
    }

    fn today() -> NaiveDate {
        "2026-04-01".parse().unwrap()
    }

    #[test]
    fn progress_of_a_fixture_counted_by_hand() {
        let names = HashMap::from([(V1.to_owned(), "下营村".to_owned())]);
        let p = progress(
            &campaign(),
            &fixture(),
            &PolicyBook::seed(),
            &names,
            today(),
        );
        let t = &p.total;
        // Three to visit; 甲 screened, 乙 visited on 03-08; only 甲 screened in the campaign.
        assert_eq!((t.to_visit, t.visited, t.screened), (3, 2, 1));
        assert_eq!(
            t.by_category,
            BTreeMap::from([("sudden_hardship".to_owned(), 1)])
        );
        assert_eq!(t.by_risk, BTreeMap::from([("01".to_owned(), 1)]));
        // One closed, one open and past its deadline of 03-01.
        assert_eq!(
            (t.ledger_open, t.ledger_closed, t.ledger_overdue),
            (1, 1, 1)
        );
        // 入户核实 done, so 民主评议 is next; 15 days from 03-02 ran out on 03-17.
        assert_eq!(
            t.procedures_by_step,
            BTreeMap::from([("民主评议".to_owned(), 1)])
        );
        assert_eq!(t.procedures_overdue, 1);
        assert_eq!(p.villages.len(), 2);
        assert_eq!(
            (p.villages[0].label.as_str(), p.villages[0].to_visit),
            ("下营村", 2)
        );
        assert_eq!(
            (p.villages[1].label.as_str(), p.villages[1].to_visit),
            (V2, 1)
        );
        // One office over both villages; the other campaign's assignment is not counted.
        assert_eq!(p.offices.len(), 1);
        assert_eq!(p.offices[0].to_visit, 3);
        assert_eq!(p.people.len(), 2);
        let p1 = p.people.iter().find(|l| l.key == "p1").unwrap();
        let p2 = p.people.iter().find(|l| l.key == "p2").unwrap();
        assert_eq!((p1.label.as_str(), p1.to_visit, p1.visited), ("张三", 2, 2));
        assert_eq!((p2.to_visit, p2.ledger_overdue), (1, 1));
    }

    #[test]
    fn ratings_of_a_fixture_counted_by_hand() {
        let r = ratings(
            &campaign(),
            &fixture(),
            &PolicyBook::seed(),
            &HashMap::new(),
            today(),
        );
        assert_eq!(r.len(), 2);
        // 下营村: coverage 1/2 × 30 = 15, accuracy 1/1 × 30 = 30, closure 1/1 × 20 = 20,
        // on time 1/1 × 20 = 20: 85 points, four stars (≥ 80).
        assert_eq!(r[0].figures.rechecked, 1);
        assert_eq!(r[0].rating.score_bp, 8_500);
        assert_eq!(r[0].rating.stars, 4);
        // The other: coverage 0, no re-check (100%: 30), closure 0/1, none closed (on time
        // 100%: 20), one overdue (−2): 48 points, one star.
        assert_eq!(r[1].rating.score_bp, 4_800);
        assert_eq!(r[1].rating.stars, 1);
    }

    #[test]
    fn the_sample_is_recorded_with_its_seed_and_drawn_once() {
        let mut rows = fixture();
        let settings = SampleSettings::default();
        let e = sample_writes(&campaign(), &rows, &settings, 7).unwrap_err();
        assert_eq!(e, SampleError::AlreadyDrawn(1));
        rows.rechecks.clear();
        let w = sample_writes(&campaign(), &rows, &settings, 7).unwrap();
        assert_eq!(w[0].fields[1], ("recheck_seed".to_owned(), json!(7)));
        // Only 甲 was screened in the campaign: one household drawn, in village 1.
        let drawn: Vec<&OfficeWrite> = w.iter().filter(|w| w.create).collect();
        assert_eq!(drawn.len(), 1);
        assert!(drawn[0].fields.contains(&(
            "household_id".to_owned(),
            json!(Uuid::from_u128(1).to_string())
        )));
        assert!(drawn[0].fields.contains(&("rank".to_owned(), json!(1))));
    }
}
