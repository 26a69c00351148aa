//! Dropout as PyTorch's `nn.Dropout` applies it in `train()` mode: each
//! element is zeroed with probability `p` and the rest scaled by `1/(1-p)`.
//! The masks come from the seeded [`Rng`], so a seed gives the same run on
//! every platform. Off (`p = 0`) is the identity, what inference and the
//! PyTorch goldens (taken in `eval()` mode) compute.

use std::sync::Arc;

use candle_core::backend::BackendStorage;
use candle_core::{bail, CpuStorage, CustomOp1, Layout, Result, Shape, Tensor};
use nunchi_engine::cpu::dense::autograd::contiguous_values;
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
        let n = x.elem_count();
        let mut keep = vec![0u64; n.div_ceil(64)];
        for i in 0..n {
            if self.rng.next_f64() >= self.p {
                keep[i / 64] |= 1 << (i % 64);
            }
        }
        let mask = Mask { keep: Arc::new(keep), scale: 1.0 / (1.0 - self.p) };
        x.contiguous()?.apply_op1(mask)
    }
}

/// Which elements a dropout keeps, one bit each (the graph holds this, not an
/// activation-sized tensor of factors), and the factor the kept ones take.
struct Mask {
    keep: Arc<Vec<u64>>,
    scale: f64,
}

impl Mask {
    fn factor(&self, i: usize) -> f64 {
        if self.keep[i / 64] >> (i % 64) & 1 == 1 {
            self.scale
        } else {
            0.0
        }
    }
}

impl CustomOp1 for Mask {
    fn name(&self) -> &'static str {
        "nunchi-dropout"
    }

    /// `x · factor`, as candle's product with a tensor of the factors computes it.
    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let out = match storage {
            CpuStorage::F32(v) => CpuStorage::F32(
                contiguous_values(v, layout, self.name())?.iter().enumerate().map(|(i, &x)| x * self.factor(i) as f32).collect(),
            ),
            CpuStorage::F64(v) => CpuStorage::F64(
                contiguous_values(v, layout, self.name())?.iter().enumerate().map(|(i, &x)| x * self.factor(i)).collect(),
            ),
            other => bail!("{}: f32 or f64 only, got {:?}", self.name(), other.dtype()),
        };
        Ok((out, layout.shape().clone()))
    }

    /// The same factors on the gradient.
    fn bwd(&self, _x: &Tensor, _res: &Tensor, grad: &Tensor) -> Result<Option<Tensor>> {
        Ok(Some(grad.contiguous()?.apply_op1_no_bwd(self)?))
    }
}
