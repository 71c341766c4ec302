//! One household's screening record (the household, its members, its
//! income and spending, and the cadre's answers on food and clothing) and
//! its validation.
//!
//! [`HouseholdRecord::validate`] checks every field and collects every
//! [`FieldError`]; on success it returns a [`ValidRecord`] with the parsed
//! area code and identity numbers the rules need.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::area::{AreaCode, AreaLevel};
use crate::field_error::{ErrorCode, FieldError, FieldErrors};
use crate::household::Household;
use crate::identity::IdNumber;
use crate::income::{IncomeYears, YearIncome};
use crate::member::{Member, Relation};
use crate::money::Fen;
use crate::risk::MAX_RISKS;

/// 不愁吃, 不愁穿: entered by the cadre after the home visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BasicNeeds {
    /// 不愁吃: enough staple food, with regular meat, eggs, milk or soy.
    pub food_secure: bool,
    /// 不愁穿: clothes and bedding for each season.
    pub clothing_secure: bool,
}

/// Everything the screening form records about one household.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HouseholdRecord {
    /// The household.
    pub household: Household,
    /// Its members; exactly one has relation `head`.
    pub members: Vec<Member>,
    /// Income and spending, this year and optionally last year.
    pub income: IncomeYears,
    /// 不愁吃, 不愁穿.
    pub basic_needs: BasicNeeds,
}

/// A record that passed validation, with its parsed codes.
#[derive(Debug, Clone)]
pub struct ValidRecord<'a> {
    /// The record.
    pub record: &'a HouseholdRecord,
    /// The village code.
    pub area: AreaCode,
    /// Each member's identity number, in member order.
    pub ids: Vec<IdNumber>,
}

impl ValidRecord<'_> {
    /// Number of members.
    pub fn household_size(&self) -> u32 {
        u32::try_from(self.record.members.len()).unwrap_or(u32::MAX)
    }

    /// The head of household.
    pub fn head(&self) -> Option<&Member> {
        self.record.head()
    }
}

/// Earliest plausible year for income figures and code tables.
const MIN_YEAR: i32 = 2000;

impl HouseholdRecord {
    /// The member whose relation is `head`, if exactly one is.
    pub fn head(&self) -> Option<&Member> {
        let mut heads = self.members.iter().filter(|m| m.relation == Relation::Head);
        match (heads.next(), heads.next()) {
            (Some(h), None) => Some(h),
            _ => None,
        }
    }

    /// Validates every field against `today`, collecting every error.
    pub fn validate(&self, today: NaiveDate) -> Result<ValidRecord<'_>, FieldErrors> {
        let mut errors = FieldErrors::new();
        let area = validate_household(&self.household, today, &mut errors);
        let ids = validate_members(&self.members, today, &mut errors);
        validate_income(&self.income, today, &mut errors);
        match (area, ids) {
            (Some(area), Some(ids)) if errors.is_empty() => Ok(ValidRecord {
                record: self,
                area,
                ids,
            }),
            _ => Err(errors),
        }
    }
}

fn required(value: &str, field: &str, what_zh: &str, errors: &mut FieldErrors) {
    if value.trim().is_empty() {
        errors.push(FieldError::new(
            field,
            ErrorCode::Required,
            "is required",
            format!("{what_zh}不能为空"),
        ));
    }
}

/// Whether `phone` looks like a mainland mobile (11 digits starting with 1),
/// a landline with its area code (`0874-1234567`, the `-` optional) or a
/// local landline number (7 or 8 digits).
pub fn is_valid_phone(phone: &str) -> bool {
    let digits: String = phone.chars().filter(|c| *c != '-').collect();
    let dashes = phone.chars().filter(|c| *c == '-').count();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) || dashes > 1 {
        return false;
    }
    match digits.as_bytes()[0] {
        // Mobile.
        b'1' => dashes == 0 && digits.len() == 11,
        // Landline with area code, e.g. 0874-1234567.
        b'0' => {
            (10..=12).contains(&digits.len())
                && phone.find('-').is_none_or(|i| (3..=4).contains(&i))
        }
        // Local landline number.
        _ => dashes == 0 && (7..=8).contains(&digits.len()),
    }
}

