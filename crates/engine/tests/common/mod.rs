//! Helpers shared by the engine's kernel tests and benches: a seeded
//! generator, a clock that works natively and on wasm32, and `log!`, which
//! prints natively and through wasm-bindgen-test's console on wasm32.
#![allow(dead_code, unused_macros)] // each test file uses its own subset

// Relaxed-SIMD builds run in Chromium: Node 20's experimental relaxed SIMD
// computes `relaxed_dot_i8x16_i7x16_add_s` wrongly (doubled, no add).
#[cfg(all(target_arch = "wasm32", target_feature = "relaxed-simd"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// `println!` natively; wasm-bindgen-test's `console_log!` on wasm32.
#[cfg(not(target_arch = "wasm32"))]
macro_rules! log { ($($t:tt)*) => { println!($($t)*) } }
#[cfg(target_arch = "wasm32")]
macro_rules! log { ($($t:tt)*) => { wasm_bindgen_test::console_log!($($t)*) } }

/// splitmix64: a seeded generator, so failures reproduce.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [-1, 1).
    pub fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    }

    /// Activation-like values: mostly small, an occasional outlier, some exact zeros.
    pub fn activations(&mut self, len: usize) -> Vec<f32> {
        (0..len)
            .map(|_| match self.next_u64() % 64 {
                0 => 0.0,
                1 => 20.0 * self.unit(),
                _ => self.unit(),
            })
            .collect()
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
