//! The reference shape: every table Rampart reads from a Mission Control database, the
//! columns it reads there (and no others), their types, and which tables announce their
//! changes on `table_activity`. Queries, the preflight check, `rampart catalog grants`
//! and the change watcher all take their column lists from here, so what Rampart reads,
//! what it checks and what it asks to be granted cannot drift apart.
//!
//! Columns that hold credentials or whole documents (`config_items.config`,
//! `connections.url`/`username`/`password`/`certificate`/`properties`, `agents.tls`,
//! `playbooks.spec`) are absent on purpose: nothing can select them.

/// The type a column must have (as `format_type` spells it, loosely).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnType {
    /// `uuid`.
    Uuid,
    /// `text`, `character varying(n)` or an enum (read as text).
    Text,
    /// `jsonb` (or `json`).
    Json,
    /// `boolean`.
    Boolean,
    /// `timestamp with time zone` (or without).
    Timestamp,
    /// `text[]` (or `character varying[]`).
    TextArray,
}

impl ColumnType {
    /// How the reference spells the type, for messages.
    pub fn name(self) -> &'static str {
        match self {
            ColumnType::Uuid => "uuid",
            ColumnType::Text => "text",
            ColumnType::Json => "jsonb",
            ColumnType::Boolean => "boolean",
            ColumnType::Timestamp => "timestamptz",
            ColumnType::TextArray => "text[]",
        }
    }

    /// Whether a column of PostgreSQL type `found` (`format_type`) and type kind
    /// `kind` (`pg_type.typtype`: `b` base, `e` enum, `d` domain, ...) reads as this type.
    pub fn accepts(self, found: &str, kind: &str) -> bool {
        let text_like = |t: &str| t == "text" || t.starts_with("character varying");
        match self {
            ColumnType::Uuid => found == "uuid",
            ColumnType::Text => text_like(found) || kind == "e",
            ColumnType::Json => found == "jsonb" || found == "json",
            ColumnType::Boolean => found == "boolean",
            ColumnType::Timestamp => found.starts_with("timestamp"),
            ColumnType::TextArray => found.strip_suffix("[]").is_some_and(text_like),
        }
    }
}

/// One column Rampart reads.
#[derive(Clone, Copy, Debug)]
pub struct Column {
    /// Its name.
    pub name: &'static str,
    /// Its type.
    pub column_type: ColumnType,
    /// A deprecated column a newer schema may have dropped: read when present.
    pub optional: bool,
}

const fn column(name: &'static str, column_type: ColumnType) -> Column {
    Column {
        name,
        column_type,
        optional: false,
    }
}

const fn deprecated(name: &'static str, column_type: ColumnType) -> Column {
    Column {
        name,
        column_type,
        optional: true,
    }
}

/// One table Rampart reads.
#[derive(Clone, Copy, Debug)]
pub struct Table {
    /// Its name.
    pub name: &'static str,
    /// The columns read.
    pub columns: &'static [Column],
    /// Whether Mission Control announces its changes on `table_activity`.
    pub notifies: bool,
    /// Whether it is read for the catalog (else for policy only).
    pub catalog: bool,
}

