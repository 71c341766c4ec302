//! Self-checks: SQLite's integrity check plus the store's own invariants, a digest of every
//! table, and the stored versions as an in-memory replica of the merge engine.

use std::collections::HashSet;

use fangpin_sync::{Change, Register, Replica, RowKey, Schema, VersionId};
use rusqlite::types::Value as Sql;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::StoreError;
use crate::key::hex;
use crate::materialise::{self, TABLES};
use crate::store::Store;

impl Store {
    /// Checks the database and the store's invariants; returns every problem found (none when
    /// all is well). Reads everything: for tests, diagnostics and after a crash, not for
    /// every open.
    ///
    /// The invariants: SQLite's `integrity_check` is ok; every change-log entry has its
    /// version, held by its field's register, and the same change as that register holds;
    /// every version in a register is indexed in `version`; every materialised row equals what
    /// its registers give; the next sequence number is above every logged one.
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
        let indexed: HashSet<(String, i64)> = self
            .conn
            .prepare("SELECT device, seq FROM version")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let registers: Vec<(String, String, String, String)> = self
            .conn
            .prepare("SELECT tbl, row_id, field, body FROM register ORDER BY tbl, row_id, field")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<Result<_, _>>()?;
        let mut in_registers = std::collections::HashMap::new();
        let mut rows: Vec<RowKey> = Vec::new();
        for (tbl, row_id, field, body) in &registers {
            let reg: Register = serde_json::from_str(body)?;
            let key = RowKey::new(tbl.clone(), Uuid::parse_str(row_id).unwrap_or_default());
            for v in reg.versions() {
                let id = (
                    v.id.device.0.to_string(),
                    i64::try_from(v.id.seq).unwrap_or(-1),
                );
                if !indexed.contains(&id) {
                    problems.push(format!("version {} of {key}.{field} is not indexed", v.id));
                }
                in_registers.insert(v.id, v.to_change(&key, field));
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
            if !indexed.contains(&(own.0.to_string(), i64::try_from(seq).unwrap_or(-1))) {
                problems.push(format!("change-log entry {seq} has no version"));
            }
            match in_registers.get(&id) {
                // A row that left the user's scope keeps only its index and log entries.
                None if row_gone => {}
                None => problems.push(format!("change-log entry {seq} is in no register")),
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
            let regs = materialise::load_row(&self.conn, key)?;
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
        for t in TABLES {
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
        let mut replica = Replica::new(Schema::fangpin());
        let mut stmt = self
            .conn
            .prepare("SELECT tbl, row_id, field, body FROM register")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        for row in rows {
            let (tbl, row_id, field, body) = row?;
            let reg: Register = serde_json::from_str(&body)?;
            let key = RowKey::new(tbl, Uuid::parse_str(&row_id).unwrap_or_default());
            for v in reg.versions() {
                replica.apply(&v.to_change(&key, &field));
            }
        }
        Ok(replica)
    }
}

impl Store {
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
