//! What can go wrong in the store, each with a stable code.

use std::path::PathBuf;

use fangpin_sync::wire::WireError;
use fangpin_sync::{RowKey, WriteError};

/// An error of the store. [`StoreError::code`] is stable; the messages are English, for logs.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The passcode does not unwrap the database key.
    #[error(
        "wrong passcode ({failed_attempts} failed attempts){}",
        retry_at_ms.map(|t| format!("; next attempt allowed at {t} ms since the epoch")).unwrap_or_default()
    )]
    WrongPasscode {
        /// Failed attempts since the last success, this one included.
        failed_attempts: u32,
        /// When the next attempt is allowed, when a delay now applies.
        retry_at_ms: Option<u64>,
    },
    /// Too many wrong passcodes: no attempt is taken before `retry_at_ms`.
    #[error(
        "too many wrong passcodes: try again in {wait_ms} ms (at {retry_at_ms} ms since the epoch)"
    )]
    RetryLater {
        /// When the next attempt is allowed, in ms since the Unix epoch.
        retry_at_ms: u64,
        /// How long that is from the time given with the attempt.
        wait_ms: u64,
    },
    /// No key file beside the database: the store was never created here.
    #[error("no store at {0}")]
    NotFound(PathBuf),
    /// A store already exists where one was to be created.
    #[error("a store already exists at {0}")]
    AlreadyExists(PathBuf),
    /// The store's key is bound to this device's key store, which cannot be used now (none
    /// configured, no Secret Service running, the keyring locked): nothing was tried or
    /// counted; try again once the key store is back.
    #[error("the store's key needs the device's key store, which cannot be used: {0}")]
    DeviceSecretUnavailable(String),
    /// The device's key store holds no secret for this store, or another one (the store was
    /// copied from another device or user, or the key store was reset): the passcode alone
    /// cannot open it, and nothing was counted.
    #[error("the device-bound secret of this store is missing: {0}")]
    DeviceSecretMissing(String),
    /// The key file cannot be read.
    #[error("key file is damaged: {0}")]
    KeyFileDamaged(String),
    /// The database was written by a newer version of the app.
    #[error("database schema version {found} is newer than this build supports ({supported})")]
    SchemaTooNew {
        /// The version in the file.
        found: u32,
        /// The newest this build knows.
        supported: u32,
    },
    /// The database key does not open the database file (wrong file beside the key, or damage).
    #[error("the database file does not open with its key: {0}")]
    NotADatabase(String),
    /// The change does not fit its field (stable codes from the merge engine).
    #[error(transparent)]
    Write(#[from] WriteError),
    /// A pulled batch cannot be taken (stable codes from the wire protocol).
    #[error(transparent)]
    Wire(#[from] WireError),
    /// `$alive` is written only by create, delete and restore.
    #[error("field $alive is written by create, delete and restore only")]
    AliveField,
    /// The row was already created.
    #[error("row {0} already exists")]
    RowExists(RowKey),
    /// The row is not in the store.
    #[error("row {0} does not exist")]
    NoSuchRow(RowKey),
    /// A stored record does not parse: the database is damaged.
    #[error("stored record does not parse: {0}")]
    Corrupt(#[from] serde_json::Error),
    /// SQLite failed.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The file system failed.
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
    /// The change does not fit the record catalogue (unknown table or field, or a value of
    /// the wrong type, range or size).
    #[error("{reason}")]
    Invalid {
        /// The table.
        table: String,
        /// The field.
        field: String,
        /// The catalogue's stable code.
        code: &'static str,
        /// What is wrong, in English.
        reason: String,
    },
    /// The user's role may not make this change: resolving a conflict needs a supervisor.
    #[error("{table}.{field} is in conflict: only a supervisor may resolve it")]
    NotPermitted {
        /// The table.
        table: String,
        /// The field.
        field: String,
    },
}

impl StoreError {
    /// A stable code for the UI (which shows its own Chinese text) and for logs.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::WrongPasscode { .. } => "wrong_passcode",
            StoreError::RetryLater { .. } => "retry_later",
            StoreError::NotFound(_) => "store_not_found",
            StoreError::AlreadyExists(_) => "store_exists",
            StoreError::DeviceSecretUnavailable(_) => "device_secret_unavailable",
            StoreError::DeviceSecretMissing(_) => "device_secret_missing",
            StoreError::KeyFileDamaged(_) => "key_file_damaged",
            StoreError::SchemaTooNew { .. } => "schema_too_new",
            StoreError::NotADatabase(_) => "not_a_database",
            StoreError::Write(e) => e.code(),
            StoreError::Wire(e) => e.code(),
            StoreError::AliveField => "alive_field",
            StoreError::RowExists(_) => "row_exists",
            StoreError::NoSuchRow(_) => "no_such_row",
            StoreError::Corrupt(_) => "corrupt_record",
            StoreError::Sqlite(_) => "database",
            StoreError::Io(_) => "io",
            StoreError::Invalid { .. } => "invalid_value",
            StoreError::NotPermitted { .. } => "not_permitted",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_and_messages_say_when_to_retry() {
        let e = StoreError::WrongPasscode {
            failed_attempts: 6,
            retry_at_ms: Some(60_000),
        };
        assert_eq!(e.code(), "wrong_passcode");
        assert!(e.to_string().contains("60000"));
        let e = StoreError::RetryLater {
            retry_at_ms: 90_000,
            wait_ms: 30_000,
        };
        assert_eq!(e.code(), "retry_later");
        assert!(e.to_string().contains("30000 ms"));
        assert_eq!(
            StoreError::Write(WriteError::AliveNotBool).code(),
            "alive_not_bool"
        );
    }
}
