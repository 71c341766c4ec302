//! `download`: the initial download of one village (500 households) to an empty device over
//! loopback, pull and apply, through the real client and store.

use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Result};
use fangpin_server::model::{Role, Scope};
use fangpin_server::Backend;
use fangpin_server_sqlite::SqliteBackend;
use fangpin_sync::wire::{PullRequest, PullResponse, PROTOCOL_VERSION};
use fangpin_sync::{DeviceId, UserId};
use uuid::Uuid;

use crate::common::{device, now_ms, tempdir, today, user};

/// Serves a backend on a loopback port; returns the base URL.
pub async fn serve(b: Arc<dyn Backend>) -> Result<String> {
    let state = fangpin_server::AppState::new(b, fangpin_server::Settings::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, fangpin_server::router(state)).await;
    });
    Ok(format!("http://{addr}"))
}

/// Runs the download three times, each to a fresh device.
pub async fn run() -> Result<()> {
    let dir = tempdir()?;
    let b: Arc<dyn Backend> = Arc::new(SqliteBackend::open(&dir.join("server.db"))?);
    // 6,000 households over 12 villages: 500 in the first.
    let town = fangpin_app::township::generate(7, 6_000, today());
    let sup = user(
        Uuid::now_v7(),
        "zhen",
        Role::TownshipSupervisor,
        Scope::new([fangpin_app::township::TOWNSHIP]),
    );
    b.create_user(sup.clone(), String::new()).await?;
    let importer = device(&*b, &sup, Uuid::now_v7(), "import").await?;
    for batch in fangpin_app::township::changes(&town, importer.device.id, sup.id, now_ms() as u64)
    {
        let resp = b
            .push(importer.clone(), PROTOCOL_VERSION, batch, now_ms())
            .await?;
        if let Some(r) = resp.refusals.first() {
            bail!("refused: {}", r.reason);
        }
    }
    let first = &town.villages[0].code;
    let cadre = user(
        Uuid::now_v7(),
        "cadre",
        Role::VillageCadre,
        Scope::new([first.clone()]),
    );
    b.create_user(cadre.clone(), String::new()).await?;
    let base = serve(b.clone()).await?;
    let mut times = Vec::new();
    let mut pulled = 0;
    for round in 0..3 {
        let id = Uuid::now_v7();
        let secret = format!("secret-{round}-{id}");
        let actor = device(&*b, &cadre, id, &secret).await?;
        let identity = fangpin_store::DeviceIdentity {
            device: DeviceId(actor.device.id),
            user: UserId(cadre.id),
        };
        let mut store = fangpin_store::Store::init(
            &dir.join(format!("device{round}.db")),
            "123456",
            identity,
            &fangpin_store::StoreOptions::insecure_for_tests(),
        )?;
        let mut client = fangpin_client::Client::new(&base, &format!("{id}.{secret}"), id)?;
        client.batch = 5_000;
        let t = Instant::now();
        let report = client.sync(&mut store, &mut |_| {}).await?;
        times.push(t.elapsed().as_secs_f64());
        pulled = report.pulled;
        let households = store
            .households(&fangpin_store::HouseholdSearch {
                villages: vec![],
                text: None,
                limit: 10_000,
                offset: 0,
            })?
            .len();
        if households != 500 {
            bail!("expected 500 households on the device, found {households}");
        }
    }
    // Baseline: the same pulls over loopback, verified but not applied (the service and the
    // transfer without the device's store).
    let mut bare = Vec::new();
    for round in 0..3 {
        let id = Uuid::now_v7();
        let secret = format!("bare-{round}-{id}");
        device(&*b, &cadre, id, &secret).await?;
        let http = reqwest::Client::new();
        let t = Instant::now();
        let mut cursor = 0;
        let mut n = 0;
        loop {
            let req = PullRequest {
                scope: Some(cadre.scope.areas.clone()),
                ..PullRequest::new(cursor, 5_000)
            };
            let resp: PullResponse = http
                .post(format!("{base}/api/v1/sync/pull"))
                .bearer_auth(format!("{id}.{secret}"))
                .json(&req)
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?;
            resp.verify().map_err(|e| anyhow::anyhow!("{e}"))?;
            n += resp.changes.len() as u64;
            cursor = resp.next_cursor;
            if !resp.more {
                break;
            }
        }
        bare.push(t.elapsed().as_secs_f64());
        if n != pulled {
            bail!("the bare pulls got {n} changes, the device {pulled}");
        }
    }
    times.sort_by(f64::total_cmp);
    bare.sort_by(f64::total_cmp);
    println!("initial download of one village (500 households, {pulled} changes) to an empty device over loopback");
    println!(
        "  the same pulls, not applied (baseline): best {:.3} s, median {:.3} s, worst {:.3} s",
        bare[0], bare[1], bare[2]
    );
    println!(
        "  pull and apply (Client::sync into a new store): best {:.3} s, median {:.3} s, worst {:.3} s (3 runs; target under 1 s); {:.2}x the baseline",
        times[0],
        times[1],
        times[2],
        times[1] / bare[1]
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
