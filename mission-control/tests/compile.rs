//! `compile --postgres` against a real PostgreSQL server holding the project's emulation
//! of Mission Control's tables: permission rows (made in the UI, written from Kubernetes
//! resources, with uuid subjects, soft-deleted, with an `error`, expired or not) and
//! permission group rows decide as Mission Control's rules do; a row Rampart cannot
//! read is a diagnostic naming the row and its column; a file and the row of its
//! resource are one permission (or scope); scope rows expand the permission rows that
//! reference them, and a reference to a missing or soft-deleted scope refuses the row;
//! and nothing credential-like is ever selected.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::path::PathBuf;

use rampart_compiler::compile::compile_loaded;
use rampart_compiler::diagnostic::{render_all, Diagnostic};
use rampart_mission_control::world_read::{read_world, DatabaseWorld};
use rampart_runtime::{Objects, Request, Tables, Target};
use support::{assert_no_forbidden_column, McSchema, WORLD};

const ALICE: &str = "00000000-0000-0000-0000-0000000000a1";
const BOB: &str = "00000000-0000-0000-0000-0000000000b0";
const SRE: &str = "00000000-0000-0000-0000-0000000001a0";
const PROD_POD: &str = "00000000-0000-0000-0000-0000000005a1";
const DEV_NODE: &str = "00000000-0000-0000-0000-0000000005a2";
const CONNECTION: &str = "00000000-0000-0000-0000-0000000007a0";

/// Permission and group rows of every kind Mission Control holds.
fn policy_rows() -> String {
    format!(
        r#"
-- Made in the UI: generated name, no namespace, a person's uuid, a global object.
INSERT INTO permissions (id, source, subject_type, subject, action, object) VALUES
  ('00000000-0000-0000-0000-0000000008a1', 'UI', 'person', '{BOB}', 'read', 'catalog');
-- Written from a Permission resource: the team's uuid, a selector.
INSERT INTO permissions (id, name, namespace, source, subject_type, subject, action, object_selector) VALUES
  ('00000000-0000-0000-0000-0000000008a2', 'sre-update-prod', 'mc', 'KubernetesCRD', 'team', '{SRE}', 'update',
   '{{"configs": [{{"tagSelector": "env=prod"}}]}}');
-- Soft-deleted, and failed expansion: neither grants.
INSERT INTO permissions (id, source, subject_type, subject, action, object, deleted_at) VALUES
  ('00000000-0000-0000-0000-0000000008a3', 'UI', 'person', '{BOB}', 'delete', 'catalog', now());
INSERT INTO permissions (id, source, subject_type, subject, action, object, error) VALUES
  ('00000000-0000-0000-0000-0000000008a4', 'UI', 'person', '{BOB}', 'create', 'catalog', 'ErrScopeExpansionScopeNotFound:mc/x');
-- The token person: expired, and expiring tomorrow.
INSERT INTO permissions (id, source, subject_type, subject, action, object, until) VALUES
  ('00000000-0000-0000-0000-0000000008a5', 'UI', 'person', '00000000-0000-0000-0000-0000000000b1', 'read', 'catalog', now() - interval '1 day'),
  ('00000000-0000-0000-0000-0000000008a6', 'UI', 'person', '00000000-0000-0000-0000-0000000000b1', 'update', 'catalog', now() + interval '1 day');
-- A soft-deleted person's permission: applies to nobody.
INSERT INTO permissions (id, source, subject_type, subject, action, object) VALUES
  ('00000000-0000-0000-0000-0000000008a7', 'UI', 'person', '00000000-0000-0000-0000-0000000000d0', 'read', 'catalog');
-- A deny through the deprecated person_id column (no subject).
INSERT INTO permissions (id, source, subject, person_id, action, object_selector, deny) VALUES
  ('00000000-0000-0000-0000-0000000008a8', 'UI', NULL, '{ALICE}', 'delete',
   '{{"configs": [{{"name": "mc-api-0"}}]}}', true);
-- A custom role casbin assigns (`auditors`), on one config by id.
INSERT INTO casbin_rule (ptype, v0, v1) VALUES ('g', '{BOB}', 'auditors');
INSERT INTO permissions (id, source, subject_type, subject, action, config_id) VALUES
  ('00000000-0000-0000-0000-0000000008a9', 'UI', 'group', 'auditors', 'delete', '{DEV_NODE}');
-- A permission group row: one member matches, one person and one (soft-deleted) team
-- match nothing, canaries are not modelled.
INSERT INTO permission_groups (id, name, namespace, selectors, source) VALUES
  ('00000000-0000-0000-0000-0000000009a1', 'oncall', 'mc',
   '{{"people": ["nobody@example.com", "bob@example.com"], "teams": ["old-team"], "canaries": [{{"name": "*"}}]}}', 'UI');
INSERT INTO permissions (id, source, subject_type, subject, action, object) VALUES
  ('00000000-0000-0000-0000-0000000008aa', 'UI', 'group', 'oncall', 'read', 'connection');
"#
    )
}

