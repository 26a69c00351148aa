#!/usr/bin/env python3
"""Produce tests/goldens/tasks.json: scikit-learn / NumPy references for the
numeric building blocks of crates/tasks (metrics, logistic regression,
silhouette, PCA).

Every input is generated here from fixed NumPy seeds and stored in the golden
next to the reference output, so the Rust tests need neither Python nor the
generator. Float inputs are float32 values (what nunchi computes on), written
as their shortest float32 decimal and fed to scikit-learn as exactly those
values in float64.

Run from the repository root (no network, no models needed; a few seconds)::

    /path/to/venv/bin/python scripts/reference/make_task_goldens.py   # --out tests/goldens/tasks.json

Reference stack: scikit-learn 1.9.1, SciPy 1.17.1, NumPy 2.4.6, Python 3.11.7.
The output is byte-for-byte reproducible on the same stack.
"""

import argparse
import json
from pathlib import Path

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (adjusted_rand_score, classification_report, confusion_matrix,
                             normalized_mutual_info_score, silhouette_score)


def f32(a):
    """float32 values as Python floats with the shortest float32 decimal."""
    a = np.asarray(a, dtype=np.float32)
    return [float(np.format_float_positional(v, unique=True, trim="-")) for v in a.ravel()]


def rounded(a, digits=12):
    return [float(f"{v:.{digits}g}") for v in np.asarray(a, dtype=np.float64).ravel()]


# ---- metrics -----------------------------------------------------------------


def metrics_case(name, labels, truth, predicted):
    n = len(labels)
    report = classification_report(
        truth,
        predicted,
        labels=list(range(n)),
        target_names=labels,
        output_dict=True,
        zero_division=0,
    )
    text = classification_report(
        truth, predicted, labels=list(range(n)), target_names=labels, zero_division=0
    )
    return {
        "name": name,
        "labels": labels,
        "truth": [int(v) for v in truth],
        "predicted": [int(v) for v in predicted],
        "classes": [
            {
                "label": lab,
                "precision": report[lab]["precision"],
                "recall": report[lab]["recall"],
                "f1": report[lab]["f1-score"],
                "support": int(report[lab]["support"]),
            }
            for lab in labels
        ],
        "accuracy": report["accuracy"],
        "macro_avg": {k2: report["macro avg"][k1] for k1, k2 in
                      [("precision", "precision"), ("recall", "recall"), ("f1-score", "f1")]},
        "weighted_avg": {k2: report["weighted avg"][k1] for k1, k2 in
                         [("precision", "precision"), ("recall", "recall"), ("f1-score", "f1")]},
        "confusion": confusion_matrix(truth, predicted, labels=list(range(n))).tolist(),
        "text": text,
    }


def metrics_cases():
    rng = np.random.default_rng(1)
    cases = []
    truth = rng.integers(0, 2, 40)
    predicted = np.where(rng.random(40) < 0.25, 1 - truth, truth)
    cases.append(metrics_case("binary", ["negative", "positive"], truth, predicted))

    # Class "c" is never predicted (precision 0/0 -> 0).
    truth = np.array([0, 0, 0, 1, 1, 1, 1, 2, 2, 0, 1, 2])
    predicted = np.array([0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1, 1])
    cases.append(metrics_case("three_never_predicted", ["a", "b", "c"], truth, predicted))

    # 77 classes, some absent from the truth and/or never predicted.
    labels = [f"intent_{i:02d}" for i in range(77)]
    truth = rng.integers(0, 77, 400)
    predicted = np.where(rng.random(400) < 0.6, truth, rng.integers(0, 77, 400))
    cases.append(metrics_case("many_77", labels, truth, predicted))
    return cases


# ---- logistic regression -----------------------------------------------------


def logistic_case(name, n, d, k, seed):
    rng = np.random.default_rng(seed)
    means = rng.normal(0.0, 1.0, (k, d))
    y = np.arange(n) % k
    rng.shuffle(y)
    x = (means[y] + rng.normal(0.0, 1.5, (n, d))).astype(np.float32)
    x64 = x.astype(np.float64)

    def fit(**options):
        model = LogisticRegression(C=1.0, **options).fit(x64, y)
        proba = model.predict_proba(x64)
        # Summed objective: cross-entropy plus ||coef||^2 / (2C); for two
        # classes coef_ is the single binary row.
        loss = -np.log(proba[np.arange(n), y]).sum()
        return {
            "coef": rounded(model.coef_),
            "intercept": rounded(model.intercept_),
            "proba": rounded(proba, 10),
            "objective": float(loss + 0.5 * (model.coef_**2).sum()),
            "n_iter": int(model.n_iter_[0]),
        }

    return {
        "name": name,
        "n": n,
        "dim": d,
        "classes": k,
        "c": 1.0,
        "x": f32(x),
        "y": [int(v) for v in y],
        # What users get: LogisticRegression(C=1.0, max_iter=1000), tol=1e-4.
        "sklearn": fit(max_iter=1000),
        # The optimum itself (the default stops up to ~3e-3 away in probability).
        "optimum": fit(max_iter=10000, tol=1e-12),
    }


