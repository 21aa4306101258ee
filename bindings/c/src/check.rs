//! Decisions: names resolved once to ids (`rampart_principal`, `rampart_action`,
//! `rampart_object`, `rampart_global`), checks by ids (the fast path), checks by names
//! (a struct of strings), and checks of a JSON request in the runtime's model (objects
//! described by attributes, explanations).

use rampart_bindings::codes::BindingError;
use rampart_bindings::parts::{category_number, check_ids_reason, check_json, NamedTarget};
use rampart_runtime::{Reason, Request, Response, Tables};

use crate::buffer::RampartBuffer;
use crate::error::RampartError;
use crate::ffi::{
    answer, known_flags, optional_text, reference, required_out, run, store, text, RampartStr,
};
use crate::tables::RampartTables;

/// `category` of `rampart_object`: playbooks (`namespace/name` or id).
pub const RAMPART_CATEGORY_PLAYBOOK: u32 = 0;
/// Configs (by id).
pub const RAMPART_CATEGORY_CONFIG: u32 = 1;
/// Components (by id).
pub const RAMPART_CATEGORY_COMPONENT: u32 = 2;
/// Connections (`namespace/name` or id).
pub const RAMPART_CATEGORY_CONNECTION: u32 = 3;

/// `RampartDecision.reason`: an allow rule matched and no deny rule did.
pub const RAMPART_REASON_ALLOWED: u32 = 1;
/// A deny rule matched.
pub const RAMPART_REASON_EXPLICIT_DENY: u32 = 2;
/// No allow rule matched (and no deny rule did); also what a failed call leaves.
pub const RAMPART_REASON_NO_ALLOW_RULE: u32 = 3;

/// `flags` of `rampart_check_json`: add the deciding permissions (and, for a denial
/// without any matching allow rule, the nearest candidates and the clause that failed).
pub const RAMPART_EXPLAIN: u32 = 1;

/// A decision. `allowed` is 1 only for a successful call that allowed; a failed call
/// leaves `{0, RAMPART_REASON_NO_ALLOW_RULE}`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RampartDecision {
    /// 1 allowed, 0 denied.
    pub allowed: u32,
    /// `RAMPART_REASON_*`.
    pub reason: u32,
}

impl RampartDecision {
    const DENIED: RampartDecision = RampartDecision {
        allowed: 0,
        reason: RAMPART_REASON_NO_ALLOW_RULE,
    };

    fn of(response: &Response) -> RampartDecision {
        RampartDecision::of_reason(response.reason())
    }

    /// The decision a reason gives: allowed only for [`Reason::Allowed`].
    #[inline]
    fn of_reason(reason: Reason) -> RampartDecision {
        RampartDecision {
            allowed: u32::from(reason == Reason::Allowed),
            reason: match reason {
                Reason::Allowed => RAMPART_REASON_ALLOWED,
                Reason::ExplicitDeny => RAMPART_REASON_EXPLICIT_DENY,
                Reason::NoAllowRule => RAMPART_REASON_NO_ALLOW_RULE,
            },
        }
    }
}

/// What a request is about, by name: at most one key per category, or a global object,
/// or nothing at all (every field NULL: decided by the rules that constrain no category).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct RampartTarget {
    /// A playbook, `namespace/name` or id.
    pub playbook: RampartStr,
    /// A config id.
    pub config: RampartStr,
    /// A component id.
    pub component: RampartStr,
    /// A connection, `namespace/name` or id.
    pub connection: RampartStr,
    /// A global object (`catalog`, `mcp`, ...), instead of objects.
    pub global: RampartStr,
}

/// A request by names.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct RampartRequest {
    /// `email|id|name`, `playbook:ns/name` or `notification:ns/name`.
    pub subject: RampartStr,
    /// The action (`read`, `playbook:run`, ...).
    pub action: RampartStr,
    /// What the request is about.
    pub target: RampartTarget,
}

/// The caller's target as the bindings' named target.
///
/// # Safety
/// Every non-NULL pointer of `target` is valid for its length.
pub(crate) unsafe fn named_target(target: &RampartTarget) -> Result<NamedTarget<'_>, BindingError> {
    // SAFETY: forwarded contract.
    unsafe {
        Ok(NamedTarget {
            objects: [
                optional_text(target.playbook, "playbook")?,
                optional_text(target.config, "config")?,
                optional_text(target.component, "component")?,
                optional_text(target.connection, "connection")?,
            ],
            global: optional_text(target.global, "global")?,
        })
    }
}

/// The tables behind a handle.
///
/// # Safety
/// `tables` is NULL or live.
pub(crate) unsafe fn tables_of<'a>(
    tables: *const RampartTables,
) -> Result<&'a Tables, BindingError> {
    // SAFETY: forwarded contract.
    unsafe { reference(tables, "tables") }.map(|t| &t.tables)
}

