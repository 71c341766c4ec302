//! Passwords, device credentials and the sign-in rate limit.

use std::collections::HashMap;
use std::sync::Mutex;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Hashes a password with Argon2id (PHC string).
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Checks a password against its stored hash.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A new device secret and the credential the device keeps: `<device id>.<secret>`.
pub fn new_credential(device: Uuid) -> (String, String) {
    let mut secret = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret);
    let hash = secret_hash(&secret);
    (format!("{device}.{secret}"), hash)
}

/// SHA-256 of a secret, hex: what the server stores (secrets are random, so no slow hash is
/// needed).
pub fn secret_hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Splits a credential into the device id and the secret.
pub fn parse_credential(credential: &str) -> Option<(Uuid, &str)> {
    let (id, secret) = credential.split_once('.')?;
    Some((id.parse().ok()?, secret))
}

/// Compares two hashes in constant time.
pub fn same_hash(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Sign-in attempts per user name: after `free` failures within the window, each further
/// attempt waits twice as long as the last, from `base_ms`.
#[derive(Debug)]
pub struct RateLimit {
    free: u32,
    base_ms: i64,
    window_ms: i64,
    state: Mutex<HashMap<String, (u32, i64, i64)>>,
}

impl RateLimit {
    /// Five free failures in fifteen minutes, then waits from one second, doubling.
    pub fn new() -> Self {
        Self {
            free: 5,
            base_ms: 1_000,
            window_ms: 15 * 60 * 1000,
            state: Mutex::new(HashMap::new()),
        }
    }

    /// Milliseconds to wait before `key` may try again, or None when it may try now.
    pub fn wait(&self, key: &str, now_ms: i64) -> Option<i64> {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let (_, _, until) = state.get(key)?;
        (*until > now_ms).then_some(until - now_ms)
    }

    /// Records a failed attempt.
    pub fn failed(&self, key: &str, now_ms: i64) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let entry = state.entry(key.to_owned()).or_insert((0, now_ms, 0));
        if now_ms - entry.1 > self.window_ms {
            *entry = (0, now_ms, 0);
        }
        entry.0 += 1;
        if entry.0 > self.free {
            let doublings = (entry.0 - self.free - 1).min(16);
            entry.2 = now_ms + self.base_ms * (1i64 << doublings);
        }
    }

    /// Forgets a key after a successful sign-in.
    pub fn succeeded(&self, key: &str) {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key);
    }
}

impl Default for RateLimit {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_and_credentials() {
        let h = hash_password("正确的口令").unwrap();
        assert!(verify_password("正确的口令", &h));
        assert!(!verify_password("错误", &h));
        let id = Uuid::from_u128(7);
        let (cred, hash) = new_credential(id);
        let (got, secret) = parse_credential(&cred).unwrap();
        assert_eq!(got, id);
        assert!(same_hash(&secret_hash(secret), &hash));
        assert!(parse_credential("not-a-credential").is_none());
    }

    #[test]
    fn the_wait_grows_after_the_free_failures() {
        let r = RateLimit::new();
        for i in 0..5 {
            r.failed("u", 1000 + i);
            assert_eq!(r.wait("u", 1000 + i), None);
        }
        r.failed("u", 2000);
        assert_eq!(r.wait("u", 2000), Some(1000));
        r.failed("u", 3000);
        assert_eq!(r.wait("u", 3000), Some(2000));
        r.succeeded("u");
        assert_eq!(r.wait("u", 3000), None);
    }
}
