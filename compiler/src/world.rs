//! The world after loading: every object of every category with dense ids, in the order
//! the tables number them, plus people, teams and agents. Objects come from the catalog
//! and from the documents that register them (Playbook, Notification and Connection
//! documents); a document naming an object the catalog already has adds to it.
//!
//! Configs and components are numbered in (namespace, type, name, id) order so that the
//! sets selectors produce are a few runs.

use std::collections::HashMap;

use rampart_runtime::identity::identity_key;
use rampart_runtime::schema::AgentData;
use rampart_runtime::{Category, ObjectAttributes, ObjectView};

use crate::catalog::{Agent, CatalogConnection, LoadedCatalog, NamedObject, Person, Team};
use crate::diagnostic::Diagnostic;
use crate::documents::{Documents, Registration};

/// One object with its resolved agent.
#[derive(Clone, Debug)]
pub struct WorldObject {
    /// `namespace/name` or the id.
    pub key: String,
    /// Its attributes.
    pub attributes: ObjectAttributes,
    /// The agent's id (the agent as written when unknown).
    pub agent_id: Option<String>,
    /// The agent's name, when the catalog knows the agent.
    pub agent_name: Option<String>,
}

impl WorldObject {
    /// The view selectors are evaluated against.
    pub fn view(&self, category: Category) -> ObjectView<'_> {
        ObjectView {
            category,
            attributes: &self.attributes,
            id_uuid: ObjectView::id_uuid(&self.attributes),
            agent_id: self.agent_id.as_deref(),
            agent_uuid: self.agent_id.as_deref().and_then(ObjectView::agent_uuid),
            agent_name: self.agent_name.as_deref(),
            keyed: false,
        }
    }
}

/// A notification that can act as a service subject.
#[derive(Clone, Debug)]
pub struct Notification {
    /// Its namespace.
    pub namespace: String,
    /// Its name.
    pub name: String,
    /// Its id.
    pub id: Option<String>,
}

/// A connection a Connection document defines: it joins the catalog's connections.
#[derive(Clone, Debug)]
pub struct ConnectionRegistration {
    /// Its namespace.
    pub namespace: String,
    /// Its name.
    pub name: String,
    /// Its `metadata.uid`, when given.
    pub uid: Option<String>,
    /// Its stored type.
    pub connection_type: String,
}

/// Everything the documents can name.
#[derive(Debug)]
pub struct World {
    /// Per category, objects in table order.
    pub objects: [Vec<WorldObject>; 4],
    /// Per category, key and id -> object.
    pub keys: [HashMap<String, u32>; 4],
    /// People, in catalog order.
    pub people: Vec<Person>,
    /// Teams.
    pub teams: Vec<Team>,
    /// Notifications.
    pub notifications: Vec<Notification>,
    /// Agents.
    pub agents: Vec<AgentData>,
    /// Agent id or name, by identity ([`identity_key`]) -> agent.
    pub agent_keys: HashMap<String, usize>,
    /// The catalog, for diagnostics that point into it.
    pub catalog: LoadedCatalog,
}

fn named(id: Option<String>, namespace: String, name: String, kind: Option<String>) -> WorldObject {
    WorldObject {
        key: format!("{namespace}/{name}"),
        attributes: ObjectAttributes {
            id,
            name: Some(name),
            namespace: Some(namespace),
            object_type: kind,
            ..ObjectAttributes::default()
        },
        agent_id: None,
        agent_name: None,
    }
}

/// Adds registered objects the list does not hold yet; one the list holds gains the
/// registration's uid when it has no id.
/// Compared by `(namespace, name)` apart, never by the joined `namespace/name`: the
/// document `{namespace: c, name: a/b}` is not the catalog's `{namespace: c/a, name: b}`.
fn register(objects: &mut Vec<WorldObject>, registrations: &[Registration]) {
    let mut index: HashMap<(String, String), usize> = objects
        .iter()
        .enumerate()
        .map(|(i, o)| (pair_of(o), i))
        .collect();
    for r in registrations {
        let key = (r.namespace.clone(), r.name.clone());
        match index.get(&key).and_then(|i| objects.get_mut(*i)) {
            Some(existing) => {
                if existing.attributes.id.is_none() {
                    existing.attributes.id = r.uid.clone();
                }
            }
            None => {
                index.insert(key, objects.len());
                objects.push(named(
                    r.uid.clone(),
                    r.namespace.clone(),
                    r.name.clone(),
                    None,
                ));
            }
        }
    }
}

impl World {
    /// A problem at a field path of the catalog.
    pub fn catalog_diagnostic(&self, path: &str, message: impl Into<String>) -> Diagnostic {
        self.catalog.diagnostic(path, message)
    }

