//! Text normalisation shared by complaint classification and repeat
//! detection: both must see the same text the same way.
//!
//! [`normalize`] applies, in order:
//!
//! 1. Unicode NFKC, so full-width letters, digits and punctuation become
//!    half-width (`ＡＢＣ１２３` → `abc123`);
//! 2. lower-case mapping (case folding of the letters that have a case);
//! 3. traditional → simplified Chinese, character by character
//!    (`寬頻斷線` → `宽频断线`);
//! 4. masking of the spans that identify a customer or a ticket rather than
//!    an issue, each replaced by one placeholder token:
//!    [`PHONE`] (7 to 13 digits, separators and a leading `+` allowed),
//!    [`AMOUNT`] (a number with a currency sign or unit: `¥58`, `30元`,
//!    `$20.50`, `15 dollars`), [`DATE`] (`2026-11-02`, `11/02/23`,
//!    `11月2日`, `2026年11月`) and [`TICKET`] (a token mixing letters and at
//!    least four digits, or 14 or more digits).
//!
//! Short service numbers such as `10086` or `12300` are kept: they are
//! meaningful words of a complaint (the second is the regulator's hotline).

use unicode_normalization::char::canonical_combining_class;
use unicode_normalization::UnicodeNormalization;

/// Placeholder for a masked phone number.
pub const PHONE: &str = "<phone>";
/// Placeholder for a masked amount of money.
pub const AMOUNT: &str = "<amount>";
/// Placeholder for a masked date.
pub const DATE: &str = "<date>";
/// Placeholder for a masked ticket or order number.
pub const TICKET: &str = "<ticket>";

/// Normalises complaint text before features are taken from it: NFKC,
/// lower case, traditional → simplified Chinese, and masking of phone
/// numbers, amounts, dates and ticket numbers (see the [module
/// documentation](self)).
///
/// ```
/// use custinsight::text::normalize;
/// assert_eq!(normalize("ＡＢＣ 寬頻"), "abc 宽频");
/// assert_eq!(normalize("Call 138-1234-5678 about ¥58"), "call <phone> about <amount>");
/// assert_eq!(normalize("2026年11月2日扣了30元"), "<date>扣了<amount>");
/// assert_eq!(normalize("工单TK2026110201还没处理"), "工单<ticket>还没处理");
/// ```
pub fn normalize(text: &str) -> String {
    normalize_tracking::<false>(text).text
}

/// Normalised text together with, for every byte of it, the byte range of
/// the original text it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mapped {
    /// The normalised text, as [`normalize`] returns it.
    pub text: String,
    /// `origin[i]` is the original byte range of normalised byte `i`.
    pub origin: Vec<(usize, usize)>,
}

impl Mapped {
    /// The original byte range of the normalised byte range `start..end`.
    pub fn original_range(&self, start: usize, end: usize) -> (usize, usize) {
        if start >= end || end > self.origin.len() {
            return (0, 0);
        }
        (self.origin[start].0, self.origin[end - 1].1)
    }
}

/// [`normalize`], keeping track of where each output byte came from so that
/// spans found in normalised text can be shown in the original.
pub(crate) fn normalize_mapped(text: &str) -> Mapped {
    normalize_tracking::<true>(text)
}

/// The normaliser, keeping `origin` only when `TRACK` (the signals need it;
/// features and text signatures do not, and skip its cost).
fn normalize_tracking<const TRACK: bool>(text: &str) -> Mapped {
    if text.is_ascii() {
        normalize_ascii::<TRACK>(text)
    } else {
        normalize_any::<TRACK>(text)
    }
}

