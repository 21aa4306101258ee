//! Resolve-on-miss against a real PostgreSQL server: an object created after the tables
//! were compiled, fetched by its id and decided by its attributes, is decided exactly as
//! the tables compiled after its creation decide it by its id — for every person and
//! action; what a lookup reads is what `pull` reads; soft-deleted, never-created and
//! non-uuid ids are absent; a row whose JSON cannot be read is said to be so; and no
//! lookup selects a credential or a scraped document.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use rampart_compiler::compile::compile_loaded;
use rampart_mission_control::catalog_read::ReadOptions;
use rampart_mission_control::lookup::{Found, ObjectLookup};
use rampart_mission_control::pull::{pull, CatalogBuilder};
use rampart_mission_control::world_read::read_world;
use rampart_runtime::{Category, ObjectAttributes, ObjectRef, Objects, Request, Tables, Target};
use support::{assert_no_forbidden_column, McSchema, WORLD};

const ALICE: &str = "00000000-0000-0000-0000-0000000000a1";
const BOB: &str = "00000000-0000-0000-0000-0000000000b0";
const SRE: &str = "00000000-0000-0000-0000-0000000001a0";

/// Permissions whose selectors look at every attribute a lookup reads.
fn policy_rows() -> String {
    format!(
        r#"
INSERT INTO permissions (id, source, subject_type, subject, action, object_selector, deny) VALUES
  ('00000000-0000-0000-0000-0000000008b1', 'UI', 'person', '{ALICE}', 'read',
   '{{"configs": [{{"namespace": "mission-control"}}], "components": [{{"namespace": "mission-control"}}]}}', false),
  ('00000000-0000-0000-0000-0000000008b2', 'UI', 'team', '{SRE}', 'update',
   '{{"configs": [{{"tagSelector": "env=prod", "types": ["Kubernetes::*"]}}]}}', false),
  ('00000000-0000-0000-0000-0000000008b3', 'UI', 'person', '{BOB}', 'read',
   '{{"configs": [{{"labelSelector": "app=mc", "agent": "local"}}, {{"search": "properties.region=eu-west-1"}}]}}', false),
  ('00000000-0000-0000-0000-0000000008b4', 'UI', 'team', '{SRE}', 'delete',
   '{{"configs": [{{"fieldSelector": "status=Running", "health": "healthy"}}], "components": [{{"labelSelector": "tier=web"}}]}}', false),
  ('00000000-0000-0000-0000-0000000008b5', 'UI', 'person', '{BOB}', 'delete',
   '{{"configs": [{{"agent": "eu"}}]}}', true),
  ('00000000-0000-0000-0000-0000000008b6', 'UI', 'person', '{BOB}', 'delete',
   '{{"configs": [{{"name": "*"}}]}}', false),
  ('00000000-0000-0000-0000-0000000008b7', 'UI', 'person', '{ALICE}', 'playbook:run',
   '{{"playbooks": [{{"namespace": "mc", "name": "new-*"}}]}}', false),
  ('00000000-0000-0000-0000-0000000008b8', 'UI', 'team', '{SRE}', 'read',
   '{{"connections": [{{"namespace": "mc", "type": "postgres"}}]}}', false),
  -- Issue 22: an agent created after the compile is matched by its name on lookup.
  ('00000000-0000-0000-0000-0000000008b9', 'UI', 'person', '{BOB}', 'update',
   '{{"configs": [{{"agent": "lat*"}}]}}', false);
"#
    )
}

/// Objects created after the first compile: (category, id).
const NEW: [(Category, &str); 8] = [
    (Category::Config, "00000000-0000-0000-0000-00000000c0a1"),
    (Category::Config, "00000000-0000-0000-0000-00000000c0a2"),
    (Category::Config, "00000000-0000-0000-0000-00000000c0a3"),
    (Category::Config, "00000000-0000-0000-0000-00000000c0a4"),
    (Category::Component, "00000000-0000-0000-0000-00000000c0b1"),
    (Category::Playbook, "00000000-0000-0000-0000-00000000c0c1"),
    (Category::Connection, "00000000-0000-0000-0000-00000000c0d1"),
    (Category::Connection, "00000000-0000-0000-0000-00000000c0d2"),
];

