//! The kernels' threads. In the threads build (feature `threads`: nightly,
//! `+atomics`, shared memory) the package's worker first calls
//! `initThreadPool(n)` (re-exported in lib.rs), which starts rayon's pool on
//! `n` Web Workers sharing this module's memory, then `setKernelThreads(n)`.
//! The pool then runs an embed batch's length buckets side by side and splits
//! each q8_0 layer's columns; a T5 call runs with the other threads spinning
//! as its helpers ([`on_team`]). The single-thread build has neither pool nor
//! split, and reports 1.

use wasm_bindgen::prelude::*;

/// Whether this is the threads build.
#[wasm_bindgen(js_name = hasThreads)]
pub fn has_threads() -> bool {
    cfg!(feature = "threads")
}

/// Lets the CPU model calls use `threads` threads of the pool that
/// `initThreadPool` built (1 turns threading off); returns the threads used,
/// always 1 in the single-thread build.
#[wasm_bindgen(js_name = setKernelThreads)]
pub fn set_kernel_threads(threads: usize) -> usize {
    let threads = if has_threads() { threads.max(1) } else { 1 };
    nunchi_engine::cpu::threads::set_threads(threads);
    threads
}

/// The threads the CPU model calls use now.
#[wasm_bindgen(js_name = kernelThreads)]
pub fn kernel_threads() -> usize {
    nunchi_engine::cpu::threads::threads()
}

/// Runs a CPU model call `f` on a thread of the kernels' pool when there is
/// one, and on this thread otherwise. Inside the pool, the thread running the
/// model does its own share of every split layer and hands the rest to idle
/// threads, which it takes back if they are slow to wake; called from outside,
/// every layer would wait for two wake-ups (pool, then caller). The calling
/// worker sleeps once per call instead.
pub(crate) fn on_pool<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    #[cfg(all(feature = "threads", target_arch = "wasm32"))]
    if kernel_threads() > 1 {
        return rayon::scope(|_| f());
    }
    f()
}

/// [`on_pool`] for a T5 call (a generation step, a scoring): the pool's other
/// threads spin as the call's helpers (`nunchi_engine::cpu::team`). A decode
/// step's layers are one row each, many and small; a spinning helper takes its
/// share at once, where a sleeping one wakes late. Measured on 2 threads,
/// greedy decode: 1.36-1.44x one thread, against 1.07-1.24x with `on_pool`.
pub(crate) fn on_team<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    nunchi_engine::cpu::team::with_team(f)
}
