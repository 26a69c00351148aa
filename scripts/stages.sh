# Sourced by .ci/run and scripts/test.sh: `stage NAME COMMAND...` runs a
# command and records how long it took in $NUNCHI_STAGE_LOG; `print_stages`
# prints the table (once, by whoever started the log).
if [ -z "${NUNCHI_STAGE_LOG:-}" ]; then
  NUNCHI_STAGE_LOG="$(mktemp)"
  export NUNCHI_STAGE_LOG
  NUNCHI_STAGE_OWNER=$$
fi

stage() { # name command...
  local name="$1" start=$SECONDS
  shift
  echo "== $name" >&2
  "$@"
  printf '%s\t%s\n' "$((SECONDS - start))" "$name" >>"$NUNCHI_STAGE_LOG"
}

print_stages() {
  [ "${NUNCHI_STAGE_OWNER:-}" = "$$" ] || return 0
  local total=0 s name
  echo >&2
  echo "Stage times:" >&2
  while IFS=$'\t' read -r s name; do
    printf '  %5d s  %2d:%02d  %s\n' "$s" $((s / 60)) $((s % 60)) "$name" >&2
    total=$((total + s))
  done <"$NUNCHI_STAGE_LOG"
  printf '  %5d s  %2d:%02d  total\n' "$total" $((total / 60)) $((total % 60)) >&2
  rm -f "$NUNCHI_STAGE_LOG"
}
