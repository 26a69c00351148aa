//! q8_0 weights repacked once at load for the GEMM kernels.
//!
//! Output rows are taken four at a time (a "group", one f32x4 lane per row).
//! Within a group and a 32-wide block, the quants are stored pair-interleaved:
//! for each pair of inputs (k, k+1), the 8 bytes `r0[k] r0[k+1] r1[k] r1[k+1]
//! .. r3[k+1]`. Sign-extended to i16x8, that vector dotted (`i32x4.dot_i16x8_s`)
//! with the activation pair `a[k] a[k+1]` splatted gives, in lane j, row j's
//! partial sum: no horizontal reductions anywhere in the kernel.

use super::block::{BLOCK, BLOCK_BYTES};
use crate::error::{Error, Result};

/// Output rows per group, the lanes of one f32x4.
pub const GROUP: usize = 4;
/// Bytes of one group's quants for one block.
pub const GROUP_BLOCK_BYTES: usize = GROUP * BLOCK;

/// A `[n, k]` q8_0 weight matrix in the kernel layout; `y = x · Wᵀ`.
#[derive(Debug, Clone)]
pub struct PackedQ8Matrix {
    n: usize,
    k: usize,
    /// `[group][block][pair][row 0..4][2]`; rows past `n` are zero.
    quants: Vec<i8>,
    /// `[group][block][row 0..4]`, the f16 block scales widened once here
    /// (wasm has no f16 conversion instruction, candle converts in every dot).
    scales: Vec<f32>,
}

impl PackedQ8Matrix {
    /// Packs ggml q8_0 bytes (`n` rows of `k / 32` blocks each).
    pub fn from_q8_0_bytes(bytes: &[u8], n: usize, k: usize) -> Result<Self> {
        if k == 0 || k % BLOCK != 0 {
            return Err(Error::format(format!("a q8_0 matrix needs a row length that is a multiple of {BLOCK}, got {k}")));
        }
        let blocks = k / BLOCK;
        let expected = n * blocks * BLOCK_BYTES;
        if bytes.len() != expected {
            return Err(Error::format(format!("a [{n}, {k}] q8_0 matrix has {expected} bytes, got {}", bytes.len())));
        }
        let groups = n.div_ceil(GROUP);
        let mut quants = vec![0i8; groups * blocks * GROUP_BLOCK_BYTES];
        let mut scales = vec![0f32; groups * blocks * GROUP];
        // The length check above makes every chunk a whole block, in row-major order.
        for (index, raw) in bytes.chunks_exact(BLOCK_BYTES).enumerate() {
            let (row, b) = (index / blocks, index % blocks);
            let (group, lane) = (row / GROUP, row % GROUP);
            let tile = (group * blocks + b) * GROUP_BLOCK_BYTES + lane * 2;
            for (pair, qs) in raw[2..].chunks_exact(2).enumerate() {
                let at = tile + pair * 2 * GROUP;
                quants[at] = qs[0] as i8;
                quants[at + 1] = qs[1] as i8;
            }
            scales[(group * blocks + b) * GROUP + lane] = half::f16::from_bits(u16::from_le_bytes([raw[0], raw[1]])).to_f32();
        }
        Ok(Self { n, k, quants, scales })
    }

    /// Output features (rows of W).
    pub fn n(&self) -> usize {
        self.n
    }

    /// Input features (columns of W).
    pub fn k(&self) -> usize {
        self.k
    }

    pub fn blocks(&self) -> usize {
        self.k / BLOCK
    }

    pub fn groups(&self) -> usize {
        self.n.div_ceil(GROUP)
    }

    /// The 128 pair-interleaved quants of `group` in `block`.
    pub fn group_block_quants(&self, group: usize, block: usize) -> &[i8] {
        let at = (group * self.blocks() + block) * GROUP_BLOCK_BYTES;
        &self.quants[at..at + GROUP_BLOCK_BYTES]
    }

    /// The four row scales of `group` in `block`.
    pub fn group_block_scales(&self, group: usize, block: usize) -> &[f32] {
        let at = (group * self.blocks() + block) * GROUP;
        &self.scales[at..at + GROUP]
    }

    /// Quant `j` of block `block` in output row `row` (a test and scalar-path helper).
    pub fn quant(&self, row: usize, block: usize, j: usize) -> i8 {
        let tile = self.group_block_quants(row / GROUP, block);
        tile[(j / 2) * 2 * GROUP + (row % GROUP) * 2 + j % 2]
    }

    /// Scale of block `block` in output row `row`.
    pub fn scale(&self, row: usize, block: usize) -> f32 {
        self.group_block_scales(row / GROUP, block)[row % GROUP]
    }

    /// Heap bytes held.
    pub fn size_in_bytes(&self) -> usize {
        self.quants.len() + self.scales.len() * std::mem::size_of::<f32>()
    }
}
