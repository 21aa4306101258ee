//! Resolve: names in documents -> dense ids. Subjects, group members, actions and
//! selectors are checked against the world; every problem is collected with its location,
//! none stops the others from being found. Selectors stay syntax trees
//! ([`CompiledSelector`]); only the emit phase turns them into canonical strings.

use std::collections::{BTreeMap, HashMap, HashSet};

use rampart_grammar::ActionPattern;
use rampart_runtime::schema::{PrincipalKind, UnitKind};
use rampart_runtime::selector::CompiledSelector;
use rampart_runtime::Category;

use crate::diagnostic::Diagnostic;
use crate::documents::policy::{
    PermissionDocument, PermissionGroupDocument, SelectorSpec, ServiceSelector, SubjectSpec,
};
use crate::documents::scope::{ScopeReference, TargetKind};
use crate::documents::Documents;
use crate::located::{at_grammar_error, Located};
use crate::membership::{UnitId, Units};
use crate::metadata::namespace_of;
use crate::roles::{is_role, role_up_to_case, ROLES};
use crate::scopes::{read_scopes, Scopes};
use crate::selector::compile_selector;
use crate::source::Location;
use crate::world::World;
use crate::yaml::Text;

/// A permission's `agents`/`tags` narrowing: agent names or ids, and tag pairs.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Narrowing {
    /// Agents, one of which a config's or component's agent must be.
    pub agents: Option<Vec<String>>,
    /// Tag pairs every config and component must carry.
    pub tags: Vec<(String, String)>,
}

/// What a rule says about one category.
#[derive(Clone, Debug)]
pub struct CategoryRule {
    /// Distinct selectors, ORed, in the order first written.
    pub selectors: Vec<CompiledSelector>,
    /// True when one selector is `{name: "*"}`: every object.
    pub wildcard: bool,
    /// How many selectors the document wrote (before de-duplication).
    pub written: usize,
}

/// A permission (or role policy) bound to one subject unit, before expansion.
#[derive(Clone, Debug)]
pub struct RuleSpec {
    /// The unit it is granted to.
    pub unit: UnitId,
    /// Index into [`Model::permissions`].
    pub permission: u32,
    /// True for a deny rule.
    pub deny: bool,
    /// The actions it covers.
    pub actions: ActionPattern,
    /// Whether the rule applies to object requests.
    pub objects: bool,
    /// Per category, what it selects (`None`: unconstrained).
    pub categories: [Option<CategoryRule>; 4],
    /// Agents/tags narrowing of configs and components.
    pub narrowing: Option<Narrowing>,
    /// Global object names granted.
    pub globals: Vec<String>,
    /// True for role policies on `*`: every global object.
    pub all_globals: bool,
    /// The Scope target the rule was expanded from, for `object.scopes`.
    pub via: Option<ScopeVia>,
}

/// A Scope target a rule was expanded from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScopeVia {
    /// Index into [`Scopes::list`].
    pub scope: usize,
    /// Index into the Scope's targets.
    pub target: usize,
}

/// Where a permission came from, for explanations and lints.
#[derive(Clone, Debug)]
pub struct PermissionInfo {
    /// `namespace/name`, or `role:<name>`.
    pub name: String,
    /// `file:line:column`, or `built-in`.
    pub source: String,
    /// True for a deny rule.
    pub deny: bool,
    /// The document's name, for lints; `None` for built-in role policies.
    pub location: Option<Location>,
}

/// The resolved model: units and their graph, rules, permissions.
#[derive(Debug, Default)]
pub struct Model {
    /// Units, principals and memberships.
    pub units: Units,
    /// Rules in document order, after the role policies.
    pub rules: Vec<RuleSpec>,
    /// Permissions and role policies; a permission with `object.scopes` has one entry per
    /// Scope target it was expanded into (same name, the source naming the target).
    pub permissions: Vec<PermissionInfo>,
    /// The Scopes, checked.
    pub scopes: Scopes,
    /// Per Scope, whether some permission references it.
    pub scope_used: Vec<bool>,
}

struct Resolver<'a> {
    world: &'a World,
    /// False without a catalog: grammars and shapes are checked, names are not looked up.
    lookups: bool,
    model: Model,
    diagnostics: Vec<Diagnostic>,
    person_units: Vec<UnitId>,
    person_keys: HashMap<&'a str, usize>,
    person_names: HashMap<&'a str, Vec<usize>>,
    team_units: HashMap<&'a str, UnitId>,
    group_names: BTreeMap<String, (String, Location)>,
    /// Group names without case -> the first spelling and where it is.
    group_folded: HashMap<String, (String, Location)>,
    /// The groups of `people: ["*"]` (`everyone` is a member).
    everyone_groups: HashSet<UnitId>,
    /// The groups being deleted (`metadata.deletionTimestamp`): their members are
    /// members for denies, not for allows.
    deleting_groups: HashSet<String>,
}

/// The unit notifications and playbooks acting as services belong to: it holds a copy of
/// every deny rule on `everyone` and on the groups of every person, so that those denies
/// reach the services while allows on them stay with people.
pub const EVERYONE_SERVICES: &str = "everyone (services)";

/// Builds units, edges and rules from the world and the documents. Without `lookups`
/// (no catalog), names are not looked up: only what the documents say by themselves is
/// checked (grammars, one subject, non-empty objects and selectors).
pub fn resolve(world: &World, documents: &Documents, lookups: bool) -> (Model, Vec<Diagnostic>) {
    let mut r = Resolver {
        world,
        lookups,
        model: Model::default(),
        diagnostics: Vec::new(),
        person_units: Vec::new(),
        person_keys: HashMap::new(),
        person_names: HashMap::new(),
        team_units: HashMap::new(),
        group_names: BTreeMap::new(),
        group_folded: HashMap::new(),
        everyone_groups: HashSet::new(),
        deleting_groups: HashSet::new(),
    };
    let (scopes, found) = read_scopes(world, documents, lookups);
    r.diagnostics.extend(found);
    r.model.scope_used = vec![false; scopes.list.len()];
    r.model.scopes = scopes;
    r.principals();
    r.teams();
    r.roles();
    r.groups(documents);
    for p in &documents.permissions {
        r.permission(p);
    }
    r.services_in_everyone_denies();
    for cycle in r.model.units.cycles() {
        r.diagnostics.push(Diagnostic::general(format!(
            "membership cycle: {}",
            cycle.join(" -> ")
        )));
    }
    (r.model, r.diagnostics)
}

