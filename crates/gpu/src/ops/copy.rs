//! Layout changes as strided copies of a rank-4 view: transpose, narrow, concat.

use nunchi_engine::{Error, Result};

use super::{groups_of_256, rank4, u32s, MAX_RANK};
use crate::backend::{Bind, GpuBackend};
use crate::pipelines::Kernel;
use crate::tensor::{strides, GpuTensor};
use crate::uniform::uniform;

/// The strided-copy kernel (no variants): transpose, narrow and concat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct StridedCopy;

uniform! {
    pub(crate) struct Params {
        dims: [u32; 4],
        src_strides: [u32; 4],
        dst_strides: [u32; 4],
        src_offset: u32,
        dst_offset: u32,
        count: u32,
    }
}

impl Kernel for StridedCopy {
    type Params = Params;

    fn wgsl(self) -> [&'static str; 2] {
        ["", include_str!("../kernels/copy.wgsl")]
    }

    fn variants() -> Vec<Self> {
        vec![StridedCopy]
    }
}

/// Copies the view `dims` (rank 4) of `src` into `dst`.
#[allow(clippy::too_many_arguments)]
fn copy_view(
    gpu: &GpuBackend,
    src: &wgpu::Buffer,
    dst: &wgpu::Buffer,
    dims: [usize; 4],
    src_strides: [usize; 4],
    src_offset: usize,
    dst_strides: [usize; 4],
    dst_offset: usize,
    op: &str,
) -> Result<()> {
    let count: usize = dims.iter().product();
    let params = Params {
        dims: u32s(dims, op)?,
        src_strides: u32s(src_strides, op)?,
        dst_strides: u32s(dst_strides, op)?,
        src_offset: u32s([src_offset], op)?[0],
        dst_offset: u32s([dst_offset], op)?[0],
        count: u32s([count], op)?[0],
    };
    gpu.dispatch(StridedCopy, &params, &[Bind(1, src), Bind(2, dst)], gpu.grid(groups_of_256(count)))
}

fn dense_strides4(dims: &[usize; 4]) -> [usize; 4] {
    let s = strides(dims);
    [s[0], s[1], s[2], s[3]]
}

pub(crate) fn transpose(gpu: &GpuBackend, x: &GpuTensor, d1: usize, d2: usize) -> Result<GpuTensor> {
    let rank = x.dims.len();
    if d1 >= rank || d2 >= rank {
        return Err(Error::backend(format!("transpose: dimensions {d1} and {d2} of shape {:?}", x.dims)));
    }
    let pad = MAX_RANK.saturating_sub(rank);
    let src = rank4(&x.dims, "transpose")?;
    let mut src_strides = dense_strides4(&src);
    let mut dims = src;
    dims.swap(d1 + pad, d2 + pad);
    src_strides.swap(d1 + pad, d2 + pad);
    let mut out_dims = x.dims.clone();
    out_dims.swap(d1, d2);
    let out = gpu.output(x.elem_count(), "transpose")?;
    copy_view(gpu, &x.buffer, &out, dims, src_strides, 0, dense_strides4(&dims), 0, "transpose")?;
    Ok(gpu.tensor_from(out, out_dims))
}

pub(crate) fn narrow(gpu: &GpuBackend, x: &GpuTensor, dim: usize, start: usize, len: usize) -> Result<GpuTensor> {
    if dim >= x.dims.len() || start + len > x.dims[dim] {
        return Err(Error::backend(format!("narrow: {start}..{} of dimension {dim} of shape {:?}", start + len, x.dims)));
    }
    let pad = MAX_RANK.saturating_sub(x.dims.len());
    let src = rank4(&x.dims, "narrow")?;
    let src_strides = dense_strides4(&src);
    let mut dims = src;
    dims[dim + pad] = len;
    let mut out_dims = x.dims.clone();
    out_dims[dim] = len;
    let out = gpu.output(dims.iter().product(), "narrow")?;
    let offset = start * src_strides[dim + pad];
    copy_view(gpu, &x.buffer, &out, dims, src_strides, offset, dense_strides4(&dims), 0, "narrow")?;
    Ok(gpu.tensor_from(out, out_dims))
}

pub(crate) fn concat(gpu: &GpuBackend, xs: &[&GpuTensor], dim: usize) -> Result<GpuTensor> {
    let first = xs.first().ok_or_else(|| Error::backend("concat: no tensors"))?;
    let rank = first.dims.len();
    if dim >= rank {
        return Err(Error::backend(format!("concat: dimension {dim} of shape {:?}", first.dims)));
    }
    for x in xs {
        let same = x.dims.len() == rank && (0..rank).all(|i| i == dim || x.dims[i] == first.dims[i]);
        if !same {
            return Err(Error::backend(format!("concat along {dim}: shapes {:?} and {:?} differ", first.dims, x.dims)));
        }
    }
    let mut out_dims = first.dims.clone();
    out_dims[dim] = xs.iter().map(|x| x.dims[dim]).sum();
    let pad = MAX_RANK.saturating_sub(rank);
    let out4 = rank4(&out_dims, "concat")?;
    let out_strides = dense_strides4(&out4);
    let out = gpu.output(out4.iter().product(), "concat")?;
    let mut offset = 0;
    for x in xs {
        let dims = rank4(&x.dims, "concat")?;
        copy_view(gpu, &x.buffer, &out, dims, dense_strides4(&dims), 0, out_strides, offset * out_strides[dim + pad], "concat")?;
        offset += x.dims[dim];
    }
    Ok(gpu.tensor_from(out, out_dims))
}
