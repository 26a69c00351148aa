//! A limited-memory BFGS minimiser with a strong-Wolfe line search
//! (Nocedal & Wright, algorithms 7.4, 3.5 and 3.6).

use std::collections::VecDeque;

pub struct Settings {
    pub max_iter: usize,
    /// Stop when `max |gᵢ| ≤ gtol`.
    pub gtol: f64,
    /// Stop when `(f_k − f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) ≤ ftol`.
    pub ftol: f64,
    /// Correction pairs kept.
    pub memory: usize,
    /// Function evaluations allowed per line search.
    pub max_linesearch: usize,
}

pub struct Outcome {
    pub x: Vec<f64>,
    #[allow(dead_code)] // read by the tests
    pub f: f64,
    pub iterations: usize,
    pub evaluations: usize,
    pub converged: bool,
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn inf_norm(a: &[f64]) -> f64 {
    a.iter().fold(0.0, |m, v| m.max(v.abs()))
}

struct Pair {
    s: Vec<f64>,
    y: Vec<f64>,
    rho: f64,
}

/// `−H·g` by the two-loop recursion, `H₀ = γI` with `γ = sᵀy / yᵀy` of the newest pair.
fn direction(g: &[f64], history: &VecDeque<Pair>) -> Vec<f64> {
    let mut q = g.to_vec();
    let mut alpha = vec![0.0; history.len()];
    for (i, p) in history.iter().enumerate().rev() {
        alpha[i] = p.rho * dot(&p.s, &q);
        q.iter_mut().zip(&p.y).for_each(|(q, y)| *q -= alpha[i] * y);
    }
    if let Some(p) = history.back() {
        let gamma = dot(&p.s, &p.y) / dot(&p.y, &p.y);
        q.iter_mut().for_each(|v| *v *= gamma);
    }
    for (i, p) in history.iter().enumerate() {
        let beta = p.rho * dot(&p.y, &q);
        q.iter_mut().zip(&p.s).for_each(|(q, s)| *q += (alpha[i] - beta) * s);
    }
    q.iter_mut().for_each(|v| *v = -*v);
    q
}

pub fn minimize(mut f: impl FnMut(&[f64], &mut [f64]) -> f64, x0: Vec<f64>, s: &Settings) -> Outcome {
    let mut x = x0;
    let mut g = vec![0.0; x.len()];
    let mut fx = f(&x, &mut g);
    let mut evaluations = 1;
    let mut history: VecDeque<Pair> = VecDeque::new();
    let mut iterations = 0;
    let mut converged = inf_norm(&g) <= s.gtol;
    while !converged && iterations < s.max_iter && fx.is_finite() {
        iterations += 1;
        let mut d = direction(&g, &history);
        let mut gd = dot(&g, &d);
        // Not a descent direction (or NaN): fall back to steepest descent.
        if gd.is_nan() || gd >= 0.0 {
            history.clear();
            d = g.iter().map(|v| -v).collect();
            gd = -dot(&g, &g);
        }
        let step0 = if history.is_empty() { (1.0 / dot(&d, &d).sqrt()).min(1.0) } else { 1.0 };
        let found = line_search(&mut f, &x, fx, gd, &d, step0, s.max_linesearch, &mut evaluations);
        let Some(point) = found else {
            if history.is_empty() {
                break; // Even steepest descent makes no progress: as good as it gets.
            }
            history.clear();
            continue;
        };
        let step: Vec<f64> = point.x.iter().zip(&x).map(|(a, b)| a - b).collect();
        let dg: Vec<f64> = point.g.iter().zip(&g).map(|(a, b)| a - b).collect();
        let sy = dot(&step, &dg);
        if sy > f64::EPSILON * dot(&dg, &dg) {
            if history.len() == s.memory {
                history.pop_front();
            }
            history.push_back(Pair { s: step, y: dg, rho: 1.0 / sy });
        }
        let decrease = (fx - point.f) / fx.abs().max(point.f.abs()).max(1.0);
        x = point.x;
        g = point.g;
        fx = point.f;
        converged = decrease <= s.ftol || inf_norm(&g) <= s.gtol;
    }
    Outcome { x, f: fx, iterations, evaluations, converged }
}

struct Point {
    alpha: f64,
    x: Vec<f64>,
    f: f64,
    g: Vec<f64>,
    /// Directional derivative `g·d`.
    dg: f64,
}

const C1: f64 = 1e-4;
const C2: f64 = 0.9;

/// A step along `d` meeting the strong Wolfe conditions, or the best
/// sufficient-decrease step found within `max_evals`, or `None`.
#[allow(clippy::too_many_arguments)]
fn line_search(
    f: &mut impl FnMut(&[f64], &mut [f64]) -> f64,
    x: &[f64],
    f0: f64,
    dg0: f64,
    d: &[f64],
    step0: f64,
    max_evals: usize,
    evaluations: &mut usize,
) -> Option<Point> {
    let mut eval = |alpha: f64| {
        let xa: Vec<f64> = x.iter().zip(d).map(|(x, d)| x + alpha * d).collect();
        let mut g = vec![0.0; x.len()];
        let fa = f(&xa, &mut g);
        let dg = dot(&g, d);
        Point { alpha, x: xa, f: fa, g, dg }
    };
    let armijo = |p: &Point| p.f.is_finite() && p.f <= f0 + C1 * p.alpha * dg0;
    let curvature = |p: &Point| p.dg.abs() <= -C2 * dg0;
    let mut prev: Option<Point> = None; // alpha 0 is implicit: (f0, dg0)
    let mut alpha = step0;
    let mut evals = 0;
    let (mut lo, mut hi): (Option<Point>, Point);
    loop {
        let p = eval(alpha);
        evals += 1;
        *evaluations += 1;
        let prev_f = prev.as_ref().map_or(f0, |q| q.f);
        if !armijo(&p) || (prev.is_some() && p.f >= prev_f) {
            lo = prev;
            hi = p;
            break;
        }
        if curvature(&p) {
            return Some(p);
        }
        if p.dg >= 0.0 {
            hi = prev.unwrap_or(Point { alpha: 0.0, x: x.to_vec(), f: f0, g: Vec::new(), dg: dg0 });
            lo = Some(p);
            break;
        }
        if evals >= max_evals {
            return Some(p);
        }
        alpha = p.alpha * 2.0;
        prev = Some(p);
    }
    // Zoom: `lo` satisfies sufficient decrease and has the lowest f so far
    // (None stands for alpha = 0); the minimum lies between lo and hi.
    while evals < max_evals {
        let (a_lo, f_lo, dg_lo) = lo.as_ref().map_or((0.0, f0, dg0), |p| (p.alpha, p.f, p.dg));
        let (a_hi, f_hi, dg_hi) = (hi.alpha, hi.f, hi.dg);
        let width = a_hi - a_lo;
        if width.abs() <= 1e-16 * a_hi.abs().max(1e-300) {
            break;
        }
        let mut a = cubic_min(a_lo, f_lo, dg_lo, a_hi, f_hi, dg_hi);
        let (left, right) = (a_lo.min(a_hi), a_lo.max(a_hi));
        let margin = 0.1 * (right - left);
        if !a.is_finite() || a < left + margin || a > right - margin {
            a = 0.5 * (a_lo + a_hi);
        }
        let p = eval(a);
        evals += 1;
        *evaluations += 1;
        if !armijo(&p) || p.f >= f_lo {
            hi = p;
        } else {
            if curvature(&p) {
                return Some(p);
            }
            if p.dg * (a_hi - a_lo) >= 0.0 {
                match lo.take() {
                    Some(old) => hi = old,
                    None => hi = Point { alpha: 0.0, x: x.to_vec(), f: f0, g: Vec::new(), dg: dg0 },
                }
            }
            lo = Some(p);
        }
    }
    lo.filter(|p| p.f < f0)
}

/// The minimiser of the cubic through two points with their slopes (NaN if none).
fn cubic_min(a0: f64, f0: f64, d0: f64, a1: f64, f1: f64, d1: f64) -> f64 {
    let t = d0 + d1 - 3.0 * (f0 - f1) / (a0 - a1);
    let disc = t * t - d0 * d1;
    if disc < 0.0 || !f1.is_finite() {
        return f64::NAN;
    }
    let r = (a1 - a0).signum() * disc.sqrt();
    a1 - (a1 - a0) * (d1 + r - t) / (d1 - d0 + 2.0 * r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(gtol: f64) -> Settings {
        Settings { max_iter: 500, gtol, ftol: 0.0, memory: 10, max_linesearch: 50 }
    }

    #[test]
    fn rosenbrock() {
        let f = |x: &[f64], g: &mut [f64]| {
            let (a, b) = (x[0], x[1]);
            g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
            g[1] = 200.0 * (b - a * a);
            (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
        };
        let out = minimize(f, vec![-1.2, 1.0], &settings(1e-9));
        assert!(out.converged);
        assert!((out.x[0] - 1.0).abs() < 1e-6 && (out.x[1] - 1.0).abs() < 1e-6, "{:?}", out.x);
        assert!(out.iterations < 100, "{} iterations", out.iterations);
    }

    #[test]
    fn ill_conditioned_quadratic() {
        // f = Σ cᵢ (xᵢ − i)²/2 with c from 1 to 1e3 (SciPy's L-BFGS-B: 271 iterations).
        let n = 50;
        let c: Vec<f64> = (0..n).map(|i| 10f64.powf(3.0 * i as f64 / (n - 1) as f64)).collect();
        let f = |x: &[f64], g: &mut [f64]| {
            let mut v = 0.0;
            for i in 0..n {
                let e = x[i] - i as f64;
                g[i] = c[i] * e;
                v += 0.5 * c[i] * e * e;
            }
            v
        };
        let out = minimize(f, vec![0.0; n], &settings(1e-6));
        assert!(out.converged, "{} iterations, {} evaluations, f {}", out.iterations, out.evaluations, out.f);
        for (i, v) in out.x.iter().enumerate() {
            assert!((v - i as f64).abs() < 1e-5, "x[{i}] = {v}");
        }
    }
}
