//! Features of a normalised text: character n-grams of Chinese (no
//! dictionary needed), words, word n-grams and word prefixes of English and
//! other alphabetic text, hashed into a fixed number of buckets.
//!
//! The hash is 64-bit FNV-1a over a one-byte feature kind followed by the
//! UTF-8 bytes of the feature, reduced modulo `2^hash_bits`. It is defined
//! byte by byte, so a model gives the same answers on every platform.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

const KIND_CHAR: u8 = b'c';
const KIND_WORD: u8 = b'w';
const KIND_PREFIX: u8 = b'p';
const KIND_BIAS: u8 = b'b';
const KIND_SUBWORD: u8 = b's';

/// Which features a model takes from a text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeatureConfig {
    /// Smallest and largest character n-gram taken from runs of Chinese
    /// (and other unspaced) characters, e.g. `(1, 3)`.
    pub char_ngrams: (u8, u8),
    /// Smallest and largest word n-gram taken from runs of words, e.g.
    /// `(1, 2)` for words and word pairs.
    pub word_ngrams: (u8, u8),
    /// Also emit the first this-many letters of longer words (a cheap
    /// stemmer: `charged`, `charges` → `charg`); 0 turns it off.
    pub word_prefix: u8,
    /// Smallest and largest character n-gram taken inside words of
    /// alphabetic scripts, with `<` and `>` marking the word's ends
    /// (`<te`, `tex`, `ext`, `xt>`), so that `text`, `texts` and `texting`
    /// share features; `(0, 0)` turns them off.
    pub subword_ngrams: (u8, u8),
    /// The number of hash buckets is `2^hash_bits`.
    pub hash_bits: u8,
    /// Weigh each feature by its inverse document frequency in the training
    /// data (`ln((1 + n) / (1 + df)) + 1`, per hash bucket), so words every
    /// complaint uses count less than the ones that tell categories apart.
    pub idf: bool,
}

impl Default for FeatureConfig {
    fn default() -> Self {
        FeatureConfig {
            char_ngrams: (1, 3),
            word_ngrams: (1, 2),
            word_prefix: 5,
            subword_ngrams: (3, 4),
            hash_bits: 18,
            idf: true,
        }
    }
}

impl FeatureConfig {
    /// Checks the ranges.
    ///
    /// # Errors
    /// [`Error::Config`] naming the offending field.
    pub fn validate(&self) -> Result<()> {
        let (lo, hi) = self.char_ngrams;
        if lo == 0 || lo > hi || hi > 6 {
            return Err(Error::config(
                "char_ngrams",
                format!("({lo}, {hi}) must satisfy 1 <= min <= max <= 6"),
            ));
        }
        let (lo, hi) = self.word_ngrams;
        if lo == 0 || lo > hi || hi > 4 {
            return Err(Error::config(
                "word_ngrams",
                format!("({lo}, {hi}) must satisfy 1 <= min <= max <= 4"),
            ));
        }
        let (lo, hi) = self.subword_ngrams;
        if (lo, hi) != (0, 0) && (lo == 0 || lo > hi || hi > 8) {
            return Err(Error::config(
                "subword_ngrams",
                format!("({lo}, {hi}) must be (0, 0) or satisfy 1 <= min <= max <= 8"),
            ));
        }
        if !(10..=24).contains(&self.hash_bits) {
            return Err(Error::config(
                "hash_bits",
                format!("{} is outside 10..=24", self.hash_bits),
            ));
        }
        Ok(())
    }

    /// The number of hash buckets.
    pub fn buckets(&self) -> usize {
        1 << self.hash_bits
    }
}

/// One hashed feature with its weight in the (L2-normalised) vector.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Feature {
    pub bucket: u32,
    pub value: f32,
}

/// A text's features, with their names when asked for (explanations).
#[derive(Debug, Default)]
pub(crate) struct Extracted {
    pub features: Vec<Feature>,
    /// `(bucket, name)` of every emitted feature, when names were asked for.
    pub names: Vec<(u32, String)>,
}

fn fnv(kind: u8, parts: &[&str]) -> u64 {
    let mut hash = FNV_OFFSET;
    let mut eat = |b: u8| {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(FNV_PRIME);
    };
    eat(kind);
    for (index, part) in parts.iter().enumerate() {
        if index > 0 {
            eat(b' ');
        }
        for &b in part.as_bytes() {
            eat(b);
        }
    }
    hash
}

/// Whether `c` is written without spaces between words (Han, kana, Hangul
/// syllables...), so that character n-grams stand in for words.
fn is_unspaced(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x2FDF | 0x3040..=0x30FF | 0x3100..=0x312F | 0x31A0..=0x31FF | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0x20000..=0x3134F)
}

