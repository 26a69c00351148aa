#!/usr/bin/env python3
"""nunchi's SetFit against the reference ``setfit`` package, on the same samples.

What it does
------------
For each dataset, N (texts per label) and sample seed it

1. draws the training sample (exactly N texts per label, seeded by the sample
   seed) and a fixed test set (the same for every seed and N), and writes them
   as one CSV (columns ``text,label,split``, ``split`` = ``train`` | ``test``);
2. runs the reference ``setfit`` package (PyPI) on it: ``SetFitModel`` from the
   local sentence-transformers folder, a ``LogisticRegression`` head, and
   ``Trainer`` with SetFit's paper defaults (body learning rate 2e-5, batch 16,
   1 epoch, ``num_iterations`` 20 pairs of each kind per text, warm-up 0.1,
   ``seed`` = the sample seed), then scores the test set (weighted F1). Before
   fine-tuning it also fits the same head on the frozen encoder's embeddings
   (``head_f1_weighted``): the counterpart of nunchi's ``head-N``, a check
   that both tools embed and fit the head alike;
3. runs ``nunchi eval --methods head-N,setfit-N --quant f32`` on the same CSV.
   With exactly N train rows per label in the CSV, nunchi's seeded per-label
   sample takes every train row, so head-N, setfit-N and ``setfit`` train on
   the same texts (the script checks the ``train_texts`` nunchi reports).

Datasets (``--data``, default ``../shared/data`` from the repository root):

* ``mr``: ``mr_polarity/rt-polarity.{pos,neg}``, decoded as latin-1 by
  default (``--mr-encoding``; the files are really UTF-8, so 229 lines with
  accents or dashes come out as mojibake, identically for both tools). The test set is
  500 texts per label drawn once (seed ``--test-seed``); the training pool is
  every other line. Default N = 8 and 32, seeds 0-4.
* ``banking77``: ``banking77/{train,test}.csv``. The test set is 20 texts per
  intent drawn once from ``test.csv``; the training sample comes from
  ``train.csv``. Default N = 10, seed 0: 770 texts, 30,800 pairs, 1,925
  steps per tool. On one thread setfit took 25 min (2-core Xeon VM) and
  nunchi's setfit-10 81 min (2.5 s/step, 2-core AMD EPYC VM).

Texts are whitespace-trimmed (as nunchi's CSV reader does), and the CSV is
UTF-8, so both tools see identical strings.

Both tools get one thread: the script sets ``torch.set_num_threads(1)`` (and
OMP/MKL threads 1) and runs nunchi with ``RAYON_NUM_THREADS=1``. Run it under
``nice -n 19`` on a shared machine.

Differences that remain (by design, not by sample): nunchi's ``eval`` seeds
its pair sampling with a fixed seed (it has no ``--seed``), whereas ``setfit``
gets the sample seed; the two tools draw different pairs from the same texts,
and start from different dropout masks. nunchi embeds each distinct text once
per batch (one dropout mask per text), sentence-transformers both sides of
every pair. nunchi's test-set scores use the tuned encoder in f32.

Results were made with setfit 1.2.0, torch 2.15.0 (PyPI, CPU only used),
sentence-transformers 6.3.0, transformers 5.25.0, scikit-learn 1.9.1.

Results
-------
``--out`` (default ``bench/results/setfit-compare.json``) is rewritten after
every single run (under a file lock, merging what is already there), so
partial results survive an interrupted run, and ``--only setfit`` and
``--only nunchi`` may run at the same time in two processes. It holds, per
dataset / N / seed, both tools' weighted F1s and seconds, and per dataset / N
the mean and sample standard deviation (ddof 1) of each, plus the machine,
versions and date. A table is printed at the end.

How to run
----------
By hand only; CI never runs it (torch from PyPI pulls gigabytes). From the
repository root, with the model folder prepared by scripts/prepare-models.sh::

    python -m venv /work/venv-setfit
    /work/venv-setfit/bin/pip install setfit torch scikit-learn pandas
    cp target/release/nunchi /tmp/setfit-nunchi   # a copy that a rebuild won't touch
    HF_HUB_OFFLINE=1 nice -n 19 /work/venv-setfit/bin/python \\
        scripts/reference/setfit_compare.py --nunchi-bin /tmp/setfit-nunchi \\
        --datasets mr [--sizes 8,32] [--seeds 0,1,2,3,4] [--only setfit|nunchi]
    HF_HUB_OFFLINE=1 nice -n 19 /work/venv-setfit/bin/python \\
        scripts/reference/setfit_compare.py --nunchi-bin /tmp/setfit-nunchi --datasets banking77

``--table`` only prints the table of an existing ``--out``. Nothing is
downloaded: the model is a local folder and ``HF_HUB_OFFLINE`` is set.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "1"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
os.environ.setdefault("WANDB_DISABLED", "true")
os.environ.setdefault("TQDM_DISABLE", "1")

import argparse
import csv
import datetime as dt
import fcntl
import json
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_SIZES = {"mr": [8, 32], "banking77": [10]}
DEFAULT_SEEDS = {"mr": [0, 1, 2, 3, 4], "banking77": [0]}
TEST_PER_LABEL = {"mr": 500, "banking77": 20}
# Reference-setfit settings (SetFit's paper defaults; nunchi's FineTuneOptions defaults).
SETFIT_SETTINGS = {
    "body_learning_rate": 2e-5,
    "batch_size": 16,
    "num_epochs": 1,
    "num_iterations": 20,
    "warmup_proportion": 0.1,
    "head": "sklearn LogisticRegression() (C=1, lbfgs)",
    "loss": "CosineSimilarityLoss",
    "seed": "the sample seed",
}


# --------------------------------------------------------------------------- data


def load_mr(data: Path, encoding: str) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for label, name in (("negative", "rt-polarity.neg"), ("positive", "rt-polarity.pos")):
        for line in (data / "mr_polarity" / name).read_text(encoding=encoding).splitlines():
            line = line.strip()
            if line:
                texts.append(line)
                labels.append(label)
    return texts, labels


def load_banking_file(path: Path) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            text = row["text"].strip()
            if text:
                texts.append(text)
                labels.append(row["category"].strip())
    return texts, labels


def per_label_sample(labels: list[str], indices: list[int], n: int, seed: int) -> list[int]:
    """`n` of `indices` per label, seeded; returned sorted (the CSV's order)."""
    rng = random.Random(seed)
    by_label: dict[str, list[int]] = {}
    for i in indices:
        by_label.setdefault(labels[i], []).append(i)
    out = []
    for label in sorted(by_label):
        members = by_label[label]
        if len(members) < n:
            raise SystemExit(f"label {label!r} has {len(members)} texts, fewer than {n}")
        out.extend(rng.sample(members, n))
    return sorted(out)


def build_split(dataset: str, data: Path, n: int, seed: int, test_seed: int, mr_encoding: str = "latin-1"):
    """(train texts, train labels, test texts, test labels) for one run."""
    if dataset == "mr":
        texts, labels = load_mr(data, mr_encoding)
        test = per_label_sample(labels, list(range(len(texts))), TEST_PER_LABEL["mr"], test_seed)
        held = set(test)
        pool = [i for i in range(len(texts)) if i not in held]
        train = per_label_sample(labels, pool, n, seed)
        return ([texts[i] for i in train], [labels[i] for i in train], [texts[i] for i in test], [labels[i] for i in test])
    if dataset == "banking77":
        tr_texts, tr_labels = load_banking_file(data / "banking77" / "train.csv")
        te_texts, te_labels = load_banking_file(data / "banking77" / "test.csv")
        test = per_label_sample(te_labels, list(range(len(te_texts))), TEST_PER_LABEL["banking77"], test_seed)
        train = per_label_sample(tr_labels, list(range(len(tr_texts))), n, seed)
        return (
            [tr_texts[i] for i in train],
            [tr_labels[i] for i in train],
            [te_texts[i] for i in test],
            [te_labels[i] for i in test],
        )
    raise SystemExit(f"unknown dataset {dataset!r} (mr, banking77)")


def write_csv(path: Path, split) -> None:
    train_x, train_y, test_x, test_y = split
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["text", "label", "split"])
        w.writerows([t, y, "train"] for t, y in zip(train_x, train_y))
        w.writerows([t, y, "test"] for t, y in zip(test_x, test_y))
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


