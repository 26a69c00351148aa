#!/usr/bin/env bash
# The main job on a fresh machine: prepares the models (scripts/prepare-models.sh,
# idempotent), builds the wasm package (scripts/build-wasm.sh, incremental), builds
# the demo site (www/) and serves it with `vite preview`, models/ at /models/.
# PORT (default 4173) and HOST (default localhost) choose where it listens.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-4173}"
HOST="${HOST:-localhost}"
rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || true
[ -d node_modules ] || npm ci --no-audit --no-fund
./scripts/prepare-models.sh
./scripts/build-wasm.sh
if [ ! -d www/node_modules ] || [ www/package-lock.json -nt www/node_modules ]; then
  npm ci --prefix www --no-audit --no-fund
fi
npm run build --prefix www
echo
echo "nunchi demo: http://$HOST:$PORT/"
echo
exec npm run preview --prefix www -- --host "$HOST" --port "$PORT" --strictPort
