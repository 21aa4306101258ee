//! Mission Control's own access endpoints, with its request and response shapes, so that
//! its loops of one check per subject or per object become one call:
//! `POST /rbac/subject-access-reviews` and `POST /rbac/subject-access-search`. Bodies are
//! read onto the one request model as AuthZEN's are: unknown and repeated members are
//! errors, categories are named in the singular.

use rampart_runtime::json::request::{category, required};
use rampart_runtime::json::strict::{self, At, Members, Problems};
use rampart_runtime::{Category, ObjectRef, Objects, Request, Target};
use serde_json::{json, Map, Value};

use super::api_error::ApiError;
use super::app::{Answer, App, Cancel};
use super::model::describe;

/// The members of a review's `resource`: a playbook, config, component or connection
/// (two of them for a two-object check), or a global object.
const REVIEW_RESOURCE_MEMBERS: [&str; 5] =
    ["playbook", "config", "component", "connection", "global"];

/// A review's resource as given (echoed in the answer) and its keys.
struct ReviewResource {
    echo: Map<String, Value>,
    objects: Vec<(Category, String)>,
    global: Option<String>,
}

/// Reads a review's `resource`. `check` and `view` are Mission Control resources Rampart
/// does not model: refused, not ignored.
fn review_resource(value: Value, at: At<'_>, problems: &mut Problems) -> Option<ReviewResource> {
    let before = problems.len();
    let mut members = Members::new(value, at, problems)?;
    let mut out = ReviewResource {
        echo: Map::new(),
        objects: Vec::new(),
        global: None,
    };
    for name in REVIEW_RESOURCE_MEMBERS {
        let Some(value) = members.take(name) else {
            continue;
        };
        let Some(key) = strict::string(value, at.member(name), problems) else {
            continue;
        };
        out.echo
            .insert(name.to_string(), Value::String(key.clone()));
        match Category::ALL.into_iter().find(|c| c.name() == name) {
            Some(c) => out.objects.push((c, key)),
            None => out.global = Some(key),
        }
    }
    for name in ["check", "view"] {
        if members.take(name).is_some() {
            problems.push(
                format!(
                    "{} is a Mission Control resource Rampart does not model",
                    at.member(name)
                ),
                Some("ask Mission Control itself about checks and views".into()),
            );
        }
    }
    members.finish(&REVIEW_RESOURCE_MEMBERS, problems);
    (problems.len() == before).then_some(out)
}

