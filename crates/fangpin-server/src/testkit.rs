//! The suite every backend runs, so SQLite and PostgreSQL behave the same. Each case is its
//! own function over a fresh backend, and [`crate::backend_suite!`] makes each a named test
//! in the backend's crate, so one failure does not hide the rest. Every case that writes ends
//! by checking that the read model equals a rebuild from the changes.

use std::sync::Arc;

use fangpin_sync::wire::{PullRequest, RefusalCode, PROTOCOL_VERSION};
use fangpin_sync::{
    Change, ConflictKind, DeviceId, LedgerState, LedgerStatus, Op, Replica, RowKey, UserId,
    VersionId, Writer, ALIVE,
};
use serde_json::json;
use uuid::Uuid;

use crate::attachment::{sha256_hex, Quota};
use crate::backend::{Backend, BackendError, Chunk, Resolution};
use crate::model::{Actor, Device, DeviceKind, Role, Scope, User};

/// Village codes the suite uses: two in one township, one in another.
pub const V1: &str = "530325101201";
/// A second village of the same township.
pub const V2: &str = "530325101202";
/// A village of another township.
pub const V3: &str = "530325102201";

/// Makes each case of the suite a named `#[tokio::test]`; `$with` is an async function that
/// makes a fresh backend, runs the case on it and cleans up.
#[macro_export]
macro_rules! backend_suite {
    ($with:path) => {
        $crate::backend_suite!(@cases $with;
            accounts_are_managed,
            push_is_idempotent_and_scoped,
            values_must_fit_the_catalogue,
            history_cannot_be_forged,
            a_version_id_names_one_content,
            authors_and_clocks_are_checked,
            children_stay_in_their_village,
            conflicts_are_shown_and_resolved_by_supervisors_only,
            resolutions_never_take_a_devices_sequence_numbers,
            quarantine_is_visible_and_released_once_the_cause_is_fixed,
            attachments_belong_to_their_device_and_their_rows,
            scope_changes_remove_and_restart_until_the_device_applies_them,
            pulls_are_cut_by_bytes,
            a_new_epoch_restarts_pulls_from_its_base,
            a_field_keeps_only_its_heads,
            progress_comes_from_the_read_model,
            the_read_model_equals_a_rebuild_after_random_pushes,
        );
    };
    (@cases $with:path; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                $with($crate::testkit::$case).await;
            }
        )*
    };
}

