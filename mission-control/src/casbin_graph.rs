//! Casbin's role graph, walked as its role manager walks it, and the part of it Rampart
//! gives.
//!
//! Mission Control decides "is `alice` in `auditors`" with casbin's `g` relation: every
//! `casbin_rule` row `g, A, B` is a link from the text `A` to the text `B` (compared
//! exactly: a uuid is one more name), a subject is also `everyone`, and `B` is reached
//! within ten links (`maxHierarchyLevel`). Its team memberships are such rows too
//! (`team_members` is mirrored into them), and so is a token's link to its creator.
//!
//! Rampart reads memberships from `team_members` of live teams, and gives nothing through
//! a row whose target is a team or a person (except a token's link to its creator when
//! the token has no scope: no `p` rows of its own, which Rampart does not read) or
//! through a soft-deleted team: **the given graph** is Mission Control's graph less
//! those links.
//! What a person reaches in it are their built-in roles and their custom roles and
//! groups. A deny whose group Mission Control's graph reaches for someone the given
//! graph does not is refused by the caller ([`CasbinGraph::escapes`]): leaving the row
//! out would lift the deny for them.
//!
//! Both walks share a memo of each node's shortest links to everything it reaches, so
//! a few hundred names linked to each other cost that once, not once per person.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::rc::Rc;

use rampart_compiler::roles::ROLES;

use crate::catalog_read::live_person;
use crate::error::SourceError;
use crate::session::{text, Snapshot};

/// How many links casbin's role manager follows from a subject (its default
/// `maxHierarchyLevel`, which Mission Control keeps).
pub const MAX_LINKS: u32 = 10;

/// The role every subject holds in Mission Control.
const EVERYONE: &str = "everyone";

/// One link, and why Rampart does not give what lies behind it (`None`: it does).
#[derive(Clone, Debug)]
struct Link {
    target: String,
    /// What the link is, as a message names it (`g, A, B`, or a team membership).
    shown: String,
    /// Why the given graph lacks it.
    not_given: Option<&'static str>,
    /// Whether it is a `team_members` row (a message names the team's own rows instead).
    membership: bool,
    /// Whether it is a `permission_groups` row's member put in the group (Mission
    /// Control loads each as a `g` row): Rampart gives the group itself through it (the
    /// compiled group), but nothing linked from the group's name.
    group: bool,
}

/// Which links a walk takes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Walk {
    /// The links Rampart gives (what people are given).
    Given,
    /// Those, and a permission group's members into the group and no further (what
    /// Rampart applies, to compare with Mission Control).
    Applied,
    /// Every link, as Mission Control walks them.
    MissionControl,
}

impl Walk {
    fn takes(self, link: &Link) -> bool {
        match self {
            Walk::Given => link.not_given.is_none() && !link.group,
            Walk::Applied => link.not_given.is_none(),
            Walk::MissionControl => true,
        }
    }

    /// Whether the walk stops after `link` (a group's membership, as Rampart applies it).
    fn stops_after(self, link: &Link) -> bool {
        self == Walk::Applied && link.group
    }
}

/// The casbin graph of one snapshot, with the live people it starts from.
pub struct CasbinGraph {
    links: HashMap<String, Vec<Link>>,
    /// Live people: id (as Mission Control spells it) → email, for messages.
    people: BTreeMap<String, String>,
    /// Ids of every team and every person (soft-deleted included): not role names.
    principals: BTreeSet<String>,
    memo: HashMap<(String, u8), Rc<HashMap<String, u32>>>,
    /// Unscoped access tokens' creators: token id → creator ids (the token has
    /// everything its creator has, teams and permission groups included).
    creators: BTreeMap<String, Vec<String>>,
    /// The same links the other way: creator id → its unscoped tokens.
    tokens: BTreeMap<String, Vec<String>>,
    /// Team ids by name (soft-deleted teams included).
    team_ids: HashMap<String, Vec<String>>,
    /// Live people Rampart cannot give what Mission Control gives them, left out of the
    /// catalog (a request by one is an error): id → (email, why).
    left_out: BTreeMap<String, (String, String)>,
}

