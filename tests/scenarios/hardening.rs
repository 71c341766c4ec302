//! The service attacked from outside over HTTP, as the hardening review did: sign-in limits
//! per name, user and address; malformed, compressed and out-of-range bodies answered with a
//! JSON reason and never wedging the device that sent them (on both backends); accounts
//! disabled, reset and renewed over the API and the command line; plain HTTP refused off
//! loopback.

use std::net::{IpAddr, Ipv4Addr};
use std::process::Command;

use fangpin_client::{Client, SyncError};
use fangpin_scenarios::db::{Backend, ServiceDb};
use fangpin_scenarios::device::{now_ms, subdir, Device};
use fangpin_scenarios::http::Http;
use fangpin_scenarios::on_both_backends;
use fangpin_scenarios::server::{add_user, fangpin, fangpin_bin, free_port, Server};
use fangpin_sync::wire::MAX_SEQ;
use fangpin_sync::wire::{PushRequest, PushResponse, RefusalCode};
use fangpin_sync::{DeviceId, RowKey};
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

const V1: &str = "530325101201";
const V2: &str = "530325101202";

fn loopback(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, last))
}

fn sign_in(user: &str, password: &str) -> Option<Value> {
    Some(json!({"username": user, "password": password}))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_is_limited_per_name_user_and_address_and_never_locks_a_user_out_from_elsewhere() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("server.db").display().to_string();
    add_user(&db, "cadre", "village_cadre", V1);
    let server = Server::start(&db, &[]);
    let h = Http::from_address(&server.url(), loopback(1));

    // Names are bounded before anything is hashed or remembered.
    let (s, v) = h
        .call(
            "POST",
            "/api/v1/login",
            None,
            sign_in(&"名".repeat(65), "x"),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_username")),
        "{v}"
    );
    let (s, v) = h
        .call(
            "POST",
            "/api/v1/login",
            None,
            sign_in(&"x".repeat(1 << 20), "x"),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("body_too_large")),
        "{v}"
    );
    // A 15 MiB name compressed to a few KiB is refused by its decompressed size.
    let bomb = {
        use std::io::Write;
        let body = serde_json::to_vec(&json!({
            "username": "x".repeat(15 << 20),
            "password": "x",
        }))
        .expect("json");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&body).expect("gzip");
        gz.finish().expect("gzip")
    };
    assert!(bomb.len() < 100_000, "{}", bomb.len());
    let resp = h
        .client()
        .post(format!("{}/api/v1/login", h.base))
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .body(bomb)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // One address trying one password across many names is slowed after its free failures.
    let mut refused = 0;
    let mut limited = None;
    for i in 0..30 {
        let (s, v) = h
            .call(
                "POST",
                "/api/v1/login",
                None,
                sign_in(&format!("guess{i}"), "password-123"),
            )
            .await;
        match s {
            StatusCode::UNAUTHORIZED => refused += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                assert_eq!(v["code"].as_str(), Some("too_many_attempts"), "{v}");
                assert!(v["retry_after_ms"].as_i64().unwrap_or(0) > 0, "{v}");
                limited = Some(i);
                break;
            }
            other => panic!("{other}: {v}"),
        }
    }
    assert_eq!(
        (refused, limited),
        (21, Some(21)),
        "twenty free failures per address, then a wait"
    );
    let (s, _) = h
        .call(
            "POST",
            "/api/v1/login",
            None,
            sign_in("cadre", "password-123"),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::TOO_MANY_REQUESTS,
        "the address waits, whoever it names"
    );
    // The user is not locked out from another machine.
    let elsewhere = Http::from_address(&server.url(), loopback(2));
    assert!(!elsewhere.login("cadre").await.is_empty());

    // Fifteen wrong passwords for a known user from one address lock only that address.
    let guesser = Http::from_address(&server.url(), loopback(3));
    let mut statuses = Vec::new();
    for _ in 0..15 {
        let (s, _) = guesser
            .call(
                "POST",
                "/api/v1/login",
                None,
                sign_in("cadre", "wrong-password"),
            )
            .await;
        statuses.push(s);
    }
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::UNAUTHORIZED)
            .count(),
        6,
        "five free failures for a user from one address, then waits: {statuses:?}"
    );
    let (s, _) = guesser
        .call(
            "POST",
            "/api/v1/login",
            None,
            sign_in("cadre", "password-123"),
        )
        .await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    let own = Http::from_address(&server.url(), loopback(4));
    assert!(
        !own.login("cadre").await.is_empty(),
        "the cadre signs in from their own tablet"
    );
}

