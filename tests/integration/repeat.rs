//! Repeat-complaint detection: a brute-force reference, property tests
//! against it (streaming in order, out of order, batch shuffled), the edge
//! cases of the issue, concurrency, snapshots and a real data set.

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use custinsight::repeat::{
    label_batch, label_batch_compact, label_batch_compact_rows, summarize, BatchLabels, Categorize,
    EscalationTendency, Intake, PriorMatch, RepeatConfig, RepeatDetector, RepeatKind, TextSignature, Verdict,
    RECORD_BYTES,
};
use custinsight::{
    level1, normalize_phone, Channel, ChannelTier, Complaint, ComplaintRef, ComplaintRows, ComplaintStatus,
    ErrorKind, Signal,
};
use proptest::prelude::*;

// ---------------------------------------------------------------------------
// The reference: the rule of domain spec section 4 written as plainly as
// possible, O(n²) per complaint. No shared code with the detector beyond the
// public text signature, phone normalisation and configuration.
// ---------------------------------------------------------------------------

struct Reference {
    config: RepeatConfig,
    seen: Vec<(Complaint, Verdict)>,
}

fn same_key(a: &Complaint, b: &Complaint) -> bool {
    let phone = |c: &Complaint| c.phone.as_deref().map(|p| normalize_phone(p).unwrap());
    (a.customer_id.is_some() && a.customer_id == b.customer_id)
        || (phone(a).is_some() && phone(a) == phone(b))
}

fn open_at(c: &Complaint, at: DateTime<Utc>) -> bool {
    match c.status {
        ComplaintStatus::Open => true,
        ComplaintStatus::Closed => c.closed_at.is_some_and(|closed| closed > at),
    }
}

impl Reference {
    fn new(config: RepeatConfig) -> Self {
        Reference {
            config,
            seen: Vec::new(),
        }
    }

    /// Indices of earlier complaints of the same customer: connected to the
    /// new one through shared keys, over the complaints seen so far.
    fn same_customer(&self, new: &Complaint) -> Vec<usize> {
        let mut reached = vec![false; self.seen.len()];
        let mut frontier: Vec<&Complaint> = vec![new];
        while let Some(current) = frontier.pop() {
            for (index, (other, _)) in self.seen.iter().enumerate() {
                if !reached[index] && same_key(current, other) {
                    reached[index] = true;
                    frontier.push(other);
                }
            }
        }
        (0..self.seen.len()).filter(|&i| reached[i]).collect()
    }

    fn intake(&mut self, new: &Complaint) -> Verdict {
        let t = new.received_at;
        let signature = |c: &Complaint| c.text.as_deref().and_then(TextSignature::of);
        let mut matches: Vec<(usize, bool, Option<f32>)> = Vec::new();
        for index in self.same_customer(new) {
            let prior = &self.seen[index].0;
            if prior.received_at > t
                || t - prior.received_at > Duration::days(i64::from(self.config.window_days))
            {
                continue;
            }
            let similarity = match (signature(prior), signature(new)) {
                (Some(a), Some(b)) => Some(a.similarity(b)),
                _ => None,
            };
            let similar = similarity.is_some_and(|s| s >= self.config.similarity_threshold);
            let same_category = new.category.is_some() && prior.category == new.category;
            let same_issue = match (&prior.category, &new.category) {
                (Some(a), Some(b)) => same_category || (level1(a) == level1(b) && similar),
                _ => similar,
            };
            if same_issue {
                matches.push((index, same_category, similarity));
            }
        }
        matches.sort_by(|a, b| {
            let (pa, pb) = (&self.seen[a.0].0, &self.seen[b.0].0);
            pb.received_at
                .cmp(&pa.received_at)
                .then(b.1.cmp(&a.1))
                .then(b.2.unwrap_or(-1.0).total_cmp(&a.2.unwrap_or(-1.0)))
                .then(pa.id.cmp(&pb.id))
        });
        let kind = if matches.is_empty() {
            RepeatKind::New
        } else if t - self.seen[matches[0].0].0.received_at
            < Duration::minutes(i64::from(self.config.dedup_minutes))
        {
            RepeatKind::Duplicate
        } else if matches.iter().any(|m| open_at(&self.seen[m.0].0, t)) {
            RepeatKind::Repeat
        } else {
            RepeatKind::Second
        };
        let escalated = match matches.last() {
            None => false,
            Some(earliest) => {
                let tier = self.config.tier(new.channel);
                let earliest_tier = self.config.tier(self.seen[earliest.0].0.channel);
                (tier > earliest_tier && tier >= self.config.escalation_min_tier)
                    || new
                        .signals
                        .iter()
                        .any(|s| self.config.escalation_signals.contains(s))
            }
        };
        let verdict = Verdict {
            id: new.id.as_str().into(),
            kind,
            escalated,
            repeat_count: matches
                .iter()
                .filter(|m| self.seen[m.0].1.kind != RepeatKind::Duplicate)
                .count() as u32,
            thread: match matches.first() {
                None => new.id.as_str().into(),
                Some(first) => self.seen[first.0].1.thread.clone(),
            },
            matched: matches
                .iter()
                .map(|&(index, same_category, similarity)| {
                    let prior = &self.seen[index].0;
                    PriorMatch {
                        id: prior.id.as_str().into(),
                        days_since: (t - prior.received_at).num_milliseconds() as f64 / 86_400_000.0,
                        similarity,
                        same_category,
                        open: open_at(prior, t),
                    }
                })
                .collect(),
            category: new.category.as_deref().map(Into::into),
        };
        self.seen.push((new.clone(), verdict.clone()));
        verdict
    }
}

// ---------------------------------------------------------------------------
// Generated complaint streams.
// ---------------------------------------------------------------------------

const TEXTS: [&str; 6] = [
    "my broadband keeps dropping every evening since monday",
    "My broadband keeps dropping every evening since Monday!!",
    "broadband keeps dropping every evening, third time this week",
    "charged for a ringtone subscription I never ordered",
    "宽带又断网了，已经第三次了",
    "...",
];
const CATEGORIES: [&str; 4] = [
    "billing.refund",
    "billing.topup",
    "network.coverage",
    "network.sms",
];

fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

#[derive(Debug, Clone)]
struct Proto {
    customer: Option<u8>,
    phone: Option<(u8, u8)>,
    day: i64,
    minute: i64,
    category: Option<u8>,
    text: Option<u8>,
    channel: u8,
    close: u8,
    signals: u8,
}

fn arb_proto() -> impl Strategy<Value = Proto> {
    (
        (prop::option::of(0u8..4), prop::option::of((0u8..4, 0u8..3))),
        (0i64..40, prop::sample::select(vec![0i64, 30, 59, 60, 61, 600])),
        (prop::option::of(0u8..4), prop::option::of(0u8..6)),
        (0u8..14, 0u8..6, 0u8..8),
    )
        .prop_map(
            |((customer, phone), (day, minute), (category, text), (channel, close, signals))| Proto {
                customer,
                phone,
                day,
                minute,
                category,
                text,
                channel,
                close,
                signals,
            },
        )
}

fn build(index: usize, proto: &Proto) -> Complaint {
    let received_at = base() + Duration::days(proto.day) + Duration::minutes(proto.minute);
    let (status, closed_at) = match proto.close {
        0 | 1 => (ComplaintStatus::Open, None),
        2 => (ComplaintStatus::Closed, Some(received_at)),
        3 => (ComplaintStatus::Closed, Some(received_at + Duration::minutes(60))),
        4 => (ComplaintStatus::Closed, Some(received_at + Duration::days(3))),
        _ => (ComplaintStatus::Closed, None),
    };
    let customer_id = match (proto.customer, proto.phone) {
        (None, None) => Some("C0".to_owned()),
        (customer, _) => customer.map(|c| format!("C{c}")),
    };
    let phone = proto.phone.map(|(number, spelling)| match spelling {
        0 => format!("1380000000{number}"),
        1 => format!("+86 138 0000 000{number}"),
        _ => format!("0086-138-0000-000{number}"),
    });
    let mut category = proto.category.map(|c| CATEGORIES[usize::from(c)].to_owned());
    let text = proto.text.map(|t| TEXTS[usize::from(t)].to_owned());
    if category.is_none() && text.as_deref().and_then(TextSignature::of).is_none() {
        category = Some(CATEGORIES[0].to_owned());
    }
    let signals = [Signal::Regulator, Signal::Media, Signal::RepeatMention]
        .into_iter()
        .enumerate()
        .filter(|(bit, _)| proto.signals >> bit & 1 == 1)
        .map(|(_, s)| s)
        .collect();
    Complaint {
        id: format!("T{index:03}"),
        customer_id,
        phone,
        received_at,
        channel: Channel::ALL[usize::from(proto.channel)],
        category,
        text,
        status,
        closed_at,
        severity: None,
        signals,
    }
}

