//! `history`: what one push to a household costs once the household has a long history.
//!
//! Issue 9 found a one-change push to a household taking 2 ms with no history, 59 ms after
//! 5,000 changes to another of its fields and 465 ms after 40,000. The service now merges a
//! change against its field's heads, never the row's history, so the push should cost the
//! same whatever the history. Measured on SQLite and PostgreSQL: a push of one change to the
//! `address` of a household whose `phone` was set 0, 5,000 and 40,000 times before, each the
//! median of many pushes, as a ratio to the household without history.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Result;
use fangpin_server::model::{Role, Scope};
use fangpin_server::Backend;
use fangpin_server_postgres::PostgresBackend;
use fangpin_server_sqlite::SqliteBackend;
use fangpin_sync::wire::PROTOCOL_VERSION;
use fangpin_sync::{DeviceId, Replica, RowKey, UserId, Writer};
use serde_json::json;
use uuid::Uuid;

use crate::common::{device, median, now_ms, tempdir, user};

const VILLAGE: &str = "530325101201";
const HISTORIES: [usize; 3] = [0, 5_000, 40_000];

/// The options of `history`.
pub struct Options {
    /// Timed pushes per history length.
    pub runs: usize,
    /// Whether to measure PostgreSQL too.
    pub postgres: bool,
}

/// Median ms of a one-change push to a household with each history length.
async fn measure(b: &dyn Backend, runs: usize) -> Result<Vec<(usize, f64)>> {
    let u = user(
        Uuid::now_v7(),
        &format!("history-{}", Uuid::now_v7().simple()),
        Role::VillageCadre,
        Scope::new([VILLAGE]),
    );
    b.create_user(u.clone(), "hash".into()).await?;
    let actor = device(b, &u, Uuid::now_v7(), "secret").await?;
    let mut w = Writer::new(DeviceId(actor.device.id), UserId(u.id));
    let mut out = Vec::new();
    for (n, history) in HISTORIES.into_iter().enumerate() {
        let mut r = Replica::new(fangpin_catalogue::schema().clone());
        let h = RowKey::new("household", Uuid::now_v7());
        let mut batch = w.create(&mut r, &h, &[("village_code", json!(VILLAGE))], 1);
        for i in 0..history {
            batch.push(w.set(
                &mut r,
                &h,
                "phone",
                json!(format!("{}", 13_900_000_000u64 + i as u64)),
                2 + i as u64,
            )?);
        }
        for chunk in batch.chunks(1_000) {
            b.push(actor.clone(), PROTOCOL_VERSION, chunk.to_vec(), now_ms())
                .await?;
        }
        let mut times = Vec::with_capacity(runs);
        for i in 0..runs + 1 {
            let one = w.set(
                &mut r,
                &h,
                "address",
                json!(format!("地址 {n} {i}")),
                1_000_000 + i as u64,
            )?;
            let start = Instant::now();
            b.push(actor.clone(), PROTOCOL_VERSION, vec![one], now_ms())
                .await?;
            if i > 0 {
                times.push(start.elapsed().as_secs_f64() * 1000.0);
            }
        }
        out.push((history, median(&mut times)));
    }
    Ok(out)
}

fn report(name: &str, figures: &[(usize, f64)]) {
    println!("{name}");
    let base = figures.first().map_or(1.0, |f| f.1);
    for (history, ms) in figures {
        println!(
            "  one-change push, {history:>6} earlier changes to another field   median {ms:>7.3} ms   {:.2}x the household without history",
            ms / base
        );
    }
}

/// Runs the benchmark.
pub async fn run(o: &Options) -> Result<()> {
    println!(
        "history: a one-change push to a household after 0, 5,000 and 40,000 changes to another of its fields, median of {} pushes",
        o.runs
    );
    let dir = tempdir()?;
    let sqlite: Arc<dyn Backend> = Arc::new(SqliteBackend::open(&dir.join("history.db"))?);
    report("SQLite", &measure(&*sqlite, o.runs).await?);
    drop(sqlite);
    let _ = std::fs::remove_dir_all(&dir);
    if o.postgres {
        let cluster = fangpin_server::cluster::Cluster::start().map_err(anyhow::Error::msg)?;
        let url = cluster.database("history").map_err(anyhow::Error::msg)?;
        let pg: Arc<dyn Backend> = Arc::new(PostgresBackend::connect(&url, 4).await?);
        report(
            "PostgreSQL (the throwaway cluster: fsync=off)",
            &measure(&*pg, o.runs).await?,
        );
    }
    Ok(())
}
