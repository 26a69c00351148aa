//! Shared test support: tiny encoder configs, seeded random weights, and the
//! prepared models' paths.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::PathBuf;

use candle_core::quantized::{GgmlDType, QTensor};
use candle_core::{Device, Tensor};
use nunchi_engine::Rng;
use nunchi_models::bert::Batch;
use nunchi_models::weights::WeightMap;
use nunchi_models::EncoderConfig;
use nunchi_train::TrainableEncoder;

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `models/` prepared by `scripts/prepare-models.sh` (override with NUNCHI_MODELS).
pub fn model_path(name: &str) -> PathBuf {
    let dir = std::env::var_os("NUNCHI_MODELS").map(PathBuf::from).unwrap_or_else(|| repo_root().join("models"));
    let p = dir.join(name);
    assert!(p.exists(), "{} is missing: run scripts/prepare-models.sh first", p.display());
    p
}

/// A tiny encoder config of `model_type` (bert, roberta, distilbert, electra)
/// with `hidden_act`; ELECTRA's embeddings are narrower than its hidden size.
pub fn tiny_config(model_type: &str, act: &str, layers: usize) -> EncoderConfig {
    let json = match model_type {
        "distilbert" => serde_json::json!({
            "model_type": "distilbert", "vocab_size": 40, "dim": 16, "n_layers": layers, "n_heads": 2,
            "hidden_dim": 24, "max_position_embeddings": 24, "activation": act,
        }),
        _ => serde_json::json!({
            "model_type": model_type, "vocab_size": 40, "hidden_size": 16, "num_hidden_layers": layers,
            "num_attention_heads": 2, "intermediate_size": 24, "max_position_embeddings": 24,
            "type_vocab_size": 2, "layer_norm_eps": 1e-12, "hidden_act": act, "pad_token_id": 1,
            "embedding_size": if model_type == "electra" { 8 } else { 16 },
        }),
    };
    EncoderConfig::from_json(&json.to_string()).expect("tiny config")
}

/// Seeded weights for every tensor of `config`: matrices and tables uniform
/// in ±0.5, layer norm scales 1 ± 0.2, biases ±0.1.
pub fn random_weights(config: &EncoderConfig, seed: u64) -> WeightMap {
    let mut rng = Rng::new(seed);
    let mut tensors = HashMap::new();
    for (name, dims) in TrainableEncoder::parameter_shapes(config).expect("shapes") {
        let n: usize = dims.iter().product();
        let (scale, offset) = match (name.ends_with(".bias"), dims.len(), name.contains("LayerNorm") || name.contains("norm")) {
            (false, 1, true) => (0.2, 1.0),
            (true, _, _) => (0.1, 0.0),
            _ => (0.5, 0.0),
        };
        let values: Vec<f32> = (0..n).map(|_| offset + scale * rng.next_signed_f32()).collect();
        let t = Tensor::from_vec(values, dims.as_slice(), &Device::Cpu).expect("tensor");
        tensors.insert(name, QTensor::quantize(&t, GgmlDType::F32).expect("f32 tensor"));
    }
    WeightMap::new(tensors)
}

/// Token id sequences of the given lengths, seeded, ids in `lo..hi`, with type ids 0.
pub fn random_sequences(lengths: &[usize], lo: u32, hi: u32, seed: u64) -> Vec<(Vec<u32>, Vec<u32>)> {
    let mut rng = Rng::new(seed);
    lengths
        .iter()
        .map(|&len| {
            let ids: Vec<u32> = (0..len).map(|_| lo + (rng.next_u64() % (hi - lo) as u64) as u32).collect();
            (ids, vec![0; len])
        })
        .collect()
}

pub fn padded(seqs: &[(Vec<u32>, Vec<u32>)]) -> Batch {
    Batch::pad(seqs, 0).expect("batch")
}

pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "length mismatch");
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}
