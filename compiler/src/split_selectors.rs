//! The lint for one selector split across list items. The items of a category's list are
//! ORed and the fields of one item are ANDed, so
//!
//! ```yaml
//! configs:
//!   - namespace: prod
//!   - types: [Kubernetes::Secret]
//! ```
//!
//! allows every config in `prod` *and* every secret anywhere, where the author most
//! often meant the secrets of `prod`. In an allow that broadens access silently, so it
//! is a warning when a list's items each set one field, and no two the same field (a list
//! of the same field, `[{name: a}, {name: b}]`, is a deliberate OR). Denies are left
//! alone: splitting a deny denies more, never less.

use crate::diagnostic::Diagnostic;
use crate::documents::policy::SelectorSpec;
use crate::documents::Documents;
use crate::empty_selectors::permission_name;

/// The fields a selector sets, by their document names.
fn fields(s: &SelectorSpec) -> Vec<&'static str> {
    [
        ("id", s.id.is_some()),
        ("name", s.name.is_some()),
        ("namespace", s.namespace.is_some()),
        ("types", s.types.is_some() || s.type_name.is_some()),
        ("agent", s.agent.is_some()),
        ("tagSelector", s.tag_selector.is_some()),
        ("labelSelector", s.label_selector.is_some()),
        ("fieldSelector", s.field_selector.is_some()),
        ("statuses", s.statuses.is_some()),
        ("health", s.health.is_some()),
        ("search", s.search.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, set)| set.then_some(name))
    .collect()
}

/// A warning for every allow whose category list looks like one selector split in items.
pub fn check(documents: &Documents) -> Vec<Diagnostic> {
    let mut findings = Vec::new();
    for p in &documents.permissions {
        if p.value.spec.deny.unwrap_or(false) {
            continue;
        }
        for (c, list) in p.value.spec.object.value.lists() {
            let Some(list) = list.filter(|l| l.len() > 1) else {
                continue;
            };
            let single: Vec<&'static str> = list
                .iter()
                .filter_map(|s| match fields(&s.value).as_slice() {
                    [one] => Some(*one),
                    _ => None,
                })
                .collect();
            let mut distinct = single.clone();
            distinct.sort_unstable();
            distinct.dedup();
            // Every item one field, no field twice, and none of them the wildcard.
            let wildcard = list
                .iter()
                .any(|s| s.value.name.as_ref().is_some_and(|n| n.value.trim() == "*"));
            if single.len() != list.len() || distinct.len() != single.len() || wildcard {
                continue;
            }
            let Some(second) = list.get(1) else {
                continue;
            };
            let plural = c.plural();
            findings.push(
                Diagnostic::at(
                    p.at_node(second),
                    format!(
                        "`{}`: the items of `spec.object.{plural}` are ORed, so this allows every {} with any one of {}, not only those with all of them",
                        permission_name(p),
                        c.name(),
                        single.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ")
                    ),
                )
                .field(format!("spec.object.{plural}[1]"))
                .help(format!(
                    "to require all of them, write one item with every field (`{plural}: [{{{}}}]`); to mean either, keep the items",
                    single.iter().map(|f| format!("{f}: ...")).collect::<Vec<_>>().join(", ")
                ))
                .warning(),
            );
        }
    }
    findings
}
