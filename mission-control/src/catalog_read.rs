//! Reading the catalog from Mission Control's tables: people (with their built-in roles
//! from casbin's `g` rows), teams (with their members from `team_members`), agents,
//! playbooks, notifications, configs, components and connections, each list streamed
//! into a [`CatalogSink`] (a JSON writer for `catalog pull`, the compiler's catalog for
//! `compile --postgres`), so that memory does not grow with the number of configs.
//!
//! Rows are read as Mission Control reads them: soft-deleted rows do not exist; people are
//! the live rows with an email that are not agents (two of them whose emails differ only
//! in case are both left out, with a warning naming each row: Rampart cannot tell them
//! apart, Mission Control can, and neither may win); a role casbin assigns to a live team
//! (`g, <team id>, <role>`) is given to the team's members (from `team_members`), as
//! casbin's role inheritance gives it in Mission Control; memberships and role assignments of
//! anyone else are skipped and counted, as are casbin rows that are not role
//! assignments. Casbin rows assigning a custom role or a permission group are read for
//! `compile --postgres` ([`ReadOptions::custom_roles`]); a pull, whose catalog cannot
//! hold them, is refused ([`SourceError::Inexpressible`]) before anything is written. A row whose JSON Mission Control's own types could not hold (a tag that
//! is an object, `properties` that is not an array) is left out with a warning naming
//! it: a request naming that object is then an error, never a guess.

use std::collections::{BTreeMap, BTreeSet};

use postgres::Row;
use rampart_compiler::catalog::{Agent, CatalogConnection, NamedObject, Person, Team};
use rampart_compiler::diagnostic::Diagnostic;
use rampart_compiler::roles::{self, ROLES};
use rampart_compiler::source::{Location, RowOrigin, SourceFile};
use rampart_runtime::ObjectAttributes;

use crate::casbin_graph::CasbinGraph;
use crate::error::SourceError;
use crate::session::{text, Snapshot};
use crate::values::{properties, string_map};

/// The id of Mission Control's local agent.
pub const LOCAL_AGENT_ID: &str = "00000000-0000-0000-0000-000000000000";

/// How many row warnings are kept (the rest are counted).
const KEPT_WARNINGS: usize = 100;

/// A catalog list, in the order they are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum List {
    /// `people`.
    People,
    /// `teams`.
    Teams,
    /// `playbooks`.
    Playbooks,
    /// `notifications`.
    Notifications,
    /// `connections`.
    Connections,
    /// `configs`.
    Configs,
    /// `components`.
    Components,
    /// `agents` (last: agents that are soft-deleted but still named by a config are
    /// known only once the configs are read).
    Agents,
}

impl List {
    /// The catalog's name for it.
    pub fn name(self) -> &'static str {
        match self {
            List::People => "people",
            List::Teams => "teams",
            List::Playbooks => "playbooks",
            List::Notifications => "notifications",
            List::Connections => "connections",
            List::Configs => "configs",
            List::Components => "components",
            List::Agents => "agents",
        }
    }
}

/// One catalog entry.
#[derive(Clone, Debug)]
pub enum Entry {
    /// A person.
    Person(Person),
    /// A team.
    Team(Team),
    /// A playbook.
    Playbook(NamedObject),
    /// A notification.
    Notification(NamedObject),
    /// A connection.
    Connection(CatalogConnection),
    /// A config item.
    Config(ObjectAttributes),
    /// A component.
    Component(ObjectAttributes),
    /// An agent.
    Agent(Agent),
}

/// Where the catalog goes, list by list.
pub trait CatalogSink {
    /// Starts a list (each list is started once, in [`List`] order).
    fn start(&mut self, list: List) -> Result<(), SourceError>;
    /// One entry of the list last started.
    fn entry(&mut self, entry: Entry) -> Result<(), SourceError>;
    /// After the last list.
    fn finish(&mut self) -> Result<(), SourceError>;
}

/// Progress of a read: rows of one list so far, and the planner's estimate of them.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    /// The list.
    pub list: List,
    /// Rows read so far.
    pub rows: u64,
    /// The estimated total (0 when the table was never analyzed).
    pub estimate: u64,
}

/// What a read found: entries per list, rows skipped by reason, rows refused.
#[derive(Debug, Default, Clone)]
pub struct CatalogSummary {
    /// Entries written, per list (and `memberships`, `role assignments`).
    pub counts: BTreeMap<&'static str, u64>,
    /// Rows left out as Mission Control leaves them out, by reason (non-zero only).
    pub skipped: BTreeMap<String, u64>,
    /// Rows that could not be represented (the first hundred).
    pub warnings: Vec<Diagnostic>,
    /// How many rows could not be represented.
    pub warning_count: u64,
    /// Custom roles and permission-group names assigned to people by casbin `g` rows:
    /// (role, person ids), read when asked ([`ReadOptions::custom_roles`]).
    pub custom_roles: BTreeMap<String, Vec<String>>,
}

