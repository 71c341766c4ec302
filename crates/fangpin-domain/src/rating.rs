//! Per-village results and the village star rating (村星级化考核).
//!
//! The caller counts what one village's records say ([`VillageFigures`]); [`rate`] turns the
//! counts into four rates, a score out of 100 points and one to five stars, with the
//! computation written out in Chinese.
//!
//! # Arithmetic
//!
//! Integers only; scores are in basis points of 100 points (10000 = 100分, 2850 = 28.50分).
//! - Each rate is `numerator / denominator` in basis points, rounded half up
//!   (`⌊(2 × numerator × 10000 + denominator) / (2 × denominator)⌋`) and capped at 10000. An
//!   empty denominator counts as 100%: there was nothing to check.
//! - Each part's points are `rate × weight / 10000` from the rounded rate, again rounded half
//!   up, so the explanation's figures add up exactly.
//! - The score is the sum of the parts' points minus `overdue × overdue_penalty_bp`, clamped to
//!   `0..=10000`.
//! - Stars are 1 plus the number of cut-offs the score reaches (`score ≥ cut-off`).

use serde::{Deserialize, Serialize};

use crate::field_error::{ErrorCode, FieldError, FieldErrors};
use crate::money::BasisPoints;

/// What one village's records say, counted by the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct VillageFigures {
    /// Households of the village (the screening's scope).
    pub households: u32,
    /// Households screened (入户排查 done).
    pub screened: u32,
    /// Households re-checked by the township (回访核查).
    pub rechecked: u32,
    /// Re-checks that agreed with the screening.
    pub rechecks_agreeing: u32,
    /// Problems entered in the ledger (问题台账).
    pub problems_found: u32,
    /// Problems closed (整改销号).
    pub problems_closed: u32,
    /// Closed problems closed by their deadline.
    pub closed_on_time: u32,
    /// Problems past their deadline and not yet rectified (逾期).
    pub overdue: u32,
}

/// The weights of the four rates, in basis points of the score; they sum to 10000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RatingWeights {
    /// Weight of the screening coverage (排查覆盖率), default 3000 (30 points).
    pub coverage_bp: BasisPoints,
    /// Weight of the re-check accuracy (核查准确率), default 3000 (30 points).
    pub accuracy_bp: BasisPoints,
    /// Weight of the closure rate (问题整改率), default 2000 (20 points).
    pub closure_bp: BasisPoints,
    /// Weight of the on-time closure rate (按期整改率), default 2000 (20 points).
    pub on_time_bp: BasisPoints,
}

impl Default for RatingWeights {
    /// 30%, 30%, 20%, 20%.
    fn default() -> Self {
        RatingWeights {
            coverage_bp: BasisPoints(3_000),
            accuracy_bp: BasisPoints(3_000),
            closure_bp: BasisPoints(2_000),
            on_time_bp: BasisPoints(2_000),
        }
    }
}

/// How a village is scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RatingSettings {
    /// The weights of the four rates.
    pub weights: RatingWeights,
    /// Points off per overdue item, in basis points of the score (default 200 = 2 points).
    pub overdue_penalty_bp: BasisPoints,
    /// The score needed for 2, 3, 4 and 5 stars (default 6000, 7000, 8000, 9000).
    pub star_cutoffs_bp: [BasisPoints; 4],
}

impl Default for RatingSettings {
    /// Weights 30/30/20/20, 2 points off per overdue item, stars at 60, 70, 80 and 90 points.
    fn default() -> Self {
        RatingSettings {
            weights: RatingWeights::default(),
            overdue_penalty_bp: BasisPoints(200),
            star_cutoffs_bp: [
                BasisPoints(6_000),
                BasisPoints(7_000),
                BasisPoints(8_000),
                BasisPoints(9_000),
            ],
        }
    }
}

