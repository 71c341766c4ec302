//! The PostgreSQL backend of the fangpin sync service, for a county or a province.
//!
//! The tables mirror the SQLite backend; a push loads what its batch touches in a few
//! set-based queries, plans with `fangpin_server::plan`, and writes the changes, the quarantine
//! and the read model with `UNNEST` statements in one transaction. Pushes take a
//! transaction-scoped advisory lock, so global sequence numbers commit in order, and run under
//! a statement time limit, so a push the client gave up on rolls back instead of holding the
//! lock; a pull reads in one repeatable-read snapshot, so a push that commits meanwhile can
//! never move a cursor past changes the pull did not see. Every key of the household data
//! begins with the county code, so the schema distributes on Citus by county (docs/scale.md).
//! The rules live in `fangpin-server`; this crate keeps only the SQL, one file per area.

mod accounts;
mod attachments;
mod backend;
mod pull;
mod push;
mod readmodel;
pub mod schema;

use std::sync::Arc;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use fangpin_server::BackendError;

type Fut<'a, T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, BackendError>> + Send + 'a>>;

/// A hook the tests run inside a pull, between its reads.
pub type PullHook = Arc<dyn Fn() -> Fut<'static, ()> + Send + Sync>;

/// The PostgreSQL backend: a connection pool.
#[derive(Clone)]
pub struct PostgresBackend {
    pool: Pool,
    /// The longest one statement of a push may run, ms.
    statement_timeout_ms: u64,
    pull_hook: Option<PullHook>,
}

pub(crate) fn db(e: impl std::fmt::Display) -> BackendError {
    BackendError::Database(e.to_string())
}

/// A PostgreSQL error with the server's own message (tokio-postgres's display says only
/// "db error").
pub(crate) fn pg(e: tokio_postgres::Error) -> BackendError {
    let text = match e.as_db_error() {
        Some(d) => format!("{}: {}", d.code().code(), d.message()),
        None => e.to_string(),
    };
    if text.contains("canceling statement due to statement timeout") {
        return BackendError::Cancelled;
    }
    BackendError::Database(text)
}

pub(crate) fn json<T: serde::Serialize>(v: &T) -> Result<String, BackendError> {
    serde_json::to_string(v).map_err(db)
}

pub(crate) fn parse<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, BackendError> {
    serde_json::from_str(s).map_err(db)
}

pub(crate) fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// The advisory lock every push and resolution holds: sequence numbers commit in order.
pub(crate) const PUSH_LOCK: i64 = 0x0066_616e_6770_696e;

/// Takes libpq's `sslrootcert=<file>` out of a connection URL (tokio-postgres does not know
/// it), and reads libpq's `sslmode=verify-ca` and `verify-full` as `require`, which always
/// verifies the certificate here: the URL tokio-postgres takes, and the file.
fn split_root_cert(url: &str) -> (String, Option<std::path::PathBuf>) {
    let Some((head, query)) = url.split_once('?') else {
        return (url.to_owned(), None);
    };
    let mut root = None;
    let kept: Vec<&str> = query
        .split('&')
        .filter_map(|kv| match kv.strip_prefix("sslrootcert=") {
            Some(v) => {
                root = Some(std::path::PathBuf::from(
                    percent_encoding::percent_decode_str(v)
                        .decode_utf8_lossy()
                        .into_owned(),
                ));
                None
            }
            None if kv == "sslmode=verify-full" || kv == "sslmode=verify-ca" => {
                Some("sslmode=require")
            }
            None => Some(kv),
        })
        .collect();
    let url = if kept.is_empty() {
        head.to_owned()
    } else {
        format!("{head}?{}", kept.join("&"))
    };
    (url, root)
}

/// How to reach the database securely, from the URL's `sslmode`: the system's roots, and the
/// PEM file named by `sslrootcert` in the URL or else by `PGSSLROOTCERT`.
fn tls(
    config: &tokio_postgres::Config,
    root_cert: Option<std::path::PathBuf>,
) -> Result<Option<tokio_postgres_rustls::MakeRustlsConnect>, BackendError> {
    use tokio_postgres::config::SslMode;
    if config.get_ssl_mode() == SslMode::Disable {
        return Ok(None);
    }
    let mut roots = rustls::RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for cert in native.certs {
        let _ = roots.add(cert);
    }
    if let Some(path) =
        root_cert.or_else(|| std::env::var_os("PGSSLROOTCERT").map(std::path::PathBuf::from))
    {
        let named = path.display().to_string();
        let pem = std::fs::read(&path)
            .map_err(|e| BackendError::Database(format!("sslrootcert {named}: {e}")))?;
        for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
            let cert =
                cert.map_err(|e| BackendError::Database(format!("sslrootcert {named}: {e}")))?;
            roots
                .add(cert)
                .map_err(|e| BackendError::Database(format!("sslrootcert {named}: {e}")))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(db)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Some(tokio_postgres_rustls::MakeRustlsConnect::new(cfg)))
}

