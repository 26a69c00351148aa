//! The encoder's pieces, differentiable by candle's autograd: candle-nn's
//! fused `layer_norm` and `softmax_last_dim` are forward-only
//! (`apply_op*_no_bwd`), and candle's own `gelu_erf` backward rounds 1/√(2π)
//! to 0.398942. Layer norm, GELU and the attention's softmax are ops of ours
//! with written backwards ([`crate::layer_norm`], [`crate::gelu_erf`],
//! [`crate::attention_softmax`]), which keep no intermediates; in wasm the
//! linear layers run on our SIMD kernel ([`linear_t`]); the rest are candle's
//! basic ops. Each works in the tensor's own dtype: f32
//! for training, f64 for the finite-difference tests.

use candle_core::{DType, Result, Tensor, D};
use nunchi_engine::cpu::dense::{self, linear_t};
use nunchi_engine::Activation;

pub use crate::attention_softmax::attention_softmax;
use crate::gelu_erf::gelu_erf;
pub use crate::layer_norm::layer_norm;

/// `x [rows, in] · wᵀ + b`, `w [out, in]` (PyTorch's `nn.Linear`). In f32
/// where this build has our SIMD kernel (wasm), it runs on it as one op
/// ([`linear_t`]); elsewhere, and in f64, on candle's matmul and add.
pub fn linear(x: &Tensor, w: &Tensor, b: &Tensor) -> Result<Tensor> {
    if dense::HAS_SIMD_KERNEL && x.dtype() == DType::F32 {
        return linear_t(x, w, b);
    }
    x.matmul(&w.t()?)?.broadcast_add(b)
}

/// The feed-forward activation, as transformers' `ACT2FN` computes it.
pub fn activation(x: &Tensor, act: Activation) -> Result<Tensor> {
    match act {
        // `gelu`: x · Φ(x) = x/2 · (1 + erf(x/√2)), one op that keeps no intermediates.
        Activation::GeluErf => gelu_erf(x),
        // `gelu_new`: x/2 · (1 + tanh(√(2/π) · (x + 0.044715 x³))).
        Activation::GeluTanh => {
            let inner = ((x + (x.powf(3.0)? * 0.044715)?)? * (2.0 / std::f64::consts::PI).sqrt())?;
            (x * (inner.tanh()? + 1.0)?)? * 0.5
        }
        Activation::Relu => x.relu(),
    }
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
