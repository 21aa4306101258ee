//! Reading the policy rows (`permissions`, `permission_groups`, `scopes`) as the documents
//! they stand for, so that they meet the same parser, resolver and diagnostics as the
//! `Permission`, `PermissionGroup` and `Scope` documents of files: each live row is rendered as a
//! JSON document (JSON is YAML) in a [`SourceFile`] that names the row by table, id, name
//! and source, and maps every document field back to the column it was read from.
//!
//! Rows are read as Mission Control reads them (`deleted_at IS NULL`, and for permissions
//! `error IS NULL`), with these decisions where the database says more than a document:
//! - **Subjects stored as uuids** (a person, team, notification or playbook, as a
//!   Permission resource becomes a row) are mapped back through the catalog to the email,
//!   team name or `namespace/name` a document would write, looked up among the subjects
//!   of the row's `subject_type` only (a team's uuid in a `person` row names no person),
//!   in any case. A uuid that names nothing live of that type (a soft-deleted person or
//!   team, an agent) leaves an **allow** out with a warning (it grants nobody Rampart is
//!   asked about); a **deny** is refused with an error naming the row: Mission Control
//!   still loads it (a soft-deleted team keeps its casbin rows, so its members stay
//!   denied), and leaving it out would lift it.
//! - **The global object** (`object`) is written as the single wildcard selector a
//!   Permission resource stores as that object (`catalog` is `configs: [{name: "*"}]`, ...);
//!   a resource id column (`config_id`, ...) is an `id` selector. A global object a
//!   document cannot name is an error; `component` and `playbook`, which the UI writes
//!   but Mission Control's rules never match, and canary subjects and objects, which
//!   Rampart does not model, leave the row out with a warning.
//! - **`until`**: Mission Control stores `until` but enforces it nowhere, so Rampart
//!   takes the narrower side of each row. An allow whose `until` has passed (by the
//!   database's clock, at the snapshot) grants nothing and is left out with a warning
//!   (fail closed). A deny whose `until` has passed stays in force, with the warning
//!   "expired deny kept: Mission Control enforces no until" (dropping it would make
//!   Rampart allow what Mission Control denies). The earliest `until` still ahead of an
//!   allow is reported: tables compiled now grant that row until recompiled (`serve
//!   --postgres` refreshes when it passes).
//! - **A file and a row are one permission** when the row was written from a Kubernetes
//!   resource (`source = 'KubernetesCRD'`) with the file document's namespace and name:
//!   the file wins, as it will once Mission Control reconciles it (the row is the
//!   resource as last applied). Rows of other sources (`UI`, ...) never stand for a file.
//! - **Group members** are matched as Mission Control matches them (people by exact email
//!   or name, teams by name, playbooks and notifications by namespace and name); members
//!   that match nothing live are left out with a count, and members of kinds Rampart does
//!   not model (`canaries`, `scrapers`, `topologies`) are left out with a count. People
//!   assigned a permission group (or a custom role) by casbin `g` rows, themselves or
//!   through a live team they are members of, become members of the group of that name
//!   (a group made for them when no row defines it).
//! - **Scopes** are read as `Scope` documents (`targets` is the spec's list, agents
//!   already resolved to ids as upstream stores them), a Kubernetes row beside the file
//!   it was written from being one Scope as for permissions. A permission row whose
//!   `object_selector.scopes` names a scope that no live row or document defines
//!   (missing, or soft-deleted) is refused with an error naming the row and the scope:
//!   upstream records an error on the row and drops the permission, which silently
//!   narrows a grant or lifts a deny.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use postgres::Row;
use rampart_compiler::catalog::Catalog;
use rampart_compiler::diagnostic::Diagnostic;
use rampart_compiler::documents::policy::PermissionDocument;
use rampart_compiler::documents::{read_file_into, Documents, API_VERSION};
use rampart_compiler::metadata::{namespace_of, Metadata};
use rampart_compiler::source::{Location, RowOrigin, SourceFile};
use serde_json::{json, Map, Value};

use crate::casbin_graph::CasbinGraph;
use crate::catalog_read::CatalogSummary;
use crate::error::SourceError;
use crate::parsed_rows::ParsedRows;
use crate::preflight::Present;
use crate::session::{text, Snapshot};
use crate::shape::PERMISSIONS;

/// The namespaces and names of the documents read from files, by kind: a row written
/// from the same Kubernetes resource is the same permission or group.
#[derive(Clone, Debug, Default)]
pub struct DocumentKeys {
    permissions: BTreeSet<(String, String)>,
    groups: BTreeSet<(String, String)>,
    scopes: BTreeSet<(String, String)>,
}

impl DocumentKeys {
    /// The keys of `documents`.
    pub fn of(documents: &Documents) -> DocumentKeys {
        let key = |m: &Metadata| (namespace_of(m), m.name.value.clone());
        DocumentKeys {
            permissions: documents
                .permissions
                .iter()
                .map(|p| key(&p.value.metadata))
                .collect(),
            groups: documents
                .groups
                .iter()
                .map(|g| key(&g.value.metadata))
                .collect(),
            scopes: documents
                .scopes
                .iter()
                .map(|s| key(&s.value.metadata))
                .collect(),
        }
    }
}

/// What reading the policy rows found beside the documents.
#[derive(Debug, Default)]
pub struct PolicyFindings {
    /// The earliest `until` of a permission row kept (it still grants now).
    pub earliest_until: Option<String>,
    /// The same, in seconds since the Unix epoch (by the database's clock).
    pub earliest_until_epoch: Option<f64>,
    /// The ids of the live `permissions` rows read that are allows (`deny` not true):
    /// the rows whose leaving out can only narrow what is granted.
    pub allow_rows: BTreeSet<String>,
}

/// The `source` of rows written from Kubernetes resources.
pub const KUBERNETES_SOURCE: &str = "KubernetesCRD";

/// The global objects a Permission document names by a single wildcard selector, and
/// the category list it writes.
const GLOBAL_OBJECT_LISTS: [(&str, &str); 4] = [
    ("catalog", "configs"),
    ("playbooks", "playbooks"),
    ("topology", "components"),
    ("connection", "connections"),
];

/// Global objects the UI writes that Mission Control's rules never match.
const UNMATCHED_OBJECTS: [&str; 2] = ["component", "playbook"];

/// Member kinds of a group that Rampart does not model.
const UNMODELLED_MEMBERS: [&str; 3] = ["canaries", "scrapers", "topologies"];

/// Subject kinds Rampart does not model.
const UNMODELLED_SUBJECTS: [&str; 6] = [
    "plugin",
    "canary",
    "scraper",
    "topology",
    "component",
    "role_binding",
];

/// The value when present and not blank.
fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|s| !s.trim().is_empty())
}

/// The key a subject uuid is looked up by: the canonical uuid (lowercase, hyphenated) of
/// a uuid in any spelling (`rampart_runtime::identity`, as the tables find ids), else
/// `None` (a name, not a uuid). Permission rows and casbin rows (`catalog_read`, whose
/// SQL casts the same spellings) name their subjects by it.
pub(crate) fn uuid_key(text: &str) -> Option<String> {
    rampart_runtime::identity::canonical_uuid(text.trim()).map(|u| u.as_str().to_string())
}

/// The subject types a permission row may hold, as Mission Control writes them.
const SUBJECT_TYPES: [&str; 6] = [
    "person",
    "team",
    "group",
    "role",
    "notification",
    "playbook",
];

/// The catalog's names for the uuids a row may hold.
struct Names {
    people: BTreeMap<String, String>,
    teams: BTreeMap<String, String>,
    notifications: BTreeMap<String, String>,
    playbooks: BTreeMap<String, String>,
}

