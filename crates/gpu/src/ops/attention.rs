//! `softmax(scale · q·kᵀ + bias) · v`, composed from the tested kernels
//! (transpose, matmul, broadcast add/mul, softmax).

use nunchi_engine::{Backend, Error, Result};

use crate::backend::GpuBackend;
use crate::ops::binary::{binary, BinaryOp};
use crate::ops::{copy, matmul::matmul, softmax::softmax};
use crate::tensor::GpuTensor;

pub(crate) fn attention(
    gpu: &GpuBackend,
    q: &GpuTensor,
    k: &GpuTensor,
    v: &GpuTensor,
    bias: Option<&GpuTensor>,
    scale: f32,
) -> Result<GpuTensor> {
    let ([b, h, _, d], [kb, kh, tk, kd], [vb, vh, vt, _]) = (dims4(q)?, dims4(k)?, dims4(v)?);
    if (kb, kh, kd) != (b, h, d) || (vb, vh, vt) != (b, h, tk) {
        return Err(Error::backend(format!("attention: q {:?}, k {:?}, v {:?} do not match", q.dims, k.dims, v.dims)));
    }
    let mut scores = matmul(gpu, q, &copy::transpose(gpu, k, 2, 3)?)?;
    if scale != 1.0 {
        scores = binary(gpu, &scores, &gpu.tensor(&[scale], &[1])?, BinaryOp::Mul)?;
    }
    if let Some(bias) = bias {
        scores = binary(gpu, &scores, bias, BinaryOp::Add)?;
    }
    matmul(gpu, &softmax(gpu, &scores)?, v)
}

fn dims4(x: &GpuTensor) -> Result<[usize; 4]> {
    <[usize; 4]>::try_from(x.dims.as_slice())
        .map_err(|_| Error::backend(format!("attention: expected [batch, heads, tokens, dim], got {:?}", x.dims)))
}
