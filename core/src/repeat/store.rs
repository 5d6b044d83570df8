//! The history of one shard of the streaming detector, laid out flat: per
//! customer a one-cache-line head holding their newest record, one vector of
//! the older records of every customer of the shard (each record points at
//! the customer's previous one), and one string arena for their ticket ids.
//! A remembered complaint costs its record and its ticket id, plus a share
//! of its customer's 64-byte head (whose record is the newest complaint).

use rustc_hash::FxHashMap as HashMap;

use super::config::Resolved;
use super::history::{
    check_against, id_hash, judge, new_record, Group, History, Prepared, Record, Span, NONE,
};
use super::verdict::{Intake, Verdict};
use crate::complaint::Complaint;
use crate::error::Result;

/// What a slot of [`Heads`] holds.
const VACANT: u8 = 0;
/// A customer without records (compacted away), kept for their tendency.
const EMPTY: u8 = 1;
/// A customer and their newest record.
const FULL: u8 = 2;
/// A group merged into the group `newest.prev`.
const FORWARD: u8 = 3;

/// A customer's newest record, inline, and their escalation tendency: one
/// cache line, so that a check finds the customer and the newest of their
/// complaints (often the only one) with one memory access. The older
/// records are in the store's vector, from `newest.prev` on.
#[derive(Debug, Clone, Copy)]
#[repr(align(64))]
struct Head {
    newest: Record,
    tendency: u8,
    state: u8,
}

const VACANT_HEAD: Head = Head {
    newest: Record::ZERO,
    tendency: 0,
    state: VACANT,
};

// A head is one cache line.
const _: () = assert!(std::mem::size_of::<Head>() == 64);

impl Head {
    /// Whether the slot holds a customer.
    fn is_customer(&self) -> bool {
        self.state == EMPTY || self.state == FULL
    }

    fn newest(&self) -> Option<&Record> {
        (self.state == FULL).then_some(&self.newest)
    }
}

/// The heads of a shard's customers, by root. Roots are dense numbers and a
/// shard holds those congruent to its number, so a vector indexed by
/// `root / shards` finds a head with one memory access where a hash map
/// needs two.
#[derive(Debug, Clone)]
struct Heads {
    slots: Vec<Head>,
    /// This shard's number and the number of shards.
    shard: u32,
    shards: u32,
}

impl Heads {
    fn new(shard: u32, shards: u32) -> Self {
        Heads {
            slots: Vec::new(),
            shard,
            shards,
        }
    }

    fn slot(&self, root: u32) -> usize {
        debug_assert_eq!(root % self.shards, self.shard);
        (root / self.shards) as usize
    }

    fn get(&self, root: u32) -> Option<&Head> {
        self.slots.get(self.slot(root)).filter(|head| head.is_customer())
    }

    fn get_mut(&mut self, root: u32) -> Option<&mut Head> {
        let slot = self.slot(root);
        self.slots.get_mut(slot).filter(|head| head.is_customer())
    }

    fn contains(&self, root: u32) -> bool {
        self.get(root).is_some()
    }

    /// The group that group `root` was merged into, when it was.
    fn forwarded(&self, root: u32) -> Option<u32> {
        self.slots
            .get(self.slot(root))
            .filter(|head| head.state == FORWARD)
            .map(|head| head.newest.prev)
    }

    /// The slot of `root`, the vector grown to hold it.
    fn slot_mut(&mut self, root: u32) -> &mut Head {
        let slot = self.slot(root);
        if slot >= self.slots.len() {
            let missing = slot + 1 - self.slots.len();
            reserve_tight(&mut self.slots, missing, 64);
            self.slots.resize(slot + 1, VACANT_HEAD);
        }
        &mut self.slots[slot]
    }

    /// Marks group `root`, which holds no customer any more, as merged into
    /// group `into`.
    fn set_forward(&mut self, root: u32, into: u32) {
        debug_assert!(self.get(root).is_none());
        let head = self.slot_mut(root);
        *head = VACANT_HEAD;
        head.state = FORWARD;
        head.newest.prev = into;
    }

