//! Pulls: scope changes, the byte limit, epochs.

use super::*;

/// A shrunk scope removes rows and a grown one restarts the feed, until the device applies
/// the answer: a lost answer is simply asked again with the scope the device still holds.
pub async fn scope_changes_remove_and_restart_until_the_device_applies_them(b: Arc<dyn Backend>) {
    let b = &*b;
    let (o, mut w) = actor(b, "office", Role::Office, &[V1, V2]).await;
    let mut r = replica();
    let h1 = household(0x400);
    let h2 = household(0x401);
    let mut batch = w.create(&mut r, &h1, &[("village_code", json!(V1))], 1);
    batch.extend(w.create(&mut r, &h2, &[("village_code", json!(V2))], 1));
    push(b, &o, &batch).await;
    let held = |areas: &[&str]| Some(areas.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
    let req = |cursor, scope: Option<Vec<String>>| PullRequest {
        scope,
        ..pull_req(cursor, 5_000)
    };
    let first = b
        .pull(o.clone(), req(0, held(&[V1, V2])), usize::MAX)
        .await
        .unwrap();
    assert_eq!(first.scope, held(&[V1, V2]));
    let mut narrowed = o.clone();
    narrowed.user.scope = Scope::new([V1]);
    b.update_user(narrowed.user.clone()).await.unwrap();
    for _ in 0..2 {
        // The second time, the first answer was lost: the device still holds both villages.
        let next = b
            .pull(
                narrowed.clone(),
                req(first.next_cursor, held(&[V1, V2])),
                usize::MAX,
            )
            .await
            .unwrap();
        assert!(
            next.removed_rows.contains(&h2),
            "a row that leaves the scope is removed"
        );
        assert!(!next.removed_rows.contains(&h1));
        assert_eq!(next.scope, held(&[V1]));
    }
    let mut widened = narrowed.clone();
    widened.user.scope = Scope::new([V1, V2]);
    b.update_user(widened.user.clone()).await.unwrap();
    let back = b
        .pull(
            widened.clone(),
            req(first.next_cursor, held(&[V1])),
            usize::MAX,
        )
        .await
        .unwrap();
    assert!(back.reset, "a wider scope restarts the feed");
    assert!(back.changes.iter().any(|s| s.change.row == h2));
    let settled = b
        .pull(
            widened.clone(),
            req(back.next_cursor, held(&[V1, V2])),
            usize::MAX,
        )
        .await
        .unwrap();
    assert!(!settled.reset && settled.removed_rows.is_empty());
}

/// A pull answer is bounded by bytes as well as count.
pub async fn pulls_are_cut_by_bytes(b: Arc<dyn Backend>) {
    let b = &*b;
    let (a, mut w) = actor(b, "writer", Role::VillageCadre, &[V1]).await;
    let mut r = replica();
    let h = household(0xd00);
    let mut batch = w.create(&mut r, &h, &[("village_code", json!(V1))], 1);
    for i in 0..20 {
        batch.push(
            w.append(
                &mut r,
                &h,
                "visit_notes",
                json!(format!("{i}{}", "长".repeat(1990))),
                2 + i,
            )
            .unwrap(),
        );
    }
    assert!(push(b, &a, &batch).await.refusals.is_empty());
    let resp = b.pull(a.clone(), pull_req(0, 5_000), 20_000).await.unwrap();
    let bytes: usize = resp
        .changes
        .iter()
        .map(|s| serde_json::to_vec(&s.change).unwrap().len())
        .sum();
    assert!(
        resp.more && resp.changes.len() < batch.len(),
        "{} changes",
        resp.changes.len()
    );
    assert!(bytes <= 20_000 + 7_000, "{bytes} bytes");
    let one = b
        .pull(a.clone(), pull_req(resp.next_cursor, 5_000), 10)
        .await
        .unwrap();
    assert_eq!(one.changes.len(), 1, "one change always moves");
}

/// A new epoch (after a restore) makes devices from the old one pull again from its base.
pub async fn a_new_epoch_restarts_pulls_from_its_base(b: Arc<dyn Backend>) {
    let b = &*b;
    let (a, mut w) = actor(b, "epochal", Role::VillageCadre, &[V1]).await;
    let mut r = replica();
    let h = household(0xe00);
    push(
        b,
        &a,
        &w.create(&mut r, &h, &[("village_code", json!(V1))], 1),
    )
    .await;
    let state = b.sync_state(a.clone()).await.unwrap();
    assert_eq!(state.acknowledged_through, 2);
    let old = state.epoch.id.clone();
    let first = b
        .pull(a.clone(), pull_req(0, 100), usize::MAX)
        .await
        .unwrap();
    let e = b.new_epoch().await.unwrap();
    assert_ne!(e.id, old);
    assert_eq!(e.base, state.high_water);
    let again = b
        .pull(
            a.clone(),
            PullRequest {
                epoch: Some(old),
                ..pull_req(first.next_cursor + 1_000, 100)
            },
            usize::MAX,
        )
        .await
        .unwrap();
    assert_eq!(
        again.next_cursor, e.base,
        "a cursor beyond the base starts again from it"
    );
    assert_eq!(
        again.epoch.as_ref().map(|x| x.id.as_str()),
        Some(e.id.as_str())
    );
    assert_eq!(b.sync_state(a.clone()).await.unwrap().epoch, e);
}
