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
    /// Subword n-grams are taken from the first this-many words of a text
    /// only (0: from every word). They make short complaints robust to
    /// inflection and misspelling, but they are most of the features of a
    /// long narrative, where its words and word pairs already say enough.
    /// Models saved before this option existed take subwords from every
    /// word.
    #[serde(default = "default_subword_words")]
    pub subword_words: u16,
    /// The number of hash buckets is `2^hash_bits`.
    pub hash_bits: u8,
    /// Weigh each feature by its inverse document frequency in the training
    /// data (`ln((1 + n) / (1 + df)) + 1`, per hash bucket), so words every
    /// complaint uses count less than the ones that tell categories apart.
    pub idf: bool,
}

/// The default [`FeatureConfig::subword_words`], chosen on the CFPB
/// narratives (over 1000 characters of English on average) by
/// `examples/classify_features.rs`: 128 kept the cross-validated accuracy of
/// subwords from every word and classified 11% faster; 64 and 32 were
/// 21–25% faster but lost half a point. Complaints of a few sentences are
/// not affected.
const SUBWORD_WORDS: u16 = 128;

fn default_subword_words() -> u16 {
    SUBWORD_WORDS
}

/// [`FeatureConfig`] as model formats 1 and 2 saved it (before
/// `subword_words`): subwords from every word.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SavedFeatureConfigV2 {
    pub char_ngrams: (u8, u8),
    pub word_ngrams: (u8, u8),
    pub word_prefix: u8,
    pub subword_ngrams: (u8, u8),
    pub hash_bits: u8,
    pub idf: bool,
}

impl From<SavedFeatureConfigV2> for FeatureConfig {
    fn from(saved: SavedFeatureConfigV2) -> Self {
        FeatureConfig {
            char_ngrams: saved.char_ngrams,
            word_ngrams: saved.word_ngrams,
            word_prefix: saved.word_prefix,
            subword_ngrams: saved.subword_ngrams,
            subword_words: 0,
            hash_bits: saved.hash_bits,
            idf: saved.idf,
        }
    }
}

impl Default for FeatureConfig {
    fn default() -> Self {
        FeatureConfig {
            // Chosen by `examples/classify_features.rs`: character
            // trigrams and subword 4-grams cost a fifth of the speed and
            // were no more accurate on held-out text.
            char_ngrams: (1, 2),
            word_ngrams: (1, 2),
            word_prefix: 5,
            subword_ngrams: (3, 3),
            subword_words: SUBWORD_WORDS,
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

/// One hashed feature with its value: a damped count, and in a model's
/// vectors weighed by idf and L2-normalised.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Feature {
    pub bucket: u32,
    pub value: f32,
}

/// What a feature is, for explanations; building one costs nothing, and
/// the hot path never formats it.
enum Name<'a> {
    Bias,
    Chars(&'a str),
    Words(&'a [&'a str]),
    Prefix(&'a str),
    Subword(&'a str),
}

impl Name<'_> {
    fn render(&self) -> String {
        match self {
            Name::Bias => "bias".to_owned(),
            Name::Chars(chars) => (*chars).to_owned(),
            Name::Words(words) => words.join(" "),
            Name::Prefix(prefix) => format!("prefix:{prefix}"),
            Name::Subword(subword) => format!("subword:{subword}"),
        }
    }
}

/// FNV-1a continued over `bytes`.
#[inline(always)]
fn fnv_eat(mut hash: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(FNV_PRIME);
    }
    hash
}

#[inline(always)]
fn fnv_start(kind: u8) -> u64 {
    fnv_eat(FNV_OFFSET, &[kind])
}

fn fnv(kind: u8, parts: &[&str]) -> u64 {
    let mut hash = fnv_start(kind);
    for (index, part) in parts.iter().enumerate() {
        if index > 0 {
            hash = fnv_eat(hash, b" ");
        }
        hash = fnv_eat(hash, part.as_bytes());
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

/// Calls `each` with the pieces of `text` in order.
fn pieces<'a>(text: &'a str, mut each: impl FnMut(Piece<'a>)) {
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
            each(Piece::Run(&text[start..end]));
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
                    each(Piece::Word(&text[start..end]));
                }
                _ => each(Piece::Break),
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
            each(Piece::Word(word));
        } else if !c.is_whitespace() {
            each(Piece::Break);
        }
    }
}

