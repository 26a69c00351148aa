//! GELU (`x · Φ(x)`, the erf form: transformers' `gelu`) as one candle op with
//! a written backward, `Φ(x) + x · φ(x)`.
//!
//! Written from candle's basic ops (`x/√2`, `erf`, `+1`, `·x`, `·½`) the graph
//! keeps four intermediate tensors per layer alive until the backward is
//! done, each as large as the feed-forward's widest activation; this op keeps
//! none. Its forward does the same f32 (or f64) operations in the same order
//! as those basic ops, so the values are the same bit for bit.

use candle_core::backend::BackendStorage;
use candle_core::cpu::erf::{erf_f32, erf_f64};
use candle_core::{bail, CpuStorage, CustomOp1, Layout, Result, Shape, Tensor};
use nunchi_engine::cpu::dense::autograd::contiguous_values;

/// `x · Φ(x) = x/2 · (1 + erf(x/√2))`, elementwise, differentiable; f32 or f64.
pub fn gelu_erf(x: &Tensor) -> Result<Tensor> {
    x.contiguous()?.apply_op1(GeluErf)
}

/// The forward, as candle computes `((x / √2).erf() + 1) · x · 0.5`: each
/// scalar `Tensor` op is an affine `v · mul + add` with `mul` cast to the dtype.
macro_rules! gelu_forward {
    ($t:ty, $erf:path, $x:expr) => {{
        let x: $t = $x;
        let u = x * (1.0 / std::f64::consts::SQRT_2) as $t + 0.0;
        let one_plus = $erf(u) * 1.0 + 1.0;
        (x * one_plus) * 0.5 + 0.0
    }};
}

/// `Φ(x) + x · φ(x)` with `Φ(x) = (1 + erf(x/√2)) / 2` and `φ(x) = e^{-x²/2} / √(2π)`.
macro_rules! gelu_derivative {
    ($t:ty, $erf:path, $x:expr) => {{
        let x: $t = $x;
        let cdf = 0.5 * (1.0 + $erf(x * std::f64::consts::FRAC_1_SQRT_2 as $t));
        let pdf = (-0.5 * x * x).exp() * (0.5 * std::f64::consts::FRAC_2_SQRT_PI * std::f64::consts::FRAC_1_SQRT_2) as $t;
        cdf + x * pdf
    }};
}

struct GeluErf;

impl CustomOp1 for GeluErf {
    fn name(&self) -> &'static str {
        "nunchi-gelu-erf"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        map_floats(self.name(), storage, layout, |x| gelu_forward!(f32, erf_f32, x), |x| gelu_forward!(f64, erf_f64, x))
    }

    fn bwd(&self, x: &Tensor, _res: &Tensor, grad: &Tensor) -> Result<Option<Tensor>> {
        Ok(Some(grad.mul(&x.apply_op1_no_bwd(&GeluErfDerivative)?)?))
    }
}

/// `d gelu / dx`, elementwise (the backward's factor).
struct GeluErfDerivative;

impl CustomOp1 for GeluErfDerivative {
    fn name(&self) -> &'static str {
        "nunchi-gelu-erf-derivative"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        map_floats(self.name(), storage, layout, |x| gelu_derivative!(f32, erf_f32, x), |x| gelu_derivative!(f64, erf_f64, x))
    }
}

/// `storage`'s values mapped elementwise, by `on_f32` or `on_f64` for its dtype.
fn map_floats(
    op: &str,
    storage: &CpuStorage,
    layout: &Layout,
    on_f32: impl Fn(f32) -> f32,
    on_f64: impl Fn(f64) -> f64,
) -> Result<(CpuStorage, Shape)> {
    let out = match storage {
        CpuStorage::F32(v) => CpuStorage::F32(contiguous_values(v, layout, op)?.iter().map(|&x| on_f32(x)).collect()),
        CpuStorage::F64(v) => CpuStorage::F64(contiguous_values(v, layout, op)?.iter().map(|&x| on_f64(x)).collect()),
        other => bail!("{op}: f32 or f64 only, got {:?}", other.dtype()),
    };
    Ok((out, layout.shape().clone()))
}
