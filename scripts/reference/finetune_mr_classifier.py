#!/usr/bin/env python3
"""Fine-tune all-MiniLM-L6-v2 as a 2-label sequence classifier on MR (CPU, PyTorch).

A reference for nunchi's sequence-classification path: a small *real* encoder
with a trained ``BertForSequenceClassification`` head, and the weighted F1
PyTorch gets with it on nunchi's MR test split, to compare with what
``nunchi eval --dataset mr`` reports for the same folder.

What it does
------------
* Base: ``models/all-MiniLM-L6-v2`` (the sentence-transformers folder; its
  config.json is ``model_type: bert``). ``BertForSequenceClassification
  .from_pretrained(..., num_labels=2, id2label={0: "negative", 1:
  "positive"})``: the encoder is the real one, the pooler and classifier are
  freshly initialised (seeded).
* Data: nunchi's MR split (crates/tasks/src/datasets.rs ``movie_reviews``),
  read by ``movie_reviews`` / checked by ``check_split`` imported from
  make_mpnet_goldens.py: 9594 train / 1068 test.
* Training: CPU, ``torch.set_num_threads(2)`` (``--threads``), inputs
  truncated to 64 tokens and padded to the longest in each batch, batch 32,
  AdamW lr 5e-5 (weight decay 0.01, none on biases/LayerNorm), linear warmup
  over the first 10% of steps then linear decay to 0, 1 epoch over the train
  split in a seeded shuffled order. Everything is seeded with 20261203 and
  ``torch.use_deterministic_algorithms(True)``. ``--train-rows N`` trains on
  a seeded subset of N train texts instead (0 = all).
* Saves ``model.save_pretrained(out, safe_serialization=True)`` and the
  tokenizer: config.json (``architectures: ["BertForSequenceClassification"]``,
  id2label/label2id), model.safetensors, tokenizer.json (+ tokenizer_config).
* Evaluates in eval mode on the MR test split, each text tokenized *alone*
  (batch 1, no padding) and truncated to 512 tokens (max_position_embeddings)
  with [CLS]/[SEP] kept: the rule nunchi applies. Prints scikit-learn's
  ``classification_report(digits=4)`` and writes
  ``<out>/reference_eval.json``: weighted_f1, accuracy, macro_f1, test_texts,
  train_texts, epochs, seconds (training wall time), versions, plus the
  per-text predictions and positive-class probabilities (split order) and the
  sha256 of the test texts joined by ``\\n``, so a port can be compared text
  by text.

How to run
----------
From the repository root, with the reference venv (scripts/reference/
requirements.txt plus scikit-learn)::

    /path/to/venv/bin/python scripts/reference/finetune_mr_classifier.py \\
        [--models models/] [--data ../shared/data] [--out models/minilm-mr-classifier] \\
        [--threads 2] [--epochs 1] [--train-rows 0]

Offline, CPU only, never in CI. On a 2-core machine the first 20 steps took
34 s (one epoch, 300 steps, about 9 minutes idle); with cargo builds running
alongside, the epoch took 28 minutes (reference_eval.json ``seconds``: 1691).
The saved tokenizer.json carries no truncation or padding.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import argparse
import random
import sys
import time
from importlib import metadata
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_goldens import versions, write_json  # noqa: E402
from make_mpnet_goldens import check_split, movie_reviews, texts_sha256  # noqa: E402  (nunchi's MR split)

REPO = Path(__file__).resolve().parents[2]
SEED = 20261203
BASE_DIR = "all-MiniLM-L6-v2"
LABELS = ["negative", "positive"]
TRAIN_MAX_LENGTH = 64
BATCH = 32
LR = 5e-5
WEIGHT_DECAY = 0.01
WARMUP_FRACTION = 0.1
LOG_EVERY = 20


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)


def train(model, tokenizer, texts: list[str], labels: list[int], epochs: int) -> tuple[float, int]:
    from transformers import get_linear_schedule_with_warmup

    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (no_decay if name.endswith("bias") or "LayerNorm" in name else decay).append(p)
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": WEIGHT_DECAY}, {"params": no_decay, "weight_decay": 0.0}], lr=LR)
    steps_per_epoch = (len(texts) + BATCH - 1) // BATCH
    total = steps_per_epoch * epochs
    scheduler = get_linear_schedule_with_warmup(optimizer, int(WARMUP_FRACTION * total), total)
    gen = torch.Generator().manual_seed(SEED)
    y_all = torch.tensor(labels, dtype=torch.long)

    model.train()
    start = time.perf_counter()
    step, running, n = 0, 0.0, 0
    for epoch in range(epochs):
        order = torch.randperm(len(texts), generator=gen).tolist()
        for b in range(0, len(order), BATCH):
            idx = order[b:b + BATCH]
            enc = tokenizer([texts[i] for i in idx], truncation=True, max_length=TRAIN_MAX_LENGTH,
                            padding=True, return_tensors="pt")
            out = model(**enc, labels=y_all[idx])
            out.loss.backward()
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            running, n = running + out.loss.item(), n + 1
            if step % LOG_EVERY == 0 or step == total:
                el = time.perf_counter() - start
                print(f"epoch {epoch + 1} step {step}/{total}: mean loss {running / n:.4f}, "
                      f"{el:.0f}s elapsed, ~{el / step * (total - step):.0f}s left", flush=True)
                running, n = 0.0, 0
    return time.perf_counter() - start, total


@torch.no_grad()
def predict(model, tokenizer, texts: list[str]) -> tuple[list[int], list[float]]:
    """Each text alone (batch 1, no padding), truncated like nunchi: to max_position_embeddings
    tokens with the special tokens kept."""
    model.eval()
    max_len = model.config.max_position_embeddings
    preds, probs = [], []
    for t in texts:
        enc = tokenizer(t, truncation=True, max_length=max_len, return_tensors="pt")
        logits = model(**enc).logits[0]
        preds.append(int(logits.argmax()))
        probs.append(float(torch.softmax(logits, -1)[1]))
    return preds, probs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", type=Path, default=REPO / "models")
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=REPO / "models" / "minilm-mr-classifier")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--train-rows", type=int, default=0, help="seeded subset of the train split (0 = all)")
    args = ap.parse_args()

    from sklearn.metrics import accuracy_score, classification_report, f1_score
    from transformers import AutoTokenizer, BertForSequenceClassification

    torch.set_num_threads(args.threads)
    seed_everything(SEED)

    mr_dir = args.data / "mr_polarity"
    split = movie_reviews(mr_dir)
    check_split(split, mr_dir)
    (train_texts, train_labels), (test_texts, test_labels) = split["train"], split["test"]
    if args.train_rows and args.train_rows < len(train_texts):
        keep = sorted(random.Random(SEED).sample(range(len(train_texts)), args.train_rows))
        train_texts = [train_texts[i] for i in keep]
        train_labels = [train_labels[i] for i in keep]
        print(f"training on a seeded subset of {len(train_texts)} train texts")

    base = args.models / BASE_DIR
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = BertForSequenceClassification.from_pretrained(
        base, num_labels=len(LABELS), id2label=dict(enumerate(LABELS)),
        label2id={l: i for i, l in enumerate(LABELS)})

    seconds, steps = train(model, tokenizer, train_texts, train_labels, args.epochs)
    print(f"trained {steps} steps in {seconds:.1f}s")

    args.out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(args.out, safe_serialization=True)
    # The backend keeps the last call's truncation (64) and padding; save tokenizer.json without them.
    tokenizer.backend_tokenizer.no_truncation()
    tokenizer.backend_tokenizer.no_padding()
    tokenizer.save_pretrained(args.out)
    for name in ["config.json", "model.safetensors", "tokenizer.json"]:
        assert (args.out / name).exists(), f"{name} missing from {args.out}"

    preds, probs = predict(model, tokenizer, test_texts)
    print(classification_report(test_labels, preds, target_names=LABELS, digits=4))
    wf1 = f1_score(test_labels, preds, average="weighted")
    result = {
        "generated_by": "scripts/reference/finetune_mr_classifier.py",
        "base_model": BASE_DIR,
        "weighted_f1": wf1,
        "accuracy": accuracy_score(test_labels, preds),
        "macro_f1": f1_score(test_labels, preds, average="macro"),
        "test_texts": len(test_texts),
        "train_texts": len(train_texts),
        "epochs": args.epochs,
        "steps": steps,
        "seconds": round(seconds, 1),
        "threads": args.threads,
        "seed": SEED,
        "hyperparameters": {"batch": BATCH, "lr": LR, "weight_decay": WEIGHT_DECAY,
                            "warmup_fraction": WARMUP_FRACTION, "train_max_length": TRAIN_MAX_LENGTH,
                            "eval_max_length": model.config.max_position_embeddings, "eval_batch": 1},
        "versions": {**versions(), "scikit-learn": metadata.version("scikit-learn")},
        "test_texts_sha256": texts_sha256(test_texts),
        "test_labels": test_labels,
        "predictions": preds,
        "positive_probabilities": [round(p, 6) for p in probs],
    }
    write_json(args.out / "reference_eval.json", result)
    print(f"weighted F1 {wf1:.4f}, accuracy {result['accuracy']:.4f}, macro F1 {result['macro_f1']:.4f}")


if __name__ == "__main__":
    main()
