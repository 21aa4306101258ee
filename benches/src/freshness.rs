//! Freshness under `rampart serve --postgres`: changes written to Mission Control's
//! tables (a membership inserted and deleted, a permission made in the UI, changed and
//! soft-deleted, a config's tags changed, a new config, a config soft-deleted), each
//! followed by the time until the sidecar's decision reflects it.
//!
//! The scenarios run over rows of their own ([`SETUP`]: a person, a team, a permission of
//! the team on one config) beside whatever world the schema holds (the generated
//! workloads for the benchmark, a small world for the correctness test in
//! `cli/tests/mission_control.rs`, which includes this file). Only `std`, `serde_json`
//! and `postgres` are used, so that both can; how a decision is asked is the caller's
//! (a closure), so that the test and the benchmark use their own HTTP clients.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// The person whose decisions change.
pub const PERSON: &str = "freshness@bench.example";
/// The config the team may read, by id.
pub const CONFIG: &str = "fe000000-0000-4000-8000-000000000001";
/// The config the scenarios create.
pub const NEW_CONFIG: &str = "fe000000-0000-4000-8000-000000000002";
const PERSON_ID: &str = "fe000000-0000-4000-8000-0000000000a1";
const TEAM_ID: &str = "fe000000-0000-4000-8000-0000000000b1";
const TEAM_PERMISSION: &str = "fe000000-0000-4000-8000-0000000000c1";
const UI_PERMISSION: &str = "fe000000-0000-4000-8000-0000000000c2";

/// The scenarios' own rows: a person in no team, a team that may read [`CONFIG`] (by
/// name), and the config (in namespace `fresh-a`).
pub fn setup() -> String {
    format!(
        "INSERT INTO people (id, name, email) VALUES ('{PERSON_ID}', 'Freshness', '{PERSON}'); \
         INSERT INTO teams (id, name, created_by) VALUES ('{TEAM_ID}', 'freshness-team', '{PERSON_ID}'); \
         INSERT INTO config_items (id, name, type, config_class, tags) VALUES \
           ('{CONFIG}', 'freshness-config', 'Kubernetes::Pod', 'Pod', '{{\"namespace\": \"fresh-a\"}}'); \
         INSERT INTO permissions (id, source, subject_type, subject, action, object_selector) VALUES \
           ('{TEAM_PERMISSION}', 'UI', 'team', '{TEAM_ID}', 'read', '{{\"configs\": [{{\"name\": \"freshness-config\"}}]}}');"
    )
}

/// Undoes what the scenarios changed, back to [`setup`]'s state.
pub fn reset() -> String {
    format!(
        "DELETE FROM team_members WHERE person_id = '{PERSON_ID}'; \
         DELETE FROM permissions WHERE id = '{UI_PERMISSION}'; \
         DELETE FROM config_items WHERE id = '{NEW_CONFIG}'; \
         UPDATE config_items SET deleted_at = NULL, tags = '{{\"namespace\": \"fresh-a\"}}' WHERE id = '{CONFIG}';"
    )
}

/// One change and the decision that shows it.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// What changes.
    pub name: &'static str,
    /// Whether Mission Control announces it on `table_activity` (else only the poll, or a
    /// lookup, sees it).
    pub announced: bool,
    /// The change.
    pub sql: String,
    /// The request (an AuthZEN evaluation) whose answer shows it.
    pub request: Value,
    /// The answer once the change is seen: the decision, or an error code.
    pub expected: Value,
}

fn evaluation(action: &str, config: &str) -> Value {
    json!({
        "subject": {"type": "user", "id": PERSON},
        "action": {"name": action},
        "resource": {"type": "config", "id": config},
    })
}

/// The answers [`setup`]'s state gives (checked before the scenarios run).
pub fn baseline() -> Vec<(Value, Value)> {
    vec![
        (evaluation("read", CONFIG), json!(false)),
        (evaluation("update", CONFIG), json!(false)),
        (evaluation("update", NEW_CONFIG), json!("unknown_object")),
    ]
}

