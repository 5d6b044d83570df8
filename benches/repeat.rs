//! Repeat-complaint detection: intake checks per second against a large
//! history (one by one, and 256 at a time with `check_many`), and batch
//! labelling of a whole synthetic data set (with phones, key links and
//! texts), as full verdicts and as compact labels.
//!
//! ```text
//! cargo bench --bench repeat
//! REPEAT_BENCH_HISTORY=10000000 REPEAT_BENCH_BATCH=1000000 cargo bench --bench repeat
//! GLIBC_TUNABLES=glibc.malloc.hugetlb=1 REPEAT_BENCH_HISTORY=10000000 cargo bench --bench repeat -- repeat_intake
//! ```
//!
//! The last runs the checks with the heap in transparent huge pages (glibc
//! 2.35 or later): at 10 million complaints a check's cache misses are TLB
//! misses too with 4 KiB pages.
//!
//! Sizes default to a history of 1 million complaints and a batch of 1
//! million; the synthetic streams are seeded (ChaCha8), so every run sees the
//! same data.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use custinsight::repeat::synth::{synthetic_complaints, SynthSpec};
use custinsight::repeat::{label_batch, label_batch_compact, RepeatConfig, RepeatDetector};
use custinsight::Complaint;

fn size(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .map(|v| v.replace('_', "").parse().expect("a number"))
        .unwrap_or(default)
}

/// An endless synthetic stream of constant density: round `r` is a fresh
/// seeded stream of `per_round` complaints over 30 days, shifted `30 × r`
/// days later, with ticket ids made unique by the round.
struct Endless {
    per_round: usize,
    round: i64,
    current: Box<dyn Iterator<Item = Complaint>>,
}

impl Endless {
    fn new(per_round: usize) -> Self {
        Endless {
            per_round,
            round: 0,
            current: Box::new(synthetic_complaints(&SynthSpec::new(per_round))),
        }
    }

    fn next(&mut self) -> Complaint {
        loop {
            if let Some(mut complaint) = self.current.next() {
                let shift = chrono::Duration::days(30 * self.round);
                complaint.received_at += shift;
                complaint.closed_at = complaint.closed_at.map(|at| at + shift);
                complaint.id = format!("R{}-{}", self.round, complaint.id);
                return complaint;
            }
            self.round += 1;
            self.current = Box::new(synthetic_complaints(&SynthSpec {
                seed: 1000 + self.round as u64,
                ..SynthSpec::new(self.per_round)
            }));
        }
    }
}

/// Intake against a steady history: the detector first remembers `history`
/// complaints (30 days' worth), then each measured batch continues the same
/// stream; what fell out of the window is compacted away once a simulated
/// day has passed (as a nightly job would), outside the timed part, so the
/// history stays at about `history` complaints however long criterion runs.
fn intake(c: &mut Criterion) {
    let history = size("REPEAT_BENCH_HISTORY", 1_000_000);
    let detector = RepeatDetector::default();
    let mut stream = Endless::new(history);
    for _ in 0..history {
        detector.intake(&stream.next()).expect("valid");
    }
    let probes: Vec<Complaint> = (0..100_000).map(|_| stream.next()).collect();
    let mut group = c.benchmark_group("repeat_intake");
    group.throughput(Throughput::Elements(1));
    group.measurement_time(Duration::from_secs(5));
    let mut next = 0;
    let mut compacted_at = probes[0].received_at;
    group.bench_function(format!("check/history={history}"), |b| {
        b.iter(|| {
            next = (next + 1) % probes.len();
            black_box(detector.check(&probes[next]).expect("valid"))
        })
    });
    // The same probes, 256 at a time (one chunk of `check_many`).
    const MANY: usize = 256;
    group.throughput(Throughput::Elements(MANY as u64));
    let mut at = 0;
    group.bench_function(format!("check_many/history={history}"), |b| {
        b.iter(|| {
            at = (at + MANY) % (probes.len() - MANY);
            black_box(detector.check_many(&probes[at..at + MANY]))
        })
    });
    group.throughput(Throughput::Elements(1));
    group.bench_function(format!("intake/history={history}"), |b| {
        b.iter_custom(|iters| {
            let fresh: Vec<Complaint> = (0..iters).map(|_| stream.next()).collect();
            if fresh[0].received_at - compacted_at > chrono::Duration::days(1) {
                compacted_at = fresh[0].received_at;
                detector.compact(compacted_at);
            }
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
    group.bench_function(format!("label_batch_compact/{count}"), |b| {
        b.iter_batched(
            || (),
            |()| black_box(label_batch_compact(&config, None, &complaints).expect("valid")),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, intake, batch);
criterion_main!(benches);
