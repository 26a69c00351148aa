//! Models load by URL exactly as from disk: a GGUF URL, or a Hugging Face
//! repository base URL (`{base}/resolve/main/{file}`), here served from
//! `models/` by a local server. The server's log proves only model files are
//! requested: the texts never leave the machine.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

fn models() -> PathBuf {
    std::env::var_os("NUNCHI_MODELS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models"))
}

/// Serves `/<any repo>/resolve/main/<file>` and `/<file>` from `root`; logs every path.
fn serve(root: PathBuf) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let log = Arc::new(Mutex::new(Vec::new()));
    let log2 = log.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            if reader.read_line(&mut request).is_err() {
                continue;
            }
            let mut line = String::new();
            while reader.read_line(&mut line).map(|n| n > 2).unwrap_or(false) {
                line.clear();
            }
            let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
            log2.lock().unwrap().push(path.clone());
            let file = match path.split_once("/resolve/main/") {
                Some((_, f)) => root.join("all-MiniLM-L6-v2").join(f),
                None => root.join(path.trim_start_matches('/')),
            };
            let mut out = stream;
            match std::fs::read(&file) {
                Ok(body) => {
                    let _ = write!(out, "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
                    let _ = out.write_all(&body);
                }
                Err(_) => {
                    let _ = write!(out, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                }
            }
        }
    });
    (base, log)
}

fn embed(model: &str, text: &str) -> Vec<f64> {
    embed_at(model, text, None)
}

/// `nunchi embed` with `HF_ENDPOINT` set to `hub`, when given.
fn embed_at(model: &str, text: &str, hub: Option<&str>) -> Vec<f64> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_nunchi"));
    if let Some(hub) = hub {
        command.env("HF_ENDPOINT", hub);
    }
    let mut child = command
        .args(["embed", "--model", model])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // If nunchi fails before reading stdin, the status check below reports it.
    let _ = child.stdin.take().unwrap().write_all(text.as_bytes());
    let mut out = String::new();
    child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "embed {model} failed");
    serde_json::from_str(out.lines().next().unwrap()).unwrap()
}

#[test]
fn a_hub_repo_url_and_a_gguf_url_load_like_local_files() {
    let root = models();
    assert!(root.exists(), "run scripts/prepare-models.sh first");
    let (base, log) = serve(root.clone());
    let secret = "my private support ticket about a refund";

    let local = embed(root.join("all-MiniLM-L6-v2").to_str().unwrap(), secret);
    let hub = embed(&format!("{base}/sentence-transformers/all-MiniLM-L6-v2"), secret);
    let max_diff = local.iter().zip(&hub).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
    assert!(max_diff == 0.0, "same files, same quantization, same result: {max_diff}");

    let gguf_local = embed(root.join("all-MiniLM-L6-v2-q8_0.gguf").to_str().unwrap(), secret);
    let gguf_url = embed(&format!("{base}/all-MiniLM-L6-v2-q8_0.gguf"), secret);
    assert_eq!(gguf_local, gguf_url);

    // A Hub id, as transformers.js programs name models: its ONNX export's id
    // loads the original repository's safetensors from the endpoint.
    let by_id = embed_at("Xenova/all-MiniLM-L6-v2", secret, Some(&base));
    assert_eq!(local, by_id);

    let log = log.lock().unwrap();
    assert!(log.iter().any(|p| p.ends_with("/resolve/main/model.safetensors")));
    assert!(log.iter().any(|p| p.starts_with("/sentence-transformers/all-MiniLM-L6-v2/resolve/main/")));
    for path in log.iter() {
        assert!(!path.contains("private") && !path.contains("refund"), "user text sent to the server: {path}");
        let file = path.rsplit('/').next().unwrap();
        assert!(
            file.ends_with(".json") || file.ends_with(".safetensors") || file.ends_with(".gguf"),
            "unexpected request {path}"
        );
    }
}
