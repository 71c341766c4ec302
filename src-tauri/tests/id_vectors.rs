//! The identity-number check in TypeScript (ui/shared/src/idnumber.ts) gives instant feedback;
//! the authoritative check is fangpin_domain's. Both are tested against the same vectors
//! (ui/shared/src/id-vectors.json), so they agree.

use chrono::NaiveDate;
use fangpin_domain::IdNumber;
use serde_json::Value;

#[test]
fn the_rust_rule_agrees_with_the_shared_vectors() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../ui/shared/src/id-vectors.json"
    );
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("read the vectors"))
            .expect("parse the vectors");
    let today = NaiveDate::parse_from_str(doc["today"].as_str().expect("today"), "%Y-%m-%d")
        .expect("a date");
    let vectors = doc["vectors"].as_array().expect("vectors");
    assert!(vectors.len() >= 15);
    for v in vectors {
        let input = v["input"].as_str().expect("input");
        match (IdNumber::parse(input, today), v["code"].as_str()) {
            (Ok(id), None) => {
                assert_eq!(Some(id.as_str()), v["value"].as_str(), "{input:?}");
                let sex = serde_json::to_value(id.sex()).expect("sex");
                assert_eq!(sex, v["sex"], "{input:?}");
            }
            (Err(e), Some(code)) => assert_eq!(e.code().as_str(), code, "{input:?}"),
            (got, want) => panic!("{input:?}: Rust gives {got:?}, the vectors say {want:?}"),
        }
    }
}
