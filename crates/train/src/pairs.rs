//! Sentence pairs for contrastive fine-tuning, sampled as SetFit v1.x samples
//! them when `num_iterations` is set: [`ContrastiveDataset`] with
//! `multilabel=False`, `max_pairs=-1`
//! (<https://github.com/huggingface/setfit/blob/main/src/setfit/sampler.py>).
//!
//! - Every unordered pair of examples, each example with itself included
//!   (`shuffle_combinations(replacement=True)`), in a shuffled order, split
//!   into positives (same label, target 1.0) and negatives (target 0.0).
//! - Each list is cycled to `num_iterations × examples` pairs, and the two
//!   are interleaved: positive, negative, positive, … So there are as many
//!   pairs as "one positive and one negative per example per iteration".
//!
//! SetFit shuffles with NumPy's `RandomState(42)` whatever the trainer's seed;
//! we shuffle with [`Rng`] from the caller's seed, so the pairs are
//! deterministic per seed, but not NumPy's pairs.
//!
//! [`ContrastiveDataset`]: https://github.com/huggingface/setfit/blob/main/src/setfit/sampler.py

use std::fmt::Display;

use nunchi_engine::{Error, Result, Rng};

use crate::shuffle::shuffle;

/// SetFit's `SetFitTrainer` default for `num_iterations`.
pub const DEFAULT_NUM_ITERATIONS: usize = 20;

/// One training pair: two examples, as indices into the caller's texts, and
/// the cosine similarity the loss pulls their embeddings towards.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pair {
    pub a: usize,
    pub b: usize,
    /// 1.0 when both examples have the same label, else 0.0.
    pub label: f32,
}

/// Checks labelled examples for contrastive training: as many labels as texts,
/// no empty text, at least two labels, and at least two examples of each label
/// (a label's only example would have no positive partner but itself).
pub fn check_examples<L: PartialEq + Display>(texts: &[&str], labels: &[L]) -> Result<()> {
    if texts.len() != labels.len() {
        return Err(Error::input(format!("{} texts but {} labels: give one label per text", texts.len(), labels.len())));
    }
    if let Some(i) = texts.iter().position(|t| t.trim().is_empty()) {
        return Err(Error::input(format!("text {i} is empty: every training example needs some text")));
    }
    let classes = classes(labels);
    if classes.len() < 2 {
        return Err(Error::input(format!("fine-tuning needs examples of at least 2 labels to contrast, got {}", classes.len())));
    }
    if let Some(members) = classes.iter().find(|members| members.len() < 2) {
        return Err(Error::input(format!(
            "label '{}' has a single example: give it at least 2, so that it has a positive pair",
            labels[members[0]]
        )));
    }
    Ok(())
}

/// The example indices of each distinct label, labels in order of first appearance.
fn classes<L: PartialEq>(labels: &[L]) -> Vec<Vec<usize>> {
    let mut classes: Vec<Vec<usize>> = Vec::new();
    for (i, label) in labels.iter().enumerate() {
        match classes.iter_mut().find(|members| labels[members[0]] == *label) {
            Some(members) => members.push(i),
            None => classes.push(vec![i]),
        }
    }
    classes
}

/// `2 × num_iterations × texts.len()` pairs, positives and negatives
/// alternating, after [`check_examples`]. The same seed gives the same pairs.
pub fn contrastive_pairs<L: PartialEq + Display>(
    texts: &[&str],
    labels: &[L],
    num_iterations: usize,
    seed: u64,
) -> Result<Vec<Pair>> {
    check_examples(texts, labels)?;
    if num_iterations == 0 {
        return Err(Error::input("num_iterations must be at least 1"));
    }
    let n = labels.len();
    // `np.triu_indices(n, 0)`: (i, j) with i <= j, row by row, then shuffled.
    let mut combinations: Vec<(usize, usize)> = (0..n).flat_map(|i| (i..n).map(move |j| (i, j))).collect();
    shuffle(&mut combinations, &mut Rng::new(seed));
    let (positives, negatives): (Vec<_>, Vec<_>) = combinations.into_iter().partition(|&(i, j)| labels[i] == labels[j]);
    // Both lists are non-empty: check_examples guarantees two labels, each with two examples.
    let each = num_iterations * n;
    let cycled = |list: &[(usize, usize)], label: f32| -> Vec<Pair> {
        list.iter().cycle().take(each).map(|&(a, b)| Pair { a, b, label }).collect()
    };
    let (positives, negatives) = (cycled(&positives, 1.0), cycled(&negatives, 0.0));
    Ok(positives.into_iter().zip(negatives).flat_map(|(p, q)| [p, q]).collect())
}
