//! Small hand-written scenarios, one per rule.

use fangpin_sync::status::LedgerState::*;
use fangpin_sync::wire::{PullResponse, PushRequest, Sequenced, WireError};
use fangpin_sync::*;
use serde_json::json;
use uuid::Uuid;

fn dev(n: u8) -> Writer {
    Writer::new(
        DeviceId(Uuid::from_u128(n as u128)),
        UserId(Uuid::from_u128(100 + n as u128)),
    )
}

fn household() -> RowKey {
    RowKey::new("household", Uuid::from_u128(0xA))
}

fn sync_all(replicas: &mut [&mut Replica]) {
    let all: Vec<Change> = replicas.iter().flat_map(|r| r.changes()).collect();
    for r in replicas.iter_mut() {
        for c in &all {
            r.apply(c);
        }
    }
}

/// Two tablets start from the same synced household.
fn two_tablets() -> (Replica, Writer, Replica, Writer) {
    let mut a = Replica::new(super::test_schema());
    let mut wa = dev(1);
    wa.create(
        &mut a,
        &household(),
        &[
            ("head_name", json!("张三")),
            ("phone", json!("13800000000")),
        ],
        1_000,
    );
    let mut b = Replica::new(super::test_schema());
    for c in a.changes() {
        b.apply(&c);
    }
    (a, wa, b, dev(2))
}

#[test]
fn two_cadres_edit_different_fields_and_merge_silently() {
    let (mut a, mut wa, mut b, mut wb) = two_tablets();
    let h = household();
    wa.set(&mut a, &h, "head_name", json!("张三丰"), 2_000)
        .unwrap();
    wb.set(&mut b, &h, "phone", json!("13900000000"), 2_000)
        .unwrap();
    sync_all(&mut [&mut a, &mut b]);
    assert!(a.conflicts().is_empty());
    assert_eq!(a.value(&h, "head_name"), Some(json!("张三丰")));
    assert_eq!(a.value(&h, "phone"), Some(json!("13900000000")));
    assert_eq!(a.state_hash(), b.state_hash());
}

#[test]
fn same_field_same_value_merges_silently() {
    let (mut a, mut wa, mut b, mut wb) = two_tablets();
    let h = household();
    wa.set(&mut a, &h, "phone", json!("13700000000"), 2_000)
        .unwrap();
    wb.set(&mut b, &h, "phone", json!("13700000000"), 3_000)
        .unwrap();
    sync_all(&mut [&mut a, &mut b]);
    assert!(a.conflicts().is_empty());
    assert_eq!(
        a.heads(&h, "phone").len(),
        2,
        "both versions stay as heads, in the history"
    );
    assert_eq!(a.state_hash(), b.state_hash());
}

#[test]
fn same_field_different_values_is_a_conflict_with_the_same_winner_everywhere() {
    let (mut a, mut wa, mut b, mut wb) = two_tablets();
    let h = household();
    wa.set(&mut a, &h, "phone", json!("13700000000"), 5_000)
        .unwrap();
    wb.set(&mut b, &h, "phone", json!("13600000000"), 4_000)
        .unwrap();
    sync_all(&mut [&mut a, &mut b]);
    for r in [&a, &b] {
        let cs = r.conflicts();
        assert_eq!(cs.len(), 1);
        assert_eq!(cs[0].kind, ConflictKind::Value);
        assert_eq!(cs[0].heads.len(), 2);
        let view = r.view(&h, "phone").unwrap();
        assert_eq!(
            view.value,
            json!("13700000000"),
            "greater clock wins provisionally"
        );
        assert_eq!(view.conflict, Some(ConflictKind::Value));
    }
    assert_eq!(a.state_hash(), b.state_hash());

    // A supervisor resolves on a third replica; the resolution names both heads.
    let mut s = Replica::new(super::test_schema());
    sync_all(&mut [&mut a, &mut b, &mut s]);
    let mut ws = dev(9);
    let r = ws
        .set(&mut s, &h, "phone", json!("13600000000"), 9_000)
        .unwrap();
    assert_eq!(r.parents.len(), 2);
    sync_all(&mut [&mut a, &mut b, &mut s]);
    for r in [&a, &b, &s] {
        assert!(r.conflicts().is_empty());
        assert_eq!(r.value(&h, "phone"), Some(json!("13600000000")));
        assert_eq!(
            r.history(&h, "phone").len(),
            4,
            "every value stays in the history"
        );
    }
}

