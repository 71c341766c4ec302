//! Pulls: one read transaction (one snapshot) on a read-only connection; the shared rules in
//! `fangpin_server::pull` decide where the feed starts and where a batch is cut, and an index
//! seek per village in scope reads the changes after the cursor.

use fangpin_catalogue as catalogue;
use fangpin_server::model::{Actor, Scope};
use fangpin_server::pull::{cut, removed, start};
use fangpin_server::BackendError;
use fangpin_sync::wire::{PullRequest, PullResponse, Sequenced, PROTOCOL_VERSION};
use fangpin_sync::RowKey;
use rusqlite::types::Value as Sql;
use rusqlite::{params, Connection, OptionalExtension};
use uuid::Uuid;

use crate::readmodel::scope_sql;
use crate::{db, parse, to_i64};

/// The scope the service recorded at a version 1 device's last pull.
pub(crate) fn recorded_scope(c: &Connection, device: Uuid) -> Result<Option<Scope>, BackendError> {
    let s: Option<String> = c
        .prepare_cached("SELECT seen_scope FROM devices WHERE id = ?1")
        .map_err(db)?
        .query_row([device], |r| r.get(0))
        .optional()
        .map_err(db)?
        .flatten();
    s.map(|s| parse(&s)).transpose()
}

/// Records the scope a version 1 device pulled with.
pub(crate) fn record_scope(
    c: &Connection,
    device: Uuid,
    scope: &Scope,
) -> Result<(), BackendError> {
    c.execute(
        "UPDATE devices SET seen_scope = ?2 WHERE id = ?1",
        params![device, crate::json(scope)?],
    )
    .map_err(db)?;
    Ok(())
}

/// What is new in the actor's scope; the bool says a version 1 device's scope must be recorded.
pub(crate) fn pull(
    c: &mut Connection,
    actor: &Actor,
    req: &PullRequest,
    max_bytes: usize,
) -> Result<(PullResponse, bool), BackendError> {
    let tx = c.transaction().map_err(db)?;
    let now = &actor.user.scope;
    let epoch = crate::push::epoch(&tx)?;
    let v2 = req.protocol >= 2;
    let recorded = recorded_scope(&tx, actor.device.id)?;
    let held = match &req.scope {
        Some(areas) if v2 => Some(Scope::new(areas.iter().cloned())),
        _ => recorded.clone(),
    };
    let s = start(req, held.as_ref(), now, &epoch);
    let mut removed_rows = Vec::new();
    if let Some(old) = &s.shrunk_from {
        let (sql, args) = scope_sql(old, "village");
        for t in catalogue::tables() {
            let mut stmt = tx
                .prepare(&format!(
                    "SELECT id, village FROM rm_{} WHERE {sql}",
                    t.name
                ))
                .map_err(db)?;
            let rows = stmt
                .query_map(rusqlite::params_from_iter(args.iter()), |r| {
                    Ok((r.get::<_, Uuid>(0)?, r.get::<_, String>(1)?))
                })
                .map_err(db)?;
            for r in rows {
                let (id, village) = r.map_err(db)?;
                if removed(old, now, &village) {
                    removed_rows.push(RowKey::new(t.name, id));
                }
            }
        }
    }
    // The villages in scope, then an index seek per village from the cursor: the cost follows
    // the new changes, not the size of the store.
    let villages: Vec<String> = {
        let (sql, args) = scope_sql(now, "village");
        let mut stmt = tx
            .prepare_cached(&format!("SELECT village FROM villages WHERE {sql}"))
            .map_err(db)?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(args.iter()), |r| r.get(0))
            .map_err(db)?;
        rows.collect::<Result<_, _>>().map_err(db)?
    };
    let limit = req.limit.clamp(1, fangpin_sync::wire::MAX_BATCH as u32) as usize;
    let mut fetched: Vec<(u64, String)> = Vec::new();
    if !villages.is_empty() {
        let marks = vec!["?"; villages.len()].join(", ");
        let mut all: Vec<Sql> = villages.iter().cloned().map(Sql::from).collect();
        all.push(to_i64(s.from).into());
        all.push(to_i64(limit as u64 + 1).into());
        let mut stmt = tx
            .prepare_cached(&format!(
                "SELECT seq, body FROM changes WHERE village IN ({marks}) AND seq > ? ORDER BY seq LIMIT ?"
            ))
            .map_err(db)?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(all.iter()), |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(db)?;
        for r in rows {
            let (seq, body) = r.map_err(db)?;
            fetched.push((u64::try_from(seq).unwrap_or(0), body));
        }
    }
    let n = cut(fetched.iter().map(|(_, b)| b.len()), limit, max_bytes);
    let more = fetched.len() > n;
    fetched.truncate(n);
    let next_cursor = fetched.last().map_or(s.from, |(seq, _)| *seq);
    let remaining = if more {
        let marks = vec!["?"; villages.len()].join(", ");
        let mut all: Vec<Sql> = villages.iter().cloned().map(Sql::from).collect();
        all.push(to_i64(next_cursor).into());
        tx.query_row(
            &format!("SELECT COUNT(*) FROM changes WHERE village IN ({marks}) AND seq > ?"),
            rusqlite::params_from_iter(all.iter()),
            |r| r.get::<_, i64>(0),
        )
        .map_err(db)? as u64
    } else {
        0
    };
    let mut changes = Vec::with_capacity(fetched.len());
    for (seq, body) in fetched {
        changes.push(Sequenced {
            seq,
            change: parse(&body)?,
        });
    }
    tx.commit().map_err(db)?;
    let mut resp = PullResponse::new(changes, removed_rows, next_cursor, more);
    resp.protocol = req.protocol.min(PROTOCOL_VERSION);
    resp.reset = s.reset;
    resp.remaining = remaining;
    if v2 {
        resp.epoch = Some(epoch);
        resp.scope = Some(now.areas.clone());
    }
    let record = !v2 && recorded.as_ref() != Some(now);
    Ok((resp, record))
}