impl RatingSettings {
    /// Checks that the weights sum to 10000, the penalty is at most 10000, and the cut-offs
    /// are strictly increasing and at most 10000; collects every problem.
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        let w = &self.weights;
        let sum: u64 = [w.coverage_bp, w.accuracy_bp, w.closure_bp, w.on_time_bp]
            .iter()
            .map(|b| u64::from(b.get()))
            .sum();
        if sum != 10_000 {
            errors.push(FieldError::new(
                "weights",
                ErrorCode::OutOfRange,
                format!("the weights must sum to 10000 (100 points), not {sum}"),
                format!("各项权重之和须为100%，现为{}", bp_number(sum)),
            ));
        }
        if self.overdue_penalty_bp > BasisPoints::ONE {
            errors.push(FieldError::new(
                "overdue_penalty_bp",
                ErrorCode::OutOfRange,
                "must be at most 10000 (100 points)",
                "逾期扣分每项不得超过100分",
            ));
        }
        for (i, cut) in self.star_cutoffs_bp.iter().enumerate() {
            let path = format!("star_cutoffs_bp[{i}]");
            let stars = STARS_ZH[i + 1];
            if *cut > BasisPoints::ONE {
                errors.push(FieldError::new(
                    path,
                    ErrorCode::OutOfRange,
                    "must be at most 10000 (100 points)",
                    format!("{stars}标准不得超过100分"),
                ));
            } else if i > 0 && *cut <= self.star_cutoffs_bp[i - 1] {
                errors.push(FieldError::new(
                    path,
                    ErrorCode::Inconsistent,
                    "must be higher than the cut-off for one star fewer",
                    format!("{stars}标准须高于{}标准", STARS_ZH[i]),
                ));
            }
        }
        errors.into_result(())
    }
}

/// One part of the score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RatingPartId {
    /// 排查覆盖率: screened / households.
    Coverage,
    /// 核查准确率: rechecks agreeing / rechecked.
    Accuracy,
    /// 问题整改率: problems closed / problems found.
    Closure,
    /// 按期整改率: closed on time / problems closed.
    OnTime,
    /// 逾期扣分: points off per overdue item.
    Overdue,
}

impl RatingPartId {
    /// The Chinese label: 排查覆盖率, 核查准确率, 问题整改率, 按期整改率, 逾期扣分.
    pub const fn label_zh(self) -> &'static str {
        match self {
            RatingPartId::Coverage => "排查覆盖率",
            RatingPartId::Accuracy => "核查准确率",
            RatingPartId::Closure => "问题整改率",
            RatingPartId::OnTime => "按期整改率",
            RatingPartId::Overdue => "逾期扣分",
        }
    }

    /// What an empty denominator means, in Chinese, for the four rates.
    const fn empty_zh(self) -> &'static str {
        match self {
            RatingPartId::Coverage => "无农户，按100%计",
            RatingPartId::Accuracy => "无核查户，按100%计",
            RatingPartId::Closure => "未发现问题，按100%计",
            RatingPartId::OnTime => "无已整改问题，按100%计",
            RatingPartId::Overdue => "",
        }
    }
}

/// One part of a village's score, with its figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatingPart {
    /// Which part.
    pub part: RatingPartId,
    /// Its Chinese label ([`RatingPartId::label_zh`]).
    pub label_zh: String,
    /// The count measured; for [`RatingPartId::Overdue`], the overdue items.
    pub numerator: u32,
    /// The count it is a share of (0: nothing to check, the rate counts as 100%); 0 for
    /// [`RatingPartId::Overdue`].
    pub denominator: u32,
    /// The rate, rounded half up and capped at 10000; 0 for [`RatingPartId::Overdue`].
    pub rate_bp: BasisPoints,
    /// The part's weight; for [`RatingPartId::Overdue`], the points off per item.
    pub weight_bp: BasisPoints,
    /// Points contributed, in basis points of the score (negative for
    /// [`RatingPartId::Overdue`]; saturating at `i64::MIN` for absurd penalties).
    pub points_bp: i64,
}

/// A village's rating.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    /// The score in basis points of 100 points, clamped to `0..=10000`.
    pub score_bp: i64,
    /// Stars, 1 to 5.
    pub stars: u8,
    /// The four rates, then the overdue deduction.
    pub parts: Vec<RatingPart>,
    /// The computation written out, e.g. `排查覆盖率 95.00%（190/200）×30% = 28.50分；…；
    /// 合计 87.30分，四星（≥80分）`.
    pub explanation_zh: String,
}

