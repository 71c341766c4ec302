//! The read model's SQL: a row's state read and written, the rebuild from the changes and its
//! comparison, and the queries screens and figures read (rows, conflicts, history, progress).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use fangpin_catalogue::{self as catalogue, Cell};
use fangpin_server::backend::{AuditEntry, RebuildReport, VillageProgress};
use fangpin_server::model::Scope;
use fangpin_server::plan::RowWrite;
use fangpin_server::state::{differences, RowRecord, RowState, Stored, Touched};
use fangpin_server::BackendError;
use fangpin_sync::{Change, Conflict, Register, RowKey};
use rusqlite::types::Value as Sql;
use rusqlite::{params, Connection, OptionalExtension};
use uuid::Uuid;

use crate::{db, json, parse, to_i64};

use fangpin_server::state::ROW_COLUMNS as ROW_COLS;

/// The statements of one table's projection, built once.
struct TableSql {
    select: String,
    upsert: String,
}

fn table_sql(table: &str) -> Option<&'static TableSql> {
    static SQL: OnceLock<BTreeMap<&'static str, TableSql>> = OnceLock::new();
    SQL.get_or_init(|| {
        catalogue::tables()
            .iter()
            .map(|t| {
                let mut cols: Vec<&str> = ROW_COLS.to_vec();
                cols.extend(t.columns().map(|(_, c)| c.name));
                let marks: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
                (
                    t.name,
                    TableSql {
                        select: format!(
                            "SELECT {} FROM rm_{} WHERE id = ?1",
                            cols.join(", "),
                            t.name
                        ),
                        upsert: format!(
                            "INSERT OR REPLACE INTO rm_{} ({}) VALUES ({})",
                            t.name,
                            cols.join(", "),
                            marks.join(", ")
                        ),
                    },
                )
            })
            .collect()
    })
    .get(table)
}

fn sql_cell(c: &Cell) -> Sql {
    match c {
        Cell::Null => Sql::Null,
        Cell::Text(s) => Sql::Text(s.clone()),
        Cell::Integer(n) => Sql::Integer(*n),
    }
}

fn cell_of(v: Sql) -> Cell {
    match v {
        Sql::Text(s) => Cell::Text(s),
        Sql::Integer(n) => Cell::Integer(n),
        _ => Cell::Null,
    }
}

/// A row's stored record and search columns.
fn load_record(
    c: &Connection,
    key: &RowKey,
) -> Result<Option<(RowRecord, Vec<Cell>)>, BackendError> {
    let Some(sql) = table_sql(&key.table) else {
        return Ok(None);
    };
    let n = catalogue::table(&key.table).map_or(0, |t| t.columns().count());
    c.prepare_cached(&sql.select)
        .map_err(db)?
        .query_row([key.id], |r| {
            let covered: Option<String> = r.get(6)?;
            let data: String = r.get(7)?;
            let cells = (0..n)
                .map(|i| r.get::<_, Sql>(ROW_COLS.len() + i).map(cell_of))
                .collect::<Result<Vec<_>, _>>()?;
            Ok((
                r.get::<_, String>(1)?,
                r.get::<_, Option<Uuid>>(2)?,
                r.get::<_, bool>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, i64>(5)?,
                covered,
                data,
                cells,
            ))
        })
        .optional()
        .map_err(db)?
        .map(
            |(village, household_id, alive, conflicts, updated_ms, covered, data, cells)| {
                Ok((
                    RowRecord {
                        key: key.clone(),
                        village,
                        household_id,
                        alive,
                        conflicts: u32::try_from(conflicts).unwrap_or(u32::MAX),
                        updated_ms: u64::try_from(updated_ms).unwrap_or(0),
                        data: parse(&data)?,
                        covered: covered.map(|c| parse(&c)).transpose()?.unwrap_or_default(),
                    },
                    cells,
                ))
            },
        )
        .transpose()
}

fn load_registers(
    c: &Connection,
    key: &RowKey,
) -> Result<BTreeMap<String, Register>, BackendError> {
    let mut stmt = c
        .prepare_cached(
            "SELECT field, register FROM field_state WHERE row_table = ?1 AND row_id = ?2",
        )
        .map_err(db)?;
    let rows = stmt
        .query_map(params![key.table, key.id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })
        .map_err(db)?;
    let mut out = BTreeMap::new();
    for row in rows {
        let (field, reg) = row.map_err(db)?;
        out.insert(field, parse(&reg)?);
    }
    Ok(out)
}

