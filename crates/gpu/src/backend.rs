//! [`GpuBackend`]: uploads, dispatch and read-back. The ops themselves live in
//! `ops/`, one per file; this file only routes the trait to them.

use std::sync::{Arc, Mutex};

use nunchi_engine::candle_core::quantized::QTensor;
use nunchi_engine::{Activation, Backend, Error, Result};

use crate::context::GpuContext;
use crate::ops;
use crate::pipelines::{Kernel, KernelKey, PipelineCache};
use crate::tensor::GpuTensor;
use crate::uniform::Uniform;
use crate::weights::GpuWeights;

/// Dispatches are recorded into one command encoder and submitted together;
/// this bounds how many wait before a submit, and so the memory they pin.
const MAX_PENDING_DISPATCHES: usize = 256;

pub struct GpuBackend {
    ctx: Arc<GpuContext>,
    pipelines: PipelineCache,
    pending: Mutex<Pending>,
    /// `NUNCHI_GPU_PROFILE` set (natively): wait for every dispatch and print its time.
    profile: bool,
    /// The largest buffer this backend binds: the adapter's limits (read once), or lower.
    binding_limit: u64,
}

#[derive(Default)]
struct Pending {
    encoder: Option<wgpu::CommandEncoder>,
    dispatches: usize,
}

/// A storage buffer bound at `binding` for one dispatch.
pub(crate) struct Bind<'a>(pub u32, pub &'a wgpu::Buffer);

impl GpuBackend {
    pub fn new(ctx: Arc<GpuContext>) -> Self {
        let profile = cfg!(not(target_arch = "wasm32")) && std::env::var_os("NUNCHI_GPU_PROFILE").is_some();
        let limits = ctx.device.limits();
        let binding_limit = limits.max_storage_buffer_binding_size.min(limits.max_buffer_size);
        Self { ctx, pipelines: PipelineCache::default(), pending: Mutex::new(Pending::default()), profile, binding_limit }
    }

    /// Binds no buffer larger than `bytes` (nor the adapter's limit): weights
    /// larger than that are uploaded in parts. Adapters with small limits need no
    /// call; tests use it to split weights on any adapter.
    pub fn with_binding_limit(mut self, bytes: u64) -> Self {
        self.binding_limit = self.binding_limit.min(bytes);
        self
    }

    pub(crate) fn binding_limit(&self) -> u64 {
        self.binding_limit
    }

    pub fn context(&self) -> &GpuContext {
        &self.ctx
    }

    fn device(&self) -> &wgpu::Device {
        &self.ctx.device
    }

    /// Checks a buffer against the adapter's limits before asking for it, so an
    /// oversized tensor is a clear error rather than a device error later.
    fn check_size(&self, bytes: u64, what: &str) -> Result<()> {
        let max = self.binding_limit;
        if bytes > max {
            return Err(Error::backend(format!(
                "{what} needs a {bytes}-byte buffer; this WebGPU adapter binds at most {max} bytes"
            )));
        }
        Ok(())
    }

    /// A storage buffer for `len` f32 values (never zero-sized: WebGPU cannot bind those).
    pub(crate) fn output(&self, len: usize, what: &str) -> Result<wgpu::Buffer> {
        let bytes = (len.max(1) * 4) as u64;
        self.check_size(bytes, what)?;
        Ok(self.device().create_buffer(&wgpu::BufferDescriptor {
            label: Some(what),
            size: bytes,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        }))
    }

    pub(crate) fn upload_words(&self, words: &[u32], what: &str) -> Result<wgpu::Buffer> {
        let buffer = self.output(words.len(), what)?;
        self.write(&buffer, bytemuck::cast_slice(words));
        Ok(buffer)
    }

    /// Queues `bytes` into `buffer` ahead of the next submit. (Not a buffer
    /// mapped at creation: wgpu panics mapping one on a lost device.)
    fn write(&self, buffer: &wgpu::Buffer, bytes: &[u8]) {
        if !bytes.is_empty() {
            self.ctx.queue.write_buffer(buffer, 0, bytes);
        }
    }

    pub(crate) fn upload_f32(&self, values: &[f32], what: &str) -> Result<wgpu::Buffer> {
        self.upload_words(bytemuck::cast_slice(values), what)
    }

