//! 5-fold stratified cross-validation of the churn model on the Iranian
//! operator's customers (and, when the shared folder is present, on IBM's
//! fictional Telco sample). Writes each de-duplicated data set with its fold
//! column to `target/churn-eval/` so `benches/peers/churn_peers.py` scores
//! scikit-learn on exactly the same rows and folds.
//!
//! ```text
//! cargo run --release --example churn_eval [-- --trees 200 --lr 0.1 --leaves 31 --min-leaf 20 --l2 1]
//! ```

use std::fmt::Write as _;
use std::time::Instant;

use custinsight::churn::{
    cross_validate, ibm_dataset, iranian_dataset, stratified_folds, ChurnModel, Dataset, TrainParams,
    PROFILE_FILLED_FEATURES,
};

const SEED: u64 = 20261124;
const FOLDS: usize = 5;
const IRANIAN: &str = "tests/data/telco-churn-iranian-uci/Customer_Churn.csv";
const IBM: &str = "../shared/data/telco-churn-ibm-sample/Telco-Customer-Churn.csv";
const OUT: &str = "target/churn-eval";

fn params_from_args() -> TrainParams {
    let mut params = TrainParams::default();
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair.get(1).map(String::as_str).unwrap_or_default();
        macro_rules! parse {
            () => {
                value
                    .parse()
                    .unwrap_or_else(|_| panic!("bad value {value:?} for {}", pair[0]))
            };
        }
        match pair[0].as_str() {
            "--trees" => params.trees = parse!(),
            "--lr" => params.learning_rate = parse!(),
            "--leaves" => params.max_leaves = parse!(),
            "--depth" => params.max_depth = parse!(),
            "--min-leaf" => params.min_samples_leaf = parse!(),
            "--l2" => params.l2 = parse!(),
            "--bins" => params.max_bins = parse!(),
            other => panic!("unknown option {other}"),
        }
    }
    params
}

fn write_with_folds(path: &str, data: &Dataset, folds: &[usize]) {
    let mut out = String::new();
    out.push_str(&data.features().join(","));
    out.push_str(",churn,fold\n");
    for (i, fold) in folds.iter().enumerate() {
        for value in data.row(i) {
            if value.is_nan() {
                out.push(',');
            } else {
                write!(out, "{value},").unwrap();
            }
        }
        writeln!(out, "{},{fold}", u8::from(data.labels()[i])).unwrap();
    }
    std::fs::write(path, out).unwrap_or_else(|e| panic!("cannot write {path}: {e}"));
}

fn evaluate(name: &str, data: &Dataset, params: &TrainParams) {
    let folds = stratified_folds(data.labels(), FOLDS, SEED).expect("enough rows per class");
    let path = format!("{OUT}/{name}_folds.csv");
    write_with_folds(&path, data, &folds);
    let churners = data.labels().iter().filter(|&&y| y).count();
    let start = Instant::now();
    let report = cross_validate(data, params, &folds).expect("training succeeds");
    let elapsed = start.elapsed();
    println!(
        "{name}: {} rows, {churners} churners, {FOLDS}-fold stratified CV (seed {SEED}), folds in {path}",
        data.len()
    );
    for fold in &report.folds {
        println!(
            "  fold {}: ROC AUC {:.4}, precision@top10% {:.4}",
            fold.fold, fold.auc, fold.precision_at_decile
        );
    }
    println!(
        "  custinsight boosted trees: mean ROC AUC {:.4}, mean precision@top10% {:.4} ({:.2} s for {FOLDS} fits)",
        report.mean_auc,
        report.mean_precision_at_decile,
        elapsed.as_secs_f64()
    );
    let model = ChurnModel::train(data, params).expect("training succeeds");
    let importance: Vec<String> = model
        .importance(data)
        .iter()
        .take(6)
        .map(|(feature, value)| format!("{feature} {value:.2}"))
        .collect();
    println!(
        "  mean |contribution| (log-odds), whole set: {}",
        importance.join(", ")
    );
}

fn main() {
    let params = params_from_args();
    println!("parameters: {params:?}");
    std::fs::create_dir_all(OUT).expect("cannot create target/churn-eval");
    let text = std::fs::read_to_string(IRANIAN).unwrap_or_else(|e| panic!("cannot read {IRANIAN}: {e}"));
    let data = iranian_dataset(&text).expect("the Iranian file parses");
    evaluate("iranian", &data, &params);
    let filled = data
        .select(&PROFILE_FILLED_FEATURES)
        .expect("the Iranian set has them");
    evaluate("iranian_profile_features", &filled, &params);
    match std::fs::read_to_string(IBM) {
        Ok(text) => {
            let data = ibm_dataset(&text).expect("the IBM file parses");
            evaluate("ibm", &data, &params);
        }
        Err(err) => println!("ibm: skipped, {IBM} is not readable ({err})"),
    }
}