/// What every rule of one permission shares: its name and place, subject, effect,
/// actions and narrowing.
struct Granted {
    /// `namespace/name`.
    name: String,
    /// Where the permission's name is written.
    location: Location,
    unit: UnitId,
    deny: bool,
    actions: ActionPattern,
    narrowing: Option<Narrowing>,
}

impl<'a> Resolver<'a> {
    fn principals(&mut self) {
        let world = self.world;
        for (i, p) in world.people.iter().enumerate() {
            let unit = self
                .model
                .units
                .principal(PrincipalKind::Person, p.key(), i);
            self.person_units.push(unit);
            self.person_keys.insert(p.key(), i);
            if let Some(id) = &p.id {
                self.person_keys.entry(id.as_str()).or_insert(i);
            }
            if let Some(name) = &p.name {
                self.person_names.entry(name.as_str()).or_default().push(i);
            }
        }
        for (i, o) in Category::Playbook.of(&world.objects).iter().enumerate() {
            self.model
                .units
                .principal(PrincipalKind::Playbook, &o.key, i);
        }
        for (i, n) in world.notifications.iter().enumerate() {
            self.model.units.principal(
                PrincipalKind::Notification,
                &format!("{}/{}", n.namespace, n.name),
                i,
            );
        }
    }

    fn teams(&mut self) {
        let world = self.world;
        for t in &world.teams {
            let unit = self.model.units.unit(UnitKind::Team, &t.name);
            self.team_units.insert(t.name.as_str(), unit);
            if let Some(id) = &t.id {
                self.team_units.entry(id.as_str()).or_insert(unit);
            }
        }
        for (ti, t) in world.teams.iter().enumerate() {
            let team = self.model.units.unit(UnitKind::Team, &t.name);
            for (mi, member) in t.members.iter().enumerate() {
                match self.person(member) {
                    Ok(p) => self.model.units.edge(p, team),
                    Err(why) => self
                        .diagnostics
                        .push(world.catalog_diagnostic(&format!("teams[{ti}].members[{mi}]"), why)),
                }
            }
        }
        for (pi, p) in world.people.iter().enumerate() {
            let Some(person) = self.person_units.get(pi).copied() else {
                continue;
            };
            for (ti, team) in p.teams.iter().enumerate() {
                match self.team_units.get(team.as_str()) {
                    Some(t) => self.model.units.edge(person, *t),
                    None => self.diagnostics.push(
                        world
                            .catalog_diagnostic(
                                &format!("people[{pi}].teams[{ti}]"),
                                format!("unknown team `{team}`"),
                            )
                            .help(nearest_help(
                                team,
                                world.teams.iter().map(|t| t.name.as_str()),
                            )),
                    ),
                }
            }
        }
    }

    fn roles(&mut self) {
        let everyone = self.model.units.unit(UnitKind::Role, "everyone");
        for role in ROLES {
            let unit = self.model.units.unit(UnitKind::Role, role.name);
            for inherited in role.inherits {
                let target = self.model.units.unit(UnitKind::Role, inherited);
                self.model.units.edge(unit, target);
            }
            for policy in role.policies {
                let permission = self.model.permissions.len() as u32;
                self.model.permissions.push(PermissionInfo {
                    name: format!("role:{}", role.name),
                    source: "built-in".into(),
                    deny: policy.deny,
                    location: None,
                });
                let actions = ActionPattern::parse(policy.actions).unwrap_or_default();
                let all = policy.objects.contains(&"*");
                let globals: Vec<String> = policy
                    .objects
                    .iter()
                    .filter(|o| **o != "*")
                    .map(|o| o.to_string())
                    .collect();
                let base = RuleSpec {
                    unit,
                    permission,
                    deny: policy.deny,
                    actions,
                    objects: all,
                    categories: Default::default(),
                    narrowing: None,
                    globals,
                    all_globals: all,
                    via: None,
                };
                // A grant on a category's global object applies to every object of it.
                for c in Category::ALL {
                    if policy.objects.contains(&c.global_object()) {
                        let mut categories: [Option<CategoryRule>; 4] = Default::default();
                        *c.of_mut(&mut categories) = Some(CategoryRule {
                            selectors: Vec::new(),
                            wildcard: true,
                            written: 1,
                        });
                        self.model.rules.push(RuleSpec {
                            objects: true,
                            categories,
                            globals: Vec::new(),
                            all_globals: false,
                            ..base.clone()
                        });
                    }
                }
                self.model.rules.push(base);
            }
        }
        let world = self.world;
        for (pi, p) in world.people.iter().enumerate() {
            let Some(person) = self.person_units.get(pi).copied() else {
                continue;
            };
            self.model.units.edge(person, everyone);
            for (ii, key) in p.inherits.iter().enumerate() {
                match self.person(key) {
                    Ok(creator) => self.model.units.edge(person, creator),
                    Err(message) => self.diagnostics.push(
                        world
                            .catalog_diagnostic(&format!("people[{pi}].inherits[{ii}]"), message)
                            .help("name a person of the catalog by email or id (an access token's creator)"),
                    ),
                }
            }
            for (ri, role) in p.roles.iter().enumerate() {
                if is_role(role) {
                    let r = self.model.units.unit(UnitKind::Role, role);
                    self.model.units.edge(person, r);
                } else {
                    self.diagnostics.push(
                        world
                            .catalog_diagnostic(&format!("people[{pi}].roles[{ri}]"), format!("unknown role `{role}`"))
                            .help(format!(
                                "{}; roles: everyone, admin, viewer, guest, commander, responder, editor, agent",
                                nearest_help(role, ROLES.iter().map(|r| r.name))
                            )),
                    );
                }
            }
        }
    }

