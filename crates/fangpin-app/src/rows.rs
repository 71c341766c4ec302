//! A household as synced rows, and back.
//!
//! The household row carries the household object's fields (its `id` as `hubianhao`, its area
//! as `village_code` and `area_version_year`), the head's name and
//! identity number for search, and `basic_needs`; each member is a `member` row and each year's
//! income an `income_year` row, both naming their `household_id`.
//! Derived values (net income, per-capita income, the assessment) are never rows.

use fangpin_domain::HouseholdRecord;
use fangpin_sync::RowKey;
use serde_json::{Map, Value};
use uuid::Uuid;

/// The table of households.
pub const HOUSEHOLD: &str = "household";
/// The table of household members.
pub const MEMBER: &str = "member";
/// The table of a household's income and spending for one year.
pub const INCOME_YEAR: &str = "income_year";
/// The table of problem-ledger items.
pub const LEDGER_ITEM: &str = "ledger_item";

/// Fields of the household row that are not part of the JSON form: when and by whom it was
/// last screened, the visit notes, and what the procedures decided (识别监测时间, 消除监测时间 and
/// the method), which only a procedure's decision writes.
pub const HOUSEHOLD_ROW_ONLY: &[&str] = &[
    "screened_on",
    "screened_by",
    "visit_notes",
    "monitoring_since",
    "risk_eliminated_on",
    "elimination_method",
];

/// A row and the fields to write.
pub type RowFields = (RowKey, Vec<(String, Value)>);

/// Why a set of rows is not a household.
#[derive(Debug, thiserror::Error)]
pub enum RowsError {
    /// A field of the JSON form is missing or has the wrong shape.
    #[error("{0}: missing or not of the expected shape")]
    Shape(String),
    /// The assembled JSON is not a valid household record.
    #[error("household record: {0}")]
    Record(#[from] serde_json::Error),
}

/// The ids of a household's rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordIds {
    /// The household row.
    pub household: Uuid,
    /// One per member, in order.
    pub members: Vec<Uuid>,
    /// This year's and last year's income rows.
    pub income: Vec<Uuid>,
}

impl RecordIds {
    /// New ids (UUID v7) for a household with `members` members.
    pub fn new(members: usize) -> Self {
        Self {
            household: Uuid::now_v7(),
            members: (0..members).map(|_| Uuid::now_v7()).collect(),
            income: vec![Uuid::now_v7(), Uuid::now_v7()],
        }
    }
}

fn object<'a>(v: &'a Value, path: &str) -> Result<&'a Map<String, Value>, RowsError> {
    v.as_object()
        .ok_or_else(|| RowsError::Shape(path.to_owned()))
}

/// Splits a household in its JSON form into rows.
pub fn to_rows(doc: &Value, ids: &RecordIds) -> Result<Vec<RowFields>, RowsError> {
    let household = object(&doc["household"], "household")?;
    let mut fields: Vec<(String, Value)> = Vec::new();
    for (k, v) in household {
        match k.as_str() {
            "id" => fields.push(("hubianhao".into(), v.clone())),
            "area" => {
                let area = object(v, "household.area")?;
                fields.push((
                    "village_code".into(),
                    area.get("code").cloned().unwrap_or(Value::Null),
                ));
                fields.push((
                    "area_version_year".into(),
                    area.get("version_year").cloned().unwrap_or(Value::Null),
                ));
            }
            _ => fields.push((k.clone(), v.clone())),
        }
    }
    let members = doc["members"]
        .as_array()
        .ok_or_else(|| RowsError::Shape("members".into()))?;
    if let Some(head) = members.iter().find(|m| m["relation"] == "head") {
        fields.push(("head_name".into(), head["name"].clone()));
        fields.push(("head_id_number".into(), head["id_number"].clone()));
    }
    fields.push(("basic_needs".into(), doc["basic_needs"].clone()));
    let hid = Value::String(ids.household.to_string());
    let mut out = vec![(RowKey::new(HOUSEHOLD, ids.household), fields)];
    if ids.members.len() != members.len() {
        return Err(RowsError::Shape("members: one id per member".into()));
    }
    for (i, (m, id)) in members.iter().zip(&ids.members).enumerate() {
        let mut f = vec![
            ("household_id".to_owned(), hid.clone()),
            ("position".to_owned(), Value::from(i)),
        ];
        f.extend(
            object(m, &format!("members[{i}]"))?
                .iter()
                .map(|(k, v)| (k.clone(), v.clone())),
        );
        out.push((RowKey::new(MEMBER, *id), f));
    }
    for (key, id) in ["current", "previous"].iter().zip(&ids.income) {
        let year = &doc["income"][key];
        if year.is_null() {
            continue;
        }
        let mut f = vec![
            ("household_id".to_owned(), hid.clone()),
            ("period".to_owned(), Value::from(*key)),
        ];
        f.extend(
            object(year, &format!("income.{key}"))?
                .iter()
                .map(|(k, v)| (k.clone(), v.clone())),
        );
        out.push((RowKey::new(INCOME_YEAR, *id), f));
    }
    Ok(out)
}