fn tight_config() -> RepeatConfig {
    RepeatConfig {
        window_days: 2,
        similarity_threshold: 0.6,
        dedup_minutes: 90,
        channel_tiers: [(Channel::OnlineChat, ChannelTier::SelfService)]
            .into_iter()
            .collect(),
        escalation_min_tier: ChannelTier::Executive,
        escalation_signals: vec![Signal::Media, Signal::RepeatMention],
    }
}

/// A configuration and a stream of complaints. The stream is interleaved
/// with 0 to 130 complaints of unrelated customers, so that customer keys
/// land on varied internal numbers and shards: merges then happen both
/// within a shard and across shards.
fn arb_stream() -> impl Strategy<Value = (RepeatConfig, Vec<Complaint>)> {
    (
        prop::bool::ANY,
        0usize..130,
        prop::collection::vec(arb_proto(), 1..60),
    )
        .prop_map(|(tight, padding, protos)| {
            let config = if tight {
                tight_config()
            } else {
                RepeatConfig::default()
            };
            let mut complaints: Vec<Complaint> = (0..padding)
                .map(|i| {
                    complaint(
                        &format!("D{i:03}"),
                        Some(&format!("D{i}")),
                        None,
                        base() - Duration::days(100),
                    )
                })
                .collect();
            complaints.extend(protos.iter().enumerate().map(|(i, p)| build(i, p)));
            (config, complaints)
        })
}

/// The batch labels of `complaints` (in any order) are the reference's
/// verdicts in time order, and the compact labels say the same.
fn batch_equals_the_reference(config: &RepeatConfig, complaints: &[Complaint]) -> Result<(), TestCaseError> {
    let labels = label_batch(config, None, complaints).unwrap();
    let expected = reference(config, &time_order(complaints));
    for (complaint, label) in complaints.iter().zip(&labels) {
        let want = expected.iter().find(|v| v.id == complaint.id).unwrap();
        prop_assert_eq!(label.verdict(), Some(want));
    }
    check_compact(
        complaints,
        &labels,
        &label_batch_compact(config, None, complaints).unwrap(),
    )
}

/// The complaints with the phone dropped where a customer id is given.
fn one_key_per_row(complaints: Vec<Complaint>) -> Vec<Complaint> {
    complaints
        .into_iter()
        .map(|mut complaint| {
            if complaint.customer_id.is_some() {
                complaint.phone = None;
            }
            complaint
        })
        .collect()
}

fn time_order(complaints: &[Complaint]) -> Vec<Complaint> {
    let mut sorted = complaints.to_vec();
    sorted.sort_by(|a, b| a.received_at.cmp(&b.received_at).then(a.id.cmp(&b.id)));
    sorted
}

fn stream(detector: &RepeatDetector, complaints: &[Complaint]) -> Vec<Verdict> {
    complaints
        .iter()
        .map(|c| {
            detector
                .intake(c)
                .unwrap()
                .verdict()
                .cloned()
                .expect("ids are unique")
        })
        .collect()
}

fn reference(config: &RepeatConfig, complaints: &[Complaint]) -> Vec<Verdict> {
    let mut reference = Reference::new(config.clone());
    complaints.iter().map(|c| reference.intake(c)).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn streaming_in_time_order_equals_the_reference((config, complaints) in arb_stream()) {
        let ordered = time_order(&complaints);
        let detector = RepeatDetector::new(config.clone()).unwrap();
        prop_assert_eq!(stream(&detector, &ordered), reference(&config, &ordered));
    }

    #[test]
    fn streaming_out_of_order_equals_the_reference((config, complaints) in arb_stream()) {
        // Arrival order as generated: priors are what arrived before and was
        // received no later.
        let detector = RepeatDetector::new(config.clone()).unwrap();
        prop_assert_eq!(stream(&detector, &complaints), reference(&config, &complaints));
    }

    #[test]
    fn batch_in_any_order_equals_the_reference_in_time_order(
        (config, complaints) in arb_stream().prop_flat_map(|(config, complaints)| {
            (Just(config), Just(complaints).prop_shuffle())
        })
    ) {
        batch_equals_the_reference(&config, &complaints)?;
    }

    #[test]
    fn batch_without_key_links_equals_the_reference_in_time_order(
        (config, complaints) in arb_stream().prop_flat_map(|(config, complaints)| {
            (Just(config), Just(one_key_per_row(complaints)).prop_shuffle())
        })
    ) {
        // No row carries both keys: the batch groups customers by the key
        // sorts alone.
        batch_equals_the_reference(&config, &complaints)?;
    }

    #[test]
    fn batch_with_status_updates_equals_streaming_in_time_order(
        (config, complaints) in arb_stream().prop_flat_map(|(config, complaints)| {
            let len = complaints.len();
            (Just(config), Just(complaints), prop::collection::vec(0..len, 0..12))
        }).prop_flat_map(|(config, complaints, updated)| {
            (Just(config), Just(with_updates(&complaints, &updated)).prop_shuffle())
        })
    ) {
        let labels = label_batch(&config, None, &complaints).unwrap();
        let detector = RepeatDetector::new(config.clone()).unwrap();
        for index in time_order_indices(&complaints) {
            prop_assert_eq!(&labels[index], &detector.intake(&complaints[index]).unwrap());
        }
        check_compact(&complaints, &labels, &label_batch_compact(&config, None, &complaints).unwrap())?;
    }

    #[test]
    fn check_answers_what_intake_then_judges((config, complaints) in arb_stream()) {
        let detector = RepeatDetector::new(config).unwrap();
        for complaint in &time_order(&complaints) {
            let checked = detector.check(complaint).unwrap();
            let taken = detector.intake(complaint).unwrap();
            prop_assert_eq!(Some(&checked), taken.verdict());
        }
    }

    #[test]
    fn check_many_answers_as_check_one_by_one((config, complaints) in arb_stream()) {
        let detector = RepeatDetector::new(config).unwrap();
        let (first, _) = complaints.split_at(complaints.len() / 2);
        stream(&detector, first);
        let remembered = detector.len();
        // Every complaint of the stream, remembered or not, and one that
        // names no customer, which fails where it stands.
        let mut probes = complaints.clone();
        let mut keyless = complaints[0].clone();
        (keyless.customer_id, keyless.phone) = (None, None);
        probes.insert(probes.len() / 2, keyless);
        let one_by_one: Vec<_> = probes.iter().map(|c| detector.check(c).map_err(|e| e.to_string())).collect();
        let together: Vec<_> = detector.check_many(&probes).into_iter().map(|v| v.map_err(|e| e.to_string())).collect();
        prop_assert_eq!(together, one_by_one);
        prop_assert_eq!(detector.len(), remembered);
    }

    #[test]
    fn snapshot_restore_answers_as_before((config, complaints) in arb_stream()) {
        let (first, rest) = complaints.split_at(complaints.len() / 2);
        let detector = RepeatDetector::new(config).unwrap();
        stream(&detector, first);
        let restored = RepeatDetector::restore(&detector.snapshot()).unwrap();
        prop_assert_eq!(restored.snapshot(), detector.snapshot());
        prop_assert_eq!(stream(&restored, rest), stream(&detector, rest));
    }
}

/// The stream with, for each of `updated`, a copy of that complaint under
/// the same ticket id and keys, closed a day after it was received: a status
/// update when it comes after the original, the original when before.
fn with_updates(complaints: &[Complaint], updated: &[usize]) -> Vec<Complaint> {
    let mut out = complaints.to_vec();
    for &index in updated {
        let mut update = complaints[index].clone();
        update.status = ComplaintStatus::Closed;
        update.closed_at = Some(update.received_at + Duration::days(1));
        out.push(update);
    }
    out
}

/// Row indices in the order streaming takes them: receive time, then
/// ticket id, then position.
fn time_order_indices(complaints: &[Complaint]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..complaints.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&complaints[a], &complaints[b]);
        x.received_at
            .cmp(&y.received_at)
            .then(x.id.cmp(&y.id))
            .then(a.cmp(&b))
    });
    order
}

