//! What the device keeps of the sync protocol's second version, and how it recovers: values
//! checked against the record catalogue before they are written, the store's columns equal to
//! the catalogue's, a reset cursor with the scope and epoch saved beside the batch, a restored
//! service answered by sending and pulling again, a change it cannot apply kept aside without
//! stopping the sync, an edit from a draft over a value changed underneath kept as a conflict,
//! and a refused row sent whole once it is saved again.

use std::collections::{BTreeSet, HashMap};

use fangpin_store::Store;
use fangpin_sync::wire::{
    Epoch, PullResponse, PushResponse, Refusal, RefusalCode, Sequenced, SyncState,
};
use fangpin_sync::{Change, ConflictKind, Op, Replica, VersionId, Writer, ALIVE};
use serde_json::json;

use super::support::*;

fn valid_household() -> Vec<(&'static str, serde_json::Value)> {
    household_fields("赵一", "11010519491231002X", "5303251012010031")
}

#[test]
fn values_that_do_not_fit_the_catalogue_are_refused_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::init(&db_path(dir.path()), PASSCODE, identity(1), &checked()).unwrap();
    let hh = row("household", 1);
    store.create(&hh, &valid_household(), 1_000).unwrap();
    for (field, value) in [
        ("head_id_number", json!("110105194912310021")),
        ("household_type", json!("rich")),
        ("phone", json!(13_800_000_000u64)),
        ("no_such_field", json!("x")),
    ] {
        let e = store.save(&hh, &[(field, value)], 2_000).unwrap_err();
        match e {
            fangpin_store::StoreError::Invalid { field: f, .. } => assert_eq!(f, field),
            other => panic!("{field}: {other:?}"),
        }
    }
    let y = row("income_year", 1);
    let e = store
        .create(
            &y,
            &[
                ("household_id", json!(hh.id.to_string())),
                ("wage_fen", json!(12.5)),
            ],
            3_000,
        )
        .unwrap_err();
    assert_eq!(e.code(), "invalid_value");
    assert!(
        store.row(&y).unwrap().is_none(),
        "nothing of a refused edit is written"
    );
}

#[test]
fn the_migrated_store_has_exactly_the_catalogues_columns() {
    let dir = tempfile::tempdir().unwrap();
    let store = new_store(dir.path());
    let cols = store.table_columns().unwrap();
    for t in fangpin_catalogue::tables() {
        let mut want: BTreeSet<String> = [
            "id",
            "alive",
            "household_id",
            "data",
            "conflicted",
            "updated_ms",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        want.extend(t.columns().map(|(_, c)| c.name.to_owned()));
        assert_eq!(
            cols.get(t.name),
            Some(&want),
            "{} and the catalogue disagree: add a migration",
            t.name
        );
    }
}

fn other_device_batch(
    store: &Store,
    from_seq: u64,
    next_cursor: u64,
) -> (PullResponse, Vec<Change>) {
    let mut r = Replica::new(fangpin_catalogue::schema().clone());
    for c in store.pending_changes(1_000).unwrap() {
        r.apply(&c);
    }
    let other = identity(2);
    let mut w = Writer::new(other.device, other.user);
    let hh = row("household", 50);
    let made = w.create(&mut r, &hh, &valid_household(), 5_000);
    let seqd = made
        .iter()
        .enumerate()
        .map(|(i, c)| Sequenced {
            seq: from_seq + i as u64,
            change: c.clone(),
        })
        .collect();
    (PullResponse::new(seqd, vec![], next_cursor, false), made)
}

#[test]
fn a_reset_restarts_the_cursor_and_the_scope_and_epoch_are_kept_with_the_batch() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let (mut batch, _) = other_device_batch(&store, 901, 999);
    batch.scope = Some(vec!["530325101".into()]);
    batch.epoch = Some(Epoch {
        id: "e1".into(),
        base: 0,
    });
    store.apply_pull(&batch, 6_000).unwrap();
    assert_eq!(store.pull_cursor().unwrap(), 999);
    assert_eq!(
        store.pull_position().unwrap(),
        (Some(vec!["530325101".to_owned()]), Some("e1".to_owned()))
    );
    // The scope grew: the service restarts the feed; the cursor follows the batch, not the
    // larger old cursor, so the next pulls bring the new villages' older changes.
    let mut again = PullResponse::new(vec![], vec![], 7, true);
    again.reset = true;
    again.scope = Some(vec!["530325101".into(), "530325102".into()]);
    store.apply_pull(&again, 6_100).unwrap();
    assert_eq!(store.pull_cursor().unwrap(), 7);
    assert_eq!(store.pull_position().unwrap().0.unwrap().len(), 2);
}