impl CatalogSummary {
    /// Counts rows left out for `reason`.
    pub(crate) fn skip(&mut self, reason: &str, count: u64) {
        if count > 0 {
            *self.skipped.entry(reason.to_string()).or_default() += count;
        }
    }

    /// Counts entries read.
    pub(crate) fn count(&mut self, what: &'static str, count: u64) {
        *self.counts.entry(what).or_default() += count;
    }

    /// Records a row that could not be represented.
    fn refuse(&mut self, table: &str, id: &str, name: Option<&str>, message: String) {
        let row = RowOrigin {
            table: table.to_string(),
            id: id.to_string(),
            name: name.map(str::to_string),
            source: None,
            columns: Vec::new(),
        };
        self.warn_row(
            row,
            format!("{message}; the row is left out"),
            "a request naming it is an error until the row is fixed",
        );
    }

    /// Records a warning about a row (the first hundred are kept, all are counted).
    pub(crate) fn warn_row(&mut self, row: RowOrigin, message: String, help: &str) {
        self.warning_count += 1;
        if self.warnings.len() < KEPT_WARNINGS {
            let location = Location::new(&SourceFile::for_row(row, String::new()), 0, 1);
            self.warnings
                .push(Diagnostic::at(location, message).help(help).warning());
        }
    }
}

/// What to read beside the catalog.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReadOptions {
    /// Read the people assigned custom roles and permission groups by casbin (used by
    /// `compile --postgres`, which turns them into group members).
    pub custom_roles: bool,
}

/// The SQL condition of a live person with an email who is not an agent, for the table
/// alias `a`.
fn person_row(a: &str) -> String {
    format!(
        "{a}.deleted_at IS NULL AND {a}.email IS NOT NULL AND {a}.type IS DISTINCT FROM 'agent'"
    )
}

/// The SQL condition of such a person whose email another such person's spells too,
/// up to case (`people` is the table): neither is held.
fn email_twin(a: &str, people: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM {people} twin WHERE {} AND twin.id <> {a}.id \
                 AND lower(twin.email) = lower({a}.email))",
        person_row("twin")
    )
}

/// The SQL condition of a person whose email is another live person's id (in any
/// spelling of a uuid), for the table alias `a`: the catalog looks people up by email
/// and by id alike, so the two would be one key. Only the person with the uuid for an
/// email is left out (an email is what a user may set at the identity provider; the
/// other person is kept).
fn email_is_anothers_id(a: &str, people: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM {people} other WHERE {} AND other.id <> {a}.id \
                 AND other.id = {})",
        person_row("other"),
        as_uuid(&format!("{a}.email"))
    )
}

/// The SQL condition of a person the catalog holds, for the table alias `a` (`people` is
/// the table): two people whose emails differ only in case are one principal to Rampart
/// and two to Mission Control, so neither is held (never one winning).
/// An access token with a scope of its own (casbin `p` rows naming it: Mission Control
/// denies it everything outside the scope with them, rows Rampart does not read) is not
/// held either: a request by it is then an error, never an allow its scope forbids.
pub(crate) fn live_person(a: &str, people: &str, casbin: &str) -> String {
    format!(
        "{} AND NOT {} AND NOT {} AND NOT {}",
        person_row(a),
        email_twin(a, people),
        email_is_anothers_id(a, people),
        scoped_token(a, casbin)
    )
}

/// The live teams, each as its id, name and live members' ids (an array, in order), in
/// the order of their names.
pub(crate) fn live_teams_sql(snapshot: &Snapshot<'_>) -> String {
    let people = snapshot.table("people");
    format!(
        "SELECT t.id::text, t.name, \
                coalesce(array_agg(m.person_id::text ORDER BY m.person_id) FILTER (WHERE p.id IS NOT NULL), '{{}}') \
         FROM {} t \
         LEFT JOIN {} m ON m.team_id = t.id \
         LEFT JOIN {people} p ON p.id = m.person_id AND {} \
         WHERE t.deleted_at IS NULL GROUP BY t.id, t.name ORDER BY t.name, t.id",
        snapshot.table("teams"),
        snapshot.table("team_members"),
        live_person("p", &people, &snapshot.table("casbin_rule"))
    )
}

