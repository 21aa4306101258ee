//! Random worlds, permissions and requests for the differential tests, and their
//! rendering as a catalog and YAML documents.

use std::collections::BTreeMap;
use std::fmt::Write;

use proptest::prelude::*;

use super::*;

const NAMESPACES: [&str; 3] = ["ns-a", "ns-b", "ns-c"];
const TYPES: [&str; 3] = ["Kubernetes::Pod", "AWS::EC2::Instance", "aws-s3"];
const ENVS: [&str; 3] = ["prod", "dev", "Prod"];
const STATUSES: [&str; 2] = ["running", "stopped"];
const HEALTHS: [&str; 2] = ["healthy", "unhealthy"];
const ROLES: [&str; 5] = ["admin", "viewer", "editor", "guest", "commander"];
pub const ACTIONS: [&str; 13] = [
    "read",
    "write",
    "create",
    "update",
    "delete",
    "playbook:run",
    "playbook:approve",
    "playbook:cancel",
    "mcp:run",
    "mcp:use",
    "invoke:kube:logs",
    "invoke:kube:exec",
    "invoke:other:x",
];
const ACTION_ITEMS: [&str; 16] = [
    "read",
    "write",
    "delete",
    "playbook:*",
    "playbook:run",
    "playbook:approve",
    "*",
    "!delete",
    "!playbook:cancel",
    "mcp:*",
    "invoke:kube:*",
    "invoke:kube:logs",
    "read,delete",
    "Playbook:Run",
    "create",
    "update",
];
pub const GLOBALS: [&str; 6] = [
    "catalog",
    "playbooks",
    "topology",
    "connection",
    "mcp",
    "database.kratos",
];

fn pick<T: Clone + std::fmt::Debug + 'static>(items: &'static [T]) -> impl Strategy<Value = T> {
    prop::sample::select(items.to_vec())
}

fn opt<T: std::fmt::Debug>(
    s: impl Strategy<Value = T>,
    p: f64,
) -> impl Strategy<Value = Option<T>> {
    prop::option::weighted(p, s)
}

fn object_strategy(category: usize, index: usize, agents: usize) -> impl Strategy<Value = Object> {
    let with_maps = category == CONFIG || category == COMPONENT;
    (
        pick(&NAMESPACES),
        prop::bool::weighted(0.15),
        pick(&TYPES),
        opt(pick(&ENVS), 0.7),
        opt(pick(&NAMESPACES), 0.3),
        opt(0..agents.max(1), 0.7),
        opt(pick(&STATUSES), 0.7),
        opt(pick(&HEALTHS), 0.7),
        opt(pick(&["web", "db"]), 0.6),
    )
        .prop_map(
            move |(ns, no_ns, kind, env, tag_ns, agent, status, health, app)| {
                let mut tags = BTreeMap::new();
                let mut labels = BTreeMap::new();
                // Components carry no tags in Mission Control (duty's `Component` has
                // neither a tags column nor a tags matcher), and Rampart refuses them.
                if category == CONFIG {
                    if let Some(env) = env {
                        tags.insert("env".to_string(), env.to_string());
                    }
                    // A config's `namespace` and `namespace` tag, both given, agree: a
                    // described config whose two differ is an invalid request.
                    let has_namespace = !(no_ns && category == CONFIG);
                    if let Some(tag_ns) = tag_ns {
                        let tag_ns = if category == CONFIG && has_namespace {
                            ns
                        } else {
                            tag_ns
                        };
                        tags.insert("namespace".to_string(), tag_ns.to_string());
                    }
                }
                if with_maps {
                    if let Some(app) = app {
                        labels.insert("app".to_string(), app.to_string());
                    }
                }
                let keyed = category == PLAYBOOK || category == 3;
                let agent = agent.filter(|_| category == CONFIG || category == COMPONENT);
                Object {
                    id: Some(format!("{}-{index}", ["pb", "cfg", "cmp", "cn"][category])),
                    name: format!("{}-{index}", ["play", "cfg", "comp", "conn"][category]),
                    namespace: if no_ns && category == CONFIG && !keyed {
                        None
                    } else {
                        Some(ns.to_string())
                    },
                    kind: (category != PLAYBOOK).then(|| kind.to_string()),
                    agent_id: agent.map(|a| format!("agent-id-{a}")),
                    agent_name: agent.map(|a| format!("agent-{a}")),
                    status: status
                        .filter(|_| category == CONFIG || category == COMPONENT)
                        .map(str::to_string),
                    health: health
                        .filter(|_| category == CONFIG || category == COMPONENT)
                        .map(str::to_string),
                    tags,
                    labels,
                }
            },
        )
}

