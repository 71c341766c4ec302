//! Every rule at and around its threshold: one fen below, equal, one fen
//! above; ages at the window edges.

use fangpin_domain::assessment::Figures;
use fangpin_domain::household::{HouseSafety, RoadAccess, WaterLevel};
use fangpin_domain::member::{
    Disability, DisabilityKind, Education, MedicalInsurance, StudentStatus,
};
use fangpin_domain::policy::{AgeWindow, MedicalThreshold, PolicyOverride, RatioBase};
use fangpin_domain::{BasisPoints, Fen, HouseholdType, RuleId, YearIncome};

use crate::support::{book_with, child, neutral, rules, run, run_with, LINE};

fn income_rules(size: usize, net: i64) -> Vec<RuleId> {
    rules(&neutral(size, net))
        .into_iter()
        .filter(|r| r.is_income_rule())
        .collect()
}

#[test]
fn below_line_and_near_line_edges() {
    use RuleId::{BelowLine as B, NearLine as N};
    // (size, net income, expected income rules); line 6500 yuan, band 110%.
    let cases: &[(usize, i64, &[RuleId])] = &[
        (1, LINE - 1, &[B]),
        (1, LINE, &[N]),
        (1, LINE + 1, &[N]),
        (3, 3 * LINE - 1, &[B]),
        (3, 3 * LINE, &[N]),
        (3, 3 * LINE + 1, &[N]),
        // Band top for one person: 715000.
        (1, 714_999, &[N]),
        (1, 715_000, &[]),
        (1, 715_001, &[]),
        // Band top for three people: 2145000.
        (3, 2_144_999, &[N]),
        (3, 2_145_000, &[]),
        (3, 2_145_001, &[]),
        // 7 people: 7 × 650000 × 1.1 = 5005000.
        (7, 5_004_999, &[N]),
        (7, 5_005_000, &[]),
        (1, 0, &[B]),
    ];
    for (size, net, expected) in cases {
        assert_eq!(
            income_rules(*size, *net),
            *expected,
            "size {size}, net {net}"
        );
    }
}

#[test]
fn below_line_figures_are_exact() {
    let a = run(&neutral(3, 3 * LINE - 1));
    let f = a
        .findings
        .iter()
        .find(|f| f.rule == RuleId::BelowLine)
        .expect("fires");
    assert_eq!(
        f.figures,
        Figures::BelowLine {
            net_income_fen: Fen(1_949_999),
            household_size: 3,
            per_capita_fen: Fen(649_999),
            line_fen: Fen(LINE),
            line_total_fen: Fen(1_950_000),
        }
    );
    assert!(f.text_zh.contains("6499.99元"), "{}", f.text_zh);
    assert!(f.text_zh.contains("6500.00元"), "{}", f.text_zh);
    assert_eq!(a.income.per_capita_net_income_fen, Fen(649_999));
}

#[test]
fn near_line_band_is_a_setting() {
    let b = book_with(PolicyOverride {
        near_line_bp: Some(BasisPoints(15_000)),
        ..PolicyOverride::default()
    });
    let fired = |net| run_with(&neutral(1, net), &b).fired(RuleId::NearLine);
    assert!(fired(974_999));
    assert!(!fired(975_000));
    let a = run_with(&neutral(1, 974_999), &b);
    let f = a
        .findings
        .iter()
        .find(|f| f.rule == RuleId::NearLine)
        .expect("fires");
    assert_eq!(
        f.figures,
        Figures::NearLine {
            net_income_fen: Fen(974_999),
            household_size: 1,
            per_capita_fen: Fen(974_999),
            line_fen: Fen(LINE),
            ratio_bp: BasisPoints(15_000),
            threshold_fen: Fen(975_000),
        }
    );
}

fn with_previous(net_now: i64, net_before: i64) -> fangpin_domain::HouseholdRecord {
    let mut r = neutral(1, net_now);
    let mut prev: YearIncome = r.income.current;
    prev.year -= 1;
    prev.wage_fen = Fen(net_before);
    r.income.previous = Some(prev);
    r
}

#[test]
fn income_drop_edges() {
    // Last year 100000 yuan; default ratio 30%: fires at 70000 yuan or less.
    let before = 10_000_000;
    let cases = [
        (7_000_001, false),
        (7_000_000, true),
        (6_999_999, true),
        (before, false),
        (before + 1, false),
    ];
    for (now, expected) in cases {
        assert_eq!(
            run(&with_previous(now, before)).fired(RuleId::IncomeDrop),
            expected,
            "{now}"
        );
    }
    let a = run(&with_previous(6_999_999, before));
    let f = a
        .findings
        .iter()
        .find(|f| f.rule == RuleId::IncomeDrop)
        .expect("fires");
    assert_eq!(
        f.figures,
        Figures::IncomeDrop {
            previous_net_income_fen: Fen(before),
            net_income_fen: Fen(6_999_999),
            drop_fen: Fen(3_000_001),
            drop_bp: BasisPoints(3_000),
            threshold_bp: BasisPoints(3_000),
        }
    );
    // No previous year, no rule.
    assert!(!run(&neutral(1, 0)).fired(RuleId::IncomeDrop));
    // A different ratio from the province.
    let b = book_with(PolicyOverride {
        income_drop_bp: Some(BasisPoints(5_000)),
        ..PolicyOverride::default()
    });
    assert!(!run_with(&with_previous(5_000_001, before), &b).fired(RuleId::IncomeDrop));
    assert!(run_with(&with_previous(5_000_000, before), &b).fired(RuleId::IncomeDrop));
}

