//! What a target does with a model file that parsed: loads it the ways the
//! package does (encoder, classifier, text-to-text) and runs it on a few
//! short texts, so that a file which loads cannot fail later with a panic.

use nunchi_engine::{CpuBackend, Result};
use nunchi_models::{
    Architecture, EmbedOptions, Flow, GenerateOptions, ModelFile, Pooling, SentenceEncoder, Text2Text, TextClassifier,
};

/// Short texts with the awkward cases: empty, accents, Hangul, an emoji, a long word.
pub const TEXTS: &[&str] =
    &["the film was great!", "", "not bad, é", "한국어 😀", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"];

/// Runs a model from `open` (called again for each way of loading it, since
/// loading consumes the file). Errors are fine; panics are not.
pub fn model(open: impl Fn() -> Result<ModelFile>) {
    let Ok(file) = open() else { return };
    match file.arch {
        Architecture::T5 => text2text(file),
        Architecture::Encoder(_) => {
            encoder(file);
            if let Ok(file) = open() {
                classifier(file);
            }
        }
    }
}

fn encoder(file: ModelFile) {
    let Ok(encoder) = SentenceEncoder::load(CpuBackend::new(), file) else { return };
    let defaults = encoder.default_options();
    for opts in [defaults, EmbedOptions { pooling: Pooling::None, normalize: false }] {
        if let Ok(e) = encoder.embed(TEXTS, &opts) {
            let width: usize = e.dims[1..].iter().product();
            assert_eq!(e.data.len(), TEXTS.len() * width, "embeddings {:?} hold {} values", e.dims, e.data.len());
        }
    }
}

fn classifier(file: ModelFile) {
    let Ok(classifier) = TextClassifier::load(CpuBackend::new(), file) else { return };
    if let Ok(results) = classifier.classify(TEXTS) {
        assert_eq!(results.len(), TEXTS.len());
        assert!(results.iter().all(|r| r.scores.len() == classifier.labels().len()));
    }
}

fn text2text(file: ModelFile) {
    let Ok(model) = Text2Text::load(CpuBackend::new(), file) else { return };
    let _ = model.score(TEXTS[0], &TEXTS[1..]);
    let opts = GenerateOptions { max_new_tokens: 4, ..Default::default() };
    let _ = model.generate(TEXTS[2], &opts, |_| Flow::Continue);
}