/// The SQL condition of an access token with a scope of its own (`p` rows naming it).
fn scoped_token(a: &str, casbin: &str) -> String {
    format!("EXISTS (SELECT 1 FROM {casbin} sc WHERE sc.ptype = 'p' AND sc.v0 = {a}.id::text)")
}

/// A text value that is a uuid, as a uuid (else NULL), for `x`: white space at either
/// end trimmed, then the spellings Mission Control's `uuid.Parse` takes — hyphenated, in
/// braces, after `urn:uuid:` (any case), or 32 hex digits; any case — as
/// `policy_read::uuid_key` reads a permission row's subject. A casbin row is told by it
/// to have a uuid member (not a role or group name), and one whose text is not the
/// uuid's own spelling is told apart (`respelled`: casbin compares the text exactly, so
/// it reaches nobody in Mission Control). `urn:uuid:` is cut
/// off before the cast, which PostgreSQL would refuse with it; every other text is NULL,
/// so the cast never fails.
pub(crate) fn as_uuid(x: &str) -> String {
    let h = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
    format!(
        "(SELECT CASE WHEN s.v ~ '^({h}|\\{{{h}\\}}|[0-9a-fA-F]{{32}})$' THEN s.v::uuid \
         WHEN s.v ~* '^urn:uuid:{h}$' THEN substr(s.v, 10)::uuid END \
         FROM (SELECT regexp_replace({x}, '^[[:space:]]+|[[:space:]]+$', '', 'g') AS v) s)"
    )
}

fn builtin_roles() -> Vec<String> {
    ROLES.iter().map(|r| r.name.to_string()).collect()
}

fn required(row: &Row, index: usize, what: &str) -> Result<String, SourceError> {
    text(row, index, what).map(Option::unwrap_or_default)
}

/// The count in column `index` of the first row.
pub(crate) fn count_of(rows: &[Row], index: usize, what: &str) -> Result<u64, SourceError> {
    let value: i64 = rows
        .first()
        .map(|r| r.try_get(index))
        .transpose()
        .map_err(|e| SourceError::query(what, &e))?
        .unwrap_or(0);
    Ok(value.max(0) as u64)
}

/// Reads the whole catalog into `sink`, list by list in [`List`]'s order.
pub fn read_catalog(
    snapshot: &mut Snapshot<'_>,
    sink: &mut dyn CatalogSink,
    progress: &dyn Fn(Progress),
    options: ReadOptions,
) -> Result<CatalogSummary, SourceError> {
    let mut summary = CatalogSummary::default();
    let estimates = estimates(snapshot)?;
    let roles = builtin_roles();
    let mut graph = CasbinGraph::read(snapshot)?;
    let mut read = Reading {
        snapshot,
        sink,
        summary: &mut summary,
        progress,
        estimates: &estimates,
        graph: &mut graph,
    };
    // Casbin rows first: a pull refuses rows it cannot express before writing anything.
    casbin_rows(read.snapshot, read.summary, options, &roles, read.graph)?;
    read.people(&roles)?;
    read.teams()?;
    for kind in [Named::Playbooks, Named::Notifications, Named::Connections] {
        read.named(kind)?;
    }
    // Agents are read first (few), written last with any soft-deleted agent a live
    // config or component still names.
    let agents = live_agents(read.snapshot)?;
    let mut named_agents: BTreeSet<String> = BTreeSet::new();
    for list in [List::Configs, List::Components] {
        read.objects(list, &agents, &mut named_agents)?;
    }
    read.agents(agents, named_agents)?;
    read.sink.finish()?;
    Ok(summary)
}

/// One catalog read in progress: where rows come from and go, and what is counted.
struct Reading<'r, 's> {
    snapshot: &'r mut Snapshot<'s>,
    sink: &'r mut dyn CatalogSink,
    summary: &'r mut CatalogSummary,
    progress: &'r dyn Fn(Progress),
    estimates: &'r BTreeMap<String, u64>,
    graph: &'r mut CasbinGraph,
}

/// The lists of objects known by namespace and name.
#[derive(Clone, Copy)]
enum Named {
    Playbooks,
    Notifications,
    Connections,
}

impl Named {
    /// The table (also the catalog list's name), its columns and its order.
    fn query(self) -> (List, &'static str, &'static str, &'static str) {
        match self {
            Named::Playbooks => (
                List::Playbooks,
                "playbooks",
                "id::text, namespace, name, category",
                "namespace, name, category, id",
            ),
            Named::Notifications => (
                List::Notifications,
                "notifications",
                "id::text, namespace, name",
                "namespace, name, id",
            ),
            Named::Connections => (
                List::Connections,
                "connections",
                "id::text, namespace, name, type",
                "namespace, name, id",
            ),
        }
    }
}

