//! Uses of connections: every `connection://` string written in any document (outside
//! comments, in documents of every API group), recorded when the document is read, and
//! checked once the world is known: a reference that does not parse is an error at its
//! exact bytes, and with a catalog a reference to a connection nobody defines is an error
//! naming the document that holds it.

use std::collections::HashSet;

use rampart_grammar::{ConnectionRef, GrammarError};

use crate::diagnostic::Diagnostic;
use crate::source::Location;
use crate::yaml::DocumentText;

/// One `connection://` string found in a document.
#[derive(Debug, Clone)]
pub struct ConnectionUse {
    /// The string.
    pub text: String,
    /// It, parsed.
    pub reference: Result<ConnectionRef, GrammarError>,
    /// `Kind namespace/name` of the document that holds it.
    pub document: String,
    /// The namespace of that document (for references without one).
    pub namespace: String,
    /// Where it is written.
    pub location: Location,
}

/// Records every `connection://` string of `doc` outside comments. `namespace` and
/// `name` are the document's (`None` when it does not say).
pub fn index(
    doc: &DocumentText,
    kind: &str,
    namespace: Option<String>,
    name: Option<String>,
    out: &mut Vec<ConnectionUse>,
) {
    let namespace = namespace.unwrap_or_else(|| "default".to_string());
    let name = name.unwrap_or_else(|| format!("(line {})", doc.file.line_column(doc.start).0));
    let label = format!("{kind} {namespace}/{name}");
    let text = doc.text();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let comment = line
            .find(" #")
            .or_else(|| line.trim_start().starts_with('#').then_some(0));
        for (i, _) in line.match_indices("connection://") {
            if comment.is_some_and(|c| c < i) {
                continue;
            }
            let rest = line.get(i..).unwrap_or("");
            let end = rest
                .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ',' | ']' | '}'))
                .unwrap_or(rest.len());
            let token = rest.get(..end).unwrap_or("");
            let offset = doc.map_offset(line_start + i);
            out.push(ConnectionUse {
                text: token.to_string(),
                reference: ConnectionRef::parse(token),
                document: label.clone(),
                namespace: namespace.clone(),
                location: Location::new(&doc.file, offset, token.len()),
            });
        }
        line_start += line.len();
    }
}

/// The connections a reference may name: every `namespace/name` key and id, and every
/// connection's name and type (for the legacy `connection://<type>/<name>` form).
#[derive(Debug, Default)]
pub struct KnownConnections {
    keys: HashSet<String>,
    named: Vec<(String, Option<String>)>,
}

impl KnownConnections {
    /// From every key and id, and every connection's `(name, type)`.
    pub fn new(
        keys: impl IntoIterator<Item = String>,
        named: impl IntoIterator<Item = (String, Option<String>)>,
    ) -> KnownConnections {
        KnownConnections {
            keys: keys.into_iter().collect(),
            named: named.into_iter().collect(),
        }
    }

    /// Whether `reference`, written in `namespace`, names a known connection: its
    /// `namespace/name` (or id), else the legacy `connection://<type>/<name>` form naming
    /// exactly one connection of that name and type.
    pub fn contains(&self, reference: &ConnectionRef, namespace: &str) -> bool {
        self.keys.contains(&reference.key(namespace)) || self.legacy(reference)
    }

    /// The nearest known `namespace/name` (or id) to `key`, as a did-you-mean.
    pub fn did_you_mean(&self, key: &str) -> Option<String> {
        rampart_runtime::suggest::did_you_mean(key, self.keys.iter().map(String::as_str))
    }

    fn legacy(&self, reference: &ConnectionRef) -> bool {
        let ConnectionRef::Named {
            namespace: Some(kind),
            name,
            deprecated_type: None,
        } = reference
        else {
            return false;
        };
        self.named
            .iter()
            .filter(|(n, t)| n == name && t.as_deref() == Some(kind.as_str()))
            .count()
            == 1
    }
}

/// Checks every use: a reference that does not parse is an error at its bytes; with
/// `known` (a catalog), a reference to no known connection is an error.
pub fn check(uses: &[ConnectionUse], known: Option<&KnownConnections>) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for u in uses {
        match &u.reference {
            Err(e) => {
                let location = Location::new(&u.location.file, u.location.offset + e.offset(), 1);
                diagnostics.push(Diagnostic::at(location, e.to_string()));
            }
            Ok(r) => {
                if let Some(known) = known {
                    if !known.contains(r, &u.namespace) {
                        let key = r.key(&u.namespace);
                        let mut d = Diagnostic::at(
                            u.location.clone(),
                            format!("{} refers to unknown connection `{key}`", u.document),
                        );
                        if let Some(help) = known.did_you_mean(&key) {
                            d = d.help(help);
                        }
                        diagnostics.push(d);
                    }
                }
            }
        }
    }
    diagnostics
}
