//! The key tables of the [`super::history::KeyIndex`]: open addressing with
//! linear probing, the key and its [`Key`] side by side in one slot. A
//! lookup of a remembered key usually reads one cache line, where a
//! `HashMap` reads its control bytes and then its bucket (two cache misses
//! at the scale of millions of customers).

use std::hash::BuildHasher;

use compact_str::CompactString;
use rustc_hash::FxBuildHasher;

use super::history::Key;

/// The [`Key::node`] of a slot that holds no key.
const EMPTY: u32 = u32::MAX;

/// A table never fills beyond 4/5 of its slots.
fn needs_growth(len: usize, slots: usize) -> bool {
    5 * (len + 1) > 4 * slots
}

/// The slot of a 64-bit hash in a table of `1 << bits` slots (Fibonacci
/// hashing: the high bits of the product mix every bit of the hash).
fn home(hash: u64, bits: u32) -> usize {
    (hash.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - bits)) as usize
}

/// The number of bits of a table big enough for `len` keys.
fn bits_for(len: usize) -> u32 {
    let mut bits = 4;
    while needs_growth(len, 1 << bits) {
        bits += 1;
    }
    bits
}

#[derive(Debug, Clone)]
struct IdSlot {
    id: CompactString,
    key: Key,
}

const VACANT_ID: IdSlot = IdSlot {
    id: CompactString::const_new(""),
    key: Key {
        node: EMPTY,
        root: EMPTY,
    },
};

/// Customer ids (kept inline up to 24 bytes, the usual CRM id) to keys.
#[derive(Debug, Clone, Default)]
pub(crate) struct IdTable {
    slots: Vec<IdSlot>,
    bits: u32,
    len: usize,
}

impl IdTable {
    fn hash(id: &str) -> u64 {
        FxBuildHasher.hash_one(id)
    }

    /// The slot holding `id`, or the vacant slot where it would go.
    fn probe(&self, id: &str) -> usize {
        let mask = self.slots.len() - 1;
        let mut at = home(Self::hash(id), self.bits);
        loop {
            let slot = &self.slots[at];
            if slot.key.node == EMPTY || slot.id == id {
                return at;
            }
            at = (at + 1) & mask;
        }
    }

    pub fn get(&self, id: &str) -> Option<&Key> {
        if self.len == 0 {
            return None;
        }
        let slot = &self.slots[self.probe(id)];
        (slot.key.node != EMPTY).then_some(&slot.key)
    }

    pub fn get_mut(&mut self, id: &str) -> Option<&mut Key> {
        if self.len == 0 {
            return None;
        }
        let at = self.probe(id);
        let slot = &mut self.slots[at];
        (slot.key.node != EMPTY).then_some(&mut slot.key)
    }

    /// Sets the key of `id`, adding it when absent.
    pub fn insert(&mut self, id: &str, key: Key) {
        debug_assert_ne!(key.node, EMPTY);
        if needs_growth(self.len, self.slots.len()) {
            self.grow(self.len + 1);
        }
        let at = self.probe(id);
        let slot = &mut self.slots[at];
        if slot.key.node == EMPTY {
            slot.id = CompactString::from(id);
            self.len += 1;
        }
        slot.key = key;
    }

    /// Rebuilds the table with room for `len` keys.
    fn grow(&mut self, len: usize) {
        let bits = bits_for(len).max(self.bits + 1);
        let old = std::mem::replace(&mut self.slots, vec![VACANT_ID; 1 << bits]);
        self.bits = bits;
        for slot in old.into_iter().filter(|slot| slot.key.node != EMPTY) {
            let at = self.probe(&slot.id);
            self.slots[at] = slot;
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Key)> + '_ {
        self.slots
            .iter()
            .filter(|slot| slot.key.node != EMPTY)
            .map(|slot| (slot.id.as_str(), &slot.key))
    }
}

impl FromIterator<(String, Key)> for IdTable {
    fn from_iter<I: IntoIterator<Item = (String, Key)>>(iter: I) -> Self {
        let iter = iter.into_iter();
        let mut table = IdTable::default();
        table.grow(iter.size_hint().0);
        for (id, key) in iter {
            table.insert(&id, key);
        }
        table
    }
}

/// The phone of a slot that holds none ([`super::history::encode_phone`]
/// starts every number with a 1).
const NO_PHONE: u64 = 0;

#[derive(Debug, Clone, Copy)]
struct PhoneSlot {
    phone: u64,
    key: Key,
}

const VACANT_PHONE: PhoneSlot = PhoneSlot {
    phone: NO_PHONE,
    key: Key {
        node: EMPTY,
        root: EMPTY,
    },
};

/// Encoded phone numbers to keys.
#[derive(Debug, Clone, Default)]
pub(crate) struct PhoneTable {
    slots: Vec<PhoneSlot>,
    bits: u32,
    len: usize,
}

impl PhoneTable {
    /// The slot holding `phone`, or the vacant slot where it would go.
    fn probe(&self, phone: u64) -> usize {
        debug_assert_ne!(phone, NO_PHONE);
        let mask = self.slots.len() - 1;
        let mut at = home(phone, self.bits);
        loop {
            let slot = &self.slots[at];
            if slot.phone == phone || slot.phone == NO_PHONE {
                return at;
            }
            at = (at + 1) & mask;
        }
    }

