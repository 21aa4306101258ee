//! Which object a request describes by attributes ([`crate::request::ObjectRef::Attributes`]):
//! the catalog's object when its identity names one, else the attributes themselves.
//!
//! A config or component is named by its id alone. A playbook or connection is also named
//! by its key, `namespace/name`, so its description is never decided without that key:
//!
//! - an id in key form (`kube-system/x`) gives the object its namespace and name;
//! - an id naming a catalog object gives the catalog's key;
//! - a namespace or name among the attributes that differs from the key the id gives is
//!   an error naming both (never one silently chosen);
//! - a namespace and name that are a catalog object's key decide as that object, and an
//!   id other than that object's is an error.
//!
//! So a description can never be decided more loosely than the catalog's object it names,
//! whichever of its identities (id, key, namespace and name) it gives.
//!
//! A description is refused, never decided, when (issue 20):
//!
//! - any value it gives (id, name, namespace, type, class, agent, status, health, a
//!   playbook's category, a tag's, label's or property's key or value) has white space at
//!   either end or holds a control character: such a value is no spelling of any object's,
//!   and deciding it as written would make `c-dev ` a new object beside `c-dev`;
//! - a config's `namespace` and `tags.namespace` both given and different (Mission
//!   Control reads only the tag, Rampart the attribute first: either choice would let a
//!   request escape a deny the other reading matches);
//! - a component given tags (issue 23): Mission Control has no tags on components (no
//!   column, no matcher), so `tags.K` never exists on one there; deciding tags it cannot
//!   read would let a deny on `!env` stop matching, or an allow on `env=prod` match.
//!
//! A playbook or connection the catalog does not hold may be described without a
//! namespace (Mission Control's own scope tests decide `{id, name}` playbooks): a selector
//! that needs a namespace does not match it, as upstream.

use std::borrow::Cow;

use crate::attributes::{ObjectAttributes, ObjectView};
use crate::category::Category;
use crate::decisions::Resolved;
use crate::error::RequestError;
use crate::ids::ObjectId;
use crate::parts::Parts;
use crate::text::Shown;
use rampart_grammar::fold::fold_char;

/// The object `attributes` describe: the catalog's object when its id (in any spelling
/// [`crate::identity`] accepts; an id naming several is an error) or, for a playbook or
/// connection, its key names one; else the attributes, with the agent resolved the same
/// way, the id trimmed, and the namespace and name a key-form id gives.
pub(crate) fn classify<'v>(
    tables: &'v Parts,
    category: Category,
    attributes: &'v ObjectAttributes,
) -> Result<Resolved<'v>, RequestError> {
    well_formed(category, attributes)?;
    let by_id = match attributes.id.as_deref() {
        Some(id) => tables.find_object(category, id)?,
        None => None,
    };
    let id_is_key = if category.is_keyed() {
        match keyed(tables, category, attributes, by_id)? {
            Keyed::Known(known) => return Ok(Resolved::Known(known)),
            Keyed::Described { id_is_key } => id_is_key,
        }
    } else {
        false
    };
    if let Some(known) = by_id {
        return Ok(Resolved::Known(known));
    }
    let (agent_id, agent_name, agent_uuid) = match attributes.agent.as_deref() {
        None => (None, None, None),
        Some(agent) => match tables.selectors.agent(agent) {
            Some((id, name)) => (Some(id), Some(name), None),
            None => (
                Some(agent),
                attributes.agent_name.as_deref(),
                ObjectView::agent_uuid(agent),
            ),
        },
    };
    Ok(Resolved::Unknown(ObjectView {
        category,
        attributes,
        id_uuid: ObjectView::id_uuid(attributes),
        agent_id,
        agent_uuid,
        agent_name,
        keyed: id_is_key,
    }))
}

