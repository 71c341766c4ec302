//! Passwords (hashed on a bounded pool off the async workers), device credentials and the
//! sign-in back-off per user and address, per address and per user, in a bounded map.

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

/// The sign-in back-off: failed attempts counted per key, each key waiting twice as long after
/// every failure beyond its free ones, within a window. The map is bounded: expired entries go
/// first, then the least recently touched, so no sender can grow it without limit.
#[derive(Debug)]
pub struct RateLimit {
    base_ms: i64,
    max_wait_ms: i64,
    window_ms: i64,
    capacity: usize,
    state: Mutex<HashMap<String, Entry>>,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    first_ms: i64,
    until_ms: i64,
    touched_ms: i64,
}

/// How many failures a key is allowed before it waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key<'a> {
    /// One user from one address: the usual wrong password.
    UserAt(&'a str, &'a str),
    /// One address, whatever the user names: one password tried across many names.
    Address(&'a str),
    /// One user from any address: guessing spread over many addresses (a high threshold, so a
    /// user cannot easily be locked out by others).
    User(&'a str),
}

impl Key<'_> {
    fn text(&self) -> String {
        match self {
            Key::UserAt(u, a) => format!("u:{u}|a:{a}"),
            Key::Address(a) => format!("a:{a}"),
            Key::User(u) => format!("u:{u}"),
        }
    }

    fn free(&self) -> u32 {
        match self {
            Key::UserAt(..) => 5,
            Key::Address(_) => 20,
            Key::User(_) => 50,
        }
    }
}

impl RateLimit {
    /// Waits from one second, doubling, at most fifteen minutes; failures are forgotten after
    /// fifteen minutes; at most 10,000 keys are kept.
    pub fn new() -> Self {
        Self::with_capacity(10_000)
    }

    /// The same limits with room for `capacity` keys.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            base_ms: 1_000,
            max_wait_ms: 15 * 60 * 1000,
            window_ms: 15 * 60 * 1000,
            capacity: capacity.max(1),
            state: Mutex::new(HashMap::new()),
        }
    }

    /// How many keys are kept.
    pub fn len(&self) -> usize {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Whether no key is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Milliseconds to wait before any of `keys` may try again, or None when all may try now.
    pub fn wait(&self, keys: &[Key<'_>], now_ms: i64) -> Option<i64> {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        keys.iter()
            .filter_map(|k| state.get(&k.text()))
            .filter(|e| e.until_ms > now_ms)
            .map(|e| e.until_ms - now_ms)
            .max()
    }

    /// Records a failed attempt against every key.
    pub fn failed(&self, keys: &[Key<'_>], now_ms: i64) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        for k in keys {
            let text = k.text();
            if !state.contains_key(&text) && state.len() >= self.capacity {
                let window = self.window_ms;
                state.retain(|_, e| now_ms - e.first_ms <= window || e.until_ms > now_ms);
                if state.len() >= self.capacity {
                    if let Some(oldest) = state
                        .iter()
                        .min_by_key(|(_, e)| e.touched_ms)
                        .map(|(k, _)| k.clone())
                    {
                        state.remove(&oldest);
                    }
                }
            }
            let e = state.entry(text).or_insert(Entry {
                failures: 0,
                first_ms: now_ms,
                until_ms: 0,
                touched_ms: now_ms,
            });
            if now_ms - e.first_ms > self.window_ms {
                *e = Entry {
                    failures: 0,
                    first_ms: now_ms,
                    until_ms: 0,
                    touched_ms: now_ms,
                };
            }
            e.failures += 1;
            e.touched_ms = now_ms;
            if e.failures > k.free() {
                let doublings = (e.failures - k.free() - 1).min(20);
                e.until_ms = now_ms + (self.base_ms << doublings).min(self.max_wait_ms);
            }
        }
    }

    /// Forgets the user's failures from this address after a successful sign-in.
    pub fn succeeded(&self, user: &str, address: &str) {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&Key::UserAt(user, address).text());
    }
}

impl Default for RateLimit {
    fn default() -> Self {
        Self::new()
    }
}

/// Password hashing off the async workers, on a bounded pool: at most `slots` hashes at once,
/// and at most `queue` requests waiting for one; beyond that a sign-in is told to come back.
#[derive(Debug)]
pub struct Hashing {
    slots: tokio::sync::Semaphore,
    waiting: std::sync::atomic::AtomicUsize,
    queue: usize,
}

impl Hashing {
    /// A pool of `slots` (the cores, usually) with room for `queue` waiting sign-ins.
    pub fn new(slots: usize, queue: usize) -> Self {
        Self {
            slots: tokio::sync::Semaphore::new(slots.max(1)),
            waiting: std::sync::atomic::AtomicUsize::new(0),
            queue,
        }
    }

