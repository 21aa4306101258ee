//! The synthetic workload: people in 1–3 teams, groups of teams and people, configs over
//! 200 namespaces with Kubernetes and AWS types and `env` tags, connections of several
//! types, and permissions mixing person/team/group subjects, actions (with `*` and
//! `playbook:*`), selectors (exact names, `*`, namespaces, types, tag selectors,
//! playbook + config pairs) and about 10 % deny rules; about one permission in twelve
//! references Scopes (`object.scopes`) whose targets select configs (by namespace, env tag
//! or name) and playbooks (by name or namespace).
//!
//! The generator also decides every request it writes with its own reference evaluator,
//! which works from the generated model (never from tables): [`Workload`] is an
//! [`Oracle`], so `rampart check --batch` can be compared against it, and the tables can
//! be compared in process with [`rampart_compiler::oracle::disagreements`].

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use rampart_compiler::oracle::Oracle;
use rampart_runtime::json::request::{JsonObject, JsonObjects, JsonRequest};
use rampart_runtime::{Category, ObjectAttributes};

use crate::random::Random;

/// Workload sizes of DESIGN section 7.
#[derive(Clone, Copy, Debug)]
pub struct Size {
    pub people: usize,
    pub teams: usize,
    pub groups: usize,
    pub playbooks: usize,
    pub configs: usize,
    pub connections: usize,
    pub permissions: usize,
    pub requests: usize,
}

impl Size {
    /// `small`, `default` or `large`.
    pub fn named(name: &str) -> Option<Size> {
        let small = Size {
            people: 10_000,
            teams: 500,
            groups: 50,
            playbooks: 1_000,
            configs: 100_000,
            connections: 2_000,
            permissions: 100,
            requests: 10_000,
        };
        match name {
            "small" => Some(small),
            "default" => Some(Size {
                permissions: 5_000,
                ..small
            }),
            "large" => Some(Size {
                people: 100_000,
                teams: 5_000,
                groups: 500,
                playbooks: 10_000,
                configs: 1_000_000,
                connections: 20_000,
                permissions: 50_000,
                requests: 10_000,
            }),
            "tiny" => Some(Size {
                people: 200,
                teams: 20,
                groups: 5,
                playbooks: 50,
                configs: 2_000,
                connections: 50,
                permissions: 60,
                requests: 2_000,
            }),
            _ => None,
        }
    }
}

pub const NAMESPACES: usize = 200;
pub const CONFIG_TYPES: [&str; 6] = [
    "Kubernetes::Pod",
    "Kubernetes::Deployment",
    "Kubernetes::Service",
    "AWS::EC2::Instance",
    "AWS::S3::Bucket",
    "AWS::RDS::DBInstance",
];
pub const CONNECTION_TYPES: [&str; 5] = ["aws", "aws-s3", "postgres", "slack", "http"];
pub const ENVS: [&str; 3] = ["prod", "staging", "dev"];
const ACTION_SETS: [&[&str]; 7] = [
    &["read"],
    &["playbook:*"],
    &["playbook:run"],
    &["*"],
    &["read", "update"],
    &["delete"],
    &["read", "playbook:run"],
];
/// Actions requests ask for.
pub const REQUEST_ACTIONS: [&str; 6] = [
    "read",
    "update",
    "delete",
    "playbook:run",
    "playbook:approve",
    "create",
];

/// Who a permission is for.
#[derive(Clone, Debug)]
pub enum Subject {
    Person(usize),
    Team(usize),
    Group(usize),
}

/// What a permission selects.
#[derive(Clone, Debug)]
pub enum Selection {
    ConfigName(usize),
    ConfigNamespace(usize),
    ConfigType(usize),
    ConfigEnv(usize),
    AllConfigs,
    /// A playbook by name, on configs of a namespace.
    PlaybookOnNamespace(usize, usize),
    /// Any playbook, on configs with an env tag.
    AnyPlaybookOnEnv(usize),
    ConnectionType(usize),
    /// `object.scopes`: indexes into [`Workload::scopes`].
    Scopes(Vec<usize>),
}

