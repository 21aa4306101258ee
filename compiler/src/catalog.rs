//! The catalog: the world the documents speak about (people, teams, agents, playbooks,
//! notifications, configs, components, connections), from YAML or JSON.
//!
//! JSON is parsed with serde_json (fast enough for a million configs); YAML with the same
//! strict serde-saphyr options as documents. Unknown fields are errors in both.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;
use crate::source::{Location, SourceFile};

/// A person; the key is the email, else the id.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub teams: Vec<String>,
}

impl Person {
    /// The key a person is known by: email, else id.
    pub fn key(&self) -> Option<&str> {
        self.email.as_deref().or(self.id.as_deref())
    }
}

/// A team; the key is the name.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Team {
    #[serde(default)]
    pub id: Option<String>,
    pub name: String,
    /// Emails, ids or names of people.
    #[serde(default)]
    pub members: Vec<String>,
}

/// An agent, named by id or name in selectors and requests.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Agent {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
}

/// A playbook or notification: `namespace/name`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NamedObject {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub namespace: Option<String>,
    pub name: String,
    #[serde(default)]
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

/// A config item or a component; the key is the id.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogItem {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default, rename = "type")]
    pub item_type: Option<String>,
    #[serde(default)]
    pub class: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub agent: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub health: Option<String>,
    #[serde(default)]
    pub properties: BTreeMap<String, String>,
}

/// A connection known to the catalog (in addition to Connection documents).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogConnection {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub namespace: Option<String>,
    pub name: String,
    #[serde(default, rename = "type")]
    pub connection_type: Option<String>,
}

/// The whole catalog.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    #[serde(default)]
    pub people: Vec<Person>,
    #[serde(default)]
    pub teams: Vec<Team>,
    #[serde(default)]
    pub agents: Vec<Agent>,
    #[serde(default)]
    pub playbooks: Vec<NamedObject>,
    #[serde(default)]
    pub notifications: Vec<NamedObject>,
    #[serde(default)]
    pub configs: Vec<CatalogItem>,
    #[serde(default)]
    pub components: Vec<CatalogItem>,
    #[serde(default)]
    pub connections: Vec<CatalogConnection>,
}

impl Catalog {
    /// Reads a catalog from a `.json` file or YAML.
    pub fn load(path: &Path) -> Result<(Catalog, Arc<SourceFile>), Diagnostic> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Diagnostic::in_file(path, format!("cannot read catalog: {e}")))?;
        let file = SourceFile::new(path, text);
        let is_json = path.extension().is_some_and(|x| x == "json")
            || file.text.trim_start().starts_with('{');
        let catalog = if is_json {
            Catalog::from_json(&file)?
        } else {
            Catalog::from_yaml(&file)?
        };
        Ok((catalog, file))
    }

    fn from_json(file: &Arc<SourceFile>) -> Result<Catalog, Diagnostic> {
        serde_json::from_str(&file.text).map_err(|e| {
            let offset = file.offset(e.line(), e.column());
            let message = e.to_string();
            let message = message
                .split(" at line ")
                .next()
                .unwrap_or(&message)
                .to_string();
            Diagnostic::at(
                Location {
                    file: Arc::clone(file),
                    offset,
                    len: 1,
                },
                message,
            )
        })
    }

    fn from_yaml(file: &Arc<SourceFile>) -> Result<Catalog, Diagnostic> {
        let docs = crate::documents::yaml::split_documents(file);
        match docs.as_slice() {
            [] => Ok(Catalog::default()),
            [only] => only.parse_large::<Catalog>(),
            [_, second, ..] => Err(Diagnostic::at(
                second.start_location(),
                "a catalog is a single YAML document",
            )),
        }
    }
}
