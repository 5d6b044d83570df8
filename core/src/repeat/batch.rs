//! Batch labelling of whole data sets, and the carrier KPIs over them.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::hash::BuildHasher as _;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::config::{RepeatConfig, Resolved};
use super::history::{
    find_root, judge_into, new_record, prepare, prepare_batch_row, sign, verdict_of, Facts, History,
    Judgement, Match, Prepared, Record, Span, NONE,
};
use super::verdict::{Intake, RepeatKind};
use super::Categorize;
use crate::channel::Channel;
use crate::complaint::{Complaint, ComplaintRef, ComplaintRows};
use crate::error::{Error, Result};
use crate::taxonomy::{level1, validate_category_code};

/// Labels a whole data set as if its complaints had arrived one by one in
/// time order at a fresh [`RepeatDetector`](super::RepeatDetector): the
/// result for each complaint equals what streaming intake in that order
/// would answer. Complaints received at the same instant are taken in
/// ticket-id order, so the result does not depend on the order of
/// `complaints`; a row repeating a ticket id already seen for the customer is
/// a status update ([`Intake::Updated`]), as in streaming.
///
/// Returns one [`Intake`] per complaint, in the order given. Customers are
/// labelled in parallel (rayon); the output is deterministic.
/// [`label_batch_compact`] gives the same answers as plain numbers, several
/// times faster, for callers that build columns.
///
/// # Errors
/// [`Error::Config`] for an invalid configuration; [`Error::InvalidField`]
/// for the first invalid complaint, its field prefixed with
/// `complaints[index]`.
///
/// # Examples
///
/// ```
/// use custinsight::repeat::{label_batch, RepeatConfig, RepeatKind};
/// use custinsight::Complaint;
/// let rows: Vec<Complaint> = [
///     r#"{"id": "B", "customer_id": "C1", "received_at": "2026-11-05T00:00:00Z",
///         "channel": "app", "category": "billing.refund", "status": "open"}"#,
///     r#"{"id": "A", "customer_id": "C1", "received_at": "2026-11-01T00:00:00Z",
///         "channel": "app", "category": "billing.refund", "status": "closed",
///         "closed_at": "2026-11-02T00:00:00Z"}"#,
/// ]
/// .iter()
/// .map(|json| custinsight::from_json("complaint", json).unwrap())
/// .collect();
/// let labels = label_batch(&RepeatConfig::default(), None, &rows)?;
/// assert_eq!(labels[0].verdict().unwrap().kind, RepeatKind::Second);
/// assert_eq!(labels[1].verdict().unwrap().kind, RepeatKind::New);
/// # Ok::<(), custinsight::Error>(())
/// ```
pub fn label_batch(
    config: &RepeatConfig,
    categorizer: Option<&dyn Categorize>,
    complaints: &[Complaint],
) -> Result<Vec<Intake>> {
    Ok(run_batch::<FullLabels, _>(config, categorizer, complaints)?.0)
}

/// The label of one row of a batch, as plain numbers: what
/// [`label_batch_compact`] answers. Rows are indices into the batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompactLabel {
    /// The verdict's kind; `None` when the row is a status update of a ticket
    /// given earlier (in time order) in the batch.
    pub kind: Option<RepeatKind>,
    /// The verdict's escalated flag (false for a status update).
    pub escalated: bool,
    /// The verdict's repeat count (0 for a status update).
    pub repeat_count: u32,
    /// The row of the most relevant matched prior: the first of the verdict's
    /// `matched`, the ticket a duplicate links to. For a status update, the
    /// row of the ticket it updates.
    pub matched: Option<u32>,
    /// The row of the ticket that opened the issue thread: the row itself
    /// when it is new.
    pub thread: u32,
    /// The level-2 category the row was judged under (given or
    /// categorised), as a number into [`BatchLabels::categories`] counted
    /// from 1; 0 when it was compared by text alone, or is a status update.
    pub category: u16,
}

/// What [`label_batch_compact`] answers: a label per complaint, and the
/// category codes the labels number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchLabels {
    /// One label per complaint, in the order given.
    pub labels: Vec<CompactLabel>,
    /// The distinct level-2 category codes of the batch, sorted; label
    /// category `n` is `categories[n - 1]`.
    pub categories: Vec<String>,
}

impl BatchLabels {
    /// The level-2 category a label was judged under.
    pub fn category(&self, label: &CompactLabel) -> Option<&str> {
        let index = usize::from(label.category).checked_sub(1)?;
        self.categories.get(index).map(String::as_str)
    }

    /// The carrier KPIs of the labelled batch, as [`summarize`] gives them.
    ///
    /// # Errors
    /// As [`summarize`].
    pub fn summarize(&self, complaints: &[Complaint], customer_base: Option<u64>) -> Result<BatchSummary> {
        self.summarize_of(complaints, customer_base)
    }

    /// [`BatchLabels::summarize`] of the rows of a columnar store (as
    /// [`label_batch_compact_rows`] labels them).
    ///
    /// # Errors
    /// As [`summarize`].
    pub fn summarize_rows(
        &self,
        rows: &dyn ComplaintRows,
        customer_base: Option<u64>,
    ) -> Result<BatchSummary> {
        self.summarize_of(rows, customer_base)
    }

    fn summarize_of<R: ComplaintRows + ?Sized>(
        &self,
        complaints: &R,
        customer_base: Option<u64>,
    ) -> Result<BatchSummary> {
        if complaints.count() != self.labels.len() {
            return Err(Error::invalid(
                "labels",
                format!(
                    "{} labels for {} complaints",
                    self.labels.len(),
                    complaints.count()
                ),
            ));
        }
        let judged = self.labels.iter().map(|label| {
            let kind = label.kind?;
            Some((kind, label.escalated, self.category(label)))
        });
        summarize_judged(complaints, judged, customer_base)
    }
}

/// [`label_batch`] as plain numbers: the same verdicts, without building the
/// strings of every [`Verdict`](super::Verdict). For data frames, exports
/// and summaries over millions of rows.
///
/// # Errors
/// As [`label_batch`].
///
/// # Examples
///
/// ```
/// use custinsight::repeat::{label_batch_compact, RepeatConfig, RepeatKind};
/// use custinsight::Complaint;
/// let rows: Vec<Complaint> = [
///     r#"{"id": "B", "customer_id": "C1", "received_at": "2026-11-05T00:00:00Z",
///         "channel": "app", "category": "billing.refund", "status": "open"}"#,
///     r#"{"id": "A", "customer_id": "C1", "received_at": "2026-11-01T00:00:00Z",
///         "channel": "app", "category": "billing.refund", "status": "closed",
///         "closed_at": "2026-11-02T00:00:00Z"}"#,
/// ]
/// .iter()
/// .map(|json| custinsight::from_json("complaint", json).unwrap())
/// .collect();
/// let batch = label_batch_compact(&RepeatConfig::default(), None, &rows)?;
/// let labels = &batch.labels;
/// assert_eq!(labels[0].kind, Some(RepeatKind::Second));
/// assert_eq!(labels[0].matched, Some(1)); // row 1, ticket A
/// assert_eq!(labels[0].thread, 1);
/// assert_eq!(batch.category(&labels[0]), Some("billing.refund"));
/// assert_eq!(labels[1].kind, Some(RepeatKind::New));
/// assert_eq!(batch.summarize(&rows, None)?.overall.seconds, 1);
/// # Ok::<(), custinsight::Error>(())
/// ```
pub fn label_batch_compact(
    config: &RepeatConfig,
    categorizer: Option<&dyn Categorize>,
    complaints: &[Complaint],
) -> Result<BatchLabels> {
    let (labels, categories) = run_batch::<CompactLabels, _>(config, categorizer, complaints)?;
    Ok(BatchLabels { labels, categories })
}