/// The compact labels say what the full ones say, with rows for ids.
fn check_compact(
    complaints: &[Complaint],
    labels: &[Intake],
    batch: &BatchLabels,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(labels.len(), batch.labels.len());
    prop_assert_eq!(
        batch.summarize(complaints, Some(1000)).unwrap(),
        summarize(complaints, labels, Some(1000)).unwrap()
    );
    for (row, (label, compact)) in labels.iter().zip(&batch.labels).enumerate() {
        let id_of = |row: u32| complaints[row as usize].id.as_str();
        match label {
            Intake::Judged(verdict) => {
                prop_assert_eq!(compact.kind, Some(verdict.kind));
                prop_assert_eq!(compact.escalated, verdict.escalated);
                prop_assert_eq!(compact.repeat_count, verdict.repeat_count);
                prop_assert_eq!(
                    compact.matched.map(id_of),
                    verdict.matched.first().map(|m| m.id.as_str())
                );
                prop_assert_eq!(id_of(compact.thread), verdict.thread.as_str());
                prop_assert_eq!(batch.category(compact), verdict.category.as_deref());
                if verdict.kind == RepeatKind::New {
                    prop_assert_eq!(compact.thread as usize, row);
                }
            }
            Intake::Updated { id, .. } => {
                prop_assert_eq!(compact.kind, None);
                prop_assert_eq!(batch.category(compact), None);
                let original = compact.matched.expect("an update names its ticket's row");
                prop_assert_eq!(id_of(original), id.as_str());
                prop_assert_ne!(original as usize, row);
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Edge cases named by the issue.
// ---------------------------------------------------------------------------

fn complaint(id: &str, customer: Option<&str>, phone: Option<&str>, at: DateTime<Utc>) -> Complaint {
    Complaint {
        id: id.to_owned(),
        customer_id: customer.map(str::to_owned),
        phone: phone.map(str::to_owned),
        received_at: at,
        channel: Channel::Hotline,
        category: Some("broadband.outage".to_owned()),
        text: None,
        status: ComplaintStatus::Open,
        closed_at: None,
        severity: None,
        signals: vec![],
    }
}

fn judged(detector: &RepeatDetector, complaint: &Complaint) -> Verdict {
    detector.intake(complaint).unwrap().verdict().cloned().unwrap()
}

fn closed(mut complaint: Complaint, at: DateTime<Utc>) -> Complaint {
    complaint.status = ComplaintStatus::Closed;
    complaint.closed_at = Some(at);
    complaint
}

/// A batch of thousands of customers is replayed in blocks of customers,
/// in parallel: every label is still what streaming intake in time order
/// answers, with keys linking (phones) and without.
#[test]
fn large_batches_equal_streaming_in_time_order() {
    use custinsight::repeat::synth::{synthetic_complaints, SynthSpec};
    for phones in [true, false] {
        let complaints: Vec<Complaint> = synthetic_complaints(&SynthSpec {
            phones,
            ..SynthSpec::new(20_000)
        })
        .collect();
        let config = RepeatConfig::default();
        let labels = label_batch(&config, None, &complaints).unwrap();
        let detector = RepeatDetector::new(config.clone()).unwrap();
        for index in time_order_indices(&complaints) {
            assert_eq!(
                labels[index],
                detector.intake(&complaints[index]).unwrap(),
                "row {index}"
            );
        }
        let compact = label_batch_compact(&config, None, &complaints).unwrap();
        check_compact(&complaints, &labels, &compact).unwrap();
        let repeats = labels
            .iter()
            .filter(|label| label.verdict().is_some_and(|v| v.kind != RepeatKind::New))
            .count();
        assert!(
            repeats > complaints.len() / 10,
            "{repeats} of the rows match a prior"
        );
    }
}

/// Categorises a text by its length: several codes over two level-1
/// categories, and no answer for some texts.
struct ByLength;
impl Categorize for ByLength {
    fn categorize(&self, text: &str) -> Option<String> {
        let codes = [
            "broadband.outage",
            "broadband.slow_speed",
            "billing.unknown_charge",
        ];
        codes.get(text.len() % 4).map(|code| (*code).to_owned())
    }
}

/// A large batch whose categories come from a categoriser, for some rows in
/// every chunk the batch is prepared in: every label is what streaming
/// intake with the same categoriser answers.
#[test]
fn large_categorised_batches_equal_streaming_in_time_order() {
    use custinsight::repeat::synth::{synthetic_complaints, SynthSpec};
    let mut complaints: Vec<Complaint> = synthetic_complaints(&SynthSpec {
        text_share: 0.6,
        ..SynthSpec::new(20_000)
    })
    .collect();
    let mut uncategorised = 0;
    for complaint in complaints.iter_mut().step_by(3) {
        if complaint.text.is_some() {
            complaint.category = None;
            uncategorised += 1;
        }
    }
    assert!(uncategorised > 3000, "{uncategorised} rows without a category");
    let config = RepeatConfig::default();
    let labels = label_batch(&config, Some(&ByLength), &complaints).unwrap();
    let detector = RepeatDetector::new(config.clone())
        .unwrap()
        .with_categorizer(Arc::new(ByLength));
    for index in time_order_indices(&complaints) {
        assert_eq!(
            labels[index],
            detector.intake(&complaints[index]).unwrap(),
            "row {index}"
        );
    }
    let compact = label_batch_compact(&config, Some(&ByLength), &complaints).unwrap();
    check_compact(&complaints, &labels, &compact).unwrap();
    // The categoriser's codes label rows of the last chunks too.
    let late = (16_000..complaints.len())
        .filter(|&row| complaints[row].category.is_none())
        .filter(|&row| compact.category(&compact.labels[row]) == Some("broadband.slow_speed"))
        .count();
    assert!(late > 10, "{late} late rows judged under a categorised code");
}

/// A batch names its first invalid row (in the order given) and that row's
/// first invalid field, whether the fault is a malformed category code
/// (checked once per distinct code) or another field.
#[test]
fn batch_reports_the_first_invalid_row_and_field() {
    let rows: Vec<Complaint> = (0..8)
        .map(|i| {
            complaint(
                &format!("T{i}"),
                Some(&format!("C{}", i % 3)),
                None,
                base() + Duration::hours(i),
            )
        })
        .collect();
    let config = RepeatConfig::default();
    let error = |rows: &[Complaint]| {
        let full = label_batch(&config, None, rows).unwrap_err().to_string();
        let compact = label_batch_compact(&config, None, rows).unwrap_err().to_string();
        assert_eq!(full, compact);
        full
    };
    let mut bad = rows.clone();
    bad[5].category = Some("Broadband.Outage".to_owned());
    bad[6].id = " T6".to_owned();
    assert!(error(&bad).contains("complaints[5].category"), "{}", error(&bad));
    bad[2].id = String::new();
    assert!(error(&bad).contains("complaints[2].id"), "{}", error(&bad));
    // A malformed code on the row of an earlier fault: the row's first field.
    bad[2].category = Some("broadband".to_owned());
    assert!(error(&bad).contains("complaints[2].id"), "{}", error(&bad));
    bad[2].id = "T2".to_owned();
    assert!(error(&bad).contains("complaints[2].category"), "{}", error(&bad));
    // The same malformed code on several rows: the first of them.
    bad[1].category = Some("broadband".to_owned());
    assert!(error(&bad).contains("complaints[1].category"), "{}", error(&bad));
    assert!(label_batch_compact(&config, None, &rows).is_ok());
}

#[test]
fn exactly_thirty_days_apart_is_inside_the_window() {
    let detector = RepeatDetector::default();
    judged(&detector, &complaint("A", Some("C1"), None, base()));
    let verdict = judged(
        &detector,
        &complaint("B", Some("C1"), None, base() + Duration::days(30)),
    );
    assert_eq!(verdict.kind, RepeatKind::Repeat);
    assert_eq!(verdict.matched[0].days_since, 30.0);
    let late = base() + Duration::days(30) + Duration::milliseconds(1);
    let detector = RepeatDetector::default();
    judged(&detector, &complaint("A", Some("C1"), None, base()));
    assert_eq!(
        judged(&detector, &complaint("B", Some("C1"), None, late)).kind,
        RepeatKind::New
    );
}

#[test]
fn same_timestamp_is_a_duplicate_and_not_counted() {
    let detector = RepeatDetector::default();
    judged(&detector, &complaint("A", Some("C1"), None, base()));
    let verdict = judged(&detector, &complaint("A2", Some("C1"), None, base()));
    assert_eq!(verdict.kind, RepeatKind::Duplicate);
    assert_eq!(verdict.thread, "A");
    // 59 minutes 59.999 seconds later: still a duplicate; one hour later: a repeat.
    let almost = base() + Duration::hours(1) - Duration::milliseconds(1);
    assert_eq!(
        judged(&detector, &complaint("A3", Some("C1"), None, almost)).kind,
        RepeatKind::Duplicate
    );
    let verdict = judged(
        &detector,
        &complaint(
            "B",
            Some("C1"),
            None,
            almost + Duration::hours(1) + Duration::milliseconds(1),
        ),
    );
    assert_eq!(verdict.kind, RepeatKind::Repeat);
    assert_eq!(verdict.matched.len(), 3);
    assert_eq!(verdict.repeat_count, 1, "duplicates are not counted");
    assert_eq!(verdict.thread, "A");
}

#[test]
fn closed_exactly_at_the_new_complaints_time_counts_as_closed() {
    let at = base() + Duration::days(2);
    let detector = RepeatDetector::default();
    detector
        .intake(&closed(complaint("A", Some("C1"), None, base()), at))
        .unwrap();
    let verdict = judged(&detector, &complaint("B", Some("C1"), None, at));
    assert_eq!(verdict.kind, RepeatKind::Second);
    assert!(!verdict.matched[0].open);
    let detector = RepeatDetector::default();
    detector
        .intake(&closed(
            complaint("A", Some("C1"), None, base()),
            at + Duration::milliseconds(1),
        ))
        .unwrap();
    assert_eq!(
        judged(&detector, &complaint("B", Some("C1"), None, at)).kind,
        RepeatKind::Repeat
    );
}

#[test]
fn closing_is_an_update_not_a_new_complaint() {
    let detector = RepeatDetector::default();
    let first = complaint("A", Some("C1"), None, base());
    judged(&detector, &first);
    let update = detector
        .intake(&closed(first.clone(), base() + Duration::days(1)))
        .unwrap();
    assert_eq!(
        update,
        Intake::Updated {
            id: "A".into(),
            status: ComplaintStatus::Closed
        }
    );
    assert_eq!(detector.len(), 1);
    let verdict = judged(
        &detector,
        &complaint("B", Some("C1"), None, base() + Duration::days(5)),
    );
    assert_eq!(verdict.kind, RepeatKind::Second);
    assert_eq!(verdict.repeat_count, 1);
    // Reopening makes it open again.
    detector.intake(&first).unwrap();
    assert_eq!(
        detector
            .check(&complaint("C", Some("C1"), None, base() + Duration::days(6)))
            .unwrap()
            .kind,
        RepeatKind::Repeat
    );
}

#[test]
fn id_only_then_phone_only_then_both_links_the_customer() {
    let detector = RepeatDetector::default();
    let day = |d| base() + Duration::days(d);
    assert_eq!(
        judged(&detector, &complaint("A", Some("C1"), None, day(0))).kind,
        RepeatKind::New
    );
    // Phone only: nothing links it to C1 yet.
    assert_eq!(
        judged(&detector, &complaint("B", None, Some("13812345678"), day(1))).kind,
        RepeatKind::New
    );
    // Both keys: finds A (by id) and B (by phone), and links them.
    let verdict = judged(
        &detector,
        &complaint("C", Some("C1"), Some("+86 138 1234 5678"), day(2)),
    );
    assert_eq!(verdict.kind, RepeatKind::Repeat);
    let ids: Vec<_> = verdict.matched.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["B", "A"], "most recent first");
    assert_eq!(verdict.thread, "B");
    // Phone only again: now finds all three, including A filed under the id.
    let verdict = judged(&detector, &complaint("D", None, Some("0086 13812345678"), day(3)));
    let ids: BTreeSet<_> = verdict.matched.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, BTreeSet::from(["A", "B", "C"]));
    assert_eq!(verdict.repeat_count, 3);
    let counters = detector.customer_counters(Some("C1"), None, day(3)).unwrap();
    assert_eq!(counters.complaints, 4);
    assert_eq!(counters.repeats, 2);
}

#[test]
fn customers_merging_within_one_shard_keep_all_their_history() {
    // Keys get internal numbers in order of first appearance; 64 apart puts
    // two customers in the same shard.
    let detector = RepeatDetector::default();
    judged(&detector, &complaint("A1", Some("A"), None, base()));
    for i in 1..64 {
        judged(
            &detector,
            &complaint(&format!("X{i}"), Some(&format!("X{i}")), None, base()),
        );
    }
    judged(
        &detector,
        &complaint("P1", None, Some("13900000000"), base() + Duration::hours(2)),
    );
    judged(
        &detector,
        &complaint("A2", Some("A"), None, base() + Duration::hours(4)),
    );
    let verdict = judged(
        &detector,
        &complaint("AP", Some("A"), Some("13900000000"), base() + Duration::hours(6)),
    );
    let ids: Vec<_> = verdict.matched.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["A2", "P1", "A1"]);
    let verdict = judged(
        &detector,
        &complaint("P2", None, Some("13900000000"), base() + Duration::hours(8)),
    );
    assert_eq!(verdict.matched.len(), 4);
    assert_eq!(verdict.thread, "A1");
    let restored = RepeatDetector::restore(&detector.snapshot()).unwrap();
    let probe = complaint("Q", Some("A"), None, base() + Duration::hours(10));
    assert_eq!(restored.check(&probe).unwrap(), detector.check(&probe).unwrap());
    assert_eq!(detector.compact(base()), 0);
    assert_eq!(detector.check(&probe).unwrap().matched.len(), 5);
    assert_eq!(detector.len(), 68);
}

#[test]
fn a_key_whose_group_was_merged_by_another_key_still_finds_everything() {
    // C2's group is older (smaller) than the group of C1 and its phone, so
    // when the phone joins C2, C1's group is merged into C2's by a complaint
    // that does not carry C1. A check by C1 alone must still see all three,
    // also across shards (the padding puts the groups on different numbers),
    // after compaction and after a restore.
    for padding in [0, 1, 63] {
        let detector = RepeatDetector::default();
        let at = |h| base() + Duration::hours(h);
        judged(&detector, &complaint("A", Some("C2"), None, at(0)));
        for i in 0..padding {
            judged(
                &detector,
                &complaint(&format!("X{i}"), Some(&format!("X{i}")), None, at(0)),
            );
        }
        judged(&detector, &complaint("B", Some("C1"), Some("13812345678"), at(2)));
        let verdict = judged(&detector, &complaint("C", Some("C2"), Some("13812345678"), at(4)));
        assert_eq!(verdict.matched.len(), 2, "padding {padding}");
        let probe = complaint("D", Some("C1"), None, at(6));
        let ids: Vec<_> = detector
            .check(&probe)
            .unwrap()
            .matched
            .iter()
            .map(|m| m.id.clone())
            .collect();
        assert_eq!(ids, ["C", "B", "A"], "padding {padding}");
        let restored = RepeatDetector::restore(&detector.snapshot()).unwrap();
        assert_eq!(restored.check(&probe).unwrap(), detector.check(&probe).unwrap());
        assert_eq!(detector.compact(at(0)), 0);
        assert_eq!(detector.check(&probe).unwrap().matched.len(), 3);
        // And intake by C1 alone joins the merged group.
        let verdict = judged(&detector, &probe);
        assert_eq!(verdict.thread, "B", "padding {padding}");
        assert_eq!(
            detector
                .check(&complaint("E", None, Some("13812345678"), at(8)))
                .unwrap()
                .matched
                .len(),
            4
        );
    }
}

#[test]
fn check_previews_the_linked_history_without_linking() {
    let detector = RepeatDetector::default();
    judged(&detector, &complaint("A", Some("C1"), None, base()));
    judged(
        &detector,
        &complaint("B", None, Some("13812345678"), base() + Duration::days(1)),
    );
    let both = complaint("C", Some("C1"), Some("13812345678"), base() + Duration::days(2));
    let preview = detector.check(&both).unwrap();
    let ids: Vec<_> = preview.matched.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["B", "A"]);
    assert_eq!(detector.len(), 2, "check remembers nothing");
    let phone_only = complaint("D", None, Some("13812345678"), base() + Duration::days(3));
    assert_eq!(
        detector.check(&phone_only).unwrap().matched.len(),
        1,
        "and links nothing"
    );
    assert_eq!(judged(&detector, &both), preview);
    assert_eq!(detector.check(&phone_only).unwrap().matched.len(), 3);
}

