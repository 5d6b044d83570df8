//! Compact text signatures for "same issue" by text similarity.

use serde::{Deserialize, Serialize};

/// Characters per shingle.
const SHINGLE: usize = 3;

/// A 64-bit SimHash of a complaint text: all the detector keeps of the text.
///
/// The text goes through [`crate::text::normalize`]; letters and digits
/// (including CJK characters) are kept and everything else is dropped; the
/// signature is the SimHash of the set of its 3-character shingles (a text
/// of one or two characters is one shingle). The similarity of two
/// signatures is `1 - d / 64` for their Hamming distance `d`: 1.0 for the same
/// wording, about 0.5 for unrelated texts.
///
/// ```
/// use custinsight::repeat::TextSignature;
/// let a = TextSignature::of("宽带又断网了，已经第三次了").unwrap();
/// let b = TextSignature::of("宽带又断网了 已经第三次了!!").unwrap();
/// let c = TextSignature::of("Roaming charges on my bill are wrong").unwrap();
/// assert_eq!(a.similarity(b), 1.0);
/// assert!(a.similarity(c) < 0.75);
/// assert!(TextSignature::of("  ...  ").is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TextSignature(pub u64);

impl TextSignature {
    /// The signature of `text`, or `None` when it has no letter or digit.
    pub fn of(text: &str) -> Option<TextSignature> {
        let normalized = crate::text::normalize(text);
        let hashes = distinct(shingle_hashes(&normalized));
        if hashes.is_empty() {
            return None;
        }
        Some(TextSignature(simhash(&hashes)))
    }

    /// Number of differing bits, 0 to 64.
    pub fn distance(self, other: TextSignature) -> u32 {
        (self.0 ^ other.0).count_ones()
    }

    /// Similarity in `[0, 1]`: `1 - distance / 64`.
    pub fn similarity(self, other: TextSignature) -> f32 {
        similarity_of_distance(self.distance(other))
    }
}

/// Hashes of the 3-character shingles of the letters and digits of `text`
/// (one shingle of all of them when there are fewer than 3).
fn shingle_hashes(text: &str) -> Vec<u64> {
    let mut kept = text.chars().filter(|c| c.is_alphanumeric());
    let mut window = ['\0'; SHINGLE];
    let mut filled = 0;
    let mut hashes = Vec::with_capacity(text.len());
    for c in kept.by_ref() {
        if filled < SHINGLE {
            window[filled] = c;
            filled += 1;
            if filled == SHINGLE {
                hashes.push(hash_chars(&window));
            }
        } else {
            window = [window[1], window[2], c];
            hashes.push(hash_chars(&window));
        }
    }
    if (1..SHINGLE).contains(&filled) {
        hashes.push(hash_chars(&window[..filled]));
    }
    hashes
}

/// `hashes` without repeats, each where it first occurs (a narrative has a
/// thousand shingles: counting them through a table is linear, where
/// sorting was not).
fn distinct(hashes: Vec<u64>) -> Vec<u64> {
    crate::distinct::count_distinct(&hashes)
        .into_iter()
        .map(|(hash, _)| hash)
        .collect()
}

/// `EXPAND[b]` has byte `i` equal to bit `i` of `b`.
const EXPAND: [u64; 256] = {
    let mut table = [0u64; 256];
    let mut b = 0;
    while b < 256 {
        let mut i = 0;
        while i < 8 {
            table[b] |= ((b as u64 >> i) & 1) << (8 * i);
            i += 1;
        }
        b += 1;
    }
    table
};

/// SimHash of distinct hashes: bit `k` is set when more than half of the
/// hashes have it set. Counts eight bit positions per addition, in byte
/// lanes flushed before they can overflow.
fn simhash(hashes: &[u64]) -> u64 {
    let mut ones = [0u32; 64];
    for chunk in hashes.chunks(255) {
        let mut lanes = [0u64; 8];
        for &hash in chunk {
            for (j, lane) in lanes.iter_mut().enumerate() {
                *lane += EXPAND[(hash >> (8 * j) & 0xff) as usize];
            }
        }
        for (j, lane) in lanes.iter().enumerate() {
            for i in 0..8 {
                ones[8 * j + i] += (lane >> (8 * i) & 0xff) as u32;
            }
        }
    }
    let n = hashes.len() as u32;
    ones.iter()
        .enumerate()
        .filter(|&(_, &count)| 2 * count > n)
        .fold(0u64, |acc, (bit, _)| acc | 1 << bit)
}

pub(crate) fn similarity_of_distance(distance: u32) -> f32 {
    1.0 - distance as f32 / 64.0
}

