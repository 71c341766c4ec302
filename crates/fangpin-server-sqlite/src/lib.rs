//! The embedded SQLite backend of the fangpin sync service: one file, nothing to install.
//!
//! Every accepted change is a row of `changes` under its global sequence number, unique by
//! (device, device sequence) so a replayed push is a no-op; the read model keeps every row's
//! current values in one `rm_` table per synced table (with the record catalogue's search
//! columns) and every field's heads in `field_state`, updated in the push's transaction;
//! `conflicts` holds the open conflicts and `quarantine` the refused changes with their
//! reasons. Every write goes through one writer connection (WAL, `synchronous=FULL`, so an
//! acknowledged push survives a power cut); sign-ins, credential checks and pulls read on their
//! own connections beside it. A request past its time limit interrupts its statement and rolls
//! back, so it never keeps the writer from others. The rules live in `fangpin-server`; this
//! crate keeps only the SQL, one file per area.

mod accounts;
mod attachments;
mod backend;
mod pull;
mod push;
mod readmodel;
mod schema;

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use fangpin_server::BackendError;
use rusqlite::{Connection, InterruptHandle};

pub use schema::VERSION as SCHEMA_VERSION;

type Fut<'a, T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, BackendError>> + Send + 'a>>;

/// The SQLite backend. Cheap to clone; all clones share one writer connection, through which
/// every write goes in turn, and a few read-only connections.
#[derive(Clone)]
pub struct SqliteBackend {
    writer: Arc<Mutex<Connection>>,
    interrupt: Arc<InterruptHandle>,
    /// The token of the request running on the writer (0: none).
    running: Arc<AtomicU64>,
    tokens: Arc<AtomicU64>,
    readers: Arc<Vec<Mutex<Connection>>>,
    next_reader: Arc<AtomicUsize>,
}

/// How many read-only connections serve pulls, sign-ins and credential checks.
const READERS: usize = 4;

