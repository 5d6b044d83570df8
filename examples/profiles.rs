//! Builds unified customer profiles from source-system events and prints
//! them: a summary line per customer, then the full profile of one.
//!
//! ```text
//! cargo run --example profiles                       # the bundled sample
//! cargo run --example profiles -- events.jsonl       # your own JSON lines
//! cargo run --example profiles -- events.jsonl --all # every profile as JSON
//! cargo run --release --example profiles -- --synthetic 1000000
//!     # scale check: fold a synthetic population on all cores, print events/s
//! ```

use std::io::BufRead;
use std::time::Instant;

use custinsight::synth::{Population, SynthConfig};
use custinsight::{CustomerProfile, ProfileBuilder, SourceEvent};

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/sample_events.jsonl");

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(position) = args.iter().position(|arg| arg == "--synthetic") {
        let customers = args
            .get(position + 1)
            .ok_or("--synthetic needs a number of customers")?
            .parse()?;
        return fold_synthetic(customers);
    }
    let print_all = args.iter().any(|arg| arg == "--all");
    let path = args
        .iter()
        .find(|arg| !arg.starts_with("--"))
        .map_or(SAMPLE, String::as_str);

    let file = std::fs::File::open(path).map_err(|err| format!("cannot open {path}: {err}"))?;
    let mut builder = ProfileBuilder::new();
    let mut rejected = 0;
    for (number, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        if let Err(err) = SourceEvent::from_json(&line).and_then(|event| builder.add(event)) {
            rejected += 1;
            eprintln!("{path}:{}: {err}", number + 1);
        }
    }
    let accepted = builder.accepted();
    let profiles = builder.build();
    println!(
        "{accepted} events from {path} folded into {} profiles ({rejected} rejected)\n",
        profiles.len()
    );
    println!(
        "{:<12} {:<13} {:<6} {:<15} {:>9} {:>8} {:>5} {:>8} {:>10}",
        "customer", "phone", "name", "status", "balance", "fee", "bills", "contacts", "complaints"
    );
    for profile in &profiles {
        print_summary(profile);
    }
    if print_all {
        for profile in &profiles {
            println!("{}", serde_json::to_string_pretty(profile)?);
        }
    } else if let Some(busiest) = profiles
        .iter()
        .max_by_key(|profile| (profile.complaints.len(), profile.contacts.len()))
    {
        println!("\nThe busiest customer's full profile:");
        println!("{}", serde_json::to_string_pretty(busiest)?);
    }
    Ok(())
}

/// Generates `customers` synthetic customers and folds their events on all
/// cores as they are generated (one builder per rayon shard, merged at the
/// end), as a loader streaming an export would: the events are never all in
/// memory at once.
fn fold_synthetic(customers: u64) -> Result<(), Box<dyn std::error::Error>> {
    use rayon::prelude::*;
    let population = Population::new(SynthConfig {
        customers,
        ..SynthConfig::default()
    });
    let started = Instant::now();
    let generated: usize = (0..customers)
        .into_par_iter()
        .map(|index| population.customer_events(index).len())
        .sum();
    let generation = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let builder = (0..customers)
        .into_par_iter()
        .fold(ProfileBuilder::new, |mut builder, index| {
            for event in population.customer_events(index) {
                builder.add(event).expect("synthetic events are valid");
            }
            builder
        })
        .reduce(ProfileBuilder::new, |mut left, right| {
            left.merge(right);
            left
        });
    let profiles = builder.build();
    let total = started.elapsed().as_secs_f64();
    let folding = (total - generation).max(f64::EPSILON);
    println!(
        "{customers} customers, {generated} events on {} threads: generating alone {generation:.1} s; \
         generating + folding into {} profiles {total:.1} s, so folding {:.0} events/s",
        rayon::current_num_threads(),
        profiles.len(),
        generated as f64 / folding,
    );
    Ok(())
}

fn print_summary(profile: &CustomerProfile) {
    let open = profile.complaints.iter().filter(|c| c.is_open()).count();
    println!(
        "{:<12} {:<13} {:<6} {:<15} {:>9} {:>8} {:>5} {:>8} {:>10}",
        profile.customer_id.as_deref().unwrap_or("(unknown)"),
        profile.identity.phones.first().map_or("", String::as_str),
        profile.identity.name.as_deref().unwrap_or(""),
        format!("{:?}", profile.account.status),
        profile.account.balance.to_string(),
        profile.account.recurring_fee.to_string(),
        profile.bills.len(),
        profile.contacts.len(),
        format!("{}/{open} open", profile.complaints.len()),
    );
}
