#!/usr/bin/env bash
# Builds the demo site (www/) and serves it with `vite preview`, models/ at /models/.
# Assumes the wasm package (pkg/wasm, scripts/build-wasm.sh) and models/ (scripts/prepare-models.sh)
# are ready. PORT (default 4173) and HOST (default localhost) choose where it listens.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-4173}"
HOST="${HOST:-localhost}"
[ -f pkg/wasm/nunchi_wasm_bg.wasm ] || { echo "pkg/wasm is missing: run scripts/build-wasm.sh first" >&2; exit 1; }
[ -f models/all-MiniLM-L6-v2-q8_0.gguf ] || { echo "models/ is missing: run scripts/prepare-models.sh first" >&2; exit 1; }
if [ ! -d www/node_modules ] || [ www/package-lock.json -nt www/node_modules ]; then
  npm ci --prefix www --no-audit --no-fund
fi
npm run build --prefix www
echo
echo "nunchi demo: http://$HOST:$PORT/"
echo
exec npm run preview --prefix www -- --host "$HOST" --port "$PORT" --strictPort
