//! The assessment: every rule that fires for one household, with the
//! figures that made it fire, the suggested monitoring category, measures
//! and risk types.
//!
//! Output is deterministic: findings are in [`RuleId`] order, indicators in
//! form order, measures and risk types in code order.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::field_error::FieldErrors;
use crate::household::{HouseholdType, MonitoringType, RoadAccess};
use crate::income::{
    drop_ratio, is_below_line, is_near_line, is_sharp_drop, line_total, per_capita,
};
use crate::indicator::{evaluate, Indicator, IndicatorIssue, IndicatorResult};
use crate::measure::{Measure, MeasureKind};
use crate::member::{DisabilityKind, LabourCapacity};
use crate::money::{BasisPoints, Fen};
use crate::policy::{AgeWindow, MedicalThreshold, PolicyBook, PolicyError, ResolvedPolicy};
use crate::record::{HouseholdRecord, ValidRecord};
use crate::risk::{RiskType, MAX_RISKS};

/// The rules, in the order findings are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum RuleId {
    /// Per-capita net income below the monitoring line.
    BelowLine,
    /// At or above the line, below the near-line band.
    NearLine,
    /// Net income fell sharply against last year.
    IncomeDrop,
    /// Compliant out-of-pocket medical spending above the threshold.
    MedicalSpending,
    /// 不愁吃 not met.
    Food,
    /// 不愁穿 not met.
    Clothing,
    /// 义务教育 not secure.
    CompulsoryEducation,
    /// 基本医疗 not secure.
    BasicMedical,
    /// 住房 not secure.
    Housing,
    /// 饮水 not secure.
    DrinkingWater,
    /// No hardened road.
    RoadAccess,
    /// A member receives 低保.
    Dibao,
    /// A member is 特困.
    Tekun,
    /// A member has a grade 1 or 2 disability.
    SevereDisability,
    /// A member has a serious illness.
    SeriousIllness,
}

impl RuleId {
    /// The stable snake_case id.
    pub const fn as_str(self) -> &'static str {
        match self {
            RuleId::BelowLine => "below_line",
            RuleId::NearLine => "near_line",
            RuleId::IncomeDrop => "income_drop",
            RuleId::MedicalSpending => "medical_spending",
            RuleId::Food => "food",
            RuleId::Clothing => "clothing",
            RuleId::CompulsoryEducation => "compulsory_education",
            RuleId::BasicMedical => "basic_medical",
            RuleId::Housing => "housing",
            RuleId::DrinkingWater => "drinking_water",
            RuleId::RoadAccess => "road_access",
            RuleId::Dibao => "dibao",
            RuleId::Tekun => "tekun",
            RuleId::SevereDisability => "severe_disability",
            RuleId::SeriousIllness => "serious_illness",
        }
    }

    /// The income rules, which decide the monitoring category.
    pub const fn is_income_rule(self) -> bool {
        matches!(
            self,
            RuleId::BelowLine | RuleId::NearLine | RuleId::IncomeDrop
        )
    }

    fn for_indicator(indicator: Indicator) -> RuleId {
        match indicator {
            Indicator::Food => RuleId::Food,
            Indicator::Clothing => RuleId::Clothing,
            Indicator::CompulsoryEducation => RuleId::CompulsoryEducation,
            Indicator::BasicMedical => RuleId::BasicMedical,
            Indicator::Housing => RuleId::Housing,
            Indicator::DrinkingWater => RuleId::DrinkingWater,
        }
    }
}

/// A member named in a finding.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MemberFigure {
    /// Index into `members`.
    pub member_index: usize,
    /// Name.
    pub name: String,
    /// Age on the assessment date.
    pub age: u32,
    /// Disability kind, for the disability rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disability_kind: Option<DisabilityKind>,
    /// Disability grade, for the disability rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disability_grade: Option<u8>,
}