fn world(mc: &McSchema, paths: &[PathBuf]) -> (DatabaseWorld, Vec<String>) {
    let mut connection = mc.database().connect().expect("connect");
    let world = read_world(&mut connection, paths, &|_| {}).unwrap_or_else(|e| panic!("{e}"));
    (world, connection.log().statements())
}

fn compile(world: DatabaseWorld) -> Result<Tables, Vec<Diagnostic>> {
    let compiled = compile_loaded(world.loaded, &|_| {})?;
    Ok(Tables::from_data(compiled.data).expect("tables"))
}

fn allowed(tables: &Tables, subject: &str, action: &str, objects: Objects<'_>) -> bool {
    tables
        .is_authorized(&Request::new(subject, action, Target::Objects(objects)))
        .unwrap_or_else(|e| panic!("{subject} {action}: {e:?}"))
        .is_allowed()
}

fn skipped(world: &DatabaseWorld, reason: &str) -> u64 {
    world
        .summary
        .skipped
        .iter()
        .find(|(r, _)| r.starts_with(reason))
        .map(|(_, n)| *n)
        .unwrap_or(0)
}

#[test]
fn permission_rows_decide_as_mission_control_reads_them() {
    let mut mc = McSchema::new("mc_compile_rows");
    mc.sql(WORLD);
    mc.sql(&policy_rows());
    let (world, statements) = world(&mc, &[]);
    assert_no_forbidden_column(&statements);
    assert_eq!(world.summary.counts["permission rows"], 8);
    assert_eq!(skipped(&world, "permissions soft-deleted"), 1);
    assert_eq!(skipped(&world, "permissions with an `error`"), 1);
    assert_eq!(skipped(&world, "permissions whose `until` has passed"), 1);
    assert_eq!(
        skipped(&world, "permissions whose subject is soft-deleted"),
        1
    );
    assert_eq!(skipped(&world, "group members that match nothing live"), 2);
    assert_eq!(
        skipped(&world, "group members of kinds Rampart does not model"),
        1
    );
    // Warnings name the rows left out by table and id.
    let warned: Vec<String> = world
        .summary
        .warnings
        .iter()
        .map(|w| {
            w.row()
                .map(|r| format!("{}:{}", r.table, r.id))
                .unwrap_or_default()
        })
        .collect();
    assert!(
        warned.contains(&"permissions:00000000-0000-0000-0000-0000000008a7".to_string()),
        "{warned:?}"
    );
    assert!(world.findings.earliest_until.is_some());
    let tables = compile(world).unwrap_or_else(|d| panic!("{}", render_all(&d)));

    let bob = "bob@example.com";
    let token = "bob+token:ci@example.com";
    let alice = "alice@example.com";
    // The UI-made permission (a person's uuid, the global object `catalog`).
    assert!(allowed(
        &tables,
        bob,
        "read",
        Objects::new().config(DEV_NODE)
    ));
    // The team's uuid: Bob is in `sre`; the selector takes prod only.
    assert!(allowed(
        &tables,
        bob,
        "update",
        Objects::new().config(PROD_POD)
    ));
    assert!(!allowed(
        &tables,
        bob,
        "update",
        Objects::new().config(DEV_NODE)
    ));
    // Soft-deleted and failed rows grant nothing.
    assert!(!allowed(
        &tables,
        bob,
        "delete",
        Objects::new().config(PROD_POD)
    ));
    assert!(!allowed(
        &tables,
        bob,
        "create",
        Objects::new().config(PROD_POD)
    ));
    // Expired: not granted; expiring later: granted now.
    assert!(!allowed(
        &tables,
        token,
        "read",
        Objects::new().config(PROD_POD)
    ));
    assert!(allowed(
        &tables,
        token,
        "update",
        Objects::new().config(PROD_POD)
    ));
    // The deny through `person_id` wins over Alice's editor role, on its config only.
    assert!(!allowed(
        &tables,
        alice,
        "delete",
        Objects::new().config(PROD_POD)
    ));
    assert!(allowed(
        &tables,
        alice,
        "delete",
        Objects::new().config(DEV_NODE)
    ));
    // The casbin custom role, on one config by id.
    assert!(allowed(
        &tables,
        bob,
        "delete",
        Objects::new().config(DEV_NODE)
    ));
    // The group row's member.
    assert!(allowed(
        &tables,
        bob,
        "read",
        Objects::new().connection(CONNECTION)
    ));
    assert!(!allowed(
        &tables,
        token,
        "read",
        Objects::new().connection(CONNECTION)
    ));
}