/// Objects the catalog does not know (indexes from 900), with agents the catalog partly
/// knows.
pub fn fresh_objects(category: usize, count: usize) -> impl Strategy<Value = Vec<Object>> {
    (0..count)
        .map(|i| object_strategy(category, 900 + i, 3))
        .collect::<Vec<_>>()
}

fn glob() -> impl Strategy<Value = Glob> {
    prop_oneof![
        Just(Glob::Any),
        pick(&[
            "play-0",
            "cfg-1",
            "comp-2",
            "conn-3",
            "CFG-2",
            "ns-a",
            "ns-b",
            "Kubernetes::Pod",
            "aws-s3",
            "running",
            "healthy",
            "agent-0",
            "agent-id-1"
        ])
        .prop_map(|s| Glob::Exact(s.to_string())),
        pick(&[
            "play",
            "cfg",
            "ns-",
            "kubernetes",
            "AWS",
            "agent",
            "s-",
            "fg"
        ])
        .prop_map(|s| Glob::Prefix(s.to_string())),
        pick(&["-1", "-2", "-a", "::pod", "s3", "ing", "s-", "ns"])
            .prop_map(|s| Glob::Suffix(s.to_string())),
        pick(&["s-", "-", "od", "NNING", "fg-"]).prop_map(|s| Glob::Contains(s.to_string())),
    ]
}

fn pattern() -> impl Strategy<Value = Pattern> {
    prop::collection::vec((prop::bool::weighted(0.25), glob()), 1..3)
}

fn req() -> impl Strategy<Value = Req> {
    let key = pick(&["env", "namespace", "app"]).prop_map(str::to_string);
    let values: &'static [&'static str] = &["prod", "dev", "web", "ns-a", "PROD"];
    let value = || pick(values).prop_map(str::to_string);
    (key, value(), value(), 0..6).prop_map(|(k, v, w, kind)| match kind {
        0 => Req::Eq(k, v),
        1 => Req::NotEq(k, v),
        2 => Req::Exists(k),
        3 => Req::NotExists(k),
        4 => Req::In(
            k,
            if v == w {
                vec![v]
            } else {
                let mut x = vec![v, w];
                x.sort();
                x
            },
        ),
        _ => Req::NotIn(k, vec![v]),
    })
}

fn field_req() -> impl Strategy<Value = Req> {
    let key = pick(&["type", "status", "health", "namespace"]).prop_map(str::to_string);
    let values: &'static [&'static str] = &["running", "Healthy", "aws-s3", "ns-a", "ns-b"];
    let value = || pick(values).prop_map(str::to_string);
    (key, value(), value(), 0..5).prop_map(|(k, v, w, kind)| match kind {
        0 => Req::Eq(k, v),
        1 => Req::NotEq(k, v),
        2 => Req::Exists(k),
        3 => Req::NotExists(k),
        _ => Req::In(k, if v == w { vec![v] } else { vec![v, w] }),
    })
}

fn term() -> impl Strategy<Value = Term> {
    let plain = prop_oneof![
        pick(&["cfg", "play", "comp-1", "CONN", "cfg-1"]).prop_map(|w| Term::Word(w.to_string())),
        (
            pick(&[
                "name",
                "type",
                "status",
                "health",
                "namespace",
                "tags.env",
                "labels.app"
            ]),
            pick(&[
                "cfg-1",
                "Kubernetes::Pod",
                "aws-s3",
                "running",
                "healthy",
                "ns-a",
                "prod",
                "web"
            ]),
            prop::bool::weighted(0.2),
        )
            .prop_map(|(field, value, negated)| Term::Compare {
                field: field.to_string(),
                value: value.to_string(),
                negated,
            }),
    ];
    (plain, prop::bool::weighted(0.2))
        .prop_map(|(t, not)| if not { Term::Not(Box::new(t)) } else { t })
}

