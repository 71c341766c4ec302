//! The field app's use cases against a real service on loopback (in process, SQLite backend):
//! enrol, unlock, find a household, fill and save the form, a bad identity number, the ledger,
//! sync, a conflict made by a second device, and the assessment following the income.

use std::sync::Arc;

use fangpin_app::field::{
    FieldApp, HouseholdQuery, NewLedgerItem, NewProcedure, StatusView, VisitInput,
};
use fangpin_domain::procedure::{Channel, ProcedureKind, Step};
use fangpin_server::http::NewUser;
use fangpin_server::{AppState, Role, Scope, Settings};
use fangpin_server_sqlite::SqliteBackend;
use fangpin_store::StoreOptions;
use serde_json::{json, Value};

const EXAMPLE: &str = include_str!("../../../docs/examples/household.json");
const V1: &str = "530325101201";

async fn service(dir: &std::path::Path) -> String {
    service_with_backend(dir).await.0
}

async fn service_with_backend(dir: &std::path::Path) -> (String, Arc<SqliteBackend>) {
    let backend = Arc::new(SqliteBackend::open(&dir.join("server.db")).expect("server db"));
    let state = AppState::new(backend.clone(), Settings::default());
    for (u, role, scope) in [
        ("cadre", Role::VillageCadre, V1),
        ("helper", Role::Helper, V1),
        ("office", Role::Office, V1),
        ("sup", Role::TownshipSupervisor, "530325101"),
        ("county", Role::CountyAdmin, "530325"),
    ] {
        let req = NewUser {
            username: u.into(),
            display_name: u.into(),
            password: "password-123".into(),
            role,
            scope: Scope::new([scope]),
        };
        fangpin_server::http::new_user(&state, req)
            .await
            .expect("user");
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, fangpin_server::router(state)).await;
    });
    (format!("http://{addr}"), backend)
}

