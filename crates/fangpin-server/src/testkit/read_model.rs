//! The read model: heads only, progress figures, equality with a rebuild.

use super::*;

/// A field's stored state is its heads, however long its history: pushes cost what they touch.
pub async fn a_field_keeps_only_its_heads(b: Arc<dyn Backend>) {
    let b = &*b;
    let (a, mut w) = actor(b, "busy", Role::VillageCadre, &[V1]).await;
    let mut r = replica();
    let h = household(0xf00);
    let mut batch = w.create(&mut r, &h, &[("village_code", json!(V1))], 1);
    for i in 0..3_000 {
        batch.push(
            w.set(&mut r, &h, "phone", json!(i.to_string()), 2 + i)
                .unwrap(),
        );
    }
    for chunk in batch.chunks(1_000) {
        assert!(push(b, &a, chunk).await.refusals.is_empty());
    }
    let one = w.set(&mut r, &h, "address", json!("x"), 9_999).unwrap();
    assert_eq!(push(b, &a, &[one]).await.accepted, 1);
    let row = b
        .row(a.user.scope.clone(), h.clone())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.data["phone"], json!("2999"));
    assert_read_model(b).await;
}

/// Progress per village: households, screened this year, by type, open conflicts.
pub async fn progress_comes_from_the_read_model(b: Arc<dyn Backend>) {
    let b = &*b;
    let (a, mut w) = actor(b, "counter", Role::TownshipSupervisor, &["530325101"]).await;
    let mut r = replica();
    let mut batch = Vec::new();
    for (i, (village, kind, screened)) in [
        (V1, "formerly_poor", Some("2026-03-01")),
        (V1, "ordinary", Some("2025-12-31")),
        (V1, "monitored", None),
        (V2, "ordinary", Some("2026-05-05")),
    ]
    .into_iter()
    .enumerate()
    {
        let h = household(0x1000 + i as u128);
        batch.extend(w.create(
            &mut r,
            &h,
            &[
                ("village_code", json!(village)),
                ("household_type", json!(kind)),
                ("screened_on", json!(screened)),
            ],
            1,
        ));
    }
    let gone = household(0x1100);
    batch.extend(w.create(&mut r, &gone, &[("village_code", json!(V1))], 1));
    batch.push(w.delete(&mut r, &gone, 2));
    push(b, &a, &batch).await;
    let p = b
        .progress(a.user.scope.clone(), "2026-01-01".into())
        .await
        .unwrap();
    assert_eq!(p.len(), 2);
    assert_eq!(
        (
            p[0].village.as_str(),
            p[0].households,
            p[0].screened,
            p[0].formerly_poor,
            p[0].monitored,
            p[0].ordinary
        ),
        (V1, 3, 1, 1, 1, 1)
    );
    assert_eq!((p[1].households, p[1].screened, p[1].ordinary), (1, 1, 1));
    assert!(b
        .progress(Scope::new([V3]), "2026-01-01".into())
        .await
        .unwrap()
        .is_empty());
}

/// Random schedules with the step kinds of the merge engine's property tests (edits, deletes,
/// restores, ledger status moves, appends, resolutions by a supervisor, pulls and pushes in
/// random batches) from several devices with skewed clocks: after every step that changes the
/// service the read model equals a rebuild, and at the end the service's values and conflicts
/// are the engine's.
pub async fn the_read_model_equals_a_rebuild_after_random_pushes(b: Arc<dyn Backend>) {
    let (mut moved, mut resolved) = (0, 0);
    for seed in [7, 11, 23] {
        let (m, r) = random_schedule(&*b, seed).await;
        moved += m;
        resolved += r;
    }
    assert!(
        moved > 0 && resolved > 0,
        "the schedules move ledger items ({moved}) and resolve conflicts ({resolved})"
    );
}

