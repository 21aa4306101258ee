//! The sidecar's request reading against `rampart check --batch`'s, for the fuzz target
//! `sidecar_request` and its regression replay: a body (AuthZEN's `/evaluation` and
//! `/evaluations`, Mission Control's subject access reviews) is answered by the
//! sidecar's handlers (as the HTTP face calls them), and independently translated, by the
//! mapping `docs/serve.md` states, into the JSON lines `check --batch` reads. Every item the
//! sidecar decides must be decided the same by the batch; an item the sidecar refuses
//! is always fine. A body with a member given twice must be refused whole.
//!
//! The translation is deliberately plain: what it does not understand it writes into the
//! line as it is (or as a member the batch does not know), so that the batch refuses it;
//! if the sidecar decided such an item, the sidecar accepted something the one request
//! model does not.
//!
//! Inputs are bytes: the first picks the endpoint (bit 2: Mission Control's
//! `/rbac/subject-access-reviews`, else bit 0: `/evaluations` or `/evaluation`) and
//! whether the rest is a body as is (bit 1 clear: mutated JSON, from the seeds) or
//! drives [`generate`] (or [`generate_review`]), which write bodies from the tables' own
//! names with the mistakes of issue 20 mixed in.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::sync::Arc;
use std::time::Duration;

use rampart_runtime::json::batch::decide_line;
use rampart_runtime::json::strict;
use rampart_runtime::{Category, Tables, TablesHandle};
use rampart_serve::app::{App, Cancel};
use rampart_serve::metrics::Metrics;
use rampart_serve::{authzen, rbac};
use serde_json::{Map, Value};

/// The fixture tables (people, teams, playbooks, configs, connections, denies).
pub const TABLES: &[u8] = include_bytes!("../../../fixtures/tables/format-v3.rampart");

/// The sidecar's state over the fixture tables.
pub fn app() -> App {
    App {
        handle: TablesHandle::new(Tables::from_bytes(TABLES).expect("the fixture tables")),
        metrics: Metrics::default(),
        token: None,
        decision_log: None,
        max_body: 1 << 20,
        body_timeout: Duration::from_secs(10),
        max_batch: 64,
        permits: Arc::new(tokio::sync::Semaphore::new(1)),
        public_url: None,
        resolver: std::sync::OnceLock::new(),
    }
}

/// Which endpoint a body goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// `/access/v1/evaluation`.
    Evaluation,
    /// `/access/v1/evaluations`.
    Evaluations,
    /// Mission Control's `/rbac/subject-access-reviews`.
    Reviews,
}

/// One fuzz input: how many items the sidecar decided (all agreeing with the batch), or
/// why the sidecar and the batch disagree.
pub fn check_input(app: &App, data: &[u8]) -> Result<usize, String> {
    let Some((&first, rest)) = data.split_first() else {
        return Ok(0);
    };
    let endpoint = if first & 4 != 0 {
        Endpoint::Reviews
    } else if first & 1 == 0 {
        Endpoint::Evaluation
    } else {
        Endpoint::Evaluations
    };
    if first & 2 == 0 {
        check_body(app, endpoint, rest)
    } else if endpoint == Endpoint::Reviews {
        let body = generate_review(&app.tables(), rest);
        check_body(app, endpoint, body.as_bytes())
    } else {
        let (endpoint, body) = generate(&app.tables(), rest);
        check_body(app, endpoint, body.as_bytes())
    }
}

