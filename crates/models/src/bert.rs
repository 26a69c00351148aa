//! The BERT family's encoder (BERT, MiniLM, bge, e5, DistilBERT, RoBERTa,
//! XLM-RoBERTa, ELECTRA, MPNet), written once over the backend trait; each
//! variant's differences come from its [`EncoderConfig`]. Layout and names
//! follow the Hugging Face checkpoints, so a layer loads from
//! `w.pp("encoder.layer.0")` as the checkpoint names it.

use nunchi_engine::{Activation, Backend, Error, Result};

use crate::encoder_config::{EncoderConfig, LayerNames};
use crate::position_bias::{deberta_relative_index, one_hot_gather, PositionBias};

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
    /// Absent where positions are only relative (DeBERTa-v3).
    position: Option<B::Table>,
    /// Absent for variants without token types (DistilBERT, MPNet).
    token_type: Option<B::Table>,
    norm: LayerNorm<B>,
    /// ELECTRA's projection from narrower embeddings up to the hidden size.
    project: Option<Linear<B>>,
}

impl<B: Backend> Embeddings<B> {
    /// Loads `embeddings.*` from `root`, the encoder's checkpoint prefix.
    fn load(root: &crate::weights::Weights<B>, cfg: &EncoderConfig) -> Result<Self> {
        let (w, e) = (root.pp("embeddings"), cfg.embedding_size);
        let token_type = match cfg.type_vocab_size {
            0 => None,
            n => Some(w.pp("token_type_embeddings").table("weight", n, e)?),
        };
        let project = match e == cfg.hidden_size {
            true => None,
            false => Some(Linear::load(root.pp("embeddings_project"), cfg.hidden_size, e)?),
        };
        Ok(Self {
            word: w.pp("word_embeddings").table("weight", cfg.vocab_size, e)?,
            position: match cfg.absolute_positions {
                true => Some(w.pp("position_embeddings").table("weight", cfg.max_position_embeddings, e)?),
                false => None,
            },
            token_type,
            norm: LayerNorm::load(w.pp("LayerNorm"), e, cfg.layer_norm_eps)?,
            project,
        })
    }

    /// Token, position and type embeddings of `ids` (shaped `dims`), normalized.
    fn forward(&self, b: &B, ids: &[u32], type_ids: &[u32], positions: &[u32], dims: &[usize]) -> Result<B::Tensor> {
        let x = b.gather(&self.word, ids, dims)?;
        let mut x = match &self.position {
            Some(position) => b.add(&x, &b.gather(position, positions, dims)?)?,
            None => x,
        };
        if let Some(token_type) = &self.token_type {
            x = b.add(&x, &b.gather(token_type, type_ids, dims)?)?;
        }
        let x = self.norm.forward(b, &x)?;
        match &self.project {
            Some(project) => project.forward(b, &x),
            None => Ok(x),
        }
    }
}

/// Which tokens attend to which, and what is added to their scores.
enum Attend<'a, B: Backend> {
    /// A padded `[size, seq_len]` batch; its `extra.bias` hides the padding
    /// keys (and adds MPNet's relative position bias).
    Padded { extra: &'a Extra<B>, size: usize, seq_len: usize },
    /// A [`PackedBatch`]: each span attends only to itself, with `extras[i]`
    /// for span `i`'s length.
    Packed { spans: &'a [(usize, usize)], extras: &'a [Extra<B>] },
}

/// What one attention run (a padded batch, or one packed span) adds to its scores.
struct Extra<B: Backend> {
    /// Added as it is: the padding mask and MPNet's position bias.
    bias: Option<B::Tensor>,
    /// DeBERTa's one-hot tables, which turn per-bucket scores into per-key ones.
    gathers: Option<Gathers<B>>,
}

/// DeBERTa's `[1, len, 2·span, len]` one-hot tables for one length, holding
/// the score scale instead of 1 (see [`crate::position_bias::one_hot_gather`]).
struct Gathers<B: Backend> {
    c2p: Option<B::Tensor>,
    p2c: Option<B::Tensor>,
}

