//! Policy rows compiled against a catalog read before
//! ([`rampart_compiler::compile::compile_in`] over
//! [`rampart_mission_control::world_read::read_policy_world`], what `serve --postgres`
//! does when only `permissions`, `permission_groups` or `scopes` rows changed) give
//! exactly the tables a compile of the whole database gives: over rounds of random
//! permission rows inserted (allows and denies, for people and teams), updated and
//! soft-deleted, and permission groups gaining a person, losing their teams or made new
//! with a permission, in a generated world, the two table files are equal byte for byte.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

#[path = "../../compiler/tests/pg_server/mod.rs"]
#[allow(dead_code)]
mod pg_server;

use std::collections::BTreeSet;

use rampart_benches::random::Random;
use rampart_benches::workload::{Size, Workload};
use rampart_compiler::compile::{compile_in, compile_loaded, CatalogWorld};
use rampart_mission_control::parsed_rows::ParsedRows;
use rampart_mission_control::session::Database;
use rampart_mission_control::world_read::{read_policy_world, read_world, CatalogNames};

fn render(diagnostics: &[rampart_compiler::diagnostic::Diagnostic]) -> String {
    rampart_compiler::diagnostic::render_all(diagnostics)
}

/// The table file of a compile of the whole database.
fn compiled_whole(database: &Database) -> Vec<u8> {
    let mut connection = database.connect().expect("connect");
    let world = read_world(&mut connection, &[], &|_| {}).unwrap_or_else(|e| panic!("{e}"));
    let compiled =
        compile_loaded(world.loaded, &|_| {}).unwrap_or_else(|d| panic!("{}", render(&d)));
    rampart_compiler::emit::encode(&compiled.data, None).expect("encode")
}

/// The catalog's world and names, read once.
fn catalog_read(database: &Database) -> (CatalogWorld, CatalogNames, Vec<u8>) {
    let mut connection = database.connect().expect("connect");
    let world = read_world(&mut connection, &[], &|_| {}).unwrap_or_else(|e| panic!("{e}"));
    let (catalog, policy) = world.loaded.into_parts();
    let catalog = CatalogWorld::build(catalog);
    let compiled =
        compile_in(&catalog, policy, &|_| {}).unwrap_or_else(|d| panic!("{}", render(&d)));
    let bytes = rampart_compiler::emit::encode(&compiled.data, None).expect("encode");
    (catalog, world.names, bytes)
}

/// The table file of the policy rows read now, compiled against `catalog`.
fn compiled_policy(
    database: &Database,
    catalog: &CatalogWorld,
    names: &CatalogNames,
    parsed: &mut ParsedRows,
) -> Vec<u8> {
    let mut connection = database.connect().expect("connect");
    let read = read_policy_world(&mut connection, names, &BTreeSet::new(), parsed)
        .unwrap_or_else(|e| panic!("{e}"))
        .expect("the catalog is unchanged");
    let compiled =
        compile_in(catalog, read.policy, &|_| {}).unwrap_or_else(|d| panic!("{}", render(&d)));
    rampart_compiler::emit::encode(&compiled.data, None).expect("encode")
}

fn ids(client: &mut postgres::Client, sql: &str) -> Vec<String> {
    client
        .query(sql, &[])
        .expect("ids")
        .iter()
        .map(|r| r.get(0))
        .collect()
}

