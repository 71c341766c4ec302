//! Materialised rows: one current-value row per synced record in its domain table, recomputed
//! from the registers' views after every save or pulled change, with the columns the screens
//! search on pulled out of the fields; and the row's open conflicts, recomputed with the
//! engine's [`row_conflicts`].

use std::collections::HashMap;

use fangpin_sync::replica::row_conflicts;
use fangpin_sync::{Register, RowKey, Schema, Value, ALIVE};
use rusqlite::types::Value as Sql;
use rusqlite::{params, Connection, OptionalExtension};
use uuid::Uuid;

use crate::error::StoreError;

/// Where a searchable column's value comes from.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Col {
    /// A field's value.
    Field(&'static str),
    /// A key inside a field's object value.
    Sub(&'static str, &'static str),
    /// A text field reversed and upper-cased, so its last characters are an indexed prefix.
    Reversed(&'static str),
}

/// A searchable column: its name and where its value comes from.
pub(crate) type ColSpec = (&'static str, Col);

/// A domain table: its name and its searchable columns.
pub(crate) struct TableSpec {
    pub name: &'static str,
    pub cols: &'static [(&'static str, Col)],
}

use Col::{Field, Reversed, Sub};

/// Every synced domain table with a materialised row. Every table also has the columns
/// `id, alive, household_id, data, conflicted, updated_ms`.
pub(crate) const TABLES: &[TableSpec] = &[
    TableSpec {
        name: "household",
        cols: &[
            ("village_code", Field("village_code")),
            ("group_name", Field("group")),
            ("hubianhao", Field("hubianhao")),
            ("head_name", Field("head_name")),
            ("head_id_number", Field("head_id_number")),
            ("head_id_rev", Reversed("head_id_number")),
            ("household_type", Field("household_type")),
            ("monitoring_type", Field("monitoring_type")),
        ],
    },
    TableSpec {
        name: "member",
        cols: &[
            ("name", Field("name")),
            ("id_number", Field("id_number")),
            ("id_rev", Reversed("id_number")),
            ("relation", Field("relation")),
        ],
    },
    TableSpec {
        name: "income_year",
        cols: &[("year", Field("year"))],
    },
    TableSpec {
        name: "indicator",
        cols: &[
            ("indicator", Field("indicator")),
            ("status", Field("status")),
        ],
    },
    TableSpec {
        name: "risk",
        cols: &[("risk_type", Field("risk_type"))],
    },
    TableSpec {
        name: "measure",
        cols: &[("kind", Field("kind")), ("status", Field("status"))],
    },
    TableSpec {
        name: "visit",
        cols: &[("visited_on", Field("visited_on"))],
    },
    TableSpec {
        name: "ledger_item",
        cols: &[
            ("village_code", Field("village_code")),
            ("status_state", Sub("status", "state")),
            ("status_round", Sub("status", "round")),
            ("deadline", Field("deadline")),
        ],
    },
    TableSpec {
        name: "procedure",
        cols: &[("kind", Field("kind"))],
    },
    TableSpec {
        name: "warning",
        cols: &[
            ("village_code", Field("village_code")),
            ("kind", Field("kind")),
            ("state", Field("state")),
            ("raised_on", Field("raised_on")),
        ],
    },
    TableSpec {
        name: "verification_task",
        cols: &[
            ("village_code", Field("village_code")),
            ("assignee", Field("assignee")),
            ("state", Field("state")),
            ("due_on", Field("due_on")),
        ],
    },
];

/// The spec of a domain table.
pub(crate) fn spec(table: &str) -> Option<&'static TableSpec> {
    TABLES.iter().find(|t| t.name == table)
}

/// For each domain table, the searchable columns present in this database (an older schema
/// lacks some) and the statement that writes a materialised row.
#[derive(Debug, Clone, Default)]
pub(crate) struct Columns {
    tables: HashMap<&'static str, (Vec<ColSpec>, String)>,
}

