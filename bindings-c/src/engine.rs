//! The engine: complaint classification and intake, the call pop-up, the
//! cross-system audit and the complaint history, behind one handle.

use std::ffi::{c_char, CString};
use std::path::Path;

use chrono::{DateTime, Utc};
use custinsight::audit::AuditInput;
use custinsight::classify::{Classifier, ConfidenceBand};
use custinsight::{Complaint, CustomerProfile, Engine, EngineBuilder, EngineConfig, Severity, Signal};

use crate::boundary::{
    free_handle, handle_mut, handle_ref, input_bytes, input_str, input_str_limited, output_bytes,
    output_handle, output_json, output_string, output_value, require_outputs, with_boundary, Failure,
    DEFAULT_MAX_INPUT_BYTES,
};
use crate::classifier::CustinsightClassifier;
use crate::files;
use crate::status::CustinsightStatus;

/// Collects what an engine is built from: a configuration, a classifier, a
/// history snapshot and the input size limit. Made by
/// `custinsight_engine_builder_new`, freed by `custinsight_engine_builder_free`.
///
/// Thread safety: not safe to share between threads; use one builder per
/// thread (the engines it builds are safe to share).
pub struct CustinsightEngineBuilder {
    config: EngineConfig,
    classifier: Option<Classifier>,
    history: Option<Vec<u8>>,
    max_input_bytes: usize,
}

/// The engine: classification, complaint intake with repeat detection, the
/// call pop-up, the audit and the complaint history.
///
/// Thread safety: safe to share between threads. Every `custinsight_engine_*`
/// function takes a `const custinsight_engine *` and may be called from many
/// threads at once on the same engine; the complaint history inside is
/// synchronised. Only `custinsight_engine_free` needs exclusive use.
pub struct CustinsightEngine {
    pub(crate) engine: Engine,
    max_input_bytes: usize,
    /// The taxonomy's codes and work groups as C strings, handed out by
    /// `custinsight_engine_classify` without allocating.
    categories: Vec<(CString, CString)>,
}

/// How serious a complaint is (the specification's severity rule).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustinsightSeverity {
    /// Everything else.
    Low = 0,
    /// Billing and account categories.
    Medium = 1,
    /// Churn threat, repeat mention, or a privacy category.
    High = 2,
    /// Regulator, media or legal signal.
    Critical = 3,
}

/// How sure a classification is, in the bands of the classifier's thresholds.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustinsightConfidenceBand {
    /// Below the medium threshold.
    Low = 0,
    /// From the medium threshold up to the high one.
    Medium = 1,
    /// From the high threshold up.
    High = 2,
}

/// Bit of `custinsight_classification.signals`: mentions a regulator.
pub const CUSTINSIGHT_SIGNAL_REGULATOR: u32 = 1;
/// Bit of `custinsight_classification.signals`: mentions the media.
pub const CUSTINSIGHT_SIGNAL_MEDIA: u32 = 2;
/// Bit of `custinsight_classification.signals`: mentions lawyers or courts.
pub const CUSTINSIGHT_SIGNAL_LEGAL: u32 = 4;
/// Bit of `custinsight_classification.signals`: threatens to cancel or switch.
pub const CUSTINSIGHT_SIGNAL_CHURN_THREAT: u32 = 8;
/// Bit of `custinsight_classification.signals`: says the problem recurs.
pub const CUSTINSIGHT_SIGNAL_REPEAT_MENTION: u32 = 16;

fn signal_bit(signal: Signal) -> u32 {
    match signal {
        Signal::Regulator => CUSTINSIGHT_SIGNAL_REGULATOR,
        Signal::Media => CUSTINSIGHT_SIGNAL_MEDIA,
        Signal::Legal => CUSTINSIGHT_SIGNAL_LEGAL,
        Signal::ChurnThreat => CUSTINSIGHT_SIGNAL_CHURN_THREAT,
        Signal::RepeatMention => CUSTINSIGHT_SIGNAL_REPEAT_MENTION,
    }
}

/// The hot-path answer of `custinsight_engine_classify`: the essentials of
/// the JSON answer, in a struct the caller owns (no allocation, nothing to
/// free). The two strings belong to the engine and stay valid until it is
/// freed.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct CustinsightClassification {
    /// Most likely level-2 category code, e.g. `"broadband.outage"`
    /// (NUL-terminated, owned by the engine; given even when `uncertain`).
    pub category: *const c_char,
    /// The work group to dispatch to (NUL-terminated, owned by the engine).
    pub work_group: *const c_char,
    /// Index of the category in the classifier's taxonomy.
    pub category_index: u32,
    /// Calibrated probability of the category, in [0, 1].
    pub confidence: f32,
    /// Severity by the specification's rule.
    pub severity: CustinsightSeverity,
    /// The confidence band.
    pub band: CustinsightConfidenceBand,
    /// The signals raised by the text: `CUSTINSIGHT_SIGNAL_*` bits.
    pub signals: u32,
    /// Whether the classifier abstains (a person should choose).
    pub uncertain: bool,
}

