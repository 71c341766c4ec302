//! [`SqliteBackend`]: the [`Backend`] over one SQLite file.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use fangpin_server::backend::{AttachmentStatus, AuditEntry, Resolution, VillageProgress};
use fangpin_server::judge::HOUSEHOLD;
use fangpin_server::model::{
    Actor, Device, DeviceKind, Role, Scope, StoredDevice, StoredUser, User,
};
use fangpin_server::plan::{
    acknowledged_through, plan_push, resolution_change, rows_to_load, Decision, Loaded, Plan,
    RowInfo,
};
use fangpin_server::{Backend, BackendError};
use fangpin_sync::wire::{PullResponse, PushResponse, Sequenced};
use fangpin_sync::{Change, Conflict, Register, RowKey, Schema, Version, VersionId};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use sha2::{Digest, Sha256};
use uuid::Uuid;

type Fut<'a, T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, BackendError>> + Send + 'a>>;

/// The SQLite backend. Cheap to clone; all clones share one writer connection, through which
/// every write goes in turn, and a few read-only connections for pulls (WAL lets them read
/// while the writer writes).
#[derive(Clone)]
pub struct SqliteBackend {
    conn: Arc<Mutex<Connection>>,
    readers: Arc<Vec<Mutex<Connection>>>,
    next_reader: Arc<std::sync::atomic::AtomicUsize>,
    schema: Arc<Schema>,
}

/// How many read-only connections serve pulls.
const READERS: usize = 4;

fn db(e: impl std::fmt::Display) -> BackendError {
    BackendError::Database(e.to_string())
}

fn json<T: serde::Serialize>(v: &T) -> Result<String, BackendError> {
    serde_json::to_string(v).map_err(db)
}

fn parse<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, BackendError> {
    serde_json::from_str(s).map_err(db)
}

impl SqliteBackend {
    /// Opens (creating and migrating) the database at `path`.
    pub fn open(path: &Path) -> Result<Self, BackendError> {
        let mut conn = Connection::open(path).map_err(db)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(db)?;
        crate::schema::migrate(&mut conn).map_err(db)?;
        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let r = Connection::open(path).map_err(db)?;
            r.busy_timeout(std::time::Duration::from_secs(10))
                .map_err(db)?;
            r.pragma_update(None, "query_only", true).map_err(db)?;
            readers.push(Mutex::new(r));
        }
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
            readers: Arc::new(readers),
            next_reader: Arc::new(std::sync::atomic::AtomicUsize::new(0)),
            schema: Arc::new(Schema::fangpin()),
        })
    }

    /// Runs `f` on the connection on a blocking thread.
    fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection, &Schema) -> Result<T, BackendError> + Send + 'static,
    ) -> Fut<'_, T> {
        let conn = self.conn.clone();
        let schema = self.schema.clone();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || {
                let mut guard = conn.lock().unwrap_or_else(|p| p.into_inner());
                f(&mut guard, &schema)
            })
            .await
            .map_err(db)?
        })
    }
}

fn user_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(User, String)> {
    let role: String = r.get(3)?;
    let scope: String = r.get(4)?;
    Ok((
        User {
            id: r.get(0)?,
            username: r.get(1)?,
            display_name: r.get(2)?,
            role: Role::parse(&role).unwrap_or(Role::VillageCadre),
            scope: serde_json::from_str(&scope).unwrap_or_default(),
            disabled: r.get(5)?,
        },
        r.get(6)?,
    ))
}

const USER_COLS: &str = "id, username, display_name, role, scope, disabled, password_hash";
const DEVICE_COLS: &str =
    "id, user_id, name, kind, created_ms, expires_ms, revoked_ms, secret_hash";

fn device_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredDevice> {
    let kind: String = r.get(3)?;
    Ok(StoredDevice {
        device: Device {
            id: r.get(0)?,
            user_id: r.get(1)?,
            name: r.get(2)?,
            kind: if kind == "console" {
                DeviceKind::Console
            } else {
                DeviceKind::Field
            },
            created_ms: r.get(4)?,
            expires_ms: r.get(5)?,
            revoked_ms: r.get(6)?,
        },
        secret_hash: r.get(7)?,
    })
}

