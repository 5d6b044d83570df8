//! The one boundary every exported function runs inside: it turns errors and
//! panics into status codes and keeps the message as the thread's last error.

use std::cell::RefCell;
use std::ffi::{c_char, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::status::CustinsightStatus;

thread_local! {
    static LAST_ERROR: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// An error on its way to the caller.
#[derive(Debug)]
pub(crate) struct Failure {
    status: CustinsightStatus,
    message: String,
}

impl Failure {
    pub(crate) fn new(status: CustinsightStatus, message: impl Into<String>) -> Self {
        Failure {
            status,
            message: message.into(),
        }
    }

    /// The status code.
    #[cfg(test)]
    pub(crate) fn status(&self) -> CustinsightStatus {
        self.status
    }
}

impl From<custinsight::Error> for Failure {
    fn from(err: custinsight::Error) -> Self {
        Failure::new(err.kind().into(), err.to_string())
    }
}

fn set_last_error(message: String) {
    LAST_ERROR.with(|last| *last.borrow_mut() = Some(message));
}

/// Runs `body`, mapping `Err` and panics to a status code and the last error.
pub(crate) fn with_boundary(body: impl FnOnce() -> Result<(), Failure>) -> CustinsightStatus {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => CustinsightStatus::Ok,
        Ok(Err(failure)) => {
            set_last_error(failure.message);
            failure.status
        }
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            set_last_error(format!("internal error (please report): {what}"));
            CustinsightStatus::Internal
        }
    }
}

/// The input size limit of functions that take no engine (an engine has its
/// own, set with `custinsight_engine_builder_max_input_bytes`): 64 MiB.
pub(crate) const DEFAULT_MAX_INPUT_BYTES: usize = 64 << 20;

/// Borrows `len` bytes at `ptr` as UTF-8, refusing more than
/// [`DEFAULT_MAX_INPUT_BYTES`].
///
/// # Safety
/// `ptr` is NULL or points to `len` readable bytes that stay valid and
/// unmodified for the returned lifetime.
pub(crate) unsafe fn input_str<'a>(ptr: *const c_char, len: usize, name: &str) -> Result<&'a str, Failure> {
    // SAFETY: forwarded from this function's contract.
    unsafe { input_str_limited(ptr, len, name, DEFAULT_MAX_INPUT_BYTES) }
}

/// Borrows `len` bytes at `ptr`, refusing more than `limit` bytes.
///
/// # Safety
/// As [`input_str`].
pub(crate) unsafe fn input_bytes<'a>(
    ptr: *const u8,
    len: usize,
    name: &str,
    limit: usize,
) -> Result<&'a [u8], Failure> {
    if ptr.is_null() {
        return Err(Failure::new(
            CustinsightStatus::NullArgument,
            format!("{name} is NULL"),
        ));
    }
    if len > limit {
        return Err(Failure::new(
            CustinsightStatus::InputTooLarge,
            format!("{name} is {len} bytes, more than the limit of {limit} bytes"),
        ));
    }
    // SAFETY: non-null, and the caller guarantees `len` readable bytes.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// Borrows `len` bytes at `ptr` as UTF-8, refusing more than `limit` bytes.
///
/// # Safety
/// As [`input_str`].
pub(crate) unsafe fn input_str_limited<'a>(
    ptr: *const c_char,
    len: usize,
    name: &str,
    limit: usize,
) -> Result<&'a str, Failure> {
    // SAFETY: forwarded from this function's contract.
    let bytes = unsafe { input_bytes(ptr.cast::<u8>(), len, name, limit) }?;
    std::str::from_utf8(bytes).map_err(|err| {
        Failure::new(
            CustinsightStatus::InvalidUtf8,
            format!(
                "{name} is not valid UTF-8: invalid byte at offset {}",
                err.valid_up_to()
            ),
        )
    })
}

/// Fails with `NULL_ARGUMENT` unless both output pointers are set. Callers
/// whose work is costly or changes state check before doing it, so that a
/// NULL output loses nothing.
pub(crate) fn require_outputs<T>(out: *mut T, out_len: *mut usize) -> Result<(), Failure> {
    if out.is_null() || out_len.is_null() {
        return Err(Failure::new(
            CustinsightStatus::NullArgument,
            "out or out_len is NULL",
        ));
    }
    Ok(())
}

/// Writes a pointer (to memory the caller does not own, or NULL) to `*out`
/// and a length to `*out_len`, failing with `NULL_ARGUMENT` when either
/// output is NULL.
///
/// # Safety
/// `out` and `out_len` are NULL or valid for writes.
pub(crate) unsafe fn output_borrowed<P>(
    pointer: P,
    len: usize,
    out: *mut P,
    out_len: *mut usize,
) -> Result<(), Failure> {
    require_outputs(out, out_len)?;
    // SAFETY: both pointers are non-null and the caller guarantees they are
    // valid for writes.
    unsafe {
        out.write(pointer);
        out_len.write(len);
    }
    Ok(())
}

