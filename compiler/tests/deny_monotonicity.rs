//! Deny monotonicity (issue 20) through the embedded API: growing a request or the world
//! (an object, an attribute, a membership, a role, a catalog object or attribute) never
//! lifts an explicit deny. The property is [`reference::monotonicity`]; the sidecar's leg
//! is `cli/tests/deny_monotonicity_sidecar.rs`.

#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

mod reference;

use rampart_runtime::{Category, ObjectRef, Objects, Reason, Request, Tables, Target};
use reference::extend::{request_objects, RequestObject};
use reference::generate::{compile_tables, GeneratedRequest};
use reference::monotonicity::{check_monotonicity, Face};
use reference::World;

/// [`Tables::is_authorized`], objects by key or by attributes as the request gives them.
struct Embedded;

impl Face for Embedded {
    type Loaded = Tables;

    fn load(&self, w: &World) -> Tables {
        compile_tables(w)
    }

    fn explicitly_denied(&self, tables: &Tables, w: &World, r: &GeneratedRequest) -> Option<bool> {
        let subject = w.subject_name(&r.principal);
        let objects = request_objects(w, r);
        let mut refs = Objects::new();
        for (c, o) in &objects {
            refs = refs.with(
                Category::ALL[*c],
                match o {
                    RequestObject::Key(k) => ObjectRef::Key(k),
                    RequestObject::Attributes(a) => ObjectRef::Attributes(a),
                },
            );
        }
        let target = match (&r.global, refs.is_empty()) {
            (Some(g), _) => Target::Global(g),
            (None, true) => Target::Unscoped,
            (None, false) => Target::Objects(refs),
        };
        let reason = tables
            .is_authorized(&Request::new(&subject, &r.action, target))
            .unwrap_or_else(|e| panic!("{r:?}: {e}"))
            .reason();
        Some(reason == Reason::ExplicitDeny)
    }
}

#[test]
fn growing_a_request_or_the_world_never_lifts_an_explicit_deny() {
    check_monotonicity(&Embedded, 160, 20);
}
