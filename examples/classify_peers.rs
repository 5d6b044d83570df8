//! Side-by-side comparison of custinsight's trainable classifier with
//! scikit-learn and fastText on the same train/test split, in one run:
//! accuracy, macro-F1, training time and single-threaded prediction
//! throughput (the best of five passes over the test texts, on both sides),
//! with ratios. custinsight is timed twice: `classify` (the whole answer:
//! category, work group, alternatives, signals with their spans, severity)
//! and `predict` (the category and its calibrated confidence: what the
//! peers' `predict` gives). Then, because a shared machine's speed drifts
//! over the minutes the peers take, custinsight's passes and fastText's are
//! timed again alternately, and the ratios are reported from those rounds
//! too.
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
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
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

/// Rounds of custinsight's passes then fastText's.
const INTERLEAVED_ROUNDS: usize = 10;

/// Each side's passes in a round take at least about this long, so that
/// neither pays mostly for bringing its model back into the cache after the
/// other's turn.
const ROUND_SECONDS: f64 = 0.2;

/// What custinsight is timed doing to each text.
#[derive(Clone, Copy)]
enum Answering {
    /// `Classifier::classify`: the whole answer.
    Classify,
    /// `Classifier::predict`: the category and its confidence.
    Predict,
}

/// The seconds per pass of `passes` single-threaded passes of `model` over
/// `texts`.
fn timed_passes(model: &Classifier, texts: &[&str], passes: usize, answering: Answering) -> f64 {
    let started = Instant::now();
    let mut sink = 0usize;
    for _ in 0..passes {
        for text in texts {
            sink += match answering {
                Answering::Classify => model.classify(text).category.len(),
                Answering::Predict => model.predict(text).category,
            };
        }
    }
    std::hint::black_box(sink);
    started.elapsed().as_secs_f64() / passes as f64
}

/// Interleaved rounds: the seconds per pass of each side's passes.
struct Interleaved {
    peer: String,
    /// custinsight's `predict` and `classify` passes.
    ours: Vec<[f64; 2]>,
    theirs: Vec<f64>,
}

/// custinsight's rows (`classify`, then `predict`) and its model.
fn ours(
    train: &[(String, String)],
    test: &[(String, String)],
    taxonomy: &Taxonomy,
    options: &TrainOptions,
) -> ([Row; 2], Classifier) {
    let started = Instant::now();
    let model = Classifier::train(train, taxonomy, options).expect("training");
    let train_seconds = started.elapsed().as_secs_f64();
    let evaluation = Evaluation::evaluate(&model, test).expect("evaluation");
    // Single-threaded, one text after another, timed as the best of
    // PASSES passes over the test texts: exactly as the peers are measured
    // (`benches/peers/classify_peers.py`).
    let texts: Vec<&str> = test.iter().map(|(t, _)| t.as_str()).collect();
    let row = |name: &str, answering: Answering| {
        let best = (0..PASSES)
            .map(|_| timed_passes(&model, &texts, 1, answering))
            .fold(f64::INFINITY, f64::min);
        let per_second = texts.len() as f64 / best;
        Row {
            name: name.into(),
            accuracy: evaluation.accuracy,
            macro_f1: evaluation.macro_f1,
            train_seconds,
            batch_per_second: per_second,
            single_ms: 1e3 / per_second,
        }
    };
    let rows = [
        row("custinsight classify (whole answer)", Answering::Classify),
        row("custinsight predict (category, confidence)", Answering::Predict),
    ];
    (rows, model)
}

/// Runs the peers on the split; when the script offers interleaved passes,
/// alternates them with `our_passes()` (seconds per pass of `predict` and
/// of `classify`), then `passes` passes of the peer, per round.
fn peers(
    train_path: &Path,
    test_path: &Path,
    passes: usize,
    our_passes: impl Fn() -> [f64; 2],
) -> Result<(Vec<Row>, Option<Interleaved>), String> {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/peers/classify_peers.py");
    let mut child = Command::new(&python)
        .arg(&script)
        .arg(train_path)
        .arg(test_path)
        .arg("--interleave")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|err| format!("cannot run {python}: {err}"))?;
    let mut to_peer = child.stdin.take().ok_or("no pipe to the peers")?;
    let mut from_peer = BufReader::new(child.stdout.take().ok_or("no pipe from the peers")?).lines();
    let mut rows = Vec::new();
    let mut interleaved = None;
    while let Some(Ok(line)) = from_peer.next() {
        let Ok(value) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        if let Some(peer) = value["interleave"].as_str() {
            let mut rounds = Interleaved {
                peer: peer.to_owned(),
                ours: Vec::new(),
                theirs: Vec::new(),
            };
            for _ in 0..INTERLEAVED_ROUNDS {
                rounds.ours.push(our_passes());
                writeln!(to_peer, "pass {passes}").map_err(|err| format!("peers: {err}"))?;
                let answer = from_peer.next().and_then(Result::ok).ok_or("the peers stopped")?;
                let seconds = serde_json::from_str::<serde_json::Value>(&answer)
                    .ok()
                    .and_then(|v| v["seconds"].as_f64())
                    .ok_or_else(|| format!("peers answered {answer:?} to a pass"))?;
                rounds.theirs.push(seconds);
            }
            interleaved = Some(rounds);
            break;
        }
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
    drop(to_peer);
    let status = child.wait().map_err(|err| format!("peers: {err}"))?;
    if !status.success() {
        return Err(format!("{} exited with {status}", script.display()));
    }
    Ok((rows, interleaved))
}

