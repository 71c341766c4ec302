//! The database key and the key file beside the database.
//!
//! The database is encrypted by SQLCipher with a random 32-byte key given raw
//! (`PRAGMA key = "x'…'"`), so SQLCipher runs no key derivation of its own.
//! That key is stored only wrapped: XChaCha20-Poly1305 under a key derived with Argon2id from
//! the user's passcode and, where the platform has a key store, a device-bound secret kept in
//! it (Argon2's secret input), in a small JSON key file (`<database>.key`) that also holds the
//! salt, the Argon2 parameters, the nonce and which protection it has ([`KeyProtection`]).
//! A key file bound to the device never opens without its secret, whatever the options say:
//! protection is upgraded (on the next passcode entry, when a key store is reachable) and
//! never silently lowered.
//!
//! A wrong passcode is counted before the check is made (so killing the app during the slow
//! derivation gives no free attempt); the record of failed attempts ([`crate::backoff`]) lives
//! in the key store for a device-bound key, where editing or deleting files cannot touch it,
//! and in the key file otherwise. A missing or unreadable record counts as the longest delay.
//!
//! The key file is replaced atomically (write a temporary file of its own name, sync it,
//! rename it over, sync the folder), so a crash leaves the old file or the new one, never a
//! mix. Every read-modify-write of a key file in this process holds one lock, and the slow
//! derivation runs outside it: a sync opening the store while the user changes the passcode
//! sees the file before the change or after it, never half of each.
//! Changing the passcode re-wraps the same database key: the data is not rewritten.
//! docs/store.md gives the threat model.

use std::ffi::OsString;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::rand_core::RngCore;
use chacha20poly1305::aead::{Aead, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::backoff::{Attempts, Backoff};
use crate::error::StoreError;
use crate::keystore::DeviceKeyStore;

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

/// How a store's database key is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyProtection {
    /// By the passcode alone: no key store was reachable when the key was last wrapped, or the
    /// key file predates device binding. Whoever copies the key file can guess at it offline,
    /// at Argon2's cost per guess.
    Passcode,
    /// By the passcode and a secret in this device's key store: the key file alone cannot be
    /// guessed at.
    PasscodeAndDevice,
}

/// The first format: Argon2id of the passcode alone, the counter in the key file.
const FORMAT_V1: u32 = 1;
/// The current format: the protection recorded, Argon2id with the device secret if any.
const FORMAT: u32 = 2;
const AAD_V1: &[u8] = b"fangpin-store database key v1";
const KDF: &str = "argon2id";

/// The protection a key file records (format 2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Protection {
    /// The passcode alone; the record of failed attempts is in the key file.
    Passcode,
    /// The passcode and the device secret kept in the key store under `entry`; `check` tells
    /// that secret from another without revealing it. The record of failed attempts is in
    /// the key store too, under `<entry>.attempts`.
    PasscodeAndDevice { entry: String, check: String },
}

/// The key file's contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct KeyFile {
    format: u32,
    kdf: String,
    params: KdfParams,
    salt: String,
    nonce: String,
    wrapped: String,
    /// Format 2: how the key is protected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    protection: Option<Protection>,
    /// The record of failed attempts, when it is kept in the key file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    attempts: Option<Attempts>,
    /// Format 1: consecutive failed attempts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    failed_attempts: Option<u32>,
    /// Format 1: no attempt before this time (ms since the epoch); 0 for none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    retry_at_ms: Option<u64>,
}

/// The key file of a database: the database path with `.key` added.
pub fn key_path(db: &Path) -> PathBuf {
    let mut s = db.as_os_str().to_owned();
    s.push(".key");
    PathBuf::from(s)
}

/// How the key of the store at `db` is protected (read from its key file).
pub fn protection(db: &Path) -> Result<KeyProtection, StoreError> {
    let file = KeyFile::read(&key_path(db))?;
    file.check_format()?;
    Ok(if file.device_entry().is_some() {
        KeyProtection::PasscodeAndDevice
    } else {
        KeyProtection::Passcode
    })
}

