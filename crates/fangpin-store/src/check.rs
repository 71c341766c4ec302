//! Self-checks: SQLite's integrity check plus the store's own invariants, a digest of every
//! table, and the stored versions as an in-memory replica of the merge engine.

use std::collections::{HashMap, HashSet};

use fangpin_sync::{Change, Replica, RowKey, Version, VersionId};
use rusqlite::types::Value as Sql;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::StoreError;
use crate::key::hex;
use crate::materialise;
use crate::store::Store;

impl Store {
    /// The columns of every synced table's materialised rows, by table: tests compare them
    /// with the record catalogue.
    pub fn table_columns(
        &self,
    ) -> Result<std::collections::BTreeMap<String, std::collections::BTreeSet<String>>, StoreError>
    {
        let mut out = std::collections::BTreeMap::new();
        for t in fangpin_catalogue::tables() {
            let mut stmt = self
                .conn
                .prepare(&format!("PRAGMA table_info({})", t.name))?;
            let cols = stmt
                .query_map([], |r| r.get::<_, String>(1))?
                .collect::<Result<_, _>>()?;
            out.insert(t.name.to_owned(), cols);
        }
        Ok(out)
    }

    /// Checks the database and the store's invariants; returns every problem found (none when
    /// all is well). Reads everything: for tests, diagnostics and after a crash, not for
    /// every open.
    ///
    /// The invariants: SQLite's `integrity_check` is ok; every stored version decodes; every
    /// version id is stored once; every change-log entry has its stored version (unless its row left the user's scope), equal to
    /// it; every materialised row equals what its registers give, and every row with versions
    /// has one; the next sequence number is above every logged one.
    pub fn check(&self) -> Result<Vec<String>, StoreError> {
        let mut problems = Vec::new();
        let integrity: Vec<String> = self
            .conn
            .prepare("PRAGMA integrity_check")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        if integrity != ["ok"] {
            problems.extend(integrity.into_iter().map(|p| format!("integrity: {p}")));
        }
        let own = self.identity().device;
        // Every stored version, by row, decoded into its register.
        let mut in_registers = HashMap::new();
        let mut rows: Vec<RowKey> = Vec::new();
        for (key, field, v) in self.all_versions()? {
            if in_registers
                .insert(v.id, v.to_change(&key, &field))
                .is_some()
            {
                problems.push(format!("version {} is stored twice", v.id));
            }
            if rows.last() != Some(&key) {
                rows.push(key);
            }
        }
        let log: Vec<(i64, String)> = self
            .conn
            .prepare("SELECT seq, body FROM change_log ORDER BY seq")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut max_seq = 0u64;
        for (seq, body) in &log {
            let seq = u64::try_from(*seq).unwrap_or(0);
            max_seq = max_seq.max(seq);
            let change: Change = serde_json::from_str(body)?;
            let id = VersionId { device: own, seq };
            if change.id != id {
                problems.push(format!("change-log entry {seq} holds change {}", change.id));
            }
            let row_gone = !rows.contains(&change.row);
            match in_registers.get(&id) {
                // A row that left the user's scope keeps only its log entries.
                None if row_gone => {}
                None => problems.push(format!("change-log entry {seq} has no version")),
                Some(c) if *c != change => {
                    problems.push(format!("change-log entry {seq} differs from its version"))
                }
                Some(_) => {}
            }
        }
        let dev = crate::store::load_device(&self.conn)?;
        if dev.next_seq <= max_seq {
            problems.push(format!(
                "next sequence {} is not above the logged {max_seq}",
                dev.next_seq
            ));
        }
        for key in &rows {
            let Some(cols) = self.ctx.cols.of(&key.table) else {
                continue;
            };
            let regs = materialise::load_row(&self.conn, &self.ctx.schema, key)?;
            let expected = materialise::compute(key, cols, &regs).values;
            match materialise::stored(&self.conn, &self.ctx.cols, key)? {
                None => problems.push(format!("{key} has registers but no materialised row")),
                Some(got) if got != expected => problems.push(format!(
                    "{key}: materialised row differs from its registers"
                )),
                Some(_) => {}
            }
        }
        let with_registers: HashSet<&RowKey> = rows.iter().collect();
        for t in fangpin_catalogue::tables() {
            if self.ctx.cols.of(t.name).is_none() {
                continue;
            }
            let ids: Vec<String> = self
                .conn
                .prepare(&format!("SELECT id FROM {}", t.name))?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            for id in ids {
                let key = RowKey::new(t.name, Uuid::parse_str(&id).unwrap_or_default());
                if !with_registers.contains(&key) {
                    problems.push(format!("{key} has a materialised row but no registers"));
                }
            }
        }
        Ok(problems)
    }

    /// A SHA-256 over the contents of every table, in a canonical order: equal exactly when
    /// the stored data is equal.
    pub fn content_digest(&self) -> Result<String, StoreError> {
        let tables: Vec<String> = self
            .conn
            .prepare(
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' ORDER BY name",
            )?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut h = Sha256::new();
        for t in tables {
            let mut stmt = self.conn.prepare(&format!("SELECT * FROM {t}"))?;
            let n = stmt.column_count();
            let mut rows: Vec<String> = stmt
                .query_map([], |r| {
                    let vals: Vec<Sql> = (0..n).map(|i| r.get(i)).collect::<Result<_, _>>()?;
                    Ok(format!("{vals:?}"))
                })?
                .collect::<Result<_, _>>()?;
            rows.sort();
            h.update(t.as_bytes());
            for r in rows {
                h.update(r.as_bytes());
                h.update(b"\n");
            }
        }
        Ok(hex(&h.finalize()))
    }

    /// Every stored version, merged into an in-memory replica of the engine: its state hash
    /// is the one the server and other devices compute for the same changes.
    pub fn replica(&self) -> Result<Replica, StoreError> {
        let mut replica = Replica::new(fangpin_catalogue::schema().clone());
        for (key, field, v) in self.all_versions()? {
            replica.apply(&v.to_change(&key, &field));
        }
        Ok(replica)
    }
}

impl Store {
    /// Every stored version with its row and field, ordered by row and field. Every version
    /// decodes, or this fails.
    fn all_versions(&self) -> Result<Vec<(RowKey, String, Version)>, StoreError> {
        let mut stmt = self.conn.prepare(concat!(
            "SELECT t.name, v.row_id, f.name, ",
            materialise::version_cols!(),
            " FROM ",
            materialise::version_from!(),
            " ORDER BY v.tbl, v.row_id, v.field"
        ))?;
        let raws: Vec<(String, Uuid, String, materialise::RawVersion)> = stmt
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    materialise::read_version(r, 3)?,
                ))
            })?
            .collect::<Result<_, _>>()?;
        raws.into_iter()
            .map(|(tbl, id, field, raw)| Ok((RowKey::new(tbl, id), field, raw.decode()?)))
            .collect()
    }

    /// Diagnostics: SQLite's query plan for a statement, one line per step.
    #[doc(hidden)]
    pub fn query_plan(&self, sql: &str) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
        let out = stmt
            .query_map([], |r| r.get::<_, String>(3))?
            .collect::<Result<_, _>>()?;
        Ok(out)
    }
}
