//! Measures this machine's memory latency: nanoseconds per dependent random
//! load (each load's address comes from the previous one, as when a lookup
//! follows a hash slot to a customer head and from there to a record) over
//! working sets from 1 MiB to 1 GiB, and per load when eight independent
//! chains are followed side by side (what a batch can overlap).
//!
//! ```text
//! cargo run --release --example memory_latency -- [MAX_MIB]
//! ```
//!
//! MAX_MIB (default 1024) is the largest working set. A repeat detector
//! holding 10 million complaints keeps about 1.2 GB, so the figure at 1 GiB
//! is what each dependent cache miss of an intake check costs there: a check
//! that must follow k such loads cannot take less than k times it.

use std::time::Instant;

/// One `u64` per 64-byte cache line, so that every load touches a new line.
const WORDS_PER_LINE: usize = 8;

/// A random cyclic order over `lines` cache lines, as the next-line index of
/// each line (a Sattolo shuffle: one cycle through every line).
fn random_cycle(lines: usize, mut state: u64) -> Vec<u64> {
    let mut order: Vec<usize> = (0..lines).collect();
    for i in (1..lines).rev() {
        // xorshift64: deterministic, and random enough to defeat prefetchers.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let j = (state % i as u64) as usize;
        order.swap(i, j);
    }
    let mut next = vec![0u64; lines * WORDS_PER_LINE];
    for (position, &line) in order.iter().enumerate() {
        let following = order[(position + 1) % lines];
        next[line * WORDS_PER_LINE] = (following * WORDS_PER_LINE) as u64;
    }
    next
}

/// Nanoseconds per load when following `chains` independent chains
/// through `next`, `steps` loads each.
fn ns_per_load(next: &[u64], chains: usize, steps: usize) -> f64 {
    let lines = next.len() / WORDS_PER_LINE;
    let mut at: Vec<usize> = (0..chains)
        .map(|chain| chain * (lines / chains.max(1)) * WORDS_PER_LINE)
        .collect();
    let start = Instant::now();
    for _ in 0..steps {
        for position in at.iter_mut() {
            *position = next[*position] as usize;
        }
    }
    let elapsed = start.elapsed().as_nanos() as f64;
    std::hint::black_box(&at);
    elapsed / (steps * chains) as f64
}

fn main() {
    let max_mib: usize = std::env::args()
        .nth(1)
        .map_or(1024, |a| a.parse().expect("a size in MiB"));
    println!("| working set | ns per dependent load | ns per load, 8 independent chains |");
    println!("|---|---|---|");
    let mut mib = 1;
    while mib <= max_mib {
        let lines = mib * 1024 * 1024 / 64;
        let next = random_cycle(lines, 0x9E37_79B9_7F4A_7C15);
        // Warm up (page faults, TLB), then take the best of three runs.
        ns_per_load(&next, 1, lines.min(1_000_000));
        let best = |chains: usize| {
            (0..3)
                .map(|_| ns_per_load(&next, chains, 2_000_000 / chains))
                .fold(f64::INFINITY, f64::min)
        };
        println!("| {mib} MiB | {:.1} | {:.1} |", best(1), best(8));
        mib *= 4;
    }
}
