//! The streaming detector: shared across threads, sharded by customer.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::config::{RepeatConfig, Resolved};
use super::history::{
    self, encode_phone, prepare, prepare_signing, Group, Interner, KeyIndex, Roots, Signing,
};
use super::store::Store;
use super::verdict::{CustomerCounters, EscalationTendency, Intake, RepeatKind, Verdict};
use super::Categorize;
use crate::complaint::Complaint;
use crate::envelope::ArtefactKind;
use crate::error::{Error, Result};

/// Number of independently locked history shards.
const SHARDS: usize = 64;

/// Complaints [`RepeatDetector::check_many`] checks together: enough that
/// their reads keep many cache misses in flight, few enough that what they
/// read stays in the core's cache (a few hundred bytes each) and that an
/// intake waits for the shards only briefly.
const CHECK_CHUNK: usize = 256;

/// How many of a customer's older records the passes of
/// [`RepeatDetector::check_many`] read ahead.
const TOUCH_DEPTH: usize = 2;

/// A complaint in [`RepeatDetector::check_many`]: prepared, with its key
/// hints, or judged.
enum Probe<'a> {
    Ready(history::Prepared<'a>, (u16, u16), Roots),
    Done(Result<Verdict>),
}

const SNAPSHOT: ArtefactKind = ArtefactKind {
    tag: *b"RPTH",
    name: "repeat-complaint history snapshot",
    version: 1,
    is_snapshot: true,
};

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding a lock cannot leave a half-written record: every
    // mutation is a single push or field store after the verdict is computed.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Repeat-complaint detection at intake (domain spec section 4).
///
/// Keeps the complaint history of every customer and answers, for each new
/// complaint, whether it is new, a repeat (重复投诉), a second complaint
/// (二次投诉) or a duplicate dispatch, whether it is escalated (越级投诉), which
/// earlier complaints it matched and which issue thread it joins.
///
/// # Thread safety
///
/// `RepeatDetector` is `Send + Sync`; every method takes `&self`. Share it in
/// an `Arc` between worker threads. Customers are spread over 64 shards with
/// their own locks, so intake for different customers proceeds in parallel;
/// intakes for one customer are serialised, so no complaint is lost or
/// counted twice. A short global lock covers the customer-key index.
///
/// # Example
///
/// ```
/// use custinsight::repeat::{RepeatDetector, RepeatKind};
/// use custinsight::Complaint;
///
/// let detector = RepeatDetector::default();
/// let complaint = |json: &str| -> Complaint { custinsight::from_json("complaint", json).unwrap() };
/// let first = complaint(r#"{"id": "T1", "customer_id": "C1", "received_at": "2026-11-01T09:00:00Z",
///     "channel": "hotline", "category": "broadband.outage", "status": "open"}"#);
/// let again = complaint(r#"{"id": "T2", "phone": "13812345678", "customer_id": "C1",
///     "received_at": "2026-11-03T09:00:00Z", "channel": "hotline",
///     "category": "broadband.outage", "status": "open"}"#);
/// assert_eq!(detector.intake(&first)?.verdict().unwrap().kind, RepeatKind::New);
/// let verdict = detector.intake(&again)?.verdict().cloned().unwrap();
/// assert_eq!(verdict.kind, RepeatKind::Repeat); // T1 is still open
/// assert_eq!(verdict.matched[0].id, "T1");
/// assert_eq!(verdict.thread, "T1");
///
/// // T1 and T2 get closed; the customer calls again by phone: a second complaint.
/// let mut closed = first.clone();
/// closed.status = custinsight::ComplaintStatus::Closed;
/// closed.closed_at = Some("2026-11-04T09:00:00Z".parse().unwrap());
/// assert!(detector.intake(&closed)?.verdict().is_none()); // an update
/// let mut closed = again.clone();
/// closed.status = custinsight::ComplaintStatus::Closed;
/// closed.closed_at = Some("2026-11-04T09:00:00Z".parse().unwrap());
/// detector.intake(&closed)?;
/// let third = complaint(r#"{"id": "T3", "phone": "+86 138 1234 5678",
///     "received_at": "2026-11-10T09:00:00Z", "channel": "regulator",
///     "category": "broadband.outage", "status": "open"}"#);
/// let verdict = detector.intake(&third)?.verdict().cloned().unwrap();
/// assert_eq!(verdict.kind, RepeatKind::Second);
/// assert!(verdict.escalated);
/// assert_eq!(verdict.repeat_count, 2);
/// # Ok::<(), custinsight::Error>(())
/// ```
pub struct RepeatDetector {
    config: RepeatConfig,
    resolved: Resolved,
    categorizer: Option<Arc<dyn Categorize>>,
    categories: RwLock<Interner>,
    index: Mutex<KeyIndex>,
    shards: Box<[Mutex<Store>]>,
}

