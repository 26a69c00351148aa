//! Our q8_0 kernels against their scalar twin and against ggml's q8_0 matmul (candle's quantization).
//!
//! Native: `cargo test --release -p nunchi-engine --test q8` (the kernel is
//! the scalar twin there). `scripts/test-wasm-kernels.sh` runs this same file
//! on wasm32 with `+simd128` under Node (the SIMD128 kernel).

use candle_core::quantized::{GgmlDType, QMatMul, QStorage, QTensor};
use candle_core::{Device, Module, Tensor};
use nunchi_engine::cpu::q8::{self, BlockQ8_0, PackedQ8Matrix, QuantizedRows, BLOCK};
use nunchi_engine::{Backend, CpuBackend};

mod common;
use common::{assert_bits_equal, Rng, TestValues};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test;

/// Rows of activations tried for every weight shape.
const ROWS: [usize; 5] = [1, 3, 27, 64, 512];
/// `(n, k)` weight shapes: MiniLM's, plus `n` that no tile size divides.
const SHAPES: [(usize, usize); 6] = [(384, 384), (1536, 384), (384, 1536), (30, 64), (387, 96), (5, 32)];

fn q8_0_weight(rng: &mut Rng, n: usize, k: usize) -> QTensor {
    let values: Vec<f32> = (0..n * k).map(|_| 0.1 * rng.unit()).collect();
    let t = Tensor::from_vec(values, (n, k), &Device::Cpu).expect("weight tensor");
    QTensor::quantize(&t, GgmlDType::Q8_0).expect("quantize weight")
}

/// Another QTensor holding the same blocks (QTensor is not Clone).
fn copy(w: &QTensor) -> QTensor {
    let storage = QStorage::from_data(w.data().expect("bytes"), &Device::Cpu, w.dtype()).expect("storage");
    QTensor::new(storage, w.shape().clone()).expect("qtensor")
}

fn pack(w: &QTensor) -> PackedQ8Matrix {
    let (n, k) = w.shape().dims2().expect("2-D weight");
    PackedQ8Matrix::from_q8_0_bytes(&w.data().expect("weight bytes"), n, k).expect("pack")
}

/// The first `count` q8_0 blocks of a QTensor's bytes.
fn q8_0_blocks(bytes: &[u8], count: usize) -> Vec<BlockQ8_0> {
    (0..count).map(|i| BlockQ8_0::read(bytes, i).expect("block")).collect()
}

/// candle's `BlockQ8_0::from_float` blocks of `x`, read from the QTensor's bytes.
fn candle_blocks(x: &[f32]) -> Vec<BlockQ8_0> {
    let t = Tensor::from_slice(x, x.len(), &Device::Cpu).expect("tensor");
    let q = QTensor::quantize(&t, GgmlDType::Q8_0).expect("quantize");
    q8_0_blocks(&q.data().expect("bytes"), x.len() / BLOCK)
}

/// Σ |terms| of every output, the scale the float tolerances are relative to.
fn magnitudes(x: &[f32], w: &QTensor) -> Vec<f64> {
    let (n, k) = w.shape().dims2().expect("2-D");
    let wd = w.dequantize(&Device::Cpu).expect("dequantize").flatten_all().expect("flat").to_vec1::<f32>().expect("vec");
    let m = x.len() / k;
    let mut out = vec![0f64; m * n];
    for r in 0..m {
        for c in 0..n {
            out[r * n + c] = (0..k).map(|j| (x[r * k + j] as f64 * wd[c * k + j] as f64).abs()).sum();
        }
    }
    out
}

