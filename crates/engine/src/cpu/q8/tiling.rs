//! The SIMD GEMM's loop nest: a panel of activation rows, small
//! enough to stay in L1, is swept by every column tile before the next panel.

/// Rows of activations swept by all column tiles before moving on, so they
/// stay in L1 (32 rows × k 1536 × 2 bytes = 96 KiB at most, 24 KiB at k 384).
pub const ROW_PANEL: usize = 32;

/// Calls `tile(r0, rs, g0, gs)` for every register tile of at most `mr` rows
/// and `g` column groups, remainders included.
#[inline(always)]
pub fn sweep(rows: usize, groups: usize, mr: usize, g: usize, mut tile: impl FnMut(usize, usize, usize, usize)) {
    for panel in (0..rows).step_by(ROW_PANEL) {
        let panel_end = rows.min(panel + ROW_PANEL);
        for g0 in (0..groups).step_by(g) {
            let gs = g.min(groups - g0);
            for r0 in (panel..panel_end).step_by(mr) {
                tile(r0, mr.min(panel_end - r0), g0, gs);
            }
        }
    }
}

/// Runs `$tile.run::<R, G>($out)` for the runtime tile size `($rs, $gs)`,
/// which [`sweep`] bounds by the const tile (`R` in 1..=6, `G` in 1..=3).
macro_rules! dispatch_tile {
    ($tile:expr, $out:expr, $rs:expr, $gs:expr) => {
        match ($rs, $gs) {
            (1, 1) => $tile.run::<1, 1>($out),
            (2, 1) => $tile.run::<2, 1>($out),
            (3, 1) => $tile.run::<3, 1>($out),
            (4, 1) => $tile.run::<4, 1>($out),
            (5, 1) => $tile.run::<5, 1>($out),
            (6, 1) => $tile.run::<6, 1>($out),
            (1, 2) => $tile.run::<1, 2>($out),
            (2, 2) => $tile.run::<2, 2>($out),
            (3, 2) => $tile.run::<3, 2>($out),
            (4, 2) => $tile.run::<4, 2>($out),
            (5, 2) => $tile.run::<5, 2>($out),
            (6, 2) => $tile.run::<6, 2>($out),
            (1, 3) => $tile.run::<1, 3>($out),
            (2, 3) => $tile.run::<2, 3>($out),
            (3, 3) => $tile.run::<3, 3>($out),
            (4, 3) => $tile.run::<4, 3>($out),
            (5, 3) => $tile.run::<5, 3>($out),
            (6, 3) => $tile.run::<6, 3>($out),
            _ => unreachable!("tile sizes are bounded by MR and G"),
        }
    };
}
pub(crate) use dispatch_tile;

/// Stores a tile of f32x4 accumulators (`acc[r][g]` holds columns
/// `(g0 + g) * 4 ..`) into rows `r0..` of `out`, skipping padding columns
/// past `n` and adding the bias.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(always)]
pub fn store_tile<const R: usize, const NG: usize>(
    acc: &[[core::arch::wasm32::v128; NG]; R],
    n: usize,
    r0: usize,
    g0: usize,
    bias: Option<&[f32]>,
    out: &mut [f32],
) {
    use super::pack::GROUP;
    use core::arch::wasm32::f32x4_extract_lane;
    for (r, row) in acc.iter().enumerate() {
        let out_row = &mut out[(r0 + r) * n..(r0 + r + 1) * n];
        for (g, v) in row.iter().enumerate() {
            let lanes = [
                f32x4_extract_lane::<0>(*v),
                f32x4_extract_lane::<1>(*v),
                f32x4_extract_lane::<2>(*v),
                f32x4_extract_lane::<3>(*v),
            ];
            let c0 = (g0 + g) * GROUP;
            for (j, &y) in lanes.iter().enumerate().take(n.saturating_sub(c0).min(GROUP)) {
                out_row[c0 + j] = match bias {
                    Some(bias) => y + bias[c0 + j],
                    None => y,
                };
            }
        }
    }
}
