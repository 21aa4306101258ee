//! The names part of the tables: every name a request can use (subjects, actions, global
//! objects, objects of the catalog) and the names the tables give back (listings,
//! explanations). [`Names`] owns the names and their lookup indexes
//! ([`crate::name_index`]), validates them and builds the indexes at load; it answers with
//! positions, which [`crate::Tables`] turns into ids.

use rampart_grammar::Action;

use crate::category::Category;
use crate::error::{LoadError, RequestError};
use crate::identity::{Found, LooseKeys};
use crate::name_index::{Lookup, NameIndex};
use crate::schema::{NameList, PrincipalKind};
use crate::suggest::did_you_mean;

/// Marks a principal-name value that several principals share.
const AMBIGUOUS: u32 = 1 << 31;

/// What a principal is called.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PrincipalName {
    /// Person, playbook or notification.
    pub kind: PrincipalKind,
    /// Person: email (or id). Services: `namespace/name`.
    pub key: String,
    /// The catalog id, when there is one.
    pub id: Option<String>,
    /// A person's display name.
    pub name: Option<String>,
}

/// The names of one category's objects: keys, other names (aliases), and their index.
#[derive(Debug, Default)]
pub(crate) struct ObjectNames {
    keys: NameList,
    aliases: Vec<(u32, String)>,
    alias_names: NameList,
    index: NameIndex,
    /// Keys and aliases by identity, for keys spelled otherwise ([`crate::identity`]).
    loose: LooseKeys,
}

impl ObjectNames {
    fn build(c: Category, keys: NameList, aliases: Vec<(u32, String)>) -> Result<Self, LoadError> {
        if !names_ok(&keys) {
            return Err(LoadError::corrupt(format!("the {c} names are malformed")));
        }
        let objects = keys.len();
        if aliases.iter().any(|(o, _)| *o as usize >= objects) {
            return Err(LoadError::corrupt(format!(
                "a {c} alias names an object out of range"
            )));
        }
        let alias_names = NameList::from_strings(aliases.iter().map(|(_, a)| a.as_str()));
        let names = (0..objects)
            .map(|i| (0, i, i as u32))
            .chain(aliases.iter().enumerate().map(|(i, (o, _))| (1, i, *o)))
            .collect::<Vec<_>>();
        let index = NameIndex::build([&keys, &alias_names], names.into_iter(), |first, _| first);
        let loose = LooseKeys::build(
            keys.iter()
                .enumerate()
                .map(|(i, k)| (k, i as u32))
                .chain(aliases.iter().map(|(o, a)| (a.as_str(), *o))),
        );
        Ok(ObjectNames {
            keys,
            aliases,
            alias_names,
            index,
            loose,
        })
    }

    fn get(&self, key: &str) -> Option<u32> {
        self.index.get([&self.keys, &self.alias_names], key)
    }

    /// The error for an object key no catalog object has, with the nearest key or other
    /// name of the category (computed here, on the error path only). Configs and
    /// components are known by id only: a key near none of them is most often a name.
    fn unknown(&self, category: Category, key: &str) -> RequestError {
        let help =
            did_you_mean(key, every(&self.keys).chain(every(&self.alias_names))).or_else(|| {
                match category {
                    Category::Config | Category::Component => Some(format!(
                        "a {category} is named by its catalog `id`, not its name"
                    )),
                    Category::Playbook | Category::Connection => Some(format!(
                        "a {category} is named `namespace/name` or by its catalog `id`"
                    )),
                }
            });
        RequestError::unknown_object(category, key, help)
    }

    /// The object an exact lookup found, else the one whose key `key` names once trimmed
    /// and folded ([`crate::identity`]), else `None`; several such objects are an error.
    /// Allocates nothing unless it fails.
    fn found(
        &self,
        category: Category,
        key: &str,
        exact: Option<u32>,
    ) -> Result<Option<u32>, RequestError> {
        let found = match exact {
            Some(index) => Found::One(index),
            None => self.loose.find(key, |k| self.get(k)),
        };
        match found {
            Found::One(index) => Ok(Some(index)),
            Found::None => Ok(None),
            Found::Ambiguous(indexes) => {
                let keys: Vec<String> = indexes
                    .iter()
                    .filter_map(|i| self.keys.get(*i as usize))
                    .map(|k| format!("`{}`", crate::text::Shown(k)))
                    .collect();
                Err(RequestError::invalid(format!(
                    "{category} `{}` names several objects whose keys differ only in case or surrounding space: {}; write the key exactly",
                    crate::text::Shown(key),
                    keys.join(", ")
                )))
            }
        }
    }
}

/// Every name of a list, in order (for a did-you-mean, on an error path).
fn every(list: &NameList) -> impl Iterator<Item = &str> + Clone + '_ {
    (0..list.len()).filter_map(|i| list.get(i))
}

