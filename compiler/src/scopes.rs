//! Scopes: `kind: Scope` documents checked and their targets compiled into selectors, once
//! per Scope, so that every permission referencing a scope with `object.scopes` expands
//! into one rule per target ([`crate::resolve`]), as upstream's `ExpandPermissionScopes`
//! does.
//!
//! A Scope is keyed by namespace and name (unique, as upstream's index
//! `scopes_namespace_name_idx`); its `metadata.uid` is its id and must be a uuid. Each
//! target sets exactly one kind (upstream's CRD rule), its selector is not empty, and an
//! agent named by name is resolved to the agent's id, exactly and case-sensitively, as
//! upstream does when it stores the Scope (an unknown name is an error there too). A
//! database row holds what upstream stored: an agent that is not an id there is an error
//! (upstream matches it to nothing).

use std::collections::BTreeMap;

use rampart_runtime::selector::CompiledSelector;

use crate::diagnostic::Diagnostic;
use crate::documents::policy::SelectorSpec;
use crate::documents::scope::{ScopeDocument, ScopeSelector, TargetKind, MAX_TARGETS, MIN_TARGETS};
use crate::documents::Documents;
use crate::located::Located;
use crate::metadata::{canonical_uid, kubernetes_name_errors, namespace_of, Metadata};
use crate::selector::compile_selector;
use crate::source::Location;
use crate::world::World;
use rampart_runtime::connection::kubernetes_names::NameRule;

/// One target of a Scope, compiled.
#[derive(Clone, Debug)]
pub struct ScopeTargetInfo {
    /// Its kind.
    pub kind: TargetKind,
    /// Its selector (agent names resolved to ids); `None` for the kinds Rampart has no
    /// category for, whose selectors are checked but not compiled.
    pub selector: Option<CompiledSelector>,
    /// Where the target's key is written.
    pub location: Location,
}

/// A Scope, checked.
#[derive(Clone, Debug)]
pub struct ScopeInfo {
    /// `namespace/name`.
    pub key: String,
    /// `metadata.uid` in canonical form, when given.
    pub uid: Option<String>,
    /// Where the Scope's name is written.
    pub location: Location,
    /// Its targets, in order.
    pub targets: Vec<ScopeTargetInfo>,
    /// True when the Scope is being deleted (`metadata.deletionTimestamp`): allows
    /// through it are left out, denies through it kept, each with a warning.
    pub deleting: bool,
    /// False when the Scope has errors (reported once, with the Scope): a permission
    /// referencing it gets no rules, and compilation fails on the Scope's errors.
    pub valid: bool,
}

/// Every Scope, by `namespace/name`.
#[derive(Clone, Debug, Default)]
pub struct Scopes {
    /// The Scopes in document order.
    pub list: Vec<ScopeInfo>,
    /// `(namespace, name)` -> index into `list`: the two compared apart, as Mission
    /// Control looks a scope up by its two columns (a joined `namespace/name` would find
    /// the Scope `{namespace: c/a, name: b}` for a reference to `{namespace: c, name: a/b}`).
    pub by_key: BTreeMap<(String, String), usize>,
}

impl Scopes {
    /// The Scope of this namespace and name, with its index.
    pub fn get(&self, namespace: &str, name: &str) -> Option<(usize, &ScopeInfo)> {
        let index = *self
            .by_key
            .get(&(namespace.to_string(), name.to_string()))?;
        self.list.get(index).map(|s| (index, s))
    }
}

/// Checks every Scope document and compiles its targets. Without `lookups` (no catalog),
/// agent names are kept as written.
pub fn read_scopes(
    world: &World,
    documents: &Documents,
    lookups: bool,
) -> (Scopes, Vec<Diagnostic>) {
    let mut scopes = Scopes::default();
    let mut diagnostics = Vec::new();
    for doc in &documents.scopes {
        let before = diagnostics.len();
        let metadata = &doc.value.metadata;
        let namespace = namespace_of(metadata);
        let name = metadata.name.value.clone();
        let key = format!("{namespace}/{name}");
        let location = doc.at(&metadata.name);
        let uid = canonical_uid(doc, metadata, "Scope").unwrap_or_else(|d| {
            diagnostics.push(d);
            None
        });
        let named = names_are_valid(doc, metadata, &mut diagnostics);
        let targets = read_targets(world, doc, lookups, &mut diagnostics);
        if !named {
            // Never found by any reference: a reference to it is an unknown scope.
            continue;
        }
        if let Some(first) = scopes
            .get(&namespace, &name)
            .map(|(_, s)| s.location.display())
        {
            diagnostics.push(
                Diagnostic::at(
                    location.clone(),
                    format!("scope `{key}` is defined twice (first at {first})"),
                )
                .field("metadata.name")
                .help("a Scope's namespace and name are unique, as in Mission Control"),
            );
            continue;
        }
        scopes.by_key.insert((namespace, name), scopes.list.len());
        scopes.list.push(ScopeInfo {
            key,
            uid,
            location,
            targets,
            deleting: metadata.being_deleted(),
            valid: diagnostics.len() == before,
        });
    }
    // A Scope that did not parse was reported where it is written; the permissions that
    // reference it find it (invalid, so granting nothing) instead of each reporting an
    // unknown scope.
    for ((namespace, name), location) in &documents.unparsed_scopes {
        let valid = NameRule::Namespace.allows(namespace) && NameRule::ObjectName.allows(name);
        if valid && scopes.get(namespace, name).is_none() {
            scopes
                .by_key
                .insert((namespace.clone(), name.clone()), scopes.list.len());
            scopes.list.push(ScopeInfo {
                key: format!("{namespace}/{name}"),
                uid: None,
                location: location.clone(),
                targets: Vec::new(),
                deleting: false,
                valid: false,
            });
        }
    }
    (scopes, diagnostics)
}

