//! The name rules of the objects a credential source reads: a namespace is a DNS-1123
//! label, a Secret, ConfigMap or service account name a DNS-1123 subdomain, a Helm release
//! name a DNS-1123 subdomain of at most 53 characters (Helm's own rule), a Secret or
//! ConfigMap key `[-._a-zA-Z0-9]+` other than `.` and `..`.
//!
//! Kubernetes refuses any other name, so a name outside these rules can only be a mistake
//! or an attack: sources that map names to files (Helm values directories) would otherwise
//! read `../` and absolute paths. The compiler checks every name a Connection writes; the
//! sources check again at read time, for tables compiled elsewhere.

use std::fmt;

/// Which rule a name must follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameRule {
    /// A namespace: a DNS-1123 label (`[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most 63).
    Namespace,
    /// A Secret, ConfigMap or service account: a DNS-1123 subdomain (labels joined by
    /// `.`, at most 253).
    ObjectName,
    /// A Helm release: a DNS-1123 subdomain of at most 53 characters.
    HelmRelease,
    /// A key of a Secret or ConfigMap: `[-._a-zA-Z0-9]+` (at most 253), not `.` or `..`.
    DataKey,
}

impl NameRule {
    /// The longest name the rule allows.
    pub fn max_len(self) -> usize {
        match self {
            NameRule::Namespace => 63,
            NameRule::ObjectName | NameRule::DataKey => 253,
            NameRule::HelmRelease => 53,
        }
    }

    /// Whether `name` follows the rule.
    pub fn allows(self, name: &str) -> bool {
        if name.is_empty() || name.len() > self.max_len() {
            return false;
        }
        match self {
            NameRule::Namespace => dns_label(name),
            NameRule::ObjectName | NameRule::HelmRelease => name.split('.').all(dns_label),
            NameRule::DataKey => {
                name != "."
                    && name != ".."
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            }
        }
    }

    /// `Ok` when `name` follows the rule, else why not (for a message: `... is not a valid
    /// namespace: ...`).
    pub fn check(self, name: &str) -> Result<(), NameError> {
        if self.allows(name) {
            Ok(())
        } else {
            Err(NameError { rule: self })
        }
    }
}

impl fmt::Display for NameRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NameRule::Namespace => "namespace",
            NameRule::ObjectName => "Kubernetes object name",
            NameRule::HelmRelease => "Helm release name",
            NameRule::DataKey => "Secret or ConfigMap key",
        })
    }
}

/// A name that breaks its rule; says what the rule is, never repeats the name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NameError {
    rule: NameRule,
}

impl NameError {
    /// The rule broken.
    pub fn rule(&self) -> NameRule {
        self.rule
    }

    /// What a valid name looks like, for a help line.
    pub fn help(&self) -> String {
        match self.rule {
            NameRule::Namespace => "a namespace is lowercase letters, digits and `-`, starting and ending with a letter or digit, at most 63 characters (a DNS-1123 label)".to_string(),
            NameRule::ObjectName => "a Kubernetes object name is lowercase letters, digits, `-` and `.`, each `.`-separated part starting and ending with a letter or digit, at most 253 characters (a DNS-1123 subdomain)".to_string(),
            NameRule::HelmRelease => "a Helm release name is lowercase letters, digits, `-` and `.`, each `.`-separated part starting and ending with a letter or digit, at most 53 characters".to_string(),
            NameRule::DataKey => "a Secret or ConfigMap key is letters, digits, `-`, `_` and `.`, at most 253 characters, and not `.` or `..`".to_string(),
        }
    }
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a valid {}", self.rule)
    }
}

impl std::error::Error for NameError {}

/// A DNS-1123 label: `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most 63 bytes.
fn dns_label(label: &str) -> bool {
    let bytes = label.as_bytes();
    let edge = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    bytes.len() <= 63
        && edge(bytes.first())
        && edge(bytes.last())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_kubernetes_and_helm_rules() {
        for ok in ["default", "kube-system", "a", "ns-1", &"a".repeat(63)] {
            assert!(NameRule::Namespace.allows(ok), "{ok}");
        }
        for bad in [
            "",
            "..",
            "../x",
            "/etc",
            "a/b",
            "A",
            "-a",
            "a-",
            "a.b",
            "a_b",
            " a",
            "a\0",
            &"a".repeat(64),
        ] {
            assert!(!NameRule::Namespace.allows(bad), "{bad:?}");
        }
        for ok in ["mission-control", "a.b-c.d", "x1", &"a".repeat(53)] {
            assert!(NameRule::HelmRelease.allows(ok), "{ok}");
        }
        for bad in [
            "",
            ".",
            "..",
            "../x",
            "../../outside/stolen",
            "/etc/passwd",
            "a..b",
            ".a",
            "a.",
            "Release",
            "a/b",
            "a\\b",
            &"a".repeat(54),
        ] {
            assert!(!NameRule::HelmRelease.allows(bad), "{bad:?}");
        }
        for ok in ["postgres-credentials", "a.b", "sa-1"] {
            assert!(NameRule::ObjectName.allows(ok), "{ok}");
        }
        for bad in ["Postgres", "a..b", "../x", "a/b", "a_b"] {
            assert!(!NameRule::ObjectName.allows(bad), "{bad:?}");
        }
        for ok in ["POSTGRES_PASSWORD", "ca.crt", ".dockerconfigjson", "a-b_c"] {
            assert!(NameRule::DataKey.allows(ok), "{ok}");
        }
        for bad in ["", ".", "..", "a/b", "a b", "../x"] {
            assert!(!NameRule::DataKey.allows(bad), "{bad:?}");
        }
    }

    #[test]
    fn errors_say_the_rule_and_never_the_name() {
        let error = NameRule::HelmRelease.check("../secret-path").unwrap_err();
        assert_eq!(error.to_string(), "not a valid Helm release name");
        assert!(!error.help().contains("secret-path"));
    }
}
