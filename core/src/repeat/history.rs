//! The history store: compact records grouped per customer, the customer-key
//! index and the judging rule shared by streaming intake and batch labelling.

use std::borrow::Cow;

use compact_str::CompactString;
use rustc_hash::FxHashMap as HashMap;

use serde::{Deserialize, Serialize};

use super::config::Resolved;
use super::signature::{similarity_of_distance, TextSignature};
use super::verdict::{EscalationTendency, PriorMatch, RepeatKind, Verdict};
use super::Categorize;
use crate::channel::{Channel, ChannelTier};
use crate::complaint::{Complaint, ComplaintRef, ComplaintStatus};
use crate::error::{Error, Result};
use crate::taxonomy::{level1, validate_category_code, Signal};

/// Close time of a complaint that is still open.
pub(crate) const OPEN: i64 = i64::MAX;

const FLAG_TEXT: u8 = 1 << 2;
const FLAG_REGULATOR: u8 = 1 << 3;
const FLAG_MEDIA: u8 = 1 << 4;
const FLAG_ESCALATED: u8 = 1 << 5;

/// Where a string sits in a group's id arena.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub off: u32,
    pub len: u16,
}

/// No record: the end of a customer's chain in a [`super::store::Store`].
pub(crate) const NONE: u32 = u32::MAX;

/// Longest ticket id, in bytes.
pub(crate) const MAX_ID_LEN: usize = u16::MAX as usize;

/// FNV-1a, 32 bits: a stable pre-filter for ticket-id comparisons (stored in
/// snapshots, so it must not change between releases).
pub(crate) fn id_hash(id: &str) -> u32 {
    id.bytes().fold(0x811c_9dc5u32, |hash, b| {
        (hash ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// One remembered complaint: 48 bytes, the raw text is not kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Record {
    /// Receive time, milliseconds since the Unix epoch.
    pub received_ms: i64,
    /// Close time in milliseconds, [`OPEN`] while open.
    pub closed_ms: i64,
    /// SimHash of the text (valid when `FLAG_TEXT` is set).
    pub signature: u64,
    /// Offset of the ticket id in the group's arena.
    id_off: u32,
    /// Offset of the id of the ticket that opened this one's issue thread.
    thread_off: u32,
    /// [`id_hash`] of the ticket id.
    pub id_hash: u32,
    /// The customer's previous record in a shard store, [`NONE`] at the end
    /// (unused in a [`Group`]).
    pub prev: u32,
    id_len: u16,
    thread_len: u16,
    /// Interned level-2 category, 0 when none.
    pub category: u16,
    /// Interned level-1 category, 0 when none.
    pub level1: u16,
    /// Index of the channel in [`Channel::ALL`].
    pub channel: u8,
    /// Bits 0-1 the kind, then the `FLAG_*` bits.
    pub flags: u8,
}

impl Record {
    /// A record of zeros (the empty ticket id, no category, no text).
    pub const ZERO: Record = Record {
        received_ms: 0,
        closed_ms: 0,
        signature: 0,
        id_off: 0,
        thread_off: 0,
        id_hash: 0,
        prev: NONE,
        id_len: 0,
        thread_len: 0,
        category: 0,
        level1: 0,
        channel: 0,
        flags: 0,
    };

    pub fn id_span(&self) -> Span {
        Span {
            off: self.id_off,
            len: self.id_len,
        }
    }

    pub fn thread_span(&self) -> Span {
        Span {
            off: self.thread_off,
            len: self.thread_len,
        }
    }

    pub fn set_id(&mut self, span: Span) {
        (self.id_off, self.id_len) = (span.off, span.len);
    }

    pub fn set_thread(&mut self, span: Span) {
        (self.thread_off, self.thread_len) = (span.off, span.len);
    }

    /// Moves both spans `by` bytes on: the record's arena was appended to
    /// another at that offset.
    pub fn shift_spans(&mut self, by: u32) {
        self.id_off += by;
        self.thread_off += by;
    }

    pub fn kind(&self) -> RepeatKind {
        RepeatKind::from_bits(self.flags)
    }

    pub fn escalated(&self) -> bool {
        self.flags & FLAG_ESCALATED != 0
    }

    fn signature(&self) -> Option<u64> {
        (self.flags & FLAG_TEXT != 0).then_some(self.signature)
    }

    pub fn open_at(&self, at_ms: i64) -> bool {
        self.closed_ms > at_ms
    }
}

/// A complaint reduced to what the detector compares; borrows the complaint.
#[derive(Debug, Clone)]
pub(crate) struct Prepared<'a> {
    pub id: &'a str,
    pub customer_id: Option<&'a str>,
    /// The normalised phone encoded by [`encode_phone`].
    pub phone: Option<u64>,
    pub status: ComplaintStatus,
    /// The category: given, or from the categoriser.
    pub category: Option<Cow<'a, str>>,
    pub facts: Facts,
}

/// What judging a complaint and remembering it read of it: a batch keeps
/// this of each row (beside its keys, in one cache line), and the strings
/// only in the complaints.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Facts {
    pub received_ms: i64,
    /// Close time in milliseconds, [`OPEN`] while open.
    pub closed_ms: i64,
    pub signature: Option<u64>,
    /// [`id_hash`] of the ticket id.
    pub id_hash: u32,
    /// Index of the channel in [`Channel::ALL`].
    pub channel: u8,
    /// [`signal_bit`]s of the complaint's signals.
    pub signals: u8,
    /// The complaint has a text that was not signed: a check or a batch
    /// signs it only when a comparison needs it.
    pub text_unsigned: bool,
}

impl Facts {
    /// Whether the complaint carries `signal`.
    pub(crate) fn has(&self, signal: Signal) -> bool {
        self.signals & signal_bit(signal) != 0
    }
}

// Every signal has its bit in a byte.
const _: () = assert!(Signal::ALL.len() <= 8);

/// A signal as one bit of a byte.
pub(crate) fn signal_bit(signal: Signal) -> u8 {
    1 << signal as u8
}

/// The bits of a list of signals.
pub(crate) fn signal_bits(signals: &[Signal]) -> u8 {
    signals.iter().fold(0, |bits, &signal| bits | signal_bit(signal))
}

/// Validates a complaint and reduces it to what the detector compares.
pub(crate) fn prepare<'a>(
    complaint: &ComplaintRef<'a>,
    categorizer: Option<&dyn Categorize>,
) -> Result<Prepared<'a>> {
    prepare_signing(complaint, categorizer, Signing::Always)
}