#[test]
fn unknown_channel_is_rejected_and_unlisted_channels_keep_their_default_tier() {
    let err = custinsight::from_json::<Complaint>(
        "complaint",
        r#"{"id": "T1", "customer_id": "C1", "received_at": "2026-11-02T09:30:00Z",
            "channel": "fax", "category": "network.sms", "status": "open"}"#,
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("fax"), "{err}");
    // Only the store is re-tiered; the regulator keeps its default tier.
    let config = RepeatConfig {
        channel_tiers: [(Channel::Store, ChannelTier::Executive)].into_iter().collect(),
        ..RepeatConfig::default()
    };
    let detector = RepeatDetector::new(config).unwrap();
    let mut first = complaint("A", Some("C1"), None, base());
    first.channel = Channel::Store;
    judged(&detector, &first);
    let mut second = complaint("B", Some("C1"), None, base() + Duration::days(1));
    second.channel = Channel::ExecutiveDesk;
    assert!(
        !judged(&detector, &second).escalated,
        "executive is not above a store re-tiered to executive"
    );
    let mut third = complaint("C", Some("C1"), None, base() + Duration::days(2));
    third.channel = Channel::Regulator;
    assert!(judged(&detector, &third).escalated);
}

struct Stub;
impl Categorize for Stub {
    fn categorize(&self, text: &str) -> Option<String> {
        if text.contains("broadband") {
            Some("broadband.outage".into())
        } else if text.contains("bill") {
            Some("billing.unknown_charge".into())
        } else {
            None
        }
    }
}

