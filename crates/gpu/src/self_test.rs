//! A known-answer check run on an adapter before a model trusts it: a few
//! small ops on fixed inputs, against the CPU backend computing the same
//! thing. Quantized models giving wrong answers on some GPUs is a known
//! failure of the incumbent; a wrong adapter here means falling back, not
//! answering wrongly.

use nunchi_engine::candle_core::quantized::{GgmlDType, QTensor};
use nunchi_engine::candle_core::{Device, Tensor};
use nunchi_engine::{Activation, Backend, CpuBackend, Error, Result};

use crate::backend::GpuBackend;

/// Largest difference allowed: the ops below produce values of order 1, and
/// correct kernels agree with the CPU to about 1e-6.
const TOLERANCE: f32 = 1e-3;

/// Fixed pseudo-random values in [-1, 1).
fn values(n: usize, seed: u32) -> Vec<f32> {
    let mut s = seed.wrapping_mul(2_654_435_761) | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            (s >> 8) as f32 / (1u32 << 23) as f32 - 1.0
        })
        .collect()
}

const N: usize = 40;
const K: usize = 64;

/// The check's q8_0 weight `[N, K]`.
fn weight() -> Result<QTensor> {
    let w = Tensor::from_vec(values(N * K, 1), (N, K), &Device::Cpu)?;
    Ok(QTensor::quantize(&w, GgmlDType::Q8_0)?)
}

/// linear → GELU → layer norm → softmax on a [3, 64] input, the same chain
/// on both backends; returns the output.
async fn chain<B: Backend>(b: &B, weight: QTensor) -> Result<Vec<f32>> {
    let (n, k) = (N, K);
    let w = b.matrix(weight)?;
    let x = b.tensor(&values(3 * k, 2), &[3, k])?;
    let bias = b.tensor(&values(n, 3), &[n])?;
    let h = b.activation(&b.linear(&x, &w, Some(&bias))?, Activation::GeluErf)?;
    let h = b.layer_norm(&h, &b.tensor(&values(n, 4), &[n])?, &b.tensor(&values(n, 5), &[n])?, 1e-12)?;
    b.read(&b.softmax(&h)?).await
}

/// Runs the check; an error names what went wrong.
pub async fn self_test(gpu: &GpuBackend) -> Result<()> {
    let got = chain(gpu, weight()?).await?;
    // The CPU's quantized matmul rounds activations to int8; give it the same
    // weight values widened to f32, so the two compute the same thing.
    let widened = QTensor::quantize(&weight()?.dequantize(&Device::Cpu)?, GgmlDType::F32)?;
    let want = chain(&CpuBackend::new(), widened).await?;
    // NaN-propagating: `f32::max` would drop a NaN, and a NaN is a wrong answer.
    let worst =
        got.iter()
            .zip(&want)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, |m: f32, d| if m.is_nan() || d.is_nan() { f32::NAN } else { m.max(d) });
    if got.len() != want.len() || worst.is_nan() || worst > TOLERANCE {
        return Err(Error::backend(format!(
            "the WebGPU adapter failed nunchi's known-answer check (max difference {worst} > {TOLERANCE})"
        )));
    }
    Ok(())
}
