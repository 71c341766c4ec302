//! Category, measure and risk-type suggestions.

use fangpin_domain::household::MonitoringType;
use fangpin_domain::member::{LabourCapacity, StudentStatus};
use fangpin_domain::{Fen, HouseholdRecord, HouseholdType, Measure, RiskType, RuleId};

use crate::support::{neutral, run, LINE};

/// Builds a household of `t` where the named rules fire.
fn case(
    t: HouseholdType,
    m: Option<MonitoringType>,
    below: bool,
    near: bool,
    drop: bool,
    medical: bool,
) -> HouseholdRecord {
    let net = if below {
        LINE - 1
    } else if near {
        LINE
    } else {
        3_000_000
    };
    let mut r = neutral(1, net);
    r.household.household_type = t;
    r.household.monitoring_type = m;
    if drop {
        let mut prev = r.income.current;
        prev.year -= 1;
        prev.wage_fen = Fen(net * 2);
        r.income.previous = Some(prev);
    }
    if medical {
        r.income.current.medical_out_of_pocket_fen = Fen(3_000_000);
    }
    r
}

#[test]
fn category_table() {
    use HouseholdType::{FormerlyPoor as P, Monitored as M, Ordinary as O};
    use MonitoringType::{
        MarginalAtRisk as Edge, SuddenHardship as Sudden, UnstableFormerlyPoor as Unstable,
    };
    // (type, current monitoring type, below, near, drop, medical) -> category
    let cases = [
        (P, None, true, false, false, false, Some(Unstable)),
        (P, None, false, true, false, false, Some(Unstable)),
        (P, None, false, false, true, false, Some(Unstable)),
        (P, None, false, false, false, true, Some(Sudden)),
        (P, None, false, false, false, false, None),
        (O, None, true, false, false, false, Some(Edge)),
        (O, None, false, true, true, false, Some(Edge)),
        (O, None, false, false, true, false, Some(Sudden)),
        (O, None, false, false, false, true, Some(Sudden)),
        (O, None, false, false, false, false, None),
        (M, Some(Unstable), false, true, false, false, Some(Unstable)),
        (M, Some(Edge), true, false, false, false, Some(Edge)),
        (M, Some(Sudden), false, false, false, true, Some(Sudden)),
        (M, Some(Sudden), false, false, false, false, None),
    ];
    for (t, m, below, near, drop, medical, expected) in cases {
        let a = run(&case(t, m, below, near, drop, medical));
        assert_eq!(
            a.category.category,
            expected,
            "{t:?} {m:?} below {below} near {near} drop {drop} medical {medical}: {:?}",
            a.rules()
        );
        // Every reason is a finding that fired, with its figures.
        for reason in &a.category.reasons {
            assert!(a.findings.contains(reason));
        }
        assert_eq!(a.category.reasons.is_empty(), expected.is_none());
        if let Some(c) = expected {
            assert!(
                a.category.summary_zh.contains(c.name_zh()),
                "{}",
                a.category.summary_zh
            );
        }
    }
}

fn measure_codes(r: &HouseholdRecord) -> Vec<&'static str> {
    run(r).measures.iter().map(|m| m.code.code()).collect()
}

#[test]
fn development_or_safety_net_by_labour_capacity() {
    let mut r = neutral(1, LINE - 1);
    assert_eq!(measure_codes(&r), ["01", "02", "03"]);
    r.members[0].labour_capacity = LabourCapacity::Weak;
    assert_eq!(measure_codes(&r), ["01", "04"]);
    r.members[0].labour_capacity = LabourCapacity::Lost;
    assert_eq!(measure_codes(&r), ["08"]);
    let a = run(&r);
    assert_eq!(a.measures[0].answers, [RuleId::BelowLine]);
    assert_eq!(a.measures[0].kind, fangpin_domain::MeasureKind::SafetyNet);
    let risks: Vec<&str> = a.risk_types.iter().map(|r| r.code.code()).collect();
    assert_eq!(risks, ["04"]);
}

#[test]
fn each_problem_suggests_the_measure_that_answers_it() {
    let mut r = neutral(1, 5_000_000);
    r.household.house_safety = fangpin_domain::household::HouseSafety::D;
    r.household.drinking_water.quality = fangpin_domain::household::WaterLevel::NotMet;
    r.household.road_access = fangpin_domain::household::RoadAccess::Unhardened;
    r.members[0].medical_insurance = fangpin_domain::member::MedicalInsurance::None;
    let a = run(&r);
    let got: Vec<(Measure, Vec<RuleId>)> = a
        .measures
        .iter()
        .map(|m| (m.code, m.answers.clone()))
        .collect();
    assert_eq!(
        got,
        [
            (Measure::Health, vec![RuleId::BasicMedical]),
            (Measure::HousingSafety, vec![RuleId::Housing]),
            (Measure::DrinkingWaterSafety, vec![RuleId::DrinkingWater]),
            (Measure::Infrastructure, vec![RuleId::RoadAccess]),
        ]
    );
    assert_eq!(a.category.category, None);
}

#[test]
fn risk_types_follow_the_findings_and_stop_at_five() {
    // Below the line, with a chronic patient, a disabled member, a student
    // in senior secondary, wages and business both down, no full labour.
    let mut r = neutral(3, 3 * LINE - 1);
    for m in &mut r.members {
        m.labour_capacity = LabourCapacity::Weak;
    }
    r.members[1].health.chronic_illness = true;
    r.members[1].family_doctor_signed = true;
    r.members[1].health.disability = Some(fangpin_domain::member::Disability {
        kind: fangpin_domain::member::DisabilityKind::Physical,
        grade: 3,
    });
    r.members[2].student_status = StudentStatus::SeniorSecondary;
    let mut prev = r.income.current;
    prev.year -= 1;
    prev.wage_fen = Fen(5_000_000);
    prev.business_fen = Fen(1_000_000);
    r.income.previous = Some(prev);
    let a = run(&r);
    let codes: Vec<RiskType> = a.risk_types.iter().map(|s| s.code).collect();
    // 09 因学 would be sixth: cut.
    assert_eq!(
        codes,
        [
            RiskType::Illness,
            RiskType::Disability,
            RiskType::LabourShortage,
            RiskType::IndustryFailure,
            RiskType::UnstableEmployment,
        ]
    );
    assert_eq!(
        a.risk_types[0].because,
        [RuleId::BelowLine, RuleId::IncomeDrop]
    );
    assert_eq!(a.risk_types[3].because, [RuleId::IncomeDrop]);
    // 其他教育帮扶 for the senior-secondary student.
    assert!(a.measures.iter().any(|m| m.code == Measure::OtherEducation));
}

#[test]
fn output_is_deterministic() {
    let r = crate::support::example();
    let a = serde_json::to_string(&run(&r)).expect("serialises");
    let b = serde_json::to_string(&run(&r)).expect("serialises");
    assert_eq!(a, b);
}
