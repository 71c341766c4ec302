//! The read model's SQL: rows' state read and written in set-based statements, the rebuild
//! from the changes and its comparison, and the queries screens and figures read.

use std::collections::{BTreeMap, HashMap};

use deadpool_postgres::GenericClient;
use fangpin_catalogue::{self as catalogue, Cell, SqlType};
use fangpin_server::backend::{AuditEntry, RebuildReport, VillageProgress};
use fangpin_server::model::Scope;
use fangpin_server::plan::RowWrite;
use fangpin_server::state::{county_of, differences, RowRecord, RowState, Stored, Touched};
use fangpin_server::BackendError;
use fangpin_sync::{Change, Conflict, Register, RowKey};
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use crate::{json, parse, pg, to_i64};

/// The columns every `rm_` table has before the catalogue's search columns: the county, then
/// the ones both backends share.
const ROW_COLS: [&str; 9] = {
    let shared = fangpin_server::state::ROW_COLUMNS;
    let mut all = ["county"; 9];
    let mut i = 0;
    while i < shared.len() {
        all[i + 1] = shared[i];
        i += 1;
    }
    all
};

fn search_cols(table: &str) -> Vec<&'static catalogue::Column> {
    catalogue::table(table)
        .map(|t| t.columns().map(|(_, c)| c).collect())
        .unwrap_or_default()
}

/// A scope as SQL over `column` (a village code): each area a range of codes, numbered from
/// `$first`; `FALSE` for an empty scope.
pub(crate) fn scope_sql(scope: &Scope, column: &str, first: usize) -> (String, Vec<String>) {
    areas_sql(scope, column, first, false)
}

/// [`scope_sql`] for a table keyed by county first: each area also bounds the county (the
/// first six digits of its code), so the query uses the county-first index and, distributed by
/// county, goes only to the counties in scope.
pub(crate) fn county_scope_sql(scope: &Scope, first: usize) -> (String, Vec<String>) {
    areas_sql(scope, "village", first, true)
}

fn areas_sql(scope: &Scope, column: &str, first: usize, county: bool) -> (String, Vec<String>) {
    let mut parts = Vec::new();
    let mut args = Vec::new();
    for p in scope.areas.iter().filter(|p| !p.is_empty()) {
        let mut bounds = Vec::new();
        if county {
            let c: String = p.chars().take(6).collect();
            bounds.push(("county", c));
        }
        bounds.push((column, p.clone()));
        let mut conds = Vec::new();
        for (col, prefix) in bounds {
            let n = first + args.len();
            conds.push(format!("{col} >= ${n} AND {col} < ${}", n + 1));
            args.push(prefix.clone());
            args.push(format!("{prefix}:"));
        }
        parts.push(format!("({})", conds.join(" AND ")));
    }
    if parts.is_empty() {
        ("FALSE".into(), args)
    } else {
        (format!("({})", parts.join(" OR ")), args)
    }
}

/// Parameters: the fixed ones, then the scope's.
pub(crate) fn params<'a>(
    head: &'a [&'a (dyn ToSql + Sync)],
    tail: &'a [String],
) -> Vec<&'a (dyn ToSql + Sync)> {
    let mut v: Vec<&(dyn ToSql + Sync)> = head.to_vec();
    v.extend(tail.iter().map(|s| s as &(dyn ToSql + Sync)));
    v
}

fn cell_of(row: &tokio_postgres::Row, i: usize, sql: SqlType) -> Cell {
    match sql {
        SqlType::Integer => row
            .get::<_, Option<i64>>(i)
            .map_or(Cell::Null, Cell::Integer),
        SqlType::Text => row
            .get::<_, Option<String>>(i)
            .map_or(Cell::Null, Cell::Text),
    }
}