/// The numbers that made a rule fire.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Figures {
    /// For `below_line`.
    BelowLine {
        /// Net income.
        net_income_fen: Fen,
        /// Members.
        household_size: u32,
        /// Net income / size, rounded down.
        per_capita_fen: Fen,
        /// The line.
        line_fen: Fen,
        /// line × size: net income is below this.
        line_total_fen: Fen,
    },
    /// For `near_line`.
    NearLine {
        /// Net income.
        net_income_fen: Fen,
        /// Members.
        household_size: u32,
        /// Net income / size, rounded down.
        per_capita_fen: Fen,
        /// The line.
        line_fen: Fen,
        /// The band as a ratio of the line.
        ratio_bp: BasisPoints,
        /// line × ratio, rounded down: per-capita income is below this.
        threshold_fen: Fen,
    },
    /// For `income_drop`.
    IncomeDrop {
        /// Last year's net income.
        previous_net_income_fen: Fen,
        /// This year's.
        net_income_fen: Fen,
        /// previous − current.
        drop_fen: Fen,
        /// The drop as a ratio of last year's, rounded down.
        drop_bp: BasisPoints,
        /// The setting it reached.
        threshold_bp: BasisPoints,
    },
    /// For `medical_spending`.
    MedicalSpending {
        /// Compliant out-of-pocket spending.
        spending_fen: Fen,
        /// The threshold in fen (a ratio's, rounded down).
        threshold_fen: Fen,
        /// The setting.
        threshold: MedicalThreshold,
        /// Whether the low-income threshold applied.
        low_income: bool,
    },
    /// For the indicator rules.
    Indicator {
        /// Which indicator.
        indicator: Indicator,
        /// What is wrong.
        issues: Vec<IndicatorIssue>,
    },
    /// For `road_access`.
    Road {
        /// The household's road access.
        road_access: RoadAccess,
    },
    /// For the special-group rules.
    Members {
        /// The members concerned.
        members: Vec<MemberFigure>,
    },
}

/// One rule that fired.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Finding {
    /// Which rule.
    pub rule: RuleId,
    /// A sentence a cadre can read to the household.
    pub text_zh: String,
    /// The numbers.
    pub figures: Figures,
}

/// The suggested monitoring category.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CategorySuggestion {
    /// The category, or `None` when no income or spending rule fired.
    pub category: Option<MonitoringType>,
    /// One sentence summing up the suggestion.
    pub summary_zh: String,
    /// The findings behind it.
    pub reasons: Vec<Finding>,
}

/// A suggested measure and the findings it answers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MeasureSuggestion {
    /// The measure (serialised as its code).
    pub code: Measure,
    /// Its name.
    pub name_zh: String,
    /// Development, safety net or targeted.
    pub kind: MeasureKind,
    /// The rules it answers.
    pub answers: Vec<RuleId>,
}

/// A suggested risk type and the findings behind it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RiskSuggestion {
    /// The risk type (serialised as its code).
    pub code: RiskType,
    /// Its name.
    pub name_zh: String,
    /// The rules behind it.
    pub because: Vec<RuleId>,
}

/// The policy figures used.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AppliedPolicy {
    /// The line.
    pub line_fen: Fen,
    /// The prefix of the line's area.
    pub line_area_prefix: String,
    /// The line's 文号.
    pub line_document: String,
    /// Near-line band.
    pub near_line_bp: BasisPoints,
    /// Income-drop ratio.
    pub income_drop_bp: BasisPoints,
    /// Whether the household counts as low-income for the medical rule.
    pub low_income: bool,
    /// The medical threshold that applied.
    pub medical_threshold: MedicalThreshold,
    /// Compulsory-education age window.
    pub school_age: AgeWindow,
    /// Override prefixes applied, shortest first.
    pub overrides_applied: Vec<String>,
}

