//! [`PostgresBackend`]: the [`Backend`] over a PostgreSQL database.

use std::collections::BTreeMap;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Transaction};
use fangpin_server::backend::{AttachmentStatus, AuditEntry, Resolution, VillageProgress};
use fangpin_server::judge::HOUSEHOLD;
use fangpin_server::model::{
    Actor, Device, DeviceKind, Role, Scope, StoredDevice, StoredUser, User,
};
use fangpin_server::plan::{
    acknowledged_through, plan_push, resolution_change, rows_to_load, Decision, Loaded, Plan,
    RowInfo,
};
use fangpin_server::{Backend, BackendError};
use fangpin_sync::wire::{PullResponse, PushResponse, Sequenced, PROTOCOL_VERSION};
use fangpin_sync::{Change, Conflict, Register, RowKey, Schema, Version, VersionId};
use sha2::{Digest, Sha256};
use tokio_postgres::types::ToSql;
use tokio_postgres::{NoTls, Row};
use uuid::Uuid;

type Fut<'a, T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, BackendError>> + Send + 'a>>;

/// The PostgreSQL backend: a connection pool.
#[derive(Clone)]
pub struct PostgresBackend {
    pool: Pool,
    schema: std::sync::Arc<Schema>,
}

fn db(e: impl std::fmt::Display) -> BackendError {
    BackendError::Database(e.to_string())
}

fn json<T: serde::Serialize>(v: &T) -> Result<String, BackendError> {
    serde_json::to_string(v).map_err(db)
}

fn parse<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, BackendError> {
    serde_json::from_str(s).map_err(db)
}

/// The advisory lock every push and resolution holds: sequence numbers commit in order.
const PUSH_LOCK: i64 = 0x0066_616e_6770_696e;

impl PostgresBackend {
    /// Connects (a pool of up to `size` connections) and migrates the schema.
    pub async fn connect(url: &str, size: usize) -> Result<Self, BackendError> {
        let config: tokio_postgres::Config = url.parse().map_err(db)?;
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(size.max(1))
            .build()
            .map_err(db)?;
        let b = Self {
            pool,
            schema: std::sync::Arc::new(Schema::fangpin()),
        };
        b.migrate().await?;
        Ok(b)
    }

    async fn migrate(&self) -> Result<(), BackendError> {
        let mut client = self.pool.get().await.map_err(db)?;
        let tx = client.transaction().await.map_err(db)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&PUSH_LOCK])
            .await
            .map_err(db)?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_version(version INT NOT NULL)")
            .await
            .map_err(db)?;
        let version: i32 = tx
            .query_opt("SELECT version FROM schema_version", &[])
            .await
            .map_err(db)?
            .map_or(0, |r| r.get(0));
        for (i, script) in crate::schema::MIGRATIONS
            .iter()
            .enumerate()
            .skip(version as usize)
        {
            tx.batch_execute(script).await.map_err(db)?;
            tx.execute("DELETE FROM schema_version", &[])
                .await
                .map_err(db)?;
            tx.execute(
                "INSERT INTO schema_version(version) VALUES ($1)",
                &[&(i as i32 + 1)],
            )
            .await
            .map_err(db)?;
        }
        tx.commit().await.map_err(db)
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, BackendError> {
        self.pool.get().await.map_err(db)
    }
}

const USER_COLS: &str = "id, username, display_name, role, scope, disabled, password_hash";
const DEVICE_COLS: &str =
    "id, user_id, name, kind, created_ms, expires_ms, revoked_ms, secret_hash";

fn user_from(r: &Row) -> (User, String) {
    let role: String = r.get(3);
    let scope: String = r.get(4);
    (
        User {
            id: r.get(0),
            username: r.get(1),
            display_name: r.get(2),
            role: Role::parse(&role).unwrap_or(Role::VillageCadre),
            scope: serde_json::from_str(&scope).unwrap_or_default(),
            disabled: r.get(5),
        },
        r.get(6),
    )
}

