//! Activations quantized on the fly to 7 bits for the relaxed-SIMD kernel.
//!
//! `i32x4.relaxed_dot_i8x16_i7x16_add_s` gives the same answer on every
//! engine only while its second operand is in 0..=127 (x86 lowers it to
//! `pmaddubsw`, which reads that operand as unsigned). So each block is
//! quantized symmetrically to -63..=63 (`d = amax / 63`, rounding half away
//! from zero, as [`super::quantize`] does at 8 bits) and stored biased by +64
//! as a byte in 1..=127. The weights' `-64 × Σ q_w` per block
//! ([`super::PackedQ8Matrix::group_block_bias_offsets`]) removes the bias
//! exactly in integer arithmetic. Halving the activation range costs accuracy
//! (see the cosine figures in docs/correctness.md), bought back many times over in speed.

use super::block::BLOCK;
use super::quantize::round_half_away_from_zero;
use crate::error::{Error, Result};

/// The largest quant magnitude: 7 bits, symmetric.
pub const U7_MAX: f32 = 63.0;
/// The bias that makes every quant non-negative.
pub const U7_BIAS: i32 = 64;

/// `rows × k` activations as biased 7-bit blocks.
#[derive(Debug, Clone)]
pub struct U7Rows {
    rows: usize,
    blocks: usize,
    /// `[row][block][32]`, each `q + 64` with `q` in -63..=63.
    quants: Vec<u8>,
    /// `[row][block]`.
    scales: Vec<f32>,
}

impl U7Rows {
    /// Quantizes `x`, whole rows of `k` values; `k` must be a multiple of 32.
    pub fn quantize(x: &[f32], k: usize) -> Result<Self> {
        if k == 0 || !k.is_multiple_of(BLOCK) || !x.len().is_multiple_of(k) {
            return Err(Error::backend(format!(
                "7-bit activations: {} values are not whole rows of {k}, a multiple of {BLOCK}",
                x.len()
            )));
        }
        let rows = x.len() / k;
        let blocks = k / BLOCK;
        let mut quants = vec![0u8; rows * k];
        let mut scales = vec![0f32; rows * blocks];
        for ((xs, qs), d) in x.chunks_exact(BLOCK).zip(quants.chunks_exact_mut(BLOCK)).zip(scales.iter_mut()) {
            *d = quantize_block(xs, qs);
        }
        Ok(Self { rows, blocks, quants, scales })
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn blocks(&self) -> usize {
        self.blocks
    }

    /// The 32 biased quants of `row` in `block`.
    pub fn block_quants(&self, row: usize, block: usize) -> &[u8] {
        let at = (row * self.blocks + block) * BLOCK;
        &self.quants[at..at + BLOCK]
    }

    pub fn scale(&self, row: usize, block: usize) -> f32 {
        self.scales[row * self.blocks + block]
    }
}

/// Quantizes one block to biased 7-bit quants, returning its scale.
fn quantize_block(xs: &[f32], qs: &mut [u8]) -> f32 {
    let amax = xs.iter().fold(0f32, |amax, &x| amax.max(x.abs()));
    let d = amax / U7_MAX;
    let id = if d != 0.0 { 1.0 / d } else { 0.0 };
    for (q, &x) in qs.iter_mut().zip(xs) {
        // |x·id| ≤ 63 up to rounding; the clamp keeps a NaN or rounding slip in range.
        let v = round_half_away_from_zero(x * id).clamp(-U7_MAX, U7_MAX) as i32;
        *q = (v + U7_BIAS) as u8;
    }
    d
}
