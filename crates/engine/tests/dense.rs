//! Our f32 GEMM against its scalar twin (bit for bit) and against candle's
//! matmul (the `gemm` crate), natively and on wasm32 (`scripts/test-wasm-kernels.sh`
//! runs this file under Node with `+simd128`, where the SIMD kernel runs); and
//! `matmul_t` and `linear_t`, the kernel as differentiable candle ops, against
//! candle's matmul and its gradients.

use candle_core::quantized::{GgmlDType, QTensor};
use candle_core::{DType, Device, Tensor, Var};
use nunchi_engine::cpu::dense::{self, Lhs, PackedF32Matrix, PANEL};
use nunchi_engine::{Backend, CpuBackend};

mod common;
use common::{assert_bits_equal, Rng, TestValues};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test;

/// Rows tried for every shape: one, a remainder of every tile, a batch.
const ROWS: [usize; 5] = [1, 5, 13, 25, 70];
/// `(n, k)`: MiniLM's and MPNet's shapes, and `n` that no panel divides.
const SHAPES: [(usize, usize); 6] = [(384, 384), (1536, 384), (384, 1536), (768, 768), (13, 7), (3, 40)];

fn weights(rng: &mut Rng, n: usize, k: usize) -> Vec<f32> {
    (0..n * k).map(|_| 0.1 * rng.unit()).collect()
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn packing_keeps_every_weight() {
    let mut rng = Rng::new(21);
    for (n, k) in SHAPES {
        let w = weights(&mut rng, n, k);
        let packed = PackedF32Matrix::from_rows(&w, n, k).expect("pack");
        assert_eq!((packed.n(), packed.k(), packed.panels()), (n, k, n.div_ceil(PANEL)));
        for row in 0..n {
            for i in 0..k {
                assert_eq!(packed.weight(row, i).to_bits(), w[row * k + i].to_bits(), "[{n}, {k}] ({row}, {i})");
            }
        }
        // Padding columns of the last panel are zero.
        let last = packed.panel(packed.panels() - 1);
        for lane in n - (packed.panels() - 1) * PANEL..PANEL {
            assert!((0..k).all(|i| last[i * PANEL + lane] == 0.0), "[{n}, {k}] padding lane {lane}");
        }
        // Packing a matrix's columns is packing its transpose's rows.
        let by_columns = PackedF32Matrix::from_columns(&transpose(&w, n), k, n).expect("pack columns");
        assert_eq!((by_columns.n(), by_columns.k()), (n, k));
        for p in 0..packed.panels() {
            assert_bits_equal(&format!("[{n}, {k}] panel {p} by columns"), by_columns.panel(p), packed.panel(p));
        }
    }
}

/// The `[cols, rows]` transpose of a row-major matrix with `rows` rows.
fn transpose(m: &[f32], rows: usize) -> Vec<f32> {
    let cols = m.len() / rows;
    (0..cols * rows).map(|at| m[(at % rows) * cols + at / rows]).collect()
}

/// The build's kernel (SIMD on wasm32) and every tile shape against the twin.
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn kernel_equals_scalar_twin_bit_for_bit() {
    let mut rng = Rng::new(22);
    for (n, k) in SHAPES {
        let w = PackedF32Matrix::from_rows(&weights(&mut rng, n, k), n, k).expect("pack");
        let bias: Vec<f32> = (0..n).map(|_| rng.unit()).collect();
        for m in ROWS {
            let x = rng.activations(m * k);
            // The same rows read in place from their transpose (as `∂w = gᵀ · x` reads `g`).
            let x_t = transpose(&x, m);
            for bias in [None, Some(&bias[..])] {
                let mut want = vec![0f32; m * n];
                dense::scalar::gemm_slow(Lhs::rows(&x, k), &w, bias, &mut want);
                for (layout, lhs) in [("rows", Lhs::rows(&x, k)), ("transposed", Lhs::transposed(&x_t, m))] {
                    let what = format!("m {m} [{n}, {k}] bias {} {layout}", bias.is_some());
                    let mut got = vec![f32::NAN; m * n];
                    dense::scalar::gemm_slow(lhs, &w, bias, &mut got);
                    assert_bits_equal(&format!("{what}, twin"), &got, &want);
                    got.fill(f32::NAN);
                    dense::gemm(lhs, &w, bias, &mut got);
                    assert_bits_equal(&what, &got, &want);
                    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
                    every_tile_equals(lhs, &w, bias, &want, &what);
                }
            }
        }
    }
}

/// Any split of the rows (training's products on the threads build) gives the
/// whole product bit for bit.
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn row_splits_equal_the_whole_product() {
    let mut rng = Rng::new(23);
    let (n, k) = (13, 40);
    let w = PackedF32Matrix::from_rows(&weights(&mut rng, n, k), n, k).expect("pack");
    let bias: Vec<f32> = (0..n).map(|_| rng.unit()).collect();
    for m in [0, 1, 5, 70] {
        let x = rng.activations(m * k);
        let x_t = transpose(&x, m.max(1));
        let mut want = vec![0f32; m * n];
        dense::gemm(Lhs::rows(&x, k), &w, Some(&bias), &mut want);
        let transposed = (m > 0).then(|| ("transposed", Lhs::transposed(&x_t, m)));
        for (layout, lhs) in [("rows", Lhs::rows(&x, k))].into_iter().chain(transposed) {
            for tasks in [0, 1, 2, 3, 7, 100] {
                let mut got = vec![f32::NAN; m * n];
                dense::gemm_split_rows_into(tasks, lhs, &w, Some(&bias), &mut got);
                assert_bits_equal(&format!("m {m} {layout}, {tasks} tasks"), &got, &want);
            }
            let mut got = vec![f32::NAN; m * n];
            dense::gemm_split_rows(lhs, &w, Some(&bias), &mut got);
            assert_bits_equal(&format!("m {m} {layout}, the build's split"), &got, &want);
        }
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn every_tile_equals(x: Lhs, w: &PackedF32Matrix, bias: Option<&[f32]>, want: &[f32], what: &str) {
    use dense::wasm::gemm_tiled;
    type Gemm = fn(Lhs, &PackedF32Matrix, Option<&[f32]>, &mut [f32]);
    let runs: [(&str, Gemm); 5] = [
        ("1x1", gemm_tiled::<1, 1>),
        ("3x1", gemm_tiled::<3, 1>),
        ("6x1", gemm_tiled::<6, 1>),
        ("2x2", gemm_tiled::<2, 2>),
        ("5x2", gemm_tiled::<5, 2>),
    ];
    for (tile, run) in runs {
        let mut got = vec![f32::NAN; want.len()];
        run(x, w, bias, &mut got);
        assert_bits_equal(&format!("tile {tile}, {what}"), &got, want);
    }
}

/// `linear` against candle's `x · Wᵀ + bias`. Tolerance: 1e-5 of Σ|x·w| per
/// output, a few f32 ulps of the sum's magnitude (the two sum in other orders).
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn linear_matches_candle_matmul() {
    let mut rng = Rng::new(23);
    for (n, k) in SHAPES {
        let w = weights(&mut rng, n, k);
        let packed = PackedF32Matrix::from_rows(&w, n, k).expect("pack");
        let bias: Vec<f32> = (0..n).map(|_| rng.unit()).collect();
        let wt = Tensor::from_slice(&w, (n, k), &Device::Cpu).expect("w");
        let bt = Tensor::from_slice(&bias, n, &Device::Cpu).expect("bias");
        for m in [1, 25] {
            let x = rng.activations(m * k);
            let xt = Tensor::from_slice(&x, (m, k), &Device::Cpu).expect("x");
            let want = xt.matmul(&wt.t().expect("t")).and_then(|y| y.broadcast_add(&bt)).expect("candle");
            let want = want.flatten_all().and_then(|t| t.to_vec1::<f32>()).expect("vec");
            let got = dense::linear(&x, &packed, Some(&bias)).expect("linear");
            for r in 0..m {
                for c in 0..n {
                    let magnitude: f64 = (0..k).map(|i| (x[r * k + i] as f64 * w[c * k + i] as f64).abs()).sum();
                    let bound = 1e-5 * magnitude + 1e-6;
                    let (g, t) = (got[r * n + c], want[r * n + c]);
                    assert!(((g - t) as f64).abs() <= bound, "m {m} [{n}, {k}] ({r}, {c}): {g} vs {t} (bound {bound:e})");
                }
            }
        }
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn bad_shapes_are_errors_not_panics() {
    assert!(PackedF32Matrix::from_rows(&[0.0; 6], 2, 4).is_err());
    assert!(PackedF32Matrix::from_rows(&[], 0, 4).is_err());
    assert!(PackedF32Matrix::from_rows(&[], 4, 0).is_err());
    assert!(PackedF32Matrix::from_columns(&[0.0; 6], 2, 4).is_err());
    assert!(PackedF32Matrix::from_columns(&[], 0, 4).is_err());
    let w = PackedF32Matrix::from_rows(&[0.5; 12], 3, 4).expect("pack");
    assert!(dense::linear(&[0.0; 5], &w, None).is_err());
    assert!(dense::linear(&[0.0; 4], &w, Some(&[0.0; 2])).is_err());
    assert_eq!(dense::linear(&[1.0; 8], &w, Some(&[1.0; 3])).expect("linear"), vec![3.0; 6]);
}

/// Through the backend (our kernel on wasm32 + simd128, candle elsewhere), f32
/// and f16 weights with a bias and a 3-D input, against candle's matmul.
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn backend_linear_matches_candle_for_f32_and_f16() {
    assert_eq!(dense::HAS_SIMD_KERNEL, cfg!(target_arch = "wasm32"), "wasm tests need -C target-feature=+simd128");
    let mut rng = Rng::new(24);
    let backend = CpuBackend::new();
    let (n, k) = (387, 96);
    let w = weights(&mut rng, n, k);
    let bias: Vec<f32> = (0..n).map(|_| rng.unit()).collect();
    let x = rng.activations(2 * 9 * k);
    let xt = backend.tensor(&x, &[2, 9, k]).expect("x");
    let bias_t = backend.tensor(&bias, &[n]).expect("bias");
    for dtype in [GgmlDType::F32, GgmlDType::F16] {
        let wt = Tensor::from_slice(&w, (n, k), &Device::Cpu).expect("w");
        let matrix = backend.matrix(QTensor::quantize(&wt, dtype).expect("weight")).expect("matrix");
        assert_eq!(matrix.uses_packed_f32(), dense::HAS_SIMD_KERNEL, "{dtype:?}");
        let got = backend.linear(&xt, &matrix, Some(&bias_t)).expect("linear");
        assert_eq!(backend.dims(&got), vec![2, 9, n]);
        let got = backend.to_vec(&got).expect("got");
        // The weights as stored (f16 rounds them), multiplied by candle.
        let stored = QTensor::quantize(&wt, dtype).and_then(|q| q.dequantize(&Device::Cpu)).expect("stored");
        let want = xt
            .reshape((18, k))
            .and_then(|x| x.matmul(&stored.t()?))
            .and_then(|y| y.broadcast_add(&bias_t))
            .and_then(|y| y.flatten_all())
            .and_then(|y| y.to_vec1::<f32>())
            .expect("candle");
        for (i, (&g, &t)) in got.iter().zip(&want).enumerate() {
            assert!((g - t).abs() <= 1e-4 * (1.0 + t.abs()), "{dtype:?} output {i}: {g} vs {t}");
        }
    }
}

/// A `rows × cols` tensor of values in [-1, 1).
fn random_matrix(rng: &mut Rng, rows: usize, cols: usize) -> Tensor {
    let v: Vec<f32> = (0..rows * cols).map(|_| rng.unit()).collect();
    Tensor::from_vec(v, (rows, cols), &Device::Cpu).unwrap()
}

/// Max of |got − want| / (1 + |want|).
fn worst_relative(got: &Tensor, want: &Tensor) -> f64 {
    let values = |t: &Tensor| t.to_dtype(DType::F64).unwrap().flatten_all().unwrap().to_vec1::<f64>().unwrap();
    let (got, want) = (values(got), values(want));
    assert_eq!(got.len(), want.len());
    got.iter().zip(&want).map(|(g, w)| (g - w).abs() / (1.0 + w.abs())).fold(0.0, f64::max)
}

/// `matmul_t` and `linear_t` (the ops training's linear layers run on in
/// wasm) against candle's matmul (and add) in f64: the product and every
/// gradient, on shapes that leave partial tiles and panels, and a training-sized one.
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn matmul_t_linear_t_and_their_gradients_match_candles_matmul() {
    let mut rng = Rng::new(24);
    let mut random = |rows: usize, cols: usize| random_matrix(&mut rng, rows, cols);
    for (rows, k, n) in [(1, 1, 1), (7, 13, 11), (37, 70, 19), (96, 384, 24)] {
        let (x, w, b, upstream) = (random(rows, k), random(n, k), random(1, n).flatten_all().unwrap(), random(rows, n));
        let vars = [&x, &w, &b].map(|t| Var::from_tensor(t).unwrap());
        let f64_vars = [&x, &w, &b].map(|t| Var::from_tensor(&t.to_dtype(DType::F64).unwrap()).unwrap());
        let [xv, wv, bv] = vars.each_ref().map(Var::as_tensor);
        let [xr, wr, br] = f64_vars.each_ref().map(Var::as_tensor);
        let product_r = xr.matmul(&wr.t().unwrap()).unwrap();
        let runs = [
            ("matmul_t", dense::matmul_t(xv, wv).unwrap(), product_r.clone()),
            ("linear_t", dense::linear_t(xv, wv, bv).unwrap(), product_r.broadcast_add(br).unwrap()),
        ];
        for (op, y, yr) in runs {
            let grads = (&y * &upstream).unwrap().sum_all().unwrap().backward().unwrap();
            let grads_r = (&yr * &upstream.to_dtype(DType::F64).unwrap()).unwrap().sum_all().unwrap().backward().unwrap();
            let mut errors = vec![
                ("product", worst_relative(&y, &yr)),
                ("∂x", worst_relative(grads.get(xv).unwrap(), grads_r.get(xr).unwrap())),
                ("∂w", worst_relative(grads.get(wv).unwrap(), grads_r.get(wr).unwrap())),
            ];
            if op == "linear_t" {
                errors.push(("∂b", worst_relative(grads.get(bv).unwrap(), grads_r.get(br).unwrap())));
            } else {
                assert!(grads.get(bv).is_none());
            }
            // f32 sums of up to 384 products of values in [-1, 1].
            for (what, err) in errors {
                assert!(err < 1e-5, "{op} [{rows}, {k}] · [{n}, {k}]ᵀ: {what} off by {err:e}");
            }
        }
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn matmul_t_reads_views_and_refuses_what_it_cannot_multiply() {
    let mut rng = Rng::new(25);
    let mut random = |rows: usize, cols: usize| random_matrix(&mut rng, rows, cols);
    // A transposed view is not contiguous: the op copies it first.
    let (xt, w) = (random(9, 5), random(4, 9));
    let x = xt.t().unwrap();
    let got = dense::matmul_t(&x, &w).unwrap();
    assert!(worst_relative(&got, &x.matmul(&w.t().unwrap()).unwrap()) < 1e-6);

    let f64s = Tensor::zeros((2, 3), DType::F64, &Device::Cpu).unwrap();
    let err = dense::matmul_t(&f64s, &f64s).expect_err("f64 is refused").to_string();
    assert!(err.contains("f32 operands only"), "{err}");
    let (a, b) = (random(2, 3), random(2, 4));
    let err = dense::matmul_t(&a, &b).expect_err("inner sizes differ").to_string();
    assert!(err.contains("inner sizes differ"), "{err}");
    let (w, bias) = (random(4, 3), random(1, 3).flatten_all().unwrap());
    let err = dense::linear_t(&a, &w, &bias).expect_err("a bias per output").to_string();
    assert!(err.contains("a bias of 3 values for 4 outputs"), "{err}");
}
