//! Activations on the device: a dense row-major f32 buffer and its shape.

/// A dense row-major f32 tensor in a device buffer. Cloning shares the buffer.
#[derive(Clone, Debug)]
pub struct GpuTensor {
    pub(crate) buffer: wgpu::Buffer,
    pub(crate) dims: Vec<usize>,
}

impl GpuTensor {
    pub fn dims(&self) -> &[usize] {
        &self.dims
    }

    pub fn elem_count(&self) -> usize {
        self.dims.iter().product()
    }
}

/// Row-major strides of `dims`.
pub(crate) fn strides(dims: &[usize]) -> Vec<usize> {
    let mut s = vec![1; dims.len()];
    for i in (0..dims.len().saturating_sub(1)).rev() {
        s[i] = s[i + 1] * dims[i + 1];
    }
    s
}
