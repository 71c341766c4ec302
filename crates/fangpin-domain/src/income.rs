//! A household's income and spending for one year (收支), and the income
//! comparisons the rules make.
//!
//! Net income and per-capita net income are computed here, never entered:
//! net = 工资性 + 生产经营性 + 财产性 + 转移性 income − 生产经营性支出.
//! 合规自付医疗支出 is rigid spending, compared separately; it does not
//! reduce net income. Comparisons with the line multiply instead of
//! dividing, so no fen is lost to rounding.

use serde::{Deserialize, Serialize};

use crate::money::{below_ratio, BasisPoints, Fen};

/// Income and spending of one household in one calendar year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct YearIncome {
    /// The year.
    pub year: i32,
    /// 工资性收入.
    pub wage_fen: Fen,
    /// 生产经营性收入 (gross).
    pub business_fen: Fen,
    /// 财产性收入.
    pub property_fen: Fen,
    /// 转移性收入.
    pub transfer_fen: Fen,
    /// 生产经营性支出.
    pub business_spending_fen: Fen,
    /// 合规自付医疗支出 (after all insurance and assistance).
    #[serde(default, deserialize_with = "crate::nullable::or_default")]
    pub medical_out_of_pocket_fen: Fen,
}

impl YearIncome {
    /// The four incomes added up.
    pub const fn gross_income(&self) -> Fen {
        self.wage_fen
            .saturating_add(self.business_fen)
            .saturating_add(self.property_fen)
            .saturating_add(self.transfer_fen)
    }

    /// 家庭纯收入: the four incomes minus production spending.
    pub const fn net_income(&self) -> Fen {
        self.gross_income()
            .saturating_sub(self.business_spending_fen)
    }

    /// 生产经营性净收入: business income minus production spending.
    pub const fn business_net(&self) -> Fen {
        self.business_fen.saturating_sub(self.business_spending_fen)
    }

    /// 家庭人均纯收入, rounded down to the fen; for display. Rules compare
    /// with [`is_below_line`] and friends, which are exact.
    pub fn per_capita_net_income(&self, household_size: u32) -> Fen {
        per_capita(self.net_income(), household_size)
    }

    /// Every amount with its field name, in form order.
    pub const fn amounts(&self) -> [(&'static str, Fen); 6] {
        [
            ("wage_fen", self.wage_fen),
            ("business_fen", self.business_fen),
            ("property_fen", self.property_fen),
            ("transfer_fen", self.transfer_fen),
            ("business_spending_fen", self.business_spending_fen),
            ("medical_out_of_pocket_fen", self.medical_out_of_pocket_fen),
        ]
    }
}

/// This year's figures and, if known, last year's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct IncomeYears {
    /// The year being assessed.
    pub current: YearIncome,
    /// The year before, for the income-drop rule.
    #[serde(default)]
    pub previous: Option<YearIncome>,
}

/// `net / size` rounded down (towards negative infinity); size 0 gives 0.
pub fn per_capita(net: Fen, household_size: u32) -> Fen {
    if household_size == 0 {
        return Fen::ZERO;
    }
    Fen(net.0.div_euclid(i64::from(household_size)))
}

/// `line × size`.
pub fn line_total(line: Fen, household_size: u32) -> Fen {
    Fen(line.0.saturating_mul(i64::from(household_size)))
}

/// Per-capita net income below the line, exactly: `net < line × size`.
pub fn is_below_line(net: Fen, household_size: u32, line: Fen) -> bool {
    i128::from(net.0) < i128::from(line.0) * i128::from(household_size)
}

/// Per-capita net income at or above the line but below `band` times the
/// line, exactly: `line × size ≤ net` and `net × 10000 < line × size × band`.
pub fn is_near_line(net: Fen, household_size: u32, line: Fen, band: BasisPoints) -> bool {
    !is_below_line(net, household_size, line)
        && below_ratio(net, line_total(line, household_size), band)
}

