//! The CLI contract that scripts and users rely on: stdin/stdout formats,
//! streaming, JSON output, and one-line errors with a non-zero exit.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn models() -> PathBuf {
    let dir = std::env::var_os("NUNCHI_MODELS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models"));
    assert!(dir.exists(), "{} is missing: run scripts/prepare-models.sh first", dir.display());
    dir
}

fn model(name: &str) -> String {
    models().join(name).to_string_lossy().into_owned()
}

fn nunchi(args: &[&str], stdin: &str) -> Output {
    nunchi_bytes(args, stdin.as_bytes())
}

fn nunchi_bytes(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nunchi"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("nunchi runs");
    // A command that fails before reading stdin closes it: a broken pipe here is expected.
    let _ = child.stdin.take().unwrap().write_all(stdin);
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    assert!(o.status.success(), "nunchi failed: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// Errors are one line on stderr, prefixed, with a non-zero exit.
fn assert_one_line_error(o: &Output, needle: &str) {
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "stderr: {err}");
    assert!(err.starts_with("nunchi: ") && err.contains(needle), "stderr: {err}");
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[test]
fn embed_prints_one_normalized_json_array_per_line() {
    let out = stdout(&nunchi(
        &["embed", "--model", &model("all-MiniLM-L6-v2-q8_0.gguf")],
        "A wonderful, moving film.\nA dull, lifeless film.\nA beautiful and touching movie.\n",
    ));
    let rows: Vec<Vec<f64>> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), 3);
    for r in &rows {
        assert_eq!(r.len(), 384);
        assert!((dot(r, r) - 1.0).abs() < 1e-4);
    }
    // The two positive reviews are closer to each other than to the negative one.
    assert!(dot(&rows[0], &rows[2]) > dot(&rows[0], &rows[1]));
}

#[test]
fn embed_from_a_hugging_face_folder_with_options() {
    let out = stdout(&nunchi(
        &["embed", "--model", &model("all-MiniLM-L6-v2"), "--quant", "f32", "--pooling", "cls", "--no-normalize"],
        "hello\n",
    ));
    let row: Vec<f64> = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(row.len(), 384);
    assert!((dot(&row, &row) - 1.0).abs() > 1e-2, "--no-normalize must not normalize");
}

#[test]
fn score_prints_a_json_object_of_log_probabilities() {
    let out = stdout(&nunchi(
        &[
            "score",
            "--model",
            &model("flan-t5-small-generated-q8_0.gguf"),
            "--prompt",
            "Is the following sentence positive or negative? a triumph",
            "--candidates",
            "positive,negative",
        ],
        "",
    ));
    let v: serde_json::Map<String, serde_json::Value> = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v.len(), 2);
    assert!(v["positive"].as_f64().unwrap() < 0.0 && v["negative"].as_f64().unwrap() < 0.0);
}

#[test]
fn generate_streams_text_and_a_seed_repeats_it() {
    let args = |seed: &str| -> Vec<String> {
        [
            "generate",
            "--model",
            &model("flan-t5-small-generated-tiny"),
            "--max-new-tokens",
            "8",
            "--temperature",
            "0.8",
            "--seed",
            seed,
            "Name this topic: refunds",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let run = |seed: &str| {
        let a = args(seed);
        let refs: Vec<&str> = a.iter().map(|s| s.as_str()).collect();
        let o = nunchi(&refs, "");
        assert!(String::from_utf8_lossy(&o.stderr).contains("test weights"), "test weights are announced");
        stdout(&o)
    };
    let first = run("7");
    assert!(!first.trim().is_empty());
    assert_eq!(first, run("7"));
}

#[test]
fn convert_writes_a_self_contained_gguf() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tiny-q8_0.gguf");
    let o = nunchi(
        &["convert", "--from", &model("flan-t5-small-generated-tiny"), "--quant", "q8_0", "--out", out.to_str().unwrap()],
        "",
    );
    stdout(&o);
    let info: serde_json::Value =
        serde_json::from_str(&stdout(&nunchi(&["info", "--model", out.to_str().unwrap()], ""))).unwrap();
    assert_eq!(info["architecture"], "t5");
    assert_eq!(info["test_weights"], true);
    assert_eq!(info["quant"], "q8_0");
}

#[test]
fn errors_are_one_line_with_a_non_zero_exit() {
    assert_one_line_error(&nunchi(&["embed", "--model", "/no/such/model.gguf"], "x\n"), "no model at");
    // A Hub id of an ONNX-only repository is refused before any download.
    assert_one_line_error(&nunchi(&["embed", "--model", "onnx-community/some-model-ONNX"], "x\n"), "ONNX");
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.gguf");
    std::fs::write(&junk, b"GGUF\x03\x00\x00\x00garbage").unwrap();
    assert_one_line_error(&nunchi(&["embed", "--model", junk.to_str().unwrap()], "x\n"), "GGUF");
    assert_one_line_error(
        &nunchi(&["convert", "--from", &model("all-MiniLM-L6-v2"), "--quant", "q3", "--out", "/tmp/x.gguf"], ""),
        "unknown quantization",
    );
    assert_one_line_error(
        &nunchi(&["embed", "--model", &model("all-MiniLM-L6-v2-q8_0.gguf"), "--pooling", "max"], "x\n"),
        "unknown pooling",
    );
    assert_one_line_error(&nunchi(&["generate", "--model", &model("all-MiniLM-L6-v2-q8_0.gguf"), "hi"], ""), "needs a T5 model");
}

/// An argument error from the parser: it names the option and why.
fn assert_argument_error(o: &Output, needle: &str) {
    assert_eq!(o.status.code(), Some(2), "stderr: {}", String::from_utf8_lossy(&o.stderr));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(needle), "stderr: {err}");
}

