//! Layer norm and T5's RMS norm over the last dimension.

use nunchi_engine::{Error, Result};

use super::u32s;
use crate::backend::{Bind, GpuBackend};
use crate::pipelines::Kernel;
use crate::tensor::GpuTensor;
use crate::uniform::uniform;

/// The norm kernel's variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Norm {
    Layer,
    /// T5's: no centring, no beta.
    Rms,
}

uniform! {
    pub(crate) struct Params {
        rows: u32,
        dim: u32,
        eps: f32,
    }
}

impl Kernel for Norm {
    type Params = Params;

    fn wgsl(self) -> [&'static str; 2] {
        let rms_only = match self {
            Norm::Layer => "const RMS_ONLY: bool = false;",
            Norm::Rms => "const RMS_ONLY: bool = true;",
        };
        [rms_only, include_str!("../kernels/norm.wgsl")]
    }

    fn variants() -> Vec<Self> {
        vec![Norm::Layer, Norm::Rms]
    }
}

fn norm(gpu: &GpuBackend, x: &GpuTensor, gamma: &GpuTensor, beta: Option<&GpuTensor>, eps: f32, kind: Norm) -> Result<GpuTensor> {
    let variant = match kind {
        Norm::Layer => "layer",
        Norm::Rms => "rms",
    };
    let dim = *x.dims.last().ok_or_else(|| Error::backend(format!("{variant} norm of a scalar")))?;
    for (name, p) in [("gamma", Some(gamma)), ("beta", beta)] {
        if let Some(p) = p {
            if p.elem_count() != dim {
                return Err(Error::backend(format!("{variant} norm: {name} of shape {:?} for rows of {dim}", p.dims)));
            }
        }
    }
    let rows = x.elem_count() / dim.max(1);
    let [rows_u, dim_u] = u32s([rows, dim], variant)?;
    let params = Params { rows: rows_u, dim: dim_u, eps };
    let out = gpu.output(x.elem_count(), variant)?;
    // RMS norm has no beta; its kernel variant never reads the binding.
    let beta = beta.unwrap_or(gamma);
    gpu.dispatch(
        kind,
        &params,
        &[Bind(1, &x.buffer), Bind(2, &gamma.buffer), Bind(3, &beta.buffer), Bind(4, &out)],
        gpu.grid(rows),
    )?;
    Ok(gpu.tensor_from(out, x.dims.clone()))
}

pub(crate) fn layer_norm(gpu: &GpuBackend, x: &GpuTensor, gamma: &GpuTensor, beta: &GpuTensor, eps: f32) -> Result<GpuTensor> {
    norm(gpu, x, gamma, Some(beta), eps, Norm::Layer)
}

pub(crate) fn rms_norm(gpu: &GpuBackend, x: &GpuTensor, gamma: &GpuTensor, eps: f32) -> Result<GpuTensor> {
    norm(gpu, x, gamma, None, eps, Norm::Rms)
}
