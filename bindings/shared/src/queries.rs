//! The query calls by names, answered in the runtime's JSON answer shapes
//! ([`rampart_runtime::json_answers`]), as `rampart list|who-can|filter|resolve --format
//! json` answer: the C ABI returns the JSON text, Python the same data as dicts and lists.

use rampart_runtime::connection::{EnvironmentSource, SourceChain};
use rampart_runtime::json_answers::{
    connection_json, listing_json, principal_names, sql_filter_json,
};
use rampart_runtime::sql::{ColumnMap, FilterPreference};
use rampart_runtime::{Category, Tables};
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
    if with.global.is_some() {
        return Err(BindingError::invalid_argument(
            "a listing pairs with objects, not a global object",
        ));
    }
    let principal = tables.principal(subject)?;
    let action_id = tables.action(action)?;
    let fixed: Vec<(Category, &str)> = with.keys().collect();
    let listing = match fixed.as_slice() {
        [] => tables.list(principal, action_id, category)?,
        [(c, key)] => {
            let object = tables.object(*c, key)?;
            tables.list_with(principal, action_id, category, object)?
        }
        _ => {
            return Err(BindingError::invalid_argument(
                "a listing pairs with at most one object",
            ))
        }
    };
    let page = listing.page(None, usize::MAX);
    Ok(listing_json(tables, subject, action, &listing, &page))
}

/// Every principal allowed `action` on `target`, by the names they are looked up by.
pub fn who_can(
    tables: &Tables,
    action: &str,
    target: &NamedTarget<'_>,
) -> Result<Vec<String>, BindingError> {
    let action = tables.action(action)?;
    let target = target.ids(tables)?;
    Ok(principal_names(tables, &tables.who_can(action, &target)?))
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
/// on, with its parameters.
pub fn sql_filter(
    tables: &Tables,
    subject: &str,
    action: &str,
    category: Category,
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
    let filter = tables.sql_filter(principal, action_id, category, &columns, preference)?;
    Ok(sql_filter_json(
        subject,
        action,
        category,
        &filter,
        columns.first_parameter(),
    ))
}

/// How a connection reference is resolved.
#[derive(Clone, Debug, Default)]
pub struct ResolveOptions<'a> {
    /// The namespace of a reference that names none (`default` by default).
    pub namespace: Option<&'a str>,
    /// Credentials as JSON ([`crate::secrets`]), tried first.
    pub secrets: Option<&'a str>,
    /// Then the process environment (`NAME_KEY`).
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
