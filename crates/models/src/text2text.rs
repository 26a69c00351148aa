//! Prompted text-to-text with a T5 model: streaming generation and scoring
//! of candidate completions (for classification by labels).

use std::cell::RefCell;

use nunchi_engine::{Backend, Error, Result};

use crate::model_file::{Architecture, ModelFile, ModelMeta};
use crate::sampling::{log_softmax, Sampler, SamplingOptions};
use crate::t5::{DecoderState, T5Config, T5Model};
use crate::tokenizer::TextTokenizer;

#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub max_new_tokens: usize,
    pub sampling: SamplingOptions,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        Self { max_new_tokens: 32, sampling: SamplingOptions::default() }
    }
}

/// What `on_token` tells the generator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Stop,
}

#[derive(Debug, Clone)]
pub struct Generation {
    pub text: String,
    pub tokens: Vec<u32>,
    /// Prompt tokens cut to fit the model's limit.
    pub prompt_truncated: usize,
    /// True when generation ended at the end-of-sequence token.
    pub finished: bool,
}

/// Log-probability of one candidate completion.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateScore {
    pub candidate: String,
    /// Sum of token log-probabilities, end-of-sequence included.
    pub logprob: f32,
    pub tokens: usize,
}

impl CandidateScore {
    /// Length-normalized log-probability, for comparing labels of different lengths.
    pub fn mean_logprob(&self) -> f32 {
        self.logprob / self.tokens.max(1) as f32
    }
}

/// A generation in progress: decoder cache, sampler and the text so far.
pub struct GenerationSession<B: Backend> {
    state: DecoderState<B>,
    sampler: Sampler,
    tokens: Vec<u32>,
    emitted: String,
    next: u32,
    remaining: usize,
    finished: bool,
    prompt_truncated: usize,
}

pub struct Text2Text<B: Backend> {
    model: T5Model<B>,
    tokenizer: TextTokenizer,
    meta: ModelMeta,
}

impl<B: Backend> Text2Text<B> {
    pub fn load(backend: B, file: ModelFile) -> Result<Self> {
        if file.arch != Architecture::T5 {
            return Err(Error::format(format!("this is a {} model; text-to-text needs a T5 model", file.arch.name())));
        }
        let config = T5Config::from_json(&file.config_json)?;
        let tokenizer = TextTokenizer::from_json(&file.tokenizer_json, file.meta.max_tokens)?;
        if tokenizer.max_id() as usize >= config.vocab_size {
            return Err(Error::format(format!(
                "the tokenizer produces ids up to {} but the model's vocabulary has {} entries: tokenizer and weights do not belong together",
                tokenizer.max_id(),
                config.vocab_size
            )));
        }
        let weights = RefCell::new(file.weights);
        let model = T5Model::load(backend, &weights, config)?;
        Ok(Self { model, tokenizer, meta: file.meta })
    }

    pub fn meta(&self) -> &ModelMeta {
        &self.meta
    }

    pub fn model(&self) -> &T5Model<B> {
        &self.model
    }

    pub fn tokenizer(&self) -> &TextTokenizer {
        &self.tokenizer
    }

    /// Generates a completion of `prompt`. `on_token` receives each new piece
    /// of text as it is decoded and may stop generation (an `Aborted` error).
    pub fn generate(&self, prompt: &str, opts: &GenerateOptions, mut on_token: impl FnMut(&str) -> Flow) -> Result<Generation> {
        let mut session = self.start_generation(prompt, opts)?;
        while let Some(piece) = self.next_piece(&mut session)? {
            if !piece.is_empty() && on_token(&piece) == Flow::Stop {
                return Err(Error::aborted());
            }
        }
        self.finish(session)
    }

