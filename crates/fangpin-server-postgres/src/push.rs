//! Pushes, resolutions and releases from quarantine: load what a batch touches in set-based
//! queries, let the shared planner decide, write the changes, the quarantine and the read model
//! with `UNNEST` in one transaction under the push lock. Also the epoch and the service's own
//! device, kept in `meta`.

use deadpool_postgres::{GenericClient, Transaction};
use fangpin_server::backend::{ReleaseReport, Resolution};
use fangpin_server::judge::Pusher;
use fangpin_server::model::{Actor, Role, Scope};
use fangpin_server::office::{office_changes, refusal_text, OfficeReport, OfficeWrite};
use fangpin_server::plan::{
    acknowledged_through, parents_to_load, plan_push, resolution_change, rows_to_load, Loaded,
    Plan, PlanError,
};
use fangpin_server::state::county_of;
use fangpin_server::BackendError;
use fangpin_sync::wire::{Epoch, PushResponse, SyncState, PROTOCOL_VERSION};
use fangpin_sync::{Change, DeviceId, RowKey, UserId, VersionId};
use uuid::Uuid;

use crate::readmodel::{load_rows, write_rows};
use crate::{json, parse, pg, to_i64, PUSH_LOCK};

async fn meta(c: &impl GenericClient, key: &str) -> Result<Option<String>, BackendError> {
    Ok(
        c.query_opt("SELECT value FROM meta WHERE key = $1", &[&key])
            .await
            .map_err(pg)?
            .map(|r| r.get(0)),
    )
}

async fn set_meta(c: &impl GenericClient, key: &str, value: &str) -> Result<(), BackendError> {
    c.execute(
        "INSERT INTO meta(key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
        &[&key, &value],
    )
    .await
    .map_err(pg)?;
    Ok(())
}

pub(crate) async fn high_water(c: &impl GenericClient) -> Result<u64, BackendError> {
    let n: Option<i64> = c
        .query_one("SELECT MAX(seq) FROM changes", &[])
        .await
        .map_err(pg)?
        .get(0);
    Ok(n.map_or(0, |n| u64::try_from(n).unwrap_or(0)))
}

/// Gives a new database its epoch and the service's own device.
pub(crate) async fn init_meta(c: &impl GenericClient) -> Result<(), BackendError> {
    if meta(c, "epoch").await?.is_none() {
        set_meta(c, "epoch", &Uuid::now_v7().to_string()).await?;
        set_meta(c, "epoch_base", &high_water(c).await?.to_string()).await?;
    }
    if meta(c, "service_device").await?.is_none() {
        set_meta(c, "service_device", &Uuid::now_v7().to_string()).await?;
        set_meta(c, "service_seq", "0").await?;
    }
    Ok(())
}

pub(crate) async fn epoch(c: &impl GenericClient) -> Result<Epoch, BackendError> {
    Ok(Epoch {
        id: meta(c, "epoch").await?.unwrap_or_default(),
        base: meta(c, "epoch_base")
            .await?
            .and_then(|b| b.parse().ok())
            .unwrap_or(0),
    })
}

/// Starts a new epoch based at the highest sequence number held.
pub(crate) async fn new_epoch(tx: &Transaction<'_>) -> Result<Epoch, BackendError> {
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&PUSH_LOCK])
        .await
        .map_err(pg)?;
    let e = Epoch {
        id: Uuid::now_v7().to_string(),
        base: high_water(tx).await?,
    };
    set_meta(tx, "epoch", &e.id).await?;
    set_meta(tx, "epoch_base", &e.base.to_string()).await?;
    // The service's own resolutions since the backup are lost with it, and devices may hold
    // them: later ones take a device id of their own, so no version id names two contents.
    set_meta(tx, "service_device", &Uuid::now_v7().to_string()).await?;
    set_meta(tx, "service_seq", "0").await?;
    Ok(e)
}

async fn acked(c: &impl GenericClient, device: Uuid) -> Result<u64, BackendError> {
    Ok(c.query_opt(
        "SELECT through FROM device_acks WHERE device = $1",
        &[&device],
    )
    .await
    .map_err(pg)?
    .map_or(0, |r| u64::try_from(r.get::<_, i64>(0)).unwrap_or(0)))
}

/// Where a device stands.
pub(crate) async fn sync_state(
    c: &impl GenericClient,
    actor: &Actor,
) -> Result<SyncState, BackendError> {
    Ok(SyncState {
        protocol: PROTOCOL_VERSION,
        epoch: epoch(c).await?,
        acknowledged_through: acked(c, actor.device.id).await?,
        high_water: high_water(c).await?,
        scope: actor.user.scope.areas.clone(),
    })
}