impl Names {
    fn of(catalog: &Catalog) -> Names {
        let lower = |s: &str| uuid_key(s).unwrap_or_else(|| s.to_ascii_lowercase());
        Names {
            people: catalog
                .people
                .iter()
                .filter_map(|p| Some((lower(p.id.as_deref()?), p.key().to_string())))
                .collect(),
            teams: catalog
                .teams
                .iter()
                .filter_map(|t| Some((lower(t.id.as_deref()?), t.name.clone())))
                .collect(),
            notifications: catalog
                .notifications
                .iter()
                .filter_map(|o| Some((lower(o.id.as_deref()?), o.key())))
                .collect(),
            playbooks: catalog
                .playbooks
                .iter()
                .filter_map(|o| Some((lower(o.id.as_deref()?), o.key())))
                .collect(),
        }
    }

    fn of_kind(&self, kind: &str) -> Option<&BTreeMap<String, String>> {
        match kind {
            "person" => Some(&self.people),
            "team" => Some(&self.teams),
            "notification" => Some(&self.notifications),
            "playbook" => Some(&self.playbooks),
            _ => None,
        }
    }
}

/// Why a row whose subject uuid names nobody live is left out (an allow) or refused (a
/// deny).
const SUBJECT_GONE: &str = "permissions whose subject is soft-deleted or missing";

/// Why an allow row whose subject is not written as Mission Control writes it is left
/// out: it matches the text as written, and no subject's id is spelled so.
const SUBJECT_RESPELLED: &str =
    "permissions whose subject is written other than as Mission Control writes an id (its rule matches no one there)";

/// A row left out, with a warning naming it.
struct LeftOut {
    reason: &'static str,
    message: String,
}

fn left_out(reason: &'static str, message: impl Into<String>) -> LeftOut {
    LeftOut {
        reason,
        message: message.into(),
    }
}

