//! 风险消除: whether a monitored household meets the criteria for leaving
//! monitoring, checked from data, with every criterion that is still missing
//! named and its figures given.
//!
//! The criteria (see the design notes, "Risk elimination"): per-capita net
//! income above the monitoring line and stably so (by default for at least
//! six months), rigid spending resolved, 两不愁三保障 and drinking water
//! secure, monitored for at least the configured months (default six) with
//! at least one assistance measure in place. A household where no one can
//! work stays under 兜底 (safety net) and is not marked eliminated even when
//! every criterion is met.
//!
//! The check only reads what it is given; the procedure that follows
//! (verification, appraisal and notice, township check, county approval) is
//! elsewhere.

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::assessment::RuleId;
use crate::money::Fen;

/// Settings of the elimination check; provinces set their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EliminationSettings {
    /// Months per-capita net income must have stayed above the line
    /// (default 6). 0 means only the latest figure counts.
    pub stable_income_months: u32,
    /// Months the household must have been monitored (default 6).
    pub min_monitored_months: u32,
    /// Assistance measures that must be in place (default 1).
    pub min_measures_in_place: u32,
}

impl Default for EliminationSettings {
    /// Six months of stable income, six months of monitoring, one measure.
    fn default() -> Self {
        EliminationSettings {
            stable_income_months: 6,
            min_monitored_months: 6,
            min_measures_in_place: 1,
        }
    }
}

/// The per-capita net income known on a day (from a screening, a re-check
/// or a year's figures).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct IncomeObservation {
    /// The day the figure was known.
    pub on: NaiveDate,
    /// Per-capita annual net income.
    pub per_capita_fen: Fen,
}

/// What the elimination check reads about one household.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EliminationFacts<'a> {
    /// The day of the check.
    pub today: NaiveDate,
    /// The monitoring line, per capita per year.
    pub line_fen: Fen,
    /// Income figures, in any order. Figures dated after `today` are not yet
    /// known and are ignored; of several figures on one day, the lowest
    /// counts.
    pub income: &'a [IncomeObservation],
    /// Rules that fired on the latest assessment.
    pub findings: &'a [RuleId],
    /// `problem_type` codes of the household's open ledger items:
    /// `income`, `medical`, `education`, `housing`, `drinking_water`,
    /// `food_clothing`, `policy`, `information` or `other`.
    pub open_problems: &'a [&'a str],
    /// When the household entered monitoring (`None`: not monitored).
    pub monitored_since: Option<NaiveDate>,
    /// Assistance measures in place.
    pub measures_in_place: u32,
    /// Whether any member can work; if no one can, the household stays
    /// under 兜底.
    pub anyone_can_work: bool,
}

/// One criterion of 风险消除, in the order results are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Criterion {
    /// The latest per-capita net income is above the line.
    IncomeAboveLine,
    /// Per-capita net income has stayed above the line for the configured
    /// months.
    IncomeStable,
    /// No medical rigid spending above the threshold.
    RigidSpending,
    /// 两不愁三保障: no finding and no open problem on food, clothing,
    /// compulsory education, basic medical care or housing.
    BasicNeeds,
    /// No drinking-water finding and no open drinking-water problem.
    DrinkingWater,
    /// Monitored for at least the configured months.
    MonitoredLongEnough,
    /// At least the configured number of measures in place.
    MeasureInPlace,
}

impl Criterion {
    /// Every criterion, in report order.
    pub const ALL: [Criterion; 7] = [
        Criterion::IncomeAboveLine,
        Criterion::IncomeStable,
        Criterion::RigidSpending,
        Criterion::BasicNeeds,
        Criterion::DrinkingWater,
        Criterion::MonitoredLongEnough,
        Criterion::MeasureInPlace,
    ];

