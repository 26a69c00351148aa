//! On the CPU a batch runs packed (no padding rows): `embed` and
//! `embed_concurrently` (one packed run per kernel thread) give each text the
//! row it gets alone, bit for bit, in the caller's order. With `--features
//! threads` the runs go on rayon's pool; without, one after another.

mod common;

use common::*;
use nunchi_engine::cpu::threads;
use nunchi_engine::{CpuBackend, Quant};
use nunchi_models::{EmbedOptions, Pooling, SentenceEncoder};

#[test]
fn packed_runs_give_each_text_its_own_bits_in_order() {
    let texts = strings(&golden("minilm.json")["texts"]);
    // The golden texts, then each one three times over: lengths far apart.
    let mut batch: Vec<String> = texts.clone();
    batch.extend(texts.iter().map(|t| format!("{t} {t} {t}")));
    let refs: Vec<&str> = batch.iter().map(String::as_str).collect();
    let enc = SentenceEncoder::load(CpuBackend::new(), open("all-MiniLM-L6-v2", Quant::Q8_0)).expect("load encoder");
    for pooling in [Pooling::Mean, Pooling::Cls] {
        let opts = EmbedOptions { pooling, normalize: pooling == Pooling::Mean };
        let alone: Vec<Vec<f32>> = refs.iter().map(|t| enc.embed(&[t], &opts).expect("embed one").data).collect();
        let whole = enc.embed(&refs, &opts).expect("embed");
        for threads_used in [1, 2] {
            threads::set_threads(threads_used);
            let split = enc.embed_concurrently(&refs, &opts).expect("embed_concurrently");
            for (name, got) in [("embed", &whole), ("embed_concurrently", &split)] {
                assert_eq!(got.dims[0], refs.len(), "{name}, {pooling:?}");
                assert!(got.truncated.iter().any(|&t| t > 0), "the tripled long text is truncated");
                for (i, want) in alone.iter().enumerate() {
                    assert!(
                        same_bits(got.row(i), want),
                        "{name}, {threads_used} threads, {pooling:?}: text {i} differs from its own embedding"
                    );
                }
            }
        }
    }
    // Token vectors still run as one padded batch, as `embed` runs them.
    let none = EmbedOptions { pooling: Pooling::None, normalize: false };
    let (got, want) = (enc.embed_concurrently(&refs, &none).expect("tokens"), enc.embed(&refs, &none).expect("tokens"));
    assert_eq!(got.dims, want.dims);
    assert!(same_bits(&got.data, &want.data), "token vectors differ from embed's");
    let mean = EmbedOptions { pooling: Pooling::Mean, normalize: true };
    assert!(enc.embed_concurrently(&[], &mean).is_err(), "no texts is an input error");
}

fn same_bits(a: &[f32], b: &[f32]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}