/// One target of a generated Scope.
#[derive(Clone, Copy, Debug)]
pub enum ScopeTarget {
    /// `config: {namespace: ns-N}`.
    ConfigNamespace(usize),
    /// `config: {tagSelector: env=E}`.
    ConfigEnv(usize),
    /// `config: {name: config-N}`.
    ConfigName(usize),
    /// `playbook: {namespace: ns-N, name: playbook-P}`.
    Playbook(usize),
    /// `playbook: {namespace: ns-N}`.
    PlaybookNamespace(usize),
}

/// The namespace of every generated Scope.
pub const SCOPE_NAMESPACE: &str = "default";

/// One generated permission.
#[derive(Clone, Debug)]
pub struct Permission {
    pub subject: Subject,
    pub actions: &'static [&'static str],
    pub deny: bool,
    pub selection: Selection,
}

/// A config: namespace, type, env.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    pub namespace: usize,
    pub kind: usize,
    pub env: usize,
}

/// The generated world.
pub struct Workload {
    pub size: Size,
    pub person_teams: Vec<Vec<usize>>,
    /// Groups: (teams, people).
    pub groups: Vec<(Vec<usize>, Vec<usize>)>,
    pub configs: Vec<Config>,
    pub playbook_namespace: Vec<usize>,
    pub connection_type: Vec<usize>,
    pub connection_namespace: Vec<usize>,
    pub permissions: Vec<Permission>,
    /// Scopes (`scope-<i>` in [`SCOPE_NAMESPACE`]): their targets.
    pub scopes: Vec<Vec<ScopeTarget>>,
    /// Per person: the groups they are in (directly or through a team).
    pub person_groups: Vec<Vec<usize>>,
}

/// A generated request (the oracle decides it: [`Workload`] implements [`Oracle`]).
#[derive(Clone, Debug)]
pub struct GeneratedRequest {
    pub person: usize,
    pub action: &'static str,
    pub playbook: Option<usize>,
    pub config: Option<usize>,
    pub connection: Option<usize>,
}