impl Reading<'_, '_> {
    /// The estimated number of rows of `table`, for progress.
    fn estimate(&self, table: &str) -> u64 {
        self.estimates.get(table).copied().unwrap_or(0)
    }

    /// People with their built-in roles (`roles`); people Mission Control does not
    /// count as people are skipped and counted.
    fn people(&mut self, roles: &[String]) -> Result<(), SourceError> {
        let people = self.snapshot.table("people");
        self.sink.start(List::People)?;
        // A person's roles: the built-in roles casbin's role manager reaches from them in
        // the graph Rampart gives (`CasbinGraph::given`), the roles another reached role
        // already inherits left out (`roles::implies`), and so is `everyone`, which every
        // person holds.
        let sql = format!(
            "SELECT p.id::text, p.name, p.email FROM {people} p WHERE {} ORDER BY p.email, p.id",
            live_person("p", &people, &self.snapshot.table("casbin_rule")),
        );
        let total = self.estimate("people");
        let mut assignments = 0u64;
        let sink = &mut *self.sink;
        let graph = &mut *self.graph;
        let mut held = 0u64;
        self.snapshot.stream("people", &sql, &[], |row| {
            let id = text(row, 0, "people")?.unwrap_or_default();
            if !graph.holds(&id) {
                return Ok(());
            }
            held += 1;
            let reached: Vec<String> = graph
                .given(&id)
                .into_keys()
                .filter(|r| roles.contains(r))
                .collect();
            let person_roles: Vec<String> = reached
                .iter()
                .filter(|r| *r != "everyone" && !reached.iter().any(|o| roles::implies(o, r)))
                .cloned()
                .collect();
            assignments += person_roles.len() as u64;
            sink.entry(Entry::Person(Person {
                id: Some(id.clone()),
                name: text(row, 1, "people")?,
                email: text(row, 2, "people")?,
                roles: person_roles,
                teams: Vec::new(),
                // An unscoped access token has everything its creator has (casbin's
                // `g, <token>, <creator>`): teams, groups, and the creator's own
                // permissions and denies.
                inherits: graph.creators_of(&id),
            }))
        })?;
        let n = held;
        (self.progress)(Progress {
            list: List::People,
            rows: n,
            estimate: total,
        });
        self.summary.count("people", n);
        self.leave_out_unreachable();
        self.summary.count("role assignments", assignments);
        let left_out = self.snapshot.query(
            "people",
            &format!(
                "SELECT count(*) FILTER (WHERE deleted_at IS NOT NULL), \
                        count(*) FILTER (WHERE deleted_at IS NULL AND type = 'agent'), \
                        count(*) FILTER (WHERE deleted_at IS NULL AND type IS DISTINCT FROM 'agent' AND email IS NULL), \
                        count(*) FILTER (WHERE {} AND {}), \
                        count(*) FILTER (WHERE {} AND {}) \
                 FROM {people} p"
            ,
                person_row("p"),
                scoped_token("p", &self.snapshot.table("casbin_rule")),
                person_row("p"),
                email_is_anothers_id("p", &people),
            ),
            &[],
        )?;
        self.summary
            .skip("people soft-deleted", count_of(&left_out, 0, "people")?);
        self.summary
            .skip("people of type `agent`", count_of(&left_out, 1, "people")?);
        self.summary.skip(
            "people without an email (the System person)",
            count_of(&left_out, 2, "people")?,
        );
        self.summary.skip(
            "access tokens with a scope of their own (casbin `p` rows, which Rampart does not read: a request by one is an error)",
            count_of(&left_out, 3, "people")?,
        );
        self.summary.skip(
            "people whose email is another person's id (the catalog looks people up by both; the other is kept)",
            count_of(&left_out, 4, "people")?,
        );
        let twins = self.snapshot.query(
            "people",
            &format!(
                "SELECT p.id::text, p.name, p.email FROM {people} p WHERE {} AND {} \
                 ORDER BY lower(p.email), p.id",
                person_row("p"),
                email_twin("p", &people)
            ),
            &[],
        )?;
        self.summary.skip(
            "people whose email differs from another's only in case (neither is held)",
            twins.len() as u64,
        );
        for row in &twins {
            let email = text(row, 2, "people")?.unwrap_or_default();
            self.summary.warn_row(
                RowOrigin {
                    table: "people".to_string(),
                    id: required(row, 0, "people")?,
                    name: text(row, 1, "people")?,
                    source: None,
                    columns: Vec::new(),
                },
                format!("the email `{email}` differs from another live person's only in case: Rampart cannot tell them apart (Mission Control can), so neither is held, nor their memberships and roles; the row is left out"),
                "give one of them another email, or delete the duplicate person in Mission Control",
            );
        }
        Ok(())
    }

