//! What the server benchmarks share: the clock, temporary folders, accounts made directly in
//! a backend, the generated township moved into other townships of the county, batches cut at
//! row boundaries, and the read-model rows a batch ends with (for the plain baselines).

use std::collections::HashMap;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use fangpin_app::township::{Township, COUNTY};
use fangpin_catalogue::{self as catalogue, Village};
use fangpin_server::model::{Actor, Device, DeviceKind, Role, Scope, User};
use fangpin_server::state::RowState;
use fangpin_server::Backend;
use fangpin_sync::{Change, RowKey};
use serde_json::json;
use uuid::Uuid;

/// The service's clock, ms since the epoch (only binaries read the clock).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Today, by the machine's clock.
pub fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// A fresh temporary folder.
pub fn tempdir() -> Result<std::path::PathBuf> {
    let d = std::env::temp_dir().join(format!("fangpin-bench-{}", Uuid::now_v7()));
    std::fs::create_dir_all(&d)?;
    Ok(d)
}

/// The median of some timings (sorts them).
pub fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// A township's 9-digit code in the county: 101, 102, …
pub fn township(n: usize) -> String {
    format!("{COUNTY}{:03}", 101 + n)
}

/// A user of a role and scope with a fixed id.
pub fn user(id: Uuid, name: &str, role: Role, scope: Scope) -> User {
    User {
        id,
        username: name.into(),
        display_name: name.into(),
        role,
        scope,
        disabled: false,
    }
}

/// A field device of a user, made directly in the backend with the hash of `secret`
/// (enrolment's password check is not what is measured).
pub async fn device(b: &dyn Backend, user: &User, id: Uuid, secret: &str) -> Result<Actor> {
    let device = Device {
        id,
        user_id: user.id,
        name: "bench".into(),
        kind: DeviceKind::Field,
        created_ms: now_ms(),
        expires_ms: i64::MAX,
        revoked_ms: None,
    };
    b.create_device(device.clone(), secret_hash(secret)).await?;
    Ok(Actor {
        user: user.clone(),
        device,
        policy: std::sync::Arc::new(fangpin_server::model::PolicyBook::seed()),
    })
}