impl Workload {
    /// Generates the world for `size` from `seed`.
    pub fn generate(size: Size, seed: u64) -> Workload {
        let mut r = Random::new(seed);
        let person_teams: Vec<Vec<usize>> = (0..size.people)
            .map(|_| {
                let n = 1 + r.below(3);
                let teams: BTreeSet<usize> = (0..n).map(|_| r.below(size.teams)).collect();
                teams.into_iter().collect()
            })
            .collect();
        let groups: Vec<(Vec<usize>, Vec<usize>)> = (0..size.groups)
            .map(|_| {
                let teams: BTreeSet<usize> = (0..5).map(|_| r.below(size.teams)).collect();
                let people: BTreeSet<usize> = (0..10).map(|_| r.below(size.people)).collect();
                (teams.into_iter().collect(), people.into_iter().collect())
            })
            .collect();
        let configs = (0..size.configs)
            .map(|_| Config {
                namespace: r.below(NAMESPACES),
                kind: r.below(CONFIG_TYPES.len()),
                env: r.below(ENVS.len()),
            })
            .collect();
        let playbook_namespace = (0..size.playbooks).map(|_| r.below(NAMESPACES)).collect();
        let connection_type = (0..size.connections)
            .map(|_| r.below(CONNECTION_TYPES.len()))
            .collect();
        let connection_namespace = (0..size.connections).map(|_| r.below(NAMESPACES)).collect();
        let permissions: Vec<Permission> = (0..size.permissions)
            .map(|_| {
                let subject = match r.below(10) {
                    0..=3 => Subject::Person(r.below(size.people)),
                    4..=7 => Subject::Team(r.below(size.teams)),
                    _ => Subject::Group(r.below(size.groups)),
                };
                let selection = match r.below(16) {
                    0..=3 => Selection::ConfigName(r.below(size.configs)),
                    4..=5 => Selection::ConfigNamespace(r.below(NAMESPACES)),
                    6 => Selection::ConfigType(r.below(CONFIG_TYPES.len())),
                    7 => Selection::ConfigEnv(r.below(ENVS.len())),
                    8 => Selection::AllConfigs,
                    9..=11 => {
                        Selection::PlaybookOnNamespace(r.below(size.playbooks), r.below(NAMESPACES))
                    }
                    12 => Selection::AnyPlaybookOnEnv(r.below(ENVS.len())),
                    _ => Selection::ConnectionType(r.below(CONNECTION_TYPES.len())),
                };
                let actions = match selection {
                    Selection::PlaybookOnNamespace(..) | Selection::AnyPlaybookOnEnv(_) => {
                        *r.pick(&[&["playbook:*"][..], &["playbook:run"], &["*"]])
                    }
                    _ => *r.pick(&ACTION_SETS),
                };
                Permission {
                    subject,
                    actions,
                    deny: r.chance(10),
                    selection,
                }
            })
            .collect();
        // Scopes from a stream of their own, so the rest of the world is the same with
        // or without them.
        let mut permissions = permissions;
        let mut sr = Random::new(seed ^ 0x5C09_E5C0_9E5C_09E5);
        let scopes: Vec<Vec<ScopeTarget>> = (0..(size.permissions / 25).max(2))
            .map(|_| {
                (0..1 + sr.below(3))
                    .map(|_| match sr.below(8) {
                        0..=1 => ScopeTarget::ConfigNamespace(sr.below(NAMESPACES)),
                        2 => ScopeTarget::ConfigEnv(sr.below(ENVS.len())),
                        3..=4 => ScopeTarget::ConfigName(sr.below(size.configs)),
                        5..=6 => ScopeTarget::Playbook(sr.below(size.playbooks)),
                        _ => ScopeTarget::PlaybookNamespace(sr.below(NAMESPACES)),
                    })
                    .collect()
            })
            .collect();
        for p in &mut permissions {
            if sr.chance(8) {
                let first = sr.below(scopes.len());
                let second = sr.below(scopes.len());
                p.selection = Selection::Scopes(if sr.chance(40) && second != first {
                    vec![first, second]
                } else {
                    vec![first]
                });
                p.actions = *sr.pick(&ACTION_SETS);
            }
        }
        let mut person_groups = vec![Vec::new(); size.people];
        for (g, (teams, people)) in groups.iter().enumerate() {
            for p in people {
                person_groups[*p].push(g);
            }
            for (p, pt) in person_teams.iter().enumerate() {
                if pt.iter().any(|t| teams.contains(t)) {
                    person_groups[p].push(g);
                }
            }
        }
        for g in &mut person_groups {
            g.sort_unstable();
            g.dedup();
        }
        Workload {
            size,
            person_teams,
            groups,
            configs,
            playbook_namespace,
            connection_type,
            connection_namespace,
            permissions,
            scopes,
            person_groups,
        }
    }

    pub(crate) fn is_subject(&self, person: usize, subject: &Subject) -> bool {
        match subject {
            Subject::Person(p) => *p == person,
            Subject::Team(t) => self.person_teams[person].contains(t),
            Subject::Group(g) => self.person_groups[person].binary_search(g).is_ok(),
        }
    }

    fn grants(actions: &[&str], action: &str) -> bool {
        actions.iter().any(|a| match *a {
            "*" => true,
            "playbook:*" => action.starts_with("playbook:"),
            other => other == action,
        })
    }

