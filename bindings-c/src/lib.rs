//! The C ABI of custinsight, for CRM and BSS systems written in C, C++ and
//! Java (through JNI or the Foreign Function & Memory API).
//!
//! The header is `bindings-c/include/custinsight.h`, generated from this
//! crate by cbindgen and checked in. The conventions every function follows
//! are in `bindings-c/README.md`: status codes, the per-thread last error,
//! ownership of returned strings and objects, and thread safety.
//!
//! Behaviour lives in the `custinsight` crate; this layer only translates
//! pointers and lengths to Rust values and errors to status codes.

mod batch;
mod boundary;
mod builder;
mod classifier;
mod engine;
mod files;
mod status;

pub use batch::*;
pub use boundary::custinsight_last_error_message;
pub use builder::{
    custinsight_profile_builder_add_event_json, custinsight_profile_builder_free,
    custinsight_profile_builder_new, custinsight_profile_builder_profile_json,
    custinsight_profile_builder_take_profiles_json, CustinsightProfileBuilder,
};
pub use classifier::*;
pub use engine::*;
pub use status::{custinsight_status_name, CustinsightStatus};

use std::ffi::{c_char, CStr};

use boundary::{input_str, output_string, with_boundary};

/// The library version as a NUL-terminated string, e.g. `"0.1.0"`. The
/// pointer is static: do not free it.
#[no_mangle]
pub extern "C" fn custinsight_version() -> *const c_char {
    static VERSION: &CStr =
        match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
            Ok(version) => version,
            Err(_) => panic!("the version contains no NUL byte"),
        };
    VERSION.as_ptr()
}

/// Frees a string returned by a custinsight function. `NULL` is a no-op.
///
/// # Safety
/// `string` is `NULL` or a pointer returned through a `char **` output of a
/// custinsight function and not freed before.
#[no_mangle]
pub unsafe extern "C" fn custinsight_string_free(string: *mut c_char) {
    if !string.is_null() {
        // SAFETY: the caller passes a pointer that `output_string` produced
        // with `CString::into_raw` and has not freed it.
        drop(unsafe { std::ffi::CString::from_raw(string) });
    }
}

/// Frees a byte buffer returned by a custinsight function (a snapshot, a
/// saved model) together with its length. `NULL` is a no-op.
///
/// # Safety
/// `bytes` is `NULL` or a pointer returned through a `uint8_t **` output of
/// a custinsight function, with the length returned beside it, not freed
/// before.
#[no_mangle]
pub unsafe extern "C" fn custinsight_bytes_free(bytes: *mut u8, bytes_len: usize) {
    if !bytes.is_null() {
        // SAFETY: the pointer and length came from `output_bytes`, which
        // leaked a `Box<[u8]>` of exactly this length.
        drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(bytes, bytes_len)) });
    }
}

/// Normalises a phone number (`"+86 138-1234-5678"` → `"13812345678"`).
///
/// On success writes a newly allocated NUL-terminated string to `*out` and
/// its length to `*out_len`; free it with `custinsight_string_free`.
///
/// # Safety
/// `phone` points to `phone_len` readable bytes; `out` and `out_len` are
/// valid for writes.
#[no_mangle]
pub unsafe extern "C" fn custinsight_normalize_phone(
    phone: *const c_char,
    phone_len: usize,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> CustinsightStatus {
    with_boundary(|| {
        // SAFETY: forwarded from this function's contract.
        let phone = unsafe { input_str(phone, phone_len, "phone") }?;
        let normalised = custinsight::normalize_phone(phone)?;
        // SAFETY: forwarded from this function's contract.
        unsafe { output_string(normalised, out, out_len) }
    })
}

/// Parses and validates a customer profile in JSON and writes it back in
/// canonical form (compact, normalised, sorted lists), so callers can check
/// a profile before handing it to the pop-up.
///
/// On failure the last error names the offending field, e.g.
/// `invalid complaints[2].closed_at: ... is before received_at ...`.
///
/// # Safety
/// `json` points to `json_len` readable bytes; `out` and `out_len` are valid
/// for writes.
#[no_mangle]
pub unsafe extern "C" fn custinsight_profile_canonical_json(
    json: *const c_char,
    json_len: usize,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> CustinsightStatus {
    with_boundary(|| {
        // SAFETY: forwarded from this function's contract.
        let json = unsafe { input_str(json, json_len, "json") }?;
        let profile = custinsight::CustomerProfile::from_json(json)?;
        // SAFETY: forwarded from this function's contract.
        unsafe { output_string(profile.to_json(), out, out_len) }
    })
}
