//! Folding source-system events into unified profiles.
//!
//! # Merge rules
//!
//! * **Who**: an event lands in the profile of its `customer_id`. An event
//!   with only a phone lands in the profile of the customer that number
//!   belongs to, which is the customer of the newest event carrying both the
//!   number and a customer id (numbers get reassigned); a number that never
//!   appears with a customer id gets a profile of its own with no
//!   `customer_id`.
//! * **Single-valued fields** (balance, status, plan, name, each tag, ...):
//!   the newest event wins, field by field. Events are ordered by `at`, then
//!   by `event_id`; two events with equal `at` and `event_id` but different
//!   values are ordered by their JSON text, so the outcome never depends on
//!   arrival order.
//! * **List fields** (bills, payments, contacts, complaints, retention tasks,
//!   anomalies, orders, watch lists, usage): merged and de-duplicated by id
//!   (usage by bill cycle, watch lists by list id); for one id the newest
//!   event wins, so a later event closing complaint `T1` replaces the open
//!   record.
//! * **Phones**: the union of every normalised number seen with the customer.
//!
//! Each rule is commutative, associative and idempotent, so the profiles are
//! the same for any order of the same events, and re-delivered events change
//! nothing.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::complaint::Complaint;
use crate::error::{Error, Result};
use crate::event::{EventPayload, SourceEvent};
use crate::money::Money;
use crate::profile::{
    Account, AccountStatus, AuditAnomaly, Bill, Contact, CustomerProfile, Identity, MonthlyUsage,
    OnlineOrder, Payment, PaymentType, Plan, RetentionTask, Segment, Tags, ValueTier, WatchListMembership,
};
use crate::Channel;

/// Folds [`SourceEvent`]s into one [`CustomerProfile`] per customer.
///
/// Events may arrive in any order; see the module documentation of the merge
/// rules. `ProfileBuilder` is `Send + Sync`; feed it from one thread, or
/// build one per shard of customers and concatenate the outputs.
///
/// ```
/// use custinsight::{ProfileBuilder, SourceEvent};
/// let mut builder = ProfileBuilder::new();
/// let report = builder.add_all([
///     r#"{"event_id": "1", "source": "crm", "at": "2026-01-01T00:00:00Z", "customer_id": "C1",
///         "payload": {"type": "identity", "name": "Li Lei"}}"#,
///     r#"{"event_id": "2", "source": "crm", "at": "2026-01-01T00:00:00Z", "customer_id": "C1",
///         "payload": {"type": "identity", "segment": "royalty"}}"#,
/// ].map(SourceEvent::from_json));
/// assert_eq!(report.accepted, 1);
/// assert_eq!(report.rejected.len(), 1);
/// assert_eq!(report.rejected[0].0, 1);
/// assert_eq!(builder.build()[0].identity.name.as_deref(), Some("Li Lei"));
/// ```
#[derive(Debug, Default, Clone)]
pub struct ProfileBuilder {
    customers: HashMap<String, Accumulator>,
    phones: HashMap<String, PhoneEntry>,
    accepted: u64,
}

/// What [`ProfileBuilder::add_all`] accepted and rejected.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct BuildReport {
    /// Events folded in.
    pub accepted: u64,
    /// Rejected events: position in the input and the reason.
    pub rejected: Vec<(usize, Error)>,
}

