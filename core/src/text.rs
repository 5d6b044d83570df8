//! Text normalisation shared by complaint classification and repeat
//! detection: both must see the same text the same way.

use unicode_normalization::UnicodeNormalization;

/// Normalises complaint text before features are taken from it: Unicode NFKC
/// (full-width letters and digits become half-width) and case folding.
///
/// ```
/// assert_eq!(custinsight::text::normalize("ＡＢＣ 宽带"), "abc 宽带");
/// ```
pub fn normalize(text: &str) -> String {
    text.nfkc().flat_map(char::to_lowercase).collect()
}
