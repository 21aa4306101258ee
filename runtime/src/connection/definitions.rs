//! The connections part of the tables: Connection documents' definitions (every field a
//! source reference, never a secret) and their index by `namespace/name` and by uid.

use crate::name_index::NameIndex;
use crate::schema::{ConnectionData, NameList};

/// Connection definitions and their index.
#[derive(Debug, Default)]
pub(crate) struct Connections {
    definitions: Vec<ConnectionData>,
    names: NameList,
    index: NameIndex,
}

impl Connections {
    /// Indexes the definitions by `namespace/name` and uid.
    pub(crate) fn build(definitions: Vec<ConnectionData>) -> Connections {
        let mut names = NameList::default();
        let mut values = Vec::new();
        for (i, c) in definitions.iter().enumerate() {
            names.push(&format!("{}/{}", c.namespace, c.name));
            values.push(i as u32);
            if let Some(uid) = &c.uid {
                names.push(uid);
                values.push(i as u32);
            }
        }
        let index = NameIndex::build(
            [&names, &names],
            values
                .iter()
                .enumerate()
                .map(|(n, i)| (0, n, *i))
                .collect::<Vec<_>>()
                .into_iter(),
            |a, _| a,
        );
        Connections {
            definitions,
            names,
            index,
        }
    }

    /// The number of definitions.
    pub(crate) fn count(&self) -> usize {
        self.definitions.len()
    }

    /// A definition by `namespace/name` or uid.
    pub(crate) fn get(&self, key: &str) -> Option<&ConnectionData> {
        let i = self.index.get([&self.names, &self.names], key)?;
        self.definitions.get(i as usize)
    }

    /// Every definition.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &ConnectionData> {
        self.definitions.iter()
    }

    /// The definitions as the file stores them.
    #[cfg(feature = "build")]
    pub(crate) fn to_data(&self) -> Vec<ConnectionData> {
        self.definitions.clone()
    }
}