/// SHA-256 of a device secret, hex: what the service stores.
pub fn secret_hash(secret: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(secret.as_bytes())
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

/// A cheap deterministic mix of a number (splitmix64), for spreading generated values.
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// When household `n` was screened: four in five this year (January to last month), the
/// rest last year.
pub fn screened_on(n: u64, today: NaiveDate) -> String {
    use chrono::Datelike;
    let r = mix(n);
    let this_year = r % 5 != 0;
    let year = if this_year {
        today.year()
    } else {
        today.year() - 1
    };
    let last_month = if this_year {
        today.month().saturating_sub(1).max(1)
    } else {
        12
    };
    let month = 1 + ((r >> 8) % u64::from(last_month)) as u32;
    let day = 1 + ((r >> 16) % 28) as u32;
    NaiveDate::from_ymd_opt(year, month, day)
        .unwrap_or(today)
        .to_string()
}

const SCREENERS: [&str; 8] = [
    "李国华",
    "王秀英",
    "张志强",
    "杨丽萍",
    "陈德明",
    "赵红梅",
    "刘建国",
    "罗春花",
];

/// Moves a generated township's 12 villages to `villages` (12 codes, in order), renumbers the
/// households' 户编号 under their new village from `first`, and gives every household the
/// screening date and screener a screening writes.
pub fn relocate(town: &mut Township, villages: &[String], first: u64, today: NaiveDate) {
    let map: HashMap<String, String> = town
        .villages
        .iter()
        .zip(villages)
        .map(|(v, n)| (v.code.clone(), n.clone()))
        .collect();
    for v in &mut town.villages {
        if let Some(n) = map.get(&v.code) {
            v.code.clone_from(n);
        }
    }
    for (i, h) in town.households.iter_mut().enumerate() {
        let old = h.doc["household"]["area"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let Some(new) = map.get(&old) else { continue };
        let n = first + i as u64;
        let hh = &mut h.doc["household"];
        hh["area"]["code"] = json!(new);
        hh["id"] = json!(format!("{new}{:04}", 1 + n / 12 % 10_000));
        hh["screened_on"] = json!(screened_on(n, today));
        hh["screened_by"] = json!(SCREENERS[(mix(n) % 8) as usize]);
    }
}

/// Cuts a device's changes into batches of about `size`, never inside a row (as the client
/// cuts them).
pub fn cut(all: Vec<Change>, size: usize) -> Vec<Vec<Change>> {
    let mut batches = Vec::new();
    let mut cur: Vec<Change> = Vec::new();
    for c in all {
        if cur.len() >= size && cur.last().is_some_and(|l| l.row != c.row) {
            batches.push(std::mem::take(&mut cur));
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        batches.push(cur);
    }
    batches
}

/// Keeps the first `n` changes and the rest of the row the `n`th belongs to.
pub fn truncate_at_row(all: &mut Vec<Change>, n: usize) {
    if all.len() <= n || n == 0 {
        return;
    }
    let mut end = n;
    while end < all.len() && all[end].row == all[end - 1].row {
        end += 1;
    }
    all.truncate(end);
}

/// A batch as a plain bulk insert writes it: each change with its village, and each row's
/// state after the batch (its record, search columns and every field's heads), computed
/// ahead so the insert does no judging and no merging.
pub struct PlainBatch {
    /// The changes with their villages.
    pub changes: Vec<(Change, String)>,
    /// The rows' states after the batch.
    pub rows: Vec<RowState>,
}

/// Every batch's plain rows. Rows never span batches (batches are cut at row boundaries and
/// the generated rows are created whole), so each row's state is the replay of its changes
/// in the batch; `households` carries the households' villages from batch to batch.
pub fn plain_batches(
    batches: &[Vec<Change>],
    households: &mut HashMap<Uuid, String>,
) -> Result<Vec<PlainBatch>> {
    let mut out = Vec::with_capacity(batches.len());
    for batch in batches {
        let mut order: Vec<RowKey> = Vec::new();
        let mut by_row: HashMap<RowKey, Vec<&Change>> = HashMap::new();
        for c in batch {
            by_row
                .entry(c.row.clone())
                .or_insert_with(|| {
                    order.push(c.row.clone());
                    Vec::new()
                })
                .push(c);
        }
        let mut rows = Vec::with_capacity(order.len());
        let mut village_of: HashMap<RowKey, String> = HashMap::new();
        for key in order {
            let cs = &by_row[&key];
            let mut s = RowState::replay(key.clone(), String::new(), cs.iter().copied());
            let t = catalogue::table(&key.table).context("a catalogue table")?;
            let village = match t.village {
                Village::Own(f) => s
                    .record
                    .data
                    .get(f)
                    .and_then(|v| v.as_str())
                    .map(str::to_owned),
                Village::Household(_) => s
                    .record
                    .household_id
                    .and_then(|h| households.get(&h).cloned()),
            }
            .with_context(|| format!("the village of {key}"))?;
            if key.table == catalogue::HOUSEHOLD {
                households.insert(key.id, village.clone());
            }
            s.record.village.clone_from(&village);
            village_of.insert(key, village);
            rows.push(s);
        }
        let changes = batch
            .iter()
            .map(|c| (c.clone(), village_of[&c.row].clone()))
            .collect();
        out.push(PlainBatch { changes, rows });
    }
    Ok(out)
}

/// The columns of a read-model table: the row-level ones, then the catalogue's search columns.
pub fn rm_columns(table: &str, county_first: bool) -> Vec<&'static str> {
    fangpin_server::state::read_model_columns(table, county_first)
}

/// CPU seconds this process has used (user and system), from /proc; 0 where unavailable.
pub fn cpu_secs() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // The fields after the command name, which is in parentheses.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|s| s.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the name.
    (ticks(11) + ticks(12)) / 100.0
}