fn search() -> impl Strategy<Value = Search> {
    (
        prop::collection::vec(prop::collection::vec(term(), 1..3), 1..3),
        any::<bool>(),
    )
        .prop_map(|(alternatives, grouped)| Search {
            alternatives,
            grouped,
        })
}

/// A pattern other than a lone `*`.
fn constrains(p: &Option<Pattern>) -> bool {
    p.as_ref()
        .is_some_and(|p| !matches!(p.as_slice(), [(false, Glob::Any)]))
}

fn selector() -> impl Strategy<Value = Selector> {
    prop_oneof![
        2 => Just(Selector { name: Some(vec![(false, Glob::Any)]), ..Selector::default() }),
        8 => (
            opt(pattern(), 0.1), opt(pattern(), 0.4), opt(pattern(), 0.35), opt(pattern(), 0.3), opt(pattern(), 0.15),
            opt(pattern(), 0.1), opt(pattern(), 0.1), opt(prop::collection::vec(req(), 1..3), 0.25), opt(prop::collection::vec(req(), 1..2), 0.1),
            opt(prop::collection::vec(field_req(), 1..3), 0.1), opt(search(), 0.12),
        )
            .prop_map(|(id, name, namespace, types, agent, statuses, health, tags, labels, fields, search)| Selector { id, name, namespace, types, agent, statuses, health, tags, labels, fields, search })
            .prop_filter("not empty", |s| {
                // `*` alone in id, namespace, types, statuses or health is no constraint
                // (upstream's canonical form): a selector of only those is empty.
                constrains(&s.id) || s.name.is_some() || constrains(&s.namespace) || constrains(&s.types) || s.agent.is_some() || constrains(&s.statuses) || constrains(&s.health) || s.tags.is_some() || s.labels.is_some() || s.fields.is_some() || s.search.is_some()
            }),
    ]
}

/// One Scope target: a kind (views now and then) and a selector of upstream's four
/// fields, never empty; agents by name (resolved to ids), now and then by a uuid no
/// agent has.
fn scope_target() -> impl Strategy<Value = ScopeTarget> {
    let kind = prop_oneof![
        4 => Just(TargetKind::Config),
        2 => Just(TargetKind::Component),
        3 => Just(TargetKind::Playbook),
        1 => Just(TargetKind::View),
    ];
    let agent = pick(&["agent-0", "agent-1", "00000000-0000-4000-8000-0000000000aa"])
        .prop_map(str::to_string);
    prop_oneof![
        1 => kind.clone().prop_map(|kind| ScopeTarget {
            kind,
            agent: None,
            namespace: None,
            name: Some(vec![(false, Glob::Any)]),
            tags: None,
        }),
        4 => (
            kind,
            opt(agent, 0.25),
            opt(pattern(), 0.5),
            opt(pattern(), 0.5),
            opt(prop::collection::vec(req(), 1..3), 0.3),
        )
            .prop_map(|(kind, agent, namespace, name, tags)| ScopeTarget {
                kind,
                agent,
                namespace,
                name,
                tags,
            })
            .prop_filter("not empty", |t| {
                t.agent.is_some() || constrains(&t.namespace) || t.name.is_some() || t.tags.is_some()
            }),
    ]
}

/// The Scopes of a world: `scope-<i>`, in namespaces `ns-a` and `ns-c`, some with a uid.
fn scopes(count: usize) -> impl Strategy<Value = Vec<Scope>> {
    (0..count)
        .map(|i| {
            (
                prop::collection::vec(scope_target(), 1..4),
                prop::bool::weighted(0.5),
            )
                .prop_map(move |(targets, uid)| Scope {
                    namespace: if i % 2 == 0 { "ns-a" } else { "ns-c" }.to_string(),
                    name: format!("scope-{i}"),
                    uid: uid.then(|| format!("5c09e000-0000-4000-8000-{i:012}")),
                    targets,
                })
        })
        .collect::<Vec<_>>()
}

/// How many Scopes every generated world holds.
pub const SCOPES: usize = 3;