/// Runs one schedule; returns how many status moves were made and conflicts resolved.
async fn random_schedule(b: &dyn Backend, seed: u64) -> (usize, usize) {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let (sup, _) = actor(
        b,
        &format!("sup{seed}"),
        Role::TownshipSupervisor,
        &["530325101"],
    )
    .await;
    let mut devices = Vec::new();
    for i in 0..3 {
        let name = format!("random{seed}-{i}");
        let (a, w) = actor(b, &name, Role::VillageCadre, &[V1]).await;
        // Clocks apart by up to a few seconds, as tablets are.
        let skew = rng.gen_range(0..5_000u64);
        devices.push((a, w, replica(), Vec::<Change>::new(), skew));
    }
    let base_id = u128::from(seed) << 64;
    let rows: Vec<RowKey> = (0..3).map(|i| household(base_id + i)).collect();
    let items: Vec<RowKey> = (0..2)
        .map(|i| RowKey::new("ledger_item", Uuid::from_u128(base_id + 0x100 + i)))
        .collect();
    {
        let (a, w, r, _, _) = &mut devices[0];
        let mut first = Vec::new();
        for h in &rows {
            first.extend(w.create(r, h, &[("village_code", json!(V1))], 1));
        }
        for l in &items {
            first.extend(w.create(r, l, &[("household_id", json!(rows[0].id.to_string()))], 1));
            first.push(w.transition(r, l, "status", LedgerStatus::NEW, 1).unwrap());
        }
        assert!(push(b, a, &first).await.refusals.is_empty());
        assert_read_model(b).await;
    }
    let fields = ["phone", "address", "head_name", "visit_notes"];
    let (mut moved, mut resolved) = (0, 0);
    let targets = [
        LedgerState::InProgress,
        LedgerState::Rectified,
        LedgerState::Closed,
        LedgerState::Found,
    ];
    for step in 0..80u64 {
        let d = rng.gen_range(0..devices.len());
        let (a, w, r, pending, skew) = &mut devices[d];
        let at = 10 + step * 100 + *skew;
        match rng.gen_range(0..14) {
            0..=4 => {
                let h = &rows[rng.gen_range(0..rows.len())];
                if r.is_alive(h) {
                    let f = fields[rng.gen_range(0..fields.len())];
                    let c = if f == "visit_notes" {
                        w.append(r, h, f, json!(format!("note {step}")), at)
                    } else {
                        w.set(r, h, f, json!(format!("{f} {step}")), at)
                    };
                    if let Ok(c) = c {
                        pending.push(c);
                    }
                }
            }
            5 => {
                let h = &rows[rng.gen_range(0..rows.len())];
                if r.is_alive(h) {
                    pending.push(w.delete(r, h, at));
                } else {
                    pending.push(w.restore(r, h, at));
                }
            }
            6 | 7 => {
                // A status move the item's current status allows, as the app offers them.
                let l = &items[rng.gen_range(0..items.len())];
                let now: Option<LedgerStatus> = r
                    .value(l, "status")
                    .and_then(|v| serde_json::from_value(v).ok());
                if let Some(now) = now {
                    let state = targets[rng.gen_range(0..targets.len())];
                    let round = if state == LedgerState::Found {
                        now.round + 1
                    } else {
                        now.round
                    };
                    if let Ok(c) = w.transition(r, l, "status", LedgerStatus::new(round, state), at)
                    {
                        pending.push(c);
                        moved += 1;
                    }
                }
            }
            8..=10 => {
                let n = rng.gen_range(0..=pending.len());
                let batch: Vec<Change> = pending.drain(..n).collect();
                let resp = push(b, a, &batch).await;
                let bad: Vec<_> = resp
                    .refusals
                    .iter()
                    .filter(|r| r.code != RefusalCode::NotPermitted)
                    .collect();
                assert!(bad.is_empty(), "seed {seed} step {step}: {bad:?}");
                assert_read_model(b).await;
            }
            11 => {
                // The supervisor resolves one open conflict, keeping its first head.
                let open = b.conflicts(sup.user.scope.clone()).await.unwrap();
                if let Some(c) = open.get(rng.gen_range(0..open.len().max(1))) {
                    let resolution = match c.kind {
                        // A delete and a restore at once: keep what the first head says.
                        _ if c.field == ALIVE => Resolution::Row {
                            keep: c.heads[0].value == json!(true),
                        },
                        ConflictKind::Value => Resolution::Value {
                            value: c.heads[0].value.clone(),
                        },
                        ConflictKind::Status => Resolution::Status {
                            status: serde_json::from_value(c.heads[0].value.clone()).unwrap(),
                        },
                        ConflictKind::EditDelete => Resolution::Row { keep: true },
                    };
                    b.resolve(sup.clone(), c.row.clone(), c.field.clone(), resolution, NOW)
                        .await
                        .unwrap_or_else(|e| panic!("seed {seed} step {step}: {c:?}: {e}"));
                    resolved += 1;
                    assert_read_model(b).await;
                }
            }
            _ => {
                let (seen, _) = pull_all(b, a).await;
                for c in seen.changes() {
                    r.apply(&c);
                }
            }
        }
    }
    for (a, _, _, pending, _) in &mut devices {
        let batch: Vec<Change> = std::mem::take(pending);
        push(b, a, &batch).await;
    }
    assert_read_model(b).await;
    let (all, _) = pull_all(b, &sup).await;
    let on_service = b.conflicts(sup.user.scope.clone()).await.unwrap();
    for h in rows.iter().chain(&items) {
        let row = b
            .row(sup.user.scope.clone(), h.clone())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.alive, all.is_alive(h), "seed {seed}: {h}");
        for f in fields.iter().chain(&["status"]) {
            if h.table == "household" && *f == "status"
                || h.table == "ledger_item" && *f != "status"
            {
                continue;
            }
            assert_eq!(
                row.data.get(*f).cloned(),
                all.value(h, f),
                "seed {seed}: {h}.{f}"
            );
        }
        let mut mine: Vec<_> = on_service.iter().filter(|c| c.row == *h).cloned().collect();
        let mut engine = all.row_conflicts(h);
        mine.sort_by(|a, b| a.field.cmp(&b.field));
        engine.sort_by(|a, b| a.field.cmp(&b.field));
        assert_eq!(
            mine, engine,
            "seed {seed}: {h}: the service's conflicts are the engine's"
        );
    }
    (moved, resolved)
}

