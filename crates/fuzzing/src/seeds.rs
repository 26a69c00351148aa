//! Small valid inputs for every target, made by code so that no model file
//! is committed: tiny models (a BERT with and without a classification head,
//! a T5) with their own small tokenizers, as safetensors + config.json and
//! as nunchi GGUF files, and saved heads and topic models from the real
//! trainers. `examples/write_corpus.rs` writes them into `fuzz/corpus/`.

use std::io::Cursor;

use nunchi_engine::{Quant, Result};
use nunchi_models::legacy_tokenizer::LegacyTokenizerFiles;
use nunchi_models::{HfParts, ModelFile};
use nunchi_tasks::{cluster, Classifier, ClusterOptions, HeadKind, Rows, TrainingSet};
use serde_json::{json, Value};

use crate::input::join_at_nul;
use crate::mutate::Rng;

/// A model as a Hugging Face folder holds it, in memory.
pub struct TinyModel {
    pub name: &'static str,
    pub config_json: String,
    pub tokenizer_json: String,
    pub safetensors: Vec<u8>,
}

impl TinyModel {
    pub fn model_file(&self, quant: Quant) -> Result<ModelFile> {
        ModelFile::from_hf_parts(HfParts {
            name: self.name.to_string(),
            config_json: self.config_json.clone(),
            tokenizer_json: self.tokenizer_json.clone(),
            safetensors: &self.safetensors,
            sentence_bert_config: None,
            pooling_config: None,
            modules: None,
            sentence_transformers_config: None,
            test_weights_marker: Some("{}".into()),
            quant,
        })
    }

    /// The model as one of nunchi's GGUF files (what `nunchi convert` writes).
    pub fn gguf(&self, quant: Quant) -> Result<Vec<u8>> {
        let mut out = Cursor::new(Vec::new());
        self.model_file(quant)?.write_gguf(&mut out)?;
        Ok(out.into_inner())
    }

    /// The `hf_files` target's input: `[quant selector]config.json NUL safetensors`.
    pub fn hf_input(&self, quant_selector: u8) -> Vec<u8> {
        let mut out = vec![quant_selector];
        out.extend(join_at_nul(self.config_json.as_bytes(), &self.safetensors));
        out
    }
}

/// Named f32 tensors with seeded values, in the order they are stored.
struct TensorSet {
    rng: Rng,
    tensors: Vec<(String, Vec<usize>, Vec<f32>)>,
}

impl TensorSet {
    fn new(seed: u64) -> Self {
        Self { rng: Rng::new(seed), tensors: Vec::new() }
    }

    fn random(&mut self, name: &str, dims: &[usize]) {
        let values = (0..dims.iter().product()).map(|_| (self.rng.unit() - 0.5) * 0.4).collect();
        self.tensors.push((name.to_string(), dims.to_vec(), values));
    }

    fn filled(&mut self, name: &str, dims: &[usize], value: f32) {
        self.tensors.push((name.to_string(), dims.to_vec(), vec![value; dims.iter().product()]));
    }

    /// A layer norm's weight (ones) and bias (zeros).
    fn norm(&mut self, prefix: &str, dim: usize) {
        self.filled(&format!("{prefix}.weight"), &[dim], 1.0);
        self.filled(&format!("{prefix}.bias"), &[dim], 0.0);
    }

    fn linear(&mut self, prefix: &str, out_dim: usize, in_dim: usize) {
        self.random(&format!("{prefix}.weight"), &[out_dim, in_dim]);
        self.random(&format!("{prefix}.bias"), &[out_dim]);
    }

    fn safetensors(&self) -> Vec<u8> {
        safetensors(&self.tensors)
    }
}

