//! A BERT-family encoder whose weights are candle [`Var`]s, for training: the
//! same layers as `nunchi_models::bert` (Hugging Face's `BertModel`, which
//! RoBERTa, DistilBERT and ELECTRA follow), on a padded batch, in
//! differentiable candle ops ([`crate::ops`]). Loaded from the weights the
//! inference model loads, and written back under the same names
//! ([`TrainableEncoder::weight_map`]), so a trained encoder runs through
//! `SentenceEncoder` unchanged.
//!
//! [`TrainableEncoder::embed`] is the `eval()` forward (what the PyTorch
//! goldens compare against); [`TrainableEncoder::embed_with`] applies dropout
//! where `train()` mode does, as sentence-transformers trains.

use candle_core::quantized::{GgmlDType, QTensor};
use candle_core::{DType, Device, Tensor, Var};
use nunchi_engine::{Activation, Error, Result};
use nunchi_models::bert::Batch;
use nunchi_models::encoder_config::{EncoderConfig, Variant};
use nunchi_models::weights::WeightMap;
use nunchi_models::Pooling;

use crate::dropout::Dropout;
use crate::ops::{activation, attention_softmax, layer_norm, linear, masked_mean};

/// What a padding key adds to attention scores: its weight underflows to 0.
const MASKED: f64 = -1e9;

/// One trainable tensor, by its checkpoint name.
#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub var: Var,
    /// Whether weight decay applies: not to biases and layer norms, as the
    /// Hugging Face Trainer's `get_decay_parameter_names` rules.
    pub decay: bool,
}

struct Dense {
    weight: Var,
    bias: Var,
}

impl Dense {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        linear(x, &self.weight, &self.bias)
    }
}

struct Norm {
    gamma: Var,
    beta: Var,
    eps: f64,
}

impl Norm {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        layer_norm(x, &self.gamma, &self.beta, self.eps)
    }
}

struct Embeddings {
    word: Var,
    position: Option<Var>,
    token_type: Option<Var>,
    norm: Norm,
    /// ELECTRA's projection up to the hidden size.
    project: Option<Dense>,
}

struct Layer {
    query: Dense,
    key: Dense,
    value: Dense,
    attention_output: Dense,
    attention_norm: Norm,
    ffn_in: Dense,
    ffn_out: Dense,
    output_norm: Norm,
}

/// Builds the modules from named tensors, recording each as a [`Param`].
struct Loader<'a> {
    fetch: &'a mut dyn FnMut(&str, &[usize]) -> Result<Tensor>,
    dtype: DType,
    params: Vec<Param>,
}

impl Loader<'_> {
    fn var(&mut self, name: &str, dims: &[usize], decay: bool) -> Result<Var> {
        let t = (self.fetch)(name, dims)?;
        if t.dims() != dims {
            return Err(Error::format(format!("tensor '{name}' has shape {:?}, the config implies {dims:?}", t.dims())));
        }
        let var = Var::from_tensor(&t.to_dtype(self.dtype)?)?;
        self.params.push(Param { name: name.to_string(), var: var.clone(), decay });
        Ok(var)
    }

    fn dense(&mut self, prefix: &str, out_dim: usize, in_dim: usize) -> Result<Dense> {
        Ok(Dense {
            weight: self.var(&format!("{prefix}.weight"), &[out_dim, in_dim], true)?,
            bias: self.var(&format!("{prefix}.bias"), &[out_dim], false)?,
        })
    }

    fn norm(&mut self, prefix: &str, dim: usize, eps: f64) -> Result<Norm> {
        Ok(Norm {
            gamma: self.var(&format!("{prefix}.weight"), &[dim], false)?,
            beta: self.var(&format!("{prefix}.bias"), &[dim], false)?,
            eps,
        })
    }
}

/// A trainable BERT-family encoder: padded token ids in, hidden states or
/// pooled sentence embeddings out, differentiable with respect to every weight.
pub struct TrainableEncoder {
    embeddings: Embeddings,
    layers: Vec<Layer>,
    config: EncoderConfig,
    act: Activation,
    params: Vec<Param>,
    dtype: DType,
}

/// `prefix.name`, or `name` alone under no prefix.
fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

impl TrainableEncoder {
    /// Loads f32 trainable weights from a model's weights (f32 or f16, as an
    /// f32 GGUF or a Hugging Face folder opened with `Quant::F32` gives them;
    /// q8_0, dequantized, as a q8_0 GGUF gives them),
    /// with or without a task head's prefix (`bert.`, `roberta.`, …).
    pub fn load(weights: &WeightMap, config: EncoderConfig) -> Result<Self> {
        Self::load_as(weights, config, DType::F32)
    }

