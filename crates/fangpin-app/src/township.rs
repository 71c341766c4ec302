//! A generated demo township: 办事处 with their villages and groups, and thousands of households
//! with realistic names, identity numbers that validate, incomes in fen, health, housing and
//! water, and problems entered in the ledger. Deterministic for a seed.

use chrono::{Datelike, NaiveDate};
use fangpin_domain::{HouseholdRecord, IdNumber};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

/// The county the demo lives in (富源县, Yunnan), whose code starts every identity number.
pub const COUNTY: &str = "530325";
/// The county's name.
pub const COUNTY_NAME: &str = "富源县";
/// The demo township's 9-digit prefix.
pub const TOWNSHIP: &str = "530325101";
/// The demo township's name.
pub const TOWNSHIP_NAME: &str = "示范镇";

/// One 办事处 and its villages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Office {
    /// Its name.
    pub name: String,
    /// Its villages' 12-digit codes.
    pub villages: Vec<String>,
}

/// One village.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Village {
    /// The 12-digit code.
    pub code: String,
    /// The name.
    pub name: String,
}

/// A problem found at the door, for the ledger.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// The problem type (a 两不愁三保障 indicator or another kind).
    pub problem_type: String,
    /// What was found.
    pub description: String,
    /// The measure decided.
    pub measure: String,
    /// The unit responsible.
    pub responsible_unit: String,
    /// The deadline.
    pub deadline: NaiveDate,
    /// How far rectification has gone: 0 发现, 1 整改中, 2 已整改, 3 已销号.
    pub progress: u8,
}

/// One generated household: its JSON form (docs/household-json.md) and its problems.
#[derive(Debug, Clone)]
pub struct DemoHousehold {
    /// The household in its JSON form.
    pub doc: Value,
    /// Problems for the ledger.
    pub problems: Vec<Problem>,
    /// The day it was screened in the current campaign, for about two households in three.
    pub screened_on: Option<NaiveDate>,
}

/// The generated township.
#[derive(Debug, Clone)]
pub struct Township {
    /// The 办事处.
    pub offices: Vec<Office>,
    /// Every village.
    pub villages: Vec<Village>,
    /// The households.
    pub households: Vec<DemoHousehold>,
}

const OFFICES: [&str; 3] = ["城关办事处", "东山办事处", "西河办事处"];
const VILLAGES: [&str; 12] = [
    "下营村",
    "上坝村",
    "新田村",
    "龙潭村",
    "大河村",
    "小寨村",
    "石门村",
    "松林村",
    "高坡村",
    "荷花村",
    "青龙村",
    "团结村",
];
const SURNAMES: [&str; 24] = [
    "张", "王", "李", "赵", "刘", "陈", "杨", "黄", "周", "吴", "罗", "段", "余", "何", "朱", "马",
    "普", "李", "王", "张", "杨", "陈", "赵", "刘",
];
const MALE: [&str; 16] = [
    "国华", "建国", "志强", "永福", "德明", "文亮", "家顺", "正才", "金海", "学军", "开明", "光荣",
    "成林", "世平", "万福", "继红",
];
const FEMALE: [&str; 16] = [
    "秀英", "桂芬", "玉兰", "丽", "红梅", "春花", "美芬", "凤英", "建芬", "小燕", "丽萍", "金莲",
    "会芬", "云", "海燕", "晓梅",
];
const ETHNICITIES: [&str; 4] = ["汉族", "彝族", "汉族", "布依族"];
const UNITS: [&str; 4] = ["县农业农村局", "县教育体育局", "县卫生健康局", "镇人民政府"];

fn name(rng: &mut StdRng, surname: &str, male: bool) -> String {
    let given = if male {
        MALE[rng.gen_range(0..MALE.len())]
    } else {
        FEMALE[rng.gen_range(0..FEMALE.len())]
    };
    format!("{surname}{given}")
}

fn id_number(rng: &mut StdRng, birth: NaiveDate, male: bool) -> String {
    let mut seq: u16 = rng.gen_range(1..999);
    if (seq % 2 == 1) != male {
        seq = if seq >= 998 { seq - 1 } else { seq + 1 };
    }
    IdNumber::from_parts(COUNTY, birth, seq)
        .map(|id| id.as_str().to_owned())
        .unwrap_or_default()
}

/// A birth date that makes someone `age` years old on `today`.
fn birth(rng: &mut StdRng, today: NaiveDate, age: i32) -> NaiveDate {
    let birthday = today
        .with_year(today.year() - age)
        .unwrap_or(today - chrono::Days::new(1));
    birthday - chrono::Days::new(rng.gen_range(0..364))
}

