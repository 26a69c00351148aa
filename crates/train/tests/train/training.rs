//! Training end to end on tiny encoders: AdamW steps lower the loss on a
//! separable toy set, a seed gives the same run bit for bit, the schedule and
//! clipping follow transformers' and PyTorch's rules, and `fine_tune` runs
//! SetFit's whole embedding phase with a real tokenizer.

use std::cell::RefCell;

use crate::common::*;
use candle_core::{Device, Tensor, Var};
use nunchi_engine::CpuBackend;
use nunchi_models::bert::BertModel;
use nunchi_models::tokenizer::TextTokenizer;
use nunchi_models::Pooling;
use nunchi_train::dropout::Dropout;
use nunchi_train::optimizer::clip_grad_norm;
use nunchi_train::pairs::contrastive_pairs;
use nunchi_train::{fine_tune, AdamWOptions, FineTuneOptions, FineTuning, LinearSchedule, Sequence, TrainableEncoder, Trainer};

/// Two classes of token sequences whose vocabularies do not overlap.
fn toy_set() -> (Vec<Sequence>, Vec<usize>) {
    let mut seqs = random_sequences(&[4, 6, 3, 5, 6, 4], 2, 21, 1);
    seqs.extend(random_sequences(&[5, 3, 6, 4, 4, 6], 21, 40, 2));
    (seqs, [0; 6].into_iter().chain([1; 6]).collect())
}

/// Higher than SetFit's 2e-5: a tiny random encoder, and a few steps.
const LR: f64 = 5e-3;

fn trainer(lr: f64, total: usize, seed: u64) -> Trainer {
    let config = tiny_config("bert", "gelu", 2);
    let encoder = TrainableEncoder::load(&random_weights(&config, seed), config).unwrap();
    Trainer::new(encoder, AdamWOptions::default(), lr, LinearSchedule { warmup: 0, total }, Pooling::Mean, 0).unwrap()
}

/// Runs `steps` steps over the toy set's pairs in batches of 16; returns the
/// whole set's loss before and after, and the per-step batch losses.
fn run(steps: usize, seed: u64) -> (f32, f32, Vec<f32>, Trainer) {
    run_with(trainer(LR, steps, seed), steps, seed)
}

fn run_with(mut t: Trainer, steps: usize, seed: u64) -> (f32, f32, Vec<f32>, Trainer) {
    let (seqs, labels) = toy_set();
    let texts = vec!["x"; seqs.len()];
    let pairs = contrastive_pairs(&texts, &labels, 4, seed).unwrap();
    let eval = |t: &Trainer| t.loss(&seqs, &pairs).unwrap().to_scalar::<f32>().unwrap();
    let before = eval(&t);
    let losses: Vec<f32> = pairs.chunks(16).cycle().take(steps).map(|batch| t.step(&seqs, batch).unwrap().loss).collect();
    (before, eval(&t), losses, t)
}

#[test]
fn adamw_steps_lower_the_loss_on_a_separable_set() {
    let (before, after, losses, _) = run(20, 5);
    eprintln!("toy set loss: {before:.4} before, {after:.4} after 20 steps; batch losses {losses:?}");
    assert!(after < 0.25 * before, "loss {before} -> {after}");
}

#[test]
fn a_seed_gives_the_same_run() {
    let (b1, a1, l1, t1) = run(3, 8);
    let (b2, a2, l2, t2) = run(3, 8);
    assert_eq!((b1.to_bits(), a1.to_bits()), (b2.to_bits(), a2.to_bits()));
    assert_eq!(l1, l2);
    for (p, q) in t1.encoder().params().iter().zip(t2.encoder().params()) {
        let (p, q) =
            (p.var.flatten_all().unwrap().to_vec1::<f32>().unwrap(), q.var.flatten_all().unwrap().to_vec1::<f32>().unwrap());
        assert!(p.iter().zip(&q).all(|(x, y)| x.to_bits() == y.to_bits()));
    }
}

