//! Growing a generated world or request by one thing: an object named in a request, an
//! attribute of an object a request describes, a membership or a role, an object or an
//! attribute in the catalog. The deny-monotonicity property ([`super::monotonicity`])
//! requires an explicit deny to survive every such growth.

use super::generate::GeneratedRequest;
use super::*;

/// A small deterministic generator, so that one proptest value seeds every choice.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// One object of a request: a catalog key, or the attributes of an object the catalog
/// does not know.
pub enum RequestObject {
    Key(String),
    Attributes(rampart_runtime::ObjectAttributes),
}

/// The objects of a request, by category, as the tables are asked them.
pub fn request_objects(w: &World, r: &GeneratedRequest) -> Vec<(usize, RequestObject)> {
    (0..4)
        .filter_map(|c| {
            let (index, described) = r.objects[c].as_ref()?;
            Some((
                c,
                match index {
                    Some(i) => RequestObject::Key(w.object_key(c, *i)),
                    None => RequestObject::Attributes(described.attributes()),
                },
            ))
        })
        .collect()
}

/// The reference's view of a request's target.
pub fn target(w: &World, r: &GeneratedRequest) -> Target {
    if let Some(g) = &r.global {
        return Target::Global(g.clone());
    }
    let mut objects: [Option<Object>; 4] = Default::default();
    for (c, slot) in objects.iter_mut().enumerate() {
        if let Some((index, described)) = &r.objects[c] {
            *slot = Some(match index {
                Some(i) => w.objects[c][*i].clone(),
                None => described.clone(),
            });
        }
    }
    Target::Objects(objects)
}

/// An object the catalog does not know, with a few attributes.
fn fresh_object(c: usize, rng: &mut Rng) -> Object {
    let mut o = Object {
        id: Some(format!("grown-{c}")),
        name: format!("grown-{}", rng.below(3)),
        namespace: Some(rng.pick(&["ns-a", "ns-b", "ns-c"]).to_string()),
        kind: Some(rng.pick(&["Kubernetes::Pod", "aws-s3"]).to_string()),
        ..Object::default()
    };
    // Only configs carry tags (components have none in Mission Control).
    if rng.below(2) == 0 && c == CONFIG {
        o.tags
            .insert("env".into(), rng.pick(&["prod", "dev"]).to_string());
    }
    if rng.below(2) == 0 {
        o.agent_id = Some(
            rng.pick(&["agent-id-0", "agent-id-1", "agent-id-7"])
                .to_string(),
        );
    }
    o
}

/// The request naming one more object (of a category it does not name yet).
pub fn with_object(w: &World, r: &GeneratedRequest, rng: &mut Rng) -> Option<GeneratedRequest> {
    if r.global.is_some() {
        return None;
    }
    let free: Vec<usize> = (0..4).filter(|c| r.objects[*c].is_none()).collect();
    let c = *free.get(rng.below(free.len()))?;
    let mut grown = r.clone();
    let describable = c == CONFIG || c == COMPONENT;
    grown.objects[c] = Some(if describable && rng.below(3) == 0 {
        (None, fresh_object(c, rng))
    } else {
        (Some(rng.below(w.objects[c].len())), Object::default())
    });
    Some(grown)
}

/// `o` with one attribute it lacks. `None` when it has them all.
fn grow_object(o: &Object, category: usize, rng: &mut Rng) -> Option<Object> {
    let mut options: Vec<usize> = Vec::new();
    if category == CONFIG {
        options.push(0);
    }
    if category == CONFIG || category == COMPONENT {
        options.push(1);
        if o.agent_id.is_none() {
            options.push(2);
        }
        if o.status.is_none() {
            options.push(3);
        }
        if o.health.is_none() {
            options.push(4);
        }
    }
    if o.kind.is_none() && category != PLAYBOOK {
        options.push(5);
    }
    // A config's namespace falls back to its `namespace` tag: adding a namespace there
    // would change a value, not add one.
    if o.namespace.is_none() && !o.tags.contains_key("namespace") {
        options.push(6);
    }
    let mut grown = o.clone();
    let free_key = |map: &BTreeMap<String, String>, keys: &[&str]| {
        keys.iter()
            .find(|k| !map.contains_key(**k))
            .map(|k| k.to_string())
    };
    match *options.get(rng.below(options.len()))? {
        0 => {
            // A config with a namespace gets no `namespace` tag (one that differed would
            // make the request invalid; one that agreed would add nothing).
            let keys: &[&str] = if category == CONFIG && o.namespace.is_some() {
                &["env", "team", "app"]
            } else {
                &["env", "namespace", "team", "app"]
            };
            let key = free_key(&o.tags, keys)?;
            let value = rng
                .pick(&["prod", "dev", "ns-a", "web", "PROD"])
                .to_string();
            grown.tags.insert(key, value);
        }
        1 => {
            let key = free_key(&o.labels, &["app", "tier"])?;
            grown
                .labels
                .insert(key, rng.pick(&["web", "db"]).to_string());
        }
        2 => {
            let i = rng.below(2);
            grown.agent_id = Some(format!("agent-id-{i}"));
            grown.agent_name = Some(format!("agent-{i}"));
        }
        3 => grown.status = Some(rng.pick(&["running", "stopped"]).to_string()),
        4 => grown.health = Some(rng.pick(&["healthy", "unhealthy"]).to_string()),
        5 => grown.kind = Some(rng.pick(&["Kubernetes::Pod", "aws-s3"]).to_string()),
        _ => grown.namespace = Some(rng.pick(&["ns-a", "ns-b"]).to_string()),
    }
    Some(grown)
}

