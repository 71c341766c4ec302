//! Attachments: each device's uploads in chunks, the service's copy once the bytes hash to the
//! name, and reads allowed where a row in the reader's scope names the attachment. The rules
//! are `fangpin_server::attachment`'s.

use fangpin_server::attachment::{check_chunk, sha256_hex, ChunkStep, Holding, Quota, Upload};
use fangpin_server::backend::{AttachmentStatus, Chunk};
use fangpin_server::model::{Actor, Scope};
use fangpin_server::BackendError;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use uuid::Uuid;

use crate::{db, to_i64};

fn named_in(c: &Connection, scope: &Scope, sha256: &str) -> Result<bool, BackendError> {
    let mut stmt = c
        .prepare_cached("SELECT village FROM attachment_refs WHERE sha256 = ?1")
        .map_err(db)?;
    let villages = stmt
        .query_map([sha256], |r| r.get::<_, String>(0))
        .map_err(db)?;
    for v in villages {
        if scope.contains(&v.map_err(db)?) {
            return Ok(true);
        }
    }
    Ok(false)
}

fn complete_size(c: &Connection, sha256: &str) -> Result<Option<u64>, BackendError> {
    Ok(
        c.prepare_cached("SELECT size FROM attachments WHERE sha256 = ?1 AND complete = 1")
            .map_err(db)?
            .query_row([sha256], |r| r.get::<_, i64>(0))
            .optional()
            .map_err(db)?
            .map(|n| u64::try_from(n).unwrap_or(0)),
    )
}

fn upload(c: &Connection, device: Uuid, sha256: &str) -> Result<Option<Upload>, BackendError> {
    c.prepare_cached("SELECT size, received FROM uploads WHERE device = ?1 AND sha256 = ?2")
        .map_err(db)?
        .query_row(params![device, sha256], |r| {
            Ok(Upload {
                size: u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
                received: u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
            })
        })
        .optional()
        .map_err(db)
}

fn sum(c: &Connection, sql: &str, p: impl rusqlite::Params) -> Result<u64, BackendError> {
    let n: i64 = c.query_row(sql, p, |r| r.get(0)).map_err(db)?;
    Ok(u64::try_from(n).unwrap_or(0))
}

fn assemble(
    c: &Connection,
    table: &str,
    key: &str,
    p: impl rusqlite::Params,
) -> Result<Vec<u8>, BackendError> {
    let mut stmt = c
        .prepare_cached(&format!(
            "SELECT data FROM {table} WHERE {key} ORDER BY offset"
        ))
        .map_err(db)?;
    let chunks = stmt.query_map(p, |r| r.get::<_, Vec<u8>>(0)).map_err(db)?;
    let mut out = Vec::new();
    for c in chunks {
        out.extend(c.map_err(db)?);
    }
    Ok(out)
}

