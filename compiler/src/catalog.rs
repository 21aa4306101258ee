//! The catalog: the world the documents speak about (people, teams, agents, playbooks,
//! notifications, configs, components, connections), from YAML or JSON.
//!
//! JSON is parsed with serde_json (fast enough for a million configs); YAML with the same
//! strict serde-saphyr options as documents. Unknown fields are errors in both. Configs
//! and components share one schema with the objects requests describe
//! ([`ObjectAttributes`]). Problems found after parsing (a duplicate email, an unknown
//! agent) point at their line and column in either format.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use rampart_runtime::identity::identity_key;
use rampart_runtime::ObjectAttributes;
use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;
use crate::source::{Location, RowOrigin, SourceFile};

/// A person; the key is the email, else the id.
#[derive(Clone, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Person {
    /// The person's id.
    pub id: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Built-in roles.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Team names or ids.
    #[serde(default)]
    pub teams: Vec<String>,
    /// People (emails, ids or names) whose access this person has too, everything they
    /// hold and everything granted or denied them: an access token's creator (Mission
    /// Control's casbin `g, <token>, <creator>`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inherits: Vec<String>,
}

impl Person {
    /// The key a person is known by: email, else id (empty when neither, which the
    /// catalog check refuses).
    pub fn key(&self) -> &str {
        self.email.as_deref().or(self.id.as_deref()).unwrap_or("")
    }
}

/// A team; the key is the name.
#[derive(Clone, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Team {
    /// The team's id.
    pub id: Option<String>,
    /// Its name.
    pub name: String,
    /// Emails, ids or names of people.
    #[serde(default)]
    pub members: Vec<String>,
}

/// An agent, named by id or name in selectors and requests.
#[derive(Clone, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Agent {
    /// Its id.
    pub id: String,
    /// Its name (the id when absent).
    pub name: Option<String>,
}

/// A playbook or notification: `namespace/name`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NamedObject {
    /// Its id.
    pub id: Option<String>,
    /// Its namespace (`default` when absent).
    pub namespace: Option<String>,
    /// Its name.
    pub name: String,
    /// A playbook's category.
    pub category: Option<String>,
}

impl NamedObject {
    /// `namespace/name`, with `default` for a missing namespace.
    pub fn key(&self) -> String {
        format!(
            "{}/{}",
            self.namespace.as_deref().unwrap_or("default"),
            self.name
        )
    }
}

/// A connection known to the catalog (in addition to Connection documents).
#[derive(Clone, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogConnection {
    /// Its id.
    pub id: Option<String>,
    /// Its namespace (`default` when absent).
    pub namespace: Option<String>,
    /// Its name.
    pub name: String,
    /// Its type.
    #[serde(rename = "type")]
    pub connection_type: Option<String>,
}

/// The whole catalog.
#[derive(Clone, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    /// People.
    #[serde(default)]
    pub people: Vec<Person>,
    /// Teams.
    #[serde(default)]
    pub teams: Vec<Team>,
    /// Agents.
    #[serde(default)]
    pub agents: Vec<Agent>,
    /// Playbooks.
    #[serde(default)]
    pub playbooks: Vec<NamedObject>,
    /// Notifications.
    #[serde(default)]
    pub notifications: Vec<NamedObject>,
    /// Config items; the key is the id.
    #[serde(default)]
    pub configs: Vec<ObjectAttributes>,
    /// Components; the key is the id.
    #[serde(default)]
    pub components: Vec<ObjectAttributes>,
    /// Connections.
    #[serde(default)]
    pub connections: Vec<CatalogConnection>,
}

/// A catalog with the file it came from, so later problems can point into it.
#[derive(Debug)]
pub struct LoadedCatalog {
    /// The catalog.
    pub catalog: Catalog,
    /// Its file (empty for a catalog read from a database).
    pub file: Arc<SourceFile>,
    json: bool,
    /// For a catalog read from a database: the rows of its people and teams (the lists
    /// the resolver still names after the world has taken the catalog's lists), by index.
    rows: Option<DatabaseRows>,
}