/// Writes `value` as a newly allocated NUL-terminated string to `*out` and
/// its length (without the NUL) to `*out_len`.
///
/// # Safety
/// `out` and `out_len` are NULL or valid for writes.
pub(crate) unsafe fn output_string(
    value: String,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> Result<(), Failure> {
    require_outputs(out, out_len)?;
    let len = value.len();
    let string = CString::new(value).map_err(|err| {
        Failure::new(
            CustinsightStatus::Internal,
            format!("output contains a NUL byte at {}", err.nul_position()),
        )
    })?;
    // SAFETY: both pointers are non-null and the caller guarantees they are
    // valid for writes; outputs are written only on success, as documented.
    unsafe {
        *out = string.into_raw();
        *out_len = len;
    }
    Ok(())
}

/// Writes `value` as a newly allocated byte buffer to `*out` and its length
/// to `*out_len`; the caller frees it with `custinsight_bytes_free`.
///
/// # Safety
/// `out` and `out_len` are NULL or valid for writes.
pub(crate) unsafe fn output_bytes(
    value: Vec<u8>,
    out: *mut *mut u8,
    out_len: *mut usize,
) -> Result<(), Failure> {
    require_outputs(out, out_len)?;
    let boxed = value.into_boxed_slice();
    let len = boxed.len();
    // SAFETY: both pointers are non-null and valid for writes per the
    // contract; `custinsight_bytes_free` rebuilds the box from pointer and length.
    unsafe {
        *out = Box::into_raw(boxed).cast::<u8>();
        *out_len = len;
    }
    Ok(())
}

/// Serialises `value` as compact JSON and writes it like [`output_string`].
///
/// # Safety
/// As [`output_string`].
pub(crate) unsafe fn output_json<T: serde::Serialize + ?Sized>(
    value: &T,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> Result<(), Failure> {
    let json = serde_json::to_string(value).map_err(|err| {
        Failure::new(
            CustinsightStatus::Internal,
            format!("cannot serialise the answer: {err}"),
        )
    })?;
    // SAFETY: forwarded from this function's contract.
    unsafe { output_string(json, out, out_len) }
}

/// Writes `value` to `*out`, failing with `NULL_ARGUMENT` when `out` is NULL.
///
/// # Safety
/// `out` is NULL or valid for a write.
pub(crate) unsafe fn output_value<T>(value: T, out: *mut T, name: &str) -> Result<(), Failure> {
    if out.is_null() {
        return Err(Failure::new(
            CustinsightStatus::NullArgument,
            format!("{name} is NULL"),
        ));
    }
    // SAFETY: non-null and valid for a write per the contract.
    unsafe { out.write(value) };
    Ok(())
}

/// Copies the calling thread's last error message into `buffer` as a
/// NUL-terminated string and writes its length (without the NUL) to
/// `*written`.
///
/// The message is per thread and is replaced by the next failing call on
/// that thread. When there is no message, writes an empty string. When
/// `buffer` is too small, returns `BUFFER_TOO_SMALL` and writes the size
/// needed (including the NUL) to `*written`.
///
/// # Safety
/// `buffer` is valid for `buffer_len` byte writes; `written` is valid for a
/// write.
#[no_mangle]
pub unsafe extern "C" fn custinsight_last_error_message(
    buffer: *mut c_char,
    buffer_len: usize,
    written: *mut usize,
) -> CustinsightStatus {
    if buffer.is_null() || written.is_null() {
        return CustinsightStatus::NullArgument;
    }
    let message = LAST_ERROR.with(|last| last.borrow().clone()).unwrap_or_default();
    let bytes = message.as_bytes();
    if bytes.len() + 1 > buffer_len {
        // SAFETY: `written` is non-null and valid for a write per the contract.
        unsafe { *written = bytes.len() + 1 };
        return CustinsightStatus::BufferTooSmall;
    }
    // SAFETY: `buffer` holds at least `bytes.len() + 1` bytes (checked above)
    // and cannot overlap the thread-local copy we read from.
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), buffer.cast::<u8>(), bytes.len());
        *buffer.add(bytes.len()) = 0;
        *written = bytes.len();
    }
    CustinsightStatus::Ok
}

/// Borrows the object behind a handle.
///
/// # Safety
/// `ptr` is NULL or a live handle of type `T` made by this library.
pub(crate) unsafe fn handle_ref<'a, T>(ptr: *const T, name: &str) -> Result<&'a T, Failure> {
    // SAFETY: per the contract, non-null pointers are live handles.
    unsafe { ptr.as_ref() }
        .ok_or_else(|| Failure::new(CustinsightStatus::NullArgument, format!("{name} is NULL")))
}

