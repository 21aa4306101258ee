//! Runs `kind: PermissionTest` suites ([`crate::documents::permission_test`]) against compiled tables:
//! every case is one assertion, answered through the same runtime calls a service makes
//! (`explain`, `who_can`, `list`, `resolve_connection`), and every case that does not
//! hold says what was asked, what was expected, what came, and why.
//!
//! Coverage counts the permissions that decided at least one asserted answer (an allow
//! or an explicit deny a case observed), over the permissions the documents define.

use std::collections::{BTreeMap, BTreeSet};

use rampart_runtime::connection::{MemorySource, ResolveErrorKind, SecretSource};
use rampart_runtime::{
    Category, Effect, IdTarget, ObjectIds, ObjectRef, Objects, Request, Response, Tables, Target,
};

use crate::documents::permission_test::{
    CheckCase, Expectation, ListCase, ResolveCase, TestCase, TestDocument, WhoCanCase,
};
use crate::located::Located;
use rampart_runtime::json::request::{self as request_model, target, JsonObject, JsonObjects};
use rampart_runtime::json::response::response_text;
use rampart_runtime::json::strict::{At, Problems};

/// How one case ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The assertion holds.
    Passed,
    /// It does not: what was expected and what came.
    Failed {
        /// What the case expected.
        expected: String,
        /// What the tables answered.
        got: String,
        /// Why (the explanation's lines), when there is one.
        explanation: Vec<String>,
    },
    /// The case could not be asked (an unknown name, a malformed case).
    Error(String),
}

/// One case's result.
#[derive(Clone, Debug)]
pub struct CaseResult {
    /// `namespace/name` of the suite.
    pub suite: String,
    /// The case's name.
    pub case: String,
    /// `file:line:column` of the case.
    pub location: String,
    /// The request, in one line (`check john@doe.com read config=c1`).
    pub request: String,
    /// The verdict.
    pub verdict: Verdict,
}

/// The permissions the documents define, and those some case saw decide.
#[derive(Clone, Debug, Default)]
pub struct Coverage {
    /// Every permission (`namespace/name`) of the documents.
    pub permissions: BTreeSet<String>,
    /// Those that decided an asserted answer.
    pub exercised: BTreeSet<String>,
}

impl Coverage {
    /// The share exercised, in percent (100 when there is nothing to exercise).
    pub fn percent(&self) -> f64 {
        if self.permissions.is_empty() {
            return 100.0;
        }
        let hit = self.permissions.intersection(&self.exercised).count();
        hit as f64 * 100.0 / self.permissions.len() as f64
    }

    /// The permissions no case exercised.
    pub fn missed(&self) -> Vec<&str> {
        self.permissions
            .difference(&self.exercised)
            .map(String::as_str)
            .collect()
    }
}

/// Every result, and the coverage.
#[derive(Clone, Debug, Default)]
pub struct TestRun {
    /// One per case, in file order.
    pub results: Vec<CaseResult>,
    /// Which permissions the cases exercised.
    pub coverage: Coverage,
}

impl TestRun {
    /// Cases that passed.
    pub fn passed(&self) -> usize {
        self.results
            .iter()
            .filter(|r| r.verdict == Verdict::Passed)
            .count()
    }

    /// Cases that failed or could not be asked.
    pub fn failed(&self) -> usize {
        self.results.len() - self.passed()
    }
}

/// Runs every case of every suite. `permissions` are the documents' permission names
/// (the coverage universe); `secrets` serve `resolve` cases that should resolve fully.
pub fn run(
    tables: &Tables,
    suites: &[Located<TestDocument>],
    permissions: BTreeSet<String>,
    secrets: Option<&dyn SecretSource>,
) -> TestRun {
    let mut run = TestRun {
        results: Vec::new(),
        coverage: Coverage {
            permissions,
            exercised: BTreeSet::new(),
        },
    };
    for suite in suites {
        let meta = &suite.value.metadata;
        let namespace = meta
            .namespace
            .as_ref()
            .map(|n| n.value.as_str())
            .unwrap_or("default");
        let name = format!("{namespace}/{}", meta.name.value);
        for case in &suite.value.spec.cases {
            let mut asker = Asker {
                tables,
                secrets,
                namespace,
                exercised: &mut run.coverage.exercised,
            };
            let (request, verdict) = asker.case(&case.value);
            run.results.push(CaseResult {
                suite: name.clone(),
                case: case.value.name.value.clone(),
                location: suite.at_node(case).display(),
                request,
                verdict,
            });
        }
    }
    run
}

