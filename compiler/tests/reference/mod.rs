//! A reference evaluator, straight from the document model: no tables, no bitmaps, no
//! indexes, nothing clever. Each function restates DESIGN section 3 directly. The
//! compiled tables must agree with it on every request.

// Shared by several test binaries, each of which uses a part; test code that restates
// the semantics plainly, indexes included.
#![allow(
    dead_code,
    clippy::large_enum_variant,
    clippy::needless_range_loop,
    clippy::option_as_ref_deref,
    clippy::cloned_ref_to_slice_refs,
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

pub mod extend;
pub mod generate;
pub mod monotonicity;

use std::collections::BTreeMap;

/// Case folding as DESIGN section 3 states it: each character on its own to its simple
/// (one-character) Unicode lowercase; `İ`, whose full lowercase is two characters, to `i`.
pub fn fold(text: &str) -> String {
    text.chars()
        .map(|c| {
            let mut lower = c.to_lowercase();
            match (lower.next(), lower.next()) {
                (Some(l), None) => l,
                _ if c == '\u{130}' => 'i',
                _ => c,
            }
        })
        .collect()
}

/// A glob as written in a pattern list (already the generator's structured form).
#[derive(Clone, Debug)]
pub enum Glob {
    Any,
    Exact(String),
    Prefix(String),
    Suffix(String),
    Contains(String),
}

impl Glob {
    fn text(&self) -> String {
        match self {
            Glob::Any => "*".into(),
            Glob::Exact(t) => t.clone(),
            Glob::Prefix(t) => format!("{t}*"),
            Glob::Suffix(t) => format!("*{t}"),
            Glob::Contains(t) => format!("*{t}*"),
        }
    }

    fn hits(&self, value: &str) -> bool {
        let v = fold(value);
        match self {
            Glob::Any => true,
            Glob::Exact(t) => v == fold(t),
            Glob::Prefix(t) => v.starts_with(&fold(t)),
            Glob::Suffix(t) => v.ends_with(&fold(t)),
            Glob::Contains(t) => v.contains(&fold(t)),
        }
    }
}

/// A pattern list: `(negated, glob)` items.
pub type Pattern = Vec<(bool, Glob)>;

pub fn pattern_text(p: &Pattern) -> String {
    p.iter()
        .map(|(n, g)| format!("{}{}", if *n { "!" } else { "" }, g.text()))
        .collect::<Vec<_>>()
        .join(",")
}

/// Negation wins; otherwise a positive must hit; only negations: everything else.
pub fn pattern_matches(p: &Pattern, candidates: &[&str]) -> bool {
    if p.iter()
        .any(|(n, g)| *n && candidates.iter().any(|c| g.hits(c)))
    {
        return false;
    }
    let positives: Vec<&Glob> = p.iter().filter(|(n, _)| !n).map(|(_, g)| g).collect();
    positives.is_empty()
        || positives
            .iter()
            .any(|g| candidates.iter().any(|c| g.hits(c)))
}

/// A label requirement.
#[derive(Clone, Debug)]
pub enum Req {
    Eq(String, String),
    NotEq(String, String),
    Exists(String),
    NotExists(String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
}

impl Req {
    pub fn text(&self) -> String {
        match self {
            Req::Eq(k, v) => format!("{k}={v}"),
            Req::NotEq(k, v) => format!("{k}!={v}"),
            Req::Exists(k) => k.clone(),
            Req::NotExists(k) => format!("!{k}"),
            Req::In(k, vs) => format!("{k} in ({})", vs.join(",")),
            Req::NotIn(k, vs) => format!("{k} notin ({})", vs.join(",")),
        }
    }

