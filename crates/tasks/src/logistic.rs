//! Multinomial logistic regression with an L2 penalty: the few-shot head, and
//! the "embeddings + logistic regression" baseline people compare against.
//!
//! It minimises exactly scikit-learn's `LogisticRegression(C)` objective
//! (lbfgs solver): the softmax cross-entropy summed over the examples plus
//! `‖W‖² / (2C)`, the intercepts not penalized. scikit-learn fits two classes
//! with the *binary* loss (one weight vector `w`, penalty `‖w‖² / (2C)`); the
//! two-class softmax with rows `±w/2` gives the same probabilities and, with
//! `C/2`, the same penalty, so two classes are fitted as a softmax with `C/2`
//! and the optimum is scikit-learn's.
//!
//! The solver is L-BFGS (memory 10) with a strong-Wolfe line search, started
//! from zero, stopping like scikit-learn's call of SciPy: when the largest
//! gradient entry of the *mean* objective is at most `tol`, or the relative
//! decrease of the objective falls to `64·ε`, or after `max_iter` iterations.
//!
//! Speed: the loss and gradient are two matrix products over the examples
//! (`X·Wᵀ` and `Rᵀ·X`), done in f32 by the `kernels` below in blocks of rows, with
//! the softmax, the loss and the gradient accumulated in f64.

use nunchi_engine::vector::argmax;
use nunchi_engine::{Error, Result};
use serde::{Deserialize, Serialize};

use crate::rows::Rows;
use crate::{kernels, lbfgs};

/// A fitted model: `p(class | x) = softmax(W·x + bias)`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LogisticRegression {
    pub classes: usize,
    pub dim: usize,
    /// `classes × dim`, row-major.
    pub weights: Vec<f32>,
    pub bias: Vec<f32>,
}

/// scikit-learn's defaults, except `max_iter` (300 rather than 100: embeddings
/// of many classes often need more than 100 iterations to reach `tol`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LogisticOptions {
    /// Inverse regularization strength (scikit-learn's `C`); larger fits harder.
    pub c: f64,
    pub max_iter: usize,
    /// Stop when every entry of the mean objective's gradient is at most this.
    pub tol: f64,
}

impl Default for LogisticOptions {
    fn default() -> Self {
        Self { c: 1.0, max_iter: 300, tol: 1e-4 }
    }
}

/// How the optimisation went, for a "did not converge" note in a UI or a log.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FitSummary {
    pub iterations: usize,
    /// Loss-and-gradient evaluations (line search included).
    pub evaluations: usize,
    /// `false` when `max_iter` ran out (or the line search stalled) first.
    pub converged: bool,
    /// The objective (summed form, see [`LogisticRegression::objective`]) at the result.
    pub objective: f64,
}

impl LogisticRegression {
    /// Fits the model; see [`LogisticRegression::fit_with_summary`].
    pub fn fit(x: Rows, y: &[usize], classes: usize, opts: &LogisticOptions) -> Result<Self> {
        Self::fit_with_summary(x, y, classes, opts).map(|(model, _)| model)
    }

