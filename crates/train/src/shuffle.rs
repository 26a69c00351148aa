//! Seeded shuffling for pair sampling and epoch order: SplitMix64 and integer
//! arithmetic only, so a seed gives the same order on every platform (the same
//! rule as `nunchi_tasks`' folds).

use nunchi_engine::Rng;

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
