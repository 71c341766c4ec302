//! The platform key store: where a store keeps the device-bound secret its key is wrapped
//! with, and its record of failed passcode attempts.
//!
//! [`DeviceKeyStore`] is a small map of named byte strings. [`PlatformKeyStore`] keeps them
//! in the operating system's key store through the `keyring` crate: the Secret Service on
//! Linux (GNOME Keyring, KWallet), the login Keychain on macOS and the Credential Manager on
//! Windows. Other targets (Android among them: `keyring` 3 has no Android Keystore backend)
//! have none, and [`platform_key_store`] says so; a store is then protected by its passcode
//! alone, as before. [`MemoryKeyStore`] holds its entries in memory, for tests.
//! docs/store.md gives the threat model.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use zeroize::Zeroizing;

/// The key store could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyStoreError {
    /// The key store cannot be reached (no Secret Service running, the keyring locked and not
    /// unlocked, access refused), or it failed.
    #[error("the platform key store cannot be used: {0}")]
    Unavailable(String),
}

/// A key store of device-bound secrets: named byte strings that stay on this device, readable
/// only by this user (as the platform defines it).
pub trait DeviceKeyStore: Send + Sync + std::fmt::Debug {
    /// A short name for logs: `secret-service`, `keychain`, `credential-manager`, `memory`.
    fn name(&self) -> &'static str;
    /// The entry's value, or None when there is no such entry.
    fn get(&self, entry: &str) -> Result<Option<Zeroizing<Vec<u8>>>, KeyStoreError>;
    /// Creates or replaces an entry.
    fn set(&self, entry: &str, value: &[u8]) -> Result<(), KeyStoreError>;
    /// Removes an entry; removing a missing one is not an error.
    fn delete(&self, entry: &str) -> Result<(), KeyStoreError>;
}

/// The platform's key store, where this build has one (Linux, macOS, Windows); None elsewhere.
pub fn platform_key_store() -> Option<Arc<dyn DeviceKeyStore>> {
    #[cfg(any(target_os = "linux", target_os = "macos", target_os = "windows"))]
    {
        Some(Arc::new(PlatformKeyStore))
    }
    #[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
    {
        None
    }
}

/// A key store in memory, for tests: clones share their entries, and it can be made
/// unreachable to test what happens when the platform's is.
#[derive(Debug, Clone, Default)]
pub struct MemoryKeyStore {
    entries: Arc<Mutex<HashMap<String, Vec<u8>>>>,
    unreachable: Arc<AtomicBool>,
}

impl MemoryKeyStore {
    /// An empty key store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes every call fail as an unreachable key store does (or succeed again).
    pub fn set_reachable(&self, reachable: bool) {
        self.unreachable.store(!reachable, Ordering::SeqCst);
    }

    /// The names of the entries, sorted.
    pub fn entry_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.map().keys().cloned().collect();
        names.sort();
        names
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<u8>>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn check(&self) -> Result<(), KeyStoreError> {
        if self.unreachable.load(Ordering::SeqCst) {
            return Err(KeyStoreError::Unavailable(
                "the in-memory key store is set unreachable".into(),
            ));
        }
        Ok(())
    }
}

impl DeviceKeyStore for MemoryKeyStore {
    fn name(&self) -> &'static str {
        "memory"
    }

    fn get(&self, entry: &str) -> Result<Option<Zeroizing<Vec<u8>>>, KeyStoreError> {
        self.check()?;
        Ok(self.map().get(entry).cloned().map(Zeroizing::new))
    }

    fn set(&self, entry: &str, value: &[u8]) -> Result<(), KeyStoreError> {
        self.check()?;
        self.map().insert(entry.to_owned(), value.to_vec());
        Ok(())
    }

    fn delete(&self, entry: &str) -> Result<(), KeyStoreError> {
        self.check()?;
        self.map().remove(entry);
        Ok(())
    }
}