    fn holds(&self, map: Option<&BTreeMap<String, String>>) -> bool {
        let get = |k: &String| map.and_then(|m| m.get(k)).map(|v| fold(v));
        let eq = |a: &Option<String>, b: &str| a.as_deref() == Some(fold(b).as_str());
        match self {
            Req::Eq(k, v) => eq(&get(k), v),
            Req::NotEq(k, v) => !eq(&get(k), v),
            Req::Exists(k) => get(k).is_some(),
            Req::NotExists(k) => get(k).is_none(),
            Req::In(k, vs) => vs.iter().any(|v| eq(&get(k), v)),
            Req::NotIn(k, vs) => !vs.iter().any(|v| eq(&get(k), v)),
        }
    }
}

/// A resource selector in structured form.
#[derive(Clone, Debug, Default)]
pub struct Selector {
    pub id: Option<Pattern>,
    pub name: Option<Pattern>,
    pub namespace: Option<Pattern>,
    pub types: Option<Pattern>,
    pub agent: Option<Pattern>,
    pub statuses: Option<Pattern>,
    pub health: Option<Pattern>,
    pub tags: Option<Vec<Req>>,
    pub labels: Option<Vec<Req>>,
    /// `fieldSelector`: requirements on the catalog fields (`type`, `status`, ...).
    pub fields: Option<Vec<Req>>,
    pub search: Option<Search>,
}

/// One term of a search query in structured form.
#[derive(Clone, Debug)]
pub enum Term {
    /// A bare word: the name starts with it.
    Word(String),
    /// `field="value"`, or `field!="value"` when `negated`.
    Compare {
        field: String,
        value: String,
        negated: bool,
    },
    /// `-term`.
    Not(Box<Term>),
}

/// A search query: alternatives (`|`) of conjunctions (terms separated by spaces);
/// `grouped` writes each conjunction of several terms in parentheses.
#[derive(Clone, Debug)]
pub struct Search {
    pub alternatives: Vec<Vec<Term>>,
    pub grouped: bool,
}

impl Term {
    fn text(&self) -> String {
        match self {
            Term::Word(w) => w.clone(),
            Term::Compare {
                field,
                value,
                negated,
            } => format!("{field}{}\"{value}\"", if *negated { "!=" } else { "=" }),
            Term::Not(inner) => format!("-{}", inner.text()),
        }
    }

    fn holds(&self, category: usize, o: &Object) -> bool {
        match self {
            Term::Word(w) => fold(&o.name).starts_with(&fold(w)),
            Term::Compare {
                field,
                value,
                negated,
            } => {
                let actual = search_field(category, o, field).unwrap_or_default();
                (fold(&actual) == fold(value)) != *negated
            }
            Term::Not(inner) => !inner.holds(category, o),
        }
    }
}

impl Search {
    pub fn text(&self) -> String {
        self.alternatives
            .iter()
            .map(|terms| {
                let joined = terms.iter().map(Term::text).collect::<Vec<_>>().join(" ");
                if self.grouped && terms.len() > 1 {
                    format!("({joined})")
                } else {
                    joined
                }
            })
            .collect::<Vec<_>>()
            .join(" | ")
    }