fn app(dir: &std::path::Path, name: &str) -> FieldApp {
    FieldApp::with_options(dir.join(name), StoreOptions::insecure_for_tests())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cadre_screens_a_household_offline_and_syncs() {
    let dir = tempfile::tempdir().expect("dir");
    let base = service(dir.path()).await;
    let mut a = app(dir.path(), "a");
    assert!(!a.status().enrolled);
    let bad = a
        .enrol(&base, "cadre", "wrong", "123456")
        .await
        .unwrap_err();
    assert_eq!(bad.code, "sign_in_refused");
    assert!(!bad.message_zh.is_empty());
    let weak = a
        .enrol(&base, "cadre", "password-123", "12")
        .await
        .unwrap_err();
    assert_eq!(
        (weak.code.as_str(), weak.field.as_deref()),
        ("weak_passcode", Some("passcode"))
    );
    let st = a
        .enrol(&base, "cadre", "password-123", "246810")
        .await
        .expect("enrol");
    assert!(st.enrolled && st.unlocked);
    assert_eq!(
        st.user.as_ref().map(|u| u.villages.clone()),
        Some(vec![V1.to_owned()])
    );

    // Locked: nothing is readable until the passcode.
    a.lock();
    assert_eq!(
        a.households(&HouseholdQuery::default()).unwrap_err().code,
        "locked"
    );
    assert_eq!(a.unlock("000000").unwrap_err().code, "wrong_passcode");
    a.unlock("246810").expect("unlock");

    // A new household, with a bad identity number first.
    let mut form: Value = serde_json::from_str(EXAMPLE).expect("example");
    form["members"][1]["id_number"] = json!("530325198007250428");
    let out = a.save_form(None, &form, None).expect("save");
    assert_eq!(
        out.saved_fields, 0,
        "nothing is written with an invalid field"
    );
    assert!(
        out.errors
            .iter()
            .any(|e| e.field == "members[1].id_number" && e.message_zh.contains("校验")),
        "{:?}",
        out.errors
    );
    let live = a.assess_form(&form);
    assert!(live.assessment.is_none() && !live.errors.is_empty());
    form["members"][1]["id_number"] = json!("530325198007250429");
    let live = a.assess_form(&form);
    assert!(live.errors.is_empty(), "{:?}", live.errors);
    let before = live.assessment.expect("assessed")["income"]["per_capita_net_income_fen"].as_i64();
    let saved = a.save_form(None, &form, None).expect("save");
    assert!(saved.errors.is_empty() && saved.saved_fields > 10);
    let id = saved.household_id.expect("id");

    // Find it by name, by the last digits of the head's number, by 户编号.
    for text in ["张国华", "0313", "5303251012010036"] {
        let found = a
            .households(&HouseholdQuery {
                text: Some(text.into()),
                ..Default::default()
            })
            .expect("search");
        assert_eq!(found.len(), 1, "{text}");
        assert!(found[0].screened);
        assert_eq!(found[0].head_id_masked, "530325********0313");
    }
    // By village and group (组), as the list's filters do.
    let in_group = |g: &str| HouseholdQuery {
        village: Some(V1.into()),
        group: Some(g.into()),
        text: None,
    };
    let found = a.households(&in_group("3组")).expect("filter");
    assert_eq!((found.len(), found[0].group_name.as_str()), (1, "3组"));
    assert!(a.households(&in_group("4组")).expect("filter").is_empty());

    // The assessment follows the income.
    let view = a.household(id).expect("household");
    assert!(view.errors.is_empty(), "{:?}\n{}", view.errors, view.form);
    assert_eq!(
        view.assessment
            .as_ref()
            .and_then(|x| x["income"]["per_capita_net_income_fen"].as_i64()),
        before
    );
    let mut edited = view.form.clone();
    edited["income"]["current"]["wage_fen"] = json!(500_000);
    let photo = a
        .add_attachment("iVBORw0KGgo=", "image/png")
        .expect("photo");
    let visit = VisitInput {
        note: "复核收入下降".into(),
        photos: vec![photo.clone()],
        signature: None,
    };
    let out = a.save_form(Some(id), &edited, Some(&visit)).expect("save");
    assert!(out.errors.is_empty());
    assert_eq!(
        out.saved_fields,
        1 + 8,
        "the wage, and the visit row (its existence and seven fields): the rest is written once"
    );
    let shown = a.household(id).expect("household");
    assert_eq!(shown.visits.len(), 1);
    assert_eq!(shown.visits[0].photos, vec![photo.clone()]);
    assert_eq!(shown.visits[0].note, "复核收入下降");
    let back = a.attachment(&photo).expect("attachment").expect("stored");
    assert_eq!(
        (back.mime.as_str(), back.bytes_base64.as_str()),
        ("image/png", "iVBORw0KGgo=")
    );
    let after = a.household(id).expect("household");
    let pc = after
        .assessment
        .as_ref()
        .and_then(|x| x["income"]["per_capita_net_income_fen"].as_i64());
    assert!(pc < before, "{pc:?} < {before:?}");
    assert!(after.assessment.as_ref().is_some_and(|x| x["findings"]
        .as_array()
        .is_some_and(|f| f.iter().any(|f| f["rule"] == "below_line"))));

    // A ledger item, moved along.
    let item = a
        .add_ledger_item(
            id,
            &NewLedgerItem {
                source: "self_check".into(),
                problem_type: "medical".into(),
                description: "王桂芬慢性病未签约家庭医生".into(),
                measure: "联系村医签约".into(),
                responsible_unit: "镇卫生院".into(),
                responsible_person: "李医生".into(),
                deadline: "2026-12-10".into(),
            },
        )
        .expect("ledger");
    assert_eq!(
        item.status.as_ref().map(|s| s.state.as_str()),
        Some("found")
    );
    // The moves offered come from the ledger's rules in the domain, with their labels.
    let offered: Vec<(&str, &str)> = item
        .moves
        .iter()
        .map(|m| (m.to.state.as_str(), m.label_zh.as_str()))
        .collect();
    assert_eq!(
        offered,
        [
            ("in_progress", "开始整改"),
            ("rectified", "即知即改（已整改）")
        ]
    );
    let moved = a
        .move_ledger_item(
            item.id,
            StatusView {
                round: 1,
                state: "rectified".into(),
            },
            None,
        )
        .expect("move");
    assert_eq!(
        moved.status.as_ref().map(|s| s.state.as_str()),
        Some("rectified")
    );
    assert_eq!(
        moved
            .moves
            .iter()
            .map(|m| m.to.state.as_str())
            .collect::<Vec<_>>(),
        ["closed", "in_progress"]
    );
    let wrong = a
        .move_ledger_item(
            item.id,
            StatusView {
                round: 1,
                state: "found".into(),
            },
            None,
        )
        .unwrap_err();
    assert_eq!(wrong.code, "invalid_transition");

    // Sync, then a second device edits the same phone differently: a conflict on both.
    let out = a.sync(&mut |_| {}).await.expect("sync");
    assert!(out.pushed > 0 && out.refused == 0);
    let mut b = app(dir.path(), "b");
    b.enrol(&base, "helper", "password-123", "135790")
        .await
        .expect("enrol b");
    b.sync(&mut |_| {}).await.expect("sync b");
    let on_b = b.household(id).expect("household on b");
    let mut fb = on_b.form.clone();
    fb["household"]["phone"] = json!("13900000001");
    b.save_form(Some(id), &fb, None).expect("save b");
    let mut fa = a.household(id).expect("household").form;
    fa["household"]["phone"] = json!("13900000002");
    a.save_form(Some(id), &fa, None).expect("save a");
    b.sync(&mut |_| {}).await.expect("sync b");
    let out = a.sync(&mut |_| {}).await.expect("sync a");
    assert_eq!(out.conflicts, 1);
    b.sync(&mut |_| {}).await.expect("sync b");
    let ca = a.conflicts().expect("conflicts");
    let cb = b.conflicts().expect("conflicts");
    assert_eq!(
        ca[0].heads,
        cb[0]
            .heads
            .iter()
            .map(|h| fangpin_app::field::HeadView {
                mine: !h.mine,
                this_device: !h.this_device,
                ..h.clone()
            })
            .collect::<Vec<_>>(),
        "the same conflict on both devices, each marking its own value"
    );
    assert_eq!(ca[0].heads.iter().filter(|h| h.mine).count(), 1);
    assert_eq!(
        (
            ca[0].field.as_str(),
            ca[0].label_zh.as_str(),
            ca[0].table_zh.as_str()
        ),
        ("phone", "联系电话", "农户")
    );
    let refused = a
        .resolve_conflict("household", id, "phone", json!("13900000001"))
        .unwrap_err();
    assert_eq!(
        (refused.code.as_str(), refused.field.as_deref()),
        ("not_permitted", Some("phone")),
        "a cadre leaves conflicts to a supervisor"
    );
    let mut s = app(dir.path(), "s");
    s.enrol(&base, "sup", "password-123", "975310")
        .await
        .expect("enrol sup");
    s.sync(&mut |_| {}).await.expect("sync sup");
    s.resolve_conflict("household", id, "phone", json!("13900000001"))
        .expect("resolve");
    s.sync(&mut |_| {}).await.expect("sync sup");
    a.sync(&mut |_| {}).await.expect("sync a");
    b.sync(&mut |_| {}).await.expect("sync b");
    assert!(b.conflicts().expect("conflicts").is_empty());
    assert_eq!(
        b.household(id).expect("h").form["household"]["phone"],
        "13900000001"
    );

    // Drafts survive a restart of the app.
    a.save_draft("screening-new", &json!({"household": {"address": "半填"}}))
        .expect("draft");
    drop(a);
    let mut a = app(dir.path(), "a");
    assert!(a.status().enrolled && !a.status().unlocked);
    a.unlock("246810").expect("unlock");
    assert_eq!(
        a.load_draft("screening-new").expect("draft"),
        Some(json!({"household": {"address": "半填"}}))
    );
    assert_eq!(a.load_draft("$device/credential").expect("reserved"), None);
    // A sync runs on its own connection: the screens read and save while it runs.
    let job = a.sync_job().expect("a sync job");
    let mut saved_during = 0;
    let result = {
        let during = &mut a;
        let mut progress = |_| {
            if saved_during == 0 {
                let mut f = during.household(id).expect("read during the sync").form;
                f["household"]["address"] = json!("同步时修改的地址");
                let out = during
                    .save_form(Some(id), &f, None)
                    .expect("save during the sync");
                assert!(out.errors.is_empty() && out.saved_fields >= 1);
                saved_during += 1;
            }
        };
        job.run(&mut progress).await
    };
    a.finish_sync(result).expect("sync finished");
    assert_eq!(saved_during, 1);
    a.sync(&mut |_| {}).await.expect("sync");
    assert_eq!(a.status().pending_changes, 0);
    b.sync(&mut |_| {}).await.expect("sync b");
    assert_eq!(
        b.household(id).expect("h").form["household"]["address"],
        "同步时修改的地址"
    );
    let tasks = a.tasks().expect("tasks");
    assert!(tasks.due_ledger.is_empty(), "the only item is rectified");
    assert_eq!(tasks.to_visit_count, 0, "the one household was screened");
    let signed_out = a.sign_out(true).expect("sign out");
    assert!(!signed_out.enrolled);
}

/// A household saved with a village outside the cadre's scope is refused whole; once the
/// cadre corrects the village and saves, the whole household and its members reach the
/// service, not only the corrected field.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_household_reaches_the_service_whole_once_corrected() {
    let dir = tempfile::tempdir().expect("dir");
    let base = service(dir.path()).await;
    let mut a = app(dir.path(), "a");
    a.enrol(&base, "cadre", "password-123", "246810")
        .await
        .expect("enrol");
    let mut form: Value = serde_json::from_str(EXAMPLE).expect("example");
    form["household"]["area"]["code"] = json!("530325101202");
    let id = a
        .save_form(None, &form, None)
        .expect("save")
        .household_id
        .expect("id");
    let out = a.sync(&mut |_| {}).await.expect("sync");
    assert!(out.refused > 10 && out.pushed == 0, "{out:?}");
    let refusals = a.refusals().expect("refusals");
    assert!(refusals
        .iter()
        .all(|r| r.code == "out_of_scope" && !r.reason_zh.is_empty()));
    assert!(refusals
        .iter()
        .any(|r| r.table_zh == "家庭成员" && r.label_zh == "姓名"));
    let mut fixed = a.household(id).expect("household").form;
    fixed["household"]["area"]["code"] = json!(V1);
    a.save_form(Some(id), &fixed, None).expect("save");
    let out = a.sync(&mut |_| {}).await.expect("sync");
    assert_eq!(out.refused, 0, "{:?}", a.refusals());
    let mut s = app(dir.path(), "s");
    s.enrol(&base, "sup", "password-123", "975310")
        .await
        .expect("enrol sup");
    s.sync(&mut |_| {}).await.expect("sync sup");
    let on_service = s.household(id).expect("the household reached the service");
    assert!(on_service.errors.is_empty(), "{:?}", on_service.errors);
    assert_eq!(on_service.form["members"].as_array().map(Vec::len), Some(5));
    assert_eq!(on_service.form["household"]["phone"], "13987412345");
}

