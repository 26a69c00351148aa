//! One error type for the whole stack, with a stable code per kind so the
//! CLI and the JS bindings can report failures the same way.

use std::fmt;

/// What went wrong, coarsely: callers branch on this, people read the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The model file is corrupt, truncated, of another architecture, or inconsistent.
    ModelFormat,
    /// The caller's input or options are unusable (empty batch, unknown option, ...).
    Input,
    /// The caller cancelled the operation.
    Aborted,
    /// The compute backend failed (device lost, out of memory, shape bug).
    Backend,
    /// Reading or writing a file or stream failed.
    Io,
    /// The device asked for by name (WebGPU) is missing or failed its self-test.
    Device,
}

impl ErrorKind {
    /// Every kind: the one list docs/errors.md documents (a test holds them together).
    pub const ALL: [ErrorKind; 6] =
        [ErrorKind::Input, ErrorKind::ModelFormat, ErrorKind::Io, ErrorKind::Aborted, ErrorKind::Device, ErrorKind::Backend];

    /// A stable identifier, exposed to JS as `error.code` and printed by the CLI.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::ModelFormat => "E_MODEL_FORMAT",
            ErrorKind::Input => "E_INPUT",
            ErrorKind::Aborted => "E_ABORTED",
            ErrorKind::Backend => "E_BACKEND",
            ErrorKind::Io => "E_IO",
            ErrorKind::Device => "E_DEVICE",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into() }
    }
    pub fn format(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::ModelFormat, message)
    }
    pub fn input(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Input, message)
    }
    pub fn aborted() -> Self {
        Self::new(ErrorKind::Aborted, "the operation was cancelled")
    }
    pub fn backend(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Backend, message)
    }
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }
    pub fn message(&self) -> &str {
        &self.message
    }
    /// Prefixes the message with where it happened, keeping the kind.
    pub fn context(self, what: impl fmt::Display) -> Self {
        Self { kind: self.kind, message: format!("{what}: {}", self.message) }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<candle_core::Error> for Error {
    fn from(e: candle_core::Error) -> Self {
        Error::backend(e.to_string())
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::new(ErrorKind::Io, e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// Adds context to any fallible result, converting its error.
pub trait ResultExt<T> {
    fn context_kind(self, kind: ErrorKind, what: impl fmt::Display) -> Result<T>;
}

impl<T, E: fmt::Display> ResultExt<T> for std::result::Result<T, E> {
    fn context_kind(self, kind: ErrorKind, what: impl fmt::Display) -> Result<T> {
        self.map_err(|e| Error::new(kind, format!("{what}: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorKind;

    /// docs/errors.md documents exactly the codes of `ErrorKind::ALL`, in its order.
    #[test]
    fn the_error_table_lists_every_code() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/errors.md");
        let doc = std::fs::read_to_string(path).expect("docs/errors.md");
        let documented: Vec<&str> =
            doc.lines().filter_map(|l| l.strip_prefix("| `")).filter_map(|l| l.split('`').next()).collect();
        let codes: Vec<&str> = ErrorKind::ALL.iter().map(|k| k.code()).collect();
        assert_eq!(documented, codes);
    }
}
