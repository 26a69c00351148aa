//! A deterministic mutator for the stable smoke test: no coverage feedback,
//! so it leans on what breaks parsers: bit flips, inserted and deleted bytes,
//! truncations, splices of two seeds, boundary integers written over the
//! length fields of binary formats, boundary numbers and syntax in text, and
//! changes to the structure of JSON ([`crate::json_mutate`]).

/// The project's seeded generator (SplitMix64, the same on every platform),
/// with the draws a mutator needs.
#[derive(Debug, Clone)]
pub struct Rng(nunchi_engine::Rng);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(nunchi_engine::Rng::new(seed))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Integers at the edges of every width, written over length and count fields.
const INTERESTING: &[u64] = &[
    0,
    1,
    2,
    3,
    4,
    7,
    8,
    16,
    31,
    32,
    33,
    64,
    127,
    128,
    255,
    256,
    1023,
    1024,
    4096,
    32767,
    32768,
    65535,
    65536,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_fffe,
    0xffff_ffff,
    0x1_0000_0000,
    1 << 40,
    0x7fff_ffff_ffff_ffff,
    0x8000_0000_0000_0000,
    u64::MAX - 1,
    u64::MAX,
];

/// Text that parsers of JSON, CSV and tokenizer files treat specially.
const TOKENS: &[&str] = &[
    "\"",
    ",",
    "\n",
    "\r\n",
    "{",
    "}",
    "[",
    "]",
    ":",
    "\\",
    "\\u0000",
    "\\ud800",
    "null",
    "true",
    "-",
    "0",
    "-1",
    "1e309",
    "-0",
    "NaN",
    "4294967296",
    "18446744073709551616",
    "99999999999999999999999",
    "1.5",
    "\u{feff}",
    "\u{0}",
    "\u{fffd}",
    "é",
    "한국어",
    "😀",
    "\u{200b}",
    "[CLS]",
    "[UNK]",
    "</s>",
    "▁",
    "##",
    "  ",
    "\t",
    "\"\"",
    "\",\"",
    "date",
    "split",
    "test",
    "train",
    "label",
    "text",
    "2024-02-30",
    "9999-12-31",
];

/// Numbers to write over a number found in a text input (a dimension, an id, a count, a weight).
const NUMBERS: &[&str] = &[
    "0",
    "-1",
    "1",
    "2",
    "3",
    "65536",
    "4294967295",
    "4294967296",
    "9223372036854775807",
    "18446744073709551615",
    "18446744073709551616",
    "1e38",
    "3.5e38",
    "1e-45",
    "-1e39",
    "0.0",
];

/// One mutation step at a time over a pool of seeds.
pub struct Mutator {
    rng: Rng,
}

impl Mutator {
    pub fn new(seed: u64) -> Self {
        Self { rng: Rng::new(seed) }
    }

    pub fn rng(&mut self) -> &mut Rng {
        &mut self.rng
    }

    /// A new input: a seed from `pool` changed by 1 to 8 stacked mutations,
    /// at most `max_len` bytes long.
    pub fn mutate(&mut self, pool: &[Vec<u8>], max_len: usize) -> Vec<u8> {
        let mut data = self.rng.pick(pool).clone();
        let steps = 1 + self.rng.below(8);
        for _ in 0..steps {
            self.step(&mut data, pool);
        }
        data.truncate(max_len);
        data
    }

    fn step(&mut self, data: &mut Vec<u8>, pool: &[Vec<u8>]) {
        let r = &mut self.rng;
        match r.below(15) {
            0 | 1 => flip_bit(r, data),
            2 => set_byte(r, data),
            3 => insert_bytes(r, data),
            4 => delete_range(r, data),
            5 => duplicate_range(r, data),
            6 => truncate(r, data),
            7 => splice(r, data, pool),
            8 | 9 => overwrite_length_field(r, data),
            10 => insert_token(r, data),
            11 => replace_number(r, data),
            // Structure where the input is JSON, else another number.
            _ => {
                if !crate::json_mutate::mutate(r, data) {
                    replace_number(r, data)
                }
            }
        }
    }
}

fn flip_bit(r: &mut Rng, data: &mut [u8]) {
    if !data.is_empty() {
        let i = r.below(data.len());
        data[i] ^= 1 << r.below(8);
    }
}

fn set_byte(r: &mut Rng, data: &mut [u8]) {
    if !data.is_empty() {
        let i = r.below(data.len());
        let random = r.next_u64() as u8;
        data[i] = *r.pick(&[0, 1, 0x7f, 0x80, 0xff, b'"', b',', b'\n', random]);
    }
}

