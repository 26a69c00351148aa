//! The BERT family's variants, read from each checkpoint's `config.json`:
//! one [`EncoderConfig`] for BERT, DistilBERT, RoBERTa, XLM-RoBERTa, ELECTRA
//! and MPNet, with the differences the encoder must honour (tensor names,
//! position offsets, token types, ELECTRA's embedding projection, MPNet's
//! relative position bias) and the classification head a task checkpoint adds.

use nunchi_engine::{Activation, Error, Result};

use crate::position_bias::check_buckets;
use serde::Deserialize;

/// The encoder variants nunchi runs, one per Hugging Face `model_type` family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// BERT, MiniLM, bge, e5 (`model_type: bert`).
    Bert,
    /// DistilBERT: no token types, `q_lin`/`k_lin`/… names.
    DistilBert,
    /// RoBERTa, XLM-RoBERTa, CamemBERT: BERT's layers, positions past `pad_token_id`.
    Roberta,
    /// ELECTRA's discriminator: BERT's layers, embeddings projected when narrower.
    Electra,
    /// MPNet: a relative position bias shared by every layer, positions past `pad_token_id`.
    MPNet,
    /// DeBERTa-v2/v3: disentangled attention over log-bucketed relative positions.
    DebertaV2,
}

/// `model_type` values nunchi reads as each variant.
pub const MODEL_TYPES: &[(&str, Variant)] = &[
    ("bert", Variant::Bert),
    ("distilbert", Variant::DistilBert),
    ("roberta", Variant::Roberta),
    ("xlm-roberta", Variant::Roberta),
    ("camembert", Variant::Roberta),
    ("electra", Variant::Electra),
    ("mpnet", Variant::MPNet),
    ("deberta-v2", Variant::DebertaV2),
];

/// The supported `model_type`s, for error messages.
pub fn supported_model_types() -> String {
    MODEL_TYPES.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
}

impl Variant {
    pub fn from_model_type(model_type: &str) -> Option<Self> {
        MODEL_TYPES.iter().find(|(n, _)| *n == model_type).map(|(_, v)| *v)
    }

    /// The name `info` shows and our GGUF files record.
    pub fn name(self) -> &'static str {
        match self {
            Variant::Bert => "bert",
            Variant::DistilBert => "distilbert",
            Variant::Roberta => "roberta",
            Variant::Electra => "electra",
            Variant::MPNet => "mpnet",
            Variant::DebertaV2 => "deberta-v2",
        }
    }

    /// The attribute a task checkpoint keeps the encoder under (`bert.`,
    /// `roberta.`, …): the variant's name, XLM-R's included.
    pub fn base_prefix(self) -> &'static str {
        match self {
            Variant::DebertaV2 => "deberta",
            other => other.name(),
        }
    }

    /// Where each layer's tensors live, as the checkpoint names them.
    pub fn layer_names(self) -> &'static LayerNames {
        match self {
            Variant::DistilBert => &DISTILBERT_NAMES,
            Variant::MPNet => &MPNET_NAMES,
            Variant::DebertaV2 => &DEBERTA_NAMES,
            Variant::Bert | Variant::Roberta | Variant::Electra => &BERT_NAMES,
        }
    }
}

/// Checkpoint names of one transformer layer's tensors, relative to the layer.
#[derive(Debug)]
pub struct LayerNames {
    /// The layers' parent, e.g. `encoder.layer` (layer `i` is `encoder.layer.i`).
    pub layers: &'static str,
    pub query: &'static str,
    pub key: &'static str,
    pub value: &'static str,
    pub attention_output: &'static str,
    pub attention_norm: &'static str,
    pub ffn_in: &'static str,
    pub ffn_out: &'static str,
    pub output_norm: &'static str,
}

/// [BertLayer](https://github.com/huggingface/transformers/blob/main/src/transformers/models/bert/modeling_bert.py),
/// also RoBERTa's and ELECTRA's.
const BERT_NAMES: LayerNames = LayerNames {
    layers: "encoder.layer",
    query: "attention.self.query",
    key: "attention.self.key",
    value: "attention.self.value",
    attention_output: "attention.output.dense",
    attention_norm: "attention.output.LayerNorm",
    ffn_in: "intermediate.dense",
    ffn_out: "output.dense",
    output_norm: "output.LayerNorm",
};

