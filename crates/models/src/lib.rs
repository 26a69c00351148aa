//! nunchi's models: BERT-family sentence encoders and T5 encoder-decoders,
//! each written once over [`nunchi_engine::Backend`], plus the model file
//! formats they load from.

pub mod bert;
pub mod buckets;
pub mod classifier;
pub mod encoder;
pub mod encoder_config;
mod gguf_check;
pub mod hub;
pub mod legacy_tokenizer;
pub mod model_file;
pub mod position_bias;
pub mod sampling;
pub mod t5;
pub mod text2text;
pub mod tokenizer;
mod tokenizer_check;
pub mod weights;

pub use classifier::{Classification, ClassifierHead, TextClassifier};
pub use encoder::{EmbedOptions, Embeddings, Pooling, SentenceEncoder};
pub use encoder_config::{EncoderConfig, ProblemType, Variant};
pub use model_file::{quantize_weights, Architecture, HfParts, ModelFile, ModelMeta, Prefixes};
pub use sampling::SamplingOptions;
pub use text2text::{CandidateScore, Flow, GenerateOptions, Generation, GenerationSession, Text2Text};
