//! Repeat-complaint detection: intake checks per second against a large
//! history, and batch labelling of a whole synthetic data set.
//!
//! ```text
//! cargo bench --bench repeat
//! REPEAT_BENCH_HISTORY=10000000 REPEAT_BENCH_BATCH=1000000 cargo bench --bench repeat
//! ```
//!
//! Sizes default to a history of 1 million complaints and a batch of 1
//! million; the synthetic streams are seeded (ChaCha8), so every run sees the
//! same data.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use custinsight::repeat::synth::{synthetic_complaints, SynthSpec};
use custinsight::repeat::{label_batch, RepeatConfig, RepeatDetector};
use custinsight::Complaint;

fn size(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .map(|v| v.replace('_', "").parse().expect("a number"))
        .unwrap_or(default)
}

fn fresh_complaints(count: usize, seed: u64) -> Vec<Complaint> {
    synthetic_complaints(&SynthSpec {
        seed,
        ..SynthSpec::new(count)
    })
    .enumerate()
    .map(|(index, mut c)| {
        c.id = format!("P{seed}-{index}");
        c
    })
    .collect()
}

fn intake(c: &mut Criterion) {
    let history = size("REPEAT_BENCH_HISTORY", 1_000_000);
    let detector = RepeatDetector::default();
    for complaint in synthetic_complaints(&SynthSpec::new(history)) {
        detector.intake(&complaint).expect("valid");
    }
    let probes = fresh_complaints(100_000, 7);
    let mut group = c.benchmark_group("repeat_intake");
    group.throughput(Throughput::Elements(1));
    group.measurement_time(Duration::from_secs(5));
    let mut next = 0;
    group.bench_function(format!("check/history={history}"), |b| {
        b.iter(|| {
            next = (next + 1) % probes.len();
            black_box(detector.check(&probes[next]).expect("valid"))
        })
    });
    // Fresh tickets each iteration: generated outside the timed loop.
    let mut seed = 1000;
    group.bench_function(format!("intake/history={history}"), |b| {
        b.iter_custom(|iters| {
            seed += 1;
            let fresh = fresh_complaints(iters as usize, seed);
            let start = Instant::now();
            for complaint in &fresh {
                black_box(detector.intake(complaint).expect("valid"));
            }
            start.elapsed()
        })
    });
    group.finish();
}

fn batch(c: &mut Criterion) {
    let count = size("REPEAT_BENCH_BATCH", 1_000_000);
    let complaints: Vec<Complaint> = synthetic_complaints(&SynthSpec {
        seed: 11,
        ..SynthSpec::new(count)
    })
    .collect();
    let config = RepeatConfig::default();
    let mut group = c.benchmark_group("repeat_batch");
    group.throughput(Throughput::Elements(count as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.bench_function(format!("label_batch/{count}"), |b| {
        b.iter_batched(
            || (),
            |()| black_box(label_batch(&config, None, &complaints).expect("valid")),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, intake, batch);
criterion_main!(benches);