/// The stored records and search columns of rows of one table.
async fn load_records(
    c: &impl GenericClient,
    table: &str,
    ids: &[Uuid],
) -> Result<Vec<(RowRecord, Vec<Cell>)>, BackendError> {
    if catalogue::table(table).is_none() || ids.is_empty() {
        return Ok(Vec::new());
    }
    let cols = search_cols(table);
    let mut names: Vec<&str> = ROW_COLS.to_vec();
    names.extend(cols.iter().map(|c| c.name));
    let rows = c
        .query(
            &format!(
                "SELECT {} FROM rm_{table} WHERE id = ANY($1)",
                names.join(", ")
            ),
            &[&ids],
        )
        .await
        .map_err(pg)?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let covered: Option<String> = r.get(7);
        let data: String = r.get(8);
        let cells = cols
            .iter()
            .enumerate()
            .map(|(i, c)| cell_of(&r, ROW_COLS.len() + i, c.sql))
            .collect();
        out.push((
            RowRecord {
                key: RowKey::new(table, r.get::<_, Uuid>(1)),
                village: r.get(2),
                household_id: r.get(3),
                alive: r.get(4),
                conflicts: u32::try_from(r.get::<_, i32>(5)).unwrap_or(0),
                updated_ms: u64::try_from(r.get::<_, i64>(6)).unwrap_or(0),
                data: parse(&data)?,
                covered: covered.map(|c| parse(&c)).transpose()?.unwrap_or_default(),
            },
            cells,
        ));
    }
    Ok(out)
}

/// The registers of rows.
async fn load_registers(
    c: &impl GenericClient,
    ids: &[Uuid],
) -> Result<HashMap<(String, Uuid), BTreeMap<String, Register>>, BackendError> {
    let mut out: HashMap<(String, Uuid), BTreeMap<String, Register>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    for r in c
        .query(
            "SELECT row_table, row_id, field, register FROM field_state WHERE row_id = ANY($1)",
            &[&ids],
        )
        .await
        .map_err(pg)?
    {
        let reg: Register = parse(r.get(3))?;
        out.entry((r.get(0), r.get(1)))
            .or_default()
            .insert(r.get(2), reg);
    }
    Ok(out)
}

fn by_table(keys: &[RowKey]) -> BTreeMap<&str, Vec<Uuid>> {
    let mut out: BTreeMap<&str, Vec<Uuid>> = BTreeMap::new();
    for k in keys {
        out.entry(k.table.as_str()).or_default().push(k.id);
    }
    out
}

/// The state of rows as the read model holds them, conflicts computed from the registers.
pub(crate) async fn load_rows(
    c: &impl GenericClient,
    keys: &[RowKey],
) -> Result<HashMap<RowKey, RowState>, BackendError> {
    let mut out = HashMap::new();
    let ids: Vec<Uuid> = keys.iter().map(|k| k.id).collect();
    let mut regs = load_registers(c, &ids).await?;
    for (table, ids) in by_table(keys) {
        for (record, _) in load_records(c, table, &ids).await? {
            let r = regs
                .remove(&(record.key.table.clone(), record.key.id))
                .unwrap_or_default();
            out.insert(record.key.clone(), RowState::from_stored(record, r));
        }
    }
    Ok(out)
}

/// Rows as stored, with conflicts, search columns and attachment references as stored.
async fn load_stored(
    c: &impl GenericClient,
    keys: &[RowKey],
) -> Result<HashMap<RowKey, Stored>, BackendError> {
    let ids: Vec<Uuid> = keys.iter().map(|k| k.id).collect();
    let mut regs = load_registers(c, &ids).await?;
    let mut conflicts: HashMap<(String, Uuid), Vec<Conflict>> = HashMap::new();
    for r in c
        .query(
            "SELECT row_table, row_id, body FROM conflicts WHERE row_id = ANY($1) ORDER BY field",
            &[&ids],
        )
        .await
        .map_err(pg)?
    {
        conflicts
            .entry((r.get(0), r.get(1)))
            .or_default()
            .push(parse(r.get(2))?);
    }
    let mut refs: HashMap<(String, Uuid), Vec<(String, String)>> = HashMap::new();
    for r in c
        .query(
            "SELECT row_table, row_id, sha256, field FROM attachment_refs WHERE row_id = ANY($1) ORDER BY sha256, field",
            &[&ids],
        )
        .await
        .map_err(pg)?
    {
        refs.entry((r.get(0), r.get(1)))
            .or_default()
            .push((r.get(2), r.get(3)));
    }
    let mut out = HashMap::new();
    for (table, ids) in by_table(keys) {
        for (record, cells) in load_records(c, table, &ids).await? {
            let k = (record.key.table.clone(), record.key.id);
            out.insert(
                record.key.clone(),
                Stored {
                    state: RowState {
                        registers: regs.remove(&k).unwrap_or_default(),
                        conflicts: conflicts.remove(&k).unwrap_or_default(),
                        record,
                    },
                    cells,
                    refs: refs.remove(&k).unwrap_or_default(),
                },
            );
        }
    }
    Ok(out)
}

