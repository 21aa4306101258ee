//! Connections: credential sources, masked values, and authorized `connection://`
//! resolution.

mod resolve;
mod secret;
mod source;

pub use resolve::{hydrate, ResolveError, ResolvedConnection};
pub use secret::{SecretValue, MASK};
pub use source::{
    EnvironmentSource, LookupError, MemorySource, SecretSource, SourceChain, SourceKind,
};
