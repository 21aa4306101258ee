//! SQL filters against a real PostgreSQL server: for random worlds (every selector kind,
//! search and field selectors included), every principal, action and category, the rows
//! the filter returns must be exactly the rows `check` allows — the known objects by key
//! (which must also be what `list` returns) and rows inserted after the compile by their
//! attributes. Two-object filters (a fixed object of another category) are compared with
//! the reference evaluator on the pair and with `list_with`. Values that could break out
//! of a SQL string are bound, never spliced.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod pg_server;
mod reference;

use std::collections::BTreeSet;

use proptest::strategy::{Strategy, ValueTree};
use rampart_runtime::sql::{ColumnMap, FilterForm, FilterPreference};
use rampart_runtime::{Category, Tables};

use pg_server::{allowed_by_check, compile_json, listed_ids, read_permission, select_ids, Server};
use reference::generate::{compile_tables, fresh_objects, world, ACTIONS};
use reference::{Object, Target, World};

const TABLES: [&str; 4] = ["playbooks", "configs", "components", "connections"];
const COLUMNS: &str = "id text PRIMARY KEY, name text, namespace text, type text, config_class text, status text, health text, agent_id text, category text, tags jsonb, labels jsonb, properties jsonb";

/// Every field mapped, ids as text.
fn columns(category: Category) -> ColumnMap {
    let mut map = ColumnMap::mission_control(category);
    for assignment in [
        "namespace=namespace",
        "type=type",
        "class=config_class",
        "status=status",
        "health=health",
        "category=category",
        "tags=tags",
        "labels=labels",
        "properties=properties",
    ] {
        map.assign(assignment).expect("column");
    }
    map.set_id_type(Some("text")).expect("type");
    map
}

fn insert(client: &mut postgres::Client, table: &str, o: &Object) {
    client
        .execute(
            format!("INSERT INTO {table} (id, name, namespace, type, status, health, agent_id, tags, labels) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text::jsonb, $9::text::jsonb)").as_str(),
            &[
                &o.id,
                &o.name,
                &o.namespace,
                &o.kind,
                &o.status,
                &o.health,
                &o.agent_id,
                &serde_json::to_string(&o.tags).unwrap(),
                &serde_json::to_string(&o.labels).unwrap(),
            ],
        )
        .expect("insert");
}

/// Figures of one run, to prove that the comparison compared something.
#[derive(Default, Debug)]
struct Compared {
    filters: usize,
    predicates: usize,
    /// Predicates that admitted some rows of their table and not others.
    partial_predicates: usize,
    ids: usize,
    all: usize,
    rows_allowed: usize,
    unknown_rows_allowed: usize,
}

/// One table per category holding the world's objects and the `fresh` rows.
fn load_rows(client: &mut postgres::Client, w: &World, fresh: &[Vec<Object>; 4]) {
    for (c, table) in TABLES.iter().enumerate() {
        client
            .batch_execute(&format!(
                "DROP TABLE IF EXISTS {table}; CREATE TABLE {table} ({COLUMNS})"
            ))
            .expect("table");
        for o in w.objects[c].iter().chain(&fresh[c]) {
            insert(client, table, o);
        }
    }
}