/// A row's state as the read model holds it, its conflicts computed from its registers.
pub(crate) fn load_row(c: &Connection, key: &RowKey) -> Result<Option<RowState>, BackendError> {
    let Some((record, _)) = load_record(c, key)? else {
        return Ok(None);
    };
    let registers = load_registers(c, key)?;
    Ok(Some(RowState::from_stored(record, registers)))
}

/// A row as stored, with its conflicts, search columns and attachment references as stored.
fn load_stored(c: &Connection, key: &RowKey) -> Result<Option<Stored>, BackendError> {
    let Some((record, cells)) = load_record(c, key)? else {
        return Ok(None);
    };
    let registers = load_registers(c, key)?;
    let mut conflicts: Vec<Conflict> = Vec::new();
    let mut stmt = c
        .prepare_cached(
            "SELECT body FROM conflicts WHERE row_table = ?1 AND row_id = ?2 ORDER BY field",
        )
        .map_err(db)?;
    for b in stmt
        .query_map(params![key.table, key.id], |r| r.get::<_, String>(0))
        .map_err(db)?
    {
        conflicts.push(parse(&b.map_err(db)?)?);
    }
    let mut refs = Vec::new();
    let mut stmt = c
        .prepare_cached("SELECT sha256, field FROM attachment_refs WHERE row_id = ?1 AND row_table = ?2 ORDER BY sha256, field")
        .map_err(db)?;
    for r in stmt
        .query_map(params![key.id, key.table], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })
        .map_err(db)?
    {
        refs.push(r.map_err(db)?);
    }
    Ok(Some(Stored {
        state: RowState {
            record,
            registers,
            conflicts,
        },
        cells,
        refs,
    }))
}

/// Writes a row of the read model: its record and columns always, and the registers,
/// conflicts and attachment references that changed.
pub(crate) fn write_row(c: &Connection, w: &RowWrite) -> Result<(), BackendError> {
    let s = &w.state;
    let key = &s.record.key;
    let sql = table_sql(&key.table)
        .ok_or_else(|| BackendError::Database(format!("no read model for {}", key.table)))?;
    let mut values: Vec<Sql> = vec![
        Sql::Blob(key.id.as_bytes().to_vec()),
        Sql::Text(s.record.village.clone()),
        s.record
            .household_id
            .map_or(Sql::Null, |h| Sql::Blob(h.as_bytes().to_vec())),
        Sql::Integer(i64::from(s.record.alive)),
        Sql::Integer(i64::from(s.record.conflicts)),
        Sql::Integer(to_i64(s.record.updated_ms)),
        if s.record.covered.is_empty() {
            Sql::Null
        } else {
            Sql::Text(json(&s.record.covered)?)
        },
        Sql::Text(json(&s.record.data)?),
    ];
    values.extend(s.cells().iter().map(sql_cell));
    c.prepare_cached(&sql.upsert)
        .map_err(db)?
        .execute(rusqlite::params_from_iter(values))
        .map_err(db)?;
    let mut reg = c
        .prepare_cached("INSERT OR REPLACE INTO field_state(row_table, row_id, field, register) VALUES (?1, ?2, ?3, ?4)")
        .map_err(db)?;
    for f in &w.touched.fields {
        if let Some(r) = s.registers.get(f) {
            reg.execute(params![key.table, key.id, f, json(r)?])
                .map_err(db)?;
        }
    }
    if w.new {
        c.prepare_cached("INSERT OR IGNORE INTO villages(village) VALUES (?1)")
            .map_err(db)?
            .execute([&s.record.village])
            .map_err(db)?;
    }
    if w.touched.conflicts || (w.new && !s.conflicts.is_empty()) {
        if !w.new {
            c.prepare_cached("DELETE FROM conflicts WHERE row_table = ?1 AND row_id = ?2")
                .map_err(db)?
                .execute(params![key.table, key.id])
                .map_err(db)?;
        }
        let mut add = c
            .prepare_cached("INSERT INTO conflicts(row_table, row_id, field, village, body) VALUES (?1, ?2, ?3, ?4, ?5)")
            .map_err(db)?;
        for conflict in &s.conflicts {
            add.execute(params![
                key.table,
                key.id,
                conflict.field,
                s.record.village,
                json(conflict)?
            ])
            .map_err(db)?;
        }
    }
    if w.touched.attachments {
        c.prepare_cached("DELETE FROM attachment_refs WHERE row_id = ?1 AND row_table = ?2")
            .map_err(db)?
            .execute(params![key.id, key.table])
            .map_err(db)?;
        let mut add = c
            .prepare_cached("INSERT OR IGNORE INTO attachment_refs(sha256, row_table, row_id, field, village) VALUES (?1, ?2, ?3, ?4, ?5)")
            .map_err(db)?;
        for (sha, field) in s.attachments() {
            add.execute(params![sha, key.table, key.id, field, s.record.village])
                .map_err(db)?;
        }
    }
    Ok(())
}