    /// Counts and names the live people [`CasbinGraph::left_out`] leaves out.
    fn leave_out_unreachable(&mut self) {
        let left_out = self.graph.left_out();
        self.summary.skip(
            "people who reach, through casbin links, what Rampart cannot give as Mission Control does (an access token's scope, or a role past casbin's ten links; a request by one is an error)",
            left_out.len() as u64,
        );
        for (id, (email, why)) in left_out {
            self.summary.warn_row(
                RowOrigin {
                    table: "people".to_string(),
                    id: id.clone(),
                    name: Some(email.clone()),
                    source: None,
                    columns: Vec::new(),
                },
                format!("`{email}` {why}: left out of the catalog, so a request by them is an error"),
                "delete the casbin rows that link them there in Mission Control, or keep the chain of links within ten",
            );
        }
    }

    /// Live teams with their live members; memberships of anyone else are skipped and
    /// counted.
    fn teams(&mut self) -> Result<(), SourceError> {
        let people = self.snapshot.table("people");
        let teams = self.snapshot.table("teams");
        let members = self.snapshot.table("team_members");
        self.sink.start(List::Teams)?;
        let sql = live_teams_sql(self.snapshot);
        let mut memberships = 0u64;
        let sink = &mut *self.sink;
        let graph = &*self.graph;
        let n = self.snapshot.stream("teams", &sql, &[], |row| {
            let mut team_members: Vec<String> = row
                .try_get(2)
                .map_err(|e| SourceError::query("teams", &e))?;
            // People the graph leaves out are no one's members.
            team_members.retain(|m| graph.holds(m));
            memberships += team_members.len() as u64;
            sink.entry(Entry::Team(Team {
                id: text(row, 0, "teams")?,
                name: required(row, 1, "teams")?,
                members: team_members,
            }))
        })?;
        self.summary.count("teams", n);
        self.summary.count("memberships", memberships);
        let team_live = "t.id IS NOT NULL AND t.deleted_at IS NULL";
        let skipped = self.snapshot.query(
            "team_members",
            &format!(
                "SELECT count(*) FILTER (WHERE NOT ({team_live})), \
                        count(*) FILTER (WHERE {team_live} AND (p.id IS NULL OR p.deleted_at IS NOT NULL)), \
                        count(*) FILTER (WHERE {team_live} AND p.deleted_at IS NULL AND p.type = 'agent'), \
                        count(*) FILTER (WHERE {team_live} AND p.deleted_at IS NULL AND p.type IS DISTINCT FROM 'agent' AND p.email IS NULL) \
                 FROM {members} m LEFT JOIN {teams} t ON t.id = m.team_id LEFT JOIN {people} p ON p.id = m.person_id"
            ),
            &[],
        )?;
        for (index, what) in [
            "memberships of soft-deleted or missing teams",
            "memberships of soft-deleted or missing people",
            "memberships of people of type `agent`",
            "memberships of people without an email",
        ]
        .into_iter()
        .enumerate()
        {
            self.summary
                .skip(what, count_of(&skipped, index, "team_members")?);
        }
        Ok(())
    }

    /// The live playbooks, notifications or connections.
    fn named(&mut self, kind: Named) -> Result<(), SourceError> {
        let (list, table_name, columns, order) = kind.query();
        self.sink.start(list)?;
        let table = self.snapshot.table(table_name);
        let sql =
            format!("SELECT {columns} FROM {table} WHERE deleted_at IS NULL ORDER BY {order}");
        let sink = &mut *self.sink;
        let n = self.snapshot.stream(table_name, &sql, &[], |row| {
            let id = text(row, 0, table_name)?;
            let namespace = text(row, 1, table_name)?;
            let name = required(row, 2, table_name)?;
            sink.entry(match kind {
                Named::Playbooks => Entry::Playbook(NamedObject {
                    id,
                    namespace,
                    name,
                    category: text(row, 3, table_name)?,
                }),
                Named::Notifications => Entry::Notification(NamedObject {
                    id,
                    namespace,
                    name,
                    category: None,
                }),
                Named::Connections => Entry::Connection(CatalogConnection {
                    id,
                    namespace,
                    name,
                    connection_type: text(row, 3, table_name)?,
                }),
            })
        })?;
        self.summary.count(table_name, n);
        soft_deleted(self.snapshot, self.summary, table_name)
    }