# --------------------------------------------------------------------------- runs


def run_setfit(model_path: Path, split, seed: int) -> dict:
    import torch
    from datasets import Dataset
    from setfit import SetFitModel, Trainer, TrainingArguments
    from sklearn.metrics import accuracy_score, f1_score

    torch.set_num_threads(1)
    train_x, train_y, test_x, test_y = split
    names = sorted(set(train_y))
    ids = {name: i for i, name in enumerate(names)}
    started = time.perf_counter()
    model = SetFitModel.from_pretrained(str(model_path), device="cpu")
    # The frozen encoder + the same LogisticRegression head: the counterpart of nunchi's head-N.
    from sklearn.linear_model import LogisticRegression

    frozen = LogisticRegression().fit(model.model_body.encode(train_x, batch_size=64), [ids[y] for y in train_y])
    frozen_predicted = frozen.predict(model.model_body.encode(test_x, batch_size=64)).tolist()
    head_done = time.perf_counter()
    args = TrainingArguments(
        batch_size=SETFIT_SETTINGS["batch_size"],
        num_epochs=SETFIT_SETTINGS["num_epochs"],
        num_iterations=SETFIT_SETTINGS["num_iterations"],
        body_learning_rate=SETFIT_SETTINGS["body_learning_rate"],
        warmup_proportion=SETFIT_SETTINGS["warmup_proportion"],
        seed=seed,
        show_progress_bar=False,
        report_to="none",
        save_strategy="no",
        eval_strategy="no",
        logging_strategy="no",
        output_dir=tempfile.mkdtemp(prefix="setfit-trainer-"),
    )
    train_ds = Dataset.from_dict({"text": train_x, "label": [ids[y] for y in train_y]})
    trainer = Trainer(model=model, args=args, train_dataset=train_ds)
    tuning = time.perf_counter()
    trainer.train()
    trained = time.perf_counter()
    predicted = model.predict(test_x, batch_size=64, show_progress_bar=False)
    predicted = [int(p) for p in (predicted.tolist() if hasattr(predicted, "tolist") else predicted)]
    done = time.perf_counter()
    truth = [ids[y] for y in test_y]
    return {
        "f1_weighted": float(f1_score(truth, predicted, average="weighted")),
        "head_f1_weighted": float(f1_score(truth, frozen_predicted, average="weighted")),
        "head_seconds": round(head_done - started, 2),
        "accuracy": float(accuracy_score(truth, predicted)),
        "seconds": round(done - head_done, 2),
        "train_seconds": round(trained - tuning, 2),
        "predict_seconds": round(done - trained, 2),
        "torch_threads": torch.get_num_threads(),
    }


