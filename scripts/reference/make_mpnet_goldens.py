#!/usr/bin/env python3
"""Reference outputs of all-mpnet-base-v2 (sentence-transformers, PyTorch, CPU).

What it writes
--------------
* ``tests/goldens/mpnet.json`` (committed): the 20 texts of ``minilm.json``
  (the same list, imported from make_goldens.py), their ``token_ids`` (``<s>``
  ... ``</s>``, after truncation to ``max_seq_length`` 384), and, each text run
  on its own (batch 1), as base64 of little-endian float32 (768 values per
  text; ``dim``):

  - ``embeddings_b64``: what the model's modules give (Transformer -> mean
    Pooling -> Normalize), i.e. L2-normalized masked mean;
  - ``embeddings_unnormalized_b64``: the masked mean of the last hidden state
    (no normalize);
  - ``cls_b64``: the first token's (``<s>``) last hidden state;
  - ``hidden_b64`` / ``hidden_shape`` / ``hidden_text``: the whole last hidden
    state of one short text, to find where a port goes wrong.

  The key names are minilm.json's with ``_b64`` added (the convention of
  t5_*.json): 768-wide vectors as 7-digit JSON numbers would make the file
  ~550 KB; base64 keeps the exact float32 values in ~270 KB. The script
  asserts that a padded batch gives the same numbers within 1e-5 and that
  transformers' MPNetModel + masked mean (+ normalize) matches
  sentence-transformers.
* ``models/all-mpnet-base-v2-mr-test.f32`` + ``.json`` (not committed): the
  normalized embeddings of the whole movie-review test split (raw
  little-endian f32, rows in split order), with ``rows``, ``dim``,
  ``texts_sha256`` (sha256 of the UTF-8 test texts joined by ``\\n``) and the
  labels. ``models/all-mpnet-base-v2-mr-train.f32`` + ``.json`` likewise for
  the train split (or the subsample used, see ``--train-rows``).
* ``models/all-mpnet-base-v2-mr-reference.json``: weighted F1 on the MR test
  split of scikit-learn ``LogisticRegression(max_iter=1000)`` trained on the
  train-split embeddings, and of zero-shot by label embeddings (argmax cosine
  to the label descriptions nunchi's ``eval`` uses for MR, "A very {label}
  movie review"; the plainer "A {label} review" is reported too).

The MR split is nunchi's (crates/tasks/src/datasets.rs ``movie_reviews``):
``rt-polarity.neg`` (label 0) then ``rt-polarity.pos`` (label 1), each read as
UTF-8 and split like Rust's ``str::lines`` (on ``\\n``, one trailing ``\\r``
dropped, no empty last line after a final newline), every line trimmed with
Rust's ``str::trim`` (Unicode White_Space), empty lines skipped but still
counted; test = lines whose 0-based index within their file is ≡ 0 mod 10.

How to run
----------
From the repository root, after scripts/prepare-mpnet.sh has filled
``models/all-mpnet-base-v2``, with the reference venv of
scripts/reference/requirements.txt (plus scikit-learn)::

    /path/to/venv/bin/python scripts/reference/make_mpnet_goldens.py \
        [--models models/] [--out tests/goldens/] [--data ../shared/data] \
        [--threads 1] [--train-rows 0] [--goldens-only]

Offline, CPU only. On 2 busy cores (1 torch thread) the goldens take about a
minute and the full MR split (10,662 texts) about 13 minutes.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_goldens import (  # noqa: E402  (the same texts and helpers as minilm.json)
    BATCH_TOL, LONG_TEXT, MINILM_TEXTS, b64_f32, check_mr_polarity, reference_string, sha256, versions,
    write_json)

REPO = Path(__file__).resolve().parents[2]
MPNET_DIR = "all-mpnet-base-v2"
MAX_SEQ_LENGTH = 384
HIDDEN_TEXT = "This movie was great!"
# nunchi eval's MR zero-shot descriptions (crates/cli/src/eval.rs: "A very {label} movie review"),
# and a plainer pair for comparison.
MR_LABELS = ["negative", "positive"]
DESCRIPTIONS = {
    "nunchi_eval": [f"A very {l} movie review" for l in MR_LABELS],
    "plain": [f"A {l} review" for l in MR_LABELS],
}
HOLD_OUT_EVERY = 10
# Rust's char::is_whitespace (Unicode White_Space): what str::trim removes. Python's str.strip()
# would also remove U+001C..U+001F, which Rust keeps.
RUST_WHITESPACE = ("\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
                   "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


# --------------------------------------------------------------------------
# MR split, as crates/tasks/src/datasets.rs::movie_reviews reads it
# --------------------------------------------------------------------------

def rust_lines(text: str) -> list[str]:
    """Rust's str::lines: split on \\n, drop one trailing \\r, no empty last line."""
    parts = text.split("\n")
    if parts and parts[-1] == "":
        parts.pop()
    return [p[:-1] if p.endswith("\r") else p for p in parts]


