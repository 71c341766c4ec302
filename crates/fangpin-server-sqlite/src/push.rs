//! Pushes, resolutions and releases from quarantine: load what a batch touches, let the shared
//! planner decide, write the changes, the quarantine and the read model in one transaction.
//! Also the service's epoch and own device, kept in `meta`.

use std::collections::BTreeMap;

use fangpin_server::backend::{ReleaseReport, Resolution};
use fangpin_server::judge::Pusher;
use fangpin_server::model::{Actor, Role, Scope};
use fangpin_server::office::{office_changes, refusal_text, OfficeReport, OfficeWrite};
use fangpin_server::plan::{
    acknowledged_through, parents_to_load, plan_push, resolution_change, rows_to_load, Loaded,
    Plan, PlanError,
};
use fangpin_server::BackendError;
use fangpin_sync::wire::{Epoch, PushResponse, SyncState, PROTOCOL_VERSION};
use fangpin_sync::{Change, DeviceId, RowKey, UserId, VersionId};
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};
use uuid::Uuid;

use crate::readmodel::{load_row, write_row};
use crate::{db, json, parse, to_i64};

fn meta(c: &Connection, key: &str) -> Result<Option<String>, BackendError> {
    c.prepare_cached("SELECT value FROM meta WHERE key = ?1")
        .map_err(db)?
        .query_row([key], |r| r.get(0))
        .optional()
        .map_err(db)
}

fn set_meta(c: &Connection, key: &str, value: &str) -> Result<(), BackendError> {
    c.prepare_cached("INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)")
        .map_err(db)?
        .execute([key, value])
        .map_err(db)?;
    Ok(())
}

pub(crate) fn high_water(c: &Connection) -> Result<u64, BackendError> {
    let n: Option<i64> = c
        .query_row("SELECT MAX(seq) FROM changes", [], |r| r.get(0))
        .map_err(db)?;
    Ok(n.map_or(0, |n| u64::try_from(n).unwrap_or(0)))
}

/// Gives a new database its epoch and the service's own device.
pub(crate) fn init_meta(c: &Connection) -> Result<(), BackendError> {
    if meta(c, "epoch")?.is_none() {
        set_meta(c, "epoch", &Uuid::now_v7().to_string())?;
        set_meta(c, "epoch_base", &high_water(c)?.to_string())?;
    }
    if meta(c, "service_device")?.is_none() {
        set_meta(c, "service_device", &Uuid::now_v7().to_string())?;
        set_meta(c, "service_seq", "0")?;
    }
    Ok(())
}

pub(crate) fn epoch(c: &Connection) -> Result<Epoch, BackendError> {
    Ok(Epoch {
        id: meta(c, "epoch")?.unwrap_or_default(),
        base: meta(c, "epoch_base")?
            .and_then(|b| b.parse().ok())
            .unwrap_or(0),
    })
}

/// Starts a new epoch based at the highest sequence number held.
pub(crate) fn new_epoch(c: &mut Connection) -> Result<Epoch, BackendError> {
    let tx = c.transaction().map_err(db)?;
    let e = Epoch {
        id: Uuid::now_v7().to_string(),
        base: high_water(&tx)?,
    };
    set_meta(&tx, "epoch", &e.id)?;
    set_meta(&tx, "epoch_base", &e.base.to_string())?;
    // The service's own resolutions since the backup are lost with it, and devices may hold
    // them: later ones take a device id of their own, so no version id names two contents.
    set_meta(&tx, "service_device", &Uuid::now_v7().to_string())?;
    set_meta(&tx, "service_seq", "0")?;
    tx.commit().map_err(db)?;
    Ok(e)
}

fn acked(c: &Connection, device: Uuid) -> Result<u64, BackendError> {
    Ok(
        c.prepare_cached("SELECT through FROM device_acks WHERE device = ?1")
            .map_err(db)?
            .query_row([device], |r| r.get::<_, i64>(0))
            .optional()
            .map_err(db)?
            .map_or(0, |n| u64::try_from(n).unwrap_or(0)),
    )
}

/// Where a device stands.
pub(crate) fn sync_state(c: &Connection, actor: &Actor) -> Result<SyncState, BackendError> {
    Ok(SyncState {
        protocol: PROTOCOL_VERSION,
        epoch: epoch(c)?,
        acknowledged_through: acked(c, actor.device.id)?,
        high_water: high_water(c)?,
        scope: actor.user.scope.areas.clone(),
    })
}

