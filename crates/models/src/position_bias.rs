//! Relative positions as T5, MPNet and DeBERTa read them: each query-key
//! offset falls in a log-spaced bucket. T5 and MPNet keep a learned bias per
//! bucket and head; DeBERTa keeps an embedding per bucket, which its
//! disentangled attention reads through the one-hot tables built here.

use nunchi_engine::{Backend, Error, Result};

/// Refuses bucket settings [`relative_position_bucket`] cannot honour: it
/// needs a few exact buckets (at least 4 in all) and log-spaced ones that
/// reach past them (`max_distance` beyond half the buckets); otherwise it
/// computes buckets below 0, and a lookup in the bias table fails.
pub fn check_buckets(num_buckets: usize, max_distance: usize, what: &str) -> Result<()> {
    if num_buckets < 4 || max_distance <= num_buckets / 2 {
        return Err(Error::format(format!(
            "{what} config: {num_buckets} relative attention buckets up to a distance of {max_distance} \
             (needs at least 4 buckets, and a distance past half of them)"
        )));
    }
    Ok(())
}

/// T5's relative position bucket (transformers' `_relative_position_bucket`),
/// computed in f32 as PyTorch does so bucket edges agree exactly.
pub fn relative_position_bucket(relative: i64, bidirectional: bool, num_buckets: usize, max_distance: usize) -> usize {
    let mut buckets = num_buckets as i64;
    let mut result = 0i64;
    let mut rel = relative;
    if bidirectional {
        buckets /= 2;
        if rel > 0 {
            result += buckets;
        }
        rel = rel.abs();
    } else {
        rel = -rel.min(0);
    }
    let max_exact = buckets / 2;
    if rel < max_exact {
        result += rel;
    } else {
        let ratio = ((rel as f32) / (max_exact as f32)).ln() / ((max_distance as f64 / max_exact as f64).ln() as f32);
        let large = max_exact + (ratio * (buckets - max_exact) as f32) as i64;
        result += large.min(buckets - 1);
    }
    result as usize
}

/// Relative position bias table `[buckets, heads]`, kept on the host: only the
/// `[heads, q, k]` bias for the current shape is uploaded.
/// DeBERTa's `make_log_bucket_position` for one query-minus-key offset:
/// offsets within `bucket_size / 2` stay as they are, farther ones are
/// log-spaced up to `max_position`, computed in f32 as PyTorch does.
pub fn deberta_log_bucket(relative: i64, bucket_size: usize, max_position: usize) -> i64 {
    let mid = (bucket_size / 2) as i64;
    let abs = if relative < mid && relative > -mid { mid - 1 } else { relative.abs() };
    if abs <= mid {
        return relative;
    }
    let ratio = ((abs as f32) / (mid as f32)).ln() / (((max_position - 1) as f64 / mid as f64) as f32).ln();
    let log_pos = (ratio * (mid - 1) as f32).ceil() + mid as f32;
    log_pos as i64 * relative.signum()
}

/// DeBERTa's relative position of query `i` to key `j`, as an index into its
/// `2 · span` relative embeddings (`c2p_pos`: the bucket of `i - j`, shifted by
/// `span` and clamped).
pub fn deberta_relative_index(i: usize, j: usize, span: usize, buckets: usize, max_position: usize) -> usize {
    let relative = i as i64 - j as i64;
    let bucket = if buckets > 0 { deberta_log_bucket(relative, buckets, max_position) } else { relative };
    (bucket + span as i64).clamp(0, 2 * span as i64 - 1) as usize
}

/// A one-hot table `[len, 2·span, len]` with a 1 at `[a, index(a, b), b]`:
/// multiplying a `[.., len, heads, 2·span]` score table by it picks, for each
/// `a` and `b`, the score of the bucket between them (PyTorch's `gather`,
/// written as a batched matmul so every backend runs it with its own kernels).
pub fn one_hot_gather(len: usize, span: usize, index: impl Fn(usize, usize) -> usize) -> Vec<f32> {
    let width = 2 * span;
    let mut table = vec![0f32; len * width * len];
    for a in 0..len {
        for b in 0..len {
            table[(a * width + index(a, b)) * len + b] = 1.0;
        }
    }
    table
}

