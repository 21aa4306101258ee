//! [`Tables`]: a table file loaded, validated and indexed, as a thin composite of parts
//! that own their data and are built and validated in their own modules:
//!
//! | part | module | owns |
//! | --- | --- | --- |
//! | [`Names`] | [`crate::names`] | every name and its lookup index |
//! | [`Decisions`] | [`crate::decisions`] | classes, rules, rows, sets, the check layout |
//! | [`Selectors`] | [`crate::selectors`] | compiled selectors, predicates, agents |
//! | [`Provenance`] | [`crate::provenance`] | permissions and units, for explanations |
//! | [`Connections`] | [`crate::connection::definitions`] | Connection definitions (beside the parts: only connection resolution reads them) |
//!
//! Queries over several parts live in their own modules ([`crate::decide`],
//! [`crate::explain`], [`crate::listing`], [`crate::sql`],
//! [`crate::connection::resolve`]); every public method here delegates to one of them.
//!
//! Loading checks the header before reading the file whole, the checksum (and, with a
//! key, the signature), then each part's data, and, for files that are not verified by
//! signature, recomputes every decision row from its rules ([`crate::validate`]). After
//! that the check path can index without fear; it still reads with `get`, so that a bug
//! denies instead of panicking.

use std::path::Path;

use roaring::RoaringBitmap;

use crate::category::{Category, PairShape};
use crate::codec;
use crate::connection::definitions::Connections;
use crate::connection::resolve::{ResolveError, ResolvedConnection};
use crate::connection::source::SecretSource;
use crate::decision_data::{DecisionData, Limits};
use crate::decisions::Decisions;
use crate::error::{LoadError, RequestError};
use crate::id_bits::IdBits;
use crate::ids::{ActionId, GlobalId, ObjectId, PrincipalId, TablesTag};
use crate::listing::{ActionAccess, Conditional, Lister, Listing};
use crate::names::{NameData, Names, PrincipalName};
use crate::parts::Parts;
use crate::provenance::Provenance;
use crate::request::{IdTarget, Request};
use crate::residual::ResidualRule;
use crate::response::{Reason, Response};
use crate::schema::TablesData;
#[cfg(feature = "build")]
use crate::schema::{CategoryData, PrincipalData};
use crate::selectors::Selectors;
use crate::sql::columns::ColumnMap;
use crate::sql::{FilterPreference, Filters, SqlFilter};

/// A public key that table signatures are verified with (Ed25519).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey(pub(crate) ed25519_dalek::VerifyingKey);

impl PublicKey {
    /// A key from its 32 bytes.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<PublicKey, LoadError> {
        ed25519_dalek::VerifyingKey::from_bytes(bytes)
            .map(PublicKey)
            .map_err(|_| LoadError::bad_signature())
    }

    /// A key from the text `rampart keygen` writes: its 32 bytes in standard base64.
    pub fn parse(text: &str) -> Result<PublicKey, LoadError> {
        use base64::Engine;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|_| LoadError::bad_signature())?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| LoadError::bad_signature())?;
        PublicKey::from_bytes(&bytes)
    }
}

/// Loaded, validated decision tables. Cheap to share: `Send + Sync`, read-only.
#[derive(Debug)]
pub struct Tables {
    compiler_version: String,
    revision: String,
    signed: bool,
    parts: Parts,
    connections: Connections,
}

impl Tables {
    /// Reads, checks, validates and indexes a table file. The header is read first, so a
    /// file that is not a table (or is endless) is refused before it is read whole.
    pub fn load(path: impl AsRef<Path>) -> Result<Tables, LoadError> {
        let bytes = codec::read_file(path.as_ref())?;
        Tables::from_bytes(&bytes)
    }

    /// Like [`Tables::load`], and refuses a file that is not signed with the key's
    /// private half (`rampart compile --sign`). A verified file came from the signer's
    /// own compiler, so its rows are not recomputed (a faster load); every structural
    /// check still runs.
    pub fn load_verified(path: impl AsRef<Path>, key: &PublicKey) -> Result<Tables, LoadError> {
        let bytes = codec::read_file(path.as_ref())?;
        Tables::from_bytes_verified(&bytes, key)
    }