def weighted_f1(report: dict) -> float:
    """nunchi's report names it weightedAvg (camelCase JSON)."""
    return (report.get("weightedAvg") or report.get("weighted_avg"))["f1"]


def run_nunchi(binary: Path, model_path: Path, csv_path: Path, n: int, log: Path) -> dict:
    out = csv_path.with_suffix(".nunchi.json")
    cmd = [
        str(binary), "eval", "--model", str(model_path), "--quant", "f32", "--dataset", str(csv_path),
        "--methods", f"head-{n},setfit-{n}", "--iterations", str(SETFIT_SETTINGS["num_iterations"]), "--json", str(out),
    ]
    env = dict(os.environ, RAYON_NUM_THREADS="1")
    started = time.perf_counter()
    with log.open("w") as f:
        proc = subprocess.run(cmd, env=env, stdout=f, stderr=subprocess.STDOUT)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"nunchi failed ({proc.returncode}); see {log}")
    result = json.loads(out.read_text())
    by_method = {r["method"]: r for r in result["results"]}
    head, tuned = by_method[f"head-{n}"], by_method[f"setfit-{n}"]
    steps = re.search(r"setfit-\d+: (\d+) pairs, (\d+) steps", log.read_text(errors="replace"))
    return {
        "head_f1_weighted": weighted_f1(head["report"]),
        "head_accuracy": head["report"]["accuracy"],
        "head_train_texts": head["train_texts"],
        "head_ms": round(head["ms"], 1),
        "setfit_f1_weighted": weighted_f1(tuned["report"]),
        "setfit_accuracy": tuned["report"]["accuracy"],
        "setfit_train_texts": tuned["train_texts"],
        "setfit_ms": round(tuned["ms"], 1),
        "pairs": int(steps.group(1)) if steps else None,
        "steps": int(steps.group(2)) if steps else None,
        "test_texts": result["test_texts"],
        "seconds": round(seconds, 2),
        "command": " ".join(cmd),
        "log": str(log),
    }


# --------------------------------------------------------------------------- results


