//! Loading a model onto the wasm CPU path or WebGPU: the one path every model
//! class takes (`Encoder`, `TextClassifier`, `Text2Text`). A class names its
//! model family once ([`Family`]) and gets its four exported constructors from
//! [`model_constructors!`].

use std::sync::Arc;

use nunchi_engine::{Backend, CpuBackend, Quant};
use nunchi_gpu::{GpuBackend, GpuContext};
use nunchi_models::{HfParts, ModelFile, ModelMeta};
use wasm_bindgen::prelude::*;

use crate::errors::{input, set, to_js};

/// A model family the bindings can place on either backend.
pub(crate) trait Family: 'static {
    type Model<B: Backend>;
    fn load<B: Backend>(backend: B, file: ModelFile) -> nunchi_engine::Result<Self::Model<B>>;
}

/// A family's model on the backend it was loaded onto.
pub(crate) enum Placed<F: Family> {
    Cpu(F::Model<CpuBackend>),
    /// The context is kept for `loseDeviceForTests`.
    Gpu(F::Model<GpuBackend>, Arc<GpuContext>),
}

impl<F: Family> Placed<F> {
    pub(crate) fn on_cpu(file: ModelFile) -> Result<Self, JsValue> {
        Ok(Placed::Cpu(F::load(CpuBackend::new(), file).map_err(to_js)?))
    }

    /// Opens the adapter, runs the known-answer self-test and uploads the
    /// weights; rejects with the reason when any step fails. `wrap` makes the
    /// JS object.
    pub(crate) fn on_webgpu<T: Into<JsValue>>(file: ModelFile, wrap: impl FnOnce(Self) -> T + 'static) -> js_sys::Promise {
        wasm_bindgen_futures::future_to_promise(async move {
            let (gpu, ctx) = checked_gpu().await?;
            let model = F::load(gpu, file).map_err(to_js)?;
            Ok(wrap(Placed::Gpu(model, ctx)).into())
        })
    }

    /// Test hook: destroys the WebGPU device, as a browser does when it loses one.
    pub(crate) fn lose_device(&self) {
        if let Placed::Gpu(_, ctx) = self {
            ctx.destroy();
        }
    }
}

/// One of nunchi's GGUF files.
pub(crate) fn gguf_file(bytes: &[u8]) -> Result<ModelFile, JsValue> {
    ModelFile::from_gguf_bytes(bytes).map_err(to_js)
}