fn strip(fields: &Map<String, Value>, drop: &[&str]) -> Map<String, Value> {
    fields
        .iter()
        .filter(|(k, _)| !drop.contains(&k.as_str()) && !k.starts_with('$'))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Puts a household's JSON form together from its rows' current values.
pub fn from_rows(
    household: &Map<String, Value>,
    members: &[Map<String, Value>],
    incomes: &[Map<String, Value>],
) -> Result<Value, RowsError> {
    let mut h = strip(
        household,
        &[
            "hubianhao",
            "village_code",
            "area_version_year",
            "head_name",
            "head_id_number",
            "basic_needs",
        ],
    );
    for f in HOUSEHOLD_ROW_ONLY {
        h.remove(*f);
    }
    h.insert(
        "id".into(),
        household.get("hubianhao").cloned().unwrap_or(Value::Null),
    );
    h.insert(
        "group".into(),
        household.get("group").cloned().unwrap_or(Value::Null),
    );
    let mut area = Map::new();
    area.insert(
        "code".into(),
        household
            .get("village_code")
            .cloned()
            .unwrap_or(Value::Null),
    );
    area.insert(
        "version_year".into(),
        household
            .get("area_version_year")
            .cloned()
            .unwrap_or(Value::Null),
    );
    h.insert("area".into(), Value::Object(area));
    let mut ordered: Vec<&Map<String, Value>> = members.iter().collect();
    ordered.sort_by_key(|m| {
        m.get("position")
            .and_then(Value::as_u64)
            .unwrap_or(u64::MAX)
    });
    let members: Vec<Value> = ordered
        .into_iter()
        .map(|m| Value::Object(strip(m, &["household_id", "position"])))
        .collect();
    let mut income = Map::new();
    for y in incomes {
        if let Some(period) = y.get("period").and_then(Value::as_str) {
            income.insert(
                period.to_owned(),
                Value::Object(strip(y, &["household_id", "period"])),
            );
        }
    }
    let mut doc = Map::new();
    doc.insert("household".into(), Value::Object(h));
    doc.insert("members".into(), Value::Array(members));
    doc.insert("income".into(), Value::Object(income));
    doc.insert(
        "basic_needs".into(),
        household.get("basic_needs").cloned().unwrap_or(Value::Null),
    );
    Ok(Value::Object(doc))
}

/// Where a row's field sits in the household's JSON form, as a JSON pointer (`/members/2/name`),
/// given the rows behind the form: the inverse of [`to_rows`]. `None` for what the form does
/// not show as such: the household row's search columns and screening marks, a child row's
/// `household_id` and order, and rows that are not behind the form.
pub fn form_pointer(
    table: &str,
    id: Uuid,
    field: &str,
    row_ids: &crate::field::FormRowIds,
) -> Option<String> {
    match table {
        HOUSEHOLD if row_ids.household == Some(id) => match field {
            "hubianhao" => Some("/household/id".into()),
            "village_code" => Some("/household/area/code".into()),
            "area_version_year" => Some("/household/area/version_year".into()),
            "basic_needs" => Some("/basic_needs".into()),
            "head_name" | "head_id_number" => None,
            f if HOUSEHOLD_ROW_ONLY.contains(&f) || f.starts_with('$') => None,
            f => Some(format!("/household/{f}")),
        },
        MEMBER => {
            let i = row_ids.members.iter().position(|m| *m == Some(id))?;
            match field {
                "household_id" | "position" => None,
                f if f.starts_with('$') => None,
                f => Some(format!("/members/{i}/{f}")),
            }
        }
        INCOME_YEAR => {
            let (period, _) = row_ids.income.iter().find(|(_, r)| **r == id)?;
            match field {
                "household_id" | "period" => None,
                f if f.starts_with('$') => None,
                f => Some(format!("/income/{period}/{f}")),
            }
        }
        _ => None,
    }
}

/// The household record of a set of rows, ready to validate and assess.
pub fn record_from_rows(
    household: &Map<String, Value>,
    members: &[Map<String, Value>],
    incomes: &[Map<String, Value>],
) -> Result<HouseholdRecord, RowsError> {
    Ok(serde_json::from_value(from_rows(
        household, members, incomes,
    )?)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../../../docs/examples/household.json");

    #[test]
    fn the_example_household_round_trips_through_rows() {
        let doc: Value = serde_json::from_str(EXAMPLE).unwrap();
        let n = doc["members"].as_array().unwrap().len();
        let ids = RecordIds::new(n);
        let rows = to_rows(&doc, &ids).unwrap();
        assert_eq!(rows.len(), 1 + n + 2);
        let map =
            |fields: &Vec<(String, Value)>| fields.iter().cloned().collect::<Map<String, Value>>();
        let household = map(&rows[0].1);
        assert_eq!(household["village_code"], "530325101201");
        assert_eq!(household["head_name"], "张国华");
        let mut members: Vec<Map<String, Value>> = rows[1..=n].iter().map(|r| map(&r.1)).collect();
        members.reverse(); // order comes from `position`, not from row order
        let incomes: Vec<Map<String, Value>> = rows[n + 1..].iter().map(|r| map(&r.1)).collect();
        let back = from_rows(&household, &members, &incomes).unwrap();
        assert_eq!(back, doc);
        let record = record_from_rows(&household, &members, &incomes).unwrap();
        assert_eq!(record.members.len(), n);
    }

    #[test]
    fn every_field_of_the_rows_is_found_where_the_form_has_it() {
        let doc: Value = serde_json::from_str(EXAMPLE).unwrap();
        let n = doc["members"].as_array().unwrap().len();
        let ids = RecordIds::new(n);
        let row_ids = crate::field::FormRowIds {
            household: Some(ids.household),
            members: ids.members.iter().copied().map(Some).collect(),
            income: [
                ("current".to_owned(), ids.income[0]),
                ("previous".to_owned(), ids.income[1]),
            ]
            .into_iter()
            .collect(),
        };
        let mut found = 0;
        for (key, fields) in to_rows(&doc, &ids).unwrap() {
            for (field, value) in fields {
                match form_pointer(&key.table, key.id, &field, &row_ids) {
                    Some(p) => {
                        assert_eq!(
                            doc.pointer(&p),
                            Some(&value),
                            "{} {field} at {p}",
                            key.table
                        );
                        found += 1;
                    }
                    None => assert!(
                        [
                            "head_name",
                            "head_id_number",
                            "household_id",
                            "position",
                            "period"
                        ]
                        .contains(&field.as_str()),
                        "{} {field} has no place on the form",
                        key.table
                    ),
                }
            }
        }
        assert!(found > 40, "{found}");
        let stranger = Uuid::now_v7();
        assert_eq!(form_pointer(MEMBER, stranger, "name", &row_ids), None);
        assert_eq!(
            form_pointer(HOUSEHOLD, ids.household, "screened_on", &row_ids),
            None
        );
    }
}
