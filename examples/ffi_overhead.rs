//! Counts the extra work of classifying through the C ABI instead of the
//! Rust call, in a way that does not depend on how busy the machine is: run
//! it twice under callgrind, once per path, and divide the difference of the
//! instruction totals by the number of calls.
//!
//! ```text
//! cargo build --release --example ffi_overhead
//! for path in rust c; do
//!   valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.$path \
//!     target/release/examples/ffi_overhead $path 20000 2>&1 | grep refs
//! done
//! ```
//!
//! Both runs build the same two engines (the built-in model trains
//! deterministically), so everything but the loop cancels out.

#![allow(unsafe_code)]

use std::hint::black_box;
use std::ptr;

use custinsight::Engine;
use custinsight_ffi::{
    custinsight_engine_classify, custinsight_engine_free, custinsight_engine_new, CustinsightClassification,
    CustinsightConfidenceBand, CustinsightSeverity, CustinsightStatus,
};

const TEXTS: [&str; 4] = [
    "宽带又断网了，三天都上不了网，再不修好我就打12300投诉",
    "I was charged for roaming in France",
    "话费扣得莫名其妙，这个月多了30元",
    "my 5G signal keeps dropping at home",
];

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| "rust".to_owned());
    let calls: usize = args
        .next()
        .map_or(20_000, |n| n.parse().expect("a number of calls"));

    let rust = Engine::new();
    let mut ffi = ptr::null_mut();
    // SAFETY: `ffi` is a valid place for the output.
    assert_eq!(unsafe { custinsight_engine_new(&mut ffi) }, CustinsightStatus::Ok);
    let mut out = CustinsightClassification {
        category: ptr::null(),
        work_group: ptr::null(),
        category_index: 0,
        confidence: 0.0,
        severity: CustinsightSeverity::Low,
        band: CustinsightConfidenceBand::Low,
        signals: 0,
        uncertain: false,
    };
    let mut checksum = 0u64;
    for i in 0..calls {
        let text = black_box(TEXTS[i % TEXTS.len()]);
        if path == "c" {
            // SAFETY: a live engine, a text with its length, a valid output.
            let status =
                unsafe { custinsight_engine_classify(ffi, text.as_ptr().cast(), text.len(), &mut out) };
            assert_eq!(status, CustinsightStatus::Ok);
            checksum += u64::from(out.category_index);
        } else {
            let answer = rust.classify(text);
            checksum += answer.category.len() as u64;
            black_box(answer);
        }
    }
    // SAFETY: the engine came from `custinsight_engine_new` and is freed once.
    unsafe { custinsight_engine_free(ffi) };
    println!("{path}: {calls} calls, checksum {checksum}");
}
