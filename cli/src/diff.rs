//! `rampart diff OLD NEW [--format text|json] [--exit-code] [--fail-on gained|lost|any]`:
//! access gained and lost between two table files, grouped by subject and action, objects
//! by name (tables compiled from different catalogs compare by key). Every action is
//! compared, the `invoke:` operations included (a name one side does not have is decided
//! there by the stand-in that decides it: the plugin's `invoke:<plugin>:*`, else
//! `invoke:*`), and so are the rules as their selectors state them
//! ([`rampart_runtime::ResidualRule`]): a rule widened to objects the catalog does not hold
//! yet is access gained even when no catalogued object changes. Computed once per pair of
//! principal classes. With `--exit-code` (or `--fail-on`) it gates a change in CI.
//!
//! Counts are of things, not of request shapes: an object is counted once however many
//! requests name it (a config gaining access is one config, not one grant per playbook
//! it may now be run with), a two-object grant is counted by the fewer objects that
//! account for it, and the summary counts each object and rule once over every subject
//! and action.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::process::ExitCode;

use rampart_runtime::text::Shown;
use rampart_runtime::{ActionId, Category, PairShape, PrincipalId, ResidualRule, Tables};
use roaring::RoaringBitmap;
use serde_json::{json, Value};

use crate::args::load_tables;
use crate::outcome::{Failure, Outcome};
use crate::output::{counted, Format, Output};

/// Arguments of `diff`.
#[derive(clap::Args)]
pub struct Args {
    /// The tables before the change.
    old: PathBuf,
    /// The tables after the change.
    new: PathBuf,
    /// Refuse tables not signed with this public key.
    #[arg(long, value_name = "PUBKEY")]
    verify: Option<PathBuf>,
    /// `text` or `json`.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    /// Exit 1 when access was gained (like `git diff --exit-code`).
    #[arg(long)]
    exit_code: bool,
    /// Exit 1 when access was gained, lost, or either.
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,
}

/// When `diff` fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// Any access gained.
    Gained,
    /// Any access lost.
    Lost,
    /// Any change.
    Any,
}

/// A shared key space for one category's objects in both tables.
struct Keys {
    names: Vec<String>,
    old: Vec<u32>,
    new: Vec<u32>,
}

impl Keys {
    fn build(old: &Tables, new: &Tables, c: Category) -> Keys {
        let names_of = |t: &Tables| {
            t.objects(c)
                .map(|o| t.object_key(o).unwrap_or_default().to_string())
                .collect::<Vec<_>>()
        };
        let (a, b) = (names_of(old), names_of(new));
        let names: Vec<String> = a
            .iter()
            .chain(&b)
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let id = |k: &String| names.binary_search(k).map(|i| i as u32).unwrap_or(u32::MAX);
        Keys {
            old: a.iter().map(id).collect(),
            new: b.iter().map(id).collect(),
            names,
        }
    }

    fn map(&self, side: &[u32], objects: &RoaringBitmap) -> RoaringBitmap {
        objects
            .iter()
            .filter_map(|i| side.get(i as usize).copied())
            .collect()
    }

    fn name(&self, index: u32) -> String {
        self.names.get(index as usize).cloned().unwrap_or_default()
    }

    fn names(&self, objects: &RoaringBitmap) -> Vec<String> {
        objects.iter().map(|i| self.name(i)).collect()
    }
}

/// One table's action vocabulary by name.
struct Vocabulary<'t> {
    tables: &'t Tables,
    by_name: HashMap<String, ActionId>,
}

