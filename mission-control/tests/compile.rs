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
use support::{assert_no_forbidden_column, insert, McSchema, Permission};

const ALICE: &str = "00000000-0000-0000-0000-0000000000a1";
const BOB: &str = "00000000-0000-0000-0000-0000000000b0";
const SRE: &str = "00000000-0000-0000-0000-0000000001a0";
const PROD_POD: &str = "00000000-0000-0000-0000-0000000005a1";
const DEV_NODE: &str = "00000000-0000-0000-0000-0000000005a2";
const CONNECTION: &str = "00000000-0000-0000-0000-0000000007a0";

/// Permission and group rows of every kind Mission Control holds.
fn policy_rows() -> String {
    let bob = |id: &str| Permission::ui(id).subject("person", BOB);
    let token =
        |id: &str| Permission::ui(id).subject("person", "00000000-0000-0000-0000-0000000000b1");
    [
        insert(&[
            // Made in the UI: generated name, no namespace, a person's uuid, a global object.
            bob("00000000-0000-0000-0000-0000000008a1").action("read").object("catalog"),
            // Written from a Permission resource: the team's uuid, a selector.
            Permission::resource("00000000-0000-0000-0000-0000000008a2", "mc", "sre-update-prod")
                .subject("team", SRE)
                .action("update")
                .selector(r#"{"configs": [{"tagSelector": "env=prod"}]}"#),
            // Soft-deleted, and failed expansion: neither grants.
            bob("00000000-0000-0000-0000-0000000008a3").action("delete").object("catalog").deleted(),
            bob("00000000-0000-0000-0000-0000000008a4")
                .action("create")
                .object("catalog")
                .error("ErrScopeExpansionScopeNotFound:mc/x"),
            // The token person: expired, and expiring tomorrow.
            token("00000000-0000-0000-0000-0000000008a5")
                .action("read")
                .object("catalog")
                .until("now() - interval '1 day'"),
            token("00000000-0000-0000-0000-0000000008a6")
                .action("update")
                .object("catalog")
                .until("now() + interval '1 day'"),
            // A soft-deleted person's permission: applies to nobody.
            Permission::ui("00000000-0000-0000-0000-0000000008a7")
                .subject("person", "00000000-0000-0000-0000-0000000000d0")
                .action("read")
                .object("catalog"),
            // A deny through the deprecated person_id column (no subject).
            Permission::ui("00000000-0000-0000-0000-0000000008a8")
                .person(ALICE)
                .action("delete")
                .selector(r#"{"configs": [{"name": "mc-api-0"}]}"#)
                .deny(),
        ]),
        // A custom role casbin assigns (`auditors`), on one config by id.
        format!("INSERT INTO casbin_rule (ptype, v0, v1) VALUES ('g', '{BOB}', 'auditors');"),
        Permission::ui("00000000-0000-0000-0000-0000000008a9")
            .subject("group", "auditors")
            .action("delete")
            .config(DEV_NODE)
            .sql(),
        // A permission group row: one member matches, one person and one (soft-deleted)
        // team match nothing, canaries are not modelled.
        r#"INSERT INTO permission_groups (id, name, namespace, selectors, source) VALUES
  ('00000000-0000-0000-0000-0000000009a1', 'oncall', 'mc',
   '{"people": ["nobody@example.com", "bob@example.com"], "teams": ["old-team"], "canaries": [{"name": "*"}]}', 'UI');"#
            .to_string(),
        Permission::ui("00000000-0000-0000-0000-0000000008aa")
            .subject("group", "oncall")
            .action("read")
            .object("connection")
            .sql(),
    ]
    .join("\n")
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

/// Asserts each `(subject, action, objects, allowed)`: allowed when `true`, denied when
/// `false`.
fn decides<'a>(
    tables: &Tables,
    cases: impl IntoIterator<Item = (&'a str, &'a str, Objects<'a>, bool)>,
) {
    for (subject, action, objects, expected) in cases {
        assert_eq!(
            allowed(tables, subject, action, objects),
            expected,
            "{subject} {action} {objects:?}"
        );
    }
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
    let mc = McSchema::world("mc_compile_rows", &[&policy_rows()]);
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
    let (prod, dev) = (
        Objects::new().config(PROD_POD),
        Objects::new().config(DEV_NODE),
    );
    let connection = Objects::new().connection(CONNECTION);
    decides(
        &tables,
        [
            // The UI-made permission (a person's uuid, the global object `catalog`).
            (bob, "read", dev, true),
            // The team's uuid: Bob is in `sre`; the selector takes prod only.
            (bob, "update", prod, true),
            (bob, "update", dev, false),
            // Soft-deleted and failed rows grant nothing.
            (bob, "delete", prod, false),
            (bob, "create", prod, false),
            // Expiring later: granted now. (The token's expired read of prod is not
            // granted, but Bob's `catalog` read reaches it: below.)
            (token, "update", prod, true),
            // The deny through `person_id` wins over Alice's editor role, on its config
            // only.
            (alice, "delete", prod, false),
            (alice, "delete", dev, true),
            // The casbin custom role, on one config by id.
            (bob, "delete", dev, true),
            // The group row's member, and his token (no scope of its own: in Mission
            // Control `g, <token>, <bob>` puts it in Bob's groups).
            (bob, "read", connection, true),
            (token, "read", connection, true),
            // The token's own expired allow grants nothing, but it has everything Bob
            // has (`catalog` read, through him).
            (token, "read", dev, true),
        ],
    );
}

#[test]
fn a_row_rampart_cannot_read_is_a_diagnostic_naming_the_row_and_its_column() {
    let bob_reads = |id: &str| Permission::ui(id).subject("person", BOB).action("read");
    let mc = McSchema::world(
        "mc_compile_bad_rows",
        &[&insert(&[
            Permission::resource(
                "00000000-0000-0000-0000-0000000008b1",
                "mc",
                "canary-readers",
            )
            .subject("person", BOB)
            .action("read")
            .object("canaries"),
            bob_reads("00000000-0000-0000-0000-0000000008b2")
                .selector(r#"{"configs": [{"nme": "x"}]}"#),
            bob_reads("00000000-0000-0000-0000-0000000008b3")
                .selector(r#"{"scopes": [{"namespace": "mc", "name": "prod"}]}"#),
            bob_reads("00000000-0000-0000-0000-0000000008b4")
                .selector(r#"{"scopes": [{"namespace": "mc", "name": "prod"}]}"#)
                .deny(),
        ])],
    );
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
    let scopes = r#"
-- Written from a Scope resource: the agent already an id, as upstream stores it.
INSERT INTO scopes (id, name, namespace, targets, source) VALUES
  ('00000000-0000-0000-0000-00000000a0a1', 'eu', 'mc', '[{"config": {"agent": "00000000-0000-0000-0000-0000000002a0"}}, {"playbook": {"namespace": "mc", "name": "echo-config"}}]', 'KubernetesCRD'),
  ('00000000-0000-0000-0000-00000000a0a2', 'prod', 'mc', '[{"config": {"tagSelector": "env=prod"}}]', 'UI');
INSERT INTO scopes (id, name, namespace, targets, source, deleted_at) VALUES
  ('00000000-0000-0000-0000-00000000a0b0', 'retired', 'mc', '[{"config": {"name": "*"}}]', 'UI', now());
"#;
    let bob_updates = |id: &str| Permission::ui(id).subject("person", BOB).action("update");
    let permissions = insert(&[
        Permission::resource("00000000-0000-0000-0000-0000000008c1", "mc", "sre-eu")
            .subject("team", SRE)
            .action("delete")
            .selector(r#"{"scopes": [{"namespace": "mc", "name": "eu"}]}"#),
        bob_updates("00000000-0000-0000-0000-0000000008c2")
            .selector(r#"{"configs": [{"name": "*"}, {"name": "*"}]}"#),
        bob_updates("00000000-0000-0000-0000-0000000008c3")
            .selector(r#"{"scopes": [{"namespace": "mc", "name": "prod", "id": "00000000-0000-0000-0000-00000000a0a2"}]}"#)
            .deny(),
    ]);
    format!("{scopes}{permissions}")
}

#[test]
fn scope_rows_are_scopes_and_permission_rows_expand_through_them() {
    let mc = McSchema::world("mc_compile_scopes", &[&scope_rows()]);
    let (world, statements) = world(&mc, &[]);
    assert_no_forbidden_column(&statements);
    assert_eq!(world.summary.counts["scope rows"], 2);
    assert_eq!(skipped(&world, "scopes soft-deleted"), 1);
    assert_eq!(world.loaded.documents.scopes.len(), 2);
    let tables = compile(world).unwrap_or_else(|d| panic!("{}", render_all(&d)));
    let (alice, bob) = ("alice@example.com", "bob@example.com");
    let (prod, dev) = (
        Objects::new().config(PROD_POD),
        Objects::new().config(DEV_NODE),
    );
    decides(
        &tables,
        [
            // Through `mc/eu` (Bob is in `sre`): configs of agent `eu`, and the playbook;
            // never other configs.
            (bob, "delete", dev, true),
            (bob, "delete", prod, false),
            (
                bob,
                "delete",
                Objects::new().playbook("mc/echo-config"),
                true,
            ),
            // Bob may update every config but those `mc/prod` selects (a deny,
            // referenced with the scope's id); Alice, an editor, is not denied.
            (bob, "update", dev, true),
            (bob, "update", prod, false),
            (alice, "update", prod, true),
        ],
    );
}

/// A `scopes` row names a target's agent by id: Mission Control resolves an agent's name
/// when it saves a Scope and matches agents by id only, so a row holding a name (written
/// to the table by hand or by a tool) matches nothing there. Rampart refuses the row
/// rather than resolve the name (wider than Mission Control on an allow) or match nothing
/// (a deny through it lifted without a word).
#[test]
fn a_scope_row_naming_its_agent_by_name_is_refused() {
    let mc = McSchema::world(
        "mc_compile_scope_agent_name",
        &[&format!(
            "{}{}",
            r#"INSERT INTO scopes (id, name, namespace, targets, source) VALUES
  ('00000000-0000-0000-0000-00000000a0d1', 'by-name', 'mc', '[{"config": {"agent": "eu"}}]', 'UI');
"#,
            insert(&[Permission::ui("00000000-0000-0000-0000-0000000008e1")
                .subject("person", BOB)
                .action("read")
                .selector(r#"{"scopes": [{"namespace": "mc", "name": "by-name"}]}"#)])
        )],
    );
    let (world, _) = world(&mc, &[]);
    let problems = match compile(world) {
        Ok(_) => panic!("a scope row naming its agent by name compiled"),
        Err(d) => d,
    };
    let rendered = render_all(&problems);
    let row = problems
        .iter()
        .find(|d| {
            d.row()
                .is_some_and(|r| r.id == "00000000-0000-0000-0000-00000000a0d1")
        })
        .map(|d| d.render())
        .unwrap_or_else(|| panic!("no diagnostic for the scope row:\n{rendered}"));
    assert!(row.contains("agent `eu`"), "{row}");
    assert!(
        row.contains("00000000-0000-0000-0000-0000000002a0"),
        "{row}"
    );
}

#[test]
fn a_deny_row_referencing_a_missing_scope_is_refused_and_an_allow_row_left_out() {
    let mc = McSchema::world(
        "mc_compile_scope_gone",
        &[
            &scope_rows(),
            &insert(&[
                Permission::resource("00000000-0000-0000-0000-0000000008d1", "mc", "deny-retired")
                    .subject("person", BOB)
                    .action("read")
                    .selector(r#"{"scopes": [{"namespace": "mc", "name": "eu"}, {"namespace": "mc", "name": "retired"}]}"#)
                    .deny(),
                Permission::ui("00000000-0000-0000-0000-0000000008d2")
                    .named("mc", "nowhere")
                    .subject("person", BOB)
                    .action("read")
                    .selector(r#"{"scopes": [{"namespace": "mc", "name": "nowhere"}]}"#),
                Permission::ui("00000000-0000-0000-0000-0000000008d3")
                    .named("mc", "floating-deny")
                    .subject("person", BOB)
                    .action("read")
                    .selector(r#"{"scopes": [{"namespace": "default", "name": "floating"}]}"#)
                    .deny(),
            ]),
            // A scope row without a namespace: Mission Control looks scopes up by
            // namespace and name, so no reference finds it (never read as
            // `default/floating`).
            r#"INSERT INTO scopes (id, name, namespace, targets, source) VALUES
  ('00000000-0000-0000-0000-00000000a0c0', 'floating', NULL, '[{"config": {"name": "*"}}]', 'UI');"#,
        ],
    );
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
    let mc = McSchema::world("mc_compile_scope_shadow", &[&scope_rows()]);
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
    decides(
        &tables,
        [
            (bob, "delete", Objects::new().config(DEV_NODE), false),
            (
                bob,
                "delete",
                Objects::new().playbook("mc/echo-config"),
                true,
            ),
        ],
    );
}

#[test]
fn a_document_and_the_row_of_its_resource_are_one_permission() {
    let mc = McSchema::world("mc_compile_shadow", &[&policy_rows()]);
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
    let (bob, prod) = ("bob@example.com", Objects::new().config(PROD_POD));
    decides(
        &tables,
        [(bob, "update", prod, false), (bob, "read", prod, true)],
    );
}

/// Issue 22 (adversary finding): Mission Control stores `until` and enforces it nowhere,
/// so an expired deny still denies there; leaving it out made Rampart wider (fail open).
/// An expired allow is left out (narrower), an expired deny stays in force; both warned.
#[test]
fn an_expired_deny_stays_in_force_and_an_expired_allow_is_left_out() {
    let mc = McSchema::world(
        "mc_compile_expired",
        &[&insert(&[
            Permission::ui("00000000-0000-0000-0000-0000000008c1")
                .subject("person", ALICE)
                .action("delete")
                .object("catalog")
                .deny()
                .until("now() - interval '1 day'"),
            Permission::ui("00000000-0000-0000-0000-0000000008c2")
                .subject("person", BOB)
                .action("delete")
                .object("catalog")
                .until("now() - interval '1 day'"),
        ])],
    );
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
    let prod = Objects::new().config(PROD_POD);
    decides(
        &tables,
        [
            // Alice is an editor (deletes configs); the expired deny still takes that away.
            ("alice@example.com", "delete", prod, false),
            // Bob's expired allow grants nothing.
            ("bob@example.com", "delete", prod, false),
        ],
    );
}

/// Issue 22 (adversary finding): a subject uuid is looked up among the subjects of the
/// row's `subject_type` only, whatever its case; a deny whose subject is soft-deleted
/// (Mission Control keeps applying it: the team's casbin rows stay) is refused, never
/// left out; an allow whose subject is soft-deleted is left out with a warning.
#[test]
fn a_subject_uuid_is_looked_up_by_its_type_and_a_deny_on_a_deleted_subject_is_refused() {
    let old_team = "00000000-0000-0000-0000-0000000001B0";
    let sre_upper = SRE.to_ascii_uppercase();
    let mut mc = McSchema::world(
        "mc_compile_subject_kind",
        &[&insert(&[
            // The team's uuid in capitals: Mission Control compares the text with ids
            // as it spells them, so the allow grants no one (adversary 64 case04; it
            // was read as the team `sre` before).
            Permission::ui("00000000-0000-0000-0000-0000000008e1")
                .subject("team", &sre_upper)
                .action("read")
                .object("connection"),
            // A team's uuid declared a person: names no person, left out.
            Permission::ui("00000000-0000-0000-0000-0000000008e2")
                .subject("person", SRE)
                .action("delete")
                .object("catalog"),
            // An allow for the soft-deleted team (in capitals too): left out.
            Permission::ui("00000000-0000-0000-0000-0000000008e3")
                .subject("team", old_team)
                .action("create")
                .object("catalog"),
        ])],
    );
    let (read, _) = world(&mc, &[]);
    assert_eq!(
        skipped(&read, "permissions whose subject is soft-deleted"),
        1
    );
    assert_eq!(skipped(&read, "permissions whose subject is written"), 2);
    let tables = compile(read).unwrap_or_else(|d| panic!("{}", render_all(&d)));
    decides(
        &tables,
        [
            (
                "bob@example.com",
                "read",
                Objects::new().connection(CONNECTION),
                false,
            ),
            (
                "bob@example.com",
                "delete",
                Objects::new().config(PROD_POD),
                false,
            ),
        ],
    );

    // A deny for the soft-deleted team: refused, naming the row.
    mc.sql(
        &Permission::ui("00000000-0000-0000-0000-0000000008e4")
            .subject("team", old_team)
            .action("delete")
            .object("catalog")
            .deny()
            .sql(),
    );
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
    let mc = McSchema::world(
        "mc_compile_team_roles",
        &[
            &format!(
                "INSERT INTO casbin_rule (ptype, v0, v1) VALUES
  ('g', '{SRE}', 'editor'),
  ('g', '{SRE}', 'night-shift'),
  ('g', '00000000-0000-0000-0000-0000000001b0', 'admin');"
            ),
            &Permission::ui("00000000-0000-0000-0000-0000000008f1")
                .subject("group", "night-shift")
                .action("read")
                .object("connection")
                .sql(),
        ],
    );
    let (read, _) = world(&mc, &[]);
    let tables = compile(read).unwrap_or_else(|d| panic!("{}", render_all(&d)));
    let bob = "bob@example.com";
    let connection = Objects::new().connection(CONNECTION);
    decides(
        &tables,
        [
            // Bob holds no role of his own; `sre`'s editor role reaches him.
            (bob, "delete", Objects::new().config(PROD_POD), true),
            // The custom role of the team reaches him too.
            (bob, "read", connection, true),
            // Bob's token (no scope of its own) has everything Bob has, as casbin's
            // `g, <token>, <bob>` gives it in Mission Control (adversary 58 case03e).
            ("bob+token:ci@example.com", "read", connection, true),
        ],
    );
}

/// Issue 22 (round 3, F5; adversary 58 case07): casbin compares a `g` row's member text
/// exactly, and Mission Control asks with the id's own spelling (lower case, hyphenated),
/// so a row naming a person or team in another spelling (capitals, braces, `urn:uuid:`,
/// no hyphens, white space) gives nothing there. Rampart read such rows as the uuid,
/// granting a custom role and `editor` Mission Control does not (and, before F5, failed
/// the whole compile). They are now skipped and counted: no allow and no deny through
/// them, as in Mission Control; the compile succeeds. A `subject_type` Rampart does not
/// know (`Person`) is an error naming the table, the column and the value, and what to
/// write.
#[test]
fn casbin_rows_name_their_member_only_in_mission_controls_spelling() {
    let bob_upper = BOB.to_ascii_uppercase();
    let sre_upper = SRE.to_ascii_uppercase();
    let mut mc = McSchema::world("mc_compile_casbin_case", &[]);
    mc.sql(&format!(
        r#"
INSERT INTO casbin_rule (ptype, v0, v1) VALUES
  ('g', '{bob_upper}', 'auditors'),
  ('g', 'urn:uuid:{BOB}', 'auditors'),
  ('g', ' {BOB} ', 'watchers'),
  ('g', '{{{BOB}}}', 'admin'),
  ('g', '{sre_upper}', 'editor');
INSERT INTO permission_groups (id, name, namespace, selectors, source) VALUES
  ('00000000-0000-0000-0000-0000000009b1', 'auditors', 'mc', '{{"people": ["alice@example.com"]}}', 'UI'),
  ('00000000-0000-0000-0000-0000000009b2', 'watchers', 'mc', '{{"people": ["alice@example.com"]}}', 'UI');
INSERT INTO permissions (id, source, subject_type, subject, action, config_id, deny) VALUES
  ('00000000-0000-0000-0000-0000000008f1', 'UI', 'group', 'auditors', 'read', '{DEV_NODE}', false),
  ('00000000-0000-0000-0000-0000000008f5', 'UI', 'person', '{BOB}', 'update', '{DEV_NODE}', false),
  ('00000000-0000-0000-0000-0000000008f7', 'UI', 'group', 'watchers', 'update', '{DEV_NODE}', true);
"#
    ));
    let (read, _) = world(&mc, &[]);
    assert_eq!(
        read.summary
            .skipped
            .iter()
            .find(|(k, _)| k.starts_with("casbin rows whose member is a uuid spelled otherwise"))
            .map(|(_, n)| *n),
        Some(5),
        "{:?}",
        read.summary.skipped
    );
    let tables = compile(read).unwrap_or_else(|d| panic!("{}", render_all(&d)));
    let (alice, bob) = ("alice@example.com", "bob@example.com");
    decides(
        &tables,
        [
            // `auditors` is Alice's alone: the respelled rows do not add Bob.
            (alice, "read", Objects::new().config(DEV_NODE), true),
            (bob, "read", Objects::new().config(DEV_NODE), false),
            // Bob's own allow stands: the deny on `watchers` does not reach him either.
            (bob, "update", Objects::new().config(DEV_NODE), true),
            // Neither `admin` (in braces) nor `sre`'s `editor` (in capitals) reaches him.
            (bob, "delete", Objects::new().config(PROD_POD), false),
        ],
    );

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

#[test]
fn a_row_with_an_empty_name_is_refused_naming_the_row() {
    let rows = [
        Permission::ui("00000000-0000-0000-0000-0000000008c1")
            .named("mc", "")
            .subject("person", BOB)
            .action("read")
            .object("catalog")
            .sql(),
        r#"INSERT INTO permission_groups (id, name, namespace, selectors, source) VALUES
  ('00000000-0000-0000-0000-0000000009c1', '', 'mc', '{"people": ["bob@example.com"]}', 'UI'),
  ('00000000-0000-0000-0000-0000000009c2', NULL, 'mc', '{"people": ["bob@example.com"]}', 'UI');"#
            .to_string(),
    ]
    .join("\n");
    let mc = McSchema::world("mc_compile_empty_names", &[&rows]);
    let (world, _) = world(&mc, &[]);
    let problems = match compile(world) {
        Ok(_) => panic!("compiled"),
        Err(d) => d,
    };
    let rendered = render_all(&problems);
    for (id, wanted) in [
        (
            "00000000-0000-0000-0000-0000000008c1",
            "`metadata.name` is empty",
        ),
        (
            "00000000-0000-0000-0000-0000000009c1",
            "`metadata.name` is empty",
        ),
        ("00000000-0000-0000-0000-0000000009c2", "name"),
    ] {
        assert!(
            problems.iter().any(|d| !d.warning
                && d.row().is_some_and(|r| r.id == id)
                && d.message.contains(wanted)),
            "no error containing `{wanted}` for row {id}:\n{rendered}"
        );
    }
    // Names the UI writes freely (not Kubernetes names) are not refused in rows.
    assert!(
        !rendered.contains("not a valid Kubernetes object name"),
        "{rendered}"
    );
}

/// Adversary 57 case09/case10 (fail open): Mission Control keeps a soft-deleted team's
/// casbin rows, so its members keep the roles and groups those rows give (casbin's role
/// inheritance). Rampart drops the team; for an allow that is narrower, but a deny whose
/// subject is such a group or role was lifted for them. A deny reaching people only
/// through a soft-deleted team's casbin row is refused (from a row or from a file), as a
/// deny row whose subject is that team is; an allow through one is left out.
#[test]
fn a_deny_reaching_people_through_a_soft_deleted_teams_casbin_row_is_refused() {
    const OLD_TEAM: &str = "00000000-0000-0000-0000-0000000001b0";
    let mut mc = McSchema::world("mc_compile_deleted_team_casbin", &[]);
    mc.sql(&format!(
        r#"
INSERT INTO casbin_rule (ptype, v0, v1) VALUES
  ('g', '{OLD_TEAM}', 'auditors'),
  ('g', '{OLD_TEAM}', 'readers');
INSERT INTO permission_groups (id, name, namespace, selectors, source) VALUES
  ('00000000-0000-0000-0000-0000000009b1', 'auditors', 'mc', '{{"people": ["bob@example.com"]}}', 'UI'),
  ('00000000-0000-0000-0000-0000000009b2', 'readers', 'mc', '{{"people": ["bob@example.com"]}}', 'UI');
INSERT INTO permissions (id, source, subject_type, subject, action, config_id, deny) VALUES
  ('00000000-0000-0000-0000-0000000008f5', 'UI', 'person', '{ALICE}', 'read,update', '{DEV_NODE}', false),
  ('00000000-0000-0000-0000-0000000008f6', 'UI', 'group', 'auditors', 'read', '{DEV_NODE}', true),
  ('00000000-0000-0000-0000-0000000008f7', 'UI', 'group', 'readers', 'delete', '{DEV_NODE}', false);
"#
    ));
    let (read, _) = world(&mc, &[]);
    let errors = compile(read).expect_err("a deny lifted for the soft-deleted team's members");
    let text = render_all(&errors);
    assert!(
        text.contains("casbin_rule") && text.contains("old-team") && text.contains("auditors"),
        "{text}"
    );
    assert!(
        !text.contains("readers"),
        "an allow is only narrower: {text}"
    );

    // The same deny from a file.
    mc.sql("DELETE FROM permissions WHERE id = '00000000-0000-0000-0000-0000000008f6';");
    let dir = tempfile::tempdir().expect("temporary directory");
    let deny = dir.path().join("deny.yaml");
    std::fs::write(
        &deny,
        "apiVersion: mission-control.flanksource.com/v1\nkind: Permission\nmetadata: {name: no-audit, namespace: mc}\nspec:\n  subject: {group: auditors}\n  actions: [read]\n  deny: true\n  object: {configs: [{name: eu-node}]}\n",
    )
    .expect("write");
    let (read, _) = world(&mc, std::slice::from_ref(&deny));
    let errors = compile(read).expect_err("the file's deny lifted for the team's members");
    assert!(
        render_all(&errors).contains("old-team"),
        "{}",
        render_all(&errors)
    );

    // Without a deny through it, the row only narrows an allow: it compiles.
    let (read, _) = world(&mc, &[]);
    let tables = compile(read).unwrap_or_else(|d| panic!("{}", render_all(&d)));
    decides(
        &tables,
        [
            (
                "alice@example.com",
                "read",
                Objects::new().config(DEV_NODE),
                true,
            ),
            (
                "bob@example.com",
                "delete",
                Objects::new().config(DEV_NODE),
                true,
            ),
        ],
    );
}

/// Adversary 58 case01 (issue 22, fail open): casbin's role manager follows `g` rows
/// from role to role (`g, alice, rolea` + `g, rolea, auditors` puts Alice in
/// `auditors`; so does `g, viewer, auditors` for every editor, through the built-in
/// inheritance), but Rampart read only a person's or team's own rows: a deny on
/// `auditors` compiled and did not apply to her. The links are followed (up to casbin's
/// ten, cycles included), from people, from live teams, and from soft-deleted teams for
/// the refusal of a deny their members would escape.
#[test]
fn casbin_links_from_role_to_role_are_followed_as_casbin_follows_them() {
    let mut mc = McSchema::world("mc_compile_casbin_links", &[]);
    mc.sql(&format!(
        r#"
INSERT INTO casbin_rule (ptype, v0, v1) VALUES
  ('g', '{ALICE}', 'rolea'),
  ('g', 'rolea', 'auditors1'),
  ('g', 'rolea', 'rolea-loop'),
  ('g', 'rolea-loop', 'rolea'),
  ('g', '{SRE}', 'roleb'),
  ('g', 'roleb', 'roleb2'),
  ('g', 'roleb2', 'auditors2'),
  ('g', 'viewer', 'auditors3'),
  ('g', 'everyone', 'auditors5');
INSERT INTO permission_groups (id, name, namespace, selectors, source) VALUES
  ('00000000-0000-0000-0000-0000000009c3', 'pgt', 'mc', '{{"people": ["bob@example.com"]}}', 'UI');
INSERT INTO permissions (id, source, subject_type, subject, action, config_id, deny) VALUES
  ('00000000-0000-0000-0000-0000000008a1', 'UI', 'person', '{ALICE}', 'read,update,delete', '{DEV_NODE}', false),
  ('00000000-0000-0000-0000-0000000008a2', 'UI', 'person', '{BOB}', 'read,update,delete,create', '{DEV_NODE}', false),
  ('00000000-0000-0000-0000-0000000008a7', 'UI', 'group', 'auditors5', 'create', '{DEV_NODE}', true),
  ('00000000-0000-0000-0000-0000000008ab', 'UI', 'person', '00000000-0000-0000-0000-0000000000b1', 'read', '{PROD_POD}', false),
  ('00000000-0000-0000-0000-0000000008ac', 'UI', 'group', 'pgt', 'read', '{PROD_POD}', true),
  ('00000000-0000-0000-0000-0000000008ad', 'UI', 'person', '00000000-0000-0000-0000-0000000000b1', 'delete', '{PROD_POD}', false),
  ('00000000-0000-0000-0000-0000000008ae', 'UI', 'person', '{BOB}', 'delete', '{PROD_POD}', true),
  ('00000000-0000-0000-0000-0000000008a3', 'UI', 'group', 'auditors1', 'read', '{DEV_NODE}', true),
  ('00000000-0000-0000-0000-0000000008a4', 'UI', 'group', 'auditors2', 'update', '{DEV_NODE}', true),
  ('00000000-0000-0000-0000-0000000008a5', 'UI', 'group', 'auditors3', 'delete', '{DEV_NODE}', true);
"#
    ));
    let (read, _) = world(&mc, &[]);
    let tables = compile(read).unwrap_or_else(|d| panic!("{}", render_all(&d)));
    let config = Objects::new().config(DEV_NODE);
    let (alice, bob) = ("alice@example.com", "bob@example.com");
    decides(
        &tables,
        [
            // Alice's own row, then a link (and a cycle, which ends).
            (alice, "read", config, false),
            (bob, "read", config, true),
            // `sre`'s row, then two links: both members.
            (alice, "update", config, false),
            (bob, "update", config, false),
            // Alice is an editor; an editor inherits viewer, which is linked to auditors3.
            (alice, "delete", config, false),
            (bob, "delete", config, true),
            // Every subject is `everyone`, linked to auditors5 (adversary 59 case02).
            (bob, "create", config, false),
            // Bob's token (no scope of its own) is in Bob's permission group `pgt`, as
            // `g, <token>, <bob>` puts it there in Mission Control: its own allow on the
            // pod is denied through the group.
            (
                "bob+token:ci@example.com",
                "read",
                Objects::new().config(PROD_POD),
                false,
            ),
            // ... and Bob's own deny reaches it too (adversary 60 case02).
            (
                "bob+token:ci@example.com",
                "delete",
                Objects::new().config(PROD_POD),
                false,
            ),
        ],
    );

    // A soft-deleted team (Alice is a member) reaching a group a deny names by links.
    mc.sql(
        r#"
INSERT INTO casbin_rule (ptype, v0, v1) VALUES
  ('g', '00000000-0000-0000-0000-0000000001b0', 'rolec'),
  ('g', 'rolec', 'auditors4');
INSERT INTO permissions (id, source, subject_type, subject, action, object, deny) VALUES
  ('00000000-0000-0000-0000-0000000008a6', 'UI', 'group', 'auditors4', 'read', 'catalog', true);
INSERT INTO casbin_rule (ptype, v0, v1, v2, v3, v4, v5) VALUES
  ('p', '00000000-0000-0000-0000-0000000000b1', 'catalog', 'read', 'deny', '', 'na');
INSERT INTO permission_groups (id, name, namespace, selectors, source) VALUES
  ('00000000-0000-0000-0000-0000000009c1', 'pg1', 'mc', '{"people": ["bob@example.com"]}', 'UI'),
  ('00000000-0000-0000-0000-0000000009c2', 'pg2', 'mc', '{"teams": ["old-team"]}', 'UI');
INSERT INTO casbin_rule (ptype, v0, v1) VALUES ('g', 'pg1', 'auditors6');
INSERT INTO teams (id, name, created_by) VALUES
  ('00000000-0000-0000-0000-0000000001c0', 'ops', '00000000-0000-0000-0000-0000000000a1');
INSERT INTO casbin_rule (ptype, v0, v1) VALUES
  ('g', '00000000-0000-0000-0000-0000000000b0', '00000000-0000-0000-0000-0000000001c0'),
  ('g', '00000000-0000-0000-0000-0000000000a1', 'rolez'),
  ('g', 'rolez', '00000000-0000-0000-0000-0000000000b0');
INSERT INTO permissions (id, source, subject_type, subject, action, object, deny) VALUES
  ('00000000-0000-0000-0000-0000000008a8', 'UI', 'group', 'auditors6', 'update', 'catalog', true),
  ('00000000-0000-0000-0000-0000000008a9', 'UI', 'group', 'pg2', 'update', 'catalog', true),
  ('00000000-0000-0000-0000-0000000008aa', 'UI', 'group', 'pg1', 'delete', 'catalog', true),
  ('00000000-0000-0000-0000-0000000008af', 'UI', 'team', '00000000-0000-0000-0000-0000000001c0', 'delete', 'catalog', true);
"#,
    );
    let (read, _) = world(&mc, &[]);
    // Bob's token now has a scope (a `p` row of its own, which Rampart does not read):
    // it is left out of the catalog (a request by it is an error, never an allow its
    // scope forbids; adversary 60 case09), so no deny is refused on its account.
    assert_eq!(
        read.summary
            .skipped
            .iter()
            .find(|(k, _)| k.starts_with("access tokens with a scope of their own"))
            .map(|(_, n)| *n),
        Some(1),
        "{:?}",
        read.summary.skipped
    );
    let errors = compile(read).expect_err("a deny lifted for the soft-deleted team's members");
    let text = render_all(&errors);
    assert!(
        text.contains("old-team")
            && text.contains("`g, 00000000-0000-0000-0000-0000000001b0, rolec`")
            && text.contains("`g, rolec, auditors4`"),
        "{text}"
    );
    assert!(!text.contains("bob+token"), "{text}");
    // Mission Control loads a permission group's members as `g` rows into its name, and
    // follows `g, pg1, auditors6` on from there (adversary 59 case01); its team lookup
    // keeps soft-deleted teams, so Alice (of `old-team`) is in pg2 there (case08).
    // Rampart follows neither: both denies are refused, naming the way. A deny on pg1
    // itself is applied to Bob as Mission Control applies it.
    assert!(
        text.contains("subject `auditors6`") && text.contains("permission group `pg1`'s member"),
        "{text}"
    );
    assert!(
        text.contains("subject `pg2`")
            && text.contains("membership of soft-deleted team `old-team`"),
        "{text}"
    );
    // A deny on a team or a person reaches, in Mission Control, whoever casbin links
    // to its id: Bob through `g, <bob>, <ops>` alone (no team_members row), Alice
    // through `g, <alice>, rolez` + `g, rolez, <bob>` (adversary 60 cases 02, 03).
    assert!(
        text.contains("subject `ops`") && text.contains("bob@example.com by `g, 00000000-0000-0000-0000-0000000000b0, 00000000-0000-0000-0000-0000000001c0`"),
        "{text}"
    );
    assert!(
        text.contains("alice@example.com by `g, 00000000-0000-0000-0000-0000000000a1, rolez`"),
        "{text}"
    );
    // A deny on pg1 itself is applied to Bob as Mission Control applies it; only Alice,
    // who reaches Bob's id through `rolez`, is named.
    let pg1 = text
        .lines()
        .find(|l| l.contains("subject `pg1`"))
        .unwrap_or_default();
    assert!(pg1.contains("to 1 person: alice@example.com"), "{text}");
}

/// Adversary 60 case07 (issue 22, a spurious refusal): two `permission_groups` rows of
/// one name in two namespaces are one group in Mission Control (its `g` rows name the
/// group alone), so the members of both are allowed what it allows and denied what it
/// denies. Rampart refused the second row and the whole database did not compile.
#[test]
fn same_named_group_rows_in_two_namespaces_are_one_group() {
    let mut mc = McSchema::world("mc_compile_same_named_groups", &[]);
    mc.sql(&format!(
        r#"
INSERT INTO permission_groups (id, name, namespace, selectors, source) VALUES
  ('00000000-0000-0000-0000-0000000009c1', 'oncall', 'a', '{{"people": ["alice@example.com"]}}', 'UI'),
  ('00000000-0000-0000-0000-0000000009c2', 'oncall', 'b', '{{"people": ["bob@example.com"]}}', 'UI');
INSERT INTO permissions (id, source, subject_type, subject, action, config_id, deny) VALUES
  ('00000000-0000-0000-0000-0000000008c1', 'UI', 'group', 'oncall', 'read,update', '{DEV_NODE}', false),
  ('00000000-0000-0000-0000-0000000008c2', 'UI', 'group', 'oncall', 'update', '{DEV_NODE}', true);
"#
    ));
    let (read, _) = world(&mc, &[]);
    let tables = compile(read).unwrap_or_else(|d| panic!("{}", render_all(&d)));
    let mut cases = Vec::new();
    for who in ["alice@example.com", "bob@example.com"] {
        cases.push((who, "read", Objects::new().config(DEV_NODE), true));
        cases.push((who, "update", Objects::new().config(DEV_NODE), false));
    }
    decides(&tables, cases);
}

/// Adversary 64 (issue 22, fail open): Mission Control applies a casbin `p` row to
/// whoever reaches its subject, and stops at ten links everywhere. Rampart read a scoped
/// token's `p` rows only as "this token is left out", and gave a token its creator's
/// everything without counting the link: an unscoped token minted by a scoped one, and
/// anyone a `g` row links to a scoped token, escaped the scope's deny (everyone's allow
/// reached them); a token whose creator holds a role at exactly ten links held it at
/// eleven; a person holding `editor` at ten links held `viewer` (eleven) too. Each such
/// person is now left out of the catalog and counted (a request by them is an error,
/// never an allow Mission Control would not give); the people around them are kept.
#[test]
fn people_reaching_a_scoped_token_or_past_casbins_ten_links_are_left_out() {
    const TOKEN_OF_TOKEN: &str = "00000000-0000-0000-0000-0000000000b2";
    const DAVE: &str = "00000000-0000-0000-0000-0000000000e0";
    const ERIN: &str = "00000000-0000-0000-0000-0000000000e1";
    const ERIN_TOKEN: &str = "00000000-0000-0000-0000-0000000000e2";
    const FRANK: &str = "00000000-0000-0000-0000-0000000000e3";
    let chain = |from: &str, prefix: &str, last: &str| -> String {
        let mut rows = vec![format!("('g', '{from}', '{prefix}1')")];
        for i in 1..9 {
            rows.push(format!("('g', '{prefix}{i}', '{prefix}{}')", i + 1));
        }
        rows.push(format!("('g', '{prefix}9', '{last}')"));
        rows.join(",\n  ")
    };
    let mut mc = McSchema::world("mc_compile_left_out_reach", &[]);
    mc.sql(&format!(
        r#"
INSERT INTO people (id, name, email, type) VALUES
  ('{TOKEN_OF_TOKEN}', 'Bob (Token 2)', 'bob+token:ci2@example.com', 'access_token'),
  ('{DAVE}', 'Dave', 'dave@example.com', NULL),
  ('{ERIN}', 'Erin', 'erin@example.com', NULL),
  ('{ERIN_TOKEN}', 'Erin (Token)', 'erin+token:ci@example.com', 'access_token'),
  ('{FRANK}', 'Frank', 'frank@example.com', NULL);
INSERT INTO casbin_rule (ptype, v0, v1, v2, v3, v4, v5) VALUES
  ('p', '00000000-0000-0000-0000-0000000000b1', 'catalog', 'read', 'deny', '', 'na');
INSERT INTO casbin_rule (ptype, v0, v1) VALUES
  ('g', '{TOKEN_OF_TOKEN}', '00000000-0000-0000-0000-0000000000b1'),
  ('g', '{DAVE}', '00000000-0000-0000-0000-0000000000b1'),
  ('g', '{ERIN_TOKEN}', '{ERIN}'),
  {},
  {};
INSERT INTO permissions (id, source, subject_type, subject, action, config_id, deny) VALUES
  ('00000000-0000-0000-0000-0000000008d1', 'UI', 'group', 'everyone', 'read', '{DEV_NODE}', false),
  ('00000000-0000-0000-0000-0000000008d2', 'UI', 'group', 'e10', 'update', '{DEV_NODE}', false),
  ('00000000-0000-0000-0000-0000000008d3', 'UI', 'group', 'viewer', 'delete', '{DEV_NODE}', false);
"#,
        chain(ERIN, "e", "e10"),
        chain(FRANK, "f", "editor"),
    ));
    let (read, _) = world(&mc, &[]);
    let left_out = skipped(&read, "people who reach");
    let tables = compile(read).unwrap_or_else(|d| panic!("{}", render_all(&d)));
    let config = || Objects::new().config(DEV_NODE);
    for (who, action) in [
        // An unscoped token minted by a scoped one, and a person a `g` row links to it:
        // the scope's `p` rows deny them in Mission Control.
        ("bob+token:ci2@example.com", "read"),
        ("dave@example.com", "read"),
        // Erin holds e10 at ten links; her token would at eleven.
        ("erin+token:ci@example.com", "update"),
        // Frank holds `editor` at ten links, `viewer` (which it inherits) at eleven.
        ("frank@example.com", "delete"),
    ] {
        let answer = tables.is_authorized(&Request::new(who, action, Target::Objects(config())));
        assert!(answer.is_err(), "{who} {action}: {answer:?}");
    }
    decides(
        &tables,
        [
            ("erin@example.com", "update", config(), true),
            ("bob@example.com", "read", config(), true),
            ("alice@example.com", "read", config(), true),
        ],
    );
    assert_eq!(left_out, 4);
}

/// Adversary 64 case04 (issue 22, fail open): Mission Control matches a permission row's
/// `subject` as text (`Permission.Principal()` returns it unchanged; casbin compares it
/// with the subject's id as Mission Control spells it), so an allow whose person is
/// written in another spelling — upper case, padded, in braces, without hyphens, or an
/// email — grants no one. Rampart read each as Alice. Such an allow is now left out and
/// counted; a deny so written is still applied to whom it names (narrower than Mission
/// Control, never wider). For the same reason (case05) a deny whose `subject_type`
/// Rampart does not model (`canary`, `topology`, ...) is applied to the person, team or
/// role its text names; before, it was left out.
#[test]
fn an_allow_row_naming_its_subject_in_another_spelling_grants_no_one() {
    let mut mc = McSchema::world("mc_compile_respelled_subjects", &[]);
    let upper = BOB.to_uppercase();
    let braces = format!("{{{BOB}}}");
    let bare = BOB.replace('-', "");
    let padded = format!(" {BOB} ");
    let mut rows = Vec::new();
    for (i, (subject, action)) in [
        (upper.as_str(), "read"),
        (braces.as_str(), "update"),
        (bare.as_str(), "delete"),
        (padded.as_str(), "create"),
        ("bob@example.com", "read"),
    ]
    .into_iter()
    .enumerate()
    {
        rows.push(format!(
            "('00000000-0000-0000-0000-0000000008e{i}', 'UI', 'person', '{subject}', '{action}', '{DEV_NODE}', false)"
        ));
    }
    rows.push(format!(
        "('00000000-0000-0000-0000-0000000008ef', 'UI', 'person', 'alice@example.com', 'read', '{PROD_POD}', true)"
    ));
    // A blank subject beside the deprecated `person_id` (adversary 65 case03): Mission
    // Control's rule takes the blank text.
    mc.sql(&format!(
        "INSERT INTO permissions (id, source, subject_type, subject, person_id, action, config_id, deny) VALUES\n  ('00000000-0000-0000-0000-0000000008eb', 'UI', 'person', ' ', '{BOB}', 'playbook:run', '{DEV_NODE}', false);"
    ));
    // Denies whose `subject_type` Rampart does not model, naming a person's id or a role:
    // Mission Control's rule is the text, whatever the type says (case05).
    rows.push(format!(
        "('00000000-0000-0000-0000-0000000008ed', 'UI', 'canary', '{ALICE}', 'update', '{PROD_POD}', true)"
    ));
    rows.push(format!(
        "('00000000-0000-0000-0000-0000000008ec', 'UI', 'topology', 'editor', 'delete', '{PROD_POD}', true)"
    ));
    mc.sql(&format!(
        "INSERT INTO permissions (id, source, subject_type, subject, action, config_id, deny) VALUES\n  {};",
        rows.join(",\n  ")
    ));
    let (read, _) = world(&mc, &[]);
    assert_eq!(skipped(&read, "permissions whose subject is written"), 6);
    let tables = compile(read).unwrap_or_else(|d| panic!("{}", render_all(&d)));
    let (alice, bob) = ("alice@example.com", "bob@example.com");
    decides(
        &tables,
        [
            (bob, "read", Objects::new().config(DEV_NODE), false),
            (bob, "update", Objects::new().config(DEV_NODE), false),
            (bob, "delete", Objects::new().config(DEV_NODE), false),
            (bob, "create", Objects::new().config(DEV_NODE), false),
            (bob, "playbook:run", Objects::new().config(DEV_NODE), false),
            // Alice, an editor, reads every config; the deny naming her email still
            // applies to her.
            (
                "alice@example.com",
                "read",
                Objects::new().config(DEV_NODE),
                true,
            ),
            (
                "alice@example.com",
                "read",
                Objects::new().config(PROD_POD),
                false,
            ),
            (alice, "update", Objects::new().config(DEV_NODE), true),
            (alice, "update", Objects::new().config(PROD_POD), false),
            (alice, "delete", Objects::new().config(DEV_NODE), true),
            (alice, "delete", Objects::new().config(PROD_POD), false),
        ],
    );
}

/// Adversary 64 case08 (issue 22, a refusal anyone could cause): a person whose email is
/// another person's uuid (a user sets their email at the identity provider) made the
/// catalog hold one key twice, and the whole compile (and every `serve --postgres`
/// refresh) failed. That person alone is now left out and counted; the other is kept.
#[test]
fn a_person_whose_email_is_anothers_id_is_left_out_and_the_other_kept() {
    let mut mc = McSchema::world("mc_compile_email_is_an_id", &[]);
    mc.sql(&format!(
        r#"
INSERT INTO people (id, name, email) VALUES
  ('00000000-0000-0000-0000-0000000000e5', 'Mallory', '{}'),
  ('00000000-0000-0000-0000-0000000000e6', 'Mallory 2', ' {{{}}} ');
INSERT INTO permissions (id, source, subject_type, subject, action, config_id, deny) VALUES
  ('00000000-0000-0000-0000-0000000008b5', 'UI', 'person', '{BOB}', 'read', '{DEV_NODE}', false);
"#,
        ALICE,
        BOB.to_uppercase()
    ));
    let (read, _) = world(&mc, &[]);
    assert_eq!(
        skipped(&read, "people whose email is another person's id"),
        2
    );
    let tables = compile(read).unwrap_or_else(|d| panic!("{}", render_all(&d)));
    decides(
        &tables,
        [
            (
                "bob@example.com",
                "read",
                Objects::new().config(DEV_NODE),
                true,
            ),
            (
                "alice@example.com",
                "read",
                Objects::new().config(DEV_NODE),
                true,
            ),
        ],
    );
    assert!(tables
        .is_authorized(&Request::new(
            ALICE,
            "read",
            Target::Objects(Objects::new().config(DEV_NODE))
        ))
        .is_ok_and(|r| r.is_allowed()));
}

/// Adversary 64 (issue 22, b/case15, a refusal any stale row causes): a permission row
/// whose group no one can be in — its permission group soft-deleted, its permissions
/// left behind — failed the whole compile ("unknown group"), and every `serve --postgres`
/// refresh with it. Mission Control's rule for it matches no one, allow or deny; the rows
/// are left out and counted. A group some casbin row links people to is still applied.
#[test]
fn rows_of_a_group_no_one_is_in_are_left_out_not_a_failed_compile() {
    let mut mc = McSchema::world("mc_compile_memberless_group", &[]);
    mc.sql(&format!(
        r#"
INSERT INTO permission_groups (id, name, namespace, selectors, source, deleted_at) VALUES
  ('00000000-0000-0000-0000-0000000009d1', 'ghosts', 'mc', '{{"people": ["bob@example.com"]}}', 'UI', now());
INSERT INTO casbin_rule (ptype, v0, v1) VALUES ('g', '{BOB}', 'night-shift');
INSERT INTO permissions (id, source, subject_type, subject, action, config_id, deny) VALUES
  ('00000000-0000-0000-0000-0000000008d5', 'UI', 'group', 'ghosts', 'read', '{DEV_NODE}', false),
  ('00000000-0000-0000-0000-0000000008d6', 'UI', 'group', 'ghosts', 'delete', '{DEV_NODE}', true),
  ('00000000-0000-0000-0000-0000000008d7', 'UI', 'group', 'night-shift', 'update', '{DEV_NODE}', false);
"#
    ));
    let (read, _) = world(&mc, &[]);
    assert_eq!(skipped(&read, "permissions of a group no one is in"), 2);
    let tables = compile(read).unwrap_or_else(|d| panic!("{}", render_all(&d)));
    decides(
        &tables,
        [
            (
                "bob@example.com",
                "read",
                Objects::new().config(DEV_NODE),
                false,
            ),
            (
                "bob@example.com",
                "update",
                Objects::new().config(DEV_NODE),
                true,
            ),
        ],
    );
    // A group row naming a person's uuid is that person to Mission Control's rule (adversary
    // 65 case02): never "no one's", so a deny so written still refuses the compile.
    mc.sql(&format!(
        "INSERT INTO permissions (id, source, subject_type, subject, action, config_id, deny) VALUES ('00000000-0000-0000-0000-0000000008d8', 'UI', 'group', '{ALICE}', 'read', '{DEV_NODE}', true);"
    ));
    let (read, _) = world(&mc, &[]);
    assert!(
        compile(read).is_err(),
        "a deny on a person's uuid typed as a group was dropped"
    );
}

/// Adversary 64 (issue 22, b/case12, a refusal): `g, <bob>, <alice>` with
/// `g, <alice>, <bob>` (casbin walks the loop: each has everything of the other) made the
/// catalog's `inherits` loop and the whole compile failed ("membership cycle"). The
/// people in the loop, and whoever has everything of one of them, are left out and
/// counted; a person's link to themselves is no loop; everyone else is decided.
#[test]
fn people_in_a_loop_of_person_links_are_left_out_not_a_failed_compile() {
    const CAROL: &str = "00000000-0000-0000-0000-0000000000f1";
    const DAN: &str = "00000000-0000-0000-0000-0000000000f2";
    let mut mc = McSchema::world("mc_compile_person_loop", &[]);
    mc.sql(&format!(
        r#"
INSERT INTO people (id, name, email) VALUES
  ('{CAROL}', 'Carol F', 'carolf@example.com'),
  ('{DAN}', 'Dan', 'dan@example.com');
INSERT INTO casbin_rule (ptype, v0, v1) VALUES
  ('g', '{BOB}', '{ALICE}'),
  ('g', '{ALICE}', '{BOB}'),
  ('g', '{CAROL}', '{BOB}'),
  ('g', '{DAN}', '{DAN}');
INSERT INTO permissions (id, source, subject_type, subject, action, config_id, deny) VALUES
  ('00000000-0000-0000-0000-0000000008f8', 'UI', 'group', 'everyone', 'read', '{DEV_NODE}', false);
"#
    ));
    let (read, _) = world(&mc, &[]);
    assert_eq!(
        skipped(&read, "people who reach"),
        4,
        "{:?}",
        read.summary.skipped
    );
    let tables = compile(read).unwrap_or_else(|d| panic!("{}", render_all(&d)));
    for who in [
        "alice@example.com",
        "bob@example.com",
        "carolf@example.com",
        "bob+token:ci@example.com",
    ] {
        let answer = tables.is_authorized(&Request::new(
            who,
            "read",
            Target::Objects(Objects::new().config(DEV_NODE)),
        ));
        assert!(answer.is_err(), "{who}: {answer:?}");
    }
    decides(
        &tables,
        [(
            "dan@example.com",
            "read",
            Objects::new().config(DEV_NODE),
            true,
        )],
    );
}

/// Adversary 64 (issue 22, b/case13 `ns-star`, a refusal): Mission Control takes a group
/// member `{name: "*"}` as every one only without a namespace (`Wildcard()`); beside a
/// namespace `*` is the name `*`, which no playbook has, and an empty selector is
/// skipped. Rampart kept both and refused the group (and the compile). Such members
/// match nothing live: dropped and counted, the rest of the group stands.
#[test]
fn a_group_rows_namespaced_star_member_is_the_name_star_as_in_mission_control() {
    let mut mc = McSchema::world("mc_compile_group_ns_star", &[]);
    mc.sql(&format!(
        r#"
INSERT INTO permission_groups (id, name, namespace, selectors, source) VALUES
  ('00000000-0000-0000-0000-0000000009e1', 'runners', 'mc',
   '{{"people": ["bob@example.com"], "playbooks": [{{"namespace": "mc", "name": "*"}}, {{}}]}}', 'UI');
INSERT INTO permissions (id, source, subject_type, subject, action, config_id, deny) VALUES
  ('00000000-0000-0000-0000-0000000008e9', 'UI', 'group', 'runners', 'read', '{DEV_NODE}', false);
"#
    ));
    let (read, _) = world(&mc, &[]);
    assert_eq!(skipped(&read, "group members that match nothing live"), 2);
    let tables = compile(read).unwrap_or_else(|d| panic!("{}", render_all(&d)));
    decides(
        &tables,
        [(
            "bob@example.com",
            "read",
            Objects::new().config(DEV_NODE),
            true,
        )],
    );
}

/// Adversaries 64 zq9/case12 and 65 case01 (issue 22, fail open): Mission Control
/// matches a row's actions against its own (duty's `AllActions`, case-insensitively) and
/// keeps other items as text (`matchAction`, case-sensitive): it has no `write`, takes
/// `invoke:<plugin>:*` but not `invoke:*`, and grants an allow of exclusions only its
/// own actions less those (none with an empty item beside them). Rampart's grammar read
/// `write` as create and update, `INVOKE:logs:*` and `invoke:*` as plugins, `!read` as
/// everything else. In an allow row those items are dropped (counted, warned), exclusions
/// alone are written out as Mission Control's actions, and an allow left with none is left
/// out. Documents keep Rampart's grammar.
#[test]
fn allow_row_actions_mission_control_never_matches_grant_nothing() {
    let mut mc = McSchema::world("mc_compile_row_actions", &[]);
    let mut rows = Vec::new();
    for (i, action) in [
        "write",
        "INVOKE:logs:*",
        "invoke:*",
        "write,!delete",
        "DELETE,Invoke:logs:list",
        "!read,",
        "!read,!delete,!update",
    ]
    .into_iter()
    .enumerate()
    {
        rows.push(format!(
            "('00000000-0000-0000-0000-0000000008c{i}', 'UI', 'person', '{BOB}', '{action}', '{DEV_NODE}', false)"
        ));
    }
    mc.sql(&format!(
        "INSERT INTO permissions (id, source, subject_type, subject, action, config_id, deny) VALUES\n  {};",
        rows.join(",\n  ")
    ));
    let (read, _) = world(&mc, &[]);
    assert_eq!(
        skipped(&read, "allow actions Mission Control never matches"),
        5
    );
    assert_eq!(skipped(&read, "allows granting no action"), 5);
    let tables = compile(read).unwrap_or_else(|d| panic!("{}", render_all(&d)));
    let bob = "bob@example.com";
    decides(
        &tables,
        [
            // `!read,!delete,!update` grants Mission Control's other actions.
            (bob, "create", Objects::new().config(DEV_NODE), true),
            (bob, "update", Objects::new().config(DEV_NODE), false),
            (bob, "read", Objects::new().config(DEV_NODE), false),
            // `DELETE` is `delete` (matched case-insensitively).
            (bob, "delete", Objects::new().config(DEV_NODE), true),
            (
                bob,
                "invoke:logs:list",
                Objects::new().config(DEV_NODE),
                false,
            ),
        ],
    );
}
