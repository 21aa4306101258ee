//! Lints: valid input that is probably not what its author meant, found on the typed
//! model with the documents' spans. Groups no permission names; allow selectors that
//! match nothing in the catalog (each at its field, with the nearest value; see
//! [`crate::empty_selectors`]; a deny's is an error), and permissions whose selectors
//! and narrowing together match nothing; allow rules a deny rule of the same subject
//! always overrides; denies narrowed by the deprecated `agents`/`tags`; object denies
//! that a grant on their category's global object outlives; denies on a role, a team
//! or a group without services that a notification or playbook acting as a service is
//! allowed around (services are not members of roles or teams); Scopes no permission
//! references, and Scope targets that match nothing in the catalog; permissions naming
//! views (which Rampart never decides); deprecated three-part
//! `connection://type/namespace/name` references; allows whose one selector seems split
//! across list items ([`crate::split_selectors`]).

use std::collections::{BTreeMap, BTreeSet};

use rampart_grammar::ConnectionRef;
use rampart_runtime::build::DenseSet;
use rampart_runtime::schema::{PrincipalKind, UnitKind};
use rampart_runtime::Category;

use crate::diagnostic::Diagnostic;
use crate::documents::Documents;
use crate::empty_selectors::{self, Which};
use crate::expand::{Expanded, ExpandedRule, RuleSet};
use crate::membership::{UnitId, Units};
use crate::resolve::{Model, EVERYONE_SERVICES};
use crate::world::World;

/// `a` is a subset of `b`.
fn within(a: &RuleSet, b: &RuleSet) -> bool {
    match (a, b) {
        (_, RuleSet::All) => true,
        (RuleSet::All, _) => false,
        (RuleSet::Classes(a), RuleSet::Classes(b)) => {
            let mut rest: DenseSet = a.clone();
            rest.subtract(b);
            rest.is_empty()
        }
    }
}

/// Whenever `allow` matches a request, `deny` matches it too.
fn overridden(allow: &ExpandedRule, deny: &ExpandedRule, objects: (bool, bool)) -> bool {
    objects.0
        && objects.1
        && deny.required & !allow.required == 0
        && Category::ALL
            .iter()
            .all(|c| within(c.of(&allow.sets), c.of(&deny.sets)))
}

/// Some object (or, for a set that matches nothing catalogued, possibly an object the
/// catalog does not hold yet) is in both sets.
fn overlap(a: &RuleSet, b: &RuleSet) -> bool {
    match (a, b) {
        (RuleSet::All, _) | (_, RuleSet::All) => true,
        (RuleSet::Classes(a), RuleSet::Classes(b)) => {
            let mut both = a.clone();
            both.intersect(b);
            !both.is_empty() || a.is_empty() || b.is_empty()
        }
    }
}

/// Some request matches both rules.
fn overlaps(a: &ExpandedRule, b: &ExpandedRule) -> bool {
    Category::ALL
        .iter()
        .all(|c| overlap(c.of(&a.sets), c.of(&b.sets)))
}

/// Denies whose subject is a role (other than `everyone`), a team, or a group no service
/// belongs to, while a notification or playbook acting as a service, which such a subject
/// cannot hold, is allowed one of the deny's actions on objects the deny names: the deny
/// reads as covering the automation and does not.
fn unreached_services(model: &Model, expanded: &Expanded) -> Vec<Diagnostic> {
    let units = &model.units;
    let services = services(model, expanded);
    let copied = copied_to_services(model);
    // deny rule -> (actions, services allowed around it)
    let mut found: BTreeMap<u32, (BTreeSet<String>, BTreeSet<String>)> = BTreeMap::new();
    for ((unit, action), rules) in &expanded.entries {
        if !collective(units, &services, *unit) {
            continue;
        }
        for d in rules {
            let (Some(spec), Some(deny)) = (
                model.rules.get(*d as usize),
                expanded.rules.get(*d as usize),
            ) else {
                continue;
            };
            if !spec.deny
                || !spec.objects
                || copied.contains(&spec.permission)
                || location(model, spec.permission).is_none()
            {
                continue;
            }
            for (service, held) in &services {
                if held.contains(unit) {
                    continue;
                }
                if allowed_around(model, expanded, held, *action, deny) {
                    let entry = found.entry(spec.permission).or_default();
                    entry.0.insert(
                        expanded
                            .actions
                            .get(*action as usize)
                            .cloned()
                            .unwrap_or_default(),
                    );
                    entry.1.insert(service.clone());
                }
            }
        }
    }
    found
        .into_iter()
        .filter_map(|(permission, (actions, services))| {
            unreached_warning(model, permission, &actions, &services)
        })
        .collect()
}

