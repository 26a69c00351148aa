//! f32 matrix kernels shared by the numeric tasks. Every inner loop is an
//! element-wise "vector += scalar × vector" over a contiguous row, the form
//! compilers vectorize without reassociating sums (SSE2/AVX2 natively,
//! SIMD128 in wasm); each pass over a destination row folds in four source
//! rows to save loads and stores. On x86-64 with AVX2 and FMA (checked at run
//! time) the same code is compiled with those features; its results then
//! differ from the portable path's in the last bits.

trait MulAdd {
    /// `a·b + c`
    fn mul_add(a: f32, b: f32, c: f32) -> f32;
}
struct Separate;
impl MulAdd for Separate {
    #[inline(always)]
    fn mul_add(a: f32, b: f32, c: f32) -> f32 {
        a * b + c
    }
}
#[cfg(target_arch = "x86_64")]
struct Fused;
#[cfg(target_arch = "x86_64")]
impl MulAdd for Fused {
    #[inline(always)]
    fn mul_add(a: f32, b: f32, c: f32) -> f32 {
        a.mul_add(b, c)
    }
}

#[cfg(target_arch = "x86_64")]
fn has_fma() -> bool {
    std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")
}

/// `out[i·nb + j] = a_i · b_j` for rows `a_i` of `a` and `b_j` of `b`, width `d`.
pub fn dots(a: &[f32], b: &[f32], d: usize, out: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if has_fma() {
        // SAFETY: the CPU has the features the function is compiled for.
        return unsafe { pairwise_fma::<false>(a, b, d, out) };
    }
    pairwise::<Separate, false>(a, b, d, out)
}

/// `out[i·nb + j] = ‖a_i − b_j‖²`, summed term by term (no cancellation).
pub fn sq_dists(a: &[f32], b: &[f32], d: usize, out: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if has_fma() {
        // SAFETY: as in `dots`.
        return unsafe { pairwise_fma::<true>(a, b, d, out) };
    }
    pairwise::<Separate, true>(a, b, d, out)
}

