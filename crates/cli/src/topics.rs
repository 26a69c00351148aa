//! `nunchi cluster` (find topics, optionally save them) and `nunchi assign`
//! (put new texts into saved topics), both with topic trends over time when
//! the input has a date column.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use nunchi_engine::{CpuBackend, Error, Result};
use nunchi_models::{GenerateOptions, SentenceEncoder};
use nunchi_tasks::cluster::{title_prompt, StageTiming, SENTIMENT_DESCRIPTIONS};
use nunchi_tasks::kmeans::check_k;
use nunchi_tasks::topics::DEFAULT_RADIUS_SCALE;
use nunchi_tasks::trends::{topic_trends, Period, Trends};
use nunchi_tasks::{cluster, default_prefix, embed_all, ClusterOptions, Rows, TopicModel};

use crate::table::{csv_error, csv_writer, read_dated_texts, read_texts};
use crate::tasks::{embed_texts, load_encoder, load_text2text};
use crate::text_input::{io_error, read_file_lossy};

/// Where the texts come from, and their dates when trends are asked for.
pub struct TextSource<'a> {
    pub input: Option<&'a Path>,
    pub column: &'a str,
    pub date_column: Option<&'a str>,
    pub period: &'a str,
    /// The trends as CSV (one row per topic and period).
    pub trends: Option<&'a Path>,
}

impl TextSource<'_> {
    /// Texts and (with a date column) their dates, after checking the options.
    fn read(&self) -> Result<(Vec<String>, Option<Vec<String>>, Period)> {
        let period = Period::parse(self.period)?;
        if self.trends.is_some() && self.date_column.is_none() {
            return Err(Error::input("--trends needs --date-column: the column holding each text's date"));
        }
        Ok(match self.date_column {
            Some(dates) => {
                let (texts, dates) = read_dated_texts(self.input, self.column, dates)?;
                (texts, Some(dates), period)
            }
            None => (read_texts(self.input, self.column)?, None, period),
        })
    }
}

pub struct ClusterArgs<'a> {
    pub model: &'a str,
    pub quant: &'a str,
    pub t5: Option<&'a str>,
    pub k: Option<usize>,
    pub k_max: usize,
    pub source: TextSource<'a>,
    pub format: &'a str,
    pub output: Option<&'a Path>,
    pub prefix: Option<&'a str>,
    pub sentiment: bool,
    /// Where to save the topic model (JSON), for `assign` later.
    pub save: Option<&'a Path>,
}

pub fn cluster_texts(a: ClusterArgs) -> Result<()> {
    if !["json", "csv"].contains(&a.format) {
        return Err(Error::input(format!("unknown format '{}' (expected json or csv)", a.format)));
    }
    let (texts, dates, period) = a.source.read()?;
    if let Some(k) = a.k {
        check_k(k, texts.len())?;
    }
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let started = Instant::now();
    let clock = move || started.elapsed().as_secs_f64() * 1e3;
    let encoder = load_encoder(a.model, a.quant)?;
    let load_ms = clock();
    let prefix = a.prefix.unwrap_or(default_prefix(&encoder));
    let x = embed_texts(&encoder, &refs, prefix)?;
    let embed_ms = clock() - load_ms;
    let opts = ClusterOptions {
        k: a.k,
        k_range: (2, a.k_max),
        encoder: encoder.meta().name.clone(),
        prefix: prefix.to_string(),
        ..ClusterOptions::default()
    };
    let rows = Rows::new(&x, encoder.dim())?;
    let mut report = cluster(&refs, rows, &opts, &clock)?;
    report.timings.insert(0, stage("embed", embed_ms));
    report.timings.insert(0, stage("load model", load_ms));
    let positive = if a.sentiment {
        let before = clock();
        let positive = positive_probability(&encoder, rows, prefix)?;
        report.set_sentiment(&positive)?;
        report.timings.push(stage("sentiment", clock() - before));
        Some(positive)
    } else {
        None
    };
    if let Some(t5) = a.t5 {
        let before = clock();
        let t5 = load_text2text(t5, a.quant)?;
        let opts = GenerateOptions { max_new_tokens: 12, ..GenerateOptions::default() };
        for i in 0..report.clusters.len() {
            let reps: Vec<&str> = report.clusters[i].representatives.iter().map(|&j| refs[j]).collect();
            let title = t5.generate(&title_prompt(&reps), &opts, |_| nunchi_models::Flow::Continue)?.text;
            report.set_title(i, title.trim())?;
        }
        report.timings.push(stage("titles", clock() - before));
    }
    let trends = match &dates {
        Some(dates) => Some(trends_of(&report.assignments, &report.model, dates, period, positive.as_deref())?),
        None => None,
    };
    for t in &report.timings {
        eprintln!("{:>16}: {:8.1} ms", t.stage, t.ms);
    }
    if let Some(path) = a.save {
        std::fs::write(path, report.model.to_json()).map_err(|e| io_error(path.display(), e))?;
        eprintln!("nunchi: saved {} topics to {}", report.model.topics.len(), path.display());
    }
    write_trends_csv(a.source.trends, trends.as_ref(), &report.model)?;
    match a.format {
        "json" => {
            let mut value = serde_json::to_value(&report).map_err(|e| Error::backend(e.to_string()))?;
            value["texts"] = serde_json::json!(texts);
            if let Some(t) = &trends {
                value["trends"] = serde_json::to_value(t).map_err(|e| Error::backend(e.to_string()))?;
            }
            write_output(a.output, &value)
        }
        _ => {
            let mut w = csv_writer(a.output)?;
            w.write_record(["text", "cluster", "title", "keywords", "x", "y"]).map_err(csv_error)?;
            for (i, text) in texts.iter().enumerate() {
                let (id, title, keywords) = match report.assignments[i] {
                    Some(ci) => {
                        let c = &report.clusters[ci];
                        let words: Vec<&str> = c.keywords.iter().map(|k| k.term.as_str()).collect();
                        (ci.to_string(), c.title.clone().unwrap_or_default(), words.join(" "))
                    }
                    None => ("other".to_string(), String::new(), String::new()),
                };
                let [x, y] = report.points[i];
                w.write_record([text.clone(), id, title, keywords, format!("{x:.4}"), format!("{y:.4}")]).map_err(csv_error)?;
            }
            w.flush()?;
            Ok(())
        }
    }
}

