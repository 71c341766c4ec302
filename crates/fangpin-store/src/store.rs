//! Opening, creating and locking the store, and the device's own writes.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use fangpin_sync::is_resolution;
use fangpin_sync::replica::validate;
use fangpin_sync::{
    Change, DeviceId, HlcClock, LedgerStatus, Op, Register, RowKey, Schema, UserId, Value,
    VersionId, WriteError, ALIVE,
};
use fangpin_sync::{FieldRule, Version};
use rusqlite::{params, Connection, Transaction, TransactionBehavior};
use uuid::Uuid;

use crate::backoff::Backoff;
use crate::error::StoreError;
use crate::key::{self, KdfParams, KeyFile};
use crate::keystore::DeviceKeyStore;
use crate::materialise::{self, Before, Columns, RowRegisters};
use crate::migration::{self, SCHEMA_VERSION};

/// How hard a commit waits for the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// `synchronous = FULL`: a committed save survives a power cut too.
    #[default]
    Full,
    /// `synchronous = NORMAL`: a committed save survives the app being killed; a power cut may
    /// lose the last saves but never leaves a half-written one.
    Normal,
}

/// How a store is opened.
#[derive(Debug, Clone, Default)]
pub struct StoreOptions {
    /// Argon2id cost used when a passcode is (re)wrapped; opening uses the key file's own.
    pub kdf: KdfParams,
    /// The delay after wrong passcodes.
    pub backoff: Backoff,
    /// The platform key store that binds the database key to this device (see
    /// [`crate::keystore`]); None to protect a new key by the passcode alone. A key file
    /// already bound to the device does not open without it (`device_secret_unavailable`).
    pub key_store: Option<Arc<dyn DeviceKeyStore>>,
    /// Commit durability.
    pub durability: Durability,
    /// Test support: stop migrating at this schema version (fixture generation only).
    #[doc(hidden)]
    pub schema_version: Option<u32>,
    /// Test support: skip the record catalogue's value checks on writes, for the migration
    /// fixtures, whose data was written before the catalogue checked values. Tables and
    /// fields are checked regardless.
    #[doc(hidden)]
    pub unchecked_values: bool,
}

impl StoreOptions {
    /// Production settings with the platform's key store where this build has one: what the
    /// field app opens its store with.
    pub fn with_platform_key_store() -> Self {
        Self {
            key_store: crate::keystore::platform_key_store(),
            ..Self::default()
        }
    }

    /// Cheap Argon2 parameters and no key store: for tests only.
    pub fn insecure_for_tests() -> Self {
        Self {
            kdf: KdfParams::INSECURE_FOR_TESTS,
            ..Self::default()
        }
    }

    pub(crate) fn key_policy(&self) -> key::Policy<'_> {
        key::Policy {
            kdf: self.kdf,
            backoff: &self.backoff,
            key_store: self.key_store.as_deref(),
        }
    }
}

/// Who writes through this store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceIdentity {
    /// The device, made at enrolment.
    pub device: DeviceId,
    /// The user signed in.
    pub user: UserId,
}

