//! The workflow on the service: a procedure's steps judged by role, order, notice length and
//! contents under the area's policy, two cadres' concurrent 入户核实 kept as a conflict, and the
//! township's records (campaigns) refused to village roles.

use super::*;

fn step(
    w: &mut Writer,
    r: &mut Replica,
    p: &RowKey,
    field: &str,
    v: serde_json::Value,
    t: u64,
) -> Change {
    w.set(r, p, field, v, t).expect("set")
}

/// Each step by its role, in order, is accepted; the wrong role, the wrong order, a short notice
/// and a missing consent are refused with the rule named; two cadres recording 入户核实 offline
/// with different records make a conflict a supervisor sees.
pub async fn procedure_steps_are_judged_by_the_areas_policy(b: Arc<dyn Backend>) {
    let b = &*b;
    let (cadre, mut wc) = actor(b, "pc1", Role::VillageCadre, &[V1]).await;
    let (helper, mut wh) = actor(b, "ph1", Role::Helper, &[V1]).await;
    let (town, mut wt) = actor(b, "pt1", Role::TownshipSupervisor, &["530325101"]).await;
    let (county, mut wk) = actor(b, "pk1", Role::CountyAdmin, &["530325"]).await;
    let mut r = replica();
    let h = household(0x700);
    let p = RowKey::new("procedure", Uuid::from_u128(0x701));
    let mut batch = wc.create(&mut r, &h, &[("village_code", json!(V1))], 1);
    batch.extend(wc.create(
        &mut r,
        &p,
        &[
            ("household_id", json!(h.id.to_string())),
            ("kind", json!("identification")),
            ("channel", json!("cadre_visit")),
            ("started_on", json!("2026-03-02")),
        ],
        1,
    ));
    assert!(push(b, &cadre, &batch).await.refusals.is_empty());

    // Out of order: 民主评议 before 入户核实.
    let appraisal = json!({"on": "2026-03-04", "attendance": 21, "in_favour": 20, "passed": true});
    let early = step(&mut wc, &mut r, &p, "appraisal", appraisal.clone(), 2);
    let resp = push(b, &cadre, &[early]).await;
    assert_eq!(codes(&resp), vec![RefusalCode::InvalidTransition]);
    assert!(
        resp.refusals[0].reason.contains("needs verification first"),
        "{}",
        resp.refusals[0].reason
    );
    assert!(
        resp.refusals[0].reason.contains("请先完成“入户核实”"),
        "{}",
        resp.refusals[0].reason
    );
    assert_eq!(
        resp.refusals[0].reason_zh.as_deref(),
        Some("请先完成“入户核实”，再登记“民主评议”。"),
        "the device shows the rule's own Chinese words"
    );

    // Missing consent, then the wrong role.
    let no_consent = json!({"on": "2026-03-03", "by": "李四", "checklist_done": true});
    let c = step(&mut wc, &mut r, &p, "verification", no_consent, 3);
    let resp = push(b, &cadre, &[c]).await;
    assert_eq!(codes(&resp), vec![RefusalCode::InvalidValue]);
    assert!(resp.refusals[0].reason.contains("承诺授权书"));
    let verification = json!({"on": "2026-03-03", "by": "李四", "checklist_done": true, "consent_signature": "ab".repeat(32)});
    let mut rt = replica();
    for ch in &batch {
        rt.apply(ch);
    }
    let by_town = step(
        &mut wt,
        &mut rt,
        &p,
        "verification",
        verification.clone(),
        3,
    );
    assert_eq!(
        codes(&push(b, &town, &[by_town]).await),
        vec![RefusalCode::NotPermitted]
    );

    // Two cadres record 入户核实 offline, differently: both kept, a conflict for the supervisor.
    let mut rh = replica();
    for ch in &batch {
        rh.apply(ch);
    }
    let mine = step(&mut wc, &mut r, &p, "verification", verification.clone(), 4);
    let mut other = verification.clone();
    other["note"] = json!("另一名干部的记录");
    let theirs = step(&mut wh, &mut rh, &p, "verification", other, 4);
    assert!(push(b, &cadre, &[mine]).await.refusals.is_empty());
    assert!(push(b, &helper, &[theirs]).await.refusals.is_empty());
    let open = b.conflicts(town.user.scope.clone()).await.unwrap();
    assert!(open.iter().any(|x| x.row == p && x.field == "verification"));
    let resolved = b
        .resolve(
            town.clone(),
            p.clone(),
            "verification".into(),
            Resolution::Value {
                value: verification.clone(),
            },
            NOW,
        )
        .await
        .expect("the supervisor resolves the step");
    r.apply(&resolved);

    // The rest in order; a notice of four days is refused, five accepted.
    let a = step(&mut wc, &mut r, &p, "appraisal", appraisal, 5);
    let cmp = json!({"on": "2026-03-04", "items": ["车辆"], "consistent": true});
    let (mut rk, _) = pull_all(b, &county).await;
    let resp = push(b, &cadre, &[a]).await;
    assert!(resp.refusals.is_empty(), "{:?}", resp.refusals);
    let cm = step(&mut wk, &mut rk, &p, "comparison", cmp, 5);
    assert!(push(b, &county, std::slice::from_ref(&cm))
        .await
        .refusals
        .is_empty());
    r.apply(&cm);
    let short = step(
        &mut wc,
        &mut r,
        &p,
        "publicity",
        json!({"from": "2026-03-05", "to": "2026-03-08", "passed": true}),
        6,
    );
    let resp = push(b, &cadre, &[short]).await;
    assert_eq!(codes(&resp), vec![RefusalCode::InvalidValue]);
    assert!(
        resp.refusals[0].reason.contains("不得少于5天"),
        "{}",
        resp.refusals[0].reason
    );
    let notice = step(
        &mut wc,
        &mut r,
        &p,
        "publicity",
        json!({"from": "2026-03-05", "to": "2026-03-09", "passed": true}),
        7,
    );
    assert!(push(b, &cadre, std::slice::from_ref(&notice))
        .await
        .refusals
        .is_empty());
    // 乡镇审核 by the township, then a cadre's 县级审定 is refused and the county's accepted.
    let (mut rt, _) = pull_all(b, &town).await;
    let review = step(
        &mut wt,
        &mut rt,
        &p,
        "township_review",
        json!({"on": "2026-03-10", "by": "王镇长", "approved": true}),
        8,
    );
    let resp = push(b, &town, std::slice::from_ref(&review)).await;
    assert!(resp.refusals.is_empty(), "{:?}", resp.refusals);
    r.apply(&review);
    let decision = json!({"on": "2026-03-12", "approved": true, "document": "富乡振发〔2026〕12号", "monitoring_type": "sudden_hardship"});
    let by_cadre = step(&mut wc, &mut r, &p, "county_decision", decision.clone(), 9);
    assert_eq!(
        codes(&push(b, &cadre, &[by_cadre]).await),
        vec![RefusalCode::NotPermitted]
    );
    let (mut rk2, _) = pull_all(b, &county).await;
    let by_county = step(&mut wk, &mut rk2, &p, "county_decision", decision, 9);
    let resp = push(b, &county, &[by_county]).await;
    assert!(resp.refusals.is_empty(), "{:?}", resp.refusals);
}

