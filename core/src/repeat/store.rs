//! The history of one shard of the streaming detector, laid out flat: one
//! vector of records for every customer of the shard, one string arena for
//! their ticket ids, and per customer only the index of their newest record
//! (each record points at the customer's previous one). A remembered
//! complaint costs its record and its ticket id, plus a small share of its
//! customer's 16-byte head.

use rustc_hash::FxHashMap as HashMap;

use super::config::Resolved;
use super::history::{
    id_hash, judge, needs_signature, new_record, Group, History, Prepared, Record, Span, NONE,
};
use super::verdict::{Intake, Verdict};

/// The newest record of a customer and their escalation tendency.
#[derive(Debug, Clone, Copy)]
struct Head {
    last: u32,
    tendency: u8,
}

/// A slot of [`Heads`] that holds no customer.
const VACANT: Head = Head {
    last: NONE,
    tendency: u8::MAX,
};

/// The `tendency` of a slot whose group was merged into group `last`.
const FORWARD: u8 = u8::MAX - 1;

impl Head {
    fn is_vacant(&self) -> bool {
        self.tendency == VACANT.tendency
    }

    fn is_forward(&self) -> bool {
        self.tendency == FORWARD
    }

    /// Whether the slot holds a customer.
    fn is_customer(&self) -> bool {
        !self.is_vacant() && !self.is_forward()
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

    /// The group that group `root` was merged into, when it was.
    fn forwarded(&self, root: u32) -> Option<u32> {
        self.slots
            .get(self.slot(root))
            .filter(|head| head.is_forward())
            .map(|head| head.last)
    }

    /// Marks group `root`, which holds no customer any more, as merged into
    /// group `into`.
    fn set_forward(&mut self, root: u32, into: u32) {
        debug_assert!(self.get(root).is_none());
        let slot = self.slot(root);
        if slot >= self.slots.len() {
            let missing = slot + 1 - self.slots.len();
            reserve_tight(&mut self.slots, missing, 64);
            self.slots.resize(slot + 1, VACANT);
        }
        self.slots[slot] = Head {
            last: into,
            tendency: FORWARD,
        };
    }

    /// The forwards held, as (group, group it went into), in increasing
    /// order.
    fn forwards(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, head)| head.is_forward())
            .map(|(slot, head)| (slot as u32 * self.shards + self.shard, head.last))
    }

    fn contains(&self, root: u32) -> bool {
        self.get(root).is_some()
    }

    /// The head of `root`, created empty when absent.
    fn get_or_create(&mut self, root: u32) -> &mut Head {
        let slot = self.slot(root);
        if slot >= self.slots.len() {
            let missing = slot + 1 - self.slots.len();
            reserve_tight(&mut self.slots, missing, 64);
            self.slots.resize(slot + 1, VACANT);
        }
        let head = &mut self.slots[slot];
        debug_assert!(!head.is_forward(), "a merged group is never a root again");
        if head.is_vacant() {
            *head = Head {
                last: NONE,
                tendency: 0,
            };
        }
        head
    }

    fn insert(&mut self, root: u32, head: Head) {
        *self.get_or_create(root) = head;
    }

    fn remove(&mut self, root: u32) -> Option<Head> {
        let head = *self.get(root)?;
        let slot = self.slot(root);
        self.slots[slot] = VACANT;
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
        let used = self.slots.iter().rposition(|head| !head.is_vacant());
        self.slots.truncate(used.map_or(0, |slot| slot + 1));
        self.slots.shrink_to_fit();
    }
}

/// One shard's history.
#[derive(Debug, Clone)]
pub(crate) struct Store {
    records: Vec<Record>,
    ids: String,
    heads: Heads,
    /// Records no customer points at any more (moved out by a merge); the
    /// next compaction reclaims them.
    garbage: usize,
}

/// One customer's records in a store.
struct Chain<'a> {
    store: &'a Store,
    last: u32,
}

