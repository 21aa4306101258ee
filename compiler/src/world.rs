//! The world after loading: every object of every category with dense ids, in the order
//! the tables number them, plus people, teams and agents.
//!
//! Configs and components are numbered in (namespace, type, name, id) order so that the
//! sets selectors produce are a few runs, which roaring stores compactly.

use std::collections::HashMap;

use rampart_runtime::data::{AgentData, ConnectionData};
use rampart_runtime::{Category, ObjectAttributes, ObjectView};

use crate::catalog::{Catalog, CatalogItem, Person, Team};
use crate::diagnostic::Diagnostic;
use crate::documents::{Documents, Registration};
use crate::source::SourceFile;

/// One object with its resolved agent.
#[derive(Clone, Debug)]
pub struct WorldObject {
    pub key: String,
    pub attributes: ObjectAttributes,
    pub agent_id: Option<String>,
    pub agent_name: Option<String>,
}

impl WorldObject {
    /// The view selectors are evaluated against.
    pub fn view(&self, category: Category) -> ObjectView<'_> {
        ObjectView {
            category,
            attributes: &self.attributes,
            agent_id: self.agent_id.as_deref(),
            agent_name: self.agent_name.as_deref(),
        }
    }
}

/// A notification that can act as a service subject.
#[derive(Clone, Debug)]
pub struct Notification {
    pub namespace: String,
    pub name: String,
    pub id: Option<String>,
}

/// Everything the documents can name.
#[derive(Debug, Default)]
pub struct World {
    pub objects: [Vec<WorldObject>; 4],
    pub keys: [HashMap<String, u32>; 4],
    pub people: Vec<Person>,
    pub teams: Vec<Team>,
    pub notifications: Vec<Notification>,
    pub agents: Vec<AgentData>,
    pub agent_keys: HashMap<String, usize>,
    pub connections: Vec<ConnectionData>,
}

fn catalog_error(file: &std::sync::Arc<SourceFile>, message: String, field: String) -> Diagnostic {
    Diagnostic::in_file(&file.path, message).field(field)
}