    /// Fits on rows `x` with class indices `y` (each `< classes`, every class present).
    pub fn fit_with_summary(x: Rows, y: &[usize], classes: usize, opts: &LogisticOptions) -> Result<(Self, FitSummary)> {
        check_training_set(x, y, classes)?;
        if !(opts.c.is_finite() && opts.c > 0.0) {
            return Err(Error::input(format!("C must be a positive number, got {}", opts.c)));
        }
        if !(opts.tol.is_finite() && opts.tol >= 0.0) {
            return Err(Error::input(format!("tol must be a non-negative number, got {}", opts.tol)));
        }
        if opts.max_iter == 0 {
            return Err(Error::input("max_iter must be at least 1"));
        }
        let c_eff = if classes == 2 { opts.c / 2.0 } else { opts.c };
        let problem = Problem { x, y, classes, inv_c: 1.0 / c_eff };
        let n = x.len() as f64;
        let settings = lbfgs::Settings {
            max_iter: opts.max_iter,
            gtol: opts.tol,
            ftol: 64.0 * f64::EPSILON,
            memory: 10,
            max_linesearch: 50,
        };
        // SciPy sees scikit-learn's *mean* objective, so tolerances are on that scale.
        let mut scratch = Scratch::default();
        let outcome = lbfgs::minimize(
            |params, grad| {
                let f = problem.value_grad(params, grad, &mut scratch);
                grad.iter_mut().for_each(|g| *g /= n);
                f / n
            },
            vec![0.0; classes * (x.dim() + 1)],
            &settings,
        );
        let mut params = outcome.x;
        center_classes(&mut params, classes, x.dim());
        let model = Self::from_params(&params, classes, x.dim());
        let objective = model.objective(x, y, opts.c)?;
        let summary = FitSummary {
            iterations: outcome.iterations,
            evaluations: outcome.evaluations,
            converged: outcome.converged,
            objective,
        };
        Ok((model, summary))
    }

    fn from_params(params: &[f64], classes: usize, dim: usize) -> Self {
        let (w, b) = params.split_at(classes * dim);
        Self { classes, dim, weights: w.iter().map(|&v| v as f32).collect(), bias: b.iter().map(|&v| v as f32).collect() }
    }

    fn check_rows(&self, x: Rows) -> Result<()> {
        if x.dim() != self.dim {
            return Err(Error::input(format!("the model takes vectors of dimension {}, got {}", self.dim, x.dim())));
        }
        if self.classes == 0 || self.weights.len() != self.classes * self.dim || self.bias.len() != self.classes {
            return Err(Error::input("the model's weights do not match its shape"));
        }
        Ok(())
    }

    /// Raw scores `W·x + bias`, `n × classes` row-major.
    fn logits(&self, x: Rows) -> Vec<f32> {
        let mut z = vec![0.0f32; x.len() * self.classes];
        kernels::dots(x.data(), &self.weights, self.dim, &mut z);
        for row in z.chunks_exact_mut(self.classes) {
            row.iter_mut().zip(&self.bias).for_each(|(v, b)| *v += b);
        }
        z
    }

    /// Class probabilities, `n × classes` row-major.
    pub fn predict_proba(&self, x: Rows) -> Result<Vec<f32>> {
        self.check_rows(x)?;
        let mut z = self.logits(x);
        for row in z.chunks_exact_mut(self.classes) {
            let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let sum: f64 = row.iter().map(|&v| ((v - max) as f64).exp()).sum();
            row.iter_mut().for_each(|v| *v = (((*v - max) as f64).exp() / sum) as f32);
        }
        Ok(z)
    }

    /// The most probable class of each row (the first on a tie).
    pub fn predict(&self, x: Rows) -> Result<Vec<usize>> {
        self.check_rows(x)?;
        let z = self.logits(x);
        Ok(z.chunks_exact(self.classes).map(argmax).collect())
    }

    /// scikit-learn's objective at this model, in summed form:
    /// `Σᵢ −ln p(yᵢ|xᵢ) + ‖W‖²/(2C)`; for two classes the penalty is
    /// `‖w₁ − w₀‖²/(2C)`, the norm of scikit-learn's single `coef_` row.
    pub fn objective(&self, x: Rows, y: &[usize], c: f64) -> Result<f64> {
        self.check_rows(x)?;
        if y.len() != x.len() {
            return Err(Error::input(format!("{} rows but {} labels", x.len(), y.len())));
        }
        if let Some((i, &k)) = y.iter().enumerate().find(|(_, &k)| k >= self.classes) {
            return Err(Error::input(format!("label {k} of example {i} is not below {}", self.classes)));
        }
        let z = self.logits(x);
        let mut loss = 0.0f64;
        for (row, &k) in z.chunks_exact(self.classes).zip(y) {
            loss += log_sum_exp(row) - row[k] as f64;
        }
        let d = self.dim;
        let penalty = if self.classes == 2 {
            let (w0, w1) = self.weights.split_at(d);
            w0.iter().zip(w1).map(|(&a, &b)| (b as f64 - a as f64).powi(2)).sum::<f64>()
        } else {
            self.weights.iter().map(|&w| (w as f64).powi(2)).sum::<f64>()
        };
        Ok(loss + penalty / (2.0 * c))
    }
}

