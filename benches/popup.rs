//! Call pop-up latency for a typical profile (with and without the JSON
//! parse, with and without the churn model), batch scoring throughput on one
//! core and on all cores, and cross-system audit throughput.
//!
//! ```text
//! cargo bench --bench popup
//! ```

use std::hint::black_box;

use chrono::{DateTime, Utc};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use custinsight::audit::{
    audit, audit_batch, AuditInput, Barring, BillingView, ChargedItem, CrmView, NetworkView,
};
use custinsight::churn::{iranian_dataset, ChurnModel, TrainParams, PROFILE_FILLED_FEATURES};
use custinsight::popup::{pop_up, pop_up_batch, PopUpConfig};
use custinsight::synth::{Population, SynthConfig};
use custinsight::{AccountStatus, CustomerProfile, Money, ProfileBuilder};
use rayon::prelude::*;

/// Eight leaves per tree: on the 6 profile columns of the Iranian data this
/// measures better (5-fold AUC 0.9665) than the defaults (0.9619), and walks
/// faster; see benches/peers/README.md.
fn profile_params() -> TrainParams {
    TrainParams {
        max_leaves: 8,
        ..TrainParams::default()
    }
}

const IRANIAN: &str = include_str!("../tests/data/telco-churn-iranian-uci/Customer_Churn.csv");

fn population(customers: u64) -> (Vec<CustomerProfile>, DateTime<Utc>) {
    let config = SynthConfig {
        customers,
        ..SynthConfig::default()
    };
    let mut builder = ProfileBuilder::new();
    for event in Population::new(config.clone()).events() {
        builder.add(event).expect("valid");
    }
    (builder.build(), config.now)
}

fn model() -> ChurnModel {
    // The columns a profile fills, as the pop-up example trains it.
    let data = iranian_dataset(IRANIAN)
        .expect("parses")
        .select(&PROFILE_FILLED_FEATURES)
        .expect("has them");
    ChurnModel::train(&data, &profile_params()).expect("trains")
}

fn latency(c: &mut Criterion) {
    let (profiles, now) = population(1_000);
    let config = PopUpConfig::default();
    // Typical: the median profile by JSON size; busy: the one firing most kinds.
    let mut by_size: Vec<&CustomerProfile> = profiles.iter().collect();
    by_size.sort_by_key(|p| p.to_json().len());
    let typical = by_size[by_size.len() / 2];
    // Typical caller: the median-size profile among those with something to
    // show (customers with an issue are the ones who call).
    let callers: Vec<&CustomerProfile> = by_size
        .iter()
        .copied()
        .filter(|p| !pop_up(p, now, &config, None).opportunities.is_empty())
        .collect();
    let caller = callers[callers.len() / 2];
    let unlimited = PopUpConfig {
        top_n: usize::MAX,
        ..PopUpConfig::default()
    };
    let busy = profiles
        .iter()
        .max_by_key(|p| pop_up(p, now, &unlimited, None).opportunities.len())
        .expect("profiles");
    let model = model();
    let typical_json = typical.to_json();
    let mut group = c.benchmark_group("popup_latency");
    group.bench_function(
        format!(
            "typical caller ({} bytes, {} opportunities)",
            caller.to_json().len(),
            pop_up(caller, now, &config, None).opportunities.len()
        ),
        |b| b.iter(|| pop_up(black_box(caller), now, &config, None)),
    );
    let with_model = pop_up(caller, now, &config, Some(&model));
    group.bench_function(
        format!(
            "typical caller with churn model (p = {:.2}, {} opportunities)",
            with_model.churn_probability.unwrap_or(f64::NAN),
            with_model.opportunities.len()
        ),
        |b| b.iter(|| pop_up(black_box(caller), now, &config, Some(&model))),
    );
    group.bench_function("churn model alone on the typical caller", |b| {
        b.iter(|| model.predict_profile(black_box(caller), now))
    });
    group.bench_function("profile features alone of the typical caller", |b| {
        b.iter(|| custinsight::churn::profile_features(black_box(caller), now))
    });
    let caller_json = caller.to_json();
    group.bench_function("typical caller incl. JSON parse", |b| {
        b.iter(|| {
            let profile = CustomerProfile::from_json(black_box(&caller_json)).expect("valid");
            pop_up(&profile, now, &config, None)
        })
    });
    group.bench_function(
        format!(
            "median profile ({} bytes, {} opportunities)",
            typical_json.len(),
            pop_up(typical, now, &config, None).opportunities.len()
        ),
        |b| b.iter(|| pop_up(black_box(typical), now, &config, None)),
    );
    group.bench_function("median profile with churn model", |b| {
        b.iter(|| pop_up(black_box(typical), now, &config, Some(&model)))
    });
    group.bench_function("median profile incl. JSON parse", |b| {
        b.iter(|| {
            let profile = CustomerProfile::from_json(black_box(&typical_json)).expect("valid");
            pop_up(&profile, now, &config, None)
        })
    });
    group.bench_function(
        format!(
            "busy profile ({} opportunities fire)",
            pop_up(busy, now, &unlimited, None).opportunities.len()
        ),
        |b| b.iter(|| pop_up(black_box(busy), now, &config, Some(&model))),
    );
    group.finish();
}

