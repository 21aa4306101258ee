//! Canonical forms keep their meaning: for every grammar, text that parses is displayed
//! canonically, parsed again, and both parses must answer the same on generated objects.
//! The generators mix in what breaks naive printers: quoted field names, leading dashes,
//! commas inside values, escapes, case and unicode.

use std::borrow::Cow;
use std::collections::BTreeMap;

use proptest::prelude::*;
use rampart_grammar::*;

fn pick(items: &'static [&'static str]) -> impl Strategy<Value = String> + Clone {
    prop::sample::select(items.to_vec()).prop_map(str::to_string)
}

const TEXTS: &[&str] = &[
    "prod", "Prod", "é", "ÉTÉ", "a-b", "-x", "a.b", "a:b", "ns/app", "x_y", "12", "1.5", "",
    "nginx", "NGINX-1",
];

fn value_pool() -> impl Strategy<Value = String> {
    prop_oneof![pick(TEXTS), "[a-zé.:/_-]{0,6}"]
}

fn item_text() -> impl Strategy<Value = String> {
    let glob = (
        pick(&["", "*"]),
        pick(&["prod", "é", "a-b", "a.b", "x:y", "NGINX", "12"]),
        pick(&["", "*"]),
    )
        .prop_map(|(a, t, b)| format!("{a}{t}{b}"));
    prop::collection::vec((any::<bool>(), glob), 1..4).prop_map(|items| {
        items
            .into_iter()
            .map(|(n, g)| format!("{}{g}", if n { "!" } else { "" }))
            .collect::<Vec<_>>()
            .join(", ")
    })
}

/// An object for search queries: dotted paths to values.
#[derive(Debug, Clone)]
struct Object(BTreeMap<String, String>);

impl SearchSubject for Object {
    fn value(&self, path: &[String]) -> Option<Cow<'_, str>> {
        self.0
            .get(&path.join("\u{1}"))
            .map(|v| Cow::Borrowed(v.as_str()))
    }
}

const FIELDS: &[&str] = &["name", "type", "-name", "a.b", "x y", "é", "status"];
const MAP_KEYS: &[&str] = &["env", "app", "a.b", "k y", "-k", "é"];

fn object() -> impl Strategy<Value = Object> {
    let entry = prop_oneof![
        (pick(FIELDS), value_pool()).prop_map(|(f, v)| (f, v)),
        (
            pick(&["tags", "labels", "properties"]),
            pick(MAP_KEYS),
            value_pool()
        )
            .prop_map(|(m, k, v)| (format!("{m}\u{1}{k}"), v)),
    ];
    prop::collection::vec(entry, 0..8).prop_map(|e| Object(e.into_iter().collect()))
}

fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

fn search_term() -> impl Strategy<Value = String> {
    let field = prop_oneof![
        pick(&["name", "type", "status"]),
        pick(FIELDS).prop_map(|f| quoted(&f)),
        (pick(&["tags", "labels", "properties"]), pick(MAP_KEYS)).prop_map(|(m, k)| {
            if k.chars().all(|c| c.is_alphanumeric()) {
                format!("{m}.{k}")
            } else {
                format!("{m}.{}", quoted(&k))
            }
        }),
    ];
    let value = prop_oneof![
        pick(&["prod", "nginx*", "*x", "a,b", "!prod", "12", "1.5", "é"]),
        value_pool().prop_map(|v| quoted(&v)),
        pick(&["a\\\"b", "x\\\\y", "a, b", "\"-v\""]).prop_map(|v| format!("\"{v}\"")),
    ];
    let op = pick(&["=", "!=", ">", "<", ">=", "<="]);
    prop_oneof![
        4 => (field.clone(), op, value).prop_map(|(f, o, v)| format!("{f}{o}{v}")),
        1 => (pick(&["tags", "labels", "properties"]), pick(&["env", "app"])).prop_map(|(m, k)| format!("{m}.{k}")),
        1 => (pick(&["tags", "labels"]), pick(&["env", "app"])).prop_map(|(m, k)| format!("!{m}.{k}")),
        1 => pick(&["nginx", "NGINX", "é*", "a-b"]),
        1 => pick(FIELDS).prop_map(|f| quoted(&f)),
        1 => pick(&["nginx", "prod"]).prop_map(|w| format!("-{w}")),
    ]
}