/// The request with its known configs and components described by their attributes
/// instead (under ids the catalog does not hold): another request, with objects to grow.
pub fn described(w: &World, r: &GeneratedRequest) -> Option<GeneratedRequest> {
    let mut out = r.clone();
    let mut changed = false;
    for c in [CONFIG, COMPONENT] {
        if let Some((Some(i), _)) = &r.objects[c] {
            let mut o = w.objects[c][*i].clone();
            o.id = Some(format!("described-{c}"));
            o.agent_name = None;
            out.objects[c] = Some((None, o));
            changed = true;
        }
    }
    changed.then_some(out)
}

/// The request with one more attribute on an object it describes by attributes.
pub fn with_attribute(r: &GeneratedRequest, rng: &mut Rng) -> Option<GeneratedRequest> {
    let described: Vec<usize> = (0..4)
        .filter(|c| matches!(&r.objects[*c], Some((None, _))))
        .collect();
    let c = *described.get(rng.below(described.len()))?;
    let (_, o) = r.objects[c].as_ref()?;
    let mut grown = r.clone();
    // The generator gives attribute objects only an agent id; the tables learn its name.
    let mut o = grow_object(o, c, rng)?;
    o.agent_name = None;
    grown.objects[c] = Some((None, o));
    Some(grown)
}

/// The world with one more membership: a person joins a team or a group (directly or
/// through a team); a playbook or a notification joins a group.
pub fn with_membership(w: &World, rng: &mut Rng) -> Option<World> {
    let mut grown = w.clone();
    let p = rng.below(w.people.len());
    match rng.below(5) {
        0 => {
            let t = rng.below(w.teams.len());
            if grown.people[p].teams.contains(&t) {
                return None;
            }
            grown.people[p].teams.push(t);
            grown.people[p].teams.sort();
        }
        1 => {
            let email = grown.people[p].email.clone();
            let g = rng.below(w.groups.len());
            let people = &mut grown.groups.get_mut(g)?.people;
            if people.iter().any(|x| x == "*" || *x == email) {
                return None;
            }
            people.push(email);
        }
        2 => {
            let team = w.teams.get(rng.below(w.teams.len()))?.0.clone();
            let g = rng.below(w.groups.len());
            let teams = &mut grown.groups.get_mut(g)?.teams;
            if teams.contains(&team) {
                return None;
            }
            teams.push(team);
        }
        3 => {
            let o = w.objects[PLAYBOOK].get(rng.below(w.objects[PLAYBOOK].len()))?;
            let entry = (o.namespace.clone(), o.name.clone());
            let g = rng.below(w.groups.len());
            let playbooks = &mut grown.groups.get_mut(g)?.playbooks;
            if playbooks.contains(&entry) {
                return None;
            }
            playbooks.push(entry);
        }
        _ => {
            let n = w
                .notifications
                .get(rng.below(w.notifications.len()))?
                .clone();
            let g = rng.below(w.groups.len());
            let entry = (Some(n.0), n.1);
            let notifications = &mut grown.groups.get_mut(g)?.notifications;
            if notifications.contains(&entry) {
                return None;
            }
            notifications.push(entry);
        }
    }
    Some(grown)
}

/// The world with one more role for a person (a built-in role, which may grant and deny).
pub fn with_role(w: &World, rng: &mut Rng) -> Option<World> {
    let mut grown = w.clone();
    let p = rng.below(w.people.len());
    let role = rng.pick(&["admin", "viewer", "editor", "guest", "commander"]);
    let roles = &mut grown.people.get_mut(p)?.roles;
    if roles.iter().any(|r| r == role) {
        return None;
    }
    roles.push(role.to_string());
    Some(grown)
}

