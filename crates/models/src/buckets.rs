//! How a batch of texts is cut into model runs.
//! - Length buckets, for padded batches (the WebGPU path): sub-batches of
//!   similar length, so padding does not waste work. One long text in a batch
//!   of short ones would otherwise pad every row to its length
//!   (transformers.js's batch 32 is slower per text than its batch 1 for this reason).
//! - Packed runs, for packed batches (the CPU path, no padding at all):
//!   contiguous runs of about equal tokens, one per thread.

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

/// Tokens a packed run holds at most (give or take half a text): its largest
/// activations (the feed-forward layer's, 1,536 wide in MiniLM) stay about 12 MB.
pub const MAX_PACKED_TOKENS: usize = 2048;

/// Indices of `lengths` in contiguous runs, in order, for packed batches:
/// `parts` runs of about equal tokens (a text goes to the run its middle
/// token falls in), more where a run would pass `max_tokens`, fewer where
/// there are fewer texts. Every index appears exactly once.
pub fn packed_runs(lengths: &[usize], parts: usize, max_tokens: usize) -> Vec<Vec<usize>> {
    let total: usize = lengths.iter().sum();
    let parts = parts.max(total.div_ceil(max_tokens.max(1))).max(1);
    let share = (total as f64 / parts as f64).max(1.0);
    let mut runs: Vec<Vec<usize>> = Vec::new();
    let (mut before, mut current) = (0usize, None);
    for (i, &len) in lengths.iter().enumerate() {
        let middle = before as f64 + len as f64 / 2.0;
        let run = ((middle / share) as usize).min(parts - 1);
        if current != Some(run) {
            runs.push(Vec::new());
            current = Some(run);
        }
        runs.last_mut().expect("a run was just pushed").push(i);
        before += len;
    }
    runs
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

    #[test]
    fn packed_runs_keep_order_and_balance_tokens() {
        let lengths: Vec<usize> = (0..32).map(|i| 5 + (i * 37 % 56)).collect();
        let total: usize = lengths.iter().sum();
        for parts in [1, 2, 3, 4] {
            let runs = packed_runs(&lengths, parts, MAX_PACKED_TOKENS);
            assert_eq!(runs.concat(), (0..32).collect::<Vec<_>>(), "every index once, in order");
            assert_eq!(runs.len(), parts);
            for run in &runs {
                let tokens: usize = run.iter().map(|&i| lengths[i]).sum();
                // Within one text (≤ 60 tokens) of an equal share.
                assert!(tokens.abs_diff(total / parts) <= 60, "{parts} parts: a run of {tokens} of {total} tokens");
            }
        }
    }

    #[test]
    fn packed_runs_cut_big_batches_and_never_exceed_the_texts() {
        let runs = packed_runs(&[100; 50], 1, 1000);
        assert_eq!(runs.len(), 5, "5,000 tokens in runs of at most about 1,000");
        assert!(runs.iter().all(|r| r.len() == 10));
        assert_eq!(packed_runs(&[7, 9], 4, MAX_PACKED_TOKENS), vec![vec![0], vec![1]], "two texts make two runs at most");
        assert!(packed_runs(&[], 2, MAX_PACKED_TOKENS).is_empty());
    }
}
