//! Selectors that match nothing in the catalog. In a deny they are errors: a deny that
//! protects nothing is a hole (`namespace: kube-sytem` leaves `kube-system` open), so
//! `validate` and `compile` refuse it with the nearest existing value. In an allow they
//! are lint warnings (access that is merely absent). The rare deny written ahead of the
//! objects it is meant for says so: the annotation [`ALLOW_EMPTY_ANNOTATION`] on its
//! document, or `--allow-empty-selectors` for a whole run.
//!
//! Each selector (list item) is checked by itself, so one typo among several items is
//! found; the finding points at the first field that alone matches nothing, with the
//! nearest value the catalog has for that field.

use rampart_runtime::selector::CompiledSelector;
use rampart_runtime::suggest::did_you_mean;
use rampart_runtime::Category;

use crate::diagnostic::Diagnostic;
use crate::documents::policy::{PermissionDocument, SelectorSpec};
use crate::documents::Documents;
use crate::index::CategoryIndex;
use crate::located::Located;
use crate::metadata::namespace_of;
use crate::scopes::Scopes;
use crate::selector::compile_selector;
use crate::world::{World, WorldObject};
use crate::yaml::Text;

/// The annotation that lets one document's deny selectors match nothing
/// (`"true"`): a deny written for objects the catalog does not hold yet, which the
/// runtime classifies when they are asked about.
pub const ALLOW_EMPTY_ANNOTATION: &str = "rampart.flanksource.com/allow-empty-selectors";

/// Which permissions to check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    /// Deny permissions, as errors.
    Denies,
    /// Allow permissions, as warnings.
    Allows,
}

/// One selector that matches nothing.
#[derive(Clone, Debug)]
pub struct Finding {
    /// The permission, `namespace/name`.
    pub permission: String,
    /// The category of the selector.
    pub category: Category,
    /// The error (deny) or warning (allow), at the field that matches nothing.
    pub diagnostic: Diagnostic,
}

/// Whether a document's annotation allows its selectors to match nothing.
pub fn annotated(p: &Located<PermissionDocument>) -> bool {
    p.value
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(ALLOW_EMPTY_ANNOTATION))
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

/// The indexes of the categories, built when first needed.
struct Indexes<'w> {
    world: &'w World,
    built: [Option<CategoryIndex<'w>>; 4],
}

impl<'w> Indexes<'w> {
    fn get(&mut self, c: Category) -> &CategoryIndex<'w> {
        let world = self.world;
        c.of_mut(&mut self.built)
            .get_or_insert_with(|| CategoryIndex::build(c, c.of(&world.objects).as_slice()))
    }
}

/// One scalar field of a selector: its name, its text, and the selector with that field
/// alone (to find which field matches nothing by itself).
fn fields(
    spec: &SelectorSpec,
    compiled: &CompiledSelector,
) -> Vec<(&'static str, Option<Text>, CompiledSelector)> {
    let only = |f: fn(&mut CompiledSelector, &CompiledSelector)| {
        let mut s = CompiledSelector::default();
        f(&mut s, compiled);
        s
    };
    let first = |list: &Option<Vec<Text>>| list.as_ref().and_then(|l| l.first()).cloned();
    let mut out = vec![
        (
            "namespace",
            spec.namespace.clone(),
            only(|s, c| s.namespace = c.namespace.clone()),
        ),
        (
            "name",
            spec.name.clone(),
            only(|s, c| s.name = c.name.clone()),
        ),
        (
            "types",
            first(&spec.types).or_else(|| spec.type_name.clone()),
            only(|s, c| s.types = c.types.clone()),
        ),
        ("id", spec.id.clone(), only(|s, c| s.id = c.id.clone())),
        (
            "agent",
            spec.agent.clone(),
            only(|s, c| s.agent = c.agent.clone()),
        ),
        (
            "statuses",
            first(&spec.statuses),
            only(|s, c| s.statuses = c.statuses.clone()),
        ),
        (
            "health",
            spec.health.clone(),
            only(|s, c| s.health = c.health.clone()),
        ),
        (
            "tagSelector",
            spec.tag_selector.clone(),
            only(|s, c| s.tag_selector = c.tag_selector.clone()),
        ),
        (
            "labelSelector",
            spec.label_selector.clone(),
            only(|s, c| s.label_selector = c.label_selector.clone()),
        ),
        (
            "fieldSelector",
            spec.field_selector.clone(),
            only(|s, c| s.field_selector = c.field_selector.clone()),
        ),
        (
            "search",
            spec.search.clone(),
            only(|s, c| s.search = c.search.clone()),
        ),
    ];
    out.retain(|(_, text, _)| text.is_some());
    out
}

/// The values the catalog has for a scalar field of a category's objects.
fn values<'w>(field: &str, c: Category, objects: &'w [WorldObject]) -> Vec<&'w str> {
    let mut values: Vec<&str> = objects
        .iter()
        .filter_map(|o| {
            let a = &o.attributes;
            match field {
                "namespace" => a.effective_namespace(c),
                "name" => a.name.as_deref(),
                "types" => a.object_type.as_deref(),
                "id" => a.id.as_deref(),
                "agent" => o.agent_name.as_deref().or(o.agent_id.as_deref()),
                "statuses" => a.status.as_deref(),
                "health" => a.health.as_deref(),
                _ => None,
            }
        })
        .collect();
    values.sort_unstable();
    values.dedup();
    values
}

/// The name a permission document is known by, `namespace/name`.
pub fn permission_name(p: &Located<PermissionDocument>) -> String {
    format!(
        "{}/{}",
        namespace_of(&p.value.metadata),
        p.value.metadata.name.value
    )
}

