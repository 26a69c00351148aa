//! `Encoder`: sentence embeddings from a BERT-family model.

use nunchi_engine::{CpuBackend, Quant};
use nunchi_models::{HfParts, ModelFile, Pooling, SentenceEncoder};
use wasm_bindgen::prelude::*;

use crate::errors::{set, to_js};

#[wasm_bindgen]
pub struct Encoder {
    inner: SentenceEncoder<CpuBackend>,
    bytes: usize,
}

pub(crate) fn hf_file(
    name: String,
    config: String,
    tokenizer: String,
    safetensors: &[u8],
    extras: &js_sys::Object,
    quant: &str,
) -> Result<ModelFile, JsValue> {
    let extra = |k: &str| js_sys::Reflect::get(extras, &k.into()).ok().and_then(|v| v.as_string());
    ModelFile::from_hf_parts(HfParts {
        name,
        config_json: config,
        tokenizer_json: tokenizer,
        safetensors,
        sentence_bert_config: extra("sentence_bert_config.json"),
        pooling_config: extra("1_Pooling/config.json"),
        modules: extra("modules.json"),
        sentence_transformers_config: extra("config_sentence_transformers.json"),
        test_weights_marker: extra(nunchi_models::model_file::TEST_WEIGHTS_MARKER),
        quant: Quant::parse(quant).map_err(to_js)?,
    })
    .map_err(to_js)
}

pub(crate) fn info_object(file_meta: &nunchi_models::ModelMeta, arch: &str, bytes: usize) -> js_sys::Object {
    let o = js_sys::Object::new();
    set(&o, "model", file_meta.name.as_str());
    set(&o, "architecture", arch);
    set(&o, "quant", file_meta.quant.as_str());
    set(&o, "bytes", bytes as f64);
    set(&o, "maxTokens", file_meta.max_tokens as f64);
    set(&o, "testWeights", file_meta.test_weights);
    let prefixes = js_sys::Object::new();
    set(&prefixes, "query", file_meta.prefixes.query.as_str());
    set(&prefixes, "passage", file_meta.prefixes.passage.as_str());
    set(&o, "prefixes", prefixes);
    o
}

#[wasm_bindgen]
impl Encoder {
    /// Loads one of nunchi's GGUF files.
    #[wasm_bindgen(js_name = fromGguf)]
    pub fn from_gguf(bytes: &[u8]) -> Result<Encoder, JsValue> {
        let file = ModelFile::from_gguf_bytes(bytes).map_err(to_js)?;
        Self::build(file, bytes.len())
    }

    /// Loads a Hugging Face repository's files; `extras` maps optional file names to text.
    #[wasm_bindgen(js_name = fromHfFiles)]
    pub fn from_hf_files(
        name: String,
        config: String,
        tokenizer: String,
        safetensors: &[u8],
        extras: &js_sys::Object,
        quant: &str,
    ) -> Result<Encoder, JsValue> {
        let file = hf_file(name, config, tokenizer, safetensors, extras, quant)?;
        Self::build(file, safetensors.len())
    }

    fn build(file: ModelFile, bytes: usize) -> Result<Encoder, JsValue> {
        let inner = SentenceEncoder::load(CpuBackend::new(), file).map_err(to_js)?;
        Ok(Encoder { inner, bytes })
    }

    /// `{ data: Float32Array, dims: number[], truncated: number[] }`.
    pub fn embed(&self, texts: Vec<String>, pooling: Option<String>, normalize: Option<bool>) -> Result<js_sys::Object, JsValue> {
        let mut opts = self.inner.default_options();
        if let Some(p) = pooling {
            opts.pooling = Pooling::parse(&p).map_err(to_js)?;
        }
        if let Some(n) = normalize {
            opts.normalize = n;
        }
        let refs: Vec<&str> = texts.iter().map(|s| s.as_str()).collect();
        let e = self.inner.embed(&refs, &opts).map_err(to_js)?;
        let out = js_sys::Object::new();
        set(&out, "data", js_sys::Float32Array::from(e.data.as_slice()));
        let dims: js_sys::Array = e.dims.iter().map(|&d| JsValue::from(d as f64)).collect();
        set(&out, "dims", dims);
        let truncated: js_sys::Array = e.truncated.iter().map(|&d| JsValue::from(d as f64)).collect();
        set(&out, "truncated", truncated);
        Ok(out)
    }

    /// `{ model, architecture, quant, bytes, device, maxTokens, testWeights, wasmMemoryBytes, dim }`.
    pub fn info(&self) -> js_sys::Object {
        let o = info_object(self.inner.meta(), "bert", self.bytes);
        set(&o, "dim", self.inner.dim() as f64);
        o
    }
}
