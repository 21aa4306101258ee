//! Cedar's side of the comparison with Rampart (the `cedar` bench and
//! `tests/agreement.rs`): the workload's Cedar text (`rampart_benches::cedar`) parsed once
//! into policies, entities and an authorizer; policy sets whole or sliced to one
//! principal's permissions; requests built from [`CedarRequest`]s.
//!
//! A workspace of its own (see `Cargo.toml`): `cedar-policy` turns on serde_json's
//! `preserve_order`, which would change the key order of Rampart's JSON inside Rampart's
//! workspace.

use std::str::FromStr;

use cedar_policy::{
    Authorizer, Context, Decision, Entities, EntityId, EntityTypeName, EntityUid, Policy, PolicyId,
    PolicySet, Request, RestrictedExpression,
};
use rampart_benches::cedar::CedarRequest;
use rampart_benches::workload::Workload;

/// The workload as Cedar holds it.
pub struct CedarWorld {
    /// Permission `i`'s policy at index `i`.
    policies: Vec<Policy>,
    /// Every policy.
    pub whole: PolicySet,
    /// Users, teams, groups, objects and the playbook actions.
    pub entities: Entities,
    authorizer: Authorizer,
}

/// Cedar's answer to one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CedarAnswer {
    /// Whether Cedar allowed it.
    pub allowed: bool,
    /// How many policies' evaluations errored (Cedar skips them).
    pub errors: usize,
}

impl CedarWorld {
    /// Parses the workload's Cedar policies and entities.
    pub fn new(w: &Workload) -> Result<CedarWorld, String> {
        let policies = (0..w.permissions.len())
            .map(|i| {
                Policy::parse(Some(PolicyId::new(format!("p{i}"))), w.cedar_policy(i))
                    .map_err(|e| format!("policy p{i}: {e}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let whole = PolicySet::from_policies(policies.iter().cloned())
            .map_err(|e| format!("policy set: {e}"))?;
        let entities = Entities::from_json_value(w.cedar_entities(), None)
            .map_err(|e| format!("entities: {e}"))?;
        Ok(CedarWorld {
            policies,
            whole,
            entities,
            authorizer: Authorizer::new(),
        })
    }

    /// The policies of the given permissions only (a per-principal slice).
    pub fn slice(&self, permissions: &[usize]) -> Result<PolicySet, String> {
        PolicySet::from_policies(
            permissions
                .iter()
                .filter_map(|i| self.policies.get(*i).cloned()),
        )
        .map_err(|e| format!("sliced policy set: {e}"))
    }

    /// Decides `request` against `policies`.
    pub fn decide(&self, request: &Request, policies: &PolicySet) -> CedarAnswer {
        let response = self
            .authorizer
            .is_authorized(request, policies, &self.entities);
        CedarAnswer {
            allowed: response.decision() == Decision::Allow,
            errors: response.diagnostics().errors().count(),
        }
    }
}

fn uid(kind: &str, id: &str) -> Result<EntityUid, String> {
    let kind = EntityTypeName::from_str(kind).map_err(|e| format!("type {kind}: {e}"))?;
    Ok(EntityUid::from_type_name_and_id(kind, EntityId::new(id)))
}

/// A Cedar request for `r` (no schema: the policies guard every attribute they read).
pub fn request(r: &CedarRequest) -> Result<Request, String> {
    let context = match &r.playbook {
        Some(p) => Context::from_pairs([(
            "playbook".to_string(),
            RestrictedExpression::new_entity_uid(uid("Playbook", p)?),
        )])
        .map_err(|e| format!("context: {e}"))?,
        None => Context::empty(),
    };
    Request::new(
        uid("User", &r.principal)?,
        uid("Action", &r.action)?,
        uid(r.resource_type, &r.resource)?,
        context,
        None,
    )
    .map_err(|e| format!("request: {e}"))
}