/// `out[c] += Σᵢ r[i·k + c] · x_i` for each of the `k` rows of `out` (width `d`):
/// `out += Rᵀ·X` for `R` (m×k) and `X` (m×d).
pub fn accumulate_outer(r: &[f32], k: usize, x: &[f32], d: usize, out: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if has_fma() {
        // SAFETY: as in `dots`.
        return unsafe { outer_fma(r, k, x, d, out) };
    }
    outer::<Separate>(r, k, x, d, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn pairwise_fma<const SQ: bool>(a: &[f32], b: &[f32], d: usize, out: &mut [f32]) {
    pairwise::<Fused, SQ>(a, b, d, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn outer_fma(r: &[f32], k: usize, x: &[f32], d: usize, out: &mut [f32]) {
    outer::<Fused>(r, k, x, d, out)
}

/// Columns of `b` per tile: the transposed tile (`d × TILE`) stays in L2.
const TILE: usize = 64;

/// The pairwise kernel: `b` is transposed a tile of rows at a time, so
/// that row `i` of the output is built as `Σⱼ a[i][j] · bᵀ[j]`, two rows of
/// `a` and four `j` per pass. A narrow last tile is padded (with zero
/// columns, computed and dropped) only to 8, 16 or 32 columns.
#[inline(always)]
fn pairwise<M: MulAdd, const SQ: bool>(a: &[f32], b: &[f32], d: usize, out: &mut [f32]) {
    if d == 0 {
        return;
    }
    let (na, nb) = (a.len() / d, b.len() / d);
    assert!(out.len() >= na * nb, "kernel output too small");
    let mut bt = Vec::new();
    for c0 in (0..nb).step_by(TILE) {
        let w = TILE.min(nb - c0);
        let wp = match w {
            0..=8 => 8,
            9..=16 => 16,
            17..=32 => 32,
            _ => TILE,
        };
        bt.clear();
        bt.resize(d * wp, 0.0);
        for c in 0..w {
            for (j, &v) in b[(c0 + c) * d..(c0 + c + 1) * d].iter().enumerate() {
                bt[j * wp + c] = v;
            }
        }
        let t = Tile { a, bt: &bt, d, na, nb, c0, w };
        match wp {
            8 => tile::<M, SQ, 8>(t, out),
            16 => tile::<M, SQ, 16>(t, out),
            32 => tile::<M, SQ, 32>(t, out),
            _ => tile::<M, SQ, TILE>(t, out),
        }
    }
}

struct Tile<'a> {
    a: &'a [f32],
    /// `d × WP`: columns `c0..c0 + w` of the output, transposed, zero-padded.
    bt: &'a [f32],
    d: usize,
    na: usize,
    nb: usize,
    c0: usize,
    w: usize,
}

#[inline(always)]
fn tile<M: MulAdd, const SQ: bool, const WP: usize>(t: Tile, out: &mut [f32]) {
    let Tile { a, bt, d, na, nb, c0, w } = t;
    let row = |j: usize| -> &[f32; WP] { bt[j * WP..(j + 1) * WP].try_into().expect("tile row") };
    let mut i = 0;
    while i < na {
        let two = na - i >= 2;
        let a0 = &a[i * d..(i + 1) * d];
        let a1 = if two { &a[(i + 1) * d..(i + 2) * d] } else { a0 };
        let mut acc0 = [0.0f32; WP];
        let mut acc1 = [0.0f32; WP];
        let mut j = 0;
        while j + 4 <= d {
            let rows = [row(j), row(j + 1), row(j + 2), row(j + 3)];
            let s0 = [a0[j], a0[j + 1], a0[j + 2], a0[j + 3]];
            let s1 = [a1[j], a1[j + 1], a1[j + 2], a1[j + 3]];
            for c in 0..WP {
                let (mut y0, mut y1) = (acc0[c], acc1[c]);
                for q in 0..4 {
                    let v = rows[q][c];
                    if SQ {
                        let (e0, e1) = (s0[q] - v, s1[q] - v);
                        y0 = M::mul_add(e0, e0, y0);
                        y1 = M::mul_add(e1, e1, y1);
                    } else {
                        y0 = M::mul_add(s0[q], v, y0);
                        y1 = M::mul_add(s1[q], v, y1);
                    }
                }
                acc0[c] = y0;
                acc1[c] = y1;
            }
            j += 4;
        }
        while j < d {
            let r = row(j);
            for c in 0..WP {
                if SQ {
                    let (e0, e1) = (a0[j] - r[c], a1[j] - r[c]);
                    acc0[c] = M::mul_add(e0, e0, acc0[c]);
                    acc1[c] = M::mul_add(e1, e1, acc1[c]);
                } else {
                    acc0[c] = M::mul_add(a0[j], r[c], acc0[c]);
                    acc1[c] = M::mul_add(a1[j], r[c], acc1[c]);
                }
            }
            j += 1;
        }
        out[i * nb + c0..i * nb + c0 + w].copy_from_slice(&acc0[..w]);
        if two {
            out[(i + 1) * nb + c0..(i + 1) * nb + c0 + w].copy_from_slice(&acc1[..w]);
        }
        i += 2;
    }
}

#[inline(always)]
fn outer<M: MulAdd>(r: &[f32], k: usize, x: &[f32], d: usize, out: &mut [f32]) {
    if d == 0 {
        return;
    }
    let m = x.len() / d;
    assert!(r.len() >= m * k && out.len() >= k * d, "kernel shapes");
    let mut i = 0;
    while i < m {
        let ib = (m - i).min(4);
        let xs: [&[f32]; 4] = std::array::from_fn(|t| {
            let row = i + t.min(ib - 1);
            &x[row * d..(row + 1) * d]
        });
        for c in 0..k {
            // Rows past the end repeat the last row with a zero coefficient.
            let w: [f32; 4] = std::array::from_fn(|t| if t < ib { r[(i + t) * k + c] } else { 0.0 });
            let dst = &mut out[c * d..(c + 1) * d];
            for ((((o, &x0), &x1), &x2), &x3) in dst.iter_mut().zip(xs[0]).zip(xs[1]).zip(xs[2]).zip(xs[3]) {
                let mut v = *o;
                v = M::mul_add(w[0], x0, v);
                v = M::mul_add(w[1], x1, v);
                v = M::mul_add(w[2], x2, v);
                v = M::mul_add(w[3], x3, v);
                *o = v;
            }
        }
        i += ib;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(n: usize, seed: u32) -> Vec<f32> {
        (0..n).map(|i| (((i as u32).wrapping_mul(2654435761).wrapping_add(seed) >> 8) % 1000) as f32 / 500.0 - 1.0).collect()
    }

    #[test]
    fn kernels_match_plain_loops() {
        for &(na, nb, d) in &[(1, 1, 1), (5, 3, 7), (9, 5, 19), (4, 2, 16), (13, 7, 40), (3, 150, 9)] {
            let a = data(na * d, 1);
            let b = data(nb * d, 2);
            let mut dd = vec![0.0; na * nb];
            let mut sq = vec![0.0; na * nb];
            dots(&a, &b, d, &mut dd);
            sq_dists(&a, &b, d, &mut sq);
            for i in 0..na {
                for j in 0..nb {
                    let (x, y) = (&a[i * d..(i + 1) * d], &b[j * d..(j + 1) * d]);
                    let e: f32 = x.iter().zip(y).map(|(p, q)| p * q).sum();
                    let s: f32 = x.iter().zip(y).map(|(p, q)| (p - q) * (p - q)).sum();
                    assert!((dd[i * nb + j] - e).abs() < 1e-4, "dot {na}x{nb}x{d}");
                    assert!((sq[i * nb + j] - s).abs() < 1e-4, "sq {na}x{nb}x{d}");
                }
            }
            // Rᵀ·X with R = a (na×nb... reuse as m×k) and X (na×d).
            let (m, k) = (na, nb);
            let r = data(m * k, 3);
            let x = data(m * d, 4);
            let mut out = vec![0.5f32; k * d];
            accumulate_outer(&r, k, &x, d, &mut out);
            for c in 0..k {
                for t in 0..d {
                    let e: f32 = 0.5 + (0..m).map(|i| r[i * k + c] * x[i * d + t]).sum::<f32>();
                    assert!((out[c * d + t] - e).abs() < 1e-4);
                }
            }
        }
    }
}
