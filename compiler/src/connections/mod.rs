//! Connections, as one vertical slice: everything about a `kind: Connection` document and
//! the `connection://` references to it lives here.
//!
//! - [`fields`]: the typed sections of `Connection.spec`, field by field (the table both
//!   the parser and the JSON Schema read).
//! - [`document`]: the document, read into typed sections when it is parsed
//!   ([`document::Connection`]); [`node`] is the spanned YAML value it is read from.
//! - [`lower`]: typed sections → [`model::LoweredConnection`], as upstream maps them, with
//!   literal credentials refused and templates checked.
//! - [`uses`]: every `connection://` string of every document, and the check that each
//!   parses and names a known connection.
//! - [`stored`]: the lowered model as the table file stores it, converted where the tables
//!   are written.
//!
//! The room depends on the documents' common parts (`located`, `metadata`, `yaml`) and
//! never on the policy kinds, the world or the tables builder.

pub mod document;
pub mod fields;
pub mod lower;
pub mod model;
pub mod node;
pub mod stored;
pub mod uses;
