//! What a C caller can get wrong, refused at the boundary and never a crash or an
//! answer: null pointers, lengths without pointers, bytes that are not UTF-8, unknown
//! flag bits, ids of other tables, freed-twice buffers.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use rampart::*;

fn s(text: &str) -> RampartStr {
    RampartStr {
        ptr: text.as_ptr(),
        len: text.len(),
    }
}

fn load() -> *mut RampartTables {
    let path = support::root().join("fixtures/tables/format-v3.rampart");
    let path = path.to_str().unwrap();
    let mut tables = std::ptr::null_mut();
    // SAFETY: valid pointers.
    let code = unsafe {
        rampart_tables_load(
            path.as_ptr(),
            path.len(),
            std::ptr::null(),
            0,
            &mut tables,
            std::ptr::null_mut(),
        )
    };
    assert_eq!(code, RAMPART_OK);
    tables
}

fn empty() -> RampartBuffer {
    RampartBuffer {
        ptr: std::ptr::null_mut(),
        len: 0,
    }
}

#[test]
fn unknown_flag_bits_are_refused_not_ignored() {
    let tables = load();
    let request =
        r#"{"subject": "john@doe.com", "action": "read", "objects": {"config": "c-mc-pod"}}"#;
    let mut out = empty();
    // SAFETY: valid pointers.
    let code = unsafe {
        rampart_check_json(
            tables,
            request.as_ptr(),
            request.len(),
            1 << 7,
            &mut out,
            std::ptr::null_mut(),
        )
    };
    assert_eq!(
        code, RAMPART_INVALID_ARGUMENT,
        "a flag this library does not know"
    );
    assert!(out.ptr.is_null());
    // SAFETY: valid pointers.
    let code = unsafe {
        rampart_sql_filter_json(
            tables,
            s("john@doe.com"),
            s("read"),
            RAMPART_CATEGORY_CONFIG,
            std::ptr::null(),
            0,
            RampartStr {
                ptr: std::ptr::null(),
                len: 0,
            },
            1,
            1 << 5,
            &mut out,
            std::ptr::null_mut(),
        )
    };
    assert_eq!(code, RAMPART_INVALID_ARGUMENT);
    // SAFETY: valid pointers.
    let code = unsafe {
        rampart_resolve_connection_json(
            tables,
            s("connection://default/payments-database"),
            s("admin@example.com"),
            RampartStr {
                ptr: std::ptr::null(),
                len: 0,
            },
            s("[]"),
            1 << 9,
            &mut out,
            std::ptr::null_mut(),
        )
    };
    assert_eq!(code, RAMPART_INVALID_ARGUMENT);
    // SAFETY: loaded above.
    unsafe { rampart_tables_free(tables) };
}

