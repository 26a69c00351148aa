//! Every encoder variant and its classification head against PyTorch
//! `transformers`: small seeded models (tests/fixtures/encoders/, written by
//! scripts/reference/make_classifier_fixtures.py) and their goldens
//! (tests/goldens/encoders/, make_classifier_goldens.py). Tolerances: f32
//! within 1e-4 absolute on hidden states, logits and scores (summation order
//! differs); q8_0 logits cosine ≥ 0.999 to the f32 reference.

mod common;

use common::*;
use std::path::Path;

use nunchi_engine::{CpuBackend, ErrorKind, Quant};
use nunchi_models::{EmbedOptions, ModelFile, Pooling, TextClassifier};

const VARIANTS: &[&str] =
    &["bert-cls", "distilbert-cls", "roberta-cls", "xlm-roberta-cls", "electra-cls", "mpnet-cls", "deberta-v2-cls"];

fn fixture(name: &str) -> std::path::PathBuf {
    repo_root().join("tests/fixtures/encoders").join(name)
}

fn classifier(name: &str, quant: Quant) -> TextClassifier<CpuBackend> {
    let file = ModelFile::open(&fixture(name), quant).unwrap_or_else(|e| panic!("opening {name}: {e}"));
    TextClassifier::load(CpuBackend::new(), file).unwrap_or_else(|e| panic!("loading {name}: {e}"))
}

fn cases(g: &serde_json::Value) -> &Vec<serde_json::Value> {
    g["cases"].as_array().expect("cases")
}

#[test]
fn token_ids_and_hidden_states_match_transformers() {
    for name in VARIANTS {
        let g = golden(&format!("encoders/{name}.json"));
        let model = classifier(name, Quant::F32);
        let tokens = EmbedOptions { pooling: Pooling::None, normalize: false };
        let mut worst = 0f32;
        for case in cases(&g) {
            let text = case["text"].as_str().unwrap();
            let enc = model.encoder().tokenizer().encode(text).unwrap();
            assert_eq!(enc.ids, u32s(&case["token_ids"]), "{name}: token ids of {text:?}");
            let hidden = model.encoder().embed(&[text], &tokens).unwrap();
            let d = max_abs_diff(&hidden.data, &b64_f32s(&case["hidden_b64"]));
            worst = worst.max(d);
            assert!(d < 1e-4, "{name}: hidden states of {text:?} differ by {d}");
        }
        eprintln!("{name}: hidden states within {worst:.2e} of transformers");
    }
}

#[test]
fn f32_logits_and_scores_match_transformers_alone_and_in_a_batch() {
    for name in VARIANTS {
        let g = golden(&format!("encoders/{name}.json"));
        let model = classifier(name, Quant::F32);
        let labels: Vec<String> =
            (0..model.labels().len()).map(|i| g["id2label"][i.to_string()].as_str().unwrap().into()).collect();
        assert_eq!(model.labels(), labels, "{name}: labels in id order");
        let texts: Vec<&str> = cases(&g).iter().map(|c| c["text"].as_str().unwrap()).collect();
        let batch = model.classify(&texts).unwrap();
        let mut worst = 0f32;
        for (i, case) in cases(&g).iter().enumerate() {
            let alone = model.classify(&[texts[i]]).unwrap().remove(0);
            for (got, what) in [(&alone, "alone"), (&batch[i], "in a batch")] {
                for key in ["logits", "scores"] {
                    let value = if key == "logits" { &got.logits } else { &got.scores };
                    let d = max_abs_diff(value, &f32s(&case[key]));
                    worst = worst.max(d);
                    assert!(d < 1e-4, "{name}: {key} of {:?} {what} differ by {d}", texts[i]);
                }
            }
        }
        eprintln!("{name}: logits and scores within {worst:.2e} of transformers");
    }
}

#[test]
fn q8_0_logits_keep_their_direction() {
    for name in VARIANTS {
        let g = golden(&format!("encoders/{name}.json"));
        let model = classifier(name, Quant::Q8_0);
        let mut min = 1f32;
        for case in cases(&g) {
            let got = model.classify(&[case["text"].as_str().unwrap()]).unwrap().remove(0);
            min = min.min(cosine(&got.logits, &f32s(&case["logits"])));
        }
        eprintln!("{name}: q8_0 logits min cosine {min:.5}");
        assert!(min >= 0.999, "{name}: q8_0 logits cosine {min}");
    }
}

