//! The messages devices and the server exchange; docs/protocol.md is their specification.
//!
//! A device pushes its own change log in bounded batches, keyed by (device, sequence), so a
//! replayed batch is a no-op; it pulls what is new in its scope since a cursor, in bounded
//! batches, and saves the cursor in the transaction that applies the batch.
//! Every batch carries a SHA-256 checksum of its changes, so a corrupted transfer is detected
//! and repeated rather than applied.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::change::Change;
use crate::ids::{DeviceId, RowKey, VersionId};

/// The protocol version this build speaks.
pub const PROTOCOL_VERSION: u16 = 1;
/// The oldest device protocol the server still accepts: one version behind.
pub const OLDEST_ACCEPTED_PROTOCOL: u16 = if PROTOCOL_VERSION > 1 {
    PROTOCOL_VERSION - 1
} else {
    1
};
/// The most changes one batch may carry.
pub const MAX_BATCH: usize = 5_000;

/// A wire message that cannot be taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// The peer speaks a protocol this build does not accept.
    #[error("protocol version {got} is not accepted (accepted: {oldest} to {newest})")]
    Protocol {
        /// The peer's version.
        got: u16,
        /// The oldest accepted.
        oldest: u16,
        /// The newest known.
        newest: u16,
    },
    /// The batch's checksum does not match its changes.
    #[error("batch checksum mismatch: expected {expected}, computed {computed}")]
    Checksum {
        /// What the sender put in the batch.
        expected: String,
        /// What the receiver computed.
        computed: String,
    },
    /// The batch is larger than [`MAX_BATCH`].
    #[error("batch of {0} changes exceeds the limit of {MAX_BATCH}")]
    TooLarge(usize),
    /// A pushed change was not written by the pushing device.
    #[error("change {0} was not made by the pushing device")]
    ForeignChange(VersionId),
}

impl WireError {
    /// A stable code for logs and JSON errors.
    pub fn code(&self) -> &'static str {
        match self {
            WireError::Protocol { .. } => "protocol_version",
            WireError::Checksum { .. } => "checksum_mismatch",
            WireError::TooLarge(_) => "batch_too_large",
            WireError::ForeignChange(_) => "foreign_change",
        }
    }
}

/// Checks a peer's protocol version.
pub fn check_protocol(got: u16) -> Result<(), WireError> {
    if (OLDEST_ACCEPTED_PROTOCOL..=PROTOCOL_VERSION).contains(&got) {
        Ok(())
    } else {
        Err(WireError::Protocol {
            got,
            oldest: OLDEST_ACCEPTED_PROTOCOL,
            newest: PROTOCOL_VERSION,
        })
    }
}

/// The SHA-256, in hex, of the JSON form of a list of changes.
pub fn checksum<'a>(changes: impl IntoIterator<Item = &'a Change>) -> String {
    let mut h = Sha256::new();
    for c in changes {
        h.update(serde_json::to_vec(c).unwrap_or_default());
        h.update(b"\n");
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// A batch of the pushing device's own changes, in sequence order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushRequest {
    /// The device's protocol version.
    pub protocol: u16,
    /// The pushing device.
    pub device: DeviceId,
    /// The changes, each made by `device`.
    pub changes: Vec<Change>,
    /// [`checksum`] of `changes`.
    pub checksum: String,
}

impl PushRequest {
    /// A request with its checksum.
    pub fn new(device: DeviceId, changes: Vec<Change>) -> Self {
        let checksum = checksum(&changes);
        Self {
            protocol: PROTOCOL_VERSION,
            device,
            changes,
            checksum,
        }
    }

    /// Checks version, size, checksum and that every change is the device's own.
    pub fn verify(&self) -> Result<(), WireError> {
        check_protocol(self.protocol)?;
        if self.changes.len() > MAX_BATCH {
            return Err(WireError::TooLarge(self.changes.len()));
        }
        verify_checksum(&self.checksum, &self.changes)?;
        if let Some(c) = self.changes.iter().find(|c| c.id.device != self.device) {
            return Err(WireError::ForeignChange(c.id));
        }
        Ok(())
    }
}

fn verify_checksum(expected: &str, changes: &[Change]) -> Result<(), WireError> {
    let computed = checksum(changes);
    if computed == expected {
        Ok(())
    } else {
        Err(WireError::Checksum {
            expected: expected.to_owned(),
            computed,
        })
    }
}

/// Why the server refused a change. The change is kept in quarantine, never dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RefusalCode {
    /// The user may not write this row.
    OutOfScope,
    /// The ledger status transition is not allowed.
    InvalidTransition,
    /// The transition does not start from the status its parents hold.
    StaleTransition,
    /// The operation does not fit the field.
    WrongOp,
    /// The value is not valid for the field.
    Malformed,
}

