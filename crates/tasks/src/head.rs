//! Few-shot heads: a small classifier trained in seconds on the user's own
//! labelled texts, over the encoder's normalized embeddings, saved as JSON.

use nunchi_engine::{Error, Result};
use serde::{Deserialize, Serialize};

use crate::centroid::NearestCentroid;
use crate::classify::{check_labels, Predictions};
use crate::folds::{check_fold_count, class_short_of_folds, stratified_k_fold};
use crate::logistic::{LogisticOptions, LogisticRegression};
use crate::metrics::{evaluate, Report};
use crate::rows::{l2_normalized, Rows};

/// Which head to train, by its option name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HeadKind {
    /// Multinomial logistic regression with an L2 penalty (C = 1).
    Logistic,
    /// Cosine to each class's mean vector.
    NearestCentroid,
}

pub const HEAD_NAMES: &[(&str, HeadKind)] = &[("logistic", HeadKind::Logistic), ("nearest-centroid", HeadKind::NearestCentroid)];

impl HeadKind {
    pub fn parse(name: &str) -> Result<Self> {
        HEAD_NAMES.iter().find(|(n, _)| *n == name).map(|(_, k)| *k).ok_or_else(|| {
            let names: Vec<&str> = HEAD_NAMES.iter().map(|(n, _)| *n).collect();
            Error::input(format!("unknown classifier head '{name}' (expected one of {})", names.join(", ")))
        })
    }
}

/// Probabilities from nearest-centroid cosines use the same sharpness as zero-shot.
const CENTROID_TEMPERATURE: f32 = crate::classify::DEFAULT_ZERO_SHOT_TEMPERATURE;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
enum Head {
    Logistic(LogisticRegression),
    NearestCentroid(NearestCentroid),
}

/// The saved form's version: bump when the JSON layout changes.
pub const CLASSIFIER_FORMAT: u32 = 1;

/// A trained head with its labels and the encoder it was trained on.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Classifier {
    format: u32,
    /// The encoder's name: a head only makes sense on that model's vectors.
    pub model: String,
    pub labels: Vec<String>,
    pub dim: usize,
    head: Head,
}

/// Labelled embeddings: `y[i]` indexes `labels` for row `i` of `x`.
#[derive(Debug, Clone, Copy)]
pub struct TrainingSet<'a> {
    pub x: Rows<'a>,
    pub y: &'a [usize],
    pub labels: &'a [String],
}

impl TrainingSet<'_> {
    /// The examples line up and are labelled well; returns the examples per label.
    fn check(&self) -> Result<Vec<usize>> {
        if self.x.len() != self.y.len() {
            return Err(Error::input(format!("{} embeddings for {} labels", self.x.len(), self.y.len())));
        }
        check_labelled(self.y, self.labels)
    }
}

/// The checks on labelled examples that need no embeddings: valid, distinct
/// labels (at least two), label indices in range, and an example of every
/// label. Returns the number of examples of each label.
pub fn check_labelled(y: &[usize], labels: &[String]) -> Result<Vec<usize>> {
    check_labels(labels)?;
    if let Some(&bad) = y.iter().find(|&&y| y >= labels.len()) {
        return Err(Error::input(format!("label index {bad} is out of range for {} labels", labels.len())));
    }
    let mut counts = vec![0usize; labels.len()];
    y.iter().for_each(|&y| counts[y] += 1);
    if let Some(empty) = counts.iter().position(|&c| c == 0) {
        return Err(Error::input(format!("label '{}' has no examples", labels[empty])));
    }
    Ok(counts)
}

/// What training a head (after `folds`-fold cross-validation, if any) will
/// require of the labels, checked up front: callers run it before embedding
/// the texts, so a file that cannot be trained on fails at once.
pub fn check_training_plan(y: &[usize], labels: &[String], folds: Option<usize>) -> Result<()> {
    let counts = check_labelled(y, labels)?;
    match folds {
        Some(k) => check_folds(&counts, labels, k),
        None => Ok(()),
    }
}

