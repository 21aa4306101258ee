//! Differential tests: random worlds, documents and requests; the compiled tables (by
//! name, by interned ids, with explanations, and after a trip through the file format)
//! must agree with the reference evaluator on every request.

#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::large_enum_variant,
    clippy::needless_range_loop,
    clippy::option_as_ref_deref,
    clippy::cloned_ref_to_slice_refs
)]

mod reference;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;
use rampart_compiler::compile::compile;
use rampart_runtime::{
    format, Category, ObjectAttributes, ObjectIds, ObjectRef, Request, RequestObjects, Tables,
};
use reference::generate::{catalog_yaml, documents_yaml, requests, world, GeneratedRequest};
use reference::{Object, Principal, Target, World};

static REQUESTS_CHECKED: AtomicUsize = AtomicUsize::new(0);

fn compile_world(w: &World) -> Tables {
    let dir = tempfile::tempdir().expect("temporary directory");
    let catalog = dir.path().join("catalog.yaml");
    let documents = dir.path().join("policy.yaml");
    std::fs::write(&catalog, catalog_yaml(w)).expect("write catalog");
    std::fs::write(&documents, documents_yaml(w)).expect("write documents");
    let compiled = match compile(&[documents.clone()], Some(&catalog)) {
        Ok(c) => c,
        Err(diagnostics) => {
            let text: Vec<String> = diagnostics.iter().map(|d| d.to_string()).collect();
            panic!(
                "generated input does not compile:\n{}\n--- documents\n{}",
                text.join("\n"),
                documents_yaml(w)
            );
        }
    };
    let bytes = format::encode(&compiled.data, "test").expect("encode");
    Tables::from_bytes(&bytes).expect("tables load")
}

fn attributes(o: &Object) -> ObjectAttributes {
    ObjectAttributes {
        id: o.id.clone(),
        name: Some(o.name.clone()),
        namespace: o.namespace.clone(),
        object_type: o.kind.clone(),
        agent: o.agent_id.clone(),
        status: o.status.clone(),
        health: o.health.clone(),
        tags: o.tags.clone(),
        labels: o.labels.clone(),
        ..ObjectAttributes::default()
    }
}

fn subject(w: &World, p: &Principal) -> String {
    match p {
        Principal::Person(i) => w.people[*i].email.clone(),
        Principal::Playbook(i) => {
            let o = &w.objects[0][*i];
            format!(
                "playbook:{}/{}",
                o.namespace.clone().unwrap_or_default(),
                o.name
            )
        }
        Principal::Notification(i) => format!(
            "notification:{}/{}",
            w.notifications[*i].0, w.notifications[*i].1
        ),
    }
}

fn object_key(w: &World, c: usize, i: usize) -> String {
    let o = &w.objects[c][i];
    match c {
        0 | 3 => format!("{}/{}", o.namespace.clone().unwrap_or_default(), o.name),
        _ => o.id.clone().unwrap_or_default(),
    }
}