on_both_backends!(bad_requests_get_a_json_reason_and_the_device_moves_past_them);
async fn bad_requests_get_a_json_reason_and_the_device_moves_past_them(backend: Backend) {
    let dir = tempfile::tempdir().expect("dir");
    let db = ServiceDb::new(backend, dir.path());
    add_user(&db.url, "cadre", "village_cadre", V1);
    add_user(&db.url, "supervisor", "township_supervisor", "530325101");
    let server = Server::start(&db.url, &[]);
    let h = Http::new(&server.url());
    let mut d = Device::enrol(&h.base, "cadre", dir.path()).await;
    let cred = d.credential().to_owned();
    let push = |body: Vec<u8>, gzip: bool| {
        let mut req = h
            .client()
            .post(format!("{}/api/v1/sync/push", h.base))
            .bearer_auth(&cred)
            .header("content-type", "application/json");
        if gzip {
            req = req.header("content-encoding", "gzip");
        }
        async move {
            let resp = req.body(body).send().await.expect("send");
            let status = resp.status();
            let v: Value = resp.json().await.unwrap_or(Value::Null);
            (status, v)
        }
    };

    // A GET on a POST route says so in JSON.
    let (s, v) = h.call("GET", "/api/v1/sync/push", Some(&cred), None).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::METHOD_NOT_ALLOWED, Some("method_not_allowed")),
        "{v}"
    );
    // A corrupt gzip body is malformed, not too large.
    let (s, v) = push(b"\x1f\x8b\x08\x00garbage-not-deflate".to_vec(), true).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("malformed_body")),
        "{v}"
    );

    let h1 = RowKey::new("household", Uuid::now_v7());
    d.store
        .create(&h1, &[("village_code", json!(V1))], now_ms())
        .expect("create");
    d.sync().await;
    let stored = d
        .store
        .replica()
        .expect("replica")
        .history(&h1, "village_code");
    // A batch of a stored change and one numbered past the range is refused whole with its
    // reason; before, SQLite answered 500 to it on every retry.
    let mut out_of_range = stored[0].clone();
    out_of_range.id.seq = MAX_SEQ + 1;
    let batch = vec![stored[0].clone(), out_of_range];
    let req = PushRequest::new(DeviceId(d.client_device()), batch);
    let (s, v) = push(serde_json::to_vec(&req).expect("json"), false).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["message"].as_str().unwrap_or("").contains("seq"),
        "the reason names the sequence number: {v}"
    );

    // A NUL in a table name is refused with its reason (before, PostgreSQL answered 500 to it
    // and to every later push of the device's log), and the device's next change is taken.
    d.store
        .save(&h1, &[("phone", json!("13900000000"))], now_ms())
        .expect("save");
    let mut pending = d.store.pending_changes(10).expect("pending");
    let mut nul = pending[0].clone();
    nul.row.table = "house\0hold".into();
    nul.id.seq += 1;
    pending.push(nul);
    let req = PushRequest::new(DeviceId(d.client_device()), pending.clone());
    let (s, v) = push(serde_json::to_vec(&req).expect("json"), false).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let resp: PushResponse = serde_json::from_value(v).expect("push response");
    assert_eq!(resp.accepted, 1);
    assert_eq!(
        resp.refusals.iter().map(|r| r.code).collect::<Vec<_>>(),
        [RefusalCode::InvalidValue]
    );
    assert!(
        !resp.refusals[0].reason.contains('\0'),
        "control characters never reach a reason"
    );
    d.sync().await;
    assert_eq!(d.store.pending_count().expect("pending"), 0);

    // The history's table, id and field are query parameters, as documented.
    let (s, v) = h
        .call(
            "GET",
            &format!("/api/v1/history?table=household&id={}&field=phone", h1.id),
            Some(&h.login("supervisor").await),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    db.assert_read_model_rebuilds("after the bad requests");
}

