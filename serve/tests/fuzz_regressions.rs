//! The sidecar's request reading against `rampart check --batch`'s (the `sidecar_request`
//! fuzz target's oracle, in `differential/`): inputs the fuzzer found
//! (`fuzz/regressions/sidecar_request/`), the bodies of issue 20, and a few thousand
//! generated bodies (AuthZEN evaluations and Mission Control reviews), replayed without
//! a fuzzer.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod differential;

use differential::{app, check_body, check_input, generate, generate_review, Endpoint};

#[test]
fn inputs_the_fuzzer_found() {
    let app = app();
    let dir = std::path::Path::new("../fuzz/regressions/sidecar_request");
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.file_name().is_some_and(|n| n == ".keep") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        check_input(&app, &bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}

#[test]
fn the_bodies_of_issue_20_are_refused_or_decided_as_the_batch_decides() {
    let app = app();
    let run = r#"{"subject": {"type": "user", "id": "john@doe.com"}, "action": {"name": "playbook:run"}, "resource": {"type": "playbook", "id": "mc/echo-config"}"#;
    for (endpoint, body) in [
        (Endpoint::Evaluation, format!(r#"{run}, "context": {{"resources": [{{"type": "config", "id": "c-mc-pod"}}]}}}}"#)),
        (Endpoint::Evaluation, format!(r#"{run}, "context": {{"resource": [{{"type": "config", "id": "c-mc-pod"}}]}}}}"#)),
        (Endpoint::Evaluation, format!(r#"{run}, "context": {{"resources": [{{"type": "config", "id": "c-mc-pod"}}, {{"type": "configs", "id": "c-bucket"}}]}}}}"#)),
        (Endpoint::Evaluation, r#"{"subject": {"type": "user", "id": "john@doe.com"}, "action": {"name": "read"}, "resource": {"type": "config", "id": "c-bucket", "properties": {"id": "c-mc-pod"}}}"#.to_string()),
        (Endpoint::Evaluation, r#"{"subject": {"type": "user", "id": "john@doe.com"}, "action": {"name": "read"}, "resource": {"type": "config", "id": "c-bucket", "id": "c-mc-pod"}}"#.to_string()),
        (Endpoint::Evaluations, format!(r#"{run}, "context": {{"resources": [{{"type": "config", "id": "c-mc-pod"}}]}}, "evaluations": [{{"context": {{"explain": true}}}}, {{}}]}}"#)),
        // A user's id that spells a service's name is no user (not the playbook).
        (Endpoint::Evaluation, r#"{"subject": {"type": "user", "id": "playbook:mc/echo-config"}, "action": {"name": "read"}, "resource": {"type": "config", "id": "c-mc-pod"}}"#.to_string()),
        (Endpoint::Reviews, r#"{"resource": {"playbook": "mc/echo-config", "config": "c-mc-pod"}, "action": "playbook:run", "subjects": ["*"]}"#.to_string()),
        (Endpoint::Reviews, r#"{"resource": {"config": "c-mc-pod", "configs": "c-bucket"}, "action": "read", "subjects": ["john@doe.com"]}"#.to_string()),
    ] {
        check_body(&app, endpoint, body.as_bytes()).unwrap_or_else(|e| panic!("{body}: {e}"));
    }
}

#[test]
fn generated_bodies_agree_with_the_batch() {
    let app = app();
    let tables = app.tables();
    // A fixed stream of pseudo-random choices (a linear congruential generator).
    let mut state: u64 = 20;
    let mut decided = 0usize;
    for _ in 0..3000 {
        let bytes: Vec<u8> = (0..96)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (state >> 56) as u8
            })
            .collect();
        let (endpoint, body) = generate(&tables, &bytes);
        if std::env::var_os("SHOW").is_some() {
            let v = differential::sidecar_answer(&app, endpoint, body.as_bytes());
            eprintln!("{body}\n  -> {v}");
        }
        decided +=
            check_body(&app, endpoint, body.as_bytes()).unwrap_or_else(|e| panic!("{body}: {e}"));
    }
    // Most bodies hold a mistake on purpose, but a good share must be decided, or the
    // comparison would be empty.
    assert!(decided > 500, "{decided} items decided");
}

#[test]
fn generated_reviews_agree_with_the_batch() {
    let app = app();
    let tables = app.tables();
    let mut state: u64 = 22;
    let mut decided = 0usize;
    for _ in 0..1500 {
        let bytes: Vec<u8> = (0..48)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (state >> 56) as u8
            })
            .collect();
        let body = generate_review(&tables, &bytes);
        decided += check_body(&app, Endpoint::Reviews, body.as_bytes())
            .unwrap_or_else(|e| panic!("{body}: {e}"));
    }
    assert!(decided > 500, "{decided} subjects decided");
}
