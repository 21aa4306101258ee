//! Deny monotonicity (issue 20) as a property over generated worlds, for any face that
//! answers requests: once a deny rule matches a request, growing the request or the world
//! never makes it stop matching. Adding an object to the request, an attribute to an
//! object the request describes, a membership, a role, an object or an attribute to the
//! catalog: an explicit deny stays an explicit deny, by the face and by the reference
//! evaluator alike. (A request denied only because no allow rule matched may become
//! allowed by naming more: a playbook grant that also needs a config, say. Only explicit
//! denies are invariant.) The embedded API's leg is `compiler/tests/deny_monotonicity.rs`,
//! the sidecar's `cli/tests/deny_monotonicity_sidecar.rs`.
//!
//! Attributes are grown in worlds whose deny selectors are positive ([`positive`]): a deny
//! that selects objects *without* something (`!x`, `notin`, `!=`, `!key`, `-term`) is
//! rightly lifted by adding that something.

use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use super::extend::{
    described, positive, target, with_attribute, with_catalog_attribute, with_catalog_object,
    with_membership, with_object, with_role, Rng,
};
use super::generate::{catalog_yaml, documents_yaml, requests, world, GeneratedRequest};
use super::World;

/// A face that answers requests about a generated world.
pub trait Face {
    /// What the face answers from (the tables, a sidecar over them).
    type Loaded;

    /// Compiles the world and loads it.
    fn load(&self, w: &World) -> Self::Loaded;

    /// Whether the face answers `r` with an explicit deny; `None` when the face cannot
    /// ask that request (then it is not checked).
    fn explicitly_denied(
        &self,
        loaded: &Self::Loaded,
        w: &World,
        r: &GeneratedRequest,
    ) -> Option<bool>;
}

/// The kinds of growth, in the order of [`Growths`].
const KINDS: [&str; 6] = [
    "object",
    "attribute",
    "membership",
    "role",
    "catalog object",
    "catalog attribute",
];
const OBJECT: usize = 0;
const ATTRIBUTE: usize = 1;
const MEMBERSHIP: usize = 2;
const ROLE: usize = 3;
const CATALOG_OBJECT: usize = 4;
const CATALOG_ATTRIBUTE: usize = 5;

/// How often each growth was tried on an explicitly denied request.
#[derive(Default)]
struct Growths([AtomicUsize; 6]);

/// Whether a deny matches, by the face and by the reference (which must agree); `None`
/// when the face cannot ask.
fn explicitly_denied<F: Face>(
    face: &F,
    loaded: &F::Loaded,
    w: &World,
    r: &GeneratedRequest,
) -> Result<Option<bool>, TestCaseError> {
    let Some(by_face) = face.explicitly_denied(loaded, w, r) else {
        return Ok(None);
    };
    let (_, by_reference) = w.verdict(&r.principal, &r.action, &target(w, r));
    prop_assert_eq!(
        by_face,
        by_reference,
        "a deny matches by the face: {}, by the reference: {}\n{:?}\n{:#?}",
        by_face,
        by_reference,
        r,
        w.matching_permissions(&r.principal, &r.action, &target(w, r))
    );
    Ok(Some(by_face))
}

struct Run<'f, F: Face> {
    face: &'f F,
    grown: &'f Growths,
}

