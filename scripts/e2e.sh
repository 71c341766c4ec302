#!/usr/bin/env bash
# End-to-end tests of the real field app: the debug build of src-tauri under Xvfb, driven through
# tauri-driver and WebKitWebDriver, against a real sync service on loopback started by the test.
# Screenshots and timings go to test-artifacts/e2e/; `--update-docs` also copies the screenshots
# into docs/screenshots/.
# Set FANGPIN_E2E_SKIP_BUILD=1 when the UI and both binaries are already built (scripts/test.sh).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
base_need
field_need
e2e_need

if [ "${FANGPIN_E2E_SKIP_BUILD:-}" != 1 ]; then
  ui_build
  log "building fangpin and fangpin-field (debug)"
  cargo build --locked -p fangpin-cli -p fangpin-field
fi

rm -rf test-artifacts/e2e
mkdir -p test-artifacts/e2e
log "end-to-end tests of the field app"
# One X server for the run, 1280x800 like the target tablet; no window manager or dbus needed.
xvfb-run -a -s '-screen 0 1280x800x24' \
  env FANGPIN_ROOT="$ROOT" TAURI_DRIVER="$TAURI_DRIVER" \
  node --test --test-concurrency=1 --test-reporter=spec ui/field/e2e/

if [ "${1:-}" = "--update-docs" ]; then
  mkdir -p docs/screenshots
  cp test-artifacts/e2e/[0-9][0-9]-*.png docs/screenshots/
  log "copied the screenshots into docs/screenshots/"
fi