    fn holds(&self, category: usize, o: &Object) -> bool {
        self.alternatives
            .iter()
            .any(|terms| terms.iter().all(|t| t.holds(category, o)))
    }
}

/// A config's namespace is its own, else its `namespace` tag.
fn effective_namespace(category: usize, o: &Object) -> Option<String> {
    o.namespace.clone().or_else(|| {
        if category == CONFIG {
            o.tags.get("namespace").cloned()
        } else {
            None
        }
    })
}

/// The value of a search field (`name`, `type`, `tags.env`, ...); playbooks carry no tags
/// or labels.
fn search_field(category: usize, o: &Object, field: &str) -> Option<String> {
    let maps = category != PLAYBOOK;
    match field.split_once('.') {
        Some(("tags", key)) if maps => o.tags.get(key).cloned(),
        Some(("labels", key)) if maps => o.labels.get(key).cloned(),
        Some(_) => None,
        None => catalog_fields(category, o).remove(field),
    }
}

/// The catalog fields `fieldSelector` and `search` read, those the object has.
fn catalog_fields(category: usize, o: &Object) -> BTreeMap<String, String> {
    [
        ("name", Some(o.name.clone())),
        ("type", o.kind.clone()),
        ("status", o.status.clone()),
        ("health", o.health.clone()),
        ("namespace", effective_namespace(category, o)),
    ]
    .into_iter()
    .filter_map(|(k, v)| Some((k.to_string(), v?)))
    .collect()
}

impl Selector {
    pub fn is_wildcard(&self) -> bool {
        let name_star = matches!(self.name.as_deref(), Some([(false, Glob::Any)]));
        name_star
            && self.id.is_none()
            && self.namespace.is_none()
            && self.types.is_none()
            && self.agent.is_none()
            && self.statuses.is_none()
            && self.health.is_none()
            && self.tags.is_none()
            && self.labels.is_none()
            && self.fields.is_none()
            && self.search.is_none()
    }
}

/// An object as the reference sees it.
#[derive(Clone, Debug, Default)]
pub struct Object {
    pub id: Option<String>,
    pub name: String,
    pub namespace: Option<String>,
    pub kind: Option<String>,
    pub agent_id: Option<String>,
    pub agent_name: Option<String>,
    pub status: Option<String>,
    pub health: Option<String>,
    pub tags: BTreeMap<String, String>,
    pub labels: BTreeMap<String, String>,
}

impl Object {
    /// The attributes a request (or a table row) describes the object by.
    pub fn attributes(&self) -> rampart_runtime::ObjectAttributes {
        rampart_runtime::ObjectAttributes {
            id: self.id.clone(),
            name: Some(self.name.clone()),
            namespace: self.namespace.clone(),
            object_type: self.kind.clone(),
            agent: self.agent_id.clone(),
            status: self.status.clone(),
            health: self.health.clone(),
            tags: self.tags.clone(),
            labels: self.labels.clone(),
            ..rampart_runtime::ObjectAttributes::default()
        }
    }
}

/// Categories in the order playbook, config, component, connection.
pub const PLAYBOOK: usize = 0;
pub const CONFIG: usize = 1;
pub const COMPONENT: usize = 2;

fn field(p: &Option<Pattern>, value: Option<&str>) -> bool {
    p.as_ref()
        .is_none_or(|p| pattern_matches(p, &[value.unwrap_or("")]))
}

pub fn selector_matches(s: &Selector, category: usize, o: &Object) -> bool {
    let namespace = effective_namespace(category, o);
    let (tags, labels) = if category == PLAYBOOK {
        (None, None)
    } else {
        (Some(&o.tags), Some(&o.labels))
    };
    let agents: Vec<&str> = match (&o.agent_id, &o.agent_name) {
        (None, None) => vec![""],
        (a, b) => a.iter().chain(b.iter()).map(String::as_str).collect(),
    };
    field(&s.id, o.id.as_deref())
        && field(&s.name, Some(&o.name))
        && field(&s.namespace, namespace.as_deref())
        && field(&s.types, o.kind.as_deref())
        && field(&s.statuses, o.status.as_deref())
        && field(&s.health, o.health.as_deref())
        && s.agent.as_ref().is_none_or(|p| pattern_matches(p, &agents))
        && s.tags.iter().flatten().all(|r| r.holds(tags))
        && s.labels.iter().flatten().all(|r| r.holds(labels))
        && s.fields
            .iter()
            .flatten()
            .all(|r| r.holds(Some(&catalog_fields(category, o))))
        && s.search.as_ref().is_none_or(|q| q.holds(category, o))
}

/// Who a permission is for.
#[derive(Clone, Debug)]
pub enum Subject {
    /// Person index, and the spelling used in the document.
    Person(usize, String),
    Team(usize, String),
    Group(String),
    Notification(usize),
    Playbook(usize),
}

/// A Permission document in structured form.
#[derive(Clone, Debug)]
pub struct Permission {
    pub name: String,
    pub subject: Subject,
    pub actions: Vec<String>,
    pub deny: bool,
    pub mcp: bool,
    pub categories: [Option<Vec<Selector>>; 4],
    pub agents: Option<Vec<String>>,
    pub tags: Option<Vec<(String, String)>>,
    /// `object.scopes`: indexes into [`World::scopes`], each with whether the reference
    /// also writes the scope's `id`. When set, `categories` are all `None` and `mcp` false.
    pub scopes: Option<Vec<(usize, bool)>>,
}

/// The kind of a Scope target the generator writes (`canary` and `global` targets are
/// refused where referenced, and tested by `compiler/tests/scopes.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetKind {
    Config,
    Component,
    Playbook,
    View,
}

impl TargetKind {
    pub fn key(self) -> &'static str {
        match self {
            TargetKind::Config => "config",
            TargetKind::Component => "component",
            TargetKind::Playbook => "playbook",
            TargetKind::View => "view",
        }
    }
}