#[test]
fn a_restored_service_is_answered_by_sending_and_pulling_again() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    store
        .create(&row("household", 1), &valid_household(), 1_000)
        .unwrap();
    let n = store.pending_count().unwrap();
    store
        .record_push(
            &PushResponse {
                protocol: 2,
                acknowledged_through: n,
                accepted: n as u32,
                duplicates: 0,
                refusals: vec![],
                epoch: None,
            },
            2_000,
        )
        .unwrap();
    let (batch, _) = other_device_batch(&store, 400, 500);
    store.apply_pull(&batch, 3_000).unwrap();
    let state = |epoch: &str, base, ack| SyncState {
        protocol: 2,
        epoch: Epoch {
            id: epoch.into(),
            base,
        },
        acknowledged_through: ack,
        high_water: base,
        scope: vec![],
    };
    assert_eq!(
        store.reconcile(&state("e1", 0, n)).unwrap(),
        0,
        "the first epoch seen is just kept"
    );
    assert_eq!(store.pull_cursor().unwrap(), 500);
    // The service was restored from a backup taken before it held the device's last changes
    // and before global sequence 300.
    let resend = store.reconcile(&state("e2", 300, 2)).unwrap();
    assert_eq!(resend, n - 2);
    assert_eq!(
        store.pull_cursor().unwrap(),
        300,
        "pulled again from the epoch's base"
    );
    assert_eq!(
        store.pending_count().unwrap(),
        n - 2,
        "the changes the service lost are sent again"
    );
    assert_eq!(store.pending_changes(100).unwrap()[0].id.seq, 3);
    assert_eq!(
        store.reconcile(&state("e2", 300, n)).unwrap(),
        0,
        "nothing more once it holds them"
    );
}

#[test]
fn a_device_restored_from_an_older_copy_numbers_its_next_changes_past_what_the_service_holds() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let state = SyncState {
        protocol: 2,
        epoch: Epoch {
            id: "e1".into(),
            base: 0,
        },
        acknowledged_through: 40,
        high_water: 90,
        scope: vec![],
    };
    // The service holds 40 of this device's changes; the device's copy remembers none.
    assert_eq!(store.reconcile(&state).unwrap(), 0);
    let made = store
        .create(&row("household", 7), &valid_household(), 1_000)
        .unwrap();
    assert_eq!(
        made[0].id.seq, 41,
        "the next change takes a number the service has not seen, not a reused one"
    );
}

#[test]
fn a_change_that_cannot_be_applied_is_kept_aside_and_the_sync_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let (mut batch, made) = other_device_batch(&store, 10, 20);
    // Two changes whose sequence numbers do not fit the store (above i64::MAX): a service
    // must refuse them, but a device never wedges on them.
    let mut huge = made[1].clone();
    huge.id.seq = u64::MAX - 1;
    let mut huger = made[1].clone();
    huger.id.seq = u64::MAX;
    huger.op = Op::Set {
        value: json!("other"),
    };
    batch.changes.push(Sequenced {
        seq: 18,
        change: huge,
    });
    batch.changes.push(Sequenced {
        seq: 19,
        change: huger,
    });
    batch = PullResponse::new(batch.changes, vec![], 20, false);
    let out = store.apply_pull_or_keep(&batch, 4_000).unwrap();
    assert_eq!(
        store.pull_cursor().unwrap(),
        20,
        "the cursor moves past the batch"
    );
    assert_eq!(out.cursor, 20);
    assert!(
        store.row(&row("household", 50)).unwrap().unwrap().alive,
        "the rest is applied"
    );
    let problems = store.pull_problems().unwrap();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems.iter().all(|(_, _, reason)| !reason.is_empty()));
    // Tried again at the next sync; still kept while they cannot apply.
    store.retry_pull_problems(5_000).unwrap();
    assert_eq!(store.pull_problems().unwrap().len(), problems.len());
}