/// Rates one village: four rates weighted into a score, minus the overdue deduction, clamped
/// to 0..=10000, and stars from the cut-offs (see the module's notes on rounding).
pub fn rate(settings: &RatingSettings, figures: &VillageFigures) -> Rating {
    let w = &settings.weights;
    let f = figures;
    let mut parts: Vec<RatingPart> = [
        (
            RatingPartId::Coverage,
            f.screened,
            f.households,
            w.coverage_bp,
        ),
        (
            RatingPartId::Accuracy,
            f.rechecks_agreeing,
            f.rechecked,
            w.accuracy_bp,
        ),
        (
            RatingPartId::Closure,
            f.problems_closed,
            f.problems_found,
            w.closure_bp,
        ),
        (
            RatingPartId::OnTime,
            f.closed_on_time,
            f.problems_closed,
            w.on_time_bp,
        ),
    ]
    .into_iter()
    .map(|(part, numerator, denominator, weight_bp)| {
        let rate_bp = ratio_bp(numerator, denominator);
        RatingPart {
            part,
            label_zh: part.label_zh().to_owned(),
            numerator,
            denominator,
            rate_bp,
            weight_bp,
            points_bp: weighted_points(rate_bp, weight_bp),
        }
    })
    .collect();
    let penalty = settings.overdue_penalty_bp;
    let deduction = i128::from(f.overdue) * i128::from(penalty.get());
    parts.push(RatingPart {
        part: RatingPartId::Overdue,
        label_zh: RatingPartId::Overdue.label_zh().to_owned(),
        numerator: f.overdue,
        denominator: 0,
        rate_bp: BasisPoints(0),
        weight_bp: penalty,
        points_bp: saturate(-deduction),
    });

    let total: i128 = parts.iter().map(|p| i128::from(p.points_bp)).sum();
    let score_bp = saturate(total.clamp(0, 10_000));
    let reached = settings
        .star_cutoffs_bp
        .iter()
        .filter(|c| score_bp >= i64::from(c.get()))
        .count();
    let stars = 1 + u8::try_from(reached).unwrap_or(4);

    let mut lines: Vec<String> = parts.iter().map(describe_part).collect();
    let mut summary = format!("合计 {}分", points_text(total));
    if total != i128::from(score_bp) {
        summary.push_str(&format!("，按{}分计", points_text(i128::from(score_bp))));
    }
    let star_zh = STARS_ZH[usize::from(stars) - 1];
    let reason = match usize::from(stars) {
        1 => format!("<{}分", points_trimmed(settings.star_cutoffs_bp[0].get())),
        s => format!(
            "≥{}分",
            points_trimmed(settings.star_cutoffs_bp[s - 2].get())
        ),
    };
    summary.push_str(&format!("，{star_zh}（{reason}）"));
    lines.push(summary);

    Rating {
        score_bp,
        stars,
        parts,
        explanation_zh: lines.join("；"),
    }
}

/// 一星 to 五星.
const STARS_ZH: [&str; 5] = ["一星", "二星", "三星", "四星", "五星"];

/// `numerator / denominator` in basis points, rounded half up, capped at 10000; an empty
/// denominator gives 10000.
fn ratio_bp(numerator: u32, denominator: u32) -> BasisPoints {
    if denominator == 0 {
        return BasisPoints::ONE;
    }
    let n = u64::from(numerator);
    let d = u64::from(denominator);
    let rounded = (2 * n * 10_000 + d) / (2 * d);
    BasisPoints(u32::try_from(rounded.min(10_000)).unwrap_or(10_000))
}

/// `rate × weight / 10000`, rounded half up.
fn weighted_points(rate: BasisPoints, weight: BasisPoints) -> i64 {
    let product = u64::from(rate.get()) * u64::from(weight.get());
    let rounded = (product + 5_000) / 10_000;
    i64::try_from(rounded).unwrap_or(i64::MAX)
}

fn saturate(v: i128) -> i64 {
    i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
}