    /// Builds the world from the catalog and the registering documents: the catalog's
    /// integrity checked, its agents indexed, each category's objects (the catalog's and
    /// the registered ones) in table order, their keys, then the notifications.
    pub fn build(
        mut catalog: LoadedCatalog,
        documents: &Documents,
        connections: &[ConnectionRegistration],
    ) -> (World, Vec<Diagnostic>) {
        let mut diagnostics = catalog.integrity();
        // The catalog's lists move into the world; its text stays for diagnostics.
        let c = std::mem::take(&mut catalog.catalog);
        let agents = Agents::of(&c.agents);
        let objects = [
            playbooks(&c.playbooks, &documents.playbooks),
            items(c.configs, &agents),
            items(c.components, &agents),
            connection_objects(&c.connections, connections),
        ];
        let keys = Category::ALL.map(|category| keys_of(category, &objects, &mut diagnostics));
        let world = World {
            objects,
            keys,
            people: c.people,
            teams: c.teams,
            notifications: notifications(&c.notifications, &documents.notifications),
            agents: agents.list,
            agent_keys: agents.keys,
            catalog,
        };
        (world, diagnostics)
    }
}

/// The catalog's agents, and each by the identity of its id and of its name.
struct Agents {
    list: Vec<AgentData>,
    keys: HashMap<String, usize>,
}

impl Agents {
    fn of(agents: &[Agent]) -> Agents {
        let list: Vec<AgentData> = agents
            .iter()
            .map(|a| AgentData {
                id: a.id.clone(),
                name: a.name.clone().unwrap_or_else(|| a.id.clone()),
            })
            .collect();
        // Agents by identity (trimmed and folded), as the runtime finds them; the
        // catalog's integrity check refuses two agents with one identity.
        let mut keys = HashMap::new();
        for (i, a) in list.iter().enumerate() {
            keys.entry(identity_key(&a.id).into_owned()).or_insert(i);
            keys.entry(identity_key(&a.name).into_owned()).or_insert(i);
        }
        Agents { list, keys }
    }

    /// An object's agent `(id, name)`: the catalog's agent, else the agent as written
    /// (trimmed) with no name.
    fn of_object(&self, agent: &Option<String>) -> (Option<String>, Option<String>) {
        match agent {
            None => (None, None),
            Some(key) => match self
                .keys
                .get(identity_key(key).as_ref())
                .and_then(|i| self.list.get(*i))
            {
                // A uuid id in another spelling is its canonical uuid to selectors, as
                // selectors' own `agent` values are (`ItemPattern::with_canonical_uuids`).
                Some(a) => (
                    Some(
                        rampart_runtime::identity::canonical_uuid(a.id.trim())
                            .map_or_else(|| a.id.clone(), |u| u.as_str().to_string()),
                    ),
                    Some(a.name.clone()),
                ),
                None => (Some(key.trim().to_string()), None),
            },
        }
    }
}

/// The catalog's playbooks and the registered ones, by key.
fn playbooks(catalog: &[NamedObject], registered: &[Registration]) -> Vec<WorldObject> {
    let mut playbooks: Vec<WorldObject> = catalog
        .iter()
        .map(|p| {
            let mut o = named(
                p.id.clone(),
                p.namespace.clone().unwrap_or_else(|| "default".into()),
                p.name.clone(),
                None,
            );
            o.attributes.category = p.category.clone();
            o
        })
        .collect();
    register(&mut playbooks, registered);
    playbooks.sort_by(|a, b| a.key.cmp(&b.key));
    playbooks
}

/// Configs or components (those with an id), with their agents, in (namespace, type,
/// name, id) order.
fn items(list: Vec<ObjectAttributes>, agents: &Agents) -> Vec<WorldObject> {
    let mut objects: Vec<WorldObject> = list
        .into_iter()
        .filter(|item| item.id.is_some())
        .map(|item| {
            let (agent_id, agent_name) = agents.of_object(&item.agent);
            WorldObject {
                key: item.id.clone().unwrap_or_default(),
                attributes: item,
                agent_id,
                agent_name,
            }
        })
        .collect();
    fn order(o: &WorldObject) -> (Option<&str>, Option<&str>, Option<&str>, &str) {
        (
            o.attributes.effective_namespace(Category::Config),
            o.attributes.object_type.as_deref(),
            o.attributes.name.as_deref(),
            o.key.as_str(),
        )
    }
    objects.sort_by(|a, b| order(a).cmp(&order(b)));
    objects
}

