//! Complaint intake as a CRM form would call it: each ticket is classified
//! (category, work group, signals, severity, confidence) and checked against
//! the customer's earlier complaints (new, repeat, second, duplicate,
//! escalated), through the one `Engine`.
//!
//! One customer's broadband breaks: a first complaint on the hotline, a
//! repeat while the ticket is still open (filed with the phone number only),
//! the tickets are closed, and the problem comes back: a second complaint,
//! escalated to the regulator.
//! Another customer's complaint, in English, shows the classifier on its own.
//!
//! ```text
//! cargo run --release --example intake
//! ```

use custinsight::{Complaint, Engine, Error};

fn complaint(json: &str) -> Result<Complaint, Error> {
    custinsight::from_json("complaint", json)
}

fn main() -> Result<(), Error> {
    let engine = Engine::new();
    let tickets = [
        r#"{"id": "T20261101-001", "customer_id": "C000000042", "phone": "13800000042",
            "received_at": "2026-11-01T09:12:00+08:00", "channel": "hotline", "status": "open",
            "text": "家里宽带从昨天开始断网，光猫灯正常，打了两次电话都没人来修。"}"#,
        r#"{"id": "T20261104-017", "phone": "+86 138 0000 0042",
            "received_at": "2026-11-04T20:40:00+08:00", "channel": "app", "status": "open",
            "text": "宽带又断了，还是没解决，已经第三次反映了！"}"#,
        // Both tickets are closed when the line is fixed: updates, not new complaints.
        r#"{"id": "T20261101-001", "customer_id": "C000000042", "phone": "13800000042",
            "received_at": "2026-11-01T09:12:00+08:00", "channel": "hotline", "status": "closed",
            "closed_at": "2026-11-06T18:00:00+08:00"}"#,
        r#"{"id": "T20261104-017", "phone": "13800000042",
            "received_at": "2026-11-04T20:40:00+08:00", "channel": "app", "status": "closed",
            "closed_at": "2026-11-06T18:00:00+08:00"}"#,
        r#"{"id": "T20261106-003", "customer_id": "C000000042",
            "received_at": "2026-11-12T10:05:00+08:00", "channel": "regulator", "status": "open",
            "text": "寬帶修好沒兩天又斷網，再不解決我就向工信部投訴。"}"#,
        r#"{"id": "T20261110-088", "customer_id": "C000000077",
            "received_at": "2026-11-10T08:30:00Z", "channel": "web", "status": "open",
            "text": "I was charged 39.90 for a video subscription I never ordered. Cancel it or I will switch carrier."}"#,
    ];
    for json in tickets {
        let ticket = complaint(json)?;
        let answer = engine.intake(&ticket)?;
        println!("── {} via {} ──", ticket.id, ticket.channel.as_str());
        if let Some(text) = &ticket.text {
            println!("   text      {text}");
        }
        if let Some(c) = &answer.classification {
            let signals: Vec<String> = c
                .signals
                .iter()
                .map(|hit| format!("{} «{}»", hit.signal.as_str(), hit.matched))
                .collect();
            println!(
                "   category  {} → work group {}  (confidence {:.2}, {:?}{})",
                c.category,
                c.work_group,
                c.confidence,
                c.band,
                if c.uncertain { ", uncertain" } else { "" }
            );
            println!("   severity  {:?}   signals: {}", c.severity, signals.join(", "));
        }
        match answer.verdict() {
            Some(verdict) => {
                let matched: Vec<String> = verdict
                    .matched
                    .iter()
                    .map(|prior| {
                        format!(
                            "{} ({:.1} days ago, {})",
                            prior.id,
                            prior.days_since,
                            if prior.open { "open" } else { "closed" }
                        )
                    })
                    .collect();
                println!(
                    "   verdict   {:?}{}  thread {}  repeat count {}  matched: {}",
                    verdict.kind,
                    if verdict.escalated {
                        " + escalated (越级)"
                    } else {
                        ""
                    },
                    verdict.thread,
                    verdict.repeat_count,
                    if matched.is_empty() {
                        "none".to_owned()
                    } else {
                        matched.join("; ")
                    }
                );
            }
            None => println!(
                "   update    status of {} recorded; nothing counted again",
                ticket.id
            ),
        }
    }
    let now = "2026-11-12T12:00:00Z".parse().expect("valid time");
    let counters = engine.customer_counters(Some("C000000042"), None, now)?;
    println!(
        "\nC000000042 for the pop-up: {}",
        serde_json::to_string(&counters).expect("serialisable")
    );
    Ok(())
}
