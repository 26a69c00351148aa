//! Topic models that outlive the page: what `cluster` found, saved as JSON,
//! and used later to put new texts into the same topics (BERTopic's
//! `transform`), after the user has renamed or merged topics by hand.
//!
//! A topic keeps the k-means centroid(s) of its texts and each centroid's
//! radius: the farthest member's squared distance when the topic was made.
//! A new text goes to the topic of its nearest centroid if it lies within that
//! radius (times `radius_scale`); otherwise it is *new*, unlike anything the
//! topics were made from. Clusters too small to report keep their centroids
//! as *other*, so texts near them stay "other", as they were when clustered.
//! Distances are between L2-normalized embeddings, as k-means used.
//! Merging two topics keeps both centroids, so a merged topic covers exactly
//! the texts either covered.

use nunchi_engine::{Error, Result};
use serde::{Deserialize, Serialize};

use crate::keywords::Keyword;
use crate::kmeans::nearest_centroids;
use crate::rows::{l2_normalized, Rows};

/// The saved form's version; readers refuse other versions.
pub const TOPIC_MODEL_FORMAT: u32 = 1;

/// How far past its farthest member a topic reaches by default. Measured on
/// the feedback fixture (tests/quality.rs): at 1.1, 2–3% of held-out messages
/// of the topics' own intents come out new, and 92–97% of movie reviews
/// (texts from elsewhere); at 1.0, up to 6% and 99%; at 1.3, none and 25–55%.
pub const DEFAULT_RADIUS_SCALE: f32 = 1.1;

