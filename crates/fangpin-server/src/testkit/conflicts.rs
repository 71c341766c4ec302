//! Conflicts and their resolution by supervisors, and the quarantine of refused changes.

use super::*;

/// Conflicts are shown in scope and resolved by supervisors only, on the service and by push.
pub async fn conflicts_are_shown_and_resolved_by_supervisors_only(b: Arc<dyn Backend>) {
    let b = &*b;
    let (a, mut wa) = actor(b, "ca", Role::VillageCadre, &[V1]).await;
    let (c, mut wc) = actor(b, "cb", Role::Helper, &[V1]).await;
    let (sup, _) = actor(b, "sup2", Role::TownshipSupervisor, &["530325101"]).await;
    let h = household(0x300);
    let mut ra = replica();
    let base = wa.create(
        &mut ra,
        &h,
        &[("village_code", json!(V1)), ("phone", json!("1"))],
        1,
    );
    push(b, &a, &base).await;
    let mut rc = replica();
    for ch in &base {
        rc.apply(ch);
    }
    let ea = wa.set(&mut ra, &h, "phone", json!("2"), 2).unwrap();
    let ec = wc.set(&mut rc, &h, "phone", json!("3"), 2).unwrap();
    push(b, &a, std::slice::from_ref(&ea)).await;
    push(b, &c, std::slice::from_ref(&ec)).await;
    let open = b.conflicts(sup.user.scope.clone()).await.unwrap();
    let mine: Vec<_> = open.iter().filter(|x| x.row == h).collect();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].kind, ConflictKind::Value);
    assert!(b
        .conflicts(Scope::new([V3]))
        .await
        .unwrap()
        .iter()
        .all(|x| x.row != h));
    // A cadre who saw both values cannot resolve by pushing a value over both heads.
    rc.apply(&ea);
    let by_cadre = wc.set(&mut rc, &h, "phone", json!("4"), 3).unwrap();
    assert_eq!(by_cadre.parents.len(), 2);
    assert_eq!(
        codes(&push(b, &c, &[by_cadre]).await),
        vec![RefusalCode::NotPermitted]
    );
    let wrong = b
        .resolve(
            sup.clone(),
            h.clone(),
            "phone".into(),
            Resolution::Row { keep: true },
            NOW,
        )
        .await;
    assert!(
        wrong.is_err(),
        "a row resolution does not fit a value conflict"
    );
    let outside = b
        .resolve(
            sup.clone(),
            household(0x399),
            "phone".into(),
            Resolution::Value { value: json!("3") },
            NOW,
        )
        .await;
    assert!(matches!(outside, Err(BackendError::NotFound(_))));
    let fix = b
        .resolve(
            sup.clone(),
            h.clone(),
            "phone".into(),
            Resolution::Value { value: json!("3") },
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(fix.parents.len(), 2);
    assert_eq!(fix.author, UserId(sup.user.id));
    assert!(b
        .conflicts(sup.user.scope.clone())
        .await
        .unwrap()
        .iter()
        .all(|x| x.row != h));
    let again = b
        .resolve(
            sup.clone(),
            h.clone(),
            "phone".into(),
            Resolution::Value { value: json!("4") },
            NOW,
        )
        .await;
    assert!(again.is_err(), "nothing left to resolve");
    let (seen, _) = pull_all(b, &a).await;
    assert_eq!(seen.value(&h, "phone"), Some(json!("3")));
    assert!(seen.row_conflicts(&h).is_empty());

    // Edit against delete: a cadre may not restore over it; a supervisor restores.
    let mut ra = seen;
    let mut rc = ra.clone();
    let d = wa.delete(&mut ra, &h, 6);
    let e = wc.set(&mut rc, &h, "head_name", json!("王五"), 6).unwrap();
    push(b, &a, std::slice::from_ref(&d)).await;
    push(b, &c, &[e]).await;
    let open = b.conflicts(sup.user.scope.clone()).await.unwrap();
    let ed: Vec<_> = open.iter().filter(|x| x.row == h).collect();
    assert_eq!(ed.len(), 1);
    assert_eq!(
        (ed[0].kind, ed[0].field.as_str()),
        (ConflictKind::EditDelete, ALIVE)
    );
    rc.apply(&d);
    let restore = wc.restore(&mut rc, &h, 7);
    assert_eq!(
        codes(&push(b, &c, &[restore]).await),
        vec![RefusalCode::NotPermitted]
    );
    b.resolve(
        sup.clone(),
        h.clone(),
        ALIVE.into(),
        Resolution::Row { keep: true },
        NOW,
    )
    .await
    .unwrap();
    let (seen, _) = pull_all(b, &c).await;
    assert!(seen.is_alive(&h));
    assert_eq!(seen.value(&h, "head_name"), Some(json!("王五")));
    assert!(seen.row_conflicts(&h).is_empty());
    assert_read_model(b).await;
}

