//! Dense `u32` ids: what the tables speak in after names are resolved.

use serde::{Deserialize, Serialize};

macro_rules! dense_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub struct $name(pub u32);

        impl $name {
            /// The id as an index into the table it numbers.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

dense_id!(
    /// A person, or a playbook or notification acting as a service.
    PrincipalId
);
dense_id!(
    /// An action: the builtin vocabulary first, then `invoke:` actions.
    ActionId
);
dense_id!(
    /// An object within its category (configs and playbooks are numbered separately).
    ObjectId
);
dense_id!(
    /// A global (RBAC) object such as `catalog` or `mcp`.
    GlobalId
);