/// The columns of a `permissions` row.
struct PermissionRow {
    id: String,
    name: Option<String>,
    namespace: Option<String>,
    source: Option<String>,
    subject_type: Option<String>,
    subject: Option<String>,
    person_id: Option<String>,
    team_id: Option<String>,
    notification_id: Option<String>,
    action: Option<String>,
    object: Option<String>,
    object_selector: Option<String>,
    deny: Option<bool>,
    resource_ids: [(&'static str, Option<String>); 5],
    expired: bool,
    until: Option<String>,
    tags: Option<String>,
    agents: Option<Vec<String>>,
    until_epoch: Option<f64>,
}

impl PermissionRow {
    fn of(row: &Row) -> Result<PermissionRow, SourceError> {
        let what = "permissions";
        let t = |i: usize| text(row, i, what);
        let decode = |e: postgres::Error| SourceError::query(what, &e);
        Ok(PermissionRow {
            id: t(0)?.unwrap_or_default(),
            name: t(1)?,
            namespace: t(2)?,
            source: t(3)?,
            subject_type: t(4)?,
            subject: t(5)?,
            person_id: t(6)?,
            team_id: t(7)?,
            notification_id: t(8)?,
            action: t(9)?,
            object: t(10)?,
            object_selector: t(11)?,
            deny: row.try_get(12).map_err(decode)?,
            resource_ids: [
                ("config_id", t(13)?),
                ("component_id", t(14)?),
                ("playbook_id", t(15)?),
                ("connection_id", t(16)?),
                ("canary_id", t(17)?),
            ],
            expired: row
                .try_get::<_, Option<bool>>(18)
                .map_err(decode)?
                .unwrap_or(false),
            until: t(19)?,
            tags: t(20)?,
            agents: row.try_get(21).map_err(decode)?,
            until_epoch: row.try_get(22).map_err(decode)?,
        })
    }

    fn origin(&self, columns: Vec<(String, String)>) -> RowOrigin {
        RowOrigin {
            table: "permissions".to_string(),
            id: self.id.clone(),
            name: self.name.clone(),
            source: self.source.clone(),
            columns,
        }
    }

    /// The subject as a document writes it, and the column it was read from: `subject`
    /// when not empty, else the deprecated id columns (as upstream's loader does).
    fn subject(&self, names: &Names) -> Result<(&'static str, String, &'static str), LeftOut> {
        // Mission Control's rule takes `subject` whenever it is not empty, blank or not
        // (`Principal()`): an allow whose subject is blank grants no one, whatever the
        // deprecated id columns say.
        if !self.deny.unwrap_or(false)
            && self
                .subject
                .as_deref()
                .is_some_and(|s| !s.is_empty() && s.trim().is_empty())
        {
            return Err(left_out(
                SUBJECT_RESPELLED,
                "the subject is blank; Mission Control's rule takes it as written (not the deprecated id columns), so the allow grants no one",
            ));
        }
        let (kind, value, column) = if let Some(subject) = non_empty(&self.subject) {
            let kind = self.subject_type.as_deref().unwrap_or("group");
            (kind.to_string(), subject.to_string(), "subject")
        } else if let Some(v) = non_empty(&self.person_id) {
            ("person".to_string(), v.to_string(), "person_id")
        } else if let Some(v) = non_empty(&self.team_id) {
            ("team".to_string(), v.to_string(), "team_id")
        } else if let Some(v) = non_empty(&self.notification_id) {
            ("notification".to_string(), v.to_string(), "notification_id")
        } else {
            return Err(left_out(
                "permissions naming no subject",
                "the row names no subject (`subject`, `person_id`, `team_id` and `notification_id` are empty): Mission Control's rules for it match nobody",
            ));
        };
        let kind: &'static str = match kind.as_str() {
            "person" => "person",
            "team" => "team",
            "group" | "role" => "group",
            "notification" => "notification",
            "playbook" => "playbook",
            other if UNMODELLED_SUBJECTS.contains(&other) => {
                // Mission Control ignores `subject_type` in its rule: the subject is the
                // text. A deny whose text is a live person's or team's id, or a name (a
                // role or group), is applied to them as Mission Control applies it.
                if self.deny.unwrap_or(false) && column == "subject" {
                    match uuid_key(&value) {
                        Some(key) if key == value => {
                            for kind in ["person", "team"] {
                                if let Some(name) = names.of_kind(kind).and_then(|m| m.get(&key)) {
                                    return Ok((kind, name.clone(), column));
                                }
                            }
                        }
                        Some(_) => {}
                        None => return Ok(("group", value, column)),
                    }
                }
                return Err(left_out(
                    "permissions of subjects Rampart does not model (plugins, canaries, scrapers, topologies)",
                    format!("the subject is a {other} (`{value}`), which Rampart is never asked about"),
                ));
            }
            other => {
                // Not a kind upstream writes: refused by `permission_subject`, naming the
                // column and its value.
                return Ok(("unknown", other.to_string(), "subject_type"));
            }
        };
        // Mission Control matches `subject` as text against the subject's id as it spells
        // it (lowercase, hyphenated): an allow in any other spelling (or naming by
        // email or name) grants no one there. A deny so written is applied to whom it
        // names (narrower than Mission Control, never wider).
        if kind != "group"
            && column == "subject"
            && !self.deny.unwrap_or(false)
            && uuid_key(&value).as_deref() != Some(value.as_str())
        {
            return Err(left_out(
                SUBJECT_RESPELLED,
                format!("the subject `{value}` ({kind}) is not an id as Mission Control writes it (a lowercase, hyphenated uuid); Mission Control compares it as text with the id of whoever asks, so the allow grants no one"),
            ));
        }
        if let Some(key) = uuid_key(&value).filter(|_| kind != "group") {
            let known = names.of_kind(kind).and_then(|m| m.get(&key));
            return match known {
                Some(name) => Ok((kind, name.clone(), column)),
                None => Err(left_out(
                    SUBJECT_GONE,
                    format!("the subject is the {kind} `{value}`, which is soft-deleted or missing (or is not a person the catalog holds: an agent, the System person): the row applies to nobody Rampart is asked about"),
                )),
            };
        }
        Ok((kind, value, column))
    }

    /// The object as a document writes it, and the column it was read from.
    #[allow(clippy::type_complexity)]
    fn object(
        &self,
    ) -> Result<Result<(Value, &'static str), Box<dyn Fn(RowOrigin) -> Diagnostic>>, LeftOut> {
        if let Some(selector) = self
            .object_selector
            .as_deref()
            .filter(|s| !s.trim().is_empty())
        {
            let value: Value = serde_json::from_str(selector).unwrap_or(Value::Null);
            return Ok(Ok((value, "object_selector")));
        }
        if let Some(object) = self.object.as_deref().filter(|s| !s.trim().is_empty()) {
            if object == "mcp" {
                return Ok(Ok((json!({"mcp": true}), "object")));
            }
            if let Some((_, list)) = GLOBAL_OBJECT_LISTS.iter().find(|(o, _)| *o == object) {
                return Ok(Ok((json!({ *list: [{"name": "*"}] }), "object")));
            }
            if UNMATCHED_OBJECTS.contains(&object) {
                return Err(left_out(
                    "permissions on `component` or `playbook` (the UI writes them; Mission Control's rules never match them)",
                    format!("the object `{object}` is not one of Mission Control's object names, so its rules never match"),
                ));
            }
            let object = object.to_string();
            return Ok(Err(Box::new(move |origin| {
                let file = SourceFile::for_row(origin, String::new());
                Diagnostic::at(
                    Location::new(&file, 0, 1),
                    format!("the global object `{object}` cannot be written as a Permission document, and Rampart cannot decide it"),
                )
                .field("spec.object")
                .help("grant it through a built-in role instead; a permission row may name the global objects `catalog`, `playbooks`, `topology`, `connection` and `mcp`")
            })));
        }
        for (column, value) in &self.resource_ids {
            let Some(id) = value else { continue };
            let list = match *column {
                "config_id" => "configs",
                "component_id" => "components",
                "playbook_id" => "playbooks",
                "connection_id" => "connections",
                _ => {
                    return Err(left_out(
                        "permissions on canaries (Rampart does not model canaries)",
                        format!(
                            "the object is the canary `{id}`, which Rampart is never asked about"
                        ),
                    ))
                }
            };
            return Ok(Ok((json!({ list: [{"id": id}] }), column)));
        }
        Ok(Ok((Value::Object(Map::new()), "object_selector")))
    }
}

/// Keeps the first hundred warnings and counts the row.
fn warn(summary: &mut CatalogSummary, origin: RowOrigin, why: LeftOut) {
    summary.skip(why.reason, 1);
    summary.warn_row(
        origin,
        format!("{}; the row is left out", why.message),
        "nothing to do if this is expected; otherwise fix the row in Mission Control",
    );
}

/// Reads `scopes`, `permissions` and `permission_groups` into `documents` (beside the
/// documents read from files, whose keys `files` holds); permission rows unchanged since
/// a read that `parsed` kept are not parsed again.
#[allow(clippy::too_many_arguments)]
pub fn read_policy(
    snapshot: &mut Snapshot<'_>,
    present: &Present,
    catalog: &Catalog,
    files: &DocumentKeys,
    documents: &mut Documents,
    diagnostics: &mut Vec<Diagnostic>,
    summary: &mut CatalogSummary,
    refused: &BTreeSet<String>,
    parsed: &mut ParsedRows,
) -> Result<PolicyFindings, SourceError> {
    parsed.begin();
    let names = Names::of(catalog);
    let mut findings = PolicyFindings::default();
    let scopes = read_scopes(snapshot, files, documents, diagnostics, summary, refused)?;
    read_permissions(
        snapshot,
        present,
        &names,
        files,
        &scopes,
        documents,
        diagnostics,
        summary,
        &mut findings,
        refused,
        parsed,
    )?;
    read_groups(
        snapshot,
        catalog,
        files,
        documents,
        diagnostics,
        summary,
        refused,
    )?;
    leave_out_rows_of_memberless_groups(snapshot, documents, summary)?;
    refuse_denies_casbin_gives_others(snapshot, catalog, documents, diagnostics)?;
    Ok(findings)
}

/// Leaves out the permission rows whose subject is a group no one can be in: no
/// built-in role, no document or row defines it, and no casbin `g` row or live
/// `permission_groups` row links anyone to the name (a group deleted with its
/// permissions left behind). Mission Control's rule for such a row matches no one, allow
/// or deny, so the row changes no decision there; refusing it would make one stale row
/// fail the whole compile (and every `serve --postgres` refresh). Each is counted and
/// named in a warning. A *document* naming such a group stays an error (a typo there is
/// the author's to fix).
fn leave_out_rows_of_memberless_groups(
    snapshot: &mut Snapshot<'_>,
    documents: &mut Documents,
    summary: &mut CatalogSummary,
) -> Result<(), SourceError> {
    let defined: BTreeSet<&str> = documents
        .groups
        .iter()
        .map(|g| g.value.metadata.name.value.as_str())
        .collect();
    let row_group = |p: &rampart_compiler::located::Located<PermissionDocument>| -> Option<String> {
        p.file.row.as_ref()?;
        let group = p.value.spec.subject.value.group.as_ref()?;
        let name = group.value.as_str();
        // A uuid is someone's id to Mission Control's rule (a person reaches their own):
        // never "no one's", so such a row stays an error.
        (rampart_compiler::roles::role_up_to_case(name.trim()).is_none()
            && uuid_key(name).is_none()
            && !defined.contains(name))
        .then(|| name.to_string())
    };
    let candidates: Vec<String> = documents
        .permissions
        .iter()
        .filter_map(row_group)
        .collect::<BTreeSet<String>>()
        .into_iter()
        .collect();
    if candidates.is_empty() {
        return Ok(());
    }
    let casbin = snapshot.table("casbin_rule");
    let groups = snapshot.table("permission_groups");
    let mut linked: BTreeSet<String> = BTreeSet::new();
    for row in snapshot.query(
        "casbin_rule",
        &format!(
            "SELECT v1::text FROM {casbin} WHERE ptype = 'g' AND v1::text = ANY($1) \
             UNION SELECT name FROM {groups} WHERE deleted_at IS NULL AND name = ANY($1)"
        ),
        &[&candidates],
    )? {
        if let Some(name) = text(&row, 0, "casbin_rule")? {
            linked.insert(name);
        }
    }
    let memberless: BTreeSet<String> = candidates
        .into_iter()
        .filter(|name| !linked.contains(name))
        .collect();
    if memberless.is_empty() {
        return Ok(());
    }
    let mut kept = Vec::with_capacity(documents.permissions.len());
    for p in std::mem::take(&mut documents.permissions) {
        match (row_group(&p), p.file.row.clone()) {
            (Some(name), Some(origin)) if memberless.contains(&name) => warn(
                summary,
                origin,
                left_out(
                    "permissions of a group no one is in (no role, group, or casbin row of that name)",
                    format!("the subject is the group `{name}`, which no built-in role, permission group or casbin `g` row defines or links anyone to: Mission Control's rule matches no one"),
                ),
            ),
            _ => kept.push(p),
        }
    }
    documents.permissions = kept;
    Ok(())
}

/// Refuses every deny (of a row or a file) whose subject is a group or role that
/// Mission Control's casbin graph gives someone the graph Rampart reads does not
/// ([`CasbinGraph::escapes`]): a soft-deleted team's members (Mission Control keeps its
/// casbin rows until the team row is hard-deleted), a token through its creator, a
/// person through a casbin row putting them in a team `team_members` does not, a chain
/// passing through a team's or person's id, a permission group's members through a
/// casbin row linking the group's name on, a group's soft-deleted team (Mission Control
/// loads groups as `g` rows, its team lookup keeping soft-deleted teams). Rampart gives
/// nothing through those links,
/// which is narrower for an allow (left as it is) and would lift the deny for them
/// (docs/mission-control.md, "Soft-deleted teams" and "Casbin links").
fn refuse_denies_casbin_gives_others(
    snapshot: &mut Snapshot<'_>,
    catalog: &Catalog,
    documents: &Documents,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<(), SourceError> {
    let denies: Vec<_> = documents
        .permissions
        .iter()
        .filter(|p| p.value.spec.deny == Some(true))
        .collect();
    if denies.is_empty() {
        return Ok(());
    }
    let mut graph = CasbinGraph::read(snapshot)?;
    // Each deny's subject as the nodes of the graph that stand for it: a group or role
    // by its name, a person by their id, a team by its ids.
    let nodes_of = |subject: &rampart_compiler::documents::policy::SubjectSpec,
                    graph: &CasbinGraph|
     -> Vec<String> {
        if let Some(group) = &subject.group {
            return vec![group.value.clone()];
        }
        if let Some(team) = &subject.team {
            return graph.team_ids(&team.value);
        }
        if let Some(person) = &subject.person {
            let key = person.value.as_str();
            return catalog
                .people
                .iter()
                .filter(|p| {
                    p.email.as_deref() == Some(key)
                        || p.id.as_deref() == Some(key)
                        || p.name.as_deref() == Some(key)
                })
                .filter_map(|p| p.id.clone())
                .collect();
        }
        Vec::new()
    };
    let denied: BTreeSet<String> = denies
        .iter()
        .flat_map(|p| nodes_of(&p.value.spec.subject.value, &graph))
        .collect();
    if denied.is_empty() {
        return Ok(());
    }
    let people: Vec<String> = graph.people().map(str::to_string).collect();
    let mut through: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for person in &people {
        for (node, way) in graph.escapes(person, &denied) {
            through
                .entry(node)
                .or_default()
                .push(format!("{} by {way}", graph.email(person)));
        }
    }
    for permission in denies {
        let subject = &permission.value.spec.subject.value;
        let mut ways: Vec<&str> = Vec::new();
        for node in nodes_of(subject, &graph) {
            ways.extend(through.get(&node).into_iter().flatten().map(String::as_str));
        }
        if ways.is_empty() {
            continue;
        }
        let (field, at, shown_subject) = if let Some(g) = &subject.group {
            ("spec.subject.group", permission.at(g), g.value.as_str())
        } else if let Some(t) = &subject.team {
            ("spec.subject.team", permission.at(t), t.value.as_str())
        } else if let Some(p) = &subject.person {
            ("spec.subject.person", permission.at(p), p.value.as_str())
        } else {
            continue;
        };
        let shown: Vec<&str> = ways.iter().take(5).copied().collect();
        diagnostics.push(
            Diagnostic::at(
                at,
                format!(
                    "this deny's subject `{shown_subject}` is given in Mission Control, through `casbin_rule`, `team_members` or `permission_groups` rows Rampart gives nothing through, to {} {}: {}{}; Mission Control denies them, Rampart would not (the deny would be lifted for them): refused",
                    ways.len(),
                    if ways.len() == 1 { "person" } else { "people" },
                    shown.join("; "),
                    if ways.len() > shown.len() { "; ..." } else { "" },
                ),
            )
            .field(field)
            .help("delete those casbin rows (or hard-delete the soft-deleted team) in Mission Control, or name the people the deny is for in a live group or team"),
        );
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn read_permissions(
    snapshot: &mut Snapshot<'_>,
    present: &Present,
    names: &Names,
    files: &DocumentKeys,
    scopes: &ScopeKeys,
    documents: &mut Documents,
    diagnostics: &mut Vec<Diagnostic>,
    summary: &mut CatalogSummary,
    findings: &mut PolicyFindings,
    refused: &BTreeSet<String>,
    parsed: &mut ParsedRows,
) -> Result<(), SourceError> {
    let table = snapshot.table("permissions");
    let tags = if present.has(&PERMISSIONS, "tags") {
        "tags::text"
    } else {
        "NULL::text"
    };
    let agents = if present.has(&PERMISSIONS, "agents") {
        "agents::text[]"
    } else {
        "NULL::text[]"
    };
    let sql = format!(
        "SELECT id::text, name, namespace, source::text, subject_type, subject, \
                person_id::text, team_id::text, notification_id::text, action, object, \
                object_selector::text, deny, config_id::text, component_id::text, \
                playbook_id::text, connection_id::text, canary_id::text, \
                until <= now(), to_char(until AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), \
                {tags}, {agents}, extract(epoch FROM until)::float8 \
         FROM {table} WHERE deleted_at IS NULL AND error IS NULL \
         ORDER BY namespace NULLS FIRST, name, id"
    );
    let mut rows = Vec::new();
    let mut read = 0u64;
    snapshot.stream("permissions", &sql, &[], |row| {
        read += 1;
        rows.push(PermissionRow::of(row)?);
        Ok(())
    })?;
    summary.count("permission rows", read);
    let mut kept = 0u64;
    for row in rows {
        if !row.deny.unwrap_or(false) {
            findings.allow_rows.insert(row.id.clone());
            if refused.contains(&row.id) {
                summary.skip(
                    "allow permissions that do not compile (left out by `serve --postgres`)",
                    1,
                );
                continue;
            }
        }
        if let Some(document) =
            permission_document(&row, names, files, scopes, diagnostics, summary, findings)
        {
            parsed.read(document, documents, diagnostics);
            kept += 1;
        }
    }
    summary.count("permissions from rows", kept);
    let left = snapshot.query(
        "permissions",
        &format!(
            "SELECT count(*) FILTER (WHERE deleted_at IS NOT NULL), \
                    count(*) FILTER (WHERE deleted_at IS NULL AND error IS NOT NULL) FROM {table}"
        ),
        &[],
    )?;
    summary.skip(
        "permissions soft-deleted",
        crate::catalog_read::count_of(&left, 0, "permissions")?,
    );
    summary.skip(
        "permissions with an `error` (Mission Control skips them too)",
        crate::catalog_read::count_of(&left, 1, "permissions")?,
    );
    Ok(())
}

/// The document a permission row stands for, or `None` when the row is left out.
fn permission_document(
    row: &PermissionRow,
    names: &Names,
    files: &DocumentKeys,
    scopes: &ScopeKeys,
    diagnostics: &mut Vec<Diagnostic>,
    summary: &mut CatalogSummary,
    findings: &mut PolicyFindings,
) -> Option<Arc<SourceFile>> {
    if !permission_row_is_kept(row, files, summary) {
        return None;
    }
    let deny = row.deny.unwrap_or(false);
    let subject = permission_subject(row, names, diagnostics, summary)?;
    let object = permission_object(row, diagnostics, summary)?;
    // Only an allow's `until` changes a decision when it passes (a deny stays in force).
    if let Some(until) = row.until.as_ref().filter(|_| !row.expired && !deny) {
        if findings.earliest_until.as_ref().is_none_or(|e| until < e) {
            findings.earliest_until = Some(until.clone());
            findings.earliest_until_epoch = row.until_epoch;
        }
    }
    let actions = row_actions(row, summary)?;
    let (document, columns) = permission_json(row, subject, object, actions);
    let text = serde_json::to_string_pretty(&document).unwrap_or_default();
    let missing = scopes.missing(&document);
    if missing.is_empty() {
        return Some(SourceFile::for_row(row.origin(columns), text));
    }
    missing_scopes(row, columns, text, missing, diagnostics, summary);
    None
}

/// Mission Control's actions (duty's `AllActions`): what a rule's patterns are matched
/// against, besides the patterns kept as written.
const MISSION_CONTROL_ACTIONS: [&str; 9] = [
    "create",
    "read",
    "update",
    "delete",
    "playbook:approve",
    "playbook:cancel",
    "playbook:run",
    "mcp:run",
    "mcp:use",
];

/// A row's `action` list as Rampart reads it. For an **allow**, what Mission Control's
/// rule never matches is dropped, each counted and named in a warning: it matches its
/// own actions (duty's `AllActions`) by pattern, case-insensitively, and keeps any
/// other item as written, compared as text with the action asked (`matchAction`,
/// case-sensitive; `invoke:<plugin>:*` by prefix). So it knows no `write` (its rule
/// matches only the action `write`, which Mission Control never checks), no `invoke:*`,
/// and no `invoke:` item in other than lower case; Rampart's grammar reads all three more
/// widely. An allow of exclusions only grants Mission Control's actions less those (no
/// `invoke:` action), written out so; one with an empty item beside them grants nothing
/// there. An allow left with no action is left out. A deny keeps every item: wider than
/// Mission Control's, never narrower.
fn row_actions(row: &PermissionRow, summary: &mut CatalogSummary) -> Option<Vec<String>> {
    let raw: Vec<&str> = row
        .action
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .collect();
    let items: Vec<String> = raw
        .iter()
        .filter(|a| !a.is_empty())
        .map(|a| a.to_string())
        .collect();
    if row.deny.unwrap_or(false) {
        return Some(items);
    }
    let origin = || row.origin(vec![("spec.actions".into(), "action".into())]);
    let had_positive = items.iter().any(|i| !i.starts_with('!'));
    if !had_positive && !items.is_empty() {
        if raw.iter().any(|a| a.is_empty()) {
            warn(
                summary,
                origin(),
                left_out(
                    "allows granting no action Mission Control matches",
                    "the allow lists exclusions and an empty item: Mission Control reads it as no pattern it matches, so it grants nothing there",
                ),
            );
            return None;
        }
        let excluded: Vec<String> = items
            .iter()
            .filter_map(|i| i.strip_prefix('!'))
            .map(|x| x.trim().to_ascii_lowercase())
            .collect();
        return Some(
            MISSION_CONTROL_ACTIONS
                .iter()
                .filter(|a| !excluded.iter().any(|x| x == *a))
                .map(|a| a.to_string())
                .collect(),
        );
    }
    let mut kept = Vec::with_capacity(items.len());
    for item in items {
        let lower = item.to_ascii_lowercase();
        let why = if item.starts_with('!') {
            None
        } else if lower.starts_with("invoke:") && item != lower {
            Some("Mission Control compares an `invoke:` action as text, and actions are asked in lower case")
        } else if lower == "write" {
            Some("`write` is not one of Mission Control's actions (its rule matches only the action `write`, which Mission Control never checks)")
        } else if lower == "invoke:*" {
            Some("Mission Control matches `invoke:<plugin>:*`, never `invoke:*`")
        } else {
            None
        };
        match why {
            None => kept.push(item),
            Some(why) => {
                summary.skip(
                    "allow actions Mission Control never matches (dropped from the row)",
                    1,
                );
                summary.warn_row(
                    origin(),
                    format!("the action `{item}` grants nothing in Mission Control: {why}; it is dropped from the allow"),
                    "write the actions as Mission Control names them (`create`, `update`, `invoke:<plugin>:*`, lower case)",
                );
            }
        }
    }
    if !kept.iter().any(|i| !i.starts_with('!')) {
        warn(
            summary,
            origin(),
            left_out(
                "allows granting no action Mission Control matches",
                "none of the allow's actions is one Mission Control matches, so it grants nothing there",
            ),
        );
        return None;
    }
    Some(kept)
}

/// Whether a permission row is read at all: not when a document in the files is the same
/// Kubernetes resource (the document wins), nor when it is an allow whose `until` has
/// passed (left out, with a warning). An expired deny is kept, with a warning.
fn permission_row_is_kept(
    row: &PermissionRow,
    files: &DocumentKeys,
    summary: &mut CatalogSummary,
) -> bool {
    let bare = || row.origin(Vec::new());
    let namespace = row
        .namespace
        .clone()
        .unwrap_or_else(|| "default".to_string());
    let name = row.name.clone().unwrap_or_default();
    if row.source.as_deref() == Some(KUBERNETES_SOURCE)
        && files.permissions.contains(&(namespace, name))
    {
        summary.skip(
            "permission rows of the same Kubernetes resource as a document (the document wins)",
            1,
        );
        return false;
    }
    let deny = row.deny.unwrap_or(false);
    if row.expired && !deny {
        warn(
            summary,
            bare(),
            left_out(
                "permissions whose `until` has passed (expired: not granted)",
                format!(
                    "the permission expired at `{}` (`until`)",
                    row.until.as_deref().unwrap_or("")
                ),
            ),
        );
        return false;
    }
    if row.expired {
        // Mission Control stores `until` and enforces it nowhere: its deny still denies.
        // Leaving it out would make Rampart wider than Mission Control (fail open).
        summary.count("expired deny permissions kept", 1);
        summary.warn_row(
            bare(),
            format!(
                "expired deny kept: Mission Control enforces no until (the deny expired at `{}` and still denies there)",
                row.until.as_deref().unwrap_or("")
            ),
            "delete the row in Mission Control if the deny is meant to end",
        );
    }
    true
}

/// The row's subject: its kind, value and the column it was read from. A subject that
/// cannot be read leaves the row out with a warning, except a deny's gone subject: that
/// row is refused (leaving it out would lift the deny).
fn permission_subject(
    row: &PermissionRow,
    names: &Names,
    diagnostics: &mut Vec<Diagnostic>,
    summary: &mut CatalogSummary,
) -> Option<(&'static str, String, &'static str)> {
    match row.subject(names) {
        Ok(("unknown", subject_type, column)) => {
            let origin = row.origin(vec![("spec.subject".into(), column.into())]);
            let file = SourceFile::for_row(origin, String::new());
            let lower = subject_type.trim().to_ascii_lowercase();
            let write = if SUBJECT_TYPES.contains(&lower.as_str())
                || UNMODELLED_SUBJECTS.contains(&lower.as_str())
            {
                format!("write `{lower}`: subject types are lowercase")
            } else {
                format!(
                    "write one of {}",
                    SUBJECT_TYPES
                        .iter()
                        .map(|t| format!("`{t}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            diagnostics.push(
                Diagnostic::at(
                    Location::new(&file, 0, 1),
                    format!(
                        "column `subject_type` of table `permissions` is `{}`, which is no subject type Mission Control writes: the row's subject cannot be read, so the row is refused",
                        rampart_runtime::text::Shown(&subject_type)
                    ),
                )
                .field("spec.subject")
                .help(write),
            );
            None
        }
        Ok(s) => Some(s),
        Err(why) if row.deny.unwrap_or(false) && why.reason == SUBJECT_GONE => {
            // Mission Control still loads this deny (a soft-deleted team keeps its casbin
            // rows, so its members stay denied): leaving it out would lift the deny.
            let origin = row.origin(vec![("spec.subject".into(), "subject".into())]);
            let file = SourceFile::for_row(origin, String::new());
            diagnostics.push(
                Diagnostic::at(
                    Location::new(&file, 0, 1),
                    format!("{}; a deny cannot be left out (that would lift it), so the row is refused", why.message),
                )
                .field("spec.subject")
                .help("Mission Control still applies this deny to whoever its subject was: point the deny at a live subject, or delete the row in Mission Control if it is meant to go"),
            );
            None
        }
        Err(why) => {
            warn(summary, row.origin(Vec::new()), why);
            None
        }
    }
}

/// The row's object and the column it was read from; a malformed one is refused, one
/// that cannot be read leaves the row out with a warning.
fn permission_object(
    row: &PermissionRow,
    diagnostics: &mut Vec<Diagnostic>,
    summary: &mut CatalogSummary,
) -> Option<(Value, &'static str)> {
    match row.object() {
        Ok(Ok(o)) => Some(o),
        Ok(Err(diagnostic)) => {
            let origin = row.origin(vec![("spec.object".into(), "object".into())]);
            diagnostics.push(diagnostic(origin));
            None
        }
        Err(why) => {
            warn(summary, row.origin(Vec::new()), why);
            None
        }
    }
}

/// The Permission document a row stands for, and the columns its fields were read from.
fn permission_json(
    row: &PermissionRow,
    (kind, subject, subject_column): (&'static str, String, &'static str),
    (object, object_column): (Value, &'static str),
    actions: Vec<String>,
) -> (Value, Vec<(String, String)>) {
    let mut metadata = Map::new();
    metadata.insert("name".into(), json!(row.name.clone().unwrap_or_default()));
    if let Some(ns) = &row.namespace {
        metadata.insert("namespace".into(), json!(ns));
    }
    metadata.insert("uid".into(), json!(row.id));
    let mut spec = Map::new();
    spec.insert("subject".into(), json!({ kind: subject }));
    spec.insert("actions".into(), json!(actions));
    spec.insert("object".into(), object);
    spec.insert("deny".into(), json!(row.deny.unwrap_or(false)));
    let mut columns = vec![
        ("metadata.name".to_string(), "name".to_string()),
        ("metadata.namespace".to_string(), "namespace".to_string()),
        ("spec.subject".to_string(), subject_column.to_string()),
        ("spec.actions".to_string(), "action".to_string()),
        ("spec.object".to_string(), object_column.to_string()),
        ("spec.deny".to_string(), "deny".to_string()),
    ];
    if let Some(tags) = row.tags.as_deref() {
        let value: Value = serde_json::from_str(tags).unwrap_or(Value::Null);
        if !(value.is_null() || value.as_object().is_some_and(Map::is_empty)) {
            spec.insert("tags".into(), value);
            columns.push(("spec.tags".into(), "tags".into()));
        }
    }
    if let Some(agents) = row.agents.as_ref().filter(|a| !a.is_empty()) {
        spec.insert("agents".into(), json!(agents));
        columns.push(("spec.agents".into(), "agents".into()));
    }
    let document = json!({
        "apiVersion": API_VERSION,
        "kind": "Permission",
        "metadata": metadata,
        "spec": spec,
    });
    (document, columns)
}

/// A permission row referencing scopes that are `missing`: an allow is left out with a
/// warning (it grants nothing more), a deny is refused with a diagnostic per reference.
fn missing_scopes(
    row: &PermissionRow,
    columns: Vec<(String, String)>,
    text: String,
    missing: Vec<(usize, (String, String), &'static str)>,
    diagnostics: &mut Vec<Diagnostic>,
    summary: &mut CatalogSummary,
) {
    if !row.deny.unwrap_or(false) {
        // An allow through a scope that is gone grants nothing more: left out, as
        // Mission Control leaves it out, so a scope deleted to revoke access revokes it
        // at the next refresh (never kept alive by the last good tables).
        let reasons: Vec<String> = missing
            .iter()
            .map(|(i, key, why)| {
                format!(
                    "`spec.object.scopes[{i}]` references scope `{}/{}`, {why}",
                    key.0, key.1
                )
            })
            .collect();
        warn(
            summary,
            row.origin(columns),
            left_out(
                "allow permissions referencing a missing or soft-deleted scope (Mission Control drops them too)",
                reasons.join("; "),
            ),
        );
        return;
    }
    let file = SourceFile::for_row(row.origin(columns), text);
    for (i, key, why) in missing {
        diagnostics.push(
            Diagnostic::at(
                Location::new(&file, 0, 1),
                format!("the permission references scope `{}/{}`, {why}", key.0, key.1),
            )
            .field(format!("spec.object.scopes[{i}]"))
            .help("Mission Control records an error on such a row and drops the permission, which lifts the deny without a word (Rampart refuses it instead, and keeps deciding with the tables it had); restore the scope, or remove the reference (or the permission) in Mission Control"),
        );
    }
}

/// The scopes a permission row may reference: the live `scopes` rows and the Scope
/// documents of files; and the soft-deleted ones, to say why a reference names nothing.
#[derive(Debug, Default)]
struct ScopeKeys {
    live: BTreeSet<(String, String)>,
    deleted: BTreeSet<(String, String)>,
    /// Names of live `scopes` rows without a namespace: Mission Control looks scopes up
    /// by namespace and name (`namespace = $1` never matches NULL), so none is found.
    unnamespaced: BTreeSet<String>,
}

impl ScopeKeys {
    /// The references of a permission document's `object.scopes` that name no live
    /// scope: index, `(namespace, name)` and why. References without a name or a
    /// namespace are left to the resolver's diagnostics.
    fn missing(&self, document: &Value) -> Vec<(usize, (String, String), &'static str)> {
        let references = document
            .pointer("/spec/object/scopes")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        references
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                let field = |k: &str| r.get(k).and_then(Value::as_str).map(str::to_string);
                let key = (field("namespace")?, field("name")?);
                if self.live.contains(&key) {
                    return None;
                }
                let why = if self.deleted.contains(&key) {
                    "which is soft-deleted (its `scopes` row has `deleted_at` set) and no document defines"
                } else if self.unnamespaced.contains(&key.1) {
                    "which only a `scopes` row without a namespace holds (Mission Control looks scopes up by namespace and name and never finds it) and no document defines"
                } else {
                    "which no live `scopes` row and no document defines"
                };
                Some((i, key, why))
            })
            .collect()
    }
}

/// Reads the live `scopes` rows as `Scope` documents (a Kubernetes row of a Scope that a
/// file defines is that Scope: the file wins); returns the keys every permission row
/// may reference.
fn read_scopes(
    snapshot: &mut Snapshot<'_>,
    files: &DocumentKeys,
    documents: &mut Documents,
    diagnostics: &mut Vec<Diagnostic>,
    summary: &mut CatalogSummary,
    refused: &BTreeSet<String>,
) -> Result<ScopeKeys, SourceError> {
    let table = snapshot.table("scopes");
    let mut keys = ScopeKeys {
        live: files.scopes.clone(),
        ..ScopeKeys::default()
    };
    let mut rows = Vec::new();
    snapshot.stream(
        "scopes",
        &format!(
            "SELECT id::text, name, namespace, targets::text, source::text, deleted_at IS NOT NULL \
             FROM {table} ORDER BY namespace NULLS FIRST, name, id"
        ),
        &[],
        |row| {
            let t = |i: usize| text(row, i, "scopes");
            let deleted: bool = row
                .try_get(5)
                .map_err(|e| SourceError::query("scopes", &e))?;
            rows.push((
                RowOrigin {
                    table: "scopes".to_string(),
                    id: t(0)?.unwrap_or_default(),
                    name: t(1)?,
                    source: t(4)?,
                    columns: vec![
                        ("metadata.name".into(), "name".into()),
                        ("metadata.namespace".into(), "namespace".into()),
                        ("spec.targets".into(), "targets".into()),
                    ],
                },
                t(2)?,
                t(3)?,
                deleted,
            ));
            Ok(())
        },
    )?;
    let (mut live, mut deleted) = (0u64, 0u64);
    for (origin, namespace, targets, is_deleted) in rows {
        let name = origin.name.clone().unwrap_or_default();
        let Some(namespace) = namespace else {
            if !is_deleted {
                summary.skip(
                    "scope rows without a namespace (Mission Control never finds them)",
                    1,
                );
                keys.unnamespaced.insert(name);
            }
            continue;
        };
        let key = (namespace.clone(), name.clone());
        if is_deleted {
            deleted += 1;
            keys.deleted.insert(key);
            continue;
        }
        live += 1;
        if refused.contains(&origin.id) {
            // Left out as if absent: allows through it are then left out (referencing a
            // missing scope), denies through it refused.
            summary.skip(
                "scope rows that do not compile (left out by `serve --postgres`)",
                1,
            );
            continue;
        }
        if origin.source.as_deref() == Some(KUBERNETES_SOURCE) && files.scopes.contains(&key) {
            summary.skip(
                "scope rows of the same Kubernetes resource as a document (the document wins)",
                1,
            );
            continue;
        }
        keys.live.insert(key);
        let mut metadata = Map::new();
        metadata.insert("name".into(), json!(name));
        metadata.insert("namespace".into(), json!(namespace));
        metadata.insert("uid".into(), json!(origin.id));
        let targets: Value = targets
            .as_deref()
            .and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or(Value::Null);
        let document = json!({
            "apiVersion": API_VERSION,
            "kind": "Scope",
            "metadata": metadata,
            "spec": {"targets": targets},
        });
        let text = serde_json::to_string_pretty(&document).unwrap_or_default();
        read_file_into(SourceFile::for_row(origin, text), documents, diagnostics);
    }
    summary.count("scope rows", live);
    summary.skip("scopes soft-deleted", deleted);
    Ok(keys)
}

/// The columns of a `permission_groups` row.
struct GroupRow {
    id: String,
    name: Option<String>,
    namespace: Option<String>,
    selectors: Option<String>,
    source: Option<String>,
}

impl GroupRow {
    fn origin(&self) -> RowOrigin {
        RowOrigin {
            table: "permission_groups".to_string(),
            id: self.id.clone(),
            name: self.name.clone(),
            source: self.source.clone(),
            columns: vec![
                ("metadata.name".into(), "name".into()),
                ("metadata.namespace".into(), "namespace".into()),
                ("spec".into(), "selectors".into()),
            ],
        }
    }
}

/// How members of a group row are matched against the catalog, as Mission Control
/// matches them.
struct Members<'c> {
    catalog: &'c Catalog,
}

impl Members<'_> {
    /// People by exact email or name: their ids (every person of that name).
    fn people(&self, entry: &str) -> Vec<String> {
        self.catalog
            .people
            .iter()
            .filter(|p| p.email.as_deref() == Some(entry) || p.name.as_deref() == Some(entry))
            .map(|p| p.id.clone().unwrap_or_else(|| p.key().to_string()))
            .collect()
    }

    fn team(&self, entry: &str) -> bool {
        self.catalog.teams.iter().any(|t| t.name == entry)
    }

    /// Whether a `{namespace, name}` entry selects a live playbook or notification.
    fn service(&self, list: &str, entry: &Value) -> bool {
        let field = |k: &str| {
            entry
                .get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        };
        let (name, namespace) = (field("name"), field("namespace"));
        // As Mission Control's `findNamespacedResources`: an empty selector is skipped,
        // and `*` is every name only without a namespace (`Wildcard()`); beside one it
        // is the name `*`.
        if name.is_none() && namespace.is_none() {
            return false;
        }
        let items = if list == "playbooks" {
            &self.catalog.playbooks
        } else {
            &self.catalog.notifications
        };
        items.iter().any(|o| {
            namespace.is_none_or(|ns| ns == o.namespace.as_deref().unwrap_or("default"))
                && name.is_none_or(|n| (n == "*" && namespace.is_none()) || n == o.name)
        })
    }
}

/// Whether `serve --postgres` may leave out a `permission_groups` row named `name` that
/// does not compile: not when the name is a built-in role's (in any case), since a deny
/// naming it would then apply to the role alone, without the row's members.
pub fn group_row_may_be_left_out(name: Option<&str>) -> bool {
    name.is_some_and(|n| rampart_compiler::roles::role_up_to_case(n.trim()).is_none())
}

/// Reads the live permission groups into `documents` (a document in the files wins over
/// the row of the same Kubernetes resource), then the groups only casbin assigns people to.
/// A row whose id is in `refused` (`serve --postgres` found it does not compile) is
/// withheld, with every row of its name (Mission Control merges them), and so is its name: no group of that name is made from casbin rows alone
/// (it would lack the row's members), so an allow naming it is left out in turn and a
/// deny naming it refuses the refresh ("unknown group"), never applied to fewer people.
fn read_groups(
    snapshot: &mut Snapshot<'_>,
    catalog: &Catalog,
    files: &DocumentKeys,
    documents: &mut Documents,
    diagnostics: &mut Vec<Diagnostic>,
    summary: &mut CatalogSummary,
    refused: &BTreeSet<String>,
) -> Result<(), SourceError> {
    let rows = group_rows(snapshot)?;
    summary.count("permission group rows", rows.len() as u64);
    let members = Members { catalog };
    let mut custom = summary.custom_roles.clone();
    // Mission Control merges the rows of one name (any namespace) into one group: when
    // one is left out, so is every row of its name, or a deny on the name would apply
    // to the other rows' members alone.
    let withheld: BTreeSet<&str> = rows
        .iter()
        .filter(|r| refused.contains(&r.id) && group_row_may_be_left_out(r.name.as_deref()))
        .filter_map(|r| r.name.as_deref())
        .collect();
    for row in &rows {
        let withhold = (refused.contains(&row.id)
            && group_row_may_be_left_out(row.name.as_deref()))
            || row.name.as_deref().is_some_and(|n| withheld.contains(n));
        if withhold {
            summary.skip(
                "permission group rows that do not compile (left out by `serve --postgres`, with the allows naming them)",
                1,
            );
            if let Some(name) = &row.name {
                if let Some(people) = custom.remove(name) {
                    summary.skip(
                        "casbin assignments to a permission group left out",
                        people.len() as u64,
                    );
                }
            }
            continue;
        }
        let namespace = row
            .namespace
            .clone()
            .unwrap_or_else(|| "default".to_string());
        let name = row.name.clone().unwrap_or_default();
        if row.source.as_deref() == Some(KUBERNETES_SOURCE)
            && files.groups.contains(&(namespace, name.clone()))
        {
            summary.skip(
                "permission group rows of the same Kubernetes resource as a document (the document wins)",
                1,
            );
            continue;
        }
        let document = group_document(row, &members, &mut custom, summary);
        let text = serde_json::to_string_pretty(&document).unwrap_or_default();
        read_file_into(
            SourceFile::for_row(row.origin(), text),
            documents,
            diagnostics,
        );
    }
    casbin_only_groups(custom, files, documents, diagnostics, summary);
    Ok(())
}

/// The live rows of `permission_groups`, by name, namespace and id.
fn group_rows(snapshot: &mut Snapshot<'_>) -> Result<Vec<GroupRow>, SourceError> {
    let table = snapshot.table("permission_groups");
    let mut rows = Vec::new();
    snapshot.stream(
        "permission_groups",
        &format!(
            "SELECT id::text, name, namespace, selectors::text, source::text FROM {table} \
             WHERE deleted_at IS NULL ORDER BY name, namespace, id"
        ),
        &[],
        |row| {
            let t = |i: usize| text(row, i, "permission_groups");
            rows.push(GroupRow {
                id: t(0)?.unwrap_or_default(),
                name: t(1)?,
                namespace: t(2)?,
                selectors: t(3)?,
                source: t(4)?,
            });
            Ok(())
        },
    )?;
    Ok(rows)
}

/// The PermissionGroup document a row stands for: its selectors as the spec (members
/// resolved), plus the people casbin assigns to its name (taken out of `custom`).
fn group_document(
    row: &GroupRow,
    members: &Members<'_>,
    custom: &mut BTreeMap<String, Vec<String>>,
    summary: &mut CatalogSummary,
) -> Value {
    let selectors: Value = row
        .selectors
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or(Value::Null);
    let mut spec = match selectors {
        Value::Object(map) => map,
        other => {
            // Not an object: the document's own diagnostic names it.
            let mut map = Map::new();
            map.insert("people".into(), other);
            map
        }
    };
    group_spec(&mut spec, members, summary);
    if let Some(extra) = row.name.as_deref().and_then(|n| custom.remove(n)) {
        add_people(&mut spec, extra, summary);
    }
    let mut metadata = Map::new();
    if let Some(name) = &row.name {
        metadata.insert("name".into(), json!(name));
    }
    if let Some(ns) = &row.namespace {
        metadata.insert("namespace".into(), json!(ns));
    }
    metadata.insert("uid".into(), json!(row.id));
    json!({
        "apiVersion": API_VERSION,
        "kind": "PermissionGroup",
        "metadata": metadata,
        "spec": spec,
    })
}

/// People assigned, by casbin, a group or custom role that no row defines: a group of
/// its own for each role, read into `documents`; a role a document in the files
/// defines is refused (the document's members would not include them).
fn casbin_only_groups(
    custom: BTreeMap<String, Vec<String>>,
    files: &DocumentKeys,
    documents: &mut Documents,
    diagnostics: &mut Vec<Diagnostic>,
    summary: &mut CatalogSummary,
) {
    let file_group_names: BTreeSet<&str> = files.groups.iter().map(|(_, n)| n.as_str()).collect();
    for (role, people) in custom {
        let origin = RowOrigin {
            table: "casbin_rule".to_string(),
            id: format!("g, *, {role}"),
            name: Some(role.clone()),
            source: None,
            columns: vec![("spec.people".into(), "v0".into())],
        };
        if file_group_names.contains(role.as_str()) {
            let file = SourceFile::for_row(origin, String::new());
            diagnostics.push(
                Diagnostic::at(
                    Location::new(&file, 0, 1),
                    format!("casbin assigns people to group `{role}`, which a document defines: the document's members would not include them"),
                )
                .help(format!("list them in the document's `spec.people` ({}), or remove the casbin rows", people.join(", "))),
            );
            continue;
        }
        let mut spec = Map::new();
        add_people(&mut spec, people, summary);
        let document = json!({
            "apiVersion": API_VERSION,
            "kind": "PermissionGroup",
            "metadata": {"name": role},
            "spec": spec,
        });
        let text = serde_json::to_string_pretty(&document).unwrap_or_default();
        read_file_into(SourceFile::for_row(origin, text), documents, diagnostics);
    }
}

/// Adds people (by id) to a group's `people`.
fn add_people(spec: &mut Map<String, Value>, people: Vec<String>, summary: &mut CatalogSummary) {
    summary.count("group members from casbin rows", people.len() as u64);
    let list = spec
        .entry("people")
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(items) = list {
        if items.len() == 1 && items.first().and_then(Value::as_str) == Some("*") {
            return;
        }
        for p in people {
            if !items.iter().any(|i| i.as_str() == Some(p.as_str())) {
                items.push(Value::String(p));
            }
        }
    }
}

/// A group row's selectors as a document's spec: members matched as Mission Control
/// matches them; the rest counted.
fn group_spec(spec: &mut Map<String, Value>, members: &Members<'_>, summary: &mut CatalogSummary) {
    for kind in UNMODELLED_MEMBERS {
        if let Some(Value::Array(items)) = spec.remove(kind) {
            summary.skip(
                "group members of kinds Rampart does not model (canaries, scrapers, topologies)",
                items.len() as u64,
            );
        }
    }
    let mut unmatched = 0u64;
    if let Some(Value::Array(items)) = spec.get_mut("people") {
        let everyone = items.len() == 1 && items.first().and_then(Value::as_str) == Some("*");
        if !everyone {
            let mut ids: Vec<Value> = Vec::new();
            for item in items.iter() {
                match item.as_str() {
                    Some(entry) => {
                        let found = members.people(entry);
                        if found.is_empty() {
                            unmatched += 1;
                        }
                        for id in found {
                            if !ids.iter().any(|i| i.as_str() == Some(id.as_str())) {
                                ids.push(Value::String(id));
                            }
                        }
                    }
                    // Not a string: kept for the document's diagnostic.
                    None => ids.push(item.clone()),
                }
            }
            *items = ids;
        }
    }
    if let Some(Value::Array(items)) = spec.get_mut("teams") {
        let before = items.len();
        items.retain(|t| t.as_str().is_none_or(|name| members.team(name)));
        unmatched += (before - items.len()) as u64;
    }
    for list in ["playbooks", "notifications"] {
        if let Some(Value::Array(items)) = spec.get_mut(list) {
            let before = items.len();
            items.retain(|e| !e.is_object() || members.service(list, e));
            unmatched += (before - items.len()) as u64;
        }
    }
    summary.skip(
        "group members that match nothing live (Mission Control matches nothing either)",
        unmatched,
    );
    for list in ["people", "teams", "playbooks", "notifications"] {
        if spec
            .get(list)
            .and_then(Value::as_array)
            .is_some_and(Vec::is_empty)
        {
            spec.remove(list);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::uuid_key;

    #[test]
    fn uuids_are_told_from_names_in_every_spelling() {
        let canonical = "0190a3c1-0000-0000-0000-0000000000a1";
        for spelling in [
            canonical,
            "0190A3C1-0000-0000-0000-0000000000a1",
            "{0190a3c1-0000-0000-0000-0000000000A1}",
            "urn:uuid:0190a3c1-0000-0000-0000-0000000000a1",
            "0190a3c10000000000000000000000a1",
        ] {
            assert_eq!(uuid_key(spelling).as_deref(), Some(canonical), "{spelling}");
        }
        assert_eq!(uuid_key("0190a3c100000000000000000000000a1"), None);
        assert_eq!(uuid_key("sre"), None);
        assert_eq!(uuid_key("00000000-0000-0000-0000-0000000000a1x"), None);
        assert_eq!(uuid_key("00000000_0000-0000-0000-0000000000a1"), None);
    }
}