# ---- silhouette ----------------------------------------------------------------


def silhouette_cases():
    rng = np.random.default_rng(3)
    cases = []
    centers = rng.normal(0.0, 2.0, (3, 5))
    labels = np.repeat(np.arange(3), 20)
    x = (centers[labels] + rng.normal(0.0, 1.0, (60, 5))).astype(np.float32)
    cases.append({"name": "three_blobs", "dim": 5, "k": 3, "x": f32(x), "labels": labels.tolist(),
                  "score": float(silhouette_score(x.astype(np.float64), labels))})
    # Cluster ids 0, 1, 3 of k = 5 (2 and 4 empty), one singleton, unit vectors.
    x = rng.normal(0.0, 1.0, (25, 8))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    x = x.astype(np.float32)
    labels = np.array([0] * 12 + [1] * 12 + [3])
    cases.append({"name": "gaps_and_singleton", "dim": 8, "k": 5, "x": f32(x), "labels": labels.tolist(),
                  "score": float(silhouette_score(x.astype(np.float64), labels))})
    return cases


# ---- clustering agreement ------------------------------------------------------


def agreement_cases():
    rng = np.random.default_rng(5)
    truth = rng.integers(0, 5, 300)
    noisy = np.where(rng.random(300) < 0.3, rng.integers(0, 7, 300), truth * 3 % 7)
    pairs = [
        ("noisy_relabelled", truth, noisy),
        ("independent", rng.integers(0, 4, 200), rng.integers(0, 6, 200)),
        ("split_and_merged", np.repeat(np.arange(4), 10), np.repeat([0, 0, 1, 2, 2, 3, 3, 3], 5)),
        ("one_cluster", np.repeat(np.arange(3), 4), np.zeros(12, dtype=int)),
        ("all_singletons", np.arange(10), np.arange(10)[::-1] + 20),
    ]
    return [{"name": name, "truth": t.tolist(), "predicted": p.tolist(),
             "ari": float(adjusted_rand_score(t, p)),
             "nmi": float(normalized_mutual_info_score(t, p))} for name, t, p in pairs]


# ---- PCA -----------------------------------------------------------------------


def pca_case():
    rng = np.random.default_rng(4)
    n, d = 200, 6
    # Spread 5 along one direction, 2 along a second, 0.3 noise elsewhere.
    basis, _ = np.linalg.qr(rng.normal(size=(d, d)))
    z = rng.normal(size=(n, d)) * np.array([5.0, 2.0, 0.3, 0.3, 0.3, 0.3])
    x = (z @ basis.T + rng.normal(size=d)).astype(np.float32)
    x64 = x.astype(np.float64)
    centered = x64 - x64.mean(axis=0)
    _, s, vt = np.linalg.svd(centered, full_matrices=False)
    comps = vt[:2].copy()
    for c in comps:  # sign: the largest-magnitude loading is positive
        if c[np.argmax(np.abs(c))] < 0:
            c *= -1
    return {
        "n": n,
        "dim": d,
        "x": f32(x),
        "components": rounded(comps),
        "projection": rounded(centered @ comps.T),
        "singular_values": rounded(s),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="tests/goldens/tasks.json")
    args = ap.parse_args()
    golden = {
        "generator": "scripts/reference/make_task_goldens.py",
        "versions": {"sklearn": sklearn.__version__, "numpy": np.__version__},
        "metrics": metrics_cases(),
        "logistic": [
            logistic_case("multiclass", 300, 16, 4, 2),
            logistic_case("binary", 200, 8, 2, 5),
        ],
        "silhouette": silhouette_cases(),
        "pca": pca_case(),
        "agreement": agreement_cases(),
    }
    out = Path(args.out)
    out.write_text(json.dumps(golden, separators=(",", ":")) + "\n")
    print(f"wrote {out} ({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
