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

mod action;
mod error;
mod item_pattern;
mod label_selector;
mod lex;
mod reference;
mod search_query;
mod url_template;

pub use action::{Action, ActionItem, ActionPattern, BuiltinAction};
pub use error::{GrammarError, Language};
pub use item_pattern::{Glob, ItemPattern, PatternItem};
pub use label_selector::{LabelSelector, LabelSelectorOptions, Operator, Requirement};
pub use reference::ConnectionRef;
pub use search_query::{CompareOp, FieldPath, SearchExpr, SearchQuery, SearchSubject};
pub use url_template::{TemplatePart, TemplateVariable, UrlTemplate};
