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
    /// A fresh schema `name` holding [`WORLD`], then `rows` (SQL, in order): what most
    /// tests start from, so that each states only its own rows.
    pub fn world(name: &str, rows: &[&str]) -> McSchema {
        McSchema::with_rows(name, &[&[WORLD], rows].concat())
    }

    /// A fresh schema `name` holding `rows` (SQL, in order).
    pub fn with_rows(name: &str, rows: &[&str]) -> McSchema {
        let mut mc = McSchema::new(name);
        for sql in rows {
            mc.sql(sql);
        }
        mc
    }

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

/// One `permissions` row as a test states it: the columns it names (text quoted as an
/// SQL string, or an SQL expression such as `now()`), the others left to the table's
/// defaults. [`Permission::sql`] (or [`insert`] for several) is the `INSERT`.
#[derive(Clone, Debug)]
pub struct Permission {
    columns: Vec<(&'static str, String)>,
}

impl Permission {
    /// A row made in the UI (`source` `UI`).
    pub fn ui(id: &str) -> Permission {
        Permission {
            columns: Vec::new(),
        }
        .text("id", id)
        .text("source", "UI")
    }

    /// A row written from the Kubernetes resource `namespace/name` (`source`
    /// `KubernetesCRD`).
    pub fn resource(id: &str, namespace: &str, name: &str) -> Permission {
        Permission {
            columns: Vec::new(),
        }
        .text("id", id)
        .named(namespace, name)
        .text("source", "KubernetesCRD")
    }

    /// `namespace` and `name`.
    pub fn named(self, namespace: &str, name: &str) -> Permission {
        self.text("name", name).text("namespace", namespace)
    }

    /// `subject_type` and `subject` (a uuid, or a role or group name).
    pub fn subject(self, subject_type: &str, subject: &str) -> Permission {
        self.text("subject_type", subject_type)
            .text("subject", subject)
    }

    /// `action`.
    pub fn action(self, action: &str) -> Permission {
        self.text("action", action)
    }

    /// `object`: a global object (`catalog`, `connection`, ...).
    pub fn object(self, object: &str) -> Permission {
        self.text("object", object)
    }

    /// `object_selector`: its JSON.
    pub fn selector(self, json: &str) -> Permission {
        self.text("object_selector", json)
    }

    /// `config_id`.
    pub fn config(self, id: &str) -> Permission {
        self.text("config_id", id)
    }

    /// The deprecated `person_id`.
    pub fn person(self, id: &str) -> Permission {
        self.text("person_id", id)
    }

    /// `deny` true.
    pub fn deny(self) -> Permission {
        self.expression("deny", "true")
    }

    /// `until`: an SQL expression (`now() + interval '1 day'`).
    pub fn until(self, expression: &str) -> Permission {
        self.expression("until", expression)
    }

    /// `error`: the expansion failed.
    pub fn error(self, error: &str) -> Permission {
        self.text("error", error)
    }

    /// Soft-deleted (`deleted_at` now).
    pub fn deleted(self) -> Permission {
        self.expression("deleted_at", "now()")
    }

    /// A column holding `value` as an SQL string.
    fn text(self, column: &'static str, value: &str) -> Permission {
        self.expression(column, &format!("'{}'", value.replace('\'', "''")))
    }

    /// A column holding the SQL expression `expression`.
    fn expression(mut self, column: &'static str, expression: &str) -> Permission {
        self.columns.push((column, expression.to_string()));
        self
    }