/// Computed income figures (never input).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct IncomeSummary {
    /// Members.
    pub household_size: u32,
    /// Sum of the four incomes.
    pub gross_income_fen: Fen,
    /// 生产经营性支出.
    pub business_spending_fen: Fen,
    /// 家庭纯收入.
    pub net_income_fen: Fen,
    /// 家庭人均纯收入, rounded down.
    pub per_capita_net_income_fen: Fen,
    /// 合规自付医疗支出.
    pub medical_out_of_pocket_fen: Fen,
    /// Last year's net income, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_net_income_fen: Option<Fen>,
}

/// The full assessment of one household.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Assessment {
    /// 户编号.
    pub household_id: String,
    /// Village code.
    pub area_code: String,
    /// The income year assessed (the policy year).
    pub year: i32,
    /// The date ages were computed on.
    pub assessed_on: NaiveDate,
    /// 户类型.
    pub household_type: HouseholdType,
    /// The policy used.
    pub policy: AppliedPolicy,
    /// Income figures.
    pub income: IncomeSummary,
    /// The six indicators.
    pub indicators: Vec<IndicatorResult>,
    /// Every rule that fired.
    pub findings: Vec<Finding>,
    /// The suggested monitoring category.
    pub category: CategorySuggestion,
    /// Suggested measures ("缺什么补什么").
    pub measures: Vec<MeasureSuggestion>,
    /// Suggested risk types (at most five).
    pub risk_types: Vec<RiskSuggestion>,
}

impl Assessment {
    /// Whether `rule` fired.
    pub fn fired(&self, rule: RuleId) -> bool {
        self.findings.iter().any(|f| f.rule == rule)
    }

    /// The rules that fired, in order.
    pub fn rules(&self) -> Vec<RuleId> {
        self.findings.iter().map(|f| f.rule).collect()
    }
}

/// Why an assessment could not be made.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AssessError {
    /// The record has invalid fields.
    #[error("{0}")]
    Invalid(FieldErrors),
    /// No policy for the area and year.
    #[error(transparent)]
    Policy(#[from] PolicyError),
}

/// Validates `record`, resolves the policy for its village and income year,
/// and assesses it.
pub fn assess(
    record: &HouseholdRecord,
    book: &PolicyBook,
    today: NaiveDate,
) -> Result<Assessment, AssessError> {
    let valid = record.validate(today).map_err(AssessError::Invalid)?;
    let policy = book.resolve(&valid.area, record.income.current.year)?;
    Ok(assess_valid(&valid, &policy, today))
}

/// Who can work in the household.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LabourSituation {
    /// Someone with ordinary or skilled labour capacity.
    Able,
    /// Only weak or half labour.
    WeakOnly,
    /// No one can work.
    NoLabour,
}

impl LabourSituation {
    /// From the members' capacities.
    pub fn of<'a>(capacities: impl IntoIterator<Item = &'a LabourCapacity>) -> Self {
        let mut weak = false;
        for c in capacities {
            if c.is_full() {
                return LabourSituation::Able;
            }
            weak |= *c == LabourCapacity::Weak;
        }
        if weak {
            LabourSituation::WeakOnly
        } else {
            LabourSituation::NoLabour
        }
    }
}

/// Whether the household counts as low-income for the medical rule:
/// 脱贫户, 监测户, or with a member on 低保 or 特困.
pub fn is_low_income(record: &HouseholdRecord) -> bool {
    matches!(
        record.household.household_type,
        HouseholdType::FormerlyPoor | HouseholdType::Monitored
    ) || record.members.iter().any(|m| m.dibao || m.tekun)
}