/// The safetensors layout: a u64 LE header length, a JSON header (padded
/// with spaces to 8 bytes) naming each tensor's dtype, shape and byte range,
/// then the data.
pub fn safetensors(tensors: &[(String, Vec<usize>, Vec<f32>)]) -> Vec<u8> {
    let mut header = serde_json::Map::new();
    let mut data = Vec::new();
    for (name, dims, values) in tensors {
        let start = data.len();
        values.iter().for_each(|v| data.extend_from_slice(&v.to_le_bytes()));
        header.insert(name.clone(), json!({ "dtype": "F32", "shape": dims, "data_offsets": [start, data.len()] }));
    }
    let mut header = Value::Object(header).to_string().into_bytes();
    header.resize(header.len().div_ceil(8) * 8, b' ');
    let mut out = (header.len() as u64).to_le_bytes().to_vec();
    out.extend(header);
    out.extend(data);
    out
}

/// WordPiece vocabulary of the tiny BERT: the specials, then words and pieces.
const BERT_VOCAB: &[&str] = &[
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "film", "great", "bad", "is", "was", "not", "a", "e", "i", "o", "u",
    "t", "n", "s", "r", "l", "##s", "##ing", "##ed", "##ly", "##e", "##a", "##t", "##n", ",", ".", "!", "?", "'", "é", "한",
    "##국",
];

/// BERT's tokenizer as `BertTokenizerFast` builds it from `vocab.txt`.
pub fn bert_tokenizer_json() -> Result<String> {
    let files = LegacyTokenizerFiles { vocab_txt: Some(BERT_VOCAB.join("\n")), ..Default::default() };
    files.to_tokenizer_json()
}

const BERT_HIDDEN: usize = 8;
const BERT_FFN: usize = 16;
const BERT_POSITIONS: usize = 24;

/// A 1-layer BERT, hidden size 8; with a head, a 2-label sequence classifier
/// under the `bert.` prefix as transformers saves one.
pub fn tiny_bert(with_head: bool) -> Result<TinyModel> {
    let (h, f) = (BERT_HIDDEN, BERT_FFN);
    let mut config = json!({
        "model_type": "bert", "architectures": ["BertModel"], "vocab_size": BERT_VOCAB.len(), "hidden_size": h,
        "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": f, "max_position_embeddings": BERT_POSITIONS,
        "type_vocab_size": 2, "hidden_act": "gelu", "layer_norm_eps": 1e-12, "pad_token_id": 0,
    });
    let mut w = TensorSet::new(if with_head { 2 } else { 1 });
    let p = if with_head { "bert." } else { "" };
    w.random(&format!("{p}embeddings.word_embeddings.weight"), &[BERT_VOCAB.len(), h]);
    w.random(&format!("{p}embeddings.position_embeddings.weight"), &[BERT_POSITIONS, h]);
    w.random(&format!("{p}embeddings.token_type_embeddings.weight"), &[2, h]);
    w.norm(&format!("{p}embeddings.LayerNorm"), h);
    let layer = format!("{p}encoder.layer.0");
    for name in ["query", "key", "value"] {
        w.linear(&format!("{layer}.attention.self.{name}"), h, h);
    }
    w.linear(&format!("{layer}.attention.output.dense"), h, h);
    w.norm(&format!("{layer}.attention.output.LayerNorm"), h);
    w.linear(&format!("{layer}.intermediate.dense"), f, h);
    w.linear(&format!("{layer}.output.dense"), h, f);
    w.norm(&format!("{layer}.output.LayerNorm"), h);
    if with_head {
        w.linear("bert.pooler.dense", h, h);
        w.linear("classifier", 2, h);
        config["architectures"] = json!(["BertForSequenceClassification"]);
        config["id2label"] = json!({ "0": "negative", "1": "positive" });
    }
    Ok(TinyModel {
        name: if with_head { "tiny-bert-cls" } else { "tiny-bert" },
        config_json: config.to_string(),
        tokenizer_json: bert_tokenizer_json()?,
        safetensors: w.safetensors(),
    })
}

