//! Model files: nunchi's self-contained GGUF (tensors + config + tokenizer in
//! metadata) and Hugging Face folders (safetensors + config.json +
//! tokenizer.json), quantized on load. Both end as one [`ModelFile`].

use std::collections::HashMap;
use std::io::{Cursor, Seek, Write};
use std::path::Path;

use candle_core::quantized::gguf_file::{self, Value};
use candle_core::quantized::QTensor;
use candle_core::{DType, Device, Tensor};
use nunchi_engine::quant::dtype_name;
use nunchi_engine::{Error, Quant, Result};

use crate::encoder_config::{supported_model_types, EncoderConfig, Variant};
use crate::weights::WeightMap;

/// Bumped when the meaning of our metadata keys changes.
pub const FORMAT_VERSION: u32 = 1;

mod key {
    pub const ARCH: &str = "general.architecture";
    pub const NAME: &str = "general.name";
    pub const VERSION: &str = "nunchi.format_version";
    pub const CONFIG: &str = "nunchi.config";
    pub const TOKENIZER: &str = "nunchi.tokenizer";
    pub const QUANT: &str = "nunchi.quant";
    pub const POOLING: &str = "nunchi.pooling";
    pub const NORMALIZE: &str = "nunchi.normalize";
    pub const MAX_TOKENS: &str = "nunchi.max_tokens";
    pub const TEST_WEIGHTS: &str = "nunchi.test_weights";
    pub const QUERY_PREFIX: &str = "nunchi.prefix.query";
    pub const PASSAGE_PREFIX: &str = "nunchi.prefix.passage";
}

/// Name of the marker file our weight generator writes beside generated weights.
pub const TEST_WEIGHTS_MARKER: &str = "nunchi_test_weights.json";

/// What a model file holds: a BERT-family encoder of some variant, or T5.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Architecture {
    Encoder(Variant),
    T5,
}

impl Architecture {
    pub fn name(self) -> &'static str {
        match self {
            Architecture::Encoder(variant) => variant.name(),
            Architecture::T5 => "t5",
        }
    }

    pub fn is_encoder(self) -> bool {
        matches!(self, Architecture::Encoder(_))
    }

    /// From a name [`Architecture::name`] wrote, or any encoder `model_type`.
    fn parse(name: &str) -> Result<Self> {
        match name {
            "t5" => Ok(Architecture::T5),
            other => Variant::from_model_type(other).map(Architecture::Encoder).ok_or_else(|| {
                Error::format(format!(
                    "unsupported model architecture '{other}' (nunchi runs t5 and the encoders {})",
                    supported_model_types()
                ))
            }),
        }
    }

    /// From a Hugging Face config.json (`model_type`).
    fn from_config(config_json: &str) -> Result<Self> {
        let v: serde_json::Value =
            serde_json::from_str(config_json).map_err(|e| Error::format(format!("config.json is not valid JSON: {e}")))?;
        let model_type = v.get("model_type").and_then(|m| m.as_str()).unwrap_or("");
        Self::parse(model_type)
    }
}

/// Facts about a model beyond its architecture config.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelMeta {
    pub name: String,
    /// Summary of the weight format, e.g. "q8_0" (norms and small tables are f32).
    pub quant: String,
    /// Default pooling for encoders ("mean" or "cls").
    pub pooling: String,
    pub normalize: bool,
    /// Token limit per sequence, special tokens included.
    pub max_tokens: usize,
    /// True for generated test weights, which produce no meaningful text.
    pub test_weights: bool,
    /// Text the model expects before each input (e5's "query: " / "passage: ").
    pub prefixes: Prefixes,
}

/// A model's recommended input prefixes (sentence-transformers' `prompts`);
/// empty when it wants none. Tasks apply `query` unless told otherwise.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Prefixes {
    /// For symmetric tasks and queries: classification, clustering, similarity.
    pub query: String,
    /// For documents in asymmetric retrieval.
    pub passage: String,
}

impl Prefixes {
    /// From `config_sentence_transformers.json` (`{"prompts": {"query": …, "passage": …}}`).
    pub fn from_sentence_transformers(json: &str) -> Self {
        let v: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
        let prompt = |name: &str| v["prompts"][name].as_str().unwrap_or_default().to_string();
        Self { query: prompt("query"), passage: prompt("passage") }
    }
}

