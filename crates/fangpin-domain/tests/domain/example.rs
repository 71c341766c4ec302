//! The documented example household: JSON round trip and snapshots.

use fangpin_domain::{HouseholdRecord, MonitoringType, PolicyBook, RuleId};

use crate::support::{example, example_policy, run, run_with, EXAMPLE_JSON};

#[test]
fn json_round_trips() {
    let parsed = example();
    let text = serde_json::to_string_pretty(&parsed).expect("serialises");
    let again: HouseholdRecord = serde_json::from_str(&text).expect("parses again");
    assert_eq!(parsed, again);
    // And the serialised form carries the same values as the document.
    let doc: serde_json::Value = serde_json::from_str(EXAMPLE_JSON).expect("json");
    let ours: serde_json::Value = serde_json::to_value(&parsed).expect("json");
    assert_eq!(doc, ours);
}

#[test]
fn unknown_fields_are_rejected() {
    let mut doc: serde_json::Value = serde_json::from_str(EXAMPLE_JSON).expect("json");
    doc["members"][0]["per_capita_income_fen"] = serde_json::json!(1);
    assert!(serde_json::from_value::<HouseholdRecord>(doc).is_err());
}

#[test]
fn the_policy_example_is_valid() {
    assert_eq!(example_policy().validate(), Ok(()));
    assert_eq!(PolicyBook::seed().validate(), Ok(()));
}

#[test]
fn example_under_the_seed_policy() {
    let a = run(&example());
    assert_eq!(
        a.category.category,
        Some(MonitoringType::UnstableFormerlyPoor)
    );
    assert_eq!(a.rules(), [RuleId::NearLine, RuleId::BasicMedical]);
    insta::assert_json_snapshot!("example_seed_policy", a);
}

#[test]
fn example_under_the_example_policy() {
    let a = run_with(&example(), &example_policy());
    assert_eq!(
        a.category.category,
        Some(MonitoringType::UnstableFormerlyPoor)
    );
    assert_eq!(a.rules(), [RuleId::BelowLine, RuleId::BasicMedical]);
    insta::assert_json_snapshot!("example_example_policy", a);
}

#[test]
fn every_field_of_the_example_is_documented() {
    let doc = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/household-json.md"
    ));
    fn keys(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    out.push(k.clone());
                    keys(v, out);
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|i| keys(i, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    keys(&serde_json::from_str(EXAMPLE_JSON).expect("json"), &mut all);
    for k in all {
        assert!(
            doc.contains(&format!("`{k}`"))
                || doc.contains(&format!(".{k}`"))
                || doc.contains(&format!("`{k}.")),
            "docs/household-json.md does not describe `{k}`"
        );
    }
}
