//! `Encoder`: sentence embeddings from a BERT-family model, on the wasm CPU
//! path or on WebGPU.

use std::rc::Rc;

use nunchi_engine::Backend;
use nunchi_models::{EmbedOptions, Embeddings, ModelFile, Pooling, SentenceEncoder};
use wasm_bindgen::prelude::*;

use crate::errors::{set, to_js};
use crate::loader::{info_object, model_constructors, Family, Placed};

/// The family `Encoder` loads: BERT-family sentence encoders.
struct SentenceEncoders;

impl Family for SentenceEncoders {
    type Model<B: Backend> = SentenceEncoder<B>;
    fn load<B: Backend>(backend: B, file: ModelFile) -> nunchi_engine::Result<SentenceEncoder<B>> {
        SentenceEncoder::load(backend, file)
    }
}

type Model = Placed<SentenceEncoders>;

impl Model {
    fn encoder_meta(&self) -> (&nunchi_models::ModelMeta, usize, EmbedOptions) {
        match self {
            Placed::Cpu(e) => (e.meta(), e.dim(), e.default_options()),
            Placed::Gpu(e, _) => (e.meta(), e.dim(), e.default_options()),
        }
    }

    /// The scripts the tokenizer's vocabulary reads (`language::vocabulary_scripts`).
    fn vocabulary_scripts(&self) -> Vec<&'static str> {
        let pieces = match self {
            Placed::Cpu(e) => e.tokenizer().pieces(),
            Placed::Gpu(e, _) => e.tokenizer().pieces(),
        };
        nunchi_tasks::language::vocabulary_scripts(&pieces)
    }
}

#[wasm_bindgen]
pub struct Encoder {
    inner: Rc<Model>,
    bytes: usize,
    /// Read once at load: the tasks compare them with their texts' language.
    scripts: Vec<&'static str>,
}

model_constructors!(Encoder);

#[wasm_bindgen]
impl Encoder {
    fn wrap(model: Model, bytes: usize) -> Encoder {
        let scripts = model.vocabulary_scripts();
        Encoder { inner: Rc::new(model), bytes, scripts }
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
            Placed::Cpu(enc) => crate::threads::on_pool(|| enc.embed_concurrently(&refs, &opts)).map_err(to_js)?,
            Placed::Gpu(..) => return Err(crate::errors::input("this model runs on WebGPU: use embedAsync")),
        };
        Ok(embeddings_object(e))
    }

    /// A promise of what `embed` returns, on either backend.
    #[wasm_bindgen(js_name = embedAsync)]
    pub fn embed_async(
        &self,
        texts: Vec<String>,
        pooling: Option<String>,
        normalize: Option<bool>,
    ) -> Result<js_sys::Promise, JsValue> {
        let opts = self.options(pooling, normalize)?;
        let model = self.inner.clone();
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            let refs: Vec<&str> = texts.iter().map(|s| s.as_str()).collect();
            let e = match &*model {
                Placed::Cpu(enc) => crate::threads::on_pool(|| enc.embed_concurrently(&refs, &opts)),
                Placed::Gpu(enc, _) => enc.embed_async(&refs, &opts).await,
            };
            Ok(embeddings_object(e.map_err(to_js)?).into())
        }))
    }

    /// `{ model, architecture, quant, bytes, maxTokens, testWeights, dim, pooling, normalize, scripts }`
    /// (pooling and normalize: the model's defaults; scripts: those its vocabulary
    /// reads; the package adds the device).
    pub fn info(&self) -> js_sys::Object {
        let (meta, dim, defaults) = self.inner.encoder_meta();
        let o = info_object(meta, "bert", self.bytes);
        set(&o, "dim", dim as f64);
        set(&o, "pooling", defaults.pooling.name());
        set(&o, "normalize", defaults.normalize);
        let scripts: js_sys::Array = self.scripts.iter().map(|&s| JsValue::from(s)).collect();
        set(&o, "scripts", scripts);
        o
    }

    /// Test hook: destroys the WebGPU device, as a browser does when it loses one.
    #[wasm_bindgen(js_name = loseDeviceForTests)]
    pub fn lose_device_for_tests(&self) {
        self.inner.lose_device();
    }
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