/// Whether a name list's ends are increasing, within its text and on character boundaries.
pub(crate) fn names_ok(list: &NameList) -> bool {
    let mut previous = 0usize;
    for end in &list.ends.0 {
        let end = *end as usize;
        if end < previous || end > list.text.len() || !list.text.is_char_boundary(end) {
            return false;
        }
        previous = end;
    }
    previous == list.text.len()
}

/// Every name of the tables and its lookup index.
#[derive(Debug)]
pub(crate) struct Names {
    principals: Vec<PrincipalName>,
    principal_names: NameList,
    principal_index: NameIndex,
    ambiguous: Vec<(String, Vec<u32>)>,
    actions: Vec<String>,
    action_names: NameList,
    action_index: NameIndex,
    plugin_fallback: Vec<(String, u32)>,
    any_invoke: Option<u32>,
    globals: Vec<String>,
    global_names: NameList,
    global_index: NameIndex,
    objects: [ObjectNames; 4],
}

/// What [`Names::build`] is built from: the name fields of a table file.
pub(crate) struct NameData {
    pub principals: Vec<PrincipalName>,
    pub actions: Vec<String>,
    pub globals: Vec<String>,
    /// Per category: keys and aliases.
    pub objects: [(NameList, Vec<(u32, String)>); 4],
}

impl Names {
    /// Validates the names and builds their indexes.
    pub(crate) fn build(data: NameData) -> Result<Names, LoadError> {
        let NameData {
            principals,
            actions,
            globals,
            objects,
        } = data;
        if globals.len() > 64 {
            return Err(LoadError::corrupt("more than 64 global objects"));
        }
        let mut built: [ObjectNames; 4] = Default::default();
        for (c, (keys, aliases)) in Category::ALL.into_iter().zip(objects) {
            *c.of_mut(&mut built) = ObjectNames::build(c, keys, aliases)?;
        }
        let (principal_names, principal_index, ambiguous) = principal_index(&principals);
        let action_names = NameList::from_strings(actions.iter().map(String::as_str));
        let mut plugin_fallback = Vec::new();
        let mut any_invoke = None;
        let mut concrete = Vec::new();
        for (i, name) in actions.iter().enumerate() {
            if name == "invoke:*" {
                any_invoke = Some(i as u32);
            } else if let Some(plugin) = name
                .strip_prefix("invoke:")
                .and_then(|r| r.strip_suffix(":*"))
            {
                plugin_fallback.push((plugin.to_string(), i as u32));
            } else {
                concrete.push((0, i, i as u32));
            }
        }
        plugin_fallback.sort();
        let action_index = NameIndex::build(
            [&action_names, &action_names],
            concrete.into_iter(),
            |a, _| a,
        );
        let global_names = NameList::from_strings(globals.iter().map(String::as_str));
        let global_index = NameIndex::build(
            [&global_names, &global_names],
            (0..global_names.len()).map(|i| (0, i, i as u32)),
            |a, _| a,
        );
        Ok(Names {
            principals,
            principal_names,
            principal_index,
            ambiguous,
            actions,
            action_names,
            action_index,
            plugin_fallback,
            any_invoke,
            globals,
            global_names,
            global_index,
            objects: built,
        })
    }

    /// The number of principals.
    #[inline]
    pub(crate) fn principal_count(&self) -> usize {
        self.principals.len()
    }

    /// The number of actions.
    #[inline]
    pub(crate) fn action_count(&self) -> usize {
        self.actions.len()
    }

    /// The number of global objects.
    #[inline]
    pub(crate) fn global_count(&self) -> usize {
        self.globals.len()
    }

    /// The number of known objects of a category.
    #[inline]
    pub(crate) fn object_count(&self, category: Category) -> usize {
        category.of(&self.objects).keys.len()
    }

    /// A subject: a person by email, id or unique name, or `playbook:ns/name` /
    /// `notification:ns/name` (or their ids after the prefix).
    pub(crate) fn principal(&self, subject: &str) -> Result<u32, RequestError> {
        let found = self
            .principal_index
            .get([&self.principal_names, &self.principal_names], subject)
            .or_else(|| self.principal_by_uuid(subject));
        self.principal_found(subject, found)
    }

    /// A subject that names a principal by id in another spelling of its uuid
    /// (`{…}`, `urn:uuid:…`, no hyphens, any case; after `playbook:` or `notification:`
    /// for a service), by the canonical uuid ([`crate::identity`]).
    fn principal_by_uuid(&self, subject: &str) -> Option<u32> {
        let (prefix, id) = ["playbook:", "notification:"]
            .into_iter()
            .find_map(|p| subject.strip_prefix(p).map(|id| (p, id)))
            .unwrap_or(("", subject));
        let uuid = crate::identity::canonical_uuid(id.trim())?;
        let key = format!("{prefix}{}", uuid.as_str());
        (key != subject)
            .then(|| {
                self.principal_index
                    .get([&self.principal_names, &self.principal_names], &key)
            })
            .flatten()
    }

