//! Sentence embeddings: tokenize, run a BERT-family model, pool, normalize.

use std::cell::RefCell;

use nunchi_engine::cpu::threads;
use nunchi_engine::cpu::CpuBackend;
use nunchi_engine::{Backend, Error, Result};

use crate::bert::{Batch, BertModel, PackedBatch};
use crate::buckets;
use crate::encoder_config::EncoderConfig;
use crate::model_file::{ModelFile, ModelMeta};
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
        POOLING_NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, p)| *p)
            .ok_or_else(|| Error::input(format!("unknown pooling '{name}' (expected one of mean, cls, none)")))
    }

    /// The name [`Pooling::parse`] reads.
    pub fn name(self) -> &'static str {
        POOLING_NAMES.iter().find(|(_, p)| *p == self).map_or("mean", |(n, _)| *n)
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
        if !file.arch.is_encoder() {
            return Err(Error::format(format!(
                "this is a {} model; a sentence encoder needs a BERT-family model",
                file.arch.name()
            )));
        }
        let config = EncoderConfig::from_json(&file.config_json)?;
        let max_tokens = file.meta.max_tokens.min(config.max_tokens());
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

    /// Embeds `texts`, rows in the caller's order. Pooled embeddings run packed
    /// (no padding, see [`PackedBatch`]) where the backend [`Backend::RUNS_PACKED`],
    /// else in padded length buckets (sub-batches of similar length, see
    /// [`crate::buckets`]); token vectors (`Pooling::None`) run as one padded batch.
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
        let (job, plan) = self.plan(texts, opts, 1)?;
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
            Plan::Pooled { runs, packed } => {
                for (rows, seqs) in runs {
                    job.parts.push(EmbedPart { output: self.pooled(&seqs, pooling, packed)?, rows });
                }
            }
        }
        Ok(job)
    }

    /// Tokenizes `texts` and says how they will run: pooled embeddings packed
    /// in `parts` runs (more for big batches) or padded in length buckets, as
    /// the backend prefers; token vectors as one padded batch.
    fn plan(&self, texts: &[&str], opts: &EmbedOptions, parts: usize) -> Result<(EmbedJob<B::Tensor>, Plan)> {
        let (job, mut seqs) = self.tokenize(texts, opts)?;
        if opts.pooling == Pooling::None {
            return Ok((job, Plan::Tokens(seqs)));
        }
        let lengths: Vec<usize> = seqs.iter().map(|(ids, _)| ids.len()).collect();
        let groups = if B::RUNS_PACKED {
            buckets::packed_runs(&lengths, parts, buckets::MAX_PACKED_TOKENS)
        } else {
            buckets::length_buckets(&lengths)
        };
        Ok((job, Plan::Pooled { runs: take_groups(&mut seqs, groups), packed: B::RUNS_PACKED }))
    }

    /// Tokenizes `texts` into an empty job and the sequences, in order.
    fn tokenize(&self, texts: &[&str], opts: &EmbedOptions) -> Result<(EmbedJob<B::Tensor>, Vec<Sequence>)> {
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
        let job = EmbedJob {
            parts: Vec::new(),
            texts: texts.len(),
            dim: self.dim(),
            normalize: opts.normalize,
            truncated,
            token_mask: None,
        };
        Ok((job, seqs))
    }

    /// Pools hidden rows `[.., tokens, hidden]` of one sequence, its `len`
    /// rows from `start` along dim 1, to `[1, dim]` (mean) or `[1, 1, dim]` (CLS).
    fn pool_rows(&self, hidden: &B::Tensor, start: usize, len: usize, pooling: Pooling) -> Result<B::Tensor> {
        let b = self.model.backend();
        match pooling {
            Pooling::Cls => b.narrow(hidden, 1, start, 1),
            _ => {
                let rows = b.narrow(hidden, 1, start, len)?;
                b.masked_mean(&rows, &b.tensor(&vec![1.0; len], &[1, len])?)
            }
        }
    }

    /// One run of sequences, packed or padded, pooled to `[n, dim]` on the
    /// device (`[n, 1, dim]` for CLS).
    fn pooled(&self, seqs: &[Sequence], pooling: Pooling, packed: bool) -> Result<B::Tensor> {
        let b = self.model.backend();
        if packed {
            let packed = PackedBatch::pack(seqs)?;
            let hidden = self.model.forward_packed(&packed)?;
            let rows = packed
                .spans
                .iter()
                .map(|&(start, len)| self.pool_rows(&hidden, start, len, pooling))
                .collect::<Result<Vec<_>>>()?;
            return b.concat(&rows.iter().collect::<Vec<_>>(), 0);
        }
        let batch = Batch::pad(seqs, self.pad_id)?;
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

/// Moves each group's sequences out of `seqs` (each index is in exactly one
/// group), keeping the group's indices beside them.
fn take_groups(seqs: &mut [Sequence], groups: Vec<Vec<usize>>) -> Vec<(Vec<usize>, Vec<Sequence>)> {
    groups
        .into_iter()
        .map(|rows| {
            let sub = rows.iter().map(|&i| std::mem::take(&mut seqs[i])).collect();
            (rows, sub)
        })
        .collect()
}

/// A tokenized batch, `(ids, type ids)` per text, and how it runs.
enum Plan {
    /// Token vectors: one padded batch.
    Tokens(Vec<Sequence>),
    /// Pooled: the caller's row indices of each run and their sequences, each
    /// run a packed batch or a padded length bucket.
    Pooled { runs: Vec<(Vec<usize>, Vec<Sequence>)>, packed: bool },
}

type Sequence = (Vec<u32>, Vec<u32>);

impl SentenceEncoder<CpuBackend> {
    /// [`SentenceEncoder::embed`] with the batch cut into one packed run per
    /// kernel thread, run side by side ([`threads::map_concurrently`]; one
    /// after another where there are no threads). A text's row does not
    /// depend on its run: the rows are `embed`'s, bit for bit.
    pub fn embed_concurrently(&self, texts: &[&str], opts: &EmbedOptions) -> Result<Embeddings> {
        let (mut job, plan) = self.plan(texts, opts, threads::threads())?;
        let (runs, packed) = match plan {
            Plan::Pooled { runs, packed } => (runs, packed),
            // Token vectors run as one padded batch: nothing to run side by side.
            tokens => {
                let job = self.queue(job, tokens, opts.pooling)?;
                return self.read_back(job);
            }
        };
        let b = self.model.backend();
        let outputs: Vec<Result<(EmbedPart<_>, Vec<f32>)>> = threads::map_concurrently(runs, |(rows, seqs)| {
            let output = self.pooled(&seqs, opts.pooling, packed)?;
            let host = b.to_vec(&output)?;
            Ok((EmbedPart { rows, output }, host))
        });
        let mut hosts = Vec::with_capacity(outputs.len());
        for run in outputs {
            let (part, host) = run?;
            job.parts.push(part);
            hosts.push(host);
        }
        Ok(job.finish(hosts))
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

pub use nunchi_engine::vector::l2_normalize;
