//! T5 v1.1 / Flan-T5 encoder-decoder, written once over the backend trait:
//! RMS norms, relative-position buckets, gated-GELU feed-forward, untied LM
//! head, a self-attention KV cache, and cross-attention keys/values computed once.
//! Tensor names follow the Hugging Face `T5ForConditionalGeneration` checkpoint.

use nunchi_engine::{Activation, Backend, Error, Result};
use serde::Deserialize;

use crate::bert::MASKED;
use crate::position_bias::{check_buckets, PositionBias};
use crate::weights::{WeightMap, Weights};

fn default_buckets() -> usize {
    32
}
fn default_max_distance() -> usize {
    128
}
fn default_eps() -> f64 {
    1e-6
}
fn default_ff_proj() -> String {
    "relu".into()
}
fn default_true() -> bool {
    true
}
fn default_eos() -> u32 {
    1
}

/// The fields of a Hugging Face `T5Config` that inference needs.
#[derive(Debug, Clone, Deserialize)]
pub struct T5Config {
    pub vocab_size: usize,
    pub d_model: usize,
    pub d_kv: usize,
    pub d_ff: usize,
    pub num_layers: usize,
    #[serde(default)]
    pub num_decoder_layers: Option<usize>,
    pub num_heads: usize,
    #[serde(default = "default_buckets")]
    pub relative_attention_num_buckets: usize,
    #[serde(default = "default_max_distance")]
    pub relative_attention_max_distance: usize,
    #[serde(default = "default_eps")]
    pub layer_norm_epsilon: f64,
    #[serde(default = "default_ff_proj")]
    pub feed_forward_proj: String,
    #[serde(default)]
    pub dense_act_fn: Option<String>,
    #[serde(default = "default_true")]
    pub tie_word_embeddings: bool,
    #[serde(default)]
    pub decoder_start_token_id: u32,
    #[serde(default = "default_eos")]
    pub eos_token_id: u32,
    #[serde(default)]
    pub pad_token_id: u32,
}

impl T5Config {
    pub fn from_json(json: &str) -> Result<Self> {
        let cfg: Self = serde_json::from_str(json).map_err(|e| Error::format(format!("T5 config.json: {e}")))?;
        cfg.feed_forward()?;
        if [cfg.vocab_size, cfg.d_model, cfg.d_kv, cfg.d_ff, cfg.num_heads].contains(&0) {
            return Err(Error::format("T5 config: vocab_size, d_model, d_kv, d_ff and num_heads must be positive"));
        }
        check_buckets(cfg.relative_attention_num_buckets, cfg.relative_attention_max_distance, "T5")?;
        Ok(cfg)
    }

    pub fn decoder_layers(&self) -> usize {
        self.num_decoder_layers.unwrap_or(self.num_layers)
    }

    fn inner_dim(&self) -> usize {
        self.num_heads * self.d_kv
    }

    /// (gated, activation) from `feed_forward_proj` and `dense_act_fn`, as transformers reads them.
    fn feed_forward(&self) -> Result<(bool, Activation)> {
        let parts: Vec<&str> = self.feed_forward_proj.split('-').collect();
        let (gated, act_name) = match parts.as_slice() {
            [act] => (false, *act),
            ["gated", act] => (true, *act),
            _ => {
                return Err(Error::format(format!("T5 config: feed_forward_proj '{}' is not supported", self.feed_forward_proj)))
            }
        };
        // transformers maps "gated-gelu" to the tanh approximation for backward compatibility.
        let act_name = match (&self.dense_act_fn, gated, act_name) {
            (Some(f), _, _) => f.as_str(),
            (None, true, "gelu") => "gelu_new",
            (None, _, a) => a,
        };
        let act = match act_name {
            "gelu_new" | "gelu_pytorch_tanh" => Activation::GeluTanh,
            "gelu" => Activation::GeluErf,
            "relu" => Activation::Relu,
            other => return Err(Error::format(format!("T5 config: activation '{other}' is not supported"))),
        };
        Ok((gated, act))
    }
}