pub(crate) struct PositionBias {
    pub table: Vec<f32>,
    pub heads: usize,
    pub num_buckets: usize,
    pub max_distance: usize,
    pub bidirectional: bool,
}

impl PositionBias {
    /// Bias `[1, heads, q_len, k_len]` for queries at positions `q_offset..`.
    pub fn compute<B: Backend>(&self, b: &B, q_offset: usize, q_len: usize, k_len: usize) -> Result<B::Tensor> {
        let mut out = vec![0f32; self.heads * q_len * k_len];
        for i in 0..q_len {
            for j in 0..k_len {
                let rel = j as i64 - (q_offset + i) as i64;
                let bucket = relative_position_bucket(rel, self.bidirectional, self.num_buckets, self.max_distance);
                for h in 0..self.heads {
                    out[(h * q_len + i) * k_len + j] = self.table[bucket * self.heads + h];
                }
            }
        }
        b.tensor(&out, &[1, self.heads, q_len, k_len])
    }
}

#[cfg(test)]
mod tests {
    use super::{deberta_log_bucket, relative_position_bucket};

    /// Values from transformers' `make_log_bucket_position` (bucket size 256, max position 512, DeBERTa-v3-base).
    #[test]
    fn deberta_buckets_match_transformers() {
        let got: Vec<i64> = [-511, -300, -200, -129, -128, -127, -1, 0, 1, 127, 128, 129, 200, 300, 511]
            .iter()
            .map(|&r| deberta_log_bucket(r, 256, 512))
            .collect();
        assert_eq!(got, vec![-255, -207, -169, -129, -128, -127, -1, 0, 1, 127, 128, 129, 169, 207, 255]);
        // Bucket size 16, max position 64 (the test fixture's), offsets 0..=63.
        let small: Vec<i64> = (0..64).map(|r| deberta_log_bucket(r, 16, 64)).collect();
        let want = [
            0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 10, 10, 10, 10, 11, 11, 11, 11, 11, 12, 12, 12, 12, 12, 12, 12, 13, 13, 13, 13, 13,
            13, 13, 13, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15,
            15, 15, 15,
        ];
        assert_eq!(small, want);
    }

    /// Every accepted setting keeps every offset in its bucket table.
    #[test]
    fn accepted_bucket_settings_stay_in_their_table() {
        assert!(super::check_buckets(8, 1, "t5").is_err());
        assert!(super::check_buckets(2, 128, "mpnet").is_err());
        for (buckets, distance) in [(4, 3), (8, 5), (32, 17), (32, 128), (33, 17)] {
            assert!(super::check_buckets(buckets, distance, "t5").is_ok());
            for bidirectional in [true, false] {
                for rel in -300..300 {
                    let b = relative_position_bucket(rel, bidirectional, buckets, distance);
                    assert!(b < buckets, "{rel} in bucket {b} of {buckets} (distance {distance})");
                }
            }
        }
    }

    /// Values from transformers' `T5Attention._relative_position_bucket` (32 buckets, max distance 128).
    #[test]
    fn buckets_match_transformers() {
        let bi: Vec<usize> = [-200, -128, -64, -20, -8, -7, -1, 0, 1, 7, 8, 20, 64, 128, 200]
            .iter()
            .map(|&r| relative_position_bucket(r, true, 32, 128))
            .collect();
        assert_eq!(bi, vec![15, 15, 14, 10, 8, 7, 1, 0, 17, 23, 24, 26, 30, 31, 31]);
        let uni: Vec<usize> =
            [-200, -64, -16, -15, -1, 0, 3].iter().map(|&r| relative_position_bucket(r, false, 32, 128)).collect();
        assert_eq!(uni, vec![31, 26, 16, 15, 1, 0, 0]);
    }
}
