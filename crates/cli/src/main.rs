//! `nunchi`: sentence embeddings, text-to-text generation and label scoring on
//! the command line, with the same models and code as the npm package.

mod bench;
mod commands;
mod source;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "nunchi", version, about = "Private text understanding: MiniLM embeddings and Flan-T5, quantized, on your machine")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Embed one text per stdin line; print one JSON array per line.
    Embed {
        /// A nunchi GGUF file or a Hugging Face model folder.
        #[arg(long)]
        model: String,
        /// mean | cls | none (default: the model's own, usually mean).
        #[arg(long)]
        pooling: Option<String>,
        /// Do not L2-normalize the embeddings.
        #[arg(long)]
        no_normalize: bool,
        /// Weight format when MODEL is a folder (quantized on load).
        #[arg(long, default_value = "q8_0")]
        quant: String,
        /// Texts per forward pass.
        #[arg(long, default_value_t = 32)]
        batch_size: usize,
    },
    /// Generate a completion of PROMPT, streamed to stdout.
    Generate {
        #[arg(long)]
        model: String,
        #[arg(long, default_value_t = 32)]
        max_new_tokens: usize,
        /// 0 = greedy.
        #[arg(long, default_value_t = 0.0)]
        temperature: f32,
        #[arg(long, default_value_t = 0)]
        top_k: usize,
        #[arg(long, default_value_t = 1.0)]
        top_p: f32,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        #[arg(long, default_value = "q8_0")]
        quant: String,
        prompt: String,
    },
    /// Log-probability of each candidate completion of a prompt, as JSON.
    Score {
        #[arg(long)]
        model: String,
        #[arg(long)]
        prompt: String,
        /// Comma-separated candidates, e.g. "positive,negative".
        #[arg(long)]
        candidates: String,
        #[arg(long, default_value = "q8_0")]
        quant: String,
    },
    /// Convert a Hugging Face folder to one self-contained nunchi GGUF file.
    Convert {
        #[arg(long)]
        from: String,
        /// f32 | f16 | q8_0 | q4_0 | q4k
        #[arg(long)]
        quant: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Print what a model file holds.
    Info {
        #[arg(long)]
        model: String,
        #[arg(long, default_value = "q8_0")]
        quant: String,
    },
    /// Measure speed, load time and memory for f32, q8_0 and q4 models.
    Bench(bench::BenchArgs),
    /// (internal) one benchmark in a fresh process, so peak memory is its own.
    #[command(hide = true)]
    BenchOne(bench::BenchOneArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Embed { model, pooling, no_normalize, quant, batch_size } => {
            commands::embed(&model, pooling.as_deref(), no_normalize, &quant, batch_size)
        }
        Command::Generate { model, max_new_tokens, temperature, top_k, top_p, seed, quant, prompt } => {
            commands::generate(&model, &quant, &prompt, max_new_tokens, temperature, top_k, top_p, seed)
        }
        Command::Score { model, prompt, candidates, quant } => commands::score(&model, &quant, &prompt, &candidates),
        Command::Convert { from, quant, out } => commands::convert(&from, &quant, &out),
        Command::Info { model, quant } => commands::info(&model, &quant),
        Command::Bench(args) => bench::run(args),
        Command::BenchOne(args) => bench::run_one(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("nunchi: {e}");
            ExitCode::FAILURE
        }
    }
}
