//! The one detector of credentials written into text that is not a credential field: a
//! URL (its userinfo, a query or fragment parameter named like a secret, a webhook path
//! that is itself the token, the token of a notification URL such as `slack://TOKEN@chan`),
//! a connection string (`Password=` in ADO/ODBC, `password=` in a libpq keyword string,
//! `AccountKey=` in an Azure one), an `Authorization` value (`Bearer ...`), and tokens
//! whose prefix says what they are (`ghp_...`, `xoxb-...`).
//!
//! The compiler refuses every literal it finds (the tables would store it); the runtime
//! masks what it finds before showing a literal value (tables compiled elsewhere).
//! Parameter and keyword names are compared after percent-decoding and case folding, so
//! `pass%77ord=` and `PASSWORD=` are `password=`.

use std::ops::Range;

use percent_encoding::percent_decode_str;

use super::secret::MASK;

/// One credential found: where its value is, and what holds it (for a message: "the
/// query parameter `password`"). Never carries the value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credential {
    /// The value's byte range in the text.
    pub range: Range<usize>,
    /// What holds it.
    pub what: String,
}

/// Words that say a name holds a secret, when the name's last word is one of them.
const SECRET_WORDS: [&str; 22] = [
    "password",
    "passwd",
    "pwd",
    "pass",
    "passphrase",
    "token",
    "secret",
    "key",
    "apikey",
    "accesskey",
    "secretkey",
    "privatekey",
    "accountkey",
    "sharedaccesskey",
    "authorization",
    "credential",
    "credentials",
    "bearer",
    "cookie",
    "sig",
    "signature",
    "sas",
];

/// Whether a property, header, parameter or keyword name says it holds a secret: its last
/// word (split at punctuation, spaces and camelCase) is `password`, `token`, `secret`,
/// `key`, `sig`, ... or ends with `password`, `token` or `secret`. `apiToken` is a token,
/// `tokenURL` a URL, `SharedAccessKeyName` a name.
pub fn is_secret_name(name: &str) -> bool {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            words.push(std::mem::take(&mut current));
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower {
            words.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_lowercase() || c.is_numeric();
        current.extend(c.to_lowercase());
    }
    words.push(current);
    words.iter().rev().find(|w| !w.is_empty()).is_some_and(|w| {
        SECRET_WORDS.contains(&w.as_str())
            || w.ends_with("password")
            || w.ends_with("token")
            || w.ends_with("secret")
    })
}

/// Notification URL schemes (shoutrrr's) whose userinfo is a token: `slack://TOKEN@chan`,
/// `discord://TOKEN@id`, `telegram://TOKEN@telegram`.
const TOKEN_USERINFO_SCHEMES: [&str; 14] = [
    "slack",
    "discord",
    "telegram",
    "teams",
    "pushover",
    "join",
    "zulip",
    "bark",
    "ntfy",
    "matrix",
    "mattermost",
    "rocketchat",
    "gotify",
    "googlechat",
];

/// Schemes whose host is the token: `pushbullet://TOKEN/targets`, `ifttt://KEY/`.
const TOKEN_HOST_SCHEMES: [&str; 2] = ["pushbullet", "ifttt"];

/// Schemes whose path carries the token: `gotify://host/TOKEN`, `slack://A/B/C`.
const TOKEN_PATH_SCHEMES: [&str; 6] = [
    "gotify",
    "mattermost",
    "rocketchat",
    "opsgenie",
    "teams",
    "slack",
];

/// Prefixes of tokens that say what they are, with the shortest length such a token has.
const TOKEN_PREFIXES: [(&str, usize); 19] = [
    ("ghp_", 36),
    ("gho_", 36),
    ("ghu_", 36),
    ("ghs_", 36),
    ("ghr_", 36),
    ("github_pat_", 40),
    ("glpat-", 20),
    ("xoxb-", 20),
    ("xoxp-", 20),
    ("xoxa-", 20),
    ("xoxr-", 20),
    ("xoxs-", 20),
    ("xapp-", 20),
    ("sk-ant-", 24),
    ("sk-proj-", 24),
    ("AIza", 35),
    ("hf_", 30),
    ("npm_", 36),
    ("dop_v1_", 64),
];

