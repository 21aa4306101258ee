//! The runtime's errors: loading a table file ([`LoadError`]) and naming things a
//! request cannot be decided for ([`RequestError`]). Following regex-automata, each is a
//! small struct around a private kind, so kinds can grow without breaking callers; a
//! payload-free classification is public ([`LoadErrorKind`], [`RequestErrorKind`]).

use std::fmt;

use crate::category::Category;
use crate::text::Shown;

/// Why a table file could not be used.
#[derive(Debug, thiserror::Error)]
#[error("{inner}")]
pub struct LoadError {
    inner: LoadProblem,
}

/// What kind of [`LoadError`] it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LoadErrorKind {
    /// The file could not be read.
    Io,
    /// It does not start with the table magic.
    NotATable,
    /// It is shorter than its header says.
    Truncated,
    /// It was written with another byte order, or the word is damaged.
    Endianness,
    /// It was written by another format version.
    VersionMismatch,
    /// The payload checksum does not match.
    Checksum,
    /// The payload does not decode, or its contents are inconsistent.
    Corrupt,
    /// A signature was required and the file carries none.
    Unsigned,
    /// The signature does not verify with the given key.
    BadSignature,
    /// The tables could not be serialised.
    Encode,
}

#[derive(Debug, thiserror::Error)]
enum LoadProblem {
    #[error("cannot read the table file: {0}")]
    Io(#[source] std::io::Error),
    #[error("not a Rampart table file (bad magic)")]
    NotATable,
    #[error("table file is truncated: expected {expected} bytes, found {found}")]
    Truncated { expected: u64, found: u64 },
    #[error("table file has an unexpected endianness word {found:#x}")]
    Endianness { found: u32 },
    #[error("table file has format version {found}, this runtime reads version {expected}")]
    VersionMismatch { expected: u32, found: u32 },
    #[error("table file is corrupt: payload checksum mismatch")]
    Checksum,
    #[error("table file is corrupt: {0}")]
    Corrupt(String),
    #[error("table file is not signed")]
    Unsigned,
    #[error("table file signature does not verify with the given key")]
    BadSignature,
    #[error("cannot serialise tables: {0}")]
    Encode(String),
}

impl LoadError {
    pub(crate) fn io(e: std::io::Error) -> Self {
        LoadProblem::Io(e).into()
    }
    pub(crate) fn not_a_table() -> Self {
        LoadProblem::NotATable.into()
    }
    pub(crate) fn truncated(expected: u64, found: u64) -> Self {
        LoadProblem::Truncated { expected, found }.into()
    }
    pub(crate) fn endianness(found: u32) -> Self {
        LoadProblem::Endianness { found }.into()
    }
    pub(crate) fn version(expected: u32, found: u32) -> Self {
        LoadProblem::VersionMismatch { expected, found }.into()
    }
    pub(crate) fn checksum() -> Self {
        LoadProblem::Checksum.into()
    }
    pub(crate) fn corrupt(why: impl Into<String>) -> Self {
        LoadProblem::Corrupt(why.into()).into()
    }
    pub(crate) fn unsigned() -> Self {
        LoadProblem::Unsigned.into()
    }
    pub(crate) fn bad_signature() -> Self {
        LoadProblem::BadSignature.into()
    }
    #[cfg_attr(not(feature = "build"), allow(dead_code))]
    pub(crate) fn encode(why: impl Into<String>) -> Self {
        LoadProblem::Encode(why.into()).into()
    }

    /// What kind of problem this is.
    pub fn kind(&self) -> LoadErrorKind {
        match &self.inner {
            LoadProblem::Io(_) => LoadErrorKind::Io,
            LoadProblem::NotATable => LoadErrorKind::NotATable,
            LoadProblem::Truncated { .. } => LoadErrorKind::Truncated,
            LoadProblem::Endianness { .. } => LoadErrorKind::Endianness,
            LoadProblem::VersionMismatch { .. } => LoadErrorKind::VersionMismatch,
            LoadProblem::Checksum => LoadErrorKind::Checksum,
            LoadProblem::Corrupt(_) => LoadErrorKind::Corrupt,
            LoadProblem::Unsigned => LoadErrorKind::Unsigned,
            LoadProblem::BadSignature => LoadErrorKind::BadSignature,
            LoadProblem::Encode(_) => LoadErrorKind::Encode,
        }
    }

