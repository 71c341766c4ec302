//! The key file under concurrency, the device-bound secret of the platform key store, and the
//! tamper-evident, clock-robust back-off (issue 9, points 23 and 24). The key store is
//! [`MemoryKeyStore`]: these tests need no Secret Service.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Barrier};

use fangpin_store::{Backoff, KeyProtection, MemoryKeyStore, Store, StoreError, StoreOptions};
use serde_json::{json, Value};

use super::fill::FIXTURE_PASSCODE;
use super::support::*;

const DAY_MS: u64 = 24 * 60 * 60 * 1000;
/// Some wall time (ms since the epoch), well after the epoch.
const T: u64 = 1_760_000_000_000;

fn bound(ks: &MemoryKeyStore) -> StoreOptions {
    StoreOptions {
        key_store: Some(Arc::new(ks.clone())),
        ..options()
    }
}

/// A minute from the second failure, doubling, capped at a day.
fn strict(opts: StoreOptions) -> StoreOptions {
    StoreOptions {
        backoff: Backoff {
            free_attempts: 2,
            base_ms: 60_000,
            max_ms: DAY_MS,
        },
        ..opts
    }
}

fn new_bound_store(dir: &Path, ks: &MemoryKeyStore) -> PathBuf {
    let db = db_path(dir);
    Store::init(&db, PASSCODE, identity(1), &bound(ks))
        .unwrap()
        .lock()
        .unwrap();
    assert_eq!(
        fangpin_store::key::protection(&db).unwrap(),
        KeyProtection::PasscodeAndDevice
    );
    db
}

fn key_json(db: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(fangpin_store::key_path(db)).unwrap()).unwrap()
}

fn write_key_json(db: &Path, v: &Value) {
    std::fs::write(
        fangpin_store::key_path(db),
        serde_json::to_vec_pretty(v).unwrap(),
    )
    .unwrap();
}

fn attempts_entry(ks: &MemoryKeyStore) -> String {
    let names = ks.entry_names();
    let found: Vec<_> = names.iter().filter(|n| n.ends_with(".attempts")).collect();
    assert_eq!(found.len(), 1, "{names:?}");
    found[0].clone()
}

fn open(db: &Path, passcode: &str, opts: &StoreOptions, now: u64) -> Result<(), StoreError> {
    Store::open(db, passcode, opts, now).map(|s| s.lock().unwrap())
}

fn retry_wait(r: Result<(), StoreError>) -> u64 {
    match r {
        Err(StoreError::RetryLater { wait_ms, .. }) => wait_ms,
        r => panic!("expected retry_later, got {r:?}"),
    }
}

/// Point 24: a sync opening the store while the user changes the passcode must never leave the
/// key file empty, damaged or under the old passcode once the change succeeded. Run with the
/// back-off record in the key file (protected by the passcode alone) and in the key store.
#[test]
fn a_passcode_change_racing_an_open_never_loses_the_key() {
    let ks = MemoryKeyStore::new();
    for opts in [options(), bound(&ks)] {
        let dir = tempfile::tempdir().unwrap();
        let db = db_path(dir.path());
        Store::init(&db, PASSCODE, identity(1), &opts)
            .unwrap()
            .lock()
            .unwrap();
        let codes = [PASSCODE, "135791"];
        for round in 0..60 {
            let (old, new) = (codes[round % 2], codes[(round + 1) % 2]);
            let barrier = Arc::new(Barrier::new(2));
            let change = {
                let (b, db, o) = (barrier.clone(), db.clone(), opts.clone());
                std::thread::spawn(move || {
                    b.wait();
                    Store::change_passcode(&db, old, new, &o, T)
                })
            };
            let sync = {
                let (b, db, o) = (barrier, db.clone(), opts.clone());
                std::thread::spawn(move || {
                    b.wait();
                    open(&db, old, &o, T)
                })
            };
            let changed = change.join().unwrap();
            let opened = sync.join().unwrap();
            assert!(changed.is_ok(), "round {round}: change failed: {changed:?}");
            if let Err(e) = &opened {
                // The open came after the change: the old passcode is wrong by then.
                assert_eq!(e.code(), "wrong_passcode", "round {round}: {e}");
            }
            // The key file holds the new passcode's wrap, whatever the order was.
            open(&db, new, &opts, T)
                .unwrap_or_else(|e| panic!("round {round}: the new passcode does not open: {e}"));
        }
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(left.is_empty(), "temporary key files left: {left:?}");
    }
}

