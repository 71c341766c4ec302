//! The procedure rules' tests: each procedure through its steps and each refusal.
use super::*;
use serde_json::json;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn started() -> Procedure {
    Procedure {
        kind: Some(ProcedureKind::Identification),
        channel: Some(Channel::CadreVisit),
        started_on: Some(d("2026-03-02")),
        ..Procedure::default()
    }
}

fn verification() -> Value {
    json!({"on": "2026-03-03", "by": "李四", "checklist_done": true, "consent_signature": "ab".repeat(32)})
}

fn record(p: &mut Procedure, step: Step, v: Value) {
    let mut fields: Vec<(String, Value)> = Vec::new();
    let cur = serde_json::to_value(&*p).unwrap();
    for (k, val) in cur.as_object().unwrap() {
        fields.push((k.clone(), val.clone()));
    }
    fields.push((step.field().to_owned(), v));
    *p = Procedure::from_fields(fields.iter().map(|(k, v)| (k.as_str(), v)));
}

/// The whole identification, each step by its role, ends with 纳入 in a category.
fn through_all() -> (ProcedureSettings, Procedure) {
    let s = ProcedureSettings::default();
    let mut p = started();
    let steps = [
        (Role::VillageCadre, Step::Verification, verification()),
        (
            Role::VillageCadre,
            Step::Appraisal,
            json!({"on": "2026-03-04", "attendance": 21, "in_favour": 20, "passed": true}),
        ),
        (
            Role::Office,
            Step::Comparison,
            json!({"on": "2026-03-04", "items": ["车辆", "房产"], "consistent": true}),
        ),
        (
            Role::VillageCadre,
            Step::Publicity,
            json!({"from": "2026-03-05", "to": "2026-03-09", "place": "村委会公示栏", "passed": true}),
        ),
        (
            Role::TownshipSupervisor,
            Step::TownshipReview,
            json!({"on": "2026-03-10", "by": "王镇长", "approved": true}),
        ),
        (
            Role::CountyAdmin,
            Step::CountyDecision,
            json!({"on": "2026-03-12", "approved": true, "document": "富乡振发〔2026〕12号", "monitoring_type": "sudden_hardship"}),
        ),
    ];
    for (role, step, v) in steps {
        check_step(&s, role, &p, step, &v).unwrap_or_else(|e| panic!("{step:?}: {e}"));
        record(&mut p, step, v);
    }
    (s, p)
}

#[test]
fn an_identification_goes_through_every_step_to_inclusion() {
    let (s, p) = through_all();
    assert_eq!(
        p.outcome(&s),
        Some(Outcome::Included {
            monitoring_type: MonitoringType::SuddenHardship,
            on: d("2026-03-12")
        })
    );
    let st = standing(&s, &p, d("2026-04-01"));
    assert!(st.next.is_empty());
    assert_eq!(st.due, Some(d("2026-03-17")));
    assert!(!st.overdue, "decided on day 10 of 15");
}

#[test]
fn an_elimination_goes_through_every_step_without_consent_and_needs_its_method() {
    let s = ProcedureSettings::default();
    let mut p = Procedure {
        kind: Some(ProcedureKind::Elimination),
        channel: Some(Channel::CadreVisit),
        started_on: Some(d("2026-09-01")),
        ..Procedure::default()
    };
    let steps = [
        (
            Role::Helper,
            Step::Verification,
            json!({"on": "2026-09-02", "by": "帮扶责任人", "checklist_done": true}),
        ),
        (
            Role::Office,
            Step::Appraisal,
            json!({"on": "2026-09-03", "attendance": 15, "in_favour": 15, "passed": true}),
        ),
        (
            Role::TownshipSupervisor,
            Step::Comparison,
            json!({"on": "2026-09-03", "items": ["收入"], "consistent": true}),
        ),
        (
            Role::Office,
            Step::Publicity,
            json!({"from": "2026-09-04", "to": "2026-09-08", "passed": true}),
        ),
        (
            Role::TownshipSupervisor,
            Step::TownshipReview,
            json!({"on": "2026-09-09", "by": "镇", "approved": true}),
        ),
    ];
    for (role, step, v) in steps {
        check_step(&s, role, &p, step, &v).unwrap_or_else(|e| panic!("{step:?}: {e}"));
        record(&mut p, step, v);
    }
    let no_method = json!({"on": "2026-09-10", "approved": true, "document": "x号"});
    let e = check_step(&s, Role::CountyAdmin, &p, Step::CountyDecision, &no_method).unwrap_err();
    assert!(matches!(
        e,
        StepError::Missing {
            field: "method",
            ..
        }
    ));
    let decision = json!({"on": "2026-09-10", "approved": true, "document": "x号", "method": "after_assistance"});
    check_step(&s, Role::CountyAdmin, &p, Step::CountyDecision, &decision).unwrap();
    record(&mut p, Step::CountyDecision, decision);
    assert_eq!(
        p.outcome(&s),
        Some(Outcome::Eliminated {
            method: EliminationMethod::AfterAssistance,
            on: d("2026-09-10")
        })
    );
}

