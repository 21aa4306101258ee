//! The Rampart runtime: load decision tables compiled by `rampart compile` and answer
//! access checks in constant time.
//!
//! # Which type do I want
//! - [`Tables`]: load a table file ([`Tables::load`], [`Tables::from_bytes`]) and check.
//! - [`TablesHandle`]: share tables across threads and swap in new ones atomically.
//! - [`Request`] / [`Decision`]: checks by name, with reasons and explanations.
//! - [`Tables::check_ids`]: the interned fast path (resolve names once with
//!   [`Tables::principal`], [`Tables::action`], [`Tables::object`]).
//!
//! ```no_run
//! use rampart_runtime::{ObjectIds, Tables};
//! let tables = Tables::load("tables.rampart")?;
//! let john = tables.principal("john@doe.com");
//! let run = tables.action("playbook:run");
//! # Ok::<(), rampart_runtime::LoadError>(())
//! ```
//!
//! The runtime knows nothing about YAML, the compiler, rayon or petgraph.

mod attributes;
mod category;
mod check;
pub mod connection;

pub mod data;
mod error;
pub mod format;
mod handle;
mod hash;

mod ids;
mod lexical;
mod request;
mod reverse;

mod selector;
mod tables;

pub use attributes::{ObjectAttributes, ObjectView};
pub use category::pair_categories;
pub use category::{Category, ObjectIds, PerCategory};
pub use check::ObjectTarget;
pub use error::{LoadError, LoadErrorKind};

pub use handle::TablesHandle;
pub use ids::{ActionId, GlobalId, ObjectId, PrincipalId};
pub use request::{Decision, MatchedPermission, ObjectRef, Reason, Request, RequestObjects};
pub use reverse::ActionAccess;

pub use selector::{
    agent_matches, narrowing_matches, CompiledPredicate, CompiledSelector, SELECTOR_OPTIONS,
};
pub use tables::Tables;
