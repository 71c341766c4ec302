//! The database key and the key file beside the database.
//!
//! The database is encrypted by SQLCipher with a random 32-byte key given raw
//! (`PRAGMA key = "x'…'"`), so SQLCipher runs no key derivation of its own.
//! That key is stored only wrapped: XChaCha20-Poly1305 under a key derived from the user's
//! passcode with Argon2id, in a small JSON key file (`<database>.key`) that also holds the salt,
//! the Argon2 parameters, the nonce and the failed-attempt counter.
//! The key file is replaced atomically (write a temporary file, sync it, rename it over, sync
//! the folder), so a crash leaves the old file or the new one, never a mix.
//! Changing the passcode re-wraps the same database key: the data is not rewritten.
//! A wrong passcode is counted before the check is made (so killing the app during the slow
//! derivation gives no free attempt), and after [`Backoff::free_attempts`] failures every
//! further failure doubles the time before the next attempt is taken.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::rand_core::RngCore;
use chacha20poly1305::aead::{Aead, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::StoreError;

/// The raw database key; wiped from memory when dropped.
pub(crate) type DbKey = Zeroizing<[u8; 32]>;

/// Argon2id cost parameters. They are stored in the key file, so a store keeps the parameters
/// it was created (or last re-wrapped) with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Passes.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl KdfParams {
    /// Production cost: 64 MiB, 3 passes, 1 lane (about a third of a second on a tablet).
    pub const PRODUCTION: KdfParams = KdfParams {
        m_kib: 64 * 1024,
        t: 3,
        p: 1,
    };

    /// The cheapest Argon2 allows, for tests only: it protects nothing.
    pub const INSECURE_FOR_TESTS: KdfParams = KdfParams {
        m_kib: 8,
        t: 1,
        p: 1,
    };
}

impl Default for KdfParams {
    fn default() -> Self {
        Self::PRODUCTION
    }
}

/// How wrong passcodes slow down further attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Failures allowed before any delay.
    pub free_attempts: u32,
    /// The delay after the first failure beyond the free ones; it doubles with each further one.
    pub base_ms: u64,
    /// The longest delay.
    pub max_ms: u64,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            free_attempts: 5,
            base_ms: 30_000,
            max_ms: 24 * 60 * 60 * 1000,
        }
    }
}

impl Backoff {
    /// The delay imposed after `failures` consecutive failures, if any.
    pub fn delay_ms(&self, failures: u32) -> Option<u64> {
        let beyond = failures.checked_sub(self.free_attempts)?;
        let factor = 1u64.checked_shl(beyond.min(63)).unwrap_or(u64::MAX);
        Some(self.base_ms.saturating_mul(factor).min(self.max_ms))
    }
}

const FORMAT: u32 = 1;
const AAD: &[u8] = b"fangpin-store database key v1";

/// The key file's contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct KeyFile {
    format: u32,
    kdf: String,
    params: KdfParams,
    salt: String,
    nonce: String,
    wrapped: String,
    /// Consecutive failed attempts.
    pub failed_attempts: u32,
    /// No attempt is taken before this time (ms since the epoch); 0 for none.
    pub retry_at_ms: u64,
}

/// The key file of a database: the database path with `.key` added.
pub fn key_path(db: &Path) -> PathBuf {
    let mut s = db.as_os_str().to_owned();
    s.push(".key");
    PathBuf::from(s)
}

fn random<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    OsRng.fill_bytes(&mut b);
    b
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Result<Vec<u8>, StoreError> {
    let bad = || StoreError::KeyFileDamaged("bad hex".into());
    if s.len() % 2 != 0 {
        return Err(bad());
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2).ok_or_else(bad)?, 16).map_err(|_| bad()))
        .collect()
}

fn derive(passcode: &str, salt: &[u8], p: KdfParams) -> Result<Zeroizing<[u8; 32]>, StoreError> {
    let params = Params::new(p.m_kib, p.t, p.p, Some(32))
        .map_err(|e| StoreError::KeyFileDamaged(format!("argon2 parameters: {e}")))?;
    let mut out = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passcode.as_bytes(), salt, &mut *out)
        .map_err(|e| StoreError::KeyFileDamaged(format!("argon2: {e}")))?;
    Ok(out)
}

