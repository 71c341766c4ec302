//! Migrations from every earlier schema version, on fixture databases.
//!
//! `tests/fixtures/v<N>.db` (with its key file `v<N>.db.key`) is a database at schema version
//! N, encrypted under [`FIXTURE_PASSCODE`] with cheap Argon2 parameters, holding what [`fill`]
//! writes through the API of version N. Before a new schema version is added, the fixture of
//! the version current until then is made with the code of that version (an old fixture is
//! never rewritten):
//!
//! ```text
//! cargo run -p fangpin-store --example fangpin-store-fixtures
//! ```

use std::path::{Path, PathBuf};

use fangpin_store::{HouseholdSearch, Store, StoreOptions, SCHEMA_VERSION};
use serde_json::json;

use super::fill::{fill, FIXTURE_PASSCODE};
use super::support::*;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

#[test]
fn every_earlier_version_migrates_to_the_current_one_with_its_data() {
    const { assert!(SCHEMA_VERSION >= 2) };
    for version in 1..SCHEMA_VERSION {
        let dir = tempfile::tempdir().unwrap();
        let path = db_path(dir.path());
        let src = fixtures().join(format!("v{version}.db"));
        std::fs::copy(&src, &path).unwrap_or_else(|e| panic!("{src:?}: {e}"));
        std::fs::copy(
            fangpin_store::key_path(&src),
            fangpin_store::key_path(&path),
        )
        .unwrap();

        // What the same writes give on a store made at the current version.
        let fresh_dir = tempfile::tempdir().unwrap();
        let mut fresh = Store::init(
            &db_path(fresh_dir.path()),
            FIXTURE_PASSCODE,
            identity(7),
            &options(),
        )
        .unwrap();
        fill(&mut fresh);

        let store = Store::open(&path, FIXTURE_PASSCODE, &options(), 0).unwrap();
        assert_eq!(
            store.schema_version().unwrap(),
            SCHEMA_VERSION,
            "from v{version}"
        );
        assert!(store.check().unwrap().is_empty(), "{:?}", store.check());
        assert_eq!(
            store.replica().unwrap().state_hash(),
            fresh.replica().unwrap().state_hash()
        );
        assert_eq!(
            store.pending_changes(1000).unwrap(),
            fresh.pending_changes(1000).unwrap()
        );
        for n in 1..=3 {
            let key = row("household", n);
            assert_eq!(
                store.row(&key).unwrap(),
                fresh.row(&key).unwrap(),
                "v{version}"
            );
        }
        // Version 2's search by the last digits works on migrated rows.
        let by_last = store
            .households(&HouseholdSearch {
                text: Some("002X".into()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(by_last.len(), 1);
        assert_eq!(by_last[0].id, row("household", 2).id);
        let by_member = store
            .households(&HouseholdSearch {
                text: Some("0017".into()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(by_member.len(), 1);
        // Version 2's drafts table.
        store.save_draft("f", &json!({"a": 1}), 5).unwrap();
        assert_eq!(store.draft("f").unwrap().unwrap().body, json!({"a": 1}));
        // Writing goes on from the fixture's sequence.
        let mut store = store;
        let c = store
            .save(
                &row("household", 1),
                &[("phone", json!("13800009999"))],
                9_000,
            )
            .unwrap();
        assert_eq!(
            c[0].id.seq,
            fresh.pending_changes(1000).unwrap().len() as u64 + 1
        );
    }
}

#[test]
fn opening_migrates_forward_as_far_as_asked() {
    let dir = tempfile::tempdir().unwrap();
    let opts = StoreOptions {
        schema_version: Some(1),
        ..options()
    };
    Store::init(&db_path(dir.path()), PASSCODE, identity(1), &opts)
        .unwrap()
        .lock()
        .unwrap();
    // Opening at version 1 keeps it there; opening normally migrates.
    let store = Store::open(&db_path(dir.path()), PASSCODE, &opts, 0).unwrap();
    assert_eq!(store.schema_version().unwrap(), 1);
    store.lock().unwrap();
    let store = reopen(dir.path());
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
}