/// The answer of each item the sidecar gave: a decision, or `None` for an error.
fn sidecar(app: &App, endpoint: Endpoint, body: &[u8]) -> Result<Vec<Option<bool>>, String> {
    let value = strict::parse(body).map_err(|p| p.to_string())?;
    let cancel = Cancel::new();
    let answer = match endpoint {
        Endpoint::Evaluation => authzen::evaluation(app, value, &cancel),
        Endpoint::Evaluations => authzen::evaluations(app, value, &cancel),
        Endpoint::Reviews => rbac::subject_access_reviews(app, value, &cancel),
    }
    .map_err(|e| e.json().to_string())?;
    if endpoint == Endpoint::Reviews {
        let results = answer.body["results"]
            .as_array()
            .expect("a review answers with results");
        return Ok(results
            .iter()
            .map(|r| {
                if r.get("error").is_some() {
                    None
                } else {
                    Some(r["allowed"].as_bool().expect("`allowed` is a boolean"))
                }
            })
            .collect());
    }
    let item = |v: &Value| -> Option<bool> {
        if v["context"].get("error").is_some() {
            None
        } else {
            Some(v["decision"].as_bool().expect("a decision is a boolean"))
        }
    };
    Ok(
        match answer.body.get("evaluations").and_then(Value::as_array) {
            Some(items) => items.iter().map(item).collect(),
            None => vec![item(&answer.body)],
        },
    )
}

/// The sidecar's answer as text (for looking at what the generator writes).
pub fn sidecar_answer(app: &App, endpoint: Endpoint, body: &[u8]) -> String {
    let Ok(value) = strict::parse(body) else {
        return "not JSON".into();
    };
    let cancel = Cancel::new();
    match endpoint {
        Endpoint::Evaluation => authzen::evaluation(app, value, &cancel),
        Endpoint::Evaluations => authzen::evaluations(app, value, &cancel),
        Endpoint::Reviews => rbac::subject_access_reviews(app, value, &cancel),
    }
    .map_or_else(|e| e.json().to_string(), |a| a.body.to_string())
}

/// Checks one body: how many items the sidecar decided, or the disagreement.
pub fn check_body(app: &App, endpoint: Endpoint, body: &[u8]) -> Result<usize, String> {
    let answered = sidecar(app, endpoint, body);
    if has_duplicate_member(body) {
        return match answered {
            Err(_) => Ok(0),
            Ok(items) => Err(format!(
                "a body with a member given twice was decided: {items:?}"
            )),
        };
    }
    let Ok(items) = answered else {
        return Ok(0);
    };
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return Err("the sidecar decided a body that is not JSON".into());
    };
    let tables = app.tables();
    let lines = translate(&tables, endpoint, &value);
    for (i, item) in items.iter().enumerate() {
        let Some(decision) = item else { continue };
        let Some(line) = lines.get(i) else {
            return Err(format!("item {i} decided, but the body has no item {i}"));
        };
        match decide_line(&tables, line, false) {
            Ok(answer) => {
                if answer["allowed"].as_bool() != Some(*decision) {
                    return Err(format!(
                        "item {i}: the sidecar decided {decision}, `check --batch` {answer} on {line}"
                    ));
                }
            }
            Err(problems) => {
                return Err(format!(
                    "item {i}: the sidecar decided {decision}, `check --batch` refused {line}: {problems}"
                ))
            }
        }
    }
    Ok(items.iter().flatten().count())
}

/// Whether some object of the JSON text has a member twice (read independently of the
/// sidecar's strict parser: names are collected per object and compared).
pub fn has_duplicate_member(body: &[u8]) -> bool {
    use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
    struct Scan(bool);
    impl<'de> Visitor<'de> for &mut Scan {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("JSON")
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while seq.next_element_seed(Seed(self))?.is_some() {}
            Ok(())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let mut names = Vec::new();
            while let Some(name) = map.next_key::<String>()? {
                if names.contains(&name) {
                    self.0 = true;
                }
                names.push(name);
                map.next_value_seed(Seed(self))?;
            }
            Ok(())
        }
    }
    struct Seed<'s>(&'s mut Scan);
    impl<'de> serde::de::DeserializeSeed<'de> for Seed<'_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self.0)
        }
    }
    let mut scan = Scan(false);
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let _ = serde::de::DeserializeSeed::deserialize(Seed(&mut scan), &mut deserializer)
        .map(|()| IgnoredAny);
    scan.0
}

/// Written into a line for what the translation does not accept: a member the batch
/// does not know, so the line is refused.
const REFUSE: (&str, &str) = ("not_understood", "true");

/// A JSON line under construction: members as text, repeated names allowed.
#[derive(Default, Clone)]
struct Line {
    members: Vec<(String, String)>,
    objects: Vec<(String, String)>,
}

