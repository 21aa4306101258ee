//! `rampart lint` finds unused groups, selectors that match nothing, allow rules a deny
//! always overrides, denies narrowed by `agents`/`tags` and object denies a grant on the
//! global object outlives, and nothing in the source documents' fixtures.

use std::path::PathBuf;

use rampart_compiler::compile::validate;
use rampart_compiler::expand::expand;
use rampart_compiler::lint::lint;

fn findings(paths: &[&str]) -> Vec<String> {
    let paths: Vec<PathBuf> = paths.iter().map(PathBuf::from).collect();
    match validate(
        &paths,
        Some(&PathBuf::from("../fixtures/catalog.yaml")),
        &|_| {},
    ) {
        Ok(c) => {
            let expanded = expand(&c.world, &c.model);
            lint(&c.world, &c.documents, &c.model, &expanded)
                .into_iter()
                .map(|f| f.to_string())
                .collect()
        }
        Err(d) => d.iter().map(|x| x.to_string()).collect(),
    }
}

#[test]
fn the_fixtures_are_clean() {
    assert_eq!(findings(&["../fixtures/policy"]), Vec::<String>::new());
}

#[test]
fn each_lint_fires() {
    let found = findings(&["../fixtures/policy", "../fixtures/lint"]);
    assert_eq!(
        found,
        [
            "../fixtures/lint/findings.yaml:19:20: `default/nothing-matches` allows nothing here: `namespace: no-such-namespace` matches no config in the catalog (field `spec.object.configs[0].namespace`)",
            "../fixtures/lint/findings.yaml:24:9: `default/read-mc` never allows `read`: deny `default/deny-all-configs` (../fixtures/lint/findings.yaml:36:9) always overrides it",
            "../fixtures/lint/findings.yaml:49:9: `default/deny-deletes-on-homelab`: `agents`/`tags` do not narrow a deny: it applies to every object its selectors match, whatever their agent and tags (Mission Control ignores these deprecated fields) (field `spec.agents`)",
            "../fixtures/lint/findings.yaml:5:9: group `nobody-uses-me` is not the subject of any permission (field `metadata.name`)",
            "../fixtures/lint/findings.yaml:63:9: `default/no-prod-deletes-for-admins` denies `update`, `delete` on some configs but not on the global object `catalog`, which another grant allows its subject: a check on `catalog` does not see this deny",
            "../fixtures/lint/findings.yaml:84:20: `default/typo-matches-nothing` allows nothing here: `namespace: mission-contol` matches no config in the catalog (field `spec.object.configs[1].namespace`)",
        ]
    );
}

/// An allow selector that matches nothing is found at its field, item by item (one typo
/// among several items too), with the nearest value the catalog has.
#[test]
fn an_allow_that_matches_nothing_names_the_nearest_value() {
    let c = validate(
        &[
            PathBuf::from("../fixtures/policy"),
            PathBuf::from("../fixtures/lint"),
        ],
        Some(&PathBuf::from("../fixtures/catalog.yaml")),
        &|_| {},
    )
    .unwrap_or_else(|d| panic!("{d:?}"));
    let expanded = expand(&c.world, &c.model);
    let helps: Vec<Option<String>> = lint(&c.world, &c.documents, &c.model, &expanded)
        .into_iter()
        .filter(|d| d.message.contains("allows nothing here"))
        .map(|d| d.help)
        .collect();
    assert_eq!(
        helps,
        [None, Some("did you mean `mission-control`?".to_string())]
    );
}