fn compare_world(
    client: &mut postgres::Client,
    w: &World,
    fresh: &[Vec<Object>; 4],
    seen: &mut Compared,
) {
    let tables: Tables = compile_tables(w);
    load_rows(client, w, fresh);
    let known_keys: Vec<Vec<(String, String)>> = (0..4)
        .map(|c| {
            (0..w.objects[c].len())
                .map(|i| (w.object_key(c, i), w.objects[c][i].id.clone().unwrap()))
                .collect()
        })
        .collect();
    let fresh_attributes: Vec<Vec<_>> = fresh
        .iter()
        .map(|f| f.iter().map(Object::attributes).collect())
        .collect();
    for principal in w.principals() {
        let subject = w.subject_name(&principal);
        let Ok(principal_id) = tables.principal(&subject) else {
            panic!("principal {subject} unknown to the tables");
        };
        for action in ACTIONS {
            let action_id = tables.action(action).expect("action");
            for (c, category) in Category::ALL.into_iter().enumerate() {
                let (known_allowed, unknown_allowed) = allowed_by_check(
                    &tables,
                    &subject,
                    action,
                    category,
                    &known_keys[c],
                    &fresh_attributes[c],
                );
                let listed = listed_ids(&tables, principal_id, action_id, category);
                assert_eq!(
                    listed, known_allowed,
                    "list vs check: {subject} {action} {category:?}"
                );
                let filter = tables
                    .sql_filter(
                        principal_id,
                        action_id,
                        category,
                        &columns(category),
                        FilterPreference::Predicate,
                    )
                    .expect("filter");
                // `FALSE` needs no database to return nothing; what must hold is that
                // check allows nothing either.
                let rows = if filter.form() == FilterForm::Nothing {
                    BTreeSet::new()
                } else {
                    select_ids(client, TABLES[c], &filter)
                };
                let expected: BTreeSet<String> = match filter.form() {
                    FilterForm::Ids => known_allowed.clone(),
                    _ => known_allowed.union(&unknown_allowed).cloned().collect(),
                };
                assert_eq!(
                    rows,
                    expected,
                    "SQL vs check: {subject} {action} {category:?}\n{}\n{:?}",
                    filter.sql(),
                    filter.params()
                );
                let by_ids = tables
                    .sql_filter(
                        principal_id,
                        action_id,
                        category,
                        &columns(category),
                        FilterPreference::Ids,
                    )
                    .expect("filter");
                if by_ids.form() != FilterForm::Nothing {
                    assert_eq!(
                        select_ids(client, TABLES[c], &by_ids),
                        known_allowed,
                        "ids form"
                    );
                } else {
                    assert!(known_allowed.is_empty(), "ids form");
                }
                seen.filters += 1;
                seen.predicates += usize::from(filter.form() == FilterForm::Predicate);
                seen.ids += usize::from(filter.form() == FilterForm::Ids);
                seen.all += usize::from(filter.form() == FilterForm::All);
                let total = w.objects[c].len() + fresh[c].len();
                seen.partial_predicates += usize::from(
                    filter.form() == FilterForm::Predicate
                        && !rows.is_empty()
                        && rows.len() < total,
                );
                seen.rows_allowed += rows.len();
                seen.unknown_rows_allowed += rows.intersection(&unknown_allowed).count();
            }
        }
    }
}

/// The world with every permission narrowed to one of the categories it names, so that
/// its rules apply to one-object requests (the requests a filter answers).
fn one_category_rules(mut w: World) -> World {
    for (i, p) in w.permissions.iter_mut().enumerate() {
        let named: Vec<usize> = (0..4).filter(|c| p.categories[*c].is_some()).collect();
        if let Some(keep) = named.get(i % named.len().max(1)) {
            for c in named.iter().filter(|c| *c != keep) {
                p.categories[*c] = None;
            }
        }
    }
    w
}

#[test]
fn sql_filters_return_exactly_the_rows_check_allows() {
    let server = Server::start();
    let mut client = server.client("worlds");
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = (
        world(),
        fresh_objects(0, 3),
        fresh_objects(1, 6),
        fresh_objects(2, 4),
        fresh_objects(3, 3),
    );
    let mut seen = Compared::default();
    for _ in 0..120 {
        let (w, f0, f1, f2, f3) = strategy.new_tree(&mut runner).expect("world").current();
        compare_world(
            &mut client,
            &one_category_rules(w),
            &[f0, f1, f2, f3],
            &mut seen,
        );
    }
    println!("{seen:?}");
    assert!(seen.predicates >= 40, "predicates are compared: {seen:?}");
    assert!(
        seen.partial_predicates >= 20,
        "predicates that admit some rows and not others: {seen:?}"
    );
    assert!(
        seen.unknown_rows_allowed > 20,
        "rows inserted after the compile are admitted: {seen:?}"
    );
}

