//! Membership changes applied without compiling again, for `rampart serve --postgres`:
//! when the only tables announced since the last build are `team_members`, the live
//! teams' members are read in one snapshot, compared with the members the tables were
//! compiled with, and the difference applied with [`Regrouper`] (only the principals
//! whose memberships changed move; rows are computed only for new classes).
//!
//! The shortcut is taken only when it gives what a full compile of the same snapshot
//! would give; anything it cannot prove that of asks for a full compile instead
//! ([`Applied::Recompile`], with why):
//! - a team added, removed or renamed, or a team that is not one of the tables' units;
//! - the people Rampart holds differ from the live people, by id, email or name
//!   (someone soft-deleted, added, renamed or turned into an access token in the same
//!   transaction: the counters that would announce it are only published later);
//! - a casbin row (any `ptype`) names a changed team, a soft-deleted team, a permission
//!   group the changed team is in (by the groups' rows, not only the groups the compile
//!   kept), or names a moved person as what another inherits from (casbin follows those
//!   links to give roles and scopes the tables hold per person); names are compared
//!   leniently (case, white space and punctuation ignored, a uuid in any spelling), so a
//!   near miss asks for a compile rather than passing;
//! - the casbin rows, the soft-deleted teams or their memberships changed since the
//!   tables were built (a role given in the same transaction; casbin follows a
//!   soft-deleted team's memberships, which the live teams do not show);
//! - the change would make a membership cycle.
//!
//! A change to an object table (`config_items`, `components`, `connections`, `agents`)
//! committed in the same transaction as a membership is not read here: it is seen when
//! its counters are published, by the next poll, as it would be alone.

use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash, Hasher};

use rampart_compiler::catalog::Catalog;
use rampart_compiler::regroup::{MembershipChange, Regrouped, Regrouper};
use rampart_runtime::schema::{TablesData, UnitKind};

use crate::catalog_read::{live_person, live_teams_sql};
use crate::error::SourceError;
use crate::session::{text, Connection, Snapshot};

/// What [`Memberships::apply`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Applied {
    /// The memberships are the ones the tables hold.
    Unchanged,
    /// The changes were applied to the tables.
    Applied(Regrouped),
    /// The change cannot be applied without compiling the world again: why.
    Recompile(String),
}

/// A team the tables were compiled with.
#[derive(Clone, Debug, PartialEq, Eq)]
struct HeldTeam {
    name: String,
    members: BTreeSet<String>,
}

/// Tables compiled from a database, with what is needed to apply membership changes.
pub struct Memberships {
    data: TablesData,
    regrouper: Regrouper,
    /// Team id -> name and member ids.
    teams: BTreeMap<String, HeldTeam>,
    /// Person id -> the key the tables know the person by, their email and name.
    people: BTreeMap<String, HeldPerson>,
    /// A digest of what must not change for the shortcut to hold (every casbin row,
    /// the soft-deleted teams and their memberships), read by [`Memberships::prime`].
    unmoved: Option<u64>,
}

impl Memberships {
    /// The tables `data` compiled from `catalog` with `regrouper`'s units.
    pub fn new(data: TablesData, regrouper: Regrouper, catalog: &Catalog) -> Memberships {
        let teams = catalog
            .teams
            .iter()
            .filter_map(|t| {
                t.id.clone().map(|id| {
                    (
                        id,
                        HeldTeam {
                            name: t.name.clone(),
                            members: t.members.iter().cloned().collect(),
                        },
                    )
                })
            })
            .collect();
        let people = catalog
            .people
            .iter()
            .filter_map(|p| {
                p.id.clone().map(|id| {
                    (
                        id,
                        HeldPerson {
                            key: p.key().to_string(),
                            email: p.email.clone(),
                            name: p.name.clone(),
                        },
                    )
                })
            })
            .collect();
        Memberships {
            data,
            regrouper,
            teams,
            people,
            unmoved: None,
        }
    }

    /// The tables as they stand.
    pub fn data(&self) -> &TablesData {
        &self.data
    }

    /// Reads the casbin rows and soft-deleted teams the tables are taken to hold (just
    /// after a build: a change in between is announced by the polled counters or a
    /// notification, which compile again).
    pub fn prime(&mut self, connection: &mut Connection) -> Result<(), SourceError> {
        let mut snapshot = connection.snapshot()?;
        let read = Read::from(&mut snapshot)?;
        snapshot.finish()?;
        self.unmoved = Some(read.unmoved());
        Ok(())
    }

