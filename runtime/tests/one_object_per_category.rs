//! The embedded API fails closed on two objects of one category: `Objects::with` never
//! swaps the second in for the first (last wins would decide on an object the caller
//! may not have meant, and a log naming the first would lie); deciding such objects is an
//! `invalid_request` error naming both, in either order, by key or by attributes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rampart_runtime::{
    Category, ObjectAttributes, ObjectRef, Objects, Request, RequestErrorKind, Tables, Target,
};

fn tables() -> Tables {
    Tables::load("../fixtures/tables/format-v3.rampart").expect("golden tables")
}

#[test]
fn a_second_object_of_one_category_is_an_error_naming_both() {
    let tables = tables();
    for (first, second) in [("c-mc-pod", "c-bucket"), ("c-bucket", "c-mc-pod")] {
        let objects = Objects::new().config(first).config(second);
        let request = Request::new("john@doe.com", "read", Target::Objects(objects));
        for answer in [tables.is_authorized(&request), tables.explain(&request)] {
            let error = answer.expect_err("two configs are an error, not a decision");
            assert_eq!(error.kind(), RequestErrorKind::InvalidRequest);
            let message = error.to_string();
            assert!(
                message.contains(&format!("`{first}`")) && message.contains(&format!("`{second}`")),
                "{message}"
            );
        }
    }
}

#[test]
fn the_second_object_may_be_given_by_attributes_or_beside_another_category() {
    let tables = tables();
    let fresh = ObjectAttributes {
        id: Some("c-fresh".into()),
        namespace: Some("default".into()),
        ..ObjectAttributes::default()
    };
    let objects = Objects::new()
        .playbook("mc/echo-config")
        .config("c-mc-pod")
        .with(Category::Config, ObjectRef::Attributes(&fresh));
    let request = Request::new("john@doe.com", "playbook:run", Target::Objects(objects));
    let error = tables.is_authorized(&request).unwrap_err();
    assert_eq!(error.kind(), RequestErrorKind::InvalidRequest);
    assert!(error.to_string().contains("`c-fresh`"), "{error}");
    // The first object stays the one the caller gave first.
    assert_eq!(
        objects.get(Category::Config),
        Some(&ObjectRef::Key("c-mc-pod"))
    );
    // One object per category is still decided.
    let one = Objects::new().playbook("mc/echo-config").config("c-mc-pod");
    assert!(objects.one_per_category().is_err() && one.one_per_category().is_ok());
    let request = Request::new("john@doe.com", "playbook:run", Target::Objects(one));
    assert!(tables.is_authorized(&request).unwrap().is_allowed());
}
