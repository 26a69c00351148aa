//! nunchi's models: BERT-family sentence encoders and T5 encoder-decoders,
//! each written once over [`nunchi_engine::Backend`], plus the model file
//! formats they load from.

pub mod bert;
pub mod buckets;
pub mod encoder;
pub mod model_file;
pub mod sampling;
pub mod t5;
pub mod text2text;
pub mod tokenizer;
pub mod weights;

pub use encoder::{EmbedOptions, Embeddings, Pooling, SentenceEncoder};
pub use model_file::{Architecture, HfParts, ModelFile, ModelMeta, Prefixes};
pub use sampling::SamplingOptions;
pub use text2text::{CandidateScore, Flow, GenerateOptions, Generation, GenerationSession, Text2Text};
