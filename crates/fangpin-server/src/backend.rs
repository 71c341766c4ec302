//! The storage the service runs on: one trait, one crate per database.
//!
//! A backend stores accounts, devices, every accepted change with its global sequence number,
//! quarantined changes with their reasons, the read model (every row's current values and
//! every field's heads, with open conflicts), attachments and the service's epoch. It decides
//! nothing itself: push rules come from [`crate::judge`] and [`crate::plan`], pull rules from
//! [`crate::pull`], attachment rules from [`crate::attachment`], and the read model from
//! [`crate::state`], so every backend behaves the same (the shared suite in `testkit` checks).

use std::future::Future;

use fangpin_sync::wire::{PullRequest, PullResponse, PushResponse, SyncState};
use fangpin_sync::{Change, Conflict, RowKey};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::attachment::Quota;
use crate::model::{Actor, Device, Scope, StoredDevice, StoredUser, User};
use crate::state::RowRecord;

/// A storage failure, or a request the stored state refuses.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// A unique key is taken (user name, device id).
    #[error("already exists: {0}")]
    Exists(String),
    /// The thing asked for is not there.
    #[error("not found: {0}")]
    NotFound(String),
    /// The resolution asked for does not fit the conflict.
    #[error("invalid resolution: {0}")]
    InvalidResolution(String),
    /// An attachment chunk is refused; the code is stable.
    #[error("attachment: {message}")]
    Attachment {
        /// A stable code.
        code: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A version id came again with another content.
    #[error("{message}")]
    VersionReused {
        /// What is wrong.
        message: String,
        /// The device's highest sequence number the service holds.
        stored_through: u64,
    },
    /// An office write was refused by the push rules; nothing was written.
    #[error("refused: {0}")]
    Refused(String),
    /// The request took longer than the service allows and was rolled back.
    #[error("the request was cancelled after its time limit and rolled back")]
    Cancelled,
    /// The database failed.
    #[error("database: {0}")]
    Database(String),
}

/// One accepted change with who sent it and when: the audit trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuditEntry {
    /// The global sequence number.
    pub seq: u64,
    /// The change.
    pub change: Change,
    /// The user whose device pushed it.
    pub user: Uuid,
    /// The device that pushed it.
    pub device: Uuid,
    /// When the server accepted it, ms since the epoch.
    pub received_ms: i64,
}

/// How a supervisor resolves a conflict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Resolution {
    /// Keep this value for a register (one of the heads, or a corrected one).
    Value {
        /// The value.
        value: serde_json::Value,
    },
    /// Keep this ledger status (one of the competing ones).
    Status {
        /// The status.
        status: fangpin_sync::LedgerStatus,
    },
    /// Keep the row (restore it, keeping the edits) or confirm its deletion.
    Row {
        /// true: restore; false: delete.
        keep: bool,
    },
}

/// Where an attachment upload stands for the device asking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AttachmentStatus {
    /// SHA-256, hex.
    pub sha256: String,
    /// Bytes of this device's upload received so far: the offset of the next chunk.
    pub received: u64,
    /// The whole size.
    pub size: u64,
    /// Whether the service holds every byte, and the hash matched.
    pub complete: bool,
}

/// One chunk of an attachment upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// The attachment's SHA-256, hex.
    pub sha256: String,
    /// The whole attachment's declared size.
    pub size: u64,
    /// Where this chunk starts.
    pub offset: u64,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// Figures per village for the console, from the read model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct VillageProgress {
    /// The village code.
    pub village: String,
    /// Households (alive).
    pub households: u64,
    /// Households screened this year (`screened_on` on or after `since`).
    pub screened: u64,
    /// Households by 户类型: formerly poor (脱贫户).
    pub formerly_poor: u64,
    /// Households by 户类型: monitored (监测户).
    pub monitored: u64,
    /// Households by 户类型: ordinary (一般农户).
    pub ordinary: u64,
    /// Open conflicts.
    pub conflicts: u64,
}

/// A change the service refused and keeps in quarantine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Quarantined {
    /// The change.
    pub change: Change,
    /// The refusal code.
    pub code: String,
    /// Why, in English.
    pub reason: String,
    /// The user whose device pushed it.
    pub user: Uuid,
    /// When it arrived, ms since the epoch.
    pub received_ms: i64,
}

