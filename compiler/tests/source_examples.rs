//! Every example of the two source documents answers as the documents say, through the
//! compiled fixture tables.

#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

mod support;

use rampart_runtime::{
    Category, IdTarget, ObjectAttributes, ObjectIds, ObjectRef, Objects, Request, Target,
};
use support::{check, fixture_tables};

const CASES: &[&str] = &[
    "# john@doe.com may run any playbook, only on configs in `mission-control`.",
    "john@doe.com playbook:run playbook=mc/echo-config config=c-mc-pod => allow",
    "john@doe.com playbook:approve playbook=mission-control/restart-pod config=c-mc-deploy => allow",
    "john@doe.com playbook:cancel playbook=mc/loki-logs config=c-mc-pod => allow",
    "john@doe.com playbook:run playbook=mc/echo-config config=c-default-pod => deny",
    "john@doe.com playbook:run playbook=mc/echo-config => deny",
    "john@doe.com playbook:run config=c-mc-pod => deny",
    "john@doe.com read playbook=mc/echo-config config=c-mc-pod => deny",
    "\"John Doe\" playbook:run playbook=mc/echo-config config=c-mc-pod => allow",
    "p-john playbook:run playbook=mc/echo-config config=c-mc-pod => allow",
    "# mc/check-alerts may run and approve echo-config on any config or component.",
    "notification:mc/check-alerts playbook:run playbook=mc/echo-config config=c-default-pod => allow",
    "notification:mc/check-alerts playbook:approve playbook=mc/echo-config component=k-api => allow",
    "notification:mc/check-alerts playbook:cancel playbook=mc/echo-config config=c-default-pod => deny",
    "notification:mc/check-alerts playbook:run playbook=mc/loki-logs config=c-default-pod => deny",
    "# config-notifications members inherit that.",
    "notification:mc/homelab-config-health-alerts playbook:run playbook=mc/echo-config config=c-mc-pod => allow",
    "notification:mc/homelab-config-health-alerts playbook:approve playbook=mc/echo-config => allow",
    "notification:mc/homelab-config-health-alerts playbook:run playbook=mc/loki-logs => deny",
    "# mc/loki-logs may read aws-s3 connections and nothing else.",
    "playbook:mc/loki-logs read connection=mc/loki-bucket => allow",
    "playbook:mc/loki-logs read connection=default/archive-bucket => allow",
    "playbook:mc/loki-logs read connection=mc/alerts-slack => deny",
    "playbook:mc/loki-logs read connection=default/payments-database => deny",
    "playbook:mc/loki-logs update connection=mc/loki-bucket => deny",
    "playbook:mc/loki-logs read config=c-mc-pod => deny",
    "playbook:mc/echo-config read connection=mc/loki-bucket => deny",
    "# Built-in roles.",
    "admin@example.com delete config=c-bucket => allow",
    "admin@example.com read global=database.kratos => deny",
    "jane.doe@example.com update global=catalog => allow",
    "jane.doe@example.com read connection=mc/alerts-slack => allow",
    "jane.doe@example.com playbook:run playbook=mc/echo-config config=c-mc-pod => deny",
    "# A request naming no object: only the admin role's `*` on `*` allows it.",
    "admin@example.com invoke:kubernetes-logs:tail => allow",
    "john@doe.com invoke:kubernetes-logs:tail => deny",
    "# Names that do not resolve are errors, never denials.",
    "nobody@example.com read global=catalog => error unknown_subject",
    "john@doe.com fly config=c-mc-pod => error unknown_action",
    "john@doe.com playbook:runn config=c-mc-pod => error unknown_action",
    "john@doe.com playbook:run playbook=mc/nope config=c-mc-pod => error unknown_object",
    "john@doe.com read config=c-mc-pdo => error unknown_object",
    "john@doe.com read global=catalogue => error unknown_global",
];

#[test]
fn the_examples_answer_as_documented() {
    let t = fixture_tables();
    for case in CASES {
        check(&t, case);
    }
}

#[test]
fn explanations_name_the_permission_its_source_and_the_membership() {
    let t = fixture_tables();
    let run = Request::new(
        "john@doe.com",
        "playbook:run",
        Target::Objects(Objects::new().playbook("mc/echo-config").config("c-mc-pod")),
    );
    let response = t.explain(&run).expect("decided");
    assert!(response.is_allowed());
    let explanation = response.explanation().expect("explained");
    assert_eq!(explanation.deciding.len(), 1);
    assert_eq!(
        explanation.deciding[0].permission,
        "default/allow-user-playbook-run"
    );
    assert_eq!(
        explanation.deciding[0].source,
        "../fixtures/policy/allow-user-playbook-run.yaml:8:9"
    );
    assert_eq!(explanation.deciding[0].via, rampart_runtime::Via::Direct);
    let group = Request::new(
        "notification:mc/homelab-config-health-alerts",
        "playbook:run",
        Target::Objects(Objects::new().playbook("mc/echo-config").config("c-mc-pod")),
    );
    let response = t.explain(&group).expect("decided");
    assert_eq!(
        response.explanation().expect("explained").deciding[0]
            .via
            .to_string(),
        "via group config-notifications"
    );
}

