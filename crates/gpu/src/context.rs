//! Finding an adapter and opening a device, kept apart from the kernels so a
//! caller may bring its own `wgpu::Device`.

use std::sync::{Arc, Mutex};

use nunchi_engine::{Error, Result};

/// An open device and its queue, plus the first error the device reported
/// (wgpu reports validation errors and device loss asynchronously).
pub struct GpuContext {
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    /// e.g. "llvmpipe (LLVM 15.0.6, 256 bits) (Vulkan)".
    pub adapter_name: String,
    failure: Arc<Mutex<Option<String>>>,
}

impl GpuContext {
    /// Opens the default high-performance adapter with its own limits (not
    /// WebGPU's defaults), so large weight buffers fit where the adapter allows.
    pub async fn request() -> Result<Self> {
        let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
        let adapter = instance
            .request_adapter(&wgpu::RequestAdapterOptions {
                power_preference: wgpu::PowerPreference::HighPerformance,
                ..Default::default()
            })
            .await
            .map_err(|e| Error::backend(format!("no WebGPU adapter: {e}")))?;
        let info = adapter.get_info();
        let adapter_name = format!("{} ({:?})", info.name, info.backend);
        let (device, queue) = adapter
            .request_device(&wgpu::DeviceDescriptor {
                label: Some("nunchi"),
                required_limits: adapter.limits(),
                ..Default::default()
            })
            .await
            .map_err(|e| Error::backend(format!("the WebGPU adapter {adapter_name} refused a device: {e}")))?;
        Ok(Self::from_device(device, queue, adapter_name))
    }

    /// [`GpuContext::request`], blocking (native only).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn request_blocking() -> Result<Self> {
        pollster::block_on(Self::request())
    }

    /// Wraps a device the caller opened. Errors the device raises later are
    /// recorded and returned by the next read-back instead of panicking.
    pub fn from_device(device: wgpu::Device, queue: wgpu::Queue, adapter_name: String) -> Self {
        let failure = Arc::new(Mutex::new(None));
        let on_error = failure.clone();
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| record(&on_error, format!("WebGPU error: {e}"))));
        let on_lost = failure.clone();
        device.set_device_lost_callback(move |reason, message| {
            record(&on_lost, format!("the WebGPU device was lost ({reason:?}): {message}"))
        });
        Self { device, queue, adapter_name, failure }
    }

    /// Destroys the device (what a browser does when it loses one); every
    /// later call fails with a clear error. For tests and `dispose`.
    pub fn destroy(&self) {
        record(&self.failure, "the WebGPU device was destroyed".into());
        self.device.destroy();
    }

    /// The first error the device reported, if any. A failed device stays failed.
    pub fn failure(&self) -> Option<String> {
        self.failure.lock().ok().and_then(|f| f.clone())
    }

    pub fn check(&self) -> Result<()> {
        match self.failure() {
            Some(message) => Err(Error::backend(message)),
            None => Ok(()),
        }
    }
}

fn record(slot: &Mutex<Option<String>>, message: String) {
    if let Ok(mut slot) = slot.lock() {
        slot.get_or_insert(message);
    }
}