/// Where the entries of a catalog read from a database came from.
#[derive(Debug, Default)]
struct DatabaseRows {
    people: Vec<RowOrigin>,
    teams: Vec<RowOrigin>,
}

/// The database table an entry of a catalog list was read from, and the name column's
/// value, for messages.
fn row_of(catalog: &Catalog, list: &str, index: usize) -> Option<(RowOrigin, String)> {
    fn row(table: &str, id: Option<&str>, name: Option<&str>) -> Option<RowOrigin> {
        Some(RowOrigin {
            table: table.to_string(),
            id: id?.to_string(),
            name: name.map(str::to_string),
            source: None,
            columns: Vec::new(),
        })
    }
    let text = |value: Result<String, serde_json::Error>| value.unwrap_or_default();
    match list {
        "people" => catalog.people.get(index).and_then(|p| {
            Some((
                row("people", p.id.as_deref(), p.name.as_deref())?,
                text(serde_json::to_string_pretty(p)),
            ))
        }),
        "teams" => catalog.teams.get(index).and_then(|t| {
            Some((
                row("teams", t.id.as_deref(), Some(&t.name))?,
                text(serde_json::to_string_pretty(t)),
            ))
        }),
        "agents" => catalog.agents.get(index).and_then(|a| {
            Some((
                row("agents", Some(&a.id), a.name.as_deref())?,
                text(serde_json::to_string_pretty(a)),
            ))
        }),
        "playbooks" | "notifications" => {
            let items = if list == "playbooks" {
                &catalog.playbooks
            } else {
                &catalog.notifications
            };
            items.get(index).and_then(|o| {
                Some((
                    row(list, o.id.as_deref(), Some(&o.name))?,
                    text(serde_json::to_string_pretty(o)),
                ))
            })
        }
        "configs" | "components" => {
            let (items, table) = if list == "configs" {
                (&catalog.configs, "config_items")
            } else {
                (&catalog.components, "components")
            };
            items.get(index).and_then(|o| {
                Some((
                    row(table, o.id.as_deref(), o.name.as_deref())?,
                    text(serde_json::to_string_pretty(o)),
                ))
            })
        }
        "connections" => catalog.connections.get(index).and_then(|c| {
            Some((
                row("connections", c.id.as_deref(), Some(&c.name))?,
                text(serde_json::to_string_pretty(c)),
            ))
        }),
        _ => None,
    }
}

impl LoadedCatalog {
    /// An empty catalog (no `--catalog`).
    pub fn empty() -> LoadedCatalog {
        LoadedCatalog {
            catalog: Catalog::default(),
            file: SourceFile::new("<no catalog>", String::new()),
            json: true,
            rows: None,
        }
    }

    /// A catalog read from a database (`label` names it, `postgres:people,...` say): its
    /// problems are located by the row each entry was read from (every entry's `id` is
    /// its row's primary key).
    pub fn from_database(catalog: Catalog, label: &str) -> LoadedCatalog {
        let origins = |list: &str, len: usize| -> Vec<RowOrigin> {
            (0..len)
                .filter_map(|i| row_of(&catalog, list, i).map(|(row, _)| row))
                .collect()
        };
        let rows = DatabaseRows {
            people: origins("people", catalog.people.len()),
            teams: origins("teams", catalog.teams.len()),
        };
        LoadedCatalog {
            file: SourceFile::new(label, String::new()),
            catalog,
            json: true,
            rows: Some(rows),
        }
    }

    /// The row a field path (`configs[3].agent`) of a catalog read from a database names.
    fn locate_row(&self, rows: &DatabaseRows, path: &str) -> Option<Location> {
        let (list, rest) = path.split_once('[')?;
        let index: usize = rest.split(']').next()?.parse().ok()?;
        let (row, text) = match row_of(&self.catalog, list, index) {
            Some(found) => found,
            None => {
                let kept = match list {
                    "people" => rows.people.get(index),
                    "teams" => rows.teams.get(index),
                    _ => None,
                };
                (kept?.clone(), String::new())
            }
        };
        Some(Location::new(&SourceFile::for_row(row, text), 0, 1))
    }