#[test]
fn a_row_rampart_cannot_read_is_a_diagnostic_naming_the_row_and_its_column() {
    let mut mc = McSchema::new("mc_compile_bad_rows");
    mc.sql(WORLD);
    mc.sql(&format!(
        r#"
INSERT INTO permissions (id, name, namespace, source, subject_type, subject, action, object) VALUES
  ('00000000-0000-0000-0000-0000000008b1', 'canary-readers', 'mc', 'KubernetesCRD', 'person', '{BOB}', 'read', 'canaries');
INSERT INTO permissions (id, source, subject_type, subject, action, object_selector) VALUES
  ('00000000-0000-0000-0000-0000000008b2', 'UI', 'person', '{BOB}', 'read', '{{"configs": [{{"nme": "x"}}]}}'),
  ('00000000-0000-0000-0000-0000000008b3', 'UI', 'person', '{BOB}', 'read', '{{"scopes": [{{"namespace": "mc", "name": "prod"}}]}}');
INSERT INTO permissions (id, source, subject_type, subject, action, object_selector, deny) VALUES
  ('00000000-0000-0000-0000-0000000008b4', 'UI', 'person', '{BOB}', 'read', '{{"scopes": [{{"namespace": "mc", "name": "prod"}}]}}', true);
"#
    ));
    let (world, _) = world(&mc, &[]);
    let problems = match compile(world) {
        Ok(_) => panic!("compiled"),
        Err(d) => d,
    };
    let rendered = render_all(&problems);
    let row_of = |id: &str| {
        problems
            .iter()
            .find(|d| d.row().is_some_and(|r| r.id == id))
            .unwrap_or_else(|| panic!("no diagnostic for {id}:\n{rendered}"))
    };
    let canaries = row_of("00000000-0000-0000-0000-0000000008b1").render();
    assert!(canaries.contains("global object `canaries`"), "{canaries}");
    assert!(
        canaries.contains("(name `canary-readers`, source `KubernetesCRD`)")
            && canaries.contains("column `object`"),
        "{canaries}"
    );
    // A parse error points into the row's document (its snippet shows the JSON the
    // column held).
    let unknown = row_of("00000000-0000-0000-0000-0000000008b2").render();
    assert!(unknown.contains("unknown field `nme`"), "{unknown}");
    assert!(unknown.contains("source `UI`"), "{unknown}");
    // A deny through a scope that is gone is refused (Mission Control would lift it); an
    // allow is left out, as Mission Control leaves it out.
    let scopes = row_of("00000000-0000-0000-0000-0000000008b4").render();
    assert!(
        scopes.contains("references scope `mc/prod`, which no live `scopes` row"),
        "{scopes}"
    );
    assert!(
        !problems.iter().any(|d| d
            .row()
            .is_some_and(|r| r.id == "00000000-0000-0000-0000-0000000008b3")),
        "{rendered}"
    );
}