/// [`label_batch_compact`] of the rows of any [`ComplaintRows`] store: the
/// columns of a data frame, say, read in place with no [`Complaint`] built
/// per row. The same verdicts as for the same complaints in a slice.
///
/// # Errors
/// As [`label_batch`].
///
/// # Examples
///
/// ```
/// use custinsight::repeat::{label_batch_compact_rows, RepeatConfig, RepeatKind};
/// use custinsight::{Channel, ComplaintRef, ComplaintRows, ComplaintStatus};
///
/// /// Two complaints of one customer, held as columns.
/// struct Columns {
///     ids: Vec<String>,
///     received_at: Vec<chrono::DateTime<chrono::Utc>>,
/// }
///
/// impl ComplaintRows for Columns {
///     fn count(&self) -> usize {
///         self.ids.len()
///     }
///
///     fn row(&self, row: usize) -> ComplaintRef<'_> {
///         ComplaintRef {
///             id: &self.ids[row],
///             customer_id: Some("C1"),
///             phone: None,
///             received_at: self.received_at[row],
///             channel: Channel::Hotline,
///             category: Some("broadband.outage"),
///             text: None,
///             status: ComplaintStatus::Open,
///             closed_at: None,
///             signals: &[],
///         }
///     }
/// }
///
/// let columns = Columns {
///     ids: vec!["T2".into(), "T1".into()],
///     received_at: vec!["2026-11-03T09:00:00Z".parse()?, "2026-11-01T09:00:00Z".parse()?],
/// };
/// let batch = label_batch_compact_rows(&RepeatConfig::default(), None, &columns)?;
/// assert_eq!(batch.labels[0].kind, Some(RepeatKind::Repeat)); // T1 is still open
/// assert_eq!(batch.labels[0].matched, Some(1));
/// assert_eq!(batch.summarize_rows(&columns, None)?.overall.repeats, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn label_batch_compact_rows(
    config: &RepeatConfig,
    categorizer: Option<&dyn Categorize>,
    rows: &dyn ComplaintRows,
) -> Result<BatchLabels> {
    let (labels, categories) = run_batch::<CompactLabels, _>(config, categorizer, rows)?;
    Ok(BatchLabels { labels, categories })
}

/// What a batch answers per row: [`Intake`]s or [`CompactLabel`]s, built
/// from the one judging rule.
trait Labels {
    type Label: Send;

    fn judged<R: ComplaintRows + ?Sized>(judged: Judged<'_, '_, R>) -> Self::Label;

    fn updated(complaint: ComplaintRef<'_>, original_row: u32, thread_row: u32) -> Self::Label;

    /// The labels in row order, from labels beside their rows.
    fn in_row_order(slots: Vec<Slot<Self::Label>>) -> Vec<Self::Label> {
        scatter(slots)
    }
}

/// A judged row, with everything either kind of label is built from.
struct Judged<'r, 'a, R: ComplaintRows + ?Sized> {
    history: &'r RunHistory<'r, 'a, R>,
    received_ms: i64,
    judgement: &'r Judgement,
    matches: &'r [Match],
    row: u32,
    matched_row: Option<u32>,
    thread_row: u32,
    /// The interned level-2 category.
    category: u16,
}

enum FullLabels {}

impl Labels for FullLabels {
    type Label = Intake;

    fn judged<R: ComplaintRows + ?Sized>(judged: Judged<'_, '_, R>) -> Intake {
        let strings = judged.history.strings;
        let subject = (
            strings.id(judged.row),
            strings.category(judged.row as usize),
            judged.received_ms,
        );
        Intake::Judged(verdict_of(
            judged.history,
            subject,
            judged.judgement,
            judged.matches,
        ))
    }

    fn updated(complaint: ComplaintRef<'_>, _: u32, _: u32) -> Intake {
        Intake::Updated {
            id: complaint.id.to_owned(),
            status: complaint.status,
        }
    }
}

enum CompactLabels {}

impl Labels for CompactLabels {
    type Label = CompactLabel;

    fn judged<R: ComplaintRows + ?Sized>(judged: Judged<'_, '_, R>) -> CompactLabel {
        debug_assert!(judged.matched_row.is_some() || judged.thread_row == judged.row);
        CompactLabel {
            kind: Some(judged.judgement.kind),
            escalated: judged.judgement.escalated,
            repeat_count: judged.judgement.repeat_count,
            matched: judged.matched_row,
            thread: judged.thread_row,
            category: judged.category,
        }
    }

    /// Small labels are gathered in parallel rather than scattered.
    fn in_row_order(slots: Vec<Slot<CompactLabel>>) -> Vec<CompactLabel> {
        // The slot of each row, found on every core: each row has one slot,
        // so the stores never race for a place.
        let position: Vec<AtomicU32> = (0..slots.len()).map(|_| AtomicU32::new(0)).collect();
        slots.par_iter().enumerate().for_each(|(at, slot)| {
            position[slot.row as usize].store(at as u32, Ordering::Relaxed);
        });
        position
            .into_par_iter()
            .map(|at| {
                slots[at.into_inner() as usize]
                    .label
                    .expect("every row is labelled")
            })
            .collect()
    }