fn check_phone(phone: Option<&str>, field: &str, errors: &mut FieldErrors) {
    if let Some(p) = phone {
        if !is_valid_phone(p) {
            errors.push(FieldError::new(
                field,
                ErrorCode::InvalidPhone,
                format!("{p:?} is not a mobile (11 digits) or landline number"),
                format!("“{p}”不是有效的手机或固定电话号码"),
            ));
        }
    }
}

fn validate_household(
    h: &Household,
    today: NaiveDate,
    errors: &mut FieldErrors,
) -> Option<AreaCode> {
    required(&h.id, "household.id", "户编号", errors);
    required(&h.address, "household.address", "家庭住址", errors);
    let area = match AreaCode::parse(&h.area.code) {
        Ok(code) if code.level() != AreaLevel::Village => {
            errors.push(FieldError::new(
                "household.area.code",
                ErrorCode::WrongAreaLevel,
                format!(
                    "must be a village code, {} is a {} code",
                    code,
                    code.level().name()
                ),
                format!("须为村级区划代码，{}是{}代码", code, code.level().name_zh()),
            ));
            None
        }
        Ok(code) => Some(code),
        Err(e) => {
            errors.push(e.at("household.area.code"));
            None
        }
    };
    let this_year = chrono::Datelike::year(&today);
    if !(MIN_YEAR..=this_year).contains(&h.area.version_year) {
        errors.push(FieldError::new(
            "household.area.version_year",
            ErrorCode::OutOfRange,
            format!("must be between {MIN_YEAR} and {this_year}"),
            format!("区划代码版本年份须在{MIN_YEAR}至{this_year}之间"),
        ));
    }
    use crate::household::HouseholdType;
    match (h.household_type, h.monitoring_type) {
        (HouseholdType::Monitored, None) => errors.push(FieldError::new(
            "household.monitoring_type",
            ErrorCode::Required,
            "is required for a monitored household",
            "监测户须填写监测对象类型",
        )),
        (HouseholdType::FormerlyPoor | HouseholdType::Ordinary, Some(_)) => {
            errors.push(FieldError::new(
                "household.monitoring_type",
                ErrorCode::Inconsistent,
                "only a monitored household has a monitoring type",
                "只有监测户才有监测对象类型",
            ))
        }
        _ => {}
    }
    check_phone(h.phone.as_deref(), "household.phone", errors);
    if let Some(helper) = &h.helper {
        required(
            &helper.name,
            "household.helper.name",
            "帮扶责任人姓名",
            errors,
        );
        required(
            &helper.unit,
            "household.helper.unit",
            "帮扶责任人单位",
            errors,
        );
        check_phone(helper.phone.as_deref(), "household.helper.phone", errors);
        if helper.start > today {
            errors.push(FieldError::new(
                "household.helper.start",
                ErrorCode::FutureDate,
                format!("{} is after today ({today})", helper.start),
                format!("帮扶开始日期{}晚于今天（{today}）", helper.start),
            ));
        }
        if let Some(end) = helper.end {
            if end < helper.start {
                errors.push(FieldError::new(
                    "household.helper.end",
                    ErrorCode::Inconsistent,
                    format!("{end} is before the start date {}", helper.start),
                    format!("帮扶结束日期{end}早于开始日期{}", helper.start),
                ));
            }
        }
    }
    if h.risk_types.len() > MAX_RISKS {
        errors.push(FieldError::new(
            "household.risk_types",
            ErrorCode::TooMany,
            format!(
                "has {} risk types, at most {MAX_RISKS} are allowed",
                h.risk_types.len()
            ),
            format!("风险类型有{}项，最多{MAX_RISKS}项", h.risk_types.len()),
        ));
    }
    for (i, r) in h.risk_types.iter().enumerate() {
        if h.risk_types[..i].contains(r) {
            errors.push(FieldError::new(
                format!("household.risk_types[{i}]"),
                ErrorCode::Duplicate,
                format!("risk type {} is listed twice", r.code()),
                format!("风险类型{}重复", r.code()),
            ));
        }
    }
    area
}