fn with_medical(household_type: HouseholdType, spending: i64) -> fangpin_domain::HouseholdRecord {
    let mut r = neutral(1, 5_000_000);
    r.household.household_type = household_type;
    r.income.current.medical_out_of_pocket_fen = Fen(spending);
    r
}

#[test]
fn medical_amount_thresholds() {
    let cases = [
        // Others: more than 26000 yuan.
        (HouseholdType::Ordinary, 2_599_999, false),
        (HouseholdType::Ordinary, 2_600_000, false),
        (HouseholdType::Ordinary, 2_600_001, true),
        // Low-income people: more than 10000 yuan.
        (HouseholdType::FormerlyPoor, 999_999, false),
        (HouseholdType::FormerlyPoor, 1_000_000, false),
        (HouseholdType::FormerlyPoor, 1_000_001, true),
    ];
    for (t, spending, expected) in cases {
        assert_eq!(
            run(&with_medical(t, spending)).fired(RuleId::MedicalSpending),
            expected,
            "{t:?} {spending}"
        );
    }
    // A 低保 member makes an ordinary household low-income.
    let mut r = with_medical(HouseholdType::Ordinary, 1_000_001);
    r.members[0].dibao = true;
    let a = run(&r);
    assert!(a.policy.low_income);
    let f = a
        .findings
        .iter()
        .find(|f| f.rule == RuleId::MedicalSpending)
        .expect("fires");
    assert_eq!(
        f.figures,
        Figures::MedicalSpending {
            spending_fen: Fen(1_000_001),
            threshold_fen: Fen(1_000_000),
            threshold: MedicalThreshold::Amount {
                amount_fen: Fen(1_000_000)
            },
            low_income: true,
        }
    );
}

#[test]
fn medical_ratio_thresholds() {
    // 50% of a fixed base of 20000 yuan: 10000 yuan.
    let fixed = book_with(PolicyOverride {
        medical_general: Some(MedicalThreshold::Ratio {
            ratio_bp: BasisPoints(5_000),
            base: RatioBase::Fixed {
                base_fen: Fen(2_000_000),
            },
        }),
        ..PolicyOverride::default()
    });
    for (spending, expected) in [(999_999, false), (1_000_000, false), (1_000_001, true)] {
        let a = run_with(&with_medical(HouseholdType::Ordinary, spending), &fixed);
        assert_eq!(a.fired(RuleId::MedicalSpending), expected, "{spending}");
    }
    // 50% of the household's own net income of 30000.01 yuan: 15000.005.
    let own = book_with(PolicyOverride {
        medical_general: Some(MedicalThreshold::Ratio {
            ratio_bp: BasisPoints(5_000),
            base: RatioBase::HouseholdNetIncome,
        }),
        ..PolicyOverride::default()
    });
    for (spending, expected) in [(1_499_999, false), (1_500_000, false), (1_500_001, true)] {
        let mut r = with_medical(HouseholdType::Ordinary, spending);
        r.income.current.wage_fen = Fen(3_000_001);
        let a = run_with(&r, &own);
        assert_eq!(a.fired(RuleId::MedicalSpending), expected, "{spending}");
    }
}

#[test]
fn compulsory_education_age_window_edges() {
    // (age, status, education, fires?) with the default window 6..=15.
    use Education as E;
    use StudentStatus as S;
    let cases = [
        (5, S::NotStudent, E::PreschoolChild, false),
        (6, S::NotStudent, E::PreschoolChild, true),
        (6, S::Preschool, E::PreschoolChild, false),
        (6, S::Primary, E::Primary, false),
        (10, S::DroppedOut, E::Primary, true),
        (10, S::HomeTeaching, E::Illiterate, false),
        (10, S::SuspendedForHealth, E::Primary, true),
        (15, S::DroppedOut, E::Primary, true),
        (15, S::NotStudent, E::JuniorSecondary, false),
        (16, S::DroppedOut, E::Primary, false),
        (16, S::NotStudent, E::Primary, false),
    ];
    for (age, status, education, expected) in cases {
        let mut r = neutral(1, 5_000_000);
        r.members.push(child(age, status, education));
        let a = run(&r);
        assert_eq!(
            a.fired(RuleId::CompulsoryEducation),
            expected,
            "age {age} {status:?} {education:?}"
        );
    }
    // The day before the sixth birthday the child is 5.
    let mut r = neutral(1, 5_000_000);
    let mut c = child(6, StudentStatus::NotStudent, Education::PreschoolChild);
    let birth = crate::support::today().succ_opt().expect("date");
    let birth = crate::support::date(2019, 11, 21).min(birth);
    c.id_number = crate::support::id_for(birth, fangpin_domain::Sex::Male);
    r.members.push(c);
    assert!(!run(&r).fired(RuleId::CompulsoryEducation));
    // A wider window from the province.
    let b = book_with(PolicyOverride {
        school_age: Some(AgeWindow { from: 6, to: 16 }),
        ..PolicyOverride::default()
    });
    let mut r = neutral(1, 5_000_000);
    r.members
        .push(child(16, StudentStatus::DroppedOut, Education::Primary));
    assert!(run_with(&r, &b).fired(RuleId::CompulsoryEducation));
}