/// The stored JSON of each of the batch's ids the service holds; the quarantine counts unless
/// the batch is the quarantine itself being judged again.
fn stored_bodies(
    tx: &Connection,
    changes: &[Change],
    with_quarantine: bool,
) -> Result<std::collections::HashMap<VersionId, String>, BackendError> {
    let mut out = std::collections::HashMap::new();
    let mut by_device: BTreeMap<Uuid, Vec<u64>> = BTreeMap::new();
    for c in changes {
        by_device.entry(c.id.device.0).or_default().push(c.id.seq);
    }
    let tables: &[&str] = if with_quarantine {
        &["changes", "quarantine"]
    } else {
        &["changes"]
    };
    for (device, mut seqs) in by_device {
        seqs.sort_unstable();
        seqs.dedup();
        let (lo, hi) = (seqs[0], seqs[seqs.len() - 1]);
        for table in tables {
            let mut found = |seq: i64, body: String| {
                out.insert(
                    VersionId {
                        device: DeviceId(device),
                        seq: u64::try_from(seq).unwrap_or(0),
                    },
                    body,
                );
            };
            if hi - lo < 2 * seqs.len() as u64 {
                // A contiguous batch: one range read of the unique index.
                let mut stmt = tx
                    .prepare_cached(&format!(
                        "SELECT dseq, body FROM {table} WHERE device = ?1 AND dseq BETWEEN ?2 AND ?3"
                    ))
                    .map_err(db)?;
                for r in stmt
                    .query_map(params![device, to_i64(lo), to_i64(hi)], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })
                    .map_err(db)?
                {
                    let (seq, body) = r.map_err(db)?;
                    found(seq, body);
                }
            } else {
                let mut stmt = tx
                    .prepare_cached(&format!(
                        "SELECT body FROM {table} WHERE device = ?1 AND dseq = ?2"
                    ))
                    .map_err(db)?;
                for seq in &seqs {
                    if let Some(body) = stmt
                        .query_row(params![device, to_i64(*seq)], |r| r.get::<_, String>(0))
                        .optional()
                        .map_err(db)?
                    {
                        found(to_i64(*seq), body);
                    }
                }
            }
        }
    }
    Ok(out)
}

