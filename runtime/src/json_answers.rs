//! The JSON answers of the query calls, in the one shape every face gives them (`rampart
//! list|who-can|filter|resolve --format json` and the C, Go and Python bindings): a page
//! of a listing, the principals who may act (with those who may only together with a
//! second object), a SQL filter, a resolved connection. Behind the `json` feature.

use serde_json::{json, Map, Value};

use crate::category::Category;
use crate::connection::{ResolvedConnection, SecretValue};
use crate::ids::{ObjectId, PrincipalId};
use crate::listing::{Conditional, Listing, Residual};
use crate::sql::{SqlFilter, SqlParam};
use crate::tables::Tables;

/// A page of a listing: `{subject, action, category, total, objects, next,
/// unknown_objects: {allow_all, allow, deny_all, deny}}`; `next` is the key to continue
/// after when the page is not the whole listing.
pub fn listing_json(
    tables: &Tables,
    subject: &str,
    action: &str,
    listing: &Listing,
    page: &[ObjectId],
) -> Value {
    let keys: Vec<&str> = page.iter().filter_map(|o| tables.object_key(*o)).collect();
    let next = if page.len() < listing.len() as usize && !page.is_empty() {
        page.last().and_then(|o| tables.object_key(*o))
    } else {
        None
    };
    let residual = listing.residual();
    json!({
        "subject": subject,
        "action": action,
        "category": listing.category().plural(),
        "total": listing.len(),
        "objects": keys,
        "next": next,
        "unknown_objects": {
            "allow_all": residual.allow_all,
            "allow": residual.allow,
            "deny_all": residual.deny_all,
            "deny": residual.deny,
        },
    })
}

/// The names principals are looked up by, in table order.
pub fn principal_names(tables: &Tables, principals: &[PrincipalId]) -> Vec<String> {
    principals
        .iter()
        .filter_map(|p| tables.principal_name(*p))
        .collect()
}

/// Who may act: `{subjects, conditional: [{subject, with, allow_all, allow, deny_all,
/// deny, and?}]}`. `subjects` are allowed on the target as asked; each `conditional` entry is a
/// subject allowed only together with an object of the category `with` that the
/// condition admits ([`Tables::who_can_conditional`]).
pub fn who_can_json(
    tables: &Tables,
    subjects: &[PrincipalId],
    conditional: &[Conditional],
) -> Value {
    json!({
        "subjects": principal_names(tables, subjects),
        "conditional": conditional
            .iter()
            .filter_map(|c| conditional_json(tables, c))
            .collect::<Vec<_>>(),
    })
}

/// One conditional subject: `{subject, with, allow_all, allow, deny_all, deny}` (`None`
/// for a principal of other tables).
pub fn conditional_json(tables: &Tables, c: &Conditional) -> Option<Value> {
    let mut entry = condition_json(c);
    let map = entry.as_object_mut()?;
    map.insert("subject".into(), json!(tables.principal_name(c.principal)?));
    Some(entry)
}

/// The condition of a conditional entry: `{with, allow_all, allow, deny_all, deny}`, what
/// the second object (of the category `with`) must be; for a grant naming more than two
/// categories, `and: [{with, allow_all, allow, deny_all, deny}, ...]` adds each further
/// object the request needs (absent for a two-object grant).
pub fn condition_json(c: &Conditional) -> Value {
    let mut entry = one_condition_json(c.with, &c.condition);
    if !c.and.is_empty() {
        if let Some(map) = entry.as_object_mut() {
            map.insert(
                "and".into(),
                c.and
                    .iter()
                    .map(|(with, condition)| one_condition_json(*with, condition))
                    .collect(),
            );
        }
    }
    entry
}

/// `{with, allow_all, allow, deny_all, deny}`: what an object of the category `with` must
/// be.
fn one_condition_json(with: Category, condition: &Residual) -> Value {
    let Residual {
        allow_all,
        allow,
        deny_all,
        deny,
    } = condition;
    json!({
        "with": with.name(),
        "allow_all": allow_all,
        "allow": allow,
        "deny_all": deny_all,
        "deny": deny,
    })
}

/// One SQL parameter: a string, or an array of strings.
pub fn sql_param_json(p: &SqlParam) -> Value {
    match p {
        SqlParam::Text(t) => json!(t),
        SqlParam::TextArray(items) => json!(items),
    }
}

/// A SQL filter: `{subject, action, category, form, sql, params, first_param, note}`,
/// and `with: {type, id}` for rows paired with a fixed object
/// ([`Tables::sql_filter_with`]).
pub fn sql_filter_json(
    subject: &str,
    action: &str,
    category: Category,
    filter: &SqlFilter,
    first_param: usize,
    with: Option<(Category, &str)>,
) -> Value {
    let mut answer = json!({
        "subject": subject,
        "action": action,
        "category": category.plural(),
        "form": filter.form().word(),
        "sql": filter.sql(),
        "params": filter.params().iter().map(sql_param_json).collect::<Vec<_>>(),
        "first_param": first_param,
        "note": filter.note(),
    });
    if let (Some((c, key)), Some(map)) = (with, answer.as_object_mut()) {
        map.insert("with".into(), json!({"type": c.name(), "id": key}));
    }
    answer
}

/// A resolved connection: `{reference, type, url, username, password, certificate,
/// properties, insecure_tls}`, secrets masked unless `show_secrets` (literal values are
/// shown).
pub fn connection_json(c: &ResolvedConnection, show_secrets: bool) -> Value {
    let field = |name: &str, v: &Option<SecretValue>| {
        v.as_ref()
            .map(|v| Value::String(c.shown(name, v, show_secrets)))
            .unwrap_or(Value::Null)
    };
    let properties: Map<String, Value> = c
        .properties
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                Value::String(c.shown(&format!("properties.{k}"), v, show_secrets)),
            )
        })
        .collect();
    json!({
        "reference": format!("connection://{}/{}", c.namespace, c.name),
        "type": c.connection_type,
        "url": c.shown_url(show_secrets),
        "username": field("username", &c.username),
        "password": field("password", &c.password),
        "certificate": field("certificate", &c.certificate),
        "properties": properties,
        "insecure_tls": c.insecure_tls,
    })
}