/// The world with one more object in its catalog (appended: earlier indexes stay).
pub fn with_catalog_object(w: &World, rng: &mut Rng) -> World {
    let mut grown = w.clone();
    let c = rng.below(4);
    let mut o = fresh_object(c, rng);
    o.id = Some(format!("catalogued-{c}"));
    o.name = format!("catalogued-{c}");
    if c == PLAYBOOK {
        o.kind = None;
        o.tags.clear();
        o.agent_id = None;
    }
    if c == 3 {
        o.tags.clear();
        o.agent_id = None;
    }
    if let Some(a) = o.agent_id.clone() {
        match w.agents.iter().find(|(id, _)| *id == a) {
            Some((_, name)) => o.agent_name = Some(name.clone()),
            None => o.agent_id = None,
        }
    }
    grown.objects[c].push(o);
    grown
}

/// The world with one more attribute on a config or component of its catalog.
pub fn with_catalog_attribute(w: &World, rng: &mut Rng) -> Option<World> {
    let c = *rng.pick(&[CONFIG, COMPONENT]);
    let i = rng.below(w.objects[c].len());
    let mut grown = w.clone();
    let o = grow_object(&w.objects[c][i], c, rng)?;
    grown.objects[c][i] = o;
    Some(grown)
}

fn positive_pattern(p: &Option<Pattern>) -> Option<Pattern> {
    let kept: Pattern = p.iter().flatten().filter(|(n, _)| !n).cloned().collect();
    (!kept.is_empty()).then_some(kept)
}

/// [`positive_pattern`] for the fields where a lone `*` is no constraint (id, namespace,
/// types, statuses, health: upstream's canonical form), which is then left out.
fn positive_constraint(p: &Option<Pattern>) -> Option<Pattern> {
    positive_pattern(p).filter(|kept| !matches!(kept.as_slice(), [(false, Glob::Any)]))
}

fn positive_reqs(r: &Option<Vec<Req>>) -> Option<Vec<Req>> {
    let kept: Vec<Req> = r
        .iter()
        .flatten()
        .filter(|r| matches!(r, Req::Eq(..) | Req::Exists(_) | Req::In(..)))
        .cloned()
        .collect();
    (!kept.is_empty()).then_some(kept)
}

fn positive_search(s: &Option<Search>) -> Option<Search> {
    let alternatives: Vec<Vec<Term>> = s
        .iter()
        .flat_map(|s| s.alternatives.iter())
        .map(|terms| {
            terms
                .iter()
                .filter(|t| matches!(t, Term::Word(_) | Term::Compare { negated: false, .. }))
                .cloned()
                .collect::<Vec<_>>()
        })
        .filter(|terms| !terms.is_empty())
        .collect();
    let grouped = s.as_ref().is_some_and(|s| s.grouped);
    (!alternatives.is_empty()).then_some(Search {
        alternatives,
        grouped,
    })
}

/// The world with every deny selector, and every Scope target, made positive (negations
/// dropped): a deny then selects objects by what they have, so adding an attribute can
/// only add matches.
/// (A deny written with `!x`, `notin`, `!=`, `!key` or `-term` denies objects *without*
/// something; adding that something rightly lifts it.)
pub fn positive(w: &World) -> World {
    let mut out = w.clone();
    for p in out.permissions.iter_mut().filter(|p| p.deny) {
        for selectors in p.categories.iter_mut().flatten() {
            for s in selectors.iter_mut() {
                let positive = Selector {
                    id: positive_constraint(&s.id),
                    name: positive_pattern(&s.name),
                    namespace: positive_constraint(&s.namespace),
                    types: positive_constraint(&s.types),
                    agent: positive_pattern(&s.agent),
                    statuses: positive_constraint(&s.statuses),
                    health: positive_constraint(&s.health),
                    tags: positive_reqs(&s.tags),
                    labels: positive_reqs(&s.labels),
                    fields: positive_reqs(&s.fields),
                    search: positive_search(&s.search),
                };
                let empty = positive.id.is_none()
                    && positive.name.is_none()
                    && positive.namespace.is_none()
                    && positive.types.is_none()
                    && positive.agent.is_none()
                    && positive.statuses.is_none()
                    && positive.health.is_none()
                    && positive.tags.is_none()
                    && positive.labels.is_none()
                    && positive.fields.is_none()
                    && positive.search.is_none();
                *s = if empty {
                    Selector {
                        name: Some(vec![(false, Glob::Any)]),
                        ..Selector::default()
                    }
                } else {
                    positive
                };
            }
        }
    }
    // Scope targets are shared by the allows and denies that reference them; made
    // positive for all of them (the world stays a world).
    for t in out.scopes.iter_mut().flat_map(|s| s.targets.iter_mut()) {
        t.namespace = positive_constraint(&t.namespace);
        t.name = positive_pattern(&t.name);
        t.tags = positive_reqs(&t.tags);
        if t.agent.is_none() && t.namespace.is_none() && t.name.is_none() && t.tags.is_none() {
            t.name = Some(vec![(false, Glob::Any)]);
        }
    }
    out
}
