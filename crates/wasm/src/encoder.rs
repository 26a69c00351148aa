//! `Encoder`: sentence embeddings from a BERT-family model, on the wasm CPU
//! path or on WebGPU.

use std::rc::Rc;
use std::sync::Arc;

use nunchi_engine::{CpuBackend, Quant};
use nunchi_gpu::{GpuBackend, GpuContext};
use nunchi_models::{EmbedOptions, Embeddings, HfParts, ModelFile, Pooling, SentenceEncoder};
use wasm_bindgen::prelude::*;

use crate::errors::{set, to_js};

/// The same model on either backend.
enum Model {
    Cpu(SentenceEncoder<CpuBackend>),
    Gpu(SentenceEncoder<GpuBackend>, Arc<GpuContext>),
}

impl Model {
    fn encoder_meta(&self) -> (&nunchi_models::ModelMeta, usize, EmbedOptions) {
        match self {
            Model::Cpu(e) => (e.meta(), e.dim(), e.default_options()),
            Model::Gpu(e, _) => (e.meta(), e.dim(), e.default_options()),
        }
    }
}

#[wasm_bindgen]
pub struct Encoder {
    inner: Rc<Model>,
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

    /// Loads one of nunchi's GGUF files onto WebGPU: opens the adapter, runs
    /// the known-answer self-test, uploads the weights. Rejects with the
    /// reason when any step fails (the package then falls back to the CPU).
    #[wasm_bindgen(js_name = fromGgufOnWebgpu)]
    pub fn from_gguf_on_webgpu(bytes: &[u8]) -> Result<js_sys::Promise, JsValue> {
        let file = ModelFile::from_gguf_bytes(bytes).map_err(to_js)?;
        Ok(Self::build_on_webgpu(file, bytes.len()))
    }

    /// [`Encoder::from_hf_files`] onto WebGPU.
    #[wasm_bindgen(js_name = fromHfFilesOnWebgpu)]
    pub fn from_hf_files_on_webgpu(
        name: String,
        config: String,
        tokenizer: String,
        safetensors: &[u8],
        extras: &js_sys::Object,
        quant: &str,
    ) -> Result<js_sys::Promise, JsValue> {
        let file = hf_file(name, config, tokenizer, safetensors, extras, quant)?;
        Ok(Self::build_on_webgpu(file, safetensors.len()))
    }

    fn build(file: ModelFile, bytes: usize) -> Result<Encoder, JsValue> {
        let inner = SentenceEncoder::load(CpuBackend::new(), file).map_err(to_js)?;
        Ok(Encoder { inner: Rc::new(Model::Cpu(inner)), bytes })
    }

    fn build_on_webgpu(file: ModelFile, bytes: usize) -> js_sys::Promise {
        wasm_bindgen_futures::future_to_promise(async move {
            let (gpu, ctx) = checked_gpu().await?;
            let inner = SentenceEncoder::load(gpu, file).map_err(to_js)?;
            Ok(Encoder { inner: Rc::new(Model::Gpu(inner, ctx)), bytes }.into())
        })
    }

    fn options(&self, pooling: Option<String>, normalize: Option<bool>) -> Result<EmbedOptions, JsValue> {
        let mut opts = self.inner.encoder_meta().2;
        if let Some(p) = pooling {
            opts.pooling = Pooling::parse(&p).map_err(to_js)?;
        }
        if let Some(n) = normalize {
            opts.normalize = n;
        }
        Ok(opts)
    }

    /// `{ data: Float32Array, dims: number[], truncated: number[] }` (CPU models only:
    /// a page cannot block on WebGPU; `embedAsync` serves both).
    pub fn embed(&self, texts: Vec<String>, pooling: Option<String>, normalize: Option<bool>) -> Result<js_sys::Object, JsValue> {
        let opts = self.options(pooling, normalize)?;
        let refs: Vec<&str> = texts.iter().map(|s| s.as_str()).collect();
        let e = match &*self.inner {
            Model::Cpu(enc) => crate::threads::on_pool(|| enc.embed_concurrently(&refs, &opts)).map_err(to_js)?,
            Model::Gpu(..) => return Err(crate::errors::input("this model runs on WebGPU: use embedAsync")),
        };
        Ok(embeddings_object(e))
    }

    /// A promise of what `embed` returns, on either backend.
    #[wasm_bindgen(js_name = embedAsync)]
    pub fn embed_async(&self, texts: Vec<String>, pooling: Option<String>, normalize: Option<bool>) -> Result<js_sys::Promise, JsValue> {
        let opts = self.options(pooling, normalize)?;
        let model = self.inner.clone();
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            let refs: Vec<&str> = texts.iter().map(|s| s.as_str()).collect();
            let e = match &*model {
                Model::Cpu(enc) => crate::threads::on_pool(|| enc.embed_concurrently(&refs, &opts)),
                Model::Gpu(enc, _) => enc.embed_async(&refs, &opts).await,
            };
            Ok(embeddings_object(e.map_err(to_js)?).into())
        }))
    }

    /// `{ model, architecture, quant, bytes, maxTokens, testWeights, dim }` (the package adds the device).
    pub fn info(&self) -> js_sys::Object {
        let (meta, dim, _) = self.inner.encoder_meta();
        let o = info_object(meta, "bert", self.bytes);
        set(&o, "dim", dim as f64);
        o
    }

    /// Test hook: destroys the WebGPU device, as a browser does when it loses one.
    #[wasm_bindgen(js_name = loseDeviceForTests)]
    pub fn lose_device_for_tests(&self) {
        if let Model::Gpu(_, ctx) = &*self.inner {
            ctx.destroy();
        }
    }
}

/// Opens the WebGPU adapter and runs the known-answer self-test on it: the
/// backend a model is loaded onto, and its context (kept for `loseDeviceForTests`).
pub(crate) async fn checked_gpu() -> Result<(GpuBackend, Arc<GpuContext>), JsValue> {
    let ctx = Arc::new(GpuContext::request().await.map_err(to_js)?);
    let gpu = GpuBackend::new(ctx.clone());
    nunchi_gpu::self_test(&gpu).await.map_err(to_js)?;
    Ok((gpu, ctx))
}

fn embeddings_object(e: Embeddings) -> js_sys::Object {
    let out = js_sys::Object::new();
    set(&out, "data", js_sys::Float32Array::from(e.data.as_slice()));
    let dims: js_sys::Array = e.dims.iter().map(|&d| JsValue::from(d as f64)).collect();
    set(&out, "dims", dims);
    let truncated: js_sys::Array = e.truncated.iter().map(|&d| JsValue::from(d as f64)).collect();
    set(&out, "truncated", truncated);
    out
}
