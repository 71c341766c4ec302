//! The shared backend suite on a real SQLite file, each case a named test on a fresh file;
//! then what only SQLite has: reopening, migrating a version 1 file, and the read model's
//! columns against the record catalogue.

use std::future::Future;
use std::sync::Arc;

use fangpin_server::Backend;
use fangpin_server_sqlite::SqliteBackend;

async fn with_backend<F, Fut>(case: F)
where
    F: FnOnce(Arc<dyn Backend>) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = SqliteBackend::open(&dir.path().join("server.db")).expect("open");
    case(Arc::new(backend)).await;
}

fangpin_server::backend_suite!(with_backend);

#[path = "sqlite/schema.rs"]
mod schema;