#[test]
fn an_approved_decision_changes_the_household_and_a_refusal_nothing() {
    let (_, p) = through_all();
    let d = p.county_decision.clone().unwrap();
    let fx = decision_effects(ProcedureKind::Identification, &d);
    assert!(fx.contains(&("household_type", json!("monitored"))));
    assert!(fx.contains(&("monitoring_type", json!("sudden_hardship"))));
    assert!(fx.contains(&("monitoring_since", json!("2026-03-12"))));
    let no = Decision {
        approved: false,
        ..d.clone()
    };
    assert!(decision_effects(ProcedureKind::Identification, &no).is_empty());
    let out = Decision {
        method: Some(EliminationMethod::AfterAssistance),
        ..d
    };
    let fx = decision_effects(ProcedureKind::Elimination, &out);
    assert_eq!(
        fx,
        vec![
            ("risk_eliminated_on", json!("2026-03-12")),
            ("elimination_method", json!("after_assistance"))
        ]
    );
}

#[test]
fn a_step_by_the_wrong_role_is_refused_with_who_may() {
    let s = ProcedureSettings::default();
    let p = started();
    let e = check_step(
        &s,
        Role::TownshipSupervisor,
        &p,
        Step::Verification,
        &verification(),
    )
    .unwrap_err();
    assert_eq!(e.code(), "wrong_role");
    assert_eq!(
        e.message_zh(),
        "镇扶贫办不能登记“入户核实”，应由村干部、帮扶责任人、办事处登记"
    );
    let e = check_step(
        &s,
        Role::VillageCadre,
        &p,
        Step::CountyDecision,
        &json!({"on": "2026-03-03", "approved": true, "document": "x", "monitoring_type": "sudden_hardship"}),
    )
    .unwrap_err();
    assert_eq!(e.code(), "wrong_role");
}

#[test]
fn a_step_out_of_order_names_the_missing_step() {
    let s = ProcedureSettings::default();
    let p = started();
    let e = check_step(
        &s,
        Role::VillageCadre,
        &p,
        Step::Appraisal,
        &json!({"on": "2026-03-04", "attendance": 21, "in_favour": 20, "passed": true}),
    )
    .unwrap_err();
    assert_eq!(
        e,
        StepError::OutOfOrder {
            step: Step::Appraisal,
            missing: Step::Verification
        }
    );
    assert_eq!(e.message_zh(), "请先完成“入户核实”，再登记“民主评议”");
}

#[test]
fn a_notice_shorter_than_the_setting_is_refused_at_its_boundary() {
    let (s, mut p) = through_all();
    p.publicity = None;
    p.township_review = None;
    p.county_decision = None;
    let notice = |to: &str| json!({"from": "2026-03-05", "to": to, "passed": true});
    let e = check_step(
        &s,
        Role::VillageCadre,
        &p,
        Step::Publicity,
        &notice("2026-03-08"),
    )
    .unwrap_err();
    assert_eq!(e, StepError::ShortNotice { days: 4, min: 5 });
    assert_eq!(e.message_zh(), "公示期只有4天，不得少于5天");
    check_step(
        &s,
        Role::VillageCadre,
        &p,
        Step::Publicity,
        &notice("2026-03-09"),
    )
    .unwrap();
    // In working days, 2026-03-05 (Thursday) to 03-11 holds five working days.
    let mut wd = s.clone();
    wd.publicity_min.working_days = true;
    let e = check_step(
        &wd,
        Role::VillageCadre,
        &p,
        Step::Publicity,
        &notice("2026-03-10"),
    )
    .unwrap_err();
    assert_eq!(e, StepError::ShortNotice { days: 4, min: 5 });
    check_step(
        &wd,
        Role::VillageCadre,
        &p,
        Step::Publicity,
        &notice("2026-03-11"),
    )
    .unwrap();
}

#[test]
fn a_review_before_the_notice_ends_is_refused() {
    let (s, mut p) = through_all();
    p.township_review = None;
    p.county_decision = None;
    let e = check_step(
        &s,
        Role::TownshipSupervisor,
        &p,
        Step::TownshipReview,
        &json!({"on": "2026-03-09", "by": "王镇长", "approved": true}),
    )
    .unwrap_err();
    assert_eq!(e.code(), "too_early");
}

