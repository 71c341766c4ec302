//! Faults, on both backends: the service killed with SIGKILL at random points during pushes
//! and pulls, then restarted; a connection cut mid-batch; a corrupted batch; an upload cut
//! mid-way. Nothing is lost, nothing is applied twice, the device resumes, and after every step
//! the service's read model equals a rebuild from its changes.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use fangpin_scenarios::db::{Backend, ServiceDb};
use fangpin_scenarios::device::{now_ms, Device};
use fangpin_scenarios::http::Http;
use fangpin_scenarios::on_both_backends;
use fangpin_scenarios::proxy::{self, Faults};
use fangpin_scenarios::server::{add_user, Server};
use fangpin_sync::RowKey;
use rand::{Rng, SeedableRng};
use serde_json::json;
use tokio::sync::mpsc;
use uuid::Uuid;

const V1: &str = "530325101201";

/// Runs a sync in the background and kills the server after `kill_after` progress reports,
/// then restarts it; returns once the sync has finished. Panics when the sync ended before
/// the kill, so every call really cuts a sync.
async fn sync_through_a_kill(device: Device, server: &mut Server, kill_after: usize) -> Device {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let task = tokio::spawn(async move {
        let mut device = device;
        let mut progress = |p| {
            let _ = tx.send(p);
        };
        let client = device.client.clone();
        let report = client.sync(&mut device.store, &mut progress).await;
        (device, report)
    });
    let mut seen = 0;
    while rx.recv().await.is_some() {
        seen += 1;
        if seen == kill_after {
            server.kill();
            server.restart();
        }
    }
    let (mut device, report) = task.await.expect("sync task");
    if let Err(e) = report {
        // A service that is down is reported at once, not waited for; the app syncs again (in
        // the background), and that sync finishes.
        assert_eq!(e.code(), "no_network", "{e}");
        let client = device.client.clone();
        client
            .sync(&mut device.store, &mut |_| {})
            .await
            .expect("the next sync finishes after the restart");
    }
    assert!(
        seen >= kill_after,
        "the sync ended after {seen} reports, before the kill at {kill_after}"
    );
    device
}

