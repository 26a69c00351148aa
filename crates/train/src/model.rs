//! Fine-tuning a whole model file: the encoder in a [`ModelFile`] with f32 (or
//! f16) weights is tuned by [`fine_tune`] and comes back as a new
//! `ModelFile`, stored in the format it will run in, with the original's
//! config, tokenizer and metadata, ready to save as GGUF or to load into
//! `SentenceEncoder`.

use std::fmt::Display;

use nunchi_engine::{Error, Quant, Result};
use nunchi_models::tokenizer::TextTokenizer;
use nunchi_models::{quantize_weights, EncoderConfig, ModelFile, ModelMeta, Pooling};

use crate::encoder::TrainableEncoder;
use crate::fit::{fine_tune, FineTuneOptions, FineTuneReport};
use crate::trainer::StepStats;

/// What a tuned model's name ends with, so its heads and files say what it is.
pub const TUNED_SUFFIX: &str = "-setfit";

/// Fine-tunes the encoder in `file` on labelled texts (each after `prefix`,
/// the model's query prefix for the tasks) and returns it stored as `quant`.
pub fn fine_tune_model<L: PartialEq + Display>(
    file: &ModelFile,
    texts: &[&str],
    labels: &[L],
    prefix: &str,
    quant: Quant,
    opts: &FineTuneOptions,
    on_step: impl FnMut(usize, usize, &StepStats),
) -> Result<(ModelFile, FineTuneReport)> {
    if !file.arch.is_encoder() {
        return Err(Error::input(format!(
            "this is a {} model; fine-tuning needs a BERT-family sentence encoder",
            file.arch.name()
        )));
    }
    let config = EncoderConfig::from_json(&file.config_json)?;
    let tokenizer = TextTokenizer::from_json(&file.tokenizer_json, file.meta.max_tokens.min(config.max_tokens()))?;
    let pooling = Pooling::parse(&file.meta.pooling)?;
    let encoder = TrainableEncoder::load(&file.weights, config)?;
    let prefixed: Vec<String> = texts.iter().map(|t| format!("{prefix}{t}")).collect();
    let refs: Vec<&str> = prefixed.iter().map(String::as_str).collect();
    let (tuned, report) = fine_tune(encoder, &tokenizer, pooling, &refs, labels, opts, on_step)?;
    let meta = ModelMeta { name: tuned_name(&file.meta.name), quant: quant.name().to_string(), ..file.meta.clone() };
    let weights = quantize_weights(tuned.weight_map()?, quant)?;
    let tuned_file = ModelFile {
        arch: file.arch,
        config_json: file.config_json.clone(),
        tokenizer_json: file.tokenizer_json.clone(),
        meta,
        weights,
    };
    Ok((tuned_file, report))
}

/// `all-MiniLM-L6-v2` → `all-MiniLM-L6-v2-setfit`; tuning a tuned model keeps one suffix.
fn tuned_name(name: &str) -> String {
    if name.ends_with(TUNED_SUFFIX) {
        name.to_string()
    } else {
        format!("{name}{TUNED_SUFFIX}")
    }
}
