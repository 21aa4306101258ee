//! `connection://name` and `connection://namespace/name` references.
//!
//! Anything else is an error that says why: a missing scheme, an empty segment, too many
//! segments (the deprecated `connection://type/namespace/name` form is not accepted), or a
//! character that cannot appear in a Kubernetes object name.

use std::fmt;

use crate::error::{GrammarError, Language};

/// A parsed reference; a missing namespace is filled in by the caller's default.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnectionRef {
    pub namespace: Option<String>,
    pub name: String,
}

const SCHEME: &str = "connection://";

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

impl ConnectionRef {
    /// Parses `connection://[namespace/]name`.
    pub fn parse(input: &str) -> Result<ConnectionRef, GrammarError> {
        let fail = |at: usize, expected: &str| {
            GrammarError::new(Language::ConnectionRef, input, at, expected)
        };
        let Some(body) = input.strip_prefix(SCHEME) else {
            let matched = SCHEME
                .bytes()
                .zip(input.bytes())
                .take_while(|(a, b)| a == b)
                .count();
            return Err(fail(
                matched,
                "a reference of the form `connection://[namespace/]name`",
            ));
        };
        let mut segments = Vec::new();
        let mut at = SCHEME.len();
        for segment in body.split('/') {
            if segment.is_empty() {
                return Err(fail(at, "a non-empty name"));
            }
            if let Some((i, _)) = segment.char_indices().find(|(_, c)| !is_name_char(*c)) {
                return Err(fail(
                    at + i,
                    "a name character (letters, digits, `-`, `_`, `.`)",
                ));
            }
            segments.push(segment);
            at += segment.len() + 1;
        }
        match segments.as_slice() {
            [name] => Ok(ConnectionRef {
                namespace: None,
                name: name.to_string(),
            }),
            [namespace, name] => Ok(ConnectionRef {
                namespace: Some(namespace.to_string()),
                name: name.to_string(),
            }),
            [first, second, ..] => {
                let third = SCHEME.len() + first.len() + second.len() + 1;
                Err(fail(
                    third,
                    "end of input: a reference has at most a namespace and a name",
                ))
            }
            [] => Err(fail(SCHEME.len(), "a non-empty name")),
        }
    }

    /// The `namespace/name` key, with `default_namespace` when the reference has none.
    pub fn key(&self, default_namespace: &str) -> String {
        format!(
            "{}/{}",
            self.namespace.as_deref().unwrap_or(default_namespace),
            self.name
        )
    }
}

impl fmt::Display for ConnectionRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{SCHEME}{ns}/{}", self.name),
            None => write!(f, "{SCHEME}{}", self.name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts() {
        let r = ConnectionRef::parse("connection://default/payments-database");
        assert_eq!(
            r,
            Ok(ConnectionRef {
                namespace: Some("default".into()),
                name: "payments-database".into()
            })
        );
        let r = ConnectionRef::parse("connection://loki");
        assert_eq!(
            r,
            Ok(ConnectionRef {
                namespace: None,
                name: "loki".into()
            })
        );
    }

    #[test]
    fn rejections_say_where() {
        let cases = [
            ("http://x", 0),
            ("connection:/x", 12),
            ("connection://", 13),
            ("connection://a/", 15),
            ("connection:///a", 13),
            ("connection://a/b/c", 16),
            ("connection://a b", 14),
        ];
        for (input, offset) in cases {
            match ConnectionRef::parse(input) {
                Ok(r) => unreachable!("{input} parsed as {r}"),
                Err(e) => assert_eq!(e.offset(), offset, "{input}: {e}"),
            }
        }
    }
}