impl Columns {
    /// Reads which columns the database has.
    pub fn read(conn: &Connection) -> Result<Columns, StoreError> {
        let mut tables = HashMap::new();
        for t in TABLES {
            let mut stmt = conn.prepare(&format!("PRAGMA table_info({})", t.name))?;
            let present: Vec<String> = stmt
                .query_map([], |r| r.get::<_, String>(1))?
                .collect::<Result<_, _>>()?;
            if present.is_empty() {
                continue;
            }
            let cols: Vec<(&'static str, Col)> = t
                .cols
                .iter()
                .filter(|(c, _)| present.iter().any(|p| p == c))
                .copied()
                .collect();
            let names: Vec<&str> = cols.iter().map(|(c, _)| *c).collect();
            let mut all = vec![
                "id",
                "alive",
                "household_id",
                "data",
                "conflicted",
                "updated_ms",
            ];
            all.extend(names);
            let marks: Vec<String> = (1..=all.len()).map(|i| format!("?{i}")).collect();
            let sql = format!(
                "INSERT OR REPLACE INTO {} ({}) VALUES ({})",
                t.name,
                all.join(", "),
                marks.join(", ")
            );
            tables.insert(t.name, (cols, sql));
        }
        Ok(Columns { tables })
    }

    /// The searchable columns of a table present in this database.
    pub fn of(&self, table: &str) -> Option<&[(&'static str, Col)]> {
        self.tables.get(table).map(|(c, _)| c.as_slice())
    }
}

/// The registers of one row, sorted by field.
pub(crate) type RowRegisters = Vec<(String, Register)>;

/// Loads every register of a row.
pub(crate) fn load_row(conn: &Connection, key: &RowKey) -> Result<RowRegisters, StoreError> {
    let mut stmt =
        conn.prepare_cached("SELECT field, body FROM register WHERE tbl = ?1 AND row_id = ?2")?;
    let rows = stmt.query_map(params![key.table, key.id.to_string()], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (field, body) = row?;
        out.push((field, serde_json::from_str(&body)?));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Writes one register.
pub(crate) fn save_register(
    conn: &Connection,
    key: &RowKey,
    field: &str,
    reg: &Register,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO register (tbl, row_id, field, body) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        key.table,
        key.id.to_string(),
        field,
        serde_json::to_string(reg)?
    ])?;
    Ok(())
}

/// A JSON value as an SQL value: text, integer, real, or JSON text for arrays and objects.
pub(crate) fn sql_value(v: Option<&Value>) -> Sql {
    match v {
        None | Some(Value::Null) => Sql::Null,
        Some(Value::Bool(b)) => Sql::Integer(i64::from(*b)),
        Some(Value::Number(n)) => n
            .as_i64()
            .map(Sql::Integer)
            .or_else(|| n.as_f64().map(Sql::Real))
            .unwrap_or(Sql::Null),
        Some(Value::String(s)) => Sql::Text(s.clone()),
        Some(other) => Sql::Text(other.to_string()),
    }
}

/// A text reversed and upper-cased (identity numbers end in a digit or X).
pub(crate) fn reversed(s: &str) -> String {
    s.chars().rev().flat_map(char::to_uppercase).collect()
}

/// What a row's materialised row holds, computed from its registers.
pub(crate) struct Materialised {
    /// The values in the order of the table's write statement.
    pub values: Vec<Sql>,
    /// The household the row belongs to (itself for a household).
    pub household_id: Option<String>,
}

/// Computes a row's materialised values from its registers.
pub(crate) fn compute(
    key: &RowKey,
    cols: &[(&'static str, Col)],
    regs: &RowRegisters,
) -> Materialised {
    let mut data = serde_json::Map::new();
    let mut alive = false;
    let mut conflicted = false;
    let mut updated_ms = 0u64;
    for (field, reg) in regs {
        let Some(view) = reg.view() else { continue };
        if let Some(v) = reg.get(&view.winner) {
            updated_ms = updated_ms.max(v.hlc.wall_ms);
        }
        conflicted |= view.conflict.is_some();
        if field == ALIVE {
            alive = view.value == Value::Bool(true);
        } else {
            data.insert(field.clone(), view.value);
        }
    }
    let household_id = if key.table == "household" {
        Some(key.id.to_string())
    } else {
        data.get("household_id")
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let mut values = vec![
        Sql::Text(key.id.to_string()),
        Sql::Integer(i64::from(alive)),
        household_id.clone().map_or(Sql::Null, Sql::Text),
        Sql::Text(Value::Object(data.clone()).to_string()),
        Sql::Integer(i64::from(conflicted)),
        Sql::Integer(i64::try_from(updated_ms).unwrap_or(i64::MAX)),
    ];
    for (_, col) in cols {
        values.push(match col {
            Col::Field(f) => sql_value(data.get(*f)),
            Col::Sub(f, k) => sql_value(data.get(*f).and_then(|v| v.get(*k))),
            Col::Reversed(f) => data
                .get(*f)
                .and_then(Value::as_str)
                .map_or(Sql::Null, |s| Sql::Text(reversed(s))),
        });
    }
    Materialised {
        values,
        household_id,
    }
}

/// Rewrites a row's materialised row and its open conflicts from its registers.
pub(crate) fn write_row(
    conn: &Connection,
    cols: &Columns,
    key: &RowKey,
    regs: &RowRegisters,
) -> Result<(), StoreError> {
    let row_id = key.id.to_string();
    let mut household_id = None;
    if let Some((c, sql)) = cols.tables.get(key.table.as_str()) {
        let m = compute(key, c, regs);
        conn.prepare_cached(sql)?
            .execute(rusqlite::params_from_iter(m.values.iter()))?;
        household_id = m.household_id;
    }
    conn.prepare_cached("DELETE FROM conflict WHERE tbl = ?1 AND row_id = ?2")?
        .execute(params![key.table, row_id])?;
    let conflicts = row_conflicts(key, regs.iter().map(|(f, r)| (f.as_str(), r)));
    if !conflicts.is_empty() {
        let mut stmt = conn.prepare_cached(
            "INSERT INTO conflict (tbl, row_id, field, kind, household_id, body) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for c in conflicts {
            let kind = serde_json::to_value(c.kind)?;
            stmt.execute(params![
                key.table,
                row_id,
                c.field,
                kind.as_str().unwrap_or_default(),
                household_id,
                serde_json::to_string(&c)?
            ])?;
        }
    }
    Ok(())
}

/// Removes a row entirely: registers, versions other than the device's own (those stay with
/// its change log), materialised row and conflicts.
pub(crate) fn remove_row(
    conn: &Connection,
    key: &RowKey,
    own_device: &str,
) -> Result<(), StoreError> {
    let id = key.id.to_string();
    conn.prepare_cached("DELETE FROM register WHERE tbl = ?1 AND row_id = ?2")?
        .execute(params![key.table, id])?;
    conn.prepare_cached("DELETE FROM version WHERE tbl = ?1 AND row_id = ?2 AND device != ?3")?
        .execute(params![key.table, id, own_device])?;
    conn.prepare_cached("DELETE FROM conflict WHERE tbl = ?1 AND row_id = ?2")?
        .execute(params![key.table, id])?;
    if spec(&key.table).is_some() {
        conn.execute(&format!("DELETE FROM {} WHERE id = ?1", key.table), [id])?;
    }
    Ok(())
}

/// Recomputes every materialised row of a table (a migration that adds a derived column).
pub(crate) fn rebuild_table(
    conn: &Connection,
    cols: &Columns,
    table: &str,
) -> Result<(), StoreError> {
    let ids: Vec<String> = conn
        .prepare("SELECT DISTINCT row_id FROM register WHERE tbl = ?1")?
        .query_map([table], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for id in ids {
        let Ok(uuid) = Uuid::parse_str(&id) else {
            continue;
        };
        let key = RowKey::new(table, uuid);
        let regs = load_row(conn, &key)?;
        write_row(conn, cols, &key, &regs)?;
    }
    Ok(())
}

/// The stored materialised values of a row, in the order of [`compute`], if it has a row.
pub(crate) fn stored(
    conn: &Connection,
    cols: &Columns,
    key: &RowKey,
) -> Result<Option<Vec<Sql>>, StoreError> {
    let Some(c) = cols.of(&key.table) else {
        return Ok(None);
    };
    let mut names = vec![
        "id",
        "alive",
        "household_id",
        "data",
        "conflicted",
        "updated_ms",
    ];
    names.extend(c.iter().map(|(n, _)| *n));
    let sql = format!(
        "SELECT {} FROM {} WHERE id = ?1",
        names.join(", "),
        key.table
    );
    let n = names.len();
    Ok(conn
        .query_row(&sql, [key.id.to_string()], |r| {
            (0..n).map(|i| r.get::<_, Sql>(i)).collect()
        })
        .optional()?)
}

/// The rule of every field, from the engine's schema.
pub(crate) fn new_register(schema: &Schema, key: &RowKey, field: &str) -> Register {
    Register::new(schema.rule(&key.table, field))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reversing_makes_the_last_digits_a_prefix() {
        assert_eq!(reversed("53032519900101123x"), "X32110100991523035");
        assert!(reversed("530325199001011234").starts_with(&reversed("1234")));
    }

    #[test]
    fn json_values_map_to_sql_values() {
        assert_eq!(sql_value(None), Sql::Null);
        assert_eq!(sql_value(Some(&Value::Bool(true))), Sql::Integer(1));
        assert_eq!(sql_value(Some(&serde_json::json!(12))), Sql::Integer(12));
        assert_eq!(
            sql_value(Some(&serde_json::json!("a"))),
            Sql::Text("a".into())
        );
        assert_eq!(
            sql_value(Some(&serde_json::json!([1]))),
            Sql::Text("[1]".into())
        );
    }

    #[test]
    fn every_table_spec_names_distinct_columns() {
        for t in TABLES {
            let mut names: Vec<_> = t.cols.iter().map(|(c, _)| *c).collect();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), t.cols.len(), "{}", t.name);
        }
    }
}