/// Scope rows, live and soft-deleted, and permissions that reference them.
fn scope_rows() -> String {
    format!(
        r#"
-- Written from a Scope resource: the agent already an id, as upstream stores it.
INSERT INTO scopes (id, name, namespace, targets, source) VALUES
  ('00000000-0000-0000-0000-00000000a0a1', 'eu', 'mc', '[{{"config": {{"agent": "00000000-0000-0000-0000-0000000002a0"}}}}, {{"playbook": {{"namespace": "mc", "name": "echo-config"}}}}]', 'KubernetesCRD'),
  ('00000000-0000-0000-0000-00000000a0a2', 'prod', 'mc', '[{{"config": {{"tagSelector": "env=prod"}}}}]', 'UI');
INSERT INTO scopes (id, name, namespace, targets, source, deleted_at) VALUES
  ('00000000-0000-0000-0000-00000000a0b0', 'retired', 'mc', '[{{"config": {{"name": "*"}}}}]', 'UI', now());
INSERT INTO permissions (id, name, namespace, source, subject_type, subject, action, object_selector) VALUES
  ('00000000-0000-0000-0000-0000000008c1', 'sre-eu', 'mc', 'KubernetesCRD', 'team', '{SRE}', 'delete',
   '{{"scopes": [{{"namespace": "mc", "name": "eu"}}]}}');
INSERT INTO permissions (id, source, subject_type, subject, action, object_selector, deny) VALUES
  ('00000000-0000-0000-0000-0000000008c2', 'UI', 'person', '{BOB}', 'update',
   '{{"configs": [{{"name": "*"}}, {{"name": "*"}}]}}', false),
  ('00000000-0000-0000-0000-0000000008c3', 'UI', 'person', '{BOB}', 'update',
   '{{"scopes": [{{"namespace": "mc", "name": "prod", "id": "00000000-0000-0000-0000-00000000a0a2"}}]}}', true);
"#
    )
}

#[test]
fn scope_rows_are_scopes_and_permission_rows_expand_through_them() {
    let mut mc = McSchema::new("mc_compile_scopes");
    mc.sql(WORLD);
    mc.sql(&scope_rows());
    let (world, statements) = world(&mc, &[]);
    assert_no_forbidden_column(&statements);
    assert_eq!(world.summary.counts["scope rows"], 2);
    assert_eq!(skipped(&world, "scopes soft-deleted"), 1);
    assert_eq!(world.loaded.documents.scopes.len(), 2);
    let tables = compile(world).unwrap_or_else(|d| panic!("{}", render_all(&d)));
    let (alice, bob) = ("alice@example.com", "bob@example.com");
    // Through `mc/eu` (Bob is in `sre`): configs of agent `eu`, and the playbook;
    // never other configs.
    assert!(allowed(
        &tables,
        bob,
        "delete",
        Objects::new().config(DEV_NODE)
    ));
    assert!(!allowed(
        &tables,
        bob,
        "delete",
        Objects::new().config(PROD_POD)
    ));
    assert!(allowed(
        &tables,
        bob,
        "delete",
        Objects::new().playbook("mc/echo-config")
    ));
    // Bob may update every config but those `mc/prod` selects (a deny, referenced with
    // the scope's id); Alice, an editor, is not denied.
    assert!(allowed(
        &tables,
        bob,
        "update",
        Objects::new().config(DEV_NODE)
    ));
    assert!(!allowed(
        &tables,
        bob,
        "update",
        Objects::new().config(PROD_POD)
    ));
    assert!(allowed(
        &tables,
        alice,
        "update",
        Objects::new().config(PROD_POD)
    ));
}