/// Refuses a description any of whose values has white space at either end or holds a
/// control character (module docs). Allocates nothing unless it refuses.
fn well_formed(category: Category, attributes: &ObjectAttributes) -> Result<(), RequestError> {
    let ObjectAttributes {
        id,
        name,
        namespace,
        object_type,
        class,
        agent,
        status,
        health,
        category: playbook_category,
        tags,
        labels,
        properties,
        // Filled by a database lookup (`serve --postgres`), never from a request.
        agent_name: _,
    } = attributes;
    let scalars = [
        ("id", id),
        ("name", name),
        ("namespace", namespace),
        ("type", object_type),
        ("class", class),
        ("agent", agent),
        ("status", status),
        ("health", health),
        ("category", playbook_category),
    ];
    for (field, value) in scalars {
        if let Some(value) = value {
            refuse_malformed(category, field, None, value)?;
        }
    }
    for (map, entries) in [("tag", tags), ("label", labels), ("property", properties)] {
        for (key, value) in entries {
            refuse_malformed(category, map, None, key)?;
            refuse_malformed(category, map, Some(key), value)?;
        }
    }
    // Mission Control has no tags on components: refused, never decided by tags it
    // could not read (an empty map says "no tags", as Mission Control reads every one).
    if category == Category::Component && !tags.is_empty() {
        return Err(RequestError::invalid(COMPONENT_TAGS));
    }
    // Mission Control reads a config's namespace from `tags["namespace"]` alone; Rampart
    // from the `namespace` attribute first. Two that differ would let one reading escape
    // a deny the other matches: refused, naming both, never one silently chosen.
    if category == Category::Config {
        if let (Some(attribute), Some(tag)) = (namespace, tags.get("namespace")) {
            if attribute != tag {
                return Err(RequestError::invalid(format!(
                    "a config described by attributes: its namespace `{}` and its tag `namespace` `{}` differ; Mission Control reads a config's namespace from the tag alone: send one, or both equal",
                    Shown(attribute),
                    Shown(tag)
                )));
            }
        }
    }
    Ok(())
}

/// Why a component described with tags is refused (module docs).
const COMPONENT_TAGS: &str = "a component described by attributes gives `tags`, but Mission Control has no tags on components (a component's `tags.KEY` never exists there, so tag selectors would decide it otherwise than Mission Control): send its `labels` instead, and no `tags`";

/// An error when `value` (of `field`; of the entry `key` of a map `field`) has white space
/// at either end or holds a control character.
fn refuse_malformed(
    category: Category,
    field: &str,
    key: Option<&str>,
    value: &str,
) -> Result<(), RequestError> {
    let problem = if crate::text::has_control_characters(value) {
        "holds a control character or an invisible formatting character (zero-width, bidirectional)"
    } else if value.trim() != value {
        "has white space at either end"
    } else {
        return Ok(());
    };
    let what = match key {
        Some(key) => format!("the value of {field} `{}`", Shown(key)),
        None if matches!(field, "tag" | "label" | "property") => format!("a {field} key"),
        None => field.to_string(),
    };
    Err(RequestError::invalid(format!(
        "a {category} described by attributes: {what} `{}` {problem}; values are compared as given, so such a value would name a new object: send it without",
        Shown(value)
    )))
}

/// What the identities of a described playbook or connection name.
enum Keyed {
    /// A catalog object.
    Known(ObjectId),
    /// No catalog object; whether its id is a key (`namespace/name`).
    Described {
        /// The id is a key.
        id_is_key: bool,
    },
}

/// [`classify`] for a category known by `namespace/name`: every identity the description
/// gives must agree, and a namespace and name that are a catalog key name that object.
fn keyed<'v>(
    tables: &'v Parts,
    category: Category,
    attributes: &'v ObjectAttributes,
    by_id: Option<ObjectId>,
) -> Result<Keyed, RequestError> {
    let id = attributes.id.as_deref();
    let key = match (by_id, id) {
        (Some(known), Some(id)) => tables
            .object_key(known)
            .and_then(split_key)
            .map(|key| (key, KeyFrom::Catalog(id))),
        (None, Some(id)) if id.contains('/') => match split_key(id.trim()) {
            Some(key) => Some((key, KeyFrom::Id(id))),
            None => {
                return Err(RequestError::invalid(format!(
                    "{category} id `{}` (by attributes) holds a `/` but is no key `namespace/name`; a {category} is named by its catalog id or `namespace/name`",
                    Shown(id)
                )))
            }
        },
        _ => None,
    };
    let namespace = agree(
        category,
        "namespace",
        attributes.namespace.as_deref(),
        key.map(|((namespace, _), from)| (namespace, from)),
    )?;
    let name = agree(
        category,
        "name",
        attributes.name.as_deref(),
        key.map(|((_, name), from)| (name, from)),
    )?;
    if let Some(known) = by_id {
        return Ok(Keyed::Known(known));
    }
    let (Some(namespace), Some(name)) = (namespace, name) else {
        return Ok(Keyed::Described {
            id_is_key: id_is_key(key),
        });
    };
    let mut buffer = [0u8; KEY_ON_STACK];
    let catalog_key = join_key(namespace.trim(), name.trim(), &mut buffer);
    let Some(known) = tables.find_object(category, &catalog_key)? else {
        return Ok(Keyed::Described {
            id_is_key: id_is_key(key),
        });
    };
    match id {
        Some(id) if !id_is_key(key) => Err(RequestError::invalid(format!(
            "{category} `{}` (by attributes) has the namespace and name of the catalog's `{}`, whose id is `{}`; name it by one identity, or give its own id",
            Shown(id),
            Shown(tables.object_key(known).unwrap_or(&catalog_key)),
            Shown(tables.object_id(known).unwrap_or_default()),
        ))),
        _ => Ok(Keyed::Known(known)),
    }
}