/// When [`prepare`] computes the text signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signing {
    Always,
    /// Only when the complaint has no category given: a check computes it
    /// later, and only when the history has a prior it must compare texts
    /// with ([`needs_signature`]).
    WithoutCategory,
}

/// [`prepare`], signing the text as `signing` says.
pub(crate) fn prepare_signing<'a>(
    complaint: &ComplaintRef<'a>,
    categorizer: Option<&dyn Categorize>,
    signing: Signing,
) -> Result<Prepared<'a>> {
    prepare_checking(complaint, categorizer, signing, true)
}

/// [`prepare`] without the check of the given category code's form: for a
/// batch, which checks each distinct code once
/// ([`crate::taxonomy::validate_category_code`]) and then reports the first
/// row whose code fails. The text of a complaint with a category is not
/// signed: the replay signs it when some other complaint of the customer
/// could be compared with it.
pub(crate) fn prepare_batch_row<'a>(
    complaint: &ComplaintRef<'a>,
    categorizer: Option<&dyn Categorize>,
) -> Result<Prepared<'a>> {
    prepare_checking(complaint, categorizer, Signing::WithoutCategory, false)
}

fn prepare_checking<'a>(
    complaint: &ComplaintRef<'a>,
    categorizer: Option<&dyn Categorize>,
    signing: Signing,
    check_category: bool,
) -> Result<Prepared<'a>> {
    let checked = complaint.validate_fields(check_category)?;
    if complaint.id.len() > MAX_ID_LEN {
        return Err(Error::invalid("id", format!("is longer than {MAX_ID_LEN} bytes")));
    }
    let phone = checked.phone.as_deref().map(encode_phone);
    let signed = signing == Signing::Always || complaint.category.is_none();
    let signature = if signed { sign(complaint.text) } else { None };
    // The text is read for what the complaint lacks: its category, or its
    // signals when the categoriser finds them.
    let wants_signals = complaint.signals.is_empty() && categorizer.is_some_and(|c| c.finds_signals());
    let (read_category, read_signals) = match (categorizer, complaint.text) {
        (Some(categorizer), Some(text)) if wants_signals => {
            let reading = categorizer.read(text);
            (reading.category, signal_bits(&reading.signals))
        }
        (Some(categorizer), Some(text)) if complaint.category.is_none() => (categorizer.categorize(text), 0),
        _ => (None, 0),
    };
    let category = match (complaint.category, read_category) {
        (Some(category), _) => Some(Cow::Borrowed(category)),
        (None, Some(category)) => {
            validate_category_code(&category).map_err(|err| {
                Error::invalid(
                    "category",
                    format!("the categoriser returned a malformed code: {err}"),
                )
            })?;
            Some(Cow::Owned(category))
        }
        (None, None) => None,
    };
    let received_ms = checked.received_ms;
    let closed_ms = match (complaint.status, checked.closed_ms) {
        (ComplaintStatus::Open, _) => OPEN,
        (ComplaintStatus::Closed, Some(at)) => at,
        // Closed without a close time: treated as closed since it was received.
        (ComplaintStatus::Closed, None) => received_ms,
    };
    Ok(Prepared {
        id: complaint.id,
        customer_id: complaint.customer_id,
        phone,
        status: complaint.status,
        category,
        facts: Facts {
            received_ms,
            closed_ms,
            signature,
            id_hash: id_hash(complaint.id),
            channel: channel_index(complaint.channel),
            signals: signal_bits(complaint.signals) | read_signals,
            text_unsigned: !signed && complaint.text.is_some(),
        },
    })
}

