//! Identifiers: devices, users, versions and rows.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A device (tablet, laptop or the server itself), identified by a UUID made at enrolment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, format = Uuid))]
pub struct DeviceId(pub Uuid);

/// A user account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, format = Uuid))]
pub struct UserId(pub Uuid);

/// One version of one field: the device that wrote it and that device's own change sequence.
///
/// The pair is globally unique, and it is also the key under which the server stores a pushed
/// change exactly once, so a replayed push is a no-op.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VersionId {
    /// The device that made the change.
    pub device: DeviceId,
    /// The device's own sequence number, from 1, without gaps.
    pub seq: u64,
}

/// A synced row: its table and its UUID (v7, made where the row was created).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RowKey {
    /// The table, such as `household` or `ledger_item`.
    pub table: String,
    /// The row's id.
    pub id: Uuid,
}

impl RowKey {
    /// A row key.
    pub fn new(table: impl Into<String>, id: Uuid) -> Self {
        Self {
            table: table.into(),
            id,
        }
    }
}

impl std::fmt::Display for RowKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.table, self.id)
    }
}

impl std::fmt::Display for VersionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}#{}", self.device.0, self.seq)
    }
}
