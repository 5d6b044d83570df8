//! Signal detection: recall and precision of the keyword lexicon alone and
//! with the learned detector at several thresholds, on every labelled set.
//!
//! ```text
//! cargo run --release --example classify_signals
//! ```

#[path = "common/classify_data.rs"]
mod data;

use custinsight::classify::{Classifier, TrainOptions};
use custinsight::{Signal, Taxonomy};

type Set = Vec<(String, String, Vec<Signal>)>;

/// (recall, precision) of `classifier`'s signals on `set`: of every
/// signal, or of `only` one.
fn score(classifier: &Classifier, set: &Set, only: Option<Signal>) -> (f64, f64) {
    let counted = |signal: &&Signal| only.is_none_or(|only| **signal == only);
    let (mut expected, mut found, mut raised) = (0, 0, 0);
    for (text, _, signals) in set {
        let kinds = classifier.classify(text).signal_kinds();
        expected += signals.iter().filter(counted).count();
        found += signals
            .iter()
            .filter(counted)
            .filter(|s| kinds.contains(s))
            .count();
        raised += kinds.iter().filter(counted).count();
    }
    (
        found as f64 / expected.max(1) as f64,
        found as f64 / raised.max(1) as f64,
    )
}

fn main() -> Result<(), custinsight::Error> {
    let sets: Vec<(&str, Set)> = vec![
        ("eval", data::telecom_eval_set()),
        ("blind 1", data::telecom_blind_set()),
        ("blind 2", data::telecom_blind_set_2()),
        ("blind 3", data::telecom_blind_set_3()),
        ("blind 4", data::telecom_blind_set_4()),
        ("blind 5", data::telecom_blind_set_5()),
        ("blind 6", data::telecom_blind_set_6()),
    ];
    let corpus = data::telecom_seed();
    let lexicon = Classifier::train(&corpus, &Taxonomy::telecom_default(), &TrainOptions::default())?;
    let builtin = Classifier::builtin();
    print!("{:<22}", "signals by");
    for (name, _) in &sets {
        print!(" {name:>17}");
    }
    println!("\n{:<22}{}", "", " recall/precision".repeat(sets.len()));
    let mut rows: Vec<(String, Classifier)> = vec![("lexicon alone".to_owned(), lexicon)];
    for threshold in [0.5f32, 0.6, 0.7, 0.8] {
        rows.push((
            format!("+ model above {threshold:.1}"),
            builtin.clone().with_signal_threshold(threshold)?,
        ));
    }
    for (name, classifier) in &rows {
        print!("{name:<22}");
        for (_, set) in &sets {
            let (recall, precision) = score(classifier, set, None);
            print!("     {:>5.1}% {:>5.1}%", 100.0 * recall, 100.0 * precision);
        }
        println!();
    }

    // Per signal, on the two most recent sets pooled: where the thresholds
    // trade recall for precision.
    let pooled: Set = sets[4].1.iter().chain(&sets[5].1).cloned().collect();
    println!("\nper signal, blind sets 4 and 5 pooled (recall/precision, expected count in brackets)");
    print!("{:<22}", "");
    for signal in Signal::ALL {
        let expected = pooled.iter().filter(|(_, _, s)| s.contains(&signal)).count();
        print!(" {:>17}", format!("{} ({expected})", signal.as_str()));
    }
    println!();
    for (name, classifier) in &rows {
        print!("{name:<22}");
        for signal in Signal::ALL {
            let (recall, precision) = score(classifier, &pooled, Some(signal));
            print!("     {:>5.1}% {:>5.1}%", 100.0 * recall, 100.0 * precision);
        }
        println!();
    }
    Ok(())
}