fn member(
    rng: &mut StdRng,
    today: NaiveDate,
    surname: &str,
    relation: &str,
    male: bool,
    age: i32,
) -> Value {
    let b = birth(rng, today, age);
    let chronic = age > 50 && rng.gen_bool(0.25);
    let serious = rng.gen_bool(0.03);
    let disability =
        (rng.gen_bool(0.04)).then(|| json!({"kind": "physical", "grade": rng.gen_range(1..=4)}));
    let (student, education) = match age {
        0..=5 => ("not_student", "preschool_child"),
        6..=11 => ("primary", "primary"),
        12..=14 => ("junior_secondary", "junior_secondary"),
        15..=17 => (
            if rng.gen_bool(0.5) {
                "senior_secondary"
            } else {
                "secondary_vocational"
            },
            "junior_secondary",
        ),
        18..=21 if rng.gen_bool(0.3) => ("undergraduate_or_above", "senior_secondary"),
        _ => (
            "not_student",
            [
                "illiterate",
                "primary",
                "junior_secondary",
                "senior_secondary",
            ][rng.gen_range(0..4)],
        ),
    };
    let working = (18..=60).contains(&age) && student == "not_student";
    let labour = if !working {
        "none"
    } else if disability.is_some() || serious {
        "weak"
    } else if rng.gen_bool(0.2) {
        "skilled"
    } else {
        "ordinary"
    };
    let work = (working && rng.gen_bool(0.6)).then(|| {
        let place = [
            "within_county",
            "outside_county_in_province",
            "outside_province",
        ][rng.gen_range(0..3)];
        json!({"place": place, "months": rng.gen_range(3..=12)})
    });
    json!({
        "name": name(rng, surname, male),
        "sex": if male { "male" } else { "female" },
        "id_number": id_number(rng, b, male),
        "relation": relation,
        "ethnicity": ETHNICITIES[rng.gen_range(0..ETHNICITIES.len())],
        "education": education,
        "student_status": student,
        "health": {"chronic_illness": chronic, "serious_illness": serious, "disability": disability},
        "labour_capacity": labour,
        "skill": if labour == "skilled" { json!("建筑瓦工") } else { Value::Null },
        "work": work,
        "medical_insurance": if rng.gen_bool(0.98) { "resident" } else { "none" },
        "serious_illness_insurance": true,
        "pension_insurance": if age >= 16 && student == "not_student" { "resident" } else { "none" },
        "family_doctor_signed": chronic || serious || rng.gen_bool(0.6),
        "dibao": false,
        "tekun": false,
        "relocated": false,
        "public_welfare_job": false,
    })
}

fn helper(rng: &mut StdRng, year: i32) -> Value {
    let surname = SURNAMES[rng.gen_range(0..SURNAMES.len())];
    let male = rng.gen_bool(0.5);
    json!({
        "name": name(rng, surname, male),
        "unit": UNITS[rng.gen_range(0..UNITS.len())],
        "phone": format!("138{:08}", rng.gen_range(0..100_000_000u64)),
        "start": format!("{year}-03-01"),
        "end": null
    })
}

