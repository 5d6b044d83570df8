//! Feature ablation for the built-in classifier: for each feature setting,
//! 5-fold cross-validated accuracy on the built-in corpus, accuracy on the
//! blind sets (trained on the whole corpus), and single-thread throughput
//! on 80-character texts. It is how the default [`FeatureConfig`] was
//! chosen: accuracy first, then speed. A second table weighs
//! `subword_words` on the long CFPB narratives of `../shared/data`
//! (skipped when absent).
//!
//! ```text
//! cargo run --release --example classify_features
//! ```

#[path = "common/classify_data.rs"]
mod data;

use std::time::Instant;

use custinsight::classify::{cross_validate, Classifier, Evaluation, FeatureConfig, TrainOptions};
use custinsight::Taxonomy;

fn main() -> Result<(), custinsight::Error> {
    let taxonomy = Taxonomy::telecom_default();
    let corpus = data::telecom_seed();
    let blind: Vec<(String, String)> = data::telecom_blind_set()
        .into_iter()
        .chain(data::telecom_blind_set_2())
        .map(|(t, c, _)| (t, c))
        .collect();
    let texts: Vec<String> = data::telecom_synthetic(4_000)
        .into_iter()
        .map(|(t, _)| t)
        .collect();
    let chars = texts.iter().map(|t| t.chars().count()).sum::<usize>() / texts.len();
    let base = FeatureConfig::default();
    let settings: Vec<(&str, FeatureConfig)> = vec![
        ("default", base.clone()),
        (
            "chars 1-3, subwords 3-4",
            FeatureConfig {
                char_ngrams: (1, 3),
                subword_ngrams: (3, 4),
                ..base.clone()
            },
        ),
        (
            "chars 1-2",
            FeatureConfig {
                char_ngrams: (1, 2),
                ..base.clone()
            },
        ),
        (
            "chars 2-3",
            FeatureConfig {
                char_ngrams: (2, 3),
                ..base.clone()
            },
        ),
        (
            "no subwords",
            FeatureConfig {
                subword_ngrams: (0, 0),
                ..base.clone()
            },
        ),
        (
            "chars 1-2, no subwords",
            FeatureConfig {
                char_ngrams: (1, 2),
                subword_ngrams: (0, 0),
                ..base.clone()
            },
        ),
        (
            "chars 1-2, subwords 3-3",
            FeatureConfig {
                char_ngrams: (1, 2),
                subword_ngrams: (3, 3),
                ..base.clone()
            },
        ),
        (
            "words 1-1",
            FeatureConfig {
                word_ngrams: (1, 1),
                ..base.clone()
            },
        ),
        (
            "hash bits 16",
            FeatureConfig {
                hash_bits: 16,
                ..base.clone()
            },
        ),
        (
            "hash bits 20",
            FeatureConfig {
                hash_bits: 20,
                ..base.clone()
            },
        ),
    ];
    let comcast = data::comcast_subjects().unwrap_or_default();
    let public: Vec<data::DataSet> = [data::zh_gov(), data::cfpb_payday()]
        .into_iter()
        .filter_map(Result::ok)
        .collect();
    print!(
        "{:<24} {:>8} {:>8} {:>8} {:>12} {:>9}",
        "features", "CV acc", "blind", "comcast", "texts/s", "model MB"
    );
    for set in &public {
        print!(" {:>12}", set.name.split(' ').next().unwrap_or_default());
    }
    println!();
    for (name, features) in settings {
        let options = TrainOptions {
            features,
            ..TrainOptions::default()
        };
        let cv = cross_validate(&corpus, &taxonomy, &options, 5, 1)?;
        let model = Classifier::train(&corpus, &taxonomy, &options)?;
        let on_blind = Evaluation::evaluate(&model, &blind)?;
        let mut best = f64::MAX;
        for _ in 0..3 {
            let started = Instant::now();
            let sum: f32 = texts.iter().map(|t| model.classify(t).confidence).sum();
            std::hint::black_box(sum);
            best = best.min(started.elapsed().as_secs_f64());
        }
        let on_comcast = if comcast.is_empty() {
            f64::NAN
        } else {
            Evaluation::evaluate(&model, &comcast)?.accuracy
        };
        print!(
            "{name:<24} {:>7.1}% {:>7.1}% {:>7.1}% {:>12.0} {:>9.1}",
            100.0 * cv.accuracy,
            100.0 * on_blind.accuracy,
            100.0 * on_comcast,
            texts.len() as f64 / best,
            model.memory_bytes() as f64 / 1e6
        );
        for set in &public {
            let cv = cross_validate(&set.examples, &set.taxonomy, &options, 5, 42)?;
            print!(" {:>11.1}%", 100.0 * cv.accuracy);
        }
        println!();
    }
    println!(
        "(throughput: one thread, best of 3 passes over {} texts of {chars} chars)",
        texts.len()
    );
    match data::cfpb_payday() {
        Ok(set) => subwords_on_narratives(&set)?,
        Err(why) => println!("\nsubword_words on long narratives skipped: {why}"),
    }
    Ok(())
}

