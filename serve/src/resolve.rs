//! Resolve-on-miss (`serve --postgres`): an object a request names by an id the tables
//! in force do not know — a config scraped, a playbook or connection created after the
//! last refresh — is fetched from the source by that id and decided by its attributes,
//! as the runtime decides any object described by attributes (the rules' selectors
//! classify it, as a recompile would). The sidecar knows only the [`ObjectLookup`]
//! trait; the command line implements it over Mission Control's database.
//!
//! A resource the request describes by attributes (`properties`) is looked up by its id
//! the same way: the row the source holds under that id wins over whatever the request
//! claims about it (the request's attributes are used only for an id the source does
//! not have).
//!
//! What a lookup found is cached until the next refresh of the tables (which then knows
//! the object, or no longer has it): [`Resolver::clear`] is called after each one, and an
//! answer fetched while a refresh happened is not kept. An id the source does not have
//! stays an `unknown_object` error; that it is absent is remembered for
//! [`ABSENT_FOR`] only, so that an object created a moment later is found on its first
//! request after that, while a client repeating an unknown id costs at most one lookup a
//! second. A lookup that fails leaves the id unknown (an error, never a guess), is
//! counted and logged (at most once a second).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rampart_runtime::{Category, ObjectAttributes, Tables};

use crate::model::{Resource, ResourceKind};

/// How long an id the source does not have is remembered as absent.
pub const ABSENT_FOR: Duration = Duration::from_secs(1);

/// Entries kept before the cache starts over (bounds the memory a client naming many
/// unknown ids can take).
const MAX_ENTRIES: usize = 100_000;

/// What the source holds under an id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Looked {
    /// The object's attributes.
    Found(Box<ObjectAttributes>),
    /// No such object.
    Absent,
}

/// Where objects the tables do not know are looked up.
pub trait ObjectLookup: Send + Sync {
    /// The object of `category` with id `id`; `Err` when the source could not answer.
    fn fetch(&self, category: Category, id: &str) -> Result<Looked, String>;
}

#[derive(Debug, Default)]
struct Cache {
    /// Bumped by every refresh: a lookup begun before it is not kept.
    generation: u64,
    found: HashMap<(Category, String), Arc<ObjectAttributes>>,
    absent: HashMap<(Category, String), Instant>,
}

/// The counters of `/metrics`.
#[derive(Debug, Default)]
struct Counters {
    found: AtomicU64,
    absent: AtomicU64,
    failed: AtomicU64,
    cached: AtomicU64,
}

/// Looks up objects the tables do not know, and caches what it found.
pub struct Resolver {
    lookup: Box<dyn ObjectLookup>,
    cache: Mutex<Cache>,
    counters: Counters,
    last_logged: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for Resolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resolver")
            .field("counters", &self.counters)
            .finish_non_exhaustive()
    }
}

impl Resolver {
    /// A resolver over `lookup`.
    pub fn new(lookup: Box<dyn ObjectLookup>) -> Resolver {
        Resolver {
            lookup,
            cache: Mutex::new(Cache::default()),
            counters: Counters::default(),
            last_logged: Mutex::new(None),
        }
    }

