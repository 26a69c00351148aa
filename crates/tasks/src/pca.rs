//! A 2-D map of embeddings for the cluster view: the projection on the top two
//! principal components.
//!
//! The `dim × dim` covariance is formed once (one pass over the rows), then
//! its top eigenvector is found by power iteration, deflated, and the second
//! found the same way. For 384-dim embeddings that is far cheaper than
//! iterating over the rows, and needs no linear-algebra library. Each
//! component's sign is fixed (its largest-magnitude loading is positive), so
//! the map does not flip between runs or platforms.

use nunchi_engine::Rng;
use nunchi_engine::{Error, Result};

use crate::kernels;
use crate::rows::Rows;

/// Power iterations per component at most; stops earlier once the direction settles.
const MAX_ITER: usize = 3000;

/// Coordinates of each row on the first two principal components (centered).
/// `seed` only picks the power iteration's starting vectors.
pub fn pca_2d(x: Rows, seed: u64) -> Result<Vec<[f32; 2]>> {
    if x.is_empty() {
        return Err(Error::input("no items to map"));
    }
    if let Some(i) = x.iter().position(|r| r.iter().any(|v| !v.is_finite())) {
        return Err(Error::input(format!("item {i} has a non-finite value")));
    }
    let (mean, components) = principal_components(x, seed);
    let d = x.dim();
    let comps32: Vec<f32> = components.iter().flatten().map(|&v| v as f32).collect();
    let shift: Vec<f64> = components.iter().map(|c| c.iter().zip(&mean).map(|(a, b)| a * b).sum()).collect();
    let mut dots = vec![0.0f32; x.len() * 2];
    kernels::dots(x.data(), &comps32, d, &mut dots);
    Ok(dots.chunks_exact(2).map(|p| [(p[0] as f64 - shift[0]) as f32, (p[1] as f64 - shift[1]) as f32]).collect())
}

/// The column means and the top two unit eigenvectors of the covariance
/// (a zero vector where the data has no further variance).
pub(crate) fn principal_components(x: Rows, seed: u64) -> (Vec<f64>, [Vec<f64>; 2]) {
    let (n, d) = (x.len(), x.dim());
    let mut mean = vec![0.0f64; d];
    for row in x.iter() {
        mean.iter_mut().zip(row).for_each(|(m, &v)| *m += v as f64);
    }
    mean.iter_mut().for_each(|m| *m /= n as f64);
    let mut cov = scatter(x, &mean);
    let mut rng = Rng::new(seed);
    let first = top_eigenvector(&cov, d, &[], &mut rng);
    // Deflate: C − λ₁ v₁ v₁ᵀ.
    let lambda = rayleigh(&cov, d, &first);
    for i in 0..d {
        for j in 0..d {
            cov[i * d + j] -= lambda * first[i] * first[j];
        }
    }
    let second = top_eigenvector(&cov, d, &[&first], &mut rng);
    (mean, [first, second])
}

/// `Σ (x − μ)(x − μ)ᵀ`, accumulated in f32 per block of rows and in f64 across blocks.
fn scatter(x: Rows, mean: &[f64]) -> Vec<f64> {
    let d = x.dim();
    const BLOCK: usize = 256;
    let mut total = vec![0.0f64; d * d];
    let mut part = vec![0.0f32; d * d];
    let mut centered = Vec::with_capacity(BLOCK * d);
    for block in x.data().chunks(BLOCK * d) {
        centered.clear();
        centered.extend(block.chunks_exact(d).flat_map(|r| r.iter().zip(mean).map(|(&v, &m)| (v as f64 - m) as f32)));
        part.iter_mut().for_each(|v| *v = 0.0);
        kernels::accumulate_outer(&centered, d, &centered, d, &mut part);
        total.iter_mut().zip(&part).for_each(|(t, &p)| *t += p as f64);
    }
    total
}

fn mat_vec(m: &[f64], d: usize, v: &[f64]) -> Vec<f64> {
    m.chunks_exact(d).map(|row| row.iter().zip(v).map(|(a, b)| a * b).sum()).collect()
}

