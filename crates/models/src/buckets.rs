//! Length buckets: a batch of texts cut into sub-batches of similar length, so
//! padding does not waste work. One long text in a batch of short ones would
//! otherwise pad every row to its length (transformers.js's batch 32 is slower
//! per text than its batch 1 for this reason).

/// Padding allowed per bucket, as a share of its real tokens. Past this, a
/// longer text starts a new bucket: one more forward pass costs less than the
/// padded rows would.
pub const MAX_PADDING: f32 = 0.25;

/// Indices of `lengths`, grouped into buckets; within a bucket, lengths are
/// ascending; each bucket's padded size (count × longest) stays within
/// `1 + MAX_PADDING` of its real tokens. Every index appears exactly once.
pub fn length_buckets(lengths: &[usize]) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..lengths.len()).collect();
    order.sort_by_key(|&i| lengths[i]);
    let mut buckets: Vec<Vec<usize>> = Vec::new();
    let mut real = 0usize;
    for i in order {
        let len = lengths[i].max(1);
        if let Some(bucket) = buckets.last_mut() {
            // Sorted ascending, so `len` is the bucket's new longest.
            let padded = (bucket.len() + 1) * len;
            if padded as f32 <= (real + len) as f32 * (1.0 + MAX_PADDING) {
                bucket.push(i);
                real += len;
                continue;
            }
        }
        buckets.push(vec![i]);
        real = len;
    }
    buckets
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain rule, checked on a bucketing: every index once, padding within bounds.
    fn check(lengths: &[usize], buckets: &[Vec<usize>]) {
        let mut seen: Vec<usize> = buckets.iter().flatten().copied().collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..lengths.len()).collect::<Vec<_>>());
        for b in buckets {
            let real: usize = b.iter().map(|&i| lengths[i].max(1)).sum();
            let longest = b.iter().map(|&i| lengths[i].max(1)).max().unwrap_or(0);
            assert!((b.len() * longest) as f32 <= real as f32 * (1.0 + MAX_PADDING) + 1e-3, "{b:?}");
        }
    }

    #[test]
    fn equal_lengths_make_one_bucket() {
        let lengths = vec![12; 32];
        let b = length_buckets(&lengths);
        assert_eq!(b.len(), 1);
        check(&lengths, &b);
    }

    #[test]
    fn one_long_outlier_gets_its_own_bucket() {
        let mut lengths = vec![10; 31];
        lengths.push(200);
        let b = length_buckets(&lengths);
        assert_eq!(b, vec![(0..31).collect::<Vec<_>>(), vec![31]]);
    }

    #[test]
    fn mixed_lengths_keep_padding_bounded() {
        // Deterministic spread like real sentences: 5..=60 tokens.
        let lengths: Vec<usize> = (0..100).map(|i| 5 + (i * 37 % 56)).collect();
        let b = length_buckets(&lengths);
        check(&lengths, &b);
        assert!(b.len() <= 12, "{} buckets", b.len());
    }

    #[test]
    fn empty_input_gives_no_buckets() {
        assert!(length_buckets(&[]).is_empty());
    }
}
