//! The committed inputs of each target: `fuzz/corpus/<target>/` (seeds) and
//! `fuzz/regressions/<target>/` (inputs that once crashed), shared by the
//! cargo-fuzz runs and the smoke test.

use std::path::PathBuf;

use crate::fixtures::repo_root;

pub fn corpus_dir(target: &str) -> PathBuf {
    repo_root().join("fuzz/corpus").join(target)
}

pub fn regressions_dir(target: &str) -> PathBuf {
    repo_root().join("fuzz/regressions").join(target)
}

/// Every file of a folder, by name, sorted (an absent folder has none).
pub fn files(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut out: Vec<(String, Vec<u8>)> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .filter_map(|e| Some((e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).ok()?)))
        .collect();
    out.sort();
    out
}
