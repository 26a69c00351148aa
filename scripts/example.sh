#!/usr/bin/env bash
# The main job on a fresh machine: prepare the models, then use them from the CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/prepare-models.sh
NUNCHI=target/release/nunchi

echo "== embeddings (all-MiniLM-L6-v2 q8_0): one JSON array per line, first 6 numbers shown"
printf 'The delivery was late and the box was crushed.\nMy parcel arrived damaged.\nGreat support, they fixed it in minutes!\n' |
  "$NUNCHI" embed --model models/all-MiniLM-L6-v2-q8_0.gguf | cut -c1-80

echo "== label scoring with Flan-T5-small (generated test weights here: the numbers are not meaningful)"
"$NUNCHI" score --model models/flan-t5-small-generated-q8_0.gguf \
  --prompt "Is the following sentence positive or negative? Great support, they fixed it in minutes!" \
  --candidates "positive,negative"

echo "== generation, streamed"
"$NUNCHI" generate --model models/flan-t5-small-generated-q8_0.gguf --max-new-tokens 12 \
  "Name the topic of these messages: late delivery; crushed box; parcel damaged"