/// Basis points of the score as points with two decimals: `2850` → `28.50`, `-400` →
/// `-4.00`.
fn points_text(bp: i128) -> String {
    let sign = if bp < 0 { "-" } else { "" };
    let abs = bp.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// Basis points of the score as points without trailing zeros: `8000` → `80`, `250` → `2.5`.
fn points_trimmed(bp: u32) -> String {
    BasisPoints(bp).percent().trim_end_matches('%').to_owned()
}

/// A sum of basis points as a percentage, e.g. `100%` or `95.5%`.
fn bp_number(sum: u64) -> String {
    u32::try_from(sum).map_or_else(|_| format!("{}%", sum / 100), |s| BasisPoints(s).percent())
}

/// A rate with two decimals: `9500` → `95.00%`.
fn rate_text(rate: BasisPoints) -> String {
    format!("{}.{:02}%", rate.get() / 100, rate.get() % 100)
}

fn describe_part(p: &RatingPart) -> String {
    let points = points_text(i128::from(p.points_bp));
    if p.part == RatingPartId::Overdue {
        return format!(
            "{} {}项×{}分 = {points}分",
            p.label_zh,
            p.numerator,
            points_trimmed(p.weight_bp.get())
        );
    }
    let counts = if p.denominator == 0 {
        p.part.empty_zh().to_owned()
    } else if p.numerator > p.denominator {
        format!("{}/{}，超过基数按100%计", p.numerator, p.denominator)
    } else {
        format!("{}/{}", p.numerator, p.denominator)
    };
    format!(
        "{} {}（{counts}）×{} = {points}分",
        p.label_zh,
        rate_text(p.rate_bp),
        p.weight_bp.percent()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> VillageFigures {
        VillageFigures {
            households: 100,
            screened: 100,
            rechecked: 10,
            rechecks_agreeing: 10,
            problems_found: 10,
            problems_closed: 10,
            closed_on_time: 10,
            overdue: 0,
        }
    }

    fn ids(r: &Rating) -> Vec<RatingPartId> {
        r.parts.iter().map(|p| p.part).collect()
    }

    #[test]
    fn rating_of_a_fixture_by_hand() {
        let figures = VillageFigures {
            households: 200,
            screened: 190,
            rechecked: 20,
            rechecks_agreeing: 17,
            problems_found: 30,
            problems_closed: 27,
            closed_on_time: 24,
            overdue: 1,
        };
        // coverage  190/200 = 9500 bp;            9500 × 3000 / 10000 = 2850
        // accuracy   17/20  = 8500 bp;            8500 × 3000 / 10000 = 2550
        // closure    27/30  = 9000 bp;            9000 × 2000 / 10000 = 1800
        // on time    24/27  = 8888.89 → 8889 bp;  8889 × 2000 / 10000 = 1777.8 → 1778
        // overdue    1 × 200 = 200 off
        // score = 2850 + 2550 + 1800 + 1778 − 200 = 8778 → ≥ 8000, < 9000: four stars
        let r = rate(&RatingSettings::default(), &figures);
        assert_eq!(r.score_bp, 8778);
        assert_eq!(r.stars, 4);
        assert_eq!(
            ids(&r),
            [
                RatingPartId::Coverage,
                RatingPartId::Accuracy,
                RatingPartId::Closure,
                RatingPartId::OnTime,
                RatingPartId::Overdue
            ]
        );
        let rates: Vec<u32> = r.parts.iter().map(|p| p.rate_bp.get()).collect();
        assert_eq!(rates, [9500, 8500, 9000, 8889, 0]);
        let points: Vec<i64> = r.parts.iter().map(|p| p.points_bp).collect();
        assert_eq!(points, [2850, 2550, 1800, 1778, -200]);
        assert_eq!(r.parts[3].label_zh, "按期整改率");
        assert_eq!((r.parts[3].numerator, r.parts[3].denominator), (24, 27));
        assert_eq!(
            r.explanation_zh,
            "排查覆盖率 95.00%（190/200）×30% = 28.50分；\
             核查准确率 85.00%（17/20）×30% = 25.50分；\
             问题整改率 90.00%（27/30）×20% = 18.00分；\
             按期整改率 88.89%（24/27）×20% = 17.78分；\
             逾期扣分 1项×2分 = -2.00分；\
             合计 87.78分，四星（≥80分）"
        );
    }

    #[test]
    fn rates_round_half_up() {
        assert_eq!(ratio_bp(1, 3), BasisPoints(3333)); // 3333.33
        assert_eq!(ratio_bp(2, 3), BasisPoints(6667)); // 6666.67
        assert_eq!(ratio_bp(1, 20_000), BasisPoints(1)); // 0.5 → 1
        assert_eq!(ratio_bp(19_999, 20_000), BasisPoints(10_000)); // 9999.5 → 10000
        assert_eq!(ratio_bp(0, 7), BasisPoints(0));
        assert_eq!(ratio_bp(u32::MAX, u32::MAX), BasisPoints::ONE);
        assert_eq!(weighted_points(BasisPoints(5), BasisPoints(1_000)), 1); // 0.5 → 1
        assert_eq!(weighted_points(BasisPoints(4), BasisPoints(1_000)), 0); // 0.4 → 0
        assert_eq!(weighted_points(BasisPoints(6667), BasisPoints(3_000)), 2000);
        // 2000.1
    }

    #[test]
    fn empty_denominators_count_as_full_marks() {
        let r = rate(&RatingSettings::default(), &VillageFigures::default());
        assert_eq!((r.score_bp, r.stars), (10_000, 5));
        assert!(r.parts[..4].iter().all(|p| p.rate_bp == BasisPoints::ONE));
        assert!(r
            .explanation_zh
            .contains("核查准确率 100.00%（无核查户，按100%计）×30% = 30.00分"));
        assert!(r.explanation_zh.contains("无农户，按100%计"));
        assert!(r.explanation_zh.contains("未发现问题，按100%计"));
        assert!(r.explanation_zh.contains("无已整改问题，按100%计"));
        assert!(
            r.explanation_zh.ends_with("合计 100.00分，五星（≥90分）"),
            "{}",
            r.explanation_zh
        );

        // Only the re-check is missing: the other rates are real.
        let figures = VillageFigures {
            rechecked: 0,
            rechecks_agreeing: 0,
            screened: 50,
            ..full()
        };
        // 5000 × 3000 / 10000 = 1500; 3000 + 2000 + 2000 for the rest: 8500.
        let r = rate(&RatingSettings::default(), &figures);
        assert_eq!((r.score_bp, r.stars), (8500, 4));
        assert!(r.explanation_zh.contains("无核查户，按100%计"));
    }

    #[test]
    fn counts_above_their_base_are_capped() {
        let figures = VillageFigures {
            screened: 120,
            ..full()
        };
        let r = rate(&RatingSettings::default(), &figures);
        assert_eq!(r.parts[0].rate_bp, BasisPoints::ONE);
        assert_eq!(r.score_bp, 10_000);
        assert!(r.explanation_zh.contains("120/100，超过基数按100%计"));
    }

    #[test]
    fn the_score_is_clamped() {
        let figures = VillageFigures {
            overdue: 100, // 100 × 200 = 20000 off
            ..full()
        };
        let r = rate(&RatingSettings::default(), &figures);
        assert_eq!((r.score_bp, r.stars), (0, 1));
        assert_eq!(r.parts[4].points_bp, -20_000);
        assert!(
            r.explanation_zh
                .ends_with("合计 -100.00分，按0.00分计，一星（<60分）"),
            "{}",
            r.explanation_zh
        );

        // No overflow at the limits.
        let worst = VillageFigures {
            overdue: u32::MAX,
            ..full()
        };
        let settings = RatingSettings {
            overdue_penalty_bp: BasisPoints(u32::MAX),
            ..RatingSettings::default()
        };
        let r = rate(&settings, &worst);
        assert_eq!((r.score_bp, r.stars), (0, 1));
        assert_eq!(r.parts[4].points_bp, i64::MIN, "saturates");

        // Weights summing above 100 points (invalid settings) still clamp at 10000.
        let heavy = RatingSettings {
            weights: RatingWeights {
                coverage_bp: BasisPoints(9_000),
                ..RatingWeights::default()
            },
            ..RatingSettings::default()
        };
        let r = rate(&heavy, &full());
        assert_eq!((r.score_bp, r.stars), (10_000, 5));
        assert!(r
            .explanation_zh
            .contains("合计 160.00分，按100.00分计，五星（≥90分）"));
    }

    #[test]
    fn every_star_cut_off_boundary() {
        // Full marks minus one basis point per overdue item: the score is 10000 − overdue.
        let settings = RatingSettings {
            overdue_penalty_bp: BasisPoints(1),
            ..RatingSettings::default()
        };
        let score = |target: u32| {
            let r = rate(
                &settings,
                &VillageFigures {
                    overdue: 10_000 - target,
                    ..full()
                },
            );
            assert_eq!(r.score_bp, i64::from(target));
            (r.stars, r.explanation_zh)
        };
        let cases = [
            (10_000, 5, "五星（≥90分）"),
            (9_000, 5, "五星（≥90分）"),
            (8_999, 4, "四星（≥80分）"),
            (8_000, 4, "四星（≥80分）"),
            (7_999, 3, "三星（≥70分）"),
            (7_000, 3, "三星（≥70分）"),
            (6_999, 2, "二星（≥60分）"),
            (6_000, 2, "二星（≥60分）"),
            (5_999, 1, "一星（<60分）"),
            (0, 1, "一星（<60分）"),
        ];
        for (target, stars, text) in cases {
            let (got, explanation) = score(target);
            assert_eq!(got, stars, "score {target}");
            assert!(explanation.ends_with(text), "{explanation}");
        }
    }

    #[test]
    fn default_settings_are_valid_and_strict_in_serde() {
        let s = RatingSettings::default();
        assert_eq!(s.validate(), Ok(()));
        let parsed: RatingSettings = serde_json::from_str("{}").unwrap();
        assert_eq!(parsed, s);
        let parsed: RatingSettings =
            serde_json::from_str(r#"{"weights":{"coverage_bp":2000,"accuracy_bp":4000}}"#).unwrap();
        assert_eq!(parsed.weights.closure_bp, BasisPoints(2_000));
        assert_eq!(parsed.validate(), Ok(()));
        let json = serde_json::to_value(s).unwrap();
        assert_eq!(
            json["star_cutoffs_bp"],
            serde_json::json!([6000, 7000, 8000, 9000])
        );
        assert!(serde_json::from_str::<RatingSettings>(r#"{"penalty":1}"#).is_err());
        assert!(serde_json::from_str::<RatingSettings>(r#"{"weights":{"x":1}}"#).is_err());
    }

    #[test]
    fn settings_errors_name_the_field() {
        let s = RatingSettings {
            weights: RatingWeights {
                on_time_bp: BasisPoints(2_500),
                ..RatingWeights::default()
            },
            overdue_penalty_bp: BasisPoints(10_001),
            star_cutoffs_bp: [
                BasisPoints(6_000),
                BasisPoints(6_000),
                BasisPoints(8_000),
                BasisPoints(10_001),
            ],
        };
        let e = s.validate().unwrap_err();
        let found: Vec<(&str, ErrorCode)> = e.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            found,
            [
                ("weights", ErrorCode::OutOfRange),
                ("overdue_penalty_bp", ErrorCode::OutOfRange),
                ("star_cutoffs_bp[1]", ErrorCode::Inconsistent),
                ("star_cutoffs_bp[3]", ErrorCode::OutOfRange),
            ]
        );
        assert!(e.iter().next().unwrap().message_zh.contains("105%"));
        // 10000 is a reachable cut-off; decreasing is not allowed.
        let s = RatingSettings {
            star_cutoffs_bp: [
                BasisPoints(0),
                BasisPoints(7_000),
                BasisPoints(6_500),
                BasisPoints(10_000),
            ],
            ..RatingSettings::default()
        };
        let e = s.validate().unwrap_err();
        assert_eq!(e.len(), 1);
        assert!(e.has("star_cutoffs_bp[2]"));
        // Weights that overflow u32 when summed are still caught.
        let s = RatingSettings {
            weights: RatingWeights {
                coverage_bp: BasisPoints(u32::MAX),
                accuracy_bp: BasisPoints(u32::MAX),
                closure_bp: BasisPoints(0),
                on_time_bp: BasisPoints(0),
            },
            ..RatingSettings::default()
        };
        assert!(s.validate().unwrap_err().has("weights"));
    }
}
