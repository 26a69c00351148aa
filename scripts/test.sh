#!/usr/bin/env bash
# The test suite: prepares the model files (idempotent), runs every Rust test in
# release mode (the models are real; unoptimised candle is too slow), builds the
# npm package's wasm, tests the wasm kernels (SIMD128 under Node, WebGPU in headless Chromium), and runs
# its JS tests against the built package: in Node, and in headless Chromium (needs /usr/bin/chromium,
# chromedriver and `npm ci`).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/prepare-models.sh
cargo test --release --workspace
# The threads build's column split, spinning team and packed runs side by side, on rayon's native pool
# (bit-identical to one thread).
cargo test --release -p nunchi-engine --features threads --test q8 --test team
cargo test --release -p nunchi-models --features threads --test concurrent_embed
./scripts/build-wasm.sh
# Our wasm SIMD128 kernels against their scalar twins and candle, on wasm32 under Node
# (wasm-bindgen-test-runner comes with the wasm-bindgen-cli that build-wasm.sh installs).
./scripts/test-wasm-kernels.sh
# The WebGPU kernels against the CPU backend again, in headless Chromium on its WebGPU adapter.
./scripts/test-webgpu-kernels.sh
# The demo site (www/) has its own npm project; its test builds it with Vite.
[ -d www/node_modules ] || npm ci --prefix www --no-audit --no-fund
node --test tests/js/
