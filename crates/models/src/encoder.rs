//! Sentence embeddings: tokenize, run a BERT-family model, pool, normalize.

use std::cell::RefCell;

use nunchi_engine::cpu::threads;
use nunchi_engine::cpu::CpuBackend;
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
        let job = self.submit(texts, opts)?;
        self.read_back(job)
    }

    /// Reads every part of `job` back, blocking, and assembles the embeddings.
    fn read_back(&self, job: EmbedJob<B::Tensor>) -> Result<Embeddings> {
        let b = self.model.backend();
        let outputs = job.parts.iter().map(|p| b.to_vec(&p.output)).collect::<Result<Vec<_>>>()?;
        Ok(job.finish(outputs))
    }

    /// [`SentenceEncoder::embed`] without blocking on the device: what a page
    /// must use on WebGPU, where results arrive through the event loop.
    pub async fn embed_async(&self, texts: &[&str], opts: &EmbedOptions) -> Result<Embeddings> {
        let job = self.submit(texts, opts)?;
        let b = self.model.backend();
        let mut outputs = Vec::with_capacity(job.parts.len());
        for part in &job.parts {
            outputs.push(b.read(&part.output).await?);
        }
        Ok(job.finish(outputs))
    }

    /// Tokenizes and queues the model runs; nothing is read back yet.
    fn submit(&self, texts: &[&str], opts: &EmbedOptions) -> Result<EmbedJob<B::Tensor>> {
        let (job, plan) = self.plan(texts, opts)?;
        self.queue(job, plan, opts.pooling)
    }

    /// Queues the model runs of `plan` into `job`, one after another.
    fn queue(&self, mut job: EmbedJob<B::Tensor>, plan: Plan, pooling: Pooling) -> Result<EmbedJob<B::Tensor>> {
        match plan {
            Plan::Tokens(seqs) => {
                let batch = Batch::pad(&seqs, self.pad_id)?;
                let output = self.model.forward(&batch)?;
                job.token_mask = Some((batch.mask, batch.seq_len));
                job.parts.push(EmbedPart { rows: (0..job.texts).collect(), output });
            }
            Plan::Buckets(buckets) => {
                for (rows, seqs) in buckets {
                    job.parts.push(EmbedPart { output: self.pooled(&seqs, pooling)?, rows });
                }
            }
        }
        Ok(job)
    }

    /// Tokenizes `texts` and says how they will run: pooled embeddings in
    /// length buckets, token vectors as one padded batch.
    fn plan(&self, texts: &[&str], opts: &EmbedOptions) -> Result<(EmbedJob<B::Tensor>, Plan)> {
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
        let job = EmbedJob { parts: Vec::new(), texts: texts.len(), dim: self.dim(), normalize: opts.normalize, truncated, token_mask: None };
        let plan = if opts.pooling == Pooling::None {
            Plan::Tokens(seqs)
        } else {
            let lengths: Vec<usize> = seqs.iter().map(|(ids, _)| ids.len()).collect();
            // Each text is in exactly one bucket, so its sequence moves there.
            let buckets = buckets::length_buckets(&lengths)
                .into_iter()
                .map(|rows| {
                    let sub = rows.iter().map(|&i| std::mem::take(&mut seqs[i])).collect();
                    (rows, sub)
                })
                .collect();
            Plan::Buckets(buckets)
        };
        Ok((job, plan))
    }

    /// One padded batch, pooled to `[n, dim]` on the device.
    fn pooled(&self, seqs: &[Sequence], pooling: Pooling) -> Result<B::Tensor> {
        let batch = Batch::pad(seqs, self.pad_id)?;
        let b = self.model.backend();
        let hidden = self.model.forward(&batch)?;
        match pooling {
            Pooling::Cls => b.narrow(&hidden, 1, 0, 1),
            _ => {
                let mask = b.tensor(&batch.mask, &[batch.size, batch.seq_len])?;
                b.masked_mean(&hidden, &mask)
            }
        }
    }
}

/// A tokenized batch, `(ids, type ids)` per text, and how it runs.
enum Plan {
    /// Token vectors: one padded batch.
    Tokens(Vec<Sequence>),
    /// Pooled: the caller's row indices of each length bucket, and their sequences.
    Buckets(Vec<(Vec<usize>, Vec<Sequence>)>),
}

type Sequence = (Vec<u32>, Vec<u32>);

impl SentenceEncoder<CpuBackend> {
    /// [`SentenceEncoder::embed`] with the length buckets run concurrently on
    /// the kernels' threads ([`threads::map_concurrently`]; one after another
    /// where there are none). Each bucket is computed exactly as `embed`
    /// computes it, so the rows are the same bits.
    pub fn embed_concurrently(&self, texts: &[&str], opts: &EmbedOptions) -> Result<Embeddings> {
        let (mut job, plan) = self.plan(texts, opts)?;
        let buckets = match plan {
            Plan::Buckets(buckets) => buckets,
            // Token vectors run as one padded batch: nothing to run side by side.
            tokens => {
                let job = self.queue(job, tokens, opts.pooling)?;
                return self.read_back(job);
            }
        };
        let b = self.model.backend();
        let runs: Vec<Result<(EmbedPart<_>, Vec<f32>)>> = threads::map_concurrently(buckets, |(rows, seqs)| {
            let output = self.pooled(&seqs, opts.pooling)?;
            let host = b.to_vec(&output)?;
            Ok((EmbedPart { rows, output }, host))
        });
        let mut outputs = Vec::with_capacity(runs.len());
        for run in runs {
            let (part, host) = run?;
            job.parts.push(part);
            outputs.push(host);
        }
        Ok(job.finish(outputs))
    }
}

/// Model runs queued on the device, and how their outputs become [`Embeddings`].
struct EmbedJob<T> {
    parts: Vec<EmbedPart<T>>,
    texts: usize,
    dim: usize,
    normalize: bool,
    truncated: Vec<usize>,
    /// For token vectors: the padded batch's mask and length.
    token_mask: Option<(Vec<f32>, usize)>,
}

/// One sub-batch: the caller's row indices and the device output for them.
struct EmbedPart<T> {
    rows: Vec<usize>,
    output: T,
}

impl<T> EmbedJob<T> {
    /// Assembles the read-back `outputs` (one per part) in the caller's order.
    fn finish(self, outputs: Vec<Vec<f32>>) -> Embeddings {
        let dim = self.dim;
        let (mut data, dims) = match self.token_mask {
            // Token vectors `[n, tokens, dim]` of one padded batch, padding rows zeroed.
            Some((mask, seq_len)) => {
                let mut v = outputs.into_iter().next().unwrap_or_default();
                for (t, m) in mask.iter().enumerate() {
                    if *m == 0.0 {
                        v[t * dim..(t + 1) * dim].fill(0.0);
                    }
                }
                (v, vec![self.texts, seq_len, dim])
            }
            None => {
                let mut data = vec![0.0; self.texts * dim];
                for (part, pooled) in self.parts.iter().zip(outputs) {
                    for (row, &i) in pooled.chunks_exact(dim).zip(&part.rows) {
                        data[i * dim..(i + 1) * dim].copy_from_slice(row);
                    }
                }
                (data, vec![self.texts, dim])
            }
        };
        if self.normalize {
            for row in data.chunks_mut(dim) {
                l2_normalize(row);
            }
        }
        Embeddings { data, dims, truncated: self.truncated }
    }
}

/// Scales `v` to unit length; a zero vector stays zero.
pub fn l2_normalize(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
    v.iter_mut().for_each(|x| *x /= norm);
}
