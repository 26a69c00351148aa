//! q8_0 weights repacked once at load for the GEMM kernels.
//!
//! Output rows are taken four at a time (a "group", one f32x4 lane per row).
//! Within a group and a 32-wide block, the quants are interleaved in pairs of
//! inputs, row after row: the 8 bytes `r0[k] r0[k+1] r1[k] r1[k+1] .. r3[k+1]`.
//! Sign-extended to i16x8, that vector dotted (`i32x4.dot_i16x8_s`) with the
//! activation pair `a[k] a[k+1]` splatted gives, in lane j, row j's partial
//! sum: no horizontal reductions anywhere in the kernel.

use std::borrow::Cow;
use std::ops::Range;

use super::block::{BLOCK, BLOCK_BYTES};
use crate::error::{Error, Result};

/// Output rows per group, the lanes of one f32x4.
pub const GROUP: usize = 4;
/// Bytes of one group's quants for one block.
pub const GROUP_BLOCK_BYTES: usize = GROUP * BLOCK;

/// Inputs per run of one row in a group: a pair, for `i32x4.dot_i16x8_s`.
const RUN: usize = 2;

/// A `[n, k]` q8_0 weight matrix in the kernel layout; `y = x · Wᵀ`. It owns
/// its data when packed ([`PackedQ8Matrix`]) and borrows it when it is a
/// block of another's output columns ([`PackedQ8::column_groups`]), which is
/// how the threaded build hands each thread its share without a copy.
#[derive(Debug, Clone)]
pub struct PackedQ8<'a> {
    n: usize,
    k: usize,
    /// `[group][block][pair][row 0..4][2]`; rows past `n` are zero.
    quants: Cow<'a, [i8]>,
    /// `[group][block][row 0..4]`, the f16 block scales widened once here
    /// (wasm has no f16 conversion instruction, candle converts in every dot).
    scales: Cow<'a, [f32]>,
}

/// A packed matrix that owns its data, as the models hold it.
pub type PackedQ8Matrix = PackedQ8<'static>;

impl PackedQ8Matrix {
    /// Packs ggml q8_0 bytes (`n` rows of `k / 32` blocks each).
    pub fn from_q8_0_bytes(bytes: &[u8], n: usize, k: usize) -> Result<Self> {
        if k == 0 || !k.is_multiple_of(BLOCK) {
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
            let tile = (group * blocks + b) * GROUP_BLOCK_BYTES + lane * RUN;
            for (r, qs) in raw[2..].chunks_exact(RUN).enumerate() {
                let at = tile + r * RUN * GROUP;
                for (dst, &q) in quants[at..at + RUN].iter_mut().zip(qs) {
                    *dst = q as i8;
                }
            }
            let slot = (group * blocks + b) * GROUP + lane;
            scales[slot] = half::f16::from_bits(u16::from_le_bytes([raw[0], raw[1]])).to_f32();
        }
        Ok(Self { n, k, quants: quants.into(), scales: scales.into() })
    }
}

impl PackedQ8<'_> {
    /// The output columns of `groups` (four columns each) as a matrix of its
    /// own, borrowing this one's data: groups are stored one after another,
    /// so each part is one slice. Its `n` stops at this matrix's last column.
    pub fn column_groups(&self, groups: Range<usize>) -> PackedQ8<'_> {
        assert!(groups.start <= groups.end && groups.end <= self.groups(), "column groups {groups:?} of {}", self.groups());
        let per_group = |len: usize| (groups.start * len)..(groups.end * len);
        let blocks = self.blocks();
        PackedQ8 {
            n: self.n.min(groups.end * GROUP).saturating_sub(groups.start * GROUP),
            k: self.k,
            quants: Cow::Borrowed(&self.quants[per_group(blocks * GROUP_BLOCK_BYTES)]),
            scales: Cow::Borrowed(&self.scales[per_group(blocks * GROUP)]),
        }
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
        tile[(j / RUN) * RUN * GROUP + (row % GROUP) * RUN + j % RUN]
    }

    /// Scale of block `block` in output row `row`.
    pub fn scale(&self, row: usize, block: usize) -> f32 {
        self.group_block_scales(row / GROUP, block)[row % GROUP]
    }

    /// Heap bytes held.
    pub fn size_in_bytes(&self) -> usize {
        self.quants.len() + self.scales.len() * 4
    }
}
