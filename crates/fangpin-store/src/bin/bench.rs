//! Prints the store's figures beside plain rusqlite doing the same row writes without sync
//! bookkeeping and without encryption, in the same run:
//! `cargo run --release -p fangpin-store --bin fangpin-store-bench [-- normal]`
//! (`normal` opens the store with `Durability::Normal`; the default is `Full`).
//!
//! Workload: 20,000 households in 20 villages, each with one member, arriving as pulled
//! changes (the first 100,000 are timed); then household-form saves, searches and opening
//! one household. Figures go to docs/store.md.
//!
//! The plain database runs in a child process (this program with `--plain DIR`). SQLite is
//! built with `SQLITE_ENABLE_MEMORY_MANAGEMENT`, so every connection of a process shares one
//! page-cache pool with a global LRU: a connection that reads past its own cache size takes
//! the other connections' pages, and their pages are then freed as soon as they are
//! unpinned. With both databases in one process the plain connection's pull took the whole
//! pool, and the store ran without a page cache (every page read from the file and
//! decrypted: the "14 µs row read"). The app has one connection, so each side gets a process
//! of its own here.
#![allow(clippy::print_stdout)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fangpin_store::{DeviceIdentity, Durability, HouseholdSearch, Store, StoreOptions};
use fangpin_sync::wire::{PullResponse, Sequenced, MAX_BATCH};
use fangpin_sync::{Change, DeviceId, Replica, RowKey, UserId, Value, Writer};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

const HOUSEHOLDS: u32 = 20_000;
const TIMED_PULL: usize = 100_000;

fn id_number(i: u32) -> String {
    format!(
        "5303251980{:02}{:02}{:04}",
        1 + i % 12,
        1 + i % 28,
        i % 10_000
    )
}

fn village(i: u32) -> String {
    format!("5303251012{:02}", i % 20)
}

fn household_fields(i: u32) -> Vec<(&'static str, Value)> {
    vec![
        ("village_code", json!(village(i))),
        ("hubianhao", json!(format!("53032510{i:08}"))),
        ("head_name", json!(format!("王{i}"))),
        ("head_id_number", json!(id_number(i))),
    ]
}

fn form_fields(i: u32, round: u32) -> Vec<(&'static str, Value)> {
    vec![
        ("phone", json!(format!("1390000{:04}", round % 10_000))),
        ("address", json!(format!("示例村{i}号 第{round}次"))),
        (
            "house_safety",
            json!(if round % 2 == 0 { "B" } else { "C" }),
        ),
        ("cultivated_land_hundredths_mu", json!(100 + round)),
        ("road_access", json!("hardened")),
        ("household_type", json!("formerly_poor")),
        ("group", json!(format!("{}组", round % 9))),
        (
            "helper",
            json!({"name": "李干部", "unit": "县农业农村局", "start": "2024-01-01"}),
        ),
    ]
}

/// Every pulled change: households first (exactly `TIMED_PULL` changes), then members.
fn pulled_changes() -> (Vec<Change>, Vec<Uuid>) {
    let dev = DeviceId(Uuid::from_u128(0xbe_0001));
    let mut w = Writer::new(dev, UserId(Uuid::from_u128(0xbe_0002)));
    let mut replica = Replica::new(fangpin_catalogue::schema().clone());
    let mut out = Vec::new();
    let mut ids = Vec::new();
    for i in 0..HOUSEHOLDS {
        let id = Uuid::from_u128(0x1000_0000 + u128::from(i));
        ids.push(id);
        out.extend(w.create(
            &mut replica,
            &RowKey::new("household", id),
            &household_fields(i),
            1_700_000_000_000,
        ));
    }
    assert_eq!(out.len(), TIMED_PULL);
    for i in 0..HOUSEHOLDS {
        let m = Uuid::from_u128(0x2000_0000 + u128::from(i));
        out.extend(w.create(
            &mut replica,
            &RowKey::new("member", m),
            &[
                ("household_id", json!(ids[i as usize].to_string())),
                ("name", json!(format!("李{i}"))),
                ("id_number", json!(id_number(i + 50_000))),
            ],
            1_700_000_000_001,
        ));
    }
    (out, ids)
}