/// After a passcode change, syncs open the store with the new passcode: no failed attempts
/// pile up, and the user's own unlock keeps working.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_the_passcode_keeps_syncing_without_counting_failures() {
    let dir = tempfile::tempdir().expect("dir");
    let base = service(dir.path()).await;
    let mut a = app(dir.path(), "a");
    a.enrol(&base, "cadre", "password-123", "246810")
        .await
        .expect("enrol");
    a.change_passcode("246810", "864200").expect("change");
    for _ in 0..6 {
        a.sync(&mut |_| {})
            .await
            .expect("sync with the new passcode");
    }
    a.lock();
    a.unlock("864200")
        .expect("the user's unlock is not delayed");
}

/// A form opened before another device's edit arrived and saved afterwards: the fields the
/// cadre did not touch keep the newer value, and a field both changed becomes a conflict
/// instead of the stale value silently replacing the newer one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_saved_over_a_newer_value_is_a_conflict_not_a_silent_revert() {
    let dir = tempfile::tempdir().expect("dir");
    let base = service(dir.path()).await;
    let mut a = app(dir.path(), "a");
    a.enrol(&base, "cadre", "password-123", "246810")
        .await
        .expect("enrol");
    let form: Value = serde_json::from_str(EXAMPLE).expect("example");
    let id = a
        .save_form(None, &form, None)
        .expect("save")
        .household_id
        .expect("id");
    a.sync(&mut |_| {}).await.expect("sync");
    // A opens the form (its draft keeps the base it began from) and leaves it.
    let draft = a.household(id).expect("household").form;
    a.save_draft("screening", &draft).expect("draft");
    // B changes the wage and the phone and syncs; A syncs.
    let mut b = app(dir.path(), "b");
    b.enrol(&base, "helper", "password-123", "135790")
        .await
        .expect("enrol b");
    b.sync(&mut |_| {}).await.expect("sync b");
    let mut fb = b.household(id).expect("h").form;
    fb["income"]["current"]["wage_fen"] = json!(2_978_500);
    fb["household"]["phone"] = json!("13900000001");
    b.save_form(Some(id), &fb, None).expect("save b");
    b.sync(&mut |_| {}).await.expect("sync b");
    a.sync(&mut |_| {}).await.expect("sync a");
    // A restores the draft: the form says what changed underneath.
    let mut restored = a.load_draft("screening").expect("load").expect("draft");
    let changed = a.changed_underneath(&restored).expect("changed");
    let labels: Vec<&str> = changed.iter().map(|c| c.label_zh.as_str()).collect();
    assert!(
        labels.contains(&"工资性收入") && labels.contains(&"联系电话"),
        "{labels:?}"
    );
    // A edits only the phone and saves.
    restored["household"]["phone"] = json!("13900000002");
    a.save_form(Some(id), &restored, None).expect("save a");
    let shown = a.household(id).expect("h");
    assert_eq!(
        shown.form["income"]["current"]["wage_fen"], 2_978_500,
        "B's wage stays"
    );
    let conflicts = a.conflicts().expect("conflicts");
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert_eq!(conflicts[0].label_zh, "联系电话");
    a.sync(&mut |_| {}).await.expect("sync a");
    b.sync(&mut |_| {}).await.expect("sync b");
    assert_eq!(
        b.household(id).expect("h").form["income"]["current"]["wage_fen"],
        2_978_500
    );
    assert_eq!(b.conflicts().expect("conflicts").len(), 1);
}

/// A draft restored after another device's edit arrived is brought up to date: the fields
/// the cadre did not touch take the newer value (shown on the form, kept on save), a field the
/// cadre changed too keeps the draft's value and becomes a conflict when saved.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restored_draft_takes_what_changed_underneath_unless_the_cadre_changed_it_too() {
    let dir = tempfile::tempdir().expect("dir");
    let base = service(dir.path()).await;
    let mut a = app(dir.path(), "a");
    a.enrol(&base, "cadre", "password-123", "246810")
        .await
        .expect("enrol");
    let form: Value = serde_json::from_str(EXAMPLE).expect("example");
    let id = a
        .save_form(None, &form, None)
        .expect("save")
        .household_id
        .expect("id");
    a.sync(&mut |_| {}).await.expect("sync");
    // A types a new phone into the form and leaves: the draft keeps it, and the versions.
    let mut draft = a.household(id).expect("household").form;
    draft["household"]["phone"] = json!("13900000002");
    a.save_draft("screening", &draft).expect("draft");
    // B changes the wage and the phone and syncs; A syncs.
    let mut b = app(dir.path(), "b");
    b.enrol(&base, "helper", "password-123", "135790")
        .await
        .expect("enrol b");
    b.sync(&mut |_| {}).await.expect("sync b");
    let mut fb = b.household(id).expect("h").form;
    fb["income"]["current"]["wage_fen"] = json!(2_978_500);
    fb["household"]["phone"] = json!("13900000001");
    b.save_form(Some(id), &fb, None).expect("save b");
    b.sync(&mut |_| {}).await.expect("sync b");
    a.sync(&mut |_| {}).await.expect("sync a");

    let kept = a.load_draft("screening").expect("load").expect("draft");
    let rebased = a.rebase_form(&kept).expect("rebase");
    let mut changed: Vec<(&str, &str, bool)> = rebased
        .changed
        .iter()
        .map(|c| (c.table.as_str(), c.field.as_str(), c.edited))
        .collect();
    changed.sort();
    assert_eq!(
        changed,
        [
            ("household", "phone", true),
            ("income_year", "wage_fen", false)
        ]
    );
    let wage = rebased
        .changed
        .iter()
        .find(|c| c.field == "wage_fen")
        .expect("wage");
    assert_eq!(
        (wage.label_zh.as_str(), &wage.value),
        ("工资性收入", &json!(2_978_500))
    );
    // The form shows B's wage and keeps A's phone.
    assert_eq!(rebased.form["income"]["current"]["wage_fen"], 2_978_500);
    assert_eq!(rebased.form["household"]["phone"], "13900000002");
    // Brought up to date once, nothing is left to report for the wage.
    let again = a.rebase_form(&rebased.form).expect("rebase again");
    assert_eq!(again.changed.len(), 1, "{:?}", again.changed);

    a.save_form(Some(id), &rebased.form, None).expect("save a");
    let shown = a.household(id).expect("h");
    assert_eq!(shown.form["income"]["current"]["wage_fen"], 2_978_500);
    let conflicts = a.conflicts().expect("conflicts");
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert_eq!(conflicts[0].label_zh, "联系电话");
}