impl History for Chain<'_> {
    fn each(&self, mut visit: impl FnMut(usize, &Record)) {
        let mut at = self.last;
        while at != NONE {
            let record = &self.store.records[at as usize];
            visit(at as usize, record);
            at = record.prev;
        }
    }

    fn record(&self, index: usize) -> &Record {
        &self.store.records[index]
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
            garbage: 0,
        }
    }

    fn str(&self, span: Span) -> &str {
        &self.ids[span.off as usize..span.off as usize + span.len as usize]
    }

    fn push_str(&mut self, text: &str) -> Span {
        if self.ids.capacity() - self.ids.len() < text.len() {
            self.ids
                .reserve_exact(text.len().max(self.ids.len() / 8).max(1024));
        }
        let span = Span {
            off: u32::try_from(self.ids.len()).expect("a shard's ticket ids stay below 4 GiB"),
            len: text.len() as u16,
        };
        self.ids.push_str(text);
        span
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
            last: self.heads.get(root).map_or(NONE, |head| head.last),
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
        self.records.len() - self.garbage
    }

    /// The escalation tendency bits of customer `root`.
    pub fn tendency(&self, root: u32) -> u8 {
        self.heads.get(root).map_or(0, |head| head.tendency)
    }

    /// Calls `visit` with every record of customer `root`, newest first.
    pub fn each(&self, root: u32, visit: impl FnMut(usize, &Record)) {
        self.chain(root).each(visit);
    }

    /// Judges a complaint of customer `root` without remembering it.
    pub fn judge(
        &self,
        root: u32,
        complaint: &Prepared<'_>,
        category: (u16, u16),
        config: &Resolved,
    ) -> Verdict {
        judge(&self.chain(root), complaint, category, config).0
    }

    /// Whether judging a complaint of customer `root` would compare texts
    /// ([`needs_signature`]).
    pub fn needs_signature(&self, root: u32, now: i64, config: &Resolved) -> bool {
        needs_signature(&self.chain(root), now, config)
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
            self.records[index].closed_ms = complaint.closed_ms;
            return Intake::Updated {
                id: complaint.id.to_owned(),
                status: complaint.status,
            };
        }
        let chain = self.chain(root);
        let prev = chain.last;
        let (verdict, first) = judge(&chain, complaint, category, config);
        let id = self.push_str(complaint.id);
        let thread = first.map_or(id, |index| self.records[index].thread_span());
        let (record, tendency) = new_record(
            complaint,
            category,
            config,
            (verdict.kind, verdict.escalated),
            id,
            thread,
            prev,
        );
        let index = self.push_record(record);
        let head = self.heads.get_or_create(root);
        head.last = index;
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
        for index in indices {
            let mut record = self.records[index];
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
        self.heads.remove(root);
        self.garbage += group.records.len();
        Some(group)
    }

    /// Appends a group's records to customer `root`, oldest first.
    pub fn import(&mut self, root: u32, group: &Group) {
        let mut last = self.heads.get(root).map_or(NONE, |head| head.last);
        let mut copied: HashMap<u32, Span> = HashMap::default();
        reserve_tight(&mut self.records, group.records.len(), 64);
        for record in &group.records {
            let mut record = *record;
            let mut copy = |store: &mut Store, span: Span| {
                *copied
                    .entry(span.off)
                    .or_insert_with(|| store.push_str(group.str(span)))
            };
            let id = copy(self, record.id_span());
            let thread = copy(self, record.thread_span());
            record.set_id(id);
            record.set_thread(thread);
            record.prev = last;
            last = self.push_record(record);
        }
        let head = self.heads.get_or_create(root);
        head.last = last;
        head.tendency = head.tendency.max(group.tendency);
    }

    /// Links customer `loser` of this store into customer `root` of this store.
    pub fn splice(&mut self, root: u32, loser: u32) {
        let Some(moved) = self.heads.remove(loser) else {
            return;
        };
        let Some(&head) = self.heads.get(root) else {
            self.heads.insert(root, moved);
            return;
        };
        if moved.last != NONE {
            let mut tail = moved.last;
            while self.records[tail as usize].prev != NONE {
                tail = self.records[tail as usize].prev;
            }
            self.records[tail as usize].prev = head.last;
        }
        self.heads.insert(
            root,
            Head {
                last: if moved.last == NONE { head.last } else { moved.last },
                tendency: head.tendency.max(moved.tendency),
            },
        );
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