/// What releasing quarantined changes did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReleaseReport {
    /// Changes judged again.
    pub judged: u64,
    /// Of those, accepted now.
    pub accepted: u64,
    /// Of those, still refused (each with its new reason).
    pub still_refused: u64,
}

/// What comparing the read model with a rebuild from the changes found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RebuildReport {
    /// Rows replayed.
    pub rows: u64,
    /// Changes replayed.
    pub changes: u64,
    /// Every difference, one line each (empty: the read model equals the rebuild).
    pub differences: Vec<String>,
    /// Whether the rebuilt rows were written.
    pub replaced: bool,
}

pub(crate) type Fut<'a, T> =
    std::pin::Pin<Box<dyn Future<Output = Result<T, BackendError>> + Send + 'a>>;

/// A page of a table's live rows: ordered by (village, id), after a row, of some households.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowQuery {
    /// The table.
    pub table: String,
    /// Only rows after this (village, id): where the last page ended.
    pub after: Option<(String, Uuid)>,
    /// Only rows of these households.
    pub households: Option<Vec<Uuid>>,
    /// At most this many rows.
    pub limit: u32,
}

impl RowQuery {
    /// Every live row of a table.
    pub fn all(table: impl Into<String>) -> Self {
        Self {
            table: table.into(),
            after: None,
            households: None,
            limit: u32::MAX,
        }
    }
}

