//! The task subcommands classify and train (cluster and assign: `topics`).

use std::path::Path;
use std::time::Instant;

use nunchi_engine::{CpuBackend, Error, Quant, Result};
use nunchi_models::{SentenceEncoder, Text2Text, TextClassifier};
use nunchi_tasks::classify::{check_labels, DEFAULT_TEMPLATE, DEFAULT_ZERO_SHOT_TEMPERATURE};
use nunchi_tasks::language::{encoder_fit, vocabulary_scripts};
use nunchi_tasks::{
    check_training_plan, classify_with_model, default_prefix, embed_all, match_descriptions, Classifier, HeadKind, LabelOrder,
    Predictions, PromptClassifier, Rows, TrainingSet, ZeroShot,
};

use nunchi_train::{fine_tune_model, FineTuneOptions};

use crate::source;
use crate::table::{csv_error, csv_writer, read_labelled, read_texts, split_list};

/// Embeds the texts a task runs on, with a progress line, after warning on
/// stderr when the encoder's vocabulary does not suit their language (Korean
/// texts and all-MiniLM-L6-v2): the rule is `nunchi_tasks::language`'s.
pub fn embed_texts(encoder: &SentenceEncoder<CpuBackend>, texts: &[&str], prefix: &str) -> Result<Vec<f32>> {
    let scripts = vocabulary_scripts(&encoder.tokenizer().pieces());
    if let Some(advice) = encoder_fit(texts, &scripts, &encoder.meta().name).advice {
        eprintln!("nunchi: warning: {advice}");
    }
    embed_all(encoder, texts, prefix, &mut progress_line("embedded"))
}

/// Prints `label: done/total` on one stderr line, rewritten in place.
pub fn progress_line(label: &'static str) -> impl FnMut(usize, usize) -> Result<()> {
    let started = std::time::Instant::now();
    move |done, total| {
        let elapsed = started.elapsed().as_secs_f64();
        // The rate so far gives the time left, once there is a second of it to go by.
        let left = if elapsed >= 1.0 && done > 0 && done < total {
            format!(", {} left", duration_words(elapsed / done as f64 * (total - done) as f64))
        } else {
            String::new()
        };
        // Padded, so a shorter line covers the last one.
        eprint!("\r{:<48}", format!("{label}: {done}/{total}{left}"));
        if done == total {
            eprintln!();
        }
        Ok(())
    }
}

/// "40 s", "3 min", "1 h 05 min": how long a job has left, to the nearest useful unit.
fn duration_words(seconds: f64) -> String {
    let s = seconds.round().max(1.0) as u64;
    match s {
        0..90 => format!("{s} s"),
        90..5400 => format!("{} min", (s + 30) / 60),
        _ => format!("{} h {:02} min", s / 3600, (s % 3600) / 60),
    }
}

pub fn load_encoder(model: &str, quant: &str) -> Result<SentenceEncoder<CpuBackend>> {
    SentenceEncoder::load(CpuBackend::new(), source::open(model, quant)?)
}

pub fn load_task_model(model: &str, quant: &str) -> Result<TextClassifier<CpuBackend>> {
    let classifier = TextClassifier::load(CpuBackend::new(), source::open(model, quant)?)?;
    if classifier.encoder().meta().test_weights {
        eprintln!("nunchi: note: {model} holds generated test weights; its labels are not meaningful");
    }
    Ok(classifier)
}

pub fn load_text2text(model: &str, quant: &str) -> Result<Text2Text<CpuBackend>> {
    let t5 = Text2Text::load(CpuBackend::new(), source::open(model, quant)?)?;
    if t5.meta().test_weights {
        eprintln!("nunchi: note: {model} holds generated test weights; its answers are not meaningful");
    }
    Ok(t5)
}

pub struct ClassifyArgs<'a> {
    pub model: &'a str,
    pub quant: &'a str,
    pub method: &'a str,
    pub labels: Option<&'a str>,
    pub descriptions: Option<&'a str>,
    pub template: Option<&'a str>,
    pub head: Option<&'a Path>,
    pub input: Option<&'a Path>,
    pub column: &'a str,
    pub output: Option<&'a Path>,
    /// Overrides the model's query prefix.
    pub prefix: Option<&'a str>,
}