    /// [`NameIndex::begin`] for a subject.
    pub(crate) fn principal_begin(&self, subject: &str) -> Lookup {
        self.principal_index.begin(subject)
    }

    /// [`Names::principal`] from a lookup [`Names::principal_begin`] started.
    pub(crate) fn principal_finish(
        &self,
        subject: &str,
        lookup: Lookup,
    ) -> Result<u32, RequestError> {
        let found = self.principal_index.finish(
            [&self.principal_names, &self.principal_names],
            subject,
            lookup,
        );
        let found = found.or_else(|| self.principal_by_uuid(subject));
        self.principal_found(subject, found)
    }

    fn principal_found(&self, subject: &str, found: Option<u32>) -> Result<u32, RequestError> {
        match found {
            Some(v) if v & AMBIGUOUS == 0 => Ok(v),
            Some(v) => {
                let candidates = self
                    .ambiguous
                    .get((v & !AMBIGUOUS) as usize)
                    .map(|(_, list)| {
                        list.iter()
                            .filter_map(|p| self.principal_name(*p as usize))
                            .collect()
                    })
                    .unwrap_or_default();
                Err(RequestError::ambiguous_subject(subject, candidates))
            }
            None => Err(RequestError::unknown_subject(
                subject,
                did_you_mean(subject, every(&self.principal_names)),
            )),
        }
    }

    /// A person by email, id or unique name (services are refused).
    pub(crate) fn person(&self, person: &str) -> Result<u32, RequestError> {
        let index = self.principal(person)?;
        match self.principals.get(index as usize) {
            Some(p) if p.kind == PrincipalKind::Person => Ok(index),
            _ => Err(RequestError::unknown_subject(
                person,
                did_you_mean(
                    person,
                    self.principals
                        .iter()
                        .filter(|p| p.kind == PrincipalKind::Person)
                        .map(|p| p.key.as_str()),
                ),
            )),
        }
    }

    /// An action by name. Case and spelling variants are accepted (`Playbook:Run`);
    /// `invoke:` operations no document names map to their plugin's stand-in.
    pub(crate) fn action(&self, action: &str) -> Result<u32, RequestError> {
        self.action_index
            .get([&self.action_names, &self.action_names], action)
            .or_else(|| self.parsed_action(action))
            .ok_or_else(|| {
                RequestError::unknown_action(
                    action,
                    did_you_mean(action, every(&self.action_names)),
                )
            })
    }

    fn parsed_action(&self, action: &str) -> Option<u32> {
        match Action::parse(action).ok()? {
            Action::Builtin(b) => self
                .action_index
                .get([&self.action_names, &self.action_names], b.name()),
            Action::Invoke { plugin, operation } => {
                let canonical = format!("invoke:{plugin}:{operation}");
                self.action_index
                    .get([&self.action_names, &self.action_names], &canonical)
                    .or_else(|| {
                        self.plugin_fallback
                            .binary_search_by(|(p, _)| p.as_str().cmp(plugin.as_str()))
                            .ok()
                            .and_then(|i| self.plugin_fallback.get(i))
                            .map(|(_, id)| *id)
                    })
                    .or(self.any_invoke)
            }
        }
    }

    /// A known object by key (`ns/name` for playbooks and connections, the id for configs
    /// and components) or by catalog id / `metadata.uid`.
    pub(crate) fn object(&self, category: Category, key: &str) -> Result<u32, RequestError> {
        self.find_object(category, key)?
            .ok_or_else(|| category.of(&self.objects).unknown(category, key))
    }

    /// [`Names::object`], with `None` for a key that names no object (no error is built:
    /// an object the catalog does not know is no failure where attributes describe it).
    pub(crate) fn find_object(
        &self,
        category: Category,
        key: &str,
    ) -> Result<Option<u32>, RequestError> {
        let names = category.of(&self.objects);
        names.found(category, key, names.get(key))
    }

    /// [`NameIndex::begin`] for an object key.
    pub(crate) fn object_begin(&self, category: Category, key: &str) -> Lookup {
        category.of(&self.objects).index.begin(key)
    }

    /// [`Names::object`] from a lookup [`Names::object_begin`] started.
    pub(crate) fn object_finish(
        &self,
        category: Category,
        key: &str,
        lookup: Lookup,
    ) -> Result<u32, RequestError> {
        let names = category.of(&self.objects);
        let exact = names
            .index
            .finish([&names.keys, &names.alias_names], key, lookup);
        names
            .found(category, key, exact)?
            .ok_or_else(|| names.unknown(category, key))
    }