/// The device's encrypted database. One connection, owned; see the crate documentation.
pub struct Store {
    pub(crate) conn: Connection,
    pub(crate) ctx: Ctx,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

/// What the write paths need besides the connection.
pub(crate) struct Ctx {
    pub schema: Schema,
    pub cols: Columns,
    pub identity: DeviceIdentity,
    /// Whether values are checked against the record catalogue (always, but in fixtures).
    pub check_values: bool,
    /// Whether the signed-in user may resolve conflicts (a supervisor).
    pub may_resolve: bool,
}

/// The device row: identity, sequence, clock and cursors.
pub(crate) struct DeviceRow {
    pub identity: DeviceIdentity,
    pub next_seq: u64,
    pub clock: HlcClock,
    pub pull_cursor: u64,
}

pub(crate) fn load_device(conn: &Connection) -> Result<DeviceRow, StoreError> {
    let (d, u, next_seq, clock, cursor): (String, String, i64, String, i64) = conn
        .prepare_cached(
            "SELECT device_id, user_id, next_seq, clock, pull_cursor FROM device WHERE id = 1",
        )?
        .query_row([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?;
    let uuid = |s: &str| {
        Uuid::parse_str(s).map_err(|e| StoreError::NotADatabase(format!("device row: {e}")))
    };
    Ok(DeviceRow {
        identity: DeviceIdentity {
            device: DeviceId(uuid(&d)?),
            user: UserId(uuid(&u)?),
        },
        next_seq: u64::try_from(next_seq).unwrap_or(1),
        clock: serde_json::from_str(&clock)?,
        pull_cursor: u64::try_from(cursor).unwrap_or(0),
    })
}

pub(crate) fn save_device(conn: &Connection, d: &DeviceRow) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE device SET next_seq = ?1, clock = ?2, pull_cursor = ?3 WHERE id = 1",
    )?
    .execute(params![
        i64::try_from(d.next_seq).unwrap_or(i64::MAX),
        serde_json::to_string(&d.clock)?,
        i64::try_from(d.pull_cursor).unwrap_or(i64::MAX)
    ])?;
    Ok(())
}

/// The WAL size (in pages) at which a save's commit copies the WAL into the database file
/// (SQLite's default is 1,000). Checkpoints belong to pulls, locking and idle time
/// ([`Store::checkpoint`]), not to the user's saves: at about 7 pages a save, this leaves
/// room for about a thousand saves between two pulls; it only bounds the WAL (32 MB).
pub(crate) const SAVE_AUTOCHECKPOINT: i64 = 8_000;

/// The WAL size (in pages) at which a pulled batch's commit checkpoints.
pub(crate) const PULL_AUTOCHECKPOINT: i64 = 1_000;

fn wal_path(db: &Path, suffix: &str) -> PathBuf {
    let mut s = db.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn connect(path: &Path, key: &key::DbKey, opts: &StoreOptions) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    conn.execute_batch(&key::key_pragma(key))?;
    // The app may sync on a second connection while the screens write on the first: each
    // transaction waits for the other's instead of failing.
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    // The first read is where a wrong key shows.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })
    .map_err(|e| StoreError::NotADatabase(e.to_string()))?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::NotADatabase(format!("journal mode {mode}")));
    }
    conn.execute_batch(match opts.durability {
        Durability::Full => "PRAGMA synchronous = FULL;",
        Durability::Normal => "PRAGMA synchronous = NORMAL;",
    })?;
    conn.execute_batch(
        "PRAGMA temp_store = MEMORY; PRAGMA foreign_keys = OFF; PRAGMA cache_size = -16000;",
    )?;
    conn.pragma_update(None, "wal_autocheckpoint", SAVE_AUTOCHECKPOINT)?;
    // Every query shape of the screens and the write paths stays prepared.
    conn.set_prepared_statement_cache_capacity(256);
    Ok(conn)
}

impl Store {
    /// Creates a new store at `path` (and its key file at `path.key`) for a device and user,
    /// with a random database key wrapped under `passcode`.
    pub fn init(
        path: &Path,
        passcode: &str,
        identity: DeviceIdentity,
        opts: &StoreOptions,
    ) -> Result<Store, StoreError> {
        let key_path = key::key_path(path);
        if key_path.exists() {
            return Err(StoreError::AlreadyExists(path.to_owned()));
        }
        // A database without a key file is an abandoned creation: its key is lost.
        for p in [
            path.to_owned(),
            wal_path(path, "-wal"),
            wal_path(path, "-shm"),
        ] {
            if p.exists() {
                std::fs::remove_file(p)?;
            }
        }
        let (file, key) = KeyFile::create(passcode, opts.key_policy())?;
        let mut conn = connect(path, &key, opts)?;
        migration::migrate(&mut conn, opts.schema_version.unwrap_or(SCHEMA_VERSION))?;
        conn.execute(
            "INSERT INTO device (id, device_id, user_id, next_seq, clock) VALUES (1, ?1, ?2, 1, ?3)",
            params![
                identity.device.0.to_string(),
                identity.user.0.to_string(),
                serde_json::to_string(&HlcClock::default())?
            ],
        )?;
        file.install(&key_path)?;
        Self::finish_open(conn, path, opts)
    }

