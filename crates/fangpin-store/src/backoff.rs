//! The delay after wrong passcodes, and the record of failed attempts it is judged from.
//!
//! The record holds the count of consecutive failures, the time before which no attempt is
//! taken, and the latest wall time seen during the run of failures. Time is judged by the
//! device's clock but never earlier than a time already seen, so setting the clock back does
//! not shorten a delay (it pauses it until the clock is back where it was). Setting the clock
//! forward is not detected: nothing on the device can tell it from time passing; see
//! docs/store.md for what that leaves. A record that is missing or altered where one must be
//! counts as the longest delay, not as none ([`Attempts::tampered`]).
//! Where the record is kept (the platform key store, or the key file) is the caller's concern.

use serde::{Deserialize, Serialize};

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

    /// The fewest failures that impose the longest delay.
    fn failures_at_max(&self) -> u32 {
        (self.free_attempts..self.free_attempts.saturating_add(64))
            .find(|&n| self.delay_ms(n) == Some(self.max_ms))
            .unwrap_or(self.free_attempts.saturating_add(64))
    }
}

/// The record of failed attempts since the last success.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub(crate) struct Attempts {
    /// Consecutive failed attempts.
    pub failed: u32,
    /// No attempt is taken before this time (ms since the epoch); 0 for none.
    pub retry_at_ms: u64,
    /// The latest wall time seen since the first failure (ms since the epoch); attempts are
    /// judged at no earlier time. 0 after a success.
    pub seen_ms: u64,
}

/// What an attempt at a given time may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// A delay runs: no attempt is taken.
    Wait {
        /// When the next attempt is allowed.
        retry_at_ms: u64,
        /// How long that is from the time the attempt is judged at.
        wait_ms: u64,
    },
    /// The attempt may be taken; this record, counting it as failed, is to be saved before
    /// the passcode is checked (so killing the app during the check gives no free attempt).
    Try(Attempts),
}

impl Attempts {
    /// The record that stands in for one that is missing or altered: the longest delay, from
    /// `now_ms`.
    pub fn tampered(now_ms: u64, backoff: &Backoff) -> Attempts {
        Attempts {
            failed: backoff.failures_at_max(),
            retry_at_ms: now_ms.saturating_add(backoff.max_ms),
            seen_ms: now_ms,
        }
    }

    /// The time an attempt made at wall time `now_ms` is judged at: never earlier than one
    /// already seen.
    pub fn clock(&self, now_ms: u64) -> u64 {
        now_ms.max(self.seen_ms)
    }

    /// Judges an attempt made at wall time `now_ms`.
    pub fn attempt(&self, now_ms: u64, backoff: &Backoff) -> Verdict {
        let t = self.clock(now_ms);
        if self.retry_at_ms > t {
            return Verdict::Wait {
                retry_at_ms: self.retry_at_ms,
                wait_ms: self.retry_at_ms - t,
            };
        }
        let failed = self.failed.saturating_add(1);
        Verdict::Try(Attempts {
            failed,
            retry_at_ms: backoff.delay_ms(failed).map_or(0, |d| t.saturating_add(d)),
            seen_ms: t,
        })
    }

    /// When the next attempt is allowed, if a delay applies.
    pub fn retry_at(&self) -> Option<u64> {
        (self.retry_at_ms != 0).then_some(self.retry_at_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: Backoff = Backoff {
        free_attempts: 3,
        base_ms: 1000,
        max_ms: 5000,
    };

    #[test]
    fn backoff_doubles_after_the_free_attempts_and_is_capped() {
        assert_eq!(B.delay_ms(2), None);
        assert_eq!(B.delay_ms(3), Some(1000));
        assert_eq!(B.delay_ms(4), Some(2000));
        assert_eq!(B.delay_ms(5), Some(4000));
        assert_eq!(B.delay_ms(6), Some(5000));
        assert_eq!(B.delay_ms(200), Some(5000));
        assert_eq!(B.failures_at_max(), 6);
        assert_eq!(Backoff::default().failures_at_max(), 5 + 12);
    }

    fn fail(a: Attempts, now: u64) -> Attempts {
        match a.attempt(now, &B) {
            Verdict::Try(next) => next,
            Verdict::Wait { .. } => panic!("refused at {now}"),
        }
    }

    #[test]
    fn a_clock_moved_back_does_not_shorten_a_delay() {
        let mut a = Attempts::default();
        for _ in 0..3 {
            a = fail(a, 100_000);
        }
        assert_eq!(a.retry_at_ms, 101_000);
        // The clock set back a year: the delay still runs in full, measured from the latest
        // time seen.
        for now in [0, 50_000, 99_999] {
            assert_eq!(
                a.attempt(now, &B),
                Verdict::Wait {
                    retry_at_ms: 101_000,
                    wait_ms: 1_000
                }
            );
        }
        assert_eq!(
            a.attempt(100_999, &B),
            Verdict::Wait {
                retry_at_ms: 101_000,
                wait_ms: 1
            }
        );
        // Restored, the clock reaches the time and the attempt is taken; the time used never
        // goes back.
        let next = fail(a, 101_000);
        assert_eq!(next.seen_ms, 101_000);
        assert_eq!(next.retry_at_ms, 103_000);
        assert_eq!(next.clock(5), 101_000);
    }

    #[test]
    fn a_missing_or_altered_record_counts_as_the_longest_delay() {
        let t = Attempts::tampered(7_000, &B);
        assert_eq!(t.retry_at_ms, 12_000);
        assert_eq!(
            t.attempt(7_000, &B),
            Verdict::Wait {
                retry_at_ms: 12_000,
                wait_ms: 5_000
            }
        );
        // Once the delay is over, the next failure keeps the longest delay.
        let next = fail(t, 12_000);
        assert_eq!(next.retry_at_ms, 17_000);
    }
}