/// Point 23: the key file and the database, copied off the device or opened without its key
/// store, do not open with the passcode alone; the refusal has its own code and counts no
/// attempt (there is nothing to guess at).
#[test]
fn a_device_bound_key_does_not_open_without_the_device_secret() {
    let dir = tempfile::tempdir().unwrap();
    let ks = MemoryKeyStore::new();
    let db = new_bound_store(dir.path(), &ks);
    let file = std::fs::read_to_string(fangpin_store::key_path(&db)).unwrap();
    assert!(file.contains("passcode_and_device"), "{file}");

    // No key store configured: never a silent fall-back to the passcode alone.
    let e = open(&db, PASSCODE, &options(), T).unwrap_err();
    assert_eq!(e.code(), "device_secret_unavailable", "{e}");
    // The key store cannot be reached.
    ks.set_reachable(false);
    let e = open(&db, PASSCODE, &bound(&ks), T).unwrap_err();
    assert_eq!(e.code(), "device_secret_unavailable", "{e}");
    ks.set_reachable(true);
    // Another device's (or user's) key store: the files were copied.
    let elsewhere = MemoryKeyStore::new();
    let e = open(&db, PASSCODE, &bound(&elsewhere), T).unwrap_err();
    assert_eq!(e.code(), "device_secret_missing", "{e}");
    // A key store whose entry was replaced by another secret.
    let entry = ks
        .entry_names()
        .into_iter()
        .find(|n| !n.ends_with(".attempts"))
        .unwrap();
    let other = MemoryKeyStore::new();
    for n in ks.entry_names() {
        use fangpin_store::DeviceKeyStore;
        let v = ks.get(&n).unwrap().unwrap();
        other
            .set(&n, if n == entry { &[7u8; 32][..] } else { &v })
            .unwrap();
    }
    let e = open(&db, PASSCODE, &bound(&other), T).unwrap_err();
    assert_eq!(e.code(), "device_secret_missing", "{e}");
    // Changing the passcode without the secret is refused the same way.
    let e = Store::change_passcode(&db, PASSCODE, "135791", &options(), T).unwrap_err();
    assert_eq!(e.code(), "device_secret_unavailable");
    assert_eq!(
        std::fs::read_to_string(fangpin_store::key_path(&db)).unwrap(),
        file
    );

    // None of that was counted: the first wrong passcode on the device is the first failure.
    match open(&db, "000000", &bound(&ks), T).unwrap_err() {
        StoreError::WrongPasscode {
            failed_attempts: 1, ..
        } => {}
        e => panic!("{e}"),
    }
    open(&db, PASSCODE, &bound(&ks), T).unwrap();
}

/// Point 23: the back-off of a device-bound key lives in the key store: deleting or damaging
/// its record there imposes the longest delay, and editing or replaying the key file (a copy
/// taken before the failures) does not reset it.
#[test]
fn deleting_editing_or_replaying_the_backoff_record_does_not_lift_the_delay() {
    let dir = tempfile::tempdir().unwrap();
    let ks = MemoryKeyStore::new();
    let db = new_bound_store(dir.path(), &ks);
    let opts = strict(bound(&ks));
    let before = key_json(&db);
    for _ in 0..2 {
        assert_eq!(
            open(&db, "000000", &opts, T).unwrap_err().code(),
            "wrong_passcode"
        );
    }
    assert_eq!(retry_wait(open(&db, PASSCODE, &opts, T)), 60_000);

    // The key file as it was before the failures, or with a back-off of its own written in:
    // the delay stands.
    write_key_json(&db, &before);
    assert_eq!(retry_wait(open(&db, PASSCODE, &opts, T)), 60_000);
    let mut edited = before.clone();
    edited["attempts"] = json!({"failed": 0, "retry_at_ms": 0, "seen_ms": 0});
    edited["failed_attempts"] = json!(0);
    edited["retry_at_ms"] = json!(0);
    write_key_json(&db, &edited);
    assert_eq!(retry_wait(open(&db, PASSCODE, &opts, T)), 60_000);
    write_key_json(&db, &before);

    // The record deleted from the key store: the longest delay, not none.
    use fangpin_store::DeviceKeyStore;
    let record = attempts_entry(&ks);
    ks.delete(&record).unwrap();
    assert_eq!(retry_wait(open(&db, PASSCODE, &opts, T)), DAY_MS);
    // It is saved, so it runs down rather than restarting at each attempt.
    assert_eq!(
        retry_wait(open(&db, PASSCODE, &opts, T + 1_000)),
        DAY_MS - 1_000
    );
    open(&db, PASSCODE, &opts, T + DAY_MS).unwrap();

    // The record damaged: the same.
    ks.set(&record, b"{\"failed\": 0").unwrap();
    assert_eq!(retry_wait(open(&db, PASSCODE, &opts, T + DAY_MS)), DAY_MS);
}

