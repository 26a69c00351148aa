//! The attention probabilities, `softmax(scale · scores + mask bias)` over the
//! keys, as one candle op with a written backward.
//!
//! Written from candle's basic ops, the graph keeps five tensors as large as
//! the scores per layer alive until the backward is done (scaled, masked,
//! shifted, exponentials, quotient); this op keeps only its output `y`, which
//! is all the backward needs: `∂scores = scale · (g·y − y · Σ_keys g·y)`.
//! Its forward does the basic ops' f32 (or f64) operations in their order.

use candle_core::backend::BackendStorage;
use candle_core::{bail, CpuStorage, CustomOp2, Layout, Result, Shape, Tensor, D};
use nunchi_engine::cpu::dense::autograd::contiguous_values;

/// `softmax(scale · scores + bias)` over the last dim of `scores [size, heads,
/// queries, keys]`, with `bias [size, 1, 1, keys]` (0 for a real token, a large
/// negative number for padding); f32 or f64, differentiable in `scores`.
pub fn attention_softmax(scores: &Tensor, bias: &Tensor, scale: f64) -> Result<Tensor> {
    scores.contiguous()?.apply_op2(&bias.contiguous()?, AttentionSoftmax { scale })
}

struct AttentionSoftmax {
    scale: f64,
}

/// Each row of keys: `z = s · scale + 0 + bias` (candle's affine, then the
/// add), less its max, exponentiated, over the exponentials' sum.
macro_rules! softmax_rows {
    ($t:ty, $scores:expr, $bias:expr, $keys:expr, $rows_per_text:expr, $scale:expr) => {{
        let (scores, bias): (&[$t], &[$t]) = ($scores, $bias);
        let scale = $scale as $t;
        let mut out = Vec::with_capacity(scores.len());
        for (r, row) in scores.chunks_exact($keys).enumerate() {
            let text_bias = &bias[(r / $rows_per_text) * $keys..][..$keys];
            let start = out.len();
            out.extend(row.iter().zip(text_bias).map(|(&s, &b)| (s * scale + 0.0) + b));
            let z = &mut out[start..];
            let max = z.iter().copied().fold(<$t>::NEG_INFINITY, <$t>::max);
            z.iter_mut().for_each(|v| *v = (*v - max).exp());
            let sum = z.iter().sum::<$t>();
            z.iter_mut().for_each(|v| *v /= sum);
        }
        out
    }};
}

impl CustomOp2 for AttentionSoftmax {
    fn name(&self) -> &'static str {
        "nunchi-attention-softmax"
    }

    fn cpu_fwd(&self, s1: &CpuStorage, l1: &Layout, s2: &CpuStorage, l2: &Layout) -> Result<(CpuStorage, Shape)> {
        let (size, heads, queries, keys) = l1.shape().dims4()?;
        if keys == 0 || l2.shape().elem_count() != size * keys {
            bail!("{}: a bias of shape {:?} for scores {:?}", self.name(), l2.shape(), l1.shape());
        }
        let rows_per_text = heads * queries;
        let out = match (s1, s2) {
            (CpuStorage::F32(s), CpuStorage::F32(b)) => CpuStorage::F32(softmax_rows!(
                f32,
                contiguous_values(s, l1, self.name())?,
                contiguous_values(b, l2, self.name())?,
                keys,
                rows_per_text,
                self.scale
            )),
            (CpuStorage::F64(s), CpuStorage::F64(b)) => CpuStorage::F64(softmax_rows!(
                f64,
                contiguous_values(s, l1, self.name())?,
                contiguous_values(b, l2, self.name())?,
                keys,
                rows_per_text,
                self.scale
            )),
            _ => bail!("{}: f32 or f64 scores and bias of one dtype, got {:?} and {:?}", self.name(), s1.dtype(), s2.dtype()),
        };
        Ok((out, l1.shape().clone()))
    }

    fn bwd(&self, _scores: &Tensor, _bias: &Tensor, y: &Tensor, grad: &Tensor) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let gy = grad.mul(y)?;
        let grad_scores = (gy.broadcast_sub(&y.broadcast_mul(&gy.sum_keepdim(D::Minus1)?)?)? * self.scale)?;
        Ok((Some(grad_scores), None))
    }
}
