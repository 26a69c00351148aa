#!/usr/bin/env bash
# Runs the CPU kernel tests on wasm32 through wasm-bindgen-test-runner, +simd128
# under Node: the q8_0 SIMD128 GEMM (crates/engine/tests/q8.rs), the f32 GEMM
# (tests/dense.rs) and the GELU/softmax kernels (tests/elementwise.rs), as the
# package's wasm runs them.
#
# Other arguments replace the test selection (e.g. `--test kernel_bench -- --include-ignored`).
set -euo pipefail
cd "$(dirname "$0")/.."
rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
command -v wasm-bindgen-test-runner >/dev/null || {
  echo "test-wasm-kernels: wasm-bindgen-test-runner not found (install wasm-bindgen-cli at the Cargo.lock version: scripts/build-wasm.sh does)" >&2
  exit 1
}
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
tests=(--test q8 --test dense --test elementwise)
[ $# -gt 0 ] && tests=("$@")
# Target-only flags, so native builds keep their cache.
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C target-feature=+simd128" \
  cargo test --release --target wasm32-unknown-unknown -p nunchi-engine "${tests[@]}"
