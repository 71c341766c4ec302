//! The national system's kind of cross-field checks, run over a household before the
//! 监测对象信息 export: the checks the public data-quality tools run before submission
//! (design notes, "The national system's workbooks" and "Risk elimination"), each a
//! [`QualityRule`] with a stable code and a Chinese label, each finding a [`QualityIssue`]
//! whose message gives the figures.
//!
//! Only measures whose status is not `ended` count, and only rows that show as alive. The
//! check reads the read model's current values and never fails: a value it cannot read counts
//! as missing.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};
use fangpin_catalogue::vocab::{ELIMINATION_METHODS, HOUSE_SAFETY, MEASURES, RISK_TYPES};
use fangpin_domain::income::per_capita;
use fangpin_domain::Fen;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::HouseholdBundle;

/// A cross-field check of the national system's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QualityRule {
    /// A 因学 (09) risk without an education measure: 06 义务教育保障, 07 其他教育帮扶 or
    /// 11 社会帮扶.
    StudyRiskWithoutEducationMeasure,
    /// A 因残 (03) risk without 08 综合保障 or 11 社会帮扶.
    DisabilityRiskWithoutSupport,
    /// Eliminated after assistance while the current year's per-capita net income is not above
    /// the monitoring line (or is unknown).
    EliminatedAfterAssistanceBelowLine,
    /// Eliminated after assistance in the month of identification or the month after.
    EliminatedAfterAssistanceTooSoon,
    /// A 监测户 without its 监测对象类别, its 识别监测时间 or any risk type.
    MonitoredHouseholdIncomplete,
    /// A 消除监测时间 without a 风险消除方式.
    EliminatedWithoutMethod,
    /// A house rated C or D without 09 住房安全保障.
    UnsafeHouseWithoutHousingMeasure,
    /// More than five risk types.
    TooManyRiskTypes,
}

impl QualityRule {
    /// Every rule, in the order [`check`] runs them.
    pub const ALL: [QualityRule; 8] = [
        QualityRule::StudyRiskWithoutEducationMeasure,
        QualityRule::DisabilityRiskWithoutSupport,
        QualityRule::EliminatedAfterAssistanceBelowLine,
        QualityRule::EliminatedAfterAssistanceTooSoon,
        QualityRule::MonitoredHouseholdIncomplete,
        QualityRule::EliminatedWithoutMethod,
        QualityRule::UnsafeHouseWithoutHousingMeasure,
        QualityRule::TooManyRiskTypes,
    ];

    /// The stable code: the rule's JSON form, such as `study_risk_without_education_measure`.
    pub const fn code(self) -> &'static str {
        match self {
            QualityRule::StudyRiskWithoutEducationMeasure => "study_risk_without_education_measure",
            QualityRule::DisabilityRiskWithoutSupport => "disability_risk_without_support",
            QualityRule::EliminatedAfterAssistanceBelowLine => {
                "eliminated_after_assistance_below_line"
            }
            QualityRule::EliminatedAfterAssistanceTooSoon => "eliminated_after_assistance_too_soon",
            QualityRule::MonitoredHouseholdIncomplete => "monitored_household_incomplete",
            QualityRule::EliminatedWithoutMethod => "eliminated_without_method",
            QualityRule::UnsafeHouseWithoutHousingMeasure => "unsafe_house_without_housing_measure",
            QualityRule::TooManyRiskTypes => "too_many_risk_types",
        }
    }

    /// The rule in Chinese, for the list a clerk works through.
    pub const fn label_zh(self) -> &'static str {
        match self {
            QualityRule::StudyRiskWithoutEducationMeasure => "因学风险无教育帮扶措施",
            QualityRule::DisabilityRiskWithoutSupport => "因残风险无综合保障或社会帮扶措施",
            QualityRule::EliminatedAfterAssistanceBelowLine => {
                "帮扶后消除但人均纯收入未高于监测范围"
            }
            QualityRule::EliminatedAfterAssistanceTooSoon => "识别当月或次月即帮扶后消除",
            QualityRule::MonitoredHouseholdIncomplete => "监测户监测信息不全",
            QualityRule::EliminatedWithoutMethod => "已消除风险未填风险消除方式",
            QualityRule::UnsafeHouseWithoutHousingMeasure => "危房户无住房安全保障措施",
            QualityRule::TooManyRiskTypes => "致贫/返贫风险超过5项",
        }
    }
}

/// One finding of [`check`] on one household.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QualityIssue {
    /// The rule that found it.
    pub rule: QualityRule,
    /// The household's row id.
    pub household_id: Uuid,
    /// Its 户编号 (empty when it has none yet).
    pub hubianhao: String,
    /// The head's name.
    pub head_name: String,
    /// The village code.
    pub village: String,
    /// What is wrong, in Chinese, with the figures.
    pub message_zh: String,
}

