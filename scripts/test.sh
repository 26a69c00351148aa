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
node --test tests/js/