/// The library's ABI version: raised whenever a change breaks programs
/// compiled against an earlier header.
pub const CUSTINSIGHT_ABI_VERSION: u32 = 1;

/// The ABI version of the linked library; compare it with
/// `CUSTINSIGHT_ABI_VERSION` of the header the program was compiled with.
#[no_mangle]
pub extern "C" fn custinsight_abi_version() -> u32 {
    CUSTINSIGHT_ABI_VERSION
}

fn build_engine(state: &CustinsightEngineBuilder) -> Result<CustinsightEngine, Failure> {
    let mut builder = EngineBuilder::new().config(state.config.clone());
    if let Some(classifier) = &state.classifier {
        builder = builder.classifier(classifier.clone());
    }
    if let Some(history) = &state.history {
        builder = builder.history_snapshot(history.clone());
    }
    let engine = builder.build()?;
    let categories = engine
        .classifier()
        .taxonomy()
        .categories
        .iter()
        .map(|category| {
            let c = |s: &str| {
                CString::new(s)
                    .map_err(|_| Failure::new(CustinsightStatus::Config, "a category name contains NUL"))
            };
            Ok((c(&category.code)?, c(&category.work_group)?))
        })
        .collect::<Result<_, Failure>>()?;
    Ok(CustinsightEngine {
        engine,
        max_input_bytes: state.max_input_bytes,
        categories,
    })
}

fn config_from_json(json: &str) -> Result<EngineConfig, Failure> {
    let config = EngineConfig::from_json(json)?;
    // The classifier thresholds do not refuse unknown keys themselves.
    let given: serde_json::Value =
        serde_json::from_str(json).map_err(|err| Failure::new(CustinsightStatus::Config, err.to_string()))?;
    if let (Some(given), Some(kept)) = (given.get("classifier"), &config.classifier) {
        let kept = serde_json::to_value(kept)
            .map_err(|err| Failure::new(CustinsightStatus::Internal, err.to_string()))?;
        if let Some(field) = crate::boundary::ignored_field(given, &kept, "classifier") {
            return Err(Failure::new(
                CustinsightStatus::Config,
                format!("invalid configuration {field}: unknown field"),
            ));
        }
    }
    Ok(config)
}

fn config_from_file(path: &Path) -> Result<EngineConfig, Failure> {
    let bytes = files::read(path)?;
    let text = std::str::from_utf8(&bytes).map_err(|err| {
        Failure::new(
            CustinsightStatus::InvalidUtf8,
            format!(
                "{} is not valid UTF-8: invalid byte at offset {}",
                path.display(),
                err.valid_up_to()
            ),
        )
    })?;
    let config = if path
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("toml"))
    {
        EngineConfig::from_toml(text)?
    } else {
        config_from_json(text)?
    };
    Ok(config)
}

/// # Safety
/// `path` points to `path_len` readable bytes.
unsafe fn input_path<'a>(path: *const c_char, path_len: usize) -> Result<&'a Path, Failure> {
    // SAFETY: forwarded from this function's contract.
    let path = unsafe { input_str(path, path_len, "path") }?;
    if path.is_empty() {
        return Err(Failure::new(CustinsightStatus::InvalidInput, "path is empty"));
    }
    Ok(Path::new(path))
}

fn at(now_unix_seconds: i64) -> Result<DateTime<Utc>, Failure> {
    DateTime::<Utc>::from_timestamp(now_unix_seconds, 0).ok_or_else(|| {
        Failure::new(
            CustinsightStatus::InvalidInput,
            format!("now_unix_seconds {now_unix_seconds} is out of range"),
        )
    })
}

impl CustinsightEngine {
    /// # Safety
    /// `ptr` points to `len` readable bytes.
    pub(crate) unsafe fn text<'a>(
        &self,
        ptr: *const c_char,
        len: usize,
        name: &str,
    ) -> Result<&'a str, Failure> {
        // SAFETY: forwarded from this function's contract.
        unsafe { input_str_limited(ptr, len, name, self.max_input_bytes) }
    }
}

// ---------------------------------------------------------------------------
// Builder

/// Creates an engine builder with the default configuration, the built-in
/// classifier, an empty history and a 64 MiB input limit. Never returns NULL.
#[no_mangle]
pub extern "C" fn custinsight_engine_builder_new() -> *mut CustinsightEngineBuilder {
    Box::into_raw(Box::new(CustinsightEngineBuilder {
        config: EngineConfig::default(),
        classifier: None,
        history: None,
        max_input_bytes: DEFAULT_MAX_INPUT_BYTES,
    }))
}

