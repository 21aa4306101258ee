//! The query calls, answered as JSON in the shapes of `rampart list|who-can|filter|resolve
//! --format json`: the objects a subject may act on, who may act, a SQL filter, and an
//! authorized `connection://` resolution.

use rampart_bindings::codes::BindingError;
use rampart_bindings::parts::{category_number, NamedTarget};
use rampart_bindings::queries::{self, FilterOptions, ResolveOptions};

use crate::buffer::RampartBuffer;
use crate::check::{named_target, tables_of, RampartTarget};
use crate::error::RampartError;
use crate::ffi::{answer, known_flags, optional_text, text, RampartStr};
use crate::tables::RampartTables;

/// `flags` of `rampart_sql_filter_json`: always the id list of the known objects.
pub const RAMPART_FILTER_IDS: u32 = 1;
/// `flags` of `rampart_resolve_connection_json`: after the given secrets, look in the
/// process environment (`RAMPART_SECRET_<NAMESPACE>__<NAME>__<KEY>`).
pub const RAMPART_RESOLVE_ENVIRONMENT: u32 = 1;
/// `flags` of `rampart_resolve_connection_json`: values instead of masks.
pub const RAMPART_RESOLVE_SHOW_SECRETS: u32 = 2;

/// The known objects of `category` (`RAMPART_CATEGORY_*`) the subject may do the action
/// on, as `{subject, action, category, total, objects, next, unknown_objects}`. With
/// `with` non-NULL naming one object of another category: the objects allowed together
/// with it ("on which configs may john run this playbook").
///
/// # Safety
/// `tables` NULL or live; strings NULL or valid for their lengths; `with` NULL or valid;
/// `out` writable; `error` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn rampart_list_json(
    tables: *const RampartTables,
    subject: RampartStr,
    action: RampartStr,
    category: u32,
    with: *const RampartTarget,
    out: *mut RampartBuffer,
    error: *mut *mut RampartError,
) -> i32 {
    // SAFETY: the contract is forwarded to each reader.
    unsafe {
        answer(out, error, || {
            let t = tables_of(tables)?;
            let subject = text(subject.ptr, subject.len, "subject")?;
            let action = text(action.ptr, action.len, "action")?;
            let with = match with.as_ref() {
                Some(w) => named_target(w)?,
                None => NamedTarget::default(),
            };
            queries::list(t, subject, action, category_number(category)?, &with)
        })
    }
}

/// Who may do the action on the target (NULL: a request about nothing), as `{subjects,
/// conditional}`: `subjects` the names of those allowed on the target as asked; on one
/// object, `conditional` lists `{subject, with, allow_all, allow, deny_all, deny}` for
/// each subject allowed there only together with an object of the category `with`
/// (`playbook:run` granted on a playbook with configs), with the condition that object
/// must meet. A subject in neither list may not act on the target, alone or paired.
///
/// # Safety
/// As `rampart_list_json`.
#[no_mangle]
pub unsafe extern "C" fn rampart_who_can_json(
    tables: *const RampartTables,
    action: RampartStr,
    target: *const RampartTarget,
    out: *mut RampartBuffer,
    error: *mut *mut RampartError,
) -> i32 {
    // SAFETY: the contract is forwarded to each reader.
    unsafe {
        answer(out, error, || {
            let t = tables_of(tables)?;
            let action = text(action.ptr, action.len, "action")?;
            let target = match target.as_ref() {
                Some(w) => named_target(w)?,
                None => NamedTarget::default(),
            };
            queries::who_can(t, action, &target)
        })
    }
}

/// A PostgreSQL `WHERE` predicate for the rows of `category` the subject may do the
/// action on: `{subject, action, category, form, sql, params, first_param, note}`.
/// `columns` holds `columns_len` `FIELD=COLUMN` assignments over Mission Control's
/// defaults; `id_type` (NULL: `uuid`) is the SQL type of the id columns; parameters are
/// numbered from `first_param` (0 is taken as 1); `RAMPART_FILTER_IDS` in `flags` asks for
/// the id list. Where the subject's grants name the category only together with another
/// one, so that the filter alone would be `FALSE`, the call fails with
/// `RAMPART_INVALID_REQUEST` naming the object to pair with
/// (`rampart_sql_filter_with_json`).
///
/// # Safety
/// As `rampart_list_json`; `columns` NULL or valid for `columns_len` strings.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn rampart_sql_filter_json(
    tables: *const RampartTables,
    subject: RampartStr,
    action: RampartStr,
    category: u32,
    columns: *const RampartStr,
    columns_len: usize,
    id_type: RampartStr,
    first_param: u32,
    flags: u32,
    out: *mut RampartBuffer,
    error: *mut *mut RampartError,
) -> i32 {
    // SAFETY: the contract is forwarded.
    unsafe {
        sql_filter(
            tables,
            (subject, action, category),
            None,
            (columns, columns_len, id_type, first_param, flags),
            out,
            error,
        )
    }
}

