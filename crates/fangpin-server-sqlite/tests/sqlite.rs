//! The shared backend suite on a real SQLite file.

use std::sync::Arc;

use fangpin_server_sqlite::SqliteBackend;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shared_backend_suite_passes_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = SqliteBackend::open(&dir.path().join("server.db")).expect("open");
    fangpin_server::testkit::run(Arc::new(backend)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_file_survives_reopening() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("server.db");
    {
        let b = SqliteBackend::open(&path).expect("open");
        fangpin_server::testkit::run(Arc::new(b)).await;
    }
    let b = SqliteBackend::open(&path).expect("reopen migrates nothing and keeps the data");
    use fangpin_server::Backend;
    assert!(b
        .user_by_name("cadre1".into())
        .await
        .expect("query")
        .is_some());
}
