//! The lint for a component selector that reads tags (issue 23). Mission Control has no
//! tags on components (flanksource/duty's `components` table has no tags column and a
//! component has no tags matcher), and Rampart refuses tags on components in the catalog
//! and in requests, so a component's tag map is always empty: `k`, `k=v` and `k in (...)`
//! never match a component, while `!k`, `k!=v` and `k notin (...)` match every one. A
//! `tagSelector` (or a `tags.` term of `search` or `fieldSelector`) among a Permission's
//! `components`, or in a Scope's `component` target, is then almost certainly a mistake
//! for `labelSelector`: a warning, with what to write instead.

use crate::diagnostic::Diagnostic;
use crate::documents::Documents;
use crate::empty_selectors::permission_name;
use crate::metadata::namespace_of;
use crate::yaml::Text;

/// Whether a `search` or `fieldSelector` text names a `tags.` field: `tags.` at the start
/// of a term (after white space, `(`, `!`, `-`, `|` or `,`), in any case.
fn names_tags(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.match_indices("tags.").any(|(at, _)| {
        lower[..at]
            .chars()
            .next_back()
            .is_none_or(|c| c.is_whitespace() || matches!(c, '(' | '!' | '-' | '|' | ','))
    })
}

/// What always holds for a component selector reading tags, for the message.
const WHY: &str = "components have no tags in Mission Control (and Rampart refuses them in the catalog and in requests), so it reads an empty tag map: `KEY`, `KEY=VALUE` and `KEY in (...)` never match a component, while `!KEY`, `KEY!=VALUE` and `KEY notin (...)` match every one";

const HELP: &str =
    "select components by their labels: write `labelSelector` (or `labels.KEY` in `search`)";

/// The fields of one selector that read tags, with their texts.
fn reading_tags<'t>(
    fields: [(&'static str, Option<&'t Text>, bool); 3],
) -> Vec<(&'static str, &'t Text)> {
    fields
        .into_iter()
        .filter_map(|(field, text, whole)| {
            let text = text?;
            let reads = if whole {
                !text.value.trim().is_empty()
            } else {
                names_tags(&text.value)
            };
            reads.then_some((field, text))
        })
        .collect()
}

/// A warning for every component selector of a Permission or Scope that reads tags.
pub fn check(documents: &Documents) -> Vec<Diagnostic> {
    let mut findings = Vec::new();
    for p in &documents.permissions {
        let Some(list) = p.value.spec.object.value.components.as_ref() else {
            continue;
        };
        for (i, s) in list.iter().enumerate() {
            let s = &s.value;
            let fields = [
                ("tagSelector", s.tag_selector.as_ref(), true),
                ("search", s.search.as_ref(), false),
                ("fieldSelector", s.field_selector.as_ref(), false),
            ];
            for (field, text) in reading_tags(fields) {
                findings.push(
                    Diagnostic::at(
                        p.at(text),
                        format!(
                            "`{}`: `spec.object.components[{i}].{field}` reads tags, but {WHY}",
                            permission_name(p)
                        ),
                    )
                    .field(format!("spec.object.components[{i}].{field}"))
                    .help(HELP)
                    .warning(),
                );
            }
        }
    }
    for scope in &documents.scopes {
        for (i, target) in scope.value.spec.targets.value.iter().enumerate() {
            let Some(selector) = target.value.component.as_ref() else {
                continue;
            };
            let Some(text) = selector.value.tag_selector.as_ref() else {
                continue;
            };
            if text.value.trim().is_empty() {
                continue;
            }
            findings.push(
                Diagnostic::at(
                    scope.at(text),
                    format!(
                        "scope `{}/{}`: `spec.targets[{i}].component.tagSelector` reads tags, but {WHY}",
                        namespace_of(&scope.value.metadata),
                        scope.value.metadata.name.value
                    ),
                )
                .field(format!("spec.targets[{i}].component.tagSelector"))
                .help("select components by name, namespace or agent: a Scope target has no label selector")
                .warning(),
            );
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::names_tags;

    #[test]
    fn a_tags_term_is_found_at_the_start_of_a_term_only() {
        for text in [
            "tags.env=prod",
            "name=a tags.env",
            "!tags.env",
            "(TAGS.env=x)",
            "a,tags.b=c",
        ] {
            assert!(names_tags(text), "{text}");
        }
        for text in ["labels.env=prod", "name=mytags.x", "properties.tags=x"] {
            assert!(!names_tags(text), "{text}");
        }
    }
}
