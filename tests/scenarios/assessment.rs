//! Cadres edit one household on separate tablets, the merge engine
//! brings their changes together, and the domain assesses the merged household.
//! Derived values (net income, per-capita income, the category) are never synced: every replica
//! computes them from the synced inputs, so they cannot disagree.

use chrono::NaiveDate;
use fangpin_domain::{assess, HouseholdRecord, MonitoringType, PolicyBook, RuleId};
use fangpin_sync::{Change, ConflictKind, DeviceId, Replica, RowKey, UserId, Writer};
use serde_json::{json, Map, Value};
use uuid::Uuid;

const EXAMPLE: &str = include_str!("../../docs/examples/household.json");

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 29).expect("a date")
}

fn device(n: u128) -> Writer {
    Writer::new(
        DeviceId(Uuid::from_u128(n)),
        UserId(Uuid::from_u128(100 + n)),
    )
}

/// The household split into synced rows: one row per section, one field per key, so two
/// cadres who edit different figures do not collide.
fn rows() -> [(RowKey, &'static str); 4] {
    [
        (RowKey::new("household", Uuid::from_u128(1)), "household"),
        (
            RowKey::new("income_year", Uuid::from_u128(2)),
            "income.current",
        ),
        (
            RowKey::new("income_year", Uuid::from_u128(3)),
            "income.previous",
        ),
        (
            RowKey::new("basic_needs", Uuid::from_u128(4)),
            "basic_needs",
        ),
    ]
}

fn section<'a>(doc: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(doc, |v, k| &v[k])
}

/// The import device creates the rows from the example household; members travel as one
/// field here (member rows are the store's concern).
fn import(replica: &mut Replica) -> Vec<Change> {
    let doc: Value = serde_json::from_str(EXAMPLE).expect("example JSON");
    let mut w = device(9);
    let mut out = Vec::new();
    for (row, path) in rows() {
        let Value::Object(map) = section(&doc, path) else {
            panic!("{path} is an object")
        };
        let fields: Vec<(&str, Value)> = map.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        out.extend(w.create(replica, &row, &fields, 1_000));
    }
    let holder = RowKey::new("member_list", Uuid::from_u128(5));
    out.extend(w.create(
        replica,
        &holder,
        &[("members", doc["members"].clone())],
        1_000,
    ));
    out
}

/// Rebuilds the household JSON form from what a replica shows.
fn record(replica: &Replica) -> HouseholdRecord {
    let mut doc = Map::new();
    let mut income = Map::new();
    for (row, path) in rows() {
        let mut values = replica.row_values(&row);
        values.remove(fangpin_sync::ALIVE);
        let obj = Value::Object(values.into_iter().collect());
        match path.split_once('.') {
            Some((_, key)) => {
                income.insert(key.to_owned(), obj);
            }
            None => {
                doc.insert(path.to_owned(), obj);
            }
        }
    }
    doc.insert("income".into(), Value::Object(income));
    let holder = RowKey::new("member_list", Uuid::from_u128(5));
    doc.insert(
        "members".into(),
        replica.value(&holder, "members").expect("members"),
    );
    serde_json::from_value(Value::Object(doc)).expect("a valid household record")
}

fn exchange(replicas: &mut [&mut Replica]) {
    let all: Vec<Change> = replicas.iter().flat_map(|r| r.changes()).collect();
    for r in replicas.iter_mut() {
        for c in &all {
            r.apply(c);
        }
    }
}

#[test]
fn two_cadres_edit_different_figures_and_the_merged_household_is_assessed_the_same_everywhere() {
    let mut a = Replica::new(fangpin_catalogue::schema().clone());
    let base = import(&mut a);
    let mut b = Replica::new(fangpin_catalogue::schema().clone());
    for c in &base {
        b.apply(c);
    }
    let book = PolicyBook::seed();
    let before = assess(&record(&a), &book, today()).expect("assessable");
    assert!(before.fired(RuleId::NearLine));
    assert!(!before.fired(RuleId::BelowLine));

    // Offline: one cadre finds the wage income fell; another records a large hospital bill.
    let current = RowKey::new("income_year", Uuid::from_u128(2));
    let (mut wa, mut wb) = (device(1), device(2));
    wa.set(&mut a, &current, "wage_fen", json!(1_500_000), 2_000)
        .expect("save");
    wb.set(
        &mut b,
        &current,
        "medical_out_of_pocket_fen",
        json!(3_000_000),
        2_000,
    )
    .expect("save");
    exchange(&mut [&mut a, &mut b]);

    assert!(a.conflicts().is_empty(), "different fields merge silently");
    assert_eq!(a.state_hash(), b.state_hash());
    let on_a = assess(&record(&a), &book, today()).expect("assessable");
    let on_b = assess(&record(&b), &book, today()).expect("assessable");
    assert_eq!(
        on_a, on_b,
        "derived values agree because they are computed from the same inputs"
    );
    assert!(
        on_a.fired(RuleId::BelowLine),
        "wage fall takes the household below the line"
    );
    assert!(
        on_a.fired(RuleId::MedicalSpending),
        "the hospital bill is over the threshold"
    );
    assert_eq!(
        on_a.category.category,
        Some(MonitoringType::UnstableFormerlyPoor)
    );
    assert!(on_a.income.net_income_fen < before.income.net_income_fen);
}

#[test]
fn a_conflicting_income_figure_is_assessed_with_the_provisional_winner_until_resolved() {
    let mut a = Replica::new(fangpin_catalogue::schema().clone());
    let base = import(&mut a);
    let mut b = Replica::new(fangpin_catalogue::schema().clone());
    for c in &base {
        b.apply(c);
    }
    let current = RowKey::new("income_year", Uuid::from_u128(2));
    let (mut wa, mut wb) = (device(1), device(2));
    wa.set(&mut a, &current, "wage_fen", json!(1_500_000), 2_000)
        .expect("save");
    wb.set(&mut b, &current, "wage_fen", json!(4_500_000), 3_000)
        .expect("save");
    exchange(&mut [&mut a, &mut b]);

    let conflicts = a.conflicts();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].kind, ConflictKind::Value);
    assert_eq!(
        conflicts,
        b.conflicts(),
        "the same conflict on every replica"
    );
    let book = PolicyBook::seed();
    let provisional = assess(&record(&a), &book, today()).expect("assessable");
    assert!(
        !provisional.fired(RuleId::BelowLine),
        "the later clock's 45,000 yuan shows for now"
    );

    // The supervisor checks with the household and keeps the lower figure.
    let mut supervisor = device(3);
    let resolution = supervisor
        .set(&mut a, &current, "wage_fen", json!(1_500_000), 4_000)
        .expect("resolve");
    assert_eq!(resolution.parents.len(), 2, "a resolution names every head");
    b.apply(&resolution);
    assert!(b.conflicts().is_empty());
    let resolved = assess(&record(&b), &book, today()).expect("assessable");
    assert!(resolved.fired(RuleId::BelowLine));
    assert_eq!(a.state_hash(), b.state_hash());
}
