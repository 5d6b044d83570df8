//! Complaint classifier models: the built-in one, training on an
//! operator's own examples, saving and loading.

use std::ffi::c_char;

use custinsight::classify::{Classifier, TrainOptions};
use custinsight::Taxonomy;
use serde::{Deserialize, Serialize};

use crate::boundary::{
    free_handle, handle_ref, input_bytes, input_str, output_bytes, output_handle, output_json, parse_strict,
    require_outputs, with_boundary, Failure, DEFAULT_MAX_INPUT_BYTES,
};
use crate::files;
use crate::status::CustinsightStatus;

/// A complaint classifier model. Use it in an engine with
/// `custinsight_engine_builder_classifier`.
///
/// Thread safety: immutable; safe to share between threads.
pub struct CustinsightClassifier {
    pub(crate) inner: Classifier,
}

/// One training example.
#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Example {
    text: String,
    label: String,
}

/// Examples as a JSON array of `{"text", "label"}` objects, or as JSON lines
/// of such objects (blank lines skipped).
fn parse_examples(data: &str) -> Result<Vec<(String, String)>, Failure> {
    let examples: Vec<Example> = if data.trim_start().starts_with('[') {
        custinsight::from_json("training examples", data)?
    } else {
        data.lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|(n, line)| custinsight::from_json(&format!("training examples line {}", n + 1), line))
            .collect::<Result<_, _>>()?
    };
    Ok(examples.into_iter().map(|e| (e.text, e.label)).collect())
}

/// # Safety
/// `ptr` is NULL or points to `len` readable bytes.
unsafe fn optional_json<'a>(ptr: *const c_char, len: usize, name: &str) -> Result<Option<&'a str>, Failure> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded from this function's contract.
    unsafe { input_str(ptr, len, name) }.map(Some)
}

/// The built-in classifier for the specification's 24 categories (trained
/// from the embedded seed corpus and embedded pre-trained; loads in
/// milliseconds). Free with `custinsight_classifier_free`.
///
/// # Safety
/// `classifier_out` is valid for a write.
#[no_mangle]
pub unsafe extern "C" fn custinsight_classifier_builtin(
    classifier_out: *mut *mut CustinsightClassifier,
) -> CustinsightStatus {
    with_boundary(|| {
        let inner = Classifier::builtin();
        // SAFETY: forwarded from this function's contract.
        unsafe { output_handle(CustinsightClassifier { inner }, classifier_out, "classifier_out") }
    })
}

/// Trains a classifier on the operator's examples: `examples` is a JSON
/// array of `{"text": ..., "label": ...}` objects or JSON lines of them;
/// every label is a category code of the taxonomy. `taxonomy_json`
/// (`{"categories": [{"code", "zh", "en", "work_group"}]}`) and
/// `options_json` (`TrainOptions`: `epochs`, `learning_rate`, `l2`, `seed`,
/// `calibration_fraction`, `features`) may be NULL for the default
/// taxonomy and options. Training is deterministic and uses all cores.
///
/// Errors: `INVALID_INPUT` naming the example line or row and field;
/// `CONFIG` naming the option; `TRAINING` with fewer than 2 examples or a
/// single category.
///
/// # Safety
/// Each non-NULL pointer points to its length in readable bytes;
/// `classifier_out` is valid for a write.
#[no_mangle]
pub unsafe extern "C" fn custinsight_classifier_train(
    examples: *const c_char,
    examples_len: usize,
    taxonomy_json: *const c_char,
    taxonomy_json_len: usize,
    options_json: *const c_char,
    options_json_len: usize,
    classifier_out: *mut *mut CustinsightClassifier,
) -> CustinsightStatus {
    with_boundary(|| {
        // SAFETY: forwarded from this function's contract.
        let examples = unsafe { input_str(examples, examples_len, "examples") }?;
        // SAFETY: forwarded from this function's contract.
        let taxonomy = unsafe { optional_json(taxonomy_json, taxonomy_json_len, "taxonomy_json") }?;
        // SAFETY: forwarded from this function's contract.
        let options = unsafe { optional_json(options_json, options_json_len, "options_json") }?;
        if classifier_out.is_null() {
            return Err(Failure::new(
                CustinsightStatus::NullArgument,
                "classifier_out is NULL",
            ));
        }
        let examples = parse_examples(examples)?;
        let taxonomy: Taxonomy = match taxonomy {
            Some(json) => parse_strict("taxonomy", json, CustinsightStatus::InvalidInput)?,
            None => Taxonomy::telecom_default(),
        };
        let options: TrainOptions = match options {
            Some(json) => parse_strict("training options", json, CustinsightStatus::Config)?,
            None => TrainOptions::default(),
        };
        let inner = Classifier::train(&examples, &taxonomy, &options)?;
        // SAFETY: forwarded from this function's contract.
        unsafe { output_handle(CustinsightClassifier { inner }, classifier_out, "classifier_out") }
    })
}