struct RmsNorm<B: Backend> {
    gamma: B::Tensor,
    eps: f32,
}

impl<B: Backend> RmsNorm<B> {
    fn load(w: Weights<B>, dim: usize, eps: f64) -> Result<Self> {
        Ok(Self { gamma: w.tensor("weight", &[dim])?, eps: eps as f32 })
    }
    fn forward(&self, b: &B, x: &B::Tensor) -> Result<B::Tensor> {
        b.rms_norm(x, &self.gamma, self.eps)
    }
}

struct Attention<B: Backend> {
    q: B::Matrix,
    k: B::Matrix,
    v: B::Matrix,
    o: B::Matrix,
    heads: usize,
    d_kv: usize,
}

impl<B: Backend> Attention<B> {
    fn load(w: Weights<B>, cfg: &T5Config) -> Result<Self> {
        let (d, inner) = (cfg.d_model, cfg.inner_dim());
        Ok(Self {
            q: w.pp("q").matrix("weight", inner, d)?,
            k: w.pp("k").matrix("weight", inner, d)?,
            v: w.pp("v").matrix("weight", inner, d)?,
            o: w.pp("o").matrix("weight", d, inner)?,
            heads: cfg.num_heads,
            d_kv: cfg.d_kv,
        })
    }

    /// `[b, t, d]` → `[b, heads, t, d_kv]` through projection `m`.
    fn project(&self, b: &B, x: &B::Tensor, m: &B::Matrix) -> Result<B::Tensor> {
        let dims = b.dims(x);
        let y = b.linear(x, m, None)?;
        let y = b.reshape(&y, &[dims[0], dims[1], self.heads, self.d_kv])?;
        b.transpose(&y, 1, 2)
    }

    /// T5 does not scale scores by 1/√d: the scale is folded into its weights.
    fn attend(&self, b: &B, q: &B::Tensor, k: &B::Tensor, v: &B::Tensor, bias: Option<&B::Tensor>) -> Result<B::Tensor> {
        let ctx = b.attention(q, k, v, bias, 1.0)?;
        let dims = b.dims(&ctx);
        let ctx = b.transpose(&ctx, 1, 2)?;
        let ctx = b.reshape(&ctx, &[dims[0], dims[2], self.heads * self.d_kv])?;
        b.linear(&ctx, &self.o, None)
    }
}

struct FeedForward<B: Backend> {
    wi_0: B::Matrix,
    wi_1: Option<B::Matrix>,
    wo: B::Matrix,
    act: Activation,
}

impl<B: Backend> FeedForward<B> {
    fn load(w: Weights<B>, cfg: &T5Config) -> Result<Self> {
        let (gated, act) = cfg.feed_forward()?;
        let (d, ff) = (cfg.d_model, cfg.d_ff);
        let w = w.pp("DenseReluDense");
        if gated {
            Ok(Self {
                wi_0: w.pp("wi_0").matrix("weight", ff, d)?,
                wi_1: Some(w.pp("wi_1").matrix("weight", ff, d)?),
                wo: w.pp("wo").matrix("weight", d, ff)?,
                act,
            })
        } else {
            Ok(Self { wi_0: w.pp("wi").matrix("weight", ff, d)?, wi_1: None, wo: w.pp("wo").matrix("weight", d, ff)?, act })
        }
    }

    fn forward(&self, b: &B, x: &B::Tensor) -> Result<B::Tensor> {
        let mut h = b.activation(&b.linear(x, &self.wi_0, None)?, self.act)?;
        if let Some(wi_1) = &self.wi_1 {
            h = b.mul(&h, &b.linear(x, wi_1, None)?)?;
        }
        b.linear(&h, &self.wo, None)
    }
}