    /// The location of a field path (`people[3].teams[1]`) in the catalog file, or the
    /// row it was read from.
    pub fn locate(&self, path: &str) -> Location {
        if let Some(rows) = &self.rows {
            if let Some(location) = self.locate_row(rows, path) {
                return location;
            }
        }
        let offset = if self.json {
            crate::json_path::locate(&self.file.text, path)
        } else {
            let plain = path.split('[').next().unwrap_or(path);
            crate::field_path::locate_indexed(&self.file.text, path)
                .or_else(|| crate::field_path::locate(&self.file.text, plain))
        };
        Location::new(&self.file, offset.unwrap_or(0), 1)
    }

    /// A problem at a field path of the catalog.
    pub fn diagnostic(&self, path: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::at(self.locate(path), message).field(path)
    }

    /// Every integrity problem: people without a key, two people sharing an email or an
    /// id, two objects with one key, configs and components naming unknown agents.
    pub fn integrity(&self) -> Vec<Diagnostic> {
        let c = &self.catalog;
        let mut out = self.control_characters();
        self.people_are_unique(&mut out);
        // Team names and ids are compared without case, as emails are.
        self.unique_without_case(
            "team",
            c.teams
                .iter()
                .enumerate()
                .map(|(i, t)| (t.name.clone(), format!("teams[{i}].name")))
                .collect(),
            &mut out,
        );
        self.unique_without_case(
            "team id",
            c.teams
                .iter()
                .enumerate()
                .filter_map(|(i, t)| t.id.clone().map(|id| (id, format!("teams[{i}].id"))))
                .collect(),
            &mut out,
        );
        self.agents_are_unique(&mut out);
        self.unique(
            "playbook",
            c.playbooks
                .iter()
                .enumerate()
                .map(|(i, p)| (p.key(), format!("playbooks[{i}].name")))
                .collect(),
            &mut out,
        );
        self.unique(
            "notification",
            c.notifications
                .iter()
                .enumerate()
                .map(|(i, p)| (p.key(), format!("notifications[{i}].name")))
                .collect(),
            &mut out,
        );
        self.items_are_keyed(&mut out);
        self.unique(
            "connection",
            c.connections
                .iter()
                .enumerate()
                .map(|(i, k)| {
                    (
                        format!("{}/{}", k.namespace.as_deref().unwrap_or("default"), k.name),
                        format!("connections[{i}].name"),
                    )
                })
                .collect(),
            &mut out,
        );
        out
    }

    /// Every person has an email or an id, and no two share one. Emails and ids are
    /// compared without case: two people whose emails differ only in case would be two
    /// principals a rule could tell apart.
    fn people_are_unique(&self, out: &mut Vec<Diagnostic>) {
        let mut person_keys: HashMap<String, (String, &str)> = HashMap::new();
        for (i, p) in self.catalog.people.iter().enumerate() {
            if p.email.is_none() && p.id.is_none() {
                out.push(self.diagnostic(
                    &format!("people[{i}]"),
                    "a person needs an `email` or an `id`",
                ));
            }
            for (field, value) in [("email", &p.email), ("id", &p.id)] {
                let Some(value) = value.as_deref() else {
                    continue;
                };
                let path = format!("people[{i}].{field}");
                // An id that is a uuid is one id in every spelling (`crate::world`).
                let identity = rampart_runtime::identity::canonical_uuid(value.trim())
                    .map_or_else(|| value.to_lowercase(), |u| u.as_str().to_string());
                match person_keys.get(&identity) {
                    Some((first, spelled)) => out.push(self.diagnostic(
                        &path,
                        format!(
                            "person `{value}` is defined twice (first at `{first}`){}",
                            case_note(spelled, value, "emails and ids")
                        ),
                    )),
                    None => {
                        person_keys.insert(identity, (path, value));
                    }
                }
            }
        }
    }