/// Assesses a validated record under a resolved policy.
pub fn assess_valid(
    valid: &ValidRecord<'_>,
    policy: &ResolvedPolicy,
    today: NaiveDate,
) -> Assessment {
    let r = valid.record;
    let s = &policy.settings;
    let size = valid.household_size();
    let current = &r.income.current;
    let net = current.net_income();
    let pc = per_capita(net, size);
    let line = policy.line.amount_fen;
    let low_income = is_low_income(r);
    let medical_threshold = if low_income {
        s.medical_low_income
    } else {
        s.medical_general
    };

    let mut findings = Vec::new();

    if is_below_line(net, size, line) {
        findings.push(Finding {
            rule: RuleId::BelowLine,
            text_zh: format!(
                "家庭纯收入{}元，{size}人，人均纯收入{}元，低于{}年监测标准{}元（{}）。",
                net.yuan(),
                pc.yuan(),
                policy.year,
                line.yuan(),
                policy.line.document
            ),
            figures: Figures::BelowLine {
                net_income_fen: net,
                household_size: size,
                per_capita_fen: pc,
                line_fen: line,
                line_total_fen: line_total(line, size),
            },
        });
    } else if is_near_line(net, size, line, s.near_line_bp) {
        let threshold = s.near_line_bp.of(line);
        findings.push(Finding {
            rule: RuleId::NearLine,
            text_zh: format!(
                "家庭纯收入{}元，{size}人，人均纯收入{}元，不低于{}年监测标准{}元（{}），但低于其{}（{}元），收入不稳定、有返贫致贫风险。",
                net.yuan(),
                pc.yuan(),
                policy.year,
                line.yuan(),
                policy.line.document,
                s.near_line_bp.percent(),
                threshold.yuan()
            ),
            figures: Figures::NearLine {
                net_income_fen: net,
                household_size: size,
                per_capita_fen: pc,
                line_fen: line,
                ratio_bp: s.near_line_bp,
                threshold_fen: threshold,
            },
        });
    }

    let previous_net = r.income.previous.map(|p| p.net_income());
    if let Some(prev) = previous_net {
        if is_sharp_drop(net, prev, s.income_drop_bp) {
            let drop_bp = drop_ratio(net, prev);
            findings.push(Finding {
                rule: RuleId::IncomeDrop,
                text_zh: format!(
                    "家庭纯收入由上年{}元降至{}元，减少{}元，降幅{}，达到{}的收入骤减标准。",
                    prev.yuan(),
                    net.yuan(),
                    prev.saturating_sub(net).yuan(),
                    drop_bp.percent(),
                    s.income_drop_bp.percent()
                ),
                figures: Figures::IncomeDrop {
                    previous_net_income_fen: prev,
                    net_income_fen: net,
                    drop_fen: prev.saturating_sub(net),
                    drop_bp,
                    threshold_bp: s.income_drop_bp,
                },
            });
        }
    }

    let spending = current.medical_out_of_pocket_fen;
    if medical_threshold.is_exceeded_by(spending, net) {
        let threshold_fen = medical_threshold.amount(net);
        findings.push(Finding {
            rule: RuleId::MedicalSpending,
            text_zh: format!(
                "合规自付医疗支出{}元，超过{}标准{}（{}元），刚性支出较大。",
                spending.yuan(),
                if low_income {
                    "低收入人口"
                } else {
                    "一般农户"
                },
                medical_threshold.describe_zh(),
                threshold_fen.yuan()
            ),
            figures: Figures::MedicalSpending {
                spending_fen: spending,
                threshold_fen,
                threshold: medical_threshold,
                low_income,
            },
        });
    }

    let indicators = evaluate(valid, s.school_age, today);
    for result in indicators.iter().filter(|i| i.is_problem()) {
        findings.push(Finding {
            rule: RuleId::for_indicator(result.indicator),
            text_zh: format!(
                "{}存在问题：{}",
                result.indicator.name_zh(),
                result.reason_zh
            ),
            figures: Figures::Indicator {
                indicator: result.indicator,
                issues: result.issues.clone(),
            },
        });
    }

    let road = r.household.road_access;
    if road.is_lacking() {
        findings.push(Finding {
            rule: RuleId::RoadAccess,
            text_zh: format!("入户道路状况为“{}”。", road.name_zh()),
            figures: Figures::Road { road_access: road },
        });
    }

    let member_figure = |i: usize| -> MemberFigure {
        let m = &r.members[i];
        MemberFigure {
            member_index: i,
            name: m.name.clone(),
            age: valid.ids.get(i).map_or(0, |id| id.age_on(today)),
            disability_kind: None,
            disability_grade: None,
        }
    };
    let names = |ms: &[MemberFigure]| -> String {
        ms.iter()
            .map(|m| m.name.as_str())
            .collect::<Vec<_>>()
            .join("、")
    };
    let group = |pred: &dyn Fn(usize) -> bool| -> Vec<MemberFigure> {
        (0..r.members.len())
            .filter(|&i| pred(i))
            .map(member_figure)
            .collect()
    };

    let dibao = group(&|i| r.members[i].dibao);
    if !dibao.is_empty() {
        findings.push(Finding {
            rule: RuleId::Dibao,
            text_zh: format!("{}享受低保，属重点关注对象。", names(&dibao)),
            figures: Figures::Members { members: dibao },
        });
    }
    let tekun = group(&|i| r.members[i].tekun);
    if !tekun.is_empty() {
        findings.push(Finding {
            rule: RuleId::Tekun,
            text_zh: format!(
                "{}为特困供养人员{}，属重点关注对象。",
                names(&tekun),
                if size == 1 { "（单人户）" } else { "" }
            ),
            figures: Figures::Members { members: tekun },
        });
    }
    let mut severe = group(&|i| r.members[i].is_severely_disabled());
    for f in &mut severe {
        let d = r.members[f.member_index].health.disability;
        f.disability_kind = d.map(|d| d.kind);
        f.disability_grade = d.map(|d| d.grade);
    }
    if !severe.is_empty() {
        let parts: Vec<String> = severe
            .iter()
            .map(|f| {
                format!(
                    "{}（{}{}级）",
                    f.name,
                    f.disability_kind.map_or("", DisabilityKind::name_zh),
                    f.disability_grade.unwrap_or(0)
                )
            })
            .collect();
        findings.push(Finding {
            rule: RuleId::SevereDisability,
            text_zh: format!("{}为重度残疾，属重点关注对象。", parts.join("、")),
            figures: Figures::Members { members: severe },
        });
    }
    let serious = group(&|i| r.members[i].health.serious_illness);
    if !serious.is_empty() {
        findings.push(Finding {
            rule: RuleId::SeriousIllness,
            text_zh: format!("{}患大病，属重点关注对象。", names(&serious)),
            figures: Figures::Members { members: serious },
        });
    }

    findings.sort_by_key(|f| f.rule);

    let labour = LabourSituation::of(r.members.iter().map(|m| &m.labour_capacity));
    let category = suggest_category(r, &findings);
    let measures = suggest_measures(r, &findings, labour);
    let risk_types = suggest_risks(valid, &findings, labour);

    Assessment {
        household_id: r.household.id.clone(),
        area_code: valid.area.to_string(),
        year: policy.year,
        assessed_on: today,
        household_type: r.household.household_type,
        policy: AppliedPolicy {
            line_fen: line,
            line_area_prefix: policy.line.area_prefix.clone(),
            line_document: policy.line.document.clone(),
            near_line_bp: s.near_line_bp,
            income_drop_bp: s.income_drop_bp,
            low_income,
            medical_threshold,
            school_age: s.school_age,
            overrides_applied: policy.overrides_applied.clone(),
        },
        income: IncomeSummary {
            household_size: size,
            gross_income_fen: current.gross_income(),
            business_spending_fen: current.business_spending_fen,
            net_income_fen: net,
            per_capita_net_income_fen: pc,
            medical_out_of_pocket_fen: spending,
            previous_net_income_fen: previous_net,
        },
        indicators,
        findings,
        category,
        measures,
        risk_types,
    }
}