impl<'t> Vocabulary<'t> {
    fn new(tables: &'t Tables) -> Vocabulary<'t> {
        Vocabulary {
            tables,
            by_name: tables
                .actions()
                .map(|(id, name)| (name.to_string(), id))
                .collect(),
        }
    }

    /// The action that decides `name` (a name of either table's vocabulary) here: the
    /// action of that name; for an `invoke:` operation or plugin stand-in this table does
    /// not name, the stand-in that decides it here (the plugin's, else `invoke:*`).
    fn decides(&self, name: &str) -> Option<ActionId> {
        if let Some(id) = self.by_name.get(name) {
            return Some(*id);
        }
        let plugin_wide = name
            .strip_prefix("invoke:")
            .is_some_and(|rest| rest.ends_with(":*"));
        if plugin_wide || name == "invoke:*" {
            return self.by_name.get("invoke:*").copied();
        }
        self.tables.action(name).ok()
    }
}

/// What one side allows for one action, in the shared key spaces.
#[derive(Default, PartialEq)]
struct Grants {
    globals: BTreeSet<String>,
    unscoped: bool,
    objects: [RoaringBitmap; 4],
    /// Per pair shape: first object -> second objects.
    pairs: BTreeMap<usize, BTreeMap<u32, RoaringBitmap>>,
    /// The rules as their selectors state them (what decides uncatalogued objects).
    rules: Vec<ResidualRule>,
}

fn grants(
    t: &Tables,
    old_side: bool,
    p: PrincipalId,
    action: Option<ActionId>,
    keys: &[Keys; 4],
) -> Result<Grants, crate::outcome::Failure> {
    let mut g = Grants::default();
    let Some(action) = action else {
        return Ok(g);
    };
    let side = |c: Category| {
        if old_side {
            &c.of(keys).old
        } else {
            &c.of(keys).new
        }
    };
    g.rules = t.residual_rules(p, action)?;
    if let Some(access) = t.access(p)?.into_iter().find(|a| a.action == action) {
        g.globals = access.globals.into_iter().collect();
        g.unscoped = access.unscoped;
        for c in Category::ALL {
            *c.of_mut(&mut g.objects) = c.of(keys).map(side(c), c.of(&access.objects));
        }
        for shape in access.pairs {
            let mut map = BTreeMap::new();
            for (firsts, seconds) in t.pair_grants(p, action, shape)? {
                let seconds = shape.second().of(keys).map(side(shape.second()), &seconds);
                for x in shape.first().of(keys).map(side(shape.first()), &firsts) {
                    map.insert(x, seconds.clone());
                }
            }
            g.pairs.insert(shape.index(), map);
        }
    }
    Ok(g)
}

/// Access one side of a change holds and the other does not.
#[derive(Default)]
struct Delta {
    globals: Vec<String>,
    unscoped: bool,
    objects: Vec<(Category, RoaringBitmap)>,
    pairs: Vec<(PairShape, u32, RoaringBitmap)>,
    /// Allow rules (gained: added or widened; lost: removed or narrowed).
    allow_rules: Vec<String>,
    /// Deny rules (gained: removed or narrowed; lost: added or widened).
    deny_rules: Vec<String>,
}

/// The rules of `a` no rule of `b` covers, as text.
fn uncovered(a: &[ResidualRule], b: &[ResidualRule], deny: bool) -> Vec<String> {
    a.iter()
        .filter(|r| r.deny == deny && !b.iter().any(|o| o.covers(r)))
        .map(ToString::to_string)
        .collect()
}

/// What `a` allows on catalogued objects that `b` does not.
fn catalogued(a: &Grants, b: &Grants) -> Delta {
    let mut d = Delta {
        globals: a.globals.difference(&b.globals).cloned().collect(),
        unscoped: a.unscoped && !b.unscoped,
        ..Delta::default()
    };
    for c in Category::ALL {
        let only = c.of(&a.objects) - c.of(&b.objects);
        if !only.is_empty() {
            d.objects.push((c, only));
        }
    }
    for shape in PairShape::ALL {
        let empty = BTreeMap::new();
        let (pa, pb) = (
            a.pairs.get(&shape.index()).unwrap_or(&empty),
            b.pairs.get(&shape.index()).unwrap_or(&empty),
        );
        for (x, seconds) in pa {
            let only = match pb.get(x) {
                Some(other) => seconds - other,
                None => seconds.clone(),
            };
            if !only.is_empty() {
                d.pairs.push((shape, *x, only));
            }
        }
    }
    d
}

/// `(gained, lost)` between two grant sets.
fn difference(before: &Grants, after: &Grants) -> (Delta, Delta) {
    let mut gained = catalogued(after, before);
    gained.allow_rules = uncovered(&after.rules, &before.rules, false);
    gained.deny_rules = uncovered(&before.rules, &after.rules, true);
    let mut lost = catalogued(before, after);
    lost.allow_rules = uncovered(&before.rules, &after.rules, false);
    lost.deny_rules = uncovered(&after.rules, &before.rules, true);
    (gained, lost)
}

/// What a delta counts: objects (per category, by shared key index), global objects,
/// requests naming no object, rules.
#[derive(Default)]
struct Tally {
    objects: [BTreeSet<u32>; 4],
    globals: BTreeSet<String>,
    unscoped: bool,
    rules: BTreeSet<String>,
}

impl Tally {
    /// Adds a delta: each object once (also across deltas); a two-object grant by the
    /// objects not already counted that account for it, the firsts or the seconds,
    /// whichever are fewer.
    fn add(&mut self, d: &Delta) {
        self.globals.extend(d.globals.iter().cloned());
        self.unscoped |= d.unscoped;
        for r in &d.allow_rules {
            self.rules.insert(format!("allow {r}"));
        }
        for r in &d.deny_rules {
            self.rules.insert(format!("deny {r}"));
        }
        let mut counted = self.objects.clone();
        for (c, objects) in &d.objects {
            c.of_mut(&mut counted).extend(objects.iter());
        }
        for shape in PairShape::ALL {
            let (a, b) = (shape.first(), shape.second());
            let mut firsts = BTreeSet::new();
            let mut seconds = BTreeSet::new();
            for (s, x, with) in &d.pairs {
                if *s != shape || a.of(&counted).contains(x) {
                    continue;
                }
                let rest: Vec<u32> = with
                    .iter()
                    .filter(|y| !b.of(&counted).contains(y))
                    .collect();
                if !rest.is_empty() {
                    firsts.insert(*x);
                    seconds.extend(rest);
                }
            }
            if firsts.len() <= seconds.len() {
                a.of_mut(&mut counted).extend(firsts);
            } else {
                b.of_mut(&mut counted).extend(seconds);
            }
        }
        self.objects = counted;
    }