#[test]
fn missing_category_uses_the_categoriser_then_text_similarity() {
    let mut a = complaint("A", Some("C1"), None, base());
    a.category = None;
    a.text = Some("the broadband is down again".into());
    let mut b = complaint("B", Some("C1"), None, base() + Duration::days(1));
    b.category = None;
    b.text = Some("no internet at home, broadband dead since yesterday".into());
    // With the categoriser both are broadband.outage: a repeat despite different wording.
    let detector = RepeatDetector::default().with_categorizer(Arc::new(Stub));
    judged(&detector, &a);
    let verdict = judged(&detector, &b);
    assert_eq!(verdict.kind, RepeatKind::Repeat);
    assert_eq!(verdict.category.as_deref(), Some("broadband.outage"));
    assert!(verdict.matched[0].same_category);
    // Without it, they are compared by text alone, and the wordings differ.
    let detector = RepeatDetector::default();
    judged(&detector, &a);
    assert_eq!(judged(&detector, &b).kind, RepeatKind::New);
    // The same wording matches across any category.
    let mut c = complaint("C", Some("C1"), None, base() + Duration::days(2));
    c.category = None;
    c.text = Some("The broadband is down AGAIN!".into());
    let verdict = judged(&detector, &c);
    assert_eq!(verdict.kind, RepeatKind::Repeat);
    assert_eq!(verdict.matched[0].similarity, Some(1.0));
    // Neither category nor text: a clear error.
    let mut d = complaint("D", Some("C1"), None, base());
    d.category = None;
    let err = detector.intake(&d).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().starts_with("invalid category:"), "{err}");
}

#[test]
fn batch_labels_carry_the_categorisers_category() {
    let mut rows = Vec::new();
    for (day, (id, text)) in [
        ("A", "the broadband is down"),
        ("B", "broadband dead again"),
        ("C", "odd bill"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut row = complaint(id, Some("C1"), None, base() + Duration::days(day as i64));
        row.category = None;
        row.text = Some(text.into());
        rows.push(row);
    }
    let config = RepeatConfig::default();
    let full = label_batch(&config, Some(&Stub), &rows).unwrap();
    let batch = label_batch_compact(&config, Some(&Stub), &rows).unwrap();
    check_compact(&rows, &full, &batch).unwrap();
    assert_eq!(batch.categories, ["billing.unknown_charge", "broadband.outage"]);
    assert_eq!(batch.category(&batch.labels[1]), Some("broadband.outage"));
    assert_eq!(batch.labels[1].kind, Some(RepeatKind::Repeat));
    assert_eq!(batch.labels[1].matched, Some(0));
    let summary = batch.summarize(&rows, None).unwrap();
    assert_eq!(summary.by_category["broadband.outage"].repeats, 1);
    assert_eq!(summary.by_category["billing.unknown_charge"].new, 1);
}

#[test]
fn level1_match_needs_similar_text() {
    let detector = RepeatDetector::default();
    let mut a = complaint("A", Some("C1"), None, base());
    a.category = Some("billing.refund".into());
    a.text = Some("refund of 50 yuan promised last month never arrived".into());
    judged(&detector, &a);
    let mut b = complaint("B", Some("C1"), None, base() + Duration::days(1));
    b.category = Some("billing.plan_mismatch".into());
    b.text = Some("Refund of 50 yuan promised last month never arrived!".into());
    let verdict = judged(&detector, &b);
    assert_eq!(verdict.kind, RepeatKind::Repeat);
    assert!(!verdict.matched[0].same_category);
    let mut c = complaint("C", Some("C1"), None, base() + Duration::days(2));
    c.category = Some("billing.roaming".into());
    c.text = Some("roaming charges from my trip to Japan are wrong".into());
    assert_eq!(judged(&detector, &c).kind, RepeatKind::New);
}

#[test]
fn escalation_by_channel_tier_and_by_signal() {
    let detector = RepeatDetector::default();
    let mut a = complaint("A", Some("C1"), None, base());
    a.channel = Channel::App;
    judged(&detector, &a);
    let mut b = complaint("B", Some("C1"), None, base() + Duration::days(1));
    b.channel = Channel::Regulator;
    let verdict = judged(&detector, &b);
    assert!(verdict.escalated);
    // Lower than the earliest prior's tier, but with the media signal.
    let mut c = complaint("C", Some("C1"), None, base() + Duration::days(2));
    c.channel = Channel::Ivr;
    c.signals = vec![Signal::Media];
    assert!(judged(&detector, &c).escalated);
    // A regulator signal without any prior is not an escalation.
    let mut d = complaint("D", Some("C2"), None, base());
    d.signals = vec![Signal::Regulator];
    let verdict = judged(&detector, &d);
    assert_eq!((verdict.kind, verdict.escalated), (RepeatKind::New, false));
    let counters = detector
        .customer_counters(Some("C1"), None, base() + Duration::days(2))
        .unwrap();
    assert_eq!(counters.escalated, 2);
    assert_eq!(counters.tendency, EscalationTendency::Media);
    assert_eq!(
        detector
            .customer_counters(Some("C2"), None, base())
            .unwrap()
            .tendency,
        EscalationTendency::Regulator
    );
    assert_eq!(
        detector.customer_counters(Some("nobody"), None, base()).unwrap(),
        Default::default()
    );
}

#[test]
fn compaction_forgets_old_complaints_but_not_the_tendency() {
    let detector = RepeatDetector::default();
    let mut a = complaint("A", Some("C1"), None, base());
    a.channel = Channel::Media;
    judged(&detector, &a);
    judged(
        &detector,
        &complaint("B", Some("C1"), None, base() + Duration::days(20)),
    );
    assert_eq!(detector.compact(base() + Duration::days(35)), 1);
    assert_eq!(detector.len(), 1);
    let now = base() + Duration::days(35);
    let counters = detector.customer_counters(Some("C1"), None, now).unwrap();
    assert_eq!(counters.complaints, 1);
    assert_eq!(counters.tendency, EscalationTendency::Media);
    let verdict = judged(&detector, &complaint("C", Some("C1"), None, now));
    assert_eq!(verdict.matched.len(), 1);
    assert_eq!(
        verdict.thread, "A",
        "the thread root outlives its compacted ticket"
    );
}

#[test]
fn the_stored_record_fits_the_memory_budget() {
    const { assert!(RECORD_BYTES <= 128) };
    assert_eq!(RECORD_BYTES, 56);
}

// ---------------------------------------------------------------------------
// Snapshots.
// ---------------------------------------------------------------------------

fn sample_detector() -> RepeatDetector {
    let detector = RepeatDetector::default();
    for i in 0..50 {
        let mut c = complaint(
            &format!("T{i}"),
            Some(&format!("C{}", i % 7)),
            (i % 3 == 0).then_some("13812345678"),
            base() + Duration::hours(i * 13),
        );
        c.text = Some(TEXTS[i as usize % TEXTS.len()].to_owned());
        detector.intake(&c).unwrap();
    }
    detector
}

#[test]
fn truncated_or_corrupted_snapshots_are_rejected() {
    let snapshot = sample_detector().snapshot();
    for len in (0..snapshot.len()).step_by(7).chain([snapshot.len() - 1]) {
        let err = RepeatDetector::restore(&snapshot[..len]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::SnapshotFormat, "{err}");
        assert!(err.to_string().contains("truncated"), "{err}");
    }
    for index in (0..snapshot.len()).step_by(11) {
        let mut corrupted = snapshot.clone();
        corrupted[index] ^= 0x10;
        let err = RepeatDetector::restore(&corrupted).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::SnapshotFormat, "{err}");
    }
    let mut corrupted = snapshot.clone();
    corrupted[40] ^= 1;
    assert!(RepeatDetector::restore(&corrupted)
        .unwrap_err()
        .to_string()
        .contains("corrupted"));
}

