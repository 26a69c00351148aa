//! The encoder's pieces written from candle's basic ops, so that candle's
//! autograd differentiates them: candle-nn's fused `layer_norm` and
//! `softmax_last_dim` are forward-only (`apply_op*_no_bwd`), and candle's own
//! `gelu_erf` backward rounds 1/√(2π) to 0.398942. Each works in the tensor's own dtype:
//! f32 for training, f64 for the finite-difference tests.

use candle_core::{Result, Tensor, D};
use nunchi_engine::Activation;

/// `x [rows, in] · wᵀ + b`, `w [out, in]` (PyTorch's `nn.Linear`).
pub fn linear(x: &Tensor, w: &Tensor, b: &Tensor) -> Result<Tensor> {
    x.matmul(&w.t()?)?.broadcast_add(b)
}

/// Layer norm over the last dim with the biased variance, as `nn.LayerNorm`:
/// `(x - mean) / sqrt(var + eps) · gamma + beta`.
pub fn layer_norm(x: &Tensor, gamma: &Tensor, beta: &Tensor, eps: f64) -> Result<Tensor> {
    let centered = x.broadcast_sub(&x.mean_keepdim(D::Minus1)?)?;
    let var = centered.sqr()?.mean_keepdim(D::Minus1)?;
    centered.broadcast_div(&(var + eps)?.sqrt()?)?.broadcast_mul(gamma)?.broadcast_add(beta)
}

/// The feed-forward activation, as transformers' `ACT2FN` computes it.
pub fn activation(x: &Tensor, act: Activation) -> Result<Tensor> {
    match act {
        // `gelu`: x · Φ(x) = x/2 · (1 + erf(x/√2)); candle's erf backward is exact.
        Activation::GeluErf => (x * ((x / std::f64::consts::SQRT_2)?.erf()? + 1.0)?)? * 0.5,
        // `gelu_new`: x/2 · (1 + tanh(√(2/π) · (x + 0.044715 x³))).
        Activation::GeluTanh => {
            let inner = ((x + (x.powf(3.0)? * 0.044715)?)? * (2.0 / std::f64::consts::PI).sqrt())?;
            (x * (inner.tanh()? + 1.0)?)? * 0.5
        }
        Activation::Relu => x.relu(),
    }
}

/// Softmax over the last dim. The max subtracted for range cancels out of the
/// result and its gradient, so it is detached from the graph.
pub fn softmax_last_dim(x: &Tensor) -> Result<Tensor> {
    let shifted = x.broadcast_sub(&x.max_keepdim(D::Minus1)?.detach())?.exp()?;
    shifted.broadcast_div(&shifted.sum_keepdim(D::Minus1)?)
}

/// Mean of `x [batch, tokens, dim]` over the tokens whose `mask [batch, tokens]`
/// is 1 → `[batch, dim]`: sentence-transformers' mean pooling, including its
/// `clamp(min=1e-9)` of the token count
/// (<https://github.com/UKPLab/sentence-transformers/blob/master/sentence_transformers/models/Pooling.py>).
pub fn masked_mean(x: &Tensor, mask: &Tensor) -> Result<Tensor> {
    let mask = mask.to_dtype(x.dtype())?.unsqueeze(D::Minus1)?;
    let sum = x.broadcast_mul(&mask)?.sum(1)?;
    sum.broadcast_div(&mask.sum(1)?.maximum(1e-9)?)
}
