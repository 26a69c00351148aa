//! nunchi's WebGPU backend: the engine's [`Backend`](nunchi_engine::Backend)
//! trait on `wgpu`, with our own WGSL kernels (in `kernels/`, one op per
//! file under `ops/`). In browsers it runs on WebGPU; natively on Vulkan, so
//! every kernel is tested against the CPU backend with `cargo test` (Mesa's
//! lavapipe needs no GPU).
//!
//! Device setup ([`GpuContext`]) is split from the work ([`GpuBackend`]) so
//! tests and pages can pass their own device.
//!
//! Each kernel is a Rust type whose values are its variants (the pipeline
//! cache key), and each uniform is a Rust struct the WGSL `Params` is
//! generated from: see "Adding a kernel" in `ops/mod.rs`.

mod backend;
mod context;
mod ops;
mod pipelines;
mod self_test;
mod tensor;
mod uniform;
mod weights;

pub use backend::GpuBackend;
pub use context::GpuContext;
pub use self_test::self_test;
pub use tensor::GpuTensor;
pub use weights::{GpuWeights, WeightFormat};
