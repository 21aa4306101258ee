//! Connection templates: literal text with variables in either delimiter Mission Control
//! accepts, `$(var)` and `{{.var}}` (spaces inside the delimiters and the leading `.` are
//! optional). Variables: `name`, `namespace`, `type`, `username`, `password`, `domain` and
//! `properties.<key>`. Any other name is an error with its offset.
//!
//! Rendering goes through a caller-supplied lookup so that this crate never sees where
//! values come from.

use std::fmt;

use crate::error::{GrammarError, Language};

/// A variable of a template.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TemplateVariable {
    /// The connection's username (URL query-escaped when rendered).
    Username,
    /// The connection's password (URL query-escaped when rendered).
    Password,
    /// The connection's name.
    Name,
    /// The connection's namespace.
    Namespace,
    /// The connection's type.
    Type,
    /// The text after `@` of a username that holds exactly one `@`.
    Domain,
    /// One of the connection's properties.
    Property(String),
}

impl fmt::Display for TemplateVariable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TemplateVariable::Username => f.write_str("username"),
            TemplateVariable::Password => f.write_str("password"),
            TemplateVariable::Name => f.write_str("name"),
            TemplateVariable::Namespace => f.write_str("namespace"),
            TemplateVariable::Type => f.write_str("type"),
            TemplateVariable::Domain => f.write_str("domain"),
            TemplateVariable::Property(key) => write!(f, "properties.{key}"),
        }
    }
}

/// One piece of a template.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TemplatePart {
    /// Text copied as it is.
    Literal(String),
    /// A variable, with the byte offset of its name in the template.
    Variable(TemplateVariable, usize),
}

/// A parsed template; adjacent literal text is always merged into one part.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UrlTemplate {
    parts: Vec<TemplatePart>,
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

const EXPECTED_VARIABLE: &str =
    "a variable: `name`, `namespace`, `type`, `username`, `password`, `domain` or `properties.<key>`";

fn variable(
    input: &str,
    body: &str,
    body_at: usize,
) -> Result<(TemplateVariable, usize), GrammarError> {
    let lead = body.len() - body.trim_start().len();
    let trimmed = body.trim();
    let (name, at) = match trimmed.strip_prefix('.') {
        Some(rest) => (rest, body_at + lead + 1),
        None => (trimmed, body_at + lead),
    };
    let v = match name {
        "username" => TemplateVariable::Username,
        "password" => TemplateVariable::Password,
        "name" => TemplateVariable::Name,
        "namespace" => TemplateVariable::Namespace,
        "type" => TemplateVariable::Type,
        "domain" => TemplateVariable::Domain,
        other => match other.strip_prefix("properties.") {
            Some(key) if !key.is_empty() && key.chars().all(is_key_char) => {
                TemplateVariable::Property(key.to_string())
            }
            _ => {
                return Err(GrammarError::new(
                    Language::UrlTemplate,
                    input,
                    at,
                    EXPECTED_VARIABLE,
                ))
            }
        },
    };
    Ok((v, at))
}

impl UrlTemplate {
    /// Parses literal text with `$(variable)` and `{{.variable}}` placeholders.
    pub fn parse(input: &str) -> Result<UrlTemplate, GrammarError> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut at = 0usize;
        while at < input.len() {
            let rest = input.get(at..).unwrap_or("");
            let dollar = rest.find("$(");
            let braces = rest.find("{{");
            let (start, open, close) = match (dollar, braces) {
                (Some(d), Some(b)) if b < d => (b, "{{", "}}"),
                (Some(d), _) => (d, "$(", ")"),
                (None, Some(b)) => (b, "{{", "}}"),
                (None, None) => {
                    literal.push_str(rest);
                    break;
                }
            };
            literal.push_str(rest.get(..start).unwrap_or(""));
            let body_at = at + start + open.len();
            let body = input.get(body_at..).unwrap_or("");
            let Some(end) = body.find(close) else {
                return Err(GrammarError::new(
                    Language::UrlTemplate,
                    input,
                    input.len(),
                    if close == ")" {
                        "`)` closing the variable"
                    } else {
                        "`}}` closing the variable"
                    },
                ));
            };
            let (v, name_at) = variable(input, body.get(..end).unwrap_or(""), body_at)?;
            if !literal.is_empty() {
                parts.push(TemplatePart::Literal(std::mem::take(&mut literal)));
            }
            parts.push(TemplatePart::Variable(v, name_at));
            at = body_at + end + close.len();
        }
        if !literal.is_empty() {
            parts.push(TemplatePart::Literal(literal));
        }
        Ok(UrlTemplate { parts })
    }

    /// The parts in order.
    pub fn parts(&self) -> &[TemplatePart] {
        &self.parts
    }

    /// True when the template is exactly one variable (`$(password)`): the whole value
    /// comes from that variable.
    pub fn is_single_variable(&self) -> bool {
        matches!(self.parts.as_slice(), [TemplatePart::Variable(..)])
    }

    /// The variables used, with the byte offset of each name, in order of appearance.
    pub fn variables(&self) -> impl Iterator<Item = (&TemplateVariable, usize)> {
        self.parts.iter().filter_map(|p| match p {
            TemplatePart::Variable(v, at) => Some((v, *at)),
            TemplatePart::Literal(_) => None,
        })
    }

    /// Renders the template; `lookup` returns the text to insert (escaped as the caller
    /// wants), or an error that rendering stops with.
    pub fn render<E>(
        &self,
        mut lookup: impl FnMut(&TemplateVariable) -> Result<String, E>,
    ) -> Result<String, E> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                TemplatePart::Literal(text) => out.push_str(text),
                TemplatePart::Variable(v, _) => out.push_str(&lookup(v)?),
            }
        }
        Ok(out)
    }
}

impl fmt::Display for UrlTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for part in &self.parts {
            match part {
                TemplatePart::Literal(text) => f.write_str(text)?,
                TemplatePart::Variable(v, _) => write!(f, "$({v})")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(template: &str) -> String {
        let t = UrlTemplate::parse(template).expect("parses");
        t.render(|v| -> Result<String, ()> {
            Ok(match v {
                TemplateVariable::Username => "u".into(),
                TemplateVariable::Password => "p".into(),
                TemplateVariable::Property(k) => format!("<{k}>"),
                other => other.to_string(),
            })
        })
        .expect("renders")
    }

    #[test]
    fn renders_both_delimiters() {
        assert_eq!(
            render("https://$(username):$(password)@$(properties.host):9200/$(name)"),
            "https://u:p@<host>:9200/name"
        );
        assert_eq!(
            render("{{.username}}@{{ .domain }}/{{namespace}}"),
            "u@domain/namespace"
        );
        assert_eq!(render("$( username )"), "u");
        assert!(UrlTemplate::parse("$(password)")
            .expect("parses")
            .is_single_variable());
    }

    #[test]
    fn rejections() {
        for (input, offset) in [
            ("$(foo)", 2),
            ("a$(user", 7),
            ("$(properties.)", 2),
            ("$()", 2),
            ("{{.var}}", 3),
            ("x{{.username", 12),
        ] {
            match UrlTemplate::parse(input) {
                Ok(t) => unreachable!("{input} parsed as {t}"),
                Err(e) => assert_eq!(e.offset(), offset, "{input}: {e}"),
            }
        }
    }

    #[test]
    fn plain_text_is_one_literal() {
        assert_eq!(
            UrlTemplate::parse("$password").map(|t| t.parts().len()),
            Ok(1)
        );
        assert_eq!(UrlTemplate::parse("").map(|t| t.parts().len()), Ok(0));
    }
}