    /// A person by email, id or unique name.
    fn person(&self, key: &str) -> Result<UnitId, String> {
        let unit = |i: usize| {
            self.person_units
                .get(i)
                .copied()
                .ok_or_else(|| format!("unknown person `{key}`"))
        };
        if let Some(i) = self.person_keys.get(key) {
            return unit(*i);
        }
        match self.person_names.get(key).map(Vec::as_slice) {
            Some([one]) => unit(*one),
            Some(many) => {
                let candidates: Vec<String> = many
                    .iter()
                    .filter_map(|i| self.world.people.get(*i))
                    .map(|p| format!("`{}`", p.key()))
                    .collect();
                Err(format!(
                    "person name `{key}` is ambiguous: {}",
                    candidates.join(", ")
                ))
            }
            None => Err(format!("unknown person `{key}`")),
        }
    }

    /// Denies on `everyone` (the built-in one included) and on the groups of every person
    /// reach notifications and playbooks acting as services: each such deny is copied to
    /// [`EVERYONE_SERVICES`], which every service is a member of. Allows on them stay
    /// with people.
    fn services_in_everyone_denies(&mut self) {
        let Some(everyone) = self.model.units.find(UnitKind::Role, "everyone") else {
            return;
        };
        let services = self.model.units.unit(UnitKind::Role, EVERYONE_SERVICES);
        let copies: Vec<RuleSpec> = self
            .model
            .rules
            .iter()
            .filter(|r| r.deny && (r.unit == everyone || self.everyone_groups.contains(&r.unit)))
            .map(|r| RuleSpec {
                unit: services,
                ..r.clone()
            })
            .collect();
        self.model.rules.extend(copies);
        let members: Vec<UnitId> = self
            .model
            .units
            .principals
            .iter()
            .filter(|p| p.kind != PrincipalKind::Person)
            .map(|p| p.unit)
            .collect();
        for member in members {
            self.model.units.edge(member, services);
        }
    }

    fn groups(&mut self, documents: &Documents) {
        for g in &documents.groups {
            let name = g.value.metadata.name.value.clone();
            let namespace = namespace_of(&g.value.metadata);
            let location = g.at(&g.value.metadata.name);
            if let Some(role) = role_up_to_case(&name) {
                self.diagnostics.push(
                    Diagnostic::at(
                        location,
                        format!("group `{name}` has the name of the built-in role `{role}`; group and role names are compared without case"),
                    )
                    .field("metadata.name")
                    .help("give the group a name of its own, or make the people members of the role through `roles` in the catalog"),
                );
                continue;
            }
            let folded = name.to_lowercase();
            if let Some((first, other)) = self
                .group_folded
                .get(&folded)
                .filter(|(first, _)| *first != name)
            {
                self.diagnostics.push(
                    Diagnostic::at(
                        location,
                        format!(
                            "group `{name}` is defined twice (first at {} as `{first}`); group names are compared without case",
                            other.display()
                        ),
                    )
                    .field("metadata.name"),
                );
                continue;
            }
            self.group_folded
                .entry(folded)
                .or_insert_with(|| (name.clone(), location.clone()));
            // One name in two namespaces is one group, the members of both together:
            // Mission Control's casbin rows name a group by its name alone.
            match self.group_names.get(&name) {
                Some((other_ns, other)) if *other_ns == namespace => {
                    let message = format!(
                        "group `{name}` is defined twice (first at {})",
                        other.display()
                    );
                    self.diagnostics
                        .push(Diagnostic::at(location, message).field("metadata.name"));
                    continue;
                }
                Some(_) => {}
                None => {
                    self.group_names.insert(name.clone(), (namespace, location));
                }
            }
            if let Some(spec_name) = &g.value.spec.name {
                if spec_name.value != name {
                    self.diagnostics.push(
                        Diagnostic::at(
                            g.at(spec_name),
                            format!(
                                "`spec.name` is `{}` but `metadata.name` is `{name}`",
                                spec_name.value
                            ),
                        )
                        .field("spec.name"),
                    );
                }
            }
            if let Some(at) = &g.value.metadata.deletion_timestamp {
                self.deleting_groups.insert(name.clone());
                self.diagnostics.push(
                    Diagnostic::at(
                        g.at(at),
                        format!("group `{name}` is being deleted: the permissions that allow it are left out, those that deny it are kept"),
                    )
                    .field("metadata.deletionTimestamp")
                    .help("once deleted, Mission Control's group grants and denies nothing; Rampart drops its allows now and keeps its denies (never widening access) until the document is gone")
                    .warning(),
                );
            }
            let group = self.model.units.unit(UnitKind::Group, &name);
            self.group_members(g, group);
        }
    }

    /// Makes the people, teams, notifications and playbooks a permission group lists
    /// members of `group` (nothing without lookups); every unknown one is reported.
    fn group_members(&mut self, g: &Located<PermissionGroupDocument>, group: UnitId) {
        if !self.lookups {
            return;
        }
        let spec = &g.value.spec;
        self.member_people(g, group);
        self.member_teams(g, group);
        let notifications: Vec<(String, String)> = self
            .world
            .notifications
            .iter()
            .map(|n| (n.namespace.clone(), n.name.clone()))
            .collect();
        let playbooks: Vec<(String, String)> = Category::Playbook
            .of(&self.world.objects)
            .iter()
            .map(|o| {
                (
                    o.attributes.namespace.clone().unwrap_or_default(),
                    o.attributes.name.clone().unwrap_or_default(),
                )
            })
            .collect();
        self.member_services(
            g,
            group,
            UnitKind::Notification,
            "notifications",
            &spec.notifications,
            &notifications,
        );
        self.member_services(
            g,
            group,
            UnitKind::Playbook,
            "playbooks",
            &spec.playbooks,
            &playbooks,
        );
    }

