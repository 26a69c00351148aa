//! Fine-tuned task models (`*ForSequenceClassification`): the encoder's first
//! token through the checkpoint's own classification head, to a score per
//! label. The head is a few small dense layers on one vector per text, so it
//! runs on the host in f32 on every backend, from the checkpoint's weights.

use nunchi_engine::cpu::elementwise::gelu_erf_slow;
use nunchi_engine::{Backend, Error, Result};

use crate::encoder::{EmbedOptions, Pooling, SentenceEncoder};
use crate::encoder_config::{EncoderConfig, ProblemType, Variant};
use crate::model_file::ModelFile;
use crate::weights::WeightMap;

/// The activation after one dense layer of a head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HeadActivation {
    Tanh,
    Relu,
    Gelu,
    /// The last layer: raw scores (logits).
    None,
}

/// Each variant's head, as transformers defines it: the layers after the
/// first token's hidden state, by checkpoint name (under the encoder's
/// prefix where it says so), with their activations.
fn head_layers(config: &EncoderConfig) -> Result<Vec<(&'static str, HeadActivation)>> {
    use HeadActivation::*;
    Ok(match config.variant {
        // BertForSequenceClassification: BertPooler (dense + tanh), then the classifier.
        Variant::Bert => vec![("{base}.pooler.dense", Tanh), ("classifier", None)],
        // DistilBertForSequenceClassification: pre_classifier + ReLU.
        Variant::DistilBert => vec![("pre_classifier", Relu), ("classifier", None)],
        // RobertaClassificationHead (also XLM-R's and MPNet's): dense + tanh + out_proj.
        Variant::Roberta | Variant::MPNet => vec![("classifier.dense", Tanh), ("classifier.out_proj", None)],
        // ElectraClassificationHead: dense + GELU + out_proj.
        Variant::Electra => vec![("classifier.dense", Gelu), ("classifier.out_proj", None)],
        // DebertaV2ForSequenceClassification: ContextPooler (dense + pooler_hidden_act), then the classifier.
        Variant::DebertaV2 => {
            let act = match config.pooler_act.as_str() {
                "gelu" => Gelu,
                "tanh" => Tanh,
                "relu" => Relu,
                other => return Err(Error::format(format!("deberta-v2 config: pooler_hidden_act '{other}' is not supported"))),
            };
            vec![("pooler.dense", act), ("classifier", None)]
        }
    })
}

/// The `architectures` nunchi reads a head for, for error messages.
pub const SUPPORTED_HEADS: &str = "BertForSequenceClassification, DistilBertForSequenceClassification, \
RobertaForSequenceClassification, XLMRobertaForSequenceClassification, ElectraForSequenceClassification, \
MPNetForSequenceClassification, DebertaV2ForSequenceClassification";

/// One dense layer `[out, in]` with bias, in f32 on the host.
#[derive(Debug, Clone)]
struct Dense {
    weight: Vec<f32>,
    bias: Vec<f32>,
    out_dim: usize,
    in_dim: usize,
    activation: HeadActivation,
}

impl Dense {
    fn forward(&self, x: &[f32]) -> Vec<f32> {
        let mut y: Vec<f32> = self
            .weight
            .chunks_exact(self.in_dim)
            .zip(&self.bias)
            .map(|(row, b)| row.iter().zip(x).map(|(w, v)| w * v).sum::<f32>() + b)
            .collect();
        match self.activation {
            HeadActivation::Tanh => y.iter_mut().for_each(|v| *v = v.tanh()),
            HeadActivation::Relu => y.iter_mut().for_each(|v| *v = v.max(0.0)),
            HeadActivation::Gelu => gelu_erf_slow(&mut y),
            HeadActivation::None => {}
        }
        y
    }
}

/// A checkpoint's classification head: dense layers on the first token's
/// hidden state, then softmax (one label per text) or sigmoids (multi-label).
#[derive(Debug, Clone)]
pub struct ClassifierHead {
    layers: Vec<Dense>,
    labels: Vec<String>,
    problem_type: ProblemType,
}

/// Scores of one text.
#[derive(Debug, Clone, PartialEq)]
pub struct Classification {
    /// The head's raw outputs, one per label.
    pub logits: Vec<f32>,
    /// Probabilities: softmax over labels, or a sigmoid per label for multi-label models.
    pub scores: Vec<f32>,
}

impl ClassifierHead {
    /// Takes the head's tensors out of `weights`; `E_FORMAT` when the
    /// checkpoint has none (a sentence encoder, or an unsupported head).
    pub fn take(weights: &mut WeightMap, config: &EncoderConfig, architectures: &[String]) -> Result<Self> {
        let base = config.variant.base_prefix();
        let spec = head_layers(config)?;
        let last = spec.last().map_or("classifier", |(name, _)| *name);
        if !weights.contains(&format!("{last}.weight")) {
            return Err(Error::format(format!(
                "this {} checkpoint ({}) has no sequence-classification head ({last}.weight); nunchi reads {SUPPORTED_HEADS}",
                config.model_type,
                if architectures.is_empty() { "no architectures listed".to_string() } else { architectures.join(", ") },
            )));
        }
        let mut layers = Vec::with_capacity(spec.len());
        let mut in_dim = config.hidden_size;
        for &(name, activation) in &spec {
            let name = name.replace("{base}", base);
            let weight = take_f32(weights, &format!("{name}.weight"))?;
            let (out_dim, weight_in) = (weight.1.first().copied().unwrap_or(0), weight.1.get(1).copied().unwrap_or(0));
            if weight.1.len() != 2 || weight_in != in_dim {
                return Err(Error::format(format!(
                    "head tensor '{name}.weight' has shape {:?}, expected [_, {in_dim}]",
                    weight.1
                )));
            }
            let bias = take_f32(weights, &format!("{name}.bias"))?;
            if bias.1 != [out_dim] {
                return Err(Error::format(format!("head tensor '{name}.bias' has shape {:?}, expected [{out_dim}]", bias.1)));
            }
            layers.push(Dense { weight: weight.0, bias: bias.0, out_dim, in_dim, activation });
            in_dim = out_dim;
        }
        let labels = match config.labels.len() {
            0 => (0..in_dim).map(|i| format!("LABEL_{i}")).collect(),
            n if n == in_dim => config.labels.clone(),
            n => {
                return Err(Error::format(format!(
                    "the classification head gives {in_dim} scores but config.json's id2label names {n} labels"
                )))
            }
        };
        // One score is a sigmoid, as transformers' pipeline applies it (`function_to_apply`).
        let problem_type = if in_dim == 1 { ProblemType::MultiLabel } else { config.problem_type };
        Ok(Self { layers, labels, problem_type })
    }

    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    pub fn problem_type(&self) -> ProblemType {
        self.problem_type
    }