impl Line {
    fn refuse(&mut self) {
        self.members.push((REFUSE.0.into(), REFUSE.1.into()));
    }

    fn render(&self) -> String {
        let mut members: Vec<String> = self
            .members
            .iter()
            .map(|(k, v)| format!("{}: {v}", Value::String(k.clone())))
            .collect();
        if !self.objects.is_empty() {
            let objects: Vec<String> = self
                .objects
                .iter()
                .map(|(k, v)| format!("{}: {v}", Value::String(k.clone())))
                .collect();
            members.push(format!("\"objects\": {{{}}}", objects.join(", ")));
        }
        format!("{{{}}}", members.join(", "))
    }
}

/// The members of `value` when it is an object (else the line is refused).
fn object<'v>(value: &'v Value, line: &mut Line) -> Option<&'v Map<String, Value>> {
    let map = value.as_object();
    if map.is_none() {
        line.refuse();
    }
    map
}

/// Refuses the line when `map` has a member outside `known`.
fn only(map: &Map<String, Value>, known: &[&str], line: &mut Line) {
    if map.keys().any(|k| !known.contains(&k.as_str())) {
        line.refuse();
    }
}

/// `properties` of a subject or an action: absent, or an empty object.
fn empty_properties(map: &Map<String, Value>, line: &mut Line) {
    if let Some(p) = map.get("properties") {
        if p.as_object().is_none_or(|p| !p.is_empty()) {
            line.refuse();
        }
    }
}

fn subject(_: &Tables, value: &Value, line: &mut Line) {
    let Some(map) = object(value, line) else {
        return;
    };
    only(map, &["type", "id", "properties"], line);
    empty_properties(map, line);
    let id = map.get("id").cloned().unwrap_or(Value::Null);
    let text = match (map.get("type").and_then(Value::as_str), id.as_str()) {
        (Some("user"), Some(id)) => Value::String(id.into()),
        (Some(kind @ ("playbook" | "notification")), Some(id)) => {
            Value::String(format!("{kind}:{id}"))
        }
        _ => {
            line.refuse();
            id
        }
    };
    line.members.push(("subject".into(), text.to_string()));
}

fn action(_: &Tables, value: &Value, line: &mut Line) {
    let Some(map) = object(value, line) else {
        return;
    };
    only(map, &["name", "properties"], line);
    empty_properties(map, line);
    let name = map.get("name").cloned().unwrap_or(Value::Null);
    line.members.push(("action".into(), name.to_string()));
}

/// A resource: an object of the line, or its global object.
fn resource(_: &Tables, value: &Value, line: &mut Line) {
    let Some(map) = object(value, line) else {
        return;
    };
    only(map, &["type", "id", "properties"], line);
    let id = map.get("id").cloned().unwrap_or(Value::Null);
    let kind = map.get("type").and_then(Value::as_str).unwrap_or_default();
    if kind == "global" {
        if map.contains_key("properties") {
            line.refuse();
        }
        line.members.push(("global".into(), id.to_string()));
        return;
    }
    if !["playbook", "config", "component", "connection"].contains(&kind) {
        line.refuse();
    }
    let text = match map.get("properties") {
        None => id.to_string(),
        Some(Value::Object(p)) => {
            // The attributes with the identity inside: `id` from the resource, the
            // object's own type from `object_type`; anything else copied as it is.
            let mut members = vec![format!("\"id\": {id}")];
            for (k, v) in p {
                let name = match k.as_str() {
                    "object_type" => "type".to_string(),
                    "id" | "type" => {
                        line.refuse();
                        k.clone()
                    }
                    "properties" => {
                        line.refuse();
                        k.clone()
                    }
                    _ => k.clone(),
                };
                members.push(format!("{}: {v}", Value::String(name)));
            }
            format!("{{{}}}", members.join(", "))
        }
        Some(other) => {
            line.refuse();
            other.to_string()
        }
    };
    line.objects.push((kind.to_string(), text));
}

