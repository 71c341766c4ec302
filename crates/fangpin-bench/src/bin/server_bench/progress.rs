//! `progress`: the console's figures per village for a whole county (`Backend::progress`) over
//! a read model of 300,000 households, beside a plain `SELECT COUNT(*)` of the same table on
//! the same database, in the same run.
//!
//! The read model is loaded directly (pushing 300,000 households would take hours and is
//! what `ingest` measures): generated households, moved into 15 townships of 12 villages,
//! each with a screening date (four in five this year), written as the push writes their
//! `rm_household` rows (columns and data JSON).

use std::time::Instant;

use anyhow::{bail, Context, Result};
use fangpin_app::rows::{to_rows, RecordIds};
use fangpin_app::township::COUNTY;
use fangpin_server::model::Scope;
use fangpin_server::state::RowState;
use fangpin_server::Backend;
use fangpin_server_postgres::PostgresBackend;
use fangpin_server_sqlite::SqliteBackend;
use fangpin_sync::RowKey;

use crate::common::{median, now_ms, relocate, rm_columns, tempdir, today, township};

/// How big, how often.
pub struct Options {
    /// Households in the county.
    pub households: usize,
    /// Timed runs of each query (after one untimed).
    pub runs: usize,
    /// Also PostgreSQL.
    pub postgres: bool,
}

const TOWNSHIPS: usize = 15;
const CHUNK: usize = 10_000;

/// The county's households as read-model rows, chunk by chunk (to bound memory).
fn for_each_chunk(
    households: usize,
    mut each: impl FnMut(Vec<RowState>) -> Result<()>,
) -> Result<()> {
    for k in 0..households.div_ceil(CHUNK) {
        each(chunk(households, k)?)?;
    }
    Ok(())
}

/// The `k`th chunk of the county's households as read-model rows.
fn chunk(households: usize, k: usize) -> Result<Vec<RowState>> {
    let today = today();
    let wall = now_ms() as u64;
    {
        let n = CHUNK.min(households - k * CHUNK);
        let t = township(k % TOWNSHIPS);
        let block = k / TOWNSHIPS % 4;
        let villages: Vec<String> = (0..12)
            .map(|i| format!("{t}{:03}", 201 + 12 * block + i))
            .collect();
        let mut town = fangpin_app::township::generate(5000 + k as u64, n, today);
        relocate(&mut town, &villages, (k / TOWNSHIPS * CHUNK) as u64, today);
        let mut rows = Vec::with_capacity(n);
        for h in &town.households {
            let members = h.doc["members"].as_array().map_or(0, Vec::len);
            let ids = RecordIds::new(members);
            let (key, fields) = to_rows(&h.doc, &ids)?
                .into_iter()
                .next()
                .context("the household row")?;
            let village = h.doc["household"]["area"]["code"]
                .as_str()
                .context("village")?
                .to_owned();
            let mut s = RowState::new(RowKey::new(key.table, key.id), village);
            s.record.data = fields.into_iter().collect();
            s.record.alive = true;
            s.record.updated_ms = wall;
            rows.push(s);
        }
        Ok(rows)
    }
}

fn sqlite_value(c: fangpin_catalogue::Cell) -> rusqlite::types::Value {
    use fangpin_catalogue::Cell;
    match c {
        Cell::Null => rusqlite::types::Value::Null,
        Cell::Text(s) => s.into(),
        Cell::Integer(n) => n.into(),
    }
}

fn load_sqlite(path: &std::path::Path, households: usize) -> Result<()> {
    let mut c = rusqlite::Connection::open(path)?;
    c.pragma_update(None, "journal_mode", "WAL")?;
    let cols = rm_columns("household", false);
    let marks: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
    let sql = format!(
        "INSERT INTO rm_household ({}) VALUES ({})",
        cols.join(", "),
        marks.join(", ")
    );
    for_each_chunk(households, |rows| {
        let tx = c.transaction()?;
        {
            let mut st = tx.prepare_cached(&sql)?;
            let mut v = tx.prepare_cached("INSERT OR IGNORE INTO villages(village) VALUES (?1)")?;
            for s in rows {
                let r = &s.record;
                let mut values: Vec<rusqlite::types::Value> = vec![
                    rusqlite::types::Value::Blob(r.key.id.as_bytes().to_vec()),
                    r.village.clone().into(),
                    rusqlite::types::Value::Blob(r.key.id.as_bytes().to_vec()),
                    1i64.into(),
                    0i64.into(),
                    (r.updated_ms as i64).into(),
                    rusqlite::types::Value::Null,
                    serde_json::to_string(&r.data)?.into(),
                ];
                values.extend(s.cells().into_iter().map(sqlite_value));
                st.execute(rusqlite::params_from_iter(values))?;
                v.execute([&r.village])?;
            }
        }
        tx.commit()?;
        Ok(())
    })?;
    c.execute_batch("ANALYZE")?;
    Ok(())
}