#[test]
fn policy_rows_compiled_against_the_catalog_read_before_give_the_whole_compile() {
    let server = pg_server::Server::start();
    let schema = "mc_policy_rows";
    let seed = 47;
    let workload = Workload::generate(Size::named("tiny").expect("tiny"), seed);
    let mut client = postgres::Client::connect(server.url(), postgres::NoTls).expect("connect");
    rampart_benches::mission_control::create_schema(&mut client, schema).expect("schema");
    rampart_benches::mission_control::write_workload(&mut client, &workload, true).expect("write");
    client
        .batch_execute(&format!("SET search_path TO {schema}"))
        .expect("path");
    let database = Database::new(server.url(), schema);

    let (catalog, names, first) = catalog_read(&database);
    assert!(
        first == compiled_whole(&database),
        "compiling against the catalog's world differs from compiling the whole"
    );

    let people = ids(
        &mut client,
        "SELECT id::text FROM people WHERE email IS NOT NULL AND deleted_at IS NULL ORDER BY id",
    );
    let teams = ids(
        &mut client,
        "SELECT id::text FROM teams WHERE deleted_at IS NULL ORDER BY id",
    );
    let configs = ids(
        &mut client,
        "SELECT name FROM config_items WHERE deleted_at IS NULL AND name IS NOT NULL ORDER BY id",
    );
    let actions = ["read", "update", "delete", "*"];
    let mut random = Random::new(seed);
    let mut changed = 0;
    // Kept across rounds, as the sidecar keeps it: unchanged rows are not parsed again.
    let mut parsed = ParsedRows::default();
    for round in 0..6 {
        for _ in 0..1 + round {
            let live = ids(
                &mut client,
                "SELECT id::text FROM permissions WHERE deleted_at IS NULL ORDER BY id",
            );
            let groups = ids(
                &mut client,
                "SELECT name FROM permission_groups WHERE deleted_at IS NULL ORDER BY id",
            );
            let emails = ids(
                &mut client,
                "SELECT email FROM people WHERE email IS NOT NULL AND deleted_at IS NULL ORDER BY id",
            );
            let sql = match random.below(6) {
                // A group gains a person, or loses every team (policy rows too).
                4 => {
                    let group = &groups[random.below(groups.len())];
                    let email = &emails[random.below(emails.len())];
                    if random.below(2) == 0 {
                        format!(
                            "UPDATE permission_groups SET selectors = jsonb_set(selectors::jsonb, '{{people}}',                                coalesce(selectors::jsonb->'people', '[]'::jsonb) || '[\"{email}\"]'::jsonb)                              WHERE name = '{group}';"
                        )
                    } else {
                        format!(
                            "UPDATE permission_groups SET selectors = selectors::jsonb - 'teams' WHERE name = '{group}';"
                        )
                    }
                }
                // A new group with a person in it, and an allow or a deny for it.
                5 => {
                    let email = &emails[random.below(emails.len())];
                    let config = &configs[random.below(configs.len())];
                    let name = format!("fresh-group-{round}-{}", random.below(1_000_000));
                    format!(
                        "INSERT INTO permission_groups (id, name, namespace, selectors, source)                            VALUES (gen_random_uuid(), '{name}', 'default', '{{\"people\": [\"{email}\"]}}', 'UI');                          INSERT INTO permissions (id, source, subject_type, subject, action, object_selector, deny)                            VALUES (gen_random_uuid(), 'UI', 'group', '{name}', 'read',                                    '{{\"configs\": [{{\"name\": \"{config}\"}}]}}', {});",
                        random.below(2) == 0
                    )
                }
                0 | 1 => {
                    let (subject_type, subject) = if random.below(2) == 0 {
                        ("person", &people[random.below(people.len())])
                    } else {
                        ("team", &teams[random.below(teams.len())])
                    };
                    let config = &configs[random.below(configs.len())];
                    let deny = random.below(3) == 0;
                    format!(
                        "INSERT INTO permissions (id, source, subject_type, subject, action, object_selector, deny) \
                         VALUES (gen_random_uuid(), 'UI', '{subject_type}', '{subject}', '{}', \
                                 '{{\"configs\": [{{\"name\": \"{config}\"}}]}}', {deny});",
                        actions[random.below(actions.len())]
                    )
                }
                2 => format!(
                    "UPDATE permissions SET action = '{}' WHERE id = '{}';",
                    actions[random.below(actions.len())],
                    live[random.below(live.len())]
                ),
                _ => format!(
                    "UPDATE permissions SET deleted_at = now() WHERE id = '{}';",
                    live[random.below(live.len())]
                ),
            };
            client.batch_execute(&sql).expect("change a permission");
        }
        let fast = compiled_policy(&database, &catalog, &names, &mut parsed);
        let whole = compiled_whole(&database);
        assert!(
            fast == whole,
            "round {round}: the policy rows compiled against the catalog read before differ from the whole compile"
        );
        changed += usize::from(fast != first);
    }
    assert!(changed > 0, "no round changed the tables");

    // A catalog change committed with a policy change is never compiled around: the
    // policy read finds the catalog tables changed (their fingerprint, not the counters,
    // which the server publishes late) and asks for the whole world.
    let person = &people[0];
    let live = ids(
        &mut client,
        "SELECT id::text FROM permissions WHERE deleted_at IS NULL ORDER BY id LIMIT 1",
    );
    for catalog_change in [
        format!("UPDATE people SET deleted_at = now() WHERE id = '{person}';"),
        format!(
            "UPDATE config_items SET tags = '{{\"env\": \"changed\"}}' WHERE name = '{}';",
            configs[0]
        ),
        format!(
            "INSERT INTO casbin_rule (ptype, v0, v1) VALUES ('g', '{}', 'editor');",
            people[1]
        ),
    ] {
        client
            .batch_execute(&format!(
                "BEGIN; {catalog_change} UPDATE permissions SET action = 'delete' WHERE id = '{}'; COMMIT;",
                live[0]
            ))
            .expect("change the catalog and a permission");
        let mut connection = database.connect().expect("connect");
        let read = read_policy_world(&mut connection, &names, &BTreeSet::new(), &mut parsed)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            read.is_none(),
            "`{catalog_change}` beside a permission change was not seen"
        );
    }
}
