//! Parsers for the small languages that live inside Rampart policy documents.
//!
//! Every language has a typed AST, a canonical [`std::fmt::Display`] (so that
//! `parse(display(x)) == x`), a matcher where the language matches something, and a
//! [`GrammarError`] that carries the byte offset of the problem and what was expected.
//! No parser panics, whatever the input.
//!
//! | language | type | example |
//! | --- | --- | --- |
//! | action patterns | [`ActionPattern`] | `playbook:*`, `!delete`, `read,write` |
//! | item patterns (selector fields) | [`ItemPattern`] | `prod-*`, `!kube-system` |
//! | Kubernetes label selectors | [`LabelSelector`] | `env in (prod,staging),!legacy` |
//! | the search query language | [`SearchQuery`] | `type=Kubernetes::Pod tags.env=prod` |
//! | connection references | [`ConnectionRef`] | `connection://default/payments` |
//! | URL templates | [`UrlTemplate`] | `postgres://$(username):$(password)@host` |
//! | UUIDs (as upstream's `uuid.Parse`) | [`Uuid`] | `{9C0D1E2F-3A4B-5C6D-7E8F-9A0B1C2D3E4F}` |
//!
//! ```
//! use rampart_grammar::{ItemPattern, LabelSelector};
//!
//! let names = ItemPattern::parse("prod-*,!prod-legacy").unwrap();
//! assert!(names.matches("PROD-payments"));      // case-insensitive
//! assert!(!names.matches("prod-legacy"));       // a negation wins
//!
//! let tags = LabelSelector::parse("env in (prod,staging),!legacy").unwrap();
//! assert!(tags.matches(&|key| (key == "env").then_some("prod")));
//!
//! // Errors say where and what was expected; no parser panics.
//! let error = LabelSelector::parse("env in (prod").unwrap_err();
//! assert_eq!(error.offset(), 12);
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod action;
mod error;
pub mod fold;
mod item_pattern;
mod label_selector;
mod lex;
mod reference;
mod search_query;
mod url_template;
mod uuid;

pub use action::{Action, ActionItem, ActionPattern, BuiltinAction};
pub use error::{GrammarError, Language};
pub use item_pattern::{Glob, ItemPattern, PatternItem};
pub use label_selector::{
    LabelSelector, LabelSelectorOptions, Operator, Requirement, RequirementMatcher,
};
pub use reference::ConnectionRef;
pub use search_query::{CompareOp, FieldPath, SearchExpr, SearchQuery, SearchSubject};
pub use url_template::{TemplatePart, TemplateVariable, UrlTemplate};
pub use uuid::{Hyphenated, Uuid};