/// Two-object filters (`rampart filter --playbook ...`, `Tables::sql_filter_with`): for
/// every principal, action and ordered pair of categories, with a known object of the
/// one fixed, the rows the filter returns are exactly the rows the reference evaluator
/// allows together with that object: the known rows (which must also be what
/// `list_with` returns) and the rows inserted after the compile, by their attributes.
fn compare_pairs(
    client: &mut postgres::Client,
    w: &World,
    fresh: &[Vec<Object>; 4],
    round: usize,
    seen: &mut Compared,
) {
    let tables: Tables = compile_tables(w);
    load_rows(client, w, fresh);
    for principal in w.principals() {
        let subject = w.subject_name(&principal);
        let principal_id = tables.principal(&subject).expect("principal");
        for action in ACTIONS {
            let action_id = tables.action(action).expect("action");
            for (a, listed) in Category::ALL.into_iter().enumerate() {
                for (b, fixed) in Category::ALL.into_iter().enumerate() {
                    if a == b || w.objects[b].is_empty() {
                        continue;
                    }
                    let wi = (round + a) % w.objects[b].len();
                    let with = tables
                        .object(fixed, &w.object_key(b, wi))
                        .expect("fixed object");
                    let allowed = |o: &Object| {
                        let mut objects: [Option<Object>; 4] = Default::default();
                        objects[b] = Some(w.objects[b][wi].clone());
                        objects[a] = Some(o.clone());
                        w.decide(&principal, action, &Target::Objects(objects))
                    };
                    let ids = |objects: &[Object]| -> BTreeSet<String> {
                        objects
                            .iter()
                            .filter(|o| allowed(o))
                            .filter_map(|o| o.id.clone())
                            .collect()
                    };
                    let known_allowed = ids(&w.objects[a]);
                    let unknown_allowed = ids(&fresh[a]);
                    let listed_with: BTreeSet<String> = tables
                        .list_with(principal_id, action_id, listed, with)
                        .expect("list with")
                        .iter()
                        .filter_map(|o| tables.object_id(o).map(str::to_string))
                        .collect();
                    let what = format!(
                        "{subject} {action} {listed:?} with {fixed:?} {}",
                        w.object_key(b, wi)
                    );
                    assert_eq!(
                        listed_with, known_allowed,
                        "list_with vs the reference: {what}"
                    );
                    let filter = tables
                        .sql_filter_with(
                            principal_id,
                            action_id,
                            listed,
                            with,
                            &columns(listed),
                            FilterPreference::Predicate,
                        )
                        .expect("filter");
                    let rows = if filter.form() == FilterForm::Nothing {
                        BTreeSet::new()
                    } else {
                        select_ids(client, TABLES[a], &filter)
                    };
                    let expected: BTreeSet<String> = match filter.form() {
                        FilterForm::Ids => known_allowed.clone(),
                        _ => known_allowed.union(&unknown_allowed).cloned().collect(),
                    };
                    assert_eq!(
                        rows,
                        expected,
                        "SQL vs the reference: {what}\n{}\n{:?}",
                        filter.sql(),
                        filter.params()
                    );
                    let by_ids = tables
                        .sql_filter_with(
                            principal_id,
                            action_id,
                            listed,
                            with,
                            &columns(listed),
                            FilterPreference::Ids,
                        )
                        .expect("filter");
                    if by_ids.form() == FilterForm::Nothing {
                        assert!(known_allowed.is_empty(), "ids form: {what}");
                    } else {
                        assert_eq!(
                            select_ids(client, TABLES[a], &by_ids),
                            known_allowed,
                            "ids form: {what}"
                        );
                    }
                    seen.filters += 1;
                    seen.predicates += usize::from(filter.form() == FilterForm::Predicate);
                    seen.ids += usize::from(filter.form() == FilterForm::Ids);
                    seen.all += usize::from(filter.form() == FilterForm::All);
                    let total = w.objects[a].len() + fresh[a].len();
                    seen.partial_predicates += usize::from(
                        filter.form() == FilterForm::Predicate
                            && !rows.is_empty()
                            && rows.len() < total,
                    );
                    seen.rows_allowed += rows.len();
                    seen.unknown_rows_allowed += rows.intersection(&unknown_allowed).count();
                }
            }
        }
    }
}