fn device_from(r: &Row) -> StoredDevice {
    let kind: String = r.get(3);
    StoredDevice {
        device: Device {
            id: r.get(0),
            user_id: r.get(1),
            name: r.get(2),
            kind: if kind == "console" {
                DeviceKind::Console
            } else {
                DeviceKind::Field
            },
            created_ms: r.get(4),
            expires_ms: r.get(5),
            revoked_ms: r.get(6),
        },
        secret_hash: r.get(7),
    }
}

/// "village in scope" as index-friendly ranges; parameters start at `$first`.
fn scope_sql(scope: &Scope, column: &str, first: usize) -> (String, Vec<String>) {
    let mut parts = Vec::new();
    let mut args = Vec::new();
    for p in scope.areas.iter().filter(|p| !p.is_empty()) {
        let n = first + args.len();
        parts.push(format!("({column} >= ${n} AND {column} < ${})", n + 1));
        args.push(p.clone());
        args.push(format!("{p}:"));
    }
    if parts.is_empty() {
        ("FALSE".into(), args)
    } else {
        (format!("({})", parts.join(" OR ")), args)
    }
}

fn params<'a>(
    head: &'a [&'a (dyn ToSql + Sync)],
    tail: &'a [String],
) -> Vec<&'a (dyn ToSql + Sync)> {
    let mut v: Vec<&(dyn ToSql + Sync)> = head.to_vec();
    v.extend(tail.iter().map(|s| s as &(dyn ToSql + Sync)));
    v
}

async fn load(
    tx: &Transaction<'_>,
    schema: &Schema,
    changes: &[Change],
) -> Result<Loaded, BackendError> {
    let mut loaded = Loaded::default();
    let devices: Vec<Uuid> = changes.iter().map(|c| c.id.device.0).collect();
    let seqs: Vec<i64> = changes.iter().map(|c| c.id.seq as i64).collect();
    let stored = tx
        .query(
            "SELECT device, dseq FROM changes WHERE (device, dseq) IN (SELECT * FROM UNNEST($1::uuid[], $2::bigint[]))
             UNION ALL SELECT device, dseq FROM quarantine WHERE (device, dseq) IN (SELECT * FROM UNNEST($1::uuid[], $2::bigint[]))",
            &[&devices, &seqs],
        )
        .await
        .map_err(db)?;
    for r in stored {
        let seq: i64 = r.get(1);
        loaded.stored.insert(VersionId {
            device: fangpin_sync::DeviceId(r.get(0)),
            seq: seq as u64,
        });
    }
    let rows = rows_to_load(changes);
    let tables: Vec<&str> = rows.iter().map(|r| r.table.as_str()).collect();
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    for r in tx
        .query(
            "SELECT row_table, row_id, village, conflicts, deleted FROM rows WHERE (row_table, row_id) IN (SELECT * FROM UNNEST($1::text[], $2::uuid[]))",
            &[&tables, &ids],
        )
        .await
        .map_err(db)?
    {
        let info = RowInfo { village: r.get(2), conflicts: r.get::<_, i64>(3) as u32, deleted: r.get(4) };
        loaded.rows.insert(RowKey::new(r.get::<_, String>(0), r.get(1)), info);
    }
    // Every register of the stored rows, rebuilt from their accepted changes.
    for r in tx
        .query(
            "SELECT body FROM changes WHERE row_id = ANY($2::uuid[]) AND row_table = ANY($1::text[])",
            &[&tables, &ids],
        )
        .await
        .map_err(db)?
    {
        let c: Change = parse(r.get(0))?;
        loaded
            .registers
            .entry(c.row.clone())
            .or_insert_with(BTreeMap::new)
            .entry(c.field.clone())
            .or_insert_with(|| Register::new(schema.rule(&c.row.table, &c.field)))
            .insert(Version::from_change(&c));
    }
    Ok(loaded)
}

