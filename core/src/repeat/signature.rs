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
        let chars: Vec<char> = crate::text::normalize(text)
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect();
        if chars.is_empty() {
            return None;
        }
        let mut hashes: Vec<u64> = if chars.len() < SHINGLE {
            vec![hash_chars(&chars)]
        } else {
            chars.windows(SHINGLE).map(hash_chars).collect()
        };
        hashes.sort_unstable();
        hashes.dedup();
        let mut weights = [0i32; 64];
        for hash in &hashes {
            for (bit, weight) in weights.iter_mut().enumerate() {
                if hash >> bit & 1 == 1 {
                    *weight += 1;
                } else {
                    *weight -= 1;
                }
            }
        }
        let bits = weights
            .iter()
            .enumerate()
            .filter(|(_, weight)| **weight > 0)
            .fold(0u64, |acc, (bit, _)| acc | 1 << bit);
        Some(TextSignature(bits))
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