/// Campaigns and assignments are the township's: a cadre's are refused, a supervisor's accepted.
pub async fn township_records_are_written_by_the_township(b: Arc<dyn Backend>) {
    let b = &*b;
    let (cadre, mut wc) = actor(b, "tc1", Role::VillageCadre, &[V1]).await;
    let (town, mut wt) = actor(b, "tt1", Role::TownshipSupervisor, &["530325101"]).await;
    let campaign = RowKey::new("campaign", Uuid::from_u128(0x801));
    let fields = [
        ("name", json!("2026年春季排查整改行动")),
        ("area_code", json!("530325101000")),
    ];
    let by_cadre = wc.create(&mut replica(), &campaign, &fields, 1);
    let resp = push(b, &cadre, &by_cadre).await;
    assert!(!resp.refusals.is_empty());
    assert!(codes(&resp)
        .iter()
        .all(|c| matches!(c, RefusalCode::NotPermitted | RefusalCode::OutOfScope)));
    let by_town = wt.create(&mut replica(), &campaign, &fields, 1);
    let resp = push(b, &town, &by_town).await;
    assert!(resp.refusals.is_empty(), "{:?}", resp.refusals);
    let assignment = RowKey::new("assignment", Uuid::from_u128(0x802));
    let a = [
        ("campaign_id", json!(campaign.id.to_string())),
        ("village_code", json!(V1)),
        ("duty", json!("village_cadre")),
        ("person_id", json!(cadre.user.id.to_string())),
    ];
    assert!(
        push(b, &town, &wt.create(&mut replica(), &assignment, &a, 2))
            .await
            .refusals
            .is_empty()
    );
    // The village cadre holds the assignment but not the township's campaign row.
    let (mut rc, pulled) = pull_all(b, &cadre).await;
    assert!(pulled.iter().any(|c| c.row == assignment));
    assert!(pulled.iter().all(|c| c.row != campaign));
    let edit = wc
        .set(&mut rc, &assignment, "duty", json!("helper"), 3)
        .unwrap();
    assert_eq!(
        codes(&push(b, &cadre, &[edit]).await),
        vec![RefusalCode::NotPermitted]
    );
}