def movie_reviews(mr_dir: Path):
    split = {"train": ([], []), "test": ([], [])}
    for label, name in enumerate(["rt-polarity.neg", "rt-polarity.pos"]):
        text = (mr_dir / name).read_bytes().decode("utf-8")  # strict, like read_to_string
        for i, line in enumerate(rust_lines(text)):
            line = line.strip(RUST_WHITESPACE)
            if not line:
                continue
            texts, labels = split["test" if i % HOLD_OUT_EVERY == 0 else "train"]
            texts.append(line)
            labels.append(label)
    return split


def check_split(split, mr_dir: Path) -> None:
    """The figures crates/tasks/tests/algorithms.rs::movie_reviews_split asserts, plus an
    independent naive reading that must give the same texts."""
    (tr, ytr), (te, yte) = split["train"], split["test"]
    assert (len(tr), len(te)) == (9594, 1068), (len(tr), len(te))
    assert sum(1 for l in yte if l == 1) == 534
    assert sum(1 for l in ytr if l == 0) == 4797
    assert all(a <= b for a, b in zip(yte, yte[1:])), "negatives first"
    naive_test = []
    for name in ["rt-polarity.neg", "rt-polarity.pos"]:
        with open(mr_dir / name, encoding="utf-8", newline="") as f:
            lines = f.read().splitlines()
        naive_test += [l.strip() for l in lines[::HOLD_OUT_EVERY] if l.strip()]
    assert naive_test == te, "naive reading differs from the Rust-rule reading"
    ql = REPO / "tests" / "goldens" / "task_quality.json"
    if ql.exists():
        first = [t.strip() for t in json.loads(ql.read_text())["first_test_texts"]]
        assert te[: len(first)] == first, (te[:3], first)
    print(f"mr: train {len(tr)}, test {len(te)}; first test {te[0]!r}, last test {te[-1]!r}")


def texts_sha256(texts: list[str]) -> str:
    return hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------
# Goldens
# --------------------------------------------------------------------------