#[test]
fn verification_without_consent_or_checklist_is_refused() {
    let s = ProcedureSettings::default();
    let p = started();
    let e = check_step(
        &s,
        Role::VillageCadre,
        &p,
        Step::Verification,
        &json!({"on": "2026-03-03", "by": "李四", "checklist_done": true}),
    )
    .unwrap_err();
    assert_eq!(e.code(), "missing");
    assert_eq!(e.message_zh(), "“入户核实”：缺少农户签字的承诺授权书");
    let e = check_step(
        &s,
        Role::VillageCadre,
        &p,
        Step::Verification,
        &json!({"on": "2026-03-03", "by": "李四", "checklist_done": false, "consent_signature": "ab"}),
    )
    .unwrap_err();
    assert!(matches!(
        e,
        StepError::Missing {
            field: "checklist_done",
            ..
        }
    ));
    let mut no_consent = s.clone();
    no_consent.consent_required = false;
    check_step(
        &no_consent,
        Role::VillageCadre,
        &p,
        Step::Verification,
        &json!({"on": "2026-03-03", "by": "李四", "checklist_done": true}),
    )
    .unwrap();
    let e = check_step(
        &s,
        Role::VillageCadre,
        &p,
        Step::Verification,
        &json!({"on": 3}),
    )
    .unwrap_err();
    assert_eq!(e.code(), "malformed");
}

#[test]
fn a_failed_appraisal_ends_the_procedure() {
    let s = ProcedureSettings::default();
    let mut p = started();
    record(&mut p, Step::Verification, verification());
    record(
        &mut p,
        Step::Appraisal,
        json!({"on": "2026-03-04", "attendance": 21, "in_favour": 3, "passed": false}),
    );
    record(
        &mut p,
        Step::Comparison,
        json!({"on": "2026-03-04", "items": ["车辆"], "consistent": true}),
    );
    let e = check_step(
        &s,
        Role::VillageCadre,
        &p,
        Step::Publicity,
        &json!({"from": "2026-03-05", "to": "2026-03-09", "passed": true}),
    )
    .unwrap_err();
    assert_eq!(
        e,
        StepError::Ended {
            step: Step::Publicity,
            at: Step::Appraisal
        }
    );
    assert_eq!(
        p.outcome(&s),
        Some(Outcome::Stopped {
            at: Step::Appraisal
        })
    );
    assert!(standing(&s, &p, d("2026-03-05")).next.is_empty());
}

#[test]
fn the_time_limit_counts_calendar_or_working_days_against_a_fixed_clock() {
    let s = ProcedureSettings::default();
    let p = started(); // 2026-03-02, a Monday
    assert!(!standing(&s, &p, d("2026-03-17")).overdue);
    assert!(standing(&s, &p, d("2026-03-18")).overdue);
    let mut wd = s.clone();
    wd.whole = DayLimit {
        days: 20,
        working_days: true,
    };
    // Twenty working days after Monday 2 March is Monday 30 March.
    assert_eq!(
        standing(&wd, &p, d("2026-03-18")).due,
        Some(d("2026-03-30"))
    );
    assert!(!standing(&wd, &p, d("2026-03-30")).overdue);
    assert!(standing(&wd, &p, d("2026-03-31")).overdue);
    // A step's own limit: an application accepted within 2 days.
    wd.steps[0].limit = Some(DayLimit {
        days: 2,
        working_days: false,
    });
    assert!(standing(&wd, &p, d("2026-03-04")).overdue_steps.is_empty());
    assert_eq!(
        standing(&wd, &p, d("2026-03-05")).overdue_steps,
        vec![(Step::Verification, d("2026-03-04"))]
    );
}

#[test]
fn approving_needs_the_document_number_and_the_category() {
    let (s, mut p) = through_all();
    p.county_decision = None;
    let e = check_step(
        &s,
        Role::CountyAdmin,
        &p,
        Step::CountyDecision,
        &json!({"on": "2026-03-12", "approved": true, "document": " ", "monitoring_type": "sudden_hardship"}),
    )
    .unwrap_err();
    assert!(matches!(
        e,
        StepError::Missing {
            field: "document",
            ..
        }
    ));
    let e = check_step(
        &s,
        Role::CountyAdmin,
        &p,
        Step::CountyDecision,
        &json!({"on": "2026-03-12", "approved": true, "document": "x号"}),
    )
    .unwrap_err();
    assert!(matches!(
        e,
        StepError::Missing {
            field: "monitoring_type",
            ..
        }
    ));
    check_step(
        &s,
        Role::CountyAdmin,
        &p,
        Step::CountyDecision,
        &json!({"on": "2026-03-12", "approved": false, "document": ""}),
    )
    .unwrap();
}

#[test]
fn settings_with_a_step_before_its_prerequisite_are_refused() {
    let mut s = ProcedureSettings::default();
    let mut errors = FieldErrors::new();
    s.validate("p", &mut errors);
    assert!(errors.is_empty(), "{errors}");
    s.steps.swap(0, 1);
    s.steps[1].recorded_by.clear();
    s.validate("p", &mut errors);
    assert!(errors.has("p.steps[0].after"));
    assert!(errors.has("p.steps[1].recorded_by"));
}

#[test]
fn a_procedure_without_kind_or_start_takes_no_step() {
    let s = ProcedureSettings::default();
    let e = check_step(
        &s,
        Role::VillageCadre,
        &Procedure::default(),
        Step::Verification,
        &verification(),
    )
    .unwrap_err();
    assert_eq!(e, StepError::NotStarted);
}
