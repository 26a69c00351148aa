//! Checks on a `tokenizer.json` before the tokenizers crate reads it. Version
//! 0.22 panics, where it should return an error, on some malformed files: a
//! syntax error inside `decoder` (an `expect`), a `Precompiled` normalizer
//! whose charsmap does not decode (another), and a charsmap that decodes but
//! whose trie points outside itself (an index out of bounds while
//! normalizing, or a multi-gigabyte allocation from its size field), and a
//! `TemplateProcessing` template naming a special token it does not define
//! or a second sequence. Those files are refused here as `E_MODEL_FORMAT`,
//! and so is a key given twice in one object (the crate reads each copy).

use std::collections::HashSet;

use base64::Engine;
use nunchi_engine::{Error, Result};
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use tokenizers::normalizers::Precompiled;

/// Refuses a `tokenizer.json` that would panic the tokenizers crate.
pub fn check(json: &str) -> Result<()> {
    let Unique(value) =
        serde_json::from_str(json).map_err(|e| Error::format(format!("tokenizer.json is not valid JSON: {e}")))?;
    // Every object under these keys, not only where a tag says: the crate
    // also reads untagged forms, trying each kind in turn.
    if let Some(normalizer) = value.get("normalizer") {
        objects(normalizer, &mut |o| match o.get("type").and_then(Value::as_str) {
            Some("Precompiled") => precompiled(o),
            _ => Ok(()),
        })?;
    }
    if let Some(processor) = value.get("post_processor") {
        objects(processor, &mut template)?;
    }
    Ok(())
}

/// JSON read as serde_json reads it, but refusing a key given twice in one
/// object: a `Value` keeps the last, while the tokenizers crate reads each
/// one in turn, so a check of the last would miss the first.
struct Unique(Value);

impl<'de> Deserialize<'de> for Unique {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        deserializer.deserialize_any(UniqueVisitor)
    }
}

struct UniqueVisitor;