fn validate_members(
    members: &[Member],
    today: NaiveDate,
    errors: &mut FieldErrors,
) -> Option<Vec<IdNumber>> {
    if members.is_empty() {
        errors.push(FieldError::new(
            "members",
            ErrorCode::Required,
            "a household has at least one member",
            "家庭成员至少一人",
        ));
        return None;
    }
    let heads = members
        .iter()
        .filter(|m| m.relation == Relation::Head)
        .count();
    if heads != 1 {
        errors.push(FieldError::new(
            "members",
            ErrorCode::Inconsistent,
            format!("exactly one member must have relation \"head\", found {heads}"),
            format!("须有且只有一名户主，实有{heads}名"),
        ));
    }
    let mut ids = Vec::with_capacity(members.len());
    let mut all_ok = true;
    for (i, m) in members.iter().enumerate() {
        let path = |f: &str| format!("members[{i}].{f}");
        required(&m.name, &path("name"), "姓名", errors);
        required(&m.ethnicity, &path("ethnicity"), "民族", errors);
        match IdNumber::parse(&m.id_number, today) {
            Ok(id) => {
                if id.sex() != m.sex {
                    errors.push(FieldError::new(
                        path("sex"),
                        ErrorCode::Inconsistent,
                        format!("is {:?} but the identity number says {:?}", m.sex, id.sex())
                            .to_lowercase(),
                        format!(
                            "性别为{}，但身份证号码显示为{}",
                            m.sex.name_zh(),
                            id.sex().name_zh()
                        ),
                    ));
                }
                if let Some(j) = ids.iter().position(|other: &IdNumber| *other == id) {
                    errors.push(FieldError::new(
                        path("id_number"),
                        ErrorCode::Duplicate,
                        format!("is the same as members[{j}].id_number"),
                        format!("与第{}名成员的身份证号码重复", j + 1),
                    ));
                }
                ids.push(id);
            }
            Err(e) => {
                all_ok = false;
                errors.push(e.at(path("id_number")));
            }
        }
        if let Some(d) = m.health.disability {
            if !(1..=4).contains(&d.grade) {
                errors.push(FieldError::new(
                    path("health.disability.grade"),
                    ErrorCode::OutOfRange,
                    format!("is {}, must be 1 to 4", d.grade),
                    format!("残疾等级为{}，应为1至4级", d.grade),
                ));
            }
        }
        if let Some(w) = m.work {
            if w.months > 12 {
                errors.push(FieldError::new(
                    path("work.months"),
                    ErrorCode::OutOfRange,
                    format!("is {}, must be 0 to 12", w.months),
                    format!("务工月数为{}，应为0至12", w.months),
                ));
            }
        }
    }
    all_ok.then_some(ids)
}

fn validate_year_income(y: &YearIncome, path: &str, errors: &mut FieldErrors) {
    for (name, amount) in y.amounts() {
        if amount < Fen::ZERO || amount > Fen::MAX_INPUT {
            errors.push(FieldError::new(
                format!("{path}.{name}"),
                ErrorCode::OutOfRange,
                format!(
                    "is {amount_fen} fen, must be between 0 and {max}",
                    amount_fen = amount.0,
                    max = Fen::MAX_INPUT.0
                ),
                format!("金额为{}，不得为负数或超过上限", amount),
            ));
        }
    }
}

fn validate_income(income: &IncomeYears, today: NaiveDate, errors: &mut FieldErrors) {
    let this_year = chrono::Datelike::year(&today);
    if !(MIN_YEAR..=this_year).contains(&income.current.year) {
        errors.push(FieldError::new(
            "income.current.year",
            ErrorCode::OutOfRange,
            format!(
                "is {}, must be between {MIN_YEAR} and {this_year}",
                income.current.year
            ),
            format!(
                "收入年份为{}，应在{MIN_YEAR}至{this_year}之间",
                income.current.year
            ),
        ));
    }
    validate_year_income(&income.current, "income.current", errors);
    if let Some(prev) = &income.previous {
        if prev.year != income.current.year - 1 {
            errors.push(FieldError::new(
                "income.previous.year",
                ErrorCode::Inconsistent,
                format!(
                    "is {}, must be the year before {}",
                    prev.year, income.current.year
                ),
                format!(
                    "上年收入年份为{}，应为{}",
                    prev.year,
                    income.current.year - 1
                ),
            ));
        }
        validate_year_income(prev, "income.previous", errors);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones() {
        for ok in [
            "13812345678",
            "0874-1234567",
            "08741234567",
            "010-12345678",
            "2345678",
        ] {
            assert!(is_valid_phone(ok), "{ok}");
        }
        for bad in [
            "1381234567",
            "138-1234-5678",
            "abc",
            "",
            "1381234567a",
            "0874--123456",
            "1234567",
            "08-741234567",
        ] {
            assert!(!is_valid_phone(bad), "{bad}");
        }
    }
}