/// `POST /rbac/subject-access-reviews`: `{resource, action, subjects}` →
/// `{resource, action, results: [{subject, allowed, error}]}`; `subjects: ["*"]` asks
/// for every principal. An unknown subject is that result's `error` (and `allowed:
/// false`); an unknown resource or action fails the whole review. Stops between
/// subjects when the client has gone.
pub fn subject_access_reviews(app: &App, body: Value, cancel: &Cancel) -> Result<Answer, ApiError> {
    let at = At::ROOT;
    let mut problems = Problems::new();
    let Some(mut members) = Members::new(body, at, &mut problems) else {
        return Err(problems.into());
    };
    let resource_at = at.member("resource");
    let resource = required(&mut members, "resource", &mut problems)
        .and_then(|v| review_resource(v, resource_at, &mut problems));
    let action = required(&mut members, "action", &mut problems)
        .and_then(|v| strict::string(v, at.member("action"), &mut problems));
    let subjects_at = at.member("subjects");
    let subjects = required(&mut members, "subjects", &mut problems)
        .and_then(|v| strict::array(v, subjects_at, &mut problems))
        .map(|items| {
            items
                .into_iter()
                .enumerate()
                .filter_map(|(i, v)| strict::string(v, subjects_at.index(i), &mut problems))
                .collect::<Vec<String>>()
        });
    members.finish(&["resource", "action", "subjects"], &mut problems);
    if let Some(r) = &resource {
        match (&r.global, r.objects.is_empty()) {
            (Some(_), false) => problems.push(
                "a review names a global object or objects, not both",
                Some("review the global object in a request of its own".into()),
            ),
            (None, true) => problems.push(
                "a review needs `resource.playbook`, `config`, `component`, `connection` or `global`",
                None,
            ),
            _ => {}
        }
    }
    if subjects.as_ref().is_some_and(Vec::is_empty) {
        problems.push(
            "`subjects` is empty",
            Some("name at least one subject, or `[\"*\"]` for every principal".into()),
        );
    }
    let (resource, action, subjects) = problems.into_result(
        resource
            .zip(action)
            .zip(subjects)
            .map(|((r, a), s)| (r, a, s)),
    )?;
    let tables = app.tables();
    // Resolve-on-miss: an object the tables do not know, as the source describes it.
    let described: Vec<Option<std::sync::Arc<rampart_runtime::ObjectAttributes>>> = resource
        .objects
        .iter()
        .map(|(c, key)| app.resolver.get().and_then(|r| r.resolve(&tables, *c, key)))
        .collect();
    // One member per category: the objects cannot hold a category twice.
    let target = match &resource.global {
        Some(g) => Target::Global(g),
        None => Target::Objects(resource.objects.iter().zip(&described).fold(
            Objects::new(),
            |o, ((c, key), described)| match described {
                Some(attributes) => o.with(*c, ObjectRef::Attributes(attributes)),
                None => o.with(*c, ObjectRef::Key(key)),
            },
        )),
    };
    tables.action(&action)?;
    let subjects: Vec<String> = if subjects == ["*"] {
        tables
            .principals()
            .filter_map(|p| tables.principal_name(p))
            .collect()
    } else {
        subjects
    };
    if subjects.len() > app.max_batch {
        return Err(ApiError::malformed(format!(
            "{} subjects in one review; at most {}",
            subjects.len(),
            app.max_batch
        ))
        .with_help(Some("split the review, or raise `--max-batch`".into())));
    }
    let mut results = Vec::with_capacity(subjects.len());
    for subject in &subjects {
        if cancel.is_cancelled() {
            return Err(Cancel::gone());
        }
        let request = Request::new(subject, &action, target);
        match tables.is_authorized(&request) {
            Ok(response) => {
                app.metrics.decision(response.is_allowed());
                app.log_decision(|| {
                    json!({
                        "revision": tables.revision(),
                        "subject": subject,
                        "action": action,
                        "resources": describe(&tables, &target),
                        "effect": response.effect().word(),
                        "reason": response.reason().code(),
                    })
                });
                results.push(json!({"subject": subject, "allowed": response.is_allowed()}));
            }
            Err(e) if matches!(e.code(), "unknown_subject" | "ambiguous_subject") => {
                app.metrics.error(e.code());
                results.push(json!({"subject": subject, "allowed": false, "error": e.to_string()}));
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Answer {
        body: json!({"resource": resource.echo, "action": action, "results": results}),
        revision: tables.revision().to_string(),
    })
}

/// `POST /rbac/subject-access-search`: `{subject, action, resource_types}` →
/// `{subject, action, resource_types, total, results: [{resource_type, id}],
/// paired_with: [{resource_type, with: [..]}]}` with the catalog ids of every known
/// object the subject may act on (one-object requests), and, per type, the types the
/// subject's grants of the action pair it with (two-object grants, such as
/// `playbook:run` on playbooks with configs), whose objects one-object results cannot
/// show ([`crate::pairing`]). Without `resource_types`, every category; types are named
/// in the singular (`config`), as everywhere else.
pub fn subject_access_search(app: &App, body: Value, _cancel: &Cancel) -> Result<Answer, ApiError> {
    let at = At::ROOT;
    let mut problems = Problems::new();
    let Some(mut members) = Members::new(body, at, &mut problems) else {
        return Err(problems.into());
    };
    let subject = required(&mut members, "subject", &mut problems)
        .and_then(|v| strict::string(v, at.member("subject"), &mut problems));
    let action = required(&mut members, "action", &mut problems)
        .and_then(|v| strict::string(v, at.member("action"), &mut problems));
    let types_at = at.member("resource_types");
    let mut categories: Vec<Category> = Vec::new();
    if let Some(types) = members
        .take("resource_types")
        .and_then(|v| strict::array(v, types_at, &mut problems))
    {
        for (i, t) in types.into_iter().enumerate() {
            let here = types_at.index(i);
            if let Some(c) = strict::string(t, here, &mut problems)
                .and_then(|t| category(&t, here, &mut problems))
            {
                if !categories.contains(&c) {
                    categories.push(c);
                }
            }
        }
    }
    members.finish(&["subject", "action", "resource_types"], &mut problems);
    let (subject, action) = problems.into_result(subject.zip(action))?;
    if categories.is_empty() {
        categories = Category::ALL.to_vec();
    }
    let tables = app.tables();
    let principal = tables.principal(&subject)?;
    let action_id = tables.action(&action)?;
    let mut results = Vec::new();
    let mut paired_with = Vec::new();
    for c in &categories {
        for o in tables.list(principal, action_id, *c)?.iter() {
            if let Some(id) = tables.object_id(o) {
                results.push(json!({"resource_type": c.name(), "id": id}));
            }
        }
        let paired = tables.paired_categories(principal, action_id, *c)?;
        if !paired.is_empty() {
            paired_with.push(json!({
                "resource_type": c.name(),
                "with": paired.iter().map(|p| p.name()).collect::<Vec<_>>(),
            }));
        }
    }
    Ok(Answer {
        body: json!({
            "subject": subject,
            "action": action,
            "resource_types": categories.iter().map(|c| c.name()).collect::<Vec<_>>(),
            "total": results.len(),
            "results": results,
            "paired_with": paired_with,
        }),
        revision: tables.revision().to_string(),
    })
}
