//! `FineTuning`: SetFit's fine-tuning of a sentence encoder on labelled texts
//! (`nunchi_train`), one step per call, so the package's JavaScript reports
//! progress and honours cancellation between steps; the tuned model comes out
//! as GGUF bytes, which `Encoder.fromGguf` loads and a page can keep.

use std::io::Cursor;

use nunchi_engine::Quant;
use nunchi_models::ModelFile;
use nunchi_train::{FineTuneOptions, ModelFineTuning};
use serde::Deserialize;
use wasm_bindgen::prelude::*;

use crate::errors::{input, set, to_js};
use crate::loader::{gguf_file, hf_file};

/// A training step's seconds over its forward pass's, once warm: the backward
/// and AdamW take about 2.5 times the forward (3.2–3.6 measured step by step
/// in wasm on MiniLM, batches of 16 pairs).
const STEP_PER_FORWARD: f64 = 3.5;

/// How much slower the first pass runs than later ones (2.0–2.4 measured): the
/// engine's compiled code tiers up and the wasm memory grows during it.
const COLD_FIRST_PASS: f64 = 2.0;

/// The package's `fineTune` options that reach Rust (absent: SetFit's defaults).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Options {
    iterations: Option<usize>,
    batch_size: Option<usize>,
    epochs: Option<usize>,
    learning_rate: Option<f64>,
    dropout: Option<f64>,
    seed: Option<f64>,
}

impl Options {
    fn parse(value: JsValue) -> Result<FineTuneOptions, JsValue> {
        let o: Options = if value.is_undefined() || value.is_null() {
            Options::default()
        } else {
            serde_wasm_bindgen::from_value(value).map_err(|e| input(format!("fineTune options: {e}")))?
        };
        let d = FineTuneOptions::default();
        let seed = match o.seed {
            None => d.seed,
            Some(s) if s >= 0.0 && s.fract() == 0.0 && s <= 2f64.powi(53) => s as u64,
            Some(s) => return Err(input(format!("fineTune: seed must be a non-negative integer, got {s}"))),
        };
        Ok(FineTuneOptions {
            num_iterations: o.iterations.unwrap_or(d.num_iterations),
            batch_size: o.batch_size.unwrap_or(d.batch_size),
            epochs: o.epochs.unwrap_or(d.epochs),
            learning_rate: o.learning_rate.unwrap_or(d.learning_rate),
            dropout: o.dropout.unwrap_or(d.dropout),
            seed,
            ..d
        })
    }
}

#[wasm_bindgen]
pub struct FineTuning {
    inner: ModelFineTuning,
}

#[wasm_bindgen]
impl FineTuning {
    fn start(
        file: ModelFile,
        texts: Vec<String>,
        labels: Vec<String>,
        prefix: &str,
        options: JsValue,
    ) -> Result<FineTuning, JsValue> {
        let opts = Options::parse(options)?;
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let inner = ModelFineTuning::new(&file, &refs, &labels, prefix, &opts).map_err(to_js)?;
        Ok(FineTuning { inner })
    }

    /// Prepares a run on a GGUF model (f32, f16 or q8_0 weights): samples the
    /// pairs, tokenizes the texts (each after `prefix`), loads the weights in f32.
    #[wasm_bindgen(js_name = fromGguf)]
    pub fn from_gguf(
        bytes: &[u8],
        texts: Vec<String>,
        labels: Vec<String>,
        prefix: &str,
        options: JsValue,
    ) -> Result<FineTuning, JsValue> {
        Self::start(gguf_file(bytes)?, texts, labels, prefix, options)
    }

    /// The same from a Hugging Face repository's files, read in f32.
    #[wasm_bindgen(js_name = fromHfFiles)]
    pub fn from_hf_files(
        files: &js_sys::Object,
        safetensors: &[u8],
        texts: Vec<String>,
        labels: Vec<String>,
        prefix: &str,
        options: JsValue,
    ) -> Result<FineTuning, JsValue> {
        Self::start(hf_file(files, safetensors, Quant::F32.name())?, texts, labels, prefix, options)
    }

    /// Steps in the whole run.
    #[wasm_bindgen(getter)]
    pub fn steps(&self) -> usize {
        self.inner.run().total_steps()
    }

    /// The contrastive pairs sampled from the texts.
    #[wasm_bindgen(getter)]
    pub fn pairs(&self) -> usize {
        self.inner.run().pairs()
    }

    /// Runs the next step's forward pass ahead, for the caller to time:
    /// `estimateSeconds` turns its seconds into the run's. `false` once done.
    #[wasm_bindgen(js_name = forwardNext)]
    pub fn forward_next(&mut self) -> Result<bool, JsValue> {
        self.inner.forward_next().map_err(to_js)
    }

    /// The seconds of the steps left, estimated from the seconds of the run's
    /// first forward pass (`forwardNext`'s before any step).
    #[wasm_bindgen(js_name = estimateSeconds)]
    pub fn estimate_seconds(&self, first_forward_seconds: f64) -> f64 {
        let warm_step = first_forward_seconds / COLD_FIRST_PASS * STEP_PER_FORWARD;
        let done = self.inner.run().steps_done();
        // Before any step, the first runs cold too: about one warm step more.
        let cold_extra = usize::from(done == 0);
        warm_step * (self.steps() - done.min(self.steps()) + cold_extra) as f64
    }

    /// Takes the next step: `{ step, steps, loss, lr, gradNorm }`, or `null` once done.
    pub fn step(&mut self) -> Result<JsValue, JsValue> {
        let Some(stats) = self.inner.step().map_err(to_js)? else {
            return Ok(JsValue::NULL);
        };
        let o = js_sys::Object::new();
        set(&o, "step", self.inner.run().steps_done() as f64);
        set(&o, "steps", self.steps() as f64);
        set(&o, "loss", stats.loss);
        set(&o, "lr", stats.lr);
        set(&o, "gradNorm", stats.grad_norm);
        Ok(o.into())
    }

    /// The tuned model as a GGUF file, its weights stored as `quant`.
    #[wasm_bindgen(js_name = toGguf)]
    pub fn to_gguf(&self, quant: &str) -> Result<Vec<u8>, JsValue> {
        let file = self.inner.tuned_file(Quant::parse(quant).map_err(to_js)?).map_err(to_js)?;
        let mut out = Cursor::new(Vec::new());
        file.write_gguf(&mut out).map_err(to_js)?;
        Ok(out.into_inner())
    }
}
