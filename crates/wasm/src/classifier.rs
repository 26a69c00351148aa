//! `TextClassifier`: a fine-tuned sequence-classification model (an encoder
//! and its checkpoint's head: BERT, DistilBERT, RoBERTa/XLM-R, ELECTRA, MPNet,
//! DeBERTa-v2/v3), on the wasm CPU path or on WebGPU. The scores are the
//! model's own: softmax over its labels, or a sigmoid per label for a
//! multi-label model.

use std::rc::Rc;

use nunchi_engine::Backend;
use nunchi_models::{Classification, ModelFile, ProblemType};
use wasm_bindgen::prelude::*;

use crate::errors::{input, set, to_js};
use crate::loader::{info_object, model_constructors, Family, Placed};

/// The family `TextClassifier` loads: encoders with a classification head.
struct TextClassifiers;

impl Family for TextClassifiers {
    type Model<B: Backend> = nunchi_models::TextClassifier<B>;
    fn load<B: Backend>(backend: B, file: ModelFile) -> nunchi_engine::Result<nunchi_models::TextClassifier<B>> {
        nunchi_models::TextClassifier::load(backend, file)
    }
}

type Model = Placed<TextClassifiers>;

impl Model {
    fn labels(&self) -> &[String] {
        match self {
            Placed::Cpu(m) => m.labels(),
            Placed::Gpu(m, _) => m.labels(),
        }
    }
}

#[wasm_bindgen]
pub struct TextClassifier {
    inner: Rc<Model>,
    bytes: usize,
}

model_constructors!(TextClassifier);

#[wasm_bindgen]
impl TextClassifier {
    fn wrap(model: Model, bytes: usize) -> TextClassifier {
        TextClassifier { inner: Rc::new(model), bytes }
    }

    /// The model's labels, in its output order (config.json's `id2label`).
    #[wasm_bindgen(getter)]
    pub fn labels(&self) -> Vec<String> {
        self.inner.labels().to_vec()
    }

    /// `{ scores: Float32Array, logits: Float32Array, dims: [texts, labels] }`, row-major
    /// (CPU models only: a page cannot block on WebGPU; `classifyAsync` serves both).
    pub fn classify(&self, texts: Vec<String>) -> Result<js_sys::Object, JsValue> {
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let scored = match &*self.inner {
            Placed::Cpu(m) => crate::threads::on_pool(|| m.classify_concurrently(&refs)).map_err(to_js)?,
            Placed::Gpu(..) => return Err(input("this model runs on WebGPU: use classifyAsync")),
        };
        Ok(scores_object(&scored, self.inner.labels().len()))
    }

    /// A promise of what `classify` returns, on either backend.
    #[wasm_bindgen(js_name = classifyAsync)]
    pub fn classify_async(&self, texts: Vec<String>) -> js_sys::Promise {
        let model = self.inner.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            let scored = match &*model {
                Placed::Cpu(m) => crate::threads::on_pool(|| m.classify_concurrently(&refs)),
                Placed::Gpu(m, _) => m.classify_async(&refs).await,
            };
            Ok(scores_object(&scored.map_err(to_js)?, model.labels().len()).into())
        })
    }

    /// `{ model, architecture, quant, bytes, maxTokens, testWeights, prefixes, labels, problemType }`
    /// (the package adds the device).
    pub fn info(&self) -> js_sys::Object {
        let (meta, problem) = match &*self.inner {
            Placed::Cpu(m) => (m.encoder().meta(), m.head().problem_type()),
            Placed::Gpu(m, _) => (m.encoder().meta(), m.head().problem_type()),
        };
        let o = info_object(meta, "bert", self.bytes);
        let labels: js_sys::Array = self.inner.labels().iter().map(|l| JsValue::from(l.as_str())).collect();
        set(&o, "labels", labels);
        set(
            &o,
            "problemType",
            match problem {
                ProblemType::SingleLabel => "single_label_classification",
                ProblemType::MultiLabel => "multi_label_classification",
            },
        );
        o
    }

    /// Test hook: destroys the WebGPU device, as a browser does when it loses one.
    #[wasm_bindgen(js_name = loseDeviceForTests)]
    pub fn lose_device_for_tests(&self) {
        self.inner.lose_device();
    }
}

fn scores_object(scored: &[Classification], width: usize) -> js_sys::Object {
    let flat = |f: fn(&Classification) -> &[f32]| -> Vec<f32> { scored.iter().flat_map(|c| f(c).iter().copied()).collect() };
    let out = js_sys::Object::new();
    set(&out, "scores", js_sys::Float32Array::from(flat(|c| &c.scores).as_slice()));
    set(&out, "logits", js_sys::Float32Array::from(flat(|c| &c.logits).as_slice()));
    let dims: js_sys::Array = [scored.len(), width].iter().map(|&d| JsValue::from(d as f64)).collect();
    set(&out, "dims", dims);
    out
}
