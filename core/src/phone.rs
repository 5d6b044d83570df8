//! Phone-number normalisation (domain spec section 4).
//!
//! Two records name the same customer when their normalised numbers are
//! equal, so every number that enters the library goes through
//! [`normalize_phone`] first.

use crate::error::{Error, Result};

/// Normalises a phone number to the digits-only form the library compares.
///
/// Rules, after the domain specification:
/// * separators (spaces, `-`, `.`, `/`, parentheses) are dropped; any other
///   non-digit character makes the number malformed;
/// * the Chinese country prefix `+86` / `0086` is removed; so is a bare `86`
///   in front of an 11-digit mobile number (`8613812345678`);
/// * a fixed-line number keeps its leading trunk zero, and gets it back when
///   it was written internationally (`+86 10 6552 9988` → `01065529988`);
/// * other countries keep their code behind an international `00` prefix
///   (`+1 202 555 0100` → `0012025550100`), so they never collide with
///   domestic numbers;
/// * service and short numbers of 3 to 8 digits (`10086`, `12315`,
///   `95588`, a local number without area code) are kept as they are.
///
/// ```
/// use custinsight::normalize_phone;
/// assert_eq!(normalize_phone("+86 138-1234-5678").unwrap(), "13812345678");
/// assert_eq!(normalize_phone("0086 13812345678").unwrap(), "13812345678");
/// assert_eq!(normalize_phone("(010) 6552 9988").unwrap(), "01065529988");
/// assert_eq!(normalize_phone("+86 10 6552 9988").unwrap(), "01065529988");
/// assert!(normalize_phone("138-1234-567x").is_err());
/// ```
///
/// # Errors
/// [`Error::InvalidField`] on field `phone` saying why the number is malformed.
pub fn normalize_phone(raw: &str) -> Result<String> {
    let malformed = |why: &str| Error::invalid("phone", format!("{raw:?} {why}"));
    let trimmed = raw.trim();
    let (international, rest) = match trimmed.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, trimmed),
    };
    let mut digits = String::with_capacity(rest.len());
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            // Full-width digits arrive from Chinese input methods.
            '０'..='９' => digits.push(char::from(b'0' + (c as u32 - '０' as u32) as u8)),
            ' ' | '-' | '.' | '/' | '(' | ')' | '\u{3000}' | '－' => {}
            _ => {
                return Err(malformed(&format!(
                    "contains {c:?}, which is not a digit or separator"
                )))
            }
        }
    }
    if digits.is_empty() {
        return Err(malformed("has no digits"));
    }

    // Split off an international prefix so that only the national part is
    // checked against the Chinese numbering plan.
    let international_part = if international {
        Some(digits.as_str())
    } else {
        digits.strip_prefix("00")
    };
    let national = match international_part {
        Some(number) => match number.strip_prefix("86") {
            Some(national) => national.to_owned(),
            None => {
                if !(7..=15).contains(&number.len()) || number.starts_with('0') {
                    return Err(malformed("is not a valid international number"));
                }
                return Ok(format!("00{number}"));
            }
        },
        None if digits.len() == 13 && digits.starts_with("861") => digits[2..].to_owned(),
        None => digits.clone(),
    };
    // A fixed line written internationally drops its trunk zero; put it back.
    let is_mobile = national.len() == 11 && national.starts_with('1');
    let national = if international_part.is_some() && !is_mobile && !national.starts_with('0') {
        format!("0{national}")
    } else {
        national
    };

    let len = national.len();
    let is_fixed_line = national.starts_with('0') && (10..=12).contains(&len);
    let is_service_number = international_part.is_none() && (3..=8).contains(&len);
    if is_mobile || is_fixed_line || is_service_number {
        Ok(national)
    } else if national.starts_with('1') && len > 8 {
        Err(malformed(&format!("has {len} digits; a mobile number has 11")))
    } else {
        Err(malformed(&format!(
            "has {len} digits; expected an 11-digit mobile, a 10-12 digit fixed line with area code, or a 3-8 digit service number"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn spec_examples() {
        for (raw, expected) in [
            ("13812345678", "13812345678"),
            ("+8613812345678", "13812345678"),
            ("008613812345678", "13812345678"),
            ("8613812345678", "13812345678"),
            ("+86 (138) 1234 5678", "13812345678"),
            ("１３８１２３４５６７８", "13812345678"),
            ("010-65529988", "01065529988"),
            ("0755 8888 1234", "075588881234"),
            ("+86 755 8888 1234", "075588881234"),
            ("0086-10-65529988", "01065529988"),
            ("10086", "10086"),
            ("12315", "12315"),
            ("+1 (202) 555-0100", "0012025550100"),
            ("0044 20 7946 0958", "00442079460958"),
        ] {
            assert_eq!(normalize_phone(raw).as_deref(), Ok(expected), "{raw}");
        }
    }

    #[test]
    fn malformed_numbers_are_rejected_with_a_reason() {
        for (raw, reason) in [
            ("", "no digits"),
            ("phone", "not a digit"),
            ("1381234567", "11"),
            ("138123456789", "11"),
            ("12", "expected"),
            ("+86 12", "expected"),
            ("13812345678 ext 5", "not a digit"),
        ] {
            let err = normalize_phone(raw).unwrap_err().to_string();
            assert!(err.starts_with("invalid phone:"), "{err}");
            assert!(err.contains(reason), "{raw}: {err}");
        }
    }

    proptest! {
        #[test]
        fn every_spelling_of_a_mobile_number_normalises_alike(
            tail in 0u64..10_000_000_000,
            prefix in prop::sample::select(vec!["", "+86", "0086", "86", "+86 "]),
            dash in any::<bool>(),
        ) {
            let national = format!("1{tail:010}");
            let body = if dash {
                format!("{}-{}-{}", &national[..3], &national[3..7], &national[7..])
            } else {
                national.clone()
            };
            let raw = format!("{prefix}{body}");
            prop_assert_eq!(normalize_phone(&raw).unwrap(), national);
        }

        #[test]
        fn normalisation_is_idempotent(raw in "[+]?[0-9 ()-]{0,20}") {
            if let Ok(once) = normalize_phone(&raw) {
                prop_assert_eq!(normalize_phone(&once).unwrap(), once);
            }
        }
    }
}