/// [TransformerBlock](https://github.com/huggingface/transformers/blob/main/src/transformers/models/distilbert/modeling_distilbert.py).
const DISTILBERT_NAMES: LayerNames = LayerNames {
    layers: "transformer.layer",
    query: "attention.q_lin",
    key: "attention.k_lin",
    value: "attention.v_lin",
    attention_output: "attention.out_lin",
    attention_norm: "sa_layer_norm",
    ffn_in: "ffn.lin1",
    ffn_out: "ffn.lin2",
    output_norm: "output_layer_norm",
};

/// [MPNetLayer](https://github.com/huggingface/transformers/blob/main/src/transformers/models/mpnet/modeling_mpnet.py).
const MPNET_NAMES: LayerNames = LayerNames {
    layers: "encoder.layer",
    query: "attention.attn.q",
    key: "attention.attn.k",
    value: "attention.attn.v",
    attention_output: "attention.attn.o",
    attention_norm: "attention.LayerNorm",
    ffn_in: "intermediate.dense",
    ffn_out: "output.dense",
    output_norm: "output.LayerNorm",
};

/// [DebertaV2Layer](https://github.com/huggingface/transformers/blob/main/src/transformers/models/deberta_v2/modeling_deberta_v2.py).
const DEBERTA_NAMES: LayerNames = LayerNames {
    layers: "encoder.layer",
    query: "attention.self.query_proj",
    key: "attention.self.key_proj",
    value: "attention.self.value_proj",
    attention_output: "attention.output.dense",
    attention_norm: "attention.output.LayerNorm",
    ffn_in: "intermediate.dense",
    ffn_out: "output.dense",
    output_norm: "output.LayerNorm",
};

/// DeBERTa's disentangled attention: each layer adds content-to-position
/// (`c2p`) and position-to-content (`p2c`) scores, read from `2 · span`
/// shared relative embeddings through log-bucketed relative positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Disentangled {
    /// Buckets on each side (`position_buckets`, or `max_relative_positions` without buckets).
    pub span: usize,
    /// `position_buckets`; 0 for plain (clamped) relative positions.
    pub buckets: usize,
    pub max_relative_positions: usize,
    pub c2p: bool,
    pub p2c: bool,
    /// The relative embeddings go through the encoder's LayerNorm (`norm_rel_ebd: layer_norm`).
    pub norm_rel_embeddings: bool,
}

/// MPNet's relative position bias: buckets as T5's bidirectional ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelativeBias {
    pub num_buckets: usize,
    pub max_distance: usize,
}

/// How a classification checkpoint turns scores into probabilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemType {
    /// One label per text: softmax over the labels.
    SingleLabel,
    /// Any number of labels per text: a sigmoid per label.
    MultiLabel,
}

/// One encoder's shape and variant, from any supported `config.json`.
#[derive(Debug, Clone)]
pub struct EncoderConfig {
    pub variant: Variant,
    /// The checkpoint's own `model_type` (`xlm-roberta`, `bert`, …).
    pub model_type: String,
    pub vocab_size: usize,
    pub hidden_size: usize,
    /// Width of the token embeddings (ELECTRA's may be narrower than `hidden_size`).
    pub embedding_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub intermediate_size: usize,
    pub max_position_embeddings: usize,
    /// 0 when the variant has no token type embeddings (DistilBERT, MPNet).
    pub type_vocab_size: usize,
    pub layer_norm_eps: f64,
    pub hidden_act: String,
    /// Position id of a sequence's first token: `pad_token_id + 1` for RoBERTa and MPNet.
    pub position_offset: usize,
    pub relative_bias: Option<RelativeBias>,
    /// DeBERTa's disentangled attention.
    pub disentangled: Option<Disentangled>,
    /// Whether absolute position embeddings exist (not in DeBERTa-v3).
    pub absolute_positions: bool,
    /// The activation of DeBERTa's pooler (`pooler_hidden_act`), which its head reads.
    pub pooler_act: String,
    /// Label names in id order (`id2label`); empty for an encoder without a head.
    pub labels: Vec<String>,
    pub problem_type: ProblemType,
}

