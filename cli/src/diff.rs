//! `rampart diff OLD NEW [--format text|json] [--exit-code] [--fail-on gained|lost|any]`:
//! access gained and lost between two table files, grouped by subject and action, objects
//! by name (tables compiled from different catalogs compare by key). Computed once per
//! pair of principal classes. With `--exit-code` (or `--fail-on`) it gates a change in CI.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::process::ExitCode;

use rampart_runtime::text::Shown;
use rampart_runtime::{Category, PairShape, PrincipalId, Tables};
use roaring::RoaringBitmap;
use serde_json::{json, Value};

use crate::output::Output;
use crate::{load_tables, Format, Outcome};

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

/// One action's change for a pair of principal classes: action, gained, lost, and how
/// many grants each side counts.
type Change = (String, Value, Value, usize, usize);

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

    fn names(&self, objects: &RoaringBitmap) -> Vec<String> {
        objects
            .iter()
            .filter_map(|i| self.names.get(i as usize).cloned())
            .collect()
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
}

fn grants(
    t: &Tables,
    old_side: bool,
    p: PrincipalId,
    action: &str,
    keys: &[Keys; 4],
) -> Result<Grants, crate::Failure> {
    let mut g = Grants::default();
    let Ok(action) = t.action(action) else {
        return Ok(g);
    };
    let side = |c: Category| {
        if old_side {
            &c.of(keys).old
        } else {
            &c.of(keys).new
        }
    };
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

/// One side of a change, as JSON (empty parts left out).
fn side_json(
    globals: Vec<String>,
    unscoped: bool,
    objects: Vec<(Category, Vec<String>)>,
    pairs: Vec<(PairShape, String, Vec<String>)>,
) -> Value {
    let mut m = serde_json::Map::new();
    if !globals.is_empty() {
        m.insert("globals".into(), json!(globals));
    }
    if unscoped {
        m.insert("unscoped".into(), json!(true));
    }
    for (c, list) in objects {
        m.insert(c.plural().into(), json!(list));
    }
    if !pairs.is_empty() {
        m.insert(
            "pairs".into(),
            pairs.into_iter().map(|(s, first, seconds)| json!({s.first().name(): first, s.second().plural(): seconds})).collect(),
        );
    }
    Value::Object(m)
}

/// `(gained, lost)` between two grant sets, as JSON.
fn difference(before: &Grants, after: &Grants, keys: &[Keys; 4]) -> (Value, Value, usize, usize) {
    let mut counts = (0, 0);
    let mut sides = Vec::new();
    for (a, b) in [(after, before), (before, after)] {
        let globals: Vec<String> = a.globals.difference(&b.globals).cloned().collect();
        let unscoped = a.unscoped && !b.unscoped;
        let mut objects = Vec::new();
        let mut n = globals.len() + usize::from(unscoped);
        for c in Category::ALL {
            let d = c.of(&a.objects) - c.of(&b.objects);
            if !d.is_empty() {
                n += d.len() as usize;
                objects.push((c, c.of(keys).names(&d)));
            }
        }
        let mut pairs = Vec::new();
        for shape in PairShape::ALL {
            let empty = BTreeMap::new();
            let (pa, pb) = (
                a.pairs.get(&shape.index()).unwrap_or(&empty),
                b.pairs.get(&shape.index()).unwrap_or(&empty),
            );
            for (x, seconds) in pa {
                let d = match pb.get(x) {
                    Some(other) => seconds - other,
                    None => seconds.clone(),
                };
                if !d.is_empty() {
                    n += d.len() as usize;
                    let first = shape
                        .first()
                        .of(keys)
                        .names
                        .get(*x as usize)
                        .cloned()
                        .unwrap_or_default();
                    pairs.push((shape, first, shape.second().of(keys).names(&d)));
                }
            }
        }
        sides.push((side_json(globals, unscoped, objects, pairs), n));
    }
    let mut sides = sides.into_iter();
    let (gained, g) = sides.next().unwrap_or((Value::Null, 0));
    let (lost, l) = sides.next().unwrap_or((Value::Null, 0));
    counts.0 += g;
    counts.1 += l;
    (gained, lost, counts.0, counts.1)
}

fn short(list: &[Value]) -> String {
    let names: Vec<String> = list
        .iter()
        .filter_map(|v| v.as_str())
        .map(|s| Shown(s).to_string())
        .collect();
    if names.len() > 20 {
        format!(
            "{} (and {} more)",
            names
                .iter()
                .take(20)
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
            names.len() - 20
        )
    } else {
        names.join(", ")
    }
}

fn text_lines(sign: char, side: &Value, out: &mut Vec<String>) {
    let Some(map) = side.as_object() else { return };
    for (k, v) in map {
        match (k.as_str(), v) {
            ("globals", Value::Array(list)) => {
                out.push(format!("    {sign} global objects: {}", short(list)))
            }
            ("unscoped", _) => out.push(format!("    {sign} requests naming no object")),
            ("pairs", Value::Array(pairs)) => {
                for p in pairs {
                    let Some(p) = p.as_object() else { continue };
                    let mut first = String::new();
                    let mut seconds = String::new();
                    for (pk, pv) in p {
                        match pv {
                            Value::String(s) => first = format!("{pk} {}", Shown(s)),
                            Value::Array(list) => seconds = format!("{pk}: {}", short(list)),
                            _ => {}
                        }
                    }
                    out.push(format!("    {sign} {first} together with {seconds}"));
                }
            }
            (category, Value::Array(list)) => {
                out.push(format!("    {sign} {category}: {}", short(list)))
            }
            _ => {}
        }
    }
}

pub fn run(args: Args) -> Outcome {
    let old = load_tables(&args.old, args.verify.as_deref())?;
    let new = load_tables(&args.new, args.verify.as_deref())?;
    let keys = Category::ALL.map(|c| Keys::build(&old, &new, c));
    let subjects: BTreeSet<String> = old
        .principals()
        .chain(new.principals())
        .filter_map(|p| old.principal_name(p).or_else(|| new.principal_name(p)))
        .collect();
    let actions: BTreeSet<String> = old
        .actions()
        .chain(new.actions())
        .map(|(_, n)| n.to_string())
        .collect();
    let mut memo: HashMap<(Option<u32>, Option<u32>), Vec<Change>> = HashMap::new();
    let mut changes = Vec::new();
    let (mut gained_total, mut lost_total) = (0usize, 0usize);
    for subject in &subjects {
        let (po, pn) = (old.principal(subject).ok(), new.principal(subject).ok());
        let key = (
            po.and_then(|p| old.principal_class(p)),
            pn.and_then(|p| new.principal_class(p)),
        );
        if let std::collections::hash_map::Entry::Vacant(slot) = memo.entry(key) {
            let mut found = Vec::new();
            for action in &actions {
                let before = match po {
                    Some(p) => grants(&old, true, p, action, &keys)?,
                    None => Grants::default(),
                };
                let after = match pn {
                    Some(p) => grants(&new, false, p, action, &keys)?,
                    None => Grants::default(),
                };
                if before == after {
                    continue;
                }
                let (gained, lost, g, l) = difference(&before, &after, &keys);
                if g + l > 0 {
                    found.push((action.clone(), gained, lost, g, l));
                }
            }
            slot.insert(found);
        }
        for (action, gained, lost, g, l) in memo.get(&key).into_iter().flatten() {
            gained_total += g;
            lost_total += l;
            changes.push((
                subject.clone(),
                action.clone(),
                gained.clone(),
                lost.clone(),
            ));
        }
    }
    let mut out = Output::new();
    match args.format {
        Format::Json => out.line(json!({
            "gained": gained_total,
            "lost": lost_total,
            "changes": changes.iter().map(|(s, a, g, l)| json!({"subject": s, "action": a, "gained": g, "lost": l})).collect::<Vec<_>>(),
        }))?,
        Format::Text => {
            let mut current = None;
            for (subject, action, gained, lost) in &changes {
                if current != Some(subject) {
                    out.line(Shown(subject))?;
                    current = Some(subject);
                }
                out.line(format!("  {action}"))?;
                let mut lines = Vec::new();
                text_lines('+', gained, &mut lines);
                text_lines('-', lost, &mut lines);
                for line in lines {
                    out.line(line)?;
                }
            }
            let touched: BTreeSet<&String> = changes.iter().map(|(s, ..)| s).collect();
            out.line(format!("{} subjects changed: {gained_total} grants gained, {lost_total} lost", touched.len()))?;
        }
    }
    let fail_on = args.fail_on.or(args.exit_code.then_some(FailOn::Gained));
    let failed = match fail_on {
        None => false,
        Some(FailOn::Gained) => gained_total > 0,
        Some(FailOn::Lost) => lost_total > 0,
        Some(FailOn::Any) => gained_total + lost_total > 0,
    };
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
