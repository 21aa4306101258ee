//! Test support: a PostgreSQL server (the one `RAMPART_TEST_POSTGRES` names, or a
//! throwaway one), schemas loaded with the project's emulation of Mission Control's tables
//! (`tests/data/schema.sql`), reader roles, and a check of the statement log.

#![allow(dead_code, clippy::expect_used, clippy::unwrap_used, clippy::panic)]

#[path = "../../../compiler/tests/pg_server/mod.rs"]
pub mod pg_server;

use postgres::{Client, NoTls};
use rampart_mission_control::session::Database;

pub use pg_server::Server;

/// The project's Mission Control schema.
pub const SCHEMA_SQL: &str = include_str!("../data/schema.sql");

/// `url` with another user (no password: the test server trusts local users).
pub fn url_as(url: &str, user: &str) -> String {
    let rest = url.split_once('@').map(|(_, rest)| rest).unwrap_or(url);
    format!("postgresql://{user}@{rest}")
}

/// A schema of Mission Control's tables, fresh for one test.
pub struct McSchema {
    /// Its name.
    pub name: String,
    /// A superuser client with `search_path` set to it.
    pub client: Client,
    /// The server (kept for the length of the test).
    pub server: Server,
}

impl McSchema {
    /// Drops and recreates schema `name` with the tables and seeds.
    pub fn new(name: &str) -> McSchema {
        let server = Server::start();
        let mut client = Client::connect(server.url(), NoTls).expect("connect");
        client
            .batch_execute(&format!(
                "DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}; SET search_path TO {name};"
            ))
            .expect("schema");
        client.batch_execute(SCHEMA_SQL).expect("load schema.sql");
        McSchema {
            name: name.to_string(),
            client,
            server,
        }
    }

    /// The server's URL.
    pub fn url(&self) -> String {
        self.server.url().to_string()
    }

    /// The database as the superuser sees it.
    pub fn database(&self) -> Database {
        Database::new(self.url(), &self.name)
    }

    /// The database as `role` sees it.
    pub fn database_as(&self, role: &str) -> Database {
        Database::new(url_as(&self.url(), role), &self.name)
    }

    /// Runs SQL in the schema.
    pub fn sql(&mut self, sql: &str) {
        self.client
            .batch_execute(sql)
            .unwrap_or_else(|e| panic!("{sql}\n{e:?}"));
    }

    /// Creates (or recreates) a login role; `attributes` such as `BYPASSRLS`.
    pub fn role(&mut self, role: &str, attributes: &str) {
        self.sql(&format!(
            "DO $$ BEGIN \
               IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN \
                 EXECUTE 'DROP OWNED BY {role}'; EXECUTE 'DROP ROLE {role}'; \
               END IF; END $$; \
             CREATE ROLE {role} LOGIN {attributes};"
        ));
    }
}

/// Column names no statement may mention, whatever the table.
const FORBIDDEN: &[&str] = &[
    "config",
    "url",
    "username",
    "password",
    "certificate",
    "tls",
    "spec",
    "template",
    "phone",
    "avatar",
];

/// Fails when a statement selects a credential or a whole document: any of [`FORBIDDEN`],
/// or `properties` in a statement over `connections`, `agents`, `notifications` or
/// `people`.
pub fn assert_no_forbidden_column(statements: &[String]) {
    assert!(!statements.is_empty());
    for statement in statements {
        let lower = statement.to_ascii_lowercase();
        let tokens: Vec<&str> = lower
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|t| !t.is_empty())
            .collect();
        for word in FORBIDDEN {
            assert!(
                !tokens.contains(word),
                "a statement names `{word}`:\n{statement}"
            );
        }
        if [
            "\"connections\"",
            "\"agents\"",
            "\"notifications\"",
            "\"people\"",
        ]
        .iter()
        .any(|t| lower.contains(t))
            && !lower.contains("\"config_items\"")
            && !lower.contains("\"components\"")
        {
            assert!(
                !tokens.contains(&"properties"),
                "a statement reads `properties` of a table where it may hold credentials:\n{statement}"
            );
        }
    }
}
