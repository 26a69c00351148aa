//! The fuzz targets on stable Rust, as CI runs them:
//! `cargo test --release -p nunchi-fuzzing`. Each target replays every
//! committed input (`fuzz/corpus/<target>/`, `fuzz/regressions/<target>/`),
//! then a seeded mutation loop over them: no sanitizer and no coverage
//! feedback, but the same inputs every run, so a failure reproduces.
//! `NUNCHI_SMOKE_ITERATIONS` overrides every target's mutation count, and
//! `NUNCHI_SMOKE_SEED` changes the mutations (for longer hunts by hand).
//!
//! A panic fails the test, and so does a single allocation above
//! [`ALLOCATION_LIMIT`] (libFuzzer's `-malloc_limit_mb`): a length field
//! believed without checking. Either way the input is saved for replay.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::time::Instant;

use nunchi_fuzzing::corpus::{corpus_dir, files, regressions_dir};
use nunchi_fuzzing::mutate::Mutator;

/// Inputs stop growing here (libFuzzer's default), or just past the largest seed.
const MAX_LEN: usize = 4096;

/// The largest single allocation one input may cause: far above what the
/// fixtures and any seed need, far below what a wasm module can hold.
const ALLOCATION_LIMIT: usize = 256 << 20;

thread_local! {
    /// This thread's largest allocation since the last reset (const: the allocator may not allocate).
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

/// The system allocator, recording each thread's largest request.
struct Tracking;

fn record(size: usize) {
    let _ = LARGEST.try_with(|l| l.set(l.get().max(size)));
}

unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        record(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        record(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        record(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Tracking = Tracking;

/// FNV-1a: a stable seed from the target's name.
fn seed_of(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
}

/// Saves an input that made `target` panic, for replay and for `fuzz/regressions/`.
fn save_crash(target: &str, data: &[u8]) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fuzz-smoke").join(target);
    let path = dir.join(format!("crash-{:016x}", seed_of(&String::from_utf8_lossy(data))));
    let saved = std::fs::create_dir_all(&dir).and_then(|_| std::fs::write(&path, data));
    if let Err(e) = saved {
        eprintln!("could not save the input to {}: {e}", path.display());
    }
    path
}

fn run_one(target: &str, body: fn(&[u8]), data: &[u8], origin: &str) {
    LARGEST.with(|l| l.set(0));
    let failure = match catch_unwind(AssertUnwindSafe(|| body(data))) {
        Err(_) => Some("panicked".to_string()),
        Ok(()) => Some(LARGEST.with(Cell::get))
            .filter(|&largest| largest > ALLOCATION_LIMIT)
            .map(|largest| format!("allocated {largest} bytes at once (the limit is {ALLOCATION_LIMIT})")),
    };
    if let Some(failure) = failure {
        let path = save_crash(target, data);
        panic!(
            "fuzz target {target} {failure} on {origin}; the input is saved at {}: fix it, then copy the input to fuzz/regressions/{target}/",
            path.display()
        );
    }
}

fn smoke(target: &str, iterations: usize) {
    let body = nunchi_fuzzing::TARGETS.iter().find(|(n, _)| *n == target).map(|(_, f)| *f).expect("a listed target");
    let iterations = std::env::var("NUNCHI_SMOKE_ITERATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(iterations);
    let seeds = files(&corpus_dir(target));
    let regressions = files(&regressions_dir(target));
    assert!(!seeds.is_empty(), "{} has no seeds", corpus_dir(target).display());
    let start = Instant::now();
    for (name, data) in seeds.iter().chain(&regressions) {
        run_one(target, body, data, &format!("the committed input {name}"));
    }
    let pool: Vec<Vec<u8>> = seeds.iter().chain(&regressions).map(|(_, d)| d.clone()).collect();
    let max_len = pool.iter().map(Vec::len).max().unwrap_or(0).saturating_add(256).max(MAX_LEN);
    let extra_seed = std::env::var("NUNCHI_SMOKE_SEED").ok().and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    let mut mutator = Mutator::new(seed_of(target) ^ extra_seed);
    for i in 0..iterations {
        let data = mutator.mutate(&pool, max_len);
        run_one(target, body, &data, &format!("mutated input {i}"));
    }
    let executions = pool.len() + iterations;
    let secs = start.elapsed().as_secs_f64();
    // Straight to stderr: the test harness captures print!, and these figures are the point of the run.
    let _ = writeln!(
        std::io::stderr(),
        "fuzz smoke {target}: {executions} executions ({} seeds, {} regressions, {iterations} mutated) in {secs:.1} s, {:.0} exec/s",
        seeds.len(),
        regressions.len(),
        executions as f64 / secs.max(1e-9)
    );
}

/// One test per target, so the harness runs them side by side; the counts
/// keep the whole smoke under a minute in release on two cores.
macro_rules! smoke_tests {
    ($($target:ident: $iterations:expr,)*) => {
        $(#[test]
        fn $target() {
            smoke(stringify!($target), $iterations);
        })*

        #[test]
        fn every_target_has_a_smoke_test() {
            let tested = [$(stringify!($target)),*];
            for (name, _) in nunchi_fuzzing::TARGETS {
                assert!(tested.contains(name), "no smoke test for {name}");
            }
        }
    };
}

smoke_tests! {
    gguf: 20_000,
    hf_files: 20_000,
    tokenizer: 10_000,
    csv: 50_000,
    head_json: 100_000,
    topics_json: 100_000,
    embed_text: 3_000,
}
