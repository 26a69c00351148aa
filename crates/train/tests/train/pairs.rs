//! SetFit's pair sampling: counts, targets, alternation, coverage of every
//! combination, determinism per seed, and the input checks.

use nunchi_train::pairs::{check_examples, contrastive_pairs, Pair, DEFAULT_NUM_ITERATIONS};

const TEXTS: [&str; 7] = ["good", "great", "fine film", "bad", "awful", "dull", "meh"];
const LABELS: [&str; 7] = ["pos", "pos", "pos", "neg", "neg", "neg", "neg"];

fn pairs(iterations: usize, seed: u64) -> Vec<Pair> {
    contrastive_pairs(&TEXTS, &LABELS, iterations, seed).expect("pairs")
}

#[test]
fn one_positive_and_one_negative_per_example_per_iteration() {
    let p = pairs(DEFAULT_NUM_ITERATIONS, 42);
    assert_eq!(p.len(), 2 * DEFAULT_NUM_ITERATIONS * TEXTS.len());
    assert_eq!(p.iter().filter(|p| p.label == 1.0).count(), DEFAULT_NUM_ITERATIONS * TEXTS.len());
    // Positive, negative, positive, … as SetFit's zip_longest interleaves them.
    for (k, pair) in p.iter().enumerate() {
        assert_eq!(pair.label, if k % 2 == 0 { 1.0 } else { 0.0 }, "pair {k}");
    }
}

#[test]
fn targets_follow_the_labels() {
    for pair in pairs(3, 1) {
        assert!(pair.a < TEXTS.len() && pair.b < TEXTS.len());
        assert_eq!(pair.label == 1.0, LABELS[pair.a] == LABELS[pair.b], "{pair:?}");
    }
}

#[test]
fn every_combination_comes_before_any_repeats() {
    // 7 examples: 28 combinations with replacement; positives 3·4/2 + 4·5/2 = 16
    // (self-pairs included), negatives 3·4 = 12.
    let p = pairs(DEFAULT_NUM_ITERATIONS, 5);
    let key = |q: &Pair| (q.a.min(q.b), q.a.max(q.b));
    let positives: Vec<_> = p.iter().filter(|q| q.label == 1.0).map(key).collect();
    let negatives: Vec<_> = p.iter().filter(|q| q.label == 0.0).map(key).collect();
    let distinct = |v: &[(usize, usize)]| {
        let mut v = v.to_vec();
        v.sort_unstable();
        v.dedup();
        v.len()
    };
    assert_eq!(distinct(&positives[..16]), 16);
    assert_eq!(distinct(&negatives[..12]), 12);
    // Then the lists repeat in the same order (cycled).
    assert_eq!(positives[16..32], positives[..16]);
    assert_eq!(negatives[12..24], negatives[..12]);
}

#[test]
fn the_same_seed_gives_the_same_pairs() {
    assert_eq!(pairs(4, 9), pairs(4, 9));
    assert_ne!(pairs(4, 9), pairs(4, 10));
}

#[test]
fn labels_may_be_any_comparable_type() {
    let p = contrastive_pairs(&TEXTS, &[0, 0, 0, 1, 1, 1, 1], 2, 42).unwrap();
    let q = pairs(2, 42);
    assert_eq!(p, q);
}

fn error(texts: &[&str], labels: &[&str], iterations: usize) -> String {
    let err = contrastive_pairs(texts, labels, iterations, 0).expect_err("rejected");
    assert_eq!(err.code(), "E_INPUT");
    err.message().to_string()
}

#[test]
fn bad_examples_are_refused_with_the_reason() {
    assert!(error(&["a", "b", "c"], &["x", "x", "x"], 1).contains("at least 2 labels"));
    let single = error(&["a", "b", "c"], &["x", "x", "lonely"], 1);
    assert!(single.contains("'lonely'") && single.contains("single example"), "{single}");
    assert!(error(&["a", "  ", "c", "d"], &["x", "x", "y", "y"], 1).contains("text 1 is empty"));
    assert!(error(&["a", "b"], &["x"], 1).contains("2 texts but 1 labels"));
    assert!(error(&["a", "b", "c", "d"], &["x", "x", "y", "y"], 0).contains("num_iterations"));
    assert!(check_examples(&["a", "b", "c", "d"], &["x", "y", "x", "y"]).is_ok());
}
