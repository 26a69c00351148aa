//! The CPU backend on candle-core. On wasm32 with `+simd128`, q8_0 linear
//! layers run our packed int8 kernel ([`q8`]) and f32/f16 ones our packed
//! f32 kernel ([`dense`]); the other formats, and every format natively
//! (where candle's repacked AVX/NEON paths are faster), use candle's
//! quantized matmul. GELU and softmax run our [`elementwise`]
//! kernels on every target (candle calls libm per element).

pub mod dense;
pub mod elementwise;
pub mod q8;
pub mod team;
pub mod threads;

use candle_core::quantized::{GgmlDType, QMatMul, QTensor};
use candle_core::{DType, Device, Module, Storage, Tensor, D};

use crate::backend::{Activation, Backend};
use crate::error::{Error, Result};

#[derive(Debug, Clone, Default)]
pub struct CpuBackend;

/// A weight matrix ready for `linear`.
pub struct CpuMatrix {
    kernel: MatrixKernel,
    dtype: GgmlDType,
}

enum MatrixKernel {
    /// candle keeps quantized blocks as they are and dequantizes f16/f32 to a dense tensor.
    Candle(QMatMul),
    /// q8_0 repacked for our int8 kernel.
    PackedQ8(q8::PackedQ8Matrix),
    /// f32 and f16 weights as f32 panels for our f32 kernel.
    PackedF32(dense::PackedF32Matrix),
}

impl CpuMatrix {
    pub fn dtype(&self) -> GgmlDType {
        self.dtype
    }

    /// Whether `linear` runs our q8_0 kernel for this matrix (else candle's).
    pub fn uses_packed_q8(&self) -> bool {
        matches!(self.kernel, MatrixKernel::PackedQ8(_))
    }

    /// Whether `linear` runs our f32 kernel for this matrix (else candle's).
    pub fn uses_packed_f32(&self) -> bool {
        matches!(self.kernel, MatrixKernel::PackedF32(_))
    }
}

/// Our kernel wins only where it is SIMD: on wasm32 it is 2-3x candle's
/// q8_0 vec_dot; natively candle's repacked AVX path with threads is faster
/// than our scalar twin.
const PACK_Q8_0: bool = q8::HAS_SIMD_KERNEL;
/// Likewise for f32 and f16 weights: on wasm32 our prepacked kernel saves
/// the packing candle's matmul does on every call.
const PACK_F32: bool = dense::HAS_SIMD_KERNEL;

/// Packs an f32 or f16 `[n, k]` weight for [`dense`].
fn pack_f32(weight: &QTensor) -> Result<dense::PackedF32Matrix> {
    let (n, k) = weight.shape().dims2()?;
    let values = weight.dequantize(&Device::Cpu)?.flatten_all()?.to_vec1::<f32>()?;
    dense::PackedF32Matrix::from_rows(&values, n, k)
}

/// Packs a q8_0 `[n, k]` weight for [`q8`].
fn pack_q8_0(weight: &QTensor) -> Result<q8::PackedQ8Matrix> {
    let (n, k) = weight.shape().dims2()?;
    if k % q8::BLOCK != 0 {
        return Err(Error::format(format!(
            "a q8_0 weight needs rows that are a multiple of {} values, got shape [{n}, {k}]",
            q8::BLOCK
        )));
    }
    q8::PackedQ8Matrix::from_q8_0_bytes(&weight.data()?, n, k)
}

/// The f32 values of `x`, borrowed when they already are contiguous f32.
fn with_f32_slice<T>(x: &Tensor, f: impl FnOnce(&[f32]) -> Result<T>) -> Result<T> {
    let x = x.to_dtype(DType::F32)?.contiguous()?;
    let (storage, layout) = x.storage_and_layout();
    let Storage::Cpu(cpu) = &*storage else {
        return Err(Error::backend("the CPU backend got a tensor on another device"));
    };
    let start = layout.start_offset();
    let values = cpu
        .as_slice::<f32>()?
        .get(start..start + x.elem_count())
        .ok_or_else(|| Error::backend("a tensor's layout runs past its storage"))?;
    f(values)
}

/// `f` applied in place to a dense f32 copy of `x`, same shape.
fn map_in_place(x: &Tensor, f: impl FnOnce(&mut [f32])) -> Result<Tensor> {
    let dims = x.dims().to_vec();
    let mut values = x.to_dtype(DType::F32)?.flatten_all()?.to_vec1::<f32>()?;
    f(&mut values);
    Ok(Tensor::from_vec(values, dims, &Device::Cpu)?)
}

/// Least values worth a team thread's share of an elementwise kernel (a few µs).
const MIN_VALUES_PER_TEAM_TASK: usize = 4096;

/// Softmax over the last dimension with our kernel, rows shared with a team.
fn softmax_last_dim(x: &Tensor) -> Result<Tensor> {
    let n = x.dims().last().copied().unwrap_or(1).max(1);
    map_in_place(x, |values| {
        team::for_each_chunk_mut(values, n, MIN_VALUES_PER_TEAM_TASK, |rows| elementwise::softmax_rows(rows, n))
    })
}

/// An elementwise kernel on a copy of `x`, shared with a team.
fn elementwise_in_place(x: &Tensor, kernel: fn(&mut [f32])) -> Result<Tensor> {
    map_in_place(x, |values| team::for_each_chunk_mut(values, 4, MIN_VALUES_PER_TEAM_TASK, kernel))
}

