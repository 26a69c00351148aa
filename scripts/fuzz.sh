#!/usr/bin/env bash
# Fuzzes nunchi's file and text parsers with cargo-fuzz (libFuzzer, AddressSanitizer, debug
# assertions and overflow checks) on the pinned nightly, a fixed number of runs per target,
# and prints a table: target, executions, exec/s, crashes. Not part of ./scripts/test.sh; the
# stable smoke of the same targets is `cargo test --release -p nunchi-fuzzing`.
#
#   scripts/fuzz.sh                 every target, its default number of runs (DEFAULT_RUNS below)
#   scripts/fuzz.sh gguf csv        only these
#   FUZZ_RUNS=1000000 scripts/fuzz.sh tokenizer     this many runs per target instead
#
# Seeds come from fuzz/corpus/<target>/ and fuzz/regressions/<target>/ (read only); what
# libFuzzer learns goes to fuzz/work/<target>/ and crash inputs to fuzz/artifacts/<target>/
# (both git-ignored). A crash stops its target; the script exits 1 if any target crashed.
# Needs models/ (scripts/prepare-models.sh): the tokenizer and embed_text targets use them.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
source "$ROOT/scripts/nightly.sh"
ALL_TARGETS=(gguf hf_files tokenizer csv head_json topics_json embed_text)
TARGETS=("${@:-${ALL_TARGETS[@]}}")
# Runs per target: about 1–3 minutes each on one core (the targets that run models are the slow ones).
declare -A DEFAULT_RUNS=([gguf]=60000 [hf_files]=60000 [tokenizer]=15000 [csv]=300000 [head_json]=3000000
  [topics_json]=3000000 [embed_text]=300)

log() { echo "fuzz: $*" >&2; }

if ! cargo fuzz --version >/dev/null 2>&1; then
  log "installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi
if ! rustup run "$NUNCHI_NIGHTLY" rustc --version >/dev/null 2>&1; then
  log "installing $NUNCHI_NIGHTLY"
  rustup toolchain install "$NUNCHI_NIGHTLY" --profile minimal
fi

cd "$ROOT/fuzz"
# The fuzz workspace starts from the main lockfile, so it fuzzes the versions the product ships.
[ -f Cargo.lock ] || cp "$ROOT/Cargo.lock" Cargo.lock
log "building ${TARGETS[*]} on $NUNCHI_NIGHTLY"
for target in "${TARGETS[@]}"; do
  cargo "+$NUNCHI_NIGHTLY" fuzz build --debug-assertions "$target"
done

rows=()
failed=0
for target in "${TARGETS[@]}"; do
  mkdir -p "work/$target" "artifacts/$target" "regressions/$target"
  before=$(ls "artifacts/$target" | wc -l)
  RUNS="${FUZZ_RUNS:-${DEFAULT_RUNS[$target]:-10000}}"
  log "$target: $RUNS runs"
  start=$(date +%s%N)
  status=0
  # -malloc_limit_mb: one allocation past this is a crash (a length field believed);
  # -timeout: an input that runs 10 s is a hang.
  cargo "+$NUNCHI_NIGHTLY" fuzz run --debug-assertions "$target" "work/$target" "corpus/$target" "regressions/$target" -- \
    -runs="$RUNS" -timeout=10 -rss_limit_mb=4096 -malloc_limit_mb=512 \
    -artifact_prefix="artifacts/$target/" -print_final_stats=1 >"work/$target.log" 2>&1 || status=$?
  executions=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "work/$target.log" | grep -o '[0-9]*$' | tail -n1)
  per_sec=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "work/$target.log" | grep -o '[0-9]*$' | tail -n1)
  # libFuzzer rounds a run under a second to 0 exec/s: then count from the wall clock.
  if [ "${per_sec:-0}" -eq 0 ] && [ -n "${executions:-}" ]; then
    per_sec=$((executions * 1000000000 / ($(date +%s%N) - start + 1)))
  fi
  crashes=$(($(ls "artifacts/$target" | wc -l) - before))
  if [ "$status" -ne 0 ] || [ "$crashes" -gt 0 ]; then
    failed=1
    log "$target failed (exit $status): see fuzz/work/$target.log and fuzz/artifacts/$target/"
  fi
  rows+=("$(printf '%-12s %12s %8s %8s' "$target" "${executions:-?}" "${per_sec:-?}" "$crashes")")
done

printf '\n%-12s %12s %8s %8s\n' target executions exec/s crashes
printf '%s\n' "${rows[@]}"
exit "$failed"
