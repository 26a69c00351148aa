//! Sentence embeddings: tokenize, run a BERT-family model, pool, normalize.

use std::cell::RefCell;

use nunchi_engine::{Backend, Error, Result};

use crate::bert::{Batch, BertConfig, BertModel};
use crate::buckets;
use crate::model_file::{Architecture, ModelFile, ModelMeta};
use crate::tokenizer::TextTokenizer;

/// How token vectors become one sentence vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pooling {
    /// Mean over real tokens (the attention mask), never over padding.
    Mean,
    /// The first token's vector.
    Cls,
    /// No pooling: token vectors are returned per text.
    None,
}

/// Option strings for pooling, validated against this table.
pub const POOLING_NAMES: &[(&str, Pooling)] = &[("mean", Pooling::Mean), ("cls", Pooling::Cls), ("none", Pooling::None)];

impl Pooling {
    pub fn parse(name: &str) -> Result<Self> {
        POOLING_NAMES.iter().find(|(n, _)| *n == name).map(|(_, p)| *p).ok_or_else(|| {
            Error::input(format!("unknown pooling '{name}' (expected one of mean, cls, none)"))
        })
    }
}

#[derive(Debug, Clone)]
pub struct EmbedOptions {
    pub pooling: Pooling,
    pub normalize: bool,
}

/// Embeddings of a batch, row-major.
#[derive(Debug, Clone)]
pub struct Embeddings {
    /// `[texts, dim]` when pooled; for `Pooling::None`, `[texts, tokens, dim]`
    /// with padding rows zeroed.
    pub data: Vec<f32>,
    pub dims: Vec<usize>,
    /// Tokens cut from the end of each text to fit the model's limit.
    pub truncated: Vec<usize>,
}

impl Embeddings {
    pub fn row(&self, i: usize) -> &[f32] {
        let width: usize = self.dims[1..].iter().product();
        &self.data[i * width..(i + 1) * width]
    }
}

/// A BERT-family sentence encoder with its tokenizer.
pub struct SentenceEncoder<B: Backend> {
    model: BertModel<B>,
    tokenizer: TextTokenizer,
    meta: ModelMeta,
    pad_id: u32,
}

impl<B: Backend> SentenceEncoder<B> {
    pub fn load(backend: B, file: ModelFile) -> Result<Self> {
        if file.arch != Architecture::Bert {
            return Err(Error::format(format!(
                "this is a {} model; a sentence encoder needs a BERT-family model",
                file.arch.name()
            )));
        }
        let config = BertConfig::from_json(&file.config_json)?;
        let max_tokens = file.meta.max_tokens.min(config.max_position_embeddings);
        let tokenizer = TextTokenizer::from_json(&file.tokenizer_json, max_tokens)?;
        if tokenizer.max_id() as usize >= config.vocab_size {
            return Err(Error::format(format!(
                "the tokenizer produces ids up to {} but the model's vocabulary has {} entries: tokenizer and weights do not belong together",
                tokenizer.max_id(),
                config.vocab_size
            )));
        }
        let pad_id = tokenizer.token_id("[PAD]").or_else(|| tokenizer.token_id("<pad>")).unwrap_or(0);
        let weights = RefCell::new(file.weights);
        let model = BertModel::load(backend, &weights, config)?;
        Ok(Self { model, tokenizer, meta: file.meta, pad_id })
    }

    pub fn meta(&self) -> &ModelMeta {
        &self.meta
    }

    pub fn dim(&self) -> usize {
        self.model.config().hidden_size
    }

    pub fn tokenizer(&self) -> &TextTokenizer {
        &self.tokenizer
    }

    /// The model's own defaults (pooling and normalization from its files).
    pub fn default_options(&self) -> EmbedOptions {
        EmbedOptions { pooling: Pooling::parse(&self.meta.pooling).unwrap_or(Pooling::Mean), normalize: self.meta.normalize }
    }

    /// Embeds `texts`. Pooled embeddings run in length buckets (sub-batches of
    /// similar length, see [`crate::buckets`]) and come back in the caller's
    /// order; token vectors (`Pooling::None`) run as one padded batch.
    pub fn embed(&self, texts: &[&str], opts: &EmbedOptions) -> Result<Embeddings> {
        if texts.is_empty() {
            return Err(Error::input("no texts to embed: pass at least one"));
        }
        let mut seqs = Vec::with_capacity(texts.len());
        let mut truncated = Vec::with_capacity(texts.len());
        for text in texts {
            let enc = self.tokenizer.encode(text)?;
            truncated.push(enc.dropped);
            seqs.push((enc.ids, enc.type_ids));
        }
        let dim = self.dim();
        let (mut data, dims) = if opts.pooling == Pooling::None {
            self.token_vectors(&seqs)?
        } else {
            let lengths: Vec<usize> = seqs.iter().map(|(ids, _)| ids.len()).collect();
            let mut data = vec![0.0; texts.len() * dim];
            for bucket in buckets::length_buckets(&lengths) {
                let sub: Vec<(Vec<u32>, Vec<u32>)> = bucket.iter().map(|&i| seqs[i].clone()).collect();
                let pooled = self.pooled(&sub, opts.pooling)?;
                for (row, &i) in pooled.chunks_exact(dim).zip(&bucket) {
                    data[i * dim..(i + 1) * dim].copy_from_slice(row);
                }
            }
            (data, vec![texts.len(), dim])
        };
        if opts.normalize {
            for row in data.chunks_mut(dim) {
                l2_normalize(row);
            }
        }
        Ok(Embeddings { data, dims, truncated })
    }

    /// One padded batch, pooled to `[n, dim]`.
    fn pooled(&self, seqs: &[(Vec<u32>, Vec<u32>)], pooling: Pooling) -> Result<Vec<f32>> {
        let batch = Batch::pad(seqs, self.pad_id)?;
        let b = self.model.backend();
        let hidden = self.model.forward(&batch)?;
        match pooling {
            Pooling::Cls => b.to_vec(&b.narrow(&hidden, 1, 0, 1)?),
            _ => {
                let mask = b.tensor(&batch.mask, &[batch.size, batch.seq_len])?;
                b.to_vec(&b.masked_mean(&hidden, &mask)?)
            }
        }
    }

    /// Token vectors `[n, tokens, dim]` of one padded batch, padding rows zeroed.
    fn token_vectors(&self, seqs: &[(Vec<u32>, Vec<u32>)]) -> Result<(Vec<f32>, Vec<usize>)> {
        let batch = Batch::pad(seqs, self.pad_id)?;
        let dim = self.dim();
        let mut v = self.model.backend().to_vec(&self.model.forward(&batch)?)?;
        for (t, m) in batch.mask.iter().enumerate() {
            if *m == 0.0 {
                v[t * dim..(t + 1) * dim].fill(0.0);
            }
        }
        Ok((v, vec![batch.size, batch.seq_len, dim]))
    }
}

/// Scales `v` to unit length; a zero vector stays zero.
pub fn l2_normalize(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
    v.iter_mut().for_each(|x| *x /= norm);
}