    /// No agent id or name (other than its own id's) names two agents.
    fn agents_are_unique(&self, out: &mut Vec<Diagnostic>) {
        let mut agent_keys = Vec::new();
        for (i, a) in self.catalog.agents.iter().enumerate() {
            agent_keys.push((a.id.clone(), format!("agents[{i}].id")));
            if let Some(name) = a
                .name
                .as_ref()
                .filter(|n| identity_key(n) != identity_key(&a.id))
            {
                agent_keys.push((name.clone(), format!("agents[{i}].name")));
            }
        }
        self.unique_identity("agent", agent_keys, out);
    }

    /// Every config and component has an id, no two share one, and each names an agent
    /// the catalog lists; no component has tags.
    fn items_are_keyed(&self, out: &mut Vec<Diagnostic>) {
        let c = &self.catalog;
        let agents: std::collections::HashSet<String> = c
            .agents
            .iter()
            .flat_map(|a| std::iter::once(a.id.as_str()).chain(a.name.as_deref()))
            .map(|k| identity_key(k).into_owned())
            .collect();
        for (list, items) in [("configs", &c.configs), ("components", &c.components)] {
            let mut keys = Vec::new();
            for (i, item) in items.iter().enumerate() {
                match &item.id {
                    Some(id) => keys.push((id.clone(), format!("{list}[{i}].id"))),
                    None => out.push(self.diagnostic(
                        &format!("{list}[{i}]"),
                        format!("an entry of `{list}` needs an `id`"),
                    )),
                }
                // Mission Control has no tags on components (duty's `components` table
                // has no tags column, a component no tags matcher): a component's
                // `tags.KEY` never exists there, so tags given here would decide tag
                // selectors otherwise than Mission Control does (issue 23).
                if list == "components" && !item.tags.is_empty() {
                    let field = format!("{list}[{i}].tags");
                    // In flow style (`- {id: k, tags: {...}}`) the field has no line of
                    // its own: the entry is shown.
                    let flow = !self.json
                        && self.rows.is_none()
                        && crate::field_path::locate_indexed(&self.file.text, &field).is_none();
                    let at = if flow {
                        self.locate(&format!("{list}[{i}]"))
                    } else {
                        self.locate(&field)
                    };
                    out.push(
                        Diagnostic::at(
                            at,
                            "a component has no tags in Mission Control: its `tags.KEY` never exists there, so selectors reading tags would decide it otherwise than Mission Control does",
                        )
                        .field(field)
                        .help("write the component's key-value pairs as `labels` (`labels: {env: prod}`), and select them with `labelSelector`"),
                    );
                }
                if let Some(agent) = &item.agent {
                    if !agents.contains(identity_key(agent).as_ref()) {
                        out.push(
                            self.diagnostic(
                                &format!("{list}[{i}].agent"),
                                format!("unknown agent `{agent}`"),
                            )
                            .help(
                                rampart_runtime::suggest::did_you_mean(
                                    agent,
                                    agents.iter().map(String::as_str),
                                )
                                .unwrap_or_else(|| {
                                    "list every agent under `agents` (an id, and optionally a name)"
                                        .to_string()
                                }),
                            ),
                        );
                    }
                }
            }
            self.unique_identity(&list[..list.len() - 1], keys, out);
        }
    }

    /// Reports each `(key, path)` whose key an earlier one had exactly.
    fn unique(&self, what: &str, keys: Vec<(String, String)>, out: &mut Vec<Diagnostic>) {
        let mut seen: HashMap<String, String> = HashMap::new();
        for (key, path) in keys {
            match seen.get(&key) {
                Some(first) => out.push(self.diagnostic(
                    &path,
                    format!("{what} `{key}` is defined twice (first at `{first}`)"),
                )),
                None => {
                    seen.insert(key, path);
                }
            }
        }
    }

