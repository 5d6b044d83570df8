//! Prints the accuracy figures of complaint classification:
//!
//! 1. the built-in model, 5-fold cross-validated on its own seed corpus;
//! 2. the built-in model on the hand-written evaluation set (category,
//!    work group and signal recall);
//! 3. the trainable model on the public data sets under `../shared/data`
//!    (CFPB payday-loan narratives, English, 24 classes; TipDM government
//!    messages, Chinese, 7 classes): held-out 80/20 and 5-fold figures, and
//!    the coverage left at a target precision of 90%.
//!
//! Run with `cargo run --release --example classify_eval` (add `-- --misses`
//! to list every wrong answer and missed signal of the labelled sets).

#[path = "common/classify_data.rs"]
mod data;

use std::collections::BTreeMap;
use std::time::Instant;

use custinsight::classify::{cross_validate, holdout, Classifier, Evaluation, TrainOptions};
use custinsight::Taxonomy;

fn line(name: &str, evaluation: &Evaluation) {
    println!(
        "  {name:<34} n={:<5} accuracy {:>5.1}%  macro-F1 {:>5.1}%  work-group {:>5.1}%  ECE {:.3}",
        evaluation.outcomes.len(),
        100.0 * evaluation.accuracy,
        100.0 * evaluation.macro_f1,
        100.0 * evaluation.work_group_accuracy,
        evaluation.calibration_error
    );
}

/// Small data: a "vendor" model trained on half of the seed corpus stands in
/// for the built-in prior; an "operator" has k labelled examples per
/// category from the other half. Training from scratch on those is compared
/// with fine-tuning the prior on them, on the hand-written evaluation set.
fn small_data(seed: &[(String, String)], test: &[(&str, &str)]) -> Result<(), custinsight::Error> {
    let taxonomy = Taxonomy::telecom_default();
    let (vendor, operator): (Vec<_>, Vec<_>) =
        seed.iter().cloned().enumerate().partition(|(i, _)| i % 2 == 0);
    let vendor: Vec<(String, String)> = vendor.into_iter().map(|(_, e)| e).collect();
    // The corpus lists Chinese before English within a category: mix the
    // operator's examples in a fixed pseudo-random order so k of them are a
    // sample, not the first (Chinese) ones.
    let mut operator = operator;
    operator.sort_by_key(|(i, _)| (i.wrapping_mul(2_654_435_761)) % 1_000_003);
    let prior = Classifier::train(&vendor, &taxonomy, &TrainOptions::default())?;
    let alone = Evaluation::evaluate(&prior, test)?;
    println!("\nSmall data (test: hand-written eval set)");
    println!(
        "  prior alone (half the seed corpus)  accuracy {:>5.1}%",
        100.0 * alone.accuracy
    );
    for k in [5usize, 10, 15] {
        let mut taken: BTreeMap<&str, usize> = BTreeMap::new();
        let examples: Vec<(String, String)> = operator
            .iter()
            .map(|(_, e)| e)
            .filter(|(_, code)| {
                let n = taken.entry(code.as_str()).or_default();
                *n += 1;
                *n <= k
            })
            .cloned()
            .collect();
        let scratch = Evaluation::evaluate(
            &Classifier::train(&examples, &taxonomy, &TrainOptions::default())?,
            test,
        )?;
        let tuned = Evaluation::evaluate(
            &prior.fine_tune(&examples, &taxonomy, &TrainOptions::default())?,
            test,
        )?;
        println!(
            "  {k:>2} examples per category: from scratch {:>5.1}%, fine-tuned from the prior {:>5.1}%",
            100.0 * scratch.accuracy,
            100.0 * tuned.accuracy
        );
    }
    Ok(())
}

/// Category, work-group and signal figures of `classifier` on a labelled
/// set with expected signals, listing what it got wrong.
fn with_signals(
    classifier: &Classifier,
    lexicon_only: Option<&Classifier>,
    name: &str,
    set: &[(String, String, Vec<custinsight::Signal>)],
) -> Result<(), custinsight::Error> {
    let pairs: Vec<(&str, &str)> = set.iter().map(|(t, c, _)| (t.as_str(), c.as_str())).collect();
    let evaluation = Evaluation::evaluate(classifier, &pairs)?;
    line(name, &evaluation);
    let verbose = std::env::args().any(|a| a == "--misses");
    let (mut expected, mut found, mut raised) = (0, 0, 0);
    for (text, code, signals) in set {
        let answer = classifier.classify(text);
        let kinds = answer.signal_kinds();
        expected += signals.len();
        found += signals.iter().filter(|s| kinds.contains(s)).count();
        raised += kinds.len();
        if !verbose {
            continue;
        }
        if &answer.category != code {
            println!(
                "    miss: {text:?} is {code}, got {} ({:.2})",
                answer.category, answer.confidence
            );
        }
        for missing in signals.iter().filter(|s| !kinds.contains(s)) {
            println!("    missing signal {missing:?} in {text:?}");
        }
        for extra in kinds.iter().filter(|k| !signals.contains(k)) {
            println!("    extra signal {extra:?} in {text:?}");
        }
    }
    println!(
        "    signals: recall {:.1}% ({found}/{expected}), precision {:.1}% ({found}/{raised})",
        100.0 * found as f64 / expected.max(1) as f64,
        100.0 * found as f64 / raised.max(1) as f64
    );
    if let Some(lexicon) = lexicon_only {
        let (mut found, mut raised) = (0, 0);
        for (text, _, signals) in set {
            let kinds = lexicon.classify(text).signal_kinds();
            found += signals.iter().filter(|s| kinds.contains(s)).count();
            raised += kinds.len();
        }
        println!(
            "    signals by the lexicon alone: recall {:.1}%, precision {:.1}%",
            100.0 * found as f64 / expected.max(1) as f64,
            100.0 * found as f64 / raised.max(1) as f64
        );
    }
    Ok(())
}

