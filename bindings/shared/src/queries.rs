//! The query calls by names, answered in the runtime's JSON answer shapes
//! ([`rampart_runtime::json_answers`]), as `rampart list|who-can|filter|resolve --format
//! json` answer: the C ABI returns the JSON text, Python the same data as dicts and lists.

use rampart_runtime::connection::{EnvironmentSource, SourceChain};
use rampart_runtime::json_answers::{connection_json, listing_json, sql_filter_json, who_can_json};
use rampart_runtime::sql::{ColumnMap, FilterForm, FilterPreference};
use rampart_runtime::text::Shown;
use rampart_runtime::{Category, ObjectId, Tables};
use serde_json::Value;

use crate::codes::BindingError;
use crate::parts::NamedTarget;
use crate::secrets::memory_source;

/// The known objects of `category` `subject` may do `action` on (with at most one object
/// of another category in `with`: those allowed together with it), every one of them.
pub fn list(
    tables: &Tables,
    subject: &str,
    action: &str,
    category: Category,
    with: &NamedTarget<'_>,
) -> Result<Value, BindingError> {
    let principal = tables.principal(subject)?;
    let action_id = tables.action(action)?;
    let listing = match paired_object(tables, with, "a listing")? {
        None => tables.list(principal, action_id, category)?,
        Some((_, _, object)) => tables.list_with(principal, action_id, category, object)?,
    };
    let page = listing.page(None, usize::MAX);
    Ok(listing_json(tables, subject, action, &listing, &page))
}

/// The one object of another category rows are paired with (`None` when `with` names
/// none): its category, its key and its id.
fn paired_object<'a>(
    tables: &Tables,
    with: &NamedTarget<'a>,
    what: &str,
) -> Result<Option<(Category, &'a str, ObjectId)>, BindingError> {
    if with.global.is_some() {
        return Err(BindingError::invalid_argument(format!(
            "{what} pairs with objects, not a global object"
        )));
    }
    let fixed: Vec<(Category, &str)> = with.keys().collect();
    match fixed.as_slice() {
        [] => Ok(None),
        [(c, key)] => Ok(Some((*c, *key, tables.object(*c, key)?))),
        _ => Err(BindingError::invalid_argument(format!(
            "{what} pairs with at most one object"
        ))),
    }
}

/// Who may do `action` on `target`: `{subjects, conditional}`
/// ([`rampart_runtime::json_answers::who_can_json`]). On one object, `conditional` holds
/// the subjects allowed there only together with an object of another category, each
/// with the condition it must meet, so that none is reported as absent.
pub fn who_can(
    tables: &Tables,
    action: &str,
    target: &NamedTarget<'_>,
) -> Result<Value, BindingError> {
    let action = tables.action(action)?;
    let target = target.ids(tables)?;
    let subjects = tables.who_can(action, &target)?;
    let conditional = tables.who_can_conditional(action, &target)?;
    Ok(who_can_json(tables, &subjects, &conditional))
}

/// How a SQL filter is asked for.
#[derive(Clone, Debug, Default)]
pub struct FilterOptions<'a> {
    /// `FIELD=COLUMN` assignments over Mission Control's defaults (`FIELD=-` removes one).
    pub columns: Vec<&'a str>,
    /// The SQL type of the id and agent columns (`uuid` by default).
    pub id_type: Option<&'a str>,
    /// The first parameter's number (1 by default).
    pub first_param: Option<usize>,
    /// Always the id list of the known objects.
    pub ids: bool,
}

/// A PostgreSQL `WHERE` predicate for the rows of `category` `subject` may do `action`
/// on, with its parameters: alone, or (`with` naming one object of another category)
/// together with that object, as [`Tables::sql_filter_with`]. Where the filter alone
/// would be `FALSE` only because the subject's grants pair the category with another,
/// it is an `invalid_request` naming the object to add, as `rampart filter` refuses it.
pub fn sql_filter(
    tables: &Tables,
    subject: &str,
    action: &str,
    category: Category,
    with: &NamedTarget<'_>,
    options: &FilterOptions<'_>,
) -> Result<Value, BindingError> {
    let mut columns = ColumnMap::mission_control(category);
    let bad =
        |e: rampart_runtime::sql::ColumnMapError| BindingError::invalid_argument(e.to_string());
    for assignment in &options.columns {
        columns.assign(assignment).map_err(bad)?;
    }
    columns
        .set_id_type(Some(options.id_type.unwrap_or("uuid")))
        .map_err(bad)?;
    columns
        .set_first_parameter(options.first_param.unwrap_or(1))
        .map_err(bad)?;
    let principal = tables.principal(subject)?;
    let action_id = tables.action(action)?;
    let preference = if options.ids {
        FilterPreference::Ids
    } else {
        FilterPreference::Predicate
    };
    let fixed = paired_object(tables, with, "a SQL filter")?;
    let filter = match fixed {
        None => tables.sql_filter(principal, action_id, category, &columns, preference)?,
        Some((_, _, object)) => {
            tables.sql_filter_with(principal, action_id, category, object, &columns, preference)?
        }
    };
    if fixed.is_none() && filter.form() == FilterForm::Nothing {
        let paired = tables.paired_categories(principal, action_id, category)?;
        if !paired.is_empty() {
            return Err(needs_a_second_object(subject, action, category, &paired));
        }
    }
    Ok(sql_filter_json(
        subject,
        action,
        category,
        &filter,
        columns.first_parameter(),
        fixed.map(|(c, key, _)| (c, key)),
    ))
}

/// Why a filter of `category` alone says nothing: the grants name it together with
/// `paired`. The filter would be `FALSE`, which reads as "no row" although rows are
/// allowed together with a second object.
fn needs_a_second_object(
    subject: &str,
    action: &str,
    category: Category,
    paired: &[Category],
) -> BindingError {
    let names: Vec<String> = paired.iter().map(|c| format!("a {c}")).collect();
    BindingError::new(
        "invalid_request",
        format!(
            "invalid request: `{}` is granted `{}` on {} only together with {} (a two-object grant), so no row is allowed alone; name the second object (`with`) to filter the {} it may be paired with",
            Shown(subject),
            Shown(action),
            category.plural(),
            names.join(" or "),
            category.plural()
        ),
    )
}

/// How a connection reference is resolved.
#[derive(Clone, Debug, Default)]
pub struct ResolveOptions<'a> {
    /// The namespace of a reference that names none (`default` by default).
    pub namespace: Option<&'a str>,
    /// Credentials as JSON ([`crate::secrets`]), tried first.
    pub secrets: Option<&'a str>,
    /// Then the process environment (`RAMPART_SECRET_<NAMESPACE>__<NAME>__<KEY>`).
    pub environment: bool,
    /// Values instead of masks.
    pub show_secrets: bool,
}

/// Authorized resolution of a `connection://` reference: `read` on the connection is
/// required; secrets are masked unless asked for.
pub fn resolve_connection(
    tables: &Tables,
    reference: &str,
    subject: &str,
    options: &ResolveOptions<'_>,
) -> Result<Value, BindingError> {
    let mut chain = SourceChain::new();
    if let Some(secrets) = options.secrets {
        chain = chain.with(memory_source(secrets)?);
    }
    if options.environment {
        chain = chain.with(EnvironmentSource);
    }
    let resolved = tables.resolve_connection(
        reference,
        subject,
        options.namespace.unwrap_or("default"),
        &chain,
    )?;
    Ok(connection_json(&resolved, options.show_secrets))
}
