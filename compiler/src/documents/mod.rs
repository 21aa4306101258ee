//! Reading policy documents: files and directories (recursively, in sorted path order),
//! split into YAML documents, dispatched on `kind`, parsed strictly into the typed
//! shapes of [`policy`] and [`connection`]. Every `connection://` string in any document
//! is recorded for the connection audit.

pub mod connection;
pub mod path;
pub mod policy;
pub mod yaml;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rampart_grammar::{ConnectionRef, GrammarError};

use crate::diagnostic::Diagnostic;
use crate::source::{Location, SourceFile};
use connection::ConnectionDocument;
use policy::{DocumentHeader, PermissionDocument, PermissionGroupDocument, RegistrationDocument};
use yaml::{split_documents, Text};

/// The API group and version of every policy kind.
pub const API_VERSION: &str = "mission-control.flanksource.com/v1";

/// A parsed document with the file it came from and where it starts.
#[derive(Debug)]
pub struct Located<T> {
    pub value: T,
    pub file: Arc<SourceFile>,
    pub start: Location,
}

impl<T> Located<T> {
    /// The location of a spanned string in this document.
    pub fn at(&self, text: &Text) -> Location {
        at(&self.file, text)
    }

    /// The location of the key at a dotted field path (list indexes ignored), or of the
    /// document when the key is not written (a default, say).
    pub fn locate_field(&self, field: &str) -> Location {
        let plain: String = field.split('[').next().unwrap_or(field).to_string();
        let text = self.file.text.get(self.start.offset..).unwrap_or("");
        match path::locate(text, &plain) {
            Some(offset) => Location {
                file: Arc::clone(&self.file),
                offset: self.start.offset + offset,
                len: plain.rsplit('.').next().unwrap_or("").len().max(1),
            },
            None => self.start.clone(),
        }
    }

    /// The location of any spanned value (one character long).
    pub fn at_node<V>(&self, value: &serde_saphyr::Spanned<V>) -> Location {
        let l = &value.referenced;
        let offset = self.file.offset(l.line() as usize, l.column() as usize);
        Location {
            file: Arc::clone(&self.file),
            offset,
            len: 1,
        }
    }
}

/// The location of a spanned string in `file`, covering the string.
pub fn at(file: &Arc<SourceFile>, text: &Text) -> Location {
    let l = &text.referenced;
    let offset = file.scalar_start(l.line() as usize, l.column() as usize);
    Location {
        file: Arc::clone(file),
        offset,
        len: text.value.len(),
    }
}

/// The location of a grammar error inside a spanned string: the exact bytes.
pub fn at_grammar_error(file: &Arc<SourceFile>, text: &Text, error: &GrammarError) -> Location {
    let start = at(file, text);
    let offset = (start.offset + error.offset()).min(file.text.len());
    Location {
        file: Arc::clone(file),
        offset,
        len: 1,
    }
}

/// A Playbook or Notification registered by a document.
#[derive(Debug, Clone)]
pub struct Registration {
    pub namespace: String,
    pub name: String,
    pub location: Location,
}

/// One `connection://` string found in a document.
#[derive(Debug, Clone)]
pub struct ConnectionUse {
    pub text: String,
    pub reference: Result<ConnectionRef, GrammarError>,
    /// `Kind namespace/name` of the document that holds it.
    pub document: String,
    /// The namespace of that document (for references without one).
    pub namespace: String,
    pub location: Location,
}

/// Everything read from the document paths.
#[derive(Debug, Default)]
pub struct Documents {
    pub permissions: Vec<Located<PermissionDocument>>,
    pub groups: Vec<Located<PermissionGroupDocument>>,
    pub connections: Vec<Located<ConnectionDocument>>,
    pub playbooks: Vec<Registration>,
    pub notifications: Vec<Registration>,
    pub uses: Vec<ConnectionUse>,
    pub files: usize,
    pub documents: usize,
}

/// The namespace of a document: `metadata.namespace`, else `default`.
pub fn namespace_of(metadata: &policy::Metadata) -> String {
    metadata
        .namespace
        .as_ref()
        .map(|n| n.value.clone())
        .unwrap_or_else(|| "default".to_string())
}

fn collect_files(
    path: &Path,
    skip: Option<&Path>,
    out: &mut Vec<PathBuf>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    if skip.is_some_and(|s| same_file(s, path)) {
        return;
    }
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = match std::fs::read_dir(path) {
            Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
            Err(e) => {
                diagnostics.push(Diagnostic::in_file(
                    path,
                    format!("cannot read directory: {e}"),
                ));
                return;
            }
        };
        entries.sort();
        for entry in entries {
            let is_yaml = entry.extension().is_some_and(|x| x == "yaml" || x == "yml");
            if entry.is_dir() || is_yaml {
                collect_files(&entry, skip, out, diagnostics);
            }
        }
    } else {
        out.push(path.to_path_buf());
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// Reads every document under `paths` (skipping the catalog file if it is among them).
pub fn load(paths: &[PathBuf], catalog: Option<&Path>) -> (Documents, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let mut files = Vec::new();
    for path in paths {
        if !path.exists() {
            diagnostics.push(Diagnostic::in_file(path, "no such file or directory"));
            continue;
        }
        collect_files(path, catalog, &mut files, &mut diagnostics);
    }
    let mut documents = Documents::default();
    for path in files {
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                diagnostics.push(Diagnostic::in_file(&path, format!("cannot read file: {e}")));
                continue;
            }
        };
        documents.files += 1;
        let file = SourceFile::new(&path, text);
        for doc in split_documents(&file) {
            documents.documents += 1;
            read_document(&doc, &mut documents, &mut diagnostics);
        }
    }
    (documents, diagnostics)
}

