//! Pushes: stored once, judged for scope, against the catalogue, against forged history, authors, clocks and moves between villages.

use super::*;

/// Pushes are stored once, judged for scope, and pulled only in scope.
pub async fn push_is_idempotent_and_scoped(b: Arc<dyn Backend>) {
    let b = &*b;
    let (cadre, mut w) = actor(b, "cadre1", Role::VillageCadre, &[V1]).await;
    let mut r = replica();
    let h = household(0x100);
    let m = RowKey::new("member", Uuid::from_u128(0x101));
    let mut batch = w.create(
        &mut r,
        &h,
        &[("village_code", json!(V1)), ("head_name", json!("张三"))],
        1,
    );
    batch.extend(w.create(
        &mut r,
        &m,
        &[
            ("household_id", json!(h.id.to_string())),
            ("name", json!("李四")),
        ],
        1,
    ));
    let resp = push(b, &cadre, &batch).await;
    assert_eq!(
        (resp.accepted, resp.duplicates, resp.refusals.len()),
        (batch.len() as u32, 0, 0)
    );
    assert_eq!(resp.acknowledged_through, batch.len() as u64);
    assert!(resp.epoch.is_some(), "protocol 2 carries the epoch");
    let again = push(b, &cadre, &batch).await;
    assert_eq!(
        (again.accepted, again.duplicates),
        (0, batch.len() as u32),
        "a replayed batch is a no-op"
    );

    // Another village's household and a forbidden move are quarantined with reasons.
    let far = household(0x102);
    let out = w.create(&mut r, &far, &[("village_code", json!(V3))], 2);
    let moved = w.set(&mut r, &h, "village_code", json!(V2), 3).unwrap();
    let l = RowKey::new("ledger_item", Uuid::from_u128(0x103));
    let mut ledger = w.create(&mut r, &l, &[("household_id", json!(h.id.to_string()))], 4);
    let mut bad = w
        .transition(&mut r, &l, "status", LedgerStatus::NEW, 4)
        .unwrap();
    bad.op = Op::Transition {
        from: None,
        to: LedgerStatus::new(1, LedgerState::Closed),
    };
    ledger.push(bad);
    let mut second: Vec<Change> = out.clone();
    second.push(moved);
    second.extend(ledger);
    let resp = push(b, &cadre, &second).await;
    let c = codes(&resp);
    assert_eq!(
        c.iter().filter(|c| **c == RefusalCode::OutOfScope).count(),
        out.len() + 1,
        "{c:?}"
    );
    assert!(c.contains(&RefusalCode::InvalidTransition), "{c:?}");
    assert_eq!(
        resp.acknowledged_through,
        (batch.len() + second.len()) as u64,
        "quarantined changes are acknowledged too"
    );
    let replay = push(b, &cadre, &second).await;
    assert_eq!(
        replay.accepted + replay.refusals.len() as u32,
        0,
        "quarantined changes are not judged twice"
    );
    let v1 = b.push(cadre.clone(), 1, vec![], NOW).await.unwrap();
    assert_eq!(
        v1.protocol, 1,
        "a version 1 device is answered in version 1"
    );

    // Pull: the cadre sees their village only; a township supervisor sees both villages.
    let (other, mut w2) = actor(b, "cadre2", Role::VillageCadre, &[V2]).await;
    let h2 = household(0x200);
    let mut r2 = replica();
    let b2 = w2.create(&mut r2, &h2, &[("village_code", json!(V2))], 5);
    assert_eq!(push(b, &other, &b2).await.refusals.len(), 0);
    let (seen, _) = pull_all(b, &cadre).await;
    assert!(seen.is_alive(&h) && seen.is_alive(&m) && seen.is_alive(&l));
    assert!(
        !seen.is_alive(&h2) && !seen.is_alive(&far),
        "nothing out of scope leaks"
    );
    let (sup, _) = actor(b, "sup1", Role::TownshipSupervisor, &["530325101"]).await;
    let (all, _) = pull_all(b, &sup).await;
    assert!(all.is_alive(&h) && all.is_alive(&h2) && !all.is_alive(&far));
    let hist = b
        .history(sup.user.scope.clone(), h.clone(), "head_name".into())
        .await
        .unwrap();
    assert_eq!(hist.len(), 1);
    assert_eq!(hist[0].device, cadre.device.id);
    assert!(b
        .history(Scope::new([V3]), h.clone(), "head_name".into())
        .await
        .unwrap()
        .is_empty());
    let row = b
        .row(sup.user.scope.clone(), m.clone())
        .await
        .unwrap()
        .expect("the member's row");
    assert_eq!(
        (row.village.as_str(), row.household_id, &row.data["name"]),
        (V1, Some(h.id), &json!("李四"))
    );
    assert!(
        b.row(Scope::new([V3]), m).await.unwrap().is_none(),
        "rows are read in scope only"
    );
    assert_read_model(b).await;
}

