//! GELU (erf and tanh forms) and ReLU, element-wise.

use nunchi_engine::{Activation, Result};

use super::{groups_of_256, u32s};
use crate::backend::{Bind, GpuBackend};
use crate::pipelines::Kernel;
use crate::tensor::GpuTensor;
use crate::uniform::uniform;

/// The activation kernel's variants: the engine's [`Activation`], hashable
/// as a pipeline key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Act {
    GeluErf,
    GeluTanh,
    Relu,
}

impl From<Activation> for Act {
    fn from(f: Activation) -> Self {
        match f {
            Activation::GeluErf => Act::GeluErf,
            Activation::GeluTanh => Act::GeluTanh,
            Activation::Relu => Act::Relu,
        }
    }
}

impl Act {
    fn name(self) -> &'static str {
        match self {
            Act::GeluErf => "gelu_erf",
            Act::GeluTanh => "gelu_tanh",
            Act::Relu => "relu",
        }
    }
}

uniform! {
    pub(crate) struct Params {
        count: u32,
    }
}

impl Kernel for Act {
    type Params = Params;

    fn wgsl(self) -> [&'static str; 2] {
        let act = match self {
            Act::GeluErf => include_str!("../kernels/act_gelu_erf.wgsl"),
            Act::GeluTanh => include_str!("../kernels/act_gelu_tanh.wgsl"),
            Act::Relu => include_str!("../kernels/act_relu.wgsl"),
        };
        [act, include_str!("../kernels/activation.wgsl")]
    }

    fn variants() -> Vec<Self> {
        vec![Act::GeluErf, Act::GeluTanh, Act::Relu]
    }
}

pub(crate) fn activation(gpu: &GpuBackend, x: &GpuTensor, f: Activation) -> Result<GpuTensor> {
    let act = Act::from(f);
    let name = act.name();
    let count = x.elem_count();
    let params = Params { count: u32s([count], name)?[0] };
    let out = gpu.output(count, name)?;
    gpu.dispatch(act, &params, &[Bind(1, &x.buffer), Bind(2, &out)], gpu.grid(groups_of_256(count)))?;
    Ok(gpu.tensor_from(out, x.dims.clone()))
}