/// Every credential the text carries, in order of position (ranges may overlap when two
/// rules see one value).
pub fn find(text: &str) -> Vec<Credential> {
    let mut found = Vec::new();
    urls(text, &mut found);
    keywords(text, &mut found);
    authorization(text, &mut found);
    prefixed_tokens(text, &mut found);
    found.sort_by(|a, b| {
        (a.range.start, a.range.end, &a.what).cmp(&(b.range.start, b.range.end, &b.what))
    });
    found.dedup();
    found
}

/// The text with every credential [`find`] sees replaced by [`MASK`].
pub fn mask(text: &str) -> String {
    let found = find(text);
    if found.is_empty() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for c in found {
        let start = c.range.start.max(at);
        if c.range.end <= start {
            continue;
        }
        out.push_str(text.get(at..start).unwrap_or(""));
        out.push_str(MASK);
        at = c.range.end;
    }
    out.push_str(text.get(at..).unwrap_or(""));
    out
}

/// Records a value unless it is empty or made only of template variables (`$(password)`,
/// `{{.password}}`) and separators: a template inserts a credential from its source, it
/// holds none.
fn push(text: &str, found: &mut Vec<Credential>, range: Range<usize>, what: String) {
    let value = text.get(range.clone()).unwrap_or("");
    let literal = without_variables(value);
    if !literal
        .trim_matches(|c: char| c.is_whitespace() || matches!(c, '/' | '\'' | '"'))
        .is_empty()
    {
        found.push(Credential { range, what });
    }
}

/// The text with every `$(...)` and `{{...}}` removed.
fn without_variables(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let next = [("$(", ")"), ("{{", "}}")]
            .into_iter()
            .filter_map(|(open, close)| rest.find(open).map(|i| (i, open, close)))
            .min_by_key(|(i, _, _)| *i);
        let Some((i, open, close)) = next else {
            out.push_str(rest);
            return out;
        };
        out.push_str(rest.get(..i).unwrap_or(""));
        let inner = rest.get(i + open.len()..).unwrap_or("");
        match inner.find(close) {
            Some(j) => rest = inner.get(j + close.len()..).unwrap_or(""),
            None => {
                out.push_str(rest.get(i..).unwrap_or(""));
                return out;
            }
        }
    }
}

