//! The portable GEMM: the reference twin of the SIMD kernel. It performs the
//! same f32 operations in the same order (per block: `acc += isum * (d_w * d_a)`,
//! then `+ bias`), so on the same inputs it matches them bit for bit.

use super::block::BLOCK;
use super::pack::PackedQ8;
use super::quantize::QuantizedRows;

/// `out[r, c] = Σ_b d_w·d_a·(Σ q_w·q_a) (+ bias[c])`; `out` is `rows × n`.
pub fn gemm_slow(a: &QuantizedRows, w: &PackedQ8, bias: Option<&[f32]>, out: &mut [f32]) {
    let n = w.n();
    for r in 0..a.rows() {
        for c in 0..n {
            let mut acc = 0f32;
            for b in 0..w.blocks() {
                let qa = a.block_quants(r, b);
                let isum: i32 = (0..BLOCK).map(|j| i32::from(w.quant(c, b, j)) * i32::from(qa[j])).sum();
                acc += isum as f32 * (w.scale(c, b) * a.scale(r, b));
            }
            out[r * n + c] = match bias {
                Some(bias) => acc + bias[c],
                None => acc,
            };
        }
    }
}
