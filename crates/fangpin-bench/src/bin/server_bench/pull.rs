//! `pull`: an incremental pull of 100 new changes with a small and with a big store (SQLite);
//! the cost must not grow with the store.

use std::time::Instant;

use anyhow::{bail, Result};
use fangpin_server::model::{Role, Scope};
use fangpin_server::pull::MAX_PULL_BYTES;
use fangpin_server::Backend;
use fangpin_server_sqlite::SqliteBackend;
use fangpin_sync::wire::{PullRequest, PROTOCOL_VERSION};
use fangpin_sync::Change;
use uuid::Uuid;

use crate::common::{device, median, now_ms, relocate, tempdir, today, township, user};

/// The filler's villages: 50 of the township; the puller's is the first.
fn village(i: usize) -> String {
    format!("{}{:03}", township(0), 201 + i)
}

/// 100 changes creating a household (and the start of its members) in the first village,
/// as `device` of `user` writes them.
fn new_changes(device: Uuid, user: Uuid) -> Vec<Change> {
    let today = today();
    let mut town = fangpin_app::township::generate(3, 12, today);
    let villages: Vec<String> = (0..12).map(village).collect();
    relocate(&mut town, &villages, 0, today);
    let mut all: Vec<Change> = fangpin_app::township::changes(&town, device, user, now_ms() as u64)
        .into_iter()
        .flatten()
        .collect();
    all.truncate(100);
    all
}

/// Fills the backend's `changes` directly with `n` changes of another device spread over 50
/// villages (the fill is not what is measured), then times pulls of the 100 newest.
pub async fn run(sizes: &[u64], runs: usize) -> Result<()> {
    println!("incremental pull of 100 new changes (SQLite), median of {runs} pulls");
    let mut first = None;
    for &n in sizes {
        let dir = tempdir()?;
        let path = dir.join("server.db");
        let b = SqliteBackend::open(&path)?;
        let cadre = user(
            Uuid::now_v7(),
            "cadre",
            Role::VillageCadre,
            Scope::new([village(0)]),
        );
        b.create_user(cadre.clone(), String::new()).await?;
        let actor = device(&b, &cadre, Uuid::now_v7(), "secret").await?;
        drop(b);
        let t = Instant::now();
        {
            let mut c = rusqlite::Connection::open(&path)?;
            c.pragma_update(None, "journal_mode", "WAL")?;
            c.pragma_update(None, "synchronous", "OFF")?;
            let tx = c.transaction()?;
            {
                let mut st = tx.prepare(
                    "INSERT INTO changes(device, dseq, row_table, row_id, field, village, user_id, received_ms, body) \
                     VALUES (?1, ?2, 'household', ?3, 'phone', ?4, ?5, 1, ?6)",
                )?;
                let dev = Uuid::from_u128(0xF00D);
                let other = Uuid::from_u128(0xF00E);
                for i in 0..n {
                    let body = format!("{{\"seq\":{i}}}");
                    st.execute(rusqlite::params![
                        dev,
                        i as i64 + 1,
                        Uuid::from_u128(u128::from(i / 30)),
                        village((i % 50) as usize),
                        other,
                        body
                    ])?;
                }
            }
            for d in 0..50 {
                tx.execute(
                    "INSERT OR IGNORE INTO villages(village) VALUES (?1)",
                    [village(d)],
                )?;
            }
            tx.commit()?;
        }
        let fill = t.elapsed().as_secs_f64();
        let b = SqliteBackend::open(&path)?;
        // The device has pulled everything so far.
        let cursor = b.high_water().await?;
        let resp = b
            .push(
                actor.clone(),
                PROTOCOL_VERSION,
                new_changes(actor.device.id, cadre.id),
                now_ms(),
            )
            .await?;
        if resp.accepted != 100 {
            bail!(
                "pushed 100 changes, {} accepted: {:?}",
                resp.accepted,
                resp.refusals.first()
            );
        }
        let mut times = Vec::new();
        for _ in 0..runs {
            let req = PullRequest {
                scope: Some(cadre.scope.areas.clone()),
                ..PullRequest::new(cursor, 1000)
            };
            let t = Instant::now();
            let resp = b.pull(actor.clone(), req, MAX_PULL_BYTES).await?;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            if resp.changes.len() != 100 {
                bail!("expected 100 new changes, got {}", resp.changes.len());
            }
        }
        let median = median(&mut times);
        let ratio = first.map_or(1.0, |f: f64| median / f);
        first.get_or_insert(median);
        println!(
            "  {n:>11} stored: {median:>7.3} ms   {ratio:>5.2}x the smallest store   (filled in {fill:.0} s)"
        );
        drop(b);
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}
