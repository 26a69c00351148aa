//! Weights uploaded once, in a layout WGSL can read: f32 rows, or ggml q8_0 /
//! q4_0 blocks split into u32 words of quants plus one f32 scale per block
//! (the 34- and 18-byte ggml blocks are not 4-byte aligned). Kernels
//! dequantize inside (`weight_*.wgsl`). Other stored formats (f16, q4k) are
//! widened to f32 at upload.

use nunchi_engine::candle_core::quantized::k_quants::{BlockQ4_0, BlockQ8_0};
use nunchi_engine::candle_core::quantized::{GgmlDType, QTensor};
use nunchi_engine::candle_core::Device;
use nunchi_engine::{Error, Result};

use crate::backend::GpuBackend;

/// Values per q8_0 / q4_0 block.
const BLOCK: usize = 32;
/// ggml's q8_0 block: an f16 scale and 32 int8 quants.
const Q8_0_BLOCK_BYTES: usize = 2 + BLOCK;
/// ggml's q4_0 block: an f16 scale and 32 four-bit quants in 16 bytes.
const Q4_0_BLOCK_BYTES: usize = 2 + BLOCK / 2;
const _: () = assert!(std::mem::size_of::<BlockQ8_0>() == Q8_0_BLOCK_BYTES);
const _: () = assert!(std::mem::size_of::<BlockQ4_0>() == Q4_0_BLOCK_BYTES);

/// How a weight is laid out on the device; picks the `weight_*.wgsl` variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WeightFormat {
    F32,
    Q8_0,
    Q4_0,
}

impl WeightFormat {
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) const ALL: [WeightFormat; 3] = [WeightFormat::F32, WeightFormat::Q8_0, WeightFormat::Q4_0];

    pub fn name(self) -> &'static str {
        match self {
            WeightFormat::F32 => "f32",
            WeightFormat::Q8_0 => "q8_0",
            WeightFormat::Q4_0 => "q4_0",
        }
    }

    /// Its WGSL reader (`weight_at`, `weight4` and the bindings at 4 and 5),
    /// spliced into the kernels that read weights.
    pub(crate) fn wgsl(self) -> &'static str {
        match self {
            WeightFormat::F32 => include_str!("kernels/weight_f32.wgsl"),
            WeightFormat::Q8_0 => include_str!("kernels/weight_q8_0.wgsl"),
            WeightFormat::Q4_0 => include_str!("kernels/weight_q4_0.wgsl"),
        }
    }
}

/// A 2-D weight `[rows, cols]` (a linear layer's `[out, in]`, or an embedding
/// table), in one or more parts of whole rows: a weight larger than the
/// adapter binds (e.g. multilingual-e5's 250k-row table on small limits) is
/// split, and the kernels run once per part.
pub struct GpuWeights {
    pub(crate) format: WeightFormat,
    pub(crate) rows: usize,
    pub(crate) cols: usize,
    pub(crate) parts: Vec<WeightPart>,
}

/// Rows `first_row..first_row + rows` of a weight, in their own buffers.
pub(crate) struct WeightPart {
    pub(crate) first_row: usize,
    pub(crate) rows: usize,
    pub(crate) data: wgpu::Buffer,
    /// One f32 per block; absent for f32 weights.
    pub(crate) scales: Option<wgpu::Buffer>,
}

impl GpuWeights {
    pub fn format(&self) -> WeightFormat {
        self.format
    }

    pub fn dims(&self) -> [usize; 2] {
        [self.rows, self.cols]
    }

    /// How many buffers hold it: 1 unless it exceeds the backend's binding limit.
    pub fn parts(&self) -> usize {
        self.parts.len()
    }