    /// A global object by name (`catalog`, `mcp`, ...).
    pub(crate) fn global(&self, name: &str) -> Result<u32, RequestError> {
        self.global_index
            .get([&self.global_names, &self.global_names], name)
            .ok_or_else(|| {
                RequestError::unknown_global(name, did_you_mean(name, every(&self.global_names)))
            })
    }

    /// The name a principal is looked up by (`email`, `playbook:ns/name`, ...).
    pub(crate) fn principal_name(&self, index: usize) -> Option<String> {
        let p = self.principals.get(index)?;
        Some(match p.kind {
            PrincipalKind::Person => p.key.clone(),
            PrincipalKind::Playbook => format!("playbook:{}", p.key),
            PrincipalKind::Notification => format!("notification:{}", p.key),
        })
    }

    /// The name of an action.
    pub(crate) fn action_name(&self, index: usize) -> Option<&str> {
        self.actions.get(index).map(String::as_str)
    }

    /// The name of a global object.
    pub(crate) fn global_name(&self, index: usize) -> Option<&str> {
        self.globals.get(index).map(String::as_str)
    }

    /// The key of a known object.
    pub(crate) fn object_key(&self, category: Category, index: usize) -> Option<&str> {
        category.of(&self.objects).keys.get(index)
    }

    /// The catalog id of a known object (the key for configs and components).
    pub(crate) fn object_id(&self, category: Category, index: u32) -> Option<&str> {
        let names = category.of(&self.objects);
        names
            .aliases
            .iter()
            .find(|(o, _)| *o == index)
            .map(|(_, a)| a.as_str())
            .or_else(|| names.keys.get(index as usize))
    }

    /// Bytes of the name indexes, for statistics.
    pub(crate) fn memory(&self) -> usize {
        self.principal_index.memory() + self.objects.iter().map(|o| o.index.memory()).sum::<usize>()
    }

    /// The names as the file stores them (the compiler's tools).
    #[cfg(feature = "build")]
    pub(crate) fn to_data(&self) -> NameData {
        NameData {
            principals: self.principals.clone(),
            actions: self.actions.clone(),
            globals: self.globals.clone(),
            objects: Category::ALL.map(|c| {
                let o = c.of(&self.objects);
                (o.keys.clone(), o.aliases.clone())
            }),
        }
    }
}

type PrincipalIndex = (NameList, NameIndex, Vec<(String, Vec<u32>)>);

/// Every name a principal is looked up by. A person's display name counts only when no
/// other principal has it; a name shared by several becomes an "ambiguous" entry whose
/// lookup is an error naming the candidates.
fn principal_index(principals: &[PrincipalName]) -> PrincipalIndex {
    use std::collections::BTreeMap;
    let mut by_name: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    let mut exact: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for (i, p) in principals.iter().enumerate() {
        let i = i as u32;
        let prefix = match p.kind {
            PrincipalKind::Person => "",
            PrincipalKind::Playbook => "playbook:",
            PrincipalKind::Notification => "notification:",
        };
        exact
            .entry(format!("{prefix}{}", p.key))
            .or_default()
            .push(i);
        if let Some(id) = p.id.as_ref().filter(|id| **id != p.key) {
            exact.entry(format!("{prefix}{id}")).or_default().push(i);
        }
        // An id spelled otherwise than its canonical uuid is found by that too.
        if let Some(uuid) = p
            .id
            .as_deref()
            .and_then(|id| crate::identity::canonical_uuid(id.trim()).filter(|u| u.as_str() != id))
        {
            exact
                .entry(format!("{prefix}{}", uuid.as_str()))
                .or_default()
                .push(i);
        }
        if let (PrincipalKind::Person, Some(name)) = (p.kind, &p.name) {
            by_name.entry(name.clone()).or_default().push(i);
        }
    }
    for (name, list) in by_name {
        // An email or id always wins over a display name.
        exact.entry(name).or_insert(list);
    }
    let mut names = NameList::default();
    let mut values = Vec::new();
    let mut ambiguous = Vec::new();
    for (name, mut list) in exact {
        list.dedup();
        names.push(&name);
        match list.as_slice() {
            [one] => values.push(*one),
            _ => {
                values.push(AMBIGUOUS | ambiguous.len() as u32);
                ambiguous.push((name, list));
            }
        }
    }
    let index = NameIndex::build(
        [&names, &names],
        values
            .iter()
            .enumerate()
            .map(|(n, v)| (0, n, *v))
            .collect::<Vec<_>>()
            .into_iter(),
        |a, _| a,
    );
    (names, index, ambiguous)
}
