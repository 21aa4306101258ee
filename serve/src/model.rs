//! AuthZEN 1.0's request shapes mapped onto the one request model of
//! `rampart_runtime::json::request` (the model `rampart check --batch` reads): subject
//! types `user`, `playbook`, `notification`; resource types `playbook`, `config`,
//! `component`, `connection` and `global`. The faces differ in syntax only: unknown
//! members are errors at every depth (AuthZEN's open `properties` and `context`
//! included: Rampart reads the members below and refuses any other), a member given
//! twice is an error (the body is read by `strict::parse`), at most one object per
//! category, and the identity of a resource (`type`, `id`) is given outside its
//! `properties` only.
//!
//! Defined members: `subject: {type, id, properties?: {}}` (Rampart decides from the
//! catalog's view of a subject, so its properties hold nothing), `action: {name,
//! properties?: {}}`, `resource: {type, id, properties?}` where `properties` describes an
//! object the catalog does not know (`name`, `namespace`, `object_type`, `class`,
//! `agent`, `status`, `health`, `category`, `tags`, `labels`), and `context: {resources?,
//! explain?}` (`explain` on evaluations only).
//!
//! Parsing is linear in the body: every part is read once, and an `/evaluations` item
//! borrows the top-level defaults instead of copying them.

use rampart_runtime::json::request::{attributes, category, optional_string, Identity};
use rampart_runtime::json::request::{required, RequestObjects};
use rampart_runtime::json::strict::{self, At, Members, Problems};
use rampart_runtime::{
    Category, ObjectAttributes, ObjectRef, PrincipalId, Request, RequestError, Tables, Target,
};
use serde_json::{json, Value};

/// The subject types.
pub const SUBJECT_TYPES: [&str; 3] = ["user", "playbook", "notification"];

/// The resource types: the categories, and `global`.
pub const RESOURCE_TYPES: [&str; 5] = ["playbook", "config", "component", "connection", "global"];

/// Reads `properties` of a subject, an action or a searched type: Rampart defines no
/// member there, so only an empty object (or none) is accepted.
fn no_properties(members: &mut Members<'_>, whose: &str, problems: &mut Problems) {
    let at = members.at();
    if let Some(value) = members.take("properties") {
        if let Some(properties) = Members::new(value, at.member("properties"), problems) {
            properties.refuse_all(
                &format!("Rampart decides from the catalog's view of the {whose} and reads none of its properties"),
                problems,
            );
        }
    }
}

/// A type name that must be one of `known` (the nearest one as help).
fn one_of(
    members: &mut Members<'_>,
    name: &str,
    known: &[&str],
    problems: &mut Problems,
) -> Option<String> {
    let at = members.at();
    let value = required(members, name, problems)?;
    let value = strict::string(value, at.member(name), problems)?;
    if known.contains(&value.as_str()) {
        return Some(value);
    }
    problems.push(
        format!(
            "{} is `{}`, which is not one of {}",
            at.member(name),
            rampart_runtime::text::shown(&value),
            known
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        rampart_runtime::suggest::did_you_mean(&value, known.iter().copied()),
    );
    None
}

/// A subject as the runtime names it, and whether the request said it is a person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subject {
    /// The runtime's subject name (`john@doe.com`, `playbook:ns/name`,
    /// `notification:ns/name`).
    pub name: String,
    /// True for `type: user`: the id must name a person, never the playbook or
    /// notification whose runtime name it spells (`{"type": "user", "id":
    /// "playbook:ns/name"}` is no user, and is not decided as the playbook).
    pub person: bool,
}

impl Subject {
    /// The principal the subject names: for `type: user` a person only (a service is
    /// `unknown_subject`).
    pub fn principal(&self, tables: &Tables) -> Result<PrincipalId, RequestError> {
        if self.person {
            tables.person(&self.name)
        } else {
            tables.principal(&self.name)
        }
    }
}