#[test]
fn an_edit_against_a_delete_is_a_conflict_not_a_silent_loss() {
    let (mut a, mut wa, mut b, mut wb) = two_tablets();
    let h = household();
    wa.delete(&mut a, &h, 2_000);
    wb.set(&mut b, &h, "phone", json!("13500000000"), 2_000)
        .unwrap();
    sync_all(&mut [&mut a, &mut b]);
    let cs = a.conflicts();
    assert_eq!(cs.len(), 1, "{cs:?}");
    assert_eq!(cs[0].kind, ConflictKind::EditDelete);
    assert_eq!(cs[0].field, ALIVE);
    assert!(cs[0].heads.iter().any(|h| h.value == json!("13500000000")));
    assert_eq!(a.state_hash(), b.state_hash());
    assert!(!a.is_alive(&h));
    // An edit on a deleted row is refused until it is restored.
    assert_eq!(
        wa.set(&mut a, &h, "phone", json!("1"), 3_000)
            .unwrap_err()
            .code(),
        "row_deleted"
    );

    // Resolve by restoring: the edit stands.
    let mut a2 = a.clone();
    wa.restore(&mut a2, &h, 3_000);
    assert!(a2.conflicts().is_empty());
    assert_eq!(a2.value(&h, "phone"), Some(json!("13500000000")));

    // Or resolve by deleting again, now having seen the edit.
    wa.delete(&mut a, &h, 3_000);
    assert!(a.conflicts().is_empty());
    assert!(!a.is_alive(&h));
}

#[test]
fn a_delete_after_seeing_the_edit_is_not_a_conflict() {
    let (mut a, mut wa, mut b, mut wb) = two_tablets();
    let h = household();
    wb.set(&mut b, &h, "phone", json!("13500000000"), 2_000)
        .unwrap();
    sync_all(&mut [&mut a, &mut b]);
    wa.delete(&mut a, &h, 3_000);
    sync_all(&mut [&mut a, &mut b]);
    assert!(a.conflicts().is_empty());
    assert!(!b.is_alive(&h));
}

fn ledger() -> RowKey {
    RowKey::new("ledger_item", Uuid::from_u128(0xB))
}

fn two_tablets_with_ledger(at: LedgerStatus) -> (Replica, Writer, Replica, Writer) {
    let mut a = Replica::new(super::test_schema());
    let mut wa = dev(1);
    let l = ledger();
    wa.create(&mut a, &l, &[("description", json!("危房未改造"))], 1_000);
    let mut path = vec![LedgerStatus::new(1, Found)];
    let order = [Found, InProgress, Rectified, Closed];
    for round in 1..=at.round {
        for s in order {
            let st = LedgerStatus::new(round, s);
            if st > at {
                break;
            }
            if path.last() != Some(&st) {
                path.push(st);
            }
        }
    }
    for (t, st) in (1_001..).zip(path) {
        wa.transition(&mut a, &l, "status", st, t).unwrap();
    }
    let mut b = Replica::new(super::test_schema());
    for c in a.changes() {
        b.apply(&c);
    }
    (a, wa, b, dev(2))
}

#[test]
fn concurrent_forward_status_moves_merge_to_the_furthest() {
    let (mut a, mut wa, mut b, mut wb) = two_tablets_with_ledger(LedgerStatus::new(1, Found));
    let l = ledger();
    wa.transition(
        &mut a,
        &l,
        "status",
        LedgerStatus::new(1, InProgress),
        5_000,
    )
    .unwrap();
    wb.transition(&mut b, &l, "status", LedgerStatus::new(1, Rectified), 4_000)
        .unwrap();
    sync_all(&mut [&mut a, &mut b]);
    assert!(a.conflicts().is_empty(), "{:?}", a.conflicts());
    assert_eq!(
        a.value(&l, "status"),
        Some(LedgerStatus::new(1, Rectified).to_value())
    );
    assert_eq!(a.state_hash(), b.state_hash());
}