    /// The live configs or components (`list`); a row whose JSON Mission Control could
    /// not hold is refused with a warning; agents they name that are not in `agents`
    /// are added to `named_agents`.
    fn objects(
        &mut self,
        list: List,
        agents: &BTreeMap<String, Option<String>>,
        named_agents: &mut BTreeSet<String>,
    ) -> Result<(), SourceError> {
        let table_name = if list == List::Configs {
            "config_items"
        } else {
            "components"
        };
        self.sink.start(list)?;
        let table = self.snapshot.table(table_name);
        let total = self.estimate(table_name);
        let sql = live_objects(table_name, &table);
        let mut read = 0u64;
        let mut refused = Vec::new();
        let (sink, progress) = (&mut *self.sink, self.progress);
        self.snapshot.stream(table_name, &sql, &[], |row| {
            read += 1;
            if read.is_multiple_of(20_000) {
                progress(Progress {
                    list,
                    rows: read,
                    estimate: total,
                });
            }
            let raw = RawObject::of(row, table_name)?;
            let id = raw.id.clone();
            let name = raw.name.clone();
            match raw.attributes() {
                Ok(a) => {
                    if let Some(agent) = a.agent.as_ref().filter(|a| !agents.contains_key(*a)) {
                        named_agents.insert(agent.clone());
                    }
                    sink.entry(if list == List::Configs {
                        Entry::Config(a)
                    } else {
                        Entry::Component(a)
                    })
                }
                Err(why) => {
                    refused.push((id, name, why));
                    Ok(())
                }
            }
        })?;
        progress(Progress {
            list,
            rows: read,
            estimate: total,
        });
        self.summary.count(list.name(), read - refused.len() as u64);
        for (id, name, why) in refused {
            self.summary.refuse(table_name, &id, name.as_deref(), why);
        }
        soft_deleted(self.snapshot, self.summary, table_name)
    }

    /// The live agents (`local` by its fixed name), then those soft-deleted that a
    /// config or component still names, by id without their name.
    fn agents(
        &mut self,
        agents: BTreeMap<String, Option<String>>,
        named_agents: BTreeSet<String>,
    ) -> Result<(), SourceError> {
        self.sink.start(List::Agents)?;
        let extra = named_agents.len() as u64;
        for (id, name) in agents {
            let name = if id == LOCAL_AGENT_ID {
                Some("local".to_string())
            } else {
                name
            };
            self.sink.entry(Entry::Agent(Agent { id, name }))?;
        }
        for id in named_agents {
            self.sink.entry(Entry::Agent(Agent { id, name: None }))?;
        }
        self.summary.skip(
            "agents soft-deleted but still named by a config or component (kept by id, without their name)",
            extra,
        );
        Ok(())
    }
}

/// The live agents by id, with their names; Mission Control's local agent always.
fn live_agents(
    snapshot: &mut Snapshot<'_>,
) -> Result<BTreeMap<String, Option<String>>, SourceError> {
    let table = snapshot.table("agents");
    let mut agents: BTreeMap<String, Option<String>> = BTreeMap::new();
    snapshot.stream(
        "agents",
        &format!("SELECT id::text, name FROM {table} WHERE deleted_at IS NULL ORDER BY name, id"),
        &[],
        |row| {
            agents.insert(required(row, 0, "agents")?, text(row, 1, "agents")?);
            Ok(())
        },
    )?;
    agents.insert(LOCAL_AGENT_ID.to_string(), Some("local".to_string()));
    Ok(agents)
}

/// The live rows of `config_items` or `components` (`table_name`, qualified as
/// `table`), with the columns [`RawObject::of`] reads.
pub(crate) fn live_objects(table_name: &str, table: &str) -> String {
    if table_name == "config_items" {
        format!(
            "SELECT id::text, name, NULL::text, type, config_class, status, health, tags::text, labels::text, agent_id::text, properties::text \
             FROM {table} WHERE deleted_at IS NULL"
        )
    } else {
        format!(
            "SELECT id::text, name, namespace, type, NULL::text, status, health, NULL::text, labels::text, agent_id::text, properties::text \
             FROM {table} WHERE deleted_at IS NULL"
        )
    }
}

/// The columns of a config or component row, before their JSON is read.
pub(crate) struct RawObject {
    id: String,
    name: Option<String>,
    namespace: Option<String>,
    object_type: Option<String>,
    class: Option<String>,
    status: Option<String>,
    health: Option<String>,
    tags: Option<String>,
    labels: Option<String>,
    agent: Option<String>,
    properties: Option<String>,
}

