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

/// Random concurrent edits from several devices, pushed in random batches: after every push
/// the read model equals a rebuild, and pulls converge on the same values.
pub async fn the_read_model_equals_a_rebuild_after_random_pushes(b: Arc<dyn Backend>) {
    use rand::{Rng, SeedableRng};
    let b = &*b;
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let (sup, _) = actor(b, "sup5", Role::TownshipSupervisor, &["530325101"]).await;
    let mut devices = Vec::new();
    for i in 0..3 {
        let (a, w) = actor(b, &format!("random{i}"), Role::VillageCadre, &[V1]).await;
        devices.push((a, w, replica(), Vec::<Change>::new()));
    }
    let rows: Vec<RowKey> = (0..4).map(|i| household(0x2000 + i)).collect();
    {
        let (a, w, r, _) = &mut devices[0];
        let mut base = Vec::new();
        for h in &rows {
            base.extend(w.create(r, h, &[("village_code", json!(V1))], 1));
        }
        push(b, a, &base).await;
    }
    let fields = ["phone", "address", "head_name", "visit_notes"];
    for step in 0..60u64 {
        let d = rng.gen_range(0..devices.len());
        let (a, w, r, pending) = &mut devices[d];
        match rng.gen_range(0..10) {
            0..=5 => {
                let h = &rows[rng.gen_range(0..rows.len())];
                if r.is_alive(h) {
                    let f = fields[rng.gen_range(0..fields.len())];
                    let c = if f == "visit_notes" {
                        w.append(r, h, f, json!(format!("note {step}")), 10 + step)
                    } else {
                        w.set(r, h, f, json!(format!("{f} {step}")), 10 + step)
                    };
                    if let Ok(c) = c {
                        pending.push(c);
                    }
                }
            }
            6 => {
                let h = &rows[rng.gen_range(0..rows.len())];
                if r.is_alive(h) {
                    pending.push(w.delete(r, h, 10 + step));
                }
            }
            7 | 8 => {
                let n = rng.gen_range(0..=pending.len());
                let batch: Vec<Change> = pending.drain(..n).collect();
                let resp = push(b, a, &batch).await;
                let bad: Vec<_> = resp
                    .refusals
                    .iter()
                    .filter(|r| r.code != RefusalCode::NotPermitted)
                    .collect();
                assert!(bad.is_empty(), "{bad:?}");
                assert_read_model(b).await;
            }
            _ => {
                let (seen, _) = pull_all(b, a).await;
                for c in seen.changes() {
                    r.apply(&c);
                }
            }
        }
    }
    for (a, _, _, pending) in &mut devices {
        let batch: Vec<Change> = std::mem::take(pending);
        push(b, a, &batch).await;
    }
    assert_read_model(b).await;
    let (all, _) = pull_all(b, &sup).await;
    for h in &rows {
        let row = b
            .row(sup.user.scope.clone(), h.clone())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.alive, all.is_alive(h), "{h}");
        for f in fields {
            assert_eq!(row.data.get(f).cloned(), all.value(h, f), "{h}.{f}");
        }
        let on_service = b.conflicts(sup.user.scope.clone()).await.unwrap();
        let mut mine: Vec<_> = on_service.into_iter().filter(|c| c.row == *h).collect();
        let mut engine = all.row_conflicts(h);
        mine.sort_by(|a, b| a.field.cmp(&b.field));
        engine.sort_by(|a, b| a.field.cmp(&b.field));
        assert_eq!(
            mine, engine,
            "{h}: the service's conflicts are the engine's"
        );
    }
}
