//! The service's database for a scenario: an embedded SQLite file, or a fresh database on a
//! throwaway PostgreSQL cluster shared by the test binary; backed up and restored the way an
//! operator would, and checked against a rebuild of its read model.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use fangpin_server::cluster::Cluster;

use crate::server::fangpin;

/// Which backend a scenario runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The embedded SQLite file.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// A service database.
pub struct ServiceDb {
    /// What `--db` takes: the file path or the postgres:// URL.
    pub url: String,
    file: Option<PathBuf>,
    name: String,
    cluster: Option<Arc<Cluster>>,
}

/// A copy of the database taken while the service was stopped.
pub struct Backup {
    file: Option<PathBuf>,
    name: String,
}

impl ServiceDb {
    /// A new, empty database of `backend`; SQLite's file lives in `dir`.
    pub fn new(backend: Backend, dir: &Path) -> ServiceDb {
        match backend {
            Backend::Sqlite => {
                let file = dir.join("server.db");
                ServiceDb {
                    url: file.display().to_string(),
                    file: Some(file),
                    name: String::new(),
                    cluster: None,
                }
            }
            Backend::Postgres => {
                let cluster = Cluster::shared().expect("a throwaway PostgreSQL cluster");
                let name = format!("s{}", uuid::Uuid::now_v7().simple());
                let url = cluster.database(&name).expect("a fresh database");
                ServiceDb {
                    url,
                    file: None,
                    name,
                    cluster: Some(cluster),
                }
            }
        }
    }

    /// True on PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.cluster.is_some()
    }

    /// Fails unless the read model equals a rebuild from the changes (`fangpin rebuild`).
    pub fn assert_read_model_rebuilds(&self, when: &str) {
        let (ok, printed) = self.rebuild(&[]);
        assert!(
            ok,
            "{when}: the read model differs from a rebuild:\n{printed}"
        );
    }

    /// Runs one SQL statement on the database behind the service's back (to damage it, say).
    pub fn execute(&self, statement: &str) {
        match (&self.file, &self.cluster) {
            (Some(file), _) => {
                rusqlite::Connection::open(file)
                    .and_then(|c| c.execute_batch(statement))
                    .expect("run the statement");
            }
            (None, Some(cluster)) => cluster
                .sql_in(&self.name, statement)
                .expect("run the statement"),
            (None, None) => unreachable!("a database is a file or on a cluster"),
        }
    }

    /// Runs `fangpin rebuild` with `args`; returns whether it succeeded and what it printed.
    pub fn rebuild(&self, args: &[&str]) -> (bool, String) {
        let out = std::process::Command::new(crate::server::fangpin_bin())
            .args(["rebuild", "--db", &self.url])
            .args(args)
            .output()
            .expect("run fangpin rebuild");
        (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    }

    /// Copies the database; the service must be stopped.
    pub fn backup(&self) -> Backup {
        match (&self.file, &self.cluster) {
            (Some(file), _) => {
                let copy = file.with_extension("backup");
                copy_sqlite(file, &copy);
                Backup {
                    file: Some(copy),
                    name: String::new(),
                }
            }
            (None, Some(cluster)) => {
                let name = format!("{}_backup", self.name);
                cluster
                    .sql(&format!("CREATE DATABASE {name} TEMPLATE {}", self.name))
                    .expect("copy the database");
                Backup { file: None, name }
            }
            (None, None) => unreachable!("a database is a file or on a cluster"),
        }
    }

    /// Puts a backup back in place of the database; the service must be stopped. On
    /// PostgreSQL the operator then runs `fangpin epoch new` (docs/operations.md); the
    /// embedded database notices by itself, from its high-water mark.
    pub fn restore(&self, backup: &Backup) {
        match (&self.file, &self.cluster) {
            (Some(file), _) => {
                let from = backup.file.as_ref().expect("a file backup");
                copy_sqlite(from, file);
            }
            (None, Some(cluster)) => {
                cluster
                    .sql(&format!("DROP DATABASE {}", self.name))
                    .expect("drop the database");
                cluster
                    .sql(&format!(
                        "CREATE DATABASE {} TEMPLATE {}",
                        self.name, backup.name
                    ))
                    .expect("restore the copy");
                fangpin(&["epoch", "new", "--db", &self.url]);
            }
            (None, None) => unreachable!("a database is a file or on a cluster"),
        }
    }
}

/// Copies a SQLite database with its write-ahead log, replacing what is at `to`.
fn copy_sqlite(from: &Path, to: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let src = PathBuf::from(format!("{}{suffix}", from.display()));
        let dst = PathBuf::from(format!("{}{suffix}", to.display()));
        if src.exists() {
            std::fs::copy(&src, &dst).expect("copy the database file");
        } else if dst.exists() {
            std::fs::remove_file(&dst).expect("remove a stale log");
        }
    }
}

/// Declares a scenario `async fn name(backend: Backend)` as two tests, `name::sqlite` and
/// `name::postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::db::Backend::Sqlite).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::db::Backend::Postgres).await
            }
        }
    };
}
