//! One case folding for `check`, `list` and the SQL filters, proven on a real PostgreSQL
//! server with names where foldings disagree: final sigma, dotted and dotless i, `ß` and
//! `ẞ`, ligatures, the Kelvin and Ohm signs, titlecase digraphs, combining marks. For
//! generated worlds of such names, every filter must return exactly the rows `check`
//! allows (and, for the catalog's objects, what `list` returns), in a database whose
//! locale provider is libc and in one whose provider is ICU: the filter must not depend
//! on the database's own idea of lowercase.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod pg_server;

use std::collections::BTreeSet;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use rampart_runtime::sql::{ColumnMap, FilterForm, FilterPreference};
use rampart_runtime::{Category, ObjectAttributes, Tables};

use pg_server::{allowed_by_check, compile_json, listed_ids, read_permission, select_ids, Server};

/// Pieces of names: each is a case where two foldings disagree, or its partner.
const PIECES: &[&str] = &[
    "ΟΔΟΣ", "οδος", "οδοσ", "Σ", "ς", "İ", "ı", "I", "i", "stanbul", "STANBUL", "ß", "ẞ", "SS",
    "ﬁ", "FI", "\u{212A}", "k", "K", "\u{2126}", "ω", "Ω", "\u{212B}", "å", "Ǆ", "ǅ", "ǆ",
    "e\u{301}", "É", "é", "ſ", "-",
];

/// Tag values selectors may name (label values are ASCII) and the Unicode values that
/// fold onto them.
const TAG_VALUES: &[&str] = &["k", "i", "ss", "\u{212A}", "İ", "K", "I", "ı", "ß"];
const SELECTOR_TAG_VALUES: &[&str] = &["k", "i", "ss"];

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 1..4).prop_map(|p| p.concat())
}

fn glob() -> impl Strategy<Value = String> {
    (text(), 0..4usize).prop_map(|(t, shape)| match shape {
        0 => t,
        1 => format!("{t}*"),
        2 => format!("*{t}"),
        _ => format!("*{t}*"),
    })
}

/// One permission's object (and narrowing) as JSON.
fn rule() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        glob().prop_map(|g| serde_json::json!({"object": {"configs": [{"name": g}]}})),
        glob().prop_map(|g| serde_json::json!({"object": {"configs": [{"types": [g]}]}})),
        glob().prop_map(
            |g| serde_json::json!({"object": {"configs": [{"search": format!("name={}", serde_json::to_string(&g).unwrap())}]}})
        ),
        prop::sample::select(SELECTOR_TAG_VALUES).prop_map(
            |v| serde_json::json!({"object": {"configs": [{"tagSelector": format!("env={v}")}]}})
        ),
        text().prop_map(
            |v| serde_json::json!({"object": {"configs": [{"name": "*"}]}, "tags": {"env": v}})
        ),
        prop::sample::select(ID_PATTERNS)
            .prop_map(|p| serde_json::json!({"object": {"configs": [{"id": p}]}})),
        prop::sample::select(AGENT_PATTERNS)
            .prop_map(|p| serde_json::json!({"object": {"configs": [{"agent": p}]}})),
        prop::sample::select(&["Agent-0", "AGENT-ID-0", " agent-id-0"][..]).prop_map(
            |a| serde_json::json!({"object": {"configs": [{"name": "*"}]}, "agents": [a]})
        ),
    ]
}

/// Id and agent patterns: ids and agents are identities, trimmed and folded.
const ID_PATTERNS: &[&str] = &["known-1", "KNOWN-2*", "*-3", "fresh-1*", "!fresh-2"];
const AGENT_PATTERNS: &[&str] = &[
    "agent-0",
    "AGENT-0",
    "agent-id-0",
    "Agent-Id-*",
    "*-9",
    "!agent-0",
];
/// Spellings of ids (`{}` is the object's own) and agents (the catalog knows only
/// `agent-id-0`, named `Agent-0`; `None`: no agent).
const ID_SPELLINGS: &[&str] = &["{}", "{upper}", " {}\u{a0}", "{}\u{2003}"];
const AGENT_SPELLINGS: &[Option<&str>] = &[
    None,
    Some("agent-id-0"),
    Some("AGENT-ID-0"),
    Some(" agent-id-0\u{2003}"),
    Some("agent-id-9"),
    Some("Agent-Id-9 "),
];

/// A config: name, type, `env` tag, id spelling, agent spelling.
type Config = (String, String, String, usize, usize);