    /// Checks, validates and indexes a table file's bytes. Never panics, whatever the
    /// bytes; time and memory stay proportional to their length.
    pub fn from_bytes(bytes: &[u8]) -> Result<Tables, LoadError> {
        Tables::decode(bytes, None)
    }

    /// [`Tables::from_bytes`] for a signed file, verified with `key`.
    pub fn from_bytes_verified(bytes: &[u8], key: &PublicKey) -> Result<Tables, LoadError> {
        Tables::decode(bytes, Some(key))
    }

    fn decode(bytes: &[u8], key: Option<&PublicKey>) -> Result<Tables, LoadError> {
        let checked = codec::check(bytes, key.map(|k| &k.0))?;
        let data = codec::decode(checked.payload)?;
        let budget = (checked.payload.len() as u64)
            .saturating_mul(64)
            .saturating_add(1 << 22);
        // The check layout's memory, likewise proportional to the file (a legitimate
        // table needs about its own size; a crafted row index of one-byte entries must not
        // become gigabytes of lines).
        let layout_bytes = (checked.payload.len() as u64)
            .saturating_mul(16)
            .saturating_add(1 << 26);
        let revision = format!("{:016x}", checked.header.checksum);
        Tables::assemble(
            data,
            checked.header.compiler_version,
            revision,
            checked.header.signed,
            key.is_none().then_some(budget),
            layout_bytes,
        )
    }

    /// Validates tables built in memory (the compiler's output) and indexes them.
    #[cfg(feature = "build")]
    pub fn from_data(data: TablesData) -> Result<Tables, LoadError> {
        Tables::assemble(
            data,
            String::new(),
            String::new(),
            false,
            Some(u64::MAX),
            u64::MAX,
        )
    }

    /// Splits the file's data into the parts, each validating its own share.
    fn assemble(
        data: TablesData,
        compiler_version: String,
        revision: String,
        signed: bool,
        recompute_rows: Option<u64>,
        layout_bytes: u64,
    ) -> Result<Tables, LoadError> {
        let TablesData {
            permissions,
            units,
            principals,
            classes,
            actions,
            globals,
            agents,
            categories,
            blocks,
            block_lists,
            selectors,
            predicates,
            rules,
            entries,
            entry_rules,
            rows,
            row_entries,
            row_of,
            pair_tables,
            pair_exceptions,
            connections,
        } = data;
        let mut principal_names = Vec::with_capacity(principals.len());
        let mut principal_unit = Vec::with_capacity(principals.len());
        let mut principal_class = Vec::with_capacity(principals.len());
        for p in principals {
            principal_unit.push(p.unit);
            principal_class.push(p.class);
            principal_names.push(PrincipalName {
                kind: p.kind,
                key: p.key,
                id: p.id,
                name: p.name,
            });
        }
        let object_classes = Category::ALL.map(|c| c.of(&categories).classes);
        let mut object_names: [_; 4] = Default::default();
        let mut object_class: [_; 4] = Default::default();
        for (c, category) in Category::ALL.into_iter().zip(categories) {
            *c.of_mut(&mut object_names) = (category.keys, category.aliases);
            *c.of_mut(&mut object_class) = category.object_class;
        }
        let names = Names::build(NameData {
            principals: principal_names,
            actions,
            globals,
            objects: object_names,
        })?;
        let provenance = Provenance::build(permissions, units, principal_unit)?;
        let selectors = Selectors::build(selectors, predicates, agents)?;
        let narrowed_predicates = selectors.narrowed_predicates();
        let limits = Limits {
            permissions: provenance.permission_count(),
            units: provenance.unit_count(),
            predicates: selectors.predicate_count(),
            narrowed_predicates: &narrowed_predicates,
            actions: names.action_count(),
            globals: names.global_count(),
            objects: Category::ALL.map(|c| names.object_count(c)),
        };
        let decisions = Decisions::build(
            DecisionData {
                classes,
                principal_class,
                object_class,
                object_classes,
                blocks,
                block_lists,
                rules,
                entries,
                entry_rules,
                rows,
                row_entries,
                row_of,
                pair_tables,
                pair_exceptions,
            },
            &limits,
            recompute_rows,
            layout_bytes,
        )?;
        Ok(Tables {
            compiler_version,
            revision,
            signed,
            parts: Parts {
                tag: TablesTag::fresh(),
                names,
                decisions,
                selectors,
                provenance,
            },
            connections: Connections::build(connections),
        })
    }