/// One target of a Scope in structured form: upstream's four selector fields.
#[derive(Clone, Debug)]
pub struct ScopeTarget {
    pub kind: TargetKind,
    /// An agent as written: its exact name, or an id.
    pub agent: Option<String>,
    pub namespace: Option<Pattern>,
    pub name: Option<Pattern>,
    pub tags: Option<Vec<Req>>,
}

/// A Scope document in structured form.
#[derive(Clone, Debug)]
pub struct Scope {
    pub namespace: String,
    pub name: String,
    /// `metadata.uid`.
    pub uid: Option<String>,
    pub targets: Vec<ScopeTarget>,
}

/// A PermissionGroup in structured form.
#[derive(Clone, Debug, Default)]
pub struct Group {
    pub name: String,
    pub people: Vec<String>,
    pub teams: Vec<String>,
    /// `(namespace, name)`; name may be `*`, namespace optional.
    pub notifications: Vec<(Option<String>, String)>,
    pub playbooks: Vec<(Option<String>, String)>,
}

/// A person of the generated catalog.
#[derive(Clone, Debug)]
pub struct Person {
    pub id: String,
    pub email: String,
    pub name: String,
    pub roles: Vec<String>,
    pub teams: Vec<usize>,
}

/// The generated world.
#[derive(Clone, Debug, Default)]
pub struct World {
    pub people: Vec<Person>,
    pub teams: Vec<(String, String)>,
    pub agents: Vec<(String, String)>,
    /// `[playbooks, configs, components, connections]`.
    pub objects: [Vec<Object>; 4],
    /// Notifications: `(namespace, name)`.
    pub notifications: Vec<(String, String)>,
    pub groups: Vec<Group>,
    pub permissions: Vec<Permission>,
    pub scopes: Vec<Scope>,
}

/// A principal of a request.
#[derive(Clone, Debug)]
pub enum Principal {
    Person(usize),
    Playbook(usize),
    Notification(usize),
}

/// What a request targets.
#[derive(Clone, Debug)]
pub enum Target {
    Objects([Option<Object>; 4]),
    Global(String),
}

/// The built-in roles: (role, objects, actions, deny).
const ROLE_POLICIES: &[(&str, &[&str], &[&str], bool)] = &[
    ("everyone", &["database.kratos"], &["*"], true),
    ("admin", &["*"], &["*"], false),
    (
        "viewer",
        &[
            "database.public",
            "canaries",
            "catalog",
            "playbooks",
            "topology",
            "people",
            "application",
            "views",
        ],
        &["read"],
        false,
    ),
    (
        "commander",
        &["incident"],
        &["create", "read", "update", "delete"],
        false,
    ),
    (
        "responder",
        &["incident"],
        &["create", "read", "update", "delete"],
        false,
    ),
    (
        "editor",
        &[
            "canaries",
            "catalog",
            "topology",
            "playbooks",
            "kubernetes-proxy",
            "notification",
            "application",
            "connection",
        ],
        &["create", "read", "update", "delete"],
        false,
    ),
    ("editor", &["connection-detail"], &["read"], false),
    ("agent", &["playbooks", "database.public"], &["read"], false),
    (
        "agent",
        &["agent-push"],
        &["create", "read", "update"],
        false,
    ),
    ("agent", &["topology"], &["create", "update"], false),
];

const ROLE_INHERITS: &[(&str, &str)] = &[
    ("admin", "everyone"),
    ("guest", "everyone"),
    ("commander", "viewer"),
    ("responder", "viewer"),
    ("editor", "viewer"),
];

const CATEGORY_GLOBALS: [&str; 4] = ["playbooks", "catalog", "topology", "connection"];

/// Does `item` (no `!`) cover `action`?
fn covers(item: &str, action: &str) -> bool {
    let item = item.to_lowercase();
    match item.as_str() {
        "*" => true,
        "playbook:*" => matches!(
            action,
            "playbook:run" | "playbook:approve" | "playbook:cancel"
        ),
        "mcp:*" => matches!(action, "mcp:run" | "mcp:use"),
        "write" => matches!(action, "write" | "create" | "update"),
        other => match other
            .strip_suffix(":*")
            .and_then(|p| p.strip_prefix("invoke:"))
        {
            Some(plugin) => action
                .strip_prefix("invoke:")
                .and_then(|r| r.split_once(':'))
                .is_some_and(|(p, _)| p == plugin),
            None => other == action,
        },
    }
}