fn rayleigh(m: &[f64], d: usize, v: &[f64]) -> f64 {
    mat_vec(m, d, v).iter().zip(v).map(|(a, b)| a * b).sum()
}

fn normalize(v: &mut [f64]) -> f64 {
    let norm = v.iter().map(|a| a * a).sum::<f64>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|a| *a /= norm);
    }
    norm
}

fn orthogonalize(v: &mut [f64], against: &[&Vec<f64>]) {
    for u in against {
        let p: f64 = v.iter().zip(u.iter()).map(|(a, b)| a * b).sum();
        v.iter_mut().zip(u.iter()).for_each(|(a, b)| *a -= p * b);
    }
}

/// Power iteration on a symmetric positive semi-definite matrix, kept
/// orthogonal to `against`; the sign is fixed afterwards.
fn top_eigenvector(m: &[f64], d: usize, against: &[&Vec<f64>], rng: &mut Rng) -> Vec<f64> {
    let scale = m.iter().step_by(d + 1).sum::<f64>(); // trace
    let mut v: Vec<f64> = (0..d).map(|_| rng.next_f64() - 0.5).collect();
    orthogonalize(&mut v, against);
    if scale <= 0.0 || normalize(&mut v) == 0.0 {
        return vec![0.0; d];
    }
    for _ in 0..MAX_ITER {
        let mut next = mat_vec(m, d, &v);
        orthogonalize(&mut next, against);
        // Nothing left along this direction, relative to the total variance.
        if normalize(&mut next) <= 1e-12 * scale {
            return vec![0.0; d];
        }
        let cos: f64 = next.iter().zip(&v).map(|(a, b)| a * b).sum();
        v = next;
        if 1.0 - cos.abs() < 1e-14 {
            break;
        }
    }
    let lead = v.iter().fold(0.0f64, |best, &a| if a.abs() > best.abs() { a } else { best });
    if lead < 0.0 {
        v.iter_mut().for_each(|a| *a = -*a);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_planted_directions() {
        // Points along (3,4,0)/5 with spread 10, along (0,0,1) with spread 2, plus a little noise.
        let mut rng = Rng::new(5);
        let mut x = Vec::new();
        for _ in 0..500 {
            let a = (rng.next_f64() - 0.5) * 20.0;
            let b = (rng.next_f64() - 0.5) * 4.0;
            let e = (rng.next_f64() - 0.5) * 0.1;
            x.extend_from_slice(&[(1.0 + 0.6 * a - 0.8 * e) as f32, (2.0 + 0.8 * a + 0.6 * e) as f32, (b - 3.0) as f32]);
        }
        let rows = Rows::new(&x, 3).unwrap();
        let (_, [v1, v2]) = principal_components(rows, 9);
        assert!((v1[0] - 0.6).abs() < 1e-3 && (v1[1] - 0.8).abs() < 1e-3 && v1[2].abs() < 1e-2, "{v1:?}");
        assert!(v2[0].abs() < 1e-2 && v2[1].abs() < 1e-2 && (v2[2] - 1.0).abs() < 1e-3, "{v2:?}");
        let p = pca_2d(rows, 9).unwrap();
        let mean_p: f64 = p.iter().map(|q| q[0] as f64).sum::<f64>() / 500.0;
        assert!(mean_p.abs() < 1e-3);
        assert_eq!(p, pca_2d(rows, 9).unwrap());
    }

    #[test]
    fn degenerate_inputs() {
        assert_eq!(pca_2d(Rows::new(&[1.0, 2.0], 2).unwrap(), 0).unwrap(), vec![[0.0, 0.0]]);
        let line = [0.0f32, 0.0, 1.0, 1.0, 2.0, 2.0];
        let p = pca_2d(Rows::new(&line, 2).unwrap(), 0).unwrap();
        assert!(p.iter().all(|q| q[1].abs() < 1e-5), "{p:?}");
        assert!((p[2][0] - 2f32.sqrt()).abs() < 1e-5, "{p:?}");
        assert!(pca_2d(Rows::new(&[], 2).unwrap(), 0).is_err());
    }
}