fn main() -> Result<(), custinsight::Error> {
    let taxonomy = Taxonomy::telecom_default();
    println!("Built-in model (24 categories of the spec)");
    let seed = data::telecom_seed();
    let cv = cross_validate(&seed, &taxonomy, &TrainOptions::default(), 5, 1)?;
    line("seed corpus, 5-fold CV", &cv);

    let started = Instant::now();
    let trained = Classifier::train_builtin();
    let train_ms = started.elapsed().as_secs_f64() * 1e3;
    let started = Instant::now();
    let builtin = Classifier::builtin();
    let load_ms = started.elapsed().as_secs_f64() * 1e3;
    assert!(trained == builtin, "the embedded model is what the corpus trains");
    println!(
        "  trained from the corpus in {train_ms:.0} ms, loaded pre-trained in {load_ms:.1} ms; saved model {:.1} MB",
        builtin.to_bytes().len() as f64 / 1e6
    );
    println!(
        "  classifier in memory {:.1} MB (weights of categories and signals, and the lexicon automaton)",
        builtin.memory_bytes() as f64 / 1e6
    );
    // The same category model without the learned signal detector.
    let lexicon = Classifier::train(&seed, &taxonomy, &TrainOptions::default())?;
    let eval_set = data::telecom_eval_set();
    let pairs: Vec<(&str, &str)> = eval_set
        .iter()
        .map(|(t, c, _)| (t.as_str(), c.as_str()))
        .collect();
    with_signals(&builtin, Some(&lexicon), "hand-written eval set", &eval_set)?;
    with_signals(
        &builtin,
        Some(&lexicon),
        "blind set (independent author)",
        &data::telecom_blind_set(),
    )?;
    with_signals(
        &builtin,
        Some(&lexicon),
        "blind set 2",
        &data::telecom_blind_set_2(),
    )?;
    with_signals(
        &builtin,
        Some(&lexicon),
        "blind set 3",
        &data::telecom_blind_set_3(),
    )?;
    with_signals(
        &builtin,
        Some(&lexicon),
        "blind set 4",
        &data::telecom_blind_set_4(),
    )?;
    with_signals(
        &builtin,
        Some(&lexicon),
        "blind set 5",
        &data::telecom_blind_set_5(),
    )?;
    with_signals(
        &builtin,
        Some(&lexicon),
        "blind set 6 (independent)",
        &data::telecom_blind_set_6(),
    )?;
    match data::comcast_subjects() {
        Ok(subjects) => {
            let evaluation = Evaluation::evaluate(&builtin, &subjects)?;
            line("Comcast FCC subject lines (real, en)", &evaluation);
        }
        Err(why) => println!("  Comcast FCC subject lines skipped: {why}"),
    }

    small_data(&seed, &pairs)?;

    println!("\nTrainable model on public data sets (../shared/data)");
    for set in [data::cfpb_payday(), data::zh_gov()] {
        let set = match set {
            Ok(set) => set,
            Err(why) => {
                println!("  skipped: {why}");
                continue;
            }
        };
        let options = TrainOptions::default();
        let started = Instant::now();
        let held = holdout(&set.examples, &set.taxonomy, &options, 0.2, 42)?;
        let seconds = started.elapsed().as_secs_f64();
        line(&format!("{} hold-out 20%", set.name), &held);
        println!("    (train + evaluate {seconds:.2} s)");
        let cv = cross_validate(&set.examples, &set.taxonomy, &options, 5, 42)?;
        line(&format!("{} 5-fold CV", set.name), &cv);
        let abstention = cv.abstention(Some(0.9), &BTreeMap::new())?;
        println!(
            "    target precision 90%: threshold {:.2}, coverage {:.1}%, precision {:.1}%",
            abstention.thresholds.uncertain_below,
            100.0 * abstention.coverage,
            100.0 * abstention.precision
        );
    }
    Ok(())
}