fn insert_bytes(r: &mut Rng, data: &mut Vec<u8>) {
    let at = r.below(data.len() + 1);
    let n = 1 + r.below(8);
    let bytes: Vec<u8> = (0..n).map(|_| r.next_u64() as u8).collect();
    data.splice(at..at, bytes);
}

fn delete_range(r: &mut Rng, data: &mut Vec<u8>) {
    if !data.is_empty() {
        let at = r.below(data.len());
        let n = 1 + r.below((data.len() - at).min(64));
        data.drain(at..at + n);
    }
}

fn duplicate_range(r: &mut Rng, data: &mut Vec<u8>) {
    if !data.is_empty() {
        let at = r.below(data.len());
        let n = 1 + r.below((data.len() - at).min(256));
        let copy = data[at..at + n].to_vec();
        let to = r.below(data.len() + 1);
        data.splice(to..to, copy);
    }
}

fn truncate(r: &mut Rng, data: &mut Vec<u8>) {
    let len = r.below(data.len() + 1);
    data.truncate(len);
}

/// The start of this input and the end of another (or the same) seed.
fn splice(r: &mut Rng, data: &mut Vec<u8>, pool: &[Vec<u8>]) {
    let other = r.pick(pool);
    let keep = r.below(data.len() + 1);
    let from = r.below(other.len() + 1);
    data.truncate(keep);
    data.extend_from_slice(&other[from..]);
}

/// Finds a little-endian integer that looks like a length or count (a value
/// from 1 to the input's size, at a 4- or 8-byte width) and writes a boundary
/// value over it; without one, writes at a random offset.
fn overwrite_length_field(r: &mut Rng, data: &mut [u8]) {
    let width = *r.pick(&[2usize, 4, 8]);
    if data.len() < width {
        return;
    }
    let size = data.len() as u64;
    let looks_like_length = |at: usize| {
        let mut bytes = [0u8; 8];
        bytes[..width].copy_from_slice(&data[at..at + width]);
        (1..=size).contains(&u64::from_le_bytes(bytes))
    };
    let start = r.below(data.len() - width + 1);
    let at = (start..=data.len() - width).chain(0..start).find(|&at| looks_like_length(at)).unwrap_or(start);
    let value = match r.below(4) {
        // Near the real size: off-by-one reads past the end.
        0 => size.wrapping_add(r.below(9) as u64).wrapping_sub(4),
        _ => *r.pick(INTERESTING),
    };
    data[at..at + width].copy_from_slice(&value.to_le_bytes()[..width]);
}

fn insert_token(r: &mut Rng, data: &mut Vec<u8>) {
    let at = r.below(data.len() + 1);
    let token = r.pick(TOKENS).as_bytes().to_vec();
    data.splice(at..at, token);
}

/// Replaces a run of ASCII digits (a JSON or CSV number) with a boundary number.
fn replace_number(r: &mut Rng, data: &mut Vec<u8>) {
    let start = r.below(data.len() + 1);
    let Some(at) = (start..data.len()).chain(0..start).find(|&i| data[i].is_ascii_digit()) else {
        return insert_token(r, data);
    };
    let begin = (0..at).rev().take_while(|&i| data[i].is_ascii_digit() || data[i] == b'-').last().unwrap_or(at);
    let end = (at..data.len()).find(|&i| !(data[i].is_ascii_digit() || b".eE+-".contains(&data[i]))).unwrap_or(data.len());
    data.splice(begin..end, r.pick(NUMBERS).bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_inputs() {
        let pool = vec![b"{\"dim\": 4, \"weights\": [0.5, 1]}".to_vec(), vec![0u8, 1, 2, 3, 24, 0, 0, 0, 9]];
        let run = |seed| {
            let mut m = Mutator::new(seed);
            (0..200).map(|_| m.mutate(&pool, 64)).collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
        assert!(run(7).iter().all(|d| d.len() <= 64));
    }

    #[test]
    fn length_fields_and_numbers_are_found() {
        let mut r = Rng::new(1);
        let original = [0xaa, 0xaa, 3, 0, 0, 0, 0xaa, 0xaa];
        let changed = (0..20).filter(|_| {
            let mut data = original.to_vec();
            overwrite_length_field(&mut r, &mut data);
            data[2..6] != original[2..6]
        });
        assert!(changed.count() >= 10, "the length field at 2 is the one rewritten");
        let mut text = b"{\"dim\": 384}".to_vec();
        replace_number(&mut r, &mut text);
        assert!(!String::from_utf8_lossy(&text).contains("384"), "{}", String::from_utf8_lossy(&text));
    }
}
