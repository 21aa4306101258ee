//! The four object categories a Permission's `object` can name, and the small fixed-size
//! containers indexed by them.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An object category. The discriminant is the index used in per-category arrays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Category {
    /// Playbooks, named `namespace/name`.
    Playbook = 0,
    /// Config items of the catalog, named by id.
    Config = 1,
    /// Topology components, named by id.
    Component = 2,
    /// Connections, named `namespace/name`.
    Connection = 3,
}

impl Category {
    /// Every category in index order.
    pub const ALL: [Category; 4] = [
        Category::Playbook,
        Category::Config,
        Category::Component,
        Category::Connection,
    ];

    /// Index into per-category arrays.
    pub fn index(self) -> usize {
        self as usize
    }

    /// This category's slot of a per-category array: an address computation, no branch
    /// (a `match` here compiles to a jump table, an indirect branch the check path
    /// mispredicted several times per request) and no panic path.
    #[inline]
    pub fn of<T>(self, slots: &[T; 4]) -> &T {
        let [first, ..] = slots;
        slots.get(self.index() & 3).unwrap_or(first)
    }

    /// Mutable access to this category's slot.
    #[inline]
    pub fn of_mut<T>(self, slots: &mut [T; 4]) -> &mut T {
        let at = self.index() & 3;
        let [first, rest @ ..] = slots;
        match at.checked_sub(1) {
            None => first,
            Some(i) => match rest.get_mut(i) {
                Some(slot) => slot,
                None => first,
            },
        }
    }

    /// The bit of this category in a category mask.
    pub fn bit(self) -> u8 {
        1 << (self as u8)
    }

    /// Singular name used in requests and messages (`config`).
    pub fn name(self) -> &'static str {
        match self {
            Category::Playbook => "playbook",
            Category::Config => "config",
            Category::Component => "component",
            Category::Connection => "connection",
        }
    }

    /// Whether objects of this category are also named by a key, `namespace/name`
    /// (playbooks and connections; configs and components are named by id alone).
    pub fn is_keyed(self) -> bool {
        matches!(self, Category::Playbook | Category::Connection)
    }

    /// Plural name used in documents and on the command line (`configs`).
    pub fn plural(self) -> &'static str {
        match self {
            Category::Playbook => "playbooks",
            Category::Config => "configs",
            Category::Component => "components",
            Category::Connection => "connections",
        }
    }

    /// A category by its singular or plural name.
    pub fn from_name(name: &str) -> Option<Category> {
        Category::ALL
            .into_iter()
            .find(|c| c.name() == name || c.plural() == name)
    }

    /// The global object that stands for every object of this category.
    pub fn global_object(self) -> &'static str {
        match self {
            Category::Playbook => "playbooks",
            Category::Config => "catalog",
            Category::Component => "topology",
            Category::Connection => "connection",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An unordered pair of distinct categories: the shape of a two-object request. The
/// first category is the one with the lower index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PairShape {
    first: Category,
    second: Category,
}

impl PairShape {
    /// Every pair, in index order.
    pub const ALL: [PairShape; 6] = [
        PairShape::new_unchecked(Category::Playbook, Category::Config),
        PairShape::new_unchecked(Category::Playbook, Category::Component),
        PairShape::new_unchecked(Category::Playbook, Category::Connection),
        PairShape::new_unchecked(Category::Config, Category::Component),
        PairShape::new_unchecked(Category::Config, Category::Connection),
        PairShape::new_unchecked(Category::Component, Category::Connection),
    ];

    const fn new_unchecked(first: Category, second: Category) -> PairShape {
        PairShape { first, second }
    }

    /// The pair of two distinct categories, in either order.
    pub fn new(a: Category, b: Category) -> Option<PairShape> {
        match a.cmp(&b) {
            std::cmp::Ordering::Less => Some(PairShape {
                first: a,
                second: b,
            }),
            std::cmp::Ordering::Greater => Some(PairShape {
                first: b,
                second: a,
            }),
            std::cmp::Ordering::Equal => None,
        }
    }

    /// The category with the lower index.
    pub fn first(self) -> Category {
        self.first
    }

    /// The category with the higher index.
    pub fn second(self) -> Category {
        self.second
    }

    /// The position of this pair in [`PairShape::ALL`].
    pub fn index(self) -> usize {
        match (self.first, self.second) {
            (Category::Playbook, Category::Config) => 0,
            (Category::Playbook, Category::Component) => 1,
            (Category::Playbook, _) => 2,
            (Category::Config, Category::Component) => 3,
            (Category::Config, _) => 4,
            _ => 5,
        }
    }

    /// Both categories as a mask.
    pub fn mask(self) -> u8 {
        self.first.bit() | self.second.bit()
    }
}

impl fmt::Display for PairShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}+{}", self.first, self.second)
    }
}

/// One optional value per category: the shape of an object request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PerCategory<T> {
    slots: [Option<T>; 4],
}

impl<T> Default for PerCategory<T> {
    fn default() -> Self {
        PerCategory {
            slots: [None, None, None, None],
        }
    }
}

impl<T> PerCategory<T> {
    /// The value for `category`.
    pub fn get(&self, category: Category) -> Option<&T> {
        category.of(&self.slots).as_ref()
    }

    /// Sets the value for `category`, returning the one it replaces.
    pub fn set(&mut self, category: Category, value: T) -> Option<T> {
        category.of_mut(&mut self.slots).replace(value)
    }

    /// Every slot, in category order (for loops the compiler can unroll).
    pub(crate) fn slots(&self) -> &[Option<T>; 4] {
        &self.slots
    }

    /// The categories that have a value, as a bit mask.
    pub fn mask(&self) -> u8 {
        Category::ALL
            .iter()
            .filter(|c| self.get(**c).is_some())
            .fold(0, |m, c| m | c.bit())
    }

    /// How many categories have a value.
    pub fn len(&self) -> usize {
        self.slots.iter().filter(|s| s.is_some()).count()
    }

    /// True when no category has a value.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Present values with their category, in category order.
    pub fn iter(&self) -> impl Iterator<Item = (Category, &T)> {
        Category::ALL
            .into_iter()
            .filter_map(move |c| self.get(c).map(|v| (c, v)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pair_shapes_are_numbered_in_order() {
        for (i, shape) in PairShape::ALL.iter().enumerate() {
            assert_eq!(shape.index(), i);
            assert_eq!(PairShape::new(shape.second(), shape.first()), Some(*shape));
        }
        assert_eq!(PairShape::new(Category::Config, Category::Config), None);
    }
}
