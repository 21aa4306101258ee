//! Two-object grants seen from one object (issue 20, item 22): `who-can` on an object
//! alone must not silently leave out a subject whose grant also needs an object of
//! another category. For random worlds, against the reference evaluator: whoever the
//! reference allows on a pair (an object and a known or a new object of another
//! category) is allowed on one of them alone, or is listed by
//! [`Tables::who_can_together`] on the first with the second's category; a subject
//! listed there is not allowed alone, its condition is not "denied everywhere", and a
//! condition without selectors or denies ("any config") means every known object of the
//! category is allowed with it. [`Tables::paired_categories`] of the first object's
//! category names the second's for every subject listed, so that a listing or a filter
//! of the first category alone says it cannot show that grant.
//!
//! Round 6: a subject allowed on the pair but not on the first object alone is listed
//! even when it is allowed on the second object alone (its grant requires only the
//! second category and leaves the first open: `playbook:run` on dev configs, any
//! playbook). Before, such subjects were skipped here and `who-can --playbook X` left
//! them out. The pairing invariant was stated the other way round (the second
//! category's `paired_categories` names the first), which holds only for grants naming
//! both categories; it is now stated from the object's category, which is what a
//! listing of that category alone needs.

#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

mod reference;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use rampart_runtime::{Category, IdTarget, ObjectIds, Tables};
use reference::generate::{compile_tables, fresh_objects, world, ACTIONS};
use reference::{Object, Target, World};

/// Figures of one run, to prove the comparison compared something.
#[derive(Default, Debug)]
struct Seen {
    pairs_allowed: usize,
    only_together: usize,
    /// Of those, allowed on the second object alone (a grant requiring only its
    /// category, leaving the first's open).
    second_alone: usize,
    conditional: usize,
}

fn check_world(w: &World, fresh: &[Vec<Object>; 4], seen: &mut Seen) -> Result<(), TestCaseError> {
    let tables: Tables = compile_tables(w);
    for action in ACTIONS {
        let action_id = tables.action(action).expect("action");
        for (a, category) in Category::ALL.into_iter().enumerate() {
            for oi in 0..w.objects[a].len().min(3) {
                let object = tables
                    .object(category, &w.object_key(a, oi))
                    .expect("object");
                let alone = tables
                    .who_can(action_id, &IdTarget::Objects(ObjectIds::one(object)))
                    .expect("who can");
                let together = tables
                    .who_can_together(action_id, object)
                    .expect("who can together");
                for c in &together {
                    prop_assert!(!alone.contains(&c.principal), "{c:?} is allowed alone");
                    prop_assert!(!c.condition.deny_all, "{c:?}");
                    prop_assert!(
                        c.condition.allow_all || !c.condition.allow.is_empty(),
                        "{c:?}"
                    );
                    prop_assert_ne!(c.with, category);
                    // A listing or a filter of the object's category alone says it
                    // cannot show this grant: it names the second category.
                    let paired = tables
                        .paired_categories(c.principal, action_id, category)
                        .expect("paired");
                    prop_assert!(paired.contains(&c.with), "{c:?}: {paired:?}");
                    for (with, _) in &c.and {
                        prop_assert!(paired.contains(with), "{c:?}: {paired:?}");
                    }
                }
                for principal in w.principals() {
                    let subject = w.subject_name(&principal);
                    let principal_id = tables.principal(&subject).expect("principal");
                    for (b, with) in Category::ALL.into_iter().enumerate() {
                        if b == a {
                            continue;
                        }
                        let listed = together.iter().find(|c| {
                            c.principal == principal_id && c.with == with && c.and.is_empty()
                        });
                        let pair_allowed = |o: &Object| {
                            let mut objects: [Option<Object>; 4] = Default::default();
                            objects[a] = Some(w.objects[a][oi].clone());
                            objects[b] = Some(o.clone());
                            w.decide(&principal, action, &Target::Objects(objects))
                        };
                        for (bi, o) in w.objects[b].iter().enumerate() {
                            let allowed = pair_allowed(o);
                            if let Some(c) = listed {
                                if c.condition.allow_all && c.condition.deny.is_empty() {
                                    prop_assert!(
                                        allowed,
                                        "{subject} {action} {c:?}: {} not allowed with {}",
                                        w.object_key(b, bi),
                                        w.object_key(a, oi)
                                    );
                                }
                            }
                            if !allowed {
                                continue;
                            }
                            seen.pairs_allowed += 1;
                            if alone.contains(&principal_id) {
                                continue;
                            }
                            let second = tables
                                .object(with, &w.object_key(b, bi))
                                .expect("second object");
                            let second_alone = tables
                                .check_ids(
                                    principal_id,
                                    action_id,
                                    &IdTarget::Objects(ObjectIds::one(second)),
                                )
                                .expect("check")
                                .is_allowed();
                            // Allowed on the second alone is no reason to leave the
                            // subject out of who-can on the first (round 6).
                            seen.second_alone += usize::from(second_alone);
                            seen.only_together += 1;
                            prop_assert!(
                                listed.is_some(),
                                "{subject} may {action} {} only together with {} ({with:?}), and who_can_together leaves it out: {together:?}",
                                w.object_key(a, oi),
                                w.object_key(b, bi)
                            );
                        }
                        for o in &fresh[b] {
                            if pair_allowed(o) && !alone.contains(&principal_id) {
                                // A new object of the category, which no `who-can` on it
                                // can name: the subject must be listed here, whether or
                                // not the new object alone is allowed too (round 6).
                                prop_assert!(
                                    listed.is_some(),
                                    "{subject} may {action} {} only together with a new {with:?} {o:?}",
                                    w.object_key(a, oi)
                                );
                            }
                        }
                        seen.conditional += usize::from(listed.is_some());
                    }
                }
            }
        }
    }
    Ok(())
}

