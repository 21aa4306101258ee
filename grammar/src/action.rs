//! Actions and action patterns: `read`, `playbook:*`, `*`, `!delete`,
//! `invoke:<plugin>:*`, and comma lists of those inside one item. Case-insensitive.
//!
//! An exclusion always wins, also over `*`; a list made only of exclusions means "every
//! action but these". `write` grants `write`, `create` and `update` (and `!write`
//! excludes all three), as DESIGN section 3 item 4 says.

use std::fmt;

use nom::bytes::complete::take_while1;
use nom::Parser as _;

use crate::error::{GrammarError, Language};
use crate::lex::offset_of;

/// The fixed action vocabulary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BuiltinAction {
    /// `read`
    Read,
    /// `write` (also grants `create` and `update`)
    Write,
    /// `create`
    Create,
    /// `update`
    Update,
    /// `delete`
    Delete,
    /// `playbook:run`
    PlaybookRun,
    /// `playbook:approve`
    PlaybookApprove,
    /// `playbook:cancel`
    PlaybookCancel,
    /// `mcp:run`
    McpRun,
    /// `mcp:use`
    McpUse,
}

impl BuiltinAction {
    /// Every builtin action, in id order.
    pub const ALL: [BuiltinAction; 10] = [
        BuiltinAction::Read,
        BuiltinAction::Write,
        BuiltinAction::Create,
        BuiltinAction::Update,
        BuiltinAction::Delete,
        BuiltinAction::PlaybookRun,
        BuiltinAction::PlaybookApprove,
        BuiltinAction::PlaybookCancel,
        BuiltinAction::McpRun,
        BuiltinAction::McpUse,
    ];

    /// The canonical spelling.
    pub fn name(self) -> &'static str {
        match self {
            BuiltinAction::Read => "read",
            BuiltinAction::Write => "write",
            BuiltinAction::Create => "create",
            BuiltinAction::Update => "update",
            BuiltinAction::Delete => "delete",
            BuiltinAction::PlaybookRun => "playbook:run",
            BuiltinAction::PlaybookApprove => "playbook:approve",
            BuiltinAction::PlaybookCancel => "playbook:cancel",
            BuiltinAction::McpRun => "mcp:run",
            BuiltinAction::McpUse => "mcp:use",
        }
    }

    fn from_name(name: &str) -> Option<BuiltinAction> {
        BuiltinAction::ALL.into_iter().find(|a| a.name() == name)
    }
}

/// One concrete action a request asks for.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// One of the fixed vocabulary.
    Builtin(BuiltinAction),
    /// `invoke:<plugin>:<operation>`, lowercased.
    Invoke {
        /// The plugin of `invoke:<plugin>:<op>`.
        plugin: String,
        /// The operation of `invoke:<plugin>:<op>`.
        operation: String,
    },
}

impl Action {
    /// Parses one concrete action such as `read` or `invoke:kubernetes-logs:tail`.
    pub fn parse(input: &str) -> Result<Action, GrammarError> {
        match parse_item(input, input)? {
            (ActionItem::Exact(action), "") => Ok(action),
            (ActionItem::Exact(_), rest) => Err(error(input, rest, "end of input")),
            _ => Err(GrammarError::new(
                Language::Action,
                input,
                0,
                "one concrete action, not a pattern",
            )),
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Builtin(b) => f.write_str(b.name()),
            Action::Invoke { plugin, operation } => write!(f, "invoke:{plugin}:{operation}"),
        }
    }
}

/// What one pattern item names, before negation.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ActionItem {
    /// `*`: every action, dynamic ones included.
    All,
    /// One action (`write` also covers `create` and `update`).
    Exact(Action),
    /// `playbook:*`
    AnyPlaybook,
    /// `mcp:*`
    AnyMcp,
    /// `invoke:*`
    AnyInvoke,
    /// `invoke:<plugin>:*`
    InvokePlugin(String),
}

impl ActionItem {
    /// Whether this item covers `action`.
    pub fn covers(&self, action: &Action) -> bool {
        use BuiltinAction as B;
        match (self, action) {
            (ActionItem::All, _) => true,
            (
                ActionItem::Exact(Action::Builtin(B::Write)),
                Action::Builtin(B::Write | B::Create | B::Update),
            ) => true,
            (ActionItem::Exact(a), b) => a == b,
            (ActionItem::AnyPlaybook, Action::Builtin(b)) => {
                matches!(b, B::PlaybookRun | B::PlaybookApprove | B::PlaybookCancel)
            }
            (ActionItem::AnyMcp, Action::Builtin(b)) => matches!(b, B::McpRun | B::McpUse),
            (ActionItem::AnyInvoke, Action::Invoke { .. }) => true,
            (ActionItem::InvokePlugin(p), Action::Invoke { plugin, .. }) => p == plugin,
            _ => false,
        }
    }
}

