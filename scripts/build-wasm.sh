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

# The threads build (pkg/wasm-threads/), for cross-origin-isolated pages: shared
# memory (+atomics), std rebuilt for it on the pinned nightly, the q8_0 kernels'
# columns split over wasm-bindgen-rayon's pool of Web Workers. Its own target
# dir, so the stable build's cache stays warm.
. scripts/nightly.sh
rustup component list --toolchain "$NUNCHI_NIGHTLY" --installed 2>/dev/null | grep -q rust-src ||
  rustup toolchain install "$NUNCHI_NIGHTLY" --profile minimal -c rust-src
# rustc does not pass the shared-memory link arguments itself; wasm-bindgen needs the TLS exports.
THREADS_LINK="-C link-arg=--shared-memory -C link-arg=--import-memory -C link-arg=--max-memory=2147483648 -C link-arg=--export=__wasm_init_tls -C link-arg=--export=__tls_size -C link-arg=--export=__tls_align -C link-arg=--export=__tls_base"
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C target-feature=+simd128,+atomics,+bulk-memory,+mutable-globals $THREADS_LINK" \
  cargo "+$NUNCHI_NIGHTLY" build --release --target wasm32-unknown-unknown -p nunchi-wasm --features threads \
  -Z build-std=panic_abort,std --target-dir target/wasm-threads
wasm-bindgen --target web --out-dir pkg/wasm-threads --out-name nunchi_wasm \
  target/wasm-threads/wasm32-unknown-unknown/release/nunchi_wasm.wasm
if [ -x node_modules/.bin/wasm-opt ]; then
  node_modules/.bin/wasm-opt -O3 --enable-simd --enable-threads --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-mutable-globals pkg/wasm-threads/nunchi_wasm_bg.wasm -o pkg/wasm-threads/nunchi_wasm_bg.wasm
fi
ls -l pkg/wasm-threads/nunchi_wasm_bg.wasm >&2
