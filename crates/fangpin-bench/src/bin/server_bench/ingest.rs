//! `ingest`: a county's screening pushed by many devices at once through `Backend::push` (scope,
//! catalogue checks, judging, merging, the read model), beside a plain bulk insert of the rows
//! the push writes, into the same schema of the same kind of database, in the same run.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Result};
use fangpin_catalogue::{self as catalogue, Cell, SqlType};
use fangpin_server::model::{Actor, Role, Scope};
use fangpin_server::state::county_of;
use fangpin_server::Backend;
use fangpin_server_postgres::PostgresBackend;
use fangpin_server_sqlite::SqliteBackend;
use fangpin_sync::wire::PROTOCOL_VERSION;
use fangpin_sync::Change;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use crate::common::{
    cpu_secs, cut, device, now_ms, plain_batches, relocate, rm_columns, tempdir, today, township,
    truncate_at_row, user, PlainBatch,
};

/// How the workload is shaped.
pub struct Options {
    /// Devices pushing at once.
    pub devices: usize,
    /// Changes in all.
    pub changes: usize,
    /// Changes per batch (cut at row boundaries).
    pub batch: usize,
    /// Townships the devices work in.
    pub townships: usize,
    /// Also PostgreSQL.
    pub postgres: bool,
}

/// One device's work: its account and its batches.
struct Work {
    device: Uuid,
    user: Uuid,
    township: String,
    batches: Vec<Vec<Change>>,
}

fn device_id(d: usize) -> Uuid {
    Uuid::from_u128(0xD000 + d as u128)
}

fn user_id(d: usize) -> Uuid {
    Uuid::from_u128(0xE000 + d as u128)
}

/// Each device generates households in 12 villages of its township (devices of a township
/// get different villages) and writes them as a screening does: household, members, income
/// years, problems in the ledger with their status moves; batches of about `batch` changes.
fn workload(o: &Options) -> Result<Vec<Work>> {
    let today = today();
    let wall = now_ms() as u64;
    // Changes per household, from a sample.
    let sample = fangpin_app::township::generate(1, 240, today);
    let per_household = fangpin_app::township::changes(&sample, device_id(0), user_id(0), wall)
        .iter()
        .map(Vec::len)
        .sum::<usize>() as f64
        / 240.0;
    let per_device = o.changes / o.devices;
    let households = (per_device as f64 / per_household * 1.05).ceil() as usize + 12;
    let mut out = Vec::with_capacity(o.devices);
    for d in 0..o.devices {
        let t = township(d % o.townships);
        let block = d / o.townships;
        let villages: Vec<String> = (0..12)
            .map(|i| format!("{t}{:03}", 201 + 12 * block + i))
            .collect();
        let mut town = fangpin_app::township::generate(1000 + d as u64, households, today);
        relocate(&mut town, &villages, 0, today);
        let mut all: Vec<Change> =
            fangpin_app::township::changes(&town, device_id(d), user_id(d), wall)
                .into_iter()
                .flatten()
                .collect();
        truncate_at_row(&mut all, per_device);
        out.push(Work {
            device: device_id(d),
            user: user_id(d),
            township: t,
            batches: cut(all, o.batch),
        });
    }
    Ok(out)
}

async fn actors(b: &dyn Backend, work: &[Work]) -> Result<Vec<Actor>> {
    let mut out = Vec::with_capacity(work.len());
    for (d, w) in work.iter().enumerate() {
        let u = user(
            w.user,
            &format!("zhen{d}"),
            Role::TownshipSupervisor,
            Scope::new([w.township.clone()]),
        );
        b.create_user(u.clone(), String::new()).await?;
        out.push(device(b, &u, w.device, &format!("secret-{d}")).await?);
    }
    Ok(out)
}

/// Every device pushes its batches in turn, all devices at once.
async fn push_all(b: Arc<dyn Backend>, work: &[Work], actors: &[Actor]) -> Result<(u64, f64)> {
    let start = Instant::now();
    let mut tasks = Vec::new();
    for (w, a) in work.iter().zip(actors) {
        let b = b.clone();
        let a = a.clone();
        let batches = w.batches.clone();
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            for batch in batches {
                let resp = b.push(a.clone(), PROTOCOL_VERSION, batch, now_ms()).await?;
                if let Some(r) = resp.refusals.first() {
                    bail!(
                        "refused: {} {}.{}: {}",
                        r.code.as_str(),
                        r.row,
                        r.field,
                        r.reason
                    );
                }
                n += u64::from(resp.accepted);
            }
            Ok::<u64, anyhow::Error>(n)
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await??;
    }
    Ok((total, start.elapsed().as_secs_f64()))
}

