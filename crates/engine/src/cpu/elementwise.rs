//! Element-wise kernels that replace candle's per-element libm calls: exact
//! GELU (`erff`), tanh GELU and softmax (`expf`).
//!
//! Each kernel is written once over `V4`, four f32 lanes: a `v128` on wasm32
//! with `+simd128`, a plain `[f32; 4]` elsewhere. Both use only IEEE-exact
//! operations (add, sub, mul, div, min/max, bit tricks; no FMA),
//! so native and wasm give bit-identical numbers, and a slice tail is padded
//! into one more `V4` so every element gets the same result wherever it sits.
//!
//! The `_slow` twins are the reference: the same formulas as candle's ops on
//! f32 libm (`gelu_erf_slow` calls candle's own `erf_f32`).
//!
//! Approximations (max errors measured by tests/elementwise.rs):
//! - exp: Cephes `expf`: x = n ln2 + r, degree-7 polynomial in r, 2^n from the
//!   exponent bits. Below -87.34 the result is 0, above 88.37 it is +inf.
//! - erf: a rational x · P(x²) / Q(x²) of degrees 13/8 on [-4, 4], no exp.
//!   (Juffa's 1-ulp `erff`, with exp and two branches, measured 3 times
//!   lower GELU error but ran 2.6 times slower under Node.)
//! - tanh GELU: 0.5 x (1 + tanh y) = x / (1 + exp(-2y)), which needs no tanh
//!   and does not cancel for negative x.
//!
//! Against the twins: gelu_erf 1.4e-6, gelu_tanh 4.8e-7 (both near x = 3 to 5,
//! where that is 1 to 3 ulp of the output), softmax 1.2e-7.

#![allow(clippy::excessive_precision)] // coefficients as published

use candle_core::cpu::erf::erf_f32;

use lanes::V4;

/// Whether `V4` is a SIMD128 vector (else four scalars).
pub const HAS_SIMD: bool = cfg!(all(target_arch = "wasm32", target_feature = "simd128"));

/// candle's √(2/π) for the tanh GELU.
const SQRT_TWO_OVER_PI: f32 = 0.79788456080286535587989211986876373;

/// In place: x · Φ(x) = 0.5 x (1 + erf(x / √2)), BERT's exact GELU.
pub fn gelu_erf(xs: &mut [f32]) {
    map(xs, gelu_erf_v4)
}

/// In place: 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³))), T5's `gelu_new`.
pub fn gelu_tanh(xs: &mut [f32]) {
    map(xs, gelu_tanh_v4)
}

/// In place: softmax over each row of `n` values (a shorter last row is a row
/// of its own). As with candle, a row whose max is -inf or +inf, or that holds
/// a NaN, becomes all NaN; -inf entries in any other row become 0.
pub fn softmax_rows(xs: &mut [f32], n: usize) {
    if n == 0 {
        return;
    }
    for row in xs.chunks_mut(n) {
        softmax_row(row);
    }
}

/// Reference for [`gelu_erf`]: candle's `GeluErf` on f32.
pub fn gelu_erf_slow(xs: &mut [f32]) {
    for x in xs {
        *x = (erf_f32(*x * std::f32::consts::FRAC_1_SQRT_2) + 1.0) * 0.5 * *x;
    }
}

/// Reference for [`gelu_tanh`]: candle's `Gelu` on f32.
pub fn gelu_tanh_slow(xs: &mut [f32]) {
    for x in xs {
        let v = *x;
        *x = 0.5 * v * (1.0 + f32::tanh(SQRT_TWO_OVER_PI * v * (1.0 + 0.044715 * v * v)));
    }
}

/// Reference for [`softmax_rows`]: candle's `softmax_last_dim` on f32.
pub fn softmax_rows_slow(xs: &mut [f32], n: usize) {
    if n == 0 {
        return;
    }
    for row in xs.chunks_mut(n) {
        let max = row.iter().fold(f32::NEG_INFINITY, |m, &x| m.max(x));
        let mut sum = 0.0;
        for x in row.iter_mut() {
            *x = (*x - max).exp();
            sum += *x;
        }
        for x in row.iter_mut() {
            *x /= sum;
        }
    }
}