/// DeBERTa's relative embeddings (normalized), shared by every layer, and each layer's projections of them.
struct RelativeKeys<B: Backend> {
    /// `[1, heads, 2·span, head_dim]` through the layer's key projection (for `c2p`).
    key: Option<B::Tensor>,
    /// The same through its query projection (for `p2c`).
    query: Option<B::Tensor>,
}

struct SelfAttention<B: Backend> {
    query: Linear<B>,
    key: Linear<B>,
    value: Linear<B>,
    output: Linear<B>,
    output_norm: LayerNorm<B>,
    heads: usize,
    head_dim: usize,
    /// `1/sqrt(head_dim)`; DeBERTa's also counts its relative terms.
    scale: f32,
}

impl<B: Backend> SelfAttention<B> {
    fn load(w: &crate::weights::Weights<B>, names: &LayerNames, cfg: &EncoderConfig) -> Result<Self> {
        let h = cfg.hidden_size;
        Ok(Self {
            query: Linear::load(w.pp(names.query), h, h)?,
            key: Linear::load(w.pp(names.key), h, h)?,
            value: Linear::load(w.pp(names.value), h, h)?,
            output: Linear::load(w.pp(names.attention_output), h, h)?,
            output_norm: LayerNorm::load(w.pp(names.attention_norm), h, cfg.layer_norm_eps)?,
            heads: cfg.num_attention_heads,
            head_dim: cfg.head_dim(),
            scale: cfg.score_scale(),
        })
    }

    /// `[size, t, h]` → `[size, heads, t, head_dim]`.
    fn split_heads(&self, b: &B, x: &B::Tensor, size: usize, seq_len: usize) -> Result<B::Tensor> {
        let x = b.reshape(x, &[size, seq_len, self.heads, self.head_dim])?;
        b.transpose(&x, 1, 2)
    }

    /// Attention of projected `q, k, v` `[size, t, h]` → context `[size, t, h]`.
    fn attend(
        &self,
        b: &B,
        qkv: [&B::Tensor; 3],
        extra: &Extra<B>,
        relative: Option<&RelativeKeys<B>>,
        size: usize,
        seq_len: usize,
    ) -> Result<B::Tensor> {
        let [q, k, v] = qkv.map(|t| self.split_heads(b, t, size, seq_len));
        let (q, k, v) = (q?, k?, v?);
        let disentangled = match (&extra.gathers, relative) {
            (Some(gathers), Some(relative)) => Some(self.disentangled_scores(b, &q, &k, gathers, relative)?),
            _ => None,
        };
        let bias = match (disentangled, &extra.bias) {
            (Some(d), Some(bias)) => Some(b.add(&d, bias)?),
            (Some(d), None) => Some(d),
            (None, bias) => bias.clone(),
        };
        let ctx = b.attention(&q, &k, &v, bias.as_ref(), self.scale)?;
        let ctx = b.transpose(&ctx, 1, 2)?;
        b.reshape(&ctx, &[size, seq_len, self.heads * self.head_dim])
    }