async fn load_postgres(url: &str, households: usize) -> Result<()> {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    tokio::spawn(conn);
    for k in 0..households.div_ceil(CHUNK) {
        let rows = chunk(households, k)?;
        for part in rows.chunks(2_000) {
            crate::ingest::insert_rm_postgres(&client, part).await?;
        }
        let villages: Vec<String> = rows.iter().map(|s| s.record.village.clone()).collect();
        let counties: Vec<String> = villages.iter().map(|v| v[..6].to_owned()).collect();
        client
            .execute(
                "INSERT INTO villages(county, village) SELECT DISTINCT * FROM UNNEST($1::text[], $2::text[]) ON CONFLICT DO NOTHING",
                &[&counties, &villages],
            )
            .await?;
    }
    client.batch_execute("ANALYZE rm_household").await?;
    Ok(())
}

async fn time_progress(
    b: &dyn Backend,
    runs: usize,
    want: usize,
) -> Result<(Vec<f64>, u64, usize)> {
    let scope = Scope::new([COUNTY]);
    let mut times = Vec::new();
    let mut screened = 0;
    let mut villages = 0;
    for i in 0..=runs {
        let t = Instant::now();
        let p = b.progress(scope.clone(), "2026-01-01".into()).await?;
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        let households: u64 = p.iter().map(|v| v.households).sum();
        if households != want as u64 {
            bail!("progress counted {households} households, {want} were loaded");
        }
        screened = p.iter().map(|v| v.screened).sum();
        villages = p.len();
        if i > 0 {
            times.push(ms);
        }
    }
    Ok((times, screened, villages))
}

fn report(name: &str, progress: &mut [f64], baseline: &mut [f64], grouped: &mut [f64]) {
    let (pmin, pmax) = (
        progress.iter().copied().fold(f64::MAX, f64::min),
        progress.iter().copied().fold(0.0, f64::max),
    );
    let p = median(progress);
    let b = median(baseline);
    let g = median(grouped);
    println!("{name}");
    println!("  SELECT COUNT(*) FROM rm_household (baseline)                 median {b:>8.2} ms");
    println!("  SELECT village, COUNT(*) FROM rm_household GROUP BY village  median {g:>8.2} ms");
    println!(
        "  Backend::progress(county {COUNTY})                         median {p:>8.2} ms (min {pmin:.2}, max {pmax:.2}); {:.2}x the COUNT(*), {:.2}x the GROUP BY; target under 200 ms",
        p / b,
        p / g
    );
}

