//! Property tests for every language: no parser panics on any input, and every AST
//! survives `parse(display(x)) == x`.

use proptest::prelude::*;
use rampart_grammar::*;

fn word() -> impl Strategy<Value = String> {
    "[a-z0-9][a-z0-9._-]{0,8}"
}

fn glob() -> impl Strategy<Value = Glob> {
    prop_oneof![
        Just(Glob::Any),
        word().prop_map(Glob::Exact),
        word().prop_map(Glob::Prefix),
        word().prop_map(Glob::Suffix),
        word().prop_map(Glob::Contains),
    ]
}

fn item_pattern() -> impl Strategy<Value = ItemPattern> {
    prop::collection::vec((any::<bool>(), glob()), 1..5).prop_map(|items| {
        let items = items
            .into_iter()
            .map(|(negated, glob)| PatternItem { negated, glob })
            .collect();
        ItemPattern::from_items(items).unwrap_or_else(|| unreachable!())
    })
}

fn action_item() -> impl Strategy<Value = ActionItem> {
    prop_oneof![
        Just(ActionItem::All),
        Just(ActionItem::AnyPlaybook),
        Just(ActionItem::AnyMcp),
        Just(ActionItem::AnyInvoke),
        word().prop_map(ActionItem::InvokePlugin),
        prop::sample::select(BuiltinAction::ALL.to_vec())
            .prop_map(|b| ActionItem::Exact(Action::Builtin(b))),
        (word(), word()).prop_map(|(plugin, operation)| ActionItem::Exact(Action::Invoke {
            plugin,
            operation
        })),
    ]
}

fn label_key() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]([a-z0-9-]{0,5}[a-z0-9])?",
        "[a-z]{1,4}\\.[a-z]{2,3}/[A-Za-z][A-Za-z0-9]{0,4}"
    ]
}

fn label_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[A-Za-z0-9]([A-Za-z0-9_.-]{0,6}[A-Za-z0-9])?"
    ]
}

fn requirement() -> impl Strategy<Value = Requirement> {
    let ops = prop::sample::select(vec![
        Operator::Exists,
        Operator::DoesNotExist,
        Operator::Equals,
        Operator::DoubleEquals,
        Operator::NotEquals,
        Operator::In,
        Operator::NotIn,
        Operator::GreaterThan,
        Operator::LessThan,
    ]);
    (
        label_key(),
        ops,
        prop::collection::vec(label_value(), 1..4),
        0u32..1000,
    )
        .prop_map(|(key, operator, mut values, n)| {
            let values = match operator {
                Operator::Exists | Operator::DoesNotExist => Vec::new(),
                Operator::In | Operator::NotIn => {
                    values.sort();
                    values.dedup();
                    values
                }
                Operator::GreaterThan | Operator::LessThan => vec![n.to_string()],
                _ => values.into_iter().take(1).collect(),
            };
            Requirement {
                key,
                operator,
                values,
            }
        })
}

fn search_leaf() -> impl Strategy<Value = SearchExpr> {
    let path = prop_oneof![
        word().prop_map(|w| FieldPath(vec![w])),
        (
            prop::sample::select(vec!["tags", "labels", "properties"]),
            prop_oneof![word(), "[a-z]{1,3}/[a-z. ]{1,4}"]
        )
            .prop_map(|(p, k)| FieldPath(vec![p.to_string(), k])),
    ];
    let op = prop::sample::select(vec![
        CompareOp::Eq,
        CompareOp::NotEq,
        CompareOp::Gt,
        CompareOp::Lt,
        CompareOp::GtEq,
        CompareOp::LtEq,
    ]);
    let map_key = (
        prop::sample::select(vec!["tags", "labels", "properties"]),
        word(),
    )
        .prop_map(|(p, k)| FieldPath(vec![p.to_string(), k]));
    prop_oneof![
        (path, op, "[ -~]{0,8}").prop_map(|(field, op, value)| SearchExpr::Compare {
            field,
            op,
            value
        }),
        map_key.prop_map(SearchExpr::Exists),
        "[a-z*.]{1,8}|[a-z][ -~]{0,6}".prop_map(SearchExpr::Bare),
    ]
}

fn search_expr() -> impl Strategy<Value = SearchExpr> {
    search_leaf().prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(SearchExpr::And),
            prop::collection::vec(inner.clone(), 2..4).prop_map(SearchExpr::Or),
            inner.prop_map(|e| SearchExpr::Not(Box::new(e))),
        ]
    })
}

