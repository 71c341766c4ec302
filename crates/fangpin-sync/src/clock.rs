//! The hybrid logical clock: wall time in milliseconds plus a counter.
//!
//! Clock time orders versions (it picks the provisional winner of a conflict) but never decides
//! causality, which comes from parents alone.
//! A remote clock too far ahead of the local wall time is flagged and not adopted, so one device
//! with a wrong date cannot drag every other clock into the future.

use serde::{Deserialize, Serialize};

/// A hybrid logical clock reading. Ordered by wall time, then counter.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hlc {
    /// Milliseconds since the Unix epoch.
    pub wall_ms: u64,
    /// Orders readings within one millisecond.
    pub counter: u32,
}

/// A remote reading that is further ahead of local wall time than the configured bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("remote clock is {ahead_ms} ms ahead of local wall time (bound {bound_ms} ms)")]
pub struct ClockSkew {
    /// How far ahead the remote reading is.
    pub ahead_ms: u64,
    /// The configured bound.
    pub bound_ms: u64,
}

/// The clock of one device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HlcClock {
    last: Hlc,
    max_ahead_ms: u64,
}

impl HlcClock {
    /// One day: the default bound on how far ahead a remote clock may be.
    pub const DEFAULT_MAX_AHEAD_MS: u64 = 24 * 60 * 60 * 1000;

    /// A clock that flags remote readings more than `max_ahead_ms` ahead of local wall time.
    pub fn new(max_ahead_ms: u64) -> Self {
        Self {
            last: Hlc::default(),
            max_ahead_ms,
        }
    }

    /// The last reading this clock issued or adopted.
    pub fn last(&self) -> Hlc {
        self.last
    }

    /// A new reading for a local event at wall time `wall_ms`; strictly greater than every
    /// earlier reading of this clock, even when the wall clock steps back.
    pub fn tick(&mut self, wall_ms: u64) -> Hlc {
        self.last = if wall_ms > self.last.wall_ms {
            Hlc {
                wall_ms,
                counter: 0,
            }
        } else {
            Hlc {
                wall_ms: self.last.wall_ms,
                counter: self.last.counter.saturating_add(1),
            }
        };
        self.last
    }

    /// Takes note of a remote reading received at local wall time `wall_ms`.
    ///
    /// A reading within the bound advances this clock; one beyond it is refused with
    /// [`ClockSkew`] and leaves this clock unchanged (the change itself is still merged: the
    /// caller flags it for a supervisor).
    pub fn observe(&mut self, remote: Hlc, wall_ms: u64) -> Result<(), ClockSkew> {
        let limit = wall_ms.saturating_add(self.max_ahead_ms);
        if remote.wall_ms > limit {
            return Err(ClockSkew {
                ahead_ms: remote.wall_ms - wall_ms,
                bound_ms: self.max_ahead_ms,
            });
        }
        if remote > self.last {
            self.last = remote;
        }
        Ok(())
    }
}

impl Default for HlcClock {
    fn default() -> Self {
        Self::new(Self::DEFAULT_MAX_AHEAD_MS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_is_strictly_increasing_when_wall_time_steps_back() {
        let mut c = HlcClock::default();
        let a = c.tick(1000);
        let b = c.tick(900);
        let d = c.tick(1000);
        assert!(a < b && b < d);
        assert_eq!(
            b,
            Hlc {
                wall_ms: 1000,
                counter: 1
            }
        );
        assert_eq!(
            c.tick(1001),
            Hlc {
                wall_ms: 1001,
                counter: 0
            }
        );
    }

    #[test]
    fn a_clock_within_the_bound_is_adopted() {
        let mut c = HlcClock::new(60_000);
        c.observe(
            Hlc {
                wall_ms: 1_050_000,
                counter: 3,
            },
            1_000_000,
        )
        .unwrap();
        assert_eq!(
            c.tick(1_000_001),
            Hlc {
                wall_ms: 1_050_000,
                counter: 4
            }
        );
    }

    #[test]
    fn a_clock_far_in_the_future_is_flagged_not_trusted() {
        let mut c = HlcClock::new(60_000);
        let before = c.tick(1_000_000);
        let err = c
            .observe(
                Hlc {
                    wall_ms: 1_060_001,
                    counter: 0,
                },
                1_000_000,
            )
            .unwrap_err();
        assert_eq!(
            err,
            ClockSkew {
                ahead_ms: 60_001,
                bound_ms: 60_000
            }
        );
        assert_eq!(c.last(), before);
        // exactly at the bound is accepted
        c.observe(
            Hlc {
                wall_ms: 1_060_000,
                counter: 0,
            },
            1_000_000,
        )
        .unwrap();
    }
}