/// Resolves a name with `lookup` and stores its id bits in `*out` (0 on failure; 0 is
/// never an id).
///
/// # Safety
/// As the exports below.
unsafe fn resolve(
    tables: *const RampartTables,
    name: *const u8,
    len: usize,
    what: &str,
    out: *mut u64,
    error: *mut *mut RampartError,
    lookup: impl FnOnce(&Tables, &str) -> Result<u64, BindingError>,
) -> i32 {
    // SAFETY: `out` is NULL or writable.
    unsafe { store(out, 0) };
    // SAFETY: the contract is forwarded to each reader.
    unsafe {
        run(error, || {
            required_out(out, "out")?;
            let t = tables_of(tables)?;
            let id = lookup(t, text(name, len, what)?)?;
            store(out, id);
            Ok(())
        })
    }
}

/// Resolves a subject (`email|id|name`, `playbook:ns/name`, `notification:ns/name`) to
/// its id, for `rampart_check_ids`. Ids belong to these tables: other tables refuse them.
///
/// # Safety
/// `tables` is NULL or live; `name` is NULL or valid for `len` bytes; `out` writable;
/// `error` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn rampart_principal(
    tables: *const RampartTables,
    name: *const u8,
    len: usize,
    out: *mut u64,
    error: *mut *mut RampartError,
) -> i32 {
    // SAFETY: forwarded contract.
    unsafe {
        resolve(tables, name, len, "subject", out, error, |t, n| {
            Ok(t.principal(n)?.to_bits())
        })
    }
}

/// Resolves an action to its id.
///
/// # Safety
/// As `rampart_principal`.
#[no_mangle]
pub unsafe extern "C" fn rampart_action(
    tables: *const RampartTables,
    name: *const u8,
    len: usize,
    out: *mut u64,
    error: *mut *mut RampartError,
) -> i32 {
    // SAFETY: forwarded contract.
    unsafe {
        resolve(tables, name, len, "action", out, error, |t, n| {
            Ok(t.action(n)?.to_bits())
        })
    }
}

/// Resolves a global object (`catalog`, `mcp`, ...) to its id.
///
/// # Safety
/// As `rampart_principal`.
#[no_mangle]
pub unsafe extern "C" fn rampart_global(
    tables: *const RampartTables,
    name: *const u8,
    len: usize,
    out: *mut u64,
    error: *mut *mut RampartError,
) -> i32 {
    // SAFETY: forwarded contract.
    unsafe {
        resolve(tables, name, len, "global", out, error, |t, n| {
            Ok(t.global(n)?.to_bits())
        })
    }
}

/// Resolves an object key of a category (`RAMPART_CATEGORY_*`) to its id (the id
/// remembers its category).
///
/// # Safety
/// As `rampart_principal`.
#[no_mangle]
pub unsafe extern "C" fn rampart_object(
    tables: *const RampartTables,
    category: u32,
    key: *const u8,
    len: usize,
    out: *mut u64,
    error: *mut *mut RampartError,
) -> i32 {
    // SAFETY: forwarded contract.
    unsafe {
        resolve(tables, key, len, "key", out, error, |t, k| {
            Ok(t.object(category_number(category)?, k)?.to_bits())
        })
    }
}

/// Decides a request by ids (the fast path): `targets` holds `targets_len` object ids
/// (at most one per category) or one global id; none is a request about nothing. Ids of
/// other tables, of the wrong kind, or forged are errors, never denials.
///
/// # Safety
/// `tables` NULL or live; `targets` NULL or valid for `targets_len` ids; `out` writable;
/// `error` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn rampart_check_ids(
    tables: *const RampartTables,
    principal: u64,
    action: u64,
    targets: *const u64,
    targets_len: usize,
    out: *mut RampartDecision,
    error: *mut *mut RampartError,
) -> i32 {
    // SAFETY: `out` is NULL or writable.
    unsafe { store(out, RampartDecision::DENIED) };
    // SAFETY: the contract is forwarded to each reader.
    unsafe {
        run(error, || {
            required_out(out, "out")?;
            let t = tables_of(tables)?;
            let targets = crate::ffi::ids(targets, targets_len)?;
            let reason = check_ids_reason(t, principal, action, targets)?;
            store(out, RampartDecision::of_reason(reason));
            Ok(())
        })
    }
}

/// One request of `rampart_check_ids_batch`: the ids `rampart_check_ids` takes, with the
/// targets in place (`targets_len` of them, at most four).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct RampartIdCheck {
    /// A principal's id (`rampart_principal`).
    pub principal: u64,
    /// An action's id (`rampart_action`).
    pub action: u64,
    /// Object ids (at most one per category) or one global id, in the first `targets_len`.
    pub targets: [u64; 4],
    /// How many of `targets` are used (0 to 4).
    pub targets_len: usize,
}