/// Loads what a batch touches: which of its changes are stored, its rows' state and the
/// households they name, and where the parents it names belong.
fn load(
    tx: &Connection,
    changes: &[Change],
    device: DeviceId,
    with_quarantine: bool,
) -> Result<Loaded, BackendError> {
    let mut loaded = Loaded {
        stored: stored_bodies(tx, changes, with_quarantine)?,
        ..Loaded::default()
    };
    for key in rows_to_load(changes) {
        if let Some(state) = load_row(tx, &key)? {
            loaded.rows.insert(key, state);
        }
    }
    let mut stmt = tx
        .prepare_cached(
            "SELECT row_table, row_id, field FROM changes WHERE device = ?1 AND dseq = ?2",
        )
        .map_err(db)?;
    for v in parents_to_load(changes, device) {
        if let Some((t, id, f)) = stmt
            .query_row(params![v.device.0, to_i64(v.seq)], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Uuid>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .optional()
            .map_err(db)?
        {
            loaded.parents.insert(v, (RowKey::new(t, id), f));
        }
    }
    Ok(loaded)
}

/// Writes a plan in the caller's transaction.
fn write(tx: &Connection, user: Uuid, plan: &Plan, now_ms: i64) -> Result<(), BackendError> {
    let mut ins = tx
        .prepare_cached(
            "INSERT INTO changes(device, dseq, row_table, row_id, field, village, user_id, received_ms, body) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )
        .map_err(db)?;
    for (c, village) in &plan.accepted {
        ins.execute(params![
            c.id.device.0,
            to_i64(c.id.seq),
            c.row.table,
            c.row.id,
            c.field,
            village,
            user,
            now_ms,
            json(c)?
        ])
        .map_err(db)?;
    }
    let mut quarantine = tx
        .prepare_cached(
            "INSERT OR REPLACE INTO quarantine(device, dseq, user_id, received_ms, code, reason, body, county) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )
        .map_err(db)?;
    for (c, refusal, county) in &plan.refused {
        quarantine
            .execute(params![
                c.id.device.0,
                to_i64(c.id.seq),
                user,
                now_ms,
                refusal.code.as_str(),
                refusal.reason,
                json(c)?,
                county
            ])
            .map_err(db)?;
    }
    for row in &plan.rows {
        write_row(tx, row)?;
    }
    Ok(())
}

fn advance_ack(tx: &Connection, device: Uuid) -> Result<u64, BackendError> {
    let before = acked(tx, device)?;
    // The sequences stored after `before`, in order, in one query (a batch holds at most
    // MAX_BATCH changes, so the run past `before` is bounded).
    let mut stmt = tx
        .prepare_cached(
            "SELECT dseq FROM changes WHERE device = ?1 AND dseq > ?2 \
             UNION SELECT dseq FROM quarantine WHERE device = ?1 AND dseq > ?2 ORDER BY 1 LIMIT 100000",
        )
        .map_err(db)?;
    let stored = stmt
        .query_map(params![device, to_i64(before)], |r| r.get::<_, i64>(0))
        .map_err(db)?
        .map(|r| r.map(|n| u64::try_from(n).unwrap_or(0)))
        .collect::<Result<std::collections::HashSet<u64>, _>>()
        .map_err(db)?;
    let through = acknowledged_through(before, |seq| stored.contains(&seq));
    tx.prepare_cached("INSERT OR REPLACE INTO device_acks(device, through) VALUES (?1, ?2)")
        .map_err(db)?
        .execute(params![device, to_i64(through)])
        .map_err(db)?;
    Ok(through)
}

fn stored_through(tx: &Connection, device: Uuid) -> Result<u64, BackendError> {
    let n: Option<i64> = tx
        .query_row(
            "SELECT MAX(m) FROM (SELECT MAX(dseq) AS m FROM changes WHERE device = ?1 \
             UNION ALL SELECT MAX(dseq) FROM quarantine WHERE device = ?1)",
            [device],
            |r| r.get(0),
        )
        .map_err(db)?;
    Ok(n.map_or(0, |n| u64::try_from(n).unwrap_or(0)))
}

fn reused(tx: &Connection, e: PlanError) -> BackendError {
    let PlanError::VersionReused { id, .. } = e;
    let stored = stored_through(tx, id.device.0).unwrap_or(0);
    BackendError::VersionReused {
        message: PlanError::VersionReused {
            id,
            stored_through: stored,
        }
        .to_string(),
        stored_through: stored,
    }
}

/// Stores a batch of the actor's device's changes.
pub(crate) fn push(
    c: &mut Connection,
    actor: &Actor,
    protocol: u16,
    changes: &[Change],
    now_ms: i64,
) -> Result<PushResponse, BackendError> {
    let tx = c
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db)?;
    let device = DeviceId(actor.device.id);
    let pusher = Pusher {
        role: actor.user.role,
        policy: &actor.policy,
        scope: &actor.user.scope,
        user: UserId(actor.user.id),
        device,
        now_ms,
    };
    let loaded = load(&tx, changes, device, true)?;
    let plan = plan_push(&pusher, changes, loaded).map_err(|e| reused(&tx, e))?;
    write(&tx, actor.user.id, &plan, now_ms)?;
    let acknowledged_through = advance_ack(&tx, actor.device.id)?;
    let epoch = epoch(&tx)?;
    tx.commit().map_err(db)?;
    Ok(PushResponse {
        protocol: protocol.min(PROTOCOL_VERSION),
        acknowledged_through,
        accepted: plan.accepted.len() as u32,
        duplicates: plan.duplicates,
        refusals: plan
            .refused
            .into_iter()
            .map(|(_, mut r, _)| {
                r.code = r.code.for_protocol(protocol);
                r
            })
            .collect(),
        epoch: (protocol >= 2).then_some(epoch),
    })
}

/// Writes a supervisor's resolution as the service's own device.
pub(crate) fn resolve(
    c: &mut Connection,
    actor: &Actor,
    row: &RowKey,
    field: &str,
    resolution: Resolution,
    now_ms: i64,
) -> Result<Change, BackendError> {
    let tx = c
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db)?;
    let state = load_row(&tx, row)?
        .filter(|s| actor.user.scope.contains(&s.record.village))
        .ok_or_else(|| BackendError::NotFound(format!("row {row}")))?;
    let device: Uuid = meta(&tx, "service_device")?
        .and_then(|d| d.parse().ok())
        .ok_or_else(|| BackendError::Database("the service has no device".into()))?;
    let seq: u64 = meta(&tx, "service_seq")?
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
        + 1;
    set_meta(&tx, "service_seq", &seq.to_string())?;
    let device = DeviceId(device);
    let change = resolution_change(
        UserId(actor.user.id),
        device,
        seq,
        &state,
        field,
        resolution,
        now_ms,
    )?;
    let pusher = Pusher {
        role: actor.user.role,
        policy: &actor.policy,
        scope: &actor.user.scope,
        user: UserId(actor.user.id),
        device,
        now_ms,
    };
    let batch = [change.clone()];
    let loaded = load(&tx, &batch, device, true)?;
    let plan = plan_push(&pusher, &batch, loaded).map_err(|e| reused(&tx, e))?;
    if let Some((_, r, _)) = plan.refused.first() {
        return Err(BackendError::InvalidResolution(r.reason.clone()));
    }
    write(&tx, actor.user.id, &plan, now_ms)?;
    tx.commit().map_err(db)?;
    Ok(change)
}

/// Writes the office's changes as the service's own device, judged like a push; all or nothing.
pub(crate) fn office_write(
    c: &mut Connection,
    user: &fangpin_server::model::User,
    policy: &fangpin_server::model::PolicyBook,
    writes: &[OfficeWrite],
    now_ms: i64,
) -> Result<OfficeReport, BackendError> {
    let tx = c
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db)?;
    let device = DeviceId(
        meta(&tx, "service_device")?
            .and_then(|d| d.parse().ok())
            .ok_or_else(|| BackendError::Database("the service has no device".into()))?,
    );
    let first: u64 = meta(&tx, "service_seq")?
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
        + 1;
    let mut rows = std::collections::HashMap::new();
    for w in writes {
        if let Some(state) = load_row(&tx, &w.row)? {
            rows.insert(w.row.clone(), state);
        }
    }
    let changes = office_changes(UserId(user.id), device, first, writes, &rows, now_ms)?;
    let pusher = Pusher {
        role: user.role,
        policy,
        scope: &user.scope,
        user: UserId(user.id),
        device,
        now_ms,
    };
    let loaded = load(&tx, &changes, device, true)?;
    let plan = plan_push(&pusher, &changes, loaded).map_err(|e| reused(&tx, e))?;
    if !plan.refused.is_empty() {
        return Err(BackendError::Refused(refusal_text(&plan)));
    }
    write(&tx, user.id, &plan, now_ms)?;
    set_meta(
        &tx,
        "service_seq",
        &(first + changes.len() as u64 - 1).to_string(),
    )?;
    tx.commit().map_err(db)?;
    Ok(OfficeReport {
        changes: changes.len() as u32,
    })
}

