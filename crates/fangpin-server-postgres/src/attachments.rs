//! Attachments: each device's uploads in chunks, the service's copy (kept in the county of the
//! rows that name it) once the bytes hash to the name, and reads allowed where a row in the
//! reader's scope names the attachment. The rules are `fangpin_server::attachment`'s.

use deadpool_postgres::{GenericClient, Transaction};
use fangpin_server::attachment::{check_chunk, sha256_hex, ChunkStep, Holding, Quota, Upload};
use fangpin_server::backend::{AttachmentStatus, Chunk};
use fangpin_server::model::{Actor, Scope};
use fangpin_server::BackendError;

use crate::{pg, to_i64};

/// The counties of the rows in the scope that name the attachment.
async fn counties_naming(
    c: &impl GenericClient,
    scope: &Scope,
    sha256: &str,
) -> Result<Vec<String>, BackendError> {
    let mut out: Vec<String> = c
        .query(
            "SELECT county, village FROM attachment_refs WHERE sha256 = $1",
            &[&sha256],
        )
        .await
        .map_err(pg)?
        .iter()
        .filter(|r| scope.contains(r.get::<_, &str>(1)))
        .map(|r| r.get(0))
        .collect();
    out.sort();
    out.dedup();
    Ok(out)
}

/// The size of the service's copy in one of those counties.
async fn complete_size(
    c: &impl GenericClient,
    counties: &[String],
    sha256: &str,
) -> Result<Option<(String, u64)>, BackendError> {
    Ok(c.query_opt(
        "SELECT county, size FROM attachments WHERE county = ANY($1) AND sha256 = $2 LIMIT 1",
        &[&counties, &sha256],
    )
    .await
    .map_err(pg)?
    .map(|r| (r.get(0), u64::try_from(r.get::<_, i64>(1)).unwrap_or(0))))
}

async fn upload(
    c: &impl GenericClient,
    device: uuid::Uuid,
    sha256: &str,
) -> Result<Option<Upload>, BackendError> {
    Ok(c.query_opt(
        "SELECT size, received FROM uploads WHERE device = $1 AND sha256 = $2 FOR UPDATE",
        &[&device, &sha256],
    )
    .await
    .map_err(pg)?
    .map(|r| Upload {
        size: u64::try_from(r.get::<_, i64>(0)).unwrap_or(0),
        received: u64::try_from(r.get::<_, i64>(1)).unwrap_or(0),
    }))
}