def spread(values: list[float]) -> dict:
    values = [v for v in values if v is not None]
    if not values:
        return {"mean": None, "std": None, "n": 0}
    return {
        "mean": round(statistics.fmean(values), 4),
        "std": round(statistics.stdev(values), 4) if len(values) > 1 else 0.0,
        "min": round(min(values), 4),
        "max": round(max(values), 4),
        "n": len(values),
    }


def summarise(runs: list[dict]) -> list[dict]:
    groups: dict[tuple, list[dict]] = {}
    for r in runs:
        groups.setdefault((r["dataset"], r["n"]), []).append(r)
    out = []
    for (dataset, n), rs in sorted(groups.items()):
        rs = sorted(rs, key=lambda r: r["seed"])
        ref = [r.get("setfit", {}).get("f1_weighted") for r in rs]
        nset = [r.get("nunchi", {}).get("setfit_f1_weighted") for r in rs]
        nhead = [r.get("nunchi", {}).get("head_f1_weighted") for r in rs]
        rhead = [r.get("setfit", {}).get("head_f1_weighted") for r in rs]
        paired = [b - a for a, b in zip(ref, nset) if a is not None and b is not None]
        out.append({
            "dataset": dataset,
            "n": n,
            "seeds": [r["seed"] for r in rs],
            "setfit_f1_weighted": spread(ref),
            "nunchi_setfit_f1_weighted": spread(nset),
            "nunchi_head_f1_weighted": spread(nhead),
            "setfit_frozen_head_f1_weighted": spread(rhead),
            "nunchi_setfit_minus_setfit": spread(paired),
            "setfit_seconds": spread([r.get("setfit", {}).get("seconds") for r in rs]),
            # Comparable timings: fine-tuning + head + embedding the test set with the tuned encoder.
            "nunchi_setfit_seconds": spread(
                [r["nunchi"]["setfit_ms"] / 1e3 if "setfit_ms" in r.get("nunchi", {}) else None for r in rs]
            ),
            "nunchi_process_seconds": spread([r.get("nunchi", {}).get("seconds") for r in rs]),
        })
    return out


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu or platform.processor(),
        "logical_cpus": os.cpu_count(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "threads_per_tool": 1,
        "note": "torch.set_num_threads(1); nunchi with RAYON_NUM_THREADS=1; both under nice -n 19 on a shared machine",
    }


def versions(binary: Path | None) -> dict:
    v = {}
    for mod in ("setfit", "torch", "sentence_transformers", "transformers", "sklearn", "datasets", "numpy"):
        try:
            v[mod] = __import__(mod).__version__
        except Exception as e:  # noqa: BLE001 - record what is missing
            v[mod] = f"unavailable ({type(e).__name__})"
    if binary is not None:
        try:
            v["nunchi"] = subprocess.run([str(binary), "--version"], capture_output=True, text=True).stdout.strip()
        except OSError:
            v["nunchi"] = "unavailable"
    try:
        v["nunchi_git_head"] = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        pass
    return v