    /// Reads the memberships in one snapshot and applies what changed, or says why a
    /// full compile is needed. On an error or [`Applied::Recompile`] nothing changes.
    pub fn apply(&mut self, connection: &mut Connection) -> Result<Applied, SourceError> {
        let mut snapshot = connection.snapshot()?;
        let read = Read::from(&mut snapshot)?;
        snapshot.finish()?;
        let changes = match self.changes(&read) {
            Ok(changes) => changes,
            Err(why) => return Ok(Applied::Recompile(why)),
        };
        if changes.is_empty() {
            return Ok(Applied::Unchanged);
        }
        let mut data = self.data.clone();
        let mut regrouper = self.regrouper.clone();
        match regrouper.apply(&mut data, &changes) {
            Ok(regrouped) => {
                self.data = data;
                self.regrouper = regrouper;
                for (id, members) in read.teams {
                    if let Some(team) = self.teams.get_mut(&id) {
                        team.members = members.1;
                    }
                }
                Ok(Applied::Applied(regrouped))
            }
            Err(why) => Ok(Applied::Recompile(why)),
        }
    }

    /// The membership changes of `read`, or why they cannot be applied.
    fn changes(&self, read: &Read) -> Result<Vec<MembershipChange>, String> {
        let held_teams: BTreeMap<&String, &String> =
            self.teams.iter().map(|(id, t)| (id, &t.name)).collect();
        let live_teams: BTreeMap<&String, &String> = read
            .teams
            .iter()
            .map(|(id, (name, _))| (id, name))
            .collect();
        if held_teams != live_teams {
            return Err("a team was added, removed or renamed".to_string());
        }
        let held_people: BTreeMap<&String, (&Option<String>, &Option<String>)> = self
            .people
            .iter()
            .map(|(id, p)| (id, (&p.email, &p.name)))
            .collect();
        let live_people: BTreeMap<&String, (&Option<String>, &Option<String>)> = read
            .people
            .iter()
            .map(|(id, (email, name))| (id, (email, name)))
            .collect();
        if held_people != live_people {
            return Err(
                "the people changed (added, soft-deleted, renamed, or no longer held)".to_string(),
            );
        }
        if self.unmoved != Some(read.unmoved()) {
            return Err(
                "the casbin rows, the soft-deleted teams or their memberships changed since the tables were built"
                    .to_string(),
            );
        }
        let units = self.regrouper.units();
        let mut changes = Vec::new();
        let mut flagged = Flagged::default();
        for (id, (name, live)) in &read.teams {
            let Some(held) = self.teams.get(id) else {
                continue;
            };
            if held.members == *live {
                continue;
            }
            let team = units
                .find(UnitKind::Team, name)
                .ok_or_else(|| format!("team `{name}` is not one of the tables' units"))?;
            flagged.name(name);
            flagged.id(id);
            for unit in units.reached(team) {
                if let (UnitKind::Group, group) = units.describe(unit) {
                    flagged.name(group);
                }
            }
            for (group, selectors) in &read.groups {
                if selectors_name_team(selectors, name, id) {
                    flagged.name(group);
                }
            }
            for (person, joins) in held
                .members
                .symmetric_difference(live)
                .map(|p| (p, live.contains(p)))
            {
                let key = &self
                    .people
                    .get(person)
                    .ok_or_else(|| format!("member `{person}` is not a person the tables hold"))?
                    .key;
                let member = units
                    .find(UnitKind::Person, key)
                    .ok_or_else(|| format!("person `{key}` is not one of the tables' units"))?;
                flagged.inherited(person);
                changes.push(MembershipChange {
                    member,
                    container: team,
                    joins,
                });
            }
        }
        if changes.is_empty() {
            return Ok(changes);
        }
        for (name, id) in &read.deleted_teams {
            flagged.name(name);
            flagged.id(id);
        }
        if let Some(row) = read.casbin.iter().find(|row| flagged.names_any(row)) {
            return Err(format!(
                "a casbin row ({}, {}, {}) names a team whose members changed, a soft-deleted team, a group such a team is in, or a moved person",
                row.0.as_deref().unwrap_or(""),
                row.1.as_deref().unwrap_or(""),
                row.2.as_deref().unwrap_or("")
            ));
        }
        Ok(changes)
    }
}

