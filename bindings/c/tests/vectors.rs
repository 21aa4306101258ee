//! The shared test vectors, answered by the Rust runtime (which writes them:
//! `RAMPART_BLESS=1 cargo test -p rampart-c --test vectors`) and by the C ABI called from
//! Rust: by JSON, by names and by ids, every answer and every refusal the same.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use rampart::*;
use serde_json::{json, Value};
use support::*;

/// A `RampartStr` over a Rust string.
fn s(text: &str) -> RampartStr {
    RampartStr {
        ptr: text.as_ptr(),
        len: text.len(),
    }
}

/// An optional string: NULL when absent.
fn opt(text: Option<&str>) -> RampartStr {
    text.map_or(
        RampartStr {
            ptr: std::ptr::null(),
            len: 0,
        },
        s,
    )
}

/// The error a failed C call stored, as `{"error": {code, message}}`.
fn c_error(code: i32, error: *mut RampartError) -> Value {
    assert!(!error.is_null(), "a failed call stores an error");
    let mut len = 0usize;
    // SAFETY: a live error the library returned.
    let message = unsafe {
        let ptr = rampart_error_message(error, &mut len);
        String::from_utf8(std::slice::from_raw_parts(ptr.cast::<u8>(), len).to_vec()).unwrap()
    };
    // SAFETY: as above.
    assert_eq!(unsafe { rampart_error_code(error) }, code);
    // SAFETY: static, NUL-terminated.
    let name = unsafe { std::ffi::CStr::from_ptr(rampart_code_name(code)) }
        .to_str()
        .unwrap()
        .to_string();
    // SAFETY: freed once.
    unsafe { rampart_error_free(error) };
    json!({"error": {"code": name, "message": message}})
}

/// A JSON answer a C call stored in a buffer, or its error.
fn c_answer(code: i32, mut buffer: RampartBuffer, error: *mut RampartError) -> Value {
    if code != RAMPART_OK {
        assert!(
            buffer.ptr.is_null() && buffer.len == 0,
            "a failed call leaves the buffer empty"
        );
        return c_error(code, error);
    }
    assert!(error.is_null(), "a successful call stores no error");
    // SAFETY: the library's buffer: len bytes and a NUL.
    let text = unsafe { std::slice::from_raw_parts(buffer.ptr, buffer.len + 1) }.to_vec();
    assert_eq!(text.last(), Some(&0), "buffers end with a NUL");
    // SAFETY: freed once (a second free is harmless by contract, and tried here).
    unsafe {
        rampart_buffer_free(&mut buffer);
        rampart_buffer_free(&mut buffer);
    }
    serde_json::from_slice(&text[..text.len() - 1]).unwrap()
}

fn empty_buffer() -> RampartBuffer {
    RampartBuffer {
        ptr: std::ptr::null_mut(),
        len: 0,
    }
}

struct CTables(*mut RampartTables);

impl Drop for CTables {
    fn drop(&mut self) {
        // SAFETY: loaded below, freed once.
        unsafe { rampart_tables_free(self.0) };
    }
}

fn c_load(path: &str, key: Option<&str>) -> Result<CTables, Value> {
    let mut tables = std::ptr::null_mut();
    let mut error = std::ptr::null_mut();
    let key = opt(key);
    // SAFETY: valid pointers and lengths.
    let code = unsafe {
        rampart_tables_load(
            path.as_ptr(),
            path.len(),
            key.ptr,
            key.len,
            &mut tables,
            &mut error,
        )
    };
    if code == RAMPART_OK {
        assert!(!tables.is_null() && error.is_null());
        Ok(CTables(tables))
    } else {
        assert!(tables.is_null(), "a failed load stores no tables");
        Err(c_error(code, error))
    }
}

fn target_of(parts: &Parts) -> RampartTarget {
    let key = |i: usize| opt(parts.2[i].as_deref());
    RampartTarget {
        playbook: key(0),
        config: key(1),
        component: key(2),
        connection: key(3),
        global: opt(parts.3.as_deref()),
    }
}

/// A vector's `{playbook?, config?, component?, connection?, global?}` as a target.
fn target_from(target: &Value) -> RampartTarget {
    let get = |k: &str| target.get(k).and_then(Value::as_str);
    RampartTarget {
        playbook: opt(get("playbook")),
        config: opt(get("config")),
        component: opt(get("component")),
        connection: opt(get("connection")),
        global: opt(get("global")),
    }
}

/// By JSON through the C ABI.
fn c_check_json(t: &CTables, vector: &Value) -> Value {
    let text = request_text(vector);
    let flags = if vector
        .get("explain")
        .and_then(Value::as_bool)
        .unwrap_or(false)
    {
        RAMPART_EXPLAIN
    } else {
        0
    };
    let mut out = empty_buffer();
    let mut error = std::ptr::null_mut();
    // SAFETY: valid pointers and lengths.
    let code =
        unsafe { rampart_check_json(t.0, text.as_ptr(), text.len(), flags, &mut out, &mut error) };
    c_answer(code, out, error)
}