/// Every stored change, row by row and each row's in global order, to `each`.
fn for_each_row(
    c: &Connection,
    mut each: impl FnMut(RowKey, String, Vec<Change>) -> Result<(), BackendError>,
) -> Result<(u64, u64), BackendError> {
    let mut stmt = c
        .prepare(
            "SELECT row_table, row_id, village, body FROM changes ORDER BY row_table, row_id, seq",
        )
        .map_err(db)?;
    let mut rows = stmt.query([]).map_err(db)?;
    let mut current: Option<(RowKey, String, Vec<Change>)> = None;
    let (mut n_rows, mut n_changes) = (0u64, 0u64);
    while let Some(r) = rows.next().map_err(db)? {
        let key = RowKey::new(
            r.get::<_, String>(0).map_err(db)?,
            r.get::<_, Uuid>(1).map_err(db)?,
        );
        let change: Change = parse(&r.get::<_, String>(3).map_err(db)?)?;
        n_changes += 1;
        match &mut current {
            Some((k, _, cs)) if *k == key => cs.push(change),
            _ => {
                if let Some((k, v, cs)) = current.take() {
                    n_rows += 1;
                    each(k, v, cs)?;
                }
                current = Some((key, r.get::<_, String>(2).map_err(db)?, vec![change]));
            }
        }
    }
    if let Some((k, v, cs)) = current.take() {
        n_rows += 1;
        each(k, v, cs)?;
    }
    Ok((n_rows, n_changes))
}

fn full_write(state: RowState) -> RowWrite {
    let fields = state.registers.keys().cloned().collect();
    RowWrite {
        state,
        new: true,
        touched: Touched {
            fields,
            conflicts: true,
            attachments: true,
        },
    }
}

fn clear_row(c: &Connection, key: &RowKey) -> Result<(), BackendError> {
    if catalogue::table(&key.table).is_some() {
        c.execute(
            &format!("DELETE FROM rm_{} WHERE id = ?1", key.table),
            [key.id],
        )
        .map_err(db)?;
    }
    for sql in [
        "DELETE FROM field_state WHERE row_table = ?1 AND row_id = ?2",
        "DELETE FROM conflicts WHERE row_table = ?1 AND row_id = ?2",
        "DELETE FROM attachment_refs WHERE row_table = ?1 AND row_id = ?2",
    ] {
        c.execute(sql, params![key.table, key.id]).map_err(db)?;
    }
    Ok(())
}

/// The read model's rows that have no changes.
fn orphans(c: &Connection) -> Result<Vec<RowKey>, BackendError> {
    let mut out = Vec::new();
    for t in catalogue::tables() {
        let mut stmt = c
            .prepare(&format!(
                "SELECT id FROM rm_{0} WHERE NOT EXISTS (SELECT 1 FROM changes WHERE row_table = '{0}' AND row_id = rm_{0}.id)",
                t.name
            ))
            .map_err(db)?;
        for id in stmt.query_map([], |r| r.get::<_, Uuid>(0)).map_err(db)? {
            out.push(RowKey::new(t.name, id.map_err(db)?));
        }
    }
    Ok(out)
}

