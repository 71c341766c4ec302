//! The suite every backend runs, so SQLite and PostgreSQL behave the same.
//! Each check panics with a message naming what differed.

use std::sync::Arc;

use fangpin_sync::wire::RefusalCode;
use fangpin_sync::{
    Change, ConflictKind, DeviceId, LedgerState, LedgerStatus, Replica, RowKey, Schema, UserId,
    Writer, ALIVE,
};
use serde_json::json;
use uuid::Uuid;

use crate::backend::{Backend, Resolution};
use crate::model::{Actor, Device, DeviceKind, Role, Scope, User};

/// Village codes the suite uses: two in one township, one in another.
pub const V1: &str = "530325101201";
/// A second village of the same township.
pub const V2: &str = "530325101202";
/// A village of another township.
pub const V3: &str = "530325102201";

async fn actor(b: &dyn Backend, name: &str, role: Role, scope: &[&str]) -> (Actor, Writer) {
    let user = User {
        id: Uuid::now_v7(),
        username: name.into(),
        display_name: name.into(),
        role,
        scope: Scope::new(scope.iter().copied()),
        disabled: false,
    };
    b.create_user(user.clone(), "not-a-real-hash".into())
        .await
        .expect("create user");
    let device = Device {
        id: Uuid::now_v7(),
        user_id: user.id,
        name: format!("{name}'s tablet"),
        kind: DeviceKind::Field,
        created_ms: 0,
        expires_ms: i64::MAX,
        revoked_ms: None,
    };
    b.create_device(device.clone(), "hash".into())
        .await
        .expect("create device");
    let writer = Writer::new(DeviceId(device.id), UserId(user.id));
    (Actor { user, device }, writer)
}

fn household(n: u128) -> RowKey {
    RowKey::new("household", Uuid::from_u128(n))
}

/// Pulls everything for an actor into a fresh replica.
async fn pull_all(b: &dyn Backend, a: &Actor) -> (Replica, Vec<Change>) {
    let mut r = Replica::new(Schema::fangpin());
    let mut cursor = 0;
    let mut all = Vec::new();
    loop {
        let resp = b.pull(a.clone(), cursor, 7).await.expect("pull");
        resp.verify().expect("checksum");
        assert_eq!(
            resp.more,
            resp.remaining > 0,
            "remaining counts what more promises"
        );
        for s in &resp.changes {
            assert!(s.seq > cursor, "pull returns changes after the cursor");
            r.apply(&s.change);
            all.push(s.change.clone());
        }
        cursor = resp.next_cursor;
        if !resp.more {
            break;
        }
    }
    (r, all)
}

/// Runs every check against a fresh, empty backend.
pub async fn run(b: Arc<dyn Backend>) {
    accounts(&*b).await;
    push_is_idempotent_and_scoped(&*b).await;
    conflicts_are_shown_and_resolved(&*b).await;
    attachments_resume_and_verify(&*b).await;
    scope_changes_remove_rows(&*b).await;
}

async fn accounts(b: &dyn Backend) {
    let (a, _) = actor(b, "acct", Role::Office, &[V1]).await;
    assert!(b.user_by_name("acct".into()).await.unwrap().is_some());
    let dup = b.create_user(a.user.clone(), "x".into()).await;
    assert!(
        matches!(dup, Err(crate::BackendError::Exists(_))),
        "a user name is unique"
    );
    let mut changed = a.user.clone();
    changed.disabled = true;
    changed.scope = Scope::new([V2]);
    b.update_user(changed.clone()).await.unwrap();
    assert_eq!(b.user(a.user.id).await.unwrap(), Some(changed));
    assert!(b.devices(Some(a.user.id)).await.unwrap().len() == 1);
    assert!(b.revoke_device(a.device.id, 5).await.unwrap());
    assert_eq!(
        b.device(a.device.id)
            .await
            .unwrap()
            .unwrap()
            .device
            .revoked_ms,
        Some(5)
    );
    assert!(!b.revoke_device(Uuid::nil(), 5).await.unwrap());
}