fn user_id(h_users: &Value, name: &str) -> String {
    h_users
        .as_array()
        .and_then(|a| a.iter().find(|u| u["username"] == name))
        .and_then(|u| u["id"].as_str())
        .unwrap_or_else(|| panic!("{name} in {h_users}"))
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_are_disabled_reset_and_renewed_over_the_api_and_the_command_line() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("server.db").display().to_string();
    add_user(&db, "admin", "system_admin", "530325");
    add_user(&db, "cadre", "village_cadre", V1);
    add_user(&db, "helper", "village_cadre", V1);
    add_user(&db, "renewer", "village_cadre", V1);
    // One-day credentials: due for renewal at once.
    let server = Server::start(&db, &["--device-ttl-days", "1"]);
    let h = Http::new(&server.url());
    let admin = h.login("admin").await;
    let (_, users) = h.call("GET", "/api/v1/users", Some(&admin), None).await;
    let cadre_id = user_id(&users, "cadre");

    // The cadre's tablet holds a change it has not sent when the cadre leaves.
    let mut d = Device::enrol(&h.base, "cadre", dir.path()).await;
    let hh = RowKey::new("household", Uuid::now_v7());
    d.store
        .create(&hh, &[("village_code", json!(V1))], now_ms())
        .expect("create");
    let (s, v) = h
        .call(
            "PATCH",
            &format!("/api/v1/users/{cadre_id}"),
            Some(&admin),
            Some(json!({"disabled": true})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["disabled"], json!(true));
    let e = d
        .client
        .sync(&mut d.store, &mut |_| {})
        .await
        .expect_err("a disabled user's device is refused");
    assert!(
        matches!(&e, SyncError::Credential { code, wipe: true, .. } if code == "user_disabled"),
        "told why: {e}"
    );
    assert_eq!(
        d.store.pending_count().expect("pending"),
        2,
        "the unsent change stays on the device"
    );
    let (s, v) = h.enrol("cadre").await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("user_disabled")),
        "a departed cadre cannot enrol again"
    );

    // Enabled again, with a new password set by the administrator: the old one stops working.
    let (s, _) = h
        .call(
            "PATCH",
            &format!("/api/v1/users/{cadre_id}"),
            Some(&admin),
            Some(json!({"disabled": false, "scope": {"areas": [V1, V2]}})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = h
        .call(
            "POST",
            &format!("/api/v1/users/{cadre_id}/password"),
            Some(&admin),
            Some(json!({"password": "new-password-456"})),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = h
        .call(
            "POST",
            "/api/v1/login",
            None,
            sign_in("cadre", "password-123"),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, v) = h
        .call(
            "POST",
            "/api/v1/login",
            None,
            sign_in("cadre", "new-password-456"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["user"]["scope"]["areas"], json!([V1, V2]));
    let (s, v) = h
        .call("GET", "/api/v1/me", Some(d.credential()), None)
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("device_revoked")),
        "the old tablet stays revoked once the account is enabled again"
    );

    // The command line does the same.
    let sub = |name: &str| subdir(dir.path(), name);
    let mut other = Device::enrol(&h.base, "helper", &sub("helper")).await;
    fangpin(&["user", "disable", "--db", &db, "helper"]);
    let e = other
        .client
        .sync(&mut other.store, &mut |_| {})
        .await
        .expect_err("refused after the command line disabled the user");
    assert!(
        matches!(&e, SyncError::Credential { code, wipe: true, .. } if code == "user_disabled"),
        "{e}"
    );
    fangpin(&["user", "enable", "--db", &db, "helper"]);
    fangpin(&[
        "user", "set-role", "--db", &db, "helper", "--role", "helper",
    ]);
    fangpin(&["user", "set-scope", "--db", &db, "helper", "--scope", V2]);
    fangpin(&[
        "user",
        "set-password",
        "--db",
        &db,
        "helper",
        "--password",
        "another-pass-789",
    ]);
    let listed = fangpin(&["user", "list", "--db", &db]);
    let line = listed
        .lines()
        .find(|l| l.contains("helper") && !l.contains("admin"))
        .expect("helper listed");
    assert!(line.contains(V2), "{line}");
    let (s, v) = h
        .call(
            "POST",
            "/api/v1/login",
            None,
            sign_in("helper", "another-pass-789"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["user"]["role"], json!("helper"));
    assert_eq!(v["user"]["scope"]["areas"], json!([V2]));

    // A credential due for renewal is renewed with nothing on the device touched; the old
    // one stops working and the unsent change goes with the new one.
    let mut r = Device::enrol(&h.base, "renewer", &sub("renewer")).await;
    let hr = RowKey::new("household", Uuid::now_v7());
    r.store
        .create(&hr, &[("village_code", json!(V1))], now_ms())
        .expect("create");
    let renewal = r
        .client
        .renew_if_due(r.expires_ms, now_ms())
        .await
        .expect("renew")
        .expect("a one-day credential is due");
    let old = r.credential().to_owned();
    let (s, _) = h.call("GET", "/api/v1/me", Some(&old), None).await;
    assert_eq!(
        s,
        StatusCode::UNAUTHORIZED,
        "the old credential stops working"
    );
    r.client = Client::new(&h.base, &renewal.credential, r.client_device()).expect("client");
    assert_eq!(r.store.pending_count().expect("pending"), 2);
    let report = r.sync().await;
    assert_eq!(report.pushed, 2, "{report:?}");

    // Devices are listed and revoked from the command line.
    let devices = fangpin(&["device", "list", "--db", &db]);
    let id = r.client_device().to_string();
    assert!(devices.contains(&id), "{devices}");
    fangpin(&["device", "revoke", "--db", &db, &id]);
    let e = r
        .client
        .sync(&mut r.store, &mut |_| {})
        .await
        .expect_err("a revoked device is refused");
    assert_eq!(e.code(), "device_revoked", "{e}");
}

#[test]
fn plain_http_is_served_only_on_loopback_unless_asked() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("server.db").display().to_string();
    let out = Command::new(fangpin_bin())
        .args(["serve", "--db", &db, "--listen", "0.0.0.0:0"])
        .output()
        .expect("run fangpin serve");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not a loopback address") && err.contains("--insecure-http"),
        "{err}"
    );
    let mut server = Server::start(&db, &["--insecure-http"]);
    // Started on loopback by the test harness; with the flag a wildcard address is taken too.
    assert!(server.terminate());
    let mut child = Command::new(fangpin_bin())
        .args([
            "serve",
            "--db",
            &db,
            "--listen",
            &format!("0.0.0.0:{}", free_port()),
            "--insecure-http",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().expect("stdout")),
        &mut line,
    )
    .expect("listening line");
    assert!(line.contains("listening on http://0.0.0.0:"), "{line}");
    let _ = child.kill();
    let _ = child.wait();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_devices_upload_of_the_same_hash_neither_blocks_nor_fakes_a_devices_upload() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("server.db").display().to_string();
    add_user(&db, "cadre", "village_cadre", V1);
    add_user(&db, "squatter", "village_cadre", V1);
    let server = Server::start(&db, &[]);
    let h = Http::new(&server.url());
    let sub = |name: &str| subdir(dir.path(), name);
    let mut a = Device::enrol(&h.base, "cadre", &sub("a")).await;
    let mut b = Device::enrol(&h.base, "squatter", &sub("b")).await;
    let photo: Vec<u8> = (0..10_000u32).map(|i| (i * 13 % 251) as u8).collect();
    let sha = a
        .store
        .put_attachment(&photo, "image/jpeg", now_ms())
        .expect("photo");
    let visit = |d: &mut Device| {
        let hh = RowKey::new("household", Uuid::now_v7());
        d.store
            .create(&hh, &[("village_code", json!(V1))], now_ms())
            .expect("household");
        d.store
            .create(
                &RowKey::new("visit", Uuid::now_v7()),
                &[
                    ("household_id", json!(hh.id.to_string())),
                    ("photos", json!([sha])),
                ],
                now_ms(),
            )
            .expect("visit");
    };
    // The squatter names the same hash in a row of its own and starts two false uploads
    // before the cadre's: one with another size, one with the right size and nearly all of
    // the bytes, wrong ones.
    visit(&mut b);
    b.sync().await;
    let put = |size: usize, bytes: Vec<u8>| {
        h.client()
            .put(format!(
                "{}/api/v1/attachments/{sha}?size={size}&offset=0",
                h.base
            ))
            .bearer_auth(b.credential())
            .header("content-type", "application/octet-stream")
            .body(bytes)
            .send()
    };
    assert_eq!(
        put(7, vec![1, 2, 3]).await.expect("put").status(),
        StatusCode::OK
    );
    let squat = put(10_000, vec![0; 9_999]).await.expect("put");
    assert!(
        squat.status().is_success() || squat.status() == StatusCode::CONFLICT,
        "{}",
        squat.status()
    );

    visit(&mut a);
    let report = a.sync().await;
    assert_eq!(report.attachments, 1, "{report:?}");
    assert!(
        report.retries <= 1,
        "no loop against the other device's upload: {report:?}"
    );
    assert!(a.store.attachments_to_upload().expect("pending").is_empty());
    assert_eq!(
        h.download(&sha, a.credential()).await,
        photo,
        "the service holds the cadre's bytes, not the squatter's"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_restored_from_an_older_copy_is_told_its_numbers_collide_and_loses_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("server.db").display().to_string();
    add_user(&db, "cadre", "village_cadre", V1);
    let server = Server::start(&db, &[]);
    let mut d = Device::enrol(&server.url(), "cadre", dir.path()).await;
    d.households(V1, 2, "first");
    d.sync().await;
    // The tablet's data is replaced by a copy from before it made those changes, and the cadre
    // edits offline before syncing: the new change takes a number the service already holds.
    let copy_dir = subdir(dir.path(), "copy");
    d.store = fangpin_store::Store::init(
        &copy_dir.join("restored.db"),
        "123456",
        d.store.identity(),
        &fangpin_store::StoreOptions::insecure_for_tests(),
    )
    .expect("the older copy");
    d.households(V1, 1, "offline");
    let e = d
        .client
        .sync(&mut d.store, &mut |_| {})
        .await
        .expect_err("the service refuses a reused version id");
    assert!(
        matches!(e, SyncError::VersionReused { stored_through, .. } if stored_through > 0),
        "the device is told, with where the service stands: {e}"
    );
    assert_eq!(e.code(), "version_reused");
    assert!(!e.is_transient(), "not retried in a loop");
    assert_eq!(
        d.store.pending_count().expect("pending"),
        9,
        "nothing the cadre entered is lost"
    );
    let mut fresh = Device::enrol(&server.url(), "cadre", &subdir(dir.path(), "f")).await;
    fresh.sync().await;
    assert_eq!(
        fresh.household_count(),
        2,
        "and the service kept its own content"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_protocol_1_device_is_refused_with_the_reason_once_the_service_was_restored() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("server.db").display().to_string();
    add_user(&db, "cadre", "village_cadre", V1);
    let mut server = Server::start(&db, &[]);
    let h = Http::new(&server.url());
    let mut d = Device::enrol(&h.base, "cadre", dir.path()).await;
    d.households(V1, 1, "old");
    let changes = d.store.pending_changes(100).expect("pending");
    let mut body =
        serde_json::to_value(PushRequest::new(DeviceId(d.client_device()), changes)).expect("json");
    body["protocol"] = json!(1);
    let pull = json!({"protocol": 1, "cursor": 0, "limit": 100});
    let (s, v) = h
        .call(
            "POST",
            "/api/v1/sync/push",
            Some(d.credential()),
            Some(body.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "an older device syncs as before: {v}");
    assert!(server.terminate());
    fangpin(&["epoch", "new", "--db", &db]);
    server.restart();
    for (path, req) in [("/api/v1/sync/push", body), ("/api/v1/sync/pull", pull)] {
        let (s, v) = h.call("POST", path, Some(d.credential()), Some(req)).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (StatusCode::UPGRADE_REQUIRED, Some("protocol_outdated")),
            "{path}: {v}"
        );
        assert!(v["message"]
            .as_str()
            .unwrap_or("")
            .contains("update the app"));
    }
    // The current app syncs on.
    d.households(V1, 1, "new");
    assert!(d.sync().await.refusals.is_empty());
}
