//! Memberships applied to compiled tables without compiling again
//! ([`rampart_compiler::regroup`]) decide exactly as compiling the changed world: a
//! differential test over generated worlds, each round a random batch of people joining
//! and leaving teams; and the same through `serve --postgres`'s reading of Mission
//! Control's tables ([`rampart_mission_control::memberships`]), which asks for a full
//! compile whenever the shortcut could decide otherwise.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

#[path = "../../compiler/tests/pg_server/mod.rs"]
#[allow(dead_code)]
mod pg_server;

use std::path::PathBuf;

use rampart_benches::random::Random;
use rampart_benches::workload::{Size, Workload};
use rampart_compiler::catalog::Catalog;
use rampart_compiler::compile::compile_loaded;
use rampart_compiler::compile::{compile, Compiled};
use rampart_compiler::regroup::{MembershipChange, Regrouper};
use rampart_mission_control::memberships::{Applied, Memberships};
use rampart_mission_control::session::Database;
use rampart_runtime::schema::{TablesData, UnitKind};
use rampart_runtime::{Category, Objects, Request, Tables, Target};

fn compiled(policy: &PathBuf, catalog: &Catalog, dir: &std::path::Path) -> Compiled {
    let path = dir.join("catalog.json");
    std::fs::write(&path, serde_json::to_string(catalog).expect("json")).expect("write");
    compile(std::slice::from_ref(policy), Some(&path), &|_| {})
        .unwrap_or_else(|d| panic!("{}", rampart_compiler::diagnostic::render_all(&d)))
}

/// Every person's answer, by names, for every action on a sample of each category's
/// objects (and on a config and a playbook together).
fn decisions(data: &TablesData) -> Vec<String> {
    let tables = Tables::from_data(data.clone()).expect("the tables load and validate");
    let keys = |c: Category| -> Vec<String> {
        let names = &c.of(&data.categories).keys;
        (0..names.len())
            .step_by(7)
            .filter_map(|i| names.get(i).map(str::to_string))
            .collect()
    };
    let configs = keys(Category::Config);
    let playbooks = keys(Category::Playbook);
    let mut out = Vec::new();
    for p in data.principals.iter().filter(|p| p.key.contains('@')) {
        for action in data.actions.iter().filter(|a| !a.contains('*')) {
            let mut answer = |target: Target<'_>| {
                let r = tables.is_authorized(&Request::new(&p.key, action, target));
                out.push(format!(
                    "{} {action} {:?}",
                    p.key,
                    r.map(|r| r.is_allowed())
                ));
            };
            for c in &configs {
                answer(Target::Objects(Objects::new().config(c)));
            }
            for b in &playbooks {
                answer(Target::Objects(Objects::new().playbook(b)));
            }
            if let (Some(c), Some(b)) = (configs.first(), playbooks.first()) {
                answer(Target::Objects(Objects::new().config(c).playbook(b)));
            }
        }
    }
    out
}

#[test]
fn memberships_applied_without_compiling_decide_as_compiling_the_changed_world() {
    let seed = 29;
    let workload = Workload::generate(Size::named("tiny").expect("tiny"), seed);
    let dir = tempfile::tempdir().expect("dir");
    workload.write(dir.path(), seed).expect("write");
    let policy = dir.path().join("policy");
    let mut catalog: Catalog =
        serde_json::from_str(&workload.catalog_json()).expect("the workload's catalog");
    let first = compiled(&policy, &catalog, dir.path());
    let mut data = first.data;
    let mut regrouper = Regrouper::new(first.model.units);
    let mut random = Random::new(seed);
    let (mut moved, mut made) = (0, 0);
    for round in 0..6 {
        let mut changes = Vec::new();
        for _ in 0..1 + round * 3 {
            let person = random.below(catalog.people.len());
            let team = catalog.teams[random.below(catalog.teams.len())]
                .name
                .clone();
            let p = &mut catalog.people[person];
            let joins = !p.teams.contains(&team);
            if joins {
                p.teams.push(team.clone());
            } else {
                p.teams.retain(|t| *t != team);
            }
            let units = regrouper.units();
            changes.push(MembershipChange {
                member: units.find(UnitKind::Person, p.key()).expect("person"),
                container: units.find(UnitKind::Team, &team).expect("team"),
                joins,
            });
        }
        let applied = regrouper.apply(&mut data, &changes).expect("applied");
        moved += applied.moved;
        made += applied.new_classes;
        let again = compiled(&policy, &catalog, dir.path());
        assert_eq!(data.principals.len(), again.data.principals.len());
        assert!(data.classes as usize <= data.principals.len());
        let (fast, full) = (decisions(&data), decisions(&again.data));
        assert_eq!(fast.len(), full.len());
        let differ: Vec<_> = fast.iter().zip(&full).filter(|(a, b)| a != b).collect();
        assert!(
            differ.is_empty(),
            "round {round}: {} of {} answers differ, first: {:?}",
            differ.len(),
            fast.len(),
            differ.first()
        );
    }
    assert!(moved > 0 && made > 0, "moved {moved}, new classes {made}");
}