    /// The stable snake_case id.
    pub const fn as_str(self) -> &'static str {
        match self {
            Criterion::IncomeAboveLine => "income_above_line",
            Criterion::IncomeStable => "income_stable",
            Criterion::RigidSpending => "rigid_spending",
            Criterion::BasicNeeds => "basic_needs",
            Criterion::DrinkingWater => "drinking_water",
            Criterion::MonitoredLongEnough => "monitored_long_enough",
            Criterion::MeasureInPlace => "measure_in_place",
        }
    }

    /// The criterion as the form states it.
    pub const fn label_zh(self) -> &'static str {
        match self {
            Criterion::IncomeAboveLine => "人均纯收入高于监测标准",
            Criterion::IncomeStable => "收入持续稳定",
            Criterion::RigidSpending => "刚性支出已解决",
            Criterion::BasicNeeds => "两不愁三保障已保障",
            Criterion::DrinkingWater => "饮水安全已保障",
            Criterion::MonitoredLongEnough => "纳入监测时间已满",
            Criterion::MeasureInPlace => "已落实帮扶措施",
        }
    }
}

/// One criterion checked.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CriterionResult {
    /// The criterion.
    pub criterion: Criterion,
    /// Whether it is met.
    pub met: bool,
    /// What was found, in English, for logs.
    pub detail: String,
    /// What was found, in Chinese, with the figures.
    pub detail_zh: String,
}

/// The outcome of [`check_elimination`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EliminationCheck {
    /// Every criterion, in [`Criterion`] order.
    pub criteria: Vec<CriterionResult>,
    /// No one in the household can work: it stays under 兜底 (safety net)
    /// and is not marked eliminated.
    pub safety_net: bool,
    /// Every criterion is met and the household is not a safety-net case.
    pub eligible: bool,
}

impl EliminationCheck {
    /// The criteria not yet met, in [`Criterion`] order.
    pub fn missing(&self) -> impl Iterator<Item = &CriterionResult> + '_ {
        self.criteria.iter().filter(|c| !c.met)
    }
}

/// Checks every 风险消除 criterion for one household.
pub fn check_elimination(
    settings: &EliminationSettings,
    facts: &EliminationFacts<'_>,
) -> EliminationCheck {
    let income = Income::new(facts);
    let criteria = vec![
        income_above_line(facts, &income),
        income_stable(settings, facts, &income),
        rigid_spending(facts),
        basic_needs(facts),
        drinking_water(facts),
        monitored_long_enough(settings, facts),
        measure_in_place(settings, facts),
    ];
    debug_assert!(criteria
        .iter()
        .map(|c| c.criterion)
        .eq(Criterion::ALL.iter().copied()));
    let safety_net = !facts.anyone_can_work;
    let eligible = !safety_net && criteria.iter().all(|c| c.met);
    EliminationCheck {
        criteria,
        safety_net,
        eligible,
    }
}

/// The income figures known on `today`, sorted by day and, within a day,
/// lowest first.
struct Income {
    known: Vec<IncomeObservation>,
}

impl Income {
    fn new(facts: &EliminationFacts<'_>) -> Income {
        let mut known: Vec<IncomeObservation> = facts
            .income
            .iter()
            .copied()
            .filter(|o| o.on <= facts.today)
            .collect();
        known.sort_by_key(|o| (o.on, o.per_capita_fen));
        Income { known }
    }

    /// The latest figure; of several on the latest day, the lowest.
    fn latest(&self) -> Option<IncomeObservation> {
        let last_day = self.known.last()?.on;
        self.known.iter().copied().find(|o| o.on == last_day)
    }
}

fn result(criterion: Criterion, met: bool, detail: String, detail_zh: String) -> CriterionResult {
    CriterionResult {
        criterion,
        met,
        detail,
        detail_zh,
    }
}

fn income_above_line(facts: &EliminationFacts<'_>, income: &Income) -> CriterionResult {
    let c = Criterion::IncomeAboveLine;
    let line = facts.line_fen;
    let Some(latest) = income.latest() else {
        return result(
            c,
            false,
            "no income figure".to_owned(),
            "没有收入记录".to_owned(),
        );
    };
    let amount = latest.per_capita_fen;
    if amount > line {
        result(
            c,
            true,
            format!(
                "latest per-capita net income {} yuan ({}) is above the line {} yuan",
                amount.yuan(),
                latest.on,
                line.yuan()
            ),
            format!("最近人均纯收入{amount}，高于监测标准{line}"),
        )
    } else {
        result(
            c,
            false,
            format!(
                "latest per-capita net income {} yuan ({}) is not above the line {} yuan",
                amount.yuan(),
                latest.on,
                line.yuan()
            ),
            format!("最近人均纯收入{amount}，未高于监测标准{line}"),
        )
    }
}