    pub fn get(&self, phone: u64) -> Option<&Key> {
        if self.len == 0 {
            return None;
        }
        let slot = &self.slots[self.probe(phone)];
        (slot.phone != NO_PHONE).then_some(&slot.key)
    }

    pub fn get_mut(&mut self, phone: u64) -> Option<&mut Key> {
        if self.len == 0 {
            return None;
        }
        let at = self.probe(phone);
        let slot = &mut self.slots[at];
        (slot.phone != NO_PHONE).then_some(&mut slot.key)
    }

    /// Sets the key of `phone`, adding it when absent.
    pub fn insert(&mut self, phone: u64, key: Key) {
        if needs_growth(self.len, self.slots.len()) {
            self.grow(self.len + 1);
        }
        let at = self.probe(phone);
        let slot = &mut self.slots[at];
        if slot.phone == NO_PHONE {
            slot.phone = phone;
            self.len += 1;
        }
        slot.key = key;
    }

    /// Rebuilds the table with room for `len` keys.
    fn grow(&mut self, len: usize) {
        let bits = bits_for(len).max(self.bits + 1);
        let old = std::mem::replace(&mut self.slots, vec![VACANT_PHONE; 1 << bits]);
        self.bits = bits;
        for slot in old.into_iter().filter(|slot| slot.phone != NO_PHONE) {
            let at = self.probe(slot.phone);
            self.slots[at] = slot;
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (u64, &Key)> + '_ {
        self.slots
            .iter()
            .filter(|slot| slot.phone != NO_PHONE)
            .map(|slot| (slot.phone, &slot.key))
    }
}

impl FromIterator<(u64, Key)> for PhoneTable {
    fn from_iter<I: IntoIterator<Item = (u64, Key)>>(iter: I) -> Self {
        let iter = iter.into_iter();
        let mut table = PhoneTable::default();
        table.grow(iter.size_hint().0);
        for (phone, key) in iter {
            table.insert(phone, key);
        }
        table
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(node: u32) -> Key {
        Key { node, root: node / 2 }
    }

    #[test]
    fn slots_are_one_half_and_one_quarter_of_a_cache_line() {
        assert_eq!(std::mem::size_of::<IdSlot>(), 32);
        assert_eq!(std::mem::size_of::<PhoneSlot>(), 16);
    }

    #[test]
    fn id_table_finds_what_was_inserted_across_growth() {
        let mut table = IdTable::default();
        assert_eq!(table.get("C0"), None);
        // Short ids kept inline and long ones on the heap.
        let id = |i: u32| {
            if i % 3 == 0 {
                format!("customer-with-a-long-crm-identifier-{i}")
            } else {
                format!("C{i}")
            }
        };
        for i in 0..5000 {
            table.insert(&id(i), key(i));
        }
        for i in 0..5000 {
            assert_eq!(table.get(&id(i)), Some(&key(i)));
        }
        assert_eq!(table.get("C5000"), None);
        assert_eq!(table.get(""), None);
        table.get_mut("C1").unwrap().root = 77;
        assert_eq!(table.get("C1").unwrap().root, 77);
        // Inserting a known id replaces its key.
        table.insert("C2", key(9));
        assert_eq!(table.get("C2"), Some(&key(9)));
        assert_eq!(table.iter().count(), 5000);
        assert!(table.len * 5 <= table.slots.len() * 4, "at most 4/5 full");
        let rebuilt: IdTable = table.iter().map(|(id, &key)| (id.to_owned(), key)).collect();
        let mut a: Vec<_> = table.iter().collect();
        let mut b: Vec<_> = rebuilt.iter().collect();
        a.sort_unstable_by_key(|&(id, _)| id);
        b.sort_unstable_by_key(|&(id, _)| id);
        assert_eq!(a, b);
    }

    #[test]
    fn phone_table_finds_what_was_inserted_across_growth() {
        let mut table = PhoneTable::default();
        assert_eq!(table.get(113_800_000_000), None);
        // Numbers that differ in high digits only, and consecutive ones.
        let phone = |i: u64| 113_800_000_000 + if i % 2 == 0 { i } else { i << 40 };
        for i in 0..5000 {
            table.insert(phone(i), key(i as u32));
        }
        for i in 0..5000 {
            assert_eq!(table.get(phone(i)), Some(&key(i as u32)));
        }
        assert_eq!(table.get(phone(5000)), None);
        table.get_mut(phone(3)).unwrap().root = 5;
        assert_eq!(table.get(phone(3)).unwrap().root, 5);
        assert_eq!(table.iter().count(), 5000);
        let rebuilt: PhoneTable = table.iter().map(|(phone, &key)| (phone, key)).collect();
        let mut a: Vec<_> = table.iter().collect();
        let mut b: Vec<_> = rebuilt.iter().collect();
        a.sort_unstable_by_key(|&(phone, _)| phone);
        b.sort_unstable_by_key(|&(phone, _)| phone);
        assert_eq!(a, b);
    }
}