#[test]
fn counts_of_zero_are_refused_by_name() {
    let minilm = model("all-MiniLM-L6-v2-q8_0.gguf");
    assert_argument_error(
        &nunchi(&["embed", "--model", &minilm, "--batch-size", "0"], "x\n"),
        "invalid value '0' for '--batch-size <BATCH_SIZE>': must be at least 1",
    );
    assert_argument_error(
        &nunchi(&["cluster", "--model", &minilm, "--k-max", "1"], "x\n"),
        "'--k-max <K_MAX>': must be at least 2",
    );
}

#[test]
fn a_negative_temperature_reaches_the_samplers_check() {
    let t5 = model("flan-t5-small-generated-tiny");
    assert_one_line_error(
        &nunchi(&["generate", "--model", &t5, "--temperature", "-1", "hi"], ""),
        "temperature must be a number ≥ 0, got -1",
    );
    assert_one_line_error(
        &nunchi(&["generate", "--model", &t5, "--top-p", "-0.5", "hi"], ""),
        "top_p must be in (0, 1], got -0.5",
    );
}

/// Description and label errors name what is wrong before any model is opened
/// (the model path does not exist, so a later check would report that instead).
#[test]
fn descriptions_and_labels_are_checked_before_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let texts = dir.path().join("texts.txt");
    std::fs::write(&texts, "great\n").unwrap();
    let classify = |descriptions: &str| {
        let args =
            ["classify", "--model", "/no/such/model.gguf", "--labels", "positive,negative", "--descriptions", descriptions];
        nunchi(&[&args[..], &["--input", texts.to_str().unwrap()]].concat(), "")
    };
    assert_one_line_error(&classify("good=A good one|negative=A bad one"), "do not exist: good (the labels: positive, negative)");
    assert_one_line_error(&classify("positive=A good one|A bad one"), "mix the keyed form");
    assert_one_line_error(&classify("A good one|A bad one|Meh"), "3 descriptions for 2 labels");

    // A CSV numbers its labels by first appearance: a positional list is refused, naming that order.
    let csv = dir.path().join("reviews.csv");
    std::fs::write(&csv, "text,label\ngreat,positive\nawful,negative\nfine,positive\ndull,negative\n").unwrap();
    let eval = |descriptions: &str| {
        nunchi(
            &["eval", "--model", "/no/such/model.gguf", "--dataset", csv.to_str().unwrap(), "--descriptions", descriptions],
            "",
        )
    };
    let err = String::from_utf8_lossy(&eval("A bad one|A good one").stderr).into_owned();
    assert!(err.contains("in the order positive, negative; name each one, e.g. \"positive=…|negative=…\""), "stderr: {err}");
    let err = String::from_utf8_lossy(&eval("negative=A bad one").stderr).into_owned();
    assert!(err.contains("leave out these labels: positive"), "stderr: {err}");

    // train: one label (or too few texts for the folds) fails before embedding.
    let one_label = dir.path().join("one.csv");
    std::fs::write(&one_label, "text,label\ngreat,positive\nfine,positive\n").unwrap();
    let train = |input: &std::path::Path| {
        let out = dir.path().join("head.json");
        nunchi(
            &["train", "--model", "/no/such/model.gguf", "--input", input.to_str().unwrap(), "--out", out.to_str().unwrap()],
            "",
        )
    };
    assert_one_line_error(&train(&one_label), "need at least two labels");
    assert_one_line_error(&train(&csv), "label 'positive' has 2 examples, fewer than the 5 folds");
}

#[test]
fn invalid_utf8_on_stdin_is_replaced_with_one_warning_naming_the_lines() {
    let o = nunchi_bytes(
        &["embed", "--model", &model("all-MiniLM-L6-v2-q8_0.gguf")],
        b"a fine line\nbad \xff byte\r\nanother \xc3\x28 one\nfine again\n",
    );
    let rows: Vec<Vec<f64>> = stdout(&o).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), 4, "every line is embedded");
    let err = String::from_utf8_lossy(&o.stderr);
    let warnings: Vec<&str> = err.lines().filter(|l| l.contains("not UTF-8")).collect();
    assert_eq!(warnings.len(), 1, "stderr: {err}");
    assert!(warnings[0].starts_with("nunchi: warning: stdin lines 2, 3 held bytes"), "stderr: {err}");
}