/// `f` over `xs` four at a time; the tail goes through `f` padded with zeros.
#[inline(always)]
fn map(xs: &mut [f32], f: impl Fn(V4) -> V4) {
    let (chunks, tail) = xs.as_chunks_mut::<4>();
    for c in chunks {
        *c = f(V4::load(c)).to_array();
    }
    if !tail.is_empty() {
        let y = f(V4::load(&padded(tail, 0.0))).to_array();
        tail.copy_from_slice(&y[..tail.len()]);
    }
}

/// The up to 3 values of `tail`, then `fill`.
fn padded(tail: &[f32], fill: f32) -> [f32; 4] {
    let mut a = [fill; 4];
    a[..tail.len()].copy_from_slice(tail);
    a
}

fn softmax_row(row: &mut [f32]) {
    let (chunks, tail) = row.as_chunks_mut::<4>();
    // -inf padding: neutral for the max, and exp(-inf - max) = 0 for the sum.
    let pad = V4::load(&padded(tail, f32::NEG_INFINITY));
    // pmax skips a NaN entry like candle's f32::max; it still poisons the sum.
    let mut mv = pad;
    for c in chunks.iter() {
        mv = mv.pmax(V4::load(c));
    }
    let [a, b, c, d] = mv.to_array();
    let max = V4::splat(pmax(pmax(a, b), pmax(c, d)));

    let tail_exp = exp(pad - max);
    let mut sv = tail_exp;
    for c in chunks.iter_mut() {
        let e = exp(V4::load(c) - max);
        sv = sv + e;
        *c = e.to_array();
    }
    let [a, b, c, d] = sv.to_array();
    let sum = V4::splat((a + b) + (c + d));

    for c in chunks.iter_mut() {
        *c = (V4::load(c) / sum).to_array();
    }
    let y = (tail_exp / sum).to_array();
    tail.copy_from_slice(&y[..tail.len()]);
}

/// Scalar `V4::pmax`: `b` if `a < b`, else `a`.
fn pmax(a: f32, b: f32) -> f32 {
    if a < b {
        b
    } else {
        a
    }
}

/// Horner: `coeffs[0] x^k + … + coeffs[k]`.
#[inline(always)]
fn poly(x: V4, coeffs: &[f32]) -> V4 {
    let mut p = V4::splat(coeffs[0]);
    for &c in &coeffs[1..] {
        p = p * x + c;
    }
    p
}

/// ln(f32::MIN_POSITIVE): exp of anything lower is subnormal; we return 0.
const EXP_LO: f32 = -87.336_544_75;
/// Keeps n ≤ 127 in 2^n; above, the result is +inf. That is early (true
/// overflow is at 88.72), but the callers only divide by it or subtract a max.
const EXP_HI: f32 = 88.37;

/// 1.5·2^23: for |v| < 2^22, v + ROUNDER is v rounded, in its last bits.
const ROUNDER: f32 = 12_582_912.0;

/// Cephes's polynomial for (e^r - 1 - r) / r² on |r| ≤ ln2 / 2.
const EXP_P: [f32; 6] =
    [1.987_569_150e-4, 1.398_199_951e-3, 8.333_451_907e-3, 4.166_579_589e-2, 1.666_666_546e-1, 5.000_000_120e-1];

/// Cephes `expf`: under 1 ulp from exp on [EXP_LO, EXP_HI] (measured).
#[inline(always)]
fn exp(x: V4) -> V4 {
    // pmin/pmax keep a NaN input, so NaN flows through to the result.
    let xc = x.pmin(V4::splat(EXP_HI)).pmax(V4::splat(EXP_LO));
    // Adding 1.5·2^23 rounds to an integer (half to even) and leaves n in the
    // low mantissa bits of k, where pow2 reads it.
    let k = xc * std::f32::consts::LOG2_E + ROUNDER;
    let n = k - ROUNDER;
    // ln 2 split in two: n · 0.693359375 is exact for |n| ≤ 127.
    let r = xc - n * 0.693_359_375 - n * -2.121_944_40e-4;
    let p = poly(r, &EXP_P);
    let y = (p * r * r + r + 1.0) * V4::pow2(k);
    let y = V4::if_lt(V4::splat(EXP_HI), x, V4::splat(f32::INFINITY), y);
    V4::if_lt(x, V4::splat(EXP_LO), V4::splat(0.0), y)
}

