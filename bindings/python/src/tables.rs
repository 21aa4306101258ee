//! `Tables`: loaded, validated, immutable decision tables, and every call on them.
//! Loading and batches run without the GIL; single checks keep it (releasing it would
//! cost more than the check).

use std::path::PathBuf;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString};
use rampart_bindings::codes::BindingError;
use rampart_bindings::parts::{self, check_json, NamedTarget};
use rampart_bindings::queries::{self, FilterOptions, ResolveOptions};
use rampart_runtime::{PublicKey, Request};
use serde_json::{json, Map, Value};

use crate::convert::{request_text, to_json, to_py};
use crate::errors::IntoPy;
use crate::response::Response;
use crate::who_can::WhoCan;

/// Decision tables. Immutable: any number of threads may use one at once.
#[pyclass(frozen, module = "rampart")]
pub struct Tables {
    tables: rampart_runtime::Tables,
}

/// The key to verify with: the text `rampart keygen` writes, as `str` or `bytes`.
fn public_key(key: Option<&Bound<'_, PyAny>>) -> Result<Option<PublicKey>, BindingError> {
    let Some(key) = key.filter(|k| !k.is_none()) else {
        return Ok(None);
    };
    let text = if let Ok(s) = key.cast::<PyString>() {
        s.to_str().map(str::to_string).ok()
    } else if let Ok(b) = key.cast::<PyBytes>() {
        std::str::from_utf8(b.as_bytes()).map(str::to_string).ok()
    } else {
        None
    };
    let text = text.ok_or_else(|| {
        BindingError::invalid_argument(
            "the public key is the text `rampart keygen` writes (32 bytes in base64), as str or bytes",
        )
    })?;
    Ok(Some(PublicKey::parse(&text)?))
}

/// Loads a table file (verified with `public_key` when given: a file not signed by its
/// private half is refused).
#[pyfunction]
#[pyo3(signature = (path, public_key=None))]
pub fn load(
    py: Python<'_>,
    path: PathBuf,
    public_key: Option<&Bound<'_, PyAny>>,
) -> PyResult<Tables> {
    let key = self::public_key(public_key).py_err(py)?;
    let tables = py
        .detach(|| match &key {
            Some(key) => rampart_runtime::Tables::load_verified(&path, key),
            None => rampart_runtime::Tables::load(&path),
        })
        .py_err(py)?;
    Ok(Tables { tables })
}

/// Loads a table file's bytes (verified with `public_key` when given).
#[pyfunction]
#[pyo3(signature = (data, public_key=None))]
pub fn load_bytes(
    py: Python<'_>,
    data: &[u8],
    public_key: Option<&Bound<'_, PyAny>>,
) -> PyResult<Tables> {
    let key = self::public_key(public_key).py_err(py)?;
    let tables = py
        .detach(|| match &key {
            Some(key) => rampart_runtime::Tables::from_bytes_verified(data, key),
            None => rampart_runtime::Tables::from_bytes(data),
        })
        .py_err(py)?;
    Ok(Tables { tables })
}

/// The objects of a call's keyword arguments: keys (`str`) or attributes (`dict`).
struct Objects<'a, 'py> {
    slots: [Option<&'a Bound<'py, PyAny>>; 4],
    global: Option<&'a Bound<'py, PyAny>>,
}

impl<'a, 'py> Objects<'a, 'py> {
    /// Every object is a key (or absent): the request can go by names.
    fn named(&self) -> Result<Option<NamedTarget<'a>>, BindingError> {
        let key =
            |o: Option<&'a Bound<'py, PyAny>>| -> Result<Option<Option<&'a str>>, BindingError> {
                match o.filter(|o| !o.is_none()) {
                    None => Ok(Some(None)),
                    Some(o) => match o.cast::<PyString>() {
                        Ok(s) => s.to_str().map(|s| Some(Some(s))).map_err(|_| {
                            BindingError::malformed("a string that is not valid Unicode")
                        }),
                        Err(_) => Ok(None),
                    },
                }
            };
        let mut target = NamedTarget::default();
        for (slot, object) in target.objects.iter_mut().zip(self.slots) {
            match key(object)? {
                Some(k) => *slot = k,
                None => return Ok(None),
            }
        }
        match key(self.global)? {
            Some(g) => target.global = g,
            None => return Ok(None),
        }
        Ok(Some(target))
    }

    /// The request in the runtime's JSON model (for objects given by attributes).
    fn json(&self, subject: &str, action: &str) -> Result<String, BindingError> {
        let mut request = Map::new();
        request.insert("subject".into(), json!(subject));
        request.insert("action".into(), json!(action));
        let mut objects = Map::new();
        for (c, o) in rampart_runtime::Category::ALL.into_iter().zip(self.slots) {
            if let Some(o) = o.filter(|o| !o.is_none()) {
                objects.insert(c.name().into(), to_json(o, 1)?);
            }
        }
        if !objects.is_empty() {
            request.insert("objects".into(), Value::Object(objects));
        }
        if let Some(g) = self.global.filter(|g| !g.is_none()) {
            request.insert("global".into(), to_json(g, 1)?);
        }
        Ok(Value::Object(request).to_string())
    }
}

