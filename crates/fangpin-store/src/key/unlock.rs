//! Taking a passcode attempt against a key file, re-wrapping it in the current format (bound
//! to the device when the key store can keep a secret), and changing the passcode.
//!
//! Each read-modify-write of the key file (or of the record of failed attempts) holds the
//! key-file lock; the slow derivation runs outside it, so an open and a passcode change
//! interleave at whole steps only, and a step that finds the file changed since it was read
//! works on the current one.

use std::path::Path;

use super::{
    attempts_entry, lock_key_files, new_device_secret, remove_entries, remove_stale_temporaries,
    require, unavailable, DbKey, KdfParams, KeyFile, Protection, FORMAT_V1,
};
use crate::backoff::{Attempts, Backoff, Verdict};
use crate::error::StoreError;
use crate::keystore::DeviceKeyStore;

/// What unlocking and re-wrapping need from the store's options.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Policy<'a> {
    /// The Argon2 cost of a new wrap.
    pub kdf: KdfParams,
    /// The delay after wrong passcodes.
    pub backoff: &'a Backoff,
    /// The platform key store, if the device has one.
    pub key_store: Option<&'a dyn DeviceKeyStore>,
}

/// Takes one passcode attempt against the key file at `path` at wall time `now_ms`: refuses
/// it while a delay runs, counts it as failed before checking, and clears the count on
/// success. A key file of the first format, or protected by the passcode alone while a key
/// store is reachable, is then re-wrapped in the current format (bound to the device when it
/// can be).
pub(crate) fn unlock(
    path: &Path,
    passcode: &str,
    now_ms: u64,
    policy: Policy<'_>,
) -> Result<DbKey, StoreError> {
    let ks = policy.key_store;
    let (file, secret, counted) = {
        let _lock = lock_key_files();
        let mut file = KeyFile::read(path)?;
        file.check_format()?;
        let secret = file.device_secret(ks)?;
        let (record, stand_in) = file.load_attempts(ks, now_ms, policy.backoff)?;
        match record.attempt(now_ms, policy.backoff) {
            Verdict::Wait {
                retry_at_ms,
                wait_ms,
            } => {
                if stand_in {
                    file.save_attempts(path, ks, record)?;
                }
                return Err(StoreError::RetryLater {
                    retry_at_ms,
                    wait_ms,
                });
            }
            Verdict::Try(counted) => {
                file.save_attempts(path, ks, counted)?;
                (file, secret, counted)
            }
        }
    };
    let Some(key) = file.unwrap_key(passcode, secret.as_ref().map(|s| s.as_slice()))? else {
        return Err(StoreError::WrongPasscode {
            failed_attempts: counted.failed,
            retry_at_ms: counted.retry_at(),
        });
    };
    {
        let _lock = lock_key_files();
        let mut current = KeyFile::read(path)?;
        current.save_attempts(path, ks, Attempts::default())?;
        remove_stale_temporaries(path);
    }
    // A failed upgrade leaves the key file as it was; the next unlock tries again.
    let _ = upgrade(path, &file, &key, passcode, now_ms, policy);
    Ok(key)
}

/// Re-wraps the key of a store just unlocked from `unlocked` when that key file is of the
/// first format, or protected by the passcode alone while the key store can now keep a
/// secret. The key file is replaced only if it is still the one that was unlocked (a passcode
/// changed meanwhile stands).
fn upgrade(
    path: &Path,
    unlocked: &KeyFile,
    key: &DbKey,
    passcode: &str,
    now_ms: u64,
    policy: Policy<'_>,
) -> Result<(), StoreError> {
    let device = match policy.key_store {
        Some(ks) if unlocked.device_entry().is_none() => new_device_secret(ks),
        _ => None,
    };
    if unlocked.format != FORMAT_V1 && device.is_none() {
        return Ok(());
    }
    let new_entry = device.as_ref().map(|(p, _)| p.clone());
    let (protection, secret) = match device {
        Some((p, s)) => (p, Some(s)),
        None => (Protection::Passcode, None),
    };
    let forget = |p: &Option<Protection>| {
        if let (Some(Protection::PasscodeAndDevice { entry, .. }), Some(ks)) = (p, policy.key_store)
        {
            remove_entries(ks, entry);
        }
    };
    let result = (|| {
        let mut new = KeyFile::wrap(
            key,
            passcode,
            policy.kdf,
            protection,
            secret.as_ref().map(|s| s.as_slice()),
        )?;
        let _lock = lock_key_files();
        let current = KeyFile::read(path)?;
        if current.nonce != unlocked.nonce || current.format != unlocked.format {
            return Ok(false);
        }
        // Failed attempts counted since this unlock's success go along.
        let (carried, _) = current.load_attempts(None, now_ms, policy.backoff)?;
        if let Some(entry) = new.device_entry() {
            require(policy.key_store)?
                .set(&attempts_entry(entry), &serde_json::to_vec(&carried)?)
                .map_err(unavailable)?;
        } else {
            new.attempts = Some(carried);
        }
        new.write(path)?;
        Ok(true)
    })();
    match result {
        Ok(true) => Ok(()),
        Ok(false) => {
            forget(&new_entry);
            Ok(())
        }
        Err(e) => {
            forget(&new_entry);
            Err(e)
        }
    }
}

