//! Measures repeat-complaint detection on a synthetic stream and prints the
//! figures of issue 4: bytes per remembered complaint (counted by the
//! allocator), intake checks per second on one core against a large history,
//! intake from several threads, batch labelling time, snapshot size and time.
//!
//! ```text
//! cargo run --release --example repeat_measure -- [HISTORY] [BATCH]
//! ```
//!
//! HISTORY (default 1,000,000) complaints are remembered first; BATCH
//! (default 1,000,000) complaints are labelled in batch. A third argument
//! picks the parts: `all` (the default), `check` (fill the history, then
//! the one-thread checks and intakes) or `batch` (batch labelling only), for
//! quick A/B runs.
//!
//! A check against a large history is a few dependent cache misses, and with
//! 4 KiB pages each is a TLB miss too. The figures say how much of the heap
//! is in transparent huge pages; to run with them under glibc 2.35 or later
//! (THP mode `madvise` or `always`):
//!
//! ```text
//! GLIBC_TUNABLES=glibc.malloc.hugetlb=1 cargo run --release --example repeat_measure -- 10000000 0 check
//! ```

use std::sync::Arc;
use std::time::Instant;

use cap::Cap;
use custinsight::repeat::synth::{synthetic_complaints, SynthSpec};
use custinsight::repeat::{
    label_batch, label_batch_compact, summarize, RepeatConfig, RepeatDetector, TextSignature, RECORD_BYTES,
};
use custinsight::Complaint;

#[global_allocator]
static ALLOCATOR: Cap<std::alloc::System> = Cap::new(std::alloc::System, usize::MAX);

fn arg(index: usize, default: usize) -> usize {
    std::env::args()
        .nth(index)
        .map(|a| a.replace('_', "").parse().expect("a number"))
        .unwrap_or(default)
}

/// Seconds this thread has spent on a CPU (Linux; `None` elsewhere): on a
/// shared machine, throughput per CPU-second is the per-core figure.
fn thread_cpu_seconds() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: f64 = text.split_whitespace().next()?.parse().ok()?;
    Some(nanos / 1e9)
}

/// Seconds all threads of this process have spent on a CPU (Linux). Exited
/// threads are not counted, so take it around work on long-lived threads
/// (rayon's pool).
fn process_cpu_seconds() -> Option<f64> {
    let mut total = 0.0;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let text = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
        total += text.split_whitespace().next()?.parse::<f64>().ok()? / 1e9;
    }
    Some(total)
}

