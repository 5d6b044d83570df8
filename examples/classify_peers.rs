//! Side-by-side comparison of custinsight's trainable classifier with
//! scikit-learn and fastText on the same train/test split, in one run:
//! accuracy, macro-F1, training time and single-threaded prediction
//! throughput (the best of five passes over the test texts, on both sides),
//! with ratios.
//!
//! Data: the CFPB payday-loan narratives and the TipDM government messages
//! from `../shared/data` (skipped with a message when absent), and the
//! repository's own corpus (train on the built-in corpus, test on the
//! blind sets written by authors who never saw it).
//!
//! Run with `cargo run --release --example classify_peers`. The peers run
//! in `benches/peers/classify_peers.py`, which installs them into a virtual
//! environment of its own on first use (`$CLASSIFY_PEERS_VENV`, default
//! `target/venv-classify-peers`); `PYTHON` picks the interpreter that starts
//! it (default `python3`).

#[path = "common/classify_data.rs"]
mod data;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use custinsight::classify::{Classifier, Evaluation, TrainOptions};
use custinsight::Taxonomy;

struct Row {
    name: String,
    accuracy: f64,
    macro_f1: f64,
    train_seconds: f64,
    batch_per_second: f64,
    single_ms: f64,
}

/// Every fifth example of each label (in input order) is a test example.
type Examples = Vec<(String, String)>;

fn split(examples: &[(String, String)]) -> (Examples, Examples) {
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for example in examples {
        let n = seen.entry(example.1.as_str()).or_default();
        if *n % 5 == 4 {
            test.push(example.clone());
        } else {
            train.push(example.clone());
        }
        *n += 1;
    }
    (train, test)
}

fn write_tsv(path: &Path, examples: &[(String, String)]) {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).expect("create split file"));
    for (text, label) in examples {
        let flat: String = text
            .chars()
            .map(|c| {
                if c == '\t' || c == '\n' || c == '\r' {
                    ' '
                } else {
                    c
                }
            })
            .collect();
        writeln!(file, "{label}\t{flat}").expect("write split file");
    }
}

/// Prediction passes over the test texts; the best is reported, on both
/// sides (the Python script has the same number).
const PASSES: usize = 5;

fn ours(
    train: &[(String, String)],
    test: &[(String, String)],
    taxonomy: &Taxonomy,
    options: &TrainOptions,
) -> Row {
    let started = Instant::now();
    let model = Classifier::train(train, taxonomy, options).expect("training");
    let train_seconds = started.elapsed().as_secs_f64();
    let evaluation = Evaluation::evaluate(&model, test).expect("evaluation");
    // Single-threaded, one text after another, timed as the best of
    // PASSES passes over the test texts: exactly as the peers are measured
    // (`benches/peers/classify_peers.py`).
    let texts: Vec<&str> = test.iter().map(|(t, _)| t.as_str()).collect();
    let mut sink = 0usize;
    let mut best = f64::INFINITY;
    for _ in 0..PASSES {
        let started = Instant::now();
        for text in &texts {
            sink += model.classify(text).category.len();
        }
        best = best.min(started.elapsed().as_secs_f64());
    }
    std::hint::black_box(sink);
    let per_second = texts.len() as f64 / best;
    Row {
        name: "custinsight (this crate)".into(),
        accuracy: evaluation.accuracy,
        macro_f1: evaluation.macro_f1,
        train_seconds,
        batch_per_second: per_second,
        single_ms: 1e3 / per_second,
    }
}

fn peers(train_path: &Path, test_path: &Path) -> Result<Vec<Row>, String> {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/peers/classify_peers.py");
    let output = Command::new(&python)
        .arg(&script)
        .arg(train_path)
        .arg(test_path)
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|err| format!("cannot run {python}: {err}"))?;
    if !output.status.success() {
        return Err(format!("{} exited with {}", script.display(), output.status));
    }
    let mut rows = Vec::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(value) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let number = |key: &str| value[key].as_f64().unwrap_or(f64::NAN);
        rows.push(Row {
            name: value["name"].as_str().unwrap_or("?").to_owned(),
            accuracy: number("accuracy"),
            macro_f1: number("macro_f1"),
            train_seconds: number("train_seconds"),
            batch_per_second: number("batch_texts_per_second"),
            single_ms: number("single_ms"),
        });
    }
    Ok(rows)
}

fn report(title: &str, train: &[(String, String)], test: &[(String, String)], taxonomy: &Taxonomy) {
    println!(
        "\n## {title}: {} train / {} test texts, {} classes",
        train.len(),
        test.len(),
        taxonomy.categories.len()
    );
    let scratch = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/classify-peers");
    std::fs::create_dir_all(&scratch).expect("scratch directory");
    let slug: String = title.chars().filter(char::is_ascii_alphanumeric).collect();
    let (train_path, test_path) = (
        scratch.join(format!("{slug}_train.tsv")),
        scratch.join(format!("{slug}_test.tsv")),
    );
    write_tsv(&train_path, train);
    write_tsv(&test_path, test);
    let mut rows = vec![ours(train, test, taxonomy, &TrainOptions::default())];
    match peers(&train_path, &test_path) {
        Ok(found) => rows.extend(found),
        Err(why) => println!("peers skipped: {why}"),
    }
    let best_peer_accuracy = rows[1..].iter().map(|r| r.accuracy).fold(f64::NAN, f64::max);
    println!(
        "| {:<44} | {:>8} | {:>8} | {:>9} | {:>12} | {:>9} |",
        "model", "accuracy", "macro-F1", "train s", "texts/s (1 core)", "single ms"
    );
    println!(
        "|{:-<46}|{:-<10}|{:-<10}|{:-<11}|{:-<18}|{:-<11}|",
        "", "", "", "", "", ""
    );
    for row in &rows {
        println!(
            "| {:<44} | {:>7.1}% | {:>7.1}% | {:>9.3} | {:>16.0} | {:>9.4} |",
            row.name,
            100.0 * row.accuracy,
            100.0 * row.macro_f1,
            row.train_seconds,
            row.batch_per_second,
            row.single_ms
        );
    }
    let us = &rows[0];
    for peer in &rows[1..] {
        println!(
            "custinsight / {}: accuracy {:+.1} pts, macro-F1 {:+.1} pts, training {:.2}x faster, throughput {:.1}x, single-text latency {:.1}x lower",
            peer.name,
            100.0 * (us.accuracy - peer.accuracy),
            100.0 * (us.macro_f1 - peer.macro_f1),
            peer.train_seconds / us.train_seconds,
            us.batch_per_second / peer.batch_per_second,
            peer.single_ms / us.single_ms
        );
    }
    if rows.len() > 1 {
        println!(
            "accuracy vs best peer: {:+.1} pts (target: no worse than -0.5)",
            100.0 * (us.accuracy - best_peer_accuracy)
        );
    }
}

fn main() {
    for set in [data::cfpb_payday(), data::zh_gov()] {
        match set {
            Ok(set) => {
                let (train, test) = split(&set.examples);
                report(set.name, &train, &test, &set.taxonomy);
            }
            Err(why) => println!("skipped: {why}"),
        }
    }
    let train = data::telecom_seed();
    let test: Vec<(String, String)> = data::telecom_blind_set()
        .into_iter()
        .chain(data::telecom_blind_set_2())
        .chain(data::telecom_blind_set_3())
        .map(|(t, c, _)| (t, c))
        .collect();
    report(
        "telecom: built-in corpus -> blind sets 1-3",
        &train,
        &test,
        &Taxonomy::telecom_default(),
    );
}
