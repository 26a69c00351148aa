//! `nunchi eval-topics`: how well clustering recovers a labelled dataset's
//! labels (adjusted Rand index and NMI, as scikit-learn defines them), with k
//! given (the number of labels) at 1, 3 and 10 restarts, and with k chosen by
//! the silhouette among candidates. A built-in dataset is clustered on its
//! test split; a CSV of the user's, whole.

use std::path::Path;
use std::time::Instant;

use nunchi_engine::{Error, Result};
use nunchi_tasks::agreement::{adjusted_rand_index, normalized_mutual_info};
use nunchi_tasks::datasets::{Labelled, Split};
use nunchi_tasks::kmeans::{choose_k_among, kmeans, KMeansOptions};
use nunchi_tasks::rows::l2_normalized;
use nunchi_tasks::{default_prefix, embed_all, Rows};
use serde::Serialize;

use crate::eval::resolve;
use crate::tasks::{load_encoder, progress_line};

pub struct EvalTopicsArgs<'a> {
    pub model: &'a str,
    pub quant: &'a str,
    pub dataset: &'a str,
    pub data: &'a Path,
    /// `LO:HI:STEP`, the ks the silhouette chooses among.
    pub k_range: Option<&'a str>,
    pub prefix: Option<&'a str>,
    pub json: Option<&'a Path>,
}

#[derive(Serialize)]
struct Row {
    k: usize,
    how: String,
    restarts: usize,
    ari: f64,
    nmi: f64,
    ms: f64,
}

/// Seeds each configuration runs with; the table shows their mean.
const SEEDS: u64 = 5;

/// `LO:HI:STEP`, or around the number of labels: from a quarter to one and a half times it.
fn candidates(spec: Option<&str>, labels: usize) -> Result<Vec<usize>> {
    let (lo, hi, step) = match spec {
        Some(s) => {
            let parts: Vec<usize> = s
                .split(':')
                .map(|p| p.trim().parse::<usize>())
                .collect::<std::result::Result<_, _>>()
                .map_err(|_| Error::input(format!("--k-range '{s}': expected LO:HI:STEP, whole numbers")))?;
            match parts[..] {
                [lo, hi, step] if lo >= 2 && hi >= lo && step >= 1 => (lo, hi, step),
                _ => return Err(Error::input(format!("--k-range '{s}': expected LO:HI:STEP with 2 <= LO <= HI and STEP >= 1"))),
            }
        }
        None => ((labels / 4).max(2), (labels * 3 / 2).max(3), (labels / 8).max(1)),
    };
    Ok((lo..=hi).step_by(step).collect())
}

/// Both sides of a split, train first.
fn whole(split: Split) -> Labelled {
    let mut all = split.train;
    all.texts.extend(split.test.texts);
    all.labels.extend(split.test.labels);
    all
}

pub fn eval_topics(a: EvalTopicsArgs) -> Result<()> {
    let (spec, name, path) = resolve(a.dataset, a.data)?;
    let split = (spec.load)(&path)?;
    let test = if spec.name == "csv" { whole(split) } else { split.test };
    let labels = test.label_names.len();
    let ks = candidates(a.k_range, labels)?;
    eprintln!("{name}: {} texts, {labels} labels; k chosen among {ks:?}", test.texts.len());
    let encoder = load_encoder(a.model, a.quant)?;
    let prefix = a.prefix.unwrap_or(default_prefix(&encoder)).to_string();
    let refs: Vec<&str> = test.texts.iter().map(String::as_str).collect();
    let x = embed_all(&encoder, &refs, &prefix, &mut progress_line("embedded"))?;
    let normalized = l2_normalized(Rows::new(&x, encoder.dim())?);
    let x = Rows::new(&normalized, encoder.dim())?;
    let score = |k: usize, restarts: usize, how: &str| -> Result<Row> {
        let started = Instant::now();
        let (mut ari, mut nmi) = (0.0, 0.0);
        for seed in 0..SEEDS {
            let km = kmeans(x, &KMeansOptions { restarts, ..KMeansOptions::new(k, seed) })?;
            ari += adjusted_rand_index(&test.labels, &km.assignments)?;
            nmi += normalized_mutual_info(&test.labels, &km.assignments)?;
        }
        let ms = started.elapsed().as_secs_f64() * 1e3 / SEEDS as f64;
        Ok(Row { k, how: how.to_string(), restarts, ari: ari / SEEDS as f64, nmi: nmi / SEEDS as f64, ms })
    };
    let mut rows = Vec::new();
    for restarts in [1, 3, 10] {
        rows.push(score(labels, restarts, "given")?);
    }
    let started = Instant::now();
    let choice = choose_k_among(x, &ks, 0)?;
    eprintln!("silhouette chose k = {} in {:.1} s (close: {:?})", choice.k, started.elapsed().as_secs_f64(), choice.close);
    rows.push(score(choice.k, KMeansOptions::default().restarts, "chosen")?);

    println!("| dataset | k | k by | restarts | ARI | NMI | k-means ms |");
    println!("|---|---:|---|---:|---:|---:|---:|");
    for r in &rows {
        println!("| {name} | {} | {} | {} | {:.3} | {:.3} | {:.0} |", r.k, r.how, r.restarts, r.ari, r.nmi, r.ms);
    }
    if let Some(path) = a.json {
        let value = serde_json::json!({
            "dataset": name, "model": a.model, "quant": a.quant, "texts": test.texts.len(), "labels": labels,
            "seeds": SEEDS, "candidates": ks, "silhouette": choice.scores, "close": choice.close, "results": rows,
        });
        std::fs::write(path, serde_json::to_string_pretty(&value).map_err(|e| Error::backend(e.to_string()))?)?;
    }
    Ok(())
}
