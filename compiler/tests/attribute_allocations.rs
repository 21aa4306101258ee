//! Classifying an object the catalog does not know, described by its attributes,
//! allocates nothing: every selector pattern (tag, label and field selectors with
//! wildcards, search queries, name patterns) is compiled when the tables load, and
//! matching parses and allocates nothing. A counting global allocator watches the checks
//! (the runtime's `allocations` test watches the golden tables' simpler selectors).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use rampart_runtime::{Category, ObjectAttributes, ObjectRef, Objects, Request, Target};

struct Counting;

thread_local! {
    /// Allocations made by this thread (compilation's worker threads are not counted).
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded unchanged to the system allocator; only a counter is added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_during(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

/// One Permission per selector language, each allowing `read` to john.
const POLICY: &str = r#"
apiVersion: mission-control.flanksource.com/v1
kind: Permission
metadata: {name: by-tags}
spec:
  subject: {person: john@doe.com}
  actions: [read]
  object:
    configs:
      - tagSelector: "env in (prod,staging),team in (pay,payments),!legacy"
---
apiVersion: mission-control.flanksource.com/v1
kind: Permission
metadata: {name: by-labels}
spec:
  subject: {person: john@doe.com}
  actions: [read]
  object:
    components:
      - labelSelector: "tier in (web-backend,web-frontend),replicas>2"
---
apiVersion: mission-control.flanksource.com/v1
kind: Permission
metadata: {name: by-fields-and-names}
spec:
  subject: {person: john@doe.com}
  actions: [delete]
  object:
    configs:
      - name: "*-api-*,!*-canary"
        fieldSelector: "status in (healthy,running),health!=unhealthy"
---
apiVersion: mission-control.flanksource.com/v1
kind: Permission
metadata: {name: by-search}
spec:
  subject: {person: john@doe.com}
  actions: [update]
  object:
    configs:
      - search: "(tags.env=prod | labels.app=billing*) type!=AWS::* properties.size>10 payments"
"#;

fn attributes(
    name: &str,
    object_type: &str,
    status: &str,
    tags: &[(&str, &str)],
    labels: &[(&str, &str)],
    properties: &[(&str, &str)],
) -> ObjectAttributes {
    let map = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    ObjectAttributes {
        name: Some(name.into()),
        object_type: Some(object_type.into()),
        status: Some(status.into()),
        tags: map(tags),
        labels: map(labels),
        properties: map(properties),
        ..ObjectAttributes::default()
    }
}

#[test]
fn checks_of_objects_described_by_attributes_allocate_nothing() {
    let dir = tempfile::tempdir().expect("temporary directory");
    std::fs::write(dir.path().join("policy.yaml"), POLICY).expect("write policy");
    let tables = support::compile_paths(
        &[dir.path().to_str().expect("utf-8 path")],
        "../fixtures/catalog.yaml",
    );
    let tagged = attributes(
        "Payments-API-0",
        "Kubernetes::Pod",
        "Healthy",
        &[("env", "PROD"), ("team", "Payments")],
        &[("app", "Billing-Ünit")],
        &[("size", "12")],
    );
    let legacy = attributes(
        "payments-api-canary",
        "AWS::S3::Bucket",
        "healthy",
        &[("env", "staging"), ("team", "pay"), ("legacy", "")],
        &[],
        &[("size", "9")],
    );
    let web = attributes(
        "api",
        "Service",
        "healthy",
        &[],
        &[("tier", "Web-Frontend"), ("replicas", "3")],
        &[],
    );
    // A component has no tags (Mission Control has none): the labelled object, without.
    let untagged = ObjectAttributes {
        tags: Default::default(),
        ..tagged.clone()
    };
    let config =
        |a| Target::Objects(Objects::new().with(Category::Config, ObjectRef::Attributes(a)));
    let component =
        |a| Target::Objects(Objects::new().with(Category::Component, ObjectRef::Attributes(a)));
    let requests = [
        Request::new("john@doe.com", "read", config(&tagged)),
        Request::new("john@doe.com", "read", config(&legacy)),
        Request::new("john@doe.com", "delete", config(&tagged)),
        Request::new("john@doe.com", "delete", config(&legacy)),
        Request::new("john@doe.com", "update", config(&tagged)),
        Request::new("john@doe.com", "update", config(&legacy)),
        Request::new("john@doe.com", "read", component(&web)),
        Request::new("john@doe.com", "read", component(&untagged)),
    ];
    let mut answers = Vec::with_capacity(requests.len());
    let n = allocations_during(|| {
        for request in &requests {
            answers.push(tables.is_authorized(request).unwrap().is_allowed());
        }
    });
    assert_eq!(n, 0, "checks of described objects allocated {n} times");
    assert_eq!(
        answers,
        [true, false, true, false, true, false, true, false],
        "every selector language selects the object it describes, and only it"
    );
}
