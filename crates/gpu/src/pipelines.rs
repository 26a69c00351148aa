//! Kernels as types, and their compiled pipelines.
//!
//! Each op file defines one type per kernel whose values are exactly the
//! kernel's variants (an enum, a unit struct, or a struct of enums), and
//! implements [`Kernel`] on it: the WGSL it assembles and its uniform. That
//! value is also the pipeline cache key ([`KernelKey`]), so no variant is
//! named by a string and an impossible combination cannot be written.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::ops::activation::Act;
use crate::ops::argmax::Argmax;
use crate::ops::binary::BinaryOp;
use crate::ops::copy::StridedCopy;
use crate::ops::gather::Gather;
use crate::ops::linear::Linear;
use crate::ops::masked_mean::MaskedMean;
use crate::ops::matmul::Matmul;
use crate::ops::norm::Norm;
use crate::ops::softmax::Softmax;
use crate::ops::top_k::TopK;
use crate::uniform::Uniform;

const COMMON: &str = include_str!("kernels/common.wgsl");

/// One kernel: `Self`'s values are its variants.
pub(crate) trait Kernel: Copy + Into<KernelKey> {
    /// Its uniform (binding 0); the shader's `struct Params` is generated from it.
    type Params: Uniform;

    /// What follows the shared helpers and the generated `Params`: the
    /// variant's snippet (an op, an activation, a weight reader; may be empty)
    /// and the kernel body, whose entry point is `main`.
    fn wgsl(self) -> [&'static str; 2];

    /// Every variant, so tests can compile each one.
    #[cfg_attr(not(test), allow(dead_code))]
    fn variants() -> Vec<Self>;
}

/// The full WGSL of a kernel variant.
pub(crate) fn source<K: Kernel>(kernel: K) -> String {
    let [variant, body] = kernel.wgsl();
    format!("{COMMON}\n{}\n{variant}\n{body}", K::Params::wgsl())
}

/// Declares [`KernelKey`], one variant per kernel type, and its conversions.
macro_rules! kernel_keys {
    ($($name:ident($kernel:ty)),+ $(,)?) => {
        /// What makes a pipeline distinct: a kernel and its variant.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub(crate) enum KernelKey {
            $($name($kernel),)+
        }

        $(impl From<$kernel> for KernelKey {
            fn from(kernel: $kernel) -> Self {
                KernelKey::$name(kernel)
            }
        })+

        #[cfg(test)]
        impl KernelKey {
            /// Every variant of every kernel, with its source and uniform fields.
            fn all() -> Vec<(KernelKey, String, &'static [crate::uniform::Field], usize)> {
                let mut all = Vec::new();
                $(for k in <$kernel as Kernel>::variants() {
                    type P = <$kernel as Kernel>::Params;
                    all.push((KernelKey::from(k), source(k), P::FIELDS, P::BUFFER_SIZE));
                })+
                all
            }
        }
    };
}

kernel_keys! {
    Binary(BinaryOp),
    Copy(StridedCopy),
    Activation(Act),
    Norm(Norm),
    Softmax(Softmax),
    Matmul(Matmul),
    Linear(Linear),
    Gather(Gather),
    MaskedMean(MaskedMean),
    Argmax(Argmax),
    TopK(TopK),
}

#[derive(Default)]
pub(crate) struct PipelineCache {
    pipelines: Mutex<HashMap<KernelKey, wgpu::ComputePipeline>>,
}

impl PipelineCache {
    pub fn get<K: Kernel>(&self, device: &wgpu::Device, kernel: K) -> nunchi_engine::Result<wgpu::ComputePipeline> {
        let key: KernelKey = kernel.into();
        let mut pipelines = self
            .pipelines
            .lock()
            .map_err(|_| nunchi_engine::Error::backend("the WebGPU pipeline cache was poisoned by an earlier panic"))?;
        if let Some(p) = pipelines.get(&key) {
            return Ok(p.clone());
        }
        let label = format!("{key:?}");
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some(&label),
            source: wgpu::ShaderSource::Wgsl(source(kernel).into()),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_is_listed_once() {
        let keys: Vec<KernelKey> = KernelKey::all().into_iter().map(|(k, ..)| k).collect();
        let unique: std::collections::HashSet<_> = keys.iter().collect();
        assert_eq!(unique.len(), keys.len());
        // 2 binary + copy + 3 activations + 2 norms + softmax + matmul
        // + 3 linear tilings × 3 formats + 3 gather formats + masked mean + argmax + top-k.
        assert_eq!(keys.len(), 2 + 1 + 3 + 2 + 1 + 1 + 9 + 3 + 1 + 1 + 1);
    }

    #[test]
    fn every_uniform_is_whole_16_byte_rows() {
        for (key, _, fields, size) in KernelKey::all() {
            assert_eq!(size % 16, 0, "{key:?}");
            assert!(!fields.is_empty(), "{key:?}");
        }
    }

    /// Every variant's WGSL through naga (wgpu's own compiler, natively), with
    /// no adapter needed: it parses and validates, and naga's layout of
    /// `Params` is the Rust struct's, field by field, in a 16-byte multiple.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn every_variant_compiles_with_the_rust_params_layout() {
        use wgpu::naga;
        for (key, wgsl, fields, size) in KernelKey::all() {
            let module = naga::front::wgsl::parse_str(&wgsl).unwrap_or_else(|e| panic!("{key:?}: {}", e.emit_to_string(&wgsl)));
            naga::valid::Validator::new(naga::valid::ValidationFlags::all(), naga::valid::Capabilities::default())
                .validate(&module)
                .unwrap_or_else(|e| panic!("{key:?}: {e:?}"));
            let params: Vec<_> = module.types.iter().filter(|(_, t)| t.name.as_deref() == Some("Params")).collect();
            assert_eq!(params.len(), 1, "{key:?}: exactly one `struct Params` (the generated one)");
            let naga::TypeInner::Struct { members, span } = &params[0].1.inner else {
                panic!("{key:?}: Params is not a struct");
            };
            assert_eq!(*span as usize, size, "{key:?}: WGSL size of Params");
            let real: Vec<_> = members.iter().filter(|m| !m.name.as_deref().unwrap_or("").starts_with("_pad")).collect();
            assert_eq!(real.len(), fields.len(), "{key:?}");
            for (m, f) in real.iter().zip(fields) {
                assert_eq!((m.name.as_deref(), m.offset as usize), (Some(f.name), f.offset), "{key:?}");
            }
        }
    }
}
