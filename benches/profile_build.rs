//! Profile building throughput (events/s) and profile JSON parsing (bytes/s).
//!
//! ```text
//! cargo bench --bench profile_build
//! ```

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use custinsight::synth::{Population, SynthConfig};
use custinsight::{CustomerProfile, ProfileBuilder};

fn fold_events(c: &mut Criterion) {
    let events: Vec<_> = Population::new(SynthConfig {
        customers: 10_000,
        ..SynthConfig::default()
    })
    .events()
    .collect();
    let mut group = c.benchmark_group("profile_build");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.sample_size(20);
    group.bench_function(format!("fold {} events of 10k customers", events.len()), |b| {
        b.iter_batched(
            || events.clone(),
            |events| {
                let mut builder = ProfileBuilder::new();
                for event in events {
                    builder.add(event).expect("valid");
                }
                builder.build()
            },
            BatchSize::LargeInput,
        )
    });
    group.bench_function(
        format!(
            "fold {} events of 10k customers, rayon shards + merge",
            events.len()
        ),
        |b| {
            use rayon::prelude::*;
            b.iter_batched(
                || events.clone(),
                |events| {
                    let shards = events
                        .into_par_iter()
                        .fold(ProfileBuilder::new, |mut builder, event| {
                            builder.add(event).expect("valid");
                            builder
                        });
                    shards
                        .reduce(ProfileBuilder::new, |mut left, right| {
                            left.merge(right);
                            left
                        })
                        .build()
                },
                BatchSize::LargeInput,
            )
        },
    );
    group.finish();
}

fn parse_profile(c: &mut Criterion) {
    let mut builder = ProfileBuilder::new();
    let population = Population::new(SynthConfig {
        customers: 200,
        complainer_share: 1.0,
        ..SynthConfig::default()
    });
    for event in population.events() {
        builder.add(event).expect("valid");
    }
    let profiles = builder.build();
    let richest = profiles
        .iter()
        .max_by_key(|profile| profile.to_json().len())
        .expect("profiles");
    let json = richest.to_json();
    let mut group = c.benchmark_group("profile_json");
    group.throughput(Throughput::Bytes(json.len() as u64));
    group.bench_function(format!("parse+validate {} byte profile", json.len()), |b| {
        b.iter(|| CustomerProfile::from_json(std::hint::black_box(&json)).expect("valid"))
    });
    group.bench_function(format!("serialise {} byte profile", json.len()), |b| {
        b.iter(|| std::hint::black_box(richest).to_json())
    });
    group.finish();
}

criterion_group!(benches, fold_events, parse_profile);
criterion_main!(benches);
