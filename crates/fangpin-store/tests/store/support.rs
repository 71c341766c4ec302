//! Shared helpers: stores in temporary folders and sample rows.

use std::path::{Path, PathBuf};

use fangpin_store::{DeviceIdentity, Store, StoreOptions};
use fangpin_sync::{DeviceId, RowKey, UserId, Value};
use serde_json::json;
use uuid::Uuid;

pub const PASSCODE: &str = "246810";

pub fn identity(n: u128) -> DeviceIdentity {
    DeviceIdentity {
        device: DeviceId(Uuid::from_u128(
            0x0190_0000_0000_7000_8000_0000_0000_0000 + n,
        )),
        user: UserId(Uuid::from_u128(
            0x0190_0000_0000_7000_8000_0000_0001_0000 + n,
        )),
    }
}

/// The options of the store's own tests: cheap key derivation, and values not checked
/// against the record catalogue, because these tests write sample rows (some with made-up
/// identity numbers, as the migration fixtures hold) to test storage, not values; the checks
/// have their own test ([`checked`]).
pub fn options() -> StoreOptions {
    StoreOptions {
        unchecked_values: true,
        ..StoreOptions::insecure_for_tests()
    }
}

/// The options a device uses: every value checked.
pub fn checked() -> StoreOptions {
    StoreOptions::insecure_for_tests()
}

pub fn db_path(dir: &Path) -> PathBuf {
    dir.join("fangpin.db")
}

pub fn new_store(dir: &Path) -> Store {
    Store::init(&db_path(dir), PASSCODE, identity(1), &options()).unwrap()
}

pub fn reopen(dir: &Path) -> Store {
    Store::open(&db_path(dir), PASSCODE, &options(), 0).unwrap()
}

pub fn row(table: &str, n: u128) -> RowKey {
    RowKey::new(
        table,
        Uuid::from_u128(0x0190_0000_0000_7000_9000_0000_0000_0000 + n),
    )
}

pub fn household_fields(
    name: &str,
    id_number: &str,
    hubianhao: &str,
) -> Vec<(&'static str, Value)> {
    vec![
        ("village_code", json!("530325101201")),
        ("group", json!("3组")),
        ("hubianhao", json!(hubianhao)),
        ("head_name", json!(name)),
        ("head_id_number", json!(id_number)),
        ("household_type", json!("formerly_poor")),
        ("address", json!("示例村委会下营村3组12号")),
        ("phone", json!("13987412345")),
    ]
}

/// Borrows a field list for the store's API.
pub fn refs(fields: &[(&'static str, Value)]) -> Vec<(&'static str, Value)> {
    fields.to_vec()
}