/// The principals that are not people (notifications and playbooks acting as services),
/// each as `kind:name` with the units its principal class holds.
fn services<'m>(model: &Model, expanded: &'m Expanded) -> Vec<(String, &'m [UnitId])> {
    let units = &model.units;
    units
        .principals
        .iter()
        .enumerate()
        .filter(|(_, p)| p.kind != PrincipalKind::Person)
        .filter_map(|(i, p)| {
            let class = expanded.principal_class.get(i)?;
            let held = expanded.principal_classes.get(*class as usize)?;
            let (kind, name) = units.describe(p.unit);
            Some((format!("{}:{name}", kind.word()), held.as_slice()))
        })
        .collect()
}

/// Whether `unit` is a subject no service can hold: a role other than `everyone`, a team,
/// or a group no service belongs to.
fn collective(units: &Units, services: &[(String, &[UnitId])], unit: UnitId) -> bool {
    let (kind, name) = units.describe(unit);
    match kind {
        UnitKind::Role => name != "everyone" && name != EVERYONE_SERVICES,
        UnitKind::Team => true,
        UnitKind::Group => !services.iter().any(|(_, held)| held.contains(&unit)),
        _ => false,
    }
}

/// The permissions whose denies are copied to the services' unit: denies on `everyone`
/// and on groups of every person.
fn copied_to_services(model: &Model) -> BTreeSet<u32> {
    let units = &model.units;
    model
        .rules
        .iter()
        .filter(|r| units.describe(r.unit) == (UnitKind::Role, EVERYONE_SERVICES))
        .map(|r| r.permission)
        .collect()
}

/// Whether one of the units `held` is allowed `action` by a rule on objects that overlap
/// the objects `deny` names.
fn allowed_around(
    model: &Model,
    expanded: &Expanded,
    held: &[UnitId],
    action: u32,
    deny: &ExpandedRule,
) -> bool {
    held.iter().any(|u| {
        expanded
            .entries
            .get(&(*u, action))
            .into_iter()
            .flatten()
            .any(|a| {
                model
                    .rules
                    .get(*a as usize)
                    .is_some_and(|s| !s.deny && s.objects)
                    && expanded
                        .rules
                        .get(*a as usize)
                        .is_some_and(|allow| overlaps(allow, deny))
            })
    })
}

/// The warning that the deny of `permission` does not reach `services`, which may do
/// `actions` where it denies; `None` when the permission has no location.
fn unreached_warning(
    model: &Model,
    permission: u32,
    actions: &BTreeSet<String>,
    services: &BTreeSet<String>,
) -> Option<Diagnostic> {
    let at = location(model, permission)?;
    let name = model
        .permissions
        .get(permission as usize)
        .map(|p| p.name.as_str())
        .unwrap_or("");
    Some(
        Diagnostic::at(
            at,
            format!(
                "deny `{name}` does not reach {}, which may {} where it denies: notifications and playbooks are not members of roles or teams",
                quoted_first_five(services),
                quoted_first_five(actions)
            ),
        )
        .field("spec.subject")
        .help("deny the services by name, through a PermissionGroup that lists them, or on `everyone` (which reaches them)")
        .warning(),
    )
}