impl Default for RepeatDetector {
    fn default() -> Self {
        RepeatDetector::new(RepeatConfig::default()).expect("the default configuration is valid")
    }
}

impl std::fmt::Debug for RepeatDetector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RepeatDetector")
            .field("config", &self.config)
            .field("categorizer", &self.categorizer.is_some())
            .field("complaints", &self.len())
            .finish()
    }
}

fn shard_of(root: u32) -> usize {
    root as usize % SHARDS
}

impl RepeatDetector {
    /// An empty detector.
    ///
    /// # Errors
    /// [`Error::Config`] when the configuration is out of range.
    pub fn new(config: RepeatConfig) -> Result<Self> {
        config.validate()?;
        Ok(Self::with_state(config, Interner::default(), KeyIndex::default()))
    }

    fn with_state(config: RepeatConfig, categories: Interner, index: KeyIndex) -> Self {
        RepeatDetector {
            resolved: Resolved::new(&config),
            config,
            categorizer: None,
            categories: RwLock::new(categories),
            index: Mutex::new(index),
            shards: (0..SHARDS)
                .map(|shard| Mutex::new(Store::new(shard as u32, SHARDS as u32)))
                .collect(),
        }
    }

    /// Gives the detector a categoriser for complaints that arrive without a
    /// category but with text.
    pub fn with_categorizer(mut self, categorizer: Arc<dyn Categorize>) -> Self {
        self.categorizer = Some(categorizer);
        self
    }

    /// The configuration.
    pub fn config(&self) -> &RepeatConfig {
        &self.config
    }

    fn category_ids(&self, category: Option<&str>) -> Result<(u16, u16)> {
        let known = self
            .categories
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .lookup_category(category);
        match known {
            Some(ids) => Ok(ids),
            None => self
                .categories
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .intern_category(category),
        }
    }

    /// Judges a complaint against the history and remembers it; or, when its
    /// ticket id is already remembered for this customer, updates its status
    /// and close time (closing a ticket is not a new complaint; the other
    /// fields of an update are not looked at).
    ///
    /// Complaints may arrive slightly out of order: a remembered complaint
    /// received after this one is not a prior of it.
    ///
    /// Without a category, the categoriser (if any) classifies the text; a
    /// complaint left without a category is compared by text similarity
    /// against the customer's complaints of any category.
    ///
    /// # Errors
    /// [`Error::InvalidField`] when the complaint breaks a domain rule
    /// ([`Complaint::validate`]), or has neither a category nor a text to
    /// compare.
    pub fn intake(&self, complaint: &Complaint) -> Result<Intake> {
        let prepared = prepare(&complaint.view(), self.categorizer.as_deref())?;
        if prepared.require_issue().is_err() && !self.knows_ticket(&prepared) {
            prepared.require_issue()?;
        }
        let category = self.category_ids(prepared.category.as_deref())?;
        let (mut shard, root) = {
            let mut index = lock(&self.index);
            let link = index.link(prepared.customer_id, prepared.phone);
            if let Some(loser) = link.merged {
                self.merge(link.root, loser, link.forward);
            }
            // Take the shard before releasing the index, so that a merge
            // queued behind us waits until this complaint is stored.
            (lock(&self.shards[shard_of(link.root)]), link.root)
        };
        Ok(shard.intake(root, &prepared, category, &self.resolved))
    }