    /// The total and the count of each kind (JSON member names).
    fn kinds(&self) -> (usize, Vec<(&'static str, usize)>) {
        let mut kinds: Vec<(&'static str, usize)> = Category::ALL
            .into_iter()
            .map(|c| (c.plural(), c.of(&self.objects).len()))
            .collect();
        kinds.push(("globals", self.globals.len()));
        kinds.push(("unscoped", usize::from(self.unscoped)));
        kinds.push(("rules", self.rules.len()));
        kinds.retain(|(_, n)| *n > 0);
        (kinds.iter().map(|(_, n)| n).sum(), kinds)
    }

    /// `1 config, 2 rules`, or `nothing`.
    fn text(&self) -> String {
        let (_, kinds) = self.kinds();
        if kinds.is_empty() {
            return "nothing".into();
        }
        kinds
            .into_iter()
            .map(|(kind, n)| {
                let (one, many) = match kind {
                    "playbooks" => ("playbook", "playbooks"),
                    "configs" => ("config", "configs"),
                    "components" => ("component", "components"),
                    "connections" => ("connection", "connections"),
                    "globals" => ("global object", "global objects"),
                    "unscoped" => ("request naming no object", "requests naming no object"),
                    _ => ("rule", "rules"),
                };
                if kind == "unscoped" {
                    one.to_string()
                } else {
                    format!("{n} {}", if n == 1 { one } else { many })
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Counts by kind, as a JSON object.
fn by_kind(kinds: Vec<(&'static str, usize)>) -> Value {
    Value::Object(
        kinds
            .into_iter()
            .map(|(k, n)| (k.to_string(), json!(n)))
            .collect(),
    )
}

/// One side of a change, as JSON (empty parts left out).
fn side_json(d: &Delta, keys: &[Keys; 4]) -> Value {
    let mut m = serde_json::Map::new();
    if !d.globals.is_empty() {
        m.insert("globals".into(), json!(d.globals));
    }
    if d.unscoped {
        m.insert("unscoped".into(), json!(true));
    }
    for (c, list) in &d.objects {
        m.insert(c.plural().into(), json!(c.of(keys).names(list)));
    }
    if !d.pairs.is_empty() {
        m.insert(
            "pairs".into(),
            d.pairs
                .iter()
                .map(|(s, first, seconds)| {
                    json!({
                        s.first().name(): s.first().of(keys).name(*first),
                        s.second().plural(): s.second().of(keys).names(seconds),
                    })
                })
                .collect(),
        );
    }
    if !d.allow_rules.is_empty() {
        m.insert("allow_rules".into(), json!(d.allow_rules));
    }
    if !d.deny_rules.is_empty() {
        m.insert("deny_rules".into(), json!(d.deny_rules));
    }
    Value::Object(m)
}

fn short(names: &[String]) -> String {
    let shown: Vec<String> = names
        .iter()
        .take(20)
        .map(|s| Shown(s).to_string())
        .collect();
    if names.len() > 20 {
        format!("{} (and {} more)", shown.join(", "), names.len() - 20)
    } else {
        shown.join(", ")
    }
}

/// The lines of one side of a change.
fn text_lines(gained: bool, d: &Delta, keys: &[Keys; 4], out: &mut Vec<String>) {
    let sign = if gained { '+' } else { '-' };
    if !d.globals.is_empty() {
        out.push(format!("    {sign} global objects: {}", short(&d.globals)));
    }
    if d.unscoped {
        out.push(format!("    {sign} requests naming no object"));
    }
    for (c, list) in &d.objects {
        out.push(format!(
            "    {sign} {}: {}",
            c.plural(),
            short(&c.of(keys).names(list))
        ));
    }
    for (shape, first, seconds) in &d.pairs {
        out.push(format!(
            "    {sign} {} {} together with {}: {}",
            shape.first().name(),
            Shown(&shape.first().of(keys).name(*first)),
            shape.second().plural(),
            short(&shape.second().of(keys).names(seconds))
        ));
    }
    let (allows, denies) = if gained {
        ("rule allows", "rule no longer denies")
    } else {
        ("rule no longer allows", "rule denies")
    };
    for r in &d.allow_rules {
        out.push(format!("    {sign} {allows} {}", Shown(r)));
    }
    for r in &d.deny_rules {
        out.push(format!("    {sign} {denies} {}", Shown(r)));
    }
}

/// A subject's principal class in the old and in the new tables (`None`: not there).
type ClassPair = (Option<u32>, Option<u32>);

/// One action's change for a pair of principal classes.
struct Change {
    action: String,
    gained: Delta,
    lost: Delta,
}

/// `rampart diff`: the access gained and lost between two table files, printed by subject
/// and action, and the exit code `--exit-code` / `--fail-on` ask for.
pub fn run(args: Args) -> Outcome {
    let old = load_tables(&args.old, args.verify.as_deref())?;
    let new = load_tables(&args.new, args.verify.as_deref())?;
    let keys = Category::ALL.map(|c| Keys::build(&old, &new, c));
    let compared = Compared::new(&old, &new, &keys);
    let subjects: BTreeSet<String> = old
        .principals()
        .chain(new.principals())
        .filter_map(|p| old.principal_name(p).or_else(|| new.principal_name(p)))
        .collect();
    let (memo, changes) = compared.changed_subjects(&subjects)?;
    let (mut gained_tally, mut lost_tally) = (Tally::default(), Tally::default());
    let rows: Vec<(&String, &Change)> = changes
        .iter()
        .flat_map(|(subject, key)| {
            memo.get(key)
                .into_iter()
                .flatten()
                .map(move |c| (*subject, c))
        })
        .collect();
    for (_, change) in &rows {
        gained_tally.add(&change.gained);
        lost_tally.add(&change.lost);
    }
    let (gained_total, gained_kinds) = gained_tally.kinds();
    let (lost_total, lost_kinds) = lost_tally.kinds();
    let mut out = Output::new();
    match args.format {
        Format::Json => out.line(json!({
            "subjects": changes.len(),
            "gained": gained_total,
            "lost": lost_total,
            "gained_by_kind": by_kind(gained_kinds),
            "lost_by_kind": by_kind(lost_kinds),
            "changes": rows.iter().map(|(s, c)| json!({
                "subject": s,
                "action": c.action,
                "gained": side_json(&c.gained, &keys),
                "lost": side_json(&c.lost, &keys),
            })).collect::<Vec<_>>(),
        }))?,
        Format::Text => {
            text_report(&rows, &keys, &mut out)?;
            out.line(format!(
                "{} changed; gained: {}; lost: {}",
                counted(changes.len(), "subject"),
                gained_tally.text(),
                lost_tally.text()
            ))?;
        }
    }
    Ok(exit_code(&args, gained_total, lost_total))
}

/// The changes of each pair of principal classes, and the subjects (in name order) whose
/// pair changed.
type ChangedSubjects<'s> = (
    HashMap<ClassPair, Vec<Change>>,
    Vec<(&'s String, ClassPair)>,
);

/// The two tables being compared, with what every subject's comparison looks up in both.
struct Compared<'t> {
    old: &'t Tables,
    new: &'t Tables,
    /// The object names of each category, across both tables.
    keys: &'t [Keys; 4],
    /// How each table decides an action name.
    old_actions: Vocabulary<'t>,
    new_actions: Vocabulary<'t>,
    /// Every action name of either table.
    actions: BTreeSet<String>,
}

impl<'t> Compared<'t> {
    /// The comparison of `old` and `new`, with the object names of `keys`.
    fn new(old: &'t Tables, new: &'t Tables, keys: &'t [Keys; 4]) -> Compared<'t> {
        Compared {
            old,
            new,
            keys,
            old_actions: Vocabulary::new(old),
            new_actions: Vocabulary::new(new),
            actions: old
                .actions()
                .chain(new.actions())
                .map(|(_, n)| n.to_string())
                .collect(),
        }
    }

    /// The subjects whose access changed, in name order, with their pair of principal
    /// classes; and the changes of each pair of classes, computed once per pair.
    fn changed_subjects<'s>(
        &self,
        subjects: &'s BTreeSet<String>,
    ) -> Result<ChangedSubjects<'s>, Failure> {
        let (old, new) = (self.old, self.new);
        let mut memo: HashMap<ClassPair, Vec<Change>> = HashMap::new();
        let mut changes: Vec<(&String, ClassPair)> = Vec::new();
        for subject in subjects {
            let (po, pn) = (old.principal(subject).ok(), new.principal(subject).ok());
            let key = (
                po.and_then(|p| old.principal_class(p)),
                pn.and_then(|p| new.principal_class(p)),
            );
            if let std::collections::hash_map::Entry::Vacant(slot) = memo.entry(key) {
                slot.insert(self.changes(po, pn)?);
            }
            if memo.get(&key).is_some_and(|found| !found.is_empty()) {
                changes.push((subject, key));
            }
        }
        Ok((memo, changes))
    }

    /// The actions whose access changed between principal `po` of the old tables and
    /// `pn` of the new (`None`: not in those tables), with what was gained and lost.
    fn changes(
        &self,
        po: Option<PrincipalId>,
        pn: Option<PrincipalId>,
    ) -> Result<Vec<Change>, Failure> {
        let (old, new, keys) = (self.old, self.new, self.keys);
        let mut found = Vec::new();
        for action in &self.actions {
            let before = match po {
                Some(p) => grants(old, true, p, self.old_actions.decides(action), keys)?,
                None => Grants::default(),
            };
            let after = match pn {
                Some(p) => grants(new, false, p, self.new_actions.decides(action), keys)?,
                None => Grants::default(),
            };
            if before == after {
                continue;
            }
            let (gained, lost) = difference(&before, &after);
            let mut tally = Tally::default();
            tally.add(&gained);
            tally.add(&lost);
            if tally.kinds().0 > 0 {
                found.push(Change {
                    action: action.clone(),
                    gained,
                    lost,
                });
            }
        }
        Ok(found)
    }
}

/// The changes as text: each subject once, then each of its actions with the lines of
/// what was gained and lost.
fn text_report(
    rows: &[(&String, &Change)],
    keys: &[Keys; 4],
    out: &mut Output,
) -> Result<(), Failure> {
    let mut current = None;
    for (subject, change) in rows {
        if current != Some(*subject) {
            out.line(Shown(subject))?;
            current = Some(*subject);
        }
        out.line(format!("  {}", change.action))?;
        let mut lines = Vec::new();
        text_lines(true, &change.gained, keys, &mut lines);
        text_lines(false, &change.lost, keys, &mut lines);
        for line in lines {
            out.line(line)?;
        }
    }
    Ok(())
}

/// 1 when `--fail-on` (or `--exit-code`, which is `--fail-on gained`) names a change
/// that happened, else success.
fn exit_code(args: &Args, gained_total: usize, lost_total: usize) -> ExitCode {
    let fail_on = args.fail_on.or(args.exit_code.then_some(FailOn::Gained));
    let failed = match fail_on {
        None => false,
        Some(FailOn::Gained) => gained_total > 0,
        Some(FailOn::Lost) => lost_total > 0,
        Some(FailOn::Any) => gained_total + lost_total > 0,
    };
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
