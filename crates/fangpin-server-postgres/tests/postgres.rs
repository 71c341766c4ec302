//! The shared backend suite on a real PostgreSQL server: a throwaway cluster from Debian's
//! postgresql package, made with initdb on a free port, shared by the tests of this binary and
//! removed after the last; each case gets a fresh database. Then what only PostgreSQL has:
//! county-first keys, a pull in one snapshot while a push commits, reconnecting, and TLS.

use std::future::Future;
use std::sync::Arc;

use fangpin_server::cluster::Cluster;
use fangpin_server::Backend;
use fangpin_server_postgres::PostgresBackend;

async fn with_backend<F, Fut>(case: F)
where
    F: FnOnce(Arc<dyn Backend>) -> Fut,
    Fut: Future<Output = ()>,
{
    let cluster = Cluster::shared().expect("a throwaway PostgreSQL cluster");
    let url = cluster.fresh_database().expect("a database");
    let backend = PostgresBackend::connect(&url, 4).await.expect("connect");
    case(Arc::new(backend)).await;
}

fangpin_server::backend_suite!(with_backend);

#[path = "postgres/schema.rs"]
mod schema;

#[path = "postgres/tls.rs"]
mod tls;