    /// `spec.people`: each person a member of `group`; `["*"]` makes the `everyone` role
    /// one, and `*` beside other entries is refused.
    fn member_people(&mut self, g: &Located<PermissionGroupDocument>, group: UnitId) {
        let people = g.value.spec.people.as_deref().unwrap_or(&[]);
        if let [only] = people {
            if only.value == "*" {
                let everyone = self.model.units.unit(UnitKind::Role, "everyone");
                self.model.units.edge(everyone, group);
                self.everyone_groups.insert(group);
            }
        }
        for (i, p) in people.iter().enumerate() {
            if p.value == "*" {
                if people.len() > 1 {
                    self.diagnostics.push(
                        Diagnostic::at(g.at(p), "`*` must be the only entry of `people`")
                            .field(format!("spec.people[{i}]")),
                    );
                }
                continue;
            }
            match self.person(&p.value) {
                Ok(person) => self.model.units.edge(person, group),
                Err(why) => {
                    let mut d = Diagnostic::at(g.at(p), why).field(format!("spec.people[{i}]"));
                    if let Some(help) = rampart_runtime::suggest::did_you_mean(
                        &p.value,
                        self.world.people.iter().map(|p| p.key()),
                    ) {
                        d = d.help(help);
                    }
                    self.diagnostics.push(d);
                }
            }
        }
    }

    /// `spec.teams`: each team a member of `group`.
    fn member_teams(&mut self, g: &Located<PermissionGroupDocument>, group: UnitId) {
        for (i, t) in g.value.spec.teams.iter().flatten().enumerate() {
            match self.team_units.get(t.value.as_str()) {
                Some(team) => self.model.units.edge(*team, group),
                None => self.diagnostics.push(
                    Diagnostic::at(g.at(t), format!("unknown team `{}`", t.value))
                        .field(format!("spec.teams[{i}]"))
                        .help(nearest_help(
                            &t.value,
                            self.world.teams.iter().map(|t| t.name.as_str()),
                        )),
                ),
            }
        }
    }

    /// `spec.notifications` or `spec.playbooks` (`field`): every service of `kind` among
    /// the `known` `(namespace, name)`s that an entry selects becomes a member of
    /// `group`; an entry selecting none is reported, and so is a wildcard `name` with a
    /// namespace.
    fn member_services(
        &mut self,
        g: &Located<PermissionGroupDocument>,
        group: UnitId,
        kind: UnitKind,
        field: &str,
        list: &Option<Vec<serde_saphyr::Spanned<ServiceSelector>>>,
        known: &[(String, String)],
    ) {
        for (i, s) in list.iter().flatten().enumerate() {
            let field = format!("spec.{field}[{i}]");
            if let (Some(name), Some(namespace)) = (&s.value.name, &s.value.namespace) {
                if name.value == "*" {
                    // Not a pattern upstream defines: refused rather than guessed
                    // (every member of the namespace, or every member anywhere).
                    self.diagnostics.push(
                        Diagnostic::at(
                            g.at_node(s),
                            format!(
                                "a wildcard {kind} member (`name: \"*\"`) cannot have a namespace (`{}`)",
                                namespace.value
                            ),
                        )
                        .field(field)
                        .help("write `name: \"*\"` alone for every one, or list the members of that namespace by name"),
                    );
                    continue;
                }
            }
            let members = service_members(&s.value, known);
            if members.is_empty() {
                let what = describe_service(&s.value);
                self.diagnostics.push(
                    Diagnostic::at(g.at_node(s), format!("no {kind} matches {what}")).field(field),
                );
                continue;
            }
            for (ns, name) in members {
                if let Some(unit) = self.model.units.find(kind, &format!("{ns}/{name}")) {
                    self.model.units.edge(unit, group);
                }
            }
        }
    }

    /// The unit a permission's subject names; `None` (reported) when it names nobody,
    /// several, or one that does not exist. Without lookups only the form is checked.
    fn subject(
        &mut self,
        p: &Located<PermissionDocument>,
        subject: &SubjectSpec,
    ) -> Option<UnitId> {
        let (kind, text) = self.subject_field(p, subject)?;
        let field = format!("spec.subject.{kind}");
        let value = text.value.as_str();
        if !self.lookups {
            if matches!(kind, "notification" | "playbook")
                && !(value.matches('/').count() == 1
                    && value.split('/').all(|s| !s.trim().is_empty()))
            {
                self.diagnostics.push(
                    Diagnostic::at(
                        p.at(text),
                        format!("a {kind} subject is `namespace/name`, not `{value}`"),
                    )
                    .field(field),
                );
            }
            return None;
        }
        match self.subject_unit(kind, value) {
            Ok(unit) => Some(unit),
            Err(why) => {
                let candidates = self.subject_candidates(kind);
                let mut d = Diagnostic::at(p.at(text), why).field(field);
                if let Some(help) =
                    rampart_runtime::suggest::nearest(value, candidates.iter().map(String::as_str))
                {
                    d = d.help(format!("did you mean `{help}`?"));
                }
                self.diagnostics.push(d);
                None
            }
        }
    }

