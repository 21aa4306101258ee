//! Parse: reading policy documents from files, directories (recursively, in sorted path
//! order) and standard input (`-`), split into YAML documents, `kind: List` documents
//! unpacked into their items, dispatched on `apiVersion` and `kind`, parsed strictly into
//! the typed shapes of [`policy`], [`scope`] and of [`crate::connections::document`] (a Connection's
//! sections are typed here, when the document is read). Every `connection://` string in
//! any document is recorded ([`crate::connections::uses`]).
//!
//! Nothing is dropped silently: a document of the Mission Control API group (or of
//! Rampart's own) with a kind Rampart does not know, or a document without `apiVersion`
//! or `kind`, is an error naming the nearest known kind. Documents of other API groups
//! are skipped and counted by kind.

pub mod list;
pub mod permission_test;
pub mod policy;
pub mod scope;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::connections::document::{Connection, ConnectionDocument};
use crate::connections::uses::{self, ConnectionUse};
use crate::diagnostic::Diagnostic;
use crate::located::Located;
use crate::metadata::{namespace_of, Metadata};
use crate::source::read_text;
use crate::source::{Location, SourceFile};
use crate::yaml::{split_documents, DocumentText};
use policy::{DocumentHeader, PermissionDocument, PermissionGroupDocument, RegistrationDocument};
use scope::ScopeDocument;

/// The API group of Mission Control's kinds.
pub const API_GROUP: &str = "mission-control.flanksource.com";
/// The API group and version of every policy kind.
pub const API_VERSION: &str = "mission-control.flanksource.com/v1";
/// The API group of Rampart's own kinds (`PermissionTest`).
pub const RAMPART_GROUP: &str = "rampart.dev";
/// The API group and version of Rampart's own kinds.
pub const RAMPART_API_VERSION: &str = "rampart.dev/v1";

/// The kinds Rampart reads in the Mission Control API group.
pub const POLICY_KINDS: [&str; 6] = [
    "Permission",
    "PermissionGroup",
    "Scope",
    "Connection",
    "Playbook",
    "Notification",
];
/// The kinds Rampart reads in its own API group.
pub const RAMPART_KINDS: [&str; 1] = ["PermissionTest"];

/// How deeply `kind: List` documents may nest.
const LIST_DEPTH: usize = 4;

/// A Playbook or Notification registered by a document.
#[derive(Debug, Clone)]
pub struct Registration {
    /// Its namespace.
    pub namespace: String,
    /// Its name.
    pub name: String,
    /// `metadata.uid`, when given.
    pub uid: Option<String>,
    /// Where the document names it.
    pub location: Location,
}

/// Everything read from the document paths.
#[derive(Debug, Default)]
pub struct Documents {
    /// `kind: Permission`.
    pub permissions: Vec<Located<PermissionDocument>>,
    /// `kind: PermissionGroup`.
    pub groups: Vec<Located<PermissionGroupDocument>>,
    /// `kind: Scope`.
    pub scopes: Vec<Located<ScopeDocument>>,
    /// The Scopes that did not parse (`(namespace, name)` and the document's start): their
    /// error is reported at the Scope, and a reference to one is no error of its own.
    pub unparsed_scopes: Vec<((String, String), Location)>,
    /// `kind: Connection`, its sections typed.
    pub connections: Vec<Located<Connection>>,
    /// `kind: PermissionTest`.
    pub tests: Vec<Located<crate::documents::permission_test::TestDocument>>,
    /// `kind: Playbook`.
    pub playbooks: Vec<Registration>,
    /// `kind: Notification`.
    pub notifications: Vec<Registration>,
    /// Every `connection://` string.
    pub uses: Vec<ConnectionUse>,
    /// Files read.
    pub files: usize,
    /// Documents read (List items counted one by one).
    pub documents: usize,
    /// Documents of other API groups, skipped, by kind.
    pub skipped: BTreeMap<String, usize>,
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
            let is_yaml = entry
                .extension()
                .is_some_and(|x| x == "yaml" || x == "yml" || x == "json");
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
        if path.as_os_str() == "-" {
            files.push(path.clone());
            continue;
        }
        if !path.exists() {
            diagnostics.push(Diagnostic::in_file(path, "no such file or directory"));
            continue;
        }
        collect_files(path, catalog, &mut files, &mut diagnostics);
    }
    let mut documents = Documents::default();
    for path in files {
        let text = match read_text(&path) {
            Ok(t) => t,
            Err(e) => {
                diagnostics.push(Diagnostic::in_file(&path, e));
                continue;
            }
        };
        read_text_into(&path, text, &mut documents, &mut diagnostics);
    }
    (documents, diagnostics)
}

