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

use proptest::prelude::*;
use rampart_compiler::compile::compile;
use rampart_compiler::emit::encode;
use rampart_compiler::oracle::{disagreements, Oracle};
use rampart_runtime::json::request::{JsonObject, JsonObjects, JsonRequest};
use rampart_runtime::{Category, IdTarget, ObjectIds, Reason, Tables};
use reference::extend::target;
use reference::generate::{
    catalog_yaml, compile_tables, documents_yaml, requests, world, GeneratedRequest,
};
use reference::World;

impl Oracle for World {
    type Case = GeneratedRequest;

    fn request(&self, r: &GeneratedRequest) -> JsonRequest {
        let mut objects = JsonObjects::default();
        for (c, category) in Category::ALL.into_iter().enumerate() {
            match &r.objects[c] {
                Some((Some(i), _)) => {
                    objects.set(category, JsonObject::Key(self.object_key(c, *i)))
                }
                Some((None, described)) => objects.set(
                    category,
                    JsonObject::Attributes(Box::new(described.attributes())),
                ),
                None => {}
            }
        }
        JsonRequest {
            subject: self.subject_name(&r.principal),
            action: r.action.clone(),
            objects: r.global.is_none().then_some(objects),
            global: r.global.clone(),
        }
    }

    fn allowed(&self, r: &GeneratedRequest) -> bool {
        self.decide(&r.principal, &r.action, &target(self, r))
    }

    fn matching(&self, r: &GeneratedRequest) -> Vec<String> {
        self.matching_permissions(&r.principal, &r.action, &target(self, r))
    }
}

/// Beyond the decision by name (compared by [`disagreements`]): explanations, ids,
/// who-can, listings and pair grants must tell the same story.
fn check_request(w: &World, tables: &Tables, r: &GeneratedRequest) -> Result<(), TestCaseError> {
    let json = Oracle::request(w, r);
    let request = json
        .to_request()
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let expected = Oracle::allowed(w, r);
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
        Oracle::matching(w, r)
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
    let keys: Vec<(Category, &str)> = json
        .objects
        .iter()
        .flat_map(JsonObjects::iter)
        .filter_map(|(c, o)| match o {
            JsonObject::Key(k) => Some((c, k.as_str())),
            JsonObject::Attributes(_) => None,
        })
        .collect();
    let all_known = json.objects.iter().flat_map(JsonObjects::iter).count() == keys.len();
    if all_known {
        let principal = tables.principal(&json.subject).expect("principal");
        let action = tables.action(&r.action).expect("action");
        let ids = match &r.global {
            Some(g) => IdTarget::Global(tables.global(g).expect("global")),
            None => {
                let mut ids: Option<ObjectIds> = None;
                for (category, k) in &keys {
                    {
                        let id = tables.object(*category, k).expect("object");
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
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 250, ..ProptestConfig::default() })]

    #[test]
    fn tables_agree_with_the_reference((w, batch) in world().prop_flat_map(|w| { let r = requests(&w, 60); (Just(w), r) })) {
        let tables = compile_tables(&w);
        let wrong = disagreements(&w, &tables, &batch);
        prop_assert!(wrong.is_empty(), "{} disagreements with the reference, first: {:#?}", wrong.len(), wrong.first());
        for r in &batch {
            check_request(&w, &tables, r)?;
        }
    }
}

/// The generated worlds hold Scopes, permissions reference them (with and without
/// `id`), and requests are decided through scope targets, allowed and denied: the
/// agreement above covers `object.scopes`, not only worlds without it.
#[test]
fn generated_requests_are_decided_through_scopes() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut scoped, mut allowed, mut denied, mut with_id) = (0, 0, 0, 0);
    for _ in 0..80 {
        let (w, batch) = world()
            .prop_flat_map(|w| {
                let r = requests(&w, 60);
                (Just(w), r)
            })
            .new_tree(&mut runner)
            .expect("world")
            .current();
        with_id += w
            .permissions
            .iter()
            .flat_map(|p| p.scopes.iter().flatten())
            .filter(|(s, id)| *id && w.scopes[*s].uid.is_some())
            .count();
        for r in &batch {
            let t = target(&w, r);
            if w.scoped_matches(&r.principal, &r.action, &t) > 0 {
                scoped += 1;
                if w.decide(&r.principal, &r.action, &t) {
                    allowed += 1;
                } else {
                    denied += 1;
                }
            }
        }
    }
    println!("requests matched by scoped permissions: {scoped} ({allowed} allowed, {denied} denied); references with id: {with_id}");
    assert!(
        scoped >= 90 && allowed >= 25 && denied >= 15 && with_id >= 5,
        "requests matched by scoped permissions: {scoped} ({allowed} allowed, {denied} denied); references with id: {with_id}"
    );
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