/// Runs the progress benchmark on SQLite and, unless told not to, on PostgreSQL.
pub async fn run(o: &Options) -> Result<()> {
    println!(
        "progress: figures per village of county {COUNTY} over {} households, median of {} runs after one untimed",
        o.households, o.runs
    );
    let dir = tempdir()?;
    let path = dir.join("server.db");
    drop(SqliteBackend::open(&path)?);
    let t = Instant::now();
    load_sqlite(&path, o.households)?;
    println!("  SQLite loaded in {:.1} s", t.elapsed().as_secs_f64());
    let b = SqliteBackend::open(&path)?;
    let (mut times, screened, villages) = time_progress(&b, o.runs, o.households).await?;
    let c = rusqlite::Connection::open(&path)?;
    let mut base = Vec::new();
    let mut grouped = Vec::new();
    for i in 0..=o.runs {
        let t = Instant::now();
        let n: i64 = c.query_row("SELECT COUNT(*) FROM rm_household", [], |r| r.get(0))?;
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        if n as usize != o.households {
            bail!("counted {n}");
        }
        let t = Instant::now();
        let g: Vec<i64> = c
            .prepare_cached("SELECT village, COUNT(*) FROM rm_household GROUP BY village")?
            .query_map([], |r| r.get(1))?
            .collect::<Result<_, _>>()?;
        let gms = t.elapsed().as_secs_f64() * 1000.0;
        if g.iter().sum::<i64>() as usize != o.households {
            bail!("grouped {}", g.iter().sum::<i64>());
        }
        if i > 0 {
            base.push(ms);
            grouped.push(gms);
        }
    }
    println!("  {villages} villages; {screened} households screened since 2026-01-01");
    report("SQLite", &mut times, &mut base, &mut grouped);
    let plan: Vec<String> = c
        .prepare(
            "EXPLAIN QUERY PLAN SELECT village, COUNT(*), COALESCE(SUM(screened_on >= '2026-01-01'), 0), \
             COALESCE(SUM(household_type = 'formerly_poor'), 0), COALESCE(SUM(household_type = 'monitored'), 0), \
             COALESCE(SUM(household_type = 'ordinary'), 0) FROM rm_household WHERE alive = 1 AND \
             ((village >= '530325' AND village < '530325:')) GROUP BY village ORDER BY village",
        )?
        .query_map([], |r| r.get::<_, String>(3))?
        .collect::<Result<_, _>>()?;
    println!("  plan: {}", plan.join("; "));
    drop(c);
    drop(b);

    if o.postgres {
        let cluster = fangpin_server::cluster::Cluster::start().map_err(anyhow::Error::msg)?;
        let url = cluster.database("progress").map_err(anyhow::Error::msg)?;
        let b = PostgresBackend::connect(&url, 4).await?;
        let t = Instant::now();
        load_postgres(&url, o.households).await?;
        println!("  PostgreSQL loaded in {:.1} s", t.elapsed().as_secs_f64());
        // Straight after the load (statistics only): the visibility map is not yet set, as
        // on a service taking pushes since the last vacuum.
        let (mut fresh, _, _) = time_progress(&b, o.runs, o.households).await?;
        let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await?;
        tokio::spawn(conn);
        // What autovacuum does after a bulk load: the visibility map, for index-only scans.
        client.batch_execute("VACUUM ANALYZE rm_household").await?;
        let (mut times, _, _) = time_progress(&b, o.runs, o.households).await?;
        let mut base = Vec::new();
        let mut grouped = Vec::new();
        for i in 0..=o.runs {
            let t = Instant::now();
            let n: i64 = client
                .query_one("SELECT COUNT(*) FROM rm_household", &[])
                .await?
                .get(0);
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            if n as usize != o.households {
                bail!("counted {n}");
            }
            let t = Instant::now();
            let g = client
                .query(
                    "SELECT village, COUNT(*) FROM rm_household GROUP BY village",
                    &[],
                )
                .await?;
            let gms = t.elapsed().as_secs_f64() * 1000.0;
            let sum: i64 = g.iter().map(|r| r.get::<_, i64>(1)).sum();
            if sum as usize != o.households {
                bail!("grouped {sum}");
            }
            if i > 0 {
                base.push(ms);
                grouped.push(gms);
            }
        }
        report(
            "PostgreSQL, after VACUUM",
            &mut times,
            &mut base,
            &mut grouped,
        );
        println!(
            "  Backend::progress before VACUUM (statistics only)          median {:>8.2} ms",
            median(&mut fresh)
        );
        let plan = client
            .query(
                "EXPLAIN (ANALYZE, BUFFERS) SELECT village, COUNT(*), \
                 COUNT(*) FILTER (WHERE screened_on >= '2026-01-01'), \
                 COUNT(*) FILTER (WHERE household_type = 'formerly_poor'), \
                 COUNT(*) FILTER (WHERE household_type = 'monitored'), \
                 COUNT(*) FILTER (WHERE household_type = 'ordinary') \
                 FROM rm_household WHERE alive AND ((county >= '530325' AND county < '530325:' \
                 AND village >= '530325' AND village < '530325:')) GROUP BY village ORDER BY village",
                &[],
            )
            .await?;
        println!("  plan:");
        for r in plan {
            println!("    {}", r.get::<_, String>(0));
        }
        drop(b);
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