/// The first five names of `set`, quoted, and how many more there are.
fn quoted_first_five(set: &BTreeSet<String>) -> String {
    let shown: Vec<String> = set.iter().take(5).map(|s| format!("`{s}`")).collect();
    match set.len() {
        n if n > 5 => format!("{} and {} more", shown.join(", "), n - 5),
        _ => shown.join(", "),
    }
}

fn location(model: &Model, permission: u32) -> Option<crate::source::Location> {
    model
        .permissions
        .get(permission as usize)
        .and_then(|p| p.location.clone())
}

/// A deny narrowed by permission-level `agents`/`tags`: the narrowing does not restrict a
/// deny at all (so that naming more objects, or the deprecated fields, can never make a
/// deny stop matching), as Mission Control, which ignores these fields, decides too.
fn narrowed_deny(
    spec: &crate::resolve::RuleSpec,
    name: &str,
    at: &crate::source::Location,
) -> Option<Diagnostic> {
    let narrowing = spec.narrowing.as_ref().filter(|_| spec.deny)?;
    let field = if narrowing.agents.is_some() {
        "spec.agents"
    } else {
        "spec.tags"
    };
    Some(
        Diagnostic::at(
            at.clone(),
            format!("`{name}`: `agents`/`tags` do not narrow a deny: it applies to every object its selectors match, whatever their agent and tags (Mission Control ignores these deprecated fields)"),
        )
        .help("to deny only some configs or components, say it in their selectors: `configs: [{agent: ..., tagSelector: ...}]`")
        .field(field)
        .warning(),
    )
}

/// Object denies a grant on the category's global object outlives: for every principal
/// class and action, a deny that constrains a category's objects without denying its
/// global object (`catalog` for configs, ...) while an allow of the same class grants the
/// action on that global object. A check on the global object does not see object denies
/// (docs/semantics.md), so a service that checks `catalog` where it acts on a config
/// would let the denied subject through.
fn denies_the_global_object_outlives(model: &Model, expanded: &Expanded) -> Vec<Diagnostic> {
    use std::collections::{BTreeMap, BTreeSet};
    let global_bit = |c: Category| {
        crate::roles::GLOBAL_OBJECTS
            .iter()
            .position(|g| *g == c.global_object())
            .and_then(|i| 1u64.checked_shl(i as u32))
            .unwrap_or(0)
    };
    let mut by_unit: BTreeMap<u32, Vec<(u32, &Vec<u32>)>> = BTreeMap::new();
    for ((unit, action), rules) in &expanded.entries {
        by_unit.entry(unit.0).or_default().push((*action, rules));
    }
    // (deny permission, category) -> the actions whose global grant outlives the deny.
    let mut outlived: BTreeMap<(u32, usize), BTreeSet<u32>> = BTreeMap::new();
    for units in &expanded.principal_classes {
        let mut by_action: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
        for unit in units {
            for (action, rules) in by_unit.get(&unit.0).into_iter().flatten() {
                by_action.entry(*action).or_default().extend(rules.iter());
            }
        }
        for (action, rules) in &by_action {
            let rules: Vec<(&crate::resolve::RuleSpec, &crate::expand::ExpandedRule)> = rules
                .iter()
                .filter_map(|r| {
                    Some((
                        model.rules.get(*r as usize)?,
                        expanded.rules.get(*r as usize)?,
                    ))
                })
                .collect();
            let (allowed, denied) = rules.iter().fold((0u64, 0u64), |(a, d), (spec, rule)| {
                if spec.deny {
                    (a, d | rule.globals)
                } else {
                    (a | rule.globals, d)
                }
            });
            for (spec, rule) in rules.iter().filter(|(spec, _)| spec.deny && spec.objects) {
                for (i, c) in Category::ALL.into_iter().enumerate() {
                    let bit = global_bit(c);
                    if rule.required & c.bit() != 0 && allowed & bit != 0 && denied & bit == 0 {
                        outlived
                            .entry((spec.permission, i))
                            .or_default()
                            .insert(*action);
                    }
                }
            }
        }
    }
    let mut findings = Vec::new();
    for ((permission, i), actions) in outlived {
        let (Some(at), Some(c)) = (location(model, permission), Category::ALL.get(i)) else {
            continue;
        };
        let name = model
            .permissions
            .get(permission as usize)
            .map(|p| p.name.as_str())
            .unwrap_or("");
        let actions: Vec<String> = actions
            .iter()
            .filter_map(|a| expanded.actions.get(*a as usize))
            .map(|a| format!("`{a}`"))
            .collect();
        let global = c.global_object();
        findings.push(
            Diagnostic::at(
                at,
                format!(
                    "`{name}` denies {} on some {} but not on the global object `{global}`, which another grant allows its subject: a check on `{global}` does not see this deny",
                    actions.join(", "),
                    c.plural()
                ),
            )
            .help(format!(
                "a service must check the {} it acts on, not `{global}`; to deny `{global}` too, deny every {} (`{}: [{{name: \"*\"}}]`)",
                c.name(),
                c.name(),
                c.plural()
            ))
            .warning(),
        );
    }
    findings
}

