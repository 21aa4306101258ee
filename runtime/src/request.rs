//! Requests by name (the API and the JSON lines of `rampart check --batch`) and the
//! decisions they get, with reasons and, on request, the permissions that decided.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::attributes::{ObjectAttributes, ObjectView};
use crate::check::ObjectTarget;
use crate::data::RuleData;
use crate::tables::Tables;
use crate::{ActionId, Category, PerCategory, PrincipalId};

/// An object named by key (`ns/name` or id), or described by attributes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ObjectRef {
    Key(String),
    Attributes(Box<ObjectAttributes>),
}

/// The objects of a request, at most one per category.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestObjects {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub playbook: Option<ObjectRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<ObjectRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component: Option<ObjectRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<ObjectRef>,
}

impl RequestObjects {
    fn get(&self, c: Category) -> Option<&ObjectRef> {
        match c {
            Category::Playbook => self.playbook.as_ref(),
            Category::Config => self.config.as_ref(),
            Category::Component => self.component.as_ref(),
            Category::Connection => self.connection.as_ref(),
        }
    }
}

/// `{subject, action, objects: {...}}` or `{subject, action, global: "catalog"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub subject: String,
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objects: Option<RequestObjects>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub global: Option<String>,
}

/// Why a decision came out as it did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    /// At least one allow rule matched and no deny rule did.
    Allowed,
    /// A deny rule matched.
    Denied,
    /// No allow rule matched.
    NoAllowRule,
    /// Denied, without looking for the rule that decided (ask with `explain`).
    NotAllowed,
    UnknownSubject(String),
    UnknownAction(String),
    UnknownObject {
        category: Category,
        key: String,
    },
    UnknownGlobal(String),
    InvalidRequest(String),
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Allowed => f.write_str("allowed by a matching allow rule and no deny rule"),
            Reason::Denied => f.write_str("denied by a matching deny rule"),
            Reason::NoAllowRule => f.write_str("no allow rule matches"),
            Reason::NotAllowed => f.write_str("not allowed"),
            Reason::UnknownSubject(s) => write!(f, "unknown subject `{s}`"),
            Reason::UnknownAction(a) => write!(f, "unknown action `{a}`"),
            Reason::UnknownObject { category, key } => write!(f, "unknown {category} `{key}`"),
            Reason::UnknownGlobal(g) => write!(f, "unknown global object `{g}`"),
            Reason::InvalidRequest(why) => write!(f, "invalid request: {why}"),
        }
    }
}

/// A permission that took part in a decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MatchedPermission {
    pub name: String,
    pub source: String,
    pub effect: &'static str,
}

/// The answer to a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub reason: Reason,
    /// Filled when an explanation was asked for: the deny rules that denied, or the
    /// allow rules that allowed.
    pub permissions: Vec<MatchedPermission>,
}

impl Decision {
    fn deny(reason: Reason) -> Decision {
        Decision {
            allowed: false,
            reason,
            permissions: Vec::new(),
        }
    }

    /// The JSON line `rampart check --batch` prints.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "allowed": self.allowed,
            "reason": self.reason.to_string(),
            "permissions": self.permissions,
        })
    }
}

/// The interned ids of a request whose objects the catalog all knows.
fn known_ids(targets: &PerCategory<ObjectTarget<'_>>) -> Option<crate::ObjectIds> {
    let mut ids = crate::ObjectIds::default();
    for (c, target) in targets.iter() {
        match target {
            ObjectTarget::Known(o) => ids.set(c, *o),
            ObjectTarget::Unknown(_) => return None,
        }
    }
    Some(ids)
}

enum Resolved<'a> {
    Objects(PerCategory<ObjectTarget<'a>>),
    Global(crate::GlobalId),
}

impl Tables {
    /// Decides a request given by names (DESIGN's `check(&Request) -> Decision`).
    pub fn check(&self, request: &Request) -> Decision {
        self.decide(request, false)
    }

    /// Decides a request and lists the permissions that decided it, with their sources.
    pub fn explain(&self, request: &Request) -> Decision {
        self.decide(request, true)
    }

