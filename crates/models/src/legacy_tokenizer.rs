//! A `tokenizer.json` for checkpoints that ship only the older tokenizer
//! files (many fine-tuned task models on the Hub): BERT-style WordPiece from
//! `vocab.txt`, and RoBERTa-style byte-level BPE from `vocab.json` +
//! `merges.txt`, set up as transformers' `BertTokenizerFast` and
//! `RobertaTokenizerFast` convert them. The result is stored like any
//! `tokenizer.json`, so a converted GGUF carries it.

use nunchi_engine::{Error, Result};
use serde_json::{json, Map, Value};

/// The older tokenizer files of a checkpoint, as text, where present.
#[derive(Debug, Clone, Default)]
pub struct LegacyTokenizerFiles {
    pub vocab_txt: Option<String>,
    pub vocab_json: Option<String>,
    pub merges_txt: Option<String>,
    /// `tokenizer_config.json` (`do_lower_case`).
    pub tokenizer_config: Option<String>,
}

/// File names, for messages and for the loaders that fetch them.
pub const LEGACY_TOKENIZER_FILES: &[&str] = &["vocab.txt", "vocab.json", "merges.txt", "tokenizer_config.json"];

/// The checkpoint's `tokenizer.json` when it has one, else one built from its
/// older files, which `read` returns by name where present.
pub fn tokenizer_json_or_legacy(tokenizer_json: Option<String>, read: impl Fn(&str) -> Option<String>) -> Result<String> {
    if let Some(json) = tokenizer_json {
        return Ok(json);
    }
    LegacyTokenizerFiles {
        vocab_txt: read("vocab.txt"),
        vocab_json: read("vocab.json"),
        merges_txt: read("merges.txt"),
        tokenizer_config: read("tokenizer_config.json"),
    }
    .to_tokenizer_json()
}

impl LegacyTokenizerFiles {
    /// A `tokenizer.json` from these files; `E_FORMAT` naming what is missing.
    pub fn to_tokenizer_json(&self) -> Result<String> {
        let value = match (&self.vocab_txt, &self.vocab_json, &self.merges_txt) {
            (_, Some(vocab), Some(merges)) => byte_level_bpe(vocab, merges)?,
            (Some(vocab), _, _) => word_piece(vocab, self.lowercase())?,
            _ => {
                return Err(Error::format(
                    "the model has no tokenizer.json, and no vocab.txt or vocab.json + merges.txt to build one from",
                ))
            }
        };
        serde_json::to_string(&value).map_err(|e| Error::format(format!("tokenizer: {e}")))
    }

    /// `do_lower_case` from `tokenizer_config.json` (transformers' default: true).
    fn lowercase(&self) -> bool {
        let config: Value = self.tokenizer_config.as_deref().and_then(|c| serde_json::from_str(c).ok()).unwrap_or_default();
        config.get("do_lower_case").and_then(Value::as_bool).unwrap_or(true)
    }
}

fn added(id: u32, content: &str) -> Value {
    json!({ "id": id, "content": content, "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true })
}

fn special(vocab: &Map<String, Value>, name: &str) -> Result<u32> {
    vocab
        .get(name)
        .and_then(Value::as_u64)
        .map(|id| id as u32)
        .ok_or_else(|| Error::format(format!("the tokenizer vocabulary has no '{name}'")))
}

/// `BertTokenizerFast`: one token per line of `vocab.txt`, `[CLS] … [SEP]`.
fn word_piece(vocab_txt: &str, lowercase: bool) -> Result<Value> {
    let mut vocab = Map::new();
    for (id, token) in vocab_txt.lines().enumerate() {
        vocab.entry(token.trim_end_matches('\r').to_string()).or_insert(json!(id));
    }
    let (cls, sep) = (special(&vocab, "[CLS]")?, special(&vocab, "[SEP]")?);
    let specials: Vec<Value> = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
        .iter()
        .filter_map(|name| vocab.get(*name).and_then(Value::as_u64).map(|id| added(id as u32, name)))
        .collect();
    Ok(json!({
        "version": "1.0", "truncation": null, "padding": null,
        "added_tokens": specials,
        "normalizer": { "type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": null, "lowercase": lowercase },
        "pre_tokenizer": { "type": "BertPreTokenizer" },
        "post_processor": { "type": "BertProcessing", "sep": ["[SEP]", sep], "cls": ["[CLS]", cls] },
        "decoder": { "type": "WordPiece", "prefix": "##", "cleanup": true },
        "model": { "type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100, "vocab": vocab },
    }))
}

/// `RobertaTokenizerFast`: byte-level BPE, `<s> … </s>`.
fn byte_level_bpe(vocab_json: &str, merges_txt: &str) -> Result<Value> {
    let vocab: Map<String, Value> =
        serde_json::from_str(vocab_json).map_err(|e| Error::format(format!("vocab.json is not a token → id map: {e}")))?;
    // merges.txt: an optional "#version" line, then "left right" per line.
    let merges: Vec<Value> = merges_txt
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.is_empty() && !l.starts_with("#version"))
        .map(|l| match l.split_once(' ') {
            Some((a, b)) => Ok(json!([a, b])),
            None => Err(Error::format(format!("merges.txt line '{l}' is not two tokens"))),
        })
        .collect::<Result<_>>()?;
    let (cls, sep) = (special(&vocab, "<s>")?, special(&vocab, "</s>")?);
    let specials: Vec<Value> = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
        .iter()
        .filter_map(|name| vocab.get(*name).and_then(Value::as_u64).map(|id| added(id as u32, name)))
        .collect();
    let byte_level = json!({ "type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true });
    Ok(json!({
        "version": "1.0", "truncation": null, "padding": null,
        "added_tokens": specials,
        "normalizer": null,
        "pre_tokenizer": byte_level,
        "post_processor": { "type": "RobertaProcessing", "sep": ["</s>", sep], "cls": ["<s>", cls], "trim_offsets": true, "add_prefix_space": false },
        "decoder": byte_level,
        "model": {
            "type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": null, "end_of_word_suffix": null,
            "fuse_unk": false, "byte_fallback": false, "ignore_merges": false, "vocab": vocab, "merges": merges,
        },
    }))
}
