//! The queries the screens need, over the materialised rows and their indexes.

use fangpin_sync::{Conflict, LedgerState, Register, RowKey, Value};
use rusqlite::types::Value as Sql;
use rusqlite::{params_from_iter, Row};
use serde::Serialize;
use uuid::Uuid;

use crate::error::StoreError;
use crate::materialise;
use crate::store::Store;
use fangpin_catalogue::reversed;

/// One synced record as the screens show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowView {
    /// The row.
    pub key: RowKey,
    /// Whether it is alive (not deleted).
    pub alive: bool,
    /// The household it belongs to.
    pub household_id: Option<Uuid>,
    /// Every field's shown value (the provisional winner's when in conflict).
    pub data: serde_json::Map<String, Value>,
    /// Whether some field is in conflict.
    pub conflicted: bool,
    /// The newest clock time among the values shown (ms since the epoch).
    pub updated_ms: u64,
}

/// A household in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HouseholdSummary {
    /// The row id.
    pub id: Uuid,
    /// The village's area code.
    pub village_code: Option<String>,
    /// 组.
    pub group: Option<String>,
    /// 户编号.
    pub hubianhao: Option<String>,
    /// 户主姓名.
    pub head_name: Option<String>,
    /// 户主身份证号.
    pub head_id_number: Option<String>,
    /// 户类型.
    pub household_type: Option<String>,
    /// Whether some field is in conflict.
    pub conflicted: bool,
}

/// A household search: the villages in scope, and optional text.
#[derive(Debug, Clone, Default)]
pub struct HouseholdSearch {
    /// Village area codes; empty for every village on the device.
    pub villages: Vec<String>,
    /// A name (or part of one, of the head or any member), a full identity number, the last
    /// digits of one, or a 户编号 (or its beginning).
    pub text: Option<String>,
    /// The most rows returned (0 for 50).
    pub limit: usize,
    /// Rows skipped, for paging.
    pub offset: usize,
}

/// One household with everything in it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HouseholdDetail {
    /// The household row.
    pub household: RowView,
    /// Its members.
    pub members: Vec<RowView>,
    /// Income and spending, by year.
    pub income_years: Vec<RowView>,
    /// Indicator results.
    pub indicators: Vec<RowView>,
    /// Risks.
    pub risks: Vec<RowView>,
    /// Assistance measures.
    pub measures: Vec<RowView>,
    /// Visits, oldest first.
    pub visits: Vec<RowView>,
    /// Ledger items.
    pub ledger_items: Vec<RowView>,
    /// Procedures.
    pub procedures: Vec<RowView>,
    /// Warnings.
    pub warnings: Vec<RowView>,
    /// Verification tasks.
    pub verification_tasks: Vec<RowView>,
    /// Open conflicts of any of these rows.
    pub conflicts: Vec<Conflict>,
}

const VIEW_COLS: &str = "id, alive, household_id, data, conflicted, updated_ms";

fn row_view(table: &str, r: &Row<'_>) -> rusqlite::Result<(String, RowViewRaw)> {
    Ok((
        table.to_owned(),
        RowViewRaw {
            id: r.get(0)?,
            alive: r.get(1)?,
            household_id: r.get(2)?,
            data: r.get(3)?,
            conflicted: r.get(4)?,
            updated_ms: r.get(5)?,
        },
    ))
}

struct RowViewRaw {
    id: String,
    alive: bool,
    household_id: Option<String>,
    data: String,
    conflicted: bool,
    updated_ms: i64,
}

fn parse_uuid(s: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(s).map_err(|e| StoreError::NotADatabase(format!("row id {s}: {e}")))
}

fn finish_view((table, raw): (String, RowViewRaw)) -> Result<RowView, StoreError> {
    let data = match serde_json::from_str(&raw.data)? {
        Value::Object(m) => m,
        _ => serde_json::Map::new(),
    };
    Ok(RowView {
        key: RowKey::new(table, parse_uuid(&raw.id)?),
        alive: raw.alive,
        household_id: raw.household_id.as_deref().map(parse_uuid).transpose()?,
        data,
        conflicted: raw.conflicted,
        updated_ms: u64::try_from(raw.updated_ms).unwrap_or(0),
    })
}

