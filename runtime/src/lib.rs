//! The Rampart runtime: load decision tables compiled by `rampart compile` and answer
//! access checks in constant time.
//!
//! # Which call do I want
//!
//! | I have | I call | I get |
//! | --- | --- | --- |
//! | names (`"john@doe.com"`, `"read"`, `"c-mc-pod"`) | [`Tables::is_authorized`] | [`Response`]: effect and reason, or a [`RequestError`] for a name that does not resolve |
//! | the same, and want to know why | [`Tables::explain`] | the [`Response`] with an [`Explanation`] |
//! | ids resolved once ([`Tables::principal`], [`Tables::action`], [`Tables::object`]) | [`Tables::check_ids`] | the same [`Response`], without hashing a name |
//! | "what may this subject see" | [`Tables::list`], [`Tables::list_with`] | a [`Listing`] of objects and the residual rules |
//! | "who may do this" | [`Tables::who_can`] | principals |
//! | "who may do this only together with a second object" (`playbook:run` granted on playbooks with configs) | [`Tables::who_can_together`] | [`Conditional`]s: each principal with the second object's category and condition |
//! | "what would this subject be allowed on objects the catalog does not hold yet" (a diff, a review) | [`Tables::residual_rules`] | [`ResidualRule`]s: each rule as its selectors state it |
//! | "only the rows of my SQL table this subject may see" | [`Tables::sql_filter`] (together with a fixed object: [`Tables::sql_filter_with`]) | a [`sql::SqlFilter`]: a PostgreSQL `WHERE` predicate with bound parameters (or the id list) |
//! | a `connection://` reference | [`Tables::resolve_connection`] | a [`connection::ResolvedConnection`] with masked secrets |
//! | ids to hand across a foreign-function boundary (C, Go, Python) | `to_bits` on an id, [`Tables::principal_from_bits`] and its siblings | a `u64` that refuses other tables, another kind and a forged index |
//! | tables that change on disk | [`TablesHandle`] | atomic swaps that keep the last good tables |
//!
//! A name that does not resolve is always an error, never a denial: a typo in a subject,
//! an action or an object cannot quietly turn into an answer.
//!
//! ```
//! use rampart_runtime::{Objects, Request, RequestErrorKind, Tables, Target};
//!
//! let tables = Tables::load("../fixtures/tables/format-v3.rampart")?;
//! let run = Request::new(
//!     "john@doe.com",
//!     "playbook:run",
//!     Target::Objects(Objects::new().playbook("mc/echo-config").config("c-mc-pod")),
//! );
//! assert!(tables.is_authorized(&run)?.is_allowed());
//!
//! let typo = Request::new("john@doe.com", "read", Target::Objects(Objects::new().config("c-mc-pdo")));
//! let error = tables.is_authorized(&typo).unwrap_err();
//! assert_eq!(error.kind(), RequestErrorKind::UnknownObject);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The runtime knows nothing about YAML, the compiler, rayon or petgraph. Its table
//! schema is behind the `build` feature, which only the compiler turns on.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod attributes;
mod category;
mod check_layout;
mod class_set;
mod codec;
pub mod connection;
mod decide;
mod decision_data;
mod decisions;
mod described;
mod error;
mod explain;
mod handle;
mod id_bits;
pub mod identity;
mod ids;
#[cfg(feature = "json")]
pub mod json;
#[cfg(feature = "json")]
pub mod json_answers;
mod listing;
mod name_index;
mod names;
mod parts;
mod provenance;
mod request;
mod residual;
mod response;
mod rows;
#[cfg(feature = "build")]
pub mod schema;
#[cfg(not(feature = "build"))]
mod schema;
#[cfg(feature = "build")]
pub mod selector;
#[cfg(not(feature = "build"))]
mod selector;
mod selectors;
pub mod sql;
pub mod suggest;
mod tables;
pub mod text;
mod unit;
mod validate;

/// The compiler's side of the runtime: the encoder, the set pool and row computation.
#[cfg(feature = "build")]
pub mod build;

pub use attributes::{ObjectAttributes, ObjectView};
pub use category::{Category, PairShape, PerCategory};
pub use codec::{read_header, Header, FORMAT_VERSION, HEADER_LEN, MAGIC};
pub use error::{LoadError, LoadErrorKind, RequestError, RequestErrorKind};
pub use handle::TablesHandle;
pub use id_bits::IdBits;
pub use ids::{ActionId, GlobalId, ObjectId, PrincipalId};
pub use listing::{ActionAccess, Conditional, Listing, Residual};
pub use request::{IdTarget, ObjectIds, ObjectRef, Objects, Request, Target};
pub use residual::{Admits, Requirement, ResidualRule};
pub use response::{
    Candidate, DecidingPermission, Effect, Explanation, FailedClause, Reason, Response, Via,
};
pub use tables::{PublicKey, Statistics, Tables};
pub use unit::UnitKind;

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
