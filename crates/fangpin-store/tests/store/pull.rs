//! Applying pulled batches: idempotent, verified, the same merge as the engine's.

use fangpin_store::Store;
use fangpin_sync::wire::{PullResponse, Sequenced};
use fangpin_sync::{Change, ConflictKind, Hlc, Op, Replica, VersionId, Writer};
use serde_json::json;

use super::support::*;

/// A server-side view: another device's writes, some concurrent with the local store's.
fn remote_batch(store: &Store) -> (PullResponse, Replica) {
    let local = store.pending_changes(10_000).unwrap();
    let mut replica = Replica::new(fangpin_catalogue::schema().clone());
    for c in &local {
        replica.apply(c);
    }
    let other = identity(2);
    let mut w = Writer::new(other.device, other.user);
    let mut made: Vec<Change> = Vec::new();
    for n in 10..20 {
        let hh = row("household", n);
        made.extend(w.create(
            &mut replica,
            &hh,
            &household_fields(
                &format!("李{n}"),
                &format!("5303251990010{n}123"),
                &format!("99{n}"),
            ),
            5_000,
        ));
        made.push(
            w.append(&mut replica, &hh, "visit_notes", json!("走访"), 5_001)
                .unwrap(),
        );
    }
    // A concurrent different value of a field the local device also edits.
    let shared = row("household", 1);
    let local_phone_heads = replica.heads(&shared, "phone");
    assert!(!local_phone_heads.is_empty());
    // Written as if the remote had seen only the creation: concurrent with the local edit.
    let created_phone = store
        .register(&shared, "phone")
        .unwrap()
        .unwrap()
        .versions()[0]
        .id;
    let c = Change {
        id: VersionId {
            device: other.device,
            seq: w.next_seq,
        },
        row: shared.clone(),
        field: "phone".into(),
        op: Op::Set {
            value: json!("13911112222"),
        },
        parents: vec![created_phone],
        covers: vec![],
        author: other.user,
        hlc: Hlc {
            wall_ms: 6_000,
            counter: 0,
        },
    };
    replica.apply(&c);
    made.push(c);
    let seq: Vec<Sequenced> = made
        .into_iter()
        .enumerate()
        .map(|(i, change)| Sequenced {
            seq: i as u64 + 1,
            change,
        })
        .collect();
    let next = seq.len() as u64;
    (PullResponse::new(seq, vec![], next, false), replica)
}

fn local_with_edit(dir: &std::path::Path) -> Store {
    let mut store = new_store(dir);
    let shared = row("household", 1);
    store
        .create(
            &shared,
            &household_fields("张三", "530325199001011234", "5303"),
            1_000,
        )
        .unwrap();
    store
        .save(&shared, &[("phone", json!("13800001111"))], 2_000)
        .unwrap();
    store
}

#[test]
fn applying_the_same_batch_twice_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = local_with_edit(dir.path());
    let (batch, expected) = remote_batch(&store);
    let first = store.apply_pull(&batch, 7_000).unwrap();
    assert_eq!(first.new, batch.changes.len());
    assert_eq!(first.duplicates, 0);
    assert_eq!(first.cursor, batch.next_cursor);
    let digest = store.content_digest().unwrap();
    let second = store.apply_pull(&batch, 7_000).unwrap();
    assert_eq!(second.new, 0);
    assert_eq!(second.duplicates, batch.changes.len());
    assert_eq!(second.rows_touched, 0);
    assert_eq!(store.content_digest().unwrap(), digest);
    // Even at a later wall time, and after reopening.
    store.apply_pull(&batch, 9_000).unwrap();
    drop(store);
    let store = reopen(dir.path());
    assert_eq!(store.content_digest().unwrap(), digest);
    assert!(store.check().unwrap().is_empty(), "{:?}", store.check());
    // The device and the engine agree.
    assert_eq!(store.replica().unwrap().state_hash(), expected.state_hash());
}

