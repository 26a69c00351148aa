#!/usr/bin/env python3
"""Reference figures for nunchi's classification tasks on real data.

Writes ``tests/goldens/task_quality.json``: on a small, rule-defined slice of
the movie-review polarity data, what sentence-transformers (all-MiniLM-L6-v2,
normalized mean-pooled embeddings) plus scikit-learn achieve with

* zero-shot label embeddings (cosine to "A very negative movie review" /
  "A very positive movie review", argmax), and
* ``LogisticRegression(C=1.0, max_iter=1000)`` trained on the slice's train part.

The Rust test (crates/tasks/tests/quality.rs) runs the same slice through
nunchi's encoder and logistic regression and must land within one point of
scikit-learn's accuracy, and above floors set under these figures.

The slice (the project's split: line index % 10 == 0 is test):
* test:  the first 100 test lines of rt-polarity.neg, then of .pos;
* train: the first 100 train lines of rt-polarity.neg, then of .pos.

Run from the repository root (offline; the reference venv of
scripts/reference/requirements.txt plus scikit-learn)::

    python scripts/reference/make_task_quality_goldens.py [--data ../shared/data] [--models models]
"""
import argparse
import json
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import sklearn
from sentence_transformers import SentenceTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score

PER_LABEL = 100
DESCRIPTIONS = ["A very negative movie review", "A very positive movie review"]


def lines(path):
    return [l for l in path.read_text(encoding="utf-8").split("\n") if l.strip()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--models", default="models")
    ap.add_argument("--out", default="tests/goldens/task_quality.json")
    args = ap.parse_args()
    mr = Path(args.data) / "mr_polarity"
    test, train, y_test, y_train = [], [], [], []
    for label, name in enumerate(["rt-polarity.neg", "rt-polarity.pos"]):
        all_lines = lines(mr / name)
        test += [l for i, l in enumerate(all_lines) if i % 10 == 0][:PER_LABEL]
        train += [l for i, l in enumerate(all_lines) if i % 10 != 0][:PER_LABEL]
        y_test += [label] * PER_LABEL
        y_train += [label] * PER_LABEL

    model = SentenceTransformer(str(Path(args.models) / "all-MiniLM-L6-v2"), device="cpu")
    enc = lambda texts: model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
    x_test, x_train, labels = enc(test), enc(train), enc(DESCRIPTIONS)

    zero_shot = (x_test @ labels.T).argmax(axis=1)
    clf = LogisticRegression(C=1.0, max_iter=1000).fit(x_train, y_train)
    head = clf.predict(x_test)
    out = {
        "generated_by": "scripts/reference/make_task_quality_goldens.py",
        "sklearn": sklearn.__version__,
        "per_label": PER_LABEL,
        "descriptions": DESCRIPTIONS,
        "zero_shot": {"accuracy": accuracy_score(y_test, zero_shot), "weighted_f1": f1_score(y_test, zero_shot, average="weighted")},
        "logistic": {"accuracy": accuracy_score(y_test, head), "weighted_f1": f1_score(y_test, head, average="weighted")},
        "first_test_texts": test[:3],
    }
    Path(args.out).write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
