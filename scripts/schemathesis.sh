#!/usr/bin/env bash
# Runs schemathesis (from PyPI) against the OpenAPI document a real `fangpin serve` publishes,
# as a supervisor and as the system administrator, checking that no request gets a server error.
# Called by scripts/test.sh after the cargo tests (which build the fangpin binary).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

target="${CARGO_TARGET_DIR:-$ROOT/target}"
fangpin="$target/debug/fangpin"
venv="$target/schemathesis-venv"
if [ ! -x "$venv/bin/st" ]; then
  apt_need python3-venv
  log "installing schemathesis into target/schemathesis-venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==4.32.5"
fi

work="$(mktemp -d)"
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

"$fangpin" demo --db "$work/server.db" --households 30 >/dev/null
"$fangpin" serve --db "$work/server.db" --listen 127.0.0.1:0 >"$work/out" 2>"$work/err" &
server_pid=$!
# Wait for the line that names the address (the server prints it once it listens).
for _ in $(seq 1 100); do
  addr="$(grep -o 'http://[0-9.:]*' "$work/out" 2>/dev/null || true)"
  [ -n "$addr" ] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/err" >&2; exit 1; }
  sleep 0.1
done
[ -n "$addr" ] || { echo "the service did not start" >&2; exit 1; }

credential() {
  curl -sf -X POST "$addr/api/v1/login" -H 'content-type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"fangpin-demo\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["credential"])'
}

# Both credentials first: the fuzzing of the sign-in endpoint soon trips this address's sign-in
# back-off, after which no one signs in from here for a while.
zhen="$(credential zhen)"
admin="$(credential admin)"
[ -n "$zhen" ] && [ -n "$admin" ] || { echo "signing in to the demo failed" >&2; exit 1; }

run() {
  log "schemathesis as $1"
  # From the temporary folder, so schemathesis's own files stay out of the tree.
  (cd "$work" && "$venv/bin/st" run "$addr/api/v1/openapi.json" --checks not_a_server_error \
    -H "Authorization: Bearer $2" --max-examples 20 --seed 1 -w 1 "${@:3}" \
    --warnings off 2>&1 | tail -n 12; exit "${PIPESTATUS[0]}")
}

run zhen "$zhen"
run admin "$admin" --include-path-regex '/api/v1/(users|devices)'
