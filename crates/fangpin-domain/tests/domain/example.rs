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

/// Every object key of `v`, as a path of keys and array indexes.
fn key_paths(v: &serde_json::Value, at: &mut Vec<PathStep>, out: &mut Vec<Vec<PathStep>>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, child) in m {
                at.push(PathStep::Key(k.clone()));
                out.push(at.clone());
                key_paths(child, at, out);
                at.pop();
            }
        }
        serde_json::Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                at.push(PathStep::Index(i));
                key_paths(child, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

#[derive(Clone, Debug)]
enum PathStep {
    Key(String),
    Index(usize),
}

/// The object holding the last key of `path`, and that key.
fn parent_of<'a>(
    doc: &'a mut serde_json::Value,
    path: &[PathStep],
) -> (&'a mut serde_json::Map<String, serde_json::Value>, String) {
    let (last, init) = path.split_last().expect("non-empty path");
    let mut v = doc;
    for step in init {
        v = match step {
            PathStep::Key(k) => &mut v[k.as_str()],
            PathStep::Index(i) => &mut v[*i],
        };
    }
    let PathStep::Key(k) = last else {
        unreachable!("paths end with a key")
    };
    (v.as_object_mut().expect("object"), k.clone())
}

#[test]
fn null_is_accepted_for_every_optional_field_and_means_left_out() {
    // docs/household-json.md: "Fields marked optional may be left out or set to `null`".
    // For every key of the example: null parses exactly when leaving the key out parses, and
    // both give the same record.
    let doc: serde_json::Value = serde_json::from_str(EXAMPLE_JSON).expect("json");
    let mut paths = Vec::new();
    key_paths(&doc, &mut Vec::new(), &mut paths);
    let mut optional = Vec::new();
    for path in &paths {
        let mut nulled = doc.clone();
        let (obj, key) = parent_of(&mut nulled, path);
        obj.insert(key.clone(), serde_json::Value::Null);
        let mut left_out = doc.clone();
        let (obj, key) = parent_of(&mut left_out, path);
        obj.remove(&key);
        let a = serde_json::from_value::<HouseholdRecord>(nulled);
        let b = serde_json::from_value::<HouseholdRecord>(left_out);
        match (a, b) {
            (Ok(a), Ok(b)) => {
                assert_eq!(a, b, "{path:?}: null and left out differ");
                optional.push(format!("{path:?}"));
            }
            (Err(_), Err(_)) => {}
            (a, b) => panic!(
                "{path:?}: null {} but left out {}",
                if a.is_ok() { "parses" } else { "is refused" },
                if b.is_ok() { "parses" } else { "is refused" }
            ),
        }
    }
    // The defect this guards: `members[i].health: null` was refused.
    for must in [
        "health",
        "dibao",
        "risk_types",
        "medical_out_of_pocket_fen",
        "disability",
    ] {
        assert!(
            optional.iter().any(|p| p.contains(&format!("\"{must}\""))),
            "{must} is optional: {optional:?}"
        );
    }
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
