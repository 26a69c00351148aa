//! Throughput of the element-wise kernels beside their `_slow` twins and
//! candle's ops, on batch-1 MiniLM shapes: one FFN activation (25 × 1536) and
//! one layer's attention probabilities (12 heads × 25 × 25). Ignored by
//! default; run by hand:
//! native `cargo test --release -p nunchi-engine --test elementwise_bench -- --ignored --nocapture`,
//! wasm `scripts/test-wasm-kernels.sh --test elementwise_bench -- --include-ignored`.

use candle_core::{Device, Tensor};
use nunchi_engine::cpu::elementwise::{gelu_erf, gelu_erf_slow, gelu_tanh, gelu_tanh_slow, softmax_rows, softmax_rows_slow};

#[macro_use]
mod common;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test;

/// Mega elements per second of `f` over `len` values, over at least 300 ms.
fn melem(len: usize, f: impl FnMut()) -> f64 {
    let (runs, ms) = common::timed(f);
    (len * runs) as f64 / (ms * 1e3)
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
#[ignore = "a benchmark, run by hand"]
fn elementwise_throughput() {
    // FFN pre-activations: roughly N(0, 2), as after a MiniLM intermediate linear.
    let (m, k) = (25, 1536);
    let x: Vec<f32> = (0..m * k).map(|i| ((i * 104729 % 997) as f32 - 498.0) * 6e-3).collect();
    let xt = Tensor::from_slice(&x, (m, k), &Device::Cpu).expect("x");
    let mut buf = x.clone();
    type Kernel = fn(&mut [f32]);
    type Op = fn(&Tensor) -> candle_core::Result<Tensor>;
    let gelus: [(&str, Kernel, Kernel, Op); 2] =
        [("gelu_erf", gelu_erf, gelu_erf_slow, Tensor::gelu_erf), ("gelu_tanh", gelu_tanh, gelu_tanh_slow, Tensor::gelu)];
    for (name, fast, slow, candle) in gelus {
        // Each run refreshes the input so every element sees the same values.
        let fast_rate = melem(x.len(), || {
            buf.copy_from_slice(&x);
            fast(&mut buf)
        });
        let slow_rate = melem(x.len(), || {
            buf.copy_from_slice(&x);
            slow(&mut buf)
        });
        let candle_rate = melem(x.len(), || drop(candle(&xt).expect("op")));
        log!("{name} {m}x{k}: fast {fast_rate:.0}, slow {slow_rate:.0}, candle {candle_rate:.0} Melem/s");
    }

    // Attention scores of one layer: 12 heads × 25 queries, rows of 25 keys; and long rows.
    for (rows, n) in [(12 * 25, 25), (25, 1536)] {
        let s: Vec<f32> = (0..rows * n).map(|i| ((i * 7919 % 1000) as f32 - 500.0) * 1e-2).collect();
        let st = Tensor::from_slice(&s, (rows, n), &Device::Cpu).expect("scores");
        let mut buf = s.clone();
        let fast_rate = melem(s.len(), || {
            buf.copy_from_slice(&s);
            softmax_rows(&mut buf, n)
        });
        let slow_rate = melem(s.len(), || {
            buf.copy_from_slice(&s);
            softmax_rows_slow(&mut buf, n)
        });
        let candle_rate = melem(s.len(), || drop(candle_nn::ops::softmax_last_dim(&st).expect("softmax")));
        log!("softmax {rows}x{n}: fast {fast_rate:.0}, slow {slow_rate:.0}, candle {candle_rate:.0} Melem/s");
    }
}
