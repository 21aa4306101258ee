//! Subject units: what rules are granted to, and what an explanation names when it says
//! through which membership a rule applied (`via team payments`).

use std::fmt;

use serde::{Deserialize, Serialize};

/// What a subject unit is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum UnitKind {
    /// A person (the unit of the principal itself).
    Person,
    /// A team of the catalog.
    Team,
    /// A PermissionGroup.
    Group,
    /// A built-in role.
    Role,
    /// A playbook acting as a service.
    Playbook,
    /// A notification acting as a service.
    Notification,
}

impl UnitKind {
    /// The word used in explanations (`team`, `group`, ...).
    pub fn word(self) -> &'static str {
        match self {
            UnitKind::Person => "person",
            UnitKind::Team => "team",
            UnitKind::Group => "group",
            UnitKind::Role => "role",
            UnitKind::Playbook => "playbook",
            UnitKind::Notification => "notification",
        }
    }
}

impl fmt::Display for UnitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}
