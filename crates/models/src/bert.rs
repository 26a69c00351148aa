//! BERT-family encoders (all-MiniLM-L6-v2, bge-small, e5-small, multilingual
//! MiniLM), written once over the backend trait. Layout and names follow the
//! Hugging Face checkpoint, so `load(w.pp("encoder.layer.0"), cfg)` reads
//! `encoder.layer.0.*`.

use nunchi_engine::{Activation, Backend, Error, Result};
use serde::Deserialize;

fn default_type_vocab_size() -> usize {
    2
}
fn default_layer_norm_eps() -> f64 {
    1e-12
}
fn default_hidden_act() -> String {
    "gelu".into()
}
fn default_position_embedding_type() -> String {
    "absolute".into()
}

/// The fields of a Hugging Face `BertConfig` that inference needs.
#[derive(Debug, Clone, Deserialize)]
pub struct BertConfig {
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub intermediate_size: usize,
    pub max_position_embeddings: usize,
    #[serde(default = "default_type_vocab_size")]
    pub type_vocab_size: usize,
    #[serde(default = "default_layer_norm_eps")]
    pub layer_norm_eps: f64,
    #[serde(default = "default_hidden_act")]
    pub hidden_act: String,
    #[serde(default = "default_position_embedding_type")]
    pub position_embedding_type: String,
}

impl BertConfig {
    pub fn from_json(json: &str) -> Result<Self> {
        let cfg: Self = serde_json::from_str(json).map_err(|e| Error::format(format!("BERT config.json: {e}")))?;
        cfg.validate()?;
        Ok(cfg)
    }

    fn validate(&self) -> Result<()> {
        if self.num_attention_heads == 0 || !self.hidden_size.is_multiple_of(self.num_attention_heads) {
            return Err(Error::format(format!(
                "BERT config: hidden_size {} is not divisible by num_attention_heads {}",
                self.hidden_size, self.num_attention_heads
            )));
        }
        if self.position_embedding_type != "absolute" {
            return Err(Error::format(format!(
                "BERT config: position_embedding_type '{}' is not supported (only 'absolute')",
                self.position_embedding_type
            )));
        }
        self.activation()?;
        Ok(())
    }

    pub fn activation(&self) -> Result<Activation> {
        match self.hidden_act.as_str() {
            "gelu" => Ok(Activation::GeluErf),
            "gelu_new" | "gelu_pytorch_tanh" => Ok(Activation::GeluTanh),
            "relu" => Ok(Activation::Relu),
            other => Err(Error::format(format!("BERT config: hidden_act '{other}' is not supported"))),
        }
    }

    fn head_dim(&self) -> usize {
        self.hidden_size / self.num_attention_heads
    }
}

/// Weights of one layer norm.
struct LayerNorm<B: Backend> {
    gamma: B::Tensor,
    beta: B::Tensor,
    eps: f32,
}

impl<B: Backend> LayerNorm<B> {
    fn load(w: crate::weights::Weights<B>, dim: usize, eps: f64) -> Result<Self> {
        Ok(Self { gamma: w.tensor("weight", &[dim])?, beta: w.tensor("bias", &[dim])?, eps: eps as f32 })
    }
    fn forward(&self, b: &B, x: &B::Tensor) -> Result<B::Tensor> {
        b.layer_norm(x, &self.gamma, &self.beta, self.eps)
    }
}

/// A dense layer with bias.
struct Linear<B: Backend> {
    weight: B::Matrix,
    bias: B::Tensor,
}

impl<B: Backend> Linear<B> {
    fn load(w: crate::weights::Weights<B>, out_dim: usize, in_dim: usize) -> Result<Self> {
        Ok(Self { weight: w.matrix("weight", out_dim, in_dim)?, bias: w.tensor("bias", &[out_dim])? })
    }
    fn forward(&self, b: &B, x: &B::Tensor) -> Result<B::Tensor> {
        b.linear(x, &self.weight, Some(&self.bias))
    }
}

struct Embeddings<B: Backend> {
    word: B::Table,
    position: B::Table,
    token_type: B::Table,
    norm: LayerNorm<B>,
}