impl RawObject {
    pub(crate) fn of(row: &Row, what: &str) -> Result<RawObject, SourceError> {
        Ok(RawObject {
            id: required(row, 0, what)?,
            name: text(row, 1, what)?,
            namespace: text(row, 2, what)?,
            object_type: text(row, 3, what)?,
            class: text(row, 4, what)?,
            status: text(row, 5, what)?,
            health: text(row, 6, what)?,
            tags: text(row, 7, what)?,
            labels: text(row, 8, what)?,
            agent: text(row, 9, what)?,
            properties: text(row, 10, what)?,
        })
    }

    /// The attributes; a config's namespace is its `namespace` tag.
    pub(crate) fn attributes(self) -> Result<ObjectAttributes, String> {
        let tags = string_map("tags", self.tags.as_deref())?;
        Ok(ObjectAttributes {
            namespace: self.namespace.or_else(|| tags.get("namespace").cloned()),
            labels: string_map("labels", self.labels.as_deref())?,
            properties: properties(self.properties.as_deref())?,
            tags,
            id: Some(self.id),
            name: self.name,
            object_type: self.object_type,
            class: self.class,
            status: self.status,
            health: self.health,
            agent: self.agent,
            agent_name: None,
            category: None,
        })
    }
}

/// Counts the soft-deleted rows of a table.
fn soft_deleted(
    snapshot: &mut Snapshot<'_>,
    summary: &mut CatalogSummary,
    table: &str,
) -> Result<(), SourceError> {
    let qualified = snapshot.table(table);
    let rows = snapshot.query(
        table,
        &format!("SELECT count(*) FROM {qualified} WHERE deleted_at IS NOT NULL"),
        &[],
    )?;
    summary.skip(&format!("{table} soft-deleted"), count_of(&rows, 0, table)?);
    Ok(())
}

/// The planner's row estimates of the catalog's tables.
fn estimates(snapshot: &mut Snapshot<'_>) -> Result<BTreeMap<String, u64>, SourceError> {
    let schema = snapshot.schema().to_string();
    let rows = snapshot.query(
        "the table sizes",
        "SELECT c.relname::text, c.reltuples::float8 FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND c.relname IN ('people', 'config_items', 'components')",
        &[&schema],
    )?;
    let mut out = BTreeMap::new();
    for row in rows {
        let name: String = row
            .try_get(0)
            .map_err(|e| SourceError::query("the table sizes", &e))?;
        let tuples: f64 = row
            .try_get(1)
            .map_err(|e| SourceError::query("the table sizes", &e))?;
        out.insert(name, tuples.max(0.0) as u64);
    }
    Ok(out)
}

/// Classifies casbin's rows: role assignments of catalog people were read with the
/// people; every other row is counted by kind, and (when asked) the custom roles and
/// permission-group names assigned to people are collected.
fn casbin_rows(
    snapshot: &mut Snapshot<'_>,
    summary: &mut CatalogSummary,
    options: ReadOptions,
    roles: &[String],
    graph: &mut CasbinGraph,
) -> Result<(), SourceError> {
    let classified = classified_casbin(snapshot);
    count_casbin_kinds(snapshot, summary, options, roles, &classified)?;
    // Every custom role or group each live person reaches, with the first link.
    let mut custom: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    let people: Vec<String> = graph.people().map(str::to_string).collect();
    for person in people {
        for (node, first) in graph.given(&person) {
            if !roles.contains(&node) {
                custom
                    .entry(node)
                    .or_default()
                    .push((person.clone(), first));
            }
        }
    }
    if options.custom_roles {
        for (role, people) in custom {
            summary
                .custom_roles
                .insert(role, people.into_iter().map(|(p, _)| p).collect());
        }
        Ok(())
    } else {
        // A catalog has no place for them: leaving them out would drop what Mission
        // Control grants (or denies) through them, so the pull is refused.
        refuse_custom_roles(&custom)
    }
}