fn permission(
    people: usize,
    teams: usize,
    groups: Vec<String>,
    playbooks: usize,
    notifications: usize,
) -> impl Strategy<Value = Permission> {
    let mut group_names = groups;
    group_names.extend(
        ["editor", "viewer", "admin", "everyone"]
            .iter()
            .map(|s| s.to_string()),
    );
    let subject = prop_oneof![
        4 => (0..people, 0..3usize).prop_map(|(p, form)| Subject::Person(p, ["email", "id", "name"][form].to_string())),
        3 => (0..teams, prop::bool::ANY).prop_map(|(t, by_id)| Subject::Team(t, if by_id { "id" } else { "name" }.to_string())),
        2 => prop::sample::select(group_names).prop_map(Subject::Group),
        1 => (0..notifications).prop_map(Subject::Notification),
        1 => (0..playbooks).prop_map(Subject::Playbook),
    ];
    let categories = prop::collection::vec(opt(prop::collection::vec(selector(), 1..3), 0.4), 4)
        .prop_map(|v| {
            let mut out: [Option<Vec<Selector>>; 4] = Default::default();
            for (i, x) in v.into_iter().enumerate() {
                out[i] = x;
            }
            out
        });
    (
        subject,
        prop::collection::vec(pick(&ACTION_ITEMS).prop_map(str::to_string), 1..3),
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.08),
        categories,
        (0..4usize),
        opt(
            prop::collection::vec(
                pick(&["agent-0", "agent-id-1"]).prop_map(str::to_string),
                1..2,
            ),
            0.12,
        ),
        opt(
            prop::collection::vec(
                (
                    pick(&["env"]).prop_map(str::to_string),
                    pick(&["prod", "dev"]).prop_map(str::to_string),
                ),
                1..=1,
            ),
            0.12,
        ),
        opt(
            prop::collection::vec((0..SCOPES, prop::bool::weighted(0.3)), 1..3),
            0.3,
        ),
    )
        .prop_map(
            |(subject, actions, deny, mcp, mut categories, fallback, agents, tags, scopes)| {
                let scopes = scopes.filter(|_| !mcp);
                if scopes.is_some() {
                    categories = Default::default();
                }
                if !mcp && scopes.is_none() && categories.iter().all(Option::is_none) {
                    categories[fallback] = Some(vec![Selector {
                        name: Some(vec![(false, Glob::Any)]),
                        ..Selector::default()
                    }]);
                }
                if mcp {
                    categories = Default::default();
                }
                Permission {
                    name: String::new(),
                    subject,
                    actions,
                    deny,
                    mcp,
                    categories,
                    agents,
                    tags,
                    scopes,
                }
            },
        )
}

fn group(
    index: usize,
    people: Vec<Person>,
    teams: usize,
    notifications: Vec<(String, String)>,
    playbooks: Vec<Object>,
) -> impl Strategy<Value = Group> {
    let person_keys: Vec<String> = people
        .iter()
        .flat_map(|p| [p.email.clone(), p.id.clone()])
        .collect();
    let everyone = prop::bool::weighted(0.1);
    let service = |names: Vec<(String, String)>| {
        prop::collection::vec(
            (
                prop::sample::select(names),
                prop::bool::weighted(0.2),
                prop::bool::weighted(0.3),
            )
                .prop_map(|((ns, name), star, no_ns)| {
                    // A wildcard member with a namespace is an error (issue 22): `*`
                    // is written alone.
                    (
                        if no_ns || star { None } else { Some(ns) },
                        if star { "*".to_string() } else { name },
                    )
                }),
            0..2,
        )
    };
    let playbook_names: Vec<(String, String)> = playbooks
        .iter()
        .map(|o| (o.namespace.clone().unwrap_or_default(), o.name.clone()))
        .collect();
    (
        everyone,
        prop::collection::vec(prop::sample::select(person_keys), 0..3),
        prop::collection::vec(0..teams, 0..2),
        service(notifications),
        service(playbook_names),
    )
        .prop_map(
            move |(everyone, people, teams, notifications, playbooks)| Group {
                name: format!("group-{index}"),
                people: if everyone { vec!["*".into()] } else { people },
                teams: teams.into_iter().map(|t| format!("team-{t}")).collect(),
                notifications,
                playbooks,
            },
        )
}

