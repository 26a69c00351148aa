//! Element-wise add and multiply with NumPy-style broadcasting.

use nunchi_engine::{Error, Result};

use super::{groups_of_256, rank4, u32s};
use crate::backend::{Bind, GpuBackend};
use crate::pipelines::Kernel;
use crate::tensor::{strides, GpuTensor};
use crate::uniform::uniform;

/// The binary kernel's variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum BinaryOp {
    Add,
    Mul,
}

impl BinaryOp {
    fn name(self) -> &'static str {
        match self {
            BinaryOp::Add => "add",
            BinaryOp::Mul => "mul",
        }
    }
}

uniform! {
    pub(crate) struct Params {
        dims: [u32; 4],
        a_strides: [u32; 4],
        b_strides: [u32; 4],
        count: u32,
    }
}

impl Kernel for BinaryOp {
    type Params = Params;

    fn wgsl(self) -> [&'static str; 2] {
        let op = match self {
            BinaryOp::Add => "fn op(a: f32, b: f32) -> f32 { return a + b; }",
            BinaryOp::Mul => "fn op(a: f32, b: f32) -> f32 { return a * b; }",
        };
        [op, include_str!("../kernels/binary.wgsl")]
    }

    fn variants() -> Vec<Self> {
        vec![BinaryOp::Add, BinaryOp::Mul]
    }
}

/// The broadcast shape of `a` and `b` (dimensions aligned from the right).
pub(crate) fn broadcast_dims(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let rank = a.len().max(b.len());
    let at = |d: &[usize], i: usize| if i + d.len() >= rank { d[i + d.len() - rank] } else { 1 };
    (0..rank)
        .map(|i| match (at(a, i), at(b, i)) {
            (x, y) if x == y => Some(x),
            (1, y) => Some(y),
            (x, 1) => Some(x),
            _ => None,
        })
        .collect()
}

/// Strides of `dims` read as the rank-4 `out` shape: 0 where `dims` broadcasts.
fn broadcast_strides(dims: &[usize], out: &[usize; 4], op: &str) -> Result<[usize; 4]> {
    let d = rank4(dims, op)?;
    let s = strides(&d);
    Ok(std::array::from_fn(|i| if d[i] == 1 && out[i] != 1 { 0 } else { s[i] }))
}

pub(crate) fn binary(gpu: &GpuBackend, a: &GpuTensor, b: &GpuTensor, op: BinaryOp) -> Result<GpuTensor> {
    let name = op.name();
    let out_dims = broadcast_dims(&a.dims, &b.dims)
        .ok_or_else(|| Error::backend(format!("{name}: shapes {:?} and {:?} do not broadcast", a.dims, b.dims)))?;
    let dims = rank4(&out_dims, name)?;
    let count: usize = out_dims.iter().product();
    let params = Params {
        dims: u32s(dims, name)?,
        a_strides: u32s(broadcast_strides(&a.dims, &dims, name)?, name)?,
        b_strides: u32s(broadcast_strides(&b.dims, &dims, name)?, name)?,
        count: u32s([count], name)?[0],
    };
    let out = gpu.output(count, name)?;
    gpu.dispatch(op, &params, &[Bind(1, &a.buffer), Bind(2, &b.buffer), Bind(3, &out)], gpu.grid(groups_of_256(count)))?;
    Ok(gpu.tensor_from(out, out_dims))
}