#[test]
fn null_pointers_lengths_and_bytes_are_refused() {
    let tables = load();
    let mut decision = RampartDecision {
        allowed: 9,
        reason: 9,
    };
    let mut error = std::ptr::null_mut();
    // SAFETY: every pointer valid or NULL.
    unsafe {
        assert_eq!(
            rampart_check(
                std::ptr::null(),
                std::ptr::null(),
                &mut decision,
                &mut error
            ),
            RAMPART_INVALID_ARGUMENT
        );
        assert_eq!(decision.allowed, 0);
        assert_eq!(rampart_error_code(error), RAMPART_INVALID_ARGUMENT);
        rampart_error_free(error);
        let mut id = 5u64;
        assert_eq!(
            rampart_principal(tables, std::ptr::null(), 3, &mut id, std::ptr::null_mut()),
            RAMPART_INVALID_ARGUMENT
        );
        assert_eq!(id, 0, "a failed resolution leaves 0, never an id");
        assert_eq!(
            rampart_principal(
                tables,
                [0xffu8, 0xfe].as_ptr(),
                2,
                &mut id,
                std::ptr::null_mut()
            ),
            RAMPART_INVALID_ARGUMENT
        );
        assert_eq!(
            rampart_principal(
                tables,
                b"x".as_ptr(),
                usize::MAX,
                &mut id,
                std::ptr::null_mut()
            ),
            RAMPART_INVALID_ARGUMENT
        );
        assert_eq!(
            rampart_principal(
                tables,
                b"john@doe.com".as_ptr(),
                12,
                std::ptr::null_mut(),
                std::ptr::null_mut()
            ),
            RAMPART_INVALID_ARGUMENT
        );
        assert_eq!(
            rampart_object(
                tables,
                4,
                b"c-mc-pod".as_ptr(),
                8,
                &mut id,
                std::ptr::null_mut()
            ),
            RAMPART_INVALID_ARGUMENT
        );
        let ids = [0u64; 5];
        assert_eq!(
            rampart_check_ids(
                tables,
                0,
                0,
                ids.as_ptr(),
                5,
                &mut decision,
                std::ptr::null_mut()
            ),
            RAMPART_INVALID_REQUEST
        );
        assert_eq!(
            rampart_check_ids(
                tables,
                0,
                0,
                std::ptr::null(),
                2,
                &mut decision,
                std::ptr::null_mut()
            ),
            RAMPART_INVALID_ARGUMENT
        );
        assert_eq!(
            rampart_check_ids(
                tables,
                0,
                0,
                std::ptr::null(),
                0,
                &mut decision,
                std::ptr::null_mut()
            ),
            RAMPART_INVALID_REQUEST,
            "0 is never an id"
        );
        assert_eq!(decision.allowed, 0);
        let mut out = empty();
        assert_eq!(
            rampart_tables_info_json(std::ptr::null(), &mut out, std::ptr::null_mut()),
            RAMPART_INVALID_ARGUMENT
        );
        rampart_buffer_free(std::ptr::null_mut());
        rampart_buffer_free(&mut out);
        rampart_error_free(std::ptr::null_mut());
        rampart_tables_free(std::ptr::null_mut());
        assert!(rampart_error_message(std::ptr::null(), std::ptr::null_mut()).is_null());
        let mut loaded = std::ptr::dangling_mut::<RampartTables>();
        assert_eq!(
            rampart_tables_from_bytes(
                std::ptr::null(),
                0,
                std::ptr::null(),
                0,
                &mut loaded,
                std::ptr::null_mut()
            ),
            RAMPART_TRUNCATED
        );
        assert!(loaded.is_null(), "a failed load leaves NULL");
        rampart_tables_free(tables);
    }
}

fn id(tables: *mut RampartTables, what: &str, key: &str) -> u64 {
    let mut out = 0u64;
    // SAFETY: valid pointers.
    let code = unsafe {
        match what {
            "subject" => rampart_principal(
                tables,
                key.as_ptr(),
                key.len(),
                &mut out,
                std::ptr::null_mut(),
            ),
            "action" => rampart_action(
                tables,
                key.as_ptr(),
                key.len(),
                &mut out,
                std::ptr::null_mut(),
            ),
            _ => rampart_object(
                tables,
                RAMPART_CATEGORY_CONNECTION,
                key.as_ptr(),
                key.len(),
                &mut out,
                std::ptr::null_mut(),
            ),
        }
    };
    assert_eq!(code, RAMPART_OK, "{what} {key}");
    out
}

fn id_check(principal: u64, action: u64, targets: &[u64]) -> RampartIdCheck {
    let mut check = RampartIdCheck {
        principal,
        action,
        targets: [0; 4],
        targets_len: targets.len(),
    };
    check.targets[..targets.len()].copy_from_slice(targets);
    check
}

