//! [`Backend`] for [`PostgresBackend`]: each method takes a pooled connection (a transaction
//! where it writes) and calls one function of the area's file.

use fangpin_server::attachment::Quota;
use fangpin_server::backend::{
    AttachmentStatus, AuditEntry, Chunk, Quarantined, RebuildReport, ReleaseReport, Resolution,
    VillageProgress,
};
use fangpin_server::model::{Actor, Device, Scope, StoredDevice, StoredUser, User};
use fangpin_server::state::RowRecord;
use fangpin_server::Backend;
use fangpin_sync::wire::{Epoch, PullRequest, PullResponse, PushResponse, SyncState};
use fangpin_sync::{Change, Conflict, RowKey};
use uuid::Uuid;

use crate::{accounts, attachments, parse, pg, pull, push, readmodel, Fut, PostgresBackend};

impl Backend for PostgresBackend {
    fn create_user(&self, user: User, password_hash: String) -> Fut<'_, ()> {
        Box::pin(async move {
            accounts::create_user(&self.client().await?, &user, &password_hash).await
        })
    }

    fn user_by_name(&self, username: String) -> Fut<'_, Option<StoredUser>> {
        Box::pin(async move { accounts::user_by_name(&self.client().await?, &username).await })
    }

    fn user(&self, id: Uuid) -> Fut<'_, Option<User>> {
        Box::pin(async move { accounts::user(&self.client().await?, id).await })
    }

    fn users(&self) -> Fut<'_, Vec<User>> {
        Box::pin(async move { accounts::users(&self.client().await?).await })
    }

    fn update_user(&self, user: User) -> Fut<'_, ()> {
        Box::pin(async move { accounts::update_user(&self.client().await?, &user).await })
    }

    fn set_password(&self, id: Uuid, password_hash: String) -> Fut<'_, ()> {
        Box::pin(
            async move { accounts::set_password(&self.client().await?, id, &password_hash).await },
        )
    }

    fn create_device(&self, device: Device, secret_hash: String) -> Fut<'_, ()> {
        Box::pin(async move {
            accounts::create_device(&self.client().await?, &device, &secret_hash).await
        })
    }

    fn device(&self, id: Uuid) -> Fut<'_, Option<StoredDevice>> {
        Box::pin(async move { accounts::device(&self.client().await?, id).await })
    }

    fn devices(&self, user: Option<Uuid>) -> Fut<'_, Vec<Device>> {
        Box::pin(async move { accounts::devices(&self.client().await?, user).await })
    }

    fn revoke_device(&self, id: Uuid, at_ms: i64) -> Fut<'_, bool> {
        Box::pin(async move { accounts::revoke_device(&self.client().await?, id, at_ms).await })
    }

    fn renew_device(&self, id: Uuid, secret_hash: String, expires_ms: i64) -> Fut<'_, bool> {
        Box::pin(async move {
            accounts::renew_device(&self.client().await?, id, &secret_hash, expires_ms).await
        })
    }

    fn sync_state(&self, actor: Actor) -> Fut<'_, SyncState> {
        Box::pin(async move { push::sync_state(&self.client().await?, &actor).await })
    }

    fn high_water(&self) -> Fut<'_, u64> {
        Box::pin(async move { push::high_water(&self.client().await?).await })
    }

    fn new_epoch(&self) -> Fut<'_, Epoch> {
        Box::pin(async move {
            let mut c = self.client().await?;
            let tx = c.transaction().await.map_err(pg)?;
            let e = push::new_epoch(&tx).await?;
            tx.commit().await.map_err(pg)?;
            Ok(e)
        })
    }

    fn push(
        &self,
        actor: Actor,
        protocol: u16,
        changes: Vec<Change>,
        now_ms: i64,
    ) -> Fut<'_, PushResponse> {
        Box::pin(async move {
            let mut c = self.client().await?;
            let tx = c.transaction().await.map_err(pg)?;
            let resp = push::push(
                &tx,
                self.statement_timeout_ms,
                &actor,
                protocol,
                &changes,
                now_ms,
            )
            .await?;
            tx.commit().await.map_err(pg)?;
            Ok(resp)
        })
    }

    fn pull(&self, actor: Actor, req: PullRequest, max_bytes: usize) -> Fut<'_, PullResponse> {
        Box::pin(async move {
            let mut c = self.client().await?;
            let tx = c
                .build_transaction()
                .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()
                .await
                .map_err(pg)?;
            let (resp, record) =
                pull::pull(&tx, &actor, &req, max_bytes, self.pull_hook.as_ref()).await?;
            tx.commit().await.map_err(pg)?;
            if record {
                accounts::record_scope(&c, actor.device.id, &actor.user.scope).await?;
            }
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
            let tx = c.transaction().await.map_err(pg)?;
            let change = push::resolve(
                &tx,
                self.statement_timeout_ms,
                &actor,
                &row,
                &field,
                resolution,
                now_ms,
            )
            .await?;
            tx.commit().await.map_err(pg)?;
            Ok(change)
        })
    }

    fn office_write(
        &self,
        user: User,
        policy: std::sync::Arc<fangpin_server::model::PolicyBook>,
        writes: Vec<fangpin_server::office::OfficeWrite>,
        now_ms: i64,
    ) -> Fut<'_, fangpin_server::office::OfficeReport> {
        Box::pin(async move {
            let mut c = self.client().await?;
            let tx = c.transaction().await.map_err(pg)?;
            let report = push::office_write(
                &tx,
                self.statement_timeout_ms,
                &user,
                &policy,
                &writes,
                now_ms,
            )
            .await?;
            tx.commit().await.map_err(pg)?;
            Ok(report)
        })
    }

    fn rows_page(
        &self,
        scope: Scope,
        query: fangpin_server::backend::RowQuery,
    ) -> Fut<'_, Vec<RowRecord>> {
        Box::pin(async move { readmodel::rows(&self.client().await?, &scope, &query).await })
    }

    fn conflicts(&self, scope: Scope) -> Fut<'_, Vec<Conflict>> {
        Box::pin(async move { readmodel::conflicts(&self.client().await?, &scope).await })
    }

    fn history(&self, scope: Scope, row: RowKey, field: String) -> Fut<'_, Vec<AuditEntry>> {
        Box::pin(
            async move { readmodel::history(&self.client().await?, &scope, &row, &field).await },
        )
    }

    fn progress(&self, scope: Scope, since: String) -> Fut<'_, Vec<VillageProgress>> {
        Box::pin(async move { readmodel::progress(&self.client().await?, &scope, &since).await })
    }

    fn row(&self, scope: Scope, row: RowKey) -> Fut<'_, Option<RowRecord>> {
        Box::pin(async move { readmodel::row(&self.client().await?, &scope, &row).await })
    }

    fn quarantine(
        &self,
        scope: Scope,
        device: Option<Uuid>,
        limit: u32,
    ) -> Fut<'_, Vec<Quarantined>> {
        Box::pin(async move {
            let c = self.client().await?;
            let rows = c
                .query(
                    "SELECT q.body, q.code, q.reason, q.user_id, q.received_ms, u.scope FROM quarantine q \
                     JOIN users u ON u.id = q.user_id WHERE $1::uuid IS NULL OR q.device = $1 \
                     ORDER BY q.received_ms DESC, q.device, q.dseq",
                    &[&device],
                )
                .await
                .map_err(pg)?;
            let mut out = Vec::new();
            for r in rows {
                let user_scope: Scope = parse(r.get(5))?;
                if !user_scope.overlaps(&scope) {
                    continue;
                }
                out.push(Quarantined {
                    change: parse(r.get(0))?,
                    code: r.get(1),
                    reason: r.get(2),
                    user: r.get(3),
                    received_ms: r.get(4),
                });
                if out.len() >= limit as usize {
                    break;
                }
            }
            Ok(out)
        })
    }

    fn waiting_for_parents(&self, limit: u32) -> Fut<'_, Vec<Uuid>> {
        Box::pin(async move {
            let c = self.client().await?;
            let rows = c
                .query(
                    "SELECT DISTINCT device FROM quarantine WHERE code = 'unknown_parent' LIMIT $1",
                    &[&i64::from(limit)],
                )
                .await
                .map_err(pg)?;
            Ok(rows.iter().map(|r| r.get::<_, Uuid>(0)).collect())
        })
    }

    fn release_quarantine(
        &self,
        device: Uuid,
        policy: std::sync::Arc<fangpin_server::model::PolicyBook>,
        now_ms: i64,
    ) -> Fut<'_, ReleaseReport> {
        Box::pin(async move {
            let mut c = self.client().await?;
            let tx = c.transaction().await.map_err(pg)?;
            let r = push::release(&tx, self.statement_timeout_ms, device, &policy, now_ms).await?;
            tx.commit().await.map_err(pg)?;
            Ok(r)
        })
    }

    fn rebuild(&self, replace: bool) -> Fut<'_, RebuildReport> {
        Box::pin(async move {
            let mut c = self.client().await?;
            let tx = c.transaction().await.map_err(pg)?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&crate::PUSH_LOCK])
                .await
                .map_err(pg)?;
            let r = readmodel::rebuild(&tx, replace).await?;
            tx.commit().await.map_err(pg)?;
            Ok(r)
        })
    }

    fn set_area_names(&self, names: Vec<(String, String)>) -> Fut<'_, u64> {
        Box::pin(async move { accounts::set_area_names(&self.client().await?, &names).await })
    }

    fn area_names(&self, scope: Scope) -> Fut<'_, Vec<(String, String)>> {
        Box::pin(async move { accounts::area_names(&self.client().await?, &scope).await })
    }

    fn put_attachment(
        &self,
        actor: Actor,
        chunk: Chunk,
        quota: Quota,
        now_ms: i64,
    ) -> Fut<'_, AttachmentStatus> {
        Box::pin(async move {
            let mut c = self.client().await?;
            let tx = c.transaction().await.map_err(pg)?;
            let r = attachments::put(&tx, &actor, &chunk, &quota, now_ms).await;
            // A refused hash clears the device's upload, so it may start again.
            if r.is_ok()
                || matches!(
                    &r,
                    Err(fangpin_server::BackendError::Attachment {
                        code: "attachment_hash",
                        ..
                    })
                )
            {
                tx.commit().await.map_err(pg)?;
            }
            r
        })
    }

    fn attachment_status(&self, actor: Actor, sha256: String) -> Fut<'_, Option<AttachmentStatus>> {
        Box::pin(async move { attachments::status(&self.client().await?, &actor, &sha256).await })
    }

    fn attachment(&self, scope: Scope, sha256: String) -> Fut<'_, Option<Vec<u8>>> {
        Box::pin(async move { attachments::get(&self.client().await?, &scope, &sha256).await })
    }

    fn expire_uploads(&self, before_ms: i64) -> Fut<'_, u64> {
        Box::pin(async move {
            let mut c = self.client().await?;
            let tx = c.transaction().await.map_err(pg)?;
            let n = attachments::expire(&tx, before_ms).await?;
            tx.commit().await.map_err(pg)?;
            Ok(n)
        })
    }
}
