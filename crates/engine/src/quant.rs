//! Storage formats for weights and the rule that picks one per tensor.

use candle_core::quantized::GgmlDType;

use crate::error::{Error, Result};

/// The weight formats a model file may be converted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quant {
    F32,
    F16,
    Q8_0,
    Q4_0,
    Q4K,
}

/// Option strings accepted by `--quant`, validated against this table.
pub const QUANT_NAMES: &[(&str, Quant)] =
    &[("f32", Quant::F32), ("f16", Quant::F16), ("q8_0", Quant::Q8_0), ("q4_0", Quant::Q4_0), ("q4k", Quant::Q4K)];

/// Tensors smaller than this stay f32: quantizing them saves nothing and costs accuracy.
const MIN_QUANTIZED_ELEMENTS: usize = 4096;

impl Quant {
    pub fn parse(name: &str) -> Result<Self> {
        QUANT_NAMES.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, q)| *q).ok_or_else(|| {
            let known: Vec<_> = QUANT_NAMES.iter().map(|(n, _)| *n).collect();
            Error::input(format!("unknown quantization '{name}' (expected one of {})", known.join(", ")))
        })
    }

    pub fn name(self) -> &'static str {
        QUANT_NAMES.iter().find(|(_, q)| *q == self).map(|(n, _)| *n).unwrap_or("?")
    }

    pub fn dtype(self) -> GgmlDType {
        match self {
            Quant::F32 => GgmlDType::F32,
            Quant::F16 => GgmlDType::F16,
            Quant::Q8_0 => GgmlDType::Q8_0,
            Quant::Q4_0 => GgmlDType::Q4_0,
            Quant::Q4K => GgmlDType::Q4K,
        }
    }

    /// Formats to try, best first, when a row does not split into whole blocks.
    fn fallbacks(self) -> &'static [GgmlDType] {
        match self {
            Quant::F32 => &[GgmlDType::F32],
            Quant::F16 => &[GgmlDType::F16, GgmlDType::F32],
            Quant::Q8_0 => &[GgmlDType::Q8_0, GgmlDType::F16, GgmlDType::F32],
            Quant::Q4_0 => &[GgmlDType::Q4_0, GgmlDType::F16, GgmlDType::F32],
            // k-quants need rows of 256; 384-wide models fall back to q4_0 blocks of 32.
            Quant::Q4K => &[GgmlDType::Q4K, GgmlDType::Q4_0, GgmlDType::F16, GgmlDType::F32],
        }
    }

    /// The format a tensor of this shape is stored in: vectors (norms, biases) and tiny
    /// tables stay f32; matrices take the first format whose block divides the row.
    pub fn storage_for(self, dims: &[usize]) -> GgmlDType {
        let elements: usize = dims.iter().product();
        if dims.len() < 2 || elements < MIN_QUANTIZED_ELEMENTS {
            return GgmlDType::F32;
        }
        let row = *dims.last().unwrap_or(&1);
        self.fallbacks().iter().copied().find(|d| row.is_multiple_of(d.block_size())).unwrap_or(GgmlDType::F32)
    }
}

/// Human name of a stored format, as written in model metadata and `info`.
pub fn dtype_name(dtype: GgmlDType) -> &'static str {
    match dtype {
        GgmlDType::F32 => "f32",
        GgmlDType::F16 => "f16",
        GgmlDType::BF16 => "bf16",
        GgmlDType::Q8_0 => "q8_0",
        GgmlDType::Q4_0 => "q4_0",
        GgmlDType::Q4K => "q4k",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_and_small_tables_stay_f32() {
        assert_eq!(Quant::Q8_0.storage_for(&[384]), GgmlDType::F32);
        assert_eq!(Quant::Q8_0.storage_for(&[32, 6]), GgmlDType::F32);
    }

    #[test]
    fn rows_that_do_not_fit_a_block_fall_back() {
        assert_eq!(Quant::Q4K.storage_for(&[1536, 384]), GgmlDType::Q4_0);
        assert_eq!(Quant::Q4K.storage_for(&[384, 512]), GgmlDType::Q4K);
        assert_eq!(Quant::Q8_0.storage_for(&[100, 100]), GgmlDType::F16);
    }

    #[test]
    fn unknown_names_are_rejected_with_the_list() {
        let err = Quant::parse("q3").unwrap_err();
        assert!(err.message().contains("q8_0"), "{err}");
        assert_eq!(Quant::parse("Q8_0").unwrap(), Quant::Q8_0);
    }
}
