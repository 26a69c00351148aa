//! Mini-batch k-means (Sculley 2010; scikit-learn's `MiniBatchKMeans`) for
//! many texts: each step moves the centroids towards a random batch of rows,
//! each centroid by the share of rows it has seen so far, so a run costs a few
//! hundred batches rather than full passes over every row. A final pass
//! assigns every row to its nearest centroid.
//!
//! [`crate::kmeans::fit`] switches to it past [`MINI_BATCH_ABOVE`] rows.

use nunchi_engine::{Result, Rng};

use crate::folds::below;
use crate::kmeans::{check_finite, check_k, nearest_centroids, seed_plus_plus, KMeans, KMeansOptions};
use crate::rows::Rows;

/// Rows past which clustering runs mini-batch k-means (full Lloyd passes
/// below: on 20,000 rows they still take seconds).
pub const MINI_BATCH_ABOVE: usize = 20_000;
/// Rows per step (scikit-learn's default).
const BATCH: usize = 1024;
/// Steps without a better smoothed batch inertia before a run stops (scikit-learn's `max_no_improvement`).
const PATIENCE: usize = 10;

/// Clusters `x` with mini-batch steps; `opts.max_iter` bounds the passes
/// over the data, `opts.restarts` the independent runs (lowest inertia kept).
pub fn minibatch_kmeans(x: Rows, opts: &KMeansOptions) -> Result<KMeans> {
    check_k(opts.k, x.len())?;
    check_finite(x)?;
    let mut streams = Rng::new(opts.seed);
    let mut best: Option<KMeans> = None;
    for _ in 0..opts.restarts.max(1) {
        let mut rng = Rng::new(streams.next_u64());
        let run = one_run(x, opts, &mut rng)?;
        if best.as_ref().is_none_or(|b| run.inertia < b.inertia) {
            best = Some(run);
        }
    }
    best.ok_or_else(|| nunchi_engine::Error::input("k-means made no run"))
}

fn one_run(x: Rows, opts: &KMeansOptions, rng: &mut Rng) -> Result<KMeans> {
    let (n, d, k) = (x.len(), x.dim(), opts.k);
    // k-means++ on a random sample of 3 batches (at least 3k rows), as scikit-learn's `init_size`.
    let sample = (3 * BATCH).max(3 * k).min(n);
    let picked: Vec<f32> = (0..sample).flat_map(|_| x.row(below(rng, n)).iter().copied()).collect();
    let mut centroids = seed_plus_plus(Rows::new(&picked, d)?, k, rng);
    let mut counts = vec![0u64; k];
    let steps = (opts.max_iter.max(1) * n).div_ceil(BATCH);
    let (mut smoothed, mut best, mut stale) = (None::<f64>, f64::INFINITY, 0);
    let mut batch = vec![0.0f32; BATCH.min(n) * d];
    let (mut nearest, mut dist) = (vec![0usize; BATCH.min(n)], vec![0.0f32; BATCH.min(n)]);
    let mut sums = vec![0.0f64; k * d];
    let mut taken = 0;
    for step in 0..steps {
        let m = BATCH.min(n);
        for row in batch.chunks_exact_mut(d) {
            row.copy_from_slice(x.row(below(rng, n)));
        }
        let rows = Rows::new(&batch[..m * d], d)?;
        nearest_centroids(rows, &centroids, k, &mut nearest[..m], &mut dist[..m]);
        sums.iter_mut().for_each(|s| *s = 0.0);
        let mut seen = vec![0u64; k];
        for (row, &c) in rows.iter().zip(&nearest[..m]) {
            seen[c] += 1;
            sums[c * d..(c + 1) * d].iter_mut().zip(row).for_each(|(s, &v)| *s += f64::from(v));
        }
        for c in (0..k).filter(|&c| seen[c] > 0) {
            // The mean of everything the centroid has absorbed: old weight counts[c], new rows seen[c].
            let total = (counts[c] + seen[c]) as f64;
            for (v, &s) in centroids[c * d..(c + 1) * d].iter_mut().zip(&sums[c * d..(c + 1) * d]) {
                *v = ((f64::from(*v) * counts[c] as f64 + s) / total) as f32;
            }
            counts[c] += seen[c];
        }
        taken = step + 1;
        // Stop once the smoothed batch inertia has not improved for PATIENCE steps.
        let inertia = dist[..m].iter().map(|&v| f64::from(v)).sum::<f64>() / m as f64;
        let alpha = (2.0 * m as f64 / (n as f64 + 1.0)).min(1.0);
        let ewa = smoothed.map_or(inertia, |s| s * (1.0 - alpha) + inertia * alpha);
        smoothed = Some(ewa);
        if ewa < best {
            (best, stale) = (ewa, 0);
        } else {
            stale += 1;
            if stale >= PATIENCE {
                break;
            }
        }
    }
    let mut assignments = vec![0usize; n];
    let mut all_dist = vec![0.0f32; n];
    nearest_centroids(x, &centroids, k, &mut assignments, &mut all_dist);
    let inertia = all_dist.iter().map(|&v| f64::from(v)).sum();
    Ok(KMeans { k, dim: d, centroids, assignments, inertia, iterations: taken })
}