/// `subject: {type, id, properties?}` as a [`Subject`].
pub fn subject(value: Value, at: At<'_>, problems: &mut Problems) -> Option<Subject> {
    let mut members = Members::new(value, at, problems)?;
    let kind = one_of(&mut members, "type", &SUBJECT_TYPES, problems);
    let id = required(&mut members, "id", problems)
        .and_then(|v| strict::string(v, at.member("id"), problems));
    no_properties(&mut members, "subject", problems);
    members.finish(&["type", "id", "properties"], problems);
    let (kind, id) = (kind?, id?);
    Some(match kind.as_str() {
        "user" => Subject {
            name: id,
            person: true,
        },
        other => Subject {
            name: format!("{other}:{id}"),
            person: false,
        },
    })
}

/// `subject: {type, properties?}` of a subject search: the subject type.
pub fn subject_type(value: Value, at: At<'_>, problems: &mut Problems) -> Option<String> {
    let mut members = Members::new(value, at, problems)?;
    let kind = one_of(&mut members, "type", &SUBJECT_TYPES, problems);
    no_properties(&mut members, "subject", problems);
    members.finish(&["type", "properties"], problems);
    kind
}

/// `action: {name, properties?}`: the action's name.
pub fn action(value: Value, at: At<'_>, problems: &mut Problems) -> Option<String> {
    let mut members = Members::new(value, at, problems)?;
    let name = required(&mut members, "name", problems)
        .and_then(|v| strict::string(v, at.member("name"), problems));
    no_properties(&mut members, "action", problems);
    members.finish(&["name", "properties"], problems);
    name
}

/// `resource: {type, properties?}` of a resource search: the category searched.
pub fn resource_type(value: Value, at: At<'_>, problems: &mut Problems) -> Option<Category> {
    let mut members = Members::new(value, at, problems)?;
    let kind = required(&mut members, "type", problems)
        .and_then(|v| strict::string(v, at.member("type"), problems));
    no_properties(&mut members, "resource type", problems);
    members.finish(&["type", "properties"], problems);
    category(&kind?, at.member("type"), problems)
}

/// One resource: an object (by key, or described by attributes with `resource.id` as
/// their id) or a global object, with the place it was given at (for messages).
#[derive(Debug)]
pub struct Resource {
    /// What it is.
    pub kind: ResourceKind,
    /// Where it was given (`resource`, `evaluations[2].context.resources[0]`).
    pub place: String,
}

/// What a [`Resource`] is.
#[derive(Debug)]
pub enum ResourceKind {
    /// An object of a category the catalog knows by key.
    Key(Category, String),
    /// An object the catalog may not know, described by attributes (its `id` is the
    /// resource's `id`).
    Described(Category, Box<ObjectAttributes>),
    /// A global object (`catalog`, `mcp`, ...).
    Global(String),
}

impl Resource {
    /// The object as the runtime borrows it, or `None` for a global object.
    pub fn object(&self) -> Option<(Category, ObjectRef<'_>)> {
        match &self.kind {
            ResourceKind::Key(c, key) => Some((*c, ObjectRef::Key(key))),
            ResourceKind::Described(c, a) => Some((*c, ObjectRef::Attributes(a))),
            ResourceKind::Global(_) => None,
        }
    }
}

/// `resource: {type, id, properties?}`.
pub fn resource(value: Value, at: At<'_>, problems: &mut Problems) -> Option<Resource> {
    let mut members = Members::new(value, at, problems)?;
    let kind = one_of(&mut members, "type", &RESOURCE_TYPES, problems);
    let id = required(&mut members, "id", problems)
        .and_then(|v| strict::string(v, at.member("id"), problems));
    let properties = members.take("properties");
    members.finish(&["type", "id", "properties"], problems);
    let (kind, id) = (kind?, id?);
    let kind = match (kind.as_str(), properties) {
        ("global", None) => ResourceKind::Global(id),
        ("global", Some(_)) => {
            problems.push(
                format!(
                    "{} of a global resource may not be given",
                    at.member("properties")
                ),
                Some("a global object is named by its `id` alone".into()),
            );
            return None;
        }
        (name, properties) => {
            let category = category(name, at.member("type"), problems)?;
            match properties {
                None => ResourceKind::Key(category, id),
                Some(p) => {
                    let mut a =
                        attributes(p, at.member("properties"), Identity::Outside, problems)?;
                    a.id = Some(id);
                    ResourceKind::Described(category, Box::new(a))
                }
            }
        }
    };
    Some(Resource {
        kind,
        place: at.to_string(),
    })
}