    fn selects(
        &self,
        s: &Selection,
        playbook: Option<usize>,
        config: Option<usize>,
        connection: Option<usize>,
    ) -> bool {
        let cfg = |c: Option<usize>| c.map(|c| self.configs[c]);
        match s {
            Selection::ConfigName(n) => config == Some(*n),
            Selection::ConfigNamespace(ns) => cfg(config).is_some_and(|c| c.namespace == *ns),
            Selection::ConfigType(k) => cfg(config).is_some_and(|c| c.kind == *k),
            Selection::ConfigEnv(e) => cfg(config).is_some_and(|c| c.env == *e),
            Selection::AllConfigs => config.is_some(),
            Selection::PlaybookOnNamespace(p, ns) => {
                playbook == Some(*p) && cfg(config).is_some_and(|c| c.namespace == *ns)
            }
            Selection::AnyPlaybookOnEnv(e) => {
                playbook.is_some() && cfg(config).is_some_and(|c| c.env == *e)
            }
            Selection::ConnectionType(k) => {
                connection.is_some_and(|n| self.connection_type[n] == *k)
            }
            // Upstream's expansion: every target of every scope is an object of its own,
            // constraining only its category; they OR.
            Selection::Scopes(list) => list.iter().any(|s| {
                self.scopes[*s]
                    .iter()
                    .any(|t| self.scope_target_selects(*t, playbook, config))
            }),
        }
    }

    /// Whether one Scope target selects the request's object of its category.
    fn scope_target_selects(
        &self,
        t: ScopeTarget,
        playbook: Option<usize>,
        config: Option<usize>,
    ) -> bool {
        let cfg = config.map(|c| self.configs[c]);
        match t {
            ScopeTarget::ConfigNamespace(ns) => cfg.is_some_and(|c| c.namespace == ns),
            ScopeTarget::ConfigEnv(e) => cfg.is_some_and(|c| c.env == e),
            ScopeTarget::ConfigName(n) => config == Some(n),
            ScopeTarget::Playbook(p) => playbook == Some(p),
            ScopeTarget::PlaybookNamespace(ns) => {
                playbook.is_some_and(|p| self.playbook_namespace[p] == ns)
            }
        }
    }

    /// The reference decision: some allow and no deny among the permissions that match.
    pub fn decide(
        &self,
        person: usize,
        action: &str,
        playbook: Option<usize>,
        config: Option<usize>,
        connection: Option<usize>,
    ) -> bool {
        let mut allow = false;
        for p in &self.permissions {
            if self.is_subject(person, &p.subject)
                && Self::grants(p.actions, action)
                && self.selects(&p.selection, playbook, config, connection)
            {
                if p.deny {
                    return false;
                }
                allow = true;
            }
        }
        allow
    }

    /// Whether a permission with `object.scopes` matches the request (how much of the
    /// stream scopes decide).
    pub fn matched_through_scopes(&self, q: &GeneratedRequest) -> bool {
        self.permissions.iter().any(|p| {
            matches!(p.selection, Selection::Scopes(_))
                && self.is_subject(q.person, &p.subject)
                && Self::grants(p.actions, q.action)
                && self.selects(&p.selection, q.playbook, q.config, q.connection)
        })
    }

    /// A person the permission applies to.
    fn member_of(&self, r: &mut Random, subject: &Subject) -> usize {
        match subject {
            Subject::Person(p) => *p,
            Subject::Team(t) => (0..200)
                .map(|_| r.below(self.size.people))
                .find(|p| self.person_teams[*p].contains(t))
                .unwrap_or(0),
            Subject::Group(g) => self.groups[*g].1.first().copied().unwrap_or(0),
        }
    }

    fn config_where(&self, r: &mut Random, test: impl Fn(&Config) -> bool) -> usize {
        (0..400)
            .map(|_| r.below(self.size.configs))
            .find(|c| test(&self.configs[*c]))
            .unwrap_or(0)
    }

