//! Requests: what a service asks. [`Request`] borrows names (`&str`) and is decided by
//! [`crate::Tables::is_authorized`]; [`IdTarget`] carries resolved ids for
//! [`crate::Tables::check_ids`]. Neither can be built "without an object by accident":
//! a request names objects, one global object, or explicitly none ([`Target::Unscoped`]).

use crate::attributes::ObjectAttributes;
use crate::category::Category;
use crate::category::PerCategory;
use crate::error::RequestError;
use crate::ids::TablesTag;
use crate::ids::{GlobalId, ObjectId};
use crate::text::Shown;

/// One object of a request: a key the catalog knows, or the attributes of an object it
/// does not know (classified by the rules' selectors, as a recompile would).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectRef<'a> {
    /// `ns/name` (playbooks, connections), an id (any category).
    Key(&'a str),
    /// An object described by its attributes.
    Attributes(&'a ObjectAttributes),
}

/// The objects of a request, at most one per category. A second object of a category
/// is kept aside, not swapped in: deciding such objects is an `invalid_request` error
/// naming both ([`Objects::one_per_category`]), never a decision on either of them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Objects<'a> {
    slots: PerCategory<ObjectRef<'a>>,
    second: Option<(Category, ObjectRef<'a>)>,
}

impl<'a> Objects<'a> {
    /// No object yet; add them with the builder methods.
    pub fn new() -> Objects<'a> {
        Objects::default()
    }

    /// Adds the object of `category`. A second object of the same category does not
    /// replace the first: the request becomes an error (see [`Objects::one_per_category`]).
    pub fn with(mut self, category: Category, object: ObjectRef<'a>) -> Objects<'a> {
        if self.slots.get(category).is_none() {
            self.slots.set(category, object);
        } else if self.second.is_none() {
            self.second = Some((category, object));
        }
        self
    }

    /// `Ok` when no category was given twice; else the `invalid_request` error that
    /// deciding these objects is, naming both objects of the category.
    pub fn one_per_category(&self) -> Result<(), RequestError> {
        match self.second {
            None => Ok(()),
            Some((category, second)) => {
                let first = self.slots.get(category).copied().unwrap_or(second);
                Err(RequestError::invalid(format!(
                    "two {category} objects in one request, {} and {}; a request holds at most one object per category",
                    object_shown(&first),
                    object_shown(&second),
                )))
            }
        }
    }

    /// A playbook by `ns/name` or id.
    pub fn playbook(self, key: &'a str) -> Objects<'a> {
        self.with(Category::Playbook, ObjectRef::Key(key))
    }

    /// A config by id.
    pub fn config(self, key: &'a str) -> Objects<'a> {
        self.with(Category::Config, ObjectRef::Key(key))
    }

    /// A component by id.
    pub fn component(self, key: &'a str) -> Objects<'a> {
        self.with(Category::Component, ObjectRef::Key(key))
    }

    /// A connection by `ns/name` or id.
    pub fn connection(self, key: &'a str) -> Objects<'a> {
        self.with(Category::Connection, ObjectRef::Key(key))
    }

    /// The object of a category (the first one given).
    pub fn get(&self, category: Category) -> Option<&ObjectRef<'a>> {
        self.slots.get(category)
    }

    /// The objects with their categories.
    pub fn iter(&self) -> impl Iterator<Item = (Category, &ObjectRef<'a>)> {
        self.slots.iter()
    }

    /// How many objects there are.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// True when no object was set.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
}

/// An object as an error message names it: its key, or the id its attributes give.
fn object_shown(object: &ObjectRef<'_>) -> String {
    match object {
        ObjectRef::Key(key) => format!("`{}`", Shown(key)),
        ObjectRef::Attributes(attributes) => match attributes.id.as_deref() {
            Some(id) => format!("`{}` (by attributes)", Shown(id)),
            None => "an object described by attributes".to_string(),
        },
    }
}

/// What a request is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target<'a> {
    /// Objects (at least one; an empty set of objects is an error, not "nothing").
    Objects(Objects<'a>),
    /// A global object (`catalog`, `mcp`, `database.kratos`, ...).
    Global(&'a str),
    /// Nothing at all: decided by the rules that constrain no category (the `admin`
    /// role's `*` on `*`), so allowed for admins and denied for everyone else.
    Unscoped,
}

/// A request by names: who, what action, on what.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request<'a> {
    subject: &'a str,
    action: &'a str,
    target: Target<'a>,
}

impl<'a> Request<'a> {
    /// `subject` (`john@doe.com`, `playbook:ns/name`, `notification:ns/name`) asks for
    /// `action` on `target`.
    pub fn new(subject: &'a str, action: &'a str, target: Target<'a>) -> Request<'a> {
        Request {
            subject,
            action,
            target,
        }
    }

    /// The subject.
    pub fn subject(&self) -> &'a str {
        self.subject
    }

    /// The action.
    pub fn action(&self) -> &'a str {
        self.action
    }

    /// The target.
    pub fn target(&self) -> &Target<'a> {
        &self.target
    }
}

/// Resolved objects of a request: one to four, at most one per category.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ObjectIds {
    slots: PerCategory<ObjectId>,
}

impl ObjectIds {
    /// One object.
    #[inline]
    pub fn one(object: ObjectId) -> ObjectIds {
        let mut slots = PerCategory::default();
        slots.set(object.category(), object);
        ObjectIds { slots }
    }

    /// Adds an object of another category; the same category twice is an error.
    pub fn and(mut self, object: ObjectId) -> Result<ObjectIds, RequestError> {
        match self.slots.set(object.category(), object) {
            None => Ok(self),
            Some(_) => Err(RequestError::invalid(format!(
                "two {} objects in one request",
                object.category()
            ))),
        }
    }

    /// Two objects of different categories (a playbook and a config, say).
    pub fn pair(a: ObjectId, b: ObjectId) -> Result<ObjectIds, RequestError> {
        ObjectIds::one(a).and(b)
    }

    /// The object of a category.
    pub fn get(&self, category: Category) -> Option<ObjectId> {
        self.slots.get(category).copied()
    }

    /// The objects with their categories.
    pub fn iter(&self) -> impl Iterator<Item = ObjectId> + '_ {
        self.slots.iter().map(|(_, o)| *o)
    }

    /// The first two objects in category order, how many there are, and whether every
    /// one carries `tag`: the check path's one pass over the slots.
    #[inline]
    pub(crate) fn first_two(
        &self,
        tag: TablesTag,
    ) -> (Option<ObjectId>, Option<ObjectId>, usize, bool) {
        let (mut first, mut second, mut count, mut ours) = (None, None, 0usize, true);
        for object in self.slots.slots().iter().flatten() {
            ours &= object.tag == tag;
            match count {
                0 => first = Some(*object),
                1 => second = Some(*object),
                _ => {}
            }
            count += 1;
        }
        (first, second, count, ours)
    }

    /// The categories present, as a mask.
    pub fn mask(&self) -> u8 {
        self.slots.mask()
    }

    /// How many objects (1 to 4).
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Always false: there is at least one object.
    pub fn is_empty(&self) -> bool {
        false
    }
}

/// What a request by ids is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdTarget {
    /// One or more objects.
    Objects(ObjectIds),
    /// A global object.
    Global(GlobalId),
    /// Nothing at all (see [`Target::Unscoped`]).
    Unscoped,
}

impl From<ObjectId> for IdTarget {
    fn from(object: ObjectId) -> IdTarget {
        IdTarget::Objects(ObjectIds::one(object))
    }
}

impl From<ObjectIds> for IdTarget {
    fn from(objects: ObjectIds) -> IdTarget {
        IdTarget::Objects(objects)
    }
}

impl From<GlobalId> for IdTarget {
    fn from(global: GlobalId) -> IdTarget {
        IdTarget::Global(global)
    }
}