/// Emits the hash of every feature of `text` (with repeats, unordered) to
/// `sink`, with a name that only explanations render.
///
/// Every n-gram's hash continues the hash of the (n−1)-gram that starts
/// where it does, which gives exactly [`fnv`] of the n-gram at a fraction of
/// the work.
fn enumerate(config: &FeatureConfig, text: &str, sink: &mut impl FnMut(u64, Name<'_>)) {
    sink(fnv_start(KIND_BIAS), Name::Bias);
    let (char_lo, char_hi) = (
        usize::from(config.char_ngrams.0),
        usize::from(config.char_ngrams.1),
    );
    let (word_lo, word_hi) = (
        usize::from(config.word_ngrams.0),
        usize::from(config.word_ngrams.1),
    );
    let (sub_lo, sub_hi) = (
        usize::from(config.subword_ngrams.0),
        usize::from(config.subword_ngrams.1),
    );
    let prefix = usize::from(config.word_prefix);
    let mut words: Vec<&str> = Vec::new();
    let flush_words = |words: &mut Vec<&str>, sink: &mut dyn FnMut(u64, Name<'_>)| {
        for start in 0..words.len() {
            let mut hash = fnv_start(KIND_WORD);
            for n in 1..=word_hi.min(words.len() - start) {
                if n > 1 {
                    hash = fnv_eat(hash, b" ");
                }
                hash = fnv_eat(hash, words[start + n - 1].as_bytes());
                if n >= word_lo {
                    sink(hash, Name::Words(&words[start..start + n]));
                }
            }
        }
        words.clear();
    };
    let subword_words = match config.subword_words {
        0 => usize::MAX,
        words => usize::from(words),
    };
    let mut words_seen = 0usize;
    let mut marked = String::new();
    let mut boundaries: Vec<usize> = Vec::new();
    pieces(text, |piece| match piece {
        Piece::Word(word) => {
            words.push(word);
            words_seen += 1;
            let alphabetic = word.bytes().all(|b| b.is_ascii_alphabetic());
            if sub_hi > 0 && alphabetic && words_seen <= subword_words {
                marked.clear();
                marked.push('<');
                marked.push_str(word);
                marked.push('>');
                let bytes = marked.as_bytes();
                let len = bytes.len();
                for start in 0..len {
                    let mut hash = fnv_start(KIND_SUBWORD);
                    for n in 1..=sub_hi.min(len - 1).min(len - start) {
                        hash = fnv_eat(hash, &bytes[start + n - 1..start + n]);
                        if n >= sub_lo {
                            sink(hash, Name::Subword(&marked[start..start + n]));
                        }
                    }
                }
            }
            if prefix > 0 && word.len() > prefix && alphabetic {
                sink(
                    fnv(KIND_PREFIX, &[&word[..prefix]]),
                    Name::Prefix(&word[..prefix]),
                );
            }
        }
        Piece::Break => flush_words(&mut words, &mut *sink),
        Piece::Run(run) => {
            flush_words(&mut words, &mut *sink);
            boundaries.clear();
            boundaries.extend(run.char_indices().map(|(i, _)| i));
            boundaries.push(run.len());
            let chars = boundaries.len() - 1;
            for start in 0..chars {
                let mut hash = fnv_start(KIND_CHAR);
                for n in 1..=char_hi.min(chars - start) {
                    hash = fnv_eat(
                        hash,
                        &run.as_bytes()[boundaries[start + n - 1]..boundaries[start + n]],
                    );
                    if n >= char_lo {
                        sink(hash, Name::Chars(&run[boundaries[start]..boundaries[start + n]]));
                    }
                }
            }
        }
    });
    flush_words(&mut words, &mut *sink);
}

/// The features of already normalised text: each hash bucket once, in
/// the order it first occurs, with its damped count `1 + ln(count)` (not
/// yet weighed or normalised). `scratch` is reused between calls to save
/// allocations.
pub(crate) fn extract(config: &FeatureConfig, text: &str, scratch: &mut Vec<u32>) -> Vec<Feature> {
    let mask = (config.buckets() - 1) as u64;
    scratch.clear();
    enumerate(config, text, &mut |hash, _| scratch.push((hash & mask) as u32));
    crate::distinct::count_distinct(scratch)
        .into_iter()
        .map(|(bucket, count)| Feature {
            bucket,
            value: if count > 1 { 1.0 + (count as f32).ln() } else { 1.0 },
        })
        .collect()
}

/// `(bucket, name)` of every feature of already normalised text, sorted
/// and without repeats (for explanations).
pub(crate) fn feature_names(config: &FeatureConfig, text: &str) -> Vec<(u32, String)> {
    let mask = (config.buckets() - 1) as u64;
    let mut names = Vec::new();
    enumerate(config, text, &mut |hash, name| {
        names.push(((hash & mask) as u32, name.render()));
    });
    names.sort();
    names.dedup();
    names
}

/// The name [`feature_names`] gives `bucket` in already normalised text
/// (the least of the names hashed there), rendering no other name.
pub(crate) fn feature_name(config: &FeatureConfig, text: &str, bucket: u32) -> Option<String> {
    let mask = (config.buckets() - 1) as u64;
    let mut least: Option<String> = None;
    enumerate(config, text, &mut |hash, name| {
        if (hash & mask) as u32 == bucket {
            let name = name.render();
            if least.as_ref().is_none_or(|least| name < *least) {
                least = Some(name);
            }
        }
    });
    least
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

    /// Names under a wide configuration (trigrams, subword 3- and 4-grams),
    /// so the tests see every kind of feature.
    fn names(text: &str) -> Vec<String> {
        let config = FeatureConfig {
            char_ngrams: (1, 3),
            subword_ngrams: (3, 4),
            ..FeatureConfig::default()
        };
        feature_names(&config, text).into_iter().map(|(_, n)| n).collect()
    }

    #[test]
    fn incremental_hashes_equal_the_hash_of_each_feature() {
        let config = FeatureConfig {
            char_ngrams: (1, 3),
            subword_ngrams: (3, 4),
            ..FeatureConfig::default()
        };
        let mask = (config.buckets() - 1) as u64;
        let text = "宽带断网 charged twice, <phone> 又扣费 wifi";
        let mut hashes = Vec::new();
        enumerate(&config, text, &mut |hash, name| {
            let (kind, parts): (u8, Vec<&str>) = match name {
                Name::Bias => (KIND_BIAS, vec![]),
                Name::Chars(c) => (KIND_CHAR, vec![c]),
                Name::Words(w) => (KIND_WORD, w.to_vec()),
                Name::Prefix(p) => (KIND_PREFIX, vec![p]),
                Name::Subword(s) => (KIND_SUBWORD, vec![s]),
            };
            assert_eq!(hash, fnv(kind, &parts), "{parts:?}");
            hashes.push((hash & mask) as u32);
        });
        let buckets: Vec<u32> = feature_names(&config, text).iter().map(|(b, _)| *b).collect();
        hashes.sort_unstable();
        hashes.dedup();
        let mut distinct = buckets.clone();
        distinct.dedup();
        assert_eq!(hashes, distinct);
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
    fn the_name_of_a_bucket_is_the_least_feature_names_gives_it() {
        // Ten bits make buckets collide, so some have several names.
        let config = FeatureConfig {
            hash_bits: 10,
            ..FeatureConfig::default()
        };
        let text = "宽带断网 charged twice, <phone> 又扣费 wifi 网速太慢了 roaming fees";
        let names = feature_names(&config, text);
        assert!(
            names.windows(2).any(|pair| pair[0].0 == pair[1].0),
            "no collision to test"
        );
        for (bucket, name) in &names {
            let least = names.iter().find(|(b, _)| b == bucket).map(|(_, n)| n);
            assert_eq!(feature_name(&config, text, *bucket).as_ref(), least, "{name}");
        }
        let unused = (0..1024)
            .find(|b| names.iter().all(|(bucket, _)| bucket != b))
            .unwrap();
        assert_eq!(feature_name(&config, text, unused), None);
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
    fn counts_are_damped_normalised_vectors_unit_length_and_empty_text_has_the_bias() {
        let config = FeatureConfig::default();
        let mut scratch = Vec::new();
        let mut features = extract(&config, "费用 费用 费用 charge", &mut scratch);
        let mask = (config.buckets() - 1) as u64;
        let fee = (fnv(KIND_CHAR, &["费用"]) & mask) as u32;
        let fee = features.iter().find(|f| f.bucket == fee).unwrap();
        assert!((fee.value - (1.0 + 3f32.ln())).abs() < 1e-6);
        let mut buckets: Vec<u32> = features.iter().map(|f| f.bucket).collect();
        buckets.sort_unstable();
        buckets.dedup();
        assert_eq!(buckets.len(), features.len(), "each bucket once");
        normalise(&mut features);
        let norm: f32 = features.iter().map(|f| f.value * f.value).sum();
        assert!((norm - 1.0).abs() < 1e-5);
        assert_eq!(extract(&config, "", &mut scratch).len(), 1);
    }
}