    /// DeBERTa's content-to-position and position-to-content scores `[size, heads, t, t]`,
    /// scaled, for heads-split `q, k` `[size, heads, t, head_dim]`.
    fn disentangled_scores(
        &self,
        b: &B,
        q: &B::Tensor,
        k: &B::Tensor,
        gathers: &Gathers<B>,
        relative: &RelativeKeys<B>,
    ) -> Result<B::Tensor> {
        // Scores against every bucket, `[size, heads, t, 2·span]`, then each
        // key's bucket picked: `[size, t, heads, 2·span] · [1, t, 2·span, t]`.
        let per_key = |x: &B::Tensor, rel: &B::Tensor, table: &B::Tensor| -> Result<B::Tensor> {
            let buckets = b.matmul(x, &b.transpose(rel, 2, 3)?)?;
            let picked = b.matmul(&b.transpose(&buckets, 1, 2)?, table)?;
            b.transpose(&picked, 1, 2)
        };
        let mut total: Option<B::Tensor> = None;
        if let (Some(table), Some(rel)) = (&gathers.c2p, &relative.key) {
            total = Some(per_key(q, rel, table)?);
        }
        if let (Some(table), Some(rel)) = (&gathers.p2c, &relative.query) {
            // Rows are keys here: `[.., key, query]`, transposed to `[.., query, key]`.
            let p2c = b.transpose(&per_key(k, rel, table)?, 2, 3)?;
            total = Some(match total {
                Some(c2p) => b.add(&c2p, &p2c)?,
                None => p2c,
            });
        }
        total.ok_or_else(|| Error::format("disentangled attention without c2p or p2c terms"))
    }

    /// This layer's projections of the shared relative embeddings `[1, 2·span, hidden]`.
    fn relative_keys(&self, b: &B, rel: &B::Tensor, d: &crate::encoder_config::Disentangled) -> Result<RelativeKeys<B>> {
        let rows = 2 * d.span;
        let project = |linear: &Linear<B>| self.split_heads(b, &linear.forward(b, rel)?, 1, rows);
        Ok(RelativeKeys {
            key: if d.c2p { Some(project(&self.key)?) } else { None },
            query: if d.p2c { Some(project(&self.query)?) } else { None },
        })
    }