/// The object keywords of a call, by slot (`playbook`, `config`, `component`,
/// `connection`, `global_`), from `**objects`: a keyword outside `allowed` is a
/// `TypeError`, as Python's own; an explicit `None` is an `ArgumentError` (an object that
/// is `None` by accident must not drop out of the request).
fn keywords<'py>(
    py: Python<'py>,
    function: &str,
    objects: Option<&Bound<'py, PyDict>>,
    allowed: &[&str],
) -> PyResult<[Option<Bound<'py, PyAny>>; 5]> {
    const SLOTS: [&str; 5] = ["playbook", "config", "component", "connection", "global_"];
    let mut out: [Option<Bound<'py, PyAny>>; 5] = Default::default();
    let Some(objects) = objects else {
        return Ok(out);
    };
    for (key, value) in objects.iter() {
        let key: String = key.extract()?;
        let slot = SLOTS
            .iter()
            .position(|s| *s == key)
            .filter(|_| allowed.contains(&key.as_str()))
            .ok_or_else(|| {
                PyTypeError::new_err(format!(
                    "{function}() got an unexpected keyword argument '{key}'"
                ))
            })?;
        if value.is_none() {
            let what = if key == "global_" {
                "global object"
            } else {
                key.as_str()
            };
            return Err(crate::errors::to_py(
                py,
                &BindingError::invalid_argument(format!(
                    "`{key}` is None\nhelp: leave the keyword out for a request without a {what}"
                )),
            ));
        }
        if let Some(s) = out.get_mut(slot) {
            *s = Some(value);
        }
    }
    Ok(out)
}

/// Every object keyword.
const ALL_OBJECTS: [&str; 5] = ["playbook", "config", "component", "connection", "global_"];

/// A keyword's key (`str`), for the calls that take keys only.
fn key<'a>(py: Python<'_>, value: &'a Option<Bound<'_, PyAny>>) -> PyResult<Option<&'a str>> {
    value
        .as_ref()
        .map(|v| {
            v.cast::<PyString>()
                .map_err(|_| {
                    crate::errors::to_py(
                        py,
                        &BindingError::invalid_argument("objects here are keys (str)"),
                    )
                })
                .and_then(|s| s.to_str())
        })
        .transpose()
}

impl Tables {
    /// A SQL filter, alone or paired with the object `with` names.
    fn filter<'py>(
        &self,
        py: Python<'py>,
        subject: &str,
        action: &str,
        category: &str,
        with: &NamedTarget<'_>,
        options: &FilterOptions<'_>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let category = parts::category(category).py_err(py)?;
        let answer = queries::sql_filter(&self.tables, subject, action, category, with, options)
            .py_err(py)?;
        to_py(py, &answer)
    }

    /// Decides by `**objects`.
    fn decide_keywords(
        &self,
        py: Python<'_>,
        function: &str,
        subject: &str,
        action: &str,
        objects: Option<&Bound<'_, PyDict>>,
        explain: bool,
    ) -> PyResult<Response> {
        let [playbook, config, component, connection, global] =
            keywords(py, function, objects, &ALL_OBJECTS)?;
        let objects = Objects {
            slots: [
                playbook.as_ref(),
                config.as_ref(),
                component.as_ref(),
                connection.as_ref(),
            ],
            global: global.as_ref(),
        };
        self.decide(py, subject, action, objects, explain)
    }

    /// Decides by keyword arguments: by names when every object is a key, else through
    /// the JSON model.
    fn decide(
        &self,
        py: Python<'_>,
        subject: &str,
        action: &str,
        objects: Objects<'_, '_>,
        explain: bool,
    ) -> PyResult<Response> {
        if !explain {
            if let Some(target) = objects.named().py_err(py)? {
                let target = target.target().py_err(py)?;
                let response = self
                    .tables
                    .is_authorized(&Request::new(subject, action, target))
                    .py_err(py)?;
                return Ok(Response::of(&response));
            }
        }
        let text = objects.json(subject, action).py_err(py)?;
        let answer = check_json(&self.tables, &text, explain).py_err(py)?;
        Response::from_json(py, &answer)
    }
}

