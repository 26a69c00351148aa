//! A second, independent oracle: candle-transformers' own BERT and T5, run
//! natively on the same safetensors. Ours must agree with it as with PyTorch.

mod common;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::{bert, t5};
use common::*;
use nunchi_engine::{Backend, CpuBackend, Quant};
use nunchi_models::{EmbedOptions, Pooling, SentenceEncoder, Text2Text};

fn var_builder(folder: &str) -> VarBuilder<'static> {
    let st = model_path(folder).join("model.safetensors");
    unsafe { VarBuilder::from_mmaped_safetensors(&[st], DType::F32, &Device::Cpu).unwrap() }
}

#[test]
fn minilm_token_vectors_match_candle_transformers() {
    let folder = "all-MiniLM-L6-v2";
    let config: bert::Config =
        serde_json::from_str(&std::fs::read_to_string(model_path(folder).join("config.json")).unwrap()).unwrap();
    let theirs = bert::BertModel::load(var_builder(folder), &config).unwrap();
    let ours = SentenceEncoder::load(CpuBackend::new(), open(folder, Quant::F32)).unwrap();
    let opts = EmbedOptions { pooling: Pooling::None, normalize: false };
    for text in ["A gripping, beautifully shot film.", "", "이 영화 정말 재미있어요", "the plot? ... meh"] {
        let ids = ours.tokenizer().encode(text).unwrap().ids;
        let input = Tensor::new(ids.as_slice(), &Device::Cpu).unwrap().unsqueeze(0).unwrap();
        let types = input.zeros_like().unwrap();
        let want = theirs.forward(&input, &types, None).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
        let got = ours.embed(&[text], &opts).unwrap().data;
        let d = max_abs_diff(&got, &want);
        assert!(d < 1e-4, "token vectors of {text:?}: max abs diff {d}");
    }
}

#[test]
fn t5_logits_match_candle_transformers() {
    for folder in ["flan-t5-small-generated-tiny", "flan-t5-small-generated"] {
        let config: t5::Config =
            serde_json::from_str(&std::fs::read_to_string(model_path(folder).join("config.json")).unwrap()).unwrap();
        let mut theirs = t5::T5ForConditionalGeneration::load(var_builder(folder), &config).unwrap();
        let ours = Text2Text::load(CpuBackend::new(), open(folder, Quant::F32)).unwrap();
        let model = ours.model();
        let prompt = "Is the following sentence positive or negative? the acting is superb";
        let ids = ours.tokenizer().encode(prompt).unwrap().ids;
        let input = Tensor::new(ids.as_slice(), &Device::Cpu).unwrap().unsqueeze(0).unwrap();
        let enc_theirs = theirs.encode(&input).unwrap();
        let enc_ours = model.encode(&ids, &vec![1.0; ids.len()], 1, ids.len()).unwrap();
        let d = max_abs_diff(
            &model.backend().to_vec(&enc_ours.hidden).unwrap(),
            &enc_theirs.flatten_all().unwrap().to_vec1::<f32>().unwrap(),
        );
        assert!(d < 1e-3, "{folder}: encoder output max abs diff {d}");

        // Five greedy steps, each side with its own KV cache.
        let mut state = model.start_decoding(&enc_ours, 1).unwrap();
        let mut token = 0u32;
        let mut worst = 0f32;
        for step in 0..5 {
            let got = model.backend().to_vec(&model.decode(&mut state, &[token], 1).unwrap()).unwrap();
            let dec_in = Tensor::new(&[token], &Device::Cpu).unwrap().unsqueeze(0).unwrap();
            let want = theirs.decode(&dec_in, &enc_theirs).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
            let d = max_abs_diff(&got, &want);
            worst = worst.max(d);
            assert!(d < 1e-3, "{folder}: step {step} logits max abs diff {d}");
            token = nunchi_models::sampling::argmax(&want);
        }
        eprintln!("{folder}: logits vs candle-transformers max abs diff {worst:.2e}");
    }
}
