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

/// The protocol version this build speaks. Version 2 added the service's epoch, the scope a
/// pull is for, refusal codes for values, history, authors and clocks, and byte-bounded pulls;
/// the service answers version 1 devices in version 1's terms.
pub const PROTOCOL_VERSION: u16 = 2;
/// The oldest device protocol the server still accepts: one version behind.
pub const OLDEST_ACCEPTED_PROTOCOL: u16 = if PROTOCOL_VERSION > 1 {
    PROTOCOL_VERSION - 1
} else {
    1
};
/// The most changes one batch may carry.
pub const MAX_BATCH: usize = 5_000;
/// The largest sequence number (device or global): both are stored as signed 64-bit integers.
pub const MAX_SEQ: u64 = i64::MAX as u64;
/// The most parents a change may name: no field keeps more heads than this, and a change's
/// parents are heads its writer saw.
pub const MAX_PARENTS: usize = 32;

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
    /// A sequence number is 0 or above [`MAX_SEQ`].
    #[error("change {0} has a sequence number outside 1 to {MAX_SEQ}")]
    SeqOutOfRange(VersionId),
    /// A pull cursor above [`MAX_SEQ`].
    #[error("cursor {0} is above {MAX_SEQ}")]
    CursorOutOfRange(u64),
    /// One version id carried two different contents: an id names one content forever.
    #[error("version {0} was sent with two different contents")]
    VersionReused(VersionId),
}

impl WireError {
    /// A stable code for logs and JSON errors.
    pub fn code(&self) -> &'static str {
        match self {
            WireError::Protocol { .. } => "protocol_version",
            WireError::Checksum { .. } => "checksum_mismatch",
            WireError::TooLarge(_) => "batch_too_large",
            WireError::ForeignChange(_) => "foreign_change",
            WireError::SeqOutOfRange(_) => "seq_out_of_range",
            WireError::CursorOutOfRange(_) => "cursor_out_of_range",
            WireError::VersionReused(_) => "version_reused",
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

    /// Checks version, size, checksum, that every change is the device's own with a sequence
    /// number in range, and that no id comes twice with different contents.
    pub fn verify(&self) -> Result<(), WireError> {
        check_protocol(self.protocol)?;
        if self.changes.len() > MAX_BATCH {
            return Err(WireError::TooLarge(self.changes.len()));
        }
        verify_checksum(&self.checksum, &self.changes)?;
        if let Some(c) = self.changes.iter().find(|c| c.id.device != self.device) {
            return Err(WireError::ForeignChange(c.id));
        }
        if let Some(c) = self
            .changes
            .iter()
            .find(|c| c.id.seq == 0 || c.id.seq > MAX_SEQ)
        {
            return Err(WireError::SeqOutOfRange(c.id));
        }
        let mut seen: std::collections::HashMap<VersionId, &Change> =
            std::collections::HashMap::with_capacity(self.changes.len());
        for c in &self.changes {
            if let Some(first) = seen.insert(c.id, c) {
                if first != c {
                    return Err(WireError::VersionReused(c.id));
                }
            }
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
    /// The table, field or value does not fit the record catalogue (type, range, size).
    InvalidValue,
    /// A parent the service does not hold (or the change itself, or too many parents).
    UnknownParent,
    /// The field already has as many unresolved values as it may: resolve it first.
    TooManyHeads,
    /// The change names another user as its author.
    WrongAuthor,
    /// The change's clock reading is too far ahead of the service's clock.
    ClockAhead,
    /// The user's role may not make this change (resolving a conflict needs a supervisor).
    NotPermitted,
}

impl RefusalCode {
    /// The code as a device speaking `protocol` understands it: version 1 knows only the
    /// first five, and reads every later one as `malformed`.
    pub fn for_protocol(self, protocol: u16) -> RefusalCode {
        match self {
            RefusalCode::OutOfScope
            | RefusalCode::InvalidTransition
            | RefusalCode::StaleTransition
            | RefusalCode::WrongOp
            | RefusalCode::Malformed => self,
            _ if protocol < 2 => RefusalCode::Malformed,
            _ => self,
        }
    }

    /// The stable name, as on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            RefusalCode::OutOfScope => "out_of_scope",
            RefusalCode::InvalidTransition => "invalid_transition",
            RefusalCode::StaleTransition => "stale_transition",
            RefusalCode::WrongOp => "wrong_op",
            RefusalCode::Malformed => "malformed",
            RefusalCode::InvalidValue => "invalid_value",
            RefusalCode::UnknownParent => "unknown_parent",
            RefusalCode::TooManyHeads => "too_many_heads",
            RefusalCode::WrongAuthor => "wrong_author",
            RefusalCode::ClockAhead => "clock_ahead",
            RefusalCode::NotPermitted => "not_permitted",
        }
    }

    /// Every code.
    pub const ALL: [RefusalCode; 11] = [
        RefusalCode::OutOfScope,
        RefusalCode::InvalidTransition,
        RefusalCode::StaleTransition,
        RefusalCode::WrongOp,
        RefusalCode::Malformed,
        RefusalCode::InvalidValue,
        RefusalCode::UnknownParent,
        RefusalCode::TooManyHeads,
        RefusalCode::WrongAuthor,
        RefusalCode::ClockAhead,
        RefusalCode::NotPermitted,
    ];
}

/// The service database's epoch: a new one starts when the service may have lost changes it
/// had acknowledged (a restored backup). `base` is the highest global sequence number the
/// service held when the epoch began: a device whose cursor is beyond it pulls again from
/// there, and re-sends what the service no longer acknowledges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Epoch {
    /// A random id.
    pub id: String,
    /// The highest global sequence number held when the epoch began.
    pub base: u64,
}