impl fmt::Display for ActionItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ActionItem::All => f.write_str("*"),
            ActionItem::Exact(a) => a.fmt(f),
            ActionItem::AnyPlaybook => f.write_str("playbook:*"),
            ActionItem::AnyMcp => f.write_str("mcp:*"),
            ActionItem::AnyInvoke => f.write_str("invoke:*"),
            ActionItem::InvokePlugin(p) => write!(f, "invoke:{p}:*"),
        }
    }
}

/// A list of action items, each possibly negated: the `actions` of a Permission.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ActionPattern {
    items: Vec<(bool, ActionItem)>,
}

const EXPECTED_ACTION: &str =
    "an action (`read`, `write`, `create`, `update`, `delete`, `playbook:run`, \
`playbook:approve`, `playbook:cancel`, `playbook:*`, `mcp:run`, `mcp:use`, `mcp:*`, \
`invoke:<plugin>:<operation>`, `invoke:<plugin>:*` or `*`)";

fn error(input: &str, rest: &str, expected: &str) -> GrammarError {
    GrammarError::new(Language::Action, input, offset_of(input, rest), expected)
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '*')
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

/// Parses one item (no `!`, no comma) at `rest`, returning it and what follows.
fn parse_item<'a>(input: &str, rest: &'a str) -> Result<(ActionItem, &'a str), GrammarError> {
    let (after, word) = take_while1::<_, _, nom::error::Error<&str>>(is_word_char)
        .parse(rest)
        .map_err(|_| error(input, rest, EXPECTED_ACTION))?;
    let lower = word.to_ascii_lowercase();
    let item = match lower.as_str() {
        "*" => ActionItem::All,
        "playbook:*" => ActionItem::AnyPlaybook,
        "mcp:*" => ActionItem::AnyMcp,
        "invoke:*" => ActionItem::AnyInvoke,
        other => match BuiltinAction::from_name(other) {
            Some(b) => ActionItem::Exact(Action::Builtin(b)),
            None => parse_invoke(input, rest, other)?,
        },
    };
    Ok((item, after))
}

fn parse_invoke(input: &str, rest: &str, word: &str) -> Result<ActionItem, GrammarError> {
    let Some(tail) = word.strip_prefix("invoke:") else {
        return Err(error(input, rest, EXPECTED_ACTION));
    };
    let plugin_at = offset_of(input, rest) + "invoke:".len();
    let (plugin, operation) = match tail.split_once(':') {
        Some(parts) => parts,
        None => {
            let at = plugin_at + tail.len();
            return Err(GrammarError::new(
                Language::Action,
                input,
                at,
                "`:<operation>` after the plugin name",
            ));
        }
    };
    if plugin.is_empty() || !plugin.chars().all(is_name_char) {
        return Err(GrammarError::new(
            Language::Action,
            input,
            plugin_at,
            "a plugin name ([a-z0-9._-]+)",
        ));
    }
    let operation_at = plugin_at + plugin.len() + 1;
    if operation == "*" {
        return Ok(ActionItem::InvokePlugin(plugin.to_string()));
    }
    if operation.is_empty() || !operation.chars().all(is_name_char) {
        return Err(GrammarError::new(
            Language::Action,
            input,
            operation_at,
            "an operation name ([a-z0-9._-]+) or `*`",
        ));
    }
    Ok(ActionItem::Exact(Action::Invoke {
        plugin: plugin.to_string(),
        operation: operation.to_string(),
    }))
}

impl ActionPattern {
    /// Parses one `actions` entry, which may itself be a comma list (`read,!delete`).
    pub fn parse(input: &str) -> Result<ActionPattern, GrammarError> {
        let mut items = Vec::new();
        let mut rest = input.trim_start();
        loop {
            let negated = rest.starts_with('!');
            let body = if negated {
                rest.get(1..).unwrap_or("")
            } else {
                rest
            };
            let (item, after) = parse_item(input, body)?;
            items.push((negated, item));
            let after = after.trim_start();
            match after.strip_prefix(',') {
                Some(next) => rest = next.trim_start(),
                None if after.is_empty() => break,
                None => return Err(error(input, after, "`,` or end of input")),
            }
        }
        Ok(ActionPattern { items })
    }

