//! Classification metrics defined exactly as scikit-learn's
//! `classification_report(labels=range(n), output_dict=True, zero_division=0)`
//! and `confusion_matrix`, so the numbers nunchi prints can be checked against
//! (and compared with) the usual Python evaluation.
//!
//! Per class: precision = tp / predicted, recall = tp / support,
//! F1 = 2·tp / (support + predicted) (scikit-learn's form of 2PR/(P+R)); any
//! 0/0 is 0. Macro average: the plain mean over all classes (classes never
//! seen or never predicted count, with their zeros). Weighted average: the
//! mean weighted by support. Accuracy: the fraction of exact matches.

use std::collections::HashSet;
use std::fmt::Write as _;

use nunchi_engine::{Error, Result};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClassMetrics {
    pub label: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Examples whose true label is this class.
    pub support: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Averages {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: usize,
}

/// Field names are camelCase in JSON (`macroAvg`), as the npm package shows them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub labels: Vec<String>,
    /// One entry per label, in `labels` order.
    pub classes: Vec<ClassMetrics>,
    pub accuracy: f64,
    pub macro_avg: Averages,
    pub weighted_avg: Averages,
    /// `confusion[true][predicted]` counts.
    pub confusion: Vec<Vec<usize>>,
}

/// Scores `predicted` against `truth`; both hold indices into `labels`.
pub fn evaluate(labels: &[String], truth: &[usize], predicted: &[usize]) -> Result<Report> {
    if labels.len() < 2 {
        return Err(Error::input(format!("need at least 2 labels, got {}", labels.len())));
    }
    let mut seen = HashSet::new();
    if let Some(dup) = labels.iter().find(|l| !seen.insert(l.as_str())) {
        return Err(Error::input(format!("duplicate label {dup:?}")));
    }
    if truth.is_empty() {
        return Err(Error::input("no examples to evaluate"));
    }
    if truth.len() != predicted.len() {
        return Err(Error::input(format!("{} true labels but {} predictions", truth.len(), predicted.len())));
    }
    let n = labels.len();
    for (what, values) in [("true label", truth), ("prediction", predicted)] {
        if let Some((i, &v)) = values.iter().enumerate().find(|(_, &v)| v >= n) {
            return Err(Error::input(format!("{what} {v} of example {i} is out of range for {n} labels")));
        }
    }

    let mut confusion = vec![vec![0usize; n]; n];
    for (&t, &p) in truth.iter().zip(predicted) {
        confusion[t][p] += 1;
    }
    let divide = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let classes: Vec<ClassMetrics> = (0..n)
        .map(|c| {
            let tp = confusion[c][c];
            let support: usize = confusion[c].iter().sum();
            let predicted: usize = confusion.iter().map(|row| row[c]).sum();
            ClassMetrics {
                label: labels[c].clone(),
                precision: divide(tp, predicted),
                recall: divide(tp, support),
                f1: divide(2 * tp, support + predicted),
                support,
            }
        })
        .collect();
    let total = truth.len();
    let correct: usize = (0..n).map(|c| confusion[c][c]).sum();
    let mean = |f: fn(&ClassMetrics) -> f64| classes.iter().map(f).sum::<f64>() / n as f64;
    let weighted = |f: fn(&ClassMetrics) -> f64| classes.iter().map(|c| f(c) * c.support as f64).sum::<f64>() / total as f64;
    Ok(Report {
        labels: labels.to_vec(),
        accuracy: correct as f64 / total as f64,
        macro_avg: Averages { precision: mean(|c| c.precision), recall: mean(|c| c.recall), f1: mean(|c| c.f1), support: total },
        weighted_avg: Averages {
            precision: weighted(|c| c.precision),
            recall: weighted(|c| c.recall),
            f1: weighted(|c| c.f1),
            support: total,
        },
        classes,
        confusion,
    })
}

