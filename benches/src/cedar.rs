//! The workload translated to Cedar (policies, entities and requests as text and JSON), so
//! that Cedar can decide the same world and the same request stream as Rampart: the
//! criterion bench of `benches/cedar/` (a workspace of its own, `rampart-cedar-bench`)
//! times both, and its `tests/agreement.rs` checks that their answers are equal. Nothing
//! here depends on Cedar's crate: `cedar-policy` turns on serde_json's `preserve_order`,
//! which inside Rampart's workspace would change the key order of Rampart's JSON.
//!
//! The translation, one Cedar policy per generated permission:
//! - effect: `permit`, or `forbid` for a deny rule; Cedar decides "some permit and no
//!   forbid", the workload's own rule;
//! - subject: a person is `principal == User::"<email>"`, a team or a group
//!   `principal in Team::"…"` / `Group::"…"`; a user's parents are their teams and the
//!   groups that name them, a team's parents the groups that name it, so Cedar's `in`
//!   walks person → team → group as Rampart's subjects do;
//! - actions: `*` leaves the action open, `playbook:*` is `action in Action::"playbook:*"`
//!   (the playbook actions are its children), a list is `action in [...]`;
//! - objects: a Cedar request has one resource, so the request's config is the resource
//!   (its playbook if it names no config, its connection if it names neither) and a
//!   playbook rides in the context (`context.playbook`, an entity with its `namespace`).
//!   Selectors are conditions on the resource's attributes (`namespace`, `config_type`,
//!   `env`, `connection_type`) or on `context.playbook`, each attribute read guarded by
//!   `resource is …` / `context has playbook`, so no policy errors (Cedar skips a policy
//!   whose condition errors, which for a `forbid` would allow what Rampart denies);
//! - `object.scopes`: the OR of every target of every referenced Scope, each target
//!   constraining only the object of its own category (upstream's expansion, which the
//!   workload's evaluator and Rampart implement).
//!
//! Where the semantics coincide: everywhere this workload reaches — exact names, `*`,
//! namespaces, types, one-tag selectors, playbook + config pairs, connections, Scopes,
//! deny rules, people, teams and groups. Where they do not (not generated here, so not
//! compared): names are matched case-insensitively by Rampart and exactly by Cedar
//! (`==` on strings and entity ids); Rampart's glob names (`config-*`) have `like` as
//! their nearest Cedar form but are not translated; an object unknown to the catalog is
//! classified from its attributes by Rampart and is an entity without attributes to
//! Cedar (its attribute reads error and the policy is skipped); an unknown subject or
//! object is an error to Rampart (never an allow) and an entity with no parents to Cedar;
//! and a condition that errors makes Cedar skip the policy, a `forbid` included, where
//! Rampart's tables have no such case (a malformed rule does not compile).

use serde_json::{json, Value};

use crate::fixture::Named;
use crate::workload::{
    GeneratedRequest, Permission, ScopeTarget, Selection, Subject, Workload, CONFIG_TYPES,
    CONNECTION_TYPES, ENVS,
};

/// One request as Cedar is asked it: entity ids by type, the playbook in the context.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CedarRequest {
    /// The person: `User::"<email>"`.
    pub principal: String,
    /// The action's id (`Action::"<action>"`).
    pub action: String,
    /// The resource's entity type: `Config`, `Playbook` or `Connection`.
    pub resource_type: &'static str,
    /// The resource's entity id.
    pub resource: String,
    /// The request's playbook (`Playbook::"<key>"`), for `context.playbook`.
    pub playbook: Option<String>,
}

impl CedarRequest {
    /// A stream request (by names) as Cedar is asked it.
    pub fn from_named(n: &Named) -> CedarRequest {
        CedarRequest {
            principal: n.subject.clone(),
            action: n.action.to_string(),
            resource_type: "Config",
            resource: n.config.clone(),
            playbook: n.playbook.clone(),
        }
    }
}

impl Workload {
    /// The permissions as one Cedar policy set (policy `p<i>` is permission `i`).
    pub fn cedar_policies(&self) -> String {
        (0..self.permissions.len())
            .map(|i| self.cedar_policy(i))
            .collect()
    }

