//! Recovery, on both backends: the service restored from a backup while devices hold more than
//! it does; an account's scope widened and narrowed in the middle of a pull whose answer is
//! lost; the service stopped with SIGTERM while a push is in flight. Devices converge, nothing
//! is lost or applied twice, and the read model equals a rebuild from the changes.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use fangpin_client::Phase;
use fangpin_scenarios::db::{Backend, ServiceDb};
use fangpin_scenarios::device::{now_ms, subdir, Device};
use fangpin_scenarios::on_both_backends;
use fangpin_scenarios::proxy::{self, Faults};
use fangpin_scenarios::server::{add_user, fangpin, Server};
use fangpin_sync::wire::{PushRequest, PushResponse};
use fangpin_sync::DeviceId;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const V1: &str = "530325101201";
const V2: &str = "530325101202";

on_both_backends!(a_service_restored_from_a_backup_gets_back_what_it_lost_and_devices_converge);
async fn a_service_restored_from_a_backup_gets_back_what_it_lost_and_devices_converge(
    backend: Backend,
) {
    let dir = tempfile::tempdir().expect("dir");
    let db = ServiceDb::new(backend, dir.path());
    add_user(&db.url, "cadre", "village_cadre", V1);
    add_user(&db.url, "other", "village_cadre", V1);
    let mut server = Server::start(&db.url, &[]);
    let base = server.url();
    let mut a = Device::enrol(&base, "cadre", &subdir(dir.path(), "a")).await;
    let mut b = Device::enrol(&base, "other", &subdir(dir.path(), "b")).await;
    a.client.batch = 40;
    b.client.batch = 40;
    let early = a.households(V1, 30, "before");
    a.sync().await;
    b.sync().await;

    assert!(server.terminate(), "the service stops cleanly");
    let backup = db.backup();
    server.restart();

    // After the backup: new households on both devices, an edit of an old one, and the other
    // cadre's edit of a household made after the backup (its parent is a version the restored
    // service will not hold until the first cadre sends it again).
    let late = a.households(V1, 20, "after-a");
    a.store
        .save(&early[0], &[("phone", json!("13900000001"))], now_ms())
        .expect("edit");
    a.sync().await;
    b.households(V1, 10, "after-b");
    b.sync().await;
    b.store
        .save(&late[0], &[("address", json!("改过的地址"))], now_ms())
        .expect("edit");
    b.sync().await;
    a.sync().await;
    assert_eq!(a.state_hash(), b.state_hash(), "converged before the loss");
    let before_loss = a.state_hash();

    // The disk is lost; the backup is restored.
    assert!(server.terminate(), "the service stops cleanly");
    db.restore(&backup);
    server.restart();

    // The other cadre syncs first: its edit names a version the service lost, and waits in
    // quarantine until the first cadre's sync brings that version back.
    let rb = b.sync().await;
    let ra = a.sync().await;
    b.sync().await;
    a.sync().await;
    assert!(
        ra.resent > 0 && rb.resent > 0,
        "both devices sent again what the service lost: {ra:?} {rb:?}"
    );
    assert_eq!(a.state_hash(), before_loss, "nothing lost on the device");
    assert_eq!(b.state_hash(), before_loss, "and the other converged");
    let mut fresh = Device::enrol(&base, "other", &subdir(dir.path(), "fresh")).await;
    fresh.client.batch = 25;
    fresh.sync().await;
    assert_eq!(
        fresh.state_hash(),
        before_loss,
        "the service holds everything again"
    );
    assert_eq!(fresh.household_count(), 60);
    db.assert_read_model_rebuilds("after the restore");
}

/// Villages of the households on a device.
fn villages(d: &Device) -> Vec<String> {
    let r = d.store.replica().expect("replica");
    let mut v: Vec<String> = r
        .alive_rows("household")
        .iter()
        .map(|row| {
            r.value(row, "village_code")
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        })
        .collect();
    v.sort();
    v
}

