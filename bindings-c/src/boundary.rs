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

/// Borrows `len` bytes at `ptr` as UTF-8.
///
/// # Safety
/// `ptr` is NULL or points to `len` readable bytes that stay valid and
/// unmodified for the returned lifetime.
pub(crate) unsafe fn input_str<'a>(ptr: *const c_char, len: usize, name: &str) -> Result<&'a str, Failure> {
    if ptr.is_null() {
        return Err(Failure::new(
            CustinsightStatus::NullArgument,
            format!("{name} is NULL"),
        ));
    }
    // SAFETY: non-null, and the caller guarantees `len` readable bytes.
    let bytes = unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) };
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
    if out.is_null() || out_len.is_null() {
        return Err(Failure::new(
            CustinsightStatus::NullArgument,
            "out or out_len is NULL",
        ));
    }
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