    /// Reports each `(key, path)` whose key an earlier one had in any case.
    fn unique_without_case(
        &self,
        what: &str,
        keys: Vec<(String, String)>,
        out: &mut Vec<Diagnostic>,
    ) {
        let mut seen: HashMap<String, (String, String)> = HashMap::new();
        for (key, path) in keys {
            match seen.get(&key.to_lowercase()) {
                Some((first, spelled)) => out.push(self.diagnostic(
                    &path,
                    format!(
                        "{what} `{key}` is defined twice (first at `{first}`){}",
                        case_note(spelled, &key, "names and ids")
                    ),
                )),
                None => {
                    seen.insert(key.to_lowercase(), (path, key));
                }
            }
        }
    }

    /// Reports each `(key, path)` whose identity an earlier one had. Agents and the ids
    /// of configs and components are identities: two spellings that differ only in case
    /// or surrounding space, or that spell one uuid, name one thing (`crate::world`, and the runtime's `identity`
    /// module, find them that way), so two such keys collide.
    fn unique_identity(&self, what: &str, keys: Vec<(String, String)>, out: &mut Vec<Diagnostic>) {
        let mut seen: HashMap<String, (String, String)> = HashMap::new();
        for (key, path) in keys {
            let identity = identity_key(&key).into_owned();
            match seen.get(&identity) {
                Some((first_key, first)) if *first_key == key => out.push(self.diagnostic(
                    &path,
                    format!("{what} `{key}` is defined twice (first at `{first}`)"),
                )),
                Some((first_key, first))
                    if rampart_runtime::identity::canonical_uuid(key.trim()).is_some() =>
                {
                    out.push(
                        self.diagnostic(
                            &path,
                            format!(
                                "{what} `{key}` and `{first_key}` (at `{first}`) are one uuid, `{identity}`"
                            ),
                        )
                        .help("a uuid is one id in every spelling Mission Control accepts (braces, `urn:uuid:`, no hyphens, any case): keep one"),
                    )
                }
                Some((first_key, first)) => out.push(
                    self.diagnostic(
                        &path,
                        format!(
                            "{what} `{key}` and `{first_key}` (at `{first}`) differ only in case or surrounding space"
                        ),
                    )
                    .help("ids and agents are compared trimmed and case-insensitively: keep one spelling"),
                ),
                None => {
                    seen.insert(identity, (key, path));
                }
            }
        }
    }
}

impl LoadedCatalog {
    /// Names with control characters (or bidirectional overrides) are refused: they would
    /// drive the terminal of whoever prints them.
    fn control_characters(&self) -> Vec<Diagnostic> {
        let c = &self.catalog;
        let mut fields: Vec<(String, &str)> = Vec::new();
        for (i, p) in c.people.iter().enumerate() {
            for (f, v) in [("email", &p.email), ("id", &p.id), ("name", &p.name)] {
                if let Some(v) = v {
                    fields.push((format!("people[{i}].{f}"), v));
                }
            }
        }
        for (i, t) in c.teams.iter().enumerate() {
            fields.push((format!("teams[{i}].name"), &t.name));
            if let Some(id) = &t.id {
                fields.push((format!("teams[{i}].id"), id));
            }
        }
        for (i, a) in c.agents.iter().enumerate() {
            fields.push((format!("agents[{i}].id"), &a.id));
            if let Some(n) = &a.name {
                fields.push((format!("agents[{i}].name"), n));
            }
        }
        for (list, items) in [
            ("playbooks", &c.playbooks),
            ("notifications", &c.notifications),
        ] {
            for (i, o) in items.iter().enumerate() {
                fields.push((format!("{list}[{i}].name"), &o.name));
                for (f, v) in [("namespace", &o.namespace), ("id", &o.id)] {
                    if let Some(v) = v {
                        fields.push((format!("{list}[{i}].{f}"), v));
                    }
                }
            }
        }
        for (list, items) in [("configs", &c.configs), ("components", &c.components)] {
            for (i, o) in items.iter().enumerate() {
                for (f, v) in [
                    ("id", &o.id),
                    ("name", &o.name),
                    ("namespace", &o.namespace),
                ] {
                    if let Some(v) = v {
                        fields.push((format!("{list}[{i}].{f}"), v));
                    }
                }
            }
        }
        for (i, k) in c.connections.iter().enumerate() {
            fields.push((format!("connections[{i}].name"), &k.name));
            if let Some(ns) = &k.namespace {
                fields.push((format!("connections[{i}].namespace"), ns));
            }
        }
        fields
            .into_iter()
            .filter(|(_, v)| rampart_runtime::text::has_control_characters(v))
            .map(|(path, v)| {
                self.diagnostic(
                    &path,
                    format!(
                        "`{}` holds a control character",
                        rampart_runtime::text::Shown(v)
                    ),
                )
                .help("names are printed by every command; remove the control characters")
            })
            .collect()
    }
}

