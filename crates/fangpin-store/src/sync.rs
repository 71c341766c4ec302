//! What the sync client needs: the changes waiting to be pushed, marking them acknowledged,
//! storing refusals, and applying a pulled batch through the merge engine.

use std::collections::HashMap;

use fangpin_sync::wire::{
    PullResponse, PushRequest, PushResponse, Refusal, RefusalCode, SyncState,
};
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
                 (device, seq, tbl, row_id, field, code, reason, received_ms, reason_zh) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
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
                    to_i64(now_ms),
                    r.reason_zh
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
            "SELECT device, seq, tbl, row_id, field, code, reason, received_ms, reason_zh FROM refusal \
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
                r.get::<_, Option<String>>(8)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (device, seq, tbl, row_id, field, code, reason, at, reason_zh) = row?;
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
                    reason_zh,
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

    /// The scope of the last applied pull (the areas the device holds rows of) and the
    /// service's epoch its cursor belongs to, sent with every pull (protocol 2).
    pub fn pull_position(&self) -> Result<(Option<Vec<String>>, Option<String>), StoreError> {
        let (scope, epoch): (Option<String>, Option<String>) =
            self.conn
                .query_row("SELECT scope, epoch FROM device WHERE id = 1", [], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
        Ok((scope.map(|s| serde_json::from_str(&s)).transpose()?, epoch))
    }

    /// Takes where the device stands with the service before a sync. From a new epoch (the
    /// service was restored from a backup) the cursor goes back to the epoch's base, so what
    /// the service numbered again is pulled again; when the service acknowledges less than
    /// the device was told, the changes it lost are marked unsent, so the next push sends them
    /// again; when the service holds more of the device's changes than the device remembers (it
    /// was restored from an older copy), new changes are numbered past them. Returns how many
    /// changes will be sent again.
    pub fn reconcile(&mut self, state: &SyncState) -> Result<u64, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut dev = load_device(&tx)?;
        let epoch: Option<String> =
            tx.query_row("SELECT epoch FROM device WHERE id = 1", [], |r| r.get(0))?;
        if epoch.as_deref().is_some_and(|e| e != state.epoch.id) {
            dev.pull_cursor = dev.pull_cursor.min(state.epoch.base);
            save_device(&tx, &dev)?;
        }
        tx.execute(
            "UPDATE device SET epoch = ?1 WHERE id = 1",
            [&state.epoch.id],
        )?;
        let mine: i64 = tx.query_row(
            "SELECT acknowledged_through FROM device WHERE id = 1",
            [],
            |r| r.get(0),
        )?;
        // A device restored from an older copy of itself: the service holds more of its changes
        // than it remembers making. Its next changes take numbers past them (the ones it lost
        // come back by pull), so no version id is used twice.
        if state.acknowledged_through >= dev.next_seq {
            dev.next_seq = state.acknowledged_through.saturating_add(1);
            save_device(&tx, &dev)?;
        }
        let mut resend = 0;
        if state.acknowledged_through < u64::try_from(mine).unwrap_or(0) {
            resend = tx.execute(
                "UPDATE change_log SET acknowledged = 0 WHERE seq > ?1 AND acknowledged = 1",
                [to_i64(state.acknowledged_through)],
            )? as u64;
            tx.execute(
                "UPDATE device SET acknowledged_through = ?1 WHERE id = 1",
                [to_i64(state.acknowledged_through)],
            )?;
        }
        tx.commit()?;
        Ok(resend)
    }

    /// Changes of pulled batches that could not be applied, with the reason.
    pub fn pull_problems(&self) -> Result<Vec<(RowKey, String, String)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT tbl, row_id, field, reason FROM pull_problem ORDER BY received_ms, device, seq",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for r in rows {
            let (t, id, f, reason) = r?;
            out.push((
                RowKey::new(t, Uuid::parse_str(&id).unwrap_or_default()),
                f,
                reason,
            ));
        }
        Ok(out)
    }

    /// Applies a pulled batch; when the batch as a whole cannot be applied (other than a bad
    /// checksum, which is fetched again), applies its changes one by one, keeps each that
    /// fails with its reason (see [`Store::pull_problems`]) and moves the cursor past the
    /// batch, so one bad change never stops this device's sync. Kept changes are tried again
    /// at every sync ([`Store::retry_pull_problems`]).
    pub fn apply_pull_or_keep(
        &mut self,
        batch: &PullResponse,
        wall_ms: u64,
    ) -> Result<PullOutcome, StoreError> {
        match self.apply_pull(batch, wall_ms) {
            Ok(out) => Ok(out),
            Err(e @ (StoreError::Wire(_) | StoreError::Io(_))) => Err(e),
            Err(_) => {
                let mut out = PullOutcome::default();
                for s in &batch.changes {
                    let one = PullResponse::new(vec![s.clone()], Vec::new(), 0, false);
                    match self.apply_pull(&one, wall_ms) {
                        Ok(o) => {
                            out.new += o.new;
                            out.duplicates += o.duplicates;
                            out.rows_touched += o.rows_touched;
                        }
                        Err(e) => {
                            self.keep_problem(s, &e.to_string(), wall_ms)?;
                        }
                    }
                }
                let rest = PullResponse {
                    changes: Vec::new(),
                    checksum: fangpin_sync::wire::checksum([]),
                    ..batch.clone()
                };
                let o = self.apply_pull(&rest, wall_ms)?;
                out.rows_removed = o.rows_removed;
                out.cursor = o.cursor;
                Ok(out)
            }
        }
    }

    fn keep_problem(
        &self,
        s: &fangpin_sync::wire::Sequenced,
        reason: &str,
        wall_ms: u64,
    ) -> Result<(), StoreError> {
        let c = &s.change;
        self.conn.execute(
            "INSERT OR REPLACE INTO pull_problem (device, seq, tbl, row_id, field, reason, received_ms, body) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                c.id.device.0.to_string(),
                c.id.seq.to_string(),
                c.row.table.chars().take(64).collect::<String>(),
                c.row.id.to_string(),
                c.field.chars().take(64).collect::<String>(),
                reason,
                to_i64(wall_ms),
                serde_json::to_string(s)?
            ],
        )?;
        Ok(())
    }

    /// Tries the kept changes of earlier batches again; those that apply now are dropped from
    /// the problems. Returns how many applied.
    pub fn retry_pull_problems(&mut self, wall_ms: u64) -> Result<u64, StoreError> {
        let kept: Vec<(String, String, String)> = self
            .conn
            .prepare("SELECT device, seq, body FROM pull_problem")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        let mut applied = 0;
        for (device, seq, body) in kept {
            let Ok(s) = serde_json::from_str::<fangpin_sync::wire::Sequenced>(&body) else {
                continue;
            };
            let one = PullResponse::new(vec![s], Vec::new(), 0, false);
            if self.apply_pull(&one, wall_ms).is_ok() {
                self.conn.execute(
                    "DELETE FROM pull_problem WHERE device = ?1 AND seq = ?2",
                    params![device, seq],
                )?;
                applied += 1;
            }
        }
        Ok(applied)
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
                if c.id.seq == 0 || c.id.seq > fangpin_sync::wire::MAX_SEQ {
                    return Err(StoreError::Invalid {
                        table: c.row.table.chars().take(64).collect(),
                        field: c.field.chars().take(64).collect(),
                        code: "seq_out_of_range",
                        reason: format!("change {} has a sequence number out of range", c.id),
                    });
                }
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
        // A reset restarts the feed (the scope grew): the batch's cursor replaces the old one.
        dev.pull_cursor = if batch.reset {
            batch.next_cursor
        } else {
            dev.pull_cursor.max(batch.next_cursor)
        };
        out.cursor = dev.pull_cursor;
        if let Some(scope) = &batch.scope {
            tx.prepare_cached("UPDATE device SET scope = ?1 WHERE id = 1")?
                .execute([serde_json::to_string(scope)?])?;
        }
        if let Some(epoch) = &batch.epoch {
            tx.prepare_cached("UPDATE device SET epoch = ?1 WHERE id = 1")?
                .execute([&epoch.id])?;
        }
        if serde_json::to_string(&dev.clock)? != clock_before
            || dev.next_seq != seq_before
            || dev.pull_cursor != cursor_before
        {
            save_device(&tx, &dev)?;
        }
        Ok((tx, out))
    }
}