/// The office writes through the service: a problem found by 巡视 entered by the township for a
/// household reaches the cadre's pull; a write the rules refuse writes nothing and says why;
/// the read model lists the rows of a table in a scope.
pub async fn office_writes_are_judged_and_reach_devices(b: Arc<dyn Backend>) {
    use crate::office::OfficeWrite;
    let b = &*b;
    let (cadre, mut wc) = actor(b, "oc1", Role::VillageCadre, &[V1]).await;
    let (town, _) = actor(b, "ot1", Role::TownshipSupervisor, &["530325101"]).await;
    let h = household(0x900);
    let batch = wc.create(
        &mut replica(),
        &h,
        &[("village_code", json!(V1)), ("head_name", json!("赵六"))],
        1,
    );
    assert!(push(b, &cadre, &batch).await.refusals.is_empty());
    let item = RowKey::new("ledger_item", Uuid::from_u128(0x901));
    let write = OfficeWrite {
        row: item.clone(),
        create: true,
        fields: vec![
            ("household_id".into(), json!(h.id.to_string())),
            ("village_code".into(), json!(V1)),
            ("source".into(), json!("inspection")),
            ("problem_type".into(), json!("housing")),
            ("description".into(), json!("巡视发现房屋漏雨未整改")),
            ("deadline".into(), json!("2026-12-31")),
            ("status".into(), LedgerStatus::NEW.to_value()),
        ],
    };
    let report = b
        .office_write(
            town.user.clone(),
            town.policy.clone(),
            vec![write.clone()],
            NOW,
        )
        .await
        .expect("the township enters the problem");
    assert_eq!(report.changes, 8);
    let (r, pulled) = pull_all(b, &cadre).await;
    assert!(pulled.iter().any(|c| c.row == item));
    assert_eq!(r.value(&item, "source"), Some(json!("inspection")));
    assert!(pulled
        .iter()
        .filter(|c| c.row == item)
        .all(|c| c.author == UserId(town.user.id)));
    // Entering it again is refused (the row exists); a cadre may not write a campaign.
    assert!(b
        .office_write(town.user.clone(), town.policy.clone(), vec![write], NOW)
        .await
        .is_err());
    let campaign = OfficeWrite {
        row: RowKey::new("campaign", Uuid::from_u128(0x902)),
        create: true,
        fields: vec![
            ("name".into(), json!("行动")),
            ("area_code".into(), json!("530325101000")),
        ],
    };
    let e = b
        .office_write(
            cadre.user.clone(),
            cadre.policy.clone(),
            vec![campaign.clone()],
            NOW,
        )
        .await
        .unwrap_err();
    assert!(matches!(e, BackendError::Refused(_)), "{e}");
    assert!(
        b.rows(town.user.scope.clone(), "campaign".into())
            .await
            .unwrap()
            .is_empty(),
        "nothing was written"
    );
    b.office_write(town.user.clone(), town.policy.clone(), vec![campaign], NOW)
        .await
        .expect("the township's campaign");
    let rows = b
        .rows(town.user.scope.clone(), "ledger_item".into())
        .await
        .unwrap();
    assert!(rows
        .iter()
        .any(|r| r.key == item && r.data["source"] == json!("inspection")));
    assert!(b
        .rows(Scope::new([V3]), "ledger_item".into())
        .await
        .unwrap()
        .iter()
        .all(|r| r.key != item));
    assert_eq!(
        b.rows(town.user.scope.clone(), "campaign".into())
            .await
            .unwrap()
            .len(),
        1
    );
    // The service's own numbering goes on after office writes: a resolution still works.
    assert!(b
        .rows(town.user.scope.clone(), "no_such_table".into())
        .await
        .is_err());
}
