//! The device side of the fangpin sync protocol (docs/protocol.md) over HTTP.
//!
//! [`Client::enrol`] signs in once, with signal, and returns the device's credential.
//! [`Client::sync`] pushes the device's change log in batches that never split a row's
//! creation, pulls what is new in the user's scope into the store (each batch with its cursor
//! in one transaction, so a cut transfer resumes where it stopped), and uploads attachments in
//! chunks that resume after a cut. Transient failures (no network, a time-out, a server error,
//! a corrupted batch) are retried with back-off; each failure that reaches the caller has a
//! stable code and a message.

mod client;
mod error;

pub use client::{Client, Enrolment, Phase, Progress, RetryPolicy, SyncReport};
pub use error::SyncError;