/// A whole random world with permissions.
pub fn world() -> impl Strategy<Value = World> {
    let people = prop::collection::vec(
        (
            prop::collection::vec(pick(&ROLES).prop_map(str::to_string), 0..2),
            prop::collection::vec(0..3usize, 0..3),
            0..5usize,
        ),
        2..7,
    )
    .prop_map(|ps| {
        ps.into_iter()
            .enumerate()
            .map(|(i, (roles, mut teams, name))| {
                teams.sort();
                teams.dedup();
                Person {
                    id: format!("person-id-{i}"),
                    email: format!("person{i}@example.com"),
                    name: format!("Name {name}"),
                    roles,
                    teams,
                }
            })
            .collect::<Vec<_>>()
    });
    people
        .prop_flat_map(|people| {
            let objects = (
                (0..4usize)
                    .map(|i| object_strategy(PLAYBOOK, i, 2))
                    .collect::<Vec<_>>(),
                (0..7usize)
                    .map(|i| object_strategy(CONFIG, i, 2))
                    .collect::<Vec<_>>(),
                (0..3usize)
                    .map(|i| object_strategy(COMPONENT, i, 2))
                    .collect::<Vec<_>>(),
                (0..4usize)
                    .map(|i| object_strategy(3, i, 2))
                    .collect::<Vec<_>>(),
            );
            (Just(people), objects)
        })
        .prop_flat_map(|(people, (pb, cfg, cmp, cn))| {
            let notifications = vec![
                ("ns-a".to_string(), "notify-0".to_string()),
                ("ns-b".to_string(), "notify-1".to_string()),
            ];
            let groups = (0..2)
                .map(|i| group(i, people.clone(), 3, notifications.clone(), pb.clone()))
                .collect::<Vec<_>>();
            (
                Just(people),
                Just([pb, cfg, cmp, cn]),
                Just(notifications),
                groups,
            )
        })
        .prop_flat_map(|(people, objects, notifications, groups)| {
            let group_names: Vec<String> = groups.iter().map(|g| g.name.clone()).collect();
            let permissions = prop::collection::vec(
                permission(
                    people.len(),
                    3,
                    group_names,
                    objects[PLAYBOOK].len(),
                    notifications.len(),
                ),
                1..9,
            );
            (
                Just(people),
                Just(objects),
                Just(notifications),
                Just(groups),
                permissions,
                scopes(SCOPES),
            )
        })
        .prop_map(
            |(people, objects, notifications, groups, mut permissions, scopes)| {
                for (i, p) in permissions.iter_mut().enumerate() {
                    p.name = format!("perm-{i}");
                }
                World {
                    people,
                    teams: (0..3)
                        .map(|t| (format!("team-{t}"), format!("team-id-{t}")))
                        .collect(),
                    agents: (0..2)
                        .map(|a| (format!("agent-id-{a}"), format!("agent-{a}")))
                        .collect(),
                    objects,
                    notifications,
                    groups,
                    permissions,
                    scopes,
                }
            },
        )
}

/// A random request against a world: principal, action, target, and whether each object
/// is sent by key (known) or as attributes (unknown to the catalog).
#[derive(Clone, Debug)]
pub struct GeneratedRequest {
    pub principal: Principal,
    pub action: String,
    pub global: Option<String>,
    /// Per category: `(object index or None for a fresh unknown object, the object)`.
    pub objects: [Option<(Option<usize>, Object)>; 4],
}