/// Loads what a batch touches: which of its ids are stored (with the JSON stored for each),
/// its rows' state and the households they name, and where the parents it names belong.
async fn load(
    tx: &impl GenericClient,
    changes: &[Change],
    device: DeviceId,
    with_quarantine: bool,
) -> Result<Loaded, BackendError> {
    let mut loaded = Loaded::default();
    let devices: Vec<Uuid> = changes.iter().map(|c| c.id.device.0).collect();
    let seqs: Vec<i64> = changes.iter().map(|c| to_i64(c.id.seq)).collect();
    let sql = if with_quarantine {
        "SELECT device, dseq, body FROM changes WHERE (device, dseq) IN (SELECT * FROM UNNEST($1::uuid[], $2::bigint[])) \
         UNION ALL SELECT device, dseq, body FROM quarantine WHERE (device, dseq) IN (SELECT * FROM UNNEST($1::uuid[], $2::bigint[]))"
    } else {
        "SELECT device, dseq, body FROM changes WHERE (device, dseq) IN (SELECT * FROM UNNEST($1::uuid[], $2::bigint[]))"
    };
    for r in tx.query(sql, &[&devices, &seqs]).await.map_err(pg)? {
        loaded.stored.insert(
            VersionId {
                device: DeviceId(r.get(0)),
                seq: u64::try_from(r.get::<_, i64>(1)).unwrap_or(0),
            },
            r.get(2),
        );
    }
    loaded.rows = load_rows(tx, &rows_to_load(changes)).await?;
    let wanted = parents_to_load(changes, device);
    if !wanted.is_empty() {
        let devices: Vec<Uuid> = wanted.iter().map(|v| v.device.0).collect();
        let seqs: Vec<i64> = wanted.iter().map(|v| to_i64(v.seq)).collect();
        for r in tx
            .query(
                "SELECT device, dseq, row_table, row_id, field FROM changes \
                 WHERE (device, dseq) IN (SELECT * FROM UNNEST($1::uuid[], $2::bigint[]))",
                &[&devices, &seqs],
            )
            .await
            .map_err(pg)?
        {
            loaded.parents.insert(
                VersionId {
                    device: DeviceId(r.get(0)),
                    seq: u64::try_from(r.get::<_, i64>(1)).unwrap_or(0),
                },
                (RowKey::new(r.get::<_, String>(2), r.get(3)), r.get(4)),
            );
        }
    }
    Ok(loaded)
}

/// Writes a plan in the caller's transaction.
async fn write(
    tx: &impl GenericClient,
    user: Uuid,
    plan: &Plan,
    now_ms: i64,
) -> Result<(), BackendError> {
    if !plan.accepted.is_empty() {
        let n = plan.accepted.len();
        let mut county = Vec::with_capacity(n);
        let mut dev = Vec::with_capacity(n);
        let mut dseq = Vec::with_capacity(n);
        let mut table = Vec::with_capacity(n);
        let mut id = Vec::with_capacity(n);
        let mut field = Vec::with_capacity(n);
        let mut village = Vec::with_capacity(n);
        let mut body = Vec::with_capacity(n);
        for (c, v) in &plan.accepted {
            county.push(county_of(v));
            dev.push(c.id.device.0);
            dseq.push(to_i64(c.id.seq));
            table.push(c.row.table.as_str());
            id.push(c.row.id);
            field.push(c.field.as_str());
            village.push(v.as_str());
            body.push(json(c)?);
        }
        tx.execute(
            "INSERT INTO changes(county, device, dseq, row_table, row_id, field, village, user_id, received_ms, body) \
             SELECT c, d, s, t, i, f, v, $9, $10, b FROM UNNEST($1::text[], $2::uuid[], $3::bigint[], $4::text[], $5::uuid[], $6::text[], $7::text[], $8::text[]) AS x(c, d, s, t, i, f, v, b)",
            &[&county, &dev, &dseq, &table, &id, &field, &village, &body, &user, &now_ms],
        )
        .await
        .map_err(pg)?;
    }
    if !plan.refused.is_empty() {
        let (mut county, mut dev, mut dseq, mut code, mut reason, mut body) =
            (vec![], vec![], vec![], vec![], vec![], vec![]);
        for (c, r, k) in &plan.refused {
            county.push(k.as_str());
            dev.push(c.id.device.0);
            dseq.push(to_i64(c.id.seq));
            code.push(r.code.as_str());
            reason.push(r.reason.as_str());
            body.push(json(c)?);
        }
        tx.execute(
            "INSERT INTO quarantine(county, device, dseq, user_id, received_ms, code, reason, body) \
             SELECT k, d, s, $7, $8, c, r, b FROM UNNEST($1::text[], $2::uuid[], $3::bigint[], $4::text[], $5::text[], $6::text[]) AS x(k, d, s, c, r, b) \
             ON CONFLICT (county, device, dseq) DO UPDATE SET code = EXCLUDED.code, reason = EXCLUDED.reason, received_ms = EXCLUDED.received_ms",
            &[&county, &dev, &dseq, &code, &reason, &body, &user, &now_ms],
        )
        .await
        .map_err(pg)?;
    }
    write_rows(tx, &plan.rows).await
}

