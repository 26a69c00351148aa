//! Our f32 linear layer for wasm: weights packed once at load into panels of
//! [`PANEL`] output columns ([`PackedF32Matrix`]), and a register-blocked
//! SIMD128 GEMM ([`wasm`]) with its scalar twin ([`scalar`]).
//!
//! Why not candle's matmul (the `gemm` crate) here: it packs the weight
//! matrix on every call, which at batch 1 (a few dozen rows against a
//! 384 × 1536 matrix) costs as much as the product. Natively candle's AVX
//! path with threads stays, so there the twin is only tested.

pub mod pack;
pub mod scalar;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub mod wasm;

pub use pack::{PackedF32Matrix, PANEL};

use crate::error::{Error, Result};

/// Whether this build has the SIMD kernel (otherwise the scalar twin runs).
pub const HAS_SIMD_KERNEL: bool = cfg!(all(target_arch = "wasm32", target_feature = "simd128"));

/// `out = x · Wᵀ (+ bias)` with the fastest kernel this build has; `x` is
/// `rows × k`, `out` `rows × n`.
pub fn gemm(x: &[f32], w: &PackedF32Matrix, bias: Option<&[f32]>, out: &mut [f32]) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    wasm::gemm(x, w, bias, out);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    scalar::gemm_slow(x, w, bias, out);
}

/// `y = x · Wᵀ + bias` for `x` holding whole rows of `w.k()` values.
pub fn linear(x: &[f32], w: &PackedF32Matrix, bias: Option<&[f32]>) -> Result<Vec<f32>> {
    let (n, k) = (w.n(), w.k());
    if k == 0 || !x.len().is_multiple_of(k) {
        return Err(Error::backend(format!("f32 linear: {} input values are not whole rows of {k}", x.len())));
    }
    if let Some(bias) = bias {
        if bias.len() != n {
            return Err(Error::backend(format!("f32 linear: a bias of {} values for {n} outputs", bias.len())));
        }
    }
    let mut out = vec![0f32; x.len() / k * n];
    gemm(x, w, bias, &mut out);
    Ok(out)
}
