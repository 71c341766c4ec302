//! TLS to PostgreSQL: a cluster that refuses TCP clients without TLS, reached with
//! `sslmode=require` and the township's certificate authority named by `sslrootcert`.

use std::sync::Arc;

use fangpin_server::cluster::{township_certificates, Cluster};
use fangpin_server_postgres::PostgresBackend;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sslmode_require_connects_over_tls_and_verifies_the_certificate() {
    let dir = tempfile::tempdir().expect("dir");
    let certs = township_certificates(dir.path()).expect("certificates");
    let cluster = Cluster::start_tls(&certs.cert, &certs.key).expect("a cluster taking only TLS");
    let url = cluster.database("tls").expect("a database");

    let plain = PostgresBackend::connect(&format!("{url}?sslmode=disable"), 1).await;
    assert!(
        plain.is_err(),
        "the cluster refuses connections without TLS"
    );
    let untrusted = PostgresBackend::connect(&format!("{url}?sslmode=require"), 1).await;
    let e = untrusted
        .err()
        .expect("a certificate nobody vouched for is refused");
    assert!(
        e.to_string().to_lowercase().contains("certificate"),
        "the reason names the certificate: {e}"
    );
    let backend = PostgresBackend::connect(
        &format!("{url}?sslmode=require&sslrootcert={}", certs.ca.display()),
        2,
    )
    .await
    .expect("with the township's CA the connection is made over TLS");
    // And the service works over it.
    fangpin_server::testkit::accounts_are_managed(Arc::new(backend)).await;
}
