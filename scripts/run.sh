#!/usr/bin/env bash
# Runs the product: the sync service with a demo township on 127.0.0.1 (serving the supervisor
# console at /console/), and the field app connected to it (its enrol screen offers the service's address; demo accounts cadre01..cadre12
# and zhen, password fangpin-demo). Without a display (no $DISPLAY or $WAYLAND_DISPLAY) the app
# runs on a virtual X display (Xvfb) and a screenshot of its first screen is written to
# test-artifacts/run/; see docs/field-app.md.
# `bash scripts/run.sh assess FILE` still prints one household's assessment, as before.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
base_need

if [ "${1:-}" = "assess" ]; then
  shift
  cargo build --locked -p fangpin-cli
  exec target/debug/fangpin assess "${@:-docs/examples/household.json}"
fi

field_need
ui_build
log "building fangpin and fangpin-field"
cargo build --locked -p fangpin-cli -p fangpin-field

RUN_DIR="${FANGPIN_RUN_DIR:-$ROOT/target/run}"
mkdir -p "$RUN_DIR"
if [ ! -f "$RUN_DIR/server.db" ]; then
  log "creating the demo township in $RUN_DIR/server.db"
  target/debug/fangpin demo --db "$RUN_DIR/server.db" --households "${FANGPIN_DEMO_HOUSEHOLDS:-600}"
fi

log "starting the sync service"
target/debug/fangpin serve --db "$RUN_DIR/server.db" --listen "${FANGPIN_LISTEN:-127.0.0.1:0}" \
  --console-dir "$ROOT/ui/console/dist" >"$RUN_DIR/server.out" 2>"$RUN_DIR/server.log" &
SERVER_PID=$!
APP_PID=""
XVFB_PID=""
cleanup() {
  [ -n "$APP_PID" ] && kill "$APP_PID" 2>/dev/null || true
  kill "$SERVER_PID" 2>/dev/null || true
  [ -n "$XVFB_PID" ] && kill "$XVFB_PID" 2>/dev/null || true
}
trap cleanup EXIT INT TERM
URL=""
for _ in $(seq 1 200); do
  URL="$(sed -n 's/^fangpin: listening on \(http:[^ ]*\)$/\1/p' "$RUN_DIR/server.out" | head -1)"
  [ -n "$URL" ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$RUN_DIR/server.log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$URL" ] || { echo "the service did not start" >&2; exit 1; }
log "service at $URL (accounts cadre01..cadre12, zhen; password fangpin-demo); console at $URL/console/"

export FANGPIN_FIELD_SERVER="$URL"
export FANGPIN_FIELD_DATA_DIR="${FANGPIN_FIELD_DATA_DIR:-$RUN_DIR/device}"
if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
  log "opening the field app (data in $FANGPIN_FIELD_DATA_DIR); close its window to stop"
  target/debug/fangpin-field &
  APP_PID=$!
  wait "$APP_PID" || true
else
  e2e_need
  mkdir -p test-artifacts/run
  DISPLAY_NUM=99
  while [ -e "/tmp/.X11-unix/X$DISPLAY_NUM" ]; do DISPLAY_NUM=$((DISPLAY_NUM + 1)); done
  Xvfb ":$DISPLAY_NUM" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
  XVFB_PID=$!
  export DISPLAY=":$DISPLAY_NUM"
  for _ in $(seq 1 100); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done
  log "no display: the field app runs on Xvfb $DISPLAY (data in $FANGPIN_FIELD_DATA_DIR)"
  target/debug/fangpin-field &
  APP_PID=$!
  # Give the window time to paint its first screen, then keep a picture of it.
  for _ in $(seq 1 50); do
    xwininfo -root -tree 2>/dev/null | grep -q '防返贫监测排查' && break
    sleep 0.2
  done
  sleep 2
  import -window root test-artifacts/run/field-app.png 2>/dev/null && log "screenshot: test-artifacts/run/field-app.png"
  if [ -t 0 ] && [ -z "${CI:-}" ]; then
    log "running; press Ctrl-C to stop (the service stays at $URL meanwhile)"
    wait "$APP_PID" || true
  fi
fi