/// A byte that ends a URL part or a keyword value.
fn ends_value(c: char) -> bool {
    c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`')
}

/// `start + offset of the first char of text[start..] matching `stop`` (or the end).
fn until(text: &str, start: usize, stop: impl Fn(char) -> bool) -> usize {
    text.get(start..)
        .and_then(|rest| rest.find(stop))
        .map_or(text.len(), |i| start + i)
}

fn urls(text: &str, found: &mut Vec<Credential>) {
    for (at, _) in text.match_indices("://") {
        let before = text.get(..at).unwrap_or("");
        let scheme_start = before
            .char_indices()
            .rev()
            .take_while(|(_, c)| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'))
            .last()
            .map_or(at, |(i, _)| i);
        let scheme = before
            .get(scheme_start..)
            .unwrap_or("")
            .to_ascii_lowercase();
        if !scheme.starts_with(|c: char| c.is_ascii_alphabetic()) {
            continue;
        }
        let authority_start = at + 3;
        let authority_end = until(text, authority_start, |c| {
            ends_value(c) || matches!(c, '/' | '?' | '#' | '\\')
        });
        let authority = text.get(authority_start..authority_end).unwrap_or("");
        let (userinfo, host_start) = match authority.rfind('@') {
            Some(i) => (authority.get(..i), authority_start + i + 1),
            None => (None, authority_start),
        };
        let token_userinfo = TOKEN_USERINFO_SCHEMES.contains(&scheme.as_str());
        if let Some(userinfo) = userinfo {
            match userinfo.find(':') {
                Some(colon) => push(
                    text,
                    found,
                    authority_start + colon + 1..authority_start + userinfo.len(),
                    "the password in the URL's userinfo".into(),
                ),
                None if token_userinfo => push(
                    text,
                    found,
                    authority_start..authority_start + userinfo.len(),
                    format!("the token in the userinfo of a `{scheme}://` URL"),
                ),
                None => {}
            }
        }
        let host_end = until(text, host_start, |c| {
            ends_value(c) || matches!(c, '/' | '?' | '#' | '\\' | ':')
        })
        .min(authority_end);
        let host = text
            .get(host_start..host_end)
            .unwrap_or("")
            .to_ascii_lowercase();
        if TOKEN_HOST_SCHEMES.contains(&scheme.as_str()) {
            push(
                text,
                found,
                host_start..host_end,
                format!("the token in the host of a `{scheme}://` URL"),
            );
        }
        let path_end = until(text, authority_end, |c| {
            ends_value(c) || matches!(c, '?' | '#')
        });
        let path = text.get(authority_end..path_end).unwrap_or("");
        let path_carries_token = !path.trim_matches('/').is_empty()
            && (TOKEN_PATH_SCHEMES.contains(&scheme.as_str())
                || (matches!(scheme.as_str(), "http" | "https") && webhook(&host, path)));
        if path_carries_token {
            push(
                text,
                found,
                authority_end..path_end,
                format!("the path of a webhook URL (`{scheme}://{host}`), which is its token"),
            );
        }
    }
}

/// Whether an `https://host/path` URL is a webhook whose path is the token.
fn webhook(host: &str, path: &str) -> bool {
    let path = path.to_ascii_lowercase();
    let under = |domain: &str| host == domain || host.ends_with(&format!(".{domain}"));
    (host == "hooks.slack.com")
        || ((under("discord.com") || under("discordapp.com")) && path.contains("/webhooks/"))
        || (under("webhook.office.com") && path.starts_with("/webhook"))
        || ((host == "outlook.office.com" || host == "outlook.office365.com")
            && path.starts_with("/webhook"))
        || (host == "api.telegram.org" && path.starts_with("/bot"))
        || (host == "hooks.zapier.com" && path.starts_with("/hooks/"))
}

/// `name=value` pairs anywhere: URL query and fragment parameters, ADO/ODBC and libpq
/// connection strings, JDBC properties. The name is the word just before `=` (so `User
/// Id=` is `Id` and `Jet OLEDB:Database Password=` is `Password`), percent-decoded.
fn keywords(text: &str, found: &mut Vec<Credential>) {
    let name_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '%');
    for (at, _) in text.match_indices('=') {
        let before = text.get(..at).unwrap_or("");
        let after = text.get(at + 1..).unwrap_or("");
        if before.ends_with(['=', '!', '<', '>']) || after.starts_with('=') {
            continue;
        }
        let trimmed = before.trim_end_matches([' ', '\t']);
        let name_start = trimmed
            .char_indices()
            .rev()
            .take_while(|(_, c)| name_char(*c))
            .last()
            .map_or(trimmed.len(), |(i, _)| i);
        let written = trimmed.get(name_start..).unwrap_or("");
        if written.is_empty() {
            continue;
        }
        let name = percent_decode_str(written).decode_utf8_lossy();
        if !is_secret_name(&name) {
            continue;
        }
        let value_start = at + 1 + (after.len() - after.trim_start_matches([' ', '\t']).len());
        let rest = text.get(value_start..).unwrap_or("");
        let range = match rest.chars().next() {
            Some(quote @ ('\'' | '"')) => {
                let inner = value_start + 1;
                let mut end = text.len();
                let mut escaped = false;
                for (i, c) in text.get(inner..).unwrap_or("").char_indices() {
                    match c {
                        '\\' if !escaped => escaped = true,
                        c if c == quote && !escaped => {
                            end = inner + i;
                            break;
                        }
                        _ => escaped = false,
                    }
                }
                inner..end
            }
            Some('{') if !rest.starts_with("{{") => {
                value_start + 1..until(text, value_start, |c| c == '}')
            }
            _ => {
                value_start..until(text, value_start, |c| {
                    ends_value(c) || matches!(c, ';' | '&' | '#' | ',')
                })
            }
        };
        push(
            text,
            found,
            range,
            format!("the `{}` parameter", crate::text::Shown(written)),
        );
    }
}

