//! What every service command shares: the database named by `--db` (a file path for the
//! embedded SQLite default, or a `postgres://` URL) and the service state over it.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::Args;
use fangpin_server::{AppState, Backend, Settings};
use fangpin_server_postgres::PostgresBackend;
use fangpin_server_sqlite::SqliteBackend;

/// Where the service keeps its data.
#[derive(Debug, Clone, Args)]
pub struct Db {
    /// A SQLite file path (the embedded default) or a postgres:// URL (sslmode=require for TLS).
    #[arg(long, env = "FANGPIN_DB", default_value = "fangpin-server.db")]
    pub db: String,
}

impl Db {
    /// Whether the database is a PostgreSQL server.
    pub fn is_postgres(&self) -> bool {
        self.db.starts_with("postgres://") || self.db.starts_with("postgresql://")
    }
}

/// Opens the backend the setting names.
pub async fn open(db: &Db) -> Result<Arc<dyn Backend>> {
    open_with_limit(db, None).await
}

/// Opens the backend for a service whose requests end after `request_ms`: on PostgreSQL a
/// push's statements stop a little before that, so the server gives up the work too.
pub async fn open_with_limit(db: &Db, request_ms: Option<u64>) -> Result<Arc<dyn Backend>> {
    if db.is_postgres() {
        let mut b = PostgresBackend::connect(&db.db, 16)
            .await
            .context("connecting to PostgreSQL")?;
        if let Some(ms) = request_ms {
            b = b.with_statement_timeout(ms.saturating_mul(9) / 10);
        }
        Ok(Arc::new(b))
    } else {
        let path = PathBuf::from(&db.db);
        let b =
            SqliteBackend::open(&path).with_context(|| format!("opening {}", path.display()))?;
        Ok(Arc::new(b))
    }
}

/// The service state over a backend, for commands that act as the service does.
pub fn state(backend: Arc<dyn Backend>) -> AppState {
    AppState::new(backend, Settings::default())
}

/// Now, in ms since the epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
