#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

//! Every example of the two source documents answers as the documents say, through the
//! compiled fixture tables.

use std::path::PathBuf;

use rampart_compiler::compile::compile;
use rampart_runtime::{format, ObjectRef, Request, RequestObjects, Tables};

fn tables() -> Tables {
    let compiled = compile(
        &[PathBuf::from("../fixtures/policy")],
        Some(&PathBuf::from("../fixtures/catalog.yaml")),
    );
    let data = compiled.map(|c| c.data).unwrap_or_default();
    let bytes = format::encode(&data, "test").unwrap_or_default();
    Tables::from_bytes(&bytes).unwrap_or_else(|e| unreachable!("fixture tables load: {e}"))
}

/// `(subject, action, playbook, config, component, connection, global, expected)`.
type Case = (
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
    bool,
);

fn decide(t: &Tables, case: &Case) -> bool {
    let (subject, action, playbook, config, component, connection, global, _) = *case;
    let key = |k: Option<&str>| k.map(|k| ObjectRef::Key(k.to_string()));
    let objects = RequestObjects {
        playbook: key(playbook),
        config: key(config),
        component: key(component),
        connection: key(connection),
    };
    let request = Request {
        subject: subject.into(),
        action: action.into(),
        objects: global.is_none().then_some(objects),
        global: global.map(str::to_string),
    };
    t.decide(&request, false).allowed
}

#[test]
fn the_examples_answer_as_documented() {
    let t = tables();
    let cases: &[Case] = &[
        // john@doe.com may run any playbook, only on configs in `mission-control`.
        (
            "john@doe.com",
            "playbook:run",
            Some("mc/echo-config"),
            Some("c-mc-pod"),
            None,
            None,
            None,
            true,
        ),
        (
            "john@doe.com",
            "playbook:approve",
            Some("mission-control/restart-pod"),
            Some("c-mc-deploy"),
            None,
            None,
            None,
            true,
        ),
        (
            "john@doe.com",
            "playbook:cancel",
            Some("mc/loki-logs"),
            Some("c-mc-pod"),
            None,
            None,
            None,
            true,
        ),
        (
            "john@doe.com",
            "playbook:run",
            Some("mc/echo-config"),
            Some("c-default-pod"),
            None,
            None,
            None,
            false,
        ),
        (
            "john@doe.com",
            "playbook:run",
            Some("mc/echo-config"),
            None,
            None,
            None,
            None,
            false,
        ),
        (
            "john@doe.com",
            "playbook:run",
            None,
            Some("c-mc-pod"),
            None,
            None,
            None,
            false,
        ),
        (
            "john@doe.com",
            "read",
            Some("mc/echo-config"),
            Some("c-mc-pod"),
            None,
            None,
            None,
            false,
        ),
        (
            "John Doe",
            "playbook:run",
            Some("mc/echo-config"),
            Some("c-mc-pod"),
            None,
            None,
            None,
            true,
        ),
        (
            "p-john",
            "playbook:run",
            Some("mc/echo-config"),
            Some("c-mc-pod"),
            None,
            None,
            None,
            true,
        ),
        // mc/check-alerts may run and approve echo-config on any config or component.
        (
            "notification:mc/check-alerts",
            "playbook:run",
            Some("mc/echo-config"),
            Some("c-default-pod"),
            None,
            None,
            None,
            true,
        ),
        (
            "notification:mc/check-alerts",
            "playbook:approve",
            Some("mc/echo-config"),
            None,
            Some("k-api"),
            None,
            None,
            true,
        ),
        (
            "notification:mc/check-alerts",
            "playbook:cancel",
            Some("mc/echo-config"),
            Some("c-default-pod"),
            None,
            None,
            None,
            false,
        ),
        (
            "notification:mc/check-alerts",
            "playbook:run",
            Some("mc/loki-logs"),
            Some("c-default-pod"),
            None,
            None,
            None,
            false,
        ),
        // config-notifications members inherit that.
        (
            "notification:mc/homelab-config-health-alerts",
            "playbook:run",
            Some("mc/echo-config"),
            Some("c-mc-pod"),
            None,
            None,
            None,
            true,
        ),
        (
            "notification:mc/homelab-config-health-alerts",
            "playbook:approve",
            Some("mc/echo-config"),
            None,
            None,
            None,
            None,
            true,
        ),
        (
            "notification:mc/homelab-config-health-alerts",
            "playbook:run",
            Some("mc/loki-logs"),
            None,
            None,
            None,
            None,
            false,
        ),
        // mc/loki-logs may read aws-s3 connections and nothing else.
        (
            "playbook:mc/loki-logs",
            "read",
            None,
            None,
            None,
            Some("mc/loki-bucket"),
            None,
            true,
        ),
        (
            "playbook:mc/loki-logs",
            "read",
            None,
            None,
            None,
            Some("default/archive-bucket"),
            None,
            true,
        ),
        (
            "playbook:mc/loki-logs",
            "read",
            None,
            None,
            None,
            Some("mc/alerts-slack"),
            None,
            false,
        ),
        (
            "playbook:mc/loki-logs",
            "read",
            None,
            None,
            None,
            Some("default/payments-database"),
            None,
            false,
        ),
        (
            "playbook:mc/loki-logs",
            "update",
            None,
            None,
            None,
            Some("mc/loki-bucket"),
            None,
            false,
        ),
        (
            "playbook:mc/loki-logs",
            "read",
            None,
            Some("c-mc-pod"),
            None,
            None,
            None,
            false,
        ),
        (
            "playbook:mc/echo-config",
            "read",
            None,
            None,
            None,
            Some("mc/loki-bucket"),
            None,
            false,
        ),
        // Built-in roles.
        (
            "admin@example.com",
            "delete",
            None,
            Some("c-bucket"),
            None,
            None,
            None,
            true,
        ),
        (
            "admin@example.com",
            "read",
            None,
            None,
            None,
            None,
            Some("database.kratos"),
            false,
        ),
        (
            "jane.doe@example.com",
            "update",
            None,
            None,
            None,
            None,
            Some("catalog"),
            true,
        ),
        (
            "jane.doe@example.com",
            "read",
            None,
            None,
            None,
            Some("mc/alerts-slack"),
            None,
            true,
        ),
        (
            "jane.doe@example.com",
            "playbook:run",
            Some("mc/echo-config"),
            Some("c-mc-pod"),
            None,
            None,
            None,
            false,
        ),
        // Unknown names deny.
        (
            "nobody@example.com",
            "read",
            None,
            None,
            None,
            None,
            Some("catalog"),
            false,
        ),
        (
            "john@doe.com",
            "fly",
            None,
            Some("c-mc-pod"),
            None,
            None,
            None,
            false,
        ),
        (
            "john@doe.com",
            "playbook:run",
            Some("mc/nope"),
            Some("c-mc-pod"),
            None,
            None,
            None,
            false,
        ),
    ];
    for case in cases {
        assert_eq!(decide(&t, case), case.7, "{case:?}");
    }
}