/// Some category the rule requires has no catalogued object in its set.
fn selects_nothing(rule: &ExpandedRule) -> bool {
    Category::ALL.iter().any(|c| {
        rule.required & c.bit() != 0
            && matches!(c.of(&rule.sets), RuleSet::Classes(set) if set.is_empty())
    })
}

/// The `(scope, target)` pairs of the Scope targets some rule expanded from selects
/// nothing catalogued through.
fn empty_scope_targets(model: &Model, expanded: &Expanded) -> BTreeSet<(usize, usize)> {
    model
        .rules
        .iter()
        .zip(&expanded.rules)
        .filter_map(|(spec, rule)| {
            let via = spec.via.as_ref()?;
            selects_nothing(rule).then_some((via.scope, via.target))
        })
        .collect()
}

/// Scopes no permission references (they decide nothing), and, per Scope, the targets
/// whose selector matches nothing in the catalog (every permission referencing the scope
/// then grants or denies nothing catalogued through them), reported once on the Scope
/// however many permissions reference it. `empty` holds `(scope, target)` of the
/// targets found empty.
fn scope_findings(model: &Model, empty: &BTreeSet<(usize, usize)>) -> Vec<Diagnostic> {
    let mut findings = Vec::new();
    for (i, scope) in model.scopes.list.iter().enumerate() {
        if !model.scope_used.get(i).copied().unwrap_or(true) {
            findings.push(
                Diagnostic::at(
                    scope.location.clone(),
                    format!(
                        "scope `{}` is not referenced by any permission (`object.scopes`)",
                        scope.key
                    ),
                )
                .field("metadata.name")
                .help("reference it from a Permission, or delete it")
                .warning(),
            );
            continue;
        }
        let targets: Vec<(usize, &crate::scopes::ScopeTargetInfo)> = scope
            .targets
            .iter()
            .enumerate()
            .filter(|(t, _)| empty.contains(&(i, *t)))
            .collect();
        let Some((first, first_target)) = targets.first() else {
            continue;
        };
        let decided = scope
            .targets
            .iter()
            .filter(|t| t.kind.category().is_some())
            .count();
        let named: Vec<String> = targets
            .iter()
            .map(|(t, target)| format!("`spec.targets[{t}].{}`", target.kind.key()))
            .collect();
        let message = if targets.len() == decided {
            format!(
                "scope `{}` matches nothing in the catalog: {} {} nothing",
                scope.key,
                named.join(", "),
                if named.len() == 1 {
                    "selects"
                } else {
                    "select"
                }
            )
        } else {
            format!(
                "scope `{}`: {} {} nothing in the catalog",
                scope.key,
                named.join(", "),
                if named.len() == 1 {
                    "selects"
                } else {
                    "select"
                }
            )
        };
        findings.push(
            Diagnostic::at(first_target.location.clone(), message)
                .field(format!("spec.targets[{first}].{}", first_target.kind.key()))
                .help("every permission referencing the scope grants or denies nothing catalogued through these targets; check their selectors against the catalog")
                .warning(),
        );
    }
    findings
}

