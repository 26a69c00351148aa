//! A team of pool threads that spin between fork-joins, for model calls made
//! of many small parallel steps: a T5 decode step is a few dozen q8_0 layers
//! of one row, tens of microseconds each.
//!
//! rayon's idle workers go to sleep moments after they run out of work, and
//! waking a Web Worker costs a good part of such a layer, so a split layer
//! gained little. While [`with_team`] runs a call, the other threads of the
//! pool wait for work by spinning instead (as onnxruntime's pool does between
//! ops), and a split ([`fork`]) is picked up within a cache-line transfer.
//! The price is that the helpers keep their cores busy for the whole call.
//!
//! Protocol: the caller publishes a [`Job`] and makes the generation odd;
//! helpers see the new generation, register as active, check that the job is
//! still open, and claim task indices from the job's counter, as the caller
//! does. The caller then closes the job (generation even again) and waits
//! until no helper is active, so no helper holds the job once `fork` returns.

#![cfg_attr(not(feature = "threads"), allow(dead_code))]

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};

/// One fork-join: tasks `0..tasks`, each run once by whichever thread claims it.
struct Job<'a> {
    run: &'a (dyn Fn(usize) + Sync),
    tasks: usize,
    next: AtomicUsize,
}

impl Job<'_> {
    /// Claims and runs tasks until none are left.
    fn work(&self) {
        loop {
            let task = self.next.fetch_add(1, Ordering::Relaxed);
            if task >= self.tasks {
                return;
            }
            (self.run)(task);
        }
    }
}

/// The state the caller and its helpers share for one [`with_team`] call.
struct Team {
    /// Odd while a job is open.
    generation: AtomicUsize,
    /// The open job (valid only while the generation is odd).
    job: AtomicPtr<Job<'static>>,
    /// Helpers between registering for a job and leaving it.
    active: AtomicUsize,
    /// Set when the call is over: helpers return to the pool.
    dismissed: AtomicBool,
}

thread_local! {
    /// The team this thread leads, while it runs a [`with_team`] call and is
    /// not inside one of its own jobs (null otherwise).
    static LEADING: Cell<*const Team> = const { Cell::new(std::ptr::null()) };
}

/// Undoes a registration even if a task panics (natively; wasm aborts).
struct Registered<'a>(&'a AtomicUsize);

impl Drop for Registered<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Team {
    fn new() -> Self {
        Self {
            generation: AtomicUsize::new(0),
            job: AtomicPtr::new(std::ptr::null_mut()),
            active: AtomicUsize::new(0),
            dismissed: AtomicBool::new(false),
        }
    }

    /// A helper's loop: spin until a new job opens, join it, repeat until dismissed.
    fn help(&self) {
        // 0 is never a job's generation, so a job opened before this helper
        // started is still joined.
        let mut seen = 0;
        while !self.dismissed.load(Ordering::Acquire) {
            let generation = self.generation.load(Ordering::Acquire);
            if generation == seen || generation.is_multiple_of(2) {
                std::hint::spin_loop();
                continue;
            }
            seen = generation;
            self.active.fetch_add(1, Ordering::SeqCst);
            let _registered = Registered(&self.active);
            // The caller may have closed this job before we registered; if it
            // still is this generation, the caller waits for us to leave.
            if self.generation.load(Ordering::SeqCst) == generation {
                // SAFETY: the job outlives every registration made while its
                // generation was open (the caller waits for `active == 0`).
                let job = unsafe { &*self.job.load(Ordering::Acquire) };
                job.work();
            }
        }
    }

    /// Runs `run(0..tasks)` on this thread and any helper that joins.
    fn fork(&self, tasks: usize, run: &(dyn Fn(usize) + Sync)) {
        let job = Job { run, tasks, next: AtomicUsize::new(0) };
        // SAFETY (lifetime): helpers only use the job while registered, and
        // this function does not return before every registration is undone.
        let published = &job as *const Job<'_> as *mut Job<'static>;
        self.job.store(published, Ordering::Release);
        let open = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        debug_assert!(open % 2 == 1, "one job at a time");
        job.work();
        self.generation.store(open + 1, Ordering::SeqCst);
        while self.active.load(Ordering::SeqCst) != 0 {
            std::hint::spin_loop();
        }
    }
}