    /// Opens the store at `path` with the user's passcode at time `now_ms` (ms since the
    /// epoch), migrating it forward. A wrong passcode is counted and delays later attempts.
    pub fn open(
        path: &Path,
        passcode: &str,
        opts: &StoreOptions,
        now_ms: u64,
    ) -> Result<Store, StoreError> {
        let key_path = key::key_path(path);
        let key = key::unlock(&key_path, passcode, now_ms, opts.key_policy())?;
        if !path.exists() {
            return Err(StoreError::NotFound(path.to_owned()));
        }
        let mut conn = connect(path, &key, opts)?;
        drop(key);
        migration::migrate(&mut conn, opts.schema_version.unwrap_or(SCHEMA_VERSION))?;
        Self::finish_open(conn, path, opts)
    }

    fn finish_open(
        conn: Connection,
        path: &Path,
        opts: &StoreOptions,
    ) -> Result<Store, StoreError> {
        let cols = Columns::read(&conn)?;
        let identity = load_device(&conn)?.identity;
        Ok(Store {
            conn,
            ctx: Ctx {
                schema: fangpin_catalogue::schema().clone(),
                cols,
                identity,
                check_values: !opts.unchecked_values,
                may_resolve: false,
            },
            path: path.to_owned(),
        })
    }

    /// Says whether the signed-in user may resolve conflicts (a township or county
    /// supervisor); until then, a write over competing values is refused, as the service
    /// refuses it.
    pub fn set_may_resolve(&mut self, may: bool) {
        self.ctx.may_resolve = may;
    }

    /// Re-wraps the database key of the store at `path` under a new passcode; the data is not
    /// rewritten. The old passcode is checked like any attempt. Works whether the store is
    /// open or not.
    pub fn change_passcode(
        path: &Path,
        old: &str,
        new: &str,
        opts: &StoreOptions,
        now_ms: u64,
    ) -> Result<(), StoreError> {
        key::change_passcode(&key::key_path(path), old, new, now_ms, opts.key_policy())
    }