/// Where a device stands with the service, asked before each sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncState {
    /// The service's protocol version.
    pub protocol: u16,
    /// The service database's epoch.
    pub epoch: Epoch,
    /// The device's highest sequence number the service holds with no gap below it.
    pub acknowledged_through: u64,
    /// The highest global sequence number the service holds.
    pub high_water: u64,
    /// The areas the device's user may see now.
    pub scope: Vec<String>,
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
    /// Why, in English, for logs; the app shows its own Chinese text for the code unless
    /// `reason_zh` is given.
    pub reason: String,
    /// Why, in Chinese, where the rule has its own words (a procedure step refused by its role,
    /// order or notice length); absent otherwise. Optional, so older devices ignore it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_zh: Option<String>,
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
    /// The service database's epoch (protocol 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<Epoch>,
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
    /// The epoch the cursor belongs to (protocol 2): from another epoch, the service answers
    /// from the start of that epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<String>,
    /// The areas the device holds rows of (protocol 2): the scope of its last applied batch.
    /// When the user's scope differs, the answer removes what left it and restarts the feed
    /// when it grew; the device saves the answer's scope with the batch, so a lost answer is
    /// asked again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Vec<String>>,
}

impl PullRequest {
    /// A request from a cursor.
    pub fn new(cursor: u64, limit: u32) -> Self {
        Self {
            protocol: PROTOCOL_VERSION,
            cursor,
            limit,
            epoch: None,
            scope: None,
        }
    }

    /// Checks version and cursor.
    pub fn verify(&self) -> Result<(), WireError> {
        check_protocol(self.protocol)?;
        if self.cursor > MAX_SEQ {
            return Err(WireError::CursorOutOfRange(self.cursor));
        }
        Ok(())
    }
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
    /// The service database's epoch (protocol 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<Epoch>,
    /// The scope this answer is for (protocol 2): the device saves it with the batch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Vec<String>>,
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
            epoch: None,
            scope: None,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DeviceId, Hlc};
    use crate::{Op, RowKey, UserId};
    use uuid::Uuid;

    fn change(seq: u64, value: i64) -> Change {
        Change {
            id: VersionId {
                device: DeviceId(Uuid::from_u128(1)),
                seq,
            },
            row: RowKey::new("household", Uuid::from_u128(2)),
            field: "phone".into(),
            op: Op::Set {
                value: value.into(),
            },
            parents: Vec::new(),
            covers: Vec::new(),
            author: UserId(Uuid::from_u128(3)),
            hlc: Hlc::default(),
        }
    }

    #[test]
    fn sequence_numbers_out_of_range_are_refused() {
        let device = DeviceId(Uuid::from_u128(1));
        for seq in [0, MAX_SEQ + 1, u64::MAX] {
            let e = PushRequest::new(device, vec![change(1, 1), change(seq, 1)])
                .verify()
                .unwrap_err();
            assert_eq!(e.code(), "seq_out_of_range");
        }
        assert!(PushRequest::new(device, vec![change(MAX_SEQ, 1)])
            .verify()
            .is_ok());
        let mut pull = PullRequest::new(MAX_SEQ + 1, 10);
        assert_eq!(pull.verify().unwrap_err().code(), "cursor_out_of_range");
        pull.cursor = MAX_SEQ;
        assert!(pull.verify().is_ok());
    }

    #[test]
    fn one_version_id_with_two_contents_is_refused() {
        let device = DeviceId(Uuid::from_u128(1));
        let e = PushRequest::new(device, vec![change(1, 1), change(1, 2)])
            .verify()
            .unwrap_err();
        assert_eq!(e.code(), "version_reused");
        assert!(
            PushRequest::new(device, vec![change(1, 1), change(1, 1)])
                .verify()
                .is_ok(),
            "the same content twice is a harmless repeat"
        );
    }

    #[test]
    fn protocol_1_devices_read_new_refusal_codes_as_malformed() {
        for code in RefusalCode::ALL {
            let old = code.for_protocol(1);
            let text = serde_json::to_value(old).unwrap();
            assert!(
                [
                    "out_of_scope",
                    "invalid_transition",
                    "stale_transition",
                    "wrong_op",
                    "malformed"
                ]
                .contains(&text.as_str().unwrap()),
                "{code:?}"
            );
            assert_eq!(code.for_protocol(2), code);
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
        }
    }
}