    /// The one field the subject sets (`person`, `team`, `group`, `notification` or
    /// `playbook`) and its text; `None` (reported) when it sets none or several.
    fn subject_field<'s>(
        &mut self,
        p: &Located<PermissionDocument>,
        subject: &'s SubjectSpec,
    ) -> Option<(&'static str, &'s Text)> {
        let fields: Vec<(&'static str, &Text)> = [
            ("person", &subject.person),
            ("team", &subject.team),
            ("group", &subject.group),
            ("notification", &subject.notification),
            ("playbook", &subject.playbook),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (k, v)))
        .collect();
        match fields.as_slice() {
            [one] => Some(*one),
            [] => {
                self.diagnostics.push(
                    Diagnostic::at(p.at_node(&p.value.spec.subject), "the subject names nobody")
                        .field("spec.subject")
                        .help("set exactly one of person, team, group, notification, playbook"),
                );
                None
            }
            [_, (second, text), ..] => {
                let names: Vec<&str> = fields.iter().map(|(k, _)| *k).collect();
                self.diagnostics.push(
                    Diagnostic::at(
                        p.at(text),
                        format!(
                            "the subject sets {}; exactly one is allowed",
                            names.join(" and ")
                        ),
                    )
                    .field(format!("spec.subject.{second}")),
                );
                None
            }
        }
    }

    /// The unit a subject field of `kind` names by `value`, or why there is none.
    fn subject_unit(&self, kind: &str, value: &str) -> Result<UnitId, String> {
        match kind {
            "person" => self.person(value),
            "team" => self
                .team_units
                .get(value)
                .copied()
                .ok_or_else(|| format!("unknown team `{value}`")),
            "group" => {
                let unit = if is_role(value) {
                    self.model.units.find(UnitKind::Role, value)
                } else if self.group_names.contains_key(value) {
                    self.model.units.find(UnitKind::Group, value)
                } else {
                    None
                };
                unit.ok_or_else(|| format!("unknown group `{value}`"))
            }
            service => {
                let valid = value.split('/').filter(|s| !s.trim().is_empty()).count() == 2
                    && value.matches('/').count() == 1;
                let unit_kind = if service == "playbook" {
                    UnitKind::Playbook
                } else {
                    UnitKind::Notification
                };
                if !valid {
                    Err(format!(
                        "a {service} subject is `namespace/name`, not `{value}`"
                    ))
                } else {
                    self.model
                        .units
                        .find(unit_kind, value)
                        .ok_or_else(|| format!("unknown {service} `{value}`"))
                }
            }
        }
    }

    /// The names a subject field of `kind` could have meant, for a did-you-mean.
    fn subject_candidates(&self, kind: &str) -> Vec<String> {
        match kind {
            "team" => self.world.teams.iter().map(|t| t.name.clone()).collect(),
            "group" => self
                .group_names
                .keys()
                .cloned()
                .chain(ROLES.iter().map(|r| r.name.to_string()))
                .collect(),
            "person" => self
                .world
                .people
                .iter()
                .map(|p| p.key().to_string())
                .collect(),
            "playbook" => Category::Playbook
                .of(&self.world.objects)
                .iter()
                .map(|o| o.key.clone())
                .collect(),
            _ => self
                .world
                .notifications
                .iter()
                .map(|n| format!("{}/{}", n.namespace, n.name))
                .collect(),
        }
    }

    /// One permission document: its subject, actions, object and narrowing resolved
    /// (every problem reported), then its rules: one per Scope target when it references
    /// scopes, else one.
    fn permission(&mut self, p: &Located<PermissionDocument>) {
        let before = self.diagnostics.len();
        let spec = &p.value.spec;
        let unit = self.subject(p, &spec.subject.value);
        let actions = self.actions(p);
        let object = &spec.object.value;
        let lists = object.lists();
        let mut categories: [Option<CategoryRule>; 4] = Default::default();
        for (c, list) in lists {
            if let Some(list) = list {
                *c.of_mut(&mut categories) = self.category(p, c, list);
            }
        }
        let expansion = object
            .scopes
            .as_ref()
            .map(|refs| self.scope_targets(p, refs, &lists));
        self.object_combinations(p, &lists);
        let narrowing = self.narrowing(p);
        if self
            .diagnostics
            .get(before..)
            .is_some_and(|found| found.iter().any(|d| !d.warning))
        {
            return;
        }
        let (Some(unit), Some(actions)) = (unit, actions) else {
            return;
        };
        if object.views.is_some() {
            // Upstream ANDs the categories of one permission: this one matches only a
            // request naming a view, and Rampart is never asked about views.
            return;
        }
        let namespace = namespace_of(&p.value.metadata);
        let deny = spec.deny.unwrap_or(false);
        if self.being_deleted(p, deny) {
            return;
        }
        let granted = Granted {
            name: format!("{namespace}/{}", p.value.metadata.name.value),
            location: p.at(&p.value.metadata.name),
            unit,
            deny,
            actions,
            narrowing,
        };
        match expansion {
            Some(targets) => self.scope_rules(granted, targets),
            None => self.object_rule(granted, categories, object.mcp.unwrap_or(false)),
        }
    }

    /// Whether the permission is left out because it, or the group it names, is being
    /// deleted (`metadata.deletionTimestamp`): an allow is (keeping it would keep access
    /// an admin removed), a deny is kept (dropping it would widen access); each warned.
    fn being_deleted(&mut self, p: &Located<PermissionDocument>, deny: bool) -> bool {
        let name = format!(
            "{}/{}",
            namespace_of(&p.value.metadata),
            p.value.metadata.name.value
        );
        let effect = if deny { "deny" } else { "allow" };
        if let Some(at) = &p.value.metadata.deletion_timestamp {
            let (message, help) = if deny {
                (format!("deny `{name}` is being deleted: it is kept until the document is gone"), "dropping a deny widens access: Rampart keeps it while Kubernetes finishes deleting the Permission")
            } else {
                (format!("allow `{name}` is being deleted: it is left out"), "keeping it would keep access the admin removed; it grants nothing in these tables")
            };
            self.diagnostics.push(
                Diagnostic::at(p.at(at), message)
                    .field("metadata.deletionTimestamp")
                    .help(help)
                    .warning(),
            );
            return !deny;
        }
        let group = p.value.spec.subject.value.group.as_ref();
        match group.filter(|g| self.deleting_groups.contains(&g.value)) {
            Some(g) if !deny => {
                self.diagnostics.push(
                    Diagnostic::at(
                        p.at(g),
                        format!("{effect} `{name}` names group `{}`, which is being deleted: it is left out", g.value),
                    )
                    .field("spec.subject.group")
                    .warning(),
                );
                true
            }
            _ => false,
        }
    }

    /// Reports the `object` fields that cannot go together (`scopes` with `views`, `mcp`
    /// with anything else), and an object that names nothing.
    fn object_combinations(
        &mut self,
        p: &Located<PermissionDocument>,
        lists: &[(Category, Option<&Vec<serde_saphyr::Spanned<SelectorSpec>>>); 4],
    ) {
        let spec = &p.value.spec;
        let object = &spec.object.value;
        let named = lists.iter().filter(|(_, l)| l.is_some()).count();
        let mcp = object.mcp.unwrap_or(false);
        let views = object.views.is_some();
        let object_at = p.at_node(&spec.object);
        if views && object.scopes.is_some() {
            // As with the other categories: upstream would discard the views and decide
            // by the scopes alone, which the document does not say.
            self.diagnostics.push(
                Diagnostic::at(
                    object_at.clone(),
                    "`object.scopes` cannot be combined with `object.views`",
                )
                .field("spec.object.views"),
            );
        }
        if mcp && (named > 0 || views || object.scopes.is_some()) {
            self.diagnostics.push(
                Diagnostic::at(
                    object_at.clone(),
                    "`object.mcp` cannot be combined with selectors or scopes",
                )
                .field("spec.object.mcp"),
            );
        }
        if !mcp && !views && named == 0 && object.scopes.is_none() {
            self.diagnostics.push(
                Diagnostic::at(object_at, "the object names nothing")
                    .field("spec.object")
                    .help("name playbooks, configs, components or connections, reference `scopes`, or set `mcp: true`"),
            );
        }
    }

    /// Upstream's ExpandPermissionScopes: every target of every referenced scope becomes
    /// its own rule holding only that target's selector, so targets OR.
    fn scope_rules(&mut self, granted: Granted, targets: Vec<ScopeVia>) {
        for via in targets {
            let Some((scope, target)) = self
                .model
                .scopes
                .list
                .get(via.scope)
                .and_then(|s| s.targets.get(via.target).map(|t| (s, t)))
            else {
                continue;
            };
            let (Some(category), Some(selector)) = (target.kind.category(), &target.selector)
            else {
                continue;
            };
            let mut categories: [Option<CategoryRule>; 4] = Default::default();
            *category.of_mut(&mut categories) = Some(CategoryRule {
                selectors: vec![selector.clone()],
                wildcard: selector.is_wildcard(),
                written: 1,
            });
            let permission = self.model.permissions.len() as u32;
            self.model.permissions.push(PermissionInfo {
                name: granted.name.clone(),
                source: format!(
                    "{} via scope {} spec.targets[{}].{} at {}",
                    granted.location.display(),
                    scope.key,
                    via.target,
                    target.kind.key(),
                    target.location.display()
                ),
                deny: granted.deny,
                location: Some(granted.location.clone()),
            });
            self.model.rules.push(RuleSpec {
                unit: granted.unit,
                permission,
                deny: granted.deny,
                actions: granted.actions.clone(),
                objects: true,
                categories,
                narrowing: granted.narrowing.clone(),
                globals: Vec::new(),
                all_globals: false,
                via: Some(via),
            });
        }
    }

    /// The one rule of a permission without scopes: its categories' selectors, and the
    /// global objects it grants (`mcp`, and a lone wildcard category's global object).
    fn object_rule(&mut self, granted: Granted, categories: [Option<CategoryRule>; 4], mcp: bool) {
        let Granted {
            name,
            location,
            unit,
            deny,
            actions,
            narrowing,
        } = granted;
        let mut globals = Vec::new();
        if mcp {
            globals.push("mcp".to_string());
        }
        let only: Vec<(Category, &CategoryRule)> = Category::ALL
            .into_iter()
            .filter_map(|c| c.of(&categories).as_ref().map(|r| (c, r)))
            .collect();
        if let [(c, rule)] = only.as_slice() {
            // A deny is not narrowed by `agents`/`tags` (docs/semantics.md): a wildcard
            // deny denies every object of its category, and so its global object too.
            if rule.wildcard && rule.written == 1 && (narrowing.is_none() || deny) {
                globals.push(c.global_object().to_string());
            }
        }
        let permission = self.model.permissions.len() as u32;
        self.model.permissions.push(PermissionInfo {
            name,
            source: location.display(),
            deny,
            location: Some(location),
        });
        self.model.rules.push(RuleSpec {
            unit,
            permission,
            deny,
            actions,
            objects: !mcp,
            categories,
            narrowing,
            globals,
            all_globals: false,
            via: None,
        });
    }

    /// The Scope targets `object.scopes` expands into, in order; every problem reported.
    /// Rampart refuses what upstream would silently widen or drop: selectors beside
    /// `scopes` (upstream discards them), a scope that does not exist or names no
    /// namespace (upstream drops the whole permission), an `id` that is not the scope's
    /// uid (upstream ignores it), and `canary`/`global` targets (upstream expands them to
    /// an object that matches every request). `view` targets expand to nothing: no
    /// request Rampart decides names a view.
    fn scope_targets(
        &mut self,
        p: &Located<PermissionDocument>,
        refs: &serde_saphyr::Spanned<Vec<serde_saphyr::Spanned<ScopeReference>>>,
        lists: &[(Category, Option<&Vec<serde_saphyr::Spanned<SelectorSpec>>>); 4],
    ) -> Vec<ScopeVia> {
        for (c, list) in lists {
            if list.is_some() {
                let field = format!("spec.object.{}", c.plural());
                self.diagnostics.push(
                    Diagnostic::at(
                        p.locate_field(&field),
                        format!("`object.scopes` cannot be combined with `object.{}`", c.plural()),
                    )
                    .field(field)
                    .help("Mission Control discards a permission's own selectors when it references scopes; move these selectors into a Scope target, or into a Permission of their own"),
                );
            }
        }
        if refs.value.is_empty() {
            self.diagnostics.push(
                Diagnostic::at(p.at_node(refs), "`spec.object.scopes` is an empty list")
                    .field("spec.object.scopes")
                    .help("reference scopes as `{namespace: ..., name: ...}`"),
            );
        }
        let mut targets = Vec::new();
        for (i, r) in refs.value.iter().enumerate() {
            let field = format!("spec.object.scopes[{i}]");
            let Some(index) = self.scope_reference(p, r, &field) else {
                continue;
            };
            if let Some(used) = self.model.scope_used.get_mut(index) {
                *used = true;
            }
            let Some(scope) = self.model.scopes.list.get(index) else {
                continue;
            };
            if scope.deleting {
                let deny = p.value.spec.deny.unwrap_or(false);
                let (message, help) = if deny {
                    (format!("scope `{}` is being deleted: this deny through it is kept until the Scope is gone", scope.key), "dropping a deny widens access; once the Scope is deleted, Mission Control drops the permission and Rampart refuses it (an unknown scope)")
                } else {
                    (format!("scope `{}` is being deleted: this allow through it is left out", scope.key), "keeping it would keep access the admin removed; the permission's other scopes still apply")
                };
                self.diagnostics.push(
                    Diagnostic::at(p.at_node(r), message)
                        .field(field.clone())
                        .help(help)
                        .warning(),
                );
                if !deny {
                    continue;
                }
            }
            for (t, target) in scope.targets.iter().enumerate() {
                match target.kind {
                    TargetKind::Canary | TargetKind::Global => self.diagnostics.push(
                        Diagnostic::at(
                            p.at_node(r),
                            format!(
                                "scope `{}` has a `{}` target (spec.targets[{t}] at {}): Mission Control expands it to an object that matches every request, so Rampart refuses it rather than grant or deny everything",
                                scope.key,
                                target.kind.key(),
                                target.location.display()
                            ),
                        )
                        .field(field.clone())
                        .help("reference scopes whose targets are `config`, `component`, `playbook` or `view`"),
                    ),
                    TargetKind::View => {}
                    TargetKind::Config | TargetKind::Component | TargetKind::Playbook => {
                        targets.push(ScopeVia {
                            scope: index,
                            target: t,
                        })
                    }
                }
            }
        }
        targets
    }

    /// The Scope a reference names, by namespace and name, its `id` checked; `None` after
    /// a diagnostic, or silently for a Scope whose own errors are reported with it.
    fn scope_reference(
        &mut self,
        p: &Located<PermissionDocument>,
        r: &serde_saphyr::Spanned<ScopeReference>,
        field: &str,
    ) -> Option<usize> {
        let reference = &r.value;
        let Some(name) = &reference.name else {
            self.diagnostics.push(
                Diagnostic::at(p.at_node(r), "a scope reference needs `name`")
                    .field(field)
                    .help("reference a scope as `{namespace: ..., name: ...}`; `id` alone names no scope in Mission Control"),
            );
            return None;
        };
        let Some(namespace) = &reference.namespace else {
            let namespaces: Vec<String> = self
                .model
                .scopes
                .list
                .iter()
                .filter_map(|s| {
                    s.key
                        .strip_suffix(&format!("/{}", name.value))
                        .map(|ns| format!("`{ns}`"))
                })
                .collect();
            let help = if namespaces.is_empty() {
                "add the scope's `namespace`".to_string()
            } else {
                format!("add the scope's `namespace`: {}", namespaces.join(", "))
            };
            self.diagnostics.push(
                Diagnostic::at(
                    p.at_node(r),
                    format!("the reference to scope `{}` needs `namespace`: Mission Control looks a missing namespace up as `\"\"`, which names no scope", name.value),
                )
                .field(format!("{field}.namespace"))
                .help(help),
            );
            return None;
        };
        let key = format!("{}/{}", namespace.value, name.value);
        let Some((index, scope)) = self.model.scopes.get(&namespace.value, &name.value) else {
            let help = match rampart_runtime::suggest::nearest(
                &key,
                self.model.scopes.list.iter().map(|s| s.key.as_str()),
            ) {
                Some(near) => format!("did you mean `{near}`?"),
                None => "define a `kind: Scope` document with this namespace and name".to_string(),
            };
            self.diagnostics.push(
                Diagnostic::at(p.at(name), format!("unknown scope `{key}`"))
                    .field(format!("{field}.name"))
                    .help(help),
            );
            return None;
        };
        if !scope.valid {
            // Its errors are reported at the Scope; nothing more to say here.
            return None;
        }
        if let Some(id) = &reference.id {
            let canonical = rampart_grammar::Uuid::parse(&id.value)
                .ok()
                .map(|u| u.to_string());
            if canonical.is_none() || canonical != scope.uid {
                let found = match &scope.uid {
                    Some(uid) => format!("its uid is `{uid}`"),
                    None => "it has no `metadata.uid`".to_string(),
                };
                self.diagnostics.push(
                    Diagnostic::at(
                        p.at(id),
                        format!("`id` `{}` is not the uid of scope `{key}`: {found}", id.value),
                    )
                    .field(format!("{field}.id"))
                    .help("remove `id` (the scope is named by namespace and name), or write the scope's `metadata.uid`"),
                );
                return None;
            }
        }
        Some(index)
    }

    fn actions(&mut self, p: &Located<PermissionDocument>) -> Option<ActionPattern> {
        let list = &p.value.spec.actions;
        if list.value.is_empty() {
            self.diagnostics.push(
                Diagnostic::at(p.at_node(list), "a permission needs at least one action")
                    .field("spec.actions"),
            );
            return None;
        }
        let mut patterns = Vec::new();
        let mut ok = true;
        for (i, item) in list.value.iter().enumerate() {
            match ActionPattern::parse(&item.value) {
                Ok(pattern) => patterns.push(pattern),
                Err(e) => {
                    ok = false;
                    self.diagnostics.push(
                        Diagnostic::at(at_grammar_error(p, item, &e), e.to_string())
                            .field(format!("spec.actions[{i}]"))
                            .help(action_help(&item.value, e.offset())),
                    );
                }
            }
        }
        let pattern = ActionPattern::join(patterns);
        if !ok {
            return None;
        }
        if p.value.spec.deny != Some(true) {
            return Some(pattern);
        }
        let (denied, dropped) = pattern.as_denied();
        for item in dropped {
            self.diagnostics.push(
                Diagnostic::at(
                    p.at_node(list),
                    format!("in a deny, `!{item}` beside `*` (or `invoke:<plugin>:*`) excludes nothing: Mission Control adds a rule for the wildcard as written, which matches `{item}` too, so Rampart denies it as well"),
                )
                .field("spec.actions")
                .help("list the actions the deny is for instead of a wildcard with exclusions")
                .warning(),
            );
        }
        Some(denied)
    }

    fn narrowing(&mut self, p: &Located<PermissionDocument>) -> Option<Narrowing> {
        let spec = &p.value.spec;
        if spec.agents.is_none() && spec.tags.is_none() {
            return None;
        }
        let mut agents = None;
        if let Some(list) = spec.agents.as_ref().filter(|_| self.lookups) {
            let mut names = Vec::new();
            for (i, a) in list.iter().enumerate() {
                // Stored as the agent's own id, however the document spells it.
                let identity = rampart_runtime::identity::identity_key(&a.value);
                let known = self
                    .world
                    .agent_keys
                    .get(identity.as_ref())
                    .and_then(|i| self.world.agents.get(*i));
                if let Some(agent) = known {
                    names.push(agent.id.clone());
                } else {
                    self.diagnostics.push(
                        Diagnostic::at(p.at(a), format!("unknown agent `{}`", a.value))
                            .field(format!("spec.agents[{i}]"))
                            .help(nearest_help(
                                &a.value,
                                self.world.agent_keys.keys().map(String::as_str),
                            )),
                    );
                }
            }
            agents = Some(names);
        }
        let tags = spec
            .tags
            .iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Some(Narrowing { agents, tags })
    }

    fn category(
        &mut self,
        p: &Located<PermissionDocument>,
        c: Category,
        list: &[serde_saphyr::Spanned<SelectorSpec>],
    ) -> Option<CategoryRule> {
        let field = format!("spec.object.{}", c.plural());
        if list.is_empty() {
            self.diagnostics.push(
                Diagnostic::at(
                    p.locate_field(&field),
                    format!("`{field}` is an empty list"),
                )
                .field(field),
            );
            return None;
        }
        let mut selectors: Vec<CompiledSelector> = Vec::new();
        let mut wildcard = false;
        let mut ok = true;
        for (i, s) in list.iter().enumerate() {
            let field = format!("{field}[{i}]");
            match compile_selector(p, &s.value, &field) {
                Ok(Some(compiled)) => {
                    wildcard |= compiled.is_wildcard();
                    if !selectors.contains(&compiled) {
                        selectors.push(compiled);
                    }
                }
                Ok(None) => {
                    ok = false;
                    self.diagnostics.push(
                        Diagnostic::at(p.at_node(s), "an empty selector matches nothing")
                            .field(field)
                            .help("use `name: \"*\"` to select every object"),
                    );
                }
                Err(d) => {
                    ok = false;
                    self.diagnostics.extend(d);
                }
            }
        }
        ok.then_some(CategoryRule {
            selectors,
            wildcard,
            written: list.len(),
        })
    }
}