impl Table {
    /// The column of that name.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

use ColumnType::{Boolean, Json, Text, TextArray, Timestamp, Uuid};

/// `people`.
pub const PEOPLE: Table = Table {
    name: "people",
    columns: &[
        column("id", Uuid),
        column("name", Text),
        column("email", Text),
        column("type", Text),
        column("deleted_at", Timestamp),
    ],
    notifies: false,
    catalog: true,
};

/// `teams`.
pub const TEAMS: Table = Table {
    name: "teams",
    columns: &[
        column("id", Uuid),
        column("name", Text),
        column("deleted_at", Timestamp),
    ],
    notifies: true,
    catalog: true,
};

/// `team_members`: the authoritative membership (no soft delete).
pub const TEAM_MEMBERS: Table = Table {
    name: "team_members",
    columns: &[column("team_id", Uuid), column("person_id", Uuid)],
    notifies: true,
    catalog: true,
};

/// `casbin_rule`: role assignments are its `g` rows.
pub const CASBIN_RULE: Table = Table {
    name: "casbin_rule",
    columns: &[
        column("ptype", Text),
        column("v0", Text),
        column("v1", Text),
    ],
    notifies: false,
    catalog: true,
};

/// `agents`.
pub const AGENTS: Table = Table {
    name: "agents",
    columns: &[
        column("id", Uuid),
        column("name", Text),
        column("deleted_at", Timestamp),
    ],
    notifies: false,
    catalog: true,
};

/// `playbooks` (never `spec`).
pub const PLAYBOOKS: Table = Table {
    name: "playbooks",
    columns: &[
        column("id", Uuid),
        column("namespace", Text),
        column("name", Text),
        column("category", Text),
        column("deleted_at", Timestamp),
    ],
    notifies: true,
    catalog: true,
};

/// `notifications` (never recipients or templates).
pub const NOTIFICATIONS: Table = Table {
    name: "notifications",
    columns: &[
        column("id", Uuid),
        column("namespace", Text),
        column("name", Text),
        column("deleted_at", Timestamp),
    ],
    notifies: true,
    catalog: true,
};

/// `config_items` (never `config`).
pub const CONFIG_ITEMS: Table = Table {
    name: "config_items",
    columns: &[
        column("id", Uuid),
        column("name", Text),
        column("type", Text),
        column("config_class", Text),
        column("status", Text),
        column("health", Text),
        column("tags", Json),
        column("labels", Json),
        column("agent_id", Uuid),
        column("properties", Json),
        column("deleted_at", Timestamp),
    ],
    notifies: false,
    catalog: true,
};

/// `components`.
pub const COMPONENTS: Table = Table {
    name: "components",
    columns: &[
        column("id", Uuid),
        column("name", Text),
        column("namespace", Text),
        column("type", Text),
        column("status", Text),
        column("health", Text),
        column("labels", Json),
        column("agent_id", Uuid),
        column("properties", Json),
        column("deleted_at", Timestamp),
    ],
    notifies: false,
    catalog: true,
};

/// `connections` (never `url`, `username`, `password`, `certificate`, `properties`).
pub const CONNECTIONS: Table = Table {
    name: "connections",
    columns: &[
        column("id", Uuid),
        column("namespace", Text),
        column("name", Text),
        column("type", Text),
        column("deleted_at", Timestamp),
    ],
    notifies: false,
    catalog: true,
};

/// `permissions`.
pub const PERMISSIONS: Table = Table {
    name: "permissions",
    columns: &[
        column("id", Uuid),
        column("name", Text),
        column("namespace", Text),
        column("source", Text),
        column("subject_type", Text),
        column("subject", Text),
        column("person_id", Uuid),
        column("team_id", Uuid),
        column("notification_id", Uuid),
        column("action", Text),
        column("object", Text),
        column("object_selector", Json),
        column("deny", Boolean),
        column("config_id", Uuid),
        column("component_id", Uuid),
        column("playbook_id", Uuid),
        column("connection_id", Uuid),
        column("canary_id", Uuid),
        column("until", Timestamp),
        column("error", Text),
        column("deleted_at", Timestamp),
        deprecated("tags", Json),
        deprecated("agents", TextArray),
    ],
    notifies: true,
    catalog: false,
};

/// `permission_groups`.
pub const PERMISSION_GROUPS: Table = Table {
    name: "permission_groups",
    columns: &[
        column("id", Uuid),
        column("name", Text),
        column("namespace", Text),
        column("selectors", Json),
        column("source", Text),
        column("deleted_at", Timestamp),
    ],
    notifies: true,
    catalog: false,
};

/// `scopes`.
pub const SCOPES: Table = Table {
    name: "scopes",
    columns: &[
        column("id", Uuid),
        column("name", Text),
        column("namespace", Text),
        column("targets", Json),
        column("source", Text),
        column("deleted_at", Timestamp),
    ],
    notifies: true,
    catalog: false,
};

/// The tables of the catalog, in the order they are read.
pub const CATALOG_TABLES: [Table; 10] = [
    PEOPLE,
    TEAMS,
    TEAM_MEMBERS,
    CASBIN_RULE,
    AGENTS,
    PLAYBOOKS,
    NOTIFICATIONS,
    CONFIG_ITEMS,
    COMPONENTS,
    CONNECTIONS,
];

/// The tables of policy.
pub const POLICY_TABLES: [Table; 3] = [PERMISSIONS, PERMISSION_GROUPS, SCOPES];

/// Every table, catalog first.
pub fn all_tables() -> impl Iterator<Item = &'static Table> {
    CATALOG_TABLES.iter().chain(POLICY_TABLES.iter())
}

/// The column names no query may ever select, per table: credentials and whole
/// documents. Used by the tests that read the statement log, and by a unit test that
/// the shape above holds none of them.
pub const NEVER_READ: &[(&str, &[&str])] = &[
    ("config_items", &["config"]),
    (
        "connections",
        &["url", "username", "password", "certificate", "properties"],
    ),
    ("agents", &["tls", "username", "properties"]),
    ("playbooks", &["spec"]),
    ("notifications", &["template", "properties"]),
    ("people", &["phone", "avatar", "properties"]),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_forbidden_column_is_in_the_shape() {
        for (table, forbidden) in NEVER_READ {
            let shape = all_tables().find(|t| t.name == *table);
            let shape = shape.map(|t| t.columns).unwrap_or(&[]);
            for name in *forbidden {
                assert!(
                    shape.iter().all(|c| c.name != *name),
                    "{table}.{name} is in the shape"
                );
            }
        }
    }

    #[test]
    fn column_types_accept_their_postgres_spellings() {
        assert!(ColumnType::Text.accepts("character varying(100)", "b"));
        assert!(ColumnType::Text.accepts("source", "e"));
        assert!(!ColumnType::Text.accepts("integer", "b"));
        assert!(ColumnType::TextArray.accepts("text[]", "b"));
        assert!(!ColumnType::Uuid.accepts("text", "b"));
        assert!(ColumnType::Timestamp.accepts("timestamp with time zone", "b"));
    }
}