/// A valid identity number (GB 11643) for the 17-digit `body`.
fn valid_id(body: &str) -> String {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .chars()
        .zip(W)
        .map(|(c, w)| c.to_digit(10).expect("digit") * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{body}{check}")
}

/// Members added or removed on another device while a form was open stay as that device left
/// them when the old form is saved: the form changes only the rows it began from.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saving_an_old_form_keeps_members_added_or_removed_underneath() {
    let dir = tempfile::tempdir().expect("dir");
    let base = service(dir.path()).await;
    let mut a = app(dir.path(), "a");
    a.enrol(&base, "cadre", "password-123", "246810")
        .await
        .expect("enrol");
    let form: Value = serde_json::from_str(EXAMPLE).expect("example");
    let id = a
        .save_form(None, &form, None)
        .expect("save")
        .household_id
        .expect("id");
    a.sync(&mut |_| {}).await.expect("sync");
    // A's form opens (and is kept as a draft).
    let old = a.household(id).expect("household").form;
    let n = old["members"].as_array().expect("members").len();
    // B adds a member and removes the last one, and syncs; A syncs.
    let mut b = app(dir.path(), "b");
    b.enrol(&base, "helper", "password-123", "135790")
        .await
        .expect("enrol b");
    b.sync(&mut |_| {}).await.expect("sync b");
    let mut fb = b.household(id).expect("h").form;
    let gone = fb["members"][n - 1]["name"].clone();
    let mut newborn = fb["members"][1].clone();
    newborn["name"] = json!("张新");
    newborn["relation"] = json!("grandson");
    newborn["id_number"] = json!(valid_id("53032520240101001"));
    newborn["sex"] = json!("male");
    let members = fb["members"].as_array_mut().expect("members");
    members.pop();
    members.push(newborn);
    if let Some(ids) = fb["row_ids"]["members"].as_array_mut() {
        ids.pop();
    }
    let out = b.save_form(Some(id), &fb, None).expect("save b");
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    b.sync(&mut |_| {}).await.expect("sync b");
    a.sync(&mut |_| {}).await.expect("sync a");
    // Restored, the old form says who left and who is gone from it.
    let rebased = a.rebase_form(&old).expect("rebase");
    let left: Vec<(&str, &str, &Value)> = rebased
        .changed
        .iter()
        .map(|c| (c.field.as_str(), c.label_zh.as_str(), &c.value))
        .collect();
    assert!(
        left.contains(&("$alive", gone.as_str().unwrap_or_default(), &json!(false))),
        "{left:?}"
    );
    assert_eq!(
        rebased.form["members"].as_array().map(Vec::len),
        Some(n - 1)
    );
    assert_eq!(
        rebased.form["row_ids"]["members"].as_array().map(Vec::len),
        Some(n - 1)
    );
    // A saves the old form as it was (not brought up to date) with a new phone.
    let mut edited = old.clone();
    edited["household"]["phone"] = json!("13900000002");
    let out = a.save_form(Some(id), &edited, None).expect("save a");
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let names: Vec<String> = a.household(id).expect("h").form["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| m["name"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(
        names.contains(&"张新".to_owned()),
        "B's new member stays: {names:?}"
    );
    assert!(
        !names.contains(&gone.as_str().unwrap_or_default().to_owned()),
        "B's removal stays: {names:?}"
    );
    assert_eq!(names.len(), n);
    assert_eq!(
        a.household(id).expect("h").form["household"]["phone"],
        "13900000002"
    );
}

/// Two devices adding photos to one ledger item at once keep both, with no conflict; closing
/// the item records who checked it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evidence_from_two_devices_is_kept_and_closing_records_the_checker() {
    let dir = tempfile::tempdir().expect("dir");
    let base = service(dir.path()).await;
    let mut a = app(dir.path(), "a");
    a.enrol(&base, "cadre", "password-123", "246810")
        .await
        .expect("enrol");
    let form: Value = serde_json::from_str(EXAMPLE).expect("example");
    let id = a
        .save_form(None, &form, None)
        .expect("save")
        .household_id
        .expect("id");
    let item = a
        .add_ledger_item(
            id,
            &NewLedgerItem {
                source: "self_check".into(),
                problem_type: "housing".into(),
                description: "厨房漏雨".into(),
                measure: "维修屋顶".into(),
                responsible_unit: "村委会".into(),
                responsible_person: "王主任".into(),
                deadline: "2026-12-20".into(),
            },
        )
        .expect("item");
    a.sync(&mut |_| {}).await.expect("sync");
    let mut b = app(dir.path(), "b");
    b.enrol(&base, "helper", "password-123", "135790")
        .await
        .expect("enrol b");
    b.sync(&mut |_| {}).await.expect("sync b");
    let pa = a
        .add_attachment("iVBORw0KGgoA", "image/png")
        .expect("photo a");
    let pb = b
        .add_attachment("iVBORw0KGgoB", "image/png")
        .expect("photo b");
    a.add_evidence(item.id, &pa).expect("evidence a");
    b.add_evidence(item.id, &pb).expect("evidence b");
    a.sync(&mut |_| {}).await.expect("sync a");
    b.sync(&mut |_| {}).await.expect("sync b");
    a.sync(&mut |_| {}).await.expect("sync a");
    for app in [&a, &b] {
        let l = app.ledger(None).expect("ledger");
        let mut ev = l[0].evidence.clone();
        ev.sort();
        let mut want = vec![pa.clone(), pb.clone()];
        want.sort();
        assert_eq!(ev, want, "both photos are kept");
        assert!(
            app.conflicts().expect("conflicts").is_empty(),
            "and nothing conflicts"
        );
    }
    a.move_ledger_item(
        item.id,
        StatusView {
            round: 1,
            state: "rectified".into(),
        },
        None,
    )
    .expect("move");
    let e = a
        .move_ledger_item(
            item.id,
            StatusView {
                round: 1,
                state: "closed".into(),
            },
            Some(" ".into()),
        )
        .unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.field.as_deref()),
        ("required", Some("checked_by"))
    );
    let closed = a
        .move_ledger_item(
            item.id,
            StatusView {
                round: 1,
                state: "closed".into(),
            },
            Some("陈镇长".into()),
        )
        .expect("close");
    assert_eq!(closed.checked_by.as_deref(), Some("陈镇长"));
    assert!(closed.closed_on.is_some());
    assert_eq!(
        closed.head_name, "张国华",
        "the head's name comes with the moved item"
    );
    a.sync(&mut |_| {}).await.expect("sync a");
    b.sync(&mut |_| {}).await.expect("sync b");
    assert_eq!(
        b.ledger(None).expect("ledger")[0].checked_by.as_deref(),
        Some("陈镇长")
    );
}