/// Writes rows of the read model: records and columns always; registers, conflicts and
/// attachment references where they changed. Set-based: one statement per kind and table.
pub(crate) async fn write_rows(
    c: &impl GenericClient,
    rows: &[RowWrite],
) -> Result<(), BackendError> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut tables: BTreeMap<&str, Vec<&RowWrite>> = BTreeMap::new();
    for w in rows {
        tables
            .entry(w.state.record.key.table.as_str())
            .or_default()
            .push(w);
    }
    for (table, ws) in tables {
        let cols = search_cols(table);
        let mut county = Vec::new();
        let mut id = Vec::new();
        let mut village = Vec::new();
        let mut household = Vec::new();
        let mut alive = Vec::new();
        let mut conflicts = Vec::new();
        let mut updated = Vec::new();
        let mut covered = Vec::new();
        let mut data = Vec::new();
        let mut texts: Vec<Vec<Option<String>>> = vec![Vec::new(); cols.len()];
        let mut ints: Vec<Vec<Option<i64>>> = vec![Vec::new(); cols.len()];
        for w in &ws {
            let r = &w.state.record;
            county.push(county_of(&r.village).to_owned());
            id.push(r.key.id);
            village.push(r.village.clone());
            household.push(r.household_id);
            alive.push(r.alive);
            conflicts.push(i32::try_from(r.conflicts).unwrap_or(i32::MAX));
            updated.push(to_i64(r.updated_ms));
            covered.push(if r.covered.is_empty() {
                None
            } else {
                Some(json(&r.covered)?)
            });
            data.push(json(&r.data)?);
            for (i, cell) in w.state.cells().into_iter().enumerate() {
                match cell {
                    Cell::Null => {
                        texts[i].push(None);
                        ints[i].push(None);
                    }
                    Cell::Text(s) => {
                        texts[i].push(Some(s));
                        ints[i].push(None);
                    }
                    Cell::Integer(n) => {
                        texts[i].push(None);
                        ints[i].push(Some(n));
                    }
                }
            }
        }
        let mut p: Vec<&(dyn ToSql + Sync)> = vec![
            &county, &id, &village, &household, &alive, &conflicts, &updated, &covered, &data,
        ];
        let mut types = vec![
            "text[]", "uuid[]", "text[]", "uuid[]", "bool[]", "int4[]", "int8[]", "text[]",
            "text[]",
        ];
        for (i, c) in cols.iter().enumerate() {
            match c.sql {
                SqlType::Text => {
                    p.push(&texts[i]);
                    types.push("text[]");
                }
                SqlType::Integer => {
                    p.push(&ints[i]);
                    types.push("int8[]");
                }
            }
        }
        let mut names: Vec<&str> = ROW_COLS.to_vec();
        names.extend(cols.iter().map(|c| c.name));
        let args: Vec<String> = types
            .iter()
            .enumerate()
            .map(|(i, t)| format!("${}::{t}", i + 1))
            .collect();
        let sets: Vec<String> = names[2..]
            .iter()
            .map(|n| format!("{n} = EXCLUDED.{n}"))
            .collect();
        c.execute(
            &format!(
                "INSERT INTO rm_{table} ({}) SELECT * FROM UNNEST({}) ON CONFLICT (county, id) DO UPDATE SET {}",
                names.join(", "),
                args.join(", "),
                sets.join(", ")
            ),
            &p,
        )
        .await
        .map_err(pg)?;
    }
    // Registers that changed.
    let (mut county, mut table, mut id, mut field, mut reg) =
        (vec![], vec![], vec![], vec![], vec![]);
    for w in rows {
        let r = &w.state.record;
        for f in &w.touched.fields {
            if let Some(register) = w.state.registers.get(f) {
                county.push(county_of(&r.village).to_owned());
                table.push(r.key.table.clone());
                id.push(r.key.id);
                field.push(f.clone());
                reg.push(json(register)?);
            }
        }
    }
    if !id.is_empty() {
        c.execute(
            "INSERT INTO field_state(county, row_table, row_id, field, register) \
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::uuid[], $4::text[], $5::text[]) \
             ON CONFLICT (county, row_table, row_id, field) DO UPDATE SET register = EXCLUDED.register",
            &[&county, &table, &id, &field, &reg],
        )
        .await
        .map_err(pg)?;
    }
    // Villages of new rows.
    let villages: Vec<String> = rows
        .iter()
        .filter(|w| w.new)
        .map(|w| w.state.record.village.clone())
        .collect();
    if !villages.is_empty() {
        let counties: Vec<String> = villages.iter().map(|v| county_of(v).to_owned()).collect();
        c.execute(
            "INSERT INTO villages(county, village) SELECT DISTINCT * FROM UNNEST($1::text[], $2::text[]) ON CONFLICT DO NOTHING",
            &[&counties, &villages],
        )
        .await
        .map_err(pg)?;
    }
    // Conflicts of rows whose conflicts changed.
    let changed: Vec<&RowWrite> = rows
        .iter()
        .filter(|w| w.touched.conflicts || (w.new && !w.state.conflicts.is_empty()))
        .collect();
    if !changed.is_empty() {
        let ids: Vec<Uuid> = changed.iter().map(|w| w.state.record.key.id).collect();
        let tables: Vec<String> = changed
            .iter()
            .map(|w| w.state.record.key.table.clone())
            .collect();
        c.execute(
            "DELETE FROM conflicts WHERE (row_table, row_id) IN (SELECT * FROM UNNEST($1::text[], $2::uuid[]))",
            &[&tables, &ids],
        )
        .await
        .map_err(pg)?;
        let (mut county, mut table, mut id, mut field, mut village, mut body) =
            (vec![], vec![], vec![], vec![], vec![], vec![]);
        for w in &changed {
            let r = &w.state.record;
            for conflict in &w.state.conflicts {
                county.push(county_of(&r.village).to_owned());
                table.push(r.key.table.clone());
                id.push(r.key.id);
                field.push(conflict.field.clone());
                village.push(r.village.clone());
                body.push(json(conflict)?);
            }
        }
        if !id.is_empty() {
            c.execute(
                "INSERT INTO conflicts(county, row_table, row_id, field, village, body) \
                 SELECT * FROM UNNEST($1::text[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::text[])",
                &[&county, &table, &id, &field, &village, &body],
            )
            .await
            .map_err(pg)?;
        }
    }
    // Attachment references of rows whose attachments changed.
    let changed: Vec<&RowWrite> = rows.iter().filter(|w| w.touched.attachments).collect();
    if !changed.is_empty() {
        let ids: Vec<Uuid> = changed.iter().map(|w| w.state.record.key.id).collect();
        let tables: Vec<String> = changed
            .iter()
            .map(|w| w.state.record.key.table.clone())
            .collect();
        c.execute(
            "DELETE FROM attachment_refs WHERE (row_table, row_id) IN (SELECT * FROM UNNEST($1::text[], $2::uuid[]))",
            &[&tables, &ids],
        )
        .await
        .map_err(pg)?;
        let (mut county, mut sha, mut table, mut id, mut field, mut village) =
            (vec![], vec![], vec![], vec![], vec![], vec![]);
        for w in &changed {
            let r = &w.state.record;
            for (s, f) in w.state.attachments() {
                county.push(county_of(&r.village).to_owned());
                sha.push(s);
                table.push(r.key.table.clone());
                id.push(r.key.id);
                field.push(f);
                village.push(r.village.clone());
            }
        }
        if !id.is_empty() {
            c.execute(
                "INSERT INTO attachment_refs(county, sha256, row_table, row_id, field, village) \
                 SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::uuid[], $5::text[], $6::text[]) ON CONFLICT DO NOTHING",
                &[&county, &sha, &table, &id, &field, &village],
            )
            .await
            .map_err(pg)?;
        }
    }
    Ok(())
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