/// The end of the range of texts that start with `prefix`.
fn prefix_end(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('%');
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

impl Store {
    fn views(
        &self,
        table: &str,
        where_sql: &str,
        args: &[Sql],
    ) -> Result<Vec<RowView>, StoreError> {
        let sql = format!("SELECT {VIEW_COLS} FROM {table} WHERE {where_sql}");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let raws: Vec<_> = stmt
            .query_map(params_from_iter(args.iter()), |r| row_view(table, r))?
            .collect::<Result<_, _>>()?;
        raws.into_iter().map(finish_view).collect()
    }

    /// One row as shown, if the device has it (deleted rows too).
    pub fn row(&self, key: &RowKey) -> Result<Option<RowView>, StoreError> {
        if materialise::spec(&key.table).is_none() {
            return Ok(None);
        }
        Ok(self
            .views(&key.table, "id = ?1", &[Sql::Text(key.id.to_string())])?
            .pop())
    }

    /// The register of one field: its versions (the field's history) and heads.
    pub fn register(&self, key: &RowKey, field: &str) -> Result<Option<Register>, StoreError> {
        let mut stmt = self.conn.prepare_cached(concat!(
            "SELECT ",
            materialise::version_cols!(),
            " FROM ",
            materialise::version_from!(),
            " WHERE ",
            materialise::version_of_row!(),
            " AND v.field = (SELECT n FROM name WHERE name = ?3)"
        ))?;
        let raws: Vec<_> = stmt
            .query_map(rusqlite::params![key.table, key.id, field], |r| {
                materialise::read_version(r, 0)
            })?
            .collect::<Result<_, _>>()?;
        if raws.is_empty() {
            return Ok(None);
        }
        let mut reg = materialise::new_register(&self.ctx.schema, key, field);
        for raw in raws {
            reg.insert(raw.decode()?);
        }
        Ok(Some(reg))
    }

    /// Every register field of a row with its heads and the value shown: what a form that
    /// opens now is based on (see [`crate::Edit::save_since`]).
    pub fn heads(
        &self,
        key: &RowKey,
    ) -> Result<
        std::collections::BTreeMap<String, (Vec<fangpin_sync::VersionId>, fangpin_sync::Value)>,
        StoreError,
    > {
        let regs = materialise::load_row(&self.conn, &self.ctx.schema, key)?;
        Ok(regs
            .into_iter()
            .filter(|(f, r)| {
                f != fangpin_sync::ALIVE && r.rule == fangpin_sync::FieldRule::Register
            })
            .filter_map(|(f, r)| Some((f, (r.heads().to_vec(), r.view()?.value))))
            .collect())
    }

    /// Households of the given villages, searched by name, identity number (full or its last
    /// digits) or 户编号, ordered by village, group and 户编号.
    pub fn households(&self, q: &HouseholdSearch) -> Result<Vec<HouseholdSummary>, StoreError> {
        let mut sql = String::from(
            "SELECT id, village_code, group_name, hubianhao, head_name, head_id_number, \
             household_type, conflicted FROM household WHERE alive = 1",
        );
        let mut args: Vec<Sql> = Vec::new();
        if let [one] = q.villages.as_slice() {
            // `=` lets the village index give the order without a sort.
            sql.push_str(" AND village_code = ?");
            args.push(Sql::Text(one.clone()));
        } else if !q.villages.is_empty() {
            let marks: Vec<&str> = q.villages.iter().map(|_| "?").collect();
            sql.push_str(&format!(" AND village_code IN ({})", marks.join(", ")));
            args.extend(q.villages.iter().map(|v| Sql::Text(v.clone())));
        }
        let text = q.text.as_deref().map(str::trim).unwrap_or_default();
        if !text.is_empty() {
            let id_like = text
                .chars()
                .all(|c| c.is_ascii_digit() || c == 'x' || c == 'X');
            if id_like && text.len() == 18 {
                let t = text.to_uppercase();
                sql.push_str(
                    " AND (head_id_number = ? OR id IN \
                     (SELECT household_id FROM member WHERE id_number = ? AND alive = 1))",
                );
                args.extend([Sql::Text(t.clone()), Sql::Text(t)]);
            } else if id_like {
                let rev = reversed(text);
                let t = text.to_uppercase();
                sql.push_str(
                    " AND (hubianhao >= ? AND hubianhao < ? \
                     OR head_id_rev >= ? AND head_id_rev < ? \
                     OR id IN (SELECT household_id FROM member \
                               WHERE id_rev >= ? AND id_rev < ? AND alive = 1))",
                );
                args.extend([
                    Sql::Text(t.clone()),
                    Sql::Text(prefix_end(&t)),
                    Sql::Text(rev.clone()),
                    Sql::Text(prefix_end(&rev)),
                    Sql::Text(rev.clone()),
                    Sql::Text(prefix_end(&rev)),
                ]);
            } else {
                let pat = like_escape(text);
                sql.push_str(
                    " AND (head_name LIKE ? ESCAPE '\\' OR id IN \
                     (SELECT household_id FROM member WHERE name LIKE ? ESCAPE '\\' \
                      AND alive = 1))",
                );
                args.extend([Sql::Text(pat.clone()), Sql::Text(pat)]);
            }
        }
        sql.push_str(" ORDER BY village_code, group_name, hubianhao, id LIMIT ? OFFSET ?");
        let limit = if q.limit == 0 { 50 } else { q.limit };
        args.push(Sql::Integer(i64::try_from(limit).unwrap_or(i64::MAX)));
        args.push(Sql::Integer(i64::try_from(q.offset).unwrap_or(0)));
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params_from_iter(args.iter()), |r| {
            Ok((
                r.get::<_, String>(0)?,
                HouseholdSummary {
                    id: Uuid::nil(),
                    village_code: r.get(1)?,
                    group: r.get(2)?,
                    hubianhao: r.get(3)?,
                    head_name: r.get(4)?,
                    head_id_number: r.get(5)?,
                    household_type: r.get(6)?,
                    conflicted: r.get(7)?,
                },
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, mut s) = row?;
            s.id = parse_uuid(&id)?;
            out.push(s);
        }
        Ok(out)
    }

    /// One household with every live row that belongs to it and their open conflicts.
    pub fn household(&self, id: Uuid) -> Result<Option<HouseholdDetail>, StoreError> {
        let Some(household) = self.row(&RowKey::new("household", id))? else {
            return Ok(None);
        };
        let hid = [Sql::Text(id.to_string())];
        let children = |table: &str, order: &str| {
            self.views(
                table,
                &format!("household_id = ?1 AND alive = 1 ORDER BY {order}"),
                &hid,
            )
        };
        let mut stmt = self.conn.prepare_cached(
            "SELECT body FROM conflict WHERE household_id = ?1 ORDER BY tbl, row_id, field",
        )?;
        let bodies: Vec<String> = stmt
            .query_map([id.to_string()], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let conflicts = bodies
            .iter()
            .map(|b| serde_json::from_str(b))
            .collect::<Result<_, _>>()?;
        Ok(Some(HouseholdDetail {
            household,
            members: children("member", "id")?,
            income_years: children("income_year", "year, id")?,
            indicators: children("indicator", "indicator, id")?,
            risks: children("risk", "id")?,
            measures: children("measure", "id")?,
            visits: children("visit", "visited_on, id")?,
            ledger_items: children("ledger_item", "deadline, id")?,
            procedures: children("procedure", "id")?,
            warnings: children("warning", "raised_on, id")?,
            verification_tasks: children("verification_task", "due_on, id")?,
            conflicts,
        }))
    }

    /// Open verification tasks (state not `done`) in the villages, or assigned to `assignee`,
    /// soonest due first.
    pub fn open_tasks(
        &self,
        villages: &[String],
        assignee: Option<Uuid>,
    ) -> Result<Vec<RowView>, StoreError> {
        let (scope, args) = village_scope(villages, assignee);
        self.views(
            "verification_task",
            &format!(
                "alive = 1 AND coalesce(state, 'open') != 'done' AND {scope} \
                 ORDER BY due_on IS NULL, due_on, id"
            ),
            &args,
        )
    }

    /// Open warnings (state not `closed`) in the villages, newest first.
    pub fn open_warnings(&self, villages: &[String]) -> Result<Vec<RowView>, StoreError> {
        let (scope, args) = village_scope(villages, None);
        self.views(
            "warning",
            &format!(
                "alive = 1 AND coalesce(state, 'open') != 'closed' AND {scope} \
                 ORDER BY raised_on DESC, id"
            ),
            &args,
        )
    }

    /// Ledger items in the villages, optionally in one state, by deadline (none last).
    pub fn ledger(
        &self,
        villages: &[String],
        state: Option<LedgerState>,
    ) -> Result<Vec<RowView>, StoreError> {
        let (scope, mut args) = village_scope(villages, None);
        let mut w = format!("alive = 1 AND {scope}");
        if let Some(s) = state {
            w.push_str(" AND status_state = ?");
            let v = serde_json::to_value(s)?;
            args.push(Sql::Text(v.as_str().unwrap_or_default().to_owned()));
        }
        w.push_str(" ORDER BY deadline IS NULL, deadline, id");
        self.views("ledger_item", &w, &args)
    }

    /// Every live row of a synced table, by id; nothing for a table the device does not keep.
    /// For the few records a screen reads whole (procedures, campaigns).
    pub fn live_rows(&self, table: &str) -> Result<Vec<RowView>, StoreError> {
        if materialise::spec(table).is_none() {
            return Ok(Vec::new());
        }
        self.views(table, "alive = 1 ORDER BY id", &[])
    }

    /// The live campaign assignments naming `person_id` (a user's id), or every live one when
    /// none is given, by village.
    pub fn assignments(&self, person_id: Option<Uuid>) -> Result<Vec<RowView>, StoreError> {
        match person_id {
            Some(p) => self.views(
                "assignment",
                "alive = 1 AND person_id = ?1 ORDER BY village_code, id",
                &[Sql::Text(p.to_string())],
            ),
            None => self.views("assignment", "alive = 1 ORDER BY village_code, id", &[]),
        }
    }

    /// The live re-check rows (households drawn for 回访核查), by their rank in the draw (none
    /// last), then id.
    pub fn rechecks(&self) -> Result<Vec<RowView>, StoreError> {
        self.views(
            "recheck",
            "alive = 1 ORDER BY json_extract(data, '$.rank') IS NULL, \
             json_extract(data, '$.rank'), id",
            &[],
        )
    }

    /// Open conflicts, by row and field, at most `limit`.
    pub fn conflicts(&self, limit: usize) -> Result<Vec<Conflict>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT body FROM conflict ORDER BY tbl, row_id, field LIMIT ?1")?;
        let bodies: Vec<String> = stmt
            .query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(bodies
            .iter()
            .map(|b| serde_json::from_str(b))
            .collect::<Result<_, _>>()?)
    }
}

/// `village_code IN (…)` (or `assignee = ?`), or true for every village.
fn village_scope(villages: &[String], assignee: Option<Uuid>) -> (String, Vec<Sql>) {
    let mut terms = Vec::new();
    let mut args = Vec::new();
    if !villages.is_empty() {
        let marks: Vec<&str> = villages.iter().map(|_| "?").collect();
        terms.push(format!("village_code IN ({})", marks.join(", ")));
        args.extend(villages.iter().map(|v| Sql::Text(v.clone())));
    }
    if let Some(a) = assignee {
        terms.push("assignee = ?".to_owned());
        args.push(Sql::Text(a.to_string()));
    }
    if terms.is_empty() {
        ("1".to_owned(), args)
    } else {
        (format!("({})", terms.join(" OR ")), args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_escape("a%b_c"), "%a\\%b\\_c%");
    }

    #[test]
    fn prefix_ranges_contain_the_prefix_extensions() {
        let end = prefix_end("4321");
        assert!("4321".to_owned().as_str() < end.as_str());
        assert!("43219999" < end.as_str());
        assert!("4322" > end.as_str());
    }
}