/// Asks one case.
struct Asker<'a> {
    tables: &'a Tables,
    secrets: Option<&'a dyn SecretSource>,
    /// The suite's namespace: a `resolve` case's reference that names none is in it, as
    /// `rampart validate` reads it and `rampart resolve --namespace` decides it.
    namespace: &'a str,
    exercised: &'a mut BTreeSet<String>,
}

/// The objects of a case, owned, for the runtime to borrow: the request model every
/// face shares ([`JsonObjects`]), so a case reads as a `check --batch` line does.
struct CaseTarget {
    objects: JsonObjects,
    global: Option<String>,
}

impl CaseTarget {
    fn new(objects: Option<&JsonObjects>, global: Option<&str>) -> CaseTarget {
        CaseTarget {
            objects: objects.cloned().unwrap_or_default(),
            global: global.map(str::to_string),
        }
    }

    fn target(&self) -> Result<Target<'_>, String> {
        target(self.objects.to_objects(), self.global.as_deref()).map_err(|p| p.with_help())
    }

    /// `config=c1 playbook=mc/x` or `global=catalog`.
    fn describe(&self) -> String {
        let mut parts: Vec<String> = self
            .objects
            .iter()
            .map(|(c, x)| match x {
                JsonObject::Key(k) => format!("{}={k}", c.name()),
                JsonObject::Attributes(a) => format!(
                    "{}={{{}}}",
                    c.name(),
                    serde_json::to_string(a).unwrap_or_default()
                ),
            })
            .collect();
        if let Some(g) = &self.global {
            parts.push(format!("global={g}"));
        }
        parts.join(" ")
    }

    /// Ids for the reverse query; `None` when an object is unknown to the catalog.
    fn ids(&self, tables: &Tables) -> Result<Option<IdTarget>, String> {
        if let Some(g) = &self.global {
            return tables
                .global(g)
                .map(|g| Some(IdTarget::Global(g)))
                .map_err(|e| e.to_string());
        }
        let mut ids: Option<ObjectIds> = None;
        for (c, x) in self.objects.iter() {
            let key = match x {
                JsonObject::Key(k) => k.as_str(),
                JsonObject::Attributes(a) => match a.id.as_deref() {
                    Some(id) if tables.object(c, id).is_ok() => id,
                    _ => return Ok(None),
                },
            };
            let id = tables.object(c, key).map_err(|e| e.to_string())?;
            ids = Some(match ids {
                None => ObjectIds::one(id),
                Some(ids) => ids.and(id).map_err(|e| e.to_string())?,
            });
        }
        Ok(Some(ids.map_or(IdTarget::Unscoped, IdTarget::Objects)))
    }
}

/// Passed when the sets are equal, else what is missing and what is extra.
fn same_set(expected: &BTreeSet<String>, got: &BTreeSet<String>) -> Verdict {
    same_set_noted(expected, got, &BTreeMap::new())
}

