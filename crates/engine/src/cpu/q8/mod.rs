//! Our own q8_0 linear layer: weights packed once at load ([`PackedQ8Matrix`]),
//! activations quantized per call ([`QuantizedRows`]), and a register-blocked
//! int8 GEMM. On wasm32 with `+simd128` the kernel is SIMD128 ([`wasm`]), the
//! path it exists for; elsewhere [`scalar`] is the reference twin.

pub mod block;
pub mod pack;
pub mod quantize;
pub mod scalar;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub mod wasm;

pub use block::{BlockQ8_0, BLOCK};
pub use pack::PackedQ8Matrix;
pub use quantize::QuantizedRows;

use crate::error::{Error, Result};

/// Whether this build has the SIMD kernel (otherwise [`gemm`] is the scalar twin).
pub const HAS_SIMD_KERNEL: bool = cfg!(all(target_arch = "wasm32", target_feature = "simd128"));

/// `out = a · Wᵀ (+ bias)` with the fastest kernel this build has; `out` is `rows × n`.
pub fn gemm(a: &QuantizedRows, w: &PackedQ8Matrix, bias: Option<&[f32]>, out: &mut [f32]) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    wasm::gemm(a, w, bias, out);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    scalar::gemm_slow(a, w, bias, out);
}

/// `y = x · Wᵀ + bias` for `x` holding whole rows of `w.k()` values.
pub fn linear(x: &[f32], w: &PackedQ8Matrix, bias: Option<&[f32]>) -> Result<Vec<f32>> {
    let (n, k) = (w.n(), w.k());
    if k == 0 || k % BLOCK != 0 {
        return Err(Error::backend(format!("q8_0 linear needs an input width that is a multiple of {BLOCK}, got {k}")));
    }
    if x.len() % k != 0 {
        return Err(Error::backend(format!("q8_0 linear: {} input values are not whole rows of {k}", x.len())));
    }
    if let Some(bias) = bias {
        if bias.len() != n {
            return Err(Error::backend(format!("q8_0 linear: a bias of {} values for {n} outputs", bias.len())));
        }
    }
    let a = QuantizedRows::quantize(x, k)?;
    let mut out = vec![0f32; a.rows() * n];
    gemm(&a, w, bias, &mut out);
    Ok(out)
}
