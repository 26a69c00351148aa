//! Fine-tuning a whole model file: the encoder in a [`ModelFile`] with f32 (or
//! f16) weights is tuned step by step ([`ModelFineTuning`], over
//! [`FineTuning`]) and comes back as a new `ModelFile`, stored in the format it
//! will run in, with the original's config, tokenizer and metadata, ready to
//! save as GGUF or to load into `SentenceEncoder`.

use std::fmt::Display;

use nunchi_engine::{Error, Quant, Result};
use nunchi_models::tokenizer::TextTokenizer;
use nunchi_models::weights::WeightMap;
use nunchi_models::{quantize_weights, EncoderConfig, ModelFile, ModelMeta, Pooling};

use crate::encoder::TrainableEncoder;
use crate::fit::{FineTuneOptions, FineTuneReport, FineTuning};
use crate::pairs::check_examples;
use crate::trainer::StepStats;

/// What a tuned model's name ends with, so its heads and files say what it is.
pub const TUNED_SUFFIX: &str = "-setfit";

/// A model file's encoder being fine-tuned, one step per call.
pub struct ModelFineTuning {
    run: FineTuning,
    /// The original file without its weights: what the tuned file keeps.
    original: ModelFile,
}

impl ModelFineTuning {
    /// Prepares the run on labelled texts (each after `prefix`, the model's
    /// query prefix for the tasks); loads the weights in f32.
    pub fn new<L: PartialEq + Display>(
        file: &ModelFile,
        texts: &[&str],
        labels: &[L],
        prefix: &str,
        opts: &FineTuneOptions,
    ) -> Result<Self> {
        // The user's own texts are checked before the weights load (seconds, and
        // hundreds of megabytes), and before the prefix could hide an empty one.
        check_examples(texts, labels)?;
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
        let run = FineTuning::new(encoder, &tokenizer, pooling, &refs, labels, opts)?;
        let original = ModelFile {
            arch: file.arch,
            config_json: file.config_json.clone(),
            tokenizer_json: file.tokenizer_json.clone(),
            meta: file.meta.clone(),
            weights: WeightMap::new(Default::default()),
        };
        Ok(Self { run, original })
    }

    pub fn run(&self) -> &FineTuning {
        &self.run
    }

    /// Takes the next step; `None` once every step is taken.
    pub fn step(&mut self) -> Result<Option<StepStats>> {
        self.run.step()
    }

    /// Runs the next step's forward pass ahead ([`FineTuning::forward_next`]).
    pub fn forward_next(&mut self) -> Result<bool> {
        self.run.forward_next()
    }

    /// The tuned model so far, stored as `quant`, named with [`TUNED_SUFFIX`].
    pub fn tuned_file(&self, quant: Quant) -> Result<ModelFile> {
        let meta = ModelMeta {
            name: tuned_name(&self.original.meta.name),
            quant: quant.name().to_string(),
            ..self.original.meta.clone()
        };
        Ok(ModelFile {
            arch: self.original.arch,
            config_json: self.original.config_json.clone(),
            tokenizer_json: self.original.tokenizer_json.clone(),
            meta,
            weights: quantize_weights(self.run.encoder().weight_map()?, quant)?,
        })
    }
}

/// Fine-tunes the encoder in `file` on labelled texts (each after `prefix`,
/// the model's query prefix for the tasks) and returns it stored as `quant`.
pub fn fine_tune_model<L: PartialEq + Display>(
    file: &ModelFile,
    texts: &[&str],
    labels: &[L],
    prefix: &str,
    quant: Quant,
    opts: &FineTuneOptions,
    mut on_step: impl FnMut(usize, usize, &StepStats),
) -> Result<(ModelFile, FineTuneReport)> {
    let mut tuning = ModelFineTuning::new(file, texts, labels, prefix, opts)?;
    while let Some(stats) = tuning.step()? {
        on_step(tuning.run().steps_done(), tuning.run().total_steps(), &stats);
    }
    Ok((tuning.tuned_file(quant)?, tuning.run().report()))
}

/// `all-MiniLM-L6-v2` → `all-MiniLM-L6-v2-setfit`; tuning a tuned model keeps one suffix.
fn tuned_name(name: &str) -> String {
    if name.ends_with(TUNED_SUFFIX) {
        name.to_string()
    } else {
        format!("{name}{TUNED_SUFFIX}")
    }
}
