//! Responses: the [`Effect`], a stable [`Reason`] code, and, when asked for, an
//! [`Explanation`]: the permissions that decided, through which membership they applied,
//! and for a denial without any matching allow rule the nearest candidates with the
//! clause that failed.

use std::fmt;

use crate::category::Category;
use crate::unit::UnitKind;

/// Allowed or denied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Effect {
    /// At least one matching allow rule and no matching deny rule.
    Allow,
    /// Anything else.
    Deny,
}

impl Effect {
    /// True for [`Effect::Allow`].
    pub fn is_allowed(self) -> bool {
        self == Effect::Allow
    }

    /// `allow` or `deny`.
    pub fn word(self) -> &'static str {
        match self {
            Effect::Allow => "allow",
            Effect::Deny => "deny",
        }
    }
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Effect::Allow => "allowed",
            Effect::Deny => "denied",
        })
    }
}

/// Why a decision came out as it did. The codes are stable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    /// `allowed`: an allow rule matched and no deny rule did.
    Allowed,
    /// `explicit_deny`: a deny rule matched.
    ExplicitDeny,
    /// `no_allow_rule`: no allow rule matched (and no deny rule did).
    NoAllowRule,
}

impl Reason {
    /// The reason for what the matching rules say: any deny wins, else any allow.
    #[inline]
    pub(crate) fn of(allowed: bool, denied: bool) -> Reason {
        if denied {
            Reason::ExplicitDeny
        } else if allowed {
            Reason::Allowed
        } else {
            Reason::NoAllowRule
        }
    }

    /// The stable code (`allowed`, `explicit_deny`, `no_allow_rule`).
    pub fn code(self) -> &'static str {
        match self {
            Reason::Allowed => "allowed",
            Reason::ExplicitDeny => "explicit_deny",
            Reason::NoAllowRule => "no_allow_rule",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Through which membership a rule applied to the subject.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Via {
    /// The rule names the subject itself.
    Direct,
    /// The rule names a unit the subject belongs to.
    Member {
        /// Team, group, role...
        kind: UnitKind,
        /// Its name.
        name: String,
    },
}

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Via::Direct => f.write_str("directly"),
            Via::Member { kind, name } => write!(f, "via {kind} {}", crate::text::Shown(name)),
        }
    }
}

/// A permission that took part in a decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecidingPermission {
    /// `namespace/name`, or `role:<name>` for a built-in role's policy.
    pub permission: String,
    /// `file:line:column` of the document, or `built-in`.
    pub source: String,
    /// Whether it allows or denies.
    pub effect: Effect,
    /// Through which membership it applied.
    pub via: Via,
}

/// A clause of an allow rule that a request did not satisfy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FailedClause {
    /// The rule constrains this category and the request names no object of it.
    MissingObject(Category),
    /// The request's object of this category is not selected by the rule.
    NotSelected {
        /// The category.
        category: Category,
        /// The object as the request named it.
        object: String,
        /// What the rule selects, as canonical selector text: one entry per selector
        /// (any of which would do), then the narrowing.
        selects: Vec<String>,
        /// Per entry of `selects`, the fields of it the object fails
        /// (`types: kubernetes::pod`). For an object the request describes by its
        /// attributes, every failing field; for an object of the catalog, whose
        /// attributes the tables do not keep, only those its key gives (a playbook's or
        /// connection's `namespace` and `name`, a config's or component's `id`).
        failing: Vec<Vec<String>>,
    },
    /// The rule selects the request's objects, but for other actions: its actions leave
    /// the requested one out (an exclusion such as `!delete`, or never listed).
    ActionNotGranted {
        /// The requested action.
        action: String,
        /// The actions the rule grants on these objects, in table order.
        granted: Vec<String>,
        /// True when it grants every other action of the tables (as `*` with an
        /// exclusion does).
        every_other: bool,
    },
    /// The rule grants global objects only; the request names objects.
    GlobalOnly,
    /// The rule does not grant the global object the request names.
    GlobalNotGranted(String),
    /// The request names no object and the rule constrains categories.
    NeedsObjects,
}