/// Re-wraps the database key under a new passcode (and the given parameters); the old
/// passcode is checked like any attempt. The protection stays (or is raised to device-bound
/// when the key store can keep a secret); it is never lowered.
pub(crate) fn change_passcode(
    path: &Path,
    old: &str,
    new: &str,
    now_ms: u64,
    policy: Policy<'_>,
) -> Result<(), StoreError> {
    let key = unlock(path, old, now_ms, policy)?;
    let file = {
        let _lock = lock_key_files();
        KeyFile::read(path)?
    };
    let (protection, secret, made) = match &file.protection {
        Some(p @ Protection::PasscodeAndDevice { .. }) => {
            (p.clone(), file.device_secret(policy.key_store)?, false)
        }
        _ => match policy.key_store.and_then(new_device_secret) {
            Some((p, s)) => (p, Some(s), true),
            None => (Protection::Passcode, None, false),
        },
    };
    let rewrapped = KeyFile::wrap(
        &key,
        new,
        policy.kdf,
        protection.clone(),
        secret.as_ref().map(|s| s.as_slice()),
    )?;
    let _lock = lock_key_files();
    let current = KeyFile::read(path)?;
    let result = if current.device_entry().is_some() && rewrapped.device_entry().is_none() {
        Err(StoreError::DeviceSecretUnavailable(
            "the key file was bound to the device meanwhile: the new passcode is not saved \
             without the device secret"
                .into(),
        ))
    } else {
        rewrapped.write(path)
    };
    if result.is_err() && made {
        if let (Protection::PasscodeAndDevice { entry, .. }, Some(ks)) =
            (&protection, policy.key_store)
        {
            remove_entries(ks, entry);
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::super::tests::{policy, v1};
    use super::super::{protection, random, KeyProtection, FORMAT};
    use super::*;
    use crate::keystore::MemoryKeyStore;

    #[test]
    fn the_key_file_is_replaced_atomically_and_counts_failures() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.key");
        let b = Backoff::default();
        let p = policy(&b, None);
        let (file, key) = KeyFile::create("pass", p).unwrap();
        file.install(&path).unwrap();
        assert_eq!(
            file.install(&path).unwrap_err().code(),
            "store_exists",
            "a key file is never overwritten by a new store"
        );
        assert!(matches!(
            unlock(&path, "nope", 0, p),
            Err(StoreError::WrongPasscode {
                failed_attempts: 1,
                retry_at_ms: None
            })
        ));
        assert_eq!(KeyFile::read(&path).unwrap().attempts.unwrap().failed, 1);
        let k = unlock(&path, "pass", 0, p).unwrap();
        assert_eq!(*k, *key);
        assert_eq!(KeyFile::read(&path).unwrap().attempts.unwrap().failed, 0);
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("db.key")]);
    }

    #[test]
    fn temporary_key_files_left_by_a_crash_are_removed_on_the_next_unlock() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.key");
        let b = Backoff::default();
        let p = policy(&b, None);
        KeyFile::create("pass", p)
            .unwrap()
            .0
            .install(&path)
            .unwrap();
        for stale in ["db.key.tmp", "db.key.77-3-0a0b0c0d.tmp"] {
            fs::write(dir.path().join(stale), b"{").unwrap();
        }
        fs::write(dir.path().join("other.key.1-1-00.tmp"), b"{").unwrap();
        unlock(&path, "pass", 0, p).unwrap();
        assert!(!dir.path().join("db.key.tmp").exists());
        assert!(!dir.path().join("db.key.77-3-0a0b0c0d.tmp").exists());
        assert!(dir.path().join("other.key.1-1-00.tmp").exists());
    }

    #[test]
    fn a_first_format_key_file_opens_and_is_bound_to_the_device_on_the_next_entry() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.key");
        let b = Backoff::default();
        let key: DbKey = zeroize::Zeroizing::new(random());
        let mut old = v1(&key, "pass");
        old.failed_attempts = Some(2);
        old.write(&path).unwrap();
        let ks = MemoryKeyStore::new();
        let p = policy(&b, Some(&ks));
        // A wrong passcode is counted in the old format's own fields.
        assert!(matches!(
            unlock(&path, "nope", 0, p),
            Err(StoreError::WrongPasscode {
                failed_attempts: 3,
                ..
            })
        ));
        assert_eq!(KeyFile::read(&path).unwrap().failed_attempts, Some(3));
        assert_eq!(*unlock(&path, "pass", 0, p).unwrap(), *key);
        let now = KeyFile::read(&path).unwrap();
        assert_eq!(now.format, FORMAT);
        assert!(now.device_entry().is_some());
        assert_eq!(
            protection(&dir.path().join("db")).unwrap(),
            KeyProtection::PasscodeAndDevice
        );
        assert_eq!(*unlock(&path, "pass", 0, p).unwrap(), *key);
        // Without the key store it no longer opens: nothing is counted, nothing changes.
        assert_eq!(
            unlock(&path, "pass", 0, policy(&b, None))
                .unwrap_err()
                .code(),
            "device_secret_unavailable"
        );
        assert_eq!(KeyFile::read(&path).unwrap(), now);

        // Without a key store, the old format becomes the new one, protected by the passcode.
        let plain = dir.path().join("plain.key");
        v1(&key, "pass").write(&plain).unwrap();
        assert_eq!(*unlock(&plain, "pass", 0, policy(&b, None)).unwrap(), *key);
        let upgraded = KeyFile::read(&plain).unwrap();
        assert_eq!(upgraded.format, FORMAT);
        assert_eq!(upgraded.protection, Some(Protection::Passcode));
        assert_eq!(upgraded.failed_attempts, None);
    }
}