fn income_stable(
    settings: &EliminationSettings,
    facts: &EliminationFacts<'_>,
    income: &Income,
) -> CriterionResult {
    let c = Criterion::IncomeStable;
    let months = settings.stable_income_months;
    let line = facts.line_fen;
    let Some(first) = income.known.first() else {
        return result(
            c,
            false,
            "no income figure".to_owned(),
            "没有收入记录".to_owned(),
        );
    };
    // The latest day with a figure at least `months` before today; the
    // income must have stayed above the line from that figure on.
    let anchor = facts
        .today
        .checked_sub_months(Months::new(months))
        .and_then(|cutoff| income.known.iter().rev().find(|o| o.on <= cutoff))
        .map(|o| o.on);
    let Some(anchor) = anchor else {
        return result(
            c,
            false,
            format!(
                "income figures cover less than {months} months (earliest {})",
                first.on
            ),
            format!("收入记录不足{months}个月（最早为{}）", first.on),
        );
    };
    let window: Vec<&IncomeObservation> = income.known.iter().filter(|o| o.on >= anchor).collect();
    // The latest figure not above the line; stability restarts after it.
    let last_failing = window
        .iter()
        .filter(|o| o.per_capita_fen <= line)
        .min_by_key(|o| (std::cmp::Reverse(o.on), o.per_capita_fen));
    match last_failing {
        Some(o) => result(
            c,
            false,
            format!(
                "per-capita net income {} yuan on {} is not above the line {} yuan; \
                 not stable for {months} months",
                o.per_capita_fen.yuan(),
                o.on,
                line.yuan()
            ),
            format!(
                "{}人均纯收入{}，未高于监测标准{line}，收入持续高于标准不足{months}个月",
                o.on, o.per_capita_fen
            ),
        ),
        None => result(
            c,
            true,
            format!(
                "all {} income figures since {anchor} are above the line {} yuan \
                 ({months} months)",
                window.len(),
                line.yuan()
            ),
            format!(
                "自{anchor}起{}次收入记录均高于监测标准{line}，已稳定满{months}个月",
                window.len()
            ),
        ),
    }
}

fn rigid_spending(facts: &EliminationFacts<'_>) -> CriterionResult {
    let c = Criterion::RigidSpending;
    if facts.findings.contains(&RuleId::MedicalSpending) {
        result(
            c,
            false,
            "compliant out-of-pocket medical spending is above the threshold".to_owned(),
            "合规自付医疗支出超过标准，刚性支出未解决".to_owned(),
        )
    } else {
        result(
            c,
            true,
            "no medical spending above the threshold".to_owned(),
            "合规自付医疗支出未超过标准".to_owned(),
        )
    }
}

/// The 两不愁三保障 rules with their English and Chinese names.
const BASIC_NEEDS_RULES: [(RuleId, &str, &str); 5] = [
    (RuleId::Food, "food", "不愁吃"),
    (RuleId::Clothing, "clothing", "不愁穿"),
    (
        RuleId::CompulsoryEducation,
        "compulsory education",
        "义务教育",
    ),
    (RuleId::BasicMedical, "basic medical care", "基本医疗"),
    (RuleId::Housing, "housing", "住房安全"),
];

/// The ledger problem types of 两不愁三保障 with their Chinese names.
const BASIC_NEEDS_PROBLEMS: [(&str, &str); 4] = [
    ("food_clothing", "吃穿"),
    ("education", "教育"),
    ("medical", "医疗"),
    ("housing", "住房"),
];

