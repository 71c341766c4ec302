//! What the sync client needs: the changes waiting to be pushed, marking them acknowledged,
//! storing refusals, and applying a pulled batch through the merge engine.

use std::collections::HashMap;

use fangpin_sync::wire::{PullResponse, PushRequest, PushResponse, Refusal, RefusalCode};
use fangpin_sync::{Change, RowKey, Version, VersionId};
use rusqlite::{params, OptionalExtension, TransactionBehavior};
use serde::Serialize;
use uuid::Uuid;

use crate::error::StoreError;
use crate::materialise::{self, Before, RowRegisters};
use crate::store::{load_device, save_device, Store, PULL_AUTOCHECKPOINT, SAVE_AUTOCHECKPOINT};

/// What applying a pulled batch did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct PullOutcome {
    /// Changes new to this device.
    pub new: usize,
    /// Changes it already had.
    pub duplicates: usize,
    /// Rows whose materialised row was recomputed.
    pub rows_touched: usize,
    /// Rows removed because they left the user's scope.
    pub rows_removed: usize,
    /// Changes whose clock was too far ahead of this device's (merged, and flagged).
    pub clock_flags: usize,
    /// The cursor saved.
    pub cursor: u64,
}

/// A refusal as stored on the device, with when it arrived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredRefusal {
    /// The refusal.
    pub refusal: Refusal,
    /// When the device received it (ms since the epoch).
    pub received_ms: u64,
}

/// Commits a pulled batch's transaction. A pull's commit checkpoints once the WAL holds 1,000
/// pages, so that the pulls, not the user's next saves, pay for copying what they wrote (saves
/// only checkpoint at 8,000 pages); the caller sets the saves' threshold back.
fn commit_pull(tx: rusqlite::Transaction<'_>) -> Result<(), StoreError> {
    tx.pragma_update(None, "wal_autocheckpoint", PULL_AUTOCHECKPOINT)?;
    tx.commit()?;
    Ok(())
}

/// Batches of at least this many changes have their checksum verified on a second thread
/// while they are applied; smaller ones first, on the caller's.
const VERIFY_ALONGSIDE: usize = 256;

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

