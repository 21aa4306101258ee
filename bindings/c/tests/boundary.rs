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
