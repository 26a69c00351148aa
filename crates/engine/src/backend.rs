//! The seam between the models and the hardware: exactly the ops that a
//! BERT-family encoder and a T5 encoder-decoder need. Models are generic over
//! this trait and never learn which implementation runs them.

use candle_core::quantized::QTensor;

use crate::error::Result;

/// Element-wise activation functions used by the supported models.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    /// GELU with the exact erf form (BERT's `gelu`).
    GeluErf,
    /// GELU with the tanh approximation (T5's `gelu_new`).
    GeluTanh,
    Relu,
}

/// A compute backend. Tensors are f32 activations living wherever the backend
/// keeps them; `Matrix` and `Table` are weights uploaded once at load.
pub trait Backend {
    type Tensor: Clone;
    /// A weight matrix `[out, in]` used by [`Backend::linear`], quantized or float.
    type Matrix;
    /// An embedding table `[rows, dim]`, kept in its stored (quantized) format.
    type Table;

    /// Short name for `info` and benchmarks, e.g. `"cpu"`.
    fn name(&self) -> &'static str;

    /// Whether a batch of texts runs packed end to end (no padding rows; each
    /// text's attention on its own) rather than padded. Packing pays where an
    /// op costs its arithmetic (the CPU: a fifth less work on real sentences);
    /// padding, where each op costs a dispatch (WebGPU: one attention per batch).
    const RUNS_PACKED: bool = false;

    // ---- uploads and read-back -------------------------------------------------

    /// Uploads a weight matrix from its host (possibly quantized) form.
    fn matrix(&self, weight: QTensor) -> Result<Self::Matrix>;
    /// Uploads an embedding table; rows are dequantized only when gathered.
    fn table(&self, weight: QTensor) -> Result<Self::Table>;
    /// Uploads f32 host data with the given shape.
    fn tensor(&self, data: &[f32], dims: &[usize]) -> Result<Self::Tensor>;
    /// Reads a tensor back to the host, row-major, blocking until it is ready.
    fn to_vec(&self, x: &Self::Tensor) -> Result<Vec<f32>>;
    /// Reads a tensor back without blocking: a browser cannot wait on WebGPU,
    /// whose results arrive through the event loop. The CPU's data is already
    /// here, so the default is the blocking read.
    fn read(&self, x: &Self::Tensor) -> impl std::future::Future<Output = Result<Vec<f32>>> {
        std::future::ready(self.to_vec(x))
    }
    fn dims(&self, x: &Self::Tensor) -> Vec<usize>;

    // ---- ops -----------------------------------------------------------------

    /// `x [.., in] · Wᵀ + bias` → `[.., out]`.
    fn linear(&self, x: &Self::Tensor, w: &Self::Matrix, bias: Option<&Self::Tensor>) -> Result<Self::Tensor>;
    /// Rows of `table` for `ids`, shaped `[dims.., dim]`.
    fn gather(&self, table: &Self::Table, ids: &[u32], dims: &[usize]) -> Result<Self::Tensor>;
    /// Batched f32 matrix product `[.., m, k] · [.., k, n]`.
    fn matmul(&self, a: &Self::Tensor, b: &Self::Tensor) -> Result<Self::Tensor>;
    /// Layer norm over the last dimension.
    fn layer_norm(&self, x: &Self::Tensor, gamma: &Self::Tensor, beta: &Self::Tensor, eps: f32) -> Result<Self::Tensor>;
    /// T5's RMS norm over the last dimension (no mean subtraction, no bias).
    fn rms_norm(&self, x: &Self::Tensor, gamma: &Self::Tensor, eps: f32) -> Result<Self::Tensor>;
    fn activation(&self, x: &Self::Tensor, f: Activation) -> Result<Self::Tensor>;
    /// Softmax over the last dimension.
    fn softmax(&self, x: &Self::Tensor) -> Result<Self::Tensor>;
    /// `softmax(scale · q·kᵀ + bias) · v` for `q [b,h,tq,d]`, `k, v [b,h,tk,d]`;
    /// `bias` (mask and/or relative position bias) broadcasts to `[b,h,tq,tk]`.
    fn attention(
        &self,
        q: &Self::Tensor,
        k: &Self::Tensor,
        v: &Self::Tensor,
        bias: Option<&Self::Tensor>,
        scale: f32,
    ) -> Result<Self::Tensor>;
    /// Element-wise sum, broadcasting `b` to `a`'s shape.
    fn add(&self, a: &Self::Tensor, b: &Self::Tensor) -> Result<Self::Tensor>;
    /// Element-wise product, broadcasting `b` to `a`'s shape.
    fn mul(&self, a: &Self::Tensor, b: &Self::Tensor) -> Result<Self::Tensor>;
    fn reshape(&self, x: &Self::Tensor, dims: &[usize]) -> Result<Self::Tensor>;
    /// Swaps two dimensions (the result is laid out densely).
    fn transpose(&self, x: &Self::Tensor, d1: usize, d2: usize) -> Result<Self::Tensor>;
    /// Concatenation along `dim`: the KV-cache append, and batch expansion.
    fn concat(&self, xs: &[&Self::Tensor], dim: usize) -> Result<Self::Tensor>;
    /// `len` entries of `x` along `dim` from `start`.
    fn narrow(&self, x: &Self::Tensor, dim: usize, start: usize, len: usize) -> Result<Self::Tensor>;
    /// Mean over the tokens of `x [b,t,d]` whose `mask [b,t]` is 1 → `[b,d]`.
    fn masked_mean(&self, x: &Self::Tensor, mask: &Self::Tensor) -> Result<Self::Tensor>;
    /// Index of the largest value along the last dimension, the first one on
    /// ties (as `torch.argmax`), as an f32 (exact below 2²⁴): `[.., n]` → `[..]`.
    /// Greedy decoding reads back these few values instead of every logit.
    fn argmax(&self, x: &Self::Tensor) -> Result<Self::Tensor>;
    /// The `k` largest values along the last dimension and their indices (as
    /// f32), largest first, the lower index first on ties: `[.., n]` → two
    /// `[.., min(k, n)]`. Top-k sampling reads back these instead of every logit.
    fn top_k(&self, x: &Self::Tensor, k: usize) -> Result<(Self::Tensor, Self::Tensor)>;
}