def record(out: Path, key: dict, tool: str, value: dict, meta: dict) -> None:
    """Merges one run's result into `out`, under a lock, and rewrites it atomically."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(str(out) + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        doc = json.loads(out.read_text()) if out.exists() else {}
        runs = doc.get("runs", [])
        match = next((r for r in runs if all(r.get(k) == v for k, v in key.items() if k in ("dataset", "n", "seed"))), None)
        if match is None:
            match = dict(key)
            runs.append(match)
        match.update({k: v for k, v in key.items()})
        match[tool] = value
        runs.sort(key=lambda r: (r["dataset"], r["n"], r["seed"]))
        doc.update(meta.get("doc", {}))
        doc.setdefault("versions", {}).update(meta.get("versions", {}))
        doc.setdefault("commands", {})[tool] = meta.get("command")
        doc["updated"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        doc["runs"] = runs
        doc["summary"] = summarise(runs)
        with_figures(doc)
        fd, tmp = tempfile.mkstemp(dir=out.parent, suffix=".tmp")
        with os.fdopen(fd, "w") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)


def with_figures(doc: dict) -> dict:
    """Adds the fields bench/render-docs.mjs reads (name, command, date, machine as a line,
    tables), so docs/tasks.md's table is rendered from this file."""
    m = doc.get("machine_details") or doc.get("machine") or {}
    if isinstance(m, dict):
        doc["machine_details"] = m
        doc["machine"] = f"{m.get('logical_cpus', '?')}-core {m.get('cpu', '')}, one thread per tool".strip()
    doc["name"] = "setfit-compare"
    doc["command"] = "python scripts/reference/setfit_compare.py"
    doc["date"] = str(doc.get("updated", ""))[:10]
    v = doc.get("versions", {})
    # One seed has no spread: its std is a dash, not 0.
    stat = lambda x: [None, None] if not x or x.get("mean") is None else [x["mean"], x["std"] if x["n"] > 1 else None]  # noqa: E731
    rows = []
    for s in doc.get("summary", []):
        rows.append([s["dataset"], s["n"], len(s["seeds"]), *stat(s["setfit_f1_weighted"]),
                     *stat(s["nunchi_setfit_f1_weighted"]), *stat(s["nunchi_head_f1_weighted"]),
                     stat(s["nunchi_setfit_minus_setfit"])[0]])
    doc["tables"] = {"compare": {
        "caption": f"weighted F1 on a fixed test set (MR: 500 reviews per label; BANKING77: 20 per intent), "
                   f"all-MiniLM-L6-v2 f32, the same N training texts per label for both, mean and sample std over "
                   f"the seeds' samples; setfit {v.get('setfit', '?')} with torch {v.get('torch', '?')} at its "
                   f"defaults (num_iterations 20); nunchi eval's setfit-N and head-N; a dash: not run (or, for a std, one seed)",
        "columns": ["dataset", "N per label", "seeds", "setfit", "± std", "nunchi setfit-N", "± std",
                    "nunchi head-N (frozen)", "± std", "nunchi − setfit, paired"],
        "rows": rows,
        "digits": 3,
        "columnDigits": [None, 0, 0, 3, 3, 3, 3, 3, 3, 3],
    }}
    return doc


def fmt(s: dict) -> str:
    return "-" if not s or s.get("mean") is None else f"{s['mean']:.3f} ± {s['std']:.3f}"


