//! Writes a synthetic complaint stream, with custinsight's batch verdicts, as
//! CSV for the comparison with pandas (`benches/repeat_compare.py`), and
//! times custinsight on the same data. Prints one JSON line of timings.
//!
//! ```text
//! cargo run --release --example repeat_export -- COUNT OUT.csv [TEXTS.txt]
//! ```
//!
//! Customers are named by id only (the pandas approach has no key
//! linking). `TEXTS.txt`, one text per line, is signed with
//! [`TextSignature`] to time the text-similarity part.

use std::fmt::Write as _;
use std::time::Instant;

use custinsight::repeat::synth::{synthetic_complaints, SynthSpec};
use custinsight::repeat::{label_batch_compact, RepeatConfig, TextSignature};
use custinsight::{Complaint, ComplaintStatus, Signal};

fn csv_field(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let count: usize = args.get(1).map_or(1_000_000, |a| a.parse().expect("a count"));
    let out = args.get(2).expect("an output CSV path");
    let complaints: Vec<Complaint> = synthetic_complaints(&SynthSpec {
        phones: false,
        text_share: 0.0,
        seed: 11,
        ..SynthSpec::new(count)
    })
    .collect();
    let config = RepeatConfig::default();
    // Best of five: the machines this runs on are shared and noisy.
    let mut batch_seconds = f64::MAX;
    let mut labels = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        labels = label_batch_compact(&config, None, &complaints)
            .expect("valid")
            .labels;
        batch_seconds = batch_seconds.min(start.elapsed().as_secs_f64());
    }

    let mut csv = String::with_capacity(count * 120);
    csv.push_str(
        "id,customer_id,received_ms,tier,category,closed_ms,escalation_signal,rust_kind,rust_escalated\n",
    );
    for (complaint, label) in complaints.iter().zip(&labels) {
        let kind = label.kind.expect("unique ids");
        let closed_ms = match complaint.status {
            ComplaintStatus::Open => i64::MAX,
            ComplaintStatus::Closed => complaint
                .closed_at
                .map_or(complaint.received_at.timestamp_millis(), |at| {
                    at.timestamp_millis()
                }),
        };
        let signal = complaint
            .signals
            .iter()
            .any(|s| matches!(s, Signal::Regulator | Signal::Media));
        writeln!(
            csv,
            "{},{},{},{},{},{},{},{},{}",
            complaint.id,
            csv_field(complaint.customer_id.as_deref().unwrap_or_default()),
            complaint.received_at.timestamp_millis(),
            config.tier(complaint.channel) as u8,
            complaint.category.as_deref().unwrap_or_default(),
            closed_ms,
            u8::from(signal),
            kind.as_str(),
            u8::from(label.escalated),
        )
        .expect("writing to a string");
    }
    std::fs::write(out, csv).expect("writable output");

    let mut texts_per_second = None;
    let mut text_count = 0;
    if let Some(path) = args.get(3) {
        let texts: Vec<String> = std::fs::read_to_string(path)
            .expect("readable texts")
            .lines()
            .map(str::to_owned)
            .collect();
        let start = Instant::now();
        let signatures: Vec<_> = texts.iter().map(|t| TextSignature::of(t)).collect();
        let seconds = start.elapsed().as_secs_f64();
        std::hint::black_box(signatures);
        text_count = texts.len();
        texts_per_second = Some(texts.len() as f64 / seconds);
    }
    println!(
        "{{\"complaints\": {count}, \"batch_seconds\": {batch_seconds}, \"rayon_threads\": {}, \"texts\": {text_count}, \"texts_per_second\": {}, \"signature_bytes\": {}}}",
        rayon::current_num_threads(),
        texts_per_second.map_or("null".to_owned(), |t| t.to_string()),
        std::mem::size_of::<TextSignature>()
    );
}
