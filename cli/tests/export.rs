//! `rampart export access` writes exactly the rows `list` gives for every subject, action
//! and category — no more, no fewer — in CSV (quoted where CSV needs it) and in JSON
//! lines, and each row is a request `check` allows (`invoke:*` rows standing for every
//! invoke action).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeSet;

use rampart_runtime::{Category, ObjectRef, Objects, Request, Target};
use support::{assert_refused, run, stderr, stdout};

type Row = (String, String, String, String);

fn expected(tables: &rampart_runtime::Tables) -> BTreeSet<Row> {
    let mut rows = BTreeSet::new();
    for p in tables.principals() {
        let subject = tables.principal_name(p).unwrap();
        for (a, action) in tables.actions() {
            for c in Category::ALL {
                for o in tables.list(p, a, c).unwrap().iter() {
                    let key = tables.object_key(o).unwrap().to_string();
                    // `invoke:*` and `invoke:P:*` stand for every action they match:
                    // check a concrete one.
                    let concrete = if action == "invoke:*" {
                        "invoke:probe:probe".to_string()
                    } else {
                        action.replace('*', "probe")
                    };
                    let request = Request::new(
                        &subject,
                        &concrete,
                        Target::Objects(Objects::new().with(c, ObjectRef::Key(&key))),
                    );
                    assert!(
                        tables.is_authorized(&request).unwrap().is_allowed(),
                        "{subject} {action} {key}"
                    );
                    rows.insert((
                        subject.clone(),
                        action.to_string(),
                        c.name().to_string(),
                        key,
                    ));
                }
            }
        }
    }
    rows
}

/// Splits one CSV line of four fields, undoing the quoting.
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let (mut quoted, mut chars) = (false, line.chars().peekable());
    while let Some(ch) = chars.next() {
        match (ch, quoted) {
            ('"', false) => quoted = true,
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                fields.last_mut().unwrap().push('"');
            }
            ('"', true) => quoted = false,
            (',', false) => fields.push(String::new()),
            (c, _) => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}

#[test]
fn export_rows_are_exactly_the_listings() {
    let dir = tempfile::tempdir().unwrap();
    let tables_path = dir.path().join("t.rampart").display().to_string();
    let out = run(&[
        "compile",
        "../fixtures/policy",
        "--catalog",
        "../fixtures/catalog.yaml",
        "-o",
        &tables_path,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let tables = rampart_runtime::Tables::load(&tables_path).unwrap();
    let want = expected(&tables);
    assert!(want.len() > 20, "{}", want.len());

    let out = run(&["export", "access", "-t", &tables_path]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(
        text.lines().next(),
        Some("subject,action,category,object"),
        "the CSV names its columns"
    );
    let csv: Vec<Row> = text
        .lines()
        .skip(1)
        .map(|l| {
            let f = csv_fields(l);
            assert_eq!(f.len(), 4, "{l}");
            (f[0].clone(), f[1].clone(), f[2].clone(), f[3].clone())
        })
        .collect();
    assert_eq!(csv.len(), want.len(), "no row twice");
    assert_eq!(csv.into_iter().collect::<BTreeSet<_>>(), want);

    let out = run(&["export", "access", "-t", &tables_path, "--format", "jsonl"]);
    let jsonl: BTreeSet<Row> = stdout(&out)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect(l);
            let f = |k: &str| v[k].as_str().expect(k).to_string();
            (f("subject"), f("action"), f("category"), f("object"))
        })
        .collect();
    assert_eq!(jsonl, want);

    // Narrowed by category and action, and an unknown action is an error.
    let out = run(&[
        "export",
        "access",
        "-t",
        &tables_path,
        "--category",
        "connections",
        "--action",
        "read",
    ]);
    let narrowed: BTreeSet<Row> = stdout(&out)
        .lines()
        .skip(1)
        .map(|l| {
            let f = csv_fields(l);
            (f[0].clone(), f[1].clone(), f[2].clone(), f[3].clone())
        })
        .collect();
    let want_narrowed: BTreeSet<Row> = want
        .iter()
        .filter(|r| r.1 == "read" && r.2 == "connection")
        .cloned()
        .collect();
    assert!(!want_narrowed.is_empty());
    assert_eq!(narrowed, want_narrowed);
    let out = run(&["export", "access", "-t", &tables_path, "--action", "raed"]);
    assert_refused(&out, "unknown action `raed`");
}

#[test]
fn csv_fields_are_quoted_where_csv_needs_it() {
    assert_eq!(
        csv_fields("a,\"b,c\",\"d\"\"e\",f"),
        ["a", "b,c", "d\"e", "f"]
    );
}
