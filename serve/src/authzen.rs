//! OpenID AuthZEN 1.0: access evaluation (one and a batch), the three search APIs and the
//! discovery document.
//!
//! A name that does not resolve is an error (HTTP 400 with its code) for a single
//! evaluation; inside a batch it is that item's `{"decision": false, "context": {"error"}}`
//! so that one bad item neither fails the batch nor reads as an allow.

use rampart_runtime::{Category, IdTarget, ObjectIds, Response, Tables};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::api_error::ApiError;
use super::app::{parse, Answer, App};
use super::model::{category, subject_name, Action, OwnedRequest, OwnedTarget, Resource, Subject};
use rampart_runtime::json::{candidate_json, deciding_json};

/// `context` of a request: a second resource for two-object checks, and whether to
/// explain. Other members are accepted and ignored, as AuthZEN's context is open.
#[derive(Clone, Debug, Default, Deserialize)]
struct Context {
    #[serde(default)]
    resources: Vec<Resource>,
    #[serde(default)]
    explain: bool,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Evaluation {
    subject: Subject,
    action: Action,
    resource: Resource,
    #[serde(default)]
    context: Option<Context>,
}

/// The `context` of an answer: the reason code, and with `explain` the deciding
/// permissions (or for a denial the nearest rules and the clause that failed).
fn answer_context(response: &Response, revision: &str) -> Value {
    let mut context = json!({"reason": response.reason().code(), "revision": revision});
    if let (Some(explanation), Some(map)) = (response.explanation(), context.as_object_mut()) {
        map.insert(
            "reason_user".into(),
            json!({
                "permissions": explanation.deciding.iter().map(deciding_json).collect::<Vec<_>>(),
                "candidates": explanation.candidates.iter().map(candidate_json).collect::<Vec<_>>(),
            }),
        );
    }
    context
}

/// Decides one evaluation against one snapshot.
fn decide(app: &App, tables: &Tables, e: &Evaluation) -> Result<Value, ApiError> {
    let context = e.context.clone().unwrap_or_default();
    let request = OwnedRequest {
        subject: subject_name(&e.subject)?,
        action: e.action.name.clone(),
        target: OwnedTarget::new(&e.resource, &context.resources)?,
    };
    let response = if context.explain {
        tables.explain(&request.request())?
    } else {
        tables.is_authorized(&request.request())?
    };
    let allowed = response.is_allowed();
    app.metrics.decision(allowed);
    app.log_decision(|| {
        json!({
            "revision": tables.revision(),
            "subject": request.subject,
            "action": request.action,
            "resources": request.target.describe(),
            "effect": response.effect().word(),
            "reason": response.reason().code(),
        })
    });
    Ok(json!({"decision": allowed, "context": answer_context(&response, tables.revision())}))
}

/// `POST /access/v1/evaluation`.
pub fn evaluation(app: &App, body: Value) -> Result<Answer, ApiError> {
    let e: Evaluation = parse(body, "evaluation")?;
    let tables = app.tables();
    let body = decide(app, &tables, &e)?;
    Ok(Answer {
        body,
        revision: tables.revision().to_string(),
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Semantic {
    ExecuteAll,
    DenyOnFirstDeny,
    PermitOnFirstPermit,
}

/// `POST /access/v1/evaluations`: top-level `subject`, `action`, `resource` and
/// `context` are defaults each item may override; answers come in order.
pub fn evaluations(app: &App, body: Value) -> Result<Answer, ApiError> {
    let Value::Object(mut top) = body else {
        return Err(ApiError::malformed("the body must be a JSON object"));
    };
    if let Some(k) = top.keys().find(|k| {
        !matches!(
            k.as_str(),
            "subject" | "action" | "resource" | "context" | "evaluations" | "options"
        )
    }) {
        return Err(ApiError::malformed(format!("unknown field `{k}`")));
    }
    let items = match top.remove("evaluations") {
        None => Vec::new(),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(ApiError::malformed("`evaluations` must be an array")),
    };
    let semantic = match top
        .remove("options")
        .as_ref()
        .and_then(|o| o.get("evaluations_semantic"))
    {
        None => Semantic::ExecuteAll,
        Some(v) => match v.as_str() {
            Some("execute_all") => Semantic::ExecuteAll,
            Some("deny_on_first_deny") => Semantic::DenyOnFirstDeny,
            Some("permit_on_first_permit") => Semantic::PermitOnFirstPermit,
            _ => {
                return Err(ApiError::malformed(
                    "`options.evaluations_semantic` is one of execute_all, deny_on_first_deny, permit_on_first_permit",
                ))
            }
        },
    };
    if items.is_empty() {
        return evaluation(app, Value::Object(top));
    }
    if items.len() > app.max_batch {
        return Err(ApiError::malformed(format!(
            "{} evaluations in one batch; at most {}",
            items.len(),
            app.max_batch
        )));
    }
    let tables = app.tables();
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let Value::Object(fields) = item else {
            out.push(item_error(
                app,
                &ApiError::malformed("an evaluation must be a JSON object"),
            ));
            continue;
        };
        let mut merged: Map<String, Value> = top.clone();
        merged.extend(fields);
        let answer = parse::<Evaluation>(Value::Object(merged), "evaluation")
            .and_then(|e| decide(app, &tables, &e));
        let answer = answer.unwrap_or_else(|e| item_error(app, &e));
        let decision = answer.get("decision").and_then(Value::as_bool) == Some(true);
        out.push(answer);
        match semantic {
            Semantic::DenyOnFirstDeny if !decision => break,
            Semantic::PermitOnFirstPermit if decision => break,
            _ => {}
        }
    }
    Ok(Answer {
        body: json!({"evaluations": out}),
        revision: tables.revision().to_string(),
    })
}

fn item_error(app: &App, e: &ApiError) -> Value {
    app.metrics.error(e.code());
    json!({"decision": false, "context": {"error": e.json()}})
}

/// `page` of a search request.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Page {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    limit: Option<usize>,
}

const DEFAULT_PAGE: usize = 1000;
const MAX_PAGE: usize = 10_000;

/// One page of `items`; tokens name the tables' revision, so a page of other tables is
/// refused rather than silently skipping or repeating results.
fn paginate(items: Vec<Value>, page: Option<&Page>, revision: &str) -> Result<Value, ApiError> {
    let page = page.cloned().unwrap_or_default();
    let limit = page.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
    let prefix: String = revision.chars().take(16).collect();
    let start = match page.token.as_deref() {
        None | Some("") => 0,
        Some(token) => {
            let (rev, offset) = token.split_once('.').ok_or_else(|| {
                ApiError::malformed("`page.token` is not a token this server gave")
            })?;
            if rev != prefix {
                return Err(ApiError::malformed(
                    "`page.token` belongs to other tables (they were reloaded); start the search again",
                ));
            }
            offset
                .parse::<usize>()
                .map_err(|_| ApiError::malformed("`page.token` is not a token this server gave"))?
        }
    };
    let end = start.saturating_add(limit).min(items.len());
    let results: Vec<Value> = items.get(start.min(end)..end).unwrap_or(&[]).to_vec();
    let next = if end < items.len() {
        format!("{prefix}.{end}")
    } else {
        String::new()
    };
    Ok(
        json!({"results": results, "page": {"next_token": next, "count": results.len(), "total": items.len()}}),
    )
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SubjectKind {
    #[serde(rename = "type")]
    kind: String,
    /// Accepted as AuthZEN allows it; a search does not depend on it.
    #[serde(default)]
    #[allow(dead_code)]
    properties: Option<Value>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SubjectSearch {
    subject: SubjectKind,
    action: Action,
    resource: Resource,
    #[serde(default)]
    context: Option<Context>,
    #[serde(default)]
    page: Option<Page>,
}

/// The subject type and id of a principal name.
fn principal_type(name: &str) -> (&'static str, &str) {
    if let Some(rest) = name.strip_prefix("playbook:") {
        ("playbook", rest)
    } else if let Some(rest) = name.strip_prefix("notification:") {
        ("notification", rest)
    } else {
        ("user", name)
    }
}

/// Known objects by id, for the fast reverse query; `None` when one is described by
/// attributes and unknown to the catalog.
fn known_target(tables: &Tables, target: &OwnedTarget) -> Result<Option<IdTarget>, ApiError> {
    match target {
        OwnedTarget::Global(g) => Ok(Some(IdTarget::Global(tables.global(g)?))),
        OwnedTarget::Objects(objects) => {
            let mut ids: Option<ObjectIds> = None;
            for o in objects {
                let id = match tables.object(o.category(), o.key()) {
                    Ok(id) => id,
                    Err(_) if matches!(o.as_ref(), rampart_runtime::ObjectRef::Attributes(_)) => {
                        return Ok(None)
                    }
                    Err(e) => return Err(e.into()),
                };
                ids = Some(match ids {
                    None => ObjectIds::one(id),
                    Some(ids) => ids.and(id)?,
                });
            }
            Ok(ids.map(IdTarget::Objects))
        }
    }
}

/// `POST /access/v1/search/subject`: the subjects of a type that may do the action.
pub fn search_subject(app: &App, body: Value) -> Result<Answer, ApiError> {
    let s: SubjectSearch = parse(body, "subject search")?;
    if !matches!(
        s.subject.kind.as_str(),
        "user" | "playbook" | "notification"
    ) {
        return Err(ApiError::malformed(format!(
            "subject type `{}` is not one of user, playbook, notification",
            s.subject.kind
        )));
    }
    let tables = app.tables();
    let context = s.context.unwrap_or_default();
    let target = OwnedTarget::new(&s.resource, &context.resources)?;
    let action = tables.action(&s.action.name)?;
    let names: Vec<String> = match known_target(&tables, &target)? {
        Some(ids) => tables
            .who_can(action, &ids)?
            .into_iter()
            .filter_map(|p| tables.principal_name(p))
            .collect(),
        None => {
            // An object only described by attributes: each principal is decided by rules.
            let mut out = Vec::new();
            for p in tables.principals() {
                let Some(name) = tables.principal_name(p) else {
                    continue;
                };
                let request = rampart_runtime::Request::new(&name, &s.action.name, target.target());
                if tables.is_authorized(&request)?.is_allowed() {
                    out.push(name);
                }
            }
            out
        }
    };
    let items = names
        .iter()
        .map(|n| principal_type(n))
        .filter(|(kind, _)| *kind == s.subject.kind)
        .map(|(kind, id)| json!({"type": kind, "id": id}))
        .collect();
    Ok(Answer {
        body: paginate(items, s.page.as_ref(), tables.revision())?,
        revision: tables.revision().to_string(),
    })
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResourceSearch {
    subject: Subject,
    action: Action,
    resource: ResourceKind,
    #[serde(default)]
    context: Option<Context>,
    #[serde(default)]
    page: Option<Page>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResourceKind {
    #[serde(rename = "type")]
    kind: String,
    /// Accepted as AuthZEN allows it; a search does not depend on it.
    #[serde(default)]
    #[allow(dead_code)]
    properties: Option<Value>,
}

/// `POST /access/v1/search/resource`: the known objects of a type the subject may act
/// on (with `context.resources`, together with that fixed object), and the rules that
/// admit objects the catalog does not know, in `context.unknown_objects`.
pub fn search_resource(app: &App, body: Value) -> Result<Answer, ApiError> {
    let s: ResourceSearch = parse(body, "resource search")?;
    let tables = app.tables();
    let wanted: Category = category(&s.resource.kind)?;
    let principal = tables.principal(&subject_name(&s.subject)?)?;
    let action = tables.action(&s.action.name)?;
    let context = s.context.unwrap_or_default();
    let listing = match context.resources.as_slice() {
        [] => tables.list(principal, action, wanted)?,
        [fixed] => {
            let with = tables.object(category(&fixed.kind)?, fixed.id.as_deref().unwrap_or(""))?;
            tables.list_with(principal, action, wanted, with)?
        }
        _ => {
            return Err(ApiError::malformed(
                "`context.resources` holds at most one object to pair with",
            ))
        }
    };
    let items = listing
        .iter()
        .filter_map(|o| tables.object_key(o))
        .map(|key| json!({"type": wanted.name(), "id": key}))
        .collect();
    let mut body = paginate(items, s.page.as_ref(), tables.revision())?;
    let residual = listing.residual();
    if let Some(map) = body.as_object_mut() {
        map.insert(
            "context".into(),
            json!({"unknown_objects": {
                "allow_all": residual.allow_all,
                "allow": residual.allow,
                "deny_all": residual.deny_all,
                "deny": residual.deny,
            }}),
        );
    }
    Ok(Answer {
        body,
        revision: tables.revision().to_string(),
    })
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ActionSearch {
    subject: Subject,
    resource: Resource,
    #[serde(default)]
    context: Option<Context>,
    #[serde(default)]
    page: Option<Page>,
}

/// `POST /access/v1/search/action`: the actions the subject may do on the resource.
pub fn search_action(app: &App, body: Value) -> Result<Answer, ApiError> {
    let s: ActionSearch = parse(body, "action search")?;
    let tables = app.tables();
    let subject = subject_name(&s.subject)?;
    let context = s.context.unwrap_or_default();
    let target = OwnedTarget::new(&s.resource, &context.resources)?;
    let mut items = Vec::new();
    for (_, name) in tables.actions() {
        let request = rampart_runtime::Request::new(&subject, name, target.target());
        match tables.is_authorized(&request) {
            Ok(response) if response.is_allowed() => items.push(json!({"name": name})),
            Ok(_) => {}
            // The vocabulary lists `invoke:*`, which stands for the dynamic actions and is
            // not one a request can ask for.
            Err(e) if e.code() == "unknown_action" => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Answer {
        body: paginate(items, s.page.as_ref(), tables.revision())?,
        revision: tables.revision().to_string(),
    })
}

/// `GET /.well-known/authzen-configuration`.
pub fn configuration(base: &str) -> Value {
    json!({
        "policy_decision_point": base,
        "access_evaluation_endpoint": format!("{base}/access/v1/evaluation"),
        "access_evaluations_endpoint": format!("{base}/access/v1/evaluations"),
        "search_subject_endpoint": format!("{base}/access/v1/search/subject"),
        "search_resource_endpoint": format!("{base}/access/v1/search/resource"),
        "search_action_endpoint": format!("{base}/access/v1/search/action"),
    })
}