/// Decides `len` requests by ids in one call (one crossing of the boundary for the
/// batch, which is what a binding with a costly call, such as Go's cgo, wants): the
/// decision of `checks[i]` in `out[i]`. All or nothing: when a request cannot be decided
/// (an id of other tables, of the wrong kind, forged; more than four targets), the call
/// fails with that request's error (its message says which), `*failed` (when not NULL)
/// is its index, and every `out[i]` is a denial — no answer of a failed batch is an
/// allow. When the batch itself is refused before any request is read (NULL or
/// misaligned `checks` or `out` with `len` > 0, NULL or closed `tables`), `*failed` is 0:
/// no request was decided. On success `*failed` is `len`.
///
/// # Safety
/// `tables` NULL or live; `checks` NULL (only with `len` 0) or valid for `len` requests;
/// `out` NULL (only with `len` 0) or writable for `len` decisions; `failed` NULL or
/// writable; `error` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn rampart_check_ids_batch(
    tables: *const RampartTables,
    checks: *const RampartIdCheck,
    len: usize,
    out: *mut RampartDecision,
    failed: *mut usize,
    error: *mut *mut RampartError,
) -> i32 {
    // SAFETY: `failed` is NULL or writable.
    unsafe { store(failed, 0) };
    let mut decisions: &mut [RampartDecision] = &mut [];
    if len > 0 && !out.is_null() && out.is_aligned() {
        // SAFETY: non-null, aligned and writable for `len` decisions by the contract.
        decisions = unsafe { std::slice::from_raw_parts_mut(out, len) };
        decisions.fill(RampartDecision::DENIED);
    }
    let mut stopped_at = 0;
    // SAFETY: the contract is forwarded to each reader.
    let code = unsafe {
        run(error, || {
            let requests = batch(checks, len, out)?;
            let t = tables_of(tables)?;
            for ((i, request), slot) in requests.iter().enumerate().zip(decisions.iter_mut()) {
                let decided = crate::ffi::ids(request.targets.as_ptr(), request.targets_len)
                    .and_then(|targets| {
                        check_ids_reason(t, request.principal, request.action, targets)
                    });
                match decided {
                    Ok(reason) => *slot = RampartDecision::of_reason(reason),
                    Err(e) => {
                        stopped_at = i;
                        return Err(e.in_batch(i));
                    }
                }
            }
            Ok(())
        })
    };
    if code == crate::error::RAMPART_OK {
        stopped_at = len;
    } else {
        decisions.fill(RampartDecision::DENIED);
    }
    // SAFETY: `failed` is NULL or writable.
    unsafe { store(failed, stopped_at) };
    code
}

/// The requests of a batch, once its pointers are known to be usable.
///
/// # Safety
/// `checks` NULL or valid for `len` requests.
unsafe fn batch<'a>(
    checks: *const RampartIdCheck,
    len: usize,
    out: *mut RampartDecision,
) -> Result<&'a [RampartIdCheck], BindingError> {
    if len == 0 {
        return Ok(&[]);
    }
    if checks.is_null() || out.is_null() {
        return Err(BindingError::invalid_argument(format!(
            "`checks` and `out` must point to {len} requests and decisions, not NULL"
        )));
    }
    if !checks.is_aligned() || !out.is_aligned() {
        return Err(BindingError::invalid_argument(
            "`checks` or `out` is not aligned for its type",
        ));
    }
    // SAFETY: non-null, aligned and readable for `len` requests by the contract.
    Ok(unsafe { std::slice::from_raw_parts(checks, len) })
}

/// Decides a request by names. A name that does not resolve is an error
/// (`RAMPART_UNKNOWN_*`), never a denial.
///
/// # Safety
/// `tables` NULL or live; `request` NULL or valid, with every non-NULL string valid for
/// its length; `out` writable; `error` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn rampart_check(
    tables: *const RampartTables,
    request: *const RampartRequest,
    out: *mut RampartDecision,
    error: *mut *mut RampartError,
) -> i32 {
    // SAFETY: `out` is NULL or writable.
    unsafe { store(out, RampartDecision::DENIED) };
    // SAFETY: the contract is forwarded to each reader.
    unsafe {
        run(error, || {
            required_out(out, "out")?;
            let t = tables_of(tables)?;
            let request = reference(request, "request")?;
            let subject = text(request.subject.ptr, request.subject.len, "subject")?;
            let action = text(request.action.ptr, request.action.len, "action")?;
            let target = named_target(&request.target)?.target()?;
            let response = t.is_authorized(&Request::new(subject, action, target))?;
            store(out, RampartDecision::of(&response));
            Ok(())
        })
    }
}

/// Decides one JSON request in the model of `rampart check --batch` (`{subject, action,
/// objects: {playbook?, config?, component?, connection?}}` with keys or attribute
/// objects, `{subject, action, global}`, or `{subject, action}`) and stores the response
/// as JSON in `*out`: `{allowed, decision, reason}`, with `RAMPART_EXPLAIN` in `flags`
/// also `permissions` and `candidates`. Unknown members are `RAMPART_MALFORMED_REQUEST`.
///
/// # Safety
/// `tables` NULL or live; `json` NULL or valid for `len` bytes; `out` writable; `error`
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn rampart_check_json(
    tables: *const RampartTables,
    json: *const u8,
    len: usize,
    flags: u32,
    out: *mut RampartBuffer,
    error: *mut *mut RampartError,
) -> i32 {
    // SAFETY: the contract is forwarded to each reader.
    unsafe {
        answer(out, error, || {
            known_flags(flags, RAMPART_EXPLAIN)?;
            let t = tables_of(tables)?;
            let request = text(json, len, "json")?;
            check_json(t, request, flags & RAMPART_EXPLAIN != 0)
        })
    }
}
