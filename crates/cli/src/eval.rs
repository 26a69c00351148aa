//! `nunchi eval`: every classification method on a labelled dataset, with
//! scikit-learn-style reports, on the deterministic splits of `datasets`.

use std::path::Path;
use std::time::Instant;

use nunchi_engine::{CpuBackend, Error, Result};
use nunchi_models::SentenceEncoder;
use nunchi_tasks::classify::DEFAULT_ZERO_SHOT_TEMPERATURE;
use nunchi_tasks::datasets::{self, Labelled, Split};
use nunchi_tasks::folds::per_class_sample;
use nunchi_tasks::head::gather_rows;
use nunchi_tasks::metrics::{evaluate, Report};
use nunchi_tasks::{
    classify_with_model, default_prefix, embed_all, match_descriptions, Classifier, HeadKind, LabelMap, LabelOrder,
    PromptClassifier, Rows, TrainingSet, ZeroShot,
};
use serde::Serialize;

use crate::source;
use crate::tasks::progress_line;
use crate::text_input::read_file_lossy;

/// A dataset `eval` knows: where it lives under the data folder, how to
/// describe its labels for zero-shot, and which methods to run by default.
pub(crate) struct DatasetSpec {
    pub(crate) name: &'static str,
    folder: &'static str,
    pub(crate) load: fn(&Path) -> Result<Split>,
    /// Zero-shot label descriptions; `{label}` is the label made readable.
    description: &'static str,
    default_methods: &'static str,
    prompt: Option<&'static str>,
    /// Built-in sets number their labels in a fixed, documented order; a
    /// user's CSV numbers them by first appearance, which `--descriptions`
    /// must not rely on.
    label_order: LabelOrder,
}

const DATASETS: &[DatasetSpec] = &[
    DatasetSpec {
        name: "mr",
        folder: "mr_polarity",
        load: datasets::movie_reviews,
        description: "A very {label} movie review",
        default_methods: "zero-shot,head-8,head-32,head-100,head-full,prompt",
        prompt: Some("Is the following sentence positive or negative? {text}"),
        label_order: LabelOrder::Given,
    },
    DatasetSpec {
        name: "banking77",
        folder: "banking77",
        load: datasets::banking77,
        description: "{label}",
        default_methods: "zero-shot,head-10,head-full",
        prompt: None,
        label_order: LabelOrder::Given,
    },
    DatasetSpec {
        name: "nsmc",
        folder: "nsmc",
        load: datasets::nsmc,
        description: "A very {label} movie review",
        default_methods: "zero-shot,head-100,head-full",
        prompt: Some("Is the following movie review positive or negative? {text}"),
        label_order: LabelOrder::Given,
    },
];

/// A labelled CSV of the user's own, given as `--dataset my-file.csv`.
const CSV_DATASET: DatasetSpec = DatasetSpec {
    name: "csv",
    folder: "",
    load: load_user_csv,
    description: "{label}",
    default_methods: "zero-shot,head-full",
    prompt: None,
    label_order: LabelOrder::FromData,
};

/// The user's labelled CSV, read like every other text the CLI reads.
fn load_user_csv(path: &Path) -> Result<Split> {
    datasets::labelled_csv_text(&read_file_lossy(path)?, path)
}

/// The dataset `--dataset` names, its display name and the path its loader reads.
pub(crate) fn resolve(dataset: &str, data: &Path) -> Result<(&'static DatasetSpec, String, std::path::PathBuf)> {
    let path = Path::new(dataset);
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")) {
        let name = path.file_name().map_or(dataset.to_string(), |n| n.to_string_lossy().into_owned());
        return Ok((&CSV_DATASET, name, path.to_path_buf()));
    }
    let spec = DATASETS.iter().find(|d| d.name == dataset).ok_or_else(|| {
        let names: Vec<&str> = DATASETS.iter().map(|d| d.name).collect();
        Error::input(format!("unknown dataset '{dataset}' (expected one of {}, or a labelled .csv file)", names.join(", ")))
    })?;
    Ok((spec, spec.name.to_string(), data.join(spec.folder)))
}

pub struct EvalArgs<'a> {
    pub model: &'a str,
    pub quant: &'a str,
    pub t5: Option<&'a str>,
    pub dataset: &'a str,
    pub data: &'a Path,
    pub methods: Option<&'a str>,
    /// The model method's `MODEL=DATASET` label pairs.
    pub label_map: Option<&'a str>,
    /// Test texts per label (a seeded sample), to keep a run short.
    pub test_per_label: Option<usize>,
    /// Cap on training texts per label for `head-full`.
    pub train_per_label: Option<usize>,
    pub json: Option<&'a Path>,
    /// Overrides the model's query prefix.
    pub prefix: Option<&'a str>,
    /// Zero-shot descriptions, '|'-separated: `label=description` items, or
    /// one per label in a built-in dataset's label order.
    pub descriptions: Option<&'a str>,
    /// `setfit-N`'s pairs per text.
    pub iterations: usize,
}

