//! Test support only: the child process of the crash test in `tests/store/crash.rs`.
//!
//! `fangpin-store-crash-child DB PASSCODE SEED` opens the store at DB (created by the test
//! with cheap Argon2 parameters) and saves forever: new households with a member, edits of
//! earlier households, visit notes and drafts. After each save commits it prints the changes
//! it made as one JSON line and flushes, so the parent knows which saves returned; the parent
//! kills it with SIGKILL at a random point.

use std::io::Write;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use fangpin_store::{HouseholdSearch, Store, StoreOptions};
use fangpin_sync::{RowKey, Value};
use serde_json::json;
use uuid::Uuid;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, db, passcode, seed] = args.as_slice() else {
        return Err("usage: fangpin-store-crash-child DB PASSCODE SEED".into());
    };
    let mut rng: u64 = seed.parse::<u64>()? | 1;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let now = || {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(0))
    };
    let mut store = Store::open(
        &PathBuf::from(db),
        passcode,
        &StoreOptions {
            unchecked_values: true,
            ..StoreOptions::insecure_for_tests()
        },
        now(),
    )?;
    let mut households: Vec<Uuid> = store
        .households(&HouseholdSearch {
            limit: 10_000,
            ..HouseholdSearch::default()
        })?
        .into_iter()
        .map(|h| h.id)
        .collect();
    let mut out = std::io::stdout().lock();
    for i in 0u64.. {
        let pick = next() % 4;
        let changes = if households.is_empty() || pick == 0 {
            let id = Uuid::now_v7();
            let member = Uuid::now_v7();
            let hh = RowKey::new("household", id);
            let m = RowKey::new("member", member);
            let (_, changes) = store.edit(now(), |e| {
                e.create(
                    &hh,
                    &[
                        ("village_code", json!("530325101201")),
                        ("group", json!(format!("{}组", i % 7))),
                        ("hubianhao", json!(format!("53032510120100{i:02}"))),
                        ("head_name", json!(format!("户主{i}"))),
                        ("head_id_number", json!("530325199001011234")),
                        ("household_type", json!("ordinary")),
                        ("address", json!(format!("示例村{i}号"))),
                    ],
                )?;
                e.create(
                    &m,
                    &[
                        ("household_id", json!(id.to_string())),
                        ("name", json!(format!("户主{i}"))),
                        ("relation", json!("head")),
                    ],
                )
            })?;
            households.push(id);
            changes
        } else {
            let id = households[usize::try_from(next()).unwrap_or(0) % households.len()];
            let hh = RowKey::new("household", id);
            match pick {
                1 => store.save(
                    &hh,
                    &[
                        ("phone", json!(format!("1380000{:04}", next() % 10_000))),
                        ("head_name", json!(format!("改名{i}"))),
                    ],
                    now(),
                )?,
                2 => vec![store.append(
                    &hh,
                    "visit_notes",
                    Value::from(format!("走访{i}")),
                    now(),
                )?],
                _ => {
                    store.save_draft(&format!("household/{id}"), &json!({"n": i}), now())?;
                    Vec::new()
                }
            }
        };
        writeln!(out, "{}", serde_json::to_string(&changes)?)?;
        out.flush()?;
    }
    Ok(())
}
