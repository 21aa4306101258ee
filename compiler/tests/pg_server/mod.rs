//! A throwaway PostgreSQL server for tests, and running a SQL filter against it.
//!
//! `RAMPART_TEST_POSTGRES` names a running server (`.ci/run` starts one); without it the
//! test starts its own with `scripts/postgres` and stops it when done. A test that cannot
//! get a server fails: it never skips silently.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use postgres::types::ToSql;
use postgres::{Client, NoTls};
use rampart_runtime::sql::{SqlFilter, SqlParam};

/// A server for the length of a test.
pub struct Server {
    dir: Option<tempfile::TempDir>,
    url: String,
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("scripts")
        .join("postgres")
}

impl Server {
    /// The server named by `RAMPART_TEST_POSTGRES`, or a new one.
    pub fn start() -> Server {
        if let Ok(url) = std::env::var("RAMPART_TEST_POSTGRES") {
            return Server { dir: None, url };
        }
        let dir = tempfile::tempdir().expect("temporary directory");
        let out = Command::new("bash")
            .arg(script())
            .arg("start")
            .arg(dir.path())
            .output()
            .expect("run scripts/postgres");
        assert!(
            out.status.success(),
            "no PostgreSQL server for the filter tests (set RAMPART_TEST_POSTGRES or install Debian's postgresql package):\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let url = String::from_utf8_lossy(&out.stdout).trim().to_string();
        Server {
            dir: Some(dir),
            url,
        }
    }

    /// The server's connection URL.
    #[allow(dead_code)]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A client in a fresh schema of its own, so tests sharing a server do not meet.
    #[allow(dead_code)]
    pub fn client(&self, schema: &str) -> Client {
        let mut client = Client::connect(&self.url, NoTls).expect("connect to PostgreSQL");
        client
            .batch_execute(&format!(
                "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}; SET search_path TO {schema};"
            ))
            .expect("schema");
        client
    }
}

impl Server {
    /// A client of database `name` (created afresh with `options`, such as `LOCALE_PROVIDER
    /// icu ICU_LOCALE 'und' TEMPLATE template0`), in a fresh schema. Test names make the
    /// database names, so tests sharing a server do not meet.
    #[allow(dead_code)]
    pub fn database_client(&self, name: &str, options: &str, schema: &str) -> Client {
        let mut admin = Client::connect(&self.url, NoTls).expect("connect to PostgreSQL");
        // One statement per call: a multi-statement string runs as one transaction, and
        // neither statement may run inside one.
        for statement in [
            format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            format!("CREATE DATABASE {name} {options}"),
        ] {
            admin
                .batch_execute(&statement)
                .unwrap_or_else(|e| panic!("{statement}: {e:?}"));
        }
        let (base, query) = match self.url.split_once('?') {
            Some((base, query)) => (base, format!("?{query}")),
            None => (self.url.as_str(), String::new()),
        };
        let server = match base.rsplit_once('/') {
            Some((server, _)) if server.contains("//") && !server.ends_with('/') => server,
            _ => base,
        };
        let url = format!("{server}/{name}{query}");
        let mut client = Client::connect(&url, NoTls).expect("connect to the new database");
        client
            .batch_execute(&format!(
                "CREATE SCHEMA {schema}; SET search_path TO {schema};"
            ))
            .expect("schema");
        client
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let _ = Command::new("bash")
                .arg(script())
                .arg("stop")
                .arg(dir.path())
                .status();
        }
    }
}

/// Creates `table` with the workload layout (`id text primary key, name, namespace,
/// type, tags jsonb`) and loads `objects` into it with `COPY`. (Used by the workload's
/// test and bench, which include this module; the compiler's own tests lay tables out
/// as Mission Control does.)
#[allow(dead_code)]
pub fn create_and_copy<'o>(
    client: &mut Client,
    table: &str,
    objects: impl IntoIterator<Item = &'o rampart_runtime::ObjectAttributes>,
) {
    client
        .batch_execute(&format!(
            "CREATE TABLE {table} (id text PRIMARY KEY, name text, namespace text, type text, tags jsonb)"
        ))
        .expect("table");
    let field = |v: &Option<String>| {
        v.as_ref()
            .map(|v| format!("\"{}\"", v.replace('"', "\"\"")))
            .unwrap_or_default()
    };
    let mut text = String::new();
    for o in objects {
        let tags = serde_json::to_string(&o.tags)
            .expect("tags")
            .replace('"', "\"\"");
        text.push_str(&format!(
            "{},{},{},{},\"{tags}\"\n",
            field(&o.id),
            field(&o.name),
            field(&o.namespace),
            field(&o.object_type)
        ));
    }
    let mut copy = client
        .copy_in(
            format!("COPY {table} (id, name, namespace, type, tags) FROM STDIN WITH (FORMAT csv)")
                .as_str(),
        )
        .expect("copy");
    std::io::Write::write_all(&mut copy, text.as_bytes()).expect("copy rows");
    copy.finish().expect("copy done");
}