/// The methods `classify` takes, validated against this table.
pub const METHODS: &[&str] = &["zero-shot", "prompt", "head", "model"];

pub fn classify(a: ClassifyArgs) -> Result<()> {
    if !METHODS.contains(&a.method) {
        return Err(Error::input(format!("unknown method '{}' (expected one of {})", a.method, METHODS.join(", "))));
    }
    let labels = a.labels.map(|l| split_list(l, ',')).unwrap_or_default();
    // Checked before the texts and the model are read, so a typo fails at once.
    let descriptions = zero_shot_descriptions(a.method, a.descriptions, &labels)?;
    let texts = read_texts(a.input, a.column)?;
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let predictions = match a.method {
        "prompt" => {
            let classifier = PromptClassifier::new(a.template.unwrap_or(DEFAULT_TEMPLATE), labels)?;
            classifier.classify(&load_text2text(a.model, a.quant)?, &refs, &mut progress_line("classified"))?
        }
        "model" => {
            if !labels.is_empty() {
                return Err(Error::input("--method model classifies into the model's own labels: leave out --labels"));
            }
            classify_with_model(&load_task_model(a.model, a.quant)?, &refs, &mut progress_line("classified"))?
        }
        "zero-shot" => {
            let encoder = load_encoder(a.model, a.quant)?;
            let prefix = a.prefix.unwrap_or(default_prefix(&encoder));
            let zero_shot = ZeroShot::from_encoder(&encoder, labels, &descriptions, DEFAULT_ZERO_SHOT_TEMPERATURE, prefix)?;
            let x = embed_texts(&encoder, &refs, prefix)?;
            zero_shot.predict(Rows::new(&x, encoder.dim())?)?
        }
        _ => {
            let path = a.head.ok_or_else(|| Error::input("--method head needs --head FILE (from `nunchi train`)"))?;
            let json = std::fs::read_to_string(path).map_err(|e| Error::input(format!("{}: {e}", path.display())))?;
            let head = Classifier::from_json(&json)?;
            let encoder = load_encoder(a.model, a.quant)?;
            let prefix = a.prefix.unwrap_or(default_prefix(&encoder));
            let x = embed_texts(&encoder, &refs, prefix)?;
            head.predict(Rows::new(&x, encoder.dim())?)?
        }
    };
    write_predictions(&texts, &predictions, a.output)
}

/// Zero-shot's description of each `--labels` label: `--descriptions` (keyed,
/// or positional in the order of `--labels`), or the labels themselves. The
/// other methods take no descriptions (an empty list).
fn zero_shot_descriptions(method: &str, given: Option<&str>, labels: &[String]) -> Result<Vec<String>> {
    if method != "zero-shot" {
        return match given {
            Some(_) => Err(Error::input(format!("--descriptions is for --method zero-shot, not {method}"))),
            None => Ok(Vec::new()),
        };
    }
    check_labels(labels)?;
    match given {
        Some(d) => match_descriptions(d, labels, LabelOrder::Given),
        None => Ok(labels.to_vec()),
    }
}

/// CSV: text, label, then the probability of each label.
fn write_predictions(texts: &[String], p: &Predictions, output: Option<&Path>) -> Result<()> {
    let mut w = csv_writer(output)?;
    let mut header = vec!["text".to_string(), "label".to_string()];
    header.extend(p.labels.iter().map(|l| format!("p({l})")));
    w.write_record(&header).map_err(csv_error)?;
    for (i, text) in texts.iter().enumerate() {
        let mut record = vec![text.clone(), p.label(i).to_string()];
        record.extend(p.probabilities_of(i).iter().map(|v| format!("{v:.4}")));
        w.write_record(&record).map_err(csv_error)?;
    }
    w.flush()?;
    Ok(())
}

pub struct TrainArgs<'a> {
    pub model: &'a str,
    pub quant: &'a str,
    pub input: &'a Path,
    pub text_column: &'a str,
    pub label_column: &'a str,
    pub head: &'a str,
    pub folds: usize,
    pub out: &'a Path,
    pub prefix: Option<&'a str>,
    /// Where to save the encoder fine-tuned on the labels, if it is to be.
    pub finetune: Option<&'a Path>,
    /// Fine-tuning's pairs per text.
    pub iterations: usize,
}