    /// Whether the complaint's ticket id is already remembered for its
    /// customer (so the complaint is a status update).
    fn knows_ticket(&self, prepared: &history::Prepared<'_>) -> bool {
        let roots = lock(&self.index).lookup(prepared.customer_id, prepared.phone);
        roots
            .as_slice()
            .iter()
            .any(|&root| lock(&self.shards[shard_of(root)]).knows(root, prepared.id))
    }

    /// Moves the history of group `loser` into group `root`, leaving a
    /// forward to `root` in its place when `forward` (some key's root hint
    /// may name `loser`). Called with the index locked; takes the two shard
    /// locks in index order.
    fn merge(&self, root: u32, loser: u32, forward: bool) {
        let (a, b) = (shard_of(root), shard_of(loser));
        if a == b {
            let mut shard = lock(&self.shards[a]);
            shard.splice(root, loser);
            if forward {
                shard.forward(loser, root);
            }
            return;
        }
        let (low, high) = (lock(&self.shards[a.min(b)]), lock(&self.shards[a.max(b)]));
        let (mut root_shard, mut loser_shard) = if a < b { (low, high) } else { (high, low) };
        if let Some(moved) = loser_shard.take(loser) {
            root_shard.import(root, &moved);
        }
        if forward {
            loser_shard.forward(loser, root);
        }
    }

    /// The shard of group `hint` locked, after following its forwards to
    /// the group it is now part of, and that group's root.
    fn resolve(&self, mut hint: u32) -> (MutexGuard<'_, Store>, u32) {
        loop {
            let shard = lock(&self.shards[shard_of(hint)]);
            match shard.forwarded(hint) {
                Some(into) => hint = into,
                None => return (shard, hint),
            }
        }
    }

    /// The root of the group that group `hint` is now part of.
    fn root_of(&self, hint: u32) -> u32 {
        self.resolve(hint).1
    }

    /// Judges a complaint against the history without remembering it (for a
    /// preview on an intake form).
    ///
    /// # Errors
    /// As [`RepeatDetector::intake`].
    pub fn check(&self, complaint: &Complaint) -> Result<Verdict> {
        let (prepared, category) = self.prepare_check(complaint)?;
        let hints = lock(&self.index).hints(prepared.customer_id, prepared.phone);
        self.check_hinted(complaint, prepared, category, hints)
    }

    /// [`RepeatDetector::check`] of many complaints: the same verdicts, in
    /// the same order, from fewer memory round trips.
    ///
    /// A check against a large history waits on memory more than it
    /// computes: the customer's key, head and older records are each a
    /// cache miss. Checked one by one, the misses come one after another;
    /// here the checks of a few hundred complaints look up their keys under
    /// one lock, then their heads and older records side by side, so that
    /// the misses overlap. For a service that previews many intakes at once
    /// (a queue drained by a worker, a nightly list of open tickets) this
    /// gave 1.1 to 1.6 times the checks per second of
    /// [`RepeatDetector::check`] in a loop, with 10 million complaints
    /// remembered; `cargo run --release --example repeat_measure` prints
    /// both.
    ///
    /// Each group of 256 checks holds every shard's lock while
    /// it is judged (a fraction of a millisecond): intakes on other threads
    /// wait that long. Checks remember nothing, so the order in which they
    /// are judged does not change their verdicts.
    ///
    /// # Example
    ///
    /// ```
    /// use custinsight::repeat::{RepeatDetector, RepeatKind};
    /// use custinsight::Complaint;
    ///
    /// let detector = RepeatDetector::default();
    /// let complaint = |json: &str| -> Complaint { custinsight::from_json("complaint", json).unwrap() };
    /// detector.intake(&complaint(r#"{"id": "T1", "customer_id": "C1",
    ///     "received_at": "2026-11-01T09:00:00Z", "channel": "hotline",
    ///     "category": "broadband.outage", "status": "open"}"#))?;
    /// let probes = [
    ///     complaint(r#"{"id": "T2", "customer_id": "C1", "received_at": "2026-11-03T09:00:00Z",
    ///         "channel": "hotline", "category": "broadband.outage", "status": "open"}"#),
    ///     complaint(r#"{"id": "T3", "customer_id": "C2", "received_at": "2026-11-03T09:00:00Z",
    ///         "channel": "hotline", "category": "broadband.outage", "status": "open"}"#),
    /// ];
    /// let verdicts = detector.check_many(&probes);
    /// assert_eq!(verdicts[0].as_ref().unwrap().kind, RepeatKind::Repeat);
    /// assert_eq!(verdicts[1].as_ref().unwrap().kind, RepeatKind::New);
    /// assert_eq!(detector.len(), 1); // nothing remembered
    /// # Ok::<(), custinsight::Error>(())
    /// ```
    pub fn check_many(&self, complaints: &[Complaint]) -> Vec<Result<Verdict>> {
        let mut verdicts = Vec::with_capacity(complaints.len());
        for chunk in complaints.chunks(CHECK_CHUNK) {
            self.check_chunk(chunk, &mut verdicts);
        }
        verdicts
    }

