//! Fuzz target bodies: one function per parser, each feeding arbitrary bytes
//! to the project's real entry point. Every one accepts an `Err` (bad input
//! must be refused with a code) and must never panic: in wasm a panic kills
//! the module. The cargo-fuzz targets in `fuzz/` are thin wrappers over these,
//! and `tests/smoke.rs` replays the corpora and a seeded mutation loop on
//! stable Rust.

pub mod corpus;
pub mod exercise;
pub mod fixtures;
pub mod input;
pub mod json_mutate;
pub mod mutate;
pub mod seeds;

mod targets;

pub use targets::{csv, embed_text, gguf, head_json, hf_files, tokenizer, topics_json};

/// A target: its name (the folder under `fuzz/corpus/`) and its body.
pub type Target = (&'static str, fn(&[u8]));

/// Every target, in the order the smoke and `scripts/fuzz.sh` run them.
pub const TARGETS: &[Target] = &[
    ("gguf", gguf),
    ("hf_files", hf_files),
    ("tokenizer", tokenizer),
    ("csv", csv),
    ("head_json", head_json),
    ("topics_json", topics_json),
    ("embed_text", embed_text),
];
