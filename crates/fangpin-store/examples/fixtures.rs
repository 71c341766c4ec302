//! Writes the migration fixture of the current schema version:
//! `tests/fixtures/v<N>.db` and its key file, holding what `tests/store/fill.rs` writes.
//!
//! Run it once, before a new schema version is added, with the code of the version that is
//! current until then: `cargo run -p fangpin-store --example fangpin-store-fixtures`.
//! The migration test then opens a copy of every fixture with the newer code. An existing
//! fixture is never rewritten: the example refuses to overwrite one.
#![allow(clippy::print_stdout)]

use std::path::Path;

use fangpin_store::{Store, StoreOptions, SCHEMA_VERSION};

// The same writes and helpers as the migration test.
#[allow(dead_code)]
#[path = "../tests/store/support.rs"]
mod support;

#[path = "../tests/store/fill.rs"]
mod fill;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let path = dir.join(format!("v{SCHEMA_VERSION}.db"));
    let key = fangpin_store::key_path(&path);
    if path.exists() || key.exists() {
        return Err(format!(
            "{} already exists: a fixture is never rewritten",
            path.display()
        )
        .into());
    }
    std::fs::create_dir_all(&dir)?;
    let opts = StoreOptions {
        schema_version: Some(SCHEMA_VERSION),
        unchecked_values: true,
        ..StoreOptions::insecure_for_tests()
    };
    let mut store = Store::init(&path, fill::FIXTURE_PASSCODE, support::identity(7), &opts)?;
    fill::fill(&mut store);
    let problems = store.check()?;
    if !problems.is_empty() {
        return Err(format!("the fixture fails its check: {problems:?}").into());
    }
    store.lock()?;
    println!("wrote {} and {}", path.display(), key.display());
    Ok(())
}