/// A `context`: its resources are objects of the line; `explain` must be a boolean.
fn context(tables: &Tables, value: &Value, line: &mut Line) {
    let Some(map) = object(value, line) else {
        return;
    };
    only(map, &["resources", "explain"], line);
    if map.get("explain").is_some_and(|e| !e.is_boolean()) {
        line.refuse();
    }
    match map.get("resources") {
        None => {}
        Some(Value::Array(items)) => {
            for item in items {
                if item.get("type").and_then(Value::as_str) == Some("global") {
                    // A global object is only ever the resource itself.
                    line.refuse();
                }
                resource(tables, item, line);
            }
        }
        Some(_) => line.refuse(),
    }
}

/// The lines of a review (`{resource: {playbook?, config?, component?, connection?,
/// global?}, action, subjects}`), one per subject (`["*"]`: every principal, in the
/// tables' order). Subjects are the batch's subject names as they are.
fn translate_review(tables: &Tables, map: &Map<String, Value>) -> Vec<String> {
    let mut top = Line::default();
    only(map, &["resource", "action", "subjects"], &mut top);
    match map.get("action") {
        Some(a @ Value::String(_)) => top.members.push(("action".into(), a.to_string())),
        _ => top.refuse(),
    }
    match map.get("resource").and_then(Value::as_object) {
        Some(r) => {
            only(
                r,
                &["playbook", "config", "component", "connection", "global"],
                &mut top,
            );
            if r.is_empty() || (r.contains_key("global") && r.len() > 1) {
                top.refuse();
            }
            for (k, v) in r {
                if !v.is_string() {
                    top.refuse();
                }
                if k == "global" {
                    top.members.push(("global".into(), v.to_string()));
                } else {
                    top.objects.push((k.clone(), v.to_string()));
                }
            }
        }
        None => top.refuse(),
    }
    let subjects: Vec<Value> = match map.get("subjects").and_then(Value::as_array) {
        Some(s) if s.len() == 1 && s[0] == "*" => tables
            .principals()
            .filter_map(|p| tables.principal_name(p))
            .map(Value::String)
            .collect(),
        Some(s) if !s.is_empty() => s.clone(),
        _ => {
            top.refuse();
            Vec::new()
        }
    };
    subjects
        .iter()
        .map(|subject| {
            let mut line = top.clone();
            if !subject.is_string() {
                line.refuse();
            }
            line.members.push(("subject".into(), subject.to_string()));
            line.render()
        })
        .collect()
}

