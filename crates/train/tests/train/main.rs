//! The training crate's tests, in one binary: each test binary links candle,
//! so one link serves them all.

mod common;
mod golden;
mod gradients;
mod pairs;
mod parity;
mod training;
