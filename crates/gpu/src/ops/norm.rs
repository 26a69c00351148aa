//! Layer norm and T5's RMS norm over the last dimension.

use bytemuck::{Pod, Zeroable};
use nunchi_engine::{Error, Result};

use super::u32s;
use crate::backend::{Bind, GpuBackend};
use crate::pipelines::{Kernel, KernelKey};
use crate::tensor::GpuTensor;

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct Params {
    rows: u32,
    dim: u32,
    eps: f32,
    _pad: u32,
}

fn norm(gpu: &GpuBackend, x: &GpuTensor, gamma: &GpuTensor, beta: Option<&GpuTensor>, eps: f32, variant: &'static str) -> Result<GpuTensor> {
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
    let params = Params { rows: rows_u, dim: dim_u, eps, _pad: 0 };
    let out = gpu.output(x.elem_count(), variant)?;
    // RMS norm has no beta; its kernel variant never reads the binding.
    let beta = beta.unwrap_or(gamma);
    gpu.dispatch(
        KernelKey::new(Kernel::Norm, variant),
        bytemuck::bytes_of(&params),
        &[Bind(1, &x.buffer), Bind(2, &gamma.buffer), Bind(3, &beta.buffer), Bind(4, &out)],
        gpu.grid(rows),
    )?;
    Ok(gpu.tensor_from(out, x.dims.clone()))
}

pub(crate) fn layer_norm(gpu: &GpuBackend, x: &GpuTensor, gamma: &GpuTensor, beta: &GpuTensor, eps: f32) -> Result<GpuTensor> {
    norm(gpu, x, gamma, Some(beta), eps, "layer")
}

pub(crate) fn rms_norm(gpu: &GpuBackend, x: &GpuTensor, gamma: &GpuTensor, eps: f32) -> Result<GpuTensor> {
    norm(gpu, x, gamma, None, eps, "rms")
}
