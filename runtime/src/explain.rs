//! Explanations: the same decision as [`crate::Tables::is_authorized`], with the permissions
//! that decided, through which membership each applied, and for a denial without any
//! matching allow rule the nearest candidate rules and the clause each failed: first the
//! rules that select the request's objects for other actions only (an exclusion such as
//! `!delete`), then the rules of the action that constrain a category the request names
//! (a rule about playbooks only is no candidate for a question about a config), fewest
//! failed clauses first; the failed clause names the selector fields the object fails:
//! any field for an object described by its attributes, the fields of its key for an
//! object of the catalog (a playbook's or connection's namespace and name, a config's or
//! component's id: the tables keep no other attribute of a catalogued object).
//!
//! The decision comes from the fast path; the explanation is found rule by rule from the
//! same row's rules. Loading proves that rows equal their rules, so the two agree; should
//! they not (a verified table from a faulty compiler), the call is an error, never an
//! explanation that contradicts its decision.

use crate::category::{Category, PerCategory};
use crate::decide::{decide_resolved, resolve};
use crate::decisions::{Resolved, ResolvedTarget};
use crate::error::RequestError;
use crate::ids::{ActionId, PrincipalId};
use crate::parts::Parts;
use crate::request::Request;
use crate::response::Effect;
use crate::response::{
    Candidate, DecidingPermission, Explanation, FailedClause, Reason, Response, Via,
};
use crate::schema::{RuleData, SetRef};

/// At most this many candidates are listed for a `no_allow_rule` denial.
const CANDIDATES: usize = 10;

/// [`crate::Tables::explain`]: decides a request like [`crate::Tables::is_authorized`] and explains the
/// decision.
pub(crate) fn explain(tables: &Parts, request: &Request<'_>) -> Result<Response, RequestError> {
    let (principal, action, target) = resolve(tables, request)?;
    Explainer { tables }.explain_resolved(principal, action, &target)
}

/// Explanations over the parts of one [`crate::Tables`].
struct Explainer<'t> {
    tables: &'t Parts,
}