def make_goldens(st, folder: Path, out: Path, vers: dict[str, str]) -> None:
    from tokenizers import Tokenizer
    from transformers import AutoModel, AutoTokenizer

    max_len = st.max_seq_length
    assert max_len == MAX_SEQ_LENGTH, max_len
    mods = [type(m).__name__ for m in st]
    print(f"mpnet: modules {mods}; pooling {st[1].get_config_dict() if hasattr(st[1], 'get_config_dict') else st[1]}")
    assert mods == ["Transformer", "Pooling", "Normalize"], mods

    hf_tok = AutoTokenizer.from_pretrained(str(folder))
    raw_tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    # Like MiniLM's, this tokenizer.json has truncation (128) and fixed padding (128, pad id 1)
    # baked in; sentence-transformers ignores both and truncates at 384 without padding.
    print(f"mpnet: tokenizer {type(hf_tok).__name__}; tokenizer.json truncation={raw_tok.truncation} "
          f"padding={raw_tok.padding}")
    raw_tok.no_truncation()
    raw_tok.no_padding()
    model = AutoModel.from_pretrained(str(folder), dtype=torch.float32).eval()
    print(f"mpnet: AutoModel {type(model).__name__}")

    texts = MINILM_TEXTS
    minilm = out / "minilm.json"
    if minilm.exists():
        assert json.loads(minilm.read_text())["texts"] == texts, "texts differ from minilm.json"
    token_ids = []
    for t in texts:
        ids = hf_tok(t, truncation=True, max_length=max_len)["input_ids"]
        st_ids = st.preprocess([t])["input_ids"][0].tolist()
        assert ids == st_ids, (t, ids, st_ids)
        raw = raw_tok.encode(t).ids
        raw_trunc = raw[: max_len - 1] + [raw[-1]] if len(raw) > max_len else raw
        assert raw_trunc == ids, ("raw tokenizers mismatch", t, raw[:10], ids[:10])
        assert ids[0] == 0 and ids[-1] == 2, ids
        token_ids.append(ids)
    n_long = len(hf_tok(LONG_TEXT)["input_ids"])
    print(f"mpnet: long text has {n_long} tokens untruncated, {len(token_ids[texts.index(LONG_TEXT)])} kept")

    emb = np.stack([st.encode([t], batch_size=1, convert_to_numpy=True)[0] for t in texts]).astype(np.float32)
    emb_batch = st.encode(texts, batch_size=len(texts), convert_to_numpy=True)
    d = np.abs(emb - emb_batch).max()
    print(f"mpnet: ST batch-vs-single max abs diff {d:.2e}")
    assert d < BATCH_TOL, d
    assert np.allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5), "the Normalize module normalizes"

    mean_list, cls_list, hidden = [], [], None
    with torch.no_grad():
        for t, ids in zip(texts, token_ids):
            x = torch.tensor([ids])
            h = model(input_ids=x, attention_mask=torch.ones_like(x)).last_hidden_state[0]
            mean_list.append(h.mean(dim=0).numpy())
            cls_list.append(h[0].numpy())
            if t == HIDDEN_TEXT:
                hidden = h.numpy().astype(np.float32)
        enc = hf_tok(texts, truncation=True, max_length=max_len, padding=True, return_tensors="pt")
        hb = model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]).last_hidden_state
        m = enc["attention_mask"].unsqueeze(-1).to(hb.dtype)
        mean_b = ((hb * m).sum(1) / m.sum(1).clamp(min=1e-9)).numpy()
        cls_b = hb[:, 0].numpy()
    mean = np.stack(mean_list).astype(np.float32)
    cls = np.stack(cls_list).astype(np.float32)
    d_mean, d_cls = np.abs(mean - mean_b).max(), np.abs(cls - cls_b).max()
    print(f"mpnet: AutoModel batch-vs-single max abs diff mean {d_mean:.2e} cls {d_cls:.2e}")
    assert d_mean < BATCH_TOL and d_cls < BATCH_TOL, (d_mean, d_cls)
    norm = mean / np.linalg.norm(mean, axis=1, keepdims=True)
    d_paths = np.abs(norm - emb).max()
    print(f"mpnet: ST vs AutoModel+mean+normalize max abs diff {d_paths:.2e}")
    assert d_paths < BATCH_TOL, d_paths
    print(f"mpnet: |mean| range {np.linalg.norm(mean, axis=1).min():.3f}..{np.linalg.norm(mean, axis=1).max():.3f}, "
          f"max |value| mean {np.abs(mean).max():.3f} cls {np.abs(cls).max():.3f}")

    write_json(out / "mpnet.json", {
        "model": MPNET_DIR,
        "reference": reference_string(vers),
        "versions": vers,
        "weights_sha256": sha256(folder / "model.safetensors"),
        "max_seq_length": max_len,
        "dim": int(emb.shape[1]),
        "encoding": "each *_b64 entry: base64 of little-endian float32, dim values (hidden: hidden_shape)",
        "texts": texts,
        "token_ids": token_ids,
        "embeddings_b64": [b64_f32(v) for v in emb],
        "embeddings_unnormalized_b64": [b64_f32(v) for v in mean],
        "cls_b64": [b64_f32(v) for v in cls],
        "hidden_text": HIDDEN_TEXT,
        "hidden_b64": b64_f32(hidden),
        "hidden_shape": list(hidden.shape),
    })


# --------------------------------------------------------------------------
# MR embeddings and the sanity figures
# --------------------------------------------------------------------------

def embed(st, texts: list[str], batch_size: int, what: str) -> np.ndarray:
    t0 = time.time()
    e = st.encode(texts, batch_size=batch_size, convert_to_numpy=True).astype(np.float32)
    dt = time.time() - t0
    print(f"mpnet: embedded {what}: {len(texts)} texts in {dt:.1f}s ({len(texts) / dt:.1f} texts/s)")
    return e


def save_rows(models: Path, name: str, e: np.ndarray, texts: list[str], labels: list[int], extra: dict) -> None:
    f32 = models / f"{MPNET_DIR}-{name}.f32"
    f32.write_bytes(np.ascontiguousarray(e, dtype="<f4").tobytes())
    meta = {"rows": int(e.shape[0]), "dim": int(e.shape[1]), "texts_sha256": texts_sha256(texts),
            "texts_sha256_of": "UTF-8 of the texts joined by \\n (no trailing newline)",
            "embedding": "sentence-transformers encode (mean pooling + Normalize), float32, "
                         "little-endian, row-major, rows in split order",
            "labels": labels, "label_names": MR_LABELS, **extra}
    (models / f"{MPNET_DIR}-{name}.json").write_text(json.dumps(meta) + "\n")
    print(f"wrote {f32} ({f32.stat().st_size} bytes) and its .json")


def weighted_f1(y_true, y_pred) -> dict:
    from sklearn.metrics import accuracy_score, f1_score
    return {"accuracy": float(accuracy_score(y_true, y_pred)),
            "weighted_f1": float(f1_score(y_true, y_pred, average="weighted")),
            "macro_f1": float(f1_score(y_true, y_pred, average="macro"))}


