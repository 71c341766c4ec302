//! `load`: hundreds of devices syncing at once over loopback (SQLite): each pushes a
//! screened household (its household, member and income rows) and pulls what is new.

use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Result};
use fangpin_app::township::Township;
use fangpin_server::model::{Role, Scope};
use fangpin_server::Backend;
use fangpin_server_sqlite::SqliteBackend;
use fangpin_sync::wire::{PullRequest, PullResponse, PushRequest};
use fangpin_sync::DeviceId;
use uuid::Uuid;

use crate::common::{device, now_ms, tempdir, today, user};
use crate::download::serve;

/// One device's requests: its credential, its push body and its pull body.
type Requests = (String, Vec<u8>, Vec<u8>);

/// A fresh service with a cadre per village and a device per household; returns its address,
/// each device's requests and how many changes they push in all.
async fn prepare(
    dir: &std::path::Path,
    name: &str,
    town: &Township,
) -> Result<(String, Vec<Requests>, usize)> {
    let b: Arc<dyn Backend> = Arc::new(SqliteBackend::open(&dir.join(name))?);
    let base = serve(b.clone()).await?;
    let mut users = Vec::new();
    for (i, v) in town.villages.iter().enumerate() {
        let u = user(
            Uuid::now_v7(),
            &format!("cadre{i}"),
            Role::VillageCadre,
            Scope::new([v.code.clone()]),
        );
        b.create_user(u.clone(), String::new()).await?;
        users.push(u);
    }
    let mut work = Vec::new();
    let mut changes = 0usize;
    for (d, h) in town.households.iter().enumerate() {
        let village = h.doc["household"]["area"]["code"]
            .as_str()
            .unwrap_or_default();
        let Some(u) = users.iter().find(|u| u.scope.contains(village)) else {
            bail!("no cadre for village {village}");
        };
        let id = Uuid::now_v7();
        let secret = format!("secret-{d}-{id}");
        let actor = device(&*b, u, id, &secret).await?;
        let one = Township {
            offices: Vec::new(),
            villages: town.villages.clone(),
            households: vec![h.clone()],
        };
        let mine: Vec<_> = fangpin_app::township::changes(&one, id, u.id, now_ms() as u64)
            .into_iter()
            .flatten()
            .collect();
        changes += mine.len();
        let push = serde_json::to_vec(&PushRequest::new(DeviceId(id), mine))?;
        let pull = serde_json::to_vec(&PullRequest {
            scope: Some(actor.user.scope.areas.clone()),
            ..PullRequest::new(0, 100)
        })?;
        work.push((format!("{id}.{secret}"), push, pull));
    }
    Ok((base, work, changes))
}

/// One device's push then pull; the latencies (to the answer's head) and the errors.
async fn sync_one(base: String, (credential, push, pull): Requests) -> Result<(Vec<f64>, u32)> {
    let http = reqwest::Client::new();
    let mut lat = Vec::new();
    let mut errors = 0u32;
    let t = Instant::now();
    let resp = http
        .post(format!("{base}/api/v1/sync/push"))
        .bearer_auth(&credential)
        .header("content-type", "application/json")
        .body(push)
        .send()
        .await;
    lat.push(t.elapsed().as_secs_f64() * 1000.0);
    match resp {
        Ok(r) if r.status().is_success() => {
            let p: fangpin_sync::wire::PushResponse =
                r.json().await.map_err(|e| anyhow::anyhow!(e))?;
            if !p.refusals.is_empty() {
                errors += 1;
            }
        }
        _ => errors += 1,
    }
    let t = Instant::now();
    let resp = http
        .post(format!("{base}/api/v1/sync/pull"))
        .bearer_auth(&credential)
        .header("content-type", "application/json")
        .body(pull)
        .send()
        .await;
    lat.push(t.elapsed().as_secs_f64() * 1000.0);
    match resp {
        Ok(r) if r.status().is_success() => {
            let p: PullResponse = r.json().await.map_err(|e| anyhow::anyhow!(e))?;
            if p.verify().is_err() {
                errors += 1;
            }
        }
        _ => errors += 1,
    }
    Ok((lat, errors))
}

fn summary(name: &str, mut lat: Vec<f64>, wall: f64, errors: u32) -> f64 {
    lat.sort_by(f64::total_cmp);
    let p = |q: f64| lat[((lat.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "  {name:<36} {} requests in {wall:>6.2} s: p50 {:>7.1} ms, p99 {:>7.1} ms, max {:>7.1} ms, errors {errors}",
        lat.len(),
        p(0.5),
        p(0.99),
        p(1.0)
    );
    p(0.5)
}

/// Runs `devices` devices one at a time (the baseline: each request's own cost), then all at
/// once, each on a fresh service.
pub async fn run(devices: usize) -> Result<()> {
    let dir = tempdir()?;
    let town = fangpin_app::township::generate(11, devices, today());

    let (base, work, changes) = prepare(&dir, "one-at-a-time.db", &town).await?;
    let start = Instant::now();
    let (mut lat, mut errors) = (Vec::new(), 0);
    for w in work {
        let (l, e) = sync_one(base.clone(), w).await?;
        lat.extend(l);
        errors += e;
    }
    let seq_wall = start.elapsed().as_secs_f64();
    println!(
        "{devices} devices syncing over loopback (SQLite): each pushes a household's rows ({:.0} changes on average, {changes} in all) and pulls 100 changes",
        changes as f64 / devices as f64
    );
    let seq_p50 = summary("one device at a time (baseline)", lat, seq_wall, errors);
    let mut total_errors = errors;

    let (base, work, _) = prepare(&dir, "at-once.db", &town).await?;
    let start = Instant::now();
    let tasks: Vec<_> = work
        .into_iter()
        .map(|w| tokio::spawn(sync_one(base.clone(), w)))
        .collect();
    let (mut lat, mut errors) = (Vec::new(), 0);
    for t in tasks {
        let (l, e) = t.await??;
        lat.extend(l);
        errors += e;
    }
    let wall = start.elapsed().as_secs_f64();
    let p50 = summary("all at once", lat, wall, errors);
    println!(
        "  all at once: {:.2}x the baseline's wall time, p50 {:.1}x the baseline's",
        wall / seq_wall,
        p50 / seq_p50
    );
    total_errors += errors;
    let _ = std::fs::remove_dir_all(&dir);
    if total_errors > 0 {
        bail!("{total_errors} requests failed");
    }
    Ok(())
}
