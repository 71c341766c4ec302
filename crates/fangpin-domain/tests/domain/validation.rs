//! Validation collects every field error, each naming its field.

use fangpin_domain::member::{Disability, DisabilityKind, Relation, Work, WorkPlace};
use fangpin_domain::{assess, AssessError, ErrorCode, Fen, PolicyError, RiskType, Sex};

use crate::support::{book, example, today};

#[test]
fn the_example_is_valid() {
    let r = example();
    let valid = r.validate(today()).expect("valid");
    assert_eq!(valid.household_size(), 5);
    assert_eq!(valid.area.to_string(), "530325101201");
    assert_eq!(valid.head().map(|h| h.name.as_str()), Some("张国华"));
}

#[test]
fn every_error_is_collected_with_its_field_and_code() {
    let mut r = example();
    r.household.area.code = "530325101".to_owned();
    r.household.phone = Some("1398741234".to_owned());
    r.household.risk_types = vec![
        RiskType::Illness,
        RiskType::Flood,
        RiskType::Disability,
        RiskType::Accident,
        RiskType::Schooling,
        RiskType::Illness,
    ];
    r.members[1].id_number = "530325198007250423".to_owned();
    r.members[2].sex = Sex::Male;
    r.members[3].relation = Relation::Head;
    r.members[4].health.disability = Some(Disability {
        kind: DisabilityKind::Physical,
        grade: 5,
    });
    r.members[0].work = Some(Work {
        place: WorkPlace::OutsideProvince,
        months: 13,
    });
    r.income.current.property_fen = Fen(-1);
    if let Some(p) = r.income.previous.as_mut() {
        p.year = 2023;
    }
    let errors = r.validate(today()).expect_err("invalid");
    let got: Vec<(&str, ErrorCode)> = errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
    assert_eq!(
        got,
        [
            ("household.area.code", ErrorCode::WrongLength),
            ("household.phone", ErrorCode::InvalidPhone),
            ("household.risk_types", ErrorCode::TooMany),
            ("household.risk_types[5]", ErrorCode::Duplicate),
            ("members", ErrorCode::Inconsistent),
            ("members[0].work.months", ErrorCode::OutOfRange),
            ("members[1].id_number", ErrorCode::CheckDigit),
            ("members[2].sex", ErrorCode::Inconsistent),
            ("members[4].health.disability.grade", ErrorCode::OutOfRange),
            ("income.current.property_fen", ErrorCode::OutOfRange),
            ("income.previous.year", ErrorCode::Inconsistent),
        ]
    );
    let id_error = errors
        .iter()
        .find(|e| e.field == "members[1].id_number")
        .expect("id error");
    assert_eq!(
        id_error.message,
        "check digit is wrong (expected 9, found 3)"
    );
    assert!(id_error.message_zh.contains("应为9"));
    for e in &errors {
        assert!(!e.message.is_empty() && !e.message_zh.is_empty(), "{e:?}");
    }
}

#[test]
fn area_codes_must_be_real_village_codes() {
    let cases = [
        ("530325101000", ErrorCode::WrongAreaLevel),
        ("990325101201", ErrorCode::UnknownProvince),
        ("530325000201", ErrorCode::NonZeroAfterZeroLevel),
        ("53032510120X", ErrorCode::NotDigit),
    ];
    for (code, expected) in cases {
        let mut r = example();
        r.household.area.code = code.to_owned();
        let errors = r.validate(today()).expect_err(code);
        assert_eq!(errors.len(), 1, "{code}: {errors}");
        assert_eq!(errors.0[0].field, "household.area.code");
        assert_eq!(errors.0[0].code, expected, "{code}");
    }
}

#[test]
fn monitoring_type_goes_with_monitored_households() {
    let mut r = example();
    r.household.household_type = fangpin_domain::HouseholdType::Monitored;
    let e = r.validate(today()).expect_err("missing type");
    assert!(e.has("household.monitoring_type"));
    let mut r = example();
    r.household.monitoring_type = Some(fangpin_domain::MonitoringType::MarginalAtRisk);
    let e = r
        .validate(today())
        .expect_err("type on a non-monitored household");
    assert!(e.has("household.monitoring_type"));
}

#[test]
fn duplicate_ids_and_helper_dates() {
    let mut r = example();
    r.members[1] = {
        let mut m = r.members[0].clone();
        m.relation = Relation::Spouse;
        m
    };
    if let Some(h) = r.household.helper.as_mut() {
        h.end = Some(crate::support::date(2024, 1, 1));
    }
    let e = r.validate(today()).expect_err("invalid");
    assert!(e.has("members[1].id_number"), "{e}");
    assert!(e.has("household.helper.end"), "{e}");
}

#[test]
fn income_in_the_future_and_no_line() {
    let mut r = example();
    r.income.current.year = 2026;
    let e = r.validate(today()).expect_err("future year");
    assert!(e.has("income.current.year"));

    let mut r = example();
    r.income.current.year = 2024;
    r.income.previous = None;
    assert_eq!(
        assess(&r, &book(), today()),
        Err(AssessError::Policy(PolicyError::NoMonitoringLine {
            area: "530325101201".to_owned(),
            year: 2024
        }))
    );
}
