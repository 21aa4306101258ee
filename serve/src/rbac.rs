//! Mission Control's own access endpoints, with its request and response shapes, so that
//! its loops of one check per subject or per object become one call:
//! `POST /rbac/subject-access-reviews` and `POST /rbac/subject-access-search`.

use rampart_runtime::{Category, ObjectRef, Objects, Request, Target};
use serde::Deserialize;
use serde_json::{json, Value};

use super::api_error::ApiError;
use super::app::{parse, Answer, App};

/// The resource of a review: a playbook, config, component or connection (two of them
/// for a two-object check), or a global object. `check` and `view` are Mission Control
/// resources Rampart does not model: refused, not ignored.
#[derive(Clone, Debug, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
struct ReviewResource {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    playbook: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    config: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    component: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    connection: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    global: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    check: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    view: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Review {
    resource: ReviewResource,
    action: String,
    subjects: Vec<String>,
}

/// `POST /rbac/subject-access-reviews`: `{resource, action, subjects}` →
/// `{resource, action, results: [{subject, allowed, error}]}`; `subjects: ["*"]` asks
/// for every principal. An unknown subject is that result's `error` (and `allowed:
/// false`); an unknown resource or action fails the whole review.
pub fn subject_access_reviews(app: &App, body: Value) -> Result<Answer, ApiError> {
    let review: Review = parse(body, "subject access review")?;
    let r = &review.resource;
    if r.check.is_some() || r.view.is_some() {
        return Err(ApiError::malformed(
            "`check` and `view` resources are not modelled by Rampart",
        ));
    }
    let objects: Vec<(Category, &str)> = [
        (Category::Playbook, &r.playbook),
        (Category::Config, &r.config),
        (Category::Component, &r.component),
        (Category::Connection, &r.connection),
    ]
    .into_iter()
    .filter_map(|(c, k)| k.as_deref().map(|k| (c, k)))
    .collect();
    let target = match (&r.global, objects.is_empty()) {
        (Some(g), true) => Target::Global(g),
        (None, false) => Target::Objects(
            objects
                .iter()
                .fold(Objects::new(), |o, (c, k)| o.with(*c, ObjectRef::Key(k))),
        ),
        (Some(_), false) => {
            return Err(ApiError::malformed(
                "a review names a global object or objects, not both",
            ))
        }
        (None, true) => {
            return Err(ApiError::malformed(
                "a review needs resource.playbook, config, component, connection or global",
            ))
        }
    };
    if review.subjects.is_empty() {
        return Err(ApiError::malformed("at least one subject is required"));
    }
    let tables = app.tables();
    tables.action(&review.action)?;
    let subjects: Vec<String> = if review.subjects == ["*"] {
        tables
            .principals()
            .filter_map(|p| tables.principal_name(p))
            .collect()
    } else {
        review.subjects.clone()
    };
    if subjects.len() > app.max_batch {
        return Err(ApiError::malformed(format!(
            "{} subjects in one review; at most {}",
            subjects.len(),
            app.max_batch
        )));
    }
    let mut results = Vec::with_capacity(subjects.len());
    for subject in &subjects {
        let request = Request::new(subject, &review.action, target);
        match tables.is_authorized(&request) {
            Ok(response) => {
                app.metrics.decision(response.is_allowed());
                app.log_decision(|| {
                    json!({
                        "revision": tables.revision(),
                        "subject": subject,
                        "action": review.action,
                        "resources": review.resource,
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
        body: json!({"resource": review.resource, "action": review.action, "results": results}),
        revision: tables.revision().to_string(),
    })
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Search {
    subject: String,
    action: String,
    #[serde(default)]
    resource_types: Vec<String>,
}

/// `POST /rbac/subject-access-search`: `{subject, action, resource_types}` →
/// `{subject, action, resource_types, total, results: [{resource_type, id}]}` with the
/// catalog ids of every known object the subject may act on (one-object requests).
/// Without `resource_types`, every category.
pub fn subject_access_search(app: &App, body: Value) -> Result<Answer, ApiError> {
    let search: Search = parse(body, "subject access search")?;
    let tables = app.tables();
    let principal = tables.principal(search.subject.trim())?;
    let action = tables.action(&search.action)?;
    let mut categories: Vec<Category> = Vec::new();
    for t in &search.resource_types {
        let c = Category::from_name(t.trim().to_ascii_lowercase().as_str()).ok_or_else(|| {
            ApiError::malformed(format!(
                "resource_type `{t}` is not one of playbook, config, component, connection"
            ))
        })?;
        if !categories.contains(&c) {
            categories.push(c);
        }
    }
    if categories.is_empty() {
        categories = Category::ALL.to_vec();
    }
    let mut results = Vec::new();
    for c in &categories {
        for o in tables.list(principal, action, *c)?.iter() {
            if let Some(id) = tables.object_id(o) {
                results.push(json!({"resource_type": c.name(), "id": id}));
            }
        }
    }
    Ok(Answer {
        body: json!({
            "subject": search.subject,
            "action": search.action,
            "resource_types": categories.iter().map(|c| c.name()).collect::<Vec<_>>(),
            "total": results.len(),
            "results": results,
        }),
        revision: tables.revision().to_string(),
    })
}