    /// Joins several entries (the list of a Permission's `actions`) into one pattern.
    pub fn join(patterns: impl IntoIterator<Item = ActionPattern>) -> ActionPattern {
        ActionPattern {
            items: patterns.into_iter().flat_map(|p| p.items).collect(),
        }
    }

    /// The pattern as Mission Control applies it in a **deny**, and the exclusions that
    /// drops: Mission Control adds a rule for a `*` or `invoke:<plugin>:*` item as
    /// written, which matches every action (of the plugin) whatever the list excludes,
    /// so an exclusion such an item covers excludes nothing from a deny.
    pub fn as_denied(&self) -> (ActionPattern, Vec<ActionItem>) {
        let literal = |item: &ActionItem, excluded: &ActionItem| match (item, excluded) {
            (ActionItem::All, _) => true,
            (ActionItem::InvokePlugin(p), ActionItem::InvokePlugin(q)) => p == q,
            (ActionItem::InvokePlugin(p), ActionItem::Exact(Action::Invoke { plugin, .. })) => {
                p == plugin
            }
            _ => false,
        };
        let mut dropped = Vec::new();
        let mut items = Vec::new();
        for (negated, item) in &self.items {
            if *negated
                && self
                    .items
                    .iter()
                    .any(|(n, positive)| !n && literal(positive, item))
            {
                dropped.push(item.clone());
            } else {
                items.push((*negated, item.clone()));
            }
        }
        (ActionPattern { items }, dropped)
    }

    /// The items, each with its negation flag, in source order.
    pub fn items(&self) -> &[(bool, ActionItem)] {
        &self.items
    }

    /// Whether the pattern grants `action`: exclusions win; a list of only exclusions
    /// grants everything else.
    pub fn matches(&self, action: &Action) -> bool {
        let mut has_positive = false;
        let mut granted = false;
        for (negated, item) in &self.items {
            let covers = item.covers(action);
            if *negated {
                if covers {
                    return false;
                }
            } else {
                has_positive = true;
                granted |= covers;
            }
        }
        granted || !has_positive
    }
}

impl fmt::Display for ActionPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (negated, item)) in self.items.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            if *negated {
                f.write_str("!")?;
            }
            item.fmt(f)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grants(pattern: &str, action: &str) -> bool {
        match (ActionPattern::parse(pattern), Action::parse(action)) {
            (Ok(p), Ok(a)) => p.matches(&a),
            (p, a) => unreachable!("{p:?} {a:?}"),
        }
    }

    #[test]
    fn grant_table() {
        let cases = [
            ("read", "read", true),
            ("READ", "read", true),
            ("read", "delete", false),
            ("playbook:*", "playbook:run", true),
            ("playbook:*", "playbook:cancel", true),
            ("playbook:*", "read", false),
            ("*", "invoke:kubernetes-logs:tail", true),
            ("*,!delete", "delete", false),
            ("*,!delete", "update", true),
            ("!delete", "read", true),
            ("!delete", "delete", false),
            ("!delete", "invoke:x:y", true),
            ("playbook:*,!playbook:cancel", "playbook:cancel", false),
            ("playbook:*,!playbook:cancel", "playbook:approve", true),
            ("Playbook:Run", "playbook:run", true),
            ("read,playbook:run", "playbook:run", true),
            ("write", "create", true),
            ("write", "update", true),
            ("write", "delete", false),
            ("*,!write", "create", false),
            (
                "invoke:kubernetes-logs:*",
                "invoke:kubernetes-logs:tail",
                true,
            ),
            (
                "invoke:kubernetes-logs:*",
                "invoke:kubernetes-logs-extra:tail",
                false,
            ),
            ("mcp:*", "mcp:use", true),
        ];
        for (pattern, action, expected) in cases {
            assert_eq!(grants(pattern, action), expected, "{pattern} / {action}");
        }
    }

    #[test]
    fn rejections() {
        let cases = [
            ("", 0),
            ("reed", 0),
            ("read,", 5),
            ("read,,write", 5),
            ("invoke:", 7),
            ("invoke:x", 8),
            ("invoke::op", 7),
            ("read delete", 5),
            ("!", 1),
        ];
        for (pattern, offset) in cases {
            match ActionPattern::parse(pattern) {
                Ok(p) => unreachable!("{pattern} parsed as {p}"),
                Err(e) => assert_eq!(e.offset(), offset, "{pattern}: {e}"),
            }
        }
    }
}