/// The text signature of a complaint's text, when it has letters or
/// digits.
pub(crate) fn sign(text: Option<&str>) -> Option<u64> {
    text.and_then(TextSignature::of).map(|s| s.0)
}

/// Whether judging a complaint against `history` would read its text
/// signature: some prior in the window has a text (to compare by, or to
/// report the similarity of).
pub(crate) fn needs_signature<H: History>(history: &H, now: i64, config: &Resolved) -> bool {
    let mut needed = false;
    history.each(|_, record| {
        needed |= record.signature().is_some()
            && record.received_ms <= now
            && now - record.received_ms <= config.window_ms;
    });
    needed
}

impl Prepared<'_> {
    /// A row that stands for nothing: fills the place of an invalid
    /// complaint until the error is reported.
    pub(crate) fn placeholder() -> Self {
        Prepared {
            id: "",
            customer_id: None,
            phone: None,
            status: ComplaintStatus::Open,
            category: None,
            facts: Facts {
                received_ms: 0,
                closed_ms: OPEN,
                signature: None,
                id_hash: id_hash(""),
                channel: 0,
                signals: 0,
                text_unsigned: false,
            },
        }
    }

    /// Whether the complaint says what it is about: a category, or a text to
    /// compare. A status update of a known ticket needs neither.
    pub(crate) fn require_issue(&self) -> Result<()> {
        if self.category.is_none() && self.facts.signature.is_none() {
            return Err(Error::invalid(
                "category",
                "a new complaint needs a category, or a text with letters or digits, to tell its issue",
            ));
        }
        Ok(())
    }
}

pub(crate) fn channel_index(channel: Channel) -> u8 {
    Channel::ALL
        .iter()
        .position(|&c| c == channel)
        .expect("every channel is in Channel::ALL") as u8
}

/// Encodes a normalised phone number (digits only, at most 17 of them) as
/// the number `1` followed by its digits, so that leading zeros count.
pub(crate) fn encode_phone(digits: &str) -> u64 {
    debug_assert!(digits.len() <= 18);
    digits.bytes().fold(1u64, |acc, b| acc * 10 + u64::from(b - b'0'))
}

/// Category codes interned to small numbers; 0 means none.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Interner {
    codes: Vec<String>,
    #[serde(skip)]
    lookup: HashMap<String, u16>,
    /// The level-2 and level-1 ids of every category interned with
    /// [`Interner::intern_category`]: one lookup per complaint instead of
    /// two.
    #[serde(skip)]
    categories: HashMap<String, (u16, u16)>,
}

