//! `embed_concurrently` (length buckets run on the kernels' threads) gives
//! `embed`'s rows bit for bit, in the caller's order. With `--features
//! threads` the buckets run on rayon's pool; without, one after another.

mod common;

use common::*;
use nunchi_engine::cpu::threads;
use nunchi_engine::{CpuBackend, Quant};
use nunchi_models::{buckets, EmbedOptions, Pooling, SentenceEncoder};

#[test]
fn buckets_run_concurrently_give_the_same_bits_in_order() {
    let texts = strings(&golden("minilm.json")["texts"]);
    // The golden texts, then each one three times over: lengths far apart,
    // so the batch cuts into several buckets.
    let mut batch: Vec<String> = texts.clone();
    batch.extend(texts.iter().map(|t| format!("{t} {t} {t}")));
    let refs: Vec<&str> = batch.iter().map(String::as_str).collect();
    threads::set_threads(2);
    let enc = SentenceEncoder::load(CpuBackend::new(), open("all-MiniLM-L6-v2", Quant::Q8_0)).expect("load encoder");
    let lengths: Vec<usize> = refs.iter().map(|t| enc.tokenizer().encode(t).unwrap().ids.len()).collect();
    let bucket_count = buckets::length_buckets(&lengths).len();
    assert!(bucket_count >= 3, "the batch should cut into several buckets, got {bucket_count}");
    for pooling in [Pooling::Mean, Pooling::Cls, Pooling::None] {
        let opts = EmbedOptions { pooling, normalize: pooling == Pooling::Mean };
        let want = enc.embed(&refs, &opts).expect("embed");
        let got = enc.embed_concurrently(&refs, &opts).expect("embed_concurrently");
        assert_eq!(got.dims, want.dims, "{pooling:?}");
        assert_eq!(got.truncated, want.truncated, "{pooling:?}");
        assert!(same_bits(&got.data, &want.data), "{pooling:?}: rows differ from embed's");
    }
    let mean = EmbedOptions { pooling: Pooling::Mean, normalize: true };
    // One text is one bucket (its layers split their columns instead).
    let (one, want) = (enc.embed_concurrently(&refs[..1], &mean).expect("one text"), enc.embed(&refs[..1], &mean).expect("one text"));
    assert!(same_bits(&one.data, &want.data), "one text: rows differ from embed's");
    assert!(enc.embed_concurrently(&[], &mean).is_err(), "no texts is an input error");
}

fn same_bits(a: &[f32], b: &[f32]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}