    /// Decides a request given by names. With `explain`, the decision lists the
    /// permissions that decided it (and tells a deny rule from a missing allow).
    pub fn decide(&self, request: &Request, explain: bool) -> Decision {
        let Some(principal) = self.principal(&request.subject) else {
            return Decision::deny(Reason::UnknownSubject(request.subject.clone()));
        };
        let Some(action) = self.action(&request.action) else {
            return Decision::deny(Reason::UnknownAction(request.action.clone()));
        };
        let agents: Vec<(Option<&str>, Option<&str>)> = Category::ALL
            .iter()
            .map(|c| match request.objects.as_ref().and_then(|o| o.get(*c)) {
                Some(ObjectRef::Attributes(a)) => self.agent_of(a),
                _ => (None, None),
            })
            .collect();
        let resolved = match self.resolve_target(request, &agents) {
            Ok(r) => r,
            Err(reason) => return Decision::deny(reason),
        };
        if !explain {
            let allowed = match &resolved {
                Resolved::Objects(targets) => match known_ids(targets) {
                    Some(ids) => self.check_ids(principal, action, &ids),
                    None => self.check_targets(principal, action, targets),
                },
                Resolved::Global(g) => self.check_global(principal, action, *g),
            };

            let reason = if allowed {
                Reason::Allowed
            } else {
                Reason::NotAllowed
            };
            return Decision {
                allowed,
                reason,
                permissions: Vec::new(),
            };
        }
        // An explanation is computed rule by rule, independently of the precomputed
        // unions (the differential tests hold the two to the same answers).
        let (allow, deny) = self.matching_rules(principal, action, &resolved);
        let allowed = !allow.is_empty() && deny.is_empty();
        let (reason, rules) = match (allowed, deny.is_empty()) {
            (true, _) => (Reason::Allowed, allow),
            (false, false) => (Reason::Denied, deny),
            (false, true) => (Reason::NoAllowRule, Vec::new()),
        };
        let mut permissions: Vec<MatchedPermission> = Vec::new();
        for rule in rules {
            if let Some(p) = self.data.permissions.get(rule.permission as usize) {
                if !permissions
                    .iter()
                    .any(|m| m.name == p.name && m.source == p.source)
                {
                    let effect = if p.deny { "deny" } else { "allow" };
                    permissions.push(MatchedPermission {
                        name: p.name.clone(),
                        source: p.source.clone(),
                        effect,
                    });
                }
            }
        }
        Decision {
            allowed,
            reason,
            permissions,
        }
    }

    fn agent_of<'a>(
        &'a self,
        attributes: &'a ObjectAttributes,
    ) -> (Option<&'a str>, Option<&'a str>) {
        match attributes.agent.as_deref() {
            None => (None, None),
            Some(key) => match self
                .agent_by_key
                .get(key)
                .and_then(|i| self.data.agents.get(*i))
            {
                Some(agent) => (Some(agent.id.as_str()), Some(agent.name.as_str())),
                None => (Some(key), None),
            },
        }
    }

    fn resolve_target<'a>(
        &'a self,
        request: &'a Request,
        agents: &[(Option<&'a str>, Option<&'a str>)],
    ) -> Result<Resolved<'a>, Reason> {
        match (&request.objects, &request.global) {
            (Some(_), Some(_)) => Err(Reason::InvalidRequest(
                "a request names objects or a global object, not both".into(),
            )),
            (None, None) => Err(Reason::InvalidRequest(
                "a request needs `objects` or `global`".into(),
            )),
            (None, Some(g)) => self
                .global(g)
                .map(Resolved::Global)
                .ok_or_else(|| Reason::UnknownGlobal(g.clone())),
            (Some(objects), None) => {
                let mut targets = PerCategory::default();
                for c in Category::ALL {
                    let target = match objects.get(c) {
                        None => continue,
                        Some(ObjectRef::Key(key)) => {
                            ObjectTarget::Known(self.object(c, key).ok_or_else(|| {
                                Reason::UnknownObject {
                                    category: c,
                                    key: key.clone(),
                                }
                            })?)
                        }
                        Some(ObjectRef::Attributes(attributes)) => {
                            let known = attributes.id.as_deref().and_then(|id| self.object(c, id));
                            match known {
                                Some(o) => ObjectTarget::Known(o),
                                None => {
                                    let (agent_id, agent_name) =
                                        agents.get(c.index()).copied().unwrap_or((None, None));
                                    ObjectTarget::Unknown(ObjectView {
                                        category: c,
                                        attributes,
                                        agent_id,
                                        agent_name,
                                    })
                                }
                            }
                        }
                    };
                    targets.set(c, target);
                }
                if targets.mask() == 0 {
                    return Err(Reason::InvalidRequest("`objects` names no object".into()));
                }
                Ok(Resolved::Objects(targets))
            }
        }
    }

    fn matching_rules(
        &self,
        principal: PrincipalId,
        action: ActionId,
        resolved: &Resolved<'_>,
    ) -> (Vec<&RuleData>, Vec<&RuleData>) {
        let mut allow = Vec::new();
        let mut deny = Vec::new();
        for entry in self.entries(principal, action) {
            for rule in entry
                .rules
                .iter()
                .filter_map(|r| self.data.rules.get(*r as usize))
            {
                let hit = match resolved {
                    Resolved::Objects(targets) => self.rule_matches_targets(rule, targets),
                    Resolved::Global(g) => 1u64
                        .checked_shl(g.0)
                        .is_some_and(|bit| rule.globals & bit != 0),
                };
                if hit {
                    if rule.deny {
                        deny.push(rule)
                    } else {
                        allow.push(rule)
                    }
                }
            }
        }
        (allow, deny)
    }
}