/// Judges one device's quarantined changes again, in their order.
pub(crate) fn release(
    c: &mut Connection,
    device: Uuid,
    policy: &fangpin_server::model::PolicyBook,
    now_ms: i64,
) -> Result<ReleaseReport, BackendError> {
    let tx: Transaction<'_> = c
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db)?;
    let (user_id, role, scope): (Uuid, String, String) = tx
        .query_row(
            "SELECT u.id, u.role, u.scope FROM devices d JOIN users u ON u.id = d.user_id WHERE d.id = ?1",
            [device],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .map_err(db)?
        .ok_or_else(|| BackendError::NotFound(format!("device {device}")))?;
    let role = Role::parse(&role).unwrap_or(Role::VillageCadre);
    let scope: Scope = parse(&scope)?;
    let mut changes: Vec<Change> = Vec::new();
    {
        let mut stmt = tx
            .prepare("SELECT body FROM quarantine WHERE device = ?1 ORDER BY dseq")
            .map_err(db)?;
        for b in stmt
            .query_map([device], |r| r.get::<_, String>(0))
            .map_err(db)?
        {
            changes.push(parse(&b.map_err(db)?)?);
        }
    }
    let pusher = Pusher {
        role,
        policy,
        scope: &scope,
        user: UserId(user_id),
        device: DeviceId(device),
        now_ms,
    };
    let loaded = load(&tx, &changes, DeviceId(device), false)?;
    let plan = plan_push(&pusher, &changes, loaded).map_err(|e| reused(&tx, e))?;
    {
        let mut drop_q = tx
            .prepare_cached("DELETE FROM quarantine WHERE device = ?1 AND dseq = ?2")
            .map_err(db)?;
        for (c, _) in &plan.accepted {
            drop_q
                .execute(params![device, to_i64(c.id.seq)])
                .map_err(db)?;
        }
    }
    write(&tx, user_id, &plan, now_ms)?;
    tx.commit().map_err(db)?;
    Ok(ReleaseReport {
        judged: changes.len() as u64,
        accepted: plan.accepted.len() as u64,
        still_refused: plan.refused.len() as u64,
    })
}