    fn updated(_: ComplaintRef<'_>, original_row: u32, thread_row: u32) -> CompactLabel {
        CompactLabel {
            kind: None,
            escalated: false,
            repeat_count: 0,
            matched: Some(original_row),
            thread: thread_row,
            category: 0,
        }
    }
}

/// Validates, groups the rows by final customer, and replays each
/// customer's rows in time order (in parallel over customers).
fn run_batch<'a, L: Labels, R: ComplaintRows + ?Sized>(
    config: &RepeatConfig,
    categorizer: Option<&dyn Categorize>,
    complaints: &'a R,
) -> Result<(Vec<L::Label>, Vec<String>)> {
    config.validate()?;
    let resolved = Resolved::new(config);
    if complaints.count() >= u32::MAX as usize {
        return Err(Error::invalid(
            "complaints",
            "4294967295 or more complaints in one batch",
        ));
    }
    // Category codes are checked once per distinct code, below; a failing
    // row is prepared again with every check to report its first error.
    let prepare_row = |complaint: &ComplaintRef<'a>, every_check: bool| -> Result<Prepared<'a>> {
        let prepared = if every_check {
            prepare(complaint, categorizer)?
        } else {
            prepare_batch_row(complaint, categorizer)?
        };
        prepared.require_issue()?;
        Ok(prepared)
    };
    // Each task prepares a chunk of rows, numbers their categories and
    // builds their customer-id keys while the complaints are in cache; a
    // failed row leaves a placeholder and its index, and the first failure
    // is reported.
    let first_failure = AtomicUsize::new(usize::MAX);
    let count = complaints.count();
    let prepare_chunk = |chunk: usize| {
        let first = chunk * ROW_CHUNK;
        let len = ROW_CHUNK.min(count - first);
        let mut rows = Vec::with_capacity(len);
        let mut keys = Vec::with_capacity(len);
        let mut categorized = Vec::with_capacity(if categorizer.is_some() { len } else { 0 });
        let mut numbers = ChunkCategories::default();
        for index in first..first + len {
            let prepared = prepare_row(&complaints.row(index), false).unwrap_or_else(|_| {
                first_failure.fetch_min(index, Ordering::Relaxed);
                Prepared::placeholder()
            });
            // A categorised code is copied once a chunk, when first seen.
            let category = match &prepared.category {
                None => 0,
                Some(code) => numbers.get(code).unwrap_or_else(|| numbers.add(code.clone())),
            };
            rows.push(BatchRow {
                facts: prepared.facts,
                category: (category, 0),
                nodes: [NO_NODE; 2],
                phone: prepared.phone.unwrap_or(NO_PHONE),
            });
            keys.push(id_key(prepared.customer_id, index as u32, hash_id));
            if categorizer.is_some() {
                categorized.push(match prepared.category {
                    Some(Cow::Owned(code)) => Some(code),
                    _ => None,
                });
            }
        }
        PreparedChunk {
            rows,
            keys,
            categorized,
            codes: numbers.into_codes(),
        }
    };
    let chunks: Vec<PreparedChunk<'a>> = (0..count.div_ceil(ROW_CHUNK))
        .into_par_iter()
        .map(prepare_chunk)
        .collect();
    let mut rows = BatchRows {
        chunks: Vec::with_capacity(chunks.len()),
    };
    let mut keys = Vec::with_capacity(chunks.len());
    let mut categorized = Vec::new();
    let mut local_codes = Vec::with_capacity(chunks.len());
    for chunk in chunks {
        rows.chunks.push(chunk.rows);
        keys.push(chunk.keys);
        if categorizer.is_some() {
            categorized.push(chunk.categorized);
        }
        local_codes.push(chunk.codes);
    }
    let strings = RowStrings {
        complaints,
        categorized,
    };
    let distinct: HashSet<&str> = local_codes.iter().flatten().map(|code| &**code).collect();
    let mut codes: Vec<String> = distinct.into_iter().map(str::to_owned).collect();
    codes.sort_unstable();
    let malformed: HashSet<&str> = codes
        .iter()
        .map(String::as_str)
        .filter(|code| validate_category_code(code).is_err())
        .collect();
    let first_malformed = if malformed.is_empty() {
        None
    } else {
        (0..rows.len())
            .into_par_iter()
            .position_first(|row| strings.category(row).is_some_and(|code| malformed.contains(code)))
    };
    let first_failure = first_failure
        .into_inner()
        .min(first_malformed.unwrap_or(usize::MAX));
    if first_failure < complaints.count() {
        let err =
            prepare_row(&complaints.row(first_failure), true).expect_err("a row that failed fails again");
        return Err(err.within(&format!("complaints[{first_failure}]")));
    }
    let categories = intern_categories(&mut rows, &local_codes, codes)?;
    drop(local_codes);
    let keys = CustomerKeys::of(&rows, &keys, complaints);
    // Slots carry their customer, so that runs are cut without looking
    // rows up.
    let mut slots: Vec<Slot<L::Label>> = match keys {
        CustomerKeys::KeyOrder(order) => order
            .into_par_iter()
            .map(|(row, customer)| Slot {
                row,
                customer,
                label: None,
            })
            .collect(),
        CustomerKeys::Linked {
            nodes,
            customer_of_row,
            node_count,
        } => {
            rows.chunks
                .par_iter_mut()
                .zip(nodes.par_chunks(ROW_CHUNK))
                .for_each(|(rows, nodes)| {
                    for (row, &nodes) in rows.iter_mut().zip(nodes) {
                        row.nodes = nodes;
                    }
                });
            by_customer(&customer_of_row, node_count)
        }
    };
    // Blocks of whole customers are replayed in parallel. A block's rows are
    // first read in one pass of independent loads, so that their cache
    // misses overlap instead of coming one after another as each
    // customer's rows are sorted and judged; then each customer's rows are
    // put in time order and replayed.
    blocks_of_customers(&mut slots, REPLAY_BLOCK)
        .into_par_iter()
        .for_each_init(Replay::default, |replay, block| {
            let touched = block
                .iter()
                .fold(0, |word, slot| word ^ rows[slot.row as usize].facts.received_ms);
            std::hint::black_box(touched);
            for run in block.chunk_by_mut(|a, b| a.customer == b.customer) {
                if run.len() > 1 {
                    run.sort_unstable_by(|a, b| {
                        let received = |slot: &Slot<_>| rows[slot.row as usize].facts.received_ms;
                        received(a)
                            .cmp(&received(b))
                            .then_with(|| strings.id(a.row).cmp(strings.id(b.row)))
                            .then(a.row.cmp(&b.row))
                    });
                }
                replay.run::<L, R>(run, &rows, &strings, &resolved);
            }
        });
    Ok((L::in_row_order(slots), categories))
}

/// About how many rows a block of the replay holds: their 64-byte rows stay
/// in the core's cache between the pass that reads them and the replay.
const REPLAY_BLOCK: usize = 512;

/// `slots` cut into blocks of about `size` slots, each ending where a
/// customer's run ends (a block may be longer when a customer's run is).
fn blocks_of_customers<T>(mut slots: &mut [Slot<T>], size: usize) -> Vec<&mut [Slot<T>]> {
    let mut blocks = Vec::with_capacity(slots.len() / size + 1);
    while !slots.is_empty() {
        let mut end = size.min(slots.len());
        while end < slots.len() && slots[end].customer == slots[end - 1].customer {
            end += 1;
        }
        let (block, rest) = std::mem::take(&mut slots).split_at_mut(end);
        blocks.push(block);
        slots = rest;
    }
    blocks
}

/// The rows grouped by customer (a counting sort over customer numbers
/// below `customers`), as slots.
fn by_customer<T>(customer_of_row: &[u32], customers: u32) -> Vec<Slot<T>> {
    let mut starts = vec![0u32; customers as usize + 1];
    for &customer in customer_of_row {
        starts[customer as usize + 1] += 1;
    }
    for customer in 0..customers as usize {
        starts[customer + 1] += starts[customer];
    }
    let mut slots: Vec<Slot<T>> = Vec::with_capacity(customer_of_row.len());
    slots.resize_with(customer_of_row.len(), Slot::default);
    let mut next = starts;
    for (row, &customer) in customer_of_row.iter().enumerate() {
        let at = &mut next[customer as usize];
        slots[*at as usize] = Slot {
            row: row as u32,
            customer,
            label: None,
        };
        *at += 1;
    }
    slots
}

/// Rows a task of the batch prepares, numbering their categories with a map
/// of its own: a chunk of [`BatchRows`].
const ROW_CHUNK: usize = 4096;

/// What a task of the batch makes of a chunk of rows.
struct PreparedChunk<'a> {
    rows: Vec<BatchRow>,
    /// The [`id_key`] of each row.
    keys: Vec<IdKey>,
    /// Per row when a categoriser was given (empty otherwise): the category
    /// it gave a row that had none.
    categorized: Vec<Option<String>>,
    /// The chunk's category codes, in the order of their numbers.
    codes: Vec<Cow<'a, str>>,
}

/// A chunk's numbering of its rows' category codes: from 1, in order of
/// first appearance, through a map that stays in the core's cache.
#[derive(Default)]
struct ChunkCategories<'a> {
    numbers: HashMap<Cow<'a, str>, u16>,
}

impl<'a> ChunkCategories<'a> {
    /// The number of a code already numbered.
    fn get(&self, code: &str) -> Option<u16> {
        self.numbers.get(code).copied()
    }

    /// Numbers a new code.
    fn add(&mut self, code: Cow<'a, str>) -> u16 {
        // A chunk's rows have at most `ROW_CHUNK` distinct codes.
        let number = self.numbers.len() as u16 + 1;
        self.numbers.insert(code, number);
        number
    }

    /// The codes in the order of their numbers.
    fn into_codes(self) -> Vec<Cow<'a, str>> {
        let mut codes = vec![Cow::Borrowed(""); self.numbers.len()];
        for (code, number) in self.numbers {
            codes[usize::from(number) - 1] = code;
        }
        codes
    }
}

/// The rows of a batch, in chunks of [`ROW_CHUNK`] as they were prepared.
/// Chunks are small enough for the allocator to serve from memory it holds
/// already: one vector of a million rows was fresh pages from the kernel
/// on every call, and faulting them in took about a sixth of a batch here.
struct BatchRows {
    chunks: Vec<Vec<BatchRow>>,
}

