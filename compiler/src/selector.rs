//! Selectors as written -> compiled selectors: each string of a [`SelectorSpec`] parsed
//! with its grammar (item patterns, label selectors, search queries), every error located
//! at its exact bytes. Permissions' selectors and Scope targets are compiled here alike.

use rampart_grammar::{ItemPattern, LabelSelector, SearchQuery};
use rampart_runtime::selector::{CompiledSelector, SELECTOR_OPTIONS};

use crate::diagnostic::Diagnostic;
use crate::documents::policy::SelectorSpec;
use crate::located::{at_grammar_error, Located};
use crate::yaml::Text;

/// Parses a selector's strings with the grammars; `None` for an empty selector (an empty
/// `tagSelector`, `labelSelector` or `fieldSelector` string counts as absent, a blank one
/// is an error; `*` alone in `id`, `namespace`, `types`, `statuses` or `health` is no
/// constraint, as upstream canonicalises it). Errors point at the exact bytes.
pub fn compile_selector<T>(
    file: &Located<T>,
    s: &SelectorSpec,
    field: &str,
) -> Result<Option<CompiledSelector>, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut pattern = |name: &str, text: &Option<Text>| -> Option<ItemPattern> {
        let text = text.as_ref()?;
        ItemPattern::parse(&text.value)
            .map_err(|e| {
                errors.push(
                    Diagnostic::at(at_grammar_error(file, text, &e), e.to_string())
                        .field(format!("{field}.{name}")),
                )
            })
            .ok()
    };
    let id = pattern("id", &s.id);
    let name = pattern("name", &s.name);
    let namespace = pattern("namespace", &s.namespace);
    let agent = pattern("agent", &s.agent);
    let health = pattern("health", &s.health);
    let mut list = |name: &str, items: Vec<&Text>| -> Option<ItemPattern> {
        if items.is_empty() {
            return None;
        }
        let mut parts = Vec::new();
        for (i, text) in items.iter().enumerate() {
            match ItemPattern::parse(&text.value) {
                Ok(p) => parts.extend(p.items().iter().cloned()),
                Err(e) => errors.push(
                    Diagnostic::at(at_grammar_error(file, text, &e), e.to_string())
                        .field(format!("{field}.{name}[{i}]")),
                ),
            }
        }
        ItemPattern::from_items(parts)
    };
    let types = list(
        "types",
        s.types.iter().flatten().chain(s.type_name.iter()).collect(),
    );
    let statuses = list("statuses", s.statuses.iter().flatten().collect());
    let mut labels = |name: &str, text: &Option<Text>| -> Option<LabelSelector> {
        let text = text.as_ref()?;
        // An empty string is no selector, as upstream counts it (a selector of nothing
        // else is then empty and matches nothing). Blanks would parse to a selector of
        // no requirements, matching every object: refused, never an allow of everything.
        if text.value.is_empty() {
            return None;
        }
        if text.value.trim().is_empty() {
            errors.push(
                Diagnostic::at(file.at(text), format!("`{name}` is blank"))
                    .field(format!("{field}.{name}"))
                    .help(format!(
                        "write the selector (e.g. `{name}: \"env=prod\"`), or remove the field; to select every object write `name: \"*\"`"
                    )),
            );
            return None;
        }
        LabelSelector::parse_with(&text.value, SELECTOR_OPTIONS)
            .map_err(|e| {
                errors.push(
                    Diagnostic::at(at_grammar_error(file, text, &e), e.to_string())
                        .field(format!("{field}.{name}")),
                )
            })
            .ok()
    };
    let tag_selector = labels("tagSelector", &s.tag_selector);
    let label_selector = labels("labelSelector", &s.label_selector);
    let field_selector = labels("fieldSelector", &s.field_selector);
    let search = s.search.as_ref().and_then(|text| {
        SearchQuery::parse(&text.value)
            .map_err(|e| {
                errors.push(
                    Diagnostic::at(at_grammar_error(file, text, &e), e.to_string())
                        .field(format!("{field}.search")),
                )
            })
            .ok()
    });
    if !errors.is_empty() {
        return Err(errors);
    }
    let compiled = CompiledSelector {
        id,
        name,
        namespace,
        types,
        agent,
        tag_selector,
        label_selector,
        field_selector,
        statuses,
        health,
        search,
    };
    // Upstream's `Canonical()`: `id: "*"`, `namespace: "*"` and `*` alone in `types`,
    // `statuses` or `health` are no constraint, so a selector of nothing else is empty
    // there and matches nothing; here it is the empty-selector error, never a selector
    // of every object. (Beside another field, `*` matching anything is the same as
    // absent, so the selector is kept as written.)
    let lone_star = |p: &Option<ItemPattern>| p.as_ref().is_none_or(ItemPattern::is_wildcard);
    let rest = CompiledSelector {
        id: None,
        namespace: None,
        types: None,
        statuses: None,
        health: None,
        ..compiled.clone()
    };
    let canonically_empty = rest == CompiledSelector::default()
        && [
            &compiled.id,
            &compiled.namespace,
            &compiled.types,
            &compiled.statuses,
            &compiled.health,
        ]
        .into_iter()
        .all(lone_star);
    Ok((!canonically_empty).then_some(compiled))
}
