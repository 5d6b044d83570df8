//! Batch labelling of whole data sets, and the carrier KPIs over them.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap as HashMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::config::{RepeatConfig, Resolved};
use super::history::{prepare, Group, Interner, KeyIndex, Prepared};
use super::verdict::{Intake, RepeatKind};
use super::Categorize;
use crate::channel::Channel;
use crate::complaint::Complaint;
use crate::error::{Error, Result};

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
    config.validate()?;
    let resolved = Resolved::new(config);
    if complaints.len() > u32::MAX as usize {
        return Err(Error::invalid(
            "complaints",
            "more than 4294967295 complaints in one batch",
        ));
    }
    let prepared: Vec<Result<Prepared>> = complaints
        .par_iter()
        .map(|complaint| {
            let prepared = prepare(complaint, categorizer)?;
            prepared.require_issue()?;
            Ok(prepared)
        })
        .collect();
    let mut rows = Vec::with_capacity(prepared.len());
    for (index, row) in prepared.into_iter().enumerate() {
        rows.push(row.map_err(|err| err.within(&format!("complaints[{index}]")))?);
    }

    let mut interner = Interner::default();
    let mut categories = Vec::with_capacity(rows.len());
    let mut index = KeyIndex::default();
    let mut nodes = Vec::with_capacity(rows.len());
    for row in &rows {
        categories.push(interner.intern_category(row.category.as_deref())?);
        nodes.push(index.nodes(row.customer_id, row.phone));
    }
    // The customer of each row once every key link of the batch is known.
    // Labelling per final customer in time order replays streaming exactly:
    // links form as they would have, inside the customer.
    let customers: Vec<u32> = nodes
        .iter()
        .map(|pair| index.find(pair[0].or(pair[1]).expect("a complaint has a key")))
        .collect();
    drop(index);

    // Sort compact keys (customer, receive time, row), then order the rare
    // rows of one customer received at the same instant by ticket id.
    let mut keys: Vec<(u32, i64, u32)> = (0..rows.len())
        .map(|row| (customers[row], rows[row].received_ms, row as u32))
        .collect();
    keys.par_sort_unstable();
    let mut order: Vec<u32> = keys.iter().map(|&(_, _, row)| row).collect();
    let mut start = 0;
    for end in 1..=keys.len() {
        if end == keys.len() || keys[end].0 != keys[start].0 || keys[end].1 != keys[start].1 {
            if end - start > 1 {
                order[start..end]
                    .sort_by(|&a, &b| rows[a as usize].id.cmp(rows[b as usize].id).then(a.cmp(&b)));
            }
            start = end;
        }
    }
    drop(keys);
    let runs: Vec<&[u32]> = order
        .chunk_by(|&a, &b| customers[a as usize] == customers[b as usize])
        .collect();
    let labelled: Vec<Vec<(u32, Intake)>> = runs
        .par_iter()
        .map(|run| replay(run, &rows, &categories, &nodes, &resolved))
        .collect();
    let mut out: Vec<Option<Intake>> = vec![None; rows.len()];
    for (row, intake) in labelled.into_iter().flatten() {
        out[row as usize] = Some(intake);
    }
    Ok(out
        .into_iter()
        .map(|intake| intake.expect("every row is labelled"))
        .collect())
}

/// Streams one customer's rows, in time order, through private history.
fn replay(
    run: &[u32],
    rows: &[Prepared<'_>],
    categories: &[(u16, u16)],
    nodes: &[[Option<u32>; 2]],
    config: &Resolved,
) -> Vec<(u32, Intake)> {
    let mut out = Vec::with_capacity(run.len());
    let first_nodes = nodes[run[0] as usize];
    if run.iter().all(|&row| nodes[row as usize] == first_nodes) {
        // Every row has the same keys: one group, no linking.
        let mut group = Group::default();
        for &row in run {
            let r = row as usize;
            out.push((row, group.intake(&rows[r], categories[r], config)));
        }
        return out;
    }
    let mut parent: HashMap<u32, u32> = HashMap::default();
    let mut groups: HashMap<u32, Group> = HashMap::default();
    fn find(parent: &mut HashMap<u32, u32>, mut node: u32) -> u32 {
        loop {
            let up = *parent.entry(node).or_insert(node);
            if up == node {
                return node;
            }
            node = up;
        }
    }
    for &row in run {
        let r = row as usize;
        let mut roots: Vec<u32> = nodes[r]
            .into_iter()
            .flatten()
            .map(|node| find(&mut parent, node))
            .collect();
        roots.sort_unstable();
        roots.dedup();
        let root = roots[0];
        for &loser in &roots[1..] {
            parent.insert(loser, root);
            if let Some(moved) = groups.remove(&loser) {
                groups.entry(root).or_default().absorb(moved);
            }
        }
        let group = groups.entry(root).or_default();
        out.push((row, group.intake(&rows[r], categories[r], config)));
    }
    out
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
    if complaints.len() != labels.len() {
        return Err(Error::invalid(
            "labels",
            format!("{} labels for {} complaints", labels.len(), complaints.len()),
        ));
    }
    if customer_base == Some(0) {
        return Err(Error::invalid("customer_base", "must be at least 1"));
    }
    let mut summary = BatchSummary::default();
    let mut months: HashMap<(i32, u32), Rates> = HashMap::default();
    for (index, (complaint, label)) in complaints.iter().zip(labels).enumerate() {
        if complaint.id != label.id() {
            return Err(Error::invalid(
                format!("labels[{index}]"),
                format!(
                    "is for ticket {:?}, the complaint is {:?}",
                    label.id(),
                    complaint.id
                ),
            ));
        }
        let Some(verdict) = label.verdict() else {
            summary.updates += 1;
            continue;
        };
        let (kind, escalated) = (verdict.kind, verdict.escalated);
        summary.overall.add(kind, escalated);
        let category = verdict.category.as_deref().unwrap_or("(none)");
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