/// A resolution through the service is numbered by the service's own device, never by the
/// supervisor's field device, whose unpushed changes keep their numbers.
pub async fn resolutions_never_take_a_devices_sequence_numbers(b: Arc<dyn Backend>) {
    let b = &*b;
    let (sup, mut ws) = actor(b, "sup3", Role::TownshipSupervisor, &["530325101"]).await;
    let (c, mut wc) = actor(b, "cc", Role::VillageCadre, &[V1]).await;
    let mut rs = replica();
    let h = household(0xa00);
    let base = ws.create(
        &mut rs,
        &h,
        &[("village_code", json!(V1)), ("phone", json!("1"))],
        1,
    );
    push(b, &sup, &base).await;
    let mut rc = rs.clone();
    let mine = ws.set(&mut rs, &h, "phone", json!("2"), 2).unwrap();
    let theirs = wc.set(&mut rc, &h, "phone", json!("3"), 2).unwrap();
    push(b, &sup, &[mine]).await;
    push(b, &c, &[theirs]).await;
    // The supervisor's tablet has an unpushed change (its next sequence number) while the
    // supervisor resolves from the conflicts endpoint with the same credential.
    let unpushed = ws.set(&mut rs, &h, "address", json!("新地址"), 3).unwrap();
    let fix = b
        .resolve(
            sup.clone(),
            h.clone(),
            "phone".into(),
            Resolution::Value { value: json!("3") },
            NOW,
        )
        .await
        .unwrap();
    assert_ne!(
        fix.id.device, ws.device,
        "the service's own device writes resolutions"
    );
    let resp = push(b, &sup, &[unpushed]).await;
    assert_eq!(
        (resp.accepted, resp.duplicates),
        (1, 0),
        "the device's own change is not taken for a duplicate"
    );
    let (seen, _) = pull_all(b, &c).await;
    assert_eq!(seen.value(&h, "address"), Some(json!("新地址")));
    // After a restore the service's resolutions since the backup are lost, while devices may
    // hold them: a new epoch gives the service's resolutions a device id of their own.
    let mut rc2 = seen.clone();
    let mut rs2 = seen.clone();
    let a2 = ws.set(&mut rs2, &h, "phone", json!("4"), 4).unwrap();
    let b2 = wc.set(&mut rc2, &h, "phone", json!("5"), 4).unwrap();
    push(b, &sup, &[a2]).await;
    push(b, &c, &[b2]).await;
    b.new_epoch().await.unwrap();
    let after = b
        .resolve(
            sup.clone(),
            h.clone(),
            "phone".into(),
            Resolution::Value { value: json!("5") },
            NOW,
        )
        .await
        .unwrap();
    assert_ne!(
        after.id.device, fix.id.device,
        "resolutions after a new epoch never reuse the old epoch's version ids"
    );
    assert_eq!(after.id.seq, 1);
    assert_read_model(b).await;
}

/// Refused changes are listed for the office and accepted once the office fixes the cause.
pub async fn quarantine_is_visible_and_released_once_the_cause_is_fixed(b: Arc<dyn Backend>) {
    let b = &*b;
    let (cadre, mut w) = actor(b, "newcomer", Role::VillageCadre, &[V1]).await;
    let mut r = replica();
    let h = household(0xb00);
    let m = RowKey::new("member", Uuid::from_u128(0xb01));
    let mut batch = w.create(
        &mut r,
        &h,
        &[("village_code", json!(V2)), ("head_name", json!("赵六"))],
        1,
    );
    batch.extend(w.create(
        &mut r,
        &m,
        &[
            ("household_id", json!(h.id.to_string())),
            ("name", json!("赵小")),
        ],
        1,
    ));
    let resp = push(b, &cadre, &batch).await;
    assert_eq!(resp.refusals.len(), batch.len());
    let q = b
        .quarantine(Scope::new(["530325101"]), None, 100)
        .await
        .unwrap();
    assert_eq!(q.len(), batch.len());
    assert!(q
        .iter()
        .all(|q| q.code == "out_of_scope" && !q.reason.is_empty()));
    assert!(b
        .quarantine(Scope::new([V3]), None, 100)
        .await
        .unwrap()
        .is_empty());
    // The office widens the cadre's scope and releases the device's quarantine.
    let mut wider = cadre.user.clone();
    wider.scope = Scope::new([V1, V2]);
    b.update_user(wider).await.unwrap();
    let report = b
        .release_quarantine(cadre.device.id, cadre.policy.clone(), NOW)
        .await
        .unwrap();
    assert_eq!(
        (report.judged, report.accepted, report.still_refused),
        (batch.len() as u64, batch.len() as u64, 0)
    );
    assert!(b
        .quarantine(Scope::new(["530325101"]), None, 100)
        .await
        .unwrap()
        .is_empty());
    let (sup, _) = actor(b, "sup4", Role::TownshipSupervisor, &["530325101"]).await;
    let (seen, _) = pull_all(b, &sup).await;
    assert_eq!(seen.value(&h, "head_name"), Some(json!("赵六")));
    assert_eq!(seen.value(&m, "name"), Some(json!("赵小")));
    assert_read_model(b).await;
}
