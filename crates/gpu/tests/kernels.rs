//! Every WebGPU op against the CPU backend on the same inputs: seeded random
//! values and edge shapes (1 token, 512 tokens, sizes that do not divide the
//! 16×16 tiles or 256-thread workgroups, more than 65,535 workgroups).
//!
//! Tolerances, and why:
//! - layout ops (transpose, narrow, concat, reshape), gathers, argmax and top-k: exact; they
//!   move or dequantize values (an f16 scale times a small integer is exact in f32).
//! - sums of products (linear, matmul, attention, pooling): 1e-5 · Σ|aᵢ·bᵢ|
//!   per output, since both sides round every f32 product and sum, in a
//!   different order. Against the CPU's own quantized matmul, which also
//!   quantizes the activations to int8, 1e-2 · Σ|x·w| (that is its error, not ours).
//! - norms, softmax, activations: 1e-5 absolute on values of order 1 (WGSL's
//!   exp/inverseSqrt are not correctly rounded; erf is a 1.5e-7 approximation).
//!
//! The same tests run twice: natively (`cargo test -p nunchi-gpu`, on Vulkan:
//! lavapipe in CI), and compiled to wasm32 in headless Chromium on its WebGPU
//! adapter (SwiftShader in CI; `scripts/test-webgpu-kernels.sh`). `gpu_test!`
//! makes each body both a `#[test]` and a `#[wasm_bindgen_test]`.

