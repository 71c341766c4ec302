//! The device side of the fangpin sync protocol (docs/protocol.md) over HTTP.
//!
//! [`Client::enrol`] signs in once, with signal, and returns the device's credential.
//! [`Client::sync`] pushes the device's change log in batches that never split a row's
//! creation, pulls what is new in the user's scope into the store (each batch with its cursor
//! in one transaction, so a cut transfer resumes where it stopped), and uploads attachments in
//! chunks that resume after a cut. Before each sync it asks where the device stands
//! ([`Client::state`]): after a service was restored from a backup, it sends again what the
//! service lost and pulls again from the new epoch's base. A service that cannot be reached is
//! reported at once; a cut transfer, a time-out, a server error or a corrupted batch is retried
//! with back-off; a pulled change the device cannot apply is kept aside without stopping the
//! sync, and an attachment the service will not take yet waits for a later sync. Each failure
//! that reaches the caller has a stable code and a message.

mod client;
mod error;

pub use client::{
    Client, Enrolment, Phase, Progress, Renewal, RetryPolicy, SyncReport, RENEW_BEFORE_MS,
};
pub use error::SyncError;
