use std::sync::OnceLock;

use nunchi_engine::quant::QUANT_NAMES;
use nunchi_models::{HfParts, ModelFile};

use crate::{exercise, input, seeds};

/// A Hugging Face checkpoint held in memory, the path of `fromHfFiles` and
/// model folders: `[quant selector]config.json NUL model.safetensors`.
/// The tokenizer is the tiny model's of the config's family, so that a
/// checkpoint which parses can load and run.
pub fn hf_files(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else { return };
    let quant = QUANT_NAMES[selector as usize % QUANT_NAMES.len()].1;
    let (config, safetensors) = input::split_at_nul(rest);
    let config_json = input::text(config);
    let tokenizer_json = tokenizer_for(&config_json);
    exercise::model(|| {
        ModelFile::from_hf_parts(HfParts {
            name: "fuzz".into(),
            config_json: config_json.clone(),
            tokenizer_json: tokenizer_json.to_string(),
            safetensors,
            sentence_bert_config: None,
            pooling_config: None,
            modules: None,
            sentence_transformers_config: None,
            test_weights_marker: None,
            quant,
        })
    });
}

/// The tiny T5's tokenizer for a T5 config, else the tiny BERT's.
fn tokenizer_for(config_json: &str) -> &'static str {
    static BERT: OnceLock<String> = OnceLock::new();
    static T5: OnceLock<String> = OnceLock::new();
    let model_type = serde_json::from_str::<serde_json::Value>(config_json)
        .ok()
        .and_then(|v| v.get("model_type").and_then(|m| m.as_str()).map(str::to_string));
    if model_type.as_deref() == Some("t5") {
        T5.get_or_init(seeds::t5_tokenizer_json)
    } else {
        BERT.get_or_init(|| seeds::bert_tokenizer_json().unwrap_or_default())
    }
}