/// Every register of a stored row, rebuilt from its accepted changes: the server keeps every
/// version, so the changes are the registers' truth and nothing is stored twice.
fn row_registers(
    tx: &Transaction<'_>,
    schema: &Schema,
    row: &RowKey,
) -> Result<BTreeMap<String, Register>, BackendError> {
    let mut stmt = tx
        .prepare_cached("SELECT body FROM changes WHERE row_table = ?1 AND row_id = ?2")
        .map_err(db)?;
    let bodies = stmt
        .query_map(params![row.table, row.id], |r| r.get::<_, String>(0))
        .map_err(db)?;
    let mut regs: BTreeMap<String, Register> = BTreeMap::new();
    for b in bodies {
        let c: Change = parse(&b.map_err(db)?)?;
        regs.entry(c.field.clone())
            .or_insert_with(|| Register::new(schema.rule(&row.table, &c.field)))
            .insert(Version::from_change(&c));
    }
    Ok(regs)
}

fn row_info(tx: &Transaction<'_>, row: &RowKey) -> Result<Option<RowInfo>, BackendError> {
    tx.prepare_cached(
        "SELECT village, conflicts, deleted FROM rows WHERE row_table = ?1 AND row_id = ?2",
    )
    .map_err(db)?
    .query_row(params![row.table, row.id], |r| {
        Ok(RowInfo {
            village: r.get(0)?,
            conflicts: r.get::<_, i64>(1)? as u32,
            deleted: r.get(2)?,
        })
    })
    .optional()
    .map_err(db)
}

fn is_stored(tx: &Transaction<'_>, device: Uuid, seq: u64) -> Result<bool, BackendError> {
    tx.prepare_cached(
        "SELECT EXISTS(SELECT 1 FROM changes WHERE device = ?1 AND dseq = ?2) OR EXISTS(SELECT 1 FROM quarantine WHERE device = ?1 AND dseq = ?2)",
    )
    .map_err(db)?
    .query_row(params![device, seq as i64], |r| r.get(0))
    .map_err(db)
}

/// Loads what a batch touches: which of its changes are stored (one range query per device),
/// its stored rows, and their registers.
fn load(tx: &Transaction<'_>, schema: &Schema, changes: &[Change]) -> Result<Loaded, BackendError> {
    let mut loaded = Loaded::default();
    let mut ranges: BTreeMap<Uuid, (u64, u64)> = BTreeMap::new();
    for c in changes {
        let r = ranges.entry(c.id.device.0).or_insert((c.id.seq, c.id.seq));
        r.0 = r.0.min(c.id.seq);
        r.1 = r.1.max(c.id.seq);
    }
    let mut stored = tx
        .prepare_cached(
            "SELECT dseq FROM changes WHERE device = ?1 AND dseq BETWEEN ?2 AND ?3 \
             UNION ALL SELECT dseq FROM quarantine WHERE device = ?1 AND dseq BETWEEN ?2 AND ?3",
        )
        .map_err(db)?;
    for (device, (lo, hi)) in ranges {
        let seqs = stored
            .query_map(params![device, lo as i64, hi as i64], |r| {
                r.get::<_, i64>(0)
            })
            .map_err(db)?;
        for seq in seqs {
            let seq = seq.map_err(db)? as u64;
            loaded.stored.insert(VersionId {
                device: fangpin_sync::DeviceId(device),
                seq,
            });
        }
    }
    for row in rows_to_load(changes) {
        if let Some(info) = row_info(tx, &row)? {
            loaded
                .registers
                .insert(row.clone(), row_registers(tx, schema, &row)?);
            loaded.rows.insert(row, info);
        }
    }
    Ok(loaded)
}