/// Point 23: without a key store the record stays in the key file: deleting it from there
/// counts as the longest delay too (editing its numbers is not detected: see docs/store.md).
#[test]
fn deleting_the_backoff_record_from_the_key_file_imposes_the_longest_delay() {
    let dir = tempfile::tempdir().unwrap();
    new_store(dir.path()).lock().unwrap();
    let db = db_path(dir.path());
    let opts = strict(options());
    assert_eq!(
        fangpin_store::key::protection(&db).unwrap(),
        KeyProtection::Passcode
    );
    let mut file = key_json(&db);
    assert!(file["attempts"].is_object(), "{file}");
    file.as_object_mut().unwrap().remove("attempts");
    write_key_json(&db, &file);
    assert_eq!(retry_wait(open(&db, PASSCODE, &opts, T)), DAY_MS);
    assert_eq!(retry_wait(open(&db, PASSCODE, &opts, T + 5)), DAY_MS - 5);
    open(&db, PASSCODE, &opts, T + DAY_MS).unwrap();
}

/// Point 23: setting the device's clock back does not shorten a delay: attempts are judged at
/// the latest time seen, in both places the record can live.
#[test]
fn setting_the_clock_back_does_not_shorten_the_backoff() {
    let ks = MemoryKeyStore::new();
    for bound_to_device in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let opts = strict(if bound_to_device {
            bound(&ks)
        } else {
            options()
        });
        let db = db_path(dir.path());
        Store::init(&db, PASSCODE, identity(1), &opts)
            .unwrap()
            .lock()
            .unwrap();
        for _ in 0..2 {
            assert_eq!(
                open(&db, "000000", &opts, T).unwrap_err().code(),
                "wrong_passcode"
            );
        }
        // The second failure imposes a minute from T.
        assert_eq!(retry_wait(open(&db, PASSCODE, &opts, T)), 60_000);
        // The clock a year back, a day back, at the epoch: still waiting, the whole delay from
        // the latest time seen.
        for now in [T - 365 * DAY_MS, T - DAY_MS, 0] {
            assert_eq!(retry_wait(open(&db, PASSCODE, &opts, now)), 60_000);
        }
        assert_eq!(retry_wait(open(&db, PASSCODE, &opts, T + 59_999)), 1);
        // The next failure's delay runs from the latest time seen, and setting the clock back
        // after it does not shorten it either.
        let e = open(&db, "000000", &opts, T + 60_000).unwrap_err();
        assert!(
            matches!(e, StoreError::WrongPasscode { failed_attempts: 3, retry_at_ms: Some(r) } if r == T + 60_000 + 120_000),
            "{e}"
        );
        assert_eq!(
            retry_wait(open(&db, PASSCODE, &opts, T - DAY_MS)),
            120_000,
            "bound to the device: {bound_to_device}"
        );
        open(&db, PASSCODE, &opts, T + 180_000).unwrap();
    }
}