impl Interner {
    pub fn from_codes(codes: Vec<String>) -> Self {
        let lookup: HashMap<String, u16> = codes
            .iter()
            .enumerate()
            .map(|(index, code)| (code.clone(), index as u16 + 1))
            .collect();
        let categories = codes
            .iter()
            .filter_map(|code| Some((code.clone(), (lookup[code], *lookup.get(level1(code))?))))
            .collect();
        Interner {
            codes,
            lookup,
            categories,
        }
    }

    pub fn get(&self, code: &str) -> Option<u16> {
        self.lookup.get(code).copied()
    }

    pub fn intern(&mut self, code: &str) -> Result<u16> {
        if let Some(id) = self.get(code) {
            return Ok(id);
        }
        if self.codes.len() >= usize::from(u16::MAX) {
            return Err(Error::invalid(
                "category",
                format!("more than {} distinct category codes", u16::MAX),
            ));
        }
        self.codes.push(code.to_owned());
        let id = self.codes.len() as u16;
        self.lookup.insert(code.to_owned(), id);
        Ok(id)
    }

    /// The level-2 and level-1 ids of a category, interning both.
    pub fn intern_category(&mut self, category: Option<&str>) -> Result<(u16, u16)> {
        let Some(code) = category else {
            return Ok((0, 0));
        };
        if let Some(&ids) = self.categories.get(code) {
            return Ok(ids);
        }
        let ids = (self.intern(code)?, self.intern(level1(code))?);
        self.categories.insert(code.to_owned(), ids);
        Ok(ids)
    }

    /// The level-2 and level-1 ids of a category when both are interned.
    pub fn lookup_category(&self, category: Option<&str>) -> Option<(u16, u16)> {
        match category {
            None => Some((0, 0)),
            Some(code) => self.categories.get(code).copied(),
        }
    }

    pub fn codes(&self) -> &[String] {
        &self.codes
    }
}

/// The root of `node` in the union-find forest `parent`, halving the path
/// on the way.
pub(crate) fn find_root(parent: &mut [u32], mut node: u32) -> u32 {
    while parent[node as usize] != node {
        let grand = parent[parent[node as usize] as usize];
        parent[node as usize] = grand;
        node = grand;
    }
    node
}

/// A customer key's entry in the [`KeyIndex`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Key {
    /// The key's union-find node.
    pub node: u32,
    /// The root of the key's group when a complaint carrying the key was
    /// last linked: exact unless the group was merged into another since,
    /// and then its head in the shard store forwards to the group it went
    /// into. Lets a check find the customer's head without walking the
    /// union-find (a cache miss per step at scale).
    pub root: u32,
}

impl Key {
    fn new(node: u32) -> Self {
        Key { node, root: node }
    }
}

/// The union-find of customer keys: a customer id and a phone number that
/// appeared on the same complaint belong to one customer from then on.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeyIndex {
    /// Customer ids kept inline (up to 24 bytes, the usual CRM id): a
    /// lookup compares the key without following a pointer to the heap.
    pub ids: HashMap<CompactString, Key>,
    pub phones: HashMap<u64, Key>,
    pub parent: Vec<u32>,
}

/// Up to two distinct group roots, smallest first.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Roots {
    roots: [u32; 2],
    len: usize,
}

impl Roots {
    pub fn of(a: Option<u32>, b: Option<u32>) -> Roots {
        match (a, b) {
            (Some(a), Some(b)) if a != b => Roots {
                roots: [a.min(b), a.max(b)],
                len: 2,
            },
            (Some(x), _) | (None, Some(x)) => Roots {
                roots: [x, x],
                len: 1,
            },
            (None, None) => Roots {
                roots: [0, 0],
                len: 0,
            },
        }
    }

    pub fn as_slice(&self) -> &[u32] {
        &self.roots[..self.len]
    }
}

/// The outcome of linking a complaint's keys.
pub(crate) struct Link {
    /// The customer's group after linking.
    pub root: u32,
    /// The group merged into `root` by this complaint.
    pub merged: Option<u32>,
    /// Whether some key's [`Key::root`] hint may still name `merged`, so
    /// that its head must forward to `root`: not when `merged` is the node
    /// of a key this complaint brought in (its only key is re-hinted here).
    pub forward: bool,
}