/// Runs every lint; findings are warnings.
pub fn lint(
    world: &World,
    documents: &Documents,
    model: &Model,
    expanded: &Expanded,
) -> Vec<Diagnostic> {
    let empty = empty_selectors::check(world, documents, &model.scopes, Which::Allows);
    // Allow permissions and categories whose emptiness is already reported, per selector.
    let explained: BTreeSet<(String, Category)> = empty
        .iter()
        .map(|f| (f.permission.clone(), f.category))
        .collect();
    let mut findings: Vec<Diagnostic> = empty.into_iter().map(|f| f.diagnostic).collect();
    findings.extend(unused_groups(documents));
    findings.extend(rules_that_select_nothing(model, expanded, &explained));
    findings.extend(allows_a_deny_always_overrides(model, expanded));
    findings.extend(denies_the_global_object_outlives(model, expanded));
    findings.extend(unreached_services(model, expanded));
    findings.extend(scope_findings(model, &empty_scope_targets(model, expanded)));
    findings.extend(permissions_naming_views(documents));
    findings.extend(deprecated_references(documents));
    findings.extend(crate::split_selectors::check(documents));
    findings.extend(crate::component_tags::check(documents));
    findings.sort_by_key(|d| (d.position(), d.message.clone()));
    // A permission with `object.scopes` is several rules: the same finding once.
    findings.dedup_by(|a, b| a.position() == b.position() && a.message == b.message);
    findings
}

/// Groups that no permission has as its subject.
fn unused_groups(documents: &Documents) -> Vec<Diagnostic> {
    let used: std::collections::BTreeSet<&str> = documents
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
    let mut findings = Vec::new();
    for g in &documents.groups {
        let name = g.value.metadata.name.value.as_str();
        if !used.contains(name) {
            findings.push(
                Diagnostic::at(
                    g.at(&g.value.metadata.name),
                    format!("group `{name}` is not the subject of any permission"),
                )
                .field("metadata.name")
                .warning(),
            );
        }
    }
    findings
}

/// Per rule: a deny narrowed by `agents`/`tags`, and each category of an allow whose
/// selectors the rule requires but which match nothing in the catalog (unless `explained`
/// already reports that permission's category selector by selector).
fn rules_that_select_nothing(
    model: &Model,
    expanded: &Expanded,
    explained: &BTreeSet<(String, Category)>,
) -> Vec<Diagnostic> {
    let mut findings = Vec::new();
    let mut narrowed = BTreeSet::new();
    for (spec, rule) in model.rules.iter().zip(&expanded.rules) {
        let Some(at) = location(model, spec.permission) else {
            continue;
        };
        let name = model
            .permissions
            .get(spec.permission as usize)
            .map(|p| p.name.as_str())
            .unwrap_or("");
        // A permission with `object.scopes` has a rule per target: one finding.
        if narrowed.insert((name, at.display())) {
            if let Some(finding) = narrowed_deny(spec, name, &at) {
                findings.push(finding);
            }
        }
        if spec.via.is_some() {
            // Reported on the Scope, once, by `scope_findings`.
            continue;
        }
        // A deny's selectors that match nothing are an error when checked, unless meant
        // (annotated, `--allow-empty-selectors`); a deny is never narrowed, so there is
        // nothing more to find about it here.
        if spec.deny {
            continue;
        }
        for c in Category::ALL {
            if explained.contains(&(name.to_string(), c)) {
                continue;
            }
            if let RuleSet::Classes(set) = c.of(&rule.sets) {
                if set.is_empty() && rule.required & c.bit() != 0 {
                    findings.push(
                        Diagnostic::at(
                            at.clone(),
                            format!(
                                "`{name}`: the {} selectors and the permission's `agents`/`tags` together match nothing in the catalog",
                                c.name()
                            ),
                        )
                        .field(format!("spec.object.{}", c.plural()))
                        .warning(),
                    );
                }
            }
        }
    }
    findings
}