/// A model in host memory, from any supported source.
pub struct ModelFile {
    pub arch: Architecture,
    pub config_json: String,
    pub tokenizer_json: String,
    pub meta: ModelMeta,
    pub weights: WeightMap,
}

fn read_meta_string(content: &gguf_file::Content, k: &str) -> Result<String> {
    match content.metadata.get(k) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(Error::format(format!("GGUF metadata '{k}' is not a string"))),
        None => Err(Error::format(format!("GGUF metadata '{k}' is missing: not a nunchi model file"))),
    }
}

fn max_positions(arch: Architecture, config_json: &str) -> usize {
    match arch {
        Architecture::Encoder(_) => EncoderConfig::from_json(config_json).map(|c| c.max_tokens()).unwrap_or(512),
        // T5 positions are relative; transformers' tokenizer limit is 512.
        Architecture::T5 => {
            let v: serde_json::Value = serde_json::from_str(config_json).unwrap_or_default();
            v.get("n_positions").and_then(|x| x.as_u64()).unwrap_or(512) as usize
        }
    }
}

impl ModelFile {
    /// Opens a GGUF file or a Hugging Face model folder, quantizing a folder's
    /// weights to `quant` on load.
    pub fn open(path: &Path, quant: Quant) -> Result<Self> {
        if path.is_dir() {
            Self::from_hf_dir(path, quant)
        } else {
            let bytes = std::fs::read(path).map_err(|e| Error::from(e).context(format!("cannot read {}", path.display())))?;
            Self::from_gguf_bytes(&bytes)
        }
    }

    /// Parses one of our GGUF files held in memory.
    pub fn from_gguf_bytes(bytes: &[u8]) -> Result<Self> {
        if bytes.len() < 4 || &bytes[..4] != b"GGUF" {
            return Err(Error::format("not a GGUF file (wrong magic bytes)"));
        }
        // Refuses what would panic candle's reader, before it reads.
        crate::gguf_check::check(bytes)?;
        let mut cursor = Cursor::new(bytes);
        let content = gguf_file::Content::read(&mut cursor).map_err(|e| Error::format(format!("corrupt GGUF header: {e}")))?;
        let version = match content.metadata.get(key::VERSION) {
            Some(v) => v.to_u32().map_err(|_| Error::format("GGUF metadata nunchi.format_version is not a u32"))?,
            None => return Err(Error::format("this GGUF file was not written by nunchi (no nunchi.format_version)")),
        };
        if version > FORMAT_VERSION {
            return Err(Error::format(format!(
                "model format version {version} is newer than this nunchi understands ({FORMAT_VERSION}); upgrade nunchi"
            )));
        }
        let arch = Architecture::parse(&read_meta_string(&content, key::ARCH)?)?;
        let config_json = read_meta_string(&content, key::CONFIG)?;
        let tokenizer_json = read_meta_string(&content, key::TOKENIZER)?;
        let get_bool = |k: &str, default: bool| content.metadata.get(k).and_then(|v| v.to_bool().ok()).unwrap_or(default);
        let meta = ModelMeta {
            name: read_meta_string(&content, key::NAME).unwrap_or_default(),
            quant: read_meta_string(&content, key::QUANT).unwrap_or_default(),
            pooling: read_meta_string(&content, key::POOLING).unwrap_or_else(|_| "mean".into()),
            normalize: get_bool(key::NORMALIZE, true),
            max_tokens: content
                .metadata
                .get(key::MAX_TOKENS)
                .and_then(|v| v.to_u32().ok())
                .map(|v| v as usize)
                .unwrap_or_else(|| max_positions(arch, &config_json)),
            test_weights: get_bool(key::TEST_WEIGHTS, false),
            prefixes: Prefixes {
                query: read_meta_string(&content, key::QUERY_PREFIX).unwrap_or_default(),
                passage: read_meta_string(&content, key::PASSAGE_PREFIX).unwrap_or_default(),
            },
        };
        let mut tensors = HashMap::with_capacity(content.tensor_infos.len());
        for name in content.tensor_infos.keys() {
            let t = content
                .tensor(&mut cursor, name, &Device::Cpu)
                .map_err(|e| Error::format(format!("tensor '{name}' could not be read (file truncated?): {e}")))?;
            tensors.insert(name.clone(), t);
        }
        Ok(Self { arch, config_json, tokenizer_json, meta, weights: WeightMap::new(tensors) })
    }

