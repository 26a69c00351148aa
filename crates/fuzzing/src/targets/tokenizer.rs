use nunchi_models::legacy_tokenizer::LegacyTokenizerFiles;
use nunchi_models::tokenizer::TextTokenizer;

use crate::exercise::TEXTS;
use crate::fixtures::{minilm_tokenizer, MINILM_MAX_TOKENS};
use crate::input;

/// Token limit for tokenizers read from the input.
const MAX_TOKENS: usize = 16;

/// The real MiniLM tokenizer on the input as text (lossy UTF-8), then the
/// input read as a `tokenizer.json`, as a `vocab.txt`, and (split at the first
/// NUL byte) as `vocab.json` + `merges.txt`, each tokenizer run on a few texts.
pub fn tokenizer(data: &[u8]) {
    let text = input::text(data);
    let minilm = minilm_tokenizer();
    if let Ok(enc) = minilm.encode(&text) {
        assert!(enc.ids.len() <= MINILM_MAX_TOKENS, "{} tokens past the limit of {MINILM_MAX_TOKENS}", enc.ids.len());
        assert_eq!(enc.ids.len(), enc.type_ids.len());
        let _ = minilm.decode(&enc.ids);
    }
    run(TextTokenizer::from_json(&text, MAX_TOKENS));
    let vocab_txt = LegacyTokenizerFiles { vocab_txt: Some(text.clone()), ..Default::default() };
    run(vocab_txt.to_tokenizer_json().and_then(|json| TextTokenizer::from_json(&json, MAX_TOKENS)));
    if let (vocab, merges @ [_, ..]) = input::split_at_nul(data) {
        let files = LegacyTokenizerFiles {
            vocab_json: Some(input::text(vocab)),
            merges_txt: Some(input::text(merges)),
            ..Default::default()
        };
        run(files.to_tokenizer_json().and_then(|json| TextTokenizer::from_json(&json, MAX_TOKENS)));
    }
}

fn run(tokenizer: nunchi_engine::Result<TextTokenizer>) {
    let Ok(tokenizer) = tokenizer else { return };
    let _ = (tokenizer.vocab_size(), tokenizer.max_id());
    for text in TEXTS {
        if let Ok(enc) = tokenizer.encode(text) {
            let _ = tokenizer.decode(&enc.ids);
        }
    }
}