async fn advance_ack(tx: &impl GenericClient, device: Uuid) -> Result<u64, BackendError> {
    let before = acked(tx, device).await?;
    // The sequences stored after `before`, in order, in one query.
    let rows = tx
        .query(
            "SELECT dseq FROM changes WHERE device = $1 AND dseq > $2 \
             UNION SELECT dseq FROM quarantine WHERE device = $1 AND dseq > $2 ORDER BY 1 LIMIT 100000",
            &[&device, &to_i64(before)],
        )
        .await
        .map_err(pg)?;
    let stored: std::collections::HashSet<u64> = rows
        .iter()
        .map(|r| u64::try_from(r.get::<_, i64>(0)).unwrap_or(0))
        .collect();
    let through = acknowledged_through(before, |s| stored.contains(&s));
    tx.execute(
        "INSERT INTO device_acks(device, through) VALUES ($1, $2) ON CONFLICT (device) DO UPDATE SET through = EXCLUDED.through",
        &[&device, &to_i64(through)],
    )
    .await
    .map_err(pg)?;
    Ok(through)
}

async fn reused(tx: &impl GenericClient, e: PlanError) -> BackendError {
    let PlanError::VersionReused { id, .. } = e;
    let stored: u64 = tx
        .query_one(
            "SELECT GREATEST((SELECT MAX(dseq) FROM changes WHERE device = $1), (SELECT MAX(dseq) FROM quarantine WHERE device = $1))",
            &[&id.device.0],
        )
        .await
        .ok()
        .and_then(|r| r.get::<_, Option<i64>>(0))
        .map_or(0, |n| u64::try_from(n).unwrap_or(0));
    BackendError::VersionReused {
        message: PlanError::VersionReused {
            id,
            stored_through: stored,
        }
        .to_string(),
        stored_through: stored,
    }
}

async fn begin_push(tx: &Transaction<'_>, timeout_ms: u64) -> Result<(), BackendError> {
    tx.batch_execute(&format!("SET LOCAL statement_timeout = {timeout_ms}"))
        .await
        .map_err(pg)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&PUSH_LOCK])
        .await
        .map_err(pg)?;
    Ok(())
}

