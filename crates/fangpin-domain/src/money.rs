//! Money in integer fen (分) and ratios in basis points (万分之一).
//!
//! Floats never appear: every amount is an `i64` count of fen, every ratio a
//! `u32` count of basis points (10000 = 100%), and comparisons between an
//! amount and a ratio of another amount are done on exact `i128` products.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An amount of money in fen (1 yuan = 100 fen).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Fen(pub i64);

impl Fen {
    /// Zero fen.
    pub const ZERO: Fen = Fen(0);
    /// The largest amount accepted in input (one hundred billion yuan);
    /// keeps every sum the crate computes far from `i64` overflow.
    pub const MAX_INPUT: Fen = Fen(10_000_000_000_000);

    /// Whole yuan to fen (saturating).
    pub const fn from_yuan(yuan: i64) -> Fen {
        Fen(yuan.saturating_mul(100))
    }

    /// The number of fen.
    pub const fn get(self) -> i64 {
        self.0
    }

    /// Sum, saturating at the `i64` bounds.
    pub const fn saturating_add(self, other: Fen) -> Fen {
        Fen(self.0.saturating_add(other.0))
    }

    /// Difference, saturating at the `i64` bounds.
    pub const fn saturating_sub(self, other: Fen) -> Fen {
        Fen(self.0.saturating_sub(other.0))
    }

    /// The amount as yuan with two decimals, e.g. `6500.00` or `-12.05`.
    pub fn yuan(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl fmt::Display for Fen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}元", self.yuan())
    }
}

/// A ratio in basis points: 10000 means 100%, 11000 means 110%.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BasisPoints(pub u32);

impl BasisPoints {
    /// 100%.
    pub const ONE: BasisPoints = BasisPoints(10_000);

    /// The number of basis points.
    pub const fn get(self) -> u32 {
        self.0
    }

    /// `amount × self`, rounded down (towards negative infinity): for display
    /// only, comparisons use [`exceeds_ratio`] and friends on exact products.
    pub fn of(self, amount: Fen) -> Fen {
        let product = i128::from(amount.0) * i128::from(self.0);
        let quotient = product.div_euclid(10_000);
        Fen(i64::try_from(quotient).unwrap_or(if quotient < 0 { i64::MIN } else { i64::MAX }))
    }

    /// The ratio as a percentage for Chinese text: `110%`, `25.5%`, `0.01%`.
    pub fn percent(self) -> String {
        let whole = self.0 / 100;
        let frac = self.0 % 100;
        if frac == 0 {
            format!("{whole}%")
        } else if frac % 10 == 0 {
            format!("{whole}.{}%", frac / 10)
        } else {
            format!("{whole}.{frac:02}%")
        }
    }
}

/// Exactly whether `value × 10000 < base × ratio` (no rounding).
pub fn below_ratio(value: Fen, base: Fen, ratio: BasisPoints) -> bool {
    i128::from(value.0) * 10_000 < i128::from(base.0) * i128::from(ratio.0)
}

/// Exactly whether `value × 10000 > base × ratio` (no rounding).
pub fn exceeds_ratio(value: Fen, base: Fen, ratio: BasisPoints) -> bool {
    i128::from(value.0) * 10_000 > i128::from(base.0) * i128::from(ratio.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_formatting() {
        assert_eq!(Fen(650_000).yuan(), "6500.00");
        assert_eq!(Fen(5).yuan(), "0.05");
        assert_eq!(Fen(-1205).yuan(), "-12.05");
        assert_eq!(Fen(700_001).to_string(), "7000.01元");
        assert_eq!(Fen::from_yuan(26_000), Fen(2_600_000));
    }

    #[test]
    fn percent_formatting() {
        assert_eq!(BasisPoints(11_000).percent(), "110%");
        assert_eq!(BasisPoints(2_550).percent(), "25.5%");
        assert_eq!(BasisPoints(1).percent(), "0.01%");
        assert_eq!(BasisPoints(3_000).percent(), "30%");
    }

    #[test]
    fn ratio_of_rounds_down() {
        assert_eq!(BasisPoints(11_000).of(Fen(650_000)), Fen(715_000));
        assert_eq!(BasisPoints(3_333).of(Fen(100)), Fen(33));
        assert_eq!(BasisPoints(5_000).of(Fen(-3)), Fen(-2));
    }

    #[test]
    fn exact_ratio_comparisons() {
        // 715000 is exactly 110% of 650000.
        assert!(below_ratio(Fen(714_999), Fen(650_000), BasisPoints(11_000)));
        assert!(!below_ratio(
            Fen(715_000),
            Fen(650_000),
            BasisPoints(11_000)
        ));
        assert!(exceeds_ratio(Fen(50_001), Fen(100_000), BasisPoints(5_000)));
        assert!(!exceeds_ratio(
            Fen(50_000),
            Fen(100_000),
            BasisPoints(5_000)
        ));
        // No overflow at the input limit.
        assert!(below_ratio(
            Fen::MAX_INPUT,
            Fen::MAX_INPUT,
            BasisPoints(u32::MAX)
        ));
    }
}