impl Explainer<'_> {
    fn explain_resolved(
        &self,
        principal: PrincipalId,
        action: ActionId,
        target: &ResolvedTarget<'_>,
    ) -> Result<Response, RequestError> {
        let mut response = decide_resolved(self.tables, principal, action, target)?;
        let own_unit = self
            .tables
            .provenance
            .principal_unit(principal.index())
            .unwrap_or(u32::MAX);
        let mut allow = Vec::new();
        let mut deny = Vec::new();
        let mut misses = Vec::new();
        let decisions = &self.tables.decisions;
        if let Some(row) = decisions.row(principal.index, action.index) {
            for (_, rule) in decisions.row_rules(row) {
                let failed = self.failed_clauses(rule, target);
                match (failed.is_empty(), rule.deny) {
                    (true, true) => deny.push(rule),
                    (true, false) => allow.push(rule),
                    (false, false) => misses.push((rule, failed)),
                    (false, true) => {}
                }
            }
        }
        let scanned = if !deny.is_empty() {
            Reason::ExplicitDeny
        } else if !allow.is_empty() {
            Reason::Allowed
        } else {
            Reason::NoAllowRule
        };
        if scanned != response.reason {
            return Err(RequestError::inconsistent(format!(
                "the decision row says `{}`, its rules say `{}`",
                response.reason, scanned
            )));
        }
        let deciding_rules = match response.reason {
            Reason::ExplicitDeny => deny,
            Reason::Allowed => allow,
            Reason::NoAllowRule => Vec::new(),
        };
        let mut deciding: Vec<DecidingPermission> = Vec::new();
        for rule in deciding_rules {
            let permission = self.deciding(rule, own_unit);
            if !deciding.contains(&permission) {
                deciding.push(permission);
            }
        }
        let mut candidates: Vec<Candidate> = Vec::new();
        if response.reason == Reason::NoAllowRule {
            misses.retain(|(rule, _)| about_the_request(rule, target));
            misses.sort_by_key(|(_, failed)| failed.len());
            let mut excluded = self.other_actions(principal, action, target);
            excluded.append(&mut misses);
            for (rule, failed) in excluded {
                let p = self.deciding(rule, own_unit);
                if candidates
                    .iter()
                    .any(|c| c.permission == p.permission && c.source == p.source && c.via == p.via)
                {
                    continue;
                }
                candidates.push(Candidate {
                    permission: p.permission,
                    source: p.source,
                    via: p.via,
                    failed,
                });
                if candidates.len() == CANDIDATES {
                    break;
                }
            }
        }
        response.explanation = Some(Explanation {
            deciding,
            candidates,
        });
        Ok(response)
    }

    /// The allow rules of the principal's row for another action that select the
    /// request's objects, one per (permission, unit), each with the clause naming the
    /// actions it grants: the rules whose actions leave the requested one out.
    fn other_actions(
        &self,
        principal: PrincipalId,
        action: ActionId,
        target: &ResolvedTarget<'_>,
    ) -> Vec<(&RuleData, Vec<FailedClause>)> {
        let decisions = &self.tables.decisions;
        let mut found: Vec<(&RuleData, Vec<String>)> = Vec::new();
        let mut others = 0;
        for (other, name) in self.tables.actions() {
            if other.index == action.index {
                continue;
            }
            others += 1;
            let Some(row) = decisions.row(principal.index, other.index) else {
                continue;
            };
            for (_, rule) in decisions.row_rules(row) {
                if rule.deny || !self.failed_clauses(rule, target).is_empty() {
                    continue;
                }
                let same = |r: &&mut (&RuleData, Vec<String>)| {
                    r.0.permission == rule.permission && r.0.unit == rule.unit
                };
                match found.iter_mut().find(same) {
                    Some((_, granted)) => {
                        if !granted.iter().any(|g| g == name) {
                            granted.push(name.to_string());
                        }
                    }
                    None => found.push((rule, vec![name.to_string()])),
                }
            }
        }
        let requested = self.tables.action_name(action).unwrap_or_default();
        found
            .into_iter()
            .map(|(rule, granted)| {
                let every_other = granted.len() == others;
                let clause = FailedClause::ActionNotGranted {
                    action: requested.to_string(),
                    granted,
                    every_other,
                };
                (rule, vec![clause])
            })
            .collect()
    }

    fn via(&self, unit: u32, own_unit: u32) -> Via {
        match self.tables.provenance.unit(unit) {
            Some(_) if unit == own_unit => Via::Direct,
            Some((kind, name)) => Via::Member {
                kind,
                name: name.to_string(),
            },
            None => Via::Direct,
        }
    }

    fn deciding(&self, rule: &RuleData, own_unit: u32) -> DecidingPermission {
        let p = self.tables.provenance.permission(rule.permission);
        DecidingPermission {
            permission: p.map(|p| p.name.clone()).unwrap_or_default(),
            source: p.map(|p| p.source.clone()).unwrap_or_default(),
            effect: if rule.deny {
                Effect::Deny
            } else {
                Effect::Allow
            },
            via: self.via(rule.unit, own_unit),
        }
    }

    /// What the rule selects in a category, as canonical selector text.
    fn selects(&self, rule: &RuleData, category: Category) -> Vec<String> {
        category
            .of(&rule.predicates)
            .map(|p| self.tables.selectors.describe(p))
            .unwrap_or_default()
    }

    /// The clauses of `rule` the target fails; empty when the rule matches.
    fn failed_clauses(&self, rule: &RuleData, target: &ResolvedTarget<'_>) -> Vec<FailedClause> {
        let mut failed = Vec::new();
        match target {
            ResolvedTarget::Global(g) => {
                let bit = 1u64.checked_shl(g.index).unwrap_or(0);
                if rule.globals & bit == 0 {
                    failed.push(FailedClause::GlobalNotGranted(
                        self.tables.global_name(*g).unwrap_or_default().to_string(),
                    ));
                }
            }
            ResolvedTarget::Unscoped => {
                if !rule.objects {
                    failed.push(FailedClause::GlobalOnly);
                } else if rule.required != 0 {
                    failed.push(FailedClause::NeedsObjects);
                }
            }
            ResolvedTarget::Objects(targets) => {
                if !rule.objects {
                    failed.push(FailedClause::GlobalOnly);
                    return failed;
                }
                for c in Category::ALL {
                    if rule.required & c.bit() != 0 && targets.get(c).is_none() {
                        failed.push(FailedClause::MissingObject(c));
                    }
                }
                for (c, t) in targets.iter() {
                    let mut single = PerCategory::default();
                    single.set(c, *t);
                    let as_rule = RuleData {
                        required: rule.required & c.bit(),
                        ..rule.clone()
                    };
                    if *c.of(&rule.sets) != SetRef::All
                        && !self.tables.decisions.rule_matches(
                            &as_rule,
                            &single,
                            Some(&self.tables.selectors),
                        )
                    {
                        let (object, failing) = match t {
                            Resolved::Known(o) => {
                                let key = self.tables.object_key(*o).unwrap_or_default();
                                let failing = c
                                    .of(&rule.predicates)
                                    .map(|p| self.tables.selectors.failing_by_key(p, c, key))
                                    .unwrap_or_default();
                                (key.to_string(), failing)
                            }
                            Resolved::Unknown(view) => (
                                view.attributes
                                    .id
                                    .clone()
                                    .or_else(|| view.attributes.name.clone())
                                    .unwrap_or_else(|| "(unnamed)".into()),
                                c.of(&rule.predicates)
                                    .map(|p| self.tables.selectors.failing(p, view))
                                    .unwrap_or_default(),
                            ),
                        };
                        failed.push(FailedClause::NotSelected {
                            category: c,
                            object,
                            selects: self.selects(rule, c),
                            failing,
                        });
                    }
                }
            }
        }
        failed
    }
}

/// Whether a rule that did not match is about the request: for a request naming objects,
/// a rule that constrains none of the categories the request names (a rule about
/// playbooks, for a question about a config) is not.
fn about_the_request(rule: &RuleData, target: &ResolvedTarget<'_>) -> bool {
    match target {
        ResolvedTarget::Objects(targets) => {
            rule.required == 0 || rule.required & targets.mask() != 0
        }
        ResolvedTarget::Global(_) | ResolvedTarget::Unscoped => true,
    }
}
