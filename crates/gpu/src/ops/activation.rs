//! GELU (erf and tanh forms) and ReLU, element-wise.

use bytemuck::{Pod, Zeroable};
use nunchi_engine::{Activation, Result};

use super::{groups_of_256, u32s};
use crate::backend::{Bind, GpuBackend};
use crate::pipelines::{Kernel, KernelKey};
use crate::tensor::GpuTensor;

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct Params {
    count: u32,
    _pad: [u32; 3],
}

pub(crate) fn activation(gpu: &GpuBackend, x: &GpuTensor, f: Activation) -> Result<GpuTensor> {
    let variant = match f {
        Activation::GeluErf => "gelu_erf",
        Activation::GeluTanh => "gelu_tanh",
        Activation::Relu => "relu",
    };
    let count = x.elem_count();
    let params = Params { count: u32s([count], variant)?[0], _pad: [0; 3] };
    let out = gpu.output(count, variant)?;
    gpu.dispatch(
        KernelKey::new(Kernel::Activation, variant),
        bytemuck::bytes_of(&params),
        &[Bind(1, &x.buffer), Bind(2, &out)],
        gpu.grid(groups_of_256(count)),
    )?;
    Ok(gpu.tensor_from(out, x.dims.clone()))
}
