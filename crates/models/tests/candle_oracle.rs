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

/// Other BERT-architecture configs (bge/e5-small: 12 layers; multilingual models:
/// one token type; relu or tanh-GELU activations) load through the same code.
/// Weights are random, so the oracle is candle-transformers on the same file.
#[test]
fn other_bert_configs_load_and_match_candle_transformers() {
    let dir = tempfile::tempdir().unwrap();
    let tokenizer = model_path("all-MiniLM-L6-v2").join("tokenizer.json");
    std::fs::copy(&tokenizer, dir.path().join("tokenizer.json")).unwrap();
    for (layers, type_vocab, act) in [(12usize, 1usize, "gelu"), (2, 2, "relu"), (3, 1, "gelu_new")] {
        let (h, inter, vocab) = (64usize, 128usize, 30522usize);
        let config = serde_json::json!({
            "model_type": "bert", "architectures": ["BertModel"], "vocab_size": vocab, "hidden_size": h,
            "num_hidden_layers": layers, "num_attention_heads": 4, "intermediate_size": inter,
            "max_position_embeddings": 512, "type_vocab_size": type_vocab, "layer_norm_eps": 1e-12,
            "hidden_act": act, "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
            "initializer_range": 0.02, "pad_token_id": 0, "position_embedding_type": "absolute"
        });
        std::fs::write(dir.path().join("config.json"), config.to_string()).unwrap();
        let mut tensors = std::collections::HashMap::new();
        let mut add = |name: String, dims: &[usize], scale: f64| {
            let t = (Tensor::randn(0f32, 1.0, dims, &Device::Cpu).unwrap() * scale).unwrap();
            tensors.insert(name, t);
        };
        add("embeddings.word_embeddings.weight".into(), &[vocab, h], 0.5);
        add("embeddings.position_embeddings.weight".into(), &[512, h], 0.1);
        add("embeddings.token_type_embeddings.weight".into(), &[type_vocab, h], 0.1);
        add("embeddings.LayerNorm.weight".into(), &[h], 1.0);
        add("embeddings.LayerNorm.bias".into(), &[h], 0.1);
        for l in 0..layers {
            let p = format!("encoder.layer.{l}");
            for m in ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"] {
                add(format!("{p}.{m}.weight"), &[h, h], 0.125);
                add(format!("{p}.{m}.bias"), &[h], 0.1);
            }
            add(format!("{p}.intermediate.dense.weight"), &[inter, h], 0.125);
            add(format!("{p}.intermediate.dense.bias"), &[inter], 0.1);
            add(format!("{p}.output.dense.weight"), &[h, inter], 0.09);
            add(format!("{p}.output.dense.bias"), &[h], 0.1);
            for n in ["attention.output.LayerNorm", "output.LayerNorm"] {
                add(format!("{p}.{n}.weight"), &[h], 1.0);
                add(format!("{p}.{n}.bias"), &[h], 0.1);
            }
        }
        let st = dir.path().join("model.safetensors");
        candle_core::safetensors::save(&tensors, &st).unwrap();

        // candle-transformers spells transformers' "gelu_new" as "geluapproximate".
        let mut their_config = config.clone();
        if act == "gelu_new" {
            their_config["hidden_act"] = serde_json::json!("geluapproximate");
        }
        let cfg: bert::Config = serde_json::from_value(their_config).unwrap();
        let vb = unsafe { VarBuilder::from_mmaped_safetensors(&[&st], DType::F32, &Device::Cpu).unwrap() };
        let theirs = bert::BertModel::load(vb, &cfg).unwrap();
        let ours =
            SentenceEncoder::load(CpuBackend::new(), nunchi_models::ModelFile::open(dir.path(), Quant::F32).unwrap()).unwrap();
        let text = "Customers keep asking about refunds.";
        let ids = ours.tokenizer().encode(text).unwrap().ids;
        let input = Tensor::new(ids.as_slice(), &Device::Cpu).unwrap().unsqueeze(0).unwrap();
        let want =
            theirs.forward(&input, &input.zeros_like().unwrap(), None).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
        let got = ours.embed(&[text], &EmbedOptions { pooling: Pooling::None, normalize: false }).unwrap().data;
        let d = max_abs_diff(&got, &want);
        assert!(d < 1e-4, "{layers} layers, {type_vocab} token types, {act}: max abs diff {d}");
    }
}