/// The largest Hamming distance whose similarity is at or above `threshold`.
pub(crate) fn max_distance(threshold: f32) -> u32 {
    (0..=64u32)
        .take_while(|&d| similarity_of_distance(d) >= threshold)
        .last()
        .unwrap_or(0)
}

/// FNV-1a over the code points, then the splitmix64 finaliser so that every
/// output bit depends on every input bit. Fixed constants: signatures in a
/// snapshot stay valid across releases and platforms.
fn hash_chars(chars: &[char]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &c in chars {
        for byte in (c as u32).to_le_bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash = (hash ^ (hash >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    hash = (hash ^ (hash >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    hash ^ (hash >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition, bit by bit: +1 for a set bit, -1 for a clear one.
    fn simhash_by_definition(hashes: &[u64]) -> u64 {
        let mut weights = [0i64; 64];
        for hash in hashes {
            for (bit, weight) in weights.iter_mut().enumerate() {
                *weight += if hash >> bit & 1 == 1 { 1 } else { -1 };
            }
        }
        (0..64)
            .filter(|&bit| weights[bit] > 0)
            .fold(0, |acc, bit| acc | 1 << bit)
    }

    #[test]
    fn packed_counting_equals_the_definition() {
        let mut state = 0x1234_5678_9abc_def0u64;
        for n in [1usize, 2, 3, 17, 254, 255, 256, 600] {
            let hashes: Vec<u64> = (0..n)
                .map(|_| {
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    state ^ state >> 29
                })
                .collect();
            assert_eq!(simhash(&hashes), simhash_by_definition(&hashes), "n = {n}");
        }
        assert_eq!(simhash(&[u64::MAX; 300]), u64::MAX);
    }

    proptest::proptest! {
        /// The signature is that of the set of shingles: dropping repeats
        /// through the table gives what sorting and deduplicating gave.
        #[test]
        fn distinct_keeps_each_hash_once(hashes in proptest::collection::vec(0u64..40, 0..300)) {
            let mut sorted = hashes.clone();
            sorted.sort_unstable();
            sorted.dedup();
            let mut kept = distinct(hashes);
            kept.sort_unstable();
            proptest::prop_assert_eq!(kept, sorted);
        }
    }

    #[test]
    fn signatures_are_those_of_sorted_distinct_shingles() {
        // Snapshots keep signatures, so deduplicating through the table must
        // sign every text exactly as sorting did.
        for text in [
            "宽带又断网了，已经第三次了",
            "Roaming charges on my bill are wrong",
            "again again again again again again",
            "話費 扣了 30元 again, 第二次 call 10086",
            "ab",
            "x",
        ] {
            let normalized = crate::text::normalize(text);
            let mut sorted = shingle_hashes(&normalized);
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(
                TextSignature::of(text),
                Some(TextSignature(simhash(&sorted))),
                "{text}"
            );
        }
    }

    #[test]
    fn shingles_are_letters_and_digits_three_at_a_time() {
        let chars = |s: &str| s.chars().collect::<Vec<_>>();
        assert_eq!(shingle_hashes("a-b c"), vec![hash_chars(&chars("abc"))]);
        assert_eq!(
            shingle_hashes("abcd"),
            vec![hash_chars(&chars("abc")), hash_chars(&chars("bcd"))]
        );
        assert_eq!(shingle_hashes("ab!"), vec![hash_chars(&chars("ab"))]);
        assert!(shingle_hashes("!?").is_empty());
    }

    #[test]
    fn threshold_to_distance() {
        assert_eq!(max_distance(0.75), 16);
        assert_eq!(max_distance(1.0), 0);
        assert_eq!(max_distance(0.74), 16);
        assert_eq!(max_distance(0.76), 15);
        assert_eq!(max_distance(0.01), 63);
    }

    #[test]
    fn normalisation_and_punctuation_do_not_matter() {
        let a = TextSignature::of("ＡＢＣ宽带断网").unwrap();
        let b = TextSignature::of("abc 宽带 断网。").unwrap();
        assert_eq!(a, b);
        assert_eq!(
            TextSignature::of("宽").unwrap(),
            TextSignature::of("宽!").unwrap()
        );
    }

    #[test]
    fn near_wordings_are_close_and_unrelated_ones_far() {
        let a = TextSignature::of("my home broadband keeps dropping every evening since monday").unwrap();
        let b =
            TextSignature::of("My home broadband keeps dropping every evening since Monday again").unwrap();
        let c = TextSignature::of("I was charged for a ringtone subscription I never ordered").unwrap();
        assert!(a.similarity(b) >= 0.75, "{}", a.similarity(b));
        assert!(a.similarity(c) < 0.75, "{}", a.similarity(c));
    }
}