fn search_text() -> impl Strategy<Value = String> {
    let term = search_term();
    term.prop_recursive(3, 16, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(|t| t.join(" ")),
            prop::collection::vec(inner.clone(), 2..4).prop_map(|t| t.join(" | ")),
            inner.clone().prop_map(|t| format!("({t})")),
            inner.prop_map(|t| format!("-({t})")),
        ]
    })
}

fn label_text() -> impl Strategy<Value = String> {
    let key = pick(&["env", "app", "tier", "example.com/owner"]);
    let value = pick(&["prod", "Prod", "dev", "prod-*", "*", "", "1", "20"]);
    let requirement = prop_oneof![
        (key.clone(), pick(&["=", "==", "!="]), value.clone())
            .prop_map(|(k, o, v)| format!("{k}{o}{v}")),
        (
            key.clone(),
            pick(&[" in ", " notin "]),
            prop::collection::vec(value.clone(), 1..3)
        )
            .prop_map(|(k, o, v)| format!("{k}{o}({})", v.join(","))),
        key.clone(),
        key.clone().prop_map(|k| format!("!{k}")),
        (key, pick(&[">", "<"]), pick(&["1", "5", "30"]))
            .prop_map(|(k, o, v)| format!("{k}{o}{v}")),
    ];
    prop::collection::vec(requirement, 0..4).prop_map(|r| r.join(","))
}

fn labels() -> impl Strategy<Value = BTreeMap<String, String>> {
    prop::collection::btree_map(
        pick(&["env", "app", "tier", "example.com/owner"]),
        pick(&["prod", "PROD", "dev", "prod-eu", "5", "25", ""]),
        0..4,
    )
}

fn action_text() -> impl Strategy<Value = String> {
    let item = pick(&[
        "read",
        "Read",
        "write",
        "*",
        "playbook:*",
        "Playbook:Run",
        "mcp:*",
        "invoke:kube:*",
        "invoke:kube:logs",
        "invoke:*",
        "delete",
        "update",
    ]);
    prop::collection::vec((any::<bool>(), item), 1..4).prop_map(|items| {
        items
            .into_iter()
            .map(|(n, i)| format!("{}{i}", if n { "!" } else { "" }))
            .collect::<Vec<_>>()
            .join(",")
    })
}

