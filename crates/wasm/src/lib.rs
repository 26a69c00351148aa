//! wasm-bindgen bindings for the `nunchi` npm package: model bytes in, typed
//! results out. Fetching, caching and progress live in the package's
//! JavaScript; every failure here becomes a JS `Error` with a stable `code`.

mod classifier;
mod data;
mod encoder;
mod errors;
mod finetune;
mod loader;
mod tasks;
mod text2text;
mod threads;
mod topics;

use wasm_bindgen::prelude::*;

pub use classifier::TextClassifier;
pub use encoder::Encoder;
pub use finetune::FineTuning;
pub use tasks::Classifier;
pub use text2text::Text2Text;
/// `initThreadPool(n)` in JS: the threads build's rayon pool on `n` Web Workers.
#[cfg(all(feature = "threads", target_arch = "wasm32"))]
pub use wasm_bindgen_rayon::init_thread_pool;

/// Installs the panic hook once, so a bug prints a Rust message, not "unreachable".
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

/// Bytes of linear memory the module holds now (grows, never shrinks).
#[wasm_bindgen(js_name = wasmMemoryBytes)]
pub fn wasm_memory_bytes() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        (core::arch::wasm32::memory_size(0) * 65536) as f64
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0.0
    }
}