fn basic_needs(facts: &EliminationFacts<'_>) -> CriterionResult {
    let c = Criterion::BasicNeeds;
    let rules: Vec<(&str, &str)> = BASIC_NEEDS_RULES
        .iter()
        .filter(|(rule, _, _)| facts.findings.contains(rule))
        .map(|&(_, en, zh)| (en, zh))
        .collect();
    let problems: Vec<(&str, &str, usize)> = BASIC_NEEDS_PROBLEMS
        .iter()
        .map(|&(code, zh)| (code, zh, count_open(facts, code)))
        .filter(|&(_, _, n)| n > 0)
        .collect();
    if rules.is_empty() && problems.is_empty() {
        return result(
            c,
            true,
            "no food, clothing, education, medical or housing finding or open problem".to_owned(),
            "不愁吃、不愁穿，义务教育、基本医疗、住房安全有保障，无未销号问题".to_owned(),
        );
    }
    let mut detail = Vec::new();
    let mut detail_zh = Vec::new();
    if !rules.is_empty() {
        let en: Vec<&str> = rules.iter().map(|(en, _)| *en).collect();
        let zh: Vec<&str> = rules.iter().map(|(_, zh)| *zh).collect();
        detail.push(format!("not secure: {}", en.join(", ")));
        detail_zh.push(format!("未达标：{}", zh.join("、")));
    }
    if !problems.is_empty() {
        let en: Vec<String> = problems
            .iter()
            .map(|(code, _, n)| format!("{code} ({n})"))
            .collect();
        let zh: Vec<String> = problems
            .iter()
            .map(|(_, zh, n)| format!("{zh}问题{n}条"))
            .collect();
        detail.push(format!("open problems: {}", en.join(", ")));
        detail_zh.push(format!("未销号：{}", zh.join("、")));
    }
    result(c, false, detail.join("; "), detail_zh.join("；"))
}

fn drinking_water(facts: &EliminationFacts<'_>) -> CriterionResult {
    let c = Criterion::DrinkingWater;
    let finding = facts.findings.contains(&RuleId::DrinkingWater);
    let open = count_open(facts, "drinking_water");
    match (finding, open) {
        (false, 0) => result(
            c,
            true,
            "drinking water secure, no open problem".to_owned(),
            "饮水安全有保障，无未销号问题".to_owned(),
        ),
        (true, 0) => result(
            c,
            false,
            "drinking water not secure".to_owned(),
            "饮水安全未达标".to_owned(),
        ),
        (false, n) => result(
            c,
            false,
            format!("open drinking-water problems ({n})"),
            format!("饮水问题{n}条未销号"),
        ),
        (true, n) => result(
            c,
            false,
            format!("drinking water not secure; open drinking-water problems ({n})"),
            format!("饮水安全未达标；饮水问题{n}条未销号"),
        ),
    }
}

fn count_open(facts: &EliminationFacts<'_>, code: &str) -> usize {
    facts
        .open_problems
        .iter()
        .filter(|p| p.trim() == code)
        .count()
}

fn monitored_long_enough(
    settings: &EliminationSettings,
    facts: &EliminationFacts<'_>,
) -> CriterionResult {
    let c = Criterion::MonitoredLongEnough;
    let need = settings.min_monitored_months;
    let Some(since) = facts.monitored_since else {
        return result(
            c,
            false,
            "not monitored".to_owned(),
            "未纳入监测".to_owned(),
        );
    };
    if since > facts.today {
        return result(
            c,
            false,
            format!("monitored from {since}, after today"),
            format!("纳入监测日期{since}晚于今天"),
        );
    }
    let met = since
        .checked_add_months(Months::new(need))
        .is_some_and(|enough| facts.today >= enough);
    let months = whole_months(since, facts.today);
    if met {
        result(
            c,
            true,
            format!("monitored for {months} months since {since} (at least {need})"),
            format!("纳入监测{months}个月（{since}起），已满{need}个月"),
        )
    } else {
        result(
            c,
            false,
            format!("monitored for {months} months since {since}, fewer than {need}"),
            format!("纳入监测{months}个月，不足{need}个月"),
        )
    }
}

