//! The wasm32 relaxed-SIMD GEMM: 7-bit biased activations ([`U7Rows`]) times
//! quad-interleaved q8_0 weights. One `i32x4.relaxed_dot_i8x16_i7x16_add_s`
//! multiplies 4 inputs of 4 output rows and adds them into the running block
//! sums, where the SIMD128 kernel needs two widenings, two dots and two adds
//! for the same work. Each block sum starts at the weights' `-64 × Σ q_w`,
//! which cancels the activations' +64 bias exactly; the f32 steps then match
//! the scalar twin `gemm_u7_slow` in order, so the two agree bit for bit.

use core::arch::wasm32::*;

use super::block::BLOCK;
use super::pack::{Layout, PackedQ8};
use super::tiling::{dispatch_tile, store_tile, sweep};
use super::u7::U7Rows;

/// The default register tile (rows × groups of 4 columns), from the tile
/// sweep in tests/kernel_bench.rs.
pub fn gemm(a: &U7Rows, w: &PackedQ8, bias: Option<&[f32]>, out: &mut [f32]) {
    gemm_tiled::<3, 2>(a, w, bias, out)
}

/// [`gemm`] with a chosen register tile; `MR` in 1..=6, `G` in 1..=3.
pub fn gemm_tiled<const MR: usize, const G: usize>(a: &U7Rows, w: &PackedQ8, bias: Option<&[f32]>, out: &mut [f32]) {
    const { assert!(MR >= 1 && MR <= 6 && G >= 1 && G <= 3) };
    assert_eq!(out.len(), a.rows() * w.n(), "gemm output size");
    assert_eq!(a.blocks(), w.blocks(), "gemm inner dimension");
    assert_eq!(w.layout(), Layout::Quads, "the relaxed-SIMD kernel reads quad-interleaved weights");
    sweep(a.rows(), w.groups(), MR, G, |r0, rs, g0, gs| {
        let at = Tile { a, w, r0, g0, bias };
        dispatch_tile!(at, out, rs, gs)
    });
}

/// Where one register tile sits: rows `r0..r0+R`, groups `g0..g0+NG`.
struct Tile<'a> {
    a: &'a U7Rows,
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
            let aq: [&[u8]; R] = core::array::from_fn(|r| a.block_quants(self.r0 + r, b));
            let start: [v128; NG] = core::array::from_fn(|g| {
                let o = w.group_block_bias_offsets(self.g0 + g, b);
                i32x4(o[0], o[1], o[2], o[3])
            });
            let mut isum = [start; R];
            // Each step covers 4 inputs: 16 weight bytes per group (one quad per row).
            for step in 0..BLOCK / 4 {
                // SAFETY: a group block holds 128 bytes (8 steps × 16) and an
                // activation block 32 bytes (8 steps × 4); wasm loads need no alignment.
                let wv: [v128; NG] = core::array::from_fn(|g| unsafe { v128_load(wq[g].as_ptr().add(16 * step) as *const v128) });
                for r in 0..R {
                    let av = unsafe { v128_load32_splat(aq[r].as_ptr().add(4 * step) as *const u32) };
                    for g in 0..NG {
                        isum[r][g] = i32x4_relaxed_dot_i8x16_i7x16_add(wv[g], av, isum[r][g]);
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
        store_tile(&acc, w.n(), self.r0, self.g0, self.bias, out);
    }
}
