//! Choosing the next token: greedy, or sampling with temperature, top-k and
//! top-p from a seeded generator, so the same seed gives the same text on
//! every platform.

pub use nunchi_engine::Rng;
use nunchi_engine::{Error, Result};

#[derive(Debug, Clone, PartialEq)]
pub struct SamplingOptions {
    /// 0 (or less) means greedy decoding.
    pub temperature: f32,
    /// Keep the k most likely tokens (0 = all).
    pub top_k: usize,
    /// Keep the smallest set of tokens whose probability reaches p (1.0 = all).
    pub top_p: f32,
    pub seed: u64,
}

impl Default for SamplingOptions {
    fn default() -> Self {
        Self { temperature: 0.0, top_k: 0, top_p: 1.0, seed: 0 }
    }
}

impl SamplingOptions {
    pub fn validate(&self) -> Result<()> {
        if !self.temperature.is_finite() || self.temperature < 0.0 {
            return Err(Error::input(format!("temperature must be a number ≥ 0, got {}", self.temperature)));
        }
        if !(self.top_p > 0.0 && self.top_p <= 1.0) {
            return Err(Error::input(format!("top_p must be in (0, 1], got {}", self.top_p)));
        }
        Ok(())
    }
}

/// Index of the largest logit; the first one on ties (as `torch.argmax`).
pub fn argmax(logits: &[f32]) -> u32 {
    nunchi_engine::vector::argmax(logits) as u32
}

/// Token indices by descending logit, the lower index first on ties (a
/// stable sort), cut to the first `k` (all when `k` is 0).
pub fn top_k_order(logits: &[f32], k: usize) -> Vec<u32> {
    let mut order: Vec<u32> = (0..logits.len() as u32).collect();
    order.sort_by(|&a, &b| logits[b as usize].total_cmp(&logits[a as usize]));
    if k > 0 {
        order.truncate(k.max(1));
    }
    order
}

/// `log_softmax` of one row, computed in f64 for stable sums.
pub fn log_softmax(logits: &[f32]) -> Vec<f32> {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
    let lse = logits.iter().map(|&x| (x as f64 - max).exp()).sum::<f64>().ln() + max;
    logits.iter().map(|&x| (x as f64 - lse) as f32).collect()
}

pub struct Sampler {
    opts: SamplingOptions,
    rng: Rng,
}

impl Sampler {
    pub fn new(opts: SamplingOptions) -> Result<Self> {
        opts.validate()?;
        let rng = Rng::new(opts.seed);
        Ok(Self { opts, rng })
    }

    /// Greedy decoding needs only the argmax, which a backend can find where the logits are.
    pub fn is_greedy(&self) -> bool {
        self.opts.temperature <= 0.0
    }

    /// How many of the largest logits sampling looks at, when that is fewer than
    /// all of them (top-k sampling): a backend can find those and read back only
    /// them. `None` for greedy decoding and for sampling over every token.
    pub fn top_k(&self) -> Option<usize> {
        (!self.is_greedy() && self.opts.top_k > 0).then_some(self.opts.top_k)
    }

    pub fn next(&mut self, logits: &[f32]) -> u32 {
        if self.opts.temperature <= 0.0 {
            return argmax(logits);
        }
        let order = top_k_order(logits, self.opts.top_k);
        let values: Vec<f32> = order.iter().map(|&i| logits[i as usize]).collect();
        self.sample_ordered(&values, &order)
    }

    /// Samples from candidates already in sampling order (largest first, lower
    /// index first on ties) and cut to top-k, e.g. a backend's `top_k`: the
    /// same choice `next` makes from the full logits.
    pub fn next_from_top_k(&mut self, values: &[f32], indices: &[u32]) -> u32 {
        if self.is_greedy() {
            return indices.first().copied().unwrap_or(0);
        }
        self.sample_ordered(values, indices)
    }