/// Writes a plan in the caller's transaction.
fn write(
    tx: &Transaction<'_>,
    actor: &Actor,
    plan: &Plan,
    now_ms: i64,
) -> Result<(), BackendError> {
    let mut ins = tx
        .prepare_cached(
            "INSERT INTO changes(device, dseq, row_table, row_id, field, village, user_id, received_ms, body) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )
        .map_err(db)?;
    for (c, village) in &plan.accepted {
        ins.execute(params![
            c.id.device.0,
            c.id.seq as i64,
            c.row.table,
            c.row.id,
            c.field,
            village,
            actor.user.id,
            now_ms,
            json(c)?
        ])
        .map_err(db)?;
    }
    let mut quarantine = tx
        .prepare_cached(
            "INSERT INTO quarantine(device, dseq, user_id, received_ms, code, reason, body) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .map_err(db)?;
    for (c, refusal) in &plan.refused {
        quarantine
            .execute(params![
                c.id.device.0,
                c.id.seq as i64,
                actor.user.id,
                now_ms,
                json(&refusal.code)?.trim_matches('"'),
                refusal.reason,
                json(c)?
            ])
            .map_err(db)?;
    }
    let mut rows = tx
        .prepare_cached("INSERT INTO rows(row_table, row_id, village) VALUES (?1, ?2, ?3)")
        .map_err(db)?;
    let mut villages = tx
        .prepare_cached("INSERT OR IGNORE INTO villages(village) VALUES (?1)")
        .map_err(db)?;
    for (row, village) in &plan.new_rows {
        rows.execute(params![row.table, row.id, village])
            .map_err(db)?;
        villages.execute(params![village]).map_err(db)?;
    }
    let mut clear = tx
        .prepare_cached("DELETE FROM conflicts WHERE row_table = ?1 AND row_id = ?2")
        .map_err(db)?;
    let mut add = tx
        .prepare_cached(
            "INSERT INTO conflicts(row_table, row_id, field, village, body) VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .map_err(db)?;
    let mut flags = tx
        .prepare_cached(
            "UPDATE rows SET deleted = ?3, conflicts = ?4 WHERE row_table = ?1 AND row_id = ?2",
        )
        .map_err(db)?;
    for rc in &plan.conflicts {
        clear
            .execute(params![rc.row.table, rc.row.id])
            .map_err(db)?;
        for c in &rc.conflicts {
            add.execute(params![
                rc.row.table,
                rc.row.id,
                c.field,
                rc.village,
                json(c)?
            ])
            .map_err(db)?;
        }
        flags
            .execute(params![
                rc.row.table,
                rc.row.id,
                rc.deleted,
                rc.conflicts.len() as i64
            ])
            .map_err(db)?;
    }
    Ok(())
}

fn advance_ack(tx: &Transaction<'_>, device: Uuid) -> Result<u64, BackendError> {
    let before: i64 = tx
        .query_row(
            "SELECT through FROM device_acks WHERE device = ?1",
            params![device],
            |r| r.get(0),
        )
        .optional()
        .map_err(db)?
        .unwrap_or(0);
    let mut failure = None;
    let through = acknowledged_through(before as u64, |seq| match is_stored(tx, device, seq) {
        Ok(b) => b,
        Err(e) => {
            failure = Some(e);
            false
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    tx.execute(
        "INSERT OR REPLACE INTO device_acks(device, through) VALUES (?1, ?2)",
        params![device, through as i64],
    )
    .map_err(db)?;
    Ok(through)
}

/// The villages with rows that a scope covers.
fn villages_in(tx: &Transaction<'_>, scope: &Scope) -> Result<Vec<String>, BackendError> {
    let (sql, args) = scope_sql(scope, "village");
    let mut stmt = tx
        .prepare_cached(&format!("SELECT village FROM villages WHERE {sql}"))
        .map_err(db)?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(args.iter()), |r| {
            r.get::<_, String>(0)
        })
        .map_err(db)?;
    rows.map(|r| r.map_err(db)).collect()
}

/// SQL for "village in scope" as ranges, with its parameters (index-friendly).
fn scope_sql(scope: &Scope, column: &str) -> (String, Vec<String>) {
    let mut parts = Vec::new();
    let mut args = Vec::new();
    for p in scope.areas.iter().filter(|p| !p.is_empty()) {
        parts.push(format!("({column} >= ? AND {column} < ?)"));
        args.push(p.clone());
        args.push(format!("{p}:"));
    }
    if parts.is_empty() {
        ("0".into(), args)
    } else {
        (format!("({})", parts.join(" OR ")), args)
    }
}

fn assemble(tx: &Transaction<'_>, sha256: &str) -> Result<Vec<u8>, BackendError> {
    let mut stmt = tx
        .prepare_cached("SELECT data FROM attachment_chunks WHERE sha256 = ?1 ORDER BY offset")
        .map_err(db)?;
    let chunks = stmt
        .query_map(params![sha256], |r| r.get::<_, Vec<u8>>(0))
        .map_err(db)?;
    let mut out = Vec::new();
    for c in chunks {
        out.extend(c.map_err(db)?);
    }
    Ok(out)
}

impl Backend for SqliteBackend {
    fn create_user(&self, user: User, password_hash: String) -> Fut<'_, ()> {
        self.run(move |c, _| {
            c.execute(
                &format!("INSERT INTO users({USER_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
                params![
                    user.id,
                    user.username,
                    user.display_name,
                    user.role.as_str(),
                    json(&user.scope)?,
                    user.disabled,
                    password_hash
                ],
            )
            .map_err(|e| match e {
                rusqlite::Error::SqliteFailure(f, _)
                    if f.code == rusqlite::ErrorCode::ConstraintViolation =>
                {
                    BackendError::Exists(format!("user {}", user.username))
                }
                e => db(e),
            })?;
            Ok(())
        })
    }

    fn user_by_name(&self, username: String) -> Fut<'_, Option<StoredUser>> {
        self.run(move |c, _| {
            c.query_row(
                &format!("SELECT {USER_COLS} FROM users WHERE username = ?1"),
                params![username],
                user_from_row,
            )
            .optional()
            .map_err(db)
            .map(|o| {
                o.map(|(user, password_hash)| StoredUser {
                    user,
                    password_hash,
                })
            })
        })
    }

    fn user(&self, id: Uuid) -> Fut<'_, Option<User>> {
        self.run(move |c, _| {
            c.query_row(
                &format!("SELECT {USER_COLS} FROM users WHERE id = ?1"),
                params![id],
                user_from_row,
            )
            .optional()
            .map_err(db)
            .map(|o| o.map(|(u, _)| u))
        })
    }

    fn users(&self) -> Fut<'_, Vec<User>> {
        self.run(move |c, _| {
            let mut stmt = c
                .prepare(&format!("SELECT {USER_COLS} FROM users ORDER BY username"))
                .map_err(db)?;
            let rows = stmt.query_map([], user_from_row).map_err(db)?;
            rows.map(|r| r.map(|(u, _)| u).map_err(db)).collect()
        })
    }

    fn update_user(&self, user: User) -> Fut<'_, ()> {
        self.run(move |c, _| {
            let n = c
                .execute(
                    "UPDATE users SET display_name = ?2, role = ?3, scope = ?4, disabled = ?5 WHERE id = ?1",
                    params![user.id, user.display_name, user.role.as_str(), json(&user.scope)?, user.disabled],
                )
                .map_err(db)?;
            if n == 0 {
                return Err(BackendError::NotFound(format!("user {}", user.id)));
            }
            Ok(())
        })
    }

    fn create_device(&self, device: Device, secret_hash: String) -> Fut<'_, ()> {
        self.run(move |c, _| {
            let kind = match device.kind {
                DeviceKind::Field => "field",
                DeviceKind::Console => "console",
            };
            c.execute(
                &format!(
                    "INSERT INTO devices({DEVICE_COLS}, seen_scope) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, (SELECT scope FROM users WHERE id = ?2))"
                ),
                params![
                    device.id,
                    device.user_id,
                    device.name,
                    kind,
                    device.created_ms,
                    device.expires_ms,
                    device.revoked_ms,
                    secret_hash
                ],
            )
            .map_err(db)?;
            Ok(())
        })
    }

    fn device(&self, id: Uuid) -> Fut<'_, Option<StoredDevice>> {
        self.run(move |c, _| {
            c.query_row(
                &format!("SELECT {DEVICE_COLS} FROM devices WHERE id = ?1"),
                params![id],
                device_from_row,
            )
            .optional()
            .map_err(db)
        })
    }

    fn devices(&self, user: Option<Uuid>) -> Fut<'_, Vec<Device>> {
        self.run(move |c, _| {
            let mut stmt = c
                .prepare(&format!("SELECT {DEVICE_COLS} FROM devices WHERE ?1 IS NULL OR user_id = ?1 ORDER BY created_ms"))
                .map_err(db)?;
            let rows = stmt.query_map(params![user], device_from_row).map_err(db)?;
            rows.map(|r| r.map(|d| d.device).map_err(db)).collect()
        })
    }

    fn revoke_device(&self, id: Uuid, at_ms: i64) -> Fut<'_, bool> {
        self.run(move |c, _| {
            let n = c
                .execute(
                    "UPDATE devices SET revoked_ms = COALESCE(revoked_ms, ?2) WHERE id = ?1",
                    params![id, at_ms],
                )
                .map_err(db)?;
            Ok(n > 0)
        })
    }

    fn push(&self, actor: Actor, changes: Vec<Change>, now_ms: i64) -> Fut<'_, PushResponse> {
        self.run(move |c, schema| {
            let tx = c.transaction().map_err(db)?;
            let loaded = load(&tx, schema, &changes)?;
            let plan = plan_push(actor.user.role, &actor.user.scope, schema, &changes, loaded);
            write(&tx, &actor, &plan, now_ms)?;
            let accepted = plan.accepted.len() as u32;
            let duplicates = plan.duplicates;
            let refusals: Vec<_> = plan.refused.into_iter().map(|(_, r)| r).collect();
            let acknowledged_through = advance_ack(&tx, actor.device.id)?;
            tx.commit().map_err(db)?;
            Ok(PushResponse {
                protocol: fangpin_sync::wire::PROTOCOL_VERSION,
                acknowledged_through,
                accepted,
                duplicates,
                refusals,
            })
        })
    }

    fn pull(&self, actor: Actor, cursor: u64, limit: u32) -> Fut<'_, PullResponse> {
        let readers = self.readers.clone();
        let writer = self.conn.clone();
        let start = self
            .next_reader
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Box::pin(async move {
            tokio::task::spawn_blocking(move || {
                // A free reader, else the next in turn.
                let reader = (0..readers.len())
                    .find_map(|i| readers[(start + i) % readers.len()].try_lock().ok())
                    .unwrap_or_else(|| {
                        readers[start % readers.len()]
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                    });
                let mut reader = reader;
                let seen: Option<String> = reader
                    .query_row(
                        "SELECT seen_scope FROM devices WHERE id = ?1",
                        params![actor.device.id],
                        |r| r.get(0),
                    )
                    .optional()
                    .map_err(db)?
                    .flatten();
                if seen.is_some_and(|s| {
                    serde_json::to_string(&actor.user.scope).is_ok_and(|now| now == s)
                }) {
                    return pull_on(&mut reader, &actor, cursor, limit);
                }
                // The scope changed (or this is the first pull): the pull records it, so it writes.
                drop(reader);
                let mut w = writer.lock().unwrap_or_else(|p| p.into_inner());
                pull_on(&mut w, &actor, cursor, limit)
            })
            .await
            .map_err(db)?
        })
    }

    fn resolve(
        &self,
        actor: Actor,
        row: RowKey,
        field: String,
        resolution: Resolution,
        now_ms: i64,
    ) -> Fut<'_, Change> {
        self.run(move |c, schema| {
            let tx = c.transaction().map_err(db)?;
            row_info(&tx, &row)?
                .map(|i| i.village)
                .filter(|v| actor.user.scope.contains(v))
                .ok_or_else(|| BackendError::NotFound(format!("row {row}")))?;
            let open: bool = tx
                .query_row(
                    "SELECT EXISTS(SELECT 1 FROM conflicts WHERE row_table = ?1 AND row_id = ?2 AND field = ?3)",
                    params![row.table, row.id, field],
                    |r| r.get(0),
                )
                .map_err(db)?;
            if !open {
                return Err(BackendError::InvalidResolution(format!("{row}.{field} has no open conflict")));
            }
            let regs = row_registers(&tx, schema, &row)?;
            let next: i64 = tx
                .query_row(
                    "SELECT MAX(m) FROM (SELECT MAX(dseq) AS m FROM changes WHERE device = ?1 UNION ALL SELECT MAX(dseq) FROM quarantine WHERE device = ?1)",
                    params![actor.device.id],
                    |r| r.get::<_, Option<i64>>(0),
                )
                .map_err(db)?
                .unwrap_or(0)
                + 1;
            let change = resolution_change(
                &actor,
                schema,
                Decision { row: &row, field: &field, resolution },
                &regs, next as u64, now_ms)?;
            let batch = [change.clone()];
            let loaded = load(&tx, schema, &batch)?;
            let plan = plan_push(actor.user.role, &actor.user.scope, schema, &batch, loaded);
            if let Some((_, r)) = plan.refused.first() {
                return Err(BackendError::InvalidResolution(r.reason.clone()));
            }
            if plan.accepted.is_empty() {
                return Err(BackendError::Database("resolution id taken".into()));
            }
            write(&tx, &actor, &plan, now_ms)?;
            advance_ack(&tx, actor.device.id)?;
            tx.commit().map_err(db)?;
            Ok(change)
        })
    }

    fn conflicts(&self, scope: Scope) -> Fut<'_, Vec<Conflict>> {
        self.run(move |c, _| {
            let (sql, args) = scope_sql(&scope, "village");
            let mut stmt = c
                .prepare(&format!(
                    "SELECT body FROM conflicts WHERE {sql} ORDER BY row_table, row_id, field"
                ))
                .map_err(db)?;
            let rows = stmt
                .query_map(rusqlite::params_from_iter(args.iter()), |r| {
                    r.get::<_, String>(0)
                })
                .map_err(db)?;
            rows.map(|r| r.map_err(db).and_then(|s| parse(&s)))
                .collect()
        })
    }

    fn history(&self, scope: Scope, row: RowKey, field: String) -> Fut<'_, Vec<AuditEntry>> {
        self.run(move |c, _| {
            let mut stmt = c
                .prepare("SELECT seq, body, user_id, device, received_ms, village FROM changes WHERE row_table = ?1 AND row_id = ?2 AND field = ?3 ORDER BY seq")
                .map_err(db)?;
            let rows = stmt
                .query_map(params![row.table, row.id, field], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, Uuid>(2)?, r.get::<_, Uuid>(3)?, r.get::<_, i64>(4)?, r.get::<_, String>(5)?))
                })
                .map_err(db)?;
            let mut out = Vec::new();
            for r in rows {
                let (seq, body, user, device, received_ms, village) = r.map_err(db)?;
                if scope.contains(&village) {
                    out.push(AuditEntry { seq: seq as u64, change: parse(&body)?, user, device, received_ms });
                }
            }
            Ok(out)
        })
    }

    fn progress(&self, scope: Scope) -> Fut<'_, Vec<VillageProgress>> {
        self.run(move |c, _| {
            let (sql, args) = scope_sql(&scope, "village");
            let mut stmt = c
                .prepare(&format!(
                    "SELECT village, SUM(row_table = '{HOUSEHOLD}' AND deleted = 0), SUM(conflicts) FROM rows WHERE {sql} GROUP BY village ORDER BY village"
                ))
                .map_err(db)?;
            let rows = stmt
                .query_map(rusqlite::params_from_iter(args.iter()), |r| {
                    Ok(VillageProgress { village: r.get(0)?, households: r.get::<_, i64>(1)? as u64, conflicts: r.get::<_, i64>(2)? as u64 })
                })
                .map_err(db)?;
            rows.map(|r| r.map_err(db)).collect()
        })
    }

    fn put_attachment(
        &self,
        sha256: String,
        size: u64,
        offset: u64,
        bytes: Vec<u8>,
    ) -> Fut<'_, AttachmentStatus> {
        self.run(move |c, _| {
            let tx = c.transaction().map_err(db)?;
            let cur: Option<(i64, i64, bool)> = tx
                .query_row("SELECT size, received, complete FROM attachments WHERE sha256 = ?1", params![sha256], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()
                .map_err(db)?;
            let (stored_size, received) = match cur {
                Some((s, _, true)) => {
                    return Ok(AttachmentStatus { sha256, received: s as u64, size: s as u64, complete: true });
                }
                Some((s, r, false)) => (s as u64, r as u64),
                None => {
                    tx.execute("INSERT INTO attachments(sha256, size, received, complete) VALUES (?1, ?2, 0, 0)", params![sha256, size as i64])
                        .map_err(db)?;
                    (size, 0)
                }
            };
            if stored_size != size {
                return Err(BackendError::Attachment(format!("size {size} differs from the {stored_size} announced first")));
            }
            if offset != received {
                return Err(BackendError::Attachment(format!("expected offset {received}, got {offset}")));
            }
            tx.execute(
                "INSERT INTO attachment_chunks(sha256, offset, data) VALUES (?1, ?2, ?3)",
                params![sha256, received as i64, bytes],
            )
            .map_err(db)?;
            let received = received + bytes.len() as u64;
            tx.execute("UPDATE attachments SET received = ?2 WHERE sha256 = ?1", params![sha256, received as i64])
                .map_err(db)?;
            let mut complete = false;
            if received == size {
                let data = assemble(&tx, &sha256)?;
                let hash: String = Sha256::digest(&data).iter().map(|b| format!("{b:02x}")).collect();
                if hash != sha256 {
                    tx.execute("DELETE FROM attachments WHERE sha256 = ?1", params![sha256]).map_err(db)?;
                    tx.commit().map_err(db)?;
                    return Err(BackendError::Attachment(format!("the bytes hash to {hash}, not {sha256}: upload again")));
                }
                tx.execute("UPDATE attachments SET complete = 1 WHERE sha256 = ?1", params![sha256]).map_err(db)?;
                complete = true;
            }
            tx.commit().map_err(db)?;
            Ok(AttachmentStatus { sha256, received, size, complete })
        })
    }

    fn attachment_status(&self, sha256: String) -> Fut<'_, Option<AttachmentStatus>> {
        self.run(move |c, _| {
            c.query_row(
                "SELECT size, received, complete FROM attachments WHERE sha256 = ?1",
                params![sha256],
                |r| {
                    Ok(AttachmentStatus {
                        sha256: sha256.clone(),
                        size: r.get::<_, i64>(0)? as u64,
                        received: r.get::<_, i64>(1)? as u64,
                        complete: r.get(2)?,
                    })
                },
            )
            .optional()
            .map_err(db)
        })
    }

    fn attachment(&self, sha256: String) -> Fut<'_, Option<Vec<u8>>> {
        self.run(move |c, _| {
            let complete: Option<bool> = c
                .query_row(
                    "SELECT complete FROM attachments WHERE sha256 = ?1",
                    params![sha256],
                    |r| r.get(0),
                )
                .optional()
                .map_err(db)?;
            if complete != Some(true) {
                return Ok(None);
            }
            let tx = c.transaction().map_err(db)?;
            assemble(&tx, &sha256).map(Some)
        })
    }
}

