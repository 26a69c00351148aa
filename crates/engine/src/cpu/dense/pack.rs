//! f32 weights repacked once at load for the GEMM kernels: output columns
//! (rows of W) taken [`PANEL`] at a time, each panel stored input by input,
//! so the kernel reads one panel's weights for one input as two adjacent
//! f32x4 loads.

use crate::error::{Error, Result};

/// Output columns per panel: two f32x4 lanes wide.
pub const PANEL: usize = 8;

/// A `[n, k]` f32 weight matrix in panels; `y = x · Wᵀ`.
#[derive(Debug, Clone)]
pub struct PackedF32Matrix {
    n: usize,
    k: usize,
    /// `[panel][input 0..k][column 0..PANEL]`; columns past `n` are zero.
    /// Held in cache lines, so that no vector load straddles two.
    lines: Vec<CacheLine>,
}

/// 64 bytes, aligned as a cache line.
#[derive(Debug, Clone, Copy)]
#[repr(C, align(64))]
struct CacheLine([f32; 16]);

impl PackedF32Matrix {
    /// Packs a row-major `[n, k]` matrix.
    pub fn from_rows(w: &[f32], n: usize, k: usize) -> Result<Self> {
        check_shape(w, n, k)?;
        let mut packed = Self::zeroed(n, k);
        let values = packed.values_mut();
        for (row, weights) in w.chunks_exact(k).enumerate() {
            let (panel, lane) = (row / PANEL, row % PANEL);
            let base = panel * k * PANEL + lane;
            for (i, &v) in weights.iter().enumerate() {
                values[base + i * PANEL] = v;
            }
        }
        Ok(packed)
    }

    /// Packs the transpose of a row-major `[rows, cols]` matrix `m`, so
    /// that `x · (mᵀ)ᵀ = x · m`: a panel is eight of `m`'s columns, which lie
    /// side by side in each of its rows, so packing copies runs of eight
    /// instead of scattering single values (a gradient's `g · w` packs `w`
    /// this way, with no transposed copy first).
    pub fn from_columns(m: &[f32], rows: usize, cols: usize) -> Result<Self> {
        check_shape(m, rows, cols)?;
        let (n, k) = (cols, rows);
        let mut packed = Self::zeroed(n, k);
        let values = packed.values_mut();
        for (i, row) in m.chunks_exact(cols).enumerate() {
            for (panel, columns) in row.chunks(PANEL).enumerate() {
                let at = panel * k * PANEL + i * PANEL;
                values[at..at + columns.len()].copy_from_slice(columns);
            }
        }
        Ok(packed)
    }

    /// `n` outputs of `k` inputs, all zero (the padding columns stay so).
    fn zeroed(n: usize, k: usize) -> Self {
        Self { n, k, lines: vec![CacheLine([0.0; 16]); (n.div_ceil(PANEL) * k * PANEL).div_ceil(16)] }
    }

    /// Output features (rows of W).
    pub fn n(&self) -> usize {
        self.n
    }

    /// Input features (columns of W).
    pub fn k(&self) -> usize {
        self.k
    }

    pub fn panels(&self) -> usize {
        self.n.div_ceil(PANEL)
    }

    fn values(&self) -> &[f32] {
        // SAFETY: a cache line is 16 f32 with no padding.
        unsafe { std::slice::from_raw_parts(self.lines.as_ptr() as *const f32, self.lines.len() * 16) }
    }

    fn values_mut(&mut self) -> &mut [f32] {
        // SAFETY: as in `values`.
        unsafe { std::slice::from_raw_parts_mut(self.lines.as_mut_ptr() as *mut f32, self.lines.len() * 16) }
    }

    /// Panel `panel`'s `k × PANEL` weights, input by input.
    pub fn panel(&self, panel: usize) -> &[f32] {
        let len = self.k * PANEL;
        &self.values()[panel * len..(panel + 1) * len]
    }

    /// The weight of output `row`, input `i` (a test and scalar-path helper).
    pub fn weight(&self, row: usize, i: usize) -> f32 {
        self.panel(row / PANEL)[i * PANEL + row % PANEL]
    }

    /// Heap bytes held.
    pub fn size_in_bytes(&self) -> usize {
        self.lines.len() * 64
    }
}

/// That `m` holds a `[rows, cols]` matrix with rows and columns.
fn check_shape(m: &[f32], rows: usize, cols: usize) -> Result<()> {
    if rows == 0 || cols == 0 {
        return Err(Error::format(format!("an f32 weight matrix needs rows and columns, got [{rows}, {cols}]")));
    }
    if m.len() != rows * cols {
        return Err(Error::format(format!("a [{rows}, {cols}] f32 matrix has {} values, got {}", rows * cols, m.len())));
    }
    Ok(())
}