    /// Permission `i` as a Cedar policy, with its `@id`.
    pub fn cedar_policy(&self, i: usize) -> String {
        self.permissions
            .get(i)
            .map(|p| format!("@id(\"p{i}\")\n{};\n", self.cedar_policy_body(p)))
            .unwrap_or_default()
    }

    /// The permissions that name `person`, directly, through a team or through a group:
    /// the policies a per-principal slice of the policy set keeps.
    pub fn permissions_of(&self, person: usize) -> Vec<usize> {
        self.permissions
            .iter()
            .enumerate()
            .filter(|(_, p)| self.is_subject(person, &p.subject))
            .map(|(i, _)| i)
            .collect()
    }

    fn cedar_policy_body(&self, p: &Permission) -> String {
        let effect = if p.deny { "forbid" } else { "permit" };
        let principal = match p.subject {
            Subject::Person(x) => format!("principal == User::\"user{x}@example.com\""),
            Subject::Team(x) => format!("principal in Team::\"team-{x}\""),
            Subject::Group(x) => format!("principal in Group::\"group-{x}\""),
        };
        let action = match p.actions {
            ["*"] => "action".to_string(),
            ["playbook:*"] => "action in Action::\"playbook:*\"".to_string(),
            list => {
                let list: Vec<String> = list.iter().map(|a| format!("Action::\"{a}\"")).collect();
                format!("action in [{}]", list.join(", "))
            }
        };
        let config = "resource is Config".to_string();
        let (resource, condition) = match &p.selection {
            Selection::ConfigName(n) => (format!("resource == Config::\"cfg-{n}\""), None),
            Selection::ConfigNamespace(ns) => {
                (config, Some(format!("resource.namespace == \"ns-{ns}\"")))
            }
            Selection::ConfigType(k) => (
                config,
                Some(format!("resource.config_type == \"{}\"", type_name(*k))),
            ),
            Selection::ConfigEnv(e) => (config, Some(format!("resource.env == \"{}\"", env(*e)))),
            Selection::AllConfigs => (config, None),
            Selection::PlaybookOnNamespace(pb, ns) => (
                config,
                Some(format!(
                    "context has playbook && context.playbook == Playbook::\"{}\" && resource.namespace == \"ns-{ns}\"",
                    self.playbook_key(*pb)
                )),
            ),
            Selection::AnyPlaybookOnEnv(e) => (
                config,
                Some(format!(
                    "context has playbook && resource.env == \"{}\"",
                    env(*e)
                )),
            ),
            Selection::ConnectionType(k) => (
                "resource is Connection".into(),
                Some(format!(
                    "resource.connection_type == \"{}\"",
                    CONNECTION_TYPES.get(*k).copied().unwrap_or_default()
                )),
            ),
            Selection::Scopes(list) => {
                let targets: Vec<String> = list
                    .iter()
                    .filter_map(|s| self.scopes.get(*s))
                    .flatten()
                    .map(|t| self.cedar_scope_target(*t))
                    .collect();
                // A reference to no target selects nothing (never an open resource).
                let any = if targets.is_empty() {
                    "false".to_string()
                } else {
                    targets.join(" || ")
                };
                ("resource".into(), Some(any))
            }
        };
        let condition = condition.map(|c| format!(" when {{ {c} }}"));
        format!(
            "{effect}({principal}, {action}, {resource}){}",
            condition.unwrap_or_default()
        )
    }

    /// One Scope target as a Cedar condition on the object of its own category.
    fn cedar_scope_target(&self, t: ScopeTarget) -> String {
        match t {
            ScopeTarget::ConfigNamespace(ns) => {
                format!("(resource is Config && resource.namespace == \"ns-{ns}\")")
            }
            ScopeTarget::ConfigEnv(e) => {
                format!("(resource is Config && resource.env == \"{}\")", env(e))
            }
            ScopeTarget::ConfigName(n) => format!("resource == Config::\"cfg-{n}\""),
            ScopeTarget::Playbook(p) => format!(
                "(context has playbook && context.playbook == Playbook::\"{}\")",
                self.playbook_key(p)
            ),
            ScopeTarget::PlaybookNamespace(ns) => {
                format!("(context has playbook && context.playbook.namespace == \"ns-{ns}\")")
            }
        }
    }

