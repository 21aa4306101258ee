//! The rules behind a principal's answers for one action, as their selectors state them:
//! what they admit or forbid whether or not the catalog holds the objects. The decision
//! rows and listings cover only the objects the catalog holds; these [`ResidualRule`]s are
//! what also decides the objects it does not hold yet, so that a change widening a rule to
//! objects not catalogued (a namespace restriction removed, say) can be seen and gated
//! (`rampart diff`). [`ResidualRule::covers`] compares two rules conservatively: when it
//! says yes, every request the other matches, this one matches too.

use std::collections::BTreeSet;
use std::fmt;

use crate::category::Category;
use crate::error::RequestError;
use crate::ids::{ActionId, PrincipalId};
use crate::parts::Parts;
use crate::schema::SetRef;

/// What a rule admits of one category's object.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Admits {
    /// Every object of the category, catalogued or not.
    Any,
    /// The objects matching a predicate: any of `selectors` (none: no selector
    /// constraint), and then the narrowing, all of it.
    Matching {
        /// Canonical text of each selector (`namespace: kube-system`), sorted.
        selectors: Vec<String>,
        /// Agent names or ids, any of which the object's agent must be; `None`: no
        /// constraint.
        agents: Option<Vec<String>>,
        /// Tag pairs the object must all carry, sorted.
        tags: Vec<(String, String)>,
    },
    /// No object of the category.
    Nothing,
}

/// What a rule requires of one category.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Requirement {
    /// The category.
    pub category: Category,
    /// Whether the request must name an object of the category.
    pub required: bool,
    /// Which objects of the category the rule admits when the request names one.
    pub admits: Admits,
}

/// One rule of a principal for one action, as its selectors state it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResidualRule {
    /// True for a deny rule.
    pub deny: bool,
    /// The categories the rule requires or constrains, in category order; a category not
    /// listed may be named or not and admits any object.
    pub requirements: Vec<Requirement>,
}

/// The unconstrained requirement a rule makes of a category it does not list.
fn unconstrained(category: Category) -> Requirement {
    Requirement {
        category,
        required: false,
        admits: Admits::Any,
    }
}

/// `a ⊇ b` over sorted-or-not lists of small size.
fn superset<T: Ord>(a: &[T], b: &[T]) -> bool {
    let a: BTreeSet<&T> = a.iter().collect();
    b.iter().all(|x| a.contains(x))
}

impl Admits {
    /// Whether everything `other` admits, `self` admits (conservative: `false` when it
    /// cannot tell from the text of the selectors).
    pub fn covers(&self, other: &Admits) -> bool {
        match (self, other) {
            (Admits::Any, _) | (_, Admits::Nothing) => true,
            (Admits::Nothing, _) | (Admits::Matching { .. }, Admits::Any) => false,
            (
                Admits::Matching {
                    selectors,
                    agents,
                    tags,
                },
                Admits::Matching {
                    selectors: other_selectors,
                    agents: other_agents,
                    tags: other_tags,
                },
            ) => {
                let selectors_cover = selectors.is_empty()
                    || (!other_selectors.is_empty() && superset(selectors, other_selectors));
                let agents_cover = match (agents, other_agents) {
                    (None, _) => true,
                    (Some(_), None) => false,
                    (Some(a), Some(b)) => superset(a, b),
                };
                selectors_cover && agents_cover && superset(other_tags, tags)
            }
        }
    }
}

impl Requirement {
    /// Whether every object (or absence of one) `other` accepts, `self` accepts.
    pub fn covers(&self, other: &Requirement) -> bool {
        (!self.required || other.required) && self.admits.covers(&other.admits)
    }
}

impl ResidualRule {
    /// What the rule requires of `category` (unconstrained when it does not list it).
    pub fn requirement(&self, category: Category) -> Requirement {
        self.requirements
            .iter()
            .find(|r| r.category == category)
            .cloned()
            .unwrap_or_else(|| unconstrained(category))
    }

    /// Whether every request `other` matches, `self` matches (both of the same kind, allow
    /// or deny). Conservative: selectors are compared by their text, so a rule rewritten
    /// in other words is not recognised as covering.
    pub fn covers(&self, other: &ResidualRule) -> bool {
        self.deny == other.deny
            && Category::ALL
                .into_iter()
                .all(|c| self.requirement(c).covers(&other.requirement(c)))
    }
}

impl fmt::Display for Admits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Admits::Any => f.write_str("any"),
            Admits::Nothing => f.write_str("none"),
            Admits::Matching {
                selectors,
                agents,
                tags,
            } => {
                let mut parts = Vec::new();
                if !selectors.is_empty() {
                    parts.push(
                        selectors
                            .iter()
                            .map(|s| format!("({s})"))
                            .collect::<Vec<_>>()
                            .join(" or "),
                    );
                }
                if let Some(agents) = agents {
                    parts.push(format!("agent in ({})", agents.join(", ")));
                }
                if !tags.is_empty() {
                    let tags: Vec<String> = tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    parts.push(format!("tags {}", tags.join(", ")));
                }
                f.write_str(&parts.join(" and "))
            }
        }
    }
}

