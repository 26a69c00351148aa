//! One op per file. Each checks shapes when the op is built, sizes its output
//! and dispatches its kernel; none reads data back.
//!
//! # Adding a kernel
//!
//! 1. Write its body in `kernels/<name>.wgsl` with entry point `main`; read
//!    the uniform as `p` and bind storage buffers from 1 (don't declare
//!    `Params`: it is generated).
//! 2. In `ops/<name>.rs`, declare the uniform with `uniform!` (`vec4` fields
//!    first; the build fails on a layout WGSL would read differently).
//! 3. Define the kernel's type, whose values are exactly its variants (a unit
//!    struct, an enum, or a struct of enums like `linear::Linear`), and
//!    `impl Kernel` for it: its `Params`, its WGSL pieces, its `variants()`.
//! 4. Add it to `kernel_keys!` in `pipelines.rs`; dispatch with
//!    `gpu.dispatch(kernel, &params, ..)`. The unit tests then compile every
//!    variant through naga and check `Params` against the Rust layout.

pub(crate) mod activation;
pub(crate) mod argmax;
pub(crate) mod attention;
pub(crate) mod binary;
pub(crate) mod copy;
pub(crate) mod gather;
pub(crate) mod linear;
pub(crate) mod masked_mean;
pub(crate) mod matmul;
pub(crate) mod norm;
pub(crate) mod softmax;
pub(crate) mod top_k;

use nunchi_engine::{Error, Result};

/// The element-wise kernels index rank-4 views.
pub(crate) const MAX_RANK: usize = 4;

/// `dims` left-padded with 1s to rank 4.
pub(crate) fn rank4(dims: &[usize], op: &str) -> Result<[usize; 4]> {
    if dims.len() > MAX_RANK {
        return Err(Error::backend(format!("{op}: the WebGPU backend handles rank {MAX_RANK} at most, got shape {dims:?}")));
    }
    let mut out = [1; 4];
    out[MAX_RANK - dims.len()..].copy_from_slice(dims);
    Ok(out)
}

/// Values as the u32 words of a WGSL uniform, checked to fit.
pub(crate) fn u32s<const N: usize>(values: [usize; N], op: &str) -> Result<[u32; N]> {
    let mut out = [0u32; N];
    for (o, v) in out.iter_mut().zip(values) {
        *o = u32::try_from(v).map_err(|_| Error::backend(format!("{op}: size {v} is too large for the WebGPU kernels")))?;
    }
    Ok(out)
}

/// Flat workgroups of 256 threads covering `count` elements.
pub(crate) fn groups_of_256(count: usize) -> usize {
    count.div_ceil(256)
}
