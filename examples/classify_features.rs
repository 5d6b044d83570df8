//! Feature ablation for the built-in classifier: for each feature setting,
//! 5-fold cross-validated accuracy on the built-in corpus, accuracy on the
//! blind sets (trained on the whole corpus), and single-thread throughput
//! on 80-character texts. It is how the default [`FeatureConfig`] was
//! chosen: accuracy first, then speed.
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
    Ok(())
}
