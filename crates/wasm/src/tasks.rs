//! The analysis tasks' numeric parts, over embeddings and scores the package's
//! JavaScript gathers from any model (main thread or Worker client).

use nunchi_models::Pooling;
use nunchi_tasks::classify::Predictions;
use nunchi_tasks::cluster::{cluster, title_prompt, ClusterOptions};
use nunchi_tasks::head::{cross_validate, Classifier as HeadClassifier, HeadKind, TrainingSet};
use nunchi_tasks::{metrics, Rows, ZeroShot};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::errors::{input, to_js};

/// Plain JS objects and arrays (maps as objects), as the package documents them.
pub(crate) fn to_js_value(value: &impl Serialize) -> Result<JsValue, JsValue> {
    let serializer = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true).serialize_missing_as_null(true);
    value.serialize(&serializer).map_err(|e| input(format!("cannot convert the result: {e}")))
}

pub(crate) fn rows(data: &[f32], dim: usize) -> Result<Rows<'_>, JsValue> {
    Rows::new(data, dim).map_err(to_js)
}

fn indices(values: &[u32]) -> Vec<usize> {
    values.iter().map(|&v| v as usize).collect()
}

/// `{ labels, best: number[], probabilities: Float32Array }` (n × labels).
fn predictions_object(p: &Predictions) -> Result<JsValue, JsValue> {
    let o = js_sys::Object::new();
    let labels: js_sys::Array = p.labels.iter().map(|l| JsValue::from(l.as_str())).collect();
    crate::errors::set(&o, "labels", labels);
    crate::errors::set(&o, "best", js_sys::Uint32Array::from(p.best.iter().map(|&b| b as u32).collect::<Vec<_>>().as_slice()));
    crate::errors::set(&o, "probabilities", js_sys::Float32Array::from(p.probabilities.as_slice()));
    Ok(o.into())
}

/// Zero-shot by label embeddings: cosine of each text to each label's
/// description, softmaxed with `temperature`.
#[wasm_bindgen(js_name = zeroShotPredict)]
pub fn zero_shot_predict(
    labels: Vec<String>,
    label_data: &[f32],
    text_data: &[f32],
    dim: usize,
    temperature: f32,
) -> Result<JsValue, JsValue> {
    let zs = ZeroShot::new(labels, rows(label_data, dim)?, temperature).map_err(to_js)?;
    predictions_object(&zs.predict(rows(text_data, dim)?).map_err(to_js)?)
}

/// One description per label, in `labels`' order, from an object's keys and
/// values (`{ positive: 'A very positive review', … }`): every label once.
#[wasm_bindgen(js_name = describeLabels)]
pub fn describe_labels(keys: Vec<String>, descriptions: Vec<String>, labels: Vec<String>) -> Result<Vec<String>, JsValue> {
    let pairs: Vec<(&str, &str)> = keys.iter().map(String::as_str).zip(descriptions.iter().map(String::as_str)).collect();
    nunchi_tasks::descriptions_by_label(&pairs, &labels).map_err(to_js)
}

/// `{ language, share, counts, english, unsure }`: the language of a set of texts, by rule.
#[wasm_bindgen(js_name = detectLanguage)]
pub fn detect_language(texts: Vec<String>) -> Result<JsValue, JsValue> {
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    to_js_value(&nunchi_tasks::language::detect_language(&refs))
}

/// `{ language, reads, advice? }`: whether an encoder whose vocabulary reads
/// `scripts` (its `info.scripts`) suits `texts`, and what to do when not.
#[wasm_bindgen(js_name = encoderFit)]
pub fn encoder_fit(texts: Vec<String>, scripts: Vec<String>, model: &str) -> Result<JsValue, JsValue> {
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let scripts: Vec<&str> = scripts.iter().map(String::as_str).collect();
    to_js_value(&nunchi_tasks::language::encoder_fit(&refs, &scripts, model))
}