/// Frees a builder. `NULL` is a no-op.
///
/// # Safety
/// `builder` is NULL or a builder not freed before.
#[no_mangle]
pub unsafe extern "C" fn custinsight_engine_builder_free(builder: *mut CustinsightEngineBuilder) {
    // SAFETY: forwarded from this function's contract.
    unsafe { free_handle(builder) }
}

/// Uses the configuration in `json` (see `EngineConfig`; `{}` is the
/// default). Errors: `CONFIG` naming the key, e.g. `repeat.window_days`.
///
/// # Safety
/// `builder` is a live builder; `json` points to `json_len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn custinsight_engine_builder_config_json(
    builder: *mut CustinsightEngineBuilder,
    json: *const c_char,
    json_len: usize,
) -> CustinsightStatus {
    with_boundary(|| {
        // SAFETY: forwarded from this function's contract.
        let builder = unsafe { handle_mut(builder, "builder") }?;
        // SAFETY: forwarded from this function's contract.
        let json = unsafe { input_str(json, json_len, "json") }?;
        builder.config = config_from_json(json)?;
        Ok(())
    })
}

/// Uses the configuration in the file at `path`: TOML when the name ends
/// in `.toml`, JSON otherwise. Errors: `IO`, `CONFIG`.
///
/// # Safety
/// `builder` is a live builder; `path` points to `path_len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn custinsight_engine_builder_config_file(
    builder: *mut CustinsightEngineBuilder,
    path: *const c_char,
    path_len: usize,
) -> CustinsightStatus {
    with_boundary(|| {
        // SAFETY: forwarded from this function's contract.
        let builder = unsafe { handle_mut(builder, "builder") }?;
        // SAFETY: forwarded from this function's contract.
        let path = unsafe { input_path(path, path_len) }?;
        builder.config = config_from_file(path)?;
        Ok(())
    })
}

/// Uses a copy of `classifier` (trained or loaded) instead of the built-in
/// one; the caller keeps and frees its own.
///
/// # Safety
/// `builder` is a live builder; `classifier` a live classifier.
#[no_mangle]
pub unsafe extern "C" fn custinsight_engine_builder_classifier(
    builder: *mut CustinsightEngineBuilder,
    classifier: *const CustinsightClassifier,
) -> CustinsightStatus {
    with_boundary(|| {
        // SAFETY: forwarded from this function's contract.
        let builder = unsafe { handle_mut(builder, "builder") }?;
        // SAFETY: forwarded from this function's contract.
        let classifier = unsafe { handle_ref(classifier, "classifier") }?;
        builder.classifier = Some(classifier.inner.clone());
        Ok(())
    })
}

/// Starts the complaint history from a snapshot taken by
/// `custinsight_engine_snapshot_history` (copied). The snapshot is checked
/// when the engine is built: `SNAPSHOT_FORMAT` for damaged bytes, `CONFIG`
/// when its repeat settings differ from the configuration's.
///
/// # Safety
/// `builder` is a live builder; `snapshot` points to `snapshot_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn custinsight_engine_builder_history_snapshot(
    builder: *mut CustinsightEngineBuilder,
    snapshot: *const u8,
    snapshot_len: usize,
) -> CustinsightStatus {
    with_boundary(|| {
        // SAFETY: forwarded from this function's contract.
        let builder = unsafe { handle_mut(builder, "builder") }?;
        // SAFETY: forwarded from this function's contract.
        let snapshot = unsafe { input_bytes(snapshot, snapshot_len, "snapshot", builder.max_input_bytes) }?;
        builder.history = Some(snapshot.to_vec());
        Ok(())
    })
}

/// Starts the complaint history from a snapshot file written by
/// `custinsight_engine_snapshot_history_file`. Errors: `IO`; the snapshot
/// itself is checked at build time as for
/// `custinsight_engine_builder_history_snapshot`.
///
/// # Safety
/// `builder` is a live builder; `path` points to `path_len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn custinsight_engine_builder_history_file(
    builder: *mut CustinsightEngineBuilder,
    path: *const c_char,
    path_len: usize,
) -> CustinsightStatus {
    with_boundary(|| {
        // SAFETY: forwarded from this function's contract.
        let builder = unsafe { handle_mut(builder, "builder") }?;
        // SAFETY: forwarded from this function's contract.
        let path = unsafe { input_path(path, path_len) }?;
        builder.history = Some(files::read(path)?);
        Ok(())
    })
}

/// Sets the largest input, in bytes, the engine accepts in one argument
/// (texts, JSON documents, snapshots); larger ones fail with
/// `INPUT_TOO_LARGE`. Default 64 MiB. `CONFIG` for 0.
///
/// # Safety
/// `builder` is a live builder.
#[no_mangle]
pub unsafe extern "C" fn custinsight_engine_builder_max_input_bytes(
    builder: *mut CustinsightEngineBuilder,
    max_input_bytes: usize,
) -> CustinsightStatus {
    with_boundary(|| {
        // SAFETY: forwarded from this function's contract.
        let builder = unsafe { handle_mut(builder, "builder") }?;
        if max_input_bytes == 0 {
            return Err(Failure::new(
                CustinsightStatus::Config,
                "max_input_bytes must be at least 1",
            ));
        }
        builder.max_input_bytes = max_input_bytes;
        Ok(())
    })
}