/// Which members a `context` may hold on an endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContextUse {
    /// Evaluations: `resources` and `explain`.
    Evaluation,
    /// Searches: `resources` only.
    Search,
}

/// `context: {resources?, explain?}`.
#[derive(Debug, Default)]
pub struct Context {
    /// More objects of the request (a config beside a playbook, say).
    pub resources: Vec<Resource>,
    /// Whether to explain (`None`: not said here).
    pub explain: Option<bool>,
}

/// Reads a `context`.
pub fn context(value: Value, at: At<'_>, used: ContextUse, problems: &mut Problems) -> Context {
    let mut out = Context::default();
    let Some(mut members) = Members::new(value, at, problems) else {
        return out;
    };
    if let Some(resources) = members.take("resources") {
        let at = at.member("resources");
        for (i, r) in strict::array(resources, at, problems)
            .unwrap_or_default()
            .into_iter()
            .enumerate()
        {
            if let Some(r) = resource(r, at.index(i), problems) {
                out.resources.push(r);
            }
        }
    }
    let known: &[&str] = match used {
        ContextUse::Evaluation => {
            out.explain = members
                .take("explain")
                .and_then(|v| strict::boolean(v, at.member("explain"), problems));
            &["resources", "explain"]
        }
        ContextUse::Search => &["resources"],
    };
    members.finish(known, problems);
    out
}

/// One evaluation's parts, each optional: an `/evaluations` item, or its top-level
/// defaults. A single evaluation is an item with no defaults.
#[derive(Debug, Default)]
pub struct Evaluation {
    /// The subject.
    pub subject: Option<Subject>,
    /// The action.
    pub action: Option<String>,
    /// The resource.
    pub resource: Option<Resource>,
    /// The context.
    pub context: Context,
    /// Which of subject, action and resource were given, read or not (one that did not
    /// read is a problem already; it is not also missing).
    pub given: [bool; 3],
}

/// The members of an evaluation.
pub const EVALUATION_MEMBERS: [&str; 4] = ["subject", "action", "resource", "context"];

impl Evaluation {
    /// Reads the evaluation members of `members` (the caller finishes them: the top level
    /// of `/evaluations` has more).
    pub fn take(members: &mut Members<'_>, problems: &mut Problems) -> Evaluation {
        let at = members.at();
        let given = ["subject", "action", "resource"].map(|name| members.has(name));
        Evaluation {
            given,
            subject: members
                .take("subject")
                .and_then(|v| subject(v, at.member("subject"), problems)),
            action: members
                .take("action")
                .and_then(|v| action(v, at.member("action"), problems)),
            resource: members
                .take("resource")
                .and_then(|v| resource(v, at.member("resource"), problems)),
            context: members
                .take("context")
                .map(|v| context(v, at.member("context"), ContextUse::Evaluation, problems))
                .unwrap_or_default(),
        }
    }

    /// Reads a whole evaluation object.
    pub fn read(value: Value, at: At<'_>, problems: &mut Problems) -> Evaluation {
        let Some(mut members) = Members::new(value, at, problems) else {
            return Evaluation::default();
        };
        let evaluation = Evaluation::take(&mut members, problems);
        members.finish(&EVALUATION_MEMBERS, problems);
        evaluation
    }
}

/// A request ready to decide, borrowing from an item and its defaults.
#[derive(Debug)]
pub struct Decidable<'a> {
    /// The runtime request.
    pub request: Request<'a>,
    /// Its subject as the request typed it (resolve it with [`Subject::principal`]
    /// before deciding).
    pub subject: &'a Subject,
    /// Whether to explain.
    pub explain: bool,
}