    /// [`RepeatDetector::check_many`] of at most [`CHECK_CHUNK`] complaints,
    /// their verdicts appended to `verdicts`.
    fn check_chunk(&self, chunk: &[Complaint], verdicts: &mut Vec<Result<Verdict>>) {
        let mut probes: Vec<Probe<'_>> = chunk
            .iter()
            .map(|complaint| match self.prepare_check(complaint) {
                Ok((prepared, category)) => Probe::Ready(prepared, category, Roots::of(None, None)),
                Err(err) => Probe::Done(Err(err)),
            })
            .collect();
        {
            let index = lock(&self.index);
            for probe in &mut probes {
                if let Probe::Ready(prepared, _, hints) = probe {
                    *hints = index.hints(prepared.customer_id, prepared.phone);
                }
            }
        }
        // The probes of a known customer with one key hint are judged with
        // every shard locked (in index order, as a merge takes them), so
        // that their heads and records can be read in passes of independent
        // loads before any of them is judged.
        let single = |probe: &Probe<'_>| match probe {
            Probe::Ready(_, _, hints) => match *hints.as_slice() {
                [hint] => Some(hint),
                _ => None,
            },
            Probe::Done(_) => None,
        };
        if probes.iter().any(|probe| single(probe).is_some()) {
            let shards: Vec<MutexGuard<'_, Store>> = self.shards.iter().map(lock).collect();
            let store = |root: u32| &*shards[shard_of(root)];
            let mut touched = 0u64;
            for root in probes.iter().filter_map(single) {
                touched ^= store(root).touch_head(root);
            }
            for depth in 0..TOUCH_DEPTH {
                for root in probes.iter().filter_map(single) {
                    touched ^= store(root).touch_older(root, depth);
                }
            }
            std::hint::black_box(touched);
            for (complaint, probe) in chunk.iter().zip(&mut probes) {
                let Probe::Ready(prepared, category, hints) = probe else {
                    continue;
                };
                // A merged group is followed by `check_hinted`, which takes
                // the locks of the shards on the way.
                let [root] = *hints.as_slice() else { continue };
                if store(root).forwarded(root).is_some() {
                    continue;
                }
                let verdict = store(root).check(root, complaint, prepared, *category, &self.resolved);
                *probe = Probe::Done(verdict);
            }
        }
        for (complaint, probe) in chunk.iter().zip(probes) {
            verdicts.push(match probe {
                Probe::Done(verdict) => verdict,
                Probe::Ready(prepared, category, hints) => {
                    self.check_hinted(complaint, prepared, category, hints)
                }
            });
        }
    }

    /// A complaint validated and reduced for a check, and its interned
    /// categories. Signing a text costs more than the rest of a check: with
    /// a category given, it is signed only when a prior needs comparing.
    fn prepare_check<'a>(&self, complaint: &'a Complaint) -> Result<(history::Prepared<'a>, (u16, u16))> {
        let prepared = prepare_signing(
            &complaint.view(),
            self.categorizer.as_deref(),
            Signing::WithoutCategory,
        )?;
        let category = self.category_ids(prepared.category.as_deref())?;
        Ok((prepared, category))
    }

    /// A check, from the customer's key hints on.
    fn check_hinted(
        &self,
        complaint: &Complaint,
        mut prepared: history::Prepared<'_>,
        category: (u16, u16),
        hints: Roots,
    ) -> Result<Verdict> {
        // Judge against the customer's history as the intake would see it
        // after linking: one group, or the union of the groups it would merge.
        let roots = match *hints.as_slice() {
            [a, b] => Roots::of(Some(self.root_of(a)), Some(self.root_of(b))),
            _ => hints,
        };
        if let [root] = *roots.as_slice() {
            let (shard, root) = self.resolve(root);
            return shard.check(root, complaint, &mut prepared, category, &self.resolved);
        }
        // Two groups the intake would merge, or none (an unknown customer).
        let mut group = Group::default();
        for &root in roots.as_slice() {
            let (shard, root) = self.resolve(root);
            if let Some(found) = shard.export(root) {
                group.absorb(found);
            }
        }
        history::check_against(&group, complaint, &mut prepared, category, &self.resolved)
    }

    /// The counters carriers keep for a customer, over the window before
    /// `now` (inclusive): complaints, repeats, second complaints, escalated
    /// and open ones, and the escalation tendency.
    ///
    /// # Errors
    /// [`Error::InvalidField`] when neither key is given or the phone is
    /// malformed.
    pub fn customer_counters(
        &self,
        customer_id: Option<&str>,
        phone: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<CustomerCounters> {
        if customer_id.is_none() && phone.is_none() {
            return Err(Error::invalid(
                "customer_id",
                "give a customer_id or a phone to tell whose counters",
            ));
        }
        let phone = phone.map(crate::normalize_phone).transpose()?;
        let roots = lock(&self.index).lookup(customer_id, phone.as_deref().map(encode_phone));
        let now_ms = now.timestamp_millis();
        let mut counters = CustomerCounters::default();
        for &root in roots.as_slice() {
            let shard = lock(&self.shards[shard_of(root)]);
            counters.tendency = counters
                .tendency
                .max(EscalationTendency::from_bits(shard.tendency(root)));
            shard.each(root, |_, record| {
                if record.received_ms > now_ms || now_ms - record.received_ms > self.resolved.window_ms {
                    return;
                }
                counters.complaints += 1;
                match record.kind() {
                    RepeatKind::Repeat => counters.repeats += 1,
                    RepeatKind::Second => counters.seconds += 1,
                    _ => {}
                }
                counters.escalated += u32::from(record.escalated());
                counters.open += u32::from(record.open_at(now_ms));
            });
        }
        Ok(counters)
    }

    /// Drops the complaints received more than the window before `now`:
    /// they can no longer match a complaint received at or after `now`.
    /// Customers' escalation tendencies are kept. Returns how many complaints
    /// were dropped.
    ///
    /// A complaint received before `now` that arrives after compaction is
    /// judged against the compacted history. Customer keys and their links
    /// are kept, so a later complaint still finds the customer.
    pub fn compact(&self, now: DateTime<Utc>) -> usize {
        let cutoff = now.timestamp_millis().saturating_sub(self.resolved.window_ms);
        let mut dropped = 0;
        for shard in self.shards.iter() {
            dropped += lock(shard).compact(cutoff);
        }
        dropped
    }

    /// Number of remembered complaints.
    pub fn len(&self) -> usize {
        self.shards.iter().map(|shard| lock(shard).len()).sum()
    }

    /// Whether no complaint is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The whole history (configuration, customer keys, complaints) as bytes:
    /// a versioned, CRC-32-checksummed container. A consistent cut: intakes
    /// wait only while the state is copied (flat vectors and the key index),
    /// not while the copy is encoded; `repeat_measure` prints the longest
    /// wait an intake saw during a snapshot. Writing it to a file atomically is the
    /// caller's job (the bindings write a temporary file, fsync, rename).
    pub fn snapshot(&self) -> Vec<u8> {
        let (index, shards, categories) = {
            let index = lock(&self.index);
            let shards: Vec<_> = self.shards.iter().map(lock).collect();
            let categories = self.categories.read().unwrap_or_else(PoisonError::into_inner);
            (
                index.clone(),
                shards.iter().map(|shard| Store::clone(shard)).collect::<Vec<_>>(),
                categories.codes().to_vec(),
            )
        };
        let mut ids: Vec<(&str, u32)> = index.ids.iter().map(|(k, v)| (&**k, v.node)).collect();
        ids.sort_unstable();
        let mut phones: Vec<(u64, u32)> = index.phones.iter().map(|(&k, v)| (k, v.node)).collect();
        phones.sort_unstable();
        // Each shard's copy is dropped once its groups are out, so the peak
        // stays near what a snapshot under the locks needed.
        let mut groups: Vec<(u32, Group)> = Vec::new();
        for shard in shards {
            groups.extend(shard.groups());
        }
        groups.sort_unstable_by_key(|&(root, _)| root);
        SNAPSHOT.seal_value(&SnapshotRef {
            config: &self.config,
            categories: &categories,
            ids,
            phones,
            parent: &index.parent,
            groups,
        })
    }

    /// A detector answering exactly as the one that took `snapshot`, with the
    /// configuration it had. Give it the categoriser again with
    /// [`RepeatDetector::with_categorizer`].
    ///
    /// # Errors
    /// [`Error::SnapshotFormat`] when the bytes are truncated, corrupted, of
    /// another kind or version, or inconsistent.
    pub fn restore(snapshot: &[u8]) -> Result<Self> {
        let data: SnapshotOwned = SNAPSHOT.open_value(snapshot)?;
        let bad = |reason: String| Error::SnapshotFormat { reason };
        data.config
            .validate()
            .map_err(|err| bad(format!("holds an invalid configuration: {err}")))?;
        let nodes = data.parent.len();
        let in_range = |node: u32| (node as usize) < nodes;
        // Unions always point a larger node at a smaller one: no cycles.
        if !data
            .parent
            .iter()
            .enumerate()
            .all(|(node, &p)| p as usize <= node)
            || !data.ids.iter().all(|&(_, n)| in_range(n))
            || !data.phones.iter().all(|&(_, n)| in_range(n))
            || !data
                .groups
                .iter()
                .all(|&(root, _)| in_range(root) && data.parent[root as usize] == root)
        {
            return Err(bad("refers to a customer key that does not exist".into()));
        }
        let index = KeyIndex::from_parts(data.ids, data.phones, data.parent);
        let categories = data.categories.len();
        let detector = Self::with_state(data.config, Interner::from_codes(data.categories), index);
        for (root, group) in data.groups {
            if !group.is_consistent(categories) {
                return Err(bad(format!("customer group {root} is inconsistent")));
            }
            let mut shard = lock(&detector.shards[shard_of(root)]);
            if shard.contains(root) {
                return Err(bad(format!("customer group {root} appears twice")));
            }
            shard.import(root, &group);
        }
        Ok(detector)
    }
}

#[derive(Serialize)]
struct SnapshotRef<'a> {
    config: &'a RepeatConfig,
    categories: &'a [String],
    ids: Vec<(&'a str, u32)>,
    phones: Vec<(u64, u32)>,
    parent: &'a [u32],
    groups: Vec<(u32, Group)>,
}

#[derive(Deserialize)]
struct SnapshotOwned {
    config: RepeatConfig,
    categories: Vec<String>,
    ids: Vec<(String, u32)>,
    phones: Vec<(u64, u32)>,
    parent: Vec<u32>,
    groups: Vec<(u32, Group)>,
}
