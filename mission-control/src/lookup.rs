//! Resolve-on-miss for `rampart serve --postgres`: one config, component, playbook or
//! connection fetched by its primary key when a request names an id the tables in force
//! do not know (it was created after the last refresh). The row is read as the catalog
//! reads it — only the columns of [`crate::shape`], live rows only (`deleted_at IS
//! NULL`), a config's namespace from its tags, `properties` as a map — so that the
//! runtime classifies it by its attributes exactly as a recompile would number it.
//!
//! A config's or component's agent is named too (`agents.name` by the row's `agent_id`,
//! live agents only), so that an object whose agent was created after the tables is
//! matched by selectors naming that agent, as the next compile matches it.
//!
//! An id that is not a uuid is no primary key: it is absent without a query. A uuid in
//! any spelling is fetched by its canonical text (`{…}`, `urn:uuid:…`, 32 hex digits and
//! upper case name the row its canonical uuid names, as the runtime finds a catalogued
//! object by every spelling of its id). The lookup
//! has a connection of its own (reconnected after an error), with `row_security = off`
//! (a row that row-level security would hide is an error, never "absent") and a statement
//! timeout, since a request waits on it.

use std::sync::Mutex;

use rampart_runtime::{Category, ObjectAttributes};

use crate::catalog_read::{live_objects, RawObject};
use crate::error::SourceError;
use crate::identifier::quote_identifier;
use crate::session::{text, Connection, Database, StatementLog};

/// How long one lookup may take in the server before it is an error.
pub const STATEMENT_TIMEOUT_MS: u32 = 2_000;

/// What a lookup found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Found {
    /// A live row, as attributes.
    Object(Box<ObjectAttributes>),
    /// No live row has that id (never created, soft-deleted, or not a uuid).
    Absent,
    /// The row exists but its JSON cannot be read (as `pull` leaves it out): why.
    Unreadable(String),
}

/// The canonical text (lowercase, hyphenated, as PostgreSQL prints a uuid) of the uuid
/// `id` spells in any form Mission Control accepts — braces, `urn:uuid:`, no hyphens, any
/// case ([`rampart_runtime::identity`]) — else `None`: no primary key.
pub fn canonical_id(id: &str) -> Option<String> {
    rampart_runtime::identity::canonical_uuid(id.trim()).map(|u| u.as_str().to_string())
}

/// Fetches single objects by id from Mission Control's database.
pub struct ObjectLookup {
    database: Database,
    connection: Mutex<Option<Connection>>,
}

impl std::fmt::Debug for ObjectLookup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectLookup")
            .field("database", &self.database)
            .finish_non_exhaustive()
    }
}

impl ObjectLookup {
    /// A lookup in `database` (it connects on its first use).
    pub fn new(database: Database) -> ObjectLookup {
        ObjectLookup {
            database,
            connection: Mutex::new(None),
        }
    }

    /// The statement log of the connection in use (`None` before the first lookup).
    pub fn log(&self) -> Option<StatementLog> {
        self.connection
            .lock()
            .ok()
            .and_then(|c| c.as_ref().map(Connection::log))
    }

    /// The live object of `category` whose id is `id`. Notifications are subjects, not
    /// objects: only configs, components, playbooks and connections are looked up.
    pub fn fetch(&self, category: Category, id: &str) -> Result<Found, SourceError> {
        let Some(id) = canonical_id(id) else {
            return Ok(Found::Absent);
        };
        let id = id.as_str();
        let mut guard = self
            .connection
            .lock()
            .map_err(|_| SourceError::Connect("the lookup connection was poisoned".into()))?;
        if guard.is_none() {
            let mut connection = self.database.connect()?;
            for setting in [
                "SET row_security = off".to_string(),
                format!("SET statement_timeout = {STATEMENT_TIMEOUT_MS}"),
            ] {
                connection.query("the object lookup", &setting, &[])?;
            }
            *guard = Some(connection);
        }
        let Some(connection) = guard.as_mut() else {
            return Err(SourceError::Connect("no lookup connection".into()));
        };
        let result = fetch_on(connection, category, id);
        if matches!(
            result,
            Err(SourceError::Query { .. } | SourceError::Connect(_))
        ) {
            // The connection may be broken: the next lookup opens a new one.
            *guard = None;
        }
        result
    }
}