/// The read model pages a table by village and id, after a row and for some households, only in
/// the scope asked: the paperwork streams a county this way.
pub async fn rows_are_paged_by_village_and_id(b: Arc<dyn Backend>) {
    use crate::backend::RowQuery;
    let b = &*b;
    let (cadre, mut w) = actor(b, "page1", Role::TownshipSupervisor, &["530325101"]).await;
    let mut batch = Vec::new();
    for n in 0..5u128 {
        let h = household(0xA00 + n);
        let village = if n % 2 == 0 { V1 } else { V2 };
        batch.extend(w.create(&mut replica(), &h, &[("village_code", json!(village))], 1));
        let m = RowKey::new("member", Uuid::from_u128(0xB00 + n));
        batch.extend(w.create(
            &mut replica(),
            &m,
            &[
                ("household_id", json!(h.id.to_string())),
                ("name", json!(format!("成员{n}"))),
            ],
            1,
        ));
    }
    let out_of_scope = household(0xA10);
    batch.extend(w.create(
        &mut replica(),
        &out_of_scope,
        &[("village_code", json!(V3))],
        1,
    ));
    let resp = push(b, &cadre, &batch).await;
    assert_eq!(
        codes(&resp),
        vec![RefusalCode::OutOfScope; 2],
        "the far household is refused"
    );
    let scope = cadre.user.scope.clone();
    let all = b.rows(scope.clone(), "household".into()).await.unwrap();
    assert_eq!(all.len(), 5);
    let mut paged = Vec::new();
    let mut after = None;
    loop {
        let page = b
            .rows_page(
                scope.clone(),
                RowQuery {
                    after: after.clone(),
                    limit: 2,
                    ..RowQuery::all("household")
                },
            )
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 2);
        after = page.last().map(|r| (r.village.clone(), r.key.id));
        paged.extend(page);
    }
    assert_eq!(paged, all, "pages add up to the whole, in order");
    assert!(all
        .windows(2)
        .all(|w| (&w[0].village, w[0].key.id) < (&w[1].village, w[1].key.id)));
    let two: Vec<Uuid> = all.iter().take(2).map(|r| r.key.id).collect();
    let members = b
        .rows_page(
            scope.clone(),
            RowQuery {
                households: Some(two.clone()),
                ..RowQuery::all("member")
            },
        )
        .await
        .unwrap();
    assert_eq!(members.len(), 2);
    assert!(members
        .iter()
        .all(|m| m.household_id.is_some_and(|h| two.contains(&h))));
    let none = b
        .rows_page(
            scope,
            RowQuery {
                households: Some(Vec::new()),
                ..RowQuery::all("member")
            },
        )
        .await
        .unwrap();
    assert!(none.is_empty());
    let v1_only = b.rows(Scope::new([V1]), "household".into()).await.unwrap();
    assert_eq!(v1_only.len(), 3);
}
