//! Every synced record type of fangpin, declared once.
//!
//! A [`Table`] names its rows' table, how a row finds its village (its own `village_code`, or
//! its household's through `household_id`), and its [`Field`]s; a field has its merge rule
//! (register, status machine, append-only log), its [`Kind`] (type, range, size), the columns
//! the screens search it by, whether it is sensitive personal information, and its Chinese
//! label. From this one declaration come the merge engine's [`Schema`], the device store's
//! tables and search columns, the service's scope rules, value checks and read model, the
//! Chinese labels in Rust and TypeScript ([`typescript`]) and docs/data-dictionary.md
//! ([`data_dictionary`]); tests in the store, the service and the UI fail when either side
//! drifts. Pure: no I/O.

mod docs;
pub mod kind;
mod tables;
pub mod vocab;

use fangpin_sync::{Change, FieldRule, Op, Schema, ALIVE};
use serde_json::Value;

pub use docs::{data_dictionary, typescript};
pub use kind::{depth, Kind, Shape, ValueError, MAX_DEPTH, MAX_FEN};
pub use tables::TABLES;
pub use vocab::Vocabulary;

/// Where the UI's generated labels module lives, relative to the repository.
pub const TYPESCRIPT_LABELS: &str = "ui/shared/src/labels.generated.ts";

/// The household table: its rows carry their own village code.
pub const HOUSEHOLD: &str = "household";
/// The household field that holds its 12-digit village code.
pub const VILLAGE_CODE: &str = "village_code";
/// The field by which every other row belongs to a household.
pub const HOUSEHOLD_ID: &str = "household_id";

/// How a row finds its village, which decides who may see and write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Village {
    /// From its own field (a household's `village_code`).
    Own(&'static str),
    /// From the household its field names (`household_id`).
    Household(&'static str),
}

/// Where a search column's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The field's value.
    Value,
    /// A key inside the field's object value.
    Key(&'static str),
    /// The text reversed, so its last characters are an indexed prefix (identity numbers).
    Reversed,
}

/// The SQL type of a search column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlType {
    /// Text.
    Text,
    /// A whole number.
    Integer,
}

/// A column the screens, reports and queries search a field by, on the device and the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The column's name.
    pub name: &'static str,
    /// Where its value comes from.
    pub source: Source,
    /// Its SQL type.
    pub sql: SqlType,
}

/// One synced field.
#[derive(Debug)]
pub struct Field {
    /// The name in changes and rows.
    pub name: &'static str,
    /// The Chinese label shown to people.
    pub label_zh: &'static str,
    /// The merge rule.
    pub rule: FieldRule,
    /// The type of its value (of each entry, for an append-only log).
    pub kind: Kind,
    /// Columns the field is searched by.
    pub columns: &'static [Column],
    /// Sensitive personal information (个人信息保护法): identity numbers, phones, health, money.
    pub sensitive: bool,
    /// Whether the field may be null.
    pub nullable: bool,
    /// The roles that may write it; empty: every role that edits household data.
    pub written_by: &'static [fangpin_domain::role::Role],
}

/// One synced table.
#[derive(Debug)]
pub struct Table {
    /// The name in changes and rows.
    pub name: &'static str,
    /// The Chinese name.
    pub label_zh: &'static str,
    /// What the table holds, for the data dictionary.
    pub about: &'static str,
    /// How a row finds its village.
    pub village: Village,
    /// The roles that may create and delete its rows; empty: every role that edits household
    /// data.
    pub written_by: &'static [fangpin_domain::role::Role],
    /// Its fields (the row's existence, [`ALIVE`], is implicit in every table).
    pub fields: &'static [Field],
}

impl Table {
    /// A field by name.
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Every search column with its field.
    pub fn columns(&self) -> impl Iterator<Item = (&'static Field, &'static Column)> {
        self.fields
            .iter()
            .flat_map(|f| f.columns.iter().map(move |c| (f, c)))
    }
}

/// A search column's value, as both the device store and the service write it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    /// No value.
    Null,
    /// Text (objects and lists as their JSON).
    Text(String),
    /// A whole number.
    Integer(i64),
}

/// A text reversed and upper-cased, so its last characters are an indexed prefix (identity
/// numbers end in a digit or X).
pub fn reversed(s: &str) -> String {
    s.chars().rev().flat_map(char::to_uppercase).collect()
}

/// The value of a search column, given its field's current value.
pub fn cell(column: &Column, value: Option<&Value>) -> Cell {
    let v = match column.source {
        Source::Value | Source::Reversed => value,
        Source::Key(k) => value.and_then(|v| v.get(k)),
    };
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Cell::Null;
    };
    match (column.sql, column.source) {
        (SqlType::Integer, _) => v.as_i64().map_or(Cell::Null, Cell::Integer),
        (SqlType::Text, Source::Reversed) => {
            v.as_str().map_or(Cell::Null, |s| Cell::Text(reversed(s)))
        }
        (SqlType::Text, _) => Cell::Text(match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }),
    }
}

/// Every synced table.
pub fn tables() -> &'static [Table] {
    TABLES
}

/// A table by name.
pub fn table(name: &str) -> Option<&'static Table> {
    TABLES.iter().find(|t| t.name == name)
}

/// A field of a table.
pub fn field(table_name: &str, field_name: &str) -> Option<&'static Field> {
    table(table_name)?.field(field_name)
}

