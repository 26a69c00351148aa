//! Our f32 linear layer for wasm: weights packed once at load into panels of
//! [`PANEL`] output columns ([`PackedF32Matrix`]), and a register-blocked
//! SIMD128 GEMM ([`wasm`]) with its scalar twin ([`scalar`]).
//!
//! Why not candle's matmul (the `gemm` crate) here: it packs the weight
//! matrix on every call, which at batch 1 (a few dozen rows against a
//! 384 × 1536 matrix) costs as much as the product. Natively candle's AVX
//! path with threads stays, so there the twin is only tested.

pub mod autograd;
pub mod lhs;
pub mod pack;
pub mod scalar;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub mod wasm;

pub use autograd::{linear_t, matmul_t};
pub use lhs::Lhs;
pub use pack::{PackedF32Matrix, PANEL};

use crate::cpu::q8::parallel::MIN_MACS_PER_TASK;
use crate::cpu::threads::threads;
use crate::error::{Error, Result};

/// Whether this build has the SIMD kernel (otherwise the scalar twin runs).
pub const HAS_SIMD_KERNEL: bool = cfg!(all(target_arch = "wasm32", target_feature = "simd128"));

/// `out = x · Wᵀ (+ bias)` with the fastest kernel this build has; `x` is
/// `rows × k`, `out` `rows × n`.
pub fn gemm(x: Lhs, w: &PackedF32Matrix, bias: Option<&[f32]>, out: &mut [f32]) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    wasm::gemm(x, w, bias, out);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    scalar::gemm_slow(x, w, bias, out);
}

/// [`gemm`] with the rows cut into one block per kernel thread (the threads
/// build), for products of many rows such as training's.
pub fn gemm_split_rows(x: Lhs, w: &PackedF32Matrix, bias: Option<&[f32]>, out: &mut [f32]) {
    let rows = out.len() / w.n();
    let tasks = threads().min(rows * w.n() * w.k() / MIN_MACS_PER_TASK).max(1);
    gemm_split_rows_into(tasks, x, w, bias, out)
}

/// [`gemm_split_rows`] into `tasks` blocks of rows, on rayon's pool with the
/// `threads` feature and one after another without it (tests check any split
/// against the whole). Rows are independent, so every value is what [`gemm`]
/// alone gives it.
pub fn gemm_split_rows_into(tasks: usize, x: Lhs, w: &PackedF32Matrix, bias: Option<&[f32]>, out: &mut [f32]) {
    let n = w.n();
    let rows = out.len() / n;
    let per_task = rows.div_ceil(tasks.max(1));
    if per_task >= rows {
        return gemm(x, w, bias, out);
    }
    let block = |(b, out): (usize, &mut [f32])| {
        let first = b * per_task;
        gemm(x.slice_rows(first..first + out.len() / n), w, bias, out)
    };
    #[cfg(feature = "threads")]
    {
        use rayon::prelude::*;
        out.par_chunks_mut(per_task * n).enumerate().for_each(block);
    }
    #[cfg(not(feature = "threads"))]
    out.chunks_mut(per_task * n).enumerate().for_each(block);
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
    gemm(Lhs::rows(x, k), w, bias, &mut out);
    Ok(out)
}
