//! The element-wise kernels (GELU, softmax) against their `_slow` twins, and
//! the twins against candle's ops.
//!
//! Native: `cargo test --release -p nunchi-engine --test elementwise`. wasm32 +
//! simd128, where the kernels run on SIMD128: `scripts/test-wasm-kernels.sh`
//! runs this same file under Node.

use candle_core::{Device, Tensor};
use nunchi_engine::cpu::elementwise::{
    self as ew, gelu_erf, gelu_erf_slow, gelu_tanh, gelu_tanh_slow, softmax_rows, softmax_rows_slow,
};

#[macro_use]
mod common;
use common::{Rng, TestValues};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test;

/// GELU inputs: [-10, 10] every 1e-4, plus extremes and special values.
fn gelu_inputs() -> Vec<f32> {
    let mut xs: Vec<f32> = (-100_000..=100_000).map(|i| i as f32 * 1e-4).collect();
    for x in [
        0.0, 1e-30, 1e-40, 1e-3, 0.927, 0.928, 1.3119, 3.0, 5.5, 6.0, 9.3, 13.0, 20.0, 50.0, 88.0, 1e3, 1e4, 1e6, 1e13, 1e20,
        3e38,
    ] {
        xs.push(x);
        xs.push(-x);
    }
    // Odd length, so the padded tail is exercised.
    xs.push(0.5);
    xs
}

fn applied(xs: &[f32], f: fn(&mut [f32])) -> Vec<f32> {
    let mut ys = xs.to_vec();
    f(&mut ys);
    ys
}