/// The merge rules of every synced field, for the engine.
pub fn schema() -> &'static Schema {
    static SCHEMA: std::sync::OnceLock<Schema> = std::sync::OnceLock::new();
    SCHEMA.get_or_init(|| {
        let mut s = Schema::new();
        for t in TABLES {
            for f in t.fields {
                if f.rule != FieldRule::Register {
                    s = s.with(t.name, f.name, f.rule);
                }
            }
        }
        s
    })
}

/// The Chinese label of a field; the row's existence is 记录是否保留. Unknown fields get a
/// generic label, never their internal name.
pub fn label_zh(table_name: &str, field_name: &str) -> &'static str {
    if field_name == ALIVE {
        return "记录是否保留";
    }
    field(table_name, field_name).map_or("其他信息", |f| f.label_zh)
}

/// The most bytes a table or field name may have.
pub const MAX_NAME_BYTES: usize = 64;

/// Why a change does not fit the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeError {
    /// The table is not a synced table.
    UnknownTable,
    /// The field is not a field of the table.
    UnknownField,
    /// The value does not fit the field.
    Value(ValueError),
}

impl ChangeError {
    /// A stable code for the wire and the UI.
    pub fn code(&self) -> &'static str {
        match self {
            ChangeError::UnknownTable => "unknown_table",
            ChangeError::UnknownField => "unknown_field",
            ChangeError::Value(e) => e.code,
        }
    }

    /// What is wrong, in English, naming the table and field.
    pub fn reason(&self, table_name: &str, field_name: &str) -> String {
        let clip = |s: &str| {
            s.chars()
                .take(MAX_NAME_BYTES)
                .map(|c| if c.is_control() { '?' } else { c })
                .collect::<String>()
        };
        match self {
            ChangeError::UnknownTable => format!("{} is not a synced table", clip(table_name)),
            ChangeError::UnknownField => format!(
                "{} is not a field of {}",
                clip(field_name),
                clip(table_name)
            ),
            ChangeError::Value(e) => {
                format!("{}.{}: {}", clip(table_name), clip(field_name), e.reason)
            }
        }
    }
}

/// Checks one change against the catalogue: the table and field exist, and the value (the
/// entry, for an append) fits the field's kind. The operation's fit to the merge rule and the
/// status machine are the engine's checks ([`fangpin_sync::validate`]).
pub fn check_change(c: &Change) -> Result<(), ChangeError> {
    let t = table(&c.row.table).ok_or(ChangeError::UnknownTable)?;
    if c.field == ALIVE {
        return Ok(());
    }
    let f = t.field(&c.field).ok_or(ChangeError::UnknownField)?;
    match &c.op {
        Op::Set { value } | Op::Append { value } => {
            check_value(f, value).map_err(ChangeError::Value)
        }
        Op::Transition { .. } => Ok(()),
    }
}

/// Whether `role` may write `field` of `table` (the row's existence, [`ALIVE`], by the table's
/// writers); unknown tables and fields are the value check's to refuse.
pub fn may_write(table_name: &str, field_name: &str, role: fangpin_domain::role::Role) -> bool {
    let Some(t) = table(table_name) else {
        return true;
    };
    let writers = if field_name == ALIVE {
        t.written_by
    } else {
        t.field(field_name).map_or(&[][..], |f| f.written_by)
    };
    writers.is_empty() || writers.contains(&role)
}

/// Checks a value for a field: its nesting, null where allowed, then its kind.
pub fn check_value(f: &Field, v: &Value) -> Result<(), ValueError> {
    if depth(v) > MAX_DEPTH {
        return Err(ValueError {
            code: "too_deep",
            reason: format!("nested deeper than {MAX_DEPTH}"),
        });
    }
    if v.is_null() {
        return if f.nullable {
            Ok(())
        } else {
            Err(ValueError {
                code: "wrong_type",
                reason: "may not be null".into(),
            })
        };
    }
    f.kind.check(v)
}

/// The household a row names (its `household_id`), for rows that belong to one.
pub fn household_of(table_name: &str, field_name: &str, value: &Value) -> Option<uuid::Uuid> {
    match table(table_name)?.village {
        Village::Household(f) if f == field_name => value.as_str()?.parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_short() {
        let mut names = std::collections::BTreeSet::new();
        for t in TABLES {
            assert!(names.insert(t.name), "table {} twice", t.name);
            assert!(t.name.len() <= MAX_NAME_BYTES);
            let mut fields = std::collections::BTreeSet::new();
            let mut cols = std::collections::BTreeSet::new();
            for f in t.fields {
                assert!(fields.insert(f.name), "{}.{} twice", t.name, f.name);
                assert!(!f.label_zh.is_empty() && f.name.len() <= MAX_NAME_BYTES);
                for c in f.columns {
                    assert!(cols.insert(c.name), "{}: column {} twice", t.name, c.name);
                }
            }
            match t.village {
                Village::Own(f) | Village::Household(f) => {
                    assert!(t.field(f).is_some(), "{}: village field {f}", t.name)
                }
            }
        }
    }

    #[test]
    fn the_schema_names_the_non_register_fields() {
        let s = schema();
        assert_eq!(s.rule("ledger_item", "status"), FieldRule::Status);
        assert_eq!(s.rule("ledger_item", "evidence"), FieldRule::AppendLog);
        assert_eq!(s.rule("household", "visit_notes"), FieldRule::AppendLog);
        assert_eq!(s.rule("household", "phone"), FieldRule::Register);
    }
}