impl ProfileBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Validates `event` and folds it in.
    ///
    /// # Errors
    /// The event's validation error, prefixed with its id; the builder is
    /// left unchanged, so everything accepted before is kept.
    pub fn add(&mut self, event: SourceEvent) -> Result<()> {
        event
            .validate()
            .map_err(|e| e.within(&format!("event {:?}", event.event_id)))?;
        let phone = event
            .phone
            .as_deref()
            .map(crate::normalize_phone)
            .transpose()
            .expect("validated above");
        let stamp = Stamp {
            at: event.at,
            event_id: Arc::from(event.event_id.as_str()),
        };
        let mut linked_phones: Vec<String> = phone.into_iter().collect();
        if let EventPayload::Identity(update) = &event.payload {
            for extra in &update.phones {
                linked_phones.push(crate::normalize_phone(extra).expect("validated above"));
            }
        }
        match event.customer_id {
            Some(customer_id) => {
                for number in &linked_phones {
                    self.phones
                        .entry(number.clone())
                        .or_default()
                        .owner
                        .offer(&stamp, customer_id.clone());
                }
                let accumulator = self.customers.entry(customer_id).or_default();
                accumulator.phones.extend(linked_phones);
                accumulator.apply(&stamp, event.payload);
            }
            None => {
                let number = linked_phones.swap_remove(0);
                let orphan = self
                    .phones
                    .entry(number.clone())
                    .or_default()
                    .orphan
                    .get_or_insert_with(Box::default);
                orphan.phones.extend(linked_phones);
                orphan.phones.insert(number);
                orphan.apply(&stamp, event.payload);
            }
        }
        self.accepted += 1;
        Ok(())
    }

    /// Folds in every event, collecting rejections instead of stopping at the
    /// first; `Err` items of the input (e.g. from a failed parse) count as
    /// rejected at their position.
    pub fn add_all<I>(&mut self, events: I) -> BuildReport
    where
        I: IntoIterator<Item = Result<SourceEvent>>,
    {
        let mut report = BuildReport::default();
        for (index, event) in events.into_iter().enumerate() {
            match event.and_then(|event| self.add(event)) {
                Ok(()) => report.accepted += 1,
                Err(err) => report.rejected.push((index, err)),
            }
        }
        report
    }

    /// Folds in everything `other` has accepted, as if its events had been
    /// added to `self`. Because every merge rule is commutative and
    /// associative, events can be split into chunks, folded by one builder
    /// per thread, and the builders merged in any order:
    ///
    /// ```
    /// use custinsight::synth::{Population, SynthConfig};
    /// use custinsight::ProfileBuilder;
    ///
    /// let events: Vec<_> = Population::new(SynthConfig { customers: 50, ..Default::default() })
    ///     .events()
    ///     .collect();
    /// let fold = |chunk: &[custinsight::SourceEvent]| {
    ///     let mut builder = ProfileBuilder::new();
    ///     chunk.iter().cloned().for_each(|event| builder.add(event).unwrap());
    ///     builder
    /// };
    /// let mut merged = fold(&events[..700]);
    /// merged.merge(fold(&events[700..]));
    /// assert_eq!(merged.build(), fold(&events).build());
    /// ```
    pub fn merge(&mut self, other: ProfileBuilder) {
        for (customer_id, accumulator) in other.customers {
            match self.customers.entry(customer_id) {
                std::collections::hash_map::Entry::Occupied(mut mine) => mine.get_mut().merge(&accumulator),
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(accumulator);
                }
            }
        }
        for (number, entry) in other.phones {
            let mine = self.phones.entry(number).or_default();
            mine.owner.merge(&entry.owner);
            if let Some(orphan) = entry.orphan {
                match &mut mine.orphan {
                    Some(existing) => existing.merge(&orphan),
                    None => mine.orphan = Some(orphan),
                }
            }
        }
        self.accepted += other.accepted;
    }

    /// Number of events accepted so far.
    pub fn accepted(&self) -> u64 {
        self.accepted
    }

    /// Number of customers with a customer id seen so far.
    pub fn customer_count(&self) -> usize {
        self.customers.len()
    }

    /// The current profile of `customer_id`, including events that named it
    /// only by phone.
    pub fn profile(&self, customer_id: &str) -> Option<CustomerProfile> {
        let accumulator = self.customers.get(customer_id)?;
        let mut merged = accumulator.clone();
        for number in &accumulator.phones {
            if let Some(entry) = self.phones.get(number) {
                if let (Some(orphan), Some(owner)) = (&entry.orphan, entry.owner.value()) {
                    if owner == customer_id {
                        merged.merge(orphan);
                    }
                }
            }
        }
        Some(merged.into_profile(Some(customer_id.to_owned())))
    }

    /// The current profile of whoever `phone` belongs to (the pop-up's
    /// lookup at ring time).
    ///
    /// # Errors
    /// [`Error::InvalidField`] when `phone` is malformed.
    pub fn profile_by_phone(&self, phone: &str) -> Result<Option<CustomerProfile>> {
        let number = crate::normalize_phone(phone)?;
        let Some(entry) = self.phones.get(&number) else {
            return Ok(None);
        };
        Ok(match entry.owner.value() {
            Some(owner) => self.profile(owner),
            None => entry
                .orphan
                .as_ref()
                .map(|orphan| (**orphan).clone().into_profile(None)),
        })
    }

    /// Finishes: one profile per customer id, sorted by id, followed by the
    /// profiles of numbers never seen with a customer id, sorted by number.
    pub fn build(self) -> Vec<CustomerProfile> {
        let ProfileBuilder {
            mut customers,
            phones,
            ..
        } = self;
        let mut unowned = Vec::new();
        for (number, entry) in phones {
            let Some(orphan) = entry.orphan else { continue };
            match entry.owner.into_value() {
                Some(owner) => customers
                    .get_mut(&owner)
                    .expect("an owner is always a customer with events")
                    .merge(&orphan),
                None => unowned.push((number, *orphan)),
            }
        }
        let mut owned: Vec<(String, Accumulator)> = customers.into_iter().collect();
        owned.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        unowned.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        owned
            .into_iter()
            .map(|(id, accumulator)| accumulator.into_profile(Some(id)))
            .chain(
                unowned
                    .into_iter()
                    .map(|(_, accumulator)| accumulator.into_profile(None)),
            )
            .collect()
    }
}

