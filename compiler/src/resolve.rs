//! Resolve: names in documents -> dense ids. Subjects, group members, actions and
//! selectors are checked against the world; every problem is collected with its
//! location, none stops the others from being found.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use rampart_grammar::{ActionItem, ActionPattern};
use rampart_runtime::data::{PrincipalKind, SelectorData};
use rampart_runtime::{Category, CompiledSelector};

use crate::diagnostic::Diagnostic;
use crate::documents::policy::{PermissionDocument, SelectorSpec, ServiceSelector, SubjectSpec};
use crate::documents::yaml::Text;
use crate::documents::{at, at_grammar_error, namespace_of, Documents, Located};
use crate::membership::{UnitId, Units};
use crate::roles::{is_role, ROLES};
use crate::source::SourceFile;
use crate::world::World;

/// A permission's `agents`/`tags` narrowing: agent names or ids, and tag pairs.
pub type Narrowing = (Option<Vec<String>>, Vec<(String, String)>);

/// What a rule says about one category.
#[derive(Clone, Debug)]
pub struct CategoryRule {
    /// Distinct selectors, ORed.
    pub selectors: Vec<SelectorData>,
    /// True when one selector is `{name: "*"}`: every object.
    pub wildcard: bool,
    /// How many selectors the document wrote (before de-duplication).
    pub written: usize,
}

/// A permission (or role policy) bound to one subject unit, before expansion.
#[derive(Clone, Debug)]
pub struct RuleSpec {
    pub unit: UnitId,
    pub permission: u32,
    pub deny: bool,
    pub actions: ActionPattern,
    /// Whether the rule applies to object requests.
    pub objects: bool,
    pub categories: [Option<CategoryRule>; 4],
    /// Agents/tags narrowing of configs and components.
    pub narrowing: Option<Narrowing>,
    /// Global object names granted.
    pub globals: Vec<String>,
    /// True for role policies on `*`: every global object.
    pub all_globals: bool,
}

/// Where a permission came from, for explanations.
#[derive(Clone, Debug)]
pub struct PermissionInfo {
    pub name: String,
    pub source: String,
    pub deny: bool,
}

/// The resolved model: units and their graph, rules, permissions.
#[derive(Debug, Default)]
pub struct Model {
    pub units: Units,
    pub rules: Vec<RuleSpec>,
    pub permissions: Vec<PermissionInfo>,
    /// Person principal index -> catalog person index; services follow persons.
    pub principal_people: usize,
}

struct Resolver<'a> {
    world: &'a World,
    model: Model,
    diagnostics: Vec<Diagnostic>,
    person_keys: HashMap<String, Vec<usize>>,
    person_names: HashMap<String, Vec<usize>>,
    team_units: HashMap<String, UnitId>,
    group_names: BTreeMap<String, (String, crate::source::Location)>,
}

fn person_label(world: &World, i: usize) -> String {
    format!(
        "person:{}",
        world.people.get(i).and_then(|p| p.key()).unwrap_or("?")
    )
}

/// Builds units, edges and rules from the world and the documents.
pub fn resolve(world: &World, documents: &Documents) -> (Model, Vec<Diagnostic>) {
    let mut r = Resolver {
        world,
        model: Model::default(),
        diagnostics: Vec::new(),
        person_keys: HashMap::new(),
        person_names: HashMap::new(),
        team_units: HashMap::new(),
        group_names: BTreeMap::new(),
    };
    r.principals_and_teams();
    r.roles();
    r.groups(documents);
    for p in &documents.permissions {
        r.permission(p);
    }
    for cycle in r.model.units.cycles() {
        r.diagnostics.push(Diagnostic::in_file(
            std::path::Path::new("<membership>"),
            format!("membership cycle: {}", cycle.join(" -> ")),
        ));
    }
    (r.model, r.diagnostics)
}