    fn sample_ordered(&mut self, values: &[f32], order: &[u32]) -> u32 {
        if values.is_empty() || values.len() != order.len() {
            return 0; // no candidates (an empty vocabulary): nothing to choose from
        }
        let t = self.opts.temperature as f64;
        let mut order = order.to_vec();
        let max = values[0] as f64;
        let mut probs: Vec<f64> = values.iter().map(|&v| ((v as f64 - max) / t).exp()).collect();
        let total: f64 = probs.iter().sum();
        probs.iter_mut().for_each(|p| *p /= total);
        if self.opts.top_p < 1.0 {
            let mut acc = 0.0;
            let mut keep = probs.len();
            for (i, p) in probs.iter().enumerate() {
                acc += p;
                if acc >= self.opts.top_p as f64 {
                    keep = i + 1;
                    break;
                }
            }
            probs.truncate(keep);
            order.truncate(keep);
        }
        let total: f64 = probs.iter().sum();
        let mut r = self.rng.next_f64() * total;
        for (i, p) in probs.iter().enumerate() {
            if r < *p {
                return order[i];
            }
            r -= p;
        }
        order[order.len() - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greedy_is_argmax_and_ties_take_the_first() {
        let mut s = Sampler::new(SamplingOptions::default()).unwrap();
        assert_eq!(s.next(&[0.1, 3.0, 3.0, -1.0]), 1);
    }

    #[test]
    fn same_seed_same_choices_and_top_k_one_is_greedy() {
        let logits: Vec<f32> = (0..50).map(|i| ((i * 37) % 11) as f32 * 0.3).collect();
        let opts = SamplingOptions { temperature: 1.0, top_k: 0, top_p: 1.0, seed: 7 };
        let a: Vec<u32> = {
            let mut s = Sampler::new(opts.clone()).unwrap();
            (0..20).map(|_| s.next(&logits)).collect()
        };
        let b: Vec<u32> = {
            let mut s = Sampler::new(opts.clone()).unwrap();
            (0..20).map(|_| s.next(&logits)).collect()
        };
        assert_eq!(a, b);
        assert!(a.iter().any(|&x| x != a[0]), "sampling at temperature 1 should vary: {a:?}");
        let mut k1 = Sampler::new(SamplingOptions { top_k: 1, ..opts }).unwrap();
        assert_eq!(k1.next(&logits), argmax(&logits));
    }

    #[test]
    fn sampling_from_a_backends_top_k_makes_the_same_choices_as_from_all_logits() {
        let logits: Vec<f32> = (0..500).map(|i| ((i * 7919) % 101) as f32 * 0.05).collect(); // many ties
        let opts = SamplingOptions { temperature: 0.8, top_k: 40, top_p: 0.9, seed: 3 };
        let (mut full, mut top) = (Sampler::new(opts.clone()).unwrap(), Sampler::new(opts).unwrap());
        assert_eq!(top.top_k(), Some(40));
        let order = top_k_order(&logits, 40);
        let values: Vec<f32> = order.iter().map(|&i| logits[i as usize]).collect();
        for _ in 0..50 {
            assert_eq!(full.next(&logits), top.next_from_top_k(&values, &order));
        }
        assert_eq!(Sampler::new(SamplingOptions::default()).unwrap().top_k(), None, "greedy needs no top-k");
    }

    #[test]
    fn top_p_keeps_only_the_nucleus() {
        // One token holds ~88% of the mass; p = 0.5 must always pick it.
        let logits = [5.0, 3.0, 0.0, 0.0];
        let mut s = Sampler::new(SamplingOptions { temperature: 1.0, top_k: 0, top_p: 0.5, seed: 1 }).unwrap();
        assert!((0..100).all(|_| s.next(&logits) == 0));
    }

    #[test]
    fn bad_options_are_rejected() {
        assert!(Sampler::new(SamplingOptions { temperature: -1.0, ..Default::default() }).is_err());
        assert!(Sampler::new(SamplingOptions { top_p: 0.0, ..Default::default() }).is_err());
    }

    #[test]
    fn log_softmax_sums_to_one() {
        let l = log_softmax(&[1.0, 2.0, 3.0]);
        let s: f32 = l.iter().map(|x| x.exp()).sum();
        assert!((s - 1.0).abs() < 1e-6);
    }
}