#[pymethods]
impl Tables {
    /// The revision: the payload checksum in hex (equal revisions, equal tables).
    #[getter]
    fn revision(&self) -> &str {
        self.tables.revision()
    }

    /// The compiler version recorded in the file.
    #[getter]
    fn compiler_version(&self) -> &str {
        self.tables.compiler_version()
    }

    /// Whether the file carried a signature.
    #[getter]
    fn signed(&self) -> bool {
        self.tables.is_signed()
    }

    fn __repr__(&self) -> String {
        format!("<rampart.Tables revision={}>", self.tables.revision())
    }

    /// Decides a request by names. Objects are keys (`str`) or, for objects the catalog
    /// does not know, attributes (`dict`); `global_` is a global object instead of
    /// objects; neither is a request about nothing. A name that does not resolve raises
    /// `RequestError`, never a denial.
    #[pyo3(signature = (subject, action, **objects))]
    fn is_authorized(
        &self,
        py: Python<'_>,
        subject: &str,
        action: &str,
        objects: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Response> {
        self.decide_keywords(py, "is_authorized", subject, action, objects, false)
    }

    /// `is_authorized` with the explanation: the deciding permissions, and for a denial
    /// without any matching allow rule the nearest candidates and the clause that failed.
    #[pyo3(signature = (subject, action, **objects))]
    fn explain(
        &self,
        py: Python<'_>,
        subject: &str,
        action: &str,
        objects: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Response> {
        self.decide_keywords(py, "explain", subject, action, objects, true)
    }

    /// Decides one request in the JSON model of `rampart check --batch` (a dict, or its
    /// JSON text): `{subject, action, objects: {...}}`, `{subject, action, global}` or
    /// `{subject, action}`. Unknown members raise `RequestError` (`malformed_request`).
    #[pyo3(signature = (request, *, explain=false))]
    fn check(
        &self,
        py: Python<'_>,
        request: &Bound<'_, PyAny>,
        explain: bool,
    ) -> PyResult<Response> {
        let text = request_text(request).py_err(py)?;
        let answer = check_json(&self.tables, &text, explain).py_err(py)?;
        Response::from_json(py, &answer)
    }

    /// Decides many requests of the JSON model without holding the GIL. All or nothing:
    /// the first request that cannot be decided raises its `RequestError`, with `index`
    /// set to its position.
    #[pyo3(signature = (requests, *, explain=false))]
    fn check_batch(
        &self,
        py: Python<'_>,
        requests: &Bound<'_, PyAny>,
        explain: bool,
    ) -> PyResult<Vec<Response>> {
        let mut texts = Vec::new();
        for (i, request) in requests.try_iter()?.enumerate() {
            let text = request_text(&request?).map_err(|e| with_index(py, &e, i))?;
            texts.push(text);
        }
        let tables = &self.tables;
        let answers: Vec<Result<Value, BindingError>> = py.detach(|| {
            texts
                .iter()
                .map(|t| check_json(tables, t, explain))
                .collect()
        });
        answers
            .iter()
            .enumerate()
            .map(|(i, a)| match a {
                Ok(v) => Response::from_json(py, v),
                Err(e) => Err(with_index(py, e, i)),
            })
            .collect()
    }

    /// A subject's id, for `check_ids` (ids belong to these tables; others refuse them).
    fn principal(&self, py: Python<'_>, subject: &str) -> PyResult<u64> {
        Ok(self.tables.principal(subject).py_err(py)?.to_bits())
    }

    /// An action's id.
    fn action(&self, py: Python<'_>, action: &str) -> PyResult<u64> {
        Ok(self.tables.action(action).py_err(py)?.to_bits())
    }

    /// An object's id (`category`: `playbook`, `config`, `component`, `connection`).
    fn object(&self, py: Python<'_>, category: &str, key: &str) -> PyResult<u64> {
        let category = parts::category(category).py_err(py)?;
        Ok(self.tables.object(category, key).py_err(py)?.to_bits())
    }

    /// A global object's id.
    fn global_object(&self, py: Python<'_>, name: &str) -> PyResult<u64> {
        Ok(self.tables.global(name).py_err(py)?.to_bits())
    }

    /// Decides by ids: object ids (at most one per category) or one global id; none is a
    /// request about nothing.
    #[pyo3(signature = (principal, action, *targets))]
    fn check_ids(
        &self,
        py: Python<'_>,
        principal: u64,
        action: u64,
        targets: Vec<u64>,
    ) -> PyResult<Response> {
        let response = parts::check_ids(&self.tables, principal, action, &targets).py_err(py)?;
        Ok(Response::of(&response))
    }

    /// Decides many requests by ids in one call, without holding the GIL while deciding:
    /// each request a sequence `(principal, action, *targets)` as `check_ids` takes them.
    /// All or nothing: the first request that cannot be decided raises its error, with
    /// `index` set to its position.
    fn check_ids_batch(
        &self,
        py: Python<'_>,
        requests: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<Response>> {
        let mut ids: Vec<u64> = Vec::new();
        let mut spans: Vec<(usize, usize)> = Vec::new();
        for (i, request) in requests.try_iter()?.enumerate() {
            let request: Vec<u64> = request?.extract().map_err(|_| {
                with_index(
                    py,
                    &BindingError::invalid_argument(
                        "a request by ids is a sequence of integers: (principal, action, *targets)",
                    )
                    .in_batch(i),
                    i,
                )
            })?;
            if request.len() < 2 {
                let e = BindingError::invalid_argument(format!(
                    "a request by ids is (principal, action, *targets); this one has {} integers",
                    request.len()
                ));
                return Err(with_index(py, &e.in_batch(i), i));
            }
            spans.push((ids.len(), request.len()));
            ids.extend_from_slice(&request);
        }
        let tables = &self.tables;
        let decided: Result<Vec<rampart_runtime::Response>, (usize, BindingError)> =
            py.detach(|| {
                spans
                    .iter()
                    .enumerate()
                    .map(|(i, &(at, n))| {
                        let request = ids.get(at..at + n).unwrap_or(&[]);
                        let (head, targets) = request.split_at(2.min(request.len()));
                        let (principal, action) = match head {
                            [p, a] => (*p, *a),
                            _ => (0, 0),
                        };
                        parts::check_ids(tables, principal, action, targets)
                            .map_err(|e| (i, e.in_batch(i)))
                    })
                    .collect()
            });
        match decided {
            Ok(responses) => Ok(responses.iter().map(Response::of).collect()),
            Err((i, e)) => Err(with_index(py, &e, i)),
        }
    }

    /// The known objects of `category` the subject may do the action on (with one object
    /// of another category as a keyword argument: those allowed together with it):
    /// `{subject, action, category, total, objects, next, unknown_objects}`.
    #[pyo3(signature = (subject, action, category, **objects))]
    fn list<'py>(
        &self,
        py: Python<'py>,
        subject: &str,
        action: &str,
        category: &str,
        objects: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let category = parts::category(category).py_err(py)?;
        let [playbook, config, component, connection, _] = keywords(
            py,
            "list",
            objects,
            &["playbook", "config", "component", "connection"],
        )?;
        let with = NamedTarget {
            objects: [
                key(py, &playbook)?,
                key(py, &config)?,
                key(py, &component)?,
                key(py, &connection)?,
            ],
            global: None,
        };
        let answer = queries::list(&self.tables, subject, action, category, &with).py_err(py)?;
        to_py(py, &answer)
    }

    /// Who may do the action on the target: a `WhoCan` with `subjects` (allowed as
    /// asked) and, on one object, `conditional` (allowed only together with an object of
    /// another category, with the condition it must meet).
    #[pyo3(signature = (action, **objects))]
    fn who_can(
        &self,
        py: Python<'_>,
        action: &str,
        objects: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<WhoCan> {
        let [playbook, config, component, connection, global] =
            keywords(py, "who_can", objects, &ALL_OBJECTS)?;
        let target = NamedTarget {
            objects: [
                key(py, &playbook)?,
                key(py, &config)?,
                key(py, &component)?,
                key(py, &connection)?,
            ],
            global: key(py, &global)?,
        };
        let answer = queries::who_can(&self.tables, action, &target).py_err(py)?;
        WhoCan::from_json(py, &answer)
    }

    /// A PostgreSQL `WHERE` predicate for the rows of `category` the subject may do the
    /// action on: `{subject, action, category, form, sql, params, first_param, note}`.
    /// Where the subject's grants name the category only together with another one (the
    /// filter alone would be `FALSE`), a `RequestError` names the object to pair with
    /// (`sql_filter_with`).
    #[pyo3(signature = (subject, action, category, *, columns=Vec::new(), id_type=None, first_param=None, ids=false))]
    #[allow(clippy::too_many_arguments)]
    fn sql_filter<'py>(
        &self,
        py: Python<'py>,
        subject: &str,
        action: &str,
        category: &str,
        columns: Vec<String>,
        id_type: Option<&str>,
        first_param: Option<usize>,
        ids: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let options = FilterOptions {
            columns: columns.iter().map(String::as_str).collect(),
            id_type,
            first_param,
            ids,
        };
        self.filter(
            py,
            subject,
            action,
            category,
            &NamedTarget::default(),
            &options,
        )
    }

    /// As `sql_filter`, for the rows of `category` the subject may do the action on
    /// together with one object of another category, given as a keyword argument ("the
    /// configs john may run this playbook on": `sql_filter_with("john@doe.com",
    /// "playbook:run", "configs", playbook="mc/echo-config")`). The answer also holds
    /// `with: {type, id}`.
    #[pyo3(signature = (subject, action, category, *, columns=Vec::new(), id_type=None, first_param=None, ids=false, **objects))]
    #[allow(clippy::too_many_arguments)]
    fn sql_filter_with<'py>(
        &self,
        py: Python<'py>,
        subject: &str,
        action: &str,
        category: &str,
        columns: Vec<String>,
        id_type: Option<&str>,
        first_param: Option<usize>,
        ids: bool,
        objects: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let [playbook, config, component, connection, _] = keywords(
            py,
            "sql_filter_with",
            objects,
            &["playbook", "config", "component", "connection"],
        )?;
        let with = NamedTarget {
            objects: [
                key(py, &playbook)?,
                key(py, &config)?,
                key(py, &component)?,
                key(py, &connection)?,
            ],
            global: None,
        };
        if with.keys().next().is_none() {
            return Err(crate::errors::to_py(
                py,
                &BindingError::invalid_argument(
                    "sql_filter_with() pairs the rows with one object: pass it as playbook=, config=, component= or connection=",
                ),
            ));
        }
        let options = FilterOptions {
            columns: columns.iter().map(String::as_str).collect(),
            id_type,
            first_param,
            ids,
        };
        self.filter(py, subject, action, category, &with, &options)
    }

    /// Resolves a `connection://` reference for a subject that may `read` it: `{reference,
    /// type, url, username, password, certificate, properties, insecure_tls}`, secrets
    /// masked unless `show_secrets`. `secrets` is a list of `{kind, namespace, name, key, value}`;
    /// `environment` also reads `RAMPART_SECRET_<NAMESPACE>__<NAME>__<KEY>` variables.
    #[pyo3(signature = (reference, subject, *, namespace=None, secrets=None, environment=false, show_secrets=false))]
    #[allow(clippy::too_many_arguments)]
    fn resolve_connection<'py>(
        &self,
        py: Python<'py>,
        reference: &str,
        subject: &str,
        namespace: Option<&str>,
        secrets: Option<&Bound<'py, PyAny>>,
        environment: bool,
        show_secrets: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let secrets = secrets
            .filter(|s| !s.is_none())
            .map(|s| {
                to_json(s, 0).map(|v| v.to_string()).map_err(|_| {
                    BindingError::invalid_argument(
                        "the secrets are not a list of {kind, namespace, name, key, value}",
                    )
                })
            })
            .transpose()
            .py_err(py)?;
        let options = ResolveOptions {
            namespace,
            secrets: secrets.as_deref(),
            environment,
            show_secrets,
        };
        let answer =
            queries::resolve_connection(&self.tables, reference, subject, &options).py_err(py)?;
        to_py(py, &answer)
    }
}

/// A batch's error with the position of the request that caused it.
fn with_index(py: Python<'_>, error: &BindingError, index: usize) -> PyErr {
    let err = crate::errors::to_py(py, error);
    let _ = err.value(py).setattr("index", index);
    err
}