#[test]
fn who_can_on_one_object_lists_every_subject_a_two_object_grant_allows() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = (
        world(),
        fresh_objects(0, 2),
        fresh_objects(1, 3),
        fresh_objects(2, 2),
        fresh_objects(3, 2),
    );
    let mut seen = Seen::default();
    for _ in 0..60 {
        let (w, f0, f1, f2, f3) = strategy.new_tree(&mut runner).expect("world").current();
        check_world(&w, &[f0, f1, f2, f3], &mut seen).unwrap_or_else(|e| panic!("{e}"));
    }
    println!("{seen:?}");
    assert!(
        seen.only_together >= 20,
        "pairs allowed only together: {seen:?}"
    );
    assert!(
        seen.conditional >= 20,
        "conditional subjects listed: {seen:?}"
    );
    assert!(
        seen.second_alone >= 5,
        "pairs allowed only together, the second also alone: {seen:?}"
    );
}

/// What a listing together with a known object says of the objects the catalog does not
/// hold ([`Tables::list_with`]'s residual), against the reference on new objects: when a
/// new object of the category is allowed together with the known one, the residual
/// admits something and does not deny everything; when it admits every object and names
/// no deny, every new object is allowed together with the known one. Before, the
/// residual of a listing with a second object was always empty, so `list --playbook X`
/// said nothing of the configs not yet catalogued that the subject may run X on.
#[test]
fn a_listing_with_a_known_object_states_what_admits_objects_the_catalog_does_not_hold() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = (
        world(),
        fresh_objects(0, 2),
        fresh_objects(1, 3),
        fresh_objects(2, 2),
        fresh_objects(3, 2),
    );
    let (mut new_allowed, mut admitting) = (0usize, 0usize);
    for _ in 0..40 {
        let (w, f0, f1, f2, f3) = strategy.new_tree(&mut runner).expect("world").current();
        let fresh = [f0, f1, f2, f3];
        let tables: Tables = compile_tables(&w);
        for action in ACTIONS {
            let action_id = tables.action(action).expect("action");
            for principal in w.principals() {
                let subject = w.subject_name(&principal);
                let principal_id = tables.principal(&subject).expect("principal");
                for (b, with) in Category::ALL.into_iter().enumerate() {
                    for bi in 0..w.objects[b].len().min(2) {
                        let fixed = tables.object(with, &w.object_key(b, bi)).expect("object");
                        for (a, category) in Category::ALL.into_iter().enumerate() {
                            if a == b {
                                continue;
                            }
                            let listing = tables
                                .list_with(principal_id, action_id, category, fixed)
                                .expect("list with");
                            let r = listing.residual();
                            let admits = (r.allow_all || !r.allow.is_empty()) && !r.deny_all;
                            admitting += usize::from(admits);
                            for o in &fresh[a] {
                                let mut objects: [Option<Object>; 4] = Default::default();
                                objects[a] = Some(o.clone());
                                objects[b] = Some(w.objects[b][bi].clone());
                                let allowed =
                                    w.decide(&principal, action, &Target::Objects(objects));
                                new_allowed += usize::from(allowed);
                                assert!(
                                    !allowed || admits,
                                    "{subject} may {action} a new {category:?} {o:?} with {}, and the listing's residual admits none: {r:?}",
                                    w.object_key(b, bi)
                                );
                                if r.allow_all && r.deny.is_empty() && !r.deny_all {
                                    assert!(
                                        allowed,
                                        "{subject} {action}: the residual {r:?} admits every {category:?}, and {o:?} with {} is denied",
                                        w.object_key(b, bi)
                                    );
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(
        new_allowed >= 20,
        "new objects allowed with a known one: {new_allowed}"
    );
    assert!(
        admitting >= 20,
        "residuals admitting something: {admitting}"
    );
}

/// Grants naming three or four categories (`playbook:run` on a playbook with configs and
/// components) seen from one object, against the reference: whoever is allowed on an
/// object together with objects of two or three other categories, and not on it alone
/// nor together with any one of them, is listed by [`Tables::who_can_together`] with an
/// entry whose categories are among the request's; every such entry names distinct
/// categories other than the object's, each condition admitting something. Before,
/// these subjects were left out of `who-can` on the object ("grants naming three
/// categories are not listed").
#[test]
fn who_can_on_one_object_lists_subjects_a_grant_of_three_or_four_categories_allows() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = world();
    let mut listed_with_more = 0usize;
    for _ in 0..60 {
        let w = strategy.new_tree(&mut runner).expect("world").current();
        let tables: Tables = compile_tables(&w);
        for action in ACTIONS {
            let action_id = tables.action(action).expect("action");
            for (a, category) in Category::ALL.into_iter().enumerate() {
                for oi in 0..w.objects[a].len().min(2) {
                    let object = tables
                        .object(category, &w.object_key(a, oi))
                        .expect("object");
                    let together = tables
                        .who_can_together(action_id, object)
                        .expect("who can together");
                    for c in together.iter().filter(|c| !c.and.is_empty()) {
                        listed_with_more += 1;
                        let mut seen = vec![c.with];
                        for (with, condition) in &c.and {
                            assert!(
                                (condition.allow_all || !condition.allow.is_empty())
                                    && !condition.deny_all,
                                "{c:?}"
                            );
                            assert!(!seen.contains(with), "{c:?}");
                            seen.push(*with);
                        }
                        assert!(!seen.contains(&category), "{c:?}");
                    }
                    for principal in w.principals() {
                        let subject = w.subject_name(&principal);
                        let principal_id = tables.principal(&subject).expect("principal");
                        // Every request naming the object and one known object (of the
                        // first two) of each category of a set of two or three others.
                        for mask in 1u8..16 {
                            let others: Vec<usize> =
                                (0..4).filter(|b| *b != a && mask >> b & 1 == 1).collect();
                            if mask >> a & 1 == 1 || others.len() < 2 {
                                continue;
                            }
                            let mut picks = vec![Vec::new()];
                            for &b in &others {
                                picks = picks
                                    .into_iter()
                                    .flat_map(|p: Vec<(usize, usize)>| {
                                        (0..w.objects[b].len().min(2)).map(move |bi| {
                                            let mut p = p.clone();
                                            p.push((b, bi));
                                            p
                                        })
                                    })
                                    .collect();
                            }
                            for pick in picks.iter().filter(|p| p.len() == others.len()) {
                                let decide = |with: &[(usize, usize)]| {
                                    let mut objects: [Option<Object>; 4] = Default::default();
                                    objects[a] = Some(w.objects[a][oi].clone());
                                    for &(b, bi) in with {
                                        objects[b] = Some(w.objects[b][bi].clone());
                                    }
                                    w.decide(&principal, action, &Target::Objects(objects))
                                };
                                if !decide(pick)
                                    || decide(&[])
                                    || pick.iter().any(|one| decide(&[*one]))
                                {
                                    continue;
                                }
                                let listed = together.iter().any(|c| {
                                    c.principal == principal_id
                                        && std::iter::once(c.with)
                                            .chain(c.and.iter().map(|(w, _)| *w))
                                            .all(|w| others.contains(&w.index()))
                                });
                                assert!(
                                    listed,
                                    "{subject} may {action} {} together with {:?}, not alone nor with one of them, and who_can_together leaves it out: {together:?}",
                                    w.object_key(a, oi),
                                    pick.iter().map(|(b, bi)| w.object_key(*b, *bi)).collect::<Vec<_>>()
                                );
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(
        listed_with_more >= 10,
        "entries of grants naming three or four categories: {listed_with_more}"
    );
}
