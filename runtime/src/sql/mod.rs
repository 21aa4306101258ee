//! SQL filters: "the rows of my catalog table this subject may act on" as a `WHERE`
//! predicate for PostgreSQL, with every value bound as a parameter.
//!
//! [`crate::Tables::sql_filter`] returns one of four forms:
//! - `TRUE`: an allow rule admits every object of the category and no deny rule applies;
//! - `FALSE`: no allow rule of the subject applies to one-object requests of the category;
//! - a predicate built from the rules' selectors, `(allow₁ OR allow₂ ...) AND NOT (deny₁
//!   OR ...)`, which judges every row — also rows inserted after the compile — as
//!   [`crate::Tables::is_authorized`] judges an object described by its attributes;
//! - `id = ANY($1)` with the ids of the known objects [`crate::Tables::list`] returns, when some
//!   rule cannot be restated in SQL (a field without a column, a numeric comparison in a
//!   search). Rows the compiled catalog does not know are then excluded, never guessed:
//!   the filter fails closed and [`SqlFilter::note`] says why.
//!
//! [`crate::Tables::sql_filter_with`] answers the same for rows paired with a known
//! object of another category (two-object grants: "the configs john may run this
//! playbook on"): the rules that count are those that need no other category and hold
//! the fixed object in their set, and the id list is [`crate::Tables::list_with`]'s.
//!
//! Case-insensitive comparisons fold with `translate()` exactly as the runtime folds
//! ([`folding`]), never with the database's locale-dependent `lower()`.

pub(crate) mod columns;
mod condition;
mod folding;
mod translate;

use std::fmt;

pub use columns::{ColumnMap, ColumnMapError, Field};
pub use condition::SqlParam;

use crate::category::Category;
use crate::error::RequestError;
use crate::ids::{ActionId, ObjectId, PrincipalId};
use crate::listing::Lister;
use crate::parts::Parts;
use crate::schema::SetRef;
use condition::{Cond, Params};
use translate::Translator;

/// Which form a filter took (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilterForm {
    /// Every row.
    All,
    /// No row.
    Nothing,
    /// The known objects' ids.
    Ids,
    /// A predicate over the columns.
    Predicate,
}

impl FilterForm {
    /// The form's name (`all`, `nothing`, `ids`, `predicate`).
    pub fn word(self) -> &'static str {
        match self {
            FilterForm::All => "all",
            FilterForm::Nothing => "nothing",
            FilterForm::Ids => "ids",
            FilterForm::Predicate => "predicate",
        }
    }
}

/// Which forms a caller accepts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FilterPreference {
    /// A predicate where every rule translates, else the id list.
    #[default]
    Predicate,
    /// Always the id list (exactly the compiled catalog's answer; new rows excluded).
    Ids,
}

/// A `WHERE` predicate and its parameters.
#[derive(Clone, PartialEq, Eq)]
pub struct SqlFilter {
    form: FilterForm,
    sql: String,
    params: Vec<SqlParam>,
    note: Option<String>,
    indexes: Vec<String>,
    fold_function: Option<String>,
}

impl SqlFilter {
    /// The form.
    pub fn form(&self) -> FilterForm {
        self.form
    }

    /// The predicate, with `$n` placeholders.
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// The parameters, `$first` first.
    pub fn params(&self) -> &[SqlParam] {
        &self.params
    }

    /// Why the filter is an id list although a predicate was preferred.
    pub fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }

    /// The folded column expressions a predicate compares, each once, with its values
    /// written in (an index expression takes no parameters): what expression indexes can
    /// serve. Empty for the other forms (an id list is served by the primary key).
    pub fn index_expressions(&self) -> &[String] {
        &self.indexes
    }

    /// The definition of the filter's fold function ([`ColumnMap::set_fold_function`]:
    /// `CREATE OR REPLACE FUNCTION`, an immutable SQL function restating the folding),
    /// then `CREATE INDEX IF NOT EXISTS` statements for
    /// [`SqlFilter::index_expressions`] on `table` (an identifier, optionally
    /// schema-qualified), each named after a hash of its expression so that the same
    /// index is never created twice. Nothing for a filter no expression index serves (an
    /// id list, `TRUE`, `FALSE`, a predicate without folded comparisons); an error for one
    /// that has such comparisons but no fold function. B-tree indexes: the
    /// expressions fold to collation `C`, so they serve equality and `LIKE 'prefix%'`.
    /// (A GIN index on `tags` could not: the predicates compare folded `tags ->> key`,
    /// which GIN's operators do not answer; each key gets an expression index instead.)
    pub fn create_indexes(&self, table: &str) -> Result<Vec<String>, RequestError> {
        let identifier = |part: &str| {
            part.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        };
        let parts: Vec<&str> = table.split('.').collect();
        if parts.len() > 2 || !parts.iter().all(|p| identifier(p)) {
            return Err(RequestError::invalid(format!(
                "the table `{table}` is not a plain identifier: write letters, digits and `_` (as `config_items` or `public.config_items`)"
            )));
        }
        if self.indexes.is_empty() {
            return Ok(Vec::new());
        }
        let Some(function) = &self.fold_function else {
            return Err(RequestError::invalid(
                "the filter writes its case folding out, which is larger than PostgreSQL keeps in an index's definition: build it with a fold function (`--fold-function rampart_fold`), whose definition the statements then begin with",
            ));
        };
        let base = parts.last().copied().unwrap_or(table);
        let definition = format!(
            "CREATE OR REPLACE FUNCTION {function}(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $rampart$ SELECT {} $rampart$;",
            folding::folded("$1")
        );
        Ok(std::iter::once(definition)
            .chain(self.indexes.iter().map(|e| {
                // FNV-1a: stable across runs and versions, unlike `DefaultHasher`.
                let hash = e.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                    (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
                });
                let mut name = format!("rampart_{base}");
                name.truncate(63 - 17);
                format!("CREATE INDEX IF NOT EXISTS {name}_{hash:016x} ON {table} (({e}));")
            }))
            .collect())
    }
}

