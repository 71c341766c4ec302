//! The device's own writes and the queries the screens use.

use fangpin_store::{HouseholdSearch, StoreError};
use fangpin_sync::{ConflictKind, LedgerState, LedgerStatus, ALIVE};
use serde_json::json;

use super::support::*;

#[test]
fn a_save_writes_only_changed_fields_with_the_heads_as_parents() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let hh = row("household", 1);
    let created = store
        .create(
            &hh,
            &household_fields("张三", "530325199001011234", "1"),
            1_000,
        )
        .unwrap();
    assert_eq!(created.len(), 9);
    assert_eq!(created[0].field, ALIVE);
    assert!(created.windows(2).all(|w| w[1].id.seq == w[0].id.seq + 1));
    let phone_v1 = created.iter().find(|c| c.field == "phone").unwrap().id;
    let changes = store
        .save(
            &hh,
            &[
                ("phone", json!("13900000000")),
                ("head_name", json!("张三")),
            ],
            2_000,
        )
        .unwrap();
    assert_eq!(changes.len(), 1, "the unchanged name is not written");
    assert_eq!(changes[0].parents, vec![phone_v1]);
    assert_eq!(changes[0].id.seq, 10);
    assert!(store
        .save(&hh, &[("phone", json!("13900000000"))], 3_000)
        .unwrap()
        .is_empty());
    assert_eq!(store.pending_count().unwrap(), 10);
    assert!(store.check().unwrap().is_empty());
    let err = store
        .save(&hh, &[(ALIVE, json!(false))], 3_000)
        .unwrap_err();
    assert_eq!(err.code(), "alive_field");
    let err = store.create(&hh, &[], 3_000).unwrap_err();
    assert_eq!(err.code(), "row_exists");
    let err = store
        .save(&row("household", 99), &[("a", json!(1))], 3_000)
        .unwrap_err();
    assert_eq!(err.code(), "no_such_row");
}

#[test]
fn the_sequence_and_clock_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let hh = row("household", 1);
    let a = store.create(&hh, &[("phone", json!("1"))], 5_000).unwrap();
    drop(store);
    let mut store = reopen(dir.path());
    // The wall clock stepped back: the clock still moves forward.
    let b = store.save(&hh, &[("phone", json!("2"))], 4_000).unwrap();
    assert_eq!(b[0].id.seq, a.last().unwrap().id.seq + 1);
    assert!(b[0].hlc > a.last().unwrap().hlc);
}

#[test]
fn delete_covers_the_row_refuses_edits_and_restore_brings_it_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let hh = row("household", 1);
    let created = store
        .create(
            &hh,
            &household_fields("张三", "530325199001011234", "1"),
            1_000,
        )
        .unwrap();
    let del = store.delete(&hh, 2_000).unwrap();
    let mut expected: Vec<_> = created[1..].iter().map(|c| c.id).collect();
    expected.sort();
    assert_eq!(del.covers, expected);
    assert_eq!(del.parents, vec![created[0].id]);
    let err = store
        .save(&hh, &[("phone", json!("1"))], 3_000)
        .unwrap_err();
    assert_eq!(err.code(), "row_deleted");
    assert!(store
        .households(&HouseholdSearch::default())
        .unwrap()
        .is_empty());
    assert!(!store.row(&hh).unwrap().unwrap().alive);
    store.restore(&hh, 4_000).unwrap();
    assert_eq!(
        store.households(&HouseholdSearch::default()).unwrap().len(),
        1
    );
    assert!(store.conflicts(10).unwrap().is_empty());
}