#[test]
fn the_schedule_warms_up_then_decays_linearly() {
    let s = LinearSchedule::new(10, 0.1);
    assert_eq!(s.warmup, 1);
    let factors: Vec<f64> = (0..10).map(|k| s.factor(k)).collect();
    assert_eq!(factors[0], 0.0);
    assert_eq!(factors[1], 1.0);
    assert!((factors[5] - 5.0 / 9.0).abs() < 1e-15);
    assert!((factors[9] - 1.0 / 9.0).abs() < 1e-15);
    // Python's math.ceil(total * ratio).
    assert_eq!(LinearSchedule::new(25, 0.1).warmup, 3);
    assert_eq!(LinearSchedule::new(30, 0.1).warmup, 3);
    assert_eq!(LinearSchedule::new(5, 0.0).warmup, 0);
    assert_eq!(LinearSchedule::new(5, 0.0).factor(0), 1.0);
    let s = LinearSchedule::new(4, 0.5);
    assert_eq!((0..4).map(|k| s.factor(k)).collect::<Vec<_>>(), vec![0.0, 0.5, 1.0, 0.5]);
}

#[test]
fn clipping_scales_gradients_to_the_max_norm() {
    let dev = Device::Cpu;
    let a = Var::from_tensor(&Tensor::new(&[3f32, 0.0], &dev).unwrap()).unwrap();
    let b = Var::from_tensor(&Tensor::new(&[4f32], &dev).unwrap()).unwrap();
    // d/dx of x·x summed is 2x: gradients [6, 0] and [8], norm 10.
    let loss = (a.sqr().unwrap().sum_all().unwrap() + b.sqr().unwrap().sum_all().unwrap()).unwrap();
    let mut grads = loss.backward().unwrap();
    let norm = clip_grad_norm(&[a.clone(), b.clone()], &mut grads, Some(1.0)).unwrap();
    assert!((norm - 10.0).abs() < 1e-9);
    let ga = grads.get(&a).unwrap().to_vec1::<f32>().unwrap();
    let gb = grads.get(&b).unwrap().to_vec1::<f32>().unwrap();
    let coef = (1.0 / (10.0 + 1e-6)) as f32;
    assert_eq!(ga, vec![6.0 * coef, 0.0]);
    assert_eq!(gb, vec![8.0 * coef]);
}

#[test]
fn dropout_zeroes_its_share_and_scales_the_rest() {
    let x = Tensor::ones(200_000, candle_core::DType::F32, &Device::Cpu).unwrap();
    let y = Dropout::new(0.1, 9).apply(&x).unwrap().to_vec1::<f32>().unwrap();
    let zeroed = y.iter().filter(|&&v| v == 0.0).count() as f64 / y.len() as f64;
    let mean = y.iter().map(|&v| v as f64).sum::<f64>() / y.len() as f64;
    assert!((zeroed - 0.1).abs() < 0.005, "share zeroed {zeroed}");
    assert!((mean - 1.0).abs() < 0.01, "mean {mean}: the kept elements are scaled by 1/(1 - p)");
    assert!(y.iter().all(|&v| v == 0.0 || (v - 1.0 / 0.9).abs() < 1e-6));
    assert_eq!(Dropout::off().apply(&x).unwrap().to_vec1::<f32>().unwrap(), vec![1.0; 200_000]);
    // The same seed draws the same masks.
    assert_eq!(Dropout::new(0.1, 9).apply(&x).unwrap().to_vec1::<f32>().unwrap(), y);
}

#[test]
fn training_with_dropout_is_seeded_and_still_learns() {
    let with_dropout = |seed| trainer(LR, 20, 5).with_dropout(0.1, seed).unwrap();
    let (before, after, losses, _) = run_with(with_dropout(3), 20, 5);
    let (_, again, losses_again, _) = run_with(with_dropout(3), 20, 5);
    let (_, _, other_masks, _) = run_with(with_dropout(4), 20, 5);
    let (_, _, no_dropout, _) = run(20, 5);
    eprintln!("toy set loss with dropout 0.1: {before:.4} before, {after:.4} after 20 steps");
    assert!(after < 0.25 * before, "loss {before} -> {after}");
    assert_eq!((losses.clone(), after.to_bits()), (losses_again, again.to_bits()));
    assert_ne!(losses, other_masks, "another dropout seed draws other masks");
    // The first step's weights are the same in both runs: only its masks differ.
    assert_ne!(losses[0], no_dropout[0], "dropout acts in the training forward");
    assert!(trainer(LR, 1, 5).with_dropout(1.0, 0).is_err(), "p = 1 would zero everything");
}