/// Generates a township of about `households` households in 12 villages of 3 办事处, as of
/// `today`, for the income year before `today`'s.
pub fn generate(seed: u64, households: usize, today: NaiveDate) -> Township {
    let mut rng = StdRng::seed_from_u64(seed);
    let villages: Vec<Village> = VILLAGES
        .iter()
        .enumerate()
        .map(|(i, n)| Village {
            code: format!("{TOWNSHIP}{:03}", 201 + i),
            name: (*n).to_owned(),
        })
        .collect();
    let offices: Vec<Office> = OFFICES
        .iter()
        .enumerate()
        .map(|(i, n)| Office {
            name: (*n).to_owned(),
            villages: villages[i * 4..i * 4 + 4]
                .iter()
                .map(|v| v.code.clone())
                .collect(),
        })
        .collect();
    let year = today.year() - 1;
    let mut out = Vec::with_capacity(households);
    for n in 0..households {
        let village = &villages[n % villages.len()];
        let surname = SURNAMES[rng.gen_range(0..SURNAMES.len())];
        let head_age = rng.gen_range(28..80);
        let head_male = rng.gen_bool(0.85);
        let mut members = vec![member(
            &mut rng, today, surname, "head", head_male, head_age,
        )];
        if head_age < 75 && rng.gen_bool(0.85) {
            let spouse_surname = SURNAMES[rng.gen_range(0..SURNAMES.len())];
            let age = head_age - rng.gen_range(-3..6);
            members.push(member(
                &mut rng,
                today,
                spouse_surname,
                "spouse",
                !head_male,
                age,
            ));
        }
        for _ in 0..rng.gen_range(0..4) {
            let male = rng.gen_bool(0.5);
            let age = (head_age - rng.gen_range(20..35)).max(0);
            members.push(member(
                &mut rng,
                today,
                surname,
                if male { "son" } else { "daughter" },
                male,
                age,
            ));
        }
        if head_age < 50 && rng.gen_bool(0.3) {
            let age = head_age + rng.gen_range(22..30);
            members.push(member(&mut rng, today, surname, "father", true, age));
        }
        let size = members.len() as i64;
        let kind = match rng.gen_range(0..100) {
            0..=24 => "formerly_poor",
            25..=29 => "monitored",
            _ => "ordinary",
        };
        // Per-capita net income mostly above the 6,500-yuan line, some near or below it.
        let per_capita_yuan: i64 = match rng.gen_range(0..100) {
            0..=7 => rng.gen_range(3_000..6_500),
            8..=17 => rng.gen_range(6_500..7_200),
            _ => rng.gen_range(7_200..25_000),
        };
        let net = per_capita_yuan * 100 * size;
        let business_spending = rng.gen_range(0..=net / 5);
        let wage = (net + business_spending) * rng.gen_range(40..80) / 100;
        let transfer = (net + business_spending) * rng.gen_range(5..15) / 100;
        let property = rng
            .gen_range(0..50_000)
            .min((net + business_spending - wage - transfer).max(0));
        let business = net + business_spending - wage - transfer - property;
        let medical = if rng.gen_bool(0.05) {
            rng.gen_range(1_000_000..4_000_000)
        } else {
            rng.gen_range(0..300_000)
        };
        let prev_factor = rng.gen_range(80..130);
        let house =
            ["A", "A", "B", "B", "B", "B", "B", "C", "B", "A", "B", "D"][rng.gen_range(0..12)];
        let water_bad = rng.gen_bool(0.03);
        let doc = json!({
            "household": {
                "id": format!("{}{:04}", village.code, n / villages.len() + 1),
                "area": {"code": village.code, "version_year": year},
                "group": format!("{}组", rng.gen_range(1..=8)),
                "natural_village": village.name.trim_end_matches('村'),
                "address": format!("{}{}组{}号", village.name, rng.gen_range(1..=8), rng.gen_range(1..=120)),
                "household_type": kind,
                "monitoring_type": if kind == "monitored" { json!("marginal_at_risk") } else { Value::Null },
                "phone": format!("139{:08}", rng.gen_range(0..100_000_000u64)),
                "house_safety": house,
                "cultivated_land_hundredths_mu": rng.gen_range(0..1_200),
                "road_access": if rng.gen_bool(0.9) { "hardened_to_door" } else { "hardened_to_group" },
                "drinking_water": {
                    "quantity": "met",
                    "convenience": if water_bad { "not_met" } else { "met" },
                    "reliability": "basically_met",
                    "quality": "met"
                },
                "helper": if kind != "ordinary" {
                    helper(&mut rng, year)
                } else { Value::Null },
                "risk_types": []
            },
            "members": members,
            "income": {
                "current": {"year": year, "wage_fen": wage, "business_fen": business, "property_fen": property, "transfer_fen": transfer, "business_spending_fen": business_spending, "medical_out_of_pocket_fen": medical},
                "previous": {"year": year - 1, "wage_fen": wage * prev_factor / 100, "business_fen": business, "property_fen": property, "transfer_fen": transfer, "business_spending_fen": business_spending, "medical_out_of_pocket_fen": medical / 2}
            },
            "basic_needs": {"food_secure": true, "clothing_secure": true}
        });
        let mut problems = Vec::new();
        let deadline = today + chrono::Days::new(rng.gen_range(5..60));
        if house == "C" || house == "D" {
            problems.push(Problem {
                problem_type: "housing".into(),
                description: format!("住房鉴定为{house}级危房，仍在居住"),
                measure: "实施危房改造，改造期间安排安全住房".into(),
                responsible_unit: "县住房和城乡建设局".into(),
                deadline,
                progress: rng.gen_range(0..4),
            });
        }
        if water_bad {
            problems.push(Problem {
                problem_type: "drinking_water".into(),
                description: "取水往返超过20分钟，用水方便程度不达标".into(),
                measure: "管网延伸入户".into(),
                responsible_unit: "县水务局".into(),
                deadline,
                progress: rng.gen_range(0..4),
            });
        }
        let screened_on = rng
            .gen_bool(0.65)
            .then(|| today - chrono::Days::new(rng.gen_range(0..25)));
        out.push(DemoHousehold {
            doc,
            problems,
            screened_on,
        });
    }
    Township {
        offices,
        villages,
        households: out,
    }
}

