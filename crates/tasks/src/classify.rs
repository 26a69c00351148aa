//! Classification, one result shape for every method: a label per text and
//! the probability of each label.
//!
//! - [`ZeroShot`]: cosine between text and label-description embeddings,
//!   softmaxed with a temperature.
//! - [`PromptClassifier`]: a text-to-text model ranks the labels as completions
//!   of a prompt by length-normalized log-probability (never by parsing
//!   free generation).
//! - The few-shot head lives in [`crate::head`].

use nunchi_engine::vector::argmax;
use nunchi_engine::{Backend, Error, Result};
use nunchi_models::{EmbedOptions, Pooling, SentenceEncoder, Text2Text};
use serde::Serialize;

use crate::rows::{dot, l2_normalized, softmax_in_place, Rows};

/// Texts classified against `labels`: `best[i]` indexes `labels`, and
/// `probabilities` holds `labels.len()` values per text, summing to 1.
#[derive(Debug, Clone, Serialize)]
pub struct Predictions {
    pub labels: Vec<String>,
    pub best: Vec<usize>,
    pub probabilities: Vec<f32>,
}

impl Predictions {
    /// Builds predictions from per-text scores, softmaxed with `temperature`.
    pub fn from_scores(labels: Vec<String>, mut scores: Vec<f32>, temperature: f32) -> Self {
        let width = labels.len();
        let mut best = Vec::with_capacity(scores.len() / width.max(1));
        for row in scores.chunks_exact_mut(width) {
            softmax_in_place(row, temperature);
            best.push(argmax(row));
        }
        Self { labels, best, probabilities: scores }
    }
    pub fn len(&self) -> usize {
        self.best.len()
    }
    pub fn is_empty(&self) -> bool {
        self.best.is_empty()
    }
    pub fn label(&self, i: usize) -> &str {
        &self.labels[self.best[i]]
    }
    pub fn probabilities_of(&self, i: usize) -> &[f32] {
        let w = self.labels.len();
        &self.probabilities[i * w..(i + 1) * w]
    }
    /// Appends another batch's predictions over the same labels.
    pub fn extend(&mut self, other: Predictions) {
        self.best.extend(other.best);
        self.probabilities.extend(other.probabilities);
    }
}

/// Labels must be at least two, distinct and non-empty: anything else cannot classify.
pub fn check_labels(labels: &[String]) -> Result<()> {
    if labels.len() < 2 {
        return Err(Error::input(format!("need at least two labels to classify, got {}", labels.len())));
    }
    if let Some(i) = labels.iter().position(|l| l.trim().is_empty()) {
        return Err(Error::input(format!("label {} is empty", i + 1)));
    }
    for (i, l) in labels.iter().enumerate() {
        if labels[..i].contains(l) {
            return Err(Error::input(format!("label '{l}' is given twice")));
        }
    }
    Ok(())
}

/// Sharpness of zero-shot probabilities: cosines of unrelated sentences sit
/// within a few tenths of each other, so a plain softmax would be nearly flat.
pub const DEFAULT_ZERO_SHOT_TEMPERATURE: f32 = 0.05;

/// Zero-shot classification by label embeddings.
#[derive(Debug, Clone)]
pub struct ZeroShot {
    labels: Vec<String>,
    /// One L2-normalized embedding per label description.
    label_vectors: Vec<f32>,
    dim: usize,
    temperature: f32,
}

impl ZeroShot {
    /// `labels` name the classes; `label_embeddings` embed their descriptions
    /// (often "A review that is {label}") in the same order.
    pub fn new(labels: Vec<String>, label_embeddings: Rows, temperature: f32) -> Result<Self> {
        check_labels(&labels)?;
        if label_embeddings.len() != labels.len() {
            return Err(Error::input(format!("{} label embeddings for {} labels", label_embeddings.len(), labels.len())));
        }
        if !(temperature > 0.0 && temperature.is_finite()) {
            return Err(Error::input(format!("temperature must be a positive number, got {temperature}")));
        }
        Ok(Self { labels, label_vectors: l2_normalized(label_embeddings), dim: label_embeddings.dim(), temperature })
    }

    /// Embeds the label descriptions with `encoder` (after `prefix`, as the
    /// texts will be) and builds the classifier.
    pub fn from_encoder<B: Backend>(
        encoder: &SentenceEncoder<B>,
        labels: Vec<String>,
        descriptions: &[String],
        temperature: f32,
        prefix: &str,
    ) -> Result<Self> {
        check_labels(&labels)?;
        if descriptions.len() != labels.len() {
            return Err(Error::input(format!("{} descriptions for {} labels", descriptions.len(), labels.len())));
        }
        let texts: Vec<String> = descriptions.iter().map(|d| format!("{prefix}{d}")).collect();
        let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        let e = encoder.embed(&texts, &task_embed_options(encoder))?;
        Self::new(labels, Rows::new(&e.data, encoder.dim())?, temperature)
    }

    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    pub fn predict(&self, texts: Rows) -> Result<Predictions> {
        if texts.dim() != self.dim {
            return Err(Error::input(format!(
                "text embeddings have {} dimensions, label embeddings {}: use the same encoder",
                texts.dim(),
                self.dim
            )));
        }
        let texts = l2_normalized(texts);
        let mut scores = Vec::with_capacity(texts.len() / self.dim * self.labels.len());
        for t in texts.chunks_exact(self.dim) {
            scores.extend(self.label_vectors.chunks_exact(self.dim).map(|l| dot(t, l)));
        }
        Ok(Predictions::from_scores(self.labels.clone(), scores, self.temperature))
    }
}