/// Runs every [`QualityRule`] over one household; `line_fen` is the monitoring line (per
/// capita per year) of the household's area and year. A bundle without a live household row
/// gives nothing.
pub fn check(bundle: &HouseholdBundle, line_fen: Fen) -> Vec<QualityIssue> {
    let Some(h) = facts::household(bundle) else {
        return Vec::new();
    };
    let measures = facts::active_measures(bundle);
    let risks = facts::risk_types(h);
    let mut found: Vec<(QualityRule, String)> = Vec::new();

    if risks.contains(&"09") && !has_any(&measures, &["06", "07", "11"]) {
        found.push((
            QualityRule::StudyRiskWithoutEducationMeasure,
            format!(
                "致贫/返贫风险含因学，但无义务教育保障、其他教育帮扶或社会帮扶措施（现有措施：{}）",
                measure_list(&measures)
            ),
        ));
    }
    if risks.contains(&"03") && !has_any(&measures, &["08", "11"]) {
        found.push((
            QualityRule::DisabilityRiskWithoutSupport,
            format!(
                "致贫/返贫风险含因残，但无综合保障或社会帮扶措施（现有措施：{}）",
                measure_list(&measures)
            ),
        ));
    }

    let method = facts::text(h, "elimination_method");
    let eliminated_on = facts::date(h, "risk_eliminated_on");
    let since = facts::date(h, "monitoring_since");
    if method == Some("after_assistance") {
        if let Some(message) = below_line(bundle, line_fen) {
            found.push((QualityRule::EliminatedAfterAssistanceBelowLine, message));
        }
        if let (Some(since), Some(on)) = (since, eliminated_on) {
            let months = month_index(on) - month_index(since);
            if months <= 1 {
                found.push((
                    QualityRule::EliminatedAfterAssistanceTooSoon,
                    format!(
                        "识别监测时间{}，帮扶后消除于{}（相隔{}个月），不得在识别当月或次月帮扶后消除",
                        since.format("%Y-%m"),
                        on.format("%Y-%m"),
                        months
                    ),
                ));
            }
        }
    }

    if facts::text(h, "household_type") == Some("monitored") {
        let mut missing = Vec::new();
        if facts::text(h, "monitoring_type").is_none() {
            missing.push("监测对象类别");
        }
        if since.is_none() {
            missing.push("识别监测时间");
        }
        if risks.is_empty() {
            missing.push("致贫/返贫风险");
        }
        if !missing.is_empty() {
            found.push((
                QualityRule::MonitoredHouseholdIncomplete,
                format!("监测户未填{}", missing.join("、")),
            ));
        }
    }

    if let (Some(on), None) = (eliminated_on, method) {
        found.push((
            QualityRule::EliminatedWithoutMethod,
            format!(
                "消除监测时间为{}，但未填风险消除方式（{}）",
                on.format("%Y-%m-%d"),
                ELIMINATION_METHODS
                    .entries
                    .iter()
                    .map(|(_, l)| *l)
                    .collect::<Vec<_>>()
                    .join("或")
            ),
        ));
    }

    if let Some(rating @ ("C" | "D")) = facts::text(h, "house_safety") {
        if !measures.contains("09") {
            found.push((
                QualityRule::UnsafeHouseWithoutHousingMeasure,
                format!(
                    "住房安全等级为{}，但无住房安全保障措施（现有措施：{}）",
                    HOUSE_SAFETY.label(rating).unwrap_or(rating),
                    measure_list(&measures)
                ),
            ));
        }
    }

    if risks.len() > 5 {
        let labels: Vec<&str> = risks
            .iter()
            .map(|c| RISK_TYPES.label(c).unwrap_or(c))
            .collect();
        found.push((
            QualityRule::TooManyRiskTypes,
            format!(
                "致贫/返贫风险{}项（{}），最多5项",
                risks.len(),
                labels.join("、")
            ),
        ));
    }

    found
        .into_iter()
        .map(|(rule, message_zh)| QualityIssue {
            rule,
            household_id: h.key.id,
            hubianhao: facts::text(h, "hubianhao").unwrap_or_default().to_owned(),
            head_name: facts::text(h, "head_name").unwrap_or_default().to_owned(),
            village: facts::village(h).to_owned(),
            message_zh,
        })
        .collect()
}

/// Why per-capita net income is not above the line, or `None` when it is.
fn below_line(bundle: &HouseholdBundle, line_fen: Fen) -> Option<String> {
    let size = facts::household_size(bundle);
    let Some(income) = facts::current_income(bundle) else {
        return Some(format!(
            "帮扶后消除，但没有本年度收入数据，无法核实人均纯收入高于监测范围{}元",
            line_fen.yuan()
        ));
    };
    if size == 0 {
        return Some(format!(
            "帮扶后消除，但没有家庭成员，无法计算人均纯收入（家庭纯收入{}元）",
            income.net_income().yuan()
        ));
    }
    let net = income.net_income();
    // Exactly: net > line × size, so no fen is lost to rounding; at the line is not above.
    if i128::from(net.0) > i128::from(line_fen.0) * i128::from(size) {
        return None;
    }
    Some(format!(
        "帮扶后消除，但{}年人均纯收入{}元（家庭纯收入{}元，{}人）未高于监测范围{}元",
        income.year,
        per_capita(net, size).yuan(),
        net.yuan(),
        size,
        line_fen.yuan()
    ))
}

