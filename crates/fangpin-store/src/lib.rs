//! The device's encrypted local database: every synced record of the 防返贫 screening, the
//! bookkeeping that lets it sync, and the drafts and photos that stay on the device.
//!
//! A [`Store`] is one SQLite database encrypted by SQLCipher (WAL mode, forward-only
//! migrations by `PRAGMA user_version`) whose random key is wrapped under the user's passcode
//! (Argon2id and XChaCha20-Poly1305, see [`key`]) and, where the platform has a key store, a
//! device-bound secret kept in it ([`keystore`]); a wrong passcode is counted and delays the
//! next attempts ([`backoff`]), and changing the passcode re-wraps the key without touching the
//! data.
//! The merge engine of `fangpin-sync` stays the source of truth: the store keeps every
//! version once, as a row keyed by its row, field and id, rebuilds a row's
//! [`fangpin_sync::Register`]s from its versions to merge, and recomputes a materialised
//! current-value row per record (and its open conflicts) from the registers after every write,
//! so the device merges exactly as the server does.
//! A save is one transaction that writes the new versions, the materialised row and the
//! device's change log together; applying a pulled batch is one transaction that also saves the
//! cursor, and applying it again changes nothing.
//! docs/store.md describes the tables, the transactions and the key handling.

pub mod backoff;
pub mod check;
pub mod error;
pub mod key;
pub mod keystore;
pub mod local;
mod materialise;
pub mod migration;
pub mod query;
pub mod store;
pub mod sync;

pub use backoff::Backoff;
pub use error::StoreError;
pub use key::{key_path, KdfParams, KeyProtection};
pub use keystore::{platform_key_store, DeviceKeyStore, KeyStoreError, MemoryKeyStore};
pub use local::{Attachment, Draft};
pub use migration::SCHEMA_VERSION;
pub use query::{HouseholdDetail, HouseholdSearch, HouseholdSummary, RowView};
pub use store::{DeviceIdentity, Durability, Edit, Store, StoreOptions};
pub use sync::{PullOutcome, StoredRefusal};