/// Loads a model saved by `custinsight_classifier_to_bytes`. Errors:
/// `MODEL_FORMAT` for truncated, corrupted or foreign bytes.
///
/// # Safety
/// `bytes` points to `bytes_len` readable bytes; `classifier_out` is valid
/// for a write.
#[no_mangle]
pub unsafe extern "C" fn custinsight_classifier_from_bytes(
    bytes: *const u8,
    bytes_len: usize,
    classifier_out: *mut *mut CustinsightClassifier,
) -> CustinsightStatus {
    with_boundary(|| {
        // SAFETY: forwarded from this function's contract.
        let bytes = unsafe { input_bytes(bytes, bytes_len, "bytes", DEFAULT_MAX_INPUT_BYTES) }?;
        let inner = Classifier::from_bytes(bytes)?;
        // SAFETY: forwarded from this function's contract.
        unsafe { output_handle(CustinsightClassifier { inner }, classifier_out, "classifier_out") }
    })
}

/// Loads a model from a file written by `custinsight_classifier_save_file`.
/// Errors: `IO` naming the path, `MODEL_FORMAT`.
///
/// # Safety
/// `path` points to `path_len` readable bytes; `classifier_out` is valid for
/// a write.
#[no_mangle]
pub unsafe extern "C" fn custinsight_classifier_load_file(
    path: *const c_char,
    path_len: usize,
    classifier_out: *mut *mut CustinsightClassifier,
) -> CustinsightStatus {
    with_boundary(|| {
        // SAFETY: forwarded from this function's contract.
        let path = unsafe { input_str(path, path_len, "path") }?;
        let bytes = files::read(std::path::Path::new(path))?;
        let inner = Classifier::from_bytes(&bytes)?;
        // SAFETY: forwarded from this function's contract.
        unsafe { output_handle(CustinsightClassifier { inner }, classifier_out, "classifier_out") }
    })
}

/// Saves the model (versioned, checksummed) to `*out`; free with
/// `custinsight_bytes_free(out, out_len)`. Thread-safe.
///
/// # Safety
/// `classifier` is a live classifier; `out` and `out_len` are valid for
/// writes.
#[no_mangle]
pub unsafe extern "C" fn custinsight_classifier_to_bytes(
    classifier: *const CustinsightClassifier,
    out: *mut *mut u8,
    out_len: *mut usize,
) -> CustinsightStatus {
    with_boundary(|| {
        // SAFETY: forwarded from this function's contract.
        let classifier = unsafe { handle_ref(classifier, "classifier") }?;
        require_outputs(out, out_len)?;
        // SAFETY: forwarded from this function's contract.
        unsafe { output_bytes(classifier.inner.to_bytes(), out, out_len) }
    })
}

/// Saves the model to the file at `path` atomically (a crash leaves the
/// previous file intact). Errors: `IO` naming the path. Thread-safe.
///
/// # Safety
/// `classifier` is a live classifier; `path` points to `path_len` readable
/// bytes.
#[no_mangle]
pub unsafe extern "C" fn custinsight_classifier_save_file(
    classifier: *const CustinsightClassifier,
    path: *const c_char,
    path_len: usize,
) -> CustinsightStatus {
    with_boundary(|| {
        // SAFETY: forwarded from this function's contract.
        let classifier = unsafe { handle_ref(classifier, "classifier") }?;
        // SAFETY: forwarded from this function's contract.
        let path = unsafe { input_str(path, path_len, "path") }?;
        files::write_atomically(std::path::Path::new(path), &classifier.inner.to_bytes())
    })
}

/// Classifies one text with this model; the full answer as JSON (as
/// `custinsight_engine_classify_json`). Thread-safe.
///
/// # Safety
/// `classifier` is a live classifier; `text` points to `text_len` readable
/// bytes; `out` and `out_len` are valid for writes.
#[no_mangle]
pub unsafe extern "C" fn custinsight_classifier_classify_json(
    classifier: *const CustinsightClassifier,
    text: *const c_char,
    text_len: usize,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> CustinsightStatus {
    with_boundary(|| {
        // SAFETY: forwarded from this function's contract.
        let classifier = unsafe { handle_ref(classifier, "classifier") }?;
        // SAFETY: forwarded from this function's contract.
        let text = unsafe { input_str(text, text_len, "text") }?;
        // SAFETY: forwarded from this function's contract.
        unsafe { output_json(&classifier.inner.classify(text), out, out_len) }
    })
}

/// Frees a classifier. `NULL` is a no-op. Engines built with it keep their
/// own copy.
///
/// # Safety
/// `classifier` is NULL or a classifier not freed before and no longer in
/// use by another thread.
#[no_mangle]
pub unsafe extern "C" fn custinsight_classifier_free(classifier: *mut CustinsightClassifier) {
    // SAFETY: forwarded from this function's contract.
    unsafe { free_handle(classifier) }
}
