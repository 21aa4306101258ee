//! `catalog pull` against a real PostgreSQL server holding the project's emulation of
//! Mission Control's tables: the world as Mission Control reads it (soft deletes, agents
//! and the System person left out, memberships from `team_members`, roles from casbin,
//! `properties` arrays as maps, namespaces from tags, the local agent), every skipped
//! row counted, nothing credential-like ever selected, and refusals instead of partial
//! worlds.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::path::Path;

use rampart_compiler::catalog::Catalog;
use rampart_mission_control::catalog_read::{CatalogSummary, ReadOptions};
use rampart_mission_control::error::{Problem, SourceError};
use rampart_mission_control::pull::{pull, CatalogBuilder, JsonSink};
use rampart_mission_control::session::Database;
use support::{assert_no_forbidden_column, McSchema, WORLD};

fn pull_catalog(
    database: &Database,
) -> Result<(Catalog, CatalogSummary, Vec<String>), SourceError> {
    let mut connection = database.connect()?;
    let mut sink = CatalogBuilder::default();
    let summary = pull(&mut connection, &mut sink, &|_| {}, ReadOptions::default())?;
    Ok((sink.catalog, summary, connection.log().statements()))
}

fn skipped(summary: &CatalogSummary, reason: &str) -> u64 {
    summary
        .skipped
        .iter()
        .find(|(r, _)| r.starts_with(reason))
        .map(|(_, n)| *n)
        .unwrap_or_else(|| panic!("no `{reason}` among {:#?}", summary.skipped))
}

