//! Uses of connections: every `connection://` string written in any document (outside
//! comments, in documents of every API group), recorded when the document is read, and
//! checked once the world is known: a reference that does not parse is an error at its
//! exact bytes, and with a catalog a reference to a connection nobody defines is an error
//! naming the document that holds it.

use std::collections::HashSet;

use rampart_grammar::{ConnectionRef, GrammarError};

use rampart_runtime::identity::identity_key;

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

/// The connections a reference may name: every `namespace/name` key and id (by identity,
/// as the runtime looks them up: trimmed and folded, [`identity_key`]), and every
/// connection's name, type and key (for the legacy `connection://<type>/<name>` form).
#[derive(Debug, Default)]
pub struct KnownConnections {
    keys: Vec<String>,
    identities: HashSet<String>,
    named: Vec<(String, Option<String>, String)>,
}

/// What a reference names among the [`KnownConnections`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Named {
    /// One connection.
    One,
    /// None.
    None,
    /// Several (a legacy `type/name` matching connections of several namespaces): their
    /// keys.
    Several(Vec<String>),
}

impl KnownConnections {
    /// From every key and id, and every connection's `(name, type, key)`.
    pub fn new(
        keys: impl IntoIterator<Item = String>,
        named: impl IntoIterator<Item = (String, Option<String>, String)>,
    ) -> KnownConnections {
        let keys: Vec<String> = keys.into_iter().collect();
        KnownConnections {
            identities: keys.iter().map(|k| identity_key(k).into_owned()).collect(),
            keys,
            named: named.into_iter().collect(),
        }
    }

    /// What `reference`, written in `namespace`, names: its `namespace/name` (or id) in
    /// any spelling the runtime accepts, else the legacy `connection://<type>/<name>`
    /// form, which must name exactly one connection of that name and type.
    pub fn find(&self, reference: &ConnectionRef, namespace: &str) -> Named {
        if self
            .identities
            .contains(identity_key(&reference.key(namespace)).as_ref())
        {
            return Named::One;
        }
        self.legacy(reference)
    }

    /// The nearest known `namespace/name` (or id) to `key`, as a did-you-mean.
    pub fn did_you_mean(&self, key: &str) -> Option<String> {
        rampart_runtime::suggest::did_you_mean(key, self.keys.iter().map(String::as_str))
    }

    fn legacy(&self, reference: &ConnectionRef) -> Named {
        let Some((kind, name)) = reference.legacy() else {
            return Named::None;
        };
        let mut keys: Vec<String> = self
            .named
            .iter()
            .filter(|(n, t, _)| n == name && t.as_deref() == Some(kind))
            .map(|(_, _, key)| key.clone())
            .collect();
        match keys.len() {
            0 => Named::None,
            1 => Named::One,
            _ => {
                keys.sort();
                Named::Several(keys)
            }
        }
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
                    match known.find(r, &u.namespace) {
                        Named::One => {}
                        Named::None => {
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
                        Named::Several(keys) => diagnostics.push(
                            Diagnostic::at(
                                u.location.clone(),
                                format!(
                                    "{} refers to `{}`, which is ambiguous: the legacy `connection://<type>/<name>` form names {}",
                                    u.document,
                                    u.text,
                                    keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
                                ),
                            )
                            .help("write `connection://<namespace>/<name>` for the one meant"),
                        ),
                    }
                }
            }
        }
    }
    diagnostics
}
