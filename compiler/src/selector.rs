//! Selectors as written -> compiled selectors: each string of a [`SelectorSpec`] parsed
//! with its grammar (item patterns, label selectors, search queries), every error located
//! at its exact bytes. Permissions' selectors and Scope targets are compiled here alike.

use rampart_grammar::{ItemPattern, LabelSelector, Operator, Requirement, SearchQuery};
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
    let mut fields = SelectorFields {
        file,
        field,
        errors: Vec::new(),
    };
    // Ids and agents are identities: a uuid in any spelling is its canonical uuid, as
    // an object's id and agent are (`rampart_runtime::identity`).
    let id = fields
        .pattern("id", &s.id)
        .map(ItemPattern::with_canonical_uuids);
    let name = fields.pattern("name", &s.name);
    let namespace = fields.pattern("namespace", &s.namespace);
    let agent = fields
        .pattern("agent", &s.agent)
        .map(ItemPattern::with_canonical_uuids);
    let health = fields.pattern("health", &s.health);
    let types = fields.list(
        "types",
        s.types.iter().flatten().chain(s.type_name.iter()).collect(),
    );
    let statuses = fields.list("statuses", s.statuses.iter().flatten().collect());
    let tag_selector = fields.labels("tagSelector", &s.tag_selector);
    let label_selector = fields.labels("labelSelector", &s.label_selector);
    let field_selector = fields.labels("fieldSelector", &s.field_selector);
    let search = fields.search(&s.search);
    if !fields.errors.is_empty() {
        return Err(fields.errors);
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
    Ok((!canonically_empty(&compiled)).then_some(compiled))
}

/// The fields of one selector being compiled: each is parsed on its own, and what is
/// wrong is collected in `errors` (with the field's path) so that one pass reports all.
struct SelectorFields<'a, T> {
    /// The document the selector is in, for the locations of errors.
    file: &'a Located<T>,
    /// The selector's path in the document, before each error's field name.
    field: &'a str,
    /// What was wrong, in field order.
    errors: Vec<Diagnostic>,
}

impl<T> SelectorFields<'_, T> {
    /// The pattern of a one-valued field (`id`, `name`, `namespace`, `agent`, `health`);
    /// `None` when absent or wrong.
    fn pattern(&mut self, name: &str, text: &Option<Text>) -> Option<ItemPattern> {
        let text = text.as_ref()?;
        ItemPattern::parse(&text.value)
            .map_err(|e| {
                self.errors.push(
                    Diagnostic::at(at_grammar_error(self.file, text, &e), e.to_string())
                        .field(format!("{}.{name}", self.field)),
                )
            })
            .ok()
    }

    /// One pattern of the items of a list field (`types`, `statuses`), each item parsed
    /// on its own; `None` when the list is empty.
    fn list(&mut self, name: &str, items: Vec<&Text>) -> Option<ItemPattern> {
        if items.is_empty() {
            return None;
        }
        let mut parts = Vec::new();
        for (i, text) in items.iter().enumerate() {
            match ItemPattern::parse(&text.value) {
                Ok(p) => parts.extend(p.items().iter().cloned()),
                Err(e) => self.errors.push(
                    Diagnostic::at(at_grammar_error(self.file, text, &e), e.to_string())
                        .field(format!("{}.{name}[{i}]", self.field)),
                ),
            }
        }
        ItemPattern::from_items(parts)
    }

    /// A label selector field (`tagSelector`, `labelSelector`, `fieldSelector`); `None`
    /// when absent, empty or wrong.
    fn labels(&mut self, name: &str, text: &Option<Text>) -> Option<LabelSelector> {
        let text = text.as_ref()?;
        // An empty string is no selector, as upstream counts it (a selector of nothing
        // else is then empty and matches nothing). Blanks would parse to a selector of
        // no requirements, matching every object: refused, never an allow of everything.
        if text.value.is_empty() {
            return None;
        }
        if text.value.trim().is_empty() {
            self.errors.push(
                Diagnostic::at(self.file.at(text), format!("`{name}` is blank"))
                    .field(format!("{}.{name}", self.field))
                    .help(format!(
                        "write the selector (e.g. `{name}: \"env=prod\"`), or remove the field; to select every object write `name: \"*\"`"
                    )),
            );
            return None;
        }
        let selector = LabelSelector::parse_with(&text.value, SELECTOR_OPTIONS)
            .map_err(|e| {
                self.errors.push(
                    Diagnostic::at(at_grammar_error(self.file, text, &e), e.to_string())
                        .field(format!("{}.{name}", self.field)),
                )
            })
            .ok()?;
        let mut refused = false;
        for requirement in selector.requirements() {
            if let Some((message, help)) = star_in_value(name, requirement) {
                refused = true;
                self.errors.push(
                    Diagnostic::at(self.file.at(text), message)
                        .field(format!("{}.{name}", self.field))
                        .help(help),
                );
            }
        }
        (!refused).then_some(selector)
    }

    /// The `search` field's query; `None` when absent or wrong.
    fn search(&mut self, text: &Option<Text>) -> Option<SearchQuery> {
        let text = text.as_ref()?;
        SearchQuery::parse(&text.value)
            .map_err(|e| {
                self.errors.push(
                    Diagnostic::at(at_grammar_error(self.file, text, &e), e.to_string())
                        .field(format!("{}.search", self.field)),
                )
            })
            .ok()
    }
}