/// Numerator and denominator of [`erf`], in x².
#[rustfmt::skip]
const ERF_P: [f32; 7] = [
    -2.726_142_258_013_06e-10, 2.770_681_424_959_02e-08, -2.101_024_020_825_08e-06, -5.692_506_394_623_46e-05,
    -7.349_906_303_268_55e-04, -2.954_599_808_540_25e-03, -1.609_603_332_624_15e-02,
];
#[rustfmt::skip]
const ERF_Q: [f32; 5] = [
    -1.456_607_184_649_96e-05, -2.133_740_552_789_05e-04, -1.682_826_974_382_03e-03, -7.373_329_167_204_68e-03,
    -1.426_473_905_141_89e-02,
];

/// erf as x · P(x²) / Q(x²) on [-4, 4] (Eigen's and TensorFlow's rational;
/// erf(4) = 1 - 1.5e-8 is 1 in f32). Max abs error 4.4e-7 evaluated in f32,
/// 6.5e-8 in f64 (measured against libm's erf).
#[inline(always)]
fn erf(x: V4) -> V4 {
    let x = x.pmin(V4::splat(4.0)).pmax(V4::splat(-4.0));
    let s = x * x;
    // Q's coefficients are all negative: it never reaches 0.
    poly(s, &ERF_P) * x / poly(s, &ERF_Q)
}

#[inline(always)]
fn gelu_erf_v4(x: V4) -> V4 {
    (erf(x * std::f32::consts::FRAC_1_SQRT_2) + 1.0) * 0.5 * x
}

#[inline(always)]
fn gelu_tanh_v4(x: V4) -> V4 {
    // -2y, which may be ±inf for huge |x|: then x / inf = -0 or x / 1 = x.
    let m2y = x * (x * x * 0.044715 + 1.0) * (-2.0 * SQRT_TWO_OVER_PI);
    x / (exp(m2y) + 1.0)
}