impl fmt::Display for ResidualRule {
    /// `configs where (namespace: kube-system) together with playbooks any`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.requirements.is_empty() {
            return f.write_str("any request naming objects");
        }
        let parts: Vec<String> = self
            .requirements
            .iter()
            .map(|r| {
                let optional = if r.required { "" } else { "if named, " };
                match &r.admits {
                    Admits::Any => format!("{optional}any of {}", r.category.plural()),
                    Admits::Nothing => format!("no {}", r.category.name()),
                    admits => format!("{optional}{} where {admits}", r.category.plural()),
                }
            })
            .collect();
        f.write_str(&parts.join(" together with "))
    }
}

/// The rules of `principal` for `action` that decide object requests, deduplicated and
/// sorted (a rule that can match no request left out).
pub(crate) fn residual_rules(
    tables: &Parts,
    principal: PrincipalId,
    action: ActionId,
) -> Result<Vec<ResidualRule>, RequestError> {
    if principal.tag != tables.tag || action.tag != tables.tag {
        return Err(RequestError::stale_id());
    }
    let decisions = &tables.decisions;
    let Some(row) = decisions.row(principal.index, action.index) else {
        return Ok(Vec::new());
    };
    let mut out = BTreeSet::new();
    'rules: for (_, rule) in decisions.row_rules(row) {
        if !rule.objects {
            continue;
        }
        let mut requirements = Vec::new();
        for c in Category::ALL {
            let required = rule.required & c.bit() != 0;
            let admits = match (*c.of(&rule.sets), *c.of(&rule.predicates)) {
                (SetRef::All, _) => Admits::Any,
                (_, Some(p)) => match tables.selectors.requirement(p) {
                    Some((selectors, agents, tags)) => Admits::Matching {
                        selectors,
                        agents,
                        tags,
                    },
                    None => Admits::Nothing,
                },
                (_, None) => Admits::Nothing,
            };
            if admits == Admits::Nothing && required {
                continue 'rules;
            }
            if required || admits != Admits::Any {
                requirements.push(Requirement {
                    category: c,
                    required,
                    admits,
                });
            }
        }
        out.insert(ResidualRule {
            deny: rule.deny,
            requirements,
        });
    }
    Ok(out.into_iter().collect())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    fn matching(selectors: &[&str], agents: Option<&[&str]>, tags: &[(&str, &str)]) -> Admits {
        Admits::Matching {
            selectors: selectors.iter().map(|s| s.to_string()).collect(),
            agents: agents.map(|a| a.iter().map(|s| s.to_string()).collect()),
            tags: tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    fn rule(deny: bool, config: Admits) -> ResidualRule {
        ResidualRule {
            deny,
            requirements: vec![Requirement {
                category: Category::Config,
                required: true,
                admits: config,
            }],
        }
    }

    #[test]
    fn more_selectors_fewer_tags_and_more_agents_cover() {
        let narrow = matching(&["namespace: a"], Some(&["x"]), &[("env", "prod")]);
        for wide in [
            matching(
                &["namespace: a", "namespace: b"],
                Some(&["x"]),
                &[("env", "prod")],
            ),
            matching(&["namespace: a"], Some(&["x", "y"]), &[("env", "prod")]),
            matching(&["namespace: a"], None, &[("env", "prod")]),
            matching(&["namespace: a"], Some(&["x"]), &[]),
            matching(&[], Some(&["x"]), &[("env", "prod")]),
            Admits::Any,
        ] {
            assert!(wide.covers(&narrow), "{wide}");
            assert!(!narrow.covers(&wide), "{wide}");
        }
        assert!(narrow.covers(&narrow));
    }

    #[test]
    fn rules_cover_only_rules_of_their_kind_and_requirements() {
        let a = rule(false, matching(&["namespace: a"], None, &[]));
        let any = rule(false, Admits::Any);
        assert!(any.covers(&a) && !a.covers(&any));
        assert!(!rule(true, Admits::Any).covers(&a));
        let mut optional = any.clone();
        optional.requirements[0].required = false;
        assert!(optional.covers(&any) && !any.covers(&optional));
        let mut with_playbook = a.clone();
        with_playbook.requirements.push(Requirement {
            category: Category::Playbook,
            required: true,
            admits: Admits::Any,
        });
        assert!(a.covers(&with_playbook) && !with_playbook.covers(&a));
    }
}
