//! The user's text as the CLI reads it: bytes that are not UTF-8 are replaced
//! (U+FFFD), not fatal, so one bad byte in a large file costs one character,
//! not the run; a single warning on stderr names the lines it touched.

use std::io::Read;

use nunchi_engine::{Error, ErrorKind, Result};

/// How many line numbers the warning lists before it only counts the rest.
const LINES_NAMED: usize = 5;

/// Text decoded line by line, with the 1-based numbers of the lines that held
/// bytes which are not UTF-8.
#[derive(Debug, PartialEq)]
pub struct DecodedText {
    pub text: String,
    pub invalid_lines: Vec<usize>,
}

/// Decodes `bytes`, replacing each invalid sequence with U+FFFD. A newline is
/// never part of an invalid sequence, so decoding line by line loses nothing.
pub fn decode_lossy(bytes: &[u8]) -> DecodedText {
    let mut text = String::with_capacity(bytes.len());
    let mut invalid_lines = Vec::new();
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        if i > 0 {
            text.push('\n');
        }
        match std::str::from_utf8(line) {
            Ok(valid) => text.push_str(valid),
            Err(_) => {
                invalid_lines.push(i + 1);
                text.push_str(&String::from_utf8_lossy(line));
            }
        }
    }
    DecodedText { text, invalid_lines }
}

/// The one warning for a source with invalid bytes: its first few line
/// numbers, then how many more.
pub fn invalid_utf8_warning(source: &str, lines: &[usize]) -> Option<String> {
    if lines.is_empty() {
        return None;
    }
    let named: Vec<String> = lines.iter().take(LINES_NAMED).map(usize::to_string).collect();
    let more = match lines.len().saturating_sub(LINES_NAMED) {
        0 => String::new(),
        n => format!(" and {n} more"),
    };
    let noun = if lines.len() == 1 { "line" } else { "lines" };
    Some(format!(
        "nunchi: warning: {source} {noun} {}{more} held bytes that are not UTF-8; they were read as U+FFFD (\u{FFFD})",
        named.join(", ")
    ))
}

/// An `E_IO` error naming what was being read or written (a path, "stdin").
pub fn io_error(what: impl std::fmt::Display, e: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::Io, format!("{what}: {e}"))
}

/// Reads all of `reader` (a file, stdin) as text, lossily, warning on stderr once.
pub fn read_lossy(mut reader: impl Read, source: &str) -> Result<String> {
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes).map_err(|e| io_error(source, e))?;
    let decoded = decode_lossy(&bytes);
    if let Some(warning) = invalid_utf8_warning(source, &decoded.invalid_lines) {
        eprintln!("{warning}");
    }
    Ok(decoded.text)
}

/// Reads the file at `path` as text, lossily, warning on stderr once.
pub fn read_file_lossy(path: &std::path::Path) -> Result<String> {
    let file = std::fs::File::open(path).map_err(|e| io_error(path.display(), e))?;
    read_lossy(file, &path.display().to_string())
}

/// The lines of `text`, without their `\n` or `\r\n` endings (a final `\r`
/// too); no line after a trailing newline.
pub fn lines_of(text: &str) -> Vec<String> {
    text.lines().map(|line| line.strip_suffix('\r').unwrap_or(line).to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_bytes_become_replacement_characters_and_their_lines_are_named() {
        let decoded = decode_lossy(b"fine\nbad \xff byte\r\nfine\n\xc3\x28\n");
        assert_eq!(decoded.text, "fine\nbad \u{FFFD} byte\r\nfine\n\u{FFFD}(\n");
        assert_eq!(decoded.invalid_lines, [2, 4]);
        assert_eq!(lines_of(&decoded.text), ["fine", "bad \u{FFFD} byte", "fine", "\u{FFFD}("]);
    }

    #[test]
    fn valid_text_is_unchanged_and_not_warned_about() {
        let decoded = decode_lossy("한국어\r\nplain\r".as_bytes());
        assert_eq!(decoded.text, "한국어\r\nplain\r");
        assert!(invalid_utf8_warning("stdin", &decoded.invalid_lines).is_none());
        assert_eq!(lines_of(&decoded.text), ["한국어", "plain"]);
    }

    #[test]
    fn the_warning_names_the_first_lines_then_counts_the_rest() {
        let one = invalid_utf8_warning("stdin", &[3]).expect("warning");
        assert!(one.starts_with("nunchi: warning: stdin line 3 held bytes"), "{one}");
        let many = invalid_utf8_warning("a.txt", &[1, 2, 3, 4, 5, 6, 7]).expect("warning");
        assert!(many.contains("a.txt lines 1, 2, 3, 4, 5 and 2 more held"), "{many}");
    }
}
