//! `nunchi bench`: embeddings/s, T5 prefill and decode tokens/s, load time,
//! peak memory and file size for each weight format, printed as one table.
//! Each measurement runs in a fresh child process so its peak RSS is its own.
//! `--devices cpu,webgpu` adds rows on the WebGPU backend (Vulkan natively).

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;
use nunchi_engine::{Backend, CpuBackend, Error, Result};
use nunchi_gpu::{GpuBackend, GpuContext};
use nunchi_models::{GenerateOptions, ModelFile, SentenceEncoder, Text2Text};

use crate::source;

#[derive(Args)]
pub struct BenchArgs {
    /// Folder holding the prepared models (see scripts/prepare-models.sh).
    #[arg(long, default_value = "models")]
    models: PathBuf,
    /// Sentences to embed, one per line.
    #[arg(long, default_value = "../shared/data/mr_polarity/rt-polarity.pos")]
    data: PathBuf,
    /// How many lines of DATA to embed.
    #[arg(long, default_value_t = 1000)]
    lines: usize,
    /// T5 tokens to generate per prompt in the decode measurement.
    #[arg(long, default_value_t = 32)]
    decode_tokens: usize,
    /// Only these formats (comma-separated, from f32,q8_0,q4_0).
    #[arg(long, default_value = "f32,q8_0,q4_0")]
    quants: String,
    /// Backends to measure (comma-separated, from cpu,webgpu). On a machine
    /// without a GPU, webgpu runs on a CPU Vulkan driver: not GPU speed.
    #[arg(long, default_value = "cpu")]
    devices: String,
}

#[derive(Args)]
pub struct BenchOneArgs {
    #[arg(long)]
    task: String,
    #[arg(long)]
    model: String,
    #[arg(long)]
    quant: String,
    #[arg(long)]
    data: PathBuf,
    #[arg(long)]
    lines: usize,
    #[arg(long)]
    decode_tokens: usize,
    #[arg(long, default_value = "cpu")]
    device: String,
}

/// MiniLM-L6: 6 layers × (4·h² attention + 2·h·4h FFN) multiply-adds per token, h = 384.
const MINILM_FLOP_PER_TOKEN: f64 = 2.0 * 6.0 * (4.0 * 384.0 * 384.0 + 2.0 * 384.0 * 1536.0);

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(|l| l.to_string()))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()))
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

fn read_lines(path: &Path, n: usize) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::input(format!("{}: {e}", path.display())))?;
    Ok(text.lines().take(n).map(|s| s.to_string()).collect())
}

/// Runs one measurement and prints it as a JSON line (called in a child process).
pub fn run_one(a: BenchOneArgs) -> Result<()> {
    let t0 = Instant::now();
    let file = source::open(&a.model, &a.quant)?;
    let bytes = file.weight_bytes();
    let mut row = serde_json::json!({ "task": a.task, "quant": a.quant, "weight_mb": bytes as f64 / 1e6 });
    match a.device.as_str() {
        "cpu" => measure(CpuBackend::new(), file, &a, t0, &mut row)?,
        "webgpu" => {
            let ctx = GpuContext::request_blocking()?;
            row["adapter"] = serde_json::json!(ctx.adapter_name);
            measure(GpuBackend::new(std::sync::Arc::new(ctx)), file, &a, t0, &mut row)?
        }
        other => return Err(Error::input(format!("unknown device '{other}' (expected cpu or webgpu)"))),
    }
    row["device"] = serde_json::json!(a.device);
    row["peak_rss_mb"] = serde_json::json!(peak_rss_mb());
    println!("{row}");
    Ok(())
}

fn measure<B: Backend>(backend: B, file: ModelFile, a: &BenchOneArgs, t0: Instant, row: &mut serde_json::Value) -> Result<()> {
    match a.task.as_str() {
        "embed" => {
            let enc = SentenceEncoder::load(backend, file)?;
            let load_ms = t0.elapsed().as_secs_f64() * 1e3;
            let lines = read_lines(&a.data, a.lines)?;
            let texts: Vec<&str> = lines.iter().map(|s| s.as_str()).collect();
            let opts = enc.default_options();
            let tokens: usize = texts.iter().map(|t| enc.tokenizer().encode(t).map(|e| e.ids.len()).unwrap_or(0)).sum();
            let t = Instant::now();
            for text in &texts {
                enc.embed(&[text], &opts)?;
            }
            let b1 = t.elapsed().as_secs_f64();
            let t = Instant::now();
            for chunk in texts.chunks(32) {
                enc.embed(chunk, &opts)?;
            }
            let b32 = t.elapsed().as_secs_f64();
            row["load_ms"] = serde_json::json!(load_ms);
            row["emb_s_b1"] = serde_json::json!(texts.len() as f64 / b1);
            row["emb_s_b32"] = serde_json::json!(texts.len() as f64 / b32);
            row["gflops_b1"] = serde_json::json!(tokens as f64 * MINILM_FLOP_PER_TOKEN / b1 / 1e9);
            row["tokens_per_text"] = serde_json::json!(tokens as f64 / texts.len() as f64);
        }
        "t5" => {
            let t5 = Text2Text::load(backend, file)?;
            let load_ms = t0.elapsed().as_secs_f64() * 1e3;
            let lines = read_lines(&a.data, 8)?;
            let model = t5.model();
            let b = model.backend();
            let (mut prefill_tokens, mut prefill_s) = (0usize, 0f64);
            for line in &lines {
                let prompt = format!("Is the following sentence positive or negative? {line}");
                let ids = t5.tokenizer().encode(&prompt)?.ids;
                let t = Instant::now();
                let enc = model.encode(&ids, &vec![1.0; ids.len()], 1, ids.len())?;
                // Reading one value waits for the device to finish (no-op cost on the CPU).
                b.to_vec(&b.narrow(&enc.hidden, 1, 0, 1)?)?;
                prefill_s += t.elapsed().as_secs_f64();
                prefill_tokens += ids.len();
            }
            // Decode speed: forced length (greedy on test weights may stop early at EOS).
            let opts = GenerateOptions { max_new_tokens: a.decode_tokens, ..Default::default() };
            let (mut decoded, mut decode_s) = (0usize, 0f64);
            for line in lines.iter().take(4) {
                let t = Instant::now();
                let g = t5.generate(line, &opts, |_| nunchi_models::Flow::Continue)?;
                decode_s += t.elapsed().as_secs_f64();
                decoded += g.tokens.len() + usize::from(g.finished);
            }
            row["load_ms"] = serde_json::json!(load_ms);
            row["prefill_tok_s"] = serde_json::json!(prefill_tokens as f64 / prefill_s);
            row["decode_tok_s"] = serde_json::json!(decoded as f64 / decode_s);
        }
        other => return Err(Error::input(format!("unknown bench task '{other}'"))),
    }
    Ok(())
}

