//! A walk over a GGUF file's header before candle reads it. candle 0.11's
//! reader divides by `general.alignment` (0 panics), multiplies tensor
//! dimensions and byte sizes unchecked (overflow), and reads a tensor of no
//! elements through a misaligned pointer. This reads the same layout with
//! checked arithmetic and refuses those files as `E_MODEL_FORMAT`; anything
//! else wrong is left to candle's own checks.

use candle_core::quantized::GgmlDType;
use nunchi_engine::{Error, Result};

/// candle's limits: tensor dimensions, and nesting of arrays in metadata.
const MAX_DIMS: u32 = 4;
const MAX_DEPTH: usize = 64;

/// Checks the header of `bytes` (which start with the GGUF magic).
pub fn check(bytes: &[u8]) -> Result<()> {
    let mut r = Reader { bytes, at: 4, wide: true };
    let version = r.u32()?;
    r.wide = match version {
        1 => false,
        2 | 3 => true,
        v => return Err(Error::format(format!("GGUF version {v} is not supported (1 to 3)"))),
    };
    let tensors = r.len()?;
    let entries = r.len()?;
    let mut alignment = None;
    for _ in 0..entries {
        let key = r.string()?;
        let kind = r.u32()?;
        let value = r.value(kind, 0)?;
        if key == b"general.alignment" {
            alignment = value;
        }
    }
    if alignment == Some(0) {
        return Err(Error::format("corrupt GGUF header: general.alignment is 0"));
    }
    for _ in 0..tensors {
        let name = String::from_utf8_lossy(r.string()?).into_owned();
        tensor_info(&mut r, &name)?;
    }
    Ok(())
}

/// One tensor's dimensions, type and offset: a size that fits in memory
/// arithmetic, at least one element.
fn tensor_info(r: &mut Reader, name: &str) -> Result<()> {
    let dims = r.u32()?;
    if dims > MAX_DIMS {
        return Err(Error::format(format!("corrupt GGUF header: tensor '{name}' has {dims} dimensions (at most {MAX_DIMS})")));
    }
    let mut elements = 1u64;
    for _ in 0..dims {
        let dim = r.len()?;
        elements = elements.checked_mul(dim).filter(|&e| e <= usize::MAX as u64).ok_or_else(|| {
            Error::format(format!("corrupt GGUF header: tensor '{name}' has more elements than memory can address"))
        })?;
    }
    if elements == 0 {
        return Err(Error::format(format!("corrupt GGUF header: tensor '{name}' has no elements")));
    }
    if let Some(dtype) = dtype(r.u32()?) {
        let bytes = (elements / dtype.block_size() as u64).checked_mul(dtype.type_size() as u64);
        if bytes.is_none_or(|b| b > r.bytes.len() as u64) {
            return Err(Error::format(format!("tensor '{name}' is larger than the file (truncated?)")));
        }
    }
    r.u64()?; // the offset, which candle checks against the file
    Ok(())
}