/// A pull on one connection; it writes only when the caller's scope changed since its last pull.
fn pull_on(
    c: &mut Connection,
    actor: &Actor,
    cursor: u64,
    limit: u32,
) -> Result<PullResponse, BackendError> {
    {
        {
            let tx = c.transaction().map_err(db)?;
            let scope = actor.user.scope.clone();
            let seen: Option<String> = tx
                .query_row(
                    "SELECT seen_scope FROM devices WHERE id = ?1",
                    params![actor.device.id],
                    |r| r.get(0),
                )
                .optional()
                .map_err(db)?
                .flatten();
            let seen: Option<Scope> = seen.map(|s| parse(&s)).transpose()?;
            let mut removed_rows = Vec::new();
            let mut reset = false;
            if let Some(old) = seen.as_ref().filter(|old| **old != scope) {
                let (sql, args) = scope_sql(old, "village");
                let mut stmt = tx
                    .prepare(&format!(
                        "SELECT row_table, row_id, village FROM rows WHERE {sql}"
                    ))
                    .map_err(db)?;
                let rows = stmt
                    .query_map(rusqlite::params_from_iter(args.iter()), |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, Uuid>(1)?,
                            r.get::<_, String>(2)?,
                        ))
                    })
                    .map_err(db)?;
                for r in rows {
                    let (table, id, village) = r.map_err(db)?;
                    if !scope.contains(&village) {
                        removed_rows.push(RowKey::new(table, id));
                    }
                }
                drop(stmt);
                // A wider scope brings rows the device never saw: start its feed again.
                reset = scope
                    .areas
                    .iter()
                    .any(|p| !old.areas.iter().any(|o| p.starts_with(o.as_str())));
            }
            if seen.as_ref() != Some(&scope) {
                tx.execute(
                    "UPDATE devices SET seen_scope = ?2 WHERE id = ?1",
                    params![actor.device.id, json(&scope)?],
                )
                .map_err(db)?;
            }
            let from = if reset { 0 } else { cursor };
            // The villages in scope, then an index seek per village from the cursor: the cost
            // follows the new changes, not the size of the store.
            let villages = villages_in(&tx, &scope)?;
            let marks = vec!["?"; villages.len()].join(", ");
            let query = format!(
                "SELECT seq, body FROM changes WHERE village IN ({marks}) AND seq > ? ORDER BY seq LIMIT ?"
            );
            let mut all: Vec<rusqlite::types::Value> = villages
                .iter()
                .cloned()
                .map(rusqlite::types::Value::from)
                .collect();
            all.push((from as i64).into());
            all.push(i64::from(limit + 1).into());
            let mut changes = Vec::new();
            if !villages.is_empty() {
                let mut stmt = tx.prepare_cached(&query).map_err(db)?;
                let rows = stmt
                    .query_map(rusqlite::params_from_iter(all.iter()), |r| {
                        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
                    })
                    .map_err(db)?;
                for r in rows {
                    let (seq, body) = r.map_err(db)?;
                    changes.push(Sequenced {
                        seq: seq as u64,
                        change: parse(&body)?,
                    });
                }
            }
            let more = changes.len() > limit as usize;
            changes.truncate(limit as usize);
            let next_cursor = changes.last().map_or(from, |s| s.seq);
            let remaining = if more {
                let query =
                    format!("SELECT COUNT(*) FROM changes WHERE village IN ({marks}) AND seq > ?");
                let mut all: Vec<rusqlite::types::Value> = villages
                    .iter()
                    .cloned()
                    .map(rusqlite::types::Value::from)
                    .collect();
                all.push((next_cursor as i64).into());
                tx.query_row(&query, rusqlite::params_from_iter(all.iter()), |r| {
                    r.get::<_, i64>(0)
                })
                .map_err(db)? as u64
            } else {
                0
            };
            tx.commit().map_err(db)?;
            let mut resp = PullResponse::new(changes, removed_rows, next_cursor, more);
            resp.reset = reset;
            resp.remaining = remaining;
            Ok(resp)
        }
    }
}