#[test]
fn a_pulled_concurrent_value_is_a_conflict_with_the_engines_winner() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = local_with_edit(dir.path());
    let (batch, expected) = remote_batch(&store);
    store.apply_pull(&batch, 7_000).unwrap();
    let shared = row("household", 1);
    let conflicts = store.conflicts(100).unwrap();
    assert_eq!(conflicts, expected.conflicts());
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].kind, ConflictKind::Value);
    assert_eq!(conflicts[0].field, "phone");
    let view = store.row(&shared).unwrap().unwrap();
    assert!(view.conflicted);
    assert_eq!(
        view.data["phone"],
        expected.value(&shared, "phone").unwrap()
    );
    // Saving the form with the shown value changes nothing; resolving needs a supervisor,
    // and names every head.
    let shown = view.data["phone"].clone();
    assert!(store
        .save(&shared, &[("phone", shown.clone())], 8_000)
        .unwrap()
        .is_empty());
    let e = store
        .resolve_value(&shared, "phone", shown.clone(), 8_000)
        .unwrap_err();
    assert_eq!(e.code(), "not_permitted");
    store.set_may_resolve(true);
    let change = store.resolve_value(&shared, "phone", shown, 8_000).unwrap();
    assert_eq!(change.parents.len(), 2);
    assert!(store.conflicts(100).unwrap().is_empty());
    assert!(!store.row(&shared).unwrap().unwrap().conflicted);
    // The remote rows are searchable.
    let found = store
        .households(&fangpin_store::HouseholdSearch {
            text: Some("李12".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(found.len(), 1);
}

#[test]
fn a_corrupt_batch_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = local_with_edit(dir.path());
    let (mut batch, _) = remote_batch(&store);
    let digest = store.content_digest().unwrap();
    batch.changes[0].change.field = "tampered".into();
    let err = store.apply_pull(&batch, 7_000).unwrap_err();
    assert_eq!(err.code(), "checksum_mismatch");
    assert_eq!(store.content_digest().unwrap(), digest);
    assert_eq!(store.pull_cursor().unwrap(), 0);
}

#[test]
fn removed_rows_leave_the_device_but_its_own_changes_stay_in_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = local_with_edit(dir.path());
    let (batch, _) = remote_batch(&store);
    store.apply_pull(&batch, 7_000).unwrap();
    let pending = store.pending_count().unwrap();
    let gone = row("household", 1);
    let other = row("household", 12);
    let removal = PullResponse::new(vec![], vec![gone.clone(), other.clone()], 200, false);
    let out = store.apply_pull(&removal, 8_000).unwrap();
    assert_eq!(out.rows_removed, 2);
    assert!(store.row(&gone).unwrap().is_none());
    assert!(store.row(&other).unwrap().is_none());
    assert!(store.register(&other, "phone").unwrap().is_none());
    assert!(store.conflicts(10).unwrap().is_empty());
    assert_eq!(store.pending_count().unwrap(), pending);
    assert_eq!(store.pull_cursor().unwrap(), 200);
}

/// A batch large enough that its checksum is verified on a second thread while it is applied.
fn large_batch() -> (PullResponse, Replica) {
    let other = identity(3);
    let mut w = Writer::new(other.device, other.user);
    let mut replica = Replica::new(fangpin_catalogue::schema().clone());
    let mut made: Vec<Change> = Vec::new();
    for n in 100..180 {
        made.extend(w.create(
            &mut replica,
            &row("household", n),
            &household_fields(
                &format!("赵{n}"),
                &format!("530325199001{n}123"),
                &format!("77{n}"),
            ),
            5_000,
        ));
    }
    assert!(made.len() >= 300, "{} changes", made.len());
    let seq: Vec<Sequenced> = made
        .into_iter()
        .enumerate()
        .map(|(i, change)| Sequenced {
            seq: i as u64 + 1,
            change,
        })
        .collect();
    let next = seq.len() as u64;
    (PullResponse::new(seq, vec![], next, false), replica)
}

#[test]
fn a_large_batch_verified_alongside_is_applied_once_or_refused_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = local_with_edit(dir.path());
    let (batch, expected) = large_batch();

    let mut bad = batch.clone();
    let last = bad.changes.len() - 1;
    bad.changes[last].change.op = Op::Set {
        value: json!("tampered"),
    };
    let digest = store.content_digest().unwrap();
    let err = store.apply_pull(&bad, 7_000).unwrap_err();
    assert_eq!(err.code(), "checksum_mismatch");
    assert_eq!(store.content_digest().unwrap(), digest);
    assert_eq!(store.pull_cursor().unwrap(), 0);

    let first = store.apply_pull(&batch, 7_000).unwrap();
    assert_eq!(first.new, batch.changes.len());
    let digest = store.content_digest().unwrap();
    let second = store.apply_pull(&batch, 7_000).unwrap();
    assert_eq!(second.new, 0);
    assert_eq!(second.duplicates, batch.changes.len());
    assert_eq!(store.content_digest().unwrap(), digest);
    assert!(store.check().unwrap().is_empty());
    for n in 100..180 {
        let key = row("household", n);
        assert_eq!(
            store.register(&key, "head_name").unwrap(),
            expected.register(&key, "head_name").cloned(),
        );
    }
}