impl BatchRows {
    fn len(&self) -> usize {
        self.chunks.iter().map(Vec::len).sum()
    }

    /// Rows in chunks of [`ROW_CHUNK`].
    #[cfg(test)]
    fn of(rows: Vec<BatchRow>) -> BatchRows {
        let chunk_count = rows.len().div_ceil(ROW_CHUNK);
        let mut rows = rows.into_iter();
        let chunks = (0..chunk_count)
            .map(|_| rows.by_ref().take(ROW_CHUNK).collect())
            .collect();
        BatchRows { chunks }
    }
}

impl std::ops::Index<usize> for BatchRows {
    type Output = BatchRow;

    fn index(&self, row: usize) -> &BatchRow {
        &self.chunks[row / ROW_CHUNK][row % ROW_CHUNK]
    }
}

/// What the replay reads of a validated row, in one cache line: its facts,
/// interned category and key nodes. The strings stay in the complaints
/// ([`RowStrings`]).
#[repr(align(64))]
struct BatchRow {
    facts: Facts,
    category: (u16, u16),
    nodes: [u32; 2],
    /// The normalised phone ([`super::history::encode_phone`]), or
    /// [`NO_PHONE`].
    phone: u64,
}

// A row is one cache line.
const _: () = assert!(std::mem::size_of::<BatchRow>() == 64);

/// No phone: encoded phones have at most 17 digits.
const NO_PHONE: u64 = u64::MAX;

/// The strings of a batch's rows: in the complaints, but for the categories
/// a categoriser gave.
struct RowStrings<'a, R: ComplaintRows + ?Sized> {
    complaints: &'a R,
    /// Per chunk of [`ROW_CHUNK`] rows when a categoriser was given (empty
    /// otherwise): the category it gave each row that had none.
    categorized: Vec<Vec<Option<String>>>,
}

impl<'a, R: ComplaintRows + ?Sized> RowStrings<'a, R> {
    fn complaint(&self, row: u32) -> ComplaintRef<'a> {
        self.complaints.row(row as usize)
    }

    fn id(&self, row: u32) -> &'a str {
        self.complaints.id(row as usize)
    }

    /// The row's category: given, or from the categoriser.
    fn category(&self, row: usize) -> Option<&str> {
        self.complaints
            .category(row)
            .or_else(|| self.categorized.get(row / ROW_CHUNK)?[row % ROW_CHUNK].as_deref())
    }
}

/// One row of a batch in customer order: what the replay reads, and the
/// label it writes.
struct Slot<T> {
    row: u32,
    customer: u32,
    label: Option<T>,
}

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Slot {
            row: 0,
            customer: 0,
            label: None,
        }
    }
}

/// Puts labels kept beside their rows back in row order.
fn scatter<T>(slots: Vec<Slot<T>>) -> Vec<T> {
    let mut out: Vec<Option<T>> = Vec::with_capacity(slots.len());
    out.resize_with(slots.len(), || None);
    for slot in slots {
        out[slot.row as usize] = slot.label;
    }
    out.into_iter()
        .map(|label| label.expect("every row is labelled"))
        .collect()
}

