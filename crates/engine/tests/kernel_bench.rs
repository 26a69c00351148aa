//! Throughput of our CPU kernels beside candle's: the q8_0 GEMM beside
//! `QMatMul`, the f32 GEMM beside candle's matmul (the `gemm` crate), on
//! MiniLM's and MPNet's shapes (m = 25 rows is a batch-1 sentence). Ignored
//! by default; run by hand: native
//! `cargo test --release -p nunchi-engine --test kernel_bench -- --ignored --nocapture`,
//! wasm `scripts/test-wasm-kernels.sh --test kernel_bench -- --include-ignored --nocapture`
//! (SIMD128 in Node; `WASM_BINDGEN_USE_BROWSER=1` runs it in Chromium).
//!
//! In-process figures here swing run to run on shared machines (the same
//! function measured twice can differ several-fold); the models' end-to-end
//! benches (`npm run bench:browser`, `bench:wasm`) are the ones to trust.

use candle_core::quantized::{GgmlDType, QMatMul, QTensor};
use candle_core::{Device, Module, Tensor};
use nunchi_engine::cpu::dense::{self, PackedF32Matrix};
use nunchi_engine::cpu::q8::{self, PackedQ8Matrix, QuantizedRows};

#[macro_use]
mod common;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test;

/// Giga int8 multiply-adds ×2 per second of `f`, over at least 300 ms.
fn gops(m: usize, n: usize, k: usize, f: impl FnMut()) -> f64 {
    let (runs, ms) = common::timed(f);
    2.0 * (m * n * k * runs) as f64 / (ms * 1e6)
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
#[ignore = "a benchmark, run by hand"]
fn q8_kernel_throughput() {
    for (m, n, k) in [(25, 384, 384), (25, 1536, 384), (25, 384, 1536), (256, 1536, 384)] {
        let values: Vec<f32> = (0..n * k).map(|i| ((i * 7919 % 1000) as f32 - 500.0) * 1e-4).collect();
        let x: Vec<f32> = (0..m * k).map(|i| ((i * 104729 % 997) as f32 - 498.0) * 1e-3).collect();
        let wt = Tensor::from_vec(values, (n, k), &Device::Cpu).expect("w");
        let qt = QTensor::quantize(&wt, GgmlDType::Q8_0).expect("quantize");
        let bytes = qt.data().expect("bytes").to_vec();
        let packed = PackedQ8Matrix::from_q8_0_bytes(&bytes, n, k).expect("pack");
        let candle = QMatMul::from_qtensor(qt).expect("qmatmul");
        let xt = Tensor::from_slice(&x, (m, k), &Device::Cpu).expect("x");
        let a = QuantizedRows::quantize(&x, k).expect("quantize");
        let mut out = vec![0f32; m * n];
        let mut line = format!("m {m} n {n} k {k}: candle {:.1}", gops(m, n, k, || drop(candle.forward(&xt).expect("forward"))));
        line += &format!(", linear {:.1}", gops(m, n, k, || drop(q8::linear(&x, &packed, None).expect("linear"))));
        #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
        {
            line += &format!(", scalar gemm {:.1}", gops(m, n, k, || q8::scalar::gemm_slow(&a, &packed, None, &mut out)));
        }
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        {
            use q8::wasm::gemm_tiled;
            type Gemm = fn(&QuantizedRows, &PackedQ8Matrix, Option<&[f32]>, &mut [f32]);
            let tiles: [(&str, Gemm); 8] = [
                ("4x1", gemm_tiled::<4, 1>),
                ("6x1", gemm_tiled::<6, 1>),
                ("2x2", gemm_tiled::<2, 2>),
                ("3x2", gemm_tiled::<3, 2>),
                ("4x2", gemm_tiled::<4, 2>),
                ("5x2", gemm_tiled::<5, 2>),
                ("2x3", gemm_tiled::<2, 3>),
                ("4x3", gemm_tiled::<4, 3>),
            ];
            for (name, run) in tiles {
                line += &format!(", {name} {:.1}", gops(m, n, k, || run(&a, &packed, None, &mut out)));
            }
        }
        log!("{line} GOP/s");
    }
}

/// GFLOP/s (2 per multiply-add) of `f`, over at least 300 ms after 300 ms
/// of warm-up (V8 runs new wasm code in its baseline compiler at first).
fn gflops(m: usize, n: usize, k: usize, mut f: impl FnMut()) -> f64 {
    common::timed(&mut f);
    let (runs, ms) = common::timed(f);
    2.0 * (m * n * k * runs) as f64 / (ms * 1e6)
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
#[ignore = "a benchmark, run by hand"]
fn dense_kernel_throughput() {
    log!("| m | n | k | candle matmul | ours (linear) | tiles: 2x1 4x1 6x1 2x2 3x2 |");
    let shapes = [(25, 384, 384), (25, 1536, 384), (25, 384, 1536), (25, 768, 768), (25, 3072, 768), (25, 768, 3072)];
    let training = [(768, 384, 384), (768, 1536, 384), (768, 384, 1536)];
    for (m, n, k) in shapes.into_iter().chain(training) {
        let mut rng = common::Rng::new(1);
        let w: Vec<f32> = (0..n * k).map(|_| 0.1 * rng.next_signed_f32()).collect();
        let x: Vec<f32> = (0..m * k).map(|_| rng.next_signed_f32()).collect();
        let wt = Tensor::from_slice(&w, (n, k), &Device::Cpu).expect("w");
        let xt = Tensor::from_slice(&x, (m, k), &Device::Cpu).expect("x");
        let packed = PackedF32Matrix::from_rows(&w, n, k).expect("pack");
        let mut runs: Vec<Box<dyn FnMut() + '_>> = vec![
            Box::new(|| drop(xt.matmul(&wt.t().expect("t")).expect("matmul"))),
            Box::new(|| drop(dense::linear(&x, &packed, None).expect("linear"))),
        ];
        runs.extend(tiles().into_iter().map(|tile| -> Box<dyn FnMut() + '_> {
            let (x, packed, mut out) = (&x, &packed, vec![0f32; m * n]);
            Box::new(move || tile(dense::Lhs::rows(x, k), packed, None, &mut out))
        }));
        let figures = interleaved_medians(&mut runs, |f| gflops(m, n, k, f));
        let tiles: String = figures[2..].iter().map(|g| format!(" {g:.1}")).collect();
        log!("| {m} | {n} | {k} | {:.1} | {:.1} ({:.2}×) |{tiles} |", figures[0], figures[1], figures[1] / figures[0]);
    }
}