#[test]
fn a_deny_row_referencing_a_missing_scope_is_refused_and_an_allow_row_left_out() {
    let mut mc = McSchema::new("mc_compile_scope_gone");
    mc.sql(WORLD);
    mc.sql(&scope_rows());
    mc.sql(&format!(
        r#"
INSERT INTO permissions (id, name, namespace, source, subject_type, subject, action, object_selector, deny) VALUES
  ('00000000-0000-0000-0000-0000000008d1', 'deny-retired', 'mc', 'KubernetesCRD', 'person', '{BOB}', 'read',
   '{{"scopes": [{{"namespace": "mc", "name": "eu"}}, {{"namespace": "mc", "name": "retired"}}]}}', true),
  ('00000000-0000-0000-0000-0000000008d2', 'nowhere', 'mc', 'UI', 'person', '{BOB}', 'read',
   '{{"scopes": [{{"namespace": "mc", "name": "nowhere"}}]}}', false),
  ('00000000-0000-0000-0000-0000000008d3', 'floating-deny', 'mc', 'UI', 'person', '{BOB}', 'read',
   '{{"scopes": [{{"namespace": "default", "name": "floating"}}]}}', true);
-- A scope row without a namespace: Mission Control looks scopes up by namespace and
-- name, so no reference finds it (never read as `default/floating`).
INSERT INTO scopes (id, name, namespace, targets, source) VALUES
  ('00000000-0000-0000-0000-00000000a0c0', 'floating', NULL, '[{{"config": {{"name": "*"}}}}]', 'UI');
"#
    ));
    let (world, _) = world(&mc, &[]);
    assert_eq!(
        skipped(
            &world,
            "scope rows without a namespace (Mission Control never finds them)"
        ),
        1
    );
    // An allow through a scope that is gone is left out (with a warning naming the row),
    // as Mission Control leaves it out: it grants nothing.
    assert_eq!(
        skipped(
            &world,
            "allow permissions referencing a missing or soft-deleted scope (Mission Control drops them too)"
        ),
        1
    );
    let nowhere = world
        .summary
        .warnings
        .iter()
        .find(|w| {
            w.row()
                .is_some_and(|r| r.id == "00000000-0000-0000-0000-0000000008d2")
        })
        .map(|w| w.render())
        .unwrap_or_else(|| panic!("no warning for the allow row"));
    assert!(
        nowhere.contains("scope `mc/nowhere`, which no live `scopes` row and no document defines"),
        "{nowhere}"
    );
    let problems = match compile(world) {
        Ok(_) => panic!("a deny through a deleted scope compiled"),
        Err(d) => d,
    };
    let rendered = render_all(&problems);
    let row_of = |id: &str| {
        problems
            .iter()
            .find(|d| d.row().is_some_and(|r| r.id == id))
            .unwrap_or_else(|| panic!("no diagnostic for {id}:\n{rendered}"))
            .render()
    };
    let retired = row_of("00000000-0000-0000-0000-0000000008d1");
    assert!(
        retired.contains("permissions row `00000000-0000-0000-0000-0000000008d1`")
            && retired.contains("(name `deny-retired`, source `KubernetesCRD`)")
            && retired.contains("scope `mc/retired`, which is soft-deleted")
            && retired.contains("column `object_selector`"),
        "{retired}"
    );
    assert!(!retired.contains("mc/eu`,"), "{retired}");
    let floating = row_of("00000000-0000-0000-0000-0000000008d3");
    assert!(
        floating.contains(
            "scope `default/floating`, which only a `scopes` row without a namespace holds"
        ),
        "{floating}"
    );
    assert!(
        !problems.iter().any(|d| d
            .row()
            .is_some_and(|r| r.id == "00000000-0000-0000-0000-0000000008d2")),
        "an allow is left out, not an error:\n{rendered}"
    );
}