impl KeyIndex {
    fn new_node(&mut self) -> u32 {
        let node = self.parent.len() as u32;
        self.parent.push(node);
        node
    }

    pub fn find(&mut self, node: u32) -> u32 {
        find_root(&mut self.parent, node)
    }

    fn find_readonly(&self, mut node: u32) -> u32 {
        while self.parent[node as usize] != node {
            node = self.parent[node as usize];
        }
        node
    }

    /// The groups of a customer's known keys (none, one, or two not yet
    /// linked), smallest first.
    pub fn lookup(&self, customer_id: Option<&str>, phone: Option<u64>) -> Roots {
        let by_id = customer_id
            .and_then(|id| self.ids.get(id))
            .map(|key| self.find_readonly(key.node));
        let by_phone = phone
            .and_then(|phone| self.phones.get(&phone))
            .map(|key| self.find_readonly(key.node));
        Roots::of(by_id, by_phone)
    }

    /// The [`Key::root`] hints of a customer's known keys: [`KeyIndex::lookup`]
    /// without touching the union-find, for a caller that follows the shard
    /// stores' forwards ([`super::store::Store::forwarded`]) to the roots.
    pub fn hints(&self, customer_id: Option<&str>, phone: Option<u64>) -> Roots {
        let by_id = customer_id.and_then(|id| self.ids.get(id)).map(|key| key.root);
        let by_phone = phone
            .and_then(|phone| self.phones.get(&phone))
            .map(|key| key.root);
        Roots::of(by_id, by_phone)
    }

    /// The node of customer id `id` (created when new) and whether it was.
    fn node_of_id(&mut self, id: &str) -> (u32, bool) {
        match self.ids.get(id) {
            Some(key) => (key.node, false),
            None => {
                let node = self.new_node();
                self.ids.insert(CompactString::from(id), Key::new(node));
                (node, true)
            }
        }
    }

    /// The node of `phone` (created when new) and whether it was.
    fn node_of_phone(&mut self, phone: u64) -> (u32, bool) {
        match self.phones.get(&phone) {
            Some(key) => (key.node, false),
            None => {
                let node = self.new_node();
                self.phones.insert(phone, Key::new(node));
                (node, true)
            }
        }
    }

    /// Rebuilds an index from a snapshot's keys and union-find, with exact
    /// root hints.
    pub fn from_parts(ids: Vec<(String, u32)>, phones: Vec<(u64, u32)>, parent: Vec<u32>) -> Self {
        let mut index = KeyIndex {
            ids: HashMap::default(),
            phones: HashMap::default(),
            parent,
        };
        // The union-find is kept as it was (not path-compressed here), so
        // that the restored detector snapshots the same bytes.
        let key = |index: &KeyIndex, node: u32| Key {
            node,
            root: index.find_readonly(node),
        };
        index.ids = ids
            .into_iter()
            .map(|(id, node)| (CompactString::from(id), key(&index, node)))
            .collect();
        index.phones = phones
            .into_iter()
            .map(|(phone, node)| (phone, key(&index, node)))
            .collect();
        index
    }

    /// Adds the complaint's keys and links them. The group with the smallest
    /// root survives, so the outcome does not depend on key order.
    pub fn link(&mut self, customer_id: Option<&str>, phone: Option<u64>) -> Link {
        let nodes = [
            customer_id.map(|id| self.node_of_id(id)),
            phone.map(|phone| self.node_of_phone(phone)),
        ];
        let [a, b] = nodes.map(|node| node.map(|(node, _)| self.find(node)));
        let roots = Roots::of(a, b);
        let (root, merged) = match roots.as_slice() {
            [root] => (*root, None),
            [root, loser] => {
                self.parent[*loser as usize] = *root;
                (*root, Some(*loser))
            }
            _ => unreachable!("a complaint has at least one key"),
        };
        // A new key's node is its own root, so a merged group that is a new
        // key's node was that key alone.
        let forward =
            merged.is_some_and(|loser| !nodes.iter().flatten().any(|&(node, new)| new && node == loser));
        if let Some(id) = customer_id {
            self.ids.get_mut(id).expect("added above").root = root;
        }
        if let Some(phone) = phone {
            self.phones.get_mut(&phone).expect("added above").root = root;
        }
        Link {
            root,
            merged,
            forward,
        }
    }
}