/// Reads the documents of one file's text into `documents`.
pub fn read_text_into(
    path: &Path,
    text: String,
    documents: &mut Documents,
    diagnostics: &mut Vec<Diagnostic>,
) {
    if text.starts_with(rampart_runtime::json::strict::UTF8_BOM) {
        diagnostics.push(Diagnostic::in_file(path, crate::source::BOM_AT_START));
        return;
    }
    read_file_into(SourceFile::new(path, text), documents, diagnostics);
}

/// Reads the documents of one source file (a file's text, or the text a database row
/// stands for) into `documents`.
pub fn read_file_into(
    file: Arc<SourceFile>,
    documents: &mut Documents,
    diagnostics: &mut Vec<Diagnostic>,
) {
    documents.files += 1;
    // A byte order mark anywhere (a later document's start, a value) is refused, in a
    // file and in a database row alike (`crate::source::refuse_bom`).
    if let Some(offset) = crate::source::bom_offset(&file.text) {
        let message = if offset == 0 {
            crate::source::BOM_AT_START
        } else {
            crate::source::BOM_INSIDE
        };
        diagnostics.push(Diagnostic::at(
            crate::source::Location::new(&file, offset, crate::source::UTF8_BOM_LEN),
            message,
        ));
        return;
    }
    for doc in split_documents(&file) {
        read_document(&doc, documents, diagnostics, 0);
    }
}

/// What every policy kind has: an API version and Kubernetes metadata.
trait PolicyDocument: serde::de::DeserializeOwned {
    fn metadata(&self) -> &Metadata;
}

macro_rules! policy_document {
    ($($t:ty),*) => {
        $(impl PolicyDocument for $t {
            fn metadata(&self) -> &Metadata {
                &self.metadata
            }
        })*
    };
}

policy_document!(
    PermissionDocument,
    PermissionGroupDocument,
    ScopeDocument,
    ConnectionDocument,
    RegistrationDocument,
    crate::documents::permission_test::TestDocument
);

