//! One contrastive training step: embed the batch's texts, the pairs' loss,
//! backward through candle's autograd, clip, AdamW at the scheduled rate.

use candle_core::{Device, Tensor};
use nunchi_engine::{Error, Result};
use nunchi_models::bert::Batch;
use nunchi_models::Pooling;

use crate::dropout::Dropout;
use crate::encoder::TrainableEncoder;
use crate::loss::cosine_similarity_loss;
use crate::optimizer::{AdamW, AdamWOptions};
use crate::pairs::Pair;
use crate::schedule::LinearSchedule;

/// A tokenized text: token ids and token type ids.
pub type Sequence = (Vec<u32>, Vec<u32>);

/// What one step did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepStats {
    /// The batch's loss before the update.
    pub loss: f32,
    /// The learning rate the update used.
    pub lr: f64,
    /// The gradients' global norm before clipping.
    pub grad_norm: f64,
}

/// An encoder with its optimizer and schedule.
pub struct Trainer {
    encoder: TrainableEncoder,
    optimizer: AdamW,
    schedule: LinearSchedule,
    learning_rate: f64,
    pooling: Pooling,
    pad_id: u32,
    step: usize,
    /// Applied in [`Trainer::step`]'s forward only; off unless set.
    dropout: Dropout,
}

impl Trainer {
    /// `schedule` spans the whole run; `learning_rate` is its peak.
    pub fn new(
        encoder: TrainableEncoder,
        opts: AdamWOptions,
        learning_rate: f64,
        schedule: LinearSchedule,
        pooling: Pooling,
        pad_id: u32,
    ) -> Result<Self> {
        let optimizer = AdamW::new(encoder.params(), opts)?;
        Ok(Self { encoder, optimizer, schedule, learning_rate, pooling, pad_id, step: 0, dropout: Dropout::off() })
    }

    /// Trains with dropout `p` (PyTorch's `train()` mode), its masks drawn from `seed`.
    pub fn with_dropout(mut self, p: f64, seed: u64) -> Result<Self> {
        if !(0.0..1.0).contains(&p) {
            return Err(Error::input(format!("dropout must be in [0, 1), got {p}")));
        }
        self.dropout = Dropout::new(p, seed);
        Ok(self)
    }

    pub fn encoder(&self) -> &TrainableEncoder {
        &self.encoder
    }

    pub fn into_encoder(self) -> TrainableEncoder {
        self.encoder
    }

    /// Steps taken so far.
    pub fn steps(&self) -> usize {
        self.step
    }

    /// The loss of `pairs` over the texts `seqs` (pairs index into `seqs`),
    /// a differentiable scalar, without dropout. Each text in the batch runs
    /// once, however many pairs it is in: its gradients add up through the row
    /// selection, as they would from separate runs.
    pub fn loss(&self, seqs: &[Sequence], pairs: &[Pair]) -> Result<Tensor> {
        self.loss_with(seqs, pairs, &mut Dropout::off())
    }

    fn loss_with(&self, seqs: &[Sequence], pairs: &[Pair], dropout: &mut Dropout) -> Result<Tensor> {
        if pairs.is_empty() {
            return Err(Error::input("a training batch needs at least one pair"));
        }
        // The texts this batch uses, each once, and where each pair's two land.
        let mut used: Vec<usize> = pairs.iter().flat_map(|p| [p.a, p.b]).collect();
        used.sort_unstable();
        used.dedup();
        if let Some(&last) = used.last() {
            if last >= seqs.len() {
                return Err(Error::input(format!("a pair refers to text {last} of {}", seqs.len())));
            }
        }
        let row = |i: usize| used.binary_search(&i).unwrap_or_default() as u32;
        let batch = Batch::pad(&used.iter().map(|&i| seqs[i].clone()).collect::<Vec<_>>(), self.pad_id)?;
        let embeddings = self.encoder.embed_with(&batch, self.pooling, dropout)?;
        let dev = Device::Cpu;
        let side = |pick: fn(&Pair) -> usize| -> Result<Tensor> {
            let rows: Vec<u32> = pairs.iter().map(|p| row(pick(p))).collect();
            Ok(embeddings.index_select(&Tensor::from_vec(rows, pairs.len(), &dev)?, 0)?)
        };
        let targets = Tensor::from_vec(pairs.iter().map(|p| p.label).collect::<Vec<f32>>(), pairs.len(), &dev)?;
        Ok(cosine_similarity_loss(&side(|p| p.a)?, &side(|p| p.b)?, &targets)?)
    }

    /// One optimizer step on `pairs`, at the schedule's rate for this step.
    pub fn step(&mut self, seqs: &[Sequence], pairs: &[Pair]) -> Result<StepStats> {
        let loss = self.forward(seqs, pairs)?;
        self.update(loss)
    }

    /// A step's first half: the loss of `pairs` in `train()` mode (dropout
    /// on), its graph kept for [`Trainer::update`].
    pub fn forward(&mut self, seqs: &[Sequence], pairs: &[Pair]) -> Result<Tensor> {
        let mut dropout = std::mem::replace(&mut self.dropout, Dropout::off());
        let loss = self.loss_with(seqs, pairs, &mut dropout);
        self.dropout = dropout;
        loss
    }

    /// A step's second half: backward from `loss` (from [`Trainer::forward`]),
    /// then AdamW at the schedule's rate for this step.
    pub fn update(&mut self, loss: Tensor) -> Result<StepStats> {
        let value = loss.to_dtype(candle_core::DType::F32)?.to_scalar::<f32>()?;
        let grads = loss.backward()?;
        // The forward graph's activations go before AdamW's buffers come.
        drop(loss);
        let lr = self.learning_rate * self.schedule.factor(self.step);
        let grad_norm = self.optimizer.step(&grads, lr)?;
        self.step += 1;
        Ok(StepStats { loss: value, lr, grad_norm })
    }
}