#[test]
fn basic_medical() {
    let mut r = neutral(2, 5_000_000);
    assert!(!run(&r).fired(RuleId::BasicMedical));
    r.members[1].medical_insurance = MedicalInsurance::None;
    assert!(run(&r).fired(RuleId::BasicMedical));
    let mut r = neutral(2, 5_000_000);
    r.members[1].medical_insurance = MedicalInsurance::Employee;
    r.members[1].health.chronic_illness = true;
    r.members[1].family_doctor_signed = true;
    assert!(!run(&r).fired(RuleId::BasicMedical));
    r.members[1].family_doctor_signed = false;
    assert!(run(&r).fired(RuleId::BasicMedical));
    r.members[1].health.chronic_illness = false;
    r.members[1].health.serious_illness = true;
    let a = run(&r);
    assert!(a.fired(RuleId::BasicMedical));
    assert!(a.fired(RuleId::SeriousIllness));
}

#[test]
fn housing_water_road_food_clothing() {
    for (rating, expected) in [
        (HouseSafety::A, false),
        (HouseSafety::B, false),
        (HouseSafety::C, true),
        (HouseSafety::D, true),
    ] {
        let mut r = neutral(1, 5_000_000);
        r.household.house_safety = rating;
        assert_eq!(run(&r).fired(RuleId::Housing), expected, "{rating:?}");
    }
    for (level, expected) in [
        (WaterLevel::Met, false),
        (WaterLevel::BasicallyMet, false),
        (WaterLevel::NotMet, true),
    ] {
        for aspect in 0..4 {
            let mut r = neutral(1, 5_000_000);
            let w = &mut r.household.drinking_water;
            match aspect {
                0 => w.quantity = level,
                1 => w.convenience = level,
                2 => w.reliability = level,
                _ => w.quality = level,
            }
            assert_eq!(
                run(&r).fired(RuleId::DrinkingWater),
                expected,
                "{aspect} {level:?}"
            );
        }
    }
    for (road, expected) in [
        (RoadAccess::HardenedToDoor, false),
        (RoadAccess::HardenedToGroup, false),
        (RoadAccess::Unhardened, true),
        (RoadAccess::None, true),
    ] {
        let mut r = neutral(1, 5_000_000);
        r.household.road_access = road;
        assert_eq!(run(&r).fired(RuleId::RoadAccess), expected, "{road:?}");
    }
    let mut r = neutral(1, 5_000_000);
    r.basic_needs.food_secure = false;
    assert_eq!(run(&r).rules(), [RuleId::Food]);
    let mut r = neutral(1, 5_000_000);
    r.basic_needs.clothing_secure = false;
    assert_eq!(run(&r).rules(), [RuleId::Clothing]);
}

#[test]
fn special_groups() {
    for (grade, expected) in [(1, true), (2, true), (3, false), (4, false)] {
        let mut r = neutral(2, 5_000_000);
        r.members[1].health.disability = Some(Disability {
            kind: DisabilityKind::Intellectual,
            grade,
        });
        let a = run(&r);
        assert_eq!(a.fired(RuleId::SevereDisability), expected, "grade {grade}");
        if expected {
            let f = a
                .findings
                .iter()
                .find(|f| f.rule == RuleId::SevereDisability)
                .expect("fires");
            let Figures::Members { members } = &f.figures else {
                panic!("{f:?}")
            };
            assert_eq!(members[0].member_index, 1);
            assert_eq!(members[0].disability_grade, Some(grade));
            assert!(
                f.text_zh.contains(&format!("智力残疾{grade}级")),
                "{}",
                f.text_zh
            );
        }
    }
    let mut r = neutral(1, 5_000_000);
    r.members[0].dibao = true;
    r.members[0].tekun = true;
    assert_eq!(run(&r).rules(), [RuleId::Dibao, RuleId::Tekun]);
    assert!(run(&r).findings[1].text_zh.contains("单人户"));
}

#[test]
fn a_clean_household_fires_nothing() {
    let a = run(&neutral(4, 4 * 2_000_000));
    assert!(a.findings.is_empty(), "{:?}", a.findings);
    assert_eq!(a.category.category, None);
    assert!(a.measures.is_empty());
    assert!(a.risk_types.is_empty());
    assert!(a.indicators.iter().all(|i| !i.is_problem()));
}
