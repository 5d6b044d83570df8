//! The cost of the C ABI: classify through `custinsight_engine_classify`
//! (and the JSON variant) against the Rust call on the same engine, and the
//! pop-up through JSON (parse the profile, serialise the answer) against the
//! Rust call on a parsed profile; and the bare boundary on a call that does
//! almost nothing.
//!
//! Run: `cargo bench --bench ffi`.

#![allow(unsafe_code)]

use std::hint::black_box;
use std::ptr;

use criterion::{criterion_group, criterion_main, Criterion};
use custinsight::{CustomerProfile, Engine};
use custinsight_ffi::{
    custinsight_engine_classify, custinsight_engine_classify_json, custinsight_engine_free,
    custinsight_engine_history_len, custinsight_engine_new, custinsight_engine_pop_up_json,
    custinsight_string_free, CustinsightClassification, CustinsightEngine, CustinsightStatus,
};

const TEXTS: [&str; 4] = [
    "宽带又断网了，三天都上不了网，再不修好我就打12300投诉",
    "I was charged for roaming in France",
    "话费扣得莫名其妙，这个月多了30元",
    "my 5G signal keeps dropping at home",
];

const PROFILE: &str = r#"{"customer_id": "C000000042", "identity": {"name": "王芳", "phones": ["13800000042"]},
    "account": {"status": "active", "payment_type": "prepaid", "balance": 12.5, "recurring_fee": 58}}"#;

/// 2026-11-20T09:00:00Z
const NOW: i64 = 1_795_165_200;

struct FfiEngine(*mut CustinsightEngine);

impl FfiEngine {
    fn new() -> Self {
        let mut engine = ptr::null_mut();
        // SAFETY: `engine` is a valid place for the output.
        let status = unsafe { custinsight_engine_new(&mut engine) };
        assert_eq!(status, CustinsightStatus::Ok);
        FfiEngine(engine)
    }
}

impl Drop for FfiEngine {
    fn drop(&mut self) {
        // SAFETY: the engine came from `custinsight_engine_new` and is freed once.
        unsafe { custinsight_engine_free(self.0) }
    }
}

fn classify(c: &mut Criterion) {
    let rust = Engine::new();
    let ffi = FfiEngine::new();
    let mut group = c.benchmark_group("ffi_classify");
    group.bench_function("rust", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % TEXTS.len();
            black_box(rust.classify(black_box(TEXTS[i])))
        })
    });
    group.bench_function("c_abi_struct", |b| {
        let mut i = 0;
        let mut out = CustinsightClassification {
            category: ptr::null(),
            work_group: ptr::null(),
            category_index: 0,
            confidence: 0.0,
            severity: custinsight_ffi::CustinsightSeverity::Low,
            band: custinsight_ffi::CustinsightConfidenceBand::Low,
            signals: 0,
            uncertain: false,
        };
        b.iter(|| {
            i = (i + 1) % TEXTS.len();
            let text = black_box(TEXTS[i]);
            // SAFETY: a live engine, a text of its length, a valid output.
            let status =
                unsafe { custinsight_engine_classify(ffi.0, text.as_ptr().cast(), text.len(), &mut out) };
            assert_eq!(status, CustinsightStatus::Ok);
            black_box(out.confidence)
        })
    });
    group.bench_function("c_abi_json", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % TEXTS.len();
            let text = black_box(TEXTS[i]);
            let (mut out, mut len) = (ptr::null_mut(), 0);
            // SAFETY: a live engine, a text of its length, valid outputs; the
            // string is freed once below.
            unsafe {
                let status = custinsight_engine_classify_json(
                    ffi.0,
                    text.as_ptr().cast(),
                    text.len(),
                    &mut out,
                    &mut len,
                );
                assert_eq!(status, CustinsightStatus::Ok);
                custinsight_string_free(black_box(out));
            }
            len
        })
    });
    group.finish();
}

/// The boundary alone: a call that does almost nothing (the history length)
/// through the C ABI (panic boundary, NULL checks, output write) and in Rust.
fn boundary(c: &mut Criterion) {
    let rust = Engine::new();
    let ffi = FfiEngine::new();
    let mut group = c.benchmark_group("ffi_boundary");
    group.bench_function("rust_history_len", |b| b.iter(|| black_box(rust.history_len())));
    group.bench_function("c_abi_history_len", |b| {
        let mut len = 0;
        b.iter(|| {
            // SAFETY: a live engine and a valid output.
            let status = unsafe { custinsight_engine_history_len(black_box(ffi.0), &mut len) };
            assert_eq!(status, CustinsightStatus::Ok);
            black_box(len)
        })
    });
    group.finish();
}

fn pop_up(c: &mut Criterion) {
    let rust = Engine::new();
    let ffi = FfiEngine::new();
    let profile = CustomerProfile::from_json(PROFILE).unwrap();
    let now = chrono::DateTime::from_timestamp(NOW, 0).unwrap();
    let mut group = c.benchmark_group("ffi_pop_up");
    group.bench_function("rust_parsed_profile", |b| {
        b.iter(|| black_box(rust.pop_up(black_box(&profile), now)))
    });
    group.bench_function("rust_json_round_trip", |b| {
        b.iter(|| {
            let profile = CustomerProfile::from_json(black_box(PROFILE)).unwrap();
            black_box(rust.pop_up(&profile, now).to_json())
        })
    });
    group.bench_function("c_abi_json", |b| {
        b.iter(|| {
            let (mut out, mut len) = (ptr::null_mut(), 0);
            // SAFETY: a live engine, a profile of its length, valid outputs;
            // the string is freed once below.
            unsafe {
                let status = custinsight_engine_pop_up_json(
                    ffi.0,
                    PROFILE.as_ptr().cast(),
                    PROFILE.len(),
                    NOW,
                    &mut out,
                    &mut len,
                );
                assert_eq!(status, CustinsightStatus::Ok);
                custinsight_string_free(black_box(out));
            }
            len
        })
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(4))
        .sample_size(40)
}

criterion_group! {
    name = benches;
    config = config();
    targets = boundary, classify, pop_up
}
criterion_main!(benches);
