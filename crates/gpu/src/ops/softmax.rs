//! Softmax over the last dimension.

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
    _pad: [u32; 2],
}

pub(crate) fn softmax(gpu: &GpuBackend, x: &GpuTensor) -> Result<GpuTensor> {
    let dim = *x.dims.last().ok_or_else(|| Error::backend("softmax of a scalar"))?;
    let rows = x.elem_count() / dim.max(1);
    let [rows_u, dim_u] = u32s([rows, dim], "softmax")?;
    let params = Params { rows: rows_u, dim: dim_u, _pad: [0; 2] };
    let out = gpu.output(x.elem_count(), "softmax")?;
    gpu.dispatch(
        KernelKey::new(Kernel::Softmax, ""),
        bytemuck::bytes_of(&params),
        &[Bind(1, &x.buffer), Bind(2, &out)],
        gpu.grid(rows),
    )?;
    Ok(gpu.tensor_from(out, x.dims.clone()))
}