/// Whether a permission's `actions` cover `action`, in an allow (`deny` false) or a deny:
/// Mission Control adds a rule for a `*` or `invoke:<plugin>:*` item as written, so in a
/// deny an exclusion such an item covers excludes nothing.
pub fn actions_match(actions: &[String], action: &str, deny: bool) -> bool {
    let all: Vec<&str> = actions
        .iter()
        .flat_map(|a| a.split(','))
        .map(str::trim)
        .collect();
    let literal = |positive: &str, excluded: &str| {
        positive == "*"
            || positive
                .strip_suffix('*')
                .filter(|p| p.starts_with("invoke:") && p.matches(':').count() == 2)
                .is_some_and(|prefix| excluded.to_ascii_lowercase().starts_with(prefix))
    };
    let items: Vec<&str> = all
        .iter()
        .copied()
        .filter(|i| {
            !deny
                || !i.strip_prefix('!').is_some_and(|x| {
                    all.iter()
                        .any(|p| !p.starts_with('!') && literal(&p.to_ascii_lowercase(), x))
                })
        })
        .collect();
    if items
        .iter()
        .any(|i| i.strip_prefix('!').is_some_and(|x| covers(x, action)))
    {
        return false;
    }
    let positives: Vec<&&str> = items.iter().filter(|i| !i.starts_with('!')).collect();
    positives.is_empty() || positives.iter().any(|i| covers(i, action))
}

impl World {
    /// The name the tables know a principal by.
    pub fn subject_name(&self, p: &Principal) -> String {
        match p {
            Principal::Person(i) => self.people[*i].email.clone(),
            Principal::Playbook(i) => {
                let o = &self.objects[PLAYBOOK][*i];
                format!(
                    "playbook:{}/{}",
                    o.namespace.clone().unwrap_or_default(),
                    o.name
                )
            }
            Principal::Notification(i) => format!(
                "notification:{}/{}",
                self.notifications[*i].0, self.notifications[*i].1
            ),
        }
    }

    /// Every principal.
    pub fn principals(&self) -> Vec<Principal> {
        (0..self.people.len())
            .map(Principal::Person)
            .chain((0..self.objects[PLAYBOOK].len()).map(Principal::Playbook))
            .chain((0..self.notifications.len()).map(Principal::Notification))
            .collect()
    }

    /// The key a known object is named by: `namespace/name` for playbooks and
    /// connections, the id for configs and components.
    pub fn object_key(&self, c: usize, i: usize) -> String {
        let o = &self.objects[c][i];
        match c {
            PLAYBOOK | 3 => format!("{}/{}", o.namespace.clone().unwrap_or_default(), o.name),
            _ => o.id.clone().unwrap_or_default(),
        }
    }

    fn person_roles(&self, p: usize) -> Vec<String> {
        let mut roles: Vec<String> = self.people[p].roles.clone();
        roles.push("everyone".into());
        let inherited: Vec<String> = roles
            .iter()
            .filter_map(|r| {
                ROLE_INHERITS
                    .iter()
                    .find(|(a, _)| a == r)
                    .map(|(_, b)| b.to_string())
            })
            .collect();
        roles.extend(inherited);
        roles
    }

    fn person_in_group(&self, p: usize, g: &Group) -> bool {
        let person = &self.people[p];
        g.people
            .iter()
            .any(|k| k == "*" || *k == person.email || *k == person.id || *k == person.name)
            || g.teams
                .iter()
                .any(|t| person.teams.iter().any(|pt| self.teams[*pt].0 == *t))
    }

    fn service_in(list: &[(Option<String>, String)], ns: &str, name: &str) -> bool {
        list.iter().any(|(gns, gname)| {
            gns.as_deref().is_none_or(|x| x == ns) && (gname == "*" || gname == name)
        })
    }

