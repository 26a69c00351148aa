//! SetFit's embedding phase, `Trainer.train_embeddings` with
//! `CosineSimilarityLoss` and `num_iterations` set
//! (<https://github.com/huggingface/setfit/blob/main/src/setfit/trainer.py>):
//! sample pairs ([`crate::pairs`]), shuffle them each epoch (the
//! sentence-transformers trainer's random sampler, last batch kept), and take
//! one [`Trainer::step`] per batch with a linear warm-up and decay, in
//! `train()` mode (dropout on). [`FineTuning`] takes one step per call, so a
//! caller can report progress and stop between steps; [`fine_tune`] runs them all.

use std::fmt::Display;

use candle_core::Tensor;
use nunchi_engine::{Error, Result, Rng};
use nunchi_models::tokenizer::TextTokenizer;
use nunchi_models::Pooling;

use crate::encoder::TrainableEncoder;
use crate::optimizer::AdamWOptions;
use crate::pairs::{contrastive_pairs, Pair, DEFAULT_NUM_ITERATIONS};
use crate::schedule::LinearSchedule;
use crate::shuffle::shuffle;
use crate::trainer::{Sequence, StepStats, Trainer};

/// Mixed into the seed for the epochs' batch order and the dropout masks, so
/// that each is a stream apart from the pair sampling's.
const ORDER_STREAM: u64 = 0x6F72_6465_7273_6565;
const DROPOUT_STREAM: u64 = 0x6472_6F70_6F75_7421;

/// SetFit's training arguments for the embedding phase; the defaults are its own.
#[derive(Debug, Clone, PartialEq)]
pub struct FineTuneOptions {
    /// Positive and negative pairs per example (`num_iterations`).
    pub num_iterations: usize,
    /// Pairs per step (`batch_size`, 16).
    pub batch_size: usize,
    /// Passes over the pairs (`num_epochs`, 1).
    pub epochs: usize,
    /// The peak learning rate (`body_learning_rate`, 2e-5).
    pub learning_rate: f64,
    /// Share of the steps spent warming up (`warmup_proportion`, 0.1).
    pub warmup_proportion: f64,
    /// Dropout while training (0.1: the `hidden_dropout_prob` and
    /// `attention_probs_dropout_prob` of BERT and of the sentence encoders
    /// nunchi runs, which sentence-transformers' training keeps on); 0 turns it off.
    pub dropout: f64,
    pub adamw: AdamWOptions,
    /// Seeds the pairs and their order (`seed`, 42).
    pub seed: u64,
}

impl Default for FineTuneOptions {
    fn default() -> Self {
        Self {
            num_iterations: DEFAULT_NUM_ITERATIONS,
            batch_size: 16,
            epochs: 1,
            learning_rate: 2e-5,
            warmup_proportion: 0.1,
            dropout: 0.1,
            adamw: AdamWOptions::default(),
            seed: 42,
        }
    }
}

impl FineTuneOptions {
    fn check(&self) -> Result<()> {
        if self.batch_size == 0 || self.epochs == 0 {
            return Err(Error::input("batch_size and epochs must be at least 1"));
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(Error::input(format!("the learning rate must be a positive number, got {}", self.learning_rate)));
        }
        if !(0.0..=1.0).contains(&self.warmup_proportion) {
            return Err(Error::input(format!("warmup_proportion must be in [0, 1], got {}", self.warmup_proportion)));
        }
        Ok(())
    }
}

/// What a run did.
#[derive(Debug, Clone, PartialEq)]
pub struct FineTuneReport {
    pub pairs: usize,
    pub steps: usize,
    /// Each step's batch loss, before its update.
    pub losses: Vec<f32>,
}

/// A SetFit run taken one step at a time.
pub struct FineTuning {
    trainer: Trainer,
    seqs: Vec<Sequence>,
    pairs: Vec<Pair>,
    batch_size: usize,
    order_rng: Rng,
    /// This epoch's pairs in their shuffled order, and how many have been used.
    order: Vec<Pair>,
    used: usize,
    total: usize,
    losses: Vec<f32>,
    /// The next step's loss, its forward run ahead by [`FineTuning::forward_next`].
    pending: Option<Tensor>,
}