    /// Copies the WAL into the database file without waiting for anything (a passive
    /// checkpoint), so that the next saves do not pay for it; the app may call it when it is
    /// idle. Pulls checkpoint on their own once the WAL holds 1,000 pages, and closing the
    /// store checkpoints too.
    pub fn checkpoint(&self) -> Result<(), StoreError> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// Locks the app: closes the connection. The database key was wiped from this process's
    /// memory when the store was opened; SQLCipher wipes its copy when the connection closes.
    pub fn lock(self) -> Result<(), StoreError> {
        self.conn.close().map_err(|(_, e)| StoreError::Sqlite(e))
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The device and user this store writes as.
    pub fn identity(&self) -> DeviceIdentity {
        self.ctx.identity
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        migration::version(&self.conn)
    }

    /// Runs `f` in one transaction: every write it makes, with its change-log entries, commits
    /// together or not at all. Returns `f`'s result and the changes made, in order.
    pub fn edit<T>(
        &mut self,
        wall_ms: u64,
        f: impl FnOnce(&mut Edit<'_>) -> Result<T, StoreError>,
    ) -> Result<(T, Vec<Change>), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let dev = load_device(&tx)?;
        let mut edit = Edit {
            tx: &tx,
            ctx: &self.ctx,
            dev,
            wall_ms,
            changes: Vec::new(),
            versions: materialise::Versions::default(),
        };
        let out = f(&mut edit)?;
        edit.resend_refused()?;
        let Edit { dev, changes, .. } = edit;
        if !changes.is_empty() {
            save_device(&tx, &dev)?;
        }
        tx.commit()?;
        Ok((out, changes))
    }

    /// Creates a row: marks it alive and sets its first fields.
    pub fn create(
        &mut self,
        row: &RowKey,
        fields: &[(&str, Value)],
        wall_ms: u64,
    ) -> Result<Vec<Change>, StoreError> {
        Ok(self.edit(wall_ms, |e| e.create(row, fields))?.1)
    }

    /// Saves fields of a live row; only fields whose value changed are written. Writing a
    /// field in conflict resolves it. A ledger status given here becomes a transition.
    pub fn save(
        &mut self,
        row: &RowKey,
        fields: &[(&str, Value)],
        wall_ms: u64,
    ) -> Result<Vec<Change>, StoreError> {
        Ok(self.edit(wall_ms, |e| e.save(row, fields))?.1)
    }

    /// Resolves a register's conflict with a value (see [`Edit::resolve_value`]).
    pub fn resolve_value(
        &mut self,
        row: &RowKey,
        field: &str,
        value: Value,
        wall_ms: u64,
    ) -> Result<Change, StoreError> {
        Ok(self
            .edit(wall_ms, |e| e.resolve_value(row, field, value))?
            .0)
    }

    /// Deletes a row, covering the heads of its other fields.
    pub fn delete(&mut self, row: &RowKey, wall_ms: u64) -> Result<Change, StoreError> {
        Ok(self.edit(wall_ms, |e| e.delete(row))?.0)
    }

    /// Restores a deleted row (keeping edits made concurrently with the delete).
    pub fn restore(&mut self, row: &RowKey, wall_ms: u64) -> Result<Change, StoreError> {
        Ok(self.edit(wall_ms, |e| e.restore(row))?.0)
    }

    /// Moves a ledger status.
    pub fn transition(
        &mut self,
        row: &RowKey,
        field: &str,
        to: LedgerStatus,
        wall_ms: u64,
    ) -> Result<Change, StoreError> {
        Ok(self.edit(wall_ms, |e| e.transition(row, field, to))?.0)
    }

    /// Resolves a status conflict by picking one of the competing statuses.
    pub fn resolve_status(
        &mut self,
        row: &RowKey,
        field: &str,
        pick: LedgerStatus,
        wall_ms: u64,
    ) -> Result<Change, StoreError> {
        Ok(self
            .edit(wall_ms, |e| e.resolve_status(row, field, pick))?
            .0)
    }

    /// Appends an entry (a visit note, a progress note, a procedure step).
    pub fn append(
        &mut self,
        row: &RowKey,
        field: &str,
        value: Value,
        wall_ms: u64,
    ) -> Result<Change, StoreError> {
        Ok(self.edit(wall_ms, |e| e.append(row, field, value))?.0)
    }
}

/// The writes of one transaction; see [`Store::edit`].
pub struct Edit<'a> {
    tx: &'a Transaction<'a>,
    ctx: &'a Ctx,
    dev: DeviceRow,
    wall_ms: u64,
    changes: Vec<Change>,
    /// The versions to store, and the integers of ids and names in this transaction.
    versions: materialise::Versions,
}

/// One row being written: its registers and the changes made to it.
struct RowWrite<'k> {
    key: &'k RowKey,
    regs: RowRegisters,
    /// What the row was when the write began.
    before: Before,
    made: Vec<Change>,
}

impl RowWrite<'_> {
    fn reg(&self, field: &str) -> Option<&Register> {
        self.regs
            .binary_search_by(|(n, _)| n.as_str().cmp(field))
            .ok()
            .map(|i| &self.regs[i].1)
    }

    fn heads(&self, field: &str) -> Vec<VersionId> {
        self.reg(field)
            .map(|r| r.heads().to_vec())
            .unwrap_or_default()
    }

    fn exists(&self) -> bool {
        self.reg(ALIVE).is_some()
    }

    fn alive(&self) -> bool {
        self.reg(ALIVE)
            .and_then(Register::view)
            .is_some_and(|v| v.value == Value::Bool(true))
    }

    /// Whether the row shows an edit-against-delete conflict.
    fn edit_delete(&self) -> bool {
        fangpin_sync::row_conflicts(self.key, self.regs.iter().map(|(f, r)| (f.as_str(), r)))
            .iter()
            .any(|c| c.field == ALIVE)
    }

    fn require_alive(&self) -> Result<(), StoreError> {
        if !self.exists() {
            return Err(StoreError::NoSuchRow(self.key.clone()));
        }
        if !self.alive() {
            return Err(WriteError::Deleted(self.key.to_string()).into());
        }
        Ok(())
    }
}

