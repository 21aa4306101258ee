//! The check path allocates nothing: a counting global allocator watches one-object
//! checks by ids and by names (with canonical names), allowed and denied, after the
//! tables are loaded.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use rampart_runtime::{Category, IdTarget, Objects, Request, Tables, Target};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; only a counter is added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_during(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    f();
    ALLOCATIONS.load(Ordering::Relaxed) - before
}

#[test]
fn one_object_checks_allocate_nothing() {
    let tables = Tables::load("../fixtures/tables/format-v3.rampart").expect("golden tables");
    let john = tables.principal("john@doe.com").unwrap();
    let read = tables.action("read").unwrap();
    let run = tables.action("playbook:run").unwrap();
    let pod = tables.object(Category::Config, "c-mc-pod").unwrap();
    let echo = tables.object(Category::Playbook, "mc/echo-config").unwrap();
    let one = IdTarget::from(pod);
    let pair = IdTarget::Objects(rampart_runtime::ObjectIds::pair(echo, pod).unwrap());
    let by_name = Request::new(
        "john@doe.com",
        "read",
        Target::Objects(Objects::new().config("c-mc-pod")),
    );
    let denied = Request::new(
        "john@doe.com",
        "delete",
        Target::Objects(Objects::new().config("c-default-pod")),
    );
    let two = Request::new(
        "john@doe.com",
        "playbook:run",
        Target::Objects(Objects::new().playbook("mc/echo-config").config("c-mc-pod")),
    );
    let mut answers = Vec::with_capacity(8);
    let n = allocations_during(|| {
        answers.push(tables.check_ids(john, read, &one).unwrap().is_allowed());
        answers.push(tables.check_ids(john, run, &pair).unwrap().is_allowed());
        answers.push(tables.is_authorized(&by_name).unwrap().is_allowed());
        answers.push(tables.is_authorized(&denied).unwrap().is_allowed());
        answers.push(tables.is_authorized(&two).unwrap().is_allowed());
        answers.push(
            tables
                .check_ids(john, read, &IdTarget::Unscoped)
                .unwrap()
                .is_allowed(),
        );
    });
    assert_eq!(n, 0, "the check path allocated {n} times");
    assert_eq!(answers, [false, true, false, false, true, false]);
}