/// Whether the key came from an id in key form.
fn id_is_key(key: Option<((&str, &str), KeyFrom<'_>)>) -> bool {
    matches!(key, Some((_, KeyFrom::Id(_))))
}

/// Where the key of a described object comes from, for an error naming both.
#[derive(Clone, Copy)]
enum KeyFrom<'v> {
    /// The catalog's object its id (this) names.
    Catalog(&'v str),
    /// Its id (this), in key form.
    Id(&'v str),
}

impl std::fmt::Display for KeyFrom<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyFrom::Catalog(id) => write!(f, "the catalog's object `{}`", Shown(id)),
            KeyFrom::Id(id) => write!(f, "its id `{}`", Shown(id)),
        }
    }
}

/// The one value of an attribute given among the attributes and by the key: an error
/// naming both when they are not one identity ([`same_identity`]).
fn agree<'v>(
    category: Category,
    attribute: &str,
    given: Option<&'v str>,
    by_key: Option<(&'v str, KeyFrom<'_>)>,
) -> Result<Option<&'v str>, RequestError> {
    match (given, by_key) {
        (Some(given), Some((by_key, from))) if !same_identity(given, by_key) => {
            Err(RequestError::invalid(format!(
                "a {category} described by attributes has {attribute} `{}`, but {from} says `{}`; give the {attribute} once, or the same in both",
                Shown(given),
                Shown(by_key)
            )))
        }
        (given, by_key) => Ok(given.or(by_key.map(|(value, _)| value))),
    }
}

/// Whether two values are one identity ([`crate::identity::identity_key`]), compared
/// without a folded copy.
fn same_identity(a: &str, b: &str) -> bool {
    a.trim()
        .chars()
        .map(fold_char)
        .eq(b.trim().chars().map(fold_char))
}

/// Keys up to this many bytes are joined on the stack (checking an object the catalog
/// does not know allocates nothing: ARCHITECTURE.md); longer ones into a `String`.
const KEY_ON_STACK: usize = 256;

/// `namespace/name`, written into `buffer` when it fits.
fn join_key<'b>(namespace: &'b str, name: &'b str, buffer: &'b mut [u8]) -> Cow<'b, str> {
    let length = namespace.len() + 1 + name.len();
    let Some(into) = buffer.get_mut(..length) else {
        return Cow::Owned(format!("{namespace}/{name}"));
    };
    let (first, rest) = into.split_at_mut(namespace.len());
    first.copy_from_slice(namespace.as_bytes());
    if let Some((slash, last)) = rest.split_first_mut() {
        *slash = b'/';
        last.copy_from_slice(name.as_bytes());
    }
    match std::str::from_utf8(into) {
        Ok(key) => Cow::Borrowed(key),
        Err(_) => Cow::Owned(format!("{namespace}/{name}")),
    }
}

/// `namespace/name` as its two parts, each non-empty, the name without a `/`.
fn split_key(key: &str) -> Option<(&str, &str)> {
    let (namespace, name) = key.split_once('/')?;
    (!namespace.trim().is_empty() && !name.trim().is_empty() && !name.contains('/'))
        .then_some((namespace, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_joined_on_the_stack_when_it_fits() {
        let mut buffer = [0u8; KEY_ON_STACK];
        assert!(matches!(
            join_key("mc", "echo", &mut buffer),
            Cow::Borrowed("mc/echo")
        ));
        let long = "n".repeat(KEY_ON_STACK);
        assert_eq!(join_key("mc", &long, &mut buffer), format!("mc/{long}"));
    }

    #[test]
    fn a_key_splits_into_a_namespace_and_a_name() {
        assert_eq!(split_key("mc/echo"), Some(("mc", "echo")));
        for not_a_key in ["echo", "/echo", "mc/", "a/b/c", " /x"] {
            assert_eq!(split_key(not_a_key), None, "{not_a_key}");
        }
    }
}
