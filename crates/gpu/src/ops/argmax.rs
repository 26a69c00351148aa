//! Argmax over the last dimension (greedy decoding's next token).

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

/// Indices are written as f32: exact up to 2²⁴, far above any vocabulary here.
const MAX_DIM: usize = 1 << 24;

pub(crate) fn argmax(gpu: &GpuBackend, x: &GpuTensor) -> Result<GpuTensor> {
    let (&dim, outer) = x.dims.split_last().ok_or_else(|| Error::input("argmax of a scalar"))?;
    if dim == 0 || dim > MAX_DIM {
        return Err(Error::input(format!("argmax: the last dimension must hold 1 to {MAX_DIM} values, got {dim}")));
    }
    let rows = x.elem_count() / dim;
    let [rows_u, dim_u] = u32s([rows, dim], "argmax")?;
    let params = Params { rows: rows_u, dim: dim_u, _pad: [0; 2] };
    let out = gpu.output(rows, "argmax")?;
    gpu.dispatch(
        KernelKey::new(Kernel::Argmax, ""),
        bytemuck::bytes_of(&params),
        &[Bind(1, &x.buffer), Bind(2, &out)],
        gpu.grid(rows),
    )?;
    Ok(gpu.tensor_from(out, outer.to_vec()))
}