#[test]
fn a_membership_that_would_make_a_cycle_changes_nothing() {
    let workload = Workload::generate(Size::named("tiny").expect("tiny"), 3);
    let dir = tempfile::tempdir().expect("dir");
    workload.write(dir.path(), 3).expect("write");
    let catalog: Catalog = serde_json::from_str(&workload.catalog_json()).expect("catalog");
    let first = compiled(&dir.path().join("policy"), &catalog, dir.path());
    let mut data = first.data;
    let before = data.clone();
    let mut regrouper = Regrouper::new(first.model.units);
    let units = regrouper.units();
    let team = units.find(UnitKind::Team, &catalog.teams[0].name).unwrap();
    let person = units
        .find(UnitKind::Person, catalog.people[0].key())
        .unwrap();
    let change = |member, container| MembershipChange {
        member,
        container,
        joins: true,
    };
    // A person joining a team and the team joining the person is a cycle.
    let err = regrouper
        .apply(&mut data, &[change(person, team), change(team, person)])
        .expect_err("a cycle is refused");
    assert!(err.contains("cycle"), "{err}");
    assert_eq!(data, before, "nothing was half-applied");
    let out_of_range = rampart_compiler::membership::UnitId(u32::MAX);
    assert!(regrouper
        .apply(&mut data, &[change(out_of_range, team)])
        .is_err());
    assert_eq!(data, before);
}

