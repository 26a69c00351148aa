//! `Text2Text`: a T5 model for prompted generation and label scoring, on the
//! wasm CPU path or on WebGPU. Generation is stepped from JavaScript
//! (`startGeneration` / `nextPiece` or `nextPieceAsync`) so the caller can
//! stream tokens, yield to its event loop and cancel between them. A page
//! cannot block on the GPU, so WebGPU models answer only the `…Async` calls.

use std::cell::RefCell;
use std::rc::Rc;

use nunchi_engine::{Backend, CpuBackend};
use nunchi_gpu::GpuBackend;
use nunchi_models::{CandidateScore, GenerateOptions, GenerationSession, ModelFile, SamplingOptions};
use wasm_bindgen::prelude::*;

use crate::errors::{input, set, to_js};
use crate::loader::{info_object, model_constructors, Family, Placed};
use crate::threads::on_team;

/// The family `Text2Text` loads: T5 encoder–decoders.
struct TextToTextModels;

impl Family for TextToTextModels {
    type Model<B: Backend> = nunchi_models::Text2Text<B>;
    fn load<B: Backend>(backend: B, file: ModelFile) -> nunchi_engine::Result<nunchi_models::Text2Text<B>> {
        nunchi_models::Text2Text::load(backend, file)
    }
}

type Model = Placed<TextToTextModels>;

/// A generation in progress, on its model's backend.
enum Session {
    Cpu(GenerationSession<CpuBackend>),
    Gpu(GenerationSession<GpuBackend>),
}

#[wasm_bindgen]
pub struct Text2Text {
    model: Rc<Model>,
    /// Taken out while an async step runs, so no borrow is held across an await.
    session: Rc<RefCell<Option<Session>>>,
    bytes: usize,
}

const NO_SESSION: &str = "no generation in progress: call startGeneration (and await each nextPieceAsync before the next)";
const USE_ASYNC: &str = "this model runs on WebGPU: use the …Async method";

model_constructors!(Text2Text);

#[wasm_bindgen]
impl Text2Text {
    fn wrap(model: Model, bytes: usize) -> Text2Text {
        Text2Text { model: Rc::new(model), session: Rc::new(RefCell::new(None)), bytes }
    }

    /// Starts generating; replaces any generation in progress. (It only
    /// queues GPU work, so it is synchronous on both backends.)
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
        *self.session.borrow_mut() = None;
        let session = match &*self.model {
            Placed::Cpu(m) => Session::Cpu(on_team(|| m.start_generation(prompt, &opts)).map_err(to_js)?),
            Placed::Gpu(m, _) => Session::Gpu(m.start_generation(prompt, &opts).map_err(to_js)?),
        };
        *self.session.borrow_mut() = Some(session);
        Ok(())
    }

    /// The next piece of text (possibly ""), or `undefined` when generation is
    /// done (CPU models; `nextPieceAsync` serves both).
    #[wasm_bindgen(js_name = nextPiece)]
    pub fn next_piece(&mut self) -> Result<Option<String>, JsValue> {
        let Placed::Cpu(m) = &*self.model else { return Err(input(USE_ASYNC)) };
        let result = match self.session.borrow_mut().as_mut() {
            Some(Session::Cpu(session)) => on_team(|| m.next_piece(session)),
            _ => return Err(input(NO_SESSION)),
        };
        if result.is_err() {
            *self.session.borrow_mut() = None; // a failed step ends the generation
        }
        result.map_err(to_js)
    }

    /// A promise of what `nextPiece` returns, on either backend.
    #[wasm_bindgen(js_name = nextPieceAsync)]
    pub fn next_piece_async(&self) -> js_sys::Promise {
        let (model, slot) = (self.model.clone(), self.session.clone());
        wasm_bindgen_futures::future_to_promise(async move {
            let mut session = slot.borrow_mut().take().ok_or_else(|| input(NO_SESSION))?;
            let piece = match (&*model, &mut session) {
                (Placed::Cpu(m), Session::Cpu(s)) => on_team(|| m.next_piece(s)),
                (Placed::Gpu(m, _), Session::Gpu(s)) => m.next_piece_async(s).await,
                _ => return Err(input("the generation belongs to another model")),
            }
            .map_err(to_js)?; // on an error the session stays dropped
            *slot.borrow_mut() = Some(session);
            Ok(piece.map_or(JsValue::UNDEFINED, JsValue::from))
        })
    }

    /// Ends the generation: `{ text, tokens: number[], finished, promptTruncated }`.
    #[wasm_bindgen(js_name = finishGeneration)]
    pub fn finish_generation(&mut self) -> Result<js_sys::Object, JsValue> {
        let session = self.session.borrow_mut().take().ok_or_else(|| input(NO_SESSION))?;
        let g = match (&*self.model, session) {
            (Placed::Cpu(m), Session::Cpu(s)) => m.finish(s),
            (Placed::Gpu(m, _), Session::Gpu(s)) => m.finish(s),
            _ => return Err(input("the generation belongs to another model")),
        }
        .map_err(to_js)?;
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
        *self.session.borrow_mut() = None;
    }

    /// `[{ candidate, logprob, tokens }]`: log-probability of each completion
    /// (CPU models; `scoreAsync` serves both).
    pub fn score(&self, prompt: &str, candidates: Vec<String>) -> Result<js_sys::Array, JsValue> {
        let Placed::Cpu(m) = &*self.model else { return Err(input(USE_ASYNC)) };
        let refs: Vec<&str> = candidates.iter().map(|s| s.as_str()).collect();
        Ok(scores_array(&on_team(|| m.score(prompt, &refs)).map_err(to_js)?))
    }

    /// A promise of what `score` returns, on either backend.
    #[wasm_bindgen(js_name = scoreAsync)]
    pub fn score_async(&self, prompt: String, candidates: Vec<String>) -> js_sys::Promise {
        let model = self.model.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let refs: Vec<&str> = candidates.iter().map(|s| s.as_str()).collect();
            let scores = match &*model {
                Placed::Cpu(m) => on_team(|| m.score(&prompt, &refs)),
                Placed::Gpu(m, _) => m.score_async(&prompt, &refs).await,
            };
            Ok(scores_array(&scores.map_err(to_js)?).into())
        })
    }

    pub fn info(&self) -> js_sys::Object {
        let meta = match &*self.model {
            Placed::Cpu(m) => m.meta(),
            Placed::Gpu(m, _) => m.meta(),
        };
        info_object(meta, "t5", self.bytes)
    }

    /// Test hook: destroys the WebGPU device, as a browser may at any time.
    #[wasm_bindgen(js_name = loseDeviceForTests)]
    pub fn lose_device_for_tests(&self) {
        self.model.lose_device();
    }
}

fn scores_array(scores: &[CandidateScore]) -> js_sys::Array {
    scores
        .iter()
        .map(|s| {
            let o = js_sys::Object::new();
            set(&o, "candidate", s.candidate.as_str());
            set(&o, "logprob", s.logprob as f64);
            set(&o, "tokens", s.tokens as f64);
            JsValue::from(o)
        })
        .collect()
}
