//! The user-facing subcommands.

use std::io::Write;
use std::path::Path;

use nunchi_engine::{CpuBackend, Error, Result};
use nunchi_models::model_file::storage_summary;
use nunchi_models::{Flow, GenerateOptions, Pooling, SamplingOptions, SentenceEncoder, Text2Text};

use crate::source;
use crate::text_input::{lines_of, read_lossy};

pub fn embed(model: &str, pooling: Option<&str>, no_normalize: bool, quant: &str, batch_size: usize) -> Result<()> {
    let encoder = SentenceEncoder::load(CpuBackend::new(), source::open(model, quant)?)?;
    let mut opts = encoder.default_options();
    if let Some(p) = pooling {
        opts.pooling = Pooling::parse(p)?;
    }
    if no_normalize {
        opts.normalize = false;
    }
    let lines = lines_of(&read_lossy(std::io::stdin().lock(), "stdin")?);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for (chunk_index, chunk) in lines.chunks(batch_size.max(1)).enumerate() {
        let texts: Vec<&str> = chunk.iter().map(|s| s.as_str()).collect();
        let emb = encoder.embed(&texts, &opts)?;
        for (i, dropped) in emb.truncated.iter().enumerate() {
            if *dropped > 0 {
                eprintln!(
                    "nunchi: line {} truncated: {dropped} tokens beyond the model's {} were dropped",
                    chunk_index * batch_size + i + 1,
                    encoder.tokenizer().max_tokens()
                );
            }
            serde_json::to_writer(&mut out, emb.row(i)).map_err(|e| Error::backend(e.to_string()))?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub fn generate(
    model: &str,
    quant: &str,
    prompt: &str,
    max_new_tokens: usize,
    temperature: f32,
    top_k: usize,
    top_p: f32,
    seed: u64,
) -> Result<()> {
    let opts = GenerateOptions { max_new_tokens, sampling: SamplingOptions { temperature, top_k, top_p, seed } };
    // The sampler's own check, before the model loads rather than after.
    opts.sampling.validate()?;
    let t5 = Text2Text::load(CpuBackend::new(), source::open(model, quant)?)?;
    if t5.meta().test_weights {
        eprintln!("nunchi: note: {} holds generated test weights; its text is not meaningful", model);
    }
    let stdout = std::io::stdout();
    let generation = t5.generate(prompt, &opts, |piece| {
        let mut out = stdout.lock();
        let _ = out.write_all(piece.as_bytes());
        let _ = out.flush();
        Flow::Continue
    })?;
    println!();
    if generation.prompt_truncated > 0 {
        eprintln!("nunchi: prompt truncated: {} tokens dropped", generation.prompt_truncated);
    }
    Ok(())
}

pub fn score(model: &str, quant: &str, prompt: &str, candidates: &str) -> Result<()> {
    let candidates: Vec<&str> = candidates.split(',').map(|c| c.trim()).filter(|c| !c.is_empty()).collect();
    if candidates.is_empty() {
        return Err(Error::input("--candidates is empty: pass labels separated by commas"));
    }
    let t5 = Text2Text::load(CpuBackend::new(), source::open(model, quant)?)?;
    let scores = t5.score(prompt, &candidates)?;
    let map: serde_json::Map<String, serde_json::Value> =
        scores.iter().map(|s| (s.candidate.clone(), serde_json::json!(s.logprob))).collect();
    println!("{}", serde_json::Value::Object(map));
    Ok(())
}

pub fn convert(from: &str, quant: &str, out: &Path) -> Result<()> {
    let file = source::open(from, quant)?;
    let tmp = out.with_extension("gguf.partial");
    {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        file.write_gguf(&mut w)?;
        w.flush()?;
    }
    // Rename at the end so an interrupted convert never leaves a truncated model.
    std::fs::rename(&tmp, out)?;
    let size = std::fs::metadata(out)?.len();
    let summary: Vec<String> = storage_summary(&file.weights).iter().map(|(d, n)| format!("{n} {d}")).collect();
    eprintln!("wrote {} ({}, {:.1} MB; tensors: {})", out.display(), file.arch.name(), size as f64 / 1e6, summary.join(", "));
    Ok(())
}

pub fn info(model: &str, quant: &str) -> Result<()> {
    let file = source::open(model, quant)?;
    let summary: serde_json::Map<String, serde_json::Value> =
        storage_summary(&file.weights).iter().map(|(d, n)| (d.to_string(), serde_json::json!(n))).collect();
    // Encoders name their checkpoint's model_type (xlm-roberta runs as roberta) and a task model's labels.
    let encoder = file.arch.is_encoder().then(|| nunchi_models::EncoderConfig::from_json(&file.config_json)).transpose()?;
    let info = serde_json::json!({
        "architecture": file.arch.name(),
        "model_type": encoder.as_ref().map_or(file.arch.name(), |c| c.model_type.as_str()),
        "labels": encoder.as_ref().map(|c| c.labels.clone()).unwrap_or_default(),
        "name": file.meta.name,
        "quant": file.meta.quant,
        "pooling": file.meta.pooling,
        "normalize": file.meta.normalize,
        "max_tokens": file.meta.max_tokens,
        "test_weights": file.meta.test_weights,
        "tensors": file.weights.len(),
        "weight_bytes": file.weight_bytes(),
        "storage": summary,
    });
    println!("{}", serde_json::to_string_pretty(&info).map_err(|e| Error::backend(e.to_string()))?);
    Ok(())
}