struct EncoderBlock<B: Backend> {
    attn_norm: RmsNorm<B>,
    attn: Attention<B>,
    ff_norm: RmsNorm<B>,
    ff: FeedForward<B>,
}

impl<B: Backend> EncoderBlock<B> {
    fn load(w: Weights<B>, cfg: &T5Config) -> Result<Self> {
        let eps = cfg.layer_norm_epsilon;
        Ok(Self {
            attn_norm: RmsNorm::load(w.pp("layer.0.layer_norm"), cfg.d_model, eps)?,
            attn: Attention::load(w.pp("layer.0.SelfAttention"), cfg)?,
            ff_norm: RmsNorm::load(w.pp("layer.1.layer_norm"), cfg.d_model, eps)?,
            ff: FeedForward::load(w.pp("layer.1"), cfg)?,
        })
    }

    fn forward(&self, b: &B, x: &B::Tensor, bias: &B::Tensor) -> Result<B::Tensor> {
        let h = self.attn_norm.forward(b, x)?;
        let q = self.attn.project(b, &h, &self.attn.q)?;
        let k = self.attn.project(b, &h, &self.attn.k)?;
        let v = self.attn.project(b, &h, &self.attn.v)?;
        let x = b.add(x, &self.attn.attend(b, &q, &k, &v, Some(bias))?)?;
        let h = self.ff_norm.forward(b, &x)?;
        b.add(&x, &self.ff.forward(b, &h)?)
    }
}

struct DecoderBlock<B: Backend> {
    self_norm: RmsNorm<B>,
    self_attn: Attention<B>,
    cross_norm: RmsNorm<B>,
    cross_attn: Attention<B>,
    ff_norm: RmsNorm<B>,
    ff: FeedForward<B>,
}

impl<B: Backend> DecoderBlock<B> {
    fn load(w: Weights<B>, cfg: &T5Config) -> Result<Self> {
        let eps = cfg.layer_norm_epsilon;
        Ok(Self {
            self_norm: RmsNorm::load(w.pp("layer.0.layer_norm"), cfg.d_model, eps)?,
            self_attn: Attention::load(w.pp("layer.0.SelfAttention"), cfg)?,
            cross_norm: RmsNorm::load(w.pp("layer.1.layer_norm"), cfg.d_model, eps)?,
            cross_attn: Attention::load(w.pp("layer.1.EncDecAttention"), cfg)?,
            ff_norm: RmsNorm::load(w.pp("layer.2.layer_norm"), cfg.d_model, eps)?,
            ff: FeedForward::load(w.pp("layer.2"), cfg)?,
        })
    }
}

/// Encoder output, ready for decoding.
pub struct Encoding<B: Backend> {
    /// `[batch, seq, d_model]`.
    pub hidden: B::Tensor,
    /// Additive key mask for cross-attention, `[batch, 1, 1, seq]`.
    mask: B::Tensor,
    batch: usize,
}

/// Decoder state for one generation: self-attention cache and cross keys/values.
pub struct DecoderState<B: Backend> {
    self_kv: Vec<Option<(B::Tensor, B::Tensor)>>,
    cross_kv: Vec<(B::Tensor, B::Tensor)>,
    cross_mask: B::Tensor,
    /// Tokens decoded so far (the position of the next one).
    pub position: usize,
    pub batch: usize,
}

/// A T5 encoder-decoder with its LM head.
pub struct T5Model<B: Backend> {
    backend: B,
    shared: B::Table,
    encoder: Vec<EncoderBlock<B>>,
    encoder_norm: RmsNorm<B>,
    encoder_bias: PositionBias,
    decoder: Vec<DecoderBlock<B>>,
    decoder_norm: RmsNorm<B>,
    decoder_bias: PositionBias,
    lm_head: B::Matrix,
    config: T5Config,
}