/// As `rampart_sql_filter_json`, for the rows of `category` the subject may do the action
/// on together with the one object of another category `with` names ("the configs john
/// may run this playbook on", for `playbook:run` granted on playbooks with configs): each
/// row is judged as a check of the pair judges it. The answer also holds `with: {type,
/// id}`. `with` must name exactly one object, of another category than `category`.
///
/// # Safety
/// As `rampart_sql_filter_json`; `with` valid.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn rampart_sql_filter_with_json(
    tables: *const RampartTables,
    subject: RampartStr,
    action: RampartStr,
    category: u32,
    with: *const RampartTarget,
    columns: *const RampartStr,
    columns_len: usize,
    id_type: RampartStr,
    first_param: u32,
    flags: u32,
    out: *mut RampartBuffer,
    error: *mut *mut RampartError,
) -> i32 {
    // SAFETY: the contract is forwarded.
    unsafe {
        sql_filter(
            tables,
            (subject, action, category),
            Some(with),
            (columns, columns_len, id_type, first_param, flags),
            out,
            error,
        )
    }
}

/// The body of both SQL filter calls: `with` `None` for a filter alone, `Some` (NULL
/// refused) for one paired with an object.
///
/// # Safety
/// As `rampart_sql_filter_with_json`.
unsafe fn sql_filter(
    tables: *const RampartTables,
    (subject, action, category): (RampartStr, RampartStr, u32),
    with: Option<*const RampartTarget>,
    (columns, columns_len, id_type, first_param, flags): (
        *const RampartStr,
        usize,
        RampartStr,
        u32,
        u32,
    ),
    out: *mut RampartBuffer,
    error: *mut *mut RampartError,
) -> i32 {
    // SAFETY: the contract is forwarded to each reader.
    unsafe {
        answer(out, error, || {
            let t = tables_of(tables)?;
            let subject = text(subject.ptr, subject.len, "subject")?;
            let action = text(action.ptr, action.len, "action")?;
            known_flags(flags, RAMPART_FILTER_IDS)?;
            let assignments = crate::ffi::strs(columns, columns_len, "columns")?;
            let options = FilterOptions {
                columns: assignments,
                id_type: optional_text(id_type, "id_type")?,
                first_param: Some((first_param as usize).max(1)),
                ids: flags & RAMPART_FILTER_IDS != 0,
            };
            let with = match with {
                None => NamedTarget::default(),
                Some(w) => {
                    let w = w.as_ref().ok_or_else(|| {
                        BindingError::invalid_argument(
                            "`with` is NULL; name the object to pair the rows with",
                        )
                    })?;
                    let named = named_target(w)?;
                    if named.keys().next().is_none() && named.global.is_none() {
                        return Err(BindingError::invalid_argument(
                            "`with` names no object; name the one object to pair the rows with",
                        ));
                    }
                    named
                }
            };
            let category = category_number(category)?;
            queries::sql_filter(t, subject, action, category, &with, &options)
        })
    }
}

/// Resolves a `connection://` reference for a subject that may `read` the connection:
/// `{reference, type, url, username, password, certificate, properties, insecure_tls}`,
/// secrets masked unless `RAMPART_RESOLVE_SHOW_SECRETS`. `namespace` (NULL: `default`) is
/// the namespace of a reference that names none; `secrets` (NULL: none) is a JSON list of `{kind,
/// namespace, name, key, value}`; `RAMPART_RESOLVE_ENVIRONMENT` also reads
/// `RAMPART_SECRET_<NAMESPACE>__<NAME>__<KEY>` variables. A subject that may not read the connection gets `RAMPART_DENIED` whether or
/// not it exists.
///
/// # Safety
/// As `rampart_list_json`.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn rampart_resolve_connection_json(
    tables: *const RampartTables,
    reference: RampartStr,
    subject: RampartStr,
    namespace: RampartStr,
    secrets: RampartStr,
    flags: u32,
    out: *mut RampartBuffer,
    error: *mut *mut RampartError,
) -> i32 {
    // SAFETY: the contract is forwarded to each reader.
    unsafe {
        answer(out, error, || {
            let t = tables_of(tables)?;
            known_flags(
                flags,
                RAMPART_RESOLVE_ENVIRONMENT | RAMPART_RESOLVE_SHOW_SECRETS,
            )?;
            let reference = text(reference.ptr, reference.len, "reference")?;
            let subject = text(subject.ptr, subject.len, "subject")?;
            let options = ResolveOptions {
                namespace: optional_text(namespace, "namespace")?,
                secrets: optional_text(secrets, "secrets")?,
                environment: flags & RAMPART_RESOLVE_ENVIRONMENT != 0,
                show_secrets: flags & RAMPART_RESOLVE_SHOW_SECRETS != 0,
            };
            queries::resolve_connection(t, reference, subject, &options)
        })
    }
}