/// Adds a chunk of the actor's device's upload.
pub(crate) fn put(
    c: &mut Connection,
    actor: &Actor,
    chunk: &Chunk,
    quota: &Quota,
    now_ms: i64,
) -> Result<AttachmentStatus, BackendError> {
    let (sha256, size, offset, bytes) = (
        chunk.sha256.as_str(),
        chunk.size,
        chunk.offset,
        chunk.bytes.as_slice(),
    );
    let tx = c
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db)?;
    let device = actor.device.id;
    let done = complete_size(&tx, sha256)?;
    let holding = Holding {
        upload: upload(&tx, device, sha256)?,
        complete: done.is_some(),
        named_in_scope: named_in(&tx, &actor.user.scope, sha256)?,
        device_unfinished: sum(
            &tx,
            "SELECT COALESCE(SUM(size), 0) FROM uploads WHERE device = ?1 AND sha256 <> ?2",
            params![device, sha256],
        )?,
        user_stored: sum(
            &tx,
            "SELECT COALESCE(SUM(size), 0) FROM attachments WHERE user_id = ?1",
            params![actor.user.id],
        )?,
    };
    let step = check_chunk(&holding, size, offset, bytes.len() as u64, quota).map_err(|e| {
        BackendError::Attachment {
            code: e.code(),
            message: e.to_string(),
        }
    })?;
    let fresh = match step {
        ChunkStep::AlreadyComplete => {
            let size = done.unwrap_or(size);
            return Ok(AttachmentStatus {
                sha256: sha256.to_owned(),
                received: size,
                size,
                complete: true,
            });
        }
        ChunkStep::Store { fresh } => fresh,
    };
    if fresh {
        tx.execute(
            "DELETE FROM upload_chunks WHERE device = ?1 AND sha256 = ?2",
            params![device, sha256],
        )
        .map_err(db)?;
        tx.execute(
            "INSERT OR REPLACE INTO uploads(device, sha256, user_id, size, received, updated_ms) VALUES (?1, ?2, ?3, ?4, 0, ?5)",
            params![device, sha256, actor.user.id, to_i64(size), now_ms],
        )
        .map_err(db)?;
    }
    tx.execute(
        "INSERT INTO upload_chunks(device, sha256, offset, data) VALUES (?1, ?2, ?3, ?4)",
        params![device, sha256, to_i64(offset), bytes],
    )
    .map_err(db)?;
    let received = offset + bytes.len() as u64;
    tx.execute(
        "UPDATE uploads SET received = ?3, updated_ms = ?4 WHERE device = ?1 AND sha256 = ?2",
        params![device, sha256, to_i64(received), now_ms],
    )
    .map_err(db)?;
    let mut complete = false;
    if received == size {
        let data = assemble(
            &tx,
            "upload_chunks",
            "device = ?1 AND sha256 = ?2",
            params![device, sha256],
        )?;
        let hash = sha256_hex(&data);
        let clear = |tx: &Connection| -> Result<(), BackendError> {
            tx.execute(
                "DELETE FROM upload_chunks WHERE device = ?1 AND sha256 = ?2",
                params![device, sha256],
            )
            .map_err(db)?;
            tx.execute(
                "DELETE FROM uploads WHERE device = ?1 AND sha256 = ?2",
                params![device, sha256],
            )
            .map_err(db)?;
            Ok(())
        };
        if hash != sha256 {
            clear(&tx)?;
            tx.commit().map_err(db)?;
            return Err(BackendError::Attachment {
                code: "attachment_hash",
                message: format!("the bytes hash to {hash}, not {sha256}: upload again"),
            });
        }
        tx.execute(
            "INSERT OR REPLACE INTO attachments(sha256, size, received, complete, user_id) VALUES (?1, ?2, ?2, 1, ?3)",
            params![sha256, to_i64(size), actor.user.id],
        )
        .map_err(db)?;
        tx.execute(
            "INSERT INTO attachment_chunks(sha256, offset, data) SELECT sha256, offset, data FROM upload_chunks WHERE device = ?1 AND sha256 = ?2",
            params![device, sha256],
        )
        .map_err(db)?;
        clear(&tx)?;
        complete = true;
    }
    tx.commit().map_err(db)?;
    Ok(AttachmentStatus {
        sha256: sha256.to_owned(),
        received,
        size,
        complete,
    })
}

/// The actor's device's upload, or the whole attachment when it may see it.
pub(crate) fn status(
    c: &Connection,
    actor: &Actor,
    sha256: &str,
) -> Result<Option<AttachmentStatus>, BackendError> {
    if let Some(size) = complete_size(c, sha256)? {
        if named_in(c, &actor.user.scope, sha256)? {
            return Ok(Some(AttachmentStatus {
                sha256: sha256.to_owned(),
                received: size,
                size,
                complete: true,
            }));
        }
    }
    Ok(
        upload(c, actor.device.id, sha256)?.map(|u| AttachmentStatus {
            sha256: sha256.to_owned(),
            received: u.received,
            size: u.size,
            complete: false,
        }),
    )
}

/// A complete attachment's bytes, when a row in the scope names it.
pub(crate) fn get(
    c: &Connection,
    scope: &Scope,
    sha256: &str,
) -> Result<Option<Vec<u8>>, BackendError> {
    if complete_size(c, sha256)?.is_none() || !named_in(c, scope, sha256)? {
        return Ok(None);
    }
    assemble(c, "attachment_chunks", "sha256 = ?1", [sha256]).map(Some)
}

/// Drops unfinished uploads with no chunk since `before_ms`.
pub(crate) fn expire(c: &mut Connection, before_ms: i64) -> Result<u64, BackendError> {
    let tx = c.transaction().map_err(db)?;
    tx.execute(
        "DELETE FROM upload_chunks WHERE EXISTS (SELECT 1 FROM uploads u WHERE u.device = upload_chunks.device AND u.sha256 = upload_chunks.sha256 AND u.updated_ms < ?1)",
        [before_ms],
    )
    .map_err(db)?;
    let n = tx
        .execute("DELETE FROM uploads WHERE updated_ms < ?1", [before_ms])
        .map_err(db)?;
    tx.commit().map_err(db)?;
    Ok(n as u64)
}
