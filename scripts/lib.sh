# Shared set-up for the two top-level commands: installs what is missing on a fresh Debian machine.
# Sourced, not run.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

log() { printf '\n== %s\n' "$*" >&2; }

# apt_need PKG...: install the Debian packages that are not installed yet.
apt_need() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    log "installing Debian packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# rust_need: the toolchain with rustfmt and clippy.
rust_need() {
  if ! command -v cargo >/dev/null 2>&1; then
    [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
  fi
  command -v cargo >/dev/null 2>&1 || { echo "cargo is not installed: install Rust with rustup first" >&2; exit 1; }
  if command -v rustup >/dev/null 2>&1; then
    rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
    rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
  fi
}

# libdbus-1-dev: fangpin-store reaches the Secret Service (the platform key store) over D-Bus.
base_need() {
  apt_need build-essential pkg-config ca-certificates libssl-dev libdbus-1-dev
  rust_need
}

# reports_need: second readers for the paperwork's tests: openpyxl (PyPI) reads the XLSX back,
# pdftotext (poppler-utils) the PDF notice, set in Debian's Noto CJK font.
reports_need() {
  apt_need poppler-utils fonts-noto-cjk
  python3 -c 'import openpyxl' 2>/dev/null || {
    log "installing openpyxl (the reports' tests read the workbooks back with it)"
    python3 -m pip install --user --quiet --disable-pip-version-check "openpyxl==3.1.5"
  }
}

# The field app (src-tauri/, ui/): Tauri 2's system libraries, Node.js and npm.
field_need() {
  apt_need libwebkit2gtk-4.1-dev libxdo-dev libayatana-appindicator3-dev librsvg2-dev \
    libgtk-3-dev libsoup-3.0-dev libjavascriptcoregtk-4.1-dev file curl wget
  command -v npm >/dev/null 2>&1 || apt_need nodejs npm
}

# What the end-to-end tests of the real app need: Xvfb, WebKitWebDriver, CJK fonts for the
# screenshots, and tauri-driver (installed once with cargo into $CARGO_HOME/bin).
e2e_need() {
  apt_need xvfb xauth imagemagick x11-utils webkit2gtk-driver fonts-dejavu-core fonts-noto-cjk \
    dbus-x11 at-spi2-core
  local bin="${CARGO_HOME:-$HOME/.cargo}/bin/tauri-driver"
  if [ ! -x "$bin" ]; then
    log "installing tauri-driver"
    cargo install tauri-driver --locked --quiet
  fi
  export TAURI_DRIVER="$bin"
}

# ui_build: installs the locked npm packages of the ui/ workspace (shared, field, console) when
# ui/package-lock.json changed, then type-checks and builds them: ui/field/dist, which src-tauri
# compiles into the field app, and ui/console/dist, the supervisor console.
ui_build() {
  field_need
  local stamp="$ROOT/ui/node_modules/.fangpin-lock"
  if [ ! -f "$stamp" ] || ! cmp -s "$ROOT/ui/package-lock.json" "$stamp"; then
    log "npm ci (ui/)"
    (cd "$ROOT/ui" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$ROOT/ui/package-lock.json" "$stamp"
  fi
  log "building the UI (ui/field/dist, ui/console/dist)"
  (cd "$ROOT/ui" && npm run --silent build >/dev/null)
}