pub(crate) fn db(e: impl std::fmt::Display) -> BackendError {
    let text = e.to_string();
    if text.contains("interrupted") {
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

/// Interrupts the writer's statement when the request that started it is dropped before it
/// finished (its time limit passed), so its transaction rolls back and frees the writer; a
/// commit reached after that is rolled back by the commit hook `write` installs.
struct Cancel {
    token: u64,
    cancelled: Arc<AtomicBool>,
    running: Arc<AtomicU64>,
    interrupt: Arc<InterruptHandle>,
    done: bool,
}

impl Cancel {
    /// The request finished: nothing to interrupt.
    fn disarm(mut self) {
        self.done = true;
    }
}

impl Drop for Cancel {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        self.cancelled.store(true, Ordering::SeqCst);
        if self.running.load(Ordering::SeqCst) == self.token {
            self.interrupt.interrupt();
        }
    }
}

impl SqliteBackend {
    /// Opens (creating and migrating) the database at `path`.
    pub fn open(path: &Path) -> Result<Self, BackendError> {
        let mut conn = Connection::open(path).map_err(db)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(db)?;
        schema::migrate(&mut conn)?;
        push::init_meta(&conn)?;
        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let r = Connection::open(path).map_err(db)?;
            r.busy_timeout(std::time::Duration::from_secs(10))
                .map_err(db)?;
            r.pragma_update(None, "query_only", true).map_err(db)?;
            readers.push(Mutex::new(r));
        }
        Ok(Self {
            interrupt: Arc::new(conn.get_interrupt_handle()),
            writer: Arc::new(Mutex::new(conn)),
            running: Arc::new(AtomicU64::new(0)),
            tokens: Arc::new(AtomicU64::new(1)),
            readers: Arc::new(readers),
            next_reader: Arc::new(AtomicUsize::new(0)),
        })
    }

    /// Runs `f` on the writer connection on a blocking thread; if the caller stops waiting
    /// (its time limit), the running statement is interrupted and the transaction rolls back.
    pub(crate) fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, BackendError> + Send + 'static,
    ) -> Fut<'_, T> {
        let writer = self.writer.clone();
        let token = self.tokens.fetch_add(1, Ordering::Relaxed);
        let cancelled = Arc::new(AtomicBool::new(false));
        let running = self.running.clone();
        let guard = Cancel {
            token,
            cancelled: cancelled.clone(),
            running: running.clone(),
            interrupt: self.interrupt.clone(),
            done: false,
        };
        Box::pin(async move {
            let result = tokio::task::spawn_blocking(move || {
                let mut conn = writer.lock().unwrap_or_else(|p| p.into_inner());
                if cancelled.load(Ordering::SeqCst) {
                    return Err(BackendError::Cancelled);
                }
                running.store(token, Ordering::SeqCst);
                // Between statements there is nothing to interrupt: a commit after the caller
                // gave up is turned into a rollback instead.
                let flag = cancelled.clone();
                conn.commit_hook(Some(move || flag.load(Ordering::SeqCst)));
                let r = f(&mut conn);
                conn.commit_hook(None::<fn() -> bool>);
                running.store(0, Ordering::SeqCst);
                if cancelled.load(Ordering::SeqCst) {
                    return Err(BackendError::Cancelled);
                }
                r
            })
            .await
            .map_err(db);
            guard.disarm();
            result?
        })
    }

    /// Runs `f` on a read-only connection on a blocking thread: a free one, else the next in
    /// turn. Reads never wait for the writer (WAL).
    pub(crate) fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, BackendError> + Send + 'static,
    ) -> Fut<'_, T> {
        let readers = self.readers.clone();
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        Box::pin(async move {
            tokio::task::spawn_blocking(move || {
                let n = readers.len();
                let mut conn = (0..n)
                    .find_map(|i| readers[(start + i) % n].try_lock().ok())
                    .unwrap_or_else(|| {
                        readers[start % n].lock().unwrap_or_else(|p| p.into_inner())
                    });
                f(&mut conn)
            })
            .await
            .map_err(db)?
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use fangpin_server::model::{Device, DeviceKind, Role, Scope, User};
    use fangpin_server::Backend;

    use super::*;

    /// A write whose caller gave up (its request past its time limit) never commits: the commit
    /// it reaches afterwards is turned into a rollback, and the writer goes to the next one.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_write_given_up_before_its_commit_rolls_back() {
        let dir = tempfile::tempdir().expect("dir");
        let b = SqliteBackend::open(&dir.path().join("server.db")).expect("open");
        let (entered_tx, entered_rx) = std::sync::mpsc::channel();
        let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
        let mut given_up = b.write(move |c| {
            let tx = c.transaction().map_err(db)?;
            tx.execute("INSERT INTO meta(key, value) VALUES ('probe', '1')", [])
                .map_err(db)?;
            entered_tx.send(()).map_err(db)?;
            go_rx.recv().map_err(db)?;
            tx.commit().map_err(db)
        });
        let entered = tokio::task::spawn_blocking(move || entered_rx.recv());
        tokio::select! {
            _ = &mut given_up => panic!("the write finished before it was released"),
            r = entered => r.expect("join").expect("the write is in its transaction"),
        }
        drop(given_up);
        go_tx.send(()).expect("release the write");
        let probes = b
            .write(|c| {
                c.query_row("SELECT COUNT(*) FROM meta WHERE key = 'probe'", [], |r| {
                    r.get::<_, i64>(0)
                })
                .map_err(db)
            })
            .await
            .expect("the writer is free again");
        assert_eq!(probes, 0, "the given-up write was rolled back");
        let kept = b
            .write(|c| {
                c.execute("INSERT INTO meta(key, value) VALUES ('probe', '2')", [])
                    .map_err(db)
            })
            .await
            .expect("a write after it commits as usual");
        assert_eq!(kept, 1);
    }

    /// While a request holds the writer (a long push), checking a credential still answers at
    /// once: credential checks read on their own connections and never queue on the writer.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn credential_checks_do_not_wait_for_the_writer() {
        let dir = tempfile::tempdir().expect("dir");
        let b = SqliteBackend::open(&dir.path().join("server.db")).expect("open");
        let user = User {
            id: uuid::Uuid::now_v7(),
            username: "cadre".into(),
            display_name: "cadre".into(),
            role: Role::VillageCadre,
            scope: Scope::new(["530325101201"]),
            disabled: false,
        };
        b.create_user(user.clone(), "hash".into())
            .await
            .expect("user");
        let device = Device {
            id: uuid::Uuid::now_v7(),
            user_id: user.id,
            name: "tablet".into(),
            kind: DeviceKind::Field,
            created_ms: 0,
            expires_ms: i64::MAX,
            revoked_ms: None,
        };
        b.create_device(device.clone(), "secret".into())
            .await
            .expect("device");

        let writer = b.writer.clone();
        let (locked_tx, locked_rx) = std::sync::mpsc::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let holder = std::thread::spawn(move || {
            let _held = writer.lock().unwrap_or_else(|p| p.into_inner());
            locked_tx.send(()).expect("signal");
            let _ = release_rx.recv();
        });
        locked_rx.recv().expect("the writer is held");
        // A guard against hanging, not a timing: a check queued on the writer never returns.
        let checked = tokio::time::timeout(Duration::from_secs(30), async {
            (
                b.device(device.id).await.expect("device"),
                b.user(user.id).await.expect("user"),
            )
        })
        .await
        .expect("the credential check did not wait for the writer");
        assert_eq!(checked.0.map(|d| d.device.id), Some(device.id));
        assert_eq!(checked.1.map(|u| u.id), Some(user.id));
        release_tx.send(()).expect("release");
        holder.join().expect("holder");
    }
}
