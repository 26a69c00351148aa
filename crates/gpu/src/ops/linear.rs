//! `x · Wᵀ + bias` with W in its stored format, dequantized inside the kernel.
//! One input row (batch-1 decode) takes the matrix–vector kernel; inputs a
//! multiple of 4 wide take the 4×4-blocked kernel; others the 16×16 tiled one.

use nunchi_engine::{Error, Result};

use super::u32s;
use crate::backend::{Bind, GpuBackend};
use crate::ops::binary::{binary, BinaryOp};
use crate::pipelines::Kernel;
use crate::tensor::GpuTensor;
use crate::uniform::uniform;
use crate::weights::{GpuWeights, WeightFormat};

const TILE: usize = 16;

/// The linear kernels: how the output is split among threads, times the
/// weight's stored format (every pair is a kernel).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Linear {
    pub tiling: Tiling,
    pub format: WeightFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Tiling {
    /// 16×16 output tiles through workgroup memory (`linear.wgsl`): any k.
    Tile16,
    /// A 4×4 output block per thread (`linear_blocked.wgsl`): k a multiple of 4.
    Block4,
    /// One workgroup per output feature (`linear_vec.wgsl`): one input row.
    MatVec,
}

uniform! {
    pub(crate) struct Params {
        m: u32,
        k: u32,
        /// Output features of the weight part bound (its rows).
        n: u32,
        has_bias: u32,
        /// Where the part's outputs go in each output row, and that row's width.
        col_offset: u32,
        out_stride: u32,
    }
}

impl Kernel for Linear {
    type Params = Params;

    fn wgsl(self) -> [&'static str; 2] {
        let body = match self.tiling {
            Tiling::Tile16 => include_str!("../kernels/linear.wgsl"),
            Tiling::Block4 => include_str!("../kernels/linear_blocked.wgsl"),
            Tiling::MatVec => include_str!("../kernels/linear_vec.wgsl"),
        };
        [self.format.wgsl(), body]
    }

    fn variants() -> Vec<Self> {
        let tilings = [Tiling::Tile16, Tiling::Block4, Tiling::MatVec];
        tilings.into_iter().flat_map(|tiling| WeightFormat::ALL.map(|format| Linear { tiling, format })).collect()
    }
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
        let params = Params { m: m_u, k: k_u, n: n_u, has_bias: fused.is_some() as u32, col_offset: offset, out_stride: stride };
        let mut binds = vec![Bind(1, &x.buffer), Bind(2, &out), Bind(3, bias_buffer), Bind(4, &part.data)];
        if let Some(scales) = &part.scales {
            binds.push(Bind(5, scales));
        }
        let rows = part.rows;
        let (tiling, groups) = if m == 1 {
            (Tiling::MatVec, gpu.grid(rows))
        } else if k % 4 == 0 {
            (Tiling::Block4, gpu.grid((m.div_ceil(4) * rows.div_ceil(4)).div_ceil(64)))
        } else {
            (Tiling::Tile16, u32s([rows.div_ceil(TILE), m.div_ceil(TILE), 1], "linear")?)
        };
        gpu.dispatch(Linear { tiling, format: w.format }, &params, &binds, groups)?;
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
