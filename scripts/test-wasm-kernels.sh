#!/usr/bin/env bash
# Runs the CPU kernel tests on wasm32 through wasm-bindgen-test-runner:
#   - +simd128 under Node: the q8_0 SIMD128 GEMM (crates/engine/tests/q8.rs) and the
#     GELU/softmax kernels (tests/elementwise.rs), as the package's wasm runs them;
#   - +simd128,+relaxed-simd in headless Chromium through chromedriver: the q8_0
#     relaxed-SIMD GEMM (Node 20's experimental relaxed SIMD computes its dot product
#     wrongly), built in target/wasm-relaxed/ so the two builds keep their caches.
# Arguments replace the test selection of both runs (e.g. `--test q8_bench -- --include-ignored`).
set -euo pipefail
cd "$(dirname "$0")/.."
rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
for tool in wasm-bindgen-test-runner chromedriver; do
  if ! command -v "$tool" >/dev/null; then
    echo "test-wasm-kernels: $tool not found (wasm-bindgen-cli matching Cargo.lock; apt-get install chromium-driver)" >&2
    exit 1
  fi
done
simd_tests=(--test q8 --test elementwise)
relaxed_tests=(--test q8)
if [ $# -gt 0 ]; then simd_tests=("$@"); relaxed_tests=("$@"); fi
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
# Target-only flags, so native builds keep their cache.
echo "test-wasm-kernels: +simd128" >&2
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C target-feature=+simd128" \
  cargo test --release --target wasm32-unknown-unknown -p nunchi-engine "${simd_tests[@]}"
echo "test-wasm-kernels: +simd128,+relaxed-simd" >&2
CHROMEDRIVER="$(command -v chromedriver)" \
WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-600}" \
WASM_BINDGEN_TEST_DRIVER_TIMEOUT="${WASM_BINDGEN_TEST_DRIVER_TIMEOUT:-120}" \
WASM_BINDGEN_TEST_WEBDRIVER_JSON="$PWD/crates/gpu/webdriver.json" \
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C target-feature=+simd128,+relaxed-simd" \
  cargo test --release --target wasm32-unknown-unknown --target-dir target/wasm-relaxed -p nunchi-engine "${relaxed_tests[@]}"