fn assert_close(what: &str, got: &[f32], want: &[f32], scale: &[f64], rel: f64) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    for (i, ((&g, &w), &s)) in got.iter().zip(want).zip(scale).enumerate() {
        let bound = rel * s + 1e-6;
        assert!(((g - w) as f64).abs() <= bound, "{what}: output {i}: {g} vs {w} (bound {bound:e})");
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn rounding_matches_f32_round() {
    let mut rng = Rng::new(1);
    let edges = [
        0.0,
        -0.0,
        0.5,
        -0.5,
        1.5,
        -1.5,
        2.5,
        -2.5,
        126.5,
        -126.5,
        0.49999997,
        -0.49999997,
        0.50000006,
        127.0,
        1e-30,
        8388607.5,
        1e30,
    ];
    let random = (0..10_000).map(|_| 130.0 * rng.unit());
    for v in edges.into_iter().chain(random) {
        let got = q8::quantize::round_half_away_from_zero(v);
        assert_eq!(got.to_bits(), v.round().to_bits(), "round({v})");
    }
    assert!(q8::quantize::round_half_away_from_zero(f32::NAN).is_nan());
    assert_eq!(q8::quantize::round_half_away_from_zero(f32::INFINITY), f32::INFINITY);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn activation_blocks_equal_candle_from_float() {
    let mut rng = Rng::new(2);
    for k in [32, 384, 1536] {
        let mut x = rng.activations(5 * k);
        x[..BLOCK].fill(0.0); // an all-zero block: d = 0
        x[BLOCK] = -3.0; // a block whose amax is negative
        let ours = QuantizedRows::quantize(&x, k).expect("quantize");
        let theirs = candle_blocks(&x);
        for (i, block) in theirs.iter().enumerate() {
            let (row, b) = (i / ours.blocks(), i % ours.blocks());
            let qs: Vec<i16> = block.qs.iter().map(|&q| i16::from(q)).collect();
            assert_eq!(ours.block_quants(row, b), &qs[..], "k {k}: quants of block {i}");
            // We keep d in f32; candle stores it as f16 of the same value.
            assert_eq!(half::f16::from_f32(ours.scale(row, b)).to_bits(), block.d_bits, "k {k}: scale of block {i}");
        }
    }
}

/// Packing keeps every quant and scale.
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn packing_keeps_every_quant_and_scale() {
    let mut rng = Rng::new(3);
    for (n, k) in SHAPES {
        let w = q8_0_weight(&mut rng, n, k);
        let bytes = w.data().expect("bytes");
        let packed = pack(&w);
        for row in 0..n {
            for b in 0..k / BLOCK {
                let block = BlockQ8_0::read(&bytes, row * (k / BLOCK) + b).expect("block");
                let at = format!("[{n}, {k}] row {row} block {b}");
                assert_eq!(packed.scale(row, b), block.scale(), "{at}");
                for j in 0..BLOCK {
                    assert_eq!(packed.quant(row, b, j), block.qs[j], "{at} quant {j}");
                }
            }
        }
    }
}

/// The build's kernel (SIMD on wasm32) against its scalar twin: they do the same
/// f32 operations in the same order, so the outputs must be identical.
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn kernel_equals_scalar_twin_bit_for_bit() {
    let mut rng = Rng::new(4);
    for (n, k) in SHAPES {
        let w = pack(&q8_0_weight(&mut rng, n, k));
        let bias: Vec<f32> = (0..n).map(|_| rng.unit()).collect();
        for m in ROWS {
            let a = QuantizedRows::quantize(&rng.activations(m * k), k).expect("quantize");
            for bias in [None, Some(&bias[..])] {
                let mut want = vec![0f32; m * n];
                q8::scalar::gemm_slow(&a, &w, bias, &mut want);
                let mut got = vec![f32::NAN; m * n];
                q8::gemm(&a, &w, bias, &mut got);
                assert_bits_equal(&format!("gemm m {m} [{n}, {k}] bias {}", bias.is_some()), &got, &want);
                #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
                every_tile_equals(&a, &w, bias, &want, &format!("m {m} [{n}, {k}]"));
            }
        }
    }
}

/// The threads build's column split: every cut of the output columns (run on
/// rayon's pool with `--features threads`, one block after another without)
/// gives the single-call result bit for bit, remainder groups included.
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn column_split_equals_one_call_bit_for_bit() {
    let mut rng = Rng::new(11);
    for (n, k) in SHAPES {
        let w = pack(&q8_0_weight(&mut rng, n, k));
        let bias: Vec<f32> = (0..n).map(|_| rng.unit()).collect();
        for m in [1, 27] {
            let a = QuantizedRows::quantize(&rng.activations(m * k), k).expect("quantize");
            for bias in [None, Some(&bias[..])] {
                let mut want = vec![0f32; m * n];
                let mut got = vec![f32::NAN; m * n];
                q8::gemm(&a, &w, bias, &mut want);
                for tasks in [2, 3, 7] {
                    q8::parallel::split_columns_into(tasks, &a, m, &w, bias, &mut got, q8::gemm);
                    assert_bits_equal(&format!("{tasks} tasks, m {m} [{n}, {k}] bias {}", bias.is_some()), &got, &want);
                }
            }
        }
    }
}

/// The same split inside a spinning team (T5 calls in the threads build):
/// `linear` within `with_team` gives the single-call result bit for bit,
/// one-row layers (split there from 2^16 multiply-adds) included.
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn team_split_equals_one_call_bit_for_bit() {
    use nunchi_engine::cpu::{team, threads};
    threads::set_threads(2);
    let mut rng = Rng::new(13);
    for (n, k) in [(1536, 384), (384, 1536), (512, 384)] {
        let w = pack(&q8_0_weight(&mut rng, n, k));
        let bias: Vec<f32> = (0..n).map(|_| rng.unit()).collect();
        for m in [1, 27] {
            let x = rng.activations(m * k);
            let mut want = vec![0f32; m * n];
            q8::gemm(&QuantizedRows::quantize(&x, k).expect("quantize"), &w, Some(&bias), &mut want);
            let got = team::with_team(|| q8::linear(&x, &w, Some(&bias))).expect("linear");
            assert_bits_equal(&format!("team m {m} [{n}, {k}]"), &got, &want);
        }
    }
}

/// A column block borrows exactly its groups: its quants and scales are the
/// parent's, and its `n` stops at the parent's last real column.
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn column_groups_view_the_parents_columns() {
    let mut rng = Rng::new(12);
    let w = pack(&q8_0_weight(&mut rng, 30, 64));
    assert_eq!(w.groups(), 8);
    let part = w.column_groups(5..8);
    assert_eq!((part.n(), part.k(), part.groups()), (10, 64, 3));
    for row in 0..part.n() {
        for b in 0..part.blocks() {
            assert_eq!(part.scale(row, b), w.scale(20 + row, b));
            for j in 0..BLOCK {
                assert_eq!(part.quant(row, b, j), w.quant(20 + row, b, j));
            }
        }
    }
    assert_eq!(w.column_groups(8..8).n(), 0);
}

/// Every register-tile shape the SIMD driver accepts, remainders included.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn every_tile_equals(a: &QuantizedRows, w: &PackedQ8Matrix, bias: Option<&[f32]>, want: &[f32], what: &str) {
    use q8::wasm::gemm_tiled;
    type Gemm = fn(&QuantizedRows, &PackedQ8Matrix, Option<&[f32]>, &mut [f32]);
    let runs: [(&str, Gemm); 6] = [
        ("1x1", gemm_tiled::<1, 1>),
        ("3x1", gemm_tiled::<3, 1>),
        ("6x1", gemm_tiled::<6, 1>),
        ("2x2", gemm_tiled::<2, 2>),
        ("5x2", gemm_tiled::<5, 2>),
        ("4x3", gemm_tiled::<4, 3>),
    ];
    for (tile, run) in runs {
        let mut got = vec![f32::NAN; want.len()];
        run(a, w, bias, &mut got);
        assert_bits_equal(&format!("tile {tile}, {what}"), &got, want);
    }
}

/// ggml's q8_0 matmul, as candle's generic `QMatMul` computes it, in f64:
/// each activation row quantized by candle (`BlockQ8_0::from_float`, f16
/// scales), each block's integer dot scaled by both block scales. (On CPUs
/// with AVX512-VNNI, candle's `QMatMul` takes a repacked path for some shapes
/// that quantizes the activations its own way, so it is no fixed reference.)
fn ggml_q8_0_matmul(x: &[f32], k: usize, w: &QTensor) -> Vec<f32> {
    let (n, wk) = w.shape().dims2().expect("2-D weight");
    assert_eq!(wk, k);
    let bytes = w.data().expect("weight bytes");
    let blocks = k / BLOCK;
    let weights = q8_0_blocks(&bytes, n * blocks);
    let mut out = Vec::with_capacity(x.len() / k * n);
    for row in x.chunks_exact(k) {
        let acts = candle_blocks(row);
        for col in weights.chunks_exact(blocks) {
            let dot: f64 = acts
                .iter()
                .zip(col)
                .map(|(a, w)| {
                    let q: i32 = a.qs.iter().zip(&w.qs).map(|(&p, &q)| i32::from(p) * i32::from(q)).sum();
                    f64::from(a.scale()) * f64::from(w.scale()) * f64::from(q)
                })
                .sum();
            out.push(dot as f32);
        }
    }
    out
}

/// Our linear against ggml's q8_0 matmul ([`ggml_q8_0_matmul`]) on the same
/// weights and inputs.
///
/// Tolerance: 1e-3 of Σ|x·w| per output. The integer block sums are the same;
/// the floats differ because candle rounds each activation scale to f16
/// (relative error up to 2^-11 ≈ 4.9e-4 per block, we keep f32) and we sum
/// in f32 (a few f32 ulps of Σ|terms|).
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn linear_matches_ggml_q8_0() {
    let mut rng = Rng::new(5);
    for (n, k) in SHAPES {
        let w = q8_0_weight(&mut rng, n, k);
        let packed = pack(&w);
        for m in ROWS {
            let x = rng.activations(m * k);
            let want = ggml_q8_0_matmul(&x, k, &w);
            let got = q8::linear(&x, &packed, None).expect("linear");
            assert_close(&format!("m {m} [{n}, {k}]"), &got, &want, &magnitudes(&x, &w), 1e-3);
        }
    }
}

/// Through the backend (our kernel on wasm32 + simd128, candle elsewhere), with
/// a bias and a 3-D input: against candle's `QMatMul` plus the bias.
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn backend_linear_matches_candle_with_bias() {
    // The wasm run must exercise the SIMD kernel, not silently the scalar one.
    assert_eq!(q8::HAS_SIMD_KERNEL, cfg!(target_arch = "wasm32"), "wasm tests need -C target-feature=+simd128");
    let mut rng = Rng::new(6);
    let backend = CpuBackend::new();
    for (n, k) in [(384, 384), (387, 96)] {
        let w = q8_0_weight(&mut rng, n, k);
        let candle = QMatMul::from_qtensor(copy(&w)).expect("QMatMul");
        let matrix = backend.matrix(copy(&w)).expect("matrix");
        assert_eq!(matrix.uses_packed_q8(), q8::HAS_SIMD_KERNEL);
        let bias: Vec<f32> = (0..n).map(|_| rng.unit()).collect();
        let bias_t = backend.tensor(&bias, &[n]).expect("bias");
        let x = rng.activations(2 * 9 * k);
        let xt = backend.tensor(&x, &[2, 9, k]).expect("x");
        let got = backend.linear(&xt, &matrix, Some(&bias_t)).expect("linear");
        assert_eq!(backend.dims(&got), vec![2, 9, n]);
        let got = backend.to_vec(&got).expect("got");
        let want = candle.forward(&xt).and_then(|y| y.broadcast_add(&bias_t)).expect("candle");
        assert_close(&format!("backend [{n}, {k}]"), &got, &backend.to_vec(&want).expect("want"), &magnitudes(&x, &w), 1e-3);
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn bad_shapes_are_errors_not_panics() {
    let mut rng = Rng::new(7);
    // Rows that are not whole blocks.
    assert!(PackedQ8Matrix::from_q8_0_bytes(&[0u8; 2 * 34], 2, 48).is_err());
    assert!(PackedQ8Matrix::from_q8_0_bytes(&[], 0, 0).is_err());
    // Bytes that do not fill the shape.
    assert!(PackedQ8Matrix::from_q8_0_bytes(&[0u8; 33], 1, 32).is_err());
    let w = pack(&q8_0_weight(&mut rng, 8, 64));
    // Input not whole rows, wrong bias length.
    assert!(q8::linear(&[0.0; 65], &w, None).is_err());
    assert!(q8::linear(&[0.0; 64], &w, Some(&[0.0; 7])).is_err());
    assert!(QuantizedRows::quantize(&[0.0; 48], 48).is_err());
    assert!(QuantizedRows::quantize(&[0.0; 65], 64).is_err());
    // The backend: an input whose last dimension is not the weight's k.
    let backend = CpuBackend::new();
    let matrix = backend.matrix(q8_0_weight(&mut rng, 8, 64)).expect("matrix");
    let x = backend.tensor(&[0.0; 96], &[3, 32]).expect("x");
    assert!(backend.linear(&x, &matrix, None).is_err());
}

/// The build's activation quantizer (SIMD on wasm32) against the scalar
/// reference, on random blocks and on blocks with `amax = 127` (so `d = 1` and
/// every value is its own quant input), whose halves test the rounding.
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn activation_quantizer_equals_scalar_reference() {
    let mut rng = Rng::new(12);
    let ties =
        [0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 126.5, -126.5, 0.49999997, -0.49999997, 0.50000006, 0.0, -0.0, 1e-30, 63.5, -63.5];
    let mut x: Vec<f32> = Vec::new();
    for block in 0..64 {
        let mut values: Vec<f32> =
            if block % 2 == 0 { rng.activations(BLOCK) } else { (0..BLOCK).map(|i| ties[(i + block) % ties.len()]).collect() };
        if block % 2 == 1 {
            values[BLOCK - 1] = if block % 4 == 1 { 127.0 } else { -127.0 };
        }
        x.extend(values);
    }
    let k = 4 * BLOCK;
    let ours = QuantizedRows::quantize(&x, k).expect("quantize");
    for (i, xs) in x.chunks(BLOCK).enumerate() {
        let mut want = [0i16; BLOCK];
        let d = q8::quantize::quantize_block_slow(xs, &mut want);
        let (row, b) = (i / ours.blocks(), i % ours.blocks());
        assert_eq!(ours.scale(row, b).to_bits(), d.to_bits(), "block {i} scale");
        assert_eq!(ours.block_quants(row, b), &want[..], "block {i} quants of {xs:?}");
    }
}