impl<'de> Visitor<'de> for UniqueVisitor {
    type Value = Unique;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("JSON")
    }
    fn visit_unit<E>(self) -> std::result::Result<Unique, E> {
        Ok(Unique(Value::Null))
    }
    fn visit_bool<E>(self, v: bool) -> std::result::Result<Unique, E> {
        Ok(Unique(v.into()))
    }
    fn visit_i64<E>(self, v: i64) -> std::result::Result<Unique, E> {
        Ok(Unique(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> std::result::Result<Unique, E> {
        Ok(Unique(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> std::result::Result<Unique, E> {
        Ok(Unique(v.into()))
    }
    fn visit_str<E>(self, v: &str) -> std::result::Result<Unique, E> {
        Ok(Unique(v.into()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Unique, A::Error> {
        let mut items = Vec::new();
        while let Some(Unique(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Unique(Value::Array(items)))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Unique, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let Unique(value) = map.next_value()?;
            if out.contains_key(&key) {
                return Err(serde::de::Error::custom(format!("the key \"{key}\" is given twice in one object")));
            }
            out.insert(key, value);
        }
        Ok(Unique(Value::Object(out)))
    }
}

/// Calls `f` on `v` and every object nested in it.
fn objects(v: &Value, f: &mut impl FnMut(&Value) -> Result<()>) -> Result<()> {
    match v {
        Value::Object(map) => {
            f(v)?;
            map.values().try_for_each(|child| objects(child, f))
        }
        Value::Array(items) => items.iter().try_for_each(|child| objects(child, f)),
        _ => Ok(()),
    }
}

fn bad_template(why: String) -> Error {
    Error::format(format!("tokenizer.json: the TemplateProcessing post-processor {why}"))
}

/// A `TemplateProcessing` post-processor (any object with `single` and
/// `special_tokens`): the crate indexes its special tokens by the templates'
/// ids and the input sequences by `A`/`B` without checking either.
fn template(processor: &Value) -> Result<()> {
    let (Some(single), Some(specials)) = (processor.get("single"), processor.get("special_tokens").and_then(Value::as_object))
    else {
        return Ok(());
    };
    for (name, token) in specials {
        let count = |key: &str| token.get(key).and_then(Value::as_array).map(Vec::len);
        if count("ids") != count("tokens") {
            return Err(bad_template(format!("gives the special token '{name}' different numbers of ids and tokens")));
        }
    }
    for (which, pieces) in [("single", Some(single)), ("pair", processor.get("pair"))] {
        for piece in pieces.and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default() {
            if let Some(id) = piece.pointer("/SpecialToken/id").and_then(Value::as_str) {
                if !specials.contains_key(id) {
                    return Err(bad_template(format!(
                        "names the special token '{id}' in its {which} template but does not define it"
                    )));
                }
            }
            if which == "single" && piece.pointer("/Sequence/id").and_then(Value::as_str) == Some("B") {
                return Err(bad_template("reads a second sequence ($B) in its single template".into()));
            }
        }
    }
    Ok(())
}

fn bad_charsmap(why: &str) -> Error {
    Error::format(format!("tokenizer.json: the Precompiled normalizer's precompiled_charsmap {why}"))
}

/// A `Precompiled` normalizer: its charsmap decodes as the tokenizers crate
/// decodes it, and every lookup its trie can make stays inside it.
fn precompiled(normalizer: &Value) -> Result<()> {
    let encoded = normalizer.get("precompiled_charsmap").and_then(Value::as_str).ok_or_else(|| bad_charsmap("is missing"))?;
    let bytes = base64::engine::general_purpose::STANDARD.decode(encoded).map_err(|_| bad_charsmap("is not base64"))?;
    // `[trie size: u32 LE][trie: u32 units][normalized strings]`.
    let (size, rest) = bytes.split_first_chunk::<4>().ok_or_else(|| bad_charsmap("is too short"))?;
    let trie_bytes = u32::from_le_bytes(*size) as usize / 4 * 4;
    if trie_bytes > rest.len() {
        return Err(bad_charsmap("declares a trie larger than itself"));
    }
    let (trie, normalized) = rest.split_at(trie_bytes);
    let normalized = std::str::from_utf8(normalized).map_err(|_| bad_charsmap("holds text that is not UTF-8"))?;
    let units: Vec<usize> = trie.chunks_exact(4).map(|u| u32::from_le_bytes([u[0], u[1], u[2], u[3]]) as usize).collect();
    check_trie(&units, normalized).map_err(bad_charsmap)?;
    // Last, the crate's own reading, exactly as it reads it (it panics where this fails).
    serde_json::from_str::<Precompiled>(&normalizer.to_string()).map_err(|e| bad_charsmap(&format!("does not read: {e}")))?;
    Ok(())
}

/// A double-array trie unit, as spm_precompiled reads one.
fn has_leaf(unit: usize) -> bool {
    (unit >> 8) & 1 == 1
}
fn value(unit: usize) -> usize {
    unit & ((1 << 31) - 1)
}
fn label(unit: usize) -> usize {
    unit & ((1 << 31) | 0xff)
}
fn offset(unit: usize) -> usize {
    (unit >> 10) << ((unit & (1 << 9)) >> 6)
}

/// Walks every state `common_prefix_search` can reach on UTF-8 text (any
/// byte but 0 and those UTF-8 never holds), checking each index it reads,
/// and that each leaf's value starts a string of `normalized`.
fn check_trie(units: &[usize], normalized: &str) -> std::result::Result<(), &'static str> {
    let unit = |i: usize| units.get(i).copied().ok_or("has a trie that points outside itself");
    let start = offset(unit(0)?);
    let mut seen = HashSet::from([start]);
    let mut todo = vec![start];
    while let Some(node) = todo.pop() {
        for byte in (1..=0xf4usize).filter(|b| !matches!(b, 0xc0 | 0xc1)) {
            let child = unit(node ^ byte)?;
            if label(child) != byte {
                continue;
            }
            let next = (node ^ byte) ^ offset(child);
            if has_leaf(child) {
                let at = value(unit(next)?);
                if at > normalized.len() || !normalized.is_char_boundary(at) {
                    return Err("maps to text outside its strings");
                }
            }
            if seen.insert(next) {
                todo.push(next);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A charsmap of 512 units mapping "A" to "a" (the root's children at
    /// 0 ^ byte, "A"'s at 256 ^ byte), then `normalized`.
    fn charsmap(units: &[u32], normalized: &[u8]) -> String {
        let mut bytes = ((units.len() * 4) as u32).to_le_bytes().to_vec();
        units.iter().for_each(|u| bytes.extend(u.to_le_bytes()));
        bytes.extend(normalized);
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    fn a_to_lowercase() -> Vec<u32> {
        let mut units = vec![0u32; 512];
        units[b'A' as usize] = ((b'A' as u32 ^ 256) << 10) | (1 << 8) | b'A' as u32;
        units
    }

    fn tokenizer(charsmap: &str) -> String {
        serde_json::json!({ "normalizer": { "type": "Sequence", "normalizers": [
            { "type": "Precompiled", "precompiled_charsmap": charsmap },
        ]}})
        .to_string()
    }

    #[test]
    fn a_sound_charsmap_passes_and_broken_ones_are_refused() {
        assert!(check(&tokenizer(&charsmap(&a_to_lowercase(), b"a\0"))).is_ok());
        let refused = |json: String| check(&json).expect_err("refused").to_string();
        assert!(refused(tokenizer("not base64!")).contains("not base64"));
        // Only 300 units: the root's children for bytes past 299 are outside the trie.
        assert!(refused(tokenizer(&charsmap(&a_to_lowercase()[..300], b"a\0"))).contains("outside itself"));
        // "A" maps to offset 5 of a 2-byte string.
        let mut units = a_to_lowercase();
        units[256] = 5;
        assert!(refused(tokenizer(&charsmap(&units, b"a\0"))).contains("outside its strings"));
        let size_only = base64::engine::general_purpose::STANDARD.encode([255, 255, 255, 255, 0, 0, 0, 0]);
        assert!(refused(tokenizer(&size_only)).contains("larger than itself"));
        assert!(refused("{\"decoder\": {\"type\": \"WordPiece\" \"prefix\": 1}}".into()).contains("not valid JSON"));
        // Under a normalizer of another (or no) type, the crate still reads it.
        let untagged = serde_json::json!({ "normalizer": { "type": -1, "normalizers": [
            { "type": "Precompiled", "precompiled_charsmap": "not base64!" },
        ]}});
        assert!(refused(untagged.to_string()).contains("not base64"));
        // The crate reads both normalizers; the check must see the first too.
        let twice = format!(r#"{{"normalizer": {}, "normalizer": {{"type": "Lowercase"}}}}"#, untagged["normalizer"]);
        assert!(refused(twice).contains("given twice"));
    }

    fn processor(single: Value, specials: Value) -> String {
        serde_json::json!({ "post_processor": { "type": "Sequence", "processors": [
            { "type": "TemplateProcessing", "single": single, "pair": [], "special_tokens": specials },
        ]}})
        .to_string()
    }

    #[test]
    fn templates_may_only_name_what_they_define() {
        let a = serde_json::json!({ "Sequence": { "id": "A", "type_id": 0 } });
        let eos = serde_json::json!({ "SpecialToken": { "id": "</s>", "type_id": 0 } });
        let defined = serde_json::json!({ "</s>": { "id": "</s>", "ids": [1], "tokens": ["</s>"] } });
        assert!(check(&processor(serde_json::json!([a, eos]), defined.clone())).is_ok());
        let refused = |json: String| check(&json).expect_err("refused").to_string();
        assert!(refused(processor(serde_json::json!([a, eos]), serde_json::json!({}))).contains("does not define it"));
        let b = serde_json::json!({ "Sequence": { "id": "B", "type_id": 1 } });
        assert!(refused(processor(serde_json::json!([a, b]), defined)).contains("second sequence"));
        let uneven = serde_json::json!({ "</s>": { "id": "</s>", "ids": [1, 2], "tokens": ["</s>"] } });
        assert!(refused(processor(serde_json::json!([a, eos]), uneven)).contains("different numbers"));
    }
}