/// Whole months from `since` to `today` (`since` ≤ `today`), counted as
/// chrono adds months (Jan 31 + 1 month is the last day of February).
fn whole_months(since: NaiveDate, today: NaiveDate) -> u32 {
    let years = i64::from(today.year()) - i64::from(since.year());
    let estimate = years * 12 + i64::from(today.month()) - i64::from(since.month());
    let mut months = u32::try_from(estimate.max(0)).unwrap_or(u32::MAX);
    while months > 0
        && since
            .checked_add_months(Months::new(months))
            .is_none_or(|d| d > today)
    {
        months -= 1;
    }
    months
}

fn measure_in_place(
    settings: &EliminationSettings,
    facts: &EliminationFacts<'_>,
) -> CriterionResult {
    let c = Criterion::MeasureInPlace;
    let have = facts.measures_in_place;
    let need = settings.min_measures_in_place;
    if have >= need {
        result(
            c,
            true,
            format!("{have} measures in place (at least {need})"),
            format!("已落实帮扶措施{have}项"),
        )
    } else {
        result(
            c,
            false,
            format!("{have} measures in place, fewer than {need}"),
            format!("已落实帮扶措施{have}项，至少需要{need}项"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn obs(on: NaiveDate, yuan: i64) -> IncomeObservation {
        IncomeObservation {
            on,
            per_capita_fen: Fen::from_yuan(yuan),
        }
    }

    fn today() -> NaiveDate {
        d(2026, 9, 15)
    }

    /// A household that meets every criterion on 2026-09-15 with the default
    /// settings and a 6500-yuan line.
    fn facts(income: &[IncomeObservation]) -> EliminationFacts<'_> {
        EliminationFacts {
            today: today(),
            line_fen: Fen::from_yuan(6500),
            income,
            findings: &[],
            open_problems: &[],
            monitored_since: Some(d(2026, 1, 10)),
            measures_in_place: 2,
            anyone_can_work: true,
        }
    }

    fn good_income() -> Vec<IncomeObservation> {
        vec![obs(d(2026, 9, 1), 7200), obs(d(2026, 3, 1), 6800)]
    }

    fn check(f: &EliminationFacts<'_>) -> EliminationCheck {
        check_elimination(&EliminationSettings::default(), f)
    }

    fn get(check: &EliminationCheck, c: Criterion) -> &CriterionResult {
        check.criteria.iter().find(|r| r.criterion == c).unwrap()
    }

    fn missing(check: &EliminationCheck) -> Vec<Criterion> {
        check.missing().map(|r| r.criterion).collect()
    }

    #[test]
    fn defaults() {
        let s = EliminationSettings::default();
        assert_eq!(
            (
                s.stable_income_months,
                s.min_monitored_months,
                s.min_measures_in_place
            ),
            (6, 6, 1)
        );
        let parsed: EliminationSettings =
            serde_json::from_str(r#"{"min_monitored_months": 12}"#).unwrap();
        assert_eq!(parsed.min_monitored_months, 12);
        assert_eq!(parsed.stable_income_months, 6);
        assert!(serde_json::from_str::<EliminationSettings>(r#"{"months": 1}"#).is_err());
    }

    #[test]
    fn a_household_meeting_everything_is_eligible() {
        let income = good_income();
        let c = check(&facts(&income));
        assert!(c.eligible);
        assert!(!c.safety_net);
        assert_eq!(missing(&c), vec![]);
        let order: Vec<Criterion> = c.criteria.iter().map(|r| r.criterion).collect();
        assert_eq!(order, Criterion::ALL.to_vec());
        assert_eq!(
            get(&c, Criterion::IncomeAboveLine).detail_zh,
            "最近人均纯收入7200.00元，高于监测标准6500.00元"
        );
        assert_eq!(
            get(&c, Criterion::IncomeStable).detail_zh,
            "自2026-03-01起2次收入记录均高于监测标准6500.00元，已稳定满6个月"
        );
        assert_eq!(
            get(&c, Criterion::MonitoredLongEnough).detail_zh,
            "纳入监测8个月（2026-01-10起），已满6个月"
        );
        assert_eq!(
            get(&c, Criterion::MeasureInPlace).detail_zh,
            "已落实帮扶措施2项"
        );
    }

    #[test]
    fn income_exactly_at_the_line_fails_one_fen_above_passes() {
        let at = [IncomeObservation {
            on: d(2026, 1, 1),
            per_capita_fen: Fen(650_000),
        }];
        let c = check(&facts(&at));
        let r = get(&c, Criterion::IncomeAboveLine);
        assert!(!r.met);
        assert_eq!(
            r.detail_zh,
            "最近人均纯收入6500.00元，未高于监测标准6500.00元"
        );
        assert!(!get(&c, Criterion::IncomeStable).met);

        let above = [IncomeObservation {
            on: d(2026, 1, 1),
            per_capita_fen: Fen(650_001),
        }];
        let c = check(&facts(&above));
        assert!(get(&c, Criterion::IncomeAboveLine).met);
        assert!(get(&c, Criterion::IncomeStable).met);
        assert!(c.eligible);
    }

    #[test]
    fn the_latest_figure_decides_above_line() {
        // Any order; the latest is below the line.
        let income = [
            obs(d(2026, 9, 1), 6000),
            obs(d(2025, 12, 1), 9000),
            obs(d(2026, 3, 1), 8000),
        ];
        let c = check(&facts(&income));
        assert!(!get(&c, Criterion::IncomeAboveLine).met);
        // A figure dated after today is not known yet.
        let income = [obs(d(2026, 3, 1), 8000), obs(d(2026, 9, 16), 6000)];
        assert!(get(&check(&facts(&income)), Criterion::IncomeAboveLine).met);
        // Two figures on the latest day: the lower counts.
        let income = [obs(d(2026, 9, 1), 8000), obs(d(2026, 9, 1), 6000)];
        assert!(!get(&check(&facts(&income)), Criterion::IncomeAboveLine).met);
    }

    #[test]
    fn no_income_figure() {
        let c = check(&facts(&[]));
        for criterion in [Criterion::IncomeAboveLine, Criterion::IncomeStable] {
            let r = get(&c, criterion);
            assert!(!r.met);
            assert_eq!(r.detail_zh, "没有收入记录");
        }
        assert_eq!(
            missing(&c),
            vec![Criterion::IncomeAboveLine, Criterion::IncomeStable]
        );
    }

    #[test]
    fn stable_exactly_six_months_ago_passes_a_day_less_fails() {
        // Today 2026-09-15: six months ago is 2026-03-15.
        let income = [obs(d(2026, 3, 15), 7000)];
        assert!(get(&check(&facts(&income)), Criterion::IncomeStable).met);

        let income = [obs(d(2026, 3, 16), 7000)];
        let c = check(&facts(&income));
        let r = get(&c, Criterion::IncomeStable);
        assert!(!r.met);
        assert_eq!(r.detail_zh, "收入记录不足6个月（最早为2026-03-16）");
        assert!(get(&c, Criterion::IncomeAboveLine).met);
        assert_eq!(missing(&c), vec![Criterion::IncomeStable]);
    }

    #[test]
    fn stability_counts_from_the_latest_figure_old_enough() {
        // Below the line before the anchor: does not matter.
        let income = [
            obs(d(2025, 6, 1), 5000),
            obs(d(2026, 2, 1), 7000),
            obs(d(2026, 6, 1), 7100),
        ];
        assert!(get(&check(&facts(&income)), Criterion::IncomeStable).met);
        // A dip after the anchor breaks it, and is named.
        let income = [
            obs(d(2026, 2, 1), 7000),
            obs(d(2026, 5, 1), 6400),
            obs(d(2026, 6, 1), 6300),
            obs(d(2026, 9, 1), 7100),
        ];
        let c = check(&facts(&income));
        let r = get(&c, Criterion::IncomeStable);
        assert!(!r.met);
        assert_eq!(
            r.detail_zh,
            "2026-06-01人均纯收入6300.00元，未高于监测标准6500.00元，收入持续高于标准不足6个月"
        );
        assert!(get(&c, Criterion::IncomeAboveLine).met);
        // The anchor itself must be above the line.
        let income = [obs(d(2026, 2, 1), 6500), obs(d(2026, 9, 1), 7100)];
        assert!(!get(&check(&facts(&income)), Criterion::IncomeStable).met);
    }

    #[test]
    fn zero_stable_months_is_the_same_as_above_line() {
        let settings = EliminationSettings {
            stable_income_months: 0,
            ..EliminationSettings::default()
        };
        for (yuan, above) in [(7000, true), (6500, false)] {
            let income = [obs(d(2026, 2, 1), 5000), obs(today(), yuan)];
            let c = check_elimination(&settings, &facts(&income));
            assert_eq!(get(&c, Criterion::IncomeStable).met, above);
            assert_eq!(get(&c, Criterion::IncomeAboveLine).met, above);
        }
    }

    #[test]
    fn rigid_spending_is_the_medical_finding() {
        let income = good_income();
        let mut f = facts(&income);
        f.findings = &[RuleId::MedicalSpending];
        let c = check(&f);
        assert_eq!(missing(&c), vec![Criterion::RigidSpending]);
        assert!(!c.eligible);
        // An open medical problem belongs to basic needs, not rigid spending.
        f.findings = &[];
        f.open_problems = &["medical"];
        assert_eq!(missing(&check(&f)), vec![Criterion::BasicNeeds]);
    }

    #[test]
    fn basic_needs_from_findings_and_open_problems() {
        let income = good_income();
        let mut f = facts(&income);
        for rule in [
            RuleId::Food,
            RuleId::Clothing,
            RuleId::CompulsoryEducation,
            RuleId::BasicMedical,
            RuleId::Housing,
        ] {
            let findings = [rule];
            let f = EliminationFacts {
                findings: &findings,
                ..facts(&income)
            };
            assert_eq!(missing(&check(&f)), vec![Criterion::BasicNeeds], "{rule:?}");
        }
        f.findings = &[];
        for code in ["food_clothing", "education", "medical", "housing"] {
            let open = [code];
            let f = EliminationFacts {
                open_problems: &open,
                ..facts(&income)
            };
            assert_eq!(missing(&check(&f)), vec![Criterion::BasicNeeds], "{code}");
        }
        // Other problem types and other findings do not count.
        f.open_problems = &["income", "policy", "information", "other"];
        f.findings = &[RuleId::NearLine, RuleId::RoadAccess, RuleId::Dibao];
        assert_eq!(missing(&check(&f)), vec![]);

        f.findings = &[RuleId::Food, RuleId::Housing];
        f.open_problems = &["housing", "housing", "education"];
        let c = check(&f);
        assert_eq!(
            get(&c, Criterion::BasicNeeds).detail_zh,
            "未达标：不愁吃、住房安全；未销号：教育问题1条、住房问题2条"
        );
    }

    #[test]
    fn drinking_water_from_finding_or_open_problem() {
        let income = good_income();
        let mut f = facts(&income);
        f.findings = &[RuleId::DrinkingWater];
        assert_eq!(missing(&check(&f)), vec![Criterion::DrinkingWater]);
        f.findings = &[];
        f.open_problems = &["drinking_water"];
        let c = check(&f);
        assert_eq!(missing(&c), vec![Criterion::DrinkingWater]);
        assert_eq!(
            get(&c, Criterion::DrinkingWater).detail_zh,
            "饮水问题1条未销号"
        );
    }

    #[test]
    fn monitored_six_months_exactly_passes() {
        let income = good_income();
        let mut f = facts(&income);
        f.monitored_since = Some(d(2026, 3, 15));
        assert!(get(&check(&f), Criterion::MonitoredLongEnough).met);

        f.monitored_since = Some(d(2026, 3, 16));
        let c = check(&f);
        let r = get(&c, Criterion::MonitoredLongEnough);
        assert!(!r.met);
        assert_eq!(r.detail_zh, "纳入监测5个月，不足6个月");

        f.monitored_since = Some(d(2026, 5, 10));
        assert_eq!(
            get(&check(&f), Criterion::MonitoredLongEnough).detail_zh,
            "纳入监测4个月，不足6个月"
        );

        f.monitored_since = None;
        let c = check(&f);
        assert_eq!(
            get(&c, Criterion::MonitoredLongEnough).detail_zh,
            "未纳入监测"
        );
        assert_eq!(missing(&c), vec![Criterion::MonitoredLongEnough]);

        f.monitored_since = Some(d(2026, 9, 16));
        assert!(!get(&check(&f), Criterion::MonitoredLongEnough).met);
    }

    #[test]
    fn month_ends_clamp() {
        // 2025-08-31 + 6 months is 2026-02-28.
        let income = good_income();
        let mut f = facts(&income);
        f.monitored_since = Some(d(2025, 8, 31));
        f.today = d(2026, 2, 28);
        assert!(get(&check(&f), Criterion::MonitoredLongEnough).met);
        f.today = d(2026, 2, 27);
        let c = check(&f);
        assert!(!get(&c, Criterion::MonitoredLongEnough).met);
        assert_eq!(
            get(&c, Criterion::MonitoredLongEnough).detail_zh,
            "纳入监测5个月，不足6个月"
        );
    }

    #[test]
    fn zero_measures_fails() {
        let income = good_income();
        let mut f = facts(&income);
        f.measures_in_place = 0;
        let c = check(&f);
        assert_eq!(missing(&c), vec![Criterion::MeasureInPlace]);
        assert_eq!(
            get(&c, Criterion::MeasureInPlace).detail_zh,
            "已落实帮扶措施0项，至少需要1项"
        );
        f.measures_in_place = 1;
        assert!(check(&f).eligible);
    }

    #[test]
    fn a_safety_net_household_is_not_eligible() {
        let income = good_income();
        let mut f = facts(&income);
        f.anyone_can_work = false;
        let c = check(&f);
        assert!(c.criteria.iter().all(|r| r.met));
        assert_eq!(missing(&c), vec![]);
        assert!(c.safety_net);
        assert!(!c.eligible);
    }

    #[test]
    fn missing_lists_exactly_the_unmet_ones() {
        let income = [obs(d(2026, 8, 1), 6000)];
        let mut f = facts(&income);
        f.findings = &[RuleId::DrinkingWater, RuleId::BelowLine];
        f.monitored_since = Some(d(2026, 6, 1));
        f.measures_in_place = 0;
        let c = check(&f);
        assert_eq!(
            missing(&c),
            vec![
                Criterion::IncomeAboveLine,
                Criterion::IncomeStable,
                Criterion::DrinkingWater,
                Criterion::MonitoredLongEnough,
                Criterion::MeasureInPlace,
            ]
        );
        assert!(c.missing().all(|r| !r.met));
        assert_eq!(c.missing().count() + 2, c.criteria.len());
        assert!(!c.eligible);
    }

    #[test]
    fn huge_settings_do_not_panic() {
        let income = good_income();
        let f = facts(&income);
        let settings = EliminationSettings {
            stable_income_months: u32::MAX,
            min_monitored_months: u32::MAX,
            min_measures_in_place: u32::MAX,
        };
        let c = check_elimination(&settings, &f);
        assert_eq!(
            missing(&c),
            vec![
                Criterion::IncomeStable,
                Criterion::MonitoredLongEnough,
                Criterion::MeasureInPlace,
            ]
        );
    }

    #[test]
    fn serialises_for_the_app() {
        let income = good_income();
        let c = check(&facts(&income));
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["criteria"][0]["criterion"], "income_above_line");
        assert_eq!(json["criteria"][5]["criterion"], "monitored_long_enough");
        assert_eq!(json["eligible"], true);
        let back: EliminationCheck = serde_json::from_value(json).unwrap();
        assert_eq!(back, c);
        for criterion in Criterion::ALL {
            assert_eq!(serde_json::to_value(criterion).unwrap(), criterion.as_str());
            assert!(!criterion.label_zh().is_empty());
        }
    }
}