/// Adds a chunk of the actor's device's upload.
pub(crate) async fn put(
    tx: &Transaction<'_>,
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
    let device = actor.device.id;
    let counties = counties_naming(tx, &actor.user.scope, sha256).await?;
    let done = complete_size(tx, &counties, sha256).await?;
    let count = |r: tokio_postgres::Row| u64::try_from(r.get::<_, i64>(0)).unwrap_or(0);
    let device_unfinished = count(
        tx.query_one(
            "SELECT COALESCE(SUM(size), 0)::BIGINT FROM uploads WHERE device = $1 AND sha256 <> $2",
            &[&device, &sha256],
        )
        .await
        .map_err(pg)?,
    );
    let user_stored = count(
        tx.query_one(
            "SELECT COALESCE(SUM(size), 0)::BIGINT FROM attachments WHERE user_id = $1",
            &[&actor.user.id],
        )
        .await
        .map_err(pg)?,
    );
    let holding = Holding {
        upload: upload(tx, device, sha256).await?,
        complete: done.is_some(),
        named_in_scope: !counties.is_empty(),
        device_unfinished,
        user_stored,
    };
    let step = check_chunk(&holding, size, offset, bytes.len() as u64, quota).map_err(|e| {
        BackendError::Attachment {
            code: e.code(),
            message: e.to_string(),
        }
    })?;
    let fresh = match step {
        ChunkStep::AlreadyComplete => {
            let size = done.map_or(size, |(_, s)| s);
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
            "DELETE FROM upload_chunks WHERE device = $1 AND sha256 = $2",
            &[&device, &sha256],
        )
        .await
        .map_err(pg)?;
        tx.execute(
            "INSERT INTO uploads(device, sha256, user_id, size, received, updated_ms) VALUES ($1, $2, $3, $4, 0, $5) \
             ON CONFLICT (device, sha256) DO UPDATE SET size = EXCLUDED.size, received = 0, updated_ms = EXCLUDED.updated_ms",
            &[&device, &sha256, &actor.user.id, &to_i64(size), &now_ms],
        )
        .await
        .map_err(pg)?;
    }
    tx.execute(
        "INSERT INTO upload_chunks(device, sha256, \"offset\", data) VALUES ($1, $2, $3, $4)",
        &[&device, &sha256, &to_i64(offset), &bytes],
    )
    .await
    .map_err(pg)?;
    let received = offset + bytes.len() as u64;
    tx.execute(
        "UPDATE uploads SET received = $3, updated_ms = $4 WHERE device = $1 AND sha256 = $2",
        &[&device, &sha256, &to_i64(received), &now_ms],
    )
    .await
    .map_err(pg)?;
    if received < size {
        return Ok(AttachmentStatus {
            sha256: sha256.to_owned(),
            received,
            size,
            complete: false,
        });
    }
    let mut data = Vec::with_capacity(size as usize);
    for r in tx
        .query(
            "SELECT data FROM upload_chunks WHERE device = $1 AND sha256 = $2 ORDER BY \"offset\"",
            &[&device, &sha256],
        )
        .await
        .map_err(pg)?
    {
        data.extend(r.get::<_, Vec<u8>>(0));
    }
    let hash = sha256_hex(&data);
    if hash == sha256 {
        for county in &counties {
            tx.execute(
                "INSERT INTO attachments(county, sha256, size, user_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                &[county, &sha256, &to_i64(size), &actor.user.id],
            )
            .await
            .map_err(pg)?;
            tx.execute(
                "INSERT INTO attachment_chunks(county, sha256, \"offset\", data) \
                 SELECT $3, sha256, \"offset\", data FROM upload_chunks WHERE device = $1 AND sha256 = $2 ON CONFLICT DO NOTHING",
                &[&device, &sha256, county],
            )
            .await
            .map_err(pg)?;
        }
    }
    tx.execute(
        "DELETE FROM upload_chunks WHERE device = $1 AND sha256 = $2",
        &[&device, &sha256],
    )
    .await
    .map_err(pg)?;
    tx.execute(
        "DELETE FROM uploads WHERE device = $1 AND sha256 = $2",
        &[&device, &sha256],
    )
    .await
    .map_err(pg)?;
    if hash != sha256 {
        return Err(BackendError::Attachment {
            code: "attachment_hash",
            message: format!("the bytes hash to {hash}, not {sha256}: upload again"),
        });
    }
    Ok(AttachmentStatus {
        sha256: sha256.to_owned(),
        received,
        size,
        complete: true,
    })
}

/// The actor's device's upload, or the whole attachment when it may see it.
pub(crate) async fn status(
    c: &impl GenericClient,
    actor: &Actor,
    sha256: &str,
) -> Result<Option<AttachmentStatus>, BackendError> {
    let counties = counties_naming(c, &actor.user.scope, sha256).await?;
    if let Some((_, size)) = complete_size(c, &counties, sha256).await? {
        return Ok(Some(AttachmentStatus {
            sha256: sha256.to_owned(),
            received: size,
            size,
            complete: true,
        }));
    }
    let u = c
        .query_opt(
            "SELECT size, received FROM uploads WHERE device = $1 AND sha256 = $2",
            &[&actor.device.id, &sha256],
        )
        .await
        .map_err(pg)?;
    Ok(u.map(|r| AttachmentStatus {
        sha256: sha256.to_owned(),
        received: u64::try_from(r.get::<_, i64>(1)).unwrap_or(0),
        size: u64::try_from(r.get::<_, i64>(0)).unwrap_or(0),
        complete: false,
    }))
}

/// A complete attachment's bytes, when a row in the scope names it.
pub(crate) async fn get(
    c: &impl GenericClient,
    scope: &Scope,
    sha256: &str,
) -> Result<Option<Vec<u8>>, BackendError> {
    let counties = counties_naming(c, scope, sha256).await?;
    let Some((county, _)) = complete_size(c, &counties, sha256).await? else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for r in c
        .query(
            "SELECT data FROM attachment_chunks WHERE county = $1 AND sha256 = $2 ORDER BY \"offset\"",
            &[&county, &sha256],
        )
        .await
        .map_err(pg)?
    {
        out.extend(r.get::<_, Vec<u8>>(0));
    }
    Ok(Some(out))
}

/// Drops unfinished uploads with no chunk since `before_ms`.
pub(crate) async fn expire(tx: &Transaction<'_>, before_ms: i64) -> Result<u64, BackendError> {
    tx.execute(
        "DELETE FROM upload_chunks c USING uploads u WHERE u.device = c.device AND u.sha256 = c.sha256 AND u.updated_ms < $1",
        &[&before_ms],
    )
    .await
    .map_err(pg)?;
    let n = tx
        .execute("DELETE FROM uploads WHERE updated_ms < $1", &[&before_ms])
        .await
        .map_err(pg)?;
    Ok(n)
}