    /// Scores of one first-token hidden state.
    pub fn classify(&self, first_token: &[f32]) -> Classification {
        let logits = self.layers.iter().fold(first_token.to_vec(), |x, layer| layer.forward(&x));
        let scores = match self.problem_type {
            ProblemType::SingleLabel => softmax(&logits),
            ProblemType::MultiLabel => logits.iter().map(|&z| 1.0 / (1.0 + (-z).exp())).collect(),
        };
        Classification { logits, scores }
    }

    /// Output width of the last layer (one score per label).
    pub fn num_labels(&self) -> usize {
        self.layers.last().map_or(0, |l| l.out_dim)
    }
}

fn softmax(logits: &[f32]) -> Vec<f32> {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exp: Vec<f32> = logits.iter().map(|&z| (z - max).exp()).collect();
    let sum: f32 = exp.iter().sum();
    exp.into_iter().map(|e| e / sum).collect()
}

/// A tensor's values (dequantized) and shape, taken out of `weights`.
fn take_f32(weights: &mut WeightMap, name: &str) -> Result<(Vec<f32>, Vec<usize>)> {
    let t = weights.take(name).ok_or_else(|| Error::format(format!("the model file has no tensor '{name}'")))?;
    let dims = t.shape().dims().to_vec();
    Ok((t.dequantize(&candle_core::Device::Cpu)?.flatten_all()?.to_vec1::<f32>()?, dims))
}

/// A fine-tuned classification model: the encoder and its head.
pub struct TextClassifier<B: Backend> {
    encoder: SentenceEncoder<B>,
    head: ClassifierHead,
}

/// The first token's hidden state, as the heads read it.
const FIRST_TOKEN: EmbedOptions = EmbedOptions { pooling: Pooling::Cls, normalize: false };

impl<B: Backend> TextClassifier<B> {
    pub fn load(backend: B, mut file: ModelFile) -> Result<Self> {
        if !file.arch.is_encoder() {
            return Err(Error::format(format!(
                "this is a {} model; a text classifier needs an encoder with a classification head ({SUPPORTED_HEADS})",
                file.arch.name()
            )));
        }
        let config = EncoderConfig::from_json(&file.config_json)?;
        let head = ClassifierHead::take(&mut file.weights, &config, &architectures(&file.config_json))?;
        let encoder = SentenceEncoder::load(backend, file)?;
        Ok(Self { encoder, head })
    }

    pub fn labels(&self) -> &[String] {
        self.head.labels()
    }

    pub fn head(&self) -> &ClassifierHead {
        &self.head
    }

    pub fn encoder(&self) -> &SentenceEncoder<B> {
        &self.encoder
    }

    /// Scores of each text, in order.
    pub fn classify(&self, texts: &[&str]) -> Result<Vec<Classification>> {
        let first = self.encoder.embed(texts, &FIRST_TOKEN)?;
        Ok((0..texts.len()).map(|i| self.head.classify(first.row(i))).collect())
    }

    /// [`TextClassifier::classify`] without blocking on the device (WebGPU in a page).
    pub async fn classify_async(&self, texts: &[&str]) -> Result<Vec<Classification>> {
        let first = self.encoder.embed_async(texts, &FIRST_TOKEN).await?;
        Ok((0..texts.len()).map(|i| self.head.classify(first.row(i))).collect())
    }
}

impl TextClassifier<nunchi_engine::CpuBackend> {
    /// [`TextClassifier::classify`] with the batch's runs side by side on the kernel threads.
    pub fn classify_concurrently(&self, texts: &[&str]) -> Result<Vec<Classification>> {
        let first = self.encoder.embed_concurrently(texts, &FIRST_TOKEN)?;
        Ok((0..texts.len()).map(|i| self.head.classify(first.row(i))).collect())
    }
}

/// config.json's `architectures` list (class names), for messages.
fn architectures(config_json: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(config_json).unwrap_or_default();
    v["architectures"].as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(String::from)).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_and_sigmoid_scores() {
        let head = |problem_type| ClassifierHead {
            layers: vec![Dense {
                weight: vec![1.0, 0.0, 0.0, 1.0],
                bias: vec![0.0, 0.0],
                out_dim: 2,
                in_dim: 2,
                activation: HeadActivation::None,
            }],
            labels: vec!["a".into(), "b".into()],
            problem_type,
        };
        let single = head(ProblemType::SingleLabel).classify(&[0.0, 2.0f32.ln()]);
        assert!((single.scores[1] - 2.0 / 3.0).abs() < 1e-6, "{single:?}");
        let multi = head(ProblemType::MultiLabel).classify(&[0.0, 0.0]);
        assert_eq!(multi.scores, [0.5, 0.5]);
    }
}