/// Borrows the object behind a handle mutably.
///
/// # Safety
/// `ptr` is NULL or a live handle of type `T` made by this library that no
/// other thread is using.
pub(crate) unsafe fn handle_mut<'a, T>(ptr: *mut T, name: &str) -> Result<&'a mut T, Failure> {
    // SAFETY: per the contract, non-null pointers are live, unshared handles.
    unsafe { ptr.as_mut() }
        .ok_or_else(|| Failure::new(CustinsightStatus::NullArgument, format!("{name} is NULL")))
}

/// Moves `value` to the heap and writes the new handle to `*out`.
///
/// # Safety
/// `out` is NULL or valid for a write.
pub(crate) unsafe fn output_handle<T>(value: T, out: *mut *mut T, name: &str) -> Result<(), Failure> {
    if out.is_null() {
        return Err(Failure::new(
            CustinsightStatus::NullArgument,
            format!("{name} is NULL"),
        ));
    }
    // SAFETY: non-null and valid for a write per the contract.
    unsafe { out.write(Box::into_raw(Box::new(value))) };
    Ok(())
}

/// Frees a handle made by [`output_handle`]; NULL is a no-op.
///
/// # Safety
/// `ptr` is NULL or a handle from [`output_handle`] not freed before and not
/// in use by another thread.
pub(crate) unsafe fn free_handle<T>(ptr: *mut T) {
    if !ptr.is_null() {
        // SAFETY: the pointer came from `Box::into_raw` and is freed once.
        drop(unsafe { Box::from_raw(ptr) });
    }
}

/// Finds the first field of `input` that is not in `parsed` re-serialised:
/// a field the parser ignored. Null fields are skipped (an absent optional
/// value serialises to nothing). Used for the core types that do not refuse
/// unknown fields themselves.
pub(crate) fn ignored_field(
    input: &serde_json::Value,
    parsed: &serde_json::Value,
    path: &str,
) -> Option<String> {
    use serde_json::Value;
    match (input, parsed) {
        (Value::Object(given), Value::Object(kept)) => given.iter().find_map(|(key, value)| {
            let here = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            match kept.get(key) {
                None if !value.is_null() => Some(here),
                None => None,
                Some(kept) => ignored_field(value, kept, &here),
            }
        }),
        (Value::Array(given), Value::Array(kept)) => given
            .iter()
            .zip(kept)
            .enumerate()
            .find_map(|(i, (value, kept))| ignored_field(value, kept, &format!("{path}[{i}]"))),
        _ => None,
    }
}

/// Parses JSON with the core's path-naming parser, then refuses fields the
/// type ignored.
pub(crate) fn parse_strict<T>(what: &str, json: &str, status: CustinsightStatus) -> Result<T, Failure>
where
    T: serde::de::DeserializeOwned + serde::Serialize,
{
    let value: T = custinsight::from_json(what, json).map_err(|err| Failure::new(status, err.to_string()))?;
    let given: serde_json::Value =
        serde_json::from_str(json).map_err(|err| Failure::new(status, err.to_string()))?;
    let kept = serde_json::to_value(&value)
        .map_err(|err| Failure::new(CustinsightStatus::Internal, err.to_string()))?;
    match ignored_field(&given, &kept, "") {
        Some(field) => Err(Failure::new(
            status,
            format!("cannot parse {what} at {field}: unknown field"),
        )),
        None => Ok(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn last_error() -> String {
        let mut buffer = [0 as c_char; 256];
        let mut written = 0;
        // SAFETY: a buffer of its length and a valid place for the count.
        let status =
            unsafe { custinsight_last_error_message(buffer.as_mut_ptr(), buffer.len(), &mut written) };
        assert_eq!(status, CustinsightStatus::Ok);
        // SAFETY: the call wrote a NUL-terminated string into the buffer.
        unsafe { std::ffi::CStr::from_ptr(buffer.as_ptr()) }
            .to_string_lossy()
            .into_owned()
    }

    #[test]
    fn a_panic_becomes_an_internal_error_with_its_message() {
        let status = with_boundary(|| panic!("boom at the boundary"));
        assert_eq!(status, CustinsightStatus::Internal);
        assert!(last_error().contains("boom at the boundary"), "{}", last_error());
        let status = with_boundary(|| Err(Failure::new(CustinsightStatus::Io, "disk full")));
        assert_eq!(status, CustinsightStatus::Io);
        assert_eq!(last_error(), "disk full");
        assert_eq!(with_boundary(|| Ok(())), CustinsightStatus::Ok);
        assert_eq!(last_error(), "disk full", "a success leaves the last error alone");
    }

    #[test]
    fn ignored_fields_are_named_by_path() {
        let given = serde_json::json!({"a": 1, "b": {"c": [{"d": 1, "typo": 2}]}, "gone": null});
        let kept = serde_json::json!({"a": 1, "b": {"c": [{"d": 1}]}});
        assert_eq!(ignored_field(&given, &kept, "").as_deref(), Some("b.c[0].typo"));
        assert_eq!(ignored_field(&kept, &kept, ""), None);
    }
}
