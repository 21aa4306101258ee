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
use rampart_compiler::emit::encode;
use rampart_runtime::{
    Category, IdTarget, ObjectAttributes, ObjectIds, ObjectRef, Objects, Reason, Request, Tables,
    Target,
};
use reference::generate::{catalog_yaml, documents_yaml, requests, world, GeneratedRequest};
use reference::{Object, Principal, World};

static REQUESTS_CHECKED: AtomicUsize = AtomicUsize::new(0);

fn compile_world(w: &World) -> Tables {
    let dir = tempfile::tempdir().expect("temporary directory");
    let catalog = dir.path().join("catalog.yaml");
    let documents = dir.path().join("policy.yaml");
    std::fs::write(&catalog, catalog_yaml(w)).expect("write catalog");
    std::fs::write(&documents, documents_yaml(w)).expect("write documents");
    let compiled = match compile(&[documents.clone()], Some(&catalog), &|_| {}) {
        Ok(c) => c,
        Err(diagnostics) => {
            let text: Vec<String> = diagnostics.iter().map(|d| d.to_string()).collect();
            panic!(
                "generated input does not compile:\n{}\n--- documents\n{}\n--- catalog\n{}",
                text.join("\n"),
                documents_yaml(w),
                catalog_yaml(w)
            );
        }
    };
    let bytes = encode(&compiled.data, None).expect("encode");
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
    let mut keys: [Option<String>; 4] = Default::default();
    let mut unknown: [Option<ObjectAttributes>; 4] = Default::default();
    for c in 0..4 {
        let Some((index, described)) = &r.objects[c] else {
            continue;
        };
        match index {
            Some(i) => {
                target_objects[c] = Some(w.objects[c][*i].clone());
                keys[c] = Some(object_key(w, c, *i));
            }
            None => {
                target_objects[c] = Some(described.clone());
                unknown[c] = Some(attributes(described));
            }
        }
    }
    let mut objects = Objects::new();
    for (c, category) in Category::ALL.into_iter().enumerate() {
        if let Some(k) = &keys[c] {
            objects = objects.with(category, ObjectRef::Key(k));
        } else if let Some(a) = &unknown[c] {
            objects = objects.with(category, ObjectRef::Attributes(a));
        }
    }
    let (target, reference_target) = match &r.global {
        Some(g) => (Target::Global(g), reference::Target::Global(g.clone())),
        None if objects.is_empty() => (
            Target::Unscoped,
            reference::Target::Objects(Default::default()),
        ),
        None => (
            Target::Objects(objects),
            reference::Target::Objects(target_objects),
        ),
    };
    let expected = w.allowed(&r.principal, &r.action, &reference_target);
    let name = subject(w, &r.principal);
    let request = Request::new(&name, &r.action, target);
    let response = tables
        .is_authorized(&request)
        .map_err(|e| TestCaseError::fail(format!("{request:?}: {e}")))?;
    if response.is_allowed() != expected {
        if let Ok(dir) = std::env::var("RAMPART_DUMP_FAILURE") {
            let _ = std::fs::write(format!("{dir}/catalog.yaml"), catalog_yaml(w));
            let _ = std::fs::write(format!("{dir}/policy.yaml"), documents_yaml(w));
            let _ = std::fs::write(format!("{dir}/request.txt"), format!("{request:?}"));
        }
    }
    prop_assert_eq!(
        response.is_allowed(),
        expected,
        "by name: {:?} -> {:?}\nreference: {:#?}",
        request,
        response,
        w.matching(&r.principal, &r.action, &reference_target)
    );
    let explained = tables
        .explain(&request)
        .map_err(|e| TestCaseError::fail(format!("explain {request:?}: {e}")))?;
    prop_assert_eq!(
        explained.effect(),
        response.effect(),
        "explained: {:?}",
        request
    );
    prop_assert_eq!(
        explained.reason(),
        response.reason(),
        "explained reason: {:?}",
        request
    );
    let explanation = explained.explanation().expect("an explanation");
    prop_assert_eq!(
        explanation.deciding.is_empty(),
        response.reason() == Reason::NoAllowRule
    );
    let all_known = unknown.iter().all(Option::is_none);
    if all_known {
        let principal = tables.principal(&name).expect("principal");
        let action = tables.action(&r.action).expect("action");
        let ids = match &r.global {
            Some(g) => IdTarget::Global(tables.global(g).expect("global")),
            None => {
                let mut ids: Option<ObjectIds> = None;
                for (c, category) in Category::ALL.into_iter().enumerate() {
                    if let Some(k) = &keys[c] {
                        let id = tables.object(category, k).expect("object");
                        ids = Some(match ids {
                            None => ObjectIds::one(id),
                            Some(ids) => ids.and(id).expect("distinct categories"),
                        });
                    }
                }
                ids.map(IdTarget::Objects).unwrap_or(IdTarget::Unscoped)
            }
        };
        prop_assert_eq!(
            tables
                .check_ids(principal, action, &ids)
                .expect("by ids")
                .is_allowed(),
            expected,
            "by ids: {:?}",
            request
        );
        prop_assert_eq!(
            tables
                .who_can(action, &ids)
                .expect("who-can")
                .contains(&principal),
            expected,
            "who-can: {:?}",
            request
        );
        if let IdTarget::Objects(objects) = ids {
            let present: Vec<_> = objects.iter().collect();
            match present.as_slice() {
                [one] => {
                    let listing = tables
                        .list(principal, action, one.category())
                        .expect("list");
                    prop_assert_eq!(
                        listing.bitmap().contains(one.index() as u32),
                        expected,
                        "list: {:?}",
                        request
                    );
                }
                [a, b] => {
                    let listing = tables
                        .list_with(principal, action, b.category(), *a)
                        .expect("list with");
                    prop_assert_eq!(
                        listing.bitmap().contains(b.index() as u32),
                        expected,
                        "list with: {:?}",
                        request
                    );
                    let reverse = tables
                        .list_with(principal, action, a.category(), *b)
                        .expect("list with");
                    prop_assert_eq!(
                        reverse.bitmap().contains(a.index() as u32),
                        expected,
                        "list with (reverse): {:?}",
                        request
                    );
                    let shape = rampart_runtime::PairShape::new(a.category(), b.category())
                        .expect("a pair");
                    let (first, second) = if a.category() == shape.first() {
                        (a, b)
                    } else {
                        (b, a)
                    };
                    let grants = tables
                        .pair_grants(principal, action, shape)
                        .expect("pair grants");
                    let granted = grants.iter().any(|(firsts, seconds)| {
                        firsts.contains(first.index() as u32)
                            && seconds.contains(second.index() as u32)
                    });
                    prop_assert_eq!(granted, expected, "pair grants: {:?}", request);
                }
                _ => {}
            }
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
        let a = compile(&[documents.clone()], Some(&catalog), &|_| {})
            .map(|c| encode(&c.data, None).expect("encode"));
        let b = compile(&[documents.clone()], Some(&catalog), &|_| {})
            .map(|c| encode(&c.data, None).expect("encode"));
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