impl<F: Face> Run<'_, F> {
    #[allow(clippy::too_many_arguments)]
    fn still_denied(
        &self,
        what: usize,
        before: &World,
        after: &World,
        loaded: &F::Loaded,
        r: &GeneratedRequest,
        grown: &GeneratedRequest,
    ) -> Result<(), TestCaseError> {
        let Some(denied) = explicitly_denied(self.face, loaded, after, grown)? else {
            return Ok(());
        };
        self.grown.0[what].fetch_add(1, Ordering::Relaxed);
        prop_assert!(
            denied,
            "growth {} lifted a deny\nbefore: {:?}\nafter: {:?}\nmatching before: {:#?}\n--- documents\n{}\n--- catalog before\n{}\n--- catalog after\n{}",
            KINDS[what],
            r,
            grown,
            before.matching_permissions(&r.principal, &r.action, &target(before, r)),
            documents_yaml(after),
            catalog_yaml(before),
            catalog_yaml(after),
        );
        Ok(())
    }

    /// The explicitly denied requests of a batch, with the face and the reference agreeing
    /// on every request whether a deny matches.
    fn denied<'b>(
        &self,
        loaded: &F::Loaded,
        w: &World,
        batch: &'b [GeneratedRequest],
    ) -> Result<Vec<&'b GeneratedRequest>, TestCaseError> {
        let mut out = Vec::new();
        for r in batch {
            if explicitly_denied(self.face, loaded, w, r)? == Some(true) {
                out.push(r);
            }
        }
        Ok(out)
    }

    fn property(
        &self,
        w: World,
        batch: Vec<GeneratedRequest>,
        seed: u64,
    ) -> Result<(), TestCaseError> {
        let mut rng = Rng::new(seed);
        let loaded = self.face.load(&w);
        let denied_here = self.denied(&loaded, &w, &batch)?;
        for r in &denied_here {
            for _ in 0..3 {
                if let Some(grown) = with_object(&w, r, &mut rng) {
                    self.still_denied(OBJECT, &w, &w, &loaded, r, &grown)?;
                }
            }
        }
        let growths: [(usize, Option<World>); 3] = [
            (MEMBERSHIP, with_membership(&w, &mut rng)),
            (ROLE, with_role(&w, &mut rng)),
            (CATALOG_OBJECT, Some(with_catalog_object(&w, &mut rng))),
        ];
        for (what, grown_world) in growths {
            let Some(after) = grown_world else { continue };
            let grown_loaded = self.face.load(&after);
            for r in &denied_here {
                self.still_denied(what, &w, &after, &grown_loaded, r, r)?;
            }
        }
        let positive_world = positive(&w);
        let positive_loaded = self.face.load(&positive_world);
        let mut grown_batch = batch.clone();
        grown_batch.extend(batch.iter().filter_map(|r| described(&w, r)));
        let denied_positive = self.denied(&positive_loaded, &positive_world, &grown_batch)?;
        for r in &denied_positive {
            if let Some(grown) = with_attribute(r, &mut rng) {
                self.still_denied(
                    ATTRIBUTE,
                    &positive_world,
                    &positive_world,
                    &positive_loaded,
                    r,
                    &grown,
                )?;
            }
        }
        if let Some(after) = with_catalog_attribute(&positive_world, &mut rng) {
            let grown_loaded = self.face.load(&after);
            for r in &denied_positive {
                self.still_denied(
                    CATALOG_ATTRIBUTE,
                    &positive_world,
                    &after,
                    &grown_loaded,
                    r,
                    r,
                )?;
            }
        }
        Ok(())
    }
}

/// Runs the property over `cases` generated worlds through `face`, and checks that every
/// kind of growth was tried on at least `at_least` explicitly denied requests. Worlds are
/// random, so a run that has not yet tried every kind often enough goes on with up to
/// three more rounds of `cases` worlds (the coverage check must not depend on luck).
pub fn check_monotonicity<F: Face>(face: &F, cases: u32, at_least: usize) {
    let strategy = world().prop_flat_map(|w| {
        let batch = requests(&w, 60);
        (Just(w), batch, any::<u64>())
    });
    let grown = Growths::default();
    let run = Run {
        face,
        grown: &grown,
    };
    let tried = || -> Vec<usize> { grown.0.iter().map(|g| g.load(Ordering::Relaxed)).collect() };
    for _round in 0..4 {
        let mut runner = TestRunner::new(Config {
            cases,
            ..Config::default()
        });
        let result = runner.run(&strategy, |(w, batch, seed)| run.property(w, batch, seed));
        if let Err(e) = result {
            panic!("{e}");
        }
        if tried().iter().all(|n| *n >= at_least) {
            break;
        }
    }
    let tried = tried();
    println!(
        "growths tried on explicit denies ({}): {tried:?}",
        KINDS.join(", ")
    );
    assert!(
        tried.iter().all(|n| *n >= at_least),
        "every kind of growth ({}) was tried on explicit denies: {tried:?}",
        KINDS.join(", ")
    );
}
