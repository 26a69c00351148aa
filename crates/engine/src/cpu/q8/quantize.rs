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
        if k == 0 || !k.is_multiple_of(BLOCK) || !x.len().is_multiple_of(k) {
            return Err(Error::backend(format!(
                "q8_0 activations: {} values are not whole rows of {k}, a multiple of {BLOCK}",
                x.len()
            )));
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

/// Quantizes one block, returning its scale: four lanes at a time on wasm32
/// with SIMD128 ([`quantize_block_simd`]), else [`quantize_block_slow`].
#[inline]
fn quantize_block(xs: &[f32], qs: &mut [i16]) -> f32 {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    return quantize_block_simd(xs, qs);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    quantize_block_slow(xs, qs)
}

/// The SIMD twin of [`quantize_block_slow`]: the same f32 operations per
/// value (max of |x|, `amax / 127`, `1 / d`, `x * id`, then round half away
/// from zero as trunc, |v - t| ≥ 0.5, ± 1), so the quants are identical for
/// every input without NaN (wasm's `f32x4.max` propagates NaN, Rust's `max`
/// skips it).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn quantize_block_simd(xs: &[f32], qs: &mut [i16]) -> f32 {
    use core::arch::wasm32::*;
    assert!(xs.len() == BLOCK && qs.len() == BLOCK, "one block of {BLOCK} values");
    // SAFETY: both slices hold BLOCK (32) values, read and written 4 (or 8) at a time.
    let load = |i: usize| unsafe { v128_load(xs.as_ptr().add(4 * i) as *const v128) };
    let mut amax = f32x4_splat(0.0);
    for i in 0..BLOCK / 4 {
        amax = f32x4_max(amax, f32x4_abs(load(i)));
    }
    let amax = [
        f32x4_extract_lane::<0>(amax),
        f32x4_extract_lane::<1>(amax),
        f32x4_extract_lane::<2>(amax),
        f32x4_extract_lane::<3>(amax),
    ]
    .into_iter()
    .fold(0f32, f32::max);
    let d = amax / 127.0;
    let id = f32x4_splat(if d != 0.0 { 1.0 / d } else { 0.0 });
    let (half, one, sign) = (f32x4_splat(0.5), f32x4_splat(1.0), f32x4_splat(-0.0));
    let round = |i: usize| {
        let v = f32x4_mul(load(i), id);
        let t = f32x4_trunc(v);
        let away = f32x4_ge(f32x4_abs(f32x4_sub(v, t)), half);
        // ±1 with v's sign, where the fraction is at least a half.
        let step = v128_and(away, v128_or(one, v128_and(v, sign)));
        i32x4_trunc_sat_f32x4(f32x4_add(t, step))
    };
    for i in 0..BLOCK / 8 {
        let packed = i16x8_narrow_i32x4(round(2 * i), round(2 * i + 1));
        // SAFETY: 8 i16 at 8·i, within the 32 of the block.
        unsafe { v128_store(qs.as_mut_ptr().add(8 * i) as *mut v128, packed) };
    }
    d
}

/// Quantizes one block, returning its scale. Same operations in the same
/// order as candle's reference, so the quants match it bit for bit.
pub fn quantize_block_slow(xs: &[f32], qs: &mut [i16]) -> f32 {
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