/// The lines of a body, one per item the sidecar answers (`tables` tell a person's
/// name from a service's).
pub fn translate(tables: &Tables, endpoint: Endpoint, body: &Value) -> Vec<String> {
    let mut top = Line::default();
    let Some(map) = object(body, &mut top) else {
        return vec![top.render()];
    };
    if endpoint == Endpoint::Reviews {
        return translate_review(tables, map);
    }
    let defaults = map;
    let items: Vec<Value> = match endpoint {
        Endpoint::Evaluation => {
            only(map, &["subject", "action", "resource", "context"], &mut top);
            Vec::new()
        }
        Endpoint::Reviews => Vec::new(),
        Endpoint::Evaluations => {
            only(
                map,
                &[
                    "subject",
                    "action",
                    "resource",
                    "context",
                    "evaluations",
                    "options",
                ],
                &mut top,
            );
            if let Some(options) = map.get("options") {
                let semantic = options.get("evaluations_semantic");
                let fine = options
                    .as_object()
                    .is_some_and(|o| o.keys().all(|k| k == "evaluations_semantic"))
                    && semantic.is_none_or(|s| {
                        [
                            "execute_all",
                            "deny_on_first_deny",
                            "permit_on_first_permit",
                        ]
                        .contains(&s.as_str().unwrap_or_default())
                    });
                if !fine {
                    top.refuse();
                }
            }
            match map.get("evaluations") {
                None => Vec::new(),
                Some(Value::Array(items)) => items.clone(),
                Some(_) => {
                    top.refuse();
                    Vec::new()
                }
            }
        }
    };
    // The defaults are checked once, whatever the items.
    let mut checked = top.clone();
    for (name, read) in [
        ("subject", subject as fn(&Tables, &Value, &mut Line)),
        ("action", action),
        ("resource", resource),
        ("context", context),
    ] {
        if let Some(v) = defaults.get(name) {
            read(tables, v, &mut checked);
        }
    }
    let refused_at_top = checked.members.iter().any(|(k, _)| k == REFUSE.0);
    let one = |item: Option<&Map<String, Value>>| -> String {
        let mut line = Line::default();
        if refused_at_top {
            line.refuse();
        }
        if let Some(item) = item {
            only(
                item,
                &["subject", "action", "resource", "context"],
                &mut line,
            );
        }
        let pick = |name: &str| item.and_then(|i| i.get(name)).or(defaults.get(name));
        match pick("subject") {
            Some(v) => {
                subject(tables, v, &mut line);
                // `check --batch` reads a user's id as any subject name, so the subject
                // an item is decided for, when a `user` whose id names no person (a
                // playbook's `playbook:ns/name`, say), is refused.
                let user_id = (v.get("type") == Some(&Value::from("user")))
                    .then(|| v.get("id").and_then(Value::as_str))
                    .flatten();
                if user_id.is_some_and(|id| tables.person(id).is_err()) {
                    line.refuse();
                }
            }
            None => line.refuse(),
        }
        match pick("action") {
            Some(v) => action(tables, v, &mut line),
            None => line.refuse(),
        }
        match pick("resource") {
            Some(v) => resource(tables, v, &mut line),
            None => line.refuse(),
        }
        if let Some(c) = defaults.get("context") {
            context(tables, c, &mut line);
        }
        if let Some(c) = item.and_then(|i| i.get("context")) {
            context(tables, c, &mut line);
        }
        line.render()
    };
    if items.is_empty() {
        return vec![one(None)];
    }
    items
        .iter()
        .map(|item| match item.as_object() {
            Some(i) => one(Some(i)),
            None => {
                let mut line = Line::default();
                line.refuse();
                line.render()
            }
        })
        .collect()
}

/// Reads choices from fuzz bytes (zeros once they run out).
struct Choices<'a> {
    bytes: &'a [u8],
}

impl Choices<'_> {
    fn byte(&mut self) -> u8 {
        match self.bytes.split_first() {
            Some((b, rest)) => {
                self.bytes = rest;
                *b
            }
            None => 0,
        }
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            usize::from(self.byte()) % n
        }
    }

    fn chance(&mut self, in_16: u8) -> bool {
        self.byte() % 16 < in_16
    }

    fn pick<'p>(&mut self, items: &'p [String]) -> &'p str {
        items
            .get(self.below(items.len()))
            .map_or("", String::as_str)
    }
}

/// The names of the tables, for bodies that mostly resolve.
struct Names {
    subjects: Vec<String>,
    actions: Vec<String>,
    objects: Vec<(Category, Vec<String>)>,
    globals: Vec<String>,
}

impl Names {
    fn of(tables: &Tables) -> Names {
        Names {
            subjects: tables
                .principals()
                .filter_map(|p| tables.principal_name(p))
                .take(16)
                .collect(),
            actions: tables.actions().map(|(_, a)| a.to_string()).collect(),
            objects: Category::ALL
                .iter()
                .map(|c| {
                    (
                        *c,
                        tables
                            .objects(*c)
                            .filter_map(|o| tables.object_key(o).map(str::to_string))
                            .take(8)
                            .collect(),
                    )
                })
                .collect(),
            globals: tables.globals().map(|(_, g)| g.to_string()).collect(),
        }
    }
}

/// A member name, sometimes misspelled the ways issue 20 saw.
fn name(choices: &mut Choices<'_>, name: &str) -> String {
    let s = name.to_string();
    match choices.below(160) {
        0 => s.trim_end_matches('s').to_string(),
        1 => s.to_uppercase(),
        2 => {
            let mut t = s.clone();
            t.insert(0, t.chars().next().unwrap_or('x'));
            t
        }
        3 => format!("{s}s"),
        _ => s,
    }
}

