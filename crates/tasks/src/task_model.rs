//! Fine-tuned task models (`*ForSequenceClassification`) in the tasks' one
//! result shape, and how a model's labels meet a dataset's (`POSITIVE` →
//! `positive`; a 3-label model's `neutral` on a 2-label dataset is a miss).

use nunchi_engine::vector::argmax;
use nunchi_engine::{Backend, Error, Result};
use nunchi_models::TextClassifier;

use crate::classify::{check_texts, embed_batches, Predictions, EMBED_BATCH};

/// Classifies any number of texts with the model's own head, in batches of
/// similar length, calling `progress(done, total)` after each. Probabilities
/// are the model's: softmax over its labels, or a sigmoid per label for a
/// multi-label model (then they need not sum to 1).
pub fn classify_with_model<B: Backend>(
    model: &TextClassifier<B>,
    texts: &[&str],
    progress: &mut dyn FnMut(usize, usize) -> Result<()>,
) -> Result<Predictions> {
    check_texts(texts)?;
    let width = model.labels().len();
    let mut probabilities = vec![0.0; texts.len() * width];
    let mut done = 0;
    for chunk in embed_batches(texts, EMBED_BATCH) {
        let batch: Vec<&str> = chunk.iter().map(|&i| texts[i]).collect();
        for (scored, &i) in model.classify(&batch)?.into_iter().zip(&chunk) {
            probabilities[i * width..(i + 1) * width].copy_from_slice(&scored.scores);
        }
        done += chunk.len();
        progress(done, texts.len())?;
    }
    let best = probabilities.chunks_exact(width).map(argmax).collect();
    Ok(Predictions { labels: model.labels().to_vec(), best, probabilities })
}

/// Which dataset label each model label stands for; `None` where it stands
/// for none (its predictions are misses).
#[derive(Debug, Clone, PartialEq)]
pub struct LabelMap {
    targets: Vec<Option<usize>>,
}

impl LabelMap {
    /// From `MODEL=DATASET,…` pairs (e.g. `POSITIVE=positive,NEGATIVE=negative`),
    /// or, without them, model and dataset labels of the same name ignoring
    /// case. `E_INPUT` for a pair naming a label neither side has, and when no
    /// model label meets a dataset label at all.
    pub fn new(spec: Option<&str>, model_labels: &[String], dataset_labels: &[String]) -> Result<Self> {
        let find = |labels: &[String], name: &str| labels.iter().position(|l| l == name);
        let targets = match spec {
            Some(spec) => {
                let mut targets = vec![None; model_labels.len()];
                for pair in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                    let (from, to) = pair
                        .split_once('=')
                        .ok_or_else(|| Error::input(format!("label map entry '{pair}' is not MODEL_LABEL=DATASET_LABEL")))?;
                    let (from, to) = (from.trim(), to.trim());
                    let m = find(model_labels, from).ok_or_else(|| {
                        Error::input(format!("label map: the model has no label '{from}' (it has {})", model_labels.join(", ")))
                    })?;
                    let d = find(dataset_labels, to).ok_or_else(|| {
                        Error::input(format!("label map: the dataset has no label '{to}' (it has {})", dataset_labels.join(", ")))
                    })?;
                    targets[m] = Some(d);
                }
                targets
            }
            None => {
                model_labels.iter().map(|m| dataset_labels.iter().position(|d| d.to_lowercase() == m.to_lowercase())).collect()
            }
        };
        if targets.iter().all(Option::is_none) {
            return Err(Error::input(format!(
                "the model's labels ({}) meet none of the dataset's ({}): give a label map MODEL_LABEL=DATASET_LABEL,…",
                model_labels.join(", "),
                dataset_labels.join(", ")
            )));
        }
        Ok(Self { targets })
    }

    /// The dataset label a model label stands for, if any.
    pub fn target(&self, model_label: usize) -> Option<usize> {
        self.targets.get(model_label).copied().flatten()
    }

    /// Predictions as indices into the returned label list: the dataset's
    /// labels, then (as scikit-learn's report does for labels only `y_pred`
    /// has) each unmapped model label that was predicted. Those rows count as
    /// misses against every dataset label and lower no precision but their own.
    pub fn apply(&self, predictions: &Predictions, dataset_labels: &[String]) -> (Vec<String>, Vec<usize>) {
        let mut labels = dataset_labels.to_vec();
        let predicted = predictions
            .best
            .iter()
            .map(|&m| match self.target(m) {
                Some(d) => d,
                None => {
                    let mut name = predictions.labels[m].clone();
                    if dataset_labels.contains(&name) {
                        name.push_str(" (model)");
                    }
                    let extra = labels[dataset_labels.len()..].iter().position(|l| *l == name);
                    extra.map(|i| dataset_labels.len() + i).unwrap_or_else(|| {
                        labels.push(name);
                        labels.len() - 1
                    })
                }
            })
            .collect();
        (labels, predicted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn labels_meet_by_name_ignoring_case_or_by_the_map() {
        let (model, data) = (names(&["NEGATIVE", "POSITIVE"]), names(&["negative", "positive"]));
        let by_name = LabelMap::new(None, &model, &data).unwrap();
        assert_eq!((by_name.target(0), by_name.target(1)), (Some(0), Some(1)));
        let flipped = LabelMap::new(Some("NEGATIVE=positive, POSITIVE=negative"), &model, &data).unwrap();
        assert_eq!((flipped.target(0), flipped.target(1)), (Some(1), Some(0)));
    }

    #[test]
    fn a_third_label_is_a_miss_reported_as_its_own_class() {
        let model = names(&["negative", "neutral", "positive"]);
        let data = names(&["negative", "positive"]);
        let map = LabelMap::new(None, &model, &data).unwrap();
        let p = Predictions { labels: model, best: vec![0, 1, 2, 1], probabilities: vec![0.0; 12] };
        let (labels, predicted) = map.apply(&p, &data);
        assert_eq!(labels, ["negative", "positive", "neutral"]);
        assert_eq!(predicted, [0, 2, 1, 2]);
    }

    #[test]
    fn map_entries_must_name_real_labels() {
        let (model, data) = (names(&["LABEL_0", "LABEL_1"]), names(&["negative", "positive"]));
        let err = LabelMap::new(None, &model, &data).unwrap_err();
        assert_eq!(err.kind(), nunchi_engine::ErrorKind::Input);
        assert!(err.to_string().contains("label map"), "{err}");
        for bad in ["LABEL_2=negative", "LABEL_0=neutral", "LABEL_0"] {
            let err = LabelMap::new(Some(bad), &model, &data).unwrap_err();
            assert_eq!(err.kind(), nunchi_engine::ErrorKind::Input, "{bad}: {err}");
        }
    }
}