def make_mr(st, models: Path, mr_dir: Path, batch_size: int, train_rows: int, vers: dict) -> None:
    import sklearn
    from sklearn.linear_model import LogisticRegression

    split = movie_reviews(mr_dir)
    check_split(split, mr_dir)
    te, yte = split["test"]
    tr, ytr = split["train"]
    subsample = None
    if train_rows and train_rows < len(tr):
        idx = np.sort(np.random.default_rng(0).choice(len(tr), size=train_rows, replace=False))
        tr, ytr = [tr[i] for i in idx], [ytr[i] for i in idx]
        subsample = f"{train_rows} of 9594 train rows, numpy default_rng(0).choice without replacement, sorted"
        print(f"mr: train subsampled: {subsample}")

    common = {"model": MPNET_DIR, "split": "nunchi movie_reviews (line index % 10 == 0 within each file is test; "
                                           "negatives then positives)", "batch_size": batch_size,
              "reference": reference_string(vers)}
    x_te = embed(st, te, batch_size, "MR test split")
    # Padded, length-sorted batches vs one at a time on a few rows: how far batching moves them.
    probe = list(range(0, len(te), 97))
    single = np.stack([st.encode([te[i]], batch_size=1, convert_to_numpy=True)[0] for i in probe])
    d_batch = float(np.abs(single - x_te[probe]).max())
    print(f"mpnet: MR test batched vs one at a time ({len(probe)} rows) max abs diff {d_batch:.2e}")
    save_rows(models, "mr-test", x_te, te, yte, {**common, "batch_vs_single_max_abs_diff": d_batch})
    x_tr = embed(st, tr, batch_size, "MR train split" + (" (subsample)" if subsample else ""))
    save_rows(models, "mr-train", x_tr, tr, ytr, {**common, "subsample": subsample})

    t0 = time.time()
    clf = LogisticRegression(max_iter=1000).fit(x_tr, ytr)
    logistic = {**weighted_f1(yte, clf.predict(x_te)), "n_iter": int(clf.n_iter_[0]),
                "seconds": round(time.time() - t0, 2)}
    print(f"mr: logistic regression (sklearn {sklearn.__version__}, C=1.0, max_iter=1000): "
          f"weighted F1 {logistic['weighted_f1']:.4f}, accuracy {logistic['accuracy']:.4f}")
    zero_shot = {}
    for key, desc in DESCRIPTIONS.items():
        lab = st.encode(desc, batch_size=len(desc), convert_to_numpy=True)
        lab = lab / np.linalg.norm(lab, axis=1, keepdims=True)
        xt = x_te / np.linalg.norm(x_te, axis=1, keepdims=True)
        pred = (xt @ lab.T).argmax(1)
        zero_shot[key] = {"descriptions": desc, **weighted_f1(yte, pred)}
        print(f"mr: zero-shot {desc}: weighted F1 {zero_shot[key]['weighted_f1']:.4f}, "
              f"accuracy {zero_shot[key]['accuracy']:.4f}")
    ref = {**common, "sklearn": sklearn.__version__, "test_rows": len(te), "train_rows": len(tr),
           "train_subsample": subsample,
           "logistic_regression": {"estimator": "LogisticRegression(max_iter=1000) (C=1.0, lbfgs)", **logistic},
           "zero_shot": zero_shot}
    path = models / f"{MPNET_DIR}-mr-reference.json"
    path.write_text(json.dumps(ref, indent=1) + "\n")
    print(f"wrote {path}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", type=Path, default=REPO / "models")
    ap.add_argument("--out", type=Path, default=REPO / "tests" / "goldens")
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch intra-op threads (default 1: see make_goldens.py)")
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--train-rows", type=int, default=0,
                    help="embed a seeded subsample of this many MR train rows (0: all 9,594)")
    ap.add_argument("--goldens-only", action="store_true", help="skip the MR split")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    torch.set_grad_enabled(False)
    from sentence_transformers import SentenceTransformer

    vers = versions()
    import sklearn
    vers["scikit-learn"] = sklearn.__version__
    print("reference:", reference_string(vers))
    check_mr_polarity()
    folder = args.models / MPNET_DIR
    t_all = time.time()
    t0 = time.time()
    st = SentenceTransformer(str(folder), device="cpu")
    st.eval()
    print(f"mpnet: loaded in {time.time() - t0:.1f}s")
    t0 = time.time()
    make_goldens(st, folder, args.out, vers)
    print(f"mpnet: goldens done in {time.time() - t0:.1f}s")
    if not args.goldens_only:
        t0 = time.time()
        make_mr(st, args.models, args.data / "mr_polarity", args.batch_size, args.train_rows, vers)
        print(f"mpnet: MR done in {time.time() - t0:.1f}s")
    print(f"mpnet: total {time.time() - t_all:.1f}s")


if __name__ == "__main__":
    main()