/// A decision as the JSON the other faces answer.
fn decision_json(d: RampartDecision) -> Value {
    let reason = match d.reason {
        RAMPART_REASON_ALLOWED => "allowed",
        RAMPART_REASON_EXPLICIT_DENY => "explicit_deny",
        _ => "no_allow_rule",
    };
    json!({"allowed": d.allowed == 1, "decision": if d.allowed == 1 { "allow" } else { "deny" }, "reason": reason})
}

/// By names through the C ABI.
fn c_check_parts(t: &CTables, parts: &Parts) -> Value {
    let request = RampartRequest {
        subject: s(&parts.0),
        action: s(&parts.1),
        target: target_of(parts),
    };
    let mut out = RampartDecision {
        allowed: 7,
        reason: 7,
    };
    let mut error = std::ptr::null_mut();
    // SAFETY: valid pointers.
    let code = unsafe { rampart_check(t.0, &request, &mut out, &mut error) };
    if code != RAMPART_OK {
        assert_eq!(out.allowed, 0, "a failed call leaves a denial");
        return c_error(code, error);
    }
    decision_json(out)
}

/// By ids through the C ABI: names resolved first (subject, action, then objects in
/// category order, as a decision by names resolves them).
fn c_check_ids(t: &CTables, parts: &Parts) -> Value {
    let resolve = |f: &dyn Fn(*mut u64, *mut *mut RampartError) -> i32| -> Result<u64, Value> {
        let mut id = 0u64;
        let mut error = std::ptr::null_mut();
        let code = f(&mut id, &mut error);
        if code == RAMPART_OK {
            Ok(id)
        } else {
            Err(c_error(code, error))
        }
    };
    let result = (|| {
        // SAFETY (all closures): valid pointers and lengths.
        let p = resolve(&|o, e| unsafe {
            rampart_principal(t.0, parts.0.as_ptr(), parts.0.len(), o, e)
        })?;
        let a =
            resolve(&|o, e| unsafe { rampart_action(t.0, parts.1.as_ptr(), parts.1.len(), o, e) })?;
        let mut targets = Vec::new();
        for (i, key) in parts.2.iter().enumerate() {
            if let Some(key) = key {
                targets.push(resolve(&|o, e| unsafe {
                    rampart_object(t.0, i as u32, key.as_ptr(), key.len(), o, e)
                })?);
            }
        }
        if let Some(g) = &parts.3 {
            targets.push(resolve(&|o, e| unsafe {
                rampart_global(t.0, g.as_ptr(), g.len(), o, e)
            })?);
        }
        let mut out = RampartDecision {
            allowed: 7,
            reason: 7,
        };
        let mut error = std::ptr::null_mut();
        // SAFETY: valid pointers and lengths.
        let code = unsafe {
            rampart_check_ids(
                t.0,
                p,
                a,
                targets.as_ptr(),
                targets.len(),
                &mut out,
                &mut error,
            )
        };
        if code != RAMPART_OK {
            return Err(c_error(code, error));
        }
        Ok(decision_json(out))
    })();
    result.unwrap_or_else(|e| e)
}

fn blessing() -> bool {
    std::env::var_os("RAMPART_BLESS").is_some()
}

/// Compares (or, when blessing, records) one answer.
fn settle(vector: &mut Value, answer: Value, failures: &mut Vec<String>) {
    if blessing() {
        bless(vector, &answer);
    } else if answer != expected(vector) {
        failures.push(format!(
            "{}: expected {}, the Rust runtime answered {}",
            vector["name"],
            expected(vector),
            answer
        ));
    }
}