#[test]
fn a_batch_by_ids_answers_as_the_checks_one_by_one_and_fails_whole() {
    let tables = load();
    let loki = id(tables, "subject", "playbook:mc/loki-logs");
    let (read, delete) = (id(tables, "action", "read"), id(tables, "action", "delete"));
    let bucket = id(tables, "connection", "mc/loki-bucket");
    let slack = id(tables, "connection", "mc/alerts-slack");
    let checks = [
        id_check(loki, read, &[bucket]),
        id_check(loki, delete, &[bucket]),
        id_check(loki, read, &[slack]),
        id_check(loki, delete, &[slack]),
        id_check(loki, read, &[]),
    ];
    let one_by_one: Vec<RampartDecision> = checks
        .iter()
        .map(|c| {
            let mut out = RampartDecision {
                allowed: 9,
                reason: 9,
            };
            // SAFETY: valid pointers.
            let code = unsafe {
                rampart_check_ids(
                    tables,
                    c.principal,
                    c.action,
                    c.targets.as_ptr(),
                    c.targets_len,
                    &mut out,
                    std::ptr::null_mut(),
                )
            };
            assert_eq!(code, RAMPART_OK);
            out
        })
        .collect();
    assert!(one_by_one.iter().any(|d| d.allowed == 1) && one_by_one.iter().any(|d| d.allowed == 0));
    let batch = |checks: &[RampartIdCheck]| {
        let mut out = vec![
            RampartDecision {
                allowed: 9,
                reason: 9
            };
            checks.len()
        ];
        let (mut failed, mut error) = (usize::MAX, std::ptr::null_mut());
        // SAFETY: valid pointers and lengths.
        let code = unsafe {
            rampart_check_ids_batch(
                tables,
                checks.as_ptr(),
                checks.len(),
                out.as_mut_ptr(),
                &mut failed,
                &mut error,
            )
        };
        let message = if error.is_null() {
            String::new()
        } else {
            // SAFETY: an error the library made; freed once.
            unsafe {
                let m =
                    std::ffi::CStr::from_ptr(rampart_error_message(error, std::ptr::null_mut()))
                        .to_string_lossy()
                        .into_owned();
                rampart_error_free(error);
                m
            }
        };
        (code, out, failed, message)
    };
    let (code, out, failed, message) = batch(&checks);
    assert_eq!(
        (code, failed, message.as_str()),
        (RAMPART_OK, checks.len(), "")
    );
    assert_eq!(out, one_by_one);

    // One request that cannot be decided (an action's id as the principal) fails the
    // whole batch: its index, a message naming it, and no decision left an allow.
    let mut forged = checks.to_vec();
    forged[2].principal = read;
    let (code, out, failed, message) = batch(&forged);
    assert_eq!((code, failed), (RAMPART_INVALID_REQUEST, 2), "{message}");
    assert!(message.contains("check 2 of the batch"), "{message}");
    let denied = RampartDecision {
        allowed: 0,
        reason: RAMPART_REASON_NO_ALLOW_RULE,
    };
    assert!(out.iter().all(|d| *d == denied), "{out:?}");

    let mut five = checks.to_vec();
    five[4].targets_len = 5;
    let (code, out, failed, message) = batch(&five);
    assert_eq!((code, failed), (RAMPART_INVALID_REQUEST, 4), "{message}");
    assert!(out.iter().all(|d| *d == denied), "{out:?}");

    // NULL arrays with a length are refused; an empty batch is no work.
    for (len, want) in [(3, (RAMPART_INVALID_ARGUMENT, 0)), (0, (RAMPART_OK, 0))] {
        let mut failed = usize::MAX;
        // SAFETY: NULL pointers are part of the contract being tested.
        let code = unsafe {
            rampart_check_ids_batch(
                tables,
                std::ptr::null(),
                len,
                std::ptr::null_mut(),
                &mut failed,
                std::ptr::null_mut(),
            )
        };
        assert_eq!((code, failed), want, "{len} requests behind NULL");
    }
    // SAFETY: loaded above, freed once.
    unsafe { rampart_tables_free(tables) };
}
