//! Two-object grants in the AuthZEN searches (issue 20, item 22): a grant that names two
//! categories (`playbook:run` on a playbook with configs) allows a subject on one object
//! only together with a second. A search about one object must say so, never answer as
//! if its list were complete:
//!
//! - `search/subject` and `search/action` on one known object list, in
//!   `context.conditional`, the subjects (or actions) allowed there only together with
//!   an object of another category, each with the condition that object must meet
//!   (`{with, allow_all, allow, deny_all, deny}`, as `rampart who-can` prints it);
//! - on one object the catalog does not know (described by `properties`), where that
//!   condition cannot be computed, a search that some two-object grant could reach is
//!   refused with `invalid_request`, naming the object to add or the catalog object to
//!   name instead;
//! - `search/resource` without an object to pair with names, in `context.paired_with`,
//!   the categories the subject's grants pair the searched one with, and refuses (as
//!   `rampart filter` does) a search whose list would be empty only for want of that
//!   second object;
//! - Mission Control's `/rbac/subject-access-search` names the same categories per type
//!   in `paired_with` ([`crate::rbac::subject_access_search`]).

use axum::http::StatusCode;
use rampart_runtime::json_answers::condition_json;
use rampart_runtime::text::Shown;
use rampart_runtime::{Category, Conditional, Tables};
use serde_json::Value;

use super::api_error::ApiError;

/// One conditional entry: `{KEY: VALUE, with, allow_all, allow, deny_all, deny}` (`KEY`
/// `subject` or `name`, for the subject or the action allowed only together with an
/// object of the category `with`).
pub fn conditional_entry(c: &Conditional, key: &str, value: Value) -> Value {
    let mut entry = condition_json(c);
    set(&mut entry, key, value);
    entry
}

/// Sets a member of a JSON object (nothing for another value).
pub fn set(object: &mut Value, key: &str, value: Value) {
    if let Some(map) = object.as_object_mut() {
        map.insert(key.into(), value);
    }
}

/// The refusal of a search about one object described by attributes that a two-object
/// grant could reach: the condition on the second object cannot be computed for an
/// object the catalog does not hold.
pub fn unknown_object_with_pairs(category: Category, paired: &[Category]) -> ApiError {
    let names: Vec<String> = paired.iter().map(|c| format!("a {c}")).collect();
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        format!(
            "invalid request: grants of this action allow some subjects on a {category} only together with {}, and for a {category} the catalog does not hold they cannot be listed with their condition",
            names.join(" or ")
        ),
    )
    .with_help(Some(format!(
        "name a {category} of the catalog by `id` alone, or add the second object to `context.resources`"
    )))
}

/// The refusal of a resource search whose list would be empty only because `subject`'s
/// grants of `action` pair `category` with `paired` (a two-object grant).
pub fn needs_a_second_object(
    subject: &str,
    action: &str,
    category: Category,
    paired: &[Category],
) -> ApiError {
    let names: Vec<String> = paired.iter().map(|c| format!("a {c}")).collect();
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        format!(
            "invalid request: `{}` is granted `{}` on {} only together with {} (a two-object grant), so no {} is allowed alone",
            Shown(subject),
            Shown(action),
            category.plural(),
            names.join(" or "),
            category
        ),
    )
    .with_help(Some(format!(
        "name the second object in `context.resources` to search the {} it may be paired with",
        category.plural()
    )))
}

/// The categories any principal's allow rules of `action` pair with `category`, for a
/// search about one object the catalog does not know.
pub fn paired_by_anyone(
    tables: &Tables,
    action: rampart_runtime::ActionId,
    category: Category,
    principals: impl Iterator<Item = rampart_runtime::PrincipalId>,
) -> Result<Vec<Category>, ApiError> {
    let mut out: Vec<Category> = Vec::new();
    for p in principals {
        for c in tables.paired_categories(p, action, category)? {
            if !out.contains(&c) {
                out.push(c);
            }
        }
    }
    out.sort_by_key(|c| c.index());
    Ok(out)
}