/// Passes over `texts` texts per second, at `row`'s throughput.
fn passes_per_second(row: &Row, texts: usize) -> f64 {
    row.batch_per_second / texts as f64
}

/// The median of `values` (not empty).
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    if values.len() % 2 == 1 {
        values[middle]
    } else {
        (values[middle - 1] + values[middle]) / 2.0
    }
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
    let (our_rows, model) = ours(train, test, taxonomy, &TrainOptions::default());
    let mut rows = Vec::from(our_rows);
    let texts: Vec<&str> = test.iter().map(|(t, _)| t.as_str()).collect();
    let mut interleaved = None;
    // Each side's passes take about ROUND_SECONDS. `predict` goes first
    // after the peer's turn, so it is the one that brings the model back
    // into the cache.
    let passes_for = |row: &Row| {
        (ROUND_SECONDS * passes_per_second(row, texts.len()))
            .ceil()
            .max(1.0) as usize
    };
    let (classify_passes, predict_passes) = (passes_for(&rows[0]), passes_for(&rows[1]));
    let our_passes = || {
        [
            timed_passes(&model, &texts, predict_passes, Answering::Predict),
            timed_passes(&model, &texts, classify_passes, Answering::Classify),
        ]
    };
    match peers(&train_path, &test_path, classify_passes, our_passes) {
        Ok((found, rounds)) => {
            rows.extend(found);
            interleaved = rounds;
        }
        Err(why) => println!("peers skipped: {why}"),
    }
    let best_peer_accuracy = rows[2..].iter().map(|r| r.accuracy).fold(f64::NAN, f64::max);
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
    let (us, predicting) = (&rows[0], &rows[1]);
    for peer in &rows[2..] {
        println!(
            "custinsight / {}: accuracy {:+.1} pts, macro-F1 {:+.1} pts, training {:.2}x faster, throughput {:.1}x (predict {:.1}x), single-text latency {:.1}x lower (predict {:.1}x)",
            peer.name,
            100.0 * (us.accuracy - peer.accuracy),
            100.0 * (us.macro_f1 - peer.macro_f1),
            peer.train_seconds / us.train_seconds,
            us.batch_per_second / peer.batch_per_second,
            predicting.batch_per_second / peer.batch_per_second,
            peer.single_ms / us.single_ms,
            peer.single_ms / predicting.single_ms
        );
    }
    if rows.len() > 2 {
        println!(
            "accuracy vs best peer: {:+.1} pts (target: no worse than -0.5)",
            100.0 * (us.accuracy - best_peer_accuracy)
        );
    }
    if let Some(rounds) = interleaved {
        let best =
            |seconds: &[f64]| texts.len() as f64 / seconds.iter().copied().fold(f64::INFINITY, f64::min);
        println!(
            "interleaved, {} rounds of about {ROUND_SECONDS} s a side ({predict_passes} predict, {classify_passes} classify, {classify_passes} {} passes):",
            rounds.ours.len(),
            rounds.peer
        );
        for (name, side) in [("predict", 0), ("classify", 1)] {
            let ours: Vec<f64> = rounds.ours.iter().map(|pair| pair[side]).collect();
            let per_round: Vec<f64> = ours.iter().zip(&rounds.theirs).map(|(o, t)| t / o).collect();
            let (low, high) = per_round
                .iter()
                .fold((f64::INFINITY, 0.0f64), |(lo, hi), &r| (lo.min(r), hi.max(r)));
            println!(
                "  custinsight {name} best {:.0} texts/s, {} best {:.0} texts/s: throughput {:.1}x (per round: median {:.1}x, {:.1}x to {:.1}x)",
                best(&ours),
                rounds.peer,
                best(&rounds.theirs),
                best(&ours) / best(&rounds.theirs),
                median(per_round.clone()),
                low,
                high
            );
        }
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
