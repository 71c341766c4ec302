//! The storage the service runs on: one trait, one crate per database.
//!
//! A backend stores accounts, devices, every accepted change with its global sequence number,
//! the register of every field, the row's village, open conflicts, quarantined changes and
//! attachments. It decides nothing itself: push rules come from [`crate::judge`] and merging
//! from `fangpin_sync`, so every backend behaves the same (the shared suite in `testkit` checks).

use std::future::Future;

use fangpin_sync::wire::{PullResponse, PushResponse};
use fangpin_sync::{Change, Conflict, RowKey};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::model::{Actor, Device, Scope, StoredDevice, StoredUser, User};

/// A storage failure.
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
    /// The attachment upload does not fit what was received so far.
    #[error("attachment: {0}")]
    Attachment(String),
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

/// Where an attachment upload stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AttachmentStatus {
    /// SHA-256, hex.
    pub sha256: String,
    /// Bytes received so far: the offset of the next chunk.
    pub received: u64,
    /// The whole size.
    pub size: u64,
    /// Whether every byte arrived and the hash matched.
    pub complete: bool,
}

/// Counts per village for the console.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct VillageProgress {
    /// The village code.
    pub village: String,
    /// Households synced.
    pub households: u64,
    /// Open conflicts.
    pub conflicts: u64,
}

type Fut<'a, T> = std::pin::Pin<Box<dyn Future<Output = Result<T, BackendError>> + Send + 'a>>;

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

    /// Adds a device with the hash of its secret.
    fn create_device(&self, device: Device, secret_hash: String) -> Fut<'_, ()>;
    /// A device by id.
    fn device(&self, id: Uuid) -> Fut<'_, Option<StoredDevice>>;
    /// Every device, or one user's.
    fn devices(&self, user: Option<Uuid>) -> Fut<'_, Vec<Device>>;
    /// Revokes a device; false when there is no such device.
    fn revoke_device(&self, id: Uuid, at_ms: i64) -> Fut<'_, bool>;

    /// Stores a batch of the actor's device's changes, once each, judging every one.
    fn push(&self, actor: Actor, changes: Vec<Change>, now_ms: i64) -> Fut<'_, PushResponse>;
    /// What is new in the actor's scope after `cursor`, at most `limit` changes.
    fn pull(&self, actor: Actor, cursor: u64, limit: u32) -> Fut<'_, PullResponse>;
    /// Writes a supervisor's resolution of a conflict as the actor's device; returns the change.
    fn resolve(
        &self,
        actor: Actor,
        row: RowKey,
        field: String,
        resolution: Resolution,
        now_ms: i64,
    ) -> Fut<'_, Change>;
    /// Open conflicts in a scope.
    fn conflicts(&self, scope: Scope) -> Fut<'_, Vec<Conflict>>;
    /// Every accepted version of a field in a scope, oldest first.
    fn history(&self, scope: Scope, row: RowKey, field: String) -> Fut<'_, Vec<AuditEntry>>;
    /// Households and conflicts per village in a scope.
    fn progress(&self, scope: Scope) -> Fut<'_, Vec<VillageProgress>>;

    /// Adds a chunk of an attachment at `offset`; refuses a chunk that does not continue what
    /// was received.
    fn put_attachment(
        &self,
        sha256: String,
        size: u64,
        offset: u64,
        bytes: Vec<u8>,
    ) -> Fut<'_, AttachmentStatus>;
    /// Where an upload stands.
    fn attachment_status(&self, sha256: String) -> Fut<'_, Option<AttachmentStatus>>;
    /// A complete attachment's bytes.
    fn attachment(&self, sha256: String) -> Fut<'_, Option<Vec<u8>>>;
}