    /// The compiler version recorded in the file header (empty for in-memory tables).
    pub fn compiler_version(&self) -> &str {
        &self.compiler_version
    }

    /// The table's revision: its payload checksum in hex (empty for in-memory tables).
    /// Two files with the same revision hold the same tables.
    pub fn revision(&self) -> &str {
        &self.revision
    }

    /// Whether the file carried a signature.
    pub fn is_signed(&self) -> bool {
        self.signed
    }

    /// The tables as the file stores them, reassembled from the parts (the compiler's
    /// tools: round trips, inspection).
    #[cfg(feature = "build")]
    pub fn to_data(&self) -> TablesData {
        let names = self.parts.names.to_data();
        let decisions = self.parts.decisions.to_data();
        let (permissions, units, principal_unit) = self.parts.provenance.to_data();
        let (selectors, predicates, agents) = self.parts.selectors.to_data();
        let principals = names
            .principals
            .into_iter()
            .zip(principal_unit)
            .zip(&decisions.principal_class)
            .map(|((p, unit), class)| PrincipalData {
                kind: p.kind,
                key: p.key,
                id: p.id,
                name: p.name,
                unit,
                class: *class,
            })
            .collect();
        let mut categories: [CategoryData; 4] = Default::default();
        for (c, (keys, aliases)) in Category::ALL.into_iter().zip(names.objects) {
            *c.of_mut(&mut categories) = CategoryData {
                keys,
                aliases,
                object_class: c.of(&decisions.object_class).clone(),
                classes: *c.of(&decisions.object_classes),
            };
        }
        TablesData {
            permissions,
            units,
            principals,
            classes: decisions.classes,
            actions: names.actions,
            globals: names.globals,
            agents,
            categories,
            blocks: decisions.blocks,
            block_lists: decisions.block_lists,
            selectors,
            predicates,
            rules: decisions.rules,
            entries: decisions.entries,
            entry_rules: decisions.entry_rules,
            rows: decisions.rows,
            row_entries: decisions.row_entries,
            row_of: decisions.row_of,
            pair_tables: decisions.pair_tables,
            pair_exceptions: decisions.pair_exceptions,
            connections: self.connections.to_data(),
        }
    }

    /// A subject: a person by email, id or unique name, or `playbook:ns/name` /
    /// `notification:ns/name` (or their ids after the prefix).
    pub fn principal(&self, subject: &str) -> Result<PrincipalId, RequestError> {
        self.parts.principal(subject)
    }

    /// A person by email, id or unique name (services are refused).
    pub fn person(&self, person: &str) -> Result<PrincipalId, RequestError> {
        self.parts.person(person)
    }

    /// An action by name. Case and spelling variants are accepted (`Playbook:Run`);
    /// `invoke:` operations no document names map to their plugin's stand-in.
    pub fn action(&self, action: &str) -> Result<ActionId, RequestError> {
        self.parts.action(action)
    }

    /// A known object by key (`ns/name` for playbooks and connections, the id for configs
    /// and components) or by catalog id / `metadata.uid`.
    pub fn object(&self, category: Category, key: &str) -> Result<ObjectId, RequestError> {
        self.parts.object(category, key)
    }

    /// [`Tables::object`], with `None` for a key that names no object: nothing is
    /// allocated and no "did you mean" is searched for, so a caller that looks an unknown
    /// object up elsewhere (the sidecar's resolve-on-miss) pays nothing for the miss.
    pub fn find_object(
        &self,
        category: Category,
        key: &str,
    ) -> Result<Option<ObjectId>, RequestError> {
        self.parts.find_object(category, key)
    }

    /// A global object by name (`catalog`, `mcp`, ...).
    pub fn global(&self, name: &str) -> Result<GlobalId, RequestError> {
        self.parts.global(name)
    }