/// The remembered complaints of one customer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Group {
    pub records: Vec<Record>,
    /// Ticket ids of `records` and of their thread roots, back to back.
    pub ids: String,
    /// [`EscalationTendency`] bits, the highest ever reached.
    pub tendency: u8,
}

/// Read access to one customer's records, wherever they are kept.
pub(crate) trait History {
    /// Calls `visit` with the index and record of every record.
    fn each(&self, visit: impl FnMut(usize, &Record));
    /// The record at `index`.
    fn record(&self, index: usize) -> &Record;
    /// A string of the arena the records point into.
    fn text(&self, span: Span) -> &str;
}

impl History for Group {
    fn each(&self, mut visit: impl FnMut(usize, &Record)) {
        for (index, record) in self.records.iter().enumerate() {
            visit(index, record);
        }
    }

    fn record(&self, index: usize) -> &Record {
        &self.records[index]
    }

    fn text(&self, span: Span) -> &str {
        self.str(span)
    }
}

/// Builds the record of a judged complaint, and the escalation tendency it
/// shows.
pub(crate) fn new_record(
    complaint: &Facts,
    category: (u16, u16),
    config: &Resolved,
    (kind, escalated): (RepeatKind, bool),
    id: Span,
    thread: Span,
    prev: u32,
) -> (Record, u8) {
    let mut flags = kind.to_bits();
    if complaint.signature.is_some() {
        flags |= FLAG_TEXT;
    }
    if complaint.has(Signal::Regulator) {
        flags |= FLAG_REGULATOR;
    }
    if complaint.has(Signal::Media) {
        flags |= FLAG_MEDIA;
    }
    if escalated {
        flags |= FLAG_ESCALATED;
    }
    let tier = config.tier(complaint.channel);
    let tendency = if tier == ChannelTier::Media || complaint.has(Signal::Media) {
        EscalationTendency::Media
    } else if tier == ChannelTier::Regulator || complaint.has(Signal::Regulator) {
        EscalationTendency::Regulator
    } else if escalated || tier == ChannelTier::Executive {
        EscalationTendency::SkipLevel
    } else {
        EscalationTendency::None
    };
    let record = Record {
        received_ms: complaint.received_ms,
        closed_ms: complaint.closed_ms,
        signature: complaint.signature.unwrap_or(0),
        id_off: id.off,
        thread_off: thread.off,
        id_hash: complaint.id_hash,
        prev,
        id_len: id.len,
        thread_len: thread.len,
        category: category.0,
        level1: category.1,
        channel: complaint.channel,
        flags,
    };
    (record, tendency.to_bits())
}

impl Group {
    pub fn str(&self, span: Span) -> &str {
        &self.ids[span.off as usize..span.off as usize + span.len as usize]
    }

    pub fn id(&self, record: &Record) -> &str {
        self.str(record.id_span())
    }

    #[cfg(test)]
    pub fn thread(&self, record: &Record) -> &str {
        self.str(record.thread_span())
    }

    /// Moves every record of `other` into this group.
    pub fn absorb(&mut self, other: Group) {
        let shift = self.ids.len() as u32;
        self.ids.push_str(&other.ids);
        self.records.reserve_exact(other.records.len());
        for mut record in other.records {
            record.shift_spans(shift);
            self.records.push(record);
        }
        self.tendency = self.tendency.max(other.tendency);
    }

    /// Drops the records received before `cutoff_ms` and rebuilds the arena.
    /// Returns how many were dropped.
    pub fn compact(&mut self, cutoff_ms: i64) -> usize {
        let before = self.records.len();
        let old_ids = std::mem::take(&mut self.ids);
        let mut records = std::mem::take(&mut self.records);
        records.retain(|record| record.received_ms >= cutoff_ms);
        let mut moved: HashMap<u32, Span> = HashMap::default();
        let mut ids = String::new();
        let mut copy = |span: Span, ids: &mut String| {
            *moved.entry(span.off).or_insert_with(|| {
                let off = ids.len() as u32;
                ids.push_str(&old_ids[span.off as usize..span.off as usize + span.len as usize]);
                Span { off, len: span.len }
            })
        };
        for record in &mut records {
            record.set_id(copy(record.id_span(), &mut ids));
            record.set_thread(copy(record.thread_span(), &mut ids));
        }
        ids.shrink_to_fit();
        records.shrink_to_fit();
        self.ids = ids;
        self.records = records;
        before - self.records.len()
    }