async fn push_is_idempotent_and_scoped(b: &dyn Backend) {
    let (cadre, mut w) = actor(b, "cadre1", Role::VillageCadre, &[V1]).await;
    let mut r = Replica::new(Schema::fangpin());
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
    let resp = b.push(cadre.clone(), batch.clone(), 10).await.unwrap();
    assert_eq!(
        (resp.accepted, resp.duplicates, resp.refusals.len()),
        (batch.len() as u32, 0, 0)
    );
    assert_eq!(resp.acknowledged_through, batch.len() as u64);
    let again = b.push(cadre.clone(), batch.clone(), 11).await.unwrap();
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
    bad.op = fangpin_sync::Op::Transition {
        from: None,
        to: LedgerStatus::new(1, LedgerState::Closed),
    };
    ledger.push(bad);
    let mut second: Vec<Change> = out.clone();
    second.push(moved);
    second.extend(ledger);
    let resp = b.push(cadre.clone(), second.clone(), 12).await.unwrap();
    let codes: Vec<RefusalCode> = resp.refusals.iter().map(|r| r.code).collect();
    assert_eq!(
        codes
            .iter()
            .filter(|c| **c == RefusalCode::OutOfScope)
            .count(),
        out.len() + 1,
        "{codes:?}"
    );
    assert!(codes.contains(&RefusalCode::InvalidTransition), "{codes:?}");
    assert_eq!(
        resp.acknowledged_through,
        (batch.len() + second.len()) as u64,
        "quarantined changes are acknowledged too"
    );
    let replay = b.push(cadre.clone(), second, 13).await.unwrap();
    assert_eq!(
        replay.accepted + replay.refusals.len() as u32,
        0,
        "quarantined changes are not judged twice"
    );

    // Pull: the cadre sees their village only; a township supervisor sees both villages.
    let (other, mut w2) = actor(b, "cadre2", Role::VillageCadre, &[V2]).await;
    let h2 = household(0x200);
    let mut r2 = Replica::new(Schema::fangpin());
    let b2 = w2.create(&mut r2, &h2, &[("village_code", json!(V2))], 5);
    assert_eq!(
        b.push(other.clone(), b2, 14).await.unwrap().refusals.len(),
        0
    );
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
    let progress = b.progress(sup.user.scope.clone()).await.unwrap();
    assert_eq!(progress.iter().map(|p| p.households).sum::<u64>(), 2);
}

async fn conflicts_are_shown_and_resolved(b: &dyn Backend) {
    let (a, mut wa) = actor(b, "ca", Role::VillageCadre, &[V1]).await;
    let (c, mut wc) = actor(b, "cb", Role::Helper, &[V1]).await;
    let (sup, _) = actor(b, "sup2", Role::TownshipSupervisor, &["530325101"]).await;
    let h = household(0x300);
    let mut ra = Replica::new(Schema::fangpin());
    let base = wa.create(
        &mut ra,
        &h,
        &[("village_code", json!(V1)), ("phone", json!("1"))],
        1,
    );
    b.push(a.clone(), base.clone(), 1).await.unwrap();
    let mut rc = Replica::new(Schema::fangpin());
    for ch in &base {
        rc.apply(ch);
    }
    let ea = wa.set(&mut ra, &h, "phone", json!("2"), 2).unwrap();
    let ec = wc.set(&mut rc, &h, "phone", json!("3"), 2).unwrap();
    b.push(a.clone(), vec![ea], 2).await.unwrap();
    b.push(c.clone(), vec![ec], 3).await.unwrap();
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
    let wrong = b
        .resolve(
            sup.clone(),
            h.clone(),
            "phone".into(),
            Resolution::Row { keep: true },
            4,
        )
        .await;
    assert!(
        wrong.is_err(),
        "a row resolution does not fit a value conflict"
    );
    let fix = b
        .resolve(
            sup.clone(),
            h.clone(),
            "phone".into(),
            Resolution::Value { value: json!("3") },
            4,
        )
        .await
        .unwrap();
    assert_eq!(fix.parents.len(), 2);
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
            5,
        )
        .await;
    assert!(again.is_err(), "nothing left to resolve");
    let (seen, _) = pull_all(b, &a).await;
    assert_eq!(seen.value(&h, "phone"), Some(json!("3")));
    assert!(seen.row_conflicts(&h).is_empty());

    // Edit against delete, resolved by restoring.
    let d = wa.delete(&mut ra, &h, 6);
    let e = wc.set(&mut rc, &h, "head_name", json!("王五"), 6).unwrap();
    b.push(a.clone(), vec![d], 6).await.unwrap();
    b.push(c.clone(), vec![e], 7).await.unwrap();
    let open = b.conflicts(sup.user.scope.clone()).await.unwrap();
    let ed: Vec<_> = open.iter().filter(|x| x.row == h).collect();
    assert_eq!(ed.len(), 1);
    assert_eq!(
        (ed[0].kind, ed[0].field.as_str()),
        (ConflictKind::EditDelete, ALIVE)
    );
    b.resolve(
        sup.clone(),
        h.clone(),
        ALIVE.into(),
        Resolution::Row { keep: true },
        8,
    )
    .await
    .unwrap();
    let (seen, _) = pull_all(b, &c).await;
    assert!(seen.is_alive(&h));
    assert_eq!(seen.value(&h, "head_name"), Some(json!("王五")));
    assert!(seen.row_conflicts(&h).is_empty());
}

