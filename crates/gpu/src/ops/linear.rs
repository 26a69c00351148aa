//! `x · Wᵀ + bias` with W in its stored format, dequantized inside the kernel.
//! One input row (batch-1 decode) takes the matrix–vector kernel; inputs a
//! multiple of 4 wide take the 4×4-blocked kernel; others the 16×16 tiled one.

use bytemuck::{Pod, Zeroable};
use nunchi_engine::{Error, Result};

use super::u32s;
use crate::backend::{Bind, GpuBackend};
use crate::ops::binary::{binary, BinaryOp};
use crate::pipelines::{Kernel, KernelKey};
use crate::tensor::GpuTensor;
use crate::weights::GpuWeights;

const TILE: usize = 16;

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct Params {
    m: u32,
    k: u32,
    /// Output features of the weight part bound (its rows).
    n: u32,
    has_bias: u32,
    /// Where the part's outputs go in each output row, and that row's width.
    col_offset: u32,
    out_stride: u32,
    _pad: [u32; 2],
}

pub(crate) fn linear(gpu: &GpuBackend, x: &GpuTensor, w: &GpuWeights, bias: Option<&GpuTensor>) -> Result<GpuTensor> {
    let (n, k) = (w.rows, w.cols);
    if x.dims.last() != Some(&k) {
        return Err(Error::backend(format!("linear: input shape {:?} does not end in the weight's {k} inputs", x.dims)));
    }
    let m = x.elem_count() / k.max(1);
    // A bias of exactly n values is fused; any other shape is added after.
    let fused = bias.filter(|b| b.elem_count() == n);
    let out = gpu.output(m * n, "linear")?;
    // Without a bias the kernel still needs a buffer bound there; it never reads it.
    let bias_buffer = fused.map_or(&x.buffer, |b| &b.buffer);
    // One dispatch per part of the weight (one, unless it exceeds the binding limit);
    // each computes its rows' output features.
    for part in &w.parts {
        let [m_u, k_u, n_u, offset, stride] = u32s([m, k, part.rows, part.first_row, n], "linear")?;
        let params = Params {
            m: m_u,
            k: k_u,
            n: n_u,
            has_bias: fused.is_some() as u32,
            col_offset: offset,
            out_stride: stride,
            _pad: [0; 2],
        };
        let mut binds = vec![Bind(1, &x.buffer), Bind(2, &out), Bind(3, bias_buffer), Bind(4, &part.data)];
        if let Some(scales) = &part.scales {
            binds.push(Bind(5, scales));
        }
        let rows = part.rows;
        let (kernel, groups) = if m == 1 {
            (Kernel::LinearVec, gpu.grid(rows))
        } else if k % 4 == 0 {
            (Kernel::LinearBlocked, gpu.grid((m.div_ceil(4) * rows.div_ceil(4)).div_ceil(64)))
        } else {
            (Kernel::Linear, u32s([rows.div_ceil(TILE), m.div_ceil(TILE), 1], "linear")?)
        };
        gpu.dispatch(KernelKey::new(kernel, w.format.name()), bytemuck::bytes_of(&params), &binds, groups)?;
    }
    let mut out_dims = x.dims.clone();
    if let Some(last) = out_dims.last_mut() {
        *last = n;
    }
    let y = gpu.tensor_from(out, out_dims);
    match bias {
        Some(b) if fused.is_none() => binary(gpu, &y, b, BinaryOp::Add),
        _ => Ok(y),
    }
}
