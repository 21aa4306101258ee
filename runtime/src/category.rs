//! The four object categories a Permission's `object` can name.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An object category. The discriminant is the index used in per-category arrays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Category {
    Playbook = 0,
    Config = 1,
    Component = 2,
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

    /// This category's slot of a per-category array (no indexing, so no panic path).
    pub fn of<T>(self, slots: &[T; 4]) -> &T {
        let [playbook, config, component, connection] = slots;
        match self {
            Category::Playbook => playbook,
            Category::Config => config,
            Category::Component => component,
            Category::Connection => connection,
        }
    }

    /// Mutable access to this category's slot.
    pub fn of_mut<T>(self, slots: &mut [T; 4]) -> &mut T {
        let [playbook, config, component, connection] = slots;
        match self {
            Category::Playbook => playbook,
            Category::Config => config,
            Category::Component => component,
            Category::Connection => connection,
        }
    }

    /// The bit of this category in a category mask.
    pub fn bit(self) -> u8 {
        1 << (self as u8)
    }

    /// Singular name used in requests and messages.
    pub fn name(self) -> &'static str {
        match self {
            Category::Playbook => "playbook",
            Category::Config => "config",
            Category::Component => "component",
            Category::Connection => "connection",
        }
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

/// One optional value per category: the shape of an object request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PerCategory<T> {
    pub playbook: Option<T>,
    pub config: Option<T>,
    pub component: Option<T>,
    pub connection: Option<T>,
}

impl<T> Default for PerCategory<T> {
    fn default() -> Self {
        PerCategory {
            playbook: None,
            config: None,
            component: None,
            connection: None,
        }
    }
}

impl<T> PerCategory<T> {
    /// The value for `category`.
    pub fn get(&self, category: Category) -> Option<&T> {
        match category {
            Category::Playbook => self.playbook.as_ref(),
            Category::Config => self.config.as_ref(),
            Category::Component => self.component.as_ref(),
            Category::Connection => self.connection.as_ref(),
        }
    }

    /// Sets the value for `category`.
    pub fn set(&mut self, category: Category, value: T) {
        let slot = match category {
            Category::Playbook => &mut self.playbook,
            Category::Config => &mut self.config,
            Category::Component => &mut self.component,
            Category::Connection => &mut self.connection,
        };
        *slot = Some(value);
    }

    /// The categories that have a value, as a bit mask.
    pub fn mask(&self) -> u8 {
        Category::ALL
            .iter()
            .filter(|c| self.get(**c).is_some())
            .fold(0, |m, c| m | c.bit())
    }

    /// Present values with their category.
    pub fn iter(&self) -> impl Iterator<Item = (Category, &T)> {
        Category::ALL
            .into_iter()
            .filter_map(move |c| self.get(c).map(|v| (c, v)))
    }
}

/// The two categories of a pair mask, lower index first.
pub fn pair_categories(shape: u8) -> Option<(Category, Category)> {
    let mut present = Category::ALL.into_iter().filter(|c| shape & c.bit() != 0);
    let pair = (present.next()?, present.next()?);
    present.next().is_none().then_some(pair)
}

/// Interned objects of a request.
pub type ObjectIds = PerCategory<crate::ObjectId>;