/// The tensor types candle reads, by GGUF code; other codes are candle's to refuse.
fn dtype(code: u32) -> Option<GgmlDType> {
    Some(match code {
        0 => GgmlDType::F32,
        1 => GgmlDType::F16,
        2 => GgmlDType::Q4_0,
        3 => GgmlDType::Q4_1,
        6 => GgmlDType::Q5_0,
        7 => GgmlDType::Q5_1,
        8 => GgmlDType::Q8_0,
        9 => GgmlDType::Q8_1,
        10 => GgmlDType::Q2K,
        11 => GgmlDType::Q3K,
        12 => GgmlDType::Q4K,
        13 => GgmlDType::Q5K,
        14 => GgmlDType::Q6K,
        15 => GgmlDType::Q8K,
        30 => GgmlDType::BF16,
        _ => return None,
    })
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    /// GGUF v2 and v3 write lengths as u64, v1 as u32.
    wide: bool,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: u64) -> Result<&'a [u8]> {
        let left = (self.bytes.len() - self.at) as u64;
        if n > left {
            return Err(Error::format("corrupt GGUF header: it runs past the end of the file (truncated?)"));
        }
        let start = self.at;
        self.at += n as usize;
        Ok(&self.bytes[start..self.at])
    }

    fn u32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self) -> Result<u64> {
        let b = self.take(8)?;
        Ok(u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
    }

    fn len(&mut self) -> Result<u64> {
        if self.wide {
            self.u64()
        } else {
            self.u32().map(u64::from)
        }
    }

    fn string(&mut self) -> Result<&'a [u8]> {
        let n = self.len()?;
        self.take(n)
    }

    /// Skips a metadata value of type `kind`; returns it when it is an
    /// integer candle reads as an alignment (u8–u32, or i8–i32 ≥ 0).
    fn value(&mut self, kind: u32, depth: usize) -> Result<Option<u64>> {
        let int = |b: &[u8], signed: bool| {
            let mut v = [0u8; 8];
            v[..b.len()].copy_from_slice(b);
            let negative = signed && b.last().is_some_and(|&last| last & 0x80 != 0);
            (!negative).then(|| u64::from_le_bytes(v))
        };
        Ok(match kind {
            0 => int(self.take(1)?, false),
            1 | 7 => int(self.take(1)?, kind == 1).filter(|_| kind == 1),
            2 => int(self.take(2)?, false),
            3 => int(self.take(2)?, true),
            4 => int(self.take(4)?, false),
            5 => int(self.take(4)?, true),
            6 => self.take(4).map(|_| None)?,
            10..=12 => self.take(8).map(|_| None)?,
            8 => self.string().map(|_| None)?,
            9 => {
                if depth >= MAX_DEPTH {
                    return Err(Error::format("corrupt GGUF header: metadata arrays nested too deep"));
                }
                let kind = self.u32()?;
                let n = self.len()?;
                let fixed = match kind {
                    0 | 1 | 7 => Some(1),
                    2 | 3 => Some(2),
                    4..=6 => Some(4),
                    10..=12 => Some(8),
                    _ => None,
                };
                match fixed {
                    Some(size) => self.take(n.saturating_mul(size)).map(|_| None)?,
                    None => {
                        for _ in 0..n {
                            self.value(kind, depth + 1)?;
                        }
                        None
                    }
                }
            }
            other => return Err(Error::format(format!("corrupt GGUF header: unknown metadata type {other}"))),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A v3 header: one metadata entry, then one tensor info.
    fn header(key: &str, kind: u32, value: &[u8], dims: &[u64], dtype: u32) -> Vec<u8> {
        let mut b = b"GGUF".to_vec();
        b.extend(3u32.to_le_bytes());
        b.extend(1u64.to_le_bytes());
        b.extend(1u64.to_le_bytes());
        b.extend((key.len() as u64).to_le_bytes());
        b.extend(key.as_bytes());
        b.extend(kind.to_le_bytes());
        b.extend(value);
        b.extend(1u64.to_le_bytes());
        b.push(b'w');
        b.extend((dims.len() as u32).to_le_bytes());
        dims.iter().for_each(|d| b.extend(d.to_le_bytes()));
        b.extend(dtype.to_le_bytes());
        b.extend(0u64.to_le_bytes());
        b.extend([0u8; 64]);
        b
    }

    fn message(bytes: &[u8]) -> String {
        check(bytes).expect_err("refused").to_string()
    }

    #[test]
    fn what_candle_would_trip_on_is_refused() {
        assert!(check(&header("general.alignment", 4, &32u32.to_le_bytes(), &[4, 2], 0)).is_ok());
        assert!(message(&header("general.alignment", 4, &0u32.to_le_bytes(), &[4], 0)).contains("alignment is 0"));
        assert!(message(&header("general.name", 8, &0u64.to_le_bytes(), &[0, 4], 0)).contains("no elements"));
        let huge = header("general.name", 8, &0u64.to_le_bytes(), &[1 << 32, 1 << 32], 0);
        assert!(message(&huge).contains("more elements than memory"));
        assert!(message(&header("general.name", 8, &0u64.to_le_bytes(), &[1 << 20, 64], 8)).contains("larger than the file"));
        assert!(message(&header("general.name", 8, &u64::MAX.to_le_bytes(), &[4], 0)).contains("past the end"));
        // An alignment of another integer type (i64) is not candle's: it uses the default.
        assert!(check(&header("general.alignment", 11, &0u64.to_le_bytes(), &[4], 0)).is_ok());
    }
}
