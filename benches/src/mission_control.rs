//! The synthetic workload as a Mission Control database: its world and its policies
//! written with `COPY` into a schema of the project's emulation of Mission Control's
//! tables (`mission-control/tests/data/schema.sql`), as Mission Control would hold them:
//! uuids for ids, memberships in `team_members`, a config's namespace in its tags,
//! permissions as the rows a Permission resource becomes (uuids for person and team
//! subjects, a single wildcard stored as the global object `catalog`), groups as
//! `permission_groups` rows, Scopes as `scopes` rows (their targets as upstream stores
//! them, a JSON list).
//!
//! [`DatabaseRequests`] asks the workload's requests with the database's ids, so the
//! workload's own evaluator decides them: `pull` -> `compile` and `compile --postgres`
//! are compared against it over generated worlds.

use std::fmt::Write as _;
use std::io::Write as _;

use postgres::Client;
use rampart_compiler::oracle::Oracle;
use rampart_runtime::json::request::{JsonObject, JsonRequest};
use rampart_runtime::Category;

use crate::workload::{
    GeneratedRequest, Selection, Subject, Workload, CONFIG_TYPES, CONNECTION_TYPES, ENVS,
    NAMESPACES, SCOPE_NAMESPACE,
};

/// The project's emulation of Mission Control's tables.
pub const SCHEMA_SQL: &str = include_str!("../../mission-control/tests/data/schema.sql");

/// Why writing failed.
pub type Failure = Box<dyn std::error::Error + Send + Sync>;

/// Kinds of ids, the first field of their uuids.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// `people.id`.
    Person = 1,
    /// `teams.id`.
    Team = 2,
    /// `playbooks.id`.
    Playbook = 3,
    /// `config_items.id`.
    Config = 4,
    /// `connections.id`.
    Connection = 5,
    /// `permission_groups.id`.
    Group = 6,
    /// `permissions.id`.
    Permission = 7,
    /// `scopes.id`.
    Scope = 8,
}

/// The uuid of the `index`-th object of a kind.
pub fn uuid(kind: Kind, index: usize) -> String {
    format!("{:08x}-0000-4000-8000-{index:012x}", kind as u32)
}

/// Drops and recreates `schema` with Mission Control's tables (and leaves the client's
/// `search_path` on it).
pub fn create_schema(client: &mut Client, schema: &str) -> Result<(), postgres::Error> {
    client.batch_execute(&format!(
        "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}; SET search_path TO {schema};"
    ))?;
    client.batch_execute(SCHEMA_SQL)
}

/// One CSV field (`None` is NULL).
fn field(out: &mut String, value: Option<&str>) {
    if let Some(v) = value {
        out.push('"');
        out.push_str(&v.replace('"', "\"\""));
        out.push('"');
    }
}

/// Copies rows into `table` (columns as listed) in CSV, streamed in chunks.
pub fn copy_rows<I, R>(
    client: &mut Client,
    table: &str,
    columns: &str,
    rows: I,
) -> Result<(), Failure>
where
    I: IntoIterator<Item = R>,
    R: AsRef<[Option<String>]>,
{
    let mut writer = client
        .copy_in(format!("COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)").as_str())?;
    let mut chunk = String::new();
    for row in rows {
        for (i, value) in row.as_ref().iter().enumerate() {
            if i > 0 {
                chunk.push(',');
            }
            field(&mut chunk, value.as_deref());
        }
        chunk.push('\n');
        if chunk.len() > 1 << 20 {
            writer.write_all(chunk.as_bytes())?;
            chunk.clear();
        }
    }
    writer.write_all(chunk.as_bytes())?;
    writer.finish()?;
    Ok(())
}