/// Months since year 0, so two dates' difference is whole calendar months.
fn month_index(d: NaiveDate) -> i64 {
    i64::from(d.year()) * 12 + i64::from(d.month0())
}

fn has_any(measures: &BTreeSet<&str>, kinds: &[&str]) -> bool {
    kinds.iter().any(|k| measures.contains(k))
}

/// The measures' Chinese names, `无` when there are none.
fn measure_list(measures: &BTreeSet<&str>) -> String {
    if measures.is_empty() {
        return "无".to_owned();
    }
    measures
        .iter()
        .map(|k| MEASURES.label(k).unwrap_or(k))
        .collect::<Vec<_>>()
        .join("、")
}

/// Reading a household's facts from its read-model rows, shared with the export.
pub(crate) mod facts {
    use std::collections::BTreeSet;

    use chrono::NaiveDate;
    use fangpin_domain::income::YearIncome;
    use fangpin_domain::Fen;
    use fangpin_server::state::RowRecord;

    use crate::HouseholdBundle;

    /// The live household row.
    pub(crate) fn household(bundle: &HouseholdBundle) -> Option<&RowRecord> {
        bundle.household.as_ref().filter(|h| h.alive)
    }

    /// The live member rows, in form order.
    pub(crate) fn members(bundle: &HouseholdBundle) -> impl Iterator<Item = &RowRecord> {
        bundle.members.iter().filter(|m| m.alive)
    }

    /// The number of live members.
    pub(crate) fn household_size(bundle: &HouseholdBundle) -> u32 {
        u32::try_from(members(bundle).count()).unwrap_or(u32::MAX)
    }

    /// The village code: the row's `village_code`, else the read model's village.
    pub(crate) fn village(row: &RowRecord) -> &str {
        text(row, "village_code").unwrap_or(&row.village)
    }

    /// A non-empty string value.
    pub(crate) fn text<'a>(row: &'a RowRecord, field: &str) -> Option<&'a str> {
        row.data
            .get(field)
            .and_then(|v| v.as_str())
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    /// An integer value.
    pub(crate) fn int(row: &RowRecord, field: &str) -> Option<i64> {
        row.data.get(field).and_then(|v| v.as_i64())
    }

    /// A boolean value.
    pub(crate) fn boolean(row: &RowRecord, field: &str) -> Option<bool> {
        row.data.get(field).and_then(|v| v.as_bool())
    }

    /// A date value (`YYYY-MM-DD`).
    pub(crate) fn date(row: &RowRecord, field: &str) -> Option<NaiveDate> {
        text(row, field).and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
    }

    /// The risk type codes, in order.
    pub(crate) fn risk_types(row: &RowRecord) -> Vec<&str> {
        row.data
            .get("risk_types")
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The kinds of the live measures whose status is not `ended`.
    pub(crate) fn active_measures(bundle: &HouseholdBundle) -> BTreeSet<&str> {
        bundle
            .measures
            .iter()
            .filter(|m| m.alive && text(m, "status") != Some("ended"))
            .filter_map(|m| text(m, "kind"))
            .collect()
    }

    /// Whether a household is a monitoring object: of type 监测户, or with a 监测对象类别.
    pub(crate) fn is_monitoring_object(row: &RowRecord) -> bool {
        text(row, "household_type") == Some("monitored") || text(row, "monitoring_type").is_some()
    }

    /// The current year's income: the live `income_year` row of period `current` (the latest
    /// year if there are several), else the latest row not marked `previous`.
    pub(crate) fn current_income(bundle: &HouseholdBundle) -> Option<YearIncome> {
        let live = || bundle.incomes.iter().filter(|r| r.alive);
        let year = |r: &&RowRecord| int(r, "year").unwrap_or(i64::MIN);
        let row = live()
            .filter(|r| text(r, "period") == Some("current"))
            .max_by_key(year)
            .or_else(|| {
                live()
                    .filter(|r| text(r, "period") != Some("previous"))
                    .max_by_key(year)
            })?;
        let fen = |field: &str| Fen(int(row, field).unwrap_or(0));
        Some(YearIncome {
            year: int(row, "year")
                .and_then(|y| i32::try_from(y).ok())
                .unwrap_or(0),
            wage_fen: fen("wage_fen"),
            business_fen: fen("business_fen"),
            property_fen: fen("property_fen"),
            transfer_fen: fen("transfer_fen"),
            business_spending_fen: fen("business_spending_fen"),
            medical_out_of_pocket_fen: fen("medical_out_of_pocket_fen"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_json_forms_and_labels_differ() {
        let mut labels = BTreeSet::new();
        for rule in QualityRule::ALL {
            let json = serde_json::to_value(rule).unwrap();
            assert_eq!(json, rule.code());
            assert!(labels.insert(rule.label_zh()));
        }
    }

    #[test]
    fn month_index_counts_calendar_months() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(
            month_index(d("2025-01-01")) - month_index(d("2024-12-31")),
            1
        );
        assert_eq!(
            month_index(d("2025-03-31")) - month_index(d("2025-03-01")),
            0
        );
    }
}
