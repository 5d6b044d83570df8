//! Complaint classification: single-text latency, single-core and all-core
//! throughput (texts/s) of whole answers (`classify`) and of the category
//! alone (`predict`), and training time on 30 thousand texts.
//!
//! ```text
//! cargo bench --bench classify
//! ```

#[path = "../examples/common/classify_data.rs"]
mod data;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use custinsight::classify::{Classifier, TrainOptions};
use custinsight::Taxonomy;

fn texts() -> Vec<String> {
    let mut texts: Vec<String> = data::telecom_eval_set().into_iter().map(|(t, _, _)| t).collect();
    texts.extend(data::telecom_seed().into_iter().map(|(t, _)| t));
    texts
}

/// One answer's confidence: the work a throughput benchmark times.
type Answering = fn(&Classifier, &str) -> f32;

fn classify(c: &mut Criterion) {
    let classifier = Classifier::builtin();
    let texts = texts();
    let synthetic: Vec<String> = data::telecom_synthetic(2_000)
        .into_iter()
        .map(|(t, _)| t)
        .collect();
    let mean_chars = |texts: &[String]| texts.iter().map(|t| t.chars().count()).sum::<usize>() / texts.len();
    let mut group = c.benchmark_group("classify");
    group.throughput(Throughput::Elements(1));
    group.bench_function(
        format!("single text of {} chars", data::TYPICAL_COMPLAINT.chars().count()),
        |b| b.iter(|| classifier.classify(std::hint::black_box(data::TYPICAL_COMPLAINT))),
    );
    group.bench_function(
        format!(
            "single text of {} chars, predict (category and confidence)",
            data::TYPICAL_COMPLAINT.chars().count()
        ),
        |b| b.iter(|| classifier.predict(std::hint::black_box(data::TYPICAL_COMPLAINT))),
    );
    group.bench_function("single text normalisation only", |b| {
        b.iter(|| custinsight::text::normalize(std::hint::black_box(data::TYPICAL_COMPLAINT)))
    });
    for (name, texts) in [("seed+eval texts", &texts), ("synthetic texts", &synthetic)] {
        group.throughput(Throughput::Elements(texts.len() as u64));
        // The whole answer, and the category alone.
        let answers: [(&str, Answering); 2] = [
            ("", |classifier, text| classifier.classify(text).confidence),
            ("predict, ", |classifier, text| {
                classifier.predict(text).confidence
            }),
        ];
        for (how, answer) in answers {
            group.bench_function(
                format!(
                    "one core, {how}{} {name} of {} chars on average",
                    texts.len(),
                    mean_chars(texts)
                ),
                |b| b.iter(|| texts.iter().map(|t| answer(&classifier, t)).sum::<f32>()),
            );
        }
        group.bench_function(
            format!(
                "batch on all cores, {} {name} of {} chars",
                texts.len(),
                mean_chars(texts)
            ),
            |b| b.iter(|| classifier.classify_batch(texts)),
        );
    }
    group.finish();
}

fn train(c: &mut Criterion) {
    let corpus = data::telecom_synthetic(30_000);
    let taxonomy = Taxonomy::telecom_default();
    let mut group = c.benchmark_group("train");
    group.sample_size(10);
    group.throughput(Throughput::Elements(corpus.len() as u64));
    group.bench_function("30k texts of ~80 chars, 24 classes, default options", |b| {
        b.iter(|| Classifier::train(&corpus, &taxonomy, &TrainOptions::default()).expect("training"))
    });
    group.bench_function("built-in model trained from the embedded corpus", |b| {
        b.iter(Classifier::train_builtin)
    });
    group.bench_function("built-in model loaded pre-trained", |b| {
        b.iter(Classifier::builtin)
    });
    group.finish();
}

criterion_group!(benches, classify, train);
criterion_main!(benches);