pub fn requests(world: &World, count: usize) -> impl Strategy<Value = Vec<GeneratedRequest>> {
    let people = world.people.len();
    let playbooks = world.objects[PLAYBOOK].len();
    let notifications = world.notifications.len();
    let counts: Vec<usize> = world.objects.iter().map(Vec::len).collect();
    let principal = prop_oneof![
        6 => (0..people).prop_map(Principal::Person),
        1 => (0..playbooks).prop_map(Principal::Playbook),
        1 => (0..notifications).prop_map(Principal::Notification),
    ];
    let object = move |c: usize| {
        let n = counts[c];
        prop_oneof![
            6 => (0..n).prop_map(|i| (Some(i), Object::default())),
            1 => object_strategy(c, 900, 3).prop_map(|o| (None, o)),
        ]
    };
    let shape = prop::collection::vec(prop::bool::weighted(0.4), 4);
    let one = (
        (principal, prop::bool::weighted(0.05)),
        pick(&ACTIONS).prop_map(str::to_string),
        opt(pick(&GLOBALS).prop_map(str::to_string), 0.12),
        shape,
        0..4usize,
        object(0),
        object(1),
        object(2),
        object(3),
    );
    prop::collection::vec(
        one.prop_map(
            |((principal, unscoped), action, global, shape, fallback, o0, o1, o2, o3)| {
                let mut present = shape;
                if present.iter().all(|p| !p) {
                    present[fallback] = true;
                }
                if unscoped {
                    present = vec![false; 4];
                }
                let all = [o0, o1, o2, o3];
                let mut objects: [Option<(Option<usize>, Object)>; 4] = Default::default();
                for c in 0..4 {
                    if present[c] && global.is_none() {
                        let (index, mut unknown) = all[c].clone();
                        if c == PLAYBOOK || c == 3 {
                            // Only configs and components can be described by attributes.
                            objects[c] = Some((Some(index.unwrap_or(0)), unknown));
                            continue;
                        }
                        unknown.id = Some(format!("unknown-{c}"));
                        objects[c] = Some((index, unknown));
                    }
                }
                GeneratedRequest {
                    principal,
                    action,
                    global,
                    objects,
                }
            },
        ),
        count,
    )
}

fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// The catalog as YAML.
pub fn catalog_yaml(w: &World) -> String {
    let mut out = String::from("people:\n");
    for p in &w.people {
        let teams: Vec<String> = p.teams.iter().map(|t| q(&w.teams[*t].0)).collect();
        let roles: Vec<String> = p.roles.iter().map(|r| q(r)).collect();
        let _ = writeln!(
            out,
            "  - {{id: {}, email: {}, name: {}, roles: [{}], teams: [{}]}}",
            q(&p.id),
            q(&p.email),
            q(&p.name),
            roles.join(", "),
            teams.join(", ")
        );
    }
    out.push_str("teams:\n");
    for (name, id) in &w.teams {
        let _ = writeln!(out, "  - {{id: {}, name: {}}}", q(id), q(name));
    }
    out.push_str("agents:\n");
    for (id, name) in &w.agents {
        let _ = writeln!(out, "  - {{id: {}, name: {}}}", q(id), q(name));
    }
    out.push_str("notifications:\n");
    for (ns, name) in &w.notifications {
        let _ = writeln!(out, "  - {{namespace: {}, name: {}}}", q(ns), q(name));
    }
    for (c, key) in ["playbooks", "configs", "components", "connections"]
        .iter()
        .enumerate()
    {
        let _ = writeln!(out, "{key}:");
        for o in &w.objects[c] {
            let mut fields = vec![format!("name: {}", q(&o.name))];
            if let Some(id) = &o.id {
                fields.push(format!("id: {}", q(id)));
            }
            if let Some(ns) = &o.namespace {
                fields.push(format!("namespace: {}", q(ns)));
            }
            if c != PLAYBOOK {
                if let Some(k) = &o.kind {
                    fields.push(format!("type: {}", q(k)));
                }
            }
            if c == CONFIG || c == COMPONENT {
                if let Some(a) = &o.agent_id {
                    fields.push(format!("agent: {}", q(a)));
                }
                for (field, value) in [("status", &o.status), ("health", &o.health)] {
                    if let Some(v) = value {
                        fields.push(format!("{field}: {}", q(v)));
                    }
                }
                let map = |m: &BTreeMap<String, String>| {
                    m.iter()
                        .map(|(k, v)| format!("{}: {}", q(k), q(v)))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                fields.push(format!("tags: {{{}}}", map(&o.tags)));
                fields.push(format!("labels: {{{}}}", map(&o.labels)));
            }
            let _ = writeln!(out, "  - {{{}}}", fields.join(", "));
        }
    }
    out
}

fn selector_yaml(s: &Selector, indent: &str) -> String {
    let mut lines = Vec::new();
    let mut scalar = |k: &str, p: &Option<Pattern>| {
        if let Some(p) = p {
            lines.push(format!("{k}: {}", q(&pattern_text(p))));
        }
    };
    scalar("id", &s.id);
    scalar("name", &s.name);
    scalar("namespace", &s.namespace);
    scalar("agent", &s.agent);
    scalar("health", &s.health);
    let mut list = |k: &str, p: &Option<Pattern>| {
        if let Some(p) = p {
            let items: Vec<String> = p
                .iter()
                .map(|item| q(&pattern_text(&vec![item.clone()])))
                .collect();
            lines.push(format!("{k}: [{}]", items.join(", ")));
        }
    };
    list("types", &s.types);
    list("statuses", &s.statuses);
    if let Some(t) = &s.tags {
        lines.push(format!(
            "tagSelector: {}",
            q(&t.iter().map(Req::text).collect::<Vec<_>>().join(","))
        ));
    }
    if let Some(l) = &s.labels {
        lines.push(format!(
            "labelSelector: {}",
            q(&l.iter().map(Req::text).collect::<Vec<_>>().join(","))
        ));
    }
    if let Some(f) = &s.fields {
        lines.push(format!(
            "fieldSelector: {}",
            q(&f.iter().map(Req::text).collect::<Vec<_>>().join(","))
        ));
    }
    if let Some(search) = &s.search {
        lines.push(format!("search: {}", q(&search.text())));
    }
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        let _ = writeln!(out, "{indent}{}{line}", if i == 0 { "- " } else { "  " });
    }
    out
}