#[test]
fn pull_reads_the_world_as_mission_control_reads_it() {
    let mut mc = McSchema::new("mc_pull_world");
    mc.sql(WORLD);
    let (catalog, summary, statements) = pull_catalog(&mc.database()).expect("pull");

    let emails: Vec<&str> = catalog
        .people
        .iter()
        .filter_map(|p| p.email.as_deref())
        .collect();
    assert_eq!(
        emails,
        [
            "alice@example.com",
            "bob+token:ci@example.com",
            "bob@example.com"
        ]
    );
    let alice = &catalog.people[0];
    assert_eq!(
        alice.id.as_deref(),
        Some("00000000-0000-0000-0000-0000000000a1")
    );
    assert_eq!(alice.roles, ["editor"]);
    assert!(
        catalog.people[1].roles.is_empty(),
        "a token does not inherit through casbin"
    );

    assert_eq!(catalog.teams.len(), 1, "the soft-deleted team is gone");
    assert_eq!(catalog.teams[0].name, "sre");
    assert_eq!(
        catalog.teams[0].members,
        [
            "00000000-0000-0000-0000-0000000000a1",
            "00000000-0000-0000-0000-0000000000b0"
        ]
    );
    assert_eq!(
        skipped(&summary, "memberships of soft-deleted or missing teams"),
        1
    );
    assert_eq!(
        skipped(&summary, "memberships of soft-deleted or missing people"),
        1
    );
    assert_eq!(
        skipped(&summary, "memberships of people of type `agent`"),
        1
    );
    assert_eq!(skipped(&summary, "people soft-deleted"), 1);
    assert_eq!(skipped(&summary, "people of type `agent`"), 1);
    assert_eq!(skipped(&summary, "people without an email"), 1);
    assert_eq!(
        skipped(&summary, "casbin rows putting a person in a team"),
        1
    );
    assert_eq!(skipped(&summary, "casbin rows linking an access token"), 1);
    // Carol (soft-deleted) and the System person (no email) hold admin in casbin.
    assert_eq!(
        skipped(&summary, "casbin rows of people the catalog does not hold"),
        2
    );
    // The five seeded inheritance rows and the lazy `g, viewer, everyone`: links from
    // role to role, followed as casbin follows them.
    assert_eq!(
        summary.counts["casbin rows linking a role or group to another (followed, as casbin's role manager follows them)"],
        6
    );
    assert_eq!(skipped(&summary, "casbin `p` rows"), 3);
    assert_eq!(summary.counts["role assignments"], 1);
    assert_eq!(summary.counts["memberships"], 2);

    let keys: Vec<String> = catalog.playbooks.iter().map(|p| p.key()).collect();
    assert_eq!(keys, ["mc/echo-config"]);
    assert_eq!(catalog.playbooks[0].category.as_deref(), Some("debug"));
    assert_eq!(skipped(&summary, "playbooks soft-deleted"), 1);
    let keys: Vec<String> = catalog.notifications.iter().map(|p| p.key()).collect();
    assert_eq!(keys, ["mc/check-alerts", "default/no-namespace"]);

    let ids: Vec<&str> = catalog
        .configs
        .iter()
        .filter_map(|c| c.id.as_deref())
        .collect();
    assert_eq!(ids.len(), 3, "{ids:?}");
    assert!(
        !ids.contains(&"00000000-0000-0000-0000-0000000005b0"),
        "soft-deleted"
    );
    assert_eq!(skipped(&summary, "config_items soft-deleted"), 1);
    assert_eq!(summary.warning_count, 1, "{:?}", summary.warnings);
    let warning = summary.warnings[0].render();
    assert!(
        warning.contains(
            "config_items row `00000000-0000-0000-0000-0000000005a4` (name `nested-tags`)"
        ),
        "{warning}"
    );
    assert!(warning.contains("`tags.env` is a JSON object"), "{warning}");
    let pod = catalog
        .configs
        .iter()
        .find(|c| c.name.as_deref() == Some("mc-api-0"))
        .expect("mc-api-0");
    assert_eq!(
        pod.namespace.as_deref(),
        Some("mission-control"),
        "namespace from tags"
    );
    assert_eq!(pod.class.as_deref(), Some("Pod"));
    assert_eq!(
        pod.properties.get("region").map(String::as_str),
        Some("eu-west-1")
    );
    assert_eq!(
        pod.properties.get("replicas").map(String::as_str),
        Some("3")
    );
    assert_eq!(pod.labels.get("app").map(String::as_str), Some("mc"));
    assert_eq!(
        pod.agent.as_deref(),
        Some("00000000-0000-0000-0000-000000000000")
    );
    let component = &catalog.components[0];
    assert_eq!(component.namespace.as_deref(), Some("mission-control"));
    assert_eq!(
        component.properties.get("port").map(String::as_str),
        Some("8080")
    );
    assert_eq!(catalog.connections.len(), 1);
    assert_eq!(
        catalog.connections[0].connection_type.as_deref(),
        Some("aws")
    );

    let agents: Vec<(&str, Option<&str>)> = catalog
        .agents
        .iter()
        .map(|a| (a.id.as_str(), a.name.as_deref()))
        .collect();
    assert!(agents.contains(&("00000000-0000-0000-0000-000000000000", Some("local"))));
    assert!(agents.contains(&("00000000-0000-0000-0000-0000000002a0", Some("eu"))));
    assert!(
        agents.contains(&("00000000-0000-0000-0000-0000000002b0", None)),
        "{agents:?}"
    );
    assert_eq!(agents.len(), 3);

    assert_no_forbidden_column(&statements);
    let debug = format!("{catalog:?}");
    assert!(!debug.contains("hunter2") && !debug.contains("555 0100"));
}

