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
# wasm-bindgen, then wasm-opt from npm's binaryen when it is installed, into
# pkg/$2/ -- skipped when cargo's output is the one last bound (its sha256 is
# kept in pkg/$2/.built-from, with the wasm-bindgen version), so an unchanged
# tree rebuilds in seconds.
bind_and_optimize() { # cargo-output.wasm out-dir [wasm-opt feature flags...]
  local input="$1" out="pkg/$2"
  shift 2
  local stamp="$out/.built-from" sum
  # wasm-opt's presence is in the stamp too, so an unoptimised build is redone once it is installed.
  sum="$(sha256sum "$input" | cut -d' ' -f1) wasm-bindgen $WASM_BINDGEN_VERSION $([ -x node_modules/.bin/wasm-opt ] && echo wasm-opt || echo no-wasm-opt)"
  if [ -f "$out/nunchi_wasm_bg.wasm" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$sum" ]; then
    echo "build-wasm: $out is up to date" >&2
    return
  fi
  rm -f "$stamp"
  wasm-bindgen --target web --out-dir "$out" --out-name nunchi_wasm "$input"
  if [ -x node_modules/.bin/wasm-opt ]; then
    # -O2: -O3 takes 7.5 minutes a build on this module (it holds the training code) against
    # 1.5, for 1-4 % on embeddings and nothing on training (docs/architecture.md#the-npm-package-build).
    echo "build-wasm: wasm-opt -O2 $out (about 1.5 minutes)" >&2
    node_modules/.bin/wasm-opt -O2 "$@" --enable-bulk-memory --enable-nontrapping-float-to-int \
      --enable-sign-ext --enable-mutable-globals "$out/nunchi_wasm_bg.wasm" -o "$out/nunchi_wasm_bg.wasm"
  fi
  echo "$sum" >"$stamp"
  ls -l "$out/nunchi_wasm_bg.wasm" >&2
}

# Target-only flags, so native builds keep their cache.
[ -f target/wasm32-unknown-unknown/release/nunchi_wasm.wasm ] ||
  echo "build-wasm: first build of the wasm package (about 5-10 minutes on 2 cores)" >&2
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C target-feature=+simd128" \
  cargo build --release --target wasm32-unknown-unknown -p nunchi-wasm
bind_and_optimize target/wasm32-unknown-unknown/release/nunchi_wasm.wasm wasm --enable-simd

# The threads build (pkg/wasm-threads/), for cross-origin-isolated pages: shared
# memory (+atomics), std rebuilt for it on the pinned nightly, the q8_0 kernels'
# columns split over wasm-bindgen-rayon's pool of Web Workers. Its own target
# dir, so the stable build's cache stays warm.
. scripts/nightly.sh
rustup component list --toolchain "$NUNCHI_NIGHTLY" --installed 2>/dev/null | grep -q rust-src ||
  rustup toolchain install "$NUNCHI_NIGHTLY" --profile minimal -c rust-src
# rustc does not pass the shared-memory link arguments itself; wasm-bindgen needs the TLS exports.
THREADS_LINK="-C link-arg=--shared-memory -C link-arg=--import-memory -C link-arg=--max-memory=2147483648 -C link-arg=--export=__wasm_init_tls -C link-arg=--export=__tls_size -C link-arg=--export=__tls_align -C link-arg=--export=__tls_base"
[ -f target/wasm-threads/wasm32-unknown-unknown/release/nunchi_wasm.wasm ] ||
  echo "build-wasm: first build of the threads variant (std rebuilt; about 10 minutes on 2 cores)" >&2
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C target-feature=+simd128,+atomics,+bulk-memory,+mutable-globals $THREADS_LINK" \
  cargo "+$NUNCHI_NIGHTLY" build --release --target wasm32-unknown-unknown -p nunchi-wasm --features threads \
  -Z build-std=panic_abort,std --target-dir target/wasm-threads
bind_and_optimize target/wasm-threads/wasm32-unknown-unknown/release/nunchi_wasm.wasm wasm-threads --enable-simd --enable-threads