/// The shared planner alone (judging and merging every batch, in memory, with the rows of
/// earlier batches at hand as a backend would load them): the CPU part of a push that no
/// database does.
fn plan_in_memory(work: &[Work], actors: &[Actor]) -> Result<(f64, f64, f64)> {
    use fangpin_server::judge::Pusher;
    use fangpin_server::plan::{plan_push, rows_to_load, Loaded};
    use fangpin_sync::{DeviceId, UserId};
    let mut rows: HashMap<fangpin_sync::RowKey, fangpin_server::state::RowState> = HashMap::new();
    let mut secs = 0.0;
    for (w, a) in work.iter().zip(actors) {
        let pusher = Pusher {
            role: a.user.role,
            policy: &a.policy,
            scope: &a.user.scope,
            user: UserId(a.user.id),
            device: DeviceId(a.device.id),
            now_ms: now_ms(),
        };
        for batch in &w.batches {
            let mut loaded = Loaded::default();
            for key in rows_to_load(batch) {
                if let Some(s) = rows.get(&key) {
                    loaded.rows.insert(key, s.clone());
                }
            }
            let t = Instant::now();
            let plan = plan_push(&pusher, batch, loaded).map_err(|e| anyhow::anyhow!("{e}"))?;
            secs += t.elapsed().as_secs_f64();
            if let Some((_, r, _)) = plan.refused.first() {
                bail!("refused: {}", r.reason);
            }
            for r in plan.rows {
                rows.insert(r.state.record.key.clone(), r.state);
            }
        }
    }
    // Merging alone: every row's changes applied one at a time (as the planner applies them)
    // and all at once (one recompute of the row's values and conflicts).
    let (mut each, mut once) = (0.0, 0.0);
    for w in work {
        for batch in &w.batches {
            let mut by_row: HashMap<&fangpin_sync::RowKey, Vec<&Change>> = HashMap::new();
            for c in batch {
                by_row.entry(&c.row).or_default().push(c);
            }
            for (key, cs) in by_row {
                let t = Instant::now();
                let mut s = fangpin_server::state::RowState::new(key.clone(), String::new());
                for c in &cs {
                    s.apply([*c]);
                }
                each += t.elapsed().as_secs_f64();
                let t = Instant::now();
                let all = fangpin_server::state::RowState::replay(key.clone(), String::new(), cs);
                once += t.elapsed().as_secs_f64();
                if all.record.data != s.record.data {
                    bail!("{key}: merged differently");
                }
            }
        }
    }
    Ok((secs, each, once))
}

/// The batches in the order a plain loader takes them: device by device.
fn plain_work(work: &[Work]) -> Result<Vec<PlainBatch>> {
    let mut households = HashMap::new();
    let mut out = Vec::new();
    for w in work {
        out.extend(plain_batches(&w.batches, &mut households)?);
    }
    Ok(out)
}

fn sql_cell(c: Cell) -> rusqlite::types::Value {
    match c {
        Cell::Null => rusqlite::types::Value::Null,
        Cell::Text(s) => rusqlite::types::Value::Text(s),
        Cell::Integer(n) => rusqlite::types::Value::Integer(n),
    }
}

