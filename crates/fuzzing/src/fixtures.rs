//! What the targets run against, loaded once per process: the real MiniLM
//! tokenizer, the smallest encoder the tests use (the seeded BERT fixture,
//! committed) and the tiny generated Flan-T5 (`models/`, from
//! `scripts/prepare-models.sh`). A missing file stops the run with the fix:
//! it is the set-up that is wrong, not the input.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use nunchi_engine::{CpuBackend, Quant};
use nunchi_models::tokenizer::TextTokenizer;
use nunchi_models::{ModelFile, SentenceEncoder, Text2Text};

/// The repository's root (this crate is `crates/fuzzing`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `models/` as the other tests find it (override with NUNCHI_MODELS).
pub fn models_dir() -> PathBuf {
    std::env::var_os("NUNCHI_MODELS").map(PathBuf::from).unwrap_or_else(|| repo_root().join("models"))
}

fn required(path: PathBuf) -> PathBuf {
    if !path.exists() {
        panic!("{} is missing: run scripts/prepare-models.sh first", path.display());
    }
    path
}

fn open(path: &Path) -> ModelFile {
    ModelFile::open(path, Quant::F32).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// MiniLM's token limit (`sentence_bert_config.json`'s `max_seq_length`).
pub const MINILM_MAX_TOKENS: usize = 256;

/// all-MiniLM-L6-v2's own `tokenizer.json`.
pub fn minilm_tokenizer() -> &'static TextTokenizer {
    static TOKENIZER: OnceLock<TextTokenizer> = OnceLock::new();
    TOKENIZER.get_or_init(|| {
        let path = required(models_dir().join("all-MiniLM-L6-v2/tokenizer.json"));
        let json = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        TextTokenizer::from_json(&json, MINILM_MAX_TOKENS).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    })
}

/// The seeded 2-layer BERT of the classifier tests (`tests/fixtures/encoders/bert-cls`).
pub fn encoder() -> &'static SentenceEncoder<CpuBackend> {
    static ENCODER: OnceLock<SentenceEncoder<CpuBackend>> = OnceLock::new();
    ENCODER.get_or_init(|| {
        let dir = required(repo_root().join("tests/fixtures/encoders/bert-cls"));
        SentenceEncoder::load(CpuBackend::new(), open(&dir)).unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
    })
}

/// The narrow 2+2-layer generated Flan-T5 (real tokenizer).
pub fn t5() -> &'static Text2Text<CpuBackend> {
    static T5: OnceLock<Text2Text<CpuBackend>> = OnceLock::new();
    T5.get_or_init(|| {
        let dir = required(models_dir().join("flan-t5-small-generated-tiny"));
        Text2Text::load(CpuBackend::new(), open(&dir)).unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
    })
}