/// Orders events: newest `at` first, then `event_id`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Stamp {
    at: DateTime<Utc>,
    event_id: Arc<str>,
}

/// Last-writer-wins register.
#[derive(Debug, Clone)]
struct Lww<T>(Option<(Stamp, T)>);

impl<T> Default for Lww<T> {
    fn default() -> Self {
        Lww(None)
    }
}

impl<T: Clone + Serialize> Lww<T> {
    fn offer(&mut self, stamp: &Stamp, value: T) {
        if self
            .0
            .as_ref()
            .is_none_or(|(held, current)| supersedes(stamp, &value, held, current))
        {
            self.0 = Some((stamp.clone(), value));
        }
    }

    fn offer_opt(&mut self, stamp: &Stamp, value: Option<T>) {
        if let Some(value) = value {
            self.offer(stamp, value);
        }
    }

    fn merge(&mut self, other: &Lww<T>) {
        if let Some((stamp, value)) = &other.0 {
            self.offer(stamp, value.clone());
        }
    }

    fn value(&self) -> Option<&T> {
        self.0.as_ref().map(|(_, value)| value)
    }

    fn into_value(self) -> Option<T> {
        self.0.map(|(_, value)| value)
    }
}

/// Whether `(stamp, value)` replaces `(held, current)`. Equal stamps with
/// different values only arise when a source reuses an event id; comparing
/// the JSON text keeps the outcome independent of arrival order.
fn supersedes<T: Serialize>(stamp: &Stamp, value: &T, held: &Stamp, current: &T) -> bool {
    match stamp.cmp(held) {
        std::cmp::Ordering::Greater => true,
        std::cmp::Ordering::Less => false,
        std::cmp::Ordering::Equal => {
            let json = |v: &T| serde_json::to_string(v).expect("profile records always serialise");
            json(value) > json(current)
        }
    }
}

/// Records keyed by id, each a last-writer-wins register.
#[derive(Debug, Clone)]
struct Keyed<K, T>(BTreeMap<K, (Stamp, T)>);

impl<K, T> Default for Keyed<K, T> {
    fn default() -> Self {
        Keyed(BTreeMap::new())
    }
}

