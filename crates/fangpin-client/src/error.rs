//! Sync failures, each with a stable code.

/// Why a sync step failed.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The service could not be reached (no network, refused connection, no answer to the
    /// connection): reported at once, never retried within a sync.
    #[error("the service cannot be reached: {0}")]
    Unreachable(String),
    /// The connection broke during a transfer: retried.
    #[error("the transfer was cut: {0}")]
    Network(String),
    /// The credential was refused; `wipe` is set when the device was revoked.
    #[error("the credential was refused ({code}): {message}")]
    Credential {
        /// The server's code: `device_revoked`, `credential_expired`, `bad_credential`…
        code: String,
        /// The server's message.
        message: String,
        /// The server asks the device to wipe its local data.
        wipe: bool,
    },
    /// Sign-in failed (wrong password, too many attempts, disabled account).
    #[error("sign-in refused ({code}): {message}")]
    SignIn {
        /// The server's code.
        code: String,
        /// The server's message.
        message: String,
        /// How long to wait before trying again.
        retry_after_ms: Option<i64>,
    },
    /// The service already holds one of the pushed version ids with other content: the device's
    /// log and the service's disagree (a device restored from an older copy of itself that
    /// changed things offline before syncing). Sending again does not help; the office has to
    /// look at it.
    #[error("the service holds version ids of this device with other content (through {stored_through}): {message}")]
    VersionReused {
        /// The device's highest sequence number the service holds.
        stored_through: u64,
        /// The server's message.
        message: String,
    },
    /// The service answered with an error that retrying did not clear.
    #[error("the service failed ({status} {code}): {message}")]
    Server {
        /// HTTP status.
        status: u16,
        /// The server's code.
        code: String,
        /// The server's message.
        message: String,
    },
    /// A pulled batch kept failing its checksum.
    #[error("pulled batches keep arriving corrupted: {0}")]
    Corrupt(String),
    /// The local store failed.
    #[error("local store: {0}")]
    Store(#[from] fangpin_store::StoreError),
}

impl SyncError {
    /// A stable code for the UI.
    pub fn code(&self) -> &'static str {
        match self {
            SyncError::Unreachable(_) => "no_network",
            SyncError::Network(_) => "transfer_cut",
            SyncError::Credential { wipe: true, .. } => "device_revoked",
            SyncError::Credential { .. } => "credential_refused",
            SyncError::SignIn { .. } => "sign_in_refused",
            SyncError::VersionReused { .. } => "version_reused",
            SyncError::Server { .. } => "server_error",
            SyncError::Corrupt(_) => "corrupt_transfer",
            SyncError::Store(_) => "store_error",
        }
    }

    /// Whether trying again later may succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            SyncError::Network(_) | SyncError::Corrupt(_) => true,
            SyncError::Server { status, .. } => {
                (*status >= 500 && *status != 507) || *status == 408 || *status == 429
            }
            _ => false,
        }
    }
}