fn template_part() -> impl Strategy<Value = TemplatePart> {
    prop_oneof![
        "[a-zA-Z0-9:/@.?=&%-]{1,8}".prop_map(TemplatePart::Literal),
        prop_oneof![
            Just(TemplateVariable::Username),
            Just(TemplateVariable::Password),
            Just(TemplateVariable::Name),
            Just(TemplateVariable::Namespace),
            Just(TemplateVariable::Type),
            Just(TemplateVariable::Domain),
            word().prop_map(TemplateVariable::Property),
        ]
        .prop_map(|v| TemplatePart::Variable(v, 0)),
    ]
}

fn merge_literals(parts: Vec<TemplatePart>) -> Vec<TemplatePart> {
    let mut out: Vec<TemplatePart> = Vec::new();
    for part in parts {
        match (out.last_mut(), part) {
            (Some(TemplatePart::Literal(prev)), TemplatePart::Literal(next)) => {
                prev.push_str(&next)
            }
            (_, part) => out.push(part),
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn no_parser_panics(input in "\\PC{0,40}|[-a-z*!,=()|<>\"\\\\ .:$/]{0,40}") {
        let _ = ActionPattern::parse(&input);
        let _ = Action::parse(&input);
        let _ = ItemPattern::parse(&input);
        let _ = LabelSelector::parse(&input);
        let _ = LabelSelector::parse_with(&input, LabelSelectorOptions { wildcard_values: true });
        let _ = SearchQuery::parse(&input);
        let _ = ConnectionRef::parse(&input);
        let _ = UrlTemplate::parse(&input);
    }

    #[test]
    fn errors_point_inside_the_input(input in "[-a-z*!,=()|<>\" .:$/]{0,30}") {
        for offset in [
            ActionPattern::parse(&input).err().map(|e| e.offset()),
            ItemPattern::parse(&input).err().map(|e| e.offset()),
            LabelSelector::parse(&input).err().map(|e| e.offset()),
            SearchQuery::parse(&input).err().map(|e| e.offset()),
            ConnectionRef::parse(&input).err().map(|e| e.offset()),
            UrlTemplate::parse(&input).err().map(|e| e.offset()),
        ].into_iter().flatten() {
            prop_assert!(offset <= input.len());
        }
    }

    #[test]
    fn item_pattern_round_trips(p in item_pattern()) {
        prop_assert_eq!(ItemPattern::parse(&p.to_string()), Ok(p));
    }

    #[test]
    fn action_pattern_round_trips(items in prop::collection::vec((any::<bool>(), action_item()), 1..5)) {
        let text = items.iter().map(|(n, i)| format!("{}{i}", if *n { "!" } else { "" })).collect::<Vec<_>>().join(",");
        let parsed = ActionPattern::parse(&text);
        prop_assert_eq!(parsed.as_ref().map(|p| p.items().to_vec()), Ok(items));
        prop_assert_eq!(parsed.map(|p| p.to_string()), Ok(text));
    }

    #[test]
    fn label_selector_round_trips(mut requirements in prop::collection::vec(requirement(), 0..5)) {
        requirements.sort();
        let text = requirements.iter().map(|r| r.to_string()).collect::<Vec<_>>().join(",");
        let parsed = LabelSelector::parse(&text);
        prop_assert_eq!(parsed.as_ref().map(|s| s.requirements().to_vec()), Ok(requirements));
        prop_assert_eq!(parsed.map(|s| s.to_string()), Ok(text));
    }

    #[test]
    fn search_query_round_trips(expr in search_expr()) {
        let query = SearchQuery::from_expr(expr);
        let text = query.to_string();
        let reparsed = SearchQuery::parse(&text);
        prop_assert_eq!(reparsed.as_ref().map(|q| q.to_string()), Ok(text.clone()));
        prop_assert_eq!(reparsed.map(|q| q.root().clone()), Ok(query.root().clone()), "{}", text);
    }

    #[test]
    fn connection_ref_round_trips(namespace in prop::option::of(word()), name in word()) {
        let r = ConnectionRef::Named { namespace, name, deprecated_type: None };
        prop_assert_eq!(ConnectionRef::parse(&r.to_string()), Ok(r));
    }

    #[test]
    fn url_template_round_trips(parts in prop::collection::vec(template_part(), 0..6)) {
        let parts = merge_literals(parts);
        let text = UrlTemplate::parse("").map(|_| parts.iter().map(|p| match p {
            TemplatePart::Literal(l) => l.clone(),
            TemplatePart::Variable(v, _) => format!("$({v})"),
        }).collect::<String>());
        let parsed = text.and_then(|t| UrlTemplate::parse(&t));
        let strip = |parts: Vec<TemplatePart>| parts.into_iter().map(|p| match p {
            TemplatePart::Variable(v, _) => TemplatePart::Variable(v, 0),
            literal => literal,
        }).collect::<Vec<_>>();
        prop_assert_eq!(parsed.map(|t| strip(t.parts().to_vec())), Ok(parts));
    }
}
