//! The security matrix: every role against every endpoint, in scope and out; a revoked device;
//! forged and expired credentials; a change to another village's household; SQL metacharacters
//! in every text field; an oversized body. Each gets the right refusal, and nothing out of scope
//! leaks in a pull.

use fangpin_scenarios::device::{now_ms, Device};
use fangpin_scenarios::http::Http;
use fangpin_scenarios::server::{add_user, fangpin, Server};
use fangpin_sync::wire::{PullResponse, PushRequest, PushResponse, RefusalCode};
use fangpin_sync::{DeviceId, Replica, RowKey, UserId, Writer};
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

const V1: &str = "530325101201";
const V2: &str = "530325102201";

fn push_body(device: Uuid, user: Uuid, row: &RowKey, village: &str, seq_start: u64) -> Value {
    let mut r = Replica::new(fangpin_catalogue::schema().clone());
    let mut w = Writer::new(DeviceId(device), UserId(user));
    w.next_seq = seq_start;
    let cs = w.create(
        &mut r,
        row,
        &[
            ("village_code", json!(village)),
            ("head_name", json!("测试")),
        ],
        now_ms(),
    );
    serde_json::to_value(PushRequest::new(DeviceId(device), cs)).expect("json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_against_every_endpoint() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("server.db").display().to_string();
    let roles = [
        ("cadre", "village_cadre", V1),
        ("helper", "helper", V1),
        ("office", "office", V1),
        ("zhen", "township_supervisor", "530325101"),
        ("county", "county_admin", "530325"),
        ("admin", "system_admin", "530325"),
    ];
    for (u, r, s) in roles {
        add_user(&db, u, r, s);
    }
    add_user(&db, "far", "village_cadre", V2);
    let server = Server::start(&db, &[]);
    let h = Http::new(&server.url());

    // Data in both villages.
    let far_row = RowKey::new("household", Uuid::now_v7());
    let (_, far) = h.enrol("far").await;
    let far_cred = far["credential"].as_str().expect("cred").to_owned();
    let far_dev: Uuid = far["device_id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("id");
    let far_user: Uuid = far["user"]["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("id");
    let (s, _) = h
        .call(
            "POST",
            "/api/v1/sync/push",
            Some(&far_cred),
            Some(push_body(far_dev, far_user, &far_row, V2, 1)),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    let sha = "a".repeat(64);
    for (user, role, _) in roles {
        let syncs = role != "system_admin";
        let supervises = role == "township_supervisor" || role == "county_admin";
        let (s, enrol) = h.enrol(user).await;
        assert_eq!(
            s,
            if syncs {
                StatusCode::CREATED
            } else {
                StatusCode::FORBIDDEN
            },
            "{user} enrol: {enrol}"
        );
        let cred = if syncs {
            enrol["credential"].as_str().expect("cred").to_owned()
        } else {
            h.login(user).await
        };
        let (_, me) = h.call("GET", "/api/v1/me", Some(&cred), None).await;
        let dev: Uuid = me["device"]["id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("device");
        let uid: Uuid = me["user"]["id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("user");
        let mine = RowKey::new("household", Uuid::now_v7());
        let expect = |ok: bool, okc: StatusCode| if ok { okc } else { StatusCode::FORBIDDEN };

        let (s, v) = h
            .call(
                "POST",
                "/api/v1/sync/push",
                Some(&cred),
                Some(push_body(dev, uid, &mine, V1, 1)),
            )
            .await;
        assert_eq!(s, expect(syncs, StatusCode::OK), "{user} push: {v}");
        if syncs {
            let resp: PushResponse = serde_json::from_value(v).expect("push response");
            let in_scope = role != "county_admin" || V1.starts_with("530325");
            assert_eq!(
                resp.refusals.is_empty(),
                in_scope,
                "{user}: {:?}",
                resp.refusals
            );
            // Out of scope: another village's household.
            let (_, v) = h
                .call(
                    "POST",
                    "/api/v1/sync/push",
                    Some(&cred),
                    Some(push_body(
                        dev,
                        uid,
                        &RowKey::new("household", Uuid::now_v7()),
                        V2,
                        10,
                    )),
                )
                .await;
            let resp: PushResponse = serde_json::from_value(v).expect("push response");
            let county = role == "county_admin";
            assert!(
                resp.refusals
                    .iter()
                    .all(|r| r.code == RefusalCode::OutOfScope),
                "{user}: {:?}",
                resp.refusals
            );
            assert_eq!(
                resp.refusals.is_empty(),
                county,
                "{user} writes V2 only with county scope"
            );
            // And editing the far household itself.
            let mut r = Replica::new(fangpin_catalogue::schema().clone());
            let mut w = Writer::new(DeviceId(dev), UserId(uid));
            w.next_seq = 100;
            let edit = w.create(&mut r, &far_row, &[("head_name", json!("改"))], now_ms());
            let (_, v) = h
                .call(
                    "POST",
                    "/api/v1/sync/push",
                    Some(&cred),
                    Some(
                        serde_json::to_value(PushRequest::new(DeviceId(dev), edit)).expect("json"),
                    ),
                )
                .await;
            let resp: PushResponse = serde_json::from_value(v).expect("push response");
            assert_eq!(
                resp.refusals.is_empty(),
                county,
                "{user} edits the far household only with county scope"
            );
        }
        let (s, v) = h
            .call(
                "POST",
                "/api/v1/sync/pull",
                Some(&cred),
                Some(json!({"protocol": 1, "cursor": 0, "limit": 5000})),
            )
            .await;
        assert_eq!(s, expect(syncs, StatusCode::OK), "{user} pull: {v}");
        if syncs {
            let resp: PullResponse = serde_json::from_value(v).expect("pull");
            let sees_far = resp.changes.iter().any(|c| c.change.row == far_row);
            assert_eq!(
                sees_far,
                role == "county_admin",
                "{user}: nothing out of scope leaks in a pull"
            );
        }
        let (s, _) = h.call("GET", "/api/v1/conflicts", Some(&cred), None).await;
        assert_eq!(s, expect(supervises, StatusCode::OK), "{user} conflicts");
        let (s, _) = h.call("POST", "/api/v1/conflicts/resolve", Some(&cred), Some(json!({"row": mine, "field": "phone", "resolution": {"kind": "value", "value": "1"}}))).await;
        assert_eq!(
            s,
            if supervises {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::FORBIDDEN
            },
            "{user} resolve without a conflict"
        );
        let (s, v) = h
            .call(
                "GET",
                &format!(
                    "/api/v1/history?table=household&id={}&field=head_name",
                    far_row.id
                ),
                Some(&cred),
                None,
            )
            .await;
        assert_eq!(s, expect(supervises, StatusCode::OK), "{user} history");
        if supervises {
            // The county admin sees the far household's name and its own edit of it; the
            // township supervisor sees nothing of another township.
            let expected = if role == "county_admin" { 2 } else { 0 };
            assert_eq!(
                v.as_array().map(Vec::len),
                Some(expected),
                "{user}: history is scoped"
            );
        }
        let (s, _) = h.call("GET", "/api/v1/progress", Some(&cred), None).await;
        assert_eq!(
            s,
            expect(supervises || role == "office", StatusCode::OK),
            "{user} progress"
        );
        let (s, _) = h
            .call(
                "PUT",
                &format!("/api/v1/attachments/{sha}?size=3&offset=0"),
                Some(&cred),
                Some(json!(1)),
            )
            .await;
        assert!(
            if syncs {
                s != StatusCode::FORBIDDEN && s.as_u16() < 500
            } else {
                s == StatusCode::FORBIDDEN
            },
            "{user} attachment upload: {s}"
        );
        let (s, _) = h
            .call(
                "GET",
                &format!("/api/v1/attachments/{sha}/status"),
                Some(&cred),
                None,
            )
            .await;
        // No row names the attachment, so no upload was started: nothing to report, and
        // nobody else's upload is shown.
        assert_eq!(
            s,
            if syncs {
                StatusCode::NOT_FOUND
            } else {
                StatusCode::FORBIDDEN
            },
            "{user} attachment status of an upload nobody could start"
        );
        for (m, p) in [("GET", "/api/v1/users"), ("GET", "/api/v1/devices")] {
            let (s, _) = h.call(m, p, Some(&cred), None).await;
            assert_eq!(
                s,
                expect(role == "system_admin", StatusCode::OK),
                "{user} {p}"
            );
        }
        let (s, _) = h.call("POST", "/api/v1/users", Some(&cred), Some(json!({"username": format!("new-{user}"), "display_name": "x", "password": "password-123", "role": "helper", "scope": {"areas": [V1]}}))).await;
        assert_eq!(
            s,
            expect(role == "system_admin", StatusCode::CREATED),
            "{user} add user"
        );
        let (s, _) = h
            .call(
                "POST",
                &format!("/api/v1/devices/{far_dev}/revoke"),
                Some(&cred),
                None,
            )
            .await;
        assert_eq!(
            s,
            if role == "system_admin" {
                StatusCode::NO_CONTENT
            } else {
                StatusCode::FORBIDDEN
            },
            "{user} revoke"
        );
    }

    // The revoked device is refused and told to wipe.
    let (s, v) = h
        .call(
            "POST",
            "/api/v1/sync/pull",
            Some(&far_cred),
            Some(json!({"protocol": 1, "cursor": 0, "limit": 10})),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(
        (v["code"].as_str(), v["wipe"].as_bool()),
        (Some("device_revoked"), Some(true))
    );
    // Forged and malformed credentials.
    for bad in [
        format!("{far_dev}.AAAA"),
        format!("{}.{}", Uuid::now_v7(), "x".repeat(43)),
        "garbage".into(),
        String::new(),
    ] {
        let (s, v) = h.call("GET", "/api/v1/me", Some(&bad), None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{bad:?}: {v}");
    }
    let (s, _) = h.call("GET", "/api/v1/me", None, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_credentials_sql_metacharacters_and_oversized_bodies_are_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("server.db").display().to_string();
    add_user(&db, "cadre", "village_cadre", V1);
    let evil = "x'); DROP TABLE users; --";
    fangpin(&[
        "user",
        "add",
        "--db",
        &db,
        "--username",
        evil,
        "--password",
        "password-123",
        "--role",
        "village_cadre",
        "--scope",
        V1,
    ]);
    let server = Server::start(&db, &["--console-ttl-secs", "0", "--max-body", "1000000"]);
    let h = Http::new(&server.url());

    // A console session that has already expired.
    let (_, v) = h
        .call(
            "POST",
            "/api/v1/login",
            None,
            Some(json!({"username": "cadre", "password": "password-123"})),
        )
        .await;
    let (s, v) = h
        .call("GET", "/api/v1/me", v["credential"].as_str(), None)
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("credential_expired"))
    );

    // SQL metacharacters in values are data; in a table or field name they are refused by the
    // record catalogue before any SQL sees them, with the reason.
    let mut d = Device::enrol(&h.base, evil, dir.path()).await;
    let row = RowKey::new("household", Uuid::now_v7());
    let odd = RowKey::new("household'; DELETE FROM changes; --", Uuid::now_v7());
    d.store
        .create(
            &row,
            &[
                ("village_code", json!(V1)),
                ("head_name", json!("O'Brien\"; DROP TABLE rows; --")),
                ("address", json!("note' OR '1'='1 %_\\")),
            ],
            now_ms(),
        )
        .expect("create");
    let report = d.sync().await;
    assert!(report.refusals.is_empty());
    let mut forged = d.store.pending_changes(1).unwrap_or_default();
    let mut c = d
        .store
        .save(&row, &[("phone", json!("13900000000"))], now_ms())
        .expect("save");
    let mut bad = c.remove(0);
    bad.field = "note' OR '1'='1".into();
    let mut bad_table = bad.clone();
    bad_table.id.seq += 1;
    bad_table.field = "phone".into();
    bad_table.row = odd.clone();
    forged.extend([bad, bad_table]);
    let req = PushRequest::new(DeviceId(d.client_device()), forged);
    let (s, v) = h
        .call(
            "POST",
            "/api/v1/sync/push",
            Some(d.credential()),
            Some(serde_json::to_value(&req).expect("json")),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let resp: PushResponse = serde_json::from_value(v).expect("push response");
    assert_eq!(resp.refusals.len(), 2, "{:?}", resp.refusals);
    assert!(resp
        .refusals
        .iter()
        .all(|r| r.code == RefusalCode::InvalidValue));
    let mut other = Device::enrol(&h.base, "cadre", dir.path()).await;
    other.sync().await;
    let r = other.store.replica().expect("replica");
    assert_eq!(
        r.value(&row, "head_name"),
        Some(json!("O'Brien\"; DROP TABLE rows; --"))
    );
    assert_eq!(
        r.value(&row, "address"),
        Some(json!("note' OR '1'='1 %_\\"))
    );
    assert_eq!(r.value(&row, "note' OR '1'='1"), None);
    let (s, v) = h
        .call(
            "GET",
            &format!(
                "/api/v1/history?table={}&id={}&field=x",
                "household'%20OR%20'1'='1", odd.id
            ),
            Some("x"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
    let (s, _) = h
        .call(
            "POST",
            "/api/v1/login",
            None,
            Some(json!({"username": "' OR '1'='1", "password": "' OR '1'='1"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // An oversized body is refused with 413, and the service keeps serving.
    let big = "x".repeat(1_200_000);
    let (s, v) = h
        .call(
            "POST",
            "/api/v1/sync/pull",
            Some("x.y"),
            Some(json!({"pad": big})),
        )
        .await;
    assert!(
        s == StatusCode::PAYLOAD_TOO_LARGE || s == StatusCode::UNAUTHORIZED,
        "{s}: {v}"
    );
    assert!(
        !h.login("cadre").await.is_empty(),
        "still serving after the refusal"
    );
    let (_, e) = h.enrol("cadre").await;
    let cred = e["credential"].as_str().expect("cred").to_owned();
    let (s, v) = h
        .call(
            "POST",
            "/api/v1/sync/pull",
            Some(&cred),
            Some(json!({"protocol": 1, "cursor": 0, "limit": 10, "pad": big})),
        )
        .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{v}");
    assert_eq!(v["code"].as_str(), Some("body_too_large"));
    let (s, _) = h.call("GET", "/healthz", None, None).await;
    assert_eq!(s, StatusCode::OK);
}
