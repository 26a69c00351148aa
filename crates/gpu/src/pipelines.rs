//! WGSL sources, assembled per variant, and compiled pipelines cached by
//! kernel + variant (activation, weight format, ...) + workgroup size.

use std::collections::HashMap;
use std::sync::Mutex;

const COMMON: &str = include_str!("kernels/common.wgsl");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Kernel {
    Binary,
    Copy,
    Activation,
    Norm,
    Softmax,
    Matmul,
    Linear,
    LinearBlocked,
    LinearVec,
    Gather,
    MaskedMean,
    Argmax,
    TopK,
}

/// What makes a pipeline distinct. `workgroup` is fixed per kernel today; it
/// is in the key so a tuned variant can sit beside the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct KernelKey {
    pub kernel: Kernel,
    pub variant: &'static str,
    pub workgroup: u32,
}

impl KernelKey {
    pub fn new(kernel: Kernel, variant: &'static str) -> Self {
        let workgroup = match kernel {
            Kernel::Matmul | Kernel::Linear => 16 * 16,
            Kernel::LinearVec | Kernel::LinearBlocked => 64,
            _ => 256,
        };
        Self { kernel, variant, workgroup }
    }
}

/// The full WGSL for a kernel variant: the shared helpers, the variant's
/// snippet (an op, an activation, a weight reader) and the kernel body.
fn source(key: &KernelKey) -> Option<String> {
    let (variant, body) = match (key.kernel, key.variant) {
        (Kernel::Binary, "add") => ("fn op(a: f32, b: f32) -> f32 { return a + b; }", include_str!("kernels/binary.wgsl")),
        (Kernel::Binary, "mul") => ("fn op(a: f32, b: f32) -> f32 { return a * b; }", include_str!("kernels/binary.wgsl")),
        (Kernel::Copy, "") => ("", include_str!("kernels/copy.wgsl")),
        (Kernel::Activation, "gelu_erf") => (include_str!("kernels/act_gelu_erf.wgsl"), include_str!("kernels/activation.wgsl")),
        (Kernel::Activation, "gelu_tanh") => (include_str!("kernels/act_gelu_tanh.wgsl"), include_str!("kernels/activation.wgsl")),
        (Kernel::Activation, "relu") => (include_str!("kernels/act_relu.wgsl"), include_str!("kernels/activation.wgsl")),
        (Kernel::Norm, "layer") => ("const RMS_ONLY: bool = false;", include_str!("kernels/norm.wgsl")),
        (Kernel::Norm, "rms") => ("const RMS_ONLY: bool = true;", include_str!("kernels/norm.wgsl")),
        (Kernel::Softmax, "") => ("", include_str!("kernels/softmax.wgsl")),
        (Kernel::Matmul, "") => ("", include_str!("kernels/matmul.wgsl")),
        (Kernel::MaskedMean, "") => ("", include_str!("kernels/masked_mean.wgsl")),
        (Kernel::Argmax, "") => ("", include_str!("kernels/argmax.wgsl")),
        (Kernel::TopK, "") => ("", include_str!("kernels/top_k.wgsl")),
        (Kernel::Linear | Kernel::LinearBlocked | Kernel::LinearVec | Kernel::Gather, format) => {
            let reader = match format {
                "f32" => include_str!("kernels/weight_f32.wgsl"),
                "q8_0" => include_str!("kernels/weight_q8_0.wgsl"),
                "q4_0" => include_str!("kernels/weight_q4_0.wgsl"),
                _ => return None,
            };
            let body = match key.kernel {
                Kernel::Linear => include_str!("kernels/linear.wgsl"),
                Kernel::LinearBlocked => include_str!("kernels/linear_blocked.wgsl"),
                Kernel::LinearVec => include_str!("kernels/linear_vec.wgsl"),
                _ => include_str!("kernels/gather.wgsl"),
            };
            (reader, body)
        }
        _ => return None,
    };
    Some(format!("{COMMON}\n{variant}\n{body}"))
}

#[derive(Default)]
pub(crate) struct PipelineCache {
    pipelines: Mutex<HashMap<KernelKey, wgpu::ComputePipeline>>,
}

impl PipelineCache {
    pub fn get(&self, device: &wgpu::Device, key: KernelKey) -> nunchi_engine::Result<wgpu::ComputePipeline> {
        let mut pipelines = self
            .pipelines
            .lock()
            .map_err(|_| nunchi_engine::Error::backend("the WebGPU pipeline cache was poisoned by an earlier panic"))?;
        if let Some(p) = pipelines.get(&key) {
            return Ok(p.clone());
        }
        let wgsl = source(&key)
            .ok_or_else(|| nunchi_engine::Error::backend(format!("no WGSL kernel for {:?} / {:?}", key.kernel, key.variant)))?;
        let label = format!("{:?}:{}:{}", key.kernel, key.variant, key.workgroup);
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some(&label),
            source: wgpu::ShaderSource::Wgsl(wgsl.into()),
        });
        let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some(&label),
            layout: None,
            module: &module,
            entry_point: Some("main"),
            compilation_options: Default::default(),
            cache: None,
        });
        pipelines.insert(key, pipeline.clone());
        Ok(pipeline)
    }
}
