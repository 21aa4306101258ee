//! Generated workloads written into the project's emulation of Mission Control's tables
//! (in a real PostgreSQL server): the catalog `pull` reads, compiled with the workload's
//! YAML policies, decides every generated request as the workload's own evaluator does.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

#[path = "../../compiler/tests/pg_server/mod.rs"]
#[allow(dead_code)]
mod pg_server;

use rampart_benches::mission_control::{create_schema, write_workload, DatabaseRequests};
use rampart_benches::workload::{Size, Workload};
use rampart_compiler::catalog::LoadedCatalog;
use rampart_compiler::compile::{compile_loaded, Loaded};
use rampart_compiler::oracle::disagreements;
use rampart_mission_control::catalog_read::ReadOptions;
use rampart_mission_control::pull::{pull, CatalogBuilder};
use rampart_mission_control::session::Database;
use rampart_runtime::Tables;

fn assert_agrees(workload: &Workload, tables: &Tables, seed: u64) {
    let cases = workload.requests(seed);
    let wrong = disagreements(&DatabaseRequests(workload), tables, &cases);
    assert!(
        wrong.is_empty(),
        "{} disagreements of {}, first: {:?}",
        wrong.len(),
        cases.len(),
        wrong.first()
    );
}

#[test]
fn a_pulled_catalog_with_the_yaml_policies_decides_as_the_workload() {
    let server = pg_server::Server::start();
    for (schema, seed) in [("mc_workload_pull_a", 3u64), ("mc_workload_pull_b", 19)] {
        let workload = Workload::generate(Size::named("tiny").expect("tiny"), seed);
        let mut client = postgres::Client::connect(server.url(), postgres::NoTls).expect("connect");
        create_schema(&mut client, schema).expect("schema");
        write_workload(&mut client, &workload, false).expect("write");

        let mut connection = Database::new(server.url(), schema)
            .connect()
            .expect("connect");
        let mut sink = CatalogBuilder::default();
        let summary =
            pull(&mut connection, &mut sink, &|_| {}, ReadOptions::default()).expect("pull");
        assert_eq!(summary.counts["configs"], workload.size.configs as u64);

        let dir = tempfile::tempdir().expect("dir");
        workload.write(dir.path(), seed).expect("write YAML");
        let (documents, diagnostics) =
            rampart_compiler::documents::load(&[dir.path().join("policy")], None);
        assert!(diagnostics.is_empty());
        let compiled = compile_loaded(
            Loaded {
                documents,
                catalog: LoadedCatalog::from_database(sink.catalog, "database"),
                lookups: true,
                diagnostics: Vec::new(),
                options: Default::default(),
            },
            &|_| {},
        )
        .unwrap_or_else(|d| panic!("{}", rampart_compiler::diagnostic::render_all(&d)));
        let tables = Tables::from_data(compiled.data).expect("tables");
        assert_agrees(&workload, &tables, seed);
    }
}

/// The world and its policies as rows: `compile --postgres` reads both.
fn read_world_from(
    server: &pg_server::Server,
    schema: &str,
    paths: &[std::path::PathBuf],
) -> rampart_mission_control::world_read::DatabaseWorld {
    let mut connection = Database::new(server.url(), schema)
        .connect()
        .expect("connect");
    rampart_mission_control::world_read::read_world(&mut connection, paths, &|_| {})
        .unwrap_or_else(|e| panic!("{e}"))
}

fn compiled(loaded: Loaded) -> Tables {
    let compiled = compile_loaded(loaded, &|_| {})
        .unwrap_or_else(|d| panic!("{}", rampart_compiler::diagnostic::render_all(&d)));
    Tables::from_data(compiled.data).expect("tables")
}

#[test]
fn compiling_from_the_database_decides_as_the_yaml_world() {
    let server = pg_server::Server::start();
    for (schema, seed) in [("mc_workload_rows_a", 5u64), ("mc_workload_rows_b", 23)] {
        let workload = Workload::generate(Size::named("tiny").expect("tiny"), seed);
        let mut client = postgres::Client::connect(server.url(), postgres::NoTls).expect("connect");
        create_schema(&mut client, schema).expect("schema");
        write_workload(&mut client, &workload, true).expect("write");

        // The rows alone: permissions with uuid subjects and global objects, groups.
        let world = read_world_from(&server, schema, &[]);
        assert_eq!(
            world.summary.counts["permissions from rows"],
            workload.size.permissions as u64
        );
        assert!(
            world.summary.warnings.is_empty(),
            "{:?}",
            world.summary.warnings
        );
        assert_agrees(&workload, &compiled(world.loaded), seed);

        // The same world's YAML beside the rows: every document is the row of its
        // Kubernetes resource, so each permission and group is one, not two.
        let dir = tempfile::tempdir().expect("dir");
        workload.write(dir.path(), seed).expect("write YAML");
        let world = read_world_from(&server, schema, &[dir.path().join("policy")]);
        assert!(world.loaded.diagnostics.is_empty());
        assert_eq!(
            world.summary.skipped
                ["permission rows of the same Kubernetes resource as a document (the document wins)"],
            workload.size.permissions as u64
        );
        assert_eq!(
            world.loaded.documents.permissions.len(),
            workload.size.permissions
        );
        assert_eq!(world.loaded.documents.groups.len(), workload.size.groups);
        assert_agrees(&workload, &compiled(world.loaded), seed);
    }
}
