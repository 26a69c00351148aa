//! Throughput of the q8_0 kernels beside candle's `QMatMul`, on MiniLM shapes
//! (m = 25 rows is a batch-1 sentence). Ignored by default; run by hand:
//! native `cargo test --release -p nunchi-engine --test q8_bench -- --ignored --nocapture`,
//! wasm `scripts/test-wasm-kernels.sh --test q8_bench -- --include-ignored` (SIMD128 in Node,
//! then the relaxed-SIMD build in Chromium).

use candle_core::quantized::{GgmlDType, QMatMul, QTensor};
use candle_core::{Device, Module, Tensor};
use nunchi_engine::cpu::q8::{self, Layout, PackedQ8Matrix, QuantizedRows};

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
        let packed = PackedQ8Matrix::from_q8_0_bytes_as(&bytes, n, k, Layout::Pairs).expect("pack");
        let candle = QMatMul::from_qtensor(qt).expect("qmatmul");
        let xt = Tensor::from_slice(&x, (m, k), &Device::Cpu).expect("x");
        let a = QuantizedRows::quantize(&x, k).expect("quantize");
        let mut out = vec![0f32; m * n];
        let mut line = format!("m {m} n {n} k {k}: candle {:.1}", gops(m, n, k, || drop(candle.forward(&xt).expect("forward"))));
        line += &format!(", linear {:.1}", gops(m, n, k, || drop(q8::linear(&x, &packed, None).expect("linear"))));
        #[cfg(all(feature = "relaxed-simd", target_arch = "wasm32", target_feature = "relaxed-simd"))]
        {
            use nunchi_engine::cpu::q8::{relaxed::gemm_tiled, U7Rows};
            let quads = PackedQ8Matrix::from_q8_0_bytes_as(&bytes, n, k, Layout::Quads).expect("pack");
            line += &format!(", relaxed linear {:.1}", gops(m, n, k, || drop(q8::linear(&x, &quads, None).expect("linear"))));
            let a7 = U7Rows::quantize(&x, k).expect("quantize");
            type Gemm = fn(&U7Rows, &PackedQ8Matrix, Option<&[f32]>, &mut [f32]);
            let tiles: [(&str, Gemm); 8] = [
                ("4x1", gemm_tiled::<4, 1>),
                ("6x1", gemm_tiled::<6, 1>),
                ("2x2", gemm_tiled::<2, 2>),
                ("3x2", gemm_tiled::<3, 2>),
                ("4x2", gemm_tiled::<4, 2>),
                ("2x3", gemm_tiled::<2, 3>),
                ("3x3", gemm_tiled::<3, 3>),
                ("4x3", gemm_tiled::<4, 3>),
            ];
            for (name, run) in tiles {
                line += &format!(", r{name} {:.1}", gops(m, n, k, || run(&a7, &quads, None, &mut out)));
            }
        }
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

/// The SIMD128 and relaxed-SIMD linear layers taking turns (median of 7 runs
/// each), so a busy machine slows both alike. Needs the relaxed-SIMD build.
#[cfg(all(feature = "relaxed-simd", target_arch = "wasm32", target_feature = "relaxed-simd"))]
#[wasm_bindgen_test]
#[ignore = "a benchmark, run by hand"]
fn relaxed_against_simd128_in_turns() {
    for (m, n, k) in [(25, 384, 384), (25, 1536, 384), (25, 384, 1536), (256, 1536, 384)] {
        let values: Vec<f32> = (0..n * k).map(|i| ((i * 7919 % 1000) as f32 - 500.0) * 1e-4).collect();
        let x: Vec<f32> = (0..m * k).map(|i| ((i * 104729 % 997) as f32 - 498.0) * 1e-3).collect();
        let wt = Tensor::from_vec(values, (n, k), &Device::Cpu).expect("w");
        let bytes = QTensor::quantize(&wt, GgmlDType::Q8_0).expect("quantize").data().expect("bytes").to_vec();
        let pairs = PackedQ8Matrix::from_q8_0_bytes_as(&bytes, n, k, Layout::Pairs).expect("pack");
        let quads = PackedQ8Matrix::from_q8_0_bytes_as(&bytes, n, k, Layout::Quads).expect("pack");
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for _ in 0..7 {
            a.push(gops(m, n, k, || drop(q8::linear(&x, &pairs, None).expect("linear"))));
            b.push(gops(m, n, k, || drop(q8::linear(&x, &quads, None).expect("linear"))));
        }
        let median = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let (a, b) = (median(&mut a), median(&mut b));
        log!("m {m} n {n} k {k}: simd128 linear {a:.1}, relaxed linear {b:.1} GOP/s, ratio {:.2}", b / a);
    }
}