fn check_request(w: &World, tables: &Tables, r: &GeneratedRequest) -> Result<(), TestCaseError> {
    let mut target_objects: [Option<Object>; 4] = Default::default();
    let mut request_objects = RequestObjects::default();
    let mut ids = ObjectIds::default();
    let mut all_known = true;
    for (c, category) in Category::ALL.into_iter().enumerate() {
        let Some((index, unknown)) = &r.objects[c] else {
            continue;
        };
        let (object, reference) = match index {
            Some(i) => (
                w.objects[c][*i].clone(),
                ObjectRef::Key(object_key(w, c, *i)),
            ),
            None => {
                all_known = false;
                (
                    unknown.clone(),
                    ObjectRef::Attributes(Box::new(attributes(unknown))),
                )
            }
        };
        if let (Some(i), ObjectRef::Key(k)) = (index, &reference) {
            let id = tables.object(category, k);
            prop_assert!(id.is_some(), "object {k} ({i}) not in tables");
            ids.set(category, id.unwrap_or(rampart_runtime::ObjectId(0)));
        }
        match c {
            0 => request_objects.playbook = Some(reference),
            1 => request_objects.config = Some(reference),
            2 => request_objects.component = Some(reference),
            _ => request_objects.connection = Some(reference),
        }
        target_objects[c] = Some(object);
    }
    let target = match &r.global {
        Some(g) => Target::Global(g.clone()),
        None => Target::Objects(target_objects),
    };
    let expected = w.allowed(&r.principal, &r.action, &target);
    let request = Request {
        subject: subject(w, &r.principal),
        action: r.action.clone(),
        objects: r.global.is_none().then_some(request_objects),
        global: r.global.clone(),
    };
    let decision = tables.decide(&request, false);
    if decision.allowed != expected {
        if let Ok(dir) = std::env::var("RAMPART_DUMP_FAILURE") {
            let _ = std::fs::write(format!("{dir}/catalog.yaml"), catalog_yaml(w));
            let _ = std::fs::write(format!("{dir}/policy.yaml"), documents_yaml(w));
            let _ = std::fs::write(
                format!("{dir}/request.json"),
                serde_json::to_string(&request).unwrap_or_default(),
            );
        }
    }
    prop_assert_eq!(
        decision.allowed,
        expected,
        "by name: {:?} -> {:?}\nreference: {:#?}",
        request,
        decision,
        w.matching(&r.principal, &r.action, &target)
    );
    let explained = tables.decide(&request, true);
    prop_assert_eq!(
        explained.allowed,
        expected,
        "explained: {:?} -> {:?}",
        request,
        explained
    );
    prop_assert_eq!(
        explained.permissions.is_empty(),
        !expected && explained.reason != rampart_runtime::Reason::Denied
    );
    if all_known && r.global.is_none() {
        let principal = tables.principal(&request.subject);
        let action = tables.action(&request.action);
        prop_assert!(principal.is_some() && action.is_some());
        if let (Some(p), Some(a)) = (principal, action) {
            prop_assert_eq!(
                tables.check_ids(p, a, &ids),
                expected,
                "by ids: {:?}",
                request
            );
            prop_assert_eq!(
                tables.who_can(a, &ids).contains(&p),
                expected,
                "who-can: {:?}",
                request
            );
        }
    }
    REQUESTS_CHECKED.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 250, ..ProptestConfig::default() })]

    #[test]
    fn tables_agree_with_the_reference((w, batch) in world().prop_flat_map(|w| { let r = requests(&w, 60); (Just(w), r) })) {
        let tables = compile_world(&w);
        for r in &batch {
            check_request(&w, &tables, r)?;
        }
    }
}

#[test]
fn identical_input_gives_identical_bytes() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    for _ in 0..20 {
        let w = world().new_tree(&mut runner).expect("world").current();
        let dir = tempfile::tempdir().expect("temporary directory");
        let catalog = dir.path().join("catalog.yaml");
        let documents = dir.path().join("policy.yaml");
        std::fs::write(&catalog, catalog_yaml(&w)).expect("write");
        std::fs::write(&documents, documents_yaml(&w)).expect("write");
        let a = compile(&[documents.clone()], Some(&catalog))
            .map(|c| format::encode(&c.data, "x").expect("encode"));
        let b = compile(&[documents.clone()], Some(&catalog))
            .map(|c| format::encode(&c.data, "x").expect("encode"));
        assert!(a.is_ok());
        assert_eq!(a.ok(), b.ok());
    }
}

#[test]
fn count_of_generated_requests_is_reported() {
    // Keeps the figure visible in CI logs; the property test above runs 250 worlds x 60
    // requests = 15,000 requests.
    let _ = BTreeMap::<u8, u8>::new();
    let n = REQUESTS_CHECKED.load(Ordering::Relaxed);
    println!("requests checked so far in this process: {n}");
}