#[test]
fn a_scope_document_and_the_row_of_its_resource_are_one_scope() {
    let mut mc = McSchema::new("mc_compile_scope_shadow");
    mc.sql(WORLD);
    mc.sql(&scope_rows());
    let dir = tempfile::tempdir().expect("dir");
    // The file narrows `mc/eu` to the playbook; a document may also define the scope a
    // row lost (`mc/retired` is soft-deleted in the database).
    std::fs::write(
        dir.path().join("s.yaml"),
        "apiVersion: mission-control.flanksource.com/v1\nkind: Scope\nmetadata:\n  name: eu\n  namespace: mc\nspec:\n  targets:\n    - playbook: {name: echo-config}\n",
    )
    .expect("write");
    let (world, _) = world(&mc, &[dir.path().to_path_buf()]);
    assert_eq!(
        skipped(
            &world,
            "scope rows of the same Kubernetes resource as a document"
        ),
        1
    );
    assert_eq!(world.loaded.documents.scopes.len(), 2);
    let tables = compile(world).unwrap_or_else(|d| panic!("{}", render_all(&d)));
    let bob = "bob@example.com";
    assert!(!allowed(
        &tables,
        bob,
        "delete",
        Objects::new().config(DEV_NODE)
    ));
    assert!(allowed(
        &tables,
        bob,
        "delete",
        Objects::new().playbook("mc/echo-config")
    ));
}

#[test]
fn a_document_and_the_row_of_its_resource_are_one_permission() {
    let mut mc = McSchema::new("mc_compile_shadow");
    mc.sql(WORLD);
    mc.sql(&policy_rows());
    let dir = tempfile::tempdir().expect("dir");
    // The file narrows `mc/sre-update-prod` to read; the UI row that happens to share
    // a name with another document stays a permission of its own.
    std::fs::write(
        dir.path().join("p.yaml"),
        "apiVersion: mission-control.flanksource.com/v1\nkind: Permission\nmetadata:\n  name: sre-update-prod\n  namespace: mc\nspec:\n  subject: {team: sre}\n  actions: [read]\n  object: {configs: [{name: mc-api-0}]}\n",
    )
    .expect("write");
    let (world, _) = world(&mc, &[dir.path().to_path_buf()]);
    assert_eq!(
        skipped(
            &world,
            "permission rows of the same Kubernetes resource as a document"
        ),
        1
    );
    let permissions = world.loaded.documents.permissions.len();
    let tables = compile(world).unwrap_or_else(|d| panic!("{}", render_all(&d)));
    assert_eq!(permissions, 6, "five rows kept and the document");
    let bob = "bob@example.com";
    assert!(!allowed(
        &tables,
        bob,
        "update",
        Objects::new().config(PROD_POD)
    ));
    assert!(allowed(
        &tables,
        bob,
        "read",
        Objects::new().config(PROD_POD)
    ));
}

/// Issue 22 (adversary finding): Mission Control stores `until` and enforces it nowhere,
/// so an expired deny still denies there; leaving it out made Rampart wider (fail open).
/// An expired allow is left out (narrower), an expired deny stays in force; both warned.
#[test]
fn an_expired_deny_stays_in_force_and_an_expired_allow_is_left_out() {
    let mut mc = McSchema::new("mc_compile_expired");
    mc.sql(WORLD);
    mc.sql(&format!(
        r#"
INSERT INTO permissions (id, source, subject_type, subject, action, object, deny, until) VALUES
  ('00000000-0000-0000-0000-0000000008c1', 'UI', 'person', '{ALICE}', 'delete', 'catalog', true, now() - interval '1 day'),
  ('00000000-0000-0000-0000-0000000008c2', 'UI', 'person', '{BOB}', 'delete', 'catalog', false, now() - interval '1 day');
"#
    ));
    let (world, _) = world(&mc, &[]);
    assert_eq!(skipped(&world, "permissions whose `until` has passed"), 1);
    let messages: Vec<String> = world.summary.warnings.iter().map(|w| w.render()).collect();
    assert!(
        messages.iter().any(|m| m.contains("0000000008c1")
            && m.contains("expired deny kept: Mission Control enforces no until")),
        "{messages:#?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("0000000008c2")),
        "{messages:#?}"
    );
    // Neither row's `until` is ahead: nothing to refresh for.
    assert!(world.findings.earliest_until.is_none());
    let tables = compile(world).unwrap_or_else(|d| panic!("{}", render_all(&d)));
    // Alice is an editor (deletes configs); the expired deny still takes that away.
    assert!(!allowed(
        &tables,
        "alice@example.com",
        "delete",
        Objects::new().config(PROD_POD)
    ));
    // Bob's expired allow grants nothing.
    assert!(!allowed(
        &tables,
        "bob@example.com",
        "delete",
        Objects::new().config(PROD_POD)
    ));
}