    /// Requests: about half aimed at a permission's objects, a fifth naming a playbook
    /// and a config.
    pub fn requests(&self, seed: u64) -> Vec<GeneratedRequest> {
        let mut r = Random::new(seed ^ 0x5EED);
        let mut out = Vec::with_capacity(self.size.requests);
        while out.len() < self.size.requests {
            let aimed = r.chance(60) && !self.permissions.is_empty();
            let (person, action, playbook, config, connection) = if aimed {
                let p = r.pick(&self.permissions).clone();
                let person = self.member_of(&mut r, &p.subject);
                let action = match p.actions {
                    ["*"] => *r.pick(&REQUEST_ACTIONS),
                    ["playbook:*"] => *r.pick(&["playbook:run", "playbook:approve"]),
                    list => *r.pick(list),
                };
                match p.selection {
                    Selection::ConfigName(n) => (person, action, None, Some(n), None),
                    Selection::ConfigNamespace(ns) => (
                        person,
                        action,
                        None,
                        Some(self.config_where(&mut r, |c| c.namespace == ns)),
                        None,
                    ),
                    Selection::ConfigType(k) => (
                        person,
                        action,
                        None,
                        Some(self.config_where(&mut r, |c| c.kind == k)),
                        None,
                    ),
                    Selection::ConfigEnv(e) => (
                        person,
                        action,
                        None,
                        Some(self.config_where(&mut r, |c| c.env == e)),
                        None,
                    ),
                    Selection::AllConfigs => {
                        (person, action, None, Some(r.below(self.size.configs)), None)
                    }
                    Selection::PlaybookOnNamespace(pb, ns) => (
                        person,
                        action,
                        Some(pb),
                        Some(self.config_where(&mut r, |c| c.namespace == ns)),
                        None,
                    ),
                    Selection::AnyPlaybookOnEnv(e) => (
                        person,
                        action,
                        Some(r.below(self.size.playbooks)),
                        Some(self.config_where(&mut r, |c| c.env == e)),
                        None,
                    ),
                    Selection::ConnectionType(k) => {
                        let n = (0..400)
                            .map(|_| r.below(self.size.connections))
                            .find(|n| self.connection_type[*n] == k)
                            .unwrap_or(0);
                        (person, action, None, None, Some(n))
                    }
                    Selection::Scopes(list) => {
                        let scope = &self.scopes[*r.pick(&list)];
                        let target = *r.pick(scope);
                        let (playbook, config) = self.scope_request(&mut r, target);
                        (person, action, playbook, config, None)
                    }
                }
            } else {
                let person = r.below(self.size.people);
                let action = *r.pick(&REQUEST_ACTIONS);
                match r.below(10) {
                    0..=1 => (
                        person,
                        action,
                        Some(r.below(self.size.playbooks)),
                        Some(r.below(self.size.configs)),
                        None,
                    ),
                    2 => (
                        person,
                        action,
                        None,
                        None,
                        Some(r.below(self.size.connections)),
                    ),
                    _ => (person, action, None, Some(r.below(self.size.configs)), None),
                }
            };
            out.push(GeneratedRequest {
                person,
                action,
                playbook,
                config,
                connection,
            });
        }
        out
    }

    /// A playbook and a config aimed at a Scope target: its object, and now and then an
    /// object of the other category beside it (which the target does not constrain).
    fn scope_request(&self, r: &mut Random, t: ScopeTarget) -> (Option<usize>, Option<usize>) {
        let other = r.chance(30);
        match t {
            ScopeTarget::ConfigNamespace(ns) => (
                other.then(|| r.below(self.size.playbooks)),
                Some(self.config_where(r, |c| c.namespace == ns)),
            ),
            ScopeTarget::ConfigEnv(e) => (
                other.then(|| r.below(self.size.playbooks)),
                Some(self.config_where(r, |c| c.env == e)),
            ),
            ScopeTarget::ConfigName(n) => (other.then(|| r.below(self.size.playbooks)), Some(n)),
            ScopeTarget::Playbook(p) => (Some(p), other.then(|| r.below(self.size.configs))),
            ScopeTarget::PlaybookNamespace(ns) => {
                let p = (0..400)
                    .map(|_| r.below(self.size.playbooks))
                    .find(|p| self.playbook_namespace[*p] == ns)
                    .unwrap_or(0);
                (Some(p), other.then(|| r.below(self.size.configs)))
            }
        }
    }