    fn forward(&self, b: &B, x: &B::Tensor, attend: &Attend<B>, relative: Option<&RelativeKeys<B>>) -> Result<B::Tensor> {
        let (q, k, v) = (self.query.forward(b, x)?, self.key.forward(b, x)?, self.value.forward(b, x)?);
        let ctx = match *attend {
            Attend::Padded { extra, size, seq_len } => self.attend(b, [&q, &k, &v], extra, relative, size, seq_len)?,
            // One sequence (a single text): its rows are the whole tensor.
            Attend::Packed { spans: &[(0, len)], extras } => self.attend(b, [&q, &k, &v], &extras[0], relative, 1, len)?,
            Attend::Packed { spans, extras } => {
                let parts = spans
                    .iter()
                    .zip(extras)
                    .map(|(&(start, len), extra)| {
                        let [q, k, v] = [&q, &k, &v].map(|t| b.narrow(t, 1, start, len));
                        self.attend(b, [&q?, &k?, &v?], extra, relative, 1, len)
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
    fn load(w: crate::weights::Weights<B>, names: &LayerNames, cfg: &EncoderConfig) -> Result<Self> {
        let (h, i) = (cfg.hidden_size, cfg.intermediate_size);
        Ok(Self {
            attention: SelfAttention::load(&w, names, cfg)?,
            intermediate: Linear::load(w.pp(names.ffn_in), i, h)?,
            output: Linear::load(w.pp(names.ffn_out), h, i)?,
            output_norm: LayerNorm::load(w.pp(names.output_norm), h, cfg.layer_norm_eps)?,
            act: cfg.activation()?,
        })
    }

    fn forward(&self, b: &B, x: &B::Tensor, attend: &Attend<B>, relative: Option<&RelativeKeys<B>>) -> Result<B::Tensor> {
        let x = self.attention.forward(b, x, attend, relative)?;
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
            spans: Vec::with_capacity(seqs.len()),
        };
        for (ids, types) in seqs {
            if ids.is_empty() {
                return Err(Error::input("a sequence in the batch has no tokens"));
            }
            packed.spans.push((packed.ids.len(), ids.len()));
            packed.ids.extend_from_slice(ids);
            packed.type_ids.extend((0..ids.len()).map(|i| types.get(i).copied().unwrap_or(0)));
        }
        Ok(packed)
    }

    pub fn tokens(&self) -> usize {
        self.ids.len()
    }
}

/// Additive attention bias that hides padding keys: `[b, 1, 1, t]`.
pub(crate) const MASKED: f32 = -1e9;

/// The encoder stack: token ids in, contextual token vectors out.
pub struct BertModel<B: Backend> {
    backend: B,
    embeddings: Embeddings<B>,
    layers: Vec<Layer<B>>,
    /// MPNet's relative position bias, computed once per length and added in every layer.
    relative_bias: Option<PositionBias>,
    /// DeBERTa's relative embeddings `[1, 2·span, hidden]`, normalized once at load.
    relative_embeddings: Option<B::Tensor>,
    config: EncoderConfig,
}

impl<B: Backend> BertModel<B> {
    /// Loads from weights named as in the variant's Hugging Face checkpoint,
    /// with or without the prefix a task head adds (`bert.`, `roberta.`, …).
    pub fn load(backend: B, weights: &std::cell::RefCell<crate::weights::WeightMap>, config: EncoderConfig) -> Result<Self> {
        let w = crate::weights::Weights::new(weights, &backend);
        const PROBE: &str = "embeddings.word_embeddings.weight";
        let prefix = config.variant.base_prefix();
        let root = if w.contains(PROBE) {
            w
        } else if w.pp(prefix).contains(PROBE) {
            w.pp(prefix)
        } else {
            return Err(Error::format(format!(
                "the model file has no {} embeddings ({PROBE} or {prefix}.{PROBE})",
                config.model_type
            )));
        };
        let embeddings = Embeddings::load(&root, &config)?;
        let names = config.variant.layer_names();
        let layers = (0..config.num_hidden_layers)
            .map(|i| Layer::load(root.pp(names.layers).pp(i), names, &config))
            .collect::<Result<Vec<_>>>()?;
        let relative_bias = match config.relative_bias {
            Some(rb) => Some(PositionBias {
                table: root
                    .pp("encoder.relative_attention_bias")
                    .host("weight", &[rb.num_buckets, config.num_attention_heads])?,
                heads: config.num_attention_heads,
                num_buckets: rb.num_buckets,
                max_distance: rb.max_distance,
                bidirectional: true,
            }),
            None => None,
        };
        let relative_embeddings = match config.disentangled {
            Some(d) => {
                let (rows, h) = (2 * d.span, config.hidden_size);
                let values = root.pp("encoder.rel_embeddings").host("weight", &[rows, h])?;
                let table = backend.tensor(&values, &[1, rows, h])?;
                Some(match d.norm_rel_embeddings {
                    true => LayerNorm::load(root.pp("encoder.LayerNorm"), h, config.layer_norm_eps)?.forward(&backend, &table)?,
                    false => table,
                })
            }
            None => None,
        };
        drop(root);
        Ok(Self { backend, embeddings, layers, relative_bias, relative_embeddings, config })
    }

    pub fn config(&self) -> &EncoderConfig {
        &self.config
    }

    pub fn backend(&self) -> &B {
        &self.backend
    }

    /// Position ids of a sequence of `len` tokens (RoBERTa and MPNet count past the padding id).
    fn positions(&self, len: usize) -> impl Iterator<Item = u32> {
        let offset = self.config.position_offset as u32;
        (0..len as u32).map(move |i| offset + i)
    }

    /// MPNet's relative position bias `[1, heads, len, len]`; `None` for other variants.
    fn position_bias(&self, len: usize) -> Result<Option<B::Tensor>> {
        self.relative_bias.as_ref().map(|bias| bias.compute(&self.backend, 0, len, len)).transpose()
    }

    /// DeBERTa's one-hot tables for sequences of `len` tokens; `None` for other variants.
    fn gathers(&self, len: usize) -> Result<Option<Gathers<B>>> {
        let Some(d) = self.config.disentangled else { return Ok(None) };
        let index = |a, b| deberta_relative_index(a, b, d.span, d.buckets, d.max_relative_positions);
        let scale = self.config.score_scale();
        let dims = [1, len, 2 * d.span, len];
        // The score scale rides in the tables: each picks one bucket, so the sum is scaled.
        let table = |index: &dyn Fn(usize, usize) -> usize| -> Result<B::Tensor> {
            let mut t = one_hot_gather(len, d.span, index);
            t.iter_mut().for_each(|v| *v *= scale);
            self.backend.tensor(&t, &dims)
        };
        Ok(Some(Gathers {
            // c2p: query a, key b, the bucket of a - b.
            c2p: if d.c2p { Some(table(&index)?) } else { None },
            // p2c: key a, query b: PyTorch's `-r_pos`, the bucket of b - a (buckets are odd in the offset).
            p2c: if d.p2c { Some(table(&|a, b| index(b, a))?) } else { None },
        }))
    }

    /// What a run of `len` tokens adds to its scores, besides `mask` (a padded batch's).
    fn extra(&self, len: usize, mask: Option<B::Tensor>) -> Result<Extra<B>> {
        let bias = match (self.position_bias(len)?, mask) {
            (Some(position), Some(mask)) => Some(self.backend.add(&position, &mask)?),
            (position, mask) => position.or(mask),
        };
        Ok(Extra { bias, gathers: self.gathers(len)? })
    }

    /// Hidden states `[size, seq_len, hidden]` for a padded batch.
    pub fn forward(&self, batch: &Batch) -> Result<B::Tensor> {
        let b = &self.backend;
        self.check_length(batch.seq_len)?;
        let mask: Vec<f32> = batch.mask.iter().map(|&m| if m > 0.0 { 0.0 } else { MASKED }).collect();
        let extra = self.extra(batch.seq_len, Some(b.tensor(&mask, &[batch.size, 1, 1, batch.seq_len])?))?;
        // Padding rows get positions too; their keys are masked, so they change nothing.
        let positions: Vec<u32> = (0..batch.size).flat_map(|_| self.positions(batch.seq_len)).collect();
        let x = self.embeddings.forward(b, &batch.ids, &batch.type_ids, &positions, &[batch.size, batch.seq_len])?;
        self.layers_forward(x, &Attend::Padded { extra: &extra, size: batch.size, seq_len: batch.seq_len })
    }

    /// Hidden states `[1, tokens, hidden]` for a packed batch: the rows of
    /// `packed.spans`, each sequence's as [`BertModel::forward`] gives it alone.
    pub fn forward_packed(&self, packed: &PackedBatch) -> Result<B::Tensor> {
        let longest = packed.spans.iter().map(|&(_, len)| len).max().unwrap_or(0);
        self.check_length(longest)?;
        let b = &self.backend;
        let positions: Vec<u32> = packed.spans.iter().flat_map(|&(_, len)| self.positions(len)).collect();
        let x = self.embeddings.forward(b, &packed.ids, &packed.type_ids, &positions, &[1, packed.tokens()])?;
        let extras = packed.spans.iter().map(|&(_, len)| self.extra(len, None)).collect::<Result<Vec<_>>>()?;
        self.layers_forward(x, &Attend::Packed { spans: &packed.spans, extras: &extras })
    }

    fn check_length(&self, seq_len: usize) -> Result<()> {
        if seq_len > self.config.max_tokens() {
            return Err(Error::input(format!(
                "sequence of {} tokens exceeds the model's {} positions",
                seq_len,
                self.config.max_tokens()
            )));
        }
        Ok(())
    }

    fn layers_forward(&self, mut x: B::Tensor, attend: &Attend<B>) -> Result<B::Tensor> {
        for layer in &self.layers {
            let relative = match (&self.relative_embeddings, self.config.disentangled) {
                (Some(rel), Some(d)) => Some(layer.attention.relative_keys(&self.backend, rel, &d)?),
                _ => None,
            };
            x = layer.forward(&self.backend, &x, attend, relative.as_ref())?;
        }
        Ok(x)
    }
}
