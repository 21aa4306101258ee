//! The provenance part of the tables: where rules come from, for explanations. The
//! permissions (name, source, effect) rules were expanded from, the subject units (people,
//! teams, groups, roles) rules are granted to, and each principal's own unit.

use crate::error::LoadError;
use crate::schema::{PermissionData, UnitData};
use crate::unit::UnitKind;

/// Permissions, units and principals' own units.
#[derive(Debug)]
pub(crate) struct Provenance {
    permissions: Vec<PermissionData>,
    units: Vec<UnitData>,
    principal_unit: Vec<u32>,
}

impl Provenance {
    /// Checks that every principal's unit exists.
    pub(crate) fn build(
        permissions: Vec<PermissionData>,
        units: Vec<UnitData>,
        principal_unit: Vec<u32>,
    ) -> Result<Provenance, LoadError> {
        if principal_unit.iter().any(|u| *u as usize >= units.len()) {
            return Err(LoadError::corrupt("a principal names a unit out of range"));
        }
        Ok(Provenance {
            permissions,
            units,
            principal_unit,
        })
    }

    /// The number of permissions.
    pub(crate) fn permission_count(&self) -> usize {
        self.permissions.len()
    }

    /// The number of units.
    pub(crate) fn unit_count(&self) -> usize {
        self.units.len()
    }

    /// A permission's name and source.
    pub(crate) fn permission(&self, index: u32) -> Option<&PermissionData> {
        self.permissions.get(index as usize)
    }

    /// A unit's kind and name.
    pub(crate) fn unit(&self, index: u32) -> Option<(UnitKind, &str)> {
        self.units
            .get(index as usize)
            .map(|u| (u.kind, u.name.as_str()))
    }

    /// A principal's own unit.
    pub(crate) fn principal_unit(&self, principal: usize) -> Option<u32> {
        self.principal_unit.get(principal).copied()
    }

    /// The provenance as the file stores it.
    #[cfg(feature = "build")]
    pub(crate) fn to_data(&self) -> (Vec<PermissionData>, Vec<UnitData>, Vec<u32>) {
        (
            self.permissions.clone(),
            self.units.clone(),
            self.principal_unit.clone(),
        )
    }
}