#[test]
fn fine_tuning_one_step_at_a_time_is_fine_tune() {
    let json = std::fs::read_to_string(model_path("all-MiniLM-L6-v2").join("tokenizer.json")).unwrap();
    let tokenizer = TextTokenizer::from_json(&json, 32).unwrap();
    let config = tiny_vocab_config();
    let texts = ["loved it", "a delight", "wonderful acting", "hated it", "a bore", "awful plot"];
    let labels = ["pos", "pos", "pos", "neg", "neg", "neg"];
    let opts = FineTuneOptions { num_iterations: 3, learning_rate: 1e-3, epochs: 2, ..FineTuneOptions::default() };
    let load = || TrainableEncoder::load(&random_weights(&config, 4), config.clone()).unwrap();
    let (whole, report) = fine_tune(load(), &tokenizer, Pooling::Mean, &texts, &labels, &opts, |_, _, _| {}).unwrap();

    let mut run = FineTuning::new(load(), &tokenizer, Pooling::Mean, &texts, &labels, &opts).unwrap();
    // 3 iterations × 6 × 2 = 36 pairs: 3 batches an epoch, 2 epochs.
    assert_eq!((run.total_steps(), run.steps_done()), (6, 0));
    let mut losses = Vec::new();
    // Every other step has its forward run ahead (as the package does to time
    // the first): the run is the same, and running ahead twice runs once.
    while run.steps_done() % 2 == 1 || (run.forward_next().unwrap() && run.forward_next().unwrap()) {
        let Some(stats) = run.step().unwrap() else { break };
        losses.push(stats.loss);
    }
    assert!(run.is_done() && run.step().unwrap().is_none() && !run.forward_next().unwrap());
    assert_eq!(losses, report.losses);
    for (p, q) in run.encoder().params().iter().zip(whole.params()) {
        let diff = (p.var.as_tensor() - q.var.as_tensor()).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
        assert_eq!(diff, 0.0, "{}", p.name);
    }
}

/// A one-layer encoder over MiniLM's vocabulary, for runs with its tokenizer.
fn tiny_vocab_config() -> nunchi_models::EncoderConfig {
    let config = serde_json::json!({
        "model_type": "bert", "vocab_size": 30522, "hidden_size": 16, "num_hidden_layers": 1,
        "num_attention_heads": 2, "intermediate_size": 24, "max_position_embeddings": 32,
    });
    nunchi_models::EncoderConfig::from_json(&config.to_string()).unwrap()
}

/// SetFit's run with MiniLM's tokenizer over a tiny encoder of its vocabulary.
#[test]
fn fine_tune_runs_setfits_embedding_phase() {
    let json = std::fs::read_to_string(model_path("all-MiniLM-L6-v2").join("tokenizer.json")).unwrap();
    let tokenizer = TextTokenizer::from_json(&json, 32).unwrap();
    let config = tiny_vocab_config();
    let encoder = TrainableEncoder::load(&random_weights(&config, 4), config).unwrap();
    let texts = ["loved it", "a delight", "wonderful acting", "hated it", "a bore", "awful plot"];
    let labels = ["pos", "pos", "pos", "neg", "neg", "neg"];
    let opts = FineTuneOptions { num_iterations: 2, learning_rate: 1e-3, ..FineTuneOptions::default() };
    let mut seen = Vec::new();
    let (trained, report) =
        fine_tune(encoder, &tokenizer, Pooling::Mean, &texts, &labels, &opts, |step, total, s| seen.push((step, total, s.lr)))
            .unwrap();
    // 2 iterations × 6 examples × (positive + negative) = 24 pairs: 2 batches of 16 and 8.
    assert_eq!((report.pairs, report.steps, report.losses.len()), (24, 2, 2));
    // warm-up ceil(0.2) = 1 step: the first step's rate is 0, the second's the peak.
    assert_eq!(seen, vec![(1, 2, 0.0), (2, 2, 1e-3)]);
    assert_eq!(trained.params().len(), TrainableEncoder::parameter_shapes(trained.config()).unwrap().len());

    // The trained weights, written back, embed in the inference model as in training.
    let seqs: Vec<Sequence> = texts.iter().map(|t| tokenizer.encode(t).map(|e| (e.ids, e.type_ids)).unwrap()).collect();
    let got = trained.embed(&padded(&seqs), Pooling::Mean).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
    let weights = RefCell::new(trained.weight_map().unwrap());
    let model = BertModel::load(CpuBackend::new(), &weights, trained.config().clone()).unwrap();
    let mut want = Vec::new();
    for seq in &seqs {
        let hidden = model.forward(&padded(std::slice::from_ref(seq))).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
        let len = seq.0.len();
        want.extend((0..16).map(|d| (0..len).map(|t| hidden[t * 16 + d]).sum::<f32>() / len as f32));
    }
    assert!(max_abs_diff(&got, &want) <= 1e-5, "max |diff| {}", max_abs_diff(&got, &want));
}