/// Every document as one YAML stream.
pub fn documents_yaml(w: &World) -> String {
    let mut out = String::new();
    for g in &w.groups {
        let _ = writeln!(out, "---\napiVersion: mission-control.flanksource.com/v1\nkind: PermissionGroup\nmetadata:\n  name: {}\n  namespace: ns-a\nspec:", q(&g.name));
        let _ = writeln!(
            out,
            "  people: [{}]",
            g.people.iter().map(|p| q(p)).collect::<Vec<_>>().join(", ")
        );
        let _ = writeln!(
            out,
            "  teams: [{}]",
            g.teams.iter().map(|p| q(p)).collect::<Vec<_>>().join(", ")
        );
        for (key, list) in [
            ("notifications", &g.notifications),
            ("playbooks", &g.playbooks),
        ] {
            let _ = writeln!(out, "  {key}:");
            if list.is_empty() {
                out.pop();
                out.push_str(" []\n");
            }
            for (ns, name) in list {
                match ns {
                    Some(ns) => {
                        let _ = writeln!(out, "    - {{namespace: {}, name: {}}}", q(ns), q(name));
                    }
                    None => {
                        let _ = writeln!(out, "    - {{name: {}}}", q(name));
                    }
                }
            }
        }
    }
    for scope in &w.scopes {
        let _ = writeln!(out, "---\napiVersion: mission-control.flanksource.com/v1\nkind: Scope\nmetadata:\n  name: {}\n  namespace: {}", q(&scope.name), q(&scope.namespace));
        if let Some(uid) = &scope.uid {
            let _ = writeln!(out, "  uid: {}", q(uid));
        }
        out.push_str("spec:\n  targets:\n");
        for t in &scope.targets {
            let _ = writeln!(out, "    - {}:", t.kind.key());
            if let Some(agent) = &t.agent {
                let _ = writeln!(out, "        agent: {}", q(agent));
            }
            if let Some(p) = &t.namespace {
                let _ = writeln!(out, "        namespace: {}", q(&pattern_text(p)));
            }
            if let Some(p) = &t.name {
                let _ = writeln!(out, "        name: {}", q(&pattern_text(p)));
            }
            if let Some(tags) = &t.tags {
                let text: Vec<String> = tags.iter().map(Req::text).collect();
                let _ = writeln!(out, "        tagSelector: {}", q(&text.join(",")));
            }
        }
    }
    for p in &w.permissions {
        // Generated denies may select nothing the generated catalog holds; they say so.
        let annotations = if p.deny {
            "  annotations: {rampart.flanksource.com/allow-empty-selectors: \"true\"}\n"
        } else {
            ""
        };
        let _ = writeln!(out, "---\napiVersion: mission-control.flanksource.com/v1\nkind: Permission\nmetadata:\n  name: {}\n  namespace: ns-b\n{annotations}spec:", q(&p.name));
        let subject = match &p.subject {
            Subject::Person(i, form) => {
                let person = &w.people[*i];
                let spelling = match form.as_str() {
                    "id" => &person.id,
                    "name" if w.people.iter().filter(|x| x.name == person.name).count() == 1 => {
                        &person.name
                    }
                    _ => &person.email,
                };
                format!("person: {}", q(spelling))
            }
            Subject::Team(t, form) => format!(
                "team: {}",
                q(if form == "id" {
                    &w.teams[*t].1
                } else {
                    &w.teams[*t].0
                })
            ),
            Subject::Group(g) => format!("group: {}", q(g)),
            Subject::Notification(n) => format!(
                "notification: {}",
                q(&format!(
                    "{}/{}",
                    w.notifications[*n].0, w.notifications[*n].1
                ))
            ),
            Subject::Playbook(i) => {
                let o = &w.objects[PLAYBOOK][*i];
                format!(
                    "playbook: {}",
                    q(&format!(
                        "{}/{}",
                        o.namespace.clone().unwrap_or_default(),
                        o.name
                    ))
                )
            }
        };
        let _ = writeln!(out, "  subject:\n    {subject}");
        let _ = writeln!(
            out,
            "  actions: [{}]",
            p.actions
                .iter()
                .map(|a| q(a))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let _ = writeln!(out, "  deny: {}", p.deny);
        if let Some(agents) = &p.agents {
            let _ = writeln!(
                out,
                "  agents: [{}]",
                agents.iter().map(|a| q(a)).collect::<Vec<_>>().join(", ")
            );
        }
        if let Some(tags) = &p.tags {
            let _ = writeln!(
                out,
                "  tags: {{{}}}",
                tags.iter()
                    .map(|(k, v)| format!("{}: {}", q(k), q(v)))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        out.push_str("  object:\n");
        if p.mcp {
            out.push_str("    mcp: true\n");
        }
        if let Some(references) = &p.scopes {
            out.push_str("    scopes:\n");
            for (s, with_id) in references {
                let scope = &w.scopes[*s];
                let mut fields = vec![
                    format!("namespace: {}", q(&scope.namespace)),
                    format!("name: {}", q(&scope.name)),
                ];
                if let (true, Some(uid)) = (with_id, &scope.uid) {
                    fields.push(format!("id: {}", q(uid)));
                }
                let _ = writeln!(out, "      - {{{}}}", fields.join(", "));
            }
        }
        for (c, key) in ["playbooks", "configs", "components", "connections"]
            .iter()
            .enumerate()
        {
            if let Some(selectors) = &p.categories[c] {
                let _ = writeln!(out, "    {key}:");
                for s in selectors {
                    out.push_str(&selector_yaml(s, "      "));
                }
            }
        }
    }
    out
}

/// Compiles the world's documents and catalog and loads the tables through the file
/// format.
pub fn compile_tables(w: &World) -> rampart_runtime::Tables {
    let dir = tempfile::tempdir().expect("temporary directory");
    let catalog = dir.path().join("catalog.yaml");
    let documents = dir.path().join("policy.yaml");
    std::fs::write(&catalog, catalog_yaml(w)).expect("write catalog");
    std::fs::write(&documents, documents_yaml(w)).expect("write documents");
    let compiled = match rampart_compiler::compile::compile(&[documents], Some(&catalog), &|_| {}) {
        Ok(c) => c,
        Err(diagnostics) => {
            let text: Vec<String> = diagnostics.iter().map(|d| d.to_string()).collect();
            panic!(
                "generated input does not compile:\n{}\n--- documents\n{}\n--- catalog\n{}",
                text.join("\n"),
                documents_yaml(w),
                catalog_yaml(w)
            );
        }
    };
    let bytes = rampart_compiler::emit::encode(&compiled.data, None).expect("encode");
    rampart_runtime::Tables::from_bytes(&bytes).expect("tables load")
}