/// Compares the read model with a rebuild from the changes; with `replace`, writes the rebuild
/// where they differ and drops rows that have no changes.
pub(crate) fn rebuild(c: &Connection, replace: bool) -> Result<RebuildReport, BackendError> {
    let mut report = RebuildReport::default();
    let mut fixes: Vec<RowState> = Vec::new();
    let (rows, changes) = for_each_row(c, |key, village, cs| {
        let expected = RowState::replay(key.clone(), village, &cs);
        let stored = load_stored(c, &key)?;
        let diff = differences(&expected, stored.as_ref());
        if !diff.is_empty() {
            report.differences.extend(diff);
            fixes.push(expected);
        }
        Ok(())
    })?;
    let orphans = orphans(c)?;
    report.differences.extend(
        orphans
            .iter()
            .map(|k| format!("{k}: in the read model but has no changes")),
    );
    report.rows = rows;
    report.changes = changes;
    if replace && !report.differences.is_empty() {
        for key in &orphans {
            clear_row(c, key)?;
        }
        for state in fixes {
            clear_row(c, &state.record.key)?;
            write_row(c, &full_write(state))?;
        }
        report.replaced = true;
    }
    Ok(report)
}

/// The migration step: builds the read model from the changes.
pub(crate) fn rebuild_in(c: &Connection) -> Result<(), BackendError> {
    for_each_row(c, |key, village, cs| {
        write_row(c, &full_write(RowState::replay(key, village, &cs)))
    })?;
    Ok(())
}

/// "village in scope" as index-friendly ranges over a text column, with its parameters.
pub(crate) fn scope_sql(scope: &Scope, column: &str) -> (String, Vec<String>) {
    let mut parts = Vec::new();
    let mut args = Vec::new();
    for p in scope.areas.iter().filter(|p| !p.is_empty()) {
        parts.push(format!("({column} >= ? AND {column} < ?)"));
        args.push(p.clone());
        args.push(format!("{p}:"));
    }
    if parts.is_empty() {
        ("0".into(), args)
    } else {
        (format!("({})", parts.join(" OR ")), args)
    }
}

/// A page of a table's live rows in a scope, by village and id.
pub(crate) fn rows(
    c: &Connection,
    scope: &Scope,
    q: &fangpin_server::backend::RowQuery,
) -> Result<Vec<RowRecord>, BackendError> {
    use rusqlite::types::Value as Sql;
    let Some(t) = catalogue::table(&q.table) else {
        return Err(BackendError::NotFound(format!("table {}", q.table)));
    };
    let (sql, args) = scope_sql(scope, "village");
    let mut params: Vec<Sql> = args.into_iter().map(Sql::Text).collect();
    let mut more = String::new();
    if let Some((village, id)) = &q.after {
        more.push_str(" AND (village, id) > (?, ?)");
        params.push(Sql::Text(village.clone()));
        params.push(Sql::Blob(id.as_bytes().to_vec()));
    }
    if let Some(hs) = &q.households {
        if hs.is_empty() {
            return Ok(Vec::new());
        }
        more.push_str(&format!(
            " AND household_id IN ({})",
            vec!["?"; hs.len()].join(",")
        ));
        params.extend(hs.iter().map(|h| Sql::Blob(h.as_bytes().to_vec())));
    }
    params.push(Sql::Integer(i64::from(q.limit)));
    // A page of a whole table walks its (village, id) index: the planner would otherwise range
    // over another village index and sort the scope for every page.
    let hint =
        if q.households.is_none() && matches!(t.name, "household" | "ledger_item" | "procedure") {
            format!(" INDEXED BY rm_{}_page", t.name)
        } else {
            String::new()
        };
    let mut stmt = c
        .prepare(&format!(
            "SELECT id, village, household_id, conflicts, updated_ms, data FROM rm_{}{hint} \
             WHERE alive = 1 AND {sql}{more} ORDER BY village, id LIMIT ?",
            t.name
        ))
        .map_err(db)?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(params.iter()), |r| {
            Ok((
                r.get::<_, Uuid>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<Uuid>>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, String>(5)?,
            ))
        })
        .map_err(db)?;
    let mut out = Vec::new();
    for r in rows {
        let (id, village, household_id, conflicts, updated_ms, data) = r.map_err(db)?;
        out.push(RowRecord {
            key: RowKey::new(t.name, id),
            village,
            household_id,
            alive: true,
            conflicts: u32::try_from(conflicts).unwrap_or(u32::MAX),
            updated_ms: u64::try_from(updated_ms).unwrap_or(0),
            data: parse(&data)?,
            covered: Vec::new(),
        });
    }
    Ok(out)
}