impl fmt::Display for FailedClause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::text::Shown;
        match self {
            FailedClause::MissingObject(c) => write!(
                f,
                "the rule constrains {}, and the request names no {c}",
                c.plural()
            ),
            FailedClause::NotSelected {
                category,
                object,
                selects,
                failing,
            } => write!(
                f,
                "{category} `{}` is not selected by {}",
                Shown(object),
                if selects.is_empty() {
                    "the rule's narrowing".to_string()
                } else {
                    selects
                        .iter()
                        .enumerate()
                        .map(|(i, s)| selected_by(s, failing.get(i).map_or(&[], Vec::as_slice)))
                        .collect::<Vec<_>>()
                        .join(" or ")
                }
            ),
            FailedClause::ActionNotGranted {
                action,
                granted,
                every_other,
            } => {
                if *every_other {
                    write!(
                        f,
                        "the rule selects the objects for every action but `{}`, which its actions exclude",
                        Shown(action)
                    )
                } else {
                    write!(
                        f,
                        "the rule selects the objects for {}, not for `{}`: its actions do not include it",
                        granted
                            .iter()
                            .map(|a| format!("`{}`", Shown(a)))
                            .collect::<Vec<_>>()
                            .join(", "),
                        Shown(action)
                    )
                }
            }
            FailedClause::GlobalOnly => f.write_str("the rule grants global objects only"),
            FailedClause::GlobalNotGranted(g) => {
                write!(f, "the rule does not grant global object `{}`", Shown(g))
            }
            FailedClause::NeedsObjects => {
                f.write_str("the rule constrains objects, and the request names none")
            }
        }
    }
}

/// One selector as a failed clause quotes it: with the fields the object fails when
/// they are known and are not the whole selector.
fn selected_by(selector: &str, failing: &[String]) -> String {
    use crate::text::Shown;
    let whole = format!("`{}`", Shown(selector));
    if failing.is_empty() || failing.join("; ") == selector {
        return whole;
    }
    let fields: Vec<String> = failing.iter().map(|f| format!("`{}`", Shown(f))).collect();
    format!("{whole} (fails on {})", fields.join(" and "))
}

impl FailedClause {
    /// A stable code for the clause (`missing_object`, `not_selected`, ...).
    pub fn code(&self) -> &'static str {
        match self {
            FailedClause::MissingObject(_) => "missing_object",
            FailedClause::NotSelected { .. } => "not_selected",
            FailedClause::ActionNotGranted { .. } => "action_not_granted",
            FailedClause::GlobalOnly => "global_only",
            FailedClause::GlobalNotGranted(_) => "global_not_granted",
            FailedClause::NeedsObjects => "needs_objects",
        }
    }
}

/// An allow rule for the action, held by one of the subject's units, that did not match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// The permission.
    pub permission: String,
    /// Where it is defined.
    pub source: String,
    /// Through which membership the subject holds it.
    pub via: Via,
    /// What did not match.
    pub failed: Vec<FailedClause>,
}

/// Why a request was decided as it was.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Explanation {
    /// The deny rules that denied, or the allow rules that allowed.
    pub deciding: Vec<DecidingPermission>,
    /// For [`Reason::NoAllowRule`]: the nearest allow rules and what failed, fewest
    /// failed clauses first (at most ten).
    pub candidates: Vec<Candidate>,
}

/// The answer to a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    pub(crate) effect: Effect,
    pub(crate) reason: Reason,
    pub(crate) explanation: Option<Explanation>,
}

impl Response {
    /// The response for a reason, without explanation.
    pub(crate) fn of(reason: Reason) -> Response {
        Response {
            effect: if reason == Reason::Allowed {
                Effect::Allow
            } else {
                Effect::Deny
            },
            reason,
            explanation: None,
        }
    }

    /// Allowed or denied.
    pub fn effect(&self) -> Effect {
        self.effect
    }

    /// True when allowed.
    pub fn is_allowed(&self) -> bool {
        self.effect.is_allowed()
    }

    /// Why.
    pub fn reason(&self) -> Reason {
        self.reason
    }

    /// The explanation, when one was asked for ([`crate::Tables::explain`]).
    pub fn explanation(&self) -> Option<&Explanation> {
        self.explanation.as_ref()
    }
}