fn log_sum_exp(row: &[f32]) -> f64 {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
    max + row.iter().map(|&v| (v as f64 - max).exp()).sum::<f64>().ln()
}

/// The checks every supervised fit shares (also used by the nearest-centroid head).
pub(crate) fn check_training_set(x: Rows, y: &[usize], classes: usize) -> Result<()> {
    if x.is_empty() {
        return Err(Error::input("no training examples"));
    }
    if y.len() != x.len() {
        return Err(Error::input(format!("{} training rows but {} labels", x.len(), y.len())));
    }
    if classes < 2 {
        return Err(Error::input(format!("need at least 2 classes, got {classes}")));
    }
    let mut counts = vec![0usize; classes];
    for (i, &k) in y.iter().enumerate() {
        if k >= classes {
            return Err(Error::input(format!("label {k} of example {i} is out of range for {classes} classes")));
        }
        counts[k] += 1;
    }
    if let Some(k) = counts.iter().position(|&c| c == 0) {
        return Err(Error::input(format!("class {k} has no training examples")));
    }
    if let Some(i) = x.iter().position(|r| r.iter().any(|v| !v.is_finite())) {
        return Err(Error::input(format!("training example {i} has a non-finite value")));
    }
    Ok(())
}

/// Subtracts the per-feature mean over classes (and the mean intercept): the
/// softmax is unchanged, and it removes any drift along that flat direction.
fn center_classes(params: &mut [f64], classes: usize, dim: usize) {
    let (w, b) = params.split_at_mut(classes * dim);
    for j in 0..dim {
        let mean = (0..classes).map(|k| w[k * dim + j]).sum::<f64>() / classes as f64;
        (0..classes).for_each(|k| w[k * dim + j] -= mean);
    }
    let mean = b.iter().sum::<f64>() / classes as f64;
    b.iter_mut().for_each(|v| *v -= mean);
}

/// The training problem: parameters are `[W (classes×dim, row-major), bias (classes)]`.
struct Problem<'a> {
    x: Rows<'a>,
    y: &'a [usize],
    classes: usize,
    /// The penalty is `inv_c/2 · ‖W‖²`.
    inv_c: f64,
}

/// Buffers reused across evaluations.
#[derive(Default)]
struct Scratch {
    w32: Vec<f32>,
    z: Vec<f32>,
    gw32: Vec<f32>,
}

/// Rows per block: big enough to amortise the f32→f64 gradient flush, small
/// enough that the block's logits stay in cache.
const BLOCK: usize = 256;