/// Runs `f` with the kernels' other threads spinning as its helpers, so the
/// splits inside it ([`fork`]) start at once. Without the `threads` feature,
/// with one thread, or inside another team call, it just runs `f`.
pub fn with_team<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    #[cfg(feature = "threads")]
    {
        let helpers = super::threads::threads().saturating_sub(1);
        if helpers > 0 && leading().is_none() {
            let team = Team::new();
            let team = &team;
            return rayon::scope(|scope| {
                for _ in 0..helpers {
                    scope.spawn(move |_| team.help());
                }
                /// Dismisses the helpers even if `f` panics, so the scope can end.
                struct Dismiss<'a>(&'a Team);
                impl Drop for Dismiss<'_> {
                    fn drop(&mut self) {
                        self.0.dismissed.store(true, Ordering::Release);
                        LEADING.with(|l| l.set(std::ptr::null()));
                    }
                }
                let _dismiss = Dismiss(team);
                LEADING.with(|l| l.set(team as *const Team));
                f()
            });
        }
    }
    f()
}

fn leading() -> Option<*const Team> {
    let team = LEADING.with(|l| l.get());
    (!team.is_null()).then_some(team)
}

/// Whether this thread leads a team now, so a split would start at once.
pub fn in_team() -> bool {
    leading().is_some()
}

/// Runs `run(i)` for every `i` in `0..tasks`, shared with the team's helpers
/// when this thread leads one ([`in_team`]), else one after another. Tasks
/// that split again run their splits on their own thread.
pub fn fork(tasks: usize, run: &(dyn Fn(usize) + Sync)) {
    match leading() {
        Some(team) if tasks > 1 => {
            LEADING.with(|l| l.set(std::ptr::null()));
            /// Leads again after the job, even if a task panics.
            struct Lead(*const Team);
            impl Drop for Lead {
                fn drop(&mut self) {
                    LEADING.with(|l| l.set(self.0));
                }
            }
            let _lead = Lead(team);
            // SAFETY: `with_team` keeps the team alive while it is LEADING.
            unsafe { &*team }.fork(tasks, run);
        }
        _ => (0..tasks).for_each(run),
    }
}

/// `fork` collecting each task's result, in task order.
pub fn fork_map<R: Send>(tasks: usize, run: impl Fn(usize) -> R + Sync) -> Vec<R> {
    let slots: Vec<std::sync::Mutex<Option<R>>> = (0..tasks).map(|_| std::sync::Mutex::new(None)).collect();
    fork(tasks, &|task| {
        let result = run(task);
        *slots[task].lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(result);
    });
    slots
        .into_iter()
        .map(|slot| slot.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner()).expect("fork runs every task"))
        .collect()
}

/// Runs `f` on `values` cut into one chunk per team thread (each a multiple
/// of `align` values, at least `min_chunk`), when this thread leads a team;
/// else on all of `values` at once. For elementwise and row-wise kernels,
/// whose results do not depend on the cut.
pub fn for_each_chunk_mut(values: &mut [f32], align: usize, min_chunk: usize, f: impl Fn(&mut [f32]) + Sync) {
    let align = align.max(1);
    let units = values.len() / align;
    let tasks = if in_team() { super::threads::threads().min(values.len() / min_chunk.max(1)).min(units) } else { 1 };
    if tasks <= 1 {
        return f(values);
    }
    let per_task = units.div_ceil(tasks) * align;
    let chunks: Vec<std::sync::Mutex<&mut [f32]>> = values.chunks_mut(per_task).map(std::sync::Mutex::new).collect();
    fork(chunks.len(), &|task| {
        let mut chunk = chunks[task].lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut chunk)
    });
}
