//! Shared test support: one device for every test in a binary, seeded random
//! data, and the comparisons.
#![allow(dead_code)]

use std::sync::Arc;

use nunchi_gpu::{GpuBackend, GpuContext};

/// The test device. Natively this is whatever Vulkan adapter is present; CI
/// installs Mesa's lavapipe (`mesa-vulkan-drivers`), a CPU Vulkan driver.
#[cfg(not(target_arch = "wasm32"))]
pub fn context() -> Arc<GpuContext> {
    static CONTEXT: std::sync::OnceLock<Arc<GpuContext>> = std::sync::OnceLock::new();
    CONTEXT
        .get_or_init(|| {
            let ctx = GpuContext::request_blocking()
                .unwrap_or_else(|e| panic!("{e}: the WebGPU tests need a Vulkan driver (apt-get install mesa-vulkan-drivers)"));
            eprintln!("WebGPU adapter: {}", ctx.adapter_name);
            Arc::new(ctx)
        })
        .clone()
}

#[cfg(not(target_arch = "wasm32"))]
pub fn gpu() -> GpuBackend {
    GpuBackend::new(context())
}

/// The test backend on either target: natively the shared Vulkan device; in a
/// browser (wasm32, under wasm-bindgen-test) the page's WebGPU adapter,
/// requested once (a page cannot block on it, so this is async everywhere).
#[cfg(not(target_arch = "wasm32"))]
pub async fn shared_gpu() -> GpuBackend {
    gpu()
}

#[cfg(target_arch = "wasm32")]
pub async fn shared_gpu() -> GpuBackend {
    thread_local! {
        static CONTEXT: std::cell::RefCell<Option<Arc<GpuContext>>> = const { std::cell::RefCell::new(None) };
    }
    if let Some(ctx) = CONTEXT.with(|c| c.borrow().clone()) {
        return GpuBackend::new(ctx);
    }
    let ctx = GpuContext::request()
        .await
        .unwrap_or_else(|e| panic!("{e}: the browser kernel tests need WebGPU (Chromium with --enable-unsafe-webgpu)"));
    web_sys_log(&format!("WebGPU adapter: {}", ctx.adapter_name));
    // `GpuBackend::new` takes an Arc; wgpu's web types are !Send, but a page has one thread.
    #[allow(clippy::arc_with_non_send_sync)]
    let ctx = Arc::new(ctx);
    CONTEXT.with(|c| *c.borrow_mut() = Some(ctx.clone()));
    GpuBackend::new(ctx)
}

#[cfg(target_arch = "wasm32")]
fn web_sys_log(message: &str) {
    wasm_bindgen_test::console_log!("{message}");
}

/// Seeded values in [-scale, scale) (xorshift; tests need no rand crate).
pub fn random(n: usize, seed: u64, scale: f32) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            ((s >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * scale
        })
        .collect()
}

pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "lengths differ");
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (na * nb).max(1e-30)
}