/// A requirement whose value holds `*`, as Mission Control would misread it: the message
/// and help of the refusal, `None` when both readings agree.
///
/// Upstream's `ResourceSelector.Canonical()` (duty `types/resource_selector_canonical.go`,
/// applied before every in-memory match and every query) reads no `*` in a selector value
/// as a pattern: in `tagSelector` and `labelSelector` a requirement `k=v`, `k==v` or
/// `k in (..)` with `*` in a value becomes `k` (the key exists), and `k!=v` or
/// `k notin (..)` with `*` is dropped; in `fieldSelector` every requirement with `*` is
/// dropped. Read as a pattern instead, a deny would cover less than upstream's and an
/// allow upstream reads as nothing would grant, so only `*` alone under `=`, `==` or `in`
/// (which means "the key exists" in both readings) is accepted.
fn star_in_value(field: &str, requirement: &Requirement) -> Option<(String, String)> {
    if !requirement.values.iter().any(|v| v.contains('*')) {
        return None;
    }
    let key = &requirement.key;
    let exists = matches!(
        requirement.operator,
        Operator::Equals | Operator::DoubleEquals | Operator::In
    );
    if field != "fieldSelector" && exists {
        if requirement
            .values
            .iter()
            .all(|v| !v.contains('*') || v == "*")
        {
            return None;
        }
        return Some((
            format!(
                "`*` inside a `{field}` value: Mission Control reads `{requirement}` as `{key}` (any value), not as a pattern"
            ),
            format!(
                "write `{key}` for any value, or list the values (`{key} in (a,b)`)"
            ),
        ));
    }
    let instead = if field == "fieldSelector" {
        format!("list the values (`{key} in (a,b)`), or use `types`, `statuses` or `search` for a pattern")
    } else {
        format!(
            "list the values (`{key} notin (a,b)`), or write `!{key}` for objects without the key"
        )
    };
    Some((
        format!(
            "`*` inside a `{field}` value: Mission Control drops `{requirement}` (it constrains nothing there), so it is no pattern"
        ),
        instead,
    ))
}

/// Whether a selector constrains nothing as upstream's `Canonical()` counts it:
/// `id: "*"`, `namespace: "*"` and `*` alone in `types`, `statuses` or `health` are no
/// constraint, so a selector of nothing else is empty there and matches nothing; here
/// it is the empty-selector error, never a selector of every object. (Beside another
/// field, `*` matching anything is the same as absent, so the selector is kept as
/// written.)
fn canonically_empty(compiled: &CompiledSelector) -> bool {
    let lone_star = |p: &Option<ItemPattern>| p.as_ref().is_none_or(ItemPattern::is_wildcard);
    let rest = CompiledSelector {
        id: None,
        namespace: None,
        types: None,
        statuses: None,
        health: None,
        ..compiled.clone()
    };
    rest == CompiledSelector::default()
        && [
            &compiled.id,
            &compiled.namespace,
            &compiled.types,
            &compiled.statuses,
            &compiled.health,
        ]
        .into_iter()
        .all(lone_star)
}
