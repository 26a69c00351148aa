#!/usr/bin/env bash
# The test suite: prepares the model files (idempotent), runs every Rust test in
# release mode (the models are real; unoptimised candle is too slow), builds the
# npm package's wasm, and runs its JS tests against the built package: in Node,
# and in headless Chromium (needs /usr/bin/chromium and `npm ci`).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/prepare-models.sh
cargo test --release --workspace
./scripts/build-wasm.sh
# The demo site (www/) has its own npm project; its test builds it with Vite.
[ -d www/node_modules ] || npm ci --prefix www --no-audit --no-fund
node --test tests/js/