impl Store {
    /// The device's own changes the server has not acknowledged, in sequence order, at most
    /// `limit` of them.
    pub fn pending_changes(&self, limit: usize) -> Result<Vec<Change>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT body FROM change_log WHERE acknowledged = 0 ORDER BY seq LIMIT ?1",
        )?;
        let rows = stmt.query_map([to_i64(limit as u64)], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for body in rows {
            out.push(serde_json::from_str(&body?)?);
        }
        Ok(out)
    }

    /// How many of the device's changes wait to be pushed.
    pub fn pending_count(&self) -> Result<u64, StoreError> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM change_log WHERE acknowledged = 0",
            [],
            |r| r.get(0),
        )?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// The next push batch (at most `limit` changes), or None when nothing waits.
    pub fn push_request(&self, limit: usize) -> Result<Option<PushRequest>, StoreError> {
        let changes = self.pending_changes(limit)?;
        Ok((!changes.is_empty()).then(|| PushRequest::new(self.identity().device, changes)))
    }

    /// Marks the device's changes up to `seq` as acknowledged by the server.
    pub fn acknowledge(&mut self, seq: u64) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "UPDATE change_log SET acknowledged = 1 WHERE seq <= ?1 AND acknowledged = 0",
            [to_i64(seq)],
        )?;
        tx.execute(
            "UPDATE device SET acknowledged_through = max(acknowledged_through, ?1) WHERE id = 1",
            [to_i64(seq)],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The highest sequence the server has acknowledged.
    pub fn acknowledged_through(&self) -> Result<u64, StoreError> {
        let n: i64 = self.conn.query_row(
            "SELECT acknowledged_through FROM device WHERE id = 1",
            [],
            |r| r.get(0),
        )?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Takes the server's answer to a push: stores its refusals and marks the log
    /// acknowledged, in one transaction.
    pub fn record_push(&mut self, resp: &PushResponse, now_ms: u64) -> Result<(), StoreError> {
        fangpin_sync::wire::check_protocol(resp.protocol)?;
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT OR REPLACE INTO refusal \
                 (device, seq, tbl, row_id, field, code, reason, received_ms) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            for r in &resp.refusals {
                let code = serde_json::to_value(r.code)?;
                stmt.execute(params![
                    r.change.device.0.to_string(),
                    to_i64(r.change.seq),
                    r.row.table,
                    r.row.id.to_string(),
                    r.field,
                    code.as_str().unwrap_or_default(),
                    r.reason,
                    to_i64(now_ms)
                ])?;
            }
            tx.execute(
                "UPDATE change_log SET acknowledged = 1 WHERE seq <= ?1 AND acknowledged = 0",
                [to_i64(resp.acknowledged_through)],
            )?;
            tx.execute(
                "UPDATE device SET acknowledged_through = max(acknowledged_through, ?1) \
                 WHERE id = 1",
                [to_i64(resp.acknowledged_through)],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The refusals the server returned, newest first.
    pub fn refusals(&self) -> Result<Vec<StoredRefusal>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT device, seq, tbl, row_id, field, code, reason, received_ms FROM refusal \
             ORDER BY received_ms DESC, device, seq",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, i64>(7)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (device, seq, tbl, row_id, field, code, reason, at) = row?;
            let uuid = |s: &str| {
                Uuid::parse_str(s).map_err(|e| StoreError::NotADatabase(format!("refusal: {e}")))
            };
            let code: RefusalCode = serde_json::from_value(serde_json::Value::String(code))?;
            out.push(StoredRefusal {
                refusal: Refusal {
                    change: VersionId {
                        device: fangpin_sync::DeviceId(uuid(&device)?),
                        seq: u64::try_from(seq).unwrap_or(0),
                    },
                    row: RowKey::new(tbl, uuid(&row_id)?),
                    field,
                    code,
                    reason,
                },
                received_ms: u64::try_from(at).unwrap_or(0),
            });
        }
        Ok(out)
    }

    /// The saved pull cursor.
    pub fn pull_cursor(&self) -> Result<u64, StoreError> {
        Ok(load_device(&self.conn)?.pull_cursor)
    }

    /// Applies a pulled batch at local wall time `wall_ms`: verifies its checksum, merges every
    /// change with the engine, updates versions, registers, materialised rows and conflicts,
    /// removes the rows that left the user's scope, and saves the cursor, all in one
    /// transaction. Applying the same batch again changes nothing.
    ///
    /// The checksum is verified on a second thread while the batch is applied, and the
    /// transaction is committed only once it matched: a bad batch is rolled back whole.
    pub fn apply_pull(
        &mut self,
        batch: &PullResponse,
        wall_ms: u64,
    ) -> Result<PullOutcome, StoreError> {
        fangpin_sync::wire::check_protocol(batch.protocol)?;
        if batch.changes.len() < VERIFY_ALONGSIDE {
            batch.verify()?;
            let (tx, out) = self.apply_unverified(batch, wall_ms)?;
            let committed = commit_pull(tx);
            self.conn
                .pragma_update(None, "wal_autocheckpoint", SAVE_AUTOCHECKPOINT)?;
            committed?;
            return Ok(out);
        }
        std::thread::scope(|s| {
            let verifier = s.spawn(|| batch.verify());
            let applied = self.apply_unverified(batch, wall_ms);
            let verified = verifier
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            // A bad checksum wins over whatever applying the bad batch did; the transaction
            // is dropped, so rolled back.
            verified?;
            let (tx, out) = applied?;
            let committed = commit_pull(tx);
            self.conn
                .pragma_update(None, "wal_autocheckpoint", SAVE_AUTOCHECKPOINT)?;
            committed?;
            Ok(out)
        })
    }

    /// Everything [`Store::apply_pull`] does but verifying and committing: the open
    /// transaction and what it did.
    fn apply_unverified(
        &mut self,
        batch: &PullResponse,
        wall_ms: u64,
    ) -> Result<(rusqlite::Transaction<'_>, PullOutcome), StoreError> {
        let ctx = &self.ctx;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut dev = load_device(&tx)?;
        let own = dev.identity.device;
        let clock_before = serde_json::to_string(&dev.clock)?;
        let (seq_before, cursor_before) = (dev.next_seq, dev.pull_cursor);
        let mut out = PullOutcome::default();
        // Every touched row in order of arrival: its registers, whether a change was merged,
        // and what it was before; and where each row is in that list.
        let mut rows: Vec<(RowKey, RowRegisters, bool, Before)> = Vec::new();
        let mut index: HashMap<RowKey, usize> = HashMap::new();
        let mut versions = materialise::Versions::default();
        {
            let mut flag = tx.prepare_cached(
                "INSERT OR IGNORE INTO clock_flag (device, seq, ahead_ms) VALUES (?1, ?2, ?3)",
            )?;
            let mut own_log = tx.prepare_cached(
                "INSERT OR IGNORE INTO change_log (seq, body, recorded_ms, acknowledged) \
                 VALUES (?1, ?2, ?3, 1)",
            )?;
            for s in &batch.changes {
                let c = &s.change;
                // Whether the change is here: the loaded registers of its row say so, and for a
                // row not loaded yet one probe of the version table's key does, so a repeated
                // batch costs one probe per change and loads no register.
                // A batch holds a row's changes together, so the last row is tried first.
                let last = rows.len().checked_sub(1).filter(|&l| rows[l].0 == c.row);
                let i = match last.or_else(|| index.get(&c.row).copied()) {
                    Some(i) => i,
                    None => {
                        if materialise::has_version(&tx, versions.ids(), c)? {
                            out.duplicates += 1;
                            continue;
                        }
                        let regs = materialise::load_row(&tx, &ctx.schema, &c.row)?;
                        let before = Before::of(&ctx.cols, &c.row, &regs);
                        index.insert(c.row.clone(), rows.len());
                        rows.push((c.row.clone(), regs, false, before));
                        rows.len() - 1
                    }
                };
                let (_, regs, dirty, _) = &mut rows[i];
                let at = match regs.binary_search_by(|(n, _)| n.as_str().cmp(&c.field)) {
                    Ok(i) => i,
                    Err(i) => {
                        let reg = materialise::new_register(&ctx.schema, &c.row, &c.field);
                        regs.insert(i, (c.field.clone(), reg));
                        i
                    }
                };
                if regs[at].1.contains(&c.id) {
                    out.duplicates += 1;
                    continue;
                }
                let v = Version::from_change(c);
                versions.add(&tx, &c.row, &c.field, &v)?;
                regs[at].1.insert(v);
                *dirty = true;
                out.new += 1;
                if let Err(skew) = dev.clock.observe(c.hlc, wall_ms) {
                    flag.execute(params![
                        c.id.device.0.to_string(),
                        to_i64(c.id.seq),
                        to_i64(skew.ahead_ms)
                    ])?;
                    out.clock_flags += 1;
                }
                if c.id.device == own {
                    // The device's own change coming back (a reinstalled device): keep its log
                    // whole and never reuse its sequence number.
                    own_log.execute(params![
                        to_i64(c.id.seq),
                        serde_json::to_string(c)?,
                        to_i64(wall_ms)
                    ])?;
                    dev.next_seq = dev.next_seq.max(c.id.seq + 1);
                }
            }
        }
        versions.flush(&tx)?;
        for (key, regs, dirty, before) in &rows {
            if !dirty {
                continue;
            }
            materialise::write_row(&tx, &ctx.cols, key, regs, before)?;
            out.rows_touched += 1;
        }
        for key in &batch.removed_rows {
            let existed: Option<i64> = tx
                .prepare_cached(concat!(
                    "SELECT 1 FROM version v WHERE ",
                    materialise::version_of_row!(),
                    " LIMIT 1"
                ))?
                .query_row(params![key.table, key.id], |r| r.get(0))
                .optional()?;
            if existed.is_some() {
                materialise::remove_row(&tx, key)?;
                out.rows_removed += 1;
            }
        }
        dev.pull_cursor = dev.pull_cursor.max(batch.next_cursor);
        out.cursor = dev.pull_cursor;
        if serde_json::to_string(&dev.clock)? != clock_before
            || dev.next_seq != seq_before
            || dev.pull_cursor != cursor_before
        {
            save_device(&tx, &dev)?;
        }
        Ok((tx, out))
    }
}