/// Validates a generated household as the domain would at the door.
pub fn check(h: &DemoHousehold, today: NaiveDate) -> Result<HouseholdRecord, String> {
    let record: HouseholdRecord =
        serde_json::from_value(h.doc.clone()).map_err(|e| e.to_string())?;
    record.validate(today).map_err(|e| e.to_string())?;
    Ok(record)
}

/// The changes that create the township's rows, as `device` of `user` writes them at
/// `wall_ms`, in batches that never split a household (so every row's village is known).
pub fn changes(
    town: &Township,
    device: uuid::Uuid,
    user: uuid::Uuid,
    wall_ms: u64,
) -> Vec<Vec<fangpin_sync::Change>> {
    use fangpin_sync::{DeviceId, LedgerState, LedgerStatus, Replica, RowKey, UserId, Writer};
    let mut writer = Writer::new(DeviceId(device), UserId(user));
    let mut batches = Vec::new();
    let mut batch: Vec<fangpin_sync::Change> = Vec::new();
    for h in &town.households {
        // Each household in its own replica: only creations, so no parents to track across.
        let mut replica = Replica::new(fangpin_catalogue::schema().clone());
        let n = h.doc["members"].as_array().map_or(0, Vec::len);
        let ids = crate::rows::RecordIds::new(n);
        let Ok(rows) = crate::rows::to_rows(&h.doc, &ids) else {
            continue;
        };
        for (row, fields) in rows {
            let mut fields: Vec<(&str, Value)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.clone()))
                .collect();
            if let (crate::rows::HOUSEHOLD, Some(on)) = (row.table.as_str(), h.screened_on) {
                fields.push(("screened_on", json!(on.to_string())));
                fields.push(("screened_by", json!("村干部")));
            }
            batch.extend(writer.create(&mut replica, &row, &fields, wall_ms));
        }
        for p in &h.problems {
            let row = RowKey::new(crate::rows::LEDGER_ITEM, uuid::Uuid::now_v7());
            let fields = [
                ("household_id", json!(ids.household.to_string())),
                ("village_code", h.doc["household"]["area"]["code"].clone()),
                ("source", json!("self_check")),
                ("problem_type", json!(p.problem_type)),
                ("description", json!(p.description)),
                ("measure", json!(p.measure)),
                ("responsible_unit", json!(p.responsible_unit)),
                ("deadline", json!(p.deadline.to_string())),
            ];
            batch.extend(writer.create(&mut replica, &row, &fields, wall_ms));
            let path = [
                LedgerState::Found,
                LedgerState::InProgress,
                LedgerState::Rectified,
                LedgerState::Closed,
            ];
            for state in path.iter().take(p.progress as usize + 1) {
                if let Ok(c) = writer.transition(
                    &mut replica,
                    &row,
                    "status",
                    LedgerStatus::new(1, *state),
                    wall_ms,
                ) {
                    batch.push(c);
                }
            }
        }
        if batch.len() >= 2_000 {
            batches.push(std::mem::take(&mut batch));
        }
    }
    if !batch.is_empty() {
        batches.push(batch);
    }
    batches
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_generated_household_validates_and_the_township_is_realistic() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        let t = generate(7, 600, today);
        assert_eq!(t.offices.len(), 3);
        assert_eq!(t.villages.len(), 12);
        assert_eq!(t.households.len(), 600);
        for h in &t.households {
            check(h, today).unwrap_or_else(|e| panic!("{e}: {}", h.doc));
        }
        let formerly_poor = t
            .households
            .iter()
            .filter(|h| h.doc["household"]["household_type"] == "formerly_poor")
            .count();
        assert!((100..200).contains(&formerly_poor), "{formerly_poor}");
        assert!(t.households.iter().any(|h| !h.problems.is_empty()));
        for batch in changes(&t, uuid::Uuid::from_u128(1), uuid::Uuid::from_u128(2), 1) {
            for c in batch {
                fangpin_catalogue::check_change(&c).unwrap_or_else(|e| {
                    panic!(
                        "{}.{}: {}",
                        c.row.table,
                        c.field,
                        e.reason(&c.row.table, &c.field)
                    )
                });
            }
        }
        let again = generate(7, 600, today);
        assert_eq!(
            again.households[599].doc, t.households[599].doc,
            "deterministic for a seed"
        );
    }
}
