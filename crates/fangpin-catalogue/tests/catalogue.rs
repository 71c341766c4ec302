//! The catalogue against what it generates and what it stands for: the committed data
//! dictionary and UI labels equal what the catalogue generates, and every vocabulary value is a
//! value of the domain type it stands for.

use std::path::{Path, PathBuf};

use fangpin_catalogue::{data_dictionary, typescript, vocab};
use serde::de::DeserializeOwned;
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Compares a committed generated file with what the catalogue makes now; with
/// `FANGPIN_UPDATE_GENERATED=1` rewrites it instead.
fn generated(rel: &str, now: &str) {
    let path = root().join(rel);
    if std::env::var_os("FANGPIN_UPDATE_GENERATED").is_some() {
        std::fs::write(&path, now).expect("write generated file");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == now,
        "{rel} differs from what crates/fangpin-catalogue generates; run \
         FANGPIN_UPDATE_GENERATED=1 cargo test -p fangpin-catalogue and commit the result"
    );
}

#[test]
fn the_data_dictionary_is_generated_from_the_catalogue() {
    generated("docs/data-dictionary.md", &data_dictionary());
}

#[test]
fn the_ui_labels_are_generated_from_the_catalogue() {
    generated(fangpin_catalogue::TYPESCRIPT_LABELS, &typescript());
}

fn all_of<T: DeserializeOwned>(v: &vocab::Vocabulary) {
    for (value, _) in v.entries {
        serde_json::from_value::<T>(Value::String((*value).into()))
            .unwrap_or_else(|e| panic!("{}: {value} is not a domain value: {e}", v.name));
    }
    assert!(
        serde_json::from_value::<T>(Value::String("no_such_value".into())).is_err(),
        "{} takes anything",
        v.name
    );
}

#[test]
fn every_vocabulary_value_is_a_value_of_its_domain_type() {
    use fangpin_domain::household::{HouseSafety, RoadAccess, WaterAspect, WaterLevel};
    use fangpin_domain::member::*;
    use fangpin_domain::*;
    all_of::<HouseholdType>(&vocab::HOUSEHOLD_TYPES);
    all_of::<MonitoringType>(&vocab::MONITORING_TYPES);
    all_of::<HouseSafety>(&vocab::HOUSE_SAFETY);
    all_of::<RoadAccess>(&vocab::ROAD_ACCESS);
    all_of::<WaterLevel>(&vocab::WATER_LEVELS);
    all_of::<WaterAspect>(&vocab::WATER_ASPECTS);
    all_of::<RiskType>(&vocab::RISK_TYPES);
    all_of::<Sex>(&vocab::SEXES);
    all_of::<Relation>(&vocab::RELATIONS);
    all_of::<Education>(&vocab::EDUCATIONS);
    all_of::<StudentStatus>(&vocab::STUDENT_STATUSES);
    all_of::<DisabilityKind>(&vocab::DISABILITY_KINDS);
    all_of::<LabourCapacity>(&vocab::LABOUR_CAPACITIES);
    all_of::<WorkPlace>(&vocab::WORK_PLACES);
    all_of::<MedicalInsurance>(&vocab::INSURANCES);
    all_of::<PensionInsurance>(&vocab::INSURANCES);
    all_of::<Measure>(&vocab::MEASURES);
    all_of::<Indicator>(&vocab::INDICATORS);
    all_of::<fangpin_sync::LedgerState>(&vocab::LEDGER_STATES);
    use fangpin_domain::procedure::{Channel, EliminationMethod, ProcedureKind};
    all_of::<ProcedureKind>(&vocab::PROCEDURE_KINDS);
    all_of::<Channel>(&vocab::CHANNELS);
    all_of::<EliminationMethod>(&vocab::ELIMINATION_METHODS);
    all_of::<fangpin_domain::campaign::Duty>(&vocab::DUTIES);
    all_of::<fangpin_domain::campaign::Focus>(&vocab::FOCUS_GROUPS);
    assert_eq!(Measure::ALL.len(), vocab::MEASURES.entries.len());
    assert_eq!(Indicator::ALL.len(), vocab::INDICATORS.entries.len());
}