    /// Starts a generation that the caller advances token by token with
    /// [`Text2Text::next_piece`] (so an async caller can yield and cancel between tokens).
    pub fn start_generation(&self, prompt: &str, opts: &GenerateOptions) -> Result<GenerationSession<B>> {
        let sampler = Sampler::new(opts.sampling.clone())?;
        let enc = self.tokenizer.encode(prompt)?;
        let mask = vec![1.0; enc.ids.len()];
        let encoding = self.model.encode(&enc.ids, &mask, 1, enc.ids.len())?;
        let state = self.model.start_decoding(&encoding, 1)?;
        Ok(GenerationSession {
            state,
            sampler,
            tokens: Vec::new(),
            emitted: String::new(),
            next: self.model.config().decoder_start_token_id,
            remaining: opts.max_new_tokens,
            finished: false,
            prompt_truncated: enc.dropped,
        })
    }

    /// Decodes one token; returns the new text (possibly empty), or `None` when done.
    pub fn next_piece(&self, s: &mut GenerationSession<B>) -> Result<Option<String>> {
        let Some(step) = self.decode_step(s)? else { return Ok(None) };
        let b = self.model.backend();
        let token = match step {
            Step::Argmax(t) => b.to_vec(&t)?.first().map(|&i| i as u32),
            Step::TopK(v, i) => Some(s.sampler.next_from_top_k(&b.to_vec(&v)?, &indices(&b.to_vec(&i)?))),
            Step::Logits(t) => Some(s.sampler.next(&b.to_vec(&t)?)),
        };
        self.take_token(s, token)
    }

    /// [`Text2Text::next_piece`] with an async read-back, for backends a page
    /// cannot block on (WebGPU). Greedy steps read back one value, not the logits.
    pub async fn next_piece_async(&self, s: &mut GenerationSession<B>) -> Result<Option<String>> {
        let Some(step) = self.decode_step(s)? else { return Ok(None) };
        let b = self.model.backend();
        let token = match step {
            Step::Argmax(t) => b.read(&t).await?.first().map(|&i| i as u32),
            Step::TopK(v, i) => Some(s.sampler.next_from_top_k(&b.read(&v).await?, &indices(&b.read(&i).await?))),
            Step::Logits(t) => Some(s.sampler.next(&b.read(&t).await?)),
        };
        self.take_token(s, token)
    }

    /// Runs the decoder for the next token and finds on the backend what the
    /// sampler needs: the argmax (greedy), the top k (top-k sampling), or else
    /// all the logits.
    fn decode_step(&self, s: &mut GenerationSession<B>) -> Result<Option<Step<B::Tensor>>> {
        if s.finished || s.remaining == 0 {
            return Ok(None);
        }
        let b = self.model.backend();
        let logits = self.model.decode(&mut s.state, &[s.next], 1)?;
        Ok(Some(match s.sampler.top_k() {
            _ if s.sampler.is_greedy() => Step::Argmax(b.argmax(&logits)?),
            Some(k) if k <= BACKEND_TOP_K_MAX => {
                let (values, indices) = b.top_k(&logits, k)?;
                Step::TopK(values, indices)
            }
            _ => Step::Logits(logits),
        }))
    }

    fn take_token(&self, s: &mut GenerationSession<B>, token: Option<u32>) -> Result<Option<String>> {
        s.next = token.ok_or_else(|| Error::backend("the decoder returned no logits"))?;
        s.remaining -= 1;
        if s.next == self.model.config().eos_token_id {
            s.finished = true;
            return Ok(None);
        }
        s.tokens.push(s.next);
        // Decode the whole tail so SentencePiece spaces come out right.
        let text = self.tokenizer.decode(&s.tokens)?;
        let piece = text.strip_prefix(s.emitted.as_str()).unwrap_or("").to_string();
        s.emitted = text;
        Ok(Some(piece))
    }

    /// The result of a finished (or stopped) generation.
    pub fn finish(&self, s: GenerationSession<B>) -> Result<Generation> {
        Ok(Generation {
            // `emitted` is the decoded text of every token so far.
            text: s.emitted,
            tokens: s.tokens,
            prompt_truncated: s.prompt_truncated,
            finished: s.finished,
        })
    }

