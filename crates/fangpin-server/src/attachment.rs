//! The rules of attachment uploads that both backends share. An upload belongs to the device
//! that makes it: chunks continue what that device sent, a declared size that differs starts
//! it again, quotas bound what a device has unfinished and what a user stores, and unfinished
//! uploads expire. A finished upload whose bytes hash to its name becomes the service's copy
//! of the attachment, readable by whoever may see a row naming it. Pure.

use sha2::{Digest, Sha256};

/// Limits on attachments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// The largest attachment, bytes.
    pub max_attachment: u64,
    /// The most bytes of unfinished uploads one device may have.
    pub unfinished_per_device: u64,
    /// The most bytes of attachments one user may have stored.
    pub stored_per_user: u64,
    /// How long an unfinished upload is kept without a new chunk, ms.
    pub unfinished_ttl_ms: i64,
}

impl Default for Quota {
    fn default() -> Self {
        Self {
            max_attachment: 20 * 1024 * 1024,
            unfinished_per_device: 200 * 1024 * 1024,
            stored_per_user: 10 * 1024 * 1024 * 1024,
            unfinished_ttl_ms: 7 * 24 * 3600 * 1000,
        }
    }
}

/// A device's upload of one attachment, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Upload {
    /// The declared size.
    pub size: u64,
    /// Bytes received: the offset of the next chunk.
    pub received: u64,
}

/// What the service has of an attachment for the device asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holding {
    /// The device's unfinished upload, if any.
    pub upload: Option<Upload>,
    /// Whether the service holds the whole attachment.
    pub complete: bool,
    /// Whether a row the caller may see names it.
    pub named_in_scope: bool,
    /// Bytes of the device's other unfinished uploads.
    pub device_unfinished: u64,
    /// Bytes of attachments the user stored.
    pub user_stored: u64,
}

/// What to do with a chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkStep {
    /// The service already holds the attachment: nothing to store.
    AlreadyComplete,
    /// Store the chunk at `offset`, starting the upload first when `fresh` (dropping what the
    /// device had sent under another declared size).
    Store {
        /// Start the upload anew.
        fresh: bool,
    },
}

/// Why a chunk is refused, with a stable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChunkError {
    /// No row the caller may see names the attachment.
    #[error("no row in your scope names this attachment: push the change that names it first")]
    Unnamed,
    /// Larger than the largest attachment.
    #[error("attachments are at most {0} bytes")]
    TooLarge(u64),
    /// The chunk runs past the declared size.
    #[error("the chunk runs past the attachment's size")]
    PastEnd,
    /// The chunk does not continue what was received.
    #[error("expected offset {expected}, got {got}")]
    Offset {
        /// The next offset expected.
        expected: u64,
        /// The offset sent.
        got: u64,
    },
    /// A quota would be exceeded.
    #[error("{0}")]
    Quota(String),
}

impl ChunkError {
    /// A stable code.
    pub fn code(&self) -> &'static str {
        match self {
            ChunkError::Unnamed => "attachment_unnamed",
            ChunkError::TooLarge(_) => "attachment_too_large",
            ChunkError::PastEnd => "chunk_past_end",
            ChunkError::Offset { .. } => "attachment_offset",
            ChunkError::Quota(_) => "attachment_quota",
        }
    }
}

/// Decides a chunk of `len` bytes at `offset` of an attachment declared `size` bytes long.
pub fn check_chunk(
    h: &Holding,
    size: u64,
    offset: u64,
    len: u64,
    q: &Quota,
) -> Result<ChunkStep, ChunkError> {
    if !h.named_in_scope {
        return Err(ChunkError::Unnamed);
    }
    if h.complete {
        return Ok(ChunkStep::AlreadyComplete);
    }
    if size > q.max_attachment {
        return Err(ChunkError::TooLarge(q.max_attachment));
    }
    if offset.checked_add(len).is_none_or(|end| end > size) {
        return Err(ChunkError::PastEnd);
    }
    let fresh = match h.upload {
        Some(u) if u.size == size => {
            if offset != u.received {
                return Err(ChunkError::Offset {
                    expected: u.received,
                    got: offset,
                });
            }
            false
        }
        // No upload yet, or one declared with another size: this must be its start.
        _ => {
            if offset != 0 {
                return Err(ChunkError::Offset {
                    expected: 0,
                    got: offset,
                });
            }
            true
        }
    };
    if fresh && h.device_unfinished.saturating_add(size) > q.unfinished_per_device {
        return Err(ChunkError::Quota(format!(
            "this device has {} bytes of unfinished uploads; at most {} are kept",
            h.device_unfinished, q.unfinished_per_device
        )));
    }
    if fresh && h.user_stored.saturating_add(size) > q.stored_per_user {
        return Err(ChunkError::Quota(format!(
            "this user has stored {} bytes of attachments; the quota is {}",
            h.user_stored, q.stored_per_user
        )));
    }
    Ok(ChunkStep::Store { fresh })
}

/// The SHA-256 of bytes in lower-case hex, an attachment's name.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether a text is an attachment's name: 64 lower-case hex digits.
pub fn is_name(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holding(upload: Option<Upload>) -> Holding {
        Holding {
            upload,
            complete: false,
            named_in_scope: true,
            device_unfinished: 0,
            user_stored: 0,
        }
    }

    #[test]
    fn chunks_continue_the_devices_own_upload() {
        let q = Quota::default();
        assert_eq!(
            check_chunk(&holding(None), 10, 0, 4, &q),
            Ok(ChunkStep::Store { fresh: true })
        );
        let u = Some(Upload {
            size: 10,
            received: 4,
        });
        assert_eq!(
            check_chunk(&holding(u), 10, 4, 4, &q),
            Ok(ChunkStep::Store { fresh: false })
        );
        assert_eq!(
            check_chunk(&holding(u), 10, 2, 4, &q).unwrap_err().code(),
            "attachment_offset"
        );
        assert_eq!(
            check_chunk(&holding(u), 10, 8, 4, &q).unwrap_err().code(),
            "chunk_past_end"
        );
        assert_eq!(
            check_chunk(&holding(u), 12, 0, 4, &q),
            Ok(ChunkStep::Store { fresh: true }),
            "another declared size starts the device's upload again"
        );
        let mut unnamed = holding(None);
        unnamed.named_in_scope = false;
        assert_eq!(
            check_chunk(&unnamed, 10, 0, 4, &q).unwrap_err().code(),
            "attachment_unnamed"
        );
        let mut full = holding(None);
        full.device_unfinished = q.unfinished_per_device;
        assert_eq!(
            check_chunk(&full, 10, 0, 4, &q).unwrap_err().code(),
            "attachment_quota"
        );
        let mut done = holding(None);
        done.complete = true;
        assert_eq!(
            check_chunk(&done, 10, 0, 4, &q),
            Ok(ChunkStep::AlreadyComplete)
        );
        assert_eq!(
            check_chunk(&holding(None), q.max_attachment + 1, 0, 4, &q)
                .unwrap_err()
                .code(),
            "attachment_too_large"
        );
    }
}
