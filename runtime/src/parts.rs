//! [`Parts`]: the parts of one [`crate::Tables`] value (each owning its data, built and
//! validated in its own module) and the tag its ids carry. The modules that answer
//! queries over several parts ([`crate::decide`], [`crate::explain`], [`crate::listing`],
//! [`crate::sql`], [`crate::connection::resolve`]) take `&Parts`; `Tables` wraps it and
//! delegates. Names resolve to ids here, and ids are checked against the tag here.

use crate::category::Category;
use crate::decisions::Decisions;
use crate::error::RequestError;
use crate::ids::{ActionId, GlobalId, ObjectId, PrincipalId, TablesTag};
use crate::names::Names;
use crate::provenance::Provenance;
use crate::request::IdTarget;
use crate::response::Response;
use crate::selectors::Selectors;

/// The parts of one tables value.
#[derive(Debug)]
pub(crate) struct Parts {
    /// Which tables ids belong to.
    pub tag: TablesTag,
    /// Every name and its index.
    pub names: Names,
    /// Classes, rules, rows, sets and the check layout.
    pub decisions: Decisions,
    /// Compiled selectors, predicates and agents.
    pub selectors: Selectors,
    /// Permissions and units.
    pub provenance: Provenance,
}

impl Parts {
    pub(crate) fn principal_id(&self, index: u32) -> PrincipalId {
        PrincipalId {
            index,
            tag: self.tag,
        }
    }

    pub(crate) fn object_id_at(&self, category: Category, index: u32) -> ObjectId {
        ObjectId {
            category,
            index,
            tag: self.tag,
        }
    }

    /// A subject: a person by email, id or unique name, or `playbook:ns/name` /
    /// `notification:ns/name` (or their ids after the prefix).
    pub(crate) fn principal(&self, subject: &str) -> Result<PrincipalId, RequestError> {
        self.names.principal(subject).map(|i| self.principal_id(i))
    }

    /// A person by email, id or unique name (services are refused).
    pub(crate) fn person(&self, person: &str) -> Result<PrincipalId, RequestError> {
        self.names.person(person).map(|i| self.principal_id(i))
    }

    /// An action by name. Case and spelling variants are accepted (`Playbook:Run`);
    /// `invoke:` operations no document names map to their plugin's stand-in.
    pub(crate) fn action(&self, action: &str) -> Result<ActionId, RequestError> {
        self.names.action(action).map(|index| ActionId {
            index,
            tag: self.tag,
        })
    }

    /// A known object by key (`ns/name` for playbooks and connections, the id for configs
    /// and components) or by catalog id / `metadata.uid`.
    pub(crate) fn object(&self, category: Category, key: &str) -> Result<ObjectId, RequestError> {
        self.names
            .object(category, key)
            .map(|i| self.object_id_at(category, i))
    }

    /// [`Parts::object`], with `None` for a key that names no object (nothing allocated).
    pub(crate) fn find_object(
        &self,
        category: Category,
        key: &str,
    ) -> Result<Option<ObjectId>, RequestError> {
        Ok(self
            .names
            .find_object(category, key)?
            .map(|i| self.object_id_at(category, i)))
    }

    /// A global object by name (`catalog`, `mcp`, ...).
    pub(crate) fn global(&self, name: &str) -> Result<GlobalId, RequestError> {
        self.names.global(name).map(|index| GlobalId {
            index,
            tag: self.tag,
        })
    }

    /// Every principal, in table order.
    pub(crate) fn principals(&self) -> impl Iterator<Item = PrincipalId> + '_ {
        (0..self.names.principal_count() as u32).map(|i| self.principal_id(i))
    }

    /// Every action of the vocabulary, with its name.
    pub(crate) fn actions(&self) -> impl Iterator<Item = (ActionId, &str)> + '_ {
        (0..self.names.action_count() as u32).filter_map(|index| {
            let name = self.names.action_name(index as usize)?;
            Some((
                ActionId {
                    index,
                    tag: self.tag,
                },
                name,
            ))
        })
    }

    /// Every global object, with its name.
    pub(crate) fn globals(&self) -> impl Iterator<Item = (GlobalId, &str)> + '_ {
        (0..self.names.global_count() as u32).filter_map(|index| {
            let name = self.names.global_name(index as usize)?;
            Some((
                GlobalId {
                    index,
                    tag: self.tag,
                },
                name,
            ))
        })
    }

    /// Every known object of a category.
    pub(crate) fn objects(&self, category: Category) -> impl Iterator<Item = ObjectId> + '_ {
        (0..self.names.object_count(category) as u32).map(move |i| self.object_id_at(category, i))
    }

    /// The object at `index` of a category (the indexes of [`crate::Listing::bitmap`]).
    pub(crate) fn object_at(&self, category: Category, index: u32) -> Option<ObjectId> {
        ((index as usize) < self.names.object_count(category))
            .then(|| self.object_id_at(category, index))
    }

    /// The name a principal is looked up by (`email`, `playbook:ns/name`, ...).
    pub(crate) fn principal_name(&self, principal: PrincipalId) -> Option<String> {
        (principal.tag == self.tag)
            .then(|| self.names.principal_name(principal.index()))
            .flatten()
    }

    /// The key of a known object.
    pub(crate) fn object_key(&self, object: ObjectId) -> Option<&str> {
        (object.tag == self.tag)
            .then(|| self.names.object_key(object.category, object.index()))
            .flatten()
    }

    /// The catalog id of a known object (the key for configs and components).
    pub(crate) fn object_id(&self, object: ObjectId) -> Option<&str> {
        (object.tag == self.tag)
            .then(|| self.names.object_id(object.category, object.index))
            .flatten()
    }

    /// The name of an action.
    pub(crate) fn action_name(&self, action: ActionId) -> Option<&str> {
        (action.tag == self.tag)
            .then(|| self.names.action_name(action.index()))
            .flatten()
    }

    /// The name of a global object.
    pub(crate) fn global_name(&self, global: GlobalId) -> Option<&str> {
        (global.tag == self.tag)
            .then(|| self.names.global_name(global.index()))
            .flatten()
    }

    /// The principal's class: principals of one class get the same answer to every
    /// request, so tools that ask for many principals can ask once per class.
    pub(crate) fn principal_class(&self, principal: PrincipalId) -> Option<u32> {
        (principal.tag == self.tag)
            .then(|| self.decisions.principal_class(principal.index()))
            .flatten()
    }

    /// Decides a request by resolved ids: the fast path ([`crate::Tables::check_ids`]).
    #[inline]
    pub(crate) fn check_ids(
        &self,
        principal: PrincipalId,
        action: ActionId,
        target: &IdTarget,
    ) -> Result<Response, RequestError> {
        if principal.tag != self.tag || action.tag != self.tag {
            return Err(RequestError::stale_id());
        }
        self.decisions
            .check(principal.index, action.index, target, self.tag)
            .map(Response::of)
    }
}
