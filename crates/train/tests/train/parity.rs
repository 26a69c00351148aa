//! The training forward against the inference encoder on the same weights:
//! pooled embeddings within 1e-5. The inference path (`BertModel`,
//! `SentenceEncoder`) is the reference; the tiny models also check that the
//! trained weights written back by `weight_map` load there under their names.

use std::cell::RefCell;

use crate::common::*;
use nunchi_engine::{CpuBackend, Quant};
use nunchi_models::bert::{BertModel, PackedBatch};
use nunchi_models::tokenizer::TextTokenizer;
use nunchi_models::{EmbedOptions, ModelFile, Pooling, SentenceEncoder};
use nunchi_train::{ModelFineTuning, TrainableEncoder};

/// Mean of each packed span's rows of `hidden` (`[1, tokens, dim]`, row-major).
fn span_means(hidden: &[f32], spans: &[(usize, usize)], dim: usize) -> Vec<f32> {
    let mut out = Vec::new();
    for &(start, len) in spans {
        for d in 0..dim {
            out.push((start..start + len).map(|t| hidden[t * dim + d]).sum::<f32>() / len as f32);
        }
    }
    out
}

fn check_tiny(model_type: &str, act: &str) {
    let config = tiny_config(model_type, act, 2);
    let trainable = TrainableEncoder::load(&random_weights(&config, 7), config.clone()).expect("load trainable");
    // Lengths that pad: the training forward runs padded, the inference one packed.
    let seqs = random_sequences(&[5, 9, 3, 12], 2, 40, 11);
    let got = trainable.embed(&padded(&seqs), Pooling::Mean).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();

    let weights = RefCell::new(trainable.weight_map().expect("weight map"));
    let model = BertModel::load(CpuBackend::new(), &weights, config).expect("inference loads the written weights");
    let packed = PackedBatch::pack(&seqs).unwrap();
    let hidden = model.forward_packed(&packed).unwrap();
    let want = span_means(&hidden.flatten_all().unwrap().to_vec1::<f32>().unwrap(), &packed.spans, 16);
    let diff = max_abs_diff(&got, &want);
    assert!(diff <= 1e-5, "{model_type}/{act}: max |diff| {diff}");
}

#[test]
fn tiny_bert_matches_inference() {
    check_tiny("bert", "gelu");
}

#[test]
fn tiny_variants_and_activations_match_inference() {
    check_tiny("roberta", "gelu");
    check_tiny("distilbert", "gelu");
    check_tiny("electra", "gelu");
    check_tiny("bert", "gelu_new");
    check_tiny("bert", "relu");
}

#[test]
fn minilm_matches_the_sentence_encoder() {
    let path = model_path("all-MiniLM-L6-v2");
    let file = ModelFile::open(&path, Quant::F32).expect("open MiniLM");
    let config = nunchi_models::EncoderConfig::from_json(&file.config_json).unwrap();
    let trainable = TrainableEncoder::load(&file.weights, config).expect("load trainable MiniLM");
    let encoder = SentenceEncoder::load(CpuBackend::new(), file).expect("load inference MiniLM");

    let texts =
        ["The film was a triumph.", "Terrible service, never again", "ok", "Where is the nearest train station from here?"];
    let opts = EmbedOptions { pooling: Pooling::Mean, normalize: false };
    let want = encoder.embed(&texts, &opts).unwrap().data;
    let seqs: Vec<_> = texts.iter().map(|t| encoder.tokenizer().encode(t).map(|e| (e.ids, e.type_ids)).unwrap()).collect();
    let got = trainable.embed(&padded(&seqs), Pooling::Mean).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
    let diff = max_abs_diff(&got, &want);
    eprintln!("MiniLM f32: max |training − inference| = {diff:.2e}");
    assert!(diff <= 1e-5, "max |diff| {diff}");
}

#[test]
fn q8_weights_are_dequantized_and_q4_refused() {
    let f32_file = ModelFile::open(&model_path("all-MiniLM-L6-v2"), Quant::F32).expect("open f32");
    let q8_file = ModelFile::open(&model_path("all-MiniLM-L6-v2-q8_0.gguf"), Quant::Q8_0).expect("open q8_0");
    let config = nunchi_models::EncoderConfig::from_json(&q8_file.config_json).unwrap();
    let exact = TrainableEncoder::load(&f32_file.weights, config.clone()).expect("f32 loads");
    let dequantized = TrainableEncoder::load(&q8_file.weights, config.clone()).expect("q8_0 loads, dequantized");
    let tokenizer = TextTokenizer::from_json(&q8_file.tokenizer_json, 128).unwrap();
    let seqs: Vec<_> = ["A slow, tender film.", "Refund my order now"]
        .iter()
        .map(|t| tokenizer.encode(t).map(|e| (e.ids, e.type_ids)).unwrap())
        .collect();
    let embed = |e: &TrainableEncoder| e.embed(&padded(&seqs), Pooling::Mean).unwrap().to_vec2::<f32>().unwrap();
    let (want, got) = (embed(&exact), embed(&dequantized));
    for (w, g) in want.iter().zip(&got) {
        let cos = cosine(w, g);
        eprintln!("q8_0 dequantized vs f32: cosine {cos:.6}");
        assert!(cos >= 0.999, "cosine {cos}");
    }

    let q4_file = ModelFile::open(&model_path("all-MiniLM-L6-v2-q4_0.gguf"), Quant::Q4_0).expect("open q4_0");
    let err = TrainableEncoder::load(&q4_file.weights, config).err().expect("q4_0 weights are refused");
    assert_eq!(err.code(), "E_INPUT");
    assert!(err.message().contains("float or q8_0 weights"), "{err}");
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (norm(a) * norm(b))
}

#[test]
fn examples_are_checked_before_the_weights_load_and_before_the_prefix() {
    // q4_0 weights cannot be trained: an error about the examples here proves
    // they were checked first, and an empty text stays empty after "query: ".
    let q4_file = ModelFile::open(&model_path("all-MiniLM-L6-v2-q4_0.gguf"), Quant::Q4_0).expect("open q4_0");
    let opts = nunchi_train::FineTuneOptions::default();
    let texts = ["great film", "  ", "dull", "boring"];
    let labels = ["pos", "pos", "neg", "neg"];
    let err = ModelFineTuning::new(&q4_file, &texts, &labels, "query: ", &opts).err().expect("an empty text is refused");
    assert_eq!(err.code(), "E_INPUT");
    assert!(err.message().contains("text 1 is empty"), "{err}");

    let err = ModelFineTuning::new(&q4_file, &texts, &labels[..3], "", &opts).err().expect("a missing label is refused");
    assert!(err.message().contains("4 texts but 3 labels"), "{err}");

    let texts = ["great film", "fine", "dull", "boring"];
    let err = ModelFineTuning::new(&q4_file, &texts, &labels, "", &opts).err().expect("q4_0 weights are refused");
    assert!(err.message().contains("float or q8_0 weights"), "{err}");
}