/// How the tasks embed `texts` (the one rule `embed_all` follows natively):
/// `{ batches: Uint32Array[], pooling, normalize }`, the batches as indices
/// into `texts`, shortest first; `defaultPooling` is the model's own;
/// `batchSize` 0 means the tasks' default.
#[wasm_bindgen(js_name = taskEmbedPlan)]
pub fn task_embed_plan(texts: Vec<String>, default_pooling: &str, batch_size: usize) -> Result<JsValue, JsValue> {
    let opts = nunchi_tasks::classify::task_options_for(Pooling::parse(default_pooling).map_err(to_js)?);
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let batches: js_sys::Array = nunchi_tasks::classify::embed_batches(
        &refs,
        if batch_size == 0 { nunchi_tasks::classify::EMBED_BATCH } else { batch_size },
    )
    .iter()
    .map(|b| js_sys::Uint32Array::from(b.iter().map(|&i| i as u32).collect::<Vec<_>>().as_slice()))
    .collect();
    let o = js_sys::Object::new();
    crate::errors::set(&o, "batches", batches);
    crate::errors::set(&o, "pooling", opts.pooling.name());
    crate::errors::set(&o, "normalize", opts.normalize);
    Ok(o.into())
}

/// Per-text label scores (n × labels) turned into predictions by a softmax.
#[wasm_bindgen(js_name = predictFromScores)]
pub fn predict_from_scores(labels: Vec<String>, scores: Vec<f32>, temperature: f32) -> Result<JsValue, JsValue> {
    nunchi_tasks::classify::check_labels(&labels).map_err(to_js)?;
    if !scores.len().is_multiple_of(labels.len()) {
        return Err(input(format!("{} scores do not fit {} labels", scores.len(), labels.len())));
    }
    predictions_object(&Predictions::from_scores(labels, scores, temperature))
}

/// A fine-tuned model's own probabilities (n × labels, from its
/// `classify`) as predictions: each text's best label, the first on ties, as
/// `nunchi_tasks::classify_with_model` picks it.
#[wasm_bindgen(js_name = predictFromProbabilities)]
pub fn predict_from_probabilities(labels: Vec<String>, probabilities: Vec<f32>) -> Result<JsValue, JsValue> {
    if labels.is_empty() || !probabilities.len().is_multiple_of(labels.len()) {
        return Err(input(format!("{} probabilities do not fit {} labels", probabilities.len(), labels.len())));
    }
    let best = probabilities.chunks_exact(labels.len()).map(nunchi_engine::vector::argmax).collect();
    predictions_object(&Predictions { labels, best, probabilities })
}

/// scikit-learn's classification report and confusion matrix.
#[wasm_bindgen(js_name = classificationReport)]
pub fn classification_report(labels: Vec<String>, truth: &[u32], predicted: &[u32]) -> Result<JsValue, JsValue> {
    let report = metrics::evaluate(&labels, &indices(truth), &indices(predicted)).map_err(to_js)?;
    let value = to_js_value(&report)?;
    crate::errors::set(value.unchecked_ref(), "text", report.to_text());
    Ok(value)
}

/// A few-shot head trained on the user's labelled embeddings.
#[wasm_bindgen]
pub struct Classifier {
    inner: HeadClassifier,
}

#[wasm_bindgen]
impl Classifier {
    pub fn train(
        model: String,
        data: &[f32],
        dim: usize,
        y: &[u32],
        labels: Vec<String>,
        head: &str,
    ) -> Result<Classifier, JsValue> {
        let kind = HeadKind::parse(head).map_err(to_js)?;
        let y = indices(y);
        let set = TrainingSet { x: rows(data, dim)?, y: &y, labels: &labels };
        Ok(Classifier { inner: HeadClassifier::train(&model, set, kind).map_err(to_js)? })
    }

    /// k-fold cross-validation of a head: `{ folds, fold_accuracy, mean_accuracy, report }`.
    #[wasm_bindgen(js_name = crossValidate)]
    pub fn cross_validate(
        data: &[f32],
        dim: usize,
        y: &[u32],
        labels: Vec<String>,
        head: &str,
        folds: usize,
        seed: u32,
    ) -> Result<JsValue, JsValue> {
        let kind = HeadKind::parse(head).map_err(to_js)?;
        let y = indices(y);
        let set = TrainingSet { x: rows(data, dim)?, y: &y, labels: &labels };
        to_js_value(&cross_validate(set, kind, folds, seed.into()).map_err(to_js)?)
    }

