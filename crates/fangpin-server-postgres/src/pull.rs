//! Pulls: one repeatable-read, read-only transaction, so every query of a pull sees the same
//! snapshot and a push committing meanwhile cannot move the cursor past what the pull missed;
//! the shared rules in `fangpin_server::pull` decide where the feed starts and where a batch is
//! cut, and an index seek per village in scope reads the changes after the cursor.

use deadpool_postgres::GenericClient;
use fangpin_catalogue as catalogue;
use fangpin_server::model::{Actor, Scope};
use fangpin_server::pull::{cut, removed, start};
use fangpin_server::BackendError;
use fangpin_sync::wire::{PullRequest, PullResponse, Sequenced, PROTOCOL_VERSION};
use fangpin_sync::RowKey;
use uuid::Uuid;

use crate::readmodel::{params, scope_sql};
use crate::{parse, pg, to_i64, PullHook};

/// What is new in the actor's scope; the bool says a version 1 device's scope must be recorded.
pub(crate) async fn pull(
    tx: &impl GenericClient,
    actor: &Actor,
    req: &PullRequest,
    max_bytes: usize,
    hook: Option<&PullHook>,
) -> Result<(PullResponse, bool), BackendError> {
    let now = &actor.user.scope;
    let epoch = crate::push::epoch(tx).await?;
    let v2 = req.protocol >= 2;
    let recorded = crate::push::recorded_scope(tx, actor.device.id).await?;
    let held = match &req.scope {
        Some(areas) if v2 => Some(Scope::new(areas.iter().cloned())),
        _ => recorded.clone(),
    };
    let s = start(req, held.as_ref(), now, &epoch);
    let mut removed_rows = Vec::new();
    if let Some(old) = &s.shrunk_from {
        let (sql, args) = scope_sql(old, "village", 1);
        for t in catalogue::tables() {
            for r in tx
                .query(
                    &format!("SELECT id, village FROM rm_{} WHERE {sql}", t.name),
                    &params(&[], &args),
                )
                .await
                .map_err(pg)?
            {
                let village: String = r.get(1);
                if removed(old, now, &village) {
                    removed_rows.push(RowKey::new(t.name, r.get::<_, Uuid>(0)));
                }
            }
        }
    }
    // The villages in scope, then an index seek per village from the cursor: the cost follows
    // the new changes, not the size of the store.
    let (sql, args) = scope_sql(now, "village", 1);
    let villages: Vec<String> = tx
        .query(
            &format!("SELECT village FROM villages WHERE {sql}"),
            &params(&[], &args),
        )
        .await
        .map_err(pg)?
        .iter()
        .map(|r| r.get(0))
        .collect();
    if let Some(hook) = hook {
        hook().await?;
    }
    let limit = req.limit.clamp(1, fangpin_sync::wire::MAX_BATCH as u32) as usize;
    let from = to_i64(s.from);
    let lim = to_i64(limit as u64 + 1);
    let rows = tx
        .query(
            "SELECT seq, body FROM changes WHERE village = ANY($1) AND seq > $2 ORDER BY seq LIMIT $3",
            &[&villages, &from, &lim],
        )
        .await
        .map_err(pg)?;
    let fetched: Vec<(u64, String)> = rows
        .iter()
        .map(|r| (u64::try_from(r.get::<_, i64>(0)).unwrap_or(0), r.get(1)))
        .collect();
    let n = cut(fetched.iter().map(|(_, b)| b.len()), limit, max_bytes);
    let more = fetched.len() > n;
    let next_cursor = fetched[..n].last().map_or(s.from, |(seq, _)| *seq);
    let remaining = if more {
        let after = to_i64(next_cursor);
        let n: i64 = tx
            .query_one(
                "SELECT COUNT(*) FROM changes WHERE village = ANY($1) AND seq > $2",
                &[&villages, &after],
            )
            .await
            .map_err(pg)?
            .get(0);
        u64::try_from(n).unwrap_or(0)
    } else {
        0
    };
    let mut changes = Vec::with_capacity(n);
    for (seq, body) in fetched.into_iter().take(n) {
        changes.push(Sequenced {
            seq,
            change: parse(&body)?,
        });
    }
    let mut resp = PullResponse::new(changes, removed_rows, next_cursor, more);
    resp.protocol = req.protocol.min(PROTOCOL_VERSION);
    resp.reset = s.reset;
    resp.remaining = remaining;
    if v2 {
        resp.epoch = Some(epoch);
        resp.scope = Some(now.areas.clone());
    }
    Ok((resp, !v2 && recorded.as_ref() != Some(now)))
}