/// The monitoring category the findings suggest:
/// - 脱贫不稳定户: a 脱贫户 below or near the line, or with a sharp drop;
/// - 边缘易致贫户: a 一般农户 below or near the line;
/// - 突发严重困难户: otherwise, large medical spending or a sharp drop;
/// - none otherwise.
///
/// A 监测户 is judged as a 脱贫户 when its current type is 脱贫不稳定户,
/// else as a 一般农户.
pub fn suggest_category(record: &HouseholdRecord, findings: &[Finding]) -> CategorySuggestion {
    let has = |rule| findings.iter().any(|f| f.rule == rule);
    let below_or_near = has(RuleId::BelowLine) || has(RuleId::NearLine);
    let drop = has(RuleId::IncomeDrop);
    let medical = has(RuleId::MedicalSpending);
    let formerly_poor = match record.household.household_type {
        HouseholdType::FormerlyPoor => true,
        HouseholdType::Monitored => {
            record.household.monitoring_type == Some(MonitoringType::UnstableFormerlyPoor)
        }
        HouseholdType::Ordinary => false,
    };
    let (category, rules): (Option<MonitoringType>, &[RuleId]) =
        if formerly_poor && (below_or_near || drop) {
            (
                Some(MonitoringType::UnstableFormerlyPoor),
                &[RuleId::BelowLine, RuleId::NearLine, RuleId::IncomeDrop],
            )
        } else if !formerly_poor && below_or_near {
            (
                Some(MonitoringType::MarginalAtRisk),
                &[RuleId::BelowLine, RuleId::NearLine],
            )
        } else if medical || drop {
            (
                Some(MonitoringType::SuddenHardship),
                &[RuleId::IncomeDrop, RuleId::MedicalSpending],
            )
        } else {
            (None, &[])
        };
    let reasons: Vec<Finding> = findings
        .iter()
        .filter(|f| rules.contains(&f.rule))
        .cloned()
        .collect();
    let household_type = record.household.household_type.name_zh();
    let summary_zh = match category {
        Some(c) => {
            let current = match (
                record.household.household_type,
                record.household.monitoring_type,
            ) {
                (HouseholdType::Monitored, Some(t)) if t == c => "，维持现有监测对象类型",
                (HouseholdType::Monitored, Some(_)) => "，与现有监测对象类型不同，请核实",
                _ => "",
            };
            format!(
                "该户为{household_type}，建议按{}程序识别为{}{current}。",
                "防止返贫监测",
                c.name_zh()
            )
        }
        None => format!("该户为{household_type}，收入和刚性支出未触发纳入监测条件。"),
    };
    CategorySuggestion {
        category,
        summary_zh,
        reasons,
    }
}

