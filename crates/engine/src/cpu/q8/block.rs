//! The GGML q8_0 block as it sits in a GGUF file and in candle's `QTensor`
//! bytes: an f16 scale followed by 32 signed 8-bit quants.

use crate::error::{Error, Result};

/// Values per q8_0 block (ggml's `QK8_0`).
pub const BLOCK: usize = 32;
/// Bytes per q8_0 block: 2 (f16 scale) + 32 quants.
pub const BLOCK_BYTES: usize = 2 + BLOCK;

/// One q8_0 block, byte-compatible with ggml's `block_q8_0` and candle's `BlockQ8_0`.
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(C)]
pub struct BlockQ8_0 {
    /// The scale, as raw f16 bits.
    pub d_bits: u16,
    pub qs: [i8; BLOCK],
}
const _: () = assert!(std::mem::size_of::<BlockQ8_0>() == BLOCK_BYTES);

impl BlockQ8_0 {
    pub fn scale(&self) -> f32 {
        half::f16::from_bits(self.d_bits).to_f32()
    }

    /// Reads block `index` of a q8_0 byte buffer (little-endian scale, as GGUF stores it).
    pub fn read(bytes: &[u8], index: usize) -> Result<Self> {
        let start = index * BLOCK_BYTES;
        let raw =
            bytes.get(start..start + BLOCK_BYTES).ok_or_else(|| Error::format(format!("q8_0 data ends before block {index}")))?;
        let mut qs = [0i8; BLOCK];
        for (q, &byte) in qs.iter_mut().zip(&raw[2..]) {
            *q = byte as i8;
        }
        Ok(Self { d_bits: u16::from_le_bytes([raw[0], raw[1]]), qs })
    }
}