    /// Whether every span lies in the arena on a character boundary and
    /// every category and channel number is known (a restored snapshot).
    pub fn is_consistent(&self, categories: usize) -> bool {
        let span_ok = |span: Span| {
            let end = span.off as usize + span.len as usize;
            end <= self.ids.len()
                && self.ids.is_char_boundary(span.off as usize)
                && self.ids.is_char_boundary(end)
        };
        self.tendency <= EscalationTendency::Media.to_bits()
            && self.records.iter().all(|r| {
                span_ok(r.id_span())
                    && span_ok(r.thread_span())
                    && r.id_hash == id_hash(self.id(r))
                    && usize::from(r.category) <= categories
                    && usize::from(r.level1) <= categories
                    && usize::from(r.channel) < Channel::ALL.len()
            })
    }
}

/// One same-issue prior of a judged complaint: its record index, whether
/// the level-2 categories are equal, and the signature distance when both
/// had text.
pub(crate) type Match = (usize, bool, Option<u32>);

/// The rule's answer without the strings of a [`Verdict`]: what batch
/// labelling keeps per row.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Judgement {
    pub kind: RepeatKind,
    pub escalated: bool,
    pub repeat_count: u32,
    /// The record index of the most relevant match.
    pub first: Option<usize>,
}

/// The rule of domain spec section 4 against one customer's history. Leaves
/// the same-issue priors in `matches`, most relevant first; allocates
/// nothing once `matches` has grown to the largest history seen.
pub(crate) fn judge_into<H: History>(
    history: &H,
    complaint: &Facts,
    (category, level1): (u16, u16),
    config: &Resolved,
    matches: &mut Vec<Match>,
) -> Judgement {
    let now = complaint.received_ms;
    matches.clear();
    history.each(|index, record| {
        if record.received_ms > now || now - record.received_ms > config.window_ms {
            return;
        }
        let distance = match (record.signature(), complaint.signature) {
            (Some(a), Some(b)) => Some((a ^ b).count_ones()),
            _ => None,
        };
        let similar = distance.is_some_and(|d| d <= config.max_distance);
        let same_category = category != 0 && record.category == category;
        let same_issue = if category != 0 && record.category != 0 {
            same_category || (record.level1 == level1 && similar)
        } else {
            similar
        };
        if same_issue {
            matches.push((index, same_category, distance));
        }
    });
    if matches.len() > 1 {
        matches.sort_by(|a, b| {
            let (ra, rb) = (history.record(a.0), history.record(b.0));
            rb.received_ms
                .cmp(&ra.received_ms)
                .then(b.1.cmp(&a.1))
                .then(a.2.unwrap_or(u32::MAX).cmp(&b.2.unwrap_or(u32::MAX)))
                .then_with(|| history.text(ra.id_span()).cmp(history.text(rb.id_span())))
        });
    }
    let kind = match matches.first() {
        None => RepeatKind::New,
        Some(&(newest, _, _)) if now - history.record(newest).received_ms < config.dedup_ms => {
            RepeatKind::Duplicate
        }
        Some(_) if matches.iter().any(|m| history.record(m.0).open_at(now)) => RepeatKind::Repeat,
        Some(_) => RepeatKind::Second,
    };
    let escalated = match matches.last() {
        None => false,
        Some(&(earliest, _, _)) => {
            let tier = config.tier(complaint.channel);
            let by_channel =
                tier > config.tier(history.record(earliest).channel) && tier >= config.escalation_min_tier;
            let by_signal = complaint.signals & config.escalation_signals != 0;
            by_channel || by_signal
        }
    };
    let repeat_count = matches
        .iter()
        .filter(|m| history.record(m.0).kind() != RepeatKind::Duplicate)
        .count() as u32;
    Judgement {
        kind,
        escalated,
        repeat_count,
        first: matches.first().map(|m| m.0),
    }
}

