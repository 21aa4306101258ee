//! Deciding requests given by names ([`crate::Tables::is_authorized`]): names resolve to
//! ids through [`crate::names::Names`], objects described by attributes are the catalog's
//! object their identity names or are classified by [`crate::selectors::Selectors`]
//! ([`crate::described`]), and the decision comes from
//! [`crate::decisions::Decisions`] — its fast path when every object is known. A name that
//! does not resolve is an error, never a denial.

use crate::category::{Category, PerCategory};
use crate::decisions::{Resolved, ResolvedTarget};
use crate::described;
use crate::error::RequestError;
use crate::ids::{ActionId, PrincipalId};
use crate::parts::Parts;
use crate::request::{IdTarget, ObjectIds, ObjectRef, Request, Target};
use crate::response::{Reason, Response};

/// Resolves a request's names: every name that does not resolve is an error.
pub(crate) fn resolve<'v>(
    tables: &'v Parts,
    request: &Request<'v>,
) -> Result<(PrincipalId, ActionId, ResolvedTarget<'v>), RequestError> {
    let principal = tables.principal(request.subject())?;
    let action = tables.action(request.action())?;
    let target = match request.target() {
        Target::Global(g) => ResolvedTarget::Global(tables.global(g)?),
        Target::Unscoped => ResolvedTarget::Unscoped,
        Target::Objects(objects) => {
            if objects.is_empty() {
                return Err(RequestError::invalid(
                    "the request names no object (a request about nothing is `Target::Unscoped`)",
                ));
            }
            objects.one_per_category()?;
            let mut targets = PerCategory::default();
            for (c, object) in objects.iter() {
                let resolved = match object {
                    ObjectRef::Key(key) => Resolved::Known(tables.object(c, key)?),
                    ObjectRef::Attributes(attributes) => {
                        described::classify(tables, c, attributes)?
                    }
                };
                targets.set(c, resolved);
            }
            ResolvedTarget::Objects(targets)
        }
    };
    Ok((principal, action, target))
}

/// Decides resolved targets (the fast path where it applies).
pub(crate) fn decide_resolved(
    tables: &Parts,
    principal: PrincipalId,
    action: ActionId,
    target: &ResolvedTarget<'_>,
) -> Result<Response, RequestError> {
    match target {
        ResolvedTarget::Global(g) => tables.check_ids(principal, action, &IdTarget::Global(*g)),
        ResolvedTarget::Unscoped => tables.check_ids(principal, action, &IdTarget::Unscoped),
        ResolvedTarget::Objects(targets) => {
            let mut known: Option<ObjectIds> = None;
            let mut all_known = true;
            for (_, t) in targets.iter() {
                match t {
                    Resolved::Known(o) => {
                        known = Some(match known {
                            None => ObjectIds::one(*o),
                            Some(ids) => ids.and(*o)?,
                        })
                    }
                    Resolved::Unknown(_) => all_known = false,
                }
            }
            match (all_known, known) {
                (true, Some(ids)) => tables.check_ids(principal, action, &IdTarget::Objects(ids)),
                _ => {
                    let decisions = &tables.decisions;
                    let reason = decisions
                        .row(principal.index, action.index)
                        .map_or(Reason::NoAllowRule, |row| {
                            decisions.by_rules(row, targets, Some(&tables.selectors))
                        });
                    Ok(Response::of(reason))
                }
            }
        }
    }
}

/// [`crate::Tables::is_authorized`].
pub(crate) fn is_authorized(
    tables: &Parts,
    request: &Request<'_>,
) -> Result<Response, RequestError> {
    if let Some(answer) = by_keys(tables, request) {
        return answer;
    }
    let (principal, action, target) = resolve(tables, request)?;
    decide_resolved(tables, principal, action, &target)
}

/// The common case of [`is_authorized`]: every object named by key. Resolves straight to
/// ids (in the order `resolve` does, so errors are the same) without building the general
/// resolved target, whose size costs more than the lookups. Every name lookup is begun
/// (hashed, its home slot read) before any is finished, so that their cache misses
/// overlap. `None` when some object is given by attributes or the target is not objects.
fn by_keys(tables: &Parts, request: &Request<'_>) -> Option<Result<Response, RequestError>> {
    let Target::Objects(objects) = request.target() else {
        return None;
    };
    if objects.is_empty()
        || objects.one_per_category().is_err()
        || objects
            .iter()
            .any(|(_, o)| matches!(o, ObjectRef::Attributes(_)))
    {
        return None;
    }
    let names = &tables.names;
    let subject = request.subject();
    let principal = names.principal_begin(subject);
    let lookups = Category::ALL.map(|c| match objects.get(c) {
        Some(ObjectRef::Key(key)) => Some((*key, names.object_begin(c, key))),
        _ => None,
    });
    let answer = (|| {
        let principal = tables.principal_id(names.principal_finish(subject, principal)?);
        let action = tables.action(request.action())?;
        let mut ids: Option<ObjectIds> = None;
        for c in Category::ALL {
            if let Some((key, lookup)) = *c.of(&lookups) {
                let id = tables.object_id_at(c, names.object_finish(c, key, lookup)?);
                ids = Some(match ids {
                    None => ObjectIds::one(id),
                    Some(ids) => ids.and(id)?,
                });
            }
        }
        match ids {
            Some(ids) => tables.check_ids(principal, action, &IdTarget::Objects(ids)),
            None => Err(RequestError::invalid("the request names no object")),
        }
    })();
    Some(answer)
}