#[test]
fn two_object_filters_return_exactly_the_rows_the_reference_allows_with_the_object() {
    let server = Server::start();
    let mut client = server.client("pairs");
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = (
        world(),
        fresh_objects(0, 3),
        fresh_objects(1, 6),
        fresh_objects(2, 4),
        fresh_objects(3, 3),
    );
    let mut seen = Compared::default();
    for round in 0..30 {
        let (w, f0, f1, f2, f3) = strategy.new_tree(&mut runner).expect("world").current();
        compare_pairs(&mut client, &w, &[f0, f1, f2, f3], round, &mut seen);
    }
    println!("{seen:?}");
    assert!(seen.predicates >= 40, "predicates are compared: {seen:?}");
    assert!(
        seen.partial_predicates >= 20,
        "predicates that admit some rows and not others: {seen:?}"
    );
    assert!(
        seen.unknown_rows_allowed > 20,
        "rows inserted after the compile are admitted: {seen:?}"
    );
}

/// One selector feature per subject, so that every filter below is about that feature.
/// `allow` and `deny` are Permission specs without subject and actions (`""`: none).
const FEATURES: &[(&str, &str)] = &[
    (r#"{"object": {"configs": [{"search": "cfg"}]}}"#, ""),
    (
        r#"{"object": {"configs": [{"search": "name!=cfg-5"}]}}"#,
        "",
    ),
    (
        r#"{"object": {"configs": [{"search": "-type=aws-s3 | tags.env=prod"}]}}"#,
        "",
    ),
    (
        r#"{"object": {"configs": [{"search": "(status=running health=healthy) | labels.app=web"}]}}"#,
        "",
    ),
    (r#"{"object": {"configs": [{"search": "name>cfg-3"}]}}"#, ""),
    (
        r#"{"object": {"configs": [{"search": "name<=cfg-3"}]}}"#,
        "",
    ),
    (
        r#"{"object": {"configs": [{"search": "tags.env !labels.app"}]}}"#,
        "",
    ),
    (
        r#"{"object": {"configs": [{"search": "type=Kubernetes::* namespace=ns-a"}]}}"#,
        "",
    ),
    (
        r#"{"object": {"configs": [{"search": "name=\"say \\\"hi\\\"\" | name=\"o'brien; DROP TABLE configs; --\""}]}}"#,
        "",
    ),
    (
        r#"{"object": {"configs": [{"search": "agent=agent-id-1 | class=Pod"}]}}"#,
        "",
    ),
    (
        r#"{"object": {"configs": [{"fieldSelector": "status!=running,health in (healthy)"}]}}"#,
        "",
    ),
    (
        r#"{"object": {"configs": [{"fieldSelector": "type,!status"}]}}"#,
        "",
    ),
    (
        r#"{"object": {"configs": [{"tagSelector": "env notin (prod),namespace"}]}}"#,
        "",
    ),
    (
        r#"{"object": {"configs": [{"tagSelector": "env=prod,team!=web"}]}}"#,
        "",
    ),
    (
        r#"{"object": {"configs": [{"labelSelector": "replicas>2"}]}}"#,
        "",
    ),
    (
        r#"{"object": {"configs": [{"labelSelector": "replicas<3,app!=db"}]}}"#,
        "",
    ),
    (r#"{"object": {"configs": [{"agent": "agent-0"}]}}"#, ""),
    (r#"{"object": {"configs": [{"agent": "!agent-*"}]}}"#, ""),
    (
        r#"{"object": {"configs": [{"agent": "*-1,!agent-0"}]}}"#,
        "",
    ),
    (
        r#"{"object": {"configs": [{"name": "*-1*,o'brien*"}]}}"#,
        "",
    ),
    (r#"{"object": {"configs": [{"namespace": "!ns-a"}]}}"#, ""),
    (
        r#"{"object": {"configs": [{"types": ["*Pod", "aws-*"]}, {"statuses": ["stopped"]}]}}"#,
        "",
    ),
    (
        r#"{"object": {"configs": [{"name": "*"}]}, "agents": ["agent-0", "agent-1"]}"#,
        "",
    ),
    (
        r#"{"object": {"configs": [{"health": "healthy"}]}, "tags": {"env": "prod"}}"#,
        "",
    ),
    (
        r#"{"object": {"configs": [{"name": "*"}]}}"#,
        r#"{"object": {"configs": [{"search": "tags.env=prod"}]}}"#,
    ),
    (
        r#"{"object": {"configs": [{"namespace": "ns-*"}]}}"#,
        r#"{"object": {"configs": [{"labelSelector": "app in (web,db)"}]}}"#,
    ),
    // Numbers compare as floats in search, which SQL does not restate: the id list.
    (
        r#"{"object": {"configs": [{"search": "labels.replicas>2"}]}}"#,
        "",
    ),
];

/// A config with attributes spread over every feature above; `fresh` ones are rows the
/// compiled catalog never saw; `uuid` spells ids and agents as UUIDs and keeps the
/// namespace in the tags (Mission Control's layout has no namespace column).
fn feature_config(i: usize, fresh: bool, uuid: bool) -> rampart_runtime::ObjectAttributes {
    let id = |kind: u32, n: usize| {
        if uuid {
            format!("00000000-0000-4000-8000-{:04x}{:08x}", kind, n)
        } else {
            format!("{}-{n}", ["cfg", "new", "agent-id"][kind as usize])
        }
    };
    let mut tags = std::collections::BTreeMap::new();
    if let Some(env) = ["prod", "dev", "Prod", "PRE"].get(i % 5) {
        tags.insert("env".to_string(), env.to_string());
    }
    let namespace = [
        None,
        Some("ns-a"),
        Some("ns-b"),
        None,
        Some("NS-A"),
        Some("ns-c"),
    ][i % 6];
    if i.is_multiple_of(3) || uuid {
        if let Some(ns) = namespace.or(Some("ns-a")).filter(|_| i.is_multiple_of(2)) {
            tags.insert("namespace".to_string(), ns.to_string());
        }
    }
    let mut labels = std::collections::BTreeMap::new();
    if let Some(app) = ["web", "db"].get(i % 3) {
        labels.insert("app".to_string(), app.to_string());
    }
    if let Some(replicas) = ["0", "3", "2", "+7", "abc", "12", "-1"].get(i % 8) {
        labels.insert("replicas".to_string(), replicas.to_string());
    }
    rampart_runtime::ObjectAttributes {
        id: Some(id(u32::from(fresh), i)),
        name: Some(
            [
                format!("cfg-{i}"),
                "o'brien; DROP TABLE configs; --".to_string(),
                format!("Web-{i}"),
                format!("cfg-1{i}"),
                "say \"hi\"".to_string(),
            ][i % 5]
                .clone(),
        ),
        namespace: if uuid {
            None
        } else {
            namespace.map(str::to_string)
        },
        object_type: [
            "Kubernetes::Pod",
            "aws-s3",
            "AWS::EC2::Instance",
            "Kubernetes::Deployment",
        ]
        .get((i + i / 4) % 5)
        .map(|t| t.to_string()),
        class: ["Pod", "Bucket"].get(i % 3).map(|c| c.to_string()),
        agent: [
            None,
            Some(id(2, 0)),
            Some(id(2, 1)),
            Some(id(2, if fresh { 9 } else { 1 })),
        ][i % 4]
            .clone(),
        status: ["running", "stopped"].get(i % 3).map(|s| s.to_string()),
        health: ["healthy", "unhealthy"]
            .get((i / 2) % 3)
            .map(|s| s.to_string()),
        tags,
        labels,
        ..rampart_runtime::ObjectAttributes::default()
    }
}

fn feature_tables(dir: &std::path::Path, uuid: bool) -> Tables {
    let agent = |n: usize| {
        if uuid {
            format!("00000000-0000-4000-8000-0002{n:08x}")
        } else {
            format!("agent-id-{n}")
        }
    };
    let configs: Vec<_> = (0..60).map(|i| feature_config(i, false, uuid)).collect();
    let people: Vec<_> = (0..FEATURES.len())
        .map(|i| serde_json::json!({"id": format!("p{i}"), "name": format!("User {i}"), "email": format!("user{i}@example.com")}))
        .collect();
    let catalog = serde_json::json!({
        "people": people,
        "agents": [{"id": agent(0), "name": "agent-0"}, {"id": agent(1), "name": "agent-1"}],
        "configs": configs,
    });
    let mut policy = String::new();
    for (i, (allow, deny)) in FEATURES.iter().enumerate() {
        for (effect, spec) in [("allow", allow), ("deny", deny)] {
            if spec.is_empty() {
                continue;
            }
            let spec: serde_json::Value = serde_json::from_str(spec).expect("feature JSON");
            policy.push_str(&read_permission(i, effect, &spec));
        }
    }
    compile_json(dir, &catalog, &policy)
}

fn compare_features(uuid: bool) {
    let server = Server::start();
    let schema = if uuid {
        "features_uuid"
    } else {
        "features_text"
    };
    let mut client = server.client(schema);
    let dir = tempfile::tempdir().expect("temporary directory");
    let tables = feature_tables(dir.path(), uuid);
    let (id_type, columns_sql) = if uuid {
        // Names sort by a linguistic collation here, so a filter that compared them
        // without `COLLATE "C"` would not sort as the runtime does.
        ("uuid", "id uuid PRIMARY KEY, name text COLLATE \"und-x-icu\", type text, config_class text, status text, health text, agent_id uuid, tags jsonb, labels jsonb")
    } else {
        ("text", "id text PRIMARY KEY, name text COLLATE \"und-x-icu\", namespace text, type text, config_class text, status text, health text, agent_id text, tags jsonb, labels jsonb")
    };
    client
        .batch_execute(&format!("CREATE TABLE config_items ({columns_sql})"))
        .expect("table");
    let known: Vec<_> = (0..60).map(|i| feature_config(i, false, uuid)).collect();
    let fresh: Vec<_> = (0..60)
        .map(|i| feature_config(i + 60, true, uuid))
        .collect();
    for o in known.iter().chain(&fresh) {
        let namespace = if uuid {
            String::new()
        } else {
            ", namespace".into()
        };
        let namespace_value = if uuid { String::new() } else { ", $10".into() };
        let sql = format!(
            "INSERT INTO config_items (id, name, type, config_class, status, health, agent_id, tags, labels{namespace}) VALUES ($1::text::{id_type}, $2, $3, $4, $5, $6, $7::text::{id_type}, $8::text::jsonb, $9::text::jsonb{namespace_value})"
        );
        let tags = serde_json::to_string(&o.tags).unwrap();
        let labels = serde_json::to_string(&o.labels).unwrap();
        let mut params: Vec<&(dyn ::postgres::types::ToSql + Sync)> = vec![
            &o.id,
            &o.name,
            &o.object_type,
            &o.class,
            &o.status,
            &o.health,
            &o.agent,
            &tags,
            &labels,
        ];
        if !uuid {
            params.push(&o.namespace);
        }
        client.execute(sql.as_str(), &params).expect("insert");
    }
    let mut columns = ColumnMap::mission_control(Category::Config);
    if !uuid {
        columns.assign("namespace=namespace").expect("column");
        columns.set_id_type(Some("text")).expect("type");
    }
    let read = tables.action("read").expect("read");
    let known_keys: Vec<(String, String)> = known
        .iter()
        .map(|o| (o.id.clone().unwrap(), o.id.clone().unwrap()))
        .collect();
    let mut forms = Vec::new();
    for (i, feature) in FEATURES.iter().enumerate() {
        let subject = format!("user{i}@example.com");
        let principal = tables.principal(&subject).expect("principal");
        let (known_allowed, fresh_allowed) = allowed_by_check(
            &tables,
            &subject,
            "read",
            Category::Config,
            &known_keys,
            &fresh,
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
        for value in ["o'brien", "DROP", "say", "hi\"", "agent-0", "prod"] {
            assert!(
                !filter.sql().contains(value),
                "`{value}` spliced into SQL: {}",
                filter.sql()
            );
        }
        let rows = select_ids(&mut client, "config_items", &filter);
        let expected: BTreeSet<String> = if filter.form() == FilterForm::Ids {
            assert!(filter.note().is_some(), "an id list says why");
            known_allowed.clone()
        } else {
            known_allowed.union(&fresh_allowed).cloned().collect()
        };
        assert_eq!(
            rows,
            expected,
            "feature {i} {}\n{}\n{:?}",
            feature.0,
            filter.sql(),
            filter.params()
        );
        assert!(
            !expected.is_empty() && expected.len() < known.len() + fresh.len()
                || feature.0.contains("\"*\""),
            "feature {i} separates rows: {} of {}",
            expected.len(),
            known.len() + fresh.len()
        );
        forms.push(filter.form());
    }
    let last = forms.pop();
    assert_eq!(
        last,
        Some(FilterForm::Ids),
        "numeric search comparisons fall back to ids"
    );
    assert!(
        forms.iter().all(|f| *f == FilterForm::Predicate),
        "{forms:?}"
    );
}

#[test]
fn every_selector_feature_translates_to_sql_that_check_agrees_with() {
    compare_features(false);
}

#[test]
fn mission_control_layout_with_uuid_ids_and_namespaces_in_tags() {
    compare_features(true);
}

/// A tag or label whose JSON value is `null` is present with the value `''` (Mission
/// Control reads tags and labels into a `map[string]string`): a deny on the key's
/// existence, or on `key=`, filters the row out, as `check` denies the object with that
/// key present and empty.
#[test]
fn a_tag_or_label_whose_json_value_is_null_is_present_and_empty() {
    let server = Server::start();
    let mut client = server.client("null_values");
    let dir = tempfile::tempdir().expect("temporary directory");
    let catalog = serde_json::json!({
        "people": [{"id": "p0", "name": "User 0", "email": "user0@example.com"}],
        "configs": [{"id": "c-known", "name": "known", "type": "T"}],
    });
    let mut policy = read_permission(
        0,
        "allow",
        &serde_json::json!({"object": {"configs": [{"name": "*"}]}}),
    );
    policy.push_str(&read_permission(
        0,
        "deny",
        &serde_json::json!({"object": {"configs": [{"labelSelector": "secret"}]}}),
    ));
    policy.push_str(
        &read_permission(
            0,
            "deny",
            &serde_json::json!({"object": {"configs": [{"tagSelector": "team="}]}}),
        )
        .replace("deny-0", "deny-team"),
    );
    let tables = compile_json(dir.path(), &catalog, &policy);
    client
        .batch_execute("CREATE TABLE config_items (id text PRIMARY KEY, name text, type text, tags jsonb, labels jsonb)")
        .expect("table");
    for (id, tags, labels) in [
        ("c-known", "{}", "{}"),
        ("null-label", "{}", r#"{"secret": null}"#),
        ("set-label", "{}", r#"{"secret": "x"}"#),
        ("null-tag", r#"{"team": null}"#, "{}"),
        ("set-tag", r#"{"team": "a"}"#, "{}"),
        ("plain", r#"{"env": null}"#, r#"{"other": null}"#),
    ] {
        client
            .execute(
                "INSERT INTO config_items VALUES ($1, $1, 'T', $2::text::jsonb, $3::text::jsonb)",
                &[&id, &tags, &labels],
            )
            .expect("insert");
    }
    let mut columns = ColumnMap::mission_control(Category::Config);
    columns.set_id_type(Some("text")).expect("type");
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
    assert_eq!(filter.form(), FilterForm::Predicate, "{}", filter.sql());
    let rows = select_ids(&mut client, "config_items", &filter);
    let expected: BTreeSet<String> = ["c-known", "set-tag", "plain"].map(String::from).into();
    assert_eq!(rows, expected, "{}\n{:?}", filter.sql(), filter.params());
    // `check` agrees on the same objects, the null read as present and empty.
    let decide = |tags: serde_json::Value, labels: serde_json::Value| {
        let attributes = rampart_runtime::ObjectAttributes {
            id: Some("fresh".into()),
            name: Some("fresh".into()),
            object_type: Some("T".into()),
            tags: serde_json::from_value(tags).unwrap(),
            labels: serde_json::from_value(labels).unwrap(),
            ..Default::default()
        };
        tables
            .is_authorized(&rampart_runtime::Request::new(
                "user0@example.com",
                "read",
                rampart_runtime::Target::Objects(rampart_runtime::Objects::new().with(
                    Category::Config,
                    rampart_runtime::ObjectRef::Attributes(&attributes),
                )),
            ))
            .expect("check")
            .is_allowed()
    };
    assert!(!decide(
        serde_json::json!({}),
        serde_json::json!({"secret": ""})
    ));
    assert!(!decide(
        serde_json::json!({"team": ""}),
        serde_json::json!({})
    ));
    assert!(decide(
        serde_json::json!({"team": "a"}),
        serde_json::json!({})
    ));
}