/// The operating system's key store, through `keyring`, under the service name
/// `fangpin-store`. Each call connects anew (the key store is used a few times per unlock).
#[cfg(any(target_os = "linux", target_os = "macos", target_os = "windows"))]
#[derive(Debug, Clone, Copy, Default)]
pub struct PlatformKeyStore;

#[cfg(any(target_os = "linux", target_os = "macos", target_os = "windows"))]
mod platform {
    use super::{DeviceKeyStore, KeyStoreError, PlatformKeyStore};
    use zeroize::Zeroizing;

    const SERVICE: &str = "fangpin-store";

    /// The entry, built on the platform's own credential type: never `keyring`'s default
    /// builder, which falls back to a mock store in memory where a platform has none and
    /// would lose the secret when the app exits.
    fn entry(name: &str) -> Result<keyring::Entry, KeyStoreError> {
        #[cfg(target_os = "linux")]
        let credential =
            keyring::secret_service::SsCredential::new_with_target(None, SERVICE, name);
        #[cfg(target_os = "macos")]
        let credential = keyring::macos::MacCredential::new_with_target(None, SERVICE, name);
        #[cfg(target_os = "windows")]
        let credential = keyring::windows::WinCredential::new_with_target(None, SERVICE, name);
        let credential = credential.map_err(unavailable)?;
        Ok(keyring::Entry::new_with_credential(Box::new(credential)))
    }

    fn unavailable(e: keyring::Error) -> KeyStoreError {
        KeyStoreError::Unavailable(e.to_string())
    }

    impl DeviceKeyStore for PlatformKeyStore {
        fn name(&self) -> &'static str {
            if cfg!(target_os = "linux") {
                "secret-service"
            } else if cfg!(target_os = "macos") {
                "keychain"
            } else {
                "credential-manager"
            }
        }

        fn get(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, KeyStoreError> {
            match entry(name)?.get_secret() {
                Ok(v) => Ok(Some(Zeroizing::new(v))),
                Err(keyring::Error::NoEntry) => Ok(None),
                Err(e) => Err(unavailable(e)),
            }
        }

        fn set(&self, name: &str, value: &[u8]) -> Result<(), KeyStoreError> {
            entry(name)?.set_secret(value).map_err(unavailable)
        }

        fn delete(&self, name: &str) -> Result<(), KeyStoreError> {
            match entry(name)?.delete_credential() {
                Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
                Err(e) => Err(unavailable(e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_memory_key_store_keeps_entries_and_can_be_made_unreachable() {
        let ks = MemoryKeyStore::new();
        assert_eq!(ks.get("a").unwrap(), None);
        ks.set("a", b"one").unwrap();
        let shared = ks.clone();
        assert_eq!(shared.get("a").unwrap().unwrap().as_slice(), b"one");
        ks.set_reachable(false);
        assert!(matches!(
            shared.get("a"),
            Err(KeyStoreError::Unavailable(_))
        ));
        ks.set_reachable(true);
        shared.delete("a").unwrap();
        shared.delete("a").unwrap();
        assert!(ks.entry_names().is_empty());
    }

    /// Not run by default (CI has no Secret Service): the platform key store keeps, returns
    /// and removes an entry, or says it is unavailable, and how long that takes. Run by hand:
    /// `cargo test -p fangpin-store --lib platform_key_store -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn the_platform_key_store_keeps_an_entry_or_says_it_is_unavailable() {
        let Some(ks) = platform_key_store() else {
            return;
        };
        let name = "test-entry-of-fangpin-store";
        let t = std::time::Instant::now();
        match ks.set(name, &[1, 2, 3, 0, 255]) {
            Ok(()) => {
                assert_eq!(
                    ks.get(name).unwrap().unwrap().as_slice(),
                    &[1, 2, 3, 0, 255]
                );
                ks.delete(name).unwrap();
                assert_eq!(ks.get(name).unwrap(), None);
                eprintln!("{}: set, get, delete, get in {:?}", ks.name(), t.elapsed());
            }
            Err(e) => eprintln!("{}: {e} (after {:?})", ks.name(), t.elapsed()),
        }
    }
}