impl Catalog {
    /// Reads a catalog from a `.json` file (or any file starting with `{`) or YAML; the
    /// error lists every structural problem of the file.
    pub fn load(path: &Path) -> Result<LoadedCatalog, Vec<Diagnostic>> {
        let text = crate::source::read_text(path).map_err(|e| {
            vec![Diagnostic::in_file(path, format!("cannot read the catalog: {}", e.trim_start_matches("cannot read file: ")))
                .help("the catalog is a YAML or JSON file with `people`, `teams`, `configs`, ... (see docs/catalog.md)")]
        })?;
        Catalog::from_text(path, text)
    }

    /// Reads a catalog from text (JSON when it starts with `{` or the path says `.json`).
    /// When the strict read fails, the error lists every structural problem of the file
    /// ([`crate::catalog_shape`]), or the strict read's one problem when the file is not
    /// even a tree of maps and lists (a syntax error, a duplicate key).
    pub fn from_text(path: &Path, text: String) -> Result<LoadedCatalog, Vec<Diagnostic>> {
        crate::source::refuse_bom(&text).map_err(|e| {
            vec![Diagnostic::in_file(
                path,
                format!("cannot read the catalog: {e}"),
            )]
        })?;
        let file = SourceFile::new(path, text);
        let json = path.extension().is_some_and(|x| x == "json")
            || file.text.trim_start().starts_with('{');
        let catalog = if json {
            Catalog::from_json(&file)?
        } else {
            Catalog::from_yaml(&file)?
        };
        Ok(LoadedCatalog {
            catalog,
            file,
            json,
            rows: None,
        })
    }

    fn from_json(file: &Arc<SourceFile>) -> Result<Catalog, Vec<Diagnostic>> {
        serde_json::from_str(&file.text).map_err(|e| {
            let problems = crate::catalog_shape::json_problems(file);
            if !problems.is_empty() {
                return problems;
            }
            let offset = file.offset(e.line(), e.column());
            let message = e.to_string();
            let message = message
                .split(" at line ")
                .next()
                .unwrap_or(&message)
                .to_string();
            vec![Diagnostic::at(Location::new(file, offset, 1), message)]
        })
    }

    fn from_yaml(file: &Arc<SourceFile>) -> Result<Catalog, Vec<Diagnostic>> {
        let docs = crate::yaml::split_documents(file);
        match docs.as_slice() {
            [] => Ok(Catalog::default()),
            [only] => only.parse::<Catalog>().map_err(|strict| {
                let problems = crate::catalog_shape::yaml_problems(only);
                if problems.is_empty() {
                    vec![strict]
                } else {
                    problems
                }
            }),
            [_, second, ..] => Err(vec![Diagnostic::at(
                second.start_location(),
                "a catalog is a single YAML document",
            )]),
        }
    }
}

/// `; first spelled `x`: ... are compared without case` when two spellings differ only in
/// case, else nothing.
pub(crate) fn case_note(first: &str, again: &str, what: &str) -> String {
    if first == again {
        String::new()
    } else {
        format!(" as `{first}`; {what} are compared without case")
    }
}