impl<B: Backend> T5Model<B> {
    pub fn load(backend: B, weights: &std::cell::RefCell<WeightMap>, config: T5Config) -> Result<Self> {
        let cfg = &config;
        let w = Weights::new(weights, &backend);
        let bias_name = "block.0.layer.0.SelfAttention.relative_attention_bias";
        let bias_table = |prefix: &str, bidirectional| -> Result<PositionBias> {
            Ok(PositionBias {
                table: w.pp(prefix).pp(bias_name).host("weight", &[cfg.relative_attention_num_buckets, cfg.num_heads])?,
                heads: cfg.num_heads,
                num_buckets: cfg.relative_attention_num_buckets,
                max_distance: cfg.relative_attention_max_distance,
                bidirectional,
            })
        };
        let encoder_bias = bias_table("encoder", true)?;
        let decoder_bias = bias_table("decoder", false)?;
        // With tied embeddings the LM head is the embedding table: upload it twice
        // (as a gather table and as a matmul weight) from one stored copy.
        let lm_head = if cfg.tie_word_embeddings && !w.contains("lm_head.weight") {
            let stored = weights.borrow().get("shared.weight").map(copy_qtensor).transpose()?;
            let stored = stored.ok_or_else(|| Error::format("the model file has no tensor 'shared.weight'"))?;
            backend.matrix(stored)?
        } else {
            w.pp("lm_head").matrix("weight", cfg.vocab_size, cfg.d_model)?
        };
        let shared = w.pp("shared").table("weight", cfg.vocab_size, cfg.d_model)?;
        let encoder =
            (0..cfg.num_layers).map(|i| EncoderBlock::load(w.pp("encoder.block").pp(i), cfg)).collect::<Result<Vec<_>>>()?;
        let decoder = (0..cfg.decoder_layers())
            .map(|i| DecoderBlock::load(w.pp("decoder.block").pp(i), cfg))
            .collect::<Result<Vec<_>>>()?;
        let encoder_norm = RmsNorm::load(w.pp("encoder.final_layer_norm"), cfg.d_model, cfg.layer_norm_epsilon)?;
        let decoder_norm = RmsNorm::load(w.pp("decoder.final_layer_norm"), cfg.d_model, cfg.layer_norm_epsilon)?;
        drop(w);
        Ok(Self { backend, shared, encoder, encoder_norm, encoder_bias, decoder, decoder_norm, decoder_bias, lm_head, config })
    }

    pub fn config(&self) -> &T5Config {
        &self.config
    }

    pub fn backend(&self) -> &B {
        &self.backend
    }

    /// Runs the encoder on a padded batch (`mask` 1.0 for real tokens).
    pub fn encode(&self, ids: &[u32], mask: &[f32], batch: usize, seq: usize) -> Result<Encoding<B>> {
        let b = &self.backend;
        if ids.len() != batch * seq || mask.len() != batch * seq || seq == 0 {
            return Err(Error::input("the encoder batch is empty or its shape is inconsistent"));
        }
        let key_mask: Vec<f32> = mask.iter().map(|&m| if m > 0.0 { 0.0 } else { MASKED }).collect();
        let key_mask = b.tensor(&key_mask, &[batch, 1, 1, seq])?;
        let bias = b.add(&self.encoder_bias.compute(b, 0, seq, seq)?, &key_mask)?;
        let mut x = b.gather(&self.shared, ids, &[batch, seq])?;
        for block in &self.encoder {
            x = block.forward(b, &x, &bias)?;
        }
        let hidden = self.encoder_norm.forward(b, &x)?;
        Ok(Encoding { hidden, mask: key_mask, batch })
    }