    /// Whether the principal is the permission's subject, directly or by membership.
    fn is_subject(&self, principal: &Principal, subject: &Subject) -> bool {
        match (principal, subject) {
            (Principal::Person(p), Subject::Person(q, _)) => p == q,
            (Principal::Person(p), Subject::Team(t, _)) => self.people[*p].teams.contains(t),
            (Principal::Person(p), Subject::Group(g)) => {
                self.person_roles(*p).contains(g)
                    || self
                        .groups
                        .iter()
                        .any(|grp| grp.name == *g && self.person_in_group(*p, grp))
            }
            (Principal::Playbook(i), Subject::Playbook(j)) => i == j,
            (Principal::Notification(i), Subject::Notification(j)) => i == j,
            (Principal::Playbook(i), Subject::Group(g)) => {
                let o = &self.objects[PLAYBOOK][*i];
                let ns = o.namespace.clone().unwrap_or_default();
                self.groups
                    .iter()
                    .any(|grp| grp.name == *g && Self::service_in(&grp.playbooks, &ns, &o.name))
            }
            (Principal::Notification(i), Subject::Group(g)) => {
                let (ns, name) = &self.notifications[*i];
                self.groups
                    .iter()
                    .any(|grp| grp.name == *g && Self::service_in(&grp.notifications, ns, name))
            }
            _ => false,
        }
    }

    /// Whether the principal is the permission's subject for this permission's kind: a
    /// deny on `everyone` or on a group of every person also reaches notifications and
    /// playbooks acting as services (an allow on them reaches people only).
    fn is_subject_of(&self, principal: &Principal, perm: &Permission) -> bool {
        if self.is_subject(principal, &perm.subject) {
            return true;
        }
        let service = matches!(
            principal,
            Principal::Playbook(_) | Principal::Notification(_)
        );
        match &perm.subject {
            Subject::Group(g) if perm.deny && service => {
                g == "everyone"
                    || self
                        .groups
                        .iter()
                        .any(|grp| grp.name == *g && grp.people.iter().any(|k| k == "*"))
            }
            _ => false,
        }
    }

    /// The agent a Scope target names, as upstream stores it: a name resolved to the
    /// agent's id (exact, case-sensitive), anything else kept as written (an id).
    fn scope_agent(&self, written: &str) -> String {
        self.agents
            .iter()
            .find(|(_, name)| name == written)
            .map_or_else(|| written.to_string(), |(id, _)| id.clone())
    }

    /// Upstream's `ExpandPermissionScopes`, restated: every target of every referenced
    /// scope is an object of its own holding only that target's selector, and the
    /// permission matches when one of them does. A target constrains its category only:
    /// the request must name an object of that category, which the target selects. A
    /// `view` target matches no request Rampart decides; a scope target is never a
    /// global object.
    fn scopes_match(&self, references: &[(usize, bool)], objects: &[Option<Object>; 4]) -> bool {
        references.iter().any(|(s, _)| {
            self.scopes[*s].targets.iter().any(|t| {
                let category = match t.kind {
                    TargetKind::Playbook => PLAYBOOK,
                    TargetKind::Config => CONFIG,
                    TargetKind::Component => COMPONENT,
                    TargetKind::View => return false,
                };
                objects[category]
                    .as_ref()
                    .is_some_and(|o| self.scope_target_matches(t, category, o))
            })
        })
    }

    /// A Scope target's selector: every field present holds. `agent` is the object's
    /// agent id (after the target's agent name is resolved); `namespace` a config's own
    /// namespace or else its `namespace` tag; playbooks carry no tags.
    fn scope_target_matches(&self, t: &ScopeTarget, category: usize, o: &Object) -> bool {
        let agent = t.agent.as_ref().is_none_or(|a| {
            let id = self.scope_agent(a);
            o.agent_id.as_deref().is_some_and(|x| fold(x) == fold(&id))
        });
        let namespace = effective_namespace(category, o);
        let tags = (category != PLAYBOOK).then_some(&o.tags);
        agent
            && field(&t.namespace, namespace.as_deref())
            && field(&t.name, Some(&o.name))
            && t.tags.iter().flatten().all(|r| r.holds(tags))
    }

