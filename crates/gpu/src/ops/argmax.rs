//! Argmax over the last dimension (greedy decoding's next token).

use nunchi_engine::{Error, Result};

use super::u32s;
use crate::backend::{Bind, GpuBackend};
use crate::pipelines::Kernel;
use crate::tensor::GpuTensor;
use crate::uniform::uniform;

/// The argmax kernel (no variants).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Argmax;

uniform! {
    pub(crate) struct Params {
        rows: u32,
        dim: u32,
    }
}

impl Kernel for Argmax {
    type Params = Params;

    fn wgsl(self) -> [&'static str; 2] {
        ["", include_str!("../kernels/argmax.wgsl")]
    }

    fn variants() -> Vec<Self> {
        vec![Argmax]
    }
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
    let params = Params { rows: rows_u, dim: dim_u };
    let out = gpu.output(rows, "argmax")?;
    gpu.dispatch(Argmax, &params, &[Bind(1, &x.buffer), Bind(2, &out)], gpu.grid(rows))?;
    Ok(gpu.tensor_from(out, outer.to_vec()))
}