async fn attachments_resume_and_verify(b: &dyn Backend) {
    use sha2::Digest;
    let data: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
    let hash: String = sha2::Sha256::digest(&data)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect();
    let size = data.len() as u64;
    let st = b
        .put_attachment(hash.clone(), size, 0, data[..4000].to_vec())
        .await
        .unwrap();
    assert_eq!((st.received, st.complete), (4000, false));
    assert!(
        b.put_attachment(hash.clone(), size, 6000, data[6000..].to_vec())
            .await
            .is_err(),
        "a gap is refused"
    );
    assert_eq!(
        b.attachment_status(hash.clone())
            .await
            .unwrap()
            .unwrap()
            .received,
        4000
    );
    assert!(
        b.attachment(hash.clone()).await.unwrap().is_none(),
        "incomplete is not served"
    );
    let st = b
        .put_attachment(hash.clone(), size, 4000, data[4000..].to_vec())
        .await
        .unwrap();
    assert!(st.complete);
    assert_eq!(
        b.attachment(hash.clone()).await.unwrap(),
        Some(data.clone())
    );
    let dedup = b
        .put_attachment(hash.clone(), size, 0, data.clone())
        .await
        .unwrap();
    assert!(
        dedup.complete,
        "a second upload of the same bytes is already complete"
    );
    let wrong = "0".repeat(64);
    assert!(
        b.put_attachment(wrong.clone(), 3, 0, vec![1, 2, 3])
            .await
            .is_err(),
        "bytes must match their hash"
    );
    assert!(b.attachment_status(wrong).await.unwrap().is_none());
}

async fn scope_changes_remove_rows(b: &dyn Backend) {
    let (o, mut w) = actor(b, "office", Role::Office, &[V1, V2]).await;
    let mut r = Replica::new(Schema::fangpin());
    let h1 = household(0x400);
    let h2 = household(0x401);
    let mut batch = w.create(&mut r, &h1, &[("village_code", json!(V1))], 1);
    batch.extend(w.create(&mut r, &h2, &[("village_code", json!(V2))], 1));
    b.push(o.clone(), batch, 1).await.unwrap();
    let first = b.pull(o.clone(), 0, 5_000).await.unwrap();
    let mut narrowed = o.clone();
    narrowed.user.scope = Scope::new([V1]);
    b.update_user(narrowed.user.clone()).await.unwrap();
    let next = b
        .pull(narrowed.clone(), first.next_cursor, 5_000)
        .await
        .unwrap();
    assert!(
        next.removed_rows.contains(&h2),
        "a row that leaves the scope is removed"
    );
    assert!(!next.removed_rows.contains(&h1));
    let mut widened = narrowed.clone();
    widened.user.scope = Scope::new([V1, V2]);
    b.update_user(widened.user.clone()).await.unwrap();
    let back = b
        .pull(widened.clone(), next.next_cursor, 5_000)
        .await
        .unwrap();
    assert!(back.reset, "a wider scope restarts the feed");
    assert!(back.changes.iter().any(|s| s.change.row == h2));
}