impl PostgresBackend {
    /// Connects (a pool of up to `size` connections) and migrates the schema. `sslmode=require`
    /// (or libpq's `verify-ca`, `verify-full`) in the URL connects only with TLS, verifying the
    /// server's certificate against the system's roots and the PEM file named by `sslrootcert`
    /// in the URL (or `PGSSLROOTCERT`); `prefer`, the default, uses TLS when the server offers
    /// it, verified the same way; `disable` connects in the clear.
    pub async fn connect(url: &str, size: usize) -> Result<Self, BackendError> {
        let (url, root_cert) = split_root_cert(url);
        let config: tokio_postgres::Config = url.parse().map_err(db)?;
        let cfg = ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        };
        // `prefer` (the default) tries TLS first and verifies the certificate when the server
        // offers it; only a server without TLS is reached in the clear.
        let manager = match tls(&config, root_cert)? {
            Some(tls) => Manager::from_config(config, tls, cfg),
            None => Manager::from_config(config, tokio_postgres::NoTls, cfg),
        };
        let pool = Pool::builder(manager)
            .max_size(size.max(1))
            .build()
            .map_err(db)?;
        let b = Self {
            pool,
            statement_timeout_ms: 50_000,
            pull_hook: None,
        };
        b.migrate().await?;
        Ok(b)
    }

    /// Sets how long one statement of a push may run (the service sets it below its request
    /// time limit).
    pub fn with_statement_timeout(mut self, ms: u64) -> Self {
        self.statement_timeout_ms = ms.max(1);
        self
    }

    /// Runs `hook` inside every pull, between reading the villages and reading the changes
    /// (tests use it to push concurrently).
    pub fn with_pull_hook(mut self, hook: PullHook) -> Self {
        self.pull_hook = Some(hook);
        self
    }

    async fn migrate(&self) -> Result<(), BackendError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&PUSH_LOCK])
            .await
            .map_err(db)?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_version(version INT NOT NULL)")
            .await
            .map_err(db)?;
        let version: i32 = tx
            .query_opt("SELECT version FROM schema_version", &[])
            .await
            .map_err(db)?
            .map_or(0, |r| r.get(0));
        if version as usize > schema::MIGRATIONS.len() {
            return Err(BackendError::Database(format!(
                "the database is at schema version {version}, newer than this build's {}",
                schema::MIGRATIONS.len()
            )));
        }
        // Every migration's tables first, then one rebuild of the read model (it fills every
        // table the catalogue declares, so they must all exist), then the steps after it.
        let pending = &schema::MIGRATIONS[version as usize..];
        for (sql, _, _) in pending {
            tx.batch_execute(sql).await.map_err(db)?;
        }
        if pending.iter().any(|(_, rebuild, _)| *rebuild) {
            readmodel::rebuild(&tx, true).await?;
        }
        for (_, _, after) in pending {
            tx.batch_execute(after).await.map_err(db)?;
        }
        if !pending.is_empty() {
            tx.execute("DELETE FROM schema_version", &[])
                .await
                .map_err(db)?;
            tx.execute(
                "INSERT INTO schema_version(version) VALUES ($1)",
                &[&(schema::MIGRATIONS.len() as i32)],
            )
            .await
            .map_err(db)?;
        }
        push::init_meta(&tx).await?;
        tx.commit().await.map_err(db)
    }

    pub(crate) async fn client(&self) -> Result<deadpool_postgres::Object, BackendError> {
        self.pool.get().await.map_err(|e| {
            // Say why a connection failed (a TLS certificate nobody vouched for, say), not
            // only that it did.
            let mut text = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                text.push_str(": ");
                text.push_str(&s.to_string());
                source = s.source();
            }
            BackendError::Database(text)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::split_root_cert;

    #[test]
    fn sslrootcert_is_taken_out_of_the_url() {
        assert_eq!(
            split_root_cert("postgres://u@h/db?sslmode=require&sslrootcert=/etc/ca%20x.pem"),
            (
                "postgres://u@h/db?sslmode=require".to_owned(),
                Some("/etc/ca x.pem".into())
            )
        );
        assert_eq!(
            split_root_cert("postgres://u@h/db?sslrootcert=ca.pem"),
            ("postgres://u@h/db".to_owned(), Some("ca.pem".into()))
        );
        assert_eq!(
            split_root_cert("postgres://u@h/db?sslmode=verify-full"),
            ("postgres://u@h/db?sslmode=require".to_owned(), None)
        );
        assert_eq!(
            split_root_cert("postgres://u@h/db"),
            ("postgres://u@h/db".to_owned(), None)
        );
    }
}
