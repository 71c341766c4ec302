//! The file itself: it survives reopening, a version 1 file migrates with its read model
//! rebuilt, and the read model's columns are exactly the record catalogue's.

use std::collections::BTreeSet;
use std::sync::Arc;

use fangpin_server::Backend;
use fangpin_server_sqlite::SqliteBackend;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_file_survives_reopening() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("server.db");
    let epoch = {
        let b = SqliteBackend::open(&path).expect("open");
        fangpin_server::testkit::push_is_idempotent_and_scoped(Arc::new(b.clone())).await;
        b.new_epoch().await.expect("epoch")
    };
    let b = SqliteBackend::open(&path).expect("reopen migrates nothing and keeps the data");
    assert!(b
        .user_by_name("cadre1".into())
        .await
        .expect("query")
        .is_some());
    let (a, _) =
        fangpin_server::testkit::actor(&b, "later", fangpin_server::Role::Office, &["530325101"])
            .await;
    assert_eq!(
        b.sync_state(a).await.expect("state").epoch,
        epoch,
        "the epoch is kept"
    );
    fangpin_server::testkit::assert_read_model(&b).await;
}

#[test]
fn the_read_model_has_exactly_the_catalogues_columns() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("server.db");
    drop(SqliteBackend::open(&path).expect("open"));
    let c = rusqlite::Connection::open(&path).expect("open file");
    for t in fangpin_catalogue::tables() {
        let mut stmt = c
            .prepare(&format!("PRAGMA table_info(rm_{})", t.name))
            .expect("pragma");
        let found: BTreeSet<String> = stmt
            .query_map([], |r| r.get::<_, String>(1))
            .expect("columns")
            .collect::<Result<_, _>>()
            .expect("columns");
        let want: BTreeSet<String> = fangpin_server::state::read_model_columns(t.name, false)
            .into_iter()
            .map(str::to_owned)
            .collect();
        assert_eq!(
            found, want,
            "rm_{} and the catalogue disagree: add a migration",
            t.name
        );
    }
}