async fn write(
    tx: &Transaction<'_>,
    actor: &Actor,
    plan: &Plan,
    now_ms: i64,
) -> Result<(), BackendError> {
    if !plan.accepted.is_empty() {
        let n = plan.accepted.len();
        let (mut dev, mut dseq, mut table, mut id, mut field, mut village, mut body) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        for (c, v) in &plan.accepted {
            dev.push(c.id.device.0);
            dseq.push(c.id.seq as i64);
            table.push(c.row.table.as_str());
            id.push(c.row.id);
            field.push(c.field.as_str());
            village.push(v.as_str());
            body.push(json(c)?);
        }
        tx.execute(
            "INSERT INTO changes(device, dseq, row_table, row_id, field, village, user_id, received_ms, body)
             SELECT d, s, t, i, f, v, $8, $9, b FROM UNNEST($1::uuid[], $2::bigint[], $3::text[], $4::uuid[], $5::text[], $6::text[], $7::text[]) AS x(d, s, t, i, f, v, b)",
            &[&dev, &dseq, &table, &id, &field, &village, &body, &actor.user.id, &now_ms],
        )
        .await
        .map_err(db)?;
    }
    for (c, refusal) in &plan.refused {
        tx.execute(
            "INSERT INTO quarantine(device, dseq, user_id, received_ms, code, reason, body) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[&c.id.device.0, &(c.id.seq as i64), &actor.user.id, &now_ms, &json(&refusal.code)?.trim_matches('"'), &refusal.reason, &json(c)?],
        )
        .await
        .map_err(db)?;
    }
    if !plan.new_rows.is_empty() {
        let tables: Vec<&str> = plan
            .new_rows
            .iter()
            .map(|(r, _)| r.table.as_str())
            .collect();
        let ids: Vec<Uuid> = plan.new_rows.iter().map(|(r, _)| r.id).collect();
        let villages: Vec<&str> = plan.new_rows.iter().map(|(_, v)| v.as_str()).collect();
        tx.execute(
            "INSERT INTO rows(row_table, row_id, village) SELECT * FROM UNNEST($1::text[], $2::uuid[], $3::text[])",
            &[&tables, &ids, &villages],
        )
        .await
        .map_err(db)?;
        tx.execute(
            "INSERT INTO villages(village) SELECT DISTINCT * FROM UNNEST($1::text[]) ON CONFLICT DO NOTHING",
            &[&villages],
        )
        .await
        .map_err(db)?;
    }
    if !plan.conflicts.is_empty() {
        let tables: Vec<&str> = plan
            .conflicts
            .iter()
            .map(|c| c.row.table.as_str())
            .collect();
        let ids: Vec<Uuid> = plan.conflicts.iter().map(|c| c.row.id).collect();
        let deleted: Vec<bool> = plan.conflicts.iter().map(|c| c.deleted).collect();
        let counts: Vec<i64> = plan
            .conflicts
            .iter()
            .map(|c| c.conflicts.len() as i64)
            .collect();
        tx.execute(
            "DELETE FROM conflicts WHERE (row_table, row_id) IN (SELECT * FROM UNNEST($1::text[], $2::uuid[]))",
            &[&tables, &ids],
        )
        .await
        .map_err(db)?;
        tx.execute(
            "UPDATE rows SET deleted = x.d, conflicts = x.n FROM UNNEST($1::text[], $2::uuid[], $3::bool[], $4::bigint[]) AS x(t, i, d, n)
             WHERE rows.row_table = x.t AND rows.row_id = x.i",
            &[&tables, &ids, &deleted, &counts],
        )
        .await
        .map_err(db)?;
        for rc in plan.conflicts.iter().filter(|c| !c.conflicts.is_empty()) {
            for c in &rc.conflicts {
                tx.execute(
                    "INSERT INTO conflicts(row_table, row_id, field, village, body) VALUES ($1, $2, $3, $4, $5)",
                    &[&rc.row.table, &rc.row.id, &c.field, &rc.village, &json(c)?],
                )
                .await
                .map_err(db)?;
            }
        }
    }
    Ok(())
}