    /// The world as Cedar entities (JSON): users under their teams and the groups that
    /// name them, teams under the groups that name them, groups, configs, playbooks and
    /// connections with their attributes, and the playbook actions under `playbook:*`.
    pub fn cedar_entities(&self) -> Value {
        let uid = |kind: &str, id: String| json!({"type": kind, "id": id});
        let mut entities = Vec::new();
        let mut team_groups = vec![Vec::new(); self.size.teams];
        let mut person_direct_groups = vec![Vec::new(); self.size.people];
        for (g, (teams, people)) in self.groups.iter().enumerate() {
            for t in teams {
                if let Some(list) = team_groups.get_mut(*t) {
                    list.push(g);
                }
            }
            for p in people {
                if let Some(list) = person_direct_groups.get_mut(*p) {
                    list.push(g);
                }
            }
        }
        let groups = |list: &[usize]| -> Vec<Value> {
            list.iter()
                .map(|g| uid("Group", format!("group-{g}")))
                .collect()
        };
        for (p, (teams, direct)) in self
            .person_teams
            .iter()
            .zip(&person_direct_groups)
            .enumerate()
        {
            let parents: Vec<Value> = teams
                .iter()
                .map(|t| uid("Team", format!("team-{t}")))
                .chain(groups(direct))
                .collect();
            entities.push(json!({"uid": uid("User", format!("user{p}@example.com")), "attrs": {}, "parents": parents}));
        }
        for (t, in_groups) in team_groups.iter().enumerate() {
            entities.push(json!({"uid": uid("Team", format!("team-{t}")), "attrs": {}, "parents": groups(in_groups)}));
        }
        for g in 0..self.groups.len() {
            entities.push(
                json!({"uid": uid("Group", format!("group-{g}")), "attrs": {}, "parents": []}),
            );
        }
        for (i, c) in self.configs.iter().enumerate() {
            entities.push(json!({
                "uid": uid("Config", format!("cfg-{i}")),
                "attrs": {
                    "namespace": format!("ns-{}", c.namespace),
                    "config_type": type_name(c.kind),
                    "env": env(c.env),
                },
                "parents": [],
            }));
        }
        for (p, ns) in self.playbook_namespace.iter().enumerate() {
            entities.push(json!({
                "uid": uid("Playbook", self.playbook_key(p)),
                "attrs": {"namespace": format!("ns-{ns}")},
                "parents": [],
            }));
        }
        for (n, k) in self.connection_type.iter().enumerate() {
            entities.push(json!({
                "uid": uid("Connection", self.connection_key(n)),
                "attrs": {"connection_type": CONNECTION_TYPES.get(*k).copied().unwrap_or_default()},
                "parents": [],
            }));
        }
        for action in ["playbook:run", "playbook:approve"] {
            entities.push(json!({"uid": uid("Action", action.into()), "attrs": {}, "parents": [uid("Action", "playbook:*".into())]}));
        }
        Value::Array(entities)
    }

    /// A generated request as Cedar is asked it: the config is the resource, else the
    /// playbook, else the connection; a playbook also rides in the context. `None` for a
    /// request that names no object (the generator writes none).
    pub fn cedar_request(&self, q: &GeneratedRequest) -> Option<CedarRequest> {
        let playbook = q.playbook.map(|p| self.playbook_key(p));
        let (resource_type, resource) = match (q.config, &playbook, q.connection) {
            (Some(c), _, _) => ("Config", format!("cfg-{c}")),
            (None, Some(p), _) => ("Playbook", p.clone()),
            (None, None, Some(n)) => ("Connection", self.connection_key(n)),
            (None, None, None) => return None,
        };
        Some(CedarRequest {
            principal: format!("user{}@example.com", q.person),
            action: q.action.to_string(),
            resource_type,
            resource,
            playbook,
        })
    }
}

fn type_name(k: usize) -> &'static str {
    CONFIG_TYPES.get(k).copied().unwrap_or_default()
}

fn env(e: usize) -> &'static str {
    ENVS.get(e).copied().unwrap_or_default()
}