/// `{k: v, ...}` as text, sometimes with a member twice.
fn members(choices: &mut Choices<'_>, members: Vec<(String, String)>) -> String {
    let mut out: Vec<String> = members
        .iter()
        .map(|(k, v)| format!("{}: {v}", Value::String(k.clone())))
        .collect();
    if !members.is_empty() && choices.below(80) == 0 {
        let (k, v) = &members[choices.below(members.len())];
        out.push(format!("{}: {v}", Value::String(k.clone())));
    }
    if choices.below(80) == 0 {
        out.push("\"extra\": 1".into());
    }
    format!("{{{}}}", out.join(", "))
}

fn quoted(s: &str) -> String {
    Value::String(s.into()).to_string()
}

fn gen_subject(choices: &mut Choices<'_>, names: &Names) -> String {
    let full = if choices.below(20) == 0 {
        "nobody@example.com".to_string()
    } else {
        choices.pick(&names.subjects).to_string()
    };
    let (kind, id) = match full.split_once(':') {
        // Now and then a service's whole name given as a user's id.
        Some((_, _)) if choices.below(12) == 0 => ("user".to_string(), full.clone()),
        Some((k @ ("playbook" | "notification"), id)) => (k.to_string(), id.to_string()),
        _ => ("user".to_string(), full.clone()),
    };
    let mut m = vec![
        (name(choices, "type"), quoted(&kind)),
        (name(choices, "id"), quoted(&id)),
    ];
    match choices.below(16) {
        0 => m.push(("properties".into(), "{}".into())),
        1 => m.push(("properties".into(), "{\"roles\": [\"admin\"]}".into())),
        _ => {}
    }
    members(choices, m)
}

fn gen_action(choices: &mut Choices<'_>, names: &Names) -> String {
    let a = choices.pick(&names.actions).to_string();
    let member = name(choices, "name");
    members(choices, vec![(member, quoted(&a))])
}

fn gen_resource(choices: &mut Choices<'_>, names: &Names) -> String {
    if choices.below(10) == 0 {
        let g = choices.pick(&names.globals).to_string();
        return members(
            choices,
            vec![("type".into(), quoted("global")), ("id".into(), quoted(&g))],
        );
    }
    let (category, keys) = &names.objects[choices.below(names.objects.len())];
    let mut kind = category.name().to_string();
    if choices.below(40) == 0 {
        kind = category.plural().to_string();
    }
    let described = choices.below(5) == 0;
    let id = if described {
        format!("fresh-{}", choices.below(4))
    } else {
        choices.pick(keys).to_string()
    };
    let mut m = vec![
        (name(choices, "type"), quoted(&kind)),
        (name(choices, "id"), quoted(&id)),
    ];
    if described || choices.below(12) == 0 {
        let mut p = vec![(
            "namespace".to_string(),
            quoted(["mc", "default", "mission-control", "prod"][choices.below(4)]),
        )];
        match choices.below(8) {
            0 => p.push(("object_type".into(), quoted("Kubernetes::Pod"))),
            1 => p.push(("type".into(), quoted("Kubernetes::Pod"))),
            2 => p.push(("id".into(), quoted(choices.pick(keys)))),
            3 => p.push(("tags".into(), "{\"env\": \"prod\"}".into())),
            4 => p.push(("name".into(), quoted("fresh"))),
            _ => {}
        }
        let p = members(choices, p);
        m.push(("properties".into(), p));
    }
    members(choices, m)
}

fn gen_context(choices: &mut Choices<'_>, names: &Names) -> String {
    let mut m = Vec::new();
    if choices.chance(10) {
        let n = choices.below(3);
        let resources: Vec<String> = (0..n).map(|_| gen_resource(choices, names)).collect();
        m.push((
            name(choices, "resources"),
            format!("[{}]", resources.join(", ")),
        ));
    }
    if choices.chance(4) {
        m.push((name(choices, "explain"), "true".into()));
    }
    members(choices, m)
}