    /// Verifies a password on the pool; None when the pool is full.
    pub async fn verify(&self, password: String, hash: String) -> Option<bool> {
        self.run(move || verify_password(&password, &hash)).await
    }

    /// Hashes a password on the pool; None when the pool is full.
    pub async fn hash(&self, password: String) -> Option<Result<String, String>> {
        self.run(move || hash_password(&password)).await
    }

    /// Runs `work` on a blocking thread once a slot is free; None at once when `queue` others
    /// already wait for one, so a flood of sign-ins is told to come back instead of piling up.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Option<T> {
        use std::sync::atomic::Ordering;
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.queue {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        let permit = self.slots.acquire().await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        let _permit = permit.ok()?;
        tokio::task::spawn_blocking(work).await.ok()
    }

    /// How many wait for a slot.
    pub fn waiting(&self) -> usize {
        self.waiting.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Default for Hashing {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self::new(cores, 64)
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

    /// Password hashing never runs on the async workers and never piles up: at most `slots`
    /// at once, at most `queue` waiting, the rest told at once to come back.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn hashing_runs_on_a_bounded_pool_and_refuses_beyond_its_queue() {
        let pool = std::sync::Arc::new(Hashing::new(1, 1));
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let first = tokio::spawn({
            let pool = pool.clone();
            async move {
                pool.run(move || {
                    started_tx.send(()).expect("started");
                    release_rx.recv().expect("released");
                    1
                })
                .await
            }
        });
        tokio::task::spawn_blocking(move || started_rx.recv())
            .await
            .expect("join")
            .expect("the first holds the only slot");
        let second = tokio::spawn({
            let pool = pool.clone();
            async move { pool.run(|| 2).await }
        });
        while pool.waiting() < 1 {
            tokio::task::yield_now().await;
        }
        assert_eq!(pool.run(|| 3).await, None, "the queue is full: come back");
        release_tx.send(()).expect("release");
        assert_eq!(first.await.expect("join"), Some(1));
        assert_eq!(
            second.await.expect("join"),
            Some(2),
            "the waiting one ran next"
        );
        assert_eq!(pool.run(|| 4).await, Some(4));
    }

    #[test]
    fn failures_are_forgotten_after_the_window() {
        let r = RateLimit::new();
        let k = [Key::UserAt("u", "1.1.1.1")];
        for _ in 0..10 {
            r.failed(&k, 0);
        }
        assert!(r.wait(&k, 0).is_some());
        let later = 15 * 60 * 1000 + 1;
        assert_eq!(r.wait(&k, later), None, "the wait is over");
        r.failed(&k, later);
        assert_eq!(r.wait(&k, later), None, "and the count started again");
    }

    #[test]
    fn the_wait_grows_after_the_free_failures_and_the_map_stays_bounded() {
        let r = RateLimit::with_capacity(100);
        let me = [
            Key::UserAt("u", "1.1.1.1"),
            Key::Address("1.1.1.1"),
            Key::User("u"),
        ];
        for i in 0..5 {
            r.failed(&me, 1000 + i);
            assert_eq!(r.wait(&me, 1000 + i), None);
        }
        r.failed(&me, 2000);
        assert_eq!(r.wait(&me, 2000), Some(1000));
        r.failed(&me, 3000);
        assert_eq!(r.wait(&me, 3000), Some(2000));
        // The same user from another address may still try: nobody locks a user out alone.
        let elsewhere = [
            Key::UserAt("u", "2.2.2.2"),
            Key::Address("2.2.2.2"),
            Key::User("u"),
        ];
        assert_eq!(r.wait(&elsewhere, 3000), None);
        r.succeeded("u", "1.1.1.1");
        assert_eq!(r.wait(&[Key::UserAt("u", "1.1.1.1")], 3000), None);
        // One address spraying many names is slowed after its free failures.
        for i in 0..21 {
            let name = format!("n{i}");
            r.failed(
                &[Key::UserAt(&name, "3.3.3.3"), Key::Address("3.3.3.3")],
                4000,
            );
        }
        assert!(r.wait(&[Key::Address("3.3.3.3")], 4000).is_some());
        // Thousands of names never grow the map past its capacity.
        for i in 0..5_000 {
            let name = format!("x{i}");
            r.failed(&[Key::UserAt(&name, "4.4.4.4")], 5000 + i);
        }
        assert!(r.len() <= 100, "{}", r.len());
        // The wait is capped.
        let k = [Key::UserAt("v", "5.5.5.5")];
        for _ in 0..100 {
            r.failed(&k, 9000);
        }
        assert!(r.wait(&k, 9000).unwrap() <= 15 * 60 * 1000);
    }
}
