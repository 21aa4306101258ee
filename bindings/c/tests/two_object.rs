//! Two-object grants through the C ABI (issue 20, item 22 on the bindings): asked who may
//! act on one object, `rampart_who_can_json` must name every subject the runtime allows
//! on that object together with an object of another category — in `subjects` when it is
//! allowed alone, else in `conditional` with that category — for every action, object,
//! subject and pairing object of the fixtures' tables. Before the fix the call answered
//! the subjects allowed alone only, and `john@doe.com`, who may run `mc/echo-config` on
//! the mission-control configs, was absent: an auditor read "john may not".

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::collections::BTreeSet;

use rampart::*;
use rampart_runtime::{Category, IdTarget, ObjectIds, Tables};
use serde_json::Value;
use support::*;

/// `rampart_who_can_json` on one object by its key.
fn c_who_can(t: *const RampartTables, action: &str, category: Category, key: &str) -> Value {
    let text = |s: &str| RampartStr {
        ptr: s.as_ptr(),
        len: s.len(),
    };
    let absent = RampartStr {
        ptr: std::ptr::null(),
        len: 0,
    };
    let mut keys = [absent; 4];
    keys[category.index()] = text(key);
    let target = RampartTarget {
        playbook: keys[0],
        config: keys[1],
        component: keys[2],
        connection: keys[3],
        global: absent,
    };
    let mut out = RampartBuffer {
        ptr: std::ptr::null_mut(),
        len: 0,
    };
    let mut error = std::ptr::null_mut();
    // SAFETY: valid pointers and lengths; the buffer is freed once below.
    unsafe {
        let code = rampart_who_can_json(t, text(action), &target, &mut out, &mut error);
        assert_eq!(code, RAMPART_OK, "who_can {action} {key}");
        let answer = serde_json::from_slice(std::slice::from_raw_parts(out.ptr, out.len)).unwrap();
        rampart_buffer_free(&mut out);
        answer
    }
}

fn allowed(tables: &Tables, subject: &str, action: &str, objects: &[(Category, &str)]) -> bool {
    let p = tables.principal(subject).unwrap();
    let a = tables.action(action).unwrap();
    let mut ids: Option<ObjectIds> = None;
    for (c, key) in objects {
        let id = tables.object(*c, key).unwrap();
        ids = Some(match ids {
            None => ObjectIds::one(id),
            Some(ids) => ids.and(id).unwrap(),
        });
    }
    tables
        .check_ids(p, a, &IdTarget::Objects(ids.unwrap()))
        .unwrap()
        .is_allowed()
}

#[test]
fn who_can_on_one_object_names_every_subject_allowed_there_with_a_second_object() {
    let v = vectors();
    let path = root().join(v["tables"].as_str().unwrap());
    let tables = tables(&v);
    let path = path.to_str().unwrap();
    let mut handle = std::ptr::null_mut();
    let mut error = std::ptr::null_mut();
    // SAFETY: valid pointers and lengths; freed at the end.
    let code = unsafe {
        rampart_tables_load(
            path.as_ptr(),
            path.len(),
            std::ptr::null(),
            0,
            &mut handle,
            &mut error,
        )
    };
    assert_eq!(code, RAMPART_OK);
    let keys = |c: Category| -> Vec<String> {
        tables
            .objects(c)
            .map(|o| tables.object_key(o).unwrap().to_string())
            .collect()
    };
    let subjects: Vec<String> = tables
        .principals()
        .map(|p| tables.principal_name(p).unwrap())
        .collect();
    let (mut only_together, mut conditional_seen) = (0, 0);
    for (_, action) in tables.actions() {
        if action.ends_with('*') {
            continue; // `invoke:*` stands for the dynamic actions; no request names it.
        }
        for a in Category::ALL {
            for key in keys(a) {
                let answer = c_who_can(handle, action, a, &key);
                let alone: BTreeSet<&str> = answer["subjects"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap())
                    .collect();
                let listed: BTreeSet<(&str, &str)> = answer["conditional"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| (c["subject"].as_str().unwrap(), c["with"].as_str().unwrap()))
                    .collect();
                conditional_seen += listed.len();
                for (subject, with) in &listed {
                    assert!(
                        !alone.contains(subject),
                        "{subject} is listed alone and conditionally: {answer}"
                    );
                    assert_ne!(*with, a.name(), "{answer}");
                }
                for subject in &subjects {
                    let alone_allowed = allowed(&tables, subject, action, &[(a, &key)]);
                    assert_eq!(
                        alone.contains(subject.as_str()),
                        alone_allowed,
                        "{subject} {action} {key}: {answer}"
                    );
                    if alone_allowed {
                        continue;
                    }
                    for b in Category::ALL.into_iter().filter(|b| *b != a) {
                        for second in keys(b) {
                            if !allowed(&tables, subject, action, &[(a, &key), (b, &second)])
                                || allowed(&tables, subject, action, &[(b, &second)])
                            {
                                continue;
                            }
                            only_together += 1;
                            assert!(
                                listed.contains(&(subject.as_str(), b.name())),
                                "{subject} may {action} {key} together with {} {second} only, and who_can leaves it out: {answer}",
                                b.name()
                            );
                        }
                    }
                }
            }
        }
    }
    // SAFETY: loaded above, freed once.
    unsafe { rampart_tables_free(handle) };
    assert!(
        only_together > 0 && conditional_seen > 0,
        "the fixtures hold two-object grants ({only_together} pairs allowed only together, {conditional_seen} conditional entries)"
    );
}

#[test]
fn a_filter_paired_with_nothing_is_refused_not_taken_for_a_filter_alone() {
    let v = vectors();
    let path = root().join(v["tables"].as_str().unwrap());
    let path = path.to_str().unwrap();
    let mut handle = std::ptr::null_mut();
    // SAFETY: valid pointers and lengths; freed at the end.
    let code = unsafe {
        rampart_tables_load(
            path.as_ptr(),
            path.len(),
            std::ptr::null(),
            0,
            &mut handle,
            std::ptr::null_mut(),
        )
    };
    assert_eq!(code, RAMPART_OK);
    let text = |s: &'static str| RampartStr {
        ptr: s.as_ptr(),
        len: s.len(),
    };
    let absent = RampartStr {
        ptr: std::ptr::null(),
        len: 0,
    };
    let empty = RampartTarget {
        playbook: absent,
        config: absent,
        component: absent,
        connection: absent,
        global: absent,
    };
    for with in [std::ptr::null(), &empty as *const RampartTarget] {
        let mut out = RampartBuffer {
            ptr: std::ptr::null_mut(),
            len: 0,
        };
        // SAFETY: valid pointers and lengths (a NULL `with` is refused by contract).
        let code = unsafe {
            rampart_sql_filter_with_json(
                handle,
                text("john@doe.com"),
                text("playbook:run"),
                1,
                with,
                std::ptr::null(),
                0,
                absent,
                1,
                0,
                &mut out,
                std::ptr::null_mut(),
            )
        };
        assert_eq!(code, RAMPART_INVALID_ARGUMENT, "with {with:?}");
        assert!(out.ptr.is_null() && out.len == 0);
    }
    // SAFETY: loaded above, freed once.
    unsafe { rampart_tables_free(handle) };
}