impl Report {
    /// scikit-learn's text layout (2 decimals), then the confusion matrix.
    ///
    /// The matrix's rows are the true labels and its columns the predictions;
    /// columns are headed by label index so that 77 labels still fit a wide
    /// terminal, and each row starts with its index and name (the legend).
    /// With more than 10 labels the most frequent confusions follow as a list.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let width = self.labels.iter().map(|l| l.chars().count()).max().unwrap_or(0).max("weighted avg".len());
        let _ = writeln!(out, "{:>width$}  {:>9} {:>9} {:>9} {:>9}\n", "", "precision", "recall", "f1-score", "support");
        for c in &self.classes {
            let pad = width + c.label.len() - c.label.chars().count();
            let _ = writeln!(out, "{:>pad$}  {:>9.2} {:>9.2} {:>9.2} {:>9}", c.label, c.precision, c.recall, c.f1, c.support);
        }
        out.push('\n');
        let _ = writeln!(out, "{:>width$}  {:>9} {:>9} {:>9.2} {:>9}", "accuracy", "", "", self.accuracy, self.macro_avg.support);
        for (name, a) in [("macro avg", &self.macro_avg), ("weighted avg", &self.weighted_avg)] {
            let _ = writeln!(out, "{:>width$}  {:>9.2} {:>9.2} {:>9.2} {:>9}", name, a.precision, a.recall, a.f1, a.support);
        }
        out.push('\n');
        out.push_str(&self.confusion_text());
        out
    }

    fn confusion_text(&self) -> String {
        let n = self.labels.len();
        let max = self.confusion.iter().flatten().copied().max().unwrap_or(0);
        let cell = max.to_string().len().max((n - 1).to_string().len()) + 1;
        let index_width = (n - 1).to_string().len();
        let name_width = self.labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
        let head_width = index_width + 1 + name_width;
        let mut out = String::from("confusion matrix (rows: true label, columns: predicted label index)\n");
        let _ = write!(out, "{:>head_width$} ", "");
        for j in 0..n {
            let _ = write!(out, "{j:>cell$}");
        }
        out.push('\n');
        for (i, row) in self.confusion.iter().enumerate() {
            let name = &self.labels[i];
            let pad = name_width + name.len() - name.chars().count();
            let _ = write!(out, "{i:>index_width$} {name:<pad$} ");
            for v in row {
                let _ = write!(out, "{v:>cell$}");
            }
            out.push('\n');
        }
        if n > 10 {
            let mut pairs: Vec<(usize, usize, usize)> = (0..n)
                .flat_map(|i| (0..n).map(move |j| (i, j)))
                .filter(|&(i, j)| i != j && self.confusion[i][j] > 0)
                .map(|(i, j)| (self.confusion[i][j], i, j))
                .collect();
            pairs.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
            if !pairs.is_empty() {
                out.push_str("\nmost frequent confusions (true → predicted):\n");
                for (count, i, j) in pairs.into_iter().take(10) {
                    let _ = writeln!(out, "{count:>6}  {} → {}", self.labels[i], self.labels[j]);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn hand_checked_three_classes() {
        // truth 0 0 1 1 2 2, predicted 0 1 1 1 0 0: class 2 never predicted.
        let r = evaluate(&names(&["a", "b", "c"]), &[0, 0, 1, 1, 2, 2], &[0, 1, 1, 1, 0, 0]).unwrap();
        assert_eq!(r.confusion, vec![vec![1, 1, 0], vec![0, 2, 0], vec![2, 0, 0]]);
        let a = &r.classes[0];
        assert!((a.precision - 1.0 / 3.0).abs() < 1e-15 && (a.recall - 0.5).abs() < 1e-15);
        assert!((a.f1 - 0.4).abs() < 1e-15);
        assert_eq!((r.classes[2].precision, r.classes[2].recall, r.classes[2].f1), (0.0, 0.0, 0.0));
        assert!((r.accuracy - 0.5).abs() < 1e-15);
        assert!((r.macro_avg.f1 - (0.4 + 0.8) / 3.0).abs() < 1e-15);
        let text = r.to_text();
        assert!(text.contains("    accuracy                           0.50         6"), "{text}");
        assert!(text.contains("weighted avg       0.33      0.50      0.40         6"), "{text}");
    }

    #[test]
    fn rejects_bad_input() {
        let l = names(&["a", "b"]);
        let err = |r: Result<Report>| r.unwrap_err().message().to_string();
        assert!(err(evaluate(&names(&["a"]), &[0], &[0])).contains("at least 2 labels"));
        assert!(err(evaluate(&names(&["a", "a"]), &[0], &[0])).contains("duplicate label \"a\""));
        assert!(err(evaluate(&l, &[], &[])).contains("no examples"));
        assert!(err(evaluate(&l, &[0, 1], &[0])).contains("2 true labels but 1 predictions"));
        assert!(err(evaluate(&l, &[0, 2], &[0, 1])).contains("true label 2 of example 1"));
        assert!(err(evaluate(&l, &[0, 1], &[0, 5])).contains("prediction 5 of example 1"));
    }

    #[test]
    fn many_labels_text_stays_tabular() {
        let labels: Vec<String> = (0..77).map(|i| format!("intent_{i}")).collect();
        let truth: Vec<usize> = (0..300).map(|i| i % 77).collect();
        let pred: Vec<usize> = (0..300).map(|i| if i % 5 == 0 { (i + 1) % 77 } else { i % 77 }).collect();
        let text = evaluate(&labels, &truth, &pred).unwrap().to_text();
        let matrix: Vec<&str> = text.lines().skip_while(|l| !l.starts_with("confusion")).skip(1).take(78).collect();
        let widths: HashSet<usize> = matrix.iter().map(|l| l.chars().count()).collect();
        assert_eq!(widths.len(), 1, "{text}");
        assert!(text.contains("most frequent confusions"));
    }
}
