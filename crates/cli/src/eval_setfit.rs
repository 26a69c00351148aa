//! `nunchi eval`'s `setfit-N` method: SetFit on N texts per label, the same
//! sample `head-N` trains its head on. The encoder (loaded in f32) is
//! fine-tuned on that sample's pairs, stored in `--quant` as it would be
//! saved, and a logistic head is trained on its embeddings of the sample;
//! the test texts are embedded by the tuned encoder.

use nunchi_engine::{CpuBackend, Error, Quant, Result};
use nunchi_models::SentenceEncoder;
use nunchi_tasks::datasets::Labelled;
use nunchi_tasks::folds::per_class_sample;
use nunchi_tasks::{embed_all, Classifier, HeadKind, Rows, TrainingSet};
use nunchi_train::{fine_tune_model, FineTuneOptions};

use crate::source;
use crate::tasks::progress_line;

/// `setfit-N`'s predictions for the test texts and its training texts' count.
pub fn setfit_method(
    model: &str,
    quant: &str,
    prefix: Option<&str>,
    iterations: usize,
    n: &str,
    (train, test): (&Labelled, &Labelled),
    seed: u64,
) -> Result<(Vec<usize>, usize)> {
    let per_label: usize =
        n.parse().map_err(|_| Error::input(format!("unknown method 'setfit-{n}' (setfit-N: N texts per label)")))?;
    let classes = train.label_names.len();
    let indices = per_class_sample(&train.labels, classes, per_label, seed)?;
    let texts: Vec<&str> = indices.iter().map(|&i| train.texts[i].as_str()).collect();
    let y: Vec<usize> = indices.iter().map(|&i| train.labels[i]).collect();
    let names: Vec<&str> = y.iter().map(|&l| train.label_names[l].as_str()).collect();

    let file = source::open(model, "f32")?;
    let prefix = prefix.unwrap_or(&file.meta.prefixes.query).to_string();
    let opts = FineTuneOptions { num_iterations: iterations, seed, ..FineTuneOptions::default() };
    let mut progress = progress_line("fine-tuning steps");
    let (tuned, report) = fine_tune_model(&file, &texts, &names, &prefix, Quant::parse(quant)?, &opts, |step, total, _| {
        let _ = progress(step, total);
    })?;
    eprintln!("setfit-{n}: {} pairs, {} steps", report.pairs, report.steps);
    let encoder = SentenceEncoder::load(CpuBackend::new(), tuned)?;
    let sample_x = embed_all(&encoder, &texts, &prefix, &mut progress_line("embedded train"))?;
    let test_refs: Vec<&str> = test.texts.iter().map(String::as_str).collect();
    let test_x = embed_all(&encoder, &test_refs, &prefix, &mut progress_line("embedded test"))?;
    let dim = encoder.dim();
    let set = TrainingSet { x: Rows::new(&sample_x, dim)?, y: &y, labels: &train.label_names };
    let head = Classifier::train(&encoder.meta().name, set, HeadKind::Logistic)?;
    Ok((head.predict(Rows::new(&test_x, dim)?)?.best, indices.len()))
}
