//! Profile building from source-system events.

use std::ffi::c_char;
use std::sync::Mutex;

use custinsight::{ProfileBuilder, SourceEvent};

use crate::boundary::{input_str, output_borrowed, output_string, require_outputs, with_boundary, Failure};
use crate::status::CustinsightStatus;

/// Folds source-system events (JSON) into unified customer profiles.
///
/// Thread safety: safe to share between threads; calls are serialised
/// internally.
pub struct CustinsightProfileBuilder {
    inner: Mutex<ProfileBuilder>,
}

impl CustinsightProfileBuilder {
    fn lock(&self) -> std::sync::MutexGuard<'_, ProfileBuilder> {
        // A panic while holding the lock cannot leave the builder half
        // updated: `ProfileBuilder::add` validates before it mutates.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// # Safety
/// `builder` is NULL or a live pointer from `custinsight_profile_builder_new`.
unsafe fn builder_ref<'a>(
    builder: *const CustinsightProfileBuilder,
) -> Result<&'a CustinsightProfileBuilder, Failure> {
    // SAFETY: per the contract, non-null pointers are live builders.
    unsafe { builder.as_ref() }
        .ok_or_else(|| Failure::new(CustinsightStatus::NullArgument, "builder is NULL"))
}

/// Creates an empty profile builder. Free it with
/// `custinsight_profile_builder_free`. Never returns NULL.
#[no_mangle]
pub extern "C" fn custinsight_profile_builder_new() -> *mut CustinsightProfileBuilder {
    Box::into_raw(Box::new(CustinsightProfileBuilder {
        inner: Mutex::new(ProfileBuilder::new()),
    }))
}

/// Frees a builder. `NULL` is a no-op.
///
/// # Safety
/// `builder` is NULL or a pointer from `custinsight_profile_builder_new`
/// not freed before, and no other thread is using it.
#[no_mangle]
pub unsafe extern "C" fn custinsight_profile_builder_free(builder: *mut CustinsightProfileBuilder) {
    if !builder.is_null() {
        // SAFETY: the pointer came from `Box::into_raw` and is freed once.
        drop(unsafe { Box::from_raw(builder) });
    }
}

/// Validates one event (JSON, see `event.schema.json`) and folds it in. A
/// rejected event leaves the builder unchanged; the last error names the
/// event and field.
///
/// # Safety
/// `builder` is a live builder; `json` points to `json_len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn custinsight_profile_builder_add_event_json(
    builder: *const CustinsightProfileBuilder,
    json: *const c_char,
    json_len: usize,
) -> CustinsightStatus {
    with_boundary(|| {
        // SAFETY: forwarded from this function's contract.
        let builder = unsafe { builder_ref(builder) }?;
        // SAFETY: forwarded from this function's contract.
        let json = unsafe { input_str(json, json_len, "json") }?;
        let event = SourceEvent::from_json(json)?;
        builder.lock().add(event)?;
        Ok(())
    })
}

/// Writes the current profile of `customer_id` as JSON to `*out` (free with
/// `custinsight_string_free`). When the customer is unknown, writes `NULL`
/// and 0 and returns OK.
///
/// # Safety
/// `builder` is a live builder; `customer_id` points to `customer_id_len`
/// readable bytes; `out` and `out_len` are valid for writes.
#[no_mangle]
pub unsafe extern "C" fn custinsight_profile_builder_profile_json(
    builder: *const CustinsightProfileBuilder,
    customer_id: *const c_char,
    customer_id_len: usize,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> CustinsightStatus {
    with_boundary(|| {
        // SAFETY: forwarded from this function's contract.
        let builder = unsafe { builder_ref(builder) }?;
        // SAFETY: forwarded from this function's contract.
        let customer_id = unsafe { input_str(customer_id, customer_id_len, "customer_id") }?;
        match builder.lock().profile(customer_id) {
            // SAFETY: forwarded from this function's contract.
            Some(profile) => unsafe { output_string(profile.to_json(), out, out_len) },
            // SAFETY: forwarded from this function's contract.
            None => unsafe { output_borrowed(std::ptr::null_mut(), 0, out, out_len) },
        }
    })
}

/// Finishes: writes every profile as a JSON array to `*out` (free with
/// `custinsight_string_free`) and leaves the builder empty, ready for the
/// next batch.
///
/// # Safety
/// `builder` is a live builder; `out` and `out_len` are valid for writes.
#[no_mangle]
pub unsafe extern "C" fn custinsight_profile_builder_take_profiles_json(
    builder: *const CustinsightProfileBuilder,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> CustinsightStatus {
    with_boundary(|| {
        // SAFETY: forwarded from this function's contract.
        let builder = unsafe { builder_ref(builder) }?;
        require_outputs(out, out_len)?;
        let profiles = std::mem::take(&mut *builder.lock()).build();
        let json = serde_json::to_string(&profiles)
            .map_err(|err| Failure::new(CustinsightStatus::Internal, err.to_string()))?;
        // SAFETY: forwarded from this function's contract.
        unsafe { output_string(json, out, out_len) }
    })
}
