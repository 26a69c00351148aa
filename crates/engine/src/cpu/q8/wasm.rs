//! The wasm32 SIMD128 GEMM. A register tile of `MR` activation rows × `G`
//! groups of 4 output columns: per block, each 16-byte load of weights
//! (two input pairs of one group) is widened once and used by all `MR` rows,
//! and each splatted activation pair by all `G` groups. The int32 block sums
//! are scaled into f32 accumulators once per block; the scalar twin in
//! `scalar.rs` does the same f32 operations in the same order.

use core::arch::wasm32::*;

use super::block::BLOCK;
use super::pack::PackedQ8;
use super::quantize::QuantizedRows;
use super::tiling::{dispatch_tile, store_tile, sweep};

/// The default tile: 3 rows × 2 groups (8 columns): 6 int and 6 f32
/// accumulators plus the operands fit x64's 16 vector registers under V8.
/// In Node, tiles from 2×2 to 4×3 all reach ~25-28 GOP/s on MiniLM shapes
/// (tests/kernel_bench.rs), so this picks the register-safe one.
pub fn gemm(a: &QuantizedRows, w: &PackedQ8, bias: Option<&[f32]>, out: &mut [f32]) {
    gemm_tiled::<3, 2>(a, w, bias, out)
}

/// [`gemm`] with a chosen register tile; `MR` in 1..=6, `G` in 1..=3.
pub fn gemm_tiled<const MR: usize, const G: usize>(a: &QuantizedRows, w: &PackedQ8, bias: Option<&[f32]>, out: &mut [f32]) {
    const { assert!(MR >= 1 && MR <= 6 && G >= 1 && G <= 3) };
    assert_eq!(out.len(), a.rows() * w.n(), "gemm output size");
    assert_eq!(a.blocks(), w.blocks(), "gemm inner dimension");
    sweep(a.rows(), w.groups(), MR, G, |r0, rs, g0, gs| {
        let at = Tile { a, w, r0, g0, bias };
        dispatch_tile!(at, out, rs, gs)
    });
}

/// Where one register tile sits: rows `r0..r0+R`, groups `g0..g0+NG`.
struct Tile<'a> {
    a: &'a QuantizedRows,
    w: &'a PackedQ8<'a>,
    r0: usize,
    g0: usize,
    bias: Option<&'a [f32]>,
}

impl Tile<'_> {
    #[inline(always)]
    fn run<const R: usize, const NG: usize>(&self, out: &mut [f32]) {
        let (a, w) = (self.a, self.w);
        let mut acc = [[f32x4_splat(0.0); NG]; R];
        for b in 0..w.blocks() {
            let wq: [&[i8]; NG] = core::array::from_fn(|g| w.group_block_quants(self.g0 + g, b));
            let aq: [&[i16]; R] = core::array::from_fn(|r| a.block_quants(self.r0 + r, b));
            let mut isum = [[i32x4_splat(0); NG]; R];
            // Each step covers 4 inputs: 16 weight bytes per group (2 pairs).
            for step in 0..BLOCK / 4 {
                // SAFETY: a group block holds 128 bytes (8 steps × 16) and an
                // activation block 32 i16 (8 steps × 4); wasm loads need no alignment.
                let wv: [v128; NG] = core::array::from_fn(|g| unsafe { v128_load(wq[g].as_ptr().add(16 * step) as *const v128) });
                let wlo: [v128; NG] = core::array::from_fn(|g| i16x8_extend_low_i8x16(wv[g]));
                let whi: [v128; NG] = core::array::from_fn(|g| i16x8_extend_high_i8x16(wv[g]));
                for r in 0..R {
                    let pairs = aq[r].as_ptr().wrapping_add(4 * step) as *const u32;
                    let (a0, a1) = unsafe { (v128_load32_splat(pairs), v128_load32_splat(pairs.add(1))) };
                    for g in 0..NG {
                        let dot = i32x4_add(i32x4_dot_i16x8(wlo[g], a0), i32x4_dot_i16x8(whi[g], a1));
                        isum[r][g] = i32x4_add(isum[r][g], dot);
                    }
                }
            }
            let ws: [v128; NG] = core::array::from_fn(|g| {
                let s = w.group_block_scales(self.g0 + g, b);
                f32x4(s[0], s[1], s[2], s[3])
            });
            for r in 0..R {
                let da = f32x4_splat(a.scale(self.r0 + r, b));
                for g in 0..NG {
                    let scaled = f32x4_mul(f32x4_convert_i32x4(isum[r][g]), f32x4_mul(ws[g], da));
                    acc[r][g] = f32x4_add(acc[r][g], scaled);
                }
            }
        }
        store_tile(&acc, self.w.n(), self.r0, self.g0, self.bias, out);
    }
}