/// Numbers the level-2 and level-1 category of every row from the distinct
/// level-2 codes of the batch, sorted, and each chunk's numbering of its
/// codes (from 1, in `category.0`), and returns the codes.
fn intern_categories(
    rows: &mut BatchRows,
    local_codes: &[Vec<Cow<'_, str>>],
    codes: Vec<String>,
) -> Result<Vec<String>> {
    if codes.len() >= usize::from(u16::MAX) {
        return Err(Error::invalid(
            "category",
            format!("more than {} distinct category codes", u16::MAX - 1),
        ));
    }
    let mut level1s: HashMap<&str, u16> = HashMap::default();
    let ids: HashMap<&str, (u16, u16)> = codes
        .iter()
        .enumerate()
        .map(|(index, code)| {
            let next = level1s.len() as u16 + 1;
            let level1 = *level1s.entry(level1(code)).or_insert(next);
            (code.as_str(), (index as u16 + 1, level1))
        })
        .collect();
    rows.chunks
        .par_iter_mut()
        .zip(local_codes)
        .for_each(|(rows, local_codes)| {
            let interned: Vec<(u16, u16)> = local_codes.iter().map(|code| ids[&**code]).collect();
            for row in rows {
                row.category = match row.category.0 {
                    0 => (0, 0),
                    local => interned[usize::from(local) - 1],
                };
            }
        });
    Ok(codes)
}

/// How many bytes of a customer id [`inline_id`] keeps.
const INLINE_ID_BYTES: usize = 15;

/// The first bytes of a customer id and its length, as one number: for ids
/// of at most [`INLINE_ID_BYTES`] bytes (CRM ids usually are), equal exactly
/// when the ids are. A longer id keeps its first bytes and a mark
/// ([`is_long_id`]).
fn inline_id(id: &str) -> u128 {
    let bytes = id.as_bytes();
    let kept = bytes.len().min(INLINE_ID_BYTES);
    let mut inline = [0u8; 16];
    inline[..kept].copy_from_slice(&bytes[..kept]);
    inline[15] = if bytes.len() <= INLINE_ID_BYTES {
        bytes.len() as u8
    } else {
        u8::MAX
    };
    u128::from_le_bytes(inline)
}

/// Whether an [`inline_id`] is of an id longer than its inline part.
fn is_long_id(inline: u128) -> bool {
    inline >> 120 == u128::from(u8::MAX)
}

/// How the rows of a batch group into customers.
enum CustomerKeys {
    /// No row carries both a customer id and a phone, so no keys link: the
    /// order the keys were grouped in ([`group_ids`], then the sorted
    /// phones) is an order of customers. Each row once, as (row, customer),
    /// the rows of a customer side by side.
    KeyOrder(Vec<(u32, u32)>),
    /// Keys link: the customer of every row once every key link of the
    /// batch is known, and each row's key nodes for linking in time order.
    Linked {
        /// Node of the row's customer id and of its phone, when given.
        nodes: Vec<[u32; 2]>,
        /// The final customer of each row: the union-find root of its keys.
        customer_of_row: Vec<u32>,
        /// The number of key nodes: customers are numbered below it.
        node_count: u32,
    },
}

/// No node: the row has no such key.
const NO_NODE: u32 = u32::MAX;

impl CustomerKeys {
    /// Numbers the distinct customer ids of `keys` (the [`id_key`] of each
    /// row, by hash partition: [`group_ids`]) and phones (by sorting), then
    /// links the keys that share a row.
    fn of<R: ComplaintRows + ?Sized>(rows: &BatchRows, keys: &[Vec<IdKey>], complaints: &R) -> CustomerKeys {
        // Only the rows with a phone are sorted: CRM exports often have none.
        let mut by_phone: Vec<(u64, u32)> = rows
            .chunks
            .par_iter()
            .enumerate()
            .flat_map_iter(|(chunk, rows)| {
                (chunk * ROW_CHUNK..)
                    .zip(rows)
                    .filter(|(_, row)| row.phone != NO_PHONE)
                    .map(|(at, row)| (row.phone, at as u32))
            })
            .collect();
        by_phone.par_sort_unstable();
        let linked = by_phone
            .par_iter()
            .any(|&(_, row)| complaints.customer_id(row as usize).is_some());
        let (mut order, mut count) = group_ids(keys, complaints);
        if !linked {
            order.reserve_exact(by_phone.len());
            number_phones(&by_phone, &mut count, |row, node| order.push((row, node)));
            return CustomerKeys::KeyOrder(order);
        }
        let mut nodes = vec![[NO_NODE; 2]; rows.len()];
        for &(row, node) in &order {
            nodes[row as usize][0] = node;
        }
        drop(order);
        number_phones(&by_phone, &mut count, |row, node| nodes[row as usize][1] = node);
        drop(by_phone);
        let mut parent: Vec<u32> = (0..count).collect();
        for &[id, phone] in &nodes {
            if id != NO_NODE && phone != NO_NODE {
                let (a, b) = (find_root(&mut parent, id), find_root(&mut parent, phone));
                parent[a.max(b) as usize] = a.min(b);
            }
        }
        // Every node straight to its root, so that rows find theirs in
        // parallel. A node's parent is never larger than the node, so in
        // increasing order the parent's root is already known.
        for node in 0..parent.len() {
            parent[node] = parent[parent[node] as usize];
        }
        let customer_of_row = nodes
            .par_iter()
            .map(|&[id, phone]| parent[if id != NO_NODE { id } else { phone } as usize])
            .collect();
        CustomerKeys::Linked {
            nodes,
            customer_of_row,
            node_count: count,
        }
    }

    /// The customer of each row (for tests: the batch reads the grouping
    /// as it is).
    #[cfg(test)]
    fn customer_of_row(&self, rows: usize) -> Vec<u32> {
        match self {
            CustomerKeys::KeyOrder(order) => {
                let mut customers = vec![NO_NODE; rows];
                for &(row, customer) in order {
                    customers[row as usize] = customer;
                }
                customers
            }
            CustomerKeys::Linked { customer_of_row, .. } => customer_of_row.clone(),
        }
    }
}

/// A customer id as the grouping compares it: its hash, its
/// [`inline_id`], and its row. `inline` is 0 for a row without a customer
/// id: the inline part of an id (never empty) holds its length.
type IdKey = (u64, u128, u32);

/// How a batch hashes customer ids for [`id_key`].
fn hash_id(id: &str) -> u64 {
    rustc_hash::FxBuildHasher.hash_one(id)
}

/// The [`IdKey`] of `row`, its customer id hashed by `hash`: any function
/// gives the same grouping (the tests force collisions with a poor one).
fn id_key(customer_id: Option<&str>, row: u32, hash: impl Fn(&str) -> u64) -> IdKey {
    match customer_id {
        Some(id) => (hash(id), inline_id(id), row),
        None => (0, 0, row),
    }
}

/// Key partitions of [`group_ids`] hold about this many ids, so that each
/// partition's table stays in a core's cache.
const IDS_PER_PARTITION: usize = 1024;

/// Chunks of keys (of [`ROW_CHUNK`] each, in a batch) a task of the
/// partition pass of [`group_ids`] reads.
const PARTITION_TASK_CHUNKS: usize = 16;

/// The rows with a customer id, grouped by id: (row, node) pairs, the rows
/// of a node side by side in row order, and the number of nodes (numbered
/// from 0). The ids are spread over partitions by their hash, in one
/// parallel pass; each partition then numbers its ids through a small hash
/// table of its own, in order of first appearance. Linear work, where a
/// sort of the ids costs `n log n` comparisons of wide keys.
///
/// `keys` holds every row's [`id_key`], in row order; rows without an id are
/// skipped. Ids equal in hash and inline part are compared as text only
/// when longer than the inline part.
fn group_ids<R: ComplaintRows + ?Sized>(keys: &[Vec<IdKey>], complaints: &R) -> (Vec<(u32, u32)>, u32) {
    let key_count: usize = keys.iter().map(Vec::len).sum();
    let partition_bits = (key_count / IDS_PER_PARTITION)
        .next_power_of_two()
        .trailing_zeros()
        .min(12);
    // Hash and inline bytes mixed, so that a poor hash still spreads ids
    // of different inline bytes: the top bits name the partition, the
    // middle bits a place in its table.
    let spread = |&(hash, inline, _): &IdKey| {
        (hash ^ inline as u64 ^ (inline >> 64) as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
    };
    let partition_of = |key: &IdKey| {
        if partition_bits == 0 {
            0
        } else {
            (spread(key) >> (64 - partition_bits)) as usize
        }
    };
    let partitions = 1usize << partition_bits;
    let counts: Vec<Vec<u32>> = keys
        .par_chunks(PARTITION_TASK_CHUNKS)
        .map(|chunk| {
            let mut counts = vec![0u32; partitions];
            for key in chunk.iter().flatten().filter(|key| key.1 != 0) {
                counts[partition_of(key)] += 1;
            }
            counts
        })
        .collect();
    let partition_lengths: Vec<usize> = (0..partitions)
        .map(|partition| counts.iter().map(|counts| counts[partition] as usize).sum())
        .collect();
    let mut partitioned: Vec<IdKey> = vec![(0, 0, 0); partition_lengths.iter().sum()];
    // Each task writes its part of each partition, partitions in order and
    // in each the tasks in order: a partition holds its ids in row order.
    let tasks = counts.len();
    let mut targets: Vec<Vec<std::slice::IterMut<'_, IdKey>>> =
        (0..tasks).map(|_| Vec::with_capacity(partitions)).collect();
    let task_parts =
        (0..partitions).flat_map(|partition| counts.iter().map(move |counts| counts[partition] as usize));
    for (at, target) in split_lengths(&mut partitioned, task_parts)
        .into_iter()
        .enumerate()
    {
        targets[at % tasks].push(target.iter_mut());
    }
    keys.par_chunks(PARTITION_TASK_CHUNKS)
        .zip(targets)
        .for_each(|(chunk, mut targets)| {
            for key in chunk.iter().flatten().filter(|key| key.1 != 0) {
                *targets[partition_of(key)].next().expect("counted") = *key;
            }
        });
    let id_of = |row: u32| complaints.customer_id(row as usize);
    let same_id =
        |a: &IdKey, b: &IdKey| a.0 == b.0 && a.1 == b.1 && (!is_long_id(a.1) || id_of(a.2) == id_of(b.2));
    // Each partition's (row, node within the partition), grouped, and its
    // node count.
    let grouped: Vec<(Vec<(u32, u32)>, u32)> = split_lengths(&mut partitioned, partition_lengths)
        .into_par_iter()
        .map(|part| {
            let part = &*part;
            const EMPTY: u32 = u32::MAX;
            let mask = (part.len() * 2).next_power_of_two().max(16) - 1;
            let mut table = vec![EMPTY; mask + 1];
            // The first key of each node, and the node of each key.
            let mut firsts: Vec<u32> = Vec::new();
            let mut node_of: Vec<u32> = Vec::with_capacity(part.len());
            for (at, key) in part.iter().enumerate() {
                let mut place = (spread(key) >> 20) as usize & mask;
                let node = loop {
                    match table[place] {
                        EMPTY => {
                            table[place] = firsts.len() as u32;
                            firsts.push(at as u32);
                            break firsts.len() as u32 - 1;
                        }
                        node if same_id(&part[firsts[node as usize] as usize], key) => break node,
                        _ => place = (place + 1) & mask,
                    }
                };
                node_of.push(node);
            }
            // A counting sort puts each node's rows side by side.
            let mut next = vec![0u32; firsts.len() + 1];
            for &node in &node_of {
                next[node as usize + 1] += 1;
            }
            for node in 0..firsts.len() {
                next[node + 1] += next[node];
            }
            let mut pairs = vec![(0u32, 0u32); part.len()];
            for (key, &node) in part.iter().zip(&node_of) {
                let at = &mut next[node as usize];
                pairs[*at as usize] = (key.2, node);
                *at += 1;
            }
            (pairs, firsts.len() as u32)
        })
        .collect();
    let mut order = vec![(0u32, 0u32); partitioned.len()];
    drop(partitioned);
    let mut count = 0u32;
    let first_nodes: Vec<u32> = grouped
        .iter()
        .map(|&(_, nodes)| {
            count += nodes;
            count - nodes
        })
        .collect();
    split_lengths(&mut order, grouped.iter().map(|(pairs, _)| pairs.len()))
        .into_par_iter()
        .zip(&grouped)
        .zip(first_nodes)
        .for_each(|((target, (pairs, _)), first_node)| {
            for (slot, &(row, node)) in target.iter_mut().zip(pairs) {
                *slot = (row, first_node + node);
            }
        });
    (order, count)
}

/// `buffer` cut into consecutive slices of `lengths` (which sum to at most
/// its length), for tasks that each fill their own.
fn split_lengths<T>(mut buffer: &mut [T], lengths: impl IntoIterator<Item = usize>) -> Vec<&mut [T]> {
    lengths
        .into_iter()
        .map(|length| {
            let (part, rest) = std::mem::take(&mut buffer).split_at_mut(length);
            buffer = rest;
            part
        })
        .collect()
}

/// Numbers the phones of `by_phone`, sorted (phone, row) pairs: each
/// distinct phone gets the next node after `count`, which it advances;
/// `visit` is called with each row and the node of its phone.
fn number_phones(by_phone: &[(u64, u32)], count: &mut u32, mut visit: impl FnMut(u32, u32)) {
    for (at, &(phone, row)) in by_phone.iter().enumerate() {
        if at == 0 || by_phone[at - 1].0 != phone {
            *count += 1;
        }
        visit(row, *count - 1);
    }
}

/// The records of one customer's rows replayed so far, oldest first.
struct RunHistory<'r, 'a, R: ComplaintRows + ?Sized> {
    records: &'r [Record],
    /// The row of each record.
    rows: &'r [u32],
    strings: &'r RowStrings<'a, R>,
    /// Records before this one are older than the window of every row still
    /// to come.
    window_start: usize,
    /// With key linking inside the customer: the group of each record and
    /// the group being judged.
    groups: Option<(&'r [u32], u32)>,
}

impl<R: ComplaintRows + ?Sized> History for RunHistory<'_, '_, R> {
    fn each(&self, mut visit: impl FnMut(usize, &Record)) {
        match self.groups {
            None => {
                for (index, record) in self.records.iter().enumerate().skip(self.window_start) {
                    visit(index, record);
                }
            }
            Some((groups, group)) => {
                for (index, record) in self.records.iter().enumerate().skip(self.window_start) {
                    if groups[index] == group {
                        visit(index, record);
                    }
                }
            }
        }
    }

    fn record(&self, index: usize) -> &Record {
        &self.records[index]
    }

    /// Spans in a run name a record: `off` is its index.
    fn text(&self, span: Span) -> &str {
        self.strings.id(self.rows[span.off as usize])
    }
}

/// Per-thread scratch of the replay, kept from one customer to the next.
#[derive(Default)]
struct Replay<'a> {
    records: Vec<Record>,
    /// Row of each record.
    rows: Vec<u32>,
    /// Index of the record that opened each record's thread.
    threads: Vec<u32>,
    /// Linking inside the customer: the group of each record, and the
    /// union-find of the customer's key nodes.
    groups: Vec<u32>,
    parent: HashMap<u32, u32>,
    /// Ticket id to the newest record carrying it, for long runs.
    by_id: HashMap<&'a str, usize>,
    matches: Vec<Match>,
}

/// Runs longer than this find status updates through a hash map rather than
/// by scanning.
const SCAN_LIMIT: usize = 32;

impl<'a> Replay<'a> {
    fn clear(&mut self) {
        self.records.clear();
        self.rows.clear();
        self.threads.clear();
        self.groups.clear();
        self.parent.clear();
        self.by_id.clear();
    }

    fn find(&mut self, mut node: u32) -> u32 {
        loop {
            let up = *self.parent.entry(node).or_insert(node);
            if up == node {
                return node;
            }
            node = up;
        }
    }

    /// The record of the ticket of `row` (its id hashing to `hash`) in
    /// `group` (every record when not linking). The ids are compared only
    /// when their hashes are equal.
    fn find_id<R: ComplaintRows + ?Sized>(
        &self,
        strings: &RowStrings<'a, R>,
        (row, hash): (u32, u32),
        group: Option<u32>,
        long: bool,
    ) -> Option<usize> {
        let in_group = |index: usize| group.is_none_or(|group| self.groups[index] == group);
        if long {
            if let Some(&index) = self.by_id.get(strings.id(row)) {
                if in_group(index) {
                    return Some(index);
                }
            } else {
                return None;
            }
        }
        (0..self.records.len()).rev().find(|&index| {
            self.records[index].id_hash == hash
                && strings.id(self.rows[index]) == strings.id(row)
                && in_group(index)
        })
    }

    /// Labels the rows of one customer, given in time order, writing each
    /// label beside its row.
    fn run<L: Labels, R: ComplaintRows + ?Sized>(
        &mut self,
        run: &mut [Slot<L::Label>],
        rows: &BatchRows,
        strings: &RowStrings<'a, R>,
        config: &Resolved,
    ) {
        self.clear();
        let first_nodes = rows[run[0].row as usize].nodes;
        let linking = run
            .iter()
            .any(|slot| rows[slot.row as usize].nodes != first_nodes);
        let long = run.len() > SCAN_LIMIT;
        let mut window_start = 0;
        for at in 0..run.len() {
            let row = run[at].row;
            let BatchRow {
                facts,
                category,
                nodes,
                ..
            } = &rows[row as usize];
            let group = linking.then(|| self.link(*nodes));
            if let Some(index) = self.find_id(strings, (row, facts.id_hash), group, long) {
                self.records[index].closed_ms = facts.closed_ms;
                let thread_row = self.rows[self.threads[index] as usize];
                run[at].label = Some(L::updated(strings.complaint(row), self.rows[index], thread_row));
                continue;
            }
            let now = facts.received_ms;
            while window_start < self.records.len()
                && now - self.records[window_start].received_ms > config.window_ms
            {
                window_start += 1;
            }
            let category = *category;
            let mut facts = *facts;
            if facts.text_unsigned && (long || compares_texts(run, rows, at, config.window_ms)) {
                facts.signature = sign(strings.complaint(row).text);
            }
            let facts = &facts;
            let history = RunHistory {
                records: &self.records,
                rows: &self.rows,
                strings,
                window_start,
                groups: group.map(|group| (&self.groups[..], group)),
            };
            let judgement = judge_into(&history, facts, category, config, &mut self.matches);
            let index = self.records.len();
            let thread = judgement
                .first
                .map_or(index, |first| self.threads[first] as usize);
            run[at].label = Some(L::judged(Judged {
                history: &history,
                received_ms: now,
                judgement: &judgement,
                matches: &self.matches,
                row,
                matched_row: judgement.first.map(|first| self.rows[first]),
                thread_row: self.rows.get(thread).copied().unwrap_or(row),
                category: category.0,
            }));
            let span = |at: usize| Span {
                off: at as u32,
                len: 0,
            };
            let (record, _) = new_record(
                facts,
                category,
                config,
                (judgement.kind, judgement.escalated),
                span(index),
                span(thread),
                NONE,
            );
            self.records.push(record);
            self.rows.push(row);
            self.threads.push(thread as u32);
            if let Some(group) = group {
                self.groups.push(group);
            }
            if long {
                self.by_id.insert(strings.id(row), index);
            }
        }
    }

    /// Links a row's key nodes as streaming would at its time, and returns
    /// its group. The smallest root survives; records of the merged group
    /// move to it.
    fn link(&mut self, [id, phone]: [u32; 2]) -> u32 {
        let roots: Vec<u32> = [id, phone]
            .into_iter()
            .filter(|&node| node != NO_NODE)
            .map(|node| self.find(node))
            .collect();
        let root = roots.iter().copied().min().expect("a complaint has a key");
        for &loser in &roots {
            if loser != root {
                self.parent.insert(loser, root);
                for group in &mut self.groups {
                    if *group == loser {
                        *group = root;
                    }
                }
            }
        }
        root
    }
}

/// Whether the row at `at` of a customer's run (in time order) could have
/// its text compared with another row's: some other row within the window
/// of it, before or after, has a text too, and they share their level-1
/// category or one has none (the only pairs whose similarity the judging
/// reads, or a verdict reports). A batch signs the texts of those rows
/// alone: signing costs more than the rest of a row's replay.
fn compares_texts<T>(run: &[Slot<T>], rows: &BatchRows, at: usize, window_ms: i64) -> bool {
    let this = &rows[run[at].row as usize];
    let now = this.facts.received_ms;
    let comparable = |other: &BatchRow| {
        (other.facts.signature.is_some() || other.facts.text_unsigned)
            && (this.category.0 == 0 || other.category.0 == 0 || this.category.1 == other.category.1)
    };
    let row = |slot: &Slot<T>| &rows[slot.row as usize];
    run[..at]
        .iter()
        .rev()
        .map(row)
        .take_while(|other| now - other.facts.received_ms <= window_ms)
        .any(comparable)
        || run[at + 1..]
            .iter()
            .map(row)
            .take_while(|other| other.facts.received_ms - now <= window_ms)
            .any(comparable)
}

/// Counts and rates of one slice of a labelled data set.
///
/// Rates are over `complaints`, the distinct complaints: duplicates (the
/// same ticket dispatched twice) and status updates are not complaints.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Rates {
    /// Distinct complaints (not duplicates, not updates).
    pub complaints: u64,
    /// Duplicate dispatches, not counted in `complaints`.
    pub duplicates: u64,
    /// Complaints judged `new`.
    pub new: u64,
    /// Complaints judged `repeat` (重复投诉).
    pub repeats: u64,
    /// Complaints judged `second` (二次投诉).
    pub seconds: u64,
    /// Escalated complaints (越级投诉).
    pub escalated: u64,
    /// `repeats / complaints` (0 when there are none).
    pub repeat_rate: f64,
    /// `seconds / complaints`.
    pub second_rate: f64,
    /// `escalated / complaints`.
    pub escalation_rate: f64,
    /// 万投比: `complaints` per 10 thousand customers, when the customer base
    /// size was given.
    pub per_10k_customers: Option<f64>,
}

impl Rates {
    fn add(&mut self, kind: RepeatKind, escalated: bool) {
        if kind == RepeatKind::Duplicate {
            self.duplicates += 1;
            return;
        }
        self.complaints += 1;
        match kind {
            RepeatKind::New => self.new += 1,
            RepeatKind::Repeat => self.repeats += 1,
            RepeatKind::Second => self.seconds += 1,
            RepeatKind::Duplicate => unreachable!("counted above"),
        }
        self.escalated += u64::from(escalated);
    }

    fn finish(&mut self, customer_base: Option<u64>) {
        let rate = |count: u64| {
            if self.complaints == 0 {
                0.0
            } else {
                count as f64 / self.complaints as f64
            }
        };
        self.repeat_rate = rate(self.repeats);
        self.second_rate = rate(self.seconds);
        self.escalation_rate = rate(self.escalated);
        self.per_10k_customers = customer_base.map(|base| self.complaints as f64 * 10_000.0 / base as f64);
    }
}

/// Carrier KPIs of a labelled data set: overall and by category, channel and
/// month (`YYYY-MM` of the receive time in UTC; convert times beforehand to
/// report by local month).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BatchSummary {
    /// The whole data set.
    pub overall: Rates,
    /// By level-2 category (given or categorised; `(none)` without one).
    pub by_category: BTreeMap<String, Rates>,
    /// By intake channel.
    pub by_channel: BTreeMap<Channel, Rates>,
    /// By month of receipt.
    pub by_month: BTreeMap<String, Rates>,
    /// Rows that were status updates of a ticket given earlier.
    pub updates: u64,
}