#[test]
fn ledger_status_moves_by_transitions_and_bad_moves_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let hh = row("household", 1);
    store
        .create(
            &hh,
            &household_fields("张三", "530325199001011234", "1"),
            1_000,
        )
        .unwrap();
    let item = row("ledger_item", 1);
    let village = vec!["530325101201".to_owned()];
    store
        .create(
            &item,
            &[
                ("household_id", json!(hh.id.to_string())),
                ("village_code", json!("530325101201")),
                ("status", serde_json::to_value(LedgerStatus::NEW).unwrap()),
                ("deadline", json!("2025-06-30")),
            ],
            1_000,
        )
        .unwrap();
    let found = store.ledger(&village, Some(LedgerState::Found)).unwrap();
    assert_eq!(found.len(), 1);
    let err = store
        .transition(
            &item,
            "status",
            LedgerStatus::new(1, LedgerState::Closed),
            2_000,
        )
        .unwrap_err();
    assert_eq!(err.code(), "invalid_transition");
    let c = store
        .transition(
            &item,
            "status",
            LedgerStatus::new(1, LedgerState::InProgress),
            2_000,
        )
        .unwrap();
    assert!(matches!(
        c.op,
        fangpin_sync::Op::Transition { from: Some(_), .. }
    ));
    // A status given to save becomes a transition too.
    store
        .save(
            &item,
            &[(
                "status",
                serde_json::to_value(LedgerStatus::new(1, LedgerState::Rectified)).unwrap(),
            )],
            3_000,
        )
        .unwrap();
    assert!(store
        .ledger(&village, Some(LedgerState::Found))
        .unwrap()
        .is_empty());
    assert_eq!(
        store
            .ledger(&village, Some(LedgerState::Rectified))
            .unwrap()
            .len(),
        1
    );
    store
        .append(&item, "progress_notes", json!("已修缮"), 3_500)
        .unwrap();
    let notes = store
        .append(&item, "progress_notes", json!("已验收"), 3_600)
        .unwrap();
    assert!(notes.parents.is_empty());
    let view = store.row(&item).unwrap().unwrap();
    assert_eq!(view.data["progress_notes"], json!(["已修缮", "已验收"]));
    let err = store
        .append(&item, "deadline", json!("x"), 4_000)
        .unwrap_err();
    assert_eq!(err.code(), "wrong_op");
}

#[test]
fn an_edit_concurrent_with_a_delete_is_a_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let hh = row("household", 1);
    let created = store
        .create(
            &hh,
            &household_fields("张三", "530325199001011234", "1"),
            1_000,
        )
        .unwrap();
    // Another device edited the phone without seeing our delete.
    let other = identity(2);
    let phone_v1 = created.iter().find(|c| c.field == "phone").unwrap().id;
    store.delete(&hh, 2_000).unwrap();
    let edit = fangpin_sync::Change {
        id: fangpin_sync::VersionId {
            device: other.device,
            seq: 1,
        },
        row: hh.clone(),
        field: "phone".into(),
        op: fangpin_sync::Op::Set {
            value: json!("13700000000"),
        },
        parents: vec![phone_v1],
        covers: vec![],
        author: other.user,
        hlc: fangpin_sync::Hlc {
            wall_ms: 1_500,
            counter: 0,
        },
    };
    let batch = fangpin_sync::wire::PullResponse::new(
        vec![fangpin_sync::wire::Sequenced {
            seq: 1,
            change: edit,
        }],
        vec![],
        1,
        false,
    );
    store.apply_pull(&batch, 3_000).unwrap();
    let conflicts = store.conflicts(10).unwrap();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].kind, ConflictKind::EditDelete);
    // Restoring keeps the edit and closes the conflict: a supervisor's decision.
    assert_eq!(
        store.restore(&hh, 4_000).unwrap_err().code(),
        "not_permitted"
    );
    store.set_may_resolve(true);
    store.restore(&hh, 4_000).unwrap();
    assert!(store.conflicts(10).unwrap().is_empty());
    assert_eq!(
        store.row(&hh).unwrap().unwrap().data["phone"],
        json!("13700000000")
    );
}