    /// Reads a Hugging Face folder: `config.json`, `tokenizer.json`,
    /// `model.safetensors`, and sentence-transformers' pooling files if present.
    pub fn from_hf_dir(dir: &Path, quant: Quant) -> Result<Self> {
        let read = |name: &str| -> Result<String> {
            std::fs::read_to_string(dir.join(name))
                .map_err(|e| Error::format(format!("{} is missing or unreadable: {e}", dir.join(name).display())))
        };
        let config_json = read("config.json")?;
        let optional = |name: &str| std::fs::read_to_string(dir.join(name)).ok();
        let tokenizer_json = crate::legacy_tokenizer::tokenizer_json_or_legacy(optional("tokenizer.json"), optional)?;
        let safetensors = std::fs::read(dir.join("model.safetensors")).map_err(|e| {
            Error::format(format!("{}: {e} (nunchi reads model.safetensors)", dir.join("model.safetensors").display()))
        })?;
        let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        Self::from_hf_parts(HfParts {
            name,
            config_json,
            tokenizer_json,
            safetensors: &safetensors,
            sentence_bert_config: optional("sentence_bert_config.json"),
            pooling_config: optional("1_Pooling/config.json"),
            modules: optional("modules.json"),
            sentence_transformers_config: optional("config_sentence_transformers.json"),
            test_weights_marker: optional(TEST_WEIGHTS_MARKER),
            quant,
        })
    }

    /// Builds a model from the files of a Hugging Face repository, held in memory
    /// (the same path serves folders, downloads and browser `File`s).
    pub fn from_hf_parts(parts: HfParts<'_>) -> Result<Self> {
        let arch = Architecture::from_config(&parts.config_json)?;
        let mut max_tokens = max_positions(arch, &parts.config_json);
        if let Some(st) = &parts.sentence_bert_config {
            let v: serde_json::Value = serde_json::from_str(st).unwrap_or_default();
            if let Some(m) = v.get("max_seq_length").and_then(|m| m.as_u64()) {
                max_tokens = max_tokens.min(m as usize);
            }
        }
        let pooling = parts
            .pooling_config
            .as_deref()
            .and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok())
            .map(|v| if v.get("pooling_mode_cls_token").and_then(|b| b.as_bool()) == Some(true) { "cls" } else { "mean" })
            .unwrap_or("mean");
        // Without sentence-transformers' module list, normalized embeddings are the useful default.
        let normalize = parts.modules.as_deref().map(|m| m.contains("Normalize")).unwrap_or(true);
        let mut tensors = candle_core::safetensors::load_buffer(parts.safetensors, &Device::Cpu)
            .map_err(|e| Error::format(format!("model.safetensors could not be read: {e}")))?;
        if arch.is_encoder() {
            drop_unused_encoder_tensors(&mut tensors);
        }
        let weights = quantize_all(tensors, parts.quant)?;
        Ok(Self {
            arch,
            config_json: parts.config_json,
            tokenizer_json: parts.tokenizer_json,
            meta: ModelMeta {
                name: parts.name,
                quant: parts.quant.name().to_string(),
                pooling: pooling.to_string(),
                normalize,
                max_tokens,
                test_weights: parts.test_weights_marker.is_some(),
                prefixes: parts
                    .sentence_transformers_config
                    .as_deref()
                    .map(Prefixes::from_sentence_transformers)
                    .unwrap_or_default(),
            },
            weights,
        })
    }

    /// Writes this model as one self-contained GGUF file.
    pub fn write_gguf<W: Write + Seek>(&self, out: &mut W) -> Result<()> {
        let strings = [
            (key::ARCH, Value::String(self.arch.name().into())),
            (key::NAME, Value::String(self.meta.name.clone())),
            (key::CONFIG, Value::String(self.config_json.clone())),
            (key::TOKENIZER, Value::String(self.tokenizer_json.clone())),
            (key::QUANT, Value::String(self.meta.quant.clone())),
            (key::POOLING, Value::String(self.meta.pooling.clone())),
            (key::QUERY_PREFIX, Value::String(self.meta.prefixes.query.clone())),
            (key::PASSAGE_PREFIX, Value::String(self.meta.prefixes.passage.clone())),
        ];
        let mut metadata: Vec<(&str, Value)> = strings.into_iter().collect();
        metadata.push((key::VERSION, Value::U32(FORMAT_VERSION)));
        metadata.push((key::NORMALIZE, Value::Bool(self.meta.normalize)));
        metadata.push((key::MAX_TOKENS, Value::U32(self.meta.max_tokens as u32)));
        metadata.push((key::TEST_WEIGHTS, Value::Bool(self.meta.test_weights)));
        let metadata: Vec<(&str, &Value)> = metadata.iter().map(|(k, v)| (*k, v)).collect();
        let mut names: Vec<&String> = self.weights.names().collect();
        names.sort();
        let tensors: Vec<(&str, &QTensor)> = names.iter().filter_map(|n| self.weights.get(n).map(|t| (n.as_str(), t))).collect();
        gguf_file::write(out, &metadata, &tensors)?;
        Ok(())
    }

    /// Bytes of tensor data, as stored.
    pub fn weight_bytes(&self) -> usize {
        self.weights.bytes()
    }
}

