//! How well a clustering agrees with known labels, defined exactly as
//! scikit-learn's `adjusted_rand_score` and `normalized_mutual_info_score`
//! (arithmetic mean of the entropies), so that our figures and a Python
//! notebook's can be set side by side.
//!
//! Both are symmetric, ignore how clusters are numbered, and are 1 for a
//! perfect match; the ARI is about 0 for a random clustering.

use std::collections::HashMap;

use nunchi_engine::{Error, Result};

/// Counts of each (truth, predicted) pair of cluster ids, and of each id.
struct Contingency {
    n: usize,
    /// `((truth id, predicted id), count)` for every pair that occurs.
    cells: Vec<((usize, usize), usize)>,
    truth_sizes: Vec<usize>,
    predicted_sizes: Vec<usize>,
}

impl Contingency {
    fn new(truth: &[usize], predicted: &[usize]) -> Result<Self> {
        if truth.len() != predicted.len() {
            return Err(Error::input(format!("{} true labels but {} cluster ids", truth.len(), predicted.len())));
        }
        let truth_ids = dense_ids(truth);
        let predicted_ids = dense_ids(predicted);
        let truth_sizes = sizes(&truth_ids);
        let predicted_sizes = sizes(&predicted_ids);
        let mut cells = HashMap::<(usize, usize), usize>::new();
        for (&t, &p) in truth_ids.iter().zip(&predicted_ids) {
            *cells.entry((t, p)).or_default() += 1;
        }
        // Sorted, so that sums run in one order on every platform.
        let mut cells: Vec<_> = cells.into_iter().collect();
        cells.sort_unstable();
        Ok(Self { n: truth.len(), cells, truth_sizes, predicted_sizes })
    }
}

/// Renumbers ids to 0.. in order of first appearance (any ids may be used).
fn dense_ids(ids: &[usize]) -> Vec<usize> {
    let mut map = HashMap::new();
    ids.iter()
        .map(|&id| {
            let next = map.len();
            *map.entry(id).or_insert(next)
        })
        .collect()
}

fn sizes(dense: &[usize]) -> Vec<usize> {
    let mut sizes = vec![0; dense.iter().max().map_or(0, |m| m + 1)];
    dense.iter().for_each(|&i| sizes[i] += 1);
    sizes
}

/// The adjusted Rand index: pair counting, corrected for chance
/// (scikit-learn's form through the pair confusion matrix).
pub fn adjusted_rand_index(truth: &[usize], predicted: &[usize]) -> Result<f64> {
    let c = Contingency::new(truth, predicted)?;
    let n = c.n as f64;
    let squares = |v: &mut dyn Iterator<Item = usize>| v.map(|x| (x as f64) * (x as f64)).sum::<f64>();
    let sum_squares = squares(&mut c.cells.iter().map(|&(_, count)| count));
    // Ordered pairs: together in both, in the truth only, in the prediction only, in neither.
    let both = sum_squares - n;
    let predicted_only = squares(&mut c.predicted_sizes.iter().copied()) - sum_squares;
    let truth_only = squares(&mut c.truth_sizes.iter().copied()) - sum_squares;
    let neither = n * n - predicted_only - truth_only - sum_squares;
    if predicted_only == 0.0 && truth_only == 0.0 {
        return Ok(1.0);
    }
    Ok(2.0 * (both * neither - truth_only * predicted_only)
        / ((both + truth_only) * (truth_only + neither) + (both + predicted_only) * (predicted_only + neither)))
}

/// Mutual information normalized by the mean of the two entropies (natural
/// logarithms; 1 when neither labelling splits the items).
pub fn normalized_mutual_info(truth: &[usize], predicted: &[usize]) -> Result<f64> {
    let c = Contingency::new(truth, predicted)?;
    let (classes, clusters) = (c.truth_sizes.len(), c.predicted_sizes.len());
    if classes == clusters && classes <= 1 {
        return Ok(1.0);
    }
    let n = c.n as f64;
    let mi: f64 = c
        .cells
        .iter()
        .map(|&((t, p), count)| {
            let count = count as f64;
            let outer = c.truth_sizes[t] as f64 * c.predicted_sizes[p] as f64;
            let term = count / n * ((count * n).ln() - outer.ln());
            if term.abs() < f64::EPSILON {
                0.0
            } else {
                term
            }
        })
        .sum::<f64>()
        .max(0.0);
    if mi == 0.0 {
        return Ok(0.0);
    }
    let entropy = |sizes: &[usize]| -> f64 { sizes.iter().filter(|&&s| s > 0).map(|&s| s as f64 / n).map(|p| -p * p.ln()).sum() };
    let mean = (entropy(&c.truth_sizes) + entropy(&c.predicted_sizes)) / 2.0;
    Ok(mi / mean.max(f64::EPSILON))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_and_relabelled_matches_score_one() {
        let truth = [0, 0, 1, 1, 2, 2];
        let renamed = [5, 5, 9, 9, 1, 1];
        assert_eq!(adjusted_rand_index(&truth, &renamed).unwrap(), 1.0);
        assert!((normalized_mutual_info(&truth, &renamed).unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(normalized_mutual_info(&[0, 0], &[3, 3]).unwrap(), 1.0);
    }

    #[test]
    fn hand_computed_case() {
        // sklearn: adjusted_rand_score([0,0,1,1],[0,0,1,2]) = 0.5714285714285715
        let ari = adjusted_rand_index(&[0, 0, 1, 1], &[0, 0, 1, 2]).unwrap();
        assert!((ari - 4.0 / 7.0).abs() < 1e-12, "{ari}");
        assert!(adjusted_rand_index(&[0, 1], &[0]).is_err());
    }
}
