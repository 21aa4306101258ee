//! OpenID AuthZEN 1.0: access evaluation (one and a batch), the three search APIs and the
//! discovery document. Bodies are read by [`crate::model`] onto the one request model.
//!
//! A name that does not resolve is an error (HTTP 400 with its code) for a single
//! evaluation; inside a batch it is that item's `{"decision": false, "context": {"error"}}`
//! so that one bad item neither fails the batch nor reads as an allow. A body whose
//! top level is not a request (an unknown member, a default that does not read) fails
//! the whole batch.

use rampart_runtime::json::request::required;
use rampart_runtime::json::response::{candidate_json, deciding_json};
use rampart_runtime::json::strict::{self, At, Members, Problems};
use rampart_runtime::{
    Category, Conditional, IdTarget, ObjectIds, ObjectRef, PrincipalId, Request, Response, Tables,
    Target,
};
use serde_json::{json, Value};

use super::api_error::ApiError;
use super::app::{Answer, App, Cancel};
use super::model::{
    action, context, decidable, describe, page, resource, resource_type, subject, subject_type,
    target, ContextUse, Evaluation, Page, ResourceKind,
};
use super::pairing;

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

/// Decides `item` (with `defaults` filling what it leaves out) against one snapshot;
/// `problems` holds what reading them found.
fn decide(
    app: &App,
    tables: &Tables,
    defaults: &Evaluation,
    item: &Evaluation,
    problems: Problems,
) -> Result<Value, ApiError> {
    let decided = decided(app, tables, defaults, item, problems, false)?;
    decided.count(app);
    Ok(decided.answer)
}

/// One decision: the answer, whether it allows, and its decision-log line when kept
/// for repeating (else it was logged when decided). Counted, and its kept line logged,
/// by [`Decided::count`], once per item asked.
struct Decided {
    answer: Value,
    allowed: bool,
    log: Option<Value>,
}

impl Decided {
    /// Counts the decision in the metrics and writes its log line.
    fn count(&self, app: &App) {
        app.metrics.decision(self.allowed);
        if let Some(line) = &self.log {
            app.log_decision(|| line.clone());
        }
    }
}

/// Decides `item` (with `defaults` filling what it leaves out) without counting it. Its
/// log line is logged now (made only if the sampler keeps it), or, with `keep_line`,
/// made when logs are on and kept for [`Decided::count`] to log each time it is asked.
fn decided(
    app: &App,
    tables: &Tables,
    defaults: &Evaluation,
    item: &Evaluation,
    mut problems: Problems,
    keep_line: bool,
) -> Result<Decided, ApiError> {
    let decidable = decidable(defaults, item, &mut problems);
    let decidable = problems.into_result(decidable)?;
    let request = &decidable.request;
    decidable.subject.principal(tables)?;
    let response = if decidable.explain {
        tables.explain(request)?
    } else {
        tables.is_authorized(request)?
    };
    let allowed = response.is_allowed();
    let line = || {
        json!({
            "revision": tables.revision(),
            "subject": request.subject(),
            "action": request.action(),
            "resources": describe(tables, request.target()),
            "effect": response.effect().word(),
            "reason": response.reason().code(),
        })
    };
    let log = if keep_line {
        app.logs_decisions().then(line)
    } else {
        app.log_decision(line);
        None
    };
    Ok(Decided {
        answer: json!({"decision": allowed, "context": answer_context(&response, tables.revision())}),
        allowed,
        log,
    })
}