enum Piece<'a> {
    /// A run of unspaced characters.
    Run(&'a str),
    /// A word (letters and digits, or a `<placeholder>`).
    Word(&'a str),
    /// Punctuation or a line break: ends word n-grams.
    Break,
}

fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut iter = text.char_indices().peekable();
    while let Some((start, c)) = iter.next() {
        if is_unspaced(c) {
            let mut end = start + c.len_utf8();
            while let Some(&(i, n)) = iter.peek() {
                if !is_unspaced(n) {
                    break;
                }
                end = i + n.len_utf8();
                iter.next();
            }
            out.push(Piece::Run(&text[start..end]));
        } else if c == '<' {
            // Placeholders of the normaliser are single words.
            let rest = &text[start..];
            match rest.find('>') {
                Some(close)
                    if close <= 9 && rest[1..close].bytes().all(|b| b.is_ascii_lowercase()) && close > 1 =>
                {
                    let end = start + close + 1;
                    while iter.peek().is_some_and(|&(i, _)| i < end) {
                        iter.next();
                    }
                    out.push(Piece::Word(&text[start..end]));
                }
                _ => out.push(Piece::Break),
            }
        } else if c.is_alphanumeric() {
            let mut end = start + c.len_utf8();
            while let Some(&(i, n)) = iter.peek() {
                if !(n.is_alphanumeric() || n == '\'') || is_unspaced(n) {
                    break;
                }
                end = i + n.len_utf8();
                iter.next();
            }
            let word = text[start..end].trim_end_matches('\'');
            out.push(Piece::Word(word));
        } else if !c.is_whitespace() {
            out.push(Piece::Break);
        }
    }
    out
}

/// Extracts the features of already normalised text.
///
/// Counts are damped (`1 + ln(count)`), multiplied by `idf[bucket]` when
/// `idf` is not empty, and the vector is L2-normalised, so a paragraph and a
/// sentence saying the same thing score alike.
pub(crate) fn extract(config: &FeatureConfig, text: &str, with_names: bool, idf: &[f32]) -> Extracted {
    let mask = (config.buckets() - 1) as u64;
    let mut buckets: Vec<u32> = Vec::with_capacity(text.len() * 2 + 1);
    let mut names = Vec::new();
    let mut emit = |kind: u8, parts: &[&str]| {
        let bucket = (fnv(kind, parts) & mask) as u32;
        buckets.push(bucket);
        if with_names {
            let prefix = match kind {
                KIND_CHAR => "",
                KIND_PREFIX => "prefix:",
                KIND_SUBWORD => "subword:",
                KIND_BIAS => "bias",
                _ => "",
            };
            names.push((bucket, format!("{prefix}{}", parts.join(" "))));
        }
    };
    emit(KIND_BIAS, &[]);
    let (char_lo, char_hi) = (
        usize::from(config.char_ngrams.0),
        usize::from(config.char_ngrams.1),
    );
    let (word_lo, word_hi) = (
        usize::from(config.word_ngrams.0),
        usize::from(config.word_ngrams.1),
    );
    let mut words: Vec<&str> = Vec::new();
    let flush_words = |words: &mut Vec<&str>, emit: &mut dyn FnMut(u8, &[&str])| {
        for n in word_lo..=word_hi {
            if words.len() < n {
                break;
            }
            for window in words.windows(n) {
                emit(KIND_WORD, window);
            }
        }
        words.clear();
    };
    let mut boundaries: Vec<usize> = Vec::new();
    let mut marked = String::new();
    for piece in pieces(text) {
        match piece {
            Piece::Word(word) => {
                words.push(word);
                let (sub_lo, sub_hi) = (
                    usize::from(config.subword_ngrams.0),
                    usize::from(config.subword_ngrams.1),
                );
                if sub_hi > 0 && word.bytes().all(|b| b.is_ascii_alphabetic()) {
                    marked.clear();
                    marked.push('<');
                    marked.push_str(word);
                    marked.push('>');
                    let len = marked.len();
                    for n in sub_lo..=sub_hi.min(len - 1) {
                        for start in 0..=len - n {
                            emit(KIND_SUBWORD, &[&marked[start..start + n]]);
                        }
                    }
                }
                let prefix = usize::from(config.word_prefix);
                if prefix > 0 && word.len() > prefix && word.bytes().all(|b| b.is_ascii_alphabetic()) {
                    emit(KIND_PREFIX, &[&word[..prefix]]);
                }
            }
            Piece::Break => flush_words(&mut words, &mut emit),
            Piece::Run(run) => {
                flush_words(&mut words, &mut emit);
                boundaries.clear();
                boundaries.extend(run.char_indices().map(|(i, _)| i));
                boundaries.push(run.len());
                let chars = boundaries.len() - 1;
                for n in char_lo..=char_hi {
                    if chars < n {
                        break;
                    }
                    for start in 0..=chars - n {
                        emit(KIND_CHAR, &[&run[boundaries[start]..boundaries[start + n]]]);
                    }
                }
            }
        }
    }
    flush_words(&mut words, &mut emit);
    buckets.sort_unstable();
    let mut features: Vec<Feature> = Vec::with_capacity(buckets.len());
    for bucket in buckets {
        match features.last_mut() {
            Some(last) if last.bucket == bucket => last.value += 1.0,
            _ => features.push(Feature { bucket, value: 1.0 }),
        }
    }
    for feature in &mut features {
        feature.value = 1.0 + feature.value.ln();
        if let Some(weight) = idf.get(feature.bucket as usize) {
            feature.value *= weight;
        }
    }
    normalise(&mut features);
    names.sort();
    names.dedup();
    Extracted { features, names }
}

