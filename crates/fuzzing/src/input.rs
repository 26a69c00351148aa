//! Ways of reading one fuzz input as several values. Every split accepts any
//! bytes, so a mutation never makes an input unusable, only different.

/// Bytes as text, invalid UTF-8 replaced (as the CLI reads files).
pub fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// `first NUL rest` → `(first, rest)`; without a NUL, all of it is `first`.
/// A separator rather than a length: text in `first` can grow or shrink under
/// mutation without moving the boundary (JSON and text files hold no NUL).
pub fn split_at_nul(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[]),
    }
}

/// The inverse of [`split_at_nul`], for writing seeds.
pub fn join_at_nul(first: &[u8], rest: &[u8]) -> Vec<u8> {
    [first, &[0], rest].concat()
}

/// The first `max` characters of `s` (on a character boundary).
pub fn prefix_chars(s: &str, max: usize) -> &str {
    s.char_indices().nth(max).map_or(s, |(i, _)| &s[..i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_round_trip_and_any_bytes_split() {
        let joined = join_at_nul(b"config", b"weights\0more");
        assert_eq!(split_at_nul(&joined), (&b"config"[..], &b"weights\0more"[..]));
        assert_eq!(split_at_nul(b"no separator"), (&b"no separator"[..], &b""[..]));
        assert_eq!(prefix_chars("héllo", 2), "hé");
    }
}
