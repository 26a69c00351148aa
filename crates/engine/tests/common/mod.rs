//! Helpers shared by the engine's kernel tests and benches: test data from
//! the engine's seeded generator, a clock that works natively and on wasm32, and `log!`, which
//! prints natively and through wasm-bindgen-test's console on wasm32.
#![allow(dead_code, unused_macros)] // each test file uses its own subset

/// `println!` natively; wasm-bindgen-test's `console_log!` on wasm32.
#[cfg(not(target_arch = "wasm32"))]
macro_rules! log { ($($t:tt)*) => { println!($($t)*) } }
#[cfg(target_arch = "wasm32")]
macro_rules! log { ($($t:tt)*) => { wasm_bindgen_test::console_log!($($t)*) } }

/// The engine's seeded generator, so failures reproduce.
pub use nunchi_engine::Rng;

/// The shapes of test data the kernel tests draw from the generator.
pub trait TestValues {
    /// Uniform in [-1, 1).
    fn unit(&mut self) -> f32;
    /// Activation-like values: mostly small, an occasional outlier, some exact zeros.
    fn activations(&mut self, len: usize) -> Vec<f32>;
}

impl TestValues for Rng {
    fn unit(&mut self) -> f32 {
        self.next_signed_f32()
    }

    fn activations(&mut self, len: usize) -> Vec<f32> {
        (0..len)
            .map(|_| match self.next_u64() % 64 {
                0 => 0.0,
                1 => 20.0 * self.unit(),
                _ => self.unit(),
            })
            .collect()
    }
}

/// `got` equals `want` bit for bit (a kernel against its twin).
pub fn assert_bits_equal(what: &str, got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(g.to_bits(), w.to_bits(), "{what}: output {i}: {g} vs {w}");
    }
}

/// Milliseconds from an arbitrary start, for the benches.
pub fn now_ms() -> f64 {
    #[cfg(target_arch = "wasm32")]
    return js_sys::Date::now();
    #[cfg(not(target_arch = "wasm32"))]
    {
        use std::sync::OnceLock;
        static START: OnceLock<std::time::Instant> = OnceLock::new();
        START.get_or_init(std::time::Instant::now).elapsed().as_secs_f64() * 1e3
    }
}

/// Runs `f` once to warm up, then for at least 300 ms; returns (runs, elapsed ms).
pub fn timed(mut f: impl FnMut()) -> (usize, f64) {
    f();
    let (start, mut runs) = (now_ms(), 0);
    while now_ms() - start < 300.0 {
        f();
        runs += 1;
    }
    (runs, now_ms() - start)
}