fn config() -> impl Strategy<Value = Config> {
    (
        text(),
        text(),
        prop_oneof![
            prop::sample::select(TAG_VALUES).prop_map(str::to_string),
            text()
        ],
        0..ID_SPELLINGS.len(),
        0..AGENT_SPELLINGS.len(),
    )
}

/// A generated world: configs the catalog knows, rows it does not, and per subject an
/// allow and perhaps a deny.
#[derive(Debug, Clone)]
struct FoldingWorld {
    known: Vec<ObjectAttributes>,
    fresh: Vec<ObjectAttributes>,
    /// Per subject: the allow, and the deny.
    rules: Vec<(serde_json::Value, Option<serde_json::Value>)>,
}

/// A config's attributes; `known` ones only name the agent the catalog knows.
fn attributes(
    id: &str,
    (name, kind, env, spelling, agent): Config,
    known: bool,
) -> ObjectAttributes {
    let agent = match AGENT_SPELLINGS[agent] {
        Some(a) if known && a.trim().ends_with('9') => None,
        other => other,
    };
    ObjectAttributes {
        id: Some(
            ID_SPELLINGS[spelling]
                .replace("{upper}", &id.to_uppercase())
                .replace("{}", id),
        ),
        name: Some(name),
        object_type: Some(kind),
        agent: agent.map(str::to_string),
        tags: [("env".to_string(), env)].into(),
        ..ObjectAttributes::default()
    }
}

fn folding_world() -> impl Strategy<Value = FoldingWorld> {
    (
        prop::collection::vec(config(), 10..16),
        prop::collection::vec(config(), 10..16),
        prop::collection::vec((rule(), prop::option::weighted(0.5, rule())), 6..10),
    )
        .prop_map(|(known, fresh, rules)| FoldingWorld {
            known: known
                .into_iter()
                .enumerate()
                .map(|(i, c)| attributes(&format!("known-{i}"), c, true))
                .collect(),
            fresh: fresh
                .into_iter()
                .enumerate()
                .map(|(i, c)| attributes(&format!("fresh-{i}"), c, false))
                .collect(),
            rules,
        })
}

fn compile(w: &FoldingWorld) -> Tables {
    let dir = tempfile::tempdir().expect("temporary directory");
    let people: Vec<_> = (0..w.rules.len())
        .map(
            |i| serde_json::json!({"id": format!("p{i}"), "email": format!("user{i}@example.com")}),
        )
        .collect();
    let catalog = serde_json::json!({
        "people": people,
        "agents": [{"id": "agent-id-0", "name": "Agent-0"}],
        "configs": w.known,
    });
    let mut policy = String::new();
    for (i, (allow, deny)) in w.rules.iter().enumerate() {
        policy.push_str(&read_permission(i, "allow", allow));
        if let Some(deny) = deny {
            policy.push_str(&read_permission(i, "deny", deny));
        }
    }
    compile_json(dir.path(), &catalog, &policy)
}

/// A fresh `config_items` table holding `rows` (id, name, type, tags), and the column map
/// for it.
fn load_rows<'o>(
    client: &mut postgres::Client,
    rows: impl Iterator<Item = &'o ObjectAttributes>,
) -> ColumnMap {
    client
        .batch_execute(
            "DROP TABLE IF EXISTS config_items; CREATE TABLE config_items (id text PRIMARY KEY, name text, type text, agent_id text, tags jsonb)",
        )
        .expect("table");
    for o in rows {
        client
            .execute(
                "INSERT INTO config_items (id, name, type, agent_id, tags) VALUES ($1, $2, $3, $4, $5::text::jsonb)",
                &[
                    &o.id,
                    &o.name,
                    &o.object_type,
                    &o.agent,
                    &serde_json::to_string(&o.tags).unwrap(),
                ],
            )
            .expect("insert");
    }
    let mut columns = ColumnMap::mission_control(Category::Config);
    columns.set_id_type(Some("text")).expect("type");
    columns
}

/// Figures of a run, to prove that the comparison compared something.
#[derive(Debug, Default)]
struct Compared {
    filters: usize,
    predicates: usize,
    rows_allowed: usize,
    rows_denied: usize,
}

