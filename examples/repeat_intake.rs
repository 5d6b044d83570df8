//! Repeat-complaint detection at intake: a customer complains, calls again
//! while the ticket is open (a repeat, 重复投诉), and again after it was
//! closed, this time to the regulator (a second complaint, 二次投诉, escalated,
//! 越级投诉). Then the same tickets are labelled in batch, in any order.
//!
//! ```text
//! cargo run --example repeat_intake
//! ```

use custinsight::repeat::{label_batch, summarize, RepeatConfig, RepeatDetector};
use custinsight::{Complaint, ComplaintStatus};

fn complaint(json: &str) -> Complaint {
    custinsight::from_json("complaint", json).expect("valid complaint JSON")
}

fn main() -> Result<(), custinsight::Error> {
    let detector = RepeatDetector::new(RepeatConfig::default())?;

    let first = complaint(
        r#"{"id": "T1001", "customer_id": "C42", "phone": "+86 138 1234 5678",
            "received_at": "2026-11-02T09:30:00+08:00", "channel": "hotline",
            "category": "broadband.outage", "text": "宽带晚上一直掉线", "status": "open"}"#,
    );
    let again = complaint(
        r#"{"id": "T1002", "phone": "13812345678",
            "received_at": "2026-11-04T20:10:00+08:00", "channel": "app",
            "category": "broadband.outage", "text": "宽带又断了，还是没修好", "status": "open"}"#,
    );
    for ticket in [&first, &again] {
        let verdict = detector.intake(ticket)?;
        println!("{}", serde_json::to_string(&verdict).expect("serialisable"));
    }

    // The work group closes both tickets: an update, not a new complaint.
    for ticket in [&first, &again] {
        let mut closed = ticket.clone();
        closed.status = ComplaintStatus::Closed;
        closed.closed_at = Some("2026-11-06T10:00:00Z".parse().expect("a time"));
        detector.intake(&closed)?;
    }

    let to_regulator = complaint(
        r#"{"id": "T1003", "customer_id": "C42",
            "received_at": "2026-11-20T11:00:00+08:00", "channel": "regulator",
            "category": "broadband.outage", "status": "open"}"#,
    );
    let verdict = detector.intake(&to_regulator)?;
    println!(
        "{}",
        serde_json::to_string_pretty(&verdict).expect("serialisable")
    );
    let counters = detector.customer_counters(Some("C42"), None, to_regulator.received_at)?;
    println!("counters for C42: {counters:?}");

    // Batch: the same tickets in reverse order, labelled as if in time order.
    let mut closed_first = first.clone();
    closed_first.status = ComplaintStatus::Closed;
    closed_first.closed_at = Some("2026-11-06T10:00:00Z".parse().expect("a time"));
    let mut closed_again = again.clone();
    closed_again.status = ComplaintStatus::Closed;
    closed_again.closed_at = closed_first.closed_at;
    let rows = vec![to_regulator, closed_again, closed_first];
    let labels = label_batch(&RepeatConfig::default(), None, &rows)?;
    for label in &labels {
        let verdict = label.verdict().expect("each ticket once");
        println!(
            "batch: {} -> {} (escalated: {})",
            verdict.id,
            verdict.kind.as_str(),
            verdict.escalated
        );
    }
    let summary = summarize(&rows, &labels, Some(1_000))?;
    println!(
        "batch summary: repeat rate {:.2}, second rate {:.2}, escalation rate {:.2}, {:.0} complaints per 10k customers",
        summary.overall.repeat_rate,
        summary.overall.second_rate,
        summary.overall.escalation_rate,
        summary.overall.per_10k_customers.unwrap_or(0.0)
    );
    Ok(())
}