/// Plain http:// only to this device; the address changes in 设置 without signing out; a
/// revocation keeps unpushed changes; the device is wiped only when nothing would be lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transport_and_revocation_never_lose_unpushed_changes() {
    let dir = tempfile::tempdir().expect("dir");
    let (base, backend) = service_with_backend(dir.path()).await;
    let mut a = app(dir.path(), "a");
    let e = a
        .enrol(
            "http://192.168.1.10:8080",
            "cadre",
            "password-123",
            "246810",
        )
        .await
        .unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.field.as_deref()),
        ("bad_url", Some("server_url"))
    );
    a.enrol(&base, "cadre", "password-123", "246810")
        .await
        .expect("enrol");
    let form: Value = serde_json::from_str(EXAMPLE).expect("example");
    a.save_form(None, &form, None).expect("save");
    assert_eq!(
        a.set_server_url("http://10.1.1.1").unwrap_err().code,
        "bad_url"
    );
    let moved = a.set_server_url(&format!("{base}/")).expect("new address");
    assert_eq!(moved.server_url.as_deref(), Some(base.as_str()));
    assert!(
        moved.enrolled && moved.unlocked && moved.pending_changes > 0,
        "nothing was lost"
    );
    // The office revokes the device before it synced: its unpushed work stays.
    let device = a.status().device_id.expect("device");
    use fangpin_server::Backend;
    assert!(backend.revoke_device(device, 1).await.expect("revoke"));
    let e = a.sync(&mut |_| {}).await.unwrap_err();
    assert_eq!(e.code, "device_revoked");
    assert!(a.status().enrolled && a.status().pending_changes > 0);
    assert_eq!(
        a.sync(&mut |_| {}).await.unwrap_err().code,
        "device_revoked"
    );
    assert!(
        a.households(&HouseholdQuery::default())
            .expect("still readable")
            .len()
            == 1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revocation_from_a_service_that_did_not_prove_who_it_is_wipes_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let base = service(dir.path()).await;
    let mut a = app(dir.path(), "a");
    a.enrol(&base, "cadre", "password-123", "246810")
        .await
        .expect("enrol");
    let form: Value = serde_json::from_str(EXAMPLE).expect("example");
    a.save_form(None, &form, None).expect("save");
    a.sync(&mut |_| {}).await.expect("sync");
    assert_eq!(a.status().pending_changes, 0, "nothing unsent to protect");
    let revoked = || {
        Err(fangpin_client::SyncError::Credential {
            code: "device_revoked".into(),
            message: "this device was revoked".into(),
            wipe: true,
        })
    };
    // A device enrolled before plain http:// was refused still has such an address: whoever
    // answers there proves nothing, so its "wipe" is ignored.
    let path = dir.path().join("a").join("config.json");
    let mut config: Value =
        serde_json::from_slice(&std::fs::read(&path).expect("config")).expect("json");
    config["server_url"] = serde_json::json!("http://192.0.2.10:8080");
    std::fs::write(&path, serde_json::to_vec(&config).expect("json")).expect("write");
    drop(a);
    let mut a = app(dir.path(), "a");
    a.unlock("246810").expect("unlock");
    let e = a.finish_sync(revoked()).unwrap_err();
    assert_eq!(e.code, "untrusted_revocation");
    assert!(a.status().enrolled);
    assert_eq!(
        a.households(&HouseholdQuery::default())
            .expect("still there")
            .len(),
        1
    );
    // From the service on this device (or over TLS) the same revocation is trusted, and with
    // nothing unsent the device's data is wiped.
    a.set_server_url(&base).expect("address");
    let e = a.finish_sync(revoked()).unwrap_err();
    assert_eq!(e.code, "device_revoked");
    assert!(!a.status().enrolled, "wiped");
}