/// [`normalize_tracking`] of any text, char by char.
fn normalize_any<const TRACK: bool>(text: &str) -> Mapped {
    // Stage 1: NFKC and lower case, one composition group (a starter and
    // the combining marks after it) at a time so that every output char
    // knows its source range.
    let mut chars: Vec<char> = Vec::with_capacity(text.len());
    let mut spans: Vec<(usize, usize)> = Vec::with_capacity(if TRACK { text.len() } else { 0 });
    let mut iter = text.char_indices().peekable();
    while let Some((start, c)) = iter.next() {
        let mut end = start + c.len_utf8();
        while let Some(&(next_start, next)) = iter.peek() {
            if next.is_ascii() || is_unified_ideograph(next) || canonical_combining_class(next) == 0 {
                break;
            }
            end = next_start + next.len_utf8();
            iter.next();
        }
        let group = &text[start..end];
        if end == start + c.len_utf8() && is_unified_ideograph(c) {
            // Unified ideographs have no compatibility mapping and no case.
            chars.push(c);
            if TRACK {
                spans.push((start, end));
            }
        } else if group.is_ascii() {
            for b in group.bytes() {
                chars.push(char::from(b.to_ascii_lowercase()));
                if TRACK {
                    spans.push((start, end));
                }
            }
        } else {
            for normalised in group.nfkc() {
                for lower in normalised.to_lowercase() {
                    chars.push(lower);
                    if TRACK {
                        spans.push((start, end));
                    }
                }
            }
        }
    }
    // Stage 2: traditional → simplified, one char for one char. Most text
    // has no character the converter could change: skip it then.
    if chars.iter().any(|&c| may_convert(c)) {
        let joined: String = chars.iter().collect();
        let simplified = fast2s::convert(&joined);
        let converted: Vec<char> = simplified.chars().collect();
        if converted.len() == chars.len() {
            chars = converted;
        }
    }
    // Every mask holds an ASCII digit: without one, there is nothing to
    // look for.
    let maskable = chars.iter().any(char::is_ascii_digit);
    mask_spans::<char, TRACK>(&chars, maskable, |i| spans[i])
}

/// [`normalize_tracking`] of text that is all ASCII, byte by byte: NFKC
/// leaves ASCII as it is, its lower case is ASCII lower case, and no ASCII
/// character is traditional Chinese.
fn normalize_ascii<const TRACK: bool>(text: &str) -> Mapped {
    let lowered = text.as_bytes().to_ascii_lowercase();
    if !lowered.iter().any(u8::is_ascii_digit) {
        // Nothing to mask (every mask holds a digit): the text is the
        // lowered bytes.
        let origin = if TRACK {
            (0..lowered.len()).map(|i| (i, i + 1)).collect()
        } else {
            Vec::new()
        };
        let text = String::from_utf8(lowered).expect("ASCII lowered is ASCII");
        return Mapped { text, origin };
    }
    mask_spans::<u8, TRACK>(&lowered, true, |i| (i, i + 1))
}

/// Stage 3 of the normaliser: `chars` with their maskable spans replaced
/// by placeholders (looked for only when `maskable`); `span(i)` is the
/// original byte range of `chars[i]`.
fn mask_spans<T: Unit, const TRACK: bool>(
    chars: &[T],
    maskable: bool,
    span: impl Fn(usize) -> (usize, usize),
) -> Mapped {
    let mut out = Mapped {
        text: String::with_capacity(chars.len() * 3 + 8),
        origin: Vec::with_capacity(if TRACK { chars.len() + 8 } else { 0 }),
    };
    let mut i = 0;
    while i < chars.len() {
        if let Some((len, token)) = if maskable { mask_at(chars, i) } else { None } {
            out.text.push_str(token);
            if TRACK {
                let covered = (span(i).0, span(i + len - 1).1);
                out.origin.extend(std::iter::repeat_n(covered, token.len()));
            }
            i += len;
        } else {
            let c = chars[i].char();
            out.text.push(c);
            if TRACK {
                out.origin.extend(std::iter::repeat_n(span(i), c.len_utf8()));
            }
            i += 1;
        }
    }
    out
}

/// CJK unified ideographs: no compatibility mapping, no case, combining
/// class 0.
fn is_unified_ideograph(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF)
}

