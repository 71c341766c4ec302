//! The change: one write of one field of one row.

use serde::{Deserialize, Serialize};

use crate::clock::Hlc;
use crate::ids::{RowKey, UserId, VersionId};
use crate::status::LedgerStatus;

/// A field value. Money is integer fen, never floating point; the engine itself treats values
/// as opaque JSON and compares them by equality.
pub type Value = serde_json::Value;

/// What a change does to its field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Op {
    /// Sets a register to a value.
    Set {
        /// The new value.
        value: Value,
    },
    /// Moves a ledger status along its state machine.
    Transition {
        /// The status the writer saw (`None` when the item is created).
        from: Option<LedgerStatus>,
        /// The new status.
        to: LedgerStatus,
    },
    /// Adds an entry to an append-only field (visit notes, audit events).
    Append {
        /// The entry.
        value: Value,
    },
}

impl Op {
    /// The value this change leaves in its field.
    pub fn value(&self) -> Value {
        match self {
            Op::Set { value } | Op::Append { value } => value.clone(),
            Op::Transition { to, .. } => to.to_value(),
        }
    }
}

/// One write of one field, as stored by every replica and sent on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Change {
    /// This version's id: the writing device and its sequence number.
    pub id: VersionId,
    /// The row written.
    pub row: RowKey,
    /// The field written; [`crate::ALIVE`] for the row's existence.
    pub field: String,
    /// What the write does.
    #[serde(flatten)]
    pub op: Op,
    /// The versions of this field that the writer had as heads: the versions it supersedes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parents: Vec<VersionId>,
    /// For a delete only: the heads of the row's other fields that the deleter had seen, so an
    /// edit the deleter never saw is surfaced as an edit-against-delete conflict.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub covers: Vec<VersionId>,
    /// The user who made the change.
    pub author: UserId,
    /// The writer's hybrid logical clock reading.
    pub hlc: Hlc,
}

impl Change {
    /// The order that picks a conflict's provisional winner: clock time, then device id, then
    /// sequence. The same on every replica.
    pub fn precedence(&self) -> (Hlc, VersionId) {
        (self.hlc, self.id)
    }
}