fn fetch_on(
    connection: &mut Connection,
    category: Category,
    id: &str,
) -> Result<Found, SourceError> {
    let table_name = match category {
        Category::Config => "config_items",
        Category::Component => "components",
        Category::Playbook => "playbooks",
        Category::Connection => "connections",
    };
    let table = format!(
        "{}.{}",
        quote_identifier(connection.schema()),
        quote_identifier(table_name)
    );
    match category {
        Category::Config | Category::Component => {
            let sql = format!(
                "{} AND id = $1::text::uuid",
                live_objects(table_name, &table)
            );
            let rows = connection.query(table_name, &sql, &[&id])?;
            let Some(row) = rows.first() else {
                return Ok(Found::Absent);
            };
            let mut attributes = match RawObject::of(row, table_name)?.attributes() {
                Ok(attributes) => attributes,
                Err(why) => return Ok(Found::Unreadable(why)),
            };
            // The agent's name, for an agent created after the tables (they name the
            // agents they know themselves).
            if let Some(agent) = attributes.agent.as_deref().and_then(canonical_id) {
                let agents = format!(
                    "{}.{}",
                    quote_identifier(connection.schema()),
                    quote_identifier("agents")
                );
                let rows = connection.query(
                    "agents",
                    &format!(
                        "SELECT name FROM {agents} WHERE deleted_at IS NULL AND id = $1::text::uuid"
                    ),
                    &[&agent],
                )?;
                if let Some(row) = rows.first() {
                    attributes.agent_name = text(row, 0, "agents")?;
                }
            }
            Ok(Found::Object(Box::new(attributes)))
        }
        Category::Playbook | Category::Connection => {
            let fourth = if category == Category::Playbook {
                "category"
            } else {
                "type"
            };
            let sql = format!(
                "SELECT id::text, namespace, name, {fourth} FROM {table} \
                 WHERE deleted_at IS NULL AND id = $1::text::uuid"
            );
            let rows = connection.query(table_name, &sql, &[&id])?;
            let Some(row) = rows.first() else {
                return Ok(Found::Absent);
            };
            let fourth = text(row, 3, table_name)?;
            let mut attributes = ObjectAttributes {
                id: text(row, 0, table_name)?,
                // As the compiler's world names a catalog entry without a namespace.
                namespace: Some(text(row, 1, table_name)?.unwrap_or_else(|| "default".to_string())),
                name: Some(text(row, 2, table_name)?.unwrap_or_default()),
                ..ObjectAttributes::default()
            };
            if category == Category::Playbook {
                attributes.category = fourth;
            } else {
                attributes.object_type = fourth;
            }
            Ok(Found::Object(Box::new(attributes)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::canonical_id;

    #[test]
    fn every_spelling_of_a_uuid_is_its_primary_key() {
        let canonical = "0a1b2c3d-0000-0000-0000-0000000005a1";
        for spelling in [
            canonical,
            "0A1B2C3D-0000-0000-0000-0000000005A1",
            "{0a1b2c3d-0000-0000-0000-0000000005a1}",
            "urn:uuid:0a1b2c3d-0000-0000-0000-0000000005a1",
            "0a1b2c3d0000000000000000000005A1",
        ] {
            assert_eq!(
                canonical_id(spelling).as_deref(),
                Some(canonical),
                "{spelling}"
            );
        }
        for not in [
            "",
            "mc/echo-config",
            "00000000-0000-0000-0000-0000000005a",
            "00000000-0000-0000-0000-0000000005a1x",
            "00000000_0000-0000-0000-0000000005a1",
            "0000000g-0000-0000-0000-0000000005a1",
            "{00000000-0000-0000-0000-0000000005a1)",
        ] {
            assert_eq!(canonical_id(not), None, "{not}");
        }
    }
}