fn development(labour: LabourSituation) -> &'static [Measure] {
    match labour {
        LabourSituation::Able => &[Measure::Industry, Measure::Employment, Measure::Microcredit],
        LabourSituation::WeakOnly => &[Measure::Industry, Measure::PublicWelfareJob],
        LabourSituation::NoLabour => &[Measure::ComprehensiveSecurity],
    }
}

/// "缺什么补什么": the measures that answer the findings. Income findings
/// get development measures when someone can work (产业, 就业, 小额信贷; 产业
/// and 公益岗位 for weak labour only) and 综合保障 when no one can.
pub fn suggest_measures(
    record: &HouseholdRecord,
    findings: &[Finding],
    labour: LabourSituation,
) -> Vec<MeasureSuggestion> {
    let post_compulsory_student = record
        .members
        .iter()
        .any(|m| m.student_status.is_post_compulsory());
    let mut map: BTreeMap<Measure, BTreeSet<RuleId>> = BTreeMap::new();
    for f in findings {
        let mut add = |ms: &[Measure]| {
            for m in ms {
                map.entry(*m).or_default().insert(f.rule);
            }
        };
        match f.rule {
            RuleId::BelowLine | RuleId::NearLine => {
                add(development(labour));
                if post_compulsory_student {
                    add(&[Measure::OtherEducation]);
                }
            }
            RuleId::IncomeDrop => add(development(labour)),
            RuleId::MedicalSpending => {
                add(&[Measure::Health, Measure::SocialAssistance]);
                if labour == LabourSituation::NoLabour {
                    add(&[Measure::ComprehensiveSecurity]);
                }
            }
            RuleId::Food | RuleId::Clothing => {
                if labour == LabourSituation::Able {
                    add(&[Measure::Employment, Measure::SocialAssistance]);
                } else {
                    add(&[Measure::ComprehensiveSecurity, Measure::SocialAssistance]);
                }
            }
            RuleId::CompulsoryEducation => add(&[Measure::CompulsoryEducation]),
            RuleId::BasicMedical | RuleId::SeriousIllness => add(&[Measure::Health]),
            RuleId::Housing => add(&[Measure::HousingSafety]),
            RuleId::DrinkingWater => add(&[Measure::DrinkingWaterSafety]),
            RuleId::RoadAccess => add(&[Measure::Infrastructure]),
            RuleId::SevereDisability => add(&[Measure::ComprehensiveSecurity]),
            RuleId::Dibao | RuleId::Tekun => {}
        }
    }
    map.into_iter()
        .map(|(m, rules)| MeasureSuggestion {
            code: m,
            name_zh: m.name_zh().to_owned(),
            kind: m.kind(),
            answers: rules.into_iter().collect(),
        })
        .collect()
}