    fn permission_matches(&self, perm: &Permission, target: &Target) -> bool {
        match target {
            Target::Global(g) => {
                if perm.mcp {
                    return g == "mcp";
                }
                let named: Vec<usize> = (0..4).filter(|c| perm.categories[*c].is_some()).collect();
                match named.as_slice() {
                    [c] => {
                        let sels = perm.categories[*c]
                            .as_ref()
                            .map(Vec::as_slice)
                            .unwrap_or(&[]);
                        sels.len() == 1
                            && sels[0].is_wildcard()
                            && (perm.deny || (perm.agents.is_none() && perm.tags.is_none()))
                            && CATEGORY_GLOBALS[*c] == g
                    }
                    _ => false,
                }
            }
            Target::Objects(objects) => {
                if perm.mcp {
                    return false;
                }
                if let Some(references) = &perm.scopes {
                    if !self.scopes_match(references, objects) {
                        return false;
                    }
                }
                for c in 0..4 {
                    if let Some(selectors) = &perm.categories[c] {
                        match &objects[c] {
                            None => return false,
                            Some(o) => {
                                if !selectors.iter().any(|s| selector_matches(s, c, o)) {
                                    return false;
                                }
                            }
                        }
                    }
                }
                for c in [CONFIG, COMPONENT] {
                    // A deny is not narrowed (docs/semantics.md).
                    if perm.deny {
                        continue;
                    }
                    if let Some(o) = &objects[c] {
                        if let Some(agents) = &perm.agents {
                            let ok = agents.iter().any(|a| {
                                o.agent_id.as_deref().is_some_and(|x| fold(x) == fold(a))
                                    || o.agent_name.as_deref().is_some_and(|x| fold(x) == fold(a))
                            });
                            if !ok {
                                return false;
                            }
                        }
                        for (k, v) in perm.tags.iter().flatten() {
                            let carried = o.tags.get(k).is_some_and(|x| fold(x) == fold(v));
                            if !carried {
                                return false;
                            }
                        }
                    }
                }
                true
            }
        }
    }

    /// A request naming no object matches only a role policy on `*` (admin): every
    /// Permission names objects or `mcp`, so none of them can.
    fn role_policy_matches(objects: &[&str], target: &Target) -> bool {
        match target {
            Target::Global(g) => objects.contains(&"*") || objects.contains(&g.as_str()),
            Target::Objects(o) => {
                objects.contains(&"*")
                    || (0..4).any(|c| o[c].is_some() && objects.contains(&CATEGORY_GLOBALS[c]))
            }
        }
    }

    /// The permissions that match (for failure messages).
    pub fn matching_permissions(
        &self,
        principal: &Principal,
        action: &str,
        target: &Target,
    ) -> Vec<String> {
        self.permissions
            .iter()
            .filter(|perm| {
                self.is_subject_of(principal, perm)
                    && actions_match(&perm.actions, action, perm.deny)
                    && self.permission_matches(perm, target)
            })
            .map(|perm| format!("{} {perm:?}", if perm.deny { "deny" } else { "allow" }))
            .collect()
    }

    /// How many permissions with `object.scopes` match the request (a measure of how much
    /// of the generated traffic is decided through scopes).
    pub fn scoped_matches(&self, principal: &Principal, action: &str, target: &Target) -> usize {
        self.permissions
            .iter()
            .filter(|perm| {
                perm.scopes.is_some()
                    && self.is_subject_of(principal, perm)
                    && actions_match(&perm.actions, action, perm.deny)
                    && self.permission_matches(perm, target)
            })
            .count()
    }

    /// The reference decision.
    pub fn decide(&self, principal: &Principal, action: &str, target: &Target) -> bool {
        let (allow, deny) = self.verdict(principal, action, target);
        allow && !deny
    }

    /// Whether some allow rule, and whether some deny rule, matches.
    pub fn verdict(&self, principal: &Principal, action: &str, target: &Target) -> (bool, bool) {
        let mut allow = false;
        let mut deny = false;
        for perm in &self.permissions {
            if self.is_subject_of(principal, perm)
                && actions_match(&perm.actions, action, perm.deny)
                && self.permission_matches(perm, target)
            {
                if perm.deny {
                    deny = true;
                } else {
                    allow = true;
                }
            }
        }
        // People hold their roles; services hold only the denies of `everyone`.
        let roles = match principal {
            Principal::Person(p) => self.person_roles(*p),
            _ => vec!["everyone".to_string()],
        };
        for (role, objects, actions, is_deny) in ROLE_POLICIES {
            if (*is_deny || matches!(principal, Principal::Person(_)))
                && roles.iter().any(|r| r == role)
                && actions.iter().any(|a| covers(a, action))
                && Self::role_policy_matches(objects, target)
            {
                if *is_deny {
                    deny = true;
                } else {
                    allow = true;
                }
            }
        }
        (allow, deny)
    }
}