    /// A Scope target as the JSON (which is YAML) of its selector, under its kind.
    pub fn scope_target_json(&self, t: ScopeTarget) -> String {
        match t {
            ScopeTarget::ConfigNamespace(ns) => {
                format!(r#"{{"config":{{"namespace":"ns-{ns}"}}}}"#)
            }
            ScopeTarget::ConfigEnv(e) => {
                format!(r#"{{"config":{{"tagSelector":"env={}"}}}}"#, ENVS[e])
            }
            ScopeTarget::ConfigName(n) => format!(r#"{{"config":{{"name":"config-{n}"}}}}"#),
            ScopeTarget::Playbook(p) => format!(
                r#"{{"playbook":{{"namespace":"ns-{}","name":"playbook-{p}"}}}}"#,
                self.playbook_namespace[p]
            ),
            ScopeTarget::PlaybookNamespace(ns) => {
                format!(r#"{{"playbook":{{"namespace":"ns-{ns}"}}}}"#)
            }
        }
    }

    /// `object.scopes` for a list of scopes, as JSON.
    pub fn scope_references_json(list: &[usize]) -> String {
        let refs: Vec<String> = list
            .iter()
            .map(|s| format!(r#"{{"namespace":"{SCOPE_NAMESPACE}","name":"scope-{s}"}}"#))
            .collect();
        format!(r#"{{"scopes":[{}]}}"#, refs.join(","))
    }

    pub(crate) fn playbook_key(&self, p: usize) -> String {
        format!("ns-{}/playbook-{p}", self.playbook_namespace[p])
    }

    pub(crate) fn connection_key(&self, n: usize) -> String {
        format!("ns-{}/conn-{n}", self.connection_namespace[n])
    }

    /// The attributes of every object of `category`, as the catalog gives them.
    pub fn objects(&self, category: Category) -> Vec<ObjectAttributes> {
        match category {
            Category::Config => (0..self.configs.len())
                .map(|i| {
                    self.config_attributes(
                        &format!("cfg-{i}"),
                        &format!("config-{i}"),
                        self.configs[i],
                    )
                })
                .collect(),
            Category::Playbook => (0..self.size.playbooks)
                .map(|p| ObjectAttributes {
                    id: Some(format!("pb{p}")),
                    name: Some(format!("playbook-{p}")),
                    namespace: Some(format!("ns-{}", self.playbook_namespace[p])),
                    ..ObjectAttributes::default()
                })
                .collect(),
            Category::Connection => (0..self.size.connections)
                .map(|n| ObjectAttributes {
                    id: Some(format!("cn{n}")),
                    name: Some(format!("conn-{n}")),
                    namespace: Some(format!("ns-{}", self.connection_namespace[n])),
                    object_type: Some(CONNECTION_TYPES[self.connection_type[n]].to_string()),
                    ..ObjectAttributes::default()
                })
                .collect(),
            Category::Component => Vec::new(),
        }
    }

    /// Configs the catalog does not hold (`new-cfg-N`), drawn like the catalog's, as
    /// rows a database gains after a compile.
    pub fn fresh_configs(&self, count: usize, seed: u64) -> Vec<ObjectAttributes> {
        let mut r = Random::new(seed ^ 0xF8E5);
        (0..count)
            .map(|i| {
                let config = Config {
                    namespace: r.below(NAMESPACES),
                    kind: r.below(CONFIG_TYPES.len()),
                    env: r.below(ENVS.len()),
                };
                let name = if r.chance(20) {
                    format!("config-{}", r.below(self.size.configs))
                } else {
                    format!("new-config-{i}")
                };
                self.config_attributes(&format!("new-cfg-{i}"), &name, config)
            })
            .collect()
    }

    fn config_attributes(&self, id: &str, name: &str, c: Config) -> ObjectAttributes {
        ObjectAttributes {
            id: Some(id.to_string()),
            name: Some(name.to_string()),
            namespace: Some(format!("ns-{}", c.namespace)),
            object_type: Some(CONFIG_TYPES[c.kind].to_string()),
            tags: [("env".to_string(), ENVS[c.env].to_string())].into(),
            ..ObjectAttributes::default()
        }
    }

    /// The catalog as JSON.
    pub fn catalog_json(&self) -> String {
        let mut s = String::with_capacity(self.size.configs * 140);
        s.push_str("{\"people\":[");
        for (i, teams) in self.person_teams.iter().enumerate() {
            let teams: Vec<String> = teams.iter().map(|t| format!("\"team-{t}\"")).collect();
            let _ = write!(s, "{}{{\"id\":\"u{i}\",\"name\":\"User {i}\",\"email\":\"user{i}@example.com\",\"teams\":[{}]}}", if i > 0 { "," } else { "" }, teams.join(","));
        }
        s.push_str("],\"teams\":[");
        for t in 0..self.size.teams {
            let _ = write!(
                s,
                "{}{{\"id\":\"t{t}\",\"name\":\"team-{t}\"}}",
                if t > 0 { "," } else { "" }
            );
        }
        s.push_str("],\"playbooks\":[");
        for p in 0..self.size.playbooks {
            let _ = write!(
                s,
                "{}{{\"id\":\"pb{p}\",\"namespace\":\"ns-{}\",\"name\":\"playbook-{p}\"}}",
                if p > 0 { "," } else { "" },
                self.playbook_namespace[p]
            );
        }
        s.push_str("],\"configs\":[");
        for (i, c) in self.configs.iter().enumerate() {
            let _ = write!(
                s,
                "{}{{\"id\":\"cfg-{i}\",\"name\":\"config-{i}\",\"namespace\":\"ns-{}\",\"type\":\"{}\",\"tags\":{{\"env\":\"{}\"}}}}",
                if i > 0 { "," } else { "" },
                c.namespace,
                CONFIG_TYPES[c.kind],
                ENVS[c.env]
            );
        }
        s.push_str("],\"connections\":[");
        for n in 0..self.size.connections {
            let _ = write!(s, "{}{{\"id\":\"cn{n}\",\"namespace\":\"ns-{}\",\"name\":\"conn-{n}\",\"type\":\"{}\"}}", if n > 0 { "," } else { "" }, self.connection_namespace[n], CONNECTION_TYPES[self.connection_type[n]]);
        }
        s.push_str("]}\n");
        s
    }

    fn permission_yaml(&self, i: usize, p: &Permission, out: &mut String) {
        let subject = match p.subject {
            Subject::Person(x) => format!("person: user{x}@example.com"),
            Subject::Team(x) => format!("team: team-{x}"),
            Subject::Group(x) => format!("group: group-{x}"),
        };
        let actions: Vec<String> = p.actions.iter().map(|a| format!("\"{a}\"")).collect();
        let object = match &p.selection {
            Selection::ConfigName(n) => format!("    configs:\n      - name: config-{n}\n"),
            Selection::ConfigNamespace(ns) => format!("    configs:\n      - namespace: ns-{ns}\n"),
            Selection::ConfigType(k) => format!("    configs:\n      - types: [\"{}\"]\n", CONFIG_TYPES[*k]),
            Selection::ConfigEnv(e) => format!("    configs:\n      - tagSelector: \"env={}\"\n", ENVS[*e]),
            Selection::AllConfigs => "    configs:\n      - name: \"*\"\n".to_string(),
            Selection::PlaybookOnNamespace(pb, ns) => format!("    playbooks:\n      - name: playbook-{pb}\n        namespace: ns-{}\n    configs:\n      - namespace: ns-{ns}\n", self.playbook_namespace[*pb]),
            Selection::AnyPlaybookOnEnv(e) => format!("    playbooks:\n      - name: \"*\"\n    configs:\n      - tagSelector: \"env={}\"\n", ENVS[*e]),
            Selection::ConnectionType(k) => format!("    connections:\n      - type: {}\n", CONNECTION_TYPES[*k]),
            Selection::Scopes(list) => {
                let refs: Vec<String> = list
                    .iter()
                    .map(|s| format!("      - {{namespace: {SCOPE_NAMESPACE}, name: scope-{s}}}\n"))
                    .collect();
                format!("    scopes:\n{}", refs.concat())
            }
        };
        // A generated deny may select nothing the generated catalog holds; it says so.
        let annotations = if p.deny {
            "  annotations: {rampart.flanksource.com/allow-empty-selectors: \"true\"}\n"
        } else {
            ""
        };
        let _ = write!(
            out,
            "---\napiVersion: mission-control.flanksource.com/v1\nkind: Permission\nmetadata:\n  name: perm-{i}\n  namespace: ns-{}\n{annotations}spec:\n  subject:\n    {subject}\n  actions: [{}]\n  deny: {}\n  object:\n{object}",
            i % NAMESPACES,
            actions.join(", "),
            p.deny
        );
    }

    /// Writes `catalog.json`, `policy/*.yaml`, `requests.jsonl` and `expected.jsonl`.
    pub fn write(&self, dir: &Path, seed: u64) -> std::io::Result<()> {
        std::fs::create_dir_all(dir.join("policy"))?;
        std::fs::write(dir.join("catalog.json"), self.catalog_json())?;
        let mut groups = String::new();
        for (g, (teams, people)) in self.groups.iter().enumerate() {
            let teams: Vec<String> = teams.iter().map(|t| format!("team-{t}")).collect();
            let people: Vec<String> = people
                .iter()
                .map(|p| format!("user{p}@example.com"))
                .collect();
            let _ = write!(
                groups,
                "---\napiVersion: mission-control.flanksource.com/v1\nkind: PermissionGroup\nmetadata:\n  name: group-{g}\nspec:\n  teams: [{}]\n  people: [{}]\n",
                teams.join(", "),
                people.join(", ")
            );
        }
        std::fs::write(dir.join("policy").join("groups.yaml"), groups)?;
        let mut scopes = String::new();
        for (i, targets) in self.scopes.iter().enumerate() {
            let targets: Vec<String> = targets
                .iter()
                .map(|t| format!("    - {}\n", self.scope_target_json(*t)))
                .collect();
            let _ = write!(
                scopes,
                "---\napiVersion: mission-control.flanksource.com/v1\nkind: Scope\nmetadata:\n  name: scope-{i}\n  namespace: {SCOPE_NAMESPACE}\nspec:\n  targets:\n{}",
                targets.concat()
            );
        }
        std::fs::write(dir.join("policy").join("scopes.yaml"), scopes)?;
        for (chunk, permissions) in self.permissions.chunks(1000).enumerate() {
            let mut text = String::new();
            for (i, p) in permissions.iter().enumerate() {
                self.permission_yaml(chunk * 1000 + i, p, &mut text);
            }
            std::fs::write(
                dir.join("policy")
                    .join(format!("permissions-{chunk:03}.yaml")),
                text,
            )?;
        }
        let mut requests =
            std::io::BufWriter::new(std::fs::File::create(dir.join("requests.jsonl"))?);
        let mut expected =
            std::io::BufWriter::new(std::fs::File::create(dir.join("expected.jsonl"))?);
        for q in self.requests(seed) {
            serde_json::to_writer(&mut requests, &self.request(&q))?;
            writeln!(requests)?;
            writeln!(expected, "{{\"allowed\":{}}}", self.allowed(&q))?;
        }
        requests.flush()?;
        expected.flush()
    }
}

impl Oracle for Workload {
    type Case = GeneratedRequest;

    fn request(&self, q: &GeneratedRequest) -> JsonRequest {
        let mut objects = JsonObjects::default();
        if let Some(p) = q.playbook {
            objects.set(Category::Playbook, JsonObject::Key(self.playbook_key(p)));
        }
        if let Some(c) = q.config {
            objects.set(Category::Config, JsonObject::Key(format!("cfg-{c}")));
        }
        if let Some(n) = q.connection {
            objects.set(
                Category::Connection,
                JsonObject::Key(self.connection_key(n)),
            );
        }
        JsonRequest {
            subject: format!("user{}@example.com", q.person),
            action: q.action.to_string(),
            objects: Some(objects),
            global: None,
        }
    }

    fn allowed(&self, q: &GeneratedRequest) -> bool {
        self.decide(q.person, q.action, q.playbook, q.config, q.connection)
    }
}