impl<K: Ord + Clone, T: Clone + Serialize> Keyed<K, T> {
    fn offer(&mut self, key: K, stamp: &Stamp, value: T) {
        match self.0.get_mut(&key) {
            Some((held, current)) => {
                if supersedes(stamp, &value, held, current) {
                    *held = stamp.clone();
                    *current = value;
                }
            }
            None => {
                self.0.insert(key, (stamp.clone(), value));
            }
        }
    }

    fn merge(&mut self, other: &Keyed<K, T>) {
        for (key, (stamp, value)) in &other.0 {
            self.offer(key.clone(), stamp, value.clone());
        }
    }

    /// The records sorted by `order` (time, then key), for stable output.
    fn into_sorted<O: Ord>(self, order: impl Fn(&T) -> O) -> Vec<T> {
        let mut records: Vec<(K, T)> = self.0.into_iter().map(|(key, (_, value))| (key, value)).collect();
        records.sort_by(|a, b| order(&a.1).cmp(&order(&b.1)).then_with(|| a.0.cmp(&b.0)));
        records.into_iter().map(|(_, value)| value).collect()
    }
}

#[derive(Debug, Default, Clone)]
struct PhoneEntry {
    /// The customer this number belongs to: newest event naming both.
    owner: Lww<String>,
    /// Events that named only this number.
    orphan: Option<Box<Accumulator>>,
}

/// Everything known about one customer, with the stamps that decide merges.
#[derive(Debug, Default, Clone)]
struct Accumulator {
    phones: BTreeSet<String>,
    name: Lww<String>,
    segment: Lww<Segment>,
    value_tier: Lww<ValueTier>,
    joined_at: Lww<DateTime<Utc>>,
    status: Lww<AccountStatus>,
    payment_type: Lww<PaymentType>,
    balance: Lww<Money>,
    credit_limit: Lww<Money>,
    recurring_fee: Lww<Money>,
    plan: Lww<Plan>,
    contract_end: Lww<DateTime<Utc>>,
    service_password_changed: Lww<bool>,
    usage: Keyed<NaiveDate, MonthlyUsage>,
    bills: Keyed<String, Bill>,
    payments: Keyed<String, Payment>,
    contacts: Keyed<String, Contact>,
    complaints: Keyed<String, Complaint>,
    retention_tasks: Keyed<String, RetentionTask>,
    audit_anomalies: Keyed<String, AuditAnomaly>,
    orders: Keyed<String, OnlineOrder>,
    watch_lists: Keyed<String, WatchListMembership>,
    preferred_channel: Lww<Channel>,
    temperament: Lww<String>,
    matched_agent: Lww<String>,
    extra_tags: BTreeMap<String, Lww<String>>,
    updated_at: Option<DateTime<Utc>>,
}

/// Applies `$method` to every register and keyed list of two accumulators,
/// so that adding a field cannot forget the merge.
macro_rules! for_each_register {
    ($self:ident, $other:ident, $method:ident) => {
        for_each_register!(@fields $self, $other, $method,
            name, segment, value_tier, joined_at, status, payment_type, balance, credit_limit,
            recurring_fee, plan, contract_end, service_password_changed, usage, bills, payments,
            contacts, complaints, retention_tasks, audit_anomalies, orders, watch_lists,
            preferred_channel, temperament, matched_agent)
    };
    (@fields $self:ident, $other:ident, $method:ident, $($field:ident),*) => {
        $( $self.$field.$method(&$other.$field); )*
    };
}