    /// The forwards held, as (group, group it went into), in increasing
    /// order.
    fn forwards(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, head)| head.state == FORWARD)
            .map(|(slot, head)| (slot as u32 * self.shards + self.shard, head.newest.prev))
    }

    /// The head of `root`, created empty when absent.
    fn get_or_create(&mut self, root: u32) -> &mut Head {
        let head = self.slot_mut(root);
        debug_assert!(head.state != FORWARD, "a merged group is never a root again");
        if head.state == VACANT {
            head.state = EMPTY;
        }
        head
    }

    fn remove(&mut self, root: u32) -> Option<Head> {
        let head = *self.get(root)?;
        let slot = self.slot(root);
        self.slots[slot] = VACANT_HEAD;
        Some(head)
    }

    /// The roots held, in increasing order.
    fn roots(&self) -> impl Iterator<Item = u32> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, head)| head.is_customer())
            .map(|(slot, _)| slot as u32 * self.shards + self.shard)
    }

    fn shrink_to_fit(&mut self) {
        let used = self.slots.iter().rposition(|head| head.state != VACANT);
        self.slots.truncate(used.map_or(0, |slot| slot + 1));
        self.slots.shrink_to_fit();
    }
}

/// One shard's history.
#[derive(Debug, Clone)]
pub(crate) struct Store {
    /// Every record but the customers' newest, which are in their heads.
    records: Vec<Record>,
    ids: String,
    heads: Heads,
    /// Number of heads holding a record.
    newest: usize,
    /// Records no customer points at any more (moved out by a merge); the
    /// next compaction reclaims them.
    garbage: usize,
}

/// The record index [`Chain`] gives a customer's newest record (in their
/// head).
const NEWEST: usize = usize::MAX;

/// One customer's records in a store.
struct Chain<'a> {
    store: &'a Store,
    newest: Option<&'a Record>,
}

impl History for Chain<'_> {
    fn each(&self, mut visit: impl FnMut(usize, &Record)) {
        let Some(newest) = self.newest else {
            return;
        };
        visit(NEWEST, newest);
        let mut at = newest.prev;
        while at != NONE {
            let record = &self.store.records[at as usize];
            visit(at as usize, record);
            at = record.prev;
        }
    }

    fn record(&self, index: usize) -> &Record {
        match (index, self.newest) {
            (NEWEST, Some(newest)) => newest,
            _ => &self.store.records[index],
        }
    }

    fn text(&self, span: Span) -> &str {
        self.store.str(span)
    }
}

/// Grows a vector by an eighth (at least `min`) when full, so that a large
/// store wastes at most about 12 % of its capacity.
fn reserve_tight<T>(vec: &mut Vec<T>, extra: usize, min: usize) {
    if vec.capacity() - vec.len() < extra {
        vec.reserve_exact(extra.max(vec.len() / 8).max(min));
    }
}

impl Store {
    /// The empty store of shard `shard` of `shards`.
    pub fn new(shard: u32, shards: u32) -> Self {
        Store {
            records: Vec::new(),
            ids: String::new(),
            heads: Heads::new(shard, shards),
            newest: 0,
            garbage: 0,
        }
    }

    fn str(&self, span: Span) -> &str {
        &self.ids[span.off as usize..span.off as usize + span.len as usize]
    }

    fn push_str(&mut self, text: &str) -> Span {
        Span {
            off: self.push_arena(text),
            len: text.len() as u16,
        }
    }

    /// Appends `text` to the ticket-id arena and returns its offset.
    fn push_arena(&mut self, text: &str) -> u32 {
        if self.ids.capacity() - self.ids.len() < text.len() {
            self.ids
                .reserve_exact(text.len().max(self.ids.len() / 8).max(1024));
        }
        let end = u32::try_from(self.ids.len() + text.len()).expect("a shard's ticket ids stay below 4 GiB");
        self.ids.push_str(text);
        end - text.len() as u32
    }

    fn push_record(&mut self, record: Record) -> u32 {
        reserve_tight(&mut self.records, 1, 64);
        let index = u32::try_from(self.records.len())
            .ok()
            .filter(|&i| i != NONE)
            .expect("a shard holds fewer than 4 billion complaints");
        self.records.push(record);
        index
    }

