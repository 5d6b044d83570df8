//! Batch labelling for nightly jobs: a whole data set labelled against a
//! fresh history, answered as an array of fixed-size rows (no JSON to parse
//! back) and the batch's carrier KPIs.

use std::ffi::{c_char, CString};

use custinsight::repeat::{BatchLabels, RepeatKind};
use custinsight::Complaint;

use crate::boundary::{
    free_handle, handle_ref, output_borrowed, output_handle, output_value, with_boundary, Failure,
};
use crate::engine::{complaints, CustinsightEngine};
use crate::status::CustinsightStatus;

/// What a batch row was labelled.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustinsightBatchKind {
    /// A status update of a ticket given earlier (in time order) in the
    /// batch: not judged.
    Updated = 0,
    /// No earlier complaint of this customer on this issue in the window.
    New = 1,
    /// 重复投诉: an earlier one is still open.
    Repeat = 2,
    /// 二次投诉: every earlier one is closed.
    Second = 3,
    /// The same ticket dispatched twice within the de-duplication interval.
    Duplicate = 4,
}

/// No row: `custinsight_batch_label.matched_row` of a new complaint.
pub const CUSTINSIGHT_NO_ROW: u32 = u32::MAX;

/// One row's label. Rows are numbered from 0 in input order.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CustinsightBatchLabel {
    /// What the row was labelled.
    pub kind: CustinsightBatchKind,
    /// Whether the complaint escalated (false for an update).
    pub escalated: bool,
    /// Repeat complaints of this customer on this issue in the window,
    /// this one included (0 for an update).
    pub repeat_count: u32,
    /// The row of the most relevant earlier complaint (the ticket a
    /// duplicate links to; for an update, the ticket it updates), or
    /// `CUSTINSIGHT_NO_ROW`.
    pub matched_row: u32,
    /// The row of the ticket that opened the issue thread: the row itself
    /// when it is new.
    pub thread_row: u32,
    /// The level-2 category the row was judged under, as a number for
    /// `custinsight_batch_labels_category` (from 1); 0 when it was compared
    /// by text alone, or is an update.
    pub category: u16,
}

/// A labelled batch: its rows, the category codes they number and the
/// carrier KPIs. Made by `custinsight_engine_label_batch`, freed by
/// `custinsight_batch_labels_free`.
///
/// Thread safety: immutable; safe to read from many threads at once.
pub struct CustinsightBatchLabels {
    rows: Vec<CustinsightBatchLabel>,
    categories: Vec<CString>,
    summary_json: CString,
}

fn kind_of(kind: Option<RepeatKind>) -> CustinsightBatchKind {
    match kind {
        None => CustinsightBatchKind::Updated,
        Some(RepeatKind::New) => CustinsightBatchKind::New,
        Some(RepeatKind::Repeat) => CustinsightBatchKind::Repeat,
        Some(RepeatKind::Second) => CustinsightBatchKind::Second,
        Some(RepeatKind::Duplicate) => CustinsightBatchKind::Duplicate,
    }
}

fn c_string(text: String, what: &str) -> Result<CString, Failure> {
    CString::new(text).map_err(|_| {
        Failure::new(
            CustinsightStatus::InvalidInput,
            format!("{what} contains a NUL byte"),
        )
    })
}

impl CustinsightBatchLabels {
    fn new(
        batch: BatchLabels,
        complaints: &[Complaint],
        customer_base: Option<u64>,
    ) -> Result<Self, Failure> {
        let summary = batch.summarize(complaints, customer_base)?;
        let summary_json = serde_json::to_string(&summary)
            .map_err(|err| Failure::new(CustinsightStatus::Internal, err.to_string()))?;
        let rows = batch
            .labels
            .iter()
            .map(|label| CustinsightBatchLabel {
                kind: kind_of(label.kind),
                escalated: label.escalated,
                repeat_count: label.repeat_count,
                matched_row: label.matched.unwrap_or(CUSTINSIGHT_NO_ROW),
                thread_row: label.thread,
                category: label.category,
            })
            .collect();
        let categories = batch
            .categories
            .into_iter()
            .map(|code| c_string(code, "a category code"))
            .collect::<Result<_, _>>()?;
        Ok(CustinsightBatchLabels {
            rows,
            categories,
            summary_json: c_string(summary_json, "the summary")?,
        })
    }
}