    /// Records one dispatch of `kernel` with its uniform `params` and storage
    /// `binds`, over `groups` workgroups (x, y, z).
    pub(crate) fn dispatch<K: Kernel>(&self, kernel: K, params: &K::Params, binds: &[Bind<'_>], groups: [u32; 3]) -> Result<()> {
        let key: KernelKey = kernel.into();
        // A lost or failed device fails fast, before more work is queued on it.
        self.ctx.check()?;
        if groups.contains(&0) {
            return Ok(());
        }
        let max_groups = self.device().limits().max_compute_workgroups_per_dimension;
        if groups.iter().any(|&g| g > max_groups) {
            return Err(Error::backend(format!(
                "{key:?} needs {groups:?} workgroups; the adapter allows {max_groups} per dimension"
            )));
        }
        let pipeline = self.pipelines.get(self.device(), kernel)?;
        // Sized as WGSL sizes `Params` (a 16-byte multiple); the tail past the
        // Rust struct stays zero, as new buffers are.
        let uniform = self.device().create_buffer(&wgpu::BufferDescriptor {
            label: Some("params"),
            size: K::Params::BUFFER_SIZE as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        self.write(&uniform, bytemuck::bytes_of(params));
        let mut entries = vec![wgpu::BindGroupEntry { binding: 0, resource: uniform.as_entire_binding() }];
        entries.extend(
            binds
                .iter()
                .map(|Bind(binding, buffer)| wgpu::BindGroupEntry { binding: *binding, resource: buffer.as_entire_binding() }),
        );
        let bind_group = self.device().create_bind_group(&wgpu::BindGroupDescriptor {
            label: None,
            layout: &pipeline.get_bind_group_layout(0),
            entries: &entries,
        });
        let mut pending = self.pending()?;
        let encoder = pending.encoder.get_or_insert_with(|| self.device().create_command_encoder(&Default::default()));
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            pass.set_pipeline(&pipeline);
            pass.set_bind_group(0, &bind_group, &[]);
            pass.dispatch_workgroups(groups[0], groups[1], groups[2]);
        }
        pending.dispatches += 1;
        if self.profile {
            let t = std::time::Instant::now();
            self.submit(&mut pending, None);
            let _ = self.device().poll(wgpu::PollType::wait_indefinitely());
            eprintln!("nunchi-gpu: {key:?} {groups:?} workgroups: {:.3} ms", t.elapsed().as_secs_f64() * 1e3);
        } else if pending.dispatches >= MAX_PENDING_DISPATCHES {
            self.submit(&mut pending, None);
        }
        Ok(())
    }

    /// Workgroups for `groups` flat groups, folded into 2-D past the per-dimension limit
    /// (kernels recover the flat index with `flat_group`).
    pub(crate) fn grid(&self, groups: usize) -> [u32; 3] {
        let max = self.device().limits().max_compute_workgroups_per_dimension as usize;
        if groups <= max {
            [groups as u32, 1, 1]
        } else {
            [max as u32, groups.div_ceil(max) as u32, 1]
        }
    }

    fn pending(&self) -> Result<std::sync::MutexGuard<'_, Pending>> {
        self.pending.lock().map_err(|_| Error::backend("the WebGPU command queue was poisoned by an earlier panic"))
    }

    /// Submits what is recorded, plus `then` (a read-back copy) after it.
    fn submit(&self, pending: &mut Pending, then: Option<wgpu::CommandEncoder>) {
        let recorded = pending.encoder.take().map(|e| e.finish());
        pending.dispatches = 0;
        self.ctx.queue.submit(recorded.into_iter().chain(then.map(|e| e.finish())));
    }

    /// Copies `x` into a mappable buffer and submits everything recorded.
    fn stage_read(&self, x: &GpuTensor) -> Result<(wgpu::Buffer, u64)> {
        let bytes = (x.elem_count() * 4) as u64;
        let staging = self.device().create_buffer(&wgpu::BufferDescriptor {
            label: Some("read-back"),
            size: bytes.max(4),
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let mut copy = self.device().create_command_encoder(&Default::default());
        if bytes > 0 {
            copy.copy_buffer_to_buffer(&x.buffer, 0, &staging, 0, bytes);
        }
        let mut pending = self.pending()?;
        self.submit(&mut pending, Some(copy));
        Ok((staging, bytes))
    }

    pub(crate) fn tensor_from(&self, buffer: wgpu::Buffer, dims: Vec<usize>) -> GpuTensor {
        GpuTensor { buffer, dims }
    }
}

impl Backend for GpuBackend {
    type Tensor = GpuTensor;
    type Matrix = GpuWeights;
    type Table = GpuWeights;

    fn name(&self) -> &'static str {
        "webgpu"
    }

    fn matrix(&self, weight: QTensor) -> Result<GpuWeights> {
        GpuWeights::upload(self, &weight, "a weight matrix")
    }

    fn table(&self, weight: QTensor) -> Result<GpuWeights> {
        GpuWeights::upload(self, &weight, "an embedding table")
    }

    fn tensor(&self, data: &[f32], dims: &[usize]) -> Result<GpuTensor> {
        let n: usize = dims.iter().product();
        if n != data.len() {
            return Err(Error::backend(format!("{} values do not fill shape {dims:?}", data.len())));
        }
        Ok(self.tensor_from(self.upload_f32(data, "a tensor")?, dims.to_vec()))
    }

    fn to_vec(&self, x: &GpuTensor) -> Result<Vec<f32>> {
        #[cfg(not(target_arch = "wasm32"))]
        {
            pollster::block_on(self.read(x))
        }
        #[cfg(target_arch = "wasm32")]
        {
            let _ = x;
            Err(Error::backend("a page cannot block on WebGPU: results must be read with the async API"))
        }
    }

    fn read(&self, x: &GpuTensor) -> impl std::future::Future<Output = Result<Vec<f32>>> {
        let staged = self.stage_read(x);
        let ctx = self.ctx.clone();
        async move {
            let (staging, bytes) = staged?;
            let (tx, rx) = futures_channel::oneshot::channel();
            staging.slice(..).map_async(wgpu::MapMode::Read, move |r| {
                let _ = tx.send(r);
            });
            // Natively nothing drives the device but this poll; in a browser the
            // event loop does, and poll does nothing.
            #[cfg(not(target_arch = "wasm32"))]
            ctx.device
                .poll(wgpu::PollType::wait_indefinitely())
                .map_err(|e| Error::backend(format!("waiting for the WebGPU device failed: {e}")))?;
            let mapped = rx.await;
            ctx.check()?;
            mapped
                .map_err(|_| Error::backend("the WebGPU read-back was dropped before it completed"))?
                .map_err(|e| Error::backend(format!("reading back from the WebGPU device failed: {e}")))?;
            let values = {
                let view =
                    staging.slice(..).get_mapped_range().map_err(|e| Error::backend(format!("reading back failed: {e}")))?;
                bytemuck::cast_slice::<u8, f32>(&view[..bytes as usize]).to_vec()
            };
            staging.unmap();
            Ok(values)
        }
    }

    fn dims(&self, x: &GpuTensor) -> Vec<usize> {
        x.dims.clone()
    }

    fn linear(&self, x: &GpuTensor, w: &GpuWeights, bias: Option<&GpuTensor>) -> Result<GpuTensor> {
        ops::linear::linear(self, x, w, bias)
    }

    fn gather(&self, table: &GpuWeights, ids: &[u32], dims: &[usize]) -> Result<GpuTensor> {
        ops::gather::gather(self, table, ids, dims)
    }

    fn matmul(&self, a: &GpuTensor, b: &GpuTensor) -> Result<GpuTensor> {
        ops::matmul::matmul(self, a, b)
    }

    fn layer_norm(&self, x: &GpuTensor, gamma: &GpuTensor, beta: &GpuTensor, eps: f32) -> Result<GpuTensor> {
        ops::norm::layer_norm(self, x, gamma, beta, eps)
    }

    fn rms_norm(&self, x: &GpuTensor, gamma: &GpuTensor, eps: f32) -> Result<GpuTensor> {
        ops::norm::rms_norm(self, x, gamma, eps)
    }

    fn activation(&self, x: &GpuTensor, f: Activation) -> Result<GpuTensor> {
        ops::activation::activation(self, x, f)
    }

    fn softmax(&self, x: &GpuTensor) -> Result<GpuTensor> {
        ops::softmax::softmax(self, x)
    }

    fn argmax(&self, x: &GpuTensor) -> Result<GpuTensor> {
        ops::argmax::argmax(self, x)
    }

    fn top_k(&self, x: &GpuTensor, k: usize) -> Result<(GpuTensor, GpuTensor)> {
        ops::top_k::top_k(self, x, k)
    }

    fn attention(&self, q: &GpuTensor, k: &GpuTensor, v: &GpuTensor, bias: Option<&GpuTensor>, scale: f32) -> Result<GpuTensor> {
        ops::attention::attention(self, q, k, v, bias, scale)
    }

    fn add(&self, a: &GpuTensor, b: &GpuTensor) -> Result<GpuTensor> {
        ops::binary::binary(self, a, b, ops::binary::BinaryOp::Add)
    }

    fn mul(&self, a: &GpuTensor, b: &GpuTensor) -> Result<GpuTensor> {
        ops::binary::binary(self, a, b, ops::binary::BinaryOp::Mul)
    }

    fn reshape(&self, x: &GpuTensor, dims: &[usize]) -> Result<GpuTensor> {
        if dims.iter().product::<usize>() != x.elem_count() {
            return Err(Error::backend(format!("cannot reshape {:?} to {dims:?}", x.dims)));
        }
        Ok(GpuTensor { buffer: x.buffer.clone(), dims: dims.to_vec() })
    }

    fn transpose(&self, x: &GpuTensor, d1: usize, d2: usize) -> Result<GpuTensor> {
        ops::copy::transpose(self, x, d1, d2)
    }

    fn concat(&self, xs: &[&GpuTensor], dim: usize) -> Result<GpuTensor> {
        ops::copy::concat(self, xs, dim)
    }

    fn narrow(&self, x: &GpuTensor, dim: usize, start: usize, len: usize) -> Result<GpuTensor> {
        ops::copy::narrow(self, x, dim, start, len)
    }

    fn masked_mean(&self, x: &GpuTensor, mask: &GpuTensor) -> Result<GpuTensor> {
        ops::masked_mean::masked_mean(self, x, mask)
    }
}