async fn advance_ack(tx: &Transaction<'_>, device: Uuid) -> Result<u64, BackendError> {
    let before: i64 = tx
        .query_opt(
            "SELECT through FROM device_acks WHERE device = $1",
            &[&device],
        )
        .await
        .map_err(db)?
        .map_or(0, |r| r.get(0));
    // The sequences stored after `before`, in order, in one query.
    let rows = tx
        .query(
            "SELECT dseq FROM changes WHERE device = $1 AND dseq > $2 UNION SELECT dseq FROM quarantine WHERE device = $1 AND dseq > $2 ORDER BY 1",
            &[&device, &before],
        )
        .await
        .map_err(db)?;
    let stored: std::collections::HashSet<u64> =
        rows.iter().map(|r| r.get::<_, i64>(0) as u64).collect();
    let through = acknowledged_through(before as u64, |s| stored.contains(&s));
    tx.execute(
        "INSERT INTO device_acks(device, through) VALUES ($1, $2) ON CONFLICT (device) DO UPDATE SET through = EXCLUDED.through",
        &[&device, &(through as i64)],
    )
    .await
    .map_err(db)?;
    Ok(through)
}

async fn assemble(
    tx: &impl deadpool_postgres::GenericClient,
    sha256: &str,
) -> Result<Vec<u8>, BackendError> {
    let rows = tx
        .query(
            "SELECT data FROM attachment_chunks WHERE sha256 = $1 ORDER BY \"offset\"",
            &[&sha256],
        )
        .await
        .map_err(db)?;
    let mut out = Vec::new();
    for r in rows {
        out.extend(r.get::<_, Vec<u8>>(0));
    }
    Ok(out)
}