/// Point 23: a key file of the first format (every store made before device binding, as the
/// migration fixtures hold) still opens, and is bound to the device on that passcode entry.
#[test]
fn a_key_file_of_the_first_format_opens_and_is_bound_to_the_device() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(dir.path());
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    // v4 is the last fixture made before device binding: later ones have bound key files.
    let src = fixtures.join("v4.db");
    std::fs::copy(&src, &db).unwrap();
    std::fs::copy(fangpin_store::key_path(&src), fangpin_store::key_path(&db)).unwrap();
    assert_eq!(key_json(&db)["format"], json!(1));
    let ks = MemoryKeyStore::new();
    let opts = bound(&ks);
    open(&db, FIXTURE_PASSCODE, &opts, T).unwrap();
    assert_eq!(key_json(&db)["format"], json!(2));
    assert_eq!(
        fangpin_store::key::protection(&db).unwrap(),
        KeyProtection::PasscodeAndDevice
    );
    open(&db, FIXTURE_PASSCODE, &opts, T).unwrap();
    assert_eq!(
        open(&db, FIXTURE_PASSCODE, &options(), T)
            .unwrap_err()
            .code(),
        "device_secret_unavailable"
    );
}

/// Point 23: a store made while no key store was reachable records that, opens as before,
/// and is bound to the device at the first passcode entry once the key store is back; a
/// passcode change keeps the binding.
#[test]
fn a_store_made_without_a_reachable_key_store_is_bound_once_it_is_back() {
    let dir = tempfile::tempdir().unwrap();
    let ks = MemoryKeyStore::new();
    let opts = bound(&ks);
    let db = db_path(dir.path());
    ks.set_reachable(false);
    Store::init(&db, PASSCODE, identity(1), &opts)
        .unwrap()
        .lock()
        .unwrap();
    assert_eq!(
        fangpin_store::key::protection(&db).unwrap(),
        KeyProtection::Passcode
    );
    open(&db, PASSCODE, &opts, T).unwrap();
    assert_eq!(
        fangpin_store::key::protection(&db).unwrap(),
        KeyProtection::Passcode
    );
    ks.set_reachable(true);
    open(&db, PASSCODE, &opts, T).unwrap();
    assert_eq!(
        fangpin_store::key::protection(&db).unwrap(),
        KeyProtection::PasscodeAndDevice
    );
    assert_eq!(ks.entry_names().len(), 2);

    Store::change_passcode(&db, PASSCODE, "135791", &opts, T).unwrap();
    assert_eq!(
        fangpin_store::key::protection(&db).unwrap(),
        KeyProtection::PasscodeAndDevice
    );
    assert_eq!(ks.entry_names().len(), 2, "the same secret is kept");
    open(&db, "135791", &opts, T).unwrap();
    assert_eq!(
        open(&db, "135791", &options(), T).unwrap_err().code(),
        "device_secret_unavailable"
    );
}

/// Not run by default (CI has no Secret Service): a store bound to the real platform key store
/// opens with it at the production cost, and how long that takes. Run by hand in a session
/// with a Secret Service: `cargo test -p fangpin-store --test store real_platform -- --ignored
/// --nocapture`.
#[test]
#[ignore]
fn a_store_bound_to_the_real_platform_key_store_opens_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(dir.path());
    let opts = StoreOptions {
        unchecked_values: true,
        ..StoreOptions::with_platform_key_store()
    };
    let Some(ks) = opts.key_store.clone() else {
        return;
    };
    let t = std::time::Instant::now();
    Store::init(&db, PASSCODE, identity(1), &opts)
        .unwrap()
        .lock()
        .unwrap();
    let created = t.elapsed();
    let protection = fangpin_store::key::protection(&db).unwrap();
    let t = std::time::Instant::now();
    open(&db, PASSCODE, &opts, T).unwrap();
    let opened = t.elapsed();
    let wrong = open(&db, "000000", &opts, T).unwrap_err();
    assert_eq!(wrong.code(), "wrong_passcode");
    eprintln!(
        "{}: {protection:?}; created in {created:?}, opened in {opened:?}",
        ks.name()
    );
    if protection == KeyProtection::PasscodeAndDevice {
        assert_eq!(
            open(&db, PASSCODE, &options(), T).unwrap_err().code(),
            "device_secret_unavailable"
        );
    }
    fangpin_store::key::forget_device_secret(&db, ks.as_ref()).unwrap();
    if protection == KeyProtection::PasscodeAndDevice {
        assert_eq!(
            open(&db, PASSCODE, &opts, T).unwrap_err().code(),
            "device_secret_missing"
        );
    }
}
