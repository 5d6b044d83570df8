//! Churn model: prediction and explanation latency per customer, and
//! training time on the de-duplicated Iranian customers (2,850 rows).
//!
//! ```text
//! cargo bench --bench churn
//! ```

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use custinsight::churn::{iranian_dataset, ChurnModel, TrainParams};

const IRANIAN: &str = include_str!("../tests/data/telco-churn-iranian-uci/Customer_Churn.csv");

fn churn(c: &mut Criterion) {
    let data = iranian_dataset(IRANIAN).expect("parses");
    let params = TrainParams::default();
    let model = ChurnModel::train(&data, &params).expect("trains");
    let row = data.row(42).to_vec();
    let mut group = c.benchmark_group("churn");
    group.bench_function(
        format!("predict one customer ({} trees)", model.tree_count()),
        |b| b.iter(|| model.predict_row(black_box(&row))),
    );
    group.bench_function("explain one customer", |b| {
        b.iter(|| model.explain_row(black_box(&row)))
    });
    group.sample_size(10);
    group.bench_function(format!("train on {} customers", data.len()), |b| {
        b.iter(|| ChurnModel::train(black_box(&data), &params).expect("trains"))
    });
    group.finish();
}

criterion_group!(benches, churn);
criterion_main!(benches);
