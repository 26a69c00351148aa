//! The CPU backend on candle-core. On wasm32 with `+simd128`, candle's
//! quantized matmul uses its SIMD128 kernels for q8_0, q4_0 and k-quants.

use candle_core::quantized::{GgmlDType, QMatMul, QTensor};
use candle_core::{DType, Device, Module, Tensor, D};

use crate::backend::{Activation, Backend};
use crate::error::{Error, Result};

#[derive(Debug, Clone, Default)]
pub struct CpuBackend;

/// A weight matrix ready for `linear`: candle keeps quantized blocks as they
/// are and dequantizes f16/f32 to a dense tensor.
pub struct CpuMatrix {
    matmul: QMatMul,
    dtype: GgmlDType,
}

impl CpuMatrix {
    pub fn dtype(&self) -> GgmlDType {
        self.dtype
    }
}

pub struct CpuTable {
    weight: QTensor,
}

impl CpuBackend {
    pub fn new() -> Self {
        CpuBackend
    }
}

fn to_dense(t: Tensor) -> Result<Tensor> {
    Ok(t.contiguous()?)
}

impl Backend for CpuBackend {
    type Tensor = Tensor;
    type Matrix = CpuMatrix;
    type Table = CpuTable;

    fn name(&self) -> &'static str {
        "cpu"
    }

    fn matrix(&self, weight: QTensor) -> Result<CpuMatrix> {
        if weight.rank() != 2 {
            return Err(Error::format(format!("a weight matrix must be 2-D, got shape {:?}", weight.shape())));
        }
        let dtype = weight.dtype();
        Ok(CpuMatrix { matmul: QMatMul::from_qtensor(weight)?, dtype })
    }

    fn table(&self, weight: QTensor) -> Result<CpuTable> {
        if weight.rank() != 2 {
            return Err(Error::format(format!("an embedding table must be 2-D, got shape {:?}", weight.shape())));
        }
        Ok(CpuTable { weight })
    }

    fn tensor(&self, data: &[f32], dims: &[usize]) -> Result<Tensor> {
        let n: usize = dims.iter().product();
        if n != data.len() {
            return Err(Error::backend(format!("{} values do not fill shape {dims:?}", data.len())));
        }
        Ok(Tensor::from_slice(data, dims, &Device::Cpu)?)
    }

    fn to_vec(&self, x: &Tensor) -> Result<Vec<f32>> {
        Ok(x.flatten_all()?.to_dtype(DType::F32)?.to_vec1::<f32>()?)
    }

    fn dims(&self, x: &Tensor) -> Vec<usize> {
        x.dims().to_vec()
    }

    fn linear(&self, x: &Tensor, w: &CpuMatrix, bias: Option<&Tensor>) -> Result<Tensor> {
        let y = w.matmul.forward(&x.contiguous()?)?;
        match bias {
            Some(b) => Ok(y.broadcast_add(b)?),
            None => Ok(y),
        }
    }

    fn gather(&self, table: &CpuTable, ids: &[u32], dims: &[usize]) -> Result<Tensor> {
        let (rows, hidden) = table.weight.shape().dims2()?;
        if let Some(bad) = ids.iter().find(|&&id| id as usize >= rows) {
            return Err(Error::input(format!("token id {bad} is outside the embedding table of {rows} rows")));
        }
        let ids_t = Tensor::from_slice(ids, ids.len(), &Device::Cpu)?;
        let rows_t = table.weight.embedding(&ids_t)?;
        let mut shape = dims.to_vec();
        shape.push(hidden);
        Ok(rows_t.reshape(shape)?)
    }

    fn matmul(&self, a: &Tensor, b: &Tensor) -> Result<Tensor> {
        Ok(a.contiguous()?.broadcast_matmul(&b.contiguous()?)?)
    }

    fn layer_norm(&self, x: &Tensor, gamma: &Tensor, beta: &Tensor, eps: f32) -> Result<Tensor> {
        Ok(candle_nn::ops::layer_norm(&x.contiguous()?, gamma, beta, eps)?)
    }

    fn rms_norm(&self, x: &Tensor, gamma: &Tensor, eps: f32) -> Result<Tensor> {
        Ok(candle_nn::ops::rms_norm(&x.contiguous()?, gamma, eps)?)
    }

    fn activation(&self, x: &Tensor, f: Activation) -> Result<Tensor> {
        Ok(match f {
            Activation::GeluErf => x.gelu_erf()?,
            Activation::GeluTanh => x.gelu()?,
            Activation::Relu => x.relu()?,
        })
    }

    fn softmax(&self, x: &Tensor) -> Result<Tensor> {
        Ok(candle_nn::ops::softmax_last_dim(&x.contiguous()?)?)
    }

    fn attention(&self, q: &Tensor, k: &Tensor, v: &Tensor, bias: Option<&Tensor>, scale: f32) -> Result<Tensor> {
        let mut scores = q.contiguous()?.matmul(&k.t()?.contiguous()?)?;
        if scale != 1.0 {
            scores = (scores * scale as f64)?;
        }
        if let Some(bias) = bias {
            scores = scores.broadcast_add(bias)?;
        }
        let probs = candle_nn::ops::softmax_last_dim(&scores)?;
        Ok(probs.matmul(&v.contiguous()?)?)
    }

    fn add(&self, a: &Tensor, b: &Tensor) -> Result<Tensor> {
        Ok(a.broadcast_add(b)?)
    }

    fn mul(&self, a: &Tensor, b: &Tensor) -> Result<Tensor> {
        Ok(a.broadcast_mul(b)?)
    }

    fn reshape(&self, x: &Tensor, dims: &[usize]) -> Result<Tensor> {
        Ok(x.contiguous()?.reshape(dims)?)
    }

    fn transpose(&self, x: &Tensor, d1: usize, d2: usize) -> Result<Tensor> {
        to_dense(x.transpose(d1, d2)?)
    }

    fn concat(&self, xs: &[&Tensor], dim: usize) -> Result<Tensor> {
        Ok(Tensor::cat(xs, dim)?)
    }

    fn narrow(&self, x: &Tensor, dim: usize, start: usize, len: usize) -> Result<Tensor> {
        to_dense(x.narrow(dim, start, len)?)
    }

    fn masked_mean(&self, x: &Tensor, mask: &Tensor) -> Result<Tensor> {
        let m = mask.unsqueeze(D::Minus1)?; // [b,t,1]
        let summed = x.broadcast_mul(&m)?.sum(1)?; // [b,d]
        // Same floor as sentence-transformers, so an all-padding row gives zeros, not NaN.
        let counts = mask.sum_keepdim(1)?.clamp(1e-9, f64::MAX)?; // [b,1]
        Ok(summed.broadcast_div(&counts)?)
    }
}