macro_rules! v4_ops {
    ($($tr:ident $f:ident),*) => {$(
        impl core::ops::$tr for V4 {
            type Output = V4;
            #[inline(always)]
            fn $f(self, o: V4) -> V4 {
                V4::$f(self, o)
            }
        }
        impl core::ops::$tr<f32> for V4 {
            type Output = V4;
            #[inline(always)]
            fn $f(self, o: f32) -> V4 {
                V4::$f(self, V4::splat(o))
            }
        }
    )*};
}
v4_ops!(Add add, Sub sub, Mul mul, Div div);

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod lanes {
    use core::arch::wasm32::*;

    /// Four f32 lanes in a SIMD128 register.
    #[derive(Clone, Copy)]
    pub struct V4(v128);

    impl V4 {
        #[inline(always)]
        pub fn splat(v: f32) -> Self {
            Self(f32x4_splat(v))
        }
        #[inline(always)]
        pub fn load(a: &[f32; 4]) -> Self {
            // SAFETY: `a` is 16 readable bytes; wasm loads need no alignment.
            Self(unsafe { v128_load(a.as_ptr() as *const v128) })
        }
        #[inline(always)]
        pub fn to_array(self) -> [f32; 4] {
            let mut a = [0.0; 4];
            // SAFETY: `a` is 16 writable bytes; wasm stores need no alignment.
            unsafe { v128_store(a.as_mut_ptr() as *mut v128, self.0) };
            a
        }
        #[inline(always)]
        pub(super) fn add(self, o: Self) -> Self {
            Self(f32x4_add(self.0, o.0))
        }
        #[inline(always)]
        pub(super) fn sub(self, o: Self) -> Self {
            Self(f32x4_sub(self.0, o.0))
        }
        #[inline(always)]
        pub(super) fn mul(self, o: Self) -> Self {
            Self(f32x4_mul(self.0, o.0))
        }
        #[inline(always)]
        pub(super) fn div(self, o: Self) -> Self {
            Self(f32x4_div(self.0, o.0))
        }
        /// Per lane `o` if `o < self`, else `self` (a NaN in `self` stays).
        #[inline(always)]
        pub fn pmin(self, o: Self) -> Self {
            Self(f32x4_pmin(self.0, o.0))
        }
        /// Per lane `o` if `self < o`, else `self` (a NaN in `self` stays).
        #[inline(always)]
        pub fn pmax(self, o: Self) -> Self {
            Self(f32x4_pmax(self.0, o.0))
        }
        /// 2^n for k = n + 1.5·2^23, n in [-126, 127]: n + 127 shifted into
        /// the exponent field (the shift drops k's own exponent bits).
        #[inline(always)]
        pub fn pow2(k: Self) -> Self {
            Self(i32x4_shl(i32x4_add(k.0, i32x4_splat(127)), 23))
        }
        /// Per lane `then` where `a < b`, else `otherwise`.
        #[inline(always)]
        pub fn if_lt(a: Self, b: Self, then: Self, otherwise: Self) -> Self {
            Self(v128_bitselect(then.0, otherwise.0, f32x4_lt(a.0, b.0)))
        }
    }
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod lanes {
    /// Four f32 lanes as plain scalars, with the SIMD128 lane semantics.
    #[derive(Clone, Copy)]
    pub struct V4([f32; 4]);

    impl V4 {
        #[inline(always)]
        fn zip(self, o: Self, f: impl Fn(f32, f32) -> f32) -> Self {
            Self(core::array::from_fn(|i| f(self.0[i], o.0[i])))
        }
        #[inline(always)]
        fn each(self, f: impl Fn(f32) -> f32) -> Self {
            Self(self.0.map(f))
        }
        #[inline(always)]
        pub fn splat(v: f32) -> Self {
            Self([v; 4])
        }
        #[inline(always)]
        pub fn load(a: &[f32; 4]) -> Self {
            Self(*a)
        }
        #[inline(always)]
        pub fn to_array(self) -> [f32; 4] {
            self.0
        }
        #[inline(always)]
        pub(super) fn add(self, o: Self) -> Self {
            self.zip(o, |a, b| a + b)
        }
        #[inline(always)]
        pub(super) fn sub(self, o: Self) -> Self {
            self.zip(o, |a, b| a - b)
        }
        #[inline(always)]
        pub(super) fn mul(self, o: Self) -> Self {
            self.zip(o, |a, b| a * b)
        }
        #[inline(always)]
        pub(super) fn div(self, o: Self) -> Self {
            self.zip(o, |a, b| a / b)
        }
        /// Per lane `o` if `o < self`, else `self` (a NaN in `self` stays).
        #[inline(always)]
        pub fn pmin(self, o: Self) -> Self {
            self.zip(o, |a, b| if b < a { b } else { a })
        }
        /// Per lane `o` if `self < o`, else `self` (a NaN in `self` stays).
        #[inline(always)]
        pub fn pmax(self, o: Self) -> Self {
            self.zip(o, |a, b| if a < b { b } else { a })
        }
        /// 2^n for k = n + 1.5·2^23, n in [-126, 127]: n + 127 shifted into
        /// the exponent field (the shift drops k's own exponent bits).
        #[inline(always)]
        pub fn pow2(k: Self) -> Self {
            k.each(|k| f32::from_bits(k.to_bits().wrapping_add(127) << 23))
        }
        /// Per lane `then` where `a < b`, else `otherwise`.
        #[inline(always)]
        pub fn if_lt(a: Self, b: Self, then: Self, otherwise: Self) -> Self {
            Self(core::array::from_fn(|i| if a.0[i] < b.0[i] { then.0[i] } else { otherwise.0[i] }))
        }
    }
}