/// The [`Verdict`] of a judgement of ticket `id`, received at `now` under
/// `category`: the strings and the matched priors.
pub(crate) fn verdict_of<H: History>(
    history: &H,
    (id, category, now): (&str, Option<&str>, i64),
    judgement: &Judgement,
    matches: &[Match],
) -> Verdict {
    let thread = match judgement.first {
        None => CompactString::from(id),
        Some(index) => CompactString::from(history.text(history.record(index).thread_span())),
    };
    let matched = matches
        .iter()
        .map(|&(index, same_category, distance)| {
            let record = history.record(index);
            PriorMatch {
                id: CompactString::from(history.text(record.id_span())),
                days_since: (now - record.received_ms) as f64 / 86_400_000.0,
                similarity: distance.map(similarity_of_distance),
                same_category,
                open: record.open_at(now),
            }
        })
        .collect();
    Verdict {
        id: CompactString::from(id),
        kind: judgement.kind,
        escalated: judgement.escalated,
        matched,
        repeat_count: judgement.repeat_count,
        thread,
        category: category.map(CompactString::from),
    }
}

/// The verdict of a check (judging without remembering) against
/// `history`. Signing a text costs more than the rest of a check, so a
/// complaint that came without a signature is signed only when a prior in
/// the window needs comparing ([`needs_signature`]).
pub(crate) fn check_against<H: History>(
    history: &H,
    complaint: &Complaint,
    prepared: &mut Prepared<'_>,
    category: (u16, u16),
    config: &Resolved,
) -> Result<Verdict> {
    let facts = &mut prepared.facts;
    if facts.signature.is_none() && needs_signature(history, facts.received_ms, config) {
        facts.signature = sign(complaint.text.as_deref());
    }
    prepared.require_issue()?;
    Ok(judge(history, prepared, category, config).0)
}

/// [`judge_into`] and [`verdict_of`] in one: the verdict and the record
/// index of the most relevant match.
pub(crate) fn judge<H: History>(
    history: &H,
    complaint: &Prepared<'_>,
    category: (u16, u16),
    config: &Resolved,
) -> (Verdict, Option<usize>) {
    let mut matches = Vec::new();
    let judgement = judge_into(history, &complaint.facts, category, config, &mut matches);
    let subject = (
        complaint.id,
        complaint.category.as_deref(),
        complaint.facts.received_ms,
    );
    (
        verdict_of(history, subject, &judgement, &matches),
        judgement.first,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_fits_the_memory_budget() {
        assert_eq!(std::mem::size_of::<Record>(), 56);
    }

    #[test]
    fn phones_encode_injectively() {
        assert_ne!(encode_phone("010"), encode_phone("10"));
        assert_ne!(encode_phone("0012025550100"), encode_phone("12025550100"));
        assert_eq!(encode_phone("13812345678"), 113_812_345_678);
        // The longest normalised number: 00 + 15 digits.
        assert!(encode_phone("00999999999999999") < u64::MAX);
    }

    #[test]
    fn compaction_keeps_thread_roots_of_kept_records() {
        let mut store = super::super::store::Store::new(0, 1);
        let config = Resolved::new(&super::super::RepeatConfig::default());
        let mut at = 0;
        for id in ["A", "B", "C"] {
            let prepared = Prepared {
                id,
                customer_id: Some("C1"),
                phone: None,
                status: ComplaintStatus::Open,
                category: Some(Cow::Borrowed("billing.refund")),
                facts: Facts {
                    received_ms: at,
                    closed_ms: OPEN,
                    signature: None,
                    id_hash: id_hash(id),
                    channel: 0,
                    signals: 0,
                    text_unsigned: false,
                },
            };
            store.intake(0, &prepared, (1, 2), &config);
            at += 20 * 86_400_000;
        }
        let mut group = store.export(0).expect("customer 0 is known");
        assert_eq!(group.thread(&group.records[2]), "A");
        assert_eq!(group.compact(10 * 86_400_000), 1);
        assert_eq!(group.records.len(), 2);
        assert_eq!(group.id(&group.records[0]), "B");
        assert_eq!(group.thread(&group.records[1]), "A");
    }
}
