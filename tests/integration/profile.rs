//! Profile building: order independence, JSON round trips, the bundled
//! sample, and error reporting.

use custinsight::synth::{Population, SynthConfig};
use custinsight::{CustomerProfile, ProfileBuilder, SourceEvent};
use proptest::prelude::*;

fn build(events: impl IntoIterator<Item = SourceEvent>) -> Vec<CustomerProfile> {
    let mut builder = ProfileBuilder::new();
    for event in events {
        builder.add(event).expect("valid event");
    }
    builder.build()
}

fn population(seed: u64, customers: u64) -> Vec<SourceEvent> {
    Population::new(SynthConfig {
        seed,
        customers,
        complainer_share: 0.5,
        ..SynthConfig::default()
    })
    .events()
    .collect()
}

/// Events over few customers, numbers, times and ids, so that ties on time
/// and reused event ids, phone-only events and number reassignment all occur.
fn colliding_event() -> impl Strategy<Value = SourceEvent> {
    let customer = prop::option::of(prop::sample::select(vec!["C1", "C2"]));
    let phone = prop::sample::select(vec!["13800000001", "+86 138 0000 0002", "008613800000003"]);
    let at = prop::sample::select(vec![
        "2026-01-01T00:00:00Z",
        "2026-01-02T00:00:00Z",
        "2026-01-02T00:00:00Z",
    ]);
    let event_id = prop::sample::select(vec!["e1", "e2", "e3"]);
    let payload = prop_oneof![
        (-500i64..500).prop_map(|balance| format!(r#"{{"type": "account", "balance": {balance}}}"#)),
        prop::sample::select(vec!["active", "suspended", "half_suspended"])
            .prop_map(|status| format!(r#"{{"type": "account", "status": "{status}"}}"#)),
        (prop::sample::select(vec!["K1", "K2"]), prop::sample::select(vec!["ivr", "hotline"])).prop_map(
            |(id, channel)| format!(
                r#"{{"type": "contact", "id": "{id}", "channel": "{channel}", "at": "2026-01-01T10:00:00Z"}}"#
            )
        ),
        any::<bool>().prop_map(|closed| if closed {
            r#"{"type": "complaint", "id": "T1", "phone": "13800000001", "received_at": "2026-01-01T00:00:00Z",
                "channel": "app", "status": "closed", "closed_at": "2026-01-03T00:00:00Z"}"#
                .to_owned()
        } else {
            r#"{"type": "complaint", "id": "T1", "phone": "13800000001", "received_at": "2026-01-01T00:00:00Z",
                "channel": "app", "status": "open"}"#
                .to_owned()
        }),
        prop::sample::select(vec!["calm", "impatient"])
            .prop_map(|value| format!(r#"{{"type": "tags", "extra": {{"mood": "{value}"}}}}"#)),
    ];
    (customer, phone, at, event_id, payload).prop_map(|(customer, phone, at, event_id, payload)| {
        let customer = customer.map_or(String::new(), |id| format!(r#""customer_id": "{id}","#));
        SourceEvent::from_json(&format!(
            r#"{{"event_id": "{event_id}", "source": "crm", "at": "{at}", {customer} "phone": "{phone}",
                "payload": {payload}}}"#
        ))
        .expect("generated events are valid")
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_order_of_colliding_events_gives_the_same_profiles(
        (events, shuffled) in prop::collection::vec(colliding_event(), 1..40)
            .prop_flat_map(|events| (Just(events.clone()), Just(events).prop_shuffle()))
    ) {
        prop_assert_eq!(build(events), build(shuffled));
    }

    #[test]
    fn any_order_of_a_synthetic_population_gives_the_same_profiles(
        (events, shuffled) in (0u64..1000).prop_flat_map(|seed| {
            let events = population(seed, 8);
            (Just(events.clone()), Just(events).prop_shuffle())
        })
    ) {
        prop_assert_eq!(build(events), build(shuffled));
    }

    #[test]
    fn merging_builders_of_any_split_equals_one_builder(
        (events, split) in (0u64..1000).prop_flat_map(|seed| {
            let events = population(seed, 6);
            let len = events.len();
            (Just(events), 0..=len)
        })
    ) {
        let fold = |events: &[SourceEvent]| {
            let mut builder = ProfileBuilder::new();
            for event in events {
                builder.add(event.clone()).expect("valid event");
            }
            builder
        };
        let mut left = fold(&events[..split]);
        left.merge(fold(&events[split..]));
        prop_assert_eq!(left.accepted(), events.len() as u64);
        prop_assert_eq!(left.build(), build(events));
    }

    #[test]
    fn redelivered_events_change_nothing(seed in 0u64..1000) {
        let events = population(seed, 5);
        let twice = events.iter().chain(events.iter()).cloned();
        prop_assert_eq!(build(events.clone()), build(twice));
    }

    #[test]
    fn profile_json_round_trips_exactly(seed in 0u64..1000) {
        for profile in build(population(seed, 6)) {
            let json = profile.to_json();
            let parsed = CustomerProfile::from_json(&json).expect("a built profile is valid");
            prop_assert_eq!(&parsed, &profile);
            prop_assert_eq!(parsed.to_json(), json);
        }
    }
}

#[test]
fn phone_only_contacts_land_in_the_customers_profile() {
    let events = population(3, 200);
    let phone_only = events.iter().filter(|event| event.customer_id.is_none()).count();
    assert!(
        phone_only > 50,
        "the population should exercise linking: {phone_only}"
    );
    let profiles = build(events);
    assert_eq!(profiles.len(), 200, "no phone-only event may split a customer");
    assert!(profiles.iter().all(|profile| profile.customer_id.is_some()));
}

#[test]
fn the_bundled_sample_parses_without_rejections() {
    let sample = include_str!("../../examples/data/sample_events.jsonl");
    let mut builder = ProfileBuilder::new();
    let report = builder.add_all(sample.lines().map(SourceEvent::from_json));
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    assert!(report.accepted > 100);
    assert_eq!(builder.build().len(), 12);
}

#[test]
fn a_bad_line_is_reported_by_position_and_field_and_the_rest_kept() {
    let good = r#"{"event_id": "1", "source": "crm", "at": "2026-01-01T00:00:00Z", "customer_id": "C1",
        "payload": {"type": "identity", "name": "Li"}}"#;
    let bad = good.replace("\"Li\"", "42");
    let mut builder = ProfileBuilder::new();
    let report = builder.add_all([good, &bad, good].map(SourceEvent::from_json));
    assert_eq!(report.accepted, 2);
    assert_eq!(report.rejected.len(), 1);
    let (index, err) = &report.rejected[0];
    assert_eq!(*index, 1);
    assert!(err.to_string().contains("payload.name"), "{err}");
    assert_eq!(builder.build()[0].identity.name.as_deref(), Some("Li"));
}
