//! Our own q8_0 linear layer: weights packed once at load ([`PackedQ8Matrix`]),
//! activations quantized per call, and a register-blocked int8 GEMM. Two
//! kernels, one per wasm build:
//! - SIMD128 ([`wasm`]): 8-bit activations ([`QuantizedRows`]) widened to
//!   int16 and multiplied with `i32x4.dot_i16x8_s`; weights in [`Layout::Pairs`].
//! - relaxed SIMD ([`relaxed`], only with the `relaxed-simd` cargo feature and
//!   `+relaxed-simd`): 7-bit biased activations ([`U7Rows`]) and
//!   `i32x4.relaxed_dot_i8x16_i7x16_add_s`; weights in [`Layout::Quads`].
//!   Measured slower than SIMD128 and not shipped: no package build enables
//!   the feature, and CI does not build it (`scripts/test-wasm-kernels.sh
//!   --relaxed` runs its test by hand).
//!
//! [`scalar`] holds the reference twin of each; natively (where candle's AVX
//! path serves the models) the twins run. [`parallel`] cuts a GEMM's output
//! columns into blocks for the threads build; each block runs the same kernel.

pub mod block;
pub mod pack;
pub mod parallel;
pub mod quantize;
#[cfg(all(feature = "relaxed-simd", target_arch = "wasm32", target_feature = "relaxed-simd"))]
pub mod relaxed;
pub mod scalar;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod tiling;
pub mod u7;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub mod wasm;

pub use block::{BlockQ8_0, BLOCK};
pub use pack::{Layout, PackedQ8, PackedQ8Matrix};
pub use quantize::QuantizedRows;
pub use u7::U7Rows;

use crate::error::{Error, Result};

/// Whether this build has a SIMD kernel (otherwise the scalar twins run).
pub const HAS_SIMD_KERNEL: bool = cfg!(all(target_arch = "wasm32", target_feature = "simd128"));
/// Whether this build has the relaxed-SIMD kernel, and so packs [`Layout::Quads`].
pub const HAS_RELAXED_KERNEL: bool = cfg!(all(feature = "relaxed-simd", target_arch = "wasm32", target_feature = "relaxed-simd"));

/// `out = a · Wᵀ (+ bias)` for pair-interleaved weights with the fastest
/// kernel this build has; `out` is `rows × n`.
pub fn gemm(a: &QuantizedRows, w: &PackedQ8, bias: Option<&[f32]>, out: &mut [f32]) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    wasm::gemm(a, w, bias, out);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    scalar::gemm_slow(a, w, bias, out);
}

/// [`gemm`] for quad-interleaved weights and 7-bit activations.
pub fn gemm_u7(a: &U7Rows, w: &PackedQ8, bias: Option<&[f32]>, out: &mut [f32]) {
    #[cfg(all(feature = "relaxed-simd", target_arch = "wasm32", target_feature = "relaxed-simd"))]
    relaxed::gemm(a, w, bias, out);
    #[cfg(not(all(feature = "relaxed-simd", target_arch = "wasm32", target_feature = "relaxed-simd")))]
    scalar::gemm_u7_slow(a, w, bias, out);
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
    match w.layout() {
        Layout::Pairs => {
            let a = QuantizedRows::quantize(x, k)?;
            parallel::split_columns(&a, a.rows(), w, bias, &mut out, gemm);
        }
        Layout::Quads => {
            let a = U7Rows::quantize(x, k)?;
            parallel::split_columns(&a, a.rows(), w, bias, &mut out, gemm_u7);
        }
    }
    Ok(out)
}