/// The storage of the service.
pub trait Backend: Send + Sync + 'static {
    /// Adds a user.
    fn create_user(&self, user: User, password_hash: String) -> Fut<'_, ()>;
    /// A user by sign-in name.
    fn user_by_name(&self, username: String) -> Fut<'_, Option<StoredUser>>;
    /// A user by id.
    fn user(&self, id: Uuid) -> Fut<'_, Option<User>>;
    /// Every user.
    fn users(&self) -> Fut<'_, Vec<User>>;
    /// Replaces a user's role, scope, name and disabled flag.
    fn update_user(&self, user: User) -> Fut<'_, ()>;
    /// Replaces a user's password hash.
    fn set_password(&self, id: Uuid, password_hash: String) -> Fut<'_, ()>;

    /// Adds a device with the hash of its secret.
    fn create_device(&self, device: Device, secret_hash: String) -> Fut<'_, ()>;
    /// A device by id.
    fn device(&self, id: Uuid) -> Fut<'_, Option<StoredDevice>>;
    /// Every device, or one user's.
    fn devices(&self, user: Option<Uuid>) -> Fut<'_, Vec<Device>>;
    /// Revokes a device; false when there is no such device.
    fn revoke_device(&self, id: Uuid, at_ms: i64) -> Fut<'_, bool>;
    /// Gives a device a new secret and expiry (renewal); false when there is no such device.
    fn renew_device(&self, id: Uuid, secret_hash: String, expires_ms: i64) -> Fut<'_, bool>;

    /// The service's epoch, the device's acknowledgement and the highest sequence number.
    fn sync_state(&self, actor: Actor) -> Fut<'_, SyncState>;
    /// The highest global sequence number held.
    fn high_water(&self) -> Fut<'_, u64>;
    /// Starts a new epoch (after a restore), based at the highest sequence number held.
    fn new_epoch(&self) -> Fut<'_, fangpin_sync::wire::Epoch>;
    /// Stores a batch of the actor's device's changes, once each, judging every one, and
    /// updates the read model in the same transaction. `protocol` is the device's, for the
    /// refusal codes it understands.
    fn push(
        &self,
        actor: Actor,
        protocol: u16,
        changes: Vec<Change>,
        now_ms: i64,
    ) -> Fut<'_, PushResponse>;
    /// What is new in the actor's scope after the request's cursor, at most `limit` changes and
    /// about `max_bytes` of them.
    fn pull(&self, actor: Actor, req: PullRequest, max_bytes: usize) -> Fut<'_, PullResponse>;
    /// Writes a supervisor's resolution of a conflict as the service's own device; returns
    /// the change.
    fn resolve(
        &self,
        actor: Actor,
        row: RowKey,
        field: String,
        resolution: Resolution,
        now_ms: i64,
    ) -> Fut<'_, Change>;
    /// Writes the office's changes as the service's own device with `user` as their author,
    /// judged like a push under `policy`; all or nothing: a refused change refuses the write
    /// with its reason ([`BackendError::Refused`]).
    fn office_write(
        &self,
        user: User,
        policy: std::sync::Arc<fangpin_domain::PolicyBook>,
        writes: Vec<crate::office::OfficeWrite>,
        now_ms: i64,
    ) -> Fut<'_, crate::office::OfficeReport>;
    /// Every live row of a table in a scope with its current values (the read model), by
    /// village; for the office's figures.
    fn rows(&self, scope: Scope, table: String) -> Fut<'_, Vec<RowRecord>> {
        self.rows_page(scope, RowQuery::all(table))
    }
    /// A page of a table's live rows in a scope, ordered by village and id: the paperwork
    /// streams a county a page at a time.
    fn rows_page(&self, scope: Scope, query: RowQuery) -> Fut<'_, Vec<RowRecord>>;
    /// Open conflicts in a scope.
    fn conflicts(&self, scope: Scope) -> Fut<'_, Vec<Conflict>>;
    /// Every accepted version of a field in a scope, oldest first.
    fn history(&self, scope: Scope, row: RowKey, field: String) -> Fut<'_, Vec<AuditEntry>>;
    /// Figures per village in a scope; `since` is the first day counted as screened.
    fn progress(&self, scope: Scope, since: String) -> Fut<'_, Vec<VillageProgress>>;
    /// A row's current values from the read model, if it is in the scope.
    fn row(&self, scope: Scope, row: RowKey) -> Fut<'_, Option<RowRecord>>;
    /// Refused changes kept in quarantine, of users whose scope overlaps `scope` or of one
    /// device, newest first, at most `limit`.
    fn quarantine(
        &self,
        scope: Scope,
        device: Option<Uuid>,
        limit: u32,
    ) -> Fut<'_, Vec<Quarantined>>;
    /// Judges one device's quarantined changes again (after the cause was fixed), in their
    /// order; accepted ones join the changes and leave the quarantine.
    fn release_quarantine(
        &self,
        device: Uuid,
        policy: std::sync::Arc<fangpin_domain::PolicyBook>,
        now_ms: i64,
    ) -> Fut<'_, ReleaseReport>;
    /// Devices with changes quarantined for naming a version the service did not hold yet
    /// (`unknown_parent`), at most `limit`: after a push brings versions, their changes are
    /// judged again (after a restore, devices send back what was lost in any order).
    fn waiting_for_parents(&self, limit: u32) -> Fut<'_, Vec<Uuid>>;
    /// Compares the read model with a rebuild from the changes; with `replace`, writes the
    /// rebuild where they differ.
    fn rebuild(&self, replace: bool) -> Fut<'_, RebuildReport>;

    /// Keeps the names of areas (统计用区划代码 with their names): villages, townships,
    /// counties. A code given again gets the new name.
    fn set_area_names(&self, names: Vec<(String, String)>) -> Fut<'_, u64>;
    /// The names of the areas a scope covers and of the areas above them (its townships and
    /// county), for the screens.
    fn area_names(&self, scope: Scope) -> Fut<'_, Vec<(String, String)>>;

    /// Adds a chunk of the actor's device's upload.
    fn put_attachment(
        &self,
        actor: Actor,
        chunk: Chunk,
        quota: Quota,
        now_ms: i64,
    ) -> Fut<'_, AttachmentStatus>;
    /// Where the actor's device's upload stands, or the whole attachment when the service
    /// holds it and a row in the actor's scope names it.
    fn attachment_status(&self, actor: Actor, sha256: String) -> Fut<'_, Option<AttachmentStatus>>;
    /// A complete attachment's bytes, when a row in the scope names it.
    fn attachment(&self, scope: Scope, sha256: String) -> Fut<'_, Option<Vec<u8>>>;
    /// Drops unfinished uploads with no chunk since `before_ms`; returns how many.
    fn expire_uploads(&self, before_ms: i64) -> Fut<'_, u64>;
}
