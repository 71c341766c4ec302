#!/usr/bin/env bash
# Runs every test: formatting, lints, unit, integration, property and scenario tests, the UI's
# unit tests (Vitest, in each package of ui/), and the end-to-end tests of the real field app
# (scripts/e2e.sh).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
base_need
apt_need postgresql
reports_need
field_need
e2e_need

# The UI first: src-tauri compiles ui/field/dist into the field app.
ui_build
log "UI unit tests (Vitest: ui/shared, ui/field, ui/console)"
(cd ui && npm run --silent test)

log "rustfmt"
cargo fmt --all -- --check
log "clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
log "tests"
cargo test --workspace --locked

# The debug binaries the e2e run drives: built once here, sharing target/ with the tests above.
log "building fangpin and fangpin-field for the end-to-end tests"
cargo build --locked -p fangpin-cli -p fangpin-field
FANGPIN_E2E_SKIP_BUILD=1 bash scripts/e2e.sh

log "schemathesis against the served OpenAPI document"
bash scripts/schemathesis.sh