    /// [`TrainableEncoder::load`] in `dtype` (f64 for gradient checks).
    pub fn load_as(weights: &WeightMap, config: EncoderConfig, dtype: DType) -> Result<Self> {
        const PROBE: &str = "embeddings.word_embeddings.weight";
        let base = config.variant.base_prefix();
        let root = if weights.contains(PROBE) {
            ""
        } else if weights.contains(&join(base, PROBE)) {
            base
        } else {
            return Err(Error::format(format!(
                "the model file has no {} embeddings ({PROBE} or {base}.{PROBE})",
                config.model_type
            )));
        };
        let mut fetch = |name: &str, _dims: &[usize]| -> Result<Tensor> {
            let path = join(root, name);
            let t = weights.get(&path).ok_or_else(|| Error::format(format!("the model file has no tensor '{path}'")))?;
            // q8_0 dequantizes within about 0.4 % of each block's largest weight, far
            // below what training moves them; 4-bit formats lose too much to start from.
            if !matches!(t.dtype(), GgmlDType::F32 | GgmlDType::F16 | GgmlDType::BF16 | GgmlDType::Q8_0) {
                return Err(Error::input(format!(
                    "fine-tuning needs float or q8_0 weights, but '{path}' is stored as {:?}: open the model with \
                     f32 or q8_0 weights (a Hugging Face folder, or an f32 or q8_0 GGUF)",
                    t.dtype()
                )));
            }
            Ok(t.dequantize(&Device::Cpu)?)
        };
        Self::build(config, dtype, &mut fetch)
    }

