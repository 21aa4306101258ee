//! Requests from their parts, for callers that hold names rather than a JSON document (the
//! C ABI's request struct, Python's keyword arguments): a subject, an action, at most one
//! key per category or one global object. They become the runtime's [`Target`] (decided
//! by names) or [`IdTarget`] (resolved once); a request as JSON is read with the runtime's
//! own model, [`rampart_runtime::json::request::JsonRequest`], so that every face refuses the same
//! things.

use rampart_runtime::json::request::JsonRequest;
use rampart_runtime::json::response::response_json;
use rampart_runtime::{
    Category, IdBits, IdTarget, ObjectIds, ObjectRef, Objects, Reason, Response, Tables, Target,
};
use serde_json::Value;

use crate::codes::BindingError;

/// What a request is about, by name: keys by category, or a global object, or neither
/// (a request about nothing, decided by the rules that constrain no category).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NamedTarget<'a> {
    /// A key per category, in [`Category::ALL`] order.
    pub objects: [Option<&'a str>; 4],
    /// A global object (`catalog`, `mcp`, ...).
    pub global: Option<&'a str>,
}

/// The refusal of a target with both objects and a global object (the runtime's JSON
/// model refuses it in the same words).
pub fn objects_and_global() -> BindingError {
    BindingError::new(
        "invalid_request",
        "invalid request: a request names objects or a global object, not both",
    )
}

impl<'a> NamedTarget<'a> {
    /// Sets the key of a category.
    pub fn with(mut self, category: Category, key: &'a str) -> NamedTarget<'a> {
        if let Some(slot) = self.objects.get_mut(category.index()) {
            *slot = Some(key);
        }
        self
    }

    /// The objects named, by category.
    pub fn keys(&self) -> impl Iterator<Item = (Category, &'a str)> + '_ {
        Category::ALL
            .into_iter()
            .zip(self.objects)
            .filter_map(|(c, k)| k.map(|k| (c, k)))
    }

    /// The runtime's target, decided by names.
    pub fn target(&self) -> Result<Target<'a>, BindingError> {
        let mut objects = Objects::new();
        for (c, key) in self.keys() {
            objects = objects.with(c, ObjectRef::Key(key));
        }
        match (self.global, objects.is_empty()) {
            (Some(_), false) => Err(objects_and_global()),
            (Some(global), true) => Ok(Target::Global(global)),
            (None, false) => Ok(Target::Objects(objects)),
            (None, true) => Ok(Target::Unscoped),
        }
    }

    /// The target resolved to ids, with the same errors as a decision by names.
    pub fn ids(&self, tables: &Tables) -> Result<IdTarget, BindingError> {
        if let Some(global) = self.global {
            if self.keys().next().is_some() {
                return Err(objects_and_global());
            }
            return Ok(IdTarget::Global(tables.global(global)?));
        }
        let mut ids: Option<ObjectIds> = None;
        for (c, key) in self.keys() {
            let id = tables.object(c, key)?;
            ids = Some(match ids {
                None => ObjectIds::one(id),
                Some(ids) => ids.and(id)?,
            });
        }
        Ok(ids.map_or(IdTarget::Unscoped, IdTarget::Objects))
    }
}

/// The target of ids (as the C ABI and Python take them): object ids (at most one per category), or one global id, or none.
pub fn id_target(t: &Tables, ids: &[u64]) -> Result<IdTarget, BindingError> {
    // The common request, one object, decoded once; anything else (and every error, with
    // its message) takes the general path below.
    if let [bits] = ids {
        if let Ok(id) = t.object_from_bits(*bits) {
            return Ok(IdTarget::Objects(ObjectIds::one(id)));
        }
    }
    let mut objects: Option<ObjectIds> = None;
    let mut global = None;
    for bits in ids {
        match t.bits_kind(*bits)? {
            IdBits::Global if global.is_none() => global = Some(t.global_from_bits(*bits)?),
            IdBits::Object(_) => {
                let id = t.object_from_bits(*bits)?;
                objects = Some(match objects {
                    None => ObjectIds::one(id),
                    Some(o) => o.and(id)?,
                });
            }
            _ => {
                return Err(BindingError::new(
                    "invalid_request",
                    "invalid request: targets are object ids (one per category) or one global object id",
                ))
            }
        }
    }
    match (objects, global) {
        (Some(_), Some(_)) => Err(objects_and_global()),
        (Some(o), None) => Ok(IdTarget::Objects(o)),
        (None, Some(g)) => Ok(IdTarget::Global(g)),
        (None, None) => Ok(IdTarget::Unscoped),
    }
}

/// Decides a request by ids (as the C ABI, Go and Python take them): a principal's and an
/// action's id bits and the target ids of [`id_target`]. Ids of other tables, of the wrong
/// kind, or forged are errors, never denials.
pub fn check_ids(
    t: &Tables,
    principal: u64,
    action: u64,
    targets: &[u64],
) -> Result<Response, BindingError> {
    let principal = t.principal_from_bits(principal)?;
    let action = t.action_from_bits(action)?;
    let target = id_target(t, targets)?;
    Ok(t.check_ids(principal, action, &target)?)
}

/// [`check_ids`]'s reason alone, with the runtime's fast path for the common request
/// (one object, every id valid) and the general path, with its errors, for the rest.
#[inline]
pub fn check_ids_reason(
    t: &Tables,
    principal: u64,
    action: u64,
    targets: &[u64],
) -> Result<Reason, BindingError> {
    if let [object] = targets {
        if let Some(reason) = t.decide_object_bits(principal, action, *object) {
            return Ok(reason);
        }
    }
    check_ids(t, principal, action, targets).map(|r| r.reason())
}

/// A category by its name, singular or plural (`config`, `configs`).
pub fn category(name: &str) -> Result<Category, BindingError> {
    Category::from_name(name).ok_or_else(|| {
        BindingError::invalid_argument(format!(
            "unknown category `{}`\nhelp: write one of playbook, config, component, connection",
            rampart_runtime::text::Shown(name)
        ))
    })
}

/// A category by its number in [`Category::ALL`] (the C ABI's `RAMPART_CATEGORY_*`).
pub fn category_number(number: u32) -> Result<Category, BindingError> {
    Category::ALL
        .into_iter()
        .find(|c| c.index() as u64 == u64::from(number))
        .ok_or_else(|| {
            BindingError::invalid_argument(format!(
                "category number {number} is not one of 0 (playbook), 1 (config), 2 (component), 3 (connection)"
            ))
        })
}

/// Reads one request in the runtime's JSON model.
pub fn parse_request(text: &str) -> Result<JsonRequest, BindingError> {
    serde_json::from_str(text).map_err(|e| BindingError::malformed(e.to_string()))
}

/// Decides one JSON request as `rampart check --batch` does a line: the response as JSON
/// (`{allowed, decision, reason}`, and with `explain` the deciding permissions and the
/// nearest candidates).
pub fn check_json(tables: &Tables, text: &str, explain: bool) -> Result<Value, BindingError> {
    let request = parse_request(text)?;
    let request = request
        .to_request()
        .map_err(|why| BindingError::new("invalid_request", format!("invalid request: {why}")))?;
    let response = if explain {
        tables.explain(&request)
    } else {
        tables.is_authorized(&request)
    }?;
    Ok(response_json(&response))
}