/// SentencePiece (Unigram) vocabulary of the tiny T5, with scores.
const T5_VOCAB: &[(&str, f64)] = &[
    ("<pad>", 0.0),
    ("</s>", 0.0),
    ("<unk>", 0.0),
    ("▁", -2.0),
    ("▁the", -3.0),
    ("▁film", -4.0),
    ("▁is", -4.0),
    ("▁great", -5.0),
    ("▁bad", -5.0),
    ("▁positive", -6.0),
    ("▁negative", -6.0),
    ("s", -3.5),
    ("ing", -4.5),
    ("a", -3.0),
    ("e", -3.0),
    ("i", -3.0),
    ("o", -3.0),
    ("t", -3.2),
    ("n", -3.2),
    ("r", -3.4),
    ("l", -3.4),
    (".", -3.0),
    (",", -3.0),
    ("?", -3.5),
    ("é", -6.0),
    ("한", -7.0),
];

/// A SentencePiece charsmap (base64 of `[trie size][double-array trie][strings]`)
/// that maps "A" to "a": 512 units, the root's children at `byte`, "A"'s at
/// `256 ^ byte`, so that every lookup stays inside the trie.
fn uppercase_a_charsmap() -> String {
    let mut units = vec![0u32; 512];
    units[b'A' as usize] = ((b'A' as u32 ^ 256) << 10) | (1 << 8) | b'A' as u32;
    let mut bytes = ((units.len() * 4) as u32).to_le_bytes().to_vec();
    units.iter().for_each(|u| bytes.extend(u.to_le_bytes()));
    bytes.extend(b"a\0");
    base64_encode(&bytes)
}

/// Standard base64 with padding (a dozen lines rather than a dependency).
fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | (b as u32) << (16 - 8 * i));
        for i in 0..4 {
            out.push(if i <= chunk.len() { ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char } else { '=' });
        }
    }
    out
}