/// Whether a Scope's `metadata.namespace` and `metadata.name` follow Kubernetes' rules
/// (a DNS-1123 label, a DNS-1123 subdomain), as every Scope Mission Control stores from
/// its CRD does; each that does not is an error. So neither holds a `/`, and no
/// reference can be read two ways. (Scope rows are held to the same rules: a reference
/// names a Scope by them.)
fn names_are_valid(
    doc: &Located<ScopeDocument>,
    metadata: &Metadata,
    diagnostics: &mut Vec<Diagnostic>,
) -> bool {
    let errors = kubernetes_name_errors(doc, metadata, "Scope", false);
    let valid = errors.is_empty();
    diagnostics.extend(errors);
    valid
}

fn read_targets(
    world: &World,
    doc: &Located<ScopeDocument>,
    lookups: bool,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<ScopeTargetInfo> {
    let list = &doc.value.spec.targets;
    if list.value.len() < MIN_TARGETS || list.value.len() > MAX_TARGETS {
        diagnostics.push(
            Diagnostic::at(
                doc.at_node(list),
                format!(
                    "a Scope holds {MIN_TARGETS} to {MAX_TARGETS} targets, not {}",
                    list.value.len()
                ),
            )
            .field("spec.targets")
            .help("split the targets over several Scopes and reference each of them"),
        );
    }
    let mut targets = Vec::new();
    for (i, target) in list.value.iter().enumerate() {
        let field = format!("spec.targets[{i}]");
        let keys = target.value.keys();
        let (kind, selector) = match keys.as_slice() {
            [one] => *one,
            [] | [_, _, ..] => {
                let written: Vec<String> =
                    keys.iter().map(|(k, _)| format!("`{}`", k.key())).collect();
                let message = if written.is_empty() {
                    "a Scope target sets no kind".to_string()
                } else {
                    format!(
                        "a Scope target sets {}; exactly one is allowed",
                        written.join(" and ")
                    )
                };
                diagnostics.push(
                    Diagnostic::at(doc.at_node(target), message)
                        .field(field)
                        .help("write one target per kind: `config`, `component`, `playbook`, `canary`, `view` or `global`"),
                );
                continue;
            }
        };
        let field = format!("{field}.{}", kind.key());
        let location = doc.at_node(selector);
        let spec = match selector_spec(world, doc, &selector.value, &field, lookups) {
            Ok(spec) => spec,
            Err(d) => {
                diagnostics.push(d);
                continue;
            }
        };
        let compiled = match compile_selector(doc, &spec, &field) {
            Ok(Some(compiled)) => compiled,
            Ok(None) => {
                diagnostics.push(
                    Diagnostic::at(location, "an empty selector matches nothing")
                        .field(field)
                        .help("use `name: \"*\"` to select every object of the kind"),
                );
                continue;
            }
            Err(found) => {
                diagnostics.extend(found);
                continue;
            }
        };
        targets.push(ScopeTargetInfo {
            kind,
            selector: kind.category().map(|_| compiled),
            location,
        });
    }
    targets
}

/// The target's selector as a resource selector, its agent resolved to an id.
fn selector_spec(
    world: &World,
    doc: &Located<ScopeDocument>,
    s: &ScopeSelector,
    field: &str,
    lookups: bool,
) -> Result<SelectorSpec, Diagnostic> {
    let mut agent = s.agent.clone();
    if let Some(text) = agent.as_mut().filter(|_| lookups) {
        let written = text.value.clone();
        let written = written.as_str();
        if rampart_grammar::Uuid::parse(written).is_err() {
            if let Some(row) = &doc.file.row {
                // Mission Control resolves the name when it saves a Scope and matches
                // agents by id only: a row holding a name matches nothing there.
                let id = world.agents.iter().find(|a| a.name == written);
                let help = match id {
                    Some(a) => format!("write the agent's id, `{}`", a.id),
                    None => "write the agent's id".to_string(),
                };
                return Err(Diagnostic::at(
                    doc.at(text),
                    format!(
                        "agent `{written}` is a name, but a `{}` row holds a Scope's agent as its id (Mission Control resolves the name when it saves a Scope and matches agents by id only, so this target matches nothing there)",
                        row.table
                    ),
                )
                .field(format!("{field}.agent"))
                .help(help));
            }
            match world.agents.iter().find(|a| a.name == written) {
                Some(found) => text.value = found.id.clone(),
                None => {
                    let names = world.agents.iter().map(|a| a.name.as_str());
                    let help = match rampart_runtime::suggest::nearest(written, names) {
                        Some(near) => format!("did you mean `{near}`?"),
                        None => "a Scope's `agent` is an agent's id or its exact name; patterns, lists and `*` are not names".to_string(),
                    };
                    return Err(
                        Diagnostic::at(doc.at(text), format!("unknown agent `{written}`"))
                            .field(format!("{field}.agent"))
                            .help(help),
                    );
                }
            }
        }
    }
    Ok(SelectorSpec {
        agent,
        namespace: s.namespace.clone(),
        name: s.name.clone(),
        tag_selector: s.tag_selector.clone(),
        ..SelectorSpec::default()
    })
}