/// Radii are stored this much larger than measured, so that the farthest
/// member, embedded again in another batch (last-bit differences), stays in.
const RADIUS_MARGIN: f32 = 1e-3;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Centroid {
    /// The mean of the member texts' normalized embeddings.
    pub values: Vec<f32>,
    /// The farthest member's squared distance to `values`.
    pub radius: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Topic {
    /// The user's name for the topic; `None` until they give one.
    pub label: Option<String>,
    /// A generated title, when a text-to-text model titled the topic.
    pub title: Option<String>,
    pub keywords: Vec<Keyword>,
    /// A few of the most central texts, to show what the topic holds.
    pub representatives: Vec<String>,
    /// Texts in the topic when it was made.
    pub size: usize,
    /// Mean probability of the positive class, when sentiment was scored.
    pub sentiment: Option<f32>,
    pub centroids: Vec<Centroid>,
}

impl Topic {
    /// What to call the topic: the user's label, else the title, else its
    /// first three keywords.
    pub fn name(&self) -> String {
        if let Some(label) = self.label.as_ref().or(self.title.as_ref()).filter(|s| !s.trim().is_empty()) {
            return label.clone();
        }
        let words: Vec<&str> = self.keywords.iter().take(3).map(|k| k.term.as_str()).collect();
        words.join(", ")
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TopicModel {
    pub format: u32,
    /// The encoder the centroids were computed with.
    pub model: String,
    /// The prefix the texts were embedded with (e5's "query: "); new texts get it too.
    pub prefix: String,
    pub dim: usize,
    pub topics: Vec<Topic>,
    /// Centroids of clusters too small to report: texts nearest them are "other".
    pub other: Vec<Centroid>,
}

/// Where one text landed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Placement {
    /// Its topic's index; `None` when it is "other" or new.
    pub topic: Option<usize>,
    /// Past the radius of its nearest centroid: unlike any topic.
    pub is_new: bool,
    /// Squared distance to the nearest centroid (0 … 4 for unit vectors).
    pub distance: f32,
}

impl Centroid {
    /// The centroid of the rows `members` of `x` (normalized embeddings)
    /// given its k-means mean, with the radius those rows reach.
    pub(crate) fn of_members(x: Rows, members: &[usize], values: &[f32]) -> Self {
        let mut radius = 0.0f32;
        let mut nearest = vec![0; members.len()];
        let mut dist = vec![0.0; members.len()];
        let rows: Vec<f32> = members.iter().flat_map(|&i| x.row(i).iter().copied()).collect();
        if let Ok(rows) = Rows::new(&rows, x.dim()) {
            nearest_centroids(rows, values, 1, &mut nearest, &mut dist);
            radius = dist.iter().copied().fold(0.0, f32::max);
        }
        Self { values: values.to_vec(), radius: radius * (1.0 + RADIUS_MARGIN) }
    }
}

impl TopicModel {
    /// Places each embedding (any pooling; normalized here) in a topic.
    /// `radius_scale` widens (> 1) or narrows (< 1) every topic's reach
    /// ([`DEFAULT_RADIUS_SCALE`] by default; at 1 or more the texts a topic
    /// was made from all stay in it).
    pub fn assign(&self, embeddings: Rows, radius_scale: f32) -> Result<Vec<Placement>> {
        if embeddings.dim() != self.dim {
            return Err(Error::input(format!(
                "embeddings have {} dimensions but these topics were made with {} ({}): use the same encoder",
                embeddings.dim(),
                self.dim,
                self.model
            )));
        }
        if !(radius_scale.is_finite() && radius_scale > 0.0) {
            return Err(Error::input(format!("radius scale must be a positive number, got {radius_scale}")));
        }
        // One list of centroids: each topic's, then "other"'s (owner None).
        let mut owners = Vec::new();
        let mut values = Vec::new();
        for (t, topic) in self.topics.iter().enumerate() {
            for c in &topic.centroids {
                owners.push((Some(t), c.radius));
                values.extend_from_slice(&c.values);
            }
        }
        for c in &self.other {
            owners.push((None, c.radius));
            values.extend_from_slice(&c.values);
        }
        if owners.is_empty() {
            return Err(Error::input("this topic model has no topics"));
        }
        let normalized = l2_normalized(embeddings);
        let x = Rows::new(&normalized, self.dim)?;
        let mut nearest = vec![0; x.len()];
        let mut dist = vec![0.0; x.len()];
        nearest_centroids(x, &values, owners.len(), &mut nearest, &mut dist);
        Ok(nearest
            .iter()
            .zip(&dist)
            .map(|(&c, &distance)| {
                let (owner, radius) = owners[c];
                let is_new = distance > radius * radius_scale;
                Placement { topic: if is_new { None } else { owner }, is_new, distance }
            })
            .collect())
    }

    /// Folds topic `from` into topic `into` (which keeps its label and title):
    /// both centroids, summed sizes, keywords and representatives of both, the
    /// size-weighted sentiment. Topics after `from` move down by one.
    pub fn merge(&mut self, into: usize, from: usize) -> Result<()> {
        let n = self.topics.len();
        if into >= n || from >= n || into == from {
            return Err(Error::input(format!(
                "cannot merge topic {from} into topic {into}: give two different topics below {n}"
            )));
        }
        let absorbed = self.topics.remove(from);
        let target = &mut self.topics[index_after_merge(into, from, into)];
        let total = target.size + absorbed.size;
        target.sentiment = match (target.sentiment, absorbed.sentiment) {
            (Some(a), Some(b)) if total > 0 => Some((a * target.size as f32 + b * absorbed.size as f32) / total as f32),
            (a, b) => a.or(b),
        };
        let keep_keywords = target.keywords.len().max(absorbed.keywords.len());
        let mut keywords = std::mem::take(&mut target.keywords);
        keywords.extend(absorbed.keywords);
        keywords.sort_by(|a, b| b.weight.total_cmp(&a.weight));
        let mut seen = std::collections::HashSet::new();
        keywords.retain(|k| seen.insert(k.term.clone()));
        keywords.truncate(keep_keywords);
        target.keywords = keywords;
        let keep_reps = target.representatives.len().max(absorbed.representatives.len());
        let mut reps = std::mem::take(&mut target.representatives);
        reps.extend(absorbed.representatives);
        reps.truncate(keep_reps);
        target.representatives = reps;
        target.size = total;
        target.centroids.extend(absorbed.centroids);
        Ok(())
    }

    /// Refuses embeddings from another encoder than the topics were made with
    /// (by name when both are known, and by dimension).
    pub fn check_encoder(&self, name: &str, dim: usize) -> Result<()> {
        let other_name = !name.is_empty() && !self.model.is_empty() && name != self.model;
        if other_name || dim != self.dim {
            return Err(Error::input(format!(
                "these topics were made with {} ({} dimensions), not {} ({dim}): use the same encoder",
                if self.model.is_empty() { "another encoder" } else { &self.model },
                self.dim,
                if name.is_empty() { "this encoder" } else { name }
            )));
        }
        Ok(())
    }

    pub fn to_json(&self) -> String {
        // Serializing plain numbers and strings cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads saved topics, checking they are whole and consistent before use.
    pub fn from_json(json: &str) -> Result<Self> {
        let m: TopicModel =
            serde_json::from_str(json).map_err(|e| Error::input(format!("not a saved nunchi topic model: {e}")))?;
        if m.format != TOPIC_MODEL_FORMAT {
            return Err(Error::input(format!(
                "saved topic model format {} is not supported (this version reads {TOPIC_MODEL_FORMAT})",
                m.format
            )));
        }
        let centroids = m.topics.iter().flat_map(|t| &t.centroids).chain(&m.other);
        let whole = m.dim > 0
            && m.topics.iter().all(|t| !t.centroids.is_empty())
            && centroids.clone().all(|c| c.values.len() == m.dim && c.values.iter().all(|v| v.is_finite()) && c.radius >= 0.0);
        if !whole || m.topics.is_empty() {
            return Err(Error::input("saved topic model is inconsistent: every topic needs centroids of the model's dimension"));
        }
        Ok(m)
    }
}

/// Where topic `topic` is after [`TopicModel::merge`]`(into, from)`: `from`'s
/// texts join `into`, and the topics after `from` move down by one. Callers
/// keep their own per-text topic lists in step with the model by this rule.
pub fn index_after_merge(into: usize, from: usize, topic: usize) -> usize {
    let topic = if topic == from { into } else { topic };
    if topic > from {
        topic - 1
    } else {
        topic
    }
}
