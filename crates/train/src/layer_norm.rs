//! Layer norm over the last dim (`nn.LayerNorm`: biased variance) as one
//! candle op with a written backward.
//!
//! Written from candle's basic ops, the graph keeps four intermediates as
//! large as its input alive per norm until the backward is done (the centred
//! values, their squares, the quotient, the product); this op keeps none, and
//! its backward recomputes the row statistics from the input. The backward
//! (with `x̂ = (x − μ)·r`, `r = 1/√(σ² + ε)`, `ĝ = g·γ`, means over the row):
//! `∂x = r·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂))`, `∂γ = Σ g·x̂`, `∂β = Σ g` (sums over
//! the rows), as PyTorch's `layer_norm_backward` computes them.

use candle_core::backend::BackendStorage;
use candle_core::{bail, CpuStorage, CustomOp3, Layout, Result, Shape, Tensor, D};
use nunchi_engine::cpu::dense::autograd::contiguous_values;

/// `(x − mean) / √(var + eps) · gamma + beta` over the last dim of `x`;
/// `gamma` and `beta` have that dim's size. f32 or f64; differentiable in all three.
pub fn layer_norm(x: &Tensor, gamma: &Tensor, beta: &Tensor, eps: f64) -> Result<Tensor> {
    x.contiguous()?.apply_op3(&gamma.contiguous()?, &beta.contiguous()?, LayerNorm { eps })
}

struct LayerNorm {
    eps: f64,
}

/// One row's forward in the order candle's basic ops compute it: the mean as
/// the sum times `1/n`, the variance as the mean of the squared centred values.
macro_rules! normalize_rows {
    ($t:ty, $x:expr, $gamma:expr, $beta:expr, $eps:expr) => {{
        let (x, gamma, beta): (&[$t], &[$t], &[$t]) = ($x, $gamma, $beta);
        let dim = gamma.len();
        let inv_n = (1.0 / dim as f64) as $t;
        let eps = $eps as $t;
        let mut out = Vec::with_capacity(x.len());
        for row in x.chunks_exact(dim) {
            let mean = row.iter().sum::<$t>() * inv_n;
            let var = row.iter().map(|&v| (v - mean) * (v - mean)).sum::<$t>() * inv_n;
            let denom = (var + eps).sqrt();
            out.extend(row.iter().zip(gamma).zip(beta).map(|((&v, &g), &b)| (v - mean) / denom * g + b));
        }
        out
    }};
}

impl CustomOp3 for LayerNorm {
    fn name(&self) -> &'static str {
        "nunchi-layer-norm"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let dim = l1.shape().dims().last().copied().unwrap_or(0);
        if dim == 0 || l2.shape().elem_count() != dim || l3.shape().elem_count() != dim {
            bail!("{}: input {:?} with gamma {:?} and beta {:?}", self.name(), l1.shape(), l2.shape(), l3.shape());
        }
        let name = self.name();
        let out = match (s1, s2, s3) {
            (CpuStorage::F32(x), CpuStorage::F32(g), CpuStorage::F32(b)) => CpuStorage::F32(normalize_rows!(
                f32,
                contiguous_values(x, l1, name)?,
                contiguous_values(g, l2, name)?,
                contiguous_values(b, l3, name)?,
                self.eps
            )),
            (CpuStorage::F64(x), CpuStorage::F64(g), CpuStorage::F64(b)) => CpuStorage::F64(normalize_rows!(
                f64,
                contiguous_values(x, l1, name)?,
                contiguous_values(g, l2, name)?,
                contiguous_values(b, l3, name)?,
                self.eps
            )),
            _ => bail!("{name}: f32 or f64 operands of one dtype only, got {:?}", s1.dtype()),
        };
        Ok((out, l1.shape().clone()))
    }

    fn bwd(
        &self,
        x: &Tensor,
        gamma: &Tensor,
        _beta: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let (x, grad) = (x.detach(), grad.detach());
        let dim = x.dim(D::Minus1)?;
        let centered = x.broadcast_sub(&x.mean_keepdim(D::Minus1)?)?;
        let rstd = (centered.sqr()?.mean_keepdim(D::Minus1)? + self.eps)?.sqrt()?.recip()?;
        let x_hat = centered.broadcast_mul(&rstd)?;
        let g_hat = grad.broadcast_mul(&gamma.detach())?;
        let mean_g = g_hat.mean_keepdim(D::Minus1)?;
        let mean_gx = (&g_hat * &x_hat)?.mean_keepdim(D::Minus1)?;
        let grad_x = g_hat.broadcast_sub(&mean_g)?.sub(&x_hat.broadcast_mul(&mean_gx)?)?.broadcast_mul(&rstd)?;
        let rows = |t: &Tensor| t.reshape(((), dim));
        let grad_gamma = rows(&(&grad * &x_hat)?)?.sum(0)?.reshape(gamma.shape())?;
        let grad_beta = rows(&grad)?.sum(0)?.reshape(gamma.shape())?;
        Ok((Some(grad_x), Some(grad_gamma), Some(grad_beta)))
    }
}