/// One refused change and the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Refusal {
    /// The refused version.
    pub change: VersionId,
    /// Its row.
    pub row: RowKey,
    /// Its field.
    pub field: String,
    /// Why, as a stable code.
    pub code: RefusalCode,
    /// Why, in English, for logs; the app shows its own Chinese text for the code.
    pub reason: String,
}

/// The server's answer to a push.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResponse {
    /// The server's protocol version.
    pub protocol: u16,
    /// The device's highest sequence number that the server holds (accepted or quarantined)
    /// with no gap below it: the device may mark everything up to here as pushed.
    pub acknowledged_through: u64,
    /// Changes newly stored.
    pub accepted: u32,
    /// Changes the server already had.
    pub duplicates: u32,
    /// Changes refused (kept in quarantine).
    pub refusals: Vec<Refusal>,
}

/// A request for what is new in the caller's scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PullRequest {
    /// The device's protocol version.
    pub protocol: u16,
    /// The last global sequence number the device applied (0 at first).
    pub cursor: u64,
    /// The most changes wanted in this batch (the server caps it at [`MAX_BATCH`]).
    pub limit: u32,
}

/// One change with the global sequence number the server gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Sequenced {
    /// The server's global sequence number.
    pub seq: u64,
    /// The change.
    pub change: Change,
}

/// A batch of changes for the device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PullResponse {
    /// The server's protocol version.
    pub protocol: u16,
    /// The changes, in global sequence order.
    pub changes: Vec<Sequenced>,
    /// Rows that left the caller's scope: the device removes them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed_rows: Vec<RowKey>,
    /// The cursor to save once this batch is applied.
    pub next_cursor: u64,
    /// Set when the server restarted the device's feed from the beginning (its scope grew):
    /// the changes follow from the first; applying any twice changes nothing.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reset: bool,
    /// Whether more changes wait beyond this batch.
    pub more: bool,
    /// How many changes wait beyond this batch (for progress; 0 when none).
    #[serde(default)]
    pub remaining: u64,
    /// [`checksum`] of the changes.
    pub checksum: String,
}

impl PullResponse {
    /// A response with its checksum.
    pub fn new(
        changes: Vec<Sequenced>,
        removed_rows: Vec<RowKey>,
        next_cursor: u64,
        more: bool,
    ) -> Self {
        let checksum = checksum(changes.iter().map(|s| &s.change));
        Self {
            protocol: PROTOCOL_VERSION,
            changes,
            removed_rows,
            next_cursor,
            reset: false,
            more,
            remaining: 0,
            checksum,
        }
    }

    /// Checks version and checksum: a batch that fails is fetched again, never applied.
    pub fn verify(&self) -> Result<(), WireError> {
        check_protocol(self.protocol)?;
        let computed = checksum(self.changes.iter().map(|s| &s.change));
        if computed == self.checksum {
            Ok(())
        } else {
            Err(WireError::Checksum {
                expected: self.checksum.clone(),
                computed,
            })
        }
    }
}
