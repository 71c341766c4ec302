//! Materialised rows: one current-value row per synced record in its domain table, recomputed
//! from the registers' views after every save or pulled change, with the columns the screens
//! search on pulled out of the fields; and the row's open conflicts, recomputed with the
//! engine's [`row_conflicts`].

use std::collections::HashMap;
use std::sync::OnceLock;

use fangpin_catalogue as catalogue;
use fangpin_sync::replica::row_conflicts;
use fangpin_sync::{
    Change, DeviceId, Hlc, Op, Register, RowKey, Schema, UserId, Value, Version, VersionId, ALIVE,
};
use rusqlite::types::Value as Sql;
use rusqlite::{params, Connection, OptionalExtension};
use uuid::Uuid;

use crate::error::StoreError;

/// A searchable column of a domain table: its name and the catalogue's column with its field.
pub(crate) type ColSpec = (&'static str, &'static catalogue::Column, &'static str);

/// The searchable columns of a synced table, as the record catalogue declares them.
pub(crate) fn catalogue_cols(table: &catalogue::Table) -> Vec<ColSpec> {
    table.columns().map(|(f, c)| (c.name, c, f.name)).collect()
}

/// Whether a table has a materialised row table: every synced table of the catalogue.
pub(crate) fn spec(table: &str) -> Option<&'static catalogue::Table> {
    catalogue::table(table)
}

/// For each domain table, the searchable columns present in this database (an older schema
/// lacks some) and the statement that writes a materialised row.
#[derive(Debug, Clone, Default)]
pub(crate) struct Columns {
    tables: HashMap<&'static str, (Vec<ColSpec>, String, Vec<&'static str>)>,
}

impl Columns {
    /// Reads which columns the database has.
    pub fn read(conn: &Connection) -> Result<Columns, StoreError> {
        let mut tables = HashMap::new();
        for t in catalogue::tables() {
            let mut stmt = conn.prepare(&format!("PRAGMA table_info({})", t.name))?;
            let present: Vec<String> = stmt
                .query_map([], |r| r.get::<_, String>(1))?
                .collect::<Result<_, _>>()?;
            if present.is_empty() {
                continue;
            }
            let cols: Vec<ColSpec> = catalogue_cols(t)
                .into_iter()
                .filter(|(c, _, _)| present.iter().any(|p| p == c))
                .collect();
            let names: Vec<&str> = cols.iter().map(|(c, _, _)| *c).collect();
            let mut all = vec![
                "id",
                "alive",
                "household_id",
                "data",
                "conflicted",
                "updated_ms",
            ];
            all.extend(names);
            let marks: Vec<String> = (1..=all.len()).map(|i| format!("?{i}")).collect();
            let sql = format!(
                "INSERT OR REPLACE INTO {} ({}) VALUES ({})",
                t.name,
                all.join(", "),
                marks.join(", ")
            );
            tables.insert(t.name, (cols, sql, all));
        }
        Ok(Columns { tables })
    }

    /// The searchable columns of a table present in this database.
    pub fn of(&self, table: &str) -> Option<&[ColSpec]> {
        self.tables.get(table).map(|(c, _, _)| c.as_slice())
    }

    /// A row's materialised values as its registers give them, if its table has rows.
    pub fn values(&self, key: &RowKey, regs: &RowRegisters) -> Option<Vec<Sql>> {
        self.of(&key.table).map(|c| compute(key, c, regs).values)
    }
}

/// The registers of one row, sorted by field.
pub(crate) type RowRegisters = Vec<(String, Register)>;

/// The columns of a stored version after its row and field, in the order [`read_version`]
/// reads them, from [`version_from!`] (macros, so that statements using them are constant
/// strings). Device and author are read as their UUIDs from `actor`.
macro_rules! version_cols {
    () => {
        "d.id, v.seq, v.kind, v.value, v.parents, v.covers, a.id, v.wall_ms, v.counter"
    };
}
pub(crate) use version_cols;

/// The `version` table as `v`, joined to the names of its table (`t`) and field (`f`) and
/// the UUIDs of its device (`d`) and author (`a`). Left joins keep `version` the outer loop
/// (a row's range is read in key order), and a version whose integer has no name or UUID
/// fails to decode instead of being left out.
macro_rules! version_from {
    () => {
        "version v LEFT JOIN name t ON t.n = v.tbl LEFT JOIN name f ON f.n = v.field \
         LEFT JOIN actor d ON d.n = v.device LEFT JOIN actor a ON a.n = v.author"
    };
}

