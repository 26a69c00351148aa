#!/usr/bin/env bash
# Builds the npm package's WebAssembly: release, +simd128, wasm-bindgen (--target web,
# which also loads in Node), then wasm-opt from npm's binaryen when it is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
WASM_BINDGEN_VERSION="$(grep -A1 'name = "wasm-bindgen"' Cargo.lock | sed -n 's/version = "\(.*\)"/\1/p' | head -n1)"
if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  echo "build-wasm: installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (matches Cargo.lock)" >&2
  cargo install --quiet wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi
rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
# Target-only flags, so native builds keep their cache.
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C target-feature=+simd128" \
  cargo build --release --target wasm32-unknown-unknown -p nunchi-wasm
wasm-bindgen --target web --out-dir pkg/wasm --out-name nunchi_wasm \
  target/wasm32-unknown-unknown/release/nunchi_wasm.wasm
if [ -x node_modules/.bin/wasm-opt ]; then
  node_modules/.bin/wasm-opt -O3 --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-mutable-globals pkg/wasm/nunchi_wasm_bg.wasm -o pkg/wasm/nunchi_wasm_bg.wasm
fi
ls -l pkg/wasm/nunchi_wasm_bg.wasm >&2