/// The `object_selector` (or global `object`) a workload selection is stored as.
pub fn stored_object(
    workload: &Workload,
    selection: &Selection,
) -> (Option<String>, Option<String>) {
    let selector = match selection {
        Selection::ConfigName(n) => format!(r#"{{"configs":[{{"name":"config-{n}"}}]}}"#),
        Selection::ConfigNamespace(ns) => format!(r#"{{"configs":[{{"namespace":"ns-{ns}"}}]}}"#),
        Selection::ConfigType(k) => {
            format!(r#"{{"configs":[{{"types":["{}"]}}]}}"#, CONFIG_TYPES[*k])
        }
        Selection::ConfigEnv(e) => {
            format!(r#"{{"configs":[{{"tagSelector":"env={}"}}]}}"#, ENVS[*e])
        }
        Selection::AllConfigs => return (Some("catalog".to_string()), None),
        Selection::PlaybookOnNamespace(pb, ns) => format!(
            r#"{{"playbooks":[{{"name":"playbook-{pb}","namespace":"ns-{}"}}],"configs":[{{"namespace":"ns-{ns}"}}]}}"#,
            workload.playbook_namespace[*pb]
        ),
        Selection::AnyPlaybookOnEnv(e) => format!(
            r#"{{"playbooks":[{{"name":"*"}}],"configs":[{{"tagSelector":"env={}"}}]}}"#,
            ENVS[*e]
        ),
        Selection::ConnectionType(k) => {
            format!(
                r#"{{"connections":[{{"type":"{}"}}]}}"#,
                CONNECTION_TYPES[*k]
            )
        }
        Selection::Scopes(list) => Workload::scope_references_json(list),
    };
    (None, Some(selector))
}

/// Writes the workload's world (and, with `policies`, its permissions and groups) into
/// the client's current schema, which [`create_schema`] made.
pub fn write_workload(
    client: &mut Client,
    workload: &Workload,
    policies: bool,
) -> Result<(), Failure> {
    let size = workload.size;
    copy_rows(
        client,
        "people",
        "id, name, email",
        (0..size.people).map(|i| {
            [
                Some(uuid(Kind::Person, i)),
                Some(format!("User {i}")),
                Some(format!("user{i}@example.com")),
            ]
        }),
    )?;
    let system: String = client
        .query_one("SELECT id::text FROM people WHERE name = 'System'", &[])?
        .get(0);
    copy_rows(
        client,
        "teams",
        "id, name, created_by",
        (0..size.teams).map(|t| {
            [
                Some(uuid(Kind::Team, t)),
                Some(format!("team-{t}")),
                Some(system.clone()),
            ]
        }),
    )?;
    copy_rows(
        client,
        "team_members",
        "team_id, person_id",
        workload
            .person_teams
            .iter()
            .enumerate()
            .flat_map(|(p, teams)| {
                teams
                    .iter()
                    .map(move |t| [Some(uuid(Kind::Team, *t)), Some(uuid(Kind::Person, p))])
            }),
    )?;
    copy_rows(
        client,
        "playbooks",
        "id, namespace, name",
        (0..size.playbooks).map(|p| {
            [
                Some(uuid(Kind::Playbook, p)),
                Some(format!("ns-{}", workload.playbook_namespace[p])),
                Some(format!("playbook-{p}")),
            ]
        }),
    )?;
    copy_rows(
        client,
        "config_items",
        "id, name, type, config_class, tags",
        workload.configs.iter().enumerate().map(|(i, c)| {
            let kind = CONFIG_TYPES[c.kind];
            [
                Some(uuid(Kind::Config, i)),
                Some(format!("config-{i}")),
                Some(kind.to_string()),
                Some(kind.rsplit("::").next().unwrap_or(kind).to_string()),
                Some(format!(
                    r#"{{"namespace":"ns-{}","env":"{}"}}"#,
                    c.namespace, ENVS[c.env]
                )),
            ]
        }),
    )?;
    copy_rows(
        client,
        "connections",
        "id, namespace, name, type, password",
        (0..size.connections).map(|n| {
            [
                Some(uuid(Kind::Connection, n)),
                Some(format!("ns-{}", workload.connection_namespace[n])),
                Some(format!("conn-{n}")),
                Some(CONNECTION_TYPES[workload.connection_type[n]].to_string()),
                Some("never-read".to_string()),
            ]
        }),
    )?;
    if !policies {
        return Ok(());
    }
    copy_rows(
        client,
        "permission_groups",
        "id, name, namespace, selectors, source",
        workload
            .groups
            .iter()
            .enumerate()
            .map(|(g, (teams, people))| {
                let teams: Vec<String> = teams.iter().map(|t| format!("\"team-{t}\"")).collect();
                let people: Vec<String> = people
                    .iter()
                    .map(|p| format!("\"user{p}@example.com\""))
                    .collect();
                [
                    Some(uuid(Kind::Group, g)),
                    Some(format!("group-{g}")),
                    Some("default".to_string()),
                    Some(format!(
                        r#"{{"teams":[{}],"people":[{}]}}"#,
                        teams.join(","),
                        people.join(",")
                    )),
                    Some("KubernetesCRD".to_string()),
                ]
            }),
    )?;
    copy_rows(
        client,
        "scopes",
        "id, name, namespace, targets, source",
        workload.scopes.iter().enumerate().map(|(i, targets)| {
            let targets: Vec<String> = targets
                .iter()
                .map(|t| workload.scope_target_json(*t))
                .collect();
            [
                Some(uuid(Kind::Scope, i)),
                Some(format!("scope-{i}")),
                Some(SCOPE_NAMESPACE.to_string()),
                Some(format!("[{}]", targets.join(","))),
                Some("KubernetesCRD".to_string()),
            ]
        }),
    )?;
    copy_rows(
        client,
        "permissions",
        "id, name, namespace, source, subject_type, subject, action, object, object_selector, deny",
        workload.permissions.iter().enumerate().map(|(i, p)| {
            let (subject_type, subject) = match p.subject {
                Subject::Person(x) => ("person", uuid(Kind::Person, x)),
                Subject::Team(x) => ("team", uuid(Kind::Team, x)),
                Subject::Group(x) => ("group", format!("group-{x}")),
            };
            let (object, selector) = stored_object(workload, &p.selection);
            [
                Some(uuid(Kind::Permission, i)),
                Some(format!("perm-{i}")),
                Some(format!("ns-{}", i % NAMESPACES)),
                Some("KubernetesCRD".to_string()),
                Some(subject_type.to_string()),
                Some(subject),
                Some(p.actions.join(",")),
                object,
                selector,
                Some(p.deny.to_string()),
            ]
        }),
    )?;
    Ok(())
}

/// The workload's requests with the database's ids (configs by uuid); the workload's
/// evaluator decides them.
pub struct DatabaseRequests<'w>(pub &'w Workload);

impl Oracle for DatabaseRequests<'_> {
    type Case = GeneratedRequest;

    fn request(&self, case: &GeneratedRequest) -> JsonRequest {
        let mut request = self.0.request(case);
        if let (Some(objects), Some(c)) = (request.objects.as_mut(), case.config) {
            objects.set(Category::Config, JsonObject::Key(uuid(Kind::Config, c)));
        }
        request
    }

    fn allowed(&self, case: &GeneratedRequest) -> bool {
        self.0.allowed(case)
    }
}

/// A one-line description of what was written, for the command line.
pub fn describe(workload: &Workload) -> String {
    let mut s = String::new();
    let size = workload.size;
    let _ = write!(
        s,
        "{} people, {} teams, {} playbooks, {} configs, {} connections, {} groups, {} permissions",
        size.people,
        size.teams,
        size.playbooks,
        size.configs,
        size.connections,
        size.groups,
        size.permissions
    );
    s
}
