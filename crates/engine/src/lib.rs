//! nunchi's engine: the [`Backend`] trait that models are written against, its
//! CPU implementation on candle, the error type and the weight formats.

pub mod backend;
pub mod cpu;
pub mod error;
pub mod quant;
pub mod rng;
pub mod vector;

pub use backend::{Activation, Backend};
pub use cpu::CpuBackend;
pub use error::{Error, ErrorKind, Result, ResultExt};
pub use quant::Quant;
pub use rng::Rng;

/// Re-exported so downstream crates name one candle version.
pub use candle_core;
