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
            },
            &|_| {},
        )
        .unwrap_or_else(|d| panic!("{}", rampart_compiler::diagnostic::render_all(&d)));
        let tables = Tables::from_data(compiled.data).expect("tables");
        assert_agrees(&workload, &tables, seed);
    }
}