async fn clear_rows(c: &impl GenericClient, keys: &[RowKey]) -> Result<(), BackendError> {
    for (table, ids) in by_table(keys) {
        if catalogue::table(table).is_some() {
            c.execute(
                &format!("DELETE FROM rm_{table} WHERE id = ANY($1)"),
                &[&ids],
            )
            .await
            .map_err(pg)?;
        }
        for t in ["field_state", "conflicts", "attachment_refs"] {
            c.execute(
                &format!("DELETE FROM {t} WHERE row_id = ANY($1) AND row_table = $2"),
                &[&ids, &table],
            )
            .await
            .map_err(pg)?;
        }
    }
    Ok(())
}

/// How many rows a rebuild compares at once.
const REBUILD_BATCH: usize = 500;

/// Compares the read model with a rebuild from the changes; with `replace`, writes the
/// rebuild where they differ and drops rows that have no changes. Row by row, in batches.
pub(crate) async fn rebuild(
    c: &impl GenericClient,
    replace: bool,
) -> Result<RebuildReport, BackendError> {
    let mut report = RebuildReport::default();
    let keys: Vec<RowKey> = c
        .query(
            "SELECT DISTINCT row_table, row_id FROM changes ORDER BY 1, 2",
            &[],
        )
        .await
        .map_err(pg)?
        .iter()
        .map(|r| RowKey::new(r.get::<_, String>(0), r.get(1)))
        .collect();
    report.rows = keys.len() as u64;
    for chunk in keys.chunks(REBUILD_BATCH) {
        let ids: Vec<Uuid> = chunk.iter().map(|k| k.id).collect();
        let mut changes: BTreeMap<RowKey, (String, Vec<Change>)> = BTreeMap::new();
        for r in c
            .query(
                "SELECT row_table, row_id, village, body FROM changes WHERE row_id = ANY($1) ORDER BY row_id, seq",
                &[&ids],
            )
            .await
            .map_err(pg)?
        {
            let key = RowKey::new(r.get::<_, String>(0), r.get(1));
            changes
                .entry(key)
                .or_insert_with(|| (r.get(2), Vec::new()))
                .1
                .push(parse(r.get(3))?);
            report.changes += 1;
        }
        let stored = load_stored(c, chunk).await?;
        let mut fixes = Vec::new();
        for (key, (village, cs)) in changes {
            let expected = RowState::replay(key.clone(), village, &cs);
            let diff = differences(&expected, stored.get(&key));
            if !diff.is_empty() {
                report.differences.extend(diff);
                fixes.push(expected);
            }
        }
        if replace && !fixes.is_empty() {
            let keys: Vec<RowKey> = fixes.iter().map(|s| s.record.key.clone()).collect();
            clear_rows(c, &keys).await?;
            let writes: Vec<RowWrite> = fixes.into_iter().map(full_write).collect();
            write_rows(c, &writes).await?;
        }
    }
    let mut orphans = Vec::new();
    for t in catalogue::tables() {
        for r in c
            .query(
                &format!(
                    "SELECT id FROM rm_{0} WHERE NOT EXISTS (SELECT 1 FROM changes WHERE row_id = rm_{0}.id AND row_table = '{0}')",
                    t.name
                ),
                &[],
            )
            .await
            .map_err(pg)?
        {
            orphans.push(RowKey::new(t.name, r.get::<_, Uuid>(0)));
        }
    }
    report.differences.extend(
        orphans
            .iter()
            .map(|k| format!("{k}: in the read model but has no changes")),
    );
    if replace && !orphans.is_empty() {
        clear_rows(c, &orphans).await?;
    }
    report.replaced = replace && !report.differences.is_empty();
    Ok(report)
}

