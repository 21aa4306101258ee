//! Typed errors of the runtime: loading a table file, and resolving connections.
//!
//! Following regex-automata, the public error is a small struct around a private kind,
//! so that new kinds can be added without breaking callers; [`LoadError::kind`] exposes
//! a stable classification.

use std::fmt;

/// Why a table file could not be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    kind: LoadErrorKind,
}

/// Broad classes of [`LoadError`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoadErrorKind {
    /// The file could not be read.
    Io(String),
    /// It does not start with the table magic.
    NotATable,
    /// It is shorter than its header says.
    Truncated { expected: usize, found: usize },
    /// It was written on a machine with another byte order, or the word is damaged.
    Endianness { found: u32 },
    /// It was written by another format version.
    VersionMismatch { expected: u32, found: u32 },
    /// The payload checksum does not match.
    Checksum,
    /// The payload does not decode, or its contents are inconsistent.
    Corrupt(String),
    /// The tables could not be serialised.
    Encode(String),
}

impl LoadError {
    pub(crate) fn io(e: std::io::Error) -> Self {
        LoadError {
            kind: LoadErrorKind::Io(e.to_string()),
        }
    }
    pub(crate) fn not_a_table() -> Self {
        LoadError {
            kind: LoadErrorKind::NotATable,
        }
    }
    pub(crate) fn truncated(expected: usize, found: usize) -> Self {
        LoadError {
            kind: LoadErrorKind::Truncated { expected, found },
        }
    }
    pub(crate) fn endianness(found: u32) -> Self {
        LoadError {
            kind: LoadErrorKind::Endianness { found },
        }
    }
    pub(crate) fn version(expected: u32, found: u32) -> Self {
        LoadError {
            kind: LoadErrorKind::VersionMismatch { expected, found },
        }
    }
    pub(crate) fn checksum() -> Self {
        LoadError {
            kind: LoadErrorKind::Checksum,
        }
    }
    pub(crate) fn corrupt(why: impl Into<String>) -> Self {
        LoadError {
            kind: LoadErrorKind::Corrupt(why.into()),
        }
    }
    pub(crate) fn encode(why: String) -> Self {
        LoadError {
            kind: LoadErrorKind::Encode(why),
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> &LoadErrorKind {
        &self.kind
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            LoadErrorKind::Io(e) => write!(f, "cannot read the table file: {e}"),
            LoadErrorKind::NotATable => f.write_str("not a Rampart table file (bad magic)"),
            LoadErrorKind::Truncated { expected, found } => {
                write!(
                    f,
                    "table file is truncated: expected at least {expected} bytes, found {found}"
                )
            }
            LoadErrorKind::Endianness { found } => {
                write!(f, "table file has an unexpected endianness word {found:#x}")
            }
            LoadErrorKind::VersionMismatch { expected, found } => {
                write!(f, "table file has format version {found}, this runtime reads version {expected}; recompile the tables")
            }
            LoadErrorKind::Checksum => {
                f.write_str("table file is corrupt: payload checksum mismatch")
            }
            LoadErrorKind::Corrupt(why) => write!(f, "table file is corrupt: {why}"),
            LoadErrorKind::Encode(why) => write!(f, "cannot serialise tables: {why}"),
        }
    }
}

impl std::error::Error for LoadError {}