    pub(crate) fn upload(gpu: &GpuBackend, weight: &QTensor, what: &str) -> Result<Self> {
        let (rows, cols) =
            weight.shape().dims2().map_err(|_| Error::format(format!("{what} must be 2-D, got shape {:?}", weight.shape())))?;
        let (format, data, scales) = match weight.dtype() {
            GgmlDType::Q8_0 => {
                let (words, scales) = split_blocks(&weight.data()?, rows * cols, Q8_0_BLOCK_BYTES, what)?;
                (WeightFormat::Q8_0, words, Some(scales))
            }
            GgmlDType::Q4_0 => {
                let (words, scales) = split_blocks(&weight.data()?, rows * cols, Q4_0_BLOCK_BYTES, what)?;
                (WeightFormat::Q4_0, words, Some(scales))
            }
            _ => {
                let values = weight.dequantize(&Device::Cpu)?.flatten_all()?.to_vec1::<f32>()?;
                (WeightFormat::F32, values.iter().map(|v| v.to_bits()).collect(), None)
            }
        };
        // Every format stores a row in whole u32 words and whole blocks (cols is a
        // multiple of 32 for the quantized ones), so parts split at row boundaries.
        let words_per_row = data.len() / rows.max(1);
        let scales_per_row = scales.as_ref().map_or(0, |s| s.len() / rows.max(1));
        let rows_per_part = rows_per_part(rows, words_per_row * 4, gpu.binding_limit(), what)?;
        let mut parts = Vec::new();
        for first_row in (0..rows.max(1)).step_by(rows_per_part) {
            let n = rows_per_part.min(rows - first_row.min(rows));
            let words = &data[first_row * words_per_row..(first_row + n) * words_per_row];
            let part_scales = scales.as_ref().map(|s| &s[first_row * scales_per_row..(first_row + n) * scales_per_row]);
            parts.push(WeightPart {
                first_row,
                rows: n,
                data: gpu.upload_words(words, what)?,
                scales: part_scales.map(|s| gpu.upload_f32(s, what)).transpose()?,
            });
        }
        Ok(Self { format, rows, cols, parts })
    }
}

/// How many rows of `row_bytes` fit one binding of `limit` bytes (all of
/// them when the weight fits whole).
fn rows_per_part(rows: usize, row_bytes: usize, limit: u64, what: &str) -> Result<usize> {
    let fit = (limit / row_bytes.max(1) as u64) as usize;
    if fit == 0 {
        return Err(Error::backend(format!(
            "{what}: one row needs {row_bytes} bytes; this WebGPU adapter binds at most {limit} bytes"
        )));
    }
    Ok(fit.min(rows).max(1))
}

/// Splits ggml blocks (f16 scale, then quants) into the quants as little-endian
/// u32 words and the scales as f32.
fn split_blocks(bytes: &[u8], values: usize, block_bytes: usize, what: &str) -> Result<(Vec<u32>, Vec<f32>)> {
    if !values.is_multiple_of(BLOCK) || bytes.len() != values / BLOCK * block_bytes {
        return Err(Error::format(format!(
            "{what}: {} bytes do not hold {values} values in {block_bytes}-byte blocks",
            bytes.len()
        )));
    }
    let blocks = values / BLOCK;
    let mut scales = Vec::with_capacity(blocks);
    let mut words = Vec::with_capacity(blocks * (block_bytes - 2) / 4);
    for block in bytes.chunks_exact(block_bytes) {
        scales.push(half::f16::from_le_bytes([block[0], block[1]]).to_f32());
        words.extend(block[2..].chunks_exact(4).map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]])));
    }
    Ok((words, scales))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn q8_0_blocks_split_into_words_and_scales() {
        let mut block = vec![0u8; Q8_0_BLOCK_BYTES];
        block[..2].copy_from_slice(&half::f16::from_f32(0.5).to_le_bytes());
        for (i, q) in block[2..].iter_mut().enumerate() {
            *q = (i as i8 - 16) as u8;
        }
        let (words, scales) = split_blocks(&block, 32, Q8_0_BLOCK_BYTES, "w").unwrap();
        assert_eq!(scales, vec![0.5]);
        assert_eq!(words.len(), 8);
        assert_eq!(words[0].to_le_bytes(), [(-16i8) as u8, (-15i8) as u8, (-14i8) as u8, (-13i8) as u8]);
    }

    #[test]
    fn truncated_blocks_are_a_format_error() {
        let err = split_blocks(&[0u8; 33], 32, Q8_0_BLOCK_BYTES, "w").unwrap_err();
        assert_eq!(err.code(), "E_MODEL_FORMAT");
    }
}