#[test]
fn the_json_a_pull_writes_is_the_catalog_compile_reads() {
    let mut mc = McSchema::new("mc_pull_json");
    mc.sql(WORLD);
    let database = mc.database();
    let mut connection = database.connect().expect("connect");
    let mut sink = JsonSink::new(Vec::new());
    pull(&mut connection, &mut sink, &|_| {}, ReadOptions::default()).expect("pull");
    let json = String::from_utf8(sink.into_inner()).expect("utf-8");
    assert!(!json.contains("hunter2"), "{json}");
    let loaded = Catalog::from_text(Path::new("pulled.json"), json.clone()).expect("catalog JSON");
    let (built, _, _) = pull_catalog(&database).expect("pull");
    assert_eq!(loaded.catalog.people.len(), built.people.len());
    assert_eq!(loaded.catalog.configs, built.configs);
    assert_eq!(loaded.catalog.components, built.components);
    assert!(loaded.integrity().is_empty(), "{:?}", loaded.integrity());

    // And it compiles, with a policy that names the pulled world.
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join("catalog.json"), &json).expect("write");
    std::fs::write(
        dir.path().join("policy.yaml"),
        "apiVersion: mission-control.flanksource.com/v1\nkind: Permission\nmetadata: {name: sre-reads-mc}\nspec:\n  subject: {team: sre}\n  actions: [read]\n  object:\n    configs: [{namespace: mission-control, agent: local, tagSelector: env=prod}]\n",
    )
    .expect("write");
    let compiled = rampart_compiler::compile::compile(
        &[dir.path().join("policy.yaml")],
        Some(&dir.path().join("catalog.json")),
        &|_| {},
    )
    .unwrap_or_else(|d| panic!("{}", rampart_compiler::diagnostic::render_all(&d)));
    let tables = rampart_runtime::Tables::from_data(compiled.data).expect("tables");
    let decide = |who: &str, config: &str| {
        tables
            .is_authorized(&rampart_runtime::Request::new(
                who,
                "read",
                rampart_runtime::Target::Objects(rampart_runtime::Objects::new().config(config)),
            ))
            .expect("decision")
            .is_allowed()
    };
    assert!(decide(
        "bob@example.com",
        "00000000-0000-0000-0000-0000000005a1"
    ));
    assert!(!decide(
        "bob@example.com",
        "00000000-0000-0000-0000-0000000005a2"
    ));
    // Bob's unscoped token has what Bob has (his team's grant): the pulled token
    // `inherits` Bob.
    assert!(decide(
        "bob+token:ci@example.com",
        "00000000-0000-0000-0000-0000000005a1"
    ));
}

