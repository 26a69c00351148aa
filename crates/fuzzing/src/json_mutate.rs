//! Structural mutations of JSON inputs (saved heads and topics, tokenizer
//! files, config.json before a NUL): random bytes mostly break the syntax and
//! never reach the checks behind it, so these keep the JSON valid and change
//! what it says: a number at the edge of its type, a shorter or longer
//! array, a missing key, a value of another type.

use serde_json::{json, Map, Value};

use crate::input::split_at_nul;
use crate::mutate::Rng;

/// Numbers at the edges of u32, i64, u64, f32 and f64.
fn edge_number(r: &mut Rng) -> Value {
    match r.below(14) {
        0 => json!(0),
        1 => json!(-1),
        2 => json!(1),
        3 => json!(2),
        4 => json!(u32::MAX),
        5 => json!(u32::MAX as u64 + 1),
        6 => json!(i64::MAX),
        7 => json!(u64::MAX),
        8 => json!(3.5e38),
        9 => json!(-3.5e38),
        10 => json!(1e-45),
        11 => json!(f64::MAX),
        12 => json!(0.5),
        _ => json!(r.next_u64() % 1000),
    }
}

fn other_value(r: &mut Rng) -> Value {
    match r.below(8) {
        0 => Value::Null,
        1 => json!(true),
        2 => json!([]),
        3 => json!({}),
        4 => json!(""),
        5 => json!("é한😀\u{0}"),
        6 => json!("x".repeat(1 + r.below(2000))),
        _ => edge_number(r),
    }
}

/// Mutates one node of `v`, found by a random walk from the root.
fn mutate_node(r: &mut Rng, v: &mut Value, depth: usize) {
    let descend = depth < 32 && r.below(3) != 0;
    match v {
        Value::Array(items) if descend && !items.is_empty() => {
            let i = r.below(items.len());
            mutate_node(r, &mut items[i], depth + 1)
        }
        Value::Object(map) if descend && !map.is_empty() => {
            let key = map.keys().nth(r.below(map.len())).cloned().unwrap_or_default();
            if let Some(child) = map.get_mut(&key) {
                mutate_node(r, child, depth + 1)
            }
        }
        Value::Array(items) => mutate_array(r, items),
        Value::Object(map) => mutate_object(r, map),
        Value::Number(_) if r.below(4) != 0 => *v = edge_number(r),
        _ => *v = other_value(r),
    }
}

fn mutate_array(r: &mut Rng, items: &mut Vec<Value>) {
    match r.below(5) {
        0 if !items.is_empty() => {
            items.remove(r.below(items.len()));
        }
        1 if !items.is_empty() => {
            let copy = items[r.below(items.len())].clone();
            items.insert(r.below(items.len() + 1), copy);
        }
        2 => items.truncate(r.below(items.len() + 1)),
        3 => items.push(other_value(r)),
        _ => {
            if items.len() >= 2 {
                let (a, b) = (r.below(items.len()), r.below(items.len()));
                items.swap(a, b);
            }
        }
    }
}

fn mutate_object(r: &mut Rng, map: &mut Map<String, Value>) {
    let key = map.keys().nth(r.below(map.len().max(1))).cloned();
    match (r.below(3), key) {
        (0, Some(key)) => {
            map.remove(&key);
        }
        (1, Some(key)) => {
            if let Some(value) = map.remove(&key) {
                map.insert(format!("{key}_"), value);
            }
        }
        _ => {
            map.insert(["type", "id", "dim", "vocab", "kind"][r.below(5)].to_string(), other_value(r));
        }
    }
}

/// Mutates `data` (or its part before the first NUL) if it is JSON; false if not.
pub fn mutate(r: &mut Rng, data: &mut Vec<u8>) -> bool {
    let (json_part, rest) = split_at_nul(data);
    let Ok(mut value) = serde_json::from_slice::<Value>(json_part) else { return false };
    let steps = 1 + r.below(3);
    for _ in 0..steps {
        mutate_node(r, &mut value, 0);
    }
    let mut out = value.to_string().into_bytes();
    if json_part.len() < data.len() {
        out.push(0);
        out.extend_from_slice(rest);
    }
    *data = out;
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutated_json_stays_json_and_the_rest_is_kept() {
        let mut r = Rng::new(3);
        let seed = b"{\"dim\": 4, \"labels\": [\"a\", \"b\"], \"head\": {\"weights\": [0.5, 1.5]}}\0binary\xff".to_vec();
        let mut changed = 0;
        for _ in 0..100 {
            let mut data = seed.clone();
            assert!(mutate(&mut r, &mut data));
            let (json_part, rest) = split_at_nul(&data);
            assert!(serde_json::from_slice::<Value>(json_part).is_ok());
            assert_eq!(rest, b"binary\xff");
            changed += (data != seed) as usize;
        }
        assert!(changed > 80, "{changed} of 100 changed");
        assert!(!mutate(&mut r, &mut b"GGUF\x03".to_vec()));
    }
}