def print_table(out: Path) -> None:
    if not out.exists():
        print(f"no results in {out}")
        return
    doc = json.loads(out.read_text())
    print("| dataset | N | seeds | setfit F1 | nunchi setfit F1 | nunchi head F1 | nunchi setfit − setfit (paired) | setfit frozen head F1 | setfit s/run | nunchi setfit s/run |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for s in doc.get("summary", []):
        sec = lambda x: "-" if x.get("mean") is None else f"{x['mean']:.0f}"  # noqa: E731
        diff = s["nunchi_setfit_minus_setfit"]
        d = "-" if diff.get("mean") is None else f"{diff['mean']:+.3f} ± {diff['std']:.3f}"
        print(
            f"| {s['dataset']} | {s['n']} | {','.join(map(str, s['seeds']))} | {fmt(s['setfit_f1_weighted'])} | "
            f"{fmt(s['nunchi_setfit_f1_weighted'])} | {fmt(s['nunchi_head_f1_weighted'])} | {d} | "
            f"{fmt(s.get('setfit_frozen_head_f1_weighted', {}))} | "
            f"{sec(s['setfit_seconds'])} | {sec(s['nunchi_setfit_seconds'])} |"
        )
    print("(weighted F1 on the fixed test set; mean ± sample std over seeds; s/run: fine-tuning, head and "
          "embedding the test set with the tuned encoder, one thread)")


# --------------------------------------------------------------------------- main


def int_list(text: str) -> list[int]:
    out = []
    for part in text.split(","):
        part = part.strip()
        if "-" in part:
            a, b = part.split("-", 1)
            out.extend(range(int(a), int(b) + 1))
        elif part:
            out.append(int(part))
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--nunchi-bin", type=Path, default=REPO / "target" / "release" / "nunchi")
    p.add_argument("--model", type=Path, default=REPO / "models" / "all-MiniLM-L6-v2", help="sentence-transformers folder")
    p.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    p.add_argument("--only", choices=["setfit", "nunchi"], help="run one tool (the other's results in --out are kept)")
    p.add_argument("--datasets", default="mr,banking77", help="comma-separated: mr, banking77")
    p.add_argument("--sizes", help="N per label, for every dataset (default: mr 8,32; banking77 10)")
    p.add_argument("--seeds", help="sample seeds, e.g. 0-4 or 0,2 (default: mr 0-4; banking77 0)")
    p.add_argument("--test-seed", type=int, default=1234, help="seed of the fixed test sample")
    p.add_argument(
        "--mr-encoding",
        default="latin-1",
        help="how to decode rt-polarity.* (default latin-1, what bench/results/setfit-compare.json used; the files "
        "are in fact UTF-8, so 229 of 10,662 lines become mojibake, the same for both tools; utf-8 reads them right)",
    )
    p.add_argument("--work", type=Path, default=Path("/tmp/setfit-compare"), help="CSVs, nunchi's JSON and logs")
    p.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "setfit-compare.json")
    p.add_argument("--table", action="store_true", help="only print the table of --out")
    a = p.parse_args()

    if a.table:
        if a.out.exists():  # refresh the rendered figures' fields too
            a.out.write_text(json.dumps(with_figures(json.loads(a.out.read_text())), indent=2) + "\n")
        print_table(a.out)
        return
    tools = [a.only] if a.only else ["setfit", "nunchi"]
    if "nunchi" in tools and not a.nunchi_bin.exists():
        raise SystemExit(f"no nunchi binary at {a.nunchi_bin}")
    if not (a.model / "modules.json").exists():
        raise SystemExit(f"{a.model} is not a sentence-transformers folder")
    if "setfit" in tools:
        import torch

        torch.set_num_threads(1)
    meta = {
        "doc": {
            "description": "nunchi eval head-N / setfit-N against the reference setfit package on identical "
            "train samples (N per label) and a fixed test set; weighted F1. See scripts/reference/setfit_compare.py.",
            "model": str(a.model.relative_to(REPO)) if a.model.is_relative_to(REPO) else str(a.model),
            "test_per_label": TEST_PER_LABEL,
            "test_seed": a.test_seed,
            "setfit_settings": SETFIT_SETTINGS,
            "nunchi_settings": "eval --quant f32 --iterations 20; fine-tuning seeded with eval's fixed seed",
            "machine_details": machine(),
        },
        "versions": versions(a.nunchi_bin if "nunchi" in tools else None),
        "command": " ".join([os.path.basename(sys.executable)] + sys.argv),
    }
    if "setfit" not in tools:  # don't overwrite setfit's versions with "unavailable"
        meta["versions"] = {k: v for k, v in meta["versions"].items() if k.startswith("nunchi")}

    a.work.mkdir(parents=True, exist_ok=True)
    for dataset in [d.strip() for d in a.datasets.split(",") if d.strip()]:
        sizes = int_list(a.sizes) if a.sizes else DEFAULT_SIZES[dataset]
        seeds = int_list(a.seeds) if a.seeds else DEFAULT_SEEDS[dataset]
        for n in sizes:
            for seed in seeds:
                split = build_split(dataset, a.data, n, seed, a.test_seed, a.mr_encoding)
                csv_path = a.work / f"{dataset}-n{n}-seed{seed}.csv"
                write_csv(csv_path, split)
                key = {"dataset": dataset, "n": n, "seed": seed, "train_texts": len(split[0]),
                       "test_texts": len(split[2]), "labels": len(set(split[1]))}
                for tool in tools:
                    print(f"[{time.strftime('%H:%M:%S')}] {dataset} N={n} seed={seed}: {tool} ...", flush=True)
                    try:
                        if tool == "setfit":
                            value = run_setfit(a.model, split, seed)
                            print(f"    setfit F1 {value['f1_weighted']:.4f} in {value['seconds']:.0f}s", flush=True)
                        else:
                            log = a.work / f"{dataset}-n{n}-seed{seed}.nunchi.log"
                            value = run_nunchi(a.nunchi_bin, a.model, csv_path, n, log)
                            if value["head_train_texts"] != len(split[0]) or value["setfit_train_texts"] != len(split[0]):
                                value["warning"] = "nunchi trained on a different number of texts than the CSV's train rows"
                            if value["test_texts"] != len(split[2]):
                                value["warning"] = "nunchi tested on a different number of texts than the CSV's test rows"
                            print(f"    nunchi head F1 {value['head_f1_weighted']:.4f}, setfit F1 "
                                  f"{value['setfit_f1_weighted']:.4f} in {value['seconds']:.0f}s", flush=True)
                    except Exception as e:  # noqa: BLE001 - keep going, record the failure
                        value = {"error": f"{type(e).__name__}: {e}"}
                        print(f"    failed: {value['error']}", flush=True)
                    record(a.out, key, tool, value, meta)
    print()
    print_table(a.out)


if __name__ == "__main__":
    main()