impl fmt::Debug for SqlFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqlFilter")
            .field("form", &self.form)
            .field("sql", &self.sql)
            .field("params", &self.params.len())
            .finish()
    }
}

/// SQL filters over the parts of one [`crate::Tables`].
pub(crate) struct Filters<'t> {
    tables: &'t Parts,
}

impl<'t> Filters<'t> {
    /// Filters of `tables`.
    pub(crate) fn new(tables: &'t Parts) -> Filters<'t> {
        Filters { tables }
    }

    /// The SQL filter for the rows of `category` that `principal` may do `action` on in a
    /// one-object request ([`crate::Tables::sql_filter`]), or together with the known
    /// object `with` ([`crate::Tables::sql_filter_with`]).
    pub(crate) fn sql_filter(
        &self,
        principal: PrincipalId,
        action: ActionId,
        category: Category,
        with: Option<ObjectId>,
        columns: &ColumnMap,
        preference: FilterPreference,
    ) -> Result<SqlFilter, RequestError> {
        let lister = Lister::new(self.tables);
        let listing = match with {
            None => lister.list(principal, action, category)?,
            Some(with) => lister.list_with(principal, action, category, with)?,
        };
        let constant = |form, sql: &str| SqlFilter {
            form,
            sql: sql.into(),
            params: Vec::new(),
            note: None,
            indexes: Vec::new(),
            fold_function: None,
        };
        let note = match preference {
            FilterPreference::Ids => None,
            FilterPreference::Predicate => {
                let mut translator = Translator::new(&self.tables.selectors, columns, category);
                match self.rules_condition(principal, action, category, with, &mut translator) {
                    Ok(Cond::True) => return Ok(constant(FilterForm::All, "TRUE")),
                    Ok(Cond::False) => return Ok(constant(FilterForm::Nothing, "FALSE")),
                    Ok(cond) => {
                        // Folded comparisons mean what they mean here only in a UTF-8
                        // database; anywhere else the predicate admits nothing.
                        let cond = if translator.folds {
                            Cond::all([Cond::Atom(folding::ENCODING_GUARD.into()), cond])
                        } else {
                            cond
                        };
                        let mut sql = String::new();
                        cond.render(&mut sql);
                        let indexes = translator
                            .indexed
                            .iter()
                            .filter(|e| sql.contains(e.as_str()))
                            .map(|e| translator.params.inline(e))
                            .collect();
                        let (sql, params) =
                            translator.params.finish(&sql, columns.first_parameter());
                        return Ok(SqlFilter {
                            form: FilterForm::Predicate,
                            sql,
                            params,
                            note: None,
                            indexes,
                            fold_function: columns.fold_function().map(str::to_string),
                        });
                    }
                    Err(why) => Some(format!(
                        "{}; the filter lists the known objects' ids, and rows the compiled catalog does not know are excluded",
                        why.0
                    )),
                }
            }
        };
        if listing.is_empty() {
            return Ok(SqlFilter {
                note,
                ..constant(FilterForm::Nothing, "FALSE")
            });
        }
        let ids: Vec<String> = listing
            .iter()
            .filter_map(|o| self.tables.object_id(o).map(str::to_string))
            .collect();
        let column = columns.column(Field::Id).ok_or_else(|| {
            RequestError::invalid("the column map has no `id` column to list objects by")
        })?;
        let mut params = Params::new();
        let placeholder = params.array(ids);
        let sql = match columns.id_type() {
            Some(t) => format!("({column} = ANY(({placeholder})::{t}[]))"),
            None => format!("(({column})::text = ANY({placeholder}))"),
        };
        let (sql, params) = params.finish(&sql, columns.first_parameter());
        Ok(SqlFilter {
            form: FilterForm::Ids,
            sql,
            params,
            note,
            indexes: Vec::new(),
            fold_function: None,
        })
    }

    /// `(allow₁ OR ...) AND NOT (deny₁ OR ...)` over the rules of the principal's row that
    /// apply to requests of `category` alone (or together with the known object `with`),
    /// as `rule_matches` applies them to an object the catalog does not know.
    fn rules_condition(
        &self,
        principal: PrincipalId,
        action: ActionId,
        category: Category,
        with: Option<ObjectId>,
        translator: &mut Translator<'_>,
    ) -> Result<Cond, translate::Untranslatable> {
        let decisions = &self.tables.decisions;
        let Some(row) = decisions.row(principal.index, action.index) else {
            return Ok(Cond::False);
        };
        let lister = Lister::new(self.tables);
        let mut allow = Vec::new();
        let mut deny = Vec::new();
        for (_, rule) in decisions.row_rules(row) {
            if !lister.applies(rule, category, with) {
                continue;
            }
            let cond = match (*category.of(&rule.sets), *category.of(&rule.predicates)) {
                (SetRef::All, _) => Cond::True,
                (_, Some(p)) => match self.tables.selectors.predicate(p) {
                    Some(p) => translator.predicate(p)?,
                    None => Cond::False,
                },
                (_, None) => Cond::False,
            };
            if rule.deny {
                deny.push(cond);
            } else {
                allow.push(cond);
            }
        }
        Ok(Cond::all([Cond::any(allow), Cond::any(deny).negate()]))
    }
}