/// A user with one field device, and a writer for that device.
pub async fn actor(b: &dyn Backend, name: &str, role: Role, scope: &[&str]) -> (Actor, Writer) {
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

fn replica() -> Replica {
    Replica::new(fangpin_catalogue::schema().clone())
}

const NOW: i64 = 1_800_000_000_000;

async fn push(b: &dyn Backend, a: &Actor, changes: &[Change]) -> fangpin_sync::wire::PushResponse {
    b.push(a.clone(), PROTOCOL_VERSION, changes.to_vec(), NOW)
        .await
        .expect("push")
}

fn pull_req(cursor: u64, limit: u32) -> PullRequest {
    PullRequest::new(cursor, limit)
}

/// Pulls everything for an actor into a fresh replica.
pub async fn pull_all(b: &dyn Backend, a: &Actor) -> (Replica, Vec<Change>) {
    let mut r = replica();
    let mut cursor = 0;
    let mut all = Vec::new();
    loop {
        let resp = b
            .pull(a.clone(), pull_req(cursor, 7), usize::MAX)
            .await
            .expect("pull");
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

/// Checks that the read model equals a rebuild from the changes.
pub async fn assert_read_model(b: &dyn Backend) {
    let report = b.rebuild(false).await.expect("rebuild");
    assert!(
        report.differences.is_empty(),
        "the read model differs from a rebuild: {:#?}",
        report.differences
    );
}

fn codes(r: &fangpin_sync::wire::PushResponse) -> Vec<RefusalCode> {
    r.refusals.iter().map(|r| r.code).collect()
}

/// Accounts: unique names, updates, passwords, devices revoked and renewed.
pub async fn accounts_are_managed(b: Arc<dyn Backend>) {
    let b = &*b;
    let (a, _) = actor(b, "acct", Role::Office, &[V1]).await;
    assert!(b.user_by_name("acct".into()).await.unwrap().is_some());
    let dup = b.create_user(a.user.clone(), "x".into()).await;
    assert!(
        matches!(dup, Err(BackendError::Exists(_))),
        "a user name is unique"
    );
    let mut changed = a.user.clone();
    changed.disabled = true;
    changed.role = Role::VillageCadre;
    changed.scope = Scope::new([V2]);
    b.update_user(changed.clone()).await.unwrap();
    assert_eq!(b.user(a.user.id).await.unwrap(), Some(changed));
    b.set_password(a.user.id, "new-hash".into()).await.unwrap();
    assert_eq!(
        b.user_by_name("acct".into())
            .await
            .unwrap()
            .unwrap()
            .password_hash,
        "new-hash"
    );
    assert!(matches!(
        b.set_password(Uuid::nil(), "x".into()).await,
        Err(BackendError::NotFound(_))
    ));
    assert!(b.devices(Some(a.user.id)).await.unwrap().len() == 1);
    assert!(b
        .renew_device(a.device.id, "renewed".into(), 99)
        .await
        .unwrap());
    let d = b.device(a.device.id).await.unwrap().unwrap();
    assert_eq!(
        (d.secret_hash.as_str(), d.device.expires_ms),
        ("renewed", 99)
    );
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
    assert!(
        !b.renew_device(a.device.id, "again".into(), 100)
            .await
            .unwrap(),
        "a revoked device is not renewed"
    );
    assert!(!b.revoke_device(Uuid::nil(), 5).await.unwrap());
}

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
    let report = b.release_quarantine(cadre.device.id, NOW).await.unwrap();
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

/// Uploads belong to their device; a complete attachment is read only where a row names it.
pub async fn attachments_belong_to_their_device_and_their_rows(b: Arc<dyn Backend>) {
    let b = &*b;
    let data: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
    let hash = sha256_hex(&data);
    let size = data.len() as u64;
    let q = Quota::default();
    let (a, mut w) = actor(b, "photographer", Role::VillageCadre, &[V1]).await;
    let (squatter, _) = actor(b, "squatter", Role::VillageCadre, &[V1]).await;
    let (far, _) = actor(b, "far", Role::VillageCadre, &[V2]).await;
    let chunk = |sha256: &str, size: u64, offset: u64, bytes: Vec<u8>| Chunk {
        sha256: sha256.to_owned(),
        size,
        offset,
        bytes,
    };
    let put = |who: &Actor, size: u64, offset: u64, bytes: Vec<u8>| {
        b.put_attachment(who.clone(), chunk(&hash, size, offset, bytes), q, NOW)
    };
    let e = put(&a, size, 0, data[..10].to_vec()).await.unwrap_err();
    assert!(
        matches!(
            e,
            BackendError::Attachment {
                code: "attachment_unnamed",
                ..
            }
        ),
        "{e:?}"
    );
    // The visit that names the photo is pushed first, as the client does.
    let mut r = replica();
    let h = household(0xc00);
    let v = RowKey::new("visit", Uuid::from_u128(0xc01));
    let mut batch = w.create(&mut r, &h, &[("village_code", json!(V1))], 1);
    batch.extend(w.create(
        &mut r,
        &v,
        &[
            ("household_id", json!(h.id.to_string())),
            ("photos", json!([hash])),
        ],
        1,
    ));
    assert!(push(b, &a, &batch).await.refusals.is_empty());
    // Another device squats the hash with a wrong size: only its own upload is affected.
    assert!(put(&squatter, 7, 0, vec![1, 2, 3]).await.is_ok());
    let st = put(&a, size, 0, data[..4000].to_vec()).await.unwrap();
    assert_eq!((st.received, st.complete), (4000, false));
    assert!(
        put(&a, size, 6000, data[6000..].to_vec()).await.is_err(),
        "a gap is refused"
    );
    assert_eq!(
        b.attachment_status(a.clone(), hash.clone())
            .await
            .unwrap()
            .unwrap()
            .received,
        4000
    );
    assert_eq!(
        b.attachment_status(squatter.clone(), hash.clone())
            .await
            .unwrap()
            .unwrap()
            .received,
        3,
        "each device sees its own upload"
    );
    assert!(
        b.attachment(a.user.scope.clone(), hash.clone())
            .await
            .unwrap()
            .is_none(),
        "incomplete is not served"
    );
    let st = put(&a, size, 4000, data[4000..].to_vec()).await.unwrap();
    assert!(st.complete);
    assert_eq!(
        b.attachment(a.user.scope.clone(), hash.clone())
            .await
            .unwrap(),
        Some(data.clone())
    );
    assert!(
        b.attachment(far.user.scope.clone(), hash.clone())
            .await
            .unwrap()
            .is_none(),
        "another village's photo is not readable"
    );
    assert!(b
        .attachment_status(far.clone(), hash.clone())
        .await
        .unwrap()
        .is_none());
    assert!(
        put(&squatter, size, 0, data.clone())
            .await
            .unwrap()
            .complete,
        "the same bytes are complete for every device in scope"
    );
    // Bytes must match their hash; a device's upload restarts under another size.
    let mut wrong = data.clone();
    wrong[0] ^= 1;
    let (b2, mut w2) = actor(b, "careless", Role::VillageCadre, &[V1]).await;
    let other = sha256_hex(b"other photo");
    let v2 = RowKey::new("visit", Uuid::from_u128(0xc02));
    let mut r2 = r.clone();
    push(
        b,
        &b2,
        &w2.create(
            &mut r2,
            &v2,
            &[
                ("household_id", json!(h.id.to_string())),
                ("signature", json!(other)),
            ],
            2,
        ),
    )
    .await;
    let e = b
        .put_attachment(
            b2.clone(),
            chunk(&other, 11, 0, b"other phot0".to_vec()),
            q,
            NOW,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            BackendError::Attachment {
                code: "attachment_hash",
                ..
            }
        ),
        "{e:?}"
    );
    assert!(
        b.put_attachment(
            b2.clone(),
            chunk(&other, 11, 0, b"other photo".to_vec()),
            q,
            NOW
        )
        .await
        .unwrap()
        .complete
    );
    // Quotas, and unfinished uploads expire.
    let small = Quota {
        unfinished_per_device: 5,
        ..q
    };
    let e = b
        .put_attachment(
            a.clone(),
            chunk(&other, 11, 0, vec![0; 3]),
            Quota {
                stored_per_user: 1,
                ..small
            },
            NOW,
        )
        .await;
    assert!(
        e.unwrap().complete,
        "a complete attachment costs nothing more"
    );
    assert_eq!(
        b.expire_uploads(NOW + 1).await.unwrap(),
        1,
        "the squatter's unfinished upload expires"
    );
    assert!(
        b.attachment_status(squatter.clone(), hash.clone())
            .await
            .unwrap()
            .unwrap()
            .complete
    );
    assert_read_model(b).await;
}

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