impl KeyFile {
    /// Wraps `key` under `passcode`, with a fresh salt and nonce.
    pub fn wrap(key: &DbKey, passcode: &str, params: KdfParams) -> Result<KeyFile, StoreError> {
        let salt: [u8; 16] = random();
        let nonce: [u8; 24] = random();
        let kek = derive(passcode, &salt, params)?;
        let wrapped = XChaCha20Poly1305::new((&*kek).into())
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: &key[..],
                    aad: AAD,
                },
            )
            .map_err(|_| StoreError::KeyFileDamaged("wrapping failed".into()))?;
        Ok(KeyFile {
            format: FORMAT,
            kdf: "argon2id".into(),
            params,
            salt: hex(&salt),
            nonce: hex(&nonce),
            wrapped: hex(&wrapped),
            failed_attempts: 0,
            retry_at_ms: 0,
        })
    }

    /// A new random database key and its key file.
    pub fn create(passcode: &str, params: KdfParams) -> Result<(KeyFile, DbKey), StoreError> {
        let key: DbKey = Zeroizing::new(random());
        Ok((Self::wrap(&key, passcode, params)?, key))
    }

    /// Unwraps the key, or None when the passcode is wrong.
    fn unwrap_key(&self, passcode: &str) -> Result<Option<DbKey>, StoreError> {
        if self.format != FORMAT || self.kdf != "argon2id" {
            return Err(StoreError::KeyFileDamaged(format!(
                "unknown format {} / {}",
                self.format, self.kdf
            )));
        }
        let salt = unhex(&self.salt)?;
        let nonce = unhex(&self.nonce)?;
        if nonce.len() != 24 {
            return Err(StoreError::KeyFileDamaged("bad nonce".into()));
        }
        let wrapped = unhex(&self.wrapped)?;
        let kek = derive(passcode, &salt, self.params)?;
        let Ok(plain) = XChaCha20Poly1305::new((&*kek).into()).decrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: &wrapped,
                aad: AAD,
            },
        ) else {
            return Ok(None);
        };
        let plain = Zeroizing::new(plain);
        let key: [u8; 32] = plain
            .as_slice()
            .try_into()
            .map_err(|_| StoreError::KeyFileDamaged("wrapped key has the wrong length".into()))?;
        Ok(Some(Zeroizing::new(key)))
    }

    /// Reads a key file.
    pub fn read(path: &Path) -> Result<KeyFile, StoreError> {
        let bytes = match fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(StoreError::NotFound(path.to_owned()))
            }
            Err(e) => return Err(e.into()),
        };
        serde_json::from_slice(&bytes).map_err(|e| StoreError::KeyFileDamaged(e.to_string()))
    }

    /// Replaces the key file atomically: temporary file, sync, rename, sync the folder.
    pub fn write(&self, path: &Path) -> Result<(), StoreError> {
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        {
            let mut f = fs::File::create(&tmp)?;
            f.write_all(&serde_json::to_vec_pretty(self)?)?;
            f.sync_all()?;
        }
        fs::rename(&tmp, path)?;
        if let Some(dir) = path.parent() {
            // Makes the rename durable; not every platform can open a folder, hence `ok()`.
            if let Ok(d) = fs::File::open(if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            }) {
                d.sync_all().ok();
            }
        }
        Ok(())
    }
}

/// Takes one passcode attempt against the key file at `path` at time `now_ms`: refuses it
/// while a delay runs, counts it as failed before checking, and clears the count on success.
pub(crate) fn unlock(
    path: &Path,
    passcode: &str,
    now_ms: u64,
    backoff: &Backoff,
) -> Result<(KeyFile, DbKey), StoreError> {
    let mut file = KeyFile::read(path)?;
    if file.retry_at_ms > now_ms {
        return Err(StoreError::RetryLater {
            retry_at_ms: file.retry_at_ms,
            wait_ms: file.retry_at_ms - now_ms,
        });
    }
    let failed = file.failed_attempts.saturating_add(1);
    let retry_at = backoff.delay_ms(failed).map(|d| now_ms.saturating_add(d));
    let mut pessimistic = file.clone();
    pessimistic.failed_attempts = failed;
    pessimistic.retry_at_ms = retry_at.unwrap_or(0);
    pessimistic.write(path)?;
    match file.unwrap_key(passcode)? {
        Some(key) => {
            file.failed_attempts = 0;
            file.retry_at_ms = 0;
            file.write(path)?;
            Ok((file, key))
        }
        None => Err(StoreError::WrongPasscode {
            failed_attempts: failed,
            retry_at_ms: retry_at,
        }),
    }
}

/// Re-wraps the database key under a new passcode (and the given parameters); the old
/// passcode is checked like any attempt.
pub(crate) fn change_passcode(
    path: &Path,
    old: &str,
    new: &str,
    params: KdfParams,
    now_ms: u64,
    backoff: &Backoff,
) -> Result<(), StoreError> {
    let (_, key) = unlock(path, old, now_ms, backoff)?;
    KeyFile::wrap(&key, new, params)?.write(path)
}

/// The SQL that keys a SQLCipher connection with a raw key; wiped when dropped.
pub(crate) fn key_pragma(key: &DbKey) -> Zeroizing<String> {
    Zeroizing::new(format!("PRAGMA key = \"x'{}'\";", hex(&key[..])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_after_the_free_attempts_and_is_capped() {
        let b = Backoff {
            free_attempts: 3,
            base_ms: 1000,
            max_ms: 5000,
        };
        assert_eq!(b.delay_ms(2), None);
        assert_eq!(b.delay_ms(3), Some(1000));
        assert_eq!(b.delay_ms(4), Some(2000));
        assert_eq!(b.delay_ms(5), Some(4000));
        assert_eq!(b.delay_ms(6), Some(5000));
        assert_eq!(b.delay_ms(200), Some(5000));
    }

    #[test]
    fn wrap_and_unwrap_round_trip_and_a_wrong_passcode_unwraps_nothing() {
        let (file, key) = KeyFile::create("1234", KdfParams::INSECURE_FOR_TESTS).unwrap();
        assert_eq!(*file.unwrap_key("1234").unwrap().unwrap(), *key);
        assert!(file.unwrap_key("1235").unwrap().is_none());
        let json = serde_json::to_string(&file).unwrap();
        assert!(!json.contains(&hex(&key[..])));
    }

    #[test]
    fn the_key_file_is_replaced_atomically_and_counts_failures() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.key");
        let (file, key) = KeyFile::create("pass", KdfParams::INSECURE_FOR_TESTS).unwrap();
        file.write(&path).unwrap();
        let b = Backoff::default();
        assert!(matches!(
            unlock(&path, "nope", 0, &b),
            Err(StoreError::WrongPasscode {
                failed_attempts: 1,
                retry_at_ms: None
            })
        ));
        assert_eq!(KeyFile::read(&path).unwrap().failed_attempts, 1);
        let (_, k) = unlock(&path, "pass", 0, &b).unwrap();
        assert_eq!(*k, *key);
        assert_eq!(KeyFile::read(&path).unwrap().failed_attempts, 0);
        assert!(!dir.path().join("db.key.tmp").exists());
    }
}
