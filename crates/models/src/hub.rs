//! Hugging Face Hub model ids (`owner/name`, as `pipeline()` and
//! `from_pretrained` take them) and the repository URL each names. The one
//! rule the CLI and the package share: what a bare id is, which ids are
//! transformers.js' ONNX exports of a model nunchi reads in its original
//! repository, and which ONNX-only repositories it cannot read.

use nunchi_engine::{Error, Result};

/// The Hub's address when no other endpoint (a mirror) is given.
pub const DEFAULT_ENDPOINT: &str = "https://huggingface.co";

/// transformers.js' ONNX exports and the repositories holding the same
/// model's safetensors, which nunchi reads: a program written for
/// transformers.js loads the same model with its id unchanged.
const ONNX_EXPORTS: &[(&str, &str)] = &[
    ("Xenova/all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"),
    ("Xenova/all-MiniLM-L12-v2", "sentence-transformers/all-MiniLM-L12-v2"),
    ("Xenova/all-mpnet-base-v2", "sentence-transformers/all-mpnet-base-v2"),
    ("Xenova/paraphrase-multilingual-MiniLM-L12-v2", "sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2"),
    ("Xenova/multilingual-e5-small", "intfloat/multilingual-e5-small"),
    ("Xenova/bge-small-en-v1.5", "BAAI/bge-small-en-v1.5"),
    ("Xenova/flan-t5-small", "google/flan-t5-small"),
    ("Xenova/distilbert-base-uncased-finetuned-sst-2-english", "distilbert/distilbert-base-uncased-finetuned-sst-2-english"),
    ("Xenova/bert-base-multilingual-uncased-sentiment", "nlptown/bert-base-multilingual-uncased-sentiment"),
    ("Xenova/twitter-roberta-base-sentiment-latest", "cardiffnlp/twitter-roberta-base-sentiment-latest"),
];

/// Owners whose repositories hold ONNX exports only.
const ONNX_OWNERS: &[&str] = &["Xenova", "onnx-community"];

/// The Hub's limit on a repository name's length.
const MAX_NAME: usize = 96;

/// Whether `part` is a valid Hub owner or repository name: letters, digits,
/// `-`, `_` and `.`, not starting or ending with `-` or `.`, no `--` or `..`.
fn is_name(part: &str) -> bool {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    !part.is_empty()
        && part.len() <= MAX_NAME
        && part.chars().all(allowed)
        && !part.starts_with(['-', '.'])
        && !part.ends_with(['-', '.'])
        && !part.contains("--")
        && !part.contains("..")
}

/// Whether `spec` is shaped as a Hub id, `owner/name`. A `.gguf` name is a
/// file, never an id; so is anything with a scheme, a leading `.` or `/`, or
/// a backslash (all of which fail the name rule).
pub fn is_repo_id(spec: &str) -> bool {
    match spec.split_once('/') {
        Some((owner, name)) => is_name(owner) && is_name(name) && !name.to_ascii_lowercase().ends_with(".gguf"),
        None => false,
    }
}

/// The repository URL a Hub id names at `endpoint` (`None` when `spec` is not
/// shaped as an id). Known transformers.js ONNX exports name their original
/// repository; any other repository of an ONNX-only owner is refused, since
/// nunchi reads safetensors and GGUF, not ONNX.
pub fn repo_url(spec: &str, endpoint: &str) -> Result<Option<String>> {
    if !is_repo_id(spec) {
        return Ok(None);
    }
    let endpoint = endpoint.trim_end_matches('/');
    if endpoint.is_empty() {
        return Err(Error::input("the Hub endpoint is empty (give a URL such as https://huggingface.co)"));
    }
    let repo = match ONNX_EXPORTS.iter().find(|(export, _)| export.eq_ignore_ascii_case(spec)) {
        Some((_, original)) => *original,
        None => {
            let owner = spec.split('/').next().unwrap_or_default();
            if ONNX_OWNERS.iter().any(|o| o.eq_ignore_ascii_case(owner)) {
                return Err(Error::input(format!(
                    "'{spec}' holds an ONNX export, which nunchi does not read; give the original repository \
                     (its model card names it), whose model.safetensors nunchi loads"
                )));
            }
            spec
        }
    };
    Ok(Some(format!("{endpoint}/{repo}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_owner_slash_name_and_files_and_urls_are_not() {
        for id in ["sentence-transformers/all-MiniLM-L6-v2", "BAAI/bge-small-en-v1.5", "google/flan-t5-small", "a/b", "o_1/m-2.x"]
        {
            assert!(is_repo_id(id), "{id}");
        }
        for not in [
            "all-MiniLM-L6-v2",
            "models/all-MiniLM-L6-v2-q8_0.gguf",
            "models/x.GGUF",
            "./models/minilm",
            "/models/minilm",
            "models/minilm/",
            "a/b/c",
            "https://huggingface.co/google/flan-t5-small",
            "C:\\models\\x",
            "-a/b",
            "a/b.",
            "a--b/c",
            "a/b..c",
            "a b/c",
            "",
            "/",
        ] {
            assert!(!is_repo_id(not), "{not}");
        }
        assert!(!is_repo_id(&format!("a/{}", "x".repeat(MAX_NAME + 1))));
    }

    #[test]
    fn an_id_names_its_repository_at_the_endpoint() {
        let url = repo_url("sentence-transformers/all-MiniLM-L6-v2", DEFAULT_ENDPOINT).expect("valid");
        assert_eq!(url.as_deref(), Some("https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2"));
        let mirror = repo_url("google/flan-t5-small", "http://127.0.0.1:8080/").expect("valid");
        assert_eq!(mirror.as_deref(), Some("http://127.0.0.1:8080/google/flan-t5-small"));
        assert_eq!(repo_url("models/x.gguf", DEFAULT_ENDPOINT).expect("not an id"), None);
        assert!(repo_url("a/b", "").is_err());
    }

    #[test]
    fn transformers_js_exports_name_the_original_and_other_onnx_repositories_are_refused() {
        let url = repo_url("Xenova/all-MiniLM-L6-v2", DEFAULT_ENDPOINT).expect("known export");
        assert_eq!(url.as_deref(), Some("https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2"));
        let url = repo_url("xenova/flan-t5-small", DEFAULT_ENDPOINT).expect("ids are case-insensitive on the Hub");
        assert_eq!(url.as_deref(), Some("https://huggingface.co/google/flan-t5-small"));
        for onnx in ["Xenova/some-unknown-model", "onnx-community/Qwen3-0.6B-ONNX"] {
            let err = repo_url(onnx, DEFAULT_ENDPOINT).expect_err("ONNX only");
            assert_eq!(err.code(), "E_INPUT");
            assert!(err.to_string().contains("ONNX"), "{err}");
        }
    }
}