    pub fn predict(&self, data: &[f32]) -> Result<JsValue, JsValue> {
        predictions_object(&self.inner.predict(rows(data, self.inner.dim)?).map_err(to_js)?)
    }

    #[wasm_bindgen(js_name = toJSON)]
    pub fn to_json(&self) -> String {
        self.inner.to_json()
    }

    #[wasm_bindgen(js_name = fromJSON)]
    pub fn from_json(json: &str) -> Result<Classifier, JsValue> {
        Ok(Classifier { inner: HeadClassifier::from_json(json).map_err(to_js)? })
    }

    #[wasm_bindgen(getter)]
    pub fn labels(&self) -> Vec<String> {
        self.inner.labels.clone()
    }

    #[wasm_bindgen(getter)]
    pub fn model(&self) -> String {
        self.inner.model.clone()
    }

    #[wasm_bindgen(getter)]
    pub fn dim(&self) -> usize {
        self.inner.dim
    }

    #[wasm_bindgen(getter)]
    pub fn head(&self) -> String {
        let kind = self.inner.kind();
        nunchi_tasks::head::HEAD_NAMES.iter().find(|(_, k)| *k == kind).map(|(n, _)| n.to_string()).unwrap_or_default()
    }
}

/// Clusters embeddings of `texts`: `{ k, kScores, kClose, clusters, other,
/// assignments, points, timings, model }`; `positive`, when given, is each
/// text's probability of being positive, averaged per cluster.
#[wasm_bindgen(js_name = clusterEmbeddings)]
#[allow(clippy::too_many_arguments)] // the wasm boundary: pkg/tasks.js passes the options positionally
pub fn cluster_embeddings(
    texts: Vec<String>,
    data: &[f32],
    dim: usize,
    k: Option<usize>,
    k_min: usize,
    k_max: usize,
    min_cluster_size: Option<usize>,
    seed: u32,
    encoder: String,
    prefix: String,
    positive: Option<Vec<f32>>,
) -> Result<JsValue, JsValue> {
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let opts = ClusterOptions {
        k,
        k_range: (k_min, k_max),
        seed: seed.into(),
        min_cluster_size,
        encoder,
        prefix,
        ..ClusterOptions::default()
    };
    let clock = js_sys::Date::now;
    let mut report = cluster(&refs, rows(data, dim)?, &opts, &clock).map_err(to_js)?;
    if let Some(positive) = positive {
        report.set_sentiment(&positive).map_err(to_js)?;
    }
    to_js_value(&report)
}

/// Whether `k` clusters can be made from `n` texts (checked before embedding).
#[wasm_bindgen(js_name = checkClusterCount)]
pub fn check_cluster_count(k: usize, n: usize) -> Result<(), JsValue> {
    nunchi_tasks::kmeans::check_k(k, n).map_err(to_js)
}

/// The negative and positive descriptions clustering scores sentiment by.
#[wasm_bindgen(js_name = sentimentDescriptions)]
pub fn sentiment_descriptions() -> Vec<String> {
    nunchi_tasks::cluster::SENTIMENT_DESCRIPTIONS.map(String::from).to_vec()
}

/// Each text's probability of being positive, from the embeddings of a
/// negative and a positive description.
#[wasm_bindgen(js_name = positiveProbability)]
pub fn positive_probability(description_data: &[f32], text_data: &[f32], dim: usize) -> Result<Vec<f32>, JsValue> {
    nunchi_tasks::cluster::positive_probability(rows(description_data, dim)?, rows(text_data, dim)?).map_err(to_js)
}

/// The prompt that asks a text-to-text model to title a cluster.
#[wasm_bindgen(js_name = titlePrompt)]
pub fn title_prompt_js(representatives: Vec<String>) -> String {
    let refs: Vec<&str> = representatives.iter().map(String::as_str).collect();
    title_prompt(&refs)
}
