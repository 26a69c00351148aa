//! Nearest centroid on the unit sphere: the simplest few-shot head. Each class
//! is the direction of its examples' mean, scored by cosine similarity. It
//! needs no optimisation, works from one example per class, and is what the
//! logistic head is compared with.

use nunchi_engine::{Error, Result};
use serde::{Deserialize, Serialize};

use crate::kernels;
use crate::logistic::check_training_set;
use crate::rows::{l2_normalized, Rows};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NearestCentroid {
    pub classes: usize,
    pub dim: usize,
    /// `classes × dim`, each row of unit length (or zero if the mean is zero).
    pub centroids: Vec<f32>,
}

impl NearestCentroid {
    /// Centroid of a class = the normalized mean of its normalized rows.
    pub fn fit(x: Rows, y: &[usize], classes: usize) -> Result<Self> {
        check_training_set(x, y, classes)?;
        let d = x.dim();
        let unit = l2_normalized(x);
        let mut sums = vec![0.0f64; classes * d];
        for (row, &k) in unit.chunks_exact(d).zip(y) {
            sums[k * d..(k + 1) * d].iter_mut().zip(row).for_each(|(s, &v)| *s += v as f64);
        }
        let mut centroids = vec![0.0f32; classes * d];
        for (dst, sum) in centroids.chunks_exact_mut(d).zip(sums.chunks_exact(d)) {
            let norm = sum.iter().map(|v| v * v).sum::<f64>().sqrt();
            if norm > 0.0 {
                dst.iter_mut().zip(sum).for_each(|(c, &s)| *c = (s / norm) as f32);
            }
        }
        Ok(Self { classes, dim: d, centroids })
    }

    /// Cosine similarity of each row to each centroid, `n × classes` row-major
    /// (a zero row scores 0 everywhere).
    pub fn scores(&self, x: Rows) -> Result<Vec<f32>> {
        if x.dim() != self.dim {
            return Err(Error::input(format!("the model takes vectors of dimension {}, got {}", self.dim, x.dim())));
        }
        if self.centroids.len() != self.classes * self.dim {
            return Err(Error::input("the model's centroids do not match its shape"));
        }
        let unit = l2_normalized(x);
        let mut out = vec![0.0f32; x.len() * self.classes];
        kernels::dots(&unit, &self.centroids, self.dim, &mut out);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn centroids_are_normalized_means_of_normalized_rows() {
        // Class 0: (2,0) and (0,1) → unit rows (1,0),(0,1) → mean direction (1,1)/√2.
        let x = [2.0f32, 0.0, 0.0, 1.0, -3.0, 0.0];
        let m = NearestCentroid::fit(Rows::new(&x, 2).unwrap(), &[0, 0, 1], 2).unwrap();
        let h = std::f32::consts::FRAC_1_SQRT_2;
        assert!((m.centroids[0] - h).abs() < 1e-6 && (m.centroids[1] - h).abs() < 1e-6);
        assert_eq!(&m.centroids[2..], &[-1.0, 0.0]);
        let s = m.scores(Rows::new(&[5.0, 5.0, 0.0, 0.0], 2).unwrap()).unwrap();
        assert!((s[0] - 1.0).abs() < 1e-6 && (s[1] + h).abs() < 1e-6);
        assert_eq!(&s[2..], &[0.0, 0.0]);
        assert!(m.scores(Rows::new(&[1.0, 2.0, 3.0], 3).unwrap()).is_err());
    }

    #[test]
    fn a_class_without_examples_is_an_error() {
        let x = [1.0f32, 0.0, 0.0, 1.0];
        let e = NearestCentroid::fit(Rows::new(&x, 2).unwrap(), &[0, 2], 3).unwrap_err();
        assert!(e.message().contains("class 1 has no training examples"), "{}", e.message());
    }
}