/// Builds an engine from what the builder holds (the builder stays usable
/// and must still be freed). Free the engine with `custinsight_engine_free`.
/// Errors: `CONFIG`, `SNAPSHOT_FORMAT`.
///
/// # Safety
/// `builder` is a live builder; `engine_out` is valid for a write.
#[no_mangle]
pub unsafe extern "C" fn custinsight_engine_builder_build(
    builder: *const CustinsightEngineBuilder,
    engine_out: *mut *mut CustinsightEngine,
) -> CustinsightStatus {
    with_boundary(|| {
        // SAFETY: forwarded from this function's contract.
        let builder = unsafe { handle_ref(builder, "builder") }?;
        let engine = build_engine(builder)?;
        // SAFETY: forwarded from this function's contract.
        unsafe { output_handle(engine, engine_out, "engine_out") }
    })
}

// ---------------------------------------------------------------------------
// Engine life cycle

fn default_builder() -> CustinsightEngineBuilder {
    CustinsightEngineBuilder {
        config: EngineConfig::default(),
        classifier: None,
        history: None,
        max_input_bytes: DEFAULT_MAX_INPUT_BYTES,
    }
}

/// Creates an engine with the default configuration and the built-in
/// classifier. Free it with `custinsight_engine_free`.
///
/// # Safety
/// `engine_out` is valid for a write.
#[no_mangle]
pub unsafe extern "C" fn custinsight_engine_new(
    engine_out: *mut *mut CustinsightEngine,
) -> CustinsightStatus {
    with_boundary(|| {
        let engine = build_engine(&default_builder())?;
        // SAFETY: forwarded from this function's contract.
        unsafe { output_handle(engine, engine_out, "engine_out") }
    })
}

/// Creates an engine from a configuration in JSON. Errors: `CONFIG` naming
/// the key.
///
/// # Safety
/// `json` points to `json_len` readable bytes; `engine_out` is valid for a
/// write.
#[no_mangle]
pub unsafe extern "C" fn custinsight_engine_from_config_json(
    json: *const c_char,
    json_len: usize,
    engine_out: *mut *mut CustinsightEngine,
) -> CustinsightStatus {
    with_boundary(|| {
        // SAFETY: forwarded from this function's contract.
        let json = unsafe { input_str(json, json_len, "json") }?;
        let mut builder = default_builder();
        builder.config = config_from_json(json)?;
        let engine = build_engine(&builder)?;
        // SAFETY: forwarded from this function's contract.
        unsafe { output_handle(engine, engine_out, "engine_out") }
    })
}

/// Creates an engine from a configuration file (TOML when the name ends in
/// `.toml`, JSON otherwise). Errors: `IO`, `CONFIG`.
///
/// # Safety
/// `path` points to `path_len` readable bytes; `engine_out` is valid for a
/// write.
#[no_mangle]
pub unsafe extern "C" fn custinsight_engine_from_config_file(
    path: *const c_char,
    path_len: usize,
    engine_out: *mut *mut CustinsightEngine,
) -> CustinsightStatus {
    with_boundary(|| {
        // SAFETY: forwarded from this function's contract.
        let path = unsafe { input_path(path, path_len) }?;
        let mut builder = default_builder();
        builder.config = config_from_file(path)?;
        let engine = build_engine(&builder)?;
        // SAFETY: forwarded from this function's contract.
        unsafe { output_handle(engine, engine_out, "engine_out") }
    })
}

/// Frees an engine. `NULL` is a no-op.
///
/// # Safety
/// `engine` is NULL or an engine not freed before, which no other thread is
/// using any more; strings it handed out in `custinsight_classification`
/// become invalid.
#[no_mangle]
pub unsafe extern "C" fn custinsight_engine_free(engine: *mut CustinsightEngine) {
    // SAFETY: forwarded from this function's contract.
    unsafe { free_handle(engine) }
}