/// `sample_detector().snapshot()` as written before the store kept customers'
/// newest records in their heads and the key index moved to flat tables
/// (commit 806455e), in hex: the snapshot format did not change with them.
const SAMPLE_SNAPSHOT_806455E: &str = concat!(
    "4353494e52505448010000001b090000000000001e0000403f3c0001020001021062726f616462616e642e6f75746167",
    "650962726f616462616e64070243300002433102024332030243330402433405024335060243360701cea6fafda70301",
    "08000000000000000001003280a0d5edee66feffffffffffffffff01aae081b9bfe9efcc8c010000898cd8c708ffffff",
    "ff0f02020102070480f6c7f3ef66feffffffffffffffff0198aaa4da9fdba1c8070200d082d8af08ffffffff0f020201",
    "02070580ccbaf9f066feffffffffffffffff01aae081b9bfe9efcc8c010400af92d8d708ffffffff0f02020102070580",
    "be8ba6f166feffffffffffffffff01aae081b9bfe9efcc8c0106009c8fd8cf08ffffffff0f0202010207058084f7c6ef",
    "66feffffffffffffffff01a8b080baaf81ebe80e0808e385d8b708ffffffff0f02020102070480a2adfff166feffffff",
    "ffffffffff0198aaa4da9fdba1c8070a008ea2d8ff08ffffffff0f0202010207058094feabf266feffffffffffffffff",
    "01919c8fcdb1d0ec480c00b2f4a2f204ffffffff0f03020102070580dae9ccf066feffffffffffffffff01000f0fc295",
    "d8df08ffffffff0f02020102070080f89f85f366feffffffffffffffff01aae081b9bfe9efcc8c0111008ceea2e204ff",
    "ffffff0f03020102070580eaf0b1f366feffffffffffffffff01aae081b9bfe9efcc8c0114009ff1a2ea04ffffffff0f",
    "03020102070580dcc1def366feffffffffffffffff01a8b080baaf81ebe80e1700e6e7a2d204ffffffff0f0302010207",
    "058092a69aef66feffffffffffffffff01aae081b9bfe9efcc8c011a1af688d8bf08ffffffff0f02020102070480b0dc",
    "d2f166feffffffffffffffff01a8b080baaf81ebe80e1c1aa1a5d88709ffffffff0f02020102070580ce928bf466feff",
    "ffffffffffffff0198aaa4da9fdba1c8071e00f9eaa2da04ffffffff0f03020102070580c0e3b7f466feffffffffffff",
    "ffff01919c8fcdb1d0ec482100c0e1a2c204ffffffff0f03020102070580b2b4e4f466feffffffffffffffff01002400",
    "d3e4a2ca04ffffffff0f03020102070180e898a0f066feffffffffffffffff01919c8fcdb1d0ec482727d598d8e708ff",
    "ffffff0f0202010207048086cfd8f266feffffffffffffffff01002927c5f7a2fa04ffffffff0f03020102070180a485",
    "91f566feffffffffffffffff01aae081b9bfe9efcc8c012c00ca8da3b205ffffffff0f0302010207058096d6bdf566fe",
    "ffffffffffffffff01aae081b9bfe9efcc8c012f00dd90a3ba05ffffffff0f0302010207058088a7eaf566feffffffff",
    "ffffffff01a8b080baaf81ebe80e3200a9e499c204ffffffff0f03020102070580faf796f666feffffffffffffffff01",
    "98aaa4da9fdba1c807350096e199ba04ffffffff0f03020102070580ecc8c3f666feffffffffffffffff01919c8fcdb1",
    "d0ec48380083de99b204ffffffff0f03020102070580de99f0f666feffffffffffffffff01003b00f0da99aa04ffffff",
    "ff0f03020102070180d0ea9cf766feffffffffffffffff01aae081b9bfe9efcc8c013e00f5f099e204ffffffff0f0302",
    "0102070580c2bbc9f766feffffffffffffffff01aae081b9bfe9efcc8c014100e2ed99da04ffffffff0f030201020705",
    "80b48cf6f766feffffffffffffffff01a8b080baaf81ebe80e4400cfea99d204ffffffff0f03020102070580a6dda2f8",
    "66feffffffffffffffff0198aaa4da9fdba1c8074700bce799ca04ffffffff0f0302010207058098aecff866feffffff",
    "ffffffffff01919c8fcdb1d0ec484a00c1fd998205ffffffff0f030201020705808afffbf866feffffffffffffffff01",
    "004d00aefa99fa04ffffffff0f03020102070180fccfa8f966feffffffffffffffff01aae081b9bfe9efcc8c015000a0",
    "d4909204ffffffff0f03020102070580eea0d5f966feffffffffffffffff01aae081b9bfe9efcc8c015300b3d7909a04",
    "ffffffff0f03020102070580e0f181fa66feffffffffffffffff01a8b080baaf81ebe80e5600c6da90a204ffffffff0f",
    "03020102070580d2c2aefa66feffffffffffffffff0198aaa4da9fdba1c8075900d9dd90aa04ffffffff0f0302010207",
    "0580c493dbfa66feffffffffffffffff01919c8fcdb1d0ec485c00ece090b204ffffffff0f03020102070580b6e487fb",
    "66feffffffffffffffff01005f00ffe390ba04ffffffff0f03020102070180a8b5b4fb66feffffffffffffffff01aae0",
    "81b9bfe9efcc8c01620092e790c204ffffffff0f030201020705809a86e1fb66feffffffffffffffff01aae081b9bfe9",
    "efcc8c016500a5ea90ca04ffffffff0f030201020705808cd78dfc66feffffffffffffffff01a8b080baaf81ebe80e68",
    "00b8ed90d204ffffffff0f03020102070580fea7bafc66feffffffffffffffff0198aaa4da9fdba1c8076b00cbf090da",
    "04ffffffff0f03020102070580f0f8e6fc66feffffffffffffffff01919c8fcdb1d0ec486e00ff85d6e204ffffffff0f",
    "03020102070580e2c993fd66feffffffffffffffff01007100ec82d6da04ffffffff0f03020102070180d49ac0fd66fe",
    "ffffffffffffffff01aae081b9bfe9efcc8c017400a58cd6f204ffffffff0f03020102070580c6ebecfd66feffffffff",
    "ffffffff01aae081b9bfe9efcc8c0177009289d6ea04ffffffff0f03020102070580b8bc99fe66feffffffffffffffff",
    "01a8b080baaf81ebe80e7a00b3f9d5c204ffffffff0f03020102070580aa8dc6fe66feffffffffffffffff0198aaa4da",
    "9fdba1c8077d00a0f6d5ba04ffffffff0f030201020705809cdef2fe66feffffffffffffffff01919c8fcdb1d0ec4880",
    "0100d9ffd5d204ffffffff0f030201020705808eaf9fff66feffffffffffffffff0100830100c6fcd5ca04ffffffff0f",
    "030201020701808080ccff66feffffffffffffffff01aae081b9bfe9efcc8c01860100979fd6a205ffffffff0f030201",
    "02070580f2d0f8ff66feffffffffffffffff01aae081b9bfe9efcc8c01890100849cd69a05ffffffff0f030201020705",
    "8c0154305433543654375432543954313054355431325431335431345431543854313554313654313754345431315431",
    "385431395432305432315432325432335432345432355432365432375432385432395433305433315433325433335433",
    "345433355433365433375433385433395434305434315434325434335434345434355434365434375434385434390075",
    "e20582",
);

