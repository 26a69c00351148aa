#!/usr/bin/env bash
# The main job on a fresh machine: prepares the models (scripts/prepare-models.sh,
# idempotent), builds the wasm package (scripts/build-wasm.sh, incremental), builds
# the demo site (www/) and serves it with `vite preview`, models/ at /models/.
# PORT (default 4173) and HOST (default localhost) choose where it listens.
# Every step skips its work when its inputs are unchanged, so a second start
# serves in seconds; a first start says what it is doing and about how long it takes.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-4173}"
HOST="${HOST:-localhost}"
START=$SECONDS
step() { echo "demo: $* ($((SECONDS - START)) s so far)" >&2; }

[ -f target/release/nunchi ] ||
  step "first start: building the CLI, the wasm package and the site takes about 20-30 minutes on 2 cores"
rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
[ -d node_modules ] || { step "installing the build tools (npm ci)"; npm ci --no-audit --no-fund; }
step "models"
./scripts/prepare-models.sh
step "wasm package"
./scripts/build-wasm.sh
if [ ! -d www/node_modules ] || [ www/package-lock.json -nt www/node_modules ]; then
  step "installing the site's dependencies (npm ci --prefix www)"
  npm ci --prefix www --no-audit --no-fund
fi
# The site is rebuilt only when something it is built from is newer than the last build.
STAMP=www/dist/.built
if [ -f "$STAMP" ] && [ -z "$(find www/src www/scripts www/index.html www/vite.config.js www/package-lock.json \
    pkg -path pkg/node_modules -prune -o -newer "$STAMP" -type f -print -quit)" ]; then
  step "site is up to date (www/dist)"
else
  step "building the site (vite build)"
  npm run build --prefix www
  touch "$STAMP"
fi
echo
echo "nunchi demo: http://$HOST:$PORT/  (ready after $((SECONDS - START)) s)"
echo
exec npm run preview --prefix www -- --host "$HOST" --port "$PORT" --strictPort
