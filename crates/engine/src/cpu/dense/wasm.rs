//! The wasm32 SIMD128 f32 GEMM. A register tile of `MR` rows × `P` panels of
//! 8 columns: per input, each panel's two f32x4 of weights are loaded once
//! and used by all `MR` rows, and each row's splatted input by all `P`
//! panels. Multiply, then add (SIMD128 has no fused multiply-add), in input
//! order: the scalar twin in `scalar.rs` does the same.

use core::arch::wasm32::*;

use super::lhs::Lhs;
use super::pack::{PackedF32Matrix, PANEL};

/// Rows swept by every column panel before the next rows.
const ROW_PANEL: usize = 32;
/// Inputs per pass over the rows and panels, so that the rows' inputs
/// (32 × 128 × 4 bytes = 16 KiB) and a panel's weights for them (4 KiB)
/// stay in L1 while every tile reads them. Between passes the partial sums
/// wait in `out`, as f32: the same values the registers held.
const K_BLOCK: usize = 128;

/// The default tile, from the sweep in tests/kernel_bench.rs.
pub fn gemm(x: Lhs, w: &PackedF32Matrix, bias: Option<&[f32]>, out: &mut [f32]) {
    gemm_tiled::<4, 1>(x, w, bias, out)
}

/// [`gemm`] with a chosen register tile; `MR` in 1..=6, `P` in 1..=2.
pub fn gemm_tiled<const MR: usize, const P: usize>(x: Lhs, w: &PackedF32Matrix, bias: Option<&[f32]>, out: &mut [f32]) {
    const { assert!(MR >= 1 && MR <= 6 && P >= 1 && P <= 2) };
    let (n, k, rows) = (w.n(), w.k(), x.row_count());
    assert_eq!(x.k(), k, "gemm: inner sizes");
    assert_eq!(out.len(), rows * n, "gemm output size");
    let panels = w.panels();
    for panel_start in (0..rows).step_by(ROW_PANEL) {
        let panel_end = rows.min(panel_start + ROW_PANEL);
        for k0 in (0..k).step_by(K_BLOCK) {
            let inputs = k0..k.min(k0 + K_BLOCK);
            // The bias goes in with the last pass.
            let pass_bias = if inputs.end == k { bias } else { None };
            let mut p0 = 0;
            while p0 < panels {
                let ps = P.min(panels - p0);
                for r0 in (panel_start..panel_end).step_by(MR) {
                    let tile = Tile { x: &x, w, r0, p0, inputs: inputs.clone(), bias: pass_bias };
                    let rs = MR.min(panel_end - r0);
                    match (rs, ps) {
                        (1, 1) => tile.run::<1, 1>(out),
                        (2, 1) => tile.run::<2, 1>(out),
                        (3, 1) => tile.run::<3, 1>(out),
                        (4, 1) => tile.run::<4, 1>(out),
                        (5, 1) => tile.run::<5, 1>(out),
                        (6, 1) => tile.run::<6, 1>(out),
                        (1, 2) => tile.run::<1, 2>(out),
                        (2, 2) => tile.run::<2, 2>(out),
                        (3, 2) => tile.run::<3, 2>(out),
                        (4, 2) => tile.run::<4, 2>(out),
                        (5, 2) => tile.run::<5, 2>(out),
                        (6, 2) => tile.run::<6, 2>(out),
                        _ => unreachable!("tile sizes are bounded by MR and P"),
                    }
                }
                p0 += ps;
            }
        }
    }
}

/// Where one register tile sits: rows `r0..r0+R`, panels `p0..p0+NP`.
struct Tile<'a> {
    x: &'a Lhs<'a>,
    w: &'a PackedF32Matrix,
    r0: usize,
    p0: usize,
    /// The inputs of this pass; the first pass starts from zero, later ones
    /// from the partial sums in `out`.
    inputs: core::ops::Range<usize>,
    /// Only in the last pass.
    bias: Option<&'a [f32]>,
}

impl Tile<'_> {
    // A call per tile, so `gemm_tiled` stays one small loop nest.
    #[inline(never)]
    fn run<const R: usize, const NP: usize>(&self, out: &mut [f32]) {
        let n = self.w.n();
        let wp: [&[f32]; NP] = core::array::from_fn(|p| self.w.panel(self.p0 + p));
        let xr: [&[f32]; R] = core::array::from_fn(|r| self.x.row(self.r0 + r));
        let step = self.x.input_step();
        let mut acc = [[[f32x4_splat(0.0); 2]; NP]; R];
        if self.inputs.start > 0 {
            for (r, row) in acc.iter_mut().enumerate() {
                for (p, halves) in row.iter_mut().enumerate() {
                    *halves = load_columns(&out[(self.r0 + r) * n..(self.r0 + r + 1) * n], (self.p0 + p) * PANEL);
                }
            }
        }
        for i in self.inputs.clone() {
            // SAFETY: a panel holds k × 8 values and a row k, `step` apart; wasm loads need no alignment.
            let wv: [[v128; 2]; NP] = core::array::from_fn(|p| unsafe {
                let at = wp[p].as_ptr().add(i * PANEL);
                [v128_load(at as *const v128), v128_load(at.add(4) as *const v128)]
            });
            for r in 0..R {
                let xv = unsafe { v128_load32_splat(xr[r].as_ptr().add(i * step) as *const u32) };
                for p in 0..NP {
                    acc[r][p][0] = f32x4_add(acc[r][p][0], f32x4_mul(xv, wv[p][0]));
                    acc[r][p][1] = f32x4_add(acc[r][p][1], f32x4_mul(xv, wv[p][1]));
                }
            }
        }
        // Lane by lane, each checked against the row's end: whole-vector
        // stores (or unchecked lanes) run faster in a quiet V8 but made some
        // tiles 10–200× slower in Node 20 with AVX (docs/architecture.md).
        for (r, row) in acc.iter().enumerate() {
            let out_row = &mut out[(self.r0 + r) * n..(self.r0 + r + 1) * n];
            for (p, halves) in row.iter().enumerate() {
                let c0 = (self.p0 + p) * PANEL;
                let lanes = [
                    f32x4_extract_lane::<0>(halves[0]),
                    f32x4_extract_lane::<1>(halves[0]),
                    f32x4_extract_lane::<2>(halves[0]),
                    f32x4_extract_lane::<3>(halves[0]),
                    f32x4_extract_lane::<0>(halves[1]),
                    f32x4_extract_lane::<1>(halves[1]),
                    f32x4_extract_lane::<2>(halves[1]),
                    f32x4_extract_lane::<3>(halves[1]),
                ];
                for (j, &y) in lanes.iter().enumerate().take(n.saturating_sub(c0).min(PANEL)) {
                    out_row[c0 + j] = match self.bias {
                        Some(bias) => y + bias[c0 + j],
                        None => y,
                    };
                }
            }
        }
    }
}

/// The [`PANEL`] values of `line` from column `c0`, as two f32x4; columns
/// past the end read as zero.
#[inline(always)]
fn load_columns(line: &[f32], c0: usize) -> [v128; 2] {
    if let Some(values) = line.get(c0..c0 + PANEL) {
        // SAFETY: eight values in bounds; wasm loads need no alignment.
        return unsafe { [v128_load(values.as_ptr() as *const v128), v128_load(values.as_ptr().add(4) as *const v128)] };
    }
    let mut lanes = [0f32; PANEL];
    let have = line.len().saturating_sub(c0);
    lanes[..have].copy_from_slice(&line[c0..]);
    [f32x4(lanes[0], lanes[1], lanes[2], lanes[3]), f32x4(lanes[4], lanes[5], lanes[6], lanes[7])]
}
