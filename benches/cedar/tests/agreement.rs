//! Cedar's answers against Rampart's on the workload translated to Cedar
//! (`rampart_benches::cedar`): every generated request — aimed at permissions, random,
//! two-object, connection and playbook-only ones, and those decided through Scopes — is
//! asked of Rampart's compiled tables and of Cedar (the whole policy set, and the set
//! sliced to the request's principal); all three must agree, and no Cedar policy may
//! error (an erroring `forbid` is skipped by Cedar, which would hide a disagreement).
//! The workload's semantics coincide with Cedar's everywhere it reaches; where they do
//! not is listed in `benches/src/cedar.rs`.

#![allow(clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use rampart_benches::cedar::CedarRequest;
use rampart_benches::fixture::Named;
use rampart_benches::random::Random;
use rampart_benches::workload::{GeneratedRequest, Size, Workload, REQUEST_ACTIONS};
use rampart_compiler::compile::compile;
use rampart_compiler::emit::encode;
use rampart_compiler::oracle::Oracle;
use rampart_runtime::Tables;

use rampart_cedar_bench::{request, CedarWorld};

fn compiled(workload: &Workload, seed: u64) -> Tables {
    let dir = tempfile::tempdir().expect("temporary directory");
    workload.write(dir.path(), seed).expect("write workload");
    let compiled = compile(
        &[dir.path().join("policy")],
        Some(&dir.path().join("catalog.json")),
        &|_| {},
    )
    .unwrap_or_else(|d| panic!("workload does not compile: {d:?}"));
    Tables::from_bytes(&encode(&compiled.data, None).expect("encode")).expect("load")
}

fn rampart_allows(workload: &Workload, tables: &Tables, q: &GeneratedRequest) -> bool {
    let asked = workload.request(q);
    let request = asked.to_request().expect("request");
    tables
        .is_authorized(&request)
        .unwrap_or_else(|e| panic!("Rampart errs on {q:?}: {e}"))
        .is_allowed()
}

/// Asks Rampart and Cedar (whole and sliced) every request; returns how many were allowed.
fn agree(size: Size, seed: u64) -> usize {
    let workload = Workload::generate(size, seed);
    let tables = compiled(&workload, seed);
    let cedar = CedarWorld::new(&workload).expect("the translation parses");
    let cases = workload.requests(seed);
    let mut allowed = 0;
    let mut wrong = Vec::new();
    let mut sliced_for = std::collections::HashMap::new();
    let permits: Vec<usize> = (0..workload.permissions.len())
        .filter(|i| !workload.permissions[*i].deny)
        .collect();
    let permits = cedar.slice(&permits).expect("permits");
    let mut overruled = 0;
    for q in &cases {
        let expected = rampart_allows(&workload, &tables, q);
        allowed += usize::from(expected);
        let asked = workload
            .cedar_request(q)
            .expect("every request names an object");
        let request = request(&asked).expect("Cedar request");
        let whole = cedar.decide(&request, &cedar.whole);
        let sliced = sliced_for.entry(q.person).or_insert_with(|| {
            cedar
                .slice(&workload.permissions_of(q.person))
                .expect("slice")
        });
        let sliced = cedar.decide(&request, sliced);
        assert_eq!(
            whole.errors + sliced.errors,
            0,
            "Cedar policies errored on {q:?}"
        );
        overruled += usize::from(!expected && cedar.decide(&request, &permits).allowed);
        if whole.allowed != expected || sliced.allowed != expected {
            wrong.push((q.clone(), expected, whole.allowed, sliced.allowed));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} requests differ (request, Rampart, Cedar whole, Cedar sliced), first: {:?}",
        wrong.len(),
        cases.len(),
        wrong.first()
    );
    let scoped = cases
        .iter()
        .filter(|c| workload.matched_through_scopes(c))
        .count();
    assert!(
        allowed > cases.len() / 10 && allowed < cases.len() * 9 / 10,
        "the stream mixes allows ({allowed} of {}) and denials",
        cases.len()
    );
    assert!(
        scoped * 100 > cases.len(),
        "requests decided through scopes: {scoped}"
    );
    assert!(
        overruled > 0,
        "no request was denied by a forbid that overrules a permit"
    );
    allowed
}

#[test]
fn cedar_agrees_with_rampart_on_the_tiny_workload() {
    agree(Size::named("tiny").expect("tiny"), 11);
}

/// More permissions per person than the tiny world (dozens of policies in a slice).
#[test]
fn cedar_agrees_with_rampart_on_a_denser_workload() {
    let size = Size {
        people: 500,
        teams: 40,
        groups: 8,
        playbooks: 300,
        configs: 5_000,
        connections: 100,
        permissions: 800,
        requests: 3_000,
    };
    agree(size, 5);
}

/// The bench's own stream shape (a uniform draw over people, actions and configs, with a
/// playbook for two-object requests) gives the same Cedar request as the bench builds
/// from names.
#[test]
fn stream_requests_translate_as_generated_ones_do() {
    let workload = Workload::generate(Size::named("tiny").expect("tiny"), 3);
    let mut r = Random::new(9);
    for _ in 0..200 {
        let person = r.below(workload.size.people);
        let action = *r.pick(&REQUEST_ACTIONS);
        let config = r.below(workload.size.configs);
        let playbook = r.chance(50).then(|| r.below(workload.size.playbooks));
        let generated = GeneratedRequest {
            person,
            action,
            playbook,
            config: Some(config),
            connection: None,
        };
        let named = Named {
            subject: format!("user{person}@example.com"),
            action,
            playbook: playbook
                .map(|p| format!("ns-{}/playbook-{p}", workload.playbook_namespace[p])),
            config: format!("cfg-{config}"),
        };
        assert_eq!(
            Some(CedarRequest::from_named(&named)),
            workload.cedar_request(&generated)
        );
    }
}

#[test]
fn every_permission_is_one_cedar_policy_and_every_object_an_entity() {
    let size = Size::named("tiny").expect("tiny");
    let w = Workload::generate(size, 7);
    let policies = w.cedar_policies();
    assert_eq!(policies.matches("@id(").count(), size.permissions);
    let forbids = w.permissions.iter().filter(|p| p.deny).count();
    assert_eq!(policies.matches("forbid(").count(), forbids);
    let entities = w.cedar_entities();
    let count = |kind: &str| {
        entities
            .as_array()
            .expect("a list")
            .iter()
            .filter(|e| e["uid"]["type"] == kind)
            .count()
    };
    assert_eq!(count("User"), size.people);
    assert_eq!(count("Config"), size.configs);
    assert_eq!(count("Playbook"), size.playbooks);
    assert_eq!(count("Connection"), size.connections);
}
