//! Our own q8_0 linear layer: weights packed once at load ([`PackedQ8Matrix`]),
//! activations quantized per call ([`QuantizedRows`]), and a register-blocked
//! int8 GEMM on SIMD128 ([`wasm`]): activations widened to int16 and
//! multiplied with `i32x4.dot_i16x8_s`.
//!
//! [`scalar`] holds its reference twin; natively (where candle's AVX path
//! serves the models) the twin runs. [`parallel`] cuts a GEMM's output
//! columns into blocks for the threads build; each block runs the same kernel.

pub mod block;
pub mod pack;
pub mod parallel;
pub mod quantize;
pub mod scalar;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod tiling;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub mod wasm;

pub use block::{BlockQ8_0, BLOCK};
pub use pack::{PackedQ8, PackedQ8Matrix};
pub use quantize::QuantizedRows;

use crate::error::{Error, Result};

/// Whether this build has a SIMD kernel (otherwise the scalar twins run).
pub const HAS_SIMD_KERNEL: bool = cfg!(all(target_arch = "wasm32", target_feature = "simd128"));

/// `out = a · Wᵀ (+ bias)` with the fastest kernel this build has; `out` is `rows × n`.
pub fn gemm(a: &QuantizedRows, w: &PackedQ8, bias: Option<&[f32]>, out: &mut [f32]) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    wasm::gemm(a, w, bias, out);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    scalar::gemm_slow(a, w, bias, out);
}

/// `y = x · Wᵀ + bias` for `x` holding whole rows of `w.k()` values.
pub fn linear(x: &[f32], w: &PackedQ8, bias: Option<&[f32]>) -> Result<Vec<f32>> {
    let (n, k) = (w.n(), w.k());
    if k == 0 || k % BLOCK != 0 {
        return Err(Error::backend(format!("q8_0 linear needs an input width that is a multiple of {BLOCK}, got {k}")));
    }
    if !x.len().is_multiple_of(k) {
        return Err(Error::backend(format!("q8_0 linear: {} input values are not whole rows of {k}", x.len())));
    }
    if let Some(bias) = bias {
        if bias.len() != n {
            return Err(Error::backend(format!("q8_0 linear: a bias of {} values for {n} outputs", bias.len())));
        }
    }
    let mut out = vec![0f32; x.len() / k * n];
    let a = QuantizedRows::quantize(x, k)?;
    parallel::split_columns(&a, a.rows(), w, bias, &mut out, gemm);
    Ok(out)
}