/// An evaluation's members: each of subject, action and resource when `wanted` says so
/// (sometimes left out, as a mistake), and now and then a context.
fn gen_evaluation(
    choices: &mut Choices<'_>,
    names: &Names,
    wanted: [bool; 3],
) -> Vec<(String, String)> {
    let mut m = Vec::new();
    let keep = |choices: &mut Choices<'_>, wanted: bool| {
        if wanted {
            choices.below(64) != 0
        } else {
            choices.below(12) == 0
        }
    };
    if keep(choices, wanted[0]) {
        m.push((name(choices, "subject"), gen_subject(choices, names)));
    }
    if keep(choices, wanted[1]) {
        m.push((name(choices, "action"), gen_action(choices, names)));
    }
    if keep(choices, wanted[2]) {
        m.push((name(choices, "resource"), gen_resource(choices, names)));
    }
    if choices.chance(6) {
        m.push((name(choices, "context"), gen_context(choices, names)));
    }
    m
}

/// A body written from the tables' names, with the mistakes of issue 20 mixed in: typos
/// in member names, members given twice, plural types, identities in `properties`, a
/// second object of a category, batch defaults and items.
pub fn generate(tables: &Tables, bytes: &[u8]) -> (Endpoint, String) {
    let names = Names::of(tables);
    let mut choices = Choices { bytes };
    if choices.chance(6) {
        let m = gen_evaluation(&mut choices, &names, [true; 3]);
        return (Endpoint::Evaluation, members(&mut choices, m));
    }
    // Each part is a default or given by every item.
    let in_defaults = [choices.chance(8), choices.chance(8), choices.chance(8)];
    let n = if choices.below(8) == 0 {
        0
    } else {
        1 + choices.below(4)
    };
    let mut top = gen_evaluation(&mut choices, &names, in_defaults.map(|d| d || n == 0));
    let items: Vec<String> = (0..n)
        .map(|_| {
            let m = gen_evaluation(&mut choices, &names, in_defaults.map(|d| !d));
            members(&mut choices, m)
        })
        .collect();
    if n > 0 || choices.below(4) == 0 {
        top.push(("evaluations".into(), format!("[{}]", items.join(", "))));
    }
    if choices.below(8) == 0 {
        let semantic = [
            "execute_all",
            "deny_on_first_deny",
            "permit_on_first_permit",
            "first",
        ][choices.below(4)];
        top.push((
            "options".into(),
            format!("{{\"evaluations_semantic\": {}}}", quoted(semantic)),
        ));
    }
    (Endpoint::Evaluations, members(&mut choices, top))
}

/// A Mission Control review written from the tables' names, now and then with a typo, a
/// member twice, a plural or a Mission Control resource Rampart does not model.
pub fn generate_review(tables: &Tables, bytes: &[u8]) -> String {
    let names = Names::of(tables);
    let mut choices = Choices { bytes };
    let mut resource = Vec::new();
    if choices.below(10) == 0 {
        let g = choices.pick(&names.globals).to_string();
        resource.push((name(&mut choices, "global"), quoted(&g)));
    }
    for _ in 0..=choices.below(2) {
        let (category, keys) = &names.objects[choices.below(names.objects.len())];
        let key = choices.pick(keys).to_string();
        let mut member = category.name().to_string();
        match choices.below(40) {
            0 => member = category.plural().to_string(),
            1 => member = "check".into(),
            _ => {}
        }
        resource.push((name(&mut choices, &member), quoted(&key)));
    }
    let resource = members(&mut choices, resource);
    let subjects: Vec<String> = if choices.below(6) == 0 {
        vec![quoted("*")]
    } else {
        (0..choices.below(4))
            .map(|_| {
                if choices.below(16) == 0 {
                    quoted("nobody@example.com")
                } else {
                    quoted(choices.pick(&names.subjects))
                }
            })
            .collect()
    };
    let action = choices.pick(&names.actions).to_string();
    let top = vec![
        (name(&mut choices, "resource"), resource),
        (name(&mut choices, "action"), quoted(&action)),
        (
            name(&mut choices, "subjects"),
            format!("[{}]", subjects.join(", ")),
        ),
    ];
    members(&mut choices, top)
}