/// Issue 22 (adversary finding): a subject uuid is looked up among the subjects of the
/// row's `subject_type` only, whatever its case; a deny whose subject is soft-deleted
/// (Mission Control keeps applying it: the team's casbin rows stay) is refused, never
/// left out; an allow whose subject is soft-deleted is left out with a warning.
#[test]
fn a_subject_uuid_is_looked_up_by_its_type_and_a_deny_on_a_deleted_subject_is_refused() {
    let old_team = "00000000-0000-0000-0000-0000000001B0";
    let sre_upper = SRE.to_ascii_uppercase();
    let mut mc = McSchema::new("mc_compile_subject_kind");
    mc.sql(WORLD);
    mc.sql(&format!(
        r#"
INSERT INTO permissions (id, source, subject_type, subject, action, object, deny) VALUES
  -- The team's uuid in capitals: still the team `sre`.
  ('00000000-0000-0000-0000-0000000008e1', 'UI', 'team', '{sre_upper}', 'read', 'connection', false),
  -- A team's uuid declared a person: names no person, left out.
  ('00000000-0000-0000-0000-0000000008e2', 'UI', 'person', '{SRE}', 'delete', 'catalog', false),
  -- An allow for the soft-deleted team: left out.
  ('00000000-0000-0000-0000-0000000008e3', 'UI', 'team', '{old_team}', 'create', 'catalog', false);
"#
    ));
    let (read, _) = world(&mc, &[]);
    assert_eq!(
        skipped(&read, "permissions whose subject is soft-deleted"),
        2
    );
    let tables = compile(read).unwrap_or_else(|d| panic!("{}", render_all(&d)));
    assert!(allowed(
        &tables,
        "bob@example.com",
        "read",
        Objects::new().connection(CONNECTION)
    ));
    assert!(!allowed(
        &tables,
        "bob@example.com",
        "delete",
        Objects::new().config(PROD_POD)
    ));

    // A deny for the soft-deleted team: refused, naming the row.
    mc.sql(&format!(
        r#"
INSERT INTO permissions (id, source, subject_type, subject, action, object, deny) VALUES
  ('00000000-0000-0000-0000-0000000008e4', 'UI', 'team', '{old_team}', 'delete', 'catalog', true);
"#
    ));
    let (refused, _) = world(&mc, &[]);
    let problems = match compile(refused) {
        Ok(_) => panic!("a deny on a soft-deleted team was dropped"),
        Err(d) => d,
    };
    let rendered = render_all(&problems);
    assert!(
        rendered.contains("permissions row `00000000-0000-0000-0000-0000000008e4`")
            && rendered.contains("soft-deleted or missing")
            && rendered.contains("the row is refused"),
        "{rendered}"
    );
}