/// Allows that a deny of the same entry always overrides (once per permission and
/// action).
fn allows_a_deny_always_overrides(model: &Model, expanded: &Expanded) -> Vec<Diagnostic> {
    let mut findings = Vec::new();
    let mut reported = std::collections::BTreeSet::new();
    for ((_, action), rules) in &expanded.entries {
        let action_name = expanded
            .actions
            .get(*action as usize)
            .map(String::as_str)
            .unwrap_or("");
        for a in rules {
            let (Some(allow_spec), Some(allow)) = (
                model.rules.get(*a as usize),
                expanded.rules.get(*a as usize),
            ) else {
                continue;
            };
            if allow_spec.deny || (allow_spec.via.is_some() && selects_nothing(allow)) {
                // A Scope target that selects nothing is reported on its Scope.
                continue;
            }
            let deny = rules.iter().find_map(|d| {
                let (spec, rule) = (
                    model.rules.get(*d as usize)?,
                    expanded.rules.get(*d as usize)?,
                );
                (spec.deny && overridden(allow, rule, (allow_spec.objects, spec.objects)))
                    .then_some(spec)
            });
            let (Some(deny), Some(at)) = (deny, location(model, allow_spec.permission)) else {
                continue;
            };
            if !reported.insert((allow_spec.permission, *action)) {
                continue;
            }
            let name = |p: u32| {
                model
                    .permissions
                    .get(p as usize)
                    .map(|p| (p.name.clone(), p.source.clone()))
                    .unwrap_or_default()
            };
            let (allow_name, allow_source) = name(allow_spec.permission);
            let (deny_name, deny_source) = name(deny.permission);
            // A rule expanded from a Scope target is one of several: name the target.
            let through = match allow_spec.via {
                Some(_) => allow_source
                    .split_once(" via ")
                    .map(|(_, target)| format!(" via {target}"))
                    .unwrap_or_default(),
                None => String::new(),
            };
            findings.push(
                Diagnostic::at(
                    at,
                    format!("`{allow_name}`{through} never allows `{action_name}`: deny `{deny_name}` ({deny_source}) always overrides it"),
                )
                .warning(),
            );
        }
    }
    findings
}

/// Permissions that name `views`: they match only requests about a view (the categories
/// of one permission are ANDed), and Rampart is never asked about views.
fn permissions_naming_views(documents: &Documents) -> Vec<Diagnostic> {
    documents
        .permissions
        .iter()
        .filter(|p| p.value.spec.object.value.views.is_some())
        .map(|p| {
            let effect = if p.value.spec.deny.unwrap_or(false) {
                "denies"
            } else {
                "grants"
            };
            Diagnostic::at(
                p.locate_field("spec.object.views"),
                format!(
                    "`{}` names `views`: Rampart decides no request about a view, so it {effect} nothing Rampart is asked about",
                    crate::empty_selectors::permission_name(p)
                ),
            )
            .field("spec.object.views")
            .help("views are decided by Mission Control alone; keep the permission for it, or move the other categories into a permission of their own")
            .warning()
        })
        .collect()
}

/// `connection://` references in the deprecated three-part form.
fn deprecated_references(documents: &Documents) -> Vec<Diagnostic> {
    let mut findings = Vec::new();
    for u in &documents.uses {
        if let Ok(ConnectionRef::Named {
            deprecated_type: Some(kind),
            ..
        }) = &u.reference
        {
            findings.push(
                Diagnostic::at(
                    u.location.clone(),
                    format!(
                        "`{}` uses the deprecated three-part form; its type `{kind}` is ignored",
                        u.text
                    ),
                )
                .help("write `connection://namespace/name`")
                .warning(),
            );
        }
    }
    findings
}