fn default_type_vocab_size() -> usize {
    2
}
fn default_layer_norm_eps() -> f64 {
    1e-12
}
fn default_hidden_act() -> String {
    "gelu".into()
}
fn default_position_embedding_type() -> String {
    "absolute".into()
}
fn default_pad_token_id() -> usize {
    1
}
fn default_relative_buckets() -> usize {
    32
}

/// The field names BERT, RoBERTa, ELECTRA and MPNet configs share.
#[derive(Deserialize)]
struct BertLike {
    vocab_size: usize,
    hidden_size: usize,
    embedding_size: Option<usize>,
    num_hidden_layers: usize,
    num_attention_heads: usize,
    intermediate_size: usize,
    max_position_embeddings: usize,
    #[serde(default = "default_type_vocab_size")]
    type_vocab_size: usize,
    #[serde(default = "default_layer_norm_eps")]
    layer_norm_eps: f64,
    #[serde(default = "default_hidden_act")]
    hidden_act: String,
    #[serde(default = "default_position_embedding_type")]
    position_embedding_type: String,
    #[serde(default = "default_pad_token_id")]
    pad_token_id: usize,
    #[serde(default = "default_relative_buckets")]
    relative_attention_num_buckets: usize,
}

/// DistilBERT's own field names.
#[derive(Deserialize)]
struct DistilBertLike {
    vocab_size: usize,
    dim: usize,
    n_layers: usize,
    n_heads: usize,
    hidden_dim: usize,
    max_position_embeddings: usize,
    #[serde(default = "default_hidden_act")]
    activation: String,
}

/// DeBERTa-v2's own fields, beside the BERT ones.
#[derive(Deserialize)]
struct DebertaFields {
    #[serde(default)]
    relative_attention: bool,
    #[serde(default = "default_true")]
    position_biased_input: bool,
    #[serde(default)]
    position_buckets: i64,
    #[serde(default = "default_minus_one")]
    max_relative_positions: i64,
    #[serde(default)]
    pos_att_type: PosAttType,
    #[serde(default)]
    share_att_key: bool,
    #[serde(default)]
    norm_rel_ebd: String,
    #[serde(default = "default_hidden_act")]
    pooler_hidden_act: String,
    #[serde(default)]
    conv_kernel_size: usize,
}

fn default_true() -> bool {
    true
}
fn default_minus_one() -> i64 {
    -1
}

/// `pos_att_type`: a list (`["p2c", "c2p"]`) or a `|`-separated string (`"p2c|c2p"`).
#[derive(Deserialize, Default)]
#[serde(untagged)]
enum PosAttType {
    List(Vec<String>),
    Joined(String),
    #[default]
    None,
}

impl PosAttType {
    fn names(&self) -> Vec<String> {
        match self {
            PosAttType::List(v) => v.iter().map(|s| s.trim().to_lowercase()).collect(),
            PosAttType::Joined(s) => s.split('|').map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty()).collect(),
            PosAttType::None => Vec::new(),
        }
    }
}

impl DebertaFields {
    /// The disentangled attention these fields describe; `E_FORMAT` for the forms nunchi does not run.
    fn disentangled(&self, max_position_embeddings: usize) -> Result<Option<Disentangled>> {
        let unsupported = |what: String| Err(Error::format(format!("deberta-v2 config: {what} is not supported")));
        if self.conv_kernel_size > 0 {
            return unsupported(format!("conv_kernel_size {}", self.conv_kernel_size));
        }
        if !self.relative_attention {
            return Ok(None);
        }
        if !self.share_att_key {
            return unsupported("share_att_key false (separate position projections)".into());
        }
        let types = self.pos_att_type.names();
        if let Some(other) = types.iter().find(|t| *t != "c2p" && *t != "p2c") {
            return unsupported(format!("pos_att_type '{other}'"));
        }
        let max_relative_positions =
            if self.max_relative_positions < 1 { max_position_embeddings } else { self.max_relative_positions as usize };
        let buckets = self.position_buckets.max(0) as usize;
        Ok(Some(Disentangled {
            span: if buckets > 0 { buckets } else { max_relative_positions },
            buckets,
            max_relative_positions,
            c2p: types.iter().any(|t| t == "c2p"),
            p2c: types.iter().any(|t| t == "p2c"),
            norm_rel_embeddings: self.norm_rel_ebd.contains("layer_norm"),
        }))
    }
}