fn model_path(dir: &Path, name: &str, quant: &str) -> Option<(String, String)> {
    // f32 runs straight from the Hugging Face folder; quantized ones from our GGUF.
    let (path, q) = if quant == "f32" {
        (dir.join(name), "f32".to_string())
    } else {
        (dir.join(format!("{name}-{quant}.gguf")), quant.to_string())
    };
    path.exists().then(|| (path.to_string_lossy().into_owned(), q))
}

fn file_mb(dir: &Path, name: &str, quant: &str) -> f64 {
    let path = if quant == "f32" { dir.join(name).join("model.safetensors") } else { dir.join(format!("{name}-{quant}.gguf")) };
    std::fs::metadata(path).map(|m| m.len() as f64 / 1e6).unwrap_or(f64::NAN)
}

pub fn run(a: BenchArgs) -> Result<()> {
    let exe = std::env::current_exe()?;
    let quants: Vec<&str> = a.quants.split(',').map(|q| q.trim()).collect();
    let devices: Vec<&str> = a.devices.split(',').map(|d| d.trim()).collect();
    if let Some(bad) = devices.iter().find(|d| !["cpu", "webgpu"].contains(d)) {
        return Err(Error::input(format!("unknown device '{bad}' (expected cpu, webgpu)")));
    }
    let mut rows = Vec::new();
    let mut runs = Vec::new();
    for (task, name) in [("embed", "all-MiniLM-L6-v2"), ("t5", "flan-t5-small-generated")] {
        for q in &quants {
            runs.extend(devices.iter().map(|device| (task, name, *q, *device)));
        }
    }
    for (task, name, q, device) in runs {
        let Some((path, quant)) = model_path(&a.models, name, q) else {
            eprintln!("bench: skipping {name} {q}: not found under {}", a.models.display());
            continue;
        };
        eprintln!("bench: {name} {q} on {device} ...");
        let out = std::process::Command::new(&exe)
            .args(["bench-one", "--task", task, "--model", &path, "--quant", &quant, "--device", device])
            .arg("--data")
            .arg(&a.data)
            .args(["--lines", &a.lines.to_string(), "--decode-tokens", &a.decode_tokens.to_string()])
            .output()?;
        if !out.status.success() {
            return Err(Error::backend(format!(
                "bench of {name} {q} on {device} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        let mut row: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| Error::backend(e.to_string()))?;
        row["file_mb"] = serde_json::json!(file_mb(&a.models, name, q));
        row["model"] = serde_json::json!(name);
        rows.push(row);
    }
    print_table(&rows, a.lines);
    Ok(())
}

fn num(row: &serde_json::Value, key: &str, digits: usize) -> String {
    row.get(key).and_then(|v| v.as_f64()).map(|v| format!("{v:.digits$}")).unwrap_or_else(|| "—".into())
}

fn print_table(rows: &[serde_json::Value], lines: usize) {
    println!(
        "native ({} CPU threads available), {lines} sentences of rt-polarity.pos",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    if let Some(adapter) = rows.iter().find_map(|r| r["adapter"].as_str()) {
        println!("webgpu adapter: {adapter} (a CPU Vulkan driver such as llvmpipe is not GPU speed)");
    }
    println!();
    println!("| model | format | device | file MB | load ms | emb/s b1 | emb/s b32 | GFLOP/s b1 | prefill tok/s | decode tok/s | peak RSS MB |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for r in rows {
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            r["model"].as_str().unwrap_or("?"),
            r["quant"].as_str().unwrap_or("?"),
            r["device"].as_str().unwrap_or("?"),
            num(r, "file_mb", 1),
            num(r, "load_ms", 0),
            num(r, "emb_s_b1", 1),
            num(r, "emb_s_b32", 1),
            num(r, "gflops_b1", 1),
            num(r, "prefill_tok_s", 0),
            num(r, "decode_tok_s", 1),
            num(r, "peak_rss_mb", 0),
        );
    }
}