/// The request of `item` with `defaults` filling what it leaves out, member by member:
/// `subject`, `action` and `resource` are each the item's or else the default's;
/// `context.explain` likewise; `context.resources` are the default's and the item's
/// together (a default object is never dropped, and two of one category are an error).
pub fn decidable<'a>(
    defaults: &'a Evaluation,
    item: &'a Evaluation,
    problems: &mut Problems,
) -> Option<Decidable<'a>> {
    let missing = |name: &str, problems: &mut Problems| {
        let part = ["subject", "action", "resource"]
            .iter()
            .position(|p| *p == name);
        let given = |e: &Evaluation| part.and_then(|i| e.given.get(i).copied()) == Some(true);
        if given(item) || given(defaults) {
            return;
        }
        problems.push(
            format!("missing member `{name}`"),
            Some(format!(
                "give `{name}` in the evaluation or, for `/evaluations`, at the top level"
            )),
        );
    };
    let subject = item.subject.as_ref().or(defaults.subject.as_ref());
    if subject.is_none() {
        missing("subject", problems);
    }
    let action = item.action.as_deref().or(defaults.action.as_deref());
    if action.is_none() {
        missing("action", problems);
    }
    let resource = item.resource.as_ref().or(defaults.resource.as_ref());
    if resource.is_none() {
        missing("resource", problems);
    }
    let more = defaults
        .context
        .resources
        .iter()
        .chain(&item.context.resources);
    let target = target(resource?, more, problems);
    Some(Decidable {
        request: Request::new(&subject?.name, action?, target?),
        subject: subject?,
        explain: item
            .context
            .explain
            .or(defaults.context.explain)
            .unwrap_or(false),
    })
}

/// The target of a resource and the more objects of `context.resources`.
pub fn target<'a>(
    resource: &'a Resource,
    more: impl Iterator<Item = &'a Resource>,
    problems: &mut Problems,
) -> Option<Target<'a>> {
    let before = problems.len();
    let mut objects = RequestObjects::new();
    let mut global = None;
    for r in std::iter::once(resource).chain(more) {
        match (&r.kind, r.object()) {
            (_, Some((category, object))) => objects.add(category, object, &r.place, problems),
            (ResourceKind::Global(g), None) if std::ptr::eq(r, resource) => global = Some(g),
            (_, None) => problems.push(
                format!(
                    "{} is a global resource beside the request's resource",
                    r.place
                ),
                Some("a global object is asked about alone, as the `resource`".into()),
            ),
        }
    }
    if global.is_some() && !objects.objects().is_empty() {
        problems.push(
            format!(
                "{} is a global resource, and `context.resources` names objects",
                resource.place
            ),
            Some("ask about the global object in a request of its own".into()),
        );
    }
    if problems.len() != before {
        return None;
    }
    Some(match global {
        Some(g) => Target::Global(g),
        None => Target::Objects(objects.objects()),
    })
}

/// A target for decision logs: `[{type, id, decided, described?}]`, every object the
/// decision was about: `id` as the request gave it, `decided` the catalog id of the object
/// it was decided as ([`Tables::decided_object`]; `null` for a described object the
/// catalog does not hold), `described: true` for one given by attributes.
pub fn describe(tables: &Tables, target: &Target<'_>) -> Value {
    match target {
        Target::Global(g) => json!([{"type": "global", "id": g, "decided": g}]),
        Target::Unscoped => json!([]),
        Target::Objects(objects) => objects
            .iter()
            .map(|(c, o)| {
                let decided = tables.decided_object(c, o).ok().flatten();
                match o {
                    ObjectRef::Key(key) => json!({"type": c.name(), "id": key, "decided": decided}),
                    ObjectRef::Attributes(a) => {
                        json!({"type": c.name(), "id": a.id, "decided": decided, "described": true})
                    }
                }
            })
            .collect(),
    }
}

/// `page: {token?, limit?}`.
#[derive(Debug, Default)]
pub struct Page {
    /// The token of the page to read (from the last answer's `next_token`).
    pub token: Option<String>,
    /// The most results on the page.
    pub limit: Option<usize>,
}

/// Reads a `page`.
pub fn page(value: Value, at: At<'_>, problems: &mut Problems) -> Page {
    let Some(mut members) = Members::new(value, at, problems) else {
        return Page::default();
    };
    let token = optional_string(&mut members, "token", problems);
    let limit = members.take("limit").and_then(|v| match v.as_u64() {
        Some(n) => Some(usize::try_from(n).unwrap_or(usize::MAX)),
        None => {
            problems.push(
                format!(
                    "{} must be a whole number of 0 or more, not {}",
                    at.member("limit"),
                    strict::kind_of(&v)
                ),
                None,
            );
            None
        }
    });
    members.finish(&["token", "limit"], problems);
    Page { token, limit }
}
