#!/usr/bin/env bash
# The test suite: prepares the model files (idempotent), then runs every Rust
# test in release mode (the models are real; unoptimised candle is too slow).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/prepare-models.sh
cargo test --release --workspace