#[test]
fn a_backward_move_against_a_close_is_a_conflict() {
    let (mut a, mut wa, mut b, mut wb) = two_tablets_with_ledger(LedgerStatus::new(1, Rectified));
    let l = ledger();
    wa.transition(&mut a, &l, "status", LedgerStatus::new(1, Closed), 5_000)
        .unwrap();
    wb.transition(
        &mut b,
        &l,
        "status",
        LedgerStatus::new(1, InProgress),
        4_000,
    )
    .unwrap();
    sync_all(&mut [&mut a, &mut b]);
    let cs = b.conflicts();
    assert_eq!(cs.len(), 1);
    assert_eq!(cs[0].kind, ConflictKind::Status);
    assert_eq!(a.state_hash(), b.state_hash());
    // The supervisor keeps the item open.
    let r = wa
        .resolve_status(
            &mut a,
            &l,
            "status",
            LedgerStatus::new(1, InProgress),
            6_000,
        )
        .unwrap();
    b.apply(&r);
    assert!(b.conflicts().is_empty());
    assert_eq!(
        b.value(&l, "status"),
        Some(LedgerStatus::new(1, InProgress).to_value())
    );
}

#[test]
fn reopening_starts_a_new_round_and_two_reopenings_agree() {
    let (mut a, mut wa, mut b, mut wb) = two_tablets_with_ledger(LedgerStatus::new(1, Closed));
    let l = ledger();
    wa.transition(&mut a, &l, "status", LedgerStatus::new(2, Found), 5_000)
        .unwrap();
    wb.transition(&mut b, &l, "status", LedgerStatus::new(2, Found), 4_000)
        .unwrap();
    sync_all(&mut [&mut a, &mut b]);
    assert!(a.conflicts().is_empty());
    assert_eq!(
        a.value(&l, "status"),
        Some(LedgerStatus::new(2, Found).to_value())
    );
    // A status cannot jump.
    let e = wa
        .transition(&mut a, &l, "status", LedgerStatus::new(2, Closed), 6_000)
        .unwrap_err();
    assert_eq!(e.code(), "invalid_transition");
}

#[test]
fn the_server_refuses_invalid_and_stale_transitions() {
    let (a, mut wa, _, _) = two_tablets_with_ledger(LedgerStatus::new(1, InProgress));
    let l = ledger();
    let heads = a.heads(&l, "status");
    let mut bad = Change {
        id: VersionId {
            device: wa.device,
            seq: 99,
        },
        row: l.clone(),
        field: "status".into(),
        op: Op::Transition {
            from: Some(LedgerStatus::new(1, InProgress)),
            to: LedgerStatus::new(1, Closed),
        },
        parents: heads.clone(),
        covers: vec![],
        author: wa.user,
        hlc: wa.clock.tick(9_000),
    };
    assert_eq!(a.validate(&bad).unwrap_err().code(), "invalid_transition");
    bad.op = Op::Transition {
        from: Some(LedgerStatus::new(1, Found)),
        to: LedgerStatus::new(1, Rectified),
    };
    assert_eq!(a.validate(&bad).unwrap_err().code(), "stale_transition");
    bad.op = Op::Set {
        value: json!("closed"),
    };
    assert_eq!(a.validate(&bad).unwrap_err().code(), "wrong_op");
    bad.field = ALIVE.into();
    bad.op = Op::Set {
        value: json!("yes"),
    };
    assert_eq!(a.validate(&bad).unwrap_err().code(), "alive_not_bool");
}