const NEW_ROWS: &str = r#"
INSERT INTO agents (id, name) VALUES ('00000000-0000-0000-0000-0000000002ff', 'late');
INSERT INTO config_items (id, name, type, config_class, status, health, tags, labels, properties, agent_id) VALUES
  ('00000000-0000-0000-0000-00000000c0a1', 'mc-api-1', 'Kubernetes::Pod', 'Pod', 'Running', 'healthy',
   '{"namespace": "mission-control", "env": "prod"}', '{"app": "mc"}',
   '[{"name": "region", "text": "eu-west-1"}]', '00000000-0000-0000-0000-000000000000'),
  ('00000000-0000-0000-0000-00000000c0a2', 'eu-node-2', 'Kubernetes::Node', 'Node', 'Pending', NULL,
   '{"env": "dev"}', NULL, '[{"name": "region", "text": "us-east-1"}]', '00000000-0000-0000-0000-0000000002a0'),
  ('00000000-0000-0000-0000-00000000c0a3', 'bucket', 'AWS::S3::Bucket', 'Bucket', NULL, 'unhealthy',
   '{"env": "prod", "namespace": "other"}', '{"app": "mc"}', NULL, '00000000-0000-0000-0000-0000000002b0'),
  ('00000000-0000-0000-0000-00000000c0a4', 'no-agent-known', 'Kubernetes::Pod', 'Pod', 'Running', 'healthy',
   NULL, NULL, '[{"name": "region", "value": 7}]', '00000000-0000-0000-0000-0000000002ff');
INSERT INTO config_items (id, name, type, config_class, tags, deleted_at) VALUES
  ('00000000-0000-0000-0000-00000000c0e1', 'gone', 'Kubernetes::Pod', 'Pod', '{"namespace": "mission-control"}', now());
INSERT INTO config_items (id, name, type, config_class, tags) VALUES
  ('00000000-0000-0000-0000-00000000c0e2', 'bad-tags', 'Kubernetes::Pod', 'Pod', '{"env": ["a", "b"]}');
INSERT INTO components (id, name, namespace, type, status, labels, properties) VALUES
  ('00000000-0000-0000-0000-00000000c0b1', 'web', 'mission-control', 'Service', 'healthy', '{"tier": "web"}', NULL);
INSERT INTO playbooks (id, namespace, name, category) VALUES
  ('00000000-0000-0000-0000-00000000c0c1', 'mc', 'new-restart', 'ops');
INSERT INTO connections (id, namespace, name, type, password) VALUES
  ('00000000-0000-0000-0000-00000000c0d1', 'mc', 'new-db', 'postgres', 'hunter2'),
  ('00000000-0000-0000-0000-00000000c0d2', 'mc', 'new-aws', 'aws', 'hunter2');
"#;

const ACTIONS: [&str; 4] = ["read", "update", "delete", "playbook:run"];

fn compile(mc: &McSchema) -> Tables {
    let mut connection = mc.database().connect().expect("connect");
    let world = read_world(&mut connection, &[], &|_| {}).unwrap_or_else(|e| panic!("{e}"));
    let compiled = compile_loaded(world.loaded, &|_| {})
        .unwrap_or_else(|d| panic!("{}", rampart_compiler::diagnostic::render_all(&d)));
    Tables::from_data(compiled.data).expect("tables")
}

fn decide(
    tables: &Tables,
    subject: &str,
    action: &str,
    category: Category,
    object: ObjectRef<'_>,
) -> String {
    let request = Request::new(
        subject,
        action,
        Target::Objects(Objects::new().with(category, object)),
    );
    match tables.is_authorized(&request) {
        Ok(response) => format!("{} {}", response.effect().word(), response.reason().code()),
        Err(e) => format!("error {}", e.code()),
    }
}

