//! Encryption at rest, passcodes and the growing delay after wrong ones.

use fangpin_store::{Backoff, Store, StoreError, StoreOptions};
use serde_json::json;

use super::support::*;

const NAME: &str = "王秀英测试";
const ID_NUMBER: &str = "530325199001011234";

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn the_database_and_its_wal_hold_no_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let hh = row("household", 1);
    store
        .create(
            &hh,
            &household_fields(NAME, ID_NUMBER, "5303251012010036"),
            1_000,
        )
        .unwrap();
    store
        .create(
            &row("member", 1),
            &[
                ("household_id", json!(hh.id.to_string())),
                ("name", json!(NAME)),
                ("id_number", json!(ID_NUMBER)),
            ],
            1_000,
        )
        .unwrap();
    store
        .save_draft(
            "household/new",
            &json!({"name": NAME, "id": ID_NUMBER}),
            1_000,
        )
        .unwrap();
    let wal = {
        let mut p = db_path(dir.path()).into_os_string();
        p.push("-wal");
        std::path::PathBuf::from(p)
    };
    let files = [
        db_path(dir.path()),
        wal.clone(),
        fangpin_store::key_path(&db_path(dir.path())),
    ];
    let check = |when: &str| {
        let mut checked = 0;
        for p in &files {
            let Ok(bytes) = std::fs::read(p) else {
                continue;
            };
            checked += 1;
            assert!(!contains(&bytes, NAME.as_bytes()), "{when}: name in {p:?}");
            assert!(
                !contains(&bytes, ID_NUMBER.as_bytes()),
                "{when}: id in {p:?}"
            );
            assert!(
                !contains(&bytes, b"SQLite format 3"),
                "{when}: plain header in {p:?}"
            );
        }
        checked
    };
    assert!(wal.exists(), "the WAL is checked while the store is open");
    assert_eq!(check("open"), 3);
    store.lock().unwrap();
    let checked = check("locked");
    assert!(checked >= 2);
    // The data is still there with the passcode, and plain SQLite reads nothing.
    let store = reopen(dir.path());
    assert_eq!(
        store.row(&hh).unwrap().unwrap().data["head_name"],
        json!(NAME)
    );
    let plain = rusqlite::Connection::open(db_path(dir.path())).unwrap();
    assert!(plain
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| r
            .get::<_, i64>(0))
        .is_err());
}

#[test]
fn a_wrong_passcode_opens_nothing_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    new_store(dir.path()).lock().unwrap();
    let err = Store::open(&db_path(dir.path()), "135790", &options(), 0).unwrap_err();
    assert_eq!(err.code(), "wrong_passcode");
    assert!(matches!(
        err,
        StoreError::WrongPasscode {
            failed_attempts: 1,
            retry_at_ms: None
        }
    ));
    let missing = Store::open(&dir.path().join("other.db"), PASSCODE, &options(), 0).unwrap_err();
    assert_eq!(missing.code(), "store_not_found");
    let again = Store::init(&db_path(dir.path()), PASSCODE, identity(1), &options()).unwrap_err();
    assert_eq!(again.code(), "store_exists");
}

#[test]
fn changing_the_passcode_rewraps_the_key_and_the_old_one_then_fails() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let hh = row("household", 2);
    store
        .create(&hh, &household_fields(NAME, ID_NUMBER, "1"), 1_000)
        .unwrap();
    let db = db_path(dir.path());
    let before = std::fs::metadata(&db).unwrap().len();
    let opts = options();
    let err = Store::change_passcode(&db, "000000", "135791", &opts, 0).unwrap_err();
    assert_eq!(err.code(), "wrong_passcode");
    Store::change_passcode(&db, PASSCODE, "135791", &opts, 0).unwrap();
    // The open store keeps working: the data key did not change.
    store
        .save(&hh, &[("phone", json!("13800000000"))], 2_000)
        .unwrap();
    store.lock().unwrap();
    assert!(std::fs::metadata(&db).unwrap().len() >= before);
    let err = Store::open(&db, PASSCODE, &opts, 0).unwrap_err();
    assert_eq!(err.code(), "wrong_passcode");
    let store = Store::open(&db, "135791", &opts, 0).unwrap();
    assert_eq!(
        store.row(&hh).unwrap().unwrap().data["phone"],
        json!("13800000000")
    );
}

#[test]
fn wrong_passcodes_impose_a_growing_delay_that_is_enforced() {
    let dir = tempfile::tempdir().unwrap();
    new_store(dir.path()).lock().unwrap();
    let db = db_path(dir.path());
    let opts = StoreOptions {
        backoff: Backoff {
            free_attempts: 3,
            base_ms: 30_000,
            max_ms: 3_600_000,
        },
        ..options()
    };
    let attempt = |code: &str, now: u64| Store::open(&db, code, &opts, now);
    for n in 1..=2 {
        match attempt("wrong", 0).unwrap_err() {
            StoreError::WrongPasscode {
                failed_attempts,
                retry_at_ms: None,
            } => assert_eq!(failed_attempts, n),
            e => panic!("{e}"),
        }
    }
    let e = attempt("wrong", 0).unwrap_err();
    assert!(matches!(
        e,
        StoreError::WrongPasscode {
            failed_attempts: 3,
            retry_at_ms: Some(30_000)
        }
    ));
    // Refused until the time, even with the right passcode, and the error says when.
    for now in [0, 29_999] {
        match attempt(PASSCODE, now).unwrap_err() {
            StoreError::RetryLater {
                retry_at_ms,
                wait_ms,
            } => {
                assert_eq!(retry_at_ms, 30_000);
                assert_eq!(wait_ms, 30_000 - now);
            }
            e => panic!("{e}"),
        }
    }
    // The next failure doubles the delay.
    let e = attempt("wrong", 30_000).unwrap_err();
    assert!(matches!(
        e,
        StoreError::WrongPasscode {
            failed_attempts: 4,
            retry_at_ms: Some(90_000)
        }
    ));
    assert_eq!(attempt(PASSCODE, 89_999).unwrap_err().code(), "retry_later");
    attempt(PASSCODE, 90_000).unwrap().lock().unwrap();
    // Success clears the count.
    assert!(matches!(
        attempt("wrong", 90_001).unwrap_err(),
        StoreError::WrongPasscode {
            failed_attempts: 1,
            retry_at_ms: None
        }
    ));
}
