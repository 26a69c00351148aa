//! A borrowed row-major matrix: the shape every task takes its embeddings in.

use nunchi_engine::{Error, Result};

/// `len() × dim()` f32 values, row-major, borrowed (usually from `Embeddings::data`).
#[derive(Debug, Clone, Copy)]
pub struct Rows<'a> {
    data: &'a [f32],
    dim: usize,
}

impl<'a> Rows<'a> {
    pub fn new(data: &'a [f32], dim: usize) -> Result<Self> {
        if dim == 0 || !data.len().is_multiple_of(dim) {
            return Err(Error::input(format!("{} values do not make rows of width {dim}", data.len())));
        }
        Ok(Self { data, dim })
    }
    pub fn len(&self) -> usize {
        self.data.len() / self.dim
    }
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
    pub fn dim(&self) -> usize {
        self.dim
    }
    pub fn data(&self) -> &'a [f32] {
        self.data
    }
    pub fn row(&self, i: usize) -> &'a [f32] {
        &self.data[i * self.dim..(i + 1) * self.dim]
    }
    pub fn iter(&self) -> impl Iterator<Item = &'a [f32]> + 'a {
        self.data.chunks_exact(self.dim)
    }
}

pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Each row scaled to unit length by the engine's one rule (zero rows stay zero).
pub fn l2_normalized(rows: Rows) -> Vec<f32> {
    let mut out = rows.data().to_vec();
    for row in out.chunks_exact_mut(rows.dim()) {
        nunchi_engine::vector::l2_normalize(row);
    }
    out
}

/// Turns scores into probabilities in place, `exp(s / temperature)` normalized.
pub fn softmax_in_place(scores: &mut [f32], temperature: f32) {
    let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for s in scores.iter_mut() {
        *s = ((*s - max) / temperature).exp();
        sum += *s;
    }
    scores.iter_mut().for_each(|s| *s /= sum);
}