/// A person the tables were compiled with.
#[derive(Clone, Debug, PartialEq, Eq)]
struct HeldPerson {
    key: String,
    email: Option<String>,
    name: Option<String>,
}

/// Whether a permission group's selectors (JSON text) name the team `name` (id `id`):
/// any of its strings, however spelled (the JSON's escapes decoded, compared leniently),
/// or the raw text containing either.
fn selectors_name_team(selectors: &str, name: &str, id: &str) -> bool {
    let raw = selectors.to_lowercase();
    if raw.contains(&name.to_lowercase()) || raw.contains(&id.to_lowercase()) {
        return true;
    }
    let (team_name, team_id) = (lenient(name), lenient(id));
    strings_of(selectors).iter().any(|s| {
        let s = lenient(s);
        s == team_name || (!team_id.is_empty() && s.ends_with(&team_id))
    })
}

/// Every string in a JSON text (keys left out); none when it does not parse.
fn strings_of(json: &str) -> Vec<String> {
    fn walk(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::String(s) => out.push(s.clone()),
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            serde_json::Value::Object(map) => map.values().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(json) {
        walk(&value, &mut out);
    }
    out
}

/// A casbin row: `ptype`, `v0`, `v1`.
type CasbinRow = (Option<String>, Option<String>, Option<String>);

/// What one snapshot says.
struct Read {
    /// Live team id -> name and live members' ids.
    teams: BTreeMap<String, (String, BTreeSet<String>)>,
    /// Soft-deleted teams' names and ids.
    deleted_teams: Vec<(String, String)>,
    /// The memberships of soft-deleted teams: team id, person id.
    deleted_memberships: Vec<(String, String)>,
    /// The live people Rampart would hold: id -> email and name.
    people: BTreeMap<String, (Option<String>, Option<String>)>,
    /// Permission groups' names and selectors (as text).
    groups: Vec<(String, String)>,
    casbin: Vec<CasbinRow>,
}

impl Read {
    fn from(snapshot: &mut Snapshot<'_>) -> Result<Read, SourceError> {
        let mut teams = BTreeMap::new();
        for row in snapshot.query("teams", &live_teams_sql(snapshot), &[])? {
            let members: Vec<String> = row
                .try_get(2)
                .map_err(|e| SourceError::query("teams", &e))?;
            teams.insert(
                text(&row, 0, "teams")?.unwrap_or_default(),
                (
                    text(&row, 1, "teams")?.unwrap_or_default(),
                    members.into_iter().collect(),
                ),
            );
        }
        let sql = format!(
            "SELECT id::text, name FROM {} WHERE deleted_at IS NOT NULL ORDER BY id",
            snapshot.table("teams")
        );
        let mut deleted_teams = Vec::new();
        for row in snapshot.query("teams", &sql, &[])? {
            deleted_teams.push((
                text(&row, 1, "teams")?.unwrap_or_default(),
                text(&row, 0, "teams")?.unwrap_or_default(),
            ));
        }
        let sql = format!(
            "SELECT m.team_id::text, m.person_id::text FROM {} m JOIN {} t ON t.id = m.team_id \
             WHERE t.deleted_at IS NOT NULL ORDER BY 1, 2",
            snapshot.table("team_members"),
            snapshot.table("teams")
        );
        let mut deleted_memberships = Vec::new();
        for row in snapshot.query("team_members", &sql, &[])? {
            deleted_memberships.push((
                text(&row, 0, "team_members")?.unwrap_or_default(),
                text(&row, 1, "team_members")?.unwrap_or_default(),
            ));
        }
        let people_table = snapshot.table("people");
        let sql = format!(
            "SELECT p.id::text, p.email, p.name FROM {people_table} p WHERE {}",
            live_person("p", &people_table, &snapshot.table("casbin_rule"))
        );
        let mut people = BTreeMap::new();
        for row in snapshot.query("people", &sql, &[])? {
            people.insert(
                text(&row, 0, "people")?.unwrap_or_default(),
                (text(&row, 1, "people")?, text(&row, 2, "people")?),
            );
        }
        let sql = format!(
            "SELECT name, selectors::text FROM {} WHERE deleted_at IS NULL",
            snapshot.table("permission_groups")
        );
        let mut groups = Vec::new();
        for row in snapshot.query("permission_groups", &sql, &[])? {
            groups.push((
                text(&row, 0, "permission_groups")?.unwrap_or_default(),
                text(&row, 1, "permission_groups")?.unwrap_or_default(),
            ));
        }
        Ok(Read {
            teams,
            deleted_teams,
            deleted_memberships,
            people,
            groups,
            casbin: casbin_rows(snapshot)?,
        })
    }
}

impl Read {
    /// A digest of what the shortcut requires unchanged.
    fn unmoved(&self) -> u64 {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        (&self.casbin, &self.deleted_teams, &self.deleted_memberships).hash(&mut hasher);
        hasher.finish()
    }
}

fn casbin_rows(snapshot: &mut Snapshot<'_>) -> Result<Vec<CasbinRow>, SourceError> {
    let sql = format!(
        "SELECT ptype, v0, v1 FROM {} ORDER BY ptype, v0, v1",
        snapshot.table("casbin_rule")
    );
    snapshot
        .query("casbin_rule", &sql, &[])?
        .iter()
        .map(|row| {
            Ok((
                text(row, 0, "casbin_rule")?,
                text(row, 1, "casbin_rule")?,
                text(row, 2, "casbin_rule")?,
            ))
        })
        .collect()
}

/// Names and ids a casbin row must not mention for the shortcut to hold, compared
/// leniently: lower case, letters and digits only.
#[derive(Default)]
struct Flagged {
    names: BTreeSet<String>,
    ids: BTreeSet<String>,
    /// Moved people's ids, flagged where something inherits from them (`v1`).
    inherited: BTreeSet<String>,
}

impl Flagged {
    fn name(&mut self, name: &str) {
        self.names.insert(lenient(name));
    }

    fn id(&mut self, id: &str) {
        self.ids.insert(lenient(id));
    }

    fn inherited(&mut self, id: &str) {
        self.inherited.insert(lenient(id));
    }

    fn names_any(&self, row: &CasbinRow) -> bool {
        let mentions = |value: &Option<String>, ids: &BTreeSet<String>| {
            let Some(value) = value else { return false };
            let v = lenient(value);
            self.names.contains(&v)
                || ids
                    .iter()
                    .any(|id| !id.is_empty() && v.ends_with(id.as_str()))
        };
        mentions(&row.1, &self.ids)
            || mentions(&row.2, &self.ids)
            || mentions(&row.2, &self.inherited)
    }
}

/// Lower case, letters and digits only: every spelling a lookup might equate.
fn lenient(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_compared_leniently_and_ids_in_any_spelling() {
        let mut f = Flagged::default();
        f.name("SRE Team");
        f.id("5f2c0000-0000-4000-8000-0000000000aa");
        let row = |v0: &str, v1: &str| {
            (
                Some("g".to_string()),
                Some(v0.to_string()),
                Some(v1.to_string()),
            )
        };
        assert!(f.names_any(&row("\u{a0}sre-team\u{a0}", "editor")));
        assert!(f.names_any(&row("x", "urn:uuid:5F2C0000-0000-4000-8000-0000000000AA")));
        assert!(f.names_any(&row("{5f2c00000000400080000000000000aa}", "editor")));
        assert!(!f.names_any(&row("11111111-0000-4000-8000-0000000000aa", "editor")));
        assert!(!f.names_any(&row("someone", "editor")));
        f.inherited("p1");
        assert!(f.names_any(&row("token", "P1")) && !f.names_any(&row("p1", "viewer")));
    }

    #[test]
    fn a_group_names_a_team_however_its_json_spells_the_name() {
        let id = "5f2c0000-0000-4000-8000-0000000000aa";
        // A quote is escaped in the JSON text: the raw text does not contain the name.
        assert!(selectors_name_team(r#"{"teams":["sr\"e"]}"#, "sr\"e", id));
        assert!(selectors_name_team(r#"{"teams":["\u0053RE"]}"#, "sre", id));
        assert!(selectors_name_team(
            r#"{"teams":["{5F2C0000-0000-4000-8000-0000000000AA}"]}"#,
            "other",
            id
        ));
        assert!(!selectors_name_team(r#"{"teams":["ops"]}"#, "sre", id));
    }
}