/// The catalog's connections and those Connection documents define, by key; a document
/// naming a catalog connection fills its id and type where the catalog has none.
fn connection_objects(
    catalog: &[CatalogConnection],
    defined: &[ConnectionRegistration],
) -> Vec<WorldObject> {
    let mut connection_objects: Vec<WorldObject> = catalog
        .iter()
        .map(|k| {
            named(
                k.id.clone(),
                k.namespace.clone().unwrap_or_else(|| "default".into()),
                k.name.clone(),
                k.connection_type.clone(),
            )
        })
        .collect();
    let mut index: HashMap<(String, String), usize> = connection_objects
        .iter()
        .enumerate()
        .map(|(i, o)| (pair_of(o), i))
        .collect();
    for d in defined {
        let key = (d.namespace.clone(), d.name.clone());
        match index.get(&key).and_then(|i| connection_objects.get_mut(*i)) {
            Some(existing) => {
                if existing.attributes.id.is_none() {
                    existing.attributes.id = d.uid.clone();
                }
                if existing.attributes.object_type.is_none() {
                    existing.attributes.object_type = Some(d.connection_type.clone());
                }
            }
            None => {
                index.insert(key, connection_objects.len());
                connection_objects.push(named(
                    d.uid.clone(),
                    d.namespace.clone(),
                    d.name.clone(),
                    Some(d.connection_type.clone()),
                ));
            }
        }
    }
    connection_objects.sort_by(|a, b| a.key.cmp(&b.key));
    connection_objects
}

/// A named object's `(namespace, name)`.
fn pair_of(o: &WorldObject) -> (String, String) {
    (
        o.attributes.namespace.clone().unwrap_or_default(),
        o.attributes.name.clone().unwrap_or_default(),
    )
}

/// A category's key and id -> object; an id that names a second object is reported, and
/// so is a `namespace/name` two objects share (`{namespace: c, name: a/b}` and
/// `{namespace: c/a, name: b}`): a reference to it could mean either.
fn keys_of(
    category: Category,
    objects: &[Vec<WorldObject>; 4],
    diagnostics: &mut Vec<Diagnostic>,
) -> HashMap<String, u32> {
    let objects = category.of(objects);
    let mut keys = HashMap::with_capacity(objects.len());
    for (i, o) in objects.iter().enumerate() {
        if let Some(first) = keys.insert(o.key.clone(), i as u32) {
            let of = |o: &WorldObject| {
                let (namespace, name) = pair_of(o);
                format!("namespace `{namespace}` and name `{name}`")
            };
            if let Some(other) = objects.get(first as usize) {
                diagnostics.push(
                    Diagnostic::general(format!(
                        "{category} `{}` names two {}: {} and {}",
                        o.key,
                        category.plural(),
                        of(other),
                        of(o)
                    ))
                    .help(
                        "Kubernetes names hold no `/`: rename the one whose namespace or name does",
                    ),
                );
            }
        }
    }
    for (i, o) in objects.iter().enumerate() {
        if let Some(id) = o.attributes.id.as_ref().filter(|id| **id != o.key) {
            if keys.get(id).is_some_and(|other| *other != i as u32) {
                diagnostics.push(Diagnostic::general(format!(
                    "{category} id `{id}` names two {}",
                    category.plural()
                )));
            } else {
                keys.insert(id.clone(), i as u32);
            }
        }
    }
    keys
}

/// The catalog's notifications and the registered ones, by (namespace, name); a
/// registration naming a catalog notification fills its id where the catalog has none.
fn notifications(catalog: &[NamedObject], registered: &[Registration]) -> Vec<Notification> {
    let mut notifications: Vec<Notification> = catalog
        .iter()
        .map(|n| Notification {
            namespace: n.namespace.clone().unwrap_or_else(|| "default".into()),
            name: n.name.clone(),
            id: n.id.clone(),
        })
        .collect();
    let mut known: HashMap<(String, String), usize> = notifications
        .iter()
        .enumerate()
        .map(|(i, n)| ((n.namespace.clone(), n.name.clone()), i))
        .collect();
    for r in registered {
        let key = (r.namespace.clone(), r.name.clone());
        match known.get(&key).and_then(|i| notifications.get_mut(*i)) {
            Some(existing) => {
                if existing.id.is_none() {
                    existing.id = r.uid.clone();
                }
            }
            None => {
                known.insert(key, notifications.len());
                notifications.push(Notification {
                    namespace: r.namespace.clone(),
                    name: r.name.clone(),
                    id: r.uid.clone(),
                });
            }
        }
    }
    notifications.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    notifications
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{Location, SourceFile};

    #[test]
    fn register_keys_by_namespace_and_name_apart() {
        let catalog = [NamedObject {
            id: Some("pb-catalog".into()),
            namespace: Some("c/a".into()),
            name: "b".into(),
            category: None,
        }];
        let file = SourceFile::new("playbook.yaml", "x".into());
        let registered = [Registration {
            namespace: "c".into(),
            name: "a/b".into(),
            uid: Some("pb-document".into()),
            location: Location::new(&file, 0, 1),
        }];
        let found = playbooks(&catalog, &registered);
        let pairs: Vec<(Option<&str>, Option<&str>, Option<&str>)> = found
            .iter()
            .map(|o| {
                (
                    o.attributes.namespace.as_deref(),
                    o.attributes.name.as_deref(),
                    o.attributes.id.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            pairs,
            [
                (Some("c/a"), Some("b"), Some("pb-catalog")),
                (Some("c"), Some("a/b"), Some("pb-document")),
            ]
        );
    }
}
