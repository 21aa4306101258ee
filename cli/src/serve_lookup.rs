//! Resolve-on-miss for `rampart serve --postgres`: the sidecar's [`ObjectLookup`] over
//! Mission Control's database ([`rampart_mission_control::lookup`]): a config,
//! component, playbook or connection fetched by its id when the tables in force do not
//! know it yet.

use rampart_mission_control::lookup::{Found, ObjectLookup as DatabaseObjects};
use rampart_mission_control::session::Database;
use rampart_runtime::Category;
use rampart_serve::resolve::{Looked, ObjectLookup};

/// Objects looked up in Mission Control's database.
pub struct DatabaseLookup(DatabaseObjects);

impl DatabaseLookup {
    /// Lookups in `database` (a connection of their own, opened on the first miss).
    pub fn new(database: Database) -> DatabaseLookup {
        DatabaseLookup(DatabaseObjects::new(database))
    }
}

impl ObjectLookup for DatabaseLookup {
    fn fetch(&self, category: Category, id: &str) -> Result<Looked, String> {
        match self.0.fetch(category, id) {
            Ok(Found::Object(attributes)) => Ok(Looked::Found(attributes)),
            Ok(Found::Absent) => Ok(Looked::Absent),
            Ok(Found::Unreadable(why)) => Err(format!(
                "its row cannot be read ({why}); it stays unknown until the row is fixed"
            )),
            Err(e) => Err(crate::serve_source::message(&e)),
        }
    }
}