/// Parses a document of a policy kind; returns it located, or records why not. A
/// Connection's diagnostics mask the values on their snippet lines.
fn parse_policy<T: PolicyDocument>(
    doc: &DocumentText,
    masked: bool,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Located<T>> {
    match doc.parse::<T>() {
        Ok(value) => {
            let located = Located::new(value, doc);
            let metadata = located.value.metadata();
            for (field, text) in [
                ("metadata.name", Some(&metadata.name)),
                ("metadata.namespace", metadata.namespace.as_ref()),
            ] {
                if let Some(text) =
                    text.filter(|t| rampart_runtime::text::has_control_characters(&t.value))
                {
                    diagnostics.push(
                        Diagnostic::at(
                            located.at(text),
                            format!(
                                "`{}` holds a control character",
                                rampart_runtime::text::Shown(&text.value)
                            ),
                        )
                        .field(field),
                    );
                    return None;
                }
            }
            Some(located)
        }
        Err(d) => {
            diagnostics.push(d.masked(masked));
            None
        }
    }
}

/// A quick look for `kind: Connection` before parsing, so that even a document that does
/// not parse masks the values its diagnostics show.
fn may_hold_secrets(doc: &DocumentText) -> bool {
    let text = doc.text();
    text.contains("Connection") || text.contains("valueFrom") || text.contains("password")
}

/// Reads one document (a list's items one by one) into `out`: its header, whether Rampart
/// reads its kind, the document of that kind, and the `connection://` uses of any kind.
fn read_document(
    doc: &DocumentText,
    out: &mut Documents,
    diagnostics: &mut Vec<Diagnostic>,
    depth: usize,
) {
    let masked = may_hold_secrets(doc);
    let header: DocumentHeader = match doc.parse() {
        Ok(h) => h,
        Err(d) => {
            out.documents += 1;
            return diagnostics.push(d.masked(masked));
        }
    };
    let kind = header.kind.as_ref().map(|k| k.value.as_str());
    let is_list =
        kind.is_some_and(|k| k == "List" || (k.ends_with("List") && header.items.is_some()));
    if is_list {
        return read_list(doc, &header, out, diagnostics, depth);
    }
    out.documents += 1;
    match admit(doc, &header, diagnostics) {
        Admission::Refused => {}
        Admission::Foreign(kind) => {
            *out.skipped.entry(kind.to_string()).or_default() += 1;
            index_uses(doc, kind, &header, out);
        }
        Admission::Read(kind) => {
            read_kind(doc, kind, &header, masked, out, diagnostics);
            index_uses(doc, kind, &header, out);
        }
    }
}

/// Reads a `kind: List` document's items, refusing lists nested too deeply.
fn read_list(
    doc: &DocumentText,
    header: &DocumentHeader,
    out: &mut Documents,
    diagnostics: &mut Vec<Diagnostic>,
    depth: usize,
) {
    if depth >= LIST_DEPTH {
        diagnostics.push(
            Diagnostic::at(
                doc.start_location(),
                "`kind: List` documents nest too deeply",
            )
            .field("items"),
        );
        return;
    }
    let starts: Vec<usize> = header
        .items
        .iter()
        .flatten()
        .map(|i| doc.file_offset(&i.referenced))
        .collect();
    for item in list::items(doc, &starts) {
        read_document(&item, out, diagnostics, depth + 1);
    }
}

/// What becomes of a document, by its `apiVersion` and `kind`.
enum Admission<'h> {
    /// A kind Rampart reads, at the version it reads.
    Read(&'h str),
    /// A kind of another API group: counted as skipped, only its uses indexed.
    Foreign(&'h str),
    /// No `apiVersion` or `kind`, an unknown kind of a group Rampart reads, or another
    /// version: reported.
    Refused,
}

/// Whether Rampart reads a document of this header; reports why not where it should.
fn admit<'h>(
    doc: &DocumentText,
    header: &'h DocumentHeader,
    diagnostics: &mut Vec<Diagnostic>,
) -> Admission<'h> {
    let kind = header.kind.as_ref().map(|k| k.value.as_str());
    let api_version = header.api_version.as_ref().map(|v| v.value.as_str());
    let start = doc.start_location();
    let (Some(kind), Some(api_version)) = (kind, api_version) else {
        let missing = if header.api_version.is_none() {
            "apiVersion"
        } else {
            "kind"
        };
        diagnostics.push(
            Diagnostic::at(start, format!("a document needs `{missing}`"))
                .field(missing)
                .help(format!(
                    "policy documents start with `apiVersion: {API_VERSION}` and a `kind`: {}",
                    POLICY_KINDS.join(", ")
                )),
        );
        return Admission::Refused;
    };
    let group = api_version.split('/').next().unwrap_or("");
    let known: &[&str] = match group {
        API_GROUP => &POLICY_KINDS,
        RAMPART_GROUP => &RAMPART_KINDS,
        _ => return Admission::Foreign(kind),
    };
    let kind_at = header
        .kind
        .as_ref()
        .map(|k| doc.text_location(k))
        .unwrap_or_else(|| start.clone());
    if !known.contains(&kind) {
        let help = match rampart_runtime::suggest::nearest(kind, known.iter().copied()) {
            Some(near) => format!("did you mean `{near}`? {group} kinds: {}", known.join(", ")),
            None => format!("{group} kinds Rampart reads: {}", known.join(", ")),
        };
        diagnostics.push(
            Diagnostic::at(
                kind_at,
                format!("unknown kind `{kind}` in API group `{group}`"),
            )
            .field("kind")
            .help(help),
        );
        return Admission::Refused;
    }
    let expected = if group == RAMPART_GROUP {
        RAMPART_API_VERSION
    } else {
        API_VERSION
    };
    if api_version != expected {
        let at = header
            .api_version
            .as_ref()
            .map(|v| doc.text_location(v))
            .unwrap_or(start);
        diagnostics.push(
            Diagnostic::at(at, format!("unsupported apiVersion `{api_version}`"))
                .field("apiVersion")
                .help(format!("{kind} documents use `apiVersion: {expected}`")),
        );
        return Admission::Refused;
    }
    Admission::Read(kind)
}