/// A row's current values, when it is in the scope.
pub(crate) async fn row(
    c: &impl GenericClient,
    scope: &Scope,
    key: &RowKey,
) -> Result<Option<RowRecord>, BackendError> {
    Ok(load_records(c, &key.table, &[key.id])
        .await?
        .into_iter()
        .map(|(r, _)| r)
        .find(|r| scope.contains(&r.village)))
}

/// A page of a table's live rows in a scope, by village and id.
pub(crate) async fn rows(
    c: &impl GenericClient,
    scope: &Scope,
    q: &fangpin_server::backend::RowQuery,
) -> Result<Vec<RowRecord>, BackendError> {
    let Some(t) = catalogue::table(&q.table) else {
        return Err(BackendError::NotFound(format!("table {}", q.table)));
    };
    let (after_village, after_id) = q
        .after
        .clone()
        .map_or((None, None), |(v, id)| (Some(v), Some(id)));
    let households = q.households.clone();
    let limit = i64::from(q.limit);
    let head: [&(dyn ToSql + Sync); 4] = [&after_village, &after_id, &households, &limit];
    let (sql, args) = county_scope_sql(scope, head.len() + 1);
    let rows = c
        .query(
            &format!(
                "SELECT id, village, household_id, conflicts, updated_ms, data FROM rm_{} \
                 WHERE alive AND {sql} \
                 AND ($1::text IS NULL OR (village, id) > ($1::text, $2::uuid)) \
                 AND ($3::uuid[] IS NULL OR household_id = ANY($3::uuid[])) \
                 ORDER BY village, id LIMIT $4",
                t.name
            ),
            &params(&head, &args),
        )
        .await
        .map_err(pg)?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let data: String = r.get(5);
        out.push(RowRecord {
            key: RowKey::new(t.name, r.get::<_, Uuid>(0)),
            village: r.get(1),
            household_id: r.get(2),
            alive: true,
            conflicts: u32::try_from(r.get::<_, i32>(3)).unwrap_or(0),
            updated_ms: u64::try_from(r.get::<_, i64>(4)).unwrap_or(0),
            data: parse(&data)?,
            covered: Vec::new(),
        });
    }
    Ok(out)
}

