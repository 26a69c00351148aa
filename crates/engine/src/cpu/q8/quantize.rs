//! Activations quantized on the fly to q8_0, exactly as ggml's
//! `quantize_row_q8_0_reference` / candle's `BlockQ8_0::from_float`:
//! `d = amax / 127`, `q = round(x * (1 / d))`, rounding half away from zero.
//! The scale stays f32 here (candle rounds it to f16), and the quants are
//! stored widened to i16, the width the kernels multiply at.

use super::block::BLOCK;
use crate::error::{Error, Result};

/// `rows × k` activations as q8_0 blocks.
#[derive(Debug, Clone)]
pub struct QuantizedRows {
    rows: usize,
    blocks: usize,
    /// `[row][block][32]`, each in -127..=127.
    quants: Vec<i16>,
    /// `[row][block]`.
    scales: Vec<f32>,
}

impl QuantizedRows {
    /// Quantizes `x`, whole rows of `k` values; `k` must be a multiple of 32.
    pub fn quantize(x: &[f32], k: usize) -> Result<Self> {
        if k == 0 || k % BLOCK != 0 || x.len() % k != 0 {
            return Err(Error::backend(format!("q8_0 activations: {} values are not whole rows of {k}, a multiple of {BLOCK}", x.len())));
        }
        let rows = x.len() / k;
        let blocks = k / BLOCK;
        let mut quants = vec![0i16; rows * k];
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

    /// The 32 quants of `row` in `block`.
    pub fn block_quants(&self, row: usize, block: usize) -> &[i16] {
        let at = (row * self.blocks + block) * BLOCK;
        &self.quants[at..at + BLOCK]
    }

    pub fn scale(&self, row: usize, block: usize) -> f32 {
        self.scales[row * self.blocks + block]
    }
}

/// Quantizes one block, returning its scale. Same operations in the same
/// order as candle's reference, so the quants match it bit for bit.
fn quantize_block(xs: &[f32], qs: &mut [i16]) -> f32 {
    let amax = xs.iter().fold(0f32, |amax, &x| amax.max(x.abs()));
    let d = amax / 127.0;
    let id = if d != 0.0 { 1.0 / d } else { 0.0 };
    for (q, &x) in qs.iter_mut().zip(xs) {
        *q = round_half_away_from_zero(x * id) as i8 as i16;
    }
    d
}

/// `f32::round` without its libm call on wasm (wasm's `f32.nearest` rounds
/// ties to even). Equal to `v.round()` for every f32: `v - trunc(v)` is exact.
#[inline]
pub fn round_half_away_from_zero(v: f32) -> f32 {
    let t = v.trunc();
    if (v - t).abs() >= 0.5 {
        t + 1f32.copysign(v)
    } else {
        t
    }
}
