//! The built-in model: trained on first use from the seed corpus embedded in
//! the library (`core/data/classify/seed_corpus.tsv`, provenance in the
//! README beside it).

use super::{Classifier, TrainOptions};
use crate::taxonomy::Taxonomy;

/// The files of the seed corpus: `category<TAB>text` lines; `#` starts a
/// comment line.
pub(crate) const SEED_CORPUS: &[&str] = &[
    include_str!("../../data/classify/seed_corpus.tsv"),
    include_str!("../../data/classify/more/part_a.tsv"),
    include_str!("../../data/classify/more/part_b.tsv"),
    include_str!("../../data/classify/more/part_c.tsv"),
    include_str!("../../data/classify/more/part_d.tsv"),
];

/// The seed corpus as `(text, category)` pairs.
pub(crate) fn seed_examples() -> Vec<(&'static str, &'static str)> {
    SEED_CORPUS
        .iter()
        .flat_map(|file| file.lines())
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.split_once('\t'))
        .map(|(code, text)| (text.trim(), code.trim()))
        .collect()
}

/// The options the built-in model is trained with: the defaults (which
/// choose 50 passes for a corpus this size).
pub(crate) fn builtin_options() -> TrainOptions {
    TrainOptions::default()
}

pub(crate) fn build() -> Classifier {
    Classifier::train(&seed_examples(), &Taxonomy::telecom_default(), &builtin_options())
        .expect("the embedded seed corpus is checked by the tests")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_corpus_is_well_formed_and_covers_every_category() {
        let taxonomy = Taxonomy::telecom_default();
        let examples = seed_examples();
        let lines = SEED_CORPUS
            .iter()
            .flat_map(|file| file.lines())
            .filter(|l| !l.trim().is_empty() && !l.trim().starts_with('#'))
            .count();
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
