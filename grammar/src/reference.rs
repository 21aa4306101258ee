//! Connection references, as Mission Control resolves them:
//!
//! - `connection://name` and `connection://namespace/name` (each part trimmed; an empty
//!   namespace means the context namespace);
//! - `connection://<type>/<namespace>/<name>`, the deprecated three-part form, whose type
//!   is ignored;
//! - a bare connection id, without the scheme: a UUID in any form upstream's `uuid.Parse`
//!   accepts, held in its canonical form. Anything else without the scheme is malformed,
//!   as upstream says (`Must be in connection://<namespace>/<name> format`), so a typo is
//!   reported as malformed before any question of who may read what.
//!
//! A two-part reference may also be the legacy `connection://<type>/<name>` form; the
//! resolver tries `namespace/name` first and falls back to "the connection of that name and
//! type" (see [`ConnectionRef::Named`]). Anything else is an error that says why: a missing
//! name, too many parts, or a character that cannot appear in a Kubernetes object name.

use std::fmt;

use crate::error::{GrammarError, Language};
use crate::uuid::Uuid;

/// A parsed reference.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConnectionRef {
    /// `connection://[namespace/]name` or `connection://type/namespace/name`.
    Named {
        /// The namespace, when written and not empty.
        namespace: Option<String>,
        /// The name.
        name: String,
        /// The type of the deprecated three-part form (ignored when resolving).
        deprecated_type: Option<String>,
    },
    /// A bare id: a UUID, canonical (lowercase, hyphenated).
    Id(String),
}

const SCHEME: &str = "connection://";

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

impl ConnectionRef {
    /// Parses a reference.
    pub fn parse(input: &str) -> Result<ConnectionRef, GrammarError> {
        let fail = |at: usize, expected: &str| {
            GrammarError::new(Language::ConnectionRef, input, at, expected)
        };
        let Some(body) = input.strip_prefix(SCHEME) else {
            let trimmed = input.trim();
            if !trimmed.contains([':', '/']) || trimmed.len() == 45 {
                if let Ok(id) = Uuid::parse(trimmed) {
                    return Ok(ConnectionRef::Id(id.to_string()));
                }
            }
            let matched = SCHEME
                .bytes()
                .zip(input.bytes())
                .take_while(|(a, b)| a == b)
                .count();
            return Err(fail(
                matched,
                "a reference `connection://[namespace/]name` or a connection id (a UUID)",
            ));
        };
        let mut parts = Vec::new();
        let mut at = SCHEME.len();
        for raw in body.split('/') {
            let lead = raw.len() - raw.trim_start().len();
            let part = raw.trim();
            if let Some((i, _)) = part.char_indices().find(|(_, c)| !is_name_char(*c)) {
                return Err(fail(
                    at + lead + i,
                    "a name character (letters, digits, `-`, `_`, `.`)",
                ));
            }
            parts.push((part, at + lead));
            at += raw.len() + 1;
        }
        let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_string());
        let (namespace, name, deprecated_type, name_at) = match parts.as_slice() {
            [(name, at)] => (None, *name, None, *at),
            [(namespace, _), (name, at)] => (non_empty(namespace), *name, None, *at),
            [(kind, _), (namespace, _), (name, at)] => {
                (non_empty(namespace), *name, non_empty(kind), *at)
            }
            [_, _, _, (_, at), ..] => {
                return Err(fail(
                    at.saturating_sub(1),
                    "end of input: a reference has at most a type, a namespace and a name",
                ))
            }
            [] => (None, "", None, SCHEME.len()),
        };
        if name.is_empty() {
            return Err(fail(name_at, "a non-empty name"));
        }
        Ok(ConnectionRef::Named {
            namespace,
            name: name.to_string(),
            deprecated_type,
        })
    }

    /// The `namespace/name` key, with `default_namespace` when the reference names no
    /// namespace; the id itself for a bare id.
    pub fn key(&self, default_namespace: &str) -> String {
        match self {
            ConnectionRef::Named {
                namespace, name, ..
            } => {
                format!(
                    "{}/{name}",
                    namespace.as_deref().unwrap_or(default_namespace)
                )
            }
            ConnectionRef::Id(id) => id.clone(),
        }
    }

    /// `(type, name)` when the reference may be the legacy `connection://<type>/<name>`
    /// form (two parts, read so when no `namespace/name` matches): it names a connection
    /// only when exactly one has that name and type.
    pub fn legacy(&self) -> Option<(&str, &str)> {
        match self {
            ConnectionRef::Named {
                namespace: Some(kind),
                name,
                deprecated_type: None,
            } => Some((kind, name)),
            _ => None,
        }
    }
}

impl fmt::Display for ConnectionRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectionRef::Named {
                namespace,
                name,
                deprecated_type,
            } => match (deprecated_type, namespace) {
                (Some(kind), ns) => {
                    write!(f, "{SCHEME}{kind}/{}/{name}", ns.as_deref().unwrap_or(""))
                }
                (None, Some(ns)) => write!(f, "{SCHEME}{ns}/{name}"),
                (None, None) => write!(f, "{SCHEME}{name}"),
            },
            ConnectionRef::Id(id) => f.write_str(id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(namespace: Option<&str>, name: &str, kind: Option<&str>) -> ConnectionRef {
        ConnectionRef::Named {
            namespace: namespace.map(str::to_string),
            name: name.to_string(),
            deprecated_type: kind.map(str::to_string),
        }
    }

    #[test]
    fn accepts_what_upstream_accepts() {
        let cases = [
            (
                "connection://default/payments-database",
                named(Some("default"), "payments-database", None),
            ),
            ("connection://loki", named(None, "loki", None)),
            (
                "connection://  /mission_control",
                named(None, "mission_control", None),
            ),
            ("connection:///name", named(None, "name", None)),
            ("connection:// ns / name ", named(Some("ns"), "name", None)),
            (
                "connection://postgres/default/db",
                named(Some("default"), "db", Some("postgres")),
            ),
            (
                "3fa85f64-5717-4562-b3fc-2c963f66afa6",
                ConnectionRef::Id("3fa85f64-5717-4562-b3fc-2c963f66afa6".into()),
            ),
            (
                " {3FA85F64-5717-4562-B3FC-2C963F66AFA6} ",
                ConnectionRef::Id("3fa85f64-5717-4562-b3fc-2c963f66afa6".into()),
            ),
            (
                "urn:uuid:3fa85f64-5717-4562-b3fc-2c963f66afa6",
                ConnectionRef::Id("3fa85f64-5717-4562-b3fc-2c963f66afa6".into()),
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(ConnectionRef::parse(input), Ok(expected.clone()), "{input}");
            assert_eq!(
                ConnectionRef::parse(&expected.to_string()),
                Ok(expected),
                "{input} round trip"
            );
        }
    }

    #[test]
    fn rejections_say_where() {
        let cases = [
            ("http://x", 0),
            ("connection:/x", 12),
            ("connection://", 13),
            ("connection://a/", 15),
            ("connection://a/b/c/d", 18),
            ("connection://a b", 14),
            ("my connection", 0),
            // A bare word is not an id: upstream says it must be `connection://ns/name`.
            ("cn-s3", 1),
            ("payments-database", 0),
            ("3fa85f64-5717-4562-b3fc-2c963f66afa", 0),
            ("connection", 10),
        ];
        for (input, offset) in cases {
            match ConnectionRef::parse(input) {
                Ok(r) => unreachable!("{input} parsed as {r}"),
                Err(e) => assert_eq!(e.offset(), offset, "{input}: {e}"),
            }
        }
    }
}