fn service_members(s: &ServiceSelector, known: &[(String, String)]) -> Vec<(String, String)> {
    let name = s.name.as_ref().map(|n| n.value.as_str());
    let namespace = s.namespace.as_ref().map(|n| n.value.as_str());
    if name.is_none() && namespace.is_none() {
        return Vec::new();
    }
    known
        .iter()
        .filter(|(ns, n)| {
            namespace.is_none_or(|want| want == ns)
                && name.is_none_or(|want| want == "*" || want == n)
        })
        .cloned()
        .collect()
}

fn describe_service(s: &ServiceSelector) -> String {
    let name = s.name.as_ref().map(|n| n.value.as_str()).unwrap_or("*");
    match &s.namespace {
        Some(ns) => format!("`{}/{name}`", ns.value),
        None => format!("`{name}` in any namespace"),
    }
}

/// The help of an action that does not parse: the nearest action to the word the error
/// is in (`playbok:approve` finds `playbook:approve`), else how actions are written.
fn action_help(text: &str, offset: usize) -> String {
    let mut start = 0;
    let mut word = text;
    for part in text.split(',') {
        let end = start + part.len();
        if offset <= end {
            word = part;
            break;
        }
        start = end + 1;
    }
    let word = word.trim().trim_start_matches('!');
    let known = rampart_grammar::BuiltinAction::ALL
        .into_iter()
        .map(rampart_grammar::BuiltinAction::name)
        .chain(["playbook:*", "mcp:*", "*"]);
    match rampart_runtime::suggest::did_you_mean(word, known) {
        Some(help) => help,
        None => "write actions such as `read`, `playbook:run` or `invoke:<plugin>:<operation>`, \
                 separated by commas (`!delete` excludes one)"
            .to_string(),
    }
}

fn nearest_help<'c>(word: &str, candidates: impl Iterator<Item = &'c str> + Clone) -> String {
    match rampart_runtime::suggest::nearest(word, candidates) {
        Some(c) => format!("did you mean `{c}`?"),
        None => "check the catalog".to_string(),
    }
}
