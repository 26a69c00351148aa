//! SetFit's default loss, sentence-transformers' `CosineSimilarityLoss`: the
//! mean squared error between the cosine similarity of each pair's embeddings
//! and its target
//! (<https://github.com/UKPLab/sentence-transformers/blob/master/sentence_transformers/losses/CosineSimilarityLoss.py>).

use candle_core::{Result, Tensor, D};

/// `torch.cosine_similarity`'s floor on each norm.
const NORM_EPS: f64 = 1e-8;

/// Row-wise cosine similarity of `a, b [pairs, dim]` → `[pairs]`, as
/// `torch.cosine_similarity` computes it: each row divided by its norm
/// (floored at 1e-8) first, then the dot product.
pub fn cosine_similarity(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let unit = |x: &Tensor| x.broadcast_div(&x.sqr()?.sum_keepdim(D::Minus1)?.sqrt()?.maximum(NORM_EPS)?);
    (unit(a)? * unit(b)?)?.sum(D::Minus1)
}

/// `mean((cos(a_i, b_i) - target_i)²)`: a scalar, `targets [pairs]`.
pub fn cosine_similarity_loss(a: &Tensor, b: &Tensor, targets: &Tensor) -> Result<Tensor> {
    (cosine_similarity(a, b)? - targets.to_dtype(a.dtype())?)?.sqr()?.mean_all()
}