#[test]
fn append_only_fields_keep_every_entry_and_never_conflict() {
    let (mut a, mut wa, mut b, mut wb) = two_tablets();
    let h = household();
    wa.append(&mut a, &h, "visit_notes", json!("走访：家中无人"), 2_000)
        .unwrap();
    wb.append(&mut b, &h, "visit_notes", json!("走访：已核实收入"), 2_000)
        .unwrap();
    sync_all(&mut [&mut a, &mut b]);
    assert!(a.conflicts().is_empty());
    assert_eq!(
        a.value(&h, "visit_notes")
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(a.state_hash(), b.state_hash());
    assert_eq!(
        wa.set(&mut a, &h, "visit_notes", json!([]), 3_000)
            .unwrap_err()
            .code(),
        "wrong_op"
    );
}

#[test]
fn applying_twice_changes_nothing_and_order_does_not_matter() {
    let (mut a, mut wa, mut b, mut wb) = two_tablets();
    let h = household();
    let log = vec![
        wa.set(&mut a, &h, "phone", json!("1"), 2_000).unwrap(),
        wa.set(&mut a, &h, "phone", json!("2"), 2_001).unwrap(),
        wb.set(&mut b, &h, "phone", json!("3"), 2_000).unwrap(),
    ];
    let base: Vec<Change> = b.changes();
    let mut forward = Replica::new(super::test_schema());
    let mut backward = Replica::new(super::test_schema());
    for c in base.iter().chain(&log) {
        forward.apply(c);
        forward.apply(c);
    }
    for c in base.iter().chain(&log).rev() {
        backward.apply(c);
    }
    let len = forward.len();
    assert_eq!(forward.apply(&log[0]), Applied::Duplicate);
    assert_eq!(forward.len(), len);
    assert_eq!(forward.state_hash(), backward.state_hash());
    assert_eq!(forward.conflicts(), backward.conflicts());
}

#[test]
fn a_clock_far_in_the_future_is_flagged_and_does_not_capture_local_time() {
    let (mut a, mut wa, mut b, _) = two_tablets();
    let h = household();
    let year_ahead = 365 * 24 * 3600 * 1000;
    let c = wa
        .set(&mut a, &h, "phone", json!("1"), 2_000 + year_ahead)
        .unwrap();
    let mut wb = dev(2);
    assert!(wb.clock.observe(c.hlc, 3_000).is_err());
    b.apply(&c); // still merged: nothing is lost, the device is flagged
    let mine = wb.set(&mut b, &h, "phone", json!("2"), 3_000).unwrap();
    assert!(
        mine.hlc.wall_ms < year_ahead,
        "local clock did not jump a year ahead"
    );
    // Having seen the far-future write, the local one supersedes it by causality, not by clock.
    assert!(b.conflicts().is_empty());
    assert_eq!(b.value(&h, "phone"), Some(json!("2")));
}

#[test]
fn compaction_drops_only_acknowledged_non_heads_and_keeps_convergence() {
    let (mut a, mut wa, b, _) = two_tablets();
    let h = household();
    for i in 0..10 {
        wa.set(&mut a, &h, "phone", json!(i.to_string()), 2_000 + i)
            .unwrap();
    }
    let mut server = b.clone();
    for c in a.changes() {
        server.apply(&c);
    }
    let before = a.state_hash();
    let dropped = a.compact(|id| server.changes().iter().any(|c| c.id == *id));
    assert_eq!(dropped, 10, "the ten superseded phone versions are dropped");
    assert_eq!(a.state_hash(), before);
    // Receiving the dropped versions again changes nothing visible.
    for c in server.changes() {
        a.apply(&c);
    }
    assert_eq!(a.state_hash(), server.state_hash());
}

#[test]
fn duplicate_people_are_reported_not_merged() {
    let mut r = Replica::new(super::test_schema());
    let mut w = dev(1);
    let h1 = RowKey::new("household", Uuid::from_u128(1));
    let h2 = RowKey::new("household", Uuid::from_u128(2));
    let h3 = RowKey::new("household", Uuid::from_u128(3));
    w.create(&mut r, &h1, &[("village_code", json!("530325101201"))], 1);
    w.create(&mut r, &h2, &[("village_code", json!("530325101201"))], 1);
    w.create(&mut r, &h3, &[("village_code", json!("530325101202"))], 1);
    let member = |n: u128, h: &RowKey, id: &str, w: &mut Writer, r: &mut Replica| {
        let m = RowKey::new("member", Uuid::from_u128(100 + n));
        w.create(
            r,
            &m,
            &[
                ("household_id", json!(h.id.to_string())),
                ("id_number", json!(id)),
            ],
            2,
        );
        m
    };
    let m1 = member(1, &h1, "11010519491231002X", &mut w, &mut r);
    let m2 = member(2, &h1, "11010519491231002X", &mut w, &mut r);
    let m3 = member(3, &h2, "530325199001011234", &mut w, &mut r);
    let m4 = member(4, &h2, "530325199001011234", &mut w, &mut r);
    let m5 = member(5, &h3, "11010519491231002X", &mut w, &mut r);
    let m6 = member(6, &h2, "110105194912310021", &mut w, &mut r);
    let d = r.duplicate_members();
    assert_eq!(d.len(), 2, "{d:#?}");
    assert_eq!(d[0].rows, vec![m1.clone(), m2.clone()]);
    assert!(d[0].scope.starts_with("household:"));
    assert_eq!(d[1].rows, vec![m3, m4]);
    assert!(!d
        .iter()
        .any(|x| x.rows.contains(&m5) || x.rows.contains(&m6)));
    // Across households in one village.
    let m7 = member(7, &h2, "11010519491231002X", &mut w, &mut r);
    let d = r.duplicate_members();
    let village = d
        .iter()
        .find(|x| x.scope == "village:530325101201")
        .unwrap();
    assert_eq!(village.rows, vec![m1, m2, m7]);
    assert_eq!(r.alive_rows("member").len(), 7, "nothing merged");
}

#[test]
fn a_corrupted_batch_fails_its_checksum_and_old_protocols_are_refused() {
    let (mut a, mut wa, _, _) = two_tablets();
    let c = wa
        .set(&mut a, &household(), "phone", json!("1"), 2_000)
        .unwrap();
    let mut push = PushRequest::new(wa.device, vec![c.clone()]);
    push.verify().unwrap();
    push.changes[0].op = Op::Set { value: json!("2") };
    assert!(matches!(push.verify(), Err(WireError::Checksum { .. })));
    let mut push = PushRequest::new(wa.device, vec![c.clone()]);
    push.protocol = 0;
    assert_eq!(push.verify().unwrap_err().code(), "protocol_version");
    let push = PushRequest::new(DeviceId(Uuid::from_u128(77)), vec![c.clone()]);
    assert_eq!(push.verify().unwrap_err().code(), "foreign_change");

    let mut pull = PullResponse::new(vec![Sequenced { seq: 1, change: c }], vec![], 1, false);
    pull.verify().unwrap();
    pull.changes[0].change.hlc.counter += 1;
    assert_eq!(pull.verify().unwrap_err().code(), "checksum_mismatch");
    // The wire form round-trips.
    let json = serde_json::to_string(&push).unwrap();
    assert_eq!(serde_json::from_str::<PushRequest>(&json).unwrap(), push);
}

/// Found by the property test: resolving a restore-against-delete conflict by picking
/// "deleted" must cover the edits the resolver has seen, like any delete.
#[test]
fn resolving_an_existence_conflict_as_deleted_covers_the_seen_edits() {
    use super::sim::{Step::*, World};
    let mut w = World::new(3, &[]);
    for s in [
        Edit {
            r: 0,
            row: 0,
            field: 0,
            value: 0,
        },
        Delete { r: 2, row: 1 },
        Delete { r: 7, row: 1 },
        Edit {
            r: 0,
            row: 1,
            field: 0,
            value: 0,
        },
        Deliver {
            from: 2,
            to: 0,
            seed: 251469548516932015,
        },
        Resolve { r: 3, pick: 2 },
        Deliver {
            from: 4,
            to: 3,
            seed: 4911242466951770859,
        },
        Resolve { r: 0, pick: 1 },
    ] {
        w.step(&s);
    }
    w.full_exchange();
    w.check().unwrap();
}