on_both_backends!(
    the_service_killed_during_pushes_and_pulls_loses_nothing_and_applies_nothing_twice
);
async fn the_service_killed_during_pushes_and_pulls_loses_nothing_and_applies_nothing_twice(
    backend: Backend,
) {
    let dir = tempfile::tempdir().expect("dir");
    let sdb = ServiceDb::new(backend, dir.path());
    let db = sdb.url.clone();
    add_user(&db, "cadre", "village_cadre", V1);
    add_user(&db, "other", "village_cadre", V1);
    let mut server = Server::start(&db, &[]);
    let base = server.url();
    let mut rng = rand::rngs::StdRng::seed_from_u64(20261129);

    let mut writer = Device::enrol(&base, "cadre", dir.path()).await;
    writer.client.batch = 50;
    let rounds = 12;
    for round in 0..rounds {
        writer.households(V1, 40, &format!("r{round}"));
        let pending = writer.store.pending_count().expect("pending") as usize;
        let batches = pending.div_ceil(50);
        // Kill somewhere in the push (progress reports 1..=batches) or in the pull after it.
        let at = rng.gen_range(1..=batches + 2);
        writer = sync_through_a_kill(writer, &mut server, at).await;
        assert_eq!(
            writer.store.pending_count().expect("pending"),
            0,
            "round {round}: everything acknowledged"
        );
        sdb.assert_read_model_rebuilds(&format!("after round {round}"));
    }

    // Fresh devices pull everything in small batches while the service is killed again, each
    // at a random point of its download.
    writer.sync().await;
    let mut reader = None;
    for n in 0..6 {
        let sub = dir.path().join(format!("reader{n}"));
        std::fs::create_dir_all(&sub).expect("dir");
        let mut fresh = Device::enrol(&base, "other", &sub).await;
        fresh.client.batch = 100;
        let at = rng.gen_range(1..60);
        let fresh = sync_through_a_kill(fresh, &mut server, at).await;
        assert_eq!(
            fresh.state_hash(),
            writer.state_hash(),
            "reader {n} has exactly what the writer saved"
        );
        sdb.assert_read_model_rebuilds(&format!("after reader {n}"));
        reader = Some(fresh);
    }
    let reader = reader.expect("a reader");
    let replica = reader.store.replica().expect("replica");
    assert_eq!(
        replica.len(),
        writer.store.replica().expect("replica").len()
    );
    assert_eq!(replica.alive_rows("household").len(), rounds * 40);
    // Nothing applied twice: every field has exactly one version on the service.
    let login: serde_json::Value = reqwest::Client::new()
        .post(format!("{base}/api/v1/login"))
        .json(&json!({"username": "other", "password": "password-123"}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("json");
    assert!(login["credential"].is_string());
    for row in replica.alive_rows("household").iter().take(5) {
        assert_eq!(replica.history(row, "head_name").len(), 1);
    }
}

on_both_backends!(a_cut_connection_and_a_corrupted_batch_are_repeated_not_applied);
async fn a_cut_connection_and_a_corrupted_batch_are_repeated_not_applied(backend: Backend) {
    let dir = tempfile::tempdir().expect("dir");
    let sdb = ServiceDb::new(backend, dir.path());
    let db = sdb.url.clone();
    add_user(&db, "cadre", "village_cadre", V1);
    add_user(&db, "other", "village_cadre", V1);
    let server = Server::start(&db, &[]);
    let mut direct = Device::enrol(&server.url(), "cadre", dir.path()).await;
    direct.households(V1, 30, "x");
    direct.sync().await;

    let faults = Arc::new(Faults::default());
    let via = proxy::start(format!("127.0.0.1:{}", server.port()), faults.clone()).await;
    let sub = dir.path().join("via-proxy");
    std::fs::create_dir_all(&sub).expect("dir");
    let mut device = Device::enrol(&via, "other", &sub).await;
    device.client.batch = 60;
    faults.cut.store(2, Ordering::SeqCst);
    faults.corrupt.store(2, Ordering::SeqCst);
    let report = device.sync().await;
    assert_eq!(
        faults.was_cut.load(Ordering::SeqCst),
        2,
        "two responses were cut"
    );
    assert_eq!(
        faults.corrupted.load(Ordering::SeqCst),
        2,
        "two batches were corrupted"
    );
    assert!(report.retries >= 4, "each fault was retried: {report:?}");
    assert_eq!(
        device.state_hash(),
        direct.state_hash(),
        "no corrupted value was applied, nothing is missing"
    );
    sdb.assert_read_model_rebuilds("after the cut and corrupted batches");
}

on_both_backends!(an_attachment_upload_cut_mid_way_resumes_from_what_the_service_holds);
async fn an_attachment_upload_cut_mid_way_resumes_from_what_the_service_holds(backend: Backend) {
    let dir = tempfile::tempdir().expect("dir");
    let sdb = ServiceDb::new(backend, dir.path());
    let db = sdb.url.clone();
    add_user(&db, "cadre", "village_cadre", V1);
    let server = Server::start(&db, &[]);
    let faults = Arc::new(Faults::default());
    let via = proxy::start(format!("127.0.0.1:{}", server.port()), faults.clone()).await;
    let mut device = Device::enrol(&via, "cadre", dir.path()).await;
    device.client.chunk = 64 * 1024;
    // A photo of 300 KiB: five chunks.
    let photo: Vec<u8> = (0..300 * 1024u32).map(|i| (i * 7 % 251) as u8).collect();
    let sha = device
        .store
        .put_attachment(&photo, "image/jpeg", now_ms())
        .expect("photo");
    // The visit that names the photo is pushed before the photo, as the app saves them.
    let h = RowKey::new("household", Uuid::now_v7());
    device
        .store
        .create(&h, &[("village_code", json!(V1))], now_ms())
        .expect("household");
    device
        .store
        .create(
            &RowKey::new("visit", Uuid::now_v7()),
            &[
                ("household_id", json!(h.id.to_string())),
                ("photos", json!([sha])),
            ],
            now_ms(),
        )
        .expect("visit");
    faults.cut_upload.store(2, Ordering::SeqCst);
    let report = device.sync().await;
    assert_eq!(report.attachments, 1);
    assert!(
        report.retries >= 2,
        "each cut chunk was retried: {report:?}"
    );
    assert_eq!(faults.was_cut.load(Ordering::SeqCst), 2);
    assert!(device
        .store
        .attachments_to_upload()
        .expect("pending")
        .is_empty());
    // The service holds exactly the bytes, once.
    let login: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/api/v1/enrol", server.url()))
        .json(&json!({"username": "cadre", "password": "password-123", "device_name": "check"}))
        .send()
        .await
        .expect("enrol")
        .json()
        .await
        .expect("json");
    let got = Http::new(&server.url())
        .download(&sha, login["credential"].as_str().expect("credential"))
        .await;
    assert_eq!(got, photo);
    sdb.assert_read_model_rebuilds("after the upload");
}
