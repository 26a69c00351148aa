//! Where a model comes from: a GGUF file, a Hugging Face folder, an http(s)
//! URL of either a GGUF file or a Hugging Face repository, or a Hub id
//! (`owner/name`, at `HF_ENDPOINT` when set, as the Hugging Face tools do).

use std::path::Path;

use nunchi_engine::{Error, Quant, Result};
use nunchi_models::{hub, HfParts, ModelFile};

/// Opens `spec` (path or URL), quantizing Hugging Face weights to `quant`.
pub fn open(spec: &str, quant: &str) -> Result<ModelFile> {
    let quant = Quant::parse(quant)?;
    if spec.starts_with("http://") || spec.starts_with("https://") {
        return open_url(spec, quant);
    }
    let path = Path::new(spec);
    if path.exists() {
        return ModelFile::open(path, quant);
    }
    // A path that is not there but is shaped as `owner/name` is a Hub id.
    let endpoint = std::env::var("HF_ENDPOINT").unwrap_or_else(|_| hub::DEFAULT_ENDPOINT.to_string());
    match hub::repo_url(spec, &endpoint)? {
        Some(url) => open_url(&url, quant),
        None => Err(Error::input(format!(
            "no model at '{spec}' (expected a .gguf file, a model folder, a URL or a Hub id such as \
             sentence-transformers/all-MiniLM-L6-v2)"
        ))),
    }
}

fn fetch(url: &str) -> Result<Vec<u8>> {
    let response = ureq::get(url).call().map_err(|e| Error::new(nunchi_engine::ErrorKind::Io, format!("GET {url}: {e}")))?;
    let mut body = Vec::new();
    std::io::Read::read_to_end(&mut response.into_body().into_reader(), &mut body)
        .map_err(|e| Error::new(nunchi_engine::ErrorKind::Io, format!("GET {url}: {e}")))?;
    Ok(body)
}

/// A URL ending in `.gguf` is one of our files; anything else is taken as a
/// Hugging Face repository base (`https://huggingface.co/google/flan-t5-small`),
/// whose files are at `{base}/resolve/main/{file}`.
fn open_url(url: &str, quant: Quant) -> Result<ModelFile> {
    if url.ends_with(".gguf") {
        return ModelFile::from_gguf_bytes(&fetch(url)?);
    }
    let base = url.trim_end_matches('/');
    let file = |name: &str| format!("{base}/resolve/main/{name}");
    let text = |name: &str| -> Result<String> {
        String::from_utf8(fetch(&file(name))?).map_err(|_| Error::format(format!("{name} is not UTF-8 text")))
    };
    let optional = |name: &str| text(name).ok();
    let safetensors = fetch(&file("model.safetensors"))?;
    ModelFile::from_hf_parts(HfParts {
        name: base.rsplit('/').next().unwrap_or("model").to_string(),
        config_json: text("config.json")?,
        tokenizer_json: nunchi_models::legacy_tokenizer::tokenizer_json_or_legacy(optional("tokenizer.json"), optional)?,
        safetensors: &safetensors,
        sentence_bert_config: optional("sentence_bert_config.json"),
        pooling_config: optional("1_Pooling/config.json"),
        modules: optional("modules.json"),
        sentence_transformers_config: optional("config_sentence_transformers.json"),
        test_weights_marker: optional(nunchi_models::model_file::TEST_WEIGHTS_MARKER),
        quant,
    })
}