/// What every variant's config may carry about a classification head.
#[derive(Deserialize, Default)]
struct HeadFields {
    #[serde(default)]
    id2label: std::collections::BTreeMap<String, String>,
    problem_type: Option<String>,
}

impl EncoderConfig {
    pub fn from_json(json: &str) -> Result<Self> {
        let value: serde_json::Value =
            serde_json::from_str(json).map_err(|e| Error::format(format!("config.json is not valid JSON: {e}")))?;
        let model_type = value.get("model_type").and_then(|m| m.as_str()).unwrap_or("bert").to_string();
        let variant = Variant::from_model_type(&model_type).ok_or_else(|| {
            Error::format(format!(
                "config.json: model_type '{model_type}' is not a supported encoder (nunchi runs {})",
                supported_model_types()
            ))
        })?;
        let parse_error = |e: serde_json::Error| Error::format(format!("{model_type} config.json: {e}"));
        let mut cfg = match variant {
            Variant::DistilBert => {
                let d: DistilBertLike = serde_json::from_value(value.clone()).map_err(parse_error)?;
                Self::base(
                    variant,
                    &model_type,
                    d.vocab_size,
                    d.dim,
                    d.n_layers,
                    d.n_heads,
                    d.hidden_dim,
                    d.max_position_embeddings,
                )
                .with_act(d.activation)
            }
            _ => {
                let b: BertLike = serde_json::from_value(value.clone()).map_err(parse_error)?;
                if b.position_embedding_type != "absolute" {
                    return Err(Error::format(format!(
                        "{model_type} config: position_embedding_type '{}' is not supported (only 'absolute')",
                        b.position_embedding_type
                    )));
                }
                let mut cfg = Self::base(
                    variant,
                    &model_type,
                    b.vocab_size,
                    b.hidden_size,
                    b.num_hidden_layers,
                    b.num_attention_heads,
                    b.intermediate_size,
                    b.max_position_embeddings,
                )
                .with_act(b.hidden_act);
                cfg.layer_norm_eps = b.layer_norm_eps;
                cfg.type_vocab_size = if variant == Variant::MPNet { 0 } else { b.type_vocab_size };
                cfg.embedding_size =
                    if variant == Variant::Electra { b.embedding_size.unwrap_or(b.hidden_size) } else { b.hidden_size };
                if matches!(variant, Variant::Roberta | Variant::MPNet) {
                    // Saturating: a huge id then fails `validate` (no positions left) instead of wrapping.
                    cfg.position_offset = b.pad_token_id.saturating_add(1);
                }
                if variant == Variant::MPNet {
                    cfg.relative_bias = Some(RelativeBias { num_buckets: b.relative_attention_num_buckets, max_distance: 128 });
                }
                if variant == Variant::DebertaV2 {
                    let d: DebertaFields = serde_json::from_value(value.clone()).map_err(parse_error)?;
                    // DebertaV2Config's default is no token types.
                    cfg.type_vocab_size = value.get("type_vocab_size").and_then(|v| v.as_u64()).unwrap_or(0) as usize;
                    if b.embedding_size.is_some_and(|e| e != b.hidden_size) {
                        return Err(Error::format("deberta-v2 config: embedding_size other than hidden_size is not supported"));
                    }
                    cfg.absolute_positions = d.position_biased_input;
                    cfg.disentangled = d.disentangled(b.max_position_embeddings)?;
                    cfg.pooler_act = d.pooler_hidden_act.clone();
                }
                cfg
            }
        };
        let head: HeadFields = serde_json::from_value(value).map_err(parse_error)?;
        cfg.labels = labels_in_id_order(&head.id2label)?;
        cfg.problem_type = match head.problem_type.as_deref() {
            Some("multi_label_classification") => ProblemType::MultiLabel,
            _ => ProblemType::SingleLabel,
        };
        cfg.validate()?;
        Ok(cfg)
    }