/// Labels a whole data set (a JSON array of complaints, any order) as if
/// the complaints had arrived in time order, against a fresh history (the
/// engine's own is neither used nor changed), and computes its carrier
/// KPIs. `customer_base` is the number of customers for the
/// complaints-per-10-thousand figure, 0 when unknown. The same verdicts as
/// `custinsight_engine_label_batch_json`, as fixed-size rows. Errors:
/// `INVALID_INPUT` naming the row and field. Thread-safe.
///
/// # Safety
/// `engine` is a live engine; `complaints_json` points to
/// `complaints_json_len` readable bytes; `out` is valid for writes.
#[no_mangle]
pub unsafe extern "C" fn custinsight_engine_label_batch(
    engine: *const CustinsightEngine,
    complaints_json: *const c_char,
    complaints_json_len: usize,
    customer_base: u64,
    out: *mut *mut CustinsightBatchLabels,
) -> CustinsightStatus {
    with_boundary(|| {
        // SAFETY: forwarded from this function's contract.
        let engine = unsafe { handle_ref(engine, "engine") }?;
        // SAFETY: forwarded from this function's contract.
        let complaints = unsafe { complaints(engine, complaints_json, complaints_json_len) }?;
        let batch = engine.engine.label_batch_compact(&complaints)?;
        let labels =
            CustinsightBatchLabels::new(batch, &complaints, (customer_base > 0).then_some(customer_base))?;
        // SAFETY: forwarded from this function's contract.
        unsafe { output_handle(labels, out, "out") }
    })
}

/// Writes a pointer to the batch's rows (one per complaint, in input order)
/// and their number. The rows belong to `labels` and live until it is freed.
///
/// # Safety
/// `labels` is a live batch; `rows` and `len` are valid for writes.
#[no_mangle]
pub unsafe extern "C" fn custinsight_batch_labels_rows(
    labels: *const CustinsightBatchLabels,
    rows: *mut *const CustinsightBatchLabel,
    len: *mut usize,
) -> CustinsightStatus {
    with_boundary(|| {
        // SAFETY: forwarded from this function's contract.
        let labels = unsafe { handle_ref(labels, "labels") }?;
        // SAFETY: forwarded from this function's contract.
        unsafe { output_borrowed(labels.rows.as_ptr(), labels.rows.len(), rows, len) }
    })
}

/// Writes the level-2 category code that `category` (a row's `category`)
/// numbers, as a NUL-terminated string that belongs to `labels`; `NULL` for
/// 0. Errors: `INVALID_INPUT` when no category has that number.
///
/// # Safety
/// `labels` is a live batch; `code` is valid for writes.
#[no_mangle]
pub unsafe extern "C" fn custinsight_batch_labels_category(
    labels: *const CustinsightBatchLabels,
    category: u16,
    code: *mut *const c_char,
) -> CustinsightStatus {
    with_boundary(|| {
        // SAFETY: forwarded from this function's contract.
        let labels = unsafe { handle_ref(labels, "labels") }?;
        let found = match usize::from(category).checked_sub(1) {
            None => std::ptr::null(),
            Some(index) => labels
                .categories
                .get(index)
                .ok_or_else(|| {
                    Failure::new(
                        CustinsightStatus::InvalidInput,
                        format!(
                            "category {category} is not in this batch, which numbers {} categories from 1",
                            labels.categories.len()
                        ),
                    )
                })?
                .as_ptr(),
        };
        // SAFETY: forwarded from this function's contract.
        unsafe { output_value(found, code, "code") }
    })
}

/// Writes the batch's carrier KPIs (repeat, second-complaint and escalation
/// rates, complaints per 10 thousand customers, by category, channel and
/// month) as a NUL-terminated JSON object that belongs to `labels`, and its
/// length.
///
/// # Safety
/// `labels` is a live batch; `json` and `len` are valid for writes.
#[no_mangle]
pub unsafe extern "C" fn custinsight_batch_labels_summary_json(
    labels: *const CustinsightBatchLabels,
    json: *mut *const c_char,
    len: *mut usize,
) -> CustinsightStatus {
    with_boundary(|| {
        // SAFETY: forwarded from this function's contract.
        let labels = unsafe { handle_ref(labels, "labels") }?;
        let summary = &labels.summary_json;
        // SAFETY: forwarded from this function's contract.
        unsafe { output_borrowed(summary.as_ptr(), summary.as_bytes().len(), json, len) }
    })
}

/// Frees a labelled batch. `NULL` is a no-op.
///
/// # Safety
/// `labels` is `NULL` or a batch from `custinsight_engine_label_batch` not
/// freed before; its rows and strings are invalid afterwards.
#[no_mangle]
pub unsafe extern "C" fn custinsight_batch_labels_free(labels: *mut CustinsightBatchLabels) {
    // SAFETY: forwarded from this function's contract.
    unsafe { free_handle(labels) }
}