#[test]
fn explanations_name_the_permission_and_its_source() {
    let t = tables();
    let request = Request {
        subject: "john@doe.com".into(),
        action: "playbook:run".into(),
        objects: Some(RequestObjects {
            playbook: Some(ObjectRef::Key("mc/echo-config".into())),
            config: Some(ObjectRef::Key("c-mc-pod".into())),
            ..RequestObjects::default()
        }),
        global: None,
    };
    let decision = t.decide(&request, true);
    assert!(decision.allowed);
    assert_eq!(decision.permissions.len(), 1);
    assert_eq!(
        decision.permissions[0].name,
        "default/allow-user-playbook-run"
    );
    assert_eq!(
        decision.permissions[0].source,
        "../fixtures/policy/allow-user-playbook-run.yaml:8:9"
    );
}

#[test]
fn objects_the_catalog_did_not_know_are_classified_like_a_recompile() {
    let t = tables();
    let unknown: ObjectRef = serde_json::from_str(r#"{"id": "new-pod", "name": "x", "namespace": "mission-control", "type": "Kubernetes::Pod"}"#).unwrap_or(ObjectRef::Key(String::new()));
    let request = |config: ObjectRef| Request {
        subject: "john@doe.com".into(),
        action: "playbook:run".into(),
        objects: Some(RequestObjects {
            playbook: Some(ObjectRef::Key("mc/echo-config".into())),
            config: Some(config),
            ..RequestObjects::default()
        }),
        global: None,
    };
    assert!(t.decide(&request(unknown), false).allowed);
    let elsewhere: ObjectRef =
        serde_json::from_str(r#"{"id": "new-pod-2", "namespace": "default"}"#)
            .unwrap_or(ObjectRef::Key(String::new()));
    assert!(!t.decide(&request(elsewhere), false).allowed);
    let tagged: ObjectRef =
        serde_json::from_str(r#"{"id": "new-bucket", "tags": {"namespace": "mission-control"}}"#)
            .unwrap_or(ObjectRef::Key(String::new()));
    assert!(t.decide(&request(tagged), false).allowed);
}

#[test]
fn tables_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Tables>();
    assert_send_sync::<rampart_runtime::TablesHandle>();
}

#[test]
fn reverse_queries_answer_who_and_what() {
    let t = tables();
    let run = t.action("playbook:run").expect("action");
    let objects = rampart_runtime::ObjectIds {
        playbook: t.object(rampart_runtime::Category::Playbook, "mc/echo-config"),
        config: t.object(rampart_runtime::Category::Config, "c-mc-pod"),
        ..Default::default()
    };
    let who: Vec<String> = t
        .who_can(run, &objects)
        .into_iter()
        .filter_map(|p| t.principal_name(p))
        .collect();
    assert_eq!(
        who,
        [
            "john@doe.com",
            "admin@example.com",
            "notification:mc/check-alerts",
            "notification:mc/homelab-config-health-alerts"
        ]
    );
    let loki = t.principal("playbook:mc/loki-logs").expect("principal");
    let access = t.access(loki);
    assert_eq!(access.keys().collect::<Vec<_>>(), ["read"]);
    let connections: Vec<&str> = access["read"].objects[3]
        .iter()
        .filter_map(|o| t.object_key(rampart_runtime::Category::Connection, o))
        .collect();
    assert_eq!(connections, ["default/archive-bucket", "mc/loki-bucket"]);
}