#[test]
fn the_rust_runtime_answers_the_vectors() {
    let mut v = vectors();
    let tables = tables(&v);
    let mut failures = Vec::new();
    for (section, answer) in [
        (
            "checks",
            rust_check as fn(&rampart_runtime::Tables, &Value) -> Value,
        ),
        ("lists", rust_list),
        ("who_can", rust_who_can),
        ("sql_filters", rust_filter),
        ("connections", rust_resolve),
    ] {
        for vector in v[section].as_array_mut().unwrap() {
            let a = answer(&tables, vector);
            settle(vector, a, &mut failures);
        }
    }
    for vector in v["loads"].as_array_mut().unwrap() {
        let a = rust_load(vector);
        settle(vector, a, &mut failures);
    }
    if blessing() {
        let text = serde_json::to_string_pretty(&v).unwrap() + "\n";
        std::fs::write(vectors_path(), text).unwrap();
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_c_abi_answers_the_vectors_by_json_names_and_ids() {
    let v = vectors();
    let root = root();
    let t = c_load(
        root.join(v["tables"].as_str().unwrap()).to_str().unwrap(),
        None,
    )
    .unwrap();
    let mut failures = Vec::new();
    let mut compare = |face: &str, vector: &Value, answer: Value| {
        let want = expected(vector);
        // Faces that answer decisions only compare the decision's members.
        let want = match (&want.get("error"), face) {
            (None, "names" | "ids") => {
                json!({"allowed": want["allowed"], "decision": want["decision"], "reason": want["reason"]})
            }
            _ => want,
        };
        if answer != want {
            failures.push(format!(
                "{face}: {}: expected {want}, the C ABI answered {answer}",
                vector["name"]
            ));
        }
    };
    let mut by_parts = 0;
    for vector in v["checks"].as_array().unwrap() {
        compare("json", vector, c_check_json(&t, vector));
        if vector.get("explain").is_none() {
            if let Some(parts) = parts(vector) {
                by_parts += 1;
                compare("names", vector, c_check_parts(&t, &parts));
                if vector.get("error").is_none() {
                    compare("ids", vector, c_check_ids(&t, &parts));
                }
            }
        }
    }
    assert!(
        by_parts > 20,
        "most checks also go by names and ids ({by_parts})"
    );
    for vector in v["lists"].as_array().unwrap() {
        let category =
            rampart_bindings::parts::category(vector["category"].as_str().unwrap()).unwrap();
        let with = vector.get("with").map(target_from);
        let mut out = empty_buffer();
        let mut error = std::ptr::null_mut();
        // SAFETY: valid pointers and lengths.
        let code = unsafe {
            rampart_list_json(
                t.0,
                s(vector["subject"].as_str().unwrap()),
                s(vector["action"].as_str().unwrap()),
                category.index() as u32,
                with.as_ref()
                    .map_or(std::ptr::null(), |w| w as *const RampartTarget),
                &mut out,
                &mut error,
            )
        };
        compare("list", vector, c_answer(code, out, error));
    }
    for vector in v["who_can"].as_array().unwrap() {
        let target = target_from(&vector["target"]);
        let mut out = empty_buffer();
        let mut error = std::ptr::null_mut();
        // SAFETY: valid pointers and lengths.
        let code = unsafe {
            rampart_who_can_json(
                t.0,
                s(vector["action"].as_str().unwrap()),
                &target,
                &mut out,
                &mut error,
            )
        };
        compare("who_can", vector, c_answer(code, out, error));
    }
    for vector in v["sql_filters"].as_array().unwrap() {
        let options = filter_options(vector);
        let columns: Vec<RampartStr> = options.columns.iter().map(|c| s(c)).collect();
        let category =
            rampart_bindings::parts::category(vector["category"].as_str().unwrap()).unwrap();
        let mut out = empty_buffer();
        let mut error = std::ptr::null_mut();
        // SAFETY: valid pointers and lengths.
        let subject = s(vector["subject"].as_str().unwrap());
        let action = s(vector["action"].as_str().unwrap());
        let flags = if options.ids { RAMPART_FILTER_IDS } else { 0 };
        let first = options.first_param.unwrap_or(1) as u32;
        // SAFETY (both calls): valid pointers and lengths.
        let code = match vector.get("with").map(target_from) {
            None => unsafe {
                rampart_sql_filter_json(
                    t.0,
                    subject,
                    action,
                    category.index() as u32,
                    columns.as_ptr(),
                    columns.len(),
                    opt(options.id_type),
                    first,
                    flags,
                    &mut out,
                    &mut error,
                )
            },
            Some(with) => unsafe {
                rampart_sql_filter_with_json(
                    t.0,
                    subject,
                    action,
                    category.index() as u32,
                    &with,
                    columns.as_ptr(),
                    columns.len(),
                    opt(options.id_type),
                    first,
                    flags,
                    &mut out,
                    &mut error,
                )
            },
        };
        compare("filter", vector, c_answer(code, out, error));
    }
    for vector in v["connections"].as_array().unwrap() {
        let secrets = secrets_text(vector);
        let flags = if vector
            .get("show_secrets")
            .and_then(Value::as_bool)
            .unwrap_or(false)
        {
            RAMPART_RESOLVE_SHOW_SECRETS
        } else {
            0
        };
        let mut out = empty_buffer();
        let mut error = std::ptr::null_mut();
        // SAFETY: valid pointers and lengths.
        let code = unsafe {
            rampart_resolve_connection_json(
                t.0,
                s(vector["reference"].as_str().unwrap()),
                s(vector["subject"].as_str().unwrap()),
                opt(vector.get("namespace").and_then(Value::as_str)),
                s(&secrets),
                flags,
                &mut out,
                &mut error,
            )
        };
        compare("resolve", vector, c_answer(code, out, error));
    }
    for vector in v["loads"].as_array().unwrap() {
        let path = root.join(vector["file"].as_str().unwrap());
        let answer = match c_load(
            path.to_str().unwrap(),
            vector.get("public_key").and_then(Value::as_str),
        ) {
            Ok(loaded) => {
                let mut out = empty_buffer();
                let mut error = std::ptr::null_mut();
                // SAFETY: valid pointers.
                let code = unsafe { rampart_tables_info_json(loaded.0, &mut out, &mut error) };
                let info = c_answer(code, out, error);
                json!({"loaded": true, "revision": info["revision"]})
            }
            Err(e) => e,
        };
        compare("load", vector, answer);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