/// Trains a few-shot head on a labelled CSV (after fine-tuning the encoder on
/// it, with `--finetune`), reports cross-validated accuracy, saves it.
pub fn train(a: TrainArgs) -> Result<()> {
    let kind = HeadKind::parse(a.head)?;
    let data = read_labelled(a.input, a.text_column, a.label_column)?;
    // The tuned encoder has seen every row: cross-validating its head would flatter it.
    let folds = (a.folds > 0 && a.finetune.is_none()).then_some(a.folds);
    // What training and cross-validation need of the labels, before minutes of embedding.
    check_training_plan(&data.labels, &data.names, folds).map_err(|e| e.context(a.input.display()))?;
    let refs: Vec<&str> = data.texts.iter().map(String::as_str).collect();
    let encoder = match a.finetune {
        Some(path) => {
            let named: Vec<&str> = data.labels.iter().map(|&i| data.names[i].as_str()).collect();
            fine_tuned_encoder(&a, &refs, &named, path)?
        }
        None => load_encoder(a.model, a.quant)?,
    };
    let prefix = a.prefix.unwrap_or(default_prefix(&encoder));
    let x = embed_texts(&encoder, &refs, prefix)?;
    let set = TrainingSet { x: Rows::new(&x, encoder.dim())?, y: &data.labels, labels: &data.names };
    if let Some(folds) = folds {
        let cv = nunchi_tasks::cross_validate(set, kind, folds, 20261125)?;
        eprintln!("{}-fold cross-validation: mean accuracy {:.3}", cv.folds, cv.mean_accuracy);
        eprintln!("{}", cv.report.to_text());
    }
    let started = Instant::now();
    let head = Classifier::train(&encoder.meta().name, set, kind)?;
    std::fs::write(a.out, head.to_json())?;
    eprintln!(
        "trained a {} head on {} texts, {} labels in {:.2} s; saved to {}",
        a.head,
        data.texts.len(),
        data.names.len(),
        started.elapsed().as_secs_f64(),
        a.out.display()
    );
    Ok(())
}

/// Fine-tunes the encoder of `a.model` (loaded in f32) on the labelled texts,
/// saves it to `out` as GGUF in `a.quant`, and returns it ready to embed.
fn fine_tuned_encoder(a: &TrainArgs, texts: &[&str], labels: &[&str], out: &Path) -> Result<SentenceEncoder<CpuBackend>> {
    let file = source::open(a.model, "f32")?;
    let prefix = a.prefix.unwrap_or(&file.meta.prefixes.query).to_string();
    let opts = FineTuneOptions { num_iterations: a.iterations, ..FineTuneOptions::default() };
    let mut progress = progress_line("fine-tuning steps");
    let started = Instant::now();
    let quant = Quant::parse(a.quant)?;
    let (tuned, report) = fine_tune_model(&file, texts, labels, &prefix, quant, &opts, |step, total, _| {
        let _ = progress(step, total);
    })?;
    let mut w = std::io::BufWriter::new(std::fs::File::create(out).map_err(|e| Error::input(format!("{}: {e}", out.display())))?);
    tuned.write_gguf(&mut w)?;
    let (first, last) = (report.losses.first().copied().unwrap_or(0.0), report.losses.last().copied().unwrap_or(0.0));
    eprintln!(
        "fine-tuned {} on {} pairs in {} steps ({:.1} s; loss {first:.4} → {last:.4}); saved to {}",
        file.meta.name,
        report.pairs,
        report.steps,
        started.elapsed().as_secs_f64(),
        out.display()
    );
    SentenceEncoder::load(CpuBackend::new(), tuned)
}

#[cfg(test)]
mod tests {
    use super::duration_words;

    #[test]
    fn time_left_reads_in_seconds_minutes_then_hours() {
        assert_eq!(duration_words(0.2), "1 s");
        assert_eq!(duration_words(89.4), "89 s");
        assert_eq!(duration_words(150.0), "3 min");
        assert_eq!(duration_words(5399.0), "90 min");
        assert_eq!(duration_words(3.0 * 3600.0 + 5.0 * 60.0), "3 h 05 min");
    }
}