/// Every selector of the chosen permissions that matches no object of the catalog
/// (denies annotated with [`ALLOW_EMPTY_ANNOTATION`] excepted). A deny's Scope targets
/// (`scopes`, the checked Scopes) are checked too, each at the reference; an allow's are
/// reported on the Scope by the lints.
pub fn check(world: &World, documents: &Documents, scopes: &Scopes, which: Which) -> Vec<Finding> {
    let mut indexes = Indexes {
        world,
        built: [None, None, None, None],
    };
    let mut findings = Vec::new();
    for p in &documents.permissions {
        let deny = p.value.spec.deny.unwrap_or(false);
        if deny != (which == Which::Denies) || (deny && annotated(p)) {
            continue;
        }
        for (c, list) in p.value.spec.object.value.lists() {
            for (i, s) in list.into_iter().flatten().enumerate() {
                let field = format!("spec.object.{}[{i}]", c.plural());
                let Ok(Some(compiled)) = compile_selector(p, &s.value, &field) else {
                    continue;
                };
                // `name: "*"` selects every object, present and future: it is never a
                // mistake, even over a catalog that has none of the category yet.
                if compiled.is_wildcard() {
                    continue;
                }
                let index = indexes.get(c);
                if !index.select(&compiled).is_empty() {
                    continue;
                }
                findings.push(Finding {
                    permission: permission_name(p),
                    category: c,
                    diagnostic: finding(p, c, s, &compiled, &field, index, world, deny),
                });
            }
        }
        if deny {
            findings.extend(scope_targets_matching_nothing(p, scopes, &mut indexes));
        }
    }
    findings
}

/// The targets of the Scopes a deny references that match no object of the catalog: a
/// deny through a Scope whose target is mistyped protects nothing there, as a mistyped
/// selector written in the deny itself would.
fn scope_targets_matching_nothing(
    p: &Located<PermissionDocument>,
    scopes: &Scopes,
    indexes: &mut Indexes<'_>,
) -> Vec<Finding> {
    let name = permission_name(p);
    let references = p
        .value
        .spec
        .object
        .value
        .scopes
        .iter()
        .flat_map(|r| &r.value);
    let mut findings = Vec::new();
    for (j, reference) in references.enumerate() {
        let (Some(namespace), Some(scope_name)) =
            (&reference.value.namespace, &reference.value.name)
        else {
            continue;
        };
        let Some((_, scope)) = scopes.get(&namespace.value, &scope_name.value) else {
            continue;
        };
        let key = &scope.key;
        for (t, target) in scope.targets.iter().enumerate() {
            let (Some(c), Some(selector)) = (target.kind.category(), &target.selector) else {
                continue;
            };
            if !indexes.get(c).select(selector).is_empty() {
                continue;
            }
            let diagnostic = Diagnostic::at(
                p.at_node(reference),
                format!(
                    "deny `{name}` protects nothing through scope `{key}`: its target `spec.targets[{t}].{}` matches no {} in the catalog",
                    target.kind.key(),
                    c.name()
                ),
            )
            .field(format!("spec.object.scopes[{j}]"))
            .help(format!(
                "check the target's selector (at {}); if the deny is meant for {} the catalog does not hold yet, annotate its document with `{ALLOW_EMPTY_ANNOTATION}: \"true\"` (or pass `--allow-empty-selectors`)",
                target.location.display(),
                c.plural()
            ));
            findings.push(Finding {
                permission: name.clone(),
                category: c,
                diagnostic,
            });
        }
    }
    findings
}

/// The diagnostic for one selector that matches nothing.
#[allow(clippy::too_many_arguments)]
fn finding(
    p: &Located<PermissionDocument>,
    c: Category,
    s: &serde_saphyr::Spanned<SelectorSpec>,
    compiled: &CompiledSelector,
    field: &str,
    index: &CategoryIndex<'_>,
    world: &World,
    deny: bool,
) -> Diagnostic {
    let name = permission_name(p);
    let lone = fields(&s.value, compiled)
        .into_iter()
        .find(|(_, _, alone)| index.select(alone).is_empty());
    let (at, field, what) = match &lone {
        Some((f, Some(text), _)) => (
            p.at(text),
            format!("{field}.{f}"),
            format!(
                "`{f}: {}` matches no {} in the catalog",
                text.value,
                c.name()
            ),
        ),
        _ => (
            p.at_node(s),
            field.to_string(),
            format!(
                "the fields of `{field}` together match no {} in the catalog",
                c.name()
            ),
        ),
    };
    let nearest = lone.as_ref().and_then(|(f, text, _)| {
        let text = text.as_ref()?;
        did_you_mean(
            &text.value,
            values(f, c, c.of(&world.objects).as_slice()).into_iter(),
        )
    });
    if deny {
        let help = format!(
            "{}if the deny is meant for {} the catalog does not hold yet, annotate its document with `{ALLOW_EMPTY_ANNOTATION}: \"true\"` (or pass `--allow-empty-selectors`)",
            nearest.map(|n| format!("{n} ")).unwrap_or_default(),
            c.plural()
        );
        Diagnostic::at(at, format!("deny `{name}` protects nothing: {what}"))
            .field(field)
            .help(help)
    } else {
        let d = Diagnostic::at(at, format!("`{name}` allows nothing here: {what}"))
            .field(field)
            .warning();
        match nearest {
            Some(n) => d.help(n),
            None => d,
        }
    }
}