fn batches(changes: &[Change], first_seq: u64) -> Vec<PullResponse> {
    let mut seq = first_seq;
    changes
        .chunks(MAX_BATCH)
        .map(|chunk| {
            let items: Vec<Sequenced> = chunk
                .iter()
                .map(|c| {
                    seq += 1;
                    Sequenced {
                        seq,
                        change: c.clone(),
                    }
                })
                .collect();
            PullResponse::new(items, vec![], seq, true)
        })
        .collect()
}

const PLAIN_SCHEMA: &str = "
CREATE TABLE household (id TEXT PRIMARY KEY, data TEXT NOT NULL, village_code TEXT,
    group_name TEXT, hubianhao TEXT, head_name TEXT, head_id_number TEXT, head_id_rev TEXT,
    household_type TEXT);
CREATE INDEX household_village ON household (village_code, group_name, hubianhao);
CREATE INDEX household_hubianhao ON household (hubianhao);
CREATE INDEX household_head_id ON household (head_id_number);
CREATE INDEX household_head_id_rev ON household (head_id_rev);
CREATE TABLE member (id TEXT PRIMARY KEY, data TEXT NOT NULL, household_id TEXT, name TEXT,
    id_number TEXT, id_rev TEXT);
CREATE INDEX member_household ON member (household_id);
CREATE INDEX member_id_number ON member (id_number);
CREATE INDEX member_name ON member (name, household_id);
CREATE INDEX member_id_rev ON member (id_rev);
";

fn rev(s: &str) -> String {
    s.chars().rev().flat_map(char::to_uppercase).collect()
}