mod common;

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// A kernel test on both targets: blocking natively, async in the browser.
macro_rules! gpu_test {
    ($(#[$meta:meta])* async fn $name:ident() $body:block) => {
        $(#[$meta])*
        #[cfg(not(target_arch = "wasm32"))]
        #[test]
        fn $name() {
            pollster::block_on(async $body)
        }

        $(#[$meta])*
        #[cfg(target_arch = "wasm32")]
        #[wasm_bindgen_test::wasm_bindgen_test]
        async fn $name() $body
    };
}

use common::*;
use nunchi_engine::candle_core::quantized::{GgmlDType, QTensor};
use nunchi_engine::candle_core::{Device, Tensor};
use nunchi_engine::{Activation, Backend, CpuBackend};

/// Runs `op` on the CPU and the GPU backend, returning both outputs.
async fn both(op: Op) -> (Vec<f32>, Vec<f32>, Vec<usize>) {
    let cpu = CpuBackend::new();
    let gpu = shared_gpu().await;
    let (c, dims) = op.run(&cpu).await;
    let (g, gdims) = op.run(&gpu).await;
    assert_eq!(dims, gdims, "output shapes differ for {op:?}");
    (c, g, dims)
}

#[derive(Debug, Clone)]
struct Input {
    data: Vec<f32>,
    dims: Vec<usize>,
}

#[derive(Debug)]
enum Op {
    Add(Input, Input),
    Mul(Input, Input),
    Matmul(Input, Input),
    LayerNorm(Input, Input, Input),
    RmsNorm(Input, Input),
    Activation(Input, Activation),
    Softmax(Input),
    Attention(Input, Input, Input, Option<Input>, f32),
    Transpose(Input, usize, usize),
    Narrow(Input, usize, usize, usize),
    Concat(Vec<Input>, usize),
    Reshape(Input, Vec<usize>),
    MaskedMean(Input, Input),
    Argmax(Input),
    TopK(Input, usize),
}

impl Op {
    async fn run<B: Backend>(&self, b: &B) -> (Vec<f32>, Vec<usize>) {
        let t = |i: &Input| b.tensor(&i.data, &i.dims).unwrap();
        let out = match self {
            Op::Add(x, y) => b.add(&t(x), &t(y)),
            Op::Mul(x, y) => b.mul(&t(x), &t(y)),
            Op::Matmul(x, y) => b.matmul(&t(x), &t(y)),
            Op::LayerNorm(x, g, be) => b.layer_norm(&t(x), &t(g), &t(be), 1e-12),
            Op::RmsNorm(x, g) => b.rms_norm(&t(x), &t(g), 1e-6),
            Op::Activation(x, f) => b.activation(&t(x), *f),
            Op::Softmax(x) => b.softmax(&t(x)),
            Op::Attention(q, k, v, bias, scale) => {
                let bias = bias.as_ref().map(t);
                b.attention(&t(q), &t(k), &t(v), bias.as_ref(), *scale)
            }
            Op::Transpose(x, d1, d2) => b.transpose(&t(x), *d1, *d2),
            Op::Narrow(x, dim, start, len) => b.narrow(&t(x), *dim, *start, *len),
            Op::Concat(xs, dim) => {
                let ts: Vec<_> = xs.iter().map(t).collect();
                b.concat(&ts.iter().collect::<Vec<_>>(), *dim)
            }
            Op::Reshape(x, dims) => b.reshape(&t(x), dims),
            Op::MaskedMean(x, m) => b.masked_mean(&t(x), &t(m)),
            Op::Argmax(x) => b.argmax(&t(x)),
            // Values, then indices, in one output.
            Op::TopK(x, k) => b.top_k(&t(x), *k).and_then(|(v, i)| b.concat(&[&v, &i], v_dims_last(b, &v))),
        }
        .unwrap_or_else(|e| panic!("{} backend: {e}", b.name()));
        (b.read(&out).await.unwrap(), b.dims(&out))
    }
}

/// The last dimension of `v` (top_k's values and indices are joined along it).
fn v_dims_last<B: Backend>(b: &B, v: &B::Tensor) -> usize {
    b.dims(v).len() - 1
}

fn input(dims: &[usize], seed: u64) -> Input {
    Input { data: random(dims.iter().product(), seed, 1.0), dims: dims.to_vec() }
}

fn assert_close(cpu: &[f32], gpu: &[f32], tol: f32, what: &str) {
    let d = max_abs_diff(cpu, gpu);
    assert!(d <= tol, "{what}: max abs diff {d} > {tol}");
}

/// Σ|a·b| over the sum behind each output of `a [m,k] · b [k,n]` (per-output error scale).
fn abs_product_bound(a: &[f32], b: &[f32], m: usize, k: usize, n: usize) -> Vec<f32> {
    let mut out = vec![0.0; m * n];
    for i in 0..m {
        for j in 0..n {
            out[i * n + j] = (0..k).map(|p| (a[i * k + p] * b[p * n + j]).abs()).sum();
        }
    }
    out
}

fn assert_within_products(cpu: &[f32], gpu: &[f32], bound: &[f32], rel: f32, what: &str) {
    for (i, ((c, g), s)) in cpu.iter().zip(gpu).zip(bound).enumerate() {
        let tol = rel * s.max(1e-6);
        assert!((c - g).abs() <= tol, "{what}: output {i}: cpu {c} gpu {g} (tolerance {tol})");
    }
}

gpu_test! {
async fn add_and_mul_broadcast_like_the_cpu() {
    let cases: [(&[usize], &[usize]); 5] = [
        (&[2, 3, 4, 5], &[2, 3, 4, 5]),
        (&[2, 3, 4, 5], &[5]),
        (&[2, 1, 4, 1], &[1, 3, 1, 5]),
        (&[1, 6, 7, 9], &[2, 1, 1, 9]),
        (&[1000], &[1]),
    ];
    for (i, (a, b)) in cases.into_iter().enumerate() {
        let (c, g, _) = both(Op::Add(input(a, i as u64), input(b, 100 + i as u64))).await;
        assert_close(&c, &g, 0.0, &format!("add {a:?} + {b:?}"));
        let (c, g, _) = both(Op::Mul(input(a, i as u64), input(b, 100 + i as u64))).await;
        assert_close(&c, &g, 0.0, &format!("mul {a:?} * {b:?}"));
    }
}
}

gpu_test! {
async fn matmul_matches_on_odd_tiles_broadcasts_and_512_tokens() {
    let cases: [(&[usize], &[usize]); 5] = [
        (&[2, 3, 5, 7], &[2, 3, 7, 9]),
        (&[1, 1, 1, 64], &[1, 1, 64, 1]),
        (&[2, 4, 17, 16], &[1, 1, 16, 33]),
        (&[1, 12, 512, 32], &[1, 12, 32, 512]),
        (&[37, 70], &[70, 19]),
    ];
    for (i, (a, b)) in cases.into_iter().enumerate() {
        let (x, y) = (input(a, 10 + i as u64), input(b, 20 + i as u64));
        let (c, g, dims) = both(Op::Matmul(x.clone(), y.clone())).await;
        // Error scale from the first batch's product (all batches have the same magnitudes).
        let (m, k, n) = (a[a.len() - 2], a[a.len() - 1], b[b.len() - 1]);
        let largest = abs_product_bound(&x.data[..m * k], &y.data[..k * n], m, k, n).into_iter().fold(0.0, f32::max);
        let bound = vec![largest; c.len()];
        assert_within_products(&c, &g, &bound, 1e-5, &format!("matmul {a:?} x {b:?} -> {dims:?}"));
    }
}
}

gpu_test! {
async fn norms_match_on_model_widths_and_odd_rows() {
    for (i, dims) in [&[1usize, 384][..], &[3, 7, 384], &[512, 512], &[5, 1000], &[2, 1]].into_iter().enumerate() {
        let d = *dims.last().unwrap();
        let x = Input { data: random(dims.iter().product(), 30 + i as u64, 4.0), dims: dims.to_vec() };
        let (c, g, _) = both(Op::LayerNorm(x.clone(), input(&[d], 40), input(&[d], 41))).await;
        // A single-value row normalizes to beta exactly on both sides.
        assert_close(&c, &g, 1e-5, &format!("layer_norm {dims:?}"));
        let (c, g, _) = both(Op::RmsNorm(x.clone(), input(&[d], 42))).await;
        assert_close(&c, &g, 1e-5, &format!("rms_norm {dims:?}"));
    }
}
}

gpu_test! {
async fn activations_match_over_the_range_models_produce() {
    let x = Input { data: random(100_003, 50, 12.0), dims: vec![100_003] };
    for f in [Activation::GeluErf, Activation::GeluTanh, Activation::Relu] {
        let (c, g, _) = both(Op::Activation(x.clone(), f)).await;
        assert_close(&c, &g, 1e-5, &format!("{f:?}"));
    }
}
}

gpu_test! {
async fn elementwise_kernels_fold_more_than_65535_workgroups_into_2d() {
    // 17M values = 66,407 workgroups of 256.
    let n = 17_000_000;
    let x = Input { data: random(n, 51, 3.0), dims: vec![n] };
    let (c, g, _) = both(Op::Activation(x.clone(), Activation::Relu)).await;
    assert_close(&c, &g, 0.0, "relu over 17M values");
}
}

gpu_test! {
async fn softmax_matches_with_large_logits_and_odd_rows() {
    for (i, dims) in [&[1usize, 1][..], &[4, 7], &[12, 512], &[3, 32128]].into_iter().enumerate() {
        let x = Input { data: random(dims.iter().product(), 60 + i as u64, 80.0), dims: dims.to_vec() };
        let (c, g, _) = both(Op::Softmax(x.clone())).await;
        assert_close(&c, &g, 1e-5, &format!("softmax {dims:?}"));
    }
}
}

gpu_test! {
async fn attention_matches_with_mask_and_position_bias() {
    let q = input(&[2, 4, 7, 16], 70);
    let k = input(&[2, 4, 9, 16], 71);
    let v = input(&[2, 4, 9, 16], 72);
    // BERT's key mask: [b,1,1,tk] of 0 / -large.
    let mut mask = vec![0.0; 2 * 9];
    mask[9 + 6..].iter_mut().for_each(|m| *m = -3.4e38);
    let mask = Input { data: mask, dims: vec![2, 1, 1, 9] };
    // T5's relative-position bias: [1,h,tq,tk].
    let bias = Input { data: random(4 * 7 * 9, 73, 5.0), dims: vec![1, 4, 7, 9] };
    for (bias, scale) in [(None, 1.0), (Some(mask), 0.25), (Some(bias), 1.0)] {
        let what = format!("attention, bias {:?}, scale {scale}", bias.as_ref().map(|b| b.dims.clone()));
        let (c, g, _) = both(Op::Attention(q.clone(), k.clone(), v.clone(), bias.clone(), scale)).await;
        // Outputs are convex mixtures of v (|v| ≤ 1).
        assert_close(&c, &g, 1e-5, &what);
    }
    // One query token against 512 keys (a decode step over a long cache).
    let (q, k, v) = (input(&[1, 8, 1, 64], 74), input(&[1, 8, 512, 64], 75), input(&[1, 8, 512, 64], 76));
    let (c, g, _) = both(Op::Attention(q.clone(), k.clone(), v.clone(), None, 0.125)).await;
    assert_close(&c, &g, 1e-5, "attention, 1 query, 512 keys");
}
}

gpu_test! {
async fn layout_ops_match_exactly() {
    let x = input(&[2, 3, 5, 7], 80);
    for (d1, d2) in [(1, 2), (2, 3), (0, 3)] {
        let (c, g, _) = both(Op::Transpose(x.clone(), d1, d2)).await;
        assert_close(&c, &g, 0.0, &format!("transpose {d1},{d2}"));
    }
    let (c, g, _) = both(Op::Transpose(input(&[33, 17], 81), 0, 1)).await;
    assert_close(&c, &g, 0.0, "transpose 2-D");
    for (dim, start, len) in [(0, 1, 1), (2, 1, 3), (3, 6, 1), (1, 0, 0)] {
        let (c, g, _) = both(Op::Narrow(x.clone(), dim, start, len)).await;
        assert_close(&c, &g, 0.0, &format!("narrow {dim} {start}+{len}"));
    }
    for dim in 0..4 {
        let mut other = x.dims.clone();
        other[dim] = 1;
        let (c, g, _) = both(Op::Concat(vec![x.clone(), input(&other, 82), x.clone()], dim)).await;
        assert_close(&c, &g, 0.0, &format!("concat along {dim}"));
    }
    let (c, g, dims) = both(Op::Reshape(x.clone(), vec![6, 35])).await;
    assert_eq!(dims, vec![6, 35]);
    assert_close(&c, &g, 0.0, "reshape");
}
}

gpu_test! {
async fn masked_mean_matches_and_an_all_padding_row_gives_zeros() {
    let x = input(&[3, 7, 16], 90);
    let mut mask = vec![1.0; 21];
    mask[5..7].iter_mut().for_each(|m| *m = 0.0);
    mask[14..21].iter_mut().for_each(|m| *m = 0.0);
    let (c, g, _) = both(Op::MaskedMean(x.clone(), Input { data: mask.clone(), dims: vec![3, 7] })).await;
    assert_close(&c, &g, 1e-6, "masked_mean");
    assert!(g[32..48].iter().all(|&v| v == 0.0), "all-padding row: {:?}", &g[32..48]);
}
}

gpu_test! {
async fn argmax_picks_the_first_largest_value_per_row() {
    // Greedy decoding's shapes (one row of T5's 32,128 logits; a batch), odd widths, and ties.
    for (i, dims) in [&[1usize, 32128][..], &[4, 32128], &[3, 1], &[5, 257], &[2, 3, 1000]].into_iter().enumerate() {
        let x = Input { data: random(dims.iter().product(), 95 + i as u64, 30.0), dims: dims.to_vec() };
        let (c, g, out) = both(Op::Argmax(x)).await;
        assert_eq!(out, dims[..dims.len() - 1].to_vec());
        assert_eq!(c, g, "argmax {dims:?}");
    }
    // Ties: the first index wins on both backends, wherever the threads' strides fall.
    let mut data = vec![0.0f32; 3 * 600];
    data[5] = 2.0;
    data[300] = 2.0; // row 0: 5 and 300 tie
    data[600 + 599] = 1.0;
    data[600 + 343] = 1.0; // row 1: 343 and 599 tie
    // Row 2: all equal, so index 0.
    let (c, g, _) = both(Op::Argmax(Input { data, dims: vec![3, 600] })).await;
    assert_eq!(c, vec![5.0, 343.0, 0.0]);
    assert_eq!(g, c, "ties");
}
}

gpu_test! {
async fn top_k_picks_the_largest_values_in_order_with_ties_by_index() {
    for (i, (dims, k)) in [(&[1usize, 32128][..], 50), (&[3, 32128], 1), (&[2, 257], 300), (&[4, 1000], 40)].into_iter().enumerate() {
        let x = Input { data: random(dims.iter().product(), 130 + i as u64, 30.0), dims: dims.to_vec() };
        let (c, g, out) = both(Op::TopK(x, k)).await;
        let kept = k.min(dims[dims.len() - 1]);
        assert_eq!(out[out.len() - 1], 2 * kept, "values and indices, {kept} each");
        assert_eq!(c, g, "top_k {k} of {dims:?}");
    }
    // Ties: equal values come in index order, across threads' strides.
    let mut data = vec![0.0f32; 600];
    for i in [7, 300, 599, 44] {
        data[i] = 5.0;
    }
    data[100] = 9.0;
    let (c, g, _) = both(Op::TopK(Input { data, dims: vec![600] }, 6)).await;
    assert_eq!(c, vec![9.0, 5.0, 5.0, 5.0, 5.0, 0.0, 100.0, 7.0, 44.0, 300.0, 599.0, 0.0]);
    assert_eq!(g, c, "ties");
}
}

// ---- weights: linear and gather in every stored format ---------------------------

fn weight(n: usize, k: usize, seed: u64, dtype: GgmlDType) -> (QTensor, Vec<f32>) {
    let values = random(n * k, seed, 0.5);
    let t = Tensor::from_vec(values, (n, k), &Device::Cpu).unwrap();
    let q = QTensor::quantize(&t, dtype).unwrap();
    // The exact values the quantized weight stands for.
    let exact = q.dequantize(&Device::Cpu).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
    (q, exact)
}

async fn linear_on<B: Backend>(b: &B, w: QTensor, x: &Input, bias: Option<&[f32]>) -> Vec<f32> {
    let m = b.matrix(w).unwrap();
    let bias = bias.map(|v| b.tensor(v, &[v.len()]).unwrap());
    let y = b.linear(&b.tensor(&x.data, &x.dims).unwrap(), &m, bias.as_ref()).unwrap();
    b.read(&y).await.unwrap()
}

gpu_test! {
async fn linear_matches_in_every_format_tiled_and_matrix_vector() {
    let gpu = shared_gpu().await;
    let cpu = CpuBackend::new();
    // (rows of x, k, n): one decode row, BERT widths, blocks and tiles that do not divide.
    let shapes = [(1, 384, 1536), (1, 512, 32128), (7, 64, 33), (130, 384, 385), (3, 1536, 384), (2, 32, 1)];
    for dtype in [GgmlDType::F32, GgmlDType::Q8_0, GgmlDType::Q4_0] {
        for (i, &(m, k, n)) in shapes.iter().enumerate() {
            let seed = 100 + i as u64;
            let (w, exact) = weight(n, k, seed, dtype);
            let x = input(&[m, k], 200 + i as u64);
            let bias = random(n, 300 + i as u64, 1.0);
            let g = linear_on(&gpu, w, &x, Some(&bias)).await;
            // Reference: the same weight values, unquantized, on the CPU.
            let exact_q = QTensor::quantize(&Tensor::from_vec(exact.clone(), (n, k), &Device::Cpu).unwrap(), GgmlDType::F32).unwrap();
            let want = linear_on(&cpu, exact_q, &x, Some(&bias)).await;
            // Σ|x·w| per output: W is [n, k], so use Wᵀ as the [k, n] operand.
            let wt: Vec<f32> = (0..k * n).map(|i| exact[(i % n) * k + i / n]).collect();
            let bound = abs_product_bound(&x.data, &wt, m, k, n);
            let what = format!("linear {dtype:?} x[{m},{k}] W[{n},{k}]");
            assert_within_products(&want, &g, &bound, 1e-5, &what);
            if dtype != GgmlDType::F32 && i < 3 {
                // And the CPU backend's own quantized path, which also rounds activations to int8.
                let cpu_q = linear_on(&cpu, weight(n, k, seed, dtype).0, &x, Some(&bias)).await;
                assert_within_products(&cpu_q, &g, &bound, 1e-2, &format!("{what} vs the CPU quantized matmul"));
            }
        }
    }
    // An input width that is not a multiple of 4 takes the 16×16 tiled kernel.
    let (w, exact) = weight(9, 70, 9, GgmlDType::F32);
    let x = input(&[5, 70], 10);
    let g = linear_on(&gpu, w, &x, None).await;
    let exact_q = QTensor::quantize(&Tensor::from_vec(exact, (9, 70), &Device::Cpu).unwrap(), GgmlDType::F32).unwrap();
    assert_close(&linear_on(&cpu, exact_q, &x, None).await, &g, 1e-5, "linear f32 x[5,70] W[9,70]");
    // No bias, and a bias that broadcasts over a [2, 3, n] output without being fused.
    let w = || weight(40, 64, 7, GgmlDType::Q8_0).0;
    let x = input(&[2, 3, 64], 8);
    let g = gpu.read(&gpu.linear(&gpu.tensor(&x.data, &x.dims).unwrap(), &gpu.matrix(w()).unwrap(), None).unwrap()).await.unwrap();
    let c = cpu.read(&cpu.linear(&cpu.tensor(&x.data, &x.dims).unwrap(), &cpu.matrix(w()).unwrap(), None).unwrap()).await.unwrap();
    assert_eq!(g.len(), 240);
    assert!(cosine(&g, &c) > 0.9999, "no-bias linear cosine {}", cosine(&g, &c));
}
}

gpu_test! {
async fn gather_dequantizes_rows_exactly_in_every_format() {
    let gpu = shared_gpu().await;
    let cpu = CpuBackend::new();
    let ids = [0u32, 5, 5, 999, 17, 3];
    for dtype in [GgmlDType::F32, GgmlDType::Q8_0, GgmlDType::Q4_0] {
        let table = || weight(1000, 64, 400, dtype).0;
        let g = gpu.read(&gpu.gather(&gpu.table(table()).unwrap(), &ids, &[2, 3]).unwrap()).await.unwrap();
        let c = cpu.read(&cpu.gather(&cpu.table(table()).unwrap(), &ids, &[2, 3]).unwrap()).await.unwrap();
        assert_close(&c, &g, 0.0, &format!("gather {dtype:?}"));
    }
    let (table, _) = weight(10, 32, 401, GgmlDType::Q8_0);
    let err = gpu.gather(&gpu.table(table).unwrap(), &[10], &[1]).unwrap_err();
    assert_eq!(err.code(), "E_INPUT", "{err}");
}
}

gpu_test! {
async fn weights_over_the_binding_limit_are_split_into_parts_with_the_same_results() {
    // A 16 KiB binding limit splits every weight below into parts of whole rows; the kernels
    // run once per part, and every output must be bit-for-bit what the whole weight gives.
    let whole = shared_gpu().await;
    let split = shared_gpu().await.with_binding_limit(16 * 1024);
    let ids = [0u32, 999, 255, 256, 511, 3, 62, 64]; // rows on both sides of part boundaries
    for dtype in [GgmlDType::F32, GgmlDType::Q8_0, GgmlDType::Q4_0] {
        let table = || weight(1000, 64, 410, dtype).0;
        let parts = split.table(table()).unwrap();
        // 1000 rows of 64 values: 256 bytes a row in f32 (16 parts), 64 in q8_0 (4), 32 in q4_0 (2).
        let want_parts = match dtype { GgmlDType::F32 => 16, GgmlDType::Q8_0 => 4, _ => 2 };
        assert_eq!(parts.parts(), want_parts, "{dtype:?}");
        let g = split.read(&split.gather(&parts, &ids, &[8]).unwrap()).await.unwrap();
        let w = whole.read(&whole.gather(&whole.table(table()).unwrap(), &ids, &[8]).unwrap()).await.unwrap();
        assert_eq!(g, w, "gather {dtype:?} over parts");
    }
    // (n, k, rows of x): q8_0/q4_0 with the blocked and matrix-vector kernels; f32 with k % 4 != 0 (tiled).
    for (dtype, n, k, rows) in [(GgmlDType::Q8_0, 300, 256, 7), (GgmlDType::Q4_0, 300, 256, 1), (GgmlDType::F32, 100, 70, 5)] {
        let x = input(&[rows, k], 420);
        let bias = random(n, 421, 1.0);
        let run = |b: &nunchi_gpu::GpuBackend| {
            let m = b.matrix(weight(n, k, 422, dtype).0).unwrap();
            b.linear(&b.tensor(&x.data, &x.dims).unwrap(), &m, Some(&b.tensor(&bias, &[n]).unwrap())).unwrap()
        };
        let (g, w) = (run(&split), run(&whole));
        assert_eq!(split.read(&g).await.unwrap(), whole.read(&w).await.unwrap(), "linear {dtype:?} [{rows},{k}]x[{n},{k}] over parts");
    }
    // A single row larger than the limit cannot be split: a clear error.
    let tiny = shared_gpu().await.with_binding_limit(128);
    let Err(err) = tiny.matrix(weight(4, 64, 423, GgmlDType::F32).0) else { panic!("a 256-byte row bound in 128 bytes") };
    assert!(err.message().contains("binds at most 128 bytes"), "{err}");
}
}

gpu_test! {
async fn bad_shapes_are_errors_not_panics() {
    let gpu = shared_gpu().await;
    let a = gpu.tensor(&[0.0; 6], &[2, 3]).unwrap();
    let b = gpu.tensor(&[0.0; 8], &[2, 4]).unwrap();
    assert!(gpu.add(&a, &b).is_err());
    assert!(gpu.matmul(&a, &b).is_err());
    assert!(gpu.narrow(&a, 1, 2, 2).is_err());
    assert!(gpu.transpose(&a, 0, 2).is_err());
    assert!(gpu.reshape(&a, &[7]).is_err());
    assert!(gpu.tensor(&[0.0; 5], &[2, 3]).is_err());
    let five = gpu.tensor(&[0.0; 5 * 4 * 3 * 2 * 2], &[5, 4, 3, 2, 2]).unwrap();
    assert!(gpu.add(&five, &five).is_err(), "rank 5 is refused with a message");
    // The backend still works after the errors.
    assert_eq!(gpu.read(&gpu.add(&a, &a).unwrap()).await.unwrap(), vec![0.0; 6]);
}
}

gpu_test! {
async fn the_known_answer_self_test_passes_on_a_working_adapter() {
    nunchi_gpu::self_test(&shared_gpu().await).await.expect("self-test");
}
}

// Native only: in the browser, device loss is tested through the package
// (tests/js/webgpu.test.mjs), where the fallback to the CPU is.
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn a_destroyed_device_fails_the_next_call_with_a_clear_error() {
    // Its own device: destroying the shared one would fail the other tests.
    let ctx = std::sync::Arc::new(nunchi_gpu::GpuContext::request_blocking().unwrap());
    let gpu = nunchi_gpu::GpuBackend::new(ctx.clone());
    let x = gpu.tensor(&[1.0, 2.0], &[2]).unwrap();
    assert_eq!(gpu.to_vec(&gpu.add(&x, &x).unwrap()).unwrap(), vec![2.0, 4.0]);
    // As the browser would: the device goes away under us, unannounced.
    ctx.device.destroy();
    let err = gpu.add(&x, &x).and_then(|y| gpu.to_vec(&y)).unwrap_err();
    assert_eq!(err.code(), "E_BACKEND");
    assert!(err.message().contains("lost") || err.message().contains("WebGPU"), "{err}");
    assert!(pollster::block_on(nunchi_gpu::self_test(&gpu)).is_err(), "a dead device fails the self-test");
    let err = gpu.tensor(&[1.0], &[1]).and_then(|y| gpu.to_vec(&y)).unwrap_err();
    assert_eq!(err.code(), "E_BACKEND", "{err}");
}