/// Tables compiled from the database behind `database`, with what applying membership
/// changes needs (primed, as `serve --postgres` primes it).
fn compiled_from_database(database: &Database) -> Memberships {
    let mut connection = database.connect().expect("connect");
    let world = rampart_mission_control::world_read::read_world(&mut connection, &[], &|_| {})
        .unwrap_or_else(|e| panic!("{e}"));
    let held = Catalog {
        people: world.loaded.catalog.catalog.people.clone(),
        teams: world.loaded.catalog.catalog.teams.clone(),
        ..Catalog::default()
    };
    let compiled = compile_loaded(world.loaded, &|_| {})
        .unwrap_or_else(|d| panic!("{}", rampart_compiler::diagnostic::render_all(&d)));
    let mut memberships =
        Memberships::new(compiled.data, Regrouper::new(compiled.model.units), &held);
    memberships.prime(&mut connection).expect("prime");
    memberships
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
fn memberships_read_from_the_database_decide_as_compiling_it_or_ask_for_a_compile() {
    let server = pg_server::Server::start();
    let schema = "mc_regroup";
    let seed = 31;
    let workload = Workload::generate(Size::named("tiny").expect("tiny"), seed);
    let mut client = postgres::Client::connect(server.url(), postgres::NoTls).expect("connect");
    rampart_benches::mission_control::create_schema(&mut client, schema).expect("schema");
    rampart_benches::mission_control::write_workload(&mut client, &workload, true).expect("write");
    client
        .batch_execute(&format!("SET search_path TO {schema}"))
        .expect("path");
    let database = Database::new(server.url(), schema);
    let people = ids(
        &mut client,
        "SELECT id::text FROM people WHERE email IS NOT NULL ORDER BY id",
    );
    let teams = ids(&mut client, "SELECT id::text FROM teams ORDER BY id");
    let mut memberships = compiled_from_database(&database);
    let mut connection = database.connect().expect("connect");
    assert_eq!(
        memberships.apply(&mut connection).expect("apply"),
        Applied::Unchanged
    );
    let mut random = Random::new(seed);
    let mut applied = 0;
    for round in 0..4 {
        for _ in 0..1 + round * 2 {
            let (team, person) = (
                &teams[random.below(teams.len())],
                &people[random.below(people.len())],
            );
            client
                .batch_execute(&format!(
                    "DO $$ BEGIN \
                       IF EXISTS (SELECT 1 FROM team_members WHERE team_id = '{team}' AND person_id = '{person}') \
                       THEN DELETE FROM team_members WHERE team_id = '{team}' AND person_id = '{person}'; \
                       ELSE INSERT INTO team_members (team_id, person_id) VALUES ('{team}', '{person}'); \
                       END IF; END $$;"
                ))
                .expect("change a membership");
        }
        match memberships.apply(&mut connection).expect("apply") {
            Applied::Applied(r) => applied += r.moved,
            other => panic!("round {round}: {other:?}"),
        }
        let full = compiled_from_database(&database);
        let (fast, full) = (decisions(memberships.data()), decisions(full.data()));
        let differ = fast.iter().zip(&full).filter(|(a, b)| a != b).count();
        assert!(
            fast.len() == full.len() && differ == 0,
            "round {round}: {differ} differ"
        );
    }
    assert!(applied > 0);

    // Each of these, written beside a membership change, asks for a full compile and
    // leaves the tables as they were.
    let (team, person, other) = (&teams[0], &people[0], &people[1]);
    let team_name: String = client
        .query_one(&format!("SELECT name FROM teams WHERE id = '{team}'"), &[])
        .expect("name")
        .get(0);
    let toggle = format!(
        "DO $$ BEGIN \
           IF EXISTS (SELECT 1 FROM team_members WHERE team_id = '{team}' AND person_id = '{person}') \
           THEN DELETE FROM team_members WHERE team_id = '{team}' AND person_id = '{person}'; \
           ELSE INSERT INTO team_members (team_id, person_id) VALUES ('{team}', '{person}'); \
           END IF; END $$;"
    );
    let group_of_team: String = client
        .query_one(
            &format!("SELECT name FROM permission_groups WHERE selectors::text LIKE '%\"{team_name}\"%' LIMIT 1"),
            &[],
        )
        .map(|r| r.get(0))
        .unwrap_or_else(|_| "no-group".to_string());
    // (what, written before the tables are compiled, written with the membership
    // change, what undoes both)
    let dead = "00000000-0000-4000-8000-00000000dead";
    let cases: Vec<(&str, String, String, String)> = vec![
        (
            "a person soft-deleted in the same transaction",
            String::new(),
            format!("UPDATE people SET deleted_at = now() WHERE id = '{other}';"),
            format!("UPDATE people SET deleted_at = NULL WHERE id = '{other}';"),
        ),
        (
            "a person's email changed in the same transaction",
            String::new(),
            format!("UPDATE people SET email = 'x' || email WHERE id = '{other}';"),
            format!("UPDATE people SET email = substr(email, 2) WHERE id = '{other}';"),
        ),
        (
            "a person's name changed in the same transaction",
            String::new(),
            format!("UPDATE people SET name = name || ' Jr' WHERE id = '{other}';"),
            format!("UPDATE people SET name = replace(name, ' Jr', '') WHERE id = '{other}';"),
        ),
        (
            "a casbin row naming the team by its id in upper case",
            format!("INSERT INTO casbin_rule (ptype, v0, v1) VALUES ('g', upper('{team}'), 'editor');"),
            String::new(),
            format!("DELETE FROM casbin_rule WHERE v0 = upper('{team}');"),
        ),
        (
            "a casbin row naming a group the team is in, spelled with a no-break space",
            format!("INSERT INTO casbin_rule (ptype, v0, v1) VALUES ('g', upper('{group_of_team}') || chr(160), 'editor');"),
            String::new(),
            format!("DELETE FROM casbin_rule WHERE v0 = upper('{group_of_team}') || chr(160);"),
        ),
        (
            "a casbin row given in the same transaction",
            String::new(),
            format!("INSERT INTO casbin_rule (ptype, v0, v1) VALUES ('g', '{other}', 'admin');"),
            format!("DELETE FROM casbin_rule WHERE v0 = '{other}' AND v1 = 'admin';"),
        ),
        (
            "a soft-deleted team's membership",
            format!(
                "INSERT INTO teams (id, name, created_by, deleted_at) VALUES ('{dead}', 'gone', '{person}', now());"
            ),
            format!("INSERT INTO team_members (team_id, person_id) VALUES ('{dead}', '{other}');"),
            format!("DELETE FROM team_members WHERE team_id = '{dead}'; DELETE FROM teams WHERE id = '{dead}';"),
        ),
        (
            "a team renamed",
            String::new(),
            format!("UPDATE teams SET name = name || '-renamed' WHERE id = '{}';", teams[1]),
            format!("UPDATE teams SET name = replace(name, '-renamed', '') WHERE id = '{}';", teams[1]),
        ),
    ];
    for (what, setup, change, undo) in cases {
        client.batch_execute(&setup).expect(what);
        memberships = compiled_from_database(&database);
        let before = memberships.data().clone();
        client
            .batch_execute(&format!("BEGIN; {change} {toggle} COMMIT;"))
            .expect(what);
        match memberships.apply(&mut connection).expect("apply") {
            Applied::Recompile(_) => {}
            other => panic!("{what}: {other:?}"),
        }
        assert!(memberships.data() == &before, "{what}: the tables changed");
        client
            .batch_execute(&format!("{undo} {toggle}"))
            .expect("undo");
    }
    // Undone, the shortcut applies again.
    memberships = compiled_from_database(&database);
    client.batch_execute(&toggle).expect("toggle");
    assert!(matches!(
        memberships.apply(&mut connection).expect("apply"),
        Applied::Applied(_)
    ));
}
