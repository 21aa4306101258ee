//! The synthetic workload in a real PostgreSQL server: for every sampled subject, every
//! action and the configs, playbooks and connections tables (with configs inserted after
//! the compile), the rows the SQL filter returns equal `list` plus `check` on each row.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

#[path = "../../compiler/tests/pg_server/mod.rs"]
mod pg_server;

use std::collections::BTreeSet;

use pg_server::{allowed_by_check, create_and_copy, listed_ids, select_ids, Server};
use rampart_benches::workload::{Size, Workload, REQUEST_ACTIONS};
use rampart_compiler::compile::compile;
use rampart_compiler::emit::encode;
use rampart_runtime::sql::{ColumnMap, FilterForm, FilterPreference};
use rampart_runtime::{Category, ObjectAttributes, Tables};

fn key(category: Category, o: &ObjectAttributes) -> String {
    match category {
        Category::Config | Category::Component => o.id.clone().unwrap(),
        _ => format!(
            "{}/{}",
            o.namespace.as_deref().unwrap(),
            o.name.as_deref().unwrap()
        ),
    }
}

#[test]
fn workload_filters_agree_with_check_and_list_in_postgres() {
    let size = Size::named("tiny").expect("tiny");
    let workload = Workload::generate(size, 5);
    let dir = tempfile::tempdir().expect("temporary directory");
    workload.write(dir.path(), 5).expect("write");
    let compiled = compile(
        &[dir.path().join("policy")],
        Some(&dir.path().join("catalog.json")),
        &|_| {},
    )
    .unwrap_or_else(|d| panic!("{d:?}"));
    let tables = Tables::from_bytes(&encode(&compiled.data, None).expect("encode")).expect("load");

    let server = Server::start();
    let mut client = server.client("workload");
    let categories = [
        (
            Category::Config,
            "configs",
            workload.objects(Category::Config),
            workload.fresh_configs(300, 5),
        ),
        (
            Category::Playbook,
            "playbooks",
            workload.objects(Category::Playbook),
            Vec::new(),
        ),
        (
            Category::Connection,
            "connections",
            workload.objects(Category::Connection),
            Vec::new(),
        ),
    ];
    for (_, table, known, fresh) in &categories {
        create_and_copy(&mut client, table, known.iter().chain(fresh));
    }

    let (mut filters, mut predicates, mut fresh_admitted) = (0, 0, 0);
    for person in (0..size.people).step_by(4) {
        let subject = format!("user{person}@example.com");
        let principal = tables.principal(&subject).expect("principal");
        for action in REQUEST_ACTIONS {
            let action_id = tables.action(action).expect("action");
            for (category, table, known, fresh) in &categories {
                let keys: Vec<(String, String)> = known
                    .iter()
                    .map(|o| (key(*category, o), o.id.clone().unwrap()))
                    .collect();
                let (known_allowed, fresh_allowed) =
                    allowed_by_check(&tables, &subject, action, *category, &keys, fresh);
                let listed = listed_ids(&tables, principal, action_id, *category);
                assert_eq!(
                    listed, known_allowed,
                    "list vs check: {subject} {action} {table}"
                );
                let mut columns = ColumnMap::mission_control(*category);
                columns.assign("namespace=namespace").expect("column");
                columns.set_id_type(Some("text")).expect("type");
                let filter = tables
                    .sql_filter(
                        principal,
                        action_id,
                        *category,
                        &columns,
                        FilterPreference::Predicate,
                    )
                    .expect("filter");
                let rows = if filter.form() == FilterForm::Nothing {
                    BTreeSet::new()
                } else {
                    select_ids(&mut client, table, &filter)
                };
                let expected: BTreeSet<String> =
                    known_allowed.union(&fresh_allowed).cloned().collect();
                assert_eq!(
                    rows,
                    expected,
                    "SQL vs check: {subject} {action} {table}\n{}",
                    filter.sql()
                );
                filters += 1;
                predicates += usize::from(filter.form() == FilterForm::Predicate);
                fresh_admitted += rows.intersection(&fresh_allowed).count();
            }
        }
    }
    println!("{filters} filters compared, {predicates} predicates, {fresh_admitted} rows inserted after the compile admitted");
    assert!(predicates > filters / 4, "{predicates} of {filters}");
    assert!(fresh_admitted > 50, "{fresh_admitted}");
}