impl Problem<'_> {
    /// Summed objective, gradient into `grad`: the fast path.
    fn value_grad(&self, params: &[f64], grad: &mut [f64], s: &mut Scratch) -> f64 {
        let (k, d) = (self.classes, self.x.dim());
        let (w, b) = params.split_at(k * d);
        s.w32.clear();
        s.w32.extend(w.iter().map(|&v| v as f32));
        s.gw32.clear();
        s.gw32.resize(k * d, 0.0);
        grad.iter_mut().for_each(|g| *g = 0.0);
        let (gw, gb) = grad.split_at_mut(k * d);
        let mut loss = 0.0f64;
        let mut p = vec![0.0f64; k];
        for (block, labels) in self.x.data().chunks(BLOCK * d).zip(self.y.chunks(BLOCK)) {
            let m = labels.len();
            s.z.clear();
            s.z.resize(m * k, 0.0);
            kernels::dots(block, &s.w32, d, &mut s.z);
            // Logits → residuals p − onehot(y), in place.
            for (row, &yi) in s.z.chunks_exact_mut(k).zip(labels) {
                let mut max = f64::NEG_INFINITY;
                for ((pk, &zk), &bk) in p.iter_mut().zip(row.iter()).zip(b) {
                    *pk = zk as f64 + bk;
                    max = max.max(*pk);
                }
                let mut sum = 0.0;
                let zy = p[yi];
                p.iter_mut().for_each(|v| {
                    *v = (*v - max).exp();
                    sum += *v;
                });
                loss += max + sum.ln() - zy;
                for (c, (r, &pk)) in row.iter_mut().zip(&p).enumerate() {
                    let res = pk / sum - if c == yi { 1.0 } else { 0.0 };
                    *r = res as f32;
                    gb[c] += res;
                }
            }
            s.gw32.iter_mut().for_each(|g| *g = 0.0);
            kernels::accumulate_outer(&s.z, k, block, d, &mut s.gw32);
            gw.iter_mut().zip(&s.gw32).for_each(|(g, &v)| *g += v as f64);
        }
        let mut penalty = 0.0;
        for (g, &wv) in gw.iter_mut().zip(w) {
            *g += self.inv_c * wv;
            penalty += wv * wv;
        }
        loss + 0.5 * self.inv_c * penalty
    }

    /// The same in plain f64 loops, as the reference the fast path is tested against.
    #[cfg(test)]
    fn value_grad_slow(&self, params: &[f64], grad: &mut [f64]) -> f64 {
        let (k, d) = (self.classes, self.x.dim());
        grad.iter_mut().for_each(|g| *g = 0.0);
        let mut f = 0.0;
        for (i, xi) in self.x.iter().enumerate() {
            let z: Vec<f64> =
                (0..k).map(|c| params[k * d + c] + (0..d).map(|j| params[c * d + j] * xi[j] as f64).sum::<f64>()).collect();
            let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let sum: f64 = z.iter().map(|v| (v - max).exp()).sum();
            f += max + sum.ln() - z[self.y[i]];
            for c in 0..k {
                let r = (z[c] - max).exp() / sum - if c == self.y[i] { 1.0 } else { 0.0 };
                for j in 0..d {
                    grad[c * d + j] += r * xi[j] as f64;
                }
                grad[k * d + c] += r;
            }
        }
        for idx in 0..k * d {
            f += 0.5 * self.inv_c * params[idx] * params[idx];
            grad[idx] += self.inv_c * params[idx];
        }
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nunchi_engine::Rng;

    fn gaussian(rng: &mut Rng) -> f64 {
        let u = rng.next_f64().max(1e-300);
        let v = rng.next_f64();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    fn problem_data(n: usize, d: usize, k: usize, seed: u64) -> (Vec<f32>, Vec<usize>, Vec<f64>) {
        let mut rng = Rng::new(seed);
        let x: Vec<f32> = (0..n * d).map(|_| gaussian(&mut rng) as f32).collect();
        let y: Vec<usize> = (0..n).map(|i| i % k).collect();
        let params: Vec<f64> = (0..k * (d + 1)).map(|_| 0.5 * gaussian(&mut rng)).collect();
        (x, y, params)
    }

    #[test]
    fn gradient_matches_reference_and_finite_differences() {
        for &(n, d, k, inv_c) in &[(40, 5, 3, 1.0), (600, 19, 7, 0.5), (9, 3, 2, 2.0)] {
            let (x, y, params) = problem_data(n, d, k, 7 + n as u64);
            let p = Problem { x: Rows::new(&x, d).unwrap(), y: &y, classes: k, inv_c };
            let mut g_fast = vec![0.0; params.len()];
            let mut g_slow = vec![0.0; params.len()];
            let f_fast = p.value_grad(&params, &mut g_fast, &mut Scratch::default());
            let f_slow = p.value_grad_slow(&params, &mut g_slow);
            assert!((f_fast - f_slow).abs() <= 1e-5 * f_slow.abs(), "{f_fast} vs {f_slow}");
            let scale = g_slow.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            for (a, b) in g_fast.iter().zip(&g_slow) {
                assert!((a - b).abs() <= 1e-5 * scale, "fast {a} vs slow {b}");
            }
            // Central differences of the f64 reference.
            let h = 1e-5;
            let mut scratch = vec![0.0; params.len()];
            for idx in (0..params.len()).step_by(3) {
                let mut plus = params.clone();
                let mut minus = params.clone();
                plus[idx] += h;
                minus[idx] -= h;
                let fd = (p.value_grad_slow(&plus, &mut scratch) - p.value_grad_slow(&minus, &mut scratch)) / (2.0 * h);
                assert!((fd - g_slow[idx]).abs() <= 1e-6 * scale.max(1.0), "param {idx}: fd {fd} vs {}", g_slow[idx]);
            }
        }
    }

    #[test]
    fn fit_reaches_a_stationary_point_and_predicts() {
        let (n, d, k) = (300, 6, 3);
        let mut rng = Rng::new(11);
        let mut x = vec![0f32; n * d];
        let y: Vec<usize> = (0..n).map(|i| i % k).collect();
        for i in 0..n {
            for j in 0..d {
                let shift = if j == y[i] { 2.0 } else { 0.0 };
                x[i * d + j] = (gaussian(&mut rng) + shift) as f32;
            }
        }
        let rows = Rows::new(&x, d).unwrap();
        let opts = LogisticOptions { tol: 1e-8, max_iter: 1000, ..Default::default() };
        let (model, summary) = LogisticRegression::fit_with_summary(rows, &y, k, &opts).unwrap();
        assert!(summary.converged, "{summary:?}");
        let mut params: Vec<f64> = model.weights.iter().chain(&model.bias).map(|&v| v as f64).collect();
        let p = Problem { x: rows, y: &y, classes: k, inv_c: 1.0 };
        let mut g = vec![0.0; params.len()];
        let f = p.value_grad_slow(&params, &mut g);
        assert!((f - summary.objective).abs() < 1e-4 * f, "{f} vs {}", summary.objective);
        assert!(g.iter().all(|v| v.abs() < 1e-3 * n as f64 / 100.0), "{g:?}");
        // Centered: weights and biases sum to zero over classes.
        params.truncate(k * d);
        assert!((0..d).all(|j| (0..k).map(|c| params[c * d + j]).sum::<f64>().abs() < 1e-5));
        let proba = model.predict_proba(rows).unwrap();
        for row in proba.chunks(k) {
            assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        }
        let pred = model.predict(rows).unwrap();
        let acc = pred.iter().zip(&y).filter(|(a, b)| a == b).count() as f64 / n as f64;
        assert!(acc > 0.8, "accuracy {acc}");
    }

    #[test]
    fn rejects_bad_training_sets() {
        let x = [0.0f32, 1.0, 1.0, 0.0, 0.5, 0.5];
        let rows = Rows::new(&x, 2).unwrap();
        let o = LogisticOptions::default();
        let msg = |r: Result<LogisticRegression>| r.unwrap_err().message().to_string();
        assert!(msg(LogisticRegression::fit(Rows::new(&[], 2).unwrap(), &[], 2, &o)).contains("no training"));
        assert!(msg(LogisticRegression::fit(rows, &[0, 1], 2, &o)).contains("3 training rows but 2 labels"));
        assert!(msg(LogisticRegression::fit(rows, &[0, 1, 2], 2, &o)).contains("out of range"));
        assert!(msg(LogisticRegression::fit(rows, &[0, 1, 0], 3, &o)).contains("class 2 has no training examples"));
        assert!(msg(LogisticRegression::fit(rows, &[0, 0, 0], 1, &o)).contains("at least 2 classes"));
        let bad = [0.0f32, f32::NAN, 1.0, 0.0, 0.5, 0.5];
        assert!(msg(LogisticRegression::fit(Rows::new(&bad, 2).unwrap(), &[0, 1, 0], 2, &o)).contains("non-finite"));
        let model = LogisticRegression::fit(rows, &[0, 1, 0], 2, &o).unwrap();
        let three = [0.0f32; 3];
        assert!(model.predict(Rows::new(&three, 3).unwrap()).is_err());
    }
}