/// The condition on `version` (as `v`) that selects the row `?1` (table name), `?2` (id).
macro_rules! version_of_row {
    () => {
        "v.tbl = (SELECT n FROM name WHERE name = ?1) AND v.row_id = ?2"
    };
}
pub(crate) use version_from;
pub(crate) use version_of_row;

/// How an op is stored: its kind and, for a set or an append, the value's JSON; for a
/// transition, the op's own JSON.
const OP_SET: i64 = 0;
const OP_TRANSITION: i64 = 1;
const OP_APPEND: i64 = 2;

/// Writes an op's stored value into `buf` (cleared first) and returns its kind.
pub(crate) fn encode_op(op: &Op, buf: &mut Vec<u8>) -> Result<i64, StoreError> {
    buf.clear();
    Ok(match op {
        Op::Set { value } => {
            serde_json::to_writer(&mut *buf, value)?;
            OP_SET
        }
        Op::Transition { .. } => {
            serde_json::to_writer(&mut *buf, op)?;
            OP_TRANSITION
        }
        Op::Append { value } => {
            serde_json::to_writer(&mut *buf, value)?;
            OP_APPEND
        }
    })
}

fn decode_op(kind: i64, value: &str) -> Result<Op, StoreError> {
    Ok(match kind {
        OP_SET => Op::Set {
            value: serde_json::from_str(value)?,
        },
        OP_TRANSITION => serde_json::from_str(value)?,
        OP_APPEND => Op::Append {
            value: serde_json::from_str(value)?,
        },
        other => {
            return Err(StoreError::NotADatabase(format!(
                "a version of unknown kind {other}"
            )))
        }
    })
}

/// The small integers that stand for device and user ids (the table `actor`) and for table
/// and field names (the table `name`) in `version`, as looked up and assigned during one
/// transaction. It lives no longer than the transaction, so a rolled-back assignment is never
/// remembered.
#[derive(Default)]
pub(crate) struct Interned {
    actors: HashMap<Uuid, i64>,
    names: HashMap<String, i64>,
}

