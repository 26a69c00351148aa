//! Softmax over the last dimension.

use nunchi_engine::{Error, Result};

use super::u32s;
use crate::backend::{Bind, GpuBackend};
use crate::pipelines::Kernel;
use crate::tensor::GpuTensor;
use crate::uniform::uniform;

/// The softmax kernel (no variants).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Softmax;

uniform! {
    pub(crate) struct Params {
        rows: u32,
        dim: u32,
    }
}

impl Kernel for Softmax {
    type Params = Params;

    fn wgsl(self) -> [&'static str; 2] {
        ["", include_str!("../kernels/softmax.wgsl")]
    }

    fn variants() -> Vec<Self> {
        vec![Softmax]
    }
}

pub(crate) fn softmax(gpu: &GpuBackend, x: &GpuTensor) -> Result<GpuTensor> {
    let dim = *x.dims.last().ok_or_else(|| Error::backend("softmax of a scalar"))?;
    let rows = x.elem_count() / dim.max(1);
    let [rows_u, dim_u] = u32s([rows, dim], "softmax")?;
    let params = Params { rows: rows_u, dim: dim_u };
    let out = gpu.output(x.elem_count(), "softmax")?;
    gpu.dispatch(Softmax, &params, &[Bind(1, &x.buffer), Bind(2, &out)], gpu.grid(rows))?;
    Ok(gpu.tensor_from(out, x.dims.clone()))
}