/// Risk types the findings point to, in code order, at most five (the
/// lowest codes are kept). Disasters (02) and accidents (05) cannot be seen
/// in the form's figures and are never suggested.
pub fn suggest_risks(
    valid: &ValidRecord<'_>,
    findings: &[Finding],
    labour: LabourSituation,
) -> Vec<RiskSuggestion> {
    let r = valid.record;
    let income_rules: Vec<RuleId> = findings
        .iter()
        .map(|f| f.rule)
        .filter(|rule| rule.is_income_rule())
        .collect();
    let has = |rule| findings.iter().any(|f| f.rule == rule);
    let mut map: BTreeMap<RiskType, BTreeSet<RuleId>> = BTreeMap::new();
    let mut add = |risk: RiskType, rules: &[RuleId]| {
        if !rules.is_empty() {
            map.entry(risk).or_default().extend(rules.iter().copied());
        }
    };
    let chronic = r.members.iter().any(|m| m.health.chronic_illness);
    let disabled = r.members.iter().any(|m| m.health.disability.is_some());
    let post_compulsory = r
        .members
        .iter()
        .any(|m| m.student_status.is_post_compulsory());

    for rule in [RuleId::MedicalSpending, RuleId::SeriousIllness] {
        if has(rule) {
            add(RiskType::Illness, &[rule]);
        }
    }
    if chronic {
        add(RiskType::Illness, &income_rules);
    }
    if has(RuleId::SevereDisability) {
        add(RiskType::Disability, &[RuleId::SevereDisability]);
    }
    if disabled {
        add(RiskType::Disability, &income_rules);
    }
    if labour != LabourSituation::Able {
        add(RiskType::LabourShortage, &income_rules);
    }
    if has(RuleId::IncomeDrop) {
        if let Some(prev) = &r.income.previous {
            let cur = &r.income.current;
            if cur.business_net() < prev.business_net() {
                add(RiskType::IndustryFailure, &[RuleId::IncomeDrop]);
            }
            if cur.wage_fen < prev.wage_fen {
                add(RiskType::UnstableEmployment, &[RuleId::IncomeDrop]);
            }
        }
    }
    if post_compulsory {
        let rules: Vec<RuleId> = income_rules
            .iter()
            .copied()
            .filter(|r| *r != RuleId::IncomeDrop)
            .collect();
        add(RiskType::Schooling, &rules);
    }
    map.into_iter()
        .take(MAX_RISKS)
        .map(|(risk, rules)| RiskSuggestion {
            code: risk,
            name_zh: risk.name_zh().to_owned(),
            because: rules.into_iter().collect(),
        })
        .collect()
}