/// What every policy kind has: an API version and Kubernetes metadata.
trait PolicyDocument: serde::de::DeserializeOwned {
    fn api_version(&self) -> &str;
    fn metadata(&self) -> &policy::Metadata;
}

macro_rules! policy_document {
    ($($t:ty),*) => {
        $(impl PolicyDocument for $t {
            fn api_version(&self) -> &str {
                &self.api_version
            }
            fn metadata(&self) -> &policy::Metadata {
                &self.metadata
            }
        })*
    };
}

policy_document!(
    PermissionDocument,
    PermissionGroupDocument,
    ConnectionDocument,
    RegistrationDocument
);

/// Parses a document of a policy kind; returns it with its `Kind namespace/name` label
/// and namespace, or records why it does not parse.
fn parse_policy<T: PolicyDocument>(
    doc: &yaml::DocumentText,
    kind: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<(T, String, String)> {
    match doc.parse::<T>() {
        Ok(value) => {
            check_api_version(value.api_version(), doc, diagnostics);
            let namespace = namespace_of(value.metadata());
            let label = format!("{kind} {namespace}/{}", value.metadata().name.value);
            Some((value, label, namespace))
        }
        Err(d) => {
            diagnostics.push(d);
            None
        }
    }
}

fn read_document(doc: &yaml::DocumentText, out: &mut Documents, diagnostics: &mut Vec<Diagnostic>) {
    let header: DocumentHeader = match doc.parse() {
        Ok(h) => h,
        Err(d) => return diagnostics.push(d),
    };
    let Some(kind) = header.kind else {
        diagnostics
            .push(Diagnostic::at(doc.start_location(), "a document needs a `kind`").field("kind"));
        return;
    };
    let located = |value| Located {
        value,
        file: Arc::clone(&doc.file),
        start: doc.start_location(),
    };
    let parsed = match kind.value.as_str() {
        "Permission" => parse_policy::<PermissionDocument>(doc, "Permission", diagnostics).map(
            |(p, label, ns)| {
                out.permissions.push(located(p));
                (label, ns)
            },
        ),
        "PermissionGroup" => {
            parse_policy::<PermissionGroupDocument>(doc, "PermissionGroup", diagnostics).map(
                |(g, label, ns)| {
                    out.groups.push(Located {
                        value: g,
                        file: Arc::clone(&doc.file),
                        start: doc.start_location(),
                    });
                    (label, ns)
                },
            )
        }
        "Connection" => parse_policy::<ConnectionDocument>(doc, "Connection", diagnostics).map(
            |(c, label, ns)| {
                out.connections.push(Located {
                    value: c,
                    file: Arc::clone(&doc.file),
                    start: doc.start_location(),
                });
                (label, ns)
            },
        ),
        kind_name @ ("Playbook" | "Notification") => {
            parse_policy::<RegistrationDocument>(doc, kind_name, diagnostics).map(
                |(r, label, ns)| {
                    let registration = Registration {
                        namespace: ns.clone(),
                        name: r.metadata.name.value.clone(),
                        location: at(&doc.file, &r.metadata.name),
                    };
                    if kind_name == "Playbook" {
                        out.playbooks.push(registration);
                    } else {
                        out.notifications.push(registration);
                    }
                    (label, ns)
                },
            )
        }
        other => {
            let metadata = header.metadata.unwrap_or_default();
            let namespace = metadata.namespace.unwrap_or_else(|| "default".to_string());
            let name = metadata
                .name
                .unwrap_or_else(|| format!("(line {})", doc.file.line_column(doc.start).0));
            Some((format!("{other} {namespace}/{name}"), namespace))
        }
    };
    if let Some((label, namespace)) = parsed {
        index_connection_uses(doc, &label, &namespace, out);
    }
}

fn check_api_version(
    api_version: &str,
    doc: &yaml::DocumentText,
    diagnostics: &mut Vec<Diagnostic>,
) {
    if api_version != API_VERSION {
        let d = Diagnostic::at(
            doc.start_location(),
            format!("unsupported apiVersion `{api_version}`"),
        )
        .field("apiVersion")
        .help(format!("policy documents use `apiVersion: {API_VERSION}`"));
        diagnostics.push(d);
    }
}

/// Records every `connection://` string outside comments.
fn index_connection_uses(
    doc: &yaml::DocumentText,
    label: &str,
    namespace: &str,
    out: &mut Documents,
) {
    let text = doc.file.text.get(doc.start..doc.end).unwrap_or("");
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
            let offset = doc.start + line_start + i;
            out.uses.push(ConnectionUse {
                text: token.to_string(),
                reference: ConnectionRef::parse(token),
                document: label.to_string(),
                namespace: namespace.to_string(),
                location: Location {
                    file: Arc::clone(&doc.file),
                    offset,
                    len: token.len(),
                },
            });
        }
        line_start += line.len();
    }
}
