//! Fine-tuning nunchi's sentence encoders on the user's own labels, natively,
//! in f32: SetFit's contrastive embedding phase (pairs of examples pulled
//! together or apart by `CosineSimilarityLoss`), with candle's autograd
//! differentiating a BERT-family encoder written in its basic ops.
//!
//! - [`pairs`]: SetFit's pair sampling.
//! - [`encoder`]: the trainable encoder, loaded from and written back to the
//!   inference model's weights.
//! - [`ops`], [`gelu_erf`], [`layer_norm`], [`loss`], [`dropout`]: the differentiable pieces.
//! - [`optimizer`], [`schedule`]: AdamW with clipping, and the learning rate.
//! - [`trainer`]: one step; [`fit`]: the SetFit run, step by step; [`model`]:
//!   a model file in, a tuned model file out.

pub mod attention_softmax;
pub mod dropout;
pub mod encoder;
pub mod fit;
pub mod gelu_erf;
pub mod layer_norm;
pub mod loss;
pub mod model;
pub mod ops;
pub mod optimizer;
pub mod pairs;
pub mod schedule;
mod shuffle;
pub mod trainer;

pub use encoder::{Param, TrainableEncoder};
pub use fit::{fine_tune, FineTuneOptions, FineTuneReport, FineTuning};
pub use model::{fine_tune_model, ModelFineTuning};
pub use optimizer::{AdamW, AdamWOptions};
pub use pairs::{check_examples, contrastive_pairs, Pair};
pub use schedule::LinearSchedule;
pub use trainer::{Sequence, StepStats, Trainer};