pub struct AssignArgs<'a> {
    pub model: &'a str,
    pub quant: &'a str,
    pub topics: &'a Path,
    pub source: TextSource<'a>,
    /// Default [`DEFAULT_RADIUS_SCALE`].
    pub radius_scale: Option<f32>,
    pub output: Option<&'a Path>,
    pub sentiment: bool,
}

/// Puts texts into saved topics: a CSV of text, topic index, topic name,
/// distance, and whether the text is new (unlike every topic).
pub fn assign_texts(a: AssignArgs) -> Result<()> {
    let model = TopicModel::from_json(&read_file_lossy(a.topics)?)
        .map_err(|e| Error::input(format!("{}: {}", a.topics.display(), e.message())))?;
    let (texts, dates, period) = a.source.read()?;
    let encoder = load_encoder(a.model, a.quant)?;
    model
        .check_encoder(&encoder.meta().name, encoder.dim())
        .map_err(|e| Error::input(format!("{}: {}", a.topics.display(), e.message())))?;
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let x = embed_texts(&encoder, &refs, &model.prefix)?;
    let rows = Rows::new(&x, encoder.dim())?;
    let placed = model.assign(rows, a.radius_scale.unwrap_or(DEFAULT_RADIUS_SCALE))?;
    let new = placed.iter().filter(|p| p.is_new).count();
    eprintln!("nunchi: {} texts: {} in topics, {new} new", texts.len(), placed.iter().filter(|p| p.topic.is_some()).count());
    if let Some(dates) = &dates {
        let positive = if a.sentiment { Some(positive_probability(&encoder, rows, &model.prefix)?) } else { None };
        let topics: Vec<Option<usize>> = placed.iter().map(|p| p.topic).collect();
        let trends = trends_of(&topics, &model, dates, period, positive.as_deref())?;
        write_trends_csv(a.source.trends, Some(&trends), &model)?;
    }
    let mut w = csv_writer(a.output)?;
    w.write_record(["text", "topic", "name", "distance", "new"]).map_err(csv_error)?;
    for (text, p) in texts.iter().zip(&placed) {
        let (id, name) = match p.topic {
            Some(t) => (t.to_string(), model.topics[t].name()),
            None if p.is_new => ("new".to_string(), String::new()),
            None => ("other".to_string(), String::new()),
        };
        w.write_record([text.clone(), id, name, format!("{:.4}", p.distance), p.is_new.to_string()]).map_err(csv_error)?;
    }
    w.flush()?;
    Ok(())
}

/// Each text's probability of being positive, by zero-shot sentiment.
fn positive_probability(encoder: &SentenceEncoder<CpuBackend>, x: Rows, prefix: &str) -> Result<Vec<f32>> {
    let described = embed_all(encoder, &SENTIMENT_DESCRIPTIONS, prefix, &mut |_, _| Ok(()))?;
    nunchi_tasks::cluster::positive_probability(Rows::new(&described, encoder.dim())?, x)
}

fn trends_of(
    topics: &[Option<usize>],
    model: &TopicModel,
    dates: &[String],
    period: Period,
    positive: Option<&[f32]>,
) -> Result<Trends> {
    let dates: Vec<&str> = dates.iter().map(String::as_str).collect();
    topic_trends(topics, model.topics.len(), &dates, period, positive)
}

/// One row per topic and period: period, topic, name, texts, mean sentiment.
fn write_trends_csv(path: Option<&Path>, trends: Option<&Trends>, model: &TopicModel) -> Result<()> {
    let (Some(path), Some(t)) = (path, trends) else { return Ok(()) };
    let mut w = csv_writer(Some(path))?;
    w.write_record(["period", "topic", "name", "texts", "sentiment"]).map_err(csv_error)?;
    for (ti, sizes) in t.sizes.iter().enumerate() {
        for (pi, &size) in sizes.iter().enumerate() {
            let sentiment = t.sentiment.as_ref().and_then(|s| s[ti][pi]).map(|v| format!("{v:.4}")).unwrap_or_default();
            let row = [t.periods[pi].clone(), ti.to_string(), model.topics[ti].name(), size.to_string(), sentiment];
            w.write_record(row).map_err(csv_error)?;
        }
    }
    for (pi, &size) in t.other.iter().enumerate() {
        let row = [t.periods[pi].clone(), "other".into(), String::new(), size.to_string(), String::new()];
        w.write_record(row).map_err(csv_error)?;
    }
    w.flush()?;
    Ok(())
}

fn write_output(path: Option<&Path>, value: &serde_json::Value) -> Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(|e| Error::backend(e.to_string()))?;
    match path {
        Some(p) => std::fs::write(p, text).map_err(|e| io_error(p.display(), e)),
        None => Ok(writeln!(std::io::stdout(), "{text}")?),
    }
}

fn stage(name: &str, ms: f64) -> StageTiming {
    StageTiming { stage: name.to_string(), ms }
}
