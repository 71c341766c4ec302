#!/usr/bin/env bash
# Runs every test: formatting, lints, unit, integration, property and scenario tests.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
base_need
apt_need postgresql

log "rustfmt"
cargo fmt --all -- --check
log "clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
log "tests"
cargo test --workspace --locked
log "schemathesis against the served OpenAPI document"
bash scripts/schemathesis.sh
