#!/usr/bin/env python3
"""Reference figures for nunchi's clustering: scikit-learn's KMeans on the
same sentences, embedded by sentence-transformers.

Writes ``tests/goldens/clusters.json`` from the labelled fixture
``tests/fixtures/feedback-intents/messages.csv`` (900 customer messages, 30
intents, written for nunchi). The rule-defined slices, shared with
``crates/tasks/tests/quality.rs``:

* *topics*: the first 25 messages of each intent in file order; *new*: the
  other 5 of each (texts assigned to saved topics later);
* ``k30``: every intent; ``k8``: the intents at positions 0, 4, 8, …, 28 of
  the sorted intent names.

For each slice: the adjusted Rand index and NMI of
``KMeans(k, n_init=N, random_state=s)`` for N in 1, 3, 10 and seeds 0–4
(all-MiniLM-L6-v2, normalized mean-pooled embeddings), the k that the best
silhouette picks (KMeans ``n_init=10`` per k), and the accuracy of assigning
the *new* texts to their nearest centroid, each cluster named by the
majority intent of its members. Also the messages per intent per week
(weeks from Monday), counted with Python's ``datetime``.

``reference_runs`` holds the same figures on the BANKING77 test split (3,080
messages, 77 intents; k chosen among 20, 30, …, 120) and on the whole
fixture (k among 10, 15, …, 50), for ``npm run bench:topics``, which sets
``nunchi eval-topics`` beside them in docs/tasks.md.

Run from the repository root (offline, about 4 minutes on 2 cores)::

    python scripts/reference/make_cluster_goldens.py [--models models] [--banking77 ../shared/data/banking77]
"""
import argparse
import csv
import json
import os
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import sklearn
from sentence_transformers import SentenceTransformer
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score, silhouette_score

FIXTURE = Path("tests/fixtures/feedback-intents/messages.csv")
TOPIC_ROWS_PER_INTENT = 25
SEEDS = range(5)
RESTARTS = (1, 3, 10)


def read_fixture():
    with FIXTURE.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    seen = Counter()
    topics, new = [], []
    for row in rows:
        (topics if seen[row["intent"]] < TOPIC_ROWS_PER_INTENT else new).append(row)
        seen[row["intent"]] += 1
    return topics, new


def kmeans_figures(x, y, k):
    runs = {}
    for n_init in RESTARTS:
        fits = [KMeans(k, n_init=n_init, random_state=s).fit(x) for s in SEEDS]
        runs[str(n_init)] = {
            "ari": [adjusted_rand_score(y, f.labels_) for f in fits],
            "nmi": [normalized_mutual_info_score(y, f.labels_) for f in fits],
        }
    return runs


def chosen_k(x, k_range):
    scores = [(k, silhouette_score(x, KMeans(k, n_init=10, random_state=0).fit_predict(x))) for k in k_range]
    return max(scores, key=lambda s: s[1])[0], scores


def assignment_accuracy(x, y, x_new, y_new, k):
    fit = KMeans(k, n_init=10, random_state=0).fit(x)
    names = {c: Counter(np.array(y)[fit.labels_ == c]).most_common(1)[0][0] for c in range(k)}
    predicted = [names[c] for c in fit.predict(x_new)]
    return float(np.mean([p == t for p, t in zip(predicted, y_new)]))


def slice_figures(enc, topics, new, intents, k_range):
    keep = lambda rows: [r for r in rows if r["intent"] in intents]
    topics, new = keep(topics), keep(new)
    x = enc([r["text"] for r in topics])
    x_new = enc([r["text"] for r in new])
    y = [r["intent"] for r in topics]
    y_new = [r["intent"] for r in new]
    k = len(intents)
    chosen, scores = chosen_k(x, k_range)
    return {
        "intents": sorted(intents),
        "texts": len(topics),
        "new_texts": len(new),
        "k": k,
        "kmeans": kmeans_figures(x, y, k),
        "silhouette_k": chosen,
        "silhouette_scores": [[kk, float(s)] for kk, s in scores],
        "assign_accuracy": assignment_accuracy(x, y, x_new, y_new, k),
    }