    /// Builds from `fetch(name, dims)`, names relative to the encoder's root.
    fn build(config: EncoderConfig, dtype: DType, fetch: &mut dyn FnMut(&str, &[usize]) -> Result<Tensor>) -> Result<Self> {
        check_supported(&config)?;
        let act = config.activation()?;
        let mut l = Loader { fetch, dtype, params: Vec::new() };
        let (e, h, eps) = (config.embedding_size, config.hidden_size, config.layer_norm_eps);
        let embeddings = Embeddings {
            word: l.var("embeddings.word_embeddings.weight", &[config.vocab_size, e], true)?,
            position: match config.absolute_positions {
                true => Some(l.var("embeddings.position_embeddings.weight", &[config.max_position_embeddings, e], true)?),
                false => None,
            },
            token_type: match config.type_vocab_size {
                0 => None,
                n => Some(l.var("embeddings.token_type_embeddings.weight", &[n, e], true)?),
            },
            norm: l.norm("embeddings.LayerNorm", e, eps)?,
            project: match e == h {
                true => None,
                false => Some(l.dense("embeddings_project", h, e)?),
            },
        };
        let names = config.variant.layer_names();
        let i = config.intermediate_size;
        let layers = (0..config.num_hidden_layers)
            .map(|n| {
                let at = |name: &str| format!("{}.{n}.{name}", names.layers);
                Ok(Layer {
                    query: l.dense(&at(names.query), h, h)?,
                    key: l.dense(&at(names.key), h, h)?,
                    value: l.dense(&at(names.value), h, h)?,
                    attention_output: l.dense(&at(names.attention_output), h, h)?,
                    attention_norm: l.norm(&at(names.attention_norm), h, eps)?,
                    ffn_in: l.dense(&at(names.ffn_in), i, h)?,
                    ffn_out: l.dense(&at(names.ffn_out), h, i)?,
                    output_norm: l.norm(&at(names.output_norm), h, eps)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let params = l.params;
        Ok(Self { embeddings, layers, config, act, params, dtype })
    }

    /// The checkpoint names and shapes of every trainable tensor, in load
    /// order (the encoder's own names, without a task head's prefix).
    pub fn parameter_shapes(config: &EncoderConfig) -> Result<Vec<(String, Vec<usize>)>> {
        let mut shapes = Vec::new();
        let mut fetch = |name: &str, dims: &[usize]| -> Result<Tensor> {
            shapes.push((name.to_string(), dims.to_vec()));
            // A placeholder with the right shape, dropped at once.
            Ok(Tensor::zeros(dims, DType::F32, &Device::Cpu)?)
        };
        Self::build(config.clone(), DType::F32, &mut fetch)?;
        Ok(shapes)
    }

    pub fn config(&self) -> &EncoderConfig {
        &self.config
    }

    pub fn dtype(&self) -> DType {
        self.dtype
    }

    /// Every trainable tensor, in load order.
    pub fn params(&self) -> &[Param] {
        &self.params
    }

    /// The weights as f32 tensors under the encoder's checkpoint names (no
    /// task head prefix): what `BertModel::load` and `SentenceEncoder` read.
    pub fn weight_map(&self) -> Result<WeightMap> {
        let mut tensors = std::collections::HashMap::new();
        for p in &self.params {
            let t = p.var.as_tensor().to_dtype(DType::F32)?;
            tensors.insert(p.name.clone(), QTensor::quantize(&t, GgmlDType::F32)?);
        }
        Ok(WeightMap::new(tensors))
    }

    /// Hidden states `[size, seq_len, hidden]` of a padded batch (no dropout).
    pub fn hidden_states(&self, batch: &Batch) -> Result<Tensor> {
        self.hidden_states_with(batch, &mut Dropout::off())
    }

    /// [`TrainableEncoder::hidden_states`] with `dropout` where the model's
    /// `train()` mode applies it: after the embeddings' layer norm, on the
    /// attention probabilities, and on each block's output before its residual.
    pub fn hidden_states_with(&self, batch: &Batch, dropout: &mut Dropout) -> Result<Tensor> {
        let (size, t) = (batch.size, batch.seq_len);
        if t > self.config.max_tokens() {
            return Err(Error::input(format!(
                "sequence of {t} tokens exceeds the model's {} positions",
                self.config.max_tokens()
            )));
        }
        let dev = Device::Cpu;
        let ids = Tensor::from_slice(&batch.ids, size * t, &dev)?;
        let mut x = self.embeddings.word.embedding(&ids)?;
        if let Some(position) = &self.embeddings.position {
            // Padding rows get positions too; their keys are masked, so they change nothing.
            let offset = self.config.position_offset as u32;
            let positions: Vec<u32> = (0..size).flat_map(|_| (0..t as u32).map(move |i| offset + i)).collect();
            x = (x + position.embedding(&Tensor::from_vec(positions, size * t, &dev)?)?)?;
        }
        if let Some(token_type) = &self.embeddings.token_type {
            x = (x + token_type.embedding(&Tensor::from_slice(&batch.type_ids, size * t, &dev)?)?)?;
        }
        x = dropout.apply(&self.embeddings.norm.forward(&x)?)?;
        if let Some(project) = &self.embeddings.project {
            x = project.forward(&x)?;
        }
        let bias: Vec<f64> = batch.mask.iter().map(|&m| if m > 0.0 { 0.0 } else { MASKED }).collect();
        let bias = Tensor::from_vec(bias, (size, 1, 1, t), &dev)?.to_dtype(self.dtype)?;
        for layer in &self.layers {
            x = self.layer_forward(layer, &x, &bias, size, t, dropout)?;
        }
        Ok(x.reshape((size, t, self.config.hidden_size))?)
    }

    /// One transformer layer on rows `x [size·t, hidden]` (BertLayer, post-norm).
    fn layer_forward(
        &self,
        layer: &Layer,
        x: &Tensor,
        bias: &Tensor,
        size: usize,
        t: usize,
        dropout: &mut Dropout,
    ) -> Result<Tensor> {
        let (heads, head_dim) = (self.config.num_attention_heads, self.config.head_dim());
        // `[size·t, hidden]` → `[size, heads, t, head_dim]`.
        let split = |y: Tensor| y.reshape((size, t, heads, head_dim))?.transpose(1, 2)?.contiguous();
        let q = split(layer.query.forward(x)?)?;
        let k = split(layer.key.forward(x)?)?;
        let v = split(layer.value.forward(x)?)?;
        let probs = attention_softmax(&q.matmul(&k.t()?)?, bias, 1.0 / (head_dim as f64).sqrt())?;
        let ctx = dropout.apply(&probs)?.matmul(&v)?;
        let ctx = ctx.transpose(1, 2)?.reshape((size * t, heads * head_dim))?;
        let mut attended = layer.attention_output.forward(&ctx)?;
        // DistilBERT's block has no dropout after its attention's output projection.
        if self.config.variant != Variant::DistilBert {
            attended = dropout.apply(&attended)?;
        }
        let x = layer.attention_norm.forward(&(attended + x)?)?;
        let hidden = activation(&layer.ffn_in.forward(&x)?, self.act)?;
        Ok(layer.output_norm.forward(&(dropout.apply(&layer.ffn_out.forward(&hidden)?)? + x)?)?)
    }

    /// Sentence embeddings `[size, hidden]`, pooled as the model pools
    /// (mean over real tokens, or the first token), not normalized.
    pub fn embed(&self, batch: &Batch, pooling: Pooling) -> Result<Tensor> {
        self.embed_with(batch, pooling, &mut Dropout::off())
    }

    /// [`TrainableEncoder::embed`] in training mode, with `dropout`.
    pub fn embed_with(&self, batch: &Batch, pooling: Pooling, dropout: &mut Dropout) -> Result<Tensor> {
        let hidden = self.hidden_states_with(batch, dropout)?;
        match pooling {
            Pooling::Mean => {
                let mask = Tensor::from_slice(&batch.mask, (batch.size, batch.seq_len), &Device::Cpu)?;
                Ok(masked_mean(&hidden, &mask)?)
            }
            Pooling::Cls => Ok(hidden.narrow(1, 0, 1)?.squeeze(1)?),
            Pooling::None => Err(Error::input("fine-tuning trains sentence embeddings: pooling must be mean or cls")),
        }
    }
}

/// The variants whose layers are BERT's: MPNet's relative bias and DeBERTa's
/// disentangled attention are not written for training yet.
fn check_supported(config: &EncoderConfig) -> Result<()> {
    match config.variant {
        Variant::Bert | Variant::Roberta | Variant::DistilBert | Variant::Electra => Ok(()),
        Variant::MPNet | Variant::DebertaV2 => Err(Error::input(format!(
            "fine-tuning runs BERT, RoBERTa, DistilBERT and ELECTRA encoders; {} is not supported yet",
            config.model_type
        ))),
    }
}