impl Resolver<'_> {
    fn principals_and_teams(&mut self) {
        let world = self.world;
        for (i, p) in world.people.iter().enumerate() {
            self.model
                .units
                .principal(person_label(world, i), PrincipalKind::Person);
            for key in [p.email.as_deref(), p.id.as_deref()].into_iter().flatten() {
                self.person_keys.entry(key.to_string()).or_default().push(i);
            }
            if let Some(name) = &p.name {
                self.person_names.entry(name.clone()).or_default().push(i);
            }
        }
        self.model.principal_people = world.people.len();
        for o in Category::Playbook.of(&world.objects) {
            self.model
                .units
                .principal(format!("playbook:{}", o.key), PrincipalKind::Playbook);
        }
        for n in &world.notifications {
            self.model.units.principal(
                format!("notification:{}/{}", n.namespace, n.name),
                PrincipalKind::Notification,
            );
        }
        for t in &world.teams {
            let unit = self.model.units.unit(format!("team:{}", t.name));
            self.team_units.insert(t.name.clone(), unit);
            if let Some(id) = &t.id {
                self.team_units.insert(id.clone(), unit);
            }
        }
        for (ti, t) in world.teams.iter().enumerate() {
            let team = self.model.units.unit(format!("team:{}", t.name));
            for (mi, member) in t.members.iter().enumerate() {
                match self.person(member) {
                    Ok(p) => self.model.units.edge(p as UnitId, team),
                    Err(why) => self.diagnostics.push(
                        Diagnostic::in_file(std::path::Path::new("<catalog>"), why)
                            .field(format!("teams[{ti}].members[{mi}]")),
                    ),
                }
            }
        }
        for (pi, p) in world.people.iter().enumerate() {
            for (ti, team) in p.teams.iter().enumerate() {
                match self.team_units.get(team) {
                    Some(t) => self.model.units.edge(pi as UnitId, *t),
                    None => self.diagnostics.push(
                        Diagnostic::in_file(
                            std::path::Path::new("<catalog>"),
                            format!("unknown team `{team}`"),
                        )
                        .field(format!("people[{pi}].teams[{ti}]")),
                    ),
                }
            }
        }
    }

    fn roles(&mut self) {
        let everyone = self.model.units.unit("role:everyone".into());
        for role in ROLES {
            let unit = self.model.units.unit(format!("role:{}", role.name));
            for inherited in role.inherits {
                let target = self.model.units.unit(format!("role:{inherited}"));
                self.model.units.edge(unit, target);
            }
            for policy in role.policies {
                let permission = self.model.permissions.len() as u32;
                self.model.permissions.push(PermissionInfo {
                    name: format!("role:{}", role.name),
                    source: "built-in".into(),
                    deny: policy.deny,
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
                        let abac = RuleSpec {
                            objects: true,
                            categories,
                            globals: Vec::new(),
                            all_globals: false,
                            ..base.clone()
                        };
                        self.model.rules.push(abac);
                    }
                }
                self.model.rules.push(base);
            }
        }
        for (pi, p) in self.world.people.iter().enumerate() {
            self.model.units.edge(pi as UnitId, everyone);
            for role in &p.roles {
                if is_role(role) {
                    let r = self.model.units.unit(format!("role:{role}"));
                    self.model.units.edge(pi as UnitId, r);
                } else {
                    self.diagnostics.push(
                        Diagnostic::in_file(std::path::Path::new("<catalog>"), format!("unknown role `{role}`"))
                            .field(format!("people[{pi}].roles"))
                            .help("roles: everyone, admin, viewer, guest, commander, responder, editor, agent"),
                    );
                }
            }
        }
    }

    /// A person by email, id or unique name.
    fn person(&self, key: &str) -> Result<usize, String> {
        if let Some(found) = self.person_keys.get(key) {
            if let [one] = found.as_slice() {
                return Ok(*one);
            }
        }
        match self.person_names.get(key).map(Vec::as_slice) {
            Some([one]) => Ok(*one),
            Some(many) => {
                let candidates: Vec<&str> = many
                    .iter()
                    .filter_map(|i| self.world.people.get(*i).and_then(|p| p.key()))
                    .collect();
                Err(format!(
                    "person name `{key}` is ambiguous: {}",
                    candidates.join(", ")
                ))
            }
            None => Err(format!("unknown person `{key}`")),
        }
    }

    fn service(&self, kind: &str, text: &str) -> Option<UnitId> {
        self.model.units.find(&format!("{kind}:{text}"))
    }

    fn groups(&mut self, documents: &Documents) {
        for g in &documents.groups {
            let name = g.value.metadata.name.value.clone();
            let namespace = namespace_of(&g.value.metadata);
            let location = at(&g.file, &g.value.metadata.name);
            if is_role(&name) {
                self.diagnostics.push(
                    Diagnostic::at(
                        location.clone(),
                        format!("group `{name}` has the name of a built-in role"),
                    )
                    .field("metadata.name"),
                );
                continue;
            }
            if let Some((other_ns, other)) = self.group_names.get(&name) {
                let message = if *other_ns == namespace {
                    format!(
                        "group `{name}` is defined twice (first at {})",
                        other.display()
                    )
                } else {
                    format!("group `{name}` is defined in namespaces `{other_ns}` and `{namespace}`; group names are cluster-wide")
                };
                self.diagnostics
                    .push(Diagnostic::at(location, message).field("metadata.name"));
                continue;
            }
            self.group_names.insert(name.clone(), (namespace, location));
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
            let group = self.model.units.unit(format!("group:{name}"));
            self.group_members(g, group);
        }
    }

    fn group_members(
        &mut self,
        g: &Located<crate::documents::policy::PermissionGroupDocument>,
        group: UnitId,
    ) {
        let spec = &g.value.spec;
        let people = spec.people.as_deref().unwrap_or(&[]);
        if let [only] = people {
            if only.value == "*" {
                let everyone = self.model.units.unit("role:everyone".into());
                self.model.units.edge(everyone, group);
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
                Ok(person) => self.model.units.edge(person as UnitId, group),
                Err(why) => self
                    .diagnostics
                    .push(Diagnostic::at(g.at(p), why).field(format!("spec.people[{i}]"))),
            }
        }
        for (i, t) in spec.teams.iter().flatten().enumerate() {
            match self.team_units.get(&t.value) {
                Some(team) => self.model.units.edge(*team, group),
                None => self.diagnostics.push(
                    Diagnostic::at(g.at(t), format!("unknown team `{}`", t.value))
                        .field(format!("spec.teams[{i}]")),
                ),
            }
        }
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
        for (kind, field, list, known) in [
            (
                "notification",
                "notifications",
                &spec.notifications,
                &notifications,
            ),
            ("playbook", "playbooks", &spec.playbooks, &playbooks),
        ] {
            for (i, s) in list.iter().flatten().enumerate() {
                let members = service_members(&s.value, known);
                let field = format!("spec.{field}[{i}]");
                if members.is_empty() {
                    let what = describe_service(&s.value);
                    self.diagnostics.push(
                        Diagnostic::at(g.at_node(s), format!("no {kind} matches {what}"))
                            .field(field),
                    );
                    continue;
                }
                for (ns, name) in members {
                    if let Some(unit) = self.service(kind, &format!("{ns}/{name}")) {
                        self.model.units.edge(unit, group);
                    }
                }
            }
        }
    }

    fn subject(
        &mut self,
        p: &Located<PermissionDocument>,
        subject: &SubjectSpec,
    ) -> Option<UnitId> {
        let fields: Vec<(&str, &Text)> = [
            ("person", &subject.person),
            ("team", &subject.team),
            ("group", &subject.group),
            ("notification", &subject.notification),
            ("playbook", &subject.playbook),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (k, v)))
        .collect();
        let subject_at = p.at_node(&p.value.spec.subject);
        let (kind, text) = match fields.as_slice() {
            [one] => *one,
            [] => {
                self.diagnostics.push(
                    Diagnostic::at(subject_at, "the subject names nobody")
                        .field("spec.subject")
                        .help("set exactly one of person, team, group, notification, playbook"),
                );
                return None;
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
                return None;
            }
        };
        let field = format!("spec.subject.{kind}");
        let found = match kind {
            "person" => self.person(&text.value).map(|i| i as UnitId),
            "team" => self
                .team_units
                .get(&text.value)
                .copied()
                .ok_or_else(|| format!("unknown team `{}`", text.value)),
            "group" => {
                let label = if is_role(&text.value) {
                    format!("role:{}", text.value)
                } else {
                    format!("group:{}", text.value)
                };
                match (
                    self.group_names.contains_key(&text.value) || is_role(&text.value),
                    self.model.units.find(&label),
                ) {
                    (true, Some(unit)) => Ok(unit),
                    _ => Err(format!("unknown group `{}`", text.value)),
                }
            }
            service => {
                let valid = text
                    .value
                    .split('/')
                    .filter(|s| !s.trim().is_empty())
                    .count()
                    == 2
                    && text.value.matches('/').count() == 1;
                if !valid {
                    Err(format!(
                        "a {service} subject is `namespace/name`, not `{}`",
                        text.value
                    ))
                } else {
                    self.service(service, &text.value)
                        .ok_or_else(|| format!("unknown {service} `{}`", text.value))
                }
            }
        };
        match found {
            Ok(unit) => Some(unit),
            Err(why) => {
                self.diagnostics
                    .push(Diagnostic::at(p.at(text), why).field(field));
                None
            }
        }
    }

    fn permission(&mut self, p: &Located<PermissionDocument>) {
        let before = self.diagnostics.len();
        let spec = &p.value.spec;
        let unit = self.subject(p, &spec.subject.value);
        let actions = self.actions(p);
        let deny = spec.deny.unwrap_or(false);
        let object = &spec.object.value;
        let mut categories: [Option<CategoryRule>; 4] = Default::default();
        let lists = [
            &object.playbooks,
            &object.configs,
            &object.components,
            &object.connections,
        ];
        for (c, list) in Category::ALL.into_iter().zip(lists) {
            if let Some(list) = list {
                *c.of_mut(&mut categories) = self.category(p, c, list);
            }
        }
        let named = lists.iter().filter(|l| l.is_some()).count();
        let mcp = object.mcp.unwrap_or(false);
        let object_at = p.at_node(&spec.object);
        if let Some(scopes) = &object.scopes {
            self.diagnostics.push(
                Diagnostic::at(p.at_node(scopes), "`object.scopes` is not supported")
                    .field("spec.object.scopes")
                    .help("name the objects with selectors instead"),
            );
        }
        if mcp && named > 0 {
            self.diagnostics.push(
                Diagnostic::at(
                    object_at.clone(),
                    "`object.mcp` cannot be combined with selectors",
                )
                .field("spec.object.mcp"),
            );
        }
        if !mcp && named == 0 && object.scopes.is_none() {
            self.diagnostics.push(
                Diagnostic::at(object_at, "the object names nothing")
                    .field("spec.object")
                    .help("name playbooks, configs, components or connections, or set `mcp: true`"),
            );
        }
        let narrowing = self.narrowing(p);
        if self.diagnostics.len() > before {
            return;
        }
        let (Some(unit), Some(actions)) = (unit, actions) else {
            return;
        };
        let mut globals = Vec::new();
        if mcp {
            globals.push("mcp".to_string());
        }
        let only: Vec<(Category, &CategoryRule)> = Category::ALL
            .into_iter()
            .filter_map(|c| c.of(&categories).as_ref().map(|r| (c, r)))
            .collect();
        if let [(c, rule)] = only.as_slice() {
            if rule.wildcard && rule.written == 1 && narrowing.is_none() {
                globals.push(c.global_object().to_string());
            }
        }
        let permission = self.model.permissions.len() as u32;
        let namespace = namespace_of(&p.value.metadata);
        let name = format!("{namespace}/{}", p.value.metadata.name.value);
        self.model.permissions.push(PermissionInfo {
            name,
            source: p.at(&p.value.metadata.name).display(),
            deny,
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
        });
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
                        Diagnostic::at(at_grammar_error(&p.file, item, &e), e.to_string())
                            .field(format!("spec.actions[{i}]")),
                    );
                }
            }
        }
        ok.then(|| ActionPattern::join(patterns))
    }

    fn narrowing(&mut self, p: &Located<PermissionDocument>) -> Option<Narrowing> {
        let spec = &p.value.spec;
        if spec.agents.is_none() && spec.tags.is_none() {
            return None;
        }
        let mut agents = None;
        if let Some(list) = &spec.agents {
            let mut names = Vec::new();
            for (i, a) in list.iter().enumerate() {
                if self.world.agent_keys.contains_key(&a.value) {
                    names.push(a.value.clone());
                } else {
                    self.diagnostics.push(
                        Diagnostic::at(p.at(a), format!("unknown agent `{}`", a.value))
                            .field(format!("spec.agents[{i}]")),
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
        Some((agents, tags))
    }

    fn category(
        &mut self,
        p: &Located<PermissionDocument>,
        c: Category,
        list: &[serde_saphyr::Spanned<SelectorSpec>],
    ) -> Option<CategoryRule> {
        let field = format!("spec.object.{}s", c.name());
        if list.is_empty() {
            self.diagnostics.push(
                Diagnostic::at(p.start.clone(), format!("`{field}` is an empty list")).field(field),
            );
            return None;
        }
        let mut selectors = BTreeSet::new();
        let mut wildcard = false;
        let mut ok = true;
        for (i, s) in list.iter().enumerate() {
            let field = format!("{field}[{i}]");
            match selector_data(&p.file, &s.value, &field) {
                Ok(Some((data, compiled))) => {
                    wildcard |= compiled.is_wildcard();
                    selectors.insert(data);
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
        ok.then(|| CategoryRule {
            selectors: selectors.into_iter().collect(),
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

/// Checks a selector's strings with the grammars and renders them canonically; `None`
/// for an empty selector. Errors point at the exact bytes.
pub fn selector_data(
    file: &Arc<SourceFile>,
    s: &SelectorSpec,
    field: &str,
) -> Result<Option<(SelectorData, CompiledSelector)>, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut pattern = |name: &str, text: &Option<Text>| -> Option<String> {
        let text = text.as_ref()?;
        match rampart_grammar::ItemPattern::parse(&text.value) {
            Ok(p) => Some(p.to_string()),
            Err(e) => {
                errors.push(
                    Diagnostic::at(at_grammar_error(file, text, &e), e.to_string())
                        .field(format!("{field}.{name}")),
                );
                None
            }
        }
    };
    let id = pattern("id", &s.id);
    let name = pattern("name", &s.name);
    let namespace = pattern("namespace", &s.namespace);
    let agent = pattern("agent", &s.agent);
    let health = pattern("health", &s.health);
    let mut list = |name: &str, items: Vec<&Text>| -> Option<String> {
        if items.is_empty() {
            return None;
        }
        let mut parts = Vec::new();
        for (i, text) in items.iter().enumerate() {
            match rampart_grammar::ItemPattern::parse(&text.value) {
                Ok(p) => parts.push(p.to_string()),
                Err(e) => errors.push(
                    Diagnostic::at(at_grammar_error(file, text, &e), e.to_string())
                        .field(format!("{field}.{name}[{i}]")),
                ),
            }
        }
        Some(parts.join(","))
    };
    let types = list(
        "types",
        s.types.iter().flatten().chain(s.type_name.iter()).collect(),
    );
    let statuses = list("statuses", s.statuses.iter().flatten().collect());
    let mut labels = |name: &str, text: &Option<Text>| -> Option<String> {
        let text = text.as_ref()?;
        match rampart_grammar::LabelSelector::parse_with(
            &text.value,
            rampart_runtime::SELECTOR_OPTIONS,
        ) {
            Ok(l) => Some(l.to_string()),
            Err(e) => {
                errors.push(
                    Diagnostic::at(at_grammar_error(file, text, &e), e.to_string())
                        .field(format!("{field}.{name}")),
                );
                None
            }
        }
    };
    let tag_selector = labels("tagSelector", &s.tag_selector);
    let label_selector = labels("labelSelector", &s.label_selector);
    let field_selector = labels("fieldSelector", &s.field_selector);
    let search =
        s.search.as_ref().and_then(
            |text| match rampart_grammar::SearchQuery::parse(&text.value) {
                Ok(q) => Some(q.to_string()),
                Err(e) => {
                    errors.push(
                        Diagnostic::at(at_grammar_error(file, text, &e), e.to_string())
                            .field(format!("{field}.search")),
                    );
                    None
                }
            },
        );
    if !errors.is_empty() {
        return Err(errors);
    }
    let data = SelectorData {
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
    if data == SelectorData::default() {
        return Ok(None);
    }
    let compiled = CompiledSelector::parse(&data)
        .map_err(|(f, e)| vec![Diagnostic::in_file(&file.path, format!("{f}: {e}"))])?;
    Ok(Some((data, compiled)))
}

/// The action patterns' invoke vocabulary: named invoke actions and plugins.
pub fn invoke_vocabulary(rules: &[RuleSpec]) -> (BTreeSet<(String, String)>, BTreeSet<String>) {
    let mut actions = BTreeSet::new();
    let mut plugins = BTreeSet::new();
    for rule in rules {
        for (_, item) in rule.actions.items() {
            match item {
                ActionItem::Exact(rampart_grammar::Action::Invoke { plugin, operation }) => {
                    actions.insert((plugin.clone(), operation.clone()));
                    plugins.insert(plugin.clone());
                }
                ActionItem::InvokePlugin(plugin) => {
                    plugins.insert(plugin.clone());
                }
                _ => {}
            }
        }
    }
    (actions, plugins)
}