/// The register tiles the sweep above measures (SIMD builds only).
#[allow(clippy::type_complexity)]
fn tiles() -> Vec<fn(dense::Lhs, &PackedF32Matrix, Option<&[f32]>, &mut [f32])> {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        use dense::wasm::gemm_tiled;
        return vec![gemm_tiled::<2, 1>, gemm_tiled::<4, 1>, gemm_tiled::<6, 1>, gemm_tiled::<2, 2>, gemm_tiled::<3, 2>];
    }
    #[allow(unreachable_code)]
    Vec::new()
}

/// Each run's median figure over three rounds that take the runs in turn,
/// so that a neighbour's burst on a shared machine hits them all alike.
fn interleaved_medians(runs: &mut [Box<dyn FnMut() + '_>], mut measure: impl FnMut(&mut dyn FnMut()) -> f64) -> Vec<f64> {
    let mut figures = vec![Vec::new(); runs.len()];
    for _ in 0..3 {
        for (run, figures) in runs.iter_mut().zip(&mut figures) {
            figures.push(measure(run));
        }
    }
    figures.into_iter().map(median).collect()
}

/// A training step's linear layers, forward and backward (the two transposed
/// products), for a batch of 16 pairs of 24-token texts (768 rows):
/// `dense::matmul_t` beside candle's matmul under candle's autograd.
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
#[ignore = "a benchmark, run by hand"]
fn training_product_throughput() {
    use candle_core::Var;
    log!("| rows | n | k | candle matmul, fwd + bwd | matmul_t, fwd + bwd | ratio |");
    let rows = 768;
    for (n, k) in [(384, 384), (1536, 384), (384, 1536)] {
        let mut rng = common::Rng::new(2);
        let mut random = |r: usize, c: usize| {
            let v: Vec<f32> = (0..r * c).map(|_| rng.next_signed_f32()).collect();
            Tensor::from_vec(v, (r, c), &Device::Cpu).expect("tensor")
        };
        let (x, w, up) =
            (Var::from_tensor(&random(rows, k)).expect("x"), Var::from_tensor(&random(n, k)).expect("w"), random(rows, n));
        let step = |product: &dyn Fn() -> Tensor| {
            drop((product() * &up).and_then(|y| y.sum_all()).and_then(|s| s.backward()).expect("backward"))
        };
        // Three products of rows·n·k each: the forward and the two gradients.
        // Rounds alternate the two, and each side's median is kept, so a
        // neighbour's burst on a shared machine hits both alike.
        let (mut candle, mut ours) = (Vec::new(), Vec::new());
        for _ in 0..5 {
            candle
                .push(gflops(3 * rows, n, k, || step(&|| x.as_tensor().matmul(&w.as_tensor().t().expect("t")).expect("matmul"))));
            ours.push(gflops(3 * rows, n, k, || step(&|| dense::matmul_t(x.as_tensor(), w.as_tensor()).expect("matmul_t"))));
        }
        let (candle, ours) = (median(candle), median(ours));
        log!("| {rows} | {n} | {k} | {candle:.1} GFLOP/s | {ours:.1} GFLOP/s | {:.2}× |", ours / candle);
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