/// Scales `features` to unit L2 length.
pub(crate) fn normalise(features: &mut [Feature]) {
    let norm: f32 = features.iter().map(|f| f.value * f.value).sum();
    if norm > 0.0 {
        let scale = 1.0 / norm.sqrt();
        for feature in features {
            feature.value *= scale;
        }
    }
}

/// Inverse document frequencies per bucket of featurised documents
/// (smoothed as scikit-learn does: `ln((1 + n) / (1 + df)) + 1`).
pub(crate) fn idf_of<'a>(buckets: usize, documents: impl Iterator<Item = &'a [Feature]>) -> Vec<f32> {
    let mut df = vec![0u32; buckets];
    let mut n = 0u32;
    for document in documents {
        n += 1;
        for feature in document {
            df[feature.bucket as usize] += 1;
        }
    }
    let n = f64::from(n);
    df.into_iter()
        .map(|d| (((1.0 + n) / (1.0 + f64::from(d))).ln() + 1.0) as f32)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<String> {
        let config = FeatureConfig::default();
        let mut names: Vec<String> = extract(&config, text, true, &[])
            .names
            .into_iter()
            .map(|(_, n)| n)
            .collect();
        names.sort();
        names
    }

    #[test]
    fn chinese_gets_character_ngrams() {
        let names = names("宽带断");
        for expected in ["宽", "带", "断", "宽带", "带断", "宽带断", "bias"] {
            assert!(
                names.iter().any(|n| n == expected),
                "{expected} missing from {names:?}"
            );
        }
    }

    #[test]
    fn english_gets_words_pairs_and_prefixes() {
        let names = names("charged twice, again");
        for expected in [
            "charged",
            "twice",
            "charged twice",
            "again",
            "prefix:charg",
            "subword:<ch",
            "subword:ged>",
        ] {
            assert!(
                names.iter().any(|n| n == expected),
                "{expected} missing from {names:?}"
            );
        }
        // Punctuation ends word pairs.
        assert!(!names.iter().any(|n| n == "twice again"), "{names:?}");
    }

    #[test]
    fn placeholders_and_mixed_text() {
        let names = names("<phone>打不通 wifi");
        assert!(names.iter().any(|n| n == "<phone>"), "{names:?}");
        assert!(names.iter().any(|n| n == "打不通"), "{names:?}");
        assert!(names.iter().any(|n| n == "wifi"), "{names:?}");
    }

    #[test]
    fn hash_is_fixed() {
        // FNV-1a 64 of "c" then "宽": pinned so that a change of hash, which
        // would silently break saved models, fails here.
        assert_eq!(fnv(KIND_CHAR, &["宽"]), {
            let mut h = FNV_OFFSET;
            for b in [b'c', 0xe5, 0xae, 0xbd] {
                h ^= u64::from(b);
                h = h.wrapping_mul(FNV_PRIME);
            }
            h
        });
        assert_eq!(fnv(KIND_WORD, &["a"]), 633695863195904373);
    }

    #[test]
    fn vectors_are_unit_length_and_empty_text_has_the_bias() {
        let config = FeatureConfig::default();
        let features = extract(&config, "费用 费用 费用 charge", false, &[]).features;
        let norm: f32 = features.iter().map(|f| f.value * f.value).sum();
        assert!((norm - 1.0).abs() < 1e-5);
        assert_eq!(extract(&config, "", false, &[]).features.len(), 1);
    }
}
