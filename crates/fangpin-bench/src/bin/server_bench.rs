//! `fangpin-server-bench`: the sync service's storage measured beside the physical limit of
//! the same database, in one run.
//!
//! - `ingest`: 1,000,000 field changes pushed by 50 devices (batches of 1,000, through
//!   `Backend::push`: scope, judging, merging, registers, conflicts), on SQLite and on
//!   PostgreSQL, beside a plain bulk insert of the same rows into the same database.
//! - `pull`: an incremental pull of 100 new changes with 100,000 and with 10,000,000 changes
//!   stored (SQLite); the cost must not grow with the store.
//!
//! See docs/benchmarks.md for the figures and the commands.
#![allow(clippy::print_stdout)]

use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use fangpin_server::model::{Actor, Device, DeviceKind, Role, Scope, User};
use fangpin_server::Backend;
use fangpin_server_postgres::PostgresBackend;
use fangpin_server_sqlite::SqliteBackend;
use fangpin_sync::{Change, DeviceId, Replica, RowKey, Schema, UserId, Writer};
use serde_json::json;
use uuid::Uuid;

const TOWNSHIP: &str = "530325101";

fn village(d: usize) -> String {
    format!("{TOWNSHIP}{:03}", 200 + d)
}

/// Each device's batches: households of 40 fields in its own village.
fn workload(devices: usize, per_device: usize) -> Vec<(usize, Vec<Vec<Change>>)> {
    (0..devices)
        .map(|d| {
            let mut w = Writer::new(
                DeviceId(Uuid::from_u128(0xD000 + d as u128)),
                UserId(Uuid::from_u128(0xE000 + d as u128)),
            );
            let mut r = Replica::new(Schema::fangpin());
            let mut all = Vec::with_capacity(per_device);
            let v = village(d);
            while all.len() < per_device {
                let h = RowKey::new("household", Uuid::now_v7());
                let mut fields = vec![("village_code".to_owned(), json!(v))];
                for f in 0..38 {
                    fields.push((format!("f{f:02}"), json!(format!("值{f}-{}", all.len()))));
                }
                let fields: Vec<(&str, serde_json::Value)> = fields
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.clone()))
                    .collect();
                all.extend(w.create(&mut r, &h, &fields, 1_700_000_000_000));
                r = Replica::new(Schema::fangpin());
            }
            all.truncate(per_device);
            // Cut at row boundaries, as the client does.
            let mut batches = Vec::new();
            let mut cur: Vec<Change> = Vec::new();
            for c in all {
                if cur.len() >= 1000 && cur.last().is_some_and(|l: &Change| l.row != c.row) {
                    batches.push(std::mem::take(&mut cur));
                }
                cur.push(c);
            }
            batches.push(cur);
            (d, batches)
        })
        .collect()
}

async fn actors(b: &dyn Backend, devices: usize) -> Result<Vec<Actor>> {
    let mut out = Vec::new();
    for d in 0..devices {
        let user = User {
            id: Uuid::from_u128(0xE000 + d as u128),
            username: format!("dev{d}"),
            display_name: format!("dev{d}"),
            role: Role::VillageCadre,
            scope: Scope::new([village(d)]),
            disabled: false,
        };
        b.create_user(user.clone(), String::new()).await?;
        let device = Device {
            id: Uuid::from_u128(0xD000 + d as u128),
            user_id: user.id,
            name: "bench".into(),
            kind: DeviceKind::Field,
            created_ms: 0,
            expires_ms: i64::MAX,
            revoked_ms: None,
        };
        b.create_device(device.clone(), String::new()).await?;
        out.push(Actor { user, device });
    }
    Ok(out)
}

