//! The embedded SQLite backend of the fangpin sync service: one file, nothing to install.
//!
//! Every accepted change is a row of `changes` under its global sequence number, unique by
//! (device, device sequence) so a replayed push is a no-op; `registers` holds each field's merge
//! state (a serialised `fangpin_sync::Register`), `rows` each row's village, `conflicts` the open
//! conflicts, `quarantine` the refused changes with their reasons. A push is one transaction.

mod schema;
mod store;

pub use store::SqliteBackend;