#[test]
fn an_object_looked_up_by_id_is_decided_as_the_next_compile_decides_it() {
    let mut mc = McSchema::new("mc_lookup");
    mc.sql(WORLD);
    mc.sql(&policy_rows());
    let before = compile(&mc);
    for (category, id) in NEW {
        assert!(before.object(category, id).is_err(), "{id} is new");
    }
    mc.sql(NEW_ROWS);

    let lookup = ObjectLookup::new(mc.database());
    let mut found: Vec<(Category, &str, ObjectAttributes)> = Vec::new();
    for (category, id) in NEW {
        match lookup
            .fetch(category, id)
            .unwrap_or_else(|e| panic!("{id}: {e}"))
        {
            Found::Object(attributes) => found.push((category, id, *attributes)),
            other => panic!("{id}: {other:?}"),
        }
    }

    let after = compile(&mc);
    let people = [
        "alice@example.com",
        "bob@example.com",
        "bob+token:ci@example.com",
    ];
    let mut allowed = 0;
    for (category, id, attributes) in &found {
        for subject in people {
            for action in ACTIONS {
                let by_attributes = decide(
                    &before,
                    subject,
                    action,
                    *category,
                    ObjectRef::Attributes(attributes),
                );
                let by_id = decide(&after, subject, action, *category, ObjectRef::Key(id));
                assert_eq!(
                    by_attributes, by_id,
                    "{subject} {action} {category} {id}: looked up {attributes:?}"
                );
                allowed += usize::from(by_id.starts_with("allow"));
            }
        }
    }
    // The comparison is not vacuous: the new objects are allowed and denied both.
    assert!(allowed >= 6, "{allowed} allows");

    // A lookup reads what `pull` reads.
    let mut connection = mc.database().connect().expect("connect");
    let mut sink = CatalogBuilder::default();
    pull(&mut connection, &mut sink, &|_| {}, ReadOptions::default()).expect("pull");
    for (category, id, attributes) in &found {
        let pulled = match category {
            Category::Config => sink
                .catalog
                .configs
                .iter()
                .find(|c| c.id.as_deref() == Some(id))
                .cloned(),
            Category::Component => sink
                .catalog
                .components
                .iter()
                .find(|c| c.id.as_deref() == Some(id))
                .cloned(),
            _ => continue,
        };
        // The agent's name is the lookup's own (the pulled catalog names its agents).
        let mut looked_up = attributes.clone();
        looked_up.agent_name = None;
        assert_eq!(pulled.as_ref(), Some(&looked_up), "{id}");
    }
    let new_config = &found[0].2;
    assert_eq!(new_config.namespace.as_deref(), Some("mission-control"));
    assert_eq!(new_config.properties["region"], "eu-west-1");
    assert_eq!(found[3].2.properties["region"], "7");
    assert_eq!(found[3].2.agent_name.as_deref(), Some("late"));

    // Soft-deleted, never created, not a uuid: absent. A row whose tags cannot be read.
    for (category, id) in [
        (Category::Config, "00000000-0000-0000-0000-00000000c0e1"),
        (Category::Config, "00000000-0000-0000-0000-00000000ffff"),
        (Category::Config, "mc/not-an-id"),
        (Category::Playbook, "mc/new-restart"),
        (Category::Connection, "00000000-0000-0000-0000-00000000c0a1"),
    ] {
        assert_eq!(lookup.fetch(category, id).expect(id), Found::Absent, "{id}");
    }
    match lookup
        .fetch(Category::Config, "00000000-0000-0000-0000-00000000c0e2")
        .expect("bad tags")
    {
        Found::Unreadable(why) => assert!(why.contains("tags"), "{why}"),
        other => panic!("{other:?}"),
    }

    let statements = lookup.log().expect("log").statements();
    assert!(statements.iter().any(|s| s.contains("row_security = off")));
    assert_no_forbidden_column(&statements);
}

