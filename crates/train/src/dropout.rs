//! Dropout as PyTorch's `nn.Dropout` applies it in `train()` mode: each
//! element is zeroed with probability `p` and the rest scaled by `1/(1-p)`.
//! The masks come from the seeded [`Rng`], so a seed gives the same run on
//! every platform. Off (`p = 0`) is the identity, what inference and the
//! PyTorch goldens (taken in `eval()` mode) compute.

use candle_core::{Result, Tensor};
use nunchi_engine::Rng;

pub struct Dropout {
    p: f64,
    rng: Rng,
}

impl Dropout {
    /// `p` in [0, 1): the share of elements zeroed.
    pub fn new(p: f64, seed: u64) -> Self {
        Self { p, rng: Rng::new(seed) }
    }

    pub fn off() -> Self {
        Self::new(0.0, 0)
    }

    pub fn is_off(&self) -> bool {
        self.p == 0.0
    }

    pub fn apply(&mut self, x: &Tensor) -> Result<Tensor> {
        if self.is_off() {
            return Ok(x.clone());
        }
        let keep = (1.0 / (1.0 - self.p)) as f32;
        let mask: Vec<f32> = (0..x.elem_count()).map(|_| if self.rng.next_f64() < self.p { 0.0 } else { keep }).collect();
        x * Tensor::from_vec(mask, x.shape(), x.device())?.to_dtype(x.dtype())?
    }
}