    /// Forgets everything looked up (the tables were refreshed).
    pub fn clear(&self) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.generation += 1;
            cache.found.clear();
            cache.absent.clear();
        }
    }

    /// The attributes of the object of `category` with id `id`, when `tables` do not know
    /// it and the source has it; `None` otherwise (known to the tables, absent, or the
    /// lookup failed).
    pub fn resolve(
        &self,
        tables: &Tables,
        category: Category,
        id: &str,
    ) -> Option<Arc<ObjectAttributes>> {
        match tables.find_object(category, id) {
            Ok(None) => {}
            _ => return None,
        }
        let key = (category, id.to_string());
        let generation = {
            let mut cache = self.cache.lock().ok()?;
            if let Some(found) = cache.found.get(&key) {
                self.counters.cached.fetch_add(1, Ordering::Relaxed);
                return Some(Arc::clone(found));
            }
            match cache.absent.get(&key) {
                Some(at) if at.elapsed() < ABSENT_FOR => {
                    self.counters.cached.fetch_add(1, Ordering::Relaxed);
                    return None;
                }
                Some(_) => {
                    cache.absent.remove(&key);
                }
                None => {}
            }
            cache.generation
        };
        let looked = self.lookup.fetch(category, id);
        let mut cache = self.cache.lock().ok()?;
        let keep = cache.generation == generation;
        if keep && cache.found.len() + cache.absent.len() >= MAX_ENTRIES {
            cache.found.clear();
            cache.absent.clear();
        }
        match looked {
            Ok(Looked::Found(attributes)) => {
                self.counters.found.fetch_add(1, Ordering::Relaxed);
                let attributes = Arc::new(*attributes);
                if keep {
                    cache.found.insert(key, Arc::clone(&attributes));
                }
                Some(attributes)
            }
            Ok(Looked::Absent) => {
                self.counters.absent.fetch_add(1, Ordering::Relaxed);
                if keep {
                    cache.absent.insert(key, Instant::now());
                }
                None
            }
            Err(why) => {
                self.counters.failed.fetch_add(1, Ordering::Relaxed);
                if keep {
                    cache.absent.insert(key, Instant::now());
                }
                drop(cache);
                self.log_failure(category, id, &why);
                None
            }
        }
    }

    fn log_failure(&self, category: Category, id: &str, why: &str) {
        let Ok(mut last) = self.last_logged.lock() else {
            return;
        };
        if last.is_some_and(|t| t.elapsed() < Duration::from_secs(1)) {
            return;
        }
        *last = Some(Instant::now());
        eprintln!(
            "rampart serve: looking up {category} `{}` failed (it stays unknown): {why}",
            rampart_runtime::text::Shown(id)
        );
    }

    /// Replaces a resource named by an id the tables do not know with the attributes the
    /// source has for it (left as it is otherwise). A resource the request describes by
    /// attributes is looked up by its id too: when the source has that row, its
    /// attributes replace the request's entirely (a client cannot claim tags or a
    /// namespace for an object the database holds otherwise).
    pub fn resolve_resource(&self, tables: &Tables, resource: &mut Resource) {
        let (category, id) = match &resource.kind {
            ResourceKind::Key(category, id) => (*category, id.as_str()),
            ResourceKind::Described(category, claimed) => match claimed.id.as_deref() {
                Some(id) => (*category, id),
                None => return,
            },
            ResourceKind::Global(_) => return,
        };
        if let Some(attributes) = self.resolve(tables, category, id) {
            resource.kind = ResourceKind::Described(category, Box::new((*attributes).clone()));
        }
    }

    /// The Prometheus lines.
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("# HELP rampart_source_lookups_total Objects the tables did not know, looked up in the source by id, by outcome (cached: answered from the cache).\n# TYPE rampart_source_lookups_total counter\n");
        for (outcome, counter) in [
            ("found", &self.counters.found),
            ("absent", &self.counters.absent),
            ("failed", &self.counters.failed),
            ("cached", &self.counters.cached),
        ] {
            let _ = writeln!(
                out,
                "rampart_source_lookups_total{{outcome=\"{outcome}\"}} {}",
                counter.load(Ordering::Relaxed)
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::sync::{Mutex, Weak};

    use super::*;

    /// Counts fetches; `clear_during` refreshes the resolver while a fetch runs.
    #[derive(Default)]
    struct Counting {
        fetches: Arc<AtomicU64>,
        answer: Option<Result<Looked, String>>,
        clear_during: ClearDuring,
    }

    impl ObjectLookup for Counting {
        fn fetch(&self, _category: Category, id: &str) -> Result<Looked, String> {
            self.fetches.fetch_add(1, Ordering::Relaxed);
            if let Some(resolver) = self
                .clear_during
                .lock()
                .unwrap()
                .as_ref()
                .and_then(Weak::upgrade)
            {
                resolver.clear();
            }
            self.answer.clone().unwrap_or_else(|| {
                Ok(Looked::Found(Box::new(ObjectAttributes {
                    id: Some(id.to_string()),
                    ..ObjectAttributes::default()
                })))
            })
        }
    }

    fn tables() -> Tables {
        Tables::load("../fixtures/tables/format-v3.rampart").expect("fixture tables")
    }

    /// Refreshes the resolver it names while a fetch runs.
    type ClearDuring = Arc<Mutex<Option<Weak<Resolver>>>>;

    fn resolver(
        answer: Option<Result<Looked, String>>,
    ) -> (Arc<Resolver>, Arc<AtomicU64>, ClearDuring) {
        let lookup = Counting {
            answer,
            ..Counting::default()
        };
        let (fetches, clear) = (
            Arc::clone(&lookup.fetches),
            Arc::clone(&lookup.clear_during),
        );
        (Arc::new(Resolver::new(Box::new(lookup))), fetches, clear)
    }

    #[test]
    fn what_was_found_is_kept_until_the_next_refresh() {
        let tables = tables();
        let (resolver, fetches, _) = resolver(None);
        let found = resolver
            .resolve(&tables, Category::Config, "new-1")
            .expect("found");
        assert_eq!(found.id.as_deref(), Some("new-1"));
        assert!(resolver
            .resolve(&tables, Category::Config, "new-1")
            .is_some());
        assert_eq!(fetches.load(Ordering::Relaxed), 1);
        resolver.clear();
        assert!(resolver
            .resolve(&tables, Category::Config, "new-1")
            .is_some());
        assert_eq!(fetches.load(Ordering::Relaxed), 2);
        assert!(resolver
            .render()
            .contains("rampart_source_lookups_total{outcome=\"cached\"} 1\n"));
    }

    /// Issue 22 (adversary finding): a resource described by attributes whose id the
    /// tables do not know is decided by the row the source holds under that id, never by
    /// the attributes the request supplied.
    #[test]
    fn request_properties_never_override_the_row_fetched_by_id() {
        use crate::model::{Resource, ResourceKind};
        let tables = tables();
        let (resolver, fetches, _) = resolver(None);
        let claimed = ObjectAttributes {
            id: Some("new-4".to_string()),
            namespace: Some("mission-control".to_string()),
            tags: [("env".to_string(), "prod".to_string())]
                .into_iter()
                .collect(),
            ..ObjectAttributes::default()
        };
        let mut resource = Resource {
            kind: ResourceKind::Described(Category::Config, Box::new(claimed)),
            place: "resource".to_string(),
        };
        resolver.resolve_resource(&tables, &mut resource);
        assert_eq!(fetches.load(Ordering::Relaxed), 1);
        match &resource.kind {
            ResourceKind::Described(Category::Config, attributes) => {
                assert_eq!(attributes.id.as_deref(), Some("new-4"));
                assert_eq!(attributes.namespace, None, "{attributes:?}");
                assert!(attributes.tags.is_empty(), "{attributes:?}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_object_the_tables_know_is_never_looked_up() {
        let tables = tables();
        let (resolver, fetches, _) = resolver(None);
        assert!(resolver
            .resolve(&tables, Category::Config, "c-mc-pod")
            .is_none());
        assert_eq!(fetches.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn absent_and_failed_ids_stay_unknown_and_are_asked_again_only_later() {
        let tables = tables();
        for answer in [Ok(Looked::Absent), Err("the database is down".to_string())] {
            let failed = answer.is_err();
            let (resolver, fetches, _) = resolver(Some(answer));
            for _ in 0..3 {
                assert!(resolver
                    .resolve(&tables, Category::Config, "new-2")
                    .is_none());
            }
            assert_eq!(fetches.load(Ordering::Relaxed), 1);
            let outcome = if failed { "failed" } else { "absent" };
            assert!(
                resolver.render().contains(&format!(
                    "rampart_source_lookups_total{{outcome=\"{outcome}\"}} 1\n"
                )),
                "{}",
                resolver.render()
            );
            // A refresh forgets that it was absent.
            resolver.clear();
            assert!(resolver
                .resolve(&tables, Category::Config, "new-2")
                .is_none());
            assert_eq!(fetches.load(Ordering::Relaxed), 2);
        }
    }

    #[test]
    fn a_lookup_a_refresh_overtook_is_answered_but_not_kept() {
        let tables = tables();
        let (resolver, fetches, clear) = resolver(None);
        *clear.lock().unwrap() = Some(Arc::downgrade(&resolver));
        assert!(resolver
            .resolve(&tables, Category::Config, "new-3")
            .is_some());
        *clear.lock().unwrap() = None;
        assert!(resolver
            .resolve(&tables, Category::Config, "new-3")
            .is_some());
        assert_eq!(fetches.load(Ordering::Relaxed), 2);
    }
}