/// T5's tokenizer as transformers saves it: Unigram, Metaspace, `… </s>`.
pub fn t5_tokenizer_json() -> String {
    let added = |id: usize, content: &str| json!({ "id": id, "content": content, "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true });
    let metaspace = json!({ "type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true });
    let seq = |id: &str, type_id: u32| json!({ "Sequence": { "id": id, "type_id": type_id } });
    let eos = json!({ "SpecialToken": { "id": "</s>", "type_id": 0 } });
    json!({
        "version": "1.0", "truncation": null, "padding": null,
        "added_tokens": [added(0, "<pad>"), added(1, "</s>"), added(2, "<unk>")],
        "normalizer": { "type": "Sequence", "normalizers": [
            { "type": "Precompiled", "precompiled_charsmap": uppercase_a_charsmap() },
            { "type": "Replace", "pattern": { "Regex": " {2,}" }, "content": " " },
        ]},
        "pre_tokenizer": metaspace,
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [seq("A", 0), eos],
            "pair": [seq("A", 0), eos, seq("B", 0), eos],
            "special_tokens": { "</s>": { "id": "</s>", "ids": [1], "tokens": ["</s>"] } },
        },
        "decoder": metaspace,
        "model": { "type": "Unigram", "unk_id": 2, "vocab": T5_VOCAB, "byte_fallback": false },
    })
    .to_string()
}

/// A 1+1-layer gated-GELU T5, `d_model` 8, tied embeddings.
pub fn tiny_t5() -> TinyModel {
    let (d, inner, ff, buckets, heads) = (8, 8, 16, 8, 2);
    let config = json!({
        "model_type": "t5", "architectures": ["T5ForConditionalGeneration"], "vocab_size": T5_VOCAB.len(), "d_model": d,
        "d_kv": inner / heads, "d_ff": ff, "num_layers": 1, "num_decoder_layers": 1, "num_heads": heads,
        "relative_attention_num_buckets": buckets, "relative_attention_max_distance": 16, "layer_norm_epsilon": 1e-6,
        "feed_forward_proj": "gated-gelu", "tie_word_embeddings": true, "decoder_start_token_id": 0, "eos_token_id": 1,
        "pad_token_id": 0, "n_positions": 64,
    });
    let mut w = TensorSet::new(3);
    w.random("shared.weight", &[T5_VOCAB.len(), d]);
    let attention = |w: &mut TensorSet, prefix: &str| {
        for name in ["q", "k", "v"] {
            w.random(&format!("{prefix}.{name}.weight"), &[inner, d]);
        }
        w.random(&format!("{prefix}.o.weight"), &[d, inner]);
    };
    let feed_forward = |w: &mut TensorSet, prefix: &str| {
        w.random(&format!("{prefix}.DenseReluDense.wi_0.weight"), &[ff, d]);
        w.random(&format!("{prefix}.DenseReluDense.wi_1.weight"), &[ff, d]);
        w.random(&format!("{prefix}.DenseReluDense.wo.weight"), &[d, ff]);
    };
    for stack in ["encoder", "decoder"] {
        let block = format!("{stack}.block.0.layer");
        attention(&mut w, &format!("{block}.0.SelfAttention"));
        w.random(&format!("{block}.0.SelfAttention.relative_attention_bias.weight"), &[buckets, heads]);
        w.filled(&format!("{block}.0.layer_norm.weight"), &[d], 1.0);
        let ff_layer = if stack == "decoder" {
            attention(&mut w, &format!("{block}.1.EncDecAttention"));
            w.filled(&format!("{block}.1.layer_norm.weight"), &[d], 1.0);
            2
        } else {
            1
        };
        w.filled(&format!("{block}.{ff_layer}.layer_norm.weight"), &[d], 1.0);
        feed_forward(&mut w, &format!("{block}.{ff_layer}"));
        w.filled(&format!("{stack}.final_layer_norm.weight"), &[d], 1.0);
    }
    TinyModel {
        name: "tiny-t5",
        config_json: config.to_string(),
        tokenizer_json: t5_tokenizer_json(),
        safetensors: w.safetensors(),
    }
}

/// Every tiny model, encoders first.
pub fn tiny_models() -> Result<Vec<TinyModel>> {
    Ok(vec![tiny_bert(false)?, tiny_bert(true)?, tiny_t5()])
}

/// Seeded 4-dimensional embeddings in `classes` groups, and each row's group.
fn grouped_rows(classes: usize, per_class: usize, seed: u64) -> (Vec<f32>, Vec<usize>) {
    let mut rng = Rng::new(seed);
    let mut x = Vec::new();
    let mut y = Vec::new();
    for class in 0..classes {
        for _ in 0..per_class {
            x.extend((0..4).map(|d| if d == class { 1.0 } else { 0.0 } + (rng.unit() - 0.5) * 0.3));
            y.push(class);
        }
    }
    (x, y)
}

/// Saved few-shot heads of both kinds, as `Classifier::to_json` writes them.
pub fn heads() -> Result<Vec<(String, String)>> {
    let (x, y) = grouped_rows(3, 4, 11);
    let labels: Vec<String> = ["billing", "delivery", "praise"].iter().map(|s| s.to_string()).collect();
    let mut out = Vec::new();
    for (name, kind) in [("logistic", HeadKind::Logistic), ("nearest-centroid", HeadKind::NearestCentroid)] {
        let set = TrainingSet { x: Rows::new(&x, 4)?, y: &y, labels: &labels };
        out.push((format!("{name}.json"), Classifier::train("tiny-bert", set, kind)?.to_json()));
    }
    Ok(out)
}

/// Saved topic models from `cluster`, one with a topic too small to report ("other").
pub fn topic_models() -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for (name, classes, per_class, min_size) in [("two-topics", 2, 5, None), ("with-other", 3, 3, Some(3))] {
        let (mut x, _) = grouped_rows(classes, per_class, 5);
        // One stray text of its own: a cluster of one, folded into "other".
        x.extend([0.0, 0.0, 0.0, 1.0]);
        let texts: Vec<String> = (0..x.len() / 4).map(|i| format!("message {i} about topic {}", i / per_class)).collect();
        let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        let opts = ClusterOptions {
            k: Some(classes + 1),
            min_cluster_size: min_size,
            encoder: "tiny-bert".into(),
            prefix: "query: ".into(),
            ..Default::default()
        };
        let report = cluster(&texts, Rows::new(&x, 4)?, &opts, &|| 0.0)?;
        out.push((format!("{name}.json"), report.model.to_json()));
    }
    Ok(out)
}

/// A byte-level BPE's `vocab.json`, a NUL, and its `merges.txt` (the
/// `tokenizer` target's split for older RoBERTa files).
fn bpe_files() -> Vec<u8> {
    let vocab = json!({ "<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3, "a": 4, "b": 5, "ab": 6, "Ġ": 7, "Ġab": 8, "t": 9, "h": 10, "e": 11, "th": 12, "the": 13, "Ġthe": 14 });
    let mut out = vocab.to_string().into_bytes();
    out.push(0);
    out.extend_from_slice(b"#version: 0.2\na b\nt h\nth e\n\xc4\xa0 ab\n\xc4\xa0 the\n");
    out
}

/// A long text: past MiniLM's 256 tokens and the tiny models' limits.
fn long_text() -> String {
    (0..300)
        .map(|i| ["the", "film", "was", "great", "naïve", "한국어", "😀", "antidisestablishment"][i % 8])
        .collect::<Vec<_>>()
        .join(" ")
}

/// Texts with the cases tokenizers and encoders get wrong.
fn texts() -> Vec<(&'static str, String)> {
    vec![
        ("ascii.txt", "The film was GREAT, wasn't it? 12,345.67 -- [CLS] [SEP] [UNK] ##ing".into()),
        ("spaces.txt", "  several   spaces\tand\ttabs\r\nwindows lines\n\n\nblank lines ".into()),
        ("scripts.txt", "한국어 문장입니다. 日本語と中文。 Ελληνικά. Русский. العربية".into()),
        ("emoji.txt", "emoji 😀👍🏽 and a family 👨‍👩‍👧 and flags 🇰🇷".into()),
        ("accents.txt", "café naïve Ångström, e\u{301} combining, ｆｕｌｌ－ｗｉｄｔｈ, ﬁ ligature".into()),
        ("controls.txt", "\u{0}\u{1}\u{1b}[0m\u{200b}\u{feff}\u{fffd}\u{7f}".into()),
        ("long-word.txt", "a".repeat(300)),
        ("long.txt", long_text()),
    ]
}

const CSV_FILES: &[(&str, &str)] = &[
    (
        "labelled-split.csv",
        "text,label,split\n\"great, really \"\"great\"\"\",pos,test\nawful,neg,train\nfine,pos,train\nmeh,neg,\nbad,neg,test\n",
    ),
    (
        "labelled.csv",
        "\u{feff}Text,Label\r\none,a\r\ntwo,b\r\nthree,a\r\nfour,b\r\nfive,a\r\nsix,b\r\nseven,a\r\neight,b\r\nnine,a\r\nten,b\r\neleven,a\r\n",
    ),
    ("quoted.csv", "text,,label\n\"two\nlines\",x,pos\n , ,\nshort\n\"a,b\",c,neg,extra\n\"unterminated,neg\n"),
    (
        "dated.csv",
        "text,date\nfirst,2026-01-05\nsecond,2026/02/28 10:00\nthird,2026-03-01T09:30:00Z\nfourth,2024-02-29\nfifth,2026-12-31\n",
    ),
    ("lines.txt", "first line\n\n  second line  \r\nthird\n"),
    (
        "feedback.csv",
        "text,intent,date\nHub says 'no internet' and the phone line has no dial tone either.,broadband_outage,2026-10-24\n\
\"My elderly mum has had the same amount taken twice by you, she's really worried.\",charged_twice,2026-09-02\n\
my final bill said you owe me 85 quid. where is it,refund_request,2026-11-06\n\
I'd like to give positive feedback about the technician who came on Tuesday.,engineer_praise,2026-09-03\n",
    ),
];

const EMBED_TEXTS: &[(&str, &str)] = &[
    ("batch.txt", "great film\nterrible film\nit was okay"),
    ("prompt.txt", "Is the following review positive or negative? a triumph\npositive\nnegative"),
    ("blank-lines.txt", "\n\n\n"),
    ("mixed.txt", "한국어 리뷰 😀\ncafé\n\u{0}\u{200b}\nthe the the the the the the the the the the the the the the the the"),
];

/// Every seed of every target: `(target, file name, bytes)`.
pub fn corpus() -> Result<Vec<(&'static str, String, Vec<u8>)>> {
    let mut out: Vec<(&'static str, String, Vec<u8>)> = Vec::new();
    for (model, selector) in tiny_models()?.iter().zip([0u8, 2, 1]) {
        out.push(("gguf", format!("{}.gguf", model.name), model.gguf(Quant::F32)?));
        out.push(("hf_files", format!("{}.bin", model.name), model.hf_input(selector)));
    }
    out.push(("tokenizer", "bert-tokenizer.json".into(), bert_tokenizer_json()?.into_bytes()));
    out.push(("tokenizer", "t5-tokenizer.json".into(), t5_tokenizer_json().into_bytes()));
    out.push(("tokenizer", "vocab.txt".into(), BERT_VOCAB.join("\n").into_bytes()));
    out.push(("tokenizer", "bpe-vocab-merges.bin".into(), bpe_files()));
    for (name, text) in texts() {
        out.push(("tokenizer", name.into(), text.into_bytes()));
    }
    for (name, text) in CSV_FILES {
        out.push(("csv", name.to_string(), text.as_bytes().to_vec()));
    }
    for (name, json) in heads()? {
        out.push(("head_json", name, json.into_bytes()));
    }
    for (name, json) in topic_models()? {
        out.push(("topics_json", name, json.into_bytes()));
    }
    for (name, text) in EMBED_TEXTS {
        out.push(("embed_text", name.to_string(), text.as_bytes().to_vec()));
    }
    out.push(("embed_text", "long.txt".into(), long_text().into_bytes()));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use nunchi_engine::CpuBackend;
    use nunchi_models::{SentenceEncoder, Text2Text, TextClassifier};

    use super::*;

    #[test]
    fn the_tiny_models_load_and_run_from_both_formats() {
        let t5 = tiny_t5();
        for file in [t5.model_file(Quant::F32).unwrap(), ModelFile::from_gguf_bytes(&t5.gguf(Quant::Q8_0).unwrap()).unwrap()] {
            let model = Text2Text::load(CpuBackend::new(), file).unwrap();
            let scores = model.score("the film is great", &["positive", "negative"]).unwrap();
            assert!(scores.iter().all(|s| s.logprob.is_finite()), "{scores:?}");
        }
        let bert = tiny_bert(false).unwrap();
        let file = ModelFile::from_gguf_bytes(&bert.gguf(Quant::F32).unwrap()).unwrap();
        let encoder = SentenceEncoder::load(CpuBackend::new(), file).unwrap();
        let e = encoder.embed(&["the film was great!", "bad"], &encoder.default_options()).unwrap();
        assert_eq!(e.dims, [2, BERT_HIDDEN]);
        let cls = tiny_bert(true).unwrap();
        let classifier = TextClassifier::load(CpuBackend::new(), cls.model_file(Quant::F32).unwrap()).unwrap();
        assert_eq!(classifier.labels(), ["negative", "positive"]);
        assert_eq!(classifier.classify(&["not bad"]).unwrap()[0].scores.len(), 2);
    }

    #[test]
    fn the_t5_tokenizer_normalizes_through_its_charsmap() {
        assert_eq!([base64_encode(b"M"), base64_encode(b"Ma"), base64_encode(b"Man")], ["TQ==", "TWE=", "TWFu"]);
        let tokenizer = nunchi_models::tokenizer::TextTokenizer::from_json(&t5_tokenizer_json(), 16).unwrap();
        assert_eq!(tokenizer.encode("A film").unwrap(), tokenizer.encode("a film").unwrap());
    }

    #[test]
    fn saved_heads_and_topics_read_back() {
        for (_, json) in heads().unwrap() {
            Classifier::from_json(&json).unwrap();
        }
        for (_, json) in topic_models().unwrap() {
            let model = nunchi_tasks::TopicModel::from_json(&json).unwrap();
            assert!(model.topics.len() >= 2);
        }
    }
}