#[test]
fn an_edit_from_a_draft_over_a_value_changed_underneath_is_a_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let hh = row("household", 1);
    store.create(&hh, &valid_household(), 1_000).unwrap();
    // The form opens: its base is each field's heads and value.
    let base: HashMap<String, (Vec<VersionId>, serde_json::Value)> = ["phone", "address"]
        .iter()
        .map(|f| {
            let reg = store.register(&hh, f).unwrap().unwrap();
            let v = reg.view().unwrap().value;
            ((*f).to_owned(), (reg.heads().to_vec(), v))
        })
        .collect();
    // Another device's new phone and address arrive by sync.
    let mut r = Replica::new(fangpin_catalogue::schema().clone());
    for c in store.pending_changes(100).unwrap() {
        r.apply(&c);
    }
    let other = identity(2);
    let mut w = Writer::new(other.device, other.user);
    let theirs = [
        w.set(&mut r, &hh, "phone", json!("13900000000"), 2_000)
            .unwrap(),
        w.set(&mut r, &hh, "address", json!("新地址"), 2_000)
            .unwrap(),
    ];
    let seqd = theirs
        .iter()
        .enumerate()
        .map(|(i, c)| Sequenced {
            seq: 1 + i as u64,
            change: c.clone(),
        })
        .collect();
    store
        .apply_pull(&PullResponse::new(seqd, vec![], 2, false), 2_100)
        .unwrap();
    // The draft changed the phone, not the address.
    let form = [
        ("phone", json!("13811112222")),
        ("address", base["address"].1.clone()),
    ];
    let made = store
        .edit(3_000, |e| e.save_since(&hh, &form, &base))
        .unwrap()
        .1;
    assert_eq!(
        made.len(),
        1,
        "the untouched field is not written back over the newer value"
    );
    let view = store.row(&hh).unwrap().unwrap();
    assert_eq!(view.data["address"], json!("新地址"));
    let conflicts = store.conflicts(10).unwrap();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(
        (conflicts[0].field.as_str(), conflicts[0].kind),
        ("phone", ConflictKind::Value)
    );
}

#[test]
fn a_refused_row_is_sent_whole_once_it_is_saved_again() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let hh = row("household", 1);
    let m = row("member", 1);
    let mut made = store.create(&hh, &valid_household(), 1_000).unwrap();
    made.extend(
        store
            .create(
                &m,
                &[
                    ("household_id", json!(hh.id.to_string())),
                    ("name", json!("赵小")),
                ],
                1_000,
            )
            .unwrap(),
    );
    made.push(
        store
            .append(&hh, "visit_notes", json!("第一次走访"), 1_100)
            .unwrap(),
    );
    let refusals: Vec<Refusal> = made
        .iter()
        .map(|c| Refusal {
            change: c.id,
            row: c.row.clone(),
            field: c.field.clone(),
            code: RefusalCode::OutOfScope,
            reason: "village outside the scope".into(),
            reason_zh: None,
        })
        .collect();
    let n = made.len() as u64;
    store
        .record_push(
            &PushResponse {
                protocol: 2,
                acknowledged_through: n,
                accepted: 0,
                duplicates: 0,
                refusals,
                epoch: None,
            },
            2_000,
        )
        .unwrap();
    assert_eq!(store.pending_count().unwrap(), 0);
    // The cadre corrects the village: the household and its member go again, whole.
    store
        .save(&hh, &[("village_code", json!("530325101202"))], 3_000)
        .unwrap();
    let pending = store.pending_changes(1_000).unwrap();
    let fields = |row: &fangpin_sync::RowKey| -> BTreeSet<String> {
        pending
            .iter()
            .filter(|c| c.row == *row)
            .map(|c| c.field.clone())
            .collect()
    };
    let mut want: BTreeSet<String> = valid_household()
        .iter()
        .map(|(f, _)| (*f).to_owned())
        .collect();
    want.insert(ALIVE.into());
    want.insert("visit_notes".into());
    assert_eq!(fields(&hh), want);
    assert_eq!(
        fields(&m),
        ["$alive", "household_id", "name"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect()
    );
    let notes = store.row(&hh).unwrap().unwrap().data["visit_notes"].clone();
    assert_eq!(
        notes,
        json!(["第一次走访"]),
        "the refused entry is sent again, not doubled"
    );
    // Saving again sends only what changed.
    store
        .save(&hh, &[("phone", json!("13900009999"))], 4_000)
        .unwrap();
    assert_eq!(
        store.pending_changes(1_000).unwrap().len(),
        pending.len() + 1
    );
}
