//! The field-level merge engine of fangpin, shared by the field app and the server.
//!
//! Every synced row is a set of fields, and every field is a register whose history is a small
//! graph of versions ([`Change`]s) linked to the versions their writer had seen (their parents).
//! A [`Replica`] holds the union of the versions it has received: merging is set union, so it is
//! commutative, associative and idempotent, and replicas that saw the same changes converge to
//! the same [`Replica::state_hash`].
//! A field's heads are its versions that no other version names as a parent; one distinct head
//! value is the value, several are a [`Conflict`] that keeps every value and shows the same
//! provisional winner on every replica until a resolution names all heads as parents.
//! Row existence is the register [`ALIVE`], so an edit concurrent with a delete is a conflict;
//! ledger status fields follow the state machine in [`status`]; append-log fields never conflict.
//! The crate is pure: no I/O, no SQL, no HTTP, no clock reads (wall time is passed in).

pub mod change;
pub mod clock;
pub mod duplicate;
pub mod field;
pub mod ids;
pub mod replica;
pub mod schema;
pub mod status;
pub mod wire;

pub use change::{Change, Op, Value};
pub use clock::{ClockSkew, Hlc, HlcClock};
pub use duplicate::{find_duplicates, Duplicate};
pub use field::{Conflict, ConflictKind, FieldView, Head, Register, Version};
pub use ids::{DeviceId, RowKey, UserId, VersionId};
pub use replica::{
    is_resolution, row_conflicts, row_conflicts_covering, validate, Applied, Replica, WriteError,
    Writer,
};
pub use schema::{FieldRule, Schema};
pub use status::{LedgerState, LedgerStatus, TransitionError};

/// The field that holds a row's existence: `true` alive, `false` deleted.
pub const ALIVE: &str = "$alive";