/// Removes the device secret of the store at `db` (and its record of failed attempts) from the
/// key store, for a device that is wiped: once its key file is gone too, nothing names them.
/// A store protected by the passcode alone has none; the key file is not changed.
pub fn forget_device_secret(db: &Path, ks: &dyn DeviceKeyStore) -> Result<(), StoreError> {
    let file = KeyFile::read(&key_path(db))?;
    if let Some(entry) = file.device_entry() {
        ks.delete(entry).map_err(unavailable)?;
        ks.delete(&attempts_entry(entry)).map_err(unavailable)?;
    }
    Ok(())
}

mod unlock;
pub(crate) use unlock::{change_passcode, unlock, Policy};

/// Every read-modify-write of a key file in this process holds this lock.
static KEY_FILES: Mutex<()> = Mutex::new(());

fn lock_key_files() -> MutexGuard<'static, ()> {
    KEY_FILES.lock().unwrap_or_else(PoisonError::into_inner)
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

/// The key-encryption key: Argon2id of the passcode, with the device secret as Argon2's
/// secret input when there is one.
fn derive(
    passcode: &str,
    salt: &[u8],
    p: KdfParams,
    secret: Option<&[u8]>,
) -> Result<Zeroizing<[u8; 32]>, StoreError> {
    let params = Params::new(p.m_kib, p.t, p.p, Some(32))
        .map_err(|e| StoreError::KeyFileDamaged(format!("argon2 parameters: {e}")))?;
    let argon = match secret {
        Some(s) => Argon2::new_with_secret(s, Algorithm::Argon2id, Version::V0x13, params)
            .map_err(|e| StoreError::KeyFileDamaged(format!("argon2: {e}")))?,
        None => Argon2::new(Algorithm::Argon2id, Version::V0x13, params),
    };
    let mut out = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(passcode.as_bytes(), salt, &mut *out)
        .map_err(|e| StoreError::KeyFileDamaged(format!("argon2: {e}")))?;
    Ok(out)
}

/// Tells one device secret from another without revealing it.
fn fingerprint(secret: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(b"fangpin-store device secret check v1\0");
    h.update(secret);
    hex(&h.finalize()[..16])
}

/// The key store entry of a device-bound key's record of failed attempts.
fn attempts_entry(entry: &str) -> String {
    format!("{entry}.attempts")
}

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::DeviceSecretUnavailable(e.to_string())
}

fn require(ks: Option<&dyn DeviceKeyStore>) -> Result<&dyn DeviceKeyStore, StoreError> {
    ks.ok_or_else(|| {
        StoreError::DeviceSecretUnavailable(
            "this store's key is bound to the device's key store, and none is configured".into(),
        )
    })
}

/// A fresh device secret kept in the key store, with its record of failed attempts written
/// first (a key file naming the entry must find one); None when the key store cannot keep it.
fn new_device_secret(ks: &dyn DeviceKeyStore) -> Option<(Protection, Zeroizing<Vec<u8>>)> {
    let entry = hex(&random::<16>());
    let secret = Zeroizing::new(random::<32>().to_vec());
    let record = serde_json::to_vec(&Attempts::default()).ok()?;
    let made = ks
        .set(&attempts_entry(&entry), &record)
        .and_then(|()| ks.set(&entry, &secret))
        .and_then(|()| ks.get(&entry));
    // Read back: a key store that does not keep what it is given must not hold the only copy.
    match made {
        Ok(Some(back)) if back.as_slice() == secret.as_slice() => Some((
            Protection::PasscodeAndDevice {
                check: fingerprint(&secret),
                entry,
            },
            secret,
        )),
        _ => {
            remove_entries(ks, &entry);
            None
        }
    }
}

/// Removes a device secret no key file names (best effort).
fn remove_entries(ks: &dyn DeviceKeyStore, entry: &str) {
    let _ = ks.delete(entry);
    let _ = ks.delete(&attempts_entry(entry));
}