/// Syncs `d`; at the first pulled batch, replaces `username`'s scope and cuts the next answer,
/// so the answer that carries the change of scope is lost once.
async fn sync_changing_scope(
    d: &mut Device,
    db: &str,
    username: &str,
    scope: &str,
    faults: &Arc<Faults>,
) {
    let mut changed = false;
    let client = d.client.clone();
    let mut progress = |p: fangpin_client::Progress| {
        if p.phase == Phase::Pull && !changed {
            changed = true;
            fangpin(&["user", "set-scope", "--db", db, username, "--scope", scope]);
            faults.cut.store(1, Ordering::SeqCst);
        }
    };
    client
        .sync(&mut d.store, &mut progress)
        .await
        .expect("the sync finishes");
    assert!(changed, "the scope changed during the pull");
}

on_both_backends!(a_scope_changed_during_a_pull_whose_answer_is_lost_reaches_the_device_whole);
async fn a_scope_changed_during_a_pull_whose_answer_is_lost_reaches_the_device_whole(
    backend: Backend,
) {
    let dir = tempfile::tempdir().expect("dir");
    let db = ServiceDb::new(backend, dir.path());
    add_user(&db.url, "cadre", "village_cadre", V1);
    add_user(&db.url, "v1", "village_cadre", V1);
    add_user(&db.url, "v2", "village_cadre", V2);
    let server = Server::start(&db.url, &[]);
    let mut w1 = Device::enrol(&server.url(), "v1", &subdir(dir.path(), "w1")).await;
    let mut w2 = Device::enrol(&server.url(), "v2", &subdir(dir.path(), "w2")).await;
    w1.households(V1, 30, "v1");
    w1.sync().await;
    w2.households(V2, 30, "v2");
    w2.sync().await;

    let faults = Arc::new(Faults::default());
    let via = proxy::start(format!("127.0.0.1:{}", server.port()), faults.clone()).await;
    let mut d = Device::enrol(&via, "cadre", &subdir(dir.path(), "d")).await;
    d.client.batch = 20;
    // Widened in the middle of the first pull, the answer carrying it cut.
    sync_changing_scope(&mut d, &db.url, "cadre", &format!("{V1},{V2}"), &faults).await;
    assert_eq!(faults.was_cut.load(Ordering::SeqCst), 1, "one answer lost");
    let got = villages(&d);
    assert_eq!(
        got.iter().filter(|v| *v == V1).count(),
        30,
        "every household of the old village"
    );
    assert_eq!(
        got.iter().filter(|v| *v == V2).count(),
        30,
        "and every household of the added village, past the first batch"
    );

    // Narrowed in the middle of a pull, the answer carrying it cut.
    w2.households(V2, 30, "more");
    w2.sync().await;
    sync_changing_scope(&mut d, &db.url, "cadre", V2, &faults).await;
    assert_eq!(
        faults.was_cut.load(Ordering::SeqCst),
        2,
        "one more answer lost"
    );
    let got = villages(&d);
    assert!(
        got.iter().all(|v| v == V2),
        "the removed village's rows left the device"
    );
    assert_eq!(got.len(), 60, "and the kept village is whole");
    d.sync().await;
    w2.sync().await;
    assert_eq!(d.state_hash(), w2.state_hash(), "as its own cadre sees it");
    db.assert_read_model_rebuilds("after the scope changes");
}

/// Reads one HTTP/1.1 response head from `s`, returning it as text.
async fn read_head(s: &mut tokio::net::TcpStream, buf: &mut Vec<u8>) -> String {
    let mut tmp = [0u8; 4096];
    loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..i + 4]).into_owned();
            buf.drain(..i + 4);
            return head;
        }
        let n = s.read(&mut tmp).await.expect("read");
        assert!(n > 0, "the connection closed before a response");
        buf.extend_from_slice(&tmp[..n]);
    }
}

