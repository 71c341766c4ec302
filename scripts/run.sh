#!/usr/bin/env bash
# Runs the product as far as it exists: the assessment of the demo household.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
base_need

log "building"
cargo build --locked -p fangpin-cli
log "assessing docs/examples/household.json"
target/debug/fangpin assess docs/examples/household.json "$@"