def weekly_counts():
    """Messages per intent per week (weeks from Monday, named by that
    Monday's date), counted with Python's datetime, for the trends test."""
    with FIXTURE.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    monday = lambda d: (date.fromisoformat(d) - timedelta(days=date.fromisoformat(d).weekday())).isoformat()
    counts = Counter((r["intent"], monday(r["date"])) for r in rows)
    weeks = sorted({w for _, w in counts})
    intents = sorted({i for i, _ in counts})
    return {"weeks": weeks, "intents": intents, "counts": [[counts[(i, w)] for w in weeks] for i in intents]}


def reference_run(enc, texts, labels, ks):
    """Figures for `npm run bench:topics` (bench/topics.mjs), which runs
    `nunchi eval-topics` on the same texts: k given (the number of labels) at
    each n_init, and k chosen by the best silhouette among `ks`."""
    x = enc(texts)
    k = len(set(labels))
    chosen, scores = chosen_k(x, ks)
    fit = KMeans(chosen, n_init=10, random_state=0).fit(x)
    return {
        "texts": len(texts),
        "k": k,
        "kmeans": kmeans_figures(x, labels, k),
        "candidates": list(ks),
        "silhouette_k": chosen,
        "silhouette_scores": [[kk, float(s)] for kk, s in scores],
        "chosen_ari": adjusted_rand_score(labels, fit.labels_),
        "chosen_nmi": normalized_mutual_info_score(labels, fit.labels_),
    }


def reference_runs(enc, banking77_folder):
    with (Path(banking77_folder) / "test.csv").open(encoding="utf-8", newline="") as f:
        banking = list(csv.DictReader(f))
    with FIXTURE.open(encoding="utf-8", newline="") as f:
        fixture = list(csv.DictReader(f))
    return {
        "banking77": reference_run(enc, [r["text"] for r in banking], [r["category"] for r in banking], range(20, 121, 10)),
        "fixture": reference_run(enc, [r["text"] for r in fixture], [r["intent"] for r in fixture], range(10, 51, 5)),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="models")
    ap.add_argument("--out", default="tests/goldens/clusters.json")
    ap.add_argument("--banking77", default="../shared/data/banking77", help="the BANKING77 folder (its test.csv)")
    args = ap.parse_args()
    model = SentenceTransformer(str(Path(args.models) / "all-MiniLM-L6-v2"), device="cpu")
    enc = lambda texts: model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
    topics, new = read_fixture()
    names = sorted({r["intent"] for r in topics})
    out = {
        "generated_by": "scripts/reference/make_cluster_goldens.py",
        "sklearn": sklearn.__version__,
        "fixture": str(FIXTURE),
        "topic_rows_per_intent": TOPIC_ROWS_PER_INTENT,
        "seeds": list(SEEDS),
        "k8": slice_figures(enc, topics, new, set(names[::4]), range(2, 16)),
        "k30": slice_figures(enc, topics, new, set(names), range(2, 41)),
        "weekly": weekly_counts(),
        "reference_runs": reference_runs(enc, args.banking77),
    }
    Path(args.out).write_text(json.dumps(out, indent=1) + "\n")
    for name in ("k8", "k30"):
        s = out[name]
        print(name, s["texts"], "texts;", {n: round(float(np.mean(r["ari"])), 3) for n, r in s["kmeans"].items()},
              "silhouette k", s["silhouette_k"], "assign", round(s["assign_accuracy"], 3))
    for name, r in out["reference_runs"].items():
        print(name, r["texts"], "texts; ARI n_init=10", round(float(np.mean(r["kmeans"]["10"]["ari"])), 3),
              "silhouette k", r["silhouette_k"], "chosen ARI", round(r["chosen_ari"], 3))


if __name__ == "__main__":
    main()