/// `POST /access/v1/evaluation`.
pub fn evaluation(app: &App, body: Value, _cancel: &Cancel) -> Result<Answer, ApiError> {
    let mut problems = Problems::new();
    let mut item = Evaluation::read(body, At::ROOT, &mut problems);
    let tables = app.tables();
    app.resolve_evaluation(&tables, &mut item);
    let body = decide(app, &tables, &Evaluation::default(), &item, problems)?;
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

const SEMANTICS: [&str; 3] = [
    "execute_all",
    "deny_on_first_deny",
    "permit_on_first_permit",
];

/// `options: {evaluations_semantic?}`.
fn options(value: Value, at: At<'_>, problems: &mut Problems) -> Semantic {
    let Some(mut members) = Members::new(value, at, problems) else {
        return Semantic::ExecuteAll;
    };
    let name = "evaluations_semantic";
    let semantic = match members
        .take(name)
        .and_then(|v| strict::string(v, at.member(name), problems))
        .as_deref()
    {
        None | Some("execute_all") => Semantic::ExecuteAll,
        Some("deny_on_first_deny") => Semantic::DenyOnFirstDeny,
        Some("permit_on_first_permit") => Semantic::PermitOnFirstPermit,
        Some(other) => {
            problems.push(
                format!(
                    "{} is `{}`, which is not one of {}",
                    at.member(name),
                    rampart_runtime::text::shown(other),
                    SEMANTICS.map(|s| format!("`{s}`")).join(", ")
                ),
                rampart_runtime::suggest::did_you_mean(other, SEMANTICS.into_iter()),
            );
            Semantic::ExecuteAll
        }
    };
    members.finish(&[name], problems);
    semantic
}

/// The members of an `/evaluations` body.
const EVALUATIONS_MEMBERS: [&str; 6] = [
    "subject",
    "action",
    "resource",
    "context",
    "evaluations",
    "options",
];

/// `POST /access/v1/evaluations`: top-level `subject`, `action`, `resource` and
/// `context` are defaults each item may leave out (merged member by member, see
/// [`decidable`](crate::model::decidable)); answers come in order. The defaults are read
/// once and every item borrows them: the work is linear in the body. Stops between
/// items when the client has gone.
pub fn evaluations(app: &App, body: Value, cancel: &Cancel) -> Result<Answer, ApiError> {
    let at = At::ROOT;
    let mut problems = Problems::new();
    let Some(mut members) = Members::new(body, at, &mut problems) else {
        return Err(problems.into());
    };
    let mut defaults = Evaluation::take(&mut members, &mut problems);
    let items = members
        .take("evaluations")
        .and_then(|v| strict::array(v, at.member("evaluations"), &mut problems))
        .unwrap_or_default();
    let semantic = members.take("options").map_or(Semantic::ExecuteAll, |v| {
        options(v, at.member("options"), &mut problems)
    });
    members.finish(&EVALUATIONS_MEMBERS, &mut problems);
    let tables = app.tables();
    app.resolve_evaluation(&tables, &mut defaults);
    if items.is_empty() {
        let body = decide(app, &tables, &Evaluation::default(), &defaults, problems)?;
        return Ok(Answer {
            body,
            revision: tables.revision().to_string(),
        });
    }
    if !problems.is_empty() {
        return Err(problems.into());
    }
    if items.len() > app.max_batch {
        return Err(ApiError::malformed(format!(
            "{} evaluations in one batch; at most {}",
            items.len(),
            app.max_batch
        ))
        .with_help(Some("split the batch, or raise `--max-batch`".into())));
    }
    let evaluations_at = at.member("evaluations");
    let mut out = Vec::with_capacity(items.len());
    // An item that adds nothing (`{}`) asks the top-level request itself: decided once
    // per batch, then counted and logged for every such item, so a large top-level
    // object costs its size once, not once per item.
    let mut top_level: Option<Decided> = None;
    for (i, item) in items.into_iter().enumerate() {
        if cancel.is_cancelled() {
            return Err(Cancel::gone());
        }
        let adds_nothing = item.as_object().is_some_and(serde_json::Map::is_empty);
        let answer = match top_level.as_ref().filter(|_| adds_nothing) {
            Some(decided) => {
                decided.count(app);
                decided.answer.clone()
            }
            None => {
                let mut problems = Problems::new();
                let item_at = evaluations_at.index(i);
                let mut item = Evaluation::read(item, item_at, &mut problems);
                app.resolve_evaluation(&tables, &mut item);
                match decided(app, &tables, &defaults, &item, problems, adds_nothing) {
                    Ok(decided) => {
                        decided.count(app);
                        let answer = decided.answer.clone();
                        if adds_nothing {
                            top_level = Some(decided);
                        }
                        answer
                    }
                    Err(e) => item_error(app, &e),
                }
            }
        };
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

const DEFAULT_PAGE: usize = 1000;
const MAX_PAGE: usize = 10_000;

/// One page of `items`; tokens name the tables' revision, so a page of other tables is
/// refused rather than silently skipping or repeating results.
fn paginate(items: Vec<Value>, page: &Page, revision: &str) -> Result<Value, ApiError> {
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
fn known_target(tables: &Tables, target: &Target<'_>) -> Result<Option<IdTarget>, ApiError> {
    match target {
        Target::Global(g) => Ok(Some(IdTarget::Global(tables.global(g)?))),
        Target::Unscoped => Ok(Some(IdTarget::Unscoped)),
        Target::Objects(objects) => {
            let mut ids: Option<ObjectIds> = None;
            for (category, object) in objects.iter() {
                let key = match object {
                    ObjectRef::Key(key) => *key,
                    ObjectRef::Attributes(a) => match a.id.as_deref() {
                        Some(id) if tables.object(category, id).is_ok() => id,
                        _ => return Ok(None),
                    },
                };
                let id = tables.object(category, key)?;
                ids = Some(match ids {
                    None => ObjectIds::one(id),
                    Some(ids) => ids.and(id)?,
                });
            }
            Ok(ids.map(IdTarget::Objects))
        }
    }
}

/// One snapshot of the tables, with a search's objects the tables do not know looked up
/// ([`App::resolve`]).
fn resolved_tables(
    app: &App,
    resource: &mut Option<super::model::Resource>,
    context: &mut super::model::Context,
) -> std::sync::Arc<Tables> {
    let tables = app.tables();
    app.resolve(
        &tables,
        resource.iter_mut().chain(context.resources.iter_mut()),
    );
    tables
}

/// A reader of one member of a body.
type Reader<T> = fn(Value, At<'_>, &mut Problems) -> Option<T>;

/// The members of a search body: `subject`, `action` (on searches that take one) and
/// `resource`, each read by its reader, then `context` and `page`; with every problem.
struct SearchBody<S, R> {
    subject: Option<S>,
    action: Option<String>,
    resource: Option<R>,
    context: super::model::Context,
    page: Page,
    problems: Problems,
}

fn search_body<S, R>(
    body: Value,
    read_subject: Reader<S>,
    takes_action: bool,
    read_resource: Reader<R>,
) -> Result<SearchBody<S, R>, ApiError> {
    let at = At::ROOT;
    let mut problems = Problems::new();
    let Some(mut members) = Members::new(body, at, &mut problems) else {
        return Err(problems.into());
    };
    let subject = required(&mut members, "subject", &mut problems)
        .and_then(|v| read_subject(v, at.member("subject"), &mut problems));
    let action = if takes_action {
        required(&mut members, "action", &mut problems)
            .and_then(|v| action(v, at.member("action"), &mut problems))
    } else {
        None
    };
    let resource = required(&mut members, "resource", &mut problems)
        .and_then(|v| read_resource(v, at.member("resource"), &mut problems));
    let context = members
        .take("context")
        .map(|v| context(v, at.member("context"), ContextUse::Search, &mut problems))
        .unwrap_or_default();
    let page = members
        .take("page")
        .map(|v| page(v, at.member("page"), &mut problems))
        .unwrap_or_default();
    let known: &[&str] = if takes_action {
        &["subject", "action", "resource", "context", "page"]
    } else {
        &["subject", "resource", "context", "page"]
    };
    members.finish(known, &mut problems);
    Ok(SearchBody {
        subject,
        action,
        resource,
        context,
        page,
        problems,
    })
}

/// `POST /access/v1/search/subject`: the subjects of a type that may do the action.
pub fn search_subject(app: &App, body: Value, cancel: &Cancel) -> Result<Answer, ApiError> {
    let SearchBody {
        subject: kind,
        action: action_name,
        resource: mut the_resource,
        context: mut the_context,
        page: the_page,
        mut problems,
    } = search_body(body, subject_type, true, resource)?;
    let tables = resolved_tables(app, &mut the_resource, &mut the_context);
    let target = the_resource
        .as_ref()
        .and_then(|r| target(r, the_context.resources.iter(), &mut problems));
    let (kind, action_name, target) = problems.into_result(
        kind.zip(action_name)
            .zip(target)
            .map(|((k, a), t)| (k, a, t)),
    )?;
    let action_id = tables.action(&action_name)?;
    let of_kind = |p: &PrincipalId| {
        tables
            .principal_name(*p)
            .is_some_and(|n| principal_type(&n).0 == kind)
    };
    let (names, conditional): (Vec<String>, Vec<Conditional>) =
        match known_target(&tables, &target)? {
            Some(ids) => (
                tables
                    .who_can(action_id, &ids)?
                    .into_iter()
                    .filter_map(|p| tables.principal_name(p))
                    .collect(),
                // On one object: who may act there only together with a second object.
                tables.who_can_conditional(action_id, &ids)?,
            ),
            None => {
                // An object only described by attributes: each principal is decided by
                // rules, and a two-object grant's condition cannot be computed.
                if let Some(category) = one_category(&target) {
                    let paired = pairing::paired_by_anyone(
                        &tables,
                        action_id,
                        category,
                        tables.principals().filter(of_kind),
                    )?;
                    if !paired.is_empty() {
                        return Err(pairing::unknown_object_with_pairs(category, &paired));
                    }
                }
                let mut out = Vec::new();
                for p in tables.principals() {
                    if cancel.is_cancelled() {
                        return Err(Cancel::gone());
                    }
                    let Some(name) = tables.principal_name(p) else {
                        continue;
                    };
                    let request = Request::new(&name, &action_name, target);
                    if tables.is_authorized(&request)?.is_allowed() {
                        out.push(name);
                    }
                }
                (out, Vec::new())
            }
        };
    let items = names
        .iter()
        .map(|n| principal_type(n))
        .filter(|(k, _)| *k == kind)
        .map(|(k, id)| json!({"type": k, "id": id}))
        .collect();
    let conditional: Vec<Value> = conditional
        .iter()
        .filter(|c| of_kind(&c.principal))
        .filter_map(|c| {
            let name = tables.principal_name(c.principal)?;
            let (k, id) = principal_type(&name);
            Some(pairing::conditional_entry(
                c,
                "subject",
                json!({"type": k, "id": id}),
            ))
        })
        .collect();
    let mut body = paginate(items, &the_page, tables.revision())?;
    pairing::set(&mut body, "context", json!({"conditional": conditional}));
    Ok(Answer {
        body,
        revision: tables.revision().to_string(),
    })
}

/// The category of a target of exactly one object.
fn one_category(target: &Target<'_>) -> Option<Category> {
    match target {
        Target::Objects(objects) => match objects.iter().collect::<Vec<_>>().as_slice() {
            [(category, _)] => Some(*category),
            _ => None,
        },
        _ => None,
    }
}

/// `POST /access/v1/search/resource`: the known objects of a type the subject may act
/// on (with `context.resources`, together with that one fixed known object of another
/// category), and the rules that admit objects the catalog does not know, in
/// `context.unknown_objects`.
pub fn search_resource(app: &App, body: Value, _cancel: &Cancel) -> Result<Answer, ApiError> {
    let SearchBody {
        subject: the_subject,
        action: action_name,
        resource: wanted,
        context: the_context,
        page: the_page,
        mut problems,
    } = search_body(body, subject, true, resource_type)?;
    let fixed = match the_context.resources.as_slice() {
        [] => None,
        [fixed] => match (&fixed.kind, wanted) {
            (ResourceKind::Key(c, key), Some(w)) if *c != w => Some((*c, key.as_str())),
            (ResourceKind::Key(..), Some(_)) => {
                problems.push(
                    format!("{} is of the category searched", fixed.place),
                    Some("pair the search with an object of another category".into()),
                );
                None
            }
            (ResourceKind::Key(..), None) => None,
            _ => {
                problems.push(
                    format!(
                        "{} must be a known object named by `type` and `id`",
                        fixed.place
                    ),
                    Some(
                        "a search pairs with an object of the catalog; remove its `properties`"
                            .into(),
                    ),
                );
                None
            }
        },
        [_, extra, ..] => {
            problems.push(
                format!("{} is a second object to pair with", extra.place),
                Some("`context.resources` holds at most one object to pair with".into()),
            );
            None
        }
    };
    let (the_subject, action_name, wanted) = problems.into_result(
        the_subject
            .zip(action_name)
            .zip(wanted)
            .map(|((s, a), w)| (s, a, w)),
    )?;
    let tables = app.tables();
    let principal = the_subject.principal(&tables)?;
    let action_id = tables.action(&action_name)?;
    let listing = match fixed {
        None => tables.list(principal, action_id, wanted)?,
        Some((c, key)) => {
            let with = tables.object(c, key)?;
            tables.list_with(principal, action_id, wanted, with)?
        }
    };
    let residual = listing.residual();
    // Without an object to pair with: the categories the subject's grants pair this one
    // with, whose objects this list cannot show; an empty list for that reason alone is
    // refused, as `rampart filter` refuses its `FALSE`.
    let paired = match fixed {
        None => tables.paired_categories(principal, action_id, wanted)?,
        Some(_) => Vec::new(),
    };
    if !paired.is_empty() && listing.is_empty() && !residual.allow_all && residual.allow.is_empty()
    {
        return Err(pairing::needs_a_second_object(
            &the_subject.name,
            &action_name,
            wanted,
            &paired,
        ));
    }
    let items = listing
        .iter()
        .filter_map(|o| tables.object_key(o))
        .map(|key| json!({"type": wanted.name(), "id": key}))
        .collect();
    let mut body = paginate(items, &the_page, tables.revision())?;
    let context = json!({
        "unknown_objects": {
            "allow_all": residual.allow_all,
            "allow": residual.allow,
            "deny_all": residual.deny_all,
            "deny": residual.deny,
        },
        "paired_with": paired.iter().map(|c| c.name()).collect::<Vec<_>>(),
    });
    pairing::set(&mut body, "context", context);
    Ok(Answer {
        body,
        revision: tables.revision().to_string(),
    })
}

/// `POST /access/v1/search/action`: the actions the subject may do on the resource.
pub fn search_action(app: &App, body: Value, cancel: &Cancel) -> Result<Answer, ApiError> {
    let SearchBody {
        subject: the_subject,
        resource: mut the_resource,
        context: mut the_context,
        page: the_page,
        mut problems,
        ..
    } = search_body(body, subject, false, resource)?;
    let tables = resolved_tables(app, &mut the_resource, &mut the_context);
    let target = the_resource
        .as_ref()
        .and_then(|r| target(r, the_context.resources.iter(), &mut problems));
    let (the_subject, target) = problems.into_result(the_subject.zip(target))?;
    let principal = the_subject.principal(&tables)?;
    // On one object: the actions allowed there only together with a second object.
    let one = match known_target(&tables, &target)? {
        Some(IdTarget::Objects(ids)) => match ids.iter().collect::<Vec<_>>().as_slice() {
            [object] => Some(Ok(*object)),
            _ => None,
        },
        Some(_) => None,
        None => one_category(&target).map(Err),
    };
    let mut items = Vec::new();
    let mut conditional = Vec::new();
    for (action_id, name) in tables.actions() {
        if cancel.is_cancelled() {
            return Err(Cancel::gone());
        }
        let request = Request::new(&the_subject.name, name, target);
        match tables.is_authorized(&request) {
            Ok(response) if response.is_allowed() => items.push(json!({"name": name})),
            Ok(_) => match one {
                Some(Ok(object)) => {
                    for c in tables.principal_together(principal, action_id, object)? {
                        conditional.push(pairing::conditional_entry(&c, "name", json!(name)));
                    }
                }
                Some(Err(category)) => {
                    let paired = tables.paired_categories(principal, action_id, category)?;
                    if !paired.is_empty() {
                        return Err(pairing::unknown_object_with_pairs(category, &paired));
                    }
                }
                None => {}
            },
            // The vocabulary lists `invoke:*`, which stands for the dynamic actions and is
            // not one a request can ask for.
            Err(e) if e.code() == "unknown_action" => {}
            Err(e) => return Err(e.into()),
        }
    }
    let mut body = paginate(items, &the_page, tables.revision())?;
    pairing::set(&mut body, "context", json!({"conditional": conditional}));
    Ok(Answer {
        body,
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use std::sync::Arc;
    use std::time::Duration;

    use rampart_runtime::TablesHandle;

    use super::*;
    use crate::metrics::Metrics;

    fn app() -> App {
        let tables = Tables::load("../fixtures/tables/format-v3.rampart").unwrap();
        App {
            handle: TablesHandle::new(tables),
            metrics: Metrics::default(),
            token: None,
            decision_log: None,
            max_body: 1 << 20,
            body_timeout: Duration::from_secs(10),
            max_batch: 1000,
            permits: Arc::new(tokio::sync::Semaphore::new(1)),
            public_url: None,
            resolver: std::sync::OnceLock::new(),
        }
    }

    fn batch(items: usize) -> Value {
        json!({
            "subject": {"type": "user", "id": "john@doe.com"},
            "action": {"name": "read"},
            "resource": {"type": "config", "id": "c-mc-pod"},
            "evaluations": vec![json!({}); items],
        })
    }

    #[test]
    fn a_batch_whose_client_has_gone_decides_nothing_more() {
        let app = app();
        let cancel = Cancel::new();
        let answer = evaluations(&app, batch(100), &cancel).unwrap();
        assert_eq!(answer.body["evaluations"].as_array().unwrap().len(), 100);
        cancel.cancel();
        let error = evaluations(&app, batch(100), &cancel).unwrap_err();
        assert_eq!(error.code(), "client_gone");
        let text = app.metrics.render("r");
        let decided: u64 = text
            .lines()
            .filter(|l| l.starts_with("rampart_decisions_total{"))
            .map(|l| l.rsplit(' ').next().unwrap().parse::<u64>().unwrap())
            .sum();
        assert_eq!(decided, 100, "only the first batch was decided: {text}");
    }

    #[test]
    fn a_user_is_never_decided_as_the_service_its_id_spells() {
        let app = app();
        let cancel = Cancel::new();
        let user = json!({"type": "user", "id": "playbook:mc/echo-config"});
        let config = json!({"type": "config", "id": "c-mc-pod"});
        // As its own type, the playbook is a subject the tables know.
        let as_playbook = json!({"subject": {"type": "playbook", "id": "mc/echo-config"}, "action": {"name": "read"}, "resource": config});
        assert!(evaluation(&app, as_playbook, &cancel).is_ok());
        let bodies = [
            (
                evaluation as fn(&App, Value, &Cancel) -> Result<Answer, ApiError>,
                json!({"subject": user, "action": {"name": "read"}, "resource": config}),
            ),
            (
                search_resource,
                json!({"subject": user, "action": {"name": "read"}, "resource": {"type": "config"}}),
            ),
            (search_action, json!({"subject": user, "resource": config})),
            (
                evaluation,
                json!({"subject": {"type": "user", "id": " Playbook:MC/echo-config"}, "action": {"name": "read"}, "resource": config}),
            ),
        ];
        for (endpoint, body) in bodies {
            let error = endpoint(&app, body.clone(), &cancel).unwrap_err();
            assert_eq!(error.code(), "unknown_subject", "{body}");
        }
        let batch = json!({"action": {"name": "read"}, "resource": config, "evaluations": [{"subject": user}]});
        let answer = evaluations(&app, batch, &cancel).unwrap();
        assert_eq!(
            answer.body["evaluations"][0]["context"]["error"]["code"],
            json!("unknown_subject"),
            "{}",
            answer.body
        );
    }

    #[test]
    fn a_subject_search_on_a_playbook_lists_john_who_may_run_it_only_with_a_config() {
        let app = app();
        let cancel = Cancel::new();
        let body = json!({"subject": {"type": "user"}, "action": {"name": "playbook:run"}, "resource": {"type": "playbook", "id": "mc/echo-config"}});
        let answer = search_subject(&app, body, &cancel).unwrap().body;
        let john = json!({"type": "user", "id": "john@doe.com"});
        assert!(
            !answer["results"].as_array().unwrap().contains(&john),
            "{answer}"
        );
        let conditional = answer["context"]["conditional"].as_array().unwrap();
        let entry = conditional
            .iter()
            .find(|c| c["subject"] == john)
            .unwrap_or_else(|| panic!("{answer}"));
        assert_eq!(entry["with"], json!("config"), "{answer}");
        // The same question about a playbook the catalog does not hold is refused: the
        // condition cannot be computed for it, and the list alone would omit john.
        let body = json!({"subject": {"type": "user"}, "action": {"name": "playbook:run"}, "resource": {"type": "playbook", "id": "mc/new", "properties": {"name": "new", "namespace": "mc"}}});
        let error = search_subject(&app, body, &cancel).unwrap_err();
        assert_eq!(error.code(), "invalid_request", "{}", error.json());
        // And an action search: john may run echo-config only with a config.
        let body =
            json!({"subject": john, "resource": {"type": "playbook", "id": "mc/echo-config"}});
        let answer = search_action(&app, body, &cancel).unwrap().body;
        assert!(
            answer["context"]["conditional"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["name"] == "playbook:run" && c["with"] == "config"),
            "{answer}"
        );
    }

    #[test]
    fn a_resource_search_emptied_by_a_two_object_grant_is_refused_not_empty() {
        let app = app();
        let cancel = Cancel::new();
        let john = json!({"type": "user", "id": "john@doe.com"});
        let body = json!({"subject": john, "action": {"name": "playbook:run"}, "resource": {"type": "config"}});
        let error = search_resource(&app, body, &cancel).unwrap_err();
        assert_eq!(error.code(), "invalid_request", "{}", error.json());
        assert!(error.json()["help"]
            .as_str()
            .unwrap()
            .contains("context.resources"));
        let body = json!({"subject": john, "action": {"name": "playbook:run"}, "resource": {"type": "config"}, "context": {"resources": [{"type": "playbook", "id": "mc/echo-config"}]}});
        let answer = search_resource(&app, body, &cancel).unwrap().body;
        assert!(answer["page"]["total"].as_u64().unwrap() > 0, "{answer}");
        assert_eq!(answer["context"]["paired_with"], json!([]), "{answer}");
    }

    #[test]
    fn defaults_merge_member_by_member_and_never_drop_an_object() {
        let app = app();
        let cancel = Cancel::new();
        // The default pairs the playbook with a config; the item adds `explain` only.
        let body = json!({
            "subject": {"type": "user", "id": "john@doe.com"},
            "action": {"name": "playbook:run"},
            "resource": {"type": "playbook", "id": "mc/echo-config"},
            "context": {"resources": [{"type": "config", "id": "c-mc-pod"}]},
            "evaluations": [{"context": {"explain": true}}, {"subject": {"type": "user", "id": "nobody@example.com"}}],
        });
        let answer = evaluations(&app, body, &cancel).unwrap();
        let items = answer.body["evaluations"].as_array().unwrap();
        assert_eq!(items[0]["decision"], json!(true), "{}", answer.body);
        let permissions = &items[0]["context"]["reason_user"]["permissions"];
        assert!(
            !permissions.as_array().unwrap().is_empty(),
            "{}",
            answer.body
        );
        assert_eq!(
            items[1]["context"]["error"]["code"],
            json!("unknown_subject")
        );
    }
}