#[test]
fn households_are_found_by_name_identity_number_last_digits_and_hubianhao() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let people = [
        (
            "张伟",
            "530325199001011234",
            "5303251012010001",
            "530325101201",
        ),
        (
            "王芳",
            "53032519850202567X",
            "5303251012010002",
            "530325101201",
        ),
        (
            "李娜",
            "530325197003034321",
            "5303251012020003",
            "530325101202",
        ),
    ];
    for (n, (name, id, hbh, village)) in people.iter().enumerate() {
        let hh = row("household", n as u128 + 1);
        let mut fields = household_fields(name, id, hbh);
        fields[0].1 = json!(village);
        store.create(&hh, &refs(&fields), 1_000).unwrap();
    }
    store
        .create(
            &row("member", 1),
            &[
                ("household_id", json!(row("household", 1).id.to_string())),
                ("name", json!("张小明")),
                ("id_number", json!("530325201501019999")),
            ],
            1_000,
        )
        .unwrap();
    let search = |text: &str, villages: &[&str]| -> Vec<String> {
        store
            .households(&HouseholdSearch {
                villages: villages.iter().map(|s| s.to_string()).collect(),
                text: Some(text.into()),
                ..Default::default()
            })
            .unwrap()
            .into_iter()
            .map(|h| h.head_name.unwrap())
            .collect()
    };
    assert_eq!(search("张", &[]), ["张伟"]);
    assert_eq!(search("小明", &[]), ["张伟"], "by a member's name");
    assert_eq!(search("王芳", &[]), ["王芳"]);
    assert_eq!(search("53032519850202567X", &[]), ["王芳"]);
    assert_eq!(
        search("567x", &[]),
        ["王芳"],
        "by the last digits, any case"
    );
    assert_eq!(search("4321", &[]), ["李娜"]);
    assert_eq!(search("9999", &[]), ["张伟"], "by a member's last digits");
    assert_eq!(search("530325201501019999", &[]), ["张伟"]);
    assert_eq!(search("5303251012010002", &[]), ["王芳"], "by 户编号");
    assert_eq!(
        search("530325101201000", &[]),
        ["张伟", "王芳"],
        "by its beginning"
    );
    assert_eq!(
        search("530325101201000", &["530325101201"]),
        ["张伟", "王芳"]
    );
    assert!(
        search("李", &["530325101201"]).is_empty(),
        "only my villages"
    );
    assert!(search("%", &[]).is_empty());
    let all = store
        .households(&HouseholdSearch {
            villages: vec!["530325101201".into()],
            ..Default::default()
        })
        .unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].hubianhao.as_deref(), Some("5303251012010001"));
}

#[test]
fn one_household_comes_with_everything_in_it_and_tasks_and_warnings_are_listed() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let hh = row("household", 1);
    let hid = json!(hh.id.to_string());
    let me = identity(1).user.0;
    store
        .edit(1_000, |e| {
            e.create(&hh, &household_fields("张三", "530325199001011234", "1"))?;
            e.create(
                &row("member", 1),
                &[("household_id", hid.clone()), ("name", json!("张三"))],
            )?;
            e.create(
                &row("member", 2),
                &[("household_id", hid.clone()), ("name", json!("李四"))],
            )?;
            e.create(
                &row("income_year", 1),
                &[
                    ("household_id", hid.clone()),
                    ("year", json!(2024)),
                    ("wage_fen", json!(1_200_000)),
                ],
            )?;
            e.create(
                &row("indicator", 1),
                &[("household_id", hid.clone()), ("indicator", json!("house"))],
            )?;
            e.create(
                &row("risk", 1),
                &[("household_id", hid.clone()), ("risk_type", json!("01"))],
            )?;
            e.create(
                &row("measure", 1),
                &[("household_id", hid.clone()), ("kind", json!("industry"))],
            )?;
            e.create(
                &row("visit", 1),
                &[
                    ("household_id", hid.clone()),
                    ("visited_on", json!("2025-03-01")),
                ],
            )?;
            e.create(
                &row("procedure", 1),
                &[
                    ("household_id", hid.clone()),
                    ("kind", json!("identification")),
                ],
            )?;
            e.save(
                &row("procedure", 1),
                &[(
                    "appraisal",
                    json!({"on": "2025-03-04", "attendance": 21, "in_favour": 20, "passed": true}),
                )],
            )?;
            e.create(
                &row("warning", 1),
                &[
                    ("household_id", hid.clone()),
                    ("village_code", json!("530325101201")),
                    ("state", json!("open")),
                    ("raised_on", json!("2025-03-02")),
                ],
            )?;
            e.create(
                &row("verification_task", 1),
                &[
                    ("household_id", hid.clone()),
                    ("village_code", json!("530325101209")),
                    ("assignee", json!(me.to_string())),
                    ("state", json!("open")),
                    ("due_on", json!("2025-03-10")),
                ],
            )?;
            e.create(
                &row("verification_task", 2),
                &[
                    ("household_id", hid.clone()),
                    ("village_code", json!("530325101201")),
                    ("state", json!("done")),
                ],
            )?;
            Ok(())
        })
        .unwrap();
    store.delete(&row("member", 2), 2_000).unwrap();
    let d = store.household(hh.id).unwrap().unwrap();
    assert_eq!(d.household.data["head_name"], json!("张三"));
    assert_eq!(d.members.len(), 1, "deleted members are not shown");
    assert_eq!(d.income_years[0].data["wage_fen"], json!(1_200_000));
    assert_eq!(d.indicators.len(), 1);
    assert_eq!(d.risks.len(), 1);
    assert_eq!(d.measures.len(), 1);
    assert_eq!(d.visits.len(), 1);
    assert_eq!(d.procedures[0].data["appraisal"]["attendance"], json!(21));
    assert_eq!(d.warnings.len(), 1);
    assert_eq!(d.verification_tasks.len(), 2);
    assert!(d.conflicts.is_empty());
    let village = vec!["530325101201".to_owned()];
    assert_eq!(store.open_warnings(&village).unwrap().len(), 1);
    assert!(
        store.open_tasks(&village, None).unwrap().is_empty(),
        "the done task is not open"
    );
    assert_eq!(
        store.open_tasks(&village, Some(me)).unwrap().len(),
        1,
        "mine, elsewhere"
    );
    assert!(store.household(row("household", 9).id).unwrap().is_none());
}