fn batch(c: &mut Criterion) {
    let (profiles, now) = population(10_000);
    let config = PopUpConfig::default();
    let model = model();
    let mut group = c.benchmark_group("popup_batch");
    group.throughput(Throughput::Elements(profiles.len() as u64));
    group.sample_size(10);
    group.bench_function("10k profiles, one core", |b| {
        b.iter(|| {
            profiles
                .iter()
                .map(|p| pop_up(p, now, &config, Some(&model)).opportunities.len())
                .sum::<usize>()
        })
    });
    // Like for like with the one-core loop: each thread consumes its own
    // answers (a nightly job serialises them where they are made).
    group.bench_function(
        format!(
            "10k profiles, all cores ({} threads)",
            rayon::current_num_threads()
        ),
        |b| {
            b.iter(|| {
                profiles
                    .par_iter()
                    .map(|p| pop_up(p, now, &config, Some(&model)).opportunities.len())
                    .sum::<usize>()
            })
        },
    );
    // pop_up_batch hands every answer back to the calling thread, whose
    // frees of memory allocated on the workers cost extra in glibc malloc.
    group.bench_function("10k profiles, pop_up_batch (answers returned)", |b| {
        b.iter(|| pop_up_batch(black_box(&profiles), now, &config, Some(&model)))
    });
    group.finish();
}

fn audit_inputs(n: usize) -> Vec<AuditInput> {
    (0..n)
        .map(|i| AuditInput {
            customer_id: Some(format!("C{i:09}")),
            crm: CrmView {
                status: if i % 17 == 0 {
                    AccountStatus::Suspended
                } else {
                    AccountStatus::Active
                },
                plan: Some(format!("P{}", i % 7)),
                products: vec!["VOLTE".to_owned(), "MUSIC".to_owned(), "CLOUD".to_owned()],
            },
            network: NetworkView {
                barring: if i % 23 == 0 { Barring::All } else { Barring::None },
                services: if i % 11 == 0 {
                    vec!["VOLTE".to_owned(), "GAMES".to_owned()]
                } else {
                    vec!["VOLTE".to_owned(), "MUSIC".to_owned(), "CLOUD".to_owned()]
                },
            },
            billing: BillingView {
                plan: Some(format!("P{}", if i % 29 == 0 { 99 } else { i % 7 })),
                charged: vec![
                    ChargedItem {
                        product: "MUSIC".to_owned(),
                        amount: Money::from_major(10),
                        needs_provisioning: true,
                    },
                    ChargedItem {
                        product: "CLOUD".to_owned(),
                        amount: Money::from_major(5),
                        needs_provisioning: true,
                    },
                ],
            },
        })
        .collect()
}

fn audit_throughput(c: &mut Criterion) {
    let inputs = audit_inputs(100_000);
    let mut group = c.benchmark_group("audit");
    group.throughput(Throughput::Elements(inputs.len() as u64));
    group.sample_size(10);
    group.bench_function("100k customers, one core", |b| {
        b.iter(|| inputs.iter().map(|input| audit(input).len()).sum::<usize>())
    });
    group.bench_function(
        format!(
            "100k customers, all cores ({} threads)",
            rayon::current_num_threads()
        ),
        |b| b.iter(|| inputs.par_iter().map(|input| audit(input).len()).sum::<usize>()),
    );
    group.bench_function("100k customers, audit_batch (reports returned)", |b| {
        b.iter(|| audit_batch(black_box(&inputs)))
    });
    group.finish();
}

criterion_group!(benches, latency, batch, audit_throughput);
criterion_main!(benches);
