//! Relative position bias as T5 and MPNet compute it: each query-key offset
//! falls in a log-spaced bucket, and each bucket holds a learned bias per head.

use nunchi_engine::{Backend, Result};

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
    use super::relative_position_bucket;

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
