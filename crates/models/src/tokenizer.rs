//! A Hugging Face `tokenizer.json` with the truncation rule nunchi promises:
//! long texts are cut to the model's limit, special tokens kept, and the
//! number of dropped tokens reported, never an error.

use nunchi_engine::{Error, Result};
use tokenizers::{PostProcessor, Tokenizer};

/// Token ids of one text, after truncation.
#[derive(Debug, Clone, PartialEq)]
pub struct Encoded {
    pub ids: Vec<u32>,
    pub type_ids: Vec<u32>,
    /// Tokens cut from the end of the text to fit `max_tokens`.
    pub dropped: usize,
}

pub struct TextTokenizer {
    inner: Tokenizer,
    max_tokens: usize,
}

impl TextTokenizer {
    /// Parses `tokenizer.json`; sequences are cut to `max_tokens` including special tokens.
    pub fn from_json(json: &str, max_tokens: usize) -> Result<Self> {
        // Refuses the malformed files the tokenizers crate would panic on.
        crate::tokenizer_check::check(json)?;
        let mut inner = Tokenizer::from_bytes(json.as_bytes())
            .map_err(|e| Error::format(format!("tokenizer.json could not be parsed: {e}")))?;
        // Saved tokenizers often carry a training-time truncation/padding; we do our own.
        inner.with_truncation(None).map_err(|e| Error::format(format!("tokenizer: {e}")))?;
        inner.with_padding(None);
        if max_tokens < 4 {
            return Err(Error::format(format!("a maximum sequence length of {max_tokens} tokens is too small")));
        }
        Ok(Self { inner, max_tokens })
    }

    /// Number of ids the tokenizer can produce (its vocabulary and added tokens).
    pub fn vocab_size(&self) -> usize {
        self.inner.get_vocab_size(true)
    }

    /// The largest id the tokenizer can produce, checked against the model's embedding table.
    pub fn max_id(&self) -> u32 {
        self.inner.get_vocab(true).values().copied().max().unwrap_or(0)
    }

    /// The vocabulary's pieces, in no order (what `language::vocabulary_scripts` reads).
    pub fn pieces(&self) -> Vec<String> {
        self.inner.get_vocab(false).into_keys().collect()
    }

    pub fn max_tokens(&self) -> usize {
        self.max_tokens
    }

    pub fn token_id(&self, token: &str) -> Option<u32> {
        self.inner.token_to_id(token)
    }

    /// Encodes one text with the model's special tokens, truncated to fit.
    pub fn encode(&self, text: &str) -> Result<Encoded> {
        let raw = self.inner.encode(text, false).map_err(|e| Error::input(format!("the text could not be tokenized: {e}")))?;
        let specials = self.inner.get_post_processor().map(|p| p.added_tokens(false)).unwrap_or(0);
        let room = self.max_tokens.saturating_sub(specials);
        let mut raw = raw;
        let dropped = raw.len().saturating_sub(room);
        if dropped > 0 {
            raw.truncate(room, 0, tokenizers::TruncationDirection::Right);
        }
        let full = self
            .inner
            .post_process(raw, None, true)
            .map_err(|e| Error::input(format!("the text could not be tokenized: {e}")))?;
        Ok(Encoded { ids: full.get_ids().to_vec(), type_ids: full.get_type_ids().to_vec(), dropped })
    }

    /// Text of `ids`, special tokens removed. Ids the vocabulary lacks are skipped.
    pub fn decode(&self, ids: &[u32]) -> Result<String> {
        self.inner.decode(ids, true).map_err(|e| Error::backend(format!("could not decode tokens: {e}")))
    }
}
