//! Every error a binding reports, as one [`BindingError`]: a stable code (the runtime's
//! own codes for load, request and resolve errors; `invalid_argument`,
//! `malformed_request` and `internal` for what only a binding can meet) and a message.
//! Each code also has a fixed number, for the C ABI, where it is the return value.

use std::ffi::CStr;
use std::fmt;

use rampart_runtime::connection::ResolveError;
use rampart_runtime::{LoadError, RequestError};

/// Every code with its number (the code NUL-terminated, so that the C ABI can hand out a
/// static pointer). Numbers never change meaning; new codes get new numbers.
/// 0 is success; 1–19 request errors (a malformed JSON request among them), 20–39 load errors, 40–59 connection resolution,
/// 60–79 caller mistakes, 99 a bug.
pub const CODES: [(i32, &CStr); 29] = [
    (1, c"unknown_subject"),
    (2, c"ambiguous_subject"),
    (3, c"unknown_action"),
    (4, c"unknown_object"),
    (5, c"unknown_global"),
    (6, c"invalid_request"),
    (7, c"inconsistent_tables"),
    (8, c"malformed_request"),
    (20, c"io"),
    (21, c"not_a_table"),
    (22, c"truncated"),
    (23, c"endianness"),
    (24, c"version_mismatch"),
    (25, c"checksum"),
    (26, c"corrupt"),
    (27, c"unsigned"),
    (28, c"bad_signature"),
    (29, c"encode"),
    (40, c"invalid_reference"),
    (41, c"denied"),
    (42, c"source"),
    (43, c"template"),
    (44, c"no_definition"),
    (45, c"invalid_headers"),
    (60, c"invalid_argument"),
    (61, c"closed"),
    (62, c"unsupported"),
    (98, c"unknown_error"),
    (99, c"internal"),
];

/// The number of a code (`unknown_error`'s for a code this table does not know yet).
pub fn number(code: &str) -> i32 {
    CODES
        .iter()
        .find(|(_, c)| c.to_bytes() == code.as_bytes())
        .map_or(98, |(n, _)| *n)
}

/// The code of a number, NUL-terminated (`None` for 0 and numbers no code has).
pub fn c_name(number: i32) -> Option<&'static CStr> {
    CODES.iter().find(|(n, _)| *n == number).map(|(_, c)| *c)
}

/// The code of a number (`None` for 0 and numbers no code has).
pub fn name(number: i32) -> Option<&'static str> {
    c_name(number).and_then(|c| c.to_str().ok())
}

/// Which family a code belongs to (the exception class in Python, the error type in Go).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// The tables could not be loaded.
    Load,
    /// A request could not be decided.
    Request,
    /// A connection reference could not be resolved.
    Resolve,
    /// The caller passed something the binding cannot take.
    Argument,
    /// A bug in Rampart (a panic caught at the boundary).
    Internal,
}

/// The family of a code.
pub fn family(code: &str) -> Family {
    match number(code) {
        1..=19 => Family::Request,
        20..=39 => Family::Load,
        40..=59 => Family::Resolve,
        60..=79 => Family::Argument,
        _ => Family::Internal,
    }
}

/// An error as every binding reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BindingError {
    code: &'static str,
    message: String,
}

impl BindingError {
    /// An error with a code from [`CODES`].
    pub fn new(code: &'static str, message: impl Into<String>) -> BindingError {
        BindingError {
            code,
            message: message.into(),
        }
    }

    /// The caller passed something unusable (a null pointer, a category number out of
    /// range, bytes that are not UTF-8).
    pub fn invalid_argument(message: impl Into<String>) -> BindingError {
        BindingError::new("invalid_argument", message)
    }

    /// A JSON request that does not parse or does not follow the request model.
    pub fn malformed(message: impl Into<String>) -> BindingError {
        BindingError::new(
            "malformed_request",
            format!("malformed request: {}", message.into()),
        )
    }

    /// A panic caught at the boundary.
    pub fn internal() -> BindingError {
        BindingError::new(
            "internal",
            "internal error in rampart (a bug; please report it with the request that caused it)",
        )
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The same error as the `index`-th (from 0) check of a batch: the message says which.
    pub fn in_batch(self, index: usize) -> BindingError {
        BindingError {
            code: self.code,
            message: format!("check {index} of the batch: {}", self.message),
        }
    }

    /// The code's number.
    pub fn number(&self) -> i32 {
        number(self.code)
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for BindingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for BindingError {}

impl From<RequestError> for BindingError {
    fn from(e: RequestError) -> BindingError {
        BindingError::new(e.code(), e.to_string())
    }
}

impl From<LoadError> for BindingError {
    fn from(e: LoadError) -> BindingError {
        BindingError::new(e.code(), e.to_string())
    }
}

impl From<ResolveError> for BindingError {
    fn from(e: ResolveError) -> BindingError {
        BindingError::new(e.code(), e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_names_are_one_to_one() {
        for (n, c) in CODES {
            let c = c.to_str().unwrap_or_default();
            assert_eq!(number(c), n);
            assert_eq!(name(n), Some(c));
        }
        let distinct: std::collections::BTreeSet<_> = CODES.iter().map(|(n, _)| n).collect();
        assert_eq!(distinct.len(), CODES.len());
        assert_eq!(name(0), None);
        assert_eq!(number("no_such_code"), 98);
    }

    #[test]
    fn every_runtime_code_has_a_number() {
        use rampart_runtime::connection::ResolveErrorKind as R;
        use rampart_runtime::{LoadErrorKind as L, RequestErrorKind as Q};
        let request = [
            Q::UnknownSubject,
            Q::AmbiguousSubject,
            Q::UnknownAction,
            Q::UnknownObject,
            Q::UnknownGlobal,
            Q::InvalidRequest,
            Q::InconsistentTables,
        ]
        .map(|k| k.code());
        let load = [
            L::Io,
            L::NotATable,
            L::Truncated,
            L::Endianness,
            L::VersionMismatch,
            L::Checksum,
            L::Corrupt,
            L::Unsigned,
            L::BadSignature,
            L::Encode,
        ]
        .map(|k| k.code());
        let resolve = [
            R::InvalidReference,
            R::Denied,
            R::Source,
            R::Template,
            R::NoDefinition,
        ]
        .map(|k| k.code());
        for c in request {
            assert_eq!(family(c), Family::Request, "{c}");
        }
        for c in load {
            assert_eq!(family(c), Family::Load, "{c}");
        }
        for c in resolve {
            assert_eq!(family(c), Family::Resolve, "{c}");
        }
    }
}
