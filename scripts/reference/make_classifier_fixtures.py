#!/usr/bin/env python3
"""Write tiny seeded ``*ForSequenceClassification`` model folders for the
BERT-family encoder tests.

What it does
------------
For each architecture below it trains a small tokenizer with the
``tokenizers`` library on the MR sentence-polarity corpus (Pang & Lee 2005,
``rt-polarity.{pos,neg}``, latin-1 text), builds the ``transformers`` model
from an explicit tiny config (hidden 32, 2 layers, 4 heads, intermediate 64),
overwrites EVERY parameter with seeded noise -- ``normal(0, 0.2)`` for weights,
embeddings and biases, ``1 + normal(0, 0.2)`` for LayerNorm weights -- so the
outputs depend strongly on every tensor (the default ``initializer_range``
0.02 makes them nearly constant), and writes a Hugging Face folder:

    tests/fixtures/encoders/<name>/{config.json, model.safetensors,
                                    tokenizer.json, tokenizer_config.json}

=================  ===========================================  =======================================
name               class                                        tokenizer
=================  ===========================================  =======================================
bert-cls           BertForSequenceClassification (3 labels)     WordPiece, lower-case, [CLS] $A [SEP]
distilbert-cls     DistilBertForSequenceClassification (2)      WordPiece, lower-case, [CLS] $A [SEP]
roberta-cls        RobertaForSequenceClassification (3)         byte-level BPE, RobertaProcessing
xlm-roberta-cls    XLMRobertaForSequenceClassification (4,      Unigram, Metaspace, <s> $A </s>
                   multi_label_classification)
electra-cls        ElectraForSequenceClassification (2,         WordPiece, lower-case, [CLS] $A [SEP]
                   embedding_size 16 -> embeddings_project)
mpnet-cls          MPNetForSequenceClassification (2)           WordPiece, lower-case, <s> $A </s>
deberta-v2-cls     DebertaV2ForSequenceClassification (3,       Unigram, Metaspace, [CLS] $A [SEP]
                   DeBERTa-v3 style: relative attention,
                   p2c+c2p, 16 buckets, type_vocab_size 0)
=================  ===========================================  =======================================

Tokenizer training: WordPiece and byte-level BPE with ``tokenizers``'
trainers (the WordPiece ids are renumbered canonically -- specials, then by
length and string -- because the trainer breaks ties in hash-map order);
Unigram pieces and scores with sentencepiece's unigram trainer (one thread,
no shuffling), loaded into a ``tokenizers`` Unigram model, because
``tokenizers``' UnigramTrainer gives slightly different scores on every run.
The Unigram tokenizers use ``NFKC`` + collapse-multiple-spaces as normalizer
(real XLM-R / DeBERTa-v3 files use a sentencepiece ``Precompiled`` charsmap;
NFKC is what that charsmap mostly implements).  Each tokenizer is trained
twice and the script asserts both are identical.

The output is deterministic: the same stack writes byte-identical files
(checked by running it twice).  Run by hand, never in CI::

    /work/venv-ref/bin/python scripts/reference/make_classifier_fixtures.py \
        [--data /work/shared/data/mr_polarity] [--out tests/fixtures/encoders] [--only bert-cls ...]

then regenerate the goldens with ``make_classifier_goldens.py``.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# Single-threaded tokenizer training so the learned vocabularies do not depend
# on thread scheduling.
os.environ["TOKENIZERS_PARALLELISM"] = "false"
os.environ.setdefault("RAYON_NUM_THREADS", "1")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import argparse
import io
import json
import shutil
from pathlib import Path

import torch
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

REPO = Path(__file__).resolve().parents[2]
DEFAULT_DATA = Path("/work/shared/data/mr_polarity")
DEFAULT_OUT = REPO / "tests" / "fixtures" / "encoders"

SEED = 20240601
NOISE_STD = 0.2
MAX_LEN = 64  # model max length in tokens, special tokens included

HIDDEN = 32
LAYERS = 2
HEADS = 4
INTERMEDIATE = 64


# --------------------------------------------------------------------------
# corpus
# --------------------------------------------------------------------------

def load_corpus(data: Path) -> list[str]:
    lines: list[str] = []
    for name in ["rt-polarity.pos", "rt-polarity.neg"]:
        with open(data / name, encoding="latin-1") as f:
            lines.extend(line.strip() for line in f if line.strip())
    return lines


# --------------------------------------------------------------------------
# tokenizers
# --------------------------------------------------------------------------

def wordpiece_tokenizer(corpus: list[str], vocab_size: int, specials: list[str], unk: str,
                        cls: str, sep: str) -> Tokenizer:
    """BERT-style WordPiece: lower-case + strip accents, BertPreTokenizer,
    ``cls $A sep`` template (pair: ``cls $A sep $B:1 sep:1``)."""
    tok = Tokenizer(models.WordPiece(unk_token=unk, max_input_chars_per_word=100))
    tok.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True,
                                                strip_accents=None, lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, min_frequency=2,
                                        special_tokens=specials, show_progress=False,
                                        continuing_subword_prefix="##")
    tok.train_from_iterator(corpus, trainer=trainer)
    # The trainer breaks count ties in hash-map order, so the learned ids (not
    # the set of tokens) change from run to run.  WordPiece's greedy
    # longest-match does not depend on ids: renumber canonically.
    learned = tok.get_vocab()
    rest = sorted((t for t in learned if t not in specials),
                  key=lambda t: (len(t.removeprefix("##")), t.startswith("##"), t))
    vocab = {t: i for i, t in enumerate(list(specials) + rest)}
    tok.model = models.WordPiece(vocab=vocab, unk_token=unk, max_input_chars_per_word=100,
                                 continuing_subword_prefix="##")
    tok.post_processor = processors.TemplateProcessing(
        single=f"{cls}:0 $A:0 {sep}:0",
        pair=f"{cls}:0 $A:0 {sep}:0 $B:1 {sep}:1",
        special_tokens=[(cls, tok.token_to_id(cls)), (sep, tok.token_to_id(sep))],
    )
    tok.decoder = decoders.WordPiece(prefix="##")
    return tok


def bytelevel_bpe_tokenizer(corpus: list[str], vocab_size: int) -> Tokenizer:
    """RoBERTa-style byte-level BPE with <s>=0 <pad>=1 </s>=2 <unk>=3 <mask>=4."""
    tok = Tokenizer(models.BPE())
    tok.normalizer = None
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=2, show_progress=False,
                                  special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(corpus, trainer=trainer)
    tok.post_processor = processors.RobertaProcessing(("</s>", tok.token_to_id("</s>")),
                                                      ("<s>", tok.token_to_id("<s>")),
                                                      trim_offsets=True, add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    return tok


def unigram_tokenizer(corpus: list[str], vocab_size: int, specials: list[str], unk: str,
                      mask: str, single: str, pair: str, cls: str, sep: str) -> Tokenizer:
    """sentencepiece-style Unigram: NFKC + collapse spaces, Metaspace ("▁",
    prepend always).  Ids: ``specials`` first (score 0), then the learned
    pieces by descending score, then ``mask`` as the last id.

    The pieces and scores come from sentencepiece's unigram trainer (one
    thread, no shuffling: deterministic); ``tokenizers``' UnigramTrainer sums
    its EM statistics in hash-map order, so its scores change from run to run.
    sentencepiece runs with normalization "identity" on text that this
    function normalizes exactly like the tokenizer.json normalizer below."""
    import sentencepiece as spm

    normalizer = normalizers.Sequence([normalizers.NFKC(),
                                       normalizers.Replace(Regex(" {2,}"), " ")])
    text = [normalizer.normalize_str(line) for line in corpus]
    spm.set_random_generator_seed(SEED)
    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(text), model_writer=buf, model_type="unigram",
        vocab_size=vocab_size - len(specials) + 1,  # + 1: sentencepiece's own <unk>
        normalization_rule_name="identity", add_dummy_prefix=True,
        remove_extra_whitespaces=True, split_by_whitespace=True, max_sentencepiece_length=16,
        character_coverage=1.0, byte_fallback=False, shuffle_input_sentence=False,
        num_threads=1, unk_id=0, bos_id=-1, eos_id=-1, pad_id=-1, minloglevel=2)
    sp = spm.SentencePieceProcessor(model_proto=buf.getvalue())
    pieces = [(sp.id_to_piece(i), sp.get_score(i)) for i in range(sp.get_piece_size())
              if not (sp.is_unknown(i) or sp.is_control(i))]
    vocab = [(t, 0.0) for t in specials] + pieces + [(mask, 0.0)]
    assert len({t for t, _ in vocab}) == len(vocab)
    tok = Tokenizer(models.Unigram(vocab, unk_id=specials.index(unk), byte_fallback=False))
    tok.normalizer = normalizer
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.add_special_tokens(list(specials) + [mask])
    tok.post_processor = processors.TemplateProcessing(
        single=single, pair=pair,
        special_tokens=[(cls, tok.token_to_id(cls)), (sep, tok.token_to_id(sep))],
    )
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    return tok


def check_ids(tok: Tokenizer, expected: dict[str, int]) -> None:
    for t, i in expected.items():
        got = tok.token_to_id(t)
        assert got == i, f"{t}: id {got}, expected {i}"


# --------------------------------------------------------------------------
# models
# --------------------------------------------------------------------------

def labels(names: list[str]) -> dict:
    return {"id2label": {i: n for i, n in enumerate(names)},
            "label2id": {n: i for i, n in enumerate(names)}}


def noise_(model: torch.nn.Module, seed: int) -> None:
    """Overwrite every parameter with seeded noise (in named_parameters order)."""
    g = torch.Generator().manual_seed(seed)
    norm_params = set()
    for mname, mod in model.named_modules():
        if isinstance(mod, torch.nn.LayerNorm) or type(mod).__name__.lower().endswith("layernorm"):
            if getattr(mod, "weight", None) is not None:
                norm_params.add(f"{mname}.weight" if mname else "weight")
    with torch.no_grad():
        for name, p in model.named_parameters():
            n = torch.randn(p.shape, generator=g, dtype=torch.float32) * NOISE_STD
            if name in norm_params:
                n += 1.0
            p.copy_(n.to(p.dtype))
    assert norm_params, "no LayerNorm found"


def build(name: str, corpus: list[str]):
    """Return (tokenizer, model, tokenizer-config extras) for one fixture."""
    import transformers as T

    common = dict(hidden_size=HIDDEN, num_hidden_layers=LAYERS, num_attention_heads=HEADS,
                  intermediate_size=INTERMEDIATE, hidden_act="gelu",
                  hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1)

    if name == "bert-cls":
        tok = wordpiece_tokenizer(corpus, 600, ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"],
                                  "[UNK]", "[CLS]", "[SEP]")
        check_ids(tok, {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "[MASK]": 4})
        cfg = T.BertConfig(vocab_size=tok.get_vocab_size(), max_position_embeddings=MAX_LEN,
                           type_vocab_size=2, pad_token_id=0, layer_norm_eps=1e-12,
                           **labels(["negative", "neutral", "positive"]), **common)
        model = T.BertForSequenceClassification(cfg)
        tk = dict(unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]",
                  mask_token="[MASK]")
    elif name == "distilbert-cls":
        tok = wordpiece_tokenizer(corpus, 600, ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"],
                                  "[UNK]", "[CLS]", "[SEP]")
        check_ids(tok, {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "[MASK]": 4})
        cfg = T.DistilBertConfig(vocab_size=tok.get_vocab_size(), max_position_embeddings=MAX_LEN,
                                 dim=HIDDEN, n_layers=LAYERS, n_heads=HEADS, hidden_dim=INTERMEDIATE,
                                 activation="gelu", sinusoidal_pos_embds=False, pad_token_id=0,
                                 dropout=0.1, attention_dropout=0.1, seq_classif_dropout=0.2,
                                 **labels(["NEGATIVE", "POSITIVE"]))
        model = T.DistilBertForSequenceClassification(cfg)
        tk = dict(unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]",
                  mask_token="[MASK]")
    elif name == "roberta-cls":
        tok = bytelevel_bpe_tokenizer(corpus, 800)
        check_ids(tok, {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3, "<mask>": 4})
        cfg = T.RobertaConfig(vocab_size=tok.get_vocab_size(), max_position_embeddings=MAX_LEN + 2,
                              type_vocab_size=1, pad_token_id=1, bos_token_id=0, eos_token_id=2,
                              layer_norm_eps=1e-5,
                              **labels(["negative", "neutral", "positive"]), **common)
        model = T.RobertaForSequenceClassification(cfg)
        tk = dict(bos_token="<s>", eos_token="</s>", unk_token="<unk>", pad_token="<pad>",
                  cls_token="<s>", sep_token="</s>", mask_token="<mask>")
    elif name == "xlm-roberta-cls":
        tok = unigram_tokenizer(corpus, 800, ["<s>", "<pad>", "</s>", "<unk>"], "<unk>", "<mask>",
                                "<s>:0 $A:0 </s>:0", "<s>:0 $A:0 </s>:0 </s>:0 $B:0 </s>:0",
                                "<s>", "</s>")
        check_ids(tok, {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3,
                        "<mask>": tok.get_vocab_size() - 1})
        cfg = T.XLMRobertaConfig(vocab_size=tok.get_vocab_size(), max_position_embeddings=MAX_LEN + 2,
                                 type_vocab_size=1, pad_token_id=1, bos_token_id=0, eos_token_id=2,
                                 layer_norm_eps=1e-5, problem_type="multi_label_classification",
                                 **labels(["toxic", "insult", "obscene", "threat"]), **common)
        model = T.XLMRobertaForSequenceClassification(cfg)
        tk = dict(bos_token="<s>", eos_token="</s>", unk_token="<unk>", pad_token="<pad>",
                  cls_token="<s>", sep_token="</s>", mask_token="<mask>")
    elif name == "electra-cls":
        tok = wordpiece_tokenizer(corpus, 600, ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"],
                                  "[UNK]", "[CLS]", "[SEP]")
        check_ids(tok, {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "[MASK]": 4})
        cfg = T.ElectraConfig(vocab_size=tok.get_vocab_size(), embedding_size=16,
                              max_position_embeddings=MAX_LEN, type_vocab_size=2, pad_token_id=0,
                              layer_norm_eps=1e-12, summary_type="first",
                              **labels(["NEGATIVE", "POSITIVE"]), **common)
        model = T.ElectraForSequenceClassification(cfg)
        tk = dict(unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]",
                  mask_token="[MASK]")
    elif name == "mpnet-cls":
        tok = wordpiece_tokenizer(corpus, 600, ["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
                                  "<unk>", "<s>", "</s>")
        check_ids(tok, {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3, "<mask>": 4})
        cfg = T.MPNetConfig(vocab_size=tok.get_vocab_size(), max_position_embeddings=MAX_LEN + 2,
                            relative_attention_num_buckets=32, layer_norm_eps=1e-5, pad_token_id=1,
                            bos_token_id=0, eos_token_id=2,
                            **labels(["NEGATIVE", "POSITIVE"]), **common)
        model = T.MPNetForSequenceClassification(cfg)
        tk = dict(bos_token="<s>", eos_token="</s>", unk_token="<unk>", pad_token="<pad>",
                  cls_token="<s>", sep_token="</s>", mask_token="<mask>")
    elif name == "deberta-v2-cls":
        tok = unigram_tokenizer(corpus, 800, ["[PAD]", "[CLS]", "[SEP]", "[UNK]"], "[UNK]", "[MASK]",
                                "[CLS]:0 $A:0 [SEP]:0", "[CLS]:0 $A:0 [SEP]:0 $B:1 [SEP]:1",
                                "[CLS]", "[SEP]")
        check_ids(tok, {"[PAD]": 0, "[CLS]": 1, "[SEP]": 2, "[UNK]": 3,
                        "[MASK]": tok.get_vocab_size() - 1})
        cfg = T.DebertaV2Config(vocab_size=tok.get_vocab_size(), max_position_embeddings=MAX_LEN,
                                type_vocab_size=0, pad_token_id=0, layer_norm_eps=1e-7,
                                relative_attention=True, pos_att_type=["p2c", "c2p"],
                                position_buckets=16, max_relative_positions=-1,
                                norm_rel_ebd="layer_norm", share_att_key=True,
                                position_biased_input=False, pooler_hidden_size=HIDDEN,
                                pooler_hidden_act="gelu", pooler_dropout=0,
                                **labels(["entailment", "neutral", "contradiction"]), **common)
        model = T.DebertaV2ForSequenceClassification(cfg)
        tk = dict(bos_token="[CLS]", eos_token="[SEP]", unk_token="[UNK]", pad_token="[PAD]",
                  cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]")
    else:
        raise KeyError(name)
    return tok, model, tk


NAMES = ["bert-cls", "distilbert-cls", "roberta-cls", "xlm-roberta-cls", "electra-cls",
         "mpnet-cls", "deberta-v2-cls"]


def write_fixture(name: str, corpus: list[str], out: Path, index: int) -> None:
    from transformers import PreTrainedTokenizerFast

    torch.manual_seed(SEED + index)
    tok, model, tk = build(name, corpus)
    tok2, _, _ = build(name, corpus)  # tokenizer training must be reproducible
    assert tok.to_str() == tok2.to_str(), f"{name}: tokenizer training is not deterministic"
    noise_(model, SEED + 1000 * (index + 1))
    model.eval()

    folder = out / name
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    model.save_pretrained(str(folder), safe_serialization=True)
    # Wrap the raw tokenizer so transformers' AutoTokenizer reads tokenizer.json
    # as-is (tokenizer_class PreTrainedTokenizerFast), with the model max length.
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, model_max_length=MAX_LEN,
                                   padding_side="right", truncation_side="right", **tk)
    fast.save_pretrained(str(folder))
    # Keep the committed folder minimal; drop files that duplicate tokenizer.json.
    for extra in ["special_tokens_map.json", "generation_config.json"]:
        p = folder / extra
        if p.exists():
            p.unlink()
    # The tokenizer.json written above must be the raw tokenizer (no padding /
    # truncation baked in).
    raw = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))
    assert raw.get("padding") is None and raw.get("truncation") is None, name
    sizes = {p.name: p.stat().st_size for p in sorted(folder.iterdir())}
    total = sum(sizes.values())
    nparams = sum(p.numel() for p in model.parameters())
    print(f"{name}: vocab {tok.get_vocab_size()}, {nparams} params, {total} bytes {sizes}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--only", nargs="*", default=None)
    args = ap.parse_args()
    torch.set_num_threads(1)
    corpus = load_corpus(args.data)
    print(f"corpus: {len(corpus)} lines")
    for i, name in enumerate(NAMES):
        if args.only and name not in args.only:
            continue
        write_fixture(name, corpus, args.out, i)


if __name__ == "__main__":
    main()