/// 纳入监测 across three devices: the cadre's device refuses a step out of order before the
/// service sees it, records 入户核实 (with the signed consent) and 民主评议 offline and syncs;
/// the township records 信息比对 and 乡镇审核 after the cadre's notice; the county's approval
/// turns the household into a 监测户 with its category on the cadre's device after its next
/// sync.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_identification_runs_across_devices_and_changes_the_household() {
    let dir = tempfile::tempdir().expect("dir");
    let (base, backend) = service_with_backend(dir.path()).await;
    let day = |ago: u64| (chrono::Local::now().date_naive() - chrono::Days::new(ago)).to_string();
    let mut a = app(dir.path(), "a");
    a.enrol(&base, "cadre", "password-123", "246810")
        .await
        .expect("enrol");
    let form: Value = serde_json::from_str(EXAMPLE).expect("example");
    let id = a
        .save_form(None, &form, None)
        .expect("save")
        .household_id
        .expect("id");
    let p = a
        .start_procedure(
            id,
            &NewProcedure {
                kind: ProcedureKind::Identification,
                channel: Channel::CadreVisit,
                started_on: day(10),
                warning_id: None,
            },
        )
        .expect("start");
    let appraisal = json!({"on": day(8), "attendance": 21, "in_favour": 20, "passed": true});
    let e = a
        .record_step(p.id, Step::Appraisal, appraisal.clone())
        .unwrap_err();
    assert_eq!(e.code, "out_of_order");
    assert_eq!(e.message_zh, "请先完成“入户核实”，再登记“民主评议”。");
    let e = a
        .record_step(
            p.id,
            Step::Verification,
            json!({"on": day(9), "by": "李四", "checklist_done": true}),
        )
        .unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.field.as_deref()),
        ("missing", Some("consent_signature"))
    );
    let e = a
        .record_step(
            p.id,
            Step::TownshipReview,
            json!({"on": day(2), "by": "村干部", "approved": true}),
        )
        .unwrap_err();
    assert_eq!(e.code, "wrong_role");
    let consent = a
        .add_attachment("iVBORw0KGgoA", "image/png")
        .expect("signature");
    a.record_step(
        p.id,
        Step::Verification,
        json!({"on": day(9), "by": "李四", "checklist_done": true, "consent_signature": consent}),
    )
    .expect("verification");
    let v = a
        .record_step(p.id, Step::Appraisal, appraisal)
        .expect("appraisal");
    assert_eq!(v.steps.iter().filter(|s| s.recorded.is_some()).count(), 2);
    a.sync(&mut |_| {}).await.expect("sync");

    let mut t = app(dir.path(), "t");
    t.enrol(&base, "sup", "password-123", "135790")
        .await
        .expect("enrol sup");
    t.sync(&mut |_| {}).await.expect("sync sup");
    t.record_step(
        p.id,
        Step::Comparison,
        json!({"on": day(8), "items": ["车辆", "房产"], "consistent": true}),
    )
    .expect("comparison");
    t.sync(&mut |_| {}).await.expect("sync sup");
    a.sync(&mut |_| {}).await.expect("sync");
    let short = json!({"from": day(7), "to": day(4), "passed": true});
    assert_eq!(
        a.record_step(p.id, Step::Publicity, short)
            .unwrap_err()
            .code,
        "short_notice"
    );
    a.record_step(
        p.id,
        Step::Publicity,
        json!({"from": day(7), "to": day(3), "place": "村委会公示栏", "passed": true}),
    )
    .expect("publicity");
    a.sync(&mut |_| {}).await.expect("sync");
    t.sync(&mut |_| {}).await.expect("sync sup");
    t.record_step(
        p.id,
        Step::TownshipReview,
        json!({"on": day(2), "by": "王镇长", "approved": true}),
    )
    .expect("review");
    t.sync(&mut |_| {}).await.expect("sync sup");

    let mut k = app(dir.path(), "k");
    k.enrol(&base, "county", "password-123", "975310")
        .await
        .expect("enrol county");
    k.sync(&mut |_| {}).await.expect("sync county");
    let done = k
        .record_step(
            p.id,
            Step::CountyDecision,
            json!({"on": day(1), "approved": true, "document": "富乡振发〔2026〕12号", "monitoring_type": "sudden_hardship"}),
        )
        .expect("decision");
    assert!(done
        .outcome_zh
        .as_deref()
        .is_some_and(|o| o.contains("纳入监测")));
    k.sync(&mut |_| {}).await.expect("sync county");
    a.sync(&mut |_| {}).await.expect("sync");
    let h = a.household(id).expect("household");
    assert_eq!(h.form["household"]["household_type"], "monitored");
    assert!(
        h.errors.is_empty(),
        "the decision's own fields stay out of the form: {:?}",
        h.errors
    );
    assert!(h.assessment.is_some());
    assert_eq!(h.form["household"]["monitoring_type"], "sudden_hardship");
    assert!(a.refusals().expect("refusals").is_empty());
    let shown = a.procedures(id).expect("procedures");
    assert!(shown[0].steps.iter().all(|s| s.recorded.is_some()));

    // The village notice of the days the notice ran, as a list and as the printed PDF: the
    // head's name and the masked identity number, never the full number or a phone.
    let full_id = h.form["members"][0]["id_number"]
        .as_str()
        .expect("id")
        .to_owned();
    let head = h.form["members"][0]["name"]
        .as_str()
        .expect("name")
        .to_owned();
    let masked = fangpin_reports::publicity::mask_id(&full_id);
    let header = fangpin_reports::ReportHeader {
        area_name: "下营村".into(),
        area_code: V1.into(),
        made_on: chrono::Local::now().date_naive(),
    };
    let on = chrono::Local::now().date_naive() - chrono::Days::new(5);
    let names = std::collections::HashMap::from([
        (V1.to_owned(), "下营村".to_owned()),
        ("530325101000".to_owned(), "示范镇".to_owned()),
    ]);
    for file in ["notice.csv", "notice.pdf"] {
        let path = dir.path().join(file);
        let s = fangpin_reports::publicity::write(
            backend.clone(),
            Scope::new([V1]),
            fangpin_domain::procedure::ProcedureKind::Identification,
            on,
            &header,
            &names,
            &path,
        )
        .await
        .expect("notice");
        assert_eq!(s.households, 1);
        let text = if file.ends_with(".pdf") {
            let o = std::process::Command::new("pdftotext")
                .args([path.to_str().unwrap(), "-"])
                .output()
                .expect("pdftotext (poppler-utils) runs");
            String::from_utf8_lossy(&o.stdout).replace(char::is_whitespace, "")
        } else {
            std::fs::read_to_string(&path).expect("csv")
        };
        assert!(text.contains(&head), "{file}: {text}");
        assert!(text.contains(&masked), "{file}");
        assert!(
            !text.contains(&full_id),
            "{file} shows no full identity number"
        );
        let digits: Vec<char> = text.chars().collect();
        let phone = digits.windows(11).any(|w| {
            w[0] == '1' && ('3'..='9').contains(&w[1]) && w.iter().all(char::is_ascii_digit)
        });
        assert!(!phone, "{file} shows no phone number");
        assert!(!text.contains("13987412345"));
    }
    // Outside the notice's days nobody is listed.
    let later = fangpin_reports::publicity::write(
        backend.clone(),
        Scope::new([V1]),
        fangpin_domain::procedure::ProcedureKind::Identification,
        chrono::Local::now().date_naive(),
        &header,
        &names,
        &dir.path().join("later.csv"),
    )
    .await
    .expect("notice");
    assert_eq!(later.households, 0);
}

// ---- the campaign, 我的任务 and 回访核查 --------------------------------------------------------

/// The example household as the `n`-th of the village (1 to 9): its own 户编号, head's name,
/// household type and identity numbers.
fn nth_household(n: u32, head: &str, household_type: &str) -> Value {
    let mut form: Value = serde_json::from_str(EXAMPLE).expect("example");
    form["household"]["id"] = json!(format!("{V1}{:04}", n));
    form["household"]["household_type"] = json!(household_type);
    form["members"][0]["name"] = json!(head);
    for m in form["members"].as_array_mut().expect("members") {
        let id = m["id_number"].as_str().expect("id number").to_owned();
        m["id_number"] = json!(valid_id(&format!("{}{n}{}", &id[..14], &id[15..17])));
    }
    form
}

/// A day counted from today, `YYYY-MM-DD`.
fn day_from_today(days: i64) -> String {
    (chrono::Local::now().date_naive() + chrono::Duration::days(days)).to_string()
}

/// A campaign's four phases as they sync (an object keyed by phase), each `[from, to]` in days
/// from today.
fn phases(p: [(i64, i64); 4]) -> Value {
    let names = ["plan", "screening", "recheck", "consolidation"];
    Value::Object(
        names
            .iter()
            .zip(p)
            .map(|(phase, (from, to))| {
                (
                    (*phase).to_owned(),
                    json!({"from": day_from_today(from), "to": day_from_today(to)}),
                )
            })
            .collect(),
    )
}

/// The township's user on the service, for its office writes.
async fn township_user(backend: &SqliteBackend) -> fangpin_server::User {
    user(backend, "sup").await
}

async fn user(backend: &SqliteBackend, name: &str) -> fangpin_server::User {
    use fangpin_server::Backend;
    backend
        .user_by_name(name.into())
        .await
        .expect("user lookup")
        .expect("user")
        .user
}

/// Writes rows as the township's office does (through the service, judged like a push).
async fn office_write(
    backend: &SqliteBackend,
    writes: Vec<fangpin_server::office::OfficeWrite>,
) -> fangpin_server::office::OfficeReport {
    use fangpin_server::Backend;
    let town = township_user(backend).await;
    let now = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_millis(),
    )
    .expect("ms");
    backend
        .office_write(
            town,
            Arc::new(fangpin_domain::PolicyBook::seed()),
            writes,
            now,
        )
        .await
        .expect("the township's write")
}