    #[allow(clippy::too_many_arguments)]
    fn base(
        variant: Variant,
        model_type: &str,
        vocab_size: usize,
        hidden_size: usize,
        num_hidden_layers: usize,
        num_attention_heads: usize,
        intermediate_size: usize,
        max_position_embeddings: usize,
    ) -> Self {
        Self {
            variant,
            model_type: model_type.to_string(),
            vocab_size,
            hidden_size,
            embedding_size: hidden_size,
            num_hidden_layers,
            num_attention_heads,
            intermediate_size,
            max_position_embeddings,
            type_vocab_size: 0,
            layer_norm_eps: 1e-12,
            hidden_act: default_hidden_act(),
            position_offset: 0,
            relative_bias: None,
            disentangled: None,
            absolute_positions: true,
            pooler_act: default_hidden_act(),
            labels: Vec::new(),
            problem_type: ProblemType::SingleLabel,
        }
    }

    fn with_act(mut self, act: String) -> Self {
        self.hidden_act = act;
        self
    }

    fn validate(&self) -> Result<()> {
        // Every tensor's shape comes from these: none may be empty.
        if [self.vocab_size, self.hidden_size, self.embedding_size, self.intermediate_size].contains(&0) {
            return Err(Error::format(format!(
                "{} config: vocab_size, hidden_size and intermediate_size must be positive",
                self.model_type
            )));
        }
        if let Some(rb) = self.relative_bias {
            check_buckets(rb.num_buckets, rb.max_distance, &self.model_type)?;
        }
        if self.num_attention_heads == 0 || !self.hidden_size.is_multiple_of(self.num_attention_heads) {
            return Err(Error::format(format!(
                "{} config: hidden_size {} is not divisible by num_attention_heads {}",
                self.model_type, self.hidden_size, self.num_attention_heads
            )));
        }
        if self.max_position_embeddings <= self.position_offset {
            return Err(Error::format(format!(
                "{} config: max_position_embeddings {} leaves no positions past pad_token_id",
                self.model_type, self.max_position_embeddings
            )));
        }
        self.activation()?;
        Ok(())
    }

    pub fn activation(&self) -> Result<Activation> {
        activation_named(&self.hidden_act).ok_or_else(|| {
            Error::format(format!("{} config: hidden_act '{}' is not supported", self.model_type, self.hidden_act))
        })
    }

    pub fn head_dim(&self) -> usize {
        self.hidden_size / self.num_attention_heads
    }

    /// Tokens one sequence may hold: the position table past the offset.
    pub fn max_tokens(&self) -> usize {
        self.max_position_embeddings - self.position_offset
    }

    /// The extra factor DeBERTa divides attention scores by: `sqrt(head_dim · (1 + terms))`.
    pub fn score_scale(&self) -> f32 {
        let terms = self.disentangled.map_or(0, |d| d.c2p as usize + d.p2c as usize);
        1.0 / ((self.head_dim() * (1 + terms)) as f32).sqrt()
    }
}

/// The activation a config names, as transformers' `ACT2FN` reads it.
pub fn activation_named(name: &str) -> Option<Activation> {
    match name {
        "gelu" => Some(Activation::GeluErf),
        "gelu_new" | "gelu_pytorch_tanh" => Some(Activation::GeluTanh),
        "relu" => Some(Activation::Relu),
        _ => None,
    }
}

