//! A shared handle that swaps in new tables atomically and keeps the old ones when a new
//! file fails to load or verify. Readers take a cheap snapshot; checks against one
//! snapshot see one consistent policy.

use std::path::Path;
use std::sync::Arc;

use arc_swap::ArcSwap;

use crate::error::LoadError;
use crate::tables::{PublicKey, Tables};

/// Holds the tables in force.
#[derive(Debug)]
pub struct TablesHandle {
    current: ArcSwap<Tables>,
}

impl TablesHandle {
    /// Starts with `tables`.
    pub fn new(tables: Tables) -> TablesHandle {
        TablesHandle {
            current: ArcSwap::from_pointee(tables),
        }
    }

    /// The tables in force now. Ids resolved against one snapshot only work with it.
    pub fn current(&self) -> Arc<Tables> {
        self.current.load_full()
    }

    /// Loads `path` (with `key`, only if signed by it) and swaps it in; on error the
    /// previous tables stay in force.
    pub fn reload(
        &self,
        path: impl AsRef<Path>,
        key: Option<&PublicKey>,
    ) -> Result<Arc<Tables>, LoadError> {
        let tables = match key {
            Some(key) => Tables::load_verified(path, key)?,
            None => Tables::load(path)?,
        };
        Ok(self.replace(tables))
    }

    /// Swaps in tables built elsewhere; returns them.
    pub fn replace(&self, tables: Tables) -> Arc<Tables> {
        let fresh = Arc::new(tables);
        self.current.store(Arc::clone(&fresh));
        fresh
    }
}