    /// Log-probability of each candidate completing `prompt`: one encoder pass,
    /// all candidates batched through the decoder.
    pub fn score(&self, prompt: &str, candidates: &[&str]) -> Result<Vec<CandidateScore>> {
        let (logits, targets, n) = self.score_logits(prompt, candidates)?;
        let logits = self.model.backend().to_vec(&logits)?;
        Ok(self.scores_from(&logits, candidates, &targets, n))
    }

    /// [`Text2Text::score`] with an async read-back (WebGPU).
    pub async fn score_async(&self, prompt: &str, candidates: &[&str]) -> Result<Vec<CandidateScore>> {
        let (logits, targets, n) = self.score_logits(prompt, candidates)?;
        let logits = self.model.backend().read(&logits).await?;
        Ok(self.scores_from(&logits, candidates, &targets, n))
    }

    /// The decoder's logits for every candidate `[candidates, n, vocab]`, the
    /// candidates' token ids, and `n` (the longest candidate's length).
    fn score_logits(&self, prompt: &str, candidates: &[&str]) -> Result<(B::Tensor, Vec<Vec<u32>>, usize)> {
        if candidates.is_empty() {
            return Err(Error::input("no candidates to score: pass at least one"));
        }
        let cfg = self.model.config();
        let targets: Vec<Vec<u32>> = candidates.iter().map(|c| self.tokenizer.encode(c).map(|e| e.ids)).collect::<Result<_>>()?;
        if let Some(i) = targets.iter().position(|t| t.is_empty()) {
            return Err(Error::input(format!("candidate {:?} has no tokens to score", candidates[i])));
        }
        let n = targets.iter().map(|t| t.len()).max().unwrap_or(1);
        // Decoder input: start token then the target shifted right, padded at the end
        // (causal attention keeps padding from touching real positions).
        let mut inputs = vec![cfg.pad_token_id; candidates.len() * n];
        for (row, t) in targets.iter().enumerate() {
            inputs[row * n] = cfg.decoder_start_token_id;
            inputs[row * n + 1..row * n + t.len()].copy_from_slice(&t[..t.len() - 1]);
        }
        let enc = self.tokenizer.encode(prompt)?;
        let mask = vec![1.0; enc.ids.len()];
        let encoding = self.model.encode(&enc.ids, &mask, 1, enc.ids.len())?;
        let mut state = self.model.start_decoding(&encoding, candidates.len())?;
        Ok((self.model.decode(&mut state, &inputs, n)?, targets, n))
    }

    fn scores_from(&self, logits: &[f32], candidates: &[&str], targets: &[Vec<u32>], n: usize) -> Vec<CandidateScore> {
        let vocab = self.model.config().vocab_size;
        targets
            .iter()
            .enumerate()
            .map(|(row, t)| {
                let logprob = t
                    .iter()
                    .enumerate()
                    .map(|(i, &tok)| {
                        let at = (row * n + i) * vocab;
                        log_softmax(&logits[at..at + vocab])[tok as usize]
                    })
                    .sum();
                CandidateScore { candidate: candidates[row].to_string(), logprob, tokens: t.len() }
            })
            .collect()
    }
}

/// What a decode step leaves on the backend: the chosen token (greedy), the
/// top-k values and indices, or the logits.
enum Step<T> {
    Argmax(T),
    TopK(T, T),
    Logits(T),
}

/// Larger top-k than this reads back the logits instead: each of the GPU
/// kernel's picks is a pass over the vocabulary (and it takes at most 1,024).
const BACKEND_TOP_K_MAX: usize = 1024;

/// Token indices a backend returned as f32 (exact below 2²⁴).
fn indices(values: &[f32]) -> Vec<u32> {
    values.iter().map(|&i| i as u32).collect()
}
