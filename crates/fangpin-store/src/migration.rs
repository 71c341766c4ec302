//! The schema and its forward-only migrations, numbered by `PRAGMA user_version`.
//!
//! A migration is never edited once released: a change is a new migration at the end.
//! Each runs in its own transaction together with the version bump, so a crash leaves the
//! database at the version before or after it.

use fangpin_sync::{Op, Register, RowKey, VersionId};
use rusqlite::{Connection, TransactionBehavior};
use uuid::Uuid;

use crate::error::StoreError;
use crate::materialise::{self, Columns, RowRegisters};

/// Version 1: the synced records, the sync bookkeeping and attachments.
const V1: &str = r#"
CREATE TABLE device (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    device_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    next_seq INTEGER NOT NULL,
    clock TEXT NOT NULL,
    pull_cursor INTEGER NOT NULL DEFAULT 0,
    acknowledged_through INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE version (
    device TEXT NOT NULL,
    seq INTEGER NOT NULL,
    tbl TEXT NOT NULL,
    row_id TEXT NOT NULL,
    field TEXT NOT NULL,
    PRIMARY KEY (device, seq)
) WITHOUT ROWID;
CREATE INDEX version_row ON version (tbl, row_id);
CREATE TABLE register (
    tbl TEXT NOT NULL,
    row_id TEXT NOT NULL,
    field TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (tbl, row_id, field)
) WITHOUT ROWID;
CREATE TABLE conflict (
    tbl TEXT NOT NULL,
    row_id TEXT NOT NULL,
    field TEXT NOT NULL,
    kind TEXT NOT NULL,
    household_id TEXT,
    body TEXT NOT NULL,
    PRIMARY KEY (tbl, row_id, field)
) WITHOUT ROWID;
CREATE INDEX conflict_household ON conflict (household_id);
CREATE TABLE change_log (
    seq INTEGER PRIMARY KEY,
    body TEXT NOT NULL,
    recorded_ms INTEGER NOT NULL,
    acknowledged INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX change_log_pending ON change_log (seq) WHERE acknowledged = 0;
CREATE TABLE refusal (
    device TEXT NOT NULL,
    seq INTEGER NOT NULL,
    tbl TEXT NOT NULL,
    row_id TEXT NOT NULL,
    field TEXT NOT NULL,
    code TEXT NOT NULL,
    reason TEXT NOT NULL,
    received_ms INTEGER NOT NULL,
    PRIMARY KEY (device, seq)
) WITHOUT ROWID;
CREATE TABLE clock_flag (
    device TEXT NOT NULL,
    seq INTEGER NOT NULL,
    ahead_ms INTEGER NOT NULL,
    PRIMARY KEY (device, seq)
) WITHOUT ROWID;
CREATE TABLE attachment (
    hash TEXT PRIMARY KEY,
    mime TEXT NOT NULL,
    size INTEGER NOT NULL,
    bytes BLOB,
    path TEXT,
    created_ms INTEGER NOT NULL,
    uploaded INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE household (
    id TEXT PRIMARY KEY, alive INTEGER NOT NULL, household_id TEXT, data TEXT NOT NULL,
    conflicted INTEGER NOT NULL, updated_ms INTEGER NOT NULL,
    village_code TEXT, group_name TEXT, hubianhao TEXT, head_name TEXT, head_id_number TEXT,
    household_type TEXT, monitoring_type TEXT
);
CREATE INDEX household_village ON household (village_code, group_name, hubianhao);
CREATE INDEX household_hubianhao ON household (hubianhao);
CREATE INDEX household_head_id ON household (head_id_number);
CREATE TABLE member (
    id TEXT PRIMARY KEY, alive INTEGER NOT NULL, household_id TEXT, data TEXT NOT NULL,
    conflicted INTEGER NOT NULL, updated_ms INTEGER NOT NULL,
    name TEXT, id_number TEXT, relation TEXT
);
CREATE INDEX member_household ON member (household_id);
CREATE INDEX member_id_number ON member (id_number);
CREATE INDEX member_name ON member (name, household_id);
CREATE TABLE income_year (
    id TEXT PRIMARY KEY, alive INTEGER NOT NULL, household_id TEXT, data TEXT NOT NULL,
    conflicted INTEGER NOT NULL, updated_ms INTEGER NOT NULL,
    year INTEGER
);
CREATE INDEX income_year_household ON income_year (household_id, year);
CREATE TABLE indicator (
    id TEXT PRIMARY KEY, alive INTEGER NOT NULL, household_id TEXT, data TEXT NOT NULL,
    conflicted INTEGER NOT NULL, updated_ms INTEGER NOT NULL,
    indicator TEXT, status TEXT
);
CREATE INDEX indicator_household ON indicator (household_id);
CREATE TABLE risk (
    id TEXT PRIMARY KEY, alive INTEGER NOT NULL, household_id TEXT, data TEXT NOT NULL,
    conflicted INTEGER NOT NULL, updated_ms INTEGER NOT NULL,
    risk_type TEXT
);
CREATE INDEX risk_household ON risk (household_id);
CREATE TABLE measure (
    id TEXT PRIMARY KEY, alive INTEGER NOT NULL, household_id TEXT, data TEXT NOT NULL,
    conflicted INTEGER NOT NULL, updated_ms INTEGER NOT NULL,
    kind TEXT, status TEXT
);
CREATE INDEX measure_household ON measure (household_id);
CREATE TABLE visit (
    id TEXT PRIMARY KEY, alive INTEGER NOT NULL, household_id TEXT, data TEXT NOT NULL,
    conflicted INTEGER NOT NULL, updated_ms INTEGER NOT NULL,
    visited_on TEXT
);
CREATE INDEX visit_household ON visit (household_id, visited_on);
CREATE TABLE ledger_item (
    id TEXT PRIMARY KEY, alive INTEGER NOT NULL, household_id TEXT, data TEXT NOT NULL,
    conflicted INTEGER NOT NULL, updated_ms INTEGER NOT NULL,
    village_code TEXT, status_state TEXT, status_round INTEGER, deadline TEXT
);
CREATE INDEX ledger_item_household ON ledger_item (household_id);
CREATE INDEX ledger_item_status ON ledger_item (status_state, deadline);
CREATE TABLE procedure (
    id TEXT PRIMARY KEY, alive INTEGER NOT NULL, household_id TEXT, data TEXT NOT NULL,
    conflicted INTEGER NOT NULL, updated_ms INTEGER NOT NULL,
    kind TEXT
);
CREATE INDEX procedure_household ON procedure (household_id);
CREATE TABLE warning (
    id TEXT PRIMARY KEY, alive INTEGER NOT NULL, household_id TEXT, data TEXT NOT NULL,
    conflicted INTEGER NOT NULL, updated_ms INTEGER NOT NULL,
    village_code TEXT, kind TEXT, state TEXT, raised_on TEXT
);
CREATE INDEX warning_household ON warning (household_id);
CREATE INDEX warning_state ON warning (state, village_code);
CREATE TABLE verification_task (
    id TEXT PRIMARY KEY, alive INTEGER NOT NULL, household_id TEXT, data TEXT NOT NULL,
    conflicted INTEGER NOT NULL, updated_ms INTEGER NOT NULL,
    village_code TEXT, assignee TEXT, state TEXT, due_on TEXT
);
CREATE INDEX verification_task_household ON verification_task (household_id);
CREATE INDEX verification_task_state ON verification_task (state, due_on);
"#;

/// Version 2: drafts of half-filled forms; search by the last digits of an identity number
/// (the number reversed, so the last digits are an indexed prefix), backfilled from the
/// registers; and member indexes that cover the name and number searches.
const V2: &str = r#"
CREATE TABLE draft (
    form_id TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    updated_ms INTEGER NOT NULL
);
ALTER TABLE household ADD COLUMN head_id_rev TEXT;
ALTER TABLE member ADD COLUMN id_rev TEXT;
CREATE INDEX household_head_id_rev ON household (head_id_rev);
CREATE INDEX member_id_rev ON member (id_rev);
DROP INDEX member_name;
CREATE INDEX member_search ON member (name, alive, household_id);
"#;

/// Version 3: every version is stored once, as a row of `version` keyed and clustered by its
/// row, field and id (ids as 16-byte blobs, the op as JSON, parents and covers as packed ids),
/// instead of twice (in its register's JSON and in an index of ids). A register is rebuilt
/// from its versions when loaded, and whether a change is stored is one probe of the key.
/// The device's own changes stay whole in `change_log`.
const V3_BEFORE: &str = r#"
CREATE TABLE version_v3 (
    tbl TEXT NOT NULL,
    row_id BLOB NOT NULL,
    field TEXT NOT NULL,
    device BLOB NOT NULL,
    seq INTEGER NOT NULL,
    op TEXT NOT NULL,
    parents BLOB,
    covers BLOB,
    author BLOB NOT NULL,
    wall_ms INTEGER NOT NULL,
    counter INTEGER NOT NULL,
    PRIMARY KEY (tbl, row_id, field, device, seq)
) WITHOUT ROWID;
"#;

const V3_AFTER: &str = r#"
DROP TABLE register;
DROP TABLE version;
ALTER TABLE version_v3 RENAME TO version;
"#;

/// Version 3's data step: every version of every register JSON into `version_v3`.
fn v3_versions(tx: &Connection) -> Result<(), StoreError> {
    let mut stmt = tx.prepare("SELECT tbl, row_id, field, body FROM register")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    let mut insert = tx.prepare(
        "INSERT INTO version_v3 (tbl, row_id, field, device, seq, op, parents, covers, author, \
         wall_ms, counter) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?;
    for row in rows {
        let (tbl, row_id, field, body) = row?;
        let Ok(id) = Uuid::parse_str(&row_id) else {
            continue;
        };
        let reg: Register = serde_json::from_str(&body)?;
        for v in reg.versions() {
            let pack = |ids: &[VersionId]| {
                (!ids.is_empty()).then(|| {
                    ids.iter()
                        .flat_map(|i| {
                            let mut b = i.device.0.as_bytes().to_vec();
                            b.extend_from_slice(&i.seq.to_be_bytes());
                            b
                        })
                        .collect::<Vec<u8>>()
                })
            };
            insert.execute(rusqlite::params![
                tbl,
                id,
                field,
                v.id.device.0,
                i64::try_from(v.id.seq).unwrap_or(i64::MAX),
                serde_json::to_string(&v.op)?,
                pack(&v.parents),
                pack(&v.covers),
                v.author.0,
                i64::try_from(v.hlc.wall_ms).unwrap_or(i64::MAX),
                i64::from(v.hlc.counter),
            ])?;
        }
    }
    Ok(())
}

/// Version 4: device and author ids are small integers from `actor` (one row per device or
/// user id), table and field names small integers from `name`, and the op is its kind (0 set, 1 transition, 2 append) and value (the value's
/// JSON; a transition's op JSON) instead of tagged JSON: about 70 bytes less per version.
const V4_BEFORE: &str = r#"
CREATE TABLE actor (
    n INTEGER PRIMARY KEY,
    id BLOB NOT NULL UNIQUE
);
CREATE TABLE name (
    n INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE version_v4 (
    tbl INTEGER NOT NULL,
    row_id BLOB NOT NULL,
    field INTEGER NOT NULL,
    device INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    kind INTEGER NOT NULL,
    value TEXT NOT NULL,
    parents BLOB,
    covers BLOB,
    author INTEGER NOT NULL,
    wall_ms INTEGER NOT NULL,
    counter INTEGER NOT NULL,
    PRIMARY KEY (tbl, row_id, field, device, seq)
) WITHOUT ROWID;
"#;

const V4_AFTER: &str = r#"
DROP TABLE version;
ALTER TABLE version_v4 RENAME TO version;
"#;

/// Version 4's data step: every version of version 3's table into `version_v4`.
fn v4_versions(tx: &Connection) -> Result<(), StoreError> {
    let mut stmt = tx.prepare(
        "SELECT tbl, row_id, field, device, seq, op, parents, covers, author, wall_ms, counter \
         FROM version",
    )?;
    let mut rows = stmt.query([])?;
    let mut insert = tx.prepare(
        "INSERT INTO version_v4 (tbl, row_id, field, device, seq, kind, value, parents, covers, \
         author, wall_ms, counter) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?;
    let mut ids = materialise::Interned::default();
    let mut buf = Vec::new();
    while let Some(r) = rows.next()? {
        let uuid = |i: usize| -> Result<Uuid, StoreError> {
            let b: Vec<u8> = r.get(i)?;
            Uuid::from_slice(&b).map_err(|e| StoreError::NotADatabase(format!("stored id: {e}")))
        };
        let tbl = ids.name(tx, &r.get::<_, String>(0)?)?;
        let field = ids.name(tx, &r.get::<_, String>(2)?)?;
        let device = ids.actor(tx, uuid(3)?)?;
        let author = ids.actor(tx, uuid(8)?)?;
        let op: Op = serde_json::from_str(&r.get::<_, String>(5)?)?;
        let kind = materialise::encode_op(&op, &mut buf)?;
        insert.execute(rusqlite::params![
            tbl,
            r.get::<_, Vec<u8>>(1)?,
            field,
            device,
            r.get::<_, i64>(4)?,
            kind,
            std::str::from_utf8(&buf)
                .map_err(|e| StoreError::NotADatabase(format!("op JSON: {e}")))?,
            r.get::<_, Option<Vec<u8>>>(6)?,
            r.get::<_, Option<Vec<u8>>>(7)?,
            author,
            r.get::<_, i64>(9)?,
            r.get::<_, i64>(10)?,
        ])?;
    }
    Ok(())
}

/// Version 5: the columns the record catalogue added (a household's screening date, a ledger
/// item's closing date, a visit's village), filled from the rows' values; what the device keeps of the sync
/// protocol's version 2 (the scope of its last applied pull and the service's epoch); the names
/// of the areas it shows; changes of a pulled batch it could not apply, with the reason; and
/// which refusals were answered by sending the row's whole state again.
const V5: &str = r#"
ALTER TABLE household ADD COLUMN screened_on TEXT;
UPDATE household SET screened_on = json_extract(data, '$.screened_on');
CREATE INDEX household_screened ON household (screened_on);
ALTER TABLE ledger_item ADD COLUMN closed_on TEXT;
UPDATE ledger_item SET closed_on = json_extract(data, '$.closed_on');
ALTER TABLE visit ADD COLUMN village_code TEXT;
UPDATE visit SET village_code = json_extract(data, '$.village_code');
ALTER TABLE device ADD COLUMN scope TEXT;
ALTER TABLE device ADD COLUMN epoch TEXT;
CREATE TABLE area_name (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE pull_problem (
    device TEXT NOT NULL,
    seq TEXT NOT NULL,
    tbl TEXT NOT NULL,
    row_id TEXT NOT NULL,
    field TEXT NOT NULL,
    reason TEXT NOT NULL,
    received_ms INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (device, seq)
) WITHOUT ROWID;
ALTER TABLE refusal ADD COLUMN resent INTEGER NOT NULL DEFAULT 0;
CREATE INDEX refusal_row ON refusal (tbl, row_id) WHERE resent = 0;
"#;

/// Version 2's step: recomputes the household and member rows (for the reversed identity
/// numbers) from the registers as version 2 stored them, one JSON register per field.
fn v2_rematerialise(tx: &Connection) -> Result<(), StoreError> {
    let cols = Columns::read(tx)?;
    for table in ["household", "member"] {
        let ids: Vec<String> = tx
            .prepare("SELECT DISTINCT row_id FROM register WHERE tbl = ?1")?
            .query_map([table], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut stmt =
            tx.prepare("SELECT field, body FROM register WHERE tbl = ?1 AND row_id = ?2")?;
        for id in ids {
            let Ok(uuid) = Uuid::parse_str(&id) else {
                continue;
            };
            let key = RowKey::new(table, uuid);
            let mut regs: RowRegisters = stmt
                .query_map([table, id.as_str()], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
                })?
                .map(|row| {
                    let (field, body) = row?;
                    Ok((field, serde_json::from_str(&body)?))
                })
                .collect::<Result<_, StoreError>>()?;
            regs.sort_by(|a, b| a.0.cmp(&b.0));
            materialise::write_row(tx, &cols, &key, &regs, &materialise::Before::Row(None))?;
        }
    }
    Ok(())
}

/// A migration's data step, run inside its transaction.
type Step = fn(&Connection) -> Result<(), StoreError>;

/// One migration: SQL, then a data step, then more SQL, in one transaction with the version
/// bump.
struct Migration {
    sql: &'static str,
    step: Option<Step>,
    after: &'static str,
}

/// Version 6: the workflow's records: the township's campaigns (held by township users), each
/// village's assignment (so 我的任务 follows it) and the households drawn for re-checks; and a
/// refusal's Chinese reason where the service gives one.
const V6: &str = r#"
CREATE TABLE campaign (
    id TEXT PRIMARY KEY, alive INTEGER NOT NULL, household_id TEXT, data TEXT NOT NULL,
    conflicted INTEGER NOT NULL, updated_ms INTEGER NOT NULL
);
CREATE TABLE assignment (
    id TEXT PRIMARY KEY, alive INTEGER NOT NULL, household_id TEXT, data TEXT NOT NULL,
    conflicted INTEGER NOT NULL, updated_ms INTEGER NOT NULL,
    village_code TEXT, person_id TEXT
);
CREATE INDEX assignment_person ON assignment (person_id, village_code);
CREATE TABLE recheck (
    id TEXT PRIMARY KEY, alive INTEGER NOT NULL, household_id TEXT, data TEXT NOT NULL,
    conflicted INTEGER NOT NULL, updated_ms INTEGER NOT NULL,
    village_code TEXT
);
CREATE INDEX recheck_household ON recheck (household_id);
ALTER TABLE refusal ADD COLUMN reason_zh TEXT;
"#;

const MIGRATIONS: &[Migration] = &[
    Migration {
        sql: V1,
        step: None,
        after: "",
    },
    Migration {
        sql: V2,
        step: Some(v2_rematerialise),
        after: "",
    },
    Migration {
        sql: V3_BEFORE,
        step: Some(v3_versions),
        after: V3_AFTER,
    },
    Migration {
        sql: V4_BEFORE,
        step: Some(v4_versions),
        after: V4_AFTER,
    },
    Migration {
        sql: V5,
        step: None,
        after: "",
    },
    Migration {
        sql: V6,
        step: None,
        after: "",
    },
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// The database's schema version.
pub(crate) fn version(conn: &Connection) -> Result<u32, StoreError> {
    Ok(conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
}

/// Brings the database forward to `target`, one transaction per migration.
pub(crate) fn migrate(conn: &mut Connection, target: u32) -> Result<(), StoreError> {
    let found = version(conn)?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for v in found..target.min(SCHEMA_VERSION) {
        let m = &MIGRATIONS[v as usize];
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(m.sql)?;
        if let Some(step) = m.step {
            step(&tx)?;
        }
        tx.execute_batch(m.after)?;
        tx.pragma_update(None, "user_version", v + 1)?;
        tx.commit()?;
    }
    Ok(())
}