/// Net income fell from `previous` to `current` by at least `ratio` of
/// `previous`, exactly: `(previous − current) × 10000 ≥ previous × ratio`.
/// Never fires when last year's net income was zero or negative.
pub fn is_sharp_drop(current: Fen, previous: Fen, ratio: BasisPoints) -> bool {
    if previous.0 <= 0 {
        return false;
    }
    let drop = i128::from(previous.0) - i128::from(current.0);
    drop > 0 && drop * 10_000 >= i128::from(previous.0) * i128::from(ratio.0)
}

/// The drop from `previous` to `current` in basis points of `previous`,
/// rounded down; 0 when there is no drop or `previous ≤ 0`.
pub fn drop_ratio(current: Fen, previous: Fen) -> BasisPoints {
    if previous.0 <= 0 || current.0 >= previous.0 {
        return BasisPoints(0);
    }
    let drop = i128::from(previous.0) - i128::from(current.0);
    let bp = drop * 10_000 / i128::from(previous.0);
    BasisPoints(u32::try_from(bp).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn year(wage: i64, business: i64, property: i64, transfer: i64, spending: i64) -> YearIncome {
        YearIncome {
            year: 2025,
            wage_fen: Fen(wage),
            business_fen: Fen(business),
            property_fen: Fen(property),
            transfer_fen: Fen(transfer),
            business_spending_fen: Fen(spending),
            medical_out_of_pocket_fen: Fen(123_456),
        }
    }

    #[test]
    fn net_income_is_four_incomes_minus_production_spending() {
        let y = year(2_400_000, 600_000, 20_000, 380_000, 600_000);
        assert_eq!(y.gross_income(), Fen(3_400_000));
        assert_eq!(y.net_income(), Fen(2_800_000));
        assert_eq!(y.business_net(), Fen(0));
        assert_eq!(y.per_capita_net_income(4), Fen(700_000));
        assert_eq!(y.per_capita_net_income(3), Fen(933_333));
        assert_eq!(y.per_capita_net_income(0), Fen(0));
        // Medical spending is not subtracted.
        assert_eq!(year(0, 0, 0, 0, 0).net_income(), Fen(0));
        assert_eq!(year(0, 100, 0, 0, 300).net_income(), Fen(-200));
        assert_eq!(per_capita(Fen(-200), 3), Fen(-67));
    }

    #[test]
    fn below_line_is_exact() {
        // Line 6500 yuan, 3 people: 19500 yuan in total.
        let line = Fen(650_000);
        assert!(is_below_line(Fen(1_949_999), 3, line));
        assert!(!is_below_line(Fen(1_950_000), 3, line));
        assert!(!is_below_line(Fen(1_950_001), 3, line));
        // Per-capita rounding would say 6499.99... < 6500 either way; the
        // exact product is what counts.
        assert_eq!(per_capita(Fen(1_949_999), 3), Fen(649_999));
    }

    #[test]
    fn near_line_band_is_half_open() {
        let line = Fen(650_000);
        let band = BasisPoints(11_000);
        // 3 people: [1950000, 2145000).
        assert!(!is_near_line(Fen(1_949_999), 3, line, band));
        assert!(is_near_line(Fen(1_950_000), 3, line, band));
        assert!(is_near_line(Fen(2_144_999), 3, line, band));
        assert!(!is_near_line(Fen(2_145_000), 3, line, band));
    }

    #[test]
    fn sharp_drop_is_inclusive_of_the_ratio() {
        let ratio = BasisPoints(3_000);
        assert!(!is_sharp_drop(Fen(700_001), Fen(1_000_000), ratio));
        assert!(is_sharp_drop(Fen(700_000), Fen(1_000_000), ratio));
        assert!(is_sharp_drop(Fen(699_999), Fen(1_000_000), ratio));
        assert!(!is_sharp_drop(Fen(-5), Fen(0), ratio));
        assert!(!is_sharp_drop(
            Fen(1_100_000),
            Fen(1_000_000),
            BasisPoints(0)
        ));
        assert_eq!(drop_ratio(Fen(700_000), Fen(1_000_000)), BasisPoints(3_000));
        assert_eq!(drop_ratio(Fen(700_001), Fen(1_000_000)), BasisPoints(2_999));
        assert_eq!(drop_ratio(Fen(1_000_001), Fen(1_000_000)), BasisPoints(0));
    }
}
