//! Rendering connection templates as Mission Control does: the URL and every property
//! value pass through the template; `username` and `password` are URL query-escaped
//! (`url.QueryEscape`), `domain` is the text after the one `@` of the username, and a
//! variable with no value renders as the empty string. A template that is nothing but
//! one variable (`url: $(password)`, the whole URL kept in a secret) inserts it unescaped.

use std::collections::BTreeMap;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use rampart_grammar::{TemplateVariable, UrlTemplate};

use super::secret::SecretValue;

/// Go's `url.QueryEscape`: everything but `A-Za-z0-9-_.~` is escaped, space becomes `+`.
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

pub(crate) fn query_escape(value: &str) -> String {
    utf8_percent_encode(value, QUERY)
        .to_string()
        .replace("%20", "+")
}

/// The variables of one connection.
pub(crate) struct Variables<'a> {
    pub name: &'a str,
    pub namespace: &'a str,
    pub connection_type: &'a str,
    pub username: Option<&'a SecretValue>,
    pub password: Option<&'a SecretValue>,
    pub properties: &'a BTreeMap<String, SecretValue>,
}

/// `domain`: the part after `@` when the username holds exactly one `@`.
fn domain(username: &str) -> &str {
    match username.split_once('@') {
        Some((_, rest)) if !rest.contains('@') => rest,
        _ => "",
    }
}

/// Renders `template`. The result is trimmed, as upstream trims.
pub(crate) fn render(template: &UrlTemplate, vars: &Variables<'_>) -> SecretValue {
    let whole = template.is_single_variable();
    let secret = |v: Option<&SecretValue>| {
        let value = v.map(SecretValue::expose).unwrap_or("");
        if whole {
            value.to_string()
        } else {
            query_escape(value)
        }
    };
    let rendered = template
        .render(|variable| -> Result<String, std::convert::Infallible> {
            Ok(match variable {
                TemplateVariable::Username => secret(vars.username),
                TemplateVariable::Password => secret(vars.password),
                TemplateVariable::Name => vars.name.to_string(),
                TemplateVariable::Namespace => vars.namespace.to_string(),
                TemplateVariable::Type => vars.connection_type.to_string(),
                TemplateVariable::Domain => {
                    domain(vars.username.map(SecretValue::expose).unwrap_or("")).to_string()
                }
                TemplateVariable::Property(key) => vars
                    .properties
                    .get(key)
                    .map(|v| v.expose().to_string())
                    .unwrap_or_default(),
            })
        })
        .unwrap_or_default();
    SecretValue::new(rendered.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_escaping_matches_go() {
        assert_eq!(query_escape("p@ss w/rd:&?"), "p%40ss+w%2Frd%3A%26%3F");
        assert_eq!(query_escape("a-b_c.d~e"), "a-b_c.d~e");
    }

    #[test]
    fn missing_values_render_empty_and_domain_follows_the_one_at() {
        let properties = BTreeMap::new();
        let t = UrlTemplate::parse("postgres://$(username):$(password)@db/app").expect("parses");
        let vars = Variables {
            name: "n",
            namespace: "ns",
            connection_type: "postgres",
            username: None,
            password: None,
            properties: &properties,
        };
        assert_eq!(render(&t, &vars).expose(), "postgres://:@db/app");
        let user = SecretValue::new("jane@corp.example");
        let t = UrlTemplate::parse("{{.domain}}/$(username)").expect("parses");
        let vars = Variables {
            username: Some(&user),
            ..vars
        };
        assert_eq!(
            render(&t, &vars).expose(),
            "corp.example/jane%40corp.example"
        );
        assert_eq!(domain("a@b@c"), "");
    }
}