/// The query giving every casbin row its member, target, member id and kind (`policy`,
/// `role`, `team`, `person`, `custom`, `team role`, `team custom`, `link` (a name's row:
/// followed by [`casbin_reach`]), `respelled` (a uuid member not spelled as Mission
/// Control spells ids: it reaches nobody) or `absent`); `$1` is the role names.
fn classified_casbin(snapshot: &Snapshot<'_>) -> String {
    let casbin = snapshot.table("casbin_rule");
    let people = snapshot.table("people");
    let teams = snapshot.table("teams");
    format!(
        "SELECT c.v0::text AS member, c.v1::text AS target, member.u AS member_id, CASE \
           WHEN c.ptype <> 'g' THEN 'policy' \
           WHEN member.u IS NOT NULL AND c.v0 <> member.u::text THEN 'respelled' \
           WHEN lp.id IS NOT NULL AND c.v1 = ANY($1) THEN 'role' \
           WHEN lp.id IS NOT NULL AND EXISTS (SELECT 1 FROM {teams} t WHERE t.id = target.u) THEN 'team' \
           WHEN lp.id IS NOT NULL AND EXISTS (SELECT 1 FROM {people} q WHERE q.id = target.u) THEN 'person' \
           WHEN lp.id IS NOT NULL THEN 'custom' \
           WHEN EXISTS (SELECT 1 FROM {teams} t WHERE t.id = member.u AND t.deleted_at IS NULL) \
             THEN CASE WHEN c.v1 = ANY($1) THEN 'team role' ELSE 'team custom' END \
           WHEN member.u IS NULL THEN 'link' \
           ELSE 'absent' END AS kind \
         FROM {casbin} c \
         CROSS JOIN LATERAL (SELECT {} AS u) member \
         CROSS JOIN LATERAL (SELECT {} AS u) target \
         LEFT JOIN {people} lp ON lp.id = member.u AND {}",
        as_uuid("c.v0"),
        as_uuid("c.v1"),
        live_person("lp", &people, &snapshot.table("casbin_rule"))
    )
}

/// Counts the casbin rows of each kind in the summary: the assignments carried over,
/// and the reason every other kind is left out.
fn count_casbin_kinds(
    snapshot: &mut Snapshot<'_>,
    summary: &mut CatalogSummary,
    options: ReadOptions,
    roles: &[String],
    classified: &str,
) -> Result<(), SourceError> {
    let rows = snapshot.query(
        "casbin_rule",
        &format!("SELECT k.kind, count(*) FROM ({classified}) k GROUP BY k.kind"),
        &[&roles],
    )?;
    for row in rows {
        let kind: String = row
            .try_get(0)
            .map_err(|e| SourceError::query("casbin_rule", &e))?;
        let count: i64 = row
            .try_get(1)
            .map_err(|e| SourceError::query("casbin_rule", &e))?;
        let count = count.max(0) as u64;
        let reason = match kind.as_str() {
            "role" => continue,
            "team role" => {
                summary.count("role assignments of teams (given to their members)", count);
                continue;
            }
            "team custom" if options.custom_roles => {
                summary.count("custom role assignments of teams (given to their members)", count);
                continue;
            }
            "policy" => "casbin `p` rows (role definitions and token scopes, not role assignments)",
            "team" => "casbin rows putting a person in a team (`team_members` is authoritative)",
            "person" => "casbin rows linking an access token to its creator (classed here, followed by the role walk: a token without a scope of its own has everything its creator has)",
            "custom" if options.custom_roles => {
                summary.count("custom role assignments", count);
                continue;
            }
            "custom" | "team custom" => continue, // refused by refuse_custom_roles
            "link" => {
                summary.count(
                    "casbin rows linking a role or group to another (followed, as casbin's role manager follows them)",
                    count,
                );
                continue;
            }
            "respelled" => "casbin rows whose member is a uuid spelled otherwise than Mission Control spells ids (upper case, braces, `urn:uuid:`, no hyphens, white space): casbin compares the text exactly, so they give nobody anything there",
            _ => "casbin rows of people the catalog does not hold (soft-deleted, agents, without an email)",
        };
        summary.skip(reason, count);
    }
    Ok(())
}

/// Refuses the pull when casbin gives a person or team a custom role or a permission
/// group (directly, or through the links from role to role its rows lead to), quoting up
/// to five of the rows such ways start with.
fn refuse_custom_roles(
    custom: &BTreeMap<String, Vec<(String, String)>>,
) -> Result<(), SourceError> {
    let firsts: BTreeSet<&str> = custom
        .values()
        .flatten()
        .map(|(_, first)| first.as_str())
        .collect();
    if firsts.is_empty() {
        return Ok(());
    }
    let examples: Vec<&str> = firsts.iter().take(5).copied().collect();
    Err(SourceError::Inexpressible(format!(
        "{} casbin rows assign a custom role or a permission group to a person or team, directly or through the links from role to role they lead to ({}{}), which a catalog cannot hold: leaving them out would drop what Mission Control gives through them",
        firsts.len(),
        examples.join(", "),
        if firsts.len() > examples.len() { ", ..." } else { "" }
    )))
}
