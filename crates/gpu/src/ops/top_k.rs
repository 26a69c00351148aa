//! The k largest values per row and their indices (top-k sampling's candidates).

use nunchi_engine::{Error, Result};

use super::u32s;
use crate::backend::{Bind, GpuBackend};
use crate::pipelines::Kernel;
use crate::tensor::GpuTensor;
use crate::uniform::uniform;

/// The top-k kernel (no variants; k is a uniform).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct TopK;

uniform! {
    pub(crate) struct Params {
        rows: u32,
        dim: u32,
        k: u32,
    }
}

impl Kernel for TopK {
    type Params = Params;

    fn wgsl(self) -> [&'static str; 2] {
        ["", include_str!("../kernels/top_k.wgsl")]
    }

    fn variants() -> Vec<Self> {
        vec![TopK]
    }
}

/// Indices are written as f32: exact up to 2²⁴.
const MAX_DIM: usize = 1 << 24;
/// Each pick is one pass over the row: meant for sampling's few candidates.
pub(crate) const MAX_K: usize = 1024;

pub(crate) fn top_k(gpu: &GpuBackend, x: &GpuTensor, k: usize) -> Result<(GpuTensor, GpuTensor)> {
    let (&dim, outer) = x.dims.split_last().ok_or_else(|| Error::input("top_k of a scalar"))?;
    if dim == 0 || dim > MAX_DIM {
        return Err(Error::input(format!("top_k: the last dimension must hold 1 to {MAX_DIM} values, got {dim}")));
    }
    if k == 0 || k > MAX_K {
        return Err(Error::input(format!("top_k: k must be 1 to {MAX_K} on WebGPU, got {k}")));
    }
    let k = k.min(dim);
    let rows = x.elem_count() / dim;
    let [rows_u, dim_u, k_u] = u32s([rows, dim, k], "top_k")?;
    let params = Params { rows: rows_u, dim: dim_u, k: k_u };
    let values = gpu.output(rows * k, "top_k values")?;
    let indices = gpu.output(rows * k, "top_k indices")?;
    gpu.dispatch(TopK, &params, &[Bind(1, &x.buffer), Bind(2, &values), Bind(3, &indices)], gpu.grid(rows))?;
    let mut dims = outer.to_vec();
    dims.push(k);
    Ok((gpu.tensor_from(values, dims.clone()), gpu.tensor_from(indices, dims)))
}
