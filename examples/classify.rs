//! Classifies a few complaints with the built-in model and prints the
//! answers as JSON, as a CRM intake form would receive them.
//!
//! Run with `cargo run --example classify`, or pass your own texts:
//! `cargo run --example classify -- "宽带又断网了"`.

use custinsight::classify::Classifier;

fn main() {
    let classifier = Classifier::builtin();
    let mut texts: Vec<String> = std::env::args().skip(1).collect();
    if texts.is_empty() {
        texts = vec![
            "宽带又断网了，三天都上不了网，再不修好我就打12300投诉".into(),
            "帳單上多了一筆不明費用，我沒有訂過任何服務".into(),
            "I was charged 25 dollars for roaming in France although I bought the travel pass".into(),
            "客服态度太差了，直接挂我电话".into(),
        ];
    }
    for text in &texts {
        let answer = classifier.classify_explained(text, 5);
        println!(
            "{text}\n{}\n",
            serde_json::to_string_pretty(&answer).expect("serialisable")
        );
    }
}