/// Stores a batch of the actor's device's changes.
pub(crate) async fn push(
    tx: &Transaction<'_>,
    timeout_ms: u64,
    actor: &Actor,
    protocol: u16,
    changes: &[Change],
    now_ms: i64,
) -> Result<PushResponse, BackendError> {
    begin_push(tx, timeout_ms).await?;
    let device = DeviceId(actor.device.id);
    let pusher = Pusher {
        role: actor.user.role,
        policy: &actor.policy,
        scope: &actor.user.scope,
        user: UserId(actor.user.id),
        device,
        now_ms,
    };
    let loaded = load(tx, changes, device, true).await?;
    let plan = match plan_push(&pusher, changes, loaded) {
        Ok(p) => p,
        Err(e) => return Err(reused(tx, e).await),
    };
    write(tx, actor.user.id, &plan, now_ms).await?;
    let acknowledged_through = advance_ack(tx, actor.device.id).await?;
    let epoch = epoch(tx).await?;
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
pub(crate) async fn resolve(
    tx: &Transaction<'_>,
    timeout_ms: u64,
    actor: &Actor,
    row: &RowKey,
    field: &str,
    resolution: Resolution,
    now_ms: i64,
) -> Result<Change, BackendError> {
    begin_push(tx, timeout_ms).await?;
    let state = load_rows(tx, std::slice::from_ref(row))
        .await?
        .remove(row)
        .filter(|s| actor.user.scope.contains(&s.record.village))
        .ok_or_else(|| BackendError::NotFound(format!("row {row}")))?;
    let device: Uuid = meta(tx, "service_device")
        .await?
        .and_then(|d| d.parse().ok())
        .ok_or_else(|| BackendError::Database("the service has no device".into()))?;
    let seq: u64 = meta(tx, "service_seq")
        .await?
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
        + 1;
    set_meta(tx, "service_seq", &seq.to_string()).await?;
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
    let loaded = load(tx, &batch, device, true).await?;
    let plan = match plan_push(&pusher, &batch, loaded) {
        Ok(p) => p,
        Err(e) => return Err(reused(tx, e).await),
    };
    if let Some((_, r, _)) = plan.refused.first() {
        return Err(BackendError::InvalidResolution(r.reason.clone()));
    }
    write(tx, actor.user.id, &plan, now_ms).await?;
    Ok(change)
}

/// Writes the office's changes as the service's own device, judged like a push; all or nothing.
pub(crate) async fn office_write(
    tx: &Transaction<'_>,
    timeout_ms: u64,
    user: &fangpin_server::model::User,
    policy: &fangpin_server::model::PolicyBook,
    writes: &[OfficeWrite],
    now_ms: i64,
) -> Result<OfficeReport, BackendError> {
    begin_push(tx, timeout_ms).await?;
    let device = DeviceId(
        meta(tx, "service_device")
            .await?
            .and_then(|d| d.parse().ok())
            .ok_or_else(|| BackendError::Database("the service has no device".into()))?,
    );
    let first: u64 = meta(tx, "service_seq")
        .await?
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
        + 1;
    let keys: Vec<RowKey> = writes.iter().map(|w| w.row.clone()).collect();
    let rows = load_rows(tx, &keys).await?;
    let changes = office_changes(UserId(user.id), device, first, writes, &rows, now_ms)?;
    let pusher = Pusher {
        role: user.role,
        policy,
        scope: &user.scope,
        user: UserId(user.id),
        device,
        now_ms,
    };
    let loaded = load(tx, &changes, device, true).await?;
    let plan = match plan_push(&pusher, &changes, loaded) {
        Ok(p) => p,
        Err(e) => return Err(reused(tx, e).await),
    };
    if !plan.refused.is_empty() {
        return Err(BackendError::Refused(refusal_text(&plan)));
    }
    write(tx, user.id, &plan, now_ms).await?;
    set_meta(
        tx,
        "service_seq",
        &(first + changes.len() as u64 - 1).to_string(),
    )
    .await?;
    Ok(OfficeReport {
        changes: changes.len() as u32,
    })
}

/// Judges one device's quarantined changes again, in their order.
pub(crate) async fn release(
    tx: &Transaction<'_>,
    timeout_ms: u64,
    device: Uuid,
    policy: &fangpin_server::model::PolicyBook,
    now_ms: i64,
) -> Result<ReleaseReport, BackendError> {
    begin_push(tx, timeout_ms).await?;
    let r = tx
        .query_opt(
            "SELECT u.id, u.role, u.scope FROM devices d JOIN users u ON u.id = d.user_id WHERE d.id = $1",
            &[&device],
        )
        .await
        .map_err(pg)?
        .ok_or_else(|| BackendError::NotFound(format!("device {device}")))?;
    let user_id: Uuid = r.get(0);
    let role = Role::parse(r.get(1)).unwrap_or(Role::VillageCadre);
    let scope: Scope = parse(r.get(2))?;
    let mut changes: Vec<Change> = Vec::new();
    for r in tx
        .query(
            "SELECT body FROM quarantine WHERE device = $1 ORDER BY dseq",
            &[&device],
        )
        .await
        .map_err(pg)?
    {
        changes.push(parse(r.get(0))?);
    }
    let pusher = Pusher {
        role,
        policy,
        scope: &scope,
        user: UserId(user_id),
        device: DeviceId(device),
        now_ms,
    };
    let loaded = load(tx, &changes, DeviceId(device), false).await?;
    let plan = match plan_push(&pusher, &changes, loaded) {
        Ok(p) => p,
        Err(e) => return Err(reused(tx, e).await),
    };
    let accepted: Vec<i64> = plan
        .accepted
        .iter()
        .map(|(c, _)| to_i64(c.id.seq))
        .collect();
    tx.execute(
        "DELETE FROM quarantine WHERE device = $1 AND dseq = ANY($2)",
        &[&device, &accepted],
    )
    .await
    .map_err(pg)?;
    write(tx, user_id, &plan, now_ms).await?;
    Ok(ReleaseReport {
        judged: changes.len() as u64,
        accepted: plan.accepted.len() as u64,
        still_refused: plan.refused.len() as u64,
    })
}

/// The scope a version 1 device pulled with last.
pub(crate) async fn recorded_scope(
    c: &impl GenericClient,
    device: Uuid,
) -> Result<Option<Scope>, BackendError> {
    let s: Option<String> = c
        .query_opt("SELECT seen_scope FROM devices WHERE id = $1", &[&device])
        .await
        .map_err(pg)?
        .and_then(|r| r.get(0));
    s.map(|s| parse(&s)).transpose()
}