/// MiB of this process's memory in transparent huge pages, from
/// `/proc/self/smaps_rollup` (Linux).
fn huge_pages_mib() -> Option<f64> {
    let rollup = std::fs::read_to_string("/proc/self/smaps_rollup").ok()?;
    let line = rollup.lines().find(|line| line.starts_with("AnonHugePages:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Times `work` in wall-clock and on-CPU seconds of this thread.
fn timed(work: impl FnOnce()) -> (f64, Option<f64>) {
    let cpu = thread_cpu_seconds();
    let start = Instant::now();
    work();
    let wall = start.elapsed().as_secs_f64();
    (wall, cpu.zip(thread_cpu_seconds()).map(|(a, b)| b - a))
}

fn rates(count: usize, (wall, cpu): (f64, Option<f64>), unit: &str) -> String {
    let per_cpu = cpu.map_or(String::new(), |cpu| {
        format!(
            ", {:.0} {unit}/s per CPU-second ({cpu:.2} s on CPU)",
            count as f64 / cpu
        )
    });
    format!(
        "{:.0} {unit}/s wall-clock ({wall:.2} s){per_cpu}",
        count as f64 / wall
    )
}

/// `count` synthetic complaints drawn with `seed`, their ticket ids
/// prefixed by `tag` so that none is a status update of a remembered one.
fn fresh_tickets(seed: u64, count: usize, tag: &str) -> Vec<Complaint> {
    synthetic_complaints(&SynthSpec {
        seed,
        ..SynthSpec::new(count)
    })
    .map(|mut c| {
        c.id = format!("{tag}{}", c.id);
        c
    })
    .collect()
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn main() {
    let history = arg(1, 1_000_000);
    let batch = arg(2, 1_000_000);
    let parts = std::env::args().nth(3).unwrap_or_else(|| "all".to_owned());
    assert!(
        ["all", "check", "batch"].contains(&parts.as_str()),
        "the third argument is all, check or batch"
    );
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "machine: {threads} hardware threads, load average {}",
        load.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
    );
    println!("record size: {RECORD_BYTES} bytes (size_of the stored record)");

    if parts != "batch" {
        streaming(history, threads, parts == "all");
    }
    if parts != "check" {
        batch_labelling(batch);
    }
}

/// Parts 1-4: fill the history, check and intake on one thread, then (when
/// `everything`) intake from every thread and the snapshot.
fn streaming(history: usize, threads: usize, everything: bool) {
    // 1. Fill the history. The heap growth per remembered complaint is the
    // footprint: records, ticket-id arenas, customer groups and key index.
    let spec = SynthSpec::new(history);
    let detector = RepeatDetector::default();
    let heap_before = ALLOCATOR.allocated();
    let mut intake_time = (0.0, Some(0.0));
    let mut chunk: Vec<Complaint> = Vec::with_capacity(100_000);
    let mut stream = synthetic_complaints(&spec);
    loop {
        chunk.clear();
        chunk.extend(stream.by_ref().take(100_000));
        if chunk.is_empty() {
            break;
        }
        let (wall, cpu) = timed(|| {
            for complaint in &chunk {
                detector
                    .intake(complaint)
                    .expect("synthetic complaints are valid");
            }
        });
        intake_time = (intake_time.0 + wall, intake_time.1.zip(cpu).map(|(a, b)| a + b));
    }
    drop(chunk);
    let remembered = detector.len();
    let heap = ALLOCATOR.allocated() - heap_before;
    println!(
        "history: {remembered} complaints remembered, 1 thread, growing history: {}",
        rates(remembered, intake_time, "intakes")
    );
    println!(
        "memory: {:.1} MiB heap, {:.1} bytes per remembered complaint (all structures, measured by the allocator)",
        mib(heap),
        heap as f64 / remembered as f64
    );
    match huge_pages_mib() {
        Some(huge) => println!(
            "pages: {huge:.0} MiB of the process in transparent huge pages{}",
            if huge < 1.0 {
                " (none: 4 KiB pages; see the top of this file for huge pages)"
            } else {
                ""
            }
        ),
        None => println!("pages: unknown (no /proc/self/smaps_rollup)"),
    }

    // 2. Intake checks against the full history, one thread: fresh tickets
    // of existing and new customers, generated before timing.
    let probes = fresh_tickets(7, 200_000, "P");
    // Where the time of a check goes: the intake record's validation and the
    // text signature are paid before any history is looked at.
    let (_, validate_cpu) = timed(|| {
        for probe in &probes {
            std::hint::black_box(probe.validate().is_ok());
        }
    });
    let (_, signature_cpu) = timed(|| {
        for probe in &probes {
            std::hint::black_box(probe.text.as_deref().and_then(TextSignature::of));
        }
    });
    if let (Some(v), Some(s)) = (validate_cpu, signature_cpu) {
        let per = |seconds: f64| seconds * 1e9 / probes.len() as f64;
        println!(
            "per complaint, CPU: {:.0} ns validating the complaint, {:.0} ns on the text signature ({} % have text)",
            per(v),
            per(s),
            probes.iter().filter(|p| p.text.is_some()).count() * 100 / probes.len()
        );
    }
    // Each round checks its probes one by one, then all together with
    // `check_many` (the same verdicts, with the memory reads of a few
    // hundred checks overlapped). More rounds of fresh probes
    // (REPEAT_MEASURE_CHECK_ROUNDS, default 1) give more samples per filled
    // history on a noisy machine.
    let rounds: u64 = std::env::var("REPEAT_MEASURE_CHECK_ROUNDS")
        .ok()
        .map_or(1, |v| v.parse().expect("a number"));
    for round in 0..rounds {
        let more;
        let set = if round == 0 {
            &probes
        } else {
            more = fresh_tickets(7 + round, probes.len(), &format!("P{round}-"));
            &more
        };
        let one_by_one = timed(|| {
            for probe in set {
                std::hint::black_box(detector.check(probe).expect("valid"));
            }
        });
        let together = timed(|| {
            std::hint::black_box(detector.check_many(set));
        });
        println!(
            "check round {} (judge without remembering), 1 thread, history of {remembered}:\n  one by one: {}\n  check_many: {}",
            round + 1,
            rates(set.len(), one_by_one, "checks"),
            rates(set.len(), together, "checks")
        );
    }
    let time = timed(|| {
        for probe in &probes {
            std::hint::black_box(detector.intake(probe).expect("valid"));
        }
    });
    println!(
        "intake (judge and remember), 1 thread, history of {remembered}: {}",
        rates(probes.len(), time, "intakes")
    );

    if !everything {
        return;
    }

    // 3. The same number of fresh intakes from every available thread.
    let detector = Arc::new(detector);
    let per_thread: Vec<Vec<Complaint>> = (0..threads)
        .map(|t| fresh_tickets(100 + t as u64, 100_000, &format!("M{t}-")))
        .collect();
    let start = Instant::now();
    std::thread::scope(|scope| {
        for complaints in &per_thread {
            let detector = Arc::clone(&detector);
            scope.spawn(move || {
                for complaint in complaints {
                    detector.intake(complaint).expect("valid");
                }
            });
        }
    });
    let elapsed = start.elapsed().as_secs_f64();
    let total: usize = per_thread.iter().map(Vec::len).sum();
    println!(
        "intake from {threads} threads: {:.0} intakes/s in total",
        total as f64 / elapsed
    );
    drop(per_thread);

    // 4. Snapshot and restore, with a CRM worker taking intakes meanwhile:
    // the longest single intake is how long the snapshot stalled intake.
    let arriving = fresh_tickets(200, 1_000_000, "S");
    let done = std::sync::atomic::AtomicBool::new(false);
    let (snapshot, snap_time, (during, longest)) = std::thread::scope(|scope| {
        let worker = scope.spawn(|| {
            let (mut count, mut longest) = (0usize, 0.0f64);
            for complaint in arriving.iter().cycle() {
                if done.load(std::sync::atomic::Ordering::Relaxed) {
                    break;
                }
                let start = Instant::now();
                std::hint::black_box(detector.intake(complaint).expect("valid"));
                longest = longest.max(start.elapsed().as_secs_f64());
                count += 1;
            }
            (count, longest)
        });
        // Let the worker get going before the snapshot starts.
        std::thread::sleep(std::time::Duration::from_millis(50));
        let start = Instant::now();
        let snapshot = detector.snapshot();
        let snap_time = start.elapsed().as_secs_f64();
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        (snapshot, snap_time, worker.join().expect("worker"))
    });
    println!(
        "snapshot while a worker takes intakes: {during} intakes meanwhile; the longest waited {:.0} ms",
        longest * 1e3
    );
    let start = Instant::now();
    let restored = RepeatDetector::restore(&snapshot).expect("own snapshot");
    let restore_time = start.elapsed().as_secs_f64();
    println!(
        "snapshot: {:.1} MiB ({:.1} bytes per complaint), taken in {snap_time:.2} s, restored in {restore_time:.2} s",
        mib(snapshot.len()),
        snapshot.len() as f64 / restored.len() as f64
    );
    drop((restored, snapshot));
    drop(detector);
}

/// Part 5: batch labelling of `batch` synthetic complaints.
fn batch_labelling(batch: usize) {
    // 5. Batch labelling.
    let complaints: Vec<Complaint> = synthetic_complaints(&SynthSpec {
        seed: 11,
        ..SynthSpec::new(batch)
    })
    .collect();
    // Warm rayon's pool up so its threads exist before the CPU clock is read.
    rayon::broadcast(|_| ());
    let cpu = process_cpu_seconds();
    let start = Instant::now();
    let labels = label_batch(&RepeatConfig::default(), None, &complaints).expect("valid");
    let label_time = start.elapsed().as_secs_f64();
    let label_cpu = cpu.zip(process_cpu_seconds()).map(|(a, b)| b - a);
    let start = Instant::now();
    let summary = summarize(&complaints, &labels, Some(120_000_000)).expect("matching labels");
    let summary_time = start.elapsed().as_secs_f64();
    println!(
        "batch: {} complaints labelled with {} rayon threads: {}; summarised in {summary_time:.2} s",
        complaints.len(),
        rayon::current_num_threads(),
        rates(complaints.len(), (label_time, label_cpu), "complaints")
    );
    let cpu = process_cpu_seconds();
    let start = Instant::now();
    let compact = label_batch_compact(&RepeatConfig::default(), None, &complaints).expect("valid");
    let compact_time = start.elapsed().as_secs_f64();
    let compact_cpu = cpu.zip(process_cpu_seconds()).map(|(a, b)| b - a);
    println!(
        "batch as compact labels (row numbers, no strings): {}",
        rates(complaints.len(), (compact_time, compact_cpu), "complaints")
    );
    assert_eq!(
        compact
            .summarize(&complaints, Some(120_000_000))
            .expect("matching labels"),
        summary,
        "compact and full labels summarise alike"
    );
    let o = &summary.overall;
    println!(
        "batch verdicts: {} complaints, {} duplicates; repeat rate {:.3}, second rate {:.3}, escalation rate {:.3}, {:.2} per 10k customers",
        o.complaints,
        o.duplicates,
        o.repeat_rate,
        o.second_rate,
        o.escalation_rate,
        o.per_10k_customers.unwrap_or(0.0)
    );
}
