# The nightly toolchain of the wasm threads build (-Z build-std with +atomics),
# pinned so a new nightly cannot break CI. Sourced by .ci/run and build-wasm.sh.
export NUNCHI_NIGHTLY=nightly-2026-10-29
