//! `x · wᵀ` on our f32 GEMM as a candle op with its backward, so that the
//! linear layers of training (`nunchi-train`), most of a step's work, run on
//! the SIMD128 kernel in wasm instead of candle's matmul. Natively candle's
//! AVX path stays there, and this op runs the kernel's scalar twin.
//!
//! The backward's two products are the same op on transposed copies:
//! `∂x = g · w = g · (wᵀ)ᵀ` and `∂w = gᵀ · x = gᵀ · (xᵀ)ᵀ`. A copy costs
//! one pass over an operand, against a product's pass per output column.

use super::{gemm_split_rows, PackedF32Matrix};
use candle_core::backend::BackendStorage;
use candle_core::{bail, CpuStorage, CustomOp2, Layout, Result, Shape, Tensor};

/// `x [rows, k] · w [n, k]ᵀ → [rows, n]`, differentiable in both operands;
/// both must be f32.
pub fn matmul_t(x: &Tensor, w: &Tensor) -> Result<Tensor> {
    x.contiguous()?.apply_op2(&w.contiguous()?, MatmulT)
}

/// The op behind [`matmul_t`].
struct MatmulT;

impl CustomOp2 for MatmulT {
    fn name(&self) -> &'static str {
        "nunchi-matmul-t"
    }

    fn cpu_fwd(&self, s1: &CpuStorage, l1: &Layout, s2: &CpuStorage, l2: &Layout) -> Result<(CpuStorage, Shape)> {
        let (CpuStorage::F32(x), CpuStorage::F32(w)) = (s1, s2) else {
            bail!("{}: f32 operands only, got {:?} and {:?}", self.name(), s1.dtype(), s2.dtype());
        };
        let (rows, k) = l1.shape().dims2()?;
        let (n, w_k) = l2.shape().dims2()?;
        if k != w_k {
            bail!("{}: [{rows}, {k}] · [{n}, {w_k}]ᵀ, inner sizes differ", self.name());
        }
        let (x, w) = (contiguous_values(x, l1, self.name())?, contiguous_values(w, l2, self.name())?);
        let packed = PackedF32Matrix::from_rows(w, n, k).map_err(candle_core::Error::wrap)?;
        let mut out = vec![0f32; rows * n];
        gemm_split_rows(x, &packed, None, &mut out);
        Ok((CpuStorage::F32(out), Shape::from((rows, n))))
    }

    fn bwd(&self, x: &Tensor, w: &Tensor, _res: &Tensor, grad: &Tensor) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let grad_x = matmul_t(grad, &w.t()?)?;
        let grad_w = matmul_t(&grad.t()?, &x.t()?)?;
        Ok((Some(grad_x), Some(grad_w)))
    }
}

/// The values a contiguous layout covers, for custom ops that make their
/// operands contiguous before they apply (as [`matmul_t`] does).
pub fn contiguous_values<'a, T>(values: &'a [T], layout: &Layout, op: &str) -> Result<&'a [T]> {
    match layout.contiguous_offsets() {
        Some((start, end)) => Ok(&values[start..end]),
        None => bail!("{op}: operands must be contiguous"),
    }
}