impl Accumulator {
    fn apply(&mut self, stamp: &Stamp, payload: EventPayload) {
        self.updated_at = self.updated_at.max(Some(stamp.at));
        match payload {
            EventPayload::Identity(update) => {
                // Phones were normalised and linked by the builder.
                self.name.offer_opt(stamp, update.name);
                self.segment.offer_opt(stamp, update.segment);
                self.value_tier.offer_opt(stamp, update.value_tier);
                self.joined_at.offer_opt(stamp, update.joined_at);
            }
            EventPayload::Account(update) => {
                self.status.offer_opt(stamp, update.status);
                self.payment_type.offer_opt(stamp, update.payment_type);
                self.balance.offer_opt(stamp, update.balance);
                self.credit_limit.offer_opt(stamp, update.credit_limit);
                self.recurring_fee.offer_opt(stamp, update.recurring_fee);
                self.plan.offer_opt(stamp, update.plan);
                self.contract_end.offer_opt(stamp, update.contract_end);
                self.service_password_changed
                    .offer_opt(stamp, update.service_password_changed);
            }
            EventPayload::Usage(usage) => self.usage.offer(usage.cycle_start, stamp, usage),
            EventPayload::Bill(bill) => self.bills.offer(bill.id.clone(), stamp, bill),
            EventPayload::Payment(payment) => self.payments.offer(payment.id.clone(), stamp, payment),
            EventPayload::Contact(contact) => self.contacts.offer(contact.id.clone(), stamp, contact),
            EventPayload::Complaint(complaint) => {
                self.complaints.offer(complaint.id.clone(), stamp, complaint)
            }
            EventPayload::RetentionTask(task) => self.retention_tasks.offer(task.id.clone(), stamp, task),
            EventPayload::AuditAnomaly(anomaly) => {
                self.audit_anomalies.offer(anomaly.id.clone(), stamp, anomaly)
            }
            EventPayload::Order(order) => self.orders.offer(order.id.clone(), stamp, order),
            EventPayload::WatchList(membership) => {
                self.watch_lists.offer(membership.list.clone(), stamp, membership)
            }
            EventPayload::Tags(update) => {
                self.preferred_channel.offer_opt(stamp, update.preferred_channel);
                self.temperament.offer_opt(stamp, update.temperament);
                self.matched_agent.offer_opt(stamp, update.matched_agent);
                for (key, value) in update.extra {
                    self.extra_tags.entry(key).or_default().offer(stamp, value);
                }
            }
        }
    }

    fn merge(&mut self, other: &Accumulator) {
        self.phones.extend(other.phones.iter().cloned());
        for_each_register!(self, other, merge);
        for (key, register) in &other.extra_tags {
            self.extra_tags.entry(key.clone()).or_default().merge(register);
        }
        self.updated_at = self.updated_at.max(other.updated_at);
    }

    fn into_profile(self, customer_id: Option<String>) -> CustomerProfile {
        CustomerProfile {
            customer_id,
            identity: Identity {
                phones: self.phones.into_iter().collect(),
                name: self.name.into_value(),
                segment: self.segment.into_value(),
                value_tier: self.value_tier.into_value(),
                joined_at: self.joined_at.into_value(),
            },
            account: Account {
                status: self.status.into_value().unwrap_or_default(),
                payment_type: self.payment_type.into_value().unwrap_or_default(),
                balance: self.balance.into_value().unwrap_or_default(),
                credit_limit: self.credit_limit.into_value().unwrap_or_default(),
                recurring_fee: self.recurring_fee.into_value().unwrap_or_default(),
                plan: self.plan.into_value(),
                contract_end: self.contract_end.into_value(),
                service_password_changed: self.service_password_changed.into_value().unwrap_or(false),
            },
            usage: self.usage.into_sorted(|usage| usage.cycle_start),
            bills: self.bills.into_sorted(|bill| bill.issued_at),
            payments: self.payments.into_sorted(|payment| payment.paid_at),
            contacts: self.contacts.into_sorted(|contact| contact.at),
            complaints: self.complaints.into_sorted(|complaint| complaint.received_at),
            retention_tasks: self.retention_tasks.into_sorted(|task| task.created_at),
            audit_anomalies: self.audit_anomalies.into_sorted(|anomaly| anomaly.detected_at),
            orders: self.orders.into_sorted(|order| order.placed_at),
            watch_lists: self.watch_lists.into_sorted(|membership| membership.added_at),
            tags: Tags {
                preferred_channel: self.preferred_channel.into_value(),
                temperament: self.temperament.into_value(),
                matched_agent: self.matched_agent.into_value(),
                extra: self
                    .extra_tags
                    .into_iter()
                    .filter_map(|(key, register)| register.into_value().map(|value| (key, value)))
                    .collect(),
            },
            updated_at: self.updated_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(json: &str) -> SourceEvent {
        SourceEvent::from_json(json).unwrap()
    }

    fn account(id: &str, at: &str, customer: &str, balance: f64) -> SourceEvent {
        event(&format!(
            r#"{{"event_id": "{id}", "source": "billing", "at": "{at}", "customer_id": "{customer}",
                "phone": "13812345678", "payload": {{"type": "account", "balance": {balance}}}}}"#
        ))
    }