/// `id2label` (`{"0": "NEGATIVE", "1": "POSITIVE"}`) as names in id order;
/// ids must be 0…n-1.
fn labels_in_id_order(id2label: &std::collections::BTreeMap<String, String>) -> Result<Vec<String>> {
    let mut pairs = Vec::with_capacity(id2label.len());
    for (id, label) in id2label {
        let id: usize =
            id.parse().map_err(|_| Error::format(format!("config.json: id2label key '{id}' is not a label index")))?;
        pairs.push((id, label.clone()));
    }
    pairs.sort();
    for (expected, (id, _)) in pairs.iter().enumerate() {
        if *id != expected {
            return Err(Error::format(format!("config.json: id2label has no label {expected} (ids must run 0…n-1)")));
        }
    }
    Ok(pairs.into_iter().map(|(_, l)| l).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(json: serde_json::Value) -> Result<EncoderConfig> {
        EncoderConfig::from_json(&json.to_string())
    }

    fn bert_like(model_type: &str) -> serde_json::Value {
        serde_json::json!({
            "model_type": model_type, "vocab_size": 100, "hidden_size": 32, "num_hidden_layers": 2,
            "num_attention_heads": 4, "intermediate_size": 64, "max_position_embeddings": 66, "pad_token_id": 1,
        })
    }

    #[test]
    fn roberta_and_mpnet_positions_start_past_the_padding_id() {
        let roberta = config(bert_like("xlm-roberta")).unwrap();
        assert_eq!((roberta.variant, roberta.position_offset, roberta.max_tokens()), (Variant::Roberta, 2, 64));
        let mpnet = config(bert_like("mpnet")).unwrap();
        assert_eq!((mpnet.position_offset, mpnet.type_vocab_size), (2, 0));
        assert_eq!(mpnet.relative_bias, Some(RelativeBias { num_buckets: 32, max_distance: 128 }));
        let bert = config(bert_like("bert")).unwrap();
        assert_eq!((bert.position_offset, bert.max_tokens(), bert.type_vocab_size), (0, 66, 2));
    }

    #[test]
    fn distilbert_reads_its_own_field_names() {
        let cfg = config(serde_json::json!({
            "model_type": "distilbert", "vocab_size": 100, "dim": 32, "n_layers": 2, "n_heads": 4,
            "hidden_dim": 64, "max_position_embeddings": 64, "activation": "gelu",
            "id2label": {"0": "NEGATIVE", "1": "POSITIVE"},
        }))
        .unwrap();
        assert_eq!((cfg.hidden_size, cfg.intermediate_size, cfg.type_vocab_size), (32, 64, 0));
        assert_eq!(cfg.labels, ["NEGATIVE", "POSITIVE"]);
    }

    #[test]
    fn labels_come_in_id_order_and_must_be_complete() {
        let mut json = bert_like("bert");
        json["id2label"] = serde_json::json!({"10": "k", "2": "c", "0": "a", "1": "b", "3": "d", "4": "e", "5": "f", "6": "g", "7": "h", "8": "i", "9": "j"});
        json["problem_type"] = "multi_label_classification".into();
        let cfg = config(json.clone()).unwrap();
        assert_eq!(cfg.labels.join(""), "abcdefghijk");
        assert_eq!(cfg.problem_type, ProblemType::MultiLabel);
        json["id2label"] = serde_json::json!({"0": "a", "2": "c"});
        assert!(config(json).unwrap_err().to_string().contains("no label 1"));
    }

    #[test]
    fn empty_sizes_impossible_buckets_and_a_padding_id_past_every_position_are_refused() {
        let refused = |model_type: &str, key: &str, value: serde_json::Value| {
            let mut json = bert_like(model_type);
            json[key] = value;
            config(json).unwrap_err().to_string()
        };
        assert!(refused("bert", "hidden_size", 0.into()).contains("must be positive"));
        assert!(refused("mpnet", "relative_attention_num_buckets", 1.into()).contains("relative attention buckets"));
        assert!(refused("roberta", "pad_token_id", u64::MAX.into()).contains("no positions past pad_token_id"));
    }

    #[test]
    fn an_unknown_model_type_names_what_is_supported() {
        let err = config(bert_like("gpt2")).unwrap_err().to_string();
        assert!(err.contains("'gpt2'") && err.contains("mpnet") && err.contains("distilbert"), "{err}");
    }
}