/// The scenarios, in the order they run (each starts from the state the previous left).
pub fn scenarios() -> Vec<Scenario> {
    let selector = |ns: &str| format!("{{\"configs\": [{{\"namespace\": \"{ns}\"}}]}}");
    vec![
        Scenario {
            name: "membership inserted",
            announced: true,
            sql: format!(
                "INSERT INTO team_members (team_id, person_id) VALUES ('{TEAM_ID}', '{PERSON_ID}');"
            ),
            request: evaluation("read", CONFIG),
            expected: json!(true),
        },
        Scenario {
            name: "membership deleted",
            announced: true,
            sql: format!("DELETE FROM team_members WHERE person_id = '{PERSON_ID}';"),
            request: evaluation("read", CONFIG),
            expected: json!(false),
        },
        Scenario {
            name: "permission inserted (UI)",
            announced: true,
            sql: format!(
                "INSERT INTO permissions (id, source, subject_type, subject, action, object_selector) VALUES \
                   ('{UI_PERMISSION}', 'UI', 'person', '{PERSON_ID}', 'update', '{}');",
                selector("fresh-a")
            ),
            request: evaluation("update", CONFIG),
            expected: json!(true),
        },
        Scenario {
            name: "permission updated",
            announced: true,
            sql: format!(
                "UPDATE permissions SET object_selector = '{}' WHERE id = '{UI_PERMISSION}';",
                selector("fresh-b")
            ),
            request: evaluation("update", CONFIG),
            expected: json!(false),
        },
        Scenario {
            name: "config's tags updated",
            announced: false,
            sql: format!(
                "UPDATE config_items SET tags = '{{\"namespace\": \"fresh-b\"}}' WHERE id = '{CONFIG}';"
            ),
            request: evaluation("update", CONFIG),
            expected: json!(true),
        },
        Scenario {
            name: "config inserted",
            announced: false,
            sql: format!(
                "INSERT INTO config_items (id, name, type, config_class, tags) VALUES \
                   ('{NEW_CONFIG}', 'freshness-new', 'Kubernetes::Pod', 'Pod', '{{\"namespace\": \"fresh-b\"}}');"
            ),
            request: evaluation("update", NEW_CONFIG),
            expected: json!(true),
        },
        Scenario {
            name: "permission soft-deleted",
            announced: true,
            sql: format!("UPDATE permissions SET deleted_at = now() WHERE id = '{UI_PERMISSION}';"),
            request: evaluation("update", CONFIG),
            expected: json!(false),
        },
        Scenario {
            name: "config soft-deleted",
            announced: false,
            sql: format!("UPDATE config_items SET deleted_at = now() WHERE id = '{CONFIG}';"),
            request: evaluation("read", CONFIG),
            expected: json!("unknown_object"),
        },
    ]
}

/// The answer to an AuthZEN evaluation response: its `decision`, else its error's code.
pub fn answer_of(status: u16, body: &Value) -> Value {
    if status == 200 {
        body["decision"].clone()
    } else {
        body["error"]["code"].clone()
    }
}

/// What one scenario measured.
#[derive(Clone, Debug)]
pub struct Measured {
    /// The scenario's name.
    pub name: &'static str,
    /// From the change's commit to the first answer that shows it.
    pub elapsed: Duration,
    /// Requests asked until then (1: the first request after the commit was right).
    pub requests: u32,
}

/// Asks `request` until the answer is `expected`, at most until `timeout`: the time it
/// took and the requests asked, or the last answer.
pub fn until_seen(
    ask: &mut dyn FnMut(&Value) -> Value,
    request: &Value,
    expected: &Value,
    timeout: Duration,
) -> Result<(Duration, u32), Value> {
    let started = Instant::now();
    let mut requests = 0u32;
    loop {
        let answer = ask(request);
        requests += 1;
        if &answer == expected {
            return Ok((started.elapsed(), requests));
        }
        if started.elapsed() > timeout {
            return Err(answer);
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Runs every scenario once against a sidecar over the database `client` writes to
/// (each change committed on its own): what each took, or the first scenario that was not
/// seen within `timeout`, with its last answer.
pub fn run(
    client: &mut postgres::Client,
    ask: &mut dyn FnMut(&Value) -> Value,
    timeout: Duration,
) -> Result<Vec<Measured>, String> {
    for (request, expected) in baseline() {
        until_seen(ask, &request, &expected, timeout)
            .map_err(|last| format!("before the scenarios: {request} is {last}, not {expected}"))?;
    }
    let mut out = Vec::new();
    for scenario in scenarios() {
        client
            .batch_execute(&scenario.sql)
            .map_err(|e| format!("{}: {e}", scenario.name))?;
        let (elapsed, requests) = until_seen(ask, &scenario.request, &scenario.expected, timeout)
            .map_err(|last| {
            format!(
                "{}: still {last}, not {}, after {} s",
                scenario.name,
                scenario.expected,
                timeout.as_secs_f64()
            )
        })?;
        out.push(Measured {
            name: scenario.name,
            elapsed,
            requests,
        });
    }
    Ok(out)
}