/// Summarises the labels [`label_batch`] gave `complaints`.
///
/// `customer_base` is the number of customers the operator serves, for the
/// complaints-per-10-thousand-customers rate (万投比).
///
/// # Errors
/// [`Error::InvalidField`] when `labels` does not belong to `complaints`
/// (another length or other ticket ids), or the customer base is zero.
///
/// # Examples
///
/// ```
/// use custinsight::repeat::{label_batch, summarize, RepeatConfig};
/// let rows: Vec<custinsight::Complaint> = (0..4)
///     .map(|day| {
///         custinsight::from_json("complaint", &format!(
///             r#"{{"id": "T{day}", "customer_id": "C1", "received_at": "2026-11-0{}T00:00:00Z",
///                 "channel": "hotline", "category": "network.coverage", "status": "open"}}"#,
///             day + 1,
///         ))
///         .unwrap()
///     })
///     .collect();
/// let labels = label_batch(&RepeatConfig::default(), None, &rows)?;
/// let summary = summarize(&rows, &labels, Some(10_000))?;
/// assert_eq!(summary.overall.complaints, 4);
/// assert_eq!(summary.overall.repeat_rate, 0.75);
/// assert_eq!(summary.by_month["2026-11"].per_10k_customers, Some(4.0));
/// # Ok::<(), custinsight::Error>(())
/// ```
pub fn summarize(
    complaints: &[Complaint],
    labels: &[Intake],
    customer_base: Option<u64>,
) -> Result<BatchSummary> {
    if complaints.count() != labels.len() {
        return Err(Error::invalid(
            "labels",
            format!("{} labels for {} complaints", labels.len(), complaints.count()),
        ));
    }
    let judged = labels.iter().enumerate().map(|(index, label)| {
        let id = complaints.id(index);
        if id != label.id() {
            return Err(Error::invalid(
                format!("labels[{index}]"),
                format!("is for ticket {:?}, the complaint is {:?}", label.id(), id),
            ));
        }
        Ok(label
            .verdict()
            .map(|verdict| (verdict.kind, verdict.escalated, verdict.category.as_deref())))
    });
    let judged: Vec<_> = judged.collect::<Result<_>>()?;
    summarize_judged(complaints, judged.into_iter(), customer_base)
}