impl KeyFile {
    /// Wraps `key` under `passcode` (and the device secret of a device-bound protection), with
    /// a fresh salt and nonce, in the current format.
    fn wrap(
        key: &DbKey,
        passcode: &str,
        params: KdfParams,
        protection: Protection,
        secret: Option<&[u8]>,
    ) -> Result<KeyFile, StoreError> {
        let salt: [u8; 16] = random();
        let nonce: [u8; 24] = random();
        let kek = derive(passcode, &salt, params, secret)?;
        let mut file = KeyFile {
            format: FORMAT,
            kdf: KDF.into(),
            params,
            salt: hex(&salt),
            nonce: hex(&nonce),
            wrapped: String::new(),
            attempts: matches!(protection, Protection::Passcode).then(Attempts::default),
            protection: Some(protection),
            failed_attempts: None,
            retry_at_ms: None,
        };
        let wrapped = XChaCha20Poly1305::new((&*kek).into())
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: &key[..],
                    aad: &file.aad(),
                },
            )
            .map_err(|_| StoreError::KeyFileDamaged("wrapping failed".into()))?;
        file.wrapped = hex(&wrapped);
        Ok(file)
    }

    /// A new random database key and its key file, bound to the device when its key store
    /// can keep a secret.
    pub fn create(passcode: &str, policy: Policy<'_>) -> Result<(KeyFile, DbKey), StoreError> {
        let key: DbKey = Zeroizing::new(random());
        let (protection, secret) = match policy.key_store.and_then(new_device_secret) {
            Some((p, s)) => (p, Some(s)),
            None => (Protection::Passcode, None),
        };
        let file = KeyFile::wrap(
            &key,
            passcode,
            policy.kdf,
            protection,
            secret.as_ref().map(|s| s.as_slice()),
        )?;
        Ok((file, key))
    }

    /// The associated data the wrapped key is sealed with: it binds the protection.
    fn aad(&self) -> Vec<u8> {
        match (self.format, &self.protection) {
            (FORMAT_V1, _) => AAD_V1.to_vec(),
            (_, Some(Protection::PasscodeAndDevice { entry, .. })) => {
                format!("fangpin-store database key v2|passcode_and_device|{entry}").into_bytes()
            }
            _ => b"fangpin-store database key v2|passcode|".to_vec(),
        }
    }

    fn check_format(&self) -> Result<(), StoreError> {
        let known = match self.format {
            FORMAT_V1 => true,
            FORMAT => self.protection.is_some(),
            _ => false,
        };
        if !known || self.kdf != KDF {
            return Err(StoreError::KeyFileDamaged(format!(
                "unknown format {} / {}",
                self.format, self.kdf
            )));
        }
        Ok(())
    }

    /// The key store entry of a device-bound key.
    fn device_entry(&self) -> Option<&str> {
        match &self.protection {
            Some(Protection::PasscodeAndDevice { entry, .. }) => Some(entry),
            _ => None,
        }
    }

    /// Unwraps the key, or None when the passcode (or the device secret) is wrong.
    fn unwrap_key(
        &self,
        passcode: &str,
        secret: Option<&[u8]>,
    ) -> Result<Option<DbKey>, StoreError> {
        self.check_format()?;
        let salt = unhex(&self.salt)?;
        let nonce = unhex(&self.nonce)?;
        if nonce.len() != 24 {
            return Err(StoreError::KeyFileDamaged("bad nonce".into()));
        }
        let wrapped = unhex(&self.wrapped)?;
        let secret = if self.device_entry().is_some() {
            Some(secret.ok_or_else(|| unavailable("no device secret given"))?)
        } else {
            None
        };
        let kek = derive(passcode, &salt, self.params, secret)?;
        let Ok(plain) = XChaCha20Poly1305::new((&*kek).into()).decrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: &wrapped,
                aad: &self.aad(),
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

    /// The device secret this key file needs, from the key store: None for a key protected by
    /// the passcode alone. Refuses, before any attempt is counted, when the key store cannot be
    /// reached or holds no such secret.
    fn device_secret(
        &self,
        ks: Option<&dyn DeviceKeyStore>,
    ) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
        let Some(Protection::PasscodeAndDevice { entry, check }) = &self.protection else {
            return Ok(None);
        };
        let ks = require(ks)?;
        let secret = ks.get(entry).map_err(unavailable)?.ok_or_else(|| {
            StoreError::DeviceSecretMissing(format!(
                "the {} key store holds no secret {entry}",
                ks.name()
            ))
        })?;
        if fingerprint(&secret) != *check {
            return Err(StoreError::DeviceSecretMissing(format!(
                "the {} key store's secret {entry} is not the one this key was wrapped with",
                ks.name()
            )));
        }
        Ok(Some(secret))
    }

    /// The record of failed attempts, and whether it is a stand-in for one that is missing or
    /// unreadable (the longest delay from `now_ms`), to be saved.
    fn load_attempts(
        &self,
        ks: Option<&dyn DeviceKeyStore>,
        now_ms: u64,
        backoff: &Backoff,
    ) -> Result<(Attempts, bool), StoreError> {
        let found = match self.device_entry() {
            Some(entry) => require(ks)?
                .get(&attempts_entry(entry))
                .map_err(unavailable)?
                .and_then(|b| serde_json::from_slice::<Attempts>(&b).ok()),
            None => self.attempts.or(
                match (self.format, self.failed_attempts, self.retry_at_ms) {
                    (FORMAT_V1, Some(failed), Some(retry_at_ms)) => Some(Attempts {
                        failed,
                        retry_at_ms,
                        seen_ms: 0,
                    }),
                    _ => None,
                },
            ),
        };
        Ok(match found {
            Some(a) => (a, false),
            None => (Attempts::tampered(now_ms, backoff), true),
        })
    }

    /// Saves the record of failed attempts where this key file keeps it (writing the key file
    /// at `path` when it is there). The caller holds the key-file lock.
    fn save_attempts(
        &mut self,
        path: &Path,
        ks: Option<&dyn DeviceKeyStore>,
        a: Attempts,
    ) -> Result<(), StoreError> {
        match self.device_entry() {
            Some(entry) => require(ks)?
                .set(&attempts_entry(entry), &serde_json::to_vec(&a)?)
                .map_err(unavailable),
            None => {
                self.attempts = Some(a);
                if self.format == FORMAT_V1 {
                    self.failed_attempts = Some(a.failed);
                    self.retry_at_ms = Some(a.retry_at_ms);
                }
                self.write(path)
            }
        }
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

    /// Writes the key file of a new store; refuses when one exists.
    pub fn install(&self, path: &Path) -> Result<(), StoreError> {
        let _lock = lock_key_files();
        if path.exists() {
            return Err(StoreError::AlreadyExists(path.to_owned()));
        }
        self.write(path)
    }

    /// Replaces the key file atomically: a temporary file of its own (never shared with
    /// another writer), sync, rename, sync the folder.
    fn write(&self, path: &Path) -> Result<(), StoreError> {
        static WRITES: AtomicU64 = AtomicU64::new(0);
        let name = path
            .file_name()
            .ok_or_else(|| StoreError::KeyFileDamaged(format!("no file name in {path:?}")))?;
        let mut tmp: OsString = name.to_owned();
        tmp.push(format!(
            ".{}-{}-{}.tmp",
            std::process::id(),
            WRITES.fetch_add(1, Ordering::Relaxed),
            hex(&random::<4>())
        ));
        let tmp = path.with_file_name(tmp);
        let bytes = serde_json::to_vec_pretty(self)?;
        let written = (|| {
            let mut f = create_new_private(&tmp)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
            drop(f);
            fs::rename(&tmp, path)
        })();
        if let Err(e) = written {
            let _ = fs::remove_file(&tmp);
            return Err(e.into());
        }
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

/// Creates a file that must not exist yet, readable by its owner only where the platform
/// says so.
fn create_new_private(path: &Path) -> std::io::Result<fs::File> {
    let mut o = fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)
}

/// Removes temporary key files left by a crash between writing one and renaming it. The
/// caller holds the key-file lock, so no writer of this process has one in flight.
fn remove_stale_temporaries(path: &Path) {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name().and_then(|n| n.to_str())) else {
        return;
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let prefix = format!("{name}.");
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let n = e.file_name();
        if n.to_str()
            .is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".tmp"))
        {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// The SQL that keys a SQLCipher connection with a raw key; wiped when dropped.
pub(crate) fn key_pragma(key: &DbKey) -> Zeroizing<String> {
    Zeroizing::new(format!("PRAGMA key = \"x'{}'\";", hex(&key[..])))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keystore::MemoryKeyStore;

    const CHEAP: KdfParams = KdfParams::INSECURE_FOR_TESTS;

    pub(super) fn policy<'a>(b: &'a Backoff, ks: Option<&'a dyn DeviceKeyStore>) -> Policy<'a> {
        Policy {
            kdf: CHEAP,
            backoff: b,
            key_store: ks,
        }
    }

    /// A key file of the first format, as the code before device binding wrote it.
    pub(super) fn v1(key: &DbKey, passcode: &str) -> KeyFile {
        let salt: [u8; 16] = random();
        let nonce: [u8; 24] = random();
        let kek = derive(passcode, &salt, CHEAP, None).unwrap();
        let wrapped = XChaCha20Poly1305::new((&*kek).into())
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: &key[..],
                    aad: AAD_V1,
                },
            )
            .unwrap();
        KeyFile {
            format: FORMAT_V1,
            kdf: KDF.into(),
            params: CHEAP,
            salt: hex(&salt),
            nonce: hex(&nonce),
            wrapped: hex(&wrapped),
            protection: None,
            attempts: None,
            failed_attempts: Some(0),
            retry_at_ms: Some(0),
        }
    }

    #[test]
    fn wrap_and_unwrap_round_trip_and_a_wrong_passcode_unwraps_nothing() {
        let b = Backoff::default();
        let (file, key) = KeyFile::create("1234", policy(&b, None)).unwrap();
        assert_eq!(file.protection, Some(Protection::Passcode));
        assert_eq!(*file.unwrap_key("1234", None).unwrap().unwrap(), *key);
        assert!(file.unwrap_key("1235", None).unwrap().is_none());
        let json = serde_json::to_string(&file).unwrap();
        assert!(!json.contains(&hex(&key[..])));
    }

    #[test]
    fn a_device_bound_key_needs_the_secret_and_the_protection_cannot_be_relabelled() {
        let b = Backoff::default();
        let ks = MemoryKeyStore::new();
        let (file, key) = KeyFile::create("1234", policy(&b, Some(&ks))).unwrap();
        let secret = file.device_secret(Some(&ks)).unwrap().unwrap();
        assert_eq!(
            *file.unwrap_key("1234", Some(&secret)).unwrap().unwrap(),
            *key
        );
        assert!(file.unwrap_key("1234", Some(&[0u8; 32])).unwrap().is_none());
        assert_eq!(
            file.unwrap_key("1234", None).unwrap_err().code(),
            "device_secret_unavailable"
        );
        // Relabelled as protected by the passcode alone, it opens nothing.
        let mut relabelled = file.clone();
        relabelled.protection = Some(Protection::Passcode);
        assert!(relabelled.unwrap_key("1234", None).unwrap().is_none());
        // The secret and the record of attempts are in the key store, not the file.
        assert_eq!(ks.entry_names().len(), 2);
        assert!(file.attempts.is_none());
        let json = serde_json::to_string(&file).unwrap();
        assert!(!json.contains(&hex(&secret)));
    }

    /// Not a test: the cost of one guess at the production parameters on this machine, the
    /// figure docs/store.md quotes. `cargo test -p fangpin-store --lib argon2_cost -- --ignored
    /// --nocapture`.
    #[test]
    #[ignore]
    fn argon2_cost_per_guess_at_production_parameters() {
        let salt = [7u8; 16];
        let secret = [9u8; 32];
        for (label, s) in [
            ("passcode", None),
            ("passcode and device", Some(&secret[..])),
        ] {
            derive("246810", &salt, KdfParams::PRODUCTION, s).unwrap();
            let n = 10u32;
            let t = std::time::Instant::now();
            for i in 0..n {
                derive(&format!("{i:06}"), &salt, KdfParams::PRODUCTION, s).unwrap();
            }
            let per = t.elapsed() / n;
            eprintln!(
                "argon2id m=64MiB t=3 p=1 ({label}): {per:?} a guess; 10^6 guesses: {:.1} h on one core",
                per.as_secs_f64() * 1e6 / 3600.0
            );
        }
    }
}