/// Issue 22 (adversary finding): a casbin `g` row assigning a role (built-in or custom) to
/// a team reaches the team's members, as casbin's role inheritance gives it to them in
/// Mission Control; it was skipped as a row of "people the catalog does not hold".
#[test]
fn a_role_casbin_assigns_to_a_team_reaches_its_members() {
    let mut mc = McSchema::new("mc_compile_team_roles");
    mc.sql(WORLD);
    mc.sql(&format!(
        r#"
INSERT INTO casbin_rule (ptype, v0, v1) VALUES
  ('g', '{SRE}', 'editor'),
  ('g', '{SRE}', 'night-shift'),
  ('g', '00000000-0000-0000-0000-0000000001b0', 'admin');
INSERT INTO permissions (id, source, subject_type, subject, action, object) VALUES
  ('00000000-0000-0000-0000-0000000008f1', 'UI', 'group', 'night-shift', 'read', 'connection');
"#
    ));
    let (read, _) = world(&mc, &[]);
    let tables = compile(read).unwrap_or_else(|d| panic!("{}", render_all(&d)));
    let bob = "bob@example.com";
    // Bob holds no role of his own; `sre`'s editor role reaches him.
    assert!(allowed(
        &tables,
        bob,
        "delete",
        Objects::new().config(PROD_POD)
    ));
    // The custom role of the team reaches him too.
    assert!(allowed(
        &tables,
        bob,
        "read",
        Objects::new().connection(CONNECTION)
    ));
    // The token person is no member of `sre`.
    assert!(!allowed(
        &tables,
        "bob+token:ci@example.com",
        "read",
        Objects::new().connection(CONNECTION)
    ));
}

/// Issue 22 (round 3, F5): casbin rows name their member by uuid in any case, as
/// permission rows do: a person's uuid in capitals assigned a custom role compiles and
/// gives it to the person (it failed the whole compile: `unknown person`), and a team's
/// uuid in capitals assigned a role gives it to the team's members (it was counted as
/// given and reached none). A `subject_type` Rampart does not know (`Person`) is an error
/// naming the table, the column and the value, and what to write.
#[test]
fn casbin_rows_name_their_member_by_uuid_in_any_case() {
    let bob_upper = BOB.to_ascii_uppercase();
    let sre_upper = SRE.to_ascii_uppercase();
    let mut mc = McSchema::new("mc_compile_casbin_case");
    mc.sql(WORLD);
    mc.sql(&format!(
        r#"
INSERT INTO casbin_rule (ptype, v0, v1) VALUES
  ('g', '{bob_upper}', 'auditors'),
  ('g', '{sre_upper}', 'editor');
INSERT INTO permissions (id, source, subject_type, subject, action, config_id) VALUES
  ('00000000-0000-0000-0000-0000000008f1', 'UI', 'group', 'auditors', 'read', '{DEV_NODE}');
"#
    ));
    let (read, _) = world(&mc, &[]);
    assert_eq!(
        read.summary
            .counts
            .iter()
            .find(|(k, _)| k.starts_with("role assignments of teams"))
            .map(|(_, n)| *n),
        Some(1),
        "{:?}",
        read.summary.counts
    );
    let tables = compile(read).unwrap_or_else(|d| panic!("{}", render_all(&d)));
    let bob = "bob@example.com";
    // The custom role given to Bob's uuid in capitals.
    assert!(allowed(
        &tables,
        bob,
        "read",
        Objects::new().config(DEV_NODE)
    ));
    // `sre`'s editor role (the team's uuid in capitals) reaches Bob.
    assert!(allowed(
        &tables,
        bob,
        "delete",
        Objects::new().config(PROD_POD)
    ));
    assert!(!allowed(
        &tables,
        "bob+token:ci@example.com",
        "delete",
        Objects::new().config(PROD_POD)
    ));

    mc.sql(&format!(
        r#"
INSERT INTO permissions (id, source, subject_type, subject, action, object) VALUES
  ('00000000-0000-0000-0000-0000000008f2', 'UI', 'Person', '{BOB}', 'read', 'catalog');
"#
    ));
    let (read, _) = world(&mc, &[]);
    let problems = match compile(read) {
        Ok(_) => panic!("a row of subject type `Person` compiled"),
        Err(d) => d,
    };
    let rendered = render_all(&problems);
    assert!(
        rendered.contains("permissions row `00000000-0000-0000-0000-0000000008f2`")
            && rendered.contains("column `subject_type`")
            && rendered.contains("`Person`")
            && rendered.contains("write `person`"),
        "{rendered}"
    );
}
