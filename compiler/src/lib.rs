//! The Rampart compiler: Mission Control style `Permission`, `PermissionGroup` and
//! `Connection` documents plus a catalog -> decision tables for `rampart-runtime`.
//!
//! The pipeline follows the module names: [`documents`] and [`catalog`] parse, [`world`]
//! numbers objects, [`resolve`] binds names to ids and builds the [`membership`] graph,
//! [`expand`] evaluates selectors ([`index`]) into object classes and sets, [`tabulate`]
//! builds the tables, [`emit`] writes them atomically; [`compile`] runs the phases. Every
//! phase reports [`diagnostic::Diagnostic`]s instead of stopping at the first problem.

// Diagnostics are the error type of every phase and are large by design (message, location,
// field, help); they are built on the cold path only, so their size is not worth boxing.
#![allow(clippy::result_large_err)]

pub mod catalog;
pub mod cli;
pub mod compile;
pub mod diagnostic;
pub mod documents;
pub mod emit;
pub mod expand;
pub mod index;
pub mod json_path;
pub mod lint;
pub mod lower_connections;
pub mod membership;
pub mod oracle;
pub mod request_format;
pub mod resolve;
pub mod roles;
pub mod schema;
pub mod secrets;
pub mod source;
pub mod tabulate;
pub mod test_suite;
pub mod world;