/// Writes one row of the plain database from its merged fields.
fn plain_write(tx: &Connection, table: &str, id: &str, data: &serde_json::Map<String, Value>) {
    let s = |k: &str| data.get(k).and_then(Value::as_str).map(str::to_owned);
    let body = Value::Object(data.clone()).to_string();
    if table == "household" {
        tx.prepare_cached(
            "INSERT OR REPLACE INTO household (id, data, village_code, group_name, hubianhao, \
             head_name, head_id_number, head_id_rev, household_type) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )
        .unwrap()
        .execute(params![
            id,
            body,
            s("village_code"),
            s("group"),
            s("hubianhao"),
            s("head_name"),
            s("head_id_number"),
            s("head_id_number").map(|v| rev(&v)),
            s("household_type")
        ])
        .unwrap();
    } else {
        tx.prepare_cached(
            "INSERT OR REPLACE INTO member (id, data, household_id, name, id_number, id_rev) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .unwrap()
        .execute(params![
            id,
            body,
            s("household_id"),
            s("name"),
            s("id_number"),
            s("id_number").map(|v| rev(&v))
        ])
        .unwrap();
    }
}

/// The plain equivalent of applying a batch: per touched row, read it, set the fields, write.
fn plain_apply(conn: &mut Connection, batch: &PullResponse) {
    let tx = conn.transaction().unwrap();
    let mut rows: std::collections::BTreeMap<(String, String), serde_json::Map<String, Value>> =
        Default::default();
    for s in &batch.changes {
        let c = &s.change;
        let key = (c.row.table.clone(), c.row.id.to_string());
        if !rows.contains_key(&key) {
            let old: Option<String> = tx
                .prepare_cached(&format!("SELECT data FROM {} WHERE id = ?1", key.0))
                .unwrap()
                .query_row([&key.1], |r| r.get(0))
                .optional()
                .unwrap();
            let map = old
                .and_then(|o| serde_json::from_str::<Value>(&o).ok())
                .and_then(|v| v.as_object().cloned())
                .unwrap_or_default();
            rows.insert(key.clone(), map);
        }
        if let Some(m) = rows.get_mut(&key) {
            m.insert(c.field.clone(), c.op.value());
        }
    }
    for ((table, id), data) in &rows {
        plain_write(&tx, table, id, data);
    }
    tx.commit().unwrap();
}

fn plain_search(conn: &Connection, q: &HouseholdSearch) -> usize {
    let text = q.text.clone().unwrap_or_default();
    let id_like = !text.is_empty() && text.chars().all(|c| c.is_ascii_digit() || c == 'X');
    let (cond, args): (&str, Vec<String>) = if text.is_empty() {
        ("1", vec![])
    } else if id_like && text.len() == 18 {
        (
            "(head_id_number = ?2 OR id IN (SELECT household_id FROM member WHERE id_number = ?2))",
            vec![text],
        )
    } else if id_like {
        let r = rev(&text);
        (
            "(hubianhao >= ?2 AND hubianhao < ?3 OR head_id_rev >= ?4 AND head_id_rev < ?5 \
             OR id IN (SELECT household_id FROM member WHERE id_rev >= ?4 AND id_rev < ?5))",
            vec![
                text.clone(),
                format!("{text}\u{10FFFF}"),
                r.clone(),
                format!("{r}\u{10FFFF}"),
            ],
        )
    } else {
        (
            "(head_name LIKE ?2 OR id IN (SELECT household_id FROM member WHERE name LIKE ?2))",
            vec![format!("%{text}%")],
        )
    };
    let sql = format!(
        "SELECT id, village_code, group_name, hubianhao, head_name, head_id_number, \
         household_type FROM household WHERE village_code = ?1 AND {cond} \
         ORDER BY village_code, group_name, hubianhao, id LIMIT 50"
    );
    let mut stmt = conn.prepare_cached(&sql).unwrap();
    let mut all = vec![q.villages[0].clone()];
    all.extend(args);
    let n = stmt
        .query_map(rusqlite::params_from_iter(all.iter()), |r| {
            r.get::<_, String>(0)
        })
        .unwrap()
        .count();
    n
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn time<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let t = Instant::now();
    let out = f();
    (out, ms(t.elapsed()))
}

/// What one side of the benchmark measured, in ms (sorted samples) and bytes.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Figures {
    pull: f64,
    reapply: f64,
    saves: Vec<f64>,
    searches: Vec<Vec<f64>>,
    opens: Vec<f64>,
    size: u64,
}

/// The operations both sides run: the store through its API, plain rusqlite by hand.
trait Side {
    fn apply(&mut self, batch: &PullResponse);
    fn save(&mut self, key: &RowKey, fields: &[(&'static str, Value)]);
    fn search(&self, q: &HouseholdSearch) -> usize;
    fn open(&self, id: Uuid);
}

struct StoreSide(Store);

impl Side for StoreSide {
    fn apply(&mut self, batch: &PullResponse) {
        self.0.apply_pull(batch, 1_700_000_100_000).unwrap();
    }
    fn save(&mut self, key: &RowKey, fields: &[(&'static str, Value)]) {
        self.0.save(key, fields, 1_700_000_200_000).unwrap();
    }
    fn search(&self, q: &HouseholdSearch) -> usize {
        self.0.households(q).unwrap().len()
    }
    fn open(&self, id: Uuid) {
        self.0.household(id).unwrap().unwrap();
    }
}

struct PlainSide(Connection);

impl Side for PlainSide {
    fn apply(&mut self, batch: &PullResponse) {
        plain_apply(&mut self.0, batch);
    }
    fn save(&mut self, key: &RowKey, fields: &[(&'static str, Value)]) {
        let tx = self.0.transaction().unwrap();
        let id = key.id.to_string();
        let old: String = tx
            .query_row("SELECT data FROM household WHERE id = ?1", [&id], |r| {
                r.get(0)
            })
            .unwrap();
        let mut data = serde_json::from_str::<Value>(&old)
            .unwrap()
            .as_object()
            .cloned()
            .unwrap_or_default();
        for (k, v) in fields {
            data.insert((*k).to_owned(), v.clone());
        }
        plain_write(&tx, "household", &id, &data);
        tx.commit().unwrap();
    }
    fn search(&self, q: &HouseholdSearch) -> usize {
        plain_search(&self.0, q)
    }
    fn open(&self, id: Uuid) {
        let _h: String = self
            .0
            .prepare_cached("SELECT data FROM household WHERE id = ?1")
            .unwrap()
            .query_row([id.to_string()], |r| r.get(0))
            .unwrap();
        let _m: Vec<String> = self
            .0
            .prepare_cached("SELECT data FROM member WHERE household_id = ?1")
            .unwrap()
            .query_map([id.to_string()], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
    }
}

const SEARCHES: usize = 6;

fn searches() -> Vec<(&'static str, Option<String>)> {
    vec![
        ("list one village, first page of 50", None),
        ("search by name part", Some("王1234".into())),
        ("search by a member's name", Some("李777".into())),
        (
            "search by the last 4 digits of an identity number",
            Some("0123".into()),
        ),
        ("search by a full identity number", Some(id_number(4321))),
        ("search by 户编号 prefix", Some("530325100000".into())),
    ]
}

/// Runs the workload on one side.
fn workload(side: &mut dyn Side, reapply: bool) -> Figures {
    let mut f = Figures::default();
    let (changes, ids) = pulled_changes();
    let all = batches(&changes, 0);
    let timed = TIMED_PULL.div_ceil(MAX_BATCH);
    f.pull = time(|| {
        for b in &all[..timed] {
            side.apply(b);
        }
    })
    .1;
    for b in &all[timed..] {
        side.apply(b);
    }
    if reapply {
        f.reapply = time(|| {
            for b in &all[..timed] {
                side.apply(b);
            }
        })
        .1;
    }

    // Saving one household form: 8 changed fields of a random household.
    let mut rng: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    for round in 0..1000u32 {
        let i = (next() % u64::from(HOUSEHOLDS)) as u32;
        let key = RowKey::new("household", ids[i as usize]);
        let fields = form_fields(i, round);
        f.saves.push(time(|| side.save(&key, &fields)).1);
    }

    for (_, text) in searches() {
        let q = HouseholdSearch {
            villages: vec![village(1)],
            text,
            limit: 50,
            offset: 0,
        };
        f.searches
            .push((0..30).map(|_| time(|| side.search(&q)).1).collect());
    }

    for _ in 0..200 {
        let id = ids[(next() % u64::from(HOUSEHOLDS)) as usize];
        f.opens.push(time(|| side.open(id)).1);
    }
    for v in [&mut f.saves, &mut f.opens]
        .into_iter()
        .chain(f.searches.iter_mut())
    {
        v.sort_by(f64::total_cmp);
    }
    f
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let [_, flag, dir] = args.as_slice() {
        if flag == "--plain" {
            let figures = run_plain(Path::new(dir));
            println!("{}", serde_json::to_string(&figures).unwrap());
            return;
        }
    }
    let durability = match args.get(1).map(String::as_str) {
        Some("normal") => Durability::Normal,
        _ => Durability::Full,
    };
    let dir: PathBuf =
        std::env::temp_dir().join(format!("fangpin-store-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    run(&dir, durability);
    std::fs::remove_dir_all(&dir).ok();
}

fn run_plain(dir: &Path) -> Figures {
    let path = dir.join("plain.db");
    let plain = Connection::open(&path).unwrap();
    plain
        .execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")
        .unwrap();
    plain.execute_batch(PLAIN_SCHEMA).unwrap();
    let mut side = PlainSide(plain);
    let mut f = workload(&mut side, false);
    f.size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    f
}

/// Rounds of the whole workload, each side in a fresh folder; the store's and the plain
/// database's rounds alternate, so that a busy moment of the machine hits both sides.
const ROUNDS: usize = 3;

fn fastest(v: &[f64]) -> f64 {
    v.iter().copied().fold(f64::INFINITY, f64::min)
}

/// The rounds together: totals by the fastest round (other builds on the machine only ever
/// add time), samples pooled.
fn pool(rounds: Vec<Figures>) -> (Figures, Vec<f64>) {
    let pulls: Vec<f64> = rounds.iter().map(|f| f.pull).collect();
    let mut out = Figures {
        pull: fastest(&pulls),
        reapply: fastest(&rounds.iter().map(|f| f.reapply).collect::<Vec<_>>()),
        size: rounds.iter().map(|f| f.size).max().unwrap_or(0),
        searches: vec![Vec::new(); SEARCHES],
        ..Figures::default()
    };
    for f in rounds {
        out.saves.extend(f.saves);
        out.opens.extend(f.opens);
        for (all, one) in out.searches.iter_mut().zip(f.searches) {
            all.extend(one);
        }
    }
    for v in [&mut out.saves, &mut out.opens]
        .into_iter()
        .chain(out.searches.iter_mut())
    {
        v.sort_by(f64::total_cmp);
    }
    (out, pulls)
}

fn run(dir: &Path, durability: Durability) {
    let identity = DeviceIdentity {
        device: DeviceId(Uuid::from_u128(0xde_0001)),
        user: UserId(Uuid::from_u128(0xde_0002)),
    };
    let opts = StoreOptions {
        durability,
        ..StoreOptions::default()
    };
    let mut stores = Vec::new();
    let mut plains = Vec::new();
    let (mut create, mut open) = (0.0, 0.0);
    for round in 0..ROUNDS {
        let dir = dir.join(format!("round{round}"));
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("store.db");
        let (store, c) = time(|| Store::init(&db, "246810", identity, &opts).unwrap());
        store.lock().unwrap();
        let (store, o) = time(|| Store::open(&db, "246810", &opts, 0).unwrap());
        (create, open) = (c, o);
        let mut side = StoreSide(store);
        let mut f = workload(&mut side, true);
        drop(side);
        f.size = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0);
        stores.push(f);

        let child = std::process::Command::new(std::env::current_exe().unwrap())
            .arg("--plain")
            .arg(&dir)
            .output()
            .unwrap();
        assert!(child.status.success(), "the plain side failed");
        plains.push(serde_json::from_slice::<Figures>(&child.stdout).unwrap());
        std::fs::remove_dir_all(&dir).ok();
    }
    let (s, store_pulls) = pool(stores);
    let (p, plain_pulls) = pool(plains);
    let size = s.size;

    let sync = match durability {
        Durability::Full => "FULL",
        Durability::Normal => "NORMAL",
    };
    println!("fangpin-store benchmark: {HOUSEHOLDS} households in 20 villages, one member each");
    println!(
        "store: SQLCipher, WAL, synchronous={sync}; plain (own process): unencrypted SQLite, \
         WAL, synchronous=FULL"
    );
    println!(
        "create store (Argon2id m=64 MiB t=3): {create:.0} ms; open with passcode: {open:.0} ms"
    );
    println!(
        "{ROUNDS} rounds, alternating; totals are the fastest round's, percentiles pool the rounds' \
         samples"
    );
    println!("pull per round (ms): store {store_pulls:.0?}, plain {plain_pulls:.0?}");
    println!();
    println!("| operation | store | plain rusqlite | ratio |");
    println!("| --- | --- | --- | --- |");
    let timed = TIMED_PULL.div_ceil(MAX_BATCH);
    row(
        &format!("apply {TIMED_PULL} pulled changes ({timed} batches), total"),
        s.pull,
        p.pull,
    );
    row(
        &format!("re-apply the same {TIMED_PULL} changes (all duplicates), total"),
        s.reapply,
        p.pull,
    );
    for (name, q) in [("p50", 0.5), ("p99", 0.99)] {
        row(
            &format!("save one household form (8 fields), {name}"),
            percentile(&s.saves, q),
            percentile(&p.saves, q),
        );
    }
    for (i, (name, _)) in searches().iter().enumerate().take(SEARCHES) {
        row(
            &format!("{name}, p50"),
            percentile(&s.searches[i], 0.5),
            percentile(&p.searches[i], 0.5),
        );
        row(
            &format!("{name}, worst of {}", 30 * ROUNDS),
            percentile(&s.searches[i], 1.0),
            percentile(&p.searches[i], 1.0),
        );
    }
    for (name, q) in [("p50", 0.5), ("p99", 0.99)] {
        row(
            &format!("open one household with everything in it, {name}"),
            percentile(&s.opens, q),
            percentile(&p.opens, q),
        );
    }
    println!();
    println!(
        "database size after the run: store {:.1} MB, plain {:.1} MB",
        size as f64 / 1e6,
        p.size as f64 / 1e6
    );
}

fn row(name: &str, store: f64, plain: f64) {
    println!(
        "| {name} | {store:.2} ms | {plain:.2} ms | {:.2}x |",
        store / plain.max(1e-9)
    );
}
