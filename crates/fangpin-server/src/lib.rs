//! The fangpin sync service: the HTTP API that devices push to and pull from, with accounts,
//! roles and area scope, device credentials, quarantine of refused changes, conflicts for
//! supervisors, the audit trail, and attachments.
//!
//! The service is generic over its storage: [`backend::Backend`] is one trait, implemented by
//! `fangpin-server-sqlite` (the embedded default) and `fangpin-server-postgres`. The rules a
//! pushed change must pass live in [`judge`], and merging in `fangpin_sync`, so every backend
//! behaves the same; the `testkit` feature holds the suite every backend runs.

pub mod attachment;
pub mod auth;
pub mod backend;
pub mod campaign;
#[cfg(feature = "testkit")]
pub mod cluster;
pub mod error;
pub mod http;
pub mod judge;
pub mod model;
pub mod office;
pub mod plan;
pub mod pull;
pub mod state;
#[cfg(feature = "testkit")]
pub mod testkit;

pub use backend::{Backend, BackendError};
pub use http::{router, AppState, Settings};
pub use model::{Actor, Device, DeviceKind, Role, Scope, User};
