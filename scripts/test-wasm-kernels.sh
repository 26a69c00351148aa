#!/usr/bin/env bash
# Runs the CPU kernel tests on wasm32 through wasm-bindgen-test-runner, +simd128
# under Node: the q8_0 SIMD128 GEMM (crates/engine/tests/q8.rs) and the
# GELU/softmax kernels (tests/elementwise.rs), as the package's wasm runs them.
#
# `--relaxed` runs the q8_0 relaxed-SIMD kernel's test instead (the engine's
# `relaxed-simd` feature, +simd128,+relaxed-simd), in headless Chromium through
# chromedriver: Node 20's experimental relaxed SIMD computes its dot product
# wrongly. That kernel is not shipped, so CI does not build it; its own target
# dir (target/wasm-relaxed/) keeps the two builds' caches apart.
# Other arguments replace the test selection (e.g. `--test kernel_bench -- --include-ignored`).
set -euo pipefail
cd "$(dirname "$0")/.."
relaxed=0
if [ "${1:-}" = "--relaxed" ]; then relaxed=1; shift; fi
rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
command -v wasm-bindgen-test-runner >/dev/null || {
  echo "test-wasm-kernels: wasm-bindgen-test-runner not found (install wasm-bindgen-cli at the Cargo.lock version: scripts/build-wasm.sh does)" >&2
  exit 1
}
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
if [ "$relaxed" = 0 ]; then
  tests=(--test q8 --test dense --test elementwise)
  [ $# -gt 0 ] && tests=("$@")
  # Target-only flags, so native builds keep their cache.
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C target-feature=+simd128" \
    cargo test --release --target wasm32-unknown-unknown -p nunchi-engine "${tests[@]}"
  exit 0
fi
command -v chromedriver >/dev/null || { echo "test-wasm-kernels: chromedriver not found (apt-get install chromium-driver)" >&2; exit 1; }
tests=(--test q8)
[ $# -gt 0 ] && tests=("$@")
CHROMEDRIVER="$(command -v chromedriver)" \
WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-600}" \
WASM_BINDGEN_TEST_DRIVER_TIMEOUT="${WASM_BINDGEN_TEST_DRIVER_TIMEOUT:-120}" \
WASM_BINDGEN_TEST_WEBDRIVER_JSON="$PWD/crates/gpu/webdriver.json" \
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C target-feature=+simd128,+relaxed-simd" \
  cargo test --release --target wasm32-unknown-unknown --target-dir target/wasm-relaxed -p nunchi-engine \
  --features relaxed-simd "${tests[@]}"
