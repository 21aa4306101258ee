//! The indexes `rampart filter --indexes` prints ([`SqlFilter::create_indexes`]), on a real
//! PostgreSQL server: a workload world with 50,000 configs, and every subject whose
//! predicate admits under 1 % of the rows (names and namespaces, which an index serves).
//! Before the indexes exist such a filter is a sequential scan; once they exist (created
//! with the printed statements, so the expressions are immutable and equal to the
//! filter's own), `EXPLAIN` shows index scans and no sequential scan, and the rows are
//! the same.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

// Only the server and the table helpers of this shared module are used here.
#[allow(dead_code)]
#[path = "../../compiler/tests/pg_server/mod.rs"]
mod pg_server;

use postgres::types::ToSql;
use postgres::Client;

use pg_server::{bound, create_and_copy, select_ids, Server};
use rampart_benches::workload::{Size, Workload};
use rampart_compiler::compile::compile;
use rampart_compiler::emit::encode;
use rampart_runtime::sql::{ColumnMap, FilterForm, FilterPreference, SqlFilter};
use rampart_runtime::{Category, Tables};

/// `EXPLAIN` of the filtered query, its parameters bound (so planned with their values,
/// as a one-off query is).
fn plan(client: &mut Client, table: &str, filter: &SqlFilter) -> String {
    let params = bound(filter);
    let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p.as_ref()).collect();
    let query = format!("EXPLAIN SELECT id FROM {table} WHERE {}", filter.sql());
    client
        .query(query.as_str(), &refs)
        .unwrap_or_else(|e| panic!("{query}\n{e:?}"))
        .iter()
        .map(|row| row.get::<_, String>(0))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn printed_indexes_turn_selective_filters_into_index_scans() {
    let size = Size {
        people: 300,
        teams: 30,
        groups: 5,
        playbooks: 50,
        configs: 50_000,
        connections: 50,
        permissions: 200,
        requests: 10,
    };
    let workload = Workload::generate(size, 3);
    let dir = tempfile::tempdir().expect("temporary directory");
    workload.write(dir.path(), 3).expect("write");
    let compiled = compile(
        &[dir.path().join("policy")],
        Some(&dir.path().join("catalog.json")),
        &|_| {},
    )
    .unwrap_or_else(|d| panic!("{d:?}"));
    let tables = Tables::from_bytes(&encode(&compiled.data, None).expect("encode")).expect("load");

    let server = Server::start();
    let mut client = server.client("filter_indexes");
    let table = "configs";
    create_and_copy(&mut client, table, &workload.objects(Category::Config));
    client.batch_execute("ANALYZE configs").expect("analyze");
    let mut inline = ColumnMap::mission_control(Category::Config);
    inline.assign("namespace=namespace").expect("column");
    inline.set_id_type(Some("text")).expect("type");
    let mut columns = inline.clone();
    columns
        .set_fold_function(Some("rampart_fold"))
        .expect("function name");

    let action = tables.action("read").expect("action");
    let mut selective = Vec::new();
    for person in 0..size.people {
        let principal = tables
            .principal(&format!("user{person}@example.com"))
            .expect("principal");
        let filter = tables
            .sql_filter(
                principal,
                action,
                Category::Config,
                &columns,
                FilterPreference::Predicate,
            )
            .expect("filter");
        if filter.form() != FilterForm::Predicate {
            continue;
        }
        assert!(!filter.index_expressions().is_empty(), "{}", filter.sql());
        let written_out = tables
            .sql_filter(
                principal,
                action,
                Category::Config,
                &inline,
                FilterPreference::Predicate,
            )
            .expect("filter");
        let rows = select_ids(&mut client, table, &written_out);
        if rows.len() * 100 < size.configs {
            let e = written_out.create_indexes(table).unwrap_err();
            assert!(e.to_string().contains("--fold-function"), "{e}");
            selective.push((filter, rows));
        }
    }
    assert!(
        selective.len() >= 5,
        "selective predicates: {}",
        selective.len()
    );
    let mut statements: Vec<String> = selective
        .iter()
        .flat_map(|(f, _)| f.create_indexes(table).expect("statements"))
        .collect();
    // The function first (every filter's list begins with it), then the indexes.
    statements.sort_by_key(|s| (!s.starts_with("CREATE OR REPLACE FUNCTION"), s.clone()));
    statements.dedup();
    assert!(statements[0].starts_with("CREATE OR REPLACE FUNCTION rampart_fold(text)"));
    assert!(
        !statements[1].starts_with("CREATE OR REPLACE FUNCTION"),
        "one definition"
    );
    client
        .batch_execute(&statements[0])
        .expect("the fold function");
    for (filter, rows) in &selective {
        let before = plan(&mut client, table, filter);
        assert!(before.contains("Seq Scan"), "without indexes:\n{before}");
        assert_eq!(
            &select_ids(&mut client, table, filter),
            rows,
            "the fold function folds as the folding written out does"
        );
    }
    for statement in &statements[1..] {
        client
            .batch_execute(statement)
            .unwrap_or_else(|e| panic!("{statement}\n{e:?}"));
    }
    client.batch_execute("ANALYZE configs").expect("analyze");
    for (filter, rows) in &selective {
        let after = plan(&mut client, table, filter);
        assert!(
            after.contains("Index") && !after.contains("Seq Scan"),
            "with {} indexes:\n{after}\n{}",
            statements.len(),
            filter.sql()
        );
        assert_eq!(&select_ids(&mut client, table, filter), rows);
    }
    println!(
        "{} selective filters, {} indexes: {statements:#?}",
        selective.len(),
        statements.len()
    );
    let e = selective[0]
        .0
        .create_indexes("configs; DROP TABLE x")
        .unwrap_err();
    assert!(e.to_string().contains("not a plain identifier"), "{e}");
}