/// Parses a document of a kind Rampart reads into its list in `out`.
fn read_kind(
    doc: &DocumentText,
    kind: &str,
    header: &DocumentHeader,
    masked: bool,
    out: &mut Documents,
    diagnostics: &mut Vec<Diagnostic>,
) {
    match kind {
        "Permission" => {
            if let Some(p) = parse_policy::<PermissionDocument>(doc, false, diagnostics) {
                diagnostics.extend(names_of(doc, &p, kind));
                out.permissions.push(p);
            }
        }
        "PermissionGroup" => {
            if let Some(g) = parse_policy::<PermissionGroupDocument>(doc, false, diagnostics) {
                diagnostics.extend(names_of(doc, &g, kind));
                out.groups.push(g);
            }
        }
        "Scope" => match parse_policy(doc, false, diagnostics) {
            Some(s) => out.scopes.push(s),
            None => {
                if let Some(name) = header.metadata.as_ref().and_then(|m| m.name.as_ref()) {
                    let namespace = header
                        .metadata
                        .as_ref()
                        .and_then(|m| m.namespace.as_deref())
                        .unwrap_or("default");
                    out.unparsed_scopes
                        .push(((namespace.to_string(), name.clone()), doc.start_location()));
                }
            }
        },
        "Connection" => {
            if let Some(c) = parse_policy::<ConnectionDocument>(doc, true, diagnostics) {
                diagnostics.extend(names_of(doc, &c, kind));
                match crate::connections::document::read(c) {
                    Ok(c) => out.connections.push(c),
                    Err(mut found) => diagnostics.append(&mut found),
                }
            }
        }
        "PermissionTest" => {
            if let Some(t) = parse_policy(doc, false, diagnostics) {
                out.tests.push(t);
            }
        }
        registration => {
            if let Some(r) = parse_policy::<RegistrationDocument>(doc, masked, diagnostics) {
                let registration_value = Registration {
                    namespace: namespace_of(&r.value.metadata),
                    name: r.value.metadata.name.value.clone(),
                    uid: r.value.metadata.uid.as_ref().map(|u| u.value.clone()),
                    location: r.at(&r.value.metadata.name),
                };
                if registration == "Playbook" {
                    out.playbooks.push(registration_value);
                } else {
                    out.notifications.push(registration_value);
                }
            }
        }
    }
}

/// The errors of a Permission's, PermissionGroup's or Connection's namespace and name
/// against Kubernetes' name rules (only an empty name in a database row); the document
/// is kept, so that its other problems are reported too.
fn names_of<T: PolicyDocument>(
    doc: &DocumentText,
    located: &Located<T>,
    kind: &str,
) -> Vec<Diagnostic> {
    let row = doc.file.row.is_some();
    crate::metadata::kubernetes_name_errors(located, located.value.metadata(), kind, row)
        .into_iter()
        .map(|d| d.masked(kind == "Connection"))
        .collect()
}

/// Records every `connection://` string of a document of any kind.
fn index_uses(doc: &DocumentText, kind: &str, header: &DocumentHeader, out: &mut Documents) {
    let metadata = header.metadata.as_ref();
    uses::index(
        doc,
        kind,
        metadata.and_then(|m| m.namespace.clone()),
        metadata.and_then(|m| m.name.clone()),
        &mut out.uses,
    );
}