/// The plain SQLite insert: the schema the backend creates, the backend's settings (WAL,
/// `synchronous=FULL`), one transaction per batch: a row of `changes` per change, a row of
/// `rm_<table>` per row with its columns and data JSON, a row of `field_state` per field.
fn plain_sqlite(
    path: &std::path::Path,
    work: &[PlainBatch],
    now: i64,
    synchronous: &str,
) -> Result<(u64, f64)> {
    drop(SqliteBackend::open(path)?);
    let mut c = rusqlite::Connection::open(path)?;
    c.pragma_update(None, "journal_mode", "WAL")?;
    c.pragma_update(None, "synchronous", synchronous)?;
    let upserts: HashMap<&str, String> = catalogue::tables()
        .iter()
        .map(|t| {
            let cols = rm_columns(t.name, false);
            let marks: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
            (
                t.name,
                format!(
                    "INSERT INTO rm_{} ({}) VALUES ({})",
                    t.name,
                    cols.join(", "),
                    marks.join(", ")
                ),
            )
        })
        .collect();
    let start = Instant::now();
    let mut n = 0;
    for batch in work {
        let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        {
            let mut st = tx.prepare_cached(
                "INSERT INTO changes(device, dseq, row_table, row_id, field, village, user_id, received_ms, body) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?;
            for (ch, village) in &batch.changes {
                st.execute(rusqlite::params![
                    ch.id.device.0,
                    ch.id.seq as i64,
                    ch.row.table,
                    ch.row.id,
                    ch.field,
                    village,
                    ch.author.0,
                    now,
                    serde_json::to_string(ch)?
                ])?;
                n += 1;
            }
            let mut reg = tx.prepare_cached(
                "INSERT INTO field_state(row_table, row_id, field, register) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for s in &batch.rows {
                let r = &s.record;
                let mut values: Vec<rusqlite::types::Value> = vec![
                    rusqlite::types::Value::Blob(r.key.id.as_bytes().to_vec()),
                    r.village.clone().into(),
                    r.household_id.map_or(rusqlite::types::Value::Null, |h| {
                        rusqlite::types::Value::Blob(h.as_bytes().to_vec())
                    }),
                    i64::from(r.alive).into(),
                    i64::from(r.conflicts).into(),
                    (r.updated_ms as i64).into(),
                    if r.covered.is_empty() {
                        rusqlite::types::Value::Null
                    } else {
                        serde_json::to_string(&r.covered)?.into()
                    },
                    serde_json::to_string(&r.data)?.into(),
                ];
                values.extend(s.cells().into_iter().map(sql_cell));
                tx.prepare_cached(&upserts[r.key.table.as_str()])?
                    .execute(rusqlite::params_from_iter(values))?;
                for (f, register) in &s.registers {
                    reg.execute(rusqlite::params![
                        r.key.table,
                        r.key.id,
                        f,
                        serde_json::to_string(register)?
                    ])?;
                }
            }
        }
        tx.commit()?;
    }
    Ok((n, start.elapsed().as_secs_f64()))
}

/// The plain PostgreSQL insert: the schema the backend creates, one transaction per batch,
/// one `UNNEST` insert for the changes, one per read-model table and one for `field_state`.
async fn plain_postgres(url: &str, work: &[PlainBatch], now: i64) -> Result<(u64, f64)> {
    drop(PostgresBackend::connect(url, 1).await?);
    let (mut client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    tokio::spawn(conn);
    let start = Instant::now();
    let mut n = 0;
    for batch in work {
        let tx = client.transaction().await?;
        let m = batch.changes.len();
        let mut county = Vec::with_capacity(m);
        let mut dev = Vec::with_capacity(m);
        let mut dseq = Vec::with_capacity(m);
        let mut table = Vec::with_capacity(m);
        let mut id = Vec::with_capacity(m);
        let mut field = Vec::with_capacity(m);
        let mut village = Vec::with_capacity(m);
        let mut user = Vec::with_capacity(m);
        let mut body = Vec::with_capacity(m);
        for (c, v) in &batch.changes {
            county.push(county_of(v));
            dev.push(c.id.device.0);
            dseq.push(c.id.seq as i64);
            table.push(c.row.table.as_str());
            id.push(c.row.id);
            field.push(c.field.as_str());
            village.push(v.as_str());
            user.push(c.author.0);
            body.push(serde_json::to_string(c)?);
        }
        tx.execute(
            "INSERT INTO changes(county, device, dseq, row_table, row_id, field, village, user_id, received_ms, body) \
             SELECT c, d, s, t, i, f, v, u, $10, b FROM UNNEST($1::text[], $2::uuid[], $3::bigint[], $4::text[], $5::uuid[], $6::text[], $7::text[], $8::uuid[], $9::text[]) AS x(c, d, s, t, i, f, v, u, b)",
            &[&county, &dev, &dseq, &table, &id, &field, &village, &user, &body, &now],
        )
        .await?;
        n += m as u64;
        insert_rm_postgres(&tx, &batch.rows).await?;
        let (mut county, mut table, mut id, mut field, mut reg) =
            (vec![], vec![], vec![], vec![], vec![]);
        for s in &batch.rows {
            let r = &s.record;
            for (f, register) in &s.registers {
                county.push(county_of(&r.village));
                table.push(r.key.table.as_str());
                id.push(r.key.id);
                field.push(f.as_str());
                reg.push(serde_json::to_string(register)?);
            }
        }
        tx.execute(
            "INSERT INTO field_state(county, row_table, row_id, field, register) \
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::uuid[], $4::text[], $5::text[])",
            &[&county, &table, &id, &field, &reg],
        )
        .await?;
        tx.commit().await?;
    }
    Ok((n, start.elapsed().as_secs_f64()))
}

/// Inserts read-model rows with one `UNNEST` statement per table (no conflict handling).
pub async fn insert_rm_postgres(
    c: &impl tokio_postgres::GenericClient,
    rows: &[fangpin_server::state::RowState],
) -> Result<()> {
    let mut tables: std::collections::BTreeMap<&str, Vec<&fangpin_server::state::RowState>> =
        std::collections::BTreeMap::new();
    for s in rows {
        tables
            .entry(s.record.key.table.as_str())
            .or_default()
            .push(s);
    }
    for (table, ss) in tables {
        let cols: Vec<&catalogue::Column> = catalogue::table(table)
            .map(|t| t.columns().map(|(_, c)| c).collect())
            .unwrap_or_default();
        let (mut county, mut id, mut village, mut household, mut alive) =
            (vec![], vec![], vec![], vec![], vec![]);
        let (mut conflicts, mut updated, mut covered, mut data) = (vec![], vec![], vec![], vec![]);
        let mut texts: Vec<Vec<Option<String>>> = vec![Vec::new(); cols.len()];
        let mut ints: Vec<Vec<Option<i64>>> = vec![Vec::new(); cols.len()];
        for s in &ss {
            let r = &s.record;
            county.push(county_of(&r.village).to_owned());
            id.push(r.key.id);
            village.push(r.village.clone());
            household.push(r.household_id);
            alive.push(r.alive);
            conflicts.push(r.conflicts as i32);
            updated.push(r.updated_ms as i64);
            covered.push(if r.covered.is_empty() {
                None
            } else {
                Some(serde_json::to_string(&r.covered)?)
            });
            data.push(serde_json::to_string(&r.data)?);
            for (i, cell) in s.cells().into_iter().enumerate() {
                let (t, n) = match cell {
                    Cell::Null => (None, None),
                    Cell::Text(s) => (Some(s), None),
                    Cell::Integer(n) => (None, Some(n)),
                };
                texts[i].push(t);
                ints[i].push(n);
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
        let args: Vec<String> = types
            .iter()
            .enumerate()
            .map(|(i, t)| format!("${}::{t}", i + 1))
            .collect();
        c.execute(
            &format!(
                "INSERT INTO rm_{table} ({}) SELECT * FROM UNNEST({})",
                rm_columns(table, true).join(", "),
                args.join(", ")
            ),
            &p,
        )
        .await?;
    }
    Ok(())
}

fn line(name: &str, n: u64, secs: f64, cpu: Option<f64>) -> f64 {
    let rate = n as f64 / secs;
    let cpu = cpu.map_or(String::new(), |c| {
        format!("   ({c:.1} s CPU in this process)")
    });
    println!("  {name:<48} {n:>9} changes {secs:>8.2} s {rate:>10.0} changes/s{cpu}");
    rate
}

/// Runs the ingest on SQLite and, unless told not to, on PostgreSQL.
pub async fn run(o: &Options) -> Result<()> {
    let t = Instant::now();
    let work = workload(o)?;
    let total: usize = work.iter().flat_map(|w| &w.batches).map(Vec::len).sum();
    let batches: usize = work.iter().map(|w| w.batches.len()).sum();
    let mut rows = 0usize;
    let mut by_table: std::collections::BTreeMap<String, usize> = Default::default();
    let plain = plain_work(&work)?;
    let mut fields = 0usize;
    for b in &plain {
        rows += b.rows.len();
        for s in &b.rows {
            *by_table.entry(s.record.key.table.clone()).or_default() += 1;
            fields += s.registers.len();
        }
    }
    println!(
        "ingest: {total} changes of {rows} rows ({}) pushed by {} devices at once in {batches} batches of about {} (prepared in {:.1} s)",
        by_table
            .iter()
            .map(|(t, n)| format!("{n} {t}"))
            .collect::<Vec<_>>()
            .join(", "),
        o.devices,
        o.batch,
        t.elapsed().as_secs_f64()
    );
    println!("  the plain insert writes {total} rows of changes, {rows} read-model rows and {fields} rows of field_state");
    let dir = tempdir()?;

    // The plain insert runs before and after the push; the baseline is their mean, so a
    // change in the machine's load during the run weighs on both sides alike.
    let cpu = cpu_secs();
    let (pn, before) = plain_sqlite(&dir.join("plain-before.db"), &plain, now_ms(), "FULL")?;
    let before_cpu = cpu_secs() - cpu;
    let sqlite = Arc::new(SqliteBackend::open(&dir.join("server.db"))?);
    let acts = actors(&*sqlite, &work).await?;
    let cpu = cpu_secs();
    let (n, secs) = push_all(sqlite.clone(), &work, &acts).await?;
    let push_cpu = cpu_secs() - cpu;
    check_rows(&*sqlite, &by_table).await?;
    drop(sqlite);
    let cpu = cpu_secs();
    let (_, after) = plain_sqlite(&dir.join("plain-after.db"), &plain, now_ms(), "FULL")?;
    let after_cpu = cpu_secs() - cpu;
    let cpu = cpu_secs();
    let (nn, nsecs) = plain_sqlite(&dir.join("plain-normal.db"), &plain, now_ms(), "NORMAL")?;
    let normal_cpu = cpu_secs() - cpu;
    let (planned, each, once) = plan_in_memory(&work, &acts)?;
    println!("SQLite (WAL, synchronous=FULL as the backend runs; one transaction per batch)");
    line(
        "plain insert of the same rows, before the push",
        pn,
        before,
        Some(before_cpu),
    );
    line(
        "plain insert of the same rows, after the push",
        pn,
        after,
        Some(after_cpu),
    );
    let base = line("baseline: their mean", pn, (before + after) / 2.0, None);
    let rate = line("Backend::push", n, secs, Some(push_cpu));
    println!(
        "  push/plain: {:.2}x the baseline's time per change (target within 2x)",
        base / rate
    );
    line(
        "for reference: plain insert, synchronous=NORMAL",
        nn,
        nsecs,
        Some(normal_cpu),
    );
    println!("  for reference: the shared planner alone (judge and merge in memory) took {planned:.2} s of the push;");
    println!("    for comparison, recomputing a row after each of its changes (as the planner once did): {each:.2} s; once per row: {once:.2} s");
    for p in [
        "plain-before.db",
        "plain-after.db",
        "plain-normal.db",
        "server.db",
    ] {
        let _ = std::fs::remove_file(dir.join(p));
    }

    if o.postgres {
        let cluster = fangpin_server::cluster::Cluster::start().map_err(anyhow::Error::msg)?;
        let url = cluster
            .database("plain_before")
            .map_err(anyhow::Error::msg)?;
        let (pn, before) = plain_postgres(&url, &plain, now_ms()).await?;
        let url = cluster.database("bench").map_err(anyhow::Error::msg)?;
        let pg = Arc::new(PostgresBackend::connect(&url, 8).await?);
        let acts = actors(&*pg, &work).await?;
        let (n, secs) = push_all(pg.clone(), &work, &acts).await?;
        check_rows(&*pg, &by_table).await?;
        drop(pg);
        let url = cluster
            .database("plain_after")
            .map_err(anyhow::Error::msg)?;
        let (_, after) = plain_postgres(&url, &plain, now_ms()).await?;
        println!("PostgreSQL (the throwaway cluster: fsync=off; one transaction per batch)");
        line(
            "plain insert of the same rows, before the push",
            pn,
            before,
            None,
        );
        line(
            "plain insert of the same rows, after the push",
            pn,
            after,
            None,
        );
        let base = line("baseline: their mean", pn, (before + after) / 2.0, None);
        let rate = line("Backend::push", n, secs, None);
        println!(
            "  push/plain: {:.2}x the baseline's time per change (target within 2.5x)",
            base / rate
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// Checks that the pushed households show in the read model (progress counts them).
async fn check_rows(
    b: &dyn Backend,
    by_table: &std::collections::BTreeMap<String, usize>,
) -> Result<()> {
    let p = b
        .progress(
            Scope::new([fangpin_app::township::COUNTY]),
            "2000-01-01".into(),
        )
        .await?;
    let households: u64 = p.iter().map(|v| v.households).sum();
    let want = by_table.get(catalogue::HOUSEHOLD).copied().unwrap_or(0) as u64;
    if households != want {
        bail!("the read model shows {households} households, {want} were pushed");
    }
    Ok(())
}