impl FineTuning {
    /// Samples the pairs and tokenizes the texts (used as given: add a
    /// model's query prefix before); no step is taken yet.
    pub fn new<L: PartialEq + Display>(
        encoder: TrainableEncoder,
        tokenizer: &TextTokenizer,
        pooling: Pooling,
        texts: &[&str],
        labels: &[L],
        opts: &FineTuneOptions,
    ) -> Result<Self> {
        opts.check()?;
        let pairs = contrastive_pairs(texts, labels, opts.num_iterations, opts.seed)?;
        let seqs =
            texts.iter().map(|t| tokenizer.encode(t).map(|enc| (enc.ids, enc.type_ids))).collect::<Result<Vec<Sequence>>>()?;
        let total = pairs.len().div_ceil(opts.batch_size) * opts.epochs;
        let schedule = LinearSchedule::new(total, opts.warmup_proportion);
        let trainer = Trainer::new(encoder, opts.adamw, opts.learning_rate, schedule, pooling, pad_id(tokenizer))?
            .with_dropout(opts.dropout, opts.seed ^ DROPOUT_STREAM)?;
        Ok(Self {
            trainer,
            seqs,
            pairs,
            batch_size: opts.batch_size,
            order_rng: Rng::new(opts.seed ^ ORDER_STREAM),
            order: Vec::new(),
            used: 0,
            total,
            losses: Vec::with_capacity(total),
            pending: None,
        })
    }

    /// Steps in the whole run.
    pub fn total_steps(&self) -> usize {
        self.total
    }

    /// The contrastive pairs sampled from the texts.
    pub fn pairs(&self) -> usize {
        self.pairs.len()
    }

    /// Steps taken so far.
    pub fn steps_done(&self) -> usize {
        self.trainer.steps()
    }

    pub fn is_done(&self) -> bool {
        self.steps_done() >= self.total
    }

    /// Takes the next step; `None` once every step is taken.
    pub fn step(&mut self) -> Result<Option<StepStats>> {
        // The forward may have run ahead already; `forward_next` then keeps it.
        if !self.forward_next()? {
            return Ok(None);
        }
        let Some(loss) = self.pending.take() else { return Ok(None) };
        let stats = self.trainer.update(loss)?;
        self.losses.push(stats.loss);
        Ok(Some(stats))
    }

    /// Runs the next step's forward pass ahead of [`FineTuning::step`], which
    /// then only goes backward and updates: a caller can time it to estimate
    /// the run before it starts, at no extra cost. `false` once every step is taken.
    pub fn forward_next(&mut self) -> Result<bool> {
        if self.is_done() {
            return Ok(false);
        }
        if self.pending.is_some() {
            return Ok(true);
        }
        if self.used >= self.order.len() {
            self.order = self.pairs.clone();
            shuffle(&mut self.order, &mut self.order_rng);
            self.used = 0;
        }
        let end = (self.used + self.batch_size).min(self.order.len());
        self.pending = Some(self.trainer.forward(&self.seqs, &self.order[self.used..end])?);
        self.used = end;
        Ok(true)
    }

    /// What the run did so far.
    pub fn report(&self) -> FineTuneReport {
        FineTuneReport { pairs: self.pairs.len(), steps: self.total, losses: self.losses.clone() }
    }

    /// The encoder as trained so far.
    pub fn into_encoder(self) -> TrainableEncoder {
        self.trainer.into_encoder()
    }

    pub fn encoder(&self) -> &TrainableEncoder {
        self.trainer.encoder()
    }
}

/// Fine-tunes `encoder` on labelled texts as SetFit's embedding phase does;
/// `on_step(step, total, stats)` is called after each step. Texts are used as
/// given (add a model's query prefix before). Returns the trained encoder.
pub fn fine_tune<L: PartialEq + Display>(
    encoder: TrainableEncoder,
    tokenizer: &TextTokenizer,
    pooling: Pooling,
    texts: &[&str],
    labels: &[L],
    opts: &FineTuneOptions,
    mut on_step: impl FnMut(usize, usize, &StepStats),
) -> Result<(TrainableEncoder, FineTuneReport)> {
    let mut run = FineTuning::new(encoder, tokenizer, pooling, texts, labels, opts)?;
    while let Some(stats) = run.step()? {
        on_step(run.steps_done(), run.total_steps(), &stats);
    }
    let report = run.report();
    Ok((run.into_encoder(), report))
}

/// The padding id `SentenceEncoder` uses; padding is masked, so any id would do.
fn pad_id(tokenizer: &TextTokenizer) -> u32 {
    tokenizer.token_id("[PAD]").or_else(|| tokenizer.token_id("<pad>")).unwrap_or(0)
}
