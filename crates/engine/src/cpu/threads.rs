//! The CPU kernels' threads (the `threads` feature: rayon, in wasm over Web
//! Workers sharing one memory and one copy of the model). Two kinds of work
//! use them: whole independent model calls ([`map_concurrently`], e.g. an
//! embed batch's length buckets) and the columns of one q8_0 layer
//! ([`super::q8::parallel`]). rayon nests the two: a thread done with its
//! own call takes over column blocks of a call still running. A T5 step,
//! whose one-row layers are too small and too many to wait for wake-ups, runs
//! with the other threads spinning as its helpers ([`super::team::with_team`]).

use std::sync::atomic::{AtomicUsize, Ordering};

/// Threads the kernels may use; 1 until [`set_threads`] says a pool is ready
/// (in wasm, asking rayon before its pool is built would try to spawn a
/// thread, which the platform cannot).
static THREADS: AtomicUsize = AtomicUsize::new(1);

/// Lets the kernels use `threads` threads of rayon's global pool (1 turns
/// threading off). Call once the pool is built.
pub fn set_threads(threads: usize) {
    THREADS.store(threads.max(1), Ordering::Relaxed);
}

/// The threads the kernels use now.
pub fn threads() -> usize {
    THREADS.load(Ordering::Relaxed)
}

/// `items.map(f)`, in order: concurrently on rayon's pool when there are
/// threads and more than one item. A single item (a one-text call) runs with
/// the other threads spinning as its helpers ([`super::team::with_team`]), so
/// its layers split without waiting for sleeping threads to wake. Each item's
/// result is what `f` alone gives it, so this changes speed, never numbers.
pub fn map_concurrently<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync + Send) -> Vec<R> {
    #[cfg(feature = "threads")]
    if threads() > 1 && items.len() > 1 {
        use rayon::prelude::*;
        return items.into_par_iter().map(f).collect();
    }
    if items.len() == 1 {
        return super::team::with_team(|| items.into_iter().map(f).collect());
    }
    items.into_iter().map(f).collect()
}