fn new_row(
    table: &str,
    id: uuid::Uuid,
    fields: Vec<(&str, Value)>,
) -> fangpin_server::office::OfficeWrite {
    fangpin_server::office::OfficeWrite {
        row: fangpin_sync::RowKey::new(table, id),
        create: true,
        fields: fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
    }
}

fn campaign_row(id: uuid::Uuid, name: &str, phases: &Value) -> fangpin_server::office::OfficeWrite {
    new_row(
        "campaign",
        id,
        vec![
            ("name", json!(name)),
            ("area_code", json!("530325101000")),
            ("phases", phases.clone()),
            ("focus", json!(["formerly_poor"])),
        ],
    )
}

fn assignment_row(
    campaign: uuid::Uuid,
    name: &str,
    phases: &Value,
    duty: &str,
    person: &fangpin_server::User,
    households: &[uuid::Uuid],
) -> fangpin_server::office::OfficeWrite {
    new_row(
        "assignment",
        uuid::Uuid::now_v7(),
        vec![
            ("campaign_id", json!(campaign.to_string())),
            ("village_code", json!(V1)),
            ("duty", json!(duty)),
            ("person_id", json!(person.id.to_string())),
            ("person_name", json!(person.display_name)),
            (
                "households",
                json!(households.iter().map(|h| h.to_string()).collect::<Vec<_>>()),
            ),
            ("campaign_name", json!(name)),
            ("phases", phases.clone()),
            ("focus", json!(["formerly_poor"])),
        ],
    )
}

/// 我的任务 follows the township's current campaign: the cadre's own assignment (not the
/// helper's, not last year's campaign), its focus group (脱贫户) first, and a household stops
/// being listed once screened on or after 全面排查 began; the helper's device lists the
/// helper's household.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn my_tasks_follow_the_current_campaigns_assignment_focus_group_first() {
    let dir = tempfile::tempdir().expect("dir");
    let (base, backend) = service_with_backend(dir.path()).await;
    let mut a = app(dir.path(), "a");
    a.enrol(&base, "cadre", "password-123", "246810")
        .await
        .expect("enrol");
    let mut ids = Vec::new();
    for (n, head, kind) in [
        (1, "张一", "ordinary"),
        (2, "张二", "formerly_poor"),
        (3, "张三", "formerly_poor"),
        (4, "张四", "ordinary"),
    ] {
        let out = a
            .save_form(None, &nth_household(n, head, kind), None)
            .expect("save");
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        ids.push(out.household_id.expect("id"));
    }
    let (h1, h2, h3, h4) = (ids[0], ids[1], ids[2], ids[3]);
    a.sync(&mut |_| {}).await.expect("sync");
    // Without a campaign on the device, today's rule: screened this year.
    let before = a.tasks().expect("tasks");
    assert!(before.campaign.is_none());
    assert_eq!(before.to_visit_count, 0, "all four were screened today");

    let cadre = user(&backend, "cadre").await;
    let helper = user(&backend, "helper").await;
    let now = phases([(-20, -11), (-10, 30), (31, 50), (51, 70)]);
    let last_year = phases([(-400, -391), (-390, -360), (-359, -340), (-339, -320)]);
    let (current, old) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    let mut writes = vec![
        campaign_row(current, "2026年防返贫集中排查", &now),
        campaign_row(old, "2025年防返贫集中排查", &last_year),
        assignment_row(
            current,
            "2026年防返贫集中排查",
            &now,
            "village_cadre",
            &cadre,
            &[h1, h2, h4],
        ),
        assignment_row(
            current,
            "2026年防返贫集中排查",
            &now,
            "helper",
            &helper,
            &[h3],
        ),
        assignment_row(
            old,
            "2025年防返贫集中排查",
            &last_year,
            "village_cadre",
            &cadre,
            &[h3],
        ),
    ];
    // The households were last screened before this campaign's 全面排查 (h4 after it began).
    for (h, screened) in [(h1, -15), (h2, -15), (h3, -15), (h4, -3)] {
        writes.push(fangpin_server::office::OfficeWrite {
            row: fangpin_sync::RowKey::new("household", h),
            create: false,
            fields: vec![("screened_on".into(), json!(day_from_today(screened)))],
        });
    }
    office_write(&backend, writes).await;
    a.sync(&mut |_| {}).await.expect("sync");

    let tasks = a.tasks().expect("tasks");
    let c = tasks.campaign.as_ref().expect("the current campaign");
    assert_eq!(c.campaign_name, "2026年防返贫集中排查");
    assert_eq!(c.phase_label, "全面排查");
    assert_eq!(c.phase_from.as_deref(), Some(day_from_today(-10).as_str()));
    assert_eq!(c.phase_to.as_deref(), Some(day_from_today(30).as_str()));
    assert_eq!(c.duty_label, "村干部");
    assert_eq!(c.villages.len(), 1);
    assert_eq!(c.focus_labels, ["脱贫户"]);
    let listed: Vec<_> = tasks.to_visit.iter().map(|h| h.id).collect();
    assert_eq!(
        listed,
        [h2, h1],
        "the 脱贫户 first; not the helper's household nor last year's; h4 was visited"
    );
    assert_eq!(tasks.to_visit_count, 2);
    assert_eq!(tasks.to_visit[0].head_name, "张二");

    // Screened now, after 全面排查 began: no longer listed.
    let form = a.household(h2).expect("household").form;
    let out = a.save_form(Some(h2), &form, None).expect("save");
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let tasks = a.tasks().expect("tasks");
    assert_eq!(
        tasks.to_visit.iter().map(|h| h.id).collect::<Vec<_>>(),
        [h1]
    );
    assert_eq!(tasks.to_visit_count, 1);

    // The helper's device follows the helper's assignment.
    let mut b = app(dir.path(), "b");
    b.enrol(&base, "helper", "password-123", "135790")
        .await
        .expect("enrol b");
    b.sync(&mut |_| {}).await.expect("sync b");
    let tasks = b.tasks().expect("tasks");
    assert_eq!(
        tasks.campaign.as_ref().map(|c| c.duty_label.as_str()),
        Some("帮扶责任人")
    );
    assert_eq!(
        tasks.to_visit.iter().map(|h| h.id).collect::<Vec<_>>(),
        [h3]
    );
}