/// Open conflicts in a scope.
pub(crate) async fn conflicts(
    c: &impl GenericClient,
    scope: &Scope,
) -> Result<Vec<Conflict>, BackendError> {
    let (sql, args) = scope_sql(scope, "village", 1);
    let rows = c
        .query(
            &format!("SELECT body FROM conflicts WHERE {sql} ORDER BY row_table, row_id, field"),
            &params(&[], &args),
        )
        .await
        .map_err(pg)?;
    rows.iter().map(|r| parse(r.get(0))).collect()
}

/// Every accepted version of a field in a scope, oldest first.
pub(crate) async fn history(
    c: &impl GenericClient,
    scope: &Scope,
    key: &RowKey,
    field: &str,
) -> Result<Vec<AuditEntry>, BackendError> {
    let rows = c
        .query(
            "SELECT seq, body, user_id, device, received_ms, village FROM changes \
             WHERE row_id = $2 AND row_table = $1 AND field = $3 ORDER BY seq",
            &[&key.table, &key.id, &field],
        )
        .await
        .map_err(pg)?;
    let mut out = Vec::new();
    for r in rows {
        let village: String = r.get(5);
        if scope.contains(&village) {
            out.push(AuditEntry {
                seq: u64::try_from(r.get::<_, i64>(0)).unwrap_or(0),
                change: parse(r.get(1))?,
                user: r.get(2),
                device: r.get(3),
                received_ms: r.get(4),
            });
        }
    }
    Ok(out)
}

/// Figures per village in a scope, from the households' read model.
pub(crate) async fn progress(
    c: &impl GenericClient,
    scope: &Scope,
    since: &str,
) -> Result<Vec<VillageProgress>, BackendError> {
    let (sql, args) = county_scope_sql(scope, 2);
    let rows = c
        .query(
            &format!(
                "SELECT village, COUNT(*), \
                 COUNT(*) FILTER (WHERE screened_on >= $1), \
                 COUNT(*) FILTER (WHERE household_type = 'formerly_poor'), \
                 COUNT(*) FILTER (WHERE household_type = 'monitored'), \
                 COUNT(*) FILTER (WHERE household_type = 'ordinary') \
                 FROM rm_household WHERE alive AND {sql} GROUP BY village ORDER BY village"
            ),
            &params(&[&since], &args),
        )
        .await
        .map_err(pg)?;
    let mut out: BTreeMap<String, VillageProgress> = BTreeMap::new();
    for r in rows {
        let village: String = r.get(0);
        let n = |i: usize| u64::try_from(r.get::<_, i64>(i)).unwrap_or(0);
        out.insert(
            village.clone(),
            VillageProgress {
                village,
                households: n(1),
                screened: n(2),
                formerly_poor: n(3),
                monitored: n(4),
                ordinary: n(5),
                conflicts: 0,
            },
        );
    }
    let (sql, args) = scope_sql(scope, "village", 1);
    for r in c
        .query(
            &format!("SELECT village, COUNT(*) FROM conflicts WHERE {sql} GROUP BY village"),
            &params(&[], &args),
        )
        .await
        .map_err(pg)?
    {
        let village: String = r.get(0);
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
            .conflicts = u64::try_from(r.get::<_, i64>(1)).unwrap_or(0);
    }
    Ok(out.into_values().collect())
}