/// Sentence vectors as every task here compares them: pooled the way the
/// model was trained (mean for MiniLM, CLS for bge) and L2-normalized.
pub fn task_embed_options<B: Backend>(encoder: &SentenceEncoder<B>) -> EmbedOptions {
    task_options_for(encoder.default_options().pooling)
}

/// [`task_embed_options`] from a model's default pooling: that pooling (mean
/// for a model that pools nothing), normalized.
pub fn task_options_for(default_pooling: Pooling) -> EmbedOptions {
    let pooling = match default_pooling {
        Pooling::None => Pooling::Mean,
        p => p,
    };
    EmbedOptions { pooling, normalize: true }
}

/// The placeholder a prompt template must contain.
pub const TEXT_PLACEHOLDER: &str = "{text}";

/// The default prompt for sentiment, in Flan-T5's instruction style.
pub const DEFAULT_TEMPLATE: &str = "Is the following review positive or negative?\n{text}";

/// Classification by prompting a text-to-text model.
#[derive(Debug, Clone)]
pub struct PromptClassifier {
    template: String,
    labels: Vec<String>,
}

impl PromptClassifier {
    pub fn new(template: &str, labels: Vec<String>) -> Result<Self> {
        check_labels(&labels)?;
        if !template.contains(TEXT_PLACEHOLDER) {
            return Err(Error::input(format!("the template must contain {TEXT_PLACEHOLDER} where the text goes")));
        }
        Ok(Self { template: template.to_string(), labels })
    }

    pub fn prompt(&self, text: &str) -> String {
        self.template.replace(TEXT_PLACEHOLDER, text)
    }

    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// Scores every label as the completion of the prompt; probabilities are a
    /// softmax of the mean token log-probabilities, so long labels are not penalized.
    pub fn classify_one<B: Backend>(&self, model: &Text2Text<B>, text: &str) -> Result<Predictions> {
        let candidates: Vec<&str> = self.labels.iter().map(String::as_str).collect();
        let scores = model.score(&self.prompt(text), &candidates)?;
        let means = scores.iter().map(|s| s.mean_logprob()).collect();
        Ok(Predictions::from_scores(self.labels.clone(), means, 1.0))
    }

    pub fn classify<B: Backend>(
        &self,
        model: &Text2Text<B>,
        texts: &[&str],
        progress: &mut dyn FnMut(usize, usize) -> Result<()>,
    ) -> Result<Predictions> {
        check_texts(texts)?;
        let mut all = Predictions { labels: self.labels.clone(), best: Vec::new(), probabilities: Vec::new() };
        for (i, text) in texts.iter().enumerate() {
            all.extend(self.classify_one(model, text)?);
            progress(i + 1, texts.len())?;
        }
        Ok(all)
    }
}

pub fn check_texts(texts: &[&str]) -> Result<()> {
    if texts.is_empty() {
        return Err(Error::input("no texts given: pass at least one"));
    }
    Ok(())
}

/// How many texts go through the encoder at once in batch jobs.
pub const EMBED_BATCH: usize = 32;

/// The prefix tasks put before every text by default: the model's own query
/// prefix (e5's "query: ", which its authors recommend for classification and
/// clustering), or none. Callers may pass any other.
pub fn default_prefix<B: Backend>(encoder: &SentenceEncoder<B>) -> &str {
    &encoder.meta().prefixes.query
}

/// The batches [`embed_all`] (and the package's `embedAll`, through wasm)
/// embeds texts in: indices in order of UTF-8 length, shortest first (a
/// stable sort), cut into batches of `batch_size` (at least 1; the tasks use
/// [`EMBED_BATCH`]), so a batch pads to a similar length instead of to its one
/// long outlier.
pub fn embed_batches(texts: &[&str], batch_size: usize) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..texts.len()).collect();
    order.sort_by_key(|&i| texts[i].len());
    order.chunks(batch_size.max(1)).map(<[usize]>::to_vec).collect()
}

/// Embeds any number of texts in batches (normalized, the model's pooling),
/// each after `prefix`, calling `progress(done, total)` after each batch; an
/// error from it stops the job.
///
/// Texts are batched in order of length, so a batch pads to a similar length
/// instead of to its one long outlier; rows come back in the input order.
pub fn embed_all<B: Backend>(
    encoder: &SentenceEncoder<B>,
    texts: &[&str],
    prefix: &str,
    progress: &mut dyn FnMut(usize, usize) -> Result<()>,
) -> Result<Vec<f32>> {
    check_texts(texts)?;
    let prefixed: Vec<String>;
    let texts: Vec<&str> = if prefix.is_empty() {
        texts.to_vec()
    } else {
        prefixed = texts.iter().map(|t| format!("{prefix}{t}")).collect();
        prefixed.iter().map(String::as_str).collect()
    };
    let opts = task_embed_options(encoder);
    let dim = encoder.dim();
    let mut out = vec![0.0; texts.len() * dim];
    let mut done = 0;
    for chunk in embed_batches(&texts, EMBED_BATCH) {
        let chunk = chunk.as_slice();
        let batch: Vec<&str> = chunk.iter().map(|&i| texts[i]).collect();
        let e = encoder.embed(&batch, &opts)?;
        for (row, &i) in e.data.chunks_exact(dim).zip(chunk) {
            out[i * dim..(i + 1) * dim].copy_from_slice(row);
        }
        done += chunk.len();
        progress(done, texts.len())?;
    }
    Ok(out)
}
