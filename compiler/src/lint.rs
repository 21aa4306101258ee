//! Lints: valid input that is probably not what its author meant. Groups no permission
//! names, permissions whose selectors match nothing in the catalog, and allow rules that a
//! deny rule of the same subject always overrides.

use std::collections::BTreeSet;

use rampart_runtime::data::{RuleData, SetRef, TablesData};
use rampart_runtime::Category;

use crate::documents::Documents;

/// One finding: where, and what.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    pub source: String,
    pub message: String,
}

/// `a` is a subset of `b`, as sets a rule uses.
fn within(tables: &TablesData, category: Category, a: SetRef, b: SetRef) -> bool {
    match (a, b) {
        (_, SetRef::All) | (SetRef::Empty, _) => true,
        (SetRef::All, _) => false,
        (a, b) => {
            let objects = category.of(&tables.objects).len() as u32;
            tables
                .set_members(a, objects)
                .is_subset(&tables.set_members(b, objects))
        }
    }
}

/// Whenever `allow` matches a request, `deny` matches it too.
fn overridden(tables: &TablesData, allow: &RuleData, deny: &RuleData) -> bool {
    allow.objects
        && deny.objects
        && deny.required & !allow.required == 0
        && Category::ALL
            .iter()
            .all(|c| within(tables, *c, *c.of(&allow.sets), *c.of(&deny.sets)))
}

/// Runs every lint.
pub fn lint(documents: &Documents, tables: &TablesData) -> Vec<Finding> {
    let mut findings = BTreeSet::new();
    let used: BTreeSet<&str> = documents
        .permissions
        .iter()
        .filter_map(|p| {
            p.value
                .spec
                .subject
                .value
                .group
                .as_ref()
                .map(|g| g.value.as_str())
        })
        .collect();
    for g in &documents.groups {
        let name = g.value.metadata.name.value.as_str();
        if !used.contains(name) {
            findings.insert(Finding {
                source: g.at(&g.value.metadata.name).display(),
                message: format!("group `{name}` is not the subject of any permission"),
            });
        }
    }
    let permission = |rule: &RuleData| tables.permissions.get(rule.permission as usize);
    for rule in &tables.rules {
        let Some(p) = permission(rule) else { continue };
        for c in Category::ALL {
            if *c.of(&rule.sets) == SetRef::Empty && rule.required & c.bit() != 0 {
                findings.insert(Finding {
                    source: p.source.clone(),
                    message: format!(
                        "`{}`: the {c} selectors match nothing in the catalog",
                        p.name
                    ),
                });
            }
        }
    }
    for entry in &tables.entries {
        let rules: Vec<&RuleData> = entry
            .rules
            .iter()
            .filter_map(|r| tables.rules.get(*r as usize))
            .collect();
        for allow in rules.iter().filter(|r| !r.deny) {
            if let Some(deny) = rules
                .iter()
                .find(|d| d.deny && overridden(tables, allow, d))
            {
                if let (Some(a), Some(d), Some(action)) = (
                    permission(allow),
                    permission(deny),
                    tables.actions.get(entry.action as usize),
                ) {
                    findings.insert(Finding {
                        source: a.source.clone(),
                        message: format!(
                            "`{}` never allows `{action}`: deny `{}` ({}) always overrides it",
                            a.name, d.name, d.source
                        ),
                    });
                }
            }
        }
    }
    findings.into_iter().collect()
}
