#!/usr/bin/env bash
# Runs the q8_0 kernel tests (crates/engine/tests/q8.rs) on wasm32 with +simd128,
# where our SIMD128 GEMM is compiled, under Node via wasm-bindgen-test-runner.
set -euo pipefail
cd "$(dirname "$0")/.."
rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
if ! command -v wasm-bindgen-test-runner >/dev/null; then
  echo "test-wasm-kernels: wasm-bindgen-test-runner not found (cargo install wasm-bindgen-cli matching Cargo.lock)" >&2
  exit 1
fi
# Target-only flags, so native builds keep their cache.
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C target-feature=+simd128" \
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test --release --target wasm32-unknown-unknown -p nunchi-engine --test q8 "$@"
