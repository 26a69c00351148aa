//! Splits a q8_0 GEMM's output columns across the kernels' threads
//! ([`crate::cpu::threads`]). Each thread runs the same single-thread kernel
//! on its block of columns, so every output value is computed exactly as
//! without threads: the split changes speed, never numbers.

use super::pack::{PackedQ8, GROUP};
use crate::cpu::team;
use crate::cpu::threads::threads;

/// Least multiply-adds worth handing to a sleeping thread of rayon's pool:
/// below about 40 µs of kernel work, waking it costs more than it saves.
pub const MIN_MACS_PER_TASK: usize = 1 << 19;

/// Least multiply-adds worth handing to a spinning helper of a [`team`]
/// (about 4 µs of kernel work): a T5 decode step's one-row layers split too.
pub const MIN_MACS_PER_TEAM_TASK: usize = 1 << 16;

/// How many column blocks a `rows × k · [n, k]ᵀ` GEMM is cut into: one per
/// thread, fewer when the work (at least `min_macs` per block) or the column
/// groups are too few.
pub fn column_tasks(rows: usize, w: &PackedQ8, threads: usize, min_macs: usize) -> usize {
    let macs = rows * w.n() * w.k();
    threads.min(w.groups()).min(macs / min_macs).max(1)
}

/// A single-thread GEMM, `kernel(a, w, bias, out)` with `out` `rows × w.n()`:
/// what the split runs on each block.
pub trait GemmKernel<A>: Fn(&A, &PackedQ8, Option<&[f32]>, &mut [f32]) + Sync {}
impl<A, F: Fn(&A, &PackedQ8, Option<&[f32]>, &mut [f32]) + Sync> GemmKernel<A> for F {}

/// Runs `kernel(a, w, bias, out)` (`out` is `rows × w.n()`), cut into
/// [`column_tasks`] blocks of whole column groups run on rayon's pool, or
/// directly when one block is all there is.
pub fn split_columns<A: Sync>(
    a: &A,
    rows: usize,
    w: &PackedQ8,
    bias: Option<&[f32]>,
    out: &mut [f32],
    kernel: impl GemmKernel<A>,
) {
    let min_macs = if team::in_team() { MIN_MACS_PER_TEAM_TASK } else { MIN_MACS_PER_TASK };
    split_columns_into(column_tasks(rows, w, threads(), min_macs), a, rows, w, bias, out, kernel)
}

/// [`split_columns`] into exactly `tasks` blocks (at most one per column
/// group); tests use it to check any split against the whole.
pub fn split_columns_into<A: Sync>(
    tasks: usize,
    a: &A,
    rows: usize,
    w: &PackedQ8,
    bias: Option<&[f32]>,
    out: &mut [f32],
    kernel: impl GemmKernel<A>,
) {
    let tasks = tasks.min(w.groups());
    if tasks <= 1 {
        return kernel(a, w, bias, out);
    }
    run_tasks(a, rows, w, bias, out, tasks, &kernel);
}

/// Runs the blocks: on the spinning helpers when this thread leads a
/// [`team`], on rayon's pool with the `threads` feature, one after another
/// without it (so every build tests the split and the copy back).
fn run_tasks<A: Sync>(
    a: &A,
    rows: usize,
    w: &PackedQ8,
    bias: Option<&[f32]>,
    out: &mut [f32],
    tasks: usize,
    kernel: &impl GemmKernel<A>,
) {
    let groups = w.groups();
    let bounds: Vec<usize> = (0..=tasks).map(|t| t * groups / tasks).collect();
    // Each task fills its own `rows × cols` block; rows of `out` interleave
    // the blocks' columns, so they are copied into place afterwards.
    let run_block = |g: &[usize]| {
        let part = w.column_groups(g[0]..g[1]);
        let col0 = g[0] * GROUP;
        let cols = part.n();
        let mut block = vec![0f32; rows * cols];
        kernel(a, &part, bias.map(|b| &b[col0..col0 + cols]), &mut block);
        (col0, cols, block)
    };
    #[cfg(feature = "threads")]
    let blocks: Vec<(usize, usize, Vec<f32>)> = if team::in_team() {
        team::fork_map(tasks, |t| run_block(&bounds[t..t + 2]))
    } else {
        use rayon::prelude::*;
        bounds.par_windows(2).map(run_block).collect()
    };
    #[cfg(not(feature = "threads"))]
    let blocks: Vec<(usize, usize, Vec<f32>)> = bounds.windows(2).map(run_block).collect();
    let n = w.n();
    for (col0, cols, block) in blocks {
        for (out_row, block_row) in out.chunks_exact_mut(n).zip(block.chunks_exact(cols)) {
            out_row[col0..col0 + cols].copy_from_slice(block_row);
        }
    }
}
