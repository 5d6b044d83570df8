//! The built-in model: trained on first use from the seed corpus embedded in
//! the library (`core/data/classify/seed_corpus.tsv`, provenance in the
//! README beside it).

use super::{Classifier, TrainOptions};
use crate::taxonomy::{Signal, Taxonomy};

/// The files of the seed corpus: `category<TAB>text` lines; `#` starts a
/// comment line.
pub(crate) const SEED_CORPUS: &[&str] = &[
    include_str!("../../data/classify/seed_corpus.tsv"),
    include_str!("../../data/classify/more/part_a.tsv"),
    include_str!("../../data/classify/more/part_b.tsv"),
    include_str!("../../data/classify/more/part_c.tsv"),
    include_str!("../../data/classify/more/part_d.tsv"),
    include_str!("../../data/classify/more/part_e.tsv"),
];

/// Texts labelled with their signals for the learned signal detector:
/// `category<TAB>signals<TAB>text` lines (signals comma-separated, `-` for
/// none).
pub(crate) const SIGNAL_CORPUS: &[&str] = &[
    include_str!("../../data/classify/signals/part_a.tsv"),
    include_str!("../../data/classify/signals/part_b.tsv"),
    include_str!("../../data/classify/signals/part_c.tsv"),
    include_str!("../../data/classify/signals/part_d.tsv"),
    include_str!("../../data/classify/signals/part_e.tsv"),
    include_str!("../../data/classify/signals/part_f.tsv"),
    include_str!("../../data/classify/signals/part_g.tsv"),
    include_str!("../../data/classify/signals/part_h.tsv"),
    include_str!("../../data/classify/signals/part_i.tsv"),
    include_str!("../../data/classify/signals/part_j.tsv"),
    include_str!("../../data/classify/signals/part_k.tsv"),
];

/// The data lines of embedded TSV files, trimmed, without blank lines and
/// `#` comments.
fn data_lines(files: &'static [&'static str]) -> impl Iterator<Item = &'static str> {
    files
        .iter()
        .flat_map(|file| file.lines())
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
}

/// The signal corpus as `(text, signals)` pairs.
pub(crate) fn signal_examples() -> Vec<(&'static str, Vec<Signal>)> {
    data_lines(SIGNAL_CORPUS)
        .filter_map(|line| {
            let mut parts = line.splitn(3, '\t');
            let (_category, signals, text) = (parts.next()?, parts.next()?, parts.next()?);
            let signals = signals
                .split(',')
                .map(str::trim)
                .filter(|s| *s != "-" && !s.is_empty())
                .map(|s| Signal::ALL.into_iter().find(|signal| signal.as_str() == s))
                .collect::<Option<Vec<Signal>>>()?;
            Some((text.trim(), signals))
        })
        .collect()
}

/// The training corpus as `(text, category)` pairs: the seed corpus, and
/// the texts of the signal corpus with their categories.
pub(crate) fn seed_examples() -> Vec<(&'static str, &'static str)> {
    let seed = data_lines(SEED_CORPUS)
        .filter_map(|line| line.split_once('\t'))
        .map(|(code, text)| (text.trim(), code.trim()));
    let signal = data_lines(SIGNAL_CORPUS).filter_map(|line| {
        let mut parts = line.splitn(3, '\t');
        let code = parts.next()?;
        let _signals = parts.next()?;
        Some((parts.next()?.trim(), code.trim()))
    });
    seed.chain(signal).collect()
}

/// The options the built-in model is trained with: the defaults (which
/// choose 50 passes for a corpus this size).
pub(crate) fn builtin_options() -> TrainOptions {
    TrainOptions::default()
}

/// The built-in model, trained from the corpus above by [`train`] and saved
/// with [`Classifier::to_bytes`] (`make builtin-model` writes it). Loading
/// it takes milliseconds where training takes a second in a release build
/// and tens of seconds in a debug one; a test checks that it is exactly
/// what the corpus trains.
pub(crate) const MODEL: &[u8] = include_bytes!("../../data/classify/builtin.model");

/// Trains the built-in model from the embedded corpus.
pub(crate) fn train() -> Classifier {
    Classifier::train(&seed_examples(), &Taxonomy::telecom_default(), &builtin_options())
        .expect("the embedded seed corpus is checked by the tests")
        .with_signal_model(&signal_examples())
}

/// Loads the embedded built-in model.
pub(crate) fn load() -> Classifier {
    Classifier::from_bytes(MODEL).expect("the embedded model is checked by the tests")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_model_is_what_the_corpus_trains() {
        // Training is deterministic, so the saved bytes must match exactly;
        // a corpus, feature or training change without a new model fails
        // here.
        assert!(
            train().to_bytes() == MODEL,
            "core/data/classify/builtin.model is stale: run `make builtin-model`"
        );
    }

    #[test]
    fn signal_corpus_is_well_formed() {
        let lines = data_lines(SIGNAL_CORPUS).count();
        let examples = signal_examples();
        assert_eq!(
            examples.len(),
            lines,
            "a line lacks a column or names an unknown signal"
        );
        for signal in Signal::ALL {
            let with = examples.iter().filter(|(_, s)| s.contains(&signal)).count();
            assert!(with >= 20, "{signal:?} has {with} examples");
        }
    }

    #[test]
    fn seed_corpus_is_well_formed_and_covers_every_category() {
        let taxonomy = Taxonomy::telecom_default();
        let examples = seed_examples();
        let lines = data_lines(SEED_CORPUS).count() + data_lines(SIGNAL_CORPUS).count();
        assert_eq!(examples.len(), lines, "a line lacks its tab");
        for category in &taxonomy.categories {
            let count = examples.iter().filter(|(_, code)| *code == category.code).count();
            assert!(count >= 20, "{} has {count} seed examples", category.code);
        }
        for (text, code) in &examples {
            assert!(
                taxonomy.get(code).is_some(),
                "unknown category {code:?} for {text:?}"
            );
        }
    }
}