async fn ingest(
    b: Arc<dyn Backend>,
    work: &[(usize, Vec<Vec<Change>>)],
    actors: &[Actor],
) -> Result<(u64, f64)> {
    let t = Instant::now();
    // 50 devices push at once; the backend orders them.
    let mut tasks = Vec::new();
    for (d, batches) in work {
        let b = b.clone();
        let a = actors[*d].clone();
        let batches = batches.clone();
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            for batch in batches {
                let resp = b.push(a.clone(), batch, 1).await?;
                if !resp.refusals.is_empty() {
                    bail!("refused: {:?}", resp.refusals[0]);
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
    Ok((total, t.elapsed().as_secs_f64()))
}

fn plain_sqlite(path: &std::path::Path, work: &[(usize, Vec<Vec<Change>>)]) -> Result<(u64, f64)> {
    let mut c = rusqlite::Connection::open(path)?;
    c.pragma_update(None, "journal_mode", "WAL")?;
    c.pragma_update(None, "synchronous", "NORMAL")?;
    c.execute_batch(
        "CREATE TABLE plain(seq INTEGER PRIMARY KEY AUTOINCREMENT, device BLOB NOT NULL, dseq INTEGER NOT NULL, row_table TEXT NOT NULL, row_id BLOB NOT NULL, field TEXT NOT NULL, village TEXT NOT NULL, user_id BLOB NOT NULL, received_ms INTEGER NOT NULL, body TEXT NOT NULL, UNIQUE(device, dseq));
         CREATE INDEX plain_by_village ON plain(village, seq);",
    )?;
    let t = Instant::now();
    let mut n = 0;
    for (d, batches) in work {
        for batch in batches {
            let tx = c.transaction()?;
            {
                let mut st = tx.prepare_cached("INSERT INTO plain(device, dseq, row_table, row_id, field, village, user_id, received_ms, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8)")?;
                for ch in batch {
                    st.execute(rusqlite::params![
                        ch.id.device.0,
                        ch.id.seq as i64,
                        ch.row.table,
                        ch.row.id,
                        ch.field,
                        village(*d),
                        ch.author.0,
                        serde_json::to_string(ch)?
                    ])?;
                    n += 1;
                }
            }
            tx.commit()?;
        }
    }
    Ok((n, t.elapsed().as_secs_f64()))
}

async fn plain_postgres(url: &str, work: &[(usize, Vec<Vec<Change>>)]) -> Result<(u64, f64)> {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    tokio::spawn(conn);
    client
        .batch_execute(
            "CREATE TABLE plain(seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, device UUID NOT NULL, dseq BIGINT NOT NULL, row_table TEXT NOT NULL, row_id UUID NOT NULL, field TEXT NOT NULL, village TEXT NOT NULL, user_id UUID NOT NULL, received_ms BIGINT NOT NULL, body TEXT NOT NULL, UNIQUE(device, dseq));
             CREATE INDEX plain_by_village ON plain(village, seq);",
        )
        .await?;
    let t = Instant::now();
    let mut n = 0;
    for (d, batches) in work {
        for batch in batches {
            let dev: Vec<Uuid> = batch.iter().map(|c| c.id.device.0).collect();
            let seq: Vec<i64> = batch.iter().map(|c| c.id.seq as i64).collect();
            let tab: Vec<&str> = batch.iter().map(|c| c.row.table.as_str()).collect();
            let id: Vec<Uuid> = batch.iter().map(|c| c.row.id).collect();
            let field: Vec<&str> = batch.iter().map(|c| c.field.as_str()).collect();
            let user: Vec<Uuid> = batch.iter().map(|c| c.author.0).collect();
            let body: Vec<String> = batch
                .iter()
                .map(serde_json::to_string)
                .collect::<Result<_, _>>()?;
            let v = village(*d);
            client
                .execute(
                    "INSERT INTO plain(device, dseq, row_table, row_id, field, village, user_id, received_ms, body)
                     SELECT d, s, t, i, f, $8, u, 1, b FROM UNNEST($1::uuid[], $2::bigint[], $3::text[], $4::uuid[], $5::text[], $6::uuid[], $7::text[]) AS x(d, s, t, i, f, u, b)",
                    &[&dev, &seq, &tab, &id, &field, &user, &body, &v],
                )
                .await?;
            n += batch.len() as u64;
        }
    }
    Ok((n, t.elapsed().as_secs_f64()))
}

fn row(name: &str, n: u64, secs: f64, base: f64) {
    let rate = n as f64 / secs;
    println!(
        "  {name:<34} {n:>10} changes {secs:>8.2} s {rate:>12.0} /s   {:>5.2}x the plain insert",
        base / rate
    );
}

async fn run_ingest(devices: usize, per_device: usize, postgres: bool) -> Result<()> {
    println!(
        "ingest: {} changes pushed by {devices} devices in batches of about 1,000",
        devices * per_device
    );
    let work = workload(devices, per_device);
    let dir = tempdir()?;

    let sqlite = Arc::new(SqliteBackend::open(&dir.join("server.db"))?);
    let acts = actors(&*sqlite, devices).await?;
    let (n, secs) = ingest(sqlite, &work, &acts).await?;
    let (pn, psecs) = plain_sqlite(&dir.join("plain.db"), &work)?;
    println!("SQLite");
    let base = pn as f64 / psecs;
    row("plain bulk insert (baseline)", pn, psecs, base);
    row("Backend::push", n, secs, base);

    if postgres {
        let cluster = fangpin_server::cluster::Cluster::start().map_err(anyhow::Error::msg)?;
        let url = cluster.database("bench").map_err(anyhow::Error::msg)?;
        let pg = Arc::new(PostgresBackend::connect(&url, 8).await?);
        let acts = actors(&*pg, devices).await?;
        let (n, secs) = ingest(pg, &work, &acts).await?;
        let (pn, psecs) = plain_postgres(&url, &work).await?;
        println!("PostgreSQL");
        let base = pn as f64 / psecs;
        row("plain bulk insert (baseline)", pn, psecs, base);
        row("Backend::push", n, secs, base);
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn tempdir() -> Result<std::path::PathBuf> {
    let d = std::env::temp_dir().join(format!("fangpin-bench-{}", Uuid::now_v7()));
    std::fs::create_dir_all(&d)?;
    Ok(d)
}

/// Fills the SQLite backend's tables directly with `n` changes of one device (the physical
/// fill is not what is measured), then measures pulls of the 100 newest.
async fn run_pull(sizes: &[u64]) -> Result<()> {
    println!("incremental pull of 100 new changes (SQLite), median of 30 pulls");
    let mut first = None;
    for &n in sizes {
        let dir = tempdir()?;
        let path = dir.join("server.db");
        let b = SqliteBackend::open(&path)?;
        let acts = actors(&b, 2).await?;
        drop(b);
        {
            let mut c = rusqlite::Connection::open(&path)?;
            let tx = c.transaction()?;
            {
                let mut st = tx.prepare("INSERT INTO changes(device, dseq, row_table, row_id, field, village, user_id, received_ms, body) VALUES (?1, ?2, 'household', ?3, 'f', ?4, ?5, 1, ?6)")?;
                let dev = Uuid::from_u128(0xF00D);
                for i in 0..n {
                    // Old changes spread over 50 villages; the caller's village is one of them.
                    let v = village((i % 50) as usize);
                    let body = format!("{{\"seq\":{i}}}");
                    st.execute(rusqlite::params![
                        dev,
                        i as i64 + 1,
                        Uuid::from_u128(i as u128),
                        v,
                        acts[0].user.id,
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
        let b = SqliteBackend::open(&path)?;
        // The device has pulled everything so far.
        let cursor = n;
        // 100 new changes in the caller's village.
        let mut w = Writer::new(DeviceId(acts[0].device.id), UserId(acts[0].user.id));
        let mut r = Replica::new(Schema::fangpin());
        let mut batch = Vec::new();
        while batch.len() < 100 {
            let h = RowKey::new("household", Uuid::now_v7());
            batch.extend(w.create(
                &mut r,
                &h,
                &[
                    ("village_code", json!(village(0))),
                    ("a", json!(1)),
                    ("b", json!(2)),
                    ("c", json!(3)),
                ],
                1,
            ));
        }
        batch.truncate(100);
        b.push(acts[0].clone(), batch, 1).await?;
        let mut times = Vec::new();
        for _ in 0..30 {
            let t = Instant::now();
            let resp = b.pull(acts[0].clone(), cursor, 1000).await?;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            if resp.changes.len() != 100 {
                bail!("expected 100 new changes, got {}", resp.changes.len());
            }
        }
        times.sort_by(f64::total_cmp);
        let median = times[times.len() / 2];
        let ratio = first.map_or(1.0, |f: f64| median / f);
        first.get_or_insert(median);
        println!("  {n:>11} stored: {median:>7.3} ms   {ratio:>5.2}x the smallest store");
        drop(b);
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}

/// Serves a backend on a loopback port; returns the base URL.
async fn serve(b: Arc<dyn Backend>) -> Result<String> {
    let state = fangpin_server::AppState::new(b, fangpin_server::Settings::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, fangpin_server::router(state)).await;
    });
    Ok(format!("http://{addr}"))
}

/// A device credential made directly in the backend (enrolment's password check is not what
/// is measured).
async fn device_for(b: &dyn Backend, user: &User, n: usize) -> Result<(Actor, String)> {
    let id = Uuid::now_v7();
    let secret = format!("secret-{n}-{id}");
    use sha2::Digest;
    let hash: String = sha2::Sha256::digest(secret.as_bytes())
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect();
    let device = Device {
        id,
        user_id: user.id,
        name: format!("bench {n}"),
        kind: DeviceKind::Field,
        created_ms: 0,
        expires_ms: i64::MAX,
        revoked_ms: None,
    };
    b.create_device(device.clone(), hash).await?;
    Ok((
        Actor {
            user: user.clone(),
            device,
        },
        format!("{id}.{secret}"),
    ))
}

fn user(name: &str, role: Role, scope: &str) -> User {
    User {
        id: Uuid::now_v7(),
        username: name.into(),
        display_name: name.into(),
        role,
        scope: Scope::new([scope]),
        disabled: false,
    }
}

/// The initial download of one village (500 households) to an empty device over loopback.
async fn run_download() -> Result<()> {
    let dir = tempdir()?;
    let b: Arc<dyn Backend> = Arc::new(SqliteBackend::open(&dir.join("server.db"))?);
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 29).context("date")?;
    // 6,000 households over 12 villages: 500 in the first.
    let town = fangpin_app::township::generate(7, 6_000, today);
    let sup = user(
        "zhen",
        Role::TownshipSupervisor,
        fangpin_app::township::TOWNSHIP,
    );
    b.create_user(sup.clone(), String::new()).await?;
    let (importer, _) = device_for(&*b, &sup, 0).await?;
    for batch in
        fangpin_app::township::changes(&town, importer.device.id, sup.id, 1_700_000_000_000)
    {
        b.push(importer.clone(), batch, 1).await?;
    }
    let first = &town.villages[0].code;
    let cadre = user("cadre", Role::VillageCadre, first);
    b.create_user(cadre.clone(), String::new()).await?;
    let base = serve(b.clone()).await?;
    let mut times = Vec::new();
    let mut pulled = 0;
    for round in 0..3 {
        let (actor, credential) = device_for(&*b, &cadre, round + 1).await?;
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
        let mut client = fangpin_client::Client::new(&base, &credential, actor.device.id)?;
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
    times.sort_by(f64::total_cmp);
    println!("initial download of one village (500 households, {pulled} changes) to an empty device over loopback");
    println!(
        "  best {:.3} s, median {:.3} s, worst {:.3} s (3 runs; target under 1 s)",
        times[0], times[1], times[2]
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// 500 devices syncing at once over loopback: each pushes a household and pulls what is new.
async fn run_load(devices: usize) -> Result<()> {
    let dir = tempdir()?;
    let b: Arc<dyn Backend> = Arc::new(SqliteBackend::open(&dir.join("server.db"))?);
    let base = serve(b.clone()).await?;
    let mut users = Vec::new();
    for v in 0..12 {
        let u = user(&format!("cadre{v}"), Role::VillageCadre, &village(v));
        b.create_user(u.clone(), String::new()).await?;
        users.push(u);
    }
    let mut creds = Vec::new();
    for d in 0..devices {
        let u = &users[d % users.len()];
        creds.push((d, u.id, device_for(&*b, u, d).await?));
    }
    let start = Instant::now();
    let mut tasks = Vec::new();
    for (d, uid, (actor, credential)) in creds {
        let base = base.clone();
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut w = Writer::new(DeviceId(actor.device.id), UserId(uid));
            let mut r = Replica::new(Schema::fangpin());
            let h = RowKey::new("household", Uuid::now_v7());
            let fields: Vec<(String, serde_json::Value)> = (0..39)
                .map(|f| (format!("f{f:02}"), json!(format!("{d}-{f}"))))
                .collect();
            let mut all: Vec<(&str, serde_json::Value)> =
                vec![("village_code", json!(village(d % 12)))];
            all.extend(fields.iter().map(|(k, v)| (k.as_str(), v.clone())));
            let changes = w.create(&mut r, &h, &all, 1_700_000_000_000);
            let push = fangpin_sync::wire::PushRequest::new(DeviceId(actor.device.id), changes);
            let mut lat = Vec::new();
            let mut errors = 0;
            let t = Instant::now();
            let resp = http
                .post(format!("{base}/api/v1/sync/push"))
                .bearer_auth(&credential)
                .json(&push)
                .send()
                .await;
            lat.push(t.elapsed().as_secs_f64() * 1000.0);
            if !resp.is_ok_and(|r| r.status().is_success()) {
                errors += 1;
            }
            let t = Instant::now();
            let pull = json!({"protocol": 1, "cursor": 0, "limit": 100});
            let resp = http
                .post(format!("{base}/api/v1/sync/pull"))
                .bearer_auth(&credential)
                .json(&pull)
                .send()
                .await;
            lat.push(t.elapsed().as_secs_f64() * 1000.0);
            match resp {
                Ok(r) if r.status().is_success() => {
                    let p: fangpin_sync::wire::PullResponse =
                        r.json().await.map_err(|e| anyhow::anyhow!(e))?;
                    if p.verify().is_err() {
                        errors += 1;
                    }
                }
                _ => errors += 1,
            }
            Ok::<(Vec<f64>, u32), anyhow::Error>((lat, errors))
        }));
    }
    let mut lat = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await??;
        lat.extend(l);
        errors += e;
    }
    let wall = start.elapsed().as_secs_f64();
    lat.sort_by(f64::total_cmp);
    let p = |q: f64| lat[((lat.len() as f64 - 1.0) * q).round() as usize];
    println!("{devices} devices syncing at once over loopback (a push of 40 changes and a pull each, SQLite)");
    println!(
        "  {} requests in {wall:.2} s: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms, errors {errors}",
        lat.len(),
        p(0.5),
        p(0.99),
        p(1.0)
    );
    let _ = std::fs::remove_dir_all(&dir);
    if errors > 0 {
        bail!("{errors} requests failed");
    }
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let what = args.first().map(String::as_str).unwrap_or("all");
    let num = |flag: &str, default: u64| -> Result<u64> {
        match args.iter().position(|a| a == flag) {
            Some(i) => args
                .get(i + 1)
                .context("a number")?
                .parse()
                .context(flag.to_owned()),
            None => Ok(default),
        }
    };
    let per_device = num("--per-device", 20_000)? as usize;
    let big = num("--big", 10_000_000)?;
    let postgres = !args.iter().any(|a| a == "--no-postgres");
    match what {
        "ingest" => run_ingest(50, per_device, postgres).await,
        "pull" => run_pull(&[100_000, big]).await,
        "download" => run_download().await,
        "load" => run_load(num("--devices", 500)? as usize).await,
        "all" => {
            run_ingest(50, per_device, postgres).await?;
            run_pull(&[100_000, big]).await?;
            run_download().await?;
            run_load(500).await
        }
        other => bail!("unknown benchmark {other}: ingest, pull, download, load or all"),
    }
}
