//! `x · wᵀ` and `x · wᵀ + b` on our f32 GEMM as candle ops with their
//! backward, so that the linear layers of training (`nunchi-train`), most of a
//! step's work, run on the SIMD128 kernel in wasm instead of candle's matmul.
//! Natively candle's AVX path stays there, and these ops run the kernel's
//! scalar twin. The bias goes in with the product (the kernel adds it), so a
//! linear layer keeps one activation in the graph, not two.
//!
//! The backward's two products run on the same kernel with no transposed
//! copies: `∂x = g · w = g · (wᵀ)ᵀ` packs `w` by columns, and
//! `∂w = gᵀ · x = gᵀ · (xᵀ)ᵀ` reads `g` transposed where it lies and packs
//! `x` by columns; `∂b` sums `g` over the rows.

use super::{gemm_split_rows, Lhs, PackedF32Matrix};
use candle_core::backend::BackendStorage;
use candle_core::{bail, CpuStorage, CustomOp2, CustomOp3, Layout, Result, Shape, Storage, Tensor};

/// `x [rows, k] · w [n, k]ᵀ → [rows, n]`, differentiable in both operands;
/// both must be f32.
pub fn matmul_t(x: &Tensor, w: &Tensor) -> Result<Tensor> {
    x.contiguous()?.apply_op2(&w.contiguous()?, MatmulT)
}

/// `x [rows, k] · w [n, k]ᵀ + b [n] → [rows, n]` (PyTorch's `nn.Linear`),
/// differentiable in all three; all must be f32.
pub fn linear_t(x: &Tensor, w: &Tensor, b: &Tensor) -> Result<Tensor> {
    x.contiguous()?.apply_op3(&w.contiguous()?, &b.contiguous()?, LinearT)
}

/// The op behind [`matmul_t`].
struct MatmulT;

impl CustomOp2 for MatmulT {
    fn name(&self) -> &'static str {
        "nunchi-matmul-t"
    }

    fn cpu_fwd(&self, s1: &CpuStorage, l1: &Layout, s2: &CpuStorage, l2: &Layout) -> Result<(CpuStorage, Shape)> {
        product(self.name(), (s1, l1), (s2, l2), None)
    }

    fn bwd(&self, x: &Tensor, w: &Tensor, _res: &Tensor, grad: &Tensor) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let (grad_x, grad_w) = product_grads(x, w, grad)?;
        Ok((Some(grad_x), Some(grad_w)))
    }
}

/// The op behind [`linear_t`].
struct LinearT;

impl CustomOp3 for LinearT {
    fn name(&self) -> &'static str {
        "nunchi-linear-t"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let CpuStorage::F32(b) = s3 else { bail!("{}: an f32 bias only, got {:?}", self.name(), s3.dtype()) };
        product(self.name(), (s1, l1), (s2, l2), Some(contiguous_values(b, l3, self.name())?))
    }

    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        _b: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let (grad_x, grad_w) = product_grads(x, w, grad)?;
        Ok((Some(grad_x), Some(grad_w), Some(grad.sum(0)?)))
    }
}

/// `x · wᵀ (+ bias)` on the kernel, the rows split over its threads.
fn product(
    op: &str,
    (s1, l1): (&CpuStorage, &Layout),
    (s2, l2): (&CpuStorage, &Layout),
    bias: Option<&[f32]>,
) -> Result<(CpuStorage, Shape)> {
    let (CpuStorage::F32(x), CpuStorage::F32(w)) = (s1, s2) else {
        bail!("{op}: f32 operands only, got {:?} and {:?}", s1.dtype(), s2.dtype());
    };
    let (rows, k) = l1.shape().dims2()?;
    let (n, w_k) = l2.shape().dims2()?;
    if k != w_k {
        bail!("{op}: [{rows}, {k}] · [{n}, {w_k}]ᵀ, inner sizes differ");
    }
    if bias.is_some_and(|b| b.len() != n) {
        bail!("{op}: a bias of {} values for {n} outputs", bias.map_or(0, <[f32]>::len));
    }
    let (x, w) = (contiguous_values(x, l1, op)?, contiguous_values(w, l2, op)?);
    let packed = PackedF32Matrix::from_rows(w, n, k).map_err(candle_core::Error::wrap)?;
    let mut out = vec![0f32; rows * n];
    gemm_split_rows(Lhs::rows(x, k), &packed, bias, &mut out);
    Ok((CpuStorage::F32(out), Shape::from((rows, n))))
}

/// `(∂x, ∂w)` of `x [rows, k] · w [n, k]ᵀ` for the upstream `grad [rows, n]`:
/// `∂x = g · w` and `∂w = gᵀ · x`, each operand read where it lies.
fn product_grads(x: &Tensor, w: &Tensor, grad: &Tensor) -> Result<(Tensor, Tensor)> {
    const OP: &str = "nunchi-matmul-t backward";
    let (x, w, grad) = (x.contiguous()?, w.contiguous()?, grad.contiguous()?);
    let ((rows, k), (n, _)) = (x.dims2()?, w.dims2()?);
    let (xs, ws, gs) = (x.storage_and_layout(), w.storage_and_layout(), grad.storage_and_layout());
    let (x_values, w_values, g_values) = (f32_values(&xs, OP)?, f32_values(&ws, OP)?, f32_values(&gs, OP)?);
    let by_columns =
        |m: &[f32], rows: usize, cols: usize| PackedF32Matrix::from_columns(m, rows, cols).map_err(candle_core::Error::wrap);
    let mut grad_x = vec![0f32; rows * k];
    gemm_split_rows(Lhs::rows(g_values, n), &by_columns(w_values, n, k)?, None, &mut grad_x);
    let mut grad_w = vec![0f32; n * k];
    gemm_split_rows(Lhs::transposed(g_values, n), &by_columns(x_values, rows, k)?, None, &mut grad_w);
    Ok((Tensor::from_vec(grad_x, (rows, k), x.device())?, Tensor::from_vec(grad_w, (n, k), w.device())?))
}

/// The f32 values of a contiguous tensor's storage.
fn f32_values<'a>((storage, layout): &'a (impl std::ops::Deref<Target = Storage>, &Layout), op: &str) -> Result<&'a [f32]> {
    match &**storage {
        Storage::Cpu(CpuStorage::F32(values)) => contiguous_values(values, layout, op),
        other => bail!("{op}: f32 tensors on the CPU only, got {:?}", other.dtype()),
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