fn compare(client: &mut postgres::Client, w: &FoldingWorld, seen: &mut Compared) {
    let tables = compile(w);
    let columns = load_rows(client, w.known.iter().chain(&w.fresh));
    let read = tables.action("read").expect("read");
    let known_keys: Vec<(String, String)> = w
        .known
        .iter()
        .map(|o| (o.id.clone().unwrap(), o.id.clone().unwrap()))
        .collect();
    for i in 0..w.rules.len() {
        let subject = format!("user{i}@example.com");
        let principal = tables.principal(&subject).expect("principal");
        let (known_allowed, fresh_allowed) = allowed_by_check(
            &tables,
            &subject,
            "read",
            Category::Config,
            &known_keys,
            &w.fresh,
        );
        assert_eq!(
            listed_ids(&tables, principal, read, Category::Config),
            known_allowed,
            "list vs check for {:?}",
            w.rules[i]
        );
        let filter = tables
            .sql_filter(
                principal,
                read,
                Category::Config,
                &columns,
                FilterPreference::Predicate,
            )
            .expect("filter");
        let rows = if filter.form() == FilterForm::Nothing {
            BTreeSet::new()
        } else {
            select_ids(client, "config_items", &filter)
        };
        let expected: BTreeSet<String> = match filter.form() {
            FilterForm::Ids => known_allowed.clone(),
            _ => known_allowed.union(&fresh_allowed).cloned().collect(),
        };
        let names = |ids: &BTreeSet<String>| -> Vec<String> {
            w.known
                .iter()
                .chain(&w.fresh)
                .filter(|o| ids.contains(o.id.as_deref().unwrap_or("")))
                .map(|o| format!("{:?} {:?} {:?}", o.name, o.object_type, o.tags))
                .collect()
        };
        assert_eq!(
            rows,
            expected,
            "SQL vs check for {:?}\nSQL only: {:?}\ncheck only: {:?}",
            w.rules[i],
            names(&rows.difference(&expected).cloned().collect()),
            names(&expected.difference(&rows).cloned().collect()),
        );
        seen.filters += 1;
        seen.predicates += usize::from(filter.form() == FilterForm::Predicate);
        seen.rows_allowed += rows.len();
        seen.rows_denied += w.known.len() + w.fresh.len() - rows.len();
    }
}

fn compare_in(database: &str, options: &str) {
    let server = Server::start();
    let mut client = server.database_client(database, options, "folding");
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut seen = Compared::default();
    for _ in 0..40 {
        let w = folding_world()
            .new_tree(&mut runner)
            .expect("world")
            .current();
        compare(&mut client, &w, &mut seen);
    }
    println!("{database}: {seen:?}");
    assert!(seen.predicates >= 200, "{seen:?}");
    assert!(
        seen.rows_allowed >= 200 && seen.rows_denied >= 200,
        "{seen:?}"
    );
}

#[test]
fn unicode_names_fold_alike_in_check_list_and_sql_with_libc_ctype() {
    compare_in(
        "rampart_folding_libc",
        "LOCALE_PROVIDER libc LOCALE 'C.UTF-8' TEMPLATE template0",
    );
}

#[test]
fn unicode_names_fold_alike_in_check_list_and_sql_with_icu() {
    compare_in(
        "rampart_folding_icu",
        "LOCALE_PROVIDER icu ICU_LOCALE 'und' LOCALE 'C.UTF-8' TEMPLATE template0",
    );
}

#[test]
fn a_folding_filter_admits_nothing_in_a_database_that_is_not_utf8() {
    // In `SQL_ASCII`, `length` counts bytes and the folding's literals are bytes: the
    // predicate cannot mean what `check` means, so it must admit no row at all.
    let server = Server::start();
    let mut client = server.database_client(
        "rampart_folding_ascii",
        "ENCODING 'SQL_ASCII' LOCALE 'C' TEMPLATE template0",
        "folding",
    );
    let w = FoldingWorld {
        known: vec![attributes(
            "known-0",
            ("ΟΔΟΣ".into(), "t".into(), "k".into(), 0, 0),
            true,
        )],
        fresh: vec![attributes(
            "fresh-0",
            ("οδοσ-2".into(), "t".into(), "k".into(), 0, 0),
            false,
        )],
        rules: vec![(
            serde_json::json!({"object": {"configs": [{"name": "οδοσ*"}]}}),
            None,
        )],
    };
    let tables = compile(&w);
    let columns = load_rows(&mut client, w.known.iter().chain(&w.fresh));
    let principal = tables.principal("user0@example.com").expect("principal");
    let read = tables.action("read").expect("read");
    let filter = tables
        .sql_filter(
            principal,
            read,
            Category::Config,
            &columns,
            FilterPreference::Predicate,
        )
        .expect("filter");
    assert_eq!(filter.form(), FilterForm::Predicate);
    let (known, fresh) = allowed_by_check(
        &tables,
        "user0@example.com",
        "read",
        Category::Config,
        &[("known-0".into(), "known-0".into())],
        &w.fresh,
    );
    assert_eq!(known.len() + fresh.len(), 2, "check allows both");
    assert!(select_ids(&mut client, "config_items", &filter).is_empty());
}
