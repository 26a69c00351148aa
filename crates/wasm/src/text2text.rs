//! `Text2Text`: a T5 model for prompted generation and label scoring.
//! Generation is stepped from JavaScript (`startGeneration` / `nextPiece`) so
//! the caller can stream tokens, yield to its event loop and cancel between them.

use nunchi_engine::CpuBackend;
use nunchi_models::{GenerateOptions, GenerationSession, ModelFile, SamplingOptions};
use wasm_bindgen::prelude::*;

use crate::encoder::{hf_file, info_object};
use crate::errors::{input, set, to_js};

#[wasm_bindgen]
pub struct Text2Text {
    inner: nunchi_models::Text2Text<CpuBackend>,
    session: Option<GenerationSession<CpuBackend>>,
    bytes: usize,
}

#[wasm_bindgen]
impl Text2Text {
    #[wasm_bindgen(js_name = fromGguf)]
    pub fn from_gguf(bytes: &[u8]) -> Result<Text2Text, JsValue> {
        Self::build(ModelFile::from_gguf_bytes(bytes).map_err(to_js)?, bytes.len())
    }

    #[wasm_bindgen(js_name = fromHfFiles)]
    pub fn from_hf_files(
        name: String,
        config: String,
        tokenizer: String,
        safetensors: &[u8],
        extras: &js_sys::Object,
        quant: &str,
    ) -> Result<Text2Text, JsValue> {
        let file = hf_file(name, config, tokenizer, safetensors, extras, quant)?;
        Self::build(file, safetensors.len())
    }

    fn build(file: ModelFile, bytes: usize) -> Result<Text2Text, JsValue> {
        let inner = nunchi_models::Text2Text::load(CpuBackend::new(), file).map_err(to_js)?;
        Ok(Text2Text { inner, session: None, bytes })
    }

    /// Starts generating; replaces any generation in progress.
    #[wasm_bindgen(js_name = startGeneration)]
    pub fn start_generation(
        &mut self,
        prompt: &str,
        max_new_tokens: u32,
        temperature: f32,
        top_k: u32,
        top_p: f32,
        seed: f64,
    ) -> Result<(), JsValue> {
        if !(seed.is_finite() && seed >= 0.0) {
            return Err(input(format!("seed must be a non-negative integer, got {seed}")));
        }
        let opts = GenerateOptions {
            max_new_tokens: max_new_tokens as usize,
            sampling: SamplingOptions { temperature, top_k: top_k as usize, top_p, seed: seed as u64 },
        };
        self.session = None;
        self.session = Some(self.inner.start_generation(prompt, &opts).map_err(to_js)?);
        Ok(())
    }

    /// The next piece of text (possibly ""), or `undefined` when generation is done.
    #[wasm_bindgen(js_name = nextPiece)]
    pub fn next_piece(&mut self) -> Result<Option<String>, JsValue> {
        let session = self.session.as_mut().ok_or_else(|| input("no generation in progress: call startGeneration"))?;
        match self.inner.next_piece(session) {
            Ok(piece) => Ok(piece),
            Err(e) => {
                self.session = None;
                Err(to_js(e))
            }
        }
    }

    /// Ends the generation: `{ text, tokens: number[], finished, promptTruncated }`.
    #[wasm_bindgen(js_name = finishGeneration)]
    pub fn finish_generation(&mut self) -> Result<js_sys::Object, JsValue> {
        let session = self.session.take().ok_or_else(|| input("no generation in progress"))?;
        let g = self.inner.finish(session).map_err(to_js)?;
        let o = js_sys::Object::new();
        set(&o, "text", g.text.as_str());
        let tokens: js_sys::Array = g.tokens.iter().map(|&t| JsValue::from(t)).collect();
        set(&o, "tokens", tokens);
        set(&o, "finished", g.finished);
        set(&o, "promptTruncated", g.prompt_truncated as f64);
        Ok(o)
    }

    /// Drops a generation in progress (after cancellation).
    #[wasm_bindgen(js_name = cancelGeneration)]
    pub fn cancel_generation(&mut self) {
        self.session = None;
    }

    /// `[{ candidate, logprob, tokens }]`: log-probability of each completion.
    pub fn score(&self, prompt: &str, candidates: Vec<String>) -> Result<js_sys::Array, JsValue> {
        let refs: Vec<&str> = candidates.iter().map(|s| s.as_str()).collect();
        let scores = self.inner.score(prompt, &refs).map_err(to_js)?;
        Ok(scores
            .iter()
            .map(|s| {
                let o = js_sys::Object::new();
                set(&o, "candidate", s.candidate.as_str());
                set(&o, "logprob", s.logprob as f64);
                set(&o, "tokens", s.tokens as f64);
                JsValue::from(o)
            })
            .collect())
    }

    pub fn info(&self) -> js_sys::Object {
        info_object(self.inner.meta(), "t5", self.bytes)
    }
}