impl Edit<'_> {
    fn begin<'k>(&self, key: &'k RowKey) -> Result<RowWrite<'k>, StoreError> {
        let regs = materialise::load_row(self.tx, &self.ctx.schema, key)?;
        Ok(RowWrite {
            key,
            before: Before::of(&self.ctx.cols, key, &regs),
            regs,
            made: Vec::new(),
        })
    }

    /// Makes, validates and merges one change into the row being written.
    fn add(
        &mut self,
        w: &mut RowWrite<'_>,
        field: &str,
        op: Op,
        parents: Vec<VersionId>,
        covers: Vec<VersionId>,
    ) -> Result<(), StoreError> {
        let id = VersionId {
            device: self.dev.identity.device,
            seq: self.dev.next_seq,
        };
        let rule = self.ctx.schema.rule(&w.key.table, field);
        let mut change = Change {
            id,
            row: w.key.clone(),
            field: field.to_owned(),
            op,
            parents,
            covers,
            author: self.dev.identity.user,
            hlc: Default::default(),
        };
        if let Err(e) = fangpin_catalogue::check_change(&change) {
            let structural = matches!(
                e,
                fangpin_catalogue::ChangeError::UnknownTable
                    | fangpin_catalogue::ChangeError::UnknownField
            );
            if structural || self.ctx.check_values {
                return Err(StoreError::Invalid {
                    table: w.key.table.clone(),
                    field: field.to_owned(),
                    code: e.code(),
                    reason: e.reason(&w.key.table, field),
                });
            }
        }
        validate(w.reg(field), rule, &change)?;
        let resolves = is_resolution(w.reg(field), &change)
            || (field == ALIVE
                && w.edit_delete()
                && w.reg(ALIVE)
                    .is_some_and(|r| r.heads().iter().all(|h| change.parents.contains(h))));
        if resolves && !self.ctx.may_resolve {
            return Err(StoreError::NotPermitted {
                table: w.key.table.clone(),
                field: field.to_owned(),
            });
        }
        change.hlc = self.dev.clock.tick(self.wall_ms);
        self.dev.next_seq += 1;
        let at = match w.regs.binary_search_by(|(n, _)| n.as_str().cmp(field)) {
            Ok(i) => i,
            Err(i) => {
                w.regs.insert(i, (field.to_owned(), Register::new(rule)));
                i
            }
        };
        w.regs[at].1.insert(Version::from_change(&change));
        w.made.push(change);
        Ok(())
    }

    /// Writes the row's new versions, registers, change-log entries, materialised row and
    /// conflicts.
    fn finish(&mut self, w: RowWrite<'_>) -> Result<Vec<Change>, StoreError> {
        if w.made.is_empty() {
            return Ok(Vec::new());
        }
        let mut log = self.tx.prepare_cached(
            "INSERT INTO change_log (seq, body, recorded_ms) VALUES (?1, ?2, ?3)",
        )?;
        let wall = i64::try_from(self.wall_ms).unwrap_or(i64::MAX);
        for c in &w.made {
            let seq = i64::try_from(c.id.seq).unwrap_or(i64::MAX);
            self.versions
                .add(self.tx, w.key, &c.field, &Version::from_change(c))?;
            log.execute(params![seq, serde_json::to_string(c)?, wall])?;
        }
        self.versions.flush(self.tx)?;
        materialise::write_row(self.tx, &self.ctx.cols, w.key, &w.regs, &w.before)?;
        self.changes.extend(w.made.iter().cloned());
        Ok(w.made)
    }

    /// The op that writes `value` to `field` of the row, given its rule.
    fn op_for(&self, w: &RowWrite<'_>, field: &str, value: &Value) -> Result<Op, StoreError> {
        Ok(match self.ctx.schema.rule(&w.key.table, field) {
            FieldRule::Register => Op::Set {
                value: value.clone(),
            },
            FieldRule::AppendLog => Op::Append {
                value: value.clone(),
            },
            FieldRule::Status => {
                let to: LedgerStatus = serde_json::from_value(value.clone())?;
                Op::Transition {
                    from: current_status(w, field),
                    to,
                }
            }
        })
    }

    /// See [`Store::create`].
    pub fn create(
        &mut self,
        row: &RowKey,
        fields: &[(&str, Value)],
    ) -> Result<Vec<Change>, StoreError> {
        let mut w = self.begin(row)?;
        if w.exists() {
            return Err(StoreError::RowExists(row.clone()));
        }
        self.add(
            &mut w,
            ALIVE,
            Op::Set {
                value: Value::Bool(true),
            },
            Vec::new(),
            Vec::new(),
        )?;
        for (field, value) in fields {
            if *field == ALIVE {
                return Err(StoreError::AliveField);
            }
            let op = self.op_for(&w, field, value)?;
            let parents = if matches!(op, Op::Append { .. }) {
                Vec::new()
            } else {
                w.heads(field)
            };
            self.add(&mut w, field, op, parents, Vec::new())?;
        }
        self.finish(w)
    }

    /// See [`Store::save`].
    pub fn save(
        &mut self,
        row: &RowKey,
        fields: &[(&str, Value)],
    ) -> Result<Vec<Change>, StoreError> {
        let mut w = self.begin(row)?;
        w.require_alive()?;
        for (field, value) in fields {
            if *field == ALIVE {
                return Err(StoreError::AliveField);
            }
            if self.ctx.schema.rule(&row.table, field) == FieldRule::AppendLog {
                // An append-log field is appended to, never overwritten.
                self.add(
                    &mut w,
                    field,
                    Op::Append {
                        value: value.clone(),
                    },
                    vec![],
                    vec![],
                )?;
                continue;
            }
            let view = w.reg(field).and_then(Register::view);
            if view.as_ref().is_some_and(|v| &v.value == value) {
                // Unchanged (in a conflict: the value shown, which saving does not resolve).
                continue;
            }
            let op = self.op_for(&w, field, value)?;
            let parents = w.heads(field);
            self.add(&mut w, field, op, parents, Vec::new())?;
        }
        self.finish(w)
    }

    /// Saves fields of a live row edited from a form that began at `base`: for each field,
    /// the versions it showed then and their value. A field whose value is still the base's
    /// was not edited and is not written, whatever changed underneath; an edited field is
    /// written over the base versions, so a value another device wrote meanwhile stays a head
    /// and the two become a true conflict instead of the edit silently replacing it. Fields
    /// without a base are saved as by [`Edit::save`].
    pub fn save_since(
        &mut self,
        row: &RowKey,
        fields: &[(&str, Value)],
        base: &std::collections::HashMap<String, (Vec<VersionId>, Value)>,
    ) -> Result<Vec<Change>, StoreError> {
        let mut plain: Vec<(&str, Value)> = Vec::new();
        let mut w = self.begin(row)?;
        w.require_alive()?;
        for (field, value) in fields {
            match base.get(*field) {
                Some((versions, was))
                    if self.ctx.schema.rule(&row.table, field) == FieldRule::Register =>
                {
                    if was == value {
                        continue;
                    }
                    let shown = w.reg(field).and_then(Register::view);
                    if shown
                        .as_ref()
                        .is_some_and(|v| &v.value == value && v.conflict.is_none())
                    {
                        continue;
                    }
                    let op = self.op_for(&w, field, value)?;
                    self.add(&mut w, field, op, versions.clone(), Vec::new())?;
                }
                _ => plain.push((field, value.clone())),
            }
        }
        let mut made = self.finish(w)?;
        if !plain.is_empty() {
            made.extend(self.save(row, &plain)?);
        }
        Ok(made)
    }

    /// Resolves a register's conflict with `value` (one of the competing values, or a
    /// corrected one): its parents are all the heads. Only a supervisor may.
    pub fn resolve_value(
        &mut self,
        row: &RowKey,
        field: &str,
        value: Value,
    ) -> Result<Change, StoreError> {
        let mut w = self.begin(row)?;
        w.require_alive()?;
        let parents = w.heads(field);
        self.add(&mut w, field, Op::Set { value }, parents, Vec::new())?;
        one(self.finish(w)?)
    }

    /// Writes the whole current state of every row saved in this transaction that the service
    /// refused before (and, for a household, of its rows the service refused), so that once
    /// the cause is fixed the service receives the row whole, not only the fields edited
    /// since: each register's value again over its heads, and each refused entry of an
    /// append-only field again in place of the local copy the service never took.
    fn resend_refused(&mut self) -> Result<(), StoreError> {
        let mut saved: Vec<RowKey> = Vec::new();
        for c in &self.changes {
            if !saved.contains(&c.row) {
                saved.push(c.row.clone());
            }
        }
        if saved.is_empty() {
            return Ok(());
        }
        let mut due: Vec<RowKey> = Vec::new();
        {
            let mut own = self.tx.prepare_cached(
                "SELECT 1 FROM refusal WHERE tbl = ?1 AND row_id = ?2 AND resent = 0 LIMIT 1",
            )?;
            for key in &saved {
                let id = key.id.to_string();
                if own.exists(params![key.table, id])? && !due.contains(key) {
                    due.push(key.clone());
                }
                if key.table == "household" {
                    for t in fangpin_catalogue::tables()
                        .iter()
                        .filter(|t| t.name != "household")
                    {
                        let mut children = self.tx.prepare_cached(&format!(
                            "SELECT DISTINCT r.row_id FROM refusal r JOIN {0} m ON m.id = r.row_id \
                             WHERE r.tbl = '{0}' AND r.resent = 0 AND m.household_id = ?1",
                            t.name
                        ))?;
                        let ids = children.query_map([&id], |r| r.get::<_, String>(0))?;
                        for i in ids {
                            if let Ok(uuid) = Uuid::parse_str(&i?) {
                                let k = RowKey::new(t.name, uuid);
                                if !due.contains(&k) {
                                    due.push(k);
                                }
                            }
                        }
                    }
                }
            }
        }
        for key in due {
            let refused: Vec<u64> = self
                .tx
                .prepare_cached("SELECT seq FROM refusal WHERE tbl = ?1 AND row_id = ?2 AND resent = 0 AND device = ?3")?
                .query_map(params![key.table, key.id.to_string(), self.dev.identity.device.0.to_string()], |r| r.get::<_, i64>(0))?
                .map(|r| r.map(|s| u64::try_from(s).unwrap_or(0)))
                .collect::<Result<_, _>>()?;
            let mut w = self.begin(&key)?;
            let fields: Vec<(String, Register)> = w.regs.clone();
            for (field, reg) in fields {
                match reg.rule {
                    FieldRule::AppendLog => {
                        let me = self.dev.identity.device;
                        let entries: Vec<Version> = reg
                            .versions()
                            .iter()
                            .filter(|v| v.id.device == me && refused.contains(&v.id.seq))
                            .cloned()
                            .collect();
                        for v in entries {
                            materialise::drop_version(self.tx, &key, &field, &v.id)?;
                            if let Some(i) = w.regs.iter().position(|(n, _)| *n == field) {
                                let rule = w.regs[i].1.rule;
                                let mut kept = Register::new(rule);
                                for old in w.regs[i].1.versions().iter().filter(|o| o.id != v.id) {
                                    kept.insert(old.clone());
                                }
                                w.regs[i].1 = kept;
                            }
                            self.add(
                                &mut w,
                                &field,
                                Op::Append {
                                    value: v.op.value(),
                                },
                                Vec::new(),
                                Vec::new(),
                            )?;
                        }
                    }
                    _ => {
                        let Some(view) = reg.view() else { continue };
                        if view.conflict.is_some() {
                            continue;
                        }
                        let op = match (&reg.rule, reg.get(&view.winner).map(|v| &v.op)) {
                            (FieldRule::Status, Some(Op::Transition { from, to })) => {
                                Op::Transition {
                                    from: *from,
                                    to: *to,
                                }
                            }
                            _ => Op::Set {
                                value: view.value.clone(),
                            },
                        };
                        let parents = reg.heads().to_vec();
                        // A status is sent again as the transition that reached it; the
                        // service takes it if its start is what it holds.
                        if matches!(op, Op::Transition { .. })
                            && refused.iter().all(|s| *s != view.winner.seq)
                        {
                            continue;
                        }
                        self.add(&mut w, &field, op, parents, Vec::new())?;
                    }
                }
            }
            self.finish(w)?;
            self.tx
                .prepare_cached("UPDATE refusal SET resent = 1 WHERE tbl = ?1 AND row_id = ?2")?
                .execute(params![key.table, key.id.to_string()])?;
        }
        Ok(())
    }

    /// See [`Store::delete`].
    pub fn delete(&mut self, row: &RowKey) -> Result<Change, StoreError> {
        let mut w = self.begin(row)?;
        if !w.exists() {
            return Err(StoreError::NoSuchRow(row.clone()));
        }
        let mut covers: Vec<VersionId> = w
            .regs
            .iter()
            .filter(|(n, r)| n != ALIVE && r.rule != FieldRule::AppendLog)
            .flat_map(|(_, r)| r.heads().iter().copied())
            .collect();
        covers.sort();
        let parents = w.heads(ALIVE);
        let value = Value::Bool(false);
        self.add(&mut w, ALIVE, Op::Set { value }, parents, covers)?;
        one(self.finish(w)?)
    }

    /// See [`Store::restore`].
    pub fn restore(&mut self, row: &RowKey) -> Result<Change, StoreError> {
        let mut w = self.begin(row)?;
        if !w.exists() {
            return Err(StoreError::NoSuchRow(row.clone()));
        }
        let parents = w.heads(ALIVE);
        let value = Value::Bool(true);
        self.add(&mut w, ALIVE, Op::Set { value }, parents, Vec::new())?;
        one(self.finish(w)?)
    }

    /// See [`Store::transition`].
    pub fn transition(
        &mut self,
        row: &RowKey,
        field: &str,
        to: LedgerStatus,
    ) -> Result<Change, StoreError> {
        let mut w = self.begin(row)?;
        w.require_alive()?;
        let from = current_status(&w, field);
        LedgerStatus::check(from, to).map_err(WriteError::from)?;
        let parents = w.heads(field);
        self.add(&mut w, field, Op::Transition { from, to }, parents, vec![])?;
        one(self.finish(w)?)
    }

    /// See [`Store::resolve_status`].
    pub fn resolve_status(
        &mut self,
        row: &RowKey,
        field: &str,
        pick: LedgerStatus,
    ) -> Result<Change, StoreError> {
        let mut w = self.begin(row)?;
        w.require_alive()?;
        let from = current_status(&w, field);
        let parents = w.heads(field);
        let op = Op::Transition { from, to: pick };
        self.add(&mut w, field, op, parents, vec![])?;
        one(self.finish(w)?)
    }

    /// See [`Store::append`].
    pub fn append(
        &mut self,
        row: &RowKey,
        field: &str,
        value: Value,
    ) -> Result<Change, StoreError> {
        let mut w = self.begin(row)?;
        w.require_alive()?;
        self.add(&mut w, field, Op::Append { value }, vec![], vec![])?;
        one(self.finish(w)?)
    }
}

fn current_status(w: &RowWrite<'_>, field: &str) -> Option<LedgerStatus> {
    w.reg(field)
        .and_then(Register::view)
        .and_then(|v| serde_json::from_value(v.value).ok())
}

fn one(mut changes: Vec<Change>) -> Result<Change, StoreError> {
    changes
        .pop()
        .ok_or_else(|| StoreError::NotADatabase("a write made no change".into()))
}
