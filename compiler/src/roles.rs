//! The built-in roles, exactly the table of the reference's section 6, and the global
//! objects of the original system.

/// Every global (RBAC) object name.
pub const GLOBAL_OBJECTS: [&str; 26] = [
    "kubernetes-proxy",
    "logs",
    "agent",
    "agent-push",
    "artifact",
    "auth",
    "canaries",
    "catalog",
    "application",
    "connection",
    "connection-detail",
    "database",
    "database.identities",
    "database.kratos",
    "database.public",
    "database.config_scrapers",
    "database.system",
    "incident",
    "database.monitor",
    "playbooks",
    "rbac",
    "topology",
    "people",
    "notification",
    "views",
    "mcp",
];

/// One line of a role's policy: objects (or `*`), actions, and whether it denies.
pub struct RolePolicy {
    /// Global object names, or `*` for every object.
    pub objects: &'static [&'static str],
    /// An action pattern (`create,read,update,delete`, `*`).
    pub actions: &'static str,
    /// Whether the line denies.
    pub deny: bool,
}

/// A built-in role: its policies and the roles it inherits.
pub struct Role {
    /// The role's name as the catalog's `roles` spell it.
    pub name: &'static str,
    /// Its policy lines.
    pub policies: &'static [RolePolicy],
    /// The roles whose policies it also has.
    pub inherits: &'static [&'static str],
}

const CRUD: &str = "create,read,update,delete";

/// The built-in roles.
pub const ROLES: &[Role] = &[
    Role {
        name: "everyone",
        policies: &[RolePolicy {
            objects: &["database.kratos"],
            actions: "*",
            deny: true,
        }],
        inherits: &[],
    },
    Role {
        name: "admin",
        policies: &[RolePolicy {
            objects: &["*"],
            actions: "*",
            deny: false,
        }],
        inherits: &["everyone"],
    },
    Role {
        name: "viewer",
        policies: &[RolePolicy {
            objects: &[
                "database.public",
                "canaries",
                "catalog",
                "playbooks",
                "topology",
                "people",
                "application",
                "views",
            ],
            actions: "read",
            deny: false,
        }],
        inherits: &[],
    },
    Role {
        name: "guest",
        policies: &[],
        inherits: &["everyone"],
    },
    Role {
        name: "commander",
        policies: &[RolePolicy {
            objects: &["incident"],
            actions: CRUD,
            deny: false,
        }],
        inherits: &["viewer"],
    },
    Role {
        name: "responder",
        policies: &[RolePolicy {
            objects: &["incident"],
            actions: CRUD,
            deny: false,
        }],
        inherits: &["viewer"],
    },
    Role {
        name: "editor",
        policies: &[
            RolePolicy {
                objects: &[
                    "canaries",
                    "catalog",
                    "topology",
                    "playbooks",
                    "kubernetes-proxy",
                    "notification",
                    "application",
                    "connection",
                ],
                actions: CRUD,
                deny: false,
            },
            RolePolicy {
                objects: &["connection-detail"],
                actions: "read",
                deny: false,
            },
        ],
        inherits: &["viewer"],
    },
    Role {
        name: "agent",
        policies: &[
            RolePolicy {
                objects: &["playbooks", "database.public"],
                actions: "read",
                deny: false,
            },
            RolePolicy {
                objects: &["agent-push"],
                actions: "create,read,update",
                deny: false,
            },
            RolePolicy {
                objects: &["topology"],
                actions: "create,update",
                deny: false,
            },
        ],
        inherits: &[],
    },
];

/// Whether `name` is a built-in role.
pub fn is_role(name: &str) -> bool {
    ROLES.iter().any(|r| r.name == name)
}

/// The built-in role `name` spells in any case (`Admin` is `admin`).
pub fn role_up_to_case(name: &str) -> Option<&'static str> {
    let folded = name.to_lowercase();
    ROLES.iter().map(|r| r.name).find(|r| *r == folded)
}

/// Whether built-in role `role` has the policies of built-in role `other` through its
/// inheritance (directly or through other roles); a role does not imply itself.
pub fn implies(role: &str, other: &str) -> bool {
    let mut seen: Vec<&str> = Vec::new();
    let mut next: Vec<&str> = vec![role];
    while let Some(name) = next.pop() {
        let Some(found) = ROLES.iter().find(|r| r.name == name) else {
            continue;
        };
        for inherited in found.inherits {
            if *inherited == other {
                return true;
            }
            if !seen.contains(inherited) {
                seen.push(inherited);
                next.push(inherited);
            }
        }
    }
    false
}
