#!/usr/bin/env bash
# The test suite: checks formatting and lints, prepares the model files
# (idempotent), runs every Rust test in release mode (the models are real;
# unoptimised candle is too slow), builds the npm package's wasm, tests the wasm
# kernels (SIMD128 under Node, WebGPU in headless Chromium), and runs its JS tests
# against the built package: in Node, and in headless Chromium (needs Debian's
# chromium and chromium-driver, and `npm ci`; .ci/run installs them). Each
# stage's time is printed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/stages.sh
trap print_stages EXIT

# CI machines can be short of disk: with NUNCHI_CI_SLIM=1 (.ci/run sets it), build
# outputs that no later stage reads are removed once their stage is done.
drop_when_slim() { if [ "${NUNCHI_CI_SLIM:-0}" = 1 ]; then rm -rf "$@"; fi; }

# Test builds skip the release profile's cross-crate (thin) LTO: it re-optimises the whole
# dependency graph once per test binary, and there are two dozen of them. The npm package's
# wasm (build-wasm.sh, below) keeps it: that is what ships.
export CARGO_PROFILE_RELEASE_LTO=false

stage "cargo fmt --check" cargo fmt --all --check
stage "cargo clippy" cargo clippy --workspace --all-targets --quiet -- -D warnings
drop_when_slim target/debug # clippy's; every later build is a release one
stage "models" ./scripts/prepare-models.sh
# Every crate's tests, the fuzz targets' stable smoke among them (crates/fuzzing: seeds, regressions, seeded mutations).
stage "Rust tests (release)" cargo test --release --workspace
# The threads build's column split, spinning team and packed runs side by side, on rayon's native pool
# (bit-identical to one thread). Selected from the whole workspace, so that dependencies resolve
# their features as in the run above and are reused, not built again.
stage "Rust tests, threads feature" cargo test --release --workspace --features nunchi-models/threads \
  --test q8 --test team --test concurrent_embed
stage "wasm package" env -u CARGO_PROFILE_RELEASE_LTO ./scripts/build-wasm.sh
# Our wasm SIMD128 kernels against their scalar twins and candle, on wasm32 under Node
# (wasm-bindgen-test-runner comes with the wasm-bindgen-cli that build-wasm.sh installs).
stage "wasm kernel tests (Node)" ./scripts/test-wasm-kernels.sh
# The WebGPU kernels against the CPU backend again, in headless Chromium on its WebGPU adapter.
stage "WebGPU kernel tests (Chromium)" ./scripts/test-webgpu-kernels.sh
# The demo site (www/) has its own npm project; its test builds it with Vite.
[ -d www/node_modules ] || npm ci --prefix www --no-audit --no-fund
stage "JS tests (Node, Chromium)" node --test tests/js/