    /// The `INSERT` of this row.
    pub fn sql(&self) -> String {
        let (names, values): (Vec<&str>, Vec<&str>) = self
            .columns
            .iter()
            .map(|(name, value)| (*name, value.as_str()))
            .unzip();
        format!(
            "INSERT INTO permissions ({}) VALUES ({});\n",
            names.join(", "),
            values.join(", ")
        )
    }
}

/// The `INSERT`s of `rows`, in order.
pub fn insert(rows: &[Permission]) -> String {
    rows.iter().map(Permission::sql).collect()
}

/// A small world with one of every case Mission Control's reader must get right.
pub const WORLD: &str = r#"
INSERT INTO people (id, name, email, type, phone) VALUES
  ('00000000-0000-0000-0000-0000000000a1', 'Alice', 'alice@example.com', NULL, '+1 555 0100'),
  ('00000000-0000-0000-0000-0000000000b0', 'Bob', 'bob@example.com', NULL, NULL),
  ('00000000-0000-0000-0000-0000000000b1', 'Bob (Token)', 'bob+token:ci@example.com', 'access_token', NULL),
  ('00000000-0000-0000-0000-0000000000c0', 'Agent EU', 'agent-eu@local', 'agent', NULL);
INSERT INTO people (id, name, email, deleted_at) VALUES
  ('00000000-0000-0000-0000-0000000000d0', 'Carol', 'carol@example.com', now());
INSERT INTO teams (id, name, created_by) VALUES
  ('00000000-0000-0000-0000-0000000001a0', 'sre', '00000000-0000-0000-0000-0000000000a1');
INSERT INTO teams (id, name, created_by, deleted_at) VALUES
  ('00000000-0000-0000-0000-0000000001b0', 'old-team', '00000000-0000-0000-0000-0000000000a1', now());
INSERT INTO team_members (team_id, person_id) VALUES
  ('00000000-0000-0000-0000-0000000001a0', '00000000-0000-0000-0000-0000000000a1'),
  ('00000000-0000-0000-0000-0000000001a0', '00000000-0000-0000-0000-0000000000b0'),
  ('00000000-0000-0000-0000-0000000001a0', '00000000-0000-0000-0000-0000000000d0'),
  ('00000000-0000-0000-0000-0000000001a0', '00000000-0000-0000-0000-0000000000c0'),
  ('00000000-0000-0000-0000-0000000001b0', '00000000-0000-0000-0000-0000000000a1');
INSERT INTO casbin_rule (ptype, v0, v1) VALUES
  ('g', '00000000-0000-0000-0000-0000000000a1', 'editor'),
  ('g', '00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-0000000001a0'),
  ('g', '00000000-0000-0000-0000-0000000000b1', '00000000-0000-0000-0000-0000000000b0'),
  ('g', '00000000-0000-0000-0000-0000000000d0', 'admin'),
  ('g', 'viewer', 'everyone');
INSERT INTO agents (id, name, tls) VALUES
  ('00000000-0000-0000-0000-0000000002a0', 'eu', '-----BEGIN PRIVATE KEY----- hunter2');
INSERT INTO agents (id, name, deleted_at) VALUES
  ('00000000-0000-0000-0000-0000000002b0', 'gone', now());
INSERT INTO playbooks (id, namespace, name, category, spec) VALUES
  ('00000000-0000-0000-0000-0000000003a0', 'mc', 'echo-config', 'debug', '{"env": "hunter2"}');
INSERT INTO playbooks (id, namespace, name, deleted_at) VALUES
  ('00000000-0000-0000-0000-0000000003b0', 'mc', 'retired', now());
INSERT INTO notifications (id, namespace, name, template) VALUES
  ('00000000-0000-0000-0000-0000000004a0', 'mc', 'check-alerts', 'hunter2'),
  ('00000000-0000-0000-0000-0000000004b0', NULL, 'no-namespace', NULL);
INSERT INTO config_items (id, name, type, config_class, status, health, tags, labels, properties, agent_id, config) VALUES
  ('00000000-0000-0000-0000-0000000005a1', 'mc-api-0', 'Kubernetes::Pod', 'Pod', 'Running', 'healthy',
   '{"namespace": "mission-control", "env": "prod"}', '{"app": "mc"}',
   '[{"name": "region", "text": "eu-west-1"}, {"name": "replicas", "value": 3, "unit": "count"}, {"name": "region", "text": "us-east-1"}]',
   '00000000-0000-0000-0000-000000000000', '{"password": "hunter2"}'),
  ('00000000-0000-0000-0000-0000000005a2', 'eu-node', 'Kubernetes::Node', 'Node', NULL, NULL,
   '{"env": "dev"}', NULL, NULL, '00000000-0000-0000-0000-0000000002a0', NULL),
  ('00000000-0000-0000-0000-0000000005a3', 'orphan', 'Kubernetes::Pod', 'Pod', NULL, NULL,
   NULL, NULL, NULL, '00000000-0000-0000-0000-0000000002b0', NULL),
  ('00000000-0000-0000-0000-0000000005a4', 'nested-tags', 'Kubernetes::Pod', 'Pod', NULL, NULL,
   '{"env": {"not": "a string"}}', NULL, NULL, '00000000-0000-0000-0000-000000000000', NULL);
INSERT INTO config_items (id, name, type, config_class, tags, deleted_at) VALUES
  ('00000000-0000-0000-0000-0000000005b0', 'deleted-pod', 'Kubernetes::Pod', 'Pod', '{"namespace": "mission-control"}', now());
INSERT INTO components (id, name, namespace, type, status, labels, properties) VALUES
  ('00000000-0000-0000-0000-0000000006a0', 'api', 'mission-control', 'Service', 'healthy', '{"tier": "web"}', '[{"name": "port", "value": 8080}]');
INSERT INTO connections (id, namespace, name, type, url, username, password, certificate, properties) VALUES
  ('00000000-0000-0000-0000-0000000007a0', 'mc', 'aws-prod', 'aws', 'postgres://admin:hunter2@db/app', 'admin', 'hunter2', 'hunter2', '{"secret": "hunter2"}');
INSERT INTO connections (id, namespace, name, type, deleted_at) VALUES
  ('00000000-0000-0000-0000-0000000007b0', 'mc', 'old-conn', 'aws', now());
"#;

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