/// `Bearer TOKEN` / `Basic CREDENTIALS`: the whole text one authorization value.
fn authorization(text: &str, found: &mut Vec<Credential>) {
    let trimmed = text.trim_start();
    let offset = text.len() - trimmed.len();
    for scheme in ["bearer ", "basic "] {
        let Some(head) = trimmed.get(..scheme.len()) else {
            continue;
        };
        if !head.eq_ignore_ascii_case(scheme) {
            continue;
        }
        let rest = trimmed.get(scheme.len()..).unwrap_or("").trim();
        let token_like = rest.len() >= 8
            && rest.chars().all(|c| {
                c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '~' | '+' | '/' | '=' | '-')
            });
        if token_like {
            let after = trimmed.get(scheme.len()..).unwrap_or("");
            let start = offset + scheme.len() + (after.len() - after.trim_start().len());
            push(
                text,
                found,
                start..start + rest.len(),
                format!("an `Authorization` value (`{}`)", scheme.trim()),
            );
        }
    }
}

/// Tokens whose prefix says what they are (a GitHub or GitLab token, a Slack token, an
/// API key), anywhere in the text.
fn prefixed_tokens(text: &str, found: &mut Vec<Credential>) {
    let token_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-');
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        match (token_char(c), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                start = None;
                let token = text.get(s..i).unwrap_or("");
                if let Some((prefix, _)) = TOKEN_PREFIXES
                    .iter()
                    .find(|(p, min)| token.starts_with(p) && token.len() >= *min)
                {
                    push(
                        text,
                        found,
                        s..i,
                        format!("a token that starts with `{prefix}`"),
                    );
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whats(text: &str) -> Vec<String> {
        find(text)
            .into_iter()
            .map(|c| format!("{} = {}", c.what, &text[c.range]))
            .collect()
    }

    #[test]
    fn names_are_found_by_their_last_word() {
        for name in [
            "password",
            "dbPassword",
            "API_KEY",
            "apiKey",
            "Authorization",
            "x-auth-token",
            "clientSecret",
            "accesstoken",
            "sig",
            "X-Amz-Signature",
            "AccountKey",
            "SharedAccessKey",
            "Pwd",
            "pass",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in [
            "keyspace",
            "monkey",
            "region",
            "host",
            "Content-Type",
            "tokenURL",
            "SharedAccessKeyName",
            "authSource",
            "Auth",
            "response_type",
            "User Id",
        ] {
            assert!(!is_secret_name(name), "{name}");
        }
    }

    #[test]
    fn credentials_in_urls_connection_strings_and_webhooks_are_found() {
        let cases = [
            ("https://bob:hunter2@api.example.com", "hunter2"),
            ("https://api.example.com/v1?password=hunter2", "hunter2"),
            (
                "https://api.example.com/v1?a=1&pass%77ord=hunter2",
                "hunter2",
            ),
            ("https://x/?PASSWORD=hunter2#frag", "hunter2"),
            ("https://x/cb#access_token=hunter2&state=1", "hunter2"),
            (
                "https://acct.blob.core.windows.net/c?sv=2022&sp=r&sig=hunter2",
                "hunter2",
            ),
            ("https://maps.googleapis.com/x?key=hunter2", "hunter2"),
            (
                "Server=db;Database=x;User Id=sa;Password=hunter2;",
                "hunter2",
            ),
            ("Driver={ODBC};Server=db;Pwd={hunter2};", "hunter2"),
            (
                "host=db dbname=x user=u password='hunter2' sslmode=require",
                "hunter2",
            ),
            ("host=db password = hunter2", "hunter2"),
            (
                "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=hunter2==;",
                "hunter2==",
            ),
            ("jdbc:postgresql://db/x?user=u&password=hunter2", "hunter2"),
            (
                "https://hooks.slack.com/services/T000/B000/XXXXXXXX",
                "/services/T000/B000/XXXXXXXX",
            ),
            (
                "https://discord.com/api/webhooks/123/hunter2",
                "/api/webhooks/123/hunter2",
            ),
            (
                "https://acme.webhook.office.com/webhookb2/abc@def/IncomingWebhook/x/y",
                "/webhookb2/abc@def/IncomingWebhook/x/y",
            ),
            (
                "https://api.telegram.org/bot123:hunter2/sendMessage",
                "/bot123:hunter2/sendMessage",
            ),
            ("slack://xoxb-hunter2@alerts", "xoxb-hunter2"),
            ("discord://hunter2@123", "hunter2"),
            ("pushbullet://hunter2/a,b", "hunter2"),
            ("gotify://push.example.com/hunter2", "/hunter2"),
            ("Bearer abcdefgh12345", "abcdefgh12345"),
            (
                "https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/a/b.git",
                "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
            ),
        ];
        for (text, secret) in cases {
            let found = find(text);
            assert!(
                found
                    .iter()
                    .any(|c| text.get(c.range.clone()) == Some(secret)),
                "{text}: {:?}",
                whats(text)
            );
            assert!(!mask(text).contains(secret), "{text} -> {}", mask(text));
        }
    }

    #[test]
    fn ordinary_urls_and_strings_carry_nothing() {
        for text in [
            "https://api.example.com",
            "https://prometheus.monitoring:9090/api/v1",
            "postgres://$(username):$(password)@db/app?sslmode=disable",
            "sqlserver://$(username):$(password)@$(properties.host)?database=$(properties.database)&TrustServerCertificate=true",
            "mongodb://$(username):$(password)@mongo/?app&replicaSet=rs0&authSource=admin&tls=true",
            "smtp://$(username):$(password)@mail.example.com:587/?UseStartTLS=false&Encryption=Auto&Auth=plain&from=a@example.com&to=b@example.com",
            "https://grafana.example.com/d/abc/overview?orgId=1&var-namespace=prod&refresh=30s",
            "https://login.microsoftonline.com/tenant/oauth2/v2.0/token",
            "https://idp.example.com/authorize?response_type=token&client_id=app&scope=openid",
            "https://bob@api.example.com",
            "https://github.com/acme/repo.git",
            "git@github.com:acme/repo.git",
            "https://s3.eu-west-1.amazonaws.com/bucket?prefix=logs/&max-keys=100",
            "https://hooks.example.com/webhooks/incoming",
            "https://discord.com/channels/123/456",
            "slack://$(password)@$(username)",
            "pushbullet://$(password)/a,b",
            "telegram://$(password)@telegram/?Chats=$(username)",
            "ntfy://$(username):$(password)@ntfy.sh/alerts",
            "https://es.example.com:9200/logs-*/_search?q=level:error",
            "Server=db;Database=x;User Id=sa;Password=;",
            "https://api.example.com/v1?token=$(password)&key={{.password}}",
            "Server=db;User Id=$(username);Password=$(password);",
            "host=db dbname=app user=reader sslmode=verify-full",
            "https://api.example.com/search?token_type=bearer&keyspace=k",
            "a == b",
            "Basic health check failed",
            "kube-system",
            "arn:aws:iam::1:role/r",
        ] {
            assert_eq!(whats(text), Vec::<String>::new(), "{text}");
            assert_eq!(mask(text), text);
        }
    }
}