#[test]
fn a_row_row_level_security_hides_is_an_error_not_absent() {
    let mut mc = McSchema::new("mc_lookup_rls");
    mc.sql(WORLD);
    mc.role("mc_lookup_rls_reader", "");
    mc.sql("GRANT USAGE ON SCHEMA mc_lookup_rls TO mc_lookup_rls_reader; GRANT SELECT ON ALL TABLES IN SCHEMA mc_lookup_rls TO mc_lookup_rls_reader;");
    let lookup = ObjectLookup::new(mc.database_as("mc_lookup_rls_reader"));
    let error = lookup
        .fetch(Category::Config, "00000000-0000-0000-0000-0000000005a1")
        .expect_err("row-level security");
    assert!(error.to_string().contains("config_items"), "{error}");
    // The connection is dropped after an error, and the next lookup opens a new one.
    assert!(lookup.log().is_none());
}

/// Issue 22 (adversary finding): `TRUNCATE` moves no insert, update or delete counter, so
/// a polled table emptied that way (every role assignment in `casbin_rule`) went unseen
/// until the periodic refresh. The fingerprint includes each table's file node, which a
/// `TRUNCATE` replaces.
#[test]
fn the_poll_sees_a_truncate() {
    use rampart_mission_control::watch::{Change, ChangeWatch};
    use std::time::Duration;
    let mut mc = McSchema::new("mc_watch_truncate");
    mc.sql(WORLD);
    // Publish this session's counters now, not when it has been idle for ten seconds.
    mc.sql("SELECT pg_stat_force_next_flush();");
    mc.sql("SELECT 1;");
    let mut watch = ChangeWatch::new(mc.database(), 10_000);
    assert_eq!(
        watch.wait(Duration::ZERO).expect("connect"),
        Some(Change::Connected)
    );
    // Let the counters of the inserts above be published: quiet polls in a row.
    let mut quiet = 0;
    for _ in 0..200 {
        match watch.wait(Duration::from_millis(100)).expect("poll") {
            None => quiet += 1,
            Some(_) => quiet = 0,
        }
        if quiet == 15 {
            break;
        }
    }
    assert_eq!(quiet, 15, "the counters never settled");
    mc.sql("TRUNCATE casbin_rule;");
    assert_eq!(
        watch.wait(Duration::from_millis(100)).expect("poll"),
        Some(Change::Polled)
    );
}

#[test]
fn the_poll_sees_a_truncate_of_an_announced_table() {
    // `TRUNCATE` fires no row trigger, so Mission Control announces nothing on
    // `table_activity`: the poll's file nodes must cover the announced tables too.
    use rampart_mission_control::watch::{Change, ChangeWatch};
    use std::time::Duration;
    let mut mc = McSchema::new("mc_watch_truncate_announced");
    mc.sql(WORLD);
    mc.sql("SELECT pg_stat_force_next_flush();");
    mc.sql("SELECT 1;");
    let mut watch = ChangeWatch::new(mc.database(), 10_000);
    assert_eq!(
        watch.wait(Duration::ZERO).expect("connect"),
        Some(Change::Connected)
    );
    let settle = |watch: &mut ChangeWatch| {
        let mut quiet = 0;
        for _ in 0..200 {
            match watch.wait(Duration::from_millis(100)).expect("poll") {
                None => quiet += 1,
                Some(_) => quiet = 0,
            }
            if quiet == 15 {
                return;
            }
        }
        panic!("the counters never settled");
    };
    for table in ["team_members", "permissions", "teams"] {
        settle(&mut watch);
        mc.sql(&format!("TRUNCATE {table} CASCADE;"));
        assert_eq!(
            watch.wait(Duration::from_millis(100)).expect("poll"),
            Some(Change::Polled),
            "a truncated `{table}` went unseen"
        );
    }
}
