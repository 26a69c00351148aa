#!/usr/bin/env python3
"""Golden outputs of the tiny ``*ForSequenceClassification`` fixtures.

What it does
------------
For each folder written by ``make_classifier_fixtures.py``
(``tests/fixtures/encoders/<name>/``) it loads the model back with
``AutoModelForSequenceClassification.from_pretrained`` (float32, eval, CPU)
and the tokenizer both with ``AutoTokenizer`` and with the raw ``tokenizers``
library (``Tokenizer.from_file(<folder>/tokenizer.json)``; the two must give
the same ids), runs every text ALONE (batch 1, no padding, attention mask all
ones, no token type ids passed, i.e. all 0) and writes
``tests/goldens/encoders/<name>.json`` with, per text, the token ids (special
tokens included), the base model's last hidden state (base64 little-endian
f32, ``[tokens, hidden]`` row-major), the first token's hidden state, the
logits and the scores (softmax; sigmoid when ``problem_type`` is
``multi_label_classification``).

Truncation: the long text is longer than the model's 64 positions.  It is
truncated the way ``tokenizer(text, truncation=True, max_length=64)`` does it
(``tokenizers``: ``enable_truncation(64)``, strategy longest_first, direction
right): the first 62 content tokens are kept and the special tokens are
added around them, 64 ids in all.  Both paths are run and must agree.

It also runs all texts as ONE padded batch (tokenizer padding on the right
with the pad id, attention mask) and asserts that the logits and the hidden
states at real tokens equal the batch-1 numbers within 1e-5; the max
differences are printed and stored (``batch_max_abs_diff``).

How to run (by hand; CI never runs it)::

    /work/venv-ref/bin/python scripts/reference/make_classifier_goldens.py \
        [--fixtures tests/fixtures/encoders] [--out tests/goldens/encoders] [--only bert-cls ...]

Runs offline on one CPU thread in a few seconds; the output is
byte-for-byte reproducible on the same stack.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import argparse
import base64
import hashlib
import json
import sys
from importlib import metadata
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[2]
DEFAULT_FIXTURES = REPO / "tests" / "fixtures" / "encoders"
DEFAULT_OUT = REPO / "tests" / "goldens" / "encoders"
NAMES = ["bert-cls", "distilbert-cls", "roberta-cls", "xlm-roberta-cls", "electra-cls",
         "mpnet-cls", "deberta-v2-cls"]
MAX_LEN = 64
BATCH_TOL = 1e-5

# Two MR sentences (rt-polarity.neg), short and mixed texts, a non-ASCII one,
# a near-empty one, and a long one (> 64 tokens for every tokenizer).
LONG_TEXT = (
    "the gorgeously elaborate continuation of \" the lord of the rings \" trilogy is so huge "
    "that a column of words cannot adequately describe co-writer/director peter jackson's "
    "expanded vision of j . r . r . tolkien's middle-earth . exploitative and largely devoid "
    "of the depth or sophistication that would make watching such a graphic treatment of the "
    "crimes bearable ."
)
TEXTS = [
    "This movie was great!",
    "simplistic , silly and tedious .",
    "it's so laddish and juvenile , only teenage boys could possibly find it funny .",
    "Terrible. Just terrible... (really?!) -- 2/10",
    "Café crème — naïve",
    "ok",
    "An absolute masterpiece: stunning visuals, a heartfelt story & great acting.",
    LONG_TEXT,
]
LONG_INDEX = len(TEXTS) - 1


def versions() -> dict[str, str]:
    out = {"python": sys.version.split()[0]}
    for pkg in ["torch", "transformers", "tokenizers", "safetensors", "numpy", "sentencepiece"]:
        out[pkg] = metadata.version(pkg)
    return out


def f32_list(t: torch.Tensor) -> list[float]:
    """Exact float32 values as JSON numbers."""
    return [float(x) for x in t.detach().to(torch.float32).numpy().astype(np.float32)]


def b64_f32(t: torch.Tensor) -> str:
    a = np.ascontiguousarray(t.detach().numpy().astype("<f4"))
    return base64.b64encode(a.tobytes()).decode("ascii")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_json(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {path.relative_to(REPO) if path.is_relative_to(REPO) else path} "
          f"({path.stat().st_size} bytes)")


def make_one(name: str, fixtures: Path, out: Path, vers: dict[str, str]) -> None:
    from tokenizers import Tokenizer
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    folder = fixtures / name
    model = AutoModelForSequenceClassification.from_pretrained(str(folder), dtype=torch.float32)
    model.eval()
    cfg = model.config
    base = model.base_model
    hf_tok = AutoTokenizer.from_pretrained(str(folder))
    raw_tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    raw_trunc = Tokenizer.from_file(str(folder / "tokenizer.json"))
    raw_trunc.enable_truncation(max_length=MAX_LEN, strategy="longest_first", direction="right")
    assert hf_tok.model_max_length == MAX_LEN, hf_tok.model_max_length
    multi = cfg.problem_type == "multi_label_classification"

    cases = []
    alone_logits, alone_hidden = [], []
    with torch.no_grad():
        for i, text in enumerate(TEXTS):
            full = raw_tok.encode(text).ids
            ids = raw_trunc.encode(text).ids
            hf_ids = hf_tok(text, truncation=True, max_length=MAX_LEN)["input_ids"]
            assert ids == hf_ids, (name, text, ids, hf_ids)
            truncated = len(full) > MAX_LEN
            assert truncated == (i == LONG_INDEX), (name, text, len(full))
            if truncated:
                assert len(ids) == MAX_LEN and ids[1:-1] == full[1:MAX_LEN - 1], name
                assert ids[0] == full[0] and ids[-1] == full[-1], name

            input_ids = torch.tensor([ids])
            mask = torch.ones_like(input_ids)
            out_m = model(input_ids=input_ids, attention_mask=mask, output_hidden_states=True)
            hidden = base(input_ids=input_ids, attention_mask=mask).last_hidden_state[0]
            # The classifier's own pass must see the same last hidden state.
            assert torch.equal(out_m.hidden_states[-1][0], hidden), name
            logits = out_m.logits[0]
            scores = torch.sigmoid(logits) if multi else torch.softmax(logits, dim=-1)
            alone_logits.append(logits)
            alone_hidden.append(hidden)
            cases.append({
                "text": text,
                "token_ids": ids,
                "truncated": truncated,
                "n_tokens_untruncated": len(full),
                "hidden_shape": list(hidden.shape),
                "hidden_b64": b64_f32(hidden),
                "first_token": f32_list(hidden[0]),
                "logits": f32_list(logits),
                "scores": f32_list(scores),
            })

        # One right-padded batch of all texts must give the same numbers.
        batch = hf_tok(TEXTS, padding=True, truncation=True, max_length=MAX_LEN,
                       return_tensors="pt", return_token_type_ids=False)
        assert batch["input_ids"][0, -1].item() == cfg.pad_token_id or \
            len(cases[0]["token_ids"]) == batch["input_ids"].shape[1], name
        b_logits = model(**batch).logits
        b_hidden = base(**batch).last_hidden_state
    d_logits = max(float((b_logits[i] - alone_logits[i]).abs().max()) for i in range(len(TEXTS)))
    d_hidden = max(float((b_hidden[i, :len(c["token_ids"])] - alone_hidden[i]).abs().max())
                   for i, c in enumerate(cases))
    print(f"{name}: padded batch vs batch 1: max |logits diff| {d_logits:.3g}, "
          f"max |hidden diff| {d_hidden:.3g}")
    assert d_logits <= BATCH_TOL and d_hidden <= BATCH_TOL, name

    all_logits = torch.stack(alone_logits)
    golden = {
        "model_type": cfg.model_type,
        "architecture": type(model).__name__,
        "fixture": str(folder.relative_to(REPO)) if folder.is_relative_to(REPO) else str(folder),
        "fixture_sha256": {p.name: sha256(p) for p in sorted(folder.iterdir()) if p.is_file()},
        "versions": vers,
        "attn_implementation": cfg._attn_implementation,
        "problem_type": cfg.problem_type,
        "score_function": "sigmoid" if multi else "softmax",
        "num_labels": cfg.num_labels,
        "id2label": {str(k): v for k, v in cfg.id2label.items()},
        "hidden_size": cfg.hidden_size if hasattr(cfg, "hidden_size") else cfg.dim,
        "max_length": MAX_LEN,
        "pad_token_id": cfg.pad_token_id,
        "truncation_note": (
            f"Texts longer than {MAX_LEN} tokens are truncated like tokenizer(text, "
            f"truncation=True, max_length={MAX_LEN}) / tokenizers enable_truncation("
            f"{MAX_LEN}) (longest_first, right): the first {MAX_LEN - 2} content tokens, "
            f"then the special tokens around them ({MAX_LEN} ids). 'n_tokens_untruncated' "
            "counts the ids (special tokens included) before truncation."
        ),
        "tolerance_note": (
            "float32 reference on CPU (torch, one thread), each text run alone (batch 1, no "
            "padding, attention mask all ones, token type ids all 0). hidden_b64 is the base "
            "model's last_hidden_state as little-endian f32, row-major [tokens, hidden] "
            "(hidden_shape). A right-padded batch of all texts matched these numbers within "
            f"batch_max_abs_diff (asserted <= {BATCH_TOL:g}). Weights are N(0, 0.2) noise "
            f"(LayerNorm gains 1 + N(0, 0.2)); |logits| reach {float(all_logits.abs().max()):.3g}. "
            "Suggested comparison: abs diff <= 1e-4 on hidden states, logits and scores "
            "(f32 accumulation-order differences are ~1e-6)."
        ),
        "batch_max_abs_diff": {"logits": d_logits, "hidden": d_hidden},
        "texts": TEXTS,
        "cases": cases,
    }
    write_json(out / f"{name}.json", golden)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fixtures", type=Path, default=DEFAULT_FIXTURES)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--only", nargs="*", default=None)
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    vers = versions()
    print("reference:", ", ".join(f"{k} {v}" for k, v in vers.items()))
    for name in NAMES:
        if args.only and name not in args.only:
            continue
        make_one(name, args.fixtures.resolve(), args.out.resolve(), vers)


if __name__ == "__main__":
    main()
