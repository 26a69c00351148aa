//! Seeded, stratified splits for evaluating few-shot heads: k-fold cross
//! validation, and "n examples per class" training sets. Same seed, same
//! split, on every platform (SplitMix64 and integer arithmetic only).

use nunchi_engine::Rng;
use nunchi_engine::{Error, Result};
use serde::{Deserialize, Serialize};

/// One cross-validation round: indices into the data, both sorted ascending.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Fold {
    pub train: Vec<usize>,
    pub test: Vec<usize>,
}

/// Uniform in `0..bound` (`bound > 0`), by the multiply-high method.
pub(crate) fn below(rng: &mut Rng, bound: usize) -> usize {
    ((rng.next_u64() as u128 * bound as u128) >> 64) as usize
}

/// Fisher–Yates shuffle driven by `rng`.
pub(crate) fn shuffle<T>(items: &mut [T], rng: &mut Rng) {
    for i in (1..items.len()).rev() {
        items.swap(i, below(rng, i + 1));
    }
}

/// The example indices of each class, in order; checks the labels.
fn by_class(y: &[usize], classes: usize) -> Result<Vec<Vec<usize>>> {
    if y.is_empty() {
        return Err(Error::input("no examples to split"));
    }
    let mut members = vec![Vec::new(); classes];
    for (i, &k) in y.iter().enumerate() {
        let slot = members
            .get_mut(k)
            .ok_or_else(|| Error::input(format!("label {k} of example {i} is out of range for {classes} classes")))?;
        slot.push(i);
    }
    Ok(members)
}

/// Cross-validation needs at least 2 folds: one to test, one to train on.
pub fn check_fold_count(k: usize) -> Result<()> {
    if k < 2 {
        return Err(Error::input(format!("cross-validation needs at least 2 folds, got {k}")));
    }
    Ok(())
}

/// The class with the fewest examples, and that number, when it has fewer than
/// `k`: stratified k-fold needs `k` of each class (`counts[c]`) so that every
/// test fold sees every class.
pub fn class_short_of_folds(counts: &[usize], k: usize) -> Option<(usize, usize)> {
    counts.iter().copied().enumerate().filter(|&(_, n)| n < k).min_by_key(|&(_, n)| n)
}

/// Stratified k-fold: each class's examples are shuffled (one seeded stream,
/// classes in order) and dealt round-robin into the `k` folds, the dealing
/// continuing from class to class so that fold sizes differ by at most one.
/// Every class needs at least `k` examples, so each test fold sees each class.
pub fn stratified_k_fold(y: &[usize], classes: usize, k: usize, seed: u64) -> Result<Vec<Fold>> {
    check_fold_count(k)?;
    let members = by_class(y, classes)?;
    let counts: Vec<usize> = members.iter().map(Vec::len).collect();
    if let Some((c, n)) = class_short_of_folds(&counts, k) {
        return Err(Error::input(format!(
            "class {c} has {n} examples, fewer than the {k} folds (each fold must test every class)"
        )));
    }
    let mut rng = Rng::new(seed);
    let mut fold_of = vec![0usize; y.len()];
    let mut next = 0;
    for mut m in members {
        shuffle(&mut m, &mut rng);
        for i in m {
            fold_of[i] = next;
            next = (next + 1) % k;
        }
    }
    Ok((0..k)
        .map(|f| {
            let (test, train) = (0..y.len()).partition(|&i| fold_of[i] == f);
            Fold { train, test }
        })
        .collect())
}

/// `per_class` examples of every class: the first ones of each class after a
/// seeded shuffle (one stream, classes in order), as sorted indices.
pub fn per_class_sample(y: &[usize], classes: usize, per_class: usize, seed: u64) -> Result<Vec<usize>> {
    if per_class == 0 {
        return Err(Error::input("the number of examples per class must be at least 1"));
    }
    let members = by_class(y, classes)?;
    if let Some((c, m)) = members.iter().enumerate().find(|(_, m)| m.len() < per_class) {
        return Err(Error::input(format!("class {c} has {} examples, fewer than the {per_class} requested per class", m.len())));
    }
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(per_class * classes);
    for mut m in members {
        shuffle(&mut m, &mut rng);
        out.extend_from_slice(&m[..per_class]);
    }
    out.sort_unstable();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_are_stratified_disjoint_complete_and_seeded() {
        let y: Vec<usize> = (0..103).map(|i| [0, 0, 0, 1, 1, 2][i % 6]).collect();
        let folds = stratified_k_fold(&y, 3, 5, 7).unwrap();
        assert_eq!(folds.len(), 5);
        let mut seen = vec![0; y.len()];
        for f in &folds {
            assert_eq!(f.train.len() + f.test.len(), y.len());
            f.test.iter().for_each(|&i| seen[i] += 1);
            assert!(f.test.windows(2).all(|w| w[0] < w[1]) && f.train.windows(2).all(|w| w[0] < w[1]));
            assert!(f.train.iter().all(|i| f.test.binary_search(i).is_err()));
            for c in 0..3 {
                let total = y.iter().filter(|&&v| v == c).count();
                let n = f.test.iter().filter(|&&i| y[i] == c).count();
                assert!(n == total / 5 || n == total / 5 + 1, "class {c}: {n} of {total}");
            }
        }
        assert!(seen.iter().all(|&s| s == 1));
        let sizes: Vec<usize> = folds.iter().map(|f| f.test.len()).collect();
        assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1, "{sizes:?}");
        assert_eq!(folds, stratified_k_fold(&y, 3, 5, 7).unwrap());
        assert_ne!(folds, stratified_k_fold(&y, 3, 5, 8).unwrap());
    }

    #[test]
    fn fold_errors_name_the_problem() {
        let y = [0, 0, 0, 1, 1, 0];
        let msg = |r: Result<Vec<Fold>>| r.unwrap_err().message().to_string();
        assert!(msg(stratified_k_fold(&y, 2, 1, 0)).contains("at least 2 folds"));
        assert!(msg(stratified_k_fold(&y, 2, 3, 0)).contains("class 1 has 2 examples, fewer than the 3 folds"));
        assert!(msg(stratified_k_fold(&y, 3, 2, 0)).contains("class 2 has 0 examples"));
        assert!(msg(stratified_k_fold(&[], 2, 2, 0)).contains("no examples"));
        assert!(msg(stratified_k_fold(&[0, 4], 2, 2, 0)).contains("label 4 of example 1"));
    }

    #[test]
    fn per_class_sample_is_seeded_and_sorted() {
        let y: Vec<usize> = (0..50).map(|i| i % 3).collect();
        let s = per_class_sample(&y, 3, 4, 1).unwrap();
        assert_eq!(s.len(), 12);
        assert!(s.windows(2).all(|w| w[0] < w[1]));
        assert!((0..3).all(|c| s.iter().filter(|&&i| y[i] == c).count() == 4));
        assert_eq!(s, per_class_sample(&y, 3, 4, 1).unwrap());
        assert_ne!(s, per_class_sample(&y, 3, 4, 2).unwrap());
        let e = per_class_sample(&y, 3, 17, 1).unwrap_err();
        assert!(e.message().contains("class 2 has 16 examples, fewer than the 17"), "{}", e.message());
        assert!(per_class_sample(&y, 3, 0, 1).is_err());
    }
}