/// The KPIs of complaints and, per complaint, its verdict's kind, escalated
/// flag and category (`None` for a status update).
fn summarize_judged<'l, R: ComplaintRows + ?Sized>(
    complaints: &R,
    judged: impl Iterator<Item = Option<(RepeatKind, bool, Option<&'l str>)>>,
    customer_base: Option<u64>,
) -> Result<BatchSummary> {
    if customer_base == Some(0) {
        return Err(Error::invalid("customer_base", "must be at least 1"));
    }
    let mut summary = BatchSummary::default();
    let mut months: HashMap<(i32, u32), Rates> = HashMap::default();
    for (row, judged) in judged.enumerate() {
        let complaint = complaints.row(row);
        let Some((kind, escalated, category)) = judged else {
            summary.updates += 1;
            continue;
        };
        summary.overall.add(kind, escalated);
        let category = category.unwrap_or("(none)");
        match summary.by_category.get_mut(category) {
            Some(rates) => rates.add(kind, escalated),
            None => summary
                .by_category
                .entry(category.to_owned())
                .or_default()
                .add(kind, escalated),
        }
        summary
            .by_channel
            .entry(complaint.channel)
            .or_default()
            .add(kind, escalated);
        use chrono::Datelike;
        let at = complaint.received_at;
        months
            .entry((at.year(), at.month()))
            .or_default()
            .add(kind, escalated);
    }
    summary.by_month = months
        .into_iter()
        .map(|((year, month), rates)| (format!("{year:04}-{month:02}"), rates))
        .collect();
    summary.overall.finish(customer_base);
    for rates in summary
        .by_category
        .values_mut()
        .chain(summary.by_channel.values_mut())
        .chain(summary.by_month.values_mut())
    {
        rates.finish(customer_base);
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repeat::synth::{synthetic_complaints, SynthSpec};

    /// The customer of each row, under customer-id hash `hash`, and whether
    /// the grouping linked keys.
    fn customers(complaints: &[Complaint], hash: impl Fn(&str) -> u64 + Sync) -> (Vec<u32>, bool) {
        let rows: Vec<BatchRow> = complaints
            .iter()
            .map(|complaint| {
                let prepared = prepare(&complaint.view(), None).unwrap();
                BatchRow {
                    facts: prepared.facts,
                    category: (0, 0),
                    nodes: [NO_NODE; 2],
                    phone: prepared.phone.unwrap_or(NO_PHONE),
                }
            })
            .collect();
        let keys = complaints
            .iter()
            .enumerate()
            .map(|(row, complaint)| id_key(complaint.customer_id.as_deref(), row as u32, &hash))
            .collect::<Vec<_>>();
        let keys: Vec<Vec<IdKey>> = keys.chunks(ROW_CHUNK).map(<[IdKey]>::to_vec).collect();
        let rows = BatchRows::of(rows);
        let keys = CustomerKeys::of(&rows, &keys, complaints);
        let linked = matches!(keys, CustomerKeys::Linked { .. });
        (keys.customer_of_row(rows.len()), linked)
    }

    #[test]
    fn customer_grouping_is_exact_when_hashes_collide() {
        let linked: Vec<Complaint> = synthetic_complaints(&SynthSpec::new(3000)).collect();
        let by_id: Vec<Complaint> = synthetic_complaints(&SynthSpec {
            phones: false,
            ..SynthSpec::new(3000)
        })
        .collect();
        // Ids or phones, never both: no keys link.
        let one_key: Vec<Complaint> = linked
            .iter()
            .cloned()
            .map(|mut complaint| {
                if complaint.customer_id.is_some() {
                    complaint.phone = None;
                }
                complaint
            })
            .collect();
        // Ids longer than their inline part, all alike in it: only their
        // text tells them apart.
        let long_ids: Vec<Complaint> = by_id
            .iter()
            .cloned()
            .map(|mut complaint| {
                complaint.customer_id = complaint.customer_id.map(|id| format!("customer-number-{id}"));
                complaint
            })
            .collect();
        for (complaints, links) in [
            (&linked, true),
            (&by_id, false),
            (&one_key, false),
            (&long_ids, false),
        ] {
            let (good, good_linked) = customers(complaints, |id| rustc_hash::FxBuildHasher.hash_one(id));
            // Ids of one length all collide, and some collide with ABSENT.
            let (poor, poor_linked) = customers(complaints, |id| {
                if id.len() % 2 == 0 {
                    id.len() as u64
                } else {
                    u64::MAX
                }
            });
            assert_eq!((good_linked, poor_linked), (links, links));
            assert!(good.iter().chain(&poor).all(|&customer| customer != NO_NODE));
            let count = |customers: &[u32]| customers.iter().collect::<HashSet<_>>().len();
            assert_eq!(count(&good), count(&poor));
            // The grouping is the rule's: rows sharing a key are one customer,
            // and without links only they are.
            let key = |row: usize, phone: bool| {
                let complaint = &complaints[row];
                if phone {
                    complaint
                        .phone
                        .as_deref()
                        .map(|p| crate::normalize_phone(p).unwrap())
                } else {
                    complaint.customer_id.clone()
                }
            };
            let shared = |a: usize, b: usize| {
                [false, true]
                    .into_iter()
                    .any(|phone| key(a, phone).is_some() && key(a, phone) == key(b, phone))
            };
            for a in 0..complaints.len() {
                for b in (a + 1..complaints.len()).step_by(7) {
                    assert_eq!(good[a] == good[b], poor[a] == poor[b], "rows {a} and {b}");
                    if shared(a, b) {
                        assert_eq!(poor[a], poor[b], "rows {a} and {b}");
                    } else if !links {
                        assert_ne!(poor[a], poor[b], "rows {a} and {b}");
                    }
                }
            }
        }
    }

    #[test]
    fn ids_group_exactly_over_many_partitions() {
        // Several partition chunks and a few hundred partitions.
        let mut short: Vec<Complaint> = synthetic_complaints(&SynthSpec {
            phones: false,
            ..SynthSpec::new(3 * PARTITION_TASK_CHUNKS * ROW_CHUNK + 123)
        })
        .collect();
        let mut long = short.clone();
        for complaint in &mut long {
            complaint.customer_id = complaint
                .customer_id
                .take()
                .map(|id| format!("customer-number-{id}"));
        }
        // Some rows without an id, which the grouping skips.
        for complaint in short.iter_mut().step_by(11) {
            complaint.customer_id = None;
        }
        let poor = |id: &str| id.len() as u64;
        for (complaints, hash) in [
            (&short, &hash_id as &(dyn Fn(&str) -> u64 + Sync)),
            (&short, &poor),
            (&long, &hash_id),
        ] {
            let keys = complaints
                .iter()
                .enumerate()
                .map(|(row, complaint)| id_key(complaint.customer_id.as_deref(), row as u32, hash))
                .collect::<Vec<_>>();
            // Chunks of any length group alike.
            let keys: Vec<Vec<IdKey>> = keys.chunks(1000).map(<[IdKey]>::to_vec).collect();
            let (order, count) = group_ids(&keys, &complaints[..]);
            let with_id: Vec<usize> = (0..complaints.len())
                .filter(|&row| complaints[row].customer_id.is_some())
                .collect();
            let mut rows: Vec<usize> = order.iter().map(|&(row, _)| row as usize).collect();
            rows.sort_unstable();
            assert_eq!(rows, with_id, "every row with an id, once");
            let mut node_of_id: HashMap<&str, u32> = HashMap::default();
            let mut passed: HashSet<u32> = HashSet::default();
            for (at, &(row, node)) in order.iter().enumerate() {
                let id = complaints[row as usize].customer_id.as_deref().unwrap();
                assert_eq!(*node_of_id.entry(id).or_insert(node), node, "one node an id");
                if at > 0 && order[at - 1].1 == node {
                    assert!(order[at - 1].0 < row, "a node's rows in row order");
                } else {
                    assert!(passed.insert(node), "a node's rows side by side");
                }
            }
            assert_eq!(node_of_id.len(), count as usize, "one node per distinct id");
            assert!(node_of_id.values().all(|&node| node < count));
            let distinct: HashSet<u32> = node_of_id.values().copied().collect();
            assert_eq!(distinct.len(), count as usize, "distinct ids, distinct nodes");
        }
    }

    #[test]
    fn inline_ids_are_equal_exactly_when_short_ids_are() {
        let ids = [
            "",
            "a",
            "a\0",
            "C1",
            "C10",
            "C01",
            "0123456789abcde",
            "0123456789abcdf",
        ];
        for a in ids {
            assert!(!is_long_id(inline_id(a)));
            for b in ids {
                assert_eq!(inline_id(a) == inline_id(b), a == b, "{a:?} {b:?}");
            }
        }
        assert!(is_long_id(inline_id("0123456789abcdef")));
        assert_eq!(inline_id("0123456789abcdef"), inline_id("0123456789abcdeX"));
    }
}