fn actions() -> Vec<Action> {
    let mut all: Vec<Action> = BuiltinAction::ALL
        .iter()
        .map(|b| Action::Builtin(*b))
        .collect();
    for (plugin, operation) in [("kube", "logs"), ("kube", "exec"), ("other", "x")] {
        all.push(Action::Invoke {
            plugin: plugin.into(),
            operation: operation.into(),
        });
    }
    all
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn search_queries_keep_their_meaning(text in search_text(), objects in prop::collection::vec(object(), 8)) {
        if let Ok(query) = SearchQuery::parse(&text) {
            let canonical = query.to_string();
            let again = SearchQuery::parse(&canonical);
            prop_assert!(again.is_ok(), "`{}` -> `{}` does not parse: {:?}", text, canonical, again.err());
            let again = again.unwrap_or_else(|_| unreachable!());
            prop_assert_eq!(again.to_string(), canonical.clone());
            for o in &objects {
                prop_assert_eq!(query.matches(o), again.matches(o), "`{}` -> `{}` on {:?}", text, canonical, o);
            }
        }
    }

    #[test]
    fn item_patterns_keep_their_meaning(text in item_text(), values in prop::collection::vec(value_pool(), 10)) {
        if let Ok(p) = ItemPattern::parse(&text) {
            let again = ItemPattern::parse(&p.to_string());
            prop_assert!(again.is_ok());
            let again = again.unwrap_or_else(|_| unreachable!());
            for v in values.iter().map(String::as_str).chain(["PROD", "é", "NGINX-x", "x:y", "a.b"]) {
                prop_assert_eq!(p.matches(v), again.matches(v), "`{}` -> `{}` on `{}`", text, p, v);
            }
        }
    }

    #[test]
    fn label_selectors_keep_their_meaning(text in label_text(), sets in prop::collection::vec(labels(), 8)) {
        let options = LabelSelectorOptions { wildcard_values: true };
        if let Ok(s) = LabelSelector::parse_with(&text, options) {
            let again = LabelSelector::parse_with(&s.to_string(), options);
            prop_assert!(again.is_ok(), "`{}` -> `{}`", text, s);
            let again = again.unwrap_or_else(|_| unreachable!());
            for set in &sets {
                let lookup = |k: &str| set.get(k).map(String::as_str);
                prop_assert_eq!(s.matches(&lookup), again.matches(&lookup), "`{}` -> `{}` on {:?}", text, s, set);
            }
        }
    }

    #[test]
    fn action_patterns_keep_their_meaning(text in action_text()) {
        if let Ok(p) = ActionPattern::parse(&text) {
            let again = ActionPattern::parse(&p.to_string());
            prop_assert!(again.is_ok());
            let again = again.unwrap_or_else(|_| unreachable!());
            for a in actions() {
                prop_assert_eq!(p.matches(&a), again.matches(&a), "`{}` -> `{}` on {}", text, p, a);
            }
        }
    }

    #[test]
    fn connection_references_keep_their_meaning(
        kind in prop::option::of(pick(&["postgres", "aws"])),
        namespace in pick(&["", " ", "default", " ns "]),
        name in pick(&["db", " db ", "a.b-c_d"]),
    ) {
        let text = match &kind {
            Some(k) => format!("connection://{k}/{namespace}/{name}"),
            None => format!("connection://{namespace}/{name}"),
        };
        if let Ok(r) = ConnectionRef::parse(&text) {
            let again = ConnectionRef::parse(&r.to_string());
            prop_assert_eq!(again.as_ref().map(|a| a.key("ctx")), Ok(r.key("ctx")), "`{}` -> `{}`", text, r);
        }
    }

    #[test]
    fn templates_keep_their_meaning(parts in prop::collection::vec(prop_oneof![
        pick(&["https://", "@", ":", "/db?x=1", "é", "{", "}", "$", "("]),
        pick(&["$(username)", "{{.password}}", "$( name )", "{{ namespace }}", "{{.domain}}", "$(properties.host)", "{{.properties.db}}"]),
    ], 0..6)) {
        let text = parts.concat();
        if let Ok(t) = UrlTemplate::parse(&text) {
            let again = UrlTemplate::parse(&t.to_string());
            prop_assert!(again.is_ok(), "`{}` -> `{}`", text, t);
            let render = |t: &UrlTemplate| t.render(|v| -> Result<String, ()> { Ok(format!("<{v}>")) });
            prop_assert_eq!(render(&t), render(&again.unwrap_or_else(|_| unreachable!())), "`{}`", text);
        }
    }
}

#[test]
fn a_quoted_field_name_with_a_dash_is_not_a_negation() {
    let query = SearchQuery::parse("\"-name\"=zzz").expect("parses");
    let again = SearchQuery::parse(&query.to_string()).expect("canonical form parses");
    let object = Object(
        [("name".to_string(), "c-mc-pod".to_string())]
            .into_iter()
            .collect(),
    );
    assert!(!query.matches(&object), "no field `-name` equals `zzz`");
    assert!(
        !again.matches(&object),
        "and the canonical form `{query}` says the same"
    );
}
