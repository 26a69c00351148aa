#!/usr/bin/env bash
# Runs the WebGPU kernel tests (crates/gpu/tests/kernels.rs: every op against
# the CPU backend) compiled to wasm32, in headless Chromium on its WebGPU
# adapter (--enable-unsafe-webgpu: SwiftShader when there is no GPU), through
# wasm-bindgen-test-runner and chromedriver. Chromium's options are in
# crates/gpu/webdriver.json. Natively the same tests run in `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
for tool in wasm-bindgen-test-runner chromedriver; do
  if ! command -v "$tool" >/dev/null; then
    echo "test-webgpu-kernels: $tool not found (wasm-bindgen-cli matching Cargo.lock; apt-get install chromium-driver)" >&2
    exit 1
  fi
done
# Target-only flags, so native builds keep their cache. The runner takes
# webdriver.json from the crate's folder, where cargo runs the test.
CHROMEDRIVER="$(command -v chromedriver)" \
WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-600}" \
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C target-feature=+simd128" \
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test --release --target wasm32-unknown-unknown -p nunchi-gpu --test kernels "$@"