/// Writes the engine's configuration, defaults included, as JSON: a
/// starting point for an operator's own file. Thread-safe.
///
/// # Safety
/// `engine` is a live engine; `out` and `out_len` are valid for writes.
#[no_mangle]
pub unsafe extern "C" fn custinsight_engine_config_json(
    engine: *const CustinsightEngine,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> CustinsightStatus {
    with_boundary(|| {
        // SAFETY: forwarded from this function's contract.
        let engine = unsafe { handle_ref(engine, "engine") }?;
        // SAFETY: forwarded from this function's contract.
        unsafe { output_json(engine.engine.config(), out, out_len) }
    })
}

// ---------------------------------------------------------------------------
// Classification

/// Classifies one complaint text (any UTF-8; Chinese, English, mixed) into
/// the typed `*classification_out`. The hot path: nothing is returned that
/// the caller must free. Thread-safe.
///
/// # Safety
/// `engine` is a live engine; `text` points to `text_len` readable bytes;
/// `classification_out` is valid for a write.
#[no_mangle]
pub unsafe extern "C" fn custinsight_engine_classify(
    engine: *const CustinsightEngine,
    text: *const c_char,
    text_len: usize,
    classification_out: *mut CustinsightClassification,
) -> CustinsightStatus {
    with_boundary(|| {
        // SAFETY: forwarded from this function's contract.
        let engine = unsafe { handle_ref(engine, "engine") }?;
        // SAFETY: forwarded from this function's contract.
        let text = unsafe { engine.text(text, text_len, "text") }?;
        let answer = engine.engine.classify(text);
        let index = engine
            .categories
            .iter()
            .position(|(code, _)| code.as_bytes() == answer.category.as_bytes())
            .ok_or_else(|| Failure::new(CustinsightStatus::Internal, "category not in the taxonomy"))?;
        let (code, work_group) = &engine.categories[index];
        let result = CustinsightClassification {
            category: code.as_ptr(),
            work_group: work_group.as_ptr(),
            category_index: index as u32,
            confidence: answer.confidence,
            severity: match answer.severity {
                Severity::Low => CustinsightSeverity::Low,
                Severity::Medium => CustinsightSeverity::Medium,
                Severity::High => CustinsightSeverity::High,
                Severity::Critical => CustinsightSeverity::Critical,
            },
            band: match answer.band {
                ConfidenceBand::Low => CustinsightConfidenceBand::Low,
                ConfidenceBand::Medium => CustinsightConfidenceBand::Medium,
                ConfidenceBand::High => CustinsightConfidenceBand::High,
            },
            signals: answer
                .signals
                .iter()
                .fold(0, |bits, hit| bits | signal_bit(hit.signal)),
            uncertain: answer.uncertain,
        };
        // SAFETY: forwarded from this function's contract.
        unsafe { output_value(result, classification_out, "classification_out") }
    })
}

/// Classifies one complaint text and writes the full answer as JSON
/// (category, confidence, band, work group, alternatives, signals with
/// their spans, severity, uncertain). Thread-safe.
///
/// # Safety
/// `engine` is a live engine; `text` points to `text_len` readable bytes;
/// `out` and `out_len` are valid for writes.
#[no_mangle]
pub unsafe extern "C" fn custinsight_engine_classify_json(
    engine: *const CustinsightEngine,
    text: *const c_char,
    text_len: usize,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> CustinsightStatus {
    with_boundary(|| {
        // SAFETY: forwarded from this function's contract.
        let engine = unsafe { handle_ref(engine, "engine") }?;
        // SAFETY: forwarded from this function's contract.
        let text = unsafe { engine.text(text, text_len, "text") }?;
        // SAFETY: forwarded from this function's contract.
        unsafe { output_json(&engine.engine.classify(text), out, out_len) }
    })
}

/// Classifies a JSON array of texts on all cores; writes a JSON array of
/// answers in input order. Thread-safe.
///
/// # Safety
/// `engine` is a live engine; `texts_json` points to `texts_json_len`
/// readable bytes; `out` and `out_len` are valid for writes.
#[no_mangle]
pub unsafe extern "C" fn custinsight_engine_classify_batch_json(
    engine: *const CustinsightEngine,
    texts_json: *const c_char,
    texts_json_len: usize,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> CustinsightStatus {
    with_boundary(|| {
        // SAFETY: forwarded from this function's contract.
        let engine = unsafe { handle_ref(engine, "engine") }?;
        // SAFETY: forwarded from this function's contract.
        let json = unsafe { engine.text(texts_json, texts_json_len, "texts_json") }?;
        let texts: Vec<String> = custinsight::from_json("texts", json)?;
        // SAFETY: forwarded from this function's contract.
        unsafe { output_json(&engine.engine.classify_batch(&texts), out, out_len) }
    })
}

// ---------------------------------------------------------------------------
// Complaint intake

/// # Safety
/// `json` points to `json_len` readable bytes.
unsafe fn complaint(
    engine: &CustinsightEngine,
    json: *const c_char,
    json_len: usize,
) -> Result<Complaint, Failure> {
    // SAFETY: forwarded from this function's contract.
    let json = unsafe { engine.text(json, json_len, "complaint_json") }?;
    Ok(custinsight::from_json("complaint", json)?)
}

/// A JSON array of complaints.
///
/// # Safety
/// `json` points to `json_len` readable bytes.
pub(crate) unsafe fn complaints(
    engine: &CustinsightEngine,
    json: *const c_char,
    json_len: usize,
) -> Result<Vec<Complaint>, Failure> {
    // SAFETY: forwarded from this function's contract.
    let json = unsafe { engine.text(json, json_len, "complaints_json") }?;
    Ok(custinsight::from_json("complaints", json)?)
}

/// Complaint intake: classifies the complaint's text, judges whether it
/// repeats an earlier complaint of the same customer, and remembers it.
/// Writes `{"classification": {...}, "repeat": {"outcome": "judged", "kind":
/// "new"|"repeat"|"second"|"duplicate", ...}}`.
///
/// A ticket id already remembered for the customer is a **status update**
/// (close, reopen): send the ticket again with its new `status` and
/// `closed_at`; the answer's `repeat` is then `{"outcome": "updated", "id":
/// ..., "status": ...}`. Errors: `INVALID_INPUT` naming the field; nothing
/// is remembered then. Thread-safe: concurrent intakes are serialised per
/// customer inside the engine.
///
/// # Safety
/// `engine` is a live engine; `complaint_json` points to
/// `complaint_json_len` readable bytes; `out` and `out_len` are valid for
/// writes.
#[no_mangle]
pub unsafe extern "C" fn custinsight_engine_intake_json(
    engine: *const CustinsightEngine,
    complaint_json: *const c_char,
    complaint_json_len: usize,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> CustinsightStatus {
    with_boundary(|| {
        // SAFETY: forwarded from this function's contract.
        let engine = unsafe { handle_ref(engine, "engine") }?;
        // SAFETY: forwarded from this function's contract.
        let complaint = unsafe { complaint(engine, complaint_json, complaint_json_len) }?;
        let answer = engine.engine.intake(&complaint)?;
        // SAFETY: forwarded from this function's contract.
        unsafe { output_json(&answer, out, out_len) }
    })
}

/// Like `custinsight_engine_intake_json` but only judges (for a preview on
/// an intake form): writes the repeat verdict; nothing is remembered.
/// Thread-safe.
///
/// # Safety
/// As `custinsight_engine_intake_json`.
#[no_mangle]
pub unsafe extern "C" fn custinsight_engine_check_json(
    engine: *const CustinsightEngine,
    complaint_json: *const c_char,
    complaint_json_len: usize,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> CustinsightStatus {
    with_boundary(|| {
        // SAFETY: forwarded from this function's contract.
        let engine = unsafe { handle_ref(engine, "engine") }?;
        // SAFETY: forwarded from this function's contract.
        let complaint = unsafe { complaint(engine, complaint_json, complaint_json_len) }?;
        let verdict = engine.engine.check(&complaint)?;
        // SAFETY: forwarded from this function's contract.
        unsafe { output_json(&verdict, out, out_len) }
    })
}

/// `custinsight_engine_check_json` of a JSON array of complaints (a queue
/// of intake previews, a nightly list of open tickets): writes a JSON array
/// of verdicts in input order. Faster than checking one by one against a
/// large history: the texts are classified on all cores, then the checks
/// read the history side by side. Nothing is remembered. Errors:
/// `INVALID_INPUT` naming the row and field of the first bad complaint.
/// Thread-safe.
///
/// # Safety
/// `engine` is a live engine; `complaints_json` points to
/// `complaints_json_len` readable bytes; `out` and `out_len` are valid for
/// writes.
#[no_mangle]
pub unsafe extern "C" fn custinsight_engine_check_many_json(
    engine: *const CustinsightEngine,
    complaints_json: *const c_char,
    complaints_json_len: usize,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> CustinsightStatus {
    with_boundary(|| {
        // SAFETY: forwarded from this function's contract.
        let engine = unsafe { handle_ref(engine, "engine") }?;
        // SAFETY: forwarded from this function's contract.
        let complaints = unsafe { complaints(engine, complaints_json, complaints_json_len) }?;
        let verdicts = engine.engine.check_many(&complaints)?;
        // SAFETY: forwarded from this function's contract.
        unsafe { output_json(&verdicts, out, out_len) }
    })
}

/// Labels a whole data set (a JSON array of complaints, any order) as if
/// the complaints had arrived in time order, against a fresh history (the
/// engine's own is neither used nor changed). Writes a JSON array of intake
/// outcomes in input order. Errors: `INVALID_INPUT` naming the row and
/// field. Thread-safe.
///
/// # Safety
/// `engine` is a live engine; `complaints_json` points to
/// `complaints_json_len` readable bytes; `out` and `out_len` are valid for
/// writes.
#[no_mangle]
pub unsafe extern "C" fn custinsight_engine_label_batch_json(
    engine: *const CustinsightEngine,
    complaints_json: *const c_char,
    complaints_json_len: usize,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> CustinsightStatus {
    with_boundary(|| {
        // SAFETY: forwarded from this function's contract.
        let engine = unsafe { handle_ref(engine, "engine") }?;
        // SAFETY: forwarded from this function's contract.
        let complaints = unsafe { complaints(engine, complaints_json, complaints_json_len) }?;
        let labels = engine.engine.label_batch(&complaints)?;
        // SAFETY: forwarded from this function's contract.
        unsafe { output_json(&labels, out, out_len) }
    })
}

/// Writes a customer's repeat and escalation counters over the window
/// before `now_unix_seconds` as JSON. `customer_id` or `phone` may be NULL
/// (not both). Thread-safe.
///
/// # Safety
/// `engine` is a live engine; `customer_id` and `phone` are NULL or point to
/// their lengths in readable bytes; `out` and `out_len` are valid for writes.
#[no_mangle]
pub unsafe extern "C" fn custinsight_engine_customer_counters_json(
    engine: *const CustinsightEngine,
    customer_id: *const c_char,
    customer_id_len: usize,
    phone: *const c_char,
    phone_len: usize,
    now_unix_seconds: i64,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> CustinsightStatus {
    with_boundary(|| {
        // SAFETY: forwarded from this function's contract.
        let engine = unsafe { handle_ref(engine, "engine") }?;
        let customer_id = if customer_id.is_null() {
            None
        } else {
            // SAFETY: forwarded from this function's contract.
            Some(unsafe { engine.text(customer_id, customer_id_len, "customer_id") }?)
        };
        let phone = if phone.is_null() {
            None
        } else {
            // SAFETY: forwarded from this function's contract.
            Some(unsafe { engine.text(phone, phone_len, "phone") }?)
        };
        let counters = engine
            .engine
            .customer_counters(customer_id, phone, at(now_unix_seconds)?)?;
        // SAFETY: forwarded from this function's contract.
        unsafe { output_json(&counters, out, out_len) }
    })
}

// ---------------------------------------------------------------------------
// History

/// Writes the number of complaints remembered to `*len_out`. Thread-safe.
///
/// # Safety
/// `engine` is a live engine; `len_out` is valid for a write.
#[no_mangle]
pub unsafe extern "C" fn custinsight_engine_history_len(
    engine: *const CustinsightEngine,
    len_out: *mut usize,
) -> CustinsightStatus {
    with_boundary(|| {
        // SAFETY: forwarded from this function's contract.
        let engine = unsafe { handle_ref(engine, "engine") }?;
        // SAFETY: forwarded from this function's contract.
        unsafe { output_value(engine.engine.history_len(), len_out, "len_out") }
    })
}

/// Forgets complaints older than the repeat window before
/// `now_unix_seconds`; writes how many were dropped. Thread-safe.
///
/// # Safety
/// `engine` is a live engine; `dropped_out` is valid for a write.
#[no_mangle]
pub unsafe extern "C" fn custinsight_engine_compact_history(
    engine: *const CustinsightEngine,
    now_unix_seconds: i64,
    dropped_out: *mut usize,
) -> CustinsightStatus {
    with_boundary(|| {
        // SAFETY: forwarded from this function's contract.
        let engine = unsafe { handle_ref(engine, "engine") }?;
        let now = at(now_unix_seconds)?;
        if dropped_out.is_null() {
            return Err(Failure::new(
                CustinsightStatus::NullArgument,
                "dropped_out is NULL",
            ));
        }
        let dropped = engine.engine.compact_history(now);
        // SAFETY: forwarded from this function's contract.
        unsafe { output_value(dropped, dropped_out, "dropped_out") }
    })
}

/// Writes a versioned, checksummed snapshot of the complaint history to
/// `*out` (free with `custinsight_bytes_free(out, out_len)`); restore it with
/// `custinsight_engine_builder_history_snapshot`. Thread-safe (intakes may go
/// on meanwhile).
///
/// # Safety
/// `engine` is a live engine; `out` and `out_len` are valid for writes.
#[no_mangle]
pub unsafe extern "C" fn custinsight_engine_snapshot_history(
    engine: *const CustinsightEngine,
    out: *mut *mut u8,
    out_len: *mut usize,
) -> CustinsightStatus {
    with_boundary(|| {
        // SAFETY: forwarded from this function's contract.
        let engine = unsafe { handle_ref(engine, "engine") }?;
        require_outputs(out, out_len)?;
        // SAFETY: forwarded from this function's contract.
        unsafe { output_bytes(engine.engine.snapshot_history(), out, out_len) }
    })
}

/// Writes a snapshot of the complaint history to the file at `path`,
/// atomically: a crash at any point leaves the previous file intact.
/// Restore with `custinsight_engine_builder_history_file`. Errors: `IO`
/// naming the path. Thread-safe, but two concurrent calls for the same
/// path race for which snapshot stays.
///
/// # Safety
/// `engine` is a live engine; `path` points to `path_len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn custinsight_engine_snapshot_history_file(
    engine: *const CustinsightEngine,
    path: *const c_char,
    path_len: usize,
) -> CustinsightStatus {
    with_boundary(|| {
        // SAFETY: forwarded from this function's contract.
        let engine = unsafe { handle_ref(engine, "engine") }?;
        // SAFETY: forwarded from this function's contract.
        let path = unsafe { input_path(path, path_len) }?;
        files::write_atomically(path, &engine.engine.snapshot_history())
    })
}

// ---------------------------------------------------------------------------
// Pop-up and audit

/// The call pop-up for one customer profile (JSON, as built by the profile
/// builder) at `now_unix_seconds`: ranked opportunities with evidence and
/// scripts, and the predicted call intents, as JSON. Errors:
/// `INVALID_INPUT` naming the profile field. Thread-safe.
///
/// # Safety
/// `engine` is a live engine; `profile_json` points to `profile_json_len`
/// readable bytes; `out` and `out_len` are valid for writes.
#[no_mangle]
pub unsafe extern "C" fn custinsight_engine_pop_up_json(
    engine: *const CustinsightEngine,
    profile_json: *const c_char,
    profile_json_len: usize,
    now_unix_seconds: i64,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> CustinsightStatus {
    with_boundary(|| {
        // SAFETY: forwarded from this function's contract.
        let engine = unsafe { handle_ref(engine, "engine") }?;
        // SAFETY: forwarded from this function's contract.
        let json = unsafe { engine.text(profile_json, profile_json_len, "profile_json") }?;
        let profile = CustomerProfile::from_json(json)?;
        let popup = engine.engine.pop_up(&profile, at(now_unix_seconds)?);
        // SAFETY: forwarded from this function's contract.
        unsafe { output_string(popup.to_json(), out, out_len) }
    })
}

/// Pop-ups for a JSON array of profiles, on all cores; a JSON array in input
/// order. Errors: `INVALID_INPUT` naming the row and field. Thread-safe.
///
/// # Safety
/// As `custinsight_engine_pop_up_json`.
#[no_mangle]
pub unsafe extern "C" fn custinsight_engine_pop_up_batch_json(
    engine: *const CustinsightEngine,
    profiles_json: *const c_char,
    profiles_json_len: usize,
    now_unix_seconds: i64,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> CustinsightStatus {
    with_boundary(|| {
        // SAFETY: forwarded from this function's contract.
        let engine = unsafe { handle_ref(engine, "engine") }?;
        // SAFETY: forwarded from this function's contract.
        let json = unsafe { engine.text(profiles_json, profiles_json_len, "profiles_json") }?;
        let profiles: Vec<CustomerProfile> = custinsight::from_json("profiles", json)?;
        for (i, profile) in profiles.iter().enumerate() {
            profile.validate().map_err(|err| err.within(&format!("[{i}]")))?;
        }
        let popups = engine.engine.pop_up_batch(&profiles, at(now_unix_seconds)?);
        // SAFETY: forwarded from this function's contract.
        unsafe { output_json(&popups, out, out_len) }
    })
}

/// Cross-system audit of one customer (`{"customer_id", "crm", "network",
/// "billing"}`): writes a JSON array of findings. Thread-safe.
///
/// # Safety
/// `engine` is a live engine; `input_json` points to `input_json_len`
/// readable bytes; `out` and `out_len` are valid for writes.
#[no_mangle]
pub unsafe extern "C" fn custinsight_engine_audit_json(
    engine: *const CustinsightEngine,
    input_json: *const c_char,
    input_json_len: usize,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> CustinsightStatus {
    with_boundary(|| {
        // SAFETY: forwarded from this function's contract.
        let engine = unsafe { handle_ref(engine, "engine") }?;
        // SAFETY: forwarded from this function's contract.
        let json = unsafe { engine.text(input_json, input_json_len, "input_json") }?;
        let input: AuditInput = custinsight::from_json("audit input", json)?;
        // SAFETY: forwarded from this function's contract.
        unsafe { output_json(&engine.engine.audit(&input), out, out_len) }
    })
}

/// Audit of a JSON array of customers, on all cores: a JSON array of
/// reports in input order. Thread-safe.
///
/// # Safety
/// As `custinsight_engine_audit_json`.
#[no_mangle]
pub unsafe extern "C" fn custinsight_engine_audit_batch_json(
    engine: *const CustinsightEngine,
    inputs_json: *const c_char,
    inputs_json_len: usize,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> CustinsightStatus {
    with_boundary(|| {
        // SAFETY: forwarded from this function's contract.
        let engine = unsafe { handle_ref(engine, "engine") }?;
        // SAFETY: forwarded from this function's contract.
        let json = unsafe { engine.text(inputs_json, inputs_json_len, "inputs_json") }?;
        let inputs: Vec<AuditInput> = custinsight::from_json("audit inputs", json)?;
        // SAFETY: forwarded from this function's contract.
        unsafe { output_json(&engine.engine.audit_batch(&inputs), out, out_len) }
    })
}
