//! Two training steps against PyTorch: the same tiny BERT, weights and pairs
//! through transformers' `BertModel`, `CosineSimilarityLoss`, `clip_grad_norm_`,
//! `torch.optim.AdamW` in two decay groups and the linear schedule
//! (`scripts/reference/make_setfit_step_goldens.py`, tests/goldens/setfit_step.json).
//! Loss, gradients and updated weights within 1e-5.
//!
//! Except the attention key biases' updates: their gradient is exactly zero in
//! theory (adding `q·b` to every key's score of a query leaves the softmax as
//! it is), so both sides compute rounding noise (~1e-9), and AdamW's first
//! steps, `lr·g/(|g| + 1e-8)`, turn noise into updates anywhere in ±lr, in
//! PyTorch as here. For those the test checks that the gradient is noise on
//! both sides, and the update within the step's bound. (They never change an
//! output, so this costs nothing but a drift of at most lr per step.)

use std::collections::HashMap;

use crate::common::*;
use base64::Engine;
use candle_core::quantized::{GgmlDType, QTensor};
use candle_core::{Device, Tensor};
use nunchi_models::weights::WeightMap;
use nunchi_models::{EncoderConfig, Pooling};
use nunchi_train::{AdamWOptions, LinearSchedule, Pair, Sequence, TrainableEncoder, Trainer};
use serde_json::Value;

fn b64_f32s(v: &Value) -> Vec<f32> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(v.as_str().expect("base64 string")).expect("base64");
    bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
}

/// The parameters whose gradient is rounding noise (see the module's comment).
fn noise_only(name: &str) -> bool {
    name.ends_with("attention.self.key.bias")
}

/// Max |diff| over the named tensors of `want` (name → base64) against the
/// encoder's, those `skip` names left out.
fn worst_diff(
    encoder: &TrainableEncoder,
    want: &Value,
    skip: impl Fn(&str) -> bool,
    get: impl Fn(&nunchi_train::Param) -> Vec<f32>,
) -> (f32, String) {
    let mut worst = (0f32, String::new());
    for p in encoder.params().iter().filter(|p| !skip(&p.name)) {
        let diff = max_abs_diff(&get(p), &b64_f32s(&want[&p.name]));
        if diff > worst.0 {
            worst = (diff, p.name.clone());
        }
    }
    worst
}

#[test]
fn two_steps_match_pytorch() {
    let path = repo_root().join("tests/goldens/setfit_step.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("skipped: {} is absent (scripts/reference/make_setfit_step_goldens.py writes it)", path.display());
        return;
    };
    let g: Value = serde_json::from_str(&text).expect("golden JSON");
    let config = EncoderConfig::from_json(&g["config"].to_string()).expect("config");
    let mut tensors = HashMap::new();
    for (name, w) in g["weights"].as_object().expect("weights") {
        let dims: Vec<usize> = w["shape"].as_array().unwrap().iter().map(|d| d.as_u64().unwrap() as usize).collect();
        let t = Tensor::from_vec(b64_f32s(&w["data"]), dims, &Device::Cpu).unwrap();
        tensors.insert(name.clone(), QTensor::quantize(&t, GgmlDType::F32).unwrap());
    }
    let encoder = TrainableEncoder::load(&WeightMap::new(tensors), config).expect("load");
    let no_decay: Vec<&str> = g["no_decay"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    for p in encoder.params() {
        assert_eq!(p.decay, !no_decay.contains(&p.name.as_str()), "weight decay group of {}", p.name);
    }

    let seqs: Vec<Sequence> = g["texts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let ids: Vec<u32> = t.as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as u32).collect();
            let types = vec![0; ids.len()];
            (ids, types)
        })
        .collect();
    let batches: Vec<Vec<Pair>> = g["batches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            let pair = |p: &Value| Pair {
                a: p["a"].as_u64().unwrap() as usize,
                b: p["b"].as_u64().unwrap() as usize,
                label: p["label"].as_f64().unwrap() as f32,
            };
            b.as_array().unwrap().iter().map(pair).collect()
        })
        .collect();
    let opts = AdamWOptions {
        weight_decay: g["weight_decay"].as_f64().unwrap(),
        max_grad_norm: Some(g["max_grad_norm"].as_f64().unwrap()),
        ..AdamWOptions::default()
    };
    let schedule = LinearSchedule { warmup: 0, total: batches.len() };
    let mut trainer = Trainer::new(encoder, opts, g["lr"].as_f64().unwrap(), schedule, Pooling::Mean, 0).unwrap();

    let mut lr_sum = 0.0;
    for (k, (batch, want)) in batches.iter().zip(g["steps"].as_array().unwrap()).enumerate() {
        if let Some(want_grads) = want.get("grads") {
            let grads = trainer.loss(&seqs, batch).unwrap().backward().unwrap();
            let flat = |p: &nunchi_train::Param| grads.get(&p.var).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
            let (diff, name) = worst_diff(trainer.encoder(), want_grads, |_| false, flat);
            eprintln!("step {k}: max |grad diff| {diff:.1e} ({name})");
            assert!(diff <= 1e-5, "step {k} gradient of {name}: max |diff| {diff}");
            for p in trainer.encoder().params().iter().filter(|p| noise_only(&p.name)) {
                let (ours, theirs) = (flat(p), b64_f32s(&want_grads[&p.name]));
                let largest = ours.iter().chain(&theirs).fold(0f32, |m, g| m.max(g.abs()));
                assert!(largest < 1e-7, "{}: a gradient of {largest} is not noise", p.name);
            }
        }
        let stats = trainer.step(&seqs, batch).unwrap();
        let (loss, norm, lr) =
            (want["loss"].as_f64().unwrap(), want["grad_norm"].as_f64().unwrap(), want["lr"].as_f64().unwrap());
        assert!((stats.loss as f64 - loss).abs() <= 1e-6, "step {k} loss {} vs {loss}", stats.loss);
        assert!((stats.grad_norm - norm).abs() <= 1e-5 * norm, "step {k} grad norm {} vs {norm}", stats.grad_norm);
        assert!((stats.lr - lr).abs() <= 1e-12, "step {k} lr {} vs {lr}", stats.lr);
        let weights = |p: &nunchi_train::Param| p.var.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        let (diff, name) = worst_diff(trainer.encoder(), &want["weights_after"], noise_only, weights);
        eprintln!("step {k}: loss {} vs {loss}, max |weight diff| {diff:.1e} ({name})", stats.loss);
        assert!(diff <= 1e-5, "step {k} weights of {name}: max |diff| {diff}");
        // Noise-driven updates: each side moved at most about lr per step from the
        // same start (|m̂/√v̂| ≤ 1.002 over two steps), so they differ by at most twice that.
        lr_sum += lr;
        let bound = 2.1 * lr_sum as f32;
        let (diff, name) = worst_diff(trainer.encoder(), &want["weights_after"], |n| !noise_only(n), weights);
        assert!(diff <= bound, "step {k} weights of {name}: max |diff| {diff} past {bound}");
    }
}