    #[test]
    fn newest_event_wins_per_field_and_ties_break_by_event_id() {
        let mut builder = ProfileBuilder::new();
        builder
            .add(account("b", "2026-01-02T00:00:00Z", "C1", 5.0))
            .unwrap();
        builder
            .add(account("a", "2026-01-03T00:00:00Z", "C1", 7.0))
            .unwrap();
        builder
            .add(account("c", "2026-01-01T00:00:00Z", "C1", 9.0))
            .unwrap();
        assert_eq!(
            builder.profile("C1").unwrap().account.balance,
            Money::from_major(7)
        );
        builder
            .add(account("z", "2026-01-03T00:00:00Z", "C1", 1.0))
            .unwrap();
        assert_eq!(
            builder.profile("C1").unwrap().account.balance,
            Money::from_major(1)
        );
    }

    #[test]
    fn phone_only_events_join_the_owner_in_any_order() {
        let contact = event(
            r#"{"event_id": "k1", "source": "contact_channel", "at": "2026-01-05T00:00:00Z",
                "phone": "+86 138 1234 5678", "payload": {"type": "contact", "id": "K1",
                "channel": "ivr", "at": "2026-01-05T00:00:00Z", "handled_by": "self_service"}}"#,
        );
        let mut before = ProfileBuilder::new();
        before.add(contact.clone()).unwrap();
        assert_eq!(
            before
                .profile_by_phone("13812345678")
                .unwrap()
                .unwrap()
                .customer_id,
            None
        );
        before
            .add(account("a", "2026-01-01T00:00:00Z", "C1", 1.0))
            .unwrap();
        let mut after = ProfileBuilder::new();
        after
            .add(account("a", "2026-01-01T00:00:00Z", "C1", 1.0))
            .unwrap();
        after.add(contact).unwrap();
        let by_phone = after.profile_by_phone("008613812345678").unwrap().unwrap();
        assert_eq!(by_phone.customer_id.as_deref(), Some("C1"));
        assert_eq!(by_phone.contacts.len(), 1);
        assert_eq!(before.build(), after.build());
    }

    #[test]
    fn a_reassigned_number_follows_its_newest_owner() {
        let mut builder = ProfileBuilder::new();
        builder
            .add(account("a", "2020-01-01T00:00:00Z", "OLD", 1.0))
            .unwrap();
        builder
            .add(account("b", "2026-01-01T00:00:00Z", "NEW", 1.0))
            .unwrap();
        let owner = builder.profile_by_phone("13812345678").unwrap().unwrap();
        assert_eq!(owner.customer_id.as_deref(), Some("NEW"));
    }

    #[test]
    fn a_rejected_event_leaves_the_builder_unchanged() {
        let mut builder = ProfileBuilder::new();
        builder
            .add(account("a", "2026-01-01T00:00:00Z", "C1", 1.0))
            .unwrap();
        let before = builder.profile("C1");
        let mut bad = account("b", "2026-01-02T00:00:00Z", "C1", 2.0);
        bad.phone = Some("12".into());
        let err = builder.add(bad).unwrap_err().to_string();
        assert!(err.starts_with("invalid event \"b\".phone"), "{err}");
        assert_eq!(builder.profile("C1"), before);
        assert_eq!(builder.accepted(), 1);
    }
}