/// The filter's parameters as values to bind.
pub fn bound(filter: &SqlFilter) -> Vec<Box<dyn ToSql + Sync>> {
    filter
        .params()
        .iter()
        .map(|p| -> Box<dyn ToSql + Sync> {
            match p {
                SqlParam::Text(t) => Box::new(t.clone()),
                SqlParam::TextArray(items) => Box::new(items.clone()),
            }
        })
        .collect()
}

/// The ids of the rows of `table` the filter admits.
pub fn select_ids(client: &mut Client, table: &str, filter: &SqlFilter) -> BTreeSet<String> {
    let params = bound(filter);
    let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p.as_ref()).collect();
    let query = format!("SELECT id::text FROM {table} WHERE {}", filter.sql());
    client
        .query(query.as_str(), &refs)
        .unwrap_or_else(|e| panic!("{query}\n{e:?}"))
        .iter()
        .map(|row| row.get::<_, String>(0))
        .collect()
}

/// What `check` allows of one category, one object per request: the known objects asked
/// by `(key, id)`, the rows the compiled catalog never saw by their attributes. Returns
/// the ids of each.
pub fn allowed_by_check(
    tables: &rampart_runtime::Tables,
    subject: &str,
    action: &str,
    category: rampart_runtime::Category,
    known: &[(String, String)],
    fresh: &[rampart_runtime::ObjectAttributes],
) -> (BTreeSet<String>, BTreeSet<String>) {
    use rampart_runtime::{ObjectRef, Objects, Request, Target};
    let decide = |o: ObjectRef<'_>| {
        tables
            .is_authorized(&Request::new(
                subject,
                action,
                Target::Objects(Objects::new().with(category, o)),
            ))
            .expect("check")
            .is_allowed()
    };
    let known_allowed = known
        .iter()
        .filter(|(key, _)| decide(ObjectRef::Key(key)))
        .map(|(_, id)| id.clone())
        .collect();
    // A row may be padded (the SQL filters `btrim` ids and agents); a request may not
    // (a padded described value is refused), so `check` is asked with what a service
    // reads from the row once trimmed.
    let fresh_allowed = fresh
        .iter()
        .filter(|o| {
            let mut request = (*o).clone();
            request.id = o.id.as_deref().map(|v| v.trim().to_string());
            request.agent = o.agent.as_deref().map(|v| v.trim().to_string());
            decide(ObjectRef::Attributes(&request))
        })
        .filter_map(|o| o.id.clone())
        .collect();
    (known_allowed, fresh_allowed)
}

/// The catalog ids of the known objects `list` returns.
pub fn listed_ids(
    tables: &rampart_runtime::Tables,
    principal: rampart_runtime::PrincipalId,
    action: rampart_runtime::ActionId,
    category: rampart_runtime::Category,
) -> BTreeSet<String> {
    tables
        .list(principal, action, category)
        .expect("list")
        .iter()
        .filter_map(|o| tables.object_id(o).map(str::to_string))
        .collect()
}

/// A Permission document with `spec` (its object, perhaps `agents`/`tags`), made to allow
/// or deny (`effect`) `read` to `user{i}@example.com`.
#[allow(dead_code)]
pub fn read_permission(i: usize, effect: &str, spec: &serde_json::Value) -> String {
    let mut spec = spec.clone();
    spec["subject"] = serde_json::json!({"person": format!("user{i}@example.com")});
    spec["actions"] = serde_json::json!(["read"]);
    spec["deny"] = serde_json::json!(effect == "deny");
    // A generated deny may select nothing the generated catalog holds; it says so.
    let annotations = if effect == "deny" {
        ", annotations: {rampart.flanksource.com/allow-empty-selectors: \"true\"}"
    } else {
        ""
    };
    format!(
        "---\napiVersion: mission-control.flanksource.com/v1\nkind: Permission\nmetadata: {{name: {effect}-{i}, namespace: default{annotations}}}\nspec: {spec}\n"
    )
}

/// Compiles `policy` over the JSON `catalog` (both written to `dir`) and loads the
/// tables through the file format; a compile error fails the test with its diagnostics.
#[allow(dead_code)]
pub fn compile_json(
    dir: &std::path::Path,
    catalog: &serde_json::Value,
    policy: &str,
) -> rampart_runtime::Tables {
    std::fs::write(dir.join("catalog.json"), catalog.to_string()).expect("write");
    std::fs::write(dir.join("policy.yaml"), policy).expect("write");
    let compiled = rampart_compiler::compile::compile(
        &[dir.join("policy.yaml")],
        Some(&dir.join("catalog.json")),
        &|_| {},
    )
    .unwrap_or_else(|d| {
        let text: Vec<String> = d.iter().map(|d| d.to_string()).collect();
        panic!("{}\n{policy}", text.join("\n"))
    });
    let bytes = rampart_compiler::emit::encode(&compiled.data, None).expect("encode");
    rampart_runtime::Tables::from_bytes(&bytes).expect("load")
}