    fn chain(&self, root: u32) -> Chain<'_> {
        Chain {
            store: self,
            newest: self.heads.get(root).and_then(Head::newest),
        }
    }

    /// Makes `record` the newest of customer `root`: the one it replaces
    /// goes to the vector, and `record.prev` is set to point at it.
    fn push_newest(&mut self, root: u32, mut record: Record) {
        let previous = self.heads.get(root).and_then(Head::newest).copied();
        record.prev = self.retire(previous);
        let head = self.heads.get_or_create(root);
        head.newest = record;
        head.state = FULL;
    }

    /// Moves a customer's newest record, which a newer one replaces, from
    /// their head to the vector, and returns what the newer one's `prev` is:
    /// its index, or `NONE` when the customer had no record (and now has a
    /// head with one).
    fn retire(&mut self, previous: Option<Record>) -> u32 {
        match previous {
            Some(previous) => self.push_record(previous),
            None => {
                self.newest += 1;
                NONE
            }
        }
    }

    /// The group that group `root` was merged into, when it was (and some
    /// key's root hint may still name it).
    pub fn forwarded(&self, root: u32) -> Option<u32> {
        self.heads.forwarded(root)
    }

    /// Records that group `loser`, now empty here, was merged into group
    /// `root`.
    pub fn forward(&mut self, loser: u32, root: u32) {
        self.heads.set_forward(loser, root);
    }

    /// Whether the store knows customer `root`.
    pub fn contains(&self, root: u32) -> bool {
        self.heads.contains(root)
    }

    /// Number of live records.
    pub fn len(&self) -> usize {
        self.records.len() - self.garbage + self.newest
    }

    /// The escalation tendency bits of customer `root`.
    pub fn tendency(&self, root: u32) -> u8 {
        self.heads.get(root).map_or(0, |head| head.tendency)
    }

    /// Calls `visit` with every record of customer `root`, newest first.
    pub fn each(&self, root: u32, visit: impl FnMut(usize, &Record)) {
        self.chain(root).each(visit);
    }

    /// Reads the head slot of group `root` and returns a word of it, for
    /// [`super::RepeatDetector::check_many`]: when the heads of many
    /// customers are read in a loop like this, their cache misses overlap
    /// instead of coming one after another.
    pub fn touch_head(&self, root: u32) -> u64 {
        self.heads
            .slots
            .get(self.heads.slot(root))
            .map_or(0, |head| u64::from(head.newest.prev) ^ u64::from(head.state))
    }

    /// [`Store::touch_head`] for what the head points at: with `depth` 0
    /// the newest record's ticket id and the customer's first older record,
    /// then the record `depth` steps further back.
    pub fn touch_older(&self, root: u32, depth: usize) -> u64 {
        let Some(newest) = self.heads.get(root).and_then(Head::newest) else {
            return 0;
        };
        let mut word = if depth == 0 {
            self.ids
                .as_bytes()
                .get(newest.id_span().off as usize)
                .map_or(0, |&b| u64::from(b))
        } else {
            0
        };
        let mut at = newest.prev;
        for _ in 0..depth {
            match self.records.get(at as usize) {
                Some(record) => at = record.prev,
                None => return word,
            }
        }
        if let Some(record) = self.records.get(at as usize) {
            word ^= u64::from(record.prev) ^ record.received_ms as u64;
        }
        word
    }

    /// The verdict of a check of customer `root` ([`check_against`] their
    /// records).
    pub fn check(
        &self,
        root: u32,
        complaint: &Complaint,
        prepared: &mut Prepared<'_>,
        category: (u16, u16),
        config: &Resolved,
    ) -> Result<Verdict> {
        check_against(&self.chain(root), complaint, prepared, category, config)
    }

    /// Whether ticket `id` is remembered for customer `root`.
    pub fn knows(&self, root: u32, id: &str) -> bool {
        self.find_id(root, id).is_some()
    }

    fn find_id(&self, root: u32, id: &str) -> Option<usize> {
        let hash = id_hash(id);
        let mut found = None;
        self.chain(root).each(|index, record| {
            if found.is_none() && record.id_hash == hash && self.str(record.id_span()) == id {
                found = Some(index);
            }
        });
        found
    }

    /// Judges a complaint of customer `root` and remembers it, or applies a
    /// status update when its ticket id is already remembered for them.
    pub fn intake(
        &mut self,
        root: u32,
        complaint: &Prepared<'_>,
        category: (u16, u16),
        config: &Resolved,
    ) -> Intake {
        if let Some(index) = self.find_id(root, complaint.id) {
            let record = match index {
                NEWEST => &mut self.heads.get_mut(root).expect("found in it").newest,
                index => &mut self.records[index],
            };
            record.closed_ms = complaint.facts.closed_ms;
            return Intake::Updated {
                id: complaint.id.to_owned(),
                status: complaint.status,
            };
        }
        let chain = self.chain(root);
        let (verdict, first) = judge(&chain, complaint, category, config);
        let thread = first.map(|index| chain.record(index).thread_span());
        let id = self.push_str(complaint.id);
        let (record, tendency) = new_record(
            &complaint.facts,
            category,
            config,
            (verdict.kind, verdict.escalated),
            id,
            thread.unwrap_or(id),
            NONE,
        );
        self.push_newest(root, record);
        let head = self.heads.get_or_create(root);
        head.tendency = head.tendency.max(tendency);
        Intake::Judged(verdict)
    }

    /// Customer `root`'s records as a self-contained group, oldest first.
    pub fn export(&self, root: u32) -> Option<Group> {
        let head = self.heads.get(root)?;
        let mut indices = Vec::new();
        self.chain(root).each(|index, _| indices.push(index));
        indices.reverse();
        let mut group = Group {
            tendency: head.tendency,
            ..Group::default()
        };
        let mut copied: HashMap<u32, Span> = HashMap::default();
        let chain = self.chain(root);
        for index in indices {
            let mut record = *chain.record(index);
            let mut copy = |span: Span| {
                *copied.entry(span.off).or_insert_with(|| {
                    let off = group.ids.len() as u32;
                    group.ids.push_str(self.str(span));
                    Span { off, len: span.len }
                })
            };
            record.set_id(copy(record.id_span()));
            record.set_thread(copy(record.thread_span()));
            record.prev = NONE;
            group.records.push(record);
        }
        Some(group)
    }

    /// Removes customer `root` and returns their records as a group.
    pub fn take(&mut self, root: u32) -> Option<Group> {
        let group = self.export(root)?;
        if let Some(head) = self.heads.remove(root) {
            if head.state == FULL {
                self.newest -= 1;
                self.garbage += group.records.len() - 1;
            }
        }
        Some(group)
    }

    /// Appends a group's records to customer `root`, oldest first: as
    /// [`Store::push_newest`] of each in turn, with the group's ticket ids
    /// copied as one block and the head written once.
    pub fn import(&mut self, root: u32, group: &Group) {
        let base = self.push_arena(&group.ids);
        reserve_tight(&mut self.records, group.records.len(), 64);
        let mut newest = self.heads.get(root).and_then(Head::newest).copied();
        for record in &group.records {
            let mut record = *record;
            record.shift_spans(base);
            record.prev = self.retire(newest);
            newest = Some(record);
        }
        let head = self.heads.get_or_create(root);
        if let Some(record) = newest {
            head.newest = record;
            head.state = FULL;
        }
        head.tendency = head.tendency.max(group.tendency);
    }

    /// Links customer `loser` of this store into customer `root` of this
    /// store: `loser`'s records come first in the chain, then `root`'s.
    pub fn splice(&mut self, root: u32, loser: u32) {
        let Some(moved) = self.heads.remove(loser) else {
            return;
        };
        let Some(&head) = self.heads.get(root) else {
            *self.heads.get_or_create(root) = moved;
            return;
        };
        let (Some(&newest), Some(&root_newest)) = (moved.newest(), head.newest()) else {
            // One of them has no records: the other's chain is the chain.
            let kept = if moved.state == FULL { moved } else { head };
            let target = self.heads.get_or_create(root);
            *target = kept;
            target.tendency = head.tendency.max(moved.tendency);
            return;
        };
        // Both have records: `root`'s newest goes to the vector, below the
        // oldest of `loser`'s.
        self.newest -= 1;
        let below = self.push_record(root_newest);
        let mut top = newest;
        if top.prev == NONE {
            top.prev = below;
        } else {
            let mut tail = top.prev;
            while self.records[tail as usize].prev != NONE {
                tail = self.records[tail as usize].prev;
            }
            self.records[tail as usize].prev = below;
        }
        let target = self.heads.get_or_create(root);
        target.newest = top;
        target.state = FULL;
        target.tendency = head.tendency.max(moved.tendency);
    }

    /// Drops the records received before `cutoff_ms` and the garbage left by
    /// merges, and rebuilds the vectors tightly. Customers left without
    /// records keep their head only when they have an escalation tendency.
    /// Returns how many live records were dropped.
    pub fn compact(&mut self, cutoff_ms: i64) -> usize {
        let before = self.len();
        let roots: Vec<u32> = self.heads.roots().collect();
        let mut fresh = Store::new(self.heads.shard, self.heads.shards);
        for root in roots {
            let mut group = self.export(root).expect("listed above");
            group.compact(cutoff_ms);
            if group.records.is_empty() && group.tendency == 0 {
                continue;
            }
            fresh.import(root, &group);
        }
        for (root, into) in self.heads.forwards() {
            fresh.heads.set_forward(root, into);
        }
        fresh.records.shrink_to_fit();
        fresh.ids.shrink_to_fit();
        fresh.heads.shrink_to_fit();
        *self = fresh;
        before - self.len()
    }

    /// Every customer of the store, as self-contained groups.
    pub fn groups(&self) -> Vec<(u32, Group)> {
        self.heads
            .roots()
            .map(|root| (root, self.export(root).expect("a listed customer")))
            .collect()
    }
}
