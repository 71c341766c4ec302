//! Builders shared by the tests.

use chrono::{Datelike, NaiveDate};
use fangpin_domain::member::{Education, LabourCapacity, Relation, StudentStatus};
use fangpin_domain::policy::{PolicyBook, PolicyOverride};
use fangpin_domain::{assess, Assessment, Fen, HouseholdRecord, IdNumber, Member, RuleId, Sex};

pub const EXAMPLE_JSON: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../docs/examples/household.json"
));

pub const EXAMPLE_POLICY_JSON: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../docs/examples/policy.json"
));

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("real date")
}

/// The assessment date used throughout.
pub fn today() -> NaiveDate {
    date(2025, 11, 20)
}

/// The example household from the docs.
pub fn example() -> HouseholdRecord {
    serde_json::from_str(EXAMPLE_JSON).expect("docs/examples/household.json parses")
}

/// The example policy file from the docs.
pub fn example_policy() -> PolicyBook {
    serde_json::from_str(EXAMPLE_POLICY_JSON).expect("docs/examples/policy.json parses")
}

/// A book with only a 6500-yuan line for 2025 everywhere and default
/// settings.
pub fn book() -> PolicyBook {
    PolicyBook::seed()
}

/// A book with one override for province 53.
pub fn book_with(o: PolicyOverride) -> PolicyBook {
    let mut b = book();
    b.overrides.push(PolicyOverride {
        area_prefix: "53".to_owned(),
        ..o
    });
    b
}

pub const LINE: i64 = 650_000;

/// An identity number for someone born on `birth`.
pub fn id_for(birth: NaiveDate, sex: Sex) -> String {
    let seq = match sex {
        Sex::Male => 101,
        Sex::Female => 102,
    };
    IdNumber::from_parts("530325", birth, seq)
        .expect("valid parts")
        .as_str()
        .to_owned()
}

/// Born so as to be exactly `age` on [`today`] (birthday today).
pub fn born_aged(age: i32) -> NaiveDate {
    let t = today();
    date(t.year() - age, t.month(), t.day())
}

/// A healthy insured adult able to work.
pub fn adult(name: &str, relation: Relation, birth: NaiveDate) -> Member {
    let mut m = example().members[0].clone();
    m.name = name.to_owned();
    m.relation = relation;
    m.sex = Sex::Male;
    m.id_number = id_for(birth, Sex::Male);
    m.work = None;
    m.skill = None;
    m
}

/// A child of the given age with the given schooling.
pub fn child(age: i32, status: StudentStatus, education: Education) -> Member {
    let mut m = adult("张小", Relation::Son, born_aged(age));
    m.student_status = status;
    m.education = education;
    m.labour_capacity = LabourCapacity::None;
    m
}

/// A neutral household: the example's household with `size` healthy adults
/// (the first is head), all income zero except a wage of `net` fen, no
/// previous year, no problems of any kind.
pub fn neutral(size: usize, net: i64) -> HouseholdRecord {
    let mut r = example();
    r.household.household_type = fangpin_domain::HouseholdType::Ordinary;
    r.members = (0..size)
        .map(|i| {
            let relation = if i == 0 {
                Relation::Head
            } else {
                Relation::Son
            };
            adult(&format!("成员{i}"), relation, date(1970 + i as i32, 1, 1))
        })
        .collect();
    let c = &mut r.income.current;
    c.wage_fen = Fen(net);
    c.business_fen = Fen(0);
    c.property_fen = Fen(0);
    c.transfer_fen = Fen(0);
    c.business_spending_fen = Fen(0);
    c.medical_out_of_pocket_fen = Fen(0);
    r.income.previous = None;
    r
}

/// Assesses with the default book.
pub fn run(r: &HouseholdRecord) -> Assessment {
    run_with(r, &book())
}

/// Assesses with `book`.
pub fn run_with(r: &HouseholdRecord, book: &PolicyBook) -> Assessment {
    match assess(r, book, today()) {
        Ok(a) => a,
        Err(e) => panic!("assessment failed: {e}"),
    }
}

/// The rules fired.
pub fn rules(r: &HouseholdRecord) -> Vec<RuleId> {
    run(r).rules()
}