#[test]
fn why_not_says_which_kind_of_deny_and_which_clause_failed() {
    let t = fixture_tables();
    let wrong_namespace = Request::new(
        "john@doe.com",
        "playbook:run",
        Target::Objects(
            Objects::new()
                .playbook("mc/echo-config")
                .config("c-default-pod"),
        ),
    );
    let response = t.explain(&wrong_namespace).expect("decided");
    assert_eq!(response.reason(), rampart_runtime::Reason::NoAllowRule);
    let explanation = response.explanation().expect("explained");
    let candidate = explanation
        .candidates
        .iter()
        .find(|c| c.permission == "default/allow-user-playbook-run")
        .expect("the rule that nearly matched is a candidate");
    assert_eq!(candidate.failed.len(), 1);
    assert_eq!(candidate.failed[0].code(), "not_selected");
    assert!(
        candidate.failed[0].to_string().contains("c-default-pod"),
        "{}",
        candidate.failed[0]
    );
    let kratos = Request::new(
        "admin@example.com",
        "read",
        Target::Global("database.kratos"),
    );
    let response = t.explain(&kratos).expect("decided");
    assert_eq!(response.reason(), rampart_runtime::Reason::ExplicitDeny);
    assert_eq!(
        response.explanation().expect("explained").deciding[0].permission,
        "role:everyone"
    );
}

#[test]
fn objects_the_catalog_did_not_know_are_classified_like_a_recompile() {
    let t = fixture_tables();
    let decide = |config: &ObjectAttributes| {
        let request = Request::new(
            "john@doe.com",
            "playbook:run",
            Target::Objects(
                Objects::new()
                    .playbook("mc/echo-config")
                    .with(Category::Config, ObjectRef::Attributes(config)),
            ),
        );
        t.is_authorized(&request).expect("decided").is_allowed()
    };
    let pod: ObjectAttributes =
        serde_json::from_str(r#"{"id": "new-pod", "name": "x", "namespace": "mission-control", "type": "Kubernetes::Pod"}"#).expect("json");
    assert!(decide(&pod));
    let elsewhere: ObjectAttributes =
        serde_json::from_str(r#"{"id": "new-pod-2", "namespace": "default"}"#).expect("json");
    assert!(!decide(&elsewhere));
    let tagged: ObjectAttributes =
        serde_json::from_str(r#"{"id": "new-bucket", "tags": {"namespace": "mission-control"}}"#)
            .expect("json");
    assert!(decide(&tagged));
}

#[test]
fn tables_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<rampart_runtime::Tables>();
    assert_send_sync::<rampart_runtime::TablesHandle>();
}

#[test]
fn reverse_queries_answer_who_and_what() {
    let t = fixture_tables();
    let run = t.action("playbook:run").expect("action");
    let objects = ObjectIds::pair(
        t.object(Category::Playbook, "mc/echo-config")
            .expect("playbook"),
        t.object(Category::Config, "c-mc-pod").expect("config"),
    )
    .expect("a pair");
    let who: Vec<String> = t
        .who_can(run, &IdTarget::Objects(objects))
        .expect("who-can")
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
    let access = t.access(loki).expect("access");
    let names: Vec<&str> = access
        .iter()
        .filter_map(|a| t.action_name(a.action))
        .collect();
    assert_eq!(names, ["read"]);
    let connections: Vec<&str> = access[0].objects[3]
        .iter()
        .filter_map(|i| t.object_at(Category::Connection, i))
        .filter_map(|o| t.object_key(o))
        .collect();
    assert_eq!(connections, ["default/archive-bucket", "mc/loki-bucket"]);
}

#[test]
fn ids_from_other_tables_are_refused() {
    let a = fixture_tables();
    let b = fixture_tables();
    let john = a.principal("john@doe.com").expect("principal");
    let read = b.action("read").expect("action");
    let pod = b.object(Category::Config, "c-mc-pod").expect("object");
    let error = b
        .check_ids(john, read, &IdTarget::from(pod))
        .expect_err("a stale id is an error");
    assert_eq!(
        error.kind(),
        rampart_runtime::RequestErrorKind::InvalidRequest
    );
}