    /// A stable machine-readable code (`io`, `not_a_table`, `bad_signature`, ...).
    pub fn code(&self) -> &'static str {
        self.kind().code()
    }

    /// `(expected, found)` format versions, for a [`LoadErrorKind::VersionMismatch`].
    pub fn version_mismatch(&self) -> Option<(u32, u32)> {
        match &self.inner {
            LoadProblem::VersionMismatch { expected, found } => Some((*expected, *found)),
            _ => None,
        }
    }
}

impl LoadErrorKind {
    /// A stable machine-readable code.
    pub fn code(self) -> &'static str {
        match self {
            LoadErrorKind::Io => "io",
            LoadErrorKind::NotATable => "not_a_table",
            LoadErrorKind::Truncated => "truncated",
            LoadErrorKind::Endianness => "endianness",
            LoadErrorKind::VersionMismatch => "version_mismatch",
            LoadErrorKind::Checksum => "checksum",
            LoadErrorKind::Corrupt => "corrupt",
            LoadErrorKind::Unsigned => "unsigned",
            LoadErrorKind::BadSignature => "bad_signature",
            LoadErrorKind::Encode => "encode",
        }
    }
}

impl fmt::Display for LoadErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl From<LoadProblem> for LoadError {
    fn from(inner: LoadProblem) -> Self {
        LoadError { inner }
    }
}

/// Why a request could not be decided. Never a denial: a name that does not resolve is
/// an error the caller must handle, so that a typo can never look like an answer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{inner}")]
pub struct RequestError {
    inner: RequestProblem,
}

/// What kind of [`RequestError`] it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RequestErrorKind {
    /// The subject is not a known principal.
    UnknownSubject,
    /// The subject is a person's name that several people share.
    AmbiguousSubject,
    /// The action is not an action of the vocabulary.
    UnknownAction,
    /// An object key is not in the catalog the tables were compiled with.
    UnknownObject,
    /// The global object is not one of the tables' global objects.
    UnknownGlobal,
    /// The request is malformed: no objects where objects were promised, one category
    /// twice, an id of other tables.
    InvalidRequest,
    /// The tables contradict themselves (only crafted tables can).
    InconsistentTables,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
enum RequestProblem {
    #[error("unknown subject `{}`", Shown(.0))]
    UnknownSubject(String, Option<String>),
    #[error("person name `{}` is ambiguous: {}", Shown(name), candidates.iter().map(|c| format!("`{}`", Shown(c))).collect::<Vec<_>>().join(", "))]
    AmbiguousSubject {
        name: String,
        candidates: Vec<String>,
    },
    #[error("unknown action `{}`", Shown(.0))]
    UnknownAction(String, Option<String>),
    #[error("unknown {category} `{}`", Shown(key))]
    UnknownObject {
        category: Category,
        key: String,
        help: Option<String>,
    },
    #[error("unknown global object `{}`", Shown(.0))]
    UnknownGlobal(String, Option<String>),
    #[error("invalid request: {0}")]
    Invalid(String),
    #[error("the tables are inconsistent: {0}")]
    Inconsistent(String),
}