#[test]
fn snapshots_written_before_the_store_redesign_restore_and_are_written_alike() {
    let old: Vec<u8> = (0..SAMPLE_SNAPSHOT_806455E.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&SAMPLE_SNAPSHOT_806455E[i..i + 2], 16).unwrap())
        .collect();
    let detector = sample_detector();
    assert_eq!(
        detector.snapshot(),
        old,
        "the same history snapshots to the same bytes"
    );
    let restored = RepeatDetector::restore(&old).unwrap();
    assert_eq!(restored.len(), detector.len());
    assert_eq!(restored.snapshot(), old);
    for i in 0..10 {
        let at = base() + Duration::days(i);
        let mut probe = complaint(&format!("P{i}"), Some(&format!("C{i}")), None, at);
        probe.text = Some(TEXTS[i as usize % TEXTS.len()].to_owned());
        assert_eq!(restored.check(&probe).unwrap(), detector.check(&probe).unwrap());
        let by_phone = complaint(&format!("Q{i}"), None, Some("13812345678"), at);
        assert_eq!(
            restored.check(&by_phone).unwrap(),
            detector.check(&by_phone).unwrap()
        );
        assert_eq!(restored.intake(&probe).unwrap(), detector.intake(&probe).unwrap());
    }
    assert_eq!(restored.snapshot(), detector.snapshot());
}

#[test]
fn restored_detector_answers_exactly_as_before() {
    let detector = sample_detector();
    let restored = RepeatDetector::restore(&detector.snapshot()).unwrap();
    assert_eq!(restored.len(), detector.len());
    assert_eq!(restored.config(), detector.config());
    for i in 0..10 {
        let mut probe = complaint(
            &format!("P{i}"),
            Some(&format!("C{i}")),
            None,
            base() + Duration::days(i),
        );
        probe.text = Some(TEXTS[i as usize % TEXTS.len()].to_owned());
        assert_eq!(restored.check(&probe).unwrap(), detector.check(&probe).unwrap());
        assert_eq!(
            restored.customer_counters(Some(&format!("C{i}")), None, base() + Duration::days(i)),
            detector.customer_counters(Some(&format!("C{i}")), None, base() + Duration::days(i))
        );
    }
}

// ---------------------------------------------------------------------------
// Concurrency.
// ---------------------------------------------------------------------------

/// Complaint `n` of a stream over 37 customers shared by every writer: every
/// fifth comes by phone alone and every tenth links a customer id to a
/// shared phone, so groups merge across shards while others write into them.
fn shared_customer_complaint(n: usize) -> Complaint {
    let customer = format!("C{}", n % 37);
    let phone = format!("1390000{:04}", n % 11);
    let mut c = complaint(
        &format!("T{n}"),
        Some(&customer),
        None,
        base() + Duration::minutes(n as i64 * 7),
    );
    if n % 5 == 0 {
        c.customer_id = None;
        c.phone = Some(phone);
    } else if n % 10 == 3 {
        c.phone = Some(phone);
    }
    c
}

#[test]
fn snapshots_taken_during_concurrent_intake_are_consistent_cuts() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    const THREADS: usize = 4;
    const PER_THREAD: usize = 300;
    let detector = RepeatDetector::default();
    let make = |t: usize, i: usize| shared_customer_complaint(t * PER_THREAD + i);
    let accepted: Vec<AtomicUsize> = (0..THREADS).map(|_| AtomicUsize::new(0)).collect();
    let accepted_now = || -> Vec<usize> { accepted.iter().map(|a| a.load(Ordering::SeqCst)).collect() };
    let mut cuts = Vec::new();
    std::thread::scope(|scope| {
        for (t, count) in accepted.iter().enumerate() {
            let detector = &detector;
            scope.spawn(move || {
                for i in 0..PER_THREAD {
                    detector.intake(&make(t, i)).unwrap();
                    count.fetch_add(1, Ordering::SeqCst);
                }
            });
        }
        while accepted_now().iter().sum::<usize>() < THREADS * PER_THREAD {
            let before = accepted_now();
            let snapshot = detector.snapshot();
            cuts.push((before, snapshot, accepted_now()));
        }
    });
    assert!(!cuts.is_empty());
    for (before, snapshot, after) in cuts {
        let restored = RepeatDetector::restore(&snapshot).unwrap();
        let mut total = 0;
        for t in 0..THREADS {
            // Each writer's remembered complaints are a prefix of what it sent:
            // at least everything accepted before the snapshot began, at most
            // one more than it had counted after (an intake that had returned
            // but not yet been counted).
            let sent = (after[t] + 1).min(PER_THREAD);
            let remembered = (0..sent)
                .take_while(|&i| matches!(restored.intake(&make(t, i)).unwrap(), Intake::Updated { .. }))
                .count();
            assert!(
                (before[t]..=after[t] + 1).contains(&remembered),
                "writer {t}: {remembered} remembered, outside {}..={}",
                before[t],
                after[t] + 1
            );
            for i in remembered + 1..sent {
                assert!(
                    restored.intake(&make(t, i)).unwrap().verdict().is_some(),
                    "writer {t}: complaint {i} remembered after a gap at {remembered}"
                );
            }
            total += remembered;
        }
        // Nothing else was in the snapshot.
        assert_eq!(RepeatDetector::restore(&snapshot).unwrap().len(), total);
    }
}

#[test]
fn concurrent_intake_loses_and_double_counts_nothing() {
    const THREADS: usize = 8;
    const PER_THREAD: usize = 400;
    let detector = Arc::new(RepeatDetector::default());
    let make = |t: usize, i: usize| shared_customer_complaint(t * PER_THREAD + i);
    std::thread::scope(|scope| {
        for t in 0..THREADS {
            let detector = Arc::clone(&detector);
            scope.spawn(move || {
                for i in 0..PER_THREAD {
                    assert!(detector.intake(&make(t, i)).unwrap().verdict().is_some());
                }
            });
        }
    });
    let all: Vec<Complaint> = (0..THREADS)
        .flat_map(|t| (0..PER_THREAD).map(move |i| (t, i)))
        .map(|(t, i)| make(t, i))
        .collect();
    assert_eq!(detector.len(), THREADS * PER_THREAD);
    // Every complaint is remembered exactly once: sending it again is an update.
    for c in &all {
        assert!(
            matches!(detector.intake(c).unwrap(), Intake::Updated { .. }),
            "{} lost",
            c.id
        );
    }
    assert_eq!(detector.len(), THREADS * PER_THREAD);
    // The remembered set equals a sequential run's: the same matches for probes.
    let sequential = RepeatDetector::default();
    for c in time_order(&all) {
        sequential.intake(&c).unwrap();
    }
    for customer in 0..37 {
        let probe = complaint(
            "probe",
            Some(&format!("C{customer}")),
            None,
            base() + Duration::days(23),
        );
        let ids = |d: &RepeatDetector| -> HashSet<String> {
            d.check(&probe)
                .unwrap()
                .matched
                .into_iter()
                .map(|m| m.id.into())
                .collect()
        };
        assert_eq!(ids(&detector), ids(&sequential), "customer C{customer}");
    }
}

// ---------------------------------------------------------------------------
// Batch summary, and a real data set.
// ---------------------------------------------------------------------------

#[test]
fn summary_counts_rates_by_category_channel_and_month() {
    let mut rows = vec![
        complaint("A", Some("C1"), None, base()),
        complaint("B", Some("C1"), None, base() + Duration::days(2)),
        complaint(
            "B2",
            Some("C1"),
            None,
            base() + Duration::days(2) + Duration::minutes(5),
        ),
        complaint("C", Some("C2"), None, base() + Duration::days(40)),
    ];
    rows[3].channel = Channel::App;
    rows[3].category = Some("network.sms".into());
    rows.push(closed(rows[0].clone(), base() + Duration::days(1)));
    let labels = label_batch(&RepeatConfig::default(), None, &rows).unwrap();
    assert!(labels[4].verdict().is_none());
    let summary = summarize(&rows, &labels, Some(20_000)).unwrap();
    assert_eq!(summary.updates, 1);
    assert_eq!(summary.overall.complaints, 3);
    assert_eq!(summary.overall.duplicates, 1);
    // A is closed by the update row, which is replayed at A's receive time
    // (ticket-id order), so B is a second complaint.
    assert_eq!(summary.overall.seconds, 1);
    assert!((summary.overall.second_rate - 1.0 / 3.0).abs() < 1e-12);
    assert_eq!(summary.by_category["broadband.outage"].complaints, 2);
    assert_eq!(summary.by_channel[&Channel::App].complaints, 1);
    assert_eq!(summary.by_month["2026-01"].complaints, 2);
    assert_eq!(summary.by_month["2026-02"].per_10k_customers, Some(0.5));
    assert!(summarize(&rows, &labels[1..], None).is_err());
}

