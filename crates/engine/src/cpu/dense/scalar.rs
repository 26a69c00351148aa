//! The portable f32 GEMM: the reference twin of the SIMD kernel. Each output
//! is `acc += x·w` over the inputs in order (a multiply, then an add,
//! each rounded, as SIMD128 has no fused multiply-add), then `+ bias`: the
//! same operations in the same order as the SIMD kernel, so the two agree bit for bit.

use super::lhs::Lhs;
use super::pack::PackedF32Matrix;

/// `out[r, c] = Σ_i x[r, i]·w[c, i] (+ bias[c])`; `out` is `rows × n`.
pub fn gemm_slow(x: Lhs, w: &PackedF32Matrix, bias: Option<&[f32]>, out: &mut [f32]) {
    let n = w.n();
    assert_eq!(x.k(), w.k(), "gemm: inner sizes");
    assert_eq!(out.len(), x.row_count() * n, "gemm output size");
    for (r, out_row) in out.chunks_exact_mut(n).enumerate() {
        for (c, y) in out_row.iter_mut().enumerate() {
            let mut acc = 0f32;
            for i in 0..x.k() {
                acc += x.at(r, i) * w.weight(c, i);
            }
            *y = match bias {
                Some(bias) => acc + bias[c],
                None => acc,
            };
        }
    }
}