/// [`same_set`] where some of `got` carry a note (a subject allowed only together with a
/// second object: the condition), shown beside them when they were not expected.
fn same_set_noted(
    expected: &BTreeSet<String>,
    got: &BTreeSet<String>,
    notes: &BTreeMap<String, String>,
) -> Verdict {
    if expected == got {
        return Verdict::Passed;
    }
    let join = |set: &mut dyn Iterator<Item = &String>| {
        set.map(String::as_str).collect::<Vec<_>>().join(", ")
    };
    let missing = join(&mut expected.difference(got));
    let extra = got
        .difference(expected)
        .map(|name| match notes.get(name) {
            Some(note) => format!("{name} ({note})"),
            None => name.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ");
    Verdict::Failed {
        expected: format!("[{}]", join(&mut expected.iter())),
        got: format!("[{}]", join(&mut got.iter())),
        explanation: [
            (!missing.is_empty()).then(|| format!("not allowed: {missing}")),
            (!extra.is_empty()).then(|| format!("also allowed: {extra}")),
        ]
        .into_iter()
        .flatten()
        .collect(),
    }
}

/// Why a `list` case without `with` cannot be answered: the subject's grants name
/// `category` together with `paired`, so the objects allowed depend on the second one.
fn needs_with(subject: &str, action: &str, category: Category, paired: &[Category]) -> String {
    let names: Vec<String> = paired.iter().map(|c| format!("a {c}")).collect();
    let example = paired.first().map_or("config", |c| c.name());
    format!(
        "`{subject}` is granted `{action}` on {} together with {} (a two-object grant), so a list of {} alone leaves those out; add `with: {{{example}: ...}}` to list the {} allowed together with one",
        category.plural(),
        names.join(" or "),
        category.plural(),
        category.plural(),
    )
}

fn word(e: Expectation) -> &'static str {
    match e {
        Expectation::Allow => "allow",
        Expectation::Deny => "deny",
    }
}

impl Asker<'_> {
    fn case(&mut self, case: &TestCase) -> (String, Verdict) {
        let asked = [
            case.check.is_some(),
            case.who_can.is_some(),
            case.list.is_some(),
            case.resolve.is_some(),
        ];
        if asked.iter().filter(|a| **a).count() != 1 {
            return (
                String::new(),
                Verdict::Error("a case holds exactly one of check, whoCan, list, resolve".into()),
            );
        }
        if let Some(c) = &case.check {
            self.check(c)
        } else if let Some(c) = &case.who_can {
            self.who_can(c)
        } else if let Some(c) = &case.list {
            self.list(c)
        } else if let Some(c) = &case.resolve {
            self.resolve(c)
        } else {
            (String::new(), Verdict::Error("an empty case".into()))
        }
    }

    /// Records the permissions that decided `response`.
    fn saw(&mut self, response: &Response) {
        if let Some(e) = response.explanation() {
            self.exercised
                .extend(e.deciding.iter().map(|p| p.permission.clone()));
        }
    }

    fn explain(
        &mut self,
        subject: &str,
        action: &str,
        target: Target<'_>,
    ) -> Result<Response, String> {
        let response = self
            .tables
            .explain(&Request::new(subject, action, target))
            .map_err(|e| e.to_string())?;
        self.saw(&response);
        Ok(response)
    }

    fn check(&mut self, c: &CheckCase) -> (String, Verdict) {
        let target = CaseTarget::new(
            c.objects.as_ref(),
            c.global.as_ref().map(|g| g.value.as_str()),
        );
        let request = format!(
            "check {} {} {}",
            c.subject.value,
            c.action.value,
            target.describe()
        )
        .trim_end()
        .to_string();
        let response = match target
            .target()
            .and_then(|t| self.explain(&c.subject.value, &c.action.value, t))
        {
            Ok(r) => r,
            Err(e) => return (request, Verdict::Error(e)),
        };
        let got = if response.is_allowed() {
            "allow"
        } else {
            "deny"
        };
        let mut expected = word(c.expect).to_string();
        let mut holds = got == expected;
        if let Some(by) = &c.decided_by {
            expected = format!("{expected} decided by {}", by.value);
            let wanted = match c.expect {
                Expectation::Allow => Effect::Allow,
                Expectation::Deny => Effect::Deny,
            };
            holds &= response.explanation().is_some_and(|e| {
                e.deciding
                    .iter()
                    .any(|p| p.permission == by.value && p.effect == wanted)
            });
        }
        let verdict = if holds {
            Verdict::Passed
        } else {
            let deciders: Vec<String> = response
                .explanation()
                .map(|e| e.deciding.iter().map(|p| p.permission.clone()).collect())
                .unwrap_or_default();
            Verdict::Failed {
                expected,
                got: if deciders.is_empty() {
                    format!("{got} ({})", response.reason().code())
                } else {
                    format!(
                        "{got} ({}; decided by {})",
                        response.reason().code(),
                        deciders.join(", ")
                    )
                },
                explanation: response_text(&response),
            }
        };
        (request, verdict)
    }

    /// The principals allowed, by the reverse query where every object is known, else
    /// decided one by one.
    fn allowed_principals(
        &mut self,
        action: &str,
        target: &CaseTarget,
    ) -> Result<BTreeSet<String>, String> {
        let tables = self.tables;
        let action_id = tables.action(action).map_err(|e| e.to_string())?;
        let allowed: Vec<rampart_runtime::PrincipalId> = match target.ids(tables)? {
            Some(ids) => tables.who_can(action_id, &ids).map_err(|e| e.to_string())?,
            None => {
                let mut out = Vec::new();
                for p in tables.principals() {
                    let name = tables.principal_name(p).unwrap_or_default();
                    let t = target.target()?;
                    if tables
                        .is_authorized(&Request::new(&name, action, t))
                        .map_err(|e| e.to_string())?
                        .is_allowed()
                    {
                        out.push(p);
                    }
                }
                out
            }
        };
        let names: BTreeSet<String> = allowed
            .into_iter()
            .filter_map(|p| tables.principal_name(p))
            .collect();
        for name in &names {
            self.explain(name, action, target.target()?)?;
        }
        Ok(names)
    }

    fn who_can(&mut self, c: &WhoCanCase) -> (String, Verdict) {
        let target = CaseTarget::new(
            c.objects.as_ref(),
            c.global.as_ref().map(|g| g.value.as_str()),
        );
        let request = format!("whoCan {} {}", c.action.value, target.describe());
        let tables = self.tables;
        // Expected subjects may be written by email, id or unique name: compare the names
        // the tables know them by.
        let expected: Result<BTreeSet<String>, String> = c
            .expect
            .iter()
            .map(|s| {
                tables
                    .principal(&s.value)
                    .map(|p| tables.principal_name(p).unwrap_or_default())
                    .map_err(|e| e.to_string())
            })
            .collect();
        let outcome = expected.and_then(|expected| {
            let mut got = self.allowed_principals(&c.action.value, &target)?;
            let conditional = self.conditional_principals(&c.action.value, &target)?;
            got.extend(conditional.keys().cloned());
            Ok((expected, got, conditional))
        });
        let verdict = outcome.map_or_else(Verdict::Error, |(expected, got, conditional)| {
            same_set_noted(&expected, &got, &conditional)
        });
        (request.trim_end().to_string(), verdict)
    }

    /// Asked about one known object, the principals allowed only together with an object
    /// of another category (two-object grants, as `rampart who-can` lists them), each
    /// with its condition: a `whoCan` case compares them as it compares the others, so
    /// that a subject such a grant allows is never silently left out.
    fn conditional_principals(
        &mut self,
        action: &str,
        target: &CaseTarget,
    ) -> Result<BTreeMap<String, String>, String> {
        let tables = self.tables;
        let action_id = tables.action(action).map_err(|e| e.to_string())?;
        let Some(IdTarget::Objects(objects)) = target.ids(tables)? else {
            return Ok(BTreeMap::new());
        };
        let [object] = objects.iter().collect::<Vec<_>>()[..] else {
            return Ok(BTreeMap::new());
        };
        let mut conditional = BTreeMap::new();
        for c in tables
            .who_can_together(action_id, object)
            .map_err(|e| e.to_string())?
        {
            if let Some(name) = tables.principal_name(c.principal) {
                conditional
                    .entry(name)
                    .or_insert_with(|| format!("only together with {}", c.condition_text()));
            }
        }
        Ok(conditional)
    }

    fn list(&mut self, c: &ListCase) -> (String, Verdict) {
        let tables = self.tables;
        let mut request = format!(
            "list {} {} {}",
            c.subject.value, c.action.value, c.category.value
        );
        for (k, v) in c.with.iter().flatten() {
            request.push_str(&format!(" {k}={v}"));
        }
        let outcome = (|| -> Result<(BTreeSet<String>, BTreeSet<String>), String> {
            let category = Category::from_name(&c.category.value).ok_or_else(|| {
                format!(
                    "`{}` is not a category: playbooks, configs, components or connections",
                    c.category.value
                )
            })?;
            let principal = tables
                .principal(&c.subject.value)
                .map_err(|e| e.to_string())?;
            let action = tables.action(&c.action.value).map_err(|e| e.to_string())?;
            let listing = match c
                .with
                .as_ref()
                .map(|m| m.iter().collect::<Vec<_>>())
                .as_deref()
            {
                None | Some([]) => {
                    let paired = tables
                        .paired_categories(principal, action, category)
                        .map_err(|e| e.to_string())?;
                    if !paired.is_empty() {
                        return Err(needs_with(
                            &c.subject.value,
                            &c.action.value,
                            category,
                            &paired,
                        ));
                    }
                    tables.list(principal, action, category)
                }
                Some([(k, v)]) => {
                    let mut problems = Problems::new();
                    let with_category =
                        request_model::category(k, At::ROOT.member("with"), &mut problems);
                    let with_category = problems
                        .into_result(with_category)
                        .map_err(|p| p.with_help())?;
                    let with = tables.object(with_category, v).map_err(|e| e.to_string())?;
                    tables.list_with(principal, action, category, with)
                }
                Some(_) => return Err("`with` names at most one object".into()),
            }
            .map_err(|e| e.to_string())?;
            let mut expected = BTreeSet::new();
            for key in &c.expect {
                let id = tables
                    .object(category, &key.value)
                    .map_err(|e| e.to_string())?;
                expected.insert(tables.object_key(id).unwrap_or_default().to_string());
            }
            let got: BTreeSet<String> = listing
                .iter()
                .filter_map(|o| tables.object_key(o).map(str::to_string))
                .collect();
            let subject = c.subject.value.clone();
            for key in &got {
                let mut objects = Objects::new().with(category, ObjectRef::Key(key));
                if let Some((k, v)) = c.with.iter().flatten().next() {
                    if let Some(wc) = Category::from_name(k) {
                        objects = objects.with(wc, ObjectRef::Key(v));
                    }
                }
                self.explain(&subject, &c.action.value, Target::Objects(objects))?;
            }
            Ok((expected, got))
        })();
        let verdict =
            outcome.map_or_else(Verdict::Error, |(expected, got)| same_set(&expected, &got));
        (request, verdict)
    }

    /// A reference resolves when the subject may read the connection; without secrets
    /// the assertion is about authorization only (a value missing from no secret store
    /// does not count against it).
    fn resolve(&mut self, c: &ResolveCase) -> (String, Verdict) {
        let request = format!("resolve {} {}", c.subject.value, c.reference.value);
        let empty = MemorySource::new();
        let secrets: &dyn SecretSource = self.secrets.unwrap_or(&empty);
        let namespace = c.namespace.as_deref().unwrap_or(self.namespace);
        // The runtime refuses an unknown subject as it refuses an unauthorized one (so as
        // not to tell a caller who exists); a suite must not pass a `deny` on a typo.
        if let Err(e) = self.tables.principal(&c.subject.value) {
            return (request, Verdict::Error(e.to_string()));
        }
        // Likewise an unknown connection, in every form a reference takes (two-part in
        // the case's namespace, legacy, three-part, a bare id) and a malformed one.
        if let Err(e) = self
            .tables
            .connection_reference(&c.reference.value, namespace)
        {
            return (request, Verdict::Error(e.to_string()));
        }
        let got = match self.tables.resolve_connection(
            &c.reference.value,
            &c.subject.value,
            namespace,
            secrets,
        ) {
            Ok(_) => Ok(Expectation::Allow),
            Err(e) => match e.kind() {
                ResolveErrorKind::Denied => Ok(Expectation::Deny),
                ResolveErrorKind::InvalidReference => Err(e.to_string()),
                _ if self.secrets.is_none() => Ok(Expectation::Allow),
                _ => Err(e.to_string()),
            },
        };
        let verdict = match got {
            Err(e) => Verdict::Error(e),
            Ok(got) if got == c.expect => Verdict::Passed,
            Ok(got) => Verdict::Failed {
                expected: word(c.expect).into(),
                got: word(got).into(),
                explanation: Vec::new(),
            },
        };
        (request, verdict)
    }
}
