//! k-means for grouping feedback: k-means++ seeding, Lloyd iterations,
//! the silhouette score to judge a clustering, and a choice of k by it.
//!
//! Everything is seeded and single-threaded, so the same rows and seed give
//! the same clusters. Distances are Euclidean; callers pass L2-normalized
//! embeddings, where Euclidean and cosine order neighbours alike.

use std::ops::RangeInclusive;

use nunchi_engine::Rng;
use nunchi_engine::{Error, Result};
use serde::{Deserialize, Serialize};

use crate::folds::{below, shuffle};
use crate::kernels;
use crate::minibatch::{minibatch_kmeans, MINI_BATCH_ABOVE};
use crate::rows::Rows;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KMeansOptions {
    pub k: usize,
    pub seed: u64,
    /// Lloyd iterations per run; a run also stops when no assignment changes.
    pub max_iter: usize,
    /// Independent seedings; the run with the lowest inertia is kept.
    pub restarts: usize,
}

impl KMeansOptions {
    pub fn new(k: usize, seed: u64) -> Self {
        Self { k, seed, ..Self::default() }
    }
}

impl Default for KMeansOptions {
    /// scikit-learn's `n_clusters=8`, `max_iter=100`, and its classic
    /// `n_init=10` restarts: on the labelled feedback fixture, 10 restarts
    /// raise the adjusted Rand index over 3 (0.626 → 0.639 for 8 intents,
    /// 0.385 → 0.399 for 30; docs/tasks.md), and k-means stays milliseconds
    /// beside embedding.
    fn default() -> Self {
        Self { k: 8, seed: 0, max_iter: 100, restarts: 10 }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KMeans {
    pub k: usize,
    pub dim: usize,
    /// `k × dim`, row-major: the mean of each cluster's rows.
    pub centroids: Vec<f32>,
    /// The cluster of each row, `< k`.
    pub assignments: Vec<usize>,
    /// Sum of squared distances from each row to its centroid.
    pub inertia: f64,
    /// Lloyd iterations of the kept run.
    pub iterations: usize,
}

/// Rows per block of distance computations (bounds the scratch memory).
const BLOCK: usize = 1024;

/// Whether `k` clusters can be made from `n` items (checked by [`kmeans`];
/// callers check it too before the costly embedding).
pub fn check_k(k: usize, n: usize) -> Result<()> {
    if k == 0 {
        return Err(Error::input("the number of clusters k must be at least 1"));
    }
    if k > n {
        return Err(Error::input(format!("cannot make k = {k} clusters from {n} items: k must be at most the number of items")));
    }
    Ok(())
}

/// Clusters the rows of `x` into `opts.k` groups.
pub fn kmeans(x: Rows, opts: &KMeansOptions) -> Result<KMeans> {
    check_k(opts.k, x.len())?;
    if opts.max_iter == 0 || opts.restarts == 0 {
        return Err(Error::input("k-means needs max_iter and restarts of at least 1"));
    }
    check_finite(x)?;
    let mut streams = Rng::new(opts.seed);
    let mut best: Option<KMeans> = None;
    for _ in 0..opts.restarts {
        let mut rng = Rng::new(streams.next_u64());
        let init = seed_plus_plus(x, opts.k, &mut rng);
        let run = lloyd(x, init, opts.k, opts.max_iter);
        if best.as_ref().is_none_or(|b| run.inertia < b.inertia) {
            best = Some(run);
        }
    }
    best.ok_or_else(|| Error::input("k-means made no run"))
}

/// k-means as clustering runs it: full Lloyd passes up to
/// [`MINI_BATCH_ABOVE`] rows, mini-batch k-means past that (at most 3
/// restarts: each already sees many random batches).
pub fn fit(x: Rows, opts: &KMeansOptions) -> Result<KMeans> {
    if x.len() > MINI_BATCH_ABOVE {
        minibatch_kmeans(x, &KMeansOptions { restarts: opts.restarts.min(3), ..opts.clone() })
    } else {
        kmeans(x, opts)
    }
}

pub(crate) fn check_finite(x: Rows) -> Result<()> {
    match x.iter().position(|r| r.iter().any(|v| !v.is_finite())) {
        Some(i) => Err(Error::input(format!("item {i} has a non-finite value"))),
        None => Ok(()),
    }
}

/// Greedy k-means++ (as scikit-learn): each new centre is the best, by the
/// resulting potential, of `2 + ⌊ln k⌋` candidates drawn with probability
/// proportional to the squared distance to the nearest centre so far.
pub(crate) fn seed_plus_plus(x: Rows, k: usize, rng: &mut Rng) -> Vec<f32> {
    let (n, d) = (x.len(), x.dim());
    let trials = 2 + (k as f64).ln().floor() as usize;
    let first = below(rng, n);
    let mut centers = x.row(first).to_vec();
    let mut closest = vec![0.0f32; n];
    kernels::sq_dists(x.data(), x.row(first), d, &mut closest);
    let mut pot: f64 = closest.iter().map(|&v| v as f64).sum();
    let mut cumulative = vec![0.0f64; n];
    let mut cand_dists = vec![0.0f32; n * trials];
    for _ in 1..k {
        let mut acc = 0.0;
        for (c, &v) in cumulative.iter_mut().zip(&closest) {
            acc += v as f64;
            *c = acc;
        }
        let candidates: Vec<usize> = (0..trials)
            .map(|_| {
                if pot > 0.0 {
                    // First point whose cumulative weight exceeds r: never a zero-weight point.
                    let r = rng.next_f64() * acc;
                    cumulative.partition_point(|&c| c <= r).min(n - 1)
                } else {
                    below(rng, n)
                }
            })
            .collect();
        let cand_rows: Vec<f32> = candidates.iter().flat_map(|&i| x.row(i).iter().copied()).collect();
        kernels::sq_dists(x.data(), &cand_rows, d, &mut cand_dists);
        let mut best = (0, f64::INFINITY);
        for t in 0..trials {
            let p: f64 = closest.iter().zip(cand_dists.iter().skip(t).step_by(trials)).map(|(&a, &b)| a.min(b) as f64).sum();
            if p < best.1 {
                best = (t, p);
            }
        }
        let t = best.0;
        closest.iter_mut().zip(cand_dists.iter().skip(t).step_by(trials)).for_each(|(a, &b)| *a = a.min(b));
        pot = best.1;
        centers.extend_from_slice(x.row(candidates[t]));
    }
    centers
}

/// Assigns each row to its nearest of the `k` centroids (first on ties);
/// returns whether any assignment changed. `dist` gets each row's squared
/// distance.
pub(crate) fn nearest_centroids(x: Rows, centroids: &[f32], k: usize, assignments: &mut [usize], dist: &mut [f32]) -> bool {
    let d = x.dim();
    let mut changed = false;
    let mut scratch = vec![0.0f32; BLOCK.min(x.len()) * k];
    for (b, block) in x.data().chunks(BLOCK * d).enumerate() {
        let m = block.len() / d;
        kernels::sq_dists(block, centroids, d, &mut scratch[..m * k]);
        for (r, row) in scratch[..m * k].chunks_exact(k).enumerate() {
            let mut best = 0;
            for (c, &v) in row.iter().enumerate() {
                if v < row[best] {
                    best = c;
                }
            }
            let i = b * BLOCK + r;
            changed |= assignments[i] != best;
            assignments[i] = best;
            dist[i] = row[best].max(0.0);
        }
    }
    changed
}

/// Moves each centroid to the mean of its rows. An empty cluster takes the
/// row farthest from its own centroid (from a cluster that keeps a member).
fn update(x: Rows, centroids: &mut [f32], k: usize, assignments: &mut [usize], dist: &mut [f32]) {
    let d = x.dim();
    let mut counts = vec![0usize; k];
    assignments.iter().for_each(|&a| counts[a] += 1);
    for c in 0..k {
        if counts[c] > 0 {
            continue;
        }
        let far = (0..x.len()).filter(|&i| counts[assignments[i]] > 1).fold(None, |best: Option<usize>, i| match best {
            Some(b) if dist[b] >= dist[i] => Some(b),
            _ => Some(i),
        });
        if let Some(p) = far {
            counts[assignments[p]] -= 1;
            assignments[p] = c;
            counts[c] = 1;
            dist[p] = 0.0;
        }
    }
    let mut sums = vec![0.0f64; k * d];
    for (row, &a) in x.iter().zip(assignments.iter()) {
        sums[a * d..(a + 1) * d].iter_mut().zip(row).for_each(|(s, &v)| *s += v as f64);
    }
    for c in 0..k {
        if counts[c] > 0 {
            let inv = 1.0 / counts[c] as f64;
            for (dst, &s) in centroids[c * d..(c + 1) * d].iter_mut().zip(&sums[c * d..(c + 1) * d]) {
                *dst = (s * inv) as f32;
            }
        }
    }
}

fn lloyd(x: Rows, mut centroids: Vec<f32>, k: usize, max_iter: usize) -> KMeans {
    let n = x.len();
    let mut assignments = vec![usize::MAX; n];
    let mut dist = vec![0.0f32; n];
    let mut iterations = 0;
    let mut converged = false;
    while iterations < max_iter {
        iterations += 1;
        if !nearest_centroids(x, &centroids, k, &mut assignments, &mut dist) {
            converged = true;
            break;
        }
        update(x, &mut centroids, k, &mut assignments, &mut dist);
    }
    if !converged {
        // Out of iterations right after an update: make the labels match the centroids.
        nearest_centroids(x, &centroids, k, &mut assignments, &mut dist);
    }
    let inertia = dist.iter().map(|&v| v as f64).sum();
    KMeans { k, dim: x.dim(), centroids, assignments, inertia, iterations }
}

/// The mean silhouette coefficient (scikit-learn's `silhouette_score`,
/// Euclidean): for each point, `(b − a) / max(a, b)` with `a` its mean
/// distance to the rest of its cluster and `b` its mean distance to the
/// nearest other cluster; 0 for a point alone in its cluster.
///
/// `sample = Some((size, seed))` scores a seeded random subset of that many
/// points (scikit-learn's `sample_size`), both sides of each distance from the
/// subset: O(size²) rather than O(n²).
pub fn silhouette(x: Rows, assignments: &[usize], k: usize, sample: Option<(usize, u64)>) -> Result<f64> {
    if assignments.len() != x.len() {
        return Err(Error::input(format!("{} items but {} cluster assignments", x.len(), assignments.len())));
    }
    if let Some((i, &a)) = assignments.iter().enumerate().find(|(_, &a)| a >= k) {
        return Err(Error::input(format!("assignment {a} of item {i} is out of range for k = {k}")));
    }
    check_finite(x)?;
    let idx = sample_indices(x.len(), sample)?;
    let (data, labels) = gather(x, assignments, &idx);
    let counts = cluster_counts(&labels, k, idx.len())?;
    let d = x.dim();
    let m = idx.len();
    let mut total = 0.0;
    // 256 rows of distances to all m points at a time: 10 MB for m = 10,000.
    const ROWS: usize = 256;
    let mut dists = vec![0.0f32; ROWS.min(m) * m];
    for (b, block) in data.chunks(ROWS * d).enumerate() {
        let rows = block.len() / d;
        kernels::sq_dists(block, &data, d, &mut dists[..rows * m]);
        for (r, row) in dists[..rows * m].chunks_exact(m).enumerate() {
            total += point_silhouette(row, b * ROWS + r, &labels, &counts);
        }
    }
    Ok(total / m as f64)
}

/// Indices scored: all, or a seeded subset of `size` (sorted).
fn sample_indices(n: usize, sample: Option<(usize, u64)>) -> Result<Vec<usize>> {
    let mut idx: Vec<usize> = (0..n).collect();
    if let Some((size, seed)) = sample {
        if size < 2 {
            return Err(Error::input(format!("a silhouette sample needs at least 2 items, got {size}")));
        }
        if size < n {
            shuffle(&mut idx, &mut Rng::new(seed));
            idx.truncate(size);
            idx.sort_unstable();
        }
    }
    Ok(idx)
}

fn gather(x: Rows, assignments: &[usize], idx: &[usize]) -> (Vec<f32>, Vec<usize>) {
    let data = idx.iter().flat_map(|&i| x.row(i).iter().copied()).collect();
    let labels = idx.iter().map(|&i| assignments[i]).collect();
    (data, labels)
}

/// Members per cluster; scikit-learn's requirement of 2..=m−1 non-empty clusters.
fn cluster_counts(labels: &[usize], k: usize, m: usize) -> Result<Vec<usize>> {
    let mut counts = vec![0usize; k];
    labels.iter().for_each(|&a| counts[a] += 1);
    let used = counts.iter().filter(|&&c| c > 0).count();
    if used < 2 || used >= m {
        return Err(Error::input(format!(
            "the silhouette needs between 2 and {} non-empty clusters among the {m} items scored, got {used}",
            m.saturating_sub(1)
        )));
    }
    Ok(counts)
}

/// The silhouette of point `i` from its squared distances to all scored points.
fn point_silhouette(sq: &[f32], i: usize, labels: &[usize], counts: &[usize]) -> f64 {
    let own = labels[i];
    if counts[own] <= 1 {
        return 0.0;
    }
    let mut sums = vec![0.0f64; counts.len()];
    for (j, (&v, &l)) in sq.iter().zip(labels).enumerate() {
        if j != i {
            sums[l] += (v.max(0.0) as f64).sqrt();
        }
    }
    let a = sums[own] / (counts[own] - 1) as f64;
    let b = (0..counts.len())
        .filter(|&c| c != own && counts[c] > 0)
        .map(|c| sums[c] / counts[c] as f64)
        .fold(f64::INFINITY, f64::min);
    let denom = a.max(b);
    if denom > 0.0 {
        (b - a) / denom
    } else {
        0.0
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KChoice {
    /// The k with the highest silhouette (the smallest on a tie).
    pub k: usize,
    /// `(k, silhouette)` for every k tried, in order.
    pub scores: Vec<(usize, f64)>,
    /// Other ks scoring within [`CLOSE_SILHOUETTE`] of the best, best first:
    /// when there are any, the data does not settle k, and these are as
    /// defensible a choice.
    pub close: Vec<usize>,
}

/// A silhouette within this fraction of the best counts as a tie: on text
/// embeddings silhouettes sit near 0.05–0.1, and a few texts more or less
/// move them by a few percent.
pub const CLOSE_SILHOUETTE: f64 = 0.05;

/// Points scored by [`choose_k`]'s silhouettes (scikit-learn's `sample_size`).
pub const CHOOSE_K_SAMPLE: usize = 2000;

/// Runs k-means for each k in `range` (seeded with `seed`, 3 k-means++
/// starts per k: one start made the choice swing between neighbours on the
/// feedback fixture) and keeps the k with the best
/// silhouette, scored on the same seeded sample of at most
/// [`CHOOSE_K_SAMPLE`] points for every k (its distances computed once).
pub fn choose_k(x: Rows, range: RangeInclusive<usize>, seed: u64) -> Result<KChoice> {
    let (lo, hi) = (*range.start(), *range.end());
    if lo < 2 || hi < lo {
        return Err(Error::input(format!("the range of k to try must be non-empty and start at 2 or more, got {lo}..={hi}")));
    }
    choose_k_among(x, &range.collect::<Vec<_>>(), seed)
}

/// [`choose_k`] over any list of candidate ks (say every tenth, for many
/// topics), tried in the order given.
pub fn choose_k_among(x: Rows, ks: &[usize], seed: u64) -> Result<KChoice> {
    let n = x.len();
    let (Some(&lo), Some(&hi)) = (ks.iter().min(), ks.iter().max()) else {
        return Err(Error::input("no k to try: give at least one candidate"));
    };
    if lo < 2 {
        return Err(Error::input(format!("every k to try must be 2 or more, got {lo}")));
    }
    if hi >= n {
        return Err(Error::input(format!("trying up to k = {hi} clusters needs at least {} items, got {n}", hi + 1)));
    }
    check_finite(x)?;
    let idx = sample_indices(n, Some((CHOOSE_K_SAMPLE, seed)))?;
    let m = idx.len();
    let d = x.dim();
    let data: Vec<f32> = idx.iter().flat_map(|&i| x.row(i).iter().copied()).collect();
    let matrix = symmetric_sq_dists(&data, d);
    let mut scores = Vec::new();
    for &k in ks {
        let km = fit(x, &KMeansOptions { restarts: 3, ..KMeansOptions::new(k, seed) })?;
        let labels: Vec<usize> = idx.iter().map(|&i| km.assignments[i]).collect();
        let score = match cluster_counts(&labels, k, m) {
            Ok(counts) => {
                (0..m).map(|i| point_silhouette(&matrix[i * m..(i + 1) * m], i, &labels, &counts)).sum::<f64>() / m as f64
            }
            // Fewer than 2 clusters among the sampled points: no structure found.
            Err(_) => -1.0,
        };
        scores.push((k, score));
    }
    let best = scores.iter().fold(scores[0], |b, &s| if s.1 > b.1 { s } else { b });
    let mut close: Vec<(usize, f64)> =
        scores.iter().copied().filter(|&(k, s)| k != best.0 && s >= best.1 - CLOSE_SILHOUETTE * best.1.abs()).collect();
    close.sort_by(|a, b| b.1.total_cmp(&a.1));
    Ok(KChoice { k: best.0, scores, close: close.into_iter().map(|(k, _)| k).collect() })
}

/// The full `m × m` squared-distance matrix, computing each pair once.
fn symmetric_sq_dists(data: &[f32], d: usize) -> Vec<f32> {
    let m = data.len() / d;
    let mut matrix = vec![0.0f32; m * m];
    const B: usize = 256;
    let mut scratch = vec![0.0f32; B * m];
    for start in (0..m).step_by(B) {
        let rows = B.min(m - start);
        let rest = m - start;
        let out = &mut scratch[..rows * rest];
        kernels::sq_dists(&data[start * d..(start + rows) * d], &data[start * d..], d, out);
        for r in 0..rows {
            for c in r..rest {
                let v = out[r * rest + c];
                let (i, j) = (start + r, start + c);
                matrix[i * m + j] = v;
                matrix[j * m + i] = v;
            }
        }
    }
    matrix
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_obvious_groups() {
        let x = [0.0f32, 0.0, 0.1, 0.0, 0.0, 0.1, 5.0, 5.0, 5.1, 5.0];
        let rows = Rows::new(&x, 2).unwrap();
        let km = kmeans(rows, &KMeansOptions::new(2, 3)).unwrap();
        let a = &km.assignments;
        assert!(a[0] == a[1] && a[1] == a[2] && a[3] == a[4] && a[0] != a[3], "{a:?}");
        let expected = 2.0 * 0.1f64.powi(2) / 3.0 * 2.0 + 0.05f64.powi(2) * 2.0;
        assert!((km.inertia - expected).abs() < 1e-5, "{} vs {expected}", km.inertia);
        let s = silhouette(rows, a, 2, None).unwrap();
        assert!(s > 0.9, "{s}");
    }

    #[test]
    fn empty_clusters_are_reseeded() {
        // Duplicated points force empty clusters in a naive Lloyd step.
        let x = [0.0f32, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 2.0, 2.0];
        let km = kmeans(Rows::new(&x, 2).unwrap(), &KMeansOptions::new(3, 1)).unwrap();
        let mut used = km.assignments.clone();
        used.sort_unstable();
        used.dedup();
        assert_eq!(used.len(), 3, "{:?}", km.assignments);
        assert!(km.inertia < 1e-9);
    }

    #[test]
    fn singleton_clusters_score_zero() {
        // sklearn: silhouette_score([[0],[1],[10]], [0,0,1]) = (0.9 + 0.888.. + 0) / 3
        let x = [0.0f32, 1.0, 10.0];
        let s = silhouette(Rows::new(&x, 1).unwrap(), &[0, 0, 1], 2, None).unwrap();
        let expected = ((10.0 - 1.0) / 10.0 + (9.0 - 1.0) / 9.0 + 0.0) / 3.0;
        assert!((s - expected).abs() < 1e-7, "{s} vs {expected}");
    }

    #[test]
    fn errors() {
        let x = [0.0f32, 1.0, 2.0];
        let rows = Rows::new(&x, 1).unwrap();
        let e = kmeans(rows, &KMeansOptions::new(4, 0)).unwrap_err();
        assert!(e.message().contains("k = 4") && e.message().contains("from 3 items"), "{}", e.message());
        assert!(kmeans(rows, &KMeansOptions::new(0, 0)).is_err());
        assert!(silhouette(rows, &[0, 0, 0], 2, None).unwrap_err().message().contains("got 1"));
        assert!(silhouette(rows, &[0, 1], 2, None).is_err());
        assert!(silhouette(rows, &[0, 1, 2], 2, None).is_err());
        assert!(choose_k(rows, 2..=3, 0).unwrap_err().message().contains("at least 4 items"));
        assert!(choose_k(rows, 1..=2, 0).is_err());
    }
}