/// `x · Wᵀ (+ bias)` on one of our kernels (`linear(x, fused bias)` for a
/// `[n, k]` weight), with the bias fused into the output write.
fn linear_packed(
    x: &Tensor,
    k: usize,
    n: usize,
    bias: Option<&Tensor>,
    linear: impl FnOnce(&[f32], Option<&[f32]>) -> Result<Vec<f32>>,
) -> Result<Tensor> {
    let dims = x.dims();
    if dims.last() != Some(&k) {
        return Err(Error::backend(format!("linear: input shape {dims:?} does not end in the weight's {k} inputs")));
    }
    // A bias of exactly n values is fused; any other (broadcastable) shape is added after.
    let fused_bias = match bias {
        Some(b) if b.elem_count() == n => Some(b.to_dtype(DType::F32)?.flatten_all()?.to_vec1::<f32>()?),
        _ => None,
    };
    let y = with_f32_slice(x, |xs| linear(xs, fused_bias.as_deref()))?;
    let mut out_dims = dims.to_vec();
    if let Some(last) = out_dims.last_mut() {
        *last = n;
    }
    let y = Tensor::from_vec(y, out_dims, &Device::Cpu)?;
    match bias {
        Some(b) if fused_bias.is_none() => Ok(y.broadcast_add(b)?),
        _ => Ok(y),
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

    const RUNS_PACKED: bool = true;

    fn matrix(&self, weight: QTensor) -> Result<CpuMatrix> {
        if weight.rank() != 2 {
            return Err(Error::format(format!("a weight matrix must be 2-D, got shape {:?}", weight.shape())));
        }
        let dtype = weight.dtype();
        let kernel = if PACK_Q8_0 && dtype == GgmlDType::Q8_0 {
            MatrixKernel::PackedQ8(pack_q8_0(&weight)?)
        } else if PACK_F32 && matches!(dtype, GgmlDType::F32 | GgmlDType::F16) {
            MatrixKernel::PackedF32(pack_f32(&weight)?)
        } else {
            MatrixKernel::Candle(QMatMul::from_qtensor(weight)?)
        };
        Ok(CpuMatrix { kernel, dtype })
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
        let matmul = match &w.kernel {
            MatrixKernel::PackedQ8(packed) => {
                return linear_packed(x, packed.k(), packed.n(), bias, |xs, b| q8::linear(xs, packed, b))
            }
            MatrixKernel::PackedF32(packed) => {
                return linear_packed(x, packed.k(), packed.n(), bias, |xs, b| dense::linear(xs, packed, b))
            }
            MatrixKernel::Candle(matmul) => matmul,
        };
        let y = matmul.forward(&x.contiguous()?)?;
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
        match f {
            Activation::GeluErf => elementwise_in_place(x, elementwise::gelu_erf),
            Activation::GeluTanh => elementwise_in_place(x, elementwise::gelu_tanh),
            Activation::Relu => Ok(x.relu()?),
        }
    }

    fn softmax(&self, x: &Tensor) -> Result<Tensor> {
        softmax_last_dim(x)
    }

    fn attention(&self, q: &Tensor, k: &Tensor, v: &Tensor, bias: Option<&Tensor>, scale: f32) -> Result<Tensor> {
        let mut scores = q.contiguous()?.matmul(&k.t()?.contiguous()?)?;
        if scale != 1.0 {
            scores = (scores * scale as f64)?;
        }
        if let Some(bias) = bias {
            scores = scores.broadcast_add(bias)?;
        }
        let probs = softmax_last_dim(&scores)?;
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

    fn argmax(&self, x: &Tensor) -> Result<Tensor> {
        let dims = x.dims().to_vec();
        let (&n, outer) = dims.split_last().ok_or_else(|| Error::input("argmax of a scalar"))?;
        if n == 0 {
            return Err(Error::input("argmax over an empty dimension"));
        }
        // A plain loop, not candle's argmax: the tie rule (first index) must be the one the GPU keeps.
        let values = x.flatten_all()?.to_vec1::<f32>()?;
        let best: Vec<f32> = values.chunks(n).map(|row| crate::vector::argmax(row) as f32).collect();
        Ok(Tensor::from_vec(best, outer.to_vec(), &Device::Cpu)?)
    }

    fn top_k(&self, x: &Tensor, k: usize) -> Result<(Tensor, Tensor)> {
        let dims = x.dims().to_vec();
        let (&n, outer) = dims.split_last().ok_or_else(|| Error::input("top_k of a scalar"))?;
        if n == 0 || k == 0 {
            return Err(Error::input(format!("top_k: k = {k} of {n} values")));
        }
        let k = k.min(n);
        let values = x.flatten_all()?.to_vec1::<f32>()?;
        let (mut top_values, mut top_indices) = (Vec::new(), Vec::new());
        for row in values.chunks(n) {
            let mut order: Vec<usize> = (0..n).collect();
            // Stable: equal values keep index order.
            order.sort_by(|&a, &b| row[b].total_cmp(&row[a]));
            top_values.extend(order[..k].iter().map(|&i| row[i]));
            top_indices.extend(order[..k].iter().map(|&i| i as f32));
        }
        let mut out = outer.to_vec();
        out.push(k);
        Ok((Tensor::from_vec(top_values, out.clone(), &Device::Cpu)?, Tensor::from_vec(top_indices, out, &Device::Cpu)?))
    }
}