impl World {
    /// Builds the world from the catalog and the registering documents.
    pub fn build(
        catalog: Catalog,
        catalog_file: Option<&std::sync::Arc<SourceFile>>,
        documents: &Documents,
        connections: Vec<ConnectionData>,
    ) -> (World, Vec<Diagnostic>) {
        let mut diagnostics = Vec::new();
        let mut world = World::default();
        let mut report = |message: String, field: String| {
            if let Some(file) = catalog_file {
                diagnostics.push(catalog_error(file, message, field));
            }
        };
        for (i, a) in catalog.agents.iter().enumerate() {
            let name = a.name.clone().unwrap_or_else(|| a.id.clone());
            for key in [a.id.clone(), name.clone()] {
                if world
                    .agent_keys
                    .insert(key.clone(), i)
                    .is_some_and(|other| other != i)
                {
                    report(
                        format!("agent `{key}` is defined twice"),
                        format!("agents[{i}]"),
                    );
                }
            }
            world.agents.push(AgentData {
                id: a.id.clone(),
                name,
            });
        }
        let agent_of = |agent: &Option<String>,
                        agents: &[AgentData],
                        keys: &HashMap<String, usize>| match agent {
            None => (None, None),
            Some(key) => match keys.get(key).and_then(|i| agents.get(*i)) {
                Some(a) => (Some(a.id.clone()), Some(a.name.clone())),
                None => (Some(key.clone()), None),
            },
        };

        let mut playbooks: Vec<WorldObject> = catalog
            .playbooks
            .iter()
            .map(|p| WorldObject {
                key: p.key(),
                attributes: ObjectAttributes {
                    id: p.id.clone(),
                    name: Some(p.name.clone()),
                    namespace: Some(p.namespace.clone().unwrap_or_else(|| "default".into())),
                    category: p.category.clone(),
                    ..ObjectAttributes::default()
                },
                agent_id: None,
                agent_name: None,
            })
            .collect();
        add_registrations(&mut playbooks, &documents.playbooks);
        playbooks.sort_by(|a, b| a.key.cmp(&b.key));

        let items = |list: &[CatalogItem], agents: &[AgentData], keys: &HashMap<String, usize>| {
            let mut objects: Vec<WorldObject> = list
                .iter()
                .map(|c| {
                    let (agent_id, agent_name) = agent_of(&c.agent, agents, keys);
                    WorldObject {
                        key: c.id.clone(),
                        attributes: ObjectAttributes {
                            id: Some(c.id.clone()),
                            name: c.name.clone(),
                            namespace: c.namespace.clone(),
                            object_type: c.item_type.clone(),
                            class: c.class.clone(),
                            agent: c.agent.clone(),
                            status: c.status.clone(),
                            health: c.health.clone(),
                            category: None,
                            tags: c.tags.clone(),
                            labels: c.labels.clone(),
                            properties: c.properties.clone(),
                        },
                        agent_id,
                        agent_name,
                    }
                })
                .collect();
            objects.sort_by(|a, b| {
                let ka = (
                    &a.attributes.namespace,
                    &a.attributes.object_type,
                    &a.attributes.name,
                    &a.key,
                );
                let kb = (
                    &b.attributes.namespace,
                    &b.attributes.object_type,
                    &b.attributes.name,
                    &b.key,
                );
                ka.cmp(&kb)
            });
            objects
        };
        let configs = items(&catalog.configs, &world.agents, &world.agent_keys);
        let components = items(&catalog.components, &world.agents, &world.agent_keys);

        let mut connection_objects: Vec<WorldObject> = catalog
            .connections
            .iter()
            .map(|c| {
                connection_object(
                    c.id.clone(),
                    c.namespace.clone().unwrap_or_else(|| "default".into()),
                    c.name.clone(),
                    c.connection_type.clone(),
                )
            })
            .collect();
        for c in &connections {
            if !connection_objects
                .iter()
                .any(|o| o.key == format!("{}/{}", c.namespace, c.name))
            {
                connection_objects.push(connection_object(
                    None,
                    c.namespace.clone(),
                    c.name.clone(),
                    Some(c.connection_type.clone()),
                ));
            }
        }
        connection_objects.sort_by(|a, b| a.key.cmp(&b.key));

        world.objects = [playbooks, configs, components, connection_objects];
        for c in Category::ALL {
            let mut keys = HashMap::new();
            for (i, o) in c.of(&world.objects).iter().enumerate() {
                if keys.insert(o.key.clone(), i as u32).is_some() {
                    report(
                        format!("{c} `{}` is defined twice", o.key),
                        format!("{}s", c.name()),
                    );
                }
                if let Some(id) = &o.attributes.id {
                    if id != &o.key {
                        keys.entry(id.clone()).or_insert(i as u32);
                    }
                }
            }
            *c.of_mut(&mut world.keys) = keys;
        }

        world.people = catalog.people;
        for (i, p) in world.people.iter().enumerate() {
            if p.key().is_none() {
                report(
                    "a person needs an `email` or an `id`".into(),
                    format!("people[{i}]"),
                );
            }
        }
        world.teams = catalog.teams;
        let mut notifications: Vec<Notification> = catalog
            .notifications
            .iter()
            .map(|n| Notification {
                namespace: n.namespace.clone().unwrap_or_else(|| "default".into()),
                name: n.name.clone(),
                id: n.id.clone(),
            })
            .collect();
        for r in &documents.notifications {
            if !notifications
                .iter()
                .any(|n| n.namespace == r.namespace && n.name == r.name)
            {
                notifications.push(Notification {
                    namespace: r.namespace.clone(),
                    name: r.name.clone(),
                    id: None,
                });
            }
        }
        notifications.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        world.notifications = notifications;
        world.connections = connections;
        (world, diagnostics)
    }
}

fn connection_object(
    id: Option<String>,
    namespace: String,
    name: String,
    connection_type: Option<String>,
) -> WorldObject {
    WorldObject {
        key: format!("{namespace}/{name}"),
        attributes: ObjectAttributes {
            id,
            name: Some(name),
            namespace: Some(namespace),
            object_type: connection_type,
            ..ObjectAttributes::default()
        },
        agent_id: None,
        agent_name: None,
    }
}

fn add_registrations(objects: &mut Vec<WorldObject>, registrations: &[Registration]) {
    for r in registrations {
        let key = format!("{}/{}", r.namespace, r.name);
        if !objects.iter().any(|o| o.key == key) {
            objects.push(WorldObject {
                key,
                attributes: ObjectAttributes {
                    name: Some(r.name.clone()),
                    namespace: Some(r.namespace.clone()),
                    ..ObjectAttributes::default()
                },
                agent_id: None,
                agent_name: None,
            });
        }
    }
}