/// Which of U+0000..=U+FFFF traditional → simplified conversion can change,
/// one bit per character (tabulated from `fast2s` by `core/build.rs`).
static CONVERTIBLE: &[u8; 0x10000 / 8] = include_bytes!(concat!(env!("OUT_DIR"), "/convertible.bin"));

/// Whether `fast2s` may turn `c` into another character (in some context).
fn may_convert(c: char) -> bool {
    let code = c as usize;
    code < 0x10000 && CONVERTIBLE[code / 8] & (1 << (code % 8)) != 0
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// A character of the text being masked: a `char`, or a byte of text that
/// is all ASCII (read as bytes, it takes a quarter of the memory and needs
/// no decoding).
trait Unit: Copy {
    fn char(self) -> char;
}

impl Unit for char {
    #[inline(always)]
    fn char(self) -> char {
        self
    }
}

impl Unit for u8 {
    #[inline(always)]
    fn char(self) -> char {
        char::from(self)
    }
}

/// The character at `i`, if any.
#[inline(always)]
fn at<T: Unit>(chars: &[T], i: usize) -> Option<char> {
    chars.get(i).map(|c| c.char())
}

/// Whether the character at `i` is a word character.
fn word_char_at<T: Unit>(chars: &[T], i: usize) -> bool {
    at(chars, i).is_some_and(is_word_char)
}

fn digit_at<T: Unit>(chars: &[T], i: usize) -> bool {
    at(chars, i).is_some_and(|c| c.is_ascii_digit())
}

/// The length of a maskable span starting at `i`, and its placeholder.
/// Most characters cannot start one: they are turned away here, inline,
/// before the rules are looked at.
#[inline(always)]
fn mask_at<T: Unit>(chars: &[T], i: usize) -> Option<(usize, &'static str)> {
    let c = chars[i].char();
    let may_start = if c.is_ascii_alphanumeric() {
        // Letters and digits start a mask only at a token boundary.
        i == 0 || {
            let prev = chars[i - 1].char();
            !(is_word_char(prev) || prev == '.')
        }
    } else {
        is_currency_sign(c) || c == '+'
    };
    if may_start {
        mask_at_boundary(chars, i, c)
    } else {
        None
    }
}

/// A sign that starts an amount (`¥30`, `$5`).
fn is_currency_sign(c: char) -> bool {
    matches!(c, '¥' | '$' | '￥' | '€' | '£')
}

/// [`mask_at`] for a character `c` at `i` that may start a mask.
fn mask_at_boundary<T: Unit>(chars: &[T], i: usize, c: char) -> Option<(usize, &'static str)> {
    if is_currency_sign(c) {
        let len = number_len(chars, i + 1, true);
        if len > 0 {
            return Some((1 + len, AMOUNT));
        }
        return None;
    }
    if c == '+' && digit_at(chars, i + 1) {
        let (len, digits) = phone_len(chars, i + 1);
        if (7..=15).contains(&digits) && !word_char_at(chars, i + 1 + len) {
            return Some((1 + len, PHONE));
        }
        return None;
    }
    if c.is_ascii_alphabetic() {
        // Currency words before a number: "rmb 30", "usd20".
        for word in ["rmb", "usd", "cny"] {
            if starts_with(chars, i, word) {
                let mut j = i + word.len();
                while at(chars, j) == Some(' ') {
                    j += 1;
                }
                let len = number_len(chars, j, true);
                if len > 0 && !word_char_at(chars, j + len) {
                    return Some((j + len - i, AMOUNT));
                }
            }
        }
        // A ticket-like token: letters and at least four digits.
        let mut j = i;
        let mut digits = 0;
        while j < chars.len() && (chars[j].char().is_ascii_alphanumeric() || chars[j].char() == '-') {
            digits += usize::from(chars[j].char().is_ascii_digit());
            j += 1;
        }
        while j > i && chars[j - 1].char() == '-' {
            j -= 1;
        }
        if digits >= 4 && j - i >= 6 {
            return Some((j - i, TICKET));
        }
        return None;
    }
    if !c.is_ascii_digit() {
        return None;
    }
    if let Some(len) = date_len(chars, i) {
        return Some((len, DATE));
    }
    // A number followed by a currency unit.
    let len = number_len(chars, i, true);
    let mut j = i + len;
    let had_space = at(chars, j) == Some(' ');
    if had_space {
        j += 1;
    }
    if let Some(unit) = currency_unit_len(chars, j, had_space) {
        return Some((j + unit - i, AMOUNT));
    }
    // Letters right after the digits: a ticket such as 2026ab1234.
    let mut k = i;
    let mut digits = 0;
    let mut letters = 0;
    while k < chars.len() && chars[k].char().is_ascii_alphanumeric() {
        if chars[k].char().is_ascii_digit() {
            digits += 1;
        } else {
            letters += 1;
        }
        k += 1;
    }
    if letters > 0 && digits >= 4 && k - i >= 6 && !is_ordinal_suffix(&chars[i..k]) {
        return Some((k - i, TICKET));
    }
    let (len, digits) = phone_len(chars, i);
    if word_char_at(chars, i + len) {
        return None;
    }
    if digits >= 14 {
        return Some((len, TICKET));
    }
    if digits >= 7 {
        return Some((len, PHONE));
    }
    None
}

fn is_ordinal_suffix<T: Unit>(token: &[T]) -> bool {
    let s: String = token.iter().map(|c| c.char()).collect();
    let digits = s.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let suffix = &s[digits.len()..];
    matches!(
        suffix,
        "st" | "nd" | "rd" | "th" | "gb" | "mb" | "kb" | "m" | "g" | "mbps" | "gbps" | "am" | "pm"
    )
}

fn starts_with<T: Unit>(chars: &[T], i: usize, word: &str) -> bool {
    (i..).zip(word.chars()).all(|(j, w)| at(chars, j) == Some(w))
}

/// Length of a number (`1234`, `1,234.50`) at `i`, or 0.
fn number_len<T: Unit>(chars: &[T], i: usize, allow_decimals: bool) -> usize {
    let mut j = i;
    while j < chars.len() {
        let c = chars[j].char();
        let separator = (c == ',' || (c == '.' && allow_decimals)) && j > i && digit_at(chars, j + 1);
        if !(c.is_ascii_digit() || separator) {
            break;
        }
        j += 1;
    }
    j - i
}

/// Length of a currency unit at `i` (`元`, `块钱`, ` dollars`), if any.
fn currency_unit_len<T: Unit>(chars: &[T], i: usize, after_space: bool) -> Option<usize> {
    const CJK_UNITS: [&str; 6] = ["块钱", "元", "块", "毛", "角", "刀"];
    const WORD_UNITS: [&str; 8] = ["dollars", "dollar", "bucks", "yuan", "rmb", "usd", "cny", "eur"];
    if !after_space {
        for unit in CJK_UNITS {
            if starts_with(chars, i, unit) {
                return Some(unit.chars().count());
            }
        }
    }
    for unit in WORD_UNITS {
        let n = unit.len();
        if starts_with(chars, i, unit) && !word_char_at(chars, i + n) {
            return Some(n);
        }
    }
    None
}

/// Length of a phone-number-like run at `i` (digits with single spaces,
/// hyphens or dots between groups) and its digit count.
fn phone_len<T: Unit>(chars: &[T], i: usize) -> (usize, usize) {
    let mut j = i;
    let mut end = i;
    let mut digits = 0;
    while j < chars.len() {
        let c = chars[j].char();
        if c.is_ascii_digit() {
            digits += 1;
            j += 1;
            end = j;
        } else if matches!(c, ' ' | '-' | '.') && j > i && digit_at(chars, j + 1) {
            j += 1;
        } else {
            break;
        }
    }
    (end - i, digits)
}

fn digit_run<T: Unit>(chars: &[T], i: usize) -> usize {
    chars[i.min(chars.len())..]
        .iter()
        .take_while(|c| c.char().is_ascii_digit())
        .count()
}

/// Length of a date at `i`: `2026-11-02`, `2026/11/2`, `11/02/23`,
/// `2026.11.02`, `11月2日`, `2026年11月3日`, `2026年11月`, `11月2号`.
fn date_len<T: Unit>(chars: &[T], i: usize) -> Option<usize> {
    let a = digit_run(chars, i);
    if a == 0 {
        return None;
    }
    // Numeric dates with separators.
    if let Some(sep) = at(chars, i + a) {
        if matches!(sep, '-' | '/' | '.') && (1..=4).contains(&a) {
            let b_start = i + a + 1;
            let b = digit_run(chars, b_start);
            if (1..=2).contains(&b) && at(chars, b_start + b) == Some(sep) {
                let c_start = b_start + b + 1;
                let c = digit_run(chars, c_start);
                let plausible = (a == 4 && (1..=2).contains(&c)) || (a <= 2 && (c == 2 || c == 4));
                if plausible && !word_char_at(chars, c_start + c) {
                    return Some(c_start + c - i);
                }
            }
            // 2026-11 (year and month).
            if a == 4 && (1..=2).contains(&b) && sep == '-' && !word_char_at(chars, b_start + b) {
                return Some(b_start + b - i);
            }
        }
    }
    // Chinese dates.
    let mut j = i;
    let mut parts = 0;
    let mut n = a;
    loop {
        let unit = at(chars, j + n);
        let ok = match unit {
            Some('年') => n == 4 && parts == 0,
            Some('月') => n <= 2,
            Some('日') | Some('号') => n <= 2 && parts > 0,
            _ => false,
        };
        if !ok {
            break;
        }
        j += n + 1;
        parts += 1;
        if matches!(unit, Some('日') | Some('号')) {
            break;
        }
        n = digit_run(chars, j);
        if n == 0 {
            break;
        }
    }
    if parts >= 2 || (parts == 1 && at(chars, j - 1) == Some('年')) {
        return Some(j - i);
    }
    if parts == 1 && at(chars, j - 1) == Some('月') {
        // "11月" alone: a month is a date too, "3个月" never reaches here.
        return Some(j - i);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_and_case() {
        assert_eq!(normalize("ＡＢＣ 宽带"), "abc 宽带");
        assert_eq!(normalize("ＷｉＦｉ断了"), "wifi断了");
        assert_eq!(normalize("É"), "é");
    }

    #[test]
    fn traditional_becomes_simplified() {
        assert_eq!(normalize("寬頻斷線，網速很慢"), "宽频断线,网速很慢");
        assert_eq!(normalize("話費亂扣"), "话费乱扣");
    }

    #[test]
    fn the_convertible_table_covers_what_fast2s_changes() {
        assert!(may_convert('寬') && may_convert('話') && may_convert('著'));
        assert!(!may_convert('宽') && !may_convert('a') && !may_convert('，'));
        // Context-dependent rules: the skip must never change an answer.
        for text in ["看著", "計畫", "慰藉", "藉口", "乾隆", "回覆", "宽带看著"] {
            let chars: String = text.chars().collect();
            assert_eq!(normalize(text), fast2s::convert(&chars), "{text}");
        }
    }

    #[test]
    fn masks_phones_amounts_dates_and_tickets() {
        assert_eq!(normalize("13812345678"), PHONE);
        assert_eq!(normalize("+86 138 1234 5678 打不通"), "<phone> 打不通");
        assert_eq!(normalize("010-12345678"), PHONE);
        assert_eq!(normalize("扣了58元"), "扣了<amount>");
        assert_eq!(normalize("扣了58.5块钱"), "扣了<amount>");
        assert_eq!(normalize("charged $20.50 twice"), "charged <amount> twice");
        assert_eq!(normalize("charged 15 dollars"), "charged <amount>");
        assert_eq!(normalize("rmb 30 gone"), "<amount> gone");
        assert_eq!(normalize("on 2026-11-02 and 11/02/23"), "on <date> and <date>");
        assert_eq!(normalize("11月2日"), DATE);
        assert_eq!(normalize("2026年11月"), DATE);
        assert_eq!(normalize("ticket TK2026110201"), "ticket <ticket>");
        assert_eq!(normalize("单号 20261102000012345"), "单号 <ticket>");
    }

    #[test]
    fn keeps_short_numbers_and_units() {
        assert_eq!(normalize("打了12300投诉"), "打了12300投诉");
        assert_eq!(normalize("10086"), "10086");
        assert_eq!(normalize("100m宽带只有10m"), "100m宽带只有10m");
        assert_eq!(normalize("3个月"), "3个月");
        assert_eq!(normalize("the 3rd time, 5g"), "the 3rd time, 5g");
    }

    #[test]
    fn origin_maps_back_to_the_original() {
        let original = "ＡＢ話費 13812345678 扣";
        let mapped = normalize_mapped(original);
        assert_eq!(mapped.text, "ab话费 <phone> 扣");
        assert_eq!(mapped.origin.len(), mapped.text.len());
        let start = mapped.text.find("话费").unwrap();
        let (s, e) = mapped.original_range(start, start + "话费".len());
        assert_eq!(&original[s..e], "話費");
        let start = mapped.text.find(PHONE).unwrap();
        let (s, e) = mapped.original_range(start, start + PHONE.len());
        assert_eq!(&original[s..e], "13812345678");
    }

    #[test]
    fn tracking_changes_nothing_but_the_origin() {
        for text in [
            "ＡＢ話費 13812345678 扣",
            "charged $20.50 on 2026-11-02",
            "寬頻 again",
            "",
            "e\u{301}x",
        ] {
            assert_eq!(normalize(text), normalize_mapped(text).text, "{text}");
        }
    }

    #[test]
    fn no_ascii_character_is_traditional_chinese() {
        assert!((0u8..0x80).all(|b| !may_convert(char::from(b))));
    }

    proptest::proptest! {
        /// The byte path for ASCII text answers exactly as the char path,
        /// spans included.
        #[test]
        fn ascii_text_normalises_byte_by_byte_as_char_by_char(
            text in "([a-zA-Z]{1,8}|[0-9]{1,14}|[ $+.,:/_'<>-]|rmb|usd|dollars|th|[0-9]{4}-[0-9]{2}-[0-9]{2}|\\+86 [0-9]{3} [0-9]{4} [0-9]{4}){0,24}"
        ) {
            let (fast, slow) = (normalize_ascii::<true>(&text), normalize_any::<true>(&text));
            proptest::prop_assert_eq!(&fast, &slow);
            proptest::prop_assert_eq!(normalize_ascii::<false>(&text).text, slow.text);
        }

        #[test]
        fn both_paths_agree_on_any_text(text in "[a-zA-Z0-9 ¥$+.,:/年月日号元寬頻话费ＡＢ１２\u{301}-]{0,40}") {
            let mapped = normalize_mapped(&text);
            proptest::prop_assert_eq!(&normalize(&text), &mapped.text);
            proptest::prop_assert_eq!(mapped.origin.len(), mapped.text.len());
        }
    }

    #[test]
    fn any_input_is_accepted() {
        for text in [
            "",
            "\u{0}\u{1}\u{7f}",
            "e\u{301}\u{301}",
            "\u{fffd}",
            "+",
            "$",
            "2026-",
            "1-1-",
            "年月日",
        ] {
            let mapped = normalize_mapped(text);
            assert_eq!(mapped.text.len(), mapped.origin.len());
        }
    }
}