/// The households drawn for 回访核查 reach the village's devices; a cadre's device refuses to
/// record a result before anything is sent; the 办事处's device checks the result (every
/// differing field named), records it, and the service's read model holds it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recheck_result_is_recorded_by_the_office_not_by_a_cadre() {
    let dir = tempfile::tempdir().expect("dir");
    let (base, backend) = service_with_backend(dir.path()).await;
    let mut a = app(dir.path(), "a");
    a.enrol(&base, "cadre", "password-123", "246810")
        .await
        .expect("enrol");
    let form: Value = serde_json::from_str(EXAMPLE).expect("example");
    let h = a
        .save_form(None, &form, None)
        .expect("save")
        .household_id
        .expect("id");
    a.sync(&mut |_| {}).await.expect("sync");
    let cadre = user(&backend, "cadre").await;
    let now = phases([(-40, -31), (-30, -10), (-9, 20), (21, 40)]);
    let campaign = uuid::Uuid::now_v7();
    let recheck = uuid::Uuid::now_v7();
    office_write(
        &backend,
        vec![
            campaign_row(campaign, "2026年防返贫集中排查", &now),
            assignment_row(
                campaign,
                "2026年防返贫集中排查",
                &now,
                "village_cadre",
                &cadre,
                &[],
            ),
            new_row(
                "recheck",
                recheck,
                vec![
                    ("household_id", json!(h.to_string())),
                    ("village_code", json!(V1)),
                    ("campaign_id", json!(campaign.to_string())),
                    ("rank", json!(1)),
                ],
            ),
        ],
    )
    .await;
    a.sync(&mut |_| {}).await.expect("sync");
    assert_eq!(
        a.tasks().expect("tasks").campaign.map(|c| c.phase_label),
        Some("回访核查".to_owned())
    );
    let drawn = a.rechecks().expect("rechecks");
    assert_eq!(drawn.len(), 1);
    let r = &drawn[0];
    assert_eq!(
        (
            r.id,
            r.household_id,
            r.head_name.as_str(),
            r.group_name.as_str(),
            r.rank
        ),
        (recheck, h, "张国华", "3组", Some(1))
    );
    assert_eq!(r.campaign_name.as_deref(), Some("2026年防返贫集中排查"));
    assert!(r.result.is_none() && !r.may_record);

    let found = fangpin_domain::recheck::RecheckResult {
        checked_on: chrono::Local::now().date_naive(),
        checked_by: "王芳".into(),
        agrees: false,
        differing_fields: vec!["phone".into()],
        note: "户主电话已更换".into(),
    };
    let pending = a.status().pending_changes;
    let e = a.record_recheck(recheck, found.clone()).unwrap_err();
    assert_eq!(e.code, "wrong_role");
    assert!(
        e.message_zh.contains("镇扶贫办、县级管理员、办事处"),
        "{}",
        e.message_zh
    );
    assert_eq!(a.status().pending_changes, pending, "nothing is written");

    let mut o = app(dir.path(), "o");
    o.enrol(&base, "office", "password-123", "975310")
        .await
        .expect("enrol office");
    o.sync(&mut |_| {}).await.expect("sync office");
    let drawn = o.rechecks().expect("rechecks");
    assert!(drawn.len() == 1 && drawn[0].may_record);
    let e = o
        .record_recheck(
            recheck,
            fangpin_domain::recheck::RecheckResult {
                differing_fields: Vec::new(),
                ..found.clone()
            },
        )
        .unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.field.as_deref()),
        ("invalid", Some("differing_fields"))
    );
    assert!(!e.message_zh.is_empty());
    let shown = o.record_recheck(recheck, found.clone()).expect("record");
    assert_eq!(shown.result.as_ref(), Some(&found));
    let out = o.sync(&mut |_| {}).await.expect("sync office");
    assert!(out.pushed > 0 && out.refused == 0, "{out:?}");
    use fangpin_server::Backend;
    let rows = backend
        .rows(Scope::new([V1]), "recheck".into())
        .await
        .expect("read model");
    let row = rows
        .iter()
        .find(|r| r.key.id == recheck)
        .expect("the recheck row");
    assert_eq!(row.data["result"]["differing_fields"], json!(["phone"]));
    assert_eq!(row.data["result"]["checked_by"], "王芳");
    assert_eq!(row.data["result"]["agrees"], false);
    a.sync(&mut |_| {}).await.expect("sync");
    assert_eq!(
        a.rechecks().expect("rechecks")[0].result.as_ref(),
        Some(&found),
        "the cadre's device shows what the re-check found"
    );
}

/// A procedure past its time limit is listed among 我的任务 with its household's head; one
/// started today is not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overdue_procedure_appears_in_my_tasks() {
    let dir = tempfile::tempdir().expect("dir");
    let base = service(dir.path()).await;
    let mut a = app(dir.path(), "a");
    a.enrol(&base, "cadre", "password-123", "246810")
        .await
        .expect("enrol");
    let form: Value = serde_json::from_str(EXAMPLE).expect("example");
    let h = a
        .save_form(None, &form, None)
        .expect("save")
        .household_id
        .expect("id");
    assert!(a.tasks().expect("tasks").overdue_procedures.is_empty());
    let start = |days: i64| NewProcedure {
        kind: ProcedureKind::Identification,
        channel: Channel::CadreVisit,
        started_on: day_from_today(-days),
        warning_id: None,
    };
    let late = a.start_procedure(h, &start(40)).expect("start");
    a.start_procedure(h, &start(0)).expect("start");
    let tasks = a.tasks().expect("tasks");
    assert_eq!(
        tasks
            .overdue_procedures
            .iter()
            .map(|p| p.id)
            .collect::<Vec<_>>(),
        [late.id]
    );
    assert!(tasks.overdue_procedures[0].overdue);
    assert_eq!(
        tasks.procedure_heads.get(&h).map(String::as_str),
        Some("张国华")
    );
    assert_eq!(
        tasks.overdue_procedures[0],
        a.procedures(h).expect("procedures")[0],
        "shown as the household's 监测程序 tab shows it"
    );
}

/// 帮扶措施 on the device: one added under the 绿色通道 before any decision, then marked 已落实,
/// which the elimination criteria count; an unknown measure is refused naming the field.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn measures_are_added_and_marked_in_place_and_the_elimination_check_counts_them() {
    let dir = tempfile::tempdir().expect("dir");
    let base = service(dir.path()).await;
    let mut a = app(dir.path(), "a");
    a.enrol(&base, "cadre", "password-123", "246810")
        .await
        .expect("enrol");
    let form: Value = serde_json::from_str(EXAMPLE).expect("example");
    let id = a
        .save_form(None, &form, None)
        .expect("save")
        .household_id
        .expect("id");
    let in_place = |a: &FieldApp| {
        a.elimination_check(id)
            .expect("check")
            .criteria
            .into_iter()
            .find(|c| c.criterion == fangpin_domain::elimination::Criterion::MeasureInPlace)
            .expect("criterion")
            .met
    };
    assert!(!in_place(&a));
    let e = a.add_measure(id, "99", "planned", "").unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.field.as_deref()),
        ("invalid", Some("kind"))
    );
    let m = a
        .add_measure(id, "05", "planned", "大病救助先行")
        .expect("measure");
    assert_eq!(
        (m.kind_label.as_str(), m.status_label.as_str()),
        ("健康帮扶", "计划实施")
    );
    assert!(!in_place(&a), "a planned measure is not in place");
    let m = a.set_measure_status(m.id, "in_place").expect("in place");
    assert_eq!(m.status_label, "已落实");
    assert!(in_place(&a));
    assert_eq!(a.measures(id).expect("measures").len(), 1);
    a.sync(&mut |_| {}).await.expect("sync");
    assert!(
        a.refusals().expect("refusals").is_empty(),
        "the service accepts them"
    );
}