#[derive(Serialize)]
struct MethodResult {
    method: String,
    train_texts: usize,
    report: Report,
    ms: f64,
}

const SEED: u64 = 20261125;

/// `card_arrival` → `card arrival`: zero-shot compares meanings, not identifiers.
fn readable(label: &str) -> String {
    label.replace(['_', '-'], " ")
}

/// Zero-shot's description of each label: `--descriptions`, matched to the
/// labels, or the dataset's template.
fn zero_shot_descriptions(given: Option<&str>, spec: &DatasetSpec, labels: &[String]) -> Result<Vec<String>> {
    match given {
        Some(d) => match_descriptions(d, labels, spec.label_order),
        None => Ok(labels.iter().map(|l| spec.description.replace("{label}", &readable(l))).collect()),
    }
}

fn subset(data: &Labelled, indices: &[usize]) -> Labelled {
    Labelled {
        texts: indices.iter().map(|&i| data.texts[i].clone()).collect(),
        labels: indices.iter().map(|&i| data.labels[i]).collect(),
        label_names: data.label_names.clone(),
    }
}

pub fn eval(a: EvalArgs) -> Result<()> {
    let (spec, name, path) = resolve(a.dataset, a.data)?;
    let methods: Vec<String> = crate::table::split_list(a.methods.unwrap_or(spec.default_methods), ',');
    let split = (spec.load)(&path)?;
    let classes = split.train.label_names.len();
    let test = match a.test_per_label {
        Some(n) => subset(&split.test, &per_class_sample(&split.test.labels, classes, n, SEED)?),
        None => split.test,
    };
    let train = match a.train_per_label {
        Some(n) => subset(&split.train, &per_class_sample(&split.train.labels, classes, n, SEED)?),
        None => split.train,
    };
    eprintln!("{name}: {} train, {} test texts, {classes} labels", train.texts.len(), test.texts.len());
    // Checked before any model is loaded: a mistyped label fails in milliseconds.
    let descriptions = zero_shot_descriptions(a.descriptions, spec, &test.label_names)?;

    // Zero-shot and the heads embed with --model; the model method runs it whole.
    let shared = match methods.iter().any(|m| m == "zero-shot" || m.starts_with("head-")) {
        true => Some(Embedded::new(&a, &methods, &train, &test, classes)?),
        false => None,
    };
    let embedded = || shared.as_ref().ok_or_else(|| Error::backend("no embeddings for this method"));

    let mut results = Vec::new();
    let mut report_labels: Option<Vec<String>> = None;
    for method in &methods {
        let started = Instant::now();
        let (predicted, train_texts) = match method.as_str() {
            "zero-shot" => {
                let Embedded { encoder, prefix, test_x, .. } = embedded()?;
                let labels = test.label_names.clone();
                let zs = ZeroShot::from_encoder(encoder, labels, &descriptions, DEFAULT_ZERO_SHOT_TEMPERATURE, prefix)?;
                (zs.predict(Rows::new(test_x, encoder.dim())?)?.best, 0)
            }
            "model" => {
                let model = crate::tasks::load_task_model(a.model, a.quant)?;
                let map = LabelMap::new(a.label_map, model.labels(), &test.label_names)?;
                let refs: Vec<&str> = test.texts.iter().map(String::as_str).collect();
                let predictions = classify_with_model(&model, &refs, &mut progress_line("classified"))?;
                let (labels, predicted) = map.apply(&predictions, &test.label_names);
                report_labels = Some(labels);
                (predicted, 0)
            }
            "prompt" => {
                let (Some(t5), Some(template)) = (a.t5, spec.prompt) else {
                    eprintln!("skipping prompt: it needs --t5 and a dataset with a prompt");
                    continue;
                };
                let t5 = nunchi_models::Text2Text::load(CpuBackend::new(), source::open(t5, a.quant)?)?;
                let labels: Vec<String> = test.label_names.iter().map(|l| readable(l)).collect();
                let refs: Vec<&str> = test.texts.iter().map(String::as_str).collect();
                let p = PromptClassifier::new(template, labels)?.classify(&t5, &refs, &mut progress_line("prompted"))?;
                (p.best, 0)
            }
            m if m.starts_with("head-") => {
                let Embedded { encoder, test_x, train_x, row_of, head_indices, .. } = embedded()?;
                let dim = encoder.dim();
                let indices = &head_indices[&m["head-".len()..]];
                let rows: Vec<usize> = indices.iter().map(|i| row_of[i]).collect();
                let x = gather_rows(Rows::new(train_x, dim)?, &rows);
                let y: Vec<usize> = indices.iter().map(|&i| train.labels[i]).collect();
                let set = TrainingSet { x: Rows::new(&x, dim)?, y: &y, labels: &train.label_names };
                let head = Classifier::train(&encoder.meta().name, set, HeadKind::Logistic)?;
                (head.predict(Rows::new(test_x, dim)?)?.best, indices.len())
            }
            m if m.starts_with("setfit-") => crate::eval_setfit::setfit_method(
                a.model,
                a.quant,
                a.prefix,
                a.iterations,
                &m["setfit-".len()..],
                (&train, &test),
                SEED,
            )?,
            other => {
                return Err(Error::input(format!(
                    "unknown method '{other}' (expected zero-shot, prompt, head-N, head-full, setfit-N or model)"
                )))
            }
        };
        // The model method may add labels only its predictions have (misses).
        let labels = report_labels.take().unwrap_or_else(|| test.label_names.clone());
        let report = evaluate(&labels, &test.labels, &predicted)?;
        let ms = started.elapsed().as_secs_f64() * 1e3;
        println!("## {name} · {method} ({train_texts} training texts)\n{}", report.to_text());
        results.push(MethodResult { method: method.clone(), train_texts, report, ms });
    }
    println!("| dataset | method | training texts | accuracy | weighted F1 | macro F1 |");
    println!("|---|---|---:|---:|---:|---:|");
    for r in &results {
        println!(
            "| {name} | {} | {} | {:.3} | {:.3} | {:.3} |",
            r.method, r.train_texts, r.report.accuracy, r.report.weighted_avg.f1, r.report.macro_avg.f1
        );
    }
    if let Some(path) = a.json {
        let value = serde_json::json!({ "dataset": name, "model": a.model, "quant": a.quant, "test_texts": test.texts.len(), "results": results });
        std::fs::write(path, serde_json::to_string_pretty(&value).map_err(|e| Error::backend(e.to_string()))?)?;
    }
    Ok(())
}