    /// Every principal, in table order.
    pub fn principals(&self) -> impl Iterator<Item = PrincipalId> + '_ {
        self.parts.principals()
    }

    /// Every action of the vocabulary, with its name.
    pub fn actions(&self) -> impl Iterator<Item = (ActionId, &str)> + '_ {
        self.parts.actions()
    }

    /// Every global object, with its name.
    pub fn globals(&self) -> impl Iterator<Item = (GlobalId, &str)> + '_ {
        self.parts.globals()
    }

    /// Every known object of a category.
    pub fn objects(&self, category: Category) -> impl Iterator<Item = ObjectId> + '_ {
        self.parts.objects(category)
    }

    /// The object at `index` of a category (the indexes of [`crate::Listing::bitmap`]).
    pub fn object_at(&self, category: Category, index: u32) -> Option<ObjectId> {
        self.parts.object_at(category, index)
    }

    /// The name a principal is looked up by (`email`, `playbook:ns/name`, ...).
    pub fn principal_name(&self, principal: PrincipalId) -> Option<String> {
        self.parts.principal_name(principal)
    }

    /// The key of a known object.
    pub fn object_key(&self, object: ObjectId) -> Option<&str> {
        self.parts.object_key(object)
    }

    /// The catalog id of a known object (the key for configs and components).
    pub fn object_id(&self, object: ObjectId) -> Option<&str> {
        self.parts.object_id(object)
    }

    /// The name of an action.
    pub fn action_name(&self, action: ActionId) -> Option<&str> {
        self.parts.action_name(action)
    }

    /// The name of a global object.
    pub fn global_name(&self, global: GlobalId) -> Option<&str> {
        self.parts.global_name(global)
    }

    /// The principal's class: principals of one class get the same answer to every
    /// request, so tools that ask for many principals can ask once per class.
    pub fn principal_class(&self, principal: PrincipalId) -> Option<u32> {
        self.parts.principal_class(principal)
    }

    /// What `bits` ([`PrincipalId::to_bits`] and the like) identify, when they come from
    /// these tables.
    #[inline]
    pub fn bits_kind(&self, bits: u64) -> Result<IdBits, RequestError> {
        self.parts.bits_kind(bits)
    }

    /// A principal id from [`PrincipalId::to_bits`] of these tables.
    #[inline]
    pub fn principal_from_bits(&self, bits: u64) -> Result<PrincipalId, RequestError> {
        self.parts.principal_from_bits(bits)
    }

    /// An action id from [`ActionId::to_bits`] of these tables.
    #[inline]
    pub fn action_from_bits(&self, bits: u64) -> Result<ActionId, RequestError> {
        self.parts.action_from_bits(bits)
    }

    /// A global object id from [`GlobalId::to_bits`] of these tables.
    #[inline]
    pub fn global_from_bits(&self, bits: u64) -> Result<GlobalId, RequestError> {
        self.parts.global_from_bits(bits)
    }

    /// An object id from [`ObjectId::to_bits`] of these tables.
    #[inline]
    pub fn object_from_bits(&self, bits: u64) -> Result<ObjectId, RequestError> {
        self.parts.object_from_bits(bits)
    }

    /// Decides a one-object request given as id bits ([`PrincipalId::to_bits`],
    /// [`ActionId::to_bits`], [`ObjectId::to_bits`]): the fast path of the bindings,
    /// which cross a foreign-function boundary with bits. `None` when any of the three
    /// does not decode (bits of other tables, of the wrong kind, forged): decode them with
    /// the `*_from_bits` methods to learn why. Never an answer for another id.
    #[inline]
    pub fn decide_object_bits(&self, principal: u64, action: u64, object: u64) -> Option<Reason> {
        self.parts.decide_object_bits(principal, action, object)
    }

    /// Decides a request by resolved ids: the fast path. Errors only for ids that belong
    /// to other tables (resolve names again after a reload).
    ///
    /// ```
    /// # fn demo(tables: &rampart_runtime::Tables) -> Result<(), rampart_runtime::RequestError> {
    /// use rampart_runtime::{Category, IdTarget};
    /// let john = tables.principal("john@doe.com")?;
    /// let read = tables.action("read")?;
    /// let pod = tables.object(Category::Config, "c-mc-pod")?;
    /// let allowed = tables.check_ids(john, read, &IdTarget::from(pod))?.is_allowed();
    /// # let _ = allowed; Ok(()) }
    /// ```
    #[inline]
    pub fn check_ids(
        &self,
        principal: PrincipalId,
        action: ActionId,
        target: &IdTarget,
    ) -> Result<Response, RequestError> {
        self.parts.check_ids(principal, action, target)
    }

    /// Decides a request given by names: the call a service reaches for first. A name
    /// that does not resolve (subject, action, object, global object) is an error, never
    /// a denial; the response says allowed or denied and why (`allowed`,
    /// `explicit_deny`, `no_allow_rule`). Use [`Tables::explain`] to learn which
    /// permissions decided.
    ///
    /// ```
    /// # fn demo(tables: &rampart_runtime::Tables) -> Result<(), rampart_runtime::RequestError> {
    /// use rampart_runtime::{Objects, Request, Target};
    /// let request = Request::new(
    ///     "john@doe.com",
    ///     "playbook:run",
    ///     Target::Objects(Objects::new().playbook("mc/echo-config").config("c-mc-pod")),
    /// );
    /// if tables.is_authorized(&request)?.is_allowed() {
    ///     // run it
    /// }
    /// # Ok(()) }
    /// ```
    pub fn is_authorized(&self, request: &Request<'_>) -> Result<Response, RequestError> {
        crate::decide::is_authorized(&self.parts, request)
    }

    /// The catalog id of the object a request's `object` of `category` is decided as: the
    /// object its key names (in any spelling [`crate::identity`] accepts), or the catalog
    /// object a description's identity names ([`crate::described`]); `None` for a
    /// description of an object the catalog does not hold (decided by its attributes).
    /// An object the request could not name is the error deciding it gives. Decision logs
    /// record this beside what the request said, so a log line names the object that was
    /// decided, never only the spelling that was asked about.
    pub fn decided_object(
        &self,
        category: Category,
        object: &crate::request::ObjectRef<'_>,
    ) -> Result<Option<&str>, RequestError> {
        let known = match object {
            crate::request::ObjectRef::Key(key) => Some(self.parts.object(category, key)?),
            crate::request::ObjectRef::Attributes(attributes) => {
                match crate::described::classify(&self.parts, category, attributes)? {
                    crate::decisions::Resolved::Known(known) => Some(known),
                    crate::decisions::Resolved::Unknown(_) => None,
                }
            }
        };
        Ok(known.and_then(|known| self.parts.object_id(known)))
    }

    /// Decides a request like [`Tables::is_authorized`] and explains the decision.
    pub fn explain(&self, request: &Request<'_>) -> Result<Response, RequestError> {
        crate::explain::explain(&self.parts, request)
    }

    /// The known objects of `category` that `principal` may do `action` on in a
    /// one-object request, and the residual rules for objects the catalog does not know.
    pub fn list(
        &self,
        principal: PrincipalId,
        action: ActionId,
        category: Category,
    ) -> Result<Listing, RequestError> {
        Lister::new(&self.parts).list(principal, action, category)
    }

    /// The known objects of `category` that `principal` may do `action` on together with
    /// `with` (of another category): "on which configs may john run playbook X"; its
    /// [`Listing::residual`] says what admits the objects of `category` the catalog does
    /// not hold yet, together with `with`.
    pub fn list_with(
        &self,
        principal: PrincipalId,
        action: ActionId,
        category: Category,
        with: ObjectId,
    ) -> Result<Listing, RequestError> {
        Lister::new(&self.parts).list_with(principal, action, category, with)
    }

    /// Two-object grants of one pair of categories, grouped: each entry is a set of
    /// first-category objects and the second-category objects every one of them may be
    /// paired with (entries with nothing allowed are left out). "Which configs may john run
    /// each playbook on", in one call.
    pub fn pair_grants(
        &self,
        principal: PrincipalId,
        action: ActionId,
        shape: PairShape,
    ) -> Result<Vec<(RoaringBitmap, RoaringBitmap)>, RequestError> {
        Lister::new(&self.parts).pair_grants(principal, action, shape)
    }

    /// Every principal allowed `action` on `target`. Decided once per principal class
    /// (every principal of a class gets the same answers), so the cost grows with the
    /// number of classes.
    pub fn who_can(
        &self,
        action: ActionId,
        target: &IdTarget,
    ) -> Result<Vec<PrincipalId>, RequestError> {
        Lister::new(&self.parts).who_can(action, target)
    }

    /// The principals [`Tables::who_can`] leaves out on `object` alone because their
    /// grants of `action` name its category together with another one ("john may run
    /// this playbook on configs matching `tags.env=dev`"), each with the category of
    /// the second object and the condition it must meet.
    pub fn who_can_together(
        &self,
        action: ActionId,
        object: ObjectId,
    ) -> Result<Vec<Conditional>, RequestError> {
        Lister::new(&self.parts).who_can_together(action, object)
    }

    /// [`Tables::who_can_together`] for a target: on exactly one object, the principals
    /// allowed there only together with an object of another category; on any other
    /// target (two objects, a global object, nothing), none, since [`Tables::who_can`]
    /// answers those whole. What every face lists beside `who_can`'s subjects, so that
    /// none reports a conditional subject as absent.
    pub fn who_can_conditional(
        &self,
        action: ActionId,
        target: &IdTarget,
    ) -> Result<Vec<Conditional>, RequestError> {
        match target {
            IdTarget::Objects(objects) => match objects.iter().collect::<Vec<_>>().as_slice() {
                [one] => self.who_can_together(action, *one),
                _ => Ok(Vec::new()),
            },
            _ => Ok(Vec::new()),
        }
    }

    /// [`Tables::who_can_together`] for one principal: the categories (with their
    /// conditions) `principal` may do `action` on `object` together with, when it may
    /// not alone; empty otherwise. (The sidecar's action search lists these.)
    pub fn principal_together(
        &self,
        principal: PrincipalId,
        action: ActionId,
        object: ObjectId,
    ) -> Result<Vec<Conditional>, RequestError> {
        Lister::new(&self.parts).principal_together(principal, action, object)
    }

    /// The other categories `principal`'s allow rules of `action` name together with
    /// `category` (two-object grants): what a one-object [`Tables::list`] or
    /// [`Tables::sql_filter`] of `category` cannot show. Ask those with a fixed object
    /// ([`Tables::list_with`], [`Tables::sql_filter_with`]).
    pub fn paired_categories(
        &self,
        principal: PrincipalId,
        action: ActionId,
        category: Category,
    ) -> Result<Vec<Category>, RequestError> {
        Lister::new(&self.parts).paired_categories(principal, action, category)
    }

    /// What `principal` may do, action by action (actions allowing nothing left out).
    pub fn access(&self, principal: PrincipalId) -> Result<Vec<ActionAccess>, RequestError> {
        Lister::new(&self.parts).access(principal)
    }

    /// The rules of `principal` for `action` that decide object requests, as their
    /// selectors state them: what decides the objects the catalog does not hold yet as
    /// well as those it does (deduplicated, sorted). Errors only for ids of other tables.
    pub fn residual_rules(
        &self,
        principal: PrincipalId,
        action: ActionId,
    ) -> Result<Vec<ResidualRule>, RequestError> {
        crate::residual::residual_rules(&self.parts, principal, action)
    }

    /// The SQL filter for the rows of `category` that `principal` may do `action` on in a
    /// one-object request. Errors only for ids of other tables.
    ///
    /// ```
    /// # fn demo(tables: &rampart_runtime::Tables) -> Result<(), Box<dyn std::error::Error>> {
    /// use rampart_runtime::sql::{ColumnMap, FilterPreference};
    /// use rampart_runtime::Category;
    /// let john = tables.principal("john@doe.com")?;
    /// let read = tables.action("read")?;
    /// let columns = ColumnMap::mission_control(Category::Config);
    /// let filter = tables.sql_filter(john, read, Category::Config, &columns, FilterPreference::Predicate)?;
    /// let query = format!("SELECT id FROM config_items WHERE {}", filter.sql());
    /// // run `query` with `filter.params()` bound as $1, $2, ...
    /// # let _ = query; Ok(()) }
    /// ```
    pub fn sql_filter(
        &self,
        principal: PrincipalId,
        action: ActionId,
        category: Category,
        columns: &ColumnMap,
        preference: FilterPreference,
    ) -> Result<SqlFilter, RequestError> {
        Filters::new(&self.parts).sql_filter(principal, action, category, None, columns, preference)
    }

    /// The SQL filter for the rows of `category` that `principal` may do `action` on
    /// together with the known object `with` of another category: "the configs john
    /// may run playbook X on". The predicate judges every row as [`Tables::is_authorized`]
    /// judges the pair of `with` and an object described by the row; its known rows are
    /// exactly [`Tables::list_with`]'s. Errors for ids of other tables and for `with` of
    /// `category`.
    pub fn sql_filter_with(
        &self,
        principal: PrincipalId,
        action: ActionId,
        category: Category,
        with: ObjectId,
        columns: &ColumnMap,
        preference: FilterPreference,
    ) -> Result<SqlFilter, RequestError> {
        Filters::new(&self.parts).sql_filter(
            principal,
            action,
            category,
            Some(with),
            columns,
            preference,
        )
    }

    /// Resolves `reference` for `subject`: `read` on the connection is required first.
    /// A reference without a namespace uses `context_namespace` (the namespace of the
    /// object being processed, as upstream does).
    pub fn resolve_connection(
        &self,
        reference: &str,
        subject: &str,
        context_namespace: &str,
        secrets: &dyn SecretSource,
    ) -> Result<ResolvedConnection, ResolveError> {
        crate::connection::resolve::resolve_connection(
            &self.parts,
            &self.connections,
            reference,
            subject,
            context_namespace,
            secrets,
        )
    }

    /// The connection a reference names, without authorization, for tools that hold the
    /// tables and must tell a reference to no connection from a refusal (a policy test
    /// must not pass `expect: deny` on a typo). Every form [`Tables::resolve_connection`]
    /// takes; a reference that does not parse is [`RequestErrorKind::InvalidRequest`], one
    /// that names no connection [`RequestErrorKind::UnknownObject`].
    ///
    /// [`RequestErrorKind::InvalidRequest`]: crate::RequestErrorKind::InvalidRequest
    /// [`RequestErrorKind::UnknownObject`]: crate::RequestErrorKind::UnknownObject
    pub fn connection_reference(
        &self,
        reference: &str,
        context_namespace: &str,
    ) -> Result<ObjectId, RequestError> {
        crate::connection::resolve::connection_reference(
            &self.parts,
            &self.connections,
            reference,
            context_namespace,
        )
    }

    /// Counts, for statistics: principals, principal classes, actions, rules, rows, and
    /// per category objects and object classes.
    pub fn statistics(&self) -> Statistics {
        let [rules, entries, rows, pair_tables, pair_exceptions, blocks, block_list_entries] =
            self.parts.decisions.counts();
        Statistics {
            principals: self.parts.names.principal_count(),
            principal_classes: self.parts.decisions.principal_classes(),
            actions: self.parts.names.action_count(),
            permissions: self.parts.provenance.permission_count(),
            rules,
            entries,
            rows,
            pair_tables,
            pair_exceptions,
            blocks,
            block_list_entries,
            objects: Category::ALL.map(|c| self.parts.names.object_count(c)),
            object_classes: Category::ALL.map(|c| self.parts.decisions.classes(c) as usize),
            selectors: self.parts.selectors.count(),
            connections: self.connections.count(),
            index_bytes: self.parts.names.memory() + self.parts.decisions.memory(),
        }
    }
}

/// Table statistics (`rampart inspect`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statistics {
    /// Principals (people and services).
    pub principals: usize,
    /// Principal classes.
    pub principal_classes: usize,
    /// Actions of the vocabulary.
    pub actions: usize,
    /// Permissions and role policies.
    pub permissions: usize,
    /// Rules.
    pub rules: usize,
    /// (unit, action) entries.
    pub entries: usize,
    /// Decision rows.
    pub rows: usize,
    /// Pair tables.
    pub pair_tables: usize,
    /// Pair exceptions.
    pub pair_exceptions: usize,
    /// Distinct 512-bit blocks.
    pub blocks: usize,
    /// Block ids in set lists.
    pub block_list_entries: usize,
    /// Per category, known objects.
    pub objects: [usize; 4],
    /// Per category, object classes.
    pub object_classes: [usize; 4],
    /// Distinct selectors.
    pub selectors: usize,
    /// Connection definitions.
    pub connections: usize,
    /// Bytes of the lookup indexes built at load.
    pub index_bytes: usize,
}
