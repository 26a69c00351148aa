//! One module per target; each `pub fn` takes the fuzzer's bytes.

mod csv;
mod embed_text;
mod gguf;
mod head_json;
mod hf_files;
mod tokenizer;
mod topics_json;

pub use csv::csv;
pub use embed_text::embed_text;
pub use gguf::gguf;
pub use head_json::head_json;
pub use hf_files::hf_files;
pub use tokenizer::tokenizer;
pub use topics_json::topics_json;