/// `k` folds are possible, and every label has at least `k` examples (`counts`).
fn check_folds(counts: &[usize], labels: &[String], k: usize) -> Result<()> {
    check_fold_count(k)?;
    if let Some((short, n)) = class_short_of_folds(counts, k) {
        return Err(Error::input(format!(
            "label '{}' has {n} examples, fewer than the {k} folds of cross-validation (each fold must test every label)",
            labels[short]
        )));
    }
    Ok(())
}

impl Classifier {
    pub fn train(model: &str, data: TrainingSet, kind: HeadKind) -> Result<Self> {
        data.check()?;
        let normalized = l2_normalized(data.x);
        let x = Rows::new(&normalized, data.x.dim())?;
        let classes = data.labels.len();
        let head = match kind {
            HeadKind::Logistic => Head::Logistic(LogisticRegression::fit(x, data.y, classes, &LogisticOptions::default())?),
            HeadKind::NearestCentroid => Head::NearestCentroid(NearestCentroid::fit(x, data.y, classes)?),
        };
        Ok(Self { format: CLASSIFIER_FORMAT, model: model.to_string(), labels: data.labels.to_vec(), dim: x.dim(), head })
    }

    pub fn kind(&self) -> HeadKind {
        match self.head {
            Head::Logistic(_) => HeadKind::Logistic,
            Head::NearestCentroid(_) => HeadKind::NearestCentroid,
        }
    }

    pub fn predict(&self, x: Rows) -> Result<Predictions> {
        if x.dim() != self.dim {
            return Err(Error::input(format!(
                "embeddings have {} dimensions but this classifier was trained on {} ({}): use the same encoder",
                x.dim(),
                self.dim,
                self.model
            )));
        }
        let normalized = l2_normalized(x);
        let x = Rows::new(&normalized, self.dim)?;
        let labels = self.labels.clone();
        match &self.head {
            Head::Logistic(m) => {
                let probabilities = m.predict_proba(x)?;
                let best = probabilities.chunks_exact(labels.len()).map(nunchi_engine::vector::argmax).collect();
                Ok(Predictions { labels, best, probabilities })
            }
            Head::NearestCentroid(m) => Ok(Predictions::from_scores(labels, m.scores(x)?, CENTROID_TEMPERATURE)),
        }
    }

    /// Accuracy and the full report on labelled embeddings.
    pub fn evaluate(&self, x: Rows, truth: &[usize]) -> Result<Report> {
        let p = self.predict(x)?;
        evaluate(&self.labels, truth, &p.best)
    }

    pub fn to_json(&self) -> String {
        // Serializing plain numbers and strings cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a saved head, checking it is whole and consistent before use.
    pub fn from_json(json: &str) -> Result<Self> {
        let c: Classifier =
            serde_json::from_str(json).map_err(|e| Error::input(format!("not a saved nunchi classifier: {e}")))?;
        if c.format != CLASSIFIER_FORMAT {
            return Err(Error::input(format!(
                "saved classifier format {} is not supported (this version reads {CLASSIFIER_FORMAT})",
                c.format
            )));
        }
        check_labels(&c.labels)?;
        let classes = c.labels.len();
        // Checked: a dimension from the file may be any number.
        let size = classes.checked_mul(c.dim).filter(|_| c.dim > 0);
        let finite = |v: &[f32]| v.iter().all(|x| x.is_finite());
        let (consistent, finite) = match &c.head {
            Head::Logistic(m) => (
                m.classes == classes && m.dim == c.dim && Some(m.weights.len()) == size && m.bias.len() == classes,
                finite(&m.weights) && finite(&m.bias),
            ),
            Head::NearestCentroid(m) => {
                (m.classes == classes && m.dim == c.dim && Some(m.centroids.len()) == size, finite(&m.centroids))
            }
        };
        if !consistent {
            return Err(Error::input("saved classifier is inconsistent: its sizes do not match its labels"));
        }
        // A number past f32's range reads as infinity, which predicts NaN and saves as null.
        if !finite {
            return Err(Error::input("saved classifier is inconsistent: a weight is not a finite f32 number"));
        }
        Ok(c)
    }
}

/// What k-fold cross-validation expects of a head trained on all the data.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CrossValidation {
    pub folds: usize,
    pub fold_accuracy: Vec<f64>,
    pub mean_accuracy: f64,
    /// The report over every text, each predicted by the fold that did not train on it.
    pub report: Report,
}