/// A row's current values, when it is in the scope.
pub(crate) fn row(
    c: &Connection,
    scope: &Scope,
    key: &RowKey,
) -> Result<Option<RowRecord>, BackendError> {
    Ok(load_record(c, key)?
        .map(|(r, _)| r)
        .filter(|r| scope.contains(&r.village)))
}

/// Open conflicts in a scope.
pub(crate) fn conflicts(c: &Connection, scope: &Scope) -> Result<Vec<Conflict>, BackendError> {
    let (sql, args) = scope_sql(scope, "village");
    let mut stmt = c
        .prepare(&format!(
            "SELECT body FROM conflicts WHERE {sql} ORDER BY row_table, row_id, field"
        ))
        .map_err(db)?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(args.iter()), |r| {
            r.get::<_, String>(0)
        })
        .map_err(db)?;
    rows.map(|r| r.map_err(db).and_then(|s| parse(&s)))
        .collect()
}

/// Every accepted version of a field in a scope, oldest first.
pub(crate) fn history(
    c: &Connection,
    scope: &Scope,
    key: &RowKey,
    field: &str,
) -> Result<Vec<AuditEntry>, BackendError> {
    let mut stmt = c
        .prepare_cached(
            "SELECT seq, body, user_id, device, received_ms, village FROM changes \
             WHERE row_table = ?1 AND row_id = ?2 AND field = ?3 ORDER BY seq",
        )
        .map_err(db)?;
    let rows = stmt
        .query_map(params![key.table, key.id, field], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Uuid>(2)?,
                r.get::<_, Uuid>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, String>(5)?,
            ))
        })
        .map_err(db)?;
    let mut out = Vec::new();
    for r in rows {
        let (seq, body, user, device, received_ms, village) = r.map_err(db)?;
        if scope.contains(&village) {
            out.push(AuditEntry {
                seq: u64::try_from(seq).unwrap_or(0),
                change: parse(&body)?,
                user,
                device,
                received_ms,
            });
        }
    }
    Ok(out)
}

/// Figures per village in a scope, from the households' read model.
pub(crate) fn progress(
    c: &Connection,
    scope: &Scope,
    since: &str,
) -> Result<Vec<VillageProgress>, BackendError> {
    let (sql, mut args) = scope_sql(scope, "village");
    let mut all = vec![since.to_owned()];
    all.extend(args.iter().cloned());
    let mut stmt = c
        .prepare(&format!(
            "SELECT village, COUNT(*), \
             COALESCE(SUM(screened_on >= ?1), 0), \
             COALESCE(SUM(household_type = 'formerly_poor'), 0), \
             COALESCE(SUM(household_type = 'monitored'), 0), \
             COALESCE(SUM(household_type = 'ordinary'), 0) \
             FROM rm_household WHERE alive = 1 AND {} GROUP BY village ORDER BY village",
            sql
        ))
        .map_err(db)?;
    let mut out: BTreeMap<String, VillageProgress> = BTreeMap::new();
    let rows = stmt
        .query_map(rusqlite::params_from_iter(all.iter()), |r| {
            Ok(VillageProgress {
                village: r.get(0)?,
                households: r.get::<_, i64>(1)? as u64,
                screened: r.get::<_, i64>(2)? as u64,
                formerly_poor: r.get::<_, i64>(3)? as u64,
                monitored: r.get::<_, i64>(4)? as u64,
                ordinary: r.get::<_, i64>(5)? as u64,
                conflicts: 0,
            })
        })
        .map_err(db)?;
    for r in rows {
        let p = r.map_err(db)?;
        out.insert(p.village.clone(), p);
    }
    let mut stmt = c
        .prepare(&format!(
            "SELECT village, COUNT(*) FROM conflicts WHERE {sql} GROUP BY village"
        ))
        .map_err(db)?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(args.drain(..)), |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })
        .map_err(db)?;
    for r in rows {
        let (village, n) = r.map_err(db)?;
        out.entry(village.clone())
            .or_insert(VillageProgress {
                village,
                households: 0,
                screened: 0,
                formerly_poor: 0,
                monitored: 0,
                ordinary: 0,
                conflicts: 0,
            })
            .conflicts = n as u64;
    }
    Ok(out.into_values().collect())
}