/// Checks |got - want| <= abs + rel |want| everywhere; returns the largest
/// |got - want| and its x.
fn check_close(what: &str, xs: &[f32], got: &[f32], want: &[f32], abs: f32, rel: f32) -> (f32, f32) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    let mut worst = (0f32, 0f32);
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        let err = (g - w).abs();
        assert!(err <= abs + rel * w.abs(), "{what}: x[{i}] = {:e}: {g:e} vs {w:e}", xs[i]);
        if err > worst.0 {
            worst = (err, xs[i]);
        }
    }
    worst
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn simd_is_compiled_on_wasm() {
    assert_eq!(ew::HAS_SIMD, cfg!(target_arch = "wasm32"), "wasm tests need -C target-feature=+simd128");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn gelu_erf_matches_slow_twin() {
    let xs = gelu_inputs();
    let worst = check_close("gelu_erf", &xs, &applied(&xs, gelu_erf), &applied(&xs, gelu_erf_slow), 2e-6, 2e-6);
    log!("gelu_erf: max abs error {:e} at x = {}", worst.0, worst.1);
    // GELU's limits hold exactly-ish far out.
    let mut ends = [-1e4, 1e4, -50.0, 50.0];
    gelu_erf(&mut ends);
    assert_eq!(ends, [-0.0, 1e4, -0.0, 50.0]);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn gelu_tanh_matches_slow_twin() {
    let xs = gelu_inputs();
    let worst = check_close("gelu_tanh", &xs, &applied(&xs, gelu_tanh), &applied(&xs, gelu_tanh_slow), 2e-6, 2e-6);
    log!("gelu_tanh: max abs error {:e} at x = {}", worst.0, worst.1);
    let mut ends = [-1e4, 1e4, -50.0, 50.0];
    gelu_tanh(&mut ends);
    assert!(ends[0].abs() < 1e-30 && ends[2].abs() < 1e-30, "{ends:?}");
    assert_eq!([ends[1], ends[3]], [1e4, 50.0]);
}

/// Rows of attention-like scores: scaled random values, some masked with -inf.
fn score_rows(rng: &mut Rng, rows: usize, n: usize, scale: f32) -> Vec<f32> {
    (0..rows * n)
        .map(|i| match rng.next_u64() % 8 {
            // Keep one live entry per row so no row is all -inf.
            0 if i % n != 0 => f32::NEG_INFINITY,
            _ => scale * rng.unit(),
        })
        .collect()
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn softmax_matches_slow_twin() {
    let mut rng = Rng::new(7);
    let mut worst = (0f32, 0f32);
    for n in [1, 2, 3, 4, 5, 7, 8, 9, 25, 64, 384, 1001] {
        for scale in [1.0, 10.0, 100.0] {
            let xs = score_rows(&mut rng, 6, n, scale);
            let mut got = xs.clone();
            softmax_rows(&mut got, n);
            let mut want = xs.clone();
            softmax_rows_slow(&mut want, n);
            let what = format!("softmax n {n} scale {scale}");
            let w = check_close(&what, &xs, &got, &want, 1e-6, 0.0);
            if w.0 > worst.0 {
                worst = w;
            }
            for (r, row) in got.chunks(n).enumerate() {
                let sum: f32 = row.iter().sum();
                assert!((sum - 1.0).abs() <= 1e-5, "{what}: row {r} sums to {sum}");
            }
            for (i, (&x, &y)) in xs.iter().zip(&got).enumerate() {
                assert!(x != f32::NEG_INFINITY || y == 0.0, "{what}: masked x[{i}] gave {y}");
            }
        }
    }
    log!("softmax: max abs error {:e}", worst.0);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn softmax_degenerate_rows_follow_candle() {
    let inf = f32::INFINITY;
    // Rows of 5: all masked, a +inf, a NaN (all NaN in candle), then a normal row.
    let xs = [-inf, -inf, -inf, -inf, -inf, 1.0, inf, 0.0, -inf, 2.0, 1.0, f32::NAN, 0.0, 0.0, 0.0, 1.0, 2.0, 3.0, -inf, 0.0];
    let want = candle_softmax(&xs, 5);
    for f in [softmax_rows, softmax_rows_slow] {
        let mut got = xs;
        f(&mut got, 5);
        for (i, (&g, &w)) in got.iter().zip(&want).enumerate() {
            assert!(
                g.to_bits() == w.to_bits() || (g.is_nan() && w.is_nan()) || (g - w).abs() <= 1e-6,
                "[{i}]: {g} vs candle {w}"
            );
        }
        assert!(got[..15].iter().all(|v| v.is_nan()), "{got:?}");
    }
    // Empty input, and n = 0, do nothing.
    softmax_rows(&mut [], 4);
    softmax_rows(&mut [1.0], 0);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn results_do_not_depend_on_position() {
    let xs = gelu_inputs();
    let len = xs.len();
    for f in [gelu_erf as fn(&mut [f32]), gelu_tanh] {
        let whole = applied(&xs, f);
        for i in (0..len).step_by(997).chain(len - 3..len) {
            let alone = applied(&xs[i..i + 1], f);
            assert_eq!(alone[0].to_bits(), whole[i].to_bits(), "x = {}", xs[i]);
        }
    }
    // A row of softmax is the same computed alone or among others.
    let mut rng = Rng::new(3);
    let xs = score_rows(&mut rng, 4, 13, 5.0);
    let mut all = xs.clone();
    softmax_rows(&mut all, 13);
    let mut one = xs[26..39].to_vec();
    softmax_rows(&mut one, 13);
    assert_eq!(one, all[26..39]);
}

/// FNV-1a over the bits of every result.
fn fingerprint(values: &[f32]) -> u64 {
    values.iter().fold(0xcbf2_9ce4_8422_2325, |h, v| (h ^ v.to_bits() as u64).wrapping_mul(0x100_0000_01b3))
}

/// The kernels use only IEEE-exact operations, so native (four scalars) and
/// wasm (SIMD128) must agree bit for bit. The fingerprints were recorded
/// natively; update them only when the approximations change on purpose.
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn same_bits_on_every_target() {
    let xs = gelu_inputs();
    let mut rng = Rng::new(11);
    let scores = score_rows(&mut rng, 9, 31, 20.0);
    let mut probs = scores.clone();
    softmax_rows(&mut probs, 31);
    let got = [fingerprint(&applied(&xs, gelu_erf)), fingerprint(&applied(&xs, gelu_tanh)), fingerprint(&probs)];
    log!("fingerprints: {got:#x?}");
    assert_eq!(got, FINGERPRINTS);
}

const FINGERPRINTS: [u64; 3] = [0x7896_1a2e_da82_4b71, 0x8e8f_8591_6063_fcc3, 0x6ced_642e_5969_3304];

fn candle_softmax(xs: &[f32], n: usize) -> Vec<f32> {
    let t = Tensor::from_slice(xs, (xs.len() / n, n), &Device::Cpu).expect("tensor");
    candle_nn::ops::softmax_last_dim(&t).expect("softmax").flatten_all().expect("flat").to_vec1().expect("vec")
}

fn candle_unary(xs: &[f32], f: fn(&Tensor) -> candle_core::Result<Tensor>) -> Vec<f32> {
    let t = Tensor::from_slice(xs, xs.len(), &Device::Cpu).expect("tensor");
    f(&t).expect("op").to_vec1().expect("vec")
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn slow_twins_equal_candle() {
    let xs = gelu_inputs();
    check_close("gelu_erf_slow", &xs, &applied(&xs, gelu_erf_slow), &candle_unary(&xs, Tensor::gelu_erf), 1e-7, 1e-7);
    check_close("gelu_tanh_slow", &xs, &applied(&xs, gelu_tanh_slow), &candle_unary(&xs, Tensor::gelu), 1e-7, 1e-7);
    let mut rng = Rng::new(5);
    for n in [1, 3, 25, 384, 1001] {
        let xs = score_rows(&mut rng, 5, n, 10.0);
        let mut got = xs.clone();
        softmax_rows_slow(&mut got, n);
        // candle sums with SIMD in another order: a few ulp apart.
        check_close(&format!("softmax_rows_slow n {n}"), &xs, &got, &candle_softmax(&xs, n), 1e-7, 0.0);
    }
}