/// A Hugging Face repository's files: `files` is `{ name, config, tokenizer,
/// extras }` (the texts of `config.json` and, where the checkpoint has one,
/// `tokenizer.json`; `extras` maps optional file names to text, the older
/// tokenizer files among them), quantized to `quant` on load.
pub(crate) fn hf_file(files: &js_sys::Object, safetensors: &[u8], quant: &str) -> Result<ModelFile, JsValue> {
    let text = |o: &JsValue, k: &str| js_sys::Reflect::get(o, &k.into()).ok().and_then(|v| v.as_string());
    let required = |k: &str| text(files, k).ok_or_else(|| input(format!("the model files lack '{k}' (a string)")));
    let extras = js_sys::Reflect::get(files, &"extras".into()).unwrap_or(JsValue::UNDEFINED);
    let extra = |k: &str| text(&extras, k);
    ModelFile::from_hf_parts(HfParts {
        name: required("name")?,
        config_json: required("config")?,
        // Without a tokenizer.json, one is built from the older files in `extras`.
        tokenizer_json: nunchi_models::legacy_tokenizer::tokenizer_json_or_legacy(text(files, "tokenizer"), extra)
            .map_err(to_js)?,
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

/// The older tokenizer files a checkpoint without `tokenizer.json` is read
/// from (`vocab.txt`, or `vocab.json` + `merges.txt`): what the package's
/// loaders fetch into `extras` then.
#[wasm_bindgen(js_name = legacyTokenizerFiles)]
pub fn legacy_tokenizer_files() -> Vec<String> {
    nunchi_models::legacy_tokenizer::LEGACY_TOKENIZER_FILES.iter().map(|s| s.to_string()).collect()
}

/// The repository URL a Hub id (`owner/name`) names at `endpoint`, or
/// `undefined` when `spec` is not shaped as one (the rule in `nunchi_models::hub`).
#[wasm_bindgen(js_name = hubRepoUrl)]
pub fn hub_repo_url(spec: &str, endpoint: &str) -> Result<Option<String>, JsValue> {
    nunchi_models::hub::repo_url(spec, endpoint).map_err(to_js)
}

/// The Hub's address when no `hubUrl` is given.
#[wasm_bindgen(js_name = defaultHubUrl)]
pub fn default_hub_url() -> String {
    nunchi_models::hub::DEFAULT_ENDPOINT.to_string()
}

/// Opens the WebGPU adapter and runs the known-answer self-test on it.
async fn checked_gpu() -> Result<(GpuBackend, Arc<GpuContext>), JsValue> {
    let ctx = Arc::new(GpuContext::request().await.map_err(to_js)?);
    let gpu = GpuBackend::new(ctx.clone());
    nunchi_gpu::self_test(&gpu).await.map_err(to_js)?;
    Ok((gpu, ctx))
}

/// The `info()` fields every model class shares.
pub(crate) fn info_object(meta: &ModelMeta, arch: &str, bytes: usize) -> js_sys::Object {
    let o = js_sys::Object::new();
    set(&o, "model", meta.name.as_str());
    set(&o, "architecture", arch);
    set(&o, "quant", meta.quant.as_str());
    set(&o, "bytes", bytes as f64);
    set(&o, "maxTokens", meta.max_tokens as f64);
    set(&o, "testWeights", meta.test_weights);
    let prefixes = js_sys::Object::new();
    set(&prefixes, "query", meta.prefixes.query.as_str());
    set(&prefixes, "passage", meta.prefixes.passage.as_str());
    set(&o, "prefixes", prefixes);
    o
}

/// The exported constructors of a model class: `fromGguf`, `fromHfFiles` and
/// their `…OnWebgpu` twins, which resolve once the adapter's self-test passed
/// and reject with the reason otherwise (the package then falls back to the
/// CPU). The class needs a `Model` alias for its [`Placed`] family and
/// `fn wrap(model: Model, bytes: usize) -> Self`.
macro_rules! model_constructors {
    ($class:ident) => {
        #[wasm_bindgen]
        impl $class {
            /// Loads one of nunchi's GGUF files.
            #[wasm_bindgen(js_name = fromGguf)]
            pub fn from_gguf(bytes: &[u8]) -> Result<$class, JsValue> {
                Ok(Self::wrap(Model::on_cpu($crate::loader::gguf_file(bytes)?)?, bytes.len()))
            }

            /// Loads a Hugging Face repository's files (`{ name, config, tokenizer, extras }`
            /// and the safetensors bytes), quantized to `quant`.
            #[wasm_bindgen(js_name = fromHfFiles)]
            pub fn from_hf_files(files: &js_sys::Object, safetensors: &[u8], quant: &str) -> Result<$class, JsValue> {
                let file = $crate::loader::hf_file(files, safetensors, quant)?;
                Ok(Self::wrap(Model::on_cpu(file)?, safetensors.len()))
            }

            /// `fromGguf` onto WebGPU.
            #[wasm_bindgen(js_name = fromGgufOnWebgpu)]
            pub fn from_gguf_on_webgpu(bytes: &[u8]) -> Result<js_sys::Promise, JsValue> {
                let size = bytes.len();
                Ok(Model::on_webgpu($crate::loader::gguf_file(bytes)?, move |m| Self::wrap(m, size)))
            }

            /// `fromHfFiles` onto WebGPU.
            #[wasm_bindgen(js_name = fromHfFilesOnWebgpu)]
            pub fn from_hf_files_on_webgpu(
                files: &js_sys::Object,
                safetensors: &[u8],
                quant: &str,
            ) -> Result<js_sys::Promise, JsValue> {
                let size = safetensors.len();
                let file = $crate::loader::hf_file(files, safetensors, quant)?;
                Ok(Model::on_webgpu(file, move |m| Self::wrap(m, size)))
            }
        }
    };
}
pub(crate) use model_constructors;