/// What a person reaches: each node with the first link of the way (for messages).
pub type Reached = BTreeMap<String, String>;

impl CasbinGraph {
    /// Reads the `g` rows, the memberships and the people of the snapshot.
    pub fn read(snapshot: &mut Snapshot<'_>) -> Result<CasbinGraph, SourceError> {
        let casbin = snapshot.table("casbin_rule");
        let people = snapshot.table("people");
        let teams = snapshot.table("teams");
        let members = snapshot.table("team_members");
        let mut principals = BTreeSet::new();
        let mut deleted_teams: BTreeMap<String, String> = BTreeMap::new();
        let mut team_ids: HashMap<String, Vec<String>> = HashMap::new();
        for row in snapshot.query(
            "teams",
            &format!("SELECT id::text, name, deleted_at IS NOT NULL FROM {teams}"),
            &[],
        )? {
            let id = text(&row, 0, "teams")?.unwrap_or_default();
            if let Some(name) = text(&row, 1, "teams")? {
                team_ids.entry(name).or_default().push(id.clone());
            }
            let deleted: bool = row
                .try_get(2)
                .map_err(|e| SourceError::query("teams", &e))?;
            if deleted {
                deleted_teams.insert(id.clone(), text(&row, 1, "teams")?.unwrap_or_default());
            }
            principals.insert(id);
        }
        for row in snapshot.query("people", &format!("SELECT id::text FROM {people}"), &[])? {
            principals.insert(text(&row, 0, "people")?.unwrap_or_default());
        }
        let mut live = BTreeMap::new();
        // Live people (and agents-free, with an email) by email and by name, as Mission
        // Control matches a permission group's `people`.
        let mut named: HashMap<String, Vec<String>> = HashMap::new();
        for row in snapshot.query(
            "people",
            &format!(
                "SELECT p.id::text, p.email, p.name FROM {people} p WHERE {}",
                live_person("p", &people, &casbin)
            ),
            &[],
        )? {
            let id = text(&row, 0, "people")?.unwrap_or_default();
            let email = text(&row, 1, "people")?.unwrap_or_default();
            named.entry(email.clone()).or_default().push(id.clone());
            if let Some(name) = text(&row, 2, "people")? {
                named.entry(name).or_default().push(id.clone());
            }
            live.insert(id, email);
        }
        // Subjects with `p` rows of their own: a scoped access token's denies (Mission
        // Control denies it everything outside its scope with such rows).
        let mut scoped = BTreeSet::new();
        for row in snapshot.query(
            "casbin_rule",
            &format!("SELECT DISTINCT v0::text FROM {casbin} WHERE ptype = 'p' AND v0 IS NOT NULL"),
            &[],
        )? {
            scoped.insert(text(&row, 0, "casbin_rule")?.unwrap_or_default());
        }
        let people_ids: BTreeSet<String> = live.keys().cloned().collect();
        let mut creators: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut links: HashMap<String, Vec<Link>> = HashMap::new();
        let mut add = |from: String, link: Link| links.entry(from).or_default().push(link);
        for row in snapshot.query(
            "casbin_rule",
            &format!(
                "SELECT v0::text, v1::text FROM {casbin} \
                 WHERE ptype = 'g' AND v0 IS NOT NULL AND v1 IS NOT NULL"
            ),
            &[],
        )? {
            let member = text(&row, 0, "casbin_rule")?.unwrap_or_default();
            let target = text(&row, 1, "casbin_rule")?.unwrap_or_default();
            let not_given = if deleted_teams.contains_key(&member) {
                Some("a soft-deleted team's row (Rampart reads live teams only)")
            } else if people_ids.contains(&target)
                && people_ids.contains(&member)
                && member != target
                && !scoped.contains(&member)
            {
                // An access token without a scope has everything its creator has, in
                // Mission Control and here.
                creators
                    .entry(member.clone())
                    .or_default()
                    .push(target.clone());
                None
            } else if principals.contains(&target) {
                Some("a row whose target is a team or a person: Rampart reads memberships from `team_members` of live teams, and gives a token with a scope (`p` rows of its own, which Rampart does not read) none of its creator's roles")
            } else {
                None
            };
            add(
                member.clone(),
                Link {
                    shown: format!("`g, {member}, {target}`"),
                    target,
                    not_given,
                    membership: false,
                    group: false,
                },
            );
        }
        for row in snapshot.query(
            "team_members",
            &format!("SELECT person_id::text, team_id::text FROM {members}"),
            &[],
        )? {
            let person = text(&row, 0, "team_members")?.unwrap_or_default();
            let team = text(&row, 1, "team_members")?.unwrap_or_default();
            let deleted = deleted_teams.get(&team);
            add(
                person,
                Link {
                    shown: match deleted {
                        Some(name) => format!("membership of soft-deleted team `{name}` ({team})"),
                        None => format!("membership of team {team}"),
                    },
                    target: team,
                    not_given: deleted.map(|_| "a soft-deleted team's membership (Mission Control keeps its casbin rows until the team is hard-deleted)"),
                    membership: true,
                    group: false,
                },
            );
        }
        // Mission Control loads each live `permission_groups` row as `g` rows from its
        // members to its name: people by email or name (`*`: `everyone`), teams by name
        // (soft-deleted ones too: its team lookup does not filter them).
        let groups = snapshot.table("permission_groups");
        for row in snapshot.query(
            "permission_groups",
            &format!("SELECT name, selectors::text FROM {groups} WHERE deleted_at IS NULL"),
            &[],
        )? {
            let Some(name) = text(&row, 0, "permission_groups")? else {
                continue;
            };
            let selectors: serde_json::Value = text(&row, 1, "permission_groups")?
                .and_then(|s| serde_json::from_str(&s).ok())
                .unwrap_or_default();
            let strings = |key: &str| -> Vec<String> {
                selectors
                    .get(key)
                    .and_then(serde_json::Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let people_entries = strings("people");
            let mut members: Vec<String> = Vec::new();
            if people_entries.len() == 1 && people_entries.first().is_some_and(|p| p == "*") {
                members.push(EVERYONE.to_string());
            } else {
                for entry in &people_entries {
                    members.extend(named.get(entry).cloned().unwrap_or_default());
                }
            }
            for team in strings("teams") {
                members.extend(team_ids.get(&team).cloned().unwrap_or_default());
            }
            for member in members {
                add(
                    member,
                    Link {
                        target: name.clone(),
                        shown: format!("permission group `{name}`'s member"),
                        not_given: None,
                        membership: false,
                        group: true,
                    },
                );
            }
        }
        for role in ROLES {
            for inherited in role.inherits {
                add(
                    role.name.to_string(),
                    Link {
                        target: inherited.to_string(),
                        shown: format!("built-in inheritance {} → {inherited}", role.name),
                        not_given: None,
                        membership: false,
                        group: false,
                    },
                );
            }
        }
        let mut graph = CasbinGraph {
            links,
            people: live,
            principals,
            memo: HashMap::new(),
            tokens: creators
                .iter()
                .fold(BTreeMap::new(), |mut tokens, (token, of)| {
                    for creator in of {
                        tokens
                            .entry(creator.clone())
                            .or_insert_with(Vec::new)
                            .push(token.clone());
                    }
                    tokens
                }),
            creators,
            team_ids,
            left_out: BTreeMap::new(),
        };
        graph.leave_out(&scoped);
        Ok(graph)
    }

    /// Leaves out of [`Self::people`] every live person whose access Rampart cannot give
    /// as Mission Control gives it, with why: one who reaches (within casbin's ten links)
    /// a person or team with `p` rows of its own — a scoped access token, whose scope
    /// Mission Control applies to whoever reaches it with those rows, which Rampart does
    /// not read; and one to whom Rampart would give something Mission Control's ten links
    /// do not reach: through a token's creator (Rampart's `inherits` gives a creator's
    /// everything, however deep) or a built-in role's inheritance (the catalog's roles
    /// imply their inherited roles, however deep). The people around them are kept.
    fn leave_out(&mut self, scoped: &BTreeSet<String>) {
        let mut left_out: BTreeMap<String, String> = BTreeMap::new();
        let targets: Vec<&String> = scoped
            .iter()
            .filter(|s| self.principals.contains(*s))
            .collect();
        if !targets.is_empty() {
            // Links the other way: each node's links from targets' distance.
            let mut reverse: HashMap<&str, Vec<&str>> = HashMap::new();
            for (from, links) in &self.links {
                for link in links {
                    reverse
                        .entry(link.target.as_str())
                        .or_default()
                        .push(from.as_str());
                }
            }
            let mut distance: HashMap<&str, (u32, &str)> = HashMap::new();
            let mut queue = VecDeque::new();
            for target in &targets {
                distance.insert(target.as_str(), (0, target.as_str()));
                queue.push_back(target.as_str());
            }
            while let Some(at) = queue.pop_front() {
                let Some(&(d, target)) = distance.get(at) else {
                    continue;
                };
                if d >= MAX_LINKS {
                    continue;
                }
                for from in reverse.get(at).map(Vec::as_slice).unwrap_or_default() {
                    if !distance.contains_key(from) {
                        distance.insert(from, (d + 1, target));
                        queue.push_back(from);
                    }
                }
            }
            // Every subject is `everyone`, one link on.
            let through_everyone = distance
                .get(EVERYONE)
                .filter(|(d, _)| *d < MAX_LINKS)
                .map(|&(_, target)| target);
            for person in self.people.keys() {
                let target = distance
                    .get(person.as_str())
                    .filter(|(d, _)| *d > 0)
                    .map(|&(_, target)| target)
                    .or(through_everyone);
                if let Some(target) = target {
                    left_out.insert(person.clone(), format!("reaches, through casbin links, `{target}`, which has casbin `p` rows of its own (an access token's scope, which Mission Control applies to whoever reaches it and Rampart does not read)"));
                }
            }
        }
        let people: Vec<String> = self.people.keys().cloned().collect();
        for person in &people {
            if left_out.contains_key(person) {
                continue;
            }
            if let Some(why) = self.gives_more_than_mission_control(person, &left_out) {
                left_out.insert(person.clone(), why);
            }
        }
        // Whoever has everything of someone left out is left out too (else that one's
        // denies would not reach them), to a fixed point.
        loop {
            let mut more = Vec::new();
            for person in &people {
                if left_out.contains_key(person) {
                    continue;
                }
                let creators = self
                    .creators
                    .get(person)
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                if let Some(creator) = creators.iter().find(|c| left_out.contains_key(*c)) {
                    more.push((
                        person.clone(),
                        format!("has everything of `{creator}` (through `g, {person}, {creator}`), who is left out"),
                    ));
                }
            }
            if more.is_empty() {
                break;
            }
            left_out.extend(more);
        }
        for (person, why) in left_out {
            if let Some(email) = self.people.remove(&person) {
                self.left_out.insert(person, (email, why));
            }
        }
    }

    /// Why Rampart would give `person` something Mission Control's walk does not reach
    /// (`None`: it would not): a creator's everything through `inherits` (a link casbin
    /// counts), or a role a reached built-in role inherits past the tenth link.
    fn gives_more_than_mission_control(
        &mut self,
        person: &str,
        left_out: &BTreeMap<String, String>,
    ) -> Option<String> {
        let mut chain: Vec<String> = Vec::new();
        let mut seen: BTreeSet<String> = BTreeSet::from([person.to_string()]);
        let mut next = vec![person.to_string()];
        while let Some(at) = next.pop() {
            for creator in self.creators.get(&at).cloned().unwrap_or_default() {
                if creator == person {
                    return Some(format!(
                        "is in a loop of casbin links from person to person (through `g, {at}, {person}`), which a catalog's `inherits` cannot hold (Mission Control gives each in the loop everything of the others)"
                    ));
                }
                if seen.insert(creator.clone()) {
                    if left_out.contains_key(&creator) {
                        return Some(format!(
                            "has everything of `{creator}` (an access token's creator), who is left out"
                        ));
                    }
                    chain.push(creator.clone());
                    next.push(creator);
                }
            }
        }
        let given: BTreeSet<String> = self.reach(person, Walk::Given).into_keys().collect();
        let mut effective: BTreeSet<String> = given.clone();
        for creator in &chain {
            effective.insert(creator.clone());
            effective.extend(self.reach_keeping(creator, Walk::Applied, true).into_keys());
        }
        let implied: Vec<String> = ROLES
            .iter()
            .map(|r| r.name.to_string())
            .filter(|r| {
                effective
                    .iter()
                    .any(|o| rampart_compiler::roles::implies(o, r))
            })
            .collect();
        effective.extend(implied);
        effective.remove(person);
        if effective.is_subset(&given) {
            return None;
        }
        let all = self.reach_keeping(person, Walk::MissionControl, true);
        let beyond: Vec<&String> = effective
            .iter()
            .filter(|n| !all.contains_key(*n))
            .take(3)
            .collect();
        let first = beyond.first()?;
        Some(format!(
            "would hold `{first}` in Rampart, through an access token's creator or a built-in role's inheritance, which Mission Control does not reach within casbin's {MAX_LINKS} links"
        ))
    }

    /// The live people left out of the catalog: id → (email, why).
    pub fn left_out(&self) -> &BTreeMap<String, (String, String)> {
        &self.left_out
    }

    /// Whether `person` is a live person the catalog holds (not left out).
    pub fn holds(&self, person: &str) -> bool {
        self.people.contains_key(person)
    }

    /// The live people, by id.
    pub fn people(&self) -> impl Iterator<Item = &str> {
        self.people.keys().map(String::as_str)
    }

    /// What `person` reaches in the given graph (roles, custom roles, groups; never a
    /// team or person id), each with the first link of its way.
    pub fn given(&mut self, person: &str) -> Reached {
        self.reach(person, Walk::Given)
    }

    /// Mission Control's graph and what Rampart applies disagree for `person` on these
    /// of `names` (role and group names, or person and team ids: Rampart applies a
    /// person's or team's permissions to that person, the team's `team_members`, and the
    /// tokens that inherit them): Mission Control reaches them, Rampart does not. Each with the way
    /// Mission Control takes (the links, in order).
    pub fn escapes(&mut self, person: &str, names: &BTreeSet<String>) -> Vec<(String, String)> {
        let applied = self.reach_keeping(person, Walk::Applied, true);
        let all = self.reach_keeping(person, Walk::MissionControl, true);
        let mut out = Vec::new();
        for name in names {
            if all.contains_key(name) && !applied.contains_key(name) {
                out.push((name.clone(), self.way(person, name)));
            }
        }
        out
    }

    /// The unscoped access tokens of `creator` (which Rampart makes members of the
    /// creator's teams and permission groups, as Mission Control's link gives them).
    pub fn tokens_of(&self, creator: &str) -> Vec<String> {
        self.tokens.get(creator).cloned().unwrap_or_default()
    }

    /// The ids of the teams named `name` (soft-deleted ones too).
    pub fn team_ids(&self, name: &str) -> Vec<String> {
        self.team_ids.get(name).cloned().unwrap_or_default()
    }

    /// The creators an unscoped access token has everything of.
    pub fn creators_of(&self, token: &str) -> Vec<String> {
        self.creators.get(token).cloned().unwrap_or_default()
    }

    /// The email of a live person.
    pub fn email<'a>(&'a self, person: &'a str) -> &'a str {
        self.people
            .get(person)
            .map(String::as_str)
            .unwrap_or(person)
    }

    fn reach(&mut self, person: &str, walk: Walk) -> Reached {
        self.reach_keeping(person, walk, false)
    }

    /// [`Self::reach`], with the person and team ids reached kept when `principals`.
    fn reach_keeping(&mut self, person: &str, walk: Walk, principals: bool) -> Reached {
        let mut out = Reached::new();
        out.insert(
            EVERYONE.to_string(),
            "every subject holds `everyone`".to_string(),
        );
        // The first links of every way, with the links already taken before them: a
        // team's own rows stand for the membership that leads to them (one link).
        // An unscoped token starts from its creator too (one link on), whose teams and
        // permission groups Rampart gives it.
        // `everyone` is one link on: Mission Control's check saves `g, <subject>, everyone`.
        let mut starts: Vec<(String, u32)> =
            vec![(person.to_string(), 0), (EVERYONE.to_string(), 1)];
        for creator in self.creators.get(person).cloned().unwrap_or_default() {
            starts.push((creator, 1));
        }
        let mut firsts: Vec<(Link, u32)> = Vec::new();
        for (start, offset) in &starts {
            for link in self.links.get(start).cloned().unwrap_or_default() {
                if !walk.takes(&link) {
                    continue;
                }
                if link.membership {
                    for team_link in self.links.get(&link.target).cloned().unwrap_or_default() {
                        firsts.push((team_link, offset + 1));
                    }
                }
                firsts.push((link, *offset));
            }
        }
        for (link, before) in firsts {
            if !walk.takes(&link) {
                continue;
            }
            if walk.stops_after(&link) {
                if principals || !self.principals.contains(&link.target) {
                    out.entry(link.target.clone())
                        .or_insert_with(|| link.shown.clone());
                }
                continue;
            }
            let reached = self.closure(&link.target, walk);
            for (node, links) in reached.iter() {
                if before + links < MAX_LINKS && (principals || !self.principals.contains(node)) {
                    out.entry(node.clone())
                        .or_insert_with(|| link.shown.clone());
                }
            }
        }
        out.remove(person);
        out
    }

    /// The shortest number of links from `node` to everything it reaches (itself at 0),
    /// up to [`MAX_LINKS`] − 1, memoised per walk.
    fn closure(&mut self, node: &str, walk: Walk) -> Rc<HashMap<String, u32>> {
        // Rampart applies a permission group to the people, teams and `everyone` its row
        // names (the first links of a way), never to what reaches them further on.
        let walk = if walk == Walk::Applied {
            Walk::Given
        } else {
            walk
        };
        let key = (node.to_string(), walk as u8);
        if let Some(found) = self.memo.get(&key) {
            return Rc::clone(found);
        }
        let mut depth: HashMap<String, u32> = HashMap::new();
        depth.insert(node.to_string(), 0);
        let mut queue = VecDeque::from([node.to_string()]);
        while let Some(at) = queue.pop_front() {
            let d = depth.get(&at).copied().unwrap_or(MAX_LINKS);
            if d + 1 >= MAX_LINKS {
                continue;
            }
            for link in self.links.get(&at).map(Vec::as_slice).unwrap_or_default() {
                if !walk.takes(link) || depth.contains_key(&link.target) {
                    continue;
                }
                depth.insert(link.target.clone(), d + 1);
                if !walk.stops_after(link) {
                    queue.push_back(link.target.clone());
                }
            }
        }
        let depth = Rc::new(depth);
        self.memo.insert(key, Rc::clone(&depth));
        depth
    }

    /// The links Mission Control takes from `person` (or `everyone`) to `name`, the ones
    /// Rampart does not give marked with why (a breadth-first way: the fewest links).
    fn way(&self, person: &str, name: &str) -> String {
        let mut parent: HashMap<String, (String, Link)> = HashMap::new();
        let mut depth: HashMap<String, u32> = HashMap::new();
        let mut queue = VecDeque::new();
        for start in [person, EVERYONE] {
            depth.insert(start.to_string(), 0);
            queue.push_back(start.to_string());
        }
        while let Some(at) = queue.pop_front() {
            if at == name {
                break;
            }
            let d = depth.get(&at).copied().unwrap_or(MAX_LINKS);
            if d >= MAX_LINKS {
                continue;
            }
            for link in self.links.get(&at).map(Vec::as_slice).unwrap_or_default() {
                if !depth.contains_key(&link.target) {
                    depth.insert(link.target.clone(), d + 1);
                    parent.insert(link.target.clone(), (at.clone(), link.clone()));
                    queue.push_back(link.target.clone());
                }
            }
        }
        let mut steps = Vec::new();
        let mut at = name.to_string();
        while let Some((from, link)) = parent.get(&at) {
            steps.push(match link.not_given {
                Some(why) => format!("{} ({why})", link.shown),
                None => link.shown.clone(),
            });
            at = from.clone();
        }
        steps.reverse();
        steps.join(", then ")
    }
}
