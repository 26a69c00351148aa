//! The left operand of a product as the kernels read it: `rows × k` values
//! at any steps, so that a transpose (`gᵀ` in a linear layer's `∂w = gᵀ · x`)
//! is read where it lies instead of being copied first.

use core::ops::Range;

/// `rows × k` values; value `(r, i)` sits at `r · row_step + i · input_step`.
#[derive(Debug, Clone, Copy)]
pub struct Lhs<'a> {
    values: &'a [f32],
    rows: usize,
    k: usize,
    row_step: usize,
    input_step: usize,
}

impl<'a> Lhs<'a> {
    /// Whole rows of `k` values, one after another.
    ///
    /// # Panics
    /// If `k` is zero or `values` is not whole rows (callers check user input first).
    pub fn rows(values: &'a [f32], k: usize) -> Self {
        assert!(k > 0 && values.len().is_multiple_of(k), "{} values are not whole rows of {k}", values.len());
        Self { values, rows: values.len() / k, k, row_step: k, input_step: 1 }
    }

    /// The transpose of a row-major `k × rows` matrix: row `r` here is its column `r`.
    ///
    /// # Panics
    /// If `rows` is zero or `values` is not whole rows of it.
    pub fn transposed(values: &'a [f32], rows: usize) -> Self {
        assert!(rows > 0 && values.len().is_multiple_of(rows), "{} values are not whole rows of {rows}", values.len());
        Self { values, rows, k: values.len() / rows, row_step: 1, input_step: rows }
    }

    pub fn row_count(&self) -> usize {
        self.rows
    }

    /// Inputs per row.
    pub fn k(&self) -> usize {
        self.k
    }

    /// How far apart one row's consecutive inputs lie.
    pub fn input_step(&self) -> usize {
        self.input_step
    }

    /// Rows `range` of this operand.
    pub fn slice_rows(&self, range: Range<usize>) -> Self {
        assert!(range.start <= range.end && range.end <= self.rows, "rows {range:?} of {}", self.rows);
        let values = if range.is_empty() { &[][..] } else { &self.values[range.start * self.row_step..] };
        Self { values, rows: range.len(), ..*self }
    }

    /// Value `(r, i)`.
    #[inline(always)]
    pub fn at(&self, r: usize, i: usize) -> f32 {
        self.values[r * self.row_step + i * self.input_step]
    }

    /// Row `r`'s values, `input_step` apart: a start and the slice that
    /// holds them all, for kernels that walk them by pointer.
    #[inline(always)]
    pub fn row(&self, r: usize) -> &'a [f32] {
        assert!(r < self.rows, "row {r} of {}", self.rows);
        &self.values[r * self.row_step..r * self.row_step + (self.k - 1) * self.input_step + 1]
    }
}
