//! [`Backend`] for [`SqliteBackend`]: each method picks the writer or a reader and calls one
//! function of the area's file.

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
use rusqlite::params;
use uuid::Uuid;

use crate::{accounts, attachments, db, parse, pull, push, readmodel, Fut, SqliteBackend};

impl Backend for SqliteBackend {
    fn create_user(&self, user: User, password_hash: String) -> Fut<'_, ()> {
        self.write(move |c| accounts::create_user(c, &user, &password_hash))
    }

    fn user_by_name(&self, username: String) -> Fut<'_, Option<StoredUser>> {
        self.read(move |c| accounts::user_by_name(c, &username))
    }

    fn user(&self, id: Uuid) -> Fut<'_, Option<User>> {
        self.read(move |c| accounts::user(c, id))
    }

    fn users(&self) -> Fut<'_, Vec<User>> {
        self.read(|c| accounts::users(c))
    }

    fn update_user(&self, user: User) -> Fut<'_, ()> {
        self.write(move |c| accounts::update_user(c, &user))
    }

    fn set_password(&self, id: Uuid, password_hash: String) -> Fut<'_, ()> {
        self.write(move |c| accounts::set_password(c, id, &password_hash))
    }

    fn create_device(&self, device: Device, secret_hash: String) -> Fut<'_, ()> {
        self.write(move |c| accounts::create_device(c, &device, &secret_hash))
    }

    fn device(&self, id: Uuid) -> Fut<'_, Option<StoredDevice>> {
        self.read(move |c| accounts::device(c, id))
    }

    fn devices(&self, user: Option<Uuid>) -> Fut<'_, Vec<Device>> {
        self.read(move |c| accounts::devices(c, user))
    }

    fn revoke_device(&self, id: Uuid, at_ms: i64) -> Fut<'_, bool> {
        self.write(move |c| accounts::revoke_device(c, id, at_ms))
    }

    fn renew_device(&self, id: Uuid, secret_hash: String, expires_ms: i64) -> Fut<'_, bool> {
        self.write(move |c| accounts::renew_device(c, id, &secret_hash, expires_ms))
    }

    fn sync_state(&self, actor: Actor) -> Fut<'_, SyncState> {
        self.read(move |c| push::sync_state(c, &actor))
    }

    fn high_water(&self) -> Fut<'_, u64> {
        self.read(|c| push::high_water(c))
    }

    fn new_epoch(&self) -> Fut<'_, Epoch> {
        self.write(push::new_epoch)
    }

    fn push(
        &self,
        actor: Actor,
        protocol: u16,
        changes: Vec<Change>,
        now_ms: i64,
    ) -> Fut<'_, PushResponse> {
        self.write(move |c| push::push(c, &actor, protocol, &changes, now_ms))
    }

    fn pull(&self, actor: Actor, req: PullRequest, max_bytes: usize) -> Fut<'_, PullResponse> {
        Box::pin(async move {
            let a = actor.clone();
            let (resp, record) = self
                .read(move |c| pull::pull(c, &a, &req, max_bytes))
                .await?;
            if record {
                let (device, scope) = (actor.device.id, actor.user.scope.clone());
                self.write(move |c| pull::record_scope(c, device, &scope))
                    .await?;
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
        self.write(move |c| push::resolve(c, &actor, &row, &field, resolution, now_ms))
    }

    fn office_write(
        &self,
        user: User,
        policy: std::sync::Arc<fangpin_server::model::PolicyBook>,
        writes: Vec<fangpin_server::office::OfficeWrite>,
        now_ms: i64,
    ) -> Fut<'_, fangpin_server::office::OfficeReport> {
        self.write(move |c| push::office_write(c, &user, &policy, &writes, now_ms))
    }

    fn rows_page(
        &self,
        scope: Scope,
        query: fangpin_server::backend::RowQuery,
    ) -> Fut<'_, Vec<RowRecord>> {
        self.read(move |c| readmodel::rows(c, &scope, &query))
    }

    fn conflicts(&self, scope: Scope) -> Fut<'_, Vec<Conflict>> {
        self.read(move |c| readmodel::conflicts(c, &scope))
    }

    fn history(&self, scope: Scope, row: RowKey, field: String) -> Fut<'_, Vec<AuditEntry>> {
        self.read(move |c| readmodel::history(c, &scope, &row, &field))
    }

    fn progress(&self, scope: Scope, since: String) -> Fut<'_, Vec<VillageProgress>> {
        self.read(move |c| readmodel::progress(c, &scope, &since))
    }

    fn row(&self, scope: Scope, row: RowKey) -> Fut<'_, Option<RowRecord>> {
        self.read(move |c| readmodel::row(c, &scope, &row))
    }

    fn quarantine(
        &self,
        scope: Scope,
        device: Option<Uuid>,
        limit: u32,
    ) -> Fut<'_, Vec<Quarantined>> {
        self.read(move |c| {
            // A quarantined change is the office's when its pusher's scope overlaps the
            // office's: the same county, then the user's areas.
            let mut stmt = c
                .prepare(
                    "SELECT q.body, q.code, q.reason, q.user_id, q.received_ms, u.scope FROM quarantine q \
                     JOIN users u ON u.id = q.user_id WHERE ?1 IS NULL OR q.device = ?1 \
                     ORDER BY q.received_ms DESC, q.device, q.dseq",
                )
                .map_err(db)?;
            let rows = stmt
                .query_map(params![device], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, Uuid>(3)?,
                        r.get::<_, i64>(4)?,
                        r.get::<_, String>(5)?,
                    ))
                })
                .map_err(db)?;
            let mut out = Vec::new();
            for r in rows {
                let (body, code, reason, user, received_ms, user_scope) = r.map_err(db)?;
                let user_scope: Scope = parse(&user_scope)?;
                if !user_scope.overlaps(&scope) {
                    continue;
                }
                out.push(Quarantined {
                    change: parse(&body)?,
                    code,
                    reason,
                    user,
                    received_ms,
                });
                if out.len() >= limit as usize {
                    break;
                }
            }
            Ok(out)
        })
    }

    fn waiting_for_parents(&self, limit: u32) -> Fut<'_, Vec<Uuid>> {
        self.read(move |c| {
            let mut stmt = c
                .prepare_cached(
                    "SELECT DISTINCT device FROM quarantine WHERE code = 'unknown_parent' LIMIT ?1",
                )
                .map_err(db)?;
            let rows = stmt
                .query_map([limit], |r| r.get::<_, Uuid>(0))
                .map_err(db)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(db)
        })
    }

    fn release_quarantine(
        &self,
        device: Uuid,
        policy: std::sync::Arc<fangpin_server::model::PolicyBook>,
        now_ms: i64,
    ) -> Fut<'_, ReleaseReport> {
        self.write(move |c| push::release(c, device, &policy, now_ms))
    }

    fn rebuild(&self, replace: bool) -> Fut<'_, RebuildReport> {
        self.write(move |c| {
            let tx = c.transaction().map_err(db)?;
            let report = readmodel::rebuild(&tx, replace)?;
            tx.commit().map_err(db)?;
            Ok(report)
        })
    }

    fn set_area_names(&self, names: Vec<(String, String)>) -> Fut<'_, u64> {
        self.write(move |c| accounts::set_area_names(c, &names))
    }

    fn area_names(&self, scope: Scope) -> Fut<'_, Vec<(String, String)>> {
        self.read(move |c| accounts::area_names(c, &scope))
    }

    fn put_attachment(
        &self,
        actor: Actor,
        chunk: Chunk,
        quota: Quota,
        now_ms: i64,
    ) -> Fut<'_, AttachmentStatus> {
        self.write(move |c| attachments::put(c, &actor, &chunk, &quota, now_ms))
    }

    fn attachment_status(&self, actor: Actor, sha256: String) -> Fut<'_, Option<AttachmentStatus>> {
        self.read(move |c| attachments::status(c, &actor, &sha256))
    }

    fn attachment(&self, scope: Scope, sha256: String) -> Fut<'_, Option<Vec<u8>>> {
        self.read(move |c| attachments::get(c, &scope, &sha256))
    }

    fn expire_uploads(&self, before_ms: i64) -> Fut<'_, u64> {
        self.write(move |c| attachments::expire(c, before_ms))
    }
}
