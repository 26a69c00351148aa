//! Checkpoints without `tokenizer.json` (many fine-tuned task models ship only
//! `vocab.txt`, or `vocab.json` + `merges.txt`): the tokenizer built from
//! those files gives the reference tokenizer's ids, and the model its logits.
//! The files are written from the fixtures' own tokenizers
//! (tests/fixtures/encoders/), so PyTorch's goldens still hold.

mod common;

use std::path::Path;

use common::*;
use nunchi_engine::{CpuBackend, ErrorKind, Quant};
use nunchi_models::{ModelFile, TextClassifier};

fn fixture(name: &str) -> std::path::PathBuf {
    repo_root().join("tests/fixtures/encoders").join(name)
}

/// A copy of `name`'s folder without tokenizer.json, with `files` instead.
fn without_tokenizer_json(name: &str, dir: &Path, files: &[(&str, String)]) {
    for file in ["config.json", "model.safetensors"] {
        std::fs::copy(fixture(name).join(file), dir.join(file)).unwrap();
    }
    for (file, text) in files {
        std::fs::write(dir.join(file), text).unwrap();
    }
}

fn tokenizer_json(name: &str) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(fixture(name).join("tokenizer.json")).unwrap()).unwrap()
}

/// The vocabulary's tokens in id order.
fn tokens_by_id(vocab: &serde_json::Map<String, serde_json::Value>) -> Vec<String> {
    let mut pairs: Vec<(u64, &String)> = vocab.iter().map(|(t, id)| (id.as_u64().unwrap(), t)).collect();
    pairs.sort();
    pairs.into_iter().map(|(_, t)| t.clone()).collect()
}

fn check_against_goldens(name: &str, dir: &Path) {
    let g = golden(&format!("encoders/{name}.json"));
    let model = TextClassifier::load(CpuBackend::new(), ModelFile::open(dir, Quant::F32).unwrap()).unwrap();
    for case in g["cases"].as_array().unwrap() {
        let text = case["text"].as_str().unwrap();
        assert_eq!(model.encoder().tokenizer().encode(text).unwrap().ids, u32s(&case["token_ids"]), "{name}: ids of {text:?}");
        let got = model.classify(&[text]).unwrap().remove(0);
        let d = max_abs_diff(&got.logits, &f32s(&case["logits"]));
        assert!(d < 1e-4, "{name}: logits of {text:?} differ by {d}");
    }
}

#[test]
fn a_bert_checkpoint_with_only_vocab_txt() {
    let t = tokenizer_json("bert-cls");
    let vocab = tokens_by_id(t["model"]["vocab"].as_object().unwrap()).join("\n");
    let dir = tempfile::tempdir().unwrap();
    without_tokenizer_json(
        "bert-cls",
        dir.path(),
        &[("vocab.txt", vocab), ("tokenizer_config.json", r#"{"do_lower_case": true}"#.into())],
    );
    check_against_goldens("bert-cls", dir.path());
}

#[test]
fn a_roberta_checkpoint_with_only_vocab_json_and_merges() {
    let t = tokenizer_json("roberta-cls");
    let merges: Vec<String> = t["model"]["merges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect::<Vec<_>>().join(" "))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    without_tokenizer_json(
        "roberta-cls",
        dir.path(),
        &[("vocab.json", t["model"]["vocab"].to_string()), ("merges.txt", format!("#version: 0.2\n{}\n", merges.join("\n")))],
    );
    check_against_goldens("roberta-cls", dir.path());
}

#[test]
fn a_checkpoint_with_no_tokenizer_files_says_what_it_needs() {
    let dir = tempfile::tempdir().unwrap();
    without_tokenizer_json("bert-cls", dir.path(), &[]);
    let err = ModelFile::open(dir.path(), Quant::F32).err().expect("refused");
    assert_eq!(err.kind(), ErrorKind::ModelFormat);
    assert!(err.to_string().contains("vocab.txt") && err.to_string().contains("merges.txt"), "{err}");
}
