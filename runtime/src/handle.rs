//! A shared handle that swaps in new tables atomically, keeping the old ones when a new
//! file fails to load.

use std::path::Path;
use std::sync::{Arc, RwLock};

use crate::error::LoadError;
use crate::tables::Tables;

/// Holds the current tables; readers take a cheap `Arc` snapshot.
#[derive(Debug)]
pub struct TablesHandle {
    current: RwLock<Arc<Tables>>,
}

impl TablesHandle {
    /// Starts with `tables`.
    pub fn new(tables: Tables) -> TablesHandle {
        TablesHandle {
            current: RwLock::new(Arc::new(tables)),
        }
    }

    /// The tables in force now. Checks against one snapshot see one consistent policy.
    pub fn current(&self) -> Arc<Tables> {
        match self.current.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Loads `path` and swaps it in; on error the previous tables stay in force.
    pub fn reload(&self, path: impl AsRef<Path>) -> Result<(), LoadError> {
        let tables = Tables::load(path)?;
        self.replace(tables);
        Ok(())
    }

    /// Swaps in tables built elsewhere.
    pub fn replace(&self, tables: Tables) {
        let fresh = Arc::new(tables);
        match self.current.write() {
            Ok(mut guard) => *guard = fresh,
            Err(poisoned) => *poisoned.into_inner() = fresh,
        }
    }
}
