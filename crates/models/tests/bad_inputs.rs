//! Bad input gets a clear error with the right kind, never a panic.

mod common;

use common::*;
use nunchi_engine::{CpuBackend, ErrorKind, Quant};
use nunchi_models::{ModelFile, SentenceEncoder, Text2Text};

fn gguf_bytes(name: &str) -> Vec<u8> {
    std::fs::read(model_path(name)).unwrap()
}

fn format_error(bytes: &[u8]) -> String {
    match ModelFile::from_gguf_bytes(bytes) {
        Ok(_) => panic!("a broken file was accepted"),
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::ModelFormat, "{e}");
            e.to_string()
        }
    }
}

#[test]
fn truncated_gguf_is_a_format_error() {
    let bytes = gguf_bytes("all-MiniLM-L6-v2-q8_0.gguf");
    for cut in [10, 1000, bytes.len() / 2, bytes.len() - 1] {
        let msg = format_error(&bytes[..cut]);
        assert!(!msg.is_empty());
    }
}

#[test]
fn wrong_magic_is_a_format_error() {
    let mut bytes = gguf_bytes("all-MiniLM-L6-v2-q8_0.gguf");
    bytes[0] = b'X';
    assert!(format_error(&bytes).contains("magic"));
    assert!(format_error(b"").contains("magic"));
}

#[test]
fn a_gguf_of_the_other_architecture_is_refused() {
    let t5_file = ModelFile::from_gguf_bytes(&gguf_bytes("flan-t5-small-generated-q4_0.gguf")).unwrap();
    let err = SentenceEncoder::load(CpuBackend::new(), t5_file).err().expect("refused");
    assert_eq!(err.kind(), ErrorKind::ModelFormat);
    assert!(err.to_string().contains("t5"), "{err}");
    let bert_file = ModelFile::from_gguf_bytes(&gguf_bytes("all-MiniLM-L6-v2-q8_0.gguf")).unwrap();
    let err = Text2Text::load(CpuBackend::new(), bert_file).err().expect("refused");
    assert!(err.to_string().contains("bert"), "{err}");
}

#[test]
fn a_tokenizer_that_does_not_fit_the_vocabulary_is_refused() {
    // The T5 tokenizer (32,100 ids) with MiniLM's weights (30,522 rows).
    let mut file = open("all-MiniLM-L6-v2-q8_0.gguf", Quant::Q8_0);
    file.tokenizer_json = std::fs::read_to_string(model_path("flan-t5-small-generated-tiny").join("tokenizer.json")).unwrap();
    let err = SentenceEncoder::load(CpuBackend::new(), file).err().expect("refused");
    assert_eq!(err.kind(), ErrorKind::ModelFormat);
    assert!(err.to_string().contains("do not belong together"), "{err}");
}

#[test]
fn a_tensor_of_the_wrong_shape_is_refused() {
    let mut file = open("flan-t5-small-generated-tiny", Quant::F32);
    file.config_json = file.config_json.replace("\"d_ff\": 128", "\"d_ff\": 256");
    let err = Text2Text::load(CpuBackend::new(), file).err().expect("refused");
    assert_eq!(err.kind(), ErrorKind::ModelFormat);
    assert!(err.to_string().contains("shape"), "{err}");
}

#[test]
fn empty_batches_and_bad_options_are_input_errors() {
    let enc = SentenceEncoder::load(CpuBackend::new(), open("all-MiniLM-L6-v2-q8_0.gguf", Quant::Q8_0)).unwrap();
    let err = enc.embed(&[], &enc.default_options()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Input);
    assert_eq!(nunchi_models::Pooling::parse("max").unwrap_err().kind(), ErrorKind::Input);
    assert_eq!(Quant::parse("q2").unwrap_err().kind(), ErrorKind::Input);

    let t5 = Text2Text::load(CpuBackend::new(), open("flan-t5-small-generated-tiny", Quant::Q8_0)).unwrap();
    assert_eq!(t5.score("prompt", &[]).unwrap_err().kind(), ErrorKind::Input);
    let mut opts = nunchi_models::GenerateOptions::default();
    opts.sampling.top_p = 1.5;
    let err = t5.generate("x", &opts, |_| nunchi_models::Flow::Continue).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Input);
}

#[test]
fn an_empty_text_and_a_huge_prompt_still_work() {
    let enc = SentenceEncoder::load(CpuBackend::new(), open("all-MiniLM-L6-v2-q8_0.gguf", Quant::Q8_0)).unwrap();
    let e = enc.embed(&[""], &enc.default_options()).unwrap();
    assert!(e.row(0).iter().all(|x| x.is_finite()));

    let t5 = Text2Text::load(CpuBackend::new(), open("flan-t5-small-generated-tiny", Quant::Q8_0)).unwrap();
    let huge = "customers say the parcel was late. ".repeat(3000);
    let opts = nunchi_models::GenerateOptions { max_new_tokens: 2, ..Default::default() };
    let g = t5.generate(&huge, &opts, |_| nunchi_models::Flow::Continue).unwrap();
    assert!(g.prompt_truncated > 10_000, "dropped {}", g.prompt_truncated);
    let g = t5.generate("", &opts, |_| nunchi_models::Flow::Continue).unwrap();
    assert!(g.tokens.len() <= 2);
}

#[test]
fn gguf_round_trip_keeps_metadata_and_tensors() {
    let file = open("flan-t5-small-generated-tiny", Quant::Q8_0);
    let mut buf = std::io::Cursor::new(Vec::new());
    file.write_gguf(&mut buf).unwrap();
    let back = ModelFile::from_gguf_bytes(buf.get_ref()).unwrap();
    assert_eq!(back.arch, file.arch);
    assert_eq!(back.meta, file.meta);
    assert!(back.meta.test_weights, "generated weights stay marked as test weights");
    assert_eq!(back.weights.len(), file.weights.len());
    assert_eq!(back.config_json, file.config_json);
}
