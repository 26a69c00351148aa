//! Saved topic models in the page: placing new texts, merging topics, and
//! topic trends over time (`nunchi_tasks::topics`, `nunchi_tasks::trends`).
//! Models cross the boundary as their JSON text, checked on every call.

use nunchi_tasks::topics::index_after_merge;
use nunchi_tasks::trends::{topic_trends, Period};
use nunchi_tasks::TopicModel;
use wasm_bindgen::prelude::*;

use crate::errors::to_js;
use crate::tasks::{rows, to_js_value};

fn read(model: &str) -> Result<TopicModel, JsValue> {
    TopicModel::from_json(model).map_err(to_js)
}

/// The model, checked: an `E_INPUT` error for anything not a whole topic model.
#[wasm_bindgen(js_name = checkTopicModel)]
pub fn check_topic_model(model: &str) -> Result<JsValue, JsValue> {
    to_js_value(&read(model)?)
}

/// What to call each topic: the user's label, else its title, else keywords.
#[wasm_bindgen(js_name = topicNames)]
pub fn topic_names(model: &str) -> Result<Vec<String>, JsValue> {
    Ok(read(model)?.topics.iter().map(|t| t.name()).collect())
}

/// `[{ topic, isNew, distance }]` for each embedding (row-major, `dim` wide);
/// `radiusScale` defaults to the tasks' own.
#[wasm_bindgen(js_name = placeInTopics)]
pub fn place_in_topics(model: &str, data: &[f32], dim: usize, radius_scale: Option<f32>) -> Result<JsValue, JsValue> {
    let scale = radius_scale.unwrap_or(nunchi_tasks::topics::DEFAULT_RADIUS_SCALE);
    to_js_value(&read(model)?.assign(rows(data, dim)?, scale).map_err(to_js)?)
}

/// Refuses an encoder other than the topics were made with (name and dimension).
#[wasm_bindgen(js_name = checkTopicEncoder)]
pub fn check_topic_encoder(model: &str, name: &str, dim: usize) -> Result<(), JsValue> {
    read(model)?.check_encoder(name, dim).map_err(to_js)
}

/// Whether every date reads (`YYYY-MM-DD`), before any embedding.
#[wasm_bindgen(js_name = checkDates)]
pub fn check_dates_js(dates: Vec<String>) -> Result<(), JsValue> {
    nunchi_tasks::trends::check_dates(&dates.iter().map(String::as_str).collect::<Vec<_>>()).map_err(to_js)
}

/// The model with topic `from` folded into topic `into`.
#[wasm_bindgen(js_name = mergeTopics)]
pub fn merge_topics(model: &str, into: usize, from: usize) -> Result<JsValue, JsValue> {
    let mut m = read(model)?;
    m.merge(into, from).map_err(to_js)?;
    to_js_value(&m)
}

/// Each text's topic after `mergeTopics(model, into, from)` (-1 stays "none"),
/// by the rule the merge itself follows.
#[wasm_bindgen(js_name = topicsAfterMerge)]
pub fn topics_after_merge(topics: &[i32], into: usize, from: usize) -> Vec<i32> {
    topics
        .iter()
        .map(|&t| match usize::try_from(t) {
            Ok(t) => i32::try_from(index_after_merge(into, from, t)).unwrap_or(-1),
            Err(_) => -1,
        })
        .collect()
}

/// `{ period, periods, sizes, other, sentiment }`: texts per topic and
/// period. `topics[i]` is text i's topic, or -1 for none; `positive`, when
/// given, each text's probability of being positive.
#[wasm_bindgen(js_name = topicTrends)]
pub fn topic_trends_js(
    topics: &[i32],
    topic_count: usize,
    dates: Vec<String>,
    period: &str,
    positive: Option<Vec<f32>>,
) -> Result<JsValue, JsValue> {
    let topics: Vec<Option<usize>> = topics.iter().map(|&t| usize::try_from(t).ok()).collect();
    let dates: Vec<&str> = dates.iter().map(String::as_str).collect();
    let period = Period::parse(period).map_err(to_js)?;
    to_js_value(&topic_trends(&topics, topic_count, &dates, period, positive.as_deref()).map_err(to_js)?)
}
