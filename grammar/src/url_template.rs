//! `$(var)` templates for connection URLs: literal text and the variables `username`,
//! `password`, `name`, `namespace`, `type` and `properties.<key>`.
//!
//! Rendering goes through a caller-supplied lookup so that this crate never sees where
//! values come from; a variable the lookup cannot fill is an error naming the variable
//! (never its value).

use std::fmt;

use crate::error::{GrammarError, Language};

/// A variable that may appear inside `$( )`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TemplateVariable {
    Username,
    Password,
    Name,
    Namespace,
    Type,
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
            TemplateVariable::Property(key) => write!(f, "properties.{key}"),
        }
    }
}

/// One piece of a template.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TemplatePart {
    Literal(String),
    Variable(TemplateVariable),
}

/// A parsed template; adjacent literal text is always merged into one part.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UrlTemplate {
    parts: Vec<TemplatePart>,
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

impl UrlTemplate {
    /// Parses literal text with `$(variable)` placeholders.
    pub fn parse(input: &str) -> Result<UrlTemplate, GrammarError> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = input;
        while let Some(start) = rest.find("$(") {
            literal.push_str(rest.get(..start).unwrap_or(""));
            let body_at = input.len() - rest.len() + start + 2;
            let body = rest.get(start + 2..).unwrap_or("");
            let Some(end) = body.find(')') else {
                return Err(GrammarError::new(
                    Language::UrlTemplate,
                    input,
                    input.len(),
                    "`)` closing the variable",
                ));
            };
            let name = body.get(..end).unwrap_or("").trim();
            let variable = match name {
                "username" => TemplateVariable::Username,
                "password" => TemplateVariable::Password,
                "name" => TemplateVariable::Name,
                "namespace" => TemplateVariable::Namespace,
                "type" => TemplateVariable::Type,
                other => match other.strip_prefix("properties.") {
                    Some(key) if !key.is_empty() && key.chars().all(is_key_char) => TemplateVariable::Property(key.to_string()),
                    _ => {
                        return Err(GrammarError::new(
                            Language::UrlTemplate,
                            input,
                            body_at,
                            "a variable: `username`, `password`, `name`, `namespace`, `type` or `properties.<key>`",
                        ))
                    }
                },
            };
            if !literal.is_empty() {
                parts.push(TemplatePart::Literal(std::mem::take(&mut literal)));
            }
            parts.push(TemplatePart::Variable(variable));
            rest = body.get(end + 1..).unwrap_or("");
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            parts.push(TemplatePart::Literal(literal));
        }
        Ok(UrlTemplate { parts })
    }

    /// The parts in order.
    pub fn parts(&self) -> &[TemplatePart] {
        &self.parts
    }

    /// The variables used, in order of appearance.
    pub fn variables(&self) -> impl Iterator<Item = &TemplateVariable> {
        self.parts.iter().filter_map(|p| match p {
            TemplatePart::Variable(v) => Some(v),
            TemplatePart::Literal(_) => None,
        })
    }

    /// Renders the template; `lookup` returns the text to insert (already escaped as the
    /// caller wants) or `None`, which fails with the variable that could not be filled.
    pub fn render<E>(
        &self,
        mut lookup: impl FnMut(&TemplateVariable) -> Result<String, E>,
    ) -> Result<String, E> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                TemplatePart::Literal(text) => out.push_str(text),
                TemplatePart::Variable(v) => out.push_str(&lookup(v)?),
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
                TemplatePart::Variable(v) => write!(f, "$({v})")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_variables() {
        let t =
            UrlTemplate::parse("https://$(username):$(password)@$(properties.host):9200/$(name)");
        let rendered = t.map(|t| {
            t.render(|v| -> Result<String, ()> {
                Ok(match v {
                    TemplateVariable::Username => "u".into(),
                    TemplateVariable::Password => "p".into(),
                    TemplateVariable::Property(k) => format!("<{k}>"),
                    other => other.to_string(),
                })
            })
        });
        assert_eq!(rendered, Ok(Ok("https://u:p@<host>:9200/name".to_string())));
    }

    #[test]
    fn rejections() {
        for (input, offset) in [
            ("$(foo)", 2),
            ("a$(user", 7),
            ("$(properties.)", 2),
            ("$()", 2),
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
    }
}