/// Every pushed change fits the record catalogue: table, field, type, range, size.
pub async fn values_must_fit_the_catalogue(b: Arc<dyn Backend>) {
    let b = &*b;
    let (cadre, mut w) = actor(b, "typist", Role::VillageCadre, &[V1]).await;
    let mut r = replica();
    let h = household(0x500);
    let y = RowKey::new("income_year", Uuid::from_u128(0x501));
    let mut batch = w.create(&mut r, &h, &[("village_code", json!(V1))], 1);
    batch.extend(w.create(
        &mut r,
        &y,
        &[
            ("household_id", json!(h.id.to_string())),
            ("wage_fen", json!(123_456)),
        ],
        1,
    ));
    assert!(push(b, &cadre, &batch).await.refusals.is_empty());
    let mut bad = Vec::new();
    for v in [
        json!(123_456.5),
        json!(1e300),
        json!("一千元"),
        json!(true),
        json!(-5),
    ] {
        bad.push(w.set(&mut r, &y, "wage_fen", v, 2).unwrap());
    }
    bad.push(
        w.set(&mut r, &h, "phone", json!("1".repeat(5000)), 3)
            .unwrap(),
    );
    bad.push(
        w.set(&mut r, &h, "household_type", json!("rich"), 3)
            .unwrap(),
    );
    let mut deep = json!(1);
    for _ in 0..124 {
        deep = json!([deep]);
    }
    bad.push(w.set(&mut r, &h, "helper", deep, 3).unwrap());
    let mut unknown_table = w.set(&mut r, &h, "phone", json!("1"), 4).unwrap();
    unknown_table.row.table = "no_such_table".into();
    bad.push(unknown_table);
    let mut long_name = w.set(&mut r, &h, "phone", json!("1"), 4).unwrap();
    long_name.field = "f\u{0}".repeat(100_000);
    bad.push(long_name);
    let resp = push(b, &cadre, &bad).await;
    assert_eq!(resp.accepted, 0, "{:?}", resp.refusals);
    assert!(
        codes(&resp).iter().all(|c| *c == RefusalCode::InvalidValue),
        "{:?}",
        codes(&resp)
    );
    assert!(resp
        .refusals
        .iter()
        .all(|r| r.field.len() <= 64 && !r.field.contains('\u{0}')));
    assert_eq!(resp.acknowledged_through, (batch.len() + bad.len()) as u64);
    let v1 = b
        .push(
            cadre.clone(),
            1,
            vec![w.set(&mut r, &h, "phone", json!(5), 5).unwrap()],
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(
        v1.refusals[0].code,
        RefusalCode::Malformed,
        "version 1 devices read new codes as malformed"
    );
    assert_read_model(b).await;
}

/// Parents and covers must be versions the service holds, or the device's own earlier ones.
pub async fn history_cannot_be_forged(b: Arc<dyn Backend>) {
    let b = &*b;
    let (a, mut wa) = actor(b, "forger", Role::VillageCadre, &[V1]).await;
    let (o, mut wo) = actor(b, "honest", Role::VillageCadre, &[V1]).await;
    let mut ra = replica();
    let h = household(0x600);
    let base = wa.create(
        &mut ra,
        &h,
        &[("village_code", json!(V1)), ("phone", json!("1"))],
        1,
    );
    push(b, &a, &base).await;
    let mut ro = ra.clone();
    let first = wo.set(&mut ro, &h, "phone", json!("5"), 2).unwrap();
    push(b, &o, std::slice::from_ref(&first)).await;
    let mut selfish = wa.set(&mut ra, &h, "phone", json!("2"), 2).unwrap();
    selfish.parents = vec![selfish.id];
    let mut future = wa.set(&mut ra, &h, "phone", json!("3"), 3).unwrap();
    let o_next = VersionId {
        device: wo.device,
        seq: 2,
    };
    future.parents = vec![o_next];
    let mut too_many = wa.set(&mut ra, &h, "phone", json!("4"), 4).unwrap();
    too_many.parents = (1..=200_000)
        .map(|seq| VersionId {
            device: wa.device,
            seq,
        })
        .collect();
    let mut other_field = wa.set(&mut ra, &h, "address", json!("x"), 5).unwrap();
    other_field.parents = vec![first.id];
    let resp = push(b, &a, &[selfish, future, too_many, other_field]).await;
    assert_eq!(codes(&resp), vec![RefusalCode::UnknownParent; 4]);
    // The honest device's own next edit later takes the id the forger named: it stays a
    // head, so the value is seen and conflicts as it should.
    let edit = wo.set(&mut ro, &h, "phone", json!("9"), 6).unwrap();
    assert_eq!(edit.id, o_next);
    assert!(push(b, &o, &[edit]).await.refusals.is_empty());
    let (seen, _) = pull_all(b, &a).await;
    assert_eq!(seen.value(&h, "phone"), Some(json!("9")));
    assert_read_model(b).await;
}

/// One version id names one content forever.
pub async fn a_version_id_names_one_content(b: Arc<dyn Backend>) {
    let b = &*b;
    let (a, mut w) = actor(b, "reuser", Role::VillageCadre, &[V1]).await;
    let mut r = replica();
    let h = household(0x700);
    let batch = w.create(
        &mut r,
        &h,
        &[("village_code", json!(V1)), ("phone", json!("1"))],
        1,
    );
    push(b, &a, &batch).await;
    let mut reused = batch[2].clone();
    reused.op = Op::Set { value: json!("2") };
    match b.push(a.clone(), PROTOCOL_VERSION, vec![reused], NOW).await {
        Err(BackendError::VersionReused { stored_through, .. }) => assert_eq!(stored_through, 3),
        other => panic!("a reused id with another content: {other:?}"),
    }
    let (seen, _) = pull_all(b, &a).await;
    assert_eq!(
        seen.value(&h, "phone"),
        Some(json!("1")),
        "the stored content stands"
    );
}

/// The author is the pushing user, and clocks far ahead are refused.
pub async fn authors_and_clocks_are_checked(b: Arc<dyn Backend>) {
    let b = &*b;
    let (a, mut w) = actor(b, "clocky", Role::VillageCadre, &[V1]).await;
    let mut r = replica();
    let h = household(0x800);
    let mut batch = w.create(&mut r, &h, &[("village_code", json!(V1))], 1);
    let mut forged = w.set(&mut r, &h, "phone", json!("1"), 2).unwrap();
    forged.author = UserId(Uuid::from_u128(42));
    let mut ahead = w.set(&mut r, &h, "address", json!("x"), 3).unwrap();
    ahead.hlc.wall_ms = u64::MAX;
    batch.push(forged);
    batch.push(ahead);
    let resp = push(b, &a, &batch).await;
    assert_eq!(
        codes(&resp),
        vec![RefusalCode::WrongAuthor, RefusalCode::ClockAhead]
    );
    assert_read_model(b).await;
}

/// A child row cannot be moved to a household of another village.
pub async fn children_stay_in_their_village(b: Arc<dyn Backend>) {
    let b = &*b;
    let (a, mut w) = actor(b, "mover", Role::TownshipSupervisor, &["530325101"]).await;
    let (c202, _) = actor(b, "cadre202", Role::VillageCadre, &[V2]).await;
    let mut r = replica();
    let h1 = household(0x900);
    let h2 = household(0x901);
    let m = RowKey::new("member", Uuid::from_u128(0x902));
    let mut batch = w.create(&mut r, &h1, &[("village_code", json!(V1))], 1);
    batch.extend(w.create(&mut r, &h2, &[("village_code", json!(V2))], 1));
    batch.extend(w.create(&mut r, &m, &[("household_id", json!(h1.id.to_string()))], 1));
    push(b, &a, &batch).await;
    let mv = w
        .set(&mut r, &m, "household_id", json!(h2.id.to_string()), 2)
        .unwrap();
    let resp = push(b, &a, &[mv]).await;
    assert_eq!(
        codes(&resp),
        vec![RefusalCode::OutOfScope],
        "{:?}",
        resp.refusals
    );
    let (seen, _) = pull_all(b, &c202).await;
    assert!(!seen.is_alive(&m));
    assert_read_model(b).await;
}

/// A push given up on (its request past its time limit) leaves the writer to the next push
/// and is stored all or nothing: rolled back, or whole when its commit was already on its way
/// (on SQLite a commit after the cancellation is rolled back: see its own test).
pub async fn a_push_past_its_time_limit_rolls_back_and_frees_the_writer(b: Arc<dyn Backend>) {
    let b = &*b;
    let (a, mut w) = actor(b, "slow", Role::VillageCadre, &[V1]).await;
    let (other, mut ow) = actor(b, "next", Role::VillageCadre, &[V1]).await;
    let mut r = replica();
    let mut big = Vec::new();
    for i in 0..4_000u128 {
        big.extend(w.create(
            &mut r,
            &household(0x7000_0000 + i),
            &[
                ("village_code", json!(V1)),
                ("head_name", json!(format!("户主{i}"))),
                ("address", json!(format!("地址{i}"))),
            ],
            1,
        ));
    }
    let before = b.high_water().await.unwrap();
    let given_up = tokio::time::timeout(
        std::time::Duration::from_millis(5),
        b.push(a.clone(), PROTOCOL_VERSION, big.clone(), NOW),
    )
    .await;
    assert!(
        given_up.is_err(),
        "a push of {} changes takes longer than 5 ms, so it is given up",
        big.len()
    );
    let small = ow.create(
        &mut r,
        &household(0x7fff_0000),
        &[("village_code", json!(V1))],
        1,
    );
    // A guard, not a timing: a writer kept by the abandoned push would hang here.
    let next = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        b.push(other.clone(), PROTOCOL_VERSION, small.clone(), NOW),
    )
    .await
    .expect("the next push is not kept waiting for good by the abandoned one")
    .expect("push");
    assert_eq!(next.accepted as usize, small.len());
    let after = b.high_water().await.unwrap();
    let acked = b.sync_state(a.clone()).await.unwrap().acknowledged_through;
    let rolled_back = after == before + small.len() as u64 && acked == 0;
    let whole = after == before + (small.len() + big.len()) as u64 && acked == big.len() as u64;
    assert!(
        rolled_back || whole,
        "the abandoned push is stored all or nothing: {after} after {before}, acknowledged {acked}"
    );
    // The device sends it again, whole, and it is taken (or known).
    let again = push(b, &a, &big).await;
    assert_eq!((again.accepted + again.duplicates) as usize, big.len());
    assert_eq!(again.acknowledged_through, big.len() as u64);
    assert_read_model(b).await;
}