/// The embeddings zero-shot and the heads share: the test texts, and the
/// training texts some head needs (head-8 needs 16, not 9,594), each once.
struct Embedded {
    encoder: SentenceEncoder<CpuBackend>,
    prefix: String,
    test_x: Vec<f32>,
    train_x: Vec<f32>,
    /// Training text index → its row in `train_x`.
    row_of: std::collections::HashMap<usize, usize>,
    /// `head-N`'s `N` (or `full`) → the training texts it trains on.
    head_indices: std::collections::BTreeMap<String, Vec<usize>>,
}

impl Embedded {
    fn new(a: &EvalArgs, methods: &[String], train: &Labelled, test: &Labelled, classes: usize) -> Result<Self> {
        // The heads' samples first: a bad head-N fails before the model loads.
        let mut head_indices = std::collections::BTreeMap::new();
        for m in methods.iter().filter_map(|m| m.strip_prefix("head-")) {
            let indices: Vec<usize> = if m == "full" {
                (0..train.texts.len()).collect()
            } else {
                let n: usize = m
                    .parse()
                    .map_err(|_| Error::input(format!("unknown method 'head-{m}' (head-N or head-full, N texts per label)")))?;
                per_class_sample(&train.labels, classes, n, SEED)?
            };
            head_indices.insert(m.to_string(), indices);
        }
        let encoder = SentenceEncoder::load(CpuBackend::new(), source::open(a.model, a.quant)?)?;
        let prefix = a.prefix.unwrap_or(default_prefix(&encoder)).to_string();
        if !prefix.is_empty() {
            eprintln!("prefix before every text: {prefix:?}");
        }
        let embed = |texts: &[String], what: &'static str| -> Result<Vec<f32>> {
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            embed_all(&encoder, &refs, &prefix, &mut progress_line(what))
        };
        let test_x = embed(&test.texts, "embedded test")?;
        let mut needed: Vec<usize> = head_indices.values().flatten().copied().collect();
        needed.sort_unstable();
        needed.dedup();
        let row_of = needed.iter().enumerate().map(|(row, &i)| (i, row)).collect();
        let needed_texts: Vec<String> = needed.iter().map(|&i| train.texts[i].clone()).collect();
        let train_x = if needed.is_empty() { Vec::new() } else { embed(&needed_texts, "embedded train")? };
        Ok(Self { encoder, prefix, test_x, train_x, row_of, head_indices })
    }
}
