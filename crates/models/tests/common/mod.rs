//! Shared test support: where the prepared models and goldens live, and the
//! comparisons every parity test uses.
#![allow(dead_code)]

use std::path::PathBuf;

use base64::Engine;
use nunchi_engine::Quant;
use nunchi_models::ModelFile;

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `models/` prepared by `scripts/prepare-models.sh` (override with NUNCHI_MODELS).
pub fn models_dir() -> PathBuf {
    std::env::var_os("NUNCHI_MODELS").map(PathBuf::from).unwrap_or_else(|| repo_root().join("models"))
}

/// A prepared model file or folder; a missing one fails the test with the fix.
pub fn model_path(name: &str) -> PathBuf {
    let p = models_dir().join(name);
    assert!(p.exists(), "{} is missing: run scripts/prepare-models.sh first", p.display());
    p
}

pub fn open(name: &str, quant: Quant) -> ModelFile {
    ModelFile::open(&model_path(name), quant).unwrap_or_else(|e| panic!("opening {name}: {e}"))
}

pub fn golden(name: &str) -> serde_json::Value {
    let p = repo_root().join("tests/goldens").join(name);
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).expect("golden JSON")
}

pub fn f32s(v: &serde_json::Value) -> Vec<f32> {
    v.as_array().expect("array").iter().map(|x| x.as_f64().expect("number") as f32).collect()
}

pub fn u32s(v: &serde_json::Value) -> Vec<u32> {
    v.as_array().expect("array").iter().map(|x| x.as_u64().expect("integer") as u32).collect()
}

pub fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array().expect("array").iter().map(|x| x.as_str().expect("string").to_string()).collect()
}

/// Little-endian f32 values stored as base64 by the reference script.
pub fn b64_f32s(v: &serde_json::Value) -> Vec<f32> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(v.as_str().expect("base64 string")).expect("base64");
    bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
}

pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "length mismatch");
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "length mismatch");
    let dot: f64 = a.iter().zip(b).map(|(x, y)| *x as f64 * *y as f64).sum();
    let na: f64 = a.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
    (dot / (na * nb).max(1e-30)) as f32
}
