//! Every `--quant` format and every Hugging Face float dtype load and run,
//! with accuracy ordered as expected (f16 ≈ f32 > q8_0 > 4-bit).

mod common;

use std::collections::HashMap;

use candle_core::{DType, Device, Tensor};
use common::*;
use nunchi_engine::{Backend, CpuBackend, Quant};
use nunchi_models::model_file::storage_summary;
use nunchi_models::{ModelFile, Text2Text};

/// Logits of the first two decoder steps for a fixed prompt.
fn logits(file: ModelFile) -> Vec<f32> {
    let t5 = Text2Text::load(CpuBackend::new(), file).unwrap();
    let m = t5.model();
    let ids = t5.tokenizer().encode("Is the following sentence positive or negative? it is a joy").unwrap().ids;
    let enc = m.encode(&ids, &vec![1.0; ids.len()], 1, ids.len()).unwrap();
    let mut state = m.start_decoding(&enc, 1).unwrap();
    let mut out = m.backend().to_vec(&m.decode(&mut state, &[0], 1).unwrap()).unwrap();
    out.extend(m.backend().to_vec(&m.decode(&mut state, &[37], 1).unwrap()).unwrap());
    out
}

#[test]
fn each_quant_format_runs_with_expected_accuracy() {
    let reference = logits(open("flan-t5-small-generated", Quant::F32));
    for (quant, floor) in [(Quant::F16, 0.9999), (Quant::Q8_0, 0.995), (Quant::Q4K, 0.9), (Quant::Q4_0, 0.85)] {
        let file = open("flan-t5-small-generated", quant);
        let summary = storage_summary(&file.weights);
        let c = cosine(&logits(file), &reference);
        eprintln!("{}: logits cosine to f32 {c:.5}; tensors {summary:?}", quant.name());
        assert!(c >= floor, "{}: cosine {c}", quant.name());
    }
}

#[test]
fn f16_and_bf16_checkpoints_load() {
    let src = model_path("flan-t5-small-generated-tiny");
    let reference = logits(open("flan-t5-small-generated-tiny", Quant::F32));
    let tensors = candle_core::safetensors::load(src.join("model.safetensors"), &Device::Cpu).unwrap();
    for dtype in [DType::F16, DType::BF16] {
        let dir = tempfile::tempdir().unwrap();
        for f in ["config.json", "tokenizer.json"] {
            std::fs::copy(src.join(f), dir.path().join(f)).unwrap();
        }
        let converted: HashMap<String, Tensor> = tensors.iter().map(|(k, v)| (k.clone(), v.to_dtype(dtype).unwrap())).collect();
        candle_core::safetensors::save(&converted, dir.path().join("model.safetensors")).unwrap();
        let file = ModelFile::open(dir.path(), Quant::F32).unwrap();
        assert!(!file.meta.test_weights, "no marker copied, so not flagged");
        let c = cosine(&logits(file), &reference);
        eprintln!("{dtype:?} checkpoint: logits cosine to f32 {c:.5}");
        assert!(c > 0.999, "{dtype:?}: cosine {c}");
    }
}
