//! Explanations: the same decision as [`Tables::is_authorized`], with the permissions
//! that decided, through which membership each applied, and for a denial without any
//! matching allow rule the nearest candidate rules and the clause each failed.
//!
//! The decision comes from the fast path; the explanation is found rule by rule from the
//! same row's rules. Loading proves that rows equal their rules, so the two agree; should
//! they not (a verified table from a faulty compiler), the call is an error, never an
//! explanation that contradicts its decision.

use crate::category::Category;
use crate::decide::{Resolved, ResolvedTarget};
use crate::error::RequestError;
use crate::ids::{ActionId, PrincipalId};
use crate::request::Request;
use crate::response::Effect;
use crate::response::{
    Candidate, DecidingPermission, Explanation, FailedClause, Reason, Response, Via,
};
use crate::schema::{RuleData, SetRef};
use crate::tables::Tables;

/// At most this many candidates are listed for a `no_allow_rule` denial.
const CANDIDATES: usize = 10;

impl Tables {
    /// Decides a request like [`Tables::is_authorized`] and explains the decision.
    pub fn explain(&self, request: &Request<'_>) -> Result<Response, RequestError> {
        let (principal, action, target) = self.resolve(request)?;
        self.explain_resolved(principal, action, &target)
    }

    pub(crate) fn explain_resolved(
        &self,
        principal: PrincipalId,
        action: ActionId,
        target: &ResolvedTarget<'_>,
    ) -> Result<Response, RequestError> {
        let mut response = self.decide_resolved(principal, action, target)?;
        let own_unit = self
            .data
            .principals
            .get(principal.index())
            .map(|p| p.unit)
            .unwrap_or(u32::MAX);
        let mut allow = Vec::new();
        let mut deny = Vec::new();
        let mut misses = Vec::new();
        if let Some(row) = self.row(principal.index, action.index) {
            for (_, rule) in self.row_rules(row) {
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
            misses.sort_by_key(|(_, failed)| failed.len());
            for (rule, failed) in misses {
                let p = self.deciding(rule, own_unit);
                if candidates
                    .iter()
                    .any(|c| c.permission == p.permission && c.via == p.via)
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

    fn via(&self, unit: u32, own_unit: u32) -> Via {
        match self.data.units.get(unit as usize) {
            Some(_) if unit == own_unit => Via::Direct,
            Some(u) => Via::Member {
                kind: u.kind,
                name: u.name.clone(),
            },
            None => Via::Direct,
        }
    }

    fn deciding(&self, rule: &RuleData, own_unit: u32) -> DecidingPermission {
        let p = self.data.permissions.get(rule.permission as usize);
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
    pub(crate) fn selects(&self, rule: &RuleData, category: Category) -> Vec<String> {
        let Some(p) = category
            .of(&rule.predicates)
            .and_then(|p| self.data.predicates.get(p as usize))
        else {
            return Vec::new();
        };
        let mut out: Vec<String> = p
            .selectors
            .iter()
            .filter_map(|s| self.data.selectors.get(*s as usize))
            .map(crate::listing::selector_text)
            .collect();
        if let Some(agents) = &p.agents {
            out.push(format!("agents: {}", agents.join(",")));
        }
        if !p.tags.is_empty() {
            let tags: Vec<String> = p.tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
            out.push(format!("tags: {}", tags.join(",")));
        }
        out
    }

    /// The clauses of `rule` the target fails; empty when the rule matches.
    fn failed_clauses(&self, rule: &RuleData, target: &ResolvedTarget<'_>) -> Vec<FailedClause> {
        let mut failed = Vec::new();
        match target {
            ResolvedTarget::Global(g) => {
                let bit = 1u64.checked_shl(g.index).unwrap_or(0);
                if rule.globals & bit == 0 {
                    failed.push(FailedClause::GlobalNotGranted(
                        self.data
                            .globals
                            .get(g.index())
                            .cloned()
                            .unwrap_or_default(),
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
                    let mut single = crate::category::PerCategory::default();
                    single.set(c, *t);
                    let as_rule = RuleData {
                        required: rule.required & c.bit(),
                        ..rule.clone()
                    };
                    if *c.of(&rule.sets) != SetRef::All && !self.rule_matches(&as_rule, &single) {
                        let object = match t {
                            Resolved::Known(o) => {
                                self.object_key(*o).unwrap_or_default().to_string()
                            }
                            Resolved::Unknown(view) => view
                                .attributes
                                .id
                                .clone()
                                .or_else(|| view.attributes.name.clone())
                                .unwrap_or_else(|| "(unnamed)".into()),
                        };
                        failed.push(FailedClause::NotSelected {
                            category: c,
                            object,
                            selects: self.selects(rule, c),
                        });
                    }
                }
            }
        }
        failed
    }
}