#[test]
fn a_model_without_a_head_or_of_another_architecture_is_refused_with_what_was_found() {
    let encoder = open("all-MiniLM-L6-v2", Quant::F32);
    let err = TextClassifier::load(CpuBackend::new(), encoder).err().expect("refused");
    assert_eq!(err.kind(), ErrorKind::ModelFormat);
    assert!(
        err.to_string().contains("no sequence-classification head") && err.to_string().contains("BertForSequenceClassification"),
        "{err}"
    );

    let dir = tempfile::tempdir().unwrap();
    for file in ["config.json", "tokenizer.json", "model.safetensors"] {
        std::fs::copy(fixture("bert-cls").join(file), dir.path().join(file)).unwrap();
    }
    let config = std::fs::read_to_string(dir.path().join("config.json")).unwrap();
    std::fs::write(dir.path().join("config.json"), config.replace("\"model_type\": \"bert\"", "\"model_type\": \"gpt2\""))
        .unwrap();
    let err = ModelFile::open(dir.path(), Quant::F32).err().expect("refused");
    assert_eq!(err.kind(), ErrorKind::ModelFormat);
    assert!(err.to_string().contains("gpt2") && err.to_string().contains("deberta-v2"), "{err}");
}

#[test]
fn a_head_whose_label_count_disagrees_with_id2label_is_refused() {
    let mut file = ModelFile::open(&fixture("bert-cls"), Quant::F32).unwrap();
    file.config_json = file.config_json.replace("\"2\": \"positive\"", "\"2\": \"positive\", \"3\": \"mixed\"");
    let err = TextClassifier::load(CpuBackend::new(), file).err().expect("refused");
    assert_eq!(err.kind(), ErrorKind::ModelFormat);
    assert!(err.to_string().contains("3 scores") && err.to_string().contains("4 labels"), "{err}");
}

/// The padded path (what WebGPU runs: one batch, a key mask, MPNet's position
/// bias added to it) gives each text's hidden states as it has alone.
#[test]
fn a_padded_batch_gives_each_texts_hidden_states() {
    use nunchi_models::bert::{Batch, BertModel};
    use nunchi_models::EncoderConfig;
    for name in VARIANTS {
        let g = golden(&format!("encoders/{name}.json"));
        let file = ModelFile::open(&fixture(name), Quant::F32).unwrap();
        let config = EncoderConfig::from_json(&file.config_json).unwrap();
        let model = BertModel::load(CpuBackend::new(), &std::cell::RefCell::new(file.weights), config).unwrap();
        let seqs: Vec<(Vec<u32>, Vec<u32>)> = cases(&g).iter().map(|c| (u32s(&c["token_ids"]), vec![])).collect();
        let pad = g["pad_token_id"].as_u64().unwrap() as u32;
        let batch = Batch::pad(&seqs, pad).unwrap();
        let hidden = nunchi_engine::Backend::to_vec(model.backend(), &model.forward(&batch).unwrap()).unwrap();
        let dim = model.config().hidden_size;
        for (row, case) in cases(&g).iter().enumerate() {
            let want = b64_f32s(&case["hidden_b64"]);
            let start = row * batch.seq_len * dim;
            let d = max_abs_diff(&hidden[start..start + want.len()], &want);
            assert!(d < 1e-4, "{name}: padded hidden states of row {row} differ by {d}");
        }
    }
}

/// `nunchi convert`'s GGUF keeps a task model whole: the variant (its
/// `general.architecture`), the head, the labels and the tokenizer, so the
/// converted file classifies bit for bit as the folder quantized on load.
#[test]
fn a_converted_gguf_classifies_as_the_folder_does() {
    for name in VARIANTS {
        let texts: Vec<String> =
            cases(&golden(&format!("encoders/{name}.json"))).iter().map(|c| c["text"].as_str().unwrap().to_string()).collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let folder = ModelFile::open(&fixture(name), Quant::Q8_0).unwrap();
        let mut bytes = std::io::Cursor::new(Vec::new());
        folder.write_gguf(&mut bytes).unwrap();
        let gguf = ModelFile::from_gguf_bytes(bytes.get_ref()).unwrap();
        assert_eq!(gguf.arch, folder.arch, "{name}");
        let from_gguf = TextClassifier::load(CpuBackend::new(), gguf).unwrap();
        let from_folder = classifier(name, Quant::Q8_0);
        assert_eq!(from_gguf.labels(), from_folder.labels(), "{name}");
        assert_eq!(from_gguf.classify(&refs).unwrap(), from_folder.classify(&refs).unwrap(), "{name}");
    }
}

// ---- Checkpoints without `tokenizer.json` (many fine-tuned task models ship only
// `vocab.txt`, or `vocab.json` + `merges.txt`): the tokenizer built from those
// files gives the reference tokenizer's ids, and the model its logits. The files
// are written from the fixtures' own tokenizers, so PyTorch's goldens still hold.

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
