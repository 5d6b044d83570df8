//! Labelled data sets for the classification examples, benchmarks and
//! tests: the public sets under `../shared/data` (read at run time, never
//! copied) and the repository's own hand-written evaluation set.
//!
//! Shared by `examples/classify_*.rs`, `benches/classify.rs` and
//! `tests/integration/classify.rs` through `#[path]`.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use custinsight::{CategoryDef, Taxonomy};

/// A labelled data set with its own taxonomy.
pub struct DataSet {
    /// Short name for reports.
    pub name: &'static str,
    /// `(text, category code)` pairs.
    pub examples: Vec<(String, String)>,
    /// One category per label; `en`/`zh` keep the original label.
    pub taxonomy: Taxonomy,
}

/// `<repository>/../shared/data`.
pub fn shared_data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data")
}

fn taxonomy_of(prefix: &str, labels: &[String], chinese: bool) -> (Taxonomy, BTreeMap<String, String>) {
    let distinct: std::collections::BTreeSet<&String> = labels.iter().collect();
    let mut codes = BTreeMap::new();
    let categories = distinct
        .into_iter()
        .enumerate()
        .map(|(i, label)| {
            let code = format!("{prefix}.c{i:02}");
            codes.insert(label.clone(), code.clone());
            CategoryDef {
                code,
                zh: if chinese { label.clone() } else { String::new() },
                en: if chinese { String::new() } else { label.clone() },
                // Each label is its own work group: these sets have no groups.
                work_group: format!("group_{i:02}"),
            }
        })
        .collect();
    (Taxonomy { categories }, codes)
}

fn read_csv(path: &PathBuf) -> Result<Vec<csv::StringRecord>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(|err| format!("{}: {err}", path.display()))?;
    let headers = reader.headers().map_err(|err| err.to_string())?.clone();
    let mut rows = vec![headers];
    for record in reader.records() {
        rows.push(record.map_err(|err| format!("{}: {err}", path.display()))?);
    }
    Ok(rows)
}

fn column(headers: &csv::StringRecord, name: &str) -> usize {
    headers
        .iter()
        .position(|h| h.trim_start_matches('\u{feff}') == name)
        .unwrap_or_else(|| panic!("column {name:?} missing"))
}

/// CFPB payday / title / personal-loan narratives, 24 Issue classes
/// (English). `Err` says why the set is unavailable.
pub fn cfpb_payday() -> Result<DataSet, String> {
    let path = shared_data().join("cfpb-payday-loan-narratives/cfpb_payday_loan_complaints_2023_sample.csv");
    if !path.exists() {
        return Err(format!("{} is absent", path.display()));
    }
    let rows = read_csv(&path)?;
    let (issue, text) = (
        column(&rows[0], "Issue"),
        column(&rows[0], "Consumer complaint narrative"),
    );
    let pairs: Vec<(String, String)> = rows[1..]
        .iter()
        .filter_map(|r| Some((r.get(text)?.to_owned(), r.get(issue)?.to_owned())))
        .filter(|(t, l)| !t.is_empty() && t != "None" && !l.is_empty())
        .collect();
    let labels: Vec<String> = pairs.iter().map(|(_, l)| l.clone()).collect();
    let (taxonomy, codes) = taxonomy_of("cfpb", &labels, false);
    Ok(DataSet {
        name: "cfpb-payday (en, 24 classes)",
        examples: pairs.into_iter().map(|(t, l)| (t, codes[&l].clone())).collect(),
        taxonomy,
    })
}

/// TipDM 2020 government messages, 7 first-level classes (Chinese): title
/// and body. `Err` says why the set is unavailable.
pub fn zh_gov() -> Result<DataSet, String> {
    let path = shared_data().join("zh-gov-messages-tipdm2020/messages_labelled_fj2.csv");
    if !path.exists() {
        return Err(format!("{} is absent", path.display()));
    }
    let rows = read_csv(&path)?;
    let (title, body, label) = (
        column(&rows[0], "留言主题"),
        column(&rows[0], "留言详情"),
        column(&rows[0], "一级分类"),
    );
    let pairs: Vec<(String, String)> = rows[1..]
        .iter()
        .filter_map(|r| {
            let text = format!("{} {}", r.get(title)?.trim(), r.get(body)?.trim());
            Some((text, r.get(label)?.trim().to_owned()))
        })
        .filter(|(_, l)| !l.is_empty())
        .collect();
    let labels: Vec<String> = pairs.iter().map(|(_, l)| l.clone()).collect();
    let (taxonomy, codes) = taxonomy_of("gov", &labels, true);
    Ok(DataSet {
        name: "zh-gov (zh, 7 classes)",
        examples: pairs.into_iter().map(|(t, l)| (t, codes[&l].clone())).collect(),
        taxonomy,
    })
}

/// The repository's hand-written evaluation set for the default taxonomy
/// (`core/data/classify/eval_set.tsv`), written apart from the seed corpus
/// and never trained on: `(text, category, expected signals)`.
pub fn telecom_eval_set() -> Vec<(String, String, Vec<custinsight::Signal>)> {
    with_signals(include_str!("../../core/data/classify/eval_set.tsv"))
}

/// The blind set (`core/data/classify/blind_set.tsv`): 15 complaints per
/// category written by an author who never saw the training corpus, never
/// trained on: `(text, category, expected signals)`.
pub fn telecom_blind_set() -> Vec<(String, String, Vec<custinsight::Signal>)> {
    with_signals(include_str!("../../core/data/classify/blind_set.tsv"))
}