    /// Prepares decoding against `enc`, for `batch` decoder rows (all rows share
    /// encoder row 0 when the encoder batch is 1, as in candidate scoring).
    pub fn start_decoding(&self, enc: &Encoding<B>, batch: usize) -> Result<DecoderState<B>> {
        let b = &self.backend;
        if enc.batch != batch && enc.batch != 1 {
            return Err(Error::input(format!("decoder batch {batch} does not match encoder batch {}", enc.batch)));
        }
        let expand = |t: B::Tensor| -> Result<B::Tensor> {
            if enc.batch == batch {
                return Ok(t);
            }
            let copies: Vec<&B::Tensor> = std::iter::repeat_n(&t, batch).collect();
            b.concat(&copies, 0)
        };
        let mut cross_kv = Vec::with_capacity(self.decoder.len());
        for block in &self.decoder {
            let k = block.cross_attn.project(b, &enc.hidden, &block.cross_attn.k)?;
            let v = block.cross_attn.project(b, &enc.hidden, &block.cross_attn.v)?;
            cross_kv.push((expand(k)?, expand(v)?));
        }
        Ok(DecoderState {
            self_kv: (0..self.decoder.len()).map(|_| None).collect(),
            cross_kv,
            cross_mask: expand(enc.mask.clone())?,
            position: 0,
            batch,
        })
    }

    /// Decodes `tokens` (`[batch, n]`, row-major) after the cached ones and
    /// returns the logits `[batch, n, vocab]`.
    pub fn decode(&self, state: &mut DecoderState<B>, tokens: &[u32], n: usize) -> Result<B::Tensor> {
        let b = &self.backend;
        let batch = state.batch;
        if n == 0 || tokens.len() != batch * n {
            return Err(Error::input("decoder tokens do not match the decoder batch"));
        }
        let past = state.position;
        let total = past + n;
        // Relative position bias plus a causal mask over the new tokens.
        let mut bias = self.decoder_bias.compute(b, past, n, total)?;
        if n > 1 {
            let mut causal = vec![0f32; n * total];
            for i in 0..n {
                for j in (past + i + 1)..total {
                    causal[i * total + j] = MASKED;
                }
            }
            bias = b.add(&bias, &b.tensor(&causal, &[1, 1, n, total])?)?;
        }
        let mut x = b.gather(&self.shared, tokens, &[batch, n])?;
        for (i, block) in self.decoder.iter().enumerate() {
            let h = block.self_norm.forward(b, &x)?;
            let q = block.self_attn.project(b, &h, &block.self_attn.q)?;
            let mut k = block.self_attn.project(b, &h, &block.self_attn.k)?;
            let mut v = block.self_attn.project(b, &h, &block.self_attn.v)?;
            if let Some((pk, pv)) = &state.self_kv[i] {
                k = b.concat(&[pk, &k], 2)?;
                v = b.concat(&[pv, &v], 2)?;
            }
            x = b.add(&x, &block.self_attn.attend(b, &q, &k, &v, Some(&bias))?)?;
            state.self_kv[i] = Some((k, v));

            let h = block.cross_norm.forward(b, &x)?;
            let q = block.cross_attn.project(b, &h, &block.cross_attn.q)?;
            let (ck, cv) = &state.cross_kv[i];
            x = b.add(&x, &block.cross_attn.attend(b, &q, ck, cv, Some(&state.cross_mask))?)?;

            let h = block.ff_norm.forward(b, &x)?;
            x = b.add(&x, &block.ff.forward(b, &h)?)?;
        }
        state.position = total;
        let mut x = self.decoder_norm.forward(b, &x)?;
        if self.config.tie_word_embeddings {
            // transformers rescales before a tied LM head.
            let scale = (self.config.d_model as f32).powf(-0.5);
            x = b.mul(&x, &b.tensor(&[scale], &[1])?)?;
        }
        b.linear(&x, &self.lm_head, None)
    }
}

fn copy_qtensor(t: &candle_core::quantized::QTensor) -> Result<candle_core::quantized::QTensor> {
    let data = t.data()?;
    let storage = candle_core::quantized::QStorage::from_data(
        std::borrow::Cow::Owned(data.into_owned()),
        &candle_core::Device::Cpu,
        t.dtype(),
    )?;
    Ok(candle_core::quantized::QTensor::new(storage, t.shape().clone())?)
}