#[test]
fn a_failed_edit_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let digest = store.content_digest().unwrap();
    let err = store
        .edit(1_000, |e| {
            e.create(&row("household", 1), &[("phone", json!("1"))])?;
            e.save(&row("household", 2), &[("phone", json!("1"))])
        })
        .unwrap_err();
    assert!(matches!(err, StoreError::NoSuchRow(_)));
    assert_eq!(store.content_digest().unwrap(), digest);
    assert_eq!(store.pending_count().unwrap(), 0);
}

#[test]
fn push_batches_acknowledgements_and_refusals() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let hh = row("household", 1);
    store
        .create(
            &hh,
            &household_fields("张三", "530325199001011234", "1"),
            1_000,
        )
        .unwrap();
    let req = store.push_request(4).unwrap().unwrap();
    assert!(req.verify().is_ok());
    assert_eq!(
        req.changes.iter().map(|c| c.id.seq).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    let refused = req.changes[3].clone();
    store
        .record_push(
            &fangpin_sync::wire::PushResponse {
                protocol: 1,
                acknowledged_through: 4,
                accepted: 3,
                duplicates: 0,
                refusals: vec![fangpin_sync::wire::Refusal {
                    change: refused.id,
                    row: refused.row.clone(),
                    field: refused.field.clone(),
                    code: fangpin_sync::wire::RefusalCode::OutOfScope,
                    reason: "not your village".into(),
                    reason_zh: None,
                }],
                epoch: None,
            },
            2_000,
        )
        .unwrap();
    assert_eq!(store.acknowledged_through().unwrap(), 4);
    assert_eq!(store.pending_changes(100).unwrap()[0].id.seq, 5);
    assert_eq!(store.pending_count().unwrap(), 5);
    let refusals = store.refusals().unwrap();
    assert_eq!(refusals.len(), 1);
    assert_eq!(refusals[0].refusal.change, refused.id);
    assert_eq!(refusals[0].received_ms, 2_000);
    store.acknowledge(9).unwrap();
    assert!(store.push_request(100).unwrap().is_none());
}

#[test]
fn drafts_and_attachments_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let store = new_store(dir.path());
    store
        .save_draft("household/new", &json!({"head_name": "张"}), 1)
        .unwrap();
    store
        .save_draft("household/new", &json!({"head_name": "张三"}), 2)
        .unwrap();
    let photo = vec![0xffu8, 0xd8, 0xff, 1, 2, 3];
    let hash = store.put_attachment(&photo, "image/jpeg", 3).unwrap();
    assert_eq!(store.put_attachment(&photo, "image/jpeg", 4).unwrap(), hash);
    assert_eq!(hash.len(), 64);
    drop(store);
    let store = reopen(dir.path());
    let d = store.draft("household/new").unwrap().unwrap();
    assert_eq!(d.body, json!({"head_name": "张三"}));
    assert_eq!(d.updated_ms, 2);
    assert_eq!(store.drafts().unwrap().len(), 1);
    store.discard_draft("household/new").unwrap();
    assert!(store.draft("household/new").unwrap().is_none());
    let a = store.attachment(&hash).unwrap().unwrap();
    assert_eq!(a.bytes.as_deref(), Some(&photo[..]));
    assert_eq!((a.size, a.mime.as_str()), (6, "image/jpeg"));
    assert_eq!(
        store.attachments_to_upload().unwrap(),
        std::slice::from_ref(&hash)
    );
    store.mark_uploaded(&hash).unwrap();
    assert!(store.attachments_to_upload().unwrap().is_empty());
}