impl RequestError {
    /// `help` is the did-you-mean, computed by the caller on the error path only.
    pub(crate) fn unknown_subject(subject: &str, help: Option<String>) -> Self {
        RequestProblem::UnknownSubject(subject.to_string(), help).into()
    }
    pub(crate) fn ambiguous_subject(name: &str, candidates: Vec<String>) -> Self {
        RequestProblem::AmbiguousSubject {
            name: name.to_string(),
            candidates,
        }
        .into()
    }
    pub(crate) fn unknown_action(action: &str, help: Option<String>) -> Self {
        RequestProblem::UnknownAction(action.to_string(), help).into()
    }
    pub(crate) fn unknown_object(category: Category, key: &str, help: Option<String>) -> Self {
        RequestProblem::UnknownObject {
            category,
            key: key.to_string(),
            help,
        }
        .into()
    }
    pub(crate) fn unknown_global(global: &str, help: Option<String>) -> Self {
        RequestProblem::UnknownGlobal(global.to_string(), help).into()
    }
    pub(crate) fn invalid(why: impl Into<String>) -> Self {
        RequestProblem::Invalid(why.into()).into()
    }
    pub(crate) fn stale_id() -> Self {
        RequestError::invalid("an id from other tables (resolve names again after a reload)")
    }
    pub(crate) fn inconsistent(why: impl Into<String>) -> Self {
        RequestProblem::Inconsistent(why.into()).into()
    }

    /// What kind of problem this is.
    pub fn kind(&self) -> RequestErrorKind {
        match &self.inner {
            RequestProblem::UnknownSubject(..) => RequestErrorKind::UnknownSubject,
            RequestProblem::AmbiguousSubject { .. } => RequestErrorKind::AmbiguousSubject,
            RequestProblem::UnknownAction(..) => RequestErrorKind::UnknownAction,
            RequestProblem::UnknownObject { .. } => RequestErrorKind::UnknownObject,
            RequestProblem::UnknownGlobal(..) => RequestErrorKind::UnknownGlobal,
            RequestProblem::Invalid(_) => RequestErrorKind::InvalidRequest,
            RequestProblem::Inconsistent(_) => RequestErrorKind::InconsistentTables,
        }
    }

    /// A stable machine-readable code (`unknown_subject`, `unknown_action`, ...).
    pub fn code(&self) -> &'static str {
        self.kind().code()
    }

    /// What to write instead, for an unknown name: the nearest known name of its kind
    /// (`did you mean `john@doe.com`?`). Computed when the error is made, so that a
    /// request that resolves pays nothing for it.
    pub fn help(&self) -> Option<&str> {
        match &self.inner {
            RequestProblem::UnknownSubject(_, help)
            | RequestProblem::UnknownAction(_, help)
            | RequestProblem::UnknownObject { help, .. }
            | RequestProblem::UnknownGlobal(_, help) => help.as_deref(),
            _ => None,
        }
    }
}

impl RequestErrorKind {
    /// A stable machine-readable code.
    pub fn code(self) -> &'static str {
        match self {
            RequestErrorKind::UnknownSubject => "unknown_subject",
            RequestErrorKind::AmbiguousSubject => "ambiguous_subject",
            RequestErrorKind::UnknownAction => "unknown_action",
            RequestErrorKind::UnknownObject => "unknown_object",
            RequestErrorKind::UnknownGlobal => "unknown_global",
            RequestErrorKind::InvalidRequest => "invalid_request",
            RequestErrorKind::InconsistentTables => "inconsistent_tables",
        }
    }
}

impl fmt::Display for RequestErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl From<RequestProblem> for RequestError {
    fn from(inner: RequestProblem) -> Self {
        RequestError { inner }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_error_codes_are_distinct_and_follow_the_kind() {
        let kinds = [
            LoadErrorKind::Io,
            LoadErrorKind::NotATable,
            LoadErrorKind::Truncated,
            LoadErrorKind::Endianness,
            LoadErrorKind::VersionMismatch,
            LoadErrorKind::Checksum,
            LoadErrorKind::Corrupt,
            LoadErrorKind::Unsigned,
            LoadErrorKind::BadSignature,
            LoadErrorKind::Encode,
        ];
        let codes: std::collections::BTreeSet<_> = kinds.iter().map(|k| k.code()).collect();
        assert_eq!(codes.len(), kinds.len());
        assert!(codes
            .iter()
            .all(|c| c.chars().all(|x| x.is_ascii_lowercase() || x == '_')));
        assert_eq!(LoadError::not_a_table().code(), "not_a_table");
        assert_eq!(LoadError::version(2, 1).code(), "version_mismatch");
    }
}
