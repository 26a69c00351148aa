//! Batched f32 matrix product with broadcast batch dimensions (attention's
//! q·kᵀ and probs·v).

use nunchi_engine::{Error, Result};

use super::{rank4, u32s};
use crate::backend::{Bind, GpuBackend};
use crate::pipelines::Kernel;
use crate::tensor::GpuTensor;
use crate::uniform::uniform;

const TILE: usize = 16;

/// The batched matmul kernel (no variants).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Matmul;

uniform! {
    pub(crate) struct Params {
        /// o0, o1, -, -
        batch_dims: [u32; 4],
        /// Batch strides of a: s0, s1, -, -
        a_strides: [u32; 4],
        b_strides: [u32; 4],
        m: u32,
        k: u32,
        n: u32,
    }
}

impl Kernel for Matmul {
    type Params = Params;

    fn wgsl(self) -> [&'static str; 2] {
        ["", include_str!("../kernels/matmul.wgsl")]
    }

    fn variants() -> Vec<Self> {
        vec![Matmul]
    }
}

pub(crate) fn matmul(gpu: &GpuBackend, a: &GpuTensor, b: &GpuTensor) -> Result<GpuTensor> {
    let bad = || Error::backend(format!("matmul: shapes {:?} and {:?} do not multiply", a.dims, b.dims));
    if a.dims.len() < 2 || b.dims.len() < 2 {
        return Err(bad());
    }
    let [a0, a1, m, k] = rank4(&a.dims, "matmul")?;
    let [b0, b1, kb, n] = rank4(&b.dims, "matmul")?;
    let batch = |x: usize, y: usize| match (x, y) {
        _ if x == y => Some(x),
        (1, y) => Some(y),
        (x, 1) => Some(x),
        _ => None,
    };
    let (Some(o0), Some(o1)) = (batch(a0, b0), batch(a1, b1)) else { return Err(bad()) };
    if k != kb {
        return Err(bad());
    }
    // A batch dimension of size 1 repeats: stride 0.
    let stride = |size: usize, step: usize| if size == 1 { 0 } else { step };
    let params = Params {
        batch_dims: u32s([o0, o1, 0, 0], "matmul")?,
        a_strides: u32s([stride(a0, a1 * m * k), stride(a1, m * k), 0, 0], "matmul")?,
        b_strides: u32s([stride(b0, b1 * k * n), stride(b1, k * n), 0, 0], "matmul")?,
        m: u32s([m], "matmul")?[0],
        k: u32s([k], "matmul")?[0],
        n: u32s([n], "matmul")?[0],
    };
    let mut out_dims = if a.dims.len() >= b.dims.len() { a.dims.clone() } else { b.dims.clone() };
    let rank = out_dims.len();
    out_dims[rank - 2] = m;
    out_dims[rank - 1] = n;
    for (i, o) in [o0, o1].into_iter().enumerate() {
        if let Some(d) = (i + rank).checked_sub(4) {
            if d < rank - 2 {
                out_dims[d] = o;
            }
        }
    }
    let out = gpu.output(o0 * o1 * m * n, "matmul")?;
    let groups = u32s([n.div_ceil(TILE), m.div_ceil(TILE), o0 * o1], "matmul")?;
    gpu.dispatch(Matmul, &params, &[Bind(1, &a.buffer), Bind(2, &b.buffer), Bind(3, &out)], groups)?;
    Ok(gpu.tensor_from(out, out_dims))
}
