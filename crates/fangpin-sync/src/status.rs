//! The ledger item's status, as the merge engine sees it: the states and the moves between them
//! are the domain's rules ([`fangpin_domain::ledger`]); the engine orders concurrent moves by
//! them and calls a backward move beside another a conflict.

pub use fangpin_domain::ledger::{LedgerState, LedgerStatus, TransitionError};
