//! Connections: credential sources, masked values, templating, and authorized
//! `connection://` resolution.

pub mod credentials;
pub(crate) mod definitions;
pub mod headers;
pub mod kubernetes_names;
pub(crate) mod resolve;
mod secret;
pub(crate) mod source;
mod template;

pub use resolve::{ResolveError, ResolveErrorKind, ResolvedConnection};
pub use secret::{SecretValue, MASK};
pub use source::{
    EnvironmentSource, LookupError, MemorySource, SecretSource, SourceChain, SourceKind,
    ENVIRONMENT_PREFIX,
};
