//! The shared backend suite on a real PostgreSQL server: a throwaway cluster from Debian's
//! postgresql package, made with initdb on a free port and removed afterwards.

use std::sync::Arc;

use fangpin_server::cluster::Cluster;
use fangpin_server_postgres::PostgresBackend;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shared_backend_suite_passes_on_postgres() {
    let cluster = Cluster::start().expect("a throwaway PostgreSQL cluster");
    let url = cluster.database("suite").expect("a database");
    let backend = PostgresBackend::connect(&url, 4).await.expect("connect");
    fangpin_server::testkit::run(Arc::new(backend)).await;
    // Connecting again migrates nothing and keeps the data.
    let again = PostgresBackend::connect(&url, 1).await.expect("reconnect");
    use fangpin_server::Backend;
    assert!(again
        .user_by_name("cadre1".into())
        .await
        .expect("query")
        .is_some());
}