/// A minimal RFC 4180 reader: quoted fields, doubled quotes, newlines inside quotes.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, '\r') => {}
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// Customer tweets to @SpotifyCares (real, anonymised TWCS extract): customer
/// id + timestamp + text, no category, so issues are told by text similarity.
fn spotify_complaints() -> Option<Vec<Complaint>> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/data/twcs-customer-support/spotifycares_support_requests.csv"
    );
    let Ok(text) = std::fs::read_to_string(path) else {
        eprintln!("skipping: {path} is absent (the shared public data sets are not checked out beside the repository)");
        return None;
    };
    let mut complaints = Vec::new();
    for row in parse_csv(&text).into_iter().skip(1) {
        if row.len() != 9 || row[4] != "True" {
            continue; // rows broken by stray carriage returns, as SOURCE.md says
        }
        let Ok(at) = DateTime::parse_from_str(&row[5], "%a %b %d %H:%M:%S %z %Y") else {
            continue;
        };
        complaints.push(Complaint {
            id: row[2].clone(),
            customer_id: Some(row[3].clone()),
            phone: None,
            received_at: at.with_timezone(&Utc),
            channel: Channel::Web,
            category: None,
            text: Some(row[6].replace("@SpotifyCares", "")),
            status: ComplaintStatus::Open,
            closed_at: None,
            severity: None,
            signals: vec![],
        });
    }
    Some(complaints)
}

#[test]
fn real_tweets_batch_equals_streaming_and_the_reference() {
    let Some(mut complaints) = spotify_complaints() else {
        return;
    };
    complaints.retain(|c| c.text.as_deref().and_then(TextSignature::of).is_some());
    assert!(complaints.len() > 15_000, "{}", complaints.len());
    let config = RepeatConfig::default();
    let labels = label_batch(&config, None, &complaints).unwrap();
    let ordered = time_order(&complaints);
    let detector = RepeatDetector::new(config.clone()).unwrap();
    let streamed = stream(&detector, &ordered);
    for verdict in &streamed {
        let index = complaints.iter().position(|c| c.id == verdict.id).unwrap();
        assert_eq!(labels[index].verdict(), Some(verdict));
    }
    // The O(n²) reference on the first 1,500 complaints in time order.
    let head = &ordered[..1_500];
    let fresh = RepeatDetector::new(config.clone()).unwrap();
    assert_eq!(stream(&fresh, head), reference(&config, head));
    let summary = summarize(&complaints, &labels, None).unwrap();
    eprintln!(
        "spotify tweets: {} complaints, repeat rate {:.4}, duplicates {}",
        summary.overall.complaints, summary.overall.repeat_rate, summary.overall.duplicates
    );
    assert!(summary.overall.repeats + summary.overall.duplicates > 0);
}

#[test]
fn generated_streams_exercise_every_kind() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut kinds = std::collections::BTreeMap::new();
    let mut escalated = 0;
    for _ in 0..100 {
        let (config, complaints) = arb_stream().new_tree(&mut runner).unwrap().current();
        for verdict in reference(&config, &time_order(&complaints)) {
            *kinds.entry(verdict.kind).or_insert(0) += 1;
            escalated += usize::from(verdict.escalated);
        }
    }
    assert_eq!(kinds.len(), 4, "{kinds:?}");
    assert!(kinds.values().all(|&n| n >= 50), "{kinds:?}");
    assert!(escalated >= 50, "{escalated}");
}

#[test]
fn check_many_over_several_chunks_answers_as_check() {
    use custinsight::repeat::synth::{synthetic_complaints, SynthSpec};
    // Phones on: customers named by id, by phone and by both, so that some
    // probes find two unlinked groups and some groups were merged.
    let detector = RepeatDetector::default();
    for complaint in synthetic_complaints(&SynthSpec::new(4000)) {
        detector.intake(&complaint).unwrap();
    }
    let probes: Vec<Complaint> = synthetic_complaints(&SynthSpec {
        seed: 7,
        ..SynthSpec::new(4000)
    })
    .take(1500)
    .collect();
    let together = detector.check_many(&probes);
    assert_eq!(together.len(), probes.len());
    let mut kinds = BTreeSet::new();
    for (probe, verdict) in probes.iter().zip(together) {
        let verdict = verdict.unwrap();
        assert_eq!(verdict, detector.check(probe).unwrap(), "{}", probe.id);
        kinds.insert(verdict.kind);
    }
    assert_eq!(kinds.len(), 4, "{kinds:?}");
}

/// Complaints held as columns (one vector a field), read through the
/// default methods of [`ComplaintRows`].
struct Columns {
    ids: Vec<String>,
    customer_ids: Vec<Option<String>>,
    phones: Vec<Option<String>>,
    received_at: Vec<DateTime<Utc>>,
    channels: Vec<Channel>,
    categories: Vec<Option<String>>,
    texts: Vec<Option<String>>,
    statuses: Vec<ComplaintStatus>,
    closed_at: Vec<Option<DateTime<Utc>>>,
    signals: Vec<Vec<Signal>>,
}

impl Columns {
    fn of(complaints: &[Complaint]) -> Self {
        Columns {
            ids: complaints.iter().map(|c| c.id.clone()).collect(),
            customer_ids: complaints.iter().map(|c| c.customer_id.clone()).collect(),
            phones: complaints.iter().map(|c| c.phone.clone()).collect(),
            received_at: complaints.iter().map(|c| c.received_at).collect(),
            channels: complaints.iter().map(|c| c.channel).collect(),
            categories: complaints.iter().map(|c| c.category.clone()).collect(),
            texts: complaints.iter().map(|c| c.text.clone()).collect(),
            statuses: complaints.iter().map(|c| c.status).collect(),
            closed_at: complaints.iter().map(|c| c.closed_at).collect(),
            signals: complaints.iter().map(|c| c.signals.clone()).collect(),
        }
    }
}

impl ComplaintRows for Columns {
    fn count(&self) -> usize {
        self.ids.len()
    }

    fn row(&self, row: usize) -> ComplaintRef<'_> {
        ComplaintRef {
            id: &self.ids[row],
            customer_id: self.customer_ids[row].as_deref(),
            phone: self.phones[row].as_deref(),
            received_at: self.received_at[row],
            channel: self.channels[row],
            category: self.categories[row].as_deref(),
            text: self.texts[row].as_deref(),
            status: self.statuses[row],
            closed_at: self.closed_at[row],
            signals: &self.signals[row],
        }
    }
}

#[test]
fn columns_label_as_the_same_complaints_in_a_slice() {
    use custinsight::repeat::synth::{synthetic_complaints, SynthSpec};
    let mut complaints: Vec<Complaint> = synthetic_complaints(&SynthSpec {
        seed: 5,
        ..SynthSpec::new(4000)
    })
    .collect();
    // Some status updates (a ticket again, closed), and signals.
    for at in (0..complaints.len()).step_by(97) {
        let mut update = complaints[at].clone();
        update.status = ComplaintStatus::Closed;
        update.closed_at = Some(update.received_at + Duration::days(1));
        complaints.push(update);
    }
    for complaint in complaints.iter_mut().step_by(31) {
        complaint.signals = vec![Signal::Regulator];
    }
    let columns = Columns::of(&complaints);
    let config = RepeatConfig::default();
    for categorizer in [None, Some(&Stub as &dyn Categorize)] {
        let slice = label_batch_compact(&config, categorizer, &complaints).unwrap();
        let rows = label_batch_compact_rows(&config, categorizer, &columns).unwrap();
        assert_eq!(rows.labels, slice.labels);
        assert_eq!(rows.categories, slice.categories);
        assert_eq!(
            rows.summarize_rows(&columns, Some(1000)).unwrap(),
            slice.summarize(&complaints, Some(1000)).unwrap()
        );
        assert!(slice.labels.iter().any(|label| label.kind.is_none()));
        assert!(slice.labels.iter().any(|label| label.escalated));
    }
    // The first invalid row is named as it is for a slice.
    let mut broken = complaints.clone();
    broken[7].closed_at = Some(broken[7].received_at - Duration::days(1));
    broken[9].customer_id = None;
    broken[9].phone = None;
    let slice_error = label_batch_compact(&config, None, &broken)
        .unwrap_err()
        .to_string();
    let rows_error = label_batch_compact_rows(&config, None, &Columns::of(&broken))
        .unwrap_err()
        .to_string();
    assert_eq!(rows_error, slice_error);
    assert!(rows_error.contains("complaints[7]"), "{rows_error}");
}