/// The files of a Hugging Face model repository, held in memory.
pub struct HfParts<'a> {
    pub name: String,
    pub config_json: String,
    pub tokenizer_json: String,
    pub safetensors: &'a [u8],
    pub sentence_bert_config: Option<String>,
    pub pooling_config: Option<String>,
    pub modules: Option<String>,
    /// `config_sentence_transformers.json`: the model's prompts (prefixes).
    pub sentence_transformers_config: Option<String>,
    pub test_weights_marker: Option<String>,
    pub quant: Quant,
}

/// Encoder checkpoint tensors no supported task reads: pre-training heads
/// (masked language model, next sentence, ELECTRA's replaced-token detector).
const UNUSED_PREFIXES: &[&str] = &["cls.", "lm_head.", "discriminator_predictions.", "vocab_", "generator_"];

/// Drops pre-training heads, and the pooler unless a classification head reads it.
fn drop_unused_encoder_tensors(tensors: &mut HashMap<String, Tensor>) {
    let has_classifier = tensors.keys().any(|name| name.starts_with("classifier") || name.starts_with("pre_classifier"));
    tensors
        .retain(|name, _| !UNUSED_PREFIXES.iter().any(|p| name.starts_with(p)) && (has_classifier || !name.contains("pooler.")));
}

/// Stores f32 weights (a trained encoder's) in `quant`, by the same storage
/// rule as loading: what a fine-tuned model is saved and run in.
pub fn quantize_weights(weights: WeightMap, quant: Quant) -> Result<WeightMap> {
    let mut tensors = HashMap::with_capacity(weights.len());
    for (name, q) in weights.into_inner() {
        tensors.insert(name, q.dequantize(&Device::Cpu)?);
    }
    quantize_all(tensors, quant)
}

/// Quantizes every float tensor by the storage rule; integer buffers
/// (`position_ids`) are not weights and are dropped.
fn quantize_all(tensors: HashMap<String, Tensor>, quant: Quant) -> Result<WeightMap> {
    let mut out = HashMap::with_capacity(tensors.len());
    for (name, t) in tensors {
        if !matches!(t.dtype(), DType::F32 | DType::F16 | DType::BF16) {
            continue;
        }
        let dtype = quant.storage_for(t.dims());
        let t = t.to_dtype(DType::F32)?;
        let q = QTensor::quantize(&t, dtype)
            .map_err(|e| Error::format(format!("tensor '{name}' could not be stored as {}: {e}", dtype_name(dtype))))?;
        out.insert(name, q);
    }
    Ok(WeightMap::new(out))
}

/// Counts tensors per stored format, e.g. `[("q8_0", 38), ("f32", 66)]`.
pub fn storage_summary(weights: &WeightMap) -> Vec<(&'static str, usize)> {
    let mut v: Vec<(&'static str, usize)> =
        crate::weights::dtype_histogram(weights).into_iter().map(|(d, n)| (dtype_name(d), n)).collect();
    v.sort();
    v
}