impl<B: Backend> Embeddings<B> {
    fn load(w: crate::weights::Weights<B>, cfg: &BertConfig) -> Result<Self> {
        let h = cfg.hidden_size;
        Ok(Self {
            word: w.pp("word_embeddings").table("weight", cfg.vocab_size, h)?,
            position: w.pp("position_embeddings").table("weight", cfg.max_position_embeddings, h)?,
            token_type: w.pp("token_type_embeddings").table("weight", cfg.type_vocab_size, h)?,
            norm: LayerNorm::load(w.pp("LayerNorm"), h, cfg.layer_norm_eps)?,
        })
    }

    /// Token, position and type embeddings of `ids` (shaped `dims`), normalized.
    fn forward(&self, b: &B, ids: &[u32], type_ids: &[u32], positions: &[u32], dims: &[usize]) -> Result<B::Tensor> {
        let x = b.gather(&self.word, ids, dims)?;
        let x = b.add(&x, &b.gather(&self.position, positions, dims)?)?;
        let x = b.add(&x, &b.gather(&self.token_type, type_ids, dims)?)?;
        self.norm.forward(b, &x)
    }
}

/// Which tokens attend to which.
enum Attend<'a, B: Backend> {
    /// A padded `[size, seq_len]` batch; `mask` hides the padding keys.
    Padded { mask: &'a B::Tensor, size: usize, seq_len: usize },
    /// A [`PackedBatch`]: each span attends only to itself.
    Packed { spans: &'a [(usize, usize)] },
}

struct SelfAttention<B: Backend> {
    query: Linear<B>,
    key: Linear<B>,
    value: Linear<B>,
    output: Linear<B>,
    output_norm: LayerNorm<B>,
    heads: usize,
    head_dim: usize,
}

impl<B: Backend> SelfAttention<B> {
    fn load(w: crate::weights::Weights<B>, cfg: &BertConfig) -> Result<Self> {
        let h = cfg.hidden_size;
        let s = w.pp("self");
        Ok(Self {
            query: Linear::load(s.pp("query"), h, h)?,
            key: Linear::load(s.pp("key"), h, h)?,
            value: Linear::load(s.pp("value"), h, h)?,
            output: Linear::load(w.pp("output").pp("dense"), h, h)?,
            output_norm: LayerNorm::load(w.pp("output").pp("LayerNorm"), h, cfg.layer_norm_eps)?,
            heads: cfg.num_attention_heads,
            head_dim: cfg.head_dim(),
        })
    }

    /// `[size, t, h]` → `[size, heads, t, head_dim]`.
    fn split_heads(&self, b: &B, x: &B::Tensor, size: usize, seq_len: usize) -> Result<B::Tensor> {
        let x = b.reshape(x, &[size, seq_len, self.heads, self.head_dim])?;
        b.transpose(&x, 1, 2)
    }

    /// Attention of projected `q, k, v` `[size, t, h]` → context `[size, t, h]`.
    fn attend(&self, b: &B, qkv: [&B::Tensor; 3], mask: Option<&B::Tensor>, size: usize, seq_len: usize) -> Result<B::Tensor> {
        let [q, k, v] = qkv.map(|t| self.split_heads(b, t, size, seq_len));
        let scale = 1.0 / (self.head_dim as f32).sqrt();
        let ctx = b.attention(&q?, &k?, &v?, mask, scale)?;
        let ctx = b.transpose(&ctx, 1, 2)?;
        b.reshape(&ctx, &[size, seq_len, self.heads * self.head_dim])
    }

    fn forward(&self, b: &B, x: &B::Tensor, attend: &Attend<B>) -> Result<B::Tensor> {
        let (q, k, v) = (self.query.forward(b, x)?, self.key.forward(b, x)?, self.value.forward(b, x)?);
        let ctx = match *attend {
            Attend::Padded { mask, size, seq_len } => self.attend(b, [&q, &k, &v], Some(mask), size, seq_len)?,
            // One sequence (a single text): its rows are the whole tensor.
            Attend::Packed { spans: &[(0, len)] } => self.attend(b, [&q, &k, &v], None, 1, len)?,
            Attend::Packed { spans } => {
                let parts = spans
                    .iter()
                    .map(|&(start, len)| {
                        let [q, k, v] = [&q, &k, &v].map(|t| b.narrow(t, 1, start, len));
                        self.attend(b, [&q?, &k?, &v?], None, 1, len)
                    })
                    .collect::<Result<Vec<_>>>()?;
                b.concat(&parts.iter().collect::<Vec<_>>(), 1)?
            }
        };
        let out = self.output.forward(b, &ctx)?;
        self.output_norm.forward(b, &b.add(&out, x)?)
    }
}

struct Layer<B: Backend> {
    attention: SelfAttention<B>,
    intermediate: Linear<B>,
    output: Linear<B>,
    output_norm: LayerNorm<B>,
    act: Activation,
}

impl<B: Backend> Layer<B> {
    fn load(w: crate::weights::Weights<B>, cfg: &BertConfig) -> Result<Self> {
        let (h, i) = (cfg.hidden_size, cfg.intermediate_size);
        Ok(Self {
            attention: SelfAttention::load(w.pp("attention"), cfg)?,
            intermediate: Linear::load(w.pp("intermediate").pp("dense"), i, h)?,
            output: Linear::load(w.pp("output").pp("dense"), h, i)?,
            output_norm: LayerNorm::load(w.pp("output").pp("LayerNorm"), h, cfg.layer_norm_eps)?,
            act: cfg.activation()?,
        })
    }

    fn forward(&self, b: &B, x: &B::Tensor, attend: &Attend<B>) -> Result<B::Tensor> {
        let x = self.attention.forward(b, x, attend)?;
        let hidden = b.activation(&self.intermediate.forward(b, &x)?, self.act)?;
        let out = self.output.forward(b, &hidden)?;
        self.output_norm.forward(b, &b.add(&out, &x)?)
    }
}

/// A padded batch of token ids, row-major `[size, seq_len]`.
#[derive(Debug, Clone)]
pub struct Batch {
    pub ids: Vec<u32>,
    pub type_ids: Vec<u32>,
    /// 1.0 for real tokens, 0.0 for padding.
    pub mask: Vec<f32>,
    pub size: usize,
    pub seq_len: usize,
}

impl Batch {
    /// Pads sequences of (ids, type ids) to the longest with `pad_id`.
    pub fn pad(seqs: &[(Vec<u32>, Vec<u32>)], pad_id: u32) -> Result<Self> {
        if seqs.is_empty() {
            return Err(Error::input("the batch is empty: pass at least one text"));
        }
        let seq_len = seqs.iter().map(|(ids, _)| ids.len()).max().unwrap_or(0).max(1);
        let size = seqs.len();
        let mut batch = Batch {
            ids: vec![pad_id; size * seq_len],
            type_ids: vec![0; size * seq_len],
            mask: vec![0.0; size * seq_len],
            size,
            seq_len,
        };
        for (row, (ids, types)) in seqs.iter().enumerate() {
            let start = row * seq_len;
            batch.ids[start..start + ids.len()].copy_from_slice(ids);
            for (i, &t) in types.iter().take(ids.len()).enumerate() {
                batch.type_ids[start + i] = t;
            }
            batch.mask[start..start + ids.len()].fill(1.0);
        }
        Ok(batch)
    }
}

/// Sequences laid end to end with no padding, `[1, tokens]`, each attending
/// only to itself: every row is real work. A sequence's rows come out as they
/// would alone, since every op but attention works row by row.
#[derive(Debug, Clone)]
pub struct PackedBatch {
    pub ids: Vec<u32>,
    pub type_ids: Vec<u32>,
    /// Position of each token within its own sequence.
    pub positions: Vec<u32>,
    /// Each sequence's first row and length, in order.
    pub spans: Vec<(usize, usize)>,
}

impl PackedBatch {
    /// Lays sequences of (ids, type ids) end to end.
    pub fn pack(seqs: &[(Vec<u32>, Vec<u32>)]) -> Result<Self> {
        if seqs.is_empty() {
            return Err(Error::input("the batch is empty: pass at least one text"));
        }
        let tokens = seqs.iter().map(|(ids, _)| ids.len()).sum();
        let mut packed = PackedBatch {
            ids: Vec::with_capacity(tokens),
            type_ids: Vec::with_capacity(tokens),
            positions: Vec::with_capacity(tokens),
            spans: Vec::with_capacity(seqs.len()),
        };
        for (ids, types) in seqs {
            if ids.is_empty() {
                return Err(Error::input("a sequence in the batch has no tokens"));
            }
            packed.spans.push((packed.ids.len(), ids.len()));
            packed.ids.extend_from_slice(ids);
            packed.type_ids.extend((0..ids.len()).map(|i| types.get(i).copied().unwrap_or(0)));
            packed.positions.extend(0..ids.len() as u32);
        }
        Ok(packed)
    }

    pub fn tokens(&self) -> usize {
        self.ids.len()
    }
}

/// Additive attention bias that hides padding keys: `[b, 1, 1, t]`.
pub(crate) const MASKED: f32 = -1e9;

/// The BERT encoder stack: token ids in, contextual token vectors out.
pub struct BertModel<B: Backend> {
    backend: B,
    embeddings: Embeddings<B>,
    layers: Vec<Layer<B>>,
    config: BertConfig,
}

impl<B: Backend> BertModel<B> {
    /// Loads from weights named as in a Hugging Face `BertModel` checkpoint, with
    /// or without the `bert.` prefix that task heads add.
    pub fn load(backend: B, weights: &std::cell::RefCell<crate::weights::WeightMap>, config: BertConfig) -> Result<Self> {
        let w = crate::weights::Weights::new(weights, &backend);
        const PROBE: &str = "embeddings.word_embeddings.weight";
        let root = if w.contains(PROBE) {
            w
        } else if w.pp("bert").contains(PROBE) {
            w.pp("bert")
        } else {
            return Err(Error::format(format!("the model file has no BERT embeddings ({PROBE})")));
        };
        let embeddings = Embeddings::load(root.pp("embeddings"), &config)?;
        let layers = (0..config.num_hidden_layers)
            .map(|i| Layer::load(root.pp("encoder.layer").pp(i), &config))
            .collect::<Result<Vec<_>>>()?;
        drop(root);
        Ok(Self { backend, embeddings, layers, config })
    }

    pub fn config(&self) -> &BertConfig {
        &self.config
    }

    pub fn backend(&self) -> &B {
        &self.backend
    }

    /// Hidden states `[size, seq_len, hidden]` for a padded batch.
    pub fn forward(&self, batch: &Batch) -> Result<B::Tensor> {
        let b = &self.backend;
        self.check_length(batch.seq_len)?;
        let bias: Vec<f32> = batch.mask.iter().map(|&m| if m > 0.0 { 0.0 } else { MASKED }).collect();
        let mask = b.tensor(&bias, &[batch.size, 1, 1, batch.seq_len])?;
        let positions: Vec<u32> = (0..batch.size).flat_map(|_| 0..batch.seq_len as u32).collect();
        let x = self.embeddings.forward(b, &batch.ids, &batch.type_ids, &positions, &[batch.size, batch.seq_len])?;
        self.layers_forward(x, &Attend::Padded { mask: &mask, size: batch.size, seq_len: batch.seq_len })
    }

    /// Hidden states `[1, tokens, hidden]` for a packed batch: the rows of
    /// `packed.spans`, each sequence's as [`BertModel::forward`] gives it alone.
    pub fn forward_packed(&self, packed: &PackedBatch) -> Result<B::Tensor> {
        let longest = packed.spans.iter().map(|&(_, len)| len).max().unwrap_or(0);
        self.check_length(longest)?;
        let b = &self.backend;
        let x = self.embeddings.forward(b, &packed.ids, &packed.type_ids, &packed.positions, &[1, packed.tokens()])?;
        self.layers_forward(x, &Attend::Packed { spans: &packed.spans })
    }

    fn check_length(&self, seq_len: usize) -> Result<()> {
        if seq_len > self.config.max_position_embeddings {
            return Err(Error::input(format!(
                "sequence of {} tokens exceeds the model's {} positions",
                seq_len, self.config.max_position_embeddings
            )));
        }
        Ok(())
    }

    fn layers_forward(&self, mut x: B::Tensor, attend: &Attend<B>) -> Result<B::Tensor> {
        for layer in &self.layers {
            x = layer.forward(&self.backend, &x, attend)?;
        }
        Ok(x)
    }
}