/// Stratified k-fold cross-validation of a head on labelled embeddings.
pub fn cross_validate(data: TrainingSet, kind: HeadKind, folds: usize, seed: u64) -> Result<CrossValidation> {
    check_folds(&data.check()?, data.labels, folds)?;
    let splits = stratified_k_fold(data.y, data.labels.len(), folds, seed)?;
    let mut predicted = vec![0usize; data.y.len()];
    let mut fold_accuracy = Vec::with_capacity(folds);
    for fold in &splits {
        let train_x = gather_rows(data.x, &fold.train);
        let train_y: Vec<usize> = fold.train.iter().map(|&i| data.y[i]).collect();
        let head =
            Classifier::train("", TrainingSet { x: Rows::new(&train_x, data.x.dim())?, y: &train_y, labels: data.labels }, kind)?;
        let test_x = gather_rows(data.x, &fold.test);
        let p = head.predict(Rows::new(&test_x, data.x.dim())?)?;
        let correct = fold.test.iter().zip(&p.best).filter(|(&i, &b)| data.y[i] == b).count();
        fold_accuracy.push(correct as f64 / fold.test.len() as f64);
        for (&i, &b) in fold.test.iter().zip(&p.best) {
            predicted[i] = b;
        }
    }
    let mean_accuracy = fold_accuracy.iter().sum::<f64>() / fold_accuracy.len() as f64;
    let report = evaluate(data.labels, data.y, &predicted)?;
    Ok(CrossValidation { folds, fold_accuracy, mean_accuracy, report })
}

/// The rows at `indices`, copied into a new row-major buffer.
pub fn gather_rows(x: Rows, indices: &[usize]) -> Vec<f32> {
    let mut out = Vec::with_capacity(indices.len() * x.dim());
    indices.iter().for_each(|&i| out.extend_from_slice(x.row(i)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(labels: &[&str]) -> Vec<String> {
        labels.iter().map(|l| l.to_string()).collect()
    }

    fn message(y: &[usize], labels: &[&str], folds: Option<usize>) -> String {
        check_training_plan(y, &names(labels), folds).expect_err("untrainable").to_string()
    }

    #[test]
    fn a_training_plan_is_checked_from_the_labels_alone() {
        assert!(check_training_plan(&[0, 1, 0, 1], &names(&["a", "b"]), Some(2)).is_ok());
        assert!(check_training_plan(&[0, 1], &names(&["a", "b"]), None).is_ok());
        assert!(message(&[0, 0, 0], &["only"], None).contains("at least two labels"));
        assert!(message(&[0, 0], &["a", "b"], None).contains("label 'b' has no examples"));
        assert!(message(&[0, 1, 0, 1], &["a", "b"], Some(1)).contains("at least 2 folds"));
        let short = message(&[0, 0, 0, 1, 1, 0], &["a", "b"], Some(3));
        assert!(short.contains("label 'b' has 2 examples, fewer than the 3 folds"), "{short}");
    }

    #[test]
    fn a_saved_head_with_an_infinite_weight_or_a_size_past_memory_is_refused() {
        let json = |dim: &str, weight: &str| {
            format!(
                r#"{{"format":1,"model":"m","labels":["a","b"],"dim":{dim},"head":{{"kind":"nearest-centroid","classes":2,"dim":{dim},"centroids":[{weight},0.5]}}}}"#
            )
        };
        assert!(Classifier::from_json(&json("1", "0.5")).is_ok());
        let refused = |dim: &str, weight: &str| Classifier::from_json(&json(dim, weight)).expect_err("refused").to_string();
        // 3.5e38 is past f32's range: it would read as infinity.
        assert!(refused("1", "3.5e38").contains("not a finite f32"));
        // 2 × (2⁶³ + 1) wraps to 2 in 64 bits: two centroids would have passed for it.
        assert!(refused("9223372036854775809", "0.5").contains("sizes do not match"));
    }
}