/// The second blind set (`core/data/classify/blind_set_2.tsv`), written
/// after the signal lexicon was last changed by an author who saw neither
/// the corpus nor the lexicon; nothing was tuned on it.
pub fn telecom_blind_set_2() -> Vec<(String, String, Vec<custinsight::Signal>)> {
    with_signals(include_str!("../../core/data/classify/blind_set_2.tsv"))
}

/// The third blind set (`core/data/classify/blind_set_3.tsv`), written
/// after the feature and corpus changes; its signal misses widened the
/// lexicon once.
pub fn telecom_blind_set_3() -> Vec<(String, String, Vec<custinsight::Signal>)> {
    with_signals(include_str!("../../core/data/classify/blind_set_3.tsv"))
}

/// The fourth blind set (`core/data/classify/blind_set_4.tsv`), written
/// after the last change to the corpus, the features and the lexicon by an
/// author who saw none of them; nothing was tuned on it.
pub fn telecom_blind_set_4() -> Vec<(String, String, Vec<custinsight::Signal>)> {
    with_signals(include_str!("../../core/data/classify/blind_set_4.tsv"))
}

/// The fifth blind set (`core/data/classify/blind_set_5.tsv`), written after
/// every change to the corpus, the features, the lexicon and the learned
/// signal detector, by an author who saw none of them; nothing was tuned on
/// it but the choice of the detector's threshold among four.
pub fn telecom_blind_set_5() -> Vec<(String, String, Vec<custinsight::Signal>)> {
    with_signals(include_str!("../../core/data/classify/blind_set_5.tsv"))
}

/// The sixth blind set (`core/data/classify/blind_set_6.tsv`), written
/// before the signal corpus was tripled and the detector's threshold moved,
/// by an author who saw no file of the repository; measured once, after
/// those changes, and nothing was chosen on it.
pub fn telecom_blind_set_6() -> Vec<(String, String, Vec<custinsight::Signal>)> {
    with_signals(include_str!("../../core/data/classify/blind_set_6.tsv"))
}

/// `category<TAB>signals<TAB>text` lines.
fn with_signals(tsv: &str) -> Vec<(String, String, Vec<custinsight::Signal>)> {
    tsv.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let mut parts = l.splitn(3, '\t');
            let code = parts.next().expect("category").trim().to_owned();
            let signals = parts.next().expect("signals column").trim();
            let text = parts.next().expect("text column").trim().to_owned();
            let signals = signals
                .split(',')
                .filter(|s| *s != "-")
                .map(|s| {
                    serde_json::from_value(serde_json::Value::String(s.trim().to_owned()))
                        .expect("signal name")
                })
                .collect();
            (text, code, signals)
        })
        .collect()
}

/// Real consumer complaint subject lines about a US cable operator (FCC
/// informal complaints against Comcast, 2015, read from `../shared`), with
/// the categories hand-labelled in `core/data/classify/comcast_labels.tsv`
/// (the text itself is not in the repository): `(subject, category)`.
pub fn comcast_subjects() -> Result<Vec<(String, String)>, String> {
    let path = shared_data().join("comcast-fcc-complaints-2015/Comcast.csv");
    let mut reader = csv::Reader::from_path(&path)
        .map_err(|err| format!("{} not readable ({err}): ../shared is absent", path.display()))?;
    let headers = reader.headers().map_err(|err| err.to_string())?.clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}') == name)
            .ok_or_else(|| format!("{}: no column {name:?}", path.display()))
    };
    let (ticket, subject) = (column("Ticket #")?, column("Customer Complaint")?);
    let labels: BTreeMap<&str, &str> = include_str!("../../core/data/classify/comcast_labels.tsv")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('\t'))
        .map(|(t, c)| (t.trim(), c.trim()))
        .collect();
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|err| format!("{}: {err}", path.display()))?;
        if let Some(code) = record.get(ticket).and_then(|t| labels.get(t.trim())) {
            out.push((
                record.get(subject).unwrap_or_default().to_owned(),
                (*code).to_owned(),
            ));
        }
    }
    if out.len() != labels.len() {
        return Err(format!(
            "{} of {} labelled tickets found in {}",
            out.len(),
            labels.len(),
            path.display()
        ));
    }
    Ok(out)
}

/// The seed corpus of the built-in model as `(text, category)` pairs.
pub fn telecom_seed() -> Vec<(String, String)> {
    custinsight::classify::builtin_corpus()
        .into_iter()
        .map(|(text, code)| (text.to_owned(), code.to_owned()))
        .collect()
}

/// `n` texts of about 80 characters over the 24 default categories, made
/// by joining two seed sentences of the same category (deterministic), for
/// benchmarks of training time at scale.
pub fn telecom_synthetic(n: usize) -> Vec<(String, String)> {
    let seed = telecom_seed();
    let mut by_code: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (text, code) in seed {
        by_code.entry(code).or_default().push(text);
    }
    let codes: Vec<&String> = by_code.keys().collect();
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..n)
        .map(|i| {
            let code = codes[i % codes.len()];
            let texts = &by_code[code];
            let a = &texts[(next() % texts.len() as u64) as usize];
            let b = &texts[(next() % texts.len() as u64) as usize];
            (format!("{a}，{b}"), code.clone())
        })
        .collect()
}

/// A typical complaint of about 60 characters (here 30 Chinese characters
/// and an English clause).
pub const TYPICAL_COMPLAINT: &str =
    "宽带又断网了，三天都上不了网，客服说48小时内处理也没人来 still not fixed";