/// How many words of a text give subword n-grams, on long English
/// narratives: 5-fold CV, hold-out accuracy (every fifth text) and one-thread
/// throughput on the hold-out texts. The models are timed in turn, pass after
/// pass, so that the machine's load falls on all of them alike.
fn subwords_on_narratives(set: &data::DataSet) -> Result<(), custinsight::Error> {
    const PASSES: usize = 20;
    let limits = [0u16, 32, 64, 128];
    let (train, test): (Vec<_>, Vec<_>) = set
        .examples
        .iter()
        .cloned()
        .enumerate()
        .partition(|(i, _)| i % 5 != 4);
    let train: Vec<(String, String)> = train.into_iter().map(|(_, e)| e).collect();
    let test: Vec<(String, String)> = test.into_iter().map(|(_, e)| e).collect();
    let options = |limit: u16| TrainOptions {
        features: FeatureConfig {
            subword_words: limit,
            ..FeatureConfig::default()
        },
        ..TrainOptions::default()
    };
    let models = limits
        .iter()
        .map(|&limit| Classifier::train(&train, &set.taxonomy, &options(limit)))
        .collect::<Result<Vec<_>, _>>()?;
    let mut best = vec![f64::MAX; models.len()];
    for _ in 0..PASSES {
        for (model, best) in models.iter().zip(&mut best) {
            let started = Instant::now();
            let sum: f32 = test.iter().map(|(t, _)| model.classify(t).confidence).sum();
            std::hint::black_box(sum);
            *best = best.min(started.elapsed().as_secs_f64());
        }
    }
    let chars = test.iter().map(|(t, _)| t.chars().count()).sum::<usize>() / test.len().max(1);
    println!(
        "\n{}: subword n-grams from the first N words ({} train / {} hold-out texts of {chars} chars)",
        set.name,
        train.len(),
        test.len()
    );
    println!(
        "{:<24} {:>8} {:>9} {:>12}",
        "subword_words", "CV acc", "hold-out", "texts/s"
    );
    for ((limit, model), best) in limits.iter().zip(&models).zip(&best) {
        let cv = cross_validate(&set.examples, &set.taxonomy, &options(*limit), 5, 42)?;
        let held_out = Evaluation::evaluate(model, &test)?;
        let name = if *limit == 0 {
            "0 (every word)".to_owned()
        } else {
            limit.to_string()
        };
        println!(
            "{name:<24} {:>7.1}% {:>8.1}% {:>12.0}",
            100.0 * cv.accuracy,
            100.0 * held_out.accuracy,
            test.len() as f64 / best
        );
    }
    println!("(throughput: one thread, best of {PASSES} passes, the models in turn)");
    Ok(())
}