impl Interned {
    /// The integer of a device or user id, if it has one.
    pub fn find_actor(&mut self, conn: &Connection, id: Uuid) -> Result<Option<i64>, StoreError> {
        if let Some(n) = self.actors.get(&id) {
            return Ok(Some(*n));
        }
        let n: Option<i64> = conn
            .prepare_cached("SELECT n FROM actor WHERE id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?;
        if let Some(n) = n {
            self.actors.insert(id, n);
        }
        Ok(n)
    }

    /// The integer of a device or user id, given one if it has none.
    pub fn actor(&mut self, conn: &Connection, id: Uuid) -> Result<i64, StoreError> {
        if let Some(n) = self.find_actor(conn, id)? {
            return Ok(n);
        }
        conn.prepare_cached("INSERT INTO actor (id) VALUES (?1)")?
            .execute([id])?;
        let n = conn.last_insert_rowid();
        self.actors.insert(id, n);
        Ok(n)
    }

    /// The integer of a table or field name, if it has one.
    pub fn find_name(&mut self, conn: &Connection, name: &str) -> Result<Option<i64>, StoreError> {
        if let Some(n) = self.names.get(name) {
            return Ok(Some(*n));
        }
        let n: Option<i64> = conn
            .prepare_cached("SELECT n FROM name WHERE name = ?1")?
            .query_row([name], |r| r.get(0))
            .optional()?;
        if let Some(n) = n {
            self.names.insert(name.to_owned(), n);
        }
        Ok(n)
    }

    /// The integer of a table or field name, given one if it has none.
    pub fn name(&mut self, conn: &Connection, name: &str) -> Result<i64, StoreError> {
        if let Some(n) = self.find_name(conn, name)? {
            return Ok(n);
        }
        conn.prepare_cached("INSERT INTO name (name) VALUES (?1)")?
            .execute([name])?;
        let n = conn.last_insert_rowid();
        self.names.insert(name.to_owned(), n);
        Ok(n)
    }
}

/// A list of version ids as stored: 16 bytes of device and 8 of sequence (big-endian) each,
/// or NULL when empty.
pub(crate) fn ids_blob(ids: &[VersionId]) -> Option<Vec<u8>> {
    if ids.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(ids.len() * 24);
    for id in ids {
        out.extend_from_slice(id.device.0.as_bytes());
        out.extend_from_slice(&id.seq.to_be_bytes());
    }
    Some(out)
}

fn ids_from_blob(blob: Option<Vec<u8>>) -> Result<Vec<VersionId>, StoreError> {
    let Some(blob) = blob else {
        return Ok(Vec::new());
    };
    if blob.len() % 24 != 0 {
        return Err(StoreError::NotADatabase(format!(
            "a version-id list of {} bytes",
            blob.len()
        )));
    }
    Ok(blob
        .chunks_exact(24)
        .map(|c| {
            let mut dev = [0u8; 16];
            let mut seq = [0u8; 8];
            dev.copy_from_slice(&c[..16]);
            seq.copy_from_slice(&c[16..]);
            VersionId {
                device: DeviceId(Uuid::from_bytes(dev)),
                seq: u64::from_be_bytes(seq),
            }
        })
        .collect())
}

fn uuid_from_blob(blob: &[u8]) -> Result<Uuid, StoreError> {
    Uuid::from_slice(blob).map_err(|e| StoreError::NotADatabase(format!("stored id: {e}")))
}

/// The columns of [`version_cols`] as read, before decoding.
pub(crate) struct RawVersion {
    device: Vec<u8>,
    seq: i64,
    kind: i64,
    value: String,
    parents: Option<Vec<u8>>,
    covers: Option<Vec<u8>>,
    author: Vec<u8>,
    wall_ms: i64,
    counter: i64,
}

/// Reads the columns of [`version_cols`] starting at column `at`.
pub(crate) fn read_version(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<RawVersion> {
    Ok(RawVersion {
        device: r.get(at)?,
        seq: r.get(at + 1)?,
        kind: r.get(at + 2)?,
        value: r.get(at + 3)?,
        parents: r.get(at + 4)?,
        covers: r.get(at + 5)?,
        author: r.get(at + 6)?,
        wall_ms: r.get(at + 7)?,
        counter: r.get(at + 8)?,
    })
}

impl RawVersion {
    /// The stored version.
    pub(crate) fn decode(self) -> Result<Version, StoreError> {
        Ok(Version {
            id: VersionId {
                device: DeviceId(uuid_from_blob(&self.device)?),
                seq: u64::try_from(self.seq).unwrap_or(0),
            },
            op: decode_op(self.kind, &self.value)?,
            parents: ids_from_blob(self.parents)?,
            covers: ids_from_blob(self.covers)?,
            author: UserId(uuid_from_blob(&self.author)?),
            hlc: Hlc {
                wall_ms: u64::try_from(self.wall_ms).unwrap_or(0),
                counter: u32::try_from(self.counter).unwrap_or(0),
            },
        })
    }
}

/// Loads every register of a row from its stored versions. A register is exactly its versions
/// inserted in any order: the store never compacts, so its superseded ids are the parents of
/// its versions.
pub(crate) fn load_row(
    conn: &Connection,
    schema: &Schema,
    key: &RowKey,
) -> Result<RowRegisters, StoreError> {
    let mut stmt = conn.prepare_cached(concat!(
        "SELECT f.name, ",
        version_cols!(),
        " FROM ",
        version_from!(),
        " WHERE ",
        version_of_row!(),
        " ORDER BY v.field"
    ))?;
    let rows = stmt.query_map(params![key.table, key.id], |r| {
        Ok((r.get::<_, String>(0)?, read_version(r, 1)?))
    })?;
    let mut out: RowRegisters = Vec::new();
    for row in rows {
        let (field, raw) = row?;
        let v = raw.decode()?;
        match out.last_mut() {
            Some((f, reg)) if *f == field => {
                reg.insert(v);
            }
            _ => {
                let mut reg = new_register(schema, key, &field);
                reg.insert(v);
                out.push((field, reg));
            }
        }
    }
    // Grouped by the fields' integers; sorted by name.
    out.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// The statement that stores `n` versions (`VERSION_PARAMS` parameters each).
const INSERT_VERSION: &str = "INSERT INTO version \
    (tbl, row_id, field, device, seq, kind, value, parents, covers, author, wall_ms, counter) \
    VALUES ";
const VERSION_PARAMS: usize = 12;

/// How many versions one multi-row INSERT of [`Versions`] stores.
const VERSIONS_PER_INSERT: usize = 64;

/// Versions waiting to be stored, written by multi-row INSERTs of
/// [`VERSIONS_PER_INSERT`] rows (the rest one by one on [`Versions::flush`]).
#[derive(Default)]
pub(crate) struct Versions {
    ids: Interned,
    rows: Vec<Sql>,
    buf: Vec<u8>,
}

impl Versions {
    /// The integers of ids and names of this transaction.
    pub fn ids(&mut self) -> &mut Interned {
        &mut self.ids
    }

    /// Queues one version of a row's field, writing a full INSERT's worth when there is one.
    pub fn add(
        &mut self,
        conn: &Connection,
        key: &RowKey,
        field: &str,
        v: &Version,
    ) -> Result<(), StoreError> {
        let tbl = self.ids.name(conn, &key.table)?;
        let field = self.ids.name(conn, field)?;
        let device = self.ids.actor(conn, v.id.device.0)?;
        let author = self.ids.actor(conn, v.author.0)?;
        let kind = encode_op(&v.op, &mut self.buf)?;
        let value = String::from_utf8(std::mem::take(&mut self.buf))
            .map_err(|e| StoreError::NotADatabase(format!("op JSON: {e}")))?;
        self.rows.extend([
            Sql::Integer(tbl),
            Sql::Blob(key.id.as_bytes().to_vec()),
            Sql::Integer(field),
            Sql::Integer(device),
            Sql::Integer(i64::try_from(v.id.seq).unwrap_or(i64::MAX)),
            Sql::Integer(kind),
            Sql::Text(value),
            ids_blob(&v.parents).map_or(Sql::Null, Sql::Blob),
            ids_blob(&v.covers).map_or(Sql::Null, Sql::Blob),
            Sql::Integer(author),
            Sql::Integer(i64::try_from(v.hlc.wall_ms).unwrap_or(i64::MAX)),
            Sql::Integer(i64::from(v.hlc.counter)),
        ]);
        if self.rows.len() == VERSIONS_PER_INSERT * VERSION_PARAMS {
            self.write(conn, VERSIONS_PER_INSERT)?;
        }
        Ok(())
    }

    /// Stores every queued version.
    pub fn flush(&mut self, conn: &Connection) -> Result<(), StoreError> {
        while !self.rows.is_empty() {
            self.write(conn, 1)?;
        }
        Ok(())
    }

    /// Stores the first `n` queued versions with one statement.
    fn write(&mut self, conn: &Connection, n: usize) -> Result<(), StoreError> {
        let sql = insert_sql(n);
        let args: Vec<Sql> = self.rows.drain(..n * VERSION_PARAMS).collect();
        conn.prepare_cached(sql)?
            .execute(rusqlite::params_from_iter(args))?;
        Ok(())
    }
}

/// The statement that stores 1 or [`VERSIONS_PER_INSERT`] versions, made once.
fn insert_sql(n: usize) -> &'static str {
    static ONE: OnceLock<String> = OnceLock::new();
    static MANY: OnceLock<String> = OnceLock::new();
    let cell = if n == 1 { &ONE } else { &MANY };
    debug_assert!(n == 1 || n == VERSIONS_PER_INSERT);
    cell.get_or_init(|| make_insert_sql(n))
}

/// The text is kept short (anonymous parameters, no spaces), as the statement cache hashes it
/// on every use.
fn make_insert_sql(n: usize) -> String {
    let row = format!("({})", ["?"; VERSION_PARAMS].join(","));
    format!("{INSERT_VERSION}{}", vec![row; n].join(","))
}

/// Whether a change is stored: one probe of the version table's primary key (a change's id
/// belongs to one row and field). A table, field or device without an integer has no
/// versions.
pub(crate) fn has_version(
    conn: &Connection,
    ids: &mut Interned,
    c: &Change,
) -> Result<bool, StoreError> {
    let (Some(tbl), Some(field), Some(device)) = (
        ids.find_name(conn, &c.row.table)?,
        ids.find_name(conn, &c.field)?,
        ids.find_actor(conn, c.id.device.0)?,
    ) else {
        return Ok(false);
    };
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM version \
             WHERE tbl = ?1 AND row_id = ?2 AND field = ?3 AND device = ?4 AND seq = ?5",
        )?
        .query_row(
            params![
                tbl,
                c.row.id,
                field,
                device,
                i64::try_from(c.id.seq).unwrap_or(i64::MAX)
            ],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Removes one stored version of the device's own (an append entry the service refused,
/// replaced by the same entry sent again).
pub(crate) fn drop_version(
    conn: &Connection,
    key: &RowKey,
    field: &str,
    id: &VersionId,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "DELETE FROM version WHERE tbl = (SELECT n FROM name WHERE name = ?1) AND row_id = ?2 \
         AND field = (SELECT n FROM name WHERE name = ?3) AND device = (SELECT n FROM actor WHERE id = ?4) AND seq = ?5",
    )?
    .execute(params![
        key.table,
        key.id,
        field,
        id.device.0,
        i64::try_from(id.seq).unwrap_or(i64::MAX)
    ])?;
    Ok(())
}

/// What a row's materialised row holds, computed from its registers.
pub(crate) struct Materialised {
    /// The values in the order of the table's write statement.
    pub values: Vec<Sql>,
    /// The household the row belongs to (itself for a household).
    pub household_id: Option<String>,
    /// Whether the row is alive and no field is in conflict: then it has no conflicts at all
    /// (an edit-against-delete conflict needs a deleted row).
    pub settled: bool,
}

/// Computes a row's materialised values from its registers.
pub(crate) fn compute(key: &RowKey, cols: &[ColSpec], regs: &RowRegisters) -> Materialised {
    let mut data = serde_json::Map::new();
    let mut alive = false;
    let mut conflicted = false;
    let mut updated_ms = 0u64;
    for (field, reg) in regs {
        let Some(view) = reg.view() else { continue };
        if let Some(v) = reg.get(&view.winner) {
            updated_ms = updated_ms.max(v.hlc.wall_ms);
        }
        conflicted |= view.conflict.is_some();
        if field == ALIVE {
            alive = view.value == Value::Bool(true);
        } else {
            data.insert(field.clone(), view.value);
        }
    }
    let household_id = if key.table == "household" {
        Some(key.id.to_string())
    } else {
        data.get("household_id")
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let mut values = vec![
        Sql::Text(key.id.to_string()),
        Sql::Integer(i64::from(alive)),
        household_id.clone().map_or(Sql::Null, Sql::Text),
        Sql::Text(serde_json::to_string(&data).unwrap_or_default()),
        Sql::Integer(i64::from(conflicted)),
        Sql::Integer(i64::try_from(updated_ms).unwrap_or(i64::MAX)),
    ];
    for (_, col, field) in cols {
        values.push(match catalogue::cell(col, data.get(*field)) {
            catalogue::Cell::Null => Sql::Null,
            catalogue::Cell::Text(s) => Sql::Text(s),
            catalogue::Cell::Integer(n) => Sql::Integer(n),
        });
    }
    Materialised {
        values,
        household_id,
        settled: alive && !conflicted,
    }
}

/// What a row was before a write.
pub(crate) enum Before {
    /// It had no versions: no materialised row and no conflicts.
    Fresh,
    /// Its materialised values (as [`Columns::values`] gives them), or None when unknown.
    Row(Option<Vec<Sql>>),
}

impl Before {
    /// What a row with these registers is before a write.
    pub fn of(cols: &Columns, key: &RowKey, regs: &RowRegisters) -> Before {
        if regs.is_empty() {
            Before::Fresh
        } else {
            Before::Row(cols.values(key, regs))
        }
    }
}

/// Rewrites a row's materialised row and its open conflicts from its registers. A row whose
/// values before the write are known is updated in the columns that changed only, so the
/// indexes of the other columns are not touched.
pub(crate) fn write_row(
    conn: &Connection,
    cols: &Columns,
    key: &RowKey,
    regs: &RowRegisters,
    before: &Before,
) -> Result<(), StoreError> {
    let row_id = key.id.to_string();
    let mut household_id = None;
    let mut settled = false;
    if let Some((c, sql, names)) = cols.tables.get(key.table.as_str()) {
        let m = compute(key, c, regs);
        let mut updated = false;
        if let Before::Row(Some(old)) = before {
            // Column 0 is the id; the others are set when they changed.
            let changed: Vec<usize> = (1..names.len())
                .filter(|&i| old.get(i) != m.values.get(i))
                .collect();
            if changed.is_empty() {
                updated = true;
            } else {
                let sets: Vec<String> = changed
                    .iter()
                    .enumerate()
                    .map(|(n, &i)| format!("{} = ?{}", names[i], n + 2))
                    .collect();
                let update = format!("UPDATE {} SET {} WHERE id = ?1", key.table, sets.join(", "));
                let args =
                    std::iter::once(&m.values[0]).chain(changed.iter().map(|&i| &m.values[i]));
                updated = conn
                    .prepare_cached(&update)?
                    .execute(rusqlite::params_from_iter(args))?
                    == 1;
            }
        }
        if !updated {
            conn.prepare_cached(sql)?
                .execute(rusqlite::params_from_iter(m.values.iter()))?;
        }
        household_id = m.household_id;
        settled = m.settled;
    }
    if !matches!(before, Before::Fresh) {
        conn.prepare_cached("DELETE FROM conflict WHERE tbl = ?1 AND row_id = ?2")?
            .execute(params![key.table, row_id])?;
    }
    if settled {
        return Ok(());
    }
    let conflicts = row_conflicts(key, regs.iter().map(|(f, r)| (f.as_str(), r)));
    if !conflicts.is_empty() {
        let mut stmt = conn.prepare_cached(
            "INSERT INTO conflict (tbl, row_id, field, kind, household_id, body) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for c in conflicts {
            let kind = serde_json::to_value(c.kind)?;
            stmt.execute(params![
                key.table,
                row_id,
                c.field,
                kind.as_str().unwrap_or_default(),
                household_id,
                serde_json::to_string(&c)?
            ])?;
        }
    }
    Ok(())
}

/// Removes a row entirely: its versions, materialised row and conflicts. The device's own
/// changes of the row stay in its change log until they are pushed.
pub(crate) fn remove_row(conn: &Connection, key: &RowKey) -> Result<(), StoreError> {
    conn.prepare_cached(concat!(
        "DELETE FROM version AS v WHERE ",
        version_of_row!()
    ))?
    .execute(params![key.table, key.id])?;
    conn.prepare_cached("DELETE FROM conflict WHERE tbl = ?1 AND row_id = ?2")?
        .execute(params![key.table, key.id.to_string()])?;
    if spec(&key.table).is_some() {
        conn.execute(
            &format!("DELETE FROM {} WHERE id = ?1", key.table),
            [key.id.to_string()],
        )?;
    }
    Ok(())
}

/// The stored materialised values of a row, in the order of [`compute`], if it has a row.
pub(crate) fn stored(
    conn: &Connection,
    cols: &Columns,
    key: &RowKey,
) -> Result<Option<Vec<Sql>>, StoreError> {
    let Some(c) = cols.of(&key.table) else {
        return Ok(None);
    };
    let mut names = vec![
        "id",
        "alive",
        "household_id",
        "data",
        "conflicted",
        "updated_ms",
    ];
    names.extend(c.iter().map(|(n, _, _)| *n));
    let sql = format!(
        "SELECT {} FROM {} WHERE id = ?1",
        names.join(", "),
        key.table
    );
    let n = names.len();
    Ok(conn
        .query_row(&sql, [key.id.to_string()], |r| {
            (0..n).map(|i| r.get::<_, Sql>(i)).collect()
        })
        .optional()?)
}

/// The rule of every field, from the engine's schema.
pub(crate) fn new_register(schema: &Schema, key: &RowKey, field: &str) -> Register {
    Register::new(schema.rule(&key.table, field))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reversing_makes_the_last_digits_a_prefix() {
        let reversed = catalogue::reversed;
        assert_eq!(reversed("53032519900101123x"), "X32110100991523035");
        assert!(reversed("530325199001011234").starts_with(&reversed("1234")));
    }
}