on_both_backends!(sigterm_with_a_push_in_flight_finishes_the_push_and_stops_cleanly);
async fn sigterm_with_a_push_in_flight_finishes_the_push_and_stops_cleanly(backend: Backend) {
    let dir = tempfile::tempdir().expect("dir");
    let db = ServiceDb::new(backend, dir.path());
    add_user(&db.url, "cadre", "village_cadre", V1);
    add_user(&db.url, "other", "village_cadre", V1);
    let mut server = Server::start(&db.url, &[]);
    let mut d = Device::enrol(&server.url(), "cadre", &subdir(dir.path(), "d")).await;
    d.households(V1, 50, "in-flight");
    let changes = d.store.pending_changes(10_000).expect("pending");
    let body =
        serde_json::to_vec(&PushRequest::new(DeviceId(d.client_device()), changes)).expect("json");

    // The request is in the handler, reading its body, when the service is asked to stop: the
    // service answers 100 Continue only once the handler reads the body.
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", server.port()))
        .await
        .expect("connect");
    let head = format!(
        "POST /api/v1/sync/push HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer {}\r\n\
         content-type: application/json\r\ncontent-length: {}\r\nexpect: 100-continue\r\n\r\n",
        d.credential(),
        body.len()
    );
    s.write_all(head.as_bytes()).await.expect("send head");
    let mut buf = Vec::new();
    let cont = read_head(&mut s, &mut buf).await;
    assert!(cont.starts_with("HTTP/1.1 100"), "{cont}");
    let pid = server.pid();
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("kill");
    assert!(sent.success());
    s.write_all(&body).await.expect("send body");
    let head = read_head(&mut s, &mut buf).await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let len: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().expect("length"))
        })
        .expect("content-length");
    let mut tmp = [0u8; 8192];
    while buf.len() < len {
        let n = s.read(&mut tmp).await.expect("read body");
        assert!(n > 0, "the answer was cut");
        buf.extend_from_slice(&tmp[..n]);
    }
    let resp: PushResponse = serde_json::from_slice(&buf[..len]).expect("push response");
    assert!(resp.refusals.is_empty(), "{:?}", resp.refusals);
    drop(s);
    assert!(server.wait(), "the service stops cleanly after the push");

    server.restart();
    let mut other = Device::enrol(&server.url(), "other", &subdir(dir.path(), "o")).await;
    other.sync().await;
    d.sync().await;
    assert_eq!(
        other.state_hash(),
        d.state_hash(),
        "the push that was in flight is held whole, and once"
    );
    db.assert_read_model_rebuilds("after the stop");
}

on_both_backends!(a_damaged_read_model_is_found_by_fangpin_rebuild_and_repaired_with_replace);
async fn a_damaged_read_model_is_found_by_fangpin_rebuild_and_repaired_with_replace(
    backend: Backend,
) {
    let dir = tempfile::tempdir().expect("dir");
    let db = ServiceDb::new(backend, dir.path());
    add_user(&db.url, "cadre", "village_cadre", V1);
    let mut server = Server::start(&db.url, &[]);
    let mut d = Device::enrol(&server.url(), "cadre", &subdir(dir.path(), "d")).await;
    d.households(V1, 5, "rm");
    d.sync().await;
    assert!(server.terminate());
    db.assert_read_model_rebuilds("before the damage");

    // A value changed and a row lost behind the service's back.
    db.execute("UPDATE rm_household SET head_name = 'tampered' WHERE head_name = 'rm-0-3'");
    db.execute("DELETE FROM rm_household WHERE head_name = 'rm-1-3'");
    let (ok, printed) = db.rebuild(&[]);
    assert!(!ok, "the damage is found: {printed}");
    assert!(printed.contains("2 differences"), "{printed}");
    let (ok, printed) = db.rebuild(&["--replace"]);
    assert!(ok, "{printed}");
    assert!(
        printed.contains("the rebuilt rows were written"),
        "{printed}"
    );
    db.assert_read_model_rebuilds("after the repair");

    // And the repaired read model answers as before.
    server.restart();
    let mut fresh = Device::enrol(&server.url(), "cadre", &subdir(dir.path(), "f")).await;
    fresh.sync().await;
    assert_eq!(fresh.state_hash(), d.state_hash());
}
