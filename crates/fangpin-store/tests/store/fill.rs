//! What every migration fixture holds: written by the example `fangpin-store-fixtures` into
//! the fixture of the current schema version, and by the migration test into a fresh store,
//! so that both sides of the comparison come from the same writes.

use fangpin_store::Store;
use fangpin_sync::{LedgerState, LedgerStatus};
use serde_json::json;

use super::support::*;

/// The passcode of every fixture (wrapped with cheap Argon2 parameters).
pub const FIXTURE_PASSCODE: &str = "fixture-0000";

/// What every fixture holds, written through the API of its time.
pub fn fill(store: &mut Store) {
    for n in 1..=3u128 {
        let hh = row("household", n);
        store
            .create(
                &hh,
                &household_fields(
                    &format!("赵{n}"),
                    &format!("53032519800101{n:03}X"),
                    &format!("530325101201003{n}"),
                ),
                1_000 + n as u64,
            )
            .unwrap();
        store
            .create(
                &row("member", n),
                &[
                    ("household_id", json!(hh.id.to_string())),
                    ("name", json!(format!("赵小{n}"))),
                    ("id_number", json!(format!("53032520100101{n:03}7"))),
                    ("relation", json!("child")),
                ],
                1_100,
            )
            .unwrap();
    }
    let item = row("ledger_item", 1);
    store
        .create(
            &item,
            &[
                ("household_id", json!(row("household", 1).id.to_string())),
                ("village_code", json!("530325101201")),
                ("status", serde_json::to_value(LedgerStatus::NEW).unwrap()),
                ("deadline", json!("2025-06-30")),
            ],
            1_200,
        )
        .unwrap();
    store
        .transition(
            &item,
            "status",
            LedgerStatus::new(1, LedgerState::InProgress),
            1_300,
        )
        .unwrap();
    store
        .save(
            &row("household", 2),
            &[("phone", json!("13800002222"))],
            1_400,
        )
        .unwrap();
    store.delete(&row("household", 3), 1_500).unwrap();
}
