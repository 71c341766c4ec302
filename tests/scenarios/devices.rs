//! Three device stores and a real service: offline edits on all three, sync in every order,
//! conflicts surfaced identically on all, a supervisor resolves, everyone converges.

use fangpin_scenarios::device::{now_ms, Device};
use fangpin_scenarios::server::{add_user, Server};
use fangpin_server::cluster::township_certificates;
use fangpin_sync::{ConflictKind, RowKey};
use serde_json::json;
use uuid::Uuid;

const V1: &str = "530325101201";

fn orders() -> Vec<[usize; 3]> {
    vec![
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_devices_sync_in_every_order_and_converge_after_a_supervisor_resolves() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("server.db").display().to_string();
    add_user(&db, "cadre", "village_cadre", V1);
    add_user(&db, "helper", "helper", V1);
    add_user(&db, "office", "office", "530325101");
    add_user(&db, "zhen", "township_supervisor", "530325101");
    let server = Server::start(&db, &[]);
    let base = server.url();

    for (n, order) in orders().into_iter().enumerate() {
        let sub = dir.path().join(format!("order{n}"));
        std::fs::create_dir_all(&sub).expect("dir");
        let mut devices = [
            Device::enrol(&base, "cadre", &sub).await,
            Device::enrol(&base, "helper", &sub).await,
            Device::enrol(&base, "office", &sub).await,
        ];
        // The cadre creates a household and everyone pulls it.
        let h = RowKey::new("household", Uuid::now_v7());
        let m = RowKey::new("member", Uuid::now_v7());
        devices[0]
            .store
            .create(
                &h,
                &[
                    ("village_code", json!(V1)),
                    ("head_name", json!("张三")),
                    ("phone", json!("13800000000")),
                ],
                now_ms(),
            )
            .expect("create");
        devices[0]
            .store
            .create(
                &m,
                &[
                    ("household_id", json!(h.id.to_string())),
                    ("name", json!("张三")),
                    ("id_number", json!("530325197803120313")),
                ],
                now_ms(),
            )
            .expect("create member");
        for d in devices.iter_mut() {
            d.sync().await;
        }
        // Offline: a true conflict (phone), an agreeing pair (group), and a separate field.
        devices[0]
            .store
            .save(
                &h,
                &[("phone", json!("13911111111")), ("group", json!("3组"))],
                now_ms(),
            )
            .expect("save");
        devices[1]
            .store
            .save(
                &h,
                &[("phone", json!("13922222222")), ("group", json!("3组"))],
                now_ms(),
            )
            .expect("save");
        devices[2]
            .store
            .save(&m, &[("name", json!("张三丰"))], now_ms())
            .expect("save");
        for &i in &order {
            devices[i].sync().await;
        }
        for d in devices.iter_mut() {
            d.sync().await;
        }
        let hashes: Vec<String> = devices.iter().map(Device::state_hash).collect();
        assert!(
            hashes.iter().all(|x| *x == hashes[0]),
            "order {order:?}: devices diverged"
        );
        for d in &devices {
            let cs: Vec<_> = d
                .store
                .conflicts(100)
                .expect("conflicts")
                .into_iter()
                .filter(|c| c.row == h)
                .collect();
            assert_eq!(
                cs.len(),
                1,
                "order {order:?}: exactly the phone conflict: {cs:?}"
            );
            assert_eq!(
                (cs[0].field.as_str(), cs[0].kind),
                ("phone", ConflictKind::Value)
            );
            assert_eq!(cs[0].heads.len(), 2);
        }
        let r = devices[0].store.replica().expect("replica");
        assert_eq!(r.value(&h, "group"), Some(json!("3组")));
        assert_eq!(r.value(&m, "name"), Some(json!("张三丰")));

        // The supervisor resolves in the console; the resolution syncs like any change.
        let login: serde_json::Value = reqwest::Client::new()
            .post(format!("{base}/api/v1/login"))
            .json(&json!({"username": "zhen", "password": "password-123"}))
            .send()
            .await
            .expect("login")
            .json()
            .await
            .expect("json");
        let cred = login["credential"].as_str().expect("credential");
        let server_conflicts: Vec<serde_json::Value> = reqwest::Client::new()
            .get(format!("{base}/api/v1/conflicts"))
            .bearer_auth(cred)
            .send()
            .await
            .expect("conflicts")
            .json()
            .await
            .expect("json");
        assert!(server_conflicts
            .iter()
            .any(|c| c["row"]["id"] == h.id.to_string()));
        let resolved = reqwest::Client::new()
            .post(format!("{base}/api/v1/conflicts/resolve"))
            .bearer_auth(cred)
            .json(&json!({"row": h, "field": "phone", "resolution": {"kind": "value", "value": "13922222222"}}))
            .send()
            .await
            .expect("resolve");
        assert!(
            resolved.status().is_success(),
            "{}",
            resolved.text().await.unwrap_or_default()
        );
        for d in devices.iter_mut() {
            d.sync().await;
        }
        let hashes: Vec<String> = devices.iter().map(Device::state_hash).collect();
        assert!(
            hashes.iter().all(|x| *x == hashes[0]),
            "order {order:?}: diverged after the resolution"
        );
        for d in &devices {
            assert!(d
                .store
                .conflicts(100)
                .expect("conflicts")
                .iter()
                .all(|c| c.row != h));
            assert_eq!(
                d.store.replica().expect("replica").value(&h, "phone"),
                Some(json!("13922222222"))
            );
            assert_eq!(
                d.store.pending_count().expect("pending"),
                0,
                "everything pushed and acknowledged"
            );
        }
    }
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_sync_over_tls_with_the_township_certificate() {
    let dir = tempfile::tempdir().expect("dir");
    // A township CA and the service's certificate signed by it, as an office would set up.
    let certs = township_certificates(dir.path()).expect("certificates");
    let (ca, cert, key) = (certs.ca, certs.cert, certs.key);
    let db = dir.path().join("server.db").display().to_string();
    add_user(&db, "cadre", "village_cadre", V1);
    let server = Server::start_tls(&db, &cert, &key);
    let https = server.url();
    assert!(https.starts_with("https://"));
    let pem = std::fs::read(&ca).expect("the township CA");
    // Without the township's certificate the device refuses the connection.
    let untrusted = fangpin_client::Client::enrol(&https, "cadre", "password-123", "t")
        .await
        .unwrap_err();
    assert_eq!(untrusted.code(), "no_network", "{untrusted}");
    let e =
        fangpin_client::Client::enrol_trusting(&https, "cadre", "password-123", "t", Some(&pem))
            .await
            .expect("enrol over TLS");
    let mut client =
        fangpin_client::Client::trusting(&https, &e.credential, e.device_id, Some(&pem))
            .expect("client");
    client.retry.attempts = 1;
    let user: Uuid = e.user["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("user");
    let identity = fangpin_store::DeviceIdentity {
        device: fangpin_sync::DeviceId(e.device_id),
        user: fangpin_sync::UserId(user),
    };
    let mut store = fangpin_store::Store::init(
        &dir.path().join("d.db"),
        "123456",
        identity,
        &fangpin_store::StoreOptions::insecure_for_tests(),
    )
    .expect("store");
    let h = RowKey::new("household", Uuid::now_v7());
    store
        .create(&h, &[("village_code", json!(V1))], now_ms())
        .expect("create");
    let report = client
        .sync(&mut store, &mut |_| {})
        .await
        .expect("sync over TLS");
    assert_eq!(report.pushed, 2);
    // Plain HTTP to the TLS port gets nothing.
    let plain = reqwest::get(https.replace("https://", "http://") + "/healthz").await;
    assert!(plain.map(|r| !r.status().is_success()).unwrap_or(true));
}
