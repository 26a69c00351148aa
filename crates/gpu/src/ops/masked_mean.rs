//! Mean pooling over the tokens a mask keeps.

use nunchi_engine::{Error, Result};

use super::{groups_of_256, u32s};
use crate::backend::{Bind, GpuBackend};
use crate::pipelines::Kernel;
use crate::tensor::GpuTensor;
use crate::uniform::uniform;

/// The masked-mean kernel (no variants).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct MaskedMean;

uniform! {
    pub(crate) struct Params {
        batch: u32,
        tokens: u32,
        dim: u32,
    }
}

impl Kernel for MaskedMean {
    type Params = Params;

    fn wgsl(self) -> [&'static str; 2] {
        ["", include_str!("../kernels/masked_mean.wgsl")]
    }

    fn variants() -> Vec<Self> {
        vec![MaskedMean]
    }
}

pub(crate) fn masked_mean(gpu: &GpuBackend, x: &GpuTensor, mask: &GpuTensor) -> Result<GpuTensor> {
    let [b, t, d] = x.dims[..] else {
        return Err(Error::backend(format!("masked_mean: x must be [batch, tokens, dim], got {:?}", x.dims)));
    };
    if mask.dims != [b, t] {
        return Err(Error::backend(format!("masked_mean: mask {:?} for x {:?}", mask.dims, x.dims)));
    }
    let [batch, tokens, dim] = u32s([b, t, d], "masked_mean")?;
    let params = Params { batch, tokens, dim };
    let out = gpu.output(b * d, "masked_mean")?;
    gpu.dispatch(
        MaskedMean,
        &params,
        &[Bind(1, &x.buffer), Bind(2, &mask.buffer), Bind(3, &out)],
        gpu.grid(groups_of_256(b * d)),
    )?;
    Ok(gpu.tensor_from(out, vec![b, d]))
}