impl Backend for PostgresBackend {
    fn create_user(&self, user: User, password_hash: String) -> Fut<'_, ()> {
        Box::pin(async move {
            let c = self.client().await?;
            c.execute(
                &format!("INSERT INTO users({USER_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"),
                &[
                    &user.id,
                    &user.username,
                    &user.display_name,
                    &user.role.as_str(),
                    &json(&user.scope)?,
                    &user.disabled,
                    &password_hash,
                ],
            )
            .await
            .map_err(|e| {
                if e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) {
                    BackendError::Exists(format!("user {}", user.username))
                } else {
                    db(e)
                }
            })?;
            Ok(())
        })
    }

    fn user_by_name(&self, username: String) -> Fut<'_, Option<StoredUser>> {
        Box::pin(async move {
            let c = self.client().await?;
            let r = c
                .query_opt(
                    &format!("SELECT {USER_COLS} FROM users WHERE username = $1"),
                    &[&username],
                )
                .await
                .map_err(db)?;
            Ok(r.map(|r| {
                let (user, password_hash) = user_from(&r);
                StoredUser {
                    user,
                    password_hash,
                }
            }))
        })
    }

    fn user(&self, id: Uuid) -> Fut<'_, Option<User>> {
        Box::pin(async move {
            let c = self.client().await?;
            let r = c
                .query_opt(
                    &format!("SELECT {USER_COLS} FROM users WHERE id = $1"),
                    &[&id],
                )
                .await
                .map_err(db)?;
            Ok(r.map(|r| user_from(&r).0))
        })
    }

    fn users(&self) -> Fut<'_, Vec<User>> {
        Box::pin(async move {
            let c = self.client().await?;
            let rows = c
                .query(
                    &format!("SELECT {USER_COLS} FROM users ORDER BY username"),
                    &[],
                )
                .await
                .map_err(db)?;
            Ok(rows.iter().map(|r| user_from(r).0).collect())
        })
    }

    fn update_user(&self, user: User) -> Fut<'_, ()> {
        Box::pin(async move {
            let c = self.client().await?;
            let n = c
                .execute(
                    "UPDATE users SET display_name = $2, role = $3, scope = $4, disabled = $5 WHERE id = $1",
                    &[&user.id, &user.display_name, &user.role.as_str(), &json(&user.scope)?, &user.disabled],
                )
                .await
                .map_err(db)?;
            if n == 0 {
                return Err(BackendError::NotFound(format!("user {}", user.id)));
            }
            Ok(())
        })
    }

    fn create_device(&self, device: Device, secret_hash: String) -> Fut<'_, ()> {
        Box::pin(async move {
            let c = self.client().await?;
            let kind = match device.kind {
                DeviceKind::Field => "field",
                DeviceKind::Console => "console",
            };
            c.execute(
                &format!(
                    "INSERT INTO devices({DEVICE_COLS}, seen_scope) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, (SELECT scope FROM users WHERE id = $2))"
                ),
                &[
                    &device.id,
                    &device.user_id,
                    &device.name,
                    &kind,
                    &device.created_ms,
                    &device.expires_ms,
                    &device.revoked_ms,
                    &secret_hash,
                ],
            )
            .await
            .map_err(db)?;
            Ok(())
        })
    }

    fn device(&self, id: Uuid) -> Fut<'_, Option<StoredDevice>> {
        Box::pin(async move {
            let c = self.client().await?;
            let r = c
                .query_opt(
                    &format!("SELECT {DEVICE_COLS} FROM devices WHERE id = $1"),
                    &[&id],
                )
                .await
                .map_err(db)?;
            Ok(r.map(|r| device_from(&r)))
        })
    }

    fn devices(&self, user: Option<Uuid>) -> Fut<'_, Vec<Device>> {
        Box::pin(async move {
            let c = self.client().await?;
            let rows = c
                .query(&format!("SELECT {DEVICE_COLS} FROM devices WHERE $1::uuid IS NULL OR user_id = $1 ORDER BY created_ms"), &[&user])
                .await
                .map_err(db)?;
            Ok(rows.iter().map(|r| device_from(r).device).collect())
        })
    }

    fn revoke_device(&self, id: Uuid, at_ms: i64) -> Fut<'_, bool> {
        Box::pin(async move {
            let c = self.client().await?;
            let n = c
                .execute(
                    "UPDATE devices SET revoked_ms = COALESCE(revoked_ms, $2) WHERE id = $1",
                    &[&id, &at_ms],
                )
                .await
                .map_err(db)?;
            Ok(n > 0)
        })
    }

    fn push(&self, actor: Actor, changes: Vec<Change>, now_ms: i64) -> Fut<'_, PushResponse> {
        Box::pin(async move {
            let mut c = self.client().await?;
            let tx = c.transaction().await.map_err(db)?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&PUSH_LOCK])
                .await
                .map_err(db)?;
            let loaded = load(&tx, &self.schema, &changes).await?;
            let plan = plan_push(
                actor.user.role,
                &actor.user.scope,
                &self.schema,
                &changes,
                loaded,
            );
            write(&tx, &actor, &plan, now_ms).await?;
            let acknowledged_through = advance_ack(&tx, actor.device.id).await?;
            tx.commit().await.map_err(db)?;
            Ok(PushResponse {
                protocol: PROTOCOL_VERSION,
                acknowledged_through,
                accepted: plan.accepted.len() as u32,
                duplicates: plan.duplicates,
                refusals: plan.refused.into_iter().map(|(_, r)| r).collect(),
            })
        })
    }

    fn pull(&self, actor: Actor, cursor: u64, limit: u32) -> Fut<'_, PullResponse> {
        Box::pin(async move {
            let mut c = self.client().await?;
            let tx = c.transaction().await.map_err(db)?;
            let scope = actor.user.scope.clone();
            let seen: Option<String> = tx
                .query_opt(
                    "SELECT seen_scope FROM devices WHERE id = $1",
                    &[&actor.device.id],
                )
                .await
                .map_err(db)?
                .and_then(|r| r.get(0));
            let seen: Option<Scope> = seen.map(|s| parse(&s)).transpose()?;
            let mut removed_rows = Vec::new();
            let mut reset = false;
            if let Some(old) = seen.as_ref().filter(|old| **old != scope) {
                let (sql, args) = scope_sql(old, "village", 1);
                let rows = tx
                    .query(
                        &format!("SELECT row_table, row_id, village FROM rows WHERE {sql}"),
                        &params(&[], &args),
                    )
                    .await
                    .map_err(db)?;
                for r in rows {
                    let village: String = r.get(2);
                    if !scope.contains(&village) {
                        removed_rows.push(RowKey::new(r.get::<_, String>(0), r.get(1)));
                    }
                }
                reset = scope
                    .areas
                    .iter()
                    .any(|p| !old.areas.iter().any(|o| p.starts_with(o.as_str())));
            }
            if seen.as_ref() != Some(&scope) {
                tx.execute(
                    "UPDATE devices SET seen_scope = $2 WHERE id = $1",
                    &[&actor.device.id, &json(&scope)?],
                )
                .await
                .map_err(db)?;
            }
            let from: i64 = if reset { 0 } else { cursor as i64 };
            let lim = i64::from(limit) + 1;
            // The villages in scope, then an index seek per village from the cursor: the cost
            // follows the new changes, not the size of the store.
            let (sql, args) = scope_sql(&scope, "village", 1);
            let villages: Vec<String> = tx
                .query(
                    &format!("SELECT village FROM villages WHERE {sql}"),
                    &params(&[], &args),
                )
                .await
                .map_err(db)?
                .iter()
                .map(|r| r.get(0))
                .collect();
            let rows = tx
                .query(
                    "SELECT seq, body FROM changes WHERE village = ANY($1) AND seq > $2 ORDER BY seq LIMIT $3",
                    &[&villages, &from, &lim],
                )
                .await
                .map_err(db)?;
            let mut changes = Vec::with_capacity(rows.len());
            for r in rows {
                changes.push(Sequenced {
                    seq: r.get::<_, i64>(0) as u64,
                    change: parse(r.get(1))?,
                });
            }
            let more = changes.len() > limit as usize;
            changes.truncate(limit as usize);
            let next_cursor = changes.last().map_or(from as u64, |s| s.seq);
            let remaining = if more {
                let after = next_cursor as i64;
                let n: i64 = tx
                    .query_one(
                        "SELECT COUNT(*) FROM changes WHERE village = ANY($1) AND seq > $2",
                        &[&villages, &after],
                    )
                    .await
                    .map_err(db)?
                    .get(0);
                n as u64
            } else {
                0
            };
            tx.commit().await.map_err(db)?;
            let mut resp = PullResponse::new(changes, removed_rows, next_cursor, more);
            resp.reset = reset;
            resp.remaining = remaining;
            Ok(resp)
        })
    }

    fn resolve(
        &self,
        actor: Actor,
        row: RowKey,
        field: String,
        resolution: Resolution,
        now_ms: i64,
    ) -> Fut<'_, Change> {
        Box::pin(async move {
            let mut c = self.client().await?;
            let tx = c.transaction().await.map_err(db)?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&PUSH_LOCK])
                .await
                .map_err(db)?;
            let village: Option<String> = tx
                .query_opt(
                    "SELECT village FROM rows WHERE row_table = $1 AND row_id = $2",
                    &[&row.table, &row.id],
                )
                .await
                .map_err(db)?
                .map(|r| r.get(0));
            if !village.is_some_and(|v| actor.user.scope.contains(&v)) {
                return Err(BackendError::NotFound(format!("row {row}")));
            }
            let open = tx
                .query_opt(
                    "SELECT 1 FROM conflicts WHERE row_table = $1 AND row_id = $2 AND field = $3",
                    &[&row.table, &row.id, &field],
                )
                .await
                .map_err(db)?
                .is_some();
            if !open {
                return Err(BackendError::InvalidResolution(format!(
                    "{row}.{field} has no open conflict"
                )));
            }
            let mut regs: BTreeMap<String, Register> = BTreeMap::new();
            for r in tx
                .query(
                    "SELECT body FROM changes WHERE row_table = $1 AND row_id = $2",
                    &[&row.table, &row.id],
                )
                .await
                .map_err(db)?
            {
                let c: Change = parse(r.get(0))?;
                regs.entry(c.field.clone())
                    .or_insert_with(|| Register::new(self.schema.rule(&row.table, &c.field)))
                    .insert(Version::from_change(&c));
            }
            let next: i64 = tx
                .query_one(
                    "SELECT COALESCE(MAX(m), 0) + 1 FROM (SELECT MAX(dseq) AS m FROM changes WHERE device = $1 UNION ALL SELECT MAX(dseq) FROM quarantine WHERE device = $1) x",
                    &[&actor.device.id],
                )
                .await
                .map_err(db)?
                .get(0);
            let change = resolution_change(
                &actor,
                &self.schema,
                Decision {
                    row: &row,
                    field: &field,
                    resolution,
                },
                &regs,
                next as u64,
                now_ms,
            )?;
            let batch = [change.clone()];
            let loaded = load(&tx, &self.schema, &batch).await?;
            let plan = plan_push(
                actor.user.role,
                &actor.user.scope,
                &self.schema,
                &batch,
                loaded,
            );
            if let Some((_, r)) = plan.refused.first() {
                return Err(BackendError::InvalidResolution(r.reason.clone()));
            }
            write(&tx, &actor, &plan, now_ms).await?;
            advance_ack(&tx, actor.device.id).await?;
            tx.commit().await.map_err(db)?;
            Ok(change)
        })
    }

    fn conflicts(&self, scope: Scope) -> Fut<'_, Vec<Conflict>> {
        Box::pin(async move {
            let c = self.client().await?;
            let (sql, args) = scope_sql(&scope, "village", 1);
            let rows = c
                .query(
                    &format!(
                        "SELECT body FROM conflicts WHERE {sql} ORDER BY row_table, row_id, field"
                    ),
                    &params(&[], &args),
                )
                .await
                .map_err(db)?;
            rows.iter().map(|r| parse(r.get(0))).collect()
        })
    }

    fn history(&self, scope: Scope, row: RowKey, field: String) -> Fut<'_, Vec<AuditEntry>> {
        Box::pin(async move {
            let c = self.client().await?;
            let rows = c
                .query(
                    "SELECT seq, body, user_id, device, received_ms, village FROM changes WHERE row_table = $1 AND row_id = $2 AND field = $3 ORDER BY seq",
                    &[&row.table, &row.id, &field],
                )
                .await
                .map_err(db)?;
            let mut out = Vec::new();
            for r in rows {
                let village: String = r.get(5);
                if scope.contains(&village) {
                    out.push(AuditEntry {
                        seq: r.get::<_, i64>(0) as u64,
                        change: parse(r.get(1))?,
                        user: r.get(2),
                        device: r.get(3),
                        received_ms: r.get(4),
                    });
                }
            }
            Ok(out)
        })
    }

    fn progress(&self, scope: Scope) -> Fut<'_, Vec<VillageProgress>> {
        Box::pin(async move {
            let c = self.client().await?;
            let (sql, args) = scope_sql(&scope, "village", 1);
            let rows = c
                .query(
                    &format!(
                        "SELECT village, COUNT(*) FILTER (WHERE row_table = '{HOUSEHOLD}' AND NOT deleted), COALESCE(SUM(conflicts), 0)::BIGINT FROM rows WHERE {sql} GROUP BY village ORDER BY village"
                    ),
                    &params(&[], &args),
                )
                .await
                .map_err(db)?;
            Ok(rows
                .iter()
                .map(|r| VillageProgress {
                    village: r.get(0),
                    households: r.get::<_, i64>(1) as u64,
                    conflicts: r.get::<_, i64>(2) as u64,
                })
                .collect())
        })
    }

    fn put_attachment(
        &self,
        sha256: String,
        size: u64,
        offset: u64,
        bytes: Vec<u8>,
    ) -> Fut<'_, AttachmentStatus> {
        Box::pin(async move {
            let mut c = self.client().await?;
            let tx = c.transaction().await.map_err(db)?;
            tx.execute("INSERT INTO attachments(sha256, size, received, complete) VALUES ($1, $2, 0, FALSE) ON CONFLICT DO NOTHING", &[&sha256, &(size as i64)])
                .await
                .map_err(db)?;
            let r = tx
                .query_one(
                    "SELECT size, received, complete FROM attachments WHERE sha256 = $1 FOR UPDATE",
                    &[&sha256],
                )
                .await
                .map_err(db)?;
            let (stored_size, received, complete): (i64, i64, bool) =
                (r.get(0), r.get(1), r.get(2));
            if complete {
                tx.commit().await.map_err(db)?;
                return Ok(AttachmentStatus {
                    sha256,
                    received: stored_size as u64,
                    size: stored_size as u64,
                    complete: true,
                });
            }
            if stored_size as u64 != size {
                return Err(BackendError::Attachment(format!(
                    "size {size} differs from the {stored_size} announced first"
                )));
            }
            if offset != received as u64 {
                return Err(BackendError::Attachment(format!(
                    "expected offset {received}, got {offset}"
                )));
            }
            tx.execute(
                "INSERT INTO attachment_chunks(sha256, \"offset\", data) VALUES ($1, $2, $3)",
                &[&sha256, &received, &bytes],
            )
            .await
            .map_err(db)?;
            let received = received as u64 + bytes.len() as u64;
            tx.execute(
                "UPDATE attachments SET received = $2 WHERE sha256 = $1",
                &[&sha256, &(received as i64)],
            )
            .await
            .map_err(db)?;
            let mut complete = false;
            if received == size {
                let data = assemble(&tx, &sha256).await?;
                let hash: String = Sha256::digest(&data)
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                if hash != sha256 {
                    tx.execute("DELETE FROM attachments WHERE sha256 = $1", &[&sha256])
                        .await
                        .map_err(db)?;
                    tx.commit().await.map_err(db)?;
                    return Err(BackendError::Attachment(format!(
                        "the bytes hash to {hash}, not {sha256}: upload again"
                    )));
                }
                tx.execute(
                    "UPDATE attachments SET complete = TRUE WHERE sha256 = $1",
                    &[&sha256],
                )
                .await
                .map_err(db)?;
                complete = true;
            }
            tx.commit().await.map_err(db)?;
            Ok(AttachmentStatus {
                sha256,
                received,
                size,
                complete,
            })
        })
    }

    fn attachment_status(&self, sha256: String) -> Fut<'_, Option<AttachmentStatus>> {
        Box::pin(async move {
            let c = self.client().await?;
            let r = c
                .query_opt(
                    "SELECT size, received, complete FROM attachments WHERE sha256 = $1",
                    &[&sha256],
                )
                .await
                .map_err(db)?;
            Ok(r.map(|r| AttachmentStatus {
                sha256: sha256.clone(),
                size: r.get::<_, i64>(0) as u64,
                received: r.get::<_, i64>(1) as u64,
                complete: r.get(2),
            }))
        })
    }

    fn attachment(&self, sha256: String) -> Fut<'_, Option<Vec<u8>>> {
        Box::pin(async move {
            let c = self.client().await?;
            let complete: Option<bool> = c
                .query_opt(
                    "SELECT complete FROM attachments WHERE sha256 = $1",
                    &[&sha256],
                )
                .await
                .map_err(db)?
                .map(|r| r.get(0));
            if complete != Some(true) {
                return Ok(None);
            }
            assemble(&c, &sha256).await.map(Some)
        })
    }
}