#[test]
fn row_level_security_is_a_refusal_never_an_empty_catalog() {
    let mut mc = McSchema::new("mc_pull_rls");
    mc.sql(WORLD);
    mc.role("mc_pull_rls_reader", "");
    mc.sql("GRANT USAGE ON SCHEMA mc_pull_rls TO mc_pull_rls_reader; GRANT SELECT ON ALL TABLES IN SCHEMA mc_pull_rls TO mc_pull_rls_reader;");
    let reader = mc.database_as("mc_pull_rls_reader");
    let mut connection = reader.connect().expect("connect");
    let mut sink = JsonSink::new(Vec::new());
    let error =
        pull(&mut connection, &mut sink, &|_| {}, ReadOptions::default()).expect_err("refused");
    assert!(
        sink.into_inner().is_empty(),
        "nothing is written before the refusal"
    );
    let SourceError::Refused(refusal) = &error else {
        panic!("{error}");
    };
    let secured: Vec<&str> = refusal
        .problems
        .iter()
        .filter_map(|p| match p {
            Problem::RowSecurity { table } => Some(table.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(secured, ["playbooks", "config_items", "components"]);
    let help = refusal.help();
    assert!(
        help.contains("ALTER ROLE \"mc_pull_rls_reader\" BYPASSRLS;"),
        "{help}"
    );
    assert!(error
        .to_string()
        .contains("row-level security hides rows of `config_items`"));

    // Even past the preflight, the snapshot's `row_security = off` makes a filtered read
    // fail loudly rather than come back short.
    let mut connection = reader.connect().expect("connect");
    let mut snapshot = connection.snapshot().expect("snapshot");
    let error = rampart_mission_control::catalog_read::read_catalog(
        &mut snapshot,
        &mut CatalogBuilder::default(),
        &|_| {},
        ReadOptions::default(),
    )
    .expect_err("a filtered read fails");
    assert!(error.to_string().contains("row-level security"), "{error}");
    drop(snapshot);

    // The same role with BYPASSRLS reads everything the owner reads.
    mc.sql("ALTER ROLE mc_pull_rls_reader BYPASSRLS");
    let (catalog, _, _) = pull_catalog(&reader).expect("pull");
    let (owner, _, _) = pull_catalog(&mc.database()).expect("pull");
    assert_eq!(catalog.configs, owner.configs);
    assert_eq!(catalog.playbooks.len(), 1);
}

#[test]
fn the_printed_grants_are_enough_and_nothing_more() {
    let mut mc = McSchema::new("mc_pull_grants");
    mc.sql(WORLD);
    mc.role("mc_pull_grants_reader", "");
    mc.sql("DROP ROLE mc_pull_grants_reader");
    mc.sql(&rampart_mission_control::grants::role_sql(
        "mc_pull_grants_reader",
        "mc_pull_grants",
    ));
    let reader = mc.database_as("mc_pull_grants_reader");
    let (catalog, _, _) = pull_catalog(&reader).expect("the granted columns are enough");
    let (owner, _, _) = pull_catalog(&mc.database()).expect("pull");
    assert_eq!(catalog.configs, owner.configs);
    // The role cannot read a credential or a scraped document, even by asking.
    let mut client = postgres::Client::connect(
        &support::url_as(&mc.url(), "mc_pull_grants_reader"),
        postgres::NoTls,
    )
    .expect("connect");
    for sql in [
        "SELECT password FROM mc_pull_grants.connections",
        "SELECT config FROM mc_pull_grants.config_items",
        "SELECT tls FROM mc_pull_grants.agents",
    ] {
        let error = client.query(sql, &[]).expect_err(sql);
        assert!(
            error.to_string().contains("permission denied")
                || format!("{error:?}").contains("permission denied"),
            "{sql}: {error:?}"
        );
    }
    // And it is read-only.
    assert!(client
        .execute("DELETE FROM mc_pull_grants.team_members", &[])
        .is_err());
}

#[test]
fn a_database_shaped_unlike_mission_control_is_refused_with_every_problem() {
    let mut mc = McSchema::new("mc_pull_shape");
    mc.sql(
        "ALTER TABLE connections DROP COLUMN type; \
         DROP INDEX config_items_tags; \
         ALTER TABLE config_items ALTER COLUMN tags TYPE text USING tags::text; \
         DROP TABLE agents CASCADE;",
    );
    let error = pull_catalog(&mc.database()).expect_err("refused");
    let SourceError::Refused(refusal) = &error else {
        panic!("{error}");
    };
    assert!(
        refusal.problems.contains(&Problem::MissingTable {
            table: "agents".into()
        }),
        "{error}"
    );
    assert!(refusal.problems.contains(&Problem::MissingColumn {
        table: "connections".into(),
        column: "type".into()
    }));
    assert!(refusal.problems.contains(&Problem::WrongType {
        table: "config_items".into(),
        column: "tags".into(),
        expected: "jsonb",
        found: "text".into()
    }));
    assert!(
        error
            .to_string()
            .contains("column `config_items.tags` is `text`, not `jsonb`"),
        "{error}"
    );
    assert!(refusal.help().contains("--schema"));

    let wrong_schema = Database::new(mc.url(), "no_such_schema");
    let error = pull_catalog(&wrong_schema).expect_err("refused");
    assert!(
        error
            .to_string()
            .contains("schema `no_such_schema` does not exist"),
        "{error}"
    );
}

#[test]
fn a_column_not_granted_is_named_with_the_grant_that_fixes_it() {
    let mut mc = McSchema::new("mc_pull_privilege");
    mc.role("mc_pull_privilege_reader", "BYPASSRLS");
    mc.sql(
        "GRANT USAGE ON SCHEMA mc_pull_privilege TO mc_pull_privilege_reader; \
         GRANT SELECT ON ALL TABLES IN SCHEMA mc_pull_privilege TO mc_pull_privilege_reader; \
         REVOKE SELECT ON mc_pull_privilege.connections FROM mc_pull_privilege_reader; \
         GRANT SELECT (id, name) ON mc_pull_privilege.connections TO mc_pull_privilege_reader;",
    );
    let error = pull_catalog(&mc.database_as("mc_pull_privilege_reader")).expect_err("refused");
    let SourceError::Refused(refusal) = &error else {
        panic!("{error}");
    };
    assert_eq!(refusal.problems.len(), 3, "{error}");
    assert!(refusal.help().contains(
        "GRANT SELECT (\"namespace\", \"type\", \"deleted_at\") ON \"mc_pull_privilege\".\"connections\" TO \"mc_pull_privilege_reader\";"
    ), "{}", refusal.help());
}

/// Issue 22 (adversary finding): casbin rows assigning a custom role or a permission
/// group (to a person or a team) have no place in a catalog; the pull was skipping them,
/// dropping what Mission Control gives through them. It is refused, naming them, and
/// nothing is written.
#[test]
fn a_pull_meeting_casbin_rows_a_catalog_cannot_hold_is_refused() {
    let mut mc = McSchema::new("mc_pull_custom_roles");
    mc.sql(WORLD);
    mc.sql(
        "INSERT INTO casbin_rule (ptype, v0, v1) VALUES \
           ('g', '00000000-0000-0000-0000-0000000000a1', 'auditors'), \
           ('g', '00000000-0000-0000-0000-0000000001a0', 'night-shift'), \
           ('g', 'viewer', 'watchers');",
    );
    let mut connection = mc.database().connect().expect("connect");
    let mut sink = JsonSink::new(Vec::new());
    let error = match pull(&mut connection, &mut sink, &|_| {}, ReadOptions::default()) {
        Ok(summary) => panic!("the pull skipped them: {:#?}", summary.skipped),
        Err(e) => e,
    };
    assert!(matches!(error, SourceError::Inexpressible(_)), "{error:?}");
    let message = error.to_string();
    assert!(
        message.contains("4 casbin rows assign a custom role or a permission group")
            // Bob's token (no scope) has what Bob has: `sre`'s night-shift.
            && message.contains("`g, 00000000-0000-0000-0000-0000000000b1, 00000000-0000-0000-0000-0000000000b0`")
            && message.contains("`g, 00000000-0000-0000-0000-0000000000a1, auditors`")
            // Alice is an editor, which inherits viewer, linked to `watchers`
            // (adversary 58 case01: a link from role to role was skipped).
            && message.contains("`g, 00000000-0000-0000-0000-0000000000a1, editor`")
            && message.contains("`g, 00000000-0000-0000-0000-0000000001a0, night-shift`"),
        "{message}"
    );
    assert!(error
        .help()
        .is_some_and(|h| h.contains("compile --postgres")));
    assert!(sink.into_inner().is_empty(), "nothing is written");
}

/// Issue 22 (adversary finding): two live people whose emails differ only in case are
/// one principal to Rampart (the compiler refuses the pair), but two to Mission Control.
/// Neither wins: both are left out of the catalog (with their memberships and roles),
/// each with a warning naming its row.
#[test]
fn two_people_whose_emails_differ_only_in_case_are_both_left_out() {
    let mut mc = McSchema::new("mc_pull_email_case");
    mc.sql(WORLD);
    mc.sql(
        "INSERT INTO people (id, name, email) VALUES \
           ('00000000-0000-0000-0000-0000000000e0', 'Alice Again', 'ALICE@example.com');",
    );
    let (catalog, summary, _) = pull_catalog(&mc.database()).expect("pull");
    let emails: Vec<&str> = catalog
        .people
        .iter()
        .filter_map(|p| p.email.as_deref())
        .collect();
    assert!(
        !emails
            .iter()
            .any(|e| e.eq_ignore_ascii_case("alice@example.com")),
        "{emails:?}"
    );
    assert!(emails.contains(&"bob@example.com"), "{emails:?}");
    assert_eq!(
        catalog.teams[0].members,
        ["00000000-0000-0000-0000-0000000000b0"],
        "Alice's membership goes with her"
    );
    assert_eq!(
        skipped(
            &summary,
            "people whose email differs from another's only in case"
        ),
        2
    );
    let warned: Vec<String> = summary.warnings.iter().map(|w| w.render()).collect();
    for id in [
        "00000000-0000-0000-0000-0000000000a1",
        "00000000-0000-0000-0000-0000000000e0",
    ] {
        assert!(
            warned
                .iter()
                .any(|w| w.contains(id) && w.contains("only in case")),
            "{warned:#?}"
        );
    }
}
